/**
 * The Tensor methods of the bit operations, of the in-place comparisons and logical ops
 * (src/ops/bitwise.ts), of PyTorch's alternative names (src/ops/aliases.ts) and of the dtype
 * and shape questions (predicates.ts): `x.bitwiseAnd(y)`, `x.eq_(y)`, `x.arccos()`,
 * `x.isSigned()`, `x.isCuda`, `x.mH`, ... Imported once by methods.ts.
 */
import { adjoint, conj, conjugateTranspose } from '../ops/real-tensors.js';
import * as bitwise from '../ops/bitwise.js';
import * as aliases from '../ops/aliases.js';
import * as predicates from './predicates.js';
import * as inplaceMath from '../ops/inplace-math.js';
import { igamma, igammac } from '../ops/special-functions.js';
import { fmax, fmin } from '../ops/compare-math.js';
import { renorm } from '../ops/norms.js';
import { inner, ger, vdot } from '../ops/linalg-products.js';
import { diff, dist } from '../ops/differences.js';
import { frexp } from '../ops/math-extras.js';
import { selectScatter, sliceScatter, diagonalScatter } from '../ops/scatter-views.js';
import { transpose } from '../ops/shape.js';
import { Tensor } from './tensor.js';
import { installGetters, installMethods, type MethodTable, type Tail } from './method-install.js';


declare module './tensor.js' {
  interface Tensor {
    bitwiseAnd: Tail<typeof bitwise.bitwiseAnd>;
    bitwiseOr: Tail<typeof bitwise.bitwiseOr>;
    bitwiseXor: Tail<typeof bitwise.bitwiseXor>;
    bitwiseLeftShift: Tail<typeof bitwise.bitwiseLeftShift>;
    bitwiseRightShift: Tail<typeof bitwise.bitwiseRightShift>;
    bitwiseNot: Tail<typeof bitwise.bitwiseNot>;
    bitwiseAnd_: Tail<typeof bitwise.bitwiseAnd_>;
    bitwiseOr_: Tail<typeof bitwise.bitwiseOr_>;
    bitwiseXor_: Tail<typeof bitwise.bitwiseXor_>;
    bitwiseLeftShift_: Tail<typeof bitwise.bitwiseLeftShift_>;
    bitwiseRightShift_: Tail<typeof bitwise.bitwiseRightShift_>;
    bitwiseNot_: Tail<typeof bitwise.bitwiseNot_>;
    logicalXor: Tail<typeof bitwise.logicalXor>;
    logicalAnd_: Tail<typeof bitwise.logicalAnd_>;
    logicalOr_: Tail<typeof bitwise.logicalOr_>;
    logicalXor_: Tail<typeof bitwise.logicalXor_>;
    logicalNot_: Tail<typeof bitwise.logicalNot_>;
    eq_: Tail<typeof bitwise.eq_>;
    ne_: Tail<typeof bitwise.ne_>;
    gt_: Tail<typeof bitwise.gt_>;
    ge_: Tail<typeof bitwise.ge_>;
    lt_: Tail<typeof bitwise.lt_>;
    le_: Tail<typeof bitwise.le_>;
    notEqual_: Tail<typeof bitwise.ne_>;
    greater_: Tail<typeof bitwise.gt_>;
    greaterEqual_: Tail<typeof bitwise.ge_>;
    less_: Tail<typeof bitwise.lt_>;
    lessEqual_: Tail<typeof bitwise.le_>;
    absolute: Tail<typeof aliases.absolute>;
    absolute_: Tail<typeof aliases.absolute_>;
    arccos: Tail<typeof aliases.arccos>;
    arcsin: Tail<typeof aliases.arcsin>;
    arctan: Tail<typeof aliases.arctan>;
    arccosh: Tail<typeof aliases.arccosh>;
    arcsinh: Tail<typeof aliases.arcsinh>;
    arctanh: Tail<typeof aliases.arctanh>;
    arctan2: Tail<typeof aliases.arctan2>;
    arccos_: Tail<typeof aliases.arccos_>;
    arcsin_: Tail<typeof aliases.arcsin_>;
    arctan_: Tail<typeof aliases.arctan_>;
    arccosh_: Tail<typeof aliases.arccosh_>;
    arcsinh_: Tail<typeof aliases.arcsinh_>;
    arctanh_: Tail<typeof aliases.arctanh_>;
    arctan2_: Tail<typeof aliases.arctan2_>;
    multiply: Tail<typeof aliases.multiply>;
    divide: Tail<typeof aliases.divide>;
    trueDivide: Tail<typeof aliases.trueDivide>;
    subtract: Tail<typeof aliases.subtract>;
    multiply_: Tail<typeof aliases.multiply_>;
    divide_: Tail<typeof aliases.divide_>;
    trueDivide_: Tail<typeof aliases.trueDivide_>;
    subtract_: Tail<typeof aliases.subtract_>;
    negative: Tail<typeof aliases.negative>;
    negative_: Tail<typeof aliases.negative_>;
    positive: Tail<typeof aliases.positive>;
    greater: Tail<typeof aliases.greater>;
    greaterEqual: Tail<typeof aliases.greaterEqual>;
    less: Tail<typeof aliases.less>;
    lessEqual: Tail<typeof aliases.lessEqual>;
    notEqual: Tail<typeof aliases.notEqual>;
    fix: Tail<typeof aliases.fix>;
    fix_: Tail<typeof aliases.fix_>;
    gcd_: Tail<typeof inplaceMath.gcd_>;
    lcm_: Tail<typeof inplaceMath.lcm_>;
    nextafter_: Tail<typeof inplaceMath.nextafter_>;
    ldexp_: Tail<typeof inplaceMath.ldexp_>;
    floatPower_: Tail<typeof inplaceMath.floatPower_>;
    heaviside_: Tail<typeof inplaceMath.heaviside_>;
    rad2deg_: Tail<typeof inplaceMath.rad2deg_>;
    deg2rad_: Tail<typeof inplaceMath.deg2rad_>;
    sinc_: Tail<typeof inplaceMath.sinc_>;
    fmax: Tail<typeof fmax>;
    fmin: Tail<typeof fmin>;
    renorm: Tail<typeof renorm>;
    renorm_(p: number, dim: number, maxnorm: number): Tensor;
    inner: Tail<typeof inner>;
    ger: Tail<typeof ger>;
    vdot: Tail<typeof vdot>;
    diff: Tail<typeof diff>;
    frexp: Tail<typeof frexp>;
    dist: Tail<typeof dist>;
    selectScatter: Tail<typeof selectScatter>;
    sliceScatter: Tail<typeof sliceScatter>;
    diagonalScatter: Tail<typeof diagonalScatter>;
    igamma: Tail<typeof igamma>;
    igammac: Tail<typeof igammac>;
    igamma_: Tail<typeof igamma>;
    igammac_: Tail<typeof igammac>;
    isComplex: Tail<typeof predicates.isComplex>;
    isSigned: Tail<typeof predicates.isSigned>;
    isNonzero: Tail<typeof predicates.isNonzero>;
    isSameSize: Tail<typeof predicates.isSameSize>;
    /** `numel()` by its older name. @example torch.zeros(2, 3).nelement() // 6 */
    nelement(): number;
    /** `dim()` by its older name. @example torch.zeros(2, 3).ndimension() // 2 */
    ndimension(): number;
    /** This tensor in `other`'s dtype. @example x.typeAs(torch.zeros(1, { dtype: torch.float64 })) */
    typeAs(other: Tensor): Tensor;
    /** The CUDA device's index, or -1 on the CPU. @example torch.zeros(1).getDevice() // -1 */
    getDevice(): number;
    /** The conjugate transpose of the last two dims: the same as `mT` for real dtypes. @example x.adjoint() */
    adjoint(): Tensor;
    /** Whether the tensor lives on a CUDA device. @example torch.zeros(1).isCuda // false */
    readonly isCuda: boolean;
    /** Whether the tensor lives on the CPU. @example torch.zeros(1).isCpu // true */
    readonly isCpu: boolean;
    /** The conjugate transpose of a matrix: `T` for real dtypes, 2-D only. @example m.H */
    readonly H: Tensor;
    /** The conjugate transpose of the last two dims (`mT` for real dtypes; a copy for complex ones). @example batch.mH */
    readonly mH: Tensor;
  }
}

// torch.concatenate is a function of torch only, as in PyTorch; x.clip_ is installed by torch-names-methods.ts.
const { clip_: _clip, concatenate: _concatenate, ...aliasMethods } = aliases;
const methods: MethodTable = {
  ...bitwise,
  notEqual_: bitwise.ne_, greater_: bitwise.gt_, greaterEqual_: bitwise.ge_, less_: bitwise.lt_, lessEqual_: bitwise.le_,
  ...aliasMethods,
  gcd_: inplaceMath.gcd_, lcm_: inplaceMath.lcm_, nextafter_: inplaceMath.nextafter_, ldexp_: inplaceMath.ldexp_,
  floatPower_: inplaceMath.floatPower_, heaviside_: inplaceMath.heaviside_, rad2deg_: inplaceMath.rad2deg_,
  deg2rad_: inplaceMath.deg2rad_, sinc_: inplaceMath.sinc_,
  igamma, igammac, fmax, fmin, renorm, inner, ger, vdot, diff, dist, frexp, selectScatter, sliceScatter, diagonalScatter,
  renorm_: (x, p: number, dim: number, maxnorm: number) => inplaceMath.viaRebase(x, 'renorm_', [], (t) => renorm(t, p, dim, maxnorm)),
  igamma_: (x, other: Tensor) => inplaceMath.viaRebase(x, 'igamma_', [other], (t) => igamma(t, other)),
  igammac_: (x, other: Tensor) => inplaceMath.viaRebase(x, 'igammac_', [other], (t) => igammac(t, other)),
  isComplex: predicates.isComplex, isSigned: predicates.isSigned, isNonzero: predicates.isNonzero,
  isSameSize: predicates.isSameSize,
  nelement: (x) => x.numel(),
  ndimension: (x) => x.dim(),
  typeAs: (x, other: Tensor) => x.to(other.dtype),
  getDevice: (x) => (x.device.type === 'cpu' ? -1 : (x.device.index ?? 0)),
  adjoint: adjoint,
};
installMethods(methods);


const getters: Record<string, (x: Tensor) => unknown> = {
  isCuda: (x) => x.device.type === 'cuda',
  isCpu: (x) => x.device.type === 'cpu',
  H: (x) => {
    if (x.dim() !== 2) {
      const hint = x.dim() > 2 ? ' For batches of matrices, consider using tensor.mH' : '';
      throw new Error(`tensor.H is only supported on matrices (2-D tensors). Got ${x.dim()}-D tensor.${hint}`);
    }
    return conj(transpose(x, 0, 1));
  },
  mH: (x) => conj(conjugateTranspose(x, 'tensor.mH')),
};
installGetters(getters);
