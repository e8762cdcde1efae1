/**
 * `torch.nn.functional` (conventionally imported as `F`).
 * @example
 * const { functional: F } = torch.nn;
 * const loss = F.crossEntropy(F.relu(x.matmul(w)), y);
 */
export { relu, leakyRelu, gelu, silu, sigmoid, tanh, softmax, logSoftmax } from './activation.js';
export { relu_ } from '../../ops/inplace.js';
export type { InplaceOptions, LeakyReluOptions, GeluOptions } from './activation.js';
export {
  softplus, elu, elu_, selu, selu_, celu, celu_, hardtanh, hardtanh_, relu6, hardsigmoid, hardswish, mish, logsigmoid,
  hardshrink, softshrink, threshold, threshold_, softsign, tanhshrink, glu, prelu,
} from './activations-more.js';
export type { SoftplusOptions, AlphaInplaceOptions, HardtanhOptions, InplaceOnly } from './activations-more.js';
export { softmin, gumbelSoftmax, rrelu, rrelu_ } from './activations-extra.js';
export type { SoftminOptions, GumbelSoftmaxOptions, RReluOptions } from './activations-extra.js';
export { linear, dropout, layerNorm } from './layers.js';
export type { DropoutOptions } from './layers.js';
export { batchNorm, instanceNorm, groupNorm, localResponseNorm } from './normalization.js';
export type { BatchNormOptions } from './normalization.js';
export { embedding } from './embedding.js';
export type { EmbeddingOptions } from './embedding.js';
export { embeddingBag } from './embedding-bag.js';
export type { EmbeddingBagOptions, EmbeddingBagMode } from './embedding-bag.js';
export { crossEntropy, nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits } from './loss.js';
export type { Reduction, CrossEntropyOptions, NllLossOptions, ReductionOptions, BCEWithLogitsOptions } from './loss.js';
export { binaryCrossEntropy, smoothL1Loss, huberLoss, klDiv, poissonNllLoss, gaussianNllLoss } from './losses-regression.js';
export type { BCEOptions, SmoothL1Options, HuberOptions, KLDivOptions, PoissonNLLOptions, GaussianNLLOptions } from './losses-regression.js';
export {
  cosineEmbeddingLoss,
  marginRankingLoss,
  hingeEmbeddingLoss,
  tripletMarginLoss,
  softMarginLoss,
  multilabelSoftMarginLoss,
  multiMarginLoss,
} from './losses-margin.js';
export type {
  MarginOptions,
  TripletMarginOptions,
  SoftMarginOptions,
  MultilabelSoftMarginOptions,
  MultiMarginOptions,
} from './losses-margin.js';
export { multilabelMarginLoss, tripletMarginWithDistanceLoss } from './losses-margin-extra.js';
export type { MultilabelMarginOptions, TripletMarginWithDistanceOptions } from './losses-margin-extra.js';
export { ctcLoss } from './ctc.js';
export type { CTCLossOptions } from './ctc.js';
export { cosineSimilarity, pairwiseDistance, pdist, normalize } from './distance.js';
export type { CosineSimilarityOptions, PairwiseDistanceOptions, NormalizeOptions } from './distance.js';
export { bilinear } from './bilinear.js';
// Resampling, layout and channel dropout (issue 11).
export { interpolate, upsample, upsampleNearest, upsampleBilinear } from './upsample.js';
export type { InterpolateMode, InterpolateOptions } from './upsample.js';
export { gridSample } from './grid-sample.js';
export type { GridSampleOptions, GridSampleMode, GridSamplePadding } from './grid-sample.js';
export { affineGrid } from './affine-grid.js';
export type { AffineGridOptions } from './affine-grid.js';
export { pixelShuffle, pixelUnshuffle, channelShuffle } from './pixel-shuffle.js';
// F.conv_tbc and F.native_channel_shuffle are torch.conv_tbc and torch.native_channel_shuffle, as in PyTorch.
export { convTbc, nativeChannelShuffle } from '../../ops/torch-functional.js';
export { dropout1d, dropout2d, dropout3d, alphaDropout, featureAlphaDropout } from './dropout-nd.js';
export {
  maxPool1d, maxPool2d, maxPool3d, maxPool1dWithIndices, maxPool2dWithIndices, maxPool3dWithIndices, avgPool1d, avgPool2d, avgPool3d,
} from './pooling.js';
export type { MaxPoolOptions, AvgPoolOptions, PoolArg } from './pooling.js';
export {
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveAvgPool3d, adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d,
  adaptiveMaxPool1dWithIndices, adaptiveMaxPool2dWithIndices, adaptiveMaxPool3dWithIndices, maxUnpool1d, maxUnpool2d, maxUnpool3d,
  lpPool1d, lpPool2d,
} from './pooling-adaptive.js';
export type { AdaptiveMaxPoolOptions, MaxUnpoolOptions, LPPoolOptions } from './pooling-adaptive.js';
export type { PoolSize, AdaptiveSize } from './pooling-args.js';
export { fractionalMaxPool2d, fractionalMaxPool3d, fractionalMaxPool2dWithIndices, fractionalMaxPool3dWithIndices } from './pooling-fractional.js';
export type { FractionalMaxPoolOptions } from './pooling-fractional.js';
// Convolution, padding and fold/unfold (issue 11).
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d } from './conv.js';
export type { ConvOptions, ConvTransposeOptions, IntOrTuple } from './conv.js';
export { pad } from './padding.js';
export type { PadMode, PadOptions } from './padding.js';
export { unfold, fold } from './fold.js';
export type { FoldOptions } from './fold.js';
// Attention and encodings (issue 12).
export { scaledDotProductAttention } from './attention.js';
export type { ScaledDotProductAttentionOptions } from './attention.js';
export { multiHeadAttentionForward } from './multi-head-attention.js';
export type { MultiHeadAttentionForwardOptions } from './multi-head-attention.js';
export { oneHot } from './one-hot.js';
