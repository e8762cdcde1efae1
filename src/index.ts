/**
 * flint: PyTorch for Node.js.
 *
 * @example
 * import * as torch from 'flint';
 * const X = torch.rand(2, 20);
 * const w = torch.randn(20, 3, { requiresGrad: true });
 * const loss = X.matmul(w).relu().sum();
 * loss.backward();
 * console.log(w.grad);
 */
import './tensor/methods.js';
import './random/methods.js';
import { native, nativeInfo } from './native/addon.js';
import { checkInteger } from './tensor/args.js';

export { Tensor } from './tensor/tensor.js';
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
  promoteTypes,
  setDefaultDtype,
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
} from './tensor/creation.js';
export type { CreationOptions, RandomOptions } from './tensor/creation.js';
export { Generator, defaultGenerator, getRngState, setRngState, initialSeed, seed } from './random/generator.js';
export { randperm, randintLike, normal, bernoulli, multinomial } from './random/sampling.js';
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
export { softmax, logSoftmax } from './ops/softmax.js';
export { sum, mean, prod, max, min, amax, amin, argmax, argmin, any, all, logsumexp } from './ops/reduce.js';
export type { ValuesIndices } from './ops/reduce.js';
export { var_ as var, std, norm } from './ops/norms.js';
export type { NormOrder, NormOptions, VarOptions } from './ops/norms.js';
export { matmul, mm, bmm, addmm, dot, mv, outer } from './ops/linalg.js';
export { baddbmm, addbmm, addmv, addr, trace, kron, tensordot, cross, cdist } from './ops/linalg-products.js';
export type { BetaAlpha } from './ops/linalg-products.js';
export { einsum } from './ops/einsum.js';
export { det, slogdet, logdet } from './linalg/determinants.js';
export { pinverse } from './linalg/least-squares.js';
export { inverse } from './linalg/decompositions.js';
export * as linalg from './linalg/index.js';
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
} from './ops/shape.js';
export { index, indexSelect, gather, scatter, scatterAdd, nonzero, maskedSelect, select } from './ops/indexing.js';
export * as nn from './nn/index.js';
export { save, saveSync, load, loadSync, serialize, deserialize } from './serialization/index.js';
export type { SaveOptions, LoadOptions } from './serialization/index.js';
export * as optim from './optim/index.js';
export * as utils from './utils/index.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from './autograd/grad-mode.js';
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
 * `torch.set_num_threads`: threads for elementwise ops and reductions on this thread's
 * instance (OpenBLAS keeps its own setting).
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

/**
 * `torch.cuda`: devices, synchronization, seeding and memory statistics.
 * @example if (torch.cuda.isAvailable()) x = x.cuda();
 */
export * as cuda from './cuda.js';
export { backends } from './cuda.js';

/** Build facts. @example torch.config.threads */
export const config = { threads: nativeInfo.threads };
