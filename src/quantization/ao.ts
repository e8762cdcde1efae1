/**
 * `torch.ao`: quantization (`torch.ao.quantization.quantizeDynamic`) and its layers
 * (`torch.ao.nn.quantized.dynamic.Linear`).
 * @example torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]))
 */
export * as quantization from './ao-quantization.js';
export * as nn from './ao-nn.js';
