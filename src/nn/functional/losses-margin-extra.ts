/**
 * Multi-label margin loss and the triplet loss with a distance function of one's choice,
 * composed from differentiable tensor ops following PyTorch 1.13 (ATen's CPU kernel for
 * the first, `torch.nn.functional`'s Python for the second): defaults, checks, messages,
 * output shapes and grad_fn names.
 */
import { renameGradFn } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { freeIntermediates } from '../../memory/storage.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bool, float32, float64, int64, scalarTypeName } from '../../tensor/dtype.js';
import { tensor } from '../../tensor/creation.js';
import { add, clamp, div, logicalAnd, logicalNot, minimum, relu, rsub, sub, where } from '../../ops/elementwise.js';
import { mean, sum } from '../../ops/reduce.js';
import { reshape, toDtype, unsqueeze } from '../../ops/shape.js';
import { gather } from '../../ops/indexing.js';
import { checkBoolean, checkFunction, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { type Reduction, checkReduction } from './loss.js';
import { pairwiseDistance } from './distance.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/**
 * Options of multilabelMarginLoss.
 * @example F.multilabelMarginLoss(scores, labels, { reduction: 'sum' })
 */
export interface MultilabelMarginOptions {
  reduction?: Reduction;
}
/** @internal @example checkLossOptions(o, 'MultiLabelMarginLoss', MULTILABEL_MARGIN_KEYS) */
export const MULTILABEL_MARGIN_KEYS = keysOf<MultilabelMarginOptions>()('reduction');

const TARGET_ARG = "argument #2 'target'";
const sizes = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/** Per sample, the class indices listed before its first negative entry, checked as PyTorch checks them. */
function targetLists(target: Tensor, frames: number, classes: number): number[][] {
  const values = noGrad(() => toDtype(target, float64).contiguous());
  const data = values.dataSync() as Float64Array;
  // PyTorch checks every entry, also those after the first -1.
  for (const v of data) if (!(v >= -1 && v < classes)) throw new Error(`${TARGET_ARG} is out of range`);
  const lists: number[][] = [];
  for (let n = 0; n < frames; n++) {
    const list: number[] = [];
    for (let c = 0; c < classes; c++) {
      const v = data[n * classes + c];
      if (v < 0) break;
      list.push(v);
    }
    lists.push(list);
  }
  if (values !== target) values.dispose();
  return lists;
}

/**
 * Multi-class multi-label hinge loss: per sample, `sum over listed targets j and unlisted
 * classes i of max(0, 1 - (x[j] - x[i]))`, divided by the number of classes. The target
 * (int64, the input's shape) lists each sample's classes and ends at its first -1.
 * @example F.multilabelMarginLoss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([[3, 0, -1, 1]]))
 */
export function multilabelMarginLoss(input: Tensor, target: Tensor, options: MultilabelMarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('multilabelMarginLoss', multilabelMarginLoss, arguments);
  return freeIntermediates(() => {
    checkTensor(input, 'multilabelMarginLoss', 'input');
    checkTensor(target, 'multilabelMarginLoss', 'target');
    checkOptions(options, 'multilabelMarginLoss', MULTILABEL_MARGIN_KEYS);
    const reduction = options?.reduction ?? 'mean';
    checkReduction(reduction, 'multilabelMarginLoss');
    const ndims = input.dim();
    if (!((ndims === 2 && input.shape[1] !== 0) || (ndims === 1 && input.shape[0] !== 0) || ndims === 0)) {
      throw new Error(`Expected non-empty vector or matrix with optional 0-dim batch size, but got: ${sizes(input)}`);
    }
    const frames = ndims <= 1 ? 1 : input.shape[0];
    const classes = ndims === 0 ? 1 : input.shape[ndims - 1];
    const consistent = ndims <= 1
      ? target.dim() <= 1 && target.numel() === classes
      : target.dim() === 2 && target.shape[0] === frames && target.shape[1] === classes;
    if (!consistent) throw new Error(`inconsistent size ${sizes(target)} for ${TARGET_ARG}`);
    const lists = targetLists(target, frames, classes);
    if (input.dtype !== float32 && input.dtype !== float64) {
      throw new Error(`"multilabel_margin_loss_forward_out_frame" not implemented for '${scalarTypeName(input.dtype)}'`);
    }
    if (target.dtype !== int64) throw new Error(`expected scalar type Long but found ${scalarTypeName(target.dtype)}`);
    // Each sample's listed classes, padded to the longest list; `listed` marks the real entries.
    const width = Math.max(1, ...lists.map((l) => l.length));
    const index = new BigInt64Array(frames * width);
    const listed = new Uint8Array(frames * width);
    const isTarget = new Uint8Array(frames * classes);
    lists.forEach((list, n) => list.forEach((c, k) => {
      index[n * width + k] = BigInt(c);
      listed[n * width + k] = 1;
      isTarget[n * classes + c] = 1;
    }));
    const device = input.device;
    const scores = reshape(input, [frames, classes]);
    const atTargets = gather(scores, 1, tensor(index, { dtype: int64, device }).reshape([frames, width]));
    const margins = relu(add(rsub(unsqueeze(atTargets, 2), 1), unsqueeze(scores, 1)));
    const counted = logicalAnd(
      tensor(listed, { dtype: bool, device }).reshape([frames, width, 1]),
      logicalNot(tensor(isTarget, { dtype: bool, device }).reshape([frames, 1, classes])),
    );
    let perSample = div(sum(where(counted, margins, 0), [1, 2]), classes);
    if (ndims <= 1) perSample = reshape(perSample, []);
    const out = reduction === 'none' ? perSample : reduction === 'sum' ? sum(perSample) : mean(perSample);
    return renameGradFn(out, 'MultilabelMarginLossBackward0');
  });
}

/**
 * Options of tripletMarginWithDistanceLoss: the distance (pairwiseDistance by default, or
 * any function of two tensors, a module included), margin, swap and reduction.
 * @example F.tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: (x, y) => F.cosineSimilarity(x, y).rsub(1) })
 */
export interface TripletMarginWithDistanceOptions {
  distanceFunction?: ((x1: Tensor, x2: Tensor) => Tensor) | null;
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}
/** @internal @example checkTripletWithDistanceOptions(o, 'TripletMarginWithDistanceLoss') */
export const TRIPLET_DISTANCE_KEYS = keysOf<TripletMarginWithDistanceOptions>()('distanceFunction', 'margin', 'swap', 'reduction');

/**
 * Checks tripletMarginWithDistanceLoss's options. @internal
 * @example checkTripletWithDistanceOptions({ margin: 2 }, 'TripletMarginWithDistanceLoss')
 */
export function checkTripletWithDistanceOptions(options: unknown, fn: string): void {
  checkOptions(options, fn, TRIPLET_DISTANCE_KEYS);
  const o = (options ?? {}) as TripletMarginWithDistanceOptions;
  if (o.distanceFunction !== undefined && o.distanceFunction !== null) checkFunction(o.distanceFunction, fn, 'distanceFunction');
  if (o.margin !== undefined) checkNumber(o.margin, fn, 'margin');
  if (o.swap !== undefined) checkBoolean(o.swap, fn, 'swap');
  if (o.reduction !== undefined) checkReduction(o.reduction, fn);
}

/**
 * `max(0, d(a, p) - d(a, n) + margin)` for any distance `d` (pairwiseDistance by default);
 * `swap` uses `min(d(a, n), d(p, n))` as the negative distance.
 * @example F.tripletMarginWithDistanceLoss(anchor, positive, negative, { margin: 0.5 })
 */
export function tripletMarginWithDistanceLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  options: TripletMarginWithDistanceOptions = {},
): Tensor {
  return freeIntermediates(() => {
    const fn = 'tripletMarginWithDistanceLoss';
    checkTensor(anchor, fn, 'anchor');
    checkTensor(positive, fn, 'positive');
    checkTensor(negative, fn, 'negative');
    checkTripletWithDistanceOptions(options, fn);
    const distance = options?.distanceFunction ?? pairwiseDistance;
    const positiveDist = distance(anchor, positive);
    let negativeDist = distance(anchor, negative);
    if (options?.swap) negativeDist = minimum(negativeDist, distance(positive, negative));
    const output = clamp(add(sub(positiveDist, negativeDist), options?.margin ?? 1), 0);
    const reduction = options?.reduction ?? 'mean';
    return reduction === 'none' ? output : reduction === 'sum' ? sum(output) : mean(output);
  });
}
