/**
 * Graph nodes. Each op that records history creates one `Node` whose `backwardFn`
 * sits next to the op's forward (in `ops/`). Edges point to the nodes of the inputs
 * (their `gradFn`, or a leaf's `AccumulateGrad`), in input order, so accumulation
 * order is deterministic.
 */
import type { Tensor } from '../tensor/tensor.js';
import { legacyTypeName } from '../tensor/dtype.js';

let sequence = 0;

/** PyTorch's error for a backward through a graph already freed. @internal */
export const FREED_MESSAGE =
  'Trying to backward through the graph a second time (or directly access saved tensors after they have ' +
  'already been freed). Saved intermediate values of the graph are freed when you call .backward() or ' +
  'autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or ' +
  'if you need to access saved tensors after calling backward.';

/** A tensor hook on one output of a node. @internal */
export interface TensorHookEntry {
  slot: number;
  fn: (grad: Tensor) => Tensor | void | null | undefined;
}

interface Saved {
  tensor: Tensor;
  version: number;
  /** the node made it (an op's internal result) and frees it when released */
  owned: boolean;
}

/**
 * A backward function in the graph (`tensor.gradFn`).
 *
 * @example
 * const y = x.mul(2).sum();
 * y.gradFn?.name; // 'SumBackward0'
 */
export class Node {
  /** @internal creation order; later nodes run first when both are ready */
  readonly sequenceNr = sequence++;
  /** @internal */
  backwardFn: ((grad: Tensor) => (Tensor | null)[]) | null = null;
  /** @internal non-leaf tensors whose `.grad` this node fills (retainGrad) */
  retained: Tensor[] | null = null;
  /**
   * @internal the backward runs native kernels directly, so it records no graph even in
   * grad mode: `createGraph` must refuse it rather than return a gradient without history.
   */
  onceDifferentiable = false;
  /** @internal how many outputs feed gradients into this node (custom Functions may have several) */
  numOutputs = 1;
  /** @internal per edge, which output of the next node it feeds; null when all are 0 */
  nextSlots: number[] | null = null;
  /**
   * @internal the backward is user code (a custom Function's): the engine must assume it
   * keeps the gradients it sees and returns, so it never frees them
   */
  userCode = false;
  /** @internal tensor hooks (`registerHook`) on this node's outputs, in registration order */
  tensorHooks: Map<number, TensorHookEntry> | null = null;
  private saved: Saved[] | null = [];

  /** @internal */
  constructor(
    /** PyTorch's class name for this backward, e.g. `'AddmmBackward0'`. */
    readonly name: string,
    /** @internal one entry per differentiable input; null where no grad flows */
    readonly next: (Node | null)[],
  ) {}

  /** PyTorch's `next_functions`: `[node, inputNr]` pairs. */
  get nextFunctions(): [Node | null, number][] {
    return this.next.map((n, i) => [n, this.nextSlots?.[i] ?? 0]);
  }

  /**
   * Saves a tensor for backward; the getter checks it was not modified in place since.
   * `owned`: the tensor is the op's own internal result that nothing outside the graph
   * references (cross-entropy's log-probabilities, layerNorm's mean and rstd), so
   * releasing the node disposes it at once instead of leaving it to the GC. @internal
   */
  save(tensor: Tensor, owned = false): () => Tensor {
    if (tensor._inference) {
      throw new Error('Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal tensor and use it in autograd.');
    }
    const saved = this.saved!;
    tensor._savers++;
    const index = saved.push({ tensor, version: tensor._version.value, owned }) - 1;
    return () => this.unpack(index);
  }

  /**
   * Hands the node a tensor it already saved that nothing else holds (an op's internal
   * operand, such as dropout's mask), so that releasing the node disposes it. Returns
   * whether the node had saved it. @internal
   */
  adopt(tensor: Tensor): boolean {
    let found = false;
    for (const s of this.saved ?? []) {
      if (s.tensor === tensor) {
        s.owned = true;
        found = true;
      }
    }
    return found;
  }

  private unpack(index: number): Tensor {
    if (this.saved === null) throw new Error(FREED_MESSAGE);
    const { tensor, version } = this.saved[index];
    if (tensor._version.value !== version) {
      const origin = tensor.gradFn ? `, which is output 0 of ${tensor.gradFn.name},` : '';
      throw new Error(
        'one of the variables needed for gradient computation has been modified by an inplace operation: ' +
          `[${legacyTypeName(tensor._dtype, tensor.device.type === 'cuda')} [${tensor._shape.join(', ')}]]${origin} is at version ` +
          `${tensor._version.value}; expected version ${version} instead. Hint: enable anomaly detection to find ` +
          'the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).',
      );
    }
    if (tensor.isDisposed) throw new Error(`a tensor saved for ${this.name} has been disposed`);
    return tensor;
  }

  /** @internal */
  apply(grad: Tensor): (Tensor | null)[] {
    if (this.backwardFn === null || this.saved === null) throw new Error(FREED_MESSAGE);
    return this.backwardFn(grad);
  }

  /**
   * Runs the backward with one incoming gradient per output (undefined where none
   * arrived). A single-output node only ever sees slot 0. @internal
   */
  applyAll(grads: (Tensor | undefined)[]): (Tensor | null)[] {
    return this.apply(grads[0]!);
  }

  /** @internal the tensors this node saved, until it is released */
  get savedTensors(): readonly Tensor[] {
    return this.saved === null ? [] : this.saved.map((s) => s.tensor);
  }

  /** @internal whether `release()` has run (the graph was freed) */
  get released(): boolean {
    return this.saved === null;
  }

  /**
   * Frees what the backward kept after a backward without retainGraph: the saved slots
   * (disposing the ones the node owns) and the closure itself, with whatever it captured.
   * @internal
   */
  release(): void {
    const saved = this.saved;
    this.saved = null;
    this.backwardFn = null;
    if (saved === null) return;
    for (const s of saved) {
      const t = s.tensor;
      if (--t._savers === 0 && t._freeWithGraph) t.dispose();
      else if (s.owned) t.dispose();
    }
  }

  toString(): string {
    return `<${this.name}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `<${this.name} object>`;
  }
}

/**
 * The sink for a leaf tensor's gradient (PyTorch's `AccumulateGrad`).
 * @internal
 */
export class AccumulateGrad extends Node {
  /** @internal `registerPostAccumulateGradHook` hooks, run after `.grad` is updated */
  postAccumulateHooks: Map<number, (tensor: Tensor) => void> | null = null;

  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', []);
    this.backwardFn = () => [];
  }

  override release(): void {
    // Nothing is saved; a leaf's accumulator stays usable for later graphs.
  }
}

/**
 * The tensors that the graphs behind `outputs` saved for a backward still to come: what a
 * scope may only let go of (freed when backward releases them), not dispose. A tensor that
 * only a dead branch saved (a node no output leads back to) is not among them.
 * @internal
 */
export function savedForBackward(outputs: Iterable<unknown>, since: number): Set<Tensor> {
  const saved = new Set<Tensor>();
  const seen = new Set<Node>();
  const stack: Node[] = [];
  // Only nodes made since the scope opened can have saved a tensor made in it, and a node's
  // inputs are older than it, so the walk stops at the scope's start: a scope around one
  // layer does not walk the graph of every layer before it.
  const visit = (node: Node | null | undefined) => {
    if (node instanceof Node && node.sequenceNr >= since && !seen.has(node)) {
      seen.add(node);
      stack.push(node);
    }
  };
  for (const value of outputs) visit((value as { _gradFn?: Node | null })._gradFn);
  while (stack.length) {
    const node = stack.pop()!;
    for (const t of node.savedTensors) saved.add(t);
    for (const next of node.next) visit(next);
  }
  return saved;
}

/** The sequence number the next node will get: a scope's start, for `savedForBackward`. @internal */
export function nextNodeSequence(): number {
  return sequence;
}
