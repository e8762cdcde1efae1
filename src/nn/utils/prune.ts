/**
 * `torch.nn.utils.prune`, as PyTorch 1.13: pruning a module's parameter reparametrizes it
 * as `name_orig` (the same Parameter object, so an optimizer made before still updates it)
 * times the buffer `name_mask`, recomputed into the plain attribute `name` by a forward
 * pre-hook, which is the pruning method itself. The state dict then holds `name_orig` and
 * `name_mask` in 1.13's order. The methods and their validation are in prune-methods.ts,
 * the reparametrization and `PruningContainer` in prune-base.ts.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- pruning acts on modules of any output type */
import { Tensor } from '../../tensor/tensor.js';
import { onesLike } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { parametersToVector } from './convert-parameters.js';
import { BasePruningMethod, PruningContainer, isOptions, tensorAttr, type PruningMethodClass } from './prune-base.js';
import {
  CustomFromMask,
  Identity,
  L1Unstructured,
  LnStructured,
  RandomStructured,
  RandomUnstructured,
  type ImportanceOptions,
  type LnOrder,
} from './prune-methods.js';

export { BasePruningMethod, PruningContainer } from './prune-base.js';
export type { PruningType, PruneOptions, PruningMethodClass } from './prune-base.js';
export { Identity, RandomUnstructured, L1Unstructured, RandomStructured, LnStructured, CustomFromMask } from './prune-methods.js';
export type { LnOrder, AmountOptions, RandomStructuredOptions, LnStructuredOptions, CustomFromMaskOptions, ImportanceOptions } from './prune-methods.js';

/**
 * Reparametrizes `module[name]` as `name_orig * name_mask` with a mask of ones.
 * @example nn.utils.prune.identity(new nn.Linear(2, 3), 'bias').bias_mask // [1, 1, 1]
 */
export function identity<M extends Module<any>>(module: M, name: string): M {
  Identity.apply(module, name);
  return module;
}

/**
 * Prunes `amount` of the still unpruned entries of `module[name]` at random: a count when
 * `amount` is an integer, a fraction of them otherwise.
 * @example nn.utils.prune.randomUnstructured(new nn.Linear(2, 3), 'weight', 0.5)
 */
export function randomUnstructured<M extends Module<any>>(module: M, name: string, amount: number): M {
  RandomUnstructured.apply(module, name, amount);
  return module;
}

/**
 * Prunes `amount` of the still unpruned entries of `module[name]` with the smallest
 * absolute value (of `importanceScores` when given).
 * @example nn.utils.prune.l1Unstructured(layer, 'weight', 0.2);
 * Object.keys(layer.stateDict()) // ['bias', 'weight_orig', 'weight_mask']
 */
export function l1Unstructured<M extends Module<any>>(module: M, name: string, amount: number, options: ImportanceOptions = {}): M {
  L1Unstructured.apply(module, name, amount, options);
  return module;
}

/**
 * Prunes `amount` of the channels of `module[name]` along `dim` at random.
 * @example nn.utils.prune.randomStructured(new nn.Linear(5, 3), 'weight', 1, 0)
 */
export function randomStructured<M extends Module<any>>(module: M, name: string, amount: number, dim: number): M {
  RandomStructured.apply(module, name, amount, dim);
  return module;
}

/**
 * Prunes `amount` of the channels of `module[name]` along `dim` with the smallest L`n` norm
 * (of `importanceScores` when given).
 * @example nn.utils.prune.lnStructured(new nn.Conv2d(5, 3, 2), 'weight', 0.3, -Infinity, 1)
 */
export function lnStructured<M extends Module<any>>(module: M, name: string, amount: number, n: LnOrder, dim: number, options: ImportanceOptions = {}): M {
  LnStructured.apply(module, name, amount, n, dim, options);
  return module;
}

/**
 * Prunes `module[name]` where `mask` is 0.
 * @example nn.utils.prune.customFromMask(new nn.Linear(5, 3), 'bias', torch.tensor([0, 1, 0])).bias_mask // [0, 1, 0]
 */
export function customFromMask<M extends Module<any>>(module: M, name: string, mask: Tensor): M {
  CustomFromMask.apply(module, name, mask);
  return module;
}

/** A `[module, name]` pair, as `globalUnstructured` takes its parameters. @example [net.fc1, 'weight'] */
export type ParameterRef = readonly [Module<any>, string];

/** `globalUnstructured`'s keyword arguments; the others go to the method's constructor. @example { amount: 20 } */
export interface GlobalUnstructuredOptions {
  /** each `[module, name]` pair's importance scores (pairs are matched by module and name) */
  importanceScores?: Map<ParameterRef, Tensor> | null;
  /** the methods' amount: a count (integer) or a fraction of all the entries together */
  amount?: number;
  [keyword: string]: unknown;
}

/**
 * Prunes the entries of all of `parameters` together, as if they were one vector, with an
 * 'unstructured' `pruningMethod` (built from the options other than `importanceScores`);
 * each parameter then carries its part of the mask as a `CustomFromMask` pruning.
 * @example
 * nn.utils.prune.globalUnstructured([[net.fc1, 'weight'], [net.fc2, 'weight']], nn.utils.prune.L1Unstructured, { amount: 10 });
 */
export function globalUnstructured(parameters: Iterable<ParameterRef>, pruningMethod: PruningMethodClass, options: GlobalUnstructuredOptions = {}): void {
  if (parameters === null || parameters === undefined || typeof (parameters as Iterable<ParameterRef>)[Symbol.iterator] !== 'function' || typeof parameters === 'string') {
    throw new TypeError('global_unstructured(): parameters is not an Iterable');
  }
  if (!isOptions(options)) throw new TypeError(`global_unstructured(): expected an options object`);
  const { importanceScores = null, ...kwargs } = options;
  const scores = importanceScores ?? new Map<ParameterRef, Tensor>();
  if (!(scores instanceof Map)) throw new TypeError('global_unstructured(): importance_scores must be of type dict');
  // Read once: PyTorch iterates `parameters` three times, which a generator cannot serve.
  const pairs = Array.from(parameters, (pair) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !(pair[0] instanceof Module) || typeof pair[1] !== 'string') {
      throw new TypeError('global_unstructured(): parameters must hold [module, name] pairs');
    }
    return pair as unknown as ParameterRef;
  });
  const scoreOf = (module: Module<any>, name: string): Tensor | undefined => {
    for (const [key, value] of scores) if (Array.isArray(key) && key[0] === module && key[1] === name) return value;
    return undefined;
  };
  const relevant = parametersToVector(pairs.map(([m, n]) => {
    const param = tensorAttr(m, n);
    return scoreOf(m, n) ?? param;
  }));
  const defaultMask = parametersToVector(pairs.map(([m, n]) => {
    const ones = onesLike(tensorAttr(m, n));
    const mask = (m as unknown as Record<string, unknown>)[`${n}_mask`];
    return mask === undefined ? ones : (mask as Tensor);
  }));

  const container = new PruningContainer();
  container._tensorName = 'temp';
  const method = new (pruningMethod as unknown as new (o: object) => BasePruningMethod)(kwargs);
  method._tensorName = 'temp';
  if (method.PRUNING_TYPE !== 'unstructured') {
    throw new TypeError(`Only "unstructured" PRUNING_TYPE supported for the \`pruning_method\`. Found method ${pruningMethod.name} of type ${method.PRUNING_TYPE}`);
  }
  container.addPruningMethod(method);
  const finalMask = container.computeMask(relevant, defaultMask);

  let pointer = 0;
  for (const [module, name] of pairs) {
    const param = tensorAttr(module, name);
    const count = param.numel();
    customFromMask(module, name, finalMask.narrow(0, pointer, count).viewAs(param));
    pointer += count;
  }
}

/**
 * Makes the pruning of `module[name]` permanent: `name` becomes a Parameter again holding
 * `name_orig * name_mask` (the `name_orig` object itself), and the buffer, the extra
 * parameter and the hook are removed. The pruned entries stay zero.
 * @example nn.utils.prune.remove(nn.utils.prune.randomUnstructured(new nn.Linear(5, 7), 'weight', 0.2), 'weight')
 */
export function remove<M extends Module<any>>(module: M, name: string): M {
  for (const [key, hook] of module._forwardPreHooks) {
    if (hook instanceof BasePruningMethod && hook._tensorName === name) {
      hook.remove(module);
      module._forwardPreHooks.delete(key);
      return module;
    }
  }
  throw new Error(`Parameter '${name}' of module ${String(module)} has to be pruned before pruning can be removed`);
}

/**
 * Whether `module` or any module under it has a pruning method among its forward pre-hooks.
 * @example nn.utils.prune.isPruned(net) // false
 */
export function isPruned(module: Module<any>): boolean {
  for (const [, submodule] of module.namedModules()) {
    for (const hook of submodule._forwardPreHooks.values()) {
      if (hook instanceof BasePruningMethod) return true;
    }
  }
  return false;
}
