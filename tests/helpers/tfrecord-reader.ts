/**
 * An independent reader of TensorBoard event files, for the SummaryWriter tests: its own
 * CRC-32C, TFRecord frame parser and protobuf wire-format decoder, sharing no code with
 * the writer (nor protobufjs), so that a wrong field number or checksum on the writing
 * side cannot be cancelled out by the same mistake on the reading side.
 *
 * Field numbers follow tensorboard/compat/proto/{event,summary,histogram,tensor,
 * tensor_shape}.proto, tensorboard/plugins/hparams/{plugin_data,api}.proto and
 * google/protobuf/struct.proto.
 */
import fs from 'node:fs';
import path from 'node:path';

// ---- CRC-32C and TFRecord framing ----------------------------------------------------

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli). @example crc32c(Buffer.from('123456789')) === 0xe3069283 */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15, add 0xa282ead8. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 0x100000000;
}

/** The records of a TFRecord file, each checked against both masked CRCs. */
export function readRecords(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const records: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new Error(`${file}: truncated header at ${pos}`);
    const header = buf.subarray(pos, pos + 8);
    const length = Number(buf.readBigUInt64LE(pos));
    if (buf.readUInt32LE(pos + 8) !== maskedCrc32c(header)) throw new Error(`${file}: bad length CRC at ${pos}`);
    const start = pos + 12;
    if (start + length + 4 > buf.length) throw new Error(`${file}: truncated record at ${pos}`);
    const data = buf.subarray(start, start + length);
    if (buf.readUInt32LE(start + length) !== maskedCrc32c(data)) throw new Error(`${file}: bad data CRC at ${pos}`);
    records.push(data);
    pos = start + length + 4;
  }
  return records;
}

// ---- protobuf wire format --------------------------------------------------------------

/** One field occurrence: its wire type and raw payload. */
interface Field {
  wire: 0 | 1 | 2 | 5;
  varint: bigint;
  bytes: Buffer;
}

/** Field occurrences by field number, in order. */
type Fields = Map<number, Field[]>;

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

/** Splits a message into its fields (varint, fixed64, length-delimited, fixed32). */
export function decodeFields(buf: Buffer): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    let field: Field;
    if (wire === 0) {
      const [v, next] = readVarint(buf, pos);
      field = { wire, varint: v, bytes: Buffer.alloc(0) };
      pos = next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      field = { wire, varint: 0n, bytes: buf.subarray(pos, pos + size) };
      pos += size;
    } else if (wire === 2) {
      const [len, next] = readVarint(buf, pos);
      field = { wire, varint: 0n, bytes: buf.subarray(next, next + Number(len)) };
      pos = next + Number(len);
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    if (pos > buf.length) throw new Error('field runs past the end of the message');
    const list = fields.get(number) ?? [];
    list.push(field);
    fields.set(number, list);
  }
  return fields;
}

const last = (f: Fields, n: number): Field | undefined => f.get(n)?.at(-1);
const all = (f: Fields, n: number): Field[] => f.get(n) ?? [];
const double = (f: Fields, n: number): number | undefined => last(f, n)?.bytes.readDoubleLE(0);
const float = (f: Fields, n: number): number | undefined => last(f, n)?.bytes.readFloatLE(0);
const varint = (f: Fields, n: number): number | undefined => {
  const v = last(f, n);
  return v === undefined ? undefined : Number(BigInt.asIntN(64, v.varint));
};
const string = (f: Fields, n: number): string | undefined => last(f, n)?.bytes.toString('utf8');
const message = (f: Fields, n: number): Fields | undefined => {
  const v = last(f, n);
  return v === undefined ? undefined : decodeFields(v.bytes);
};

/** A repeated scalar, packed (one length-delimited run) or not. */
function repeated(f: Fields, n: number, size: 4 | 8): number[] {
  const out: number[] = [];
  const read = (b: Buffer, i: number) => (size === 8 ? b.readDoubleLE(i) : b.readFloatLE(i));
  for (const field of all(f, n)) {
    if (field.wire === 2) for (let i = 0; i < field.bytes.length; i += size) out.push(read(field.bytes, i));
    else out.push(read(field.bytes, 0));
  }
  return out;
}

// ---- the messages ------------------------------------------------------------------------

export interface DecodedHistogram {
  min?: number;
  max?: number;
  num?: number;
  sum?: number;
  sumSquares?: number;
  bucketLimit: number[];
  bucket: number[];
}

export interface DecodedValue {
  tag?: string;
  simpleValue?: number;
  pluginName?: string;
  pluginContent?: Buffer;
  image?: { height?: number; width?: number; colorspace?: number; encoded: Buffer };
  histo?: DecodedHistogram;
  tensor?: { dtype?: number; shape: number[]; floatVal: number[]; doubleVal: number[]; stringVal: Buffer[] };
}

export interface DecodedEvent {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  sessionLogStatus?: number;
  values: DecodedValue[];
}

function decodeValue(f: Fields): DecodedValue {
  const out: DecodedValue = { tag: string(f, 1), simpleValue: float(f, 2) };
  const pluginData = message(message(f, 9) ?? new Map(), 1);
  if (pluginData !== undefined) {
    out.pluginName = string(pluginData, 1);
    out.pluginContent = last(pluginData, 2)?.bytes;
  }
  const image = message(f, 4);
  if (image !== undefined) {
    out.image = { height: varint(image, 1), width: varint(image, 2), colorspace: varint(image, 3), encoded: last(image, 4)?.bytes ?? Buffer.alloc(0) };
  }
  const histo = message(f, 5);
  if (histo !== undefined) {
    out.histo = {
      min: double(histo, 1),
      max: double(histo, 2),
      num: double(histo, 3),
      sum: double(histo, 4),
      sumSquares: double(histo, 5),
      bucketLimit: repeated(histo, 6, 8),
      bucket: repeated(histo, 7, 8),
    };
  }
  const tensor = message(f, 8);
  if (tensor !== undefined) {
    const shape = message(tensor, 2);
    out.tensor = {
      dtype: varint(tensor, 1),
      shape: shape === undefined ? [] : all(shape, 2).map((d) => varint(decodeFields(d.bytes), 1) ?? 0),
      floatVal: repeated(tensor, 5, 4),
      doubleVal: repeated(tensor, 6, 8),
      stringVal: all(tensor, 8).map((s) => s.bytes),
    };
  }
  return out;
}

/** An `Event` record, with its summary values decoded. */
export function decodeEvent(record: Buffer): DecodedEvent {
  const f = decodeFields(record);
  const summary = message(f, 5);
  const sessionLog = message(f, 7);
  return {
    wallTime: double(f, 1),
    step: varint(f, 2),
    fileVersion: string(f, 3),
    sessionLogStatus: sessionLog === undefined ? undefined : (varint(sessionLog, 1) ?? 0),
    values: summary === undefined ? [] : all(summary, 1).map((v) => decodeValue(decodeFields(v.bytes))),
  };
}

/** A `google.protobuf.Value` as a JS value (number, string or boolean). */
function structValue(f: Fields): number | string | boolean | undefined {
  if (f.has(2)) return double(f, 2);
  if (f.has(3)) return string(f, 3);
  if (f.has(4)) return varint(f, 4) !== 0;
  return undefined;
}

export interface DecodedHParams {
  version?: number;
  experiment?: { hparams: { name?: string; type?: number; domain?: unknown[] }[]; metricTags: (string | undefined)[] };
  sessionStart?: Record<string, unknown>;
  sessionEndStatus?: number;
}

/** The hparams plugin's `HParamsPluginData`, from a value's plugin content. */
export function decodeHParams(content: Buffer): DecodedHParams {
  const f = decodeFields(content);
  const out: DecodedHParams = { version: varint(f, 1) };
  const experiment = message(f, 2);
  if (experiment !== undefined) {
    out.experiment = {
      hparams: all(experiment, 4).map((h) => {
        const info = decodeFields(h.bytes);
        const domain = message(info, 5);
        return {
          name: string(info, 1),
          type: varint(info, 4),
          domain: domain === undefined ? undefined : all(domain, 1).map((v) => structValue(decodeFields(v.bytes))),
        };
      }),
      metricTags: all(experiment, 5).map((m) => string(message(decodeFields(m.bytes), 1) ?? new Map(), 2)),
    };
  }
  const start = message(f, 3);
  if (start !== undefined) {
    out.sessionStart = {};
    for (const entry of all(start, 1)) {
      const e = decodeFields(entry.bytes);
      out.sessionStart[string(e, 1) ?? ''] = structValue(message(e, 2) ?? new Map());
    }
  }
  const end = message(f, 4);
  if (end !== undefined) out.sessionEndStatus = varint(end, 1) ?? 0;
  return out;
}

// ---- files ------------------------------------------------------------------------------

/** The event files directly in `dir`, by name. */
export function eventFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.startsWith('events.out.tfevents.'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Every event of the one event file in `dir`. */
export function readEvents(dir: string): DecodedEvent[] {
  const files = eventFiles(dir);
  if (files.length !== 1) throw new Error(`expected one event file in ${dir}, found ${files.length}`);
  return readRecords(files[0]).map(decodeEvent);
}
