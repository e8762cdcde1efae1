/**
 * DistributedDataParallel's reducer: the gradient buckets of one DDP module, and the
 * state of the current iteration. Each bucket's all-reduce starts as soon as its last
 * gradient is accumulated during backward, in bucket order on every rank, so that the
 * collectives match across ranks; the end of backward waits for them and writes the
 * averages into `.grad`.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { AccumulateGrad, type Node } from '../../autograd/node.js';
import { queueCallback, runningBackwardPass } from '../../autograd/engine.js';
import { zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { uint8 } from '../../tensor/dtype.js';
import { allReduce, allReduceNumbers } from '../../distributed/collectives.js';
import { ReduceOp, type ProcessGroup, type Work } from '../../distributed/process-group.js';
import { getRank } from '../../distributed/state.js';
import type { Parameter } from '../parameter.js';
import { Future } from '../../futures.js';
import { GradBucket, type CommHook } from './comm-hooks.js';

export const MIB = 1024 * 1024;
const FIRST_BUCKET_BYTES = 1 * MIB;

interface Bucket {
  params: number[]; // indices into Reducer.params
  offsets: number[];
  flat: Tensor;
  pending: number; // gradients still to come this iteration
  work: Work | null;
  future: Future<unknown> | null; // the communication hook's, when one is registered
}

/** The gradient buckets of one DDP module and the state of the current iteration. @internal */
export class Reducer {
  readonly params: Parameter[];
  readonly buckets: Bucket[] = [];
  private bucketOf: number[] = [];
  private ready: boolean[] = [];
  private usedLocally: boolean[] = [];
  private nextLaunch = 0;
  /** A backward is expected to reduce (set by a synced training forward). */
  expecting = false;
  /** registerCommHook's hook and state: the hook reduces each bucket instead of the average. */
  commHook: { hook: CommHook<any>; state: unknown } | null = null;
  private readonly hooks: { remove(): void }[] = [];
  /**
   * In a join context: the forward's all-reduce of ones, which counts the ranks that have
   * not joined, and whether that count (not the group's size) divides the gradients.
   */
  private forwardPassCount: { work: Work; count: Tensor; useStaticWorldSize: boolean } | null = null;
  /** Synced iterations so far, armed here or shadowed by a joined rank. */
  private iterations = 0;
  /**
   * staticGraph: how many times each parameter's gradient arrives in one backward (0:
   * unused), counted in the first synced iteration; null until then.
   */
  private expectedArrivals: number[] | null = null;
  private arrivals: number[] = [];
  /** staticGraph's first iteration: gradients are only counted, and reduced when backward ends. */
  private recording = false;
  private finishQueued = false;
  /** staticGraph: which parameters some rank used, from the first iteration's used map. */
  private staticUsedAnywhere: boolean[] | null = null;
  /** The backward pass (runningBackwardPass) that finished the last iteration's reduction. */
  private finishedPass = 0;
  /** What this iteration's gradients are divided by, fixed when its first bucket launches. */
  private divisor: number | null = null;

  constructor(
    params: Parameter[],
    private readonly group: ProcessGroup,
    capBytes: number,
    private readonly findUnused: boolean,
    private readonly asBucketView: boolean,
    private readonly staticGraph = false,
  ) {
    this.params = params;
    // Buckets in reverse registration order, roughly the order backward produces gradients.
    let current: number[] = [];
    let bytes = 0;
    let limit = Math.min(FIRST_BUCKET_BYTES, capBytes);
    const close = (): void => {
      if (current.length > 0) this.addBucket(current);
      current = [];
      bytes = 0;
      limit = capBytes;
    };
    for (let i = params.length - 1; i >= 0; i--) {
      const p = params[i];
      const first = current.length > 0 ? params[current[0]] : null;
      if (first && (first.dtype !== p.dtype || String(first.device) !== String(p.device))) close();
      current.push(i);
      bytes += p.numel() * p.elementSize();
      if (bytes >= limit) close();
    }
    close();
    params.forEach((p, i) => {
      this.hooks.push(p.registerPostAccumulateGradHook(() => this.onGradient(i)));
    });
  }

  private addBucket(indices: number[]): void {
    const offsets: number[] = [];
    let total = 0;
    for (const i of indices) {
      offsets.push(total);
      total += this.params[i].numel();
      this.bucketOf[i] = this.buckets.length;
    }
    const first = this.params[indices[0]];
    const flat = zeros([total], { dtype: first.dtype, device: first.device });
    this.buckets.push({ params: indices, offsets, flat, pending: indices.length, work: null, future: null });
  }

  /** Arms the reduction for the backward of `output` (a training forward's result). */
  prepareForBackward(output: unknown): void {
    if (this.expecting) {
      const cause =
        this.staticGraph && this.expectedArrivals !== null
          ? 'that your training graph has changed in this iteration, e.g., one parameter is used in first iteration, ' +
            'but then got unused in the second iteration. this is not compatible with staticGraph set to true.'
          : 'that your module has parameters that were not used in producing loss. You can enable unused parameter ' +
            'detection by passing the option `findUnusedParameters: true` to DistributedDataParallel, and by making ' +
            'sure all `forward` function outputs participate in calculating loss.';
      throw new Error(
        `Expected to have finished reduction in the prior iteration before starting a new one. This error indicates ${cause} ` +
          `Parameter indices which did not receive grad for rank ${getRank()}: ${this.unreadyIndices().join(' ')}`,
      );
    }
    this.expecting = true;
    this.finishedPass = 0;
    this.nextLaunch = 0;
    this.divisor = null;
    this.ready = this.params.map(() => false);
    this.usedLocally = this.params.map(() => false);
    for (const b of this.buckets) {
      b.pending = b.params.length;
      b.work = null;
      b.future = null;
    }
    this.iterations++;
    this.arrivals = this.params.map(() => 0);
    if (this.staticGraph) {
      if (this.expectedArrivals === null) {
        this.recording = true;
        this.finishQueued = false;
      } else {
        this.expectedArrivals.forEach((n, i) => n === 0 && this.markReady(i, false));
      }
    } else if (this.findUnused) {
      const used = reachableLeaves(output);
      this.params.forEach((p, i) => {
        if (!used.has(p)) this.markReady(i, false);
      });
    }
  }

  /** A parameter's post-accumulate-grad hook: its gradient for this backward has arrived (once more). */
  private onGradient(index: number): void {
    if (!this.staticGraph || !this.expecting) return this.markReady(index);
    const arrived = ++this.arrivals[index];
    if (this.recording) {
      // The first iteration cannot know when a parameter's last gradient has come (a layer
      // in two reentrant checkpoints gets two), so it reduces when the backward ends.
      if (!this.finishQueued) {
        this.finishQueued = true;
        queueCallback(() => this.finishRecording());
      }
      return;
    }
    const expected = this.expectedArrivals![index];
    if (arrived === expected) this.markReady(index);
    else if (arrived > expected) {
      this.expecting = false;
      throw new Error(markedTwiceMessage(index, this.findUnused));
    }
  }

  /** staticGraph's first iteration, when its backward ends: reduce everything, remember the counts. */
  private finishRecording(): void {
    this.recording = false;
    this.expectedArrivals = this.arrivals.slice();
    this.arrivals.forEach((n, i) => this.markReady(i, n > 0));
  }

  private unreadyIndices(): number[] {
    return this.params.map((_, i) => i).filter((i) => !this.ready[i]);
  }

  private markReady(index: number, hasGrad = true): void {
    if (!this.expecting) {
      // The iteration's reduction is over; a gradient for it later in the same backward
      // (a parameter in two reentrant checkpoints) would go unaveraged.
      if (hasGrad && this.finishedPass !== 0 && runningBackwardPass() === this.finishedPass) {
        this.finishedPass = 0;
        throw new Error(markedTwiceMessage(index, this.findUnused));
      }
      return;
    }
    if (this.ready[index]) {
      // A second gradient after the bucket may have gone: averaging it silently would be wrong.
      this.expecting = false;
      throw new Error(markedTwiceMessage(index, this.findUnused));
    }
    this.ready[index] = true;
    this.usedLocally[index] = hasGrad;
    const bucket = this.buckets[this.bucketOf[index]];
    bucket.pending--;
    // Buckets launch in index order on every rank, so the collectives match across ranks
    // even when their gradients arrive in another order.
    while (this.nextLaunch < this.buckets.length && this.buckets[this.nextLaunch].pending === 0) {
      try {
        this.launch(this.buckets[this.nextLaunch++]);
      } catch (error) {
        // A communication hook failed: this iteration is over, so that the next forward
        // does not report its parameters as unused.
        this.expecting = false;
        throw error;
      }
    }
    if (this.nextLaunch === this.buckets.length) this.finalize();
  }

  private launch(bucket: Bucket): void {
    noGrad(() => {
      bucket.params.forEach((i, k) => {
        const p = this.params[i];
        const slot = bucket.flat.narrow(0, bucket.offsets[k], p.numel());
        const grad = p._grad;
        if (grad !== null && this.usedLocally[i]) {
          const flat = grad.reshape(-1);
          slot.copy_(flat);
          if (flat !== grad) flat.dispose();
        } else {
          slot.zero_();
        }
        slot.dispose();
      });
      if (this.commHook === null) bucket.flat.div_(this.divideBy());
    });
    if (this.commHook !== null) {
      // The hook averages (or otherwise reduces) the bucket itself, as in PyTorch.
      bucket.future = this.runCommHook(this.buckets.indexOf(bucket), bucket.flat);
      return;
    }
    bucket.work = allReduce(bucket.flat, { group: this.group, op: ReduceOp.SUM });
  }

  /** The registered communication hook's future for bucket `index`, with `buffer` as its gradients. */
  private runCommHook(index: number, buffer: Tensor): Future<unknown> {
    const bucket = this.buckets[index];
    const params = bucket.params.map((i) => this.params[i]);
    const gradBucket = new GradBucket(index, buffer, params, bucket.offsets, index === this.buckets.length - 1);
    const future: unknown = this.commHook!.hook(this.commHook!.state, gradBucket);
    if (!(future instanceof Future)) {
      throw new TypeError(`DistributedDataParallel: a communication hook must return a torch.futures.Future, but it returned ${typeof future}`);
    }
    return future;
  }

  /**
   * All-reduces the used-parameter map (MAX): which parameters some rank used this
   * iteration, from which ones this rank used.
   */
  private usedAnywhere(usedLocally: boolean[]): boolean[] {
    const flags = allReduceNumbers(usedLocally.map((u) => (u ? 1 : 0)), this.group, { dtype: uint8, device: 'cpu', op: ReduceOp.MAX });
    return flags.map((f) => f !== 0);
  }

  /** Waits for a bucket's hook and puts its reduced gradients into the bucket's buffer. */
  private hookResult(bucket: Bucket): void {
    let result = bucket.future!.wait();
    if (Array.isArray(result) && result.length === 1) result = result[0];
    if (!(result instanceof Tensor) || result.numel() !== bucket.flat.numel()) {
      const found = result instanceof Tensor ? `a tensor of ${result.numel()} elements` : typeof result;
      throw new TypeError(`DistributedDataParallel: a communication hook's future must hold a tensor of the bucket's ${bucket.flat.numel()} elements, but it holds ${found}`);
    }
    if (result !== bucket.flat) {
      const flat = result.reshape(-1);
      noGrad(() => bucket.flat.copy_(flat));
      if (flat !== result) flat.dispose();
    }
    bucket.future = null;
  }

  /**
   * The group's size, or in a join context with `divideByInitialWorldSize: false` the
   * number of ranks that have not joined (PyTorch's reducer waits for the forward's count
   * when the first gradient is ready).
   */
  private divideBy(): number {
    if (this.divisor === null) {
      this.divisor = this.group.size();
      const pending = this.forwardPassCount;
      if (pending !== null && !pending.useStaticWorldSize) {
        pending.work.wait();
        this.divisor = pending.count.item() as number;
      }
    }
    return this.divisor;
  }

  /**
   * Hands the reducer the join context's count of this iteration's non-joined ranks (an
   * all-reduce of ones started by the forward). @internal
   */
  setForwardPassWork(work: Work, count: Tensor, useStaticWorldSize: boolean): void {
    this.releaseForwardPassCount();
    this.forwardPassCount = { work, count, useStaticWorldSize };
  }

  private releaseForwardPassCount(): void {
    const pending = this.forwardPassCount;
    if (pending === null) return;
    this.forwardPassCount = null;
    pending.work.wait();
    pending.count.dispose();
  }

  /**
   * A joined rank's side of one backward of the ranks that have not joined: every bucket's
   * reduction, in bucket order, with zeros for this rank's gradients (through the
   * communication hook if one is registered), then the unused-parameter map's, in the
   * order `finalize` runs them (a hook's chained collectives come after the map). The
   * zeros are scratch buffers: this rank's gradients are left as they are, bucket views
   * included. @internal
   */
  matchBackwardCollectives(): void {
    this.iterations++;
    const pending: (Work | Future<unknown>)[] = [];
    const scratches: Tensor[] = [];
    try {
      this.buckets.forEach((bucket, index) => {
        const scratch = zeros([bucket.flat.numel()], { dtype: bucket.flat.dtype, device: bucket.flat.device });
        scratches.push(scratch);
        pending.push(this.commHook === null ? allReduce(scratch, { group: this.group, op: ReduceOp.SUM }) : this.runCommHook(index, scratch));
      });
      if (this.usesUsedMap()) this.usedAnywhere(this.params.map(() => false));
      for (const p of pending) p.wait();
    } finally {
      for (const scratch of scratches) scratch.dispose();
    }
  }

  /**
   * Whether this iteration's backward ends with the all-reduce of the used-parameter map:
   * with findUnusedParameters, or in staticGraph's first iteration (later ones reuse it).
   */
  private usesUsedMap(): boolean {
    return this.staticGraph ? this.iterations === 1 : this.findUnused;
  }

  private finalize(): void {
    this.expecting = false;
    this.finishedPass = runningBackwardPass();
    this.releaseForwardPassCount();
    let usedAnywhere: boolean[] | null = this.staticGraph ? this.staticUsedAnywhere : null;
    if (this.usesUsedMap()) {
      usedAnywhere = this.usedAnywhere(this.usedLocally);
      if (this.staticGraph) this.staticUsedAnywhere = usedAnywhere;
    }
    for (const bucket of this.buckets) {
      if (bucket.future !== null) this.hookResult(bucket);
      else bucket.work!.wait();
      noGrad(() => {
        bucket.params.forEach((i, k) => {
          const p = this.params[i];
          if (usedAnywhere && !usedAnywhere[i]) return; // unused on every rank: grad stays as it was
          const range = bucket.flat.narrow(0, bucket.offsets[k], p.numel());
          const slot = range.view(p.shape);
          range.dispose();
          // The gradients DDP installs are its own (no user code holds them), so that
          // zeroGrad frees them as it frees backward's.
          if (this.asBucketView) {
            p._setOwnGrad(slot);
            return;
          }
          const grad = p._grad;
          if (grad !== null) grad.copy_(slot);
          else p._setOwnGrad(slot.clone());
          slot.dispose();
        });
      });
      bucket.work = null;
    }
  }

  remove(): void {
    for (const h of this.hooks) h.remove();
    this.releaseForwardPassCount();
  }
}

/** PyTorch's error when a parameter's gradient arrives twice in one iteration. */
function markedTwiceMessage(index: number, findUnused: boolean): string {
  let message =
    'Expected to mark a variable ready only once. This error is caused by one of the following reasons: ' +
    '1) Use of a module parameter outside the `forward` function. Please make sure model parameters are not ' +
    'shared across multiple concurrent forward-backward passes. ' +
    '2) Reused parameters in multiple reentrant backward passes. For example, if you use multiple `checkpoint` ' +
    'functions to wrap the same part of your model, it would result in the same set of parameters been used by ' +
    'different reentrant backward passes multiple times, and hence marking a variable ready multiple times. ' +
    'DDP does not support such use cases.';
  if (findUnused) {
    message +=
      ' 3) Incorrect unused parameter detection. The return value of the `forward` function is inspected by ' +
      'DistributedDataParallel to figure out if any of the module\'s parameters went unused. For unused ' +
      'parameters, DDP would not expect gradients from them. A parameter used only inside a reentrant `checkpoint` ' +
      'is not reached by this inspection, so it is taken as unused: drop findUnusedParameters for such a model.';
  }
  return `${message}\nParameter at index ${index} has been marked as ready twice. This means that multiple autograd engine hooks have fired for this particular parameter during this iteration.`;
}

/** The leaf tensors whose AccumulateGrad nodes the graph of `output` reaches. */
function reachableLeaves(output: unknown): Set<Tensor> {
  const leaves = new Set<Tensor>();
  const seen = new Set<Node>();
  const stack: Node[] = [];
  const visitValue = (v: unknown, depth: number): void => {
    if (v instanceof Tensor) {
      if (v.gradFn) stack.push(v.gradFn);
      else if (v.requiresGrad) leaves.add(v);
    } else if (depth < 4 && v && typeof v === 'object') {
      for (const item of Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v)) visitValue(item, depth + 1);
    }
  };
  visitValue(output, 0);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node instanceof AccumulateGrad) leaves.add(node.variable);
    for (const next of node.next) if (next) stack.push(next);
  }
  return leaves;
}

