/**
 * `torch.utils`. Only `data` so far.
 * @example
 * import { utils } from 'flint';
 * const loader = new utils.data.DataLoader(new utils.data.TensorDataset(X, y), { batchSize: 32 });
 */
export * as data from './data.js';
