/**
 * `nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`: one step, on the recurrent layers' fused
 * kernels (a one-step run of src/nn/rnn/direction.ts), with PyTorch's parameters
 * (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`), init, repr and messages.
 */
import { Tensor } from '../../tensor/tensor.js';
import { empty, zeros } from '../../tensor/creation.js';
import { contiguous, squeeze, unsqueeze } from '../../ops/shape.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyRepr } from '../repr.js';
import * as init from '../init.js';
import { checkOptions, keysOf } from '../../tensor/args.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { runDirection, type RnnMode } from '../rnn/direction.js';
import { lstmCellState } from '../rnn/stack.js';

/** The cells' keywords. */
export interface RNNCellOptions extends FactoryOptions {
  bias?: boolean;
  /** RNNCell only. */
  nonlinearity?: 'tanh' | 'relu';
}
const CELL_KEYS = keysOf<RNNCellOptions>()('bias', 'nonlinearity', ...FACTORY_KEYS);

const dense = (t: Tensor) => (t.isContiguous() ? t : contiguous(t));

/**
 * The base of the cells (PyTorch's RNNCellBase).
 * @example const cell = new nn.GRUCell(3, 4); const h = cell(x, h0);
 */
export class RNNCellBase<Out = Tensor> extends Module<Out> {
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;

  constructor(name: string, inputSize: number, hiddenSize: number, chunks: number, bias: boolean | RNNCellOptions, options: RNNCellOptions) {
    super();
    if (typeof bias === 'object' && bias !== null) {
      options = bias;
      bias = options.bias ?? true;
    }
    checkOptions(options, name, CELL_KEYS);
    for (const [what, v] of [['input_size', inputSize], ['hidden_size', hiddenSize]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${name}(): ${what} must be a non-negative integer, got ${String(v)}`);
    }
    if (typeof bias !== 'boolean') throw new TypeError(`${name}(): bias must be a boolean, got ${typeof bias}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    const factory = factoryOf(options, name);
    this.weight_ih = new Parameter(empty([chunks * hiddenSize, inputSize], factory));
    this.weight_hh = new Parameter(empty([chunks * hiddenSize, hiddenSize], factory));
    if (bias) {
      this.bias_ih = new Parameter(empty([chunks * hiddenSize], factory));
      this.bias_hh = new Parameter(empty([chunks * hiddenSize], factory));
    } else {
      this.registerParameter('bias_ih', null);
      this.registerParameter('bias_hh', null);
    }
    this.resetParameters();
  }

  /** Every parameter drawn from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). @example cell.resetParameters() */
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv);
  }

  /** Checks and batches the input; returns it [B, I] and whether it was 1-D. */
  protected _input(input: Tensor): [Tensor, boolean] {
    const name = this.constructor.name;
    if (!(input instanceof Tensor)) throw new TypeError(`${name}.forward(): input must be a Tensor`);
    if (input.dim() !== 1 && input.dim() !== 2) throw new Error(`${name}: Expected input to be 1-D or 2-D but received ${input.dim()}-D tensor`);
    const x = input.dim() === 1 ? unsqueeze(input, 0) : input;
    if (x.shape[1] !== this.inputSize) throw new Error(`input has inconsistent input_size: got ${x.shape[1]} expected ${this.inputSize}`);
    if (x.dtype !== this.weight_ih.dtype) throw new Error('mat1 and mat2 must have the same dtype');
    return [dense(x), input.dim() === 1];
  }

  /** A state [B, H] (batched as the input), checked as PyTorch's cells check it. */
  protected _state(h: Tensor | null | undefined, x: Tensor, unbatched: boolean, what: string): Tensor {
    if (h === null || h === undefined) return zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype, device: x.device });
    if (!(h instanceof Tensor)) throw new TypeError(`${this.constructor.name}.forward(): ${what} must be a Tensor`);
    const s = unbatched ? unsqueeze(h, 0) : h;
    if (s.dim() !== 2 || s.shape[0] !== x.shape[0]) {
      throw new Error(`Input batch size ${x.shape[0]} doesn't match ${what} batch size ${s.dim() === 2 ? s.shape[0] : s.shape.join('x')}`);
    }
    if (s.shape[1] !== this.hiddenSize) throw new Error(`${what} has inconsistent hidden_size: got ${s.shape[1]}, expected ${this.hiddenSize}`);
    return s;
  }

  /** One fused step: [h, c]. */
  protected _step(mode: RnnMode, x: Tensor, h: Tensor, c: Tensor | null, gradFn: string): [Tensor, Tensor | null] {
    const w = { wIh: dense(this.weight_ih), wHh: dense(this.weight_hh), bIh: this.bias_ih, bHh: this.bias_hh, wHr: null };
    const [out, , cN] = runDirection(mode, x, h, c, w, [x.shape[0]], false, gradFn);
    return [out, cN];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias !== true) s += `, bias=${pyRepr(this.bias)}`;
    const nl = (this as { nonlinearity?: string }).nonlinearity;
    if (nl !== undefined && nl !== 'tanh') s += `, nonlinearity=${nl}`;
    return s;
  }
}

/**
 * `nn.RNNCell`: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).
 * @example const cell = new nn.RNNCell(3, 4, true, 'relu'); const h1 = cell(x, h0);
 */
export class RNNCell extends RNNCellBase {
  nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, bias: boolean | RNNCellOptions = true, nonlinearity: 'tanh' | 'relu' | RNNCellOptions = 'tanh', options: RNNCellOptions = {}) {
    if (typeof nonlinearity === 'object') {
      options = nonlinearity;
      nonlinearity = options.nonlinearity ?? 'tanh';
    } else if (typeof bias === 'object') {
      nonlinearity = bias.nonlinearity ?? 'tanh';
    }
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity: ${String(nonlinearity)}`);
    super('RNNCell', inputSize, hiddenSize, 1, bias, options);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, unbatched] = this._input(input);
    if (hx != null && hx instanceof Tensor && hx.dim() !== 1 && hx.dim() !== 2) {
      throw new Error(`RNNCell: Expected hidden to be 1-D or 2-D but received ${hx.dim()}-D tensor`);
    }
    const h = this._state(hx, x, unbatched, 'hidden');
    const relu = this.nonlinearity === 'relu';
    const [out] = this._step(relu ? 'RNN_RELU' : 'RNN_TANH', x, h, null, relu ? 'ReluBackward0' : 'TanhBackward0');
    return unbatched ? squeeze(out, 0) : out;
  }
}

/**
 * `nn.GRUCell`: one GRU step.
 * @example const cell = new nn.GRUCell(3, 4); const h1 = cell(x, h0);
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, bias: boolean | RNNCellOptions = true, options: RNNCellOptions = {}) {
    super('GRUCell', inputSize, hiddenSize, 3, bias, options);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, unbatched] = this._input(input);
    if (hx != null && hx instanceof Tensor && hx.dim() !== 1 && hx.dim() !== 2) {
      throw new Error(`GRUCell: Expected hidden to be 1-D or 2-D but received ${hx.dim()}-D tensor`);
    }
    const h = this._state(hx, x, unbatched, 'hidden');
    const [out] = this._step('GRU', x, h, null, 'AddBackward0');
    return unbatched ? squeeze(out, 0) : out;
  }
}

/**
 * `nn.LSTMCell`: one LSTM step, returning [h', c'].
 * @example const cell = new nn.LSTMCell(3, 4); const [h1, c1] = cell(x, [h0, c0]);
 */
export class LSTMCell extends RNNCellBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, bias: boolean | RNNCellOptions = true, options: RNNCellOptions = {}) {
    super('LSTMCell', inputSize, hiddenSize, 4, bias, options);
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [x, unbatched] = this._input(input);
    if (hx != null) {
      hx.forEach((v, i) => {
        if (v instanceof Tensor && v.dim() !== 1 && v.dim() !== 2) {
          throw new Error(`LSTMCell: Expected hx[${i}] to be 1-D or 2-D but received ${v.dim()}-D tensor`);
        }
      });
    }
    const h = this._state(hx?.[0], x, unbatched, 'hidden0');
    const c = this._state(hx?.[1], x, unbatched, 'hidden1');
    const [out, cN] = this._step('LSTM', x, h, c, 'MulBackward0');
    const c1 = lstmCellState(cN!);
    return unbatched ? [squeeze(out, 0), squeeze(c1, 0)] : [out, c1];
  }
}
