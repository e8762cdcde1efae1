/**
 * Quantized tensors, as PyTorch's `qint8`/`quint8`/`qint32` tensors: integers with the scale
 * and zero point that map them to real values, `x ≈ (q - zeroPoint) · scale`, one pair for
 * the whole tensor or one per slice along an axis.
 *
 * A QuantizedTensor is not a Tensor: flint has no quantized kernels besides the dynamically
 * quantized linear layer, so arithmetic on one would silently compute on its integers. It
 * answers PyTorch's quantized-tensor queries and converts back with `dequantize()`; passing
 * one where a Tensor is expected is an error.
 */
import { inspect } from 'node:util';
import { Tensor } from '../tensor/tensor.js';
import { type DType, float32, float64 } from '../tensor/dtype.js';
import { tidy } from '../memory/storage.js';
import { formatTensor } from '../tensor/format.js';
import { pyFloat } from '../nn/repr.js';
import { perChannelAffine, perTensorAffine, type QScheme } from './qscheme.js';

/** How a QuantizedTensor's integers map to values. @internal */
export type Quantizer = { kind: 'tensor'; scale: number; zeroPoint: number } | { kind: 'channel'; scales: Tensor; zeroPoints: Tensor; axis: number };

/**
 * A quantized tensor. Made by `torch.quantizePerTensor`, `torch.quantizePerChannel` and
 * `torch.quantizePerTensorDynamic`, and held by quantized modules (`weight()` of a
 * `nn.quantized.dynamic.Linear`).
 *
 * @example
 * const q = torch.quantizePerTensor(torch.tensor([-1.0, 0.5, 2.0]), 0.1, 3, torch.quint8);
 * q.intRepr();    // tensor([ 0, 8, 23], dtype=torch.uint8)
 * q.dequantize(); // tensor([-0.3000,  0.5000,  2.0000])
 */
export class QuantizedTensor {
  /** Always true, as PyTorch's `is_quantized`. */
  readonly isQuantized = true;

  /** @internal */
  constructor(
    /** @internal the integers: an int8, uint8 or int32 tensor */
    readonly _int: Tensor,
    /** `torch.qint8`, `torch.quint8` or `torch.qint32`. */
    readonly dtype: DType,
    /** @internal */
    readonly _quantizer: Quantizer,
  ) {}

  /** The sizes. @example q.shape // [3, 4] */
  get shape(): number[] {
    return this._int.shape;
  }

  /** The device of the integers (the CPU: PyTorch's quantized CPU tensors). @example q.device */
  get device() {
    return this._int.device;
  }

  /** Quantized tensors take no gradient. @example q.requiresGrad // false */
  get requiresGrad(): boolean {
    return false;
  }

  /** The sizes, or one of them. @example q.size(0) */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    return dim === undefined ? this._int.size() : this._int.size(dim);
  }

  /** The number of dimensions. @example q.dim() */
  dim(): number {
    return this._int.dim();
  }

  /** The number of elements. @example q.numel() */
  numel(): number {
    return this._int.numel();
  }

  /** The scheme: `torch.perTensorAffine` or `torch.perChannelAffine`. @example q.qscheme() */
  qscheme(): QScheme {
    return this._quantizer.kind === 'tensor' ? perTensorAffine : perChannelAffine;
  }

  /** The scale of a per-tensor quantized tensor. @example q.qScale() // 0.1 */
  qScale(): number {
    return this.perTensor('q_scale').scale;
  }

  /** The zero point of a per-tensor quantized tensor. @example q.qZeroPoint() // 3 */
  qZeroPoint(): number {
    return this.perTensor('q_zero_point').zeroPoint;
  }

  /** The scales of a per-channel quantized tensor (float64). @example q.qPerChannelScales() */
  qPerChannelScales(): Tensor {
    return this.perChannel('q_per_channel_scales').scales.clone();
  }

  /** The zero points of a per-channel quantized tensor (int64). @example q.qPerChannelZeroPoints() */
  qPerChannelZeroPoints(): Tensor {
    return this.perChannel('q_per_channel_zero_points').zeroPoints.clone();
  }

  /** The axis of a per-channel quantized tensor. @example q.qPerChannelAxis() // 0 */
  qPerChannelAxis(): number {
    return this.perChannel('q_per_channel_axis').axis;
  }

  /** The integers, as a new int8, uint8 or int32 tensor. @example q.intRepr() */
  intRepr(): Tensor {
    return this._int.clone();
  }

  /**
   * The values, `(q - zeroPoint) · scale` in float32.
   * @example torch.quantizePerTensor(torch.tensor([0.26]), 0.1, 0, torch.qint8).dequantize() // tensor([0.3000])
   */
  dequantize(): Tensor {
    const q = this._quantizer;
    if (q.kind === 'tensor') return tidy(() => this._int.to(float32).sub(q.zeroPoint).mul(Math.fround(q.scale)));
    const shape = this._int.shape.map((_, d) => (d === q.axis ? -1 : 1));
    // Per channel, PyTorch multiplies by the double scale and rounds once.
    return tidy(() => this._int.to(float64).sub(q.zeroPoints.reshape(shape)).mul(q.scales.reshape(shape)).to(float32));
  }

  /** A copy, with its own integers. @example q.clone() */
  clone(): QuantizedTensor {
    const q = this._quantizer;
    return new QuantizedTensor(this._int.clone(), this.dtype, q.kind === 'tensor' ? { ...q } : { ...q, scales: q.scales.clone(), zeroPoints: q.zeroPoints.clone() });
  }

  /** @internal the tensors it holds (the integers, and per channel the scales and zero points), for `tidy` */
  _tensors(): Tensor[] {
    const q = this._quantizer;
    return q.kind === 'tensor' ? [this._int] : [this._int, q.scales, q.zeroPoints];
  }

  /** Frees the integers now, rather than at the next collection. @example q.dispose() */
  dispose(): void {
    this._int.dispose();
    if (this._quantizer.kind === 'channel') {
      this._quantizer.scales.dispose();
      this._quantizer.zeroPoints.dispose();
    }
  }

  /**
   * PyTorch's repr: the dequantized values, then the size, dtype and quantization parameters.
   * @example String(torch.quantizePerTensor(torch.tensor([0.5]), 0.1, 0, torch.qint8))
   */
  toString(): string {
    const q = this._quantizer;
    const suffixes = [`size=(${this.shape.join(', ')}${this.shape.length === 1 ? ',' : ''})`, `dtype=${this.dtype}`, `quantization_scheme=${this.qscheme()}`];
    if (q.kind === 'tensor') suffixes.push(`scale=${pyFloat(q.scale)}`, `zero_point=${q.zeroPoint}`);
    else suffixes.push(`scale=${q.scales}`, `zero_point=${q.zeroPoints}`, `axis=${q.axis}`);
    const values = this.dequantize();
    const numbers = values.dataSync() as Float32Array;
    values.dispose();
    // An empty tensor prints `[]` with the one size suffix above (formatTensor would add another).
    const shape = this.numel() === 0 ? [0] : this.shape;
    return formatTensor({ shape, get: (i) => numbers[i]!, kind: 'float', suffixes });
  }

  [inspect.custom](): string {
    return this.toString();
  }

  private perTensor(method: string): { scale: number; zeroPoint: number } {
    const q = this._quantizer;
    if (q.kind !== 'tensor') throw new Error(`Expected quantizer to be PerTensorAffineQuantizer (${method}), got ${this.qscheme()}`);
    return q;
  }

  private perChannel(method: string): { scales: Tensor; zeroPoints: Tensor; axis: number } {
    const q = this._quantizer;
    if (q.kind !== 'channel') throw new Error(`Expected quantizer to be PerChannelAffineQuantizer (${method}), got ${this.qscheme()}`);
    return q;
  }
}
