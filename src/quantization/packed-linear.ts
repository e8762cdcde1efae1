/**
 * An int8 weight and its float bias packed for the dynamic int8 product: PyTorch's
 * `torch.classes.quantized.LinearPackedParamsBase`, the object that `linear_prepack` makes and
 * that dynamic Linear, LSTM, GRU and the cells hold. The weight is transposed once here to
 * [inFeatures, outFeatures], as the kernel reads it (entries.mjs, quantizedLinearDynamic).
 */
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { float32, qint8, scalarTypeName } from '../tensor/dtype.js';
import { CPU } from '../tensor/device.js';
import { argumentError, checkTensor } from '../tensor/args.js';
import * as call from '../native/calls.generated.js';
import { fresh, type ViewArg } from '../native/meta.js';
import { tensor } from '../tensor/creation.js';
import { keep } from '../memory/storage.js';
import { ScriptObject } from '../serialization/script-object.js';
import { QuantizedTensor } from './qtensor.js';

/** The torchbind class PyTorch pickles a packed linear weight as. */
export const LINEAR_PACKED_PARAMS = '__torch__.torch.classes.quantized.LinearPackedParamsBase';

/**
 * A qint8 weight [outFeatures, inFeatures] (per tensor, or per channel along axis 0, zero
 * points 0) and an optional float32 bias, ready for `applyDynamic`.
 * @example const packed = PackedLinearWeight.pack(torch.quantizePerTensor(w, 0.01, 0, torch.qint8), b)
 */
export class PackedLinearWeight {
  /** @internal */
  private constructor(
    /** The quantized weight, the layer's own copy. */
    readonly weight: QuantizedTensor,
    /** The float32 bias, or null. */
    readonly bias: Tensor | null,
    /** @internal the weight's integers transposed, [inFeatures, outFeatures] contiguous */
    readonly _columns: Tensor,
    /** @internal the weight's scales as float32 (one, or one per output feature) */
    readonly _scales: Tensor,
  ) {}

  /**
   * PyTorch's `linear_prepack(weight, bias)`: checks the weight and bias and keeps copies of
   * them (held from any tidy scope, as a module's parameters are).
   * @example PackedLinearWeight.pack(qweight, null)
   */
  static pack(weight: QuantizedTensor, bias: Tensor | null, fn = 'linear_prepack'): PackedLinearWeight {
    if (!(weight instanceof QuantizedTensor)) throw argumentError(fn, 'weight', 'a QuantizedTensor', weight);
    if (weight.dtype !== qint8) throw new TypeError(`${fn}(): expected a torch.qint8 weight, got ${weight.dtype}`);
    if (weight.dim() !== 2) throw new RangeError(`${fn}(): expected a 2-D weight [outFeatures, inFeatures], got ${weight.dim()}-D`);
    const q = weight._quantizer;
    if (q.kind === 'channel' && q.axis !== 0) throw new RangeError(`${fn}(): a per-channel weight must be quantized along axis 0, got axis ${q.axis}`);
    const zeroPoints = q.kind === 'tensor' ? [q.zeroPoint] : (q.zeroPoints.tolist() as number[]);
    // PyTorch's oneDNN engine has the same rule; its x86 engine would take an offset weight.
    if (zeroPoints.some((z) => z !== 0)) throw new RangeError(`${fn}(): the weight must be quantized symmetrically (zero points 0), as the int8 kernels need`);
    const n = weight.size(0);
    if (bias !== null) {
      checkTensor(bias, fn, 'bias');
      if (bias.dim() !== 1 || bias.size(0) !== n) throw new RangeError(`${fn}(): expected a bias of shape [${n}], got [${bias.shape.join(', ')}]`);
      if (!bias.dtype.isFloatingPoint) throw new TypeError(`${fn}(): expected a floating-point bias, got ${scalarTypeName(bias.dtype)}`);
    }
    const own = weight.clone();
    for (const t of own._tensors()) keep(t);
    return new PackedLinearWeight(
      own,
      bias === null ? null : keep(bias.detach().to(float32).clone()),
      keep(weight._int.t().contiguous()),
      keep(q.kind === 'tensor' ? tensor([q.scale], { dtype: float32 }) : q.scales.to(float32).contiguous()),
    );
  }

  /** The weight's output features (its rows). @example packed.outFeatures */
  get outFeatures(): number {
    return this.weight.size(0);
  }

  /** The weight's input features (its columns). @example packed.inFeatures */
  get inFeatures(): number {
    return this.weight.size(1);
  }

  /**
   * PyTorch's `apply_dynamic`: `rows` (float32 [m, inFeatures], contiguous) quantized to uint8
   * from its own range, times the weight, plus the bias, as a new float32 [m, outFeatures].
   * `reduceRange` narrows the input to 7 bits, as PyTorch's x86 engines ask.
   * @example const y = packed.applyDynamic(x, x.size(0), true)
   */
  applyDynamic(rows: Tensor | ViewArg, m: number, reduceRange: boolean): Tensor {
    const n = this.outFeatures;
    const handle = call.quantizedLinearDynamic(fresh(float32, [m, n]), rows, this._columns, this._scales, this.bias, reduceRange);
    return fromHandle(handle, [m, n], float32, CPU);
  }

  /**
   * Frees the packed weight's memory now, for a pack that nothing else can hold (one replaced
   * before it was ever exposed); others are left to the garbage collector, as a state dict
   * may still refer to their tensors.
   * @internal
   */
  _dispose(): void {
    for (const t of [...this.weight._tensors(), this.bias, this._columns, this._scales]) t?.dispose();
  }

  /** The torchbind object torch.save writes: state (weight, bias). @example torch.save({ p: packed.toScriptObject() }, f) */
  toScriptObject(): ScriptObject {
    return new ScriptObject(LINEAR_PACKED_PARAMS, [this.weight, this.bias]);
  }

  /**
   * The packed weight a checkpoint holds (a LinearPackedParamsBase object), checked as
   * `linear_prepack` checks its arguments.
   * @example PackedLinearWeight.fromScriptObject(state['cell._packed_weight_ih'])
   */
  static fromScriptObject(obj: unknown): PackedLinearWeight {
    if (!(obj instanceof ScriptObject) || obj.qualifiedName !== LINEAR_PACKED_PARAMS) {
      throw new TypeError(`expected a ${LINEAR_PACKED_PARAMS} object, got ${obj instanceof ScriptObject ? obj.qualifiedName : describe(obj)}`);
    }
    const state = obj.state;
    if (state.length !== 2 || !(state[0] instanceof QuantizedTensor) || !(state[1] === null || state[1] instanceof Tensor)) {
      throw new TypeError(`expected a LinearPackedParamsBase state (qint8 weight, bias or None), got (${state.map(describe).join(', ')})`);
    }
    return PackedLinearWeight.pack(state[0], state[1] as Tensor | null);
  }
}

/** A loaded value's kind, for messages. */
function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof QuantizedTensor) return `a ${v.dtype} QuantizedTensor`;
  if (v instanceof Tensor) return `a ${v.dtype} Tensor`;
  if (Array.isArray(v)) return 'a list';
  return typeof v;
}
