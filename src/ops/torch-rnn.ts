/**
 * The torch-level recurrent functions nn.RNN, nn.LSTM and nn.GRU are made of in PyTorch
 * (`torch.lstm`, `torch.gru`, `torch.rnn_tanh`, `torch.rnn_relu`, over a padded [T, B, I]
 * input or packed data with its batch sizes) and the cells' (`torch.lstmCell`, `gruCell`,
 * `rnnTanhCell`, `rnnReluCell`), with ATen's positional signatures and flat weight lists.
 * They run on the layers' fused kernels (src/nn/rnn), so their values, gradients and grad_fn
 * names are the modules'.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkTensor } from '../tensor/args.js';
import { contiguous, reshape, transpose } from './shape.js';
import { lstmCellState, named, runStack } from '../nn/rnn/stack.js';
import { GATES, runDirection, type DirectionWeights, type RnnMode } from '../nn/rnn/direction.js';
import { CUDNN_NODE, cudnnRan } from '../nn/rnn/cudnn.js';

const PYTHON_NAME: Record<RnnMode, string> = { LSTM: 'lstm', GRU: 'gru', RNN_TANH: 'rnn_tanh', RNN_RELU: 'rnn_relu' };

const dense = (t: Tensor) => (t.isContiguous() ? t : contiguous(t));

/** The flat weight list grouped per layer and direction, as ATen reads `params`. */
function groupWeights(mode: RnnMode, params: readonly Tensor[], hasBiases: boolean, groups: number): DirectionWeights[] {
  const fn = PYTHON_NAME[mode];
  if (!Array.isArray(params)) throw new TypeError(`${fn}(): argument 'params' must be a list of Tensors`);
  params.forEach((p, i) => checkTensor(p, fn, `params[${i}]`));
  const base = hasBiases ? 4 : 2;
  const per = params.length / groups;
  // LSTM with projections carries w_hr after each group's biases.
  if (!(per === base || (mode === 'LSTM' && per === base + 1))) {
    throw new Error(`${fn}: expected ${groups * base}${mode === 'LSTM' ? ` or ${groups * (base + 1)}` : ''} parameters (weights${hasBiases ? ', biases' : ''} for each of ${groups} layer-directions), got ${params.length}`);
  }
  const out: DirectionWeights[] = [];
  for (let k = 0; k < groups; k++) {
    const g = params.slice(k * per, (k + 1) * per).map(dense);
    out.push({ wIh: g[0], wHh: g[1], bIh: hasBiases ? g[2] : null, bHh: hasBiases ? g[3] : null, wHr: per === base + 1 ? g[base] : null });
  }
  return out;
}

/** Checks the states against the weights: hx [L*D, B, P], cx [L*D, B, H], as the modules check them. */
function checkStates(mode: RnnMode, weights: DirectionWeights[], inputSize: number, batch: number, hx: Tensor, cx: Tensor | null): void {
  const w = weights[0];
  if (w.wIh._shape.length !== 2 || w.wHh._shape.length !== 2) throw new Error(`${PYTHON_NAME[mode]}: the weights must be matrices`);
  const expectedInput = w.wIh._shape[1];
  if (inputSize !== expectedInput) throw new Error(`input.size(-1) must be equal to input_size. Expected ${expectedInput}, got ${inputSize}`);
  const hidden = w.wHh._shape[0] / GATES[mode];
  const out = w.wHr === null ? hidden : w.wHr._shape[0];
  const check = (t: Tensor, size: number, what: string) => {
    const expected = [weights.length, batch, size];
    if (t._shape.join() !== expected.join()) throw new Error(`Expected ${what} size (${expected.join(', ')}), got [${t._shape.join(', ')}]`);
  };
  check(hx, out, 'hidden');
  if (cx !== null) check(cx, hidden, 'cell');
}

interface LayerArgs {
  hasBiases: boolean;
  numLayers: number;
  dropout: number;
  train: boolean;
  bidirectional: boolean;
}

const stackConfig = (mode: RnnMode, a: LayerArgs) => ({ mode, numLayers: a.numLayers, bidirectional: a.bidirectional, dropout: a.dropout, training: a.train });

function checkLayerArgs(fn: string, a: LayerArgs): void {
  checkBoolean(a.hasBiases, fn, 'has_biases');
  checkInteger(a.numLayers, fn, 'num_layers');
  checkNumber(a.dropout, fn, 'dropout');
  checkBoolean(a.train, fn, 'train');
  checkBoolean(a.bidirectional, fn, 'bidirectional');
}

/** Runs a padded [T, B, I] (or batch-first) input: [output, hN, cN]. */
function runPadded(mode: RnnMode, input: Tensor, hx: Tensor, cx: Tensor | null, params: readonly Tensor[], a: LayerArgs, batchFirst: boolean) {
  const fn = PYTHON_NAME[mode];
  checkTensor(input, fn, 'input');
  checkBoolean(batchFirst, fn, 'batch_first');
  checkLayerArgs(fn, a);
  if (input._shape.length !== 3) throw new Error(`${fn}: input must have 3 dimensions, got ${input._shape.length}`);
  const weights = groupWeights(mode, params, a.hasBiases, a.numLayers * (a.bidirectional ? 2 : 1));
  if (input._dtype !== weights[0].wIh._dtype) throw new Error('mat1 and mat2 must have the same dtype');
  const x = batchFirst ? transpose(input, 0, 1) : input;
  const [steps, batch, features] = x._shape;
  checkStates(mode, weights, features, batch, hx, cx);
  const data = reshape(dense(x), [steps * batch, features]);
  const { out, hN, cN } = runStack(stackConfig(mode, a), data, new Array<number>(steps).fill(batch), hx, cx, weights);
  let y = named(reshape(out, [steps, batch, out._shape[1]]), cudnnRan(out) ? CUDNN_NODE : a.bidirectional ? 'CatBackward0' : 'StackBackward0');
  // ATen transposes back in C++: LSTM's shows TransposeBackward0, the others' TransposeBackward1.
  if (batchFirst) y = named(transpose(y, 0, 1), mode === 'LSTM' ? 'TransposeBackward0' : 'TransposeBackward1');
  return { y, hN, cN };
}

/** Runs packed data [N, I] with its batch sizes (a 1-D int64 tensor): [output data, hN, cN]. */
function runPacked(mode: RnnMode, data: Tensor, batchSizes: Tensor, hx: Tensor, cx: Tensor | null, params: readonly Tensor[], a: LayerArgs) {
  const fn = PYTHON_NAME[mode];
  checkTensor(data, fn, 'data');
  checkTensor(batchSizes, fn, 'batch_sizes');
  checkLayerArgs(fn, a);
  if (data._shape.length !== 2) throw new Error(`${fn}: packed data must have 2 dimensions, got ${data._shape.length}`);
  if (batchSizes._shape.length !== 1 || batchSizes._dtype.isFloatingPoint) throw new Error(`${fn}: batch_sizes must be a 1-D integer tensor`);
  const sizes = (Array.from(batchSizes.dataSync() as ArrayLike<number | bigint>) as (number | bigint)[]).map(Number);
  const total = sizes.reduce((s, v) => s + v, 0);
  if (total !== data._shape[0] || sizes.some((s, i) => s <= 0 || (i > 0 && s > sizes[i - 1]))) {
    throw new Error(`${fn}: batch_sizes must be positive, non-increasing and sum to data's ${data._shape[0]} rows, got [${sizes.join(', ')}]`);
  }
  const weights = groupWeights(mode, params, a.hasBiases, a.numLayers * (a.bidirectional ? 2 : 1));
  if (data._dtype !== weights[0].wIh._dtype) throw new Error('mat1 and mat2 must have the same dtype');
  checkStates(mode, weights, data._shape[1], sizes[0] ?? 0, hx, cx);
  const { out, hN, cN } = runStack(stackConfig(mode, a), dense(data), sizes, hx, cx, weights);
  return { y: cudnnRan(out) ? out : named(out, 'CatBackward0'), hN, cN };
}

/**
 * `torch.lstm`: a stack of LSTM layers, as nn.LSTM runs it.
 * - `torch.lstm(input, [h0, c0], params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst)`
 *   over a padded input [T, B, I] ([B, T, I] when `batchFirst`);
 * - `torch.lstm(data, batchSizes, [h0, c0], params, hasBiases, numLayers, dropout, train, bidirectional)`
 *   over packed data [N, I].
 *
 * `params` lists, per layer and direction (forward first), w_ih, w_hh, then b_ih, b_hh when
 * `hasBiases`, then w_hr with projections. Returns [output, hN, cN].
 * @example const [out, hN, cN] = torch.lstm(x, [h0, c0], lstm.allWeights.flat(), true, 1, 0, false, false, false);
 */
export function lstm(input: Tensor, hx: [Tensor, Tensor], params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean, batchFirst: boolean): [Tensor, Tensor, Tensor];
export function lstm(data: Tensor, batchSizes: Tensor, hx: [Tensor, Tensor], params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean): [Tensor, Tensor, Tensor];
export function lstm(input: Tensor, second: [Tensor, Tensor] | Tensor, ...rest: unknown[]): [Tensor, Tensor, Tensor] {
  const packed = second instanceof Tensor;
  const [hx, params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst] = (packed ? rest : [second, ...rest]) as [
    [Tensor, Tensor], Tensor[], boolean, number, number, boolean, boolean, boolean,
  ];
  if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError('lstm(): argument \'hx\' must be a list of two Tensors [h0, c0]');
  checkTensor(hx[0], 'lstm', 'hx[0]');
  checkTensor(hx[1], 'lstm', 'hx[1]');
  const a = { hasBiases, numLayers, dropout, train, bidirectional };
  const r = packed ? runPacked('LSTM', input, second, hx[0], hx[1], params, a) : runPadded('LSTM', input, hx[0], hx[1], params, a, batchFirst);
  return [r.y, r.hN, r.cN!];
}

function singleState(mode: RnnMode, input: Tensor, second: Tensor, rest: unknown[]): [Tensor, Tensor] {
  const fn = PYTHON_NAME[mode];
  // (input, hx, params, ...) or (data, batchSizes, hx, params, ...): the packed form has a
  // Tensor where the padded one has its params list.
  const packed = rest[0] instanceof Tensor;
  const [hx, params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst] = (packed ? rest : [second, ...rest]) as [
    Tensor, Tensor[], boolean, number, number, boolean, boolean, boolean,
  ];
  checkTensor(hx, fn, 'hx');
  const a = { hasBiases, numLayers, dropout, train, bidirectional };
  const r = packed ? runPacked(mode, input, second, hx, null, params, a) : runPadded(mode, input, hx, null, params, a, batchFirst);
  return [r.y, r.hN];
}

/**
 * `torch.gru`: a stack of GRU layers, as nn.GRU runs it, in the padded form
 * `(input, h0, params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst)` or
 * the packed form `(data, batchSizes, h0, params, hasBiases, numLayers, dropout, train, bidirectional)`.
 * Returns [output, hN].
 * @example const [out, hN] = torch.gru(x, h0, gru.allWeights.flat(), true, 1, 0, false, false, false);
 */
export function gru(input: Tensor, hx: Tensor, params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean, batchFirst: boolean): [Tensor, Tensor];
export function gru(data: Tensor, batchSizes: Tensor, hx: Tensor, params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean): [Tensor, Tensor];
export function gru(input: Tensor, second: Tensor, ...rest: unknown[]): [Tensor, Tensor] {
  return singleState('GRU', input, second, rest);
}

/**
 * `torch.rnn_tanh`: a stack of Elman layers with tanh, as nn.RNN runs it; the arguments are
 * torch.gru's. Returns [output, hN].
 * @example const [out, hN] = torch.rnnTanh(x, h0, rnn.allWeights.flat(), true, 1, 0, false, false, false);
 */
export function rnnTanh(input: Tensor, hx: Tensor, params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean, batchFirst: boolean): [Tensor, Tensor];
export function rnnTanh(data: Tensor, batchSizes: Tensor, hx: Tensor, params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean): [Tensor, Tensor];
export function rnnTanh(input: Tensor, second: Tensor, ...rest: unknown[]): [Tensor, Tensor] {
  return singleState('RNN_TANH', input, second, rest);
}

/**
 * `torch.rnn_relu`: a stack of Elman layers with relu, as nn.RNN runs it with
 * `nonlinearity: 'relu'`; the arguments are torch.gru's. Returns [output, hN].
 * @example const [out, hN] = torch.rnnRelu(x, h0, rnn.allWeights.flat(), true, 1, 0, false, false, false);
 */
export function rnnRelu(input: Tensor, hx: Tensor, params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean, batchFirst: boolean): [Tensor, Tensor];
export function rnnRelu(data: Tensor, batchSizes: Tensor, hx: Tensor, params: Tensor[], hasBiases: boolean, numLayers: number, dropout: number, train: boolean, bidirectional: boolean): [Tensor, Tensor];
export function rnnRelu(input: Tensor, second: Tensor, ...rest: unknown[]): [Tensor, Tensor] {
  return singleState('RNN_RELU', input, second, rest);
}

/** One cell step on [B, I] and [B, H] states, checked with ATen's messages. */
function cellStep(mode: RnnMode, input: Tensor, h: Tensor, c: Tensor | null, wIh: Tensor, wHh: Tensor, bIh: Tensor | null | undefined, bHh: Tensor | null | undefined, gradFn: string) {
  const fn = `${PYTHON_NAME[mode]}_cell`;
  checkTensor(input, fn, 'input');
  checkTensor(h, fn, 'hx');
  checkTensor(wIh, fn, 'w_ih');
  checkTensor(wHh, fn, 'w_hh');
  if (bIh != null) checkTensor(bIh, fn, 'b_ih');
  if (bHh != null) checkTensor(bHh, fn, 'b_hh');
  if (input._shape.length !== 2) throw new Error(`${fn}: input must be 2-D [batch, input_size], got ${input._shape.length}-D`);
  const hidden = wHh._shape[1];
  if (wIh._shape.length !== 2 || wIh._shape[0] !== GATES[mode] * hidden) {
    throw new Error(`${fn}: w_ih must be [${GATES[mode]} * hidden_size, input_size], got [${wIh._shape.join(', ')}]`);
  }
  if (input._shape[1] !== wIh._shape[1]) throw new Error(`input has inconsistent input_size: got ${input._shape[1]} expected ${wIh._shape[1]}`);
  const states = c === null ? [h] : [h, c];
  states.forEach((s, i) => {
    if (s._shape.length !== 2 || s._shape[0] !== input._shape[0]) {
      throw new Error(`Input batch size ${input._shape[0]} doesn't match hidden${i} batch size ${s._shape[0]}`);
    }
    if (s._shape[1] !== hidden) throw new Error(`hidden${i} has inconsistent hidden_size: got ${s._shape[1]}, expected ${hidden}`);
  });
  if (input._dtype !== wIh._dtype) throw new Error('mat1 and mat2 must have the same dtype');
  const w = { wIh: dense(wIh), wHh: dense(wHh), bIh: bIh ?? null, bHh: bHh ?? null, wHr: null };
  const [out, , cN] = runDirection(mode, dense(input), h, c, w, [input._shape[0]], false, gradFn);
  return [out, cN] as const;
}

/**
 * `torch.lstm_cell(input, [h, c], w_ih, w_hh, b_ih?, b_hh?)`: one LSTM step, as nn.LSTMCell
 * takes it. Returns [h', c'].
 * @example const [h1, c1] = torch.lstmCell(x, [h0, c0], cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
 */
export function lstmCell(input: Tensor, hx: [Tensor, Tensor], wIh: Tensor, wHh: Tensor, bIh: Tensor | null = null, bHh: Tensor | null = null): [Tensor, Tensor] {
  if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError("lstm_cell(): argument 'hx' must be a list of two Tensors [h, c]");
  checkTensor(hx[1], 'lstm_cell', 'hx[1]');
  const [h, c] = cellStep('LSTM', input, hx[0], hx[1], wIh, wHh, bIh, bHh, 'MulBackward0');
  return [h, lstmCellState(c!)];
}

/**
 * `torch.gru_cell(input, h, w_ih, w_hh, b_ih?, b_hh?)`: one GRU step. Returns h'.
 * @example const h1 = torch.gruCell(x, h0, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
 */
export function gruCell(input: Tensor, hx: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null = null, bHh: Tensor | null = null): Tensor {
  return cellStep('GRU', input, hx, null, wIh, wHh, bIh, bHh, 'AddBackward0')[0];
}

/**
 * `torch.rnn_tanh_cell(input, h, w_ih, w_hh, b_ih?, b_hh?)`: one Elman step with tanh. Returns h'.
 * @example const h1 = torch.rnnTanhCell(x, h0, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
 */
export function rnnTanhCell(input: Tensor, hx: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null = null, bHh: Tensor | null = null): Tensor {
  return cellStep('RNN_TANH', input, hx, null, wIh, wHh, bIh, bHh, 'TanhBackward0')[0];
}

/**
 * `torch.rnn_relu_cell(input, h, w_ih, w_hh, b_ih?, b_hh?)`: one Elman step with relu. Returns h'.
 * @example const h1 = torch.rnnReluCell(x, h0, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
 */
export function rnnReluCell(input: Tensor, hx: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null = null, bHh: Tensor | null = null): Tensor {
  return cellStep('RNN_RELU', input, hx, null, wIh, wHh, bIh, bHh, 'ReluBackward0')[0];
}
