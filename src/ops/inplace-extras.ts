/**
 * More in-place Tensor methods as PyTorch has them: the in-place linear-algebra updates
 * (`addmm_`, `addmv_`, `addr_`, `addbmm_`, `baddbmm_`), `cumsum_`/`cumprod_`, `scatterAdd_`,
 * `fillDiagonal_`, the in-place view ops that change only the shape (`squeeze_`,
 * `unsqueeze_`, `t_`, `transpose_`, `swapaxes_`, `swapdims_`), `geometric_`, and the CPU
 * element callbacks `apply_` and `map_`; plus `indexPut`, `sumToSize` and `splitWithSizes`.
 */
import { checkInplace, renameGradFn } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { bool, float64, scalarTypeName } from '../tensor/dtype.js';
import { checkFunction, checkInteger, checkNumber, checkScalar, checkTensor } from '../tensor/args.js';
import { emptyKernel } from './tensor-kernels.js';
import { viaRebase } from './inplace-math.js';
import { where } from './elementwise.js';
import { addmm, type AddmmOptions } from './linalg.js';
import { addbmm, addmv, addr, baddbmm } from './linalg-products.js';
import { cumprod, cumsum, type CumOptions } from './scan.js';
import { indexPut_, scatterAdd, type Index } from './indexing.js';
import { clone, makeView, squeeze, t as transpose2d, transpose, unsqueeze } from './shape.js';
import { sumTo } from './reduce.js';
import { split } from './split.js';
import { uniform_, type GeneratorOption } from './fill.js';
import { tensor, zerosLike } from '../tensor/creation.js';

type BetaAlpha = AddmmOptions;

/** In-place addmm: `self = beta * self + alpha * mat1 @ mat2`. @example bias.addmm_(a, b, { beta: 0.5 }) */
export const addmm_ = (self: Tensor, mat1: Tensor, mat2: Tensor, options?: BetaAlpha): Tensor =>
  viaRebase(self, 'addmm_', [mat1, mat2], (c) => addmm(c, mat1, mat2, options));
/** In-place addmv. @example y.addmv_(A, x) */
export const addmv_ = (self: Tensor, mat: Tensor, vec: Tensor, options?: BetaAlpha): Tensor =>
  viaRebase(self, 'addmv_', [mat, vec], (c) => addmv(c, mat, vec, options));
/** In-place addr. @example m.addr_(u, v) */
export const addr_ = (self: Tensor, vec1: Tensor, vec2: Tensor, options?: BetaAlpha): Tensor =>
  viaRebase(self, 'addr_', [vec1, vec2], (c) => addr(c, vec1, vec2, options));
/** In-place addbmm. @example m.addbmm_(b1, b2) */
export const addbmm_ = (self: Tensor, batch1: Tensor, batch2: Tensor, options?: BetaAlpha): Tensor =>
  viaRebase(self, 'addbmm_', [batch1, batch2], (c) => addbmm(c, batch1, batch2, options));
/** In-place baddbmm. @example scores.baddbmm_(q, k) */
export const baddbmm_ = (self: Tensor, batch1: Tensor, batch2: Tensor, options?: BetaAlpha): Tensor =>
  viaRebase(self, 'baddbmm_', [batch1, batch2], (c) => baddbmm(c, batch1, batch2, options));
/** In-place cumulative sum along `dim`, in self's dtype. @example x.cumsum_(0) */
export const cumsum_ = (self: Tensor, dim: number, options?: CumOptions): Tensor => viaRebase(self, 'cumsum_', [], (c) => cumsum(c, dim, options));
/** In-place cumulative product along `dim`. @example x.cumprod_(1) */
export const cumprod_ = (self: Tensor, dim: number, options?: CumOptions): Tensor => viaRebase(self, 'cumprod_', [], (c) => cumprod(c, dim, options));
/** In-place scatterAdd: `self[index[i][j]][j] += src[i][j]` (dim 0). @example counts.scatterAdd_(0, idx, ones) */
export const scatterAdd_ = (self: Tensor, dim: number, index: Tensor, src: Tensor): Tensor =>
  viaRebase(self, 'scatter_add_', [index, src], (c) => scatterAdd(c, dim, index, src));

/**
 * Fills the main diagonal (of a 2-D tensor, or of an n-D one with equal dims) with
 * `fillValue`; with `wrap`, a tall matrix's diagonal restarts every `cols + 1` rows, as
 * NumPy's and PyTorch's do.
 * @example torch.zeros(3, 3).fillDiagonal_(5)
 */
export function fillDiagonal_(self: Tensor, fillValue: number | boolean, wrap = false): Tensor {
  checkTensor(self, 'fill_diagonal_', 'input');
  checkScalar(fillValue, 'fill_diagonal_', 'fill_value');
  const shape = self._shape;
  if (shape.length < 2) throw new Error('dimensions must larger than 1');
  if (shape.length > 2 && shape.some((s) => s !== shape[0])) throw new Error('all dimensions of input must be of equal length');
  // The diagonal's positions as strided views of `t`, PyTorch's as_strided geometry.
  const diagonals = (t: Tensor): Tensor[] => {
    const [height, width] = [t._shape[0]!, t._shape[1]!];
    const stride = t._strides.reduce((a, b) => a + b, 0);
    const size = Math.min(height, width);
    const views = [makeView(t, [size], [stride], t._offset)];
    if (wrap && t._shape.length === 2 && height > width + 1) {
      const step = width + 1;
      const wrapSize = Math.floor((t.numel() + step - 1) / step) - size;
      views.push(makeView(t, [wrapSize], [stride], t._offset + t._strides[0]! * (width + 1)));
    }
    return views;
  };
  if (gradEnabled() && self._requiresGrad) {
    return viaRebase(self, 'fill_diagonal_', [], (current) => {
      const mask = noGrad(() => {
        const m = zerosLike(current, { dtype: bool });
        for (const v of diagonals(m)) v.fill_(true);
        return m;
      });
      return where(mask, fillValue, current);
    });
  }
  checkInplace(self);
  noGrad(() => {
    for (const v of diagonals(self)) v.fill_(fillValue);
  });
  return self;
}

/** Applies a view op to `self` in place: its shape and strides change, its storage does not. @internal */
export function viewInplace(self: Tensor, fn: string, gradFn: string, view: (t: Tensor) => Tensor): Tensor {
  checkTensor(self, fn, 'input');
  checkInplace(self);
  const v = view(self);
  self._shape = v._shape.slice();
  self._strides = v._strides.slice();
  self._offset = v._offset;
  if (v._gradFn !== null) {
    self._gradFn = v._gradFn;
    self._outputNr = v._outputNr;
    renameGradFn(self, gradFn);
  }
  self._version.value++;
  v.dispose();
  return self;
}

/** In-place squeeze: drops size-1 dims (or `dim`, if it is size 1). @example x.squeeze_(1) */
export const squeeze_ = (self: Tensor, dim?: number): Tensor =>
  viewInplace(self, 'squeeze_', dim === undefined ? 'SqueezeBackward2' : 'SqueezeBackward3', (t) => squeeze(t, dim));
/** In-place unsqueeze. @example x.unsqueeze_(0) */
export const unsqueeze_ = (self: Tensor, dim: number): Tensor => viewInplace(self, 'unsqueeze_', 'UnsqueezeBackward1', (t) => unsqueeze(t, dim));
/** In-place transpose of a matrix (≤ 2-D). @example m.t_() */
export const t_ = (self: Tensor): Tensor => viewInplace(self, 't_', 'TBackward1', transpose2d);
/** In-place transpose of two dims. @example x.transpose_(0, 1) */
export const transpose_ = (self: Tensor, dim0: number, dim1: number): Tensor =>
  viewInplace(self, 'transpose_', 'TransposeBackward1', (t) => transpose(t, dim0, dim1));
/** `transpose_` by NumPy's name. @example x.swapaxes_(0, 1) */
export const swapaxes_ = (self: Tensor, axis0: number, axis1: number): Tensor =>
  viewInplace(self, 'swapaxes_', 'TransposeBackward1', (t) => transpose(t, axis0, axis1));
/** `transpose_` by another name. @example x.swapdims_(0, 1) */
export const swapdims_ = (self: Tensor, dim0: number, dim1: number): Tensor =>
  viewInplace(self, 'swapdims_', 'TransposeBackward1', (t) => transpose(t, dim0, dim1));

/**
 * Geometric(p) samples in place, the number of Bernoulli(p) trials to the first success, as
 * PyTorch's CPU kernel draws them: `ceil(log(u) / log1p(-p))` with u a 53-bit uniform draw.
 * @example torch.empty(5).geometric_(0.2)
 */
export function geometric_(self: Tensor, p: number, options?: GeneratorOption): Tensor {
  checkTensor(self, 'geometric_', 'input');
  checkNumber(p, 'geometric_', 'p');
  if (!(p > 0 && p < 1)) throw new Error(`geometric_ expects p to be in (0, 1), but got p=${p}`);
  if (self._dtype === bool) throw new Error(`"geometric_cpu" not implemented for '${scalarTypeName(self._dtype)}'`);
  checkInplace(self);
  noGrad(() => {
    const u = emptyKernel(self._shape.slice(), float64, self.device);
    uniform_(u, 0, 1, options);
    const values = u.dataSync() as Float64Array;
    const scale = Math.log1p(-p);
    for (let i = 0; i < values.length; i++) values[i] = Math.ceil(Math.log(values[i]!) / scale);
    u.dispose();
    const g = tensor(values, { dtype: float64, device: self.device }).reshape(self._shape);
    self.copy_(g);
    g.dispose();
  });
  return self;
}

/** The values of a CPU tensor as numbers, for apply_ and map_. */
function cpuNumbers(t: Tensor, fn: string): number[] {
  if (t.device.type !== 'cpu') throw new Error(`${fn} is only implemented on CPU tensors`);
  return Array.from(t.contiguous().dataSync() as ArrayLike<number | bigint | boolean>, Number);
}

/**
 * Replaces each element by `fn(element)` (CPU only; slow, as in PyTorch: a JS call per element).
 * @example x.apply_((v) => v * 2)
 */
export function apply_(self: Tensor, fn: (value: number) => number): Tensor {
  checkTensor(self, 'apply_', 'input');
  checkFunction(fn, 'apply_', 'callable');
  const values = cpuNumbers(self, 'apply_');
  return writeBack(self, values.map((v) => fn(v)));
}

/**
 * Replaces each element by `fn(element, other's element)`, `other` broadcast to self's shape
 * (CPU only).
 * @example x.map_(y, (a, b) => a + b)
 */
export function map_(self: Tensor, other: Tensor, fn: (value: number, other: number) => number): Tensor {
  checkTensor(self, 'map_', 'input');
  checkTensor(other, 'map_', 'tensor');
  checkFunction(fn, 'map_', 'callable');
  const values = cpuNumbers(self, 'map_');
  const others = cpuNumbers(other.expand(self._shape), 'map_');
  return writeBack(self, values.map((v, i) => fn(v, others[i]!)));
}

function writeBack(self: Tensor, values: number[]): Tensor {
  checkInplace(self);
  noGrad(() => {
    const t = tensor(values, { dtype: float64 }).reshape(self._shape);
    self.copy_(t);
    t.dispose();
  });
  return self;
}

/**
 * `index_put`, the out-of-place form of `indexPut_`: a copy with `values` written at `indices`
 * (added with `accumulate`).
 * @example torch.indexPut(torch.zeros(3), [torch.tensor([0, 2])], torch.tensor(1.0))
 */
export function indexPut(self: Tensor, indices: Index[] | Index, values: Tensor | number | boolean, accumulate = false): Tensor {
  checkTensor(self, 'index_put', 'input');
  return indexPut_(clone(self), indices, values, accumulate);
}

/**
 * Sums `self` down to `size` (a shape it broadcasts to), as broadcasting's gradient does.
 * @example torch.ones(2, 3).sumToSize(1, 3) // tensor([[2., 2., 2.]])
 */
export function sumToSize(self: Tensor, ...size: (number | number[])[]): Tensor {
  checkTensor(self, 'sum_to_size', 'input');
  const shape = (Array.isArray(size[0]) ? size[0] : size) as number[];
  for (const s of shape) checkInteger(s, 'sum_to_size', 'size');
  const n = shape.length;
  const ok = n <= self._shape.length && shape.every((s, i) => s === 1 || s === self._shape[self._shape.length - n + i]);
  if (!ok) throw new Error(`size {[${shape.join(', ')}]} is not expandable to size {[${self._shape.join(', ')}]}.`);
  return sumTo(self, shape);
}

/**
 * Splits along `dim` into pieces of the given sizes (`split` with a list, as PyTorch names it).
 * @example x.splitWithSizes([2, 3], 0)
 */
export function splitWithSizes(self: Tensor, splitSizes: number[], dim = 0): Tensor[] {
  checkTensor(self, 'split_with_sizes', 'input');
  if (!Array.isArray(splitSizes)) throw new TypeError(`split_with_sizes(): argument 'split_sizes' must be a list of ints`);
  return split(self, splitSizes, dim);
}
