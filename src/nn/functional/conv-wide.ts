/**
 * Convolution of a batch of small images as one GEMM: the columns of `count` images are
 * laid side by side as [K, count * L] (im2col writes that layout directly), so that
 * W [Cout, K] multiplies them in one call instead of one small GEMM per image. BLAS is
 * several times faster on the wide product when L (the output pixels per image) is a few
 * hundred, as in MNIST-sized networks; the price is a permuted copy of the output (and of
 * the output gradient in the backward), which is K times smaller than the columns.
 * Groups of one only; no autograd (conv.ts records the node).
 */
import { makeView } from '../../ops/shape.js';
import { filled } from '../../ops/internal-tensors.js';
import { copyKernel, emptyKernel, gemmKernel } from '../../ops/tensor-kernels.js';
import type { Tensor } from '../../tensor/tensor.js';
import { contiguousStrides } from '../../tensor/shape.js';
import { batchSlice, col2imRaw, CUDA_CHUNK_BYTES, im2colRaw, type ConvGeometry } from './conv-kernels.js';

/** Columns of at most this many bytes are made at once. */
const WIDE_CHUNK_BYTES = 16 << 20;

/**
 * Whether the wide path suits a convolution: groups of one and, on the CPU, few output
 * pixels per image. On a GPU it always does: one GEMM over many images fills the device. @internal
 * @example useWide(64, 576, 1, false) // true: MNIST's second convolution
 */
export function useWide(n: number, l: number, groups: number, cuda: boolean): boolean {
  return groups === 1 && (cuda || (n > 1 && l < 1024));
}

function chunksOf(n: number, perImage: number, itemBytes: number, cuda: boolean): [number, number][] {
  const per = Math.max(1, Math.floor((cuda ? CUDA_CHUNK_BYTES : WIDE_CHUNK_BYTES) / Math.max(1, perImage * itemBytes)));
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += per) out.push([start, Math.min(per, n - start)]);
  return out;
}

const view = (t: Tensor, shape: number[], strides: number[], offset = t._offset) => makeView(t, shape, strides, offset);

/**
 * The row stride of a [K, width] columns matrix: a little more than its width, so that the
 * K rows an (image, channel) plane reads or writes together do not all fall in the same
 * cache sets (a power-of-two-like stride made col2im several times slower).
 */
const ldOf = (width: number) => width + 16;

/** im2col of images start..start+count as a [K, count * L] matrix (row stride ldOf). */
function wideColumns(x: Tensor, start: number, count: number, k: number, l: number, g: ConvGeometry): Tensor {
  const ld = ldOf(count * l);
  const cols = emptyKernel([k, ld], x._dtype, x.device);
  const xs = batchSlice(x, start, count);
  const into = view(cols, [count, k, l], [l, ld, 1], 0);
  im2colRaw(xs, g, into);
  into.dispose();
  xs.dispose();
  return cols;
}

/** [count, C, L] slice of a contiguous [N, C, L] batch, copied as [C, count * L]. */
function wideOf(t3: Tensor, start: number, count: number): Tensor {
  const [, c, l] = t3._shape;
  const out = emptyKernel([c, count * l], t3._dtype, t3.device);
  const dst = view(out, [count, c, l], [l, count * l, 1], 0);
  const src = batchSlice(t3, start, count);
  copyKernel(dst, src);
  dst.dispose();
  src.dispose();
  return out;
}

/**
 * out [N, Cout, L] = W [Cout, K] @ columns, image by image in wide chunks. @internal
 * @example const out = wideForward(x, w2, 576, g) // w2 is the weight as [Cout, K]
 */
export function wideForward(x: Tensor, w2: Tensor, l: number, g: ConvGeometry): Tensor {
  const n = x._shape[0];
  const [cout, k] = w2._shape;
  const out = emptyKernel([n, cout, l], x._dtype, x.device);
  const a = view(w2, [1, cout, k], [0, k, 1]);
  for (const [start, count] of chunksOf(n, k * l, x._dtype.itemsize, x.device.type === 'cuda')) {
    const cols = wideColumns(x, start, count, k, l, g);
    const b = view(cols, [1, k, count * l], [0, ldOf(count * l), 1], 0);
    const prod = gemmKernel(a, b);
    b.dispose();
    cols.dispose();
    const src = view(prod, [count, cout, l], [l, count * l, 1], 0);
    const dst = batchSlice(out, start, count);
    copyKernel(dst, src);
    src.dispose();
    dst.dispose();
    prod.dispose();
  }
  a.dispose();
  return out;
}

/**
 * Input and weight gradients (as wanted) from the output gradient g3 [N, Cout, L]. @internal
 * @example const [gx, gw] = wideBackward(g3, x, w2, xShape, g, true, true)
 */
export function wideBackward(
  g3: Tensor, x: Tensor | null, w2: Tensor, xShape: number[], g: ConvGeometry, wantX: boolean, wantW: boolean,
): [Tensor | null, Tensor | null] {
  const [n, cout, l] = g3._shape;
  const k = w2._shape[1];
  const gx = wantX ? emptyKernel(xShape, g3._dtype, g3.device) : null;
  let gw: Tensor | null = null;
  const wt = view(w2, [1, k, cout], [0, 1, k]);
  for (const [start, count] of chunksOf(n, k * l, g3._dtype.itemsize, g3.device.type === 'cuda')) {
    const gwide = wideOf(g3, start, count);  // [Cout, count * L]
    const gwide3 = view(gwide, [1, cout, count * l], [0, count * l, 1], 0);
    if (wantX) {
      const ld = ldOf(count * l);
      const gcols = emptyKernel([k, ld], g3._dtype, g3.device);
      const target3 = view(gcols, [1, k, count * l], [0, ld, 1], 0);
      gemmKernel(wt, gwide3, target3);
      target3.dispose();
      const cols = view(gcols, [count, k, l], [l, ld, 1], 0);
      const part = col2imRaw(cols, [count, ...xShape.slice(1)], g);
      const target = batchSlice(gx!, start, count);
      copyKernel(target, part);
      for (const t of [cols, gcols, part, target]) t.dispose();
    }
    if (wantW) {
      const cols = wideColumns(x!, start, count, k, l, g);
      const colsT = view(cols, [1, count * l, k], [0, 1, ldOf(count * l)], 0);
      gw = gw === null ? gemmKernel(gwide3, colsT) : gemmKernel(gwide3, colsT, gw, 1);
      colsT.dispose();
      cols.dispose();
    }
    gwide3.dispose();
    gwide.dispose();
  }
  wt.dispose();
  // An empty batch runs no chunk: its weight gradient is zeros.
  if (wantW && gw === null) gw = filled([1, cout, k], 0, g3._dtype, g3.device);
  if (gw !== null) {
    const flat = view(gw, [cout, k], contiguousStrides([cout, k]), 0);
    gw.dispose();
    gw = flat;
  }
  return [gx, gw];
}
