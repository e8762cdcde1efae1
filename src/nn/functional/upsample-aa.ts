/**
 * `F.interpolate(..., { antialias: true })` for `bilinear` and `bicubic` (PyTorch's
 * `_upsample_bilinear2d_aa` / `_upsample_bicubic2d_aa`, Pillow's resampling): each output
 * pixel averages the input pixels under a filter stretched by the scale when downsampling,
 * with weights normalized to sum to 1. The filter is separable, so the resampling is two
 * matrix products per plane, width first, as PyTorch's separable kernel runs: X·Wwᵀ, then
 * Wh·(X·Wwᵀ). A dim whose size does not change is left alone, as PyTorch skips it. The
 * weights follow ATen's `_compute_weights_aa` (UpSampleKernel.cpp).
 */
import { record } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { type DType, float32, float64 } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/creation.js';
import { matmul } from '../../ops/linalg.js';
import { contiguous, reshape, toDtype, transpose } from '../../ops/shape.js';

/** The triangle (bilinear) and Keys' cubic with a = -0.5 (bicubic), as ATen's aa_filter. */
function filter(x: number, cubic: boolean): number {
  x = Math.abs(x);
  if (!cubic) return x < 1 ? 1 - x : 0;
  const a = -0.5;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/** area_pixel_compute_scale. */
function areaScale(inSize: number, outSize: number, alignCorners: boolean, scale: number): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return scale > 0 ? 1 / scale : inSize / outSize;
}

/** The [out, in] matrix of one dim's normalized antialiasing weights. */
function weights(inSize: number, outSize: number, alignCorners: boolean, scaleArg: number, cubic: boolean, dtype: DType): Tensor {
  const scale = areaScale(inSize, outSize, alignCorners, scaleArg);
  const interp = cubic ? 4 : 2;
  const support = scale >= 1 ? interp * 0.5 * scale : interp * 0.5;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const rows: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const row = new Array<number>(inSize).fill(0);
    const center = scale * (i + 0.5);
    // static_cast<int64_t> truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = filter((j + xmin - center + 0.5) * invscale, cubic);
      row[xmin + j] = w;
      total += w;
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) row[xmin + j] /= total;
    rows.push(row);
  }
  return tensor(rows, { dtype });
}

/** What interpolate settled: sizes, scales (0: none given) and the mode. @internal */
export interface AntialiasPlan {
  cubic: boolean;
  alignCorners: boolean;
  inSize: number[];
  outSize: number[];
  scales: number[];
}

/**
 * Resamples (N, C, H, W) with antialiasing, recorded as one autograd node
 * (`UpsampleBilinear2DAaBackward0` / `UpsampleBicubic2DAaBackward0`). @internal
 * @example antialiasResample(x, { cubic: false, alignCorners: false, inSize: [8, 8], outSize: [3, 3], scales: [0, 0] })
 */
export function antialiasResample(x: Tensor, p: AntialiasPlan): Tensor {
  const dtype = x.dtype === float64 ? float64 : float32;
  const [n, c] = x.shape;
  const [h, w] = p.inSize;
  const [oh, ow] = p.outSize;
  const wh = oh === h ? null : weights(h, oh, p.alignCorners, p.scales[0], p.cubic, dtype);
  const ww = ow === w ? null : weights(w, ow, p.alignCorners, p.scales[1], p.cubic, dtype);
  // forward: X·Wwᵀ then Wh·(...); backward (the adjoint): G·Ww then Whᵀ·(...).
  const apply = (t: Tensor, rowsIn: number, colsIn: number, byW: Tensor | null, byH: Tensor | null, rowsOut: number, colsOut: number) => {
    let y = reshape(t, [n * c, rowsIn, colsIn]);
    if (byW !== null) y = matmul(y, byW);
    if (byH !== null) y = matmul(byH, y);
    return reshape(y, [n, c, rowsOut, colsOut]);
  };
  const input = x.dtype === dtype ? x : toDtype(x, dtype);
  const computed = noGrad(() => contiguous(apply(input, h, w, ww && transpose(ww, 0, 1), wh, oh, ow)));
  const out = computed.dtype === x.dtype ? computed : toDtype(computed, x.dtype);
  const name = `Upsample${p.cubic ? 'Bicubic' : 'Bilinear'}2DAaBackward0`;
  return record(out, name, [x], () => (g) => {
    const run = () => {
      const g32 = g.dtype === dtype ? g : toDtype(g, dtype);
      const back = contiguous(apply(g32, oh, ow, ww, wh && transpose(wh, 0, 1), h, w));
      return back.dtype === x.dtype ? back : toDtype(back, x.dtype);
    };
    return [gradEnabled() ? run() : noGrad(run)];
  });
}
