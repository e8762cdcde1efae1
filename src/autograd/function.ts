/**
 * How an op records itself in the graph: `record(out, name, inputs, build)` creates a
 * Node with an edge per input and the backward closure that `build` returns.
 *
 * The saved-tensor rule: a backward closure reaches tensors only through `node.save(...)`
 * getters (so that the version check runs, and releasing the node after a backward
 * without retainGraph frees them together with the closure), and otherwise keeps plain
 * metadata: shapes, dtypes, and which inputs need a gradient (`node.next[i] !== null`).
 * Mind that a JS closure holds its whole enclosing scope: if any closure in the op's
 * function mentions a tensor, the backward closure created there keeps it alive too. So
 * an op whose build callback mentions a tensor it does not always save builds its
 * backward closure in a module-level function that receives only getters and metadata
 * (e.g. `mulBackward` in ops/elementwise.ts). `node.save(t, true)` marks an internal
 * result of the op that nothing else references (cross-entropy's log-probabilities),
 * disposed as soon as the node is released.
 */
import type { Tensor } from '../tensor/tensor.js';
import { gradEnabled } from './grad-mode.js';
import { Node } from './node.js';

/** A backward closure: one gradient (or null) per input, in input order. */
export type Backward = (grad: Tensor) => (Tensor | null)[];

/** How `record` marks the node. @example record(out, 'SoftmaxBackward0', [x], build, { onceDifferentiable: true }) */
export interface RecordOptions {
  /**
   * The backward calls native kernels directly (no graph even in grad mode), so
   * `backward({ createGraph: true })` refuses to run it instead of dropping history.
   */
  onceDifferentiable?: boolean;
}

/**
 * Which output of its node each input is, for edges into a multi-output node (a custom
 * Function's); null in the usual case where every input is output 0.
 * @internal
 */
export function slotsOf(inputs: readonly (Tensor | null)[]): number[] | null {
  let any = false;
  for (const t of inputs) if (t !== null && t._outputNr !== 0) any = true;
  return any ? inputs.map((t) => (t === null || t._gradFn === null ? 0 : t._outputNr)) : null;
}

/**
 * Attaches a backward node to `out` when grad mode is on and any input requires grad.
 * @internal
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  build: (node: Node) => Backward,
  options: RecordOptions = {},
): Tensor {
  if (!gradEnabled()) return out;
  let any = false;
  for (const t of inputs) if (t !== null && t._requiresGrad) any = true;
  if (!any) return out;
  const node = new Node(
    name,
    inputs.map((t) => (t === null ? null : t._edge())),
  );
  node.nextSlots = slotsOf(inputs);
  node.backwardFn = build(node);
  node.onceDifferentiable = options.onceDifferentiable ?? false;
  out._gradFn = node;
  out._requiresGrad = true;
  if (node.unsealed) node.seal();
  return out;
}

/**
 * Re-points an in-place op's output at a new node (PyTorch "rebases" the history of a
 * tensor modified in place). `previous` is the node `self` had before the op.
 * @internal
 */
export function recordInplace(
  self: Tensor,
  name: string,
  previousEdge: Node | null,
  others: readonly (Tensor | null)[],
  build: (node: Node) => Backward,
): void {
  if (!gradEnabled()) return;
  const anyOther = others.some((t) => t !== null && t._requiresGrad);
  if (previousEdge === null && !anyOther) return;
  const node = new Node(name, [previousEdge, ...others.map((t) => (t === null ? null : t._edge()))]);
  const slots = slotsOf([self, ...others]);
  // self's old history is fed at the output slot self had before the op.
  node.nextSlots = slots;
  self._outputNr = 0;
  node.backwardFn = build(node);
  self._gradFn = node;
  self._requiresGrad = true;
  if (node.unsealed) node.seal();
}

/**
 * Checks that an in-place op may modify `self`, with PyTorch's messages, and returns
 * the edge its old history should feed.
 * @internal
 */
export function checkInplace(self: Tensor, viewRebase = false): Node | null {
  if (!gradEnabled()) return null;
  if (self._requiresGrad && self._gradFn === null) {
    throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  const base = self._base;
  if (base !== null && base._requiresGrad && base._gradFn === null) {
    throw new Error('a view of a leaf Variable that requires grad is being used in an in-place operation.');
  }
  if (base !== null && base._requiresGrad && !viewRebase) {
    throw new Error(
      'flint supports this in-place operation on a view of a tensor that requires grad only for ' +
        'arithmetic ops and index assignment; apply it to the base, or use torch.noGrad().',
    );
  }
  return self._requiresGrad ? self._gradFn : null;
}

/**
 * Gives a composite op's output PyTorch's grad_fn name for the whole op (var, std,
 * norm...), while its graph is the graph of the primitive ops it was built from.
 * @internal
 */
export function renameGradFn(out: Tensor, name: string): Tensor {
  if (out._gradFn !== null) (out._gradFn as { name: string }).name = name;
  return out;
}
