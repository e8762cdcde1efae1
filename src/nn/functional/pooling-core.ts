/*
 * The pooling kernels (native/cpu/pooling.cc, native/cuda/pooling.cu) as differentiable
 * ops. Arguments arrive checked (pooling.ts); these see `[..., *spatial]` inputs with
 * `nd` spatial dims (1-3), run the kernels over the planes of a contiguous
 * `[P, D, H, W]` copy (1-d and 2-d windows pass 1 for the missing dims), and record
 * PyTorch's grad_fn. Every backward is itself an op with a backward, so double backward
 * works as in PyTorch (max: a gather by the indices; average: the forward pooling again).
 * Internal to flint.
 */
import * as call from '../../native/calls.generated.js';
import { record } from '../../autograd/function.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import { fresh, layoutOf } from '../../native/meta.js';
import { computeDType, int64, type DType } from '../../tensor/dtype.js';
import { Tensor, fromHandle } from '../../tensor/tensor.js';
import { castKernel } from '../../ops/tensor-kernels.js';
import { detach, reshape, toDtype } from '../../ops/shape.js';
import { gather } from '../../ops/indexing.js';

/** Disposes the op-internal tensors of a composite (nulls skipped). @internal @example disposeAll([view, null]) */
export function disposeAll(tensors: readonly (Tensor | null)[]): void {
  for (const t of tensors) t?.dispose();
}

/** Window numbers per spatial dim (length nd), as the kernels take them. @internal */
export interface Window {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}
/** The average-pool window: no dilation, with its divisor rules. */
export interface AvgWindow {
  kernel: number[];
  stride: number[];
  padding: number[];
  countIncludePad: boolean;
  divisorOverride: number;
}

const pad3 = (v: readonly number[], fill: number): [number, number, number] => {
  const full = [...Array(3 - v.length).fill(fill), ...v];
  return [full[0], full[1], full[2]];
};

/** `x`'s planes and spatial dims as the kernels' [P, D, H, W]. */
function planeShape(shape: readonly number[], nd: number): number[] {
  const lead = shape.slice(0, shape.length - nd).reduce((n, s) => n * s, 1);
  return [lead, ...pad3(shape.slice(shape.length - nd), 1)];
}

/** `x` as a contiguous tensor of the compute dtype; the caller disposes it when it is not `x`. */
function kernelInput(x: Tensor, dtype: DType): Tensor {
  return x._dtype === dtype && x.isContiguous() ? x : castKernel(x, dtype);
}

/** A view argument of `t` (contiguous, compute dtype) with the kernels' 4-d shape. */
function planes(t: Tensor, dtype: DType, nd: number) {
  const shape = planeShape(t._shape, nd);
  return layoutOf(t, dtype, t._offset, shape, [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1]);
}

const withSpatial = (shape: readonly number[], nd: number, spatial: readonly number[]) => [...shape.slice(0, shape.length - nd), ...spatial];
/** `t` (a kernel's fresh output) in `dtype`, freeing the compute-dtype copy. */
function backTo(t: Tensor, dtype: DType): Tensor {
  if (t._dtype === dtype) return t;
  const converted = toDtype(t, dtype);
  t.dispose();
  return converted;
}

/** Runs `kernel` on a contiguous compute-dtype view of `x`, freeing the copy it made. */
function onPlanes<R>(x: Tensor, nd: number, kernel: (view: ReturnType<typeof planes>, dtype: DType) => R): R {
  const dtype = computeDType(x._dtype);
  const input = kernelInput(x, dtype);
  try {
    return kernel(planes(input, dtype, nd), dtype);
  } finally {
    if (input !== x) input.dispose();
  }
}

/**
 * Max pooling with indices: `[out, indices]` of shape `[..., *outSize]`.
 * @example maxPoolOp(x, 2, { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] }, [3, 4], 'MaxPool2DWithIndicesBackward0')
 */
export function maxPoolOp(x: Tensor, nd: number, w: Window, outSize: number[], gradName: string, keepIndices: boolean): [Tensor, Tensor | null] {
  const outShape = withSpatial(x._shape, nd, outSize);
  const [k, s, p, d] = [pad3(w.kernel, 1), pad3(w.stride, 1), pad3(w.padding, 0), pad3(w.dilation, 1)];
  if (!keepIndices && !(gradEnabled() && x._requiresGrad)) {
    // Nobody will read the indices: the values-only kernel, which is several times faster.
    const [outHandle, dtype] = onPlanes(x, nd, (view, dtype) => {
      const flat = planeShape(outShape, nd);
      const o = call.maxPoolValues(fresh(dtype, flat), view, k[0], k[1], k[2], s[0], s[1], s[2], p[0], p[1], p[2], d[0], d[1], d[2]);
      return [o, dtype] as const;
    });
    return [backTo(fromHandle(outHandle, outShape, dtype, x.device), x._dtype), null];
  }
  const [outHandle, indexHandle, dtype] = onPlanes(x, nd, (view, dtype) => {
    const flat = planeShape(outShape, nd);
    const [o, i] = call.maxPool(fresh(dtype, flat), fresh(int64, flat), view, k[0], k[1], k[2], s[0], s[1], s[2], p[0], p[1], p[2], d[0], d[1], d[2]);
    return [o, i, dtype] as const;
  });
  const indices = fromHandle(indexHandle, outShape, int64, x.device);
  const out = backTo(fromHandle(outHandle, outShape, dtype, x.device), x._dtype);
  return [withIndexGrad(out, x, indices, nd, gradName, keepIndices), keepIndices ? indices : null];
}

/**
 * Adaptive max pooling with indices: `[out, indices]` of shape `[..., *outSize]`.
 * @example adaptiveMaxPoolOp(x, 2, [1, 1], 'AdaptiveMaxPool2DBackward0', false)
 */
export function adaptiveMaxPoolOp(x: Tensor, nd: number, outSize: number[], gradName: string, keepIndices: boolean): [Tensor, Tensor | null] {
  const outShape = withSpatial(x._shape, nd, outSize);
  const [outHandle, indexHandle, dtype] = onPlanes(x, nd, (view, dtype) => {
    const flat = planeShape(outShape, nd);
    const [o, i] = call.adaptiveMaxPool(fresh(dtype, flat), fresh(int64, flat), view);
    return [o, i, dtype] as const;
  });
  const indices = fromHandle(indexHandle, outShape, int64, x.device);
  const out = backTo(fromHandle(outHandle, outShape, dtype, x.device), x._dtype);
  return [withIndexGrad(out, x, indices, nd, gradName, keepIndices), keepIndices ? indices : null];
}

/** Records the max-style backward: the gradient scattered to where the indices point. */
function withIndexGrad(out: Tensor, x: Tensor, indices: Tensor, nd: number, gradName: string, keepIndices: boolean): Tensor {
  if (!gradEnabled() || !x._requiresGrad) {
    if (!keepIndices) indices.dispose();
    return out;
  }
  return record(out, gradName, [x], (node) => {
    // The graph keeps its own reference to the indices (an alias when the caller gets them
    // too), freed with the node, so that callers may dispose what they return at will.
    const saved = node.save(keepIndices ? detach(indices) : indices, true);
    const inputShape = x._shape.slice();
    const inputDtype = x._dtype;
    return (g) => [indexScatter(g, saved(), inputShape, inputDtype, nd, gradName.replace('Backward0', 'BackwardBackward0'))];
  });
}

/**
 * `zeros(inputShape)` with `g` added where `indices` point within each plane: max
 * pooling's backward, differentiable in `g` (its own backward gathers by the indices).
 * @example indexScatter(gradOut, indices, [2, 3, 8, 8], torch.float32, 2, 'MaxPool2DWithIndicesBackwardBackward0')
 */
export function indexScatter(g: Tensor, indices: Tensor, inputShape: number[], dtype: DType, nd: number, gradName: string): Tensor {
  const [handle, computeDtype] = onPlanes(g, nd, (view, cdt) => {
    const idx = indices.isContiguous() ? indices : castKernel(indices, int64);
    try {
      return [call.maxPoolBackward(fresh(cdt, planeShape(inputShape, nd)), view, planes(idx, int64, nd)), cdt] as const;
    } finally {
      if (idx !== indices) idx.dispose();
    }
  });
  const grad = backTo(fromHandle(handle, inputShape.slice(), computeDtype, g.device), dtype);
  if (!gradEnabled() || !g._requiresGrad) return grad;
  return record(grad, gradName, [g], (node) => {
    const saved = node.save(indices);
    return (gg) => [indexGather(gg, saved(), nd)];
  });
}

/** `gg` read where `indices` point within each plane (the backward of indexScatter). */
function indexGather(gg: Tensor, indices: Tensor, nd: number): Tensor {
  const planesOf = (t: Tensor) => reshape(t, [...t._shape.slice(0, t._shape.length - nd), -1]);
  return reshape(gather(planesOf(gg), -1, planesOf(indices)), indices._shape);
}

/**
 * Average pooling of shape `[..., *outSize]`.
 * @example avgPoolOp(x, 2, { kernel: [3, 3], stride: [2, 2], padding: [1, 1], countIncludePad: true, divisorOverride: 0 }, [4, 4], 'AvgPool2DBackward0')
 */
export function avgPoolOp(x: Tensor, nd: number, w: AvgWindow, outSize: number[], gradName: string): Tensor {
  const outShape = withSpatial(x._shape, nd, outSize);
  const [k, s, p] = [pad3(w.kernel, 1), pad3(w.stride, 1), pad3(w.padding, 0)];
  const [handle, dtype] = onPlanes(x, nd, (view, dtype) => {
    const o = call.avgPool(fresh(dtype, planeShape(outShape, nd)), view, k[0], k[1], k[2], s[0], s[1], s[2], p[0], p[1], p[2], w.countIncludePad, w.divisorOverride);
    return [o, dtype] as const;
  });
  const out = backTo(fromHandle(handle, outShape, dtype, x.device), x._dtype);
  return record(out, gradName, [x], () => {
    const inputShape = x._shape.slice();
    const inputDtype = x._dtype;
    return (g) => [avgPoolGrad(g, nd, w, inputShape, inputDtype, gradName)];
  });
}

/** Average pooling's backward, differentiable in `g` (its backward is the pooling again). */
function avgPoolGrad(g: Tensor, nd: number, w: AvgWindow, inputShape: number[], dtype: DType, gradName: string): Tensor {
  const [k, s, p] = [pad3(w.kernel, 1), pad3(w.stride, 1), pad3(w.padding, 0)];
  const [handle, cdt] = onPlanes(g, nd, (view, cdt) => {
    const gi = call.avgPoolBackward(fresh(cdt, planeShape(inputShape, nd)), view, k[0], k[1], k[2], s[0], s[1], s[2], p[0], p[1], p[2], w.countIncludePad, w.divisorOverride);
    return [gi, cdt] as const;
  });
  const grad = backTo(fromHandle(handle, inputShape.slice(), cdt, g.device), dtype);
  const outSize = g._shape.slice(g._shape.length - nd);
  return record(grad, gradName.replace('Backward0', 'BackwardBackward0'), [g], () => (gg) => [avgPoolOp(gg, nd, w, outSize, gradName)]);
}

/**
 * Adaptive average pooling of shape `[..., *outSize]`.
 * @example adaptiveAvgPoolOp(x, 2, [3, 4], 'AdaptiveAvgPool2DBackward0')
 */
export function adaptiveAvgPoolOp(x: Tensor, nd: number, outSize: number[], gradName: string): Tensor {
  const outShape = withSpatial(x._shape, nd, outSize);
  const [handle, dtype] = onPlanes(x, nd, (view, dtype) => [call.adaptiveAvgPool(fresh(dtype, planeShape(outShape, nd)), view), dtype] as const);
  const out = backTo(fromHandle(handle, outShape, dtype, x.device), x._dtype);
  return record(out, gradName, [x], () => {
    const inputShape = x._shape.slice();
    const inputDtype = x._dtype;
    return (g) => [adaptiveAvgPoolGrad(g, nd, inputShape, inputDtype, gradName)];
  });
}

function adaptiveAvgPoolGrad(g: Tensor, nd: number, inputShape: number[], dtype: DType, gradName: string): Tensor {
  const [handle, cdt] = onPlanes(g, nd, (view, cdt) => [call.adaptiveAvgPoolBackward(fresh(cdt, planeShape(inputShape, nd)), view), cdt] as const);
  const grad = backTo(fromHandle(handle, inputShape.slice(), cdt, g.device), dtype);
  const outSize = g._shape.slice(g._shape.length - nd);
  return record(grad, gradName.replace('Backward0', 'BackwardBackward0'), [g], () => (gg) => [adaptiveAvgPoolOp(gg, nd, outSize, gradName)]);
}
