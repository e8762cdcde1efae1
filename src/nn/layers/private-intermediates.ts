/**
 * Freeing a block's intermediates at the end of its forward, as reference counting frees
 * them in PyTorch.
 *
 * PyTorch frees each activation once its last reference goes. flint's tensors wait for the
 * garbage collector unless they are disposed, so a Transformer forward left a dozen dead
 * tensors a layer to V8: on the 2-core VM, transformer_infer spent about a fifth of its time
 * on collections and on memory no longer in cache, and a transformer_train step left 77 MB.
 * Sequential already frees what it passes between flint's own layers; a built-in block
 * frees its own intermediates (in a `tidy` scope, which frees a tensor the graph saved for
 * backward only when backward is done with it) where no code outside flint can hold one:
 * - the block holds no activations (`holdsNoActivations`: flint's own classes all the way
 *   down, no forward hooks, so no parametrization either);
 * - every activation function in it is a built-in one (a user's function could keep its
 *   input).
 */
import type { Module } from '../module.js';
import { holdsNoActivations } from '../module.js';
import { tidy } from '../../memory/storage.js';
import { gelu, relu } from '../functional/activation.js';

const BUILT_IN_ACTIVATIONS = new Set<unknown>([relu, gelu]);

/** Whether nothing outside flint can see the intermediates of `block`'s forward now. */
function intermediatesArePrivate(block: Module<any>): boolean { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!holdsNoActivations(block)) return false;
  for (const m of block.modules()) {
    const activation = (m as { activation?: unknown }).activation;
    if (activation !== undefined && !BUILT_IN_ACTIVATIONS.has(activation)) return false;
  }
  return true;
}

/**
 * Runs `forward` and, where nothing outside flint can see them, disposes the tensors it
 * made except those it returns. @internal
 * @example return freeingIntermediates(this, () => this.norm2(add(x, ff(x))));
 */
export function freeingIntermediates<T>(block: Module<any>, forward: () => T): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return intermediatesArePrivate(block) ? tidy(forward) : forward();
}
