/**
 * `torch.serialization`: saving and loading, and the allowlist of globals that `load`
 * accepts (`addSafeGlobals`, PyTorch's `add_safe_globals`).
 */
export { save, saveSync, load, loadSync, serialize, deserialize } from './index.js';
export type { SaveOptions, LoadOptions } from './index.js';
export { addSafeGlobals, getSafeGlobals, clearSafeGlobals, safeGlobals } from './safe-globals.js';
export { getUnsafeGlobalsInCheckpoint } from './unsafe-globals.js';
export type { SafeGlobal, SafeGlobalLike, Reconstruct } from './safe-globals.js';
