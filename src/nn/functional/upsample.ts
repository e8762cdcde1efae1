/**
 * `F.interpolate`: nearest, nearest-exact, linear, bilinear, bicubic and trilinear resampling
 * of (N, C, W), (N, C, H, W) and (N, C, D, H, W) inputs, with PyTorch 1.13's argument rules
 * (torch/nn/functional.py), coordinate conventions and grad_fn names. The kernels are the
 * `upsample*` native entries (native/cpu/upsample.cc, native/cuda/upsample.cu); each
 * backward is the forward's adjoint, and the two are recorded as each other's gradient, so
 * double backward works.
 */
import { record } from '../../autograd/function.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import * as call from '../../native/calls.generated.js';
import { fresh, layoutOf } from '../../native/meta.js';
import { type DType, float32, float64, scalarTypeName, uint8 } from '../../tensor/dtype.js';
import { contiguousStrides } from '../../tensor/shape.js';
import { Tensor, fromHandle } from '../../tensor/tensor.js';
import { castKernel } from '../../ops/tensor-kernels.js';
import { toDtype } from '../../ops/shape.js';
import { antialiasResample, areaResample } from './upsample-separable.js';
import { argumentError, checkOptions, checkTensor, describeValue, keysOf } from '../../tensor/args.js';

/** The modes of `F.interpolate` (`'area'` is adaptive average pooling). */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';

/**
 * `F.interpolate`'s keyword arguments.
 * @example F.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: false })
 */
export interface InterpolateOptions {
  size?: number | number[] | null;
  scaleFactor?: number | number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
  antialias?: boolean;
}
const POSITIONAL = ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor', 'antialias'] as const;
const INTERPOLATE_KEYS = keysOf<InterpolateOptions>()(...POSITIONAL);
const MODES: readonly InterpolateMode[] = ['nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area'];

/** The kernel family, and how a mode's grad_fn is named (`UpsampleBilinear2DBackward0`). */
type Family = 'nearest' | 'linear' | 'bicubic' | 'area';
const SPATIAL_MODE: Record<string, [number, Family, string]> = {
  linear: [1, 'linear', 'Linear'],
  bilinear: [2, 'linear', 'Bilinear'],
  trilinear: [3, 'linear', 'Trilinear'],
  bicubic: [2, 'bicubic', 'Bicubic'],
};

/** A resolved call: the kernel family, its sizes and its scales (0: no scale factor given). */
interface Plan {
  family: Family;
  exact: boolean;
  alignCorners: boolean;
  inSize: number[];
  outSize: number[];
  scales: number[];
  gradFn: string;
  antialias: boolean;
}

function isOptions(value: unknown): value is InterpolateOptions {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Untangles positional arguments and a last options object, as Python binds keywords. */
function bindArguments(rest: unknown[]): InterpolateOptions {
  const bound: Record<string, unknown> = {};
  const last = rest.length > 0 ? rest[rest.length - 1] : undefined;
  const positional = isOptions(last) ? rest.slice(0, -1) : rest;
  if (positional.length > POSITIONAL.length) {
    throw new TypeError(`interpolate() takes from 1 to 7 positional arguments but ${positional.length + 1} were given`);
  }
  positional.forEach((value, i) => {
    if (value !== undefined) bound[POSITIONAL[i]] = value;
  });
  if (isOptions(last)) {
    checkOptions(last, 'interpolate', INTERPOLATE_KEYS);
    for (const [key, value] of Object.entries(last)) {
      if (value === undefined) continue;
      if (key in bound) throw new TypeError(`interpolate() got multiple values for argument '${key}'`);
      bound[key] = value;
    }
  }
  return bound as InterpolateOptions;
}

function checkSizeList(value: unknown, name: string): asserts value is number | number[] {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  if (!(ok(value) || (Array.isArray(value) && value.every(ok)))) {
    throw new TypeError(`interpolate(): argument '${name}' must be an int or a list of ints, not ${describeValue(value)}`);
  }
}

function checkScaleList(value: unknown): asserts value is number | number[] {
  const ok = (v: unknown) => typeof v === 'number' && !Number.isNaN(v);
  if (!(ok(value) || (Array.isArray(value) && value.every(ok)))) {
    throw new TypeError(`interpolate(): argument 'scale_factor' must be a float or a list of floats, not ${describeValue(value)}`);
  }
}

const pyList = (values: readonly number[]) => `[${values.join(', ')}]`;
const pyFloatList = (values: readonly number[]) => `[${values.map((v) => (Number.isInteger(v) ? `${v}.0` : `${v}`)).join(', ')}]`;

/** PyTorch's checks, in its order, and the output size and kernel scales they settle on. */
function plan(input: Tensor, options: InterpolateOptions): Plan {
  const mode = options.mode ?? 'nearest';
  // An unknown mode string reaches functional.py's last error, as in PyTorch.
  if (typeof mode !== 'string') throw argumentError('interpolate', 'mode', `one of ${MODES.map((m) => `'${m}'`).join(', ')}`, mode);
  let alignCorners = options.alignCorners ?? null;
  if (alignCorners !== null && typeof alignCorners !== 'boolean') {
    throw new TypeError(`interpolate(): argument 'align_corners' must be a bool, not ${describeValue(alignCorners)}`);
  }
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (alignCorners !== null) {
      throw new Error('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear');
    }
  } else if (alignCorners === null) {
    alignCorners = false;
  }
  const dim = input.dim() - 2;
  const spatial = input.shape.slice(2);
  const size = options.size ?? null;
  const scaleFactor = options.scaleFactor ?? null;
  let outSize: number[] | null = null;
  let scales: number[] | null = null;
  if (size !== null && scaleFactor !== null) throw new Error('only one of size or scale_factor should be defined');
  if (size !== null) {
    checkSizeList(size, 'size');
    if (Array.isArray(size) && size.length !== dim) {
      throw new Error(
        'Input and output must have the same number of spatial dimensions, but got ' +
          `input with spatial dimensions of ${pyList(spatial)} and output size of ${pyList(size)}. ` +
          'Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.',
      );
    }
    outSize = Array.isArray(size) ? size.slice() : spatial.map(() => size);
  } else if (scaleFactor !== null) {
    checkScaleList(scaleFactor);
    if (Array.isArray(scaleFactor) && scaleFactor.length !== dim) {
      throw new Error(
        'Input and scale_factor must have the same number of spatial dimensions, but ' +
          `got input with spatial dimensions of ${pyList(spatial)} and scale_factor of shape ${pyFloatList(scaleFactor)}. ` +
          'Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.',
      );
    }
    scales = Array.isArray(scaleFactor) ? scaleFactor.slice() : spatial.map(() => scaleFactor);
  } else {
    throw new Error('either size or scale_factor should be defined');
  }
  const recompute = options.recomputeScaleFactor ?? null;
  if (recompute !== null && typeof recompute !== 'boolean') {
    throw new TypeError(`interpolate(): argument 'recompute_scale_factor' must be a bool, not ${describeValue(recompute)}`);
  }
  if (recompute === true && size !== null) throw new Error('recompute_scale_factor is not meaningful with an explicit size.');
  if (scales !== null) {
    // Both paths size the output as floor(in * scale) in double precision; only
    // recompute_scale_factor=True hides the scale from the kernel, which then uses in/out.
    outSize = spatial.map((n, i) => Math.floor(n * scales![i]));
    if (recompute === true || mode === 'area') scales = null;
  }
  const antialias = options.antialias ?? false;
  if (typeof antialias !== 'boolean') throw new TypeError(`interpolate(): argument 'antialias' must be a bool, not ${describeValue(antialias)}`);
  if (antialias && !((mode === 'bilinear' || mode === 'bicubic') && input.dim() === 4)) {
    throw new Error('Anti-alias option is only supported for bilinear and bicubic modes');
  }
  const family = familyOf(mode, input.dim());
  // Adaptive pooling ('area') has its own checks (areaResample), and allows empty outputs.
  if (family !== 'area') checkSizes(input, outSize!, family === 'bicubic' ? 2 : dim);
  const nd = `${dim}D`;
  const kind = family === 'nearest' ? `Nearest${mode === 'nearest-exact' ? 'Exact' : ''}` : SPATIAL_MODE[mode]?.[2];
  const gradFn = family === 'area' ? `AdaptiveAvgPool${nd}Backward0` : `Upsample${kind}${nd}Backward0`;
  return {
    family,
    exact: mode === 'nearest-exact',
    alignCorners: alignCorners ?? false,
    inSize: spatial,
    outSize: outSize!,
    scales: scales ?? spatial.map(() => 0),
    gradFn,
    antialias,
  };
}

/** The dispatch of functional.py's tail: which modes take which ranks, in its words. */
function familyOf(mode: InterpolateMode, ndim: number): Family {
  if ((mode === 'nearest' || mode === 'nearest-exact') && ndim >= 3 && ndim <= 5) return 'nearest';
  if (mode === 'area' && ndim >= 3 && ndim <= 5) return 'area';
  const entry = SPATIAL_MODE[mode];
  if (entry !== undefined && ndim >= 3 && ndim <= 5) {
    if (entry[0] + 2 === ndim) return entry[1];
    const wanted = { linear: 3, bilinear: 4, trilinear: 5, bicubic: 4 }[mode as 'linear'];
    if (mode !== 'bicubic') throw new Error(`Got ${ndim}D input, but ${mode} mode needs ${wanted}D input`);
  }
  throw new Error(
    `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${ndim}D) for the modes: ` +
      `nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`,
  );
}

/** upsample_Nd_common_check and the meta functions' non-empty check. */
function checkSizes(input: Tensor, outSize: number[], dim: number): void {
  const names = ['D', 'H', 'W'].slice(3 - dim);
  const spatial = input.shape.slice(2);
  if (!(spatial.every((n) => n > 0) && outSize.every((n) => n > 0))) {
    const list = (sizes: number[]) => sizes.map((n, i) => `${names[i]}: ${n}`).join(', ');
    const and = dim === 1 ? " and" : "";  // upsample_1d_common_check words it so
    throw new Error(`Input and output sizes should be greater than 0, but got input (${list(spatial)})${and} output (${list(outSize)})`);
  }
  // An empty batch is allowed; empty channels are not.
  if (input.numel() === 0 && input.shape[1] === 0) {
    throw new Error(`Non-empty ${dim + 2}D data tensor expected but got a tensor with sizes ${pyList(input.shape)}`);
  }
}

/** `x` as a contiguous tensor of `dtype` (itself when it already is one). */
function asKernelInput(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype && x.isContiguous() ? x : castKernel(x, dtype);
}

/** [B, D, H, W] (bicubic [B, H, W]) for a spatial size, B = N * C. */
function planeShape(family: Family, batch: number, spatial: number[]): number[] {
  if (family === 'bicubic') return [batch, ...spatial];
  return [batch, ...Array(3 - spatial.length).fill(1), ...spatial];
}

function padScales(family: Family, scales: number[]): number[] {
  return family === 'bicubic' ? scales : [...Array(3 - scales.length).fill(0), ...scales];
}

/** One kernel pass: forward maps inSize to outSize, backward outSize to inSize (the adjoint). */
function runKernel(p: Plan, source: Tensor, backward: boolean): Tensor {
  const dtype = source.dtype === float64 ? float64 : float32;
  const lead = source.shape.slice(0, 2);
  const batch = lead[0] * lead[1];
  const [from, to] = backward ? [p.outSize, p.inSize] : [p.inSize, p.outSize];
  const src = asKernelInput(source, dtype);
  const fromShape = planeShape(p.family, batch, from);
  const srcView = layoutOf(src, dtype, src._offset, fromShape, contiguousStrides(fromShape));
  const dst = fresh(dtype, planeShape(p.family, batch, to));
  const s = padScales(p.family, p.scales);
  let handle;
  if (p.family === 'nearest') {
    handle = backward
      ? call.upsampleNearestBackward(dst, srcView, s[0], s[1], s[2], p.exact)
      : call.upsampleNearest(dst, srcView, s[0], s[1], s[2], p.exact);
  } else if (p.family === 'linear') {
    handle = backward
      ? call.upsampleLinearBackward(dst, srcView, p.alignCorners, s[0], s[1], s[2])
      : call.upsampleLinear(dst, srcView, p.alignCorners, s[0], s[1], s[2]);
  } else {
    handle = backward
      ? call.upsampleBicubicBackward(dst, srcView, p.alignCorners, s[0], s[1])
      : call.upsampleBicubic(dst, srcView, p.alignCorners, s[0], s[1]);
  }
  if (src !== source) src.dispose();
  return fromHandle(handle!, [...lead, ...to], dtype, source.device);
}

/** Forward or backward with autograd: each is recorded with the other as its gradient. */
function resample(p: Plan, x: Tensor, backward: boolean, outDtype: DType): Tensor {
  const computed = runKernel(p, x, backward);
  let out = computed;
  if (computed.dtype !== outDtype) {
    out = toDtype(computed, outDtype);
    computed.dispose();
  }
  const name = backward ? p.gradFn.replace(/Backward0$/, 'BackwardBackward0') : p.gradFn;
  return record(out, name, [x], () => (g) => {
    const gradDtype = x.dtype;
    return [gradEnabled() ? resample(p, g, !backward, gradDtype) : resampleNoGrad(p, g, !backward, gradDtype)];
  });
}

function resampleNoGrad(p: Plan, g: Tensor, backward: boolean, outDtype: DType): Tensor {
  const computed = runKernel(p, g, backward);
  if (computed.dtype === outDtype) return computed;
  const out = toDtype(computed, outDtype);
  computed.dispose();
  return out;
}

/**
 * Resamples a batch of 1-D, 2-D or 3-D signals ((N, C, W), (N, C, H, W), (N, C, D, H, W)) to
 * `size` or by `scaleFactor`, as `torch.nn.functional.interpolate`. Arguments bind as
 * Python's: `(input, size, scaleFactor, mode, alignCorners, recomputeScaleFactor, antialias)`,
 * any of them also by name in a last options object. `nearest` picks `floor(dst * in/out)`
 * (PyTorch's legacy rule), `nearest-exact` the half-pixel `floor((dst + 0.5) * in/out)`;
 * `linear`/`bilinear`/`trilinear` and `bicubic` (A = -0.75, border-clamped) map pixel
 * centres unless `alignCorners` maps corner to corner; `antialias` (bilinear, bicubic)
 * widens the filter when downsampling; `area` is adaptive average pooling. A given scale
 * factor is also the kernel's coordinate step unless `recomputeScaleFactor` is true.
 * @example
 * F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })
 * F.interpolate(x, [8, 8], null, 'bicubic', true)
 */
export function interpolate(input: Tensor, ...rest: unknown[]): Tensor {
  checkTensor(input, 'interpolate', 'input');
  const options = bindArguments(rest);
  const p = plan(input, options);
  const refuse = (kernel: string) => new Error(`"${kernel}" not implemented for '${scalarTypeName(input.dtype)}'`);
  if (p.family === 'area') {
    if (!input.dtype.isFloatingPoint) throw refuse(`adaptive_avg_pool${p.outSize.length === 3 ? 3 : 2}d`);
    return areaResample(input, p.outSize);
  }
  if (p.antialias) {
    if (!input.dtype.isFloatingPoint) throw refuse('compute_indices_weights_aa');
    return antialiasResample(input, { ...p, cubic: p.family === 'bicubic' });
  }
  // PyTorch's CPU nearest kernels also take uint8, whose values float32 holds exactly.
  const floatOrByte = input.dtype.isFloatingPoint || (input.dtype === uint8 && p.family === 'nearest');
  if (!floatOrByte) throw refuse(`upsample_${p.gradFn.slice(8, -10).replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}d`);
  return resample(p, input, false, input.dtype);
}

/** The deprecated aliases' options: `size`, `scaleFactor` (and `mode`, `alignCorners` for upsample). */
type UpsampleArgs = [(number | number[] | null | InterpolateOptions)?, (number | number[] | null | InterpolateOptions)?, ...unknown[]];

function deprecated(name: string): void {
  process.emitWarning(`nn.functional.${name} is deprecated. Use nn.functional.interpolate instead.`, 'UserWarning');
}

/**
 * `F.upsample(input, size, scaleFactor, mode, alignCorners)`: PyTorch's deprecated name for
 * `interpolate`, with its warning.
 * @example F.upsample(x, { scaleFactor: 2, mode: 'bilinear' })
 */
export function upsample(input: Tensor, ...rest: UpsampleArgs): Tensor {
  deprecated('upsample');
  const options = bindArguments(rest);
  if (options.recomputeScaleFactor !== undefined || options.antialias !== undefined) {
    throw new TypeError(`upsample() got an unexpected keyword argument '${options.antialias !== undefined ? 'antialias' : 'recompute_scale_factor'}'`);
  }
  return interpolate(input, options);
}

/** Binds `(size, scaleFactor)` or one options object holding them. */
function sizeOrScale(fn: string, rest: UpsampleArgs): InterpolateOptions {
  const options = bindArguments(rest);
  for (const key of Object.keys(options)) {
    if (key !== 'size' && key !== 'scaleFactor') throw new TypeError(`${fn}() got an unexpected keyword argument '${key}'`);
  }
  return options;
}

/**
 * `F.upsampleNearest(input, size, scaleFactor)`: deprecated `interpolate(..., mode='nearest')`.
 * @example F.upsampleNearest(x, null, 2)
 */
export function upsampleNearest(input: Tensor, ...rest: UpsampleArgs): Tensor {
  deprecated('upsample_nearest');
  return interpolate(input, { ...sizeOrScale('upsample_nearest', rest), mode: 'nearest' });
}

/**
 * `F.upsampleBilinear(input, size, scaleFactor)`: deprecated
 * `interpolate(..., mode='bilinear', alignCorners=true)`.
 * @example F.upsampleBilinear(x, { scaleFactor: 2 })
 */
export function upsampleBilinear(input: Tensor, ...rest: UpsampleArgs): Tensor {
  deprecated('upsample_bilinear');
  return interpolate(input, { ...sizeOrScale('upsample_bilinear', rest), mode: 'bilinear', alignCorners: true });
}
