/**
 * Freeing a block's intermediates at the end of its forward, as reference counting frees
 * them in PyTorch.
 *
 * PyTorch frees each activation of an inference forward once its last reference goes.
 * flint's tensors wait for the garbage collector unless they are disposed, so a
 * Transformer forward under `noGrad` leaves a dozen dead tensors a layer to V8: on the 2-core
 * VM, transformer_infer spent about a fifth of its time on collections and on memory that
 * was no longer in cache. A built-in block may dispose its intermediates itself, but only
 * where no code outside flint can hold one:
 * - no gradient is being recorded (nothing is saved for a backward);
 * - the block and every module inside it is of a built-in class (not a subclass, which may
 *   override forward), with no hooks (which see inputs and outputs);
 * - every activation is a built-in function (a user's function could keep its input).
 * Parametrized modules fail the class test (their `parametrizations` holds user modules).
 */
import { Module } from '../module.js';
import { hasCallHooks } from '../module-hooks.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory/storage.js';

const builtInBlocks = new Set<Function>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type
const builtInActivations = new Set<unknown>();

/**
 * Declares module classes whose forward keeps no reference to its inputs, outputs or
 * intermediates, and activation functions that keep none either. @internal
 * @example markPrivateForward([Linear, LayerNorm], [relu, gelu]);
 */
export function markPrivateForward(classes: readonly Function[], activations: readonly unknown[] = []): void { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  for (const c of classes) builtInBlocks.add(c);
  for (const a of activations) builtInActivations.add(a);
}

/** Whether nothing outside flint can see the intermediates of `block`'s forward now. */
function intermediatesArePrivate(block: Module<any>): boolean { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (gradEnabled()) return false;
  for (const m of block.modules()) {
    if (!builtInBlocks.has(m.constructor) || hasCallHooks(m)) return false;
    const activation = (m as { activation?: unknown }).activation;
    if (activation !== undefined && !builtInActivations.has(activation)) return false;
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
