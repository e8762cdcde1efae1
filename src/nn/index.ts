/**
 * `torch.nn`: modules, parameters, containers, layers, losses, `functional` and `init`.
 * @example
 * const { nn } = torch;
 * const net = new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
 */
export { Module } from './module.js';
export type { StateDict, RemovableHandle } from './module.js';
export type {
  StateDictOptions,
  LoadStateDictOptions,
  RegisterBufferOptions,
  ZeroGradOptions,
  ModuleToOptions,
} from './module-options.js';
export type { LoadStateDictResult } from './state-dict.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict } from './containers.js';
export { Linear, Identity, Flatten, Unflatten } from './layers/linear.js';
export type { FactoryOptions, LinearOptions } from './layers/linear.js';
export { Embedding } from './layers/embedding.js';
export type { EmbeddingLayerOptions, FromPretrainedOptions } from './layers/embedding.js';
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout } from './layers/activation.js';
export {
  Softplus, ELU, SELU, CELU, Hardtanh, ReLU6, Hardsigmoid, Hardswish, Mish, LogSigmoid, Softsign, Tanhshrink, GLU, PReLU,
  Hardshrink, Softshrink, Threshold,
} from './layers/activations-more.js';
export type { PReLUOptions } from './layers/activations-more.js';
export { LayerNorm, BatchNorm1d } from './layers/normalization.js';
export type { LayerNormOptions, BatchNormOptions } from './layers/normalization.js';
export { MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss } from './layers/loss.js';
export {
  BCELoss,
  SmoothL1Loss,
  HuberLoss,
  KLDivLoss,
  PoissonNLLLoss,
  GaussianNLLLoss,
  CosineEmbeddingLoss,
  MarginRankingLoss,
  HingeEmbeddingLoss,
  TripletMarginLoss,
  MultiLabelSoftMarginLoss,
  MultiMarginLoss,
  SoftMarginLoss,
  CTCLoss,
} from './layers/losses-extra.js';
export { Bilinear } from './layers/bilinear.js';
export { Softmin, Softmax2d } from './layers/activation-extra.js';
// Convolution, padding and fold/unfold modules (issue 11).
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from './layers/conv.js';
export type { ConvModuleOptions, ConvTransposeModuleOptions, PaddingMode } from './layers/conv.js';
export {
  ZeroPad2d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
  ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
} from './layers/padding.js';
export type { PaddingSize } from './layers/padding.js';
export { Unfold, Fold } from './layers/fold.js';
export * as utils from './utils/index.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
