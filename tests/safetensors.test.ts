// safetensors: the reference's fixture files, round trips of every dtype, byte-identity
// with the reference writer, a third-party (Python) reader, malformed files and a fuzz.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { tensorBytes } from '../src/serialization/bytes.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  serializeSafetensors,
} from '../src/serialization/safetensors.js';
import { mulberry32 as prng } from './helpers/random.js';
import { PYTHON, hasTorch, pythonCanImport } from './helpers/python.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixturesDir = resolve(root, 'tests/fixtures/pytorch');
const fixtures = existsSync(fixturesDir)
  ? readdirSync(fixturesDir).filter((d) => existsSync(join(fixturesDir, d, 'mlp.safetensors')))
  : [];
const hasSafetensors = hasTorch && pythonCanImport('safetensors.torch');
if (fixtures.length === 0) console.warn(`NOTICE: no mlp.safetensors under ${fixturesDir}; fixture tests skipped`);
if (!hasTorch) console.warn(`NOTICE: ${PYTHON} with torch not found; the Python reader test is skipped`);
if (!hasSafetensors) console.warn(`NOTICE: Python package 'safetensors' not importable by ${PYTHON}; the byte-identity test against its writer is skipped`);

const tmp = mkdtempSync(join(tmpdir(), 'flint-safetensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hex = (t: Tensor): string => Buffer.from(tensorBytes(t)).toString('hex');
const latin = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function expectSame(got: Tensor | undefined, want: Tensor): void {
  expect(got).toBeDefined();
  expect(got!.dtype).toBe(want.dtype);
  expect(got!.shape).toEqual(want.shape);
  expect(hex(got!)).toBe(hex(want)); // bit-exact, NaN payloads and -0 included
}

/** One tensor of each flint dtype, with edge values. */
function everyDtype(): Record<string, Tensor> {
  return {
    f32: torch.tensor([1.5, -0, Infinity, -Infinity, NaN, 3.4e38, 1e-45], { dtype: torch.float32 }),
    f64: torch.tensor([Math.PI, -0, 1e308, 5e-324, NaN], { dtype: torch.float64 }),
    f16: torch.tensor([1, 0.5, -2, 65504, 6e-8], { dtype: torch.float16 }),
    bf16: torch.tensor([1, -3.5, 1e38], { dtype: torch.bfloat16 }),
    i64: torch.tensor([0n, -1n, 2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n], { dtype: torch.int64 }),
    i32: torch.tensor([[0, -1], [2 ** 31 - 1, -(2 ** 31)]], { dtype: torch.int32 }),
    i16: torch.tensor([-32768, 32767, 5], { dtype: torch.int16 }),
    i8: torch.tensor([-128, 127, 0], { dtype: torch.int8 }),
    u8: torch.tensor([0, 255, 7], { dtype: torch.uint8 }),
    b: torch.tensor([true, false, true]),
  };
}

/** A file from a header given as text, with an optional forced header length. */
function rawFile(header: string | Uint8Array, data: Uint8Array | number = 0, n?: bigint): Uint8Array {
  const json = typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(n ?? BigInt(json.length));
  const body = typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data);
  return Buffer.concat([head, json, body]);
}

const entry = (dtype: string, shape: unknown, offsets: unknown): unknown => ({ dtype, shape, data_offsets: offsets });
const fileOf = (h: Record<string, unknown>, data: number): Uint8Array => rawFile(JSON.stringify(h), data);

describe.skipIf(fixtures.length === 0)('the reference fixture mlp.safetensors', () => {
  it.each(fixtures)('%s: loads and matches expected.json, and re-encodes byte for byte', (dir) => {
    const bytes = readFileSync(join(fixturesDir, dir, 'mlp.safetensors'));
    const expected = JSON.parse(readFileSync(join(fixturesDir, dir, 'expected.json'), 'utf8'))['mlp.safetensors'];
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toBeNull();
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected.items).sort());
    for (const [name, want] of Object.entries<Record<string, unknown>>(expected.items)) {
      const t = tensors.get(name)!;
      expect(t.dtype.name).toBe(want.dtype);
      expect(t.shape).toEqual(want.shape);
      const values = Array.from(t.dataSync() as Float32Array);
      expect(values.slice(0, (want.first as number[]).length)).toEqual(want.first);
      expect(values.reduce((a, v) => a + v, 0)).toBeCloseTo(want.sum as number, 3);
    }
    expect(serializeSafetensors(tensors).equals(bytes)).toBe(true);
    const header = parseSafetensorsHeader(bytes);
    expect(header.entries.map((e) => [e.name, e.code, e.begin, e.end])).toEqual([
      ['0.bias', 'F32', 0, 1024], ['0.weight', 'F32', 1024, 21504],
      ['2.bias', 'F32', 21504, 21544], ['2.weight', 'F32', 21544, 31784],
    ]);
    expect(header.dataStart).toBe(8 + 280);
  });
});

describe('round trips', () => {
  it('every flint dtype, bit for bit, with metadata', () => {
    const x = everyDtype();
    const meta = { format: 'pt', note: 'ü "quoted"\n' };
    const { tensors, metadata } = decodeSafetensors(serializeSafetensors(x, meta));
    expect(metadata).toEqual(meta);
    expect(tensors.size).toBe(Object.keys(x).length);
    for (const [name, t] of Object.entries(x)) expectSame(tensors.get(name), t);
    expect(tensors.get('i64')!.tolist()).toEqual([0, -1, 2 ** 62, -(2 ** 63), 2 ** 63]);
    expect(tensors.get('b')!.tolist()).toEqual([true, false, true]);
  });

  it('0-d, empty, non-contiguous, shared-storage tensors and a Map', () => {
    const base = torch.arange(12).float().reshape(3, 4);
    const x = new Map<string, Tensor>([
      ['scalar', torch.tensor(3.5)],
      ['empty', torch.zeros([0])],
      ['empty2', torch.zeros([2, 0], { dtype: torch.int16 })],
      ['transposed', base.t()],
      ['same', base],
      ['alias', base.view(12)],
    ]);
    const chunks = encodeSafetensors(x);
    expect(chunks.length).toBe(1 + x.size);
    const { tensors, metadata } = decodeSafetensors(Buffer.concat(chunks));
    expect(metadata).toBeNull();
    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect(tensors.get('scalar')!.item()).toBe(3.5);
    expect(tensors.get('empty2')!.shape).toEqual([2, 0]);
    expect(tensors.get('transposed')!.isContiguous()).toBe(true);
    expect(tensors.get('transposed')!.tolist()).toEqual(base.t().tolist());
    for (const [name, t] of x) expectSame(tensors.get(name), t);
  });

  it('an empty dict, and a random-access source that reads each tensor once', () => {
    expect(latin(serializeSafetensors({}))).toBe('\x08\0\0\0\0\0\0\0{}      ');
    expect(decodeSafetensors(serializeSafetensors({})).tensors.size).toBe(0);
    const file = serializeSafetensors(everyDtype());
    const reads: [number, number][] = [];
    const source = { size: file.length, read: (p: number, n: number) => (reads.push([p, n]), file.subarray(p, p + n)) };
    const { tensors } = decodeSafetensors(source, { filter: (name) => name.startsWith('f') });
    expect([...tensors.keys()].sort()).toEqual(['f16', 'f32', 'f64']);
    expect(reads.length).toBe(2 + 3); // length, header, then one read per selected tensor
    expect(() => decodeSafetensors({ size: file.length, read: () => new Uint8Array(3) })).toThrow(
      /^safetensors: read\(0, 8\) returned 3 bytes, expected 8 bytes$/,
    );
  });
});

describe("the reference writer's format", () => {
  it('matches the Rust crate test vectors (compact JSON, space padding to 8)', () => {
    const t = torch.tensor([[[0, 1, 2], [3, 4, 5]]], { dtype: torch.float32 });
    const out = serializeSafetensors({ 'attn.0': t });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(latin(out.subarray(0, 8 + 64))).toBe(`@\0\0\0\0\0\0\0${header}`);
    const padded = serializeSafetensors({ attn0: t.reshape(1, 1, 2, 3) });
    expect(latin(padded.subarray(8, 8 + 72))).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
    expect(latin(serializeSafetensors({}, { framework: 'pt' }))).toBe('(\0\0\0\0\0\0\0{"__metadata__":{"framework":"pt"}}     ');
  });

  it("orders by the reference's dtype enum (descending), then by name as UTF-8 bytes", () => {
    const x = everyDtype();
    const names = parseSafetensorsHeader(serializeSafetensors(x)).entries.map((e) => e.code);
    expect(names).toEqual(['I64', 'F64', 'F32', 'I32', 'BF16', 'F16', 'I16', 'I8', 'U8', 'BOOL']);
    const one = torch.zeros(1);
    const order = parseSafetensorsHeader(serializeSafetensors({ '\uFFFF': one, '\u{10000}': one, b: one, a: one, B: one }));
    expect(order.entries.map((e) => e.name)).toEqual(['B', 'a', 'b', '\uFFFF', '\u{10000}']);
  });

  it('complex64 as C64 (between F32 and F64 in the enum), bit for bit; complex128 has no safetensors dtype', () => {
    const z = torch.complex(torch.tensor([0.5, -1.25, 3]), torch.tensor([2, -0.5, 1e-3]).float());
    const bytes = serializeSafetensors({ z, f32: torch.ones(1), f64: torch.ones(1, { dtype: torch.float64 }) });
    expect(parseSafetensorsHeader(bytes).entries.map((e) => e.code)).toEqual(['F64', 'C64', 'F32']);
    const back = decodeSafetensors(bytes).tensors.get('z')!;
    expectSame(back, z);
    expect(() => serializeSafetensors({ w: z.cdouble() })).toThrow("tensor 'w' has dtype complex128, which safetensors cannot store");
  });

  it.skipIf(!hasSafetensors)('is byte-identical to Python safetensors for the same tensors', () => {
    const x = { ...everyDtype(), scalar: torch.tensor(2.5), empty: torch.zeros([2, 0]), 'ünï.çødé': torch.ones(3) };
    const ours = serializeSafetensors(x, { format: 'pt' });
    const path = join(tmp, 'ours.safetensors');
    writeFileSync(path, ours);
    const script = [
      'import sys, json, struct',
      'from safetensors.torch import load, save',
      'raw = open(sys.argv[1], "rb").read()',
      'n = struct.unpack("<Q", raw[:8])[0]',
      'meta = json.loads(raw[8:8 + n]).get("__metadata__")',
      'sys.stdout.buffer.write(save(load(raw), metadata=meta))',
    ].join('\n');
    const theirs = execFileSync(PYTHON, ['-c', script, path]);
    expect(latin(ours.subarray(0, 400))).toBe(latin(theirs.subarray(0, 400)));
    expect(Buffer.compare(ours, theirs)).toBe(0);
  });

  it.skipIf(!hasTorch)('is read correctly by an independent Python reader (struct + json + torch)', () => {
    const x = { ...everyDtype(), scalar: torch.tensor(-7.25, { dtype: torch.float64 }), empty: torch.zeros([2, 0]), t: torch.arange(6).reshape(2, 3).t() };
    const path = join(tmp, 'reader.safetensors');
    writeFileSync(path, serializeSafetensors(x, { format: 'pt', who: 'flint' }));
    const script = String.raw`
import sys, json, struct, math, torch
DT = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64,
      'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool}
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
assert n % 8 == 0, 'header not padded to 8'
header = json.loads(raw[8:8 + n].decode('utf-8'))
meta = header.pop('__metadata__', None)
data = raw[8 + n:]
pos = 0
for b, e in sorted(tuple(v['data_offsets']) for v in header.values()):
    assert b == pos, 'gap or overlap'
    pos = e
assert pos == len(data), 'trailing bytes'
def enc(v, floating):
    if floating:
        v = float(v)
        return v if math.isfinite(v) else repr(v)
    return str(int(v))
out = {}
for name, info in header.items():
    dt = DT[info['dtype']]
    b, e = info['data_offsets']
    t = torch.frombuffer(bytearray(data[b:e]), dtype=dt) if e > b else torch.empty(0, dtype=dt)
    t = t.reshape(info['shape'])
    out[name] = {'dtype': str(dt), 'shape': list(t.shape), 'values': [enc(v, dt.is_floating_point) for v in t.flatten().tolist()]}
print(json.dumps({'metadata': meta, 'tensors': out}))
`;
    const result = JSON.parse(execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' }));
    expect(result.metadata).toEqual({ format: 'pt', who: 'flint' });
    expect(Object.keys(result.tensors).sort()).toEqual(Object.keys(x).sort());
    for (const [name, t] of Object.entries(x)) {
      const got = result.tensors[name];
      expect(got.dtype).toBe(String(t.dtype));
      expect(got.shape).toEqual(t.shape);
      const want = Array.from(t.dataSync() as ArrayLike<number | bigint>, (v) => {
        if (!t.dtype.isFloatingPoint) return String(v);
        const f = Number(v);
        return Number.isFinite(f) ? f : Number.isNaN(f) ? 'nan' : f > 0 ? 'inf' : '-inf';
      });
      expect(got.values, name).toEqual(want);
    }
  });
});

describe('writer errors', () => {
  it('rejects bad metadata, reserved names and non-tensors', () => {
    const t = torch.zeros(1);
    expect(() => serializeSafetensors({ t }, { n: 3 as unknown as string })).toThrow(
      "safetensors: metadata values must be strings, found 3 (number) for key 'n'",
    );
    expect(() => serializeSafetensors({ __metadata__: t })).toThrow(/^safetensors: '__metadata__' is reserved/);
    expect(() => serializeSafetensors({ t: [1, 2] as unknown as Tensor })).toThrow("safetensors: 't' must be a Tensor, found [1,2]");
    expect(() => serializeSafetensors({ ['\uD800']: t })).toThrow(/lone UTF-16 surrogate/);
  });
});

describe('malformed files', () => {
  const good = serializeSafetensors({ a: torch.ones(4), b: torch.zeros(2, { dtype: torch.int64 }) });
  const n = Number(good.readBigUInt64LE(0));
  const cases: [string, () => Uint8Array, string | RegExp][] = [
    ['cut at 4', () => good.subarray(0, 4), 'safetensors: file is 4 bytes, too short for the 8-byte header length'],
    ['cut at 8', () => good.subarray(0, 8), `safetensors: header length ${n} needs ${n + 8} bytes, but the file has 8`],
    ['cut inside the header', () => good.subarray(0, 30), `safetensors: header length ${n} needs ${n + 8} bytes, but the file has 30`],
    ['cut inside the data', () => good.subarray(0, good.length - 5), `safetensors: file is truncated: the tensors need ${good.length} bytes, but the file has ${good.length - 5}`],
    ['header length 2^40', () => rawFile('{}', 0, 2n ** 40n), 'safetensors: header length 1099511627776 exceeds the 100,000,000-byte limit'],
    ['header length 2^64-1', () => rawFile('{}', 0, 2n ** 64n - 1n), 'safetensors: header length 18446744073709551615 exceeds the 100,000,000-byte limit'],
    ['header length past the end', () => rawFile('{}', 0, 1000n), 'safetensors: header length 1000 needs 1008 bytes, but the file has 10'],
    ['invalid UTF-8', () => rawFile(Uint8Array.from([0x7b, 0xff, 0x7d])), 'safetensors: header (3 bytes) is not valid UTF-8'],
    ['a BOM', () => rawFile('\uFEFF{}'), /^safetensors: header is not valid JSON \(/],
    ['invalid JSON', () => rawFile('{"a":'), /^safetensors: header is not valid JSON \(/],
    ['NUL padding', () => rawFile('{}\0\0\0\0\0\0'), /^safetensors: header is not valid JSON/],
    ['a JSON array', () => rawFile('[1,2]'), 'safetensors: header must be a JSON object, found an array'],
    ['JSON null', () => rawFile('null'), 'safetensors: header must be a JSON object, found null'],
    ['an entry that is not an object', () => rawFile('{"a":5}'), "safetensors: tensor 'a' must be an object with dtype, shape and data_offsets, found 5"],
    ['unknown dtype', () => fileOf({ a: entry('F33', [1], [0, 4]) }, 4), /^safetensors: tensor 'a' has unknown dtype "F33", expected one of BOOL, U8, /],
    ['F8 dtype', () => fileOf({ a: entry('F8_E4M3', [1], [0, 1]) }, 1), "safetensors: tensor 'a' has unsupported dtype F8_E4M3: flint cannot store it"],
    ['U32 dtype', () => fileOf({ a: entry('U32', [1], [0, 4]) }, 4), "safetensors: tensor 'a' has unsupported dtype U32: flint has no unsigned 16/32/64-bit dtype"],
    ['non-string dtype', () => fileOf({ a: entry(7 as unknown as string, [1], [0, 4]) }, 4), /^safetensors: tensor 'a' has dtype 7, expected a string/],
    ['wrong byte length', () => fileOf({ a: entry('F32', [2, 2], [0, 12]) }, 12), "safetensors: tensor 'a' (F32, shape [2, 2]) needs 16 bytes, but data_offsets [0, 12] span 12"],
    ['overlap', () => fileOf({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [8, 24]) }, 24), "safetensors: tensors 'a' and 'b' overlap (bytes 0–16 and 8–24)"],
    ['a hole', () => fileOf({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [16, 24]) }, 24), "safetensors: a hole between 'a' (ends at byte 8) and 'b' (starts at byte 16)"],
    ['a hole at the start', () => fileOf({ b: entry('F32', [2], [8, 16]) }, 16), "safetensors: a hole at the start of the data: the first tensor 'b' starts at byte 8, expected 0"],
    ['trailing bytes', () => Buffer.concat([good, Buffer.alloc(3)]), `safetensors: 3 trailing bytes after the last tensor (data ends at byte ${good.length}, file is ${good.length + 3} bytes)`],
    ['negative shape', () => fileOf({ a: entry('F32', [-1], [0, 0]) }, 0), "safetensors: tensor 'a' has shape [-1], expected an array of non-negative integers"],
    ['float shape', () => fileOf({ a: entry('F32', [1.5], [0, 6]) }, 6), "safetensors: tensor 'a' has shape [1.5], expected an array of non-negative integers"],
    ['string shape', () => fileOf({ a: entry('F32', '4', [0, 16]) }, 16), /^safetensors: tensor 'a' has shape "4", expected an array/],
    ['huge shape', () => fileOf({ a: entry('U8', [2 ** 40, 2 ** 40], [0, 0]) }, 0), /^safetensors: tensor 'a' has shape \[1099511627776, 1099511627776\], too many elements$/],
    ['begin > end', () => fileOf({ a: entry('F32', [0], [8, 4]) }, 8), "safetensors: tensor 'a' has data_offsets [8,4], expected [begin, end] with 0 <= begin <= end"],
    ['missing data_offsets', () => fileOf({ a: { dtype: 'F32', shape: [1] } }, 4), /^safetensors: tensor 'a' has data_offsets undefined/],
    ['three offsets', () => fileOf({ a: entry('F32', [1], [0, 4, 8]) }, 4), /^safetensors: tensor 'a' has data_offsets \[0,4,8\]/],
    ['non-string metadata', () => fileOf({ __metadata__: { x: 1 } }, 0), "safetensors: __metadata__ value for 'x' must be a string, found 1"],
    ['metadata array', () => fileOf({ __metadata__: ['x'] }, 0), 'safetensors: __metadata__ must be an object of strings, found ["x"]'],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    const bytes = make();
    expect(() => decodeSafetensors(bytes)).toThrow(message);
    expect(() => parseSafetensorsHeader(bytes)).toThrow(message);
    try {
      decodeSafetensors(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      if (typeof message === 'string') expect((e as Error).message).toBe(message);
    }
  });

  it('accepts what the reference accepts: unknown entry keys, a __proto__ metadata key, zero-length tensors anywhere', () => {
    const h = '{"__metadata__":{"__proto__":"x"},"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"extra":1},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}';
    const { tensors, metadata } = decodeSafetensors(rawFile(h, Uint8Array.from([1, 2])));
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('x');
    expect(tensors.get('a')!.tolist()).toEqual([1, 2]);
    expect(tensors.get('z')!.shape).toEqual([0]);
  });

  it('reads nonzero BOOL bytes as true', () => {
    const h = '{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}';
    expect(decodeSafetensors(rawFile(h, Uint8Array.from([0, 1, 7]))).tensors.get('m')!.tolist()).toEqual([false, true, true]);
  });
});


describe('fuzz', () => {
  it('3,000 random mutations each load or throw an Error starting with "safetensors:"', () => {
    const base = fixtures.length > 0
      ? readFileSync(join(fixturesDir, fixtures[0], 'mlp.safetensors'))
      : serializeSafetensors(everyDtype(), { format: 'pt' });
    const headerEnd = 8 + Number(base.readBigUInt64LE(0));
    const rand = prng(1234);
    const int = (k: number): number => Math.floor(rand() * k);
    const special = Buffer.from('"[]{},:-.0123456789eE \\\xff\0', 'latin1');
    const lengths = [0n, 1n, 7n, BigInt(headerEnd - 9), BigInt(headerEnd - 7), 2n ** 40n, 2n ** 64n - 1n, 100_000_000n, 100_000_001n];
    const mutate = (src: Buffer): Buffer => {
      const b = Buffer.from(src);
      const inHeader = (): number => int(Math.min(b.length, headerEnd + 16));
      switch (int(8)) {
        case 0: { const i = inHeader(); b[i] ^= 1 << int(8); return b; }
        case 1: { b[inHeader()] = rand() < 0.7 ? special[int(special.length)] : int(256); return b; }
        case 2: return b.subarray(0, int(b.length));
        case 3: return Buffer.concat([b, Buffer.alloc(1 + int(16), int(256))]);
        case 4: { const i = inHeader(); return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + int(8))]); }
        case 5: { const i = inHeader(); return Buffer.concat([b.subarray(0, i), Buffer.from([special[int(special.length)]]), b.subarray(i)]); }
        case 6: { if (b.length >= 8) b.writeBigUInt64LE(lengths[int(lengths.length)]); return b; }
        default: { // rewrite a digit, which shifts offsets and shapes
          const digits = [...b.subarray(8, headerEnd).entries()].filter(([, c]) => c >= 0x30 && c <= 0x39);
          if (digits.length > 0) b[8 + digits[int(digits.length)][0]] = 0x30 + int(10);
          return b;
        }
      }
    };
    const start = performance.now();
    let loaded = 0;
    const bad: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let file = base as Buffer;
      for (let k = 1 + (rand() < 0.3 ? int(3) : 0); k > 0; k--) file = mutate(file);
      try {
        const { tensors } = decodeSafetensors(file);
        for (const t of tensors.values()) t.dispose();
        loaded++;
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith('safetensors:')) bad.push(`#${i}: ${String(e)}`);
      }
    }
    const seconds = (performance.now() - start) / 1000;
    expect(bad.slice(0, 5)).toEqual([]);
    expect(loaded).toBeGreaterThan(100); // the mutations also leave many files valid
    expect(3000 - loaded).toBeGreaterThan(1000);
    expect(seconds).toBeLessThan(10);
  });
});
