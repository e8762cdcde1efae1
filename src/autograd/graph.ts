/**
 * `torch.autograd.graph`: hooks on the tensors that the forward saves for backward.
 *
 * PyTorch's context managers become functions that run a callback, as `noGrad` does. The
 * region covers the callback's synchronous part: hooks held across an `await` would apply to
 * unrelated work that runs meanwhile.
 */
import { checkFunction } from '../tensor/args.js';
import type { Device } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  popSavedTensorsHooks,
  pushSavedTensorsHooks,
  savedHooksDisabledMessage,
  setSavedHooksDisabledMessage,
  type SavedTensorsHookPair,
} from './saved-hooks-state.js';

/**
 * Runs `fn` with a pair of default saved-tensor hooks (`with
 * torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):`). Every tensor an op
 * saves for backward meanwhile is passed to `packHook`, and the graph keeps only what it
 * returns; backward calls `unpackHook` on that to get the tensor back. The innermost pair
 * applies when regions nest. As in PyTorch, a saved tensor's in-place modification is not
 * detected through hooks, and the unpacked tensor takes the saved tensor's history.
 *
 * @example
 * const y = torch.autograd.graph.savedTensorsHooks(
 *   (t) => t.clone(),        // pack: what the graph keeps
 *   (packed) => packed,      // unpack: what backward reads
 *   () => x.mul(x).sum(),
 * );
 * y.backward(); // x.grad is 2x
 */
export function savedTensorsHooks<T>(packHook: (tensor: Tensor) => unknown, unpackHook: (packed: never) => Tensor, fn: () => T): T {
  checkFunction(packHook, 'savedTensorsHooks', 'packHook');
  checkFunction(unpackHook, 'savedTensorsHooks', 'unpackHook');
  checkFunction(fn, 'savedTensorsHooks', 'fn');
  return withSavedTensorsHooks({ pack: packHook, unpack: unpackHook as (packed: unknown) => Tensor }, fn);
}

/** Runs `fn` with a pair, which flint's own hooks may give a `keeps`. @internal */
export function withSavedTensorsHooks<T>(pair: SavedTensorsHookPair, fn: () => T): T {
  pushSavedTensorsHooks(pair);
  try {
    return fn();
  } finally {
    popSavedTensorsHooks();
  }
}

/** Options of `saveOnCpu`. @example { pinMemory: false } */
export interface SaveOnCpuOptions {
  /** PyTorch copies into pinned memory; flint accepts it and copies into ordinary host memory. */
  pinMemory?: boolean;
}

/**
 * Runs `fn` with the tensors saved for backward kept in host memory (`with
 * torch.autograd.graph.save_on_cpu():`), and copied back to their device when backward needs
 * them: GPU memory traded for transfers. CPU tensors are kept as they are.
 *
 * @example
 * const y = torch.autograd.graph.saveOnCpu(() => net(x));
 * y.sum().backward(); // the activations came back from the host
 */
export function saveOnCpu<T>(fn: () => T): T;
export function saveOnCpu<T>(options: SaveOnCpuOptions, fn: () => T): T;
export function saveOnCpu<T>(optionsOrFn: SaveOnCpuOptions | (() => T), maybeFn?: () => T): T {
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  const options = typeof optionsOrFn === 'function' ? {} : (optionsOrFn ?? {});
  if (typeof options !== 'object') throw new TypeError(`saveOnCpu(): options must be an object, but got ${typeof options}`);
  const unknownKey = Object.keys(options).find((k) => k !== 'pinMemory');
  if (unknownKey !== undefined) throw new TypeError(`saveOnCpu() got an unexpected keyword argument '${unknownKey}'`);
  if (options.pinMemory !== undefined && typeof options.pinMemory !== 'boolean') {
    throw new TypeError(`saveOnCpu(): pinMemory must be a boolean, but got ${typeof options.pinMemory}`);
  }
  checkFunction(fn, 'saveOnCpu', 'fn');
  return withSavedTensorsHooks(
    {
      pack: (tensor: Tensor): [Device, Tensor] => [tensor.device, tensor.cpu()],
      unpack: (packed: unknown) => {
        const [device, tensor] = packed as [Device, Tensor];
        return tensor.to(device);
      },
      // A CPU tensor is kept as it is; a CUDA one's copy is all the graph holds.
      keeps: (tensor, packed) => (packed as [Device, Tensor])[1] === tensor,
    },
    fn as () => T,
  );
}

/**
 * Runs `fn` with the saved-tensor hooks disabled (`with
 * torch.autograd.graph.disable_saved_tensors_hooks(error_message):`): registering hooks, or
 * saving a tensor while hooks from outside are active, throws `errorMessage`. For features
 * that cannot work with them.
 *
 * @example
 * torch.autograd.graph.disableSavedTensorsHooks('not with hooks', () => {
 *   torch.autograd.graph.saveOnCpu(() => 0); // throws Error('not with hooks')
 * });
 */
export function disableSavedTensorsHooks<T>(errorMessage: string, fn: () => T): T {
  if (typeof errorMessage !== 'string') {
    throw new TypeError(`disableSavedTensorsHooks(): errorMessage must be a string, but got ${typeof errorMessage}`);
  }
  checkFunction(fn, 'disableSavedTensorsHooks', 'fn');
  const previous = savedHooksDisabledMessage();
  setSavedHooksDisabledMessage(errorMessage);
  try {
    return fn();
  } finally {
    setSavedHooksDisabledMessage(previous);
  }
}
