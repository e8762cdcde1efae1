/**
 * `torch.utils.data.get_worker_info`: set by a DataLoader worker thread when it starts,
 * null everywhere else.
 */

/**
 * What a DataLoader worker thread knows about itself, as PyTorch's `WorkerInfo`: its id
 * (0 to numWorkers - 1), the number of workers, the seed its global generator started
 * from (the iterator's base seed + id; a bigint when it needs more than 53 bits, as
 * `torch.initialSeed()` returns it) and its own copy of the dataset.
 * @example const info: WorkerInfo | null = torch.utils.data.getWorkerInfo();
 */
export interface WorkerInfo {
  readonly id: number;
  readonly numWorkers: number;
  readonly seed: number | bigint;
  readonly dataset: unknown;
}

let current: WorkerInfo | null = null;

/**
 * Inside a DataLoader worker thread, that worker's `{ id, numWorkers, seed, dataset }`;
 * null in the main thread, as `torch.utils.data.get_worker_info()`. An IterableDataset
 * uses it to give each worker its own share of the stream.
 * @example
 * class Range extends IterableDataset<number> {
 *   *[Symbol.iterator]() {
 *     const info = torch.utils.data.getWorkerInfo();
 *     const [id, n] = info === null ? [0, 1] : [info.id, info.numWorkers];
 *     for (let i = id; i < 100; i += n) yield i;
 *   }
 * }
 */
export function getWorkerInfo(): WorkerInfo | null {
  return current;
}

/**
 * Set once by the worker thread's entry. @internal
 * @example setWorkerInfo({ id: 0, numWorkers: 2, seed: initialSeed(), dataset });
 */
export function setWorkerInfo(info: WorkerInfo): void {
  current = Object.freeze({ ...info });
}
