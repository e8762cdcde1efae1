/**
 * Tensor methods. Every op exists as a free function (`torch.add(x, y)`) in `src/ops/`;
 * this file attaches the method form (`x.add(y)`) to the prototype and types it, so
 * that the two forms are one implementation.
 */
import * as elementwise from '../ops/elementwise.js';
import * as inplace from '../ops/inplace.js';
import * as reduce from '../ops/reduce.js';
import * as norms from '../ops/norms.js';
import * as shape from '../ops/shape.js';
import * as linalg from '../ops/linalg.js';
import * as products from '../ops/linalg-products.js';
import * as decompositions from '../linalg/decompositions.js';
import * as determinants from '../linalg/determinants.js';
import * as leastSquares from '../linalg/least-squares.js';
import * as indexing from '../ops/indexing.js';
import * as fill from '../ops/fill.js';
import * as softmaxOps from '../ops/softmax.js';
import * as splitOps from '../ops/split.js';
import * as reorder from '../ops/reorder.js';
import * as indexOps from '../ops/index-ops.js';
import * as structured from '../ops/structured.js';
import * as scatterReduceOps from '../ops/scatter-reduce.js';
import * as unaryMath from '../ops/unary-math.js';
import * as binaryMath from '../ops/binary-math.js';
import * as compareMath from '../ops/compare-math.js';
import * as inplaceMath from '../ops/inplace-math.js';
import * as special from '../ops/special.js';
import * as activations from '../nn/functional/activations-more.js';
import { DTYPES, DType, bfloat16, bool, float16, float32, float64, int16, int32, int64, int8, legacyTypeName, scalarTypeName, toDTypeOrNull, uint8 } from './dtype.js';
import { CPU, Device, placement, type DeviceLike } from './device.js';
import { argumentError, checkInteger, checkTensor, toDeviceArg, toDTypeArg } from './args.js';
import { toDevice } from '../ops/device.js';
import { Tensor } from './tensor.js';
import { installMethods, type Tail } from './method-install.js';
import { onesLike, zerosLike } from './creation.js';
import './sort-methods.js';
import './extra-methods.js';
import './linalg-methods.js';
import './alias-methods.js';
import './inplace-methods.js';
import './transpose-props.js';
import './transfer.js';
import './storage-methods.js';
import './torch-names-methods.js';
import './real-tensor-methods.js';
import './complex-methods.js';


declare module './tensor.js' {
  interface Tensor {
    add: Tail<typeof elementwise.add>;
    sub: Tail<typeof elementwise.sub>;
    rsub: Tail<typeof elementwise.rsub>;
    mul: Tail<typeof elementwise.mul>;
    div: Tail<typeof elementwise.div>;
    pow(exponent: Tensor | number): Tensor;
    maximum: Tail<typeof elementwise.maximum>;
    minimum: Tail<typeof elementwise.minimum>;
    eq: Tail<typeof elementwise.eq>;
    ne: Tail<typeof elementwise.ne>;
    gt: Tail<typeof elementwise.gt>;
    ge: Tail<typeof elementwise.ge>;
    lt: Tail<typeof elementwise.lt>;
    le: Tail<typeof elementwise.le>;
    logicalAnd: Tail<typeof elementwise.logicalAnd>;
    logicalOr: Tail<typeof elementwise.logicalOr>;
    logicalNot: Tail<typeof elementwise.logicalNot>;
    neg: Tail<typeof elementwise.neg>;
    abs: Tail<typeof elementwise.abs>;
    exp: Tail<typeof elementwise.exp>;
    log: Tail<typeof elementwise.log>;
    log1p: Tail<typeof elementwise.log1p>;
    expm1: Tail<typeof elementwise.expm1>;
    trunc: Tail<typeof elementwise.trunc>;
    atan2: Tail<typeof elementwise.atan2>;
    remainder: Tail<typeof elementwise.remainder>;
    floorDivide: Tail<typeof elementwise.floorDivide>;
    sqrt: Tail<typeof elementwise.sqrt>;
    rsqrt: Tail<typeof elementwise.rsqrt>;
    sin: Tail<typeof elementwise.sin>;
    cos: Tail<typeof elementwise.cos>;
    relu: Tail<typeof elementwise.relu>;
    sigmoid: Tail<typeof elementwise.sigmoid>;
    tanh: Tail<typeof elementwise.tanh>;
    erf: Tail<typeof elementwise.erf>;
    softmax: Tail<typeof softmaxOps.softmax>;
    logSoftmax: Tail<typeof softmaxOps.logSoftmax>;
    reciprocal: Tail<typeof elementwise.reciprocal>;
    square: Tail<typeof elementwise.square>;
    sign: Tail<typeof elementwise.sign>;
    floor: Tail<typeof elementwise.floor>;
    ceil: Tail<typeof elementwise.ceil>;
    round: Tail<typeof elementwise.round>;
    clamp: Tail<typeof elementwise.clamp>;
    clip: Tail<typeof elementwise.clamp>;
    add_: Tail<typeof inplace.add_>;
    sub_: Tail<typeof inplace.sub_>;
    mul_: Tail<typeof inplace.mul_>;
    div_: Tail<typeof inplace.div_>;
    pow_: Tail<typeof inplace.pow_>;
    clamp_: Tail<typeof inplace.clamp_>;
    relu_: Tail<typeof inplace.relu_>;
    neg_: Tail<typeof inplace.neg_>;
    // Elementwise math (unary-math, binary-math, compare-math, inplace-math).
    tan: Tail<typeof unaryMath.tan>;
    asin: Tail<typeof unaryMath.asin>;
    acos: Tail<typeof unaryMath.acos>;
    atan: Tail<typeof unaryMath.atan>;
    sinh: Tail<typeof unaryMath.sinh>;
    cosh: Tail<typeof unaryMath.cosh>;
    asinh: Tail<typeof unaryMath.asinh>;
    acosh: Tail<typeof unaryMath.acosh>;
    atanh: Tail<typeof unaryMath.atanh>;
    log2: Tail<typeof unaryMath.log2>;
    log10: Tail<typeof unaryMath.log10>;
    exp2: Tail<typeof unaryMath.exp2>;
    frac: Tail<typeof unaryMath.frac>;
    lgamma: Tail<typeof special.lgamma>;
    broadcastTo: Tail<typeof shape.broadcastTo>;
    digamma: Tail<typeof special.digamma>;
    /** `x.polygamma(n)`, torch.polygamma(n, x). */
    polygamma(n: number): Tensor;
    erfc: Tail<typeof special.erfc>;
    erfinv: Tail<typeof special.erfinv>;
    logit: Tail<typeof special.logit>;
    mvlgamma: Tail<typeof special.mvlgamma>;
    i0: Tail<typeof special.i0>;
    i0_: Tail<typeof special.i0_>;
    isnan: Tail<typeof unaryMath.isnan>;
    isinf: Tail<typeof unaryMath.isinf>;
    isposinf: Tail<typeof unaryMath.isposinf>;
    isneginf: Tail<typeof unaryMath.isneginf>;
    isfinite: Tail<typeof unaryMath.isfinite>;
    nanToNum: Tail<typeof unaryMath.nanToNum>;
    hypot: Tail<typeof binaryMath.hypot>;
    logaddexp: Tail<typeof binaryMath.logaddexp>;
    logaddexp2: Tail<typeof binaryMath.logaddexp2>;
    xlogy: Tail<typeof binaryMath.xlogy>;
    fmod: Tail<typeof binaryMath.fmod>;
    copysign: Tail<typeof binaryMath.copysign>;
    lerp: Tail<typeof binaryMath.lerp>;
    addcmul: Tail<typeof binaryMath.addcmul>;
    addcdiv: Tail<typeof binaryMath.addcdiv>;
    clampMin: Tail<typeof compareMath.clampMin>;
    clampMax: Tail<typeof compareMath.clampMax>;
    isclose: Tail<typeof compareMath.isclose>;
    allclose: Tail<typeof compareMath.allclose>;
    equal: Tail<typeof compareMath.equal>;
    sigmoid_: Tail<typeof inplaceMath.sigmoid_>;
    tanh_: Tail<typeof inplaceMath.tanh_>;
    exp_: Tail<typeof inplaceMath.exp_>;
    log_: Tail<typeof inplaceMath.log_>;
    log1p_: Tail<typeof inplaceMath.log1p_>;
    expm1_: Tail<typeof inplaceMath.expm1_>;
    sqrt_: Tail<typeof inplaceMath.sqrt_>;
    rsqrt_: Tail<typeof inplaceMath.rsqrt_>;
    reciprocal_: Tail<typeof inplaceMath.reciprocal_>;
    sin_: Tail<typeof inplaceMath.sin_>;
    cos_: Tail<typeof inplaceMath.cos_>;
    erf_: Tail<typeof inplaceMath.erf_>;
    abs_: Tail<typeof inplaceMath.abs_>;
    sign_: Tail<typeof inplaceMath.sign_>;
    floor_: Tail<typeof inplaceMath.floor_>;
    ceil_: Tail<typeof inplaceMath.ceil_>;
    round_: Tail<typeof inplaceMath.round_>;
    trunc_: Tail<typeof inplaceMath.trunc_>;
    square_: Tail<typeof inplaceMath.square_>;
    tan_: Tail<typeof inplaceMath.tan_>;
    asin_: Tail<typeof inplaceMath.asin_>;
    acos_: Tail<typeof inplaceMath.acos_>;
    atan_: Tail<typeof inplaceMath.atan_>;
    sinh_: Tail<typeof inplaceMath.sinh_>;
    cosh_: Tail<typeof inplaceMath.cosh_>;
    asinh_: Tail<typeof inplaceMath.asinh_>;
    acosh_: Tail<typeof inplaceMath.acosh_>;
    atanh_: Tail<typeof inplaceMath.atanh_>;
    log2_: Tail<typeof inplaceMath.log2_>;
    log10_: Tail<typeof inplaceMath.log10_>;
    exp2_: Tail<typeof inplaceMath.exp2_>;
    frac_: Tail<typeof inplaceMath.frac_>;
    lgamma_: Tail<typeof special.lgamma_>;
    digamma_: Tail<typeof special.digamma_>;
    polygamma_: Tail<typeof special.polygamma_>;
    erfc_: Tail<typeof special.erfc_>;
    erfinv_: Tail<typeof special.erfinv_>;
    logit_: Tail<typeof special.logit_>;
    mvlgamma_: Tail<typeof special.mvlgamma_>;
    nanToNum_: Tail<typeof inplaceMath.nanToNum_>;
    atan2_: Tail<typeof inplaceMath.atan2_>;
    hypot_: Tail<typeof inplaceMath.hypot_>;
    fmod_: Tail<typeof inplaceMath.fmod_>;
    remainder_: Tail<typeof inplaceMath.remainder_>;
    copysign_: Tail<typeof inplaceMath.copysign_>;
    xlogy_: Tail<typeof inplaceMath.xlogy_>;
    lerp_: Tail<typeof inplaceMath.lerp_>;
    addcmul_: Tail<typeof inplaceMath.addcmul_>;
    addcdiv_: Tail<typeof inplaceMath.addcdiv_>;
    clampMin_: Tail<typeof inplaceMath.clampMin_>;
    clampMax_: Tail<typeof inplaceMath.clampMax_>;
    hardshrink: Tail<typeof activations.hardshrink>;
    prelu: Tail<typeof activations.prelu>;
    fill_: Tail<typeof fill.fill_>;
    zero_: Tail<typeof fill.zero_>;
    copy_: Tail<typeof fill.copy_>;
    uniform_: Tail<typeof fill.uniform_>;
    normal_: Tail<typeof fill.normal_>;
    random_: Tail<typeof fill.random_>;
    bernoulli_: Tail<typeof fill.bernoulli_>;
    sum: Tail<typeof reduce.sum>;
    mean: Tail<typeof reduce.mean>;
    prod: Tail<typeof reduce.prod>;
    max(): Tensor;
    max(other: Tensor): Tensor;
    max(dim: number, keepdim?: boolean): reduce.ValuesIndices;
    max(options: { dim: number; keepdim?: boolean }): reduce.ValuesIndices;
    min(): Tensor;
    min(other: Tensor): Tensor;
    min(dim: number, keepdim?: boolean): reduce.ValuesIndices;
    min(options: { dim: number; keepdim?: boolean }): reduce.ValuesIndices;
    amax: Tail<typeof reduce.amax>;
    amin: Tail<typeof reduce.amin>;
    logsumexp: Tail<typeof reduce.logsumexp>;
    argmax: Tail<typeof reduce.argmax>;
    argmin: Tail<typeof reduce.argmin>;
    var: Tail<typeof norms.var_>;
    std: Tail<typeof norms.std>;
    norm: Tail<typeof norms.norm>;
    any: Tail<typeof reduce.any>;
    all: Tail<typeof reduce.all>;
    matmul: Tail<typeof linalg.matmul>;
    mm: Tail<typeof linalg.mm>;
    bmm: Tail<typeof linalg.bmm>;
    dot: Tail<typeof linalg.dot>;
    mv: Tail<typeof linalg.mv>;
    baddbmm: Tail<typeof products.baddbmm>;
    addbmm: Tail<typeof products.addbmm>;
    addmv: Tail<typeof products.addmv>;
    addr: Tail<typeof products.addr>;
    trace: Tail<typeof products.trace>;
    kron: Tail<typeof products.kron>;
    cross: Tail<typeof products.cross>;
    det: Tail<typeof determinants.det>;
    slogdet: Tail<typeof determinants.slogdet>;
    inverse: Tail<typeof decompositions.inverse>;
    logdet: Tail<typeof determinants.logdet>;
    pinverse: Tail<typeof leastSquares.pinverse>;
    t: Tail<typeof shape.t>;
    transpose: Tail<typeof shape.transpose>;
    permute: Tail<typeof shape.permute>;
    view: Tail<typeof shape.view>;
    reshape: Tail<typeof shape.reshape>;
    contiguous: Tail<typeof shape.contiguous>;
    flatten: Tail<typeof shape.flatten>;
    squeeze: Tail<typeof shape.squeeze>;
    unsqueeze: Tail<typeof shape.unsqueeze>;
    expand: Tail<typeof shape.expand>;
    expandAs(other: Tensor): Tensor;
    viewAs(other: Tensor): Tensor;
    reshapeAs(other: Tensor): Tensor;
    narrow: Tail<typeof shape.narrow>;
    clone: Tail<typeof shape.clone>;
    detach: Tail<typeof shape.detach>;
    detach_(): Tensor;
    index: Tail<typeof indexing.index>;
    indexPut_: Tail<typeof indexing.indexPut_>;
    indexSelect: Tail<typeof indexing.indexSelect>;
    select: Tail<typeof indexing.select>;
    gather: Tail<typeof indexing.gather>;
    scatter: Tail<typeof indexing.scatter>;
    scatter_: Tail<typeof indexing.scatter_>;
    scatterAdd: Tail<typeof indexing.scatterAdd>;
    maskedFill: Tail<typeof indexing.maskedFill>;
    maskedSelect: Tail<typeof indexing.maskedSelect>;
    nonzero: Tail<typeof indexing.nonzero>;
    /** Converts dtype and/or device: `to(torch.float64)`, `to('cpu')`, `to('cpu', torch.float64)`. */
    to(target: DType | DeviceLike, dtype?: DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    half(): Tensor;
    bfloat16(): Tensor;
    long(): Tensor;
    short(): Tensor;
    /** int8, as PyTorch's `char()`. */
    char(): Tensor;
    /** uint8, as PyTorch's `byte()`. */
    byte(): Tensor;
    /**
     * PyTorch's legacy type name (`'torch.FloatTensor'`, `'torch.cuda.LongTensor'`), or with
     * a dtype (or a dtype's name, or a type name) the tensor converted to it.
     */
    type(): string;
    type(dtype: DType | string): Tensor;
    int(): Tensor;
    bool(): Tensor;
    cpu(): Tensor;
    cuda(device?: number | string): Tensor;
    /** The transpose with all dims reversed, as `x.T`. */
    readonly T: Tensor;
    onesLike(): Tensor;
    zerosLike(): Tensor;
    /** Rows along the first dimension, as `for row in t` (a 0-d tensor is not iterable). */
    [Symbol.iterator](): Iterator<Tensor>;
    split: Tail<typeof splitOps.split>;
    chunk: Tail<typeof splitOps.chunk>;
    unbind: Tail<typeof splitOps.unbind>;
    tensorSplit: Tail<typeof splitOps.tensorSplit>;
    unfold: Tail<typeof splitOps.unfold>;
    narrowCopy: Tail<typeof splitOps.narrowCopy>;
    repeat: Tail<typeof reorder.repeat>;
    repeatInterleave: Tail<typeof reorder.repeatInterleave>;
    tile: Tail<typeof reorder.tile>;
    flip: Tail<typeof reorder.flip>;
    fliplr: Tail<typeof reorder.fliplr>;
    flipud: Tail<typeof reorder.flipud>;
    roll: Tail<typeof reorder.roll>;
    rot90: Tail<typeof reorder.rot90>;
    movedim: Tail<typeof reorder.movedim>;
    moveaxis: Tail<typeof reorder.movedim>;
    swapaxes: Tail<typeof reorder.swapaxes>;
    swapdims: Tail<typeof reorder.swapdims>;
    take: Tail<typeof indexOps.take>;
    takeAlongDim: Tail<typeof indexOps.takeAlongDim>;
    maskedFill_: Tail<typeof indexOps.maskedFill_>;
    maskedScatter: Tail<typeof indexOps.maskedScatter>;
    maskedScatter_: Tail<typeof indexOps.maskedScatter_>;
    indexAdd: Tail<typeof indexOps.indexAdd>;
    indexAdd_: Tail<typeof indexOps.indexAdd_>;
    indexFill: Tail<typeof indexOps.indexFill>;
    indexFill_: Tail<typeof indexOps.indexFill_>;
    indexCopy: Tail<typeof indexOps.indexCopy>;
    indexCopy_: Tail<typeof indexOps.indexCopy_>;
    tril: Tail<typeof structured.tril>;
    triu: Tail<typeof structured.triu>;
    tril_: Tail<typeof structured.tril_>;
    triu_: Tail<typeof structured.triu_>;
    diag: Tail<typeof structured.diag>;
    diagEmbed: Tail<typeof structured.diagEmbed>;
    diagonal: Tail<typeof structured.diagonal>;
    newZeros: Tail<typeof structured.newZeros>;
    newOnes: Tail<typeof structured.newOnes>;
    newFull: Tail<typeof structured.newFull>;
    newEmpty: Tail<typeof structured.newEmpty>;
    newTensor: Tail<typeof structured.newTensor>;
    scatterReduce: Tail<typeof scatterReduceOps.scatterReduce>;
    scatterReduce_: Tail<typeof scatterReduceOps.scatterReduce_>;
  }
}

// A getter rather than a method, so that a 0-d tensor has no iterator at all: `for..of`
// over one throws a TypeError, as PyTorch's "iteration over a 0-d tensor" does, and
// structural comparisons (vitest's toEqual) stop at scalars instead of recursing.
Object.defineProperty(Tensor.prototype, Symbol.iterator, {
  get(this: Tensor) {
    if (this.ndim === 0) return undefined;
    return function* rows(this: Tensor): Generator<Tensor> {
      const n = this.shape[0];
      for (let i = 0; i < n; i++) yield indexing.select(this, 0, i);
    };
  },
  configurable: true,
});

type AnyFn = (x: Tensor, ...args: never[]) => unknown;

function attach(name: string, fn: AnyFn): void {
  installMethods({ [name]: fn });
}

const E = elementwise;
for (const [name, fn] of Object.entries({
  add: E.add, sub: E.sub, rsub: E.rsub, mul: E.mul, div: E.div, pow: E.pow, maximum: E.maximum, minimum: E.minimum,
  eq: E.eq, ne: E.ne, gt: E.gt, ge: E.ge, lt: E.lt, le: E.le, logicalAnd: E.logicalAnd, logicalOr: E.logicalOr,
  logicalNot: E.logicalNot, neg: E.neg, abs: E.abs, exp: E.exp, log: E.log, log1p: E.log1p, sqrt: E.sqrt,
  rsqrt: E.rsqrt, sin: E.sin, cos: E.cos, relu: E.relu, sigmoid: E.sigmoid, tanh: E.tanh, erf: E.erf, reciprocal: E.reciprocal,
  softmax: softmaxOps.softmax, logSoftmax: softmaxOps.logSoftmax,
  expm1: E.expm1, trunc: E.trunc, atan2: E.atan2, remainder: E.remainder, floorDivide: E.floorDivide,
  square: E.square, sign: E.sign, floor: E.floor, ceil: E.ceil, round: E.round, clamp: E.clamp, clip: E.clamp,
  add_: inplace.add_, sub_: inplace.sub_, mul_: inplace.mul_, div_: inplace.div_, pow_: inplace.pow_, clamp_: inplace.clamp_, relu_: inplace.relu_, neg_: inplace.neg_,
  fill_: fill.fill_, zero_: fill.zero_, copy_: fill.copy_, uniform_: fill.uniform_, normal_: fill.normal_,
  random_: fill.random_, bernoulli_: fill.bernoulli_,
  sum: reduce.sum, mean: reduce.mean, prod: reduce.prod, max: reduce.max, min: reduce.min, argmax: reduce.argmax,
  argmin: reduce.argmin, amax: reduce.amax, amin: reduce.amin, logsumexp: reduce.logsumexp, var: norms.var_, std: norms.std, norm: norms.norm, any: reduce.any, all: reduce.all,
  matmul: linalg.matmul, mm: linalg.mm, bmm: linalg.bmm, dot: linalg.dot, mv: linalg.mv,
  baddbmm: products.baddbmm, addbmm: products.addbmm, addmv: products.addmv, addr: products.addr, trace: products.trace,
  kron: products.kron, cross: products.cross, det: determinants.det, slogdet: determinants.slogdet, inverse: decompositions.inverse,
  logdet: determinants.logdet, pinverse: leastSquares.pinverse,
  t: shape.t, transpose: shape.transpose, permute: shape.permute, view: shape.view, reshape: shape.reshape,
  contiguous: shape.contiguous, flatten: shape.flatten, squeeze: shape.squeeze, unsqueeze: shape.unsqueeze,
  expand: shape.expand, narrow: shape.narrow, clone: shape.clone, detach: shape.detach,
  index: indexing.index, indexPut_: indexing.indexPut_, indexSelect: indexing.indexSelect, select: indexing.select,
  gather: indexing.gather, scatter: indexing.scatter, scatter_: indexing.scatter_, scatterAdd: indexing.scatterAdd,
  maskedFill: indexing.maskedFill, maskedSelect: indexing.maskedSelect, nonzero: indexing.nonzero,
  onesLike: (x: Tensor) => onesLike(x), zerosLike: (x: Tensor) => zerosLike(x),
  expandAs: (x: Tensor, o: Tensor) => (checkTensor(o, 'expandAs', 'other'), shape.expand(x, o._shape)),
  viewAs: (x: Tensor, o: Tensor) => (checkTensor(o, 'viewAs', 'other'), shape.view(x, o._shape)),
  reshapeAs: (x: Tensor, o: Tensor) => (checkTensor(o, 'reshapeAs', 'other'), shape.reshape(x, o._shape)),
  detach_: (x: Tensor) => {
    if (x._base !== null) throw new Error(DETACH_VIEW_MESSAGE);
    x._gradFn = null;
    x._requiresGrad = false;
    return x;
  },
} as Record<string, AnyFn>)) {
  attach(name, fn);
}

/** PyTorch's refusal to detach a view in place: the base would keep a history the view lost. */
const DETACH_VIEW_MESSAGE =
  "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.";

for (const [name, fn] of Object.entries({
  split: splitOps.split, chunk: splitOps.chunk, unbind: splitOps.unbind, tensorSplit: splitOps.tensorSplit,
  unfold: splitOps.unfold, narrowCopy: splitOps.narrowCopy,
  repeat: reorder.repeat, repeatInterleave: reorder.repeatInterleave, tile: reorder.tile, flip: reorder.flip,
  fliplr: reorder.fliplr, flipud: reorder.flipud, roll: reorder.roll, rot90: reorder.rot90, movedim: reorder.movedim,
  moveaxis: reorder.movedim, swapaxes: reorder.swapaxes, swapdims: reorder.swapdims,
  take: indexOps.take, takeAlongDim: indexOps.takeAlongDim, maskedFill_: indexOps.maskedFill_,
  maskedScatter: indexOps.maskedScatter, maskedScatter_: indexOps.maskedScatter_, indexAdd: indexOps.indexAdd,
  indexAdd_: indexOps.indexAdd_, indexFill: indexOps.indexFill, indexFill_: indexOps.indexFill_,
  indexCopy: indexOps.indexCopy, indexCopy_: indexOps.indexCopy_,
  tril: structured.tril, triu: structured.triu, tril_: structured.tril_, triu_: structured.triu_, diag: structured.diag,
  diagEmbed: structured.diagEmbed, diagonal: structured.diagonal, newZeros: structured.newZeros,
  newOnes: structured.newOnes, newFull: structured.newFull, newEmpty: structured.newEmpty, newTensor: structured.newTensor,
  scatterReduce: scatterReduceOps.scatterReduce, scatterReduce_: scatterReduceOps.scatterReduce_,
} as Record<string, AnyFn>)) {
  attach(name, fn);
}

// Elementwise math (unary-math, binary-math, compare-math, inplace-math).
for (const [name, fn] of Object.entries({
  tan: unaryMath.tan, asin: unaryMath.asin, acos: unaryMath.acos, atan: unaryMath.atan, sinh: unaryMath.sinh, cosh: unaryMath.cosh, asinh: unaryMath.asinh, acosh: unaryMath.acosh, atanh: unaryMath.atanh, log2: unaryMath.log2, log10: unaryMath.log10, exp2: unaryMath.exp2, frac: unaryMath.frac, isnan: unaryMath.isnan, isinf: unaryMath.isinf, isposinf: unaryMath.isposinf, isneginf: unaryMath.isneginf, isfinite: unaryMath.isfinite, nanToNum: unaryMath.nanToNum,
  hypot: binaryMath.hypot, logaddexp: binaryMath.logaddexp, logaddexp2: binaryMath.logaddexp2, xlogy: binaryMath.xlogy, fmod: binaryMath.fmod, copysign: binaryMath.copysign, lerp: binaryMath.lerp, addcmul: binaryMath.addcmul, addcdiv: binaryMath.addcdiv,
  clampMin: compareMath.clampMin, clampMax: compareMath.clampMax, isclose: compareMath.isclose, allclose: compareMath.allclose, equal: compareMath.equal,
  sigmoid_: inplaceMath.sigmoid_, tanh_: inplaceMath.tanh_, exp_: inplaceMath.exp_, log_: inplaceMath.log_, log1p_: inplaceMath.log1p_, expm1_: inplaceMath.expm1_, sqrt_: inplaceMath.sqrt_, rsqrt_: inplaceMath.rsqrt_, reciprocal_: inplaceMath.reciprocal_, sin_: inplaceMath.sin_, cos_: inplaceMath.cos_, erf_: inplaceMath.erf_, abs_: inplaceMath.abs_, sign_: inplaceMath.sign_, floor_: inplaceMath.floor_, ceil_: inplaceMath.ceil_, round_: inplaceMath.round_, trunc_: inplaceMath.trunc_, square_: inplaceMath.square_, tan_: inplaceMath.tan_, asin_: inplaceMath.asin_, acos_: inplaceMath.acos_, atan_: inplaceMath.atan_, sinh_: inplaceMath.sinh_, cosh_: inplaceMath.cosh_, asinh_: inplaceMath.asinh_, acosh_: inplaceMath.acosh_, atanh_: inplaceMath.atanh_, log2_: inplaceMath.log2_, log10_: inplaceMath.log10_, exp2_: inplaceMath.exp2_, frac_: inplaceMath.frac_, nanToNum_: inplaceMath.nanToNum_, atan2_: inplaceMath.atan2_, hypot_: inplaceMath.hypot_, fmod_: inplaceMath.fmod_, remainder_: inplaceMath.remainder_, copysign_: inplaceMath.copysign_, xlogy_: inplaceMath.xlogy_, lerp_: inplaceMath.lerp_, addcmul_: inplaceMath.addcmul_, addcdiv_: inplaceMath.addcdiv_, clampMin_: inplaceMath.clampMin_, clampMax_: inplaceMath.clampMax_,
  hardshrink: activations.hardshrink, prelu: activations.prelu,
  broadcastTo: shape.broadcastTo, lgamma: special.lgamma, digamma: special.digamma, polygamma: (x: Tensor, n: number) => special.polygamma(n, x),
  erfc: special.erfc, erfinv: special.erfinv, logit: special.logit, mvlgamma: special.mvlgamma, mvlgamma_: special.mvlgamma_, i0: special.i0, i0_: special.i0_,
  lgamma_: special.lgamma_, digamma_: special.digamma_, polygamma_: special.polygamma_, erfc_: special.erfc_,
  erfinv_: special.erfinv_, logit_: special.logit_,
} as Record<string, AnyFn>)) {
  attach(name, fn);
}

const TO_TARGET = 'a torch.dtype, a torch.device, or the name of either';

function to(x: Tensor, target: DType | DeviceLike | string, dtype?: DType): Tensor {
  let wantDtype: DType | undefined = dtype === undefined ? undefined : toDTypeArg(dtype, 'to');
  let wantDevice: Device | undefined;
  if (target instanceof DType) wantDtype = toDTypeArg(target, 'to');
  else if (target instanceof Device) wantDevice = placement(target);
  else if (typeof target === 'string') {
    const named = toDTypeOrNull(target);
    if (named !== null) wantDtype = named;
    else if (/^(cpu|cuda)/.test(target)) wantDevice = toDeviceArg(target, 'to');
    else throw argumentError('to', 'target', TO_TARGET, target);
  } else throw argumentError('to', 'target', TO_TARGET, target);
  const moved = wantDevice === undefined ? x : toDevice(x, wantDevice);
  return wantDtype === undefined ? moved : shape.toDtype(moved, wantDtype);
}

function cuda(x: Tensor, d?: number | string): Tensor {
  if (d === undefined) return to(x, 'cuda');
  if (typeof d === 'number') {
    checkInteger(d, 'cuda', 'device');
    return to(x, `cuda:${d}`);
  }
  return to(x, d);
}

function legacyType(x: Tensor, dtype?: DType | string): string | Tensor {
  if (dtype === undefined) return legacyTypeName(x._dtype, x.device.type === 'cuda');
  if (typeof dtype === 'string') {
    const legacy = /^torch\.(cuda\.)?(\w+Tensor)$/.exec(dtype);
    const named = legacy === null ? null : DTYPES.find((d) => `${scalarTypeName(d)}Tensor` === legacy[2]);
    if (legacy !== null && named === undefined) throw new Error(`invalid type: '${dtype}'`);
    if (named) return legacy![1] ? shape.toDtype(cuda(x), named) : shape.toDtype(toDevice(x, CPU), named);
  }
  return shape.toDtype(x, toDTypeArg(dtype, 'type'));
}

for (const [name, fn] of Object.entries({
  to,
  float: (x: Tensor) => shape.toDtype(x, float32),
  double: (x: Tensor) => shape.toDtype(x, float64),
  half: (x: Tensor) => shape.toDtype(x, float16),
  bfloat16: (x: Tensor) => shape.toDtype(x, bfloat16),
  long: (x: Tensor) => shape.toDtype(x, int64),
  short: (x: Tensor) => shape.toDtype(x, int16),
  char: (x: Tensor) => shape.toDtype(x, int8),
  byte: (x: Tensor) => shape.toDtype(x, uint8),
  type: legacyType,
  int: (x: Tensor) => shape.toDtype(x, int32),
  bool: (x: Tensor) => shape.toDtype(x, bool),
  cpu: (x: Tensor) => toDevice(x, CPU),
  cuda,
} as Record<string, AnyFn>)) {
  attach(name, fn);
}

Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return shape.permute(this, this._shape.map((_, i) => this._shape.length - 1 - i));
  },
  configurable: true,
});
