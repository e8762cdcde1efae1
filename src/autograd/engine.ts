/**
 * The backward pass: a dependency count over the graph reachable from the roots, then
 * nodes run when all their incoming gradients have arrived, later-created nodes first
 * (PyTorch's order), so results are deterministic.
 */
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';
import { AccumulateGrad, Node } from './node.js';

/** Puts a gradient into a leaf's `.grad`, never aliasing a tensor that is used elsewhere. */
function accumulateLeaf(variable: Tensor, grad: Tensor): void {
  if (variable._grad === null) {
    // Steal the incoming gradient when nothing else owns its storage (PyTorch steals it
    // too): a contiguous view of an unclaimed temporary, such as the transposed product
    // Linear's weight gradient arrives as, needs no copy. Claiming the view's base as
    // well keeps a second leaf from stealing the same storage.
    const base = grad._base;
    const shared = grad._claimed || (base !== null && base._claimed) || !grad.isContiguous();
    const owned = shared ? grad.clone() : grad;
    owned._claimed = true;
    owned._keep = true;
    if (!shared && base !== null) base._claimed = true;
    variable._grad = owned;
  } else {
    variable._grad.add_(grad);
  }
}

function retain(tensor: Tensor, grad: Tensor): void {
  if (tensor._grad === null) {
    grad._claimed = true;
    grad._keep = true;
    tensor._grad = grad;
  } else {
    tensor._grad = tensor._grad.add(grad);
    tensor._grad._claimed = true;
    tensor._grad._keep = true;
  }
}

/** Runs backward from `roots` with the given output gradients. @internal */
export function runBackward(roots: Tensor[], grads: Tensor[], retainGraph: boolean): void {
  const rootNodes: Node[] = [];
  roots.forEach((root, i) => {
    if (!root.requiresGrad) {
      throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    }
    rootNodes.push(root._gradFn ?? root._accumulateGrad());
  });

  // Count, for every reachable node, how many edges lead into it.
  const dependencies = new Map<Node, number>();
  const stack: Node[] = [...rootNodes];
  const seen = new Set<Node>(rootNodes);
  while (stack.length) {
    const node = stack.pop()!;
    for (const next of node.next) {
      if (next === null) continue;
      dependencies.set(next, (dependencies.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }

  noGrad(() => {
    const buffers = new Map<Node, Tensor>();
    const add = (node: Node, grad: Tensor) => {
      const existing = buffers.get(node);
      buffers.set(node, existing === undefined ? grad : existing.add(grad));
    };
    rootNodes.forEach((node, i) => add(node, grads[i]));

    // Ready nodes, kept sorted so the most recently created runs first.
    const ready: Node[] = rootNodes.filter((n) => !dependencies.has(n));
    const seenReady = new Set<Node>(ready);
    while (ready.length) {
      ready.sort((a, b) => a.sequenceNr - b.sequenceNr);
      const node = ready.pop()!;
      const grad = buffers.get(node);
      buffers.delete(node);
      if (grad === undefined) continue;
      if (node instanceof AccumulateGrad) {
        accumulateLeaf(node.variable, grad);
        continue;
      }
      if (node.retained) for (const t of node.retained) retain(t, grad);
      const inputGrads = node.apply(grad);
      if (!retainGraph) node.release();
      node.next.forEach((next, i) => {
        if (next === null) return;
        const g = inputGrads[i];
        if (g !== null && g !== undefined) add(next, g);
        const left = dependencies.get(next)! - 1;
        dependencies.set(next, left);
        if (left === 0 && !seenReady.has(next)) {
          seenReady.add(next);
          ready.push(next);
        }
      });
    }
  });
}
