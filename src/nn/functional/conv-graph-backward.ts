/**
 * Convolution's gradients written as convolutions, so that a backward run with
 * `createGraph` (gradient penalties, Hessian-vector products) records them and can be
 * differentiated again, as ATen's `convolution_backward` can. The first-order backward
 * keeps the native path in conv.ts; this one runs only when grad mode is on inside it.
 *
 * For y = conv(x, w) with stride s, padding p, dilation d and G groups:
 * - dx is the transposed convolution of dy by w, its output padding chosen so that dx has
 *   x's size;
 * - dw, per group, is a convolution of x (channels as the batch, the batch as channels) by
 *   dy (likewise) with stride d and dilation s, cut to the kernel's size;
 * - db is dy summed over everything but its channels.
 * A transposed convolution swaps the roles: dx is the plain convolution of dy by w, and dw
 * is the convolution of dy by x.
 */
import { sum } from '../../ops/reduce.js';
import { cat, narrow, transpose } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ConvSpec } from './conv-args.js';

/**
 * conv.ts's `convolution`, passed in to keep the two modules free of an import cycle.
 * @example const conv: ConvolutionFn = convolution;
 */
export type ConvolutionFn = (input: Tensor, weight: Tensor, bias: Tensor | null, spec: ConvSpec) => Tensor;

/** `t` cut to `sizes` along its spatial dims (2, 3, ...), where it is larger. */
function cropSpatial(t: Tensor, sizes: readonly number[]): Tensor {
  let out = t;
  sizes.forEach((size, i) => {
    if (out.shape[2 + i] > size) out = narrow(out, 2 + i, 0, size);
  });
  return out;
}

/** A plain (not transposed) convolution's spec with these parameters. */
function plain(spec: ConvSpec, stride: number[], padding: number[], dilation: number[], groups: number): ConvSpec {
  return {
    dims: spec.dims, stride, padding, dilation, groups,
    extraRight: null, outputPadding: stride.map(() => 0), transposed: false,
  };
}

/**
 * Σ over the batch of `image` (N, C/G per group, ...) correlated with `kernel` (N, K/G per
 * group, ...) at stride `dilation` and dilation `stride`: the [K, C/G, ...] weight
 * gradient of a convolution whose input is `image` and whose output gradient is `kernel`,
 * cut to `size`.
 */
function weightGradient(conv: ConvolutionFn, image: Tensor, kernel: Tensor, spec: ConvSpec, size: number[]): Tensor {
  const g = spec.groups;
  const perImage = image.shape[1] / g;
  const perKernel = kernel.shape[1] / g;
  const parts: Tensor[] = [];
  for (let i = 0; i < g; i++) {
    const imageT = transpose(g === 1 ? image : narrow(image, 1, i * perImage, perImage), 0, 1);
    const kernelT = transpose(g === 1 ? kernel : narrow(kernel, 1, i * perKernel, perKernel), 0, 1);
    const r = conv(imageT, kernelT, null, plain(spec, spec.dilation, spec.padding, spec.stride, 1));
    parts.push(transpose(cropSpatial(r, size), 0, 1));
  }
  return parts.length === 1 ? parts[0] : cat(parts, 0);
}

/**
 * The input, weight and bias gradients (null where not wanted) of a convolution, as
 * recorded ops. @internal
 * @example const [gx, gw, gb] = convolutionBackwardGraph(convolution, dy, x, x.shape, w, spec, [true, true, true]);
 */
export function convolutionBackwardGraph(
  conv: ConvolutionFn, grad: Tensor, x: Tensor | null, xShape: readonly number[], w: Tensor, spec: ConvSpec,
  want: [boolean, boolean, boolean],
): (Tensor | null)[] {
  const kernel = w.shape.slice(2);
  const xSize = xShape.slice(2);
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  if (!spec.transposed) {
    if (want[0]) {
      const outputPadding = grad.shape.slice(2).map((n, i) => {
        const reached = (n - 1) * spec.stride[i] - 2 * spec.padding[i] + spec.dilation[i] * (kernel[i] - 1) + 1;
        return xSize[i] - reached;
      });
      gx = conv(grad, w, null, { ...spec, extraRight: null, transposed: true, outputPadding });
    }
    if (want[1]) gw = weightGradient(conv, x!, grad, spec, kernel);
  } else {
    if (want[0]) gx = cropSpatial(conv(grad, w, null, plain(spec, spec.stride, spec.padding, spec.dilation, spec.groups)), xSize);
    if (want[1]) gw = weightGradient(conv, grad, x!, spec, kernel);
  }
  const gb = want[2] ? sum(grad, [0, ...grad.shape.slice(2).map((_, i) => 2 + i)]) : null;
  return [gx, gw, gb];
}
