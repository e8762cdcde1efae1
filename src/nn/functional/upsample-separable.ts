/**
 * The resampling modes of `F.interpolate` that are linear maps separable by dim, done as
 * one matrix product per dim: `mode: 'area'` (adaptive average pooling) and
 * `antialias: true` for `bilinear` and `bicubic` (PyTorch's
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
import type { Device } from '../../tensor/device.js';
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/creation.js';
import { tidy } from '../../memory/storage.js';
import { matmul } from '../../ops/linalg.js';
import { contiguous, squeeze, toDtype, transpose, unsqueeze } from '../../ops/shape.js';

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
function weights(inSize: number, outSize: number, alignCorners: boolean, scaleArg: number, cubic: boolean, dtype: DType, device: Device): Tensor {
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
  return tensor(rows, { dtype, device });
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
 * Applies one [out, in] matrix along each spatial dim (null: the dim is left alone), the
 * innermost dim first, recorded as one autograd node named `name` whose backward applies
 * the transposed matrices (the adjoint). float16/bfloat16 compute in float32.
 */
function separableResample(x: Tensor, mats: (Tensor | null)[], name: string): Tensor {
  const dtype = x.dtype === float64 ? float64 : float32;
  const apply = (t: Tensor, adjoint: boolean) => {
    let y = t;
    for (let i = mats.length - 1; i >= 0; i--) {
      const m = mats[i];
      if (m === null) continue;
      const along = adjoint ? m : transpose(m, 0, 1);
      const dim = 2 + i;
      y = dim === y.dim() - 1 ? matmul(y, along) : transpose(matmul(transpose(y, dim, -1), along), dim, -1);
    }
    return contiguous(y);
  };
  // tidy frees the casts and the products between dims; only the result survives.
  const forward = () => {
    const computed = apply(x.dtype === dtype ? x : toDtype(x, dtype), false);
    return computed.dtype === x.dtype ? computed : toDtype(computed, x.dtype);
  };
  const out = noGrad(() => tidy(forward));
  if (!(gradEnabled() && x.requiresGrad)) {
    // No node will hold the matrices for a backward.
    for (const m of mats) m?.dispose();
    return out;
  }
  return record(out, name, [x], () => (g) => {
    const run = () => {
      const back = apply(g.dtype === dtype ? g : toDtype(g, dtype), true);
      return back.dtype === x.dtype ? back : toDtype(back, x.dtype);
    };
    // With createGraph the intermediates belong to the new graph, so they are not tidied.
    return [gradEnabled() ? run() : noGrad(() => tidy(run))];
  });
}

/**
 * Resamples (N, C, H, W) with antialiasing, recorded as one autograd node
 * (`UpsampleBilinear2DAaBackward0` / `UpsampleBicubic2DAaBackward0`). @internal
 * @example antialiasResample(x, { cubic: false, alignCorners: false, inSize: [8, 8], outSize: [3, 3], scales: [0, 0] })
 */
export function antialiasResample(x: Tensor, p: AntialiasPlan): Tensor {
  const dtype = x.dtype === float64 ? float64 : float32;
  const mats = p.inSize.map((n, i) => (p.outSize[i] === n ? null : weights(n, p.outSize[i], p.alignCorners, p.scales[i], p.cubic, dtype, x.device)));
  return separableResample(x, mats, `Upsample${p.cubic ? 'Bicubic' : 'Bilinear'}2DAaBackward0`);
}

/** The [out, in] matrix of adaptive average pooling along one dim: output i averages
 * input [floor(i·in/out), ceil((i+1)·in/out)). */
function areaWeights(inSize: number, outSize: number, dtype: DType, device: Device): Tensor {
  const rows: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const row = new Array<number>(inSize).fill(0);
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) row[j] = 1 / (end - start);
    rows.push(row);
  }
  return rows.length === 0 ? tensor([], { dtype, device }).reshape(0, inSize) : tensor(rows, { dtype, device });
}

/**
 * `mode: 'area'`: adaptive average pooling to `outSize`, as interpolate calls
 * `adaptive_avg_pool{1,2,3}d` (grad_fns `AdaptiveAvgPool2DBackward0`/`3D`; the 1-D form
 * pools an unsqueezed 2-D input, as PyTorch's does). @internal
 * @example areaResample(x, [3, 3])
 */
export function areaResample(x: Tensor, outSize: number[]): Tensor {
  if (outSize.length === 1) return squeeze(areaResample(unsqueeze(x, 2), [1, outSize[0]]), 2);
  const nd = outSize.length;
  x.shape.slice(2).forEach((n, i) => {
    if (n === 0) {
      throw new Error(
        `adaptive_avg_pool${nd}d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [${x.shape.join(', ')}] with dimension ${i + 2} being empty`,
      );
    }
  });
  const dtype = x.dtype === float64 ? float64 : float32;
  const mats = x.shape.slice(2).map((n, i) => (outSize[i] === n ? null : areaWeights(n, outSize[i], dtype, x.device)));
  return separableResample(x, mats, `AdaptiveAvgPool${nd}DBackward0`);
}
