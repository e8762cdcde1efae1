/**
 * Shape ops. Views (view, transpose, permute, expand, squeeze, unsqueeze, narrowing)
 * share storage and cost no copy; reshape and contiguous copy only when they must.
 */
import { type Backward, record } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { DType, legacyTypeName, promoteTypes } from '../tensor/dtype.js';
import { broadcastShapes as broadcastShapePair, contiguousStrides, normalizeDim, parseShape, sameShape, shapeNumel, shapeString } from '../tensor/shape.js';
import { Size } from '../tensor/size.js';
import { castKernel, checkSameDevice, copyKernel, emptyKernel, fillKernel } from './tensor-kernels.js';
import { sumTo } from './reduce.js';
import { argumentError, checkInteger, checkTensor } from '../tensor/args.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { realPart } from '../complex/parts.js';
import { castComplex } from '../complex/layouts.js';

/** A new tensor viewing `base`'s storage. @internal */
export function makeView(base: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return new Tensor(base._storage, shape, strides, offset, base._dtype, base._version, base._base ?? base);
}

/** Resolves one -1 in a requested shape, with PyTorch's error. @internal */
export function inferShape(requested: number[], numel: number): number[] {
  let unknown = -1;
  let known = 1;
  requested.forEach((s, i) => {
    if (s === -1) {
      if (unknown >= 0) throw new Error('only one dimension can be inferred');
      unknown = i;
    } else if (s < 0) {
      throw new Error(`invalid shape dimension ${s}`);
    } else known *= s;
  });
  const shape = requested.slice();
  if (unknown >= 0) {
    if (known === 0 || numel % known !== 0) throw new Error(`shape '${shapeString(requested)}' is invalid for input of size ${numel}`);
    shape[unknown] = numel / known;
  } else if (known !== numel) {
    throw new Error(`shape '${shapeString(requested)}' is invalid for input of size ${numel}`);
  }
  return shape;
}

/** PyTorch's computeStride: strides for viewing (shape, strides) as newShape, or null. */
function viewStrides(shape: number[], strides: number[], newShape: number[]): number[] | null {
  if (shape.length === 0) return newShape.map(() => 1);
  const numel = shapeNumel(shape);
  if (numel === 0) return sameShape(shape, newShape) ? strides.slice() : contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBaseStride = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let tensorD = shape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= shape[tensorD];
    if (tensorD === 0 || (shape[tensorD - 1] !== 1 && strides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = strides[tensorD - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

function viewBackward(x: Tensor, out: Tensor, name: string): Tensor {
  const shape = x._shape;
  return record(out, name, [x], () => (g) => [reshape(g, shape)]);
}

/**
 * A view with a new shape (one dim may be -1); throws when the strides do not allow it.
 * @example x.view(2, -1); x.view([4])
 */
export function view(x: Tensor, ...shapeArgs: (number | number[])[]): Tensor {
  checkTensor(x, 'view', 'input');
  const shape = inferShape(parseShape(shapeArgs, true, 'view'), x.numel());
  const strides = viewStrides(x._shape, x._strides, shape);
  if (strides === null) {
    throw new Error(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  return viewBackward(x, makeView(x, shape, strides, x._offset), 'ViewBackward0');
}

/**
 * A view when possible, else a contiguous copy, with the new shape.
 * @example x.reshape(-1)
 */
export function reshape(x: Tensor, ...shapeArgs: (number | number[])[]): Tensor {
  checkTensor(x, 'reshape', 'input');
  const shape = inferShape(parseShape(shapeArgs, true, 'reshape'), x.numel());
  const strides = viewStrides(x._shape, x._strides, shape);
  if (strides !== null) return viewBackward(x, makeView(x, shape, strides, x._offset), 'ViewBackward0');
  const copy = castKernel(x, x._dtype);
  const out = new Tensor(copy._storage, shape, contiguousStrides(shape), 0, x._dtype);
  copy.dispose();
  return viewBackward(x, out, 'ViewBackward0');
}

/**
 * Returns a contiguous tensor (this one if it already is).
 * @example x.t().contiguous()
 */
export function contiguous(x: Tensor): Tensor {
  checkTensor(x, 'contiguous', 'input');
  if (x.isContiguous()) return x;
  return clone(x);
}

/**
 * A copy with its own storage; gradients flow back unchanged.
 * @example const y = x.clone();
 */
export function clone(x: Tensor): Tensor {
  checkTensor(x, 'clone', 'input');
  const out = castKernel(x, x._dtype);
  return record(out, 'CloneBackward0', [x], () => (g) => [g]);
}

/**
 * A tensor sharing storage (and version counter) with no history. As PyTorch's, it is no
 * autograd view even of a view: an in-place op on it must not write history into the base.
 * @example const y = x.detach();
 */
export function detach(x: Tensor): Tensor {
  checkTensor(x, 'detach', 'input');
  return new Tensor(x._storage, x._shape, x._strides, x._offset, x._dtype, x._version, null);
}

/**
 * Converts to another dtype (a copy; the same tensor if the dtype already matches).
 * @example x.to(torch.float64)
 */
export function toDtype(x: Tensor, dtype: DType, copy = false): Tensor {
  if (dtype === x._dtype && !copy) return x;
  // Complex to real keeps the real parts, with PyTorch's warning.
  const out = x._dtype.isComplex && !dtype.isComplex ? castComplex(x, dtype) : castKernel(x, dtype);
  if (!dtype.isFloatingPoint && !dtype.isComplex) return out;
  // toDtype again (not the raw cast), so that createGraph keeps the gradient's history.
  // The closure keeps the input's dtype, never the input; a real input takes the real part
  // of a complex gradient, as PyTorch's _to_copy_backward.
  const inputDtype = x._dtype;
  return record(out, 'ToCopyBackward0', [x], () => (g) => [toDtype(g._dtype.isComplex && !inputDtype.isComplex ? realPart(g) : g, inputDtype)]);
}

/**
 * Swaps two dims (a view).
 * @example x.transpose(0, 1)
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, 'transpose', 'input');
  const n = x._shape.length;
  const a = normalizeDim(dim0, n, false, 'transpose', 'dim0');
  const b = normalizeDim(dim1, n, false, 'transpose', 'dim1');
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  if (n > 0) {
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
  }
  const out = makeView(x, shape, strides, x._offset);
  return record(out, 'TransposeBackward0', [x], () => (g) => [transpose(g, a, b)]);
}

/**
 * Transpose of a tensor with at most 2 dims.
 * @example m.t()
 */
export function t(x: Tensor): Tensor {
  checkTensor(x, 't', 'input');
  const n = x._shape.length;
  if (n > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${n}D`);
  if (n < 2) return record(makeView(x, x._shape, x._strides, x._offset), 'TBackward0', [x], () => (g) => [g]);
  const out = makeView(x, [x._shape[1], x._shape[0]], [x._strides[1], x._strides[0]], x._offset);
  return record(out, 'TBackward0', [x], () => (g) => [t(g)]);
}

/**
 * Reorders dims (a view).
 * @example x.permute(2, 0, 1); x.permute([2, 0, 1])
 */
export function permute(x: Tensor, ...dimsArgs: (number | number[])[]): Tensor {
  checkTensor(x, 'permute', 'input');
  const dims = (dimsArgs.length === 1 && Array.isArray(dimsArgs[0]) ? dimsArgs[0] : dimsArgs) as number[];
  const n = x._shape.length;
  if (dims.length !== n) {
    throw new Error(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${n} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const order = dims.map((d) => normalizeDim(d, n, false, 'permute', 'dims'));
  if (new Set(order).size !== n) throw new Error('permute(): duplicate dims are not allowed.');
  const out = makeView(x, order.map((d) => x._shape[d]), order.map((d) => x._strides[d]), x._offset);
  const inverse = new Array<number>(n);
  order.forEach((d, i) => (inverse[d] = i));
  return record(out, 'PermuteBackward0', [x], () => (g) => [permute(g, inverse)]);
}

/**
 * Broadcasts to a larger shape without copying (-1 keeps a dim).
 * @example x.expand(3, -1)
 */
export function expand(x: Tensor, ...sizeArgs: (number | number[])[]): Tensor {
  checkTensor(x, 'expand', 'input');
  const sizes = (sizeArgs.length === 1 && Array.isArray(sizeArgs[0]) ? sizeArgs[0] : sizeArgs) as number[];
  for (const s of sizes) {
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      throw new TypeError(`expand(): argument 'size' must be a sequence of integers, but got [${sizes.map(String).join(', ')}]`);
    }
  }
  const { shape, strides } = expandedLayout(x, sizes);
  if (sameShape(shape, x._shape)) return x._requiresGrad ? record(makeView(x, shape, strides, x._offset), 'ExpandBackward0', [x], () => (g) => [g]) : makeView(x, shape, strides, x._offset);
  const inputShape = x._shape;
  return record(makeView(x, shape, strides, x._offset), 'ExpandBackward0', [x], () => (g) => [sumTo(g, inputShape)]);
}

/**
 * The shape and strides of `x` expanded to `sizes` (-1 keeps a dim), with expand's errors.
 * @example expandedLayout(bias, [rows, cols]).strides
 * @internal
 */
export function expandedLayout(x: Tensor, sizes: readonly number[]): { shape: number[]; strides: number[] } {
  const n = sizes.length;
  const lead = n - x._shape.length;
  if (lead < 0) {
    throw new Error(
      `expand(${legacyTypeName(x._dtype, x.device.type === 'cuda')}{[${x._shape.join(', ')}]}, size=[${sizes.join(', ')}]): the number of sizes provided (${n}) must be greater or equal to the number of dimensions in the tensor (${x._shape.length})`,
    );
  }
  const shape = new Array<number>(n);
  const strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - lead;
    const want = sizes[i];
    if (j < 0) {
      // -1 has a message of its own; other negative sizes are PyTorch's numel overflow.
      if (want === -1) throw new Error(`The expanded size of the tensor (${want}) isn't allowed in a leading, non-existing dimension ${i}`);
      shape[i] = want;
      strides[i] = 0;
      continue;
    }
    const have = x._shape[j];
    if (want === -1 || want === have) {
      shape[i] = have;
      strides[i] = x._strides[j];
    } else if (have === 1) {
      shape[i] = want;
      strides[i] = 0;
    } else {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i}.  Target sizes: [${sizes.join(', ')}].  Tensor sizes: [${x._shape.join(', ')}]`,
      );
    }
  }
  return { shape, strides };
}

/**
 * Removes size-1 dims (all, or one).
 * @example x.squeeze(); x.squeeze(0)
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor(x, 'squeeze', 'input');
  const n = x._shape.length;
  const inputShape = x._shape;
  if (dim === undefined) {
    const keep = x._shape.map((s, i) => (s !== 1 ? i : -1)).filter((i) => i >= 0);
    const out = makeView(x, keep.map((i) => x._shape[i]), keep.map((i) => x._strides[i]), x._offset);
    return record(out, 'SqueezeBackward0', [x], () => (g) => [reshape(g, inputShape)]);
  }
  const d = normalizeDim(dim, n, false, 'squeeze');
  let out: Tensor;
  if (n === 0 || x._shape[d] !== 1) out = makeView(x, x._shape, x._strides, x._offset);
  else {
    out = makeView(x, x._shape.filter((_, i) => i !== d), x._strides.filter((_, i) => i !== d), x._offset);
  }
  return record(out, 'SqueezeBackward1', [x], () => (g) => [reshape(g, inputShape)]);
}

/**
 * Inserts a size-1 dim.
 * @example x.unsqueeze(0); x.unsqueeze(-1)
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'unsqueeze', 'input');
  const n = x._shape.length;
  const d = normalizeDim(dim, n, true, 'unsqueeze');
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  const stride = d < n ? x._shape[d] * x._strides[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const out = makeView(x, shape, strides, x._offset);
  return record(out, 'UnsqueezeBackward0', [x], () => (g) => [squeeze(g, d)]);
}

/**
 * Flattens dims `startDim..endDim` into one.
 * @example x.flatten(); x.flatten(1)
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, 'flatten', 'input');
  const n = x._shape.length;
  if (n === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, n, false, 'flatten', 'startDim');
  const e = normalizeDim(endDim, n, false, 'flatten', 'endDim');
  if (s > e) throw new Error('flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return x;
  const shape = [...x._shape.slice(0, s), shapeNumel(x._shape.slice(s, e + 1)), ...x._shape.slice(e + 1)];
  return reshape(x, shape);
}

/**
 * A view of `length` elements along `dim` from `start`.
 * @example x.narrow(0, 1, 2)
 */
export function narrow(x: Tensor, dim: number, start: number | Tensor, length: number): Tensor {
  checkTensor(x, 'narrow', 'input');
  if (start instanceof Tensor) start = Number(start.item());
  checkInteger(dim, 'narrow', 'dim');
  checkInteger(start, 'narrow', 'start');
  checkInteger(length, 'narrow', 'length');
  const d = normalizeDim(dim, x._shape.length);
  const size = x._shape[d];
  const begin = start < 0 ? start + size : start;
  if (begin < 0 || begin + length > size || length < 0) {
    throw new Error(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  const shape = x._shape.slice();
  shape[d] = length;
  const out = makeView(x, shape, x._strides, x._offset + begin * x._strides[d]);
  const inputShape = x._shape;
  return record(out, 'SliceBackward0', [x], () => (g) => {
    // Recorded (createGraph: jvp, hessian): zeros around g through cat.
    if (gradEnabled()) return [embedAlong(g, inputShape, d, begin)];
    const grad = emptyKernel(inputShape.slice(), g._dtype, g.device);
    fillKernel(grad, 0);
    copyKernel(narrowRaw(grad, d, begin, length), g);
    return [grad];
  });
}

/**
 * `g` placed at `start` along `d` in zeros of `shape`, as a concatenation, so that a
 * backward built this way (select's, narrow's under createGraph) can be differentiated again.
 * @internal
 */
export function embedAlong(g: Tensor, shape: readonly number[], d: number, start: number): Tensor {
  const zerosOfLength = (n: number) => {
    const s = shape.slice();
    s[d] = n;
    const z = emptyKernel(s, g._dtype, g.device);
    fillKernel(z, 0);
    return z;
  };
  const after = shape[d] - start - g._shape[d];
  const parts: Tensor[] = [];
  if (start > 0) parts.push(zerosOfLength(start));
  parts.push(g);
  if (after > 0) parts.push(zerosOfLength(after));
  return parts.length === 1 ? g : cat(parts, d);
}

/** A narrowing view with no autograd. @internal */
export function narrowRaw(x: Tensor, d: number, begin: number, length: number): Tensor {
  const shape = x._shape.slice();
  shape[d] = length;
  return makeView(x, shape, x._strides, x._offset + begin * x._strides[d]);
}

/**
 * Concatenates along an existing dim.
 * @example torch.cat([a, b], 0)
 */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (autocastHook.active) return autocastOp('cat', cat, arguments);
  if (!Array.isArray(tensors)) throw argumentError('cat', 'tensors', 'an array of Tensors', tensors);
  if (tensors.length === 0) throw new Error('torch.cat(): expected a non-empty list of Tensors');
  tensors.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw argumentError('cat', `tensors[${i}]`, 'a Tensor', x);
    if (x._shape.length === 0) throw new Error(`zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  // 1-D empty tensors are skipped, as PyTorch's legacy rule allows.
  const parts = tensors.filter((x) => !(x._shape.length === 1 && x._shape[0] === 0));
  if (parts.length === 0) return clone(tensors[0]);
  const ref = parts[0];
  const d = normalizeDim(dim, ref._shape.length, false, 'cat');
  let dtype = ref._dtype;
  let total = 0;
  for (const [i, x] of parts.entries()) {
    checkSameDevice(ref, x);
    dtype = promoteTypes(dtype, x._dtype);
    if (x._shape.length !== ref._shape.length) {
      throw new Error(
        `Tensors must have same number of dimensions: got ${ref._shape.length} and ${x._shape.length}`,
      );
    }
    for (let k = 0; k < ref._shape.length; k++) {
      if (k !== d && x._shape[k] !== ref._shape[k]) {
        throw new Error(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[k]} but got size ${x._shape[k]} for tensor number ${i} in the list.`,
        );
      }
    }
    total += x._shape[d];
  }
  const shape = ref._shape.slice();
  shape[d] = total;
  const out = emptyKernel(shape, dtype, ref.device);
  let offset = 0;
  const sizes: number[] = [];
  for (const x of parts) {
    copyKernel(narrowRaw(out, d, offset, x._shape[d]), x);
    sizes.push(x._shape[d]);
    offset += x._shape[d];
  }
  return record(out, 'CatBackward0', parts, () => catBackward(d, sizes, parts.map((x) => x._dtype)));
}

/** cat's backward: each input's slice of the gradient, from the sizes and dtypes only (CatBackward0 saves no tensor). */
function catBackward(d: number, sizes: number[], dtypes: DType[]): Backward {
  return (g) => {
    let start = 0;
    // createGraph: recorded slices (and casts), so that cat can be differentiated twice.
    const graph = gradEnabled();
    return dtypes.map((dtype, i) => {
      if (graph) {
        const slice = narrow(g, d, start, sizes[i]);
        start += sizes[i];
        return slice._dtype === dtype ? slice : toDtype(slice, dtype);
      }
      const piece = narrowRaw(g, d, start, sizes[i]);
      start += sizes[i];
      return piece._dtype === dtype ? piece : castKernel(piece, dtype);
    });
  };
}

/**
 * Stacks along a new dim.
 * @example torch.stack([a, b], 1)
 */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (autocastHook.active) return autocastOp('stack', stack, arguments);
  if (!Array.isArray(tensors)) throw argumentError('stack', 'tensors', 'an array of Tensors', tensors);
  tensors.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw argumentError('stack', `tensors[${i}]`, 'a Tensor', x);
  });
  if (tensors.length === 0) throw new Error('stack expects a non-empty TensorList');
  const ref = tensors[0];
  let dtype = ref._dtype;
  for (const [i, x] of tensors.entries()) {
    checkSameDevice(ref, x);
    dtype = promoteTypes(dtype, x._dtype);
    if (!sameShape(x._shape, ref._shape)) {
      throw new Error(
        `stack expects each tensor to be equal size, but got [${ref._shape.join(', ')}] at entry 0 and [${x._shape.join(', ')}] at entry ${i}`,
      );
    }
  }
  const d = normalizeDim(dim, ref._shape.length, true, 'stack');
  const shape = ref._shape.slice();
  shape.splice(d, 0, tensors.length);
  const out = emptyKernel(shape, dtype, ref.device);
  for (let i = 0; i < tensors.length; i++) copyKernel(selectRaw(out, d, i), tensors[i]);
  return record(out, 'StackBackward0', tensors, () => stackBackward(d, tensors.map((x) => x._dtype)));
}

/** stack's backward: each input's slice of the gradient, from the dtypes only (StackBackward0 saves no tensor). */
function stackBackward(d: number, dtypes: DType[]): Backward {
  return (g) =>
    dtypes.map((dtype, i) => {
      if (gradEnabled()) {
        // createGraph: a recorded slice, so that stack can be differentiated twice.
        const slice = squeeze(narrow(g, d, i, 1), d);
        return slice._dtype === dtype ? slice : toDtype(slice, dtype);
      }
      const piece = selectRaw(g, d, i);
      return piece._dtype === dtype ? piece : castKernel(piece, dtype);
    });
}

/** A view of index `i` along dim `d`, dropping that dim, with no autograd. @internal */
export function selectRaw(x: Tensor, d: number, i: number): Tensor {
  return makeView(
    x,
    x._shape.filter((_, k) => k !== d),
    x._strides.filter((_, k) => k !== d),
    x._offset + i * x._strides[d],
  );
}

/**
 * The shape that all of `shapes` broadcast to, `torch.broadcast_shapes`.
 * @example torch.broadcastShapes([2, 1], [3]) // torch.Size([2, 3])
 */
export function broadcastShapes(...shapes: (readonly number[] | number)[]): Size {
  let out: number[] = [];
  shapes.forEach((s, i) => {
    const shape = typeof s === 'number' ? [s] : s;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw argumentError('broadcastShapes', `shapes[${i}]`, 'a list of non-negative integers', s);
    }
    out = broadcastShapePair(out, shape);
  });
  return new Size(out);
}

/**
 * Every tensor expanded (as views) to their common broadcast shape, `torch.broadcast_tensors`.
 * @example const [a2, b2] = torch.broadcastTensors(a, b);
 */
export function broadcastTensors(...tensors: Tensor[]): Tensor[] {
  tensors.forEach((t, i) => checkTensor(t, 'broadcastTensors', `tensors[${i}]`));
  const shape = tensors.reduce<number[]>((acc, t) => broadcastShapePair(acc, t._shape), []);
  return tensors.map((t) => expand(t, shape));
}

/**
 * `x` expanded (as a view) to `shape`, `torch.broadcast_to`.
 * @example torch.broadcastTo(torch.tensor([1, 2]), [3, 2])
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'broadcastTo', 'input');
  return expand(x, [...shape]);
}

/**
 * The elements as a 1-D tensor (a view when the layout allows, else a copy).
 * @example torch.ravel(x.t())
 */
export function ravel(x: Tensor): Tensor {
  checkTensor(x, 'ravel', 'input');
  return reshape(x, [-1]);
}

/**
 * Splits dim `dim` into `sizes` (one of them may be -1, inferred).
 * @example torch.zeros(2, 6).unflatten(1, [2, 3]).shape // [2, 2, 3]
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkTensor(x, 'unflatten', 'input');
  const d = normalizeDim(dim, x._shape.length, false, 'unflatten');
  if (!Array.isArray(sizes) || sizes.length === 0) throw new Error('unflatten: sizes must be non-empty');
  const size = x._shape[d];
  const inferred = sizes.filter((s) => s === -1).length;
  if (inferred > 1) throw new Error('only one dimension can be inferred');
  const known = sizes.reduce((p, s) => (s === -1 ? p : p * s), 1);
  const resolved = sizes.map((s) => (s === -1 ? (known === 0 ? -1 : size / known) : s));
  if (resolved.some((s) => !Number.isInteger(s) || s < 0) || resolved.reduce((p, s) => p * s, 1) !== size) {
    throw new Error(`unflatten: Provided sizes [${sizes.join(', ')}] don't multiply up to the size of dim ${dim} (${size}) in the input tensor`);
  }
  return view(x, [...x._shape.slice(0, d), ...resolved, ...x._shape.slice(d + 1)]);
}
