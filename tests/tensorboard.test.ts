// torch.utils.tensorboard.SummaryWriter: the event files it writes, read back with an
// independent reader of the format (tests/helpers/tfrecord-reader.ts), and its errors.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collectGarbage } from './helpers/memory.js';
import * as torch from '../src/index.js';
import { crc32c, decodeEvent, decodeHParams, eventFiles, maskedCrc32c, readEvents, readRecords, type DecodedEvent } from './helpers/tfrecord-reader.js';

const { SummaryWriter } = torch.utils.tensorboard;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-tensorboard-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => path.join(root, `run${dirCount++}`);

/** The events after the file_version record. */
const summaries = (dir: string): DecodedEvent[] => readEvents(dir).slice(1);

// ---- a PNG reader, for the images ----------------------------------------------------------

const CRC32_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** Width, height, channels and the unfiltered pixel bytes of an 8-bit RGB(A) PNG. */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let pos = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  for (;;) {
    const length = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + length);
    expect(png.readUInt32BE(pos + 8 + length)).toBe(crc32(png.subarray(pos + 4, pos + 8 + length)));
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    pos += 12 + length;
    if (type === 'IEND') break;
  }
  expect(pos).toBe(png.length);
  if (ihdr === null) throw new Error('no IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect(ihdr[8]).toBe(8);
  const channels = { 2: 3, 6: 4 }[ihdr[9]];
  if (channels === undefined) throw new Error(`colour type ${ihdr[9]}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      pixels[y * stride + x] = (raw[y * (stride + 1) + 1 + x] + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

describe('the independent reader', () => {
  it('computes the standard CRC-32C check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    // RFC 3720, B.4: 32 bytes of zeros, and of 0xff.
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('rejects a record whose data CRC does not match', () => {
    const file = path.join(root, 'corrupt.tfrecord');
    const data = Buffer.from('hello');
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(5n);
    const crc = (b: Buffer) => {
      const out = Buffer.alloc(4);
      out.writeUInt32LE(maskedCrc32c(b));
      return out;
    };
    fs.writeFileSync(file, Buffer.concat([header, crc(header), data, crc(data)]));
    expect(readRecords(file).map(String)).toEqual(['hello']);
    fs.writeFileSync(file, Buffer.concat([header, crc(header), Buffer.from('jello'), crc(data)]));
    expect(() => readRecords(file)).toThrow(/bad data CRC/);
  });
});

describe('SummaryWriter', () => {
  it('names the event file as TensorBoard does and starts it with the file_version event', () => {
    const dir = freshDir();
    const before = Date.now() / 1000;
    const writer = new SummaryWriter(dir, { filenameSuffix: '.v2' });
    expect(writer.getLogdir()).toBe(dir);
    const files = eventFiles(dir);
    expect(files).toHaveLength(1);
    const escapedHost = os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(path.basename(files[0])).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${escapedHost}\\.${process.pid}\\.\\d+\\.v2$`));
    // Written at once, before any flush.
    const [first] = readRecords(files[0]).map(decodeEvent);
    expect(first.fileVersion).toBe('brain.Event:2');
    expect(first.wallTime).toBeGreaterThanOrEqual(before - 1);
    expect(first.wallTime).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    writer.close();
  });

  it('addScalar writes tag, step, wall time and a float32 simple_value', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addScalar('train/loss', 0.1, 7, 1700000000.25);
    writer.addScalar('train/loss', torch.tensor([[2.5]]), 8);
    writer.addScalar('zero', 0, 0);
    writer.close();
    const [a, b, c] = summaries(dir);
    expect(a.step).toBe(7);
    expect(a.wallTime).toBe(1700000000.25);
    expect(a.values).toHaveLength(1);
    expect(a.values[0].tag).toBe('train/loss');
    expect(a.values[0].simpleValue).toBe(Math.fround(0.1));
    expect(b.step).toBe(8);
    expect(b.values[0].simpleValue).toBe(2.5);
    expect(Math.abs(b.wallTime! - Date.now() / 1000)).toBeLessThan(60);
    // A zero in a oneof is still written, or TensorBoard would see no value at all.
    expect(c.values[0].simpleValue).toBe(0);
  });

  it('addScalar newStyle writes a tensor for the scalars plugin, float32 or float64', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addScalar('acc', 0.1, 1, undefined, { newStyle: true });
    writer.addScalar('acc', 0.1, 2, undefined, { newStyle: true, doublePrecision: true });
    writer.close();
    const [single, double] = summaries(dir).map((e) => e.values[0]);
    expect(single.pluginName).toBe('scalars');
    expect(single.simpleValue).toBeUndefined();
    expect(single.tensor).toMatchObject({ dtype: 1, floatVal: [Math.fround(0.1)], doubleVal: [] });
    expect(double.tensor).toMatchObject({ dtype: 2, doubleVal: [0.1], floatVal: [] });
  });

  it('addScalars writes each series to its own sub-directory under the main tag', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addScalars('loss/all', { train: 0.5, val: torch.tensor(0.75) }, 3, 1700000001);
    writer.addScalars('loss/all', { train: 0.25 }, 4);
    writer.close();
    expect(fs.readdirSync(dir).filter((name) => !name.startsWith('events.')).sort()).toEqual(['loss_all_train', 'loss_all_val']);
    const train = summaries(path.join(dir, 'loss_all_train'));
    const val = summaries(path.join(dir, 'loss_all_val'));
    expect(train.map((e) => [e.step, e.values[0].tag, e.values[0].simpleValue])).toEqual([
      [3, 'loss/all', 0.5],
      [4, 'loss/all', 0.25],
    ]);
    expect(train[0].wallTime).toBe(1700000001);
    expect(val.map((e) => [e.step, e.values[0].tag, e.values[0].simpleValue, e.wallTime])).toEqual([[3, 'loss/all', 0.75, 1700000001]]);
    // The main file holds no scalars of its own.
    expect(summaries(dir)).toEqual([]);
  });

  it("addHistogram bins as PyTorch's 'tensorflow' default and trims empty buckets", () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    const values = [-1, 0, 0.5, 2, 2];
    writer.addHistogram('w', torch.tensor(values), 5);
    writer.addHistogram('w', values, 6, { walltime: 1700000002 });
    writer.close();
    const [fromTensor, fromArray] = summaries(dir);
    expect(fromArray.wallTime).toBe(1700000002);
    const histo = fromTensor.values[0].histo!;
    expect(fromTensor.values[0].tag).toBe('w');
    expect(fromTensor.step).toBe(5);
    expect(fromArray.values[0].histo).toEqual(histo);
    expect(histo).toMatchObject({ min: -1, max: 2, num: 5, sum: 3.5, sumSquares: 9.25 });

    // The edges, written out independently: ±1e-12 * 1.1^k below 1e20, mirrored, and 0.
    const positive: number[] = [];
    for (let v = 1e-12; v < 1e20; v *= 1.1) positive.push(v);
    const edges = [...positive.map((v) => -v).reverse(), 0, ...positive];
    // numpy: bin i is [edges[i], edges[i + 1]).
    const counts = new Array<number>(edges.length - 1).fill(0);
    for (const v of values) counts[edges.findIndex((e, i) => e <= v && v < edges[i + 1])]++;
    const first = counts.findIndex((c) => c > 0);
    const lastBin = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
    // One empty bucket stays on the left, so that its limit, the leftmost edge, is kept.
    expect(histo.bucketLimit).toEqual(edges.slice(first, lastBin + 2));
    expect(histo.bucket).toEqual([0, ...counts.slice(first, lastBin + 1)]);
    expect(histo.bucket.reduce((a, b) => a + b)).toBe(5);
    const zeroBucket = histo.bucketLimit.indexOf(1e-12);
    expect(histo.bucket[zeroBucket]).toBe(1); // the 0 sits in [0, 1e-12)
    expect(histo.bucket.at(-1)).toBe(2);
    expect(histo.bucketLimit.at(-2)! <= 2 && 2 < histo.bucketLimit.at(-1)!).toBe(true);
  });

  it('addHistogram with a bin count uses equal-width bins over the range, as np.histogram', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addHistogram('h', [0, 1, 2, 3, 4], 0, { bins: 4 });
    writer.addHistogram('h', [0, 1, 2, 3, 4, 5, 6, 7], 1, { bins: 8, maxBins: 3 });
    writer.close();
    const [counted, merged] = summaries(dir).map((e) => e.values[0].histo!);
    // Edges 0..4; the last bin includes 4; the first bucket is the empty one on the left.
    expect(counted.bucketLimit).toEqual([0, 1, 2, 3, 4]);
    expect(counted.bucket).toEqual([0, 1, 1, 1, 2]);
    // 8 bins down to at most 3: runs of 8 // 3 = 2 bins, edges 0, 1.75, 3.5, 5.25, 7.
    expect(merged.bucketLimit).toEqual([0, 1.75, 3.5, 5.25, 7]);
    expect(merged.bucket).toEqual([0, 2, 2, 2, 2]);
  });

  it('addImage encodes a PNG, scaling floats by 255 and repeating grey into RGB', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    // CHW, 3 x 2 x 2: R = [[1, 0.5], [0, 0.2]], G = 0.25, B = 2 (clipped to 255).
    const chw = torch.tensor([
      [
        [1, 0.5],
        [0, 0.2],
      ],
      [
        [0.25, 0.25],
        [0.25, 0.25],
      ],
      [
        [2, 2],
        [2, -1],
      ],
    ]);
    writer.addImage('rgb', chw, 1);
    writer.addImage('hwc', torch.tensor([[[10, 20, 30, 40]], [[50, 60, 70, 80]]], { dtype: torch.uint8 }), 2, undefined, { dataformats: 'HWC' });
    writer.addImage('grey', torch.tensor([[0, 1, 0.5]]), 3, undefined, { dataformats: 'HW' });
    writer.close();
    const [rgb, hwc, grey] = summaries(dir).map((e) => e.values[0]);

    expect(rgb.tag).toBe('rgb');
    expect(rgb.image).toMatchObject({ height: 2, width: 2, colorspace: 3 });
    const a = decodePng(rgb.image!.encoded);
    expect([a.width, a.height, a.channels]).toEqual([2, 2, 3]);
    // float32(v) * 255, clipped, truncated: 0.5 -> 127, 0.2 -> 51, 0.25 -> 63, 2 -> 255, -1 -> 0.
    expect([...a.pixels]).toEqual([255, 63, 255, 127, 63, 255, 0, 63, 255, 51, 63, 0]);

    // uint8 is not scaled; 4 channels stay RGBA.
    expect(hwc.image).toMatchObject({ height: 2, width: 1, colorspace: 4 });
    const b = decodePng(hwc.image!.encoded);
    expect([b.width, b.height, b.channels]).toEqual([1, 2, 4]);
    expect([...b.pixels]).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);

    expect(grey.image).toMatchObject({ height: 1, width: 3, colorspace: 3 });
    expect([...decodePng(grey.image!.encoded).pixels]).toEqual([0, 0, 0, 255, 255, 255, 127, 127, 127]);
  });

  it("addText writes a string tensor for the text plugin under '<tag>/text_summary'", () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addText('notes', 'héllo ✓ **markdown**', 4, 1700000003);
    writer.close();
    const [event] = summaries(dir);
    expect(event.step).toBe(4);
    expect(event.wallTime).toBe(1700000003);
    const value = event.values[0];
    expect(value.tag).toBe('notes/text_summary');
    expect(value.pluginName).toBe('text');
    expect(value.tensor?.dtype).toBe(7); // DT_STRING
    expect(value.tensor?.shape).toEqual([1]);
    expect(value.tensor?.stringVal.map((s) => s.toString('utf8'))).toEqual(['héllo ✓ **markdown**']);
  });

  it('addHparams writes the hparams records and the metrics into a run sub-directory', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addHparams(
      { lr: 0.1, optimizer: 'adam', nesterov: true, batch: torch.tensor(32), skipped: null },
      { 'hparam/accuracy': 0.9 },
      { runName: 'trial1', hparamDomainDiscrete: { optimizer: ['adam', 'sgd'] } },
    );
    writer.addHparams({ lr: 0.2 }, { 'hparam/accuracy': 0.8 });
    writer.close();
    const runs = fs.readdirSync(dir).filter((name) => !name.startsWith('events.'));
    expect(runs).toContain('trial1');
    const defaultRun = runs.find((name) => name !== 'trial1')!;
    expect(Number(defaultRun)).toBeGreaterThan(1.6e9); // str(time.time())

    const events = summaries(path.join(dir, 'trial1'));
    expect(events.map((e) => e.values[0].tag)).toEqual([
      '_hparams_/experiment',
      '_hparams_/session_start_info',
      '_hparams_/session_end_info',
      'hparam/accuracy',
    ]);
    for (const e of events.slice(0, 3)) expect(e.values[0].pluginName).toBe('hparams');
    const [experiment, start, end] = events.slice(0, 3).map((e) => decodeHParams(e.values[0].pluginContent!));
    expect(experiment.experiment).toEqual({
      hparams: [
        { name: 'lr', type: 3, domain: undefined },
        { name: 'optimizer', type: 1, domain: ['adam', 'sgd'] },
        { name: 'nesterov', type: 2, domain: undefined },
        { name: 'batch', type: 3, domain: undefined },
      ],
      metricTags: ['hparam/accuracy'],
    });
    expect(start.sessionStart).toEqual({ lr: 0.1, optimizer: 'adam', nesterov: true, batch: 32 });
    expect(end.sessionEndStatus).toBe(1); // STATUS_SUCCESS
    expect(events[3].values[0].simpleValue).toBe(Math.fround(0.9));
  });

  it('holds events until flush(), maxQueue or close()', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    const [file] = eventFiles(dir);
    writer.addScalar('a', 1, 1);
    expect(readRecords(file)).toHaveLength(1);
    writer.flush();
    expect(readRecords(file)).toHaveLength(2);
    writer.close();

    const queued = freshDir();
    const small = new SummaryWriter(queued, { maxQueue: 2 });
    small.addScalar('a', 1, 1);
    expect(readEvents(queued)).toHaveLength(1);
    small.addScalar('a', 2, 2);
    expect(readEvents(queued).map((e) => e.step)).toEqual([undefined, 1, 2]);
    small.addScalar('a', 3, 3);
    small.close();
    expect(readEvents(queued)).toHaveLength(4);
  });

  it('writes held events every flushSecs', async () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir, { flushSecs: 0.05 });
    writer.addScalar('a', 1, 1);
    expect(readEvents(dir)).toHaveLength(1);
    // Polled, so that a loaded machine's late timers cannot fail the test.
    for (let i = 0; i < 100 && readEvents(dir).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readEvents(dir)).toHaveLength(2);
    writer.close();
  });

  it('writes what is still held when the process ends without close()', () => {
    const dir = freshDir();
    const module = fileURLToPath(new URL('../src/utils/tensorboard/index.ts', import.meta.url));
    const script = `
      const { SummaryWriter } = await import(${JSON.stringify(module)});
      const writer = new SummaryWriter(process.argv[1]);
      writer.addScalar('a', 1, 1);
      writer.addScalar('a', 2, 2);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { encoding: 'utf8', timeout: 120_000 });
    expect(child.status, child.stderr).toBe(0);
    expect(summaries(dir).map((e) => e.values[0].simpleValue)).toEqual([1, 2]);
  });

  it('a writer dropped without close() is collected: its held events reach the file and the file is closed', async () => {
    const dir = freshDir();
    const openFiles = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;
    (() => {
      for (let i = 0; i < 20; i++) {
        const writer = new SummaryWriter(path.join(dir, `run${i}`), { flushSecs: 3600 });
        writer.addScalar('a', i, 1);
      }
    })();
    expect(openFiles()).toBe(20);
    // Collected, with a turn between for the finalizers, until every file is closed.
    for (let round = 0; round < 50 && openFiles() > 0; round++) {
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(openFiles()).toBe(0);
    for (let i = 0; i < 20; i++) expect(summaries(path.join(dir, `run${i}`)).map((e) => e.values[0].simpleValue)).toEqual([i]);
  });

  it('close() closes the sub-writers too, and the writer cannot be used after it', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    writer.addScalars('m', { x: 1 }, 0);
    writer.close();
    expect(summaries(path.join(dir, 'm_x')).map((e) => e.values[0].simpleValue)).toEqual([1]);
    expect(() => writer.addScalar('a', 1)).toThrow(/addScalar\(\): this SummaryWriter \(logDir '.*'\) is closed/);
    expect(() => writer.addScalars('m', { x: 1 })).toThrow(/is closed/);
    expect(() => writer.close()).not.toThrow();
    expect(() => writer.flush()).not.toThrow();
  });

  it('purgeStep writes a file_version event at that step and a SessionLog START', () => {
    const dir = freshDir();
    new SummaryWriter(dir, { purgeStep: 40 }).close();
    const [, version, start] = readEvents(dir);
    expect(version).toMatchObject({ step: 40, fileVersion: 'brain.Event:2' });
    expect(start).toMatchObject({ step: 40, sessionLogStatus: 1 });
  });

  it("defaults the log directory to runs/<%b%d_%H-%M-%S>_<hostname><comment>", () => {
    const cwd = process.cwd();
    const dir = freshDir();
    fs.mkdirSync(dir);
    process.chdir(dir);
    try {
      const writer = new SummaryWriter(undefined, { comment: '_lr0.1' });
      writer.close();
      const logDir = writer.getLogdir();
      expect(logDir.startsWith(`runs${path.sep}`)).toBe(true);
      const name = path.basename(logDir);
      expect(name).toMatch(/^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\d{2}_\d{2}-\d{2}-\d{2}_/);
      expect(name.endsWith(`_${os.hostname()}_lr0.1`)).toBe(true);
      expect(eventFiles(logDir)).toHaveLength(1);
    } finally {
      process.chdir(cwd);
    }
  });

  it('says what it expected when an argument is wrong', () => {
    const dir = freshDir();
    const writer = new SummaryWriter(dir);
    expect(() => writer.addImage('img', torch.zeros(2, 4, 4), 0)).toThrow(
      /addImage\(\): expected 1, 3 or 4 channels, but got 2 \(dim 0 of shape \[2, 4, 4\] with dataformats 'CHW'\)/,
    );
    expect(() => writer.addImage('img', torch.zeros(4, 4), 0)).toThrow(/dataformats 'CHW' needs a 3-D tensor, but got shape \[4, 4\]/);
    expect(() => writer.addScalar('s', torch.zeros(2))).toThrow(/argument 'scalarValue' must be a number or a one-element Tensor, but got a Tensor of shape \[2\]/);
    expect(() => writer.addScalar('s', 1, 0, undefined, { newstyle: true } as never)).toThrow(/unexpected option 'newstyle'/);
    expect(() => writer.addHistogram('h', [])).toThrow(/the input has no element/);
    expect(() => writer.addHistogram('h', [1, NaN])).toThrow(/values must be finite, but element 1 is NaN/);
    expect(() => writer.addHistogram('h', [1], 0, { bins: 'auto' as never })).toThrow(/argument 'bins' must be/);
    expect(() => writer.addHparams({ lr: 0.1 }, { m: 1 }, { hparamDomainDiscrete: { lr: ['a'] } })).toThrow(
      /hparamDomainDiscrete\['lr'\] must be an array of values of the same type as hparamDict\['lr'\] \(number\)/,
    );
    expect(() => writer.addHparams({ lr: [0.1] as never }, {})).toThrow(/argument 'hparamDict\['lr'\]' must be a number, string, boolean/);
    expect(() => new SummaryWriter(freshDir(), { maxQueue: 0 })).toThrow(/maxQueue must be a positive integer, got 0/);
    writer.close();
    // Nothing bad was written.
    expect(summaries(dir)).toEqual([]);
  });
});
