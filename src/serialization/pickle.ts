/**
 * A pickle writer for what torch.save writes: protocol 2 opcodes only, because
 * PyTorch's `weights_only=True` loader (the default since 2.6) refuses FRAME, MEMOIZE,
 * SHORT_BINUNICODE and STACK_GLOBAL. Tensors go through the caller's `tensor` hook,
 * which emits the `_rebuild_tensor_v2` call and its storage's persistent id.
 */
import { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { QuantizedTensor } from '../quantization/qtensor.js';
import { QScheme } from '../quantization/qscheme.js';
import { ScriptObject } from './script-object.js';

/** Where the pickled opcodes go; grows as needed. */
export class PickleWriter {
  private buffer = new Uint8Array(1 << 12);
  private length = 0;
  private readonly memo = new Map<object, number>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly tensorHook: (writer: PickleWriter, t: Tensor | QuantizedTensor) => void) {}

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  /** Appends raw bytes. */
  raw(...bytes: number[]): void {
    this.reserve(bytes.length);
    for (const b of bytes) this.buffer[this.length++] = b;
  }

  private u32(value: number): void {
    this.raw(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }

  /** GLOBAL module\nname\n */
  global(module: string, name: string): void {
    const text = this.encoder.encode(`${module}\n${name}\n`);
    this.raw(0x63);
    this.reserve(text.length);
    this.buffer.set(text, this.length);
    this.length += text.length;
  }

  /** MARK */
  mark(): void {
    this.raw(0x28);
  }

  /** TUPLE (from the last MARK) */
  tuple(): void {
    this.raw(0x74);
  }

  /** REDUCE */
  reduce(): void {
    this.raw(0x52);
  }

  /** BINPERSID */
  persistentId(): void {
    this.raw(0x51);
  }

  /** An empty `collections.OrderedDict()`, as tensors' backward_hooks. */
  emptyOrderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.raw(0x29); // EMPTY_TUPLE
    this.reduce();
  }

  /** Memoizes `obj` (BINPUT / LONG_BINPUT) so that a second reference is a BINGET. */
  private put(obj: object): void {
    const index = this.memo.size;
    this.memo.set(obj, index);
    if (index < 256) this.raw(0x71, index);
    else {
      this.raw(0x72);
      this.u32(index);
    }
  }

  private get(index: number): void {
    if (index < 256) this.raw(0x68, index);
    else {
      this.raw(0x6a);
      this.u32(index);
    }
  }

  /** Writes any supported value. */
  value(v: unknown, depth = 0): void {
    if (depth > 1000) throw new Error('save: the object is nested too deeply (or contains a cycle)');
    if (v === null || v === undefined) {
      if (v === undefined) throw new TypeError('save: cannot save undefined (use null)');
      this.raw(0x4e);
      return;
    }
    switch (typeof v) {
      case 'boolean':
        this.raw(v ? 0x88 : 0x89);
        return;
      case 'number':
        this.number(v);
        return;
      case 'bigint':
        this.long(v);
        return;
      case 'string':
        this.string(v);
        return;
      case 'object':
        break;
      default:
        throw new TypeError(`save: cannot save a value of type ${typeof v}`);
    }
    const obj = v as object;
    const seen = this.memo.get(obj);
    if (seen !== undefined) {
      this.get(seen);
      return;
    }
    if (obj instanceof Tensor || obj instanceof QuantizedTensor) {
      this.tensorHook(this, obj);
      this.put(obj);
    } else if (obj instanceof ScriptObject) {
      // torch.ScriptObject.__new__, then BUILD with (state tuple, class name), as pickle
      // writes a TorchBind object; the state's own arrays are lists.
      this.global('torch', 'ScriptObject');
      this.raw(0x29, 0x81); // EMPTY_TUPLE, NEWOBJ
      this.put(obj);
      this.mark();
      this.mark();
      for (const item of obj.state) this.value(item, depth + 1);
      this.tuple();
      this.string(obj.qualifiedName);
      this.tuple();
      this.raw(0x62); // BUILD
    } else if (obj instanceof QScheme) {
      this.global('torch', obj.name); // torch.per_tensor_affine and friends
    } else if (obj instanceof DType) {
      this.global('torch', obj.name); // torch.float32 and friends, which weights_only allows
    } else if (Array.isArray(obj)) {
      this.raw(0x5d); // EMPTY_LIST
      this.put(obj);
      this.items(obj, depth, 0x65);
    } else if (obj instanceof Map) {
      this.raw(0x7d); // EMPTY_DICT
      this.put(obj);
      this.dictItems([...obj.entries()], depth);
    } else if (Object.getPrototypeOf(obj) === Object.prototype || Object.getPrototypeOf(obj) === null) {
      const metadata = (obj as { _metadata?: unknown })._metadata;
      const entries = Object.entries(obj);
      if (metadata !== undefined && !Object.prototype.propertyIsEnumerable.call(obj, '_metadata')) {
        // A state dict: PyTorch's OrderedDict with `_metadata` set by BUILD.
        this.emptyOrderedDict();
        this.put(obj);
        this.dictItems(entries, depth);
        this.raw(0x7d); // EMPTY_DICT (the BUILD state)
        this.string('_metadata');
        this.orderedDict(metadata as Record<string, unknown>, depth + 1);
        this.raw(0x73, 0x62); // SETITEM, BUILD
      } else {
        this.raw(0x7d);
        this.put(obj);
        this.dictItems(entries, depth);
      }
    } else {
      throw new TypeError(`save: cannot save a ${obj.constructor?.name ?? 'object'} (only tensors, arrays, plain objects, Maps, numbers, strings, booleans and null)`);
    }
  }

  private orderedDict(entries: Record<string, unknown>, depth: number): void {
    this.emptyOrderedDict();
    const list = Object.entries(entries);
    // PyTorch orders `_metadata` as the modules were visited: the root ('') first.
    list.sort((a, b) => (a[0] === '' ? -1 : b[0] === '' ? 1 : 0));
    this.dictItems(list, depth);
  }

  private items(values: unknown[], depth: number, appendsOp: number): void {
    for (let i = 0; i < values.length; i += 1000) {
      this.mark();
      for (const item of values.slice(i, i + 1000)) this.value(item, depth + 1);
      this.raw(appendsOp);
    }
  }

  private dictItems(entries: [unknown, unknown][], depth: number): void {
    for (let i = 0; i < entries.length; i += 1000) {
      this.mark();
      for (const [k, item] of entries.slice(i, i + 1000)) {
        this.value(k, depth + 1);
        this.value(item, depth + 1);
      }
      this.raw(0x75); // SETITEMS
    }
  }

  /** BINFLOAT: a Python float, also for a whole number (a scale of 1.0). */
  float(v: number): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, v, false);
    this.raw(0x47, ...bytes);
  }

  /** A Python int for whole numbers (as JS cannot tell 1 from 1.0), else a float. */
  number(v: number): void {
    if (Number.isInteger(v) && Number.isSafeInteger(v)) {
      if (v >= 0 && v < 256) this.raw(0x4b, v);
      else if (v >= 0 && v < 65536) this.raw(0x4d, v & 0xff, v >> 8);
      else if (v >= -0x80000000 && v <= 0x7fffffff) {
        this.raw(0x4a);
        this.u32(v >>> 0);
      } else this.long(BigInt(v));
      return;
    }
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, v, false);
    this.raw(0x47, ...bytes);
  }

  /** LONG1: little-endian two's complement, as short as possible. */
  long(v: bigint): void {
    const out: number[] = [];
    let x = v;
    for (;;) {
      const byte = Number(x & 0xffn);
      out.push(byte);
      x >>= 8n;
      if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
    }
    this.raw(0x8a, out.length, ...out);
  }

  /** BINUNICODE */
  string(v: string): void {
    const text = this.encoder.encode(v);
    this.raw(0x58);
    this.u32(text.length);
    this.reserve(text.length);
    this.buffer.set(text, this.length);
    this.length += text.length;
  }

  /** PROTO 2 ... value ... STOP, as bytes. */
  finish(): Uint8Array {
    this.raw(0x2e);
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Pickles `value` (protocol 2), with tensors written by `tensorHook`.
 * @example const bytes = pickle({ a: 1 }, () => { throw new Error('no tensors'); });
 */
export function pickle(value: unknown, tensorHook: (writer: PickleWriter, t: Tensor | QuantizedTensor) => void): Uint8Array {
  const writer = new PickleWriter(tensorHook);
  writer.raw(0x80, 2);
  writer.value(value);
  return writer.finish();
}
