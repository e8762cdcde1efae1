/**
 * `torch.nn.utils.parametrizations`: weight and spectral normalization as
 * parametrizations (see parametrize.ts).
 * @example nn.utils.parametrizations.spectralNorm(new nn.Linear(4, 4))
 */
export { parametrizedWeightNorm as weightNorm, spectralNorm } from './weight-norm.js';
export type { SpectralNormOptions } from './weight-norm.js';
