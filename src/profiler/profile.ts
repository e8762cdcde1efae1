/**
 * `torch.profiler.profile`: PyTorch's profiler, with its schedule (wait, warmup, active,
 * repeat), `step()`, `onTraceReady`, `keyAverages()` and Chrome traces.
 *
 * What flint records: each native kernel (`flint::gemm`, `flint::add`... one row per
 * kernel, where PyTorch's rows are ATen operators), the autograd engine's backward
 * functions (`autograd::engine::evaluate_function: AddmmBackward0`), optimizer steps
 * (`Optimizer.step#SGD.step`), Module calls (`nn.Module: Linear_0`, with `withModules` or
 * `withStack`), `recordFunction` ranges and `ProfilerStep#n`. The JS between kernels is the
 * enclosing event's self time.
 */
import { hostname } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAvailable as cudaAvailable, currentDevice } from '../cuda.js';
import { warnOnce } from '../utils/warn-once.js';
import { EventList, FunctionEvent, buildTree, type EventStats, type FunctionEventAvg, type KeyAveragesOptions } from './events.js';
import { deviceReference, instrumentKernels, resolveDeviceTimes } from './kernels.js';
import { Recorder, startRecording, stopRecording, withEvent, type RawEvent } from './recorder.js';
import { writeChromeTrace } from './trace.js';

/** What a profiler records: `torch.profiler.ProfilerActivity`. */
export const ProfilerActivity = Object.freeze({ CPU: 'CPU', CUDA: 'CUDA' } as const);
/** One of ProfilerActivity's members. */
export type ProfilerActivity = (typeof ProfilerActivity)[keyof typeof ProfilerActivity];

/** What the profiler does at a step: `torch.profiler.ProfilerAction`. */
export const ProfilerAction = Object.freeze({ NONE: 'NONE', WARMUP: 'WARMUP', RECORD: 'RECORD', RECORD_AND_SAVE: 'RECORD_AND_SAVE' } as const);
/** One of ProfilerAction's members. */
export type ProfilerAction = (typeof ProfilerAction)[keyof typeof ProfilerAction];

/**
 * The activities this process can record: CPU, and CUDA where a GPU is present.
 * @example torch.profiler.supportedActivities()
 */
export function supportedActivities(): ProfilerActivity[] {
  return cudaAvailable() ? [ProfilerActivity.CPU, ProfilerActivity.CUDA] : [ProfilerActivity.CPU];
}

/** Arguments of `schedule`, PyTorch's keywords camelCased. */
export interface ScheduleOptions {
  wait: number;
  warmup: number;
  active: number;
  repeat?: number;
  skipFirst?: number;
}

/**
 * PyTorch's profiler schedule: skip `skipFirst` steps, then cycles of `wait` idle steps,
 * `warmup` steps and `active` recorded steps (the last saves), `repeat` times (0: forever).
 * @example torch.profiler.schedule({ wait: 1, warmup: 1, active: 2 })(3) // 'RECORD_AND_SAVE'
 */
export function schedule(options: ScheduleOptions): (step: number) => ProfilerAction {
  const { wait, warmup, active } = options;
  const repeat = options.repeat ?? 0;
  const skipFirst = options.skipFirst ?? 0;
  const counts = [wait, warmup, active, repeat, skipFirst];
  if (!counts.every((n) => Number.isInteger(n)) || !(wait >= 0 && warmup >= 0 && active > 0 && repeat >= 0 && skipFirst >= 0)) {
    throw new Error('Invalid profiler schedule arguments');
  }
  if (warmup === 0) warnOnce('profiler.schedule.warmup', "Profiler won't be using warmup, this can skew profiler results");
  return (step: number): ProfilerAction => {
    if (!(Number.isInteger(step) && step >= 0)) throw new Error(`schedule: expected a step number >= 0, but got ${step}`);
    if (step < skipFirst) return ProfilerAction.NONE;
    step -= skipFirst;
    const cycle = wait + warmup + active;
    if (repeat > 0 && step / cycle >= repeat) return ProfilerAction.NONE;
    const inCycle = step % cycle;
    if (inCycle < wait) return ProfilerAction.NONE;
    if (inCycle < wait + warmup) return ProfilerAction.WARMUP;
    return inCycle < cycle - 1 ? ProfilerAction.RECORD : ProfilerAction.RECORD_AND_SAVE;
  };
}

/** Options of `torch.profiler.profile`, PyTorch's keywords camelCased. */
export interface ProfileOptions {
  /** What to record (default: `supportedActivities()`). */
  activities?: readonly ProfilerActivity[];
  /** The action at each step (default: record every step). */
  schedule?: (step: number) => ProfilerAction;
  /** Called with the profiler each time a trace is ready (a cycle's last active step). */
  onTraceReady?: (profiler: Profile) => void;
  /** Record each kernel's input shapes and dtypes. */
  recordShapes?: boolean;
  /** Record the bytes each event allocates less those it frees. */
  profileMemory?: boolean;
  /** Record the JS stack of each event (the table's Source Location, `exportStacks`). */
  withStack?: boolean;
  /** Estimate the FLOPs of matrix products, additions and multiplications. */
  withFlops?: boolean;
  /** Record each Module call as an event. */
  withModules?: boolean;
  /** Deprecated: add (true) or remove (false) the CUDA activity. */
  useCuda?: boolean;
}

const KNOWN_OPTIONS = new Set(['activities', 'schedule', 'onTraceReady', 'recordShapes', 'profileMemory', 'withStack', 'withFlops', 'withModules', 'useCuda']);

type Transition = 'prepare' | 'start' | 'stop' | 'ready' | string;

// PyTorch's action_map: what to do when the action changes from one step to the next
// (`null`: the profiler stops). A string is a warning.
const TRANSITIONS: Record<string, Transition[]> = {
  'NONE>NONE': [],
  'NONE>WARMUP': ['prepare'],
  'NONE>RECORD': ['prepare', 'start'],
  'NONE>RECORD_AND_SAVE': ['prepare', 'start'],
  'WARMUP>NONE': ['Incorrect schedule: WARMUP followed by NONE', 'start', 'stop'],
  'WARMUP>WARMUP': [],
  'WARMUP>RECORD': ['start'],
  'WARMUP>RECORD_AND_SAVE': ['start'],
  'RECORD>NONE': ['Incorrect schedule: RECORD followed by NONE', 'stop'],
  'RECORD>WARMUP': ['Incorrect schedule: RECORD followed by WARMUP', 'stop'],
  'RECORD>RECORD': [],
  'RECORD>RECORD_AND_SAVE': [],
  'RECORD_AND_SAVE>NONE': ['stop', 'ready'],
  'RECORD_AND_SAVE>WARMUP': ['stop', 'ready', 'prepare'],
  'RECORD_AND_SAVE>RECORD': ['stop', 'ready', 'prepare', 'start'],
  'RECORD_AND_SAVE>RECORD_AND_SAVE': ['stop', 'ready', 'prepare', 'start'],
  'WARMUP>null': ['start', 'stop'],
  'RECORD>null': ['stop', 'ready'],
  'RECORD_AND_SAVE>null': ['stop', 'ready'],
};

/**
 * A profiler: `start()`, `step()` at each iteration, `stop()`; then `keyAverages()`,
 * `events()` and `exportChromeTrace()`. Made by `torch.profiler.profile`.
 * @example
 * const prof = torch.profiler.profile({ recordShapes: true });
 * prof.start(); net(x).sum().backward(); prof.stop();
 * console.log(prof.keyAverages().table({ sortBy: 'cpu_time_total', rowLimit: 10 }));
 */
export class Profile {
  /** The step count, advanced by `step()`. */
  stepNum = 0;
  readonly activities: ReadonlySet<ProfilerActivity>;
  readonly recordShapes: boolean;
  readonly profileMemory: boolean;
  readonly withStack: boolean;
  readonly withFlops: boolean;
  readonly withModules: boolean;
  private readonly scheduleFn: (step: number) => ProfilerAction;
  private readonly recordSteps: boolean;
  private readonly onTraceReady: ((profiler: Profile) => void) | null;
  private currentAction: ProfilerAction;
  private recorder: Recorder | null = null;
  private undoKernels: (() => void) | null = null;
  private deviceReference: [number, number] | null = null;
  private stepEvent: RawEvent | null = null;
  private results: EventList<FunctionEvent> | null = null;
  private resultsOrigin = 0;
  private metadata: Record<string, unknown> = {};
  private started = false;
  /** Set by stopTrace when it finished a recording, for the 'ready' that follows. */
  private traceFinished = false;

  constructor(options: ProfileOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`profile() got an unexpected keyword argument '${key}'`);
    }
    // An empty list means the default, as PyTorch's `set(activities) if activities else ...`.
    const activities = new Set<ProfilerActivity>(options.activities?.length ? options.activities : supportedActivities());
    for (const a of activities) {
      if (a !== 'CPU' && a !== 'CUDA') throw new TypeError(`profile(): unknown activity ${String(a)}; expected ProfilerActivity.CPU or ProfilerActivity.CUDA`);
    }
    if (options.useCuda !== undefined) {
      warnOnce('profiler.useCuda', 'The attribute `use_cuda` will be deprecated soon, please use ``use_device = \'cuda\'`` instead.');
      if (options.useCuda) activities.add('CUDA');
      else activities.delete('CUDA');
    }
    if (activities.has('CUDA') && !cudaAvailable()) {
      warnOnce('profiler.noCuda', 'torch.profiler: ProfilerActivity.CUDA was requested, but CUDA is not available; recording CPU activity only');
      activities.delete('CUDA');
      activities.add('CPU');
    }
    this.activities = activities;
    this.recordShapes = options.recordShapes ?? false;
    this.profileMemory = options.profileMemory ?? false;
    this.withStack = options.withStack ?? false;
    this.withFlops = options.withFlops ?? false;
    this.withModules = options.withModules ?? false;
    this.onTraceReady = options.onTraceReady ?? null;
    this.recordSteps = options.schedule !== undefined;
    this.scheduleFn = options.schedule ?? (() => ProfilerAction.RECORD);
    this.currentAction = this.scheduleFn(0);
  }

  /** Starts profiling (the schedule's first step). @example prof.start() */
  start(): void {
    if (this.started) throw new Error('profile: start() was already called; stop() first');
    this.transit(null, this.currentAction);
    this.started = true;
    if (this.recordSteps) this.openStep();
  }

  /**
   * Stops profiling; a trace still open is finished (and handed to onTraceReady). A second
   * call does nothing.
   * @example prof.stop()
   */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.closeStep();
    this.transit(this.currentAction, null);
  }

  /**
   * Marks the start of the next step: the schedule decides what to record from here.
   * @example for (const batch of loader) { trainStep(batch); prof.step(); }
   */
  step(): void {
    if (!this.started) throw new Error('profile: step() was called outside start() and stop()');
    this.closeStep();
    const previous = this.currentAction;
    this.stepNum += 1;
    this.currentAction = this.scheduleFn(this.stepNum);
    this.transit(previous, this.currentAction);
    if (this.recordSteps) this.openStep();
  }

  /**
   * The recorded events of the last trace, unaggregated.
   * @example prof.events().filter((e) => e.name === 'flint::gemm').length
   */
  events(): EventList<FunctionEvent> {
    if (this.results === null) throw new Error('profile: no trace has been recorded yet (call stop(), or wait for a RECORD_AND_SAVE step)');
    return this.results;
  }

  /**
   * The events averaged per name (and input shapes or stack, where asked).
   * @example console.log(prof.keyAverages().table({ sortBy: 'self_cpu_time_total' }))
   */
  keyAverages(options: KeyAveragesOptions = {}): EventList<FunctionEventAvg> {
    return this.events().keyAverages(options);
  }

  /**
   * Writes the last trace as a Chrome trace (gzipped where `path` ends in `.gz`), for
   * chrome://tracing, Perfetto or TensorBoard.
   * @example prof.exportChromeTrace('trace.json')
   */
  exportChromeTrace(path: string): void {
    writeChromeTrace(path, this.events(), { originEpochUs: this.resultsOrigin, metadata: this.metadata });
  }

  /**
   * Writes the stacks (withStack) for FlameGraph: `flamegraph.pl --countname us. stacks > out.svg`.
   * @example prof.exportStacks('/tmp/stacks.txt', 'self_cpu_time_total')
   */
  exportStacks(path: string, metric = 'self_cpu_time_total'): void {
    this.events().exportStacks(path, metric);
  }

  /** Adds a string to the trace's metadata. @example prof.addMetadata('run', 'baseline') */
  addMetadata(key: string, value: string): void {
    this.metadata[key] = value;
  }

  /** Adds a JSON value (given as text) to the trace's metadata. @example prof.addMetadataJson('cfg', '{"lr": 0.1}') */
  addMetadataJson(key: string, value: string): void {
    this.metadata[key] = JSON.parse(value);
  }

  private openStep(): void {
    const recorder = this.recorder;
    if (recorder !== null && this.undoKernels !== null) this.stepEvent = recorder.begin(`ProfilerStep#${this.stepNum}`, 'user_annotation');
  }

  private closeStep(): void {
    if (this.stepEvent !== null && this.recorder !== null) this.recorder.end(this.stepEvent);
    this.stepEvent = null;
  }

  private transit(previous: ProfilerAction | null, current: ProfilerAction | null): void {
    for (const action of TRANSITIONS[`${previous ?? 'NONE'}>${current}`] ?? []) {
      // 'prepare' has nothing to set up: recording begins at 'start'.
      if (action === 'prepare') continue;
      if (action === 'start') this.startTrace();
      else if (action === 'stop') this.stopTrace();
      else if (action === 'ready') {
        // Only a trace that was just finished is handed over.
        if (this.traceFinished) this.onTraceReady?.(this);
        this.traceFinished = false;
      }
      else warnOnce(`profiler.${action}`, action);
    }
  }

  private startTrace(): void {
    const cudaDevice = this.activities.has('CUDA') ? 1 + currentDevice() : 0;
    // The device reference first: if CUDA refuses it, nothing has been switched on yet.
    this.deviceReference = cudaDevice > 0 ? [cudaDevice, deviceReference(cudaDevice)] : null;
    try {
      this.recorder = startRecording({
        recordShapes: this.recordShapes, profileMemory: this.profileMemory, withStack: this.withStack,
        withFlops: this.withFlops, withModules: this.withModules, cudaDevice,
      });
    } catch (error) {
      if (this.deviceReference !== null) resolveDeviceTimes([], this.deviceReference[0], this.deviceReference[1], 0);
      this.deviceReference = null;
      throw error;
    }
    this.undoKernels = instrumentKernels(this.recorder);
  }

  private stopTrace(): void {
    const recorder = this.recorder;
    if (recorder === null) return;
    this.closeStep();
    this.undoKernels?.();
    this.undoKernels = null;
    stopRecording(recorder);
    this.recorder = null;
    const deviceIndex = recorder.options.cudaDevice - 1;
    const reference = this.deviceReference;
    this.deviceReference = null;
    if (reference !== null) resolveDeviceTimes(recorder.events, reference[0], reference[1], 0);
    let events = toFunctionEvents(recorder.events, this.profileMemory, this.withFlops, deviceIndex >= 0 ? 'cuda' : null, deviceIndex);
    // Without the CPU activity only the device's kernels are kept, as PyTorch's CUDA-only traces.
    if (!this.activities.has('CPU')) events = filterEvents(events, (e) => e.deviceType !== 'CPU');
    this.results = events;
    this.resultsOrigin = recorder.originEpochUs;
    this.traceFinished = true;
  }
}

/** The events of `list` that `keep` keeps, as an EventList with the same settings. */
function filterEvents(list: EventList<FunctionEvent>, keep: (e: FunctionEvent) => boolean): EventList<FunctionEvent> {
  const kept = EventList.fromEvents(list.filter(keep), list as EventList<EventStats>);
  kept._treeBuilt = true;
  return kept;
}

/** The recorded intervals as FunctionEvents, nested, with device kernels attached. */
function toFunctionEvents(raw: readonly RawEvent[], profileMemory: boolean, withFlops: boolean, useDevice: string | null, deviceIndex: number): EventList<FunctionEvent> {
  const events: FunctionEvent[] = [];
  let id = 0;
  for (const r of raw) {
    const name = r.name.startsWith('ProfilerStep#') ? 'ProfilerStep*' : r.name;
    const cpu = new FunctionEvent(id++, name, r.thread, r.start, r.end, r.shapes ?? [], r.stack ?? [], r.scope,
      r.cpuMemory, r.deviceMemory, r.sequenceNr, 'CPU', r.flops, r.name, r.cat === 'user_annotation', r.cat, r.types);
    events.push(cpu);
    if (r.deviceEnd > r.deviceStart) {
      const kernel = new FunctionEvent(id++, r.name, r.thread, r.deviceStart, r.deviceEnd, [], [], 0, 0, 0, -1, 'CUDA', 0, r.name, false, 'kernel');
      kernel.deviceIndex = deviceIndex;
      cpu.kernels.push({ name: r.name, device: deviceIndex, duration: r.deviceEnd - r.deviceStart });
      events.push(kernel);
    }
  }
  const list = EventList.fromEvents(events);
  list._profileMemory = profileMemory;
  list._withFlops = withFlops;
  list._useDevice = useDevice;
  return buildTree(list);
}

/**
 * `torch.profiler.profile`: a profiler with these options. With `fn`, it profiles `fn` (as
 * PyTorch's `with profile(...) as prof:` block) and returns the profiler; an async `fn`
 * gives a promise of it.
 * @example
 * const prof = torch.profiler.profile({ activities: [torch.profiler.ProfilerActivity.CPU] }, () => net(x));
 * console.log(prof.keyAverages().table({ sortBy: 'cpu_time_total', rowLimit: 10 }));
 */
export function profile(options?: ProfileOptions): Profile;
export function profile(options: ProfileOptions, fn: (profiler: Profile) => Promise<unknown>): Promise<Profile>;
export function profile(options: ProfileOptions, fn: (profiler: Profile) => unknown): Profile;
export function profile(options: ProfileOptions = {}, fn?: (profiler: Profile) => unknown): Profile | Promise<Profile> {
  const profiler = new Profile(options);
  if (fn === undefined) return profiler;
  profiler.start();
  let result: unknown;
  try {
    result = fn(profiler);
  } catch (error) {
    profiler.stop();
    throw error;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return (result as Promise<unknown>).then(
      () => (profiler.stop(), profiler),
      (error: unknown) => {
        profiler.stop();
        throw error;
      },
    );
  }
  profiler.stop();
  return profiler;
}

/**
 * `torch.profiler.record_function`: runs `fn` inside a range named `name`, which the table
 * and trace show with the kernels it ran; a promise from `fn` ends the range when it settles.
 * Costs one property load when no profiler records.
 * @example torch.profiler.recordFunction('forward', () => net(x))
 */
export function recordFunction<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string') throw new TypeError(`recordFunction(): argument 'name' must be a string, but got ${typeof name}`);
  return withEvent(name, 'user_annotation', fn);
}

/**
 * `torch.profiler.tensorboard_trace_handler`: an `onTraceReady` that writes each trace into
 * `dirName` as `<worker>.<ms since epoch>.pt.trace.json` (`.gz` with `useGzip`), the layout
 * TensorBoard's profiler plugin reads. `workerName` defaults to `<hostname>_<pid>`.
 * @example torch.profiler.profile({ schedule, onTraceReady: torch.profiler.tensorboardTraceHandler('./log') })
 */
export function tensorboardTraceHandler(dirName: string, workerName?: string | null, useGzip = false): (profiler: Profile) => void {
  return (profiler) => {
    try {
      mkdirSync(dirName, { recursive: true });
    } catch {
      throw new Error(`Can't create directory: ${dirName}`);
    }
    const worker = workerName || `${hostname()}_${process.pid}`;
    const file = `${worker}.${Date.now()}.pt.trace.json${useGzip ? '.gz' : ''}`;
    profiler.exportChromeTrace(join(dirName, file));
  };
}
