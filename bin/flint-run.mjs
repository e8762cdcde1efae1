#!/usr/bin/env node
// flint-run: a torchrun-style launcher.
//
// Why it exists: a distributed script should not need to know how it was started. torchrun hands
// each process its place in the job through the environment (MASTER_ADDR, RANK, WORLD_SIZE, ...)
// and scripts ported from PyTorch read exactly those names, so keeping that contract lets one
// script run as 1 process, N local processes or N nodes without edits.
// Why plain .mjs with only Node builtins: it is installed as a bin and must start in a user's
// project with no build step, and it must not load flint's native addon (only the ranks do).
// Why prefixed output: N ranks share one terminal, and an error line is useless until you know
// which rank wrote it.
// Why the first failure tears the job down: a dead rank leaves its peers blocked in a collective
// forever, so the job should fail fast and report the first exit (the root cause), not the
// SIGTERMs that follow it.
// Why tsx comes from the user's project: the project pins its own TypeScript loader; flint does
// not ship one.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const USAGE = `Usage: flint-run [options] script.(ts|mts|cts|js|mjs|cjs) [script args...]
       flint-run [options] -- command [args...]

Starts one process per rank with MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK,
LOCAL_WORLD_SIZE and GROUP_RANK set, as torchrun does. TypeScript scripts run through the
project's tsx; a command after -- runs as given.

Options (also as --name=value, with - or _: --nproc_per_node=2):
  --nproc-per-node N|gpu|cpu|auto  processes on this node (default 1). gpu: one per visible GPU;
                                   cpu: one per CPU; auto: one per GPU, or 1 with no GPU
  --nnodes M                       number of nodes (default 1)
  --node-rank R                    this node's rank, 0..M-1 (default 0)
  --master-addr A                  address of node 0 (default 127.0.0.1)
  --master-port P                  port on it (default 29500)
  --standalone                     one node, on a free local port
  --no-prefix                      do not prefix output lines with [rankN]:
  -h, --help                       show this help

Environment: FLINT_RUN_KILL_TIMEOUT_MS, how long ranks get between SIGTERM and SIGKILL once
the job is stopping (default 5000).`;

class UsageError extends Error {}

/** Writes `message` to stderr and exits with `code`. */
function die(message, code) {
  process.stderr.write(`flint-run: ${message}\n`);
  process.exit(code);
}

const VALUED = new Set(['nproc-per-node', 'nnodes', 'node-rank', 'master-addr', 'master-port']);
const FLAGS = new Set(['standalone', 'no-prefix', 'help']);
const TS = /\.[mc]?ts$/;

/**
 * Splits argv into launcher options and the target (a script, or a command after `--`).
 * Values are checked later by {@link resolveOptions}; this only reads the shape.
 * @returns {{ values: Record<string, string|true>, target: { script?: string, file?: string, args: string[] } | null }}
 */
function parseArgs(argv) {
  const values = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      if (i + 1 >= argv.length) throw new UsageError('no command after --');
      return { values, target: { file: argv[i + 1], args: argv.slice(i + 2) } };
    }
    if (arg === '-h') { values.help = true; continue; }
    if (!arg.startsWith('-') || arg === '-') return { values, target: { script: arg, args: argv.slice(i + 1) } };
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replaceAll('_', '-');
    if (!arg.startsWith('--') || (!FLAGS.has(name) && !VALUED.has(name))) throw new UsageError(`unknown option ${arg}`);
    if (FLAGS.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
    } else if (eq >= 0) {
      values[name] = arg.slice(eq + 1);
    } else {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      values[name] = value;
    }
  }
  return { values, target: null };
}

/** A non-negative integer from `text`, or a UsageError naming `what`. */
function integer(text, what, min) {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${what} must be an integer >= ${min}, got '${text}'`);
  return Number(text);
}

/**
 * GPUs this process may use: CUDA_VISIBLE_DEVICES when set (CUDA stops at the first entry
 * starting with '-', e.g. -1 hides them all), else the GPU lines of `nvidia-smi -L`.
 */
function countGpus() {
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) {
    const entries = visible.split(',').map((s) => s.trim());
    const stop = entries.findIndex((s) => s === '' || s.startsWith('-'));
    return stop < 0 ? entries.length : stop;
  }
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return out.split('\n').filter((line) => line.startsWith('GPU ')).length;
  } catch {
    return 0;
  }
}

/** A port nobody listens on right now: bind port 0, read what the OS chose, close. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Turns the parsed options into the job's shape: processes per node, nodes, this node's rank,
 * and the rendezvous address. Throws UsageError for bad values; exits 1 for `gpu` with no GPU.
 */
async function resolveOptions(values) {
  const nprocText = values['nproc-per-node'] ?? '1';
  let nproc;
  if (nprocText === 'gpu' || nprocText === 'auto') {
    const gpus = countGpus();
    if (gpus === 0 && nprocText === 'gpu') die('--nproc-per-node gpu, but no GPU is visible (nvidia-smi -L lists none, or CUDA_VISIBLE_DEVICES hides them)', 1);
    nproc = Math.max(gpus, 1);
  } else if (nprocText === 'cpu') {
    nproc = os.availableParallelism();
  } else {
    nproc = integer(nprocText, '--nproc-per-node', 1);
  }
  const nnodes = integer(values.nnodes ?? '1', '--nnodes', 1);
  const nodeRank = integer(values['node-rank'] ?? '0', '--node-rank', 0);
  if (nodeRank >= nnodes) throw new UsageError(`--node-rank ${nodeRank} must be below --nnodes ${nnodes}`);
  let masterPort = integer(values['master-port'] ?? '29500', '--master-port', 1);
  if (masterPort > 65535) throw new UsageError(`--master-port must be at most 65535, got ${masterPort}`);
  let masterAddr = values['master-addr'] ?? '127.0.0.1';
  if (values.standalone) {
    if (nnodes > 1) throw new UsageError('--standalone runs one node; drop --nnodes');
    masterAddr = '127.0.0.1';
    masterPort = await freePort();
  }
  return { nproc, nnodes, nodeRank, masterAddr, masterPort, prefix: !values['no-prefix'] };
}

/** tsx's CLI as the user's project resolves it (from the cwd, then the script's folder), or null. */
function resolveTsx(script) {
  for (const base of [process.cwd(), path.dirname(path.resolve(script))]) {
    const require = createRequire(path.join(base, 'noop.js'));
    try { return require.resolve('tsx/cli'); } catch { /* older tsx: read its bin */ }
    try {
      const pkg = require.resolve('tsx/package.json');
      const { bin } = JSON.parse(readFileSync(pkg, 'utf8'));
      const rel = typeof bin === 'string' ? bin : bin?.tsx;
      if (rel) return path.resolve(path.dirname(pkg), rel);
    } catch { /* not from here */ }
  }
  return null;
}

/** The executable and arguments that run `target` once per rank. Exits for a missing script or tsx. */
function commandFor(target) {
  if (target.file !== undefined) return { file: target.file, args: target.args };
  if (!existsSync(target.script)) die(`script not found: ${target.script}`, 2);
  if (!TS.test(target.script)) return { file: process.execPath, args: [target.script, ...target.args] };
  const tsx = resolveTsx(target.script);
  if (tsx === null) die('running a TypeScript script needs tsx; install it with `npm install --save-dev tsx`', 1);
  return { file: process.execPath, args: [tsx, target.script, ...target.args] };
}

/**
 * Copies `from` to `to` a line at a time with `prefix` in front of each line, pausing `from`
 * while `to` is backed up. Returns a function that writes out (and ends) a last partial line.
 */
function pipeLines(from, to, prefix) {
  const head = Buffer.from(prefix);
  let pending = Buffer.alloc(0);
  const write = (buf) => {
    if (!to.write(buf)) { from.pause(); to.once('drain', () => from.resume()); }
  };
  from.on('data', (chunk) => {
    const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const parts = [];
    let start = 0;
    for (let nl; (nl = data.indexOf(10, start)) >= 0; start = nl + 1) parts.push(head, data.subarray(start, nl + 1));
    pending = data.subarray(start);
    if (parts.length) write(Buffer.concat(parts));
  });
  const flush = () => {
    if (pending.length) write(Buffer.concat([head, pending, Buffer.from('\n')]));
    pending = Buffer.alloc(0);
  };
  from.on('end', flush);
  return flush;
}

/**
 * Starts every local rank, forwards SIGINT/SIGTERM/SIGHUP to them, stops the rest when one
 * fails, and exits with the first failure's code (128 + signal for signals), or 0.
 */
async function main() {
  let values, target, job;
  try {
    ({ values, target } = parseArgs(process.argv.slice(2)));
    if (values.help) { process.stdout.write(`${USAGE}\n`); return; }
    if (target === null) throw new UsageError('no script or command given');
    job = await resolveOptions(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    die(`${error.message}\nRun 'flint-run --help' for usage.`, 2);
  }
  const { file, args } = commandFor(target);
  const { nproc, nnodes, nodeRank, masterAddr, masterPort, prefix } = job;
  const killEnv = Number(process.env.FLINT_RUN_KILL_TIMEOUT_MS);
  const killMs = Number.isFinite(killEnv) && killEnv >= 0 && process.env.FLINT_RUN_KILL_TIMEOUT_MS ? killEnv : 5000;
  const ranks = [];
  const flushers = [];
  let exitCode = null; // set by the first failure, or the first signal to the launcher
  let killTimer = null;

  const signalCode = (sig) => 128 + (os.constants.signals[sig] ?? 0);
  const sendAll = (sig) => {
    for (const r of ranks) if (!r.exited) { try { r.child.kill(sig); } catch { /* already gone */ } }
  };
  const stop = (sig) => {
    sendAll(sig);
    killTimer ??= setTimeout(() => sendAll('SIGKILL'), killMs).unref();
  };
  const finish = () => {
    if (!ranks.every((r) => r.exited)) return;
    if (killTimer) clearTimeout(killTimer);
    process.exitCode = exitCode ?? 0;
    // Normally the pipes close right after the exits and the process ends; a grandchild that
    // holds a pipe open must not keep the launcher alive.
    setTimeout(() => { for (const f of flushers) f(); process.exit(exitCode ?? 0); }, 2000).unref();
  };
  const onExit = (r, code, sig, quiet = false) => {
    if (r.exited) return;
    r.exited = true;
    if ((code !== 0 || sig) && exitCode === null) {
      if (!quiet) process.stderr.write(`flint-run: rank ${r.rank} exited with ${sig ? `signal ${sig}` : `code ${code}`}\n`);
      exitCode = Math.max(1, sig ? signalCode(sig) : code);
      stop('SIGTERM');
    }
    finish();
  };

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (exitCode === null) {
        process.stderr.write(`flint-run: got ${sig}; passing it to the ranks\n`);
        exitCode = signalCode(sig);
      }
      stop(sig);
    });
  }

  // As torchrun: several ranks on one machine, each with a thread per core, would fight
  // over the cores (OpenBLAS's threads and flint's pool), so each gets one thread unless
  // the user says otherwise.
  const threads = {};
  if (nproc > 1) {
    for (const name of ['OMP_NUM_THREADS', 'FLINT_NUM_THREADS']) {
      if (process.env[name] === undefined) threads[name] = '1';
    }
    if (threads.OMP_NUM_THREADS) {
      process.stderr.write('flint-run: setting OMP_NUM_THREADS and FLINT_NUM_THREADS to 1 for each rank, to keep the ranks ' +
        'from oversubscribing the cores; set them yourself to tune\n');
    }
  }

  for (let local = 0; local < nproc; local++) {
    const rank = nodeRank * nproc + local;
    const env = {
      ...process.env,
      ...threads,
      MASTER_ADDR: masterAddr,
      MASTER_PORT: String(masterPort),
      WORLD_SIZE: String(nnodes * nproc),
      RANK: String(rank),
      LOCAL_RANK: String(local),
      LOCAL_WORLD_SIZE: String(nproc),
      GROUP_RANK: String(nodeRank),
    };
    const child = spawn(file, args, { env, stdio: ['inherit', prefix ? 'pipe' : 'inherit', prefix ? 'pipe' : 'inherit'] });
    const r = { rank, child, exited: false };
    ranks.push(r);
    if (prefix) {
      flushers.push(pipeLines(child.stdout, process.stdout, `[rank${rank}]: `));
      flushers.push(pipeLines(child.stderr, process.stderr, `[rank${rank}]: `));
    }
    child.on('exit', (code, sig) => onExit(r, code, sig));
    child.on('error', (error) => {
      if (r.exited || child.pid !== undefined) return; // a failed kill(), not a failed start
      process.stderr.write(`flint-run: rank ${rank} could not start ${file}: ${error.message}\n`);
      onExit(r, 127, null, true);
    });
  }
}

main().catch((error) => die(error?.stack ?? String(error), 1));
