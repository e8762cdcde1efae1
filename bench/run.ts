// flint's benchmark harness: the workloads of /work/shared/reference/torch_bench.py, run
// through flint with the same shapes, dtypes, batch sizes and timing rule, printed as the
// same JSON lines (with "impl": "flint"). With --vs-torch it then runs torch_bench.py
// itself (after flint, never at the same time) and prints the two side by side.
//
//   npm run bench                              # all CPU workloads, flint only
//   npm run bench -- --vs-torch                # flint, then PyTorch, then a table
//   npm run bench -- --only matmul,add --threads 2 --json-out results.jsonl
//
// See bench/README.md for what each workload measures.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { table, type BenchLine } from './table.js';

export type { BenchLine };
import { median, timeit } from './timing.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
// bench/ runs compiled from dist/bench/ (see package.json), so find the root by its manifest.
function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(resolve(dir, 'package.json')) || !existsSync(resolve(dir, 'bench'))) {
    const parent = dirname(dir);
    if (parent === dir) return resolve(start, '..');
    dir = parent;
  }
  return dir;
}
const REPO_ROOT = findRepoRoot(resolve(BENCH_DIR, '..'));

// ---------------------------------------------------------------------------------------
// The part of flint's API this harness uses. flint is loaded dynamically (see main) so a
// library that does not load yet still lets `--vs-torch` report PyTorch's side; these
// types say exactly what the benchmarks rely on, PyTorch's API camelCased.

interface Tensor {
  add(other: Tensor): Tensor;
  sum(): Tensor;
  matmul(other: Tensor): Tensor;
  backward(): void;
  dispose(): void;
}

interface CreationOptions {
  device?: string;
}

/** A module is callable (`net(x)`, as in PyTorch); `forward` is the fallback. */
interface Module {
  forward(x: Tensor): Tensor;
  parameters(): Iterable<Tensor>;
  to?(device: string): Module;
}

interface NN {
  Sequential: new (...modules: Module[]) => Module;
  Linear: new (inFeatures: number, outFeatures: number) => Module;
  ReLU: new () => Module;
  functional: { crossEntropy(input: Tensor, target: Tensor): Tensor };
}

interface Optimizer {
  zeroGrad(): void;
  step(): void;
}

interface Flint {
  rand(...shape: [...number[], CreationOptions] | number[]): Tensor;
  randint(low: number, high: number, size: number[], options?: CreationOptions): Tensor;
  matmul(a: Tensor, b: Tensor): Tensor;
  manualSeed(seed: number): unknown;
  noGrad<T>(fn: () => T): T;
  setNumThreads?(n: number): void;
  cuda?: { synchronize?(): void };
  nn?: NN;
  optim?: { SGD: new (params: Iterable<Tensor>, options: { lr: number }) => Optimizer };
}

// ---------------------------------------------------------------------------------------
// Results

const lines: BenchLine[] = [];

function record(line: BenchLine): void {
  lines.push(line);
  console.log(JSON.stringify(line));
}

/** Python's round(value, 3), close enough for printing (values here are positive). */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

// ---------------------------------------------------------------------------------------
// CLI

const WORKLOADS = ['matmul', 'add', 'sum', 'tiny_op', 'seed_mlp', 'mlp_train', 'mlp_infer', 'conv2d', 'cnn_train', 'resnet18_infer', 'transformer_infer', 'transformer_train', 'lstm_train', 'seed_mlp_graph', 'mlp_train_graph'] as const;
/** CUDA only: seed_mlp and mlp_train captured once in a CUDA graph and replayed (PyTorch's side: bench/graphs_torch.py). */
const GRAPH_WORKLOADS: readonly string[] = ['seed_mlp_graph', 'mlp_train_graph'];
type Workload = (typeof WORKLOADS)[number];

interface Args {
  device: 'cpu' | 'cuda';
  only: Set<string>;
  threads: number;
  vsTorch: boolean;
  /** Alternating flint/PyTorch rounds; the table shows each side's median. */
  rounds: number;
  jsonOut: string | undefined;
}

const USAGE = `usage: npm run bench -- [options]

  --device cpu|cuda   device to run on (default cpu)
  --only a,b          run only these workloads: ${WORKLOADS.join(', ')}
  --threads N         torch.setNumThreads(N) in flint (and in PyTorch with --vs-torch)
  --rounds N     alternate N flint/PyTorch rounds and report medians (noisy VMs)
  --vs-torch          then run ${'`'}torch_bench.py${'`'} with the same options and print a table
                      (script: ../shared/reference/torch_bench.py from the repository root,
                      or $FLINT_TORCH_BENCH)
  --json-out FILE     also write every result line (flint's and PyTorch's) to FILE
  -h, --help          this help`;

function parseCli(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', default: 'cpu' },
      only: { type: 'string', default: '' },
      threads: { type: 'string', default: '0' },
      'vs-torch': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      'json-out': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const device = values.device;
  if (device !== 'cpu' && device !== 'cuda') {
    throw new Error(`--device must be cpu or cuda, got '${device}'`);
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 0) {
    throw new Error(`--threads must be a non-negative integer, got '${values.threads}'`);
  }
  const only = new Set(values.only.split(',').map((w) => w.trim()).filter((w) => w.length > 0));
  for (const w of only) {
    if (!(WORKLOADS as readonly string[]).includes(w)) {
      console.error(`warning: unknown workload '${w}' in --only (known: ${WORKLOADS.join(', ')})`);
    }
  }
  return {
    device,
    only,
    threads,
    vsTorch: values['vs-torch'],
    rounds: Math.max(1, Number(values.rounds) || 1),
    jsonOut: values['json-out'],
  };
}

// ---------------------------------------------------------------------------------------
// flint's workloads, as torch_bench.py's run() defines them

function flintVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Calls the module as PyTorch does (`net(x)`) when it is callable, else `forward`. */
function call(m: Module, x: Tensor): Tensor {
  return typeof m === 'function' ? (m as unknown as (x: Tensor) => Tensor)(x) : m.forward(x);
}

function disposeAll(...ts: (Tensor | undefined)[]): void {
  for (const t of ts) t?.dispose();
}

/**
 * Runs every selected workload. A workload that throws (the library is young) is reported
 * on stderr and the others still run; returns the number that failed.
 */
function runFlint(torch: Flint, args: Args, cnn: CnnModule | null, sequence: SequenceModule | null): number {
  const { device } = args;
  const version = flintVersion();
  const want = (w: Workload): boolean => args.only.size === 0 || args.only.has(w);
  const emit = (workload: string, size: number | string, medianS: number, unit: string, value: number): void =>
    record({ impl: 'flint', version, device, workload, size: String(size), median_s: medianS, unit, value: round3(value) });

  // torch.rand(*shape, device=device). On CPU the options bag is left out entirely.
  const rand = (...shape: number[]): Tensor => (device === 'cpu' ? torch.rand(...shape) : torch.rand(...shape, { device }));
  const sync = device === 'cpu' ? undefined : (): void => torch.cuda?.synchronize?.();
  const time = (fn: () => unknown): number => timeit(fn, { sync });

  let failed = 0;
  const guard = (w: Workload, body: () => void): void => {
    if (!want(w)) return;
    try {
      body();
    } catch (e) {
      failed++;
      console.error(`flint: workload '${w}' failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  };

  torch.manualSeed(0);

  // ---- tensor workloads --------------------------------------------------------------
  // Each timed lambda disposes its result: PyTorch frees it by refcount the moment the
  // lambda returns, and this is flint's equivalent, so the loop times the op, not the GC.

  guard('matmul', () => {
    for (const n of device === 'cpu' ? [256, 1024, 2048] : [1024, 4096, 8192]) {
      const a = rand(n, n);
      const b = rand(n, n);
      try {
        const t = time(() => torch.matmul(a, b).dispose());
        emit('matmul', n, t, 'GFLOP/s', (2 * n ** 3) / t / 1e9);
      } finally {
        disposeAll(a, b);
      }
    }
  });

  const N = 1 << 24;
  guard('add', () => {
    const a = rand(N);
    const b = rand(N);
    try {
      const t = time(() => a.add(b).dispose());
      emit('add', N, t, 'GB/s', (3 * 4 * N) / t / 1e9);
    } finally {
      disposeAll(a, b);
    }
  });

  guard('sum', () => {
    const a = rand(N);
    try {
      const t = time(() => a.sum().dispose());
      emit('sum', N, t, 'GB/s', (4 * N) / t / 1e9);
    } finally {
      disposeAll(a);
    }
  });

  guard('tiny_op', () => {
    const a = rand(2, 20);
    const b = rand(2, 20);
    try {
      const t = time(() => a.add(b).dispose());
      emit('tiny_op', '2x20', t, 'ops/s', 1 / t);
    } finally {
      disposeAll(a, b);
    }
  });

  // ---- nn workloads (seed_mlp, mlp_train, mlp_infer) -----------------------------------
  // These need torch.nn, torch.nn.functional and torch.optim, which land after the tensor
  // core. They switch on by themselves once torch.nn.Sequential exists.
  const nnWanted = (['seed_mlp', 'mlp_train', 'mlp_infer'] as const).filter(want);
  if (nnWanted.length > 0) runMlpWorkloads(torch, device, want, guard, time, emit);

  // ---- convolutional workloads (bench/cnn.ts) --------------------------------------------
  if (cnn !== null) {
    cnn.runCnnWorkloads({
      torch: torch as unknown as Parameters<CnnModule['runCnnWorkloads']>[0]['torch'],
      device,
      want: (w) => want(w as Workload),
      guard: (w, body) => guard(w as Workload, body),
      time,
      emit,
    });
  }

  // ---- sequence-model workloads (bench/sequence.ts) --------------------------------------
  if (sequence !== null) {
    sequence.runSequenceWorkloads({
      torch: torch as unknown as Parameters<SequenceModule['runSequenceWorkloads']>[0]['torch'],
      device,
      want: (w) => want(w as Workload),
      guard: (w, body) => guard(w as Workload, body),
      time,
      emit,
    });
  }
  return failed;
}

type CnnModule = typeof import('./cnn.js');
type SequenceModule = typeof import('./sequence.js');

/** seed_mlp, mlp_train and mlp_infer (a failure is counted by `guard`). */
function runMlpWorkloads(
  torch: Flint,
  device: 'cpu' | 'cuda',
  want: (w: Workload) => boolean,
  guard: (w: Workload, body: () => void) => void,
  time: (fn: () => unknown) => number,
  emit: (workload: string, size: number | string, medianS: number, unit: string, value: number) => void,
): void {
  const rand = (...shape: number[]): Tensor => (device === 'cpu' ? torch.rand(...shape) : torch.rand(...shape, { device }));
  if (typeof (torch as any).nn?.Sequential !== 'function') {
    console.error(`flint: skipping ${(['seed_mlp', 'mlp_train', 'mlp_infer'] as const).filter(want).join(', ')}: torch.nn is not available yet`);
    return;
  }
  const nn = torch.nn!;
  const F = nn.functional;
  const toDevice = (m: Module): Module => (device === 'cpu' ? m : (m.to?.(device) ?? m));
  const mlp = (): Module =>
    toDevice(
      new nn.Sequential(
        new nn.Linear(784, 256),
        new nn.ReLU(),
        new nn.Linear(256, 256),
        new nn.ReLU(),
        new nn.Linear(256, 10),
      ),
    );

  guard('seed_mlp', () => {
    const net = toDevice(new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10)));
    const X = rand(2, 20);
    try {
      // Forward with grad mode on, as in the reference (net(X) outside no_grad).
      const t = time(() => call(net, X).dispose());
      emit('seed_mlp', '2x20', t, 'forward/s', 1 / t);
    } finally {
      disposeAll(X);
    }
  });

  guard('mlp_train', () => {
    if (typeof torch.optim?.SGD !== 'function') throw new Error('torch.optim.SGD is not available yet');
    const B = device === 'cpu' ? 128 : 4096;
    const net = mlp();
    const x = rand(B, 784);
    const y = device === 'cpu' ? torch.randint(0, 10, [B]) : torch.randint(0, 10, [B], { device });
    const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
    const step = (): void => {
      opt.zeroGrad();
      const loss = F.crossEntropy(call(net, x), y);
      loss.backward();
      opt.step();
      loss.dispose();
    };
    try {
      const t = time(step);
      emit('mlp_train', B, t, 'samples/s', B / t);
    } finally {
      disposeAll(x, y);
    }
  });

  // The same two workloads, captured once into a CUDA graph and timed as replays, as
  // bench/graphs_torch.py does with torch.cuda.graph. CUDA only.
  if (device === 'cuda' && typeof (torch as any).cuda?.CUDAGraph === 'function') {
    const cuda = (torch as any).cuda;
    guard('seed_mlp_graph', () => {
      const net = toDevice(new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10)));
      const X = rand(2, 20);
      for (let i = 0; i < 3; i++) call(net, X).dispose();
      const g = new cuda.CUDAGraph();
      const out = cuda.graph(g, () => call(net, X)) as Tensor;
      try {
        const t = time(() => g.replay());
        emit('seed_mlp_graph', '2x20', t, 'forward/s', 1 / t);
      } finally {
        g.reset();
        disposeAll(X, out);
      }
    });

    guard('mlp_train_graph', () => {
      const B = 4096;
      const net = mlp();
      const x = rand(B, 784);
      const y = torch.randint(0, 10, [B], { device });
      const opt = new torch.optim!.SGD(net.parameters(), { lr: 0.1 });
      const step = (): Tensor => {
        const loss = F.crossEntropy(call(net, x), y);
        loss.backward();
        opt.step();
        return loss;
      };
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        step().dispose();
      }
      // The capture's backward makes the gradients, in the graph's pool; replays rewrite them.
      (opt as unknown as { zeroGrad(options: { setToNone: boolean }): void }).zeroGrad({ setToNone: true });
      const g = new cuda.CUDAGraph();
      const loss = cuda.graph(g, step) as Tensor;
      try {
        const t = time(() => g.replay());
        emit('mlp_train_graph', B, t, 'samples/s', B / t);
      } finally {
        g.reset();
        disposeAll(x, y, loss);
      }
    });
  }

  guard('mlp_infer', () => {
    const B = device === 'cpu' ? 1024 : 65536;
    const net = mlp();
    const x = rand(B, 784);
    try {
      const t = time(() => torch.noGrad(() => call(net, x)).dispose());
      emit('mlp_infer', B, t, 'samples/s', B / t);
    } finally {
      disposeAll(x);
    }
  });

}

// ---------------------------------------------------------------------------------------
// PyTorch's side (--vs-torch)

function torchBenchPath(): string {
  return process.env.FLINT_TORCH_BENCH
    ? resolve(process.env.FLINT_TORCH_BENCH)
    : resolve(REPO_ROOT, '..', 'shared', 'reference', 'torch_bench.py');
}

/** /usr/bin/python3 if it can import torch, else python3 if that can; null if neither. */
function findPythonWithTorch(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

function notice(text: string): void {
  const bar = '!'.repeat(78);
  console.log(`\n${bar}\n${text}\n${bar}`);
}

/**
 * Runs torch_bench.py with the same options, echoing and collecting its JSON lines.
 * Returns false (after a visible notice) when PyTorch or the script is missing.
 */
async function runTorch(args: Args): Promise<boolean> {
  const graphs = args.device === 'cuda' ? [...(args.only.size ? args.only : GRAPH_WORKLOADS)].filter((w) => GRAPH_WORKLOADS.includes(w)) : [];
  const reference = [...args.only].filter((w) => !GRAPH_WORKLOADS.includes(w));
  let ran = false;
  if (args.only.size === 0 || reference.length > 0) ran = await runTorchScript(args, torchBenchPath(), reference.join(','));
  if (graphs.length > 0) ran = (await runTorchScript(args, resolve(REPO_ROOT, 'bench', 'graphs_torch.py'), graphs.join(','))) || ran;
  return ran;
}

async function runTorchScript(args: Args, script: string, only: string): Promise<boolean> {
  if (!existsSync(script)) {
    notice(`NOTICE: --vs-torch: reference script not found at ${script}\n(set FLINT_TORCH_BENCH to its path). Showing flint's results only.`);
    return false;
  }
  const python = findPythonWithTorch();
  if (python === null) {
    notice("NOTICE: --vs-torch: PyTorch is not installed (neither /usr/bin/python3 nor python3\ncan `import torch`). Showing flint's results only.");
    return false;
  }
  const argv = [script, '--device', args.device];
  if (only) argv.push('--only', only);
  if (args.threads) argv.push('--threads', String(args.threads));
  console.error(`running PyTorch: ${python} ${argv.join(' ')}`);

  const child = spawn(python, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout });
  rl.on('line', (text) => {
    const s = text.trim();
    if (!s.startsWith('{')) {
      if (s) console.error(`${basename(script)}: ${s}`);
      return;
    }
    try {
      const line = JSON.parse(s) as BenchLine;
      record(line);
    } catch {
      console.error(`${basename(script)}: unparsable line: ${s}`);
    }
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  if (code !== 0) console.error(`warning: ${basename(script)} exited with status ${code}`);
  return true;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }

  let status = 0;
  let torch: Flint | null = null;
  let cnn: CnnModule | null = null;
  let sequence: SequenceModule | null = null;
  try {
    torch = (await import('flint-torch')) as unknown as Flint;
    cnn = await import('./cnn.js');
    sequence = await import('./sequence.js');
  } catch (e) {
    console.error(`flint: could not load flint-torch: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    status = 1;
  }

  if (torch) {
    if (args.threads) {
      if (typeof torch.setNumThreads === 'function') torch.setNumThreads(args.threads);
      else console.error(`flint: --threads ${args.threads} ignored: torch.setNumThreads does not exist yet`);
    }
  }

  // PyTorch runs strictly after flint is done, so the two never compete for the cores.
  let torchRan = false;
  for (let round = 0; round < args.rounds; round++) {
    if (args.rounds > 1) console.error(`round ${round + 1} of ${args.rounds}`);
    if (torch && runFlint(torch, args, cnn, sequence) > 0) status = 1;
    if (args.vsTorch && (await runTorch(args))) torchRan = true;
  }
  if (torchRan) console.log(`\n${table(lines, args.device, flintVersion())}${args.rounds > 1 ? `\n\n(median of ${args.rounds} alternating rounds)` : ''}`);
  if (torchRan) {
    // Issue 17's graph target is against PyTorch's eager forward, not its graph.
    const valueOf = (impl: string, workload: string): number | null => {
      const values = lines.filter((l) => l.impl === impl && l.workload === workload).map((l) => l.value);
      return values.length ? median(values) : null;
    };
    const graphed = valueOf('flint', 'seed_mlp_graph');
    const eager = valueOf('torch', 'seed_mlp');
    if (graphed !== null && eager !== null) {
      console.log(`\nseed_mlp_graph (flint, replayed) / seed_mlp (PyTorch, eager): ${(graphed / eager).toFixed(2)}x (target >= 10x)`);
    }
  }

  if (args.jsonOut) {
    writeFileSync(args.jsonOut, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''));
    console.error(`wrote ${lines.length} lines to ${args.jsonOut}`);
  }
  return status;
}

process.exitCode = await main();
