/**
 * `torch.utils.tensorboard.SummaryWriter`: logs scalars, histograms, images, text and
 * hyperparameters to event files that TensorBoard reads, as PyTorch's writer.py does.
 */
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '../../tensor/tensor.js';
import { argumentError, checkBoolean, checkOptions, keysOf } from '../../tensor/args.js';
import { makeHistogram, type HistogramBins } from './histogram.js';
import { makeImage } from './image.js';
import { SessionStatus, type SummaryMessage } from './protos.js';
import { EventFileWriter, wallTime, type EventFileWriterOptions } from './record-writer.js';
import { checkRecord, hparamsSummaries, scalarSummary, textSummary, type HParamDomains, type HParamValue } from './summaries.js';
import { checkString, numbersOf, scalarOf, stepOf, walltimeOf } from './values.js';

/**
 * The options of `new SummaryWriter(logDir, options)`, PyTorch's keyword arguments.
 * @example new torch.utils.tensorboard.SummaryWriter(undefined, { comment: '_lr0.1', flushSecs: 30 })
 */
export interface SummaryWriterOptions {
  /** Appended to the default log directory's name; ignored when `logDir` is given. */
  comment?: string;
  /** After a crash, the step to resume from: TensorBoard hides the events at and after it. */
  purgeStep?: number;
  /** Events held in memory before they are written to disk (default 10). */
  maxQueue?: number;
  /** Seconds between writes of the held events (default 120). */
  flushSecs?: number;
  /** Appended to the event files' names. */
  filenameSuffix?: string;
}
const WRITER_KEYS = keysOf<SummaryWriterOptions>()('comment', 'purgeStep', 'maxQueue', 'flushSecs', 'filenameSuffix');

/**
 * What `addHistogram` takes: a Tensor of any shape, or numbers.
 * @example writer.addHistogram('preds', [0.1, 0.7, 0.2], step)
 */
export type HistogramValues = Tensor | readonly number[] | Float32Array | Float64Array;

/**
 * The options of `addScalar`.
 * @example writer.addScalar('loss', 0.1, step, undefined, { newStyle: true, doublePrecision: true })
 */
export interface AddScalarOptions {
  /** Store the value as a tensor for the scalars plugin rather than a `simple_value`. */
  newStyle?: boolean;
  /** With `newStyle`, keep float64 instead of rounding to float32. */
  doublePrecision?: boolean;
}
const SCALAR_KEYS = keysOf<AddScalarOptions>()('newStyle', 'doublePrecision');

/**
 * The options of `addHistogram`.
 * @example writer.addHistogram('fc1.weight', w, step, { bins: 50 })
 */
export interface AddHistogramOptions {
  /** `'tensorflow'` (default), a bin count, or increasing bin edges. */
  bins?: HistogramBins;
  /** The event's time in seconds since the epoch (default now). */
  walltime?: number;
  /** Merge neighbouring bins until there are at most this many. */
  maxBins?: number;
}
const HISTOGRAM_KEYS = keysOf<AddHistogramOptions>()('bins', 'walltime', 'maxBins');

/**
 * The options of `addImage`.
 * @example writer.addImage('sample', img, step, undefined, { dataformats: 'HWC' })
 */
export interface AddImageOptions {
  /** The order of the image's dims: `'CHW'` (default), `'HWC'`, `'HW'`, `'NCHW'`, ... */
  dataformats?: string;
}
const IMAGE_KEYS = keysOf<AddImageOptions>()('dataformats');

/**
 * The options of `addHparams`.
 * @example writer.addHparams({ lr: 0.1 }, { 'hparam/loss': 0.3 }, { runName: 'lr0.1' })
 */
export interface AddHparamsOptions {
  /** The values each hyperparameter can take, for the dashboard's filters. */
  hparamDomainDiscrete?: HParamDomains;
  /** The sub-directory the run is written to (default the current time in seconds). */
  runName?: string;
  /** The step of the metrics and hparams records. */
  globalStep?: number;
}
const HPARAMS_KEYS = keysOf<AddHparamsOptions>()('hparamDomainDiscrete', 'runName', 'globalStep');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** PyTorch's default: `runs/<%b%d_%H-%M-%S>_<hostname><comment>`, in local time. */
function defaultLogDir(comment: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[now.getMonth()]}${pad(now.getDate())}_${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  return path.join('runs', `${stamp}_${os.hostname()}${comment}`);
}

/**
 * Writes TensorBoard event files: `new SummaryWriter(logDir?, options?)`, then the `add*`
 * methods, then `close()` (or `using writer = ...`). Events are held in memory and written
 * every `flushSecs`, every `maxQueue` events, on `flush()` and on `close()`.
 * @example
 * const writer = new torch.utils.tensorboard.SummaryWriter('runs/exp1');
 * for (let step = 0; step < 100; step++) writer.addScalar('loss', 1 / (step + 1), step);
 * writer.close();
 */
export class SummaryWriter {
  private readonly logDir: string;
  private readonly fileOptions: EventFileWriterOptions;
  /** The main event file's writer and, by directory, those of `addScalars`; empty once closed. */
  private readonly writers = new Map<string, EventFileWriter>();
  private readonly mainWriter: EventFileWriter;

  constructor(logDir?: string, options: SummaryWriterOptions = {}) {
    checkOptions(options, 'SummaryWriter', WRITER_KEYS);
    const { comment = '', purgeStep, maxQueue, flushSecs, filenameSuffix } = options;
    if (typeof comment !== 'string') throw argumentError('SummaryWriter', 'comment', 'a string', comment);
    if (logDir !== undefined && logDir !== null && typeof logDir !== 'string') {
      throw argumentError('SummaryWriter', 'logDir', 'a directory path string', logDir);
    }
    if (purgeStep !== undefined && !Number.isInteger(purgeStep)) throw argumentError('SummaryWriter', 'purgeStep', 'an integer', purgeStep);
    this.logDir = logDir || defaultLogDir(comment);
    this.fileOptions = { maxQueue, flushSecs, filenameSuffix };
    this.mainWriter = new EventFileWriter(this.logDir, this.fileOptions);
    this.writers.set(this.mainWriter.getLogdir(), this.mainWriter);
    if (purgeStep !== undefined) {
      // A second file_version event carrying the step, then START, is how TensorBoard learns to drop the later steps.
      this.mainWriter.addEvent({ wall_time: wallTime(), step: purgeStep, file_version: 'brain.Event:2' });
      this.mainWriter.addEvent({ wall_time: wallTime(), step: purgeStep, session_log: { status: SessionStatus.START } });
    }
  }

  /** The directory the event files go to. @example new SummaryWriter('runs/a').getLogdir() // 'runs/a' */
  getLogdir(): string {
    return this.logDir;
  }

  /**
   * Logs one scalar, a number or a one-element Tensor.
   * @example writer.addScalar('train/loss', loss.item(), step)
   */
  addScalar(tag: string, scalarValue: number | Tensor, globalStep?: number, walltime?: number, options: AddScalarOptions = {}): void {
    const fn = 'SummaryWriter.addScalar';
    checkOptions(options, fn, SCALAR_KEYS);
    const { newStyle = false, doublePrecision = false } = options;
    checkBoolean(newStyle, fn, 'newStyle');
    checkBoolean(doublePrecision, fn, 'doublePrecision');
    checkString(tag, fn, 'tag');
    const value = scalarOf(scalarValue, fn, 'scalarValue');
    this.write(this.open(fn), scalarSummary(tag, value, newStyle, doublePrecision), stepOf(globalStep, fn), walltimeOf(walltime, fn));
  }

  /**
   * Logs several scalars in one chart: each goes to its own run, a sub-directory
   * `<logDir>/<mainTag>_<tag>`, under the tag `mainTag`.
   * @example writer.addScalars('loss', { train: 0.31, val: 0.42 }, epoch)
   */
  addScalars(mainTag: string, tagScalarDict: Record<string, number | Tensor>, globalStep?: number, walltime?: number): void {
    const fn = 'SummaryWriter.addScalars';
    const main = this.open(fn);
    checkString(mainTag, fn, 'mainTag');
    checkRecord(tagScalarDict, fn, 'tagScalarDict');
    const step = stepOf(globalStep, fn);
    const time = walltimeOf(walltime, fn) ?? wallTime();
    const values = Object.entries(tagScalarDict).map(([tag, v]) => [tag, scalarOf(v, fn, `tagScalarDict['${tag}']`)] as const);
    for (const [tag, value] of values) {
      const dir = `${main.getLogdir()}/${mainTag.replaceAll('/', '_')}_${tag}`;
      let writer = this.writers.get(dir);
      if (writer === undefined) {
        writer = new EventFileWriter(dir, this.fileOptions);
        this.writers.set(dir, writer);
      }
      this.write(writer, scalarSummary(mainTag, value), step, time);
    }
  }

  /**
   * Logs a histogram of `values` (a Tensor or numbers), binned as PyTorch's `histogram`.
   * @example writer.addHistogram('fc1.weight', model.fc1.weight, epoch)
   */
  addHistogram(tag: string, values: HistogramValues, globalStep?: number, options: AddHistogramOptions = {}): void {
    const fn = 'SummaryWriter.addHistogram';
    checkOptions(options, fn, HISTOGRAM_KEYS);
    const { bins = 'tensorflow', walltime, maxBins } = options;
    checkString(tag, fn, 'tag');
    const histo = makeHistogram(numbersOf(values, fn, 'values'), { bins, maxBins }, fn);
    this.write(this.open(fn), { value: [{ tag, histo }] }, stepOf(globalStep, fn), walltimeOf(walltime, fn));
  }

  /**
   * Logs an image tensor as a PNG: floats in [0, 1] are scaled by 255, uint8 is taken
   * as is; 1, 3 or 4 channels (grey is stored as RGB).
   * @example writer.addImage('input', torch.rand(3, 32, 32), step)
   */
  addImage(tag: string, imgTensor: Tensor, globalStep?: number, walltime?: number, options: AddImageOptions = {}): void {
    const fn = 'SummaryWriter.addImage';
    checkOptions(options, fn, IMAGE_KEYS);
    const { dataformats = 'CHW' } = options;
    checkString(tag, fn, 'tag');
    const image = makeImage(imgTensor, dataformats, fn);
    this.write(this.open(fn), { value: [{ tag, image }] }, stepOf(globalStep, fn), walltimeOf(walltime, fn));
  }

  /**
   * Logs text (TensorBoard renders it as Markdown), under the tag `<tag>/text_summary`.
   * @example writer.addText('config', JSON.stringify(config), 0)
   */
  addText(tag: string, textString: string, globalStep?: number, walltime?: number): void {
    const fn = 'SummaryWriter.addText';
    checkString(tag, fn, 'tag');
    checkString(textString, fn, 'textString');
    this.write(this.open(fn), textSummary(tag, textString), stepOf(globalStep, fn), walltimeOf(walltime, fn));
  }

  /**
   * Logs a run's hyperparameters and final metrics for the HParams dashboard, in a new
   * run `<logDir>/<runName>`: the hparams records, then each metric as a scalar.
   * @example writer.addHparams({ lr: 0.1, batchSize: 32 }, { 'hparam/accuracy': 0.91 })
   */
  addHparams(hparamDict: Record<string, HParamValue>, metricDict: Record<string, number | Tensor>, options: AddHparamsOptions = {}): void {
    const fn = 'SummaryWriter.addHparams';
    checkOptions(options, fn, HPARAMS_KEYS);
    const { hparamDomainDiscrete, runName, globalStep } = options;
    const main = this.open(fn);
    const summaries = hparamsSummaries(hparamDict, metricDict, hparamDomainDiscrete ?? {}, fn);
    const metrics = Object.entries(metricDict).map(([tag, v]) => [tag, scalarOf(v, fn, `metricDict['${tag}']`)] as const);
    if (runName !== undefined && typeof runName !== 'string') throw argumentError(fn, 'runName', 'a string', runName);
    const step = stepOf(globalStep, fn);
    // PyTorch's default run name is str(time.time()).
    const run = new SummaryWriter(path.join(main.getLogdir(), runName || String(Date.now() / 1000)));
    try {
      for (const summary of summaries) run.write(run.mainWriter, summary, step, undefined);
      for (const [tag, value] of metrics) run.addScalar(tag, value, step);
    } finally {
      run.close();
    }
  }

  /**
   * Writes every held event of this writer and its sub-writers to disk.
   * @example writer.flush(); // the events so far are now in the files
   */
  flush(): void {
    for (const writer of this.writers.values()) writer.flush();
  }

  /**
   * Writes what is held and closes every event file, the sub-writers' too. Adding to a
   * closed writer throws; closing again does nothing.
   * @example writer.close();
   */
  close(): void {
    let failure: unknown = null;
    for (const writer of this.writers.values()) {
      try {
        writer.close();
      } catch (error) {
        failure ??= error;
      }
    }
    this.writers.clear();
    if (failure !== null) throw failure;
  }

  /** `using writer = new SummaryWriter(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The main writer, or a clear error once `close()` has run. */
  private open(fn: string): EventFileWriter {
    if (this.mainWriter.closed) {
      throw new Error(`${fn}(): this SummaryWriter (logDir '${this.logDir}') is closed; create a new one to log more`);
    }
    return this.mainWriter;
  }

  private write(writer: EventFileWriter, summary: SummaryMessage, step: number | undefined, walltime: number | undefined): void {
    writer.addEvent({ wall_time: walltime ?? wallTime(), ...(step === undefined ? {} : { step }), summary });
  }
}
