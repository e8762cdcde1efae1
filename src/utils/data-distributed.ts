/**
 * `torch.utils.data.distributed`: `DistributedSampler`, which gives each process of a
 * data-parallel job its own share of a dataset.
 * @example
 * const sampler = new torch.utils.data.distributed.DistributedSampler(ds, { numReplicas: 2, rank: 0 });
 */
export { DistributedSampler } from './distributed-sampler.js';
export type { DistributedSamplerOptions } from './distributed-sampler.js';
