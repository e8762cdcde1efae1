/**
 * The real PyTorch the round-trip tests talk to (Debian's python3-torch at
 * /usr/bin/python3). Without it those tests skip with a NOTICE; CI installs it.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Whether PYTHON can import `module`. @example pythonCanImport('safetensors.torch') */
export function pythonCanImport(module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', env: pythonEnv() }).status === 0;
}

/** Whether PyTorch is here: checked once per test file. */
export const hasTorch = pythonCanImport('torch');

/**
 * The environment for PyTorch's process: without the sanitizer runtime that `npm run
 * test:asan` preloads into every child. PyTorch is not flint's to check, and ASan's
 * `__cxa_throw` interceptor aborts it on the C++ exceptions its quantized engine throws.
 */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONWARNINGS: 'ignore' };
  if (env.FLINT_SANITIZED === '1') {
    delete env.LD_PRELOAD;
    delete env.ASAN_OPTIONS;
    delete env.UBSAN_OPTIONS;
  }
  return env;
}

/** Runs a Python script with arguments and returns its stdout. @example python('print(1)') // '1\n' */
export function python(script: string, ...args: string[]): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', env: pythonEnv() });
}
