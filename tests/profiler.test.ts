/**
 * torch.profiler. Against PyTorch 1.13's own profiler code (scripts/make_profiler_fixtures.py):
 * the schedule, the steps at which a scheduled profile hands over its trace, and the tables,
 * nesting, key averages and totals for a fixed set of events. Then what flint records: the
 * kernels of a training step with their shapes, memory and FLOPs, the backward functions
 * and optimizer steps nested as PyTorch nests them, Module events, stacks, ProfilerStep#n
 * ranges, traces, and that the native entry points are restored after every profile.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import { native } from '../src/native/addon.js';
import { EventList, FunctionEvent, buildTree } from '../src/profiler/events.js';
import { PROFILING } from '../src/profiler/recorder.js';
import { ENTRY_PROFILES } from '../src/native/calls.generated.js';
import { pyFixed } from '../src/profiler/table.js';

const { profiler, nn } = torch;
const F = nn.functional;

type Spec = [string, number, number, number, number[][], string[], number, number, number];
const FIX = JSON.parse(readFileSync(new URL('./fixtures/profiler.json', import.meta.url), 'utf8')) as {
  schedules: { args: Record<string, number>; actions: string[] }[];
  trace_ready: { args: Record<string, number>; steps: number; ready: number[] }[];
  specs: Spec[];
  kept: string[];
  parents: (number | null)[];
  tables: Record<string, string>;
  total: Record<string, number>;
  averages: Record<string, number | string>[];
};

const camel = (args: Record<string, number>) =>
  Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v])) as unknown as torch.profiler.ScheduleOptions;

/** The fixture's events, as PyTorch built them: nested, with the duplicate child dropped. */
function fixtureEvents(): EventList<FunctionEvent> {
  const events = FIX.specs.map(([name, thread, start, end, shapes, stack, scope, memory, seq], i) =>
    new FunctionEvent(i, name, thread, start, end, shapes, stack, scope, memory, 0, seq, 'CPU', 0, name, false, 'cpu_op'));
  const list = EventList.fromEvents(events);
  list._profileMemory = true;
  return buildTree(list);
}

/** Runs one small training step of a two-layer MLP. */
function trainStep(net: torch.nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor): void {
  const loss = F.crossEntropy(net(x) as torch.Tensor, y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
}

function mlp() {
  torch.manualSeed(0);
  const net = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 2));
  const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
  return { net, opt, x: torch.randn(4, 8), y: torch.tensor([0, 1, 1, 0]) };
}

describe('profiler against PyTorch', () => {
  it('schedule gives PyTorch\'s actions', () => {
    for (const { args, actions } of FIX.schedules) {
      const fn = profiler.schedule(camel(args));
      expect(actions.map((_, i) => fn(i)), JSON.stringify(args)).toEqual(actions);
    }
    expect(() => profiler.schedule({ wait: 0, warmup: 0, active: 0 })).toThrow('Invalid profiler schedule arguments');
  });

  it('a scheduled profile hands over its traces at PyTorch\'s steps', () => {
    for (const { args, steps, ready } of FIX.trace_ready) {
      const seen: number[] = [];
      profiler.profile({ activities: [profiler.ProfilerActivity.CPU], schedule: profiler.schedule(camel(args)), onTraceReady: (p) => seen.push(p.stepNum) }, (p) => {
        for (let i = 0; i < steps; i++) {
          torch.ones(2).add_(1);
          p.step();
        }
      });
      expect(seen, `${JSON.stringify(args)} x${steps}`).toEqual(ready);
    }
  });

  it('nests events and drops a same-named only child, as PyTorch', () => {
    const events = fixtureEvents();
    expect(events.map((e) => e.name)).toEqual(FIX.kept);
    expect(events.map((e) => e.cpuParent?.id ?? null)).toEqual(FIX.parents);
  });

  it('prints PyTorch\'s tables', () => {
    const events = fixtureEvents();
    expect(events.table()).toBe(FIX.tables.events);
    expect(events.table({ sortBy: 'self_cpu_time_total', rowLimit: 6 })).toBe(FIX.tables.events_sorted);
    expect(events.table({ topLevelEventsOnly: true, header: 'TOP' })).toBe(FIX.tables.top_level);
    const averages = events.keyAverages();
    expect(averages.table({ sortBy: 'cpu_time_total' })).toBe(FIX.tables.averages);
    expect(averages.table({ sortBy: 'count', rowLimit: 3 })).toBe(FIX.tables.averages_count);
    expect(averages.table({ sortBy: 'self_cpu_memory_usage', maxNameColumnWidth: 30 })).toBe(FIX.tables.averages_memory);
    expect(events.keyAverages({ groupByInputShape: true }).table({ sortBy: 'cpu_time_total', maxShapesColumnWidth: 20 })).toBe(FIX.tables.by_shape);
    expect(events.keyAverages({ groupByStackN: 1 }).table({ sortBy: 'cpu_time_total', rowLimit: 4 })).toBe(FIX.tables.by_stack);
    expect(() => averages.table({ sortBy: 'speed' })).toThrow("cannot sort by 'speed'");
  });

  it('key averages and the total average hold PyTorch\'s numbers', () => {
    const events = fixtureEvents();
    const averages = events.keyAverages();
    expect(averages.map((a) => ({
      key: a.key, count: a.count, cpu_time_total: a.cpuTimeTotal, self_cpu_time_total: a.selfCpuTimeTotal,
      cpu_memory_usage: a.cpuMemoryUsage, self_cpu_memory_usage: a.selfCpuMemoryUsage,
    }))).toEqual(FIX.averages);
    const total = events.totalAverage();
    expect(total.key).toBe('Total');
    expect({
      count: total.count, cpu_time_total: total.cpuTimeTotal, self_cpu_time_total: total.selfCpuTimeTotal,
      cpu_memory_usage: total.cpuMemoryUsage, self_cpu_memory_usage: total.selfCpuMemoryUsage,
    }).toEqual(FIX.total);
  });

  it('formats numbers as Python does, ties to even', () => {
    expect(pyFixed(0.125, 2)).toBe('0.12');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(1.0005, 3)).toBe((1.0005).toFixed(3));
    expect(pyFixed(-0.125, 2)).toBe('-0.12');
  });
});

describe('what flint records', () => {
  it('a training step: kernels with shapes and FLOPs, backward functions and optimizer steps nested', () => {
    const { net, opt, x, y } = mlp();
    const prof = profiler.profile({ recordShapes: true, withFlops: true }, () => profiler.recordFunction('train_step', () => trainStep(net, opt, x, y)));
    const events = prof.events();
    const names = events.map((e) => e.name);
    const step = events.find((e) => e.name === 'train_step')!;
    expect(step.cpuParent).toBeNull();
    // Every other event happened inside the step.
    expect(events.filter((e) => e !== step && e.cpuParent === null)).toEqual([]);
    const gemms = events.filter((e) => e.name === 'flint::gemm');
    // Two forward products, then the backward's: both layers' weight gradients and one input gradient.
    expect(gemms.length).toBe(5);
    expect(gemms[0].inputShapes).toEqual([[4, 8], [8, 16]]);
    expect(gemms[1].inputShapes).toEqual([[4, 16], [16, 2]]);
    expect(gemms[0].flops).toBe(2 * 4 * 8 * 16);
    const addmm = events.filter((e) => e.name === 'AddmmBackward0');
    expect(addmm.length).toBe(2);
    for (const node of addmm) {
      expect(node.cpuParent?.name).toBe('autograd::engine::evaluate_function: AddmmBackward0');
      expect(node.sequenceNr).toBeGreaterThanOrEqual(0);
      expect(node.cpuChildren.some((c) => c.name === 'flint::gemm')).toBe(true);
    }
    expect(names).toContain('Optimizer.step#SGD.step');
    expect(names).toContain('Optimizer.zero_grad#SGD.zero_grad');
    expect(events.find((e) => e.name === 'flint::sgd_step')?.cpuParent?.name).toBe('Optimizer.step#SGD.step');
    expect(names).toContain('flint::relu');
    expect(names).toContain('flint::cross_entropy');
    // Module events only where asked.
    expect(names.some((n) => n.startsWith('nn.Module'))).toBe(false);
    // A parent's time covers its children's, and self time is what is left.
    for (const e of events) {
      const children = e.cpuChildren.reduce((s, c) => s + c.cpuTimeTotal, 0);
      expect(e.selfCpuTimeTotal).toBeCloseTo(e.cpuTimeTotal - children, 6);
      expect(e.selfCpuTimeTotal).toBeGreaterThanOrEqual(-1e-6);
    }
    const table = prof.keyAverages().table({ sortBy: 'cpu_time_total', rowLimit: 5 });
    expect(table.split('\n')[1]).toMatch(/^\s+Name\s+Self CPU %\s+Self CPU\s+CPU total %\s+CPU total\s+CPU time avg\s+# of Calls\s+Total KFLOPs\s*$/);
    expect(table.split('\n')[3]).toMatch(/^\s+train_step\s+[\d.]+%/);
    const gemmRow = prof.keyAverages().find((a) => a.key === 'flint::gemm')!;
    expect(gemmRow.count).toBe(5);
    expect(gemmRow.flops).toBe(gemms.reduce((s, g) => s + g.flops, 0));
  });

  it('keyAverages groups by input shape', () => {
    const a = torch.ones(3, 4);
    const b = torch.ones(5);
    const prof = profiler.profile({ recordShapes: true }, () => {
      a.add(a);
      a.add(a);
      b.add(b);
      a.add(torch.ones(4, { dtype: torch.float64 }));
    });
    const rows = prof.keyAverages({ groupByInputShape: true }).filter((r) => r.key === 'flint::add');
    // Same-shape contiguous operands take the flat kernel, which sees an element count; a
    // broadcast takes the strided one, which sees each view (the output first).
    expect(rows.map((r) => [r.count, r.inputShapes])).toEqual([[2, [[12]]], [1, [[5]]], [1, [[3, 4], [3, 4], [3, 4]]]]);
    expect(prof.events().filter((e) => e.name === 'flint::add')[3].inputTypes).toEqual(['double', 'double', 'double']);
  });

  it('records the bytes each kernel keeps (profileMemory)', () => {
    const x = torch.ones(1000);
    let kept: torch.Tensor | null = null;
    const prof = profiler.profile({ profileMemory: true }, () => {
      kept = x.mul(2);
    });
    const mul = prof.events().find((e) => e.name === 'flint::mul')!;
    // The allocator's block for 4000 bytes.
    expect(mul.cpuMemoryUsage).toBeGreaterThanOrEqual(4000);
    expect(mul.cpuMemoryUsage).toBeLessThan(8192);
    expect(mul.selfCpuMemoryUsage).toBe(mul.cpuMemoryUsage);
    expect(prof.keyAverages().table()).toContain('CPU Mem');
    expect(kept).not.toBeNull();
  });

  it('Module events with withModules, numbered per class', () => {
    const { net, x } = mlp();
    const prof = profiler.profile({ withModules: true }, () => net(x));
    const modules = prof.events().filter((e) => e.name.startsWith('nn.Module'));
    expect(modules.map((e) => e.name)).toEqual(['nn.Module: Sequential_0', 'nn.Module: Linear_0', 'nn.Module: ReLU_0', 'nn.Module: Linear_1']);
    expect(modules[1].cpuParent?.name).toBe('nn.Module: Sequential_0');
    expect(modules[1].cpuChildren.map((c) => c.name)).toContain('flint::gemm');
  });

  it('stacks (withStack) name this file, and export for FlameGraph', () => {
    const x = torch.ones(4);
    const prof = profiler.profile({ withStack: true }, () => x.exp());
    const exp = prof.events().find((e) => e.name === 'flint::exp')!;
    expect(exp.stack.some((frame) => /profiler\.test\.ts\(\d+\): /.test(frame))).toBe(true);
    expect(exp.stack.some((frame) => frame.includes('calls.generated'))).toBe(false);
    expect(prof.events().table()).toContain('Source Location');
    // Averages keep no stack unless grouped by it, as PyTorch's.
    expect(prof.keyAverages().table()).not.toContain('Source Location');
    expect(prof.keyAverages({ groupByStackN: 1 }).table()).toContain('Source Location');
    const dir = mkdtempSync(join(tmpdir(), 'flint-prof-'));
    prof.exportStacks(join(dir, 'stacks.txt'));
    const lines = readFileSync(join(dir, 'stacks.txt'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^[^ ]+ \d+$/);
    expect(() => prof.exportStacks(join(dir, 'x'), 'wall')).toThrow('metric should be one of');
  });

  it('ProfilerStep#n ranges cover the recorded steps', () => {
    const x = torch.ones(4);
    let traces = 0;
    let stepNames: string[] = [];
    profiler.profile({ schedule: profiler.schedule({ wait: 1, warmup: 1, active: 2 }), onTraceReady: (p) => {
      traces++;
      stepNames = p.events().filter((e) => e.traceName?.startsWith('ProfilerStep#')).map((e) => e.traceName!);
      // The table's name is the wildcard; the trace keeps the step.
      expect(p.events().filter((e) => e.name === 'ProfilerStep*').length).toBe(2);
      expect(p.keyAverages().find((a) => a.key === 'ProfilerStep*')?.count).toBe(2);
    } }, (p) => {
      for (let i = 0; i < 4; i++) {
        x.exp();
        p.step();
      }
    });
    expect(traces).toBe(1);
    // PyTorch 2 names each step's range by the step it starts (1.13 was off by one).
    expect(stepNames).toEqual(['ProfilerStep#2', 'ProfilerStep#3']);
  });

  it('DataLoader fetches show under PyTorch\'s name', () => {
    const ds = new torch.utils.data.TensorDataset(torch.arange(10).float().reshape(5, 2));
    const loader = new torch.utils.data.DataLoader(ds, { batchSize: 2 });
    let batches = 0;
    const prof = profiler.profile({}, () => {
      for (const [x] of loader) {
        x.exp();
        batches++;
      }
    });
    expect(batches).toBe(3);
    // One per batch, and the call that ends the epoch.
    expect(prof.events().filter((e) => e.name === 'enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__').length).toBe(4);
    // A loop left early still ends the epoch's generator.
    for (const _ of loader) break;
  });

  it('async functions are profiled whole', async () => {
    const x = torch.ones(4);
    const prof = await profiler.profile({}, async () => {
      await profiler.recordFunction('load', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        x.exp();
      });
    });
    const load = prof.events().find((e) => e.name === 'load')!;
    expect(load.cpuTimeTotal).toBeGreaterThan(4000);
    expect(load.cpuChildren.map((c) => c.name)).toEqual(['flint::exp']);
  });

  it('Chrome traces, plain and gzipped, and the TensorBoard handler', () => {
    const x = torch.ones(2, 3);
    const prof = profiler.profile({ recordShapes: true }, () => profiler.recordFunction('f', () => x.sum()));
    prof.addMetadata('run', 'test');
    const dir = mkdtempSync(join(tmpdir(), 'flint-trace-'));
    prof.exportChromeTrace(join(dir, 't.json'));
    prof.exportChromeTrace(join(dir, 't.json.gz'));
    const trace = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8'));
    expect(JSON.parse(gunzipSync(readFileSync(join(dir, 't.json.gz'))).toString())).toEqual(trace);
    expect(trace.schemaVersion).toBe(1);
    expect(trace.run).toBe('test');
    const f = trace.traceEvents.find((e: { name: string }) => e.name === 'f');
    const sum = trace.traceEvents.find((e: { name: string }) => e.name === 'flint::sum');
    expect(f).toMatchObject({ ph: 'X', cat: 'user_annotation', pid: process.pid });
    expect(sum).toMatchObject({ ph: 'X', cat: 'cpu_op', args: { 'Input Dims': [[], [2, 3]] } });
    expect(sum.ts).toBeGreaterThanOrEqual(f.ts);
    expect(sum.ts + sum.dur).toBeLessThanOrEqual(f.ts + f.dur + 1e-3);
    const logs = join(dir, 'logs');
    profiler.tensorboardTraceHandler(logs, 'worker0')(prof);
    profiler.tensorboardTraceHandler(logs, null, true)(prof);
    const files = readdirSync(logs).sort();
    expect(files[0]).toMatch(/^.+_\d+\.\d+\.pt\.trace\.json\.gz$/);
    expect(files[1]).toMatch(/^worker0\.\d+\.pt\.trace\.json$/);
  });

  it('restores the native entry points, and refuses a second profile on the thread', () => {
    const addon = native as unknown as Record<string, unknown>;
    const before = Object.fromEntries(Object.keys(ENTRY_PROFILES).map((k) => [k, addon[k]]));
    const gemm = native.gemm;
    const x = torch.ones(2, 2);
    expect(() => profiler.profile({}, () => {
      expect(native.gemm).not.toBe(gemm);
      expect(PROFILING.on).toBe(true);
      expect(() => profiler.profile({}, () => 0)).toThrow('Profiler is already enabled on this thread');
      x.matmul(x);
      throw new Error('boom');
    })).toThrow('boom');
    expect(native.gemm).toBe(gemm);
    for (const [k, fn] of Object.entries(before)) expect(addon[k], k).toBe(fn);
    expect(PROFILING.on).toBe(false);
    // Without a profile, recordFunction only runs its function.
    expect(profiler.recordFunction('idle', () => 7)).toBe(7);
    expect(() => profiler.profile({}).events()).toThrow('no trace has been recorded yet');
  });

  it('checks its options, and warns when CUDA is asked for but absent', () => {
    expect(() => profiler.profile({ recordShape: true } as never)).toThrow("profile() got an unexpected keyword argument 'recordShape'");
    if (!torch.cuda.isAvailable()) {
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const prof = profiler.profile({ activities: [profiler.ProfilerActivity.CUDA] });
      expect([...prof.activities]).toEqual(['CPU']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('CUDA is not available'), 'UserWarning');
      warn.mockRestore();
      expect(profiler.supportedActivities()).toEqual(['CPU']);
      // An empty list is the default, as PyTorch's.
      expect([...profiler.profile({ activities: [] }).activities]).toEqual(['CPU']);
    }
  });
});

describe('torch.autograd.profiler', () => {
  it('profiles a function and prints its averages', () => {
    const x = torch.ones(3, 3);
    const prof = torch.autograd.profiler.profile({ recordShapes: true }, () => {
      torch.autograd.profiler.recordFunction('block', () => x.matmul(x).exp());
    });
    const names = prof.functionEvents!.map((e) => e.name);
    expect(names).toEqual(['block', 'flint::gemm', 'flint::exp']);
    expect(prof.keyAverages().table({ sortBy: 'self_cpu_time_total' })).toMatch(/flint::gemm/);
    expect(prof.table()).toContain('Input Shapes');
    expect(prof.totalAverage().count).toBe(3);
    expect(prof.selfCpuTimeTotal).toBeCloseTo(prof.functionEvents![0].cpuTimeTotal, 6);
    const disabled = torch.autograd.profiler.profile({ enabled: false }, () => x.exp());
    expect(disabled.functionEvents).toBeNull();
    expect(() => disabled.keyAverages()).toThrow("Profiler didn't finish running");
  });
});

describe('profiler edges', () => {
  it('stop() twice hands over one trace; step() outside start()/stop() raises', () => {
    let ready = 0;
    const prof = profiler.profile({ onTraceReady: () => ready++ });
    expect(() => prof.step()).toThrow('outside start() and stop()');
    prof.start();
    torch.ones(2).exp();
    prof.stop();
    prof.stop();
    expect(ready).toBe(1);
    // A profile whose function stops it itself is stopped once too.
    let again = 0;
    profiler.profile({ onTraceReady: () => again++ }, (p) => p.stop());
    expect(again).toBe(1);
  });

  it('a long profile (over 200k events) stops, averages and prints', () => {
    const x = torch.ones(2);
    const prof = profiler.profile({}, () => {
      for (let i = 0; i < 210_000; i++) x.exp();
    });
    expect(prof.events().length).toBe(210_000);
    expect(prof.keyAverages()[0]!.count).toBe(210_000);
    expect(prof.events().table({ rowLimit: 2 })).toContain('flint::exp');
  });

  it('prints at most five frames of a stack', () => {
    const t = torch.ones(2);
    const deep = (n: number): torch.Tensor => (n === 0 ? t.exp() : deep(n - 1));
    const prof = profiler.profile({ withStack: true }, () => deep(8));
    const exp = prof.events().find((e) => e.name === 'flint::exp')!;
    expect(exp.stack.length).toBeGreaterThan(6);
    const table = prof.events().table();
    const framesShown = table.split('\n').filter((line) => /\(\d+\): /.test(line)).length;
    expect(framesShown).toBe(5);
  });

  it('traces count from baseTimeNanoseconds', () => {
    const before = Date.now() * 1000;
    const prof = profiler.profile({}, () => torch.ones(2).exp());
    const dir = mkdtempSync(join(tmpdir(), 'flint-base-'));
    prof.exportChromeTrace(join(dir, 't.json'));
    const trace = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8'));
    const exp = trace.traceEvents.find((e: { name: string }) => e.name === 'flint::exp');
    expect(exp.ts).toBeGreaterThanOrEqual(0);
    expect(exp.ts).toBeLessThan(60e6);
    expect(trace.baseTimeNanoseconds / 1000).toBeGreaterThan(before - 60e6);
  });

  it('records gradient accumulation and L-BFGS steps under PyTorch\'s names', () => {
    const w = new nn.Parameter(torch.tensor([1.5, -0.5]));
    const opt = new torch.optim.LBFGS([w], { maxIter: 2 });
    const prof = profiler.profile({}, () => {
      opt.step(() => {
        opt.zeroGrad();
        const loss = w.pow(2).sum();
        loss.backward();
        return loss;
      });
    });
    const names = prof.events().map((e) => e.name);
    expect(names).toContain('Optimizer.step#LBFGS.step');
    expect(names).toContain('autograd::engine::evaluate_function: torch::autograd::AccumulateGrad');
    expect(names).toContain('torch::autograd::AccumulateGrad');
  });
});
