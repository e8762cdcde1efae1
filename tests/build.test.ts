// Build plumbing that a user meets before any tensor exists.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('build', () => {
  it('fails early and names the package to install when OpenBLAS is missing', () => {
    const result = spawnSync(process.execPath, ['scripts/check-openblas.cjs', '--libs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_HOME: '/nonexistent', FLINT_OPENBLAS_ONLY_HOME: '1' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OpenBLAS was not found');
    expect(result.stderr).toContain('apt-get install -y libopenblas-dev');
  });

  it('finds OpenBLAS here, for both node-gyp and cmake-js', () => {
    const result = spawnSync(process.execPath, ['scripts/check-openblas.cjs', '--cflags'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\//);
  });

  it('binding.gyp and CMakeLists.txt both build the addon from scripts/native-sources.cjs, which lists every addon source', () => {
    // With OpenBLAS linked statically (the prebuild) the list also holds native/static-openblas,
    // and against the old-glibc sysroot (the linux-x64 prebuild) native/glibc-floor.
    const listed = spawnSync(process.execPath, ['scripts/native-sources.cjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FLINT_STATIC_OPENBLAS: '1', FLINT_GLIBC_SYSROOT: '/sysroot' },
    });
    expect(listed.status).toBe(0);
    const sources = listed.stdout.split(' ').filter(Boolean);
    const shared = spawnSync(process.execPath, ['scripts/native-sources.cjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FLINT_STATIC_OPENBLAS: '0', FLINT_GLIBC_SYSROOT: '' },
    }).stdout.split(' ').filter(Boolean);
    expect(sources.filter((f) => !shared.includes(f)).sort()).toEqual(['native/glibc-floor/libstdcxx_compat.cc', 'native/static-openblas/gfortran_concat.cc']);
    expect(sources).toContain('native/napi/ops.cc');
    expect(readFileSync(`${root}binding.gyp`, 'utf8')).toContain('scripts/native-sources.cjs');
    expect(readFileSync(`${root}CMakeLists.txt`, 'utf8')).toContain('scripts/native-sources.cjs');
    // native/cuda/ and native/gloo/ are the CUDA and gloo libraries', built by CMake alone
    // (see CMakeLists.txt); native/cpu/abi-check/ is compiled by tests/conv-onednn.test.ts
    // against oneDNN's headers, never into the addon. The generated entries.generated.cc
    // lives in each build's own folder, never in native/.
    const onDisk = spawnSync('find', ['native', '-name', '*.cc', '-not', '-path', 'native/cuda/*', '-not', '-path', 'native/gloo/*', '-not', '-path', 'native/cpu/abi-check/*'], { cwd: root, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .sort();
    expect([...sources].sort()).toEqual(onDisk);
  });

  it('the gloo communicator is built apart from the addon, which never links gloo', () => {
    const cmake = readFileSync(`${root}CMakeLists.txt`, 'utf8');
    expect(cmake).toMatch(/add_library\(flint_gloo SHARED \$\{CMAKE_SOURCE_DIR\}\/native\/gloo\/gloo_communicator\.cc\)/);
    expect(readFileSync(`${root}binding.gyp`, 'utf8')).not.toMatch(/gloo/i);
    const sources = spawnSync(process.execPath, ['scripts/native-sources.cjs'], { cwd: root, encoding: 'utf8' }).stdout;
    expect(sources).not.toContain('native/gloo/');
    const linked = spawnSync('ldd', [`${root}build/Release/flint.node`], { encoding: 'utf8' }).stdout;
    expect(linked).not.toContain('gloo');
  });

  it('the CUDA library is built apart from the addon, for sm_80, sm_90 and PTX, with cudart static', () => {
    const cmake = readFileSync(`${root}CMakeLists.txt`, 'utf8');
    expect(cmake).toContain('80-real 90-real 90-virtual');
    expect(cmake).toContain('CUDA::cudart_static');
    expect(cmake).toMatch(/add_library\(flint_cuda SHARED/);
    // The addon never links CUDA: it dlopens flint_cuda.so only when CUDA is asked for.
    expect(readFileSync(`${root}binding.gyp`, 'utf8')).not.toMatch(/cuda/i);
    const sources = spawnSync(process.execPath, ['scripts/native-sources.cjs'], { cwd: root, encoding: 'utf8' }).stdout;
    expect(sources).not.toContain('native/cuda/');
  });

  it.skipIf(!existsSync('/usr/local/cuda/bin/nvcc'))('where nvcc exists, npm install built build-cuda/flint_cuda.so, and it loads here', async () => {
    expect(existsSync(`${root}build-cuda/flint_cuda.so`)).toBe(true);
    const torch = await import('../src/index.js');
    // Loading the library must never crash a machine without a GPU: it reports why instead.
    if (!torch.cuda.isAvailable()) expect(torch.cuda.unavailableReason()).not.toMatch(/could not be loaded|another version/);
    // With no driver at all, the reason says so (the runtime's own words blame the driver's version).
    const hasDriver = /libcuda\.so\.1\b/.test(spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '');
    if (!hasDriver) expect(torch.cuda.unavailableReason()).toMatch(/^no NVIDIA driver found/);
  });

  it.runIf(process.env.FLINT_SANITIZED === '1')('under npm run test:asan, the instrumented addon and the ASan runtime are what is loaded', async () => {
    await import('../src/index.js');
    const maps = readFileSync('/proc/self/maps', 'utf8');
    expect(maps).toMatch(/libasan\.so/);
    expect(maps).toContain(`${root}build-asan/Release/flint.node`);
    expect(maps).not.toContain(`${root}build/Release/flint.node`);
  });

  it('never compiles with -march=native', () => {
    expect(readFileSync(`${root}binding.gyp`, 'utf8')).not.toContain('march=native');
    expect(readFileSync(`${root}CMakeLists.txt`, 'utf8')).not.toContain('march=native');
  });
});
