/**
 * Runs named cases in a child process, so that a case that crashes the process (a
 * segfault, an abort) fails its own test instead of killing the test runner. The child
 * reports each case as it starts and as it ends; after a crash, the cases not yet run go
 * to a fresh child.
 */
import { spawnSync } from 'node:child_process';

/** What one case did: returned a JSON-safe value, threw, or took the process down. */
export interface Outcome {
  value?: unknown;
  error?: string;
  type?: string;
  crash?: string;
}

const CHILD = new URL('./isolated-child.ts', import.meta.url).pathname;

/**
 * Runs `names` from the `cases` export of `module` (a file URL) in child processes.
 * @example const outcomes = runIsolated(new URL('./helpers/safety-cases.ts', import.meta.url), ['gather_garbage']);
 */
export function runIsolated(module: URL, names: readonly string[], timeoutMs = 120_000): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  let pending = names.slice();
  while (pending.length > 0) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, module.href, ...pending], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, FLINT_NUM_THREADS: process.env.FLINT_NUM_THREADS ?? '2' },
    });
    let running: string | null = null;
    for (const line of child.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const report = JSON.parse(line) as { name: string; start?: true } & Outcome;
      if (report.start) running = report.name;
      else {
        outcomes.set(report.name, { value: report.value, error: report.error, type: report.type });
        running = null;
      }
    }
    const done = new Set(outcomes.keys());
    if (running !== null) {
      const how = child.signal ?? `exit code ${child.status}`;
      outcomes.set(running, { crash: `${how}${child.error ? ` (${child.error.message})` : ''}\n${child.stderr.slice(-2000)}` });
      done.add(running);
    } else if (child.status !== 0 && pending.every((n) => !done.has(n))) {
      throw new Error(`the case runner failed before any case ran (${child.signal ?? child.status}):\n${child.stderr}`);
    }
    pending = pending.filter((n) => !done.has(n));
  }
  return outcomes;
}
