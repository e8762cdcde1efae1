/**
 * The Chrome trace a profile exports: the JSON object of PyTorch's kineto traces
 * (`traceEvents` of complete events, with the args PyTorch writes), which chrome://tracing,
 * Perfetto and TensorBoard's profiler plugin read.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FunctionEvent } from './events.js';

/** What a trace file says besides its events. @internal */
export interface TraceHeader {
  /**
   * Microseconds since the epoch when recording began: the trace's `baseTimeNanoseconds`,
   * from which its events' `ts` count (as kineto's traces do).
   */
  originEpochUs: number;
  metadata: Record<string, unknown>;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The trace of `events` as JSON text. @internal */
export function chromeTrace(events: readonly FunctionEvent[], header: TraceHeader): string {
  const pid = process.pid;
  const base = header.originEpochUs;
  const out: Record<string, unknown>[] = [];
  events.forEach((event, index) => {
    if (event.traceName === null) return;
    const args: Record<string, unknown> = { 'External id': event.id, 'Ev Idx': index };
    if (event.deviceType === 'CPU') {
      if (event.inputShapes !== null && Array.isArray(event.inputShapes) && event.inputShapes.length > 0) args['Input Dims'] = event.inputShapes;
      if (event.inputTypes !== null && event.inputTypes.length > 0) args['Input type'] = event.inputTypes;
      if (event.sequenceNr >= 0) args['Sequence number'] = event.sequenceNr;
      if (event.fwdThread !== null) args['Fwd thread id'] = event.fwdThread;
      if (event.stack.length > 0) args['Call stack'] = event.stack.join(';');
    } else {
      args.device = event.deviceIndex;
      args.stream = 7;
    }
    out.push({
      ph: 'X',
      cat: event.category,
      name: event.traceName,
      pid: event.deviceType === 'CPU' ? pid : event.deviceIndex,
      tid: event.deviceType === 'CPU' ? event.thread : 7,
      ts: round3(event.timeRange.start),
      dur: round3(event.timeRange.elapsedUs()),
      args,
    });
  });
  out.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: 'node' } });
  return JSON.stringify({
    schemaVersion: 1,
    deviceProperties: [],
    ...header.metadata,
    traceEvents: out,
    displayTimeUnit: 'ms',
    baseTimeNanoseconds: Math.round(base * 1000),
  });
}

/** Writes the trace to `path`, gzipped where the name ends in `.gz`. @internal */
export function writeChromeTrace(path: string, events: readonly FunctionEvent[], header: TraceHeader): void {
  const text = chromeTrace(events, header);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(text) : text);
}
