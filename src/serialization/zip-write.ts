/**
 * Writes zip archives laid out exactly as torch.save's (PyTorch's miniz writer) lays them
 * out, so that torch.load, Python's zipfile and flint's reader all accept them and a
 * file saved from the same entries is byte-identical to torch's. See pytorch-formats.md §1.
 */
import { crc32 } from 'node:zlib';

/**
 * Where archive bytes go, in order. A chunk passed to `write` may be the caller's own
 * data (not a copy), so a sink must consume it before returning.
 * @example const sink: ZipSink = { write: (b) => fs.writeSync(fd, b) };
 */
export interface ZipSink {
  write(bytes: Uint8Array): void;
}

/**
 * Options for {@link createZipWriter}.
 * @example createZipWriter(sink, { alignment: 64 })
 */
export interface ZipWriterOptions {
  /** Each entry's data starts at a multiple of this (PyTorch: 64). 1 disables padding. */
  alignment?: number;
}

/**
 * A streaming archive writer. Call `addEntry` for each file, then `finish` once.
 * @example
 * const w = createZipWriter(sink);
 * w.addEntry('archive/version', new TextEncoder().encode('3\n'));
 * w.finish();
 */
export interface ZipWriter {
  addEntry(name: string, data: Uint8Array | Uint8Array[]): void;
  /**
   * Starts an entry of `size` bytes whose data comes later, chunk by chunk, so that a
   * large storage never has to be in memory whole. Nothing else may be added until its
   * `end()`, which checks that exactly `size` bytes came.
   */
  beginEntry(name: string, size: number): ZipEntryWriter;
  finish(): void;
  /** Bytes handed to the sink so far. */
  readonly bytesWritten: number;
}

/**
 * The data of one entry, streamed (see `ZipWriter.beginEntry`).
 * @example const e = zip.beginEntry('archive/data/0', 8); e.write(a); e.write(b); e.end();
 */
export interface ZipEntryWriter {
  write(chunk: Uint8Array): void;
  end(): void;
}

const U16_MAX = 0xffff;
/** miniz switches an entry to ZIP64 at 0xFFFFFFFF (not 2^32), and so must we to match it. */
const U32_MAX = 0xffffffff;

function fail(message: string): never {
  throw new Error(`zip: ${message}`);
}

class Bytes {
  readonly b: Uint8Array;
  p = 0;
  constructor(n: number) {
    this.b = new Uint8Array(n);
  }
  u16(v: number): this {
    this.b[this.p++] = v & 0xff;
    this.b[this.p++] = (v >>> 8) & 0xff;
    return this;
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(Math.floor(v / 0x10000) & 0xffff);
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  bytes(src: Uint8Array): this {
    this.b.set(src, this.p);
    this.p += src.byteLength;
    return this;
  }
}

const encoder = new TextEncoder();

/**
 * Starts an archive on `sink`. Entries are STORED with flags 0x0808 (data descriptor
 * after the data, UTF-8 names), their data aligned via an 'FB' extra field; `finish`
 * writes the central directory and always the ZIP64 end records, as PyTorch does.
 * @example
 * const chunks: Uint8Array[] = [];
 * const w = createZipWriter({ write: (b) => chunks.push(b.slice()) });
 * w.addEntry('archive/data/0', [part1, part2]);
 * w.finish();
 */
export function createZipWriter(sink: ZipSink, options: ZipWriterOptions = {}): ZipWriter {
  const alignment = options.alignment ?? 64;
  if (!Number.isInteger(alignment) || alignment < 1 || alignment > 4096) {
    fail(`alignment must be an integer from 1 to 4096, found ${alignment}`);
  }
  let pos = 0;
  let finished = false;
  let open = false;
  const central: Uint8Array[] = [];
  let centralSize = 0;
  const names = new Set<string>();
  const emit = (b: Uint8Array): void => {
    sink.write(b);
    pos += b.byteLength;
  };

  const writer: ZipWriter = {
    get bytesWritten() {
      return pos;
    },

    addEntry(name, data) {
      const chunks = Array.isArray(data) ? data : [data];
      let size = 0;
      for (const c of chunks) size += c.byteLength;
      const entry = writer.beginEntry(name, size);
      for (const c of chunks) entry.write(c);
      entry.end();
    },

    beginEntry(name, size) {
      if (finished) fail(`cannot add entry '${name}' after finish()`);
      if (open) fail(`cannot add entry '${name}' before the entry being written is ended`);
      if (names.has(name)) fail(`duplicate entry name '${name}'`);
      if (!Number.isSafeInteger(size) || size < 0) fail(`entry size must be a non-negative integer, found ${size}`);
      const nameBytes = encoder.encode(name);
      if (nameBytes.byteLength === 0 || nameBytes.byteLength > U16_MAX) {
        fail(`entry name must be 1 to 65535 UTF-8 bytes, found ${nameBytes.byteLength}`);
      }
      names.add(name);

      const offset = pos;
      const bigSize = size >= U32_MAX;
      const bigOffset = offset >= U32_MAX;
      // miniz's local ZIP64 field carries the size and a compressed size of 0 (it is only
      // known later, and flag 0x08 sends readers to the descriptor), then the offset.
      const zip64Len = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
      // PyTorch's getPadding: where data would start with an empty 'FB' field, rounded up.
      const unpadded = offset + 30 + nameBytes.byteLength + zip64Len + 4;
      const padding = (alignment - (unpadded % alignment)) % alignment;
      // miniz sets the descriptor flag only when there is data; an empty entry has none.
      const flags = size > 0 ? 0x0808 : 0x0800;

      const h = new Bytes(30 + nameBytes.byteLength + zip64Len + 4 + padding);
      // Version needed 0, time and date 0, CRC and sizes 0: exactly what torch's files hold.
      h.u32(0x04034b50).u16(0).u16(flags).u16(0).u16(0).u16(0).u32(0).u32(0).u32(0);
      h.u16(nameBytes.byteLength).u16(zip64Len + 4 + padding).bytes(nameBytes);
      if (zip64Len) {
        h.u16(1).u16(zip64Len - 4);
        if (bigSize) h.u64(size).u64(0);
        if (bigOffset) h.u64(offset);
      }
      h.u16(0x4246).u16(padding).bytes(new Uint8Array(padding).fill(0x5a));
      emit(h.b);

      let crc = 0;
      let written = 0;
      open = true;
      return {
        write(chunk) {
          if (!open) fail(`cannot write to entry '${name}' after its end()`);
          if (written + chunk.byteLength > size) fail(`entry '${name}' was declared as ${size} bytes, but more came`);
          crc = crc32(chunk, crc);
          written += chunk.byteLength;
          if (chunk.byteLength) emit(chunk);
        },
        end() {
          if (!open) fail(`entry '${name}' ended twice`);
          if (written !== size) fail(`entry '${name}' was declared as ${size} bytes, but ${written} came`);
          open = false;
          if (size > 0) {
            const d = new Bytes(zip64Len ? 24 : 16).u32(0x08074b50).u32(crc);
            if (zip64Len) d.u64(size).u64(size);
            else d.u32(size).u32(size);
            emit(d.b);
          }

          // The central copy of the ZIP64 field lists only the overflowing values, real ones.
          const cz = zip64Len;
          const c = new Bytes(46 + nameBytes.byteLength + cz);
          c.u32(0x02014b50).u16(0).u16(0).u16(flags).u16(0).u16(0).u16(0).u32(crc);
          c.u32(Math.min(size, U32_MAX)).u32(Math.min(size, U32_MAX));
          c.u16(nameBytes.byteLength).u16(cz).u16(0).u16(0).u16(0).u32(0).u32(Math.min(offset, U32_MAX));
          c.bytes(nameBytes);
          if (cz) {
            c.u16(1).u16(cz - 4);
            if (bigSize) c.u64(size).u64(size);
            if (bigOffset) c.u64(offset);
          }
          central.push(c.b);
          centralSize += c.b.byteLength;
          if (centralSize >= U32_MAX) fail(`central directory would reach ${centralSize} bytes, more than 0xFFFFFFFF`);
        },
      };
    },

    finish() {
      if (finished) fail('finish() called twice');
      if (open) fail('finish() called before the entry being written was ended');
      finished = true;
      const count = central.length;
      // miniz records offset 0 for the directory of an empty archive.
      const cdOffset = count ? pos : 0;
      const cd = new Bytes(centralSize);
      for (const c of central) cd.bytes(c);
      emit(cd.b);
      const end64 = pos;
      const e = new Bytes(56 + 20 + 22);
      // Made by 0x031E (Unix, 3.0) and needed 45: the only version fields miniz sets.
      e.u32(0x06064b50).u64(44).u16(0x031e).u16(45).u32(0).u32(0);
      e.u64(count).u64(count).u64(centralSize).u64(cdOffset);
      e.u32(0x07064b50).u32(0).u64(end64).u32(1);
      e.u32(0x06054b50).u16(0).u16(0).u16(Math.min(count, U16_MAX)).u16(Math.min(count, U16_MAX));
      e.u32(Math.min(centralSize, U32_MAX)).u32(Math.min(cdOffset, U32_MAX)).u16(0);
      emit(e.b);
    },
  };
  return writer;
}

/**
 * A whole archive in memory, for small files and tests.
 * @example
 * const bytes = writeZipToBuffer([['archive/version', new TextEncoder().encode('3\n')]]);
 */
export function writeZipToBuffer(entries: [string, Uint8Array | Uint8Array[]][], options?: ZipWriterOptions): Uint8Array {
  const parts: Uint8Array[] = [];
  // Chunks may be the caller's arrays, so keep references only until the final copy.
  const w = createZipWriter({ write: (b) => void parts.push(b) }, options);
  for (const [name, data] of entries) w.addEntry(name, data);
  w.finish();
  const out = new Uint8Array(w.bytesWritten);
  let p = 0;
  for (const b of parts) {
    out.set(b, p);
    p += b.byteLength;
  }
  return out;
}
