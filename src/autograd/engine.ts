/**
 * The backward pass: a dependency count over the graph reachable from the roots, then
 * nodes run when all their incoming gradients have arrived, later-created nodes first
 * (PyTorch's order), so results are deterministic.
 */
import { type Tensor, nextTensorSerial } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { AccumulateGrad, Node, isTensor } from './node.js';
import { checkNanGradients, isAnomalyEnabled } from './anomaly.js';
import { autocastHook } from '../amp/autocast-state.js';
import { beginScope, endScope } from '../memory/storage.js';
import { PROFILING, profileBackwardNode } from '../profiler/recorder.js';

/** How one backward pass runs. @internal */
export interface EngineOptions {
  /** keep saved tensors so the graph can be differentiated again */
  retainGraph: boolean;
  /** record the backward computation itself, for higher-order gradients */
  createGraph: boolean;
  /**
   * The tensors whose gradients are wanted; null means every leaf reachable from the
   * roots. Only the part of the graph that leads to them runs.
   */
  inputs: Tensor[] | null;
  /**
   * true: return the gradients of `inputs` (autograd.grad) and leave every `.grad`
   * untouched; false: accumulate into `.grad` (backward).
   */
  capture: boolean;
  /**
   * Tensors made from this serial on count as the pass's own (freed once nothing holds
   * them): the caller's implicit `ones` root gradient is made just before the pass.
   * Defaults to the serial at the pass's start.
   */
  firstSerial?: number;
}

/**
 * Puts a gradient into a leaf's `.grad`, never aliasing a tensor that is used elsewhere.
 * `heldElsewhere`: another node's slot of this pass still holds `grad` (AddBackward hands
 * the same tensor to both its inputs), so it is not this leaf's to take.
 */
function accumulateLeaf(variable: Tensor, grad: Tensor, createGraph: boolean, heldElsewhere: boolean): void {
  if (variable._grad === null) {
    // Steal the incoming gradient when nothing else owns its storage (PyTorch steals it
    // too, when its use count says so): a contiguous view of an unclaimed temporary, such
    // as the transposed product Linear's weight gradient arrives as, needs no copy.
    // Claiming the view's base as well keeps a second leaf from stealing the same storage.
    const base = grad._base;
    const shared = heldElsewhere || grad._claimed || (base !== null && base._claimed) || !grad.isContiguous();
    const owned = shared ? grad.clone() : grad;
    owned._claimed = true;
    owned._keep = true;
    // Under createGraph no lifetimes count the slots, so a stolen gradient may still be
    // another slot's: zeroGrad must leave it to the collector.
    if (createGraph) owned._exposed = true;
    if (!shared && base !== null) base._claimed = true;
    variable._grad = owned;
  } else if (createGraph || variable._grad._requiresGrad) {
    // Out of place, as PyTorch does in grad mode: an in-place add would cut the
    // gradient's own history (and a gradient with history may not be modified in place).
    const sum = variable._grad.add(grad);
    sum._claimed = true;
    sum._keep = true;
    variable._grad = sum;
  } else {
    variable._grad.add_(grad);
  }
}

function retain(tensor: Tensor, grad: Tensor): void {
  if (tensor._grad === null) {
    // A gradient a leaf's .grad already took is copied: zeroGrad may free that one.
    if (grad._claimed) grad = grad.clone();
    grad._claimed = true;
    grad._keep = true;
    tensor._grad = grad;
  } else {
    tensor._grad = tensor._grad.add(grad);
    tensor._grad._claimed = true;
    tensor._grad._keep = true;
  }
}

/** The options of the backward pass now running (the innermost, for a reentrant one). */
let current: EngineOptions | null = null;

/** Counts outermost backward passes; `outermostPass` is the running one's number (0: none). */
let passCount = 0;
let outermostPass = 0;

/**
 * The number of the outermost backward pass now running (a reentrant pass, such as a
 * checkpoint's recomputation, shares its caller's), or 0 outside backward. DDP uses it to
 * tell a gradient that arrives late in the same pass from one of a later pass. @internal
 */
export function runningBackwardPass(): number {
  return outermostPass;
}

/** Callbacks queued during the outermost pass now running, run when it finishes. */
let finalCallbacks: (() => void)[] | null = null;

/**
 * Runs `callback` when the outermost backward pass now running has finished its graph
 * (PyTorch's `Variable._execution_engine.queue_callback`); a callback may queue more.
 * They are dropped if the pass throws. @internal
 * @example queueCallback(() => reducer.finishIteration())
 */
export function queueCallback(callback: () => void): void {
  if (finalCallbacks === null) throw new Error('Final callbacks can only be installed during backward pass.');
  finalCallbacks.push(callback);
}

/**
 * Whether the backward now running only computes some gradients (`autograd.grad`, or
 * `backward` with `inputs`), which a reentrant checkpoint cannot honour. @internal
 */
export function backwardIsPartial(): boolean {
  return current !== null && (current.capture || current.inputs !== null);
}

/** Which output of its node `t` is (a leaf's accumulator has one). */
function slotOf(t: Tensor): number {
  return t._gradFn === null ? 0 : t._outputNr;
}

/** The node whose incoming gradient is the gradient of `t`. */
function nodeOf(t: Tensor): Node {
  return t._gradFn ?? t._accumulateGrad();
}

/**
 * Runs backward from `roots` with the given output gradients. With `capture`, returns
 * the gradient of each of `inputs` (null where none reached it); otherwise an empty list.
 * @internal
 */
export function runBackward(roots: Tensor[], grads: Tensor[], options: EngineOptions): (Tensor | null)[] {
  // Backward ops run in the dtypes the forward recorded, never recast by an enclosing
  // autocast region (PyTorch advises against backward under autocast; its CUDA backward
  // runs with autocast off).
  if (autocastHook.active) {
    autocastHook.active = false;
    try {
      return runBackward(roots, grads, options);
    } finally {
      autocastHook.active = true;
    }
  }
  const rootNodes: Node[] = [];
  roots.forEach((root, i) => {
    if (!root.requiresGrad) {
      throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    }
    rootNodes.push(nodeOf(root));
  });
  const targets = options.inputs === null ? null : options.inputs.map(nodeOf);
  const targetSet = targets === null ? null : new Set(targets);

  // Every node reachable from the roots, and who feeds each (for the pruning below).
  const reachable: Node[] = [...new Set(rootNodes)];
  const seen = new Set<Node>(reachable);
  const parents = targets === null ? null : new Map<Node, Node[]>();
  for (let k = 0; k < reachable.length; k++) {
    const node = reachable[k];
    for (const next of node.next) {
      if (next === null) continue;
      if (parents !== null) {
        const list = parents.get(next);
        if (list === undefined) parents.set(next, [node]);
        else list.push(node);
      }
      if (!seen.has(next)) {
        seen.add(next);
        reachable.push(next);
      }
    }
  }

  // With `inputs`, only nodes that lead to one of them run: walk up from the targets.
  let needed: Set<Node> = seen;
  if (targets !== null && parents !== null) {
    const up = targets.filter((t) => seen.has(t));
    needed = new Set(up);
    for (let k = 0; k < up.length; k++) {
      for (const parent of parents.get(up[k]) ?? []) {
        if (!needed.has(parent)) {
          needed.add(parent);
          up.push(parent);
        }
      }
    }
  }

  // Count, for every node that runs, how many edges from running nodes lead into it.
  const dependencies = new Map<Node, number>();
  for (const node of needed) {
    for (const next of node.next) {
      if (next !== null && needed.has(next)) dependencies.set(next, (dependencies.get(next) ?? 0) + 1);
    }
  }

  const captured = new Map<Node, (Tensor | undefined)[]>();
  const run = options.createGraph ? enableGrad : noGrad;
  const lifetimes = options.createGraph ? null : new GradientLifetimes(options.firstSerial ?? nextTensorSerial());
  // Published for a reentrant backward (checkpoint) to see what this pass computes.
  const outer = current;
  current = options;
  const outerPass = outermostPass;
  if (outerPass === 0) {
    outermostPass = ++passCount;
    finalCallbacks = [];
  }
  try {
    run(() => {
      // Per node, the gradient arriving at each of its outputs (one slot for most nodes).
      const buffers = new Map<Node, (Tensor | undefined)[]>();
      const add = (node: Node, slot: number, grad: Tensor) => {
        let slots = buffers.get(node);
        if (slots === undefined) buffers.set(node, (slots = []));
        const existing = slots[slot];
        if (existing === undefined) {
          slots[slot] = grad;
          lifetimes?.hold(grad);
          return;
        }
        if (lifetimes?.canAccumulateInto(existing, grad)) {
          // The slot's gradient is this pass's own and nothing else sees its storage.
          existing.add_(grad);
          return;
        }
        const sum = existing.add(grad);
        slots[slot] = sum;
        lifetimes?.hold(sum);
        lifetimes?.drop(existing);
      };
      rootNodes.forEach((node, i) => add(node, slotOf(roots[i]), grads[i]));

      // Ready nodes, kept sorted so the most recently created runs first.
      const ready: Node[] = [...new Set(rootNodes)].filter((n) => needed.has(n) && !dependencies.has(n));
      const seenReady = new Set<Node>(ready);
      while (ready.length) {
        ready.sort((a, b) => a.sequenceNr - b.sequenceNr);
        const node = ready.pop()!;
        const slots = buffers.get(node);
        buffers.delete(node);
        if (slots === undefined || (node.numOutputs === 1 && slots[0] === undefined)) continue;
        // autograd.grad captures its inputs' gradients before their tensor hooks run (PyTorch 1.13).
        if (targetSet !== null && options.capture && targetSet.has(node)) {
          captured.set(node, slots.slice());
          lifetimes?.escape(slots);
        }
        if (node.tensorHooks !== null) {
          // A hook may keep the gradient it is shown, or the one it returns.
          lifetimes?.escape(slots);
          runTensorHooks(node, slots);
          lifetimes?.escape(slots);
        }
        if (node.retained) for (const t of node.retained) if (slots[slotOf(t)] !== undefined) retain(t, slots[slotOf(t)]!);
        if (targetSet !== null && !options.capture && targetSet.has(node) && !(node instanceof AccumulateGrad)) {
          // backward(inputs=[y]) for a non-leaf y fills y.grad, as retain_grad would (once,
          // however often y is listed or whether it also retains its grad).
          for (const t of new Set(options.inputs!)) {
            if (t._gradFn === node && !node.retained?.includes(t) && slots[slotOf(t)] !== undefined) retain(t, slots[slotOf(t)]!);
          }
        }
        if (node instanceof AccumulateGrad) {
          if (!options.capture) {
            const held = lifetimes?.heldElsewhere(slots[0]!) ?? false;
            if (PROFILING.on) profileBackwardNode('torch::autograd::AccumulateGrad', -1, () => accumulateLeaf(node.variable, slots[0]!, options.createGraph, held));
            else accumulateLeaf(node.variable, slots[0]!, options.createGraph, held);
            if (node.postAccumulateHooks !== null) for (const hook of [...node.postAccumulateHooks.values()]) hook(node.variable);
          }
          lifetimes?.dropAll(slots);
          continue;
        }
        // A target whose history leads to no other target has nothing left to compute.
        if (targetSet !== null && !node.next.some((n) => n !== null && needed.has(n))) {
          lifetimes?.dropAll(slots);
          continue;
        }
        if (options.createGraph && node.onceDifferentiable) {
          throw new Error(
            `flint cannot differentiate the backward of ${node.name} (createGraph: true): it runs a native ` +
              'kernel that records no graph, so higher-order gradients through it would be silently wrong.',
          );
        }
        // A custom Function's backward (and the module hooks built on one) is user code: it
        // may keep the gradients it is given or return one it keeps.
        const userCode = node.userCode || node.preHooks !== null || node.postHooks !== null;
        if (userCode) lifetimes?.escape(slots);
        if (node.preHooks !== null) runNodePreHooks(node, slots);
        const tracked = lifetimes !== null && !userCode ? lifetimes : null;
        let inputGrads = PROFILING.on
          ? profileBackwardNode(node.name, node.sequenceNr, () => (tracked !== null ? tracked.apply(node, slots) : node.applyAll(slots)))
          : tracked !== null ? tracked.apply(node, slots) : node.applyAll(slots);
        if (node.postHooks !== null) inputGrads = runNodeHooks(node, inputGrads, slots);
        if (userCode) lifetimes?.escape(inputGrads);
        if (isAnomalyEnabled()) checkNanGradients(node, inputGrads);
        if (!options.retainGraph) node.release();
        node.next.forEach((next, i) => {
          if (next === null || !needed.has(next)) return;
          const g = inputGrads[i];
          if (g !== null && g !== undefined) add(next, node.nextSlots?.[i] ?? 0, g);
          const left = dependencies.get(next)! - 1;
          dependencies.set(next, left);
          if (left === 0 && !seenReady.has(next)) {
            seenReady.add(next);
            ready.push(next);
          }
        });
        // The node's own gradients, and what it returned that no slot took (a summand, or a
        // gradient for an input outside this pass), are freed unless something still holds them.
        lifetimes?.freeUnheld(inputGrads);
        lifetimes?.dropAll(slots);
      }
    });
    if (outerPass === 0) {
      for (let i = 0; i < finalCallbacks!.length; i++) finalCallbacks![i]();
    }
  } finally {
    current = outer;
    outermostPass = outerPass;
    if (outerPass === 0) finalCallbacks = null;
  }
  if (targets === null || !options.capture) return [];
  return targets.map((n, i) => captured.get(n)?.[slotOf(options.inputs![i])] ?? null);
}

/**
 * Frees the gradients one backward pass passes between nodes as soon as nothing holds them,
 * as reference counting would, instead of leaving them to V8's collector (a training step's
 * gradient temporaries are most of what the collector would otherwise have to find). Only a
 * tensor made during the pass (its `_serial` is past the pass's start, which takes in the
 * implicit `ones` of a scalar loss) can be freed: a root gradient the caller passed, a tensor a node saved, or anything else made before the pass
 * is never touched. Neither is a gradient that escaped to user code (a tensor hook, a custom
 * Function, autograd.grad's results) or that became a `.grad` (`_claimed`), or one kept past
 * `tidy` (`_keep`).
 */
class GradientLifetimes {
  constructor(private readonly firstSerial: number) {}

  /** How many node slots hold each gradient. */
  private readonly holds = new Map<Tensor, number>();
  private readonly escaped = new Set<Tensor>();

  hold(t: Tensor): void {
    this.holds.set(t, (this.holds.get(t) ?? 0) + 1);
  }

  /**
   * Runs one of flint's own backward functions, and frees at once what it made but did not
   * return: the views, transposes and partial products inside a backward (a weight
   * gradient's transposed product, a bias gradient's keepdim sum) would otherwise wait for
   * the collector. Under createGraph (no lifetimes) they may belong to the new graph, and a
   * custom Function's backward is user code, so neither comes here.
   */
  apply(node: Node, slots: (Tensor | undefined)[]): (Tensor | null)[] {
    const made = beginScope();
    let grads: (Tensor | null)[];
    try {
      grads = node.applyAll(slots);
    } catch (error) {
      endScope(made, () => true);
      throw error;
    }
    for (const t of endScope(made, (t) => grads.includes(t as Tensor))) (t as Tensor)._letGo();
    return grads;
  }

  /** Whether a slot besides the one now being consumed still holds `t`. */
  heldElsewhere(t: Tensor): boolean {
    return (this.holds.get(t) ?? 0) > 1;
  }

  /** One slot lets go of `t`; frees it if that was the last. */
  drop(t: Tensor): void {
    const left = (this.holds.get(t) ?? 1) - 1;
    if (left > 0) {
      this.holds.set(t, left);
      return;
    }
    this.holds.delete(t);
    this.free(t);
  }

  /** A node's results that no slot took (summed into another, or for an input outside the pass). */
  freeUnheld(grads: readonly (Tensor | null | undefined)[]): void {
    for (const g of grads) if (g !== null && g !== undefined && !this.holds.has(g)) this.free(g);
  }

  /** A node has run: its slots let go of their gradients. */
  dropAll(slots: readonly (Tensor | undefined)[]): void {
    for (const g of slots) if (g !== undefined) this.drop(g);
  }

  /**
   * Whether a second gradient for a slot can be added into the one it holds, in place, as
   * PyTorch's engine does when nothing else references the buffer: `existing` was made in
   * this pass, only this slot holds it, no other tensor shares its storage (a view would
   * see the sum), and the sum has its shape and dtype.
   */
  canAccumulateInto(existing: Tensor, grad: Tensor): boolean {
    return (
      existing._serial >= this.firstSerial &&
      !existing._claimed &&
      !existing._keep &&
      !this.escaped.has(existing) &&
      this.holds.get(existing) === 1 &&
      existing._base === null &&
      existing._storage.refs === 1 &&
      existing._dtype === grad._dtype &&
      existing._storage.device === grad._storage.device &&
      sameShape(existing._shape, grad._shape) &&
      existing.isContiguous()
    );
  }

  escape(grads: readonly (Tensor | null | undefined)[]): void {
    for (const g of grads) {
      if (g === null || g === undefined) continue;
      this.escaped.add(g);
      g._exposed = true; // and should it become a .grad, zeroGrad must not free it either
    }
  }

  private free(t: Tensor): void {
    if (t._serial < this.firstSerial || t._claimed || t._keep || t._disposed || this.escaped.has(t)) return;
    t.dispose();
  }
}

/** Runs `registerHook` hooks on the gradients of a node's outputs; a returned tensor replaces the gradient. */
function runTensorHooks(node: Node, slots: (Tensor | undefined)[]): void {
  for (const { slot, fn } of [...node.tensorHooks!.values()]) {
    const g = slots[slot];
    if (g === undefined) continue;
    const replaced = fn(g);
    if (replaced !== undefined && replaced !== null) slots[slot] = checkHookResult(replaced, g);
  }
}

/** `registerPrehook` hooks: a returned array replaces the node's output gradients. */
function runNodePreHooks(node: Node, slots: (Tensor | undefined)[]): void {
  for (const fn of [...node.preHooks!.values()]) {
    const replaced = fn(Array.from({ length: node.numOutputs }, (_, i) => slots[i] ?? null));
    if (replaced === undefined || replaced === null) continue;
    const checked = checkNodeHookResult(replaced, node.numOutputs, 'prehook');
    checked.forEach((g, i) => (slots[i] = g ?? undefined));
  }
}

/** `registerHook` hooks: a returned array replaces the gradients the node passes on. */
function runNodeHooks(node: Node, inputGrads: (Tensor | null)[], slots: (Tensor | undefined)[]): (Tensor | null)[] {
  let grads = inputGrads;
  const outputs = Array.from({ length: node.numOutputs }, (_, i) => slots[i] ?? null);
  for (const fn of [...node.postHooks!.values()]) {
    const replaced = fn(grads.slice(), outputs);
    if (replaced !== undefined && replaced !== null) grads = checkNodeHookResult(replaced, node.next.length, 'hook');
  }
  return grads;
}

function checkNodeHookResult(value: unknown, expected: number, kind: string): (Tensor | null)[] {
  if (!Array.isArray(value)) throw new TypeError(`${kind} has to return an array of Tensors (or null), but got ${typeof value}`);
  if (value.length !== expected) throw new Error(`${kind} returned an invalid number of gradients - expected ${expected}, but got ${value.length}`);
  for (const g of value) {
    if (g !== null && g !== undefined && !isTensor(g)) throw new TypeError(`${kind} has to return an array of Tensors (or null)`);
  }
  return value.map((g) => g ?? null);
}

function checkHookResult(value: unknown, grad: Tensor): Tensor {
  const tensorClass = grad.constructor as new (...args: never[]) => Tensor;
  if (!(value instanceof tensorClass)) {
    throw new TypeError(`hook returned an object of type ${typeof value}; expected a Tensor or undefined`);
  }
  if (value._shape.join() !== grad._shape.join()) {
    throw new Error(`hook 'hook' has changed the size of value`);
  }
  return value;
}
