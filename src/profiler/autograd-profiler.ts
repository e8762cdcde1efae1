/**
 * `torch.autograd.profiler`: PyTorch's older profiler API, which many scripts still use
 * (`with torch.autograd.profiler.profile() as prof: ...; prof.key_averages().table()`),
 * over the same recording as torch.profiler.
 */
import type { EventList, FunctionEvent, FunctionEventAvg, KeyAveragesOptions } from './events.js';
import { Profile, ProfilerActivity, recordFunction } from './profile.js';
import type { TableOptions } from './table.js';

export { recordFunction };

/** Options of `torch.autograd.profiler.profile`, PyTorch's keywords camelCased. */
export interface AutogradProfileOptions {
  /** false: run without profiling. */
  enabled?: boolean;
  /** Time CUDA kernels too. */
  useCuda?: boolean;
  /** 'cuda' times CUDA kernels too. */
  useDevice?: string | null;
  /** Record CPU activity (default true). */
  useCpu?: boolean;
  recordShapes?: boolean;
  withFlops?: boolean;
  profileMemory?: boolean;
  withStack?: boolean;
  withModules?: boolean;
  /** Accepted for compatibility: flint has one recording path. */
  useKineto?: boolean;
}

const KNOWN = new Set(['enabled', 'useCuda', 'useDevice', 'useCpu', 'recordShapes', 'withFlops', 'profileMemory', 'withStack', 'withModules', 'useKineto']);

/**
 * What `torch.autograd.profiler.profile` gives: the events of the profiled code.
 * @example
 * const prof = torch.autograd.profiler.profile({}, () => net(x));
 * console.log(prof.keyAverages().table({ sortBy: 'self_cpu_time_total' }));
 */
export class AutogradProfile {
  /** @internal */
  constructor(
    private readonly events: EventList<FunctionEvent> | null,
    private readonly source: Profile | null,
  ) {}

  /** The recorded events (null when profiling was disabled). */
  get functionEvents(): EventList<FunctionEvent> | null {
    return this.events;
  }

  private recorded(): EventList<FunctionEvent> {
    if (this.events === null) throw new Error("Profiler didn't finish running");
    return this.events;
  }

  /** The events averaged per name. @example prof.keyAverages({ groupByInputShape: true }) */
  keyAverages(options: KeyAveragesOptions = {}): EventList<FunctionEventAvg> {
    return this.recorded().keyAverages(options);
  }

  /** The unaggregated events as PyTorch's table. @example console.log(prof.table({ rowLimit: 10 })) */
  table(options: TableOptions = {}): string {
    return this.recorded().table(options);
  }

  /** One average over every event. @example prof.totalAverage().cpuTimeTotal */
  totalAverage(): FunctionEventAvg {
    return this.recorded().totalAverage();
  }

  /** The events' total self CPU time (us). @example prof.selfCpuTimeTotal */
  get selfCpuTimeTotal(): number {
    return this.recorded().selfCpuTimeTotal;
  }

  /** Writes a Chrome trace. @example prof.exportChromeTrace('trace.json') */
  exportChromeTrace(path: string): void {
    this.recorded();
    this.source!.exportChromeTrace(path);
  }

  /** Writes the stacks for FlameGraph. @example prof.exportStacks('stacks.txt') */
  exportStacks(path: string, metric = 'self_cpu_time_total'): void {
    this.recorded().exportStacks(path, metric);
  }

  toString(): string {
    return this.events === null ? '<unfinished torch.autograd.profile>' : this.events.table();
  }
}

/**
 * `torch.autograd.profiler.profile`: profiles `fn` and returns its events (a promise of them
 * for an async `fn`).
 * @example
 * const prof = torch.autograd.profiler.profile({ recordShapes: true }, () => net(x));
 * console.log(prof.keyAverages({ groupByInputShape: true }).table({ sortBy: 'cpu_time_total' }));
 */
export function profile(options: AutogradProfileOptions, fn: () => Promise<unknown>): Promise<AutogradProfile>;
export function profile(options: AutogradProfileOptions, fn: () => unknown): AutogradProfile;
export function profile(options: AutogradProfileOptions, fn: () => unknown): AutogradProfile | Promise<AutogradProfile> {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`profile() got an unexpected keyword argument '${key}'`);
  }
  if (options.enabled === false) {
    const result = fn();
    const disabled = new AutogradProfile(null, null);
    return isThenable(result) ? result.then(() => disabled) : disabled;
  }
  const activities: ProfilerActivity[] = [];
  if (options.useCpu ?? true) activities.push(ProfilerActivity.CPU);
  if (options.useCuda || options.useDevice === 'cuda') activities.push(ProfilerActivity.CUDA);
  const inner = new Profile({
    activities,
    recordShapes: options.recordShapes,
    withFlops: options.withFlops,
    profileMemory: options.profileMemory,
    withStack: options.withStack,
    withModules: options.withModules,
  });
  const finish = (): AutogradProfile => {
    inner.stop();
    return new AutogradProfile(inner.events(), inner);
  };
  inner.start();
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    inner.stop();
    throw error;
  }
  if (isThenable(result)) {
    return result.then(finish, (error: unknown) => {
      inner.stop();
      throw error;
    });
  }
  return finish();
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
