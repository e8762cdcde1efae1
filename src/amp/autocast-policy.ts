/**
 * Autocast's op lists, written once, and the hook the listed ops call at their entry:
 * it casts the floating-point inputs (float64 excepted, as PyTorch) that live on a device
 * whose autocast is on, then runs the op with autocast suspended. Casts are `.to(dtype)`,
 * so gradients flow back to the inputs' own dtypes through ToCopyBackward0.
 *
 * CPU lists follow PyTorch 1.13's CPU autocast (checked by tests/fixtures/amp.json): only
 * the matrix products run in bfloat16; the losses, prod, cdist, transposed convolutions, 3-d
 * pooling, grid_sample, quantiles and linalg in float32; and cat,
 * stack and index_copy promote; softmax, exp, sum, layer_norm... are left alone on the
 * CPU. CUDA lists follow PyTorch 2.x's CUDA autocast.
 */
import { Tensor } from '../tensor/tensor.js';
import { bfloat16, float16, float32, float64, promoteTypes, type DType } from '../tensor/dtype.js';
import { autocastHook, autocastStates, bypassNextHook, clearBypass } from './autocast-state.js';

/**
 * How autocast treats an op: run it in the low dtype, in float32, in float32 unless a
 * dtype option is given, in the widest input dtype, or refuse it (CUDA's binary_cross_entropy).
 */
export type CastPolicy = 'lower' | 'fp32' | 'fp32OptDtype' | 'promote' | 'banned';

const LOWER_BOTH = ['matmul', 'mm', 'bmm', 'addmm', 'baddbmm', 'addbmm', 'linear', 'conv1d', 'conv2d', 'conv3d'] as const;
const LOWER_CUDA = [
  'mv', 'addmv', 'addr', 'prelu', 'einsum', 'chainMatmul', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d',
  'scaledDotProductAttention',
] as const;
const FP32_LOSSES = [
  'mseLoss', 'l1Loss', 'crossEntropy', 'nllLoss', 'binaryCrossEntropyWithLogits', 'smoothL1Loss', 'huberLoss',
  'klDiv', 'marginRankingLoss', 'softMarginLoss', 'hingeEmbeddingLoss', 'cosineEmbeddingLoss', 'poissonNllLoss', 'tripletMarginLoss',
  'multiMarginLoss', 'multilabelMarginLoss', 'ctcLoss',
] as const;
// The rest of 1.13's CPU float32 list that flint has: transposed convolutions, 3-d and
// fractional pooling, unpooling, grid_sample, trace, quantiles and the LAPACK-backed linalg.
const FP32_CPU = [
  ...FP32_LOSSES, 'binaryCrossEntropy', 'prod', 'cdist', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'avgPool3d',
  'maxPool3d', 'adaptiveAvgPool3d', 'adaptiveMaxPool3d', 'maxUnpool2d', 'maxUnpool3d', 'fractionalMaxPool2d', 'fractionalMaxPool3d',
  'gridSample', 'trace', 'quantile', 'nanquantile', 'linalgInv', 'linalgSolve', 'linalgCholesky', 'linalgQr', 'linalgEigh', 'linalgSvd',
  'linalgLuSolve', 'linalgMatrixNorm', 'linalgPinv',
] as const;
const FP32_CUDA = [
  ...FP32_LOSSES, 'acos', 'asin', 'cosh', 'erfinv', 'exp', 'expm1', 'log', 'log10', 'log2', 'log1p', 'reciprocal', 'rsqrt', 'sinh',
  'tan', 'pow', 'softplus', 'layerNorm', 'groupNorm', 'cosineSimilarity', 'logsumexp', 'cdist', 'dist', 'pdist', 'renorm',
] as const;
const FP32_OPT_DTYPE_CUDA = ['softmax', 'logSoftmax', 'prod', 'cumsum', 'cumprod', 'sum', 'norm'] as const;
const PROMOTE_BOTH = ['cat', 'stack', 'indexCopy'] as const;
const BANNED_CUDA = ['binaryCrossEntropy'] as const;
const PROMOTE_CUDA = ['addcdiv', 'addcmul', 'atan2', 'bilinear', 'cross', 'dot', 'scatterAdd', 'indexPut', 'tensordot'] as const;

/** Every op name the lists know. */
export type AutocastOp =
  | (typeof LOWER_BOTH)[number] | (typeof LOWER_CUDA)[number] | (typeof FP32_CPU)[number] | (typeof FP32_CUDA)[number]
  | (typeof FP32_OPT_DTYPE_CUDA)[number] | (typeof PROMOTE_BOTH)[number] | (typeof PROMOTE_CUDA)[number];

function table(entries: [readonly string[], CastPolicy][]): Map<string, CastPolicy> {
  const m = new Map<string, CastPolicy>();
  for (const [names, policy] of entries) for (const n of names) m.set(n, policy);
  return m;
}

/** The op lists per device type (a name absent from a device's list runs unchanged there). */
export const AUTOCAST_POLICIES: Readonly<Record<'cpu' | 'cuda', ReadonlyMap<string, CastPolicy>>> = {
  cpu: table([[LOWER_BOTH, 'lower'], [FP32_CPU, 'fp32'], [PROMOTE_BOTH, 'promote']]),
  cuda: table([
    [LOWER_BOTH, 'lower'], [LOWER_CUDA, 'lower'], [FP32_CUDA, 'fp32'], [FP32_OPT_DTYPE_CUDA, 'fp32OptDtype'],
    [PROMOTE_BOTH, 'promote'], [PROMOTE_CUDA, 'promote'], [BANNED_CUDA, 'banned'],
  ]),
};

/** PyTorch's refusal of binary_cross_entropy under CUDA autocast. */
const BCE_BANNED =
  'torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n' +
  'Many models use a sigmoid layer right before the binary cross entropy layer.\n' +
  'In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n' +
  'or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n' +
  'safe to autocast.';

/** Casts of leaf tensors that require grad (weights), reused within the outermost autocast region. */
const castCache = new Map<Tensor, Map<DType, Tensor>>();

/**
 * Drops the cached casts of weights, as `torch.clear_autocast_cache()` (the outermost autocast
 * region does it when it ends): each is freed now, or when backward is done with it if a
 * graph saved it.
 * @example if (torch.autocastDecrementNesting() === 0) torch.clearAutocastCache();
 */
export function clearAutocastCache(): void {
  for (const byDtype of castCache.values()) {
    for (const cast of byDtype.values()) {
      cast._keep = false;
      cast._letGo();
    }
  }
  castCache.clear();
}

function firstTensor(args: readonly unknown[]): Tensor | undefined {
  for (const a of args) {
    if (a instanceof Tensor) return a;
    if (Array.isArray(a)) {
      const t = firstTensor(a);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

function eligible(t: Tensor, deviceType: string): boolean {
  return t.device.type === deviceType && t.isFloatingPoint() && t.dtype !== float64;
}

function castTo(t: Tensor, dtype: DType, deviceType: 'cpu' | 'cuda', lowDtype: DType): Tensor {
  if (!eligible(t, deviceType) || t.dtype === dtype) return t;
  const cacheable = dtype === lowDtype && autocastStates[deviceType].cacheEnabled && t.isLeaf && t.requiresGrad && t.dtype === float32;
  if (!cacheable) return t.to(dtype);
  let byDtype = castCache.get(t);
  if (byDtype === undefined) castCache.set(t, (byDtype = new Map()));
  let cast = byDtype.get(dtype);
  if (cast === undefined || cast.isDisposed) {
    cast = t.to(dtype);
    // The region's cache owns it: a tidy scope it was made in (a Transformer block's) must
    // not free it while later forwards in the region reuse it.
    cast._keep = true;
    byDtype.set(dtype, cast);
  }
  return cast;
}

/**
 * A keyword-options object (a plain object literal): PyTorch casts keyword tensors as it casts
 * positional ones (scaled_dot_product_attention's attn_mask, cross_entropy's weight). An
 * `out` tensor is the caller's storage, never cast.
 */
function optionTensors(a: unknown): [string, Tensor][] | null {
  if (a === null || typeof a !== 'object' || Object.getPrototypeOf(a) !== Object.prototype) return null;
  const found = Object.entries(a).filter((e): e is [string, Tensor] => e[0] !== 'out' && e[1] instanceof Tensor);
  return found.length > 0 ? found : null;
}

function mapTensors(args: readonly unknown[], f: (t: Tensor) => Tensor): unknown[] {
  return args.map((a) => {
    if (a instanceof Tensor) return f(a);
    if (Array.isArray(a)) return a.some((x) => x instanceof Tensor) ? mapTensors(a, f) : a;
    const options = optionTensors(a);
    return options === null ? a : { ...(a as object), ...Object.fromEntries(options.map(([k, t]) => [k, f(t)])) };
  });
}

function widest(args: readonly unknown[], deviceType: string, start: DType): DType {
  let current = start;
  const visit = (a: unknown): void => {
    if (a instanceof Tensor) {
      if (a.device.type === deviceType && a.isFloatingPoint()) current = promoteTypes(current, a.dtype);
    } else if (Array.isArray(a)) a.forEach(visit);
    else optionTensors(a)?.forEach(([, t]) => visit(t));
  };
  args.forEach(visit);
  return current;
}

function hasDtypeOption(args: readonly unknown[]): boolean {
  return args.some((a) => a !== null && typeof a === 'object' && !(a instanceof Tensor) && !Array.isArray(a) && (a as { dtype?: unknown }).dtype != null);
}

/**
 * Frees the casts nothing can reach any more: when the result records no graph, no
 * backward saved them, so only a result sharing a cast's storage keeps it.
 */
function releaseCasts(made: Tensor[], result: unknown): void {
  if (made.length === 0) return;
  const kept = new Set<unknown>();
  let graph = false;
  const visit = (v: unknown): void => {
    if (v instanceof Tensor) {
      kept.add(v._storage);
      graph ||= v.requiresGrad;
    } else if (Array.isArray(v)) v.forEach(visit);
  };
  visit(result);
  if (graph) return;
  for (const t of made) if (!kept.has(t._storage)) t.dispose();
}

/**
 * The hook at the entry of a listed op:
 * `if (autocastHook.active) return autocastOp('mm', mm, arguments);`. Casts the inputs as
 * the op's policy on their device says, then runs `fn` with autocast suspended, so the
 * op's own inner ops are not cast again.
 * @example if (autocastHook.active) return autocastOp('mm', mm, arguments);
 */
export function autocastOp<R>(op: AutocastOp, fn: (...args: never[]) => R, passed: IArguments): R {
  const args = Array.from(passed) as unknown[];
  const run = fn as (...a: unknown[]) => R;
  autocastHook.active = false;
  try {
    const t = firstTensor(args);
    const deviceType = t?.device.type;
    const state = deviceType === undefined ? undefined : autocastStates[deviceType];
    const policy = state?.enabled ? AUTOCAST_POLICIES[deviceType!].get(op) : undefined;
    if (policy === undefined) {
      // Not on this device's lists: run it as a composite, its inner ops still autocast.
      autocastHook.active = autocastStates.cpu.enabled || autocastStates.cuda.enabled;
      bypassNextHook();
      try {
        return run(...args);
      } finally {
        clearBypass();
      }
    }
    const dev = deviceType!;
    const low = state!.dtype === 'float16' ? float16 : bfloat16;
    if (policy === 'banned') throw new Error(BCE_BANNED);
    let target: DType;
    if (policy === 'lower') target = low;
    else if (policy === 'fp32') target = float32;
    else if (policy === 'fp32OptDtype') {
      if (hasDtypeOption(args)) return run(...args);
      target = float32;
    } else target = widest(args, dev, low);
    const made: Tensor[] = [];
    const result = run(
      ...mapTensors(args, (x) => {
        const cast = castTo(x, target, dev, low);
        if (cast !== x) made.push(cast);
        return cast;
      }),
    );
    releaseCasts(made, result);
    return result;
  } finally {
    autocastHook.active = autocastStates.cpu.enabled || autocastStates.cuda.enabled;
  }
}
export { autocastHook } from './autocast-state.js';
