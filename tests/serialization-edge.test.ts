/**
 * Checkpoint edge cases: dict keys that are special in JS (`__proto__`), cyclic objects
 * (which PyTorch saves and loads through the pickle memo), and files on which `load`,
 * `loadSync` and `deserialize` must agree value for value, or message for message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { PYTHON, hasTorch, python } from './helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-edge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the PyTorch cases of serialization-edge are skipped`);

/** Every loader, on a file: load, loadSync and deserialize of its bytes. */
async function loadAll(file: string): Promise<unknown[]> {
  return [await torch.load(file), torch.loadSync(file), torch.deserialize(readFileSync(file))];
}

/** An object whose own key is '__proto__' (an object literal would set the prototype instead). */
function withProtoKey(value: unknown, rest: Record<string, unknown>): Record<string, unknown> {
  const obj: Record<string, unknown> = { ...rest };
  Object.defineProperty(obj, '__proto__', { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

describe("a dict key '__proto__' stays an entry (loaded dicts have a null prototype)", () => {
  it('through save and every loader, nested too', async () => {
    const file = join(dir, 'proto.pt');
    torch.saveSync({ outer: withProtoKey(torch.tensor([1, 2]), { a: torch.tensor([3]) }), n: 1 }, file);
    for (const loaded of await loadAll(file)) {
      const { outer } = loaded as { outer: Record<string, Tensor> };
      expect(Object.getPrototypeOf(loaded)).toBeNull();
      expect(Object.getPrototypeOf(outer)).toBeNull();
      expect(Object.keys(outer)).toEqual(['a', '__proto__']);
      expect(Object.prototype.hasOwnProperty.call(outer, '__proto__')).toBe(true);
      expect(outer['__proto__'].tolist()).toEqual([1, 2]);
      expect(outer.a.tolist()).toEqual([3]);
    }
  });

  it('as a safetensors tensor name, with every loader', async () => {
    const file = join(dir, 'proto.safetensors');
    torch.saveSync(withProtoKey(torch.tensor([4, 5], { dtype: torch.int32 }), { b: torch.ones(1) }), file);
    for (const loaded of await loadAll(file)) {
      expect(Object.getPrototypeOf(loaded)).toBeNull();
      expect(Object.keys(loaded as object).sort()).toEqual(['__proto__', 'b']);
      expect((loaded as Record<string, Tensor>)['__proto__'].tolist()).toEqual([4, 5]);
    }
  });

  it('null-prototype dicts work with loadStateDict, tidy, torch.dispose and saving again', () => {
    const net = new torch.nn.Linear(2, 1);
    const sd = torch.deserialize(torch.serialize(net.stateDict())) as Record<string, Tensor>;
    expect(Object.getPrototypeOf(sd)).toBeNull();
    const clone = new torch.nn.Linear(2, 1);
    clone.loadStateDict(sd);
    expect(clone.weight.tolist()).toEqual(net.weight.tolist());
    // tidy keeps the tensors of a returned null-prototype dict.
    const kept = torch.tidy(() => torch.deserialize(torch.serialize({ w: torch.ones(2).mul(3) })) as Record<string, Tensor>);
    expect(kept.w.isDisposed).toBe(false);
    expect(kept.w.tolist()).toEqual([3, 3]);
    // Saving a loaded dict again keeps its keys.
    const again = torch.deserialize(torch.serialize(withProtoKey(torch.ones(1), {}))) as Record<string, Tensor>;
    const twice = torch.deserialize(torch.serialize(again)) as Record<string, Tensor>;
    expect(Object.keys(twice)).toEqual(['__proto__']);
    torch.dispose(kept);
    expect(kept.w.isDisposed).toBe(true);
  });

  it.skipIf(!hasTorch)("PyTorch's dict with a '__proto__' key loads with the entry", () => {
    const file = join(dir, 'py-proto.pt');
    python("import sys, torch; torch.save({'__proto__': torch.arange(3), 'x': 1}, sys.argv[1])", file);
    const loaded = torch.loadSync(file) as Record<string, unknown>;
    expect(Object.keys(loaded)).toEqual(['__proto__', 'x']);
    expect((loaded['__proto__'] as Tensor).tolist()).toEqual([0, 1, 2]);
  });
});

describe('cyclic objects load with their cycles, as PyTorch loads them', () => {
  function cyclic(): Record<string, unknown> {
    const root: Record<string, unknown> = { w: torch.tensor([1.5, 2.5]) };
    const list: unknown[] = [root];
    list.push(list);
    const map = new Map<unknown, unknown>([[1, root]]);
    map.set(2, map);
    Object.assign(root, { self: root, list, map, child: { parent: root } });
    return root;
  }

  it('dicts, lists and Maps that refer to themselves, with every loader', async () => {
    const file = join(dir, 'cycle.pt');
    torch.saveSync(cyclic(), file);
    for (const loaded of await loadAll(file)) {
      const root = loaded as { w: Tensor; self: unknown; list: unknown[]; map: Map<unknown, unknown>; child: { parent: unknown } };
      expect(root.self).toBe(root);
      expect(root.list[0]).toBe(root);
      expect(root.list[1]).toBe(root.list);
      expect(root.map.get(1)).toBe(root);
      expect(root.map.get(2)).toBe(root.map);
      expect(root.child.parent).toBe(root);
      expect(root.w.tolist()).toEqual([1.5, 2.5]);
    }
  });

  it('torch.dispose and tidy walk a loaded cycle without looping', () => {
    const loaded = torch.tidy(() => torch.deserialize(torch.serialize(cyclic()))) as { w: Tensor };
    expect(loaded.w.isDisposed).toBe(false);
    torch.dispose(loaded);
    expect(loaded.w.isDisposed).toBe(true);
  });

  it.skipIf(!hasTorch)('PyTorch loads the cycle flint saved, and flint loads the cycle PyTorch saved', () => {
    const ours = join(dir, 'cycle-flint.pt');
    torch.saveSync(cyclic(), ours);
    const theirs = join(dir, 'cycle-torch.pt');
    const out = python(
      `
import sys, torch
d = torch.load(sys.argv[1])
assert d['self'] is d and d['list'][0] is d and d['list'][1] is d['list'] and d['child']['parent'] is d
assert d['map'][2] is d['map'] and d['map'][1] is d
assert d['w'].tolist() == [1.5, 2.5]
e = {'t': torch.arange(2)}
e['me'] = e
e['l'] = [e]
torch.save(e, sys.argv[2])
print('ok')
`,
      ours,
      theirs,
    );
    expect(out.trim()).toBe('ok');
    const e = torch.loadSync(theirs) as { t: Tensor; me: unknown; l: unknown[] };
    expect(e.me).toBe(e);
    expect(e.l[0]).toBe(e);
    expect(e.t.tolist()).toEqual([0, 1]);
  });
});

/** A safetensors file from a header text and data bytes. */
function safetensors(header: string, data: number[] | number = 0, length?: number): Buffer {
  const json = Buffer.from(header, 'utf8');
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(length ?? json.length));
  return Buffer.concat([head, json, typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data)]);
}

const u8 = (name: string, n: number, begin: number): string => `"${name}":{"dtype":"U8","shape":[${n}],"data_offsets":[${begin},${begin + n}]}`;

/** What a loader returned, as [name, dtype, shape, values] rows, or its error message. */
type Outcome = [string, string, number[], unknown][] | { error: string };

async function outcomes(bytes: Buffer, name: string): Promise<Outcome[]> {
  const file = join(dir, `${name}.bin`);
  writeFileSync(file, bytes);
  const describe = (v: unknown): Outcome =>
    Object.entries(v as Record<string, Tensor>).map(([k, t]) => [k, t.dtype.name, t.shape, t.tolist()]);
  const attempts: (() => Promise<unknown>)[] = [() => torch.load(file), async () => torch.loadSync(file), async () => torch.deserialize(bytes)];
  const out: Outcome[] = [];
  for (const attempt of attempts) {
    try {
      out.push(describe(await attempt()));
    } catch (error) {
      out.push({ error: (error as Error).message });
    }
  }
  return out;
}

describe('load, loadSync and deserialize agree, value for value and message for message', () => {
  const f64 = [...Buffer.from(new Float64Array([2.5]).buffer)];
  const cases: [string, Buffer, Outcome][] = [
    ['a zero-size file', Buffer.alloc(0), { error: 'load: the file is empty' }],
    ['five bytes of nothing', Buffer.from([1, 2, 3, 4, 5]), { error: 'load: not a checkpoint: the file starts with neither a zip signature (PyTorch), a safetensors header, nor a pickle (legacy PyTorch)' }],
    ['empty tensors between others', safetensors(`{"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},${u8('b', 2, 0)},"c":{"dtype":"I64","shape":[0],"data_offsets":[2,2]}}`, [7, 9]), [['a', 'float32', [0, 3], []], ['b', 'uint8', [2], [7, 9]], ['c', 'int64', [0], []]]],
    ['a 0-d tensor', safetensors('{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}', f64), [['s', 'float64', [], 2.5]]],
    ['a header padded with spaces', safetensors(`{${u8('b', 1, 0)}}      `, [5]), [['b', 'uint8', [1], [5]]]],
    ['a header padded with NULs', safetensors(`{${u8('b', 1, 0)}}\0\0`, [5]), { error: `safetensors: header is not valid JSON (Unexpected non-whitespace character after JSON at position ${`{${u8('b', 1, 0)}}`.length})` }],
    ['a header opening with a space', safetensors(` {${u8('b', 1, 0)}}`, [5]), { error: `safetensors: header must start with '{', found " "` }],
    ['a duplicated tensor name', safetensors(`{${u8('a', 1, 0)},${u8('a', 1, 1)}}`, [1, 2]), { error: "safetensors: the header names tensor 'a' twice" }],
    ['a duplicated __metadata__', safetensors('{"__metadata__":{},"__metadata__":{}}'), { error: "safetensors: the header names '__metadata__' twice" }],
    ['overlapping offsets', safetensors(`{${u8('a', 2, 0)},${u8('b', 2, 1)}}`, [1, 2, 3]), { error: "safetensors: tensors 'a' and 'b' overlap (bytes 0–2 and 1–3)" }],
    ['offsets past the end', safetensors(`{${u8('a', 2, 0)}}`, [1]), { error: 'safetensors: file is truncated: the tensors need 63 bytes, but the file has 62' }],
    ['trailing bytes', safetensors(`{${u8('a', 1, 0)}}`, [1, 2]), { error: 'safetensors: 1 trailing bytes after the last tensor (data ends at byte 62, file is 63 bytes)' }],
    ['__metadata__ alone', safetensors('{"__metadata__":{"format":"pt"}}'), []],
    ['__metadata__ is not returned as a tensor', safetensors(`{"__metadata__":{"format":"pt"},${u8('a', 1, 0)}}`, [3]), [['a', 'uint8', [1], [3]]]],
    ['__metadata__ that is not a string map', safetensors('{"__metadata__":{"x":1}}'), { error: "safetensors: __metadata__ value for 'x' must be a string, found 1" }],
    ['BOOL bytes other than 0 and 1', safetensors('{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}', [0, 2, 1]), [['m', 'bool', [3], [false, true, true]]]],
    ['F16 and BF16', safetensors('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"g":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}', [0, 0x3c, 0, 0xc0, 0x80, 0x3f]), [['h', 'float16', [2], [1, -2]], ['g', 'bfloat16', [1], [1]]]],
    ['an unsupported dtype', safetensors('{"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}', 2), { error: "safetensors: tensor 'a' has unsupported dtype U16: flint has no unsigned 16/32/64-bit dtype" }],
    ['a header length over the limit', safetensors('{}', 0, 2 ** 40), { error: 'safetensors: header length 1099511627776 exceeds the 100,000,000-byte limit' }],
  ];

  it.each(cases)('%s', async (name, bytes, expected) => {
    const [viaLoad, viaLoadSync, viaDeserialize] = await outcomes(bytes, name.replace(/\W+/g, '-'));
    expect(viaLoad, 'load').toEqual(expected);
    expect(viaLoadSync, 'loadSync').toEqual(expected);
    expect(viaDeserialize, 'deserialize').toEqual(expected);
  });

  it('a torch archive cut in the middle, and a legacy file cut short', async () => {
    const archive = torch.serialize({ w: torch.arange(64, { dtype: torch.float32 }) });
    const storageAt = archive.indexOf(Buffer.from(new Float32Array([0, 1, 2, 3]).buffer));
    // The storage's first 16 bytes, then the archive's last 200: the directory now points past the end.
    const short = Buffer.concat([archive.subarray(0, storageAt + 16), archive.subarray(archive.length - 200)]);
    const results = await outcomes(short, 'cut-archive');
    const end = archive.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    const [cdSize, cdOffset] = [archive.readUInt32LE(end + 12), archive.readUInt32LE(end + 16)];
    expect(results[0]).toEqual({ error: `zip: central directory at offset ${cdOffset} (length ${cdSize}) runs past the end of the file (${short.length} bytes)` });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);

    const legacy = readFileSync(new URL('./fixtures/pytorch/torch-1.13/mlp_legacy.params', import.meta.url));
    const legacyResults = await outcomes(legacy.subarray(0, legacy.length - 100), 'cut-legacy');
    expect(legacyResults[0]).toEqual({ error: "load: truncated legacy file: storage '170848784' declares 2560 elements past the end of the file" });
    expect(legacyResults[1]).toEqual(legacyResults[0]);
    expect(legacyResults[2]).toEqual(legacyResults[0]);
  });
});
