/**
 * `torch.nn.utils`.
 * @example
 * const flat = torch.nn.utils.parametersToVector(net.parameters());
 * torch.nn.utils.vectorToParameters(flat, net.parameters());
 */
export { parametersToVector, vectorToParameters } from './convert-parameters.js';
export { weightNorm, removeWeightNorm } from './weight-norm.js';
export { spectralNorm, removeSpectralNorm } from './spectral-norm.js';
export type { SpectralNormHookOptions } from './spectral-norm.js';
export * as stateless from './stateless.js';
export * as parametrize from './parametrize.js';
export * as parametrizations from './parametrizations.js';
export { clipGradNorm_, clipGradValue_, clipGradNorm } from './clip-grad.js';
export type { ClipGradNormOptions } from './clip-grad.js';
export { fuseConvBnEval, fuseConvBnWeights, fuseLinearBnEval, fuseLinearBnWeights } from './fusion.js';
export type { FuseConvBnOptions } from './fusion.js';
export { skipInit } from './skip-init.js';
// Packed sequences for the recurrent layers (issue 12).
export * as rnn from './rnn.js';
export { PackedSequence } from './rnn.js';
// torch.nn.utils.prune: pruning methods and their reparametrization.
export * as prune from './prune.js';
