/**
 * The profiler's results, as PyTorch's torch.autograd.profiler_util has them: one
 * FunctionEvent per recorded interval, nested by time into parents and children (which is
 * what makes "self" time: an event's time less its children's), FunctionEventAvg for the
 * per-name totals of `keyAverages()`, and EventList, which holds either and prints them.
 */
import { writeFileSync } from 'node:fs';
import { buildTable, formatTime as formatTableTime, type TableOptions } from './table.js';

/** Where an event ran, as `torch.autograd.DeviceType`. */
export type DeviceType = 'CPU' | 'CUDA';

/** An event's start and end, in microseconds. */
export class Interval {
  constructor(
    public start: number,
    public end: number,
  ) {}
  /** @example ev.timeRange.elapsedUs() */
  elapsedUs(): number {
    return this.end - this.start;
  }
}

/** A device kernel launched by a CPU event: its name, device index and duration (us). */
export interface Kernel {
  name: string;
  device: number;
  duration: number;
}

/** What FunctionEvent and FunctionEventAvg share: the totals, and the averages from them. */
export interface EventStats {
  key: string;
  count: number;
  cpuTimeTotal: number;
  selfCpuTimeTotal: number;
  deviceTimeTotal: number;
  selfDeviceTimeTotal: number;
  cpuMemoryUsage: number;
  selfCpuMemoryUsage: number;
  deviceMemoryUsage: number;
  selfDeviceMemoryUsage: number;
  inputShapes: unknown[] | string | null;
  stack: string[];
  flops: number;
  isAsync: boolean;
  isUserAnnotation: boolean;
  nodeId: number;
  deviceType: DeviceType;
  cpuParent: FunctionEvent | null;
  /** Average CPU time per call (us). */
  readonly cpuTime: number;
  /** Average device time per call (us). */
  readonly deviceTime: number;
}

/**
 * What FunctionEvent and FunctionEventAvg derive from their totals, as PyTorch's
 * FormattedTimesMixin: the averages per call, and PyTorch's older `cuda*` names.
 */
abstract class DerivedTimes {
  abstract readonly count: number;
  abstract readonly cpuTimeTotal: number;
  abstract readonly deviceTimeTotal: number;
  abstract readonly selfDeviceTimeTotal: number;
  abstract readonly deviceMemoryUsage: number;
  abstract readonly selfDeviceMemoryUsage: number;

  /** Average CPU time per call (us). */
  get cpuTime(): number {
    return averageOf(this.cpuTimeTotal, this.count);
  }
  /** Average device time per call (us). */
  get deviceTime(): number {
    return averageOf(this.deviceTimeTotal, this.count);
  }
  get cudaTimeTotal(): number {
    return this.deviceTimeTotal;
  }
  get selfCudaTimeTotal(): number {
    return this.selfDeviceTimeTotal;
  }
  get cudaTime(): number {
    return this.deviceTime;
  }
  get cudaMemoryUsage(): number {
    return this.deviceMemoryUsage;
  }
  get selfCudaMemoryUsage(): number {
    return this.selfDeviceMemoryUsage;
  }
}

/**
 * One recorded interval: an operation, a user range (`recordFunction`), a backward function
 * or a Module call.
 * @example for (const ev of prof.events()) console.log(ev.name, ev.cpuTimeTotal)
 */
export class FunctionEvent extends DerivedTimes implements EventStats {
  readonly timeRange: Interval;
  count = 1;
  cpuChildren: FunctionEvent[] = [];
  cpuParent: FunctionEvent | null = null;
  kernels: Kernel[] = [];
  nodeId = -1;
  isAsync = false;
  isRemote = false;
  isLegacy = false;
  deviceIndex = 0;
  fwdThread: number | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly thread: number,
    start: number,
    end: number,
    public inputShapes: unknown[] | string | null,
    public stack: string[],
    readonly scope: number,
    readonly cpuMemoryUsage: number,
    readonly deviceMemoryUsage: number,
    readonly sequenceNr: number,
    readonly deviceType: DeviceType,
    readonly flops: number,
    /** The name the trace shows; `ProfilerStep#3` where the table shows `ProfilerStep*`. */
    readonly traceName: string | null,
    readonly isUserAnnotation: boolean,
    /** The trace category (cpu_op, user_annotation, python_function, kernel). */
    readonly category: string,
    /** The input dtypes (recordShapes). */
    readonly inputTypes: string[] | null = null,
  ) {
    super();
    this.timeRange = new Interval(start, end);
    if (scope === 1) this.fwdThread = thread;
  }

  /** The name events are grouped by. */
  get key(): string {
    return this.name;
  }
  get cpuTimeTotal(): number {
    return this.deviceType === 'CPU' ? this.timeRange.elapsedUs() : 0;
  }
  get selfCpuTimeTotal(): number {
    if (this.isAsync || this.deviceType !== 'CPU') return 0;
    return this.cpuTimeTotal - this.cpuChildren.reduce((sum, child) => sum + child.cpuTimeTotal, 0);
  }
  get deviceTimeTotal(): number {
    if (this.isAsync) return 0;
    if (this.deviceType !== 'CPU') return this.timeRange.elapsedUs();
    return this.kernels.reduce((sum, k) => sum + k.duration, 0) + this.cpuChildren.reduce((sum, child) => sum + child.deviceTimeTotal, 0);
  }
  get selfDeviceTimeTotal(): number {
    if (this.isAsync) return 0;
    if (this.deviceType !== 'CPU') return this.deviceTimeTotal;
    return this.deviceTimeTotal - this.cpuChildren.reduce((sum, child) => sum + child.deviceTimeTotal, 0);
  }
  get selfCpuMemoryUsage(): number {
    if (this.isAsync || this.deviceType !== 'CPU') return 0;
    return this.cpuMemoryUsage - this.cpuChildren.reduce((sum, child) => sum + child.cpuMemoryUsage, 0);
  }
  get selfDeviceMemoryUsage(): number {
    if (this.isAsync || this.deviceType !== 'CPU') return 0;
    return this.deviceMemoryUsage - this.cpuChildren.reduce((sum, child) => sum + child.deviceMemoryUsage, 0);
  }
  override toString(): string {
    return `<FunctionEvent id=${this.id} name=${this.name} device_type=DeviceType.${this.deviceType} node_id=${this.nodeId} cpu_time=${formatTime(this.cpuTime)} start_us=${this.timeRange.start} end_us=${this.timeRange.end} cpu_children=[${this.cpuChildren.map((c) => c.id).join(', ')}] cuda_time=${formatTime(this.deviceTime)} name=${this.name} thread=${this.thread} input_shapes=${pyRepr(this.inputShapes)} cpu_memory_usage=${this.cpuMemoryUsage} cuda_memory_usage=${this.deviceMemoryUsage} is_async=${pyBool(this.isAsync)} is_remote=${pyBool(this.isRemote)} seq_nr=${this.sequenceNr} is_legacy=${pyBool(this.isLegacy)}>`;
  }
}

/**
 * The totals of the events that share a key (`keyAverages()` makes these).
 * @example const row = prof.keyAverages().find((e) => e.key === 'flint::gemm'); row?.count
 */
export class FunctionEventAvg extends DerivedTimes implements EventStats {
  key = '';
  count = 0;
  nodeId = 0;
  isAsync = false;
  isRemote = false;
  isUserAnnotation = false;
  cpuTimeTotal = 0;
  deviceTimeTotal = 0;
  selfCpuTimeTotal = 0;
  selfDeviceTimeTotal = 0;
  cpuMemoryUsage = 0;
  deviceMemoryUsage = 0;
  selfCpuMemoryUsage = 0;
  selfDeviceMemoryUsage = 0;
  inputShapes: unknown[] | string | null = null;
  stack: string[] = [];
  scope: number | null = null;
  cpuParent: FunctionEvent | null = null;
  cpuChildren: FunctionEvent[] | null = null;
  deviceType: DeviceType = 'CPU';
  isLegacy = false;
  flops = 0;
  private keyed = false;

  /** Adds one event's (or average's) totals. @example avg.add(ev) */
  add(other: FunctionEvent | FunctionEventAvg): this {
    if (!this.keyed) {
      this.keyed = true;
      this.key = other.key;
      this.nodeId = other.nodeId;
      this.isAsync = other.isAsync;
      this.isRemote = other.isRemote;
      this.cpuParent = other.cpuParent;
      this.cpuChildren = other instanceof FunctionEvent ? other.cpuChildren : other.cpuChildren;
      this.inputShapes = other.inputShapes;
      this.stack = other.stack;
      this.scope = other.scope;
      this.deviceType = other.deviceType;
      this.isLegacy = other.isLegacy;
      this.isUserAnnotation = other.isUserAnnotation;
    }
    this.cpuTimeTotal += other.cpuTimeTotal;
    this.deviceTimeTotal += other.deviceTimeTotal;
    this.selfCpuTimeTotal += other.selfCpuTimeTotal;
    this.selfDeviceTimeTotal += other.selfDeviceTimeTotal;
    this.cpuMemoryUsage += other.cpuMemoryUsage;
    this.deviceMemoryUsage += other.deviceMemoryUsage;
    this.selfCpuMemoryUsage += other.selfCpuMemoryUsage;
    this.selfDeviceMemoryUsage += other.selfDeviceMemoryUsage;
    this.count += other.count;
    this.flops += other.flops;
    return this;
  }
  override toString(): string {
    return `<FunctionEventAvg key=${this.key} self_cpu_time=${formatTime(this.selfCpuTimeTotal)} cpu_time=${formatTime(this.cpuTime)}  self_cuda_time=${formatTime(this.selfDeviceTimeTotal)} cuda_time=${formatTime(this.deviceTime)} input_shapes=${pyRepr(this.inputShapes)} cpu_memory_usage=${this.cpuMemoryUsage} cuda_memory_usage=${this.deviceMemoryUsage}>`;
  }
}

function averageOf(total: number, count: number): number {
  return count === 0 ? 0 : total / count;
}

function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/** Python's str() of shapes: `[[4, 8], [16, 8], []]`. @internal */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return String(value);
}

/** PyTorch's time format: microseconds, milliseconds or seconds, three decimals. @internal */
export function formatTime(us: number): string {
  return formatTableTime(us, null);
}

/** Options of `keyAverages`, PyTorch's keywords camelCased. */
export interface KeyAveragesOptions {
  /** Group by (name, input shapes) instead of by name (needs recordShapes). */
  groupByInputShape?: boolean;
  /** Group by the top n stack entries too (needs withStack). */
  groupByStackN?: number;
}

/**
 * A list of events (FunctionEvent or FunctionEventAvg) that prints as PyTorch's table.
 * @example console.log(prof.keyAverages().table({ sortBy: 'cpu_time_total', rowLimit: 10 }))
 */
export class EventList<E extends EventStats = FunctionEvent> extends Array<E> {
  /** @internal */ _profileMemory = false;
  /** @internal */ _withFlops = false;
  /** @internal */ _useDevice: string | null = null;
  /** @internal */ _treeBuilt = false;

  // map/filter/slice make plain arrays: an EventList is only made by the profiler.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** @internal */
  static fromEvents<E extends EventStats>(events: E[], from?: EventList<EventStats>): EventList<E> {
    const list = new EventList<E>();
    // One push per event: spreading a long profile's events into push() overflows the stack.
    for (let i = 0; i < events.length; i++) list.push(events[i]);
    if (from !== undefined) {
      list._profileMemory = from._profileMemory;
      list._withFlops = from._withFlops;
      list._useDevice = from._useDevice;
    }
    return list;
  }

  /** The sum of the events' self CPU time (us). */
  get selfCpuTimeTotal(): number {
    return this.reduce((sum, e) => sum + e.selfCpuTimeTotal, 0);
  }

  /**
   * The events as PyTorch's table: one row per event, sorted by `sortBy` (PyTorch's
   * attribute names: `cpu_time_total`, `self_cpu_time_total`, `cuda_time_total`, `count`...).
   * @example prof.keyAverages().table({ sortBy: 'self_cpu_time_total', rowLimit: 5 })
   */
  table(options: TableOptions = {}): string {
    return buildTable(this, options, this._profileMemory, this._withFlops, this._useDevice);
  }

  override toString(): string {
    return this.table();
  }

  /**
   * The events averaged per name (and input shapes or stack, if asked).
   * @example prof.events().keyAverages({ groupByInputShape: true })
   */
  keyAverages(options: KeyAveragesOptions = {}): EventList<FunctionEventAvg> {
    const byShape = options.groupByInputShape ?? false;
    const stackN = options.groupByStackN ?? 0;
    const stats = new Map<string, FunctionEventAvg>();
    for (const event of this) {
      const parts = [event.key, String(event.nodeId), event.deviceType, 'False', String(event.isUserAnnotation)];
      if (byShape) parts.push(pyRepr(event.inputShapes));
      if (stackN > 0) parts.push(...event.stack.slice(0, stackN));
      const key = JSON.stringify(parts);
      let avg = stats.get(key);
      if (avg === undefined) stats.set(key, (avg = new FunctionEventAvg()));
      avg.add(event as unknown as FunctionEvent);
    }
    const list = EventList.fromEvents([...stats.values()], this as EventList<EventStats>);
    for (const avg of list) {
      avg.stack = avg.stack.slice(0, stackN);
      if (!byShape) avg.inputShapes = '';
    }
    return list;
  }

  /**
   * One FunctionEventAvg over every event, keyed `Total`.
   * @example prof.events().totalAverage().cpuTimeTotal
   */
  totalAverage(): FunctionEventAvg {
    const total = new FunctionEventAvg();
    for (const event of this) total.add(event as unknown as FunctionEvent);
    total.key = 'Total';
    return total;
  }

  /**
   * Writes the stacks (withStack) in the collapsed format FlameGraph reads: one line per
   * event, its frames outermost first, then the metric in microseconds.
   * @example prof.exportStacks('/tmp/profile.stacks', 'self_cpu_time_total')
   */
  exportStacks(path: string, metric = 'self_cpu_time_total'): void {
    const supported = ['self_cpu_time_total', 'self_cuda_time_total', 'self_device_time_total'];
    if (!supported.includes(metric)) throw new Error(`metric should be one of: ['${supported.join("', '")}']`);
    const lines: string[] = [];
    for (const event of this) {
      if (event.stack.length === 0) continue;
      const value = Math.trunc(metric === 'self_cpu_time_total' ? event.selfCpuTimeTotal : event.selfDeviceTimeTotal);
      if (value <= 0) continue;
      const frames = [...event.stack].reverse().map((frame) => frame.replace(/[ ;\t\n]/g, '_'));
      lines.push(`${frames.join(';')} ${value}`);
    }
    writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
  }
}

/**
 * Nests the events by time, per thread, as PyTorch's `_populate_cpu_children`: an event
 * whose interval lies inside another's is its child. Then drops an event whose parent has
 * the same name and no other child (`_remove_dup_nodes`).
 * @internal
 */
export function buildTree(events: EventList<FunctionEvent>): EventList<FunctionEvent> {
  const byThread = new Map<string, FunctionEvent[]>();
  for (const event of events) {
    if (event.isAsync || event.deviceType !== 'CPU') continue;
    const key = `${event.thread}/${event.nodeId}`;
    const list = byThread.get(key);
    if (list === undefined) byThread.set(key, [event]);
    else list.push(event);
  }
  for (const list of byThread.values()) {
    list.sort((a, b) => a.timeRange.start - b.timeRange.start || b.timeRange.end - a.timeRange.end);
    const open: FunctionEvent[] = [];
    for (const event of list) {
      while (open.length > 0) {
        const parent = open[open.length - 1];
        if (event.timeRange.start >= parent.timeRange.end || event.timeRange.end > parent.timeRange.end) {
          open.pop();
        } else {
          parent.cpuChildren.push(event);
          event.cpuParent = parent;
          break;
        }
      }
      open.push(event);
    }
  }
  let kept = [...events];
  for (;;) {
    const dropped = new Set<FunctionEvent>();
    for (const event of kept) {
      const parent = event.cpuParent;
      if (parent !== null && parent.name === event.name && parent.cpuChildren.length === 1) {
        parent.cpuChildren = event.cpuChildren;
        parent.kernels = event.kernels;
        for (const child of event.cpuChildren) child.cpuParent = parent;
        dropped.add(event);
      }
    }
    if (dropped.size === 0) break;
    kept = kept.filter((event) => !dropped.has(event));
  }
  // A backward function's events take the stack of the forward op of the same sequence
  // number, as PyTorch's `_set_backward_stacktraces` does.
  const backwardParent = (event: FunctionEvent | null): FunctionEvent | null =>
    event === null ? null : event.scope === 1 ? event : backwardParent(event.cpuParent);
  const list = EventList.fromEvents(kept, events as EventList<EventStats>);
  list._treeBuilt = true;
  const forwardStacks = new Map<string, string[]>();
  for (const event of list) {
    if (backwardParent(event) === null && event.stack.length > 0 && event.sequenceNr >= 0) {
      const key = `${event.sequenceNr}/${event.thread}`;
      if (!forwardStacks.has(key)) forwardStacks.set(key, event.stack);
    }
  }
  for (const event of list) {
    const parent = backwardParent(event);
    const forward = parent === null ? undefined : forwardStacks.get(`${parent.sequenceNr}/${parent.fwdThread}`);
    if (forward !== undefined) event.stack = forward;
  }
  return list;
}
