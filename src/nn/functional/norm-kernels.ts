/*
 * The native batch-norm kernels (native/cpu/batch_norm.cc, native/cuda/batch_norm.cu) and
 * the autograd nodes built on them: batch norm over an input viewed as [N, C, S], and
 * group norm as batch norm over [1, N * G, C / G * S] followed by a per-channel affine
 * (PyTorch's NativeBatchNormBackward0 and NativeGroupNormBackward0). The arguments were
 * checked by the callers in normalization.ts.
 * Internal to flint.
 */
import * as call from '../../native/calls.generated.js';
import { fresh, layoutOf, type ViewArg } from '../../native/meta.js';
import { record } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { Tensor, fromHandle } from '../../tensor/tensor.js';
import { float32, float64, type DType } from '../../tensor/dtype.js';
import { ones, zeros } from '../../tensor/creation.js';
import { contiguous } from '../../ops/shape.js';
import { checkSameDevice } from '../../ops/tensor-kernels.js';

/** `t` (contiguous) read as `shape`. @internal */
export function asShape(t: Tensor, shape: readonly number[]): ViewArg {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return layoutOf(t, t._dtype, t._offset, shape, strides);
}

/** `t` as a contiguous tensor of `dtype` (itself when it already is one). */
export function contiguousAs(t: Tensor, dtype: DType): Tensor {
  const c = t._dtype === dtype ? t : t.to(dtype);
  return c.isContiguous() ? c : contiguous(c);
}

/** A (C,) gradient in the parameter's shape: itself when it already has it. */
function toShape(t: Tensor, shape: readonly number[]): Tensor {
  if (t._shape.length === shape.length && t._shape.every((n, i) => n === shape[i])) return t;
  // Rare (a parameter of another shape with C elements): a copy, so that no view keeps t alive.
  const view = t.reshape([...shape]);
  const copy = view.clone();
  view.dispose();
  t.dispose();
  return copy;
}

/** The dtype the kernels compute in: float16 and bfloat16 input in float32, as PyTorch's accumulate type. */
function computeDtype(dtype: DType): DType {
  return dtype === float32 || dtype === float64 ? dtype : float32;
}

/** `t` (a result of ours, freed here when it is cast) in `dtype`, outside the graph. */
function castTo(t: Tensor, dtype: DType): Tensor {
  if (t._dtype === dtype) return t;
  const cast = noGrad(() => t.to(dtype));
  t.dispose();
  return cast;
}

/** Each gradient in its input's dtype. */
function inDtypes(grads: (Tensor | null)[], dtypes: readonly (DType | null)[], graph: boolean): (Tensor | null)[] {
  return grads.map((g, i) => {
    const dtype = dtypes[i];
    if (g === null || dtype === null || g._dtype === dtype) return g;
    return graph ? g.to(dtype) : castTo(g, dtype);
  });
}

const vec = (t: Tensor | null, c: number) => (t === null ? null : asShape(t, [c]));

/** Training forward: the output and the batch mean and invstd per channel. */
function forwardKernel(x: Tensor, dims: [number, number, number], w: Tensor | null, b: Tensor | null, eps: number) {
  const c = dims[1];
  const dtype = x._dtype;
  const [out, mean, invstd] = call.batchNorm(fresh(dtype, dims), fresh(dtype, [c]), fresh(dtype, [c]), asShape(x, dims), vec(w, c), vec(b, c), eps);
  return {
    out: fromHandle(out, x._shape.slice(), dtype, x.device),
    mean: fromHandle(mean, [c], dtype, x.device),
    invstd: fromHandle(invstd, [c], dtype, x.device),
  };
}

/** y = (x - mean) / sqrt(variance + eps) * w + b per channel, one pass. */
function evalKernel(
  x: Tensor,
  dims: [number, number, number],
  mean: Tensor,
  variance: Tensor,
  w: Tensor | null,
  b: Tensor | null,
  eps: number,
): Tensor {
  const c = dims[1];
  const handle = call.batchNormEval(fresh(x._dtype, dims), asShape(x, dims), asShape(mean, [c]), asShape(variance, [c]), vec(w, c), vec(b, c), eps);
  return fromHandle(handle, x._shape.slice(), x._dtype, x.device);
}

/** The gradients wanted, each null when not. */
function backwardKernel(
  g: Tensor,
  x: Tensor,
  dims: [number, number, number],
  mean: Tensor,
  invstd: Tensor,
  w: Tensor | null,
  training: boolean,
  want: readonly [boolean, boolean, boolean],
): [Tensor | null, Tensor | null, Tensor | null] {
  const c = dims[1];
  const dtype = x._dtype;
  const [gi, gw, gb] = call.batchNormBackward(
    want[0] ? fresh(dtype, dims) : null,
    want[1] ? fresh(dtype, [c]) : null,
    want[2] ? fresh(dtype, [c]) : null,
    asShape(g, dims),
    asShape(x, dims),
    asShape(mean, [c]),
    asShape(invstd, [c]),
    vec(w, c),
    training,
  );
  return [
    gi === null ? null : fromHandle(gi, x._shape.slice(), dtype, x.device),
    gw === null ? null : fromHandle(gw, [c], dtype, x.device),
    gb === null ? null : fromHandle(gb, [c], dtype, x.device),
  ];
}

/** What batchNormNative's caller gets back: the batch statistics only in training. */
export interface BatchNormResult {
  out: Tensor;
  /** The batch mean and biased variance per channel (training), for the running stats. */
  batchMean: Tensor | null;
  batchVar: Tensor | null;
}

const wants = (input: Tensor, weight: Tensor | null, bias: Tensor | null) =>
  gradEnabled() && [input, weight, bias].some((t) => t !== null && t._requiresGrad);

/**
 * Batch norm of a floating `input` ([N, C, ...]) seen as [N, C, S]. In training it
 * normalises with the batch statistics (returned, for the running-stat update); otherwise
 * with `runningMean` and `runningVar`.
 */
export function batchNormNative(
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  training: boolean,
  eps: number,
): BatchNormResult {
  for (const t of [weight, bias, runningMean, runningVar]) if (t !== null) checkSameDevice(input, t);
  const dtype = computeDtype(input._dtype);
  const n = input._shape[0];
  const c = input._shape[1];
  const s = input._shape.slice(2).reduce((a, b) => a * b, 1);
  const dims: [number, number, number] = [n, c, s];
  const x = contiguousAs(input, dtype);
  const w = weight === null ? null : contiguousAs(weight, dtype);
  const b = bias === null ? null : contiguousAs(bias, dtype);
  const grad = wants(input, weight, bias);
  let out: Tensor;
  let mean: Tensor;
  let invstd: Tensor;
  let batchVar: Tensor | null = null;
  if (training) {
    ({ out, mean, invstd } = forwardKernel(x, dims, w, b, eps));
    out = castTo(out, input._dtype);
    // The biased variance back from invstd, in float64 so that float32 loses nothing more.
    batchVar = noGrad(() => {
      const inv = invstd.to(float64);
      const v = inv.mul(inv).reciprocal_().sub_(eps);
      if (inv !== invstd) inv.dispose();
      return v;
    });
  } else {
    // One pass over the running statistics as they are (no copies unless their dtype differs).
    const m = contiguousAs(runningMean!, dtype);
    const v = contiguousAs(runningVar!, dtype);
    out = castTo(evalKernel(x, dims, m, v, w, b, eps), input._dtype);
    if (!grad) {
      if (m !== runningMean) m.dispose();
      if (v !== runningVar) v.dispose();
      if (x !== input) x.dispose();
      return { out, batchMean: null, batchVar: null };
    }
    // The backward's own copies: the running statistics may change before it runs.
    ({ mean, invstd } = noGrad(() => {
      const inv = v.to(float64).add(eps).rsqrt_();
      const typed = inv.to(dtype);
      if (typed !== inv) inv.dispose();
      return { mean: m === runningMean ? m.clone() : m, invstd: typed };
    }));
    if (v !== runningVar) v.dispose();
  }
  const batchMean = training ? mean : null;
  if (!grad) {
    invstd.dispose();
    if (x !== input) x.dispose();
    return { out, batchMean, batchVar };
  }
  const weightShape = weight?._shape.slice() ?? null;
  const biasShape = bias?._shape.slice() ?? null;
  const dtypes = [input, weight, bias].map((t) => (t === null ? null : t._dtype));
  const result = record(
    out,
    'NativeBatchNormBackward0',
    [input, weight, bias],
    (node) => {
      const want = [node.next[0] !== null, node.next[1] !== null, node.next[2] !== null] as const;
      const savedX = node.save(x);
      const savedW = w === null ? null : node.save(w);
      // In training the caller still reads the batch mean (the running stats): a copy is saved.
      const savedMean = node.save(training ? mean.clone() : mean, true);
      const savedInvstd = node.save(invstd, true);
      return (g) => {
        if (gradEnabled()) {
          const saved = { x: savedX(), w: savedW === null ? null : savedW(), mean: savedMean(), invstd: savedInvstd() };
          return inDtypes(batchNormGradGraph(g, saved, dims, training, eps, want, weightShape, biasShape), dtypes, true);
        }
        const gc = contiguousAs(g, dtype);
        const [gi, gw, gb] = backwardKernel(gc, savedX(), dims, savedMean(), savedInvstd(), savedW === null ? null : savedW(), training, want);
        if (gc !== g) gc.dispose();
        return inDtypes([gi, gw === null ? null : toShape(gw, weightShape!), gb === null ? null : toShape(gb, biasShape!)], dtypes, false);
      };
    },
  );
  return { out: result, batchMean, batchVar };
}

/**
 * createGraph: batch norm's gradients from differentiable ops (the statistics recomputed
 * from x in training), so that they can be differentiated again, as PyTorch's
 * NativeBatchNormBackwardBackward0 allows.
 */
function batchNormGradGraph(
  g: Tensor,
  saved: { x: Tensor; w: Tensor | null; mean: Tensor; invstd: Tensor },
  dims: [number, number, number],
  training: boolean,
  eps: number,
  want: readonly [boolean, boolean, boolean],
  weightShape: number[] | null,
  biasShape: number[] | null,
): (Tensor | null)[] {
  const [n, c, s] = dims;
  const perChannel = [1, c, 1];
  const reduced = [0, 2];
  const x3 = saved.x.reshape([n, c, s]);
  const g3 = g.reshape([n, c, s]);
  let xhat: Tensor;
  let inv: Tensor;
  if (training) {
    const centred = x3.sub(x3.mean(reduced, true));
    inv = centred.mul(centred).mean(reduced, true).add(eps).rsqrt();
    xhat = centred.mul(inv);
  } else {
    inv = saved.invstd.reshape(perChannel);
    xhat = x3.sub(saved.mean.reshape(perChannel)).mul(inv);
  }
  const gxhat = saved.w === null ? g3 : g3.mul(saved.w.reshape(perChannel));
  let gi: Tensor | null = null;
  if (want[0]) {
    const centredG = training ? gxhat.sub(gxhat.mean(reduced, true)).sub(xhat.mul(gxhat.mul(xhat).mean(reduced, true))) : gxhat;
    gi = centredG.mul(inv).reshape(saved.x.shape);
  }
  return [
    gi,
    want[1] ? g3.mul(xhat).sum(reduced).reshape(weightShape!) : null,
    want[2] ? g3.sum(reduced).reshape(biasShape!) : null,
  ];
}

/**
 * Group norm of a floating `input` ([N, C, ...]) in `groups` groups, with an optional
 * per-channel affine.
 */
export function groupNormNative(input: Tensor, groups: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  for (const t of [weight, bias]) if (t !== null) checkSameDevice(input, t);
  const dtype = computeDtype(input._dtype);
  const n = input._shape[0];
  const c = input._shape[1];
  const s = input._shape.slice(2).reduce((a, b) => a * b, 1);
  const grouped: [number, number, number] = [1, n * groups, groups === 0 ? 0 : (c / groups) * s];
  const channelDims: [number, number, number] = [n, c, s];
  const x = contiguousAs(input, dtype);
  const w = weight === null ? null : contiguousAs(weight, dtype);
  const b = bias === null ? null : contiguousAs(bias, dtype);
  const factory = { dtype, device: input.device };
  const { out: xhat, mean, invstd } = forwardKernel(x, grouped, null, null, eps);
  let out = xhat;
  if (w !== null || b !== null) {
    // The affine per channel: the eval kernel with mean 0, variance 1 and eps 0.
    const zero = zeros([c], factory);
    const one = ones([c], factory);
    out = evalKernel(xhat, channelDims, zero, one, w, b, 0);
    xhat.dispose();
    zero.dispose();
    one.dispose();
  }
  out = castTo(out, input._dtype);
  if (!wants(input, weight, bias)) {
    mean.dispose();
    invstd.dispose();
    if (x !== input) x.dispose();
    return out;
  }
  const weightShape = weight?._shape.slice() ?? null;
  const biasShape = bias?._shape.slice() ?? null;
  const dtypes = [input, weight, bias].map((t) => (t === null ? null : t._dtype));
  return record(
    out,
    'NativeGroupNormBackward0',
    [input, weight, bias],
    (node) => {
      const want = [node.next[0] !== null, node.next[1] !== null, node.next[2] !== null] as const;
      const savedX = node.save(x);
      const savedW = w === null ? null : node.save(w);
      const savedMean = node.save(mean, true);
      const savedInvstd = node.save(invstd, true);
      return (g) => {
        if (gradEnabled()) return inDtypes(groupNormGradGraph(g, savedX(), savedW === null ? null : savedW(), groups, eps, want, weightShape, biasShape), dtypes, true);
        const gc = contiguousAs(g, dtype);
        let gi: Tensor | null = null;
        let gw: Tensor | null = null;
        let gb: Tensor | null = null;
        if (want[1] || want[2]) {
          // Per (n, c): sum(g * x) and sum(g) (the eval backward with mean 0 and invstd 1),
          // then, as PyTorch's group norm backward, gradWeight = sum over n of
          // invstd * (sum(g * x) - mean * sum(g)) and gradBias = sum over n of sum(g).
          const perSample: [number, number, number] = [1, n * c, s];
          const zero = zeros([n * c], factory);
          const one = ones([n * c], factory);
          const [, sumGx, sumG] = backwardKernel(gc, savedX(), perSample, zero, one, null, false, [false, true, true]);
          zero.dispose();
          one.dispose();
          noGrad(() => {
            // Views hold their base's storage until they are released: all are released here.
            const byGroup = [n, groups, c / groups];
            const views = [savedMean().view([n, groups, 1]), savedInvstd().view([n, groups, 1]), sumGx!.view(byGroup), sumG!.view(byGroup)];
            const [m, inv, gx, g1] = views;
            if (want[1]) {
              const shifted = g1.mul(m);
              const centred = gx.sub(shifted).mul_(inv);
              gw = toShape(centred.sum(0), weightShape!);
              shifted.dispose();
              centred.dispose();
            }
            if (want[2]) {
              const perSample = sumG!.view([n, c]);
              gb = toShape(perSample.sum(0), biasShape!);
              perSample.dispose();
            }
            for (const v of views) v.dispose();
          });
          sumGx!.dispose();
          sumG!.dispose();
        }
        if (want[0]) {
          // d xhat = g * w per channel, then batch norm's training backward per group.
          let gxhat = gc;
          if (savedW !== null) {
            const zero = zeros([c], factory);
            const one = ones([c], factory);
            gxhat = evalKernel(gc, channelDims, zero, one, savedW(), null, 0);
            zero.dispose();
            one.dispose();
          }
          [gi] = backwardKernel(gxhat, savedX(), grouped, savedMean(), savedInvstd(), null, true, [true, false, false]);
          if (gxhat !== gc) gxhat.dispose();
        }
        if (gc !== g) gc.dispose();
        return inDtypes([gi, gw, gb], dtypes, false);
      };
    },
  );
}

/** createGraph: group norm's gradients from differentiable ops, as batchNormGradGraph. */
function groupNormGradGraph(
  g: Tensor,
  x: Tensor,
  w: Tensor | null,
  groups: number,
  eps: number,
  want: readonly [boolean, boolean, boolean],
  weightShape: number[] | null,
  biasShape: number[] | null,
): (Tensor | null)[] {
  const [n, c] = x.shape;
  const s = x.numel() / Math.max(n * c, 1);
  const byGroup = [n, groups, (c / groups) * s];
  const xg = x.reshape(byGroup);
  const centred = xg.sub(xg.mean(2, true));
  const inv = centred.mul(centred).mean(2, true).add(eps).rsqrt();
  const xhat = centred.mul(inv);
  const g3 = g.reshape([n, c, s]);
  const gxhat = (w === null ? g3 : g3.mul(w.reshape([1, c, 1]))).reshape(byGroup);
  let gi: Tensor | null = null;
  if (want[0]) {
    gi = gxhat.sub(gxhat.mean(2, true)).sub(xhat.mul(gxhat.mul(xhat).mean(2, true))).mul(inv).reshape(x.shape);
  }
  return [
    gi,
    want[1] ? g3.mul(xhat.reshape([n, c, s])).sum([0, 2]).reshape(weightShape!) : null,
    want[2] ? g3.sum([0, 2]).reshape(biasShape!) : null,
  ];
}
