/**
 * Convolution: `F.conv1d/2d/3d` and `F.convTranspose1d/2d/3d`, by im2col (native) and
 * BLAS (`gemmKernel`), one autograd node per call named `ConvolutionBackward0` as
 * PyTorch's. The backward recomputes the columns from the saved input rather than
 * keeping them, as ATen's slow convolution does, so a training step holds one image
 * per layer, not its k-times-larger columns.
 */
import { record } from '../../autograd/function.js';
import type { Node } from '../../autograd/node.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';
import { BinaryOp, ReduceOp } from '../../native/enums.generated.js';
import { makeView, squeeze, unsqueeze } from '../../ops/shape.js';
import { axpyKernel, binaryKernel_, castKernel, copyKernel, emptyKernel, reduceKernel } from '../../ops/tensor-kernels.js';
import { bfloat16, float16, float32, type DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { contiguousStrides } from '../../tensor/shape.js';
import { checkConvShapes, parseConvCall, type ConvOptions, type ConvSpec, type ConvTransposeOptions, type IntOrTuple } from './conv-args.js';
import { batchSlice, batchSumOuter, col2imRaw, contiguousRaw, convOutputSize, groupedMatmul, im2colRaw, imageChunks, isPointwise, type ConvGeometry } from './conv-kernels.js';
import { constantPad } from './padding.js';
import { useWide, wideBackward, wideForward } from './conv-wide.js';
import { withConvolutionMath } from '../../cuda.js';
import { convolutionBackwardGraph } from './conv-graph-backward.js';
import { vendorConvBackward, vendorConvForward, vendorConvPlan } from './conv-vendor.js';
import { gradEnabled } from '../../autograd/grad-mode.js';

export type { ConvOptions, ConvTransposeOptions, IntOrTuple } from './conv-args.js';

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

function geometryOf(weight: Tensor, spec: ConvSpec): ConvGeometry {
  return { kernel: weight._shape.slice(2), stride: spec.stride, padding: spec.padding, dilation: spec.dilation };
}

/** A contiguous tensor viewed with another shape (same storage). */
function reshaped(t: Tensor, shape: number[]): Tensor {
  return makeView(t, shape, contiguousStrides(shape), t._offset);
}

/** The weight as [G, rows / G, rest] matrices (contiguous). */
function weightGroups(w: Tensor, groups: number): Tensor {
  return reshaped(w, [groups, w._shape[0] / groups, prod(w._shape.slice(1))]);
}

function addBias_(out3: Tensor, bias: Tensor | null): void {
  if (bias === null) return;
  const b = makeView(bias, [1, bias._shape[0], 1], [0, bias._strides[0], 0], bias._offset);
  binaryKernel_(BinaryOp.Add, out3, out3, b);
  b.dispose();
}

/** Spatial output sizes of a transposed convolution. */
function transposedOutputSize(input: readonly number[], weight: Tensor, spec: ConvSpec): number[] {
  return input.map((s, i) => (s - 1) * spec.stride[i] - 2 * spec.padding[i] + spec.dilation[i] * (weight._shape[2 + i] - 1) + spec.outputPadding[i] + 1);
}

/** The forward without autograd: contiguous float32/float64 x, w (and bias). @internal */
function forwardRaw(x: Tensor, w: Tensor, bias: Tensor | null, spec: ConvSpec): Tensor {
  const g = geometryOf(w, spec);
  const [n, c] = x._shape;
  const spatial = x._shape.slice(2);
  const wm = weightGroups(w, spec.groups);
  let out: Tensor;
  let outShape: number[];
  if (!spec.transposed) {
    const osp = convOutputSize(spatial, g);
    outShape = [n, w._shape[0], ...osp];
    if (isPointwise(g)) {
      const cols = reshaped(x, [n, c, prod(spatial)]);
      out = groupedMatmul(wm, cols, spec.groups, false);
      cols.dispose();
    } else if (useWide(n, prod(osp), spec.groups, x.device.type === 'cuda')) {
      const w2 = reshaped(w, [w._shape[0], prod(w._shape.slice(1))]);
      out = wideForward(x, w2, prod(osp), g);
      w2.dispose();
    } else {
      // im2col and GEMM a few images at a time, so that the columns are read from cache.
      const l = prod(osp);
      out = emptyKernel([n, w._shape[0], l], x._dtype, x.device);
      for (const [start, count] of imageChunks(n, c * prod(g.kernel) * l, x._dtype.itemsize, x.device.type === 'cuda')) {
        const xs = batchSlice(x, start, count);
        const cols = im2colRaw(xs, g);
        const os = batchSlice(out, start, count);
        groupedMatmul(wm, cols, spec.groups, false, os);
        xs.dispose();
        cols.dispose();
        os.dispose();
      }
    }
  } else {
    const osp = transposedOutputSize(spatial, w, spec);
    const x3 = reshaped(x, [n, c, prod(spatial)]);
    const cols = groupedMatmul(wm, x3, spec.groups, true);
    x3.dispose();
    const cout = w._shape[1] * spec.groups;
    outShape = [n, cout, ...osp];
    if (isPointwise(g) && spec.outputPadding.every((p) => p === 0)) out = cols;
    else {
      const image = col2imRaw(cols, outShape, g);
      cols.dispose();
      out = reshaped(image, [n, cout, prod(osp)]);
      image.dispose();
    }
  }
  addBias_(out, bias);
  const result = reshaped(out, outShape);
  out.dispose();
  return result;
}

/** Input, weight and bias gradients (null where not wanted) from contiguous operands. */
function backwardRaw(
  grad: Tensor, xShape: number[], x: Tensor | null, w: Tensor, spec: ConvSpec, want: [boolean, boolean, boolean],
): [Tensor | null, Tensor | null, Tensor | null] {
  const g = geometryOf(w, spec);
  const [n, c] = xShape;
  const spatial = xShape.slice(2);
  const gc = contiguousRaw(grad);
  const cout = gc._shape[1];
  const g3 = reshaped(gc, [n, cout, prod(gc._shape.slice(2))]);
  const wm = weightGroups(w, spec.groups);
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  const pointwise = isPointwise(g);
  if (!spec.transposed && !pointwise && useWide(n, g3._shape[2], spec.groups, gc.device.type === 'cuda')) {
    const w2 = reshaped(w, [w._shape[0], prod(w._shape.slice(1))]);
    const [gxw, gww] = wideBackward(g3, x, w2, xShape, g, want[0], want[1]);
    w2.dispose();
    gx = gxw;
    if (gww !== null) {
      gw = reshaped(gww, w._shape);
      gww.dispose();
    }
  } else if (!spec.transposed) {
    const chunks = imageChunks(n, c * prod(g.kernel) * g3._shape[2], gc._dtype.itemsize, gc.device.type === 'cuda');
    if (want[0]) {
      if (pointwise) {
        const gcols = groupedMatmul(wm, g3, spec.groups, true);
        gx = reshaped(gcols, xShape);
        gcols.dispose();
      } else {
        for (const [start, count] of chunks) {
          const gs = batchSlice(g3, start, count);
          const gcols = groupedMatmul(wm, gs, spec.groups, true);
          const part = col2imRaw(gcols, [count, ...xShape.slice(1)], g);
          gs.dispose();
          gcols.dispose();
          if (chunks.length === 1) gx = part;
          else {
            gx ??= emptyKernel(xShape, gc._dtype, gc.device);
            const target = batchSlice(gx, start, count);
            copyKernel(target, part);
            target.dispose();
            part.dispose();
          }
        }
      }
    }
    if (want[1]) {
      for (const [start, count] of pointwise ? [[0, n] as [number, number]] : chunks) {
        const xs = batchSlice(x!, start, count);
        const cols = pointwise ? reshaped(xs, [count, c, prod(spatial)]) : im2colRaw(xs, g);
        const gs = batchSlice(g3, start, count);
        const part = batchSumOuter(gs, cols, spec.groups);
        xs.dispose();
        cols.dispose();
        gs.dispose();
        if (gw === null) gw = part;
        else {
          axpyKernel(gw, part, 1);
          part.dispose();
        }
      }
      const gwm = gw!;
      gw = reshaped(gwm, w._shape);
      gwm.dispose();
    }
  } else if (want[0] || want[1]) {
    const gcols = pointwise && spec.outputPadding.every((p) => p === 0) ? reshaped(gc, [n, cout * prod(g.kernel), prod(spatial)]) : im2colRaw(gc, g);
    if (want[0]) {
      const gx3 = groupedMatmul(wm, gcols, spec.groups, false);
      gx = reshaped(gx3, xShape);
      gx3.dispose();
    }
    if (want[1]) {
      const x3 = reshaped(x!, [n, c, prod(spatial)]);
      const gwm = batchSumOuter(x3, gcols, spec.groups);
      x3.dispose();
      gw = reshaped(gwm, w._shape);
      gwm.dispose();
    }
    gcols.dispose();
  }
  const gb = want[2] ? biasGrad(gc) : null;
  g3.dispose();
  if (gc !== grad) gc.dispose();
  return [gx, gw, gb];
}

/** The bias gradient: the output gradient (contiguous) summed over all but its channels. */
function biasGrad(grad: Tensor): Tensor {
  const g3 = reshaped(grad, [grad._shape[0], grad._shape[1], prod(grad._shape.slice(2))]);
  const gb = reduceKernel(ReduceOp.Sum, g3, [0, 2], g3._dtype);
  g3.dispose();
  return gb;
}

const isHalf = (t: Tensor) => t._dtype === float16 || t._dtype === bfloat16;

/**
 * The operand as the kernels take it: contiguous, float16 and bfloat16 widened to float32
 * (im2col + BLAS accumulate there, as PyTorch's CPU bfloat16 convolution does).
 */
function operand(t: Tensor): Tensor {
  if (isHalf(t)) return castKernel(t, float32);
  return contiguousRaw(t);
}

function castOwned(t: Tensor, dtype: DType): Tensor {
  if (t._dtype === dtype) return t;
  const out = castKernel(t, dtype);
  t.dispose();
  return out;
}

/**
 * A batched convolution with its autograd node. `input` is [N, C, ...spatial] and the
 * arguments are checked. @internal
 * @example convolution(x, w, b, parseConvCall('conv2d', 2, false, x, w, []).spec)
 */
export function convolution(input: Tensor, weight: Tensor, bias: Tensor | null, spec: ConvSpec): Tensor {
  const rightPad = (extra: number[]) => extra.slice().reverse().flatMap((e) => [0, e]);
  if (spec.extraRight !== null) {
    // padding='same' with an odd total: PyTorch pads the input's right side by one first.
    checkConvShapes(input, weight, bias, spec);
    return convolution(constantPad(input, rightPad(spec.extraRight), 0), weight, bias, { ...spec, extraRight: null });
  }
  if (spec.transposed && spec.outputPadding.some((p, i) => p >= spec.stride[i])) {
    // An output padding of a stride or more (allowed below the dilation) adds whole input
    // positions: zeros on the input's right, and the rest of the output padding.
    checkConvShapes(input, weight, bias, spec);
    const extra = spec.outputPadding.map((p, i) => Math.floor(p / spec.stride[i]));
    const outputPadding = spec.outputPadding.map((p, i) => p % spec.stride[i]);
    return convolution(constantPad(input, rightPad(extra), 0), weight, bias, { ...spec, outputPadding });
  }
  const x = input;
  checkConvShapes(x, weight, bias, spec);
  const outShape = outputShape(x, weight, spec);
  const math = vendorConvPlan(x, weight, outShape);
  let out: Tensor;
  if (math !== null) {
    const [xo, wo] = [contiguousRaw(x), contiguousRaw(weight)];
    const bo = bias === null ? null : contiguousRaw(bias);
    out = vendorConvForward(xo, wo, spec.transposed ? null : bo, spec, outShape, math);
    if (spec.transposed && bo !== null) {
      const out3 = reshaped(out, [outShape[0], outShape[1], prod(outShape.slice(2))]);
      addBias_(out3, bo);
      out3.dispose();
    }
    for (const [owned, given] of [[xo, x], [wo, weight], [bo, bias]] as const) if (owned !== given) owned!.dispose();
  } else {
    const xo = operand(x);
    const wo = operand(weight);
    const bo = bias === null ? null : operand(bias);
    const raw = withConvolutionMath(xo.device, () => forwardRaw(xo, wo, bo, spec));
    if (xo !== x) xo.dispose();
    if (wo !== weight) wo.dispose();
    if (bo !== null && bo !== bias) bo.dispose();
    out = castOwned(raw, x._dtype);
  }
  return record(out, 'ConvolutionBackward0', [x, weight, bias], (node) => convolutionBackward(node, x, weight, spec));
}

/** The output shape of a checked (transposed) convolution. */
function outputShape(x: Tensor, weight: Tensor, spec: ConvSpec): number[] {
  const spatial = x._shape.slice(2);
  if (spec.transposed) return [x._shape[0], weight._shape[1] * spec.groups, ...transposedOutputSize(spatial, weight, spec)];
  return [x._shape[0], weight._shape[0], ...convOutputSize(spatial, geometryOf(weight, spec))];
}

function convolutionBackward(node: Node, x: Tensor, weight: Tensor, spec: ConvSpec) {
  const wantX = node.next[0] !== null;
  const wantW = node.next[1] !== null;
  const wantB = node.next[2] !== null;
  const savedX = wantW ? node.save(x) : null;
  const savedW = wantX || wantW ? node.save(weight) : null;
  const xShape = x._shape.slice();
  const dtype = x._dtype;
  return (grad: Tensor): (Tensor | null)[] => {
    const xs = savedX?.() ?? null;
    const ws = savedW!();
    // createGraph: the gradients as recorded convolutions, differentiable again.
    if (gradEnabled()) return convolutionBackwardGraph(convolution, grad, xs, xShape, ws, spec, [wantX, wantW, wantB]);
    const math = vendorConvPlan(grad, ws, xShape);
    if (math !== null && (xs === null || xs._dtype === grad._dtype) && ws._dtype === grad._dtype) {
      const [go, wo] = [contiguousRaw(grad), contiguousRaw(ws)];
      const xo = xs === null ? null : contiguousRaw(xs);
      const [gx, gw] = vendorConvBackward(go, xo, xShape, wo, spec, [wantX, wantW], math);
      const gb = wantB ? biasGrad(go) : null;
      for (const [owned, given] of [[go, grad], [wo, ws], [xo, xs]] as const) if (owned !== given) owned!.dispose();
      return [gx, gw, gb];
    }
    const xo = xs === null ? null : operand(xs);
    const wo = operand(ws);
    const go = operand(grad);
    const grads = withConvolutionMath(go.device, () => backwardRaw(go, xShape, xo, wo, spec, [wantX, wantW, wantB]));
    if (xo !== null && xo !== xs) xo.dispose();
    if (wo !== ws) wo.dispose();
    if (go !== grad) go.dispose();
    return grads.map((g) => (g !== null && g._dtype !== dtype ? castOwned(g, dtype) : g));
  };
}

/**
 * The arguments with a bias given in the options object moved to its positional place,
 * so that autocast (which casts the tensors among the arguments) casts it too.
 */
function biasPositional(passed: IArguments): IArguments {
  const args = Array.from(passed);
  const options = args[2];
  if (args.length !== 3 || options === null || typeof options !== 'object' || Array.isArray(options) || !('bias' in options)) return passed;
  const { bias, ...rest } = options as { bias?: unknown };
  return [args[0], args[1], bias ?? null, rest] as unknown as IArguments;
}

/** Runs a convolution on batched or unbatched input (the latter through unsqueeze/squeeze). */
function convEntry(fn: string, dims: number, transposed: boolean, input: unknown, weight: unknown, rest: unknown[]): Tensor {
  const parsed = parseConvCall(fn, dims, transposed, input, weight, rest);
  const batched = parsed.input.dim() === dims + 2;
  const x = batched ? parsed.input : unsqueeze(parsed.input, 0);
  const out = convolution(x, parsed.weight, parsed.bias, parsed.spec);
  return batched ? out : squeeze(out, 0);
}

/**
 * 1-D convolution over [N, C, L] (or unbatched [C, L]) input.
 * @example F.conv1d(x, w, b, 2, 1); F.conv1d(x, w, { padding: 'same' })
 */
export function conv1d(input: Tensor, weight: Tensor, ...rest: (Tensor | null | IntOrTuple | string | ConvOptions | undefined)[]): Tensor {
  if (autocastHook.active) return autocastOp('conv1d', conv1d, biasPositional(arguments));
  return convEntry('conv1d', 1, false, input, weight, rest);
}

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) input:
 * `(input, weight, bias?, stride=1, padding=0, dilation=1, groups=1)`, or an options object.
 * @example F.conv2d(x, w, b, 1, 'same'); F.conv2d(x, w, { stride: 2, groups: 4 })
 */
export function conv2d(input: Tensor, weight: Tensor, ...rest: (Tensor | null | IntOrTuple | string | ConvOptions | undefined)[]): Tensor {
  if (autocastHook.active) return autocastOp('conv2d', conv2d, biasPositional(arguments));
  return convEntry('conv2d', 2, false, input, weight, rest);
}

/**
 * 3-D convolution over [N, C, D, H, W] (or unbatched [C, D, H, W]) input.
 * @example F.conv3d(x, w, null, [1, 2, 2])
 */
export function conv3d(input: Tensor, weight: Tensor, ...rest: (Tensor | null | IntOrTuple | string | ConvOptions | undefined)[]): Tensor {
  if (autocastHook.active) return autocastOp('conv3d', conv3d, biasPositional(arguments));
  return convEntry('conv3d', 3, false, input, weight, rest);
}

/**
 * 1-D transposed convolution: `(input, weight, bias?, stride=1, padding=0, outputPadding=0,
 * groups=1, dilation=1)`, or an options object. The weight is [Cin, Cout / groups, k].
 * @example F.convTranspose1d(x, w, null, 2, 0, 1)
 */
export function convTranspose1d(input: Tensor, weight: Tensor, ...rest: (Tensor | null | IntOrTuple | ConvTransposeOptions | undefined)[]): Tensor {
  if (autocastHook.active) return autocastOp('convTranspose1d', convTranspose1d, biasPositional(arguments));
  return convEntry('conv_transpose1d', 1, true, input, weight, rest);
}

/**
 * 2-D transposed convolution (the gradient of conv2d with respect to its input).
 * @example F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 })
 */
export function convTranspose2d(input: Tensor, weight: Tensor, ...rest: (Tensor | null | IntOrTuple | ConvTransposeOptions | undefined)[]): Tensor {
  if (autocastHook.active) return autocastOp('convTranspose2d', convTranspose2d, biasPositional(arguments));
  return convEntry('conv_transpose2d', 2, true, input, weight, rest);
}

/**
 * 3-D transposed convolution.
 * @example F.convTranspose3d(x, w, null, 2)
 */
export function convTranspose3d(input: Tensor, weight: Tensor, ...rest: (Tensor | null | IntOrTuple | ConvTransposeOptions | undefined)[]): Tensor {
  if (autocastHook.active) return autocastOp('convTranspose3d', convTranspose3d, biasPositional(arguments));
  return convEntry('conv_transpose3d', 3, true, input, weight, rest);
}
