/**
 * The file side of an event log: TFRecord framing, and `EventFileWriter`, which owns one
 * `events.out.tfevents.*` file and buffers its records.
 *
 * TensorBoard's Python writer queues records for a background thread. Here the records
 * wait in memory and are written with synchronous `fs` calls, so `flush()` has put the
 * bytes in the file when it returns, and there is no thread whose errors would surface
 * late or whose pending work could be lost when the event loop ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maskedCrc32c } from './crc.js';
import { encodeEvent, type EventMessage } from './protos.js';

/**
 * One TFRecord frame: uint64 LE length, uint32 LE masked CRC-32C of those 8 bytes, the
 * data, uint32 LE masked CRC-32C of the data.
 * @example fs.appendFileSync(file, encodeRecord(encodeEvent(event)))
 */
export function encodeRecord(data: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(data.length + 16);
  frame.writeBigUInt64LE(BigInt(data.length), 0);
  frame.writeUInt32LE(maskedCrc32c(frame.subarray(0, 8)), 8);
  frame.set(data, 12);
  frame.writeUInt32LE(maskedCrc32c(data), data.length + 12);
  return frame;
}

/**
 * The current time as event files record it: seconds since the epoch, as `time.time()`.
 * @example const event = { wall_time: wallTime(), file_version: 'brain.Event:2' };
 */
export function wallTime(): number {
  return Date.now() / 1000;
}

/**
 * The options of `new EventFileWriter(...)`, as `SummaryWriter` forwards them.
 * @example new EventFileWriter('runs/exp1', { maxQueue: 10, flushSecs: 120, filenameSuffix: '' })
 */
export interface EventFileWriterOptions {
  /** Records held in memory before they are written out (default 10). */
  maxQueue?: number;
  /** Seconds between timed writes of the held records (default 120). */
  flushSecs?: number;
  /** Appended to the file name. */
  filenameSuffix?: string;
}

/** Makes the event file names of one process distinct, as TensorBoard's `_global_uid`. */
let fileCounter = 0;

/**
 * An open event file and the records waiting for it. It is apart from its writer so that the
 * timer and the exit hook hold only this: a writer dropped without `close()` is collected, and
 * its finalizer writes what it held and closes the file.
 */
class EventSink {
  fd: number | null;
  readonly pending: Buffer[] = [];
  /** A failure of a timed write, reported by the next call instead of crashing the process. */
  timerError: Error | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(fileName: string, flushSecs: number) {
    this.fd = fs.openSync(fileName, 'w');
    // unref: a forgotten writer must not keep the process alive; the exit hook writes what it holds.
    this.timer = setInterval(() => this.timedFlush(), flushSecs * 1000).unref();
    openSinks.add(this);
  }

  write(): void {
    if (this.pending.length === 0 || this.fd === null) return;
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    // Cleared first: after a failed write the records are dropped, not written twice.
    this.pending.length = 0;
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(this.fd, bytes, offset);
  }

  close(): void {
    if (this.fd === null) return;
    clearInterval(this.timer);
    openSinks.delete(this);
    try {
      this.write();
    } finally {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  private timedFlush(): void {
    try {
      this.write();
    } catch (error) {
      this.timerError = error as Error;
    }
  }
}

/** Files still open, so that records still held at process exit reach the disk. */
const openSinks = new Set<EventSink>();
let exitHookInstalled = false;

function flushAllAtExit(): void {
  for (const sink of openSinks) {
    try {
      sink.write();
    } catch {
      // The process is ending; one unwritable log must not stop the others.
    }
  }
}

/** Closes the file of a writer that was dropped without close(). */
const droppedWriters = new FinalizationRegistry<EventSink>((sink) => {
  try {
    sink.close();
  } catch {
    // Nobody is left to tell: the writer is gone.
  }
});

/**
 * Writes `Event` records to a new event file in `logDir`, named as TensorBoard's
 * `EventFileWriter` names it: `events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n><suffix>`.
 * The first record, written at once, is the `file_version` event TensorBoard looks for.
 * @example
 * const w = new EventFileWriter('runs/exp1');
 * w.addEvent({ wall_time: wallTime(), step: 1, summary });
 * w.close();
 */
export class EventFileWriter {
  /** The path of the event file. */
  readonly fileName: string;
  private readonly logDir: string;
  private readonly maxQueue: number;
  private readonly sink: EventSink;

  constructor(logDir: string, options: EventFileWriterOptions = {}) {
    const { maxQueue = 10, flushSecs = 120, filenameSuffix = '' } = options;
    if (!(Number.isInteger(maxQueue) && maxQueue >= 1)) {
      throw new Error(`SummaryWriter: maxQueue must be a positive integer, got ${String(maxQueue)}`);
    }
    if (!(typeof flushSecs === 'number' && flushSecs > 0 && Number.isFinite(flushSecs))) {
      throw new Error(`SummaryWriter: flushSecs must be a positive number of seconds, got ${String(flushSecs)}`);
    }
    if (typeof filenameSuffix !== 'string') {
      throw new Error(`SummaryWriter: filenameSuffix must be a string, got ${typeof filenameSuffix}`);
    }
    this.logDir = logDir;
    this.maxQueue = maxQueue;
    fs.mkdirSync(logDir, { recursive: true });
    const seconds = String(Math.floor(Date.now() / 1000)).padStart(10, '0');
    const name = `events.out.tfevents.${seconds}.${os.hostname()}.${process.pid}.${fileCounter++}${filenameSuffix}`;
    this.fileName = path.join(logDir, name);
    this.sink = new EventSink(this.fileName, flushSecs);
    droppedWriters.register(this, this.sink, this.sink);
    if (!exitHookInstalled) {
      process.once('exit', flushAllAtExit);
      exitHookInstalled = true;
    }
    this.addEvent({ wall_time: wallTime(), file_version: 'brain.Event:2' });
    this.flush();
  }

  /** The directory of the event file. @example new EventFileWriter('runs/a').getLogdir() // 'runs/a' */
  getLogdir(): string {
    return this.logDir;
  }

  /** Whether `close()` has run. @example if (!w.closed) w.flush(); */
  get closed(): boolean {
    return this.sink.fd === null;
  }

  /**
   * Queues one event; the queue is written out once it holds `maxQueue` records.
   * @example w.addEvent({ wall_time: wallTime(), step: 3, summary })
   */
  addEvent(event: EventMessage): void {
    this.checkOpen('add an event');
    this.sink.pending.push(encodeRecord(encodeEvent(event)));
    if (this.sink.pending.length >= this.maxQueue) this.flush();
  }

  /**
   * Writes the queued records to the file; they are in it when this returns.
   * @example w.flush(); // another process can now read every record added so far
   */
  flush(): void {
    this.checkOpen('flush');
    this.sink.write();
  }

  /**
   * Writes what is queued and closes the file; a second call does nothing.
   * @example w.close();
   */
  close(): void {
    droppedWriters.unregister(this.sink);
    this.sink.close();
  }

  private checkOpen(action: string): void {
    if (this.sink.fd === null) throw new Error(`SummaryWriter: cannot ${action}: the event file ${this.fileName} is closed`);
    const error = this.sink.timerError;
    if (error !== null) {
      this.sink.timerError = null;
      throw new Error(`SummaryWriter: writing ${this.fileName} failed: ${error.message}`, { cause: error });
    }
  }
}
