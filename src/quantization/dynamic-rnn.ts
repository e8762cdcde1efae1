/**
 * `torch.ao.nn.quantized.dynamic.LSTM` and `GRU` (printed DynamicQuantizedLSTM and
 * DynamicQuantizedGRU): recurrent layers whose W_ih and W_hh are int8, with float32 input,
 * states and output, as PyTorch's dynamic quantization makes them from a trained nn.LSTM or
 * nn.GRU. The weights sit in `_all_weight_values`, one PackedParameter per layer and
 * direction, each holding PyTorch's CellParamsBase object, so that a state dict saved by
 * either library loads in the other.
 */
import { Module, type StateDict } from '../nn/module.js';
import type { LocalMetadata } from '../nn/module-hooks.js';
import { ModuleList } from '../nn/containers.js';
import { PackedSequence } from '../nn/utils/rnn.js';
import { pyRepr } from '../nn/repr.js';
import { GRU as FloatGRU, LSTM as FloatLSTM } from '../nn/layers/rnn.js';
import { moduleRepr } from '../nn/repr.js';
import { Tensor } from '../tensor/tensor.js';
import { type DType, float32, qint8 } from '../tensor/dtype.js';
import { randn, zeros } from '../tensor/creation.js';
import { checkPositiveInteger, keysOf, positionalOptions } from '../tensor/args.js';
import { indexSelect } from '../ops/indexing.js';
import { reshape, transpose } from '../ops/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { ScriptObject } from '../serialization/script-object.js';
import { PackedLinearWeight } from './packed-linear.js';
import type { QuantizedTensor } from './qtensor.js';
import { quantizePerTensor } from './quantize.js';
import { quantizeWeight } from './dynamic-linear.js';
import { runQuantizedStack, type QuantizedDirection } from './dynamic-rnn-steps.js';

/** The torchbind class PyTorch pickles a layer-direction's weights as. */
const CELL_PARAMS = '__torch__.torch.classes.rnn.CellParamsBase';

/**
 * One layer-direction's packed W_ih and W_hh (biases inside), as PyTorch's
 * QuantizedCellParamsDynamic, and its CellParamsBase state in checkpoints:
 * ('quantized_dynamic', [b_ih, b_hh], [], [reduce_range], [packed_ih, packed_hh]).
 * @example const params = CellParamsDynamic.fromScriptObject(state['lstm._all_weight_values.0.param'], 'param')
 */
export class CellParamsDynamic implements QuantizedDirection {
  constructor(
    readonly ih: PackedLinearWeight,
    readonly hh: PackedLinearWeight,
    readonly reduceRange: boolean,
  ) {}

  /** The object torch.save writes. @example sd['rnn._all_weight_values.0.param'] = params.toScriptObject() */
  toScriptObject(): ScriptObject {
    return new ScriptObject(CELL_PARAMS, ['quantized_dynamic', [this.ih.bias, this.hh.bias], [], [this.reduceRange ? 1 : 0], [this.ih.toScriptObject(), this.hh.toScriptObject()]]);
  }

  /**
   * A layer-direction's weights from a checkpoint's CellParamsBase object, checked.
   * @example CellParamsDynamic.fromScriptObject(state['lstm._all_weight_values.0.param'])
   */
  static fromScriptObject(obj: unknown): CellParamsDynamic {
    if (!(obj instanceof ScriptObject) || obj.qualifiedName !== CELL_PARAMS) {
      throw new TypeError(`expected a ${CELL_PARAMS} object, got ${obj instanceof ScriptObject ? obj.qualifiedName : typeof obj}`);
    }
    const [kind, biases, , ints, packed] = obj.state;
    if (kind !== 'quantized_dynamic') {
      throw new TypeError(`flint reads dynamically quantized int8 cell parameters ('quantized_dynamic'), got ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 100)) : typeof kind}`);
    }
    if (!Array.isArray(packed) || packed.length !== 2) throw new TypeError('expected two packed weights (W_ih, W_hh)');
    if (!Array.isArray(ints)) throw new TypeError('expected a list of integer fields');
    // As PyTorch's __setstate__ asserts: b_ih and b_hh (the products use the packed copies).
    if (!Array.isArray(biases) || biases.length !== 2 || !biases.every((b) => b instanceof Tensor)) throw new TypeError('expected a list of two bias tensors (b_ih, b_hh)');
    const unpack = (p: unknown, which: string) => {
      try {
        return PackedLinearWeight.fromScriptObject(p);
      } catch (e) {
        throw new TypeError(`${which}: ${(e as Error).message}`);
      }
    };
    const ih = unpack(packed[0], 'W_ih');
    const hh = unpack(packed[1], 'W_hh');
    // As QuantizedCellParamsDynamic's __setstate__: no integer field means reduce_range off.
    return new CellParamsDynamic(ih, hh, ints.length > 0 && ints[0] !== 0 && ints[0] !== false);
  }
}

/**
 * PyTorch's PackedParameter: a module whose one state-dict entry, `param`, is an object
 * rather than a tensor (here a layer-direction's CellParamsBase).
 * @example layer._all_weight_values.at(0).param.ih.weight
 */
export class PackedParameter extends Module {
  param: CellParamsDynamic;

  constructor(param: CellParamsDynamic) {
    super();
    this.param = param;
  }

  override forward(): never {
    throw new Error('PackedParameter has no forward: it holds a quantized layer-direction\'s weights');
  }

  override _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean): void {
    super._saveToStateDict(destination, prefix, keepVars);
    (destination as unknown as Record<string, unknown>)[prefix + 'param'] = this.param.toScriptObject();
  }

  override _loadFromStateDict(
    stateDict: StateDict, prefix: string, localMetadata: LocalMetadata, strict: boolean,
    missingKeys: string[], unexpectedKeys: string[], errorMsgs: string[],
  ): void {
    const entries = stateDict as unknown as Record<string, unknown>;
    const key = prefix + 'param';
    if (key in entries) {
      try {
        const param = CellParamsDynamic.fromScriptObject(entries[key]);
        const old = this.param;
        checkSameShape(old.ih, param.ih, key, 'W_ih');
        checkSameShape(old.hh, param.hh, key, 'W_hh');
        this.param = param;
      } catch (e) {
        errorMsgs.push(`While copying ${key}: ${(e as Error).message}`);
      }
      delete entries[key];
    } else missingKeys.push(key);
    super._loadFromStateDict(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }
}

function checkSameShape(old: PackedLinearWeight, loaded: PackedLinearWeight, key: string, what: string): void {
  if (old.outFeatures !== loaded.outFeatures || old.inFeatures !== loaded.inFeatures) {
    throw new RangeError(
      `size mismatch for ${key} (${what}): copying a weight with shape [${loaded.outFeatures}, ${loaded.inFeatures}] from checkpoint, ` +
        `the shape in current model is [${old.outFeatures}, ${old.inFeatures}]`,
    );
  }
}

/** The keywords of the quantized recurrent layers (PyTorch's, camelCased). */
export interface DynamicRNNOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  /** The weights' dtype: torch.qint8 (flint does not yet quantize recurrent weights to float16). */
  dtype?: DType;
}
const RNN_KEYS = keysOf<DynamicRNNOptions>()('numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype');
const POSITIONAL = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype'] as const;

type Rest = (number | boolean | DType | DynamicRNNOptions)[];

/** The shape PyTorch prints in its size messages: `(1, 2, 4)`. */
const tupleOf = (shape: readonly number[]) => `(${shape.join(', ')})`;

/**
 * The base of the dynamically quantized LSTM and GRU (PyTorch's
 * `torch.ao.nn.quantized.dynamic.RNNBase`).
 * @example const q = torch.ao.nn.quantized.dynamic.LSTM.fromFloat(lstm)
 */
export class DynamicRNNBase<Out = unknown> extends Module<Out> {
  static override _version = 2;
  readonly mode: 'LSTM' | 'GRU';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  dtype: DType;
  declare _all_weight_values: ModuleList<PackedParameter>;

  constructor(mode: 'LSTM' | 'GRU', inputSize: number, hiddenSize: number, rest: Rest) {
    super();
    const name = mode === 'LSTM' ? 'DynamicQuantizedLSTM' : 'DynamicQuantizedGRU';
    const options = positionalOptions<DynamicRNNOptions>(name, rest, POSITIONAL, RNN_KEYS);
    this.mode = mode;
    const numLayers = options.numLayers ?? 1;
    checkPositiveInteger(inputSize, name, 'input_size');
    checkPositiveInteger(hiddenSize, name, 'hidden_size');
    checkPositiveInteger(numLayers, name, 'num_layers');
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new RangeError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    if (dropout > 0 && this.numLayers === 1) {
      process.emitWarning(
        'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, ' +
          `but got dropout=${dropout} and num_layers=${this.numLayers}`,
        'UserWarning',
      );
    }
    for (const key of ['bias', 'batchFirst', 'bidirectional'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new TypeError(`${name}(): ${key} must be a boolean, got ${typeof options[key]}`);
    }
    const dtype = options.dtype ?? qint8;
    if (dtype !== qint8) throw new TypeError(`${name}(): Unsupported dtype for dynamic RNN quantization: ${String(dtype)} (flint quantizes recurrent weights to torch.qint8)`);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    this.dtype = dtype;
    // As PyTorch's constructor: random weights quantized with scale 0.1 (and random biases),
    // drawn in its order, for a layer that a state dict or fromFloat then fills.
    const gateSize = (mode === 'LSTM' ? 4 : 3) * hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    const values: PackedParameter[] = [];
    tidy(() => {
      for (let layer = 0; layer < this.numLayers; layer++) {
        for (let d = 0; d < dirs; d++) {
          const layerInput = layer === 0 ? inputSize : hiddenSize * dirs;
          const wIh = randn([gateSize, layerInput]);
          const wHh = randn([gateSize, hiddenSize]);
          const bIh = randn([gateSize]);
          const bHh = randn([gateSize]);
          const ih = PackedLinearWeight.pack(quantizePerTensor(wIh, 0.1, 0, qint8), bIh);
          const hh = PackedLinearWeight.pack(quantizePerTensor(wHh, 0.1, 0, qint8), bHh);
          values.push(new PackedParameter(new CellParamsDynamic(ih, hh, true)));
        }
      }
    });
    this._all_weight_values = new ModuleList(values);
    this.training = false;
  }

  /**
   * PyTorch's `from_float`: quantizes an nn.LSTM's or nn.GRU's weights to qint8 (per tensor, or
   * per output feature with `perChannelDynamicQconfig`), keeping the biases float.
   * @example const q = torch.ao.nn.quantized.dynamic.LSTM.fromFloat(lstm)
   */
  static fromFloat<T extends DynamicRNNBase<any>>(this: { prototype: T }, mod: Module<any>, qconfig: { perChannel: boolean } = { perChannel: false }): T { // eslint-disable-line @typescript-eslint/no-explicit-any
    const float = mod as unknown as {
      mode?: string; inputSize: number; hiddenSize: number; numLayers: number; bias: boolean; batchFirst: boolean;
      dropout: number; bidirectional: boolean; projSize?: number;
    };
    const cls: unknown = mod.constructor;
    if (cls !== FloatLSTM && cls !== FloatGRU) {
      throw new TypeError(`nn.quantized.dynamic.RNNBase.from_float only works for nn.LSTM and nn.GRU, got ${mod._getName()}`);
    }
    // Called on LSTM or GRU itself, it takes that layer's float class only.
    const want = (this as { _floatMode?: 'LSTM' | 'GRU' })._floatMode;
    if (want !== undefined && float.mode !== want) {
      throw new TypeError(`nn.quantized.dynamic.${want}.from_float: got an nn.${float.mode}; use nn.quantized.dynamic.${float.mode}`);
    }
    if (!float.bias) throw new Error(`nn.quantized.dynamic.RNNBase.from_float: the ${float.mode} must have biases (bias=true), as PyTorch requires`);
    if ((float.projSize ?? 0) > 0) throw new Error('nn.quantized.dynamic.RNNBase.from_float: an LSTM with projections (projSize > 0) cannot be quantized dynamically; PyTorch\'s quantized LSTM has no projection weights');
    const options: DynamicRNNOptions = { numLayers: float.numLayers, bias: float.bias, batchFirst: float.batchFirst, dropout: float.dropout, bidirectional: float.bidirectional };
    const q = float.mode === 'LSTM' ? new LSTM(float.inputSize, float.hiddenSize, options) : new GRU(float.inputSize, float.hiddenSize, options);
    const dirs = float.bidirectional ? 2 : 1;
    const values: PackedParameter[] = [];
    tidy(() => {
      for (let layer = 0; layer < float.numLayers; layer++) {
        for (let d = 0; d < dirs; d++) {
          const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
          const pack = (kind: string) => {
            const weight = mod._parameters.get(`weight_${kind}${suffix}`)!;
            const bias = mod._parameters.get(`bias_${kind}${suffix}`)!;
            return PackedLinearWeight.pack(quantizeWeight(weight.detach().to(float32), qconfig.perChannel), bias);
          };
          values.push(new PackedParameter(new CellParamsDynamic(pack('ih'), pack('hh'), true)));
        }
      }
    });
    // The constructor's random weights were never exposed: free them now.
    for (const p of q._all_weight_values) {
      p.param.ih._dispose();
      p.param.hh._dispose();
    }
    q._all_weight_values = new ModuleList(values);
    return q as unknown as T;
  }

  /**
   * The quantized weights by PyTorch's names (`weight_ih_l0`, `weight_hh_l0_reverse`, ...),
   * as PyTorch's `get_weight()`.
   * @example q.getWeight().weight_ih_l0.intRepr()
   */
  getWeight(): Record<string, QuantizedTensor> {
    const out: Record<string, QuantizedTensor> = {};
    this._eachDirection((suffix, p) => {
      out[`weight_ih${suffix}`] = p.ih.weight;
      out[`weight_hh${suffix}`] = p.hh.weight;
    });
    return out;
  }

  /** The float biases by PyTorch's names (`bias_ih_l0`, ...), as PyTorch's `get_bias()`. @example q.getBias().bias_ih_l0 */
  getBias(): Record<string, Tensor | null> {
    const out: Record<string, Tensor | null> = {};
    this._eachDirection((suffix, p) => {
      out[`bias_ih${suffix}`] = p.ih.bias;
      out[`bias_hh${suffix}`] = p.hh.bias;
    });
    return out;
  }

  private _eachDirection(fn: (suffix: string, p: CellParamsDynamic) => void): void {
    const dirs = this.bidirectional ? 2 : 1;
    let k = 0;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < dirs; d++) fn(`_l${layer}${d === 1 ? '_reverse' : ''}`, this._all_weight_values.at(k++).param);
    }
  }

  /**
   * The shared forward: `hx` is [h0] or [h0, c0] (or null), each [L*D, B, H] in the caller's
   * batch order. Returns the output (as the input came: a tensor or a PackedSequence) and the
   * final states.
   */
  protected _forward(input: Tensor | PackedSequence, hx: Tensor[] | null, labels: string[]): [Tensor | PackedSequence, Tensor[]] {
    const name = this._getName();
    let data: Tensor;
    let batchSizes: number[];
    let packed: PackedSequence | null = null;
    if (input instanceof PackedSequence) {
      packed = input;
      data = input.data;
      batchSizes = input._batchSizes();
      if (data.dim() !== 2) throw new RangeError(`input must have 2 dimensions, got ${data.dim()}`);
    } else {
      if (!(input instanceof Tensor)) throw new TypeError(`${name}.forward(): input must be a Tensor or a PackedSequence`);
      if (input.dim() !== 3) throw new RangeError(`input must have 3 dimensions, got ${input.dim()}`);
      data = input;
      batchSizes = [];
    }
    if (data.size(-1) !== this.inputSize) throw new RangeError(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${data.size(-1)}`);
    // PyTorch's quantized path refuses an empty batch too (its float path takes one).
    if (data.numel() === 0) throw new RangeError('Expected sequence length to be larger than 0 in RNN');
    if (data.dtype !== float32) throw new TypeError(`qlinear_dynamic: data type of input should be float, got ${data.dtype}`);
    if (data.device.type !== 'cpu') throw new Error(`${name}: dynamically quantized layers run on the CPU only, as in PyTorch; the input is on ${data.device}`);
    const steps = packed !== null ? batchSizes.length : data.size(this.batchFirst ? 1 : 0);
    const batch = packed !== null ? (batchSizes[0] ?? 0) : data.size(this.batchFirst ? 0 : 1);
    const expected = [this.numLayers * (this.bidirectional ? 2 : 1), batch, this.hiddenSize];
    if (hx !== null) {
      hx.forEach((h, i) => {
        if (!(h instanceof Tensor)) throw new TypeError(`${name}.forward(): hx must be ${labels.length === 1 ? 'a Tensor' : 'an array [h_0, c_0] of two Tensors'}`);
        if (h.shape.join() !== expected.join()) throw new RangeError(`Expected ${labels[i]} size ${tupleOf(expected)}, got [${h.shape.join(', ')}]`);
        if (h.dtype !== float32) throw new TypeError(`${name}.forward(): expected float32 ${labels[i]}, got ${h.dtype}`);
      });
    }
    const sorted = packed?.sortedIndices ?? null;
    const unsorted = packed?.unsortedIndices ?? null;
    const [out, states] = noGrad(() => tidy(() => {
      const states0 = hx === null
        ? labels.map(() => zeros(expected))
        : hx.map((h) => (sorted !== null ? indexSelect(h, 1, sorted) : h).detach().to('cpu'));
      let rows: Tensor;
      if (packed !== null) rows = data.detach();
      else {
        const timeMajor = this.batchFirst ? transpose(data.detach(), 0, 1) : data.detach();
        rows = reshape(timeMajor.contiguous(), [steps * batch, this.inputSize]);
        batchSizes = new Array<number>(steps).fill(batch);
      }
      const config = { mode: this.mode, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout, training: this.training };
      const directions = [...this._all_weight_values].map((p) => p.param);
      const result = runQuantizedStack(config, rows.contiguous(), batchSizes, states0[0], states0[1] ?? null, directions);
      let output = result.out;
      if (packed === null) {
        output = reshape(output, [steps, batch, output.size(1)]);
        if (this.batchFirst) output = transpose(output, 0, 1);
      }
      const finals = [result.hN, ...(result.cN === null ? [] : [result.cN])].map((s) => (unsorted !== null ? indexSelect(s, 1, unsorted) : s));
      return [output, finals] as [Tensor, Tensor[]];
    }));
    if (packed !== null) return [new PackedSequence(out, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices), states];
    return [out, states];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.bias !== true) s += `, bias=${pyRepr(this.bias)}`;
    if (this.batchFirst !== false) s += `, batch_first=${pyRepr(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyRepr(this.dropout, true)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${pyRepr(this.bidirectional)}`;
    return s;
  }

  /** PyTorch's repr of these layers leaves out the PackedParameter list. @example String(q) // 'DynamicQuantizedLSTM(5, 8)' */
  override toString(): string {
    const children = new Map([...this._modules].filter(([, m]) => !(m instanceof ModuleList) && !(m instanceof PackedParameter)));
    return moduleRepr(this._getName(), this.extraRepr(), children);
  }

}

/**
 * `torch.ao.nn.quantized.dynamic.LSTM` (DynamicQuantizedLSTM): an LSTM with int8 weights for
 * CPU inference, usually made by `quantizeDynamic` from a trained nn.LSTM. Takes [T, B, I]
 * (or [B, T, I] with `batchFirst`) or a PackedSequence, and optional [h0, c0].
 * @example
 * const q = torch.ao.quantization.quantizeDynamic(model); // its nn.LSTM becomes this
 * const [out, [h, c]] = q.rnn(x);
 */
export class LSTM extends DynamicRNNBase<[Tensor | PackedSequence, [Tensor, Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, ...rest: Rest) {
    super('LSTM', inputSize, hiddenSize, rest);
  }

  /** @internal the float class fromFloat takes when called on this class */
  static readonly _floatMode = 'LSTM';

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx: [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw new TypeError('DynamicQuantizedLSTM.forward(): hx must be an array [h_0, c_0] of two Tensors');
    const [out, [h, c]] = this._forward(input, hx ?? null, ['hidden[0]', 'hidden[1]']);
    return [out, [h, c]];
  }

  override _getName(): string {
    return 'DynamicQuantizedLSTM';
  }
}

/**
 * `torch.ao.nn.quantized.dynamic.GRU` (DynamicQuantizedGRU): a GRU with int8 weights for CPU
 * inference, usually made by `quantizeDynamic` from a trained nn.GRU.
 * @example const [out, h] = torch.ao.nn.quantized.dynamic.GRU.fromFloat(gru)(x);
 */
export class GRU extends DynamicRNNBase<[Tensor | PackedSequence, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, ...rest: Rest) {
    super('GRU', inputSize, hiddenSize, rest);
  }

  /** @internal the float class fromFloat takes when called on this class */
  static readonly _floatMode = 'GRU';

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const [out, [h]] = this._forward(input, hx === null || hx === undefined ? null : [hx], ['hidden']);
    return [out, h];
  }

  override _getName(): string {
    return 'DynamicQuantizedGRU';
  }
}
