/**
 * `torch.nn.parallel`: `DistributedDataParallel`.
 * @example const ddp = new torch.nn.parallel.DistributedDataParallel(net);
 */
export { DistributedDataParallel } from './distributed.js';
export type { DistributedDataParallelOptions } from './distributed.js';
