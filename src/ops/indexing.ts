/**
 * Indexing: `t.index(...)` (numbers, slice strings, null, '...', int64 and bool
 * tensors), `indexPut_`, gather/scatter and index_select. Basic indexing returns views.
 */
import { type Backward, checkInplace, record } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { type DType, bool, int64 } from '../tensor/dtype.js';
import { broadcastShapes, contiguousStrides, normalizeDim, shapeNumel, shapeString } from '../tensor/shape.js';
import { checkWriteOverlap } from './overlap.js';
import { argumentError, describeValue, checkInteger, checkBoolean, checkScalar, checkTensor, checkTensorOrScalar } from '../tensor/args.js';
import {
  castKernel,
  copyKernel,
  fillKernel,
  gatherKernel,
  indexPutKernel,
  indexSelectKernel,
  nonzeroKernel,
  scatterKernel,
} from './tensor-kernels.js';
import { zerosOf, filled } from './internal-tensors.js';
import { tensor } from '../tensor/creation.js';
import { type ScatterOptions, scatterWithReduce, scatterWithReduce_ } from './scatter-reduce.js';
import { embedAlong, makeView, permute, reshape, selectRaw, unsqueeze } from './shape.js';
import { add, ge, logicalOr, lt, mul, where } from './elementwise.js';
import { rebase } from './inplace.js';
import { max as maxOf, min as minOf, sumTo } from './reduce.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { indexAdd } from './index-ops.js';

/** Nested JS arrays of integers or booleans, used as an advanced index as a tensor would be. */
export type IndexArray = readonly (number | boolean | IndexArray)[];

/**
 * One index: a number, a slice string like `'1:5'`, `null` (new axis), `'...'`, a tensor,
 * or a (nested) array of integers or booleans, as PyTorch takes Python lists.
 */
export type Index = number | string | null | Tensor | IndexArray;

/** A JS array index as the int64 (or, all booleans, bool) tensor PyTorch makes of a list. */
function arrayIndex(idx: IndexArray, like: Tensor): Tensor {
  const flat = (idx as unknown[]).flat(Infinity as 1) as unknown[];
  const allBool = flat.length > 0 && flat.every((v) => typeof v === 'boolean');
  for (const v of flat) {
    if (!allBool && !(typeof v === 'number' && Number.isInteger(v))) {
      throw new TypeError(`index(): an array index must hold integers or booleans, but got ${describeValue(v)}`);
    }
  }
  return tensor(idx as number[], { dtype: allBool ? bool : int64, device: like.device });
}

interface Slice {
  start: number | null;
  stop: number | null;
  step: number;
}

function parseSlice(text: string): Slice {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`invalid index ${JSON.stringify(text)}: expected a slice like '1:5' or '::2'`);
  const num = (s: string | undefined): number | null => {
    if (s === undefined || s.trim() === '') return null;
    const v = Number(s);
    if (!Number.isInteger(v)) throw new Error(`invalid slice bound ${JSON.stringify(s)} in ${JSON.stringify(text)}`);
    return v;
  };
  const step = num(parts[2]) ?? 1;
  if (step <= 0) throw new Error('step must be greater than zero');
  return { start: num(parts[0]), stop: num(parts[1]), step };
}

/** Python's slice.indices for a positive step. */
function sliceBounds(s: Slice, size: number): [number, number] {
  const clampBound = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) v += size;
    return Math.min(Math.max(v, 0), size);
  };
  const start = clampBound(s.start, 0);
  const stop = Math.max(clampBound(s.stop, size), start);
  return [start, stop];
}

/** Select `i` along `d` (a view, SelectBackward0). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor(x, 'select', 'input');
  checkInteger(dim, 'select', 'dim');
  checkInteger(index, 'select', 'index');
  const d = normalizeDim(dim, x._shape.length);
  const size = x._shape[d];
  if (index < -size || index >= size) {
    throw new RangeError(`index ${index} is out of bounds for dimension ${d} with size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  const out = selectRaw(x, d, i);
  const shape = x._shape;
  return record(out, 'SelectBackward0', [x], () => (g) => {
    // Recorded (createGraph: jvp, hessian, vmap under jacrev): zeros around g through cat.
    if (gradEnabled()) return [embedAlong(unsqueeze(g, d), shape, d, i)];
    const grad = zerosOf(shape.slice(), g);
    copyKernel(selectRaw(grad, d, i), g);
    return [grad];
  });
}


function sliceView(x: Tensor, d: number, s: Slice): Tensor {
  const size = x._shape[d];
  const [start, stop] = sliceBounds(s, size);
  const length = Math.ceil((stop - start) / s.step);
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  shape[d] = length;
  strides[d] = x._strides[d] * s.step;
  const out = makeView(x, shape, strides, x._offset + start * x._strides[d]);
  if (start === 0 && s.step === 1 && length === size) {
    return record(out, 'SliceBackward0', [x], () => (g) => [g]);
  }
  const inputShape = x._shape;
  return record(out, 'SliceBackward0', [x], () => (g) => {
    // Recorded (createGraph) for a unit step: zeros around g through cat.
    if (gradEnabled() && s.step === 1) return [embedAlong(g, inputShape, d, start)];
    if (gradEnabled()) throw new Error('flint cannot differentiate the backward of SliceBackward0 with a step other than 1 (createGraph: true)');
    const grad = zerosOf(inputShape.slice(), g);
    const target = makeView(grad, shape, strides.map((st, k) => (k === d ? grad._strides[d] * s.step : grad._strides[k])), start * grad._strides[d]);
    copyKernel(target, g);
    return [grad];
  });
}

interface Advanced {
  dim: number; // position in the basic-indexed view
  index: Tensor; // int64
  /** from a bool mask's nonzero: in range by construction, never negative */
  inRange: boolean;
}

/** Applies numbers, slices, null and '...'; collects tensor indices for the second pass. */
function basicIndex(x: Tensor, rawIndices: Index[]): { view: Tensor; advanced: Advanced[] } {
  const indices = rawIndices.map((idx) => (Array.isArray(idx) ? arrayIndex(idx as IndexArray, x) : idx)) as (number | string | null | Tensor)[];
  let consumed = 0;
  let ellipsis = 0;
  for (const idx of indices) {
    if (idx === '...') ellipsis++;
    // A 0-d mask consumes no dim: PyTorch adds one of size 1 and masks it (x[True] is [1, ...]).
    else if (idx instanceof Tensor) consumed += idx._dtype === bool || idx._dtype.name === 'uint8' ? idx._shape.length : 1;
    else if (idx !== null) consumed += 1;
  }
  if (ellipsis > 1) throw new Error('an index can only have a single ellipsis');
  if (consumed > x._shape.length) {
    throw new Error(`too many indices for tensor of dimension ${x._shape.length}`);
  }
  const expanded: (number | string | null | Tensor)[] = [];
  for (const idx of indices) {
    if (idx === '...') for (let i = 0; i < x._shape.length - consumed; i++) expanded.push(':');
    else expanded.push(idx);
  }
  let view = x;
  let dim = 0;
  const advanced: Advanced[] = [];
  for (const idx of expanded) {
    if (idx === null) {
      view = unsqueeze(view, dim);
      dim++;
    } else if (typeof idx === 'number') {
      if (!Number.isInteger(idx)) throw new TypeError(`index(): a number index must be an integer, but got ${describeValue(idx)}`);
      view = select(view, dim, idx);
    } else if (typeof idx === 'string') {
      view = sliceView(view, dim, parseSlice(idx));
      dim++;
    } else if (idx instanceof Tensor) {
      if (idx._dtype === bool || idx._dtype.name === 'uint8') {
        if (idx._shape.length === 0) view = unsqueeze(view, dim);
        const k = Math.max(idx._shape.length, 1);
        for (let j = 0; j < idx._shape.length; j++) {
          if (idx._shape[j] !== view._shape[dim + j]) {
            throw new Error(
              `The shape of the mask [${idx._shape.join(', ')}] at index ${j} does not match the shape of the indexed tensor [${view._shape.join(', ')}] at index ${dim + j}`,
            );
          }
        }
        // The one read back on this path: the result's size is the mask's count of true
        // elements, which only the device knows (PyTorch synchronizes here too).
        const coords = nonzeroKernel(idx._shape.length === 0 ? reshape(idx, [1]) : idx);
        for (let j = 0; j < k; j++) advanced.push({ dim: dim + j, index: reshape(selectRaw(coords, 1, j), [-1]), inRange: true });
        dim += k;
      } else if (idx._dtype.isFloatingPoint) {
        throw new Error('tensors used as indices must be long, int, byte or bool tensors');
      } else {
        advanced.push({ dim, index: idx._dtype === int64 ? idx : castKernel(idx, int64), inRange: false });
        dim++;
      }
    } else {
      throw new TypeError(
        `index(): each index must be an integer, a slice string such as '1:3', null, '...' or a Tensor, but got ${describeValue(idx)}`,
      );
    }
  }
  return { view, advanced };
}

/**
 * Folds the advanced indices into one linear index over their merged dims, on the device,
 * reading nothing back. Negative indices are wrapped, as PyTorch's; an index outside
 * [-size, size) is left out of range (with several indices, the whole linear index of
 * that element is made -1, so that no combination of bad parts can land in range), and the
 * index kernel that consumes the result rejects it: at once on the CPU (then
 * `outOfRangeError` words it as PyTorch does), at the next synchronization on a GPU (the
 * CUDA backend's deferred bad-index error; the element is left unwritten), where PyTorch
 * fails with a device-side assert.
 */
function linearIndex(view: Tensor, advanced: Advanced[]): { index: Tensor; broadcast: number[] } {
  let broadcast: number[] = [];
  for (const a of advanced) broadcast = broadcastShapes(broadcast, a.index._shape);
  let linear: Tensor | null = null;
  let bad: Tensor | null = null;
  for (const a of advanced) {
    const size = view._shape[a.dim];
    let idx = a.index;
    if (!a.inRange && idx.numel() > 0) {
      idx = where(lt(idx, 0), add(idx, size), idx);
      if (advanced.length > 1) {
        const outside = logicalOr(lt(idx, 0), ge(idx, size));
        bad = bad === null ? outside : logicalOr(bad, outside);
      }
    }
    linear = linear === null ? idx : add(mul(linear, size), idx);
  }
  if (bad !== null) linear = where(bad, -1, linear!);
  return { index: reshape(linear!, [-1]).expand(broadcast.length ? [shapeNumel(broadcast)] : [1]), broadcast };
}

/**
 * When an index kernel failed on the CPU: PyTorch's IndexError for the first advanced
 * index with a value outside [-size, size) (reading the CPU indices costs no device
 * synchronization, and only this error path reads them), or the kernel's own error when
 * the indices were not the cause.
 */
function outOfRangeError(view: Tensor, advanced: Advanced[], error: unknown): unknown {
  if (view.device.type !== 'cpu') return error;
  for (const a of advanced) {
    if (a.inRange || a.index.numel() === 0) continue;
    const size = view._shape[a.dim];
    const lo = Number((minOf(a.index) as Tensor).item());
    const hi = Number((maxOf(a.index) as Tensor).item());
    if (lo < -size || hi >= size) {
      return new RangeError(`index ${lo < -size ? lo : hi} is out of bounds for dimension ${a.dim} with size ${size}`);
    }
  }
  return error;
}

/** Moves the advanced dims next to each other (first, if they were apart) and merges them. */
function mergeAdvanced(view: Tensor, advanced: Advanced[]): { merged: Tensor; position: number; order: number[] } {
  const dims = advanced.map((a) => a.dim);
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  const n = view._shape.length;
  const order = adjacent
    ? Array.from({ length: n }, (_, i) => i)
    : [...dims, ...Array.from({ length: n }, (_, i) => i).filter((i) => !dims.includes(i))];
  const position = adjacent ? dims[0] : 0;
  const permuted = adjacent ? view : permute(view, order);
  const shape = permuted._shape;
  const mergedShape = [...shape.slice(0, position), shapeNumel(dims.map((d) => view._shape[d])), ...shape.slice(position + dims.length)];
  return { merged: reshape(permuted, mergedShape), position, order };
}

/**
 * `x[...]` in PyTorch: basic indices give a view; tensor indices gather a copy.
 * @example x.index(0); x.index(':', '1:3'); x.index('...', null); x.index(mask)
 */
export function index(x: Tensor, ...indices: Index[]): Tensor {
  checkTensor(x, 'index', 'input');
  const { view, advanced } = basicIndex(x, indices);
  if (advanced.length === 0) {
    if (view === x) return makeView(x, x._shape, x._strides, x._offset);
    return view;
  }
  const { index: flat, broadcast } = linearIndex(view, advanced);
  const { merged, position } = mergeAdvanced(view, advanced);
  let selected: Tensor;
  try {
    selected = indexSelectKernel(merged, position, flat.contiguous());
  } catch (error) {
    throw outOfRangeError(view, advanced, error);
  }
  const outShape = [...merged._shape.slice(0, position), ...broadcast, ...merged._shape.slice(position + 1)];
  const out = new Tensor(selected._storage, outShape, contiguousStrides(outShape), 0, selected._dtype);
  selected.dispose();
  const mergedShape = merged._shape;
  return record(out, 'IndexBackward0', [merged], (node) => {
    const si = node.save(flat);
    return (g) => {
      const grad = zerosOf(mergedShape.slice(), g);
      const selShape = mergedShape.slice();
      selShape[position] = si()._shape[0];
      indexPutKernel(grad, position, si().contiguous(), reshape(g, selShape).contiguous(), true);
      return [grad];
    };
  }, { onceDifferentiable: true });
}

/**
 * Index assignment, `x[indices] = value`: `w.data.indexPut_([0, 0], 42)`.
 * @example x.indexPut_([0, ':'], 1); x.indexPut_([mask], 0)
 */
export function indexPut_(x: Tensor, indices: Index[] | Index, value: Tensor | number | boolean, accumulate = false): Tensor {
  checkTensor(x, 'indexPut_', 'input');
  checkTensorOrScalar(value, 'indexPut_', 'values');
  checkBoolean(accumulate, 'indexPut_', 'accumulate');
  const list = Array.isArray(indices) ? indices : [indices];
  checkWriteOverlap(x, value);
  if (gradEnabled() && (x._requiresGrad || (value instanceof Tensor && value._requiresGrad))) {
    return rebase(x, (current) => indexPutCopy(current, list, value, accumulate));
  }
  checkInplace(x);
  const { view, advanced } = basicIndex(x, list);
  const source = value instanceof Tensor ? value : null;
  if (advanced.length === 0) {
    if (source === null) fillKernel(view, Number(value));
    else if (accumulate) copyKernel(view, add(view, source));
    else copyKernel(view, source);
  } else {
    const { index: flat, broadcast } = linearIndex(view, advanced);
    const { merged, position } = mergeAdvanced(view, advanced);
    if (merged._storage !== x._storage) {
      throw new Error('indexPut_ with these tensor indices needs a copy of a non-contiguous tensor; call .contiguous() first');
    }
    const selShape = [...merged._shape.slice(0, position), flat._shape[0], ...merged._shape.slice(position + 1)];
    const outShape = [...merged._shape.slice(0, position), ...broadcast, ...merged._shape.slice(position + 1)];
    const src = source === null ? filled(outShape, Number(value), x._dtype, x.device) : source;
    const expanded = castKernel(src.expand(outShape), x._dtype);
    // On the CPU the bounds are checked before anything is written, so that a failing
    // assignment leaves x as it was (reading CPU memory stalls no device). On a GPU the
    // kernel checks them, skipping bad elements and reporting at the next synchronization.
    if (x.device.type === 'cpu') {
      const error = outOfRangeError(view, advanced, null);
      if (error !== null) throw error;
    }
    try {
      indexPutKernel(merged, position, flat.contiguous(), reshape(expanded, selShape).contiguous(), accumulate);
    } catch (error) {
      throw outOfRangeError(view, advanced, error);
    }
  }
  x._version.value++;
  return x;
}

/** Out-of-place index_put with its backward (IndexPutBackward0); the in-place form rebases onto it. */
function indexPutCopy(x: Tensor, indices: Index[], value: Tensor | number | boolean, accumulate: boolean): Tensor {
  const out = castKernel(x, x._dtype);
  indexPut_(out, indices, value instanceof Tensor ? value.detach() : value, accumulate);
  const valueTensor = value instanceof Tensor ? value : null;
  // The index tensors are saved (version-checked), as PyTorch's IndexPutBackward0; of the
  // value only its shape and dtype are kept.
  return record(out, 'IndexPutBackward0', [x, valueTensor], (node) =>
    indexPutBackward(
      indices.map((i) => (i instanceof Tensor ? node.save(i) : i)),
      accumulate,
      node.next[1] === null ? null : valueTensor!._shape,
      valueTensor?._dtype,
    ), { onceDifferentiable: true });
}

function indexPutBackward(saved: (Index | (() => Tensor))[], accumulate: boolean, valueShape: number[] | null, valueDtype: DType | undefined): Backward {
  return (g) => {
    const indices = saved.map((i) => (typeof i === 'function' ? i() : i));
    let gx = g;
    if (!accumulate) {
      gx = castKernel(g, g._dtype);
      indexPut_(gx, indices, 0);
    }
    let gv: Tensor | null = null;
    if (valueShape !== null) {
      const picked = index(g, ...indices);
      gv = sumTo(picked, valueShape);
      if (gv._dtype !== valueDtype) gv = castKernel(gv, valueDtype!);
    }
    return [gx, gv];
  };
}

/** index_select's result shape: a 0-d input gives a 0-d result for a one-element index. */
function indexSelectShape(x: Tensor, d: number, flat: Tensor): number[] {
  if (x._shape.length === 0) return flat._shape[0] === 1 ? [] : [flat._shape[0]];
  const shape = x._shape.slice();
  shape[d] = flat._shape[0];
  return shape;
}

/**
 * `torch.index_select`.
 * @example x.indexSelect(0, torch.tensor([0, 2]))
 */
export function indexSelect(x: Tensor, dim: number, indexTensor: Tensor): Tensor {
  checkTensor(x, 'index_select', 'input');
  const d = normalizeDim(dim, x._shape.length, false, 'index_select');
  checkTensor(indexTensor, 'index_select', 'index');
  if (indexTensor._dtype !== int64 && indexTensor._dtype.name !== 'int32') {
    throw new Error('index_select(): Expected dtype int32 or int64 for index');
  }
  if (indexTensor._shape.length > 1) throw new Error('index_select(): Index is supposed to be a vector');
  const flat = reshape(indexTensor._dtype === int64 ? indexTensor : castKernel(indexTensor, int64), [-1]).contiguous();
  const out = reshape(indexSelectKernel(asVector(x), d, flat), indexSelectShape(x, d, flat));
  const shape = x._shape;
  return record(out, 'IndexSelectBackward0', [x], (node) => {
    const si = node.save(flat);
    return (g) => {
      // createGraph: index_add as a recorded op, so that index_select (and the reflect,
      // replicate and circular pads built on it) can be differentiated twice.
      if (gradEnabled()) return [indexAdd(zerosOf(shape.slice(), g), d, si(), g)];
      const grad = zerosOf(shape.slice(), g);
      indexPutKernel(asVector(grad), d, si(), asVector(g).contiguous(), true);
      return [grad];
    };
  });
}

function checkIndex(x: Tensor, index: Tensor, name: string): void {
  checkTensor(index, name, 'index');
  if (index._dtype !== int64) throw new Error(`${name}(): Expected dtype int64 for index`);
  if (index._shape.length !== x._shape.length && !(index._shape.length <= 1 && x._shape.length <= 1)) {
    throw new Error(`Index tensor must have the same number of dimensions as ${name === 'gather' ? 'input' : 'self'} tensor`);
  }
}

/** PyTorch's gather_shape_check: the index may not be larger than the input off `dim`. */
function checkGatherShape(x: Tensor, d: number, index: Tensor): void {
  for (let k = 0; k < index._shape.length; k++) {
    if (k !== d && index._shape[k] > x._shape[k]) {
      throw new Error(
        `Size does not match at dimension ${k} expected index ${shapeString(index._shape)} to be smaller than self ${shapeString(x._shape)} apart from dimension ${d}`,
      );
    }
  }
}

/** PyTorch's scatter_shape_check: the index fits in self off `dim`, and in src everywhere. */
function checkScatterShape(x: Tensor, d: number, index: Tensor, src: Tensor | null): void {
  let fits = true;
  for (let k = 0; k < index._shape.length; k++) {
    if (k !== d && index._shape[k] > x._shape[k]) fits = false;
    if (src !== null && (src._shape.length !== index._shape.length || index._shape[k] > src._shape[k])) fits = false;
  }
  if (fits) return;
  const srcPart = src === null ? '' : ` and to be smaller size than src ${shapeString(src._shape)}`;
  throw new Error(`Expected index ${shapeString(index._shape)} to be smaller than self ${shapeString(x._shape)} apart from dimension ${d}${srcPart}`);
}

/** 0-d operands of gather/scatter work as 1-element vectors, as in PyTorch. */
function asVector(t: Tensor): Tensor {
  return t._shape.length === 0 ? reshape(t, [1]) : t;
}

/**
 * `torch.gather(x, dim, index)`.
 * @example torch.gather(x, 1, idx)
 */
export function gather(x: Tensor, dim: number, indexTensor: Tensor): Tensor {
  checkTensor(x, 'gather', 'input');
  const d = normalizeDim(dim, x._shape.length, false, 'gather');
  checkIndex(x, indexTensor, 'gather');
  checkGatherShape(x, d, indexTensor);
  const out = reshape(gatherKernel(asVector(x), d, asVector(indexTensor)), indexTensor._shape);
  const shape = x._shape;
  return record(out, 'GatherBackward0', [x], (node) => {
    const si = node.save(indexTensor);
    return (g) => {
      // createGraph: scatter_add as a recorded op, so that gather can be differentiated twice.
      if (gradEnabled()) return [scatterAdd(zerosOf(shape.slice(), g), d, si(), g)];
      const grad = zerosOf(shape.slice(), g);
      scatterKernel(asVector(grad), d, asVector(si()), asVector(g), true);
      return [grad];
    };
  });
}

function checkScatterSource(x: Tensor, src: Tensor | number, name: string): void {
  if (src instanceof Tensor) {
    if (src._dtype !== x._dtype) throw new Error(`${name}(): Expected self.dtype to be equal to src.dtype`);
  } else if (typeof src !== 'number' && typeof src !== 'boolean') {
    throw argumentError(name, 'src', 'a Tensor or a number', src);
  }
}

function scatterImpl(x: Tensor, dim: number, indexTensor: Tensor, src: Tensor | number, accumulate: boolean): Tensor {
  const d = normalizeDim(dim, x._shape.length, false, accumulate ? 'scatter_add' : 'scatter');
  const name = accumulate ? 'scatter_add' : 'scatter';
  checkIndex(x, indexTensor, name);
  checkScatterSource(x, src, name);
  checkScatterShape(x, d, indexTensor, src instanceof Tensor ? src : null);
  const source = src instanceof Tensor ? src : filled(indexTensor._shape.slice(), src, x._dtype, x.device);
  const out = castKernel(x, x._dtype);
  scatterKernel(asVector(out), d, asVector(indexTensor), asVector(source), accumulate);
  const srcTensor = src instanceof Tensor ? src : null;
  return record(out, accumulate ? 'ScatterAddBackward0' : 'ScatterBackward0', [x, srcTensor], (node) =>
    scatterBackward(node.save(indexTensor), d, accumulate, node.next[1] !== null), { onceDifferentiable: true });
}

function scatterBackward(si: () => Tensor, d: number, accumulate: boolean, hasSrc: boolean): Backward {
  return (g) => {
    let gx = g;
    if (!accumulate) {
      gx = castKernel(g, g._dtype);
      scatterKernel(asVector(gx), d, asVector(si()), asVector(zerosOf(si()._shape.slice(), g)), false);
    }
    return [gx, hasSrc ? reshape(gatherKernel(asVector(g), d, asVector(si())), si()._shape) : null];
  };
}

/**
 * Out-of-place `scatter`: a copy of x with `src` written at `index` along `dim` (or, with
 * `reduce: 'add' | 'multiply'`, combined there; that form has no derivative, as PyTorch's).
 * @example x.scatter(0, idx, src); x.scatter(0, idx, 2, { reduce: 'multiply' })
 */
export function scatter(x: Tensor, dim: number, indexTensor: Tensor, src: Tensor | number, options?: ScatterOptions): Tensor {
  checkTensor(x, 'scatter', 'input');
  if (options !== undefined) return scatterWithReduce(x, dim, indexTensor, src, options);
  return scatterImpl(x, dim, indexTensor, src, false);
}

/**
 * Out-of-place `scatter_add`.
 * @example x.scatterAdd(0, idx, src)
 */
export function scatterAdd(x: Tensor, dim: number, indexTensor: Tensor, src: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('scatterAdd', scatterAdd, arguments);
  checkTensor(x, 'scatter_add', 'input');
  return scatterImpl(x, dim, indexTensor, src, true);
}

/**
 * In-place `scatter_` (no gradient), optionally with `reduce: 'add' | 'multiply'`.
 * @example x.scatter_(0, idx, 1); x.scatter_(0, idx, src, { reduce: 'add' })
 */
export function scatter_(x: Tensor, dim: number, indexTensor: Tensor, src: Tensor | number, options?: ScatterOptions): Tensor {
  checkTensor(x, 'scatter_', 'input');
  if (options !== undefined) return scatterWithReduce_(x, dim, indexTensor, src, options);
  checkInplace(x);
  const d = normalizeDim(dim, x._shape.length, false, 'scatter_');
  checkIndex(x, indexTensor, 'scatter');
  checkScatterSource(x, src, 'scatter');
  checkScatterShape(x, d, indexTensor, src instanceof Tensor ? src : null);
  checkWriteOverlap(x, indexTensor, src);
  const source = src instanceof Tensor ? src : filled(indexTensor._shape.slice(), src, x._dtype, x.device);
  scatterKernel(asVector(x), d, asVector(indexTensor), asVector(source), false);
  x._version.value++;
  return x;
}

/**
 * Coordinates of the nonzero elements, int64 [count, ndim].
 * @example torch.nonzero(mask)
 */
export function nonzero(x: Tensor): Tensor {
  checkTensor(x, 'nonzero', 'input');
  return nonzeroKernel(x);
}

/**
 * Elements where `mask` is true, as a 1-D tensor.
 * @example x.maskedSelect(x.gt(0))
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  checkTensor(x, 'maskedSelect', 'input');
  checkTensor(mask, 'maskedSelect', 'mask');
  const shape = broadcastShapes(x._shape, mask._shape);
  return index(x.expand(shape), mask.expand(shape));
}

/**
 * `x` with `value` (a number or a 0-d tensor) where the bool `mask` is true.
 * @example x.maskedFill(mask, 0)
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor(x, 'maskedFill', 'input');
  checkTensor(mask, 'maskedFill', 'mask');
  if (mask._dtype !== bool) throw new Error(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask._dtype.name}`);
  if (value instanceof Tensor) {
    if (value._shape.length !== 0) {
      throw new Error(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value._shape.length} dimension(s).`);
    }
    if (value._dtype !== x._dtype) value = value.to(x._dtype);
  } else checkScalar(value, 'maskedFill', 'value');
  let out = where(mask, value, x);
  // The result keeps x's dtype (a float fill of an int tensor truncates), as PyTorch's.
  if (out._dtype !== x._dtype) out = out.to(x._dtype);
  if (out._gradFn) (out._gradFn as { name: string }).name = value instanceof Tensor ? 'MaskedFillBackward1' : 'MaskedFillBackward0';
  return out;
}
