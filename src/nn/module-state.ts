/**
 * One module's own part of its state dict, as PyTorch 1.13's `Module._save_to_state_dict` and
 * `Module._load_from_state_dict` (the defaults behind the methods of those names, which
 * subclasses override for backward-compatible loading), extra state
 * (`get_extra_state` / `set_extra_state` under `prefix + '_extra_state'`), and the casts of
 * `Module.type`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import { noGrad } from '../autograd/grad-mode.js';
import { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { Module, type StateDict } from './module.js';
import { runLoadStateDictPreHooks, type LocalMetadata } from './module-hooks.js';
import { isLazy } from './parameter.js';

/** The key suffix of a module's extra state (PyTorch's `_EXTRA_STATE_KEY_SUFFIX`). */
export const EXTRA_STATE_KEY_SUFFIX = '_extra_state';

const NEVER_CALLED = (method: string): string =>
  `Reached a code path in Module.${method}() that should never be called. Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml to report this bug.`;

/**
 * The error of the base class's `getExtraState` / `setExtraState`, which run only when a
 * subclass calls them through `super`.
 * @internal
 * @example throw neverCalled('get_extra_state')
 */
export function neverCalled(method: 'get_extra_state' | 'set_extra_state'): Error {
  return new Error(NEVER_CALLED(method));
}

/**
 * Whether the module's class overrides `method`: PyTorch checks the class attribute, so a
 * function assigned to one instance does not count.
 */
function classOverrides(module: Module<any>, method: 'getExtraState' | 'setExtraState'): boolean {
  const proto = (module.constructor as typeof Module).prototype as unknown as Record<string, unknown>;
  return proto[method] !== (Module.prototype as unknown as Record<string, unknown>)[method];
}

/**
 * `Module._save_to_state_dict`: the module's parameters, then its persistent buffers, then
 * its extra state when its class overrides `getExtraState`; not its children. Uninitialized
 * (lazy) tensors go in as themselves, as PyTorch's lazy modules save them.
 * @internal
 */
export function saveOwnState(module: Module<any>, destination: StateDict, prefix: string, keepVars: boolean): void {
  for (const [name, p] of module._parameters) {
    if (p !== null) destination[prefix + name] = keepVars || isLazy(p) ? p : p.detach();
  }
  for (const [name, b] of module._buffers) {
    if (b !== null && !module._nonPersistent.has(name)) destination[prefix + name] = keepVars || isLazy(b) ? b : b.detach();
  }
  if (classOverrides(module, 'getExtraState')) destination[prefix + EXTRA_STATE_KEY_SUFFIX] = module.getExtraState() as Tensor;
}

/** Python's `type(value)` as its repr, for the error about a value that is not a tensor. */
function pythonType(value: unknown): string {
  let name: string;
  if (value === null || value === undefined) name = 'NoneType';
  else if (typeof value === 'boolean') name = 'bool';
  else if (typeof value === 'number') name = Number.isInteger(value) ? 'int' : 'float';
  else if (typeof value === 'bigint') name = 'int';
  else if (typeof value === 'string') name = 'str';
  else if (Array.isArray(value)) name = 'list';
  else if (value instanceof Uint8Array) name = 'bytes';
  else if (value instanceof Map) name = 'dict';
  else if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) name = 'dict';
  else name = (value as object).constructor?.name ?? typeof value;
  return `<class '${name}'>`;
}

const torchSize = (shape: readonly number[]): string => `torch.Size([${shape.join(', ')}])`;

/** Python's repr of an exception's `args`, a one-string tuple. */
const argsRepr = (message: string): string => `(${message.includes("'") && !message.includes('"') ? `"${message}"` : `'${message.replace(/'/g, "\\'")}'`},)`;

/**
 * `Module._load_from_state_dict`: runs the module's load pre-hooks, copies the entries named
 * after its parameters and persistent buffers in place, hands its extra state to
 * `setExtraState`, and (when `strict`) lists what is missing and what under its prefix names
 * nothing of it. Problems are pushed to the lists, never thrown, so that `loadStateDict`
 * reports them all at once.
 * @internal
 */
export function loadOwnState(
  module: Module<any>,
  stateDict: StateDict,
  prefix: string,
  localMetadata: LocalMetadata,
  strict: boolean,
  missingKeys: string[],
  unexpectedKeys: string[],
  errorMsgs: string[],
): void {
  runLoadStateDictPreHooks(module, [stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs]);
  const localState = new Map<string, Tensor>();
  for (const [name, p] of module._parameters) if (p !== null) localState.set(name, p);
  for (const [name, b] of module._buffers) if (b !== null && !module._nonPersistent.has(name)) localState.set(name, b);

  for (const [name, param] of localState) {
    const key = prefix + name;
    if (!(key in stateDict)) {
      if (strict) missingKeys.push(key);
      continue;
    }
    let input = stateDict[key] as unknown;
    if (!(input instanceof Tensor)) {
      errorMsgs.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${pythonType(input)}`);
      continue;
    }
    // PyTorch's _lazy_load_hook: an uninitialized tensor takes the checkpoint's shape (and
    // one loaded from an uninitialized entry stays as it is).
    if (isLazy(param)) {
      if (isLazy(input)) continue;
      const shape = input._shape;
      noGrad(() => (param as Tensor & { materialize(shape: readonly number[]): void }).materialize(shape));
    }
    // Checkpoints of PyTorch 0.3 held scalars as 1-element vectors.
    if (param.dim() === 0 && input.dim() === 1) input = (input as Tensor & { select(dim: number, index: number): Tensor }).select(0, 0);
    const value = input as Tensor;
    if (value.shape.join() !== param.shape.join()) {
      errorMsgs.push(`size mismatch for ${key}: copying a param with shape ${torchSize(value.shape)} from checkpoint, the shape in current model is ${torchSize(param.shape)}.`);
      continue;
    }
    try {
      noGrad(() => (param as Tensor & { copy_(src: Tensor): Tensor }).copy_(value));
    } catch (error) {
      errorMsgs.push(
        `While copying the parameter named "${key}", whose dimensions in the model are ${torchSize(param.shape)} and whose dimensions in the checkpoint are ${torchSize(value.shape)}, an exception occurred : ${argsRepr((error as Error).message)}.`,
      );
    }
  }

  const extraStateKey = prefix + EXTRA_STATE_KEY_SUFFIX;
  if (classOverrides(module, 'setExtraState')) {
    if (extraStateKey in stateDict) module.setExtraState(stateDict[extraStateKey]);
    else if (strict) missingKeys.push(extraStateKey);
  } else if (strict && extraStateKey in stateDict) {
    unexpectedKeys.push(extraStateKey);
  }

  if (strict) {
    for (const key of Object.keys(stateDict)) {
      if (!key.startsWith(prefix) || key === extraStateKey) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      const inputName = dot === -1 ? rest : rest.slice(0, dot);
      if (!module._modules.has(inputName) && !localState.has(inputName)) unexpectedKeys.push(key);
    }
  }
}

const LEGACY_TYPE = /^torch\.(cuda\.)?\w+Tensor$/;

/**
 * `t.type(dstType)` for `Module.type`: a dtype, or a legacy type name such as
 * `'torch.DoubleTensor'` (PyTorch takes no dtype names as strings there).
 * @internal
 */
export function castForModuleType(t: Tensor, dstType: unknown): Tensor {
  if (typeof dstType === 'string') {
    if (!LEGACY_TYPE.test(dstType)) throw new Error(`invalid type: '${dstType}'`);
  } else if (!(dstType instanceof DType)) {
    throw new TypeError('dtype must be a type, str, or dtype object');
  }
  return (t as Tensor & { type(d: DType | string): Tensor }).type(dstType);
}
