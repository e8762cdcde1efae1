/**
 * The two walks over a module tree that `Module.stateDict` and `Module.loadStateDict` run, in
 * PyTorch 1.13's order: each module's own part goes through its `_saveToStateDict` /
 * `_loadFromStateDict` (which subclasses may override), with the hooks around them.
 * Loading reports every problem at once rather than stopping at the first.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import type { Module, StateDict } from './module.js';
import { runLoadStateDictPostHooks, runStateDictPostHooks, runStateDictPreHooks, type LocalMetadata } from './module-hooks.js';

/** What `loadStateDict` returns (PyTorch's `_IncompatibleKeys`). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Metadata = Record<string, LocalMetadata>;

const withMetadata = (dict: StateDict, metadata: unknown): StateDict =>
  Object.defineProperty(dict, '_metadata', { value: metadata, enumerable: false, writable: true, configurable: true });

/**
 * `Module.state_dict(destination=..., prefix=..., keep_vars=...)` for one module and its
 * descendants. A hook's returned dict replaces `destination` for this module's caller only:
 * a parent goes on with the dict it passed down, as PyTorch's does.
 * @internal
 */
export function collectStateDict(module: Module<any>, destination: StateDict, prefix: string, keepVars: boolean): StateDict {
  runStateDictPreHooks(module, prefix, keepVars);
  const local = { version: (module.constructor as typeof Module)._version };
  const metadata = (destination as { _metadata?: Metadata })._metadata;
  if (metadata !== undefined) metadata[prefix.slice(0, -1)] = local;
  module._saveToStateDict(destination, prefix, keepVars);
  for (const [name, child] of module._modules) {
    if (child !== null) collectStateDict(child, destination, `${prefix}${name}.`, keepVars);
  }
  return runStateDictPostHooks(module, destination, prefix, local);
}

/** A new, empty state dict carrying an empty `_metadata`. @internal */
export function emptyStateDict(): StateDict {
  return withMetadata({}, {});
}

function metadataOf(source: object): unknown {
  const own = Object.getOwnPropertyDescriptor(source, '_metadata');
  return own !== undefined && typeof own.value === 'object' && own.value !== null ? own.value : undefined;
}

function localMetadataOf(metadata: unknown, key: string): LocalMetadata {
  if (metadata instanceof Map) return (metadata.get(key) as LocalMetadata | undefined) ?? {};
  if (metadata !== null && typeof metadata === 'object' && Object.prototype.hasOwnProperty.call(metadata, key)) {
    return (metadata as Metadata)[key];
  }
  return {};
}

/**
 * `Module.load_state_dict`: a copy of the source (which the modules' `_loadFromStateDict` and
 * pre-hooks may change), then per module, parents first, its own part with `strict` always on
 * (so the lists are always filled), its children each with the entries under their prefix,
 * and its post-hooks. `strict` decides only whether the lists become an error.
 * @internal
 */
export function loadStateDictInto(root: Module<any>, source: Record<string, unknown> | Map<unknown, unknown>, strict: boolean): LoadStateDictResult {
  const missingKeys: string[] = [];
  const unexpectedKeys: string[] = [];
  const errorMsgs: string[] = [];
  const metadata = metadataOf(source);
  // A null prototype, so that `key in stateDict` finds only entries.
  const stateDict = Object.create(null) as StateDict;
  const entries = source instanceof Map ? source.entries() : Object.entries(source);
  for (const [key, value] of entries) {
    if (source instanceof Map || key !== '_metadata') stateDict[String(key)] = value as StateDict[string];
  }
  if (metadata !== undefined) withMetadata(stateDict, metadata);

  const load = (module: Module<any>, local: StateDict, prefix: string): void => {
    module._loadFromStateDict(local, prefix, localMetadataOf(metadata, prefix.slice(0, -1)), true, missingKeys, unexpectedKeys, errorMsgs);
    for (const [name, child] of module._modules) {
      if (child === null) continue;
      const childPrefix = `${prefix}${name}.`;
      const childDict = Object.create(null) as StateDict;
      for (const key of Object.keys(local)) if (key.startsWith(childPrefix)) childDict[key] = local[key];
      load(child, childDict, childPrefix);
    }
    // Post-hooks may clear or add keys in place before strict mode reports them.
    runLoadStateDictPostHooks(module, { missingKeys, unexpectedKeys });
  };
  load(root, stateDict, '');

  if (strict) {
    if (unexpectedKeys.length > 0) errorMsgs.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
    if (missingKeys.length > 0) errorMsgs.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
  }
  if (errorMsgs.length > 0) {
    throw new Error(`Error(s) in loading state_dict for ${root.constructor.name}:\n\t${errorMsgs.join('\n\t')}`);
  }
  return { missingKeys, unexpectedKeys };
}
