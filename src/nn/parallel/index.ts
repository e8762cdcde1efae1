/**
 * `torch.nn.parallel`: `DistributedDataParallel`.
 * @example const ddp = new torch.nn.parallel.DistributedDataParallel(net);
 */
export { DistributedDataParallel } from './distributed.js';
export type { DistributedDataParallelOptions, DDPJoinOptions } from './distributed.js';
export { DataParallel } from './data-parallel.js';
export type { DataParallelOptions } from './data-parallel.js';
