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
export type { LocalMetadata, LoadStateDictPreHook, LoadStateDictPreHookWithModule, StateDictHook } from './module-hooks.js';
export { Parameter, UninitializedParameter, UninitializedBuffer, isLazy } from './parameter.js';
export type { MaterializeOptions } from './parameter.js';
export {
  LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
  LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d,
} from './layers/lazy.js';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict } from './containers.js';
export { Linear, Identity, Flatten, Unflatten } from './layers/linear.js';
export type { FactoryOptions, LinearOptions } from './layers/linear.js';
export { Embedding } from './layers/embedding.js';
export type { EmbeddingLayerOptions, FromPretrainedOptions } from './layers/embedding.js';
export { EmbeddingBag } from './layers/embedding-bag.js';
export type { EmbeddingBagLayerOptions, EmbeddingBagFromPretrainedOptions, EmbeddingBagForwardOptions } from './layers/embedding-bag.js';
export { AdaptiveLogSoftmaxWithLoss } from './layers/adaptive-softmax.js';
export type { AdaptiveLogSoftmaxOptions, ASMOutput } from './layers/adaptive-softmax.js';
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout } from './layers/activation.js';
export {
  Softplus, ELU, SELU, CELU, Hardtanh, ReLU6, Hardsigmoid, Hardswish, Mish, LogSigmoid, Softsign, Tanhshrink, GLU, PReLU,
  Hardshrink, Softshrink, Threshold,
} from './layers/activations-more.js';
export type { PReLUOptions } from './layers/activations-more.js';
export { LayerNorm } from './layers/normalization.js';
export type { LayerNormOptions } from './layers/normalization.js';
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d } from './layers/batch-norm.js';
export type { BatchNormOptions } from './layers/batch-norm.js';
export { SyncBatchNorm } from './layers/sync-batch-norm.js';
export type { SyncBatchNormOptions, SyncGroup } from './layers/sync-batch-norm.js';
export { GroupNorm, LocalResponseNorm } from './layers/group-norm.js';
export type { GroupNormOptions, LocalResponseNormOptions } from './layers/group-norm.js';
export { CrossMapLRN2d, NLLLoss2d } from './layers/legacy.js';
export { DataParallel } from './parallel/data-parallel.js';
export type { DataParallelOptions } from './parallel/data-parallel.js';
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
  MultiLabelMarginLoss,
  TripletMarginWithDistanceLoss,
} from './layers/losses-extra.js';
export { CosineSimilarity, PairwiseDistance } from './layers/distance.js';
export { Bilinear } from './layers/bilinear.js';
export { Softmin, Softmax2d, RReLU } from './layers/activation-extra.js';
export type { RReLUOptions } from './layers/activation-extra.js';
// Resampling, layout and channel dropout (issue 11).
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d } from './layers/upsample.js';
export type { UpsampleOptions } from './layers/upsample.js';
export { PixelShuffle, PixelUnshuffle, ChannelShuffle } from './layers/shuffle.js';
export { Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout } from './layers/dropout-nd.js';
export {
  MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d,
  AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, LPPool1d, LPPool2d,
} from './layers/pooling.js';
export type { PoolResult } from './layers/pooling.js';
export { FractionalMaxPool2d, FractionalMaxPool3d } from './layers/pooling-fractional.js';
export type { FractionalMaxPoolLayerOptions } from './layers/pooling-fractional.js';
// Convolution, padding and fold/unfold modules (issue 11).
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from './layers/conv.js';
export type { ConvModuleOptions, ConvTransposeModuleOptions, PaddingMode } from './layers/conv.js';
export {
  ZeroPad2d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
  ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
} from './layers/padding.js';
export type { PaddingSize } from './layers/padding.js';
export { Unfold, Fold } from './layers/fold.js';
// Recurrent layers and cells (issue 12).
export { RNNBase, RNN, LSTM, GRU } from './layers/rnn.js';
export type { RNNOptions } from './layers/rnn.js';
export { RNNCellBase, RNNCell, LSTMCell, GRUCell } from './layers/rnn-cell.js';
export type { RNNCellOptions } from './layers/rnn-cell.js';
// Attention and Transformers (issue 12).
export { MultiheadAttention, NonDynamicallyQuantizableLinear } from './layers/multihead-attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './layers/multihead-attention.js';
export { TransformerEncoderLayer, TransformerDecoderLayer } from './layers/transformer-layers.js';
export type {
  TransformerLayerOptions, TransformerActivation, EncoderLayerForwardOptions, DecoderLayerForwardOptions,
} from './layers/transformer-layers.js';
export { TransformerEncoder, TransformerDecoder, Transformer } from './layers/transformer.js';
export type {
  TransformerEncoderOptions, TransformerDecoderOptions, TransformerOptions, EncoderForwardOptions, TransformerForwardOptions,
} from './layers/transformer.js';
export * as utils from './utils/index.js';
/** `torch.nn.parallel`: DistributedDataParallel. @example new torch.nn.parallel.DistributedDataParallel(net) */
export * as parallel from './parallel/index.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
/**
 * `torch.nn.quantized`, PyTorch's older name for `torch.ao.nn.quantized`: dynamically quantized layers.
 * @example torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.Linear(4, 3))
 */
export * as quantized from '../quantization/nn-quantized.js';
