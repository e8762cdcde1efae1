/**
 * PyTorch's checkpoint formats: the zip archive torch.save writes since 1.6 (read and
 * write), and the legacy pre-1.6 stream (read only). The pickle says what the object
 * is; storages are raw little-endian bytes, read straight into native tensor memory.
 */
import { DType, bfloat16, bool, complex128, complex64, float16, float32, float64, int16, int32, int64, int8, qint32, qint8, quint8, toDType, uint8 } from '../tensor/dtype.js';
import { QuantizedTensor } from '../quantization/qtensor.js';
import { ScriptObject } from './script-object.js';
import { QScheme, perChannelAffine, perChannelAffineFloatQparams, perChannelSymmetric, perTensorAffine, perTensorSymmetric } from '../quantization/qscheme.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from '../nn/parameter.js';
import { PickleWriter, pickle } from './pickle.js';
import { readTensor, tensorFromMemory, type Steps } from './steps.js';
import { finishNumpy } from './numpy.js';
import { applyUserState, constructUserObject, globalValue, type UserObjectRecipe } from './safe-globals.js';
import { internal, isInternal, showValue, unpickle, type GlobalRef, type QTensorRecipe, type ScriptObjectRecipe, type StorageRef, type TensorRecipe } from './unpickle.js';
import type { ZipEntry, ZipReader } from './zip-read.js';

const PLAIN_STORAGES: Record<string, DType> = {
  DoubleStorage: float64, FloatStorage: float32, HalfStorage: float16, BFloat16Storage: bfloat16,
  LongStorage: int64, IntStorage: int32, ShortStorage: int16, CharStorage: int8, ByteStorage: uint8,
  BoolStorage: bool, ComplexFloatStorage: complex64, ComplexDoubleStorage: complex128,
};
/** A quantized tensor's storage holds its integers: read as the integer dtype, typed by the quantized one. */
const QUANTIZED_STORAGES: Record<string, { storage: DType; dtype: DType }> = {
  QInt8Storage: { storage: int8, dtype: qint8 }, QUInt8Storage: { storage: uint8, dtype: quint8 }, QInt32Storage: { storage: int32, dtype: qint32 },
};
const STORAGE_DTYPES: Record<string, DType> = {
  ...PLAIN_STORAGES, ...Object.fromEntries(Object.entries(QUANTIZED_STORAGES).map(([name, q]) => [name, q.storage])),
};
const STORAGE_NAMES = new Map<DType, string>(Object.entries(PLAIN_STORAGES).map(([name, dtype]) => [dtype, name]));
const QUANTIZED_STORAGE_NAMES = new Map<DType, string>(Object.entries(QUANTIZED_STORAGES).map(([name, q]) => [q.dtype, name]));
const QUANTIZED_DTYPES = new Map<string, DType>([[qint8.name, qint8], [quint8.name, quint8], [qint32.name, qint32]]);
const QSCHEMES = new Map<string, QScheme>([perTensorAffine, perChannelAffine, perTensorSymmetric, perChannelSymmetric, perChannelAffineFloatQparams].map((q) => [q.name, q]));

/** Scales that are positive and finite, and integer zero points inside the dtype's range, or an Error. */
function checkQuantizer(scales: number[], zeroPoints: number[], dtype: DType): void {
  const [min, max] = dtype === qint8 ? [-128, 127] : dtype === quint8 ? [0, 255] : [-(2 ** 31), 2 ** 31 - 1];
  for (const s of scales) if (!(s > 0) || !Number.isFinite(s)) throw new Error(`load: a quantized tensor has the scale ${s} (expected a positive finite number)`);
  for (const z of zeroPoints) {
    if (!Number.isInteger(z) || z < min || z > max) throw new Error(`load: a ${dtype} tensor has the zero point ${z} (expected an integer in [${min}, ${max}])`);
  }
}

/** A loaded quantized tensor from its integers and PyTorch's quantizer parameters. */
function quantizedTensor(integers: Tensor, storageType: string, params: unknown[], build: (v: unknown) => unknown): QuantizedTensor {
  const dtype = QUANTIZED_STORAGES[storageType]?.dtype;
  if (dtype === undefined) throw new Error(`load: _rebuild_qtensor over a ${storageType}, which holds no quantized integers`);
  const scheme = (params[0] as { name: string }).name;
  if (scheme === 'per_tensor_affine' || scheme === 'per_tensor_symmetric') {
    const [, scale, zeroPoint] = params;
    if (typeof scale !== 'number' || typeof zeroPoint !== 'number' || !Number.isInteger(zeroPoint)) {
      throw new Error('load: a per-tensor quantized tensor needs a float scale and an integer zero point');
    }
    checkQuantizer([scale], [zeroPoint], dtype);
    return new QuantizedTensor(integers, dtype, { kind: 'tensor', scale, zeroPoint });
  }
  if (scheme === 'per_channel_affine' || scheme === 'per_channel_symmetric') {
    const [, scales, zeroPoints, axis] = params.map((p, i) => (i === 1 || i === 2 ? build(p) : p));
    if (!(scales instanceof Tensor) || !(zeroPoints instanceof Tensor) || typeof axis !== 'number' || !Number.isInteger(axis) || axis < 0 || axis >= integers.dim()) {
      throw new Error('load: a per-channel quantized tensor needs tensors of scales and zero points and an axis inside its dims');
    }
    const channels = integers.shape[axis]!;
    if (scales.numel() !== channels || zeroPoints.numel() !== channels) throw new Error(`load: a per-channel quantized tensor needs ${channels} scales and zero points`);
    if (scales.dtype.isComplex || zeroPoints.dtype.isComplex) throw new Error('load: a per-channel quantized tensor needs real scales and zero points');
    checkQuantizer(scales.to(float64).reshape([-1]).tolist() as number[], zeroPoints.to(float64).reshape([-1]).tolist() as number[], dtype);
    return new QuantizedTensor(integers, dtype, { kind: 'channel', scales: scales.to(float64).reshape([-1]).clone(), zeroPoints: zeroPoints.to(int64).reshape([-1]).clone(), axis });
  }
  throw new Error(`load: quantized tensors of the torch.${scheme} scheme are not supported`);
}

/** Reads `numel` elements of storage bytes into a new tensor, in bounded chunks. */
type StorageReader = (key: string, dtype: DType, numel: number) => Tensor;

/**
 * Checks a persistent id and turns it into a storage reference.
 * @internal
 * @example const ref = storageFromPid(['storage', floatStorageRef, '0', 'cpu', 6]);
 */
export function storageFromPid(pid: unknown): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    let shown: string;
    try {
      shown = JSON.stringify(pid)?.slice(0, 80) ?? showValue(pid);
    } catch {
      shown = showValue(pid); // a cycle or a bigint
    }
    throw new Error(`load: unsupported persistent id ${shown} (expected a storage)`);
  }
  const [, type, key, location, numel] = pid as [string, { kind?: string; name?: string }, unknown, unknown, unknown];
  if (!isInternal(type, 'storageType') || typeof type.name !== 'string' || !Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, type.name)) {
    throw new Error(`load: unknown storage type in a persistent id (dtype not supported)`);
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > 64) throw new Error('load: a storage key is not a short string');
  if (typeof location !== 'string') throw new Error('load: a storage location is not a string');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new Error(`load: storage '${key}' has an invalid element count ${showValue(numel)}`);
  }
  return internal({ kind: 'storage', key, storageType: type.name, location, numel });
}

function isRecipe(v: unknown): v is TensorRecipe {
  return isInternal(v, 'tensor');
}

/**
 * Replaces tensor recipes by tensors: each storage is read once (shared storages stay
 * shared), and every tensor must lie inside its storage.
 */
function materialize(value: unknown, readStorage: StorageReader): unknown {
  const storages = new Map<string, Tensor>();
  const built = new Map<object, unknown>();
  const tensorOf = (recipe: TensorRecipe): Tensor => {
    const ref = recipe.storage;
    const dtype = STORAGE_DTYPES[ref.storageType];
    let storage = storages.get(ref.key);
    if (storage === undefined) {
      storage = readStorage(ref.key, dtype, ref.numel);
      storages.set(ref.key, storage);
    } else if (storage.dtype !== dtype) {
      throw new Error(`load: storage '${ref.key}' is used as both ${storage.dtype.name} and ${dtype.name}`);
    }
    const numel = storage.shape[0];
    let extent = recipe.offset;
    let empty = false;
    recipe.size.forEach((s, d) => {
      if (s === 0) empty = true;
      extent += (s - 1) * recipe.stride[d];
    });
    if (!empty && extent >= numel) {
      throw new Error(
        `load: a tensor of size [${recipe.size.join(', ')}], stride [${recipe.stride.join(', ')}] and offset ${recipe.offset} ` +
          `needs ${extent + 1} elements, but its storage '${ref.key}' holds ${numel}`,
      );
    }
    const t = new Tensor(storage._storage, recipe.size.slice(), recipe.stride.slice(), recipe.offset, dtype);
    const differentiable = dtype.isFloatingPoint || dtype.isComplex;
    if (recipe.parameter) return new Parameter(t, recipe.requiresGrad && differentiable);
    if (recipe.requiresGrad && differentiable) t.requiresGrad_(true);
    return t;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
    if (built.has(v)) return built.get(v);
    if (depth > 1000) throw new Error('load: nesting is too deep');
    if (isRecipe(v)) {
      const t = tensorOf(v);
      built.set(v, t);
      return t;
    }
    if (isInternal(v, 'dtype')) {
      const name = (v as { name: string }).name;
      return QUANTIZED_DTYPES.get(name) ?? toDType(name);
    }
    if (isInternal(v, 'qscheme')) return QSCHEMES.get((v as { name: string }).name);
    if (isInternal(v, 'qtensor')) {
      const recipe = v as QTensorRecipe;
      const q = quantizedTensor(tensorOf(recipe.tensor), recipe.tensor.storage.storageType, recipe.params, (p) => walk(p, depth + 1));
      built.set(v, q);
      return q;
    }
    if (isInternal(v, 'scriptObject')) {
      const recipe = v as ScriptObjectRecipe;
      if (recipe.state === null) throw new Error('load: a torch.ScriptObject was never given its state (no BUILD)');
      // Registered before its state is read, as the memo may refer back to it.
      const state: unknown[] = [];
      const obj = new ScriptObject(recipe.qualifiedName, state);
      built.set(v, obj);
      for (const item of recipe.state) state.push(walk(item, depth + 1));
      return obj;
    }
    if (isInternal(v, 'object')) {
      // A user-allowlisted global: its arguments are loaded first (tensors included), the
      // object is registered before its state is, so that the state may refer back to it.
      const recipe = v as UserObjectRecipe;
      const obj = constructUserObject(recipe.entry, recipe.args.map((a) => walk(a, depth + 1)));
      built.set(v, obj);
      if (recipe.hasState) applyUserState(recipe.entry, obj, walk(recipe.state, depth + 1));
      return obj;
    }
    if (isInternal(v, 'global')) {
      const ref = v as GlobalRef;
      const out = globalValue(ref.module, ref.name, ref.user);
      built.set(v, out);
      return out;
    }
    const numpy = finishNumpy(v);
    if (numpy !== undefined) {
      built.set(v, numpy);
      return numpy;
    }
    if (Array.isArray(v)) {
      built.set(v, v);
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i], depth + 1);
      return v;
    }
    if (v instanceof Map) {
      built.set(v, v);
      for (const [k, item] of v) v.set(k, walk(item, depth + 1));
      return v;
    }
    built.set(v, v);
    const record = v as Record<string, unknown>;
    for (const k of Object.keys(record)) record[k] = walk(record[k], depth + 1);
    return v;
  };
  try {
    return walk(value, 0);
  } finally {
    // The tensors hold their own references to the storages.
    for (const s of storages.values()) s.dispose();
  }
}

/** A storage the pickle refers to, and where its bytes are in the archive. */
export interface StorageRequest {
  key: string;
  dtype: DType;
  numel: number;
  entry: ZipEntry;
}

/** Every storage that recipes in `value` refer to, once each. */
function storageRefs(value: unknown): StorageRef[] {
  const found = new Map<string, StorageRef>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || v instanceof Uint8Array || depth > 1000) return;
    seen.add(v);
    if (isRecipe(v)) {
      if (!found.has(v.storage.key)) found.set(v.storage.key, v.storage);
      return;
    }
    const items = v instanceof Map ? [...v.values()] : Array.isArray(v) ? v : Object.values(v);
    for (const item of items) walk(item, depth + 1);
  };
  walk(value, 0);
  return [...found.values()];
}

/**
 * Reads a torch.save archive's records and pickle, and says which storages to read
 * (so that an async loader can read them without blocking).
 * @example const { value, requests } = planTorchZip(zip);
 */
export function planTorchZip(zip: ZipReader): { value: unknown; requests: StorageRequest[] } {
  const prefix = zip.prefix();
  const pklEntry = zip.entry(`${prefix}/data.pkl`);
  if (pklEntry === undefined) throw new Error(`load: the archive has no ${prefix}/data.pkl (not a PyTorch checkpoint)`);
  const versionEntry = zip.entry(`${prefix}/version`) ?? zip.entry(`${prefix}/.data/version`);
  if (versionEntry === undefined) throw new Error(`load: the archive has no ${prefix}/version record`);
  const version = Number(new TextDecoder().decode(zip.read(versionEntry)).trim());
  if (!Number.isInteger(version) || version < 1 || version > 10) {
    throw new Error(`load: unsupported archive version '${String(version)}' (expected 1 to 10)`);
  }
  const byteorderEntry = zip.entry(`${prefix}/byteorder`);
  if (byteorderEntry !== undefined) {
    const order = new TextDecoder().decode(zip.read(byteorderEntry)).trim();
    if (order !== 'little') throw new Error(`load: byteorder '${order.slice(0, 16)}' is not supported (expected little)`);
  }
  const { value } = unpickle(zip.read(pklEntry), 0, { persistentLoad: (pid) => storageFromPid(pid) });
  const requests = storageRefs(value).map((ref) => {
    const dtype = STORAGE_DTYPES[ref.storageType];
    const entry = zip.entry(`${prefix}/data/${ref.key}`);
    if (entry === undefined) throw new Error(`load: storage '${ref.key}' is missing from the archive (${prefix}/data/${ref.key})`);
    const needed = ref.numel * dtype.itemsize;
    if (entry.size < needed) {
      throw new Error(`load: storage '${ref.key}' holds ${entry.size} bytes, but ${ref.numel} ${dtype.name} elements need ${needed}`);
    }
    return { key: ref.key, dtype, numel: ref.numel, entry };
  });
  return { value, requests };
}

/**
 * Builds the loaded object from a plan and its storages, read by the caller.
 * @example finishTorchZip(plan.value, storagesByKey)
 */
export function finishTorchZip(value: unknown, storages: Map<string, Tensor>): unknown {
  return materialize(value, (key) => {
    const t = storages.get(key);
    if (t === undefined) throw new Error(`load: storage '${key}' was not read`);
    storages.delete(key);
    return t;
  });
}

/**
 * Loads the object in a torch.save zip archive of `fileSize` bytes: the records and the
 * pickle are read from `zip` at once, the storages through the yielded reads.
 * @example const value = runSync(torchZipSteps(zip, size), read);
 */
export function* torchZipSteps(zip: ZipReader, fileSize: number): Steps<unknown> {
  const { value, requests } = planTorchZip(zip);
  const storages = new Map<string, Tensor>();
  try {
    for (const { key, dtype, numel, entry } of requests) {
      if (entry.method !== 0) {
        storages.set(key, tensorFromMemory(dtype, numel, zip.read(entry)));
        continue;
      }
      const start = zip.dataOffset(entry);
      if (start + entry.size > fileSize) throw new Error(`load: storage '${key}' runs past the end of the file`);
      storages.set(key, yield* readTensor(dtype, numel, start, `storage '${key}'`));
    }
    return finishTorchZip(value, storages);
  } finally {
    for (const t of storages.values()) t.dispose();
  }
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * Loads a legacy (pre-1.6) torch.save stream: magic, protocol, sys_info, the object,
 * the storage keys, then each storage as an int64 count and raw bytes.
 * @example readTorchLegacy(fs.readFileSync('old.pt'))
 */
export function readTorchLegacy(data: Uint8Array): unknown {
  const none = { persistentLoad: (): never => { throw new Error('load: unexpected persistent id in the legacy header'); } };
  let at = 0;
  const magic = unpickle(data, at, none);
  if (magic.value !== LEGACY_MAGIC && magic.value !== Number(LEGACY_MAGIC)) {
    throw new Error('load: not a PyTorch checkpoint (no zip signature, no safetensors header, no legacy magic number)');
  }
  const protocol = unpickle(data, magic.end, none);
  if (protocol.value !== 1001) throw new Error(`load: unsupported legacy protocol version ${showValue(protocol.value)} (expected 1001)`);
  const sysInfo = unpickle(data, protocol.end, none);
  const refs = new Map<string, StorageRef>();
  const object = unpickle(data, sysInfo.end, {
    persistentLoad: (pid) => {
      const ref = storageFromPid(pid);
      const known = refs.get(ref.key);
      if (known === undefined) refs.set(ref.key, ref);
      return known ?? ref;
    },
  });
  const keys = unpickle(data, object.end, none);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new Error('load: the legacy storage key list is not a list of strings');
  }
  at = keys.end;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const offsets = new Map<string, number>();
  for (const key of keys.value as string[]) {
    if (at + 8 > data.length) throw new Error(`load: truncated legacy file: storage '${key}' has no size`);
    const count = Number(view.getBigInt64(at, true));
    const ref = refs.get(key);
    if (ref === undefined) throw new Error(`load: the legacy file stores '${key}', which no tensor uses`);
    const bytes = count * STORAGE_DTYPES[ref.storageType].itemsize;
    if (!Number.isSafeInteger(count) || count < 0 || at + 8 + bytes > data.length) {
      throw new Error(`load: truncated legacy file: storage '${key}' declares ${count} elements past the end of the file`);
    }
    offsets.set(key, at + 8);
    at += 8 + bytes;
  }
  return materialize(object.value, (key, dtype, numel) => {
    const start = offsets.get(key);
    if (start === undefined) throw new Error(`load: storage '${key}' is missing from the legacy file`);
    if (start + numel * dtype.itemsize > data.length) throw new Error(`load: storage '${key}' runs past the end of the file`);
    return tensorFromMemory(dtype, numel, data.subarray(start, start + numel * dtype.itemsize));
  });
}

/**
 * What a torch.save archive holds besides the pickle: the storages, in key order, each
 * as a tensor over it and the element count saved (from element 0, as PyTorch saves a
 * storage whole up to the largest extent any saved tensor reaches).
 */
export interface TorchArchive {
  pickle: Uint8Array;
  storages: { key: string; tensor: Tensor; numel: number }[];
}

/**
 * Pickles `obj` as torch.save does, collecting each storage once, whole up to the
 * largest extent any saved tensor uses.
 * @example const { pickle, storages } = encodeTorchObject({ w: torch.ones(2) });
 */
export function encodeTorchObject(obj: unknown): TorchArchive {
  // First pass: which storages, and how many elements of each the tensors reach.
  const keys = new Map<object, { key: string; tensor: Tensor; numel: number }>();
  const visit = (v: unknown, seen: Set<unknown>, depth: number): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    if (depth > 1000) throw new Error('save: the object is nested too deeply (or contains a cycle)');
    seen.add(v);
    if (v instanceof QuantizedTensor) {
      for (const t of v._tensors()) visit(t, seen, depth + 1);
      return;
    }
    if (v instanceof Tensor) {
      if (v.isDisposed) throw new Error('save: a tensor has been disposed');
      let extent = v._offset + 1;
      let empty = false;
      v._shape.forEach((s, d) => {
        if (s === 0) empty = true;
        extent += (s - 1) * v._strides[d];
      });
      const storage = v._storage as unknown as object;
      const entry = keys.get(storage);
      const needed = empty ? 0 : extent;
      if (entry === undefined) keys.set(storage, { key: String(keys.size), tensor: v, numel: needed });
      else entry.numel = Math.max(entry.numel, needed);
      return;
    }
    const values = v instanceof Map ? [...v.keys(), ...v.values()] : Array.isArray(v) ? v : Object.values(v);
    for (const item of values) visit(item, seen, depth + 1);
  };
  visit(obj, new Set(), 0);

  // The arguments every rebuild function starts with: the storage's persistent id (typed
  // `storageName`), then the offset, size and stride.
  const writeLayout = (w: PickleWriter, t: Tensor, storageName: string): void => {
    const info = keys.get(t._storage as unknown as object)!;
    w.mark();
    w.string('storage');
    w.global('torch', storageName);
    w.string(info.key);
    w.string(String(t.device)); // 'cpu' or 'cuda:N', as torch.save records the location
    w.number(info.numel);
    w.tuple();
    w.persistentId();
    w.number(t._offset);
    w.mark();
    for (const s of t._shape) w.number(s);
    w.tuple();
    w.mark();
    for (const s of t._strides) w.number(s);
    w.tuple();
  };
  const writeTensor = (w: PickleWriter, value: Tensor | QuantizedTensor): void => {
    if (value instanceof QuantizedTensor) {
      writeQuantized(w, value);
      return;
    }
    const t = value;
    const parameter = t instanceof Parameter;
    if (parameter) {
      w.global('torch._utils', '_rebuild_parameter');
      w.mark();
    }
    w.global('torch._utils', '_rebuild_tensor_v2');
    w.mark();
    writeLayout(w, t, STORAGE_NAMES.get(t.dtype)!);
    w.value(parameter ? false : t.requiresGrad);
    w.emptyOrderedDict();
    w.tuple();
    w.reduce();
    if (parameter) {
      w.value(t.requiresGrad);
      w.emptyOrderedDict();
      w.tuple();
      w.reduce();
    }
  };
  // PyTorch's _rebuild_qtensor(storage, offset, size, stride, quantizer_params, requires_grad, hooks),
  // over a QInt8Storage (QUInt8Storage, QInt32Storage) of the integers.
  const writeQuantized = (w: PickleWriter, q: QuantizedTensor): void => {
    const t = q._int;
    w.global('torch._utils', '_rebuild_qtensor');
    w.mark();
    writeLayout(w, t, QUANTIZED_STORAGE_NAMES.get(q.dtype)!);
    const quantizer = q._quantizer;
    w.mark();
    if (quantizer.kind === 'tensor') {
      w.value(perTensorAffine);
      w.float(quantizer.scale);
      w.number(quantizer.zeroPoint);
    } else {
      w.value(perChannelAffine);
      w.value(quantizer.scales);
      w.value(quantizer.zeroPoints);
      w.number(quantizer.axis);
    }
    w.tuple();
    w.value(false);
    w.emptyOrderedDict();
    w.tuple();
    w.reduce();
  };
  const pickled = pickle(obj, writeTensor);
  return { pickle: pickled, storages: [...keys.values()] };
}
