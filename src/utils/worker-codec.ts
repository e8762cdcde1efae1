/**
 * How datasets, samples and batches cross between the main thread and DataLoader worker
 * threads. Objects with methods cannot be structured-cloned, so tensors travel as their
 * dtype, shape and values, and datasets as a description the worker rebuilds: the built-in
 * datasets from their parts (their tensors' values in SharedArrayBuffers, one copy for all
 * workers), a user's dataset from the module and export its `workerSpec()` names.
 */
import { Tensor } from '../tensor/tensor.js';
import { DTYPES, bool, float32, float64, int16, int32, int64, int8, uint8, type DType } from '../tensor/dtype.js';
import { fromArray } from '../tensor/creation.js';
import { CPU } from '../tensor/device.js';
import { Subset, TensorDataset, type MapDataset } from './data-core.js';
import { ChainDataset, ConcatDataset, IterableDataset, StackDataset } from './datasets.js';

/**
 * What a dataset's `workerSpec()` returns so that a DataLoader with `numWorkers > 0` can
 * build the same dataset inside each worker thread: the module to import (usually
 * `import.meta.url` of the module that defines the dataset), the export to call (a class
 * is constructed with `new`, a function is called and may return a promise), and the
 * arguments, which must be structured-clone-able (numbers, strings, arrays, plain
 * objects, typed arrays) or Tensors.
 * @example
 * export class Squares extends Dataset<number> {
 *   constructor(readonly n: number) { super(); }
 *   at(i: number) { return i * i; }
 *   get length() { return this.n; }
 *   workerSpec(): WorkerSpec { return { module: import.meta.url, exportName: 'Squares', args: [this.n] }; }
 * }
 */
export interface WorkerSpec {
  module: string;
  exportName: string;
  args?: unknown[];
}

/**
 * A function a worker thread imports and calls (closures cannot be sent to a thread):
 * DataLoader's `workerInitFn`, or a `collateFn` to run in the workers.
 * @example const workerInitFn: WorkerFunctionRef = { module: import.meta.url, exportName: 'seedWorker' };
 */
export interface WorkerFunctionRef {
  module: string;
  exportName: string;
}

/** A tensor on its way to or from a worker: its dtype by name, shape and values. @internal */
interface EncodedTensor {
  __flintTensor: true;
  dtype: string;
  shape: number[];
  data: ArrayBufferView;
}

/**
 * A dataset on its way to a worker. @internal
 * @example const encoded: EncodedDataset = { kind: 'Subset', dataset: { kind: 'array', items: [1, 2] }, indices: [1] };
 */
export type EncodedDataset =
  | { kind: 'module'; module: string; exportName: string; args: unknown[] }
  | { kind: 'TensorDataset'; tensors: unknown[] }
  | { kind: 'Subset'; dataset: EncodedDataset; indices: number[] }
  | { kind: 'ConcatDataset'; datasets: EncodedDataset[] }
  | { kind: 'ChainDataset'; datasets: EncodedDataset[] }
  | { kind: 'StackDataset'; keys: string[] | null; datasets: EncodedDataset[] }
  | { kind: 'array'; items: unknown[] };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'Object';
}

/** The dtype whose values a typed array of `dataSync()` holds. */
function sourceDtype(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return float32;
  if (data instanceof Float64Array) return float64;
  if (data instanceof BigInt64Array) return int64;
  if (data instanceof Int32Array) return int32;
  if (data instanceof Int16Array) return int16;
  if (data instanceof Int8Array) return int8;
  return uint8;
}

/**
 * How values are packed: `transfer` collects the buffers a worker can hand over without
 * a copy; `shared` puts tensor values in SharedArrayBuffers (a dataset read by every
 * worker); `check` only validates, copying nothing (at DataLoader construction).
 * @internal
 * @example const mode: EncodeMode = { transfer: [], what: 'a batch' };
 */
export interface EncodeMode {
  transfer?: ArrayBuffer[];
  shared?: boolean;
  check?: boolean;
  /** Where the value sits, for error messages: 'dataset', 'a sample', 'workerSpec() args'. */
  what: string;
}

function encodeTensor(t: Tensor, mode: EncodeMode): EncodedTensor {
  if (t.device.type !== 'cpu') {
    throw new Error(
      `DataLoader worker threads: ${mode.what} holds a tensor on ${String(t.device)}; only CPU tensors can be sent ` +
        'between threads. Keep datasets and samples on the CPU and move each batch to the GPU in the training loop.',
    );
  }
  const shape = [...t.shape];
  if (mode.check) return { __flintTensor: true, dtype: t.dtype.name, shape, data: new Uint8Array(0) };
  let data = t.dataSync() as ArrayBufferView;
  if (mode.shared) {
    const shared = new SharedArrayBuffer(data.byteLength);
    new Uint8Array(shared).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    data = new (data.constructor as new (b: SharedArrayBuffer) => ArrayBufferView)(shared);
  } else if (mode.transfer) {
    mode.transfer.push(data.buffer as ArrayBuffer);
  }
  return { __flintTensor: true, dtype: t.dtype.name, shape, data };
}

/**
 * A sample, batch or argument as structured-clone-able data: tensors become
 * `{ dtype, shape, data }`, arrays and plain objects are walked, primitives and typed
 * arrays pass. Anything else (a class instance, a function) is an error naming it.
 * @internal
 * @example const transfer: ArrayBuffer[] = []; port.postMessage(encodeValue(batch, { transfer, what: 'a batch' }), transfer);
 */
export function encodeValue(value: unknown, mode: EncodeMode): unknown {
  if (value instanceof Tensor) return encodeTensor(value, mode);
  if (value === null || value === undefined) return value;
  const type = typeof value;
  if (type === 'number' || type === 'string' || type === 'boolean' || type === 'bigint') return value;
  if (Array.isArray(value)) return value.map((v) => encodeValue(v, mode));
  if (ArrayBuffer.isView(value)) return value;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeValue(v, mode);
    return out;
  }
  throw new TypeError(
    `DataLoader worker threads: ${mode.what} holds a ${typeName(value)}, which cannot be sent between threads; ` +
      'expected tensors, numbers, strings, booleans, bigints, typed arrays, and arrays or plain objects of them',
  );
}

const DTYPE_BY_NAME = new Map(DTYPES.map((d) => [d.name, d]));

/**
 * The inverse of `encodeValue`: tensors are rebuilt on the CPU of this thread. @internal
 * @example const [x, y] = decodeValue(reply.value) as Tensor[];
 */
export function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  if (ArrayBuffer.isView(value)) return value;
  const record = value as Record<string, unknown>;
  if (record.__flintTensor === true) {
    const { dtype, shape, data } = record as unknown as EncodedTensor;
    // The addon reads plain ArrayBuffers only: a SharedArrayBuffer's values are copied out first.
    const host = data.buffer instanceof SharedArrayBuffer ? new (data.constructor as new (d: ArrayBufferView) => ArrayBufferView)(data) : data;
    const target = DTYPE_BY_NAME.get(dtype) ?? bool;
    // A complex tensor's data are its (real, imag) pairs (dataSync's).
    return fromArray(host, target.isComplex ? target : sourceDtype(host), shape, target, CPU);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decodeValue(v);
  return out;
}

function hasWorkerSpec(value: unknown): value is { workerSpec(): WorkerSpec } {
  return value !== null && typeof value === 'object' && typeof (value as { workerSpec?: unknown }).workerSpec === 'function';
}

/**
 * Checks a `{ module, exportName }` reference. @internal
 * @example checkModuleRef(options.workerInitFn, 'DataLoader(): workerInitFn');
 */
export function checkModuleRef(ref: unknown, what: string): asserts ref is WorkerFunctionRef {
  const r = ref as Partial<WorkerFunctionRef> | null;
  if (r === null || typeof r !== 'object' || typeof r.module !== 'string' || typeof r.exportName !== 'string') {
    throw new TypeError(`${what}: expected { module: string, exportName: string }, but got ${typeName(ref)}`);
  }
}

function notTransferable(dataset: unknown): Error {
  const name = typeName(dataset);
  return new TypeError(
    `DataLoader with numWorkers > 0: a ${name} cannot be sent to a worker thread (objects with methods do not cross ` +
      'threads). Give the dataset class a workerSpec() method that returns { module: import.meta.url, exportName: ' +
      `'${name}', args: [...] } (the module and export that construct it in the worker, with structured-clone-able ` +
      'arguments), or use a TensorDataset, Subset, ConcatDataset, StackDataset, ChainDataset or an array of plain data. ' +
      'Or use numWorkers: 0.',
  );
}

/**
 * A dataset as the description a worker rebuilds it from. A `workerSpec()` wins (so a
 * subclass of a built-in dataset can opt in); built-ins count only as their own class,
 * since a subclass may override `at`.
 * @internal
 * @example const encoded = encodeDataset(new TensorDataset(x, y), { shared: true, what: 'the dataset' });
 */
export function encodeDataset(dataset: unknown, mode: EncodeMode): EncodedDataset {
  if (hasWorkerSpec(dataset)) {
    const spec = dataset.workerSpec();
    checkModuleRef(spec, `${typeName(dataset)}.workerSpec()`);
    const args = spec.args ?? [];
    if (!Array.isArray(args)) throw new TypeError(`${typeName(dataset)}.workerSpec(): args must be an array, but got ${typeName(args)}`);
    const encoded = encodeValue(args, { ...mode, what: `${typeName(dataset)}.workerSpec() args` }) as unknown[];
    return { kind: 'module', module: spec.module, exportName: spec.exportName, args: encoded };
  }
  const proto = dataset !== null && typeof dataset === 'object' ? Object.getPrototypeOf(dataset) : null;
  if (proto === TensorDataset.prototype) {
    return { kind: 'TensorDataset', tensors: (dataset as TensorDataset).tensors.map((t) => encodeValue(t, mode)) };
  }
  if (proto === Subset.prototype) {
    const s = dataset as Subset<unknown>;
    return { kind: 'Subset', dataset: encodeDataset(s.dataset, mode), indices: [...s.indices] };
  }
  if (proto === ConcatDataset.prototype) {
    return { kind: 'ConcatDataset', datasets: (dataset as ConcatDataset<unknown>).datasets.map((d) => encodeDataset(d, mode)) };
  }
  if (proto === ChainDataset.prototype) {
    return { kind: 'ChainDataset', datasets: (dataset as ChainDataset<unknown>).datasets.map((d) => encodeDataset(d, mode)) };
  }
  if (proto === StackDataset.prototype) {
    const parts = (dataset as unknown as { parts: MapDataset<unknown>[] | Record<string, MapDataset<unknown>> }).parts;
    const keys = Array.isArray(parts) ? null : Object.keys(parts);
    return { kind: 'StackDataset', keys, datasets: Object.values(parts).map((d) => encodeDataset(d, mode)) };
  }
  if (Array.isArray(dataset)) {
    return { kind: 'array', items: dataset.map((item) => encodeValue(item, { ...mode, what: 'the dataset array' })) };
  }
  throw notTransferable(dataset);
}

/**
 * A worker thread's exception as it can cross to another thread (an Error itself cannot
 * keep its class and stack through structured clone). @internal
 * @example const e: SerializedError = { name: 'TypeError', message: 'bad', stack: 'TypeError: bad' };
 */
export interface SerializedError {
  name: string;
  message: string;
  stack: string;
}

/** `e` as a {@link SerializedError}. @internal @example port.postMessage({ error: errorOf(e) }) */
export function errorOf(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack ?? `${e.name}: ${e.message}` };
  return { name: 'Error', message: String(e), stack: `thrown value: ${String(e)}` };
}

/** Whether `f` is a class (to be constructed) rather than a factory function. @internal @example isClass(class {}) // true */
export function isClass(f: (...args: unknown[]) => unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(f));
}

/**
 * An export of a module, loaded in this thread. @internal
 * @example const init = await importExport({ module: url, exportName: 'seedWorker' }, 'workerInitFn');
 */
export async function importExport(ref: WorkerFunctionRef, what: string): Promise<(...args: unknown[]) => unknown> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const value = mod[ref.exportName];
  if (typeof value !== 'function') {
    throw new TypeError(`${what}: module ${ref.module} has no exported function or class named '${ref.exportName}'`);
  }
  return value as (...args: unknown[]) => unknown;
}

/**
 * Rebuilds an encoded dataset in a worker thread. @internal
 * @example const dataset = await decodeDataset(workerData.dataset);
 */
export async function decodeDataset(encoded: EncodedDataset): Promise<unknown> {
  switch (encoded.kind) {
    case 'module': {
      const make = await importExport(encoded, 'DataLoader worker: workerSpec()');
      const args = encoded.args.map(decodeValue);
      return isClass(make) ? Reflect.construct(make, args) : await make(...args);
    }
    case 'TensorDataset':
      return new TensorDataset(...(encoded.tensors.map(decodeValue) as Tensor[]));
    case 'Subset':
      return new Subset((await decodeDataset(encoded.dataset)) as MapDataset<unknown>, encoded.indices);
    case 'ConcatDataset':
      return new ConcatDataset((await Promise.all(encoded.datasets.map(decodeDataset))) as MapDataset<unknown>[]);
    case 'ChainDataset':
      return new ChainDataset((await Promise.all(encoded.datasets.map(decodeDataset))) as IterableDataset<unknown>[]);
    case 'StackDataset': {
      const parts = (await Promise.all(encoded.datasets.map(decodeDataset))) as MapDataset<unknown>[];
      if (encoded.keys === null) return new StackDataset(...parts);
      const keys = encoded.keys;
      return new StackDataset(Object.fromEntries(keys.map((k, i) => [k, parts[i]])));
    }
    case 'array':
      return encoded.items.map(decodeValue);
  }
}
