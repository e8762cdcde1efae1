// bin/flint-run.mjs, the torchrun-style launcher: the environment each rank gets, the [rankN]:
// output prefix, TypeScript scripts through tsx, the `--` command form, tearing the job down
// when a rank fails, passing signals on, and argument errors. Every case spawns the real script
// on tiny scripts in a temporary folder.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin', 'flint-run.mjs');
const dir = mkdtempSync(join(tmpdir(), 'flint-run-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to `name` in the temporary folder and returns its path. */
function script(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const ENV_SCRIPT = script('env.mjs', `
const e = process.env;
console.log(JSON.stringify({ RANK: e.RANK, WORLD_SIZE: e.WORLD_SIZE, LOCAL_RANK: e.LOCAL_RANK,
  LOCAL_WORLD_SIZE: e.LOCAL_WORLD_SIZE, GROUP_RANK: e.GROUP_RANK, MASTER_ADDR: e.MASTER_ADDR,
  MASTER_PORT: e.MASTER_PORT, args: process.argv.slice(2),
  ...(process.argv.includes('--threads') ? { OMP_NUM_THREADS: e.OMP_NUM_THREADS, FLINT_NUM_THREADS: e.FLINT_NUM_THREADS } : {}) }));
`);

interface Result { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

/** Starts `node bin/flint-run.mjs ...args`; `done` resolves when it has exited and its pipes closed. */
function launch(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? root,
    // The thread settings are the user's here, so that flint-run prints no notice about them
    // (tests compare stderr exactly); the test of that notice removes them.
    env: { ...process.env, OMP_NUM_THREADS: '1', FLINT_NUM_THREADS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

const run = (args: string[], options?: Parameters<typeof launch>[1]) => launch(args, options).done;

/** Each `[rankN]: {json}` line of stdout, checked that N is the RANK the line reports, in rank order. */
function ranks(stdout: string): Record<string, unknown>[] {
  const rows = stdout.trim().split('\n').map((line) => {
    const m = /^\[rank(\d+)\]: (\{.*\})$/.exec(line);
    expect(m, line).not.toBeNull();
    const row = JSON.parse(m![2]) as Record<string, unknown>;
    expect(row.RANK).toBe(m![1]);
    return row;
  });
  return rows.sort((a, b) => Number(a.RANK) - Number(b.RANK));
}

/** Polls until every path exists (or 4 s pass). */
async function waitFor(paths: string[]): Promise<void> {
  for (let i = 0; i < 200 && !paths.every((p) => existsSync(p)); i++) await new Promise((r) => setTimeout(r, 20));
}

const row = (rank: number, world: number, local: number, nproc: number, group: number, port = '29500') => ({
  RANK: String(rank), WORLD_SIZE: String(world), LOCAL_RANK: String(local), LOCAL_WORLD_SIZE: String(nproc),
  GROUP_RANK: String(group), MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, args: ['a', '--b'],
});

describe('flint-run: the environment of each rank', () => {
  it('2 processes: ranks 0 and 1 of 2, prefixed, script arguments passed on', async () => {
    const r = await run(['--nproc-per-node', '2', ENV_SCRIPT, 'a', '--b']);
    expect(r.code, r.stderr).toBe(0);
    expect(ranks(r.stdout)).toEqual([row(0, 2, 0, 2, 0), row(1, 2, 1, 2, 0)]);
  });

  it('3 processes with --nproc_per_node=3 and --master-port=', async () => {
    const r = await run(['--nproc_per_node=3', '--master-port=31234', ENV_SCRIPT, 'a', '--b']);
    expect(r.code, r.stderr).toBe(0);
    expect(ranks(r.stdout)).toEqual([0, 1, 2].map((i) => row(i, 3, i, 3, 0, '31234')));
  });

  it('--nnodes 2 --node-rank 1: this node runs global ranks 2 and 3 of 4', async () => {
    const r = await run(['--nproc-per-node', '2', '--nnodes', '2', '--node_rank=1', '--master-addr', '10.0.0.7', ENV_SCRIPT, 'a', '--b']);
    expect(r.code, r.stderr).toBe(0);
    const expected = [row(2, 4, 0, 2, 1), row(3, 4, 1, 2, 1)].map((x) => ({ ...x, MASTER_ADDR: '10.0.0.7' }));
    expect(ranks(r.stdout)).toEqual(expected);
  });

  it('several ranks get one thread each unless the user set OMP_NUM_THREADS, with a notice', async () => {
    const r = await new Promise<Result>((resolve) => {
      const env = { ...process.env };
      delete env.OMP_NUM_THREADS;
      delete env.FLINT_NUM_THREADS;
      const child = spawn(process.execPath, [BIN, '--nproc-per-node', '2', ENV_SCRIPT, '--threads'], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: 0 }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('flint-run: setting OMP_NUM_THREADS and FLINT_NUM_THREADS to 1 for each rank');
    const rows = ranks(r.stdout) as { OMP_NUM_THREADS?: string; FLINT_NUM_THREADS?: string }[];
    expect(rows.map((x) => [x.OMP_NUM_THREADS, x.FLINT_NUM_THREADS])).toEqual([['1', '1'], ['1', '1']]);
    const own = await run(['--nproc-per-node', '2', ENV_SCRIPT, '--threads'], { env: { OMP_NUM_THREADS: '3', FLINT_NUM_THREADS: '2' } });
    expect(own.stderr).toBe('');
    expect((ranks(own.stdout) as { OMP_NUM_THREADS?: string }[]).map((x) => x.OMP_NUM_THREADS)).toEqual(['3', '3']);
  });

  it('one process is still prefixed, and --no-prefix leaves lines alone', async () => {
    const one = await run([ENV_SCRIPT, 'a', '--b']);
    expect(ranks(one.stdout)).toEqual([row(0, 1, 0, 1, 0)]);
    const bare = await run(['--no-prefix', ENV_SCRIPT, 'a', '--b']);
    expect(JSON.parse(bare.stdout)).toEqual(row(0, 1, 0, 1, 0));
  });

  it('--standalone picks a free port other than 29500, the same for every rank', async () => {
    const r = await run(['--standalone', '--nproc-per-node', '2', ENV_SCRIPT, 'a', '--b']);
    expect(r.code, r.stderr).toBe(0);
    const rows = ranks(r.stdout);
    const port = Number(rows[0].MASTER_PORT);
    expect(Number.isInteger(port) && port > 0 && port < 65536 && port !== 29500).toBe(true);
    expect(rows).toEqual([row(0, 2, 0, 2, 0, String(port)), row(1, 2, 1, 2, 0, String(port))]);
  });

  it('gpu counts CUDA_VISIBLE_DEVICES; auto falls back to 1; gpu with none is an error', async () => {
    const gpu = await run(['--nproc-per-node', 'gpu', ENV_SCRIPT, 'a', '--b'], { env: { CUDA_VISIBLE_DEVICES: '0,1' } });
    expect(ranks(gpu.stdout).map((x) => x.WORLD_SIZE)).toEqual(['2', '2']);
    const auto = await run(['--nproc-per-node', 'auto', ENV_SCRIPT, 'a', '--b'], { env: { CUDA_VISIBLE_DEVICES: '' } });
    expect(ranks(auto.stdout)).toEqual([row(0, 1, 0, 1, 0)]);
    const none = await run(['--nproc-per-node', 'gpu', ENV_SCRIPT], { env: { CUDA_VISIBLE_DEVICES: '-1' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no GPU is visible');
    expect(none.stdout).toBe('');
  });
});

describe('flint-run: what it runs', () => {
  it('a .ts script runs through tsx', async () => {
    const ts = script('typed.ts', `
interface Info { rank: number; world: number }
const info: Info = { rank: Number(process.env.RANK), world: Number(process.env.WORLD_SIZE) };
console.log(JSON.stringify({ RANK: String(info.rank), world: info.world satisfies number }));
`);
    const r = await run(['--nproc-per-node', '2', ts]);
    expect(r.code, r.stderr).toBe(0);
    expect(ranks(r.stdout)).toEqual([{ RANK: '0', world: 2 }, { RANK: '1', world: 2 }]);
  });

  it('a .ts script with no tsx to be found is a clear error', async (ctx) => {
    const lonely = mkdtempSync(join(dir, 'no-tsx-'));
    let found = true;
    try { createRequire(join(lonely, 'noop.js')).resolve('tsx/cli'); } catch { found = false; }
    if (found) ctx.skip(); // something above the temporary folder provides tsx
    writeFileSync(join(lonely, 'x.ts'), 'const n: number = 1;\n');
    const r = await run(['x.ts'], { cwd: lonely });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('flint-run: running a TypeScript script needs tsx; install it with `npm install --save-dev tsx`\n');
  });

  it('after --, the command runs as given; stdout and stderr keep apart, a last partial line is flushed', async () => {
    const code = 'console.log(process.env.RANK + " " + process.argv[1]); process.stderr.write("no newline")';
    const r = await run(['--nproc-per-node', '2', '--', process.execPath, '-e', code, 'hello']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').sort()).toEqual(['', '[rank0]: 0 hello', '[rank1]: 1 hello']);
    expect(r.stderr.split('\n').sort()).toEqual(['', '[rank0]: no newline', '[rank1]: no newline']);
  });

  it('a command that cannot start fails with 127', async () => {
    const r = await run(['--', join(dir, 'no-such-command')]);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('flint-run: rank 0 could not start');
  });
});

describe('flint-run: failures and signals', () => {
  // Rank 1 records its pid and sleeps 30 s (ignoring SIGTERM with `stubborn`); rank 0 waits for
  // that pid file, then fails with code 3.
  const FAIL = script('fail.mjs', `
import { existsSync, writeFileSync } from 'node:fs';
const pidFile = process.argv[2];
if (process.env.RANK === '1') {
  if (process.argv[3] === 'stubborn') process.on('SIGTERM', () => {});
  writeFileSync(pidFile, String(process.pid));
  setTimeout(() => {}, 30_000);
} else {
  setInterval(() => { if (existsSync(pidFile)) { console.log('failing'); process.exit(3); } }, 10);
}
`);

  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

  for (const [name, extra, env] of [
    ['SIGTERM', [], {}],
    ['SIGKILL after FLINT_RUN_KILL_TIMEOUT_MS', ['stubborn'], { FLINT_RUN_KILL_TIMEOUT_MS: '300' }],
  ] as const) {
    it(`a failing rank ends the job with its code and stops a sleeping sibling (${name})`, async () => {
      const pidFile = join(dir, `pid-${extra.length}`);
      const r = await run(['--nproc-per-node', '2', FAIL, pidFile, ...extra], { env });
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(4000);
      expect(r.stdout).toBe('[rank0]: failing\n');
      expect(r.stderr).toBe('flint-run: rank 0 exited with code 3\n');
      expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    });
  }

  it('a rank killed by a signal gives 128 + its number', async () => {
    const r = await run(['--', process.execPath, '-e', 'process.kill(process.pid, "SIGKILL")']);
    expect(r.code).toBe(137);
    expect(r.stderr).toBe('flint-run: rank 0 exited with signal SIGKILL\n');
  });

  it('SIGTERM to flint-run reaches every rank', async () => {
    const TERM = script('term.mjs', `
import { writeFileSync } from 'node:fs';
const at = (what) => process.argv[2] + '-' + what + '-' + process.env.RANK;
process.on('SIGTERM', () => { writeFileSync(at('term'), 'SIGTERM'); process.exit(0); });
writeFileSync(at('ready'), '');
setInterval(() => {}, 1000);
`);
    const base = join(dir, 'sig');
    const { child, done } = launch(['--nproc-per-node', '2', TERM, base]);
    await waitFor([`${base}-ready-0`, `${base}-ready-1`]);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(128 + 15);
    expect(r.stderr).toBe('flint-run: got SIGTERM; passing it to the ranks\n');
    expect([0, 1].map((i) => readFileSync(`${base}-term-${i}`, 'utf8'))).toEqual(['SIGTERM', 'SIGTERM']);
  });
});

describe('flint-run: arguments', () => {
  const cases: [string[], string][] = [
    [['--bogus', ENV_SCRIPT], 'flint-run: unknown option --bogus'],
    [['-x', ENV_SCRIPT], 'flint-run: unknown option -x'],
    [[], 'flint-run: no script or command given'],
    [['--nnodes'], 'flint-run: --nnodes needs a value'],
    [['--nproc-per-node', '0', ENV_SCRIPT], "flint-run: --nproc-per-node must be an integer >= 1, got '0'"],
    [['--nproc-per-node=two', ENV_SCRIPT], "flint-run: --nproc-per-node must be an integer >= 1, got 'two'"],
    [['--nnodes', '2', '--node-rank', '2', ENV_SCRIPT], 'flint-run: --node-rank 2 must be below --nnodes 2'],
    [['--master-port', '70000', ENV_SCRIPT], 'flint-run: --master-port must be at most 65535, got 70000'],
    [['--standalone=1', ENV_SCRIPT], 'flint-run: --standalone takes no value'],
    [['--'], 'flint-run: no command after --'],
    [[join(dir, 'missing.mjs')], `flint-run: script not found: ${join(dir, 'missing.mjs')}`],
  ];
  for (const [args, message] of cases) {
    it(`${JSON.stringify(args.map((a) => a.replace(dir, '$TMP')))} exits 2`, async () => {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(message);
      expect(r.stdout).toBe('');
    });
  }

  it('--help prints the usage and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: flint-run \[options\] script/);
    expect(r.stdout).toContain('--nproc-per-node N|gpu|cpu|auto');
  });
});
