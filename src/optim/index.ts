/**
 * `torch.optim`: optimizers that update parameters from their `.grad`, and learning-rate
 * schedulers under `lrScheduler` (PyTorch's `torch.optim.lr_scheduler`).
 *
 * @example
 * import * as optim from './optim/index.js';
 * const opt = new optim.SGD([w, b], { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * for (let epoch = 0; epoch < 30; epoch++) {
 *   opt.zeroGrad();
 *   loss(w, b).backward();
 *   opt.step();
 *   sched.step();
 * }
 */
export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamGroupInput, Params, ParamState, ParamStateValue, OptimizerStateDict } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions, SGDParamGroup } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions, AdamParamGroup } from './adam.js';
export { Adadelta } from './adadelta.js';
export type { AdadeltaOptions, AdadeltaParamGroup } from './adadelta.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions, AdagradParamGroup } from './adagrad.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions, RMSpropParamGroup } from './rmsprop.js';
export { Adamax } from './adamax.js';
export type { AdamaxOptions, AdamaxParamGroup } from './adamax.js';
export { NAdam } from './nadam.js';
export type { NAdamOptions, NAdamParamGroup } from './nadam.js';
export { RAdam } from './radam.js';
export type { RAdamOptions, RAdamParamGroup } from './radam.js';
export { ASGD } from './asgd.js';
export type { ASGDOptions, ASGDParamGroup } from './asgd.js';
export { Rprop } from './rprop.js';
export type { RpropOptions, RpropParamGroup } from './rprop.js';
export { LBFGS } from './lbfgs.js';
export type { LBFGSOptions, LBFGSParamGroup } from './lbfgs.js';
export * as lrScheduler from './lr-schedulers.js';
/**
 * `torch.optim.swa_utils`: AveragedModel, SWALR, updateBn and the averaging functions.
 * @example const swaModel = new optim.swaUtils.AveragedModel(model);
 */
export * as swaUtils from './swa-utils.js';
