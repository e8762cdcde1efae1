/**
 * `torch.ao.nn`: the quantized layers.
 * @example new torch.ao.nn.quantized.dynamic.Linear(4, 3)
 */
export * as quantized from './nn-quantized.js';
