/**
 * `torch.utils`: `data` and `checkpoint`.
 * @example
 * import { utils } from 'flint';
 * const loader = new utils.data.DataLoader(new utils.data.TensorDataset(X, y), { batchSize: 32 });
 */
export * as data from './data.js';
/**
 * `torch.utils.checkpoint`: activation checkpointing.
 * @example torch.utils.checkpoint.checkpoint((x) => block(x), x)
 */
export * as checkpoint from './checkpoint.js';
