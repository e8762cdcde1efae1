/**
 * Starting the scripts under tests/distributed/ as worlds of processes with bin/flint-run.mjs
 * (or any command), collecting their output: what the distributed tests share.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where the commands run. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** How a command ended and what it printed. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` in the repository root with `env` added to this process's
 * environment, killed after `timeoutMs`.
 * @example const { code, stdout } = await run(process.execPath, ['--version']);
 */
export function run(command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `script` run by `nproc` ranks on this machine (`flint-run --standalone`).
 * @example const result = await flintRun(2, 'tests/distributed/ddp.mts');
 */
export const flintRun = (nproc: number, script: string, env: Record<string, string> = {}): Promise<Run> =>
  run(process.execPath, ['bin/flint-run.mjs', '--standalone', '--nproc-per-node', String(nproc), script], env);
