/**
 * `torch.ao.nn.quantized.dynamic.Linear` (PyTorch prints it as DynamicQuantizedLinear): a
 * linear layer with int8 weights whose input is quantized on the fly, per call, from its own
 * range, and whose output is float32. This is PyTorch's dynamic quantization for CPU
 * inference: a quarter of the weight memory, and oneDNN's int8 products (entries.mjs,
 * quantizedLinearDynamic). Its state dict has PyTorch's keys: `scale`, `zero_point`, and
 * `_packed_params.dtype` / `_packed_params._packed_params` (the weight and bias, as a pair).
 */
import { Module, type StateDict } from '../nn/module.js';
import type { LocalMetadata } from '../nn/module-hooks.js';
import { Tensor } from '../tensor/tensor.js';
import { type DType, float32, float64, int64, int8, qint8, scalarTypeName } from '../tensor/dtype.js';
import { checkBoolean, checkOptions, checkSize, checkTensor, keysOf } from '../tensor/args.js';
import { tensor, zeros } from '../tensor/creation.js';
import { tidy } from '../memory/storage.js';
import { PackedLinearWeight } from './packed-linear.js';
import { QuantizedTensor } from './qtensor.js';
import { quantizePerChannel, quantizePerTensor } from './quantize.js';

/**
 * The weight and bias of a dynamically quantized linear layer, as PyTorch's
 * LinearPackedParams: a child module whose state dict holds `dtype` and `_packed_params`.
 * @example layer._packed_params.dtype // torch.qint8
 */
export class LinearPackedParams extends Module {
  static override _version = 3;
  dtype: DType;
  /** @internal the packed weight and bias (PyTorch's LinearPackedParamsBase) */
  _packed: PackedLinearWeight;

  constructor(dtype: DType = qint8) {
    super();
    if (dtype !== qint8) throw new TypeError(`Unsupported dtype on dynamic quantized linear: ${dtype} (flint quantizes linear weights to torch.qint8)`);
    this.dtype = dtype;
    this._packed = PackedLinearWeight.pack(new QuantizedTensor(zeros([1, 1], { dtype: int8 }), qint8, { kind: 'tensor', scale: 1, zeroPoint: 0 }), null);
  }

  /** @internal the quantized weight */
  get _weight(): QuantizedTensor {
    return this._packed.weight;
  }

  /** @internal the float bias */
  get _bias(): Tensor | null {
    return this._packed.bias;
  }

  /**
   * Sets the quantized weight (per tensor or per channel along axis 0, zero points 0) and
   * the float bias.
   * @example packed.setWeightBias(torch.quantizePerTensor(w, 0.01, 0, torch.qint8), b)
   */
  setWeightBias(weight: QuantizedTensor, bias: Tensor | null): void {
    this._packed = PackedLinearWeight.pack(weight, bias, 'set_weight_bias');
  }

  override _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean): void {
    super._saveToStateDict(destination, prefix, keepVars);
    // Not tensors: PyTorch's state dict holds the dtype and a (weight, bias) tuple here.
    const entries = destination as unknown as Record<string, unknown>;
    entries[prefix + 'dtype'] = this.dtype;
    entries[prefix + '_packed_params'] = [this._weight, this._bias];
  }

  override _loadFromStateDict(
    stateDict: StateDict,
    prefix: string,
    localMetadata: LocalMetadata,
    strict: boolean,
    missingKeys: string[],
    unexpectedKeys: string[],
    errorMsgs: string[],
  ): void {
    const entries = stateDict as unknown as Record<string, unknown>;
    const dtypeKey = prefix + 'dtype';
    const packedKey = prefix + '_packed_params';
    if (dtypeKey in entries) {
      if (entries[dtypeKey] !== qint8) errorMsgs.push(`While copying ${dtypeKey}: expected torch.qint8, got ${String(entries[dtypeKey])}`);
      delete entries[dtypeKey];
    } else missingKeys.push(dtypeKey);
    if (packedKey in entries) {
      const packed = entries[packedKey];
      delete entries[packedKey];
      if (!Array.isArray(packed) || packed.length !== 2 || !(packed[0] instanceof QuantizedTensor)) {
        errorMsgs.push(`While copying ${packedKey}: expected a [QuantizedTensor, Tensor | null] pair`);
      } else {
        try {
          this.setWeightBias(packed[0], packed[1] as Tensor | null);
        } catch (e) {
          errorMsgs.push(`While copying ${packedKey}: ${(e as Error).message}`);
        }
      }
    } else missingKeys.push(packedKey);
    super._loadFromStateDict(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }
}


/** Options of `nn.quantized.dynamic.Linear` (PyTorch's `bias_` and `dtype`). @example { bias: false } */
export interface DynamicLinearOptions {
  /** Whether the layer adds a bias (PyTorch's `bias_`). Default true. */
  bias?: boolean;
  /** The weight's dtype: `torch.qint8`, the default and the one flint supports. */
  dtype?: DType;
}
const DYNAMIC_LINEAR_KEYS = keysOf<DynamicLinearOptions>()('bias', 'dtype');

/**
 * A linear layer with int8 weights and float32 input and output, as PyTorch's
 * `torch.ao.nn.quantized.dynamic.Linear`. Usually made by `torch.ao.quantization.quantizeDynamic`
 * from a trained `nn.Linear`, or with `Linear.fromFloat(linear)`.
 *
 * @example
 * const q = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]), torch.qint8);
 * q(x); // float32, from int8 products
 */
export class Linear extends Module {
  static override _version = 4;
  inFeatures: number;
  outFeatures: number;
  /** Always 1 and 0 (a dynamic layer has no output quantization); kept for the state dict. */
  scale = 1;
  zeroPoint = 0;
  declare _packed_params: LinearPackedParams;

  constructor(inFeatures: number, outFeatures: number, options: DynamicLinearOptions = {}) {
    super();
    checkSize(inFeatures, 'DynamicQuantizedLinear', 'inFeatures');
    checkSize(outFeatures, 'DynamicQuantizedLinear', 'outFeatures');
    checkOptions(options, 'DynamicQuantizedLinear', DYNAMIC_LINEAR_KEYS);
    const bias = options.bias ?? true;
    checkBoolean(bias, 'DynamicQuantizedLinear', 'bias');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this._packed_params = new LinearPackedParams(options.dtype ?? qint8);
    const weight = new QuantizedTensor(zeros([outFeatures, inFeatures], { dtype: int8 }), qint8, { kind: 'tensor', scale: 1, zeroPoint: 0 });
    this._packed_params.setWeightBias(weight, bias ? zeros([outFeatures]) : null);
  }

  /**
   * PyTorch's `from_float`: quantizes an `nn.Linear`'s weight to qint8 with the scheme of
   * `qconfig` (per tensor by default; `perChannelDynamicQconfig` for one scale per output
   * feature), keeping its bias as float.
   * @example const q = torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.Linear(4, 3));
   */
  static fromFloat(mod: Module, qconfig: { perChannel: boolean } = { perChannel: false }): Linear {
    const linear = mod as unknown as { weight?: unknown; bias?: unknown; inFeatures?: unknown; outFeatures?: unknown };
    if (!(linear.weight instanceof Tensor) || typeof linear.inFeatures !== 'number' || typeof linear.outFeatures !== 'number') {
      throw new TypeError(`nnqd.Linear.from_float only works for nn.Linear, got ${mod._getName()}`);
    }
    const weight = linear.weight.detach().to(float32);
    const q = quantizeWeight(weight, qconfig.perChannel);
    const layer = new Linear(linear.inFeatures, linear.outFeatures, { bias: false });
    layer._packed_params.setWeightBias(q, linear.bias instanceof Tensor ? linear.bias : null);
    return layer;
  }

  /** The quantized weight. @example layer.weight().intRepr() */
  weight(): QuantizedTensor {
    return this._packed_params._weight;
  }

  /** The float bias, or null. @example layer.bias() */
  bias(): Tensor | null {
    return this._packed_params._bias;
  }

  override forward(input: Tensor): Tensor {
    checkTensor(input, 'DynamicQuantizedLinear', 'input');
    if (input.dtype !== float32) throw new TypeError(`qlinear_dynamic: data type of input should be float, got ${scalarTypeName(input.dtype)}`);
    if (input.device.type !== 'cpu') throw new Error(`qlinear_dynamic: dynamically quantized linear layers run on the CPU only, as in PyTorch; the input is on ${input.device}`);
    if (input.dim() < 2) throw new RangeError('The dimension of input tensor should be larger than or equal to 2');
    const k = input.size(-1);
    if (k !== this.inFeatures) throw new RangeError(`DynamicQuantizedLinear: expected input with ${this.inFeatures} features in its last dimension, got shape [${input.shape.join(', ')}]`);
    const packed = this._packed_params;
    return tidy(() => {
      const rows = input.detach().reshape([-1, k]).contiguous();
      // The kernel takes the input's range and picks its scale and zero point, as PyTorch's
      // engines do (ChooseQuantizationParams, with the reduce_range its x86 engines ask for).
      return packed._packed.applyDynamic(rows, rows.size(0), true).reshape([...input.shape.slice(0, -1), this.outFeatures]);
    });
  }

  override _getName(): string {
    return 'DynamicQuantizedLinear';
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, dtype=${this._packed_params.dtype}, qscheme=${this.weight().qscheme()}`;
  }

  /** Hides `_packed_params`, as PyTorch's repr of quantized layers does. @example String(layer) */
  override toString(): string {
    return `${this._getName()}(${this.extraRepr()})`;
  }

  override _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean): void {
    super._saveToStateDict(destination, prefix, keepVars);
    destination[prefix + 'scale'] = tensor(this.scale, { dtype: float32 });
    destination[prefix + 'zero_point'] = tensor(this.zeroPoint, { dtype: int64 });
  }

  override _loadFromStateDict(
    stateDict: StateDict,
    prefix: string,
    localMetadata: LocalMetadata,
    strict: boolean,
    missingKeys: string[],
    unexpectedKeys: string[],
    errorMsgs: string[],
  ): void {
    for (const key of ['scale', 'zero_point']) {
      if (prefix + key in stateDict) delete stateDict[prefix + key];
      else missingKeys.push(prefix + key);
    }
    super._loadFromStateDict(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }
}

/**
 * A float32 weight [out, in] quantized as PyTorch's dynamic qconfigs observe it: symmetric
 * qint8, one scale (`default_dynamic_qconfig`) or one per output feature
 * (`per_channel_dynamic_qconfig`).
 * @example const q = quantizeWeight(linear.weight.detach(), false)
 */
export function quantizeWeight(weight: Tensor, perChannel: boolean): QuantizedTensor {
  return perChannel ? quantizeWeightPerChannel(weight) : quantizeWeightPerTensor(weight);
}

/**
 * PyTorch's default dynamic weight observer (MinMaxObserver, qint8, per_tensor_symmetric):
 * scale = max(|min|, |max|) / 127.5 in float32, at least float32's eps, zero point 0.
 */
function quantizeWeightPerTensor(weight: Tensor): QuantizedTensor {
  const scale = tidy(() => symmetricScales(weight.reshape([1, -1])).item());
  return quantizePerTensor(weight, scale, 0, qint8);
}

/** As quantizeWeightPerTensor, one scale per output feature (PerChannelMinMaxObserver, axis 0). */
function quantizeWeightPerChannel(weight: Tensor): QuantizedTensor {
  const scales = tidy(() => symmetricScales(weight).to(float64));
  return quantizePerChannel(weight, scales, zeros([weight.size(0)], { dtype: int64 }), 0, qint8);
}

/** max(|min(row, 0)|, max(row, 0)) / 127.5 per row, floored at float32's eps, in float32. */
function symmetricScales(rows: Tensor): Tensor {
  if (rows.size(1) === 0) return zeros([rows.size(0)]).add(1);
  const lo = rows.amin(1).clampMax(0);
  const hi = rows.amax(1).clampMin(0);
  return lo.neg().maximum(hi).div(127.5).clampMin(EPS);
}

/** torch.finfo(torch.float32).eps, the observers' floor on a scale. */
const EPS = 2 ** -23;
