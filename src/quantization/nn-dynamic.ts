/**
 * `torch.ao.nn.quantized.dynamic` (also `torch.nn.quantized.dynamic`): layers with int8
 * weights whose inputs are quantized per call: Linear, LSTM, GRU and the three cells.
 * @example new torch.nn.quantized.dynamic.Linear(4, 3)
 */
export { Linear, LinearPackedParams } from './dynamic-linear.js';
export type { DynamicLinearOptions } from './dynamic-linear.js';
export { LSTM, GRU } from './dynamic-rnn.js';
export type { DynamicRNNOptions } from './dynamic-rnn.js';
export { RNNCell, LSTMCell, GRUCell } from './dynamic-rnn-cell.js';
export type { DynamicRNNCellOptions } from './dynamic-rnn-cell.js';
