/**
 * `torch.utils`: `data` and `checkpoint`.
 * @example
 * import { utils } from 'flint-torch';
 * const loader = new utils.data.DataLoader(new utils.data.TensorDataset(X, y), { batchSize: 32 });
 */
export * as data from './data.js';
/**
 * `torch.utils.checkpoint`: activation checkpointing.
 * @example torch.utils.checkpoint.checkpoint((x) => block(x), x)
 */
export * as checkpoint from './checkpoint.js';
/**
 * `torch.utils.progress`: a TTY-aware progress bar with rate and ETA (tqdm's layout).
 * @example for (const batch of torch.utils.progress.progress(loader, { label: 'epoch 1' })) { ... }
 */
export * as progress from './progress.js';
/**
 * `torch.utils.tensorboard`: `SummaryWriter`, which writes TensorBoard's event files.
 * @example const writer = new torch.utils.tensorboard.SummaryWriter('runs/exp1'); writer.addScalar('loss', 0.5, 1);
 */
export * as tensorboard from './tensorboard/index.js';
