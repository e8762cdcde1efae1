/**
 * The zip layer under torch.save / torch.load: reading the archives real PyTorch wrote,
 * writing archives PyTorch (and Python's zipfile) accept, and never crashing on corrupt
 * or hostile input.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  createZipWriter,
  openZip,
  writeZipToBuffer,
  zipSourceFromBuffer,
  zipSourceFromFd,
  type ZipReader,
} from '../src/serialization/zip.js';
import { mulberry32 } from './helpers/random.js';

const FIXTURES = new URL('./fixtures/pytorch/', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
if (!hasPython) console.warn(`NOTICE: ${PYTHON} is missing; the Python zipfile checks in zip.test.ts are skipped`);

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
function put32(b: Uint8Array, at: number, v: number): void {
  for (let i = 0; i < 4; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
}
function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}


function zipFixtures(): { folder: string; file: string; path: string }[] {
  const out = [];
  for (const folder of ['torch-2.11', 'torch-1.13']) {
    for (const file of readdirSync(join(FIXTURES, folder)).sort()) {
      const path = join(FIXTURES, folder, file);
      const head = readFileSync(path).subarray(0, 4);
      if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4) out.push({ folder, file, path });
    }
  }
  return out;
}

/** Byte offsets of the end record and of one entry's central record, found by hand (not by the reader under test). */
function layout(b: Uint8Array, name: string): { eocd: number; cd: number } {
  const eocd = b.length - 22;
  expect(u32(b, eocd)).toBe(0x06054b50);
  let p = u32(b, eocd + 16);
  for (let i = 0; i < u16(b, eocd + 10); i++) {
    const n = u16(b, p + 28);
    if (text(b.subarray(p + 46, p + 46 + n)) === name) return { eocd, cd: p };
    p += 46 + n + u16(b, p + 30) + u16(b, p + 32);
  }
  throw new Error(`no central record for ${name}`);
}

/** A minimal one-entry archive with a deflated entry, assembled by hand. */
function deflatedZip(name: string, data: Uint8Array, declaredSize = data.length, comp: Uint8Array = deflateRawSync(data)): Uint8Array {
  const n = bytes(name);
  const local = new Uint8Array(30 + n.length);
  put32(local, 0, 0x04034b50);
  put16(local, 4, 20);
  put16(local, 8, 8);
  put16(local, 26, n.length);
  local.set(n, 30);
  const cd = new Uint8Array(46 + n.length);
  put32(cd, 0, 0x02014b50);
  put16(cd, 10, 8);
  put32(cd, 16, crc32(data));
  put32(cd, 20, comp.length);
  put32(cd, 24, declaredSize);
  put16(cd, 28, n.length);
  cd.set(n, 46);
  const end = new Uint8Array(22);
  put32(end, 0, 0x06054b50);
  put16(end, 8, 1);
  put16(end, 10, 1);
  put32(end, 12, cd.length);
  put32(end, 16, local.length + comp.length);
  return Uint8Array.from(Buffer.concat([local, comp, cd, end]));
}

function readAll(z: ZipReader): Uint8Array[] {
  return z.entries().map((e) => z.read(e));
}

describe('reading archives written by PyTorch', () => {
  for (const { folder, file, path } of zipFixtures()) {
    it(`${folder}/${file}`, () => {
      const buf = readFileSync(path);
      const z = openZip(zipSourceFromBuffer(buf), { verifyCrc: true });
      const prefix = file.slice(0, file.lastIndexOf('.'));
      expect(z.prefix()).toBe(prefix);
      const names = z.entries().map((e) => e.name.slice(prefix.length + 1));
      expect(z.entries().every((e) => e.name.startsWith(`${prefix}/`))).toBe(true);
      const storages = names.filter((n) => n.startsWith('data/'));
      const numbered = storages.map((_, i) => `data/${i}`);
      // torch 1.13 writes the storages in string order of their keys ('10' before '2').
      expect(storages).toEqual(folder === 'torch-2.11' ? numbered : numbered.sort());
      const expected =
        folder === 'torch-2.11'
          ? ['data.pkl', '.format_version', '.storage_alignment', 'byteorder', ...storages, 'version', '.data/serialization_id']
          : ['data.pkl', ...storages, 'version'];
      expect(names).toEqual(expected);
      expect(z.entries().every((e) => e.method === 0 && e.compressedSize === e.size)).toBe(true);
      // Both torch versions align storages, though only 2.11 records it in .storage_alignment.
      for (const e of z.entries()) expect(z.dataOffset(e) % 64, e.name).toBe(0);
      expect(text(z.read(z.entry(`${prefix}/version`)!))).toBe('3\n');
      if (folder === 'torch-2.11') {
        expect(text(z.read(z.entry(`${prefix}/.format_version`)!))).toBe('1');
        expect(text(z.read(z.entry(`${prefix}/.storage_alignment`)!))).toBe('64');
        expect(text(z.read(z.entry(`${prefix}/byteorder`)!))).toBe('little');
      }
      const viaBuffer = readAll(z);
      const fd = openSync(path, 'r');
      try {
        const zf = openZip(zipSourceFromFd(fd, fstatSync(fd).size), { verifyCrc: true });
        expect(zf.entries()).toEqual(z.entries());
        // Buffer.equals: vitest's deep equality is slow on tens of kilobytes.
        readAll(zf).forEach((b, i) => expect(same(b, viaBuffer[i]!), zf.entries()[i]!.name).toBe(true));
        const big = zf.entries().reduce((a, e) => (e.size > a.size ? e : a));
        expect(same(zf.readRange(big, 1, big.size - 2), viaBuffer[zf.entries().indexOf(big)]!.subarray(1, big.size - 1))).toBe(true);
      } finally {
        closeSync(fd);
      }
      // The writer reproduces torch's file exactly from the same entries.
      expect(same(writeZipToBuffer(z.entries().map((e, i) => [e.name, viaBuffer[i]!])), buf)).toBe(true);
    });
  }
});

describe('writing archives', () => {
  const payload = (() => {
    const r = mulberry32(7);
    return Uint8Array.from({ length: 1000 }, () => Math.floor(r() * 256));
  })();
  const entries: [string, Uint8Array | Uint8Array[]][] = [
    ['archive/data.pkl', bytes('\x80\x02}q\x00.')],
    ['archive/.format_version', bytes('1')],
    ['archive/.storage_alignment', bytes('64')],
    ['archive/byteorder', bytes('little')],
    ['archive/data/0', [payload.subarray(0, 300), payload.subarray(300, 300), payload.subarray(300)]],
    ['archive/data/1', new Uint8Array(0)],
    ['archive/version', bytes('3\n')],
    ['archive/.data/serialization_id', bytes('1234567890123456789012345678901234567890')],
  ];
  const file = writeZipToBuffer(entries);

  it('round trips, with 64-byte aligned data and the header fields PyTorch writes', () => {
    const z = openZip(zipSourceFromBuffer(file), { verifyCrc: true });
    expect(z.prefix()).toBe('archive');
    expect(z.entries().map((e) => e.name)).toEqual(entries.map(([n]) => n));
    expect(z.read(z.entry('archive/data/0')!)).toEqual(payload);
    expect(z.read(z.entry('archive/data/1')!)).toEqual(new Uint8Array(0));
    expect(text(z.read(z.entry('archive/byteorder')!))).toBe('little');
    expect(z.readRange(z.entry('archive/data/0')!, 990, 10)).toEqual(payload.subarray(990));
    for (const e of z.entries()) {
      expect(z.dataOffset(e) % 64, e.name).toBe(0);
      const h = file.subarray(e.localHeaderOffset);
      // Version needed 0, method 0, DOS time and date 0, CRC and sizes deferred to the descriptor.
      expect([u16(h, 4), u16(h, 8), u16(h, 10), u16(h, 12), u32(h, 14), u32(h, 18), u32(h, 22)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
      // miniz skips the data descriptor (and its flag bit) for empty entries.
      expect(u16(h, 6)).toBe(e.size ? 0x0808 : 0x0800);
      const extra = h.subarray(30 + u16(h, 26), 30 + u16(h, 26) + u16(h, 28));
      expect([u16(extra, 0), u16(extra, 2) + 4]).toEqual([0x4246, extra.length]);
      expect(extra.subarray(4).every((c) => c === 0x5a)).toBe(true);
      const d = z.dataOffset(e) + e.size;
      if (e.size) expect([u32(file, d), u32(file, d + 4), u32(file, d + 8), u32(file, d + 12)]).toEqual([0x08074b50, e.crc32, e.size, e.size]);
    }
    const n = file.length;
    expect(u32(file, n - 22 - 20 - 56)).toBe(0x06064b50);
    expect([u16(file, n - 98 + 12), u16(file, n - 98 + 14)]).toEqual([0x031e, 45]);
    expect(u32(file, n - 22 - 20)).toBe(0x07064b50);
    expect(u32(file, n - 22 - 20 + 8)).toBe(n - 98);
    expect(u32(file, n - 22)).toBe(0x06054b50);
    expect(u16(file, n - 22 + 10)).toBe(entries.length);
  });

  it.skipIf(!hasPython)("Python's zipfile accepts it and its CRCs", () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-zip-'));
    try {
      writeFileSync(join(dir, 'archive.pt'), file);
      const out = execFileSync(PYTHON, ['-c', 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip()); print(z.namelist())', join(dir, 'archive.pt')], { encoding: 'utf8' });
      const [crcResult, names] = out.trim().split('\n');
      expect(crcResult).toBe('None');
      expect(names).toBe(`[${entries.map(([n]) => `'${n}'`).join(', ')}]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams chunks to the sink and rejects misuse', () => {
    const seen: number[] = [];
    const w = createZipWriter({ write: (b) => void seen.push(b.length) });
    w.addEntry('a/x', [new Uint8Array(5), new Uint8Array(7)]);
    expect(() => w.addEntry('a/x', new Uint8Array(1))).toThrow("zip: duplicate entry name 'a/x'");
    expect(() => w.addEntry('', new Uint8Array(1))).toThrow('zip: entry name must be 1 to 65535 UTF-8 bytes, found 0');
    w.finish();
    expect(seen.slice(1, 3)).toEqual([5, 7]);
    expect(seen.reduce((a, b) => a + b)).toBe(w.bytesWritten);
    expect(() => w.addEntry('a/y', new Uint8Array(1))).toThrow("zip: cannot add entry 'a/y' after finish()");
    expect(() => w.finish()).toThrow('zip: finish() called twice');
    expect(() => createZipWriter({ write() {} }, { alignment: 0 })).toThrow('zip: alignment must be an integer from 1 to 4096, found 0');
    const empty = writeZipToBuffer([]);
    expect(empty.length).toBe(98);
    expect(openZip(zipSourceFromBuffer(empty)).entries()).toEqual([]);
    expect(() => openZip(zipSourceFromBuffer(empty)).prefix()).toThrow('zip: archive has no entries');
    const utf8 = writeZipToBuffer([['mödel/dätä.pkl', bytes('x')]]);
    expect(openZip(zipSourceFromBuffer(utf8)).prefix()).toBe('mödel');
  });

  // A sparse file keeps this at a few MiB on disk; the cost is the CRC of 4 GiB (about 3 s).
  it('uses ZIP64 fields for a 4 GiB entry and the offsets after it, as miniz does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-zip-'));
    const path = join(dir, 'big.pt');
    const fd = openSync(path, 'w+');
    try {
      const zero = new Uint8Array(1 << 26);
      let pos = 0;
      const w = createZipWriter({
        write: (b) => {
          if (b !== zero) writeSync(fd, b, 0, b.length, pos);
          pos += b.length;
        },
      });
      w.addEntry('big/data.pkl', bytes('pickle'));
      w.addEntry('big/data/0', new Array<Uint8Array>(64).fill(zero));
      w.addEntry('big/data/1', payload);
      w.addEntry('big/version', bytes('3\n'));
      w.finish();
      const z = openZip(zipSourceFromFd(fd, fstatSync(fd).size), { verifyCrc: true });
      const [pkl, big, after, version] = z.entries();
      expect(big!.size).toBe(2 ** 32);
      expect(after!.localHeaderOffset).toBeGreaterThan(2 ** 32);
      for (const e of z.entries()) expect(z.dataOffset(e) % 64, e.name).toBe(0);
      expect(text(z.read(pkl!))).toBe('pickle');
      expect(z.read(after!)).toEqual(payload);
      expect(text(z.read(version!))).toBe('3\n');
      expect(z.readRange(big!, 2 ** 32 - 4, 4)).toEqual(new Uint8Array(4));
      const src = zipSourceFromFd(fd, pos);
      // Local header: ZIP64 field (size, then 0 for the deferred compressed size), then 'FB'.
      const lh = src.read(big!.localHeaderOffset, 30 + 10 + 24);
      expect([u16(lh, 40), u16(lh, 42), u32(lh, 44), u32(lh, 48), u32(lh, 52), u32(lh, 56), u16(lh, 60)]).toEqual([1, 16, 0, 1, 0, 0, 0x4246]);
      // Descriptors carry 8-byte sizes whenever the entry has a local ZIP64 field.
      const d0 = src.read(z.dataOffset(big!) + 2 ** 32, 24);
      expect([u32(d0, 0), u32(d0, 4), u32(d0, 8), u32(d0, 12), u32(d0, 16), u32(d0, 20)]).toEqual([0x08074b50, big!.crc32, 0, 1, 0, 1]);
      const d1 = src.read(z.dataOffset(after!) + 1000, 24);
      expect([u32(d1, 8), u32(d1, 12), u32(d1, 16), u32(d1, 20)]).toEqual([1000, 0, 1000, 0]);
      // Only the offset overflows here, so the ZIP64 field holds just that.
      const lh1 = src.read(after!.localHeaderOffset, 30 + 10 + 16);
      expect([u16(lh1, 40), u16(lh1, 42), u32(lh1, 44) + 2 ** 32 * u32(lh1, 48), u16(lh1, 52)]).toEqual([1, 8, after!.localHeaderOffset, 0x4246]);
      const end = src.read(pos - 22, 22);
      expect([u16(end, 10), u32(end, 12) < 0xffffffff, u32(end, 16)]).toEqual([4, true, 0xffffffff]);
      if (hasPython) {
        const out = execFileSync(PYTHON, ['-c', "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(z.namelist()); print(z.read('big/data/1').hex()); print(z.getinfo('big/data/0').file_size)", path], { encoding: 'utf8' });
        expect(out.trim().split('\n')).toEqual([
          "['big/data.pkl', 'big/data/0', 'big/data/1', 'big/version']",
          Buffer.from(payload).toString('hex'),
          String(2 ** 32),
        ]);
      }
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('corrupt and unusual archives fail with clear errors', () => {
  const base = readFileSync(join(FIXTURES, 'torch-2.11', 'tensor.pt'));
  const open = (b: Uint8Array, verifyCrc = false): ZipReader => openZip(zipSourceFromBuffer(b), { verifyCrc });
  const mutate = (f: (b: Uint8Array) => void): Uint8Array => {
    const b = Uint8Array.from(base);
    f(b);
    return b;
  };
  const { eocd, cd } = layout(base, 'tensor/data/0');
  const data0 = () => open(base).entry('tensor/data/0')!;

  it('not a zip, or truncated', () => {
    for (const cut of [0, 10, 100, base.length >> 1, base.length - 22, base.length - 1]) {
      expect(() => open(base.subarray(0, cut)), `cut at ${cut}`).toThrow('zip: end of central directory record not found (not a zip file, or truncated)');
    }
    for (const other of ['mlp_legacy.params', 'mlp.safetensors']) {
      expect(() => open(readFileSync(join(FIXTURES, 'torch-2.11', other)))).toThrow('zip: end of central directory record not found');
    }
  });

  it('bad end record fields', () => {
    const cdSize = u32(base, eocd + 12);
    expect(() => open(mutate((b) => put32(b, eocd + 16, 0x7ffffff0)))).toThrow(
      `zip: central directory at offset ${0x7ffffff0} (length ${cdSize}) runs past the end of the file (${base.length} bytes)`,
    );
    expect(() => open(mutate((b) => put32(b, eocd + 16, base.length)))).toThrow(`zip: central directory at offset ${base.length}`);
    expect(() => open(mutate((b) => put32(b, eocd + 16, 0)))).toThrow('zip: bad central directory header signature at offset 0');
    expect(() => open(mutate((b) => put16(b, eocd + 10, 0xfffe)))).toThrow(`zip: central directory claims 65534 entries but its ${cdSize} bytes hold at most`);
    expect(() => open(mutate((b) => put16(b, eocd + 10, 8)))).toThrow('zip: central directory record 7');
  });

  it('overflowed end record fields go through the ZIP64 records', () => {
    // PyTorch always writes the ZIP64 records, so saturating the classic fields changes nothing.
    const viaZip64 = open(mutate((b) => (put16(b, eocd + 10, 0xffff), put32(b, eocd + 16, 0xffffffff))));
    expect(viaZip64.entries()).toEqual(open(base).entries());
    expect(() => open(mutate((b) => (put32(b, eocd + 16, 0xffffffff), put32(b, eocd - 20, 0))))).toThrow('but no ZIP64 locator precedes it');
    expect(() => open(mutate((b) => (put32(b, eocd + 16, 0xffffffff), put32(b, eocd - 20 - 56, 0))))).toThrow('zip: bad ZIP64 end record signature at offset');
    expect(() => open(mutate((b) => (put32(b, eocd + 16, 0xffffffff), put32(b, eocd - 20 + 8, 0xfffff))))).toThrow('zip: ZIP64 end record at offset 1048575');
  });

  it('bad entries', () => {
    expect(() => readAll(open(mutate((b) => (put32(b, cd + 20, 100000), put32(b, cd + 24, 100000)))))).toThrow(
      `zip: entry 'tensor/data/0' data (offset 704, size 100000) runs past the end of the file (${base.length} bytes)`,
    );
    expect(() => readAll(open(mutate((b) => put32(b, cd + 24, 0xffffffff))))).toThrow("zip: entry 'tensor/data/0' has a 0xFFFFFFFF size but no ZIP64 extra field value for it");
    expect(() => readAll(open(mutate((b) => put32(b, cd + 24, 31))))).toThrow("zip: stored entry 'tensor/data/0' has compressed size 32 but size 31");
    expect(() => readAll(open(mutate((b) => put16(b, cd + 10, 12))))).toThrow("zip: unsupported compression method 12 for entry 'tensor/data/0'");
    expect(() => readAll(open(mutate((b) => put32(b, data0().localHeaderOffset, 0x12345678))))).toThrow(
      "zip: bad local header signature for entry 'tensor/data/0' at offset 598 (expected 0x04034b50, found 0x12345678)",
    );
    expect(() => readAll(open(mutate((b) => put32(b, cd + 42, base.length - 10))))).toThrow(
      `zip: local header of entry 'tensor/data/0' at offset ${base.length - 10} runs past the end of the file`,
    );
    expect(() => readAll(open(mutate((b) => put16(b, cd + 30, 200))))).toThrow('zip: central directory record 4');
    const flipped = mutate((b) => (b[open(base).dataOffset(data0())] ^= 1));
    expect(readAll(open(flipped)).length).toBe(7);
    expect(() => readAll(open(flipped, true))).toThrow("zip: CRC-32 mismatch for entry 'tensor/data/0'");
    const z = open(base);
    expect(() => z.readRange(data0(), 30, 3)).toThrow("zip: range (start 30, length 3) is outside entry 'tensor/data/0' (32 bytes)");
    expect(() => z.readRange(data0(), -1, 1)).toThrow('zip: range (start -1');
  });

  it('deflated entries', () => {
    const data = bytes('tensor data '.repeat(500));
    const z = open(deflatedZip('archive/data/0', data), true);
    const e = z.entry('archive/data/0')!;
    expect([e.method, e.size, e.compressedSize < data.length]).toEqual([8, data.length, true]);
    expect(z.read(e)).toEqual(data);
    expect(() => z.readRange(e, 0, 1)).toThrow("zip: readRange needs a stored entry, but 'archive/data/0' uses method 8");
    expect(() => readAll(open(deflatedZip('a/b', data, 2 ** 31 - 1)))).toThrow("zip: deflated entry 'a/b' declares 2147483647 bytes from");
    expect(() => readAll(open(deflatedZip('a/b', data, data.length + 1)))).toThrow(`zip: entry 'a/b' inflated to ${data.length} bytes, expected ${data.length + 1}`);
    expect(() => readAll(open(deflatedZip('a/b', data, data.length - 1)))).toThrow("zip: could not inflate entry 'a/b'");
    expect(() => readAll(open(deflatedZip('a/b', data, data.length, new Uint8Array([0xff, 0xff, 0xff]))))).toThrow("zip: could not inflate entry 'a/b'");
  });

  it('a file that is shorter than its declared size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-zip-'));
    const path = join(dir, 'short.pt');
    writeFileSync(path, base.subarray(0, 1000));
    const fd = openSync(path, 'r');
    try {
      expect(() => openZip(zipSourceFromFd(fd, base.length))).toThrow('zip: file ended at offset 1000, expected 1570 bytes');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fuzz: mutated archives either load or throw a zip: Error', () => {
  const cases: [string, Uint8Array, number][] = [
    ['torch-2.11 dtypes.pt', readFileSync(join(FIXTURES, 'torch-2.11', 'dtypes.pt')), 900],
    ['torch-1.13 tensor.pt', readFileSync(join(FIXTURES, 'torch-1.13', 'tensor.pt')), 800],
    ['deflated', deflatedZip('archive/data.pkl', bytes('abc'.repeat(300))), 300],
  ];
  const interesting = [0, 1, 0xff, 0xffff, 0xffffffff, 0x7fffffff, 0x80000000, 0x04034b50, 0x06064b50, 0x07064b50];
  for (const [label, base, count] of cases) {
    it(`${label}: ${count} mutations`, () => {
      const rand = mulberry32(0x5eed + count);
      const int = (n: number): number => Math.floor(rand() * n);
      const bad: string[] = [];
      let loaded = 0;
      for (let i = 0; i < count; i++) {
        let b = Uint8Array.from(base);
        // Half the mutations hit the last 400 bytes, where the directories live.
        const at = (): number => (rand() < 0.5 ? int(b.length) : Math.max(0, b.length - 1 - int(400)));
        const edits = 1 + int(3);
        for (let k = 0; k < edits; k++) {
          const kind = int(4);
          const p = at();
          if (kind === 0) b[p] = int(256);
          else if (kind === 1) for (let j = 0; j < 1 + int(8) && p + j < b.length; j++) b[p + j] = int(256);
          else if (kind === 2) {
            const v = rand() < 0.7 ? interesting[int(interesting.length)]! : int(b.length * 2);
            if (p + 4 <= b.length) put32(b, p, v);
          } else b = b.subarray(0, int(b.length));
        }
        try {
          const z = openZip(zipSourceFromBuffer(b), { verifyCrc: rand() < 0.5 });
          for (const e of z.entries()) expect(z.read(e).length).toBe(e.size);
          if (z.entries().length) z.prefix();
          loaded++;
        } catch (e) {
          if (!(e instanceof Error) || !e.message.startsWith('zip:')) bad.push(`case ${i}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        }
      }
      expect(bad).toEqual([]);
      // Both outcomes must occur, or the mutations are not exercising the parser.
      expect(loaded).toBeGreaterThan(0);
      expect(loaded).toBeLessThan(count);
    });
  }
});
