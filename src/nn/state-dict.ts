/**
 * `Module.loadStateDict`: PyTorch's `load_state_dict`, which copies in place and reports
 * every problem at once rather than stopping at the first.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import type { Module } from './module.js';
import { runLoadStateDictPostHooks } from './module-hooks.js';
import { isLazy } from './parameter.js';

/** What `loadStateDict` returns (PyTorch's `_IncompatibleKeys`). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const size = (shape: readonly number[]): string => `torch.Size([${shape.join(', ')}])`;

/** @internal */
export function loadStateDictInto(
  root: Module<any>,
  source: Record<string, Tensor> | Map<string, Tensor>,
  strict: boolean,
): LoadStateDictResult {
  const entries = source instanceof Map ? source : new Map(Object.entries(source));
  const missingKeys: string[] = [];
  const errors: string[] = [];
  const expected = new Set<string>();
  noGrad(() => {
    for (const [prefix, module] of root.namedModules('', new Set(), false)) {
      const local: [string, Tensor][] = [];
      for (const [name, p] of module._parameters) if (p !== null) local.push([name, p]);
      for (const [name, b] of module._buffers) if (b !== null && !module._nonPersistent.has(name)) local.push([name, b]);
      for (const [name, target] of local) {
        const key = prefix === '' ? name : `${prefix}.${name}`;
        expected.add(key);
        const value = entries.get(key);
        if (value === undefined) {
          missingKeys.push(key);
          continue;
        }
        if (!(value instanceof Tensor)) {
          errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeof value}`);
          continue;
        }
        // PyTorch's _lazy_load_hook: an uninitialized tensor takes the checkpoint's shape (and
        // one loaded from an uninitialized entry stays as it is).
        if (isLazy(target)) {
          if (isLazy(value)) continue;
          target.materialize(value._shape);
        }
        if (value.shape.join() !== target.shape.join()) {
          errors.push(
            `size mismatch for ${key}: copying a param with shape ${size(value.shape)} from checkpoint, the shape in current model is ${size(target.shape)}.`,
          );
          continue;
        }
        try {
          (target as Tensor & { copy_(src: Tensor): Tensor }).copy_(value);
        } catch (error) {
          errors.push(
            `While copying the parameter named "${key}", whose dimensions in the model are ${size(target.shape)} and whose dimensions in the checkpoint are ${size(value.shape)}, an exception occurred : ${(error as Error).message}.`,
          );
        }
      }
    }
  });
  const unexpectedKeys = [...entries.keys()].filter((key) => !expected.has(key));
  // Post-hooks may clear or add keys in place before strict mode reports them.
  runLoadStateDictPostHooks(root.namedModules('', new Set(), false).map(([, m]) => m), { missingKeys, unexpectedKeys });
  if (strict) {
    if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
    if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
  }
  if (errors.length > 0) {
    throw new Error(`Error(s) in loading state_dict for ${root._getName()}:\n\t${errors.join('\n\t')}`);
  }
  return { missingKeys, unexpectedKeys };
}
