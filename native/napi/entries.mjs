// The JS/native boundary, declared once. `npm run generate` (scripts/generate-bindings.mjs)
// turns this table into:
//   native/include/flint/enums.generated.h   the C++ enums
//   native/napi/entries.generated.{h,cc}     per entry: an argument struct, the unpacking
//                                            and the export table
//   src/native/enums.generated.ts            the same enums for TypeScript
//   src/native/calls.generated.ts            the addon's type, and per entry a function
//                                            that packs the meta buffer and calls it
// A test fails when the generated files are stale, and another when the loaded addon's
// enums differ from TypeScript's (a build older than its sources).
//
// ## Enums
// Values are their position in the list; `Count` follows the last one in C++. Never
// reorder an enum whose codes are stored outside the process (DType is in checkpoints'
// metadata only by name, so none is today), but append where you can.
//
// ## Entries
// `name: { args: 'arg: kind, ...' }`, with the implementation written by hand in
// native/napi/*.cc as `void name(NameCall& call)` (or `Napi::Value name(Napi::Env, NameCall&)`
// with `custom`), unless the entry is a `kernel` or names a `struct` (below).
// Argument kinds:
//   in        a tensor view: JS passes its storage handle, and its layout goes in the meta
//             buffer; C++ gets `Input { Storage* storage; TensorView view; }`, bounds-checked
//   in?       the same, or null (absent: `storage == nullptr`)
//   out       an output view: a live handle is written in place; null or a released handle
//             is allocated (contiguous) on the call's device and returned to JS
//   new       an output that must be new (the fused kernels read whole rows before they
//             write, so an output aliasing an input is refused, not copied)
//   new?      the same, or null in JS (not wanted: `call.x.storage == nullptr`)
//   inout     a live storage written in place (never allocated)
//   in[] inout[]   (kernel entries) lists of views, one per tensor: JS passes an array of
//             views, C++ gets a ViewList. The first list sets the length, every other list
//             has it too (or, declared `in[]?`/`inout[]?`, is empty: absent), and element i of
//             each list is checked against the shape with its named sizes bound per element
//   handle    a bare storage handle (no view)
//   device    a device code (0 is the CPU, 1 + i is cuda:i): C++ gets the Backend
//   i64 f64 bool u64(bigint) string buffer(ArrayBufferView)   scalars, checked
//   <Enum>    a value of one of the enums below, range-checked
//   value:T   a JS value passed through as Napi::Value, of TypeScript type T
// A kind followed by `@meta` travels in the meta buffer instead of as an argument (gemm's
// eighteen numbers). The views and @meta scalars fill the meta buffer in declaration order.
// The call's device is that of its first `in`/`inout` argument; every view must be on it.
// Options:
//   kernel: true   the C++ is generated whole: an `<Name>Args` struct of the views and
//                  scalars, Backend::<name> (checks from the declared shapes, then the
//                  device's <name>Impl) and the napi glue. Views then carry their shape in
//                  named sizes, `input: in [R, C]`, and are contiguous, of one float dtype
//                  (the first `in` view's), except views whose shape ends in `i64`
//                  (`indices: new [P, O] i64`), which are int64, or in `i8`, int8, or in
//                  `acc`, the dtype the entry accumulates in (float64 for float64, else
//                  float32: a half-float entry's logsumexp, say). An `in`/`out`/`inout`
//                  view whose shape ends in `rows` (`q: in [B, H, L, E] rows`) may have
//                  strided rows: each row contiguous, any other stride >= 0, so the
//                  kernel must step by view.strides (the fused attention reads heads
//                  out of a packed projection that way).
//   check: 'f'     (kernel entries) the generated checks end with a call of the
//                  hand-written `void f(const <Name>Args&)` (native/core/), for what the
//                  shapes cannot say: window sizes, strides and the like.
//   profiled: true   torch.profiler records the entry's calls although it passes no view
//                  (src/profiler/kernels.ts records every entry with views or a flat op).
//   halfFloats: true   (kernel entries) float16 and bfloat16 views are accepted too;
//                  `halfFloats: 'cuda'` accepts them on CUDA only (the CPU kernel has none).
//   readsFrom: { target: 'source' }   (kernel entries) the kernel reads `source` for each
//                  element of `target`, so `source` must have elements when `target` has.
//   struct: 'X'    the implementation is generated: it fills Backend's hand-declared
//                  struct X (fields named as the arguments) and calls Backend::<name>.
//   queued: true   (torch.setAsyncCpu) the entry's CPU work may wait in the CPU's queue:
//                  it reads and writes storages through views only, touches no host memory
//                  and returns no value read from a storage. Kernel and struct entries are
//                  queued unless they take lists; every other entry first waits for the
//                  queue and runs at once (`queued: false` says so of a kernel entry).
//   `returns` is the TypeScript return type of a `custom` entry (whose C++ returns
// Napi::Value); without it, an entry returns its outputs' new handles: one output gives
// `Handle | undefined` (undefined when written in place), several give an array, each null
// when not wanted.

export const enums = {
  // Storage element types: src/tensor/dtype.ts's `code`s (DTypeCode in TypeScript, where
  // DType is the class of torch.float32 and its kind).
  DType: { ts: 'DTypeCode', values: ['Float32', 'Float64', 'Int64', 'Int32', 'UInt8', 'Bool', 'Float16', 'BFloat16', 'Int16', 'Int8'] },
  DeviceType: ['CPU', 'CUDA'],
  // Elementwise operations with one input. p0/p1 are optional parameters (clamp bounds,
  // leaky-relu slope); NaN means "absent" for clamp.
  UnaryOp: [
    'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Sin', 'Cos', 'Relu', 'Sigmoid', 'Tanh',
    'Clamp', 'Sign', 'Log1p', 'Expm1', 'Floor', 'Ceil', 'Round', 'Rsqrt', 'Reciprocal', 'LogicalNot',
    'Gelu', 'GeluTanh', 'Silu', 'LeakyRelu', 'Erf', 'Square', 'Trunc',
    // Float math (src/ops/unary-math.ts).
    'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Log2', 'Log10', 'Exp2', 'Frac',
    // Activations (src/nn/functional/activations-more.ts), with their gradients in
    // activationBackward: p0/p1 are softplus's beta/threshold, elu's and celu's alpha,
    // the shrinks' lambda, threshold's threshold/value and hardtanh's min/max.
    'Softplus', 'Elu', 'Selu', 'Celu', 'Hardsigmoid', 'Hardswish', 'Mish', 'LogSigmoid',
    'Hardshrink', 'Softshrink', 'Threshold', 'Hardtanh',
    // Special functions (src/ops/special.ts); p0 is polygamma's order n.
    'Lgamma', 'Digamma', 'Polygamma', 'Erfc', 'Erfinv',
    // Bessel functions and the normal tails (src/ops/special.ts).
    'I0', 'I0e', 'I1', 'I1e', 'Erfcx', 'LogNdtr',
    // src/ops/bitwise.ts: integers and bool only.
    'BitwiseNot',
    // src/ops/special-functions.ts: the rest of torch.special (rules/special_*.h).
    'Ndtri', 'BesselJ0', 'BesselJ1', 'BesselY0', 'BesselY1', 'ModifiedBesselI1', 'ModifiedBesselK0',
    'ModifiedBesselK1', 'ScaledModifiedBesselK0', 'ScaledModifiedBesselK1', 'SphericalBesselJ0', 'AiryAi',
  ],
  // Elementwise operations with two inputs of one dtype. Compare ops write bool.
  BinaryOp: [
    'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Maximum', 'Minimum',
    'Eq', 'Ne', 'Gt', 'Ge', 'Lt', 'Le',
    'LogicalAnd', 'LogicalOr', 'Atan2', 'Remainder', 'FloorDivide',
    // src/ops/binary-math.ts; all but Fmod are float-only.
    'Hypot', 'Logaddexp', 'Logaddexp2', 'Xlogy', 'Fmod', 'Copysign',
    // src/ops/binary-math.ts: Gcd and Lcm take integers only, Nextafter floats only.
    'Gcd', 'Lcm', 'Nextafter',
    // src/ops/bitwise.ts: integers and bool only.
    'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'LeftShift', 'RightShift',
    // src/ops/special-functions.ts, float only: the incomplete gamma functions, Hurwitz zeta
    // and the orthogonal polynomials of (x, n).
    'Igamma', 'Igammac', 'Zeta', 'ChebyshevT', 'ChebyshevU', 'ChebyshevV', 'ChebyshevW', 'ShiftedChebyshevT',
    'ShiftedChebyshevU', 'ShiftedChebyshevV', 'ShiftedChebyshevW', 'HermiteH', 'HermiteHe', 'LaguerreL', 'LegendreP',
  ],
  ReduceOp: ['Sum', 'Prod', 'Max', 'Min', 'ArgMax', 'ArgMin', 'Any', 'All'],
  LossReduction: ['None', 'Mean', 'Sum'],
  // The activation fused after a bias add (Linear's epilogue).
  Activation: ['None', 'Relu'],
  // The distributions of fillRandom. Full is random_() with no bounds (the dtype's whole
  // range); Permutation is randperm into a 1-D output.
  RandomKind: ['Uniform', 'Normal', 'Integers', 'Bernoulli', 'Full', 'Permutation'],
  BackendOption: ['MatmulAllowTF32'],
  // What a device can be asked about (backendQuery): the cuDNN version it convolves with
  // (cudnnGetVersion's number, as torch.backends.cudnn.version()), 0 when it has none; its
  // memory in bytes (0 for the CPU); its compute capability and multiprocessor count; the
  // bytes its driver reports free.
  BackendQuery: ['CudnnVersion', 'TotalMemory', 'CapabilityMajor', 'CapabilityMinor', 'MultiProcessorCount', 'FreeMemory', 'OnednnVersion'],
  // CUDA graphs (cudaGraph entry; native/cuda/graphs.cc). NewPool makes a private memory
  // pool and returns its id. CaptureBegin(id: a pool, or 0 for a new one; arg: CaptureMode)
  // starts capturing the device's stream and returns the graph's id; CaptureEnd(id)
  // instantiates it; Replay(id) launches it; Reset(id) frees it; Pool(id) is its pool;
  // IsCapturing returns 1 while a capture is under way; ReleasePool(id) drops a NewPool
  // handle's hold on its pool; AbortCapture(id) ends a capture and drops what it recorded.
  GraphCommand: ['NewPool', 'CaptureBegin', 'CaptureEnd', 'Replay', 'Reset', 'Pool', 'IsCapturing', 'ReleasePool', 'AbortCapture'],
  // cudaStreamCaptureMode, in PyTorch's capture_error_mode names: global, thread_local, relaxed.
  CaptureMode: ['Global', 'ThreadLocal', 'Relaxed'],
  // torch.cuda.Event (cudaEvent entry; native/cuda/events.cc). Create(arg: 1 with timing)
  // returns the event's id; Record(id) records it on the device's stream; Synchronize(id)
  // waits for it; Query(id) returns 1 once it has happened; ElapsedTime(id, arg: the end
  // event) returns milliseconds; Destroy(id) frees it; StreamQuery returns 1 when the
  // device's stream is idle.
  EventCommand: ['Create', 'Record', 'Synchronize', 'Query', 'ElapsedTime', 'Destroy', 'StreamQuery'],
  // Cumulative scans along a row (scan entry): cumsum, cumprod, cummax, cummin, logcumsumexp.
  ScanOp: ['Sum', 'Prod', 'Max', 'Min', 'LogSumExp'],
  // Order statistics of a row (select entry): topk, kthvalue, median, nanmedian, mode.
  SelectOp: ['Topk', 'Kth', 'Median', 'NanMedian', 'Mode'],
  // How a Fourier transform is scaled: by nothing, 1/n, or 1/sqrt(n) (PyTorch's fft_norm_mode).
  FftNorm: ['None', 'ByN', 'ByRootN'],
  // torch.distributed's reductions (AVG is a sum, then a division in TypeScript).
  CommReduceOp: ['Sum', 'Product', 'Min', 'Max', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'],
  // What a process group's distCollective runs (native/include/flint/communicator.h).
  CollectiveKind: ['AllReduce', 'Reduce', 'Broadcast', 'AllGather', 'Gather', 'Scatter', 'AllToAll', 'Barrier', 'Send', 'Recv'],
};

const gemmLayout =
  'dtype: DType @meta, m: i64 @meta, n: i64 @meta, k: i64 @meta, batch: i64 @meta, ' +
  'transA: bool @meta, transB: bool @meta, ' +
  'offsetA: i64 @meta, lda: i64 @meta, strideA: i64 @meta, offsetB: i64 @meta, ldb: i64 @meta, strideB: i64 @meta, ' +
  'offsetC: i64 @meta, ldc: i64 @meta, strideC: i64 @meta, alpha: f64 @meta, beta: f64 @meta';

// A cuDNN convolution's geometry and math (the kernel's size is the weight's).
const cudnnConv =
  'strideD: i64 @meta, strideH: i64 @meta, strideW: i64 @meta, paddingD: i64 @meta, paddingH: i64 @meta, paddingW: i64 @meta, ' +
  'dilationD: i64 @meta, dilationH: i64 @meta, dilationW: i64 @meta, groups: i64 @meta, ' +
  'allowTF32: bool @meta, benchmark: bool @meta, deterministic: bool @meta';

const convGeometry =
  'kernelD: i64 @meta, kernelH: i64 @meta, kernelW: i64 @meta, strideD: i64 @meta, strideH: i64 @meta, strideW: i64 @meta, ' +
  'paddingD: i64 @meta, paddingH: i64 @meta, paddingW: i64 @meta, dilationD: i64 @meta, dilationH: i64 @meta, dilationW: i64 @meta';

export const entries = {
  // memory.cc: storages, host transfers, fills, random numbers, statistics
  init: { args: 'meta: value:Float64Array, threads: i64', custom: true, returns: '{ threads: number; enums: Record<string, Record<string, number>>; abi: string }' },
  alloc: { args: 'device: device, nbytes: f64, recycle: value:Handle | null', custom: true, returns: 'Handle', queued: true },
  release: { args: 'handle: value:Handle', custom: true, returns: 'void', queued: true },
  storageBytes: { args: 'handle: handle', custom: true, returns: 'number', queued: true },
  // The device code of a storage (0 for the CPU, 1 + i for cuda:i): the profiler times a
  // kernel's device work only when the kernel ran on the profiled GPU.
  storageDevice: { args: 'handle: handle', custom: true, returns: 'number', queued: true },
  fromBuffer: { args: 'out: inout, source: buffer, sourceDtype: DType', queued: true },
  toBuffer: { args: 'input: in', custom: true, returns: 'ArrayBuffer' },
  fill: { args: 'out: inout, value: f64', queued: true },
  fillRandom: { args: 'kind: RandomKind, out: inout, p0: f64, p1: f64', queued: true },
  manualSeed: { args: 'deviceCode: i64, seed: u64', custom: true, returns: 'void' },
  // The generator's state as PyTorch's get_rng_state() bytes (5056 on the CPU, 16 on CUDA).
  getRngState: { args: 'device: device', custom: true, returns: 'ArrayBuffer' },
  setRngState: { args: 'device: device, state: buffer', custom: true, returns: 'void' },
  stats: {
    args: 'device: device',
    custom: true,
    returns: '{ storages: number; allocatedBytes: number; peakAllocatedBytes: number; cachedBytes: number; reservedBytes: number; externalBytes: number }',
  },
  emptyCache: { args: 'device: device' },
  resetPeakMemory: { args: 'device: device' },
  setNumThreads: { args: 'threads: i64', custom: true, returns: 'void' },
  // torch.setAsyncCpu: queue the CPU's view kernels to a thread of this instance's own
  // (native/cpu/cpu_queue.h); turning it off waits for what is queued. asyncCpuPending says
  // how many ops are queued or running (without waiting for them).
  setAsyncCpu: { args: 'enabled: bool', custom: true, returns: 'void' },
  asyncCpuPending: { args: '', custom: true, returns: 'number', queued: true },
  getNumThreads: { args: '', custom: true, returns: 'number' },

  // cuda.cc: devices other than the CPU
  cudaLoad: { args: 'libraryPath: string', custom: true, returns: '{ deviceCount: number; reason: string }' },
  deviceName: { args: 'device: device', custom: true, returns: 'string' },
  synchronize: { args: 'device: device' },
  copyAcross: { args: 'dst: handle, dstOffsetBytes: value:number, src: handle, srcOffsetBytes: value:number, nbytes: value:number', profiled: true },
  readAsync: { args: 'handle: handle, byteOffset: value:number, nbytes: value:number', custom: true, returns: 'Promise<ArrayBuffer>', queued: true },
  setBackendOption: { args: 'device: device, option: BackendOption, value: f64' },
  backendQuery: { args: 'device: device, query: BackendQuery', custom: true, returns: 'number' },
  cudaGraph: { args: 'device: device, command: GraphCommand, id: i64, arg: i64', custom: true, returns: 'number' },
  cudaEvent: { args: 'device: device, command: EventCommand, id: i64, arg: i64', custom: true, returns: 'number' },
  // cuDNN's RNN API (native/cuda/cudnn_rnn.cc; other devices refuse): a whole recurrent
  // stack per call over a time-major packed input. `config` is an Int32Array: [mode
  // (cudnnRNNMode_t: 0 relu, 1 tanh, 2 LSTM, 3 GRU), inputSize, hiddenSize, projSize,
  // numLayers, bidirectional, bias, dtype (DType), training, allowTF32, ...seqLengths]
  // (non-increasing). cudnnRnnPlan returns the weight space's layout: [weightElements,
  // reserveBytes, linearLayers, ...matrixOffsets, ...biasOffsets] (elements, -1 where none;
  // see CudnnRnnLayout in native/include/flint/cudnn_rnn_args.h). The forward keeps a
  // reserve space (uint8) in training, which both backwards read and cuDNN rewrites.
  // Dropout between layers uses cuDNN's states, seeded from the device's generator when
  // first needed and again after each manualSeed.
  cudnnRnnPlan: { args: 'device: device, config: buffer, dropout: f64', custom: true, returns: 'number[]' },
  cudnnRnnForward: {
    args: 'y: new, hy: new, cy: new?, reserve: new?, x: in, hx: in, cx: in?, weights: in, config: buffer, dropout: f64',
  },
  cudnnRnnBackwardData: {
    args: 'dx: new, dhx: new, dcx: new?, y: in, dy: in, dhy: in?, dcy: in?, hx: in, cx: in?, weights: in, reserve: inout, config: buffer, dropout: f64',
  },
  cudnnRnnBackwardWeights: {
    args: 'dweights: new, x: in, hx: in, y: in, reserve: inout, config: buffer, dropout: f64',
  },

  // distributed.cc: process groups (torch.distributed), each with its own threads. A
  // collective moves whole byte ranges of storages: input (the sent bytes) and output (the
  // received bytes, or the data reduced in place), either null where the kind has none.
  // `root` is the root rank, or the peer of a send or receive (-1: a receive from any
  // rank); `tag` matches the two.
  // Each returns the work and a promise that settles when it is done.
  distLoad: { args: 'libraryPath: string', custom: true, returns: 'string' },
  // `device` 0 connects a gloo group (the loaded library, host memory); 1 + i an NCCL group
  // on cuda:i (the CUDA library's NCCL communicator, that device's memory).
  distConnect: {
    args: 'rank: i64, size: i64, hostname: string, iface: string, timeoutMs: f64, store: value:DistStore, device: i64',
    custom: true,
    returns: '[DistGroup, Promise<void>]',
  },
  distCollective: {
    args:
      'group: value:DistGroup, kind: CollectiveKind, dtype: DType, op: CommReduceOp, root: i64, tag: i64, ' +
      'input: value:Handle | null, inputOffset: value:number, inputBytes: value:number, ' +
      'output: value:Handle | null, outputOffset: value:number, outputBytes: value:number',
    custom: true,
    returns: '[DistWork, Promise<void>]',
  },
  // Blocks the calling thread until the work is done (true) or timeoutMs passes (false);
  // throws the work's error.
  distWait: { args: 'work: value:DistWork, timeoutMs: f64', custom: true, returns: 'boolean' },
  distIsCompleted: { args: 'work: value:DistWork', custom: true, returns: 'boolean' },
  // The rank a finished receive came from (`root` -1 receives from any rank); -1 before.
  distSourceRank: { args: 'work: value:DistWork', custom: true, returns: 'number' },
  // Fails what is queued, waits for what runs, and closes the connections.
  distDestroy: { args: 'group: value:DistGroup', custom: true, returns: 'void' },

  // ops.cc: kernels over views
  cast: { args: 'out: out, input: in', queued: true },
  axpy: { args: 'out: inout, x: in, alpha: f64', queued: true },
  unary: { args: 'op: UnaryOp, out: out, input: in, p0: f64, p1: f64', queued: true },
  binary: { args: 'op: BinaryOp, out: out, a: in, b: in', queued: true },
  binaryScalar: { args: 'op: BinaryOp, out: out, a: in, scalar: f64, scalarFirst: bool', queued: true },
  // The fast paths for contiguous operands (of one shape): no meta buffer, no layout decoding.
  binaryFlat: {
    args: 'op: BinaryOp, recycle: value:Handle | null, a: handle, aOffset: i64, b: handle, bOffset: i64, numel: i64, dtype: DType, outDtype: DType',
    custom: true,
    returns: 'Handle',
    queued: true,
  },
  unaryFlat: {
    args: 'op: UnaryOp, recycle: value:Handle | null, input: handle, offset: i64, numel: i64, dtype: DType, p0: f64, p1: f64',
    custom: true,
    returns: 'Handle',
    queued: true,
  },
  binaryScalarFlat: {
    args: 'op: BinaryOp, recycle: value:Handle | null, a: handle, aOffset: i64, numel: i64, dtype: DType, outDtype: DType, scalar: f64, scalarFirst: bool',
    custom: true,
    returns: 'Handle',
    queued: true,
  },
  where: { args: 'out: out, cond: in, a: in, b: in', queued: true },
  // `input`'s first ndim - reduceDims dims are kept, its last reduceDims are reduced.
  reduce: { args: 'op: ReduceOp, out: out, input: in, reduceDims: i64', queued: true },
  // C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b], BLAS-style operands (see GemmArgs).
  // With a bias (addmm's input, broadcast by its strides, 0 for a broadcast dim; batch 1
  // only), C is first filled from it, in the same call: C = alpha * op(A) @ op(B) + beta * bias.
  gemm: { args: `out: value:Handle | null, a: handle, b: handle, ${gemmLayout}, bias: value:Handle | null, biasOffset: i64 @meta, biasStrideM: i64 @meta, biasStrideN: i64 @meta`, custom: true, returns: 'Handle | undefined', queued: true },
  indexSelect: { args: 'out: out, input: in, dim: i64, index: in', queued: true },
  indexPut: { args: 'out: inout, dim: i64, index: in, src: in, accumulate: bool', queued: true },
  gather: { args: 'out: out, input: in, dim: i64, index: in', queued: true },
  scatter: { args: 'out: inout, dim: i64, index: in, src: in, accumulate: bool', queued: true },
  // scatter_reduce's combine: op is Add, Mul, Maximum (amax) or Minimum (amin).
  scatterReduce: { args: 'op: BinaryOp, out: inout, dim: i64, index: in, src: in', queued: true },
  // -> [int64 coordinates [count, ndim], count]
  nonzero: { args: 'input: in', custom: true, returns: '[Handle, number]' },

  // Fused neural-network kernels, their C++ generated from Backend's structs. Softmax views
  // are [outer, size, inner]. (biasActivation may write in place, so ops.cc handles its aliasing.)
  softmax: { args: 'out: new, input: in, log: bool', struct: 'SoftmaxArgs' },
  softmaxBackward: { args: 'gradInput: new, gradOutput: in, output: in, log: bool', struct: 'SoftmaxBackwardArgs' },
  // logProbs is written (and wanted) only from logits; totalWeight is the mean's denominator.
  crossEntropy: {
    args:
      'loss: new, logProbs: new?, totalWeight: new, input: in, target: in, weight: in?, ' +
      'ignoreIndex: i64, labelSmoothing: f64, fromLogits: bool, reduction: LossReduction',
    struct: 'CrossEntropyArgs',
  },
  crossEntropyBackward: {
    args:
      'gradInput: new, gradLoss: in, logProbs: in, target: in, weight: in?, totalWeight: in, ' +
      'ignoreIndex: i64, labelSmoothing: f64, fromLogits: bool, reduction: LossReduction',
    struct: 'CrossEntropyBackwardArgs',
  },
  layerNorm: { args: 'out: new, mean: new, rstd: new, input: in, weight: in?, bias: in?, eps: f64', struct: 'LayerNormArgs' },
  layerNormBackward: {
    args: 'gradInput: new?, gradWeight: new?, gradBias: new?, gradOutput: in, input: in, mean: in, rstd: in, weight: in?',
    struct: 'LayerNormBackwardArgs',
  },
  biasActivation: { args: 'out: out, input: in, bias: in, activation: Activation', queued: true },
  // log(sum(exp(row))) of each row, shifted by the row's max, and its gradient
  // gradInput = gradOutput * exp(input - result) (PyTorch's logsumexp_backward).
  logsumexp: { args: 'out: new [R], input: in [R, C]', kernel: true },
  // Poisson samples, one per rate, drawn from the device's generator in order (PyTorch's
  // _s_poisson_cpu); the output has the rates' dtype.
  poisson: { args: 'out: new [N], rates: in [N]', kernel: true },
  // torch._standard_gamma: one Gamma(alpha, 1) sample per concentration, drawn as PyTorch's
  // CPU kernel draws them (native/cpu/gamma.cc); and the reparameterized gradients of Gamma
  // samples (d sample / d alpha) and of Dirichlet coordinates (PyTorch's
  // _standard_gamma_grad and _dirichlet_grad).
  standardGamma: { args: 'out: new [N], alpha: in [N]', kernel: true },
  // torch.binomial: one Binomial(count, prob) sample per pair, as PyTorch's CPU kernel.
  binomial: { args: 'out: new [N], count: in [N], prob: in [N]', kernel: true },
  standardGammaGrad: { args: 'out: new [N], alpha: in [N], sample: in [N]', kernel: true },
  dirichletGrad: { args: 'out: new [N], x: in [N], alpha: in [N], total: in [N]', kernel: true },
  // gradInput = gradOutput * f'(input) for the activation ops of UnaryOp (Softplus ...
  // Hardtanh), flattened; the rules are flint/rules/activation_grad.h.
  activationBackward: { args: 'gradInput: new [N], gradOutput: in [N], input: in [N], op: UnaryOp, p0: f64, p1: f64', kernel: true },
  logsumexpBackward: { args: 'gradInput: new [R, C], gradOutput: in [R], input: in [R, C], result: in [R]', kernel: true },
  // Recurrent layers' fused pointwise steps (native/cpu/rnn.cc, native/cuda/rnn.cu), one
  // call per time step on the rows [B] that take part in it (src/nn/rnn/). xproj holds the
  // step's x·W_ihᵀ + b_ih (+ b_hh for LSTM and RNN) and hproj h·W_hhᵀ (GRU adds its b_hh,
  // bhh, here: r multiplies the n gate's hidden part with its bias), gate-major as PyTorch's:
  // LSTM (i, f, g, o), GRU (r, z, n), RNN a single gate. The forwards write the activated
  // gates the backwards read (GRU also keeps hproj's n part, which r multiplies). The
  // outputs are live views into the layer's preallocated buffers; an output may share
  // elements with an input only at the same positions (dcPrev/dc, dhPrev/dh), which the
  // pointwise kernels read before they write. The backwards add dhOut (the gradient of
  // the step's output, absent when none arrived) to dh.
  // The optimizers' fused steps (flint/rules/<optimizer>.h, native/cpu/optim.cc,
  // native/cuda/optim.cu): one call updates a param group's tensors (those of one dtype and
  // device that share the step's numbers), each element rounded as PyTorch's single-tensor
  // update's separate ops round. An optional list is absent when its option is off.
  // Adam/AdamW: stepSize = lr / (1 - beta1^t); maxExpAvgSqs under amsgrad.
  adamStep: {
    args:
      'params: inout[] [N], grads: in[] [N], expAvgs: inout[] [N], expAvgSqs: inout[] [N], maxExpAvgSqs: inout[]? [N], ' +
      'lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, maximize: bool, stepSize: f64, biasCorrection2Sqrt: f64',
    kernel: true,
  },
  // SGD: momentumBuffers with momentum (firstStep: they are filled, not updated).
  sgdStep: {
    args:
      'params: inout[] [N], grads: in[] [N], momentumBuffers: inout[]? [N], ' +
      'lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: bool, maximize: bool, firstStep: bool',
    kernel: true,
  },
  // Adagrad: clr = lr / (1 + (step - 1) * lrDecay).
  adagradStep: { args: 'params: inout[] [N], grads: in[] [N], sums: inout[] [N], clr: f64, eps: f64, weightDecay: f64, maximize: bool', kernel: true },
  // RMSprop: momentumBuffers with momentum > 0, gradAvgs when centered.
  rmspropStep: {
    args:
      'params: inout[] [N], grads: in[] [N], squareAvgs: inout[] [N], momentumBuffers: inout[]? [N], gradAvgs: inout[]? [N], ' +
      'lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, maximize: bool',
    kernel: true,
  },
  adadeltaStep: {
    args: 'params: inout[] [N], grads: in[] [N], squareAvgs: inout[] [N], accDeltas: inout[] [N], lr: f64, rho: f64, eps: f64, weightDecay: f64, maximize: bool',
    kernel: true,
  },
  // Adamax: clr = lr / (1 - beta1^t).
  adamaxStep: {
    args: 'params: inout[] [N], grads: in[] [N], expAvgs: inout[] [N], expInfs: inout[] [N], clr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, maximize: bool',
    kernel: true,
  },
  // NAdam: gradScale = -lr (1 - mu) / (1 - mu_product), avgScale = -lr mu_next / (1 - mu_product mu_next).
  nadamStep: {
    args:
      'params: inout[] [N], grads: in[] [N], expAvgs: inout[] [N], expAvgSqs: inout[] [N], ' +
      'beta1: f64, beta2: f64, eps: f64, weightDecay: f64, biasCorrection2: f64, gradScale: f64, avgScale: f64',
    kernel: true,
  },
  // RAdam: rectified when rho_t > 5, then scaled by rect.
  radamStep: {
    args:
      'params: inout[] [N], grads: in[] [N], expAvgs: inout[] [N], expAvgSqs: inout[] [N], ' +
      'lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, biasCorrection1: f64, biasCorrection2Sqrt: f64, rect: f64, rectified: bool',
    kernel: true,
  },
  // ASGD: eta and mu are the parameters' (float32-rounded) state before the step.
  asgdStep: {
    args: 'params: inout[] [N], grads: in[] [N], axs: inout[] [N], eta: f64, mu: f64, lambd: f64, weightDecay: f64, maximize: bool',
    kernel: true,
  },
  rpropStep: {
    args:
      'params: inout[] [N], grads: in[] [N], prevs: inout[] [N], stepSizes: inout[] [N], ' +
      'etaminus: f64, etaplus: f64, stepSizeMin: f64, stepSizeMax: f64, maximize: bool',
    kernel: true,
  },
  lstmCell: { args: 'h: out [B, H], c: out [B, H], gates: out [B, 4, H], xproj: in [B, 4, H], hproj: in [B, 4, H], cPrev: in [B, H]', kernel: true },
  lstmCellBackward: {
    args: 'dPre: out [B, 4, H], dcPrev: out [B, H], dh: in [B, H], dhOut: in? [B, H], dc: in [B, H], gates: in [B, 4, H], c: in [B, H], cPrev: in [B, H]',
    kernel: true,
  },
  gruCell: { args: 'h: out [B, H], gates: out [B, 4, H], xproj: in [B, 3, H], hproj: in [B, 3, H], bhh: in? [3, H], hPrev: in [B, H]', kernel: true },
  gruCellBackward: {
    args: 'dx: out [B, 3, H], dhh: out [B, 3, H], dhPrev: out [B, H], dh: in [B, H], dhOut: in? [B, H], gates: in [B, 4, H], hPrev: in [B, H]',
    kernel: true,
  },
  rnnCell: { args: 'h: out [B, H], xproj: in [B, H], hproj: in [B, H], relu: bool', kernel: true },
  rnnCellBackward: { args: 'dPre: out [B, H], dh: in [B, H], dhOut: in? [B, H], h: in [B, H], relu: bool', kernel: true },
  // Pooling (native/cpu/pooling.cc, native/cuda/pooling.cu) over the planes P = N*C of a
  // contiguous [P, D, H, W] input: 1-d and 2-d pooling pass D = 1 (and H = 1). Indices are
  // int64 flat offsets within a plane, as PyTorch's. The window numbers are checked by
  // native/core/pooling_checks.cc; reads outside the input (padding) are skipped.
  maxPool: {
    args:
      'out: new [P, OD, OH, OW], indices: new [P, OD, OH, OW] i64, input: in [P, D, H, W], ' +
      'kD: i64 @meta, kH: i64 @meta, kW: i64 @meta, sD: i64 @meta, sH: i64 @meta, sW: i64 @meta, ' +
      'pD: i64 @meta, pH: i64 @meta, pW: i64 @meta, dD: i64 @meta, dH: i64 @meta, dW: i64 @meta',
    kernel: true,
    check: 'checkPoolValues',
  },  // Max pooling's values alone, for forwards that need no gradient: without indices to track,
  // the CPU kernel runs across a row of outputs at once instead of one window at a time.
  maxPoolValues: {
    args:
      'out: new [P, OD, OH, OW], input: in [P, D, H, W], ' +
      'kD: i64 @meta, kH: i64 @meta, kW: i64 @meta, sD: i64 @meta, sH: i64 @meta, sW: i64 @meta, ' +
      'pD: i64 @meta, pH: i64 @meta, pW: i64 @meta, dD: i64 @meta, dH: i64 @meta, dW: i64 @meta',
    kernel: true,
    check: 'checkPoolValues',
  },
  // gradInput = zeros, then gradInput[p, indices[p, o]] += gradOutput[p, o]: the backward of
  // maxPool and adaptiveMaxPool. Indices outside the plane are skipped.
  maxPoolBackward: { args: 'gradInput: new [P, D, H, W], gradOutput: in [P, OD, OH, OW], indices: in [P, OD, OH, OW] i64', kernel: true },
  // divisorOverride 0: divide by the window's size (with or without the padding it covers).
  avgPool: {
    args:
      'out: new [P, OD, OH, OW], input: in [P, D, H, W], kD: i64 @meta, kH: i64 @meta, kW: i64 @meta, ' +
      'sD: i64 @meta, sH: i64 @meta, sW: i64 @meta, pD: i64 @meta, pH: i64 @meta, pW: i64 @meta, ' +
      'countIncludePad: bool @meta, divisorOverride: i64 @meta',
    kernel: true,
    check: 'checkPoolValues',
  },
  avgPoolBackward: {
    args:
      'gradInput: new [P, D, H, W], gradOutput: in [P, OD, OH, OW], kD: i64 @meta, kH: i64 @meta, kW: i64 @meta, ' +
      'sD: i64 @meta, sH: i64 @meta, sW: i64 @meta, pD: i64 @meta, pH: i64 @meta, pW: i64 @meta, ' +
      'countIncludePad: bool @meta, divisorOverride: i64 @meta',
    kernel: true,
    check: 'checkPoolValues',
  },
  // Adaptive windows: output o of size O over an input of size I covers
  // [floor(o * I / O), ceil((o + 1) * I / O)).
  adaptiveAvgPool: { args: 'out: new [P, OD, OH, OW], input: in [P, D, H, W]', kernel: true },
  adaptiveAvgPoolBackward: { args: 'gradInput: new [P, D, H, W], gradOutput: in [P, OD, OH, OW]', kernel: true },
  adaptiveMaxPool: { args: 'out: new [P, OD, OH, OW], indices: new [P, OD, OH, OW] i64, input: in [P, D, H, W]', kernel: true },
  // Batch normalization over a contiguous input viewed as [N, C, S] (S: the spatial dims'
  // product), per channel. batchNorm (training) writes the biased batch mean and
  // invstd = 1 / sqrt(var + eps) it normalised with; batchNormEval normalises with a given
  // mean and variance (the running statistics) in one pass. batchNormBackward takes the
  // mean and invstd the forward used (in eval, the running mean and 1 / sqrt(running_var +
  // eps)); `training` says whether they depended on the input. Group and instance norm run
  // these over regrouped views.
  batchNorm: { args: 'out: new [N, C, S], mean: new [C], invstd: new [C], input: in [N, C, S], weight: in? [C], bias: in? [C], eps: f64', kernel: true },
  batchNormEval: { args: 'out: new [N, C, S], input: in [N, C, S], mean: in [C], variance: in [C], weight: in? [C], bias: in? [C], eps: f64', kernel: true },
  batchNormBackward: {
    args: 'gradInput: new? [N, C, S], gradWeight: new? [C], gradBias: new? [C], gradOutput: in [N, C, S], input: in [N, C, S], mean: in [C], invstd: in [C], weight: in? [C], training: bool',
    kernel: true,
  },
  // A stable sort of each row of a contiguous [rows, cols] float32/float64/int64 input, NaN
  // greatest (last ascending, first descending), with the int64 source positions.
  // `stable: false` gives std::sort's order of equal values, as PyTorch's CPU does.
  sort: { args: 'values: new, indices: new, input: in, descending: bool, stable: bool', struct: 'SortArgs' },
  // One order statistic per row (k of them for Topk) with its index, by PyTorch's CPU
  // algorithms, so that ties pick the index PyTorch picks. CPU only: CUDA refuses it.
  select: { args: 'values: new, indices: new, input: in, op: SelectOp, k: i64, largest: bool, sorted: bool', struct: 'SelectArgs' },
  // An inclusive scan along each row of a contiguous [rows, cols] input; Max and Min also
  // write the int64 position of the running extreme (PyTorch's cummax/cummin rules).
  scan: { args: 'op: ScanOp, out: new, indices: new?, input: in', struct: 'ScanArgs' },

  // Resampling (F.interpolate), native/cpu/upsample.cc and native/cuda/upsample.cu. Input and
  // output are [B, D, H, W] planes (B = N * C; 1-D and 2-D inputs have size-1 D and H). A
  // scale is the user's scale factor for that dim, or 0 when the size alone decides (PyTorch's
  // optional<double> scales). Backwards zero gradInput and add each output's gradient into
  // the inputs it read (the adjoint). Nearest: floor(dst * scale), or with `exact` the
  // half-pixel floor((dst + 0.5) * scale).
  upsampleNearest: { args: 'out: new [B, OD, OH, OW], input: in [B, ID, IH, IW], scaleD: f64, scaleH: f64, scaleW: f64, exact: bool', kernel: true, readsFrom: { out: 'input' } },
  upsampleNearestBackward: {
    args: 'gradInput: new [B, ID, IH, IW], gradOutput: in [B, OD, OH, OW], scaleD: f64, scaleH: f64, scaleW: f64, exact: bool',
    kernel: true, readsFrom: { gradOutput: 'gradInput' },
  },
  // Linear, bilinear and trilinear: separable weights, each dim independent.
  upsampleLinear: {
    args: 'out: new [B, OD, OH, OW], input: in [B, ID, IH, IW], alignCorners: bool, scaleD: f64, scaleH: f64, scaleW: f64',
    kernel: true, readsFrom: { out: 'input' },
  },
  upsampleLinearBackward: {
    args: 'gradInput: new [B, ID, IH, IW], gradOutput: in [B, OD, OH, OW], alignCorners: bool, scaleD: f64, scaleH: f64, scaleW: f64',
    kernel: true, readsFrom: { gradOutput: 'gradInput' },
  },
  // Bicubic: Keys' cubic convolution (A = -0.75) over 4x4 taps, reads clamped to the border.
  upsampleBicubic: { args: 'out: new [B, OH, OW], input: in [B, IH, IW], alignCorners: bool, scaleH: f64, scaleW: f64', kernel: true, readsFrom: { out: 'input' } },
  upsampleBicubicBackward: {
    args: 'gradInput: new [B, IH, IW], gradOutput: in [B, OH, OW], alignCorners: bool, scaleH: f64, scaleW: f64',
    kernel: true, readsFrom: { gradOutput: 'gradInput' },
  },
  // Convolution's unfold (im2col) and its adjoint (col2im), over a contiguous 5-D image
  // [N, C, D, H, W] (1-D and 2-D images have D = H = 1 and kernel 1 there) and columns
  // [N, C * kD * kH * kW, oD * oH * oW] whose rows are contiguous (a [K, N, L] buffer seen
  // as [N, K, L] lets one GEMM cover a batch of small images), zero padding (native/cpu/im2col.cc,
  // native/cuda/im2col.cu). col2im writes the image whole: the sum of the columns that
  // read each element. The geometry is checked in native/core/im2col_checks.cc.
  im2col: { args: `columns: out, image: in, ${convGeometry}`, struct: 'Im2colArgs' },
  col2im: { args: `image: new, columns: in, ${convGeometry}`, struct: 'Im2colArgs' },

  // Convolution through cuDNN (native/cuda/cudnn_convolution.cc), for devices whose
  // backendQuery(CudnnVersion) is nonzero, and through oneDNN on the CPU
  // (native/cpu/onednn_convolution.cc: float32 only, where backendQuery(OnednnVersion) is
  // nonzero); otherwise TypeScript convolves by im2col and BLAS (src/nn/functional/conv.ts)
  // and never calls these. Images are contiguous [N, C, D, H, W]
  // (1-D and 2-D ones have D = H = 1 and kernel 1 there), weights [O, C / groups, KD, KH, KW],
  // outputs [N, O, OD, OH, OW]; float16 and bfloat16 too, accumulated in float32. The
  // transposed convolution is convolutionBackwardInput forward (and the other two backward).
  // allowTF32 lets float32 multiply in TF32; benchmark times cuDNN's algorithms once per
  // shape instead of taking its heuristic's first; deterministic keeps to algorithms that
  // are. native/core/conv_checks.cc checks the geometry against the shapes.
  convolution: {
    args: `out: new [N, O, OD, OH, OW], input: in [N, C, D, H, W], weight: in [O, CG, KD, KH, KW], bias: in? [O], ${cudnnConv}`,
    kernel: true, halfFloats: true, check: 'checkConvolution',
  },
  convolutionBackwardInput: {
    args: `gradInput: new [N, C, D, H, W], gradOutput: in [N, O, OD, OH, OW], weight: in [O, CG, KD, KH, KW], ${cudnnConv}`,
    kernel: true, halfFloats: true, check: 'checkConvolution',
  },
  convolutionBackwardWeight: {
    args: `gradWeight: new [O, CG, KD, KH, KW], gradOutput: in [N, O, OD, OH, OW], input: in [N, C, D, H, W], ${cudnnConv}`,
    kernel: true, halfFloats: true, check: 'checkConvolution',
  },

  // LAPACK over a batch of contiguous row-major matrices (native/cpu/linalg.cc; CUDA refuses
  // them until cuSOLVER). Each writes LAPACK's `info` per matrix into `info` (as the dtype,
  // 0 on success) instead of throwing, so that TypeScript words PyTorch's errors.
  // LU with partial pivoting (getrf): `lu` packs L (unit diagonal) and U, `pivots` are 1-based.
  linalgLu: { args: 'lu: new [B, N, N], pivots: new [B, N], info: new [B], input: in [B, N, N]', kernel: true },
  // A X = B (gesv).
  linalgSolve: { args: 'out: new [B, N, K], info: new [B], a: in [B, N, N], b: in [B, N, K]', kernel: true },
  // The lower Cholesky factor of the lower triangle (potrf); the upper triangle is zeroed.
  linalgCholesky: { args: 'out: new [B, N, N], info: new [B], input: in [B, N, N]', kernel: true },
  // QR (geqrf, orgqr): C is min(M, N) (reduced) or M (complete).
  linalgQr: { args: 'q: new [B, M, C], r: new [B, C, N], input: in [B, M, N]', kernel: true },
  // QR in LAPACK's packed form (geqrf, torch.geqrf): R on and above the diagonal of `a`, the
  // Householder vectors below it, and their scalars `tau`; K is min(M, N).
  linalgGeqrf: { args: 'a: new [B, M, N], tau: new [B, K], input: in [B, M, N]', kernel: true },
  // op(Q)·C or C·op(Q) for Q = H_1 ⋯ H_K from the first K columns of geqrf's `a` (ormqr,
  // torch.ormqr): R is M when `left`, else N.
  linalgOrmqr: {
    args: 'out: new [B, M, N], a: in [B, R, KA], tau: in [B, K], c: in [B, M, N], left: bool, transpose: bool',
    kernel: true,
  },
  // op(A) X = B (`left`) or X op(A) = B for a triangular A (BLAS trsm): only the `upper` or
  // lower triangle of A is read, its diagonal taken as ones when `unitriangular`. K is M when
  // `left`, else N. A zero on the diagonal gives inf and NaN, as trsm does; nothing is checked.
  linalgTrsm: {
    args: 'out: new [B, M, N], a: in [B, K, K], b: in [B, M, N], left: bool, upper: bool, transpose: bool, unitriangular: bool',
    kernel: true,
  },
  // Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix (syevd),
  // reading its upper or lower triangle.
  linalgEigh: { args: 'values: new [B, N], vectors: new [B, N, N], info: new [B], input: in [B, N, N], upper: bool', kernel: true },
  // SVD (gesdd): K = min(M, N); U is [M, K] and Vh [K, N], or [M, M] and [N, N] (full).
  linalgSvd: { args: 'u: new [B, M, P], s: new [B, K], vh: new [B, Q, N], info: new [B], input: in [B, M, N]', kernel: true },
  // Least squares by complete orthogonal factorization (gelsy), as PyTorch's CPU default.
  linalgLstsq: { args: 'solution: new [B, N, K], rank: new [B], a: in [B, M, N], b: in [B, M, K], rcond: f64', kernel: true },
  // Discrete Fourier transforms along the middle axis N of contiguous [B, N, M] signals
  // (native/cpu/fft.cc, on pocketfft, which PyTorch's CPU build also uses; CUDA refuses them
  // until cuFFT). A complex signal is its real view, with a trailing pair of (real, imag).
  // TypeScript transforms one axis per call, in PyTorch's order, which is what pocketfft does
  // for several axes. The result is scaled as PyTorch's `normalization` (FftNorm) asks, for a
  // signal of `size` elements. c2c: `forward` picks the sign of the exponent. r2c: the one-sided
  // half, H = N / 2 + 1 rows. c2r: reads the first N / 2 + 1 rows of the H given.
  fftC2c: { args: 'out: new [B, N, M, 2], input: in [B, N, M, 2], forward: bool, normalization: FftNorm, size: i64', kernel: true, check: 'checkFftC2c' },
  fftR2c: { args: 'out: new [B, H, M, 2], input: in [B, N, M], normalization: FftNorm, size: i64', kernel: true, check: 'checkFftR2c' },
  fftC2r: { args: 'out: new [B, N, M], input: in [B, H, M, 2], normalization: FftNorm, size: i64', kernel: true, check: 'checkFftC2r' },
  // A dynamically quantized linear layer (torch.ao.nn.quantized.dynamic.Linear's forward;
  // native/cpu/quantized_linear.cc, on oneDNN's int8 matmul where it loads; CUDA refuses it,
  // as PyTorch has no CUDA kernel for it). As PyTorch's engines do, the kernel takes the
  // input's range, chooses its scale and zero point (ChooseQuantizationParams, with
  // `reduceRange` as PyTorch's x86 engines ask), quantizes each element to uint8,
  // q = clamp(rint(x · (1 / scale) + zeroPoint), 0, 255) in float32, and computes
  // out = (q - zeroPoint) · weight summed in int32, times scale · weightScale (one, or one per
  // output feature: S is 1 or N; the weight's zero points are 0), plus the bias. The weight is
  // the layer's [N, K] transposed once, when it is set, to the [K, N] rows oneDNN's int8
  // kernels read fastest (as PyTorch prepacks it). An input with NaN or ±inf is refused.
  quantizedLinearDynamic: {
    args: 'out: new [M, N], input: in [M, K], weight: in [K, N] i8, weightScales: in [S], bias: in? [N], reduceRange: bool',
    kernel: true,
    check: 'checkQuantizedLinearDynamic',
  },
  // Fused attention (native/cpu/attention.cc, native/cuda/attention.cu): out = softmax(q·kᵀ·scale
  // + mask) · v per (batch, head), tiled with an online softmax so that the L×S scores never
  // exist whole. q, k, v, out and gradOut may have strided rows: the heads of a packed
  // in-projection are read where they lie, and the output is written straight into the
  // [B, L, H, EV] layout that merging the heads wants (the CUDA kernels take contiguous ones). lse is each query row's logsumexp of its scores (-inf for a row
  // with no key left, whose output is then NaN, as the matmul-softmax path gives); the
  // backward recomputes the scores per tile from it. The mask is additive (bool masks become
  // 0/-inf on the TypeScript side), [MB, MH, ML, MS] with each dim 1 (broadcast, read in place)
  // or B, H, L, S; isCausal drops key j > query i (top-left aligned).
  // native/core/attention_checks.cc checks the mask's dims. `dropout` (training
  // with dropout) holds each weight's dropout factor, 0 or 1 / (1 - p), drawn as the
  // composition's dropout draws its mask: the output is (softmax ∘ dropout) · v, and lse
  // stays that of the softmax before dropout. float16 and bfloat16 are fused on CUDA only
  // (read and written narrow, computed in float32, lse float32, as PyTorch's flash attention
  // keeps it); the CPU's checks refuse them, and TypeScript sends them to the composition.
  attentionForward: {
    args:
      'out: out [B, H, L, EV] rows, lse: new [B, H, L] acc, q: in [B, H, L, E] rows, k: in [B, H, S, E] rows, v: in [B, H, S, EV] rows, ' +
      'mask: in? [MB, MH, ML, MS], dropout: in? [B, H, L, S], scale: f64 @meta, isCausal: bool @meta',
    kernel: true,
    halfFloats: 'cuda',
    check: 'checkAttention',
  },
  attentionBackward: {
    args:
      'dq: new [B, H, L, E], dk: new [B, H, S, E], dv: new [B, H, S, EV], gradOut: in [B, H, L, EV] rows, q: in [B, H, L, E] rows, ' +
      'k: in [B, H, S, E] rows, v: in [B, H, S, EV] rows, out: in [B, H, L, EV] rows, lse: in [B, H, L] acc, mask: in? [MB, MH, ML, MS], ' +
      'dropout: in? [B, H, L, S], scale: f64 @meta, isCausal: bool @meta',
    kernel: true,
    halfFloats: 'cuda',
    check: 'checkAttention',
  },
};
