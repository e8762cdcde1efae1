/**
 * The default saved-tensor hooks (`torch.autograd.graph.saved_tensors_hooks`): a stack of
 * pack/unpack pairs whose innermost pair applies to every tensor a node saves, and the
 * message that `disable_saved_tensors_hooks` raises instead. Per JS environment, as PyTorch's
 * state is per thread. It lives apart from graph.ts, the public API, so that node.ts can read
 * it without importing Tensor.
 */
import type { Tensor } from '../tensor/tensor.js';

/** One pack/unpack pair. @internal */
export interface SavedTensorsHookPair {
  pack: (tensor: Tensor) => unknown;
  unpack: (packed: unknown) => Tensor;
  /**
   * Whether the packed value may hold the tensor itself. Unknown for a user's hooks, so the
   * tensor then counts as saved (it is not freed early, only when unreachable or when the
   * graph is released); flint's own hooks say when it does not, so that it is freed at once.
   */
  keeps?: (tensor: Tensor, packed: unknown) => boolean;
}

const stack: SavedTensorsHookPair[] = [];
let disabledMessage: string | null = null;

/** How many pairs are pushed: the hot path of `Node.save` checks only this. @internal */
export function savedHooksDepth(): number {
  return stack.length;
}

/** The pair that applies to a tensor saved now; throws while hooks are disabled. @internal */
export function currentSavedTensorsHooks(): SavedTensorsHookPair | null {
  if (stack.length === 0) return null;
  if (disabledMessage !== null) throw new Error(disabledMessage);
  return stack[stack.length - 1];
}

/** @internal */
export function pushSavedTensorsHooks(pair: SavedTensorsHookPair): void {
  if (disabledMessage !== null) throw new Error(disabledMessage);
  stack.push(pair);
}

/** @internal */
export function popSavedTensorsHooks(): void {
  stack.pop();
}

/** The message set by `disableSavedTensorsHooks`, or null. @internal */
export function savedHooksDisabledMessage(): string | null {
  return disabledMessage;
}

/** @internal */
export function setSavedHooksDisabledMessage(message: string | null): void {
  disabledMessage = message;
}
