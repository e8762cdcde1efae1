/**
 * `torch.ao.nn.quantized.dynamic.RNNCell`, `LSTMCell` and `GRUCell` (printed
 * DynamicQuantizedRNNCell and so on): one recurrent step with int8 W_ih and W_hh, float32
 * input and states, as PyTorch's dynamic quantization makes them from nn cells. Their state
 * dict holds PyTorch's two packed weights, `_packed_weight_ih` and `_packed_weight_hh`
 * (LinearPackedParamsBase objects, biases inside).
 */
import { Module, type StateDict } from '../nn/module.js';
import type { LocalMetadata } from '../nn/module-hooks.js';
import { Tensor } from '../tensor/tensor.js';
import { DType, float32, qint8 } from '../tensor/dtype.js';
import { randn, zeros } from '../tensor/creation.js';
import { checkBoolean, checkPositiveInteger, keysOf, positionalOptions } from '../tensor/args.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import type { RnnMode } from '../nn/rnn/direction.js';
import { GRUCell as FloatGRUCell, LSTMCell as FloatLSTMCell, RNNCell as FloatRNNCell } from '../nn/layers/rnn-cell.js';
import { PackedLinearWeight } from './packed-linear.js';
import type { QuantizedTensor } from './qtensor.js';
import { quantizePerTensor } from './quantize.js';
import { quantizeWeight } from './dynamic-linear.js';
import { quantizedDirection } from './dynamic-rnn-steps.js';

/** The float cells PyTorch's from_float takes (exactly these classes), by name. */
const FLOAT_CELLS = new Map<unknown, 'LSTMCell' | 'GRUCell' | 'RNNCell'>([[FloatLSTMCell, 'LSTMCell'], [FloatGRUCell, 'GRUCell'], [FloatRNNCell, 'RNNCell']]);

/** The cells' keywords (PyTorch's, camelCased). */
export interface DynamicRNNCellOptions {
  bias?: boolean;
  /** RNNCell only: 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
  /** The weights' dtype: torch.qint8. */
  dtype?: DType;
}
const CELL_KEYS = keysOf<DynamicRNNCellOptions>()('bias', 'nonlinearity', 'dtype');
/** The cells' arguments after (inputSize, hiddenSize): PyTorch's positional keywords, then an options object. */
type CellRest = (boolean | string | DType | DynamicRNNCellOptions)[];

/**
 * The base of the quantized cells (PyTorch's `torch.ao.nn.quantized.dynamic.RNNCellBase`).
 * @example const q = torch.ao.nn.quantized.dynamic.LSTMCell.fromFloat(cell)
 */
export class DynamicRNNCellBase<Out = Tensor> extends Module<Out> {
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  weightDtype: DType;
  /** @internal W_ih and b_ih, packed */
  _packed_weight_ih: PackedLinearWeight;
  /** @internal W_hh and b_hh, packed */
  _packed_weight_hh: PackedLinearWeight;

  constructor(name: string, inputSize: number, hiddenSize: number, chunks: number, options: DynamicRNNCellOptions) {
    super();
    checkPositiveInteger(inputSize, name, 'input_size');
    checkPositiveInteger(hiddenSize, name, 'hidden_size');
    // null is refused, not read as PyTorch's falsy None: a bias-less cell says bias: false.
    const bias = options.bias === undefined ? true : options.bias;
    checkBoolean(bias, name, 'bias');
    const dtype = options.dtype ?? qint8;
    if (!(dtype instanceof DType) || dtype !== qint8) throw new TypeError(`${name}(): Unsupported dtype for dynamic RNN quantization: ${String(dtype)} (flint quantizes recurrent weights to torch.qint8)`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.weightDtype = dtype;
    // As PyTorch's constructor: random biases, then random weights quantized with scale 1, in
    // its order, for a cell that a state dict or fromFloat then fills.
    [this._packed_weight_ih, this._packed_weight_hh] = tidy(() => {
      const bIh = bias ? randn([chunks * hiddenSize]) : null;
      const bHh = bias ? randn([chunks * hiddenSize]) : null;
      const wIh = quantizePerTensor(randn([chunks * hiddenSize, inputSize]), 1, 0, qint8);
      const wHh = quantizePerTensor(randn([chunks * hiddenSize, hiddenSize]), 1, 0, qint8);
      return [PackedLinearWeight.pack(wIh, bIh), PackedLinearWeight.pack(wHh, bHh)];
    });
  }

  /**
   * PyTorch's `from_float` for nn.LSTMCell, nn.GRUCell and nn.RNNCell: the weights quantized
   * to qint8 (per tensor, or per output feature with `perChannelDynamicQconfig`), the biases
   * kept float.
   * @example const q = torch.ao.nn.quantized.dynamic.GRUCell.fromFloat(new torch.nn.GRUCell(3, 4))
   */
  static fromFloat<T extends DynamicRNNCellBase<any>>(this: { prototype: T }, mod: Module<any>, qconfig: { perChannel: boolean } = { perChannel: false }): T { // eslint-disable-line @typescript-eslint/no-explicit-any
    const cell = mod as unknown as { inputSize: number; hiddenSize: number; bias: boolean; nonlinearity?: 'tanh' | 'relu' };
    const kind = FLOAT_CELLS.get(mod.constructor);
    if (kind === undefined) {
      throw new TypeError(`nn.quantized.dynamic.RNNCellBase.from_float only works for nn.LSTMCell, nn.GRUCell and nn.RNNCell, got ${mod._getName()}`);
    }
    // Called on one cell class, it takes that cell's float class only.
    const want = (this as { _floatKind?: string })._floatKind;
    if (want !== undefined && kind !== want) throw new TypeError(`nn.quantized.dynamic.${want}.from_float: got an nn.${kind}; use nn.quantized.dynamic.${kind}`);
    if (!cell.bias) throw new Error(`nn.quantized.dynamic.RNNCellBase.from_float: the ${kind} must have biases (bias=true), as PyTorch requires`);
    const q =
      kind === 'LSTMCell' ? new LSTMCell(cell.inputSize, cell.hiddenSize)
      : kind === 'GRUCell' ? new GRUCell(cell.inputSize, cell.hiddenSize)
      : new RNNCell(cell.inputSize, cell.hiddenSize, true, cell.nonlinearity ?? 'tanh');
    // The constructor's random weights were never exposed: free them now.
    q._packed_weight_ih._dispose();
    q._packed_weight_hh._dispose();
    tidy(() => {
      const pack = (k: string) => {
        const weight = mod._parameters.get(`weight_${k}`)!;
        return PackedLinearWeight.pack(quantizeWeight(weight.detach().to(float32), qconfig.perChannel), mod._parameters.get(`bias_${k}`) ?? null);
      };
      q._packed_weight_ih = pack('ih');
      q._packed_weight_hh = pack('hh');
    });
    return q as unknown as T;
  }

  /** The quantized weights, as PyTorch's `get_weight()`. @example cell.getWeight().weight_ih.intRepr() */
  getWeight(): { weight_ih: QuantizedTensor; weight_hh: QuantizedTensor } {
    return { weight_ih: this._packed_weight_ih.weight, weight_hh: this._packed_weight_hh.weight };
  }

  /** The float biases, as PyTorch's `get_bias()`. @example cell.getBias().bias_ih */
  getBias(): { bias_ih: Tensor | null; bias_hh: Tensor | null } {
    return { bias_ih: this._packed_weight_ih.bias, bias_hh: this._packed_weight_hh.bias };
  }

  /** A checked input [B, I]. */
  protected _input(input: Tensor): Tensor {
    const name = this._getName();
    if (!(input instanceof Tensor)) throw new TypeError(`${name}.forward(): input must be a Tensor`);
    if (input.dim() !== 2) throw new RangeError(`${name}: expected a 2-D input [batch, input_size], got ${input.dim()}-D`);
    if (input.size(1) !== this.inputSize) throw new RangeError(`input has inconsistent input_size: got ${input.size(1)}, expected ${this.inputSize}`);
    if (input.dtype !== float32) throw new TypeError(`qlinear_dynamic: data type of input should be float, got ${input.dtype}`);
    if (input.device.type !== 'cpu') throw new Error(`${name}: dynamically quantized layers run on the CPU only, as in PyTorch; the input is on ${input.device}`);
    return input;
  }

  /** A checked state [B, H], or null for zeros; `label` as PyTorch names it in messages ('', '[0]', '[1]'). */
  protected _state(h: Tensor | null | undefined, input: Tensor, label: string): Tensor | null {
    if (h === null || h === undefined) return null;
    if (!(h instanceof Tensor)) throw new TypeError(`${this._getName()}.forward(): hidden${label} must be a Tensor`);
    if (h.dim() !== 2 || input.size(0) !== h.size(0)) throw new RangeError(`Input batch size ${input.size(0)} doesn't match hidden${label} batch size ${h.dim() === 2 ? h.size(0) : h.shape.join('x')}`);
    if (h.size(1) !== this.hiddenSize) throw new RangeError(`hidden${label} has inconsistent hidden_size: got ${h.size(1)}, expected ${this.hiddenSize}`);
    if (h.dtype !== float32) throw new TypeError(`${this._getName()}.forward(): expected float32 hidden${label}, got ${h.dtype}`);
    return h;
  }

  /** One step: [h'] or [h', c'] (a null state is zeros; c is null for GRU and RNN). */
  protected _step(mode: RnnMode, input: Tensor, h: Tensor | null, c: Tensor | null): Tensor[] {
    return noGrad(() => tidy(() => {
      const x = input.detach().contiguous();
      const state = (s: Tensor | null) => (s === null ? zeros([x.size(0), this.hiddenSize]) : s.detach().contiguous());
      const weights = { ih: this._packed_weight_ih, hh: this._packed_weight_hh, reduceRange: true };
      const { out, cN } = quantizedDirection(mode, x, state(h), mode === 'LSTM' ? state(c) : null, weights, [x.size(0)], false);
      return cN === null ? [out] : [out, cN];
    }));
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias !== true) s += `, bias=${this.bias ? 'True' : 'False'}`;
    const nl = (this as { nonlinearity?: string }).nonlinearity;
    if (nl !== undefined && nl !== 'tanh') s += `, nonlinearity=${nl}`;
    return s;
  }

  override _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean): void {
    super._saveToStateDict(destination, prefix, keepVars);
    const entries = destination as unknown as Record<string, unknown>;
    entries[prefix + '_packed_weight_ih'] = this._packed_weight_ih.toScriptObject();
    entries[prefix + '_packed_weight_hh'] = this._packed_weight_hh.toScriptObject();
  }

  override _loadFromStateDict(
    stateDict: StateDict, prefix: string, localMetadata: LocalMetadata, strict: boolean,
    missingKeys: string[], unexpectedKeys: string[], errorMsgs: string[],
  ): void {
    const entries = stateDict as unknown as Record<string, unknown>;
    for (const which of ['ih', 'hh'] as const) {
      const key = `${prefix}_packed_weight_${which}`;
      if (!(key in entries)) {
        missingKeys.push(key);
        continue;
      }
      try {
        const loaded = PackedLinearWeight.fromScriptObject(entries[key]);
        const old = which === 'ih' ? this._packed_weight_ih : this._packed_weight_hh;
        if (loaded.outFeatures !== old.outFeatures || loaded.inFeatures !== old.inFeatures) {
          throw new RangeError(
            `size mismatch: copying a weight with shape [${loaded.outFeatures}, ${loaded.inFeatures}] from checkpoint, the shape in current model is [${old.outFeatures}, ${old.inFeatures}]`,
          );
        }
        if (which === 'ih') this._packed_weight_ih = loaded;
        else this._packed_weight_hh = loaded;
      } catch (e) {
        errorMsgs.push(`While copying ${key}: ${(e as Error).message}`);
      }
      delete entries[key];
    }
    super._loadFromStateDict(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }
}

/**
 * `torch.ao.nn.quantized.dynamic.RNNCell` (DynamicQuantizedRNNCell): h' = tanh(W_ih x + b_ih +
 * W_hh h + b_hh) (or relu) with int8 weights.
 * @example const h1 = torch.ao.nn.quantized.dynamic.RNNCell.fromFloat(new torch.nn.RNNCell(3, 4))(x, h0);
 */
export class RNNCell extends DynamicRNNCellBase {
  nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, ...rest: CellRest) {
    const options = positionalOptions<DynamicRNNCellOptions>('DynamicQuantizedRNNCell', rest, ['bias', 'nonlinearity', 'dtype'], CELL_KEYS);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity: ${String(nonlinearity)}`);
    super('DynamicQuantizedRNNCell', inputSize, hiddenSize, 1, options);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const x = this._input(input);
    const h = this._state(hx, x, '');
    return this._step(this.nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH', x, h, null)[0];
  }

  override _getName(): string {
    return 'DynamicQuantizedRNNCell';
  }

  /** @internal the float class fromFloat takes when called on this class */
  static readonly _floatKind = 'RNNCell';
}

/**
 * `torch.ao.nn.quantized.dynamic.LSTMCell` (DynamicQuantizedLSTMCell): one LSTM step with int8
 * weights, returning [h', c'].
 * @example const [h1, c1] = torch.ao.nn.quantized.dynamic.LSTMCell.fromFloat(cell)(x, [h0, c0]);
 */
export class LSTMCell extends DynamicRNNCellBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, ...rest: CellRest) {
    const options = positionalOptions<DynamicRNNCellOptions>('DynamicQuantizedLSTMCell', rest, ['bias', 'dtype'], CELL_KEYS);
    if (options.nonlinearity !== undefined) throw new TypeError("DynamicQuantizedLSTMCell(): unexpected keyword argument 'nonlinearity'");
    super('DynamicQuantizedLSTMCell', inputSize, hiddenSize, 4, options);
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const x = this._input(input);
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw new TypeError('DynamicQuantizedLSTMCell.forward(): hx must be an array [h_0, c_0] of two Tensors');
    const h = this._state(hx?.[0], x, '[0]');
    const c = this._state(hx?.[1], x, '[1]');
    const [h1, c1] = this._step('LSTM', x, h, c);
    return [h1, c1];
  }

  override _getName(): string {
    return 'DynamicQuantizedLSTMCell';
  }

  /** @internal the float class fromFloat takes when called on this class */
  static readonly _floatKind = 'LSTMCell';
}

/**
 * `torch.ao.nn.quantized.dynamic.GRUCell` (DynamicQuantizedGRUCell): one GRU step with int8
 * weights.
 * @example const h1 = torch.ao.nn.quantized.dynamic.GRUCell.fromFloat(cell)(x, h0);
 */
export class GRUCell extends DynamicRNNCellBase {
  constructor(inputSize: number, hiddenSize: number, ...rest: CellRest) {
    const options = positionalOptions<DynamicRNNCellOptions>('DynamicQuantizedGRUCell', rest, ['bias', 'dtype'], CELL_KEYS);
    if (options.nonlinearity !== undefined) throw new TypeError("DynamicQuantizedGRUCell(): unexpected keyword argument 'nonlinearity'");
    super('DynamicQuantizedGRUCell', inputSize, hiddenSize, 3, options);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const x = this._input(input);
    const h = this._state(hx, x, '');
    return this._step('GRU', x, h, null)[0];
  }

  override _getName(): string {
    return 'DynamicQuantizedGRUCell';
  }

  /** @internal the float class fromFloat takes when called on this class */
  static readonly _floatKind = 'GRUCell';
}
