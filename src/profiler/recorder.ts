/**
 * What an active profile records, and the flags the hot paths read: the autograd engine,
 * Module calls and optimizers check `PROFILING` (one property load when no profile runs)
 * and open events here; native kernels are wrapped only while recording (kernels.ts).
 * One recorder per thread: a worker's module state is its own, as PyTorch's profiler is
 * per thread.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { findSourceMap, type SourceMap } from 'node:module';
import { native } from '../native/addon.js';

/** The trace category of an event: PyTorch's kineto categories. @internal */
export type EventCategory = 'cpu_op' | 'user_annotation' | 'python_function' | 'kernel';

/** One recorded interval, in microseconds since the recording began. @internal */
export interface RawEvent {
  name: string;
  cat: EventCategory;
  start: number;
  end: number;
  thread: number;
  /** The input shapes (recordShapes), one entry per argument; [] for a range. */
  shapes: unknown[] | null;
  /** The input dtypes (recordShapes), as PyTorch's traces name them. */
  types: string[] | null;
  /** JS frames, innermost first (withStack). */
  stack: string[] | null;
  /** Bytes allocated less bytes freed during the event (profileMemory). */
  cpuMemory: number;
  deviceMemory: number;
  /** 1 for a backward function's event, as PyTorch's RecordScope.BACKWARD_FUNCTION. */
  scope: 0 | 1;
  sequenceNr: number;
  flops: number;
  /** The CUDA events bracketing a kernel's device work (activity CUDA). */
  deviceMarks: [number, number] | null;
  /** Set when the kernel's device work is known: its start and end on the trace's clock. */
  deviceStart: number;
  deviceEnd: number;
}

/** What a profile asked to record. @internal */
export interface RecorderOptions {
  recordShapes: boolean;
  profileMemory: boolean;
  withStack: boolean;
  withFlops: boolean;
  withModules: boolean;
  /** The CUDA device code (1 + index) whose stream kernels are timed on, or 0 for none. */
  cudaDevice: number;
}

/** The switches the hot paths read. @internal */
export const PROFILING = { on: false, modules: false };

/** A recording in progress (or finished): its events and what it was asked to keep. @internal */
export class Recorder {
  readonly events: RawEvent[] = [];
  /** performance.now() when recording began, in milliseconds. */
  readonly originMs: number;
  /** The wall clock of that moment, in microseconds since the epoch (traces' `ts`). */
  readonly originEpochUs: number;
  private memoryAtStart = new Map<RawEvent, [number, number]>();
  private moduleIds = new WeakMap<object, string>();
  private moduleCounts = new Map<string, number>();

  constructor(readonly options: RecorderOptions) {
    this.originMs = performance.now();
    this.originEpochUs = (performance.timeOrigin + this.originMs) * 1000;
  }

  /** Microseconds since recording began. */
  now(): number {
    return (performance.now() - this.originMs) * 1000;
  }

  begin(name: string, cat: EventCategory, shapes: unknown[] | null = null, types: string[] | null = null): RawEvent {
    const event: RawEvent = {
      name, cat, start: 0, end: -1, thread: threadId, shapes, types,
      stack: this.options.withStack ? jsStack() : null,
      cpuMemory: 0, deviceMemory: 0, scope: 0, sequenceNr: -1, flops: 0,
      deviceMarks: null, deviceStart: 0, deviceEnd: 0,
    };
    if (this.options.profileMemory) this.memoryAtStart.set(event, this.allocated());
    this.events.push(event);
    event.start = this.now();
    return event;
  }

  end(event: RawEvent): void {
    event.end = this.now();
    const before = this.memoryAtStart.get(event);
    if (before !== undefined) {
      const after = this.allocated();
      event.cpuMemory = after[0] - before[0];
      event.deviceMemory = after[1] - before[1];
      this.memoryAtStart.delete(event);
    }
  }

  /** PyTorch's module event name: the class, numbered per class in order of first call. */
  moduleName(module: object): string {
    let name = this.moduleIds.get(module);
    if (name === undefined) {
      const cls = module.constructor?.name ?? 'Module';
      const n = this.moduleCounts.get(cls) ?? 0;
      this.moduleCounts.set(cls, n + 1);
      name = `nn.Module: ${cls}_${n}`;
      this.moduleIds.set(module, name);
    }
    return name;
  }

  private allocated(): [number, number] {
    const cpu = native.stats(0).allocatedBytes;
    const device = this.options.cudaDevice > 0 ? native.stats(this.options.cudaDevice).allocatedBytes : 0;
    return [cpu, device];
  }
}

let active: Recorder | null = null;

/** The recording in progress on this thread, if any. @internal */
export function activeRecorder(): Recorder | null {
  return active;
}

/** Starts recording on this thread. @internal */
export function startRecording(options: RecorderOptions): Recorder {
  if (active !== null) throw new Error('Profiler is already enabled on this thread');
  active = new Recorder(options);
  PROFILING.on = true;
  PROFILING.modules = options.withModules || options.withStack;
  return active;
}

/** Stops the recording on this thread; events still open are closed now. @internal */
export function stopRecording(recorder: Recorder): void {
  if (active !== recorder) return;
  for (const event of recorder.events) if (event.end < 0) recorder.end(event);
  active = null;
  PROFILING.on = false;
  PROFILING.modules = false;
}

/**
 * Runs `fn` inside an event named `name`. A promise returned by `fn` ends the event when it
 * settles, so an async step is timed whole.
 * @internal
 */
export function withEvent<T>(name: string, cat: EventCategory, fn: () => T, configure?: (event: RawEvent) => void): T {
  const recorder = active;
  if (recorder === null) return fn();
  const event = recorder.begin(name, cat);
  if (configure !== undefined) configure(event);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    recorder.end(event);
    throw error;
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => (recorder.end(event), value),
      (error: unknown) => {
        recorder.end(event);
        throw error;
      },
    ) as T;
  }
  recorder.end(event);
  return result;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** A Module call's event (withModules or withStack). @internal */
export function profileModuleCall<T>(module: object, fn: () => T): T {
  const recorder = active;
  if (recorder === null) return fn();
  return withEvent(recorder.moduleName(module), 'python_function', fn);
}

/**
 * A backward function's events, as PyTorch's engine records them: the evaluation, and the
 * function itself inside it (scope BACKWARD_FUNCTION, with the node's sequence number).
 * @internal
 */
export function profileBackwardNode<T>(nodeName: string, sequenceNr: number, fn: () => T): T {
  return withEvent(`autograd::engine::evaluate_function: ${nodeName}`, 'cpu_op', () =>
    withEvent(nodeName, 'cpu_op', fn, (event) => {
      event.scope = 1;
      event.sequenceNr = sequenceNr;
    }),
  );
}

// The profiler's own files: their frames are left out of recorded stacks.
const OWN_FILES = /([\\/]profiler[\\/](recorder|kernels)|[\\/]native[\\/]calls\.generated)\.[jt]s$/;

/** The JS stack at this point, innermost first, in PyTorch's `file(line): function` form. */
function jsStack(): string[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, sites) => sites;
  Error.stackTraceLimit = 64;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.captureStackTrace(holder, jsStack);
  const sites = holder.stack ?? [];
  Error.prepareStackTrace = prepare;
  Error.stackTraceLimit = limit;
  const frames: string[] = [];
  for (const site of sites) {
    const file = site.getFileName() ?? '';
    if (file === '' || file.startsWith('node:') || OWN_FILES.test(file)) continue;
    const fn = site.getFunctionName() ?? site.getMethodName() ?? '<anonymous>';
    frames.push(`${sourcePosition(file, site.getLineNumber() ?? 0, site.getColumnNumber() ?? 0)}: ${fn}`);
  }
  return frames;
}

/**
 * `file(line)` of a frame, through the file's source map where Node has one (it keeps them
 * under --enable-source-maps): a CallSite gives the generated JS's position.
 */
function sourcePosition(file: string, line: number, column: number): string {
  const path = file.replace(/^file:\/\//, '');
  let map: SourceMap | undefined;
  try {
    map = findSourceMap(file);
  } catch {
    map = undefined;
  }
  const entry = map?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number } | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
    return `${entry.originalSource.replace(/^file:\/\//, '')}(${entry.originalLine + 1})`;
  }
  return `${path}(${line})`;
}
