/**
 * `torch.utils.data`: datasets, samplers, `DataLoader` and `randomSplit`. Python's
 * `__getitem__`/`__len__` become `at(index)`/`length`, so a plain JS array is already a
 * dataset.
 */
import { checkGenerator, type Generator } from '../random/generator.js';
import { randperm } from '../random/sampling.js';
import { CPU } from '../tensor/device.js';
import { argumentError } from '../tensor/args.js';
import { Subset, checkDataset, type MapDataset } from './data-core.js';

export { Dataset, TensorDataset, Subset, defaultCollate, defaultConvert } from './data-core.js';
export type { MapDataset, Collated } from './data-core.js';
export { IterableDataset, ConcatDataset, ChainDataset, StackDataset } from './datasets.js';
export type { Stacked } from './datasets.js';
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler } from './samplers.js';
export type { RandomSamplerOptions, Sized } from './samplers.js';
export { DistributedSampler } from './distributed-sampler.js';
export type { DistributedSamplerOptions } from './distributed-sampler.js';
/**
 * `torch.utils.data.distributed`: `DistributedSampler`, each process's share of a dataset.
 * @example const sampler = new torch.utils.data.distributed.DistributedSampler(ds, { numReplicas: 2, rank: 0 });
 */
export * as distributed from './data-distributed.js';
export { DataLoader } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { getWorkerInfo } from './worker-info.js';
export type { WorkerInfo } from './worker-info.js';
export type { WorkerSpec, WorkerFunctionRef } from './worker-codec.js';

/**
 * `torch.utils.data.random_split`: disjoint random Subsets of the given lengths, either
 * counts summing to `dataset.length` or fractions summing to 1 (the rows left over by
 * flooring go one each to the first splits, round-robin). The order is PyTorch's
 * `randperm` over `generator` (the global generator by default), so the splits are
 * PyTorch's for the same seed.
 * @example const [train, val] = randomSplit(ds, [0.8, 0.2], new torch.Generator().manualSeed(42));
 */
export function randomSplit<T>(dataset: MapDataset<T>, lengths: number[], generator: Generator | null = null): Subset<T>[] {
  checkGenerator(generator, 'randomSplit', CPU);
  checkDataset(dataset, 'randomSplit');
  if (!Array.isArray(lengths) || !lengths.every((v) => typeof v === 'number')) {
    throw argumentError('randomSplit', 'lengths', 'an array of numbers', lengths);
  }
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes = lengths;
  // math.isclose(sum, 1) and sum <= 1, as PyTorch decides that lengths are fractions.
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = lengths.map((frac, i) => {
      if (!(frac >= 0 && frac <= 1)) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
    sizes.forEach((size, i) => {
      if (size === 0) process.emitWarning(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  } else if (!lengths.every((size) => Number.isInteger(size) && size >= 0)) {
    throw new RangeError(`lengths must be non-negative integers or fractions summing to 1, but got [${lengths.join(', ')}]`);
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError('Sum of input lengths does not equal the length of the input dataset!');
  }
  const perm = randperm(n, { generator });
  const order = Array.from(perm.dataSync() as BigInt64Array, Number);
  perm.dispose();
  let offset = 0;
  return sizes.map((size) => new Subset(dataset, order.slice(offset, (offset += size))));
}
