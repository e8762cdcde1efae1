/**
 * A deep copy of a module (Python's `copy.deepcopy`, as `nn.TransformerEncoder`'s
 * `_get_clones` uses it): same class, fields, and copies of the parameters, buffers and
 * submodules, with sharing inside the module kept. Hooks are not copied.
 */
import { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { clone } from '../../ops/shape.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

const INTERNAL = new Set(['_parameters', '_buffers', '_nonPersistent', '_modules', '_forwardPreHooks', '_forwardHooks']);

function copyTensor(t: Tensor, memo: Map<object, unknown>): Tensor {
  const seen = memo.get(t);
  if (seen !== undefined) return seen as Tensor;
  const data = noGrad(() => clone(t.detach()));
  const copy = t instanceof Parameter ? new Parameter(data, t.requiresGrad) : data;
  if (!(t instanceof Parameter) && t.requiresGrad) copy.requiresGrad_(true);
  // A tensor a module keeps from tidy scopes (a quantized layer's packed weight) stays kept.
  if (t._keep) copy._keep = true;
  memo.set(t, copy);
  return copy;
}

/**
 * A deep copy of `module`: its class, plain fields (arrays copied), and copies of every
 * parameter, buffer and submodule; a tensor or module shared inside it stays shared.
 * @example const layers = Array.from({ length: 4 }, () => deepCopyModule(layer));
 */
export function deepCopyModule<M extends Module<any>>(module: M, memo: Map<object, unknown> = new Map()): M { // eslint-disable-line @typescript-eslint/no-explicit-any
  const seen = memo.get(module);
  if (seen !== undefined) return seen as M;
  const copy = new Module() as unknown as M;
  Object.setPrototypeOf(copy, Object.getPrototypeOf(module));
  memo.set(module, copy);
  for (const key of Reflect.ownKeys(module)) {
    if (typeof key !== 'string' || INTERNAL.has(key)) continue;
    if (module._parameters.has(key)) {
      const p = module._parameters.get(key)!;
      copy.registerParameter(key, p === null ? null : (copyTensor(p, memo) as Parameter));
    } else if (module._buffers.has(key)) {
      const b = module._buffers.get(key)!;
      copy.registerBuffer(key, b === null ? null : copyTensor(b, memo), { persistent: !module._nonPersistent.has(key) });
    } else if (module._modules.has(key)) {
      const m = module._modules.get(key)!;
      copy.addModule(key, m === null ? null : deepCopyModule(m, memo));
    } else {
      const descriptor: PropertyDescriptor = Reflect.getOwnPropertyDescriptor(module, key)!;
      if ('value' in descriptor) {
        const v: unknown = descriptor.value;
        if (Array.isArray(v)) descriptor.value = v.slice();
        else if (v instanceof Tensor) descriptor.value = copyTensor(v, memo);
        else if (typeof (v as { _tensors?: unknown } | null)?._tensors === 'function') {
          // A QuantizedTensor (a quantized layer's weight): a copy of its own.
          const seen = memo.get(v as object);
          if (seen !== undefined) descriptor.value = seen;
          else {
            const copy = (v as { clone(): { _tensors(): Tensor[] } }).clone();
            for (const t of copy._tensors()) t._keep = true;
            memo.set(v as object, copy);
            descriptor.value = copy;
          }
        }
      }
      Reflect.defineProperty(copy, key, descriptor);
    }
  }
  return copy;
}
