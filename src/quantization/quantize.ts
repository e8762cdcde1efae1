/**
 * Quantizing and dequantizing: PyTorch's `quantize_per_tensor`, `quantize_per_channel`,
 * `quantize_per_tensor_dynamic` and `dequantize`, with its arithmetic, so that the integers
 * are PyTorch's: q = clamp(rint(x · (1 / scale)) + zeroPoint), the product and reciprocal in
 * float32, ties to even, NaN to the lowest integer.
 */
import { Tensor } from '../tensor/tensor.js';
import { type DType, float32, float64, int32, int64, int8, qint32, qint8, quint8, scalarTypeName, uint8 } from '../tensor/dtype.js';
import { argumentError, checkBoolean, checkInteger, checkTensor } from '../tensor/args.js';
import { tensor } from '../tensor/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { QuantizedTensor } from './qtensor.js';

/** The integer range and storage dtype of each quantized dtype. */
const RANGES = new Map<DType, { min: number; max: number; storage: DType }>([
  [qint8, { min: -128, max: 127, storage: int8 }],
  [quint8, { min: 0, max: 255, storage: uint8 }],
  [qint32, { min: -2147483648, max: 2147483647, storage: int32 }],
]);

/** @internal the integer range of a quantized dtype, checked */
export function quantizedRange(dtype: unknown, fn: string): { min: number; max: number; storage: DType } {
  const range = RANGES.get(dtype as DType);
  if (range === undefined) throw argumentError(fn, 'dtype', 'torch.qint8, torch.quint8 or torch.qint32', dtype);
  return range;
}

function checkFloatInput(input: unknown, fn: string): asserts input is Tensor {
  checkTensor(input, fn, 'input');
  if (input.dtype !== float32) throw new Error(`Quantize only works on Float Tensor, got ${scalarTypeName(input.dtype)}`);
}

function scalarOf(value: unknown, fn: string, name: string): number {
  if (value instanceof Tensor && value.numel() === 1) return value.item();
  if (typeof value !== 'number') throw argumentError(fn, name, 'a number or a one-element Tensor', value);
  return value;
}

function checkScale(scale: number, fn: string): void {
  // PyTorch takes any scale; a zero, negative or non-finite one gives values that do not round
  // trip, so it is refused here.
  if (!(scale > 0) || !Number.isFinite(scale) || !Number.isFinite(1 / Math.fround(scale)) || Math.fround(scale) === 0) {
    throw new RangeError(`${fn}(): the scale must be a positive number whose float32 reciprocal is finite, got ${scale}`);
  }
}

function checkZeroPoint(zeroPoint: number, range: { min: number; max: number }, fn: string): void {
  if (zeroPoint < range.min) throw new RangeError(`${fn} zero_point ${zeroPoint} is below lower bound.`);
  if (zeroPoint > range.max) throw new RangeError(`${fn} zero_point ${zeroPoint} is above upper bound.`);
}

/**
 * The integers of `input` for float32 inverse scales `inverse` and zero points (broadcast
 * against it), as PyTorch's quantize_val: zeroPoint + rint(x · inverse) in float32, then
 * converted to int64 (where NaN, ±inf and anything past 2^63 become its lowest value, as
 * x86's conversion gives them) and clamped.
 */
function toIntegers(input: Tensor, inverse: Tensor | number, zeroPoint: Tensor | number, range: { min: number; max: number; storage: DType }): Tensor {
  return tidy(() => {
    const shifted = input.mul(inverse).round().add(zeroPoint);
    const lost = shifted.isnan().logicalOr(shifted.abs().ge(2 ** 63));
    return shifted.to(float64).maskedFill(lost, range.min).clamp(range.min, range.max).to(range.storage);
  });
}

/**
 * `torch.quantize_per_tensor(input, scale, zero_point, dtype)`: a float32 tensor as integers
 * with one scale and zero point. A list of tensors with tensors of scales and zero points
 * quantizes each.
 *
 * @example
 * const q = torch.quantizePerTensor(torch.tensor([-1.0, 0.5, 2.0]), 0.1, 3, torch.quint8);
 * q.intRepr(); // tensor([ 0,  8, 23], dtype=torch.uint8)
 */
export function quantizePerTensor(input: Tensor, scale: number | Tensor, zeroPoint: number | Tensor, dtype: DType): QuantizedTensor;
export function quantizePerTensor(input: Tensor[], scales: Tensor, zeroPoints: Tensor, dtype: DType): QuantizedTensor[];
export function quantizePerTensor(input: Tensor | Tensor[], scale: number | Tensor, zeroPoint: number | Tensor, dtype: DType): QuantizedTensor | QuantizedTensor[] {
  const fn = 'quantize_per_tensor';
  if (Array.isArray(input)) {
    checkTensor(scale, fn, 'scales');
    checkTensor(zeroPoint, fn, 'zero_points');
    const scales = scale.to(float64).tolist() as number[];
    const points = zeroPoint.to(int64).tolist() as number[];
    if (scales.length !== input.length || points.length !== input.length) {
      throw new RangeError(`${fn}(): expected ${input.length} scales and zero points, one per tensor, got ${scales.length} and ${points.length}`);
    }
    return input.map((t, i) => quantizePerTensor(t, scales[i]!, points[i]!, dtype));
  }
  checkFloatInput(input, fn);
  const range = quantizedRange(dtype, fn);
  const s = scalarOf(scale, fn, 'scale');
  const z = scalarOf(zeroPoint, fn, 'zero_point');
  checkInteger(z, fn, 'zero_point');
  checkScale(s, fn);
  checkZeroPoint(z, range, 'quantize_tensor_per_tensor_affine');
  const integers = noGrad(() => toIntegers(input.detach(), Math.fround(1 / Math.fround(s)), z, range));
  return new QuantizedTensor(integers, dtype, { kind: 'tensor', scale: s, zeroPoint: z });
}

/**
 * `torch.quantize_per_channel(input, scales, zero_points, axis, dtype)`: one scale and zero
 * point per slice of `input` along `axis`.
 *
 * @example
 * const q = torch.quantizePerChannel(w, torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 0, torch.qint8);
 * q.qPerChannelScales(); // tensor([0.1000, 0.2000], dtype=torch.float64)
 */
export function quantizePerChannel(input: Tensor, scales: Tensor, zeroPoints: Tensor, axis: number, dtype: DType): QuantizedTensor {
  const fn = 'quantize_per_channel';
  checkFloatInput(input, fn);
  checkTensor(scales, fn, 'scales');
  checkTensor(zeroPoints, fn, 'zero_points');
  checkInteger(axis, fn, 'axis');
  const range = quantizedRange(dtype, fn);
  const n = input.dim();
  if (axis < 0 || axis >= n) throw new RangeError(`Channel axis out of range in per channel affine quantization. Got: ${axis}Expected: [0, ${n})`);
  const channels = input.shape[axis]!;
  if (scales.dim() !== 1 || scales.numel() !== channels) throw new RangeError('length of scales must equal to channel');
  if (zeroPoints.dim() !== 1 || zeroPoints.numel() !== channels) throw new RangeError('length of zero_points must equal to channel');
  const s = scales.detach().to(float64).clone();
  const z = zeroPoints.detach().to(int64).clone();
  for (const value of s.tolist() as number[]) checkScale(value, fn);
  for (const value of z.tolist() as number[]) checkZeroPoint(value, range, 'quantize_tensor_per_channel_affine');
  const shape = input.shape.map((_, d) => (d === axis ? -1 : 1));
  const integers = noGrad(() =>
    tidy(() => toIntegers(input.detach(), s.to(float32).reciprocal().reshape(shape), z.to(float32).reshape(shape), range)),
  );
  return new QuantizedTensor(integers, dtype, { kind: 'channel', scales: s, zeroPoints: z, axis });
}

/**
 * PyTorch's `ChooseQuantizationParams` (quant_utils.h): the scale and zero point that map
 * [min(lo, 0), max(hi, 0)] onto [qmin, qmax], halved with `reduceRange` (7-bit activations,
 * which PyTorch's x86 kernels need to avoid overflow), in double as PyTorch computes them,
 * with its floor on tiny scales. The scale stays a double, as PyTorch's q_scale() reports it.
 * @internal
 */
export function chooseQuantizationParams(lo: number, hi: number, qmin: number, qmax: number, reduceRange: boolean): { scale: number; zeroPoint: number } {
  if (!(lo <= hi)) throw new RangeError(`In ChooseQuantizationParams, min should be less than or equal to max (min ${lo}, max ${hi})`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`ChooseQuantizationParams: the range [${lo}, ${hi}] is not finite, so it has no quantized form`);
  if (reduceRange) {
    qmin = Math.trunc(qmin / 2);
    qmax = Math.trunc(qmax / 2);
  }
  let min = Math.min(Math.fround(lo), 0);
  let max = Math.max(Math.fround(hi), 0);
  let scale = (max - min) / (qmax - qmin);
  if (Math.fround(scale) === 0 || !Number.isFinite(Math.fround(1 / Math.fround(scale)))) scale = 0.1;
  const SMALL_SCALE_THRESHOLD = Math.fround(6.1e-5);
  if (scale < SMALL_SCALE_THRESHOLD) {
    const original = Math.fround(scale); // a float in PyTorch
    scale = SMALL_SCALE_THRESHOLD;
    // min and max are floats in PyTorch: each product rounds to float32.
    if (min === 0) max = Math.fround(SMALL_SCALE_THRESHOLD * (qmax - qmin));
    else if (max === 0) min = Math.fround(-SMALL_SCALE_THRESHOLD * (qmax - qmin));
    else {
      const amplifier = Math.fround(SMALL_SCALE_THRESHOLD / original);
      min = Math.fround(min * amplifier);
      max = Math.fround(max * amplifier);
    }
  }
  const fromMin = qmin - min / scale;
  const fromMax = qmax - max / scale;
  const errorMin = Math.abs(qmin) - Math.abs(min / scale);
  const errorMax = Math.abs(qmax) - Math.abs(max / scale);
  const initial = errorMin < errorMax ? fromMin : fromMax;
  const zeroPoint = initial < qmin ? qmin : initial > qmax ? qmax : roundHalfEven(initial);
  return { scale, zeroPoint };
}

/** nearbyint in the default rounding mode: to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The range of a float32 tensor, as two numbers (0 and 0 when it is empty). @internal */
export function rangeOf(input: Tensor): [number, number] {
  if (input.numel() === 0) return [0, 0];
  return noGrad(() => tidy(() => [input.min().item(), input.max().item()] as [number, number]));
}

/**
 * `torch.quantize_per_tensor_dynamic(input, dtype, reduce_range)`: quantizes with the scale
 * and zero point that `input`'s own range gives (qint8 or quint8).
 *
 * @example
 * torch.quantizePerTensorDynamic(torch.tensor([-1.0, 0.5, 2.0, 7]), torch.quint8, false).qZeroPoint(); // 32
 */
export function quantizePerTensorDynamic(input: Tensor, dtype: DType, reduceRange: boolean): QuantizedTensor {
  const fn = 'quantize_per_tensor_dynamic';
  checkFloatInput(input, fn);
  checkBoolean(reduceRange, fn, 'reduce_range');
  if (dtype !== qint8 && dtype !== quint8) throw new TypeError(`${fn}(): expected torch.qint8 or torch.quint8, got ${dtype}`);
  const range = quantizedRange(dtype, fn);
  const [lo, hi] = rangeOf(input);
  const { scale, zeroPoint } = chooseQuantizationParams(lo, hi, range.min, range.max, reduceRange);
  return quantizePerTensor(input, scale, zeroPoint, dtype);
}

/**
 * `torch.dequantize`: the float32 values of a quantized tensor (or of each in a list); a
 * Tensor passes through, as PyTorch's dequantize of a float tensor.
 *
 * @example torch.dequantize(torch.quantizePerTensor(torch.tensor([0.26]), 0.1, 0, torch.qint8)) // tensor([0.3000])
 */
export function dequantize(input: QuantizedTensor | Tensor): Tensor;
export function dequantize(input: (QuantizedTensor | Tensor)[]): Tensor[];
export function dequantize(input: QuantizedTensor | Tensor | (QuantizedTensor | Tensor)[]): Tensor | Tensor[] {
  if (Array.isArray(input)) return input.map((t) => dequantize(t));
  if (input instanceof QuantizedTensor) return input.dequantize();
  if (input instanceof Tensor) return input;
  throw argumentError('dequantize', 'tensor', 'a QuantizedTensor', input);
}

/** Makes a per-tensor QuantizedTensor from its integers (already in range). @internal */
export function fromIntegers(integers: Tensor, dtype: DType, scale: number, zeroPoint: number): QuantizedTensor {
  return new QuantizedTensor(integers, dtype, { kind: 'tensor', scale, zeroPoint });
}

/** A scalar tensor, for state dicts. @internal */
export const scalarTensor = (value: number, dtype: DType): Tensor => tensor(value, { dtype });
