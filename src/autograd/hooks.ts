/**
 * Tensor gradient hooks: `registerHook` (runs when the tensor's gradient is computed and
 * may replace it) and `registerPostAccumulateGradHook` (runs on a leaf after its `.grad`
 * was updated). A non-leaf's hooks live on its node, for its output slot; a leaf's on its
 * `AccumulateGrad`, which the leaf keeps for later graphs, so its hooks persist too.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkFunction } from '../tensor/args.js';

/** What the hook registrations return. @example const h = x.registerHook(fn); h.remove(); */
export interface RemovableHandle {
  remove(): void;
}

/** A gradient hook: return a tensor to replace the gradient, or nothing to keep it. */
export type TensorHook = (grad: Tensor) => Tensor | void | null | undefined;

let nextId = 0;

declare module '../tensor/tensor.js' {
  interface Tensor {
    /**
     * `register_hook`: runs `hook(grad)` whenever the gradient of this tensor is computed
     * in backward; a returned tensor replaces the gradient (for a leaf, before it is
     * accumulated into `.grad`).
     * @example const h = y.registerHook((g) => g.mul(2)); h.remove();
     */
    registerHook(hook: TensorHook): RemovableHandle;
    /**
     * `register_post_accumulate_grad_hook` (leaves only): runs `hook(tensor)` after
     * backward has accumulated into `tensor.grad`, e.g. to step an optimizer per parameter.
     * @example w.registerPostAccumulateGradHook((p) => p.grad!.clamp_(-1, 1))
     */
    registerPostAccumulateGradHook(hook: (tensor: Tensor) => void): RemovableHandle;
  }
}

function registerHook(this: Tensor, hook: TensorHook): RemovableHandle {
  checkFunction(hook, 'registerHook', 'hook');
  if (!this._requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
  const node = this._gradFn ?? this._accumulateGrad();
  const slot = this._gradFn === null ? 0 : this._outputNr;
  const hooks = (node.tensorHooks ??= new Map());
  const id = nextId++;
  hooks.set(id, { slot, fn: hook });
  return { remove: () => void hooks.delete(id) };
}

function registerPostAccumulateGradHook(this: Tensor, hook: (tensor: Tensor) => void): RemovableHandle {
  checkFunction(hook, 'registerPostAccumulateGradHook', 'hook');
  if (!this._requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
  if (this._gradFn !== null) throw new Error('post accumulate grad hooks cannot be registered on non-leaf tensors');
  const hooks = (this._accumulateGrad().postAccumulateHooks ??= new Map());
  const id = nextId++;
  hooks.set(id, hook);
  return { remove: () => void hooks.delete(id) };
}

for (const [name, fn] of Object.entries({ registerHook, registerPostAccumulateGradHook })) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
