/**
 * Graph nodes. Each op that records history creates one `Node` whose `backwardFn`
 * sits next to the op's forward (in `ops/`). Edges point to the nodes of the inputs
 * (their `gradFn`, or a leaf's `AccumulateGrad`), in input order, so accumulation
 * order is deterministic.
 */
import { Tensor } from '../tensor/tensor.js';
import { legacyTypeName } from '../tensor/dtype.js';
import { currentSavedTensorsHooks, savedHooksDepth, type SavedTensorsHookPair } from './saved-hooks-state.js';

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

/**
 * A hook on a node (`gradFn.registerHook`): it sees the gradients the node computed for its
 * inputs (`gradInputs`, one per input edge, null where none flows) and the gradients of its
 * outputs (`gradOutputs`); an array it returns replaces `gradInputs`.
 */
export type NodeHook = (gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | void | null | undefined;

/** A pre-hook on a node (`gradFn.registerPrehook`): an array it returns replaces `gradOutputs`. */
export type NodePreHook = (gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | void | null | undefined;

let nextHookId = 0;

/** Whether a hook returned a Tensor (engine.ts imports Tensor only as a type). @internal */
export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}

interface Saved {
  /** null when saved-tensor hooks packed it into something other than itself */
  tensor: Tensor | null;
  version: number;
  /** the node made it (an op's internal result) and frees it when released */
  owned: boolean;
  hooked: Hooked | null;
}

/**
 * A tensor saved while `torch.autograd.graph.savedTensorsHooks` were on: what the pack hook
 * returned, and the history that unpacking gives back (PyTorch's SavedVariable with hooks).
 */
interface Hooked {
  packed: unknown;
  unpack: SavedTensorsHookPair['unpack'];
  /**
   * The saved tensor until the node is sealed: an op saves its output before the output's
   * history points at the node, so the history is read once the node is wired.
   */
  original: Tensor | null;
  /** lets scopes see the original for as long as anything (the packed value) keeps it */
  weak: WeakRef<Tensor>;
  /** the original's `_savers` counts this node */
  counted: boolean;
  requiresGrad: boolean;
  gradFn: Node | null;
  outputNr: number;
  /** a leaf's gradient sink, so that an unpacked copy still feeds the leaf */
  accumulator: AccumulateGrad | null;
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
  /** @internal `registerHook` hooks, run after the backward, in registration order */
  postHooks: Map<number, NodeHook> | null = null;
  /** @internal `registerPrehook` hooks, run before the backward (after the tensor hooks) */
  preHooks: Map<number, NodePreHook> | null = null;
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
    if (savedHooksDepth() !== 0) {
      const pair = currentSavedTensorsHooks();
      if (pair !== null) {
        const index = saved.push(this.pack(tensor, owned, pair)) - 1;
        return () => this.unpack(index);
      }
    }
    tensor._savers++;
    const index = saved.push({ tensor, version: tensor._version.value, owned, hooked: null }) - 1;
    return () => this.unpack(index);
  }

  /**
   * Hands `tensor` to the pack hook. The node holds the tensor only if the hook returned it
   * as it is; then it is freed with the graph as usual. Otherwise the node holds only what
   * the hook returned, which is how save-on-CPU and checkpointing free activations.
   */
  private pack(tensor: Tensor, owned: boolean, pair: SavedTensorsHookPair): Saved {
    const packed = pair.pack(tensor);
    const identity = packed === tensor;
    // A tensor the packed value may hold counts as saved, so that no one frees it early
    // (Tensor._letGo); the node itself holds it only weakly, so it still goes when unreachable.
    const counted = identity || (pair.keeps?.(tensor, packed) ?? true);
    if (counted) tensor._savers++;
    this.unsealed = true;
    const hooked: Hooked = {
      packed,
      unpack: pair.unpack,
      original: tensor,
      weak: new WeakRef(tensor),
      counted,
      requiresGrad: false,
      gradFn: null,
      outputNr: 0,
      accumulator: null,
    };
    // PyTorch checks no version with hooks: they may return any tensor.
    return { tensor: identity ? tensor : null, version: 0, owned: identity && owned, hooked };
  }

  /** @internal some hooked saved tensor's history is still to be read (see `seal`) */
  unsealed = false;

  /**
   * Reads the history of the tensors saved through hooks, once the op has wired its outputs
   * to this node, and lets go of them. @internal
   */
  seal(): void {
    this.unsealed = false;
    for (const s of this.saved ?? []) {
      const h = s.hooked;
      if (h === null || h.original === null) continue;
      const t = h.original;
      h.original = null;
      h.requiresGrad = t._requiresGrad;
      h.gradFn = t._gradFn;
      h.outputNr = t._outputNr;
      h.accumulator = t._requiresGrad && t._gradFn === null ? t._accumulateGrad() : null;
    }
  }

  /** What the unpack hook returns, carrying the saved tensor's history as PyTorch's does. */
  private unpackHooked(h: Hooked): Tensor {
    if (this.unsealed) this.seal();
    const value: unknown = h.unpack(h.packed);
    if (!(value instanceof Tensor)) {
      const type = value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
      throw new TypeError(`Output of saved tensor unpack_hook expected to be a Tensor but got result of type ${type}`);
    }
    if (value.isDisposed) throw new Error(`a tensor saved for ${this.name} has been disposed`);
    if (!h.requiresGrad) return value;
    if (h.gradFn !== null ? value._gradFn === h.gradFn && value._outputNr === h.outputNr : value._accumulator === h.accumulator && value._gradFn === null) {
      return value;
    }
    // A copy (from the CPU, or recomputed) is attached to the saved tensor's history, so that
    // a graph built in backward (createGraph) reaches the saved tensor's inputs.
    const alias = value.detach();
    alias._gradFn = h.gradFn;
    alias._outputNr = h.outputNr;
    alias._accumulator = h.accumulator;
    alias._requiresGrad = true;
    return alias;
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
      } else if (s.hooked?.counted && s.hooked.weak.deref() === tensor) {
        // What the pack hook returned may hold it: the garbage collector frees it.
        found = true;
      }
    }
    return found;
  }

  private unpack(index: number): Tensor {
    if (this.saved === null) throw new Error(FREED_MESSAGE);
    const { tensor, version, hooked } = this.saved[index];
    if (hooked !== null) return this.unpackHooked(hooked);
    if (tensor === null) throw new Error(FREED_MESSAGE);
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
    if (this.saved === null) return [];
    const tensors: Tensor[] = [];
    for (const s of this.saved) {
      const t = s.tensor ?? (s.hooked?.counted ? s.hooked.weak.deref() : undefined);
      if (t !== undefined) tensors.push(t);
    }
    return tensors;
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
      const t = s.tensor ?? (s.hooked?.counted ? s.hooked.weak.deref() : undefined);
      if (t === undefined) continue;
      if (--t._savers === 0 && t._freeWithGraph) t.dispose();
      else if (s.owned) t.dispose();
    }
  }

  /**
   * PyTorch's `grad_fn.register_hook(fn)`: `fn(gradInputs, gradOutputs)` runs when this node's
   * backward is done; returning an array replaces the gradients it passes on. Returns a
   * handle whose `remove()` unregisters it.
   * @example y.gradFn!.registerHook((gin, gout) => console.log(gin.map((g) => g?.shape)))
   */
  registerHook(fn: NodeHook): { remove(): void } {
    if (typeof fn !== 'function') throw new TypeError(`register_hook(): the hook must be a function, but got ${typeof fn}`);
    const hooks = (this.postHooks ??= new Map());
    const id = nextHookId++;
    hooks.set(id, fn);
    return { remove: () => void hooks.delete(id) };
  }

  /**
   * PyTorch's `grad_fn.register_prehook(fn)`: `fn(gradOutputs)` runs before this node's
   * backward; returning an array replaces the gradients it is given.
   * @example y.gradFn!.registerPrehook((gout) => gout.map((g) => g?.mul(2) ?? null))
   */
  registerPrehook(fn: NodePreHook): { remove(): void } {
    if (typeof fn !== 'function') throw new TypeError(`register_prehook(): the hook must be a function, but got ${typeof fn}`);
    const hooks = (this.preHooks ??= new Map());
    const id = nextHookId++;
    hooks.set(id, fn);
    return { remove: () => void hooks.delete(id) };
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
