/**
 * `nn.RNN`, `nn.LSTM`, `nn.GRU`: PyTorch's RNNBase, with its constructor (positional or an
 * options object), parameter names and order (`weight_ih_l0`, `weight_hh_l0`,
 * `bias_ih_l0`, `bias_hh_l0`, `weight_hr_l0`, `..._reverse`), default init, repr, argument
 * checks and messages. The computation is the fused stack of src/nn/rnn/.
 */
import { Tensor } from '../../tensor/tensor.js';
import { empty, zeros } from '../../tensor/creation.js';
import { contiguous, reshape, squeeze, transpose, unsqueeze } from '../../ops/shape.js';
import { indexSelect } from '../../ops/indexing.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyRepr } from '../repr.js';
import * as init from '../init.js';
import { keysOf, positionalOptions } from '../../tensor/args.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { GATES, type DirectionWeights, type RnnMode } from '../rnn/direction.js';
import { named, runStack } from '../rnn/stack.js';
import { CUDNN_NODE, cudnnRan } from '../rnn/cudnn.js';
import { PackedSequence } from '../utils/rnn.js';

/** An input unpacked to time-major rows, with what to undo afterwards. */
interface Prepared {
  data: Tensor;
  batchSizes: number[];
  batch: number;
  steps: number;
  packed: PackedSequence | null;
  batched: boolean;
}

/** PyTorch's RNNBase keywords. */
export interface RNNOptions extends FactoryOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  /** LSTM only: the size of the projected hidden state (0: none). */
  projSize?: number;
  /** RNN only: 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

const RNN_KEYS = keysOf<RNNOptions>()('numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'projSize', 'nonlinearity', ...FACTORY_KEYS);
const POSITIONAL = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'projSize'] as const;

/** PyTorch's positional arguments after (inputSize, hiddenSize), then an options object. */
function parseArgs(name: string, rest: unknown[]): RNNOptions {
  return positionalOptions<RNNOptions>(name, rest, POSITIONAL, RNN_KEYS);
}

function checkInt(value: unknown, name: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name}(): ${what} should be of type int, got: ${typeof value}`);
  return value;
}

/** The shape PyTorch prints: `(1, 2, 4)`. */
const tupleOf = (shape: readonly number[]) => `(${shape.join(', ')})`;

/**
 * The common base of RNN, LSTM and GRU (PyTorch's RNNBase).
 * @example const lstm = new nn.LSTM(10, 20, 2); const [out, [h, c]] = lstm(x);
 */
export class RNNBase<Out = unknown> extends Module<Out> {
  readonly mode: RnnMode;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
  /** The parameters' names, layer-major, forward direction first, in registration order. */
  _flatWeightsNames: string[] = [];

  constructor(mode: RnnMode, name: string, inputSize: number, hiddenSize: number, options: RNNOptions) {
    super();
    this.mode = mode;
    this.inputSize = checkInt(inputSize, name, 'input_size');
    this.hiddenSize = checkInt(hiddenSize, name, 'hidden_size');
    const numLayers = checkInt(options.numLayers ?? 1, name, 'num_layers');
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || dropout < 0 || dropout > 1) {
      throw new Error('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    if (dropout > 0 && numLayers === 1) {
      process.emitWarning(
        'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects ' +
          `num_layers greater than 1, but got dropout=${dropout} and num_layers=${numLayers}`,
        'UserWarning',
      );
    }
    if (hiddenSize <= 0) throw new Error('hidden_size must be greater than zero');
    if (numLayers <= 0) throw new Error('num_layers must be greater than zero');
    const projSize = checkInt(options.projSize ?? 0, name, 'proj_size');
    if (projSize < 0) throw new Error('proj_size should be a positive integer or zero to disable projections');
    if (projSize >= hiddenSize) throw new Error('proj_size has to be smaller than hidden_size');
    if (projSize !== 0 && mode !== 'LSTM') throw new Error('proj_size argument is only supported for LSTM, not RNN or GRU');
    for (const key of ['bias', 'batchFirst', 'bidirectional'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new TypeError(`${name}(): ${key} must be a boolean, got ${typeof options[key]}`);
      }
    }
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = projSize;

    const factory = factoryOf(options, name);
    const gateSize = GATES[mode] * hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    const real = projSize > 0 ? projSize : hiddenSize;
    for (let layer = 0; layer < numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const layerInput = layer === 0 ? inputSize : real * dirs;
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const params: [string, number[]][] = [[`weight_ih${suffix}`, [gateSize, layerInput]], [`weight_hh${suffix}`, [gateSize, real]]];
        if (this.bias) params.push([`bias_ih${suffix}`, [gateSize]], [`bias_hh${suffix}`, [gateSize]]);
        if (projSize > 0) params.push([`weight_hr${suffix}`, [projSize, hiddenSize]]);
        for (const [pname, shape] of params) {
          this.registerParameter(pname, new Parameter(empty(shape, factory)));
          this._flatWeightsNames.push(pname);
        }
      }
    }
    this.resetParameters();
  }

  /** Every parameter drawn from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), in order. @example lstm.resetParameters() */
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv);
  }

  /**
   * A no-op kept for ported code: PyTorch packs the weights into one buffer for cuDNN;
   * flint's fused kernels read each parameter where it is, and its cuDNN path packs them
   * into cuDNN's weight space on each call (src/nn/rnn/cudnn.ts).
   * @example lstm.flattenParameters()
   */
  flattenParameters(): void {}

  /** The parameters per layer and direction, as PyTorch's `all_weights`. @example lstm.allWeights[0][0] */
  get allWeights(): Parameter[][] {
    const per = this._flatWeightsNames.length / (this.numLayers * (this.bidirectional ? 2 : 1));
    const out: Parameter[][] = [];
    for (let i = 0; i < this._flatWeightsNames.length; i += per) {
      out.push(this._flatWeightsNames.slice(i, i + per).map((n) => this._parameters.get(n)!));
    }
    return out;
  }

  /** The weights of layer-direction k, contiguous. */
  private directionWeights(): DirectionWeights[] {
    const dirs = this.bidirectional ? 2 : 1;
    const out: DirectionWeights[] = [];
    const dense = (t: Tensor | null | undefined) => (t == null ? null : t.isContiguous() ? t : contiguous(t));
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const s = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const p = (n: string) => dense(this._parameters.get(n + s));
        out.push({ wIh: p('weight_ih')!, wHh: p('weight_hh')!, bIh: p('bias_ih'), bHh: p('bias_hh'), wHr: p('weight_hr') });
      }
    }
    return out;
  }

  /** Runs the stack on a prepared time-major input; hx/cx are [L*D, B, *] (sorted order). */
  protected _run(data: Tensor, batchSizes: number[], hx: Tensor, cx: Tensor | null) {
    const weights = this.directionWeights();
    if (data.dtype !== weights[0].wIh.dtype) throw new Error('mat1 and mat2 must have the same dtype');
    return runStack(
      { mode: this.mode, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout, training: this.training },
      data, batchSizes, hx, cx, weights,
    );
  }

  /** The input unpacked: time-major rows, batch sizes, and what to undo afterwards. */
  protected _prepare(input: Tensor | PackedSequence): Prepared {
    const name = this.constructor.name;
    if (input instanceof PackedSequence) {
      const batchSizes = input._batchSizes();
      const data = input.data;
      if (data.dim() !== 2) throw new Error(`input must have 2 dimensions, got ${data.dim()}`);
      this._checkInputSize(data);
      return { data, batchSizes, batch: batchSizes[0] ?? 0, steps: batchSizes.length, packed: input, batched: true };
    }
    if (!(input instanceof Tensor)) throw new TypeError(`${name}.forward(): input must be a Tensor or a PackedSequence`);
    const batched = input.dim() === 3;
    let x = batched ? input : unsqueeze(input, this.batchFirst ? 0 : 1);
    if (x.dim() !== 3) throw new Error(`input must have 3 dimensions, got ${x.dim()}`);
    this._checkInputSize(x);
    if (this.batchFirst) x = transpose(x, 0, 1);
    const [steps, batch, features] = x.shape;
    if (steps === 0) throw new RangeError('Expected sequence length to be larger than 0 in RNN');
    const data = reshape(x.isContiguous() ? x : contiguous(x), [steps * batch, features]);
    return { data, batchSizes: new Array<number>(steps).fill(batch), batch, steps, packed: null, batched };
  }

  private _checkInputSize(x: Tensor): void {
    const got = x.shape[x.dim() - 1];
    if (got !== this.inputSize) throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${got}`);
  }

  /** [L*D, B, size] as PyTorch expects the initial state. */
  protected _expectedHidden(batch: number, size: number): number[] {
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, size];
  }

  /** The layer's output: packed again, or [T, B, *] made batch-first / unbatched. */
  protected _finishOutput(out: Tensor, prep: Prepared): Tensor | PackedSequence {
    if (prep.packed !== null) {
      return new PackedSequence(out, prep.packed.batchSizes, prep.packed.sortedIndices, prep.packed.unsortedIndices);
    }
    // The fused path stacks (or concatenates) its steps' outputs; cuDNN's is its own node's.
    let y = named(reshape(out, [prep.steps, prep.batch, out.shape[1]]), cudnnRan(out) ? CUDNN_NODE : this.bidirectional ? 'CatBackward0' : 'StackBackward0');
    // LSTM transposes its output back in Python (TransposeBackward0), RNN and GRU in C++.
    if (this.batchFirst) y = named(transpose(y, 0, 1), this.mode === 'LSTM' ? 'TransposeBackward0' : 'TransposeBackward1');
    if (!prep.batched) y = squeeze(y, this.batchFirst ? 0 : 1);
    return y;
  }

  /** A final state back in the caller's batch order and batchedness. */
  protected _finishHidden(h: Tensor, prep: Prepared): Tensor {
    if (prep.packed?.unsortedIndices) return indexSelect(h, 1, prep.packed.unsortedIndices);
    return prep.batched ? h : squeeze(h, 1);
  }

  /** An initial state in sorted batch order (PyTorch's permute_hidden). */
  protected _sortHidden(h: Tensor, prep: Prepared): Tensor {
    return prep.packed?.sortedIndices ? indexSelect(h, 1, prep.packed.sortedIndices) : h;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.bias !== true) s += `, bias=${pyRepr(this.bias)}`;
    if (this.batchFirst !== false) s += `, batch_first=${pyRepr(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyRepr(this.dropout)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${pyRepr(this.bidirectional)}`;
    return s;
  }
}

/** Shared by RNN and GRU: one state tensor. */
class SingleStateRNN extends RNNBase<[Tensor | PackedSequence, Tensor]> {
  // Overloads, so that a Tensor in gives a Tensor out to the type checker, as a PackedSequence gives a PackedSequence.
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const prep = this._prepare(input);
    const size = this.hiddenSize;
    const expected = this._expectedHidden(prep.batch, size);
    let h: Tensor;
    if (hx === null || hx === undefined) {
      h = zeros(expected, { dtype: prep.data.dtype, device: prep.data.device });
    } else {
      if (!(hx instanceof Tensor)) throw new TypeError(`${this.constructor.name}.forward(): hx must be a Tensor`);
      if (prep.packed === null && !prep.batched) {
        if (hx.dim() !== 2) throw new Error(`For unbatched 2-D input, hx should also be 2-D but got ${hx.dim()}-D tensor`);
        h = unsqueeze(hx, 1);
      } else {
        if (prep.packed === null && hx.dim() !== 3) throw new Error(`For batched 3-D input, hx should also be 3-D but got ${hx.dim()}-D tensor`);
        h = this._sortHidden(hx, prep);
      }
      if (h.shape.join() !== expected.join()) throw new Error(`Expected hidden size ${tupleOf(expected)}, got [${h.shape.join(', ')}]`);
    }
    const { out, hN } = this._run(prep.data, prep.batchSizes, h, null);
    return [this._finishOutput(out, prep), this._finishHidden(hN, prep)];
  }
}

type Rest = (number | boolean | RNNOptions)[];

/**
 * `nn.RNN`: an Elman RNN, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).
 * @example const rnn = new nn.RNN(10, 20, 2, { nonlinearity: 'relu' }); const [out, h] = rnn(x);
 */
export class RNN extends SingleStateRNN {
  nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, ...rest: Rest) {
    const options = parseArgs('RNN', rest);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity '${String(nonlinearity)}'. Select from 'tanh' or 'relu'.`);
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', 'RNN', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }
}

/**
 * `nn.GRU`: gated recurrent unit layers (gates r, z, n as PyTorch orders them).
 * @example const gru = new nn.GRU(10, 20, { batchFirst: true }); const [out, h] = gru(x);
 */
export class GRU extends SingleStateRNN {
  constructor(inputSize: number, hiddenSize: number, ...rest: Rest) {
    const options = parseArgs('GRU', rest);
    if (options.nonlinearity !== undefined) throw new TypeError("GRU(): unexpected keyword argument 'nonlinearity'");
    super('GRU', 'GRU', inputSize, hiddenSize, options);
  }
}

/**
 * `nn.LSTM`: long short-term memory layers (gates i, f, g, o), with optional projections.
 * @example const lstm = new nn.LSTM(10, 20, 2); const [out, [h, c]] = lstm(x, [h0, c0]);
 */
export class LSTM extends RNNBase<[Tensor | PackedSequence, [Tensor, Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, ...rest: Rest) {
    const options = parseArgs('LSTM', rest);
    if (options.nonlinearity !== undefined) throw new TypeError("LSTM(): unexpected keyword argument 'nonlinearity'");
    super('LSTM', 'LSTM', inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx: [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    const prep = this._prepare(input);
    const real = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const expectedH = this._expectedHidden(prep.batch, real);
    const expectedC = this._expectedHidden(prep.batch, this.hiddenSize);
    let h: Tensor;
    let c: Tensor;
    if (hx === null || hx === undefined) {
      const opts = { dtype: prep.data.dtype, device: prep.data.device };
      h = zeros(expectedH, opts);
      c = zeros(expectedC, opts);
    } else {
      if (!Array.isArray(hx) || hx.length !== 2 || !(hx[0] instanceof Tensor) || !(hx[1] instanceof Tensor)) {
        throw new TypeError('LSTM.forward(): hx must be an array [h_0, c_0] of two Tensors');
      }
      [h, c] = hx;
      if (prep.packed === null && !prep.batched) {
        if (h.dim() !== 2 || c.dim() !== 2) {
          throw new Error(`For unbatched 2-D input, hx and cx should also be 2-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        }
        h = unsqueeze(h, 1);
        c = unsqueeze(c, 1);
      } else {
        if (prep.packed === null && (h.dim() !== 3 || c.dim() !== 3)) {
          throw new Error(`For batched 3-D input, hx and cx should also be 3-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        }
        h = this._sortHidden(h, prep);
        c = this._sortHidden(c, prep);
      }
      if (h.shape.join() !== expectedH.join()) throw new Error(`Expected hidden[0] size ${tupleOf(expectedH)}, got [${h.shape.join(', ')}]`);
      if (c.shape.join() !== expectedC.join()) throw new Error(`Expected hidden[1] size ${tupleOf(expectedC)}, got [${c.shape.join(', ')}]`);
    }
    const { out, hN, cN } = this._run(prep.data, prep.batchSizes, h, c);
    return [this._finishOutput(out, prep), [this._finishHidden(hN, prep), this._finishHidden(cN!, prep)]];
  }
}
