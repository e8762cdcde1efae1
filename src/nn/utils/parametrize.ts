/**
 * `torch.nn.utils.parametrize`: a module's tensor computed from stored originals each
 * time it is read. As in PyTorch, the originals live in
 * `module.parametrizations.<name>` (a ParametrizationList holding `original`, or
 * `original0`, `original1`, ... when `rightInverse` returns several tensors, and the
 * parametrizations as children `0`, `1`, ...), so state-dict keys are PyTorch's
 * (`parametrizations.weight.original`). PyTorch swaps the module's class for a subclass
 * with a property; flint defines the property on the module itself.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { ModuleDict } from '../containers.js';
import { Parameter } from '../parameter.js';

/** A parametrization: a Module whose forward maps the original(s) to the tensor. */
export type Parametrization = Module<Tensor> & {
  /** Optional: from a value of the tensor to the original(s) that produce it. */
  rightInverse?: (value: Tensor) => Tensor | Tensor[];
};

/** Options of `registerParametrization`. @example { unsafe: true } */
export interface RegisterParametrizationOptions {
  /** Skip the checks that the parametrization keeps the shape and dtype. */
  unsafe?: boolean;
}

let cacheDepth = 0;
const cache = new Map<ParametrizationList, Tensor>();

/**
 * `ParametrizationList`: the parametrizations of one tensor, applied in order, and the
 * original tensor(s) they start from.
 * @example module.parametrizations.weight.original
 */
export class ParametrizationList extends Module<Tensor> {
  readonly isTensor: boolean;
  readonly unsafe: boolean;
  /** @internal */ count = 0;

  constructor(first: Parametrization, original: Tensor, unsafe = false) {
    super();
    this.unsafe = unsafe;
    this.append(first, true);
    const initial = noGrad(() => (first.rightInverse ? first.rightInverse(original) : original));
    const asParameter = original instanceof Parameter;
    const store = (name: string, value: Tensor): void => {
      if (asParameter) this.registerParameter(name, new Parameter(value === original ? original.detach() : value, original.requiresGrad));
      else this.registerBuffer(name, value);
    };
    if (initial instanceof Tensor) {
      this.isTensor = true;
      store('original', initial);
    } else {
      if (!Array.isArray(initial) || !initial.every((t) => t instanceof Tensor)) {
        throw new Error("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). Got " + typeof initial);
      }
      this.isTensor = false;
      initial.forEach((t, i) => store(`original${i}`, t));
    }
    if (!unsafe) this.checkConsistent(original);
  }

  /** @internal Adds a parametrization after the existing ones. */
  append(parametrization: Parametrization, first = false): void {
    if (!(parametrization instanceof Module)) {
      throw new TypeError(`A parametrization must be an nn.Module. Got ${typeof parametrization}`);
    }
    this.registerModule(String(this.count), parametrization);
    this.count++;
    if (!first && !this.unsafe) this.checkConsistent(this.forward());
  }

  private checkConsistent(original: Tensor): void {
    const value = noGrad(() => this.forward());
    if (!(value instanceof Tensor)) throw new Error(`A parametrization must return a tensor. Got ${typeof value}.`);
    if (value.dtype !== original.dtype) {
      throw new Error(
        `Registering a parametrization may not change the dtype of the tensor, unless \`unsafe\` flag is enabled.\nunparametrized dtype: ${original.dtype.name}\nparametrized dtype: ${value.dtype.name}`,
      );
    }
    if (value.shape.join(',') !== original.shape.join(',')) {
      throw new Error(
        `Registering a parametrization may not change the shape of the tensor, unless \`unsafe\` flag is enabled.\nunparametrized shape: [${original.shape.join(', ')}]\nparametrized shape: [${value.shape.join(', ')}]`,
      );
    }
  }

  /** The original tensor(s), as stored. */
  originals(): Tensor[] {
    if (this.isTensor) return [(this as unknown as { original: Tensor }).original];
    const out: Tensor[] = [];
    for (let i = 0; this._parameters.has(`original${i}`) || this._buffers.has(`original${i}`); i++) {
      out.push((this as unknown as Record<string, Tensor>)[`original${i}`]);
    }
    return out;
  }

  private parametrizationAt(i: number): Parametrization {
    return this._modules.get(String(i)) as Parametrization;
  }

  /** The parametrized value: the first parametrization on the originals, then the rest in turn. */
  override forward(): Tensor {
    let x = this.parametrizationAt(0)(...this.originals());
    for (let i = 1; i < this.count; i++) x = this.parametrizationAt(i)(x);
    return x;
  }

  /**
   * Assigning to the parametrized tensor: the rightInverses, last parametrization first,
   * give the new originals, copied in place.
   * @example module.weight = torch.eye(3) // calls rightInverse
   */
  rightInverse(value: Tensor): void {
    noGrad(() => {
      let x: Tensor | Tensor[] = value;
      for (let i = this.count - 1; i >= 0; i--) {
        const p = this.parametrizationAt(i);
        if (p.rightInverse) x = p.rightInverse(x as Tensor);
        else if (i === 0 && !this.isTensor) throw new Error('parametrization does not implement right_inverse.');
      }
      const values = x instanceof Tensor ? [x] : x;
      const originals = this.originals();
      if (values.length !== originals.length) {
        throw new Error(`'right_inverse' must return a sequence of tensors of length ${originals.length}. Got a sequence of length ${values.length}`);
      }
      originals.forEach((o, i) => o.copy_(values[i]));
    });
  }
}

function parametrizationsOf(module: Module<unknown>): ModuleDict | null {
  return ((module as unknown as { _modules: Map<string, Module<unknown>> })._modules.get('parametrizations') as ModuleDict | undefined) ?? null;
}

/**
 * Whether `module` has parametrizations (on `tensorName`, when given).
 * @example parametrize.isParametrized(linear, 'weight')
 */
export function isParametrized(module: Module<unknown>, tensorName?: string): boolean {
  const dict = parametrizationsOf(module);
  if (dict === null) return false;
  return tensorName === undefined ? dict.keys().length > 0 : dict.has(tensorName);
}

/**
 * Makes `module[tensorName]` the output of `parametrization` applied to a stored
 * original (moved to `module.parametrizations[tensorName].original`). A second call on
 * the same name chains another parametrization.
 * @example
 * class Symmetric extends nn.Module { forward(X: Tensor) { return X.triu().add(X.triu(1).transpose(0, 1)); } }
 * parametrize.registerParametrization(layer, 'weight', new Symmetric());
 */
export function registerParametrization<M extends Module<unknown>>(
  module: M,
  tensorName: string,
  parametrization: Parametrization,
  options: RegisterParametrizationOptions = {},
): M {
  const unsafe = options.unsafe ?? false;
  if (isParametrized(module, tensorName)) {
    (parametrizationsOf(module)!._modules.get(tensorName) as ParametrizationList).append(parametrization);
    return module;
  }
  const internals = module as unknown as { _parameters: Map<string, Tensor | null>; _buffers: Map<string, Tensor | null> };
  const original = internals._parameters.get(tensorName) ?? internals._buffers.get(tensorName);
  if (!(original instanceof Tensor)) {
    throw new Error(`Module '${module.constructor.name}' has no parameter or buffer with name '${tensorName}'`);
  }
  const list = new ParametrizationList(parametrization, original, unsafe);
  delete (module as unknown as Record<string, unknown>)[tensorName];
  let dict = parametrizationsOf(module);
  if (dict === null) {
    dict = new ModuleDict();
    (module as unknown as { parametrizations: ModuleDict }).parametrizations = dict;
  }
  dict.set(tensorName, list);
  Object.defineProperty(module, tensorName, {
    get: () => {
      if (cacheDepth === 0) return list.forward();
      let value = cache.get(list);
      if (value === undefined) {
        value = list.forward();
        cache.set(list, value);
      }
      return value;
    },
    set: (value: Tensor) => list.rightInverse(value),
    enumerable: true,
    configurable: true,
  });
  return module;
}

/**
 * Removes the parametrizations of `module[tensorName]`. With `leaveParametrized` (the
 * default) the tensor keeps its current parametrized value; otherwise it goes back to
 * the original. The original Parameter object is kept, so optimizers still hold it.
 * @example parametrize.removeParametrizations(layer, 'weight')
 */
export function removeParametrizations<M extends Module<unknown>>(
  module: M,
  tensorName: string,
  options: { leaveParametrized?: boolean } = {},
): M {
  const leave = options.leaveParametrized ?? true;
  if (!isParametrized(module, tensorName)) throw new Error(`Module ${module.constructor.name} does not have a parametrization on ${tensorName}`);
  const dict = parametrizationsOf(module)!;
  const list = dict._modules.get(tensorName) as ParametrizationList;
  let kept: Tensor;
  if (list.isTensor) {
    const original = list.originals()[0];
    if (leave) {
      const value = noGrad(() => list.forward());
      if (value.dtype !== original.dtype) {
        throw new Error('The parametrization changes the dtype of the tensor: it cannot be left parametrized in place; set leaveParametrized: false.');
      }
      noGrad(() => {
        if (value.shape.join(',') === original.shape.join(',')) original.copy_(value);
      });
      kept = value.shape.join(',') === original.shape.join(',') ? original : new Parameter(value.detach(), original.requiresGrad);
    } else kept = original;
  } else {
    if (!leave) throw new Error('Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in terms of a sequence of tensors.');
    const value = noGrad(() => list.forward());
    const anyParam = list.originals().some((t) => t instanceof Parameter);
    kept = anyParam ? new Parameter(value.detach(), true) : value.detach();
  }
  delete (module as unknown as Record<string, unknown>)[tensorName];
  dict.pop(tensorName);
  if (kept instanceof Parameter) module.registerParameter(tensorName, kept);
  else module.registerBuffer(tensorName, kept);
  if (dict.keys().length === 0) delete (module as unknown as Record<string, unknown>).parametrizations;
  return module;
}

/**
 * Within `fn`, each parametrized tensor is computed once and reused (PyTorch's
 * `parametrize.cached()` context), e.g. for a recurrent loop reading the weight each step.
 * @example parametrize.cached(() => { for (const x of steps) h = cell(x, h); })
 */
export function cached<T>(fn: () => T): T {
  cacheDepth++;
  try {
    return fn();
  } finally {
    cacheDepth--;
    if (cacheDepth === 0) cache.clear();
  }
}
