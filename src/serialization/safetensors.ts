/**
 * The safetensors format (Hugging Face): a u64 header length, a JSON header, then the raw
 * little-endian tensor bytes. The writer reproduces the reference Rust writer byte for
 * byte; the reader treats every file as hostile and checks the whole header before it
 * allocates a single tensor.
 */
import { tensorBytes } from './bytes.js';
import { DType, bfloat16, bool, complex64, float16, float32, float64, int16, int32, int64, int8, uint8 } from '../tensor/dtype.js';
import { contiguousStrides } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { readTensor, runSync, type Steps } from './steps.js';

/** The reference refuses larger headers, so a hostile length cannot make us allocate 2^64 bytes. */
const MAX_HEADER = 100_000_000;

/**
 * Codes in the reference's `Dtype` enum order, which its writer sorts by (descending), so
 * F32 precedes I32 and I64 precedes F64: itemsize alone would not be byte-identical.
 */
const CODES: readonly (readonly [string, DType])[] = [
  ['BOOL', bool], ['U8', uint8], ['I8', int8], ['I16', int16], ['F16', float16],
  ['BF16', bfloat16], ['I32', int32], ['F32', float32], ['C64', complex64], ['F64', float64], ['I64', int64],
];
const CODE_OF = new Map(CODES.map(([code, d]) => [d, code]));
const RANK_OF = new Map(CODES.map(([, d], i) => [d, i]));
const DTYPE_OF = new Map(CODES.map(([code, d]) => [code, d]));
const UNSIGNED = new Set(['U16', 'U32', 'U64']);
const OTHER = new Set(['F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F4', 'F6_E2M3', 'F6_E3M2']);

/**
 * A tensor's description in a safetensors header; `begin`/`end` are byte offsets from the
 * start of the data section (the file offset is `dataStart + begin`).
 * @example const { entries } = parseSafetensorsHeader(bytes); entries[0].shape;
 */
export interface SafetensorsEntry {
  name: string;
  /** The file's dtype code, e.g. `'F32'`. */
  code: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * A validated header: entries in file order, and where the data section starts.
 * @example const h = parseSafetensorsHeader(bytes); h.dataStart + h.entries[0].begin;
 */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string> | null;
  dataStart: number;
}

/**
 * Random access to a file too big to hold whole: `read` returns exactly `length` bytes.
 * @example const src = { size: fs.fstatSync(fd).size, read: (p, n) => { const b = Buffer.alloc(n); fs.readSync(fd, b, 0, n, p); return b; } };
 */
export interface SafetensorsSource {
  size: number;
  read(position: number, length: number): Uint8Array;
}

/**
 * Which tensors {@link decodeSafetensors} materialises; the rest are never read.
 * @example decodeSafetensors(bytes, { filter: (name) => name.endsWith('.weight') })
 */
export interface DecodeSafetensorsOptions {
  filter?: (name: string, entry: SafetensorsEntry) => boolean;
}

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

/** Shows a hostile value in a message without letting a 100 MB header into it. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle; and String() throws on a null-prototype object (a loaded dict).
    text = Array.isArray(value) ? `an array of length ${value.length}` : typeof value === 'object' && value !== null ? 'an object' : String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Rust strings cannot hold lone surrogates, so the reference could never read them back. */
function checkString(s: string, what: string): void {
  if (/\p{Surrogate}/u.test(s)) fail(`${what} ${show(s)} contains a lone UTF-16 surrogate, which UTF-8 cannot encode`);
}

const utf8 = new TextEncoder();

function entriesOf<T>(items: Record<string, T> | Map<string, T>): [string, T][] {
  if (items instanceof Map) return [...items];
  if (items === null || typeof items !== 'object') fail(`expected a Map or an object of tensors, found ${show(items)}`);
  return Object.entries(items);
}

/**
 * What a safetensors file will hold: the header (length prefix, JSON and padding) and
 * the tensors in the order their bytes follow it (the reference's: dtype, then name;
 * `__metadata__`, if given, comes first in the header). No tensor bytes are read, so a
 * writer can copy them out one at a time.
 * @example const { header, tensors } = planSafetensors({ w: torch.ones(2) });
 */
export function planSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string>,
): { header: Uint8Array; tensors: { name: string; tensor: Tensor }[] } {
  const items = entriesOf(tensors).map(([name, t]) => {
    if (typeof name !== 'string') fail(`tensor names must be strings, found ${show(name)}`);
    if (!(t instanceof Tensor)) fail(`'${name}' must be a Tensor, found ${show(t)}`);
    if (name === '__metadata__') fail(`'__metadata__' is reserved for the metadata map and cannot name a tensor`);
    checkString(name, 'tensor name');
    const code = CODE_OF.get(t.dtype) ?? fail(`tensor '${name}' has dtype ${t.dtype.name}, which safetensors cannot store`);
    return { name, t, code, rank: RANK_OF.get(t.dtype)!, key: utf8.encode(name) };
  });
  // Rust compares names as UTF-8 bytes; JS `<` compares UTF-16 units, which differ above U+FFFF.
  items.sort((a, b) => b.rank - a.rank || Buffer.compare(a.key, b.key));
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      fail(`metadata must be an object mapping strings to strings, found ${show(metadata)}`);
    }
    const pairs = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== 'string') fail(`metadata values must be strings, found ${show(v)} (${typeof v}) for key '${k}'`);
      checkString(k, 'metadata key');
      checkString(v, 'metadata value');
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const { name, t, code } of items) {
    if (t.isDisposed) fail(`tensor '${name}' has been disposed`);
    const bytes = t.numel() * t.dtype.itemsize;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${code}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  // Padding to a multiple of 8 keeps every tensor 8-byte aligned in an mmapped file.
  const n = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + n).fill(0x20, 8 + json.byteLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  head.set(json, 8);
  return { header: head, tensors: items.map(({ name, t }) => ({ name, tensor: t })) };
}

/**
 * The file as chunks, header first then one per tensor, so a caller can stream a model
 * to disk without building one big buffer.
 * @example
 * const chunks = encodeSafetensors({ w: torch.ones(2, 3) }, { format: 'pt' });
 * for (const c of chunks) fs.writeSync(fd, c);
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array[] {
  const plan = planSafetensors(tensors, metadata);
  return [plan.header, ...plan.tensors.map(({ tensor }) => tensorBytes(tensor))];
}

/**
 * The whole file in one Buffer; {@link encodeSafetensors} streams instead.
 * @example fs.writeFileSync('model.safetensors', serializeSafetensors(model.stateDict()));
 */
export function serializeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string>,
): Buffer {
  return Buffer.concat(encodeSafetensors(tensors, metadata));
}

function asSource(source: Uint8Array | SafetensorsSource): SafetensorsSource {
  if (source instanceof Uint8Array) return { size: source.byteLength, read: (p, n) => source.subarray(p, p + n) };
  if (source === null || typeof source !== 'object' || typeof source.read !== 'function') {
    fail(`expected a Uint8Array or a { size, read(position, length) } source, found ${show(source)}`);
  }
  if (!Number.isSafeInteger(source.size) || source.size < 0) fail(`source size must be a non-negative integer, found ${show(source.size)}`);
  return source;
}

function readExactly(src: SafetensorsSource, position: number, length: number): Uint8Array {
  const bytes = src.read(position, length);
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
    fail(`read(${position}, ${length}) returned ${bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : show(bytes)}, expected ${length} bytes`);
  }
  return bytes;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseEntry(name: string, info: unknown): SafetensorsEntry {
  checkString(name, 'tensor name');
  if (!isObject(info)) fail(`tensor '${name}' must be an object with dtype, shape and data_offsets, found ${show(info)}`);
  const code = info.dtype;
  if (typeof code !== 'string') fail(`tensor '${name}' has dtype ${show(code)}, expected a string such as "F32"`);
  const dtype = DTYPE_OF.get(code);
  if (dtype === undefined) {
    if (UNSIGNED.has(code)) fail(`tensor '${name}' has unsupported dtype ${code}: flint has no unsigned 16/32/64-bit dtype`);
    if (OTHER.has(code)) fail(`tensor '${name}' has unsupported dtype ${code}: flint cannot store it`);
    fail(`tensor '${name}' has unknown dtype ${show(code)}, expected one of ${[...DTYPE_OF.keys()].join(', ')}`);
  }
  const { shape, data_offsets: offsets } = info;
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`tensor '${name}' has shape ${show(shape)}, expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`tensor '${name}' has data_offsets ${show(offsets)}, expected [begin, end] with 0 <= begin <= end`);
  }
  let numel = 1;
  for (const s of shape) {
    numel *= s;
    if (numel > Number.MAX_SAFE_INTEGER) fail(`tensor '${name}' has shape [${shape.join(', ')}], too many elements`);
  }
  const [begin, end] = offsets as number[];
  if (end - begin !== numel * dtype.itemsize) {
    fail(`tensor '${name}' (${code}, shape [${shape.join(', ')}]) needs ${numel * dtype.itemsize} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, code, dtype, shape: shape.slice(), begin, end };
}

/** The first top-level key of a valid JSON object text that occurs twice, or null. */
function duplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return null;
}

function parseHeaderFrom(src: SafetensorsSource): SafetensorsHeader {
  if (src.size < 8) fail(`file is ${src.size} bytes, too short for the 8-byte header length`);
  const lengthBytes = readExactly(src, 0, 8);
  const n = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} exceeds the 100,000,000-byte limit`);
  const headerLength = Number(n);
  if (8 + headerLength > src.size) fail(`header length ${headerLength} needs ${8 + headerLength} bytes, but the file has ${src.size}`);
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text so JSON.parse rejects it, as the reference does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readExactly(src, 8, headerLength));
  } catch {
    fail(`header (${headerLength} bytes) is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(json)) fail(`header must be a JSON object, found ${Array.isArray(json) ? 'an array' : show(json)}`);
  // Leading whitespace: valid JSON, but the reference refuses it (InvalidHeaderStart).
  if (!text.startsWith('{')) fail(`header must start with '{', found ${show(text.slice(0, 1))}`);
  // JSON.parse keeps the last of two equal keys, which would leave the first's bytes as
  // an unexplained hole: name the duplicate instead.
  const duplicate = duplicateKey(text);
  if (duplicate !== null) fail(`the header names ${duplicate === '__metadata__' ? "'__metadata__'" : `tensor '${duplicate}'`} twice`);
  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key !== '__metadata__') {
      entries.push(parseEntry(key, value));
      continue;
    }
    if (!isObject(value)) fail(`__metadata__ must be an object of strings, found ${show(value)}`);
    metadata = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') fail(`__metadata__ value for '${k}' must be a string, found ${show(v)}`);
      // defineProperty: a '__proto__' key stays data instead of replacing the prototype.
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  // The reference sorts by (begin, end) and then requires the ranges to tile the data.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of entries) {
    if (e.begin < at && previous) {
      fail(`tensors '${previous.name}' and '${e.name}' overlap (bytes ${previous.begin}–${previous.end} and ${e.begin}–${e.end})`);
    }
    if (e.begin > at) {
      fail(previous
        ? `a hole between '${previous.name}' (ends at byte ${at}) and '${e.name}' (starts at byte ${e.begin})`
        : `a hole at the start of the data: the first tensor '${e.name}' starts at byte ${e.begin}, expected 0`);
    }
    at = e.end;
    previous = e;
  }
  const dataStart = 8 + headerLength;
  if (dataStart + at > src.size) fail(`file is truncated: the tensors need ${dataStart + at} bytes, but the file has ${src.size}`);
  if (dataStart + at < src.size) fail(`${src.size - dataStart - at} trailing bytes after the last tensor (data ends at byte ${dataStart + at}, file is ${src.size} bytes)`);
  return { entries, metadata, dataStart };
}

/**
 * Reads and validates the header alone, touching no tensor data: for listing a file's
 * contents or planning which tensors to load.
 * @example
 * const { entries, metadata } = parseSafetensorsHeader(fs.readFileSync('model.safetensors'));
 * entries.map((e) => `${e.name} ${e.code} [${e.shape}]`);
 */
export function parseSafetensorsHeader(source: Uint8Array | SafetensorsSource): SafetensorsHeader {
  return parseHeaderFrom(asSource(source));
}

/** PyTorch reads any nonzero BOOL byte as true; flint's kernels need exactly 0 or 1. */
function boolBytes(chunk: Uint8Array): Uint8Array {
  return chunk.some((b) => b > 1) ? chunk.map((b) => (b ? 1 : 0)) : chunk;
}

/**
 * The decoder behind `decodeSafetensors`, `torch.load` and `torch.loadSync`: validates
 * the whole header from `src` first, then yields each tensor's byte range (in chunks)
 * and builds the tensors in file order.
 * @example const { tensors } = runSync(safetensorsSteps(src), (r) => src.read(r.position, r.length));
 */
export function* safetensorsSteps(
  src: SafetensorsSource,
  options: DecodeSafetensorsOptions = {},
): Steps<{ tensors: Map<string, Tensor>; metadata: Record<string, string> | null }> {
  const { entries, metadata, dataStart } = parseHeaderFrom(src);
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      if (options.filter && !options.filter(e.name, e)) continue;
      const numel = e.shape.reduce((a, b) => a * b, 1);
      const flat = yield* readTensor(e.dtype, numel, dataStart + e.begin, `tensor '${e.name}'`, e.dtype === bool ? boolBytes : undefined);
      tensors.set(e.name, new Tensor(flat._storage, e.shape.slice(), contiguousStrides(e.shape), 0, e.dtype));
      flat.dispose();
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/**
 * Loads a safetensors file into CPU tensors (in file order), reading each tensor's byte
 * range straight into its storage. Throws an `Error` starting with `safetensors:` for any
 * malformed input.
 * @example
 * const { tensors, metadata } = decodeSafetensors(fs.readFileSync('model.safetensors'));
 * tensors.get('0.weight')!.shape;
 */
export function decodeSafetensors(
  source: Uint8Array | SafetensorsSource,
  options: DecodeSafetensorsOptions = {},
): { tensors: Map<string, Tensor>; metadata: Record<string, string> | null } {
  const src = asSource(source);
  return runSync(safetensorsSteps(src, options), (r) => readExactly(src, r.position, r.length));
}
