/**
 * flint: PyTorch for Node.js.
 *
 * @example
 * import * as torch from 'flint-torch';
 * const X = torch.rand(2, 20);
 * const w = torch.randn(20, 3, { requiresGrad: true });
 * const loss = X.matmul(w).relu().sum();
 * loss.backward();
 * console.log(w.grad);
 */
import './tensor/methods.js';
import './random/methods.js';
import './autograd/hooks.js';
import { native, nativeInfo } from './native/addon.js';
import { checkInteger } from './tensor/args.js';

export { Tensor } from './tensor/tensor.js';
export { Size } from './tensor/size.js';
export { setPrintoptions } from './tensor/format.js';
export type { PrintOptions } from './tensor/format.js';
export type { TypedArray, NestedList } from './tensor/tensor.js';
export {
  DType,
  float32,
  float64,
  float16,
  bfloat16,
  int64,
  int32,
  int16,
  int8,
  uint8,
  bool,
  float,
  double,
  half,
  long,
  int,
  short,
  complex64,
  complex128,
  cfloat,
  cdouble,
  qint8,
  quint8,
  qint32,
  promoteTypes,
  setDefaultDtype,
  setDefaultTensorType,
  getDefaultDtype,
} from './tensor/dtype.js';
export { Device, device } from './tensor/device.js';
export type { DeviceLike } from './tensor/device.js';
export {
  tensor,
  empty,
  zeros,
  ones,
  full,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  manualSeed,
  zerosLike,
  onesLike,
  emptyLike,
  fullLike,
  randLike,
  randnLike,
  scalarTensor,
} from './tensor/creation.js';
export type { CreationOptions, RandomOptions } from './tensor/creation.js';
export { fromTransfer, transfer } from './tensor/transfer.js';
export type { FromTransferOptions, TransferredTensor } from './tensor/transfer.js';
export { Generator, defaultGenerator, getRngState, setRngState, initialSeed, seed } from './random/generator.js';
export { randperm, randintLike, normal, bernoulli, multinomial, poisson, binomial } from './random/sampling.js';
export {
  standardGamma as _standardGamma,
  standardGammaGrad as _standardGammaGrad,
  sampleDirichlet as _sampleDirichlet,
  dirichletGrad as _dirichletGrad,
} from './random/gamma.js';
export type { GeneratorOption } from './ops/fill.js';
export {
  add,
  sub,
  rsub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  gt,
  ge,
  lt,
  le,
  logicalAnd,
  logicalOr,
  logicalNot,
  neg,
  abs,
  exp,
  log,
  log1p,
  expm1,
  trunc,
  atan2,
  remainder,
  floorDivide,
  sqrt,
  rsqrt,
  sin,
  cos,
  relu,
  sigmoid,
  tanh,
  erf,
  reciprocal,
  square,
  sign,
  floor,
  ceil,
  round,
  clamp,
  clamp as clip,
  where,
} from './ops/elementwise.js';
// Elementwise math (unary-math, binary-math, compare-math) and its in-place forms.
export {
  tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log2, log10, exp2, frac,
  isnan, isinf, isposinf, isneginf, isfinite, nanToNum,
} from './ops/unary-math.js';
export type { NanToNumOptions } from './ops/unary-math.js';
export { lgamma, digamma, polygamma, erfc, erfinv, logit, mvlgamma, i0, lgamma_, digamma_, erfc_, erfinv_, logit_, mvlgamma_, i0_ } from './ops/special.js';
/**
 * `torch.special`: the special functions under PyTorch's names there (`gammaln`, `psi`,
 * `expit`, ...).
 * @example torch.special.gammaln(torch.tensor([0.5]))
 */
export * as special from './special.js';
export { igamma, igammac } from './ops/special-functions.js';
export { hypot, logaddexp, logaddexp2, xlogy, fmod, copysign, lerp, addcmul, addcdiv, gcd, lcm, nextafter } from './ops/binary-math.js';
export type { ValueOptions } from './ops/binary-math.js';
export { clampMin, clampMax, isclose, allclose, equal } from './ops/compare-math.js';
export type { CloseOptions } from './ops/compare-math.js';
export {
  sigmoid_, tanh_, exp_, log_, log1p_, expm1_, sqrt_, rsqrt_, reciprocal_, sin_, cos_, erf_, abs_, sign_, floor_, ceil_,
  round_, trunc_, square_, tan_, asin_, acos_, atan_, sinh_, cosh_, asinh_, acosh_, atanh_, log2_, log10_, exp2_, frac_,
  nanToNum_, atan2_, hypot_, fmod_, remainder_, copysign_, xlogy_, lerp_, addcmul_, addcdiv_, clampMin_, clampMax_,
  gcd_, lcm_, ldexp_, rad2deg_, deg2rad_, sinc_,
} from './ops/inplace-math.js';
export { bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot, bitwiseLeftShift, bitwiseRightShift, logicalXor } from './ops/bitwise.js';
export {
  absolute, arccos, arcsin, arctan, arccosh, arcsinh, arctanh, arctan2, arccos_, arcsin_, arctan_, arccosh_, arcsinh_,
  arctanh_, multiply, divide, trueDivide, subtract, negative, negative_, positive, greater, greaterEqual, less, lessEqual,
  notEqual, fix, fix_, clip_, concatenate,
} from './ops/aliases.js';
export { isTensor, isFloatingPoint, isComplex, isNonzero, numel, resultType, canCast } from './tensor/predicates.js';
export { fmax, fmin } from './ops/compare-math.js';
export { varMean, stdMean, renorm } from './ops/norms.js';
export { inner, ger, vdot, chainMatmul } from './ops/linalg-products.js';
export { diff, dist, gradient } from './ops/differences.js';
export type { DiffOptions, GradientOptions } from './ops/differences.js';
export { hannWindow, hammingWindow, blackmanWindow, bartlettWindow, kaiserWindow } from './ops/windows.js';
export { selectScatter, sliceScatter, diagonalScatter } from './ops/scatter-views.js';
export { indexPut, addmv_ } from './ops/inplace-extras.js';
export { pdist } from './nn/functional/distance.js';
export { histogram } from './ops/histogram.js';
export { histogramdd } from './ops/histogramdd.js';
export type { HistogramddOptions, HistogramddResult } from './ops/histogramdd.js';
export { frexp } from './ops/math-extras.js';
export type { FrexpResult } from './ops/math-extras.js';
export type { HistogramOptions, HistogramResult } from './ops/histogram.js';
export { relu_, neg_, clamp_ } from './ops/inplace.js';
export { selu, selu_, celu, celu_, threshold, threshold_, prelu, hardshrink } from './nn/functional/activations-more.js';
// torch.conv1d ... torch.conv_transpose3d (issue 11).
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d } from './nn/functional/conv.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { sum, mean, prod, max, min, amax, amin, argmax, argmin, any, all, logsumexp } from './ops/reduce.js';
// Pooling's torch.* forms (PyTorch has them beside F.*; torch.adaptive_max_pool1d always returns indices).
export { maxPool1d, maxPool2d, maxPool3d, maxPool1dWithIndices, avgPool1d } from './nn/functional/pooling.js';
export { adaptiveAvgPool1d, torchAdaptiveMaxPool1d as adaptiveMaxPool1d } from './nn/functional/pooling-adaptive.js';
export type { ValuesIndices } from './ops/reduce.js';
export { sort, argsort, msort, topk, kthvalue, median, nanmedian, mode } from './ops/sort.js';
export type { SortOptions, TopkOptions } from './ops/sort.js';
export { cumsum, cumprod, cummax, cummin, logcumsumexp } from './ops/scan.js';
export type { CumOptions } from './ops/scan.js';
export { aminmax, nansum, nanmean, countNonzero, unique, uniqueConsecutive, bincount, histc } from './ops/counting.js';
export type { MinMax, NanReduceOptions, UniqueOptions, UniqueResult } from './ops/counting.js';
export { searchsorted, bucketize } from './ops/search.js';
export type { SearchsortedOptions } from './ops/search.js';
export { var_ as var, std, norm } from './ops/norms.js';
export type { NormOrder, NormOptions, VarOptions } from './ops/norms.js';
export { matmul, mm, bmm, addmm, dot, mv, outer } from './ops/linalg.js';
export { baddbmm, addbmm, addmv, addr, trace, kron, tensordot, cross, cdist } from './ops/linalg-products.js';
export type { BetaAlpha } from './ops/linalg-products.js';
export { einsum } from './ops/einsum.js';
export { det, slogdet, logdet } from './linalg/determinants.js';
export { choleskySolve, choleskyInverse } from './linalg/extras.js';
export { pinverse } from './linalg/least-squares.js';
export { inverse } from './linalg/decompositions.js';
// Resampling and layout (issue 11): torch.pixel_shuffle, torch.channel_shuffle, torch.alpha_dropout, ...
export { pixelShuffle, pixelUnshuffle, channelShuffle } from './nn/functional/pixel-shuffle.js';
export { alphaDropout, featureAlphaDropout } from './nn/functional/dropout-nd.js';
export * as linalg from './linalg/index.js';
// Discrete Fourier transforms, as torch.fft (src/fft/).
export * as fft from './fft/index.js';
/**
 * `torch.profiler`: kernel-by-kernel timings, PyTorch's tables and Chrome traces.
 * @example const prof = torch.profiler.profile({}, () => net(x)); console.log(prof.keyAverages().table());
 */
export * as profiler from './profiler/index.js';
/**
 * `torch.func`: grad, vjp, jvp, jacrev, jacfwd, hessian, functionalCall, stackModuleState.
 * @example const g = torch.func.grad((x: torch.Tensor) => x.pow(2).sum())(x);
 */
export * as func from './func/index.js';
export { stft, istft } from './fft/stft.js';
export type { StftOptions, IstftOptions } from './fft/stft.js';
export {
  view,
  reshape,
  flatten,
  squeeze,
  unsqueeze,
  transpose,
  permute,
  t,
  cat,
  cat as concat,
  stack,
  clone,
  detach,
  narrow,
  broadcastShapes,
  broadcastTensors,
  broadcastTo,
} from './ops/shape.js';
export { index, indexSelect, gather, scatter, scatterAdd, nonzero, maskedSelect, select } from './ops/indexing.js';
export { split, chunk, unbind, tensorSplit, narrowCopy, hstack, vstack, dstack, columnStack, rowStack, hsplit, vsplit, dsplit, atleast1d, atleast2d, atleast3d } from './ops/split.js';
export { ravel, unflatten } from './ops/shape.js';
export { nonzero as argwhere } from './ops/indexing.js';
export { trilIndices, triuIndices, combinations, cartesianProd, blockDiag, vander, diagflat } from './ops/construct.js';
export type { TriangleIndicesOptions } from './ops/construct.js';
export { quantile, nanquantile, cov, corrcoef, trapezoid, trapz, cumulativeTrapezoid, cumtrapz, isin } from './ops/statistics.js';
export type { QuantileOptions, QuantileInterpolation, CovOptions, TrapezoidOptions } from './ops/statistics.js';
export { rad2deg, deg2rad, signbit, floatPower, ldexp, heaviside, sinc } from './ops/math-extras.js';
export { repeatInterleave, tile, flip, fliplr, flipud, roll, rot90, movedim, moveaxis, swapaxes, swapdims } from './ops/reorder.js';
export type { RepeatInterleaveOptions } from './ops/reorder.js';
export { take, takeAlongDim, maskedScatter, indexAdd, indexFill, indexCopy } from './ops/index-ops.js';
export type { IndexAddOptions } from './ops/index-ops.js';
export { tril, triu, diag, diagEmbed, diagonal, meshgrid, logspace } from './ops/structured.js';
export type { MeshgridOptions } from './ops/structured.js';
export { maskedFill } from './ops/indexing.js';
export { scatterReduce } from './ops/scatter-reduce.js';
export type { ScatterReduction, ScatterReduceOptions, ScatterOptions } from './ops/scatter-reduce.js';
export * as nn from './nn/index.js';
export { QuantizedTensor } from './quantization/qtensor.js';
export { ScriptObject } from './serialization/script-object.js';
export { QScheme, perTensorAffine, perChannelAffine, perTensorSymmetric, perChannelSymmetric, perChannelAffineFloatQparams } from './quantization/qscheme.js';
export { quantizePerTensor, quantizePerChannel, quantizePerTensorDynamic, dequantize } from './quantization/quantize.js';
export * as ao from './quantization/ao.js';
/**
 * `torch.quantization`, PyTorch's older name for `torch.ao.quantization`.
 * @example torch.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]))
 */
export * as quantization from './quantization/ao-quantization.js';
export { save, saveSync, load, loadSync, serialize, deserialize } from './serialization/index.js';
export type { SaveOptions, LoadOptions } from './serialization/index.js';
/**
 * `torch.serialization`: save/load, and `addSafeGlobals` (PyTorch's add_safe_globals) and
 * `getUnsafeGlobalsInCheckpoint` for checkpoints that pickle the user's own classes.
 * @example torch.serialization.addSafeGlobals(['argparse.Namespace']);
 */
export * as serialization from './serialization/namespace.js';
export type { SafeGlobal, SafeGlobalLike } from './serialization/safe-globals.js';
export * as optim from './optim/index.js';
/**
 * `torch.distributions`: Normal, Categorical, Bernoulli, MultivariateNormal and the rest,
 * with `klDivergence`, constraints and transforms.
 * @example const d = new torch.distributions.Normal(0, 1); d.logProb(d.sample([3]))
 */
export * as distributions from './distributions/index.js';
export * as utils from './utils/index.js';
/**
 * `torch.distributed`: process groups over gloo, collectives, stores; launch with flint-run.
 * @example await torch.distributed.initProcessGroup({ backend: 'gloo' });
 */
export * as distributed from './distributed/index.js';
/**
 * `torch.futures`: `Future`, the result a collective or a DDP communication hook completes
 * later, with `collectAll` and `waitAll`.
 * @example const [t] = torch.distributed.allReduce(x).getFuture().wait();
 */
export * as futures from './futures.js';
/**
 * `torch.serve`: a model served from worker threads with dynamic batching (flint's own; PyTorch
 * leaves this to TorchServe), so that inference never holds a service's event loop.
 * @example const pool = await torch.serve.Pool.create({ module: import.meta.url, exportName: 'loadModel' }, { maxBatch: 32, maxDelayMs: 2 });
 */
export * as serve from './serve/index.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled } from './autograd/grad-mode.js';
export type { RemovableHandle, TensorHook } from './autograd/hooks.js';
export type { FunctionCtx } from './autograd/function-api.js';
export { Node } from './autograd/node.js';
/**
 * `torch.autograd`: `backward` over several outputs and `grad`, which returns gradients.
 * @example const [dx] = torch.autograd.grad(y, x);
 */
export * as autograd from './autograd/api.js';
export type { BackwardOptions, GradOptions } from './autograd/backward.js';
export { tidy, keep, memoryStats, emptyCache } from './memory/storage.js';
export type { MemoryStats } from './memory/storage.js';

/**
 * Disposes every tensor found in a value (a tensor, or arrays/objects/Maps of them; shared
 * and cyclic parts, as `torch.load` can return, are visited once).
 * @example torch.dispose([a, b])
 */
export function dispose(value: unknown): void {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (typeof (v as { dispose?: unknown }).dispose === 'function' && 'isDisposed' in (v as object)) {
      (v as { dispose(): void }).dispose();
    } else if (Array.isArray(v)) v.forEach((x) => visit(x));
    else if (v instanceof Map) v.forEach((x) => visit(x)); // e.g. a loaded optimizer state, keyed by int
    else Object.values(v).forEach((x) => visit(x));
  };
  visit(value);
}

/**
 * `torch.set_num_threads`: threads for elementwise ops, reductions and matrix products on
 * this thread's instance. A product large enough to gain splits across them (OpenBLAS runs
 * each part single-threaded, at most 32 parts); LAPACK routines (`torch.linalg`) run on the
 * calling thread. The default is the number of processors the process may run on.
 * @example torch.setNumThreads(1)
 */
export function setNumThreads(threads: number): void {
  checkInteger(threads, 'setNumThreads', 'threads');
  if (threads < 1) throw new RangeError('set_num_threads expects a positive integer');
  native.setNumThreads(threads);
}

/** `torch.get_num_threads()`. @example torch.getNumThreads() */
export function getNumThreads(): number {
  return native.getNumThreads();
}

export { setAsyncCpu, isAsyncCpuEnabled } from './cpu.js';
/**
 * `torch.cpu`: `synchronize()` (which waits for the asynchronous mode's queue), and the
 * device queries PyTorch has for the CPU.
 * @example torch.setAsyncCpu(true); const y = net(x); torch.cpu.synchronize();
 */
export * as cpu from './cpu.js';

/**
 * `torch.cuda`: devices, synchronization, seeding and memory statistics.
 * @example if (torch.cuda.isAvailable()) x = x.cuda();
 */
export * as cuda from './cuda.js';
export { backends } from './cuda.js';
// Mixed precision and device-agnostic accelerator queries.
/**
 * `torch.amp`: `GradScaler` and `autocast`.
 * @example const scaler = new torch.amp.GradScaler('cpu');
 */
export * as amp from './amp/index.js';
export {
  autocast, isAutocastEnabled, getAutocastDtype, setAutocastEnabled, isAutocastCpuEnabled, setAutocastCpuEnabled, getAutocastCpuDtype,
  getAutocastGpuDtype, setAutocastCpuDtype, setAutocastGpuDtype, autocastIncrementNesting, autocastDecrementNesting, isAutocastCacheEnabled,
  setAutocastCacheEnabled,
} from './amp/autocast-mode.js';
export { clearAutocastCache } from './amp/autocast-policy.js';
export type { AutocastOptions } from './amp/autocast-mode.js';
/**
 * `torch.accelerator`: the current accelerator (CUDA), its devices and synchronization.
 * @example if (torch.accelerator.isAvailable()) x = x.to(torch.accelerator.currentAccelerator()!);
 */
export * as accelerator from './accelerator.js';

/** Build facts. @example torch.config.threads */
export const config = { threads: nativeInfo.threads };

// `import torch from 'flint-torch'` as well as `import * as torch from 'flint-torch'`: the default
// export is the namespace of everything above (a module re-exporting this one, since a
// module cannot name its own namespace to TypeScript).
import * as flint from './namespace.js';
export default flint;

// Later torch.linalg additions at the top level (src/linalg/lu.ts, lu-solve.ts, matrix-exp.ts,
// structure.ts): the older torch.lu / torch.lu_solve, lu_unpack, matrix_exp, matrix_power, orgqr.
export { torchLu as lu, torchLuSolve as luSolve } from './linalg/lu-solve.js';
export type { TorchLuOptions } from './linalg/lu-solve.js';
export { luUnpack } from './linalg/lu.js';
export { matrixExp } from './linalg/matrix-exp.js';
export { matrixPower } from './linalg/extras.js';
export { orgqr } from './linalg/structure.js';

// PyTorch 1.13's torch-level linear algebra from before torch.linalg (src/linalg/legacy*.ts):
// svd (U, S, V), qr, cholesky, symeig, triangular_solve, geqrf, ormqr, and the removed names
// that only raise (eig, lstsq, solve, matrix_rank).
export { torchSvd as svd, torchQr as qr, torchCholesky as cholesky, symeig, eig, lstsq, solve, matrixRank } from './linalg/legacy.js';
export type { SvdLegacyOptions, SvdLegacyResult, QrLegacyOptions, CholeskyLegacyOptions, SymeigOptions, SymeigResult } from './linalg/legacy.js';
export { triangularSolve } from './linalg/legacy-triangular.js';
export type { TriangularSolveOptions, TriangularSolveResult } from './linalg/legacy-triangular.js';
export { geqrf, ormqr } from './linalg/legacy-householder.js';
export type { GeqrfResult, OrmqrOptions } from './linalg/legacy-householder.js';

// PyTorch 1.13's torch-level functional entry points (ATen's signatures; src/ops/torch-functional*.ts).
export {
  dropout, dropout_, alphaDropout_, featureDropout, featureDropout_, featureAlphaDropout_, convolution, convTbc, constantPadNd,
  gridSampler, gridSampler2d, gridSampler3d, affineGridGenerator, rrelu, nativeChannelShuffle,
} from './ops/torch-functional.js';
export { rrelu_ } from './nn/functional/activations-extra.js';
export { bilinear } from './nn/functional/bilinear.js';
export { cosineSimilarity, pairwiseDistance } from './nn/functional/distance.js';
export {
  batchNorm, layerNorm, groupNorm, instanceNorm, nativeLayerNorm, nativeBatchNorm, nativeGroupNorm, nativeDropout, frobeniusNorm,
  nuclearNorm, normExceptDim,
} from './ops/torch-functional-norms.js';
export {
  klDiv, cosineEmbeddingLoss, hingeEmbeddingLoss, marginRankingLoss, tripletMarginLoss, poissonNllLoss, binaryCrossEntropyWithLogits, ctcLoss,
} from './ops/torch-functional-losses.js';
export type { TorchKlDivOptions } from './ops/torch-functional-losses.js';
export { embedding, embeddingRenorm_, embeddingBag } from './ops/torch-functional-embedding.js';
// The torch-level recurrent functions and cells nn.RNN/LSTM/GRU are made of (src/ops/torch-rnn.ts).
export { lstm, gru, rnnTanh, rnnRelu, lstmCell, gruCell, rnnTanhCell, rnnReluCell } from './ops/torch-rnn.js';
// Tensors from memory (src/ops/from-memory.ts): copies, where PyTorch would share JS memory.
export { asTensor, asarray, frombuffer } from './ops/from-memory.js';
export type { ArrayLikeData, AsTensorOptions, AsarrayOptions, FrombufferOptions } from './ops/from-memory.js';
// The *_copy view ops, the unsafe splits and the smaller torch-level names (src/ops/copy-variants.ts, torch-extras.ts).
export {
  viewCopy, permuteCopy, expandCopy, transposeCopy, tCopy, squeezeCopy, unsqueezeCopy, selectCopy, sliceCopy, diagonalCopy, detachCopy,
  aliasCopy, unbindCopy, splitCopy, splitWithSizesCopy, unfoldCopy, unsafeChunk, unsafeSplit, unsafeSplitWithSizes,
} from './ops/copy-variants.js';
export type { ExpandCopyOptions } from './ops/copy-variants.js';
export { fill, detach_, range, isNeg, isConj, resolveNeg, resolveConj, isDistributed } from './ops/torch-extras.js';
export { fill_, zero_ } from './ops/fill.js';
export { splitWithSizes } from './ops/inplace-extras.js';
export { indexPut_ } from './ops/indexing.js';
// Process-wide switches, kept per flint instance (src/settings.ts).
export {
  useDeterministicAlgorithms, areDeterministicAlgorithmsEnabled, isDeterministicAlgorithmsWarnOnlyEnabled, getDeterministicDebugMode,
  setDeterministicDebugMode, setFloat32MatmulPrecision, getFloat32MatmulPrecision, setWarnAlways, isWarnAlwaysEnabled, setFlushDenormal,
  getNumInteropThreads, setNumInteropThreads, compiledWithCxx11Abi,
} from './settings.js';
export type { DeterministicOptions, Float32MatmulPrecision } from './settings.js';
// Randomized low-rank SVD and PCA, PyTorch's stream (src/ops/lowrank.ts).
export { svdLowrank, pcaLowrank } from './ops/lowrank.js';
export type { SvdLowrankOptions, PcaLowrankOptions } from './ops/lowrank.js';
// Storage-level ops (src/ops/strided.ts, put-index-reduce.ts, tensor/tensor-queries.ts).
export { asStrided, asStrided_, asStridedScatter, emptyStrided, resizeAs_ } from './ops/strided.js';
export type { EmptyStridedOptions } from './ops/strided.js';
export { put, indexReduce } from './ops/put-index-reduce.js';
export type { IndexReduction, IndexReduceOptions } from './ops/put-index-reduce.js';
export { sgn, typename, getDevice, isInference } from './tensor/tensor-queries.js';
export { isSigned, isSameSize } from './tensor/predicates.js';
// Complex numbers: the parts' API for real and complex tensors, and the one layout (src/ops/real-tensors.ts, tensor/real-tensor-methods.ts, src/complex/).
export { conj, conjPhysical, conjPhysical_, real, imag, angle, isreal, adjoint } from './ops/real-tensors.js';
export { complex, polar, viewAsReal, viewAsComplex } from './complex/parts.js';
export { strided, Layout } from './tensor/real-tensor-methods.js';
// Anomaly mode's switches at torch level, as torch.is_anomaly_enabled and torch.set_anomaly_enabled (src/autograd/anomaly.ts).
export { isAnomalyEnabled, isAnomalyCheckNanEnabled, setDetectAnomaly as setAnomalyEnabled } from './autograd/anomaly.js';
