#!/usr/bin/env node
// Runs test files where vitest cannot run: each file is bundled with esbuild (flint's
// TypeScript sources included, tests/helpers/mini-vitest.mjs standing in for 'vitest') into
// plain JavaScript, which another Node runs: linux-arm64's, under qemu-user, with the
// linux-arm64 prebuild (tests/prebuild-arm64.test.ts).
//
//   node scripts/run-core-tests.mjs --addon FILE [--qemu PREFIX] [--node NODE] TEST_FILE...
//
// Under --qemu, the tests that spawn Node itself are skipped, each with its reason printed:
// without binfmt_misc (a host setting that needs root) the host cannot execute an arm64 Node.
//
// --qemu PREFIX runs NODE with qemu-aarch64-static -L PREFIX (PREFIX holds the target's
// glibc and libstdc++). Prints every test's line and, last, one JSON line:
// { passed, failed, skipped, failures, files }. Exits 1 if a test failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
};
const addon = option('--addon');
const qemu = option('--qemu');
const node = option('--node') ?? process.execPath;
const files = args;
const SPAWNS_NODE = [
  ['examples/5.5-read-write.ts runs', 'spawns Node, and this host cannot execute the arm64 Node outside qemu'],
  ['as many threads as with OPENBLAS_NUM_THREADS=1', 'spawns Node, and this host cannot execute the arm64 Node outside qemu'],
];
if (!addon || files.length === 0) {
  console.error('usage: node scripts/run-core-tests.mjs --addon FILE [--qemu PREFIX] [--node NODE] TEST_FILE...');
  process.exit(2);
}

// Each bundled file keeps its own import.meta.url, so that the paths the tests and helpers
// build from it (fixtures, the package root, worker scripts) are the ones they have in place.
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, (loaded) => {
      if (loaded.path.includes('node_modules')) return undefined;
      const source = readFileSync(loaded.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const url = `const __flintModuleUrl = ${JSON.stringify(pathToFileURL(loaded.path).href)};\n`;
      const text = url + source.replaceAll('import.meta.url', '__flintModuleUrl');
      return { contents: text, loader: loaded.path.endsWith('ts') ? 'ts' : 'js' };
    });
  },
};

const out = join(root, 'build-sysroot', 'core-tests');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const total = { passed: 0, failed: 0, skipped: 0, failures: [], files: {} };
for (const file of files) {
  const testFile = resolve(root, file);
  const entry = join(out, `${file.replace(/[^\w.-]/g, '_')}.entry.mjs`);
  const bundle = entry.replace(/\.entry\.mjs$/, '.mjs');
  await build({
    stdin: {
      contents: `import ${JSON.stringify(testFile)};\nimport { runDeclared } from 'vitest';\nconst counts = await runDeclared(${JSON.stringify(file)});\nif (counts.failed > 0) process.exitCode = 1;\n`,
      resolveDir: root,
      sourcefile: entry,
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    alias: { vitest: join(root, 'tests/helpers/mini-vitest.mjs'), 'flint-torch': join(root, 'src/index.ts') },
    // Packages with native parts, and those only some tests load, stay outside and resolve
    // from node_modules at run time.
    external: ['esbuild', 'vite', 'node-gyp-build'],
    banner: { js: "import { createRequire as __flintCreateRequire } from 'node:module'; const require = __flintCreateRequire(import.meta.url);" },
    plugins: [ownUrl],
    keepNames: true, // constructor names are reprs and error messages
    logLevel: 'error',
  });
  const command = qemu ? ['qemu-aarch64-static', ['-L', qemu, node, bundle]] : [node, [bundle]];
  const result = spawnSync(command[0], command[1], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FLINT_ADDON_PATH: resolve(addon), FLINT_CORE_TESTS_SKIP: JSON.stringify(qemu ? SPAWNS_NODE : []) },
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  let counts;
  try {
    counts = JSON.parse(last);
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0, failures: [`${file}: exited with ${result.status ?? result.signal} before its summary`] };
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  total.failures.push(...counts.failures.map((f) => `${file}: ${f}`));
  total.files[file] = { passed: counts.passed, failed: counts.failed, skipped: counts.skipped };
}
console.log(JSON.stringify(total));
process.exit(total.failed > 0 ? 1 : 0);
