/**
 * `torch.ao.nn.quantized.dynamic` (also `torch.nn.quantized.dynamic`): layers with int8
 * weights whose inputs are quantized per call.
 * @example new torch.nn.quantized.dynamic.Linear(4, 3)
 */
export { Linear, LinearPackedParams } from './dynamic-linear.js';
export type { DynamicLinearOptions } from './dynamic-linear.js';
