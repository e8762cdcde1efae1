/**
 * `torch.ao.nn.quantized` (also `torch.nn.quantized`): flint has its dynamic layers.
 * @example torch.nn.quantized.dynamic.Linear.fromFloat(linear)
 */
export * as dynamic from './nn-dynamic.js';
