/**
 * The kernels convolution is built from, without autograd: im2col / col2im (native) and
 * the per-group matrix products over a batch of images (BLAS through `gemmKernel`).
 * Images are contiguous [N, C, ...spatial] with 1 to 3 spatial dims; columns are
 * contiguous [N, C * prod(kernel), prod(outputSpatial)], rows ordered (c, k...).
 */
import * as call from '../../native/calls.generated.js';
import { fresh } from '../../native/meta.js';
import { ReduceOp } from '../../native/enums.generated.js';
import { makeView } from '../../ops/shape.js';
import { castKernel, copyKernel, emptyKernel, gemmKernel, reduceKernel } from '../../ops/tensor-kernels.js';
import { Tensor, fromHandle } from '../../tensor/tensor.js';
import { contiguousStrides } from '../../tensor/shape.js';

/**
 * Kernel, stride, padding and dilation of one convolution, one entry per spatial dim. @internal
 * @example const g: ConvGeometry = { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] }
 */
export interface ConvGeometry {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}

/**
 * The output size of each spatial dim (may be < 1 when the kernel does not fit). @internal
 * @example convOutputSize([28, 28], g) // [26, 26] for a 3x3 kernel, stride 1, no padding
 */
export function convOutputSize(input: readonly number[], g: ConvGeometry): number[] {
  return input.map((size, i) => Math.floor((size + 2 * g.padding[i] - g.dilation[i] * (g.kernel[i] - 1) - 1) / g.stride[i]) + 1);
}

/**
 * True when im2col would copy the image unchanged (1x1 kernel, stride 1, no padding). @internal
 * @example isPointwise({ kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }) // true
 */
export function isPointwise(g: ConvGeometry): boolean {
  return g.kernel.every((k, i) => k === 1 && g.stride[i] === 1 && g.padding[i] === 0);
}

/**
 * `x` itself when contiguous, else a contiguous copy (the caller disposes it when it differs). @internal
 * @example const xc = contiguousRaw(x); ...; if (xc !== x) xc.dispose()
 */
export function contiguousRaw(x: Tensor): Tensor {
  return x.isContiguous() ? x : castKernel(x, x._dtype);
}

/**
 * The 3-spatial-dim geometry the native entries take: leading dims of size 1, kernel 1;
 * kernel, stride, padding and dilation, three numbers each. @internal
 * @example geometry3({ kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] }) // [1, 3, 3, 1, 1, 1, 0, 1, 1, 1, 1, 1]
 */
export function geometry3(g: ConvGeometry): number[] {
  const lead = 3 - g.kernel.length;
  const pick = (values: number[], fill: number) => [...Array<number>(lead).fill(fill), ...values];
  return [...pick(g.kernel, 1), ...pick(g.stride, 1), ...pick(g.padding, 0), ...pick(g.dilation, 1)];
}

/**
 * A [N, C, ...spatial] shape (or a weight's [O, C, ...kernel]) as the native entries take it:
 * 5-D, with leading spatial dims of size 1. @internal
 * @example shape5([8, 3, 28, 28]) // [8, 3, 1, 28, 28]
 */
export function shape5(shape: readonly number[]): number[] {
  return [shape[0], shape[1], ...Array<number>(5 - shape.length).fill(1), ...shape.slice(2)];
}

/**
 * A contiguous image (or weight) as the native 5-D view of the same storage. @internal
 * @example const x5 = view5(x); ...; x5.dispose()
 */
export function view5(t: Tensor): Tensor {
  const shape = shape5(t._shape);
  return makeView(t, shape, contiguousStrides(shape), t._offset);
}

/**
 * im2col of a contiguous image into new columns [N, C * prod(kernel), prod(out)], or into
 * `into`, a view of that shape whose rows are contiguous (e.g. a [K, N, L] buffer's).
 * @internal
 * @example const cols = im2colRaw(x, { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] })
 */
export function im2colRaw(image: Tensor, g: ConvGeometry, into: Tensor | null = null): Tensor {
  const [n, c] = image._shape;
  const out = convOutputSize(image._shape.slice(2), g);
  const shape = [n, c * g.kernel.reduce((a, b) => a * b, 1), out.reduce((a, b) => a * b, 1)];
  const view = view5(image);
  const [kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw] = geometry3(g);
  const handle = call.im2col(into ?? fresh(image._dtype, shape), view, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw);
  view.dispose();
  return into ?? fromHandle(handle!, shape, image._dtype, image.device);
}

/**
 * col2im: the new image of `imageShape` whose elements sum the columns that read them.
 * @internal
 * @example const gx = col2imRaw(gradColumns, x.shape, geometry)
 */
export function col2imRaw(columns: Tensor, imageShape: readonly number[], g: ConvGeometry): Tensor {
  // Rows must be contiguous; batch and row strides may be anything (a [K, N, L] buffer).
  const cols = columns._strides[2] === 1 || columns._shape[2] <= 1 ? columns : contiguousRaw(columns);
  const [kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw] = geometry3(g);
  const handle = call.col2im(fresh(columns._dtype, shape5(imageShape)), cols, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw);
  if (cols !== columns) cols.dispose();
  return fromHandle(handle, imageShape.slice(), columns._dtype, columns.device);
}

/**
 * out[n, g] = op(W[g]) @ B[n, g] for every image n and group g, into a new contiguous
 * [N, G * rows, L]. `weight` is a contiguous [G, M, K]; op transposes it when `transA`
 * (rows = K, inner = M), else rows = M and inner = K. `b` is a contiguous [N, G * inner, L];
 * `out`, when given, a contiguous view of that shape to write instead.
 * @internal
 * @example const out = groupedMatmul(w, cols, 1, false) // [N, Cout, L]
 */
export function groupedMatmul(weight: Tensor, b: Tensor, groups: number, transA: boolean, out: Tensor | null = null): Tensor {
  const [, m, k] = weight._shape;
  const [n, , l] = b._shape;
  const rows = transA ? k : m;
  const inner = transA ? m : k;
  const shape = [n, groups * rows, l];
  if (groups === 1) {
    const a = weightMatrix(weight, 0, n, transA);
    const result = gemmKernel(a, b, out);
    a.dispose();
    return result;
  }
  const result = out ?? emptyKernel(shape, weight._dtype, weight.device);
  for (let grp = 0; grp < groups; grp++) {
    const a = weightMatrix(weight, grp, n, transA);
    const bg = makeView(b, [n, inner, l], [b._shape[1] * l, l, 1], b._offset + grp * inner * l);
    const og = makeView(result, [n, rows, l], [shape[1] * l, l, 1], result._offset + grp * rows * l);
    gemmKernel(a, bg, og);
    a.dispose();
    bg.dispose();
    og.dispose();
  }
  return result;
}

/** W[g] (or its transpose) broadcast over the batch of n images as [n, rows, inner]. */
function weightMatrix(weight: Tensor, grp: number, n: number, transA: boolean): Tensor {
  const [, m, k] = weight._shape;
  const offset = weight._offset + grp * m * k;
  return transA ? makeView(weight, [n, k, m], [0, 1, k], offset) : makeView(weight, [n, m, k], [0, k, 1], offset);
}

/**
 * sum over n of A[n, g] @ B[n, g]^T for every group: the weight gradient, a new
 * contiguous [G, M, K] from A [N, G * M, L] and B [N, G * K, L] (both contiguous).
 * @internal
 * @example const gw = batchSumOuter(gradOut, cols, 1) // [1, Cout, C * k]
 */
export function batchSumOuter(a: Tensor, b: Tensor, groups: number): Tensor {
  const [n, gm, l] = a._shape;
  const gk = b._shape[1];
  const m = gm / groups;
  const k = gk / groups;
  const parts: Tensor[] = [];
  for (let grp = 0; grp < groups; grp++) {
    const ag = makeView(a, [n, m, l], [gm * l, l, 1], a._offset + grp * m * l);
    const bg = makeView(b, [n, l, k], [gk * l, 1, l], b._offset + grp * k * l);
    const perImage = gemmKernel(ag, bg);  // [n, m, k]
    ag.dispose();
    bg.dispose();
    if (n === 1) parts.push(makeAndRelease(perImage, [m, k]));
    else {
      parts.push(reduceKernel(ReduceOp.Sum, perImage, [0], perImage._dtype));
      perImage.dispose();
    }
  }
  if (groups === 1) return makeAndRelease(parts[0], [1, m, k]);
  const out = emptyKernel([groups, m, k], a._dtype, a.device);
  for (let grp = 0; grp < groups; grp++) {
    const target = makeView(out, [m, k], [k, 1], grp * m * k);
    copyKernel(target, parts[grp]);
    target.dispose();
    parts[grp].dispose();
  }
  return out;
}

function makeAndRelease(t: Tensor, shape: number[]): Tensor {
  const v = makeView(t, shape, contiguousStrides(shape), t._offset);
  t.dispose();
  return v;
}

/** Columns of at most this many bytes are made at once: they stay in the last-level cache
 * between im2col writing them and the GEMM reading them, and the memory they take stays small. */
const CHUNK_BYTES = 8 << 20;
/**
 * On a GPU, larger chunks: a GEMM needs hundreds of thousands of columns to fill the
 * device, and one (im2col, GEMM) pair per image left an H200 launch-bound (3 TFLOP/s on
 * 128 images of 64x56x56). @internal
 * @example imageChunks(128, 576 * 3136, 4, true) // chunks of up to CUDA_CHUNK_BYTES of columns
 */
export const CUDA_CHUNK_BYTES = 256 << 20;

/**
 * Splits a batch of n images into runs whose columns (of `perImage` elements each) fit
 * CHUNK_BYTES (CUDA_CHUNK_BYTES on a GPU): [start, count] pairs. @internal
 * @example imageChunks(8, 576 * 3136, 4) // [[0, 1], [1, 1], ...]
 */
export function imageChunks(n: number, perImage: number, itemBytes: number, cuda = false): [number, number][] {
  const per = Math.max(1, Math.floor((cuda ? CUDA_CHUNK_BYTES : CHUNK_BYTES) / Math.max(1, perImage * itemBytes)));
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += per) out.push([start, Math.min(per, n - start)]);
  if (out.length === 0) out.push([0, 0]);
  return out;
}

/**
 * Images start..start+count of a contiguous batch, as a view. @internal
 * @example const xs = batchSlice(x, 2, 3) // images 2, 3 and 4
 */
export function batchSlice(t: Tensor, start: number, count: number): Tensor {
  const shape = [count, ...t._shape.slice(1)];
  const per = t._shape.slice(1).reduce((a, b) => a * b, 1);
  return makeView(t, shape, contiguousStrides(shape), t._offset + start * per);
}
