/**
 * A random-access reader for the zip archives torch.save writes (see
 * pytorch-formats.md §1). It parses untrusted files, so every offset and size is checked
 * against the file's length before anything is read or allocated, every loop is bounded
 * by the bytes actually present, and every failure is a plain `Error` starting "zip:".
 */
import { readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * Where the archive's bytes come from. `read` must return exactly `length` bytes; the
 * reader never asks for bytes outside `[0, size)`.
 * @example const source: ZipSource = zipSourceFromBuffer(fs.readFileSync('m.pt'));
 */
export interface ZipSource {
  readonly size: number;
  read(position: number, length: number): Uint8Array;
}

/**
 * One file in the archive, as the central directory describes it.
 * @example const e = zip.entry('archive/data/0'); if (e) console.log(e.size);
 */
export interface ZipEntry {
  readonly name: string;
  readonly compressedSize: number;
  readonly size: number;
  /** 0 stored, 8 deflate; anything else fails on read. */
  readonly method: number;
  readonly localHeaderOffset: number;
  readonly crc32: number;
}

/**
 * Options for {@link openZip}.
 * @example openZip(source, { verifyCrc: true })
 */
export interface ZipReadOptions {
  /** Check each entry's CRC-32 on `read`. Off by default, as PyTorch's loader skips it. */
  verifyCrc?: boolean;
}

/**
 * A source over bytes already in memory; reads are views, not copies.
 * @example const zip = openZip(zipSourceFromBuffer(fs.readFileSync('model.pt')));
 */
export function zipSourceFromBuffer(buf: Uint8Array): ZipSource {
  return {
    size: buf.byteLength,
    read(position, length) {
      if (position < 0 || length < 0 || position + length > buf.byteLength) {
        throw new Error(`zip: read of ${length} bytes at offset ${position} is outside the buffer (${buf.byteLength} bytes)`);
      }
      // A plain view even when given a Buffer, so every source yields the same type.
      return new Uint8Array(buf.buffer, buf.byteOffset + position, length);
    },
  };
}

/**
 * A source over an open file, so a multi-gigabyte checkpoint is never loaded whole. Each
 * read gets its own ArrayBuffer (not Node's shared pool), so callers may keep or view it.
 * @example
 * const fd = fs.openSync('model.pt', 'r');
 * const zip = openZip(zipSourceFromFd(fd, fs.fstatSync(fd).size));
 */
export function zipSourceFromFd(fd: number, size: number): ZipSource {
  return {
    size,
    read(position, length) {
      if (position < 0 || length < 0 || position + length > size) {
        throw new Error(`zip: read of ${length} bytes at offset ${position} is outside the file (${size} bytes)`);
      }
      const buf = Buffer.allocUnsafeSlow(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, position + done);
        // A file that shrank under us would otherwise spin here forever.
        if (n <= 0) throw new Error(`zip: file ended at offset ${position + done}, expected ${size} bytes`);
        done += n;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, length);
    },
  };
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
/** One read larger than this could not become a single Buffer; use readRange instead. */
const MAX_READ = 2 ** 31;

function fail(message: string): never {
  throw new Error(`zip: ${message}`);
}

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function u64(b: Uint8Array, at: number, what: string): number {
  const hi = u32(b, at + 4);
  // Beyond 2^53 a JS number silently loses bits, and no real file is that large anyway.
  if (hi >= 0x200000) fail(`${what} ${hi} * 2^32 + ${u32(b, at)} is too large`);
  return hi * 2 ** 32 + u32(b, at);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * An opened archive. Build one with {@link openZip}.
 * @example
 * const zip = openZip(zipSourceFromBuffer(bytes));
 * const pkl = zip.read(zip.entry(`${zip.prefix()}/data.pkl`)!);
 */
export class ZipReader {
  private readonly list: ZipEntry[];
  private readonly byName = new Map<string, ZipEntry>();
  private readonly dataOffsets = new Map<ZipEntry, number>();

  /** @internal use {@link openZip}. */
  constructor(private readonly source: ZipSource, list: ZipEntry[], private readonly verifyCrc: boolean) {
    this.list = list;
    for (const e of list) if (!this.byName.has(e.name)) this.byName.set(e.name, e);
  }

  /**
   * Every entry, in central-directory order (the order torch.save wrote them).
   * @example zip.entries().map((e) => e.name)
   */
  entries(): ZipEntry[] {
    return this.list.slice();
  }

  /**
   * The entry with this exact name (prefix included), or undefined.
   * @example zip.entry('archive/version')
   */
  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /**
   * The folder every entry sits under: the first entry's name up to its first '/'. torch
   * names it after the file, so a loader must not assume 'archive'.
   * @example openZip(zipSourceFromBuffer(fs.readFileSync('mlp.params'))).prefix() // 'mlp'
   */
  prefix(): string {
    const first = this.list[0];
    if (!first) fail('archive has no entries, expected at least data.pkl and version');
    const slash = first.name.indexOf('/');
    if (slash < 0) fail(`first entry '${first.name}' is not inside a folder, expected '<prefix>/...'`);
    return first.name.slice(0, slash);
  }

  /**
   * The file offset where the entry's data starts. It comes from the local header, whose
   * extra field (PyTorch's 'FB' padding) may differ in length from the central one.
   * @example zip.dataOffset(zip.entry('archive/data/0')!) % 64 // 0 for torch ≥ 1.6 files
   */
  dataOffset(entry: ZipEntry): number {
    const cached = this.dataOffsets.get(entry);
    if (cached !== undefined) return cached;
    const size = this.source.size;
    const at = entry.localHeaderOffset;
    if (at + 30 > size) {
      fail(`local header of entry '${entry.name}' at offset ${at} runs past the end of the file (${size} bytes)`);
    }
    const h = this.readAt(at, 30);
    if (u32(h, 0) !== SIG_LOCAL) {
      fail(`bad local header signature for entry '${entry.name}' at offset ${at} (expected 0x04034b50, found 0x${u32(h, 0).toString(16)})`);
    }
    const start = at + 30 + u16(h, 26) + u16(h, 28);
    this.dataOffsets.set(entry, start);
    return start;
  }

  /**
   * The entry's uncompressed bytes (stored or deflated), checked against its declared size.
   * A stored entry from a buffer source is a view of that buffer, not a copy.
   * @example new TextDecoder().decode(zip.read(zip.entry('archive/version')!)) // '3\n'
   */
  read(entry: ZipEntry): Uint8Array {
    const start = this.dataRegion(entry);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) {
        fail(`stored entry '${entry.name}' has compressed size ${entry.compressedSize} but size ${entry.size}, expected them equal`);
      }
      if (entry.size > MAX_READ) fail(`entry '${entry.name}' is ${entry.size} bytes, too large to read at once; use readRange`);
      out = this.readAt(start, entry.size);
    } else if (entry.method === 8) {
      // A few hundred compressed bytes can claim gigabytes; bound what a file may make us allocate.
      const cap = Math.min(entry.compressedSize * 64 + 2 ** 20, MAX_READ);
      if (entry.size > cap) {
        fail(`deflated entry '${entry.name}' declares ${entry.size} bytes from ${entry.compressedSize} compressed bytes, more than the ${cap} allowed`);
      }
      const compressed = this.readAt(start, entry.compressedSize);
      try {
        const b = inflateRawSync(compressed, { maxOutputLength: Math.max(entry.size, 1) });
        out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        fail(`could not inflate entry '${entry.name}' (declared size ${entry.size}): ${e instanceof Error ? e.message : String(e)}`);
      }
      if (out.byteLength !== entry.size) {
        fail(`entry '${entry.name}' inflated to ${out.byteLength} bytes, expected ${entry.size}`);
      }
    } else {
      fail(`unsupported compression method ${entry.method} for entry '${entry.name}' (expected 0 stored or 8 deflate)`);
    }
    if (this.verifyCrc && crc32(out) !== entry.crc32) {
      fail(`CRC-32 mismatch for entry '${entry.name}' (expected 0x${entry.crc32.toString(16)}, found 0x${crc32(out).toString(16)})`);
    }
    return out;
  }

  /**
   * `length` bytes of a stored entry from `start`, so a big storage can be streamed in
   * chunks rather than held twice in memory. Not CRC-checked.
   * @example zip.readRange(e, 0, 1 << 20) // the first MiB of e
   */
  readRange(entry: ZipEntry, start: number, length: number): Uint8Array {
    if (entry.method !== 0) fail(`readRange needs a stored entry, but '${entry.name}' uses method ${entry.method}`);
    if (entry.compressedSize !== entry.size) {
      fail(`stored entry '${entry.name}' has compressed size ${entry.compressedSize} but size ${entry.size}, expected them equal`);
    }
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0 || start + length > entry.size) {
      fail(`range (start ${start}, length ${length}) is outside entry '${entry.name}' (${entry.size} bytes)`);
    }
    if (length > MAX_READ) fail(`range of ${length} bytes is too large to read at once, expected at most ${MAX_READ}`);
    return this.readAt(this.dataRegion(entry) + start, length);
  }

  private dataRegion(entry: ZipEntry): number {
    const start = this.dataOffset(entry);
    if (start + entry.compressedSize > this.source.size) {
      fail(`entry '${entry.name}' data (offset ${start}, size ${entry.compressedSize}) runs past the end of the file (${this.source.size} bytes)`);
    }
    return start;
  }

  private readAt(position: number, length: number): Uint8Array {
    const b = this.source.read(position, length);
    if (b.byteLength !== length) fail(`source returned ${b.byteLength} bytes at offset ${position}, expected ${length}`);
    return b;
  }
}

/**
 * Opens an archive: finds the end record (and the ZIP64 one where fields overflow) and
 * parses the central directory. Entry data is read lazily.
 * @example
 * const zip = openZip(zipSourceFromBuffer(fs.readFileSync('model.pt')));
 * for (const e of zip.entries()) console.log(e.name, e.size);
 */
export function openZip(source: ZipSource, options: ZipReadOptions = {}): ZipReader {
  const size = source.size;
  if (!Number.isSafeInteger(size) || size < 0) fail(`source size ${size} is not a byte count`);
  const read = (position: number, length: number): Uint8Array => {
    const b = source.read(position, length);
    if (b.byteLength !== length) fail(`source returned ${b.byteLength} bytes at offset ${position}, expected ${length}`);
    return b;
  };

  // The end record is 22 bytes plus a comment of at most 65535 bytes, so it lies in the tail.
  const tailLen = Math.min(size, 22 + U16_MAX);
  const tailStart = size - tailLen;
  const tail = read(tailStart, tailLen);
  let end = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (u32(tail, i) === SIG_END && i + 22 + u16(tail, i + 20) <= tailLen) {
      end = i;
      break;
    }
  }
  if (end < 0) fail('end of central directory record not found (not a zip file, or truncated)');
  let count = u16(tail, end + 10);
  let cdSize = u32(tail, end + 12);
  let cdOffset = u32(tail, end + 16);

  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const locAt = tailStart + end - 20;
    if (locAt < 0 || u32(read(locAt, 4), 0) !== SIG_LOCATOR64) {
      fail(`end record has overflowed fields (entries ${count}, size ${cdSize}, offset ${cdOffset}) but no ZIP64 locator precedes it`);
    }
    const rec64 = u64(read(locAt + 8, 8), 0, 'ZIP64 end record offset');
    if (rec64 + 56 > locAt) {
      fail(`ZIP64 end record at offset ${rec64} (56 bytes) runs past its locator at offset ${locAt}`);
    }
    const r = read(rec64, 56);
    if (u32(r, 0) !== SIG_END64) {
      fail(`bad ZIP64 end record signature at offset ${rec64} (expected 0x06064b50, found 0x${u32(r, 0).toString(16)})`);
    }
    if (count === U16_MAX) count = u64(r, 32, 'ZIP64 entry count');
    if (cdSize === U32_MAX) cdSize = u64(r, 40, 'ZIP64 central directory size');
    if (cdOffset === U32_MAX) cdOffset = u64(r, 48, 'ZIP64 central directory offset');
  }

  if (cdOffset + cdSize > size) {
    fail(`central directory at offset ${cdOffset} (length ${cdSize}) runs past the end of the file (${size} bytes)`);
  }
  // Each record is at least 46 bytes, which bounds the loop below by the bytes really there.
  if (count * 46 > cdSize) {
    fail(`central directory claims ${count} entries but its ${cdSize} bytes hold at most ${Math.floor(cdSize / 46)}`);
  }
  if (cdSize > MAX_READ) fail(`central directory of ${cdSize} bytes is too large, expected at most ${MAX_READ}`);
  const cd = read(cdOffset, cdSize);
  const list: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdSize) fail(`central directory record ${i} at offset ${cdOffset + p} runs past the directory's end`);
    if (u32(cd, p) !== SIG_CENTRAL) {
      fail(`bad central directory header signature at offset ${cdOffset + p} (expected 0x02014b50, found 0x${u32(cd, p).toString(16)})`);
    }
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const next = p + 46 + nameLen + extraLen + u16(cd, p + 32);
    if (next > cdSize) fail(`central directory record ${i} at offset ${cdOffset + p} runs past the directory's end`);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    let compressedSize = u32(cd, p + 20);
    let entrySize = u32(cd, p + 24);
    let localHeaderOffset = u32(cd, p + 42);
    if (compressedSize === U32_MAX || entrySize === U32_MAX || localHeaderOffset === U32_MAX) {
      // ZIP64 extra (id 1) holds, in this order, only the fields saturated above.
      let q = p + 46 + nameLen;
      const extraEnd = q + extraLen;
      let z = -1;
      let zEnd = -1;
      while (q + 4 <= extraEnd) {
        const len = u16(cd, q + 2);
        if (q + 4 + len > extraEnd) fail(`extra field of entry '${name}' runs past its record`);
        if (u16(cd, q) === 1) {
          z = q + 4;
          zEnd = z + len;
          break;
        }
        q += 4 + len;
      }
      const take = (what: string): number => {
        if (z < 0 || z + 8 > zEnd) fail(`entry '${name}' has a 0xFFFFFFFF ${what} but no ZIP64 extra field value for it`);
        const v = u64(cd, z, `entry '${name}' ${what}`);
        z += 8;
        return v;
      };
      if (entrySize === U32_MAX) entrySize = take('size');
      if (compressedSize === U32_MAX) compressedSize = take('compressed size');
      if (localHeaderOffset === U32_MAX) localHeaderOffset = take('local header offset');
    }
    list.push({ name, compressedSize, size: entrySize, method: u16(cd, p + 10), localHeaderOffset, crc32: u32(cd, p + 16) });
    p = next;
  }
  return new ZipReader(source, list, options.verifyCrc ?? false);
}
