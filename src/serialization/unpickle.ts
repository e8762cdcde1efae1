/**
 * A pickle reader that executes nothing: a small virtual machine over the opcodes that
 * torch.save's files use, where GLOBAL can only name the allowlisted classes and
 * functions of PyTorch's `weights_only` loader (or fewer), numpy's array, scalar and dtype
 * globals (numpy.ts), and the globals the user allowlists (safe-globals.ts), which only
 * say what JS value a global becomes. Anything else (`os.system`, `builtins.eval`, ...)
 * is an error that names it, never a call.
 *
 * The VM builds plain JS values: dicts become null-prototype objects (so that a key
 * such as `__proto__` stays an entry), or Maps when a key is not a string; lists and
 * tuples become arrays; tensors become `TensorRecipe`s that the format reader turns into
 * tensors once the storages are known. Shared and cyclic references come out shared and
 * cyclic, as Python's pickle memo makes them.
 */

import { TextDecoder } from 'node:util';
import { internal, isInternal, showValue } from './internal.js';
import { buildNumpy, callNumpy, isNumpyGlobal } from './numpy.js';
import { KNOWN_SCRIPT_OBJECTS } from './script-object.js';
import { setBuiltInGlobals, userGlobal, type SafeGlobal, type UserObjectRecipe } from './safe-globals.js';

export { internal, isInternal, showValue } from './internal.js';

/** A storage reference, as the persistent id names it. */
export interface StorageRef {
  kind: 'storage';
  key: string;
  storageType: string; // e.g. 'FloatStorage'
  location: string;
  numel: number;
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`, not yet built. */
export interface TensorRecipe {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
  requiresGrad: boolean;
  parameter: boolean;
}

/** A PyTorch dtype named by GLOBAL (`torch.float32`). */
export interface DTypeRef {
  kind: 'dtype';
  name: string;
}

/** A torch.qscheme named by GLOBAL (`torch.per_tensor_affine`). */
export interface QSchemeRef {
  kind: 'qscheme';
  name: string;
}

/**
 * `_rebuild_qtensor(storage, offset, size, stride, quantizer_params, requires_grad, hooks)`, not
 * yet built: the integers' tensor, and (scheme, scale, zero point) or (scheme, scales, zero
 * points, axis).
 */
export interface QTensorRecipe {
  kind: 'qtensor';
  tensor: TensorRecipe;
  params: unknown[];
}

/** A global GLOBAL pushed; `user` is the user's allowlist entry, taken when the pickle names it. */
export interface GlobalRef {
  kind: 'global';
  module: string;
  name: string;
  user?: SafeGlobal;
}

/**
 * A `torch.ScriptObject` (a TorchBind object: quantized layers' packed weights) made by
 * NEWOBJ, whose BUILD gives (state, qualified class name). Only the classes in
 * KNOWN_SCRIPT_OBJECTS are read, as data.
 */
export interface ScriptObjectRecipe {
  kind: 'scriptObject';
  qualifiedName: string;
  state: unknown[] | null;
}

/** An OrderedDict under construction (REDUCE'd), which BUILD may give `_metadata`. */
interface DictBox {
  kind: 'dict';
  entries: [unknown, unknown][];
  state: unknown;
  /** The finished object or Map, made once, so that every reference gets the same one. */
  out?: Record<string, unknown> | Map<unknown, unknown>;
}

const newDict = (): DictBox => internal({ kind: 'dict', entries: [], state: null });


const STORAGE_TYPES = new Set([
  'DoubleStorage', 'FloatStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage',
  'ShortStorage', 'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage',
  'QInt8Storage', 'QUInt8Storage', 'QInt32Storage',
]);
const DTYPES = new Set([
  'float64', 'float32', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
  'double', 'float', 'half', 'long', 'int', 'short', 'complex64', 'complex128', 'cfloat', 'cdouble',
  'qint8', 'quint8', 'qint32',
]);
/** torch.qscheme values (a quantized tensor's quantizer parameters start with one). */
const QSCHEMES = new Set(['per_tensor_affine', 'per_channel_affine', 'per_tensor_symmetric', 'per_channel_symmetric', 'per_channel_affine_float_qparams']);
const FUNCTIONS = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter', 'torch.Size', 'torch.device', '_codecs.encode', 'builtins.set',
  'builtins.frozenset', 'builtins.bytearray', 'builtins.bytes', 'torch._tensor._rebuild_from_type_v2',
  'torch._utils._rebuild_qtensor', 'torch.ScriptObject',
]);

const isBuiltInGlobal = (qualified: string): boolean => {
  const dot = qualified.lastIndexOf('.');
  const [module, name] = [qualified.slice(0, dot), qualified.slice(dot + 1)];
  return (module === 'torch' && (STORAGE_TYPES.has(name) || DTYPES.has(name) || QSCHEMES.has(name))) || FUNCTIONS.has(qualified) || isNumpyGlobal(qualified);
};
setBuiltInGlobals(isBuiltInGlobal);

/**
 * What GLOBAL pushes, or PyTorch's weights_only error naming the refused global: the
 * built-in allowlist (tensors, storages, dtypes, OrderedDict, numpy's arrays, scalars
 * and dtypes), then the user's (`torch.serialization.addSafeGlobals`).
 */
function findGlobal(pickledModule: string, name: string, unknown?: (qualified: string) => void): GlobalRef | DTypeRef | StorageTypeRef | QSchemeRef {
  // Protocol 2 pickles name Python 3's builtins as Python 2's '__builtin__' (pickle's fix_imports).
  const module = pickledModule === '__builtin__' ? 'builtins' : pickledModule;
  if (module === 'torch' && STORAGE_TYPES.has(name)) return internal({ kind: 'storageType', name });
  if (module === 'torch' && DTYPES.has(name)) return internal({ kind: 'dtype', name });
  if (module === 'torch' && QSCHEMES.has(name)) return internal({ kind: 'qscheme', name });
  const qualified = `${module}.${name}`;
  if (FUNCTIONS.has(qualified) || isNumpyGlobal(qualified)) return internal({ kind: 'global', module, name });
  const user = userGlobal(qualified);
  if (user !== undefined) return internal({ kind: 'global', module, name, user });
  if (unknown !== undefined) {
    // Listing the globals a file needs: stand in a dict (it takes SETITEMS and BUILD) and go on.
    unknown(qualified);
    return internal({ kind: 'global', module, name, user: { module, name, reconstruct: 'dict' } });
  }
  // A name from a corrupt file is shown escaped and cut short.
  const shown = /^[\w.]{1,200}$/.test(qualified) ? qualified : JSON.stringify(qualified.slice(0, 100));
  throw new Error(
    `load: Weights only load failed. WeightsUnpickler error: Unsupported global: GLOBAL ${shown} was not an allowed global by default. ` +
      `Please use \`torch.serialization.addSafeGlobals(['${shown}'])\` or the \`torch.serialization.safeGlobals(['${shown}'], fn)\` ` +
      'scope to allowlist this global if you trust this class/function (flint runs no code from the file either way: an ' +
      'allowlisted global loads as a plain object, or through the reconstruct function you give).',
  );
}

interface StorageTypeRef {
  kind: 'storageType';
  name: string;
}

const MAX_ITEMS = 1 << 26;

const isObj = isInternal;

/** Calls an allowlisted global with its arguments (REDUCE). */
function callGlobal(fn: GlobalRef, args: unknown[]): unknown {
  const qualified = `${fn.module}.${fn.name}`;
  if (fn.user !== undefined) {
    if (fn.user.reconstruct === 'dict') return newDict();
    return internal({ kind: 'object', entry: fn.user, args, hasState: false } satisfies UserObjectRecipe);
  }
  if (isNumpyGlobal(qualified)) return callNumpy(qualified, args);
  switch (qualified) {
    case 'collections.OrderedDict': {
      if (args.length !== 0) throw new Error('unpickle: OrderedDict with arguments is not supported');
      return newDict();
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride, requiresGrad] = args;
      if (!isObj(storage, 'storage')) throw new Error(`unpickle: ${fn.name} expects a storage as its first argument`);
      const ints = (v: unknown, what: string): number[] => {
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
          throw new Error(`unpickle: ${fn.name}: ${what} must be a tuple of non-negative integers`);
        }
        return v as number[];
      };
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
        throw new Error(`unpickle: ${fn.name}: storage offset must be a non-negative integer, found ${showValue(offset)}`);
      }
      const sizes = ints(size, 'size');
      const strides = ints(stride ?? [], 'stride');
      if (sizes.length !== strides.length) {
        throw new Error(`unpickle: ${fn.name}: size has ${sizes.length} dims but stride has ${strides.length}`);
      }
      return internal({
        kind: 'tensor', storage: storage as StorageRef, offset, size: sizes, stride: strides,
        requiresGrad: requiresGrad === true, parameter: false,
      } satisfies TensorRecipe);
    }
    case 'torch._utils._rebuild_qtensor': {
      const [storage, offset, size, stride, params, requiresGrad] = args;
      const integers = callGlobal({ kind: 'global', module: 'torch._utils', name: '_rebuild_tensor_v2' }, [storage, offset, size, stride, requiresGrad]);
      if (!Array.isArray(params) || params.length < 3 || !isObj(params[0], 'qscheme')) {
        throw new Error('unpickle: _rebuild_qtensor expects quantizer parameters that start with a torch.qscheme');
      }
      return internal({ kind: 'qtensor', tensor: integers as TensorRecipe, params } satisfies QTensorRecipe);
    }
    case 'torch.ScriptObject':
      if (args.length !== 0) throw new Error('unpickle: torch.ScriptObject is made with no arguments, then given its state by BUILD');
      return internal({ kind: 'scriptObject', qualifiedName: '', state: null } satisfies ScriptObjectRecipe);
    case 'torch._utils._rebuild_parameter': {
      const [tensor, requiresGrad] = args;
      if (!isObj(tensor, 'tensor')) throw new Error('unpickle: _rebuild_parameter expects a tensor');
      return internal({ ...(tensor as TensorRecipe), requiresGrad: requiresGrad !== false, parameter: true });
    }
    case 'torch._tensor._rebuild_from_type_v2': {
      // (func, type, args, state): only plain tensors (func = _rebuild_tensor_v2) are allowed.
      const [func, , innerArgs] = args;
      if (!isObj(func, 'global') || !Array.isArray(innerArgs)) throw new Error('unpickle: bad _rebuild_from_type_v2 call');
      return callGlobal(func as GlobalRef, innerArgs);
    }
    case 'torch.Size':
      if (!Array.isArray(args[0])) throw new Error('unpickle: torch.Size expects a tuple');
      return args[0];
    case 'torch.device':
      if (typeof args[0] !== 'string' || !(args.length < 2 || args[1] === null || typeof args[1] === 'number')) {
        throw new Error(`unpickle: torch.device expects a device type and an optional index, found ${args.map(showValue).join(', ')}`);
      }
      return args.length > 1 && args[1] !== null ? `${args[0]}:${args[1] as number}` : args[0];
    case '_codecs.encode':
      if (typeof args[0] !== 'string') throw new Error('unpickle: _codecs.encode expects a string');
      return Uint8Array.from(args[0] as string, (c) => c.charCodeAt(0) & 0xff);
    case 'builtins.set':
    case 'builtins.frozenset':
      return Array.isArray(args[0]) ? [...(args[0] as unknown[])] : [];
    case 'builtins.bytearray':
      return args[0] instanceof Uint8Array ? args[0] : new Uint8Array(0);
    case 'builtins.bytes': // bytes(): protocol 2 writes empty bytes this way (numpy's empty arrays)
      if (args.length === 0) return new Uint8Array(0);
      if (args[0] instanceof Uint8Array) return args[0];
      throw new Error(`unpickle: bytes expects no argument or bytes, found ${showValue(args[0])}`);
    default:
      throw new Error(`unpickle: refusing to call '${qualified}'`);
  }
}

/**
 * Turns a dict box into its object (string keys, null prototype) or Map, keeping
 * `_metadata`. The container is made once and refilled on a later call, so that a dict
 * finished early (as a REDUCE argument, a BUILD state) and again at STOP stays one object.
 */
function finishDict(box: DictBox, value: (v: unknown) => unknown = (v) => v): Record<string, unknown> | Map<unknown, unknown> {
  if (box.out === undefined) {
    box.out = box.entries.every(([k]) => typeof k === 'string') ? (Object.create(null) as Record<string, unknown>) : new Map();
  }
  const out = box.out;
  if (out instanceof Map) {
    out.clear();
    for (const [k, v] of box.entries) out.set(k, value(v));
  } else {
    for (const k of Object.keys(out)) delete out[k];
    for (const [k, v] of box.entries) {
      if (typeof k !== 'string') throw new Error('unpickle: a dict gained a non-string key after it was used');
      out[k] = value(v);
    }
  }
  const state = box.state;
  if (state && typeof state === 'object' && !Array.isArray(state) && Object.prototype.hasOwnProperty.call(state, '_metadata')) {
    Object.defineProperty(out, '_metadata', { value: (state as Record<string, unknown>)._metadata, enumerable: false, writable: true, configurable: true });
  }
  return out;
}

/** Options of `unpickle`. */
export interface UnpickleOptions {
  /** Resolves a persistent id (BINPERSID) to a value; storages use it. */
  persistentLoad(pid: unknown): unknown;
  /**
   * Called with each global that is not allowed, instead of refusing it (which then
   * loads as a dict): `getUnsafeGlobalsInCheckpoint` lists them this way.
   */
  unknownGlobal?: (qualified: string) => void;
}

/**
 * Runs one pickle (up to its STOP) from `data` starting at `start`; returns the value
 * and where the pickle ended (the legacy format has several pickles back to back).
 * @example const { value } = unpickle(bytes, 0, { persistentLoad: (pid) => pid });
 */
export function unpickle(data: Uint8Array, start: number, options: UnpickleOptions): { value: unknown; end: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;

  const need = (n: number, what: string): void => {
    if (n < 0 || pos + n > data.length) {
      throw new Error(`unpickle: truncated pickle: ${what} needs ${n} bytes at offset ${pos}, but the data ends at ${data.length}`);
    }
  };
  const u8 = (): number => (need(1, 'an opcode argument'), data[pos++]);
  const u16 = (): number => (need(2, 'a 2-byte argument'), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4, 'a 4-byte argument'), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = (): number => (need(4, 'a 4-byte argument'), (pos += 4), view.getInt32(pos - 4, true));
  const bytes = (n: number, what: string): Uint8Array => {
    need(n, what);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const line = (what: string): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 4096) throw new Error(`unpickle: truncated pickle: ${what} has no end of line`);
    const text = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) {
      throw new Error(`unpickle: stack underflow at offset ${pos - 1}`);
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new Error(`unpickle: stack underflow at offset ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const mark = marks.pop();
    if (mark === undefined) throw new Error(`unpickle: no MARK before offset ${pos - 1}`);
    return stack.splice(mark);
  };
  const push = (v: unknown): void => {
    if (stack.length > MAX_ITEMS) throw new Error('unpickle: stack too deep');
    stack.push(v);
  };
  const longFrom = (raw: Uint8Array): number | bigint => {
    if (raw.length === 0) return 0;
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw[raw.length - 1] & 0x80) value -= 1n << BigInt(raw.length * 8);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };
  const dictTarget = (target: unknown): DictBox => {
    if (!isObj(target, 'dict')) throw new Error(`unpickle: SETITEM(S) on something that is not a dict (offset ${pos - 1})`);
    return target as DictBox;
  };
  const finish = (v: unknown): unknown => (isObj(v, 'dict') ? finishDict(v as DictBox) : v);

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO n
      case 0x95: bytes(8, 'FRAME'); break; // FRAME: framing is irrelevant for an in-memory read
      case 0x2e: { // STOP
        const value = pop();
        return { value: deepFinish(value), end: pos };
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: { const n = u8(); push(longFrom(bytes(n, 'LONG1'))); break; } // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0 || n > 1 << 20) throw new Error(`unpickle: LONG4 of ${n} bytes is larger than any value a checkpoint holds`);
        push(longFrom(bytes(n, 'LONG4')));
        break;
      }
      case 0x49: { // INT (text)
        const text = line('INT');
        push(text === '01' ? true : text === '00' ? false : Number.parseInt(text, 10));
        break;
      }
      case 0x4c: push(Number.parseInt(line('LONG').replace(/L$/, ''), 10)); break; // LONG (text)
      case 0x47: { need(8, 'BINFLOAT'); push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT
      case 0x58: { const n = u32(); push(decodeUtf8(decoder, bytes(n, 'BINUNICODE'))); break; } // BINUNICODE
      case 0x8c: { const n = u8(); push(decodeUtf8(decoder, bytes(n, 'SHORT_BINUNICODE'))); break; } // SHORT_BINUNICODE
      case 0x8d: { // BINUNICODE8
        need(8, 'BINUNICODE8');
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        push(decodeUtf8(decoder, bytes(n, 'BINUNICODE8')));
        break;
      }
      case 0x54: { const n = i32(); push(latin1.decode(bytes(n, 'BINSTRING'))); break; } // BINSTRING
      case 0x55: { const n = u8(); push(latin1.decode(bytes(n, 'SHORT_BINSTRING'))); break; } // SHORT_BINSTRING
      case 0x42: { const n = u32(); push(bytes(n, 'BINBYTES').slice()); break; } // BINBYTES
      case 0x43: { const n = u8(); push(bytes(n, 'SHORT_BINBYTES').slice()); break; } // SHORT_BINBYTES
      case 0x29: push([]); break; // EMPTY_TUPLE
      case 0x85: push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push([a, b, c]); break; } // TUPLE3
      case 0x74: push(popMark()); break; // TUPLE
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x6c: push(popMark()); break; // LIST
      case 0x61: { const v = pop(); const list = top(); if (!Array.isArray(list)) throw new Error(`unpickle: APPEND to a non-list at offset ${at}`); list.push(v); break; }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new Error(`unpickle: APPENDS to a non-list at offset ${at}`);
        for (const v of items) list.push(v);
        break;
      }
      case 0x7d: push(newDict()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        const box = newDict();
        for (let i = 0; i + 1 < items.length; i += 2) box.entries.push([finish(items[i]), items[i + 1]]);
        push(box);
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); dictTarget(top()).entries.push([finish(k), v]); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        const box = dictTarget(top());
        if (items.length % 2 !== 0) throw new Error(`unpickle: SETITEMS with an odd number of items at offset ${at}`);
        for (let i = 0; i < items.length; i += 2) box.entries.push([finish(items[i]), items[i + 1]]);
        break;
      }
      case 0x63: { const module = line('GLOBAL module'); const name = line('GLOBAL name'); push(findGlobal(module, name, options.unknownGlobal)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); push(findGlobal(showValue(module), showValue(name), options.unknownGlobal)); break; } // STACK_GLOBAL
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!isObj(fn, 'global')) throw new Error(`unpickle: REDUCE on something that is not an allowed callable (offset ${at})`);
        if (!Array.isArray(args)) throw new Error(`unpickle: REDUCE arguments are not a tuple (offset ${at})`);
        push(callGlobal(fn as GlobalRef, args.map(finish)));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args); OrderedDict and allowlisted globals
        const args = pop();
        const cls = pop();
        if (!isObj(cls, 'global') || !Array.isArray(args)) throw new Error(`unpickle: bad NEWOBJ at offset ${at}`);
        push(callGlobal(cls as GlobalRef, args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (isObj(target, 'dict')) (target as DictBox).state = deepFinish(state);
        else if (isObj(target, 'object')) {
          const recipe = target as UserObjectRecipe;
          if (recipe.hasState) throw new Error(`unpickle: BUILD twice on one object (offset ${at})`);
          Object.assign(recipe, { state, hasState: true });
        } else if (isObj(target, 'scriptObject')) {
          setScriptObjectState(target as ScriptObjectRecipe, deepFinish(state), at);
        } else if (isObj(target, 'tensor')) {
          // Tensor state (requires_grad / hooks / python attributes): nothing to execute.
        } else if (buildNumpy(target, deepFinish(state))) {
          // numpy's dtype and ndarray states are plain data, read into their recipes.
        } else throw new Error(`unpickle: BUILD on an object that has no state to set (offset ${at})`);
        break;
      }
      case 0x51: push(options.persistentLoad(deepFinish(pop()))); break; // BINPERSID
      case 0x50: push(options.persistentLoad(line('PERSID'))); break; // PERSID
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number.parseInt(line('PUT'), 10), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: push(memoGet(memo, u8(), at)); break; // BINGET
      case 0x6a: push(memoGet(memo, u32(), at)); break; // LONG_BINGET
      case 0x67: push(memoGet(memo, Number.parseInt(line('GET'), 10), at)); break; // GET
      default:
        throw new Error(`unpickle: unsupported or unsafe opcode 0x${op.toString(16).padStart(2, '0')} at offset ${at}`);
    }
  }
}

function memoGet(memo: Map<number, unknown>, key: number, at: number): unknown {
  if (!memo.has(key)) throw new Error(`unpickle: memo key ${key} used before it was set (offset ${at})`);
  return memo.get(key);
}

function decodeUtf8(decoder: TextDecoder, raw: Uint8Array): string {
  try {
    return decoder.decode(raw);
  } catch {
    throw new Error('unpickle: a string is not valid UTF-8');
  }
}

/** BUILD on a torch.ScriptObject: (state tuple, qualified class name), for a class flint reads. */
function setScriptObjectState(recipe: ScriptObjectRecipe, state: unknown, at: number): void {
  if (recipe.state !== null) throw new Error(`unpickle: BUILD twice on one torch.ScriptObject (offset ${at})`);
  if (!Array.isArray(state) || state.length !== 2 || typeof state[1] !== 'string' || !Array.isArray(state[0])) {
    throw new Error(`unpickle: a torch.ScriptObject's state must be (state tuple, class name) (offset ${at})`);
  }
  const name = state[1];
  if (!KNOWN_SCRIPT_OBJECTS.has(name)) {
    const shown = /^[\w.]{1,200}$/.test(name) ? name : JSON.stringify(name.slice(0, 100));
    throw new Error(
      `load: the checkpoint holds a TorchBind object of class ${shown}, which flint cannot read; it reads ` +
        `${[...KNOWN_SCRIPT_OBJECTS].join(' and ')} (the packed weights of dynamically quantized layers)`,
    );
  }
  recipe.qualifiedName = name;
  recipe.state = state[0] as unknown[];
}

/**
 * Replaces dict boxes by their finished objects, everywhere in a value. Each container is
 * registered before its contents are visited, so shared parts are visited once and a
 * cycle (a list holding itself, a dict holding its parent) closes on the same object.
 */
function deepFinish(value: unknown, seen = new Map<unknown, unknown>(), depth = 0): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (seen.has(value)) return seen.get(value);
  if (depth > 1000) throw new Error('unpickle: nesting is too deep');
  if (Array.isArray(value)) {
    seen.set(value, value);
    for (let i = 0; i < value.length; i++) value[i] = deepFinish(value[i], seen, depth + 1);
    return value;
  }
  if (isObj(value, 'dict')) {
    const box = value as DictBox;
    // Register the (empty) container first: an entry that refers back to this dict gets it.
    seen.set(value, finishDict(box, () => undefined));
    if (box.state !== null) box.state = deepFinish(box.state, seen, depth + 1);
    return finishDict(box, (v) => deepFinish(v, seen, depth + 1));
  }
  if (isObj(value, 'object')) {
    // A user object's arguments and state may hold dicts still under construction.
    const recipe = value as UserObjectRecipe;
    seen.set(value, value);
    recipe.args = deepFinish(recipe.args, seen, depth + 1) as unknown[];
    if (recipe.hasState) recipe.state = deepFinish(recipe.state, seen, depth + 1);
  }
  return value;
}
