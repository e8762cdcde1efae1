/**
 * `torch.nn.utils.stateless`: PyTorch 1.13's `functional_call`, which runs a module with
 * other tensors standing in for its parameters and buffers (MAML's fast weights, ensembles
 * over one module). As PyTorch's StatelessReplacer class, it intercepts the attribute: for
 * the call, `module.name` reads the given tensor and assigning `module.name` writes the
 * given container, while `_parameters`, `parameters()` and the state dict are untouched.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/** The tensors to substitute, by dotted name (`'0.weight'`): a plain object or a Map. */
export type ParametersAndBuffers = Record<string, Tensor> | Map<string, Tensor>;

interface Swap {
  module: Module<any>;
  name: string;
  /** The own property the swap covered, put back afterwards (undefined: there was none). */
  original: PropertyDescriptor | undefined;
}

/** `getattr(module, item)` on a path's inner part, with Module.__getattr__'s message. */
function child(module: Module<any>, item: string): Module<any> {
  const next = (module as unknown as Record<string, unknown>)[item];
  if (next === undefined) throw new Error(`'${module._getName()}' object has no attribute '${item}'`);
  if (!(next instanceof Module)) throw new TypeError(`functionalCall: '${item}' in the path is a ${typeof next}, not an nn.Module`);
  return next;
}

/**
 * PyTorch's `_reparametrize_module`: an accessor over each named attribute. The accessor is
 * defined without a `value`, so the module's registration trap leaves its parameter and
 * buffer maps as they are; restoring the original descriptor re-registers the same object
 * under the same key, which keeps the maps' order.
 */
function swapIn(root: Module<any>, values: ParametersAndBuffers): Swap[] {
  const read = values instanceof Map ? (k: string) => values.get(k) : (k: string) => values[k];
  const write = values instanceof Map ? (k: string, v: Tensor) => void values.set(k, v) : (k: string, v: Tensor) => void (values[k] = v);
  const keys = values instanceof Map ? [...values.keys()] : Object.keys(values);
  const replaced = new Map<unknown, unknown>();
  const swaps: Swap[] = [];
  try {
    for (const path of keys) {
      const parts = path.split('.');
      let module = root;
      for (const item of parts.slice(0, -1)) module = child(module, item);
      const name = parts[parts.length - 1];
      const fields = module as unknown as Record<string, unknown>;
      const tensor = read(path);
      if (fields[name] !== undefined) {
        const old = fields[name];
        if (!replaced.has(old)) replaced.set(old, tensor);
        else if (replaced.get(old) !== tensor) {
          process.emitWarning(
            'functional_call was passed multiple values for tied weights. This behavior is deprecated and will be an error in future versions',
            'UserWarning',
          );
        }
      }
      // A module named twice (two paths to one shared submodule) keeps its first original.
      const already = swaps.find((s) => s.module === module && s.name === name);
      const original = already === undefined ? Reflect.getOwnPropertyDescriptor(module, name) : already.original;
      Reflect.defineProperty(module, name, {
        get: () => read(path),
        set: (v: Tensor) => write(path, v),
        enumerable: true,
        configurable: true,
      });
      if (already === undefined) swaps.push({ module, name, original });
    }
  } catch (error) {
    swapOut(swaps);
    throw error;
  }
  return swaps;
}

function swapOut(swaps: Swap[]): void {
  for (const { module, name, original } of swaps.reverse()) {
    if (original === undefined) Reflect.deleteProperty(Object(module), name);
    else Reflect.defineProperty(module, name, original);
  }
}

/**
 * `torch.nn.utils.stateless.functional_call`: calls `module(...args)` with the tensors in
 * `parametersAndBuffers` read in place of the module's parameters and buffers of those
 * dotted names, and puts the originals back afterwards, also when forward throws.
 * Gradients flow to the given tensors, not to the module's own parameters. `args` is the
 * argument list (an array); anything else is the single argument, so a forward that takes
 * one array is called as `functionalCall(m, p, [[a, b]])`. `kwargs`, flint's trailing
 * options object, is appended when it has keys. In-place updates of a buffer (BatchNorm's
 * running stats) land in the given tensors, and so do assignments to a swapped name.
 * @example
 * const net = new nn.Linear(3, 2);
 * const fast = { weight: net.weight.sub(grads[0].mul(0.1)), bias: net.bias!.sub(grads[1].mul(0.1)) };
 * const y = nn.utils.stateless.functionalCall(net, fast, [x]); // differentiable in net's params
 */
export function functionalCall<Out>(
  module: Module<Out>,
  parametersAndBuffers: ParametersAndBuffers,
  args: unknown,
  kwargs?: Record<string, unknown> | null,
): Out {
  if (!(module instanceof Module)) throw new TypeError('functionalCall(): module must be an nn.Module');
  if (parametersAndBuffers === null || typeof parametersAndBuffers !== 'object' || Array.isArray(parametersAndBuffers)) {
    throw new TypeError('functionalCall(): parametersAndBuffers must be an object or a Map of name -> Tensor');
  }
  const positional = Array.isArray(args) ? args : [args];
  const call = kwargs !== undefined && kwargs !== null && Object.keys(kwargs).length > 0 ? [...positional, kwargs] : positional;
  const swaps = swapIn(module as Module<any>, parametersAndBuffers);
  try {
    return (module as unknown as (...a: unknown[]) => Out)(...call);
  } finally {
    swapOut(swaps);
  }
}
