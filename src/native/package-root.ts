/**
 * Where the installed package lies, for the files that cannot be bundled: the native addon
 * and the worker threads' scripts. From flint's own modules, their `import.meta.url`; from
 * a bundle (esbuild, webpack), where that URL is the bundle's or is missing, the
 * `flint-torch` that `node_modules` resolves from the working directory.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NAME = 'flint-torch';

/** This module's URL, or undefined in a CommonJS bundle (where import.meta is empty). */
function ownUrl(): string | undefined {
  const url = (import.meta as { url?: unknown }).url;
  return typeof url === 'string' ? url : undefined;
}

function walkUp(start: string): string | null {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === NAME) return dir;
      } catch {
        // an unreadable manifest is not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

let cached: string | null = null;

/**
 * The folder of flint-torch's package.json. Throws an Error that says how to bundle an
 * app that uses flint when neither way finds it.
 * @example join(packageRoot(), 'prebuilds')
 */
export function packageRoot(): string {
  if (cached !== null) return cached;
  const url = ownUrl();
  let found = url?.startsWith('file:') ? walkUp(dirname(fileURLToPath(url))) : null;
  if (found === null) {
    try {
      found = dirname(createRequire(join(process.cwd(), 'noop.js')).resolve(`${NAME}/package.json`));
    } catch {
      found = null;
    }
  }
  if (found === null) {
    throw new Error(
      `flint: cannot find the ${NAME} package (its native addon and worker scripts are not JavaScript a bundler can inline). ` +
        `Install ${NAME} in node_modules where the app runs, and mark it external in the bundler ` +
        `(esbuild: --external:${NAME}; webpack: externals: { '${NAME}': 'commonjs ${NAME}' }), or set FLINT_ADDON_PATH to its .node file.`,
    );
  }
  cached = found;
  return found;
}

/**
 * A module that runs in a worker thread, beside the calling module when flint runs
 * unbundled (`import.meta.url` of the caller), else in the installed package's dist/src.
 * @example new Worker(workerScript(import.meta.url, 'serve/pool-worker'))
 */
export function workerScript(callerUrl: string | undefined, pathInSrc: string): URL {
  const name = pathInSrc.split('/').pop()!;
  if (typeof callerUrl === 'string' && callerUrl.startsWith('file:')) {
    // From the TypeScript sources (tests, tsx) a bootstrap registers tsx in the worker first.
    if (callerUrl.endsWith('.ts')) return new URL(`./${name}-boot.mjs`, callerUrl);
    const beside = new URL(`./${name}.js`, callerUrl);
    if (existsSync(fileURLToPath(beside))) return beside;
  }
  return pathToFileURL(join(packageRoot(), 'dist', 'src', `${pathInSrc}.js`));
}
