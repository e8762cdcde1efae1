/**
 * `torch.optim.lr_scheduler`, gathered for the `optim.lrScheduler` namespace. The base
 * class and the first schedulers live in lr-scheduler.ts; the others in files by kind.
 *
 * @example
 * import { lrScheduler } from './optim/index.js';
 * const sched = new lrScheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 */
export * from './lr-scheduler.js';
export * from './lr-schedulers-factor.js';
export * from './lr-schedulers-composite.js';
export * from './lr-schedulers-cyclic.js';
export * from './lr-schedulers-restarts.js';
export * from './lr-scheduler-plateau.js';
