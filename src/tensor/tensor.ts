/**
 * The Tensor: metadata (shape, strides, offset, dtype, autograd links) in JS, bytes in a
 * native storage shared by views. Math methods are attached in `methods.ts`; the ops
 * themselves, forward and backward together, live in `src/ops/`.
 */
import { inspect } from 'node:util';
import { AccumulateGrad, type Node } from '../autograd/node.js';
import { isInferenceModeEnabled } from '../autograd/grad-mode.js';
import { backwardInputs, checkOptions, differentiate, isOptionsObject, type BackwardOptions } from '../autograd/backward.js';
import type { Handle } from '../native/addon.js';
import * as call from '../native/calls.generated.js';
import { StorageRef, track } from '../memory/storage.js';
import { DType, bool, complex64, float16, bfloat16, float32, float64, int16, int32, int64, int8, toRealDType } from './dtype.js';
import type { Device } from './device.js';
import { formatTensor } from './format.js';
import { checkShapeNumel, contiguousStrides, isContiguousLayout, shapeNumel } from './shape.js';
import { checkBoolean, checkInteger, checkTensor } from './args.js';
import { Size } from './size.js';
import { isAsyncCpuEnabled } from '../cpu.js';

/** The typed array `dataSync()` returns for each dtype. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** Nested arrays as `tolist()` returns them. */
export type NestedList = number | boolean | NestedList[];

/** @internal */
export interface VersionCounter {
  value: number;
}

/** The next tensor's creation number (Tensor._serial). */
let nextSerial = 1;

/**
 * The creation number the next tensor will get: tensors with a smaller `_serial` existed
 * before this call. @internal
 */
export function nextTensorSerial(): number {
  return nextSerial;
}

/**
 * A multi-dimensional array with autograd, as `torch.Tensor`.
 *
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32, requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * x.grad; // tensor([[2., 4.], [6., 8.]])
 */
export class Tensor {
  /** @internal */ _storage: StorageRef;
  /** @internal */ _shape: number[];
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  /** @internal */ _dtype: DType;
  /** @internal shared by views and detach(), as PyTorch's version counter */ _version: VersionCounter;
  /** @internal the tensor this one is a view of */ _base: Tensor | null;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _grad: Tensor | null = null;
  /** @internal */ _gradFn: Node | null = null;
  /** @internal which output of `_gradFn` this tensor is (custom Functions have several) */ _outputNr = 0;
  /** @internal created in inference mode */ _inference = isInferenceModeEnabled();
  /** @internal */ _accumulator: AccumulateGrad | null = null;
  /** @internal */ _disposed = false;
  /** @internal kept past tidy() */ _keep = false;
  /** @internal owned by a .grad, so never aliased into another */ _claimed = false;
  /** @internal creation order (the backward engine frees only gradients made during its pass) */ _serial = nextSerial++;
  /** @internal how many unreleased graph nodes saved this tensor for backward */ _savers = 0;
  /**
   * @internal no reference outside the graph remains (a Sequential's intermediate): the last
   * saving node to be released disposes it
   */
  _freeWithGraph = false;
  /**
   * @internal handed to user code as a gradient (the `.grad` getter or setter, a hook, a
   * custom Function), which may keep it: zeroGrad then leaves it to the collector
   */
  _exposed = false;

  /** @internal Use the creation functions (`torch.tensor`, `torch.zeros`, ...). */
  constructor(
    storage: StorageRef,
    shape: number[],
    strides: number[],
    offset: number,
    dtype: DType,
    version: VersionCounter | null = null,
    base: Tensor | null = null,
  ) {
    checkShapeNumel(shape);
    this._storage = storage;
    this._shape = shape;
    this._strides = strides;
    this._offset = offset;
    this._dtype = dtype;
    this._version = version ?? { value: 0 };
    this._base = base;
    if (base !== null && base._inference) this._inference = true; // a view of an inference tensor is one too
    storage.retain();
    track(this);
  }

  /**
   * PyTorch's `.data`: a detached alias sharing the storage, whose in-place writes
   * autograd does not see. Because flint also offers `await t.data()` (a non-blocking
   * read, which matters once tensors live on a GPU), the alias is callable: calling it
   * resolves to the values as a typed array.
   *
   * @example
   * w.data.mul_(2);                  // as PyTorch's w.data *= 2
   * const values = await w.data();   // Float32Array
   */
  get data(): Tensor & (() => Promise<TypedArray>) {
    this._handle();
    const alias = function data(): Promise<TypedArray> {
      return (alias as unknown as Tensor)._readAsync();
    } as unknown as Tensor & (() => Promise<TypedArray>);
    Object.setPrototypeOf(alias, Tensor.prototype);
    const fields: Partial<Tensor> = {
      _storage: this._storage,
      _shape: this._shape,
      _strides: this._strides,
      _offset: this._offset,
      _dtype: this._dtype,
      _version: { value: 0 },
      _base: null,
      _requiresGrad: false,
      _grad: null,
      _gradFn: null,
      _outputNr: 0,
      _inference: this._inference,
      _accumulator: null,
      _disposed: false,
      _keep: false,
      _claimed: false,
      _serial: 0,
      _savers: 0,
      _freeWithGraph: false,
      _exposed: false,
    };
    Object.assign(alias, fields);
    this._storage.retain();
    track(alias);
    return alias;
  }

  /** Replaces this tensor's values, shape and dtype with another's, keeping its autograd identity. */
  set data(value: Tensor) {
    checkTensor(value, 'data', 'value');
    value._handle();
    value._storage.retain();
    if (!this._disposed) this._storage.release();
    this._disposed = false;
    this._storage = value._storage;
    this._shape = value._shape;
    this._strides = value._strides;
    this._offset = value._offset;
    this._dtype = value._dtype;
  }

  // ---- attributes -------------------------------------------------------------------

  /** The shape, as `tensor.shape`: a `torch.Size`. @example torch.zeros(2, 3).shape // Size [2, 3] */
  get shape(): Size {
    return new Size(this._shape);
  }

  /** The element type. @example torch.zeros(2).dtype === torch.float32 */
  get dtype(): DType {
    return this._dtype;
  }

  /** The device holding the storage. @example String(torch.zeros(2).device) // 'cpu' */
  get device(): Device {
    return this._storage.device;
  }

  /** Strides in elements, as `tensor.stride()`. @example torch.zeros(2, 3).stride() // [3, 1] */
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this._strides.slice();
    return this._strides[this._dimIndex(dim, 'stride')];
  }

  /** @internal a dim argument of size()/stride(), checked, as a non-negative index */
  _dimIndex(dim: number, fn: string): number {
    checkInteger(dim, fn, 'dim');
    const n = this._shape.length;
    if (n === 0) throw new RangeError(`Dimension specified as ${dim} but tensor has no dimensions`);
    const d = dim < 0 ? dim + n : dim;
    if (d < 0 || d >= n) {
      throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
    }
    return d;
  }

  /** Offset into the storage, in elements. @example torch.zeros(4).index('1:').storageOffset() // 1 */
  storageOffset(): number {
    return this._offset;
  }

  /** `tensor.size()` or `tensor.size(dim)`. @example torch.zeros(2, 3).size(-1) // 3 */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return new Size(this._shape);
    return this._shape[this._dimIndex(dim, 'size')];
  }

  /** Number of dimensions. @example torch.zeros(2, 3).dim() // 2 */
  dim(): number {
    return this._shape.length;
  }

  /** Number of dimensions, as a property. @example torch.zeros(2, 3).ndim // 2 */
  get ndim(): number {
    return this._shape.length;
  }

  /** Number of elements. @example torch.zeros(2, 3).numel() // 6 */
  numel(): number {
    return shapeNumel(this._shape);
  }

  /** Bytes per element. @example torch.zeros(2).elementSize() // 4 */
  elementSize(): number {
    return this._dtype.itemsize;
  }

  /** Whether the layout is row-major contiguous. @example torch.zeros(2, 3).t().isContiguous() // false */
  isContiguous(): boolean {
    return isContiguousLayout(this._shape, this._strides);
  }

  /** Whether the dtype is a floating type. @example torch.zeros(1).isFloatingPoint() // true */
  isFloatingPoint(): boolean {
    return this._dtype.isFloatingPoint;
  }

  // ---- autograd attributes -----------------------------------------------------------

  /** Whether autograd records ops on this tensor. @example torch.zeros(2, { requiresGrad: true }).requiresGrad */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** Sets `requiresGrad` in place and returns this. @example torch.zeros(2).requiresGrad_() */
  requiresGrad_(flag = true): this {
    checkBoolean(flag, 'requiresGrad_', 'requiresGrad');
    if (flag && this._inference && !isInferenceModeEnabled()) {
      throw new Error('Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.');
    }
    if (this._gradFn !== null && !flag) {
      throw new Error(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (flag && !this._dtype.isFloatingPoint && !this._dtype.isComplex) {
      throw new Error('only Tensors of floating point dtype can require gradients');
    }
    if (this._gradFn === null) this._requiresGrad = flag;
    return this;
  }

  /** The accumulated gradient (null before any backward). @example x.grad */
  get grad(): Tensor | null {
    const grad = this._grad;
    if (grad !== null) grad._exposed = true;
    return grad;
  }

  set grad(value: Tensor | null) {
    if (value !== null) {
      if (!(value instanceof Tensor)) throw new TypeError('assigned grad expected to be a Tensor or None');
      if (value._dtype !== this._dtype) {
        throw new TypeError('assigned grad has data of a different type');
      }
      if (value._shape.join() !== this._shape.join()) {
        throw new RangeError('assigned grad has data of a different size');
      }
      value._keep = true;
      value._exposed = true;
    }
    this._grad = value;
  }

  /**
   * `.grad = null`, as zeroGrad sets it. A gradient no user code has seen (only backward
   * and the optimizers, which read `_grad`, have touched it) is freed at once, as PyTorch's
   * refcounting frees it; one that was seen may still be held, and is left to the collector.
   * @internal
   */
  _dropGrad(): void {
    const grad = this._grad;
    if (grad === null) return;
    this._grad = null;
    // _letGo: under createGraph a graph may have saved it.
    if (!grad._exposed) grad._letGo();
  }

  /**
   * Installs a gradient that library code made and keeps no other reference to (a DDP
   * bucket's averaged slice), so that zeroGrad may free it; the gradient it replaces goes
   * as `_dropGrad` lets it go.
   * @internal
   */
  _setOwnGrad(grad: Tensor): void {
    if (this._grad === grad) return;
    this._dropGrad();
    grad._keep = true;
    grad._claimed = true;
    this._grad = grad;
  }

  /** The node that created this tensor, or null for leaves. @example x.mul(2).gradFn?.name // 'MulBackward0' */
  get gradFn(): Node | null {
    return this._gradFn;
  }

  /** Whether this tensor was created in `torch.inferenceMode`. @example torch.inferenceMode(() => torch.ones(2)).isInference() // true */
  isInference(): boolean {
    return this._inference;
  }

  /** Whether this is a leaf of the graph. @example torch.zeros(2).isLeaf // true */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /** Whether a non-leaf keeps its `.grad`. @example y.retainGrad(); y.retainsGrad // true */
  get retainsGrad(): boolean {
    return this._gradFn?.retained?.includes(this) ?? false;
  }

  /** Makes backward fill `.grad` of this non-leaf tensor. @example y.retainGrad() */
  retainGrad(): void {
    if (!this._requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    const node = this._gradFn;
    if (node === null) return;
    (node.retained ??= []).includes(this) || node.retained.push(this);
  }

  /** @internal the leaf's gradient sink */
  _accumulateGrad(): AccumulateGrad {
    return (this._accumulator ??= new AccumulateGrad(this));
  }

  /** @internal the node to point an edge at, or null if no gradient flows here */
  _edge(): Node | null {
    if (!this._requiresGrad) return null;
    return this._gradFn ?? this._accumulateGrad();
  }

  /**
   * Computes gradients of this tensor with respect to graph leaves, as PyTorch's
   * `backward(gradient=None, retain_graph=None, create_graph=False, inputs=None)`:
   * `backward()`, `backward(gradient)`, `backward(gradient, options)` or `backward(options)`.
   *
   * @example
   * const loss = x.mul(3).sum();
   * loss.backward({ retainGraph: true });
   * y.backward(torch.onesLike(y), { inputs: [x] });
   */
  backward(gradient?: Tensor | BackwardOptions | null, options?: BackwardOptions): void {
    const isTensor = (v: unknown): boolean => v instanceof Tensor;
    let grad: Tensor | null = null;
    let opts: BackwardOptions = options ?? {};
    if (gradient instanceof Tensor) grad = gradient;
    else if (isOptionsObject(gradient, isTensor)) {
      if (options !== undefined) {
        throw new TypeError('backward(): expected a gradient (a Tensor or null) before the options, but got a second options object');
      }
      opts = gradient;
    } else if (gradient !== undefined && gradient !== null) {
      throw new TypeError(`backward(): gradient must be a Tensor, null or an options object, but got ${typeof gradient}`);
    }
    if (!isOptionsObject(opts, isTensor)) throw new TypeError('backward(): options must be an object');
    checkOptions('backward', opts, ['retainGraph', 'createGraph', 'inputs']);
    differentiate([this], [grad], {
      retainGraph: opts.retainGraph,
      createGraph: opts.createGraph,
      inputs: backwardInputs(opts.inputs, isTensor),
      capture: false,
    });
  }

  // ---- reading values ----------------------------------------------------------------

  /** @internal the live native handle, or a clear error */
  _handle(): Handle {
    if (this._disposed) throw new Error('Tensor has been disposed');
    const handle = this._storage.handle;
    if (handle === null) throw new Error('Tensor has been disposed');
    return handle;
  }

  /**
   * A copy of the elements, row-major, as a typed array (int64 as BigInt64Array, bool
   * as Uint8Array, float16/bfloat16 converted to Float32Array, complex as its (real, imag)
   * pairs in a Float32Array or Float64Array twice as long).
   *
   * @example
   * torch.tensor([1, 2]).float().dataSync(); // Float32Array [1, 2]
   */
  dataSync(): TypedArray {
    if (this._dtype.isComplex) return readReal(this, (r) => r.dataSync());
    const readAs = readDtype(this._dtype);
    const source: Tensor = readAs === this._dtype ? this : (this as unknown as { to(d: DType): Tensor }).to(readAs);
    const buffer = call.toBuffer(source);
    if (source !== this) source.dispose();
    return typedArrayOf(buffer, readAs);
  }

  /**
   * @internal `await t.data()`: on a GPU, and on the CPU in the asynchronous mode
   * (torch.setAsyncCpu), the copy is queued behind the work before it and awaited on a
   * worker thread, so the event loop keeps running meanwhile.
   */
  async _readAsync(): Promise<TypedArray> {
    if (this._dtype.isComplex) {
      const real = realLayout(this);
      try {
        return await real._readAsync();
      } finally {
        real.dispose();
      }
    }
    if (this._storage.device.type === 'cpu' && !isAsyncCpuEnabled()) return this.dataSync();
    const readAs = readDtype(this._dtype);
    const needsCopy = readAs !== this._dtype || !this.isContiguous();
    const source: Tensor = needsCopy ? castKernelHook!(this, readAs) : this;
    try {
      const itemsize = readAs.itemsize;
      return typedArrayOf(await call.readAsync(source._handle(), source._offset * itemsize, this.numel() * itemsize), readAs);
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /** @internal the elements as JS numbers (int64 beyond 2^53 loses precision) */
  _numbers(): ArrayLike<number> {
    const data = this.dataSync();
    return data instanceof BigInt64Array ? Array.from(data, Number) : data;
  }

  /**
   * The value of a one-element tensor, as a number (a bool tensor gives 1 or 0, so that
   * `item()` has one type and strict code needs no cast; `itemBool()` gives true/false).
   * int64 values beyond 2^53 are rounded to the nearest double.
   * @example torch.tensor([[3.5]]).item() // 3.5
   */
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    if (this._dtype.isComplex) throw new TypeError(complexNumberMessage('item'));
    return this._numbers()[0];
  }

  /**
   * The value of a one-element tensor as a boolean (nonzero is true), PyTorch's `bool(t)`.
   * @example if (mask.any().itemBool()) console.log('some set');
   */
  itemBool(): boolean {
    return this.item() !== 0;
  }

  /**
   * The elements as nested arrays.
   * @example torch.eye(2).tolist() // [[1, 0], [0, 1]]
   */
  tolist(): NestedList {
    if (this._dtype.isComplex) throw new TypeError(complexNumberMessage('tolist'));
    const values = this._numbers();
    const isBool = this._dtype === bool;
    const shape = this._shape;
    let position = 0;
    const build = (dim: number): NestedList => {
      if (dim === shape.length) {
        const v = values[position++];
        return isBool ? v !== 0 : v;
      }
      const out: NestedList[] = [];
      for (let i = 0; i < shape[dim]; i++) out.push(build(dim + 1));
      return out;
    };
    return build(0);
  }

  // ---- lifetime ----------------------------------------------------------------------

  /** Whether `dispose()` was called. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Frees this tensor's reference to its storage now (the bytes go when the last view
   * of them is disposed or collected). Idempotent.
   *
   * @example
   * const t = torch.rand(1000, 1000); t.dispose();
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._storage.release();
  }

  /**
   * The caller held the last reference to this tensor outside the autograd graph (an op's
   * internal view or intermediate, a Sequential's activation): it is disposed now if no
   * backward node saved it, or else when the last node that saved it is released, as
   * PyTorch's refcounting frees it. Views of it keep its storage alive either way.
   * @internal
   */
  _letGo(): void {
    if (this._savers === 0) this.dispose();
    else this._freeWithGraph = true;
  }

  /** `using t = torch.rand(3)` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- printing ----------------------------------------------------------------------

  /** @internal the suffixes PyTorch appends after the values */
  _suffixes(): string[] {
    const suffixes: string[] = [];
    if (this._storage.device.type !== 'cpu') suffixes.push(`device='${this._storage.device}'`);
    const dtype = this._dtype;
    const defaultForValues = dtype === float32 || dtype === complex64 || dtype === int64 || dtype === bool;
    if (!defaultForValues || (this.numel() === 0 && dtype !== float32)) suffixes.push(`dtype=torch.${dtype.name}`);
    if (this._gradFn !== null) suffixes.push(`grad_fn=<${this._gradFn.name}>`);
    else if (this._requiresGrad) suffixes.push('requires_grad=True');
    return suffixes;
  }

  /**
   * PyTorch's repr.
   * @example String(torch.tensor([1.5, 2])) // 'tensor([1.5000, 2.0000])'
   */
  toString(): string {
    if (this._disposed) return 'tensor(<disposed>)';
    if (this._dtype.isComplex) {
      const pairs = this.dataSync();
      return formatTensor({ shape: this._shape, get: (i) => pairs[2 * i] as number, imag: (i) => pairs[2 * i + 1] as number, kind: 'float', suffixes: this._suffixes() });
    }
    // int64 prints from its bigints, so values beyond 2^53 keep every digit.
    const values = this._dtype === int64 ? (this.dataSync() as BigInt64Array) : this._numbers();
    const kind = this._dtype.isFloatingPoint ? 'float' : this._dtype === bool ? 'bool' : 'int';
    return formatTensor({ shape: this._shape, get: (i) => values[i], kind, suffixes: this._suffixes() });
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /**
   * `${t}` and String(t) print the tensor; `a + b` and `+t` throw. JS would otherwise turn
   * two tensors into strings and concatenate them, silently, where Python adds them.
   */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === 'string') return this.toString();
    throw new TypeError(
      'a Tensor cannot be used as a JS number or string operand (`a + b` would concatenate their printed forms): use a.add(b), a.mul(b), ... and t.item() for a number',
    );
  }
}

/**
 * A complex tensor's storage seen as its real pairs: shape [...shape, 2] of the parts' float
 * dtype, sharing the storage, the version counter and the base (a view of `z`, with no
 * autograd: torch.viewAsReal records one). Native kernels only ever see complex tensors so.
 * @internal
 */
export function realLayout(z: Tensor): Tensor {
  z._handle();
  const strides = z._strides.map((s) => 2 * s);
  strides.push(1);
  return new Tensor(z._storage, [...z._shape, 2], strides, 2 * z._offset, toRealDType(z._dtype), z._version, z._base ?? z);
}

function readReal<T>(z: Tensor, read: (real: Tensor) => T): T {
  const real = realLayout(z);
  try {
    return read(real);
  } finally {
    real.dispose();
  }
}

function complexNumberMessage(method: string): string {
  return `${method}(): JS has no complex number type, so a complex tensor's values are read as parts: z.real.${method}() and z.imag.${method}(), or dataSync() for the (real, imag) pairs`;
}

/** Wraps a freshly allocated native storage as a contiguous tensor. @internal */
export function fromHandle(handle: Handle, shape: number[], dtype: DType, device: Device, strides?: number[]): Tensor {
  const storage = new StorageRef(handle, device);
  const layout = strides ?? contiguousStrides(shape);
  storage.nbytes = spanElements(shape, layout) * dtype.itemsize;
  return new Tensor(storage, shape, layout, 0, dtype);
}

/** Elements from the first to one past the last that (shape, strides) reaches; 0 when empty. */
function spanElements(shape: readonly number[], strides: readonly number[]): number {
  let span = 1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    span += (shape[i] - 1) * strides[i];
  }
  return span;
}

/** float16 and bfloat16 are read as float32; other dtypes as themselves. */
function readDtype(dtype: DType): DType {
  return dtype === float16 || dtype === bfloat16 ? float32 : dtype;
}

function typedArrayOf(buffer: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case float32: return new Float32Array(buffer);
    case float64: return new Float64Array(buffer);
    case int64: return new BigInt64Array(buffer);
    case int32: return new Int32Array(buffer);
    case int16: return new Int16Array(buffer);
    case int8: return new Int8Array(buffer);
    default: return new Uint8Array(buffer);
  }
}

/** ops/kernels.ts's castKernel, registered there (tensor.ts cannot import ops). @internal */
let castKernelHook: ((x: Tensor, dtype: DType) => Tensor) | null = null;
/** @internal */
export function registerCastKernel(fn: (x: Tensor, dtype: DType) => Tensor): void {
  castKernelHook = fn;
}
