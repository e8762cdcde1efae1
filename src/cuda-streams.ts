/**
 * `torch.cuda.Stream` and `torch.cuda.Event`, PyTorch's names camelCased.
 *
 * flint runs all of a device's work on one CUDA stream, in the order it is queued. A
 * `Stream` object is a name for that order: work "on" any stream of a device runs after
 * everything queued before it, so `waitStream` and `waitEvent` already hold and do nothing,
 * and there is no overlap between streams. PyTorch's guarantees (work on one stream runs in
 * order; a wait orders two streams) all hold, so scripts that use streams, such as the warm-up
 * before a CUDA graph capture, run unchanged.
 *
 * Events are real CUDA events on that stream: `record`, `synchronize`, `query`, and
 * `elapsedTime` between two events created with `enableTiming`, which is how GPU work is
 * timed.
 */
import { native } from './native/addon.js';
import { EventCommand } from './native/enums.generated.js';
import { cudaDevice, currentCudaIndex, type Device, type DeviceLike } from './tensor/device.js';
import { toDeviceArg } from './tensor/args.js';
import { runThenRestore } from './scoped.js';
import { isAvailable, synchronize, unavailableReason } from './cuda.js';

function cudaCode(device: DeviceLike | number | null | undefined, fn: string): Device {
  if (!isAvailable()) throw new Error(`CUDA is not available: ${unavailableReason()} (in ${fn})`);
  if (device === null || device === undefined) return cudaDevice(currentCudaIndex());
  if (typeof device === 'number') return cudaDevice(device);
  const d = toDeviceArg(device, fn);
  if (d.type !== 'cuda') throw new Error(`${fn}: expected a CUDA device, but got ${String(d)}`);
  return cudaDevice(d.index ?? currentCudaIndex());
}

const defaultStreams = new Map<number, Stream>();
const currentStreams = new Map<number, Stream>();

/**
 * `torch.cuda.Stream`: an ordered queue of a device's work (see the module's note: flint's
 * streams of one device share one CUDA stream).
 * @example const s = new torch.cuda.Stream(); s.waitStream(torch.cuda.currentStream());
 */
export class Stream {
  /** The device the stream belongs to. */
  readonly device: Device;
  /** Accepted as PyTorch's; every stream runs at the one stream's priority. */
  readonly priority: number;

  constructor(device: DeviceLike | number | null = null, options: { priority?: number } = {}) {
    this.device = cudaCode(device, 'torch.cuda.Stream');
    this.priority = options.priority ?? 0;
  }

  /**
   * Makes later work on this stream wait for `event` (already so: one stream runs in order).
   * @example s.waitEvent(e)
   */
  waitEvent(event: Event): void {
    if (!(event instanceof Event)) throw new TypeError('waitEvent(): expected a torch.cuda.Event');
  }

  /**
   * Makes later work on this stream wait for what `stream` has queued (already so).
   * @example s.waitStream(torch.cuda.currentStream())
   */
  waitStream(stream: Stream): void {
    if (!(stream instanceof Stream)) throw new TypeError('waitStream(): expected a torch.cuda.Stream');
  }

  /**
   * Records `event` (a new one if absent) here, and returns it.
   * @example const done = s.recordEvent();
   */
  recordEvent(event: Event | null = null): Event {
    const recorded = event ?? new Event();
    recorded.record(this);
    return recorded;
  }

  /**
   * Whether all the work queued so far has finished.
   * @example if (s.query()) ...
   */
  query(): boolean {
    return native.cudaEvent(this.device.code, EventCommand.StreamQuery, 0, 0) === 1;
  }

  /**
   * Waits for the work queued so far.
   * @example s.synchronize()
   */
  synchronize(): void {
    synchronize(this.device);
  }

  toString(): string {
    return `<torch.cuda.Stream device=${String(this.device)} priority=${this.priority}>`;
  }
}

/**
 * `torch.cuda.default_stream(device)`.
 * @example torch.cuda.defaultStream()
 */
export function defaultStream(device: DeviceLike | number | null = null): Stream {
  const d = cudaCode(device, 'defaultStream');
  let s = defaultStreams.get(d.code);
  if (s === undefined) {
    s = new Stream(d);
    defaultStreams.set(d.code, s);
  }
  return s;
}

/**
 * `torch.cuda.current_stream(device)`: the stream `torch.cuda.stream` has selected, else the default.
 * @example const s = torch.cuda.currentStream();
 */
export function currentStream(device: DeviceLike | number | null = null): Stream {
  const d = cudaCode(device, 'currentStream');
  return currentStreams.get(d.code) ?? defaultStream(d);
}

/**
 * `torch.cuda.set_stream(stream)`.
 * @example torch.cuda.setStream(s)
 */
export function setStream(stream: Stream | null): void {
  if (stream === null) return;
  if (!(stream instanceof Stream)) throw new TypeError('setStream(): expected a torch.cuda.Stream');
  currentStreams.set(stream.device.code, stream);
}

/**
 * `with torch.cuda.stream(s):` as a function: runs `fn` with `s` as its device's current
 * stream (null runs it as it is), and returns what `fn` returns.
 * @example torch.cuda.stream(s, () => { for (let i = 0; i < 3; i++) step(); });
 */
export function stream<T>(s: Stream | null, fn: () => T): T {
  if (s === null) return fn();
  if (!(s instanceof Stream)) throw new TypeError('stream(): expected a torch.cuda.Stream or null');
  const previous = currentStreams.get(s.device.code);
  currentStreams.set(s.device.code, s);
  return runThenRestore(fn, () => {
    if (previous === undefined) currentStreams.delete(s.device.code);
    else currentStreams.set(s.device.code, previous);
  });
}

const eventHolds = new FinalizationRegistry<{ code: number; id: number }>(({ code, id }) => {
  try {
    native.cudaEvent(code, EventCommand.Destroy, id, 0);
  } catch {
    // The device is gone: nothing is left to free.
  }
});

/** Options of `torch.cuda.Event`, PyTorch's keywords camelCased. */
export interface EventOptions {
  /** Record timestamps, for `elapsedTime` (default false, as PyTorch's). */
  enableTiming?: boolean;
  /** Accepted as PyTorch's: `synchronize` blocks the calling thread either way. */
  blocking?: boolean;
  /** Not supported: inter-process events. */
  interprocess?: boolean;
}

/**
 * `torch.cuda.Event`: a marker in a device's queued work, made on first `record` as PyTorch's.
 * @example
 * const start = new torch.cuda.Event({ enableTiming: true }), end = new torch.cuda.Event({ enableTiming: true });
 * start.record(); step(); end.record(); end.synchronize();
 * console.log(start.elapsedTime(end), 'ms');
 */
export class Event {
  readonly enableTiming: boolean;
  /** @internal */ _device: Device | null = null;
  /** @internal */ _id = 0;

  constructor(options: EventOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'enableTiming' && key !== 'blocking' && key !== 'interprocess') {
        throw new TypeError(`Event() got an unexpected keyword argument '${key}'`);
      }
    }
    if (options.interprocess) throw new Error('torch.cuda.Event: interprocess events are not supported by flint');
    this.enableTiming = options.enableTiming ?? false;
  }

  /**
   * Records the event on `stream` (default: the current stream): it happens once the work
   * queued before it has run.
   * @example e.record()
   */
  record(stream: Stream | null = null): void {
    const s = stream ?? currentStream();
    if (this._device !== null && this._device.code !== s.device.code) {
      throw new Error(`Event device ${this._device.index} does not match recording stream's device ${s.device.index}.`);
    }
    if (this._id === 0) {
      this._id = native.cudaEvent(s.device.code, EventCommand.Create, 0, this.enableTiming ? 1 : 0);
      this._device = s.device;
      eventHolds.register(this, { code: s.device.code, id: this._id });
    }
    native.cudaEvent(s.device.code, EventCommand.Record, this._id, 0);
  }

  /**
   * Makes `stream`'s later work wait for this event (already so: one stream runs in order).
   * @example e.wait()
   */
  wait(stream: Stream | null = null): void {
    (stream ?? currentStream()).waitEvent(this);
  }

  /**
   * Whether the work before the event has finished (true if it was never recorded, as PyTorch's).
   * @example if (e.query()) ...
   */
  query(): boolean {
    if (this._id === 0) return true;
    return native.cudaEvent(this._device!.code, EventCommand.Query, this._id, 0) === 1;
  }

  /**
   * Waits until the work before the event has finished.
   * @example e.synchronize()
   */
  synchronize(): void {
    if (this._id !== 0) native.cudaEvent(this._device!.code, EventCommand.Synchronize, this._id, 0);
  }

  /**
   * Milliseconds between this event and `end`; both must have timing, be recorded, and
   * have happened (`end.synchronize()` first), as PyTorch requires.
   * @example start.elapsedTime(end)
   */
  elapsedTime(end: Event): number {
    if (!(end instanceof Event)) throw new TypeError('elapsedTime(): expected a torch.cuda.Event');
    if (!this.enableTiming || !end.enableTiming) {
      throw new Error("Both events must be created with argument 'enable_timing=True'.");
    }
    if (this._id === 0 || end._id === 0) throw new Error('Both events must be recorded before calculating elapsed time.');
    if (this._device!.code !== end._device!.code) throw new Error('Both events must be on the same device.');
    if (!this.query() || !end.query()) throw new Error('Both events must be completed before calculating elapsed time.');
    return native.cudaEvent(this._device!.code, EventCommand.ElapsedTime, this._id, end._id);
  }
}
