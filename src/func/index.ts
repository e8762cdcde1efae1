/**
 * `torch.func`: function transforms (`grad`, `gradAndValue`, `vjp`, `jvp`, `jacrev`,
 * `jacfwd`, `hessian`, `vmap`), `functionalCall` and `stackModuleState`. See transforms.ts
 * and vmap.ts for how they are built.
 * @example
 * const params = Object.fromEntries(net.namedParameters());
 * const lossOf = (p: Record<string, Tensor>) => F.crossEntropy(torch.func.functionalCall(net, p, [x]) as Tensor, y);
 * const grads = torch.func.grad(lossOf)(params) as Record<string, Tensor>;
 */
import { Module } from '../nn/module.js';
import { functionalCall as statelessCall, type ParametersAndBuffers } from '../nn/utils/stateless.js';
import { stack } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export { grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian } from './transforms.js';
export type { TransformOptions } from './transforms.js';
export { vmap } from './vmap.js';
export type { VmapOptions } from './vmap.js';
export type { PyTree } from './pytree.js';

/**
 * `torch.func.functional_call(module, parameterAndBufferDicts, args, kwargs?)`: calls
 * `module` with these tensors in place of its parameters and buffers (one object or Map,
 * or an array of them, whose names must not repeat).
 * @example const y = torch.func.functionalCall(net, { 'weight': w, 'bias': b }, [x]);
 */
export function functionalCall<Out>(
  module: Module<Out>,
  parameterAndBufferDicts: ParametersAndBuffers | readonly ParametersAndBuffers[],
  args: unknown,
  kwargs?: Record<string, unknown> | null,
): Out {
  if (!Array.isArray(parameterAndBufferDicts)) return statelessCall(module, parameterAndBufferDicts as ParametersAndBuffers, args, kwargs);
  const merged = new Map<string, Tensor>();
  for (const dict of parameterAndBufferDicts as readonly ParametersAndBuffers[]) {
    const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
    for (const [name, t] of entries) {
      if (merged.has(name)) throw new Error(`${name} appeared in multiple dictionaries; behavior of functional call is ambiguous`);
      merged.set(name, t as Tensor);
    }
  }
  return statelessCall(module, merged as ParametersAndBuffers, args, kwargs);
}

/**
 * `torch.func.stack_module_state(models)`: the models' parameters and buffers stacked along
 * a new first dim, as `[params, buffers]` objects by name; the stacked parameters are new
 * leaves that require grad where the models' did.
 * @example const [params, buffers] = torch.func.stackModuleState([netA, netB]);
 */
export function stackModuleState(models: readonly Module[]): [Record<string, Tensor>, Record<string, Tensor>] {
  if (!Array.isArray(models) || models.length === 0) throw new Error('stack_module_state: Expected at least one model, got 0.');
  if (!models.every((m) => m instanceof Module)) throw new TypeError('stack_module_state: expected an array of nn.Modules');
  const training = models[0].training;
  if (!models.every((m) => m.training === training)) throw new Error('stack_module_state: Expected all models to have the same training/eval mode.');
  const cls = models[0].constructor;
  if (!models.every((m) => m.constructor === cls)) throw new Error('stack_module_state: Expected all models to be of the same class.');
  const stackAll = (named: (m: Module) => [string, Tensor][], leaf: boolean): Record<string, Tensor> => {
    const all = models.map((m) => new Map(named(m)));
    const out: Record<string, Tensor> = {};
    for (const name of all[0].keys()) {
      const tensors = all.map((m) => m.get(name));
      if (tensors.some((t) => t === undefined)) throw new Error(`stack_module_state: Expected all models to have the same parameters and buffers, but '${name}' is missing from one`);
      if (leaf && new Set(tensors.map((t) => t!.requiresGrad)).size > 1) {
        throw new Error(`stack_module_state: Expected all parameters named '${name}' to either all require grad or all not require grad`);
      }
      const stacked = stack(tensors as Tensor[]).detach();
      out[name] = leaf && (tensors[0] as Tensor).requiresGrad ? stacked.requiresGrad_(true) : stacked;
    }
    return out;
  };
  return [stackAll((m) => [...m.namedParameters()], true), stackAll((m) => [...m.namedBuffers()], false)];
}
