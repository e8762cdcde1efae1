/**
 * `torch.distributions.transforms`: the elementwise transforms and the structured ones, in
 * one namespace as PyTorch has them.
 * @example new torch.distributions.transforms.StickBreakingTransform().call(torch.zeros(2))
 */
export * from './transforms.js';
export * from './transforms-structured.js';
export * from './transforms-piecewise.js';
