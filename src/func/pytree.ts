/**
 * The nested values torch.func's transforms take and give back (PyTorch's pytrees): arrays
 * and plain objects of tensors, to any depth. A transform flattens its arguments to the
 * tensors it differentiates and rebuilds results in the same shape.
 */
import { Tensor } from '../tensor/tensor.js';

/** A tensor, or arrays and plain objects of them (other values pass through as leaves). */
export type PyTree = Tensor | readonly PyTree[] | { readonly [key: string]: PyTree } | unknown;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The tensors of `tree`, depth first in key order. @internal */
export function treeLeaves(tree: unknown): Tensor[] {
  const out: Tensor[] = [];
  const visit = (node: unknown): void => {
    if (node instanceof Tensor) out.push(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isPlainObject(node)) for (const key of Object.keys(node)) visit(node[key]);
  };
  visit(tree);
  return out;
}

/** `tree` with its tensors replaced, in `treeLeaves` order, by `leaves`. @internal */
export function treeUnflatten(tree: unknown, leaves: readonly unknown[]): unknown {
  let next = 0;
  const build = (node: unknown): unknown => {
    if (node instanceof Tensor) return leaves[next++];
    if (Array.isArray(node)) return node.map(build);
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(node)) out[key] = build(node[key]);
      return out;
    }
    return node;
  };
  const result = build(tree);
  if (next !== leaves.length) throw new Error(`internal: ${leaves.length} leaves for a tree of ${next} tensors`);
  return result;
}

/** Applies `fn` to every tensor of `tree`. @internal */
export function treeMap(tree: unknown, fn: (t: Tensor) => unknown): unknown {
  return treeUnflatten(tree, treeLeaves(tree).map(fn));
}

/** Whether two trees have the same structure (shapes of containers and tensor places). @internal */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (a instanceof Tensor || b instanceof Tensor) return a instanceof Tensor && b instanceof Tensor;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameStructure(x, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameStructure(a[k], b[k]));
  }
  return true;
}
