/**
 * The profiler's table, column for column as PyTorch's `_build_table` prints it (PyTorch
 * 2.x: device columns named after the device, memory in B/KB/MB/GB, `timeUnit`).
 */
import type { EventStats } from './events.js';

/** Options of `table()`, PyTorch's keywords camelCased. */
export interface TableOptions {
  /**
   * Sort by this attribute, largest first; PyTorch's names (`cpu_time_total`,
   * `self_cpu_time_total`, `cuda_time_total`, `cpu_memory_usage`, `count`...) or camelCase.
   */
  sortBy?: string | null;
  /** At most this many rows (default 100; -1 for all). */
  rowLimit?: number;
  maxSrcColumnWidth?: number;
  maxNameColumnWidth?: number;
  maxShapesColumnWidth?: number;
  /** A line printed above the table. */
  header?: string | null;
  /** Only the events with no parent. */
  topLevelEventsOnly?: boolean;
  /** Print every time in this unit: 's', 'ms' or 'us'. */
  timeUnit?: 's' | 'ms' | 'us' | null;
}

const DEFAULT_COLUMN_WIDTH = 12;
const SPACING = 2;

/**
 * Python's `'{:.Nf}'.format(x)`: as toFixed, except that an exact tie rounds to even
 * (Python) rather than up (JS): 0.125 is '0.12', as PyTorch prints it.
 * @internal
 */
export function pyFixed(x: number, digits: number): string {
  if (x < 0) return `-${pyFixed(-x, digits)}`;
  // A tie is a value whose exact decimal expansion ends in a 5 right after the kept
  // digits. 25 more digits show the expansion exactly wherever a tie can be (a double that
  // close to a tie is the tie), so the test is on text, not on rounded products.
  const expanded = x.toFixed(Math.min(100, digits + 25));
  const cut = expanded.indexOf('.') + (digits === 0 ? 0 : 1 + digits);
  if (/^\.?50*$/.test(expanded.slice(cut))) {
    const kept = expanded.slice(0, cut);
    // toFixed rounds a tie up; Python rounds it to the even digit.
    if (Number(kept[kept.length - 1]) % 2 === 0) return kept;
  }
  return x.toFixed(digits);
}

/** snake_case attribute names to the events' properties; `cuda` and `device` are one. */
function sortKey(name: string): keyof EventStats {
  const camel = name.replace(/(cuda|xpu|privateuse1)/g, 'device').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const known = ['cpuTime', 'deviceTime', 'cpuTimeTotal', 'deviceTimeTotal', 'selfCpuTimeTotal', 'selfDeviceTimeTotal',
    'cpuMemoryUsage', 'deviceMemoryUsage', 'selfCpuMemoryUsage', 'selfDeviceMemoryUsage', 'count', 'flops'];
  if (!known.includes(camel)) throw new Error(`table(): cannot sort by '${name}'; expected one of cpu_time, cuda_time, cpu_time_total, cuda_time_total, self_cpu_time_total, self_cuda_time_total, cpu_memory_usage, cuda_memory_usage, self_cpu_memory_usage, self_cuda_memory_usage, count`);
  return camel as keyof EventStats;
}

/** PyTorch's `_format_time`, or the unit `timeUnit` asks for. @internal */
export function formatTime(us: number, unit: TableOptions['timeUnit']): string {
  if (unit === 's' || (!unit && us >= 1e6)) return `${pyFixed(us / 1e6, 3)}s`;
  if (unit === 'ms' || (!unit && us >= 1e3)) return `${pyFixed(us / 1e3, 3)}ms`;
  return `${pyFixed(us, 3)}us`;
}

function formatShare(us: number, total: number): string {
  if (total === 0) return 'NaN';
  return `${pyFixed((us * 100) / total, 2)}%`;
}

/** PyTorch's `_format_memory`. */
function formatMemory(bytes: number): string {
  const KB = 1024;
  const MB = 1024 * KB;
  const GB = 1024 * MB;
  if (Math.abs(bytes) >= GB) return `${pyFixed(bytes / GB, 2)} GB`;
  if (Math.abs(bytes) >= MB) return `${pyFixed(bytes / MB, 2)} MB`;
  if (Math.abs(bytes) >= KB) return `${pyFixed(bytes / KB, 2)} KB`;
  return `${bytes} B`;
}

function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `[${value.map(pyStr).join(', ')}]`;
  return String(value);
}

/** Builds the table's text. @internal */
export function buildTable(
  input: readonly EventStats[],
  options: TableOptions,
  profileMemory: boolean,
  withFlops: boolean,
  useDevice: string | null,
): string {
  if (input.length === 0) return '';
  const rowLimit = options.rowLimit ?? 100;
  const maxSrc = options.maxSrcColumnWidth ?? 75;
  const maxName = options.maxNameColumnWidth ?? 55;
  const maxShapes = options.maxShapesColumnWidth ?? 80;
  const unit = options.timeUnit ?? null;
  const hasDeviceTime = input.some((e) => e.selfDeviceTimeTotal > 0);
  const hasDeviceMemory = input.some((e) => e.selfDeviceMemoryUsage > 0);
  const hasShapes = input.some((e) => e.inputShapes !== null && e.inputShapes.length > 0);
  let events = [...input];
  if (options.sortBy) {
    const key = sortKey(options.sortBy);
    // Python's sorted(reverse=True) is stable: equal keys keep their order.
    events = events.map((e, i) => [e, i] as const).sort((a, b) => (b[0][key] as number) - (a[0][key] as number) || a[1] - b[1]).map(([e]) => e);
  }
  // Loops, not Math.max(...list): a long profile's list overflows the argument stack.
  let longestName = 0;
  let longestShapes = 0;
  let longestFrame = -1;
  for (const e of events) {
    longestName = Math.max(longestName, e.key.length);
    longestShapes = Math.max(longestShapes, pyStr(e.inputShapes).length);
    for (const frame of e.stack) longestFrame = Math.max(longestFrame, frame.length);
  }
  const nameWidth = Math.min(longestName + 4, maxName);
  const shapesWidth = Math.min(longestShapes + 4, maxShapes);
  const hasStack = longestFrame >= 0;
  const srcWidth = hasStack ? Math.min(longestFrame + 4, maxSrc) : 0;
  const device = useDevice !== null ? useDevice.toUpperCase() : 'None';

  const headers = ['Name', 'Self CPU %', 'Self CPU', 'CPU total %', 'CPU total', 'CPU time avg'];
  if (hasDeviceTime) headers.push(`Self ${device}`, `Self ${device} %`, `${device} total`, `${device} time avg`);
  if (profileMemory) {
    headers.push('CPU Mem', 'Self CPU Mem');
    if (useDevice !== null && hasDeviceMemory) headers.push(`${device} Mem`, `Self ${device} Mem`);
  }
  headers.push('# of Calls');
  const showNodeId = events.some((e) => e.nodeId !== -1);
  if (showNodeId) headers.push('Node ID');
  const widths = [nameWidth, ...headers.slice(1).map(() => DEFAULT_COLUMN_WIDTH)];
  const aligns: ('>' | '<')[] = widths.map(() => '>');
  if (hasShapes) {
    headers.push('Input Shapes');
    widths.push(shapesWidth);
    aligns.push('>');
  }
  let flopsScale = 1;
  let showFlops = withFlops;
  if (withFlops) {
    let smallest = Infinity;
    for (const e of events) if (e.flops > 0) smallest = Math.min(smallest, e.flops);
    if (smallest < Infinity) {
      const names = ['FLOPs', 'KFLOPs', 'MFLOPs', 'GFLOPs', 'TFLOPs', 'PFLOPs'];
      const log = Math.max(0, Math.min(Math.log10(smallest) / 3, names.length - 1));
      flopsScale = 10 ** (Math.floor(log) * -3);
      headers.push(`Total ${names[Math.floor(log)]}`);
      widths.push(DEFAULT_COLUMN_WIDTH);
      aligns.push('>');
    } else {
      showFlops = false;
    }
  }
  // The source column goes last, so that a stack's further frames sit under its first.
  if (hasStack) {
    headers.push('Source Location');
    widths.push(srcWidth);
    aligns.push('<');
  }
  const row = (values: unknown[]): string =>
    values.map((v, i) => {
      const text = String(v);
      return (aligns[i] === '>' ? text.padStart(widths[i]) : text.padEnd(widths[i])) + ' '.repeat(SPACING);
    }).join('');
  const separator = widths.map((w) => '-'.repeat(w) + ' '.repeat(SPACING)).join('');
  const lineLength = widths.reduce((sum, w) => sum + w + SPACING, -SPACING);

  let selfCpuTotal = 0;
  let selfDeviceTotal = 0;
  for (const e of events) {
    selfCpuTotal += e.selfCpuTimeTotal;
    if (e.deviceType !== 'CPU' && !e.isUserAnnotation) selfDeviceTotal += e.selfDeviceTimeTotal;
  }
  const lines: string[] = [];
  if (options.header != null) lines.push('='.repeat(lineLength), options.header);
  if (options.topLevelEventsOnly) lines.push('='.repeat(lineLength), 'This report only display top-level ops statistics');
  lines.push(separator, row(headers), separator);
  const trimPath = (path: string): string => {
    if (path.length <= srcWidth) return path;
    const tail = path.slice(path.length - srcWidth);
    return tail.length > 3 ? `...${tail.slice(3)}` : tail;
  };
  let shown = 0;
  for (const e of events) {
    if (shown === rowLimit) break;
    if (options.topLevelEventsOnly && e.cpuParent !== null) continue;
    shown++;
    let name = e.key;
    if (name.length >= maxName - 3) name = `${name.slice(0, maxName - 3)}...`;
    const values: unknown[] = [
      name,
      formatShare(e.selfCpuTimeTotal, selfCpuTotal),
      formatTime(e.selfCpuTimeTotal, unit),
      e.isAsync ? 0 : formatShare(e.cpuTimeTotal, selfCpuTotal),
      formatTime(e.cpuTimeTotal, unit),
      formatTime(e.count === 0 ? 0 : e.cpuTimeTotal / e.count, unit),
    ];
    if (hasDeviceTime) {
      values.push(
        formatTime(e.selfDeviceTimeTotal, unit),
        formatShare(e.selfDeviceTimeTotal, selfDeviceTotal),
        formatTime(e.deviceTimeTotal, unit),
        formatTime(e.count === 0 ? 0 : e.deviceTimeTotal / e.count, unit),
      );
    }
    if (profileMemory) {
      values.push(formatMemory(e.cpuMemoryUsage), formatMemory(e.selfCpuMemoryUsage));
      if (useDevice !== null && hasDeviceMemory) values.push(formatMemory(e.deviceMemoryUsage), formatMemory(e.selfDeviceMemoryUsage));
    }
    values.push(e.count);
    if (showNodeId) values.push(e.nodeId);
    if (hasShapes) values.push(pyStr(e.inputShapes).slice(0, shapesWidth));
    if (showFlops) values.push(e.flops <= 0 ? '--' : pyFixed(e.flops * flopsScale, 3).padStart(8));
    if (hasStack) values.push(e.stack.length > 0 ? trimPath(e.stack[0]) : '');
    lines.push(row(values));
    if (hasStack) {
      const empty = new Array<string>(headers.length - 1).fill('');
      // At most five frames a row, as PyTorch's MAX_STACK_ENTRY.
      for (const frame of e.stack.slice(1, 5)) lines.push(row([...empty, trimPath(frame)]));
      lines.push(row([...empty, '']));
    }
  }
  lines.push(separator, `Self CPU time total: ${formatTime(selfCpuTotal, unit)}`);
  if (hasDeviceTime) lines.push(`Self ${device} time total: ${formatTime(selfDeviceTotal, unit)}`);
  return lines.map((line) => `${line}\n`).join('');
}
