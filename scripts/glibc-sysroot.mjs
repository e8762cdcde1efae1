#!/usr/bin/env node
// The old-glibc sysroot that the linux-x64 prebuild is compiled against, so that it loads on
// glibc 2.27 and later (RHEL 8, Debian 10/11, Ubuntu 18.04/20.04, Amazon Linux 2023) and not
// only where it was built. glibc versions every symbol it exports; a binary linked against a
// newer libc.so records the newest version of each symbol and will not load on an older libc.
// Linking against Ubuntu 18.04's libc6-dev makes the linker pick the 2.27-or-older versions.
//
//   node scripts/glibc-sysroot.mjs            fetch (once) and print the sysroot's path
//   node scripts/glibc-sysroot.mjs --runtime  also fetch Ubuntu 20.04's libc and libstdc++
//                                             (tests/prebuild-old-glibc.test.ts runs Node
//                                             and the prebuild on them)
//   node scripts/glibc-sysroot.mjs --flags    print the CC/CXX/LDFLAGS the prebuild uses, as JSON
//
// The .deb files are each release's own (the release pocket's files stay in Ubuntu's pool for
// good, where updates are replaced), pinned by SHA-256, so the sysroot is the same on every machine. They are
// unpacked with `ar` and `tar` (binutils and tar, which any C++ toolchain has), not dpkg.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const UBUNTU = 'http://archive.ubuntu.com/ubuntu/pool/main';

/** What the sysroot is made of: glibc 2.27's headers and libraries, and the kernel headers. */
const SYSROOT_DEBS = [
  ['g/glibc/libc6-dev_2.27-3ubuntu1_amd64.deb', 'e426c70a940a7d0c5c95823a5fd01f26bd8bcb08d109df2f8c96c439da8dc440'],
  ['g/glibc/libc6_2.27-3ubuntu1_amd64.deb', '1e1eb86fd646aa68f7144ec692b837b6b352d215880c6a2d0c92c19d36938427'],
  ['l/linux/linux-libc-dev_4.15.0-20.21_amd64.deb', '4a73fc5ea2d0284e9c9c84cba68cbe5880505afbae0a3201c65c336daf8f8239'],
];

/** An older system to run on: Ubuntu 20.04's glibc 2.31 and libstdc++ (GLIBCXX_3.4.28). */
const RUNTIME_DEBS = [
  ['g/glibc/libc6_2.31-0ubuntu9_amd64.deb', '847a68e5f1ec2cd4e6fc191c5eaf0547445dd5c473c7617c068ba4441f63b292'],
  ['g/gcc-10/libstdc++6_10-20200411-0ubuntu1_amd64.deb', 'c27cf8a12f15308b1ae533f1313ccd6800341f77cc6d3fca34061a5e507946aa'],
  ['g/gcc-10/libgcc-s1_10-20200411-0ubuntu1_amd64.deb', 'fb69f47490d22988ad8a1b3c19d5292e1ccdbd30661eedcd680f9a78b9b55d60'],
];

/** The glibc features that libstdc++'s headers were configured to use and 2.27 lacks. */
const CXXCONFIG_OFF = [
  '_GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT', // pthread_cond_clockwait, glibc 2.30
  '_GLIBCXX_USE_PTHREAD_MUTEX_CLOCKLOCK', // pthread_mutex_clocklock, 2.30
  '_GLIBCXX_USE_PTHREAD_RWLOCK_CLOCKLOCK', // pthread_rwlock_clockrdlock, 2.30
  '_GLIBCXX_HAVE_ARC4RANDOM', // arc4random, 2.36
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

async function download(path, sha256, into) {
  const file = join(into, path.split('/').pop());
  if (!existsSync(file)) {
    const url = `${UBUNTU}/${path}`;
    const response = await fetch(url).catch((error) => fail(`could not fetch ${url}: ${error.message}`));
    if (!response.ok) fail(`could not fetch ${url}: HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const got = createHash('sha256').update(bytes).digest('hex');
    if (sha256 && got !== sha256) fail(`${url}: expected SHA-256 ${sha256}, found ${got}`);
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

async function fetchAll(debs, dir, stamp) {
  if (existsSync(join(dir, stamp))) return;
  const cache = join(base, 'debs');
  mkdirSync(cache, { recursive: true });
  for (const [path, sha256] of debs) unpack(await download(path, sha256, cache), dir, join(base, 'scratch'));
  rmSync(join(base, 'scratch'), { recursive: true, force: true });
  relinkAbsolute(dir);
  writeFileSync(join(dir, stamp), debs.map(([p]) => p).join('\n') + '\n');
}

/** The host g++'s own C++ config header, with the features 2.27 lacks turned off. */
function cxxConfigDir(sysroot) {
  const version = run('g++', ['-dumpversion']).trim().split('.')[0];
  const source = `/usr/include/x86_64-linux-gnu/c++/${version}`;
  if (!existsSync(join(source, 'bits/c++config.h'))) fail(`no ${source}/bits/c++config.h (is g++-${version} installed?)`);
  const dir = join(sysroot, 'cxxconfig');
  rmSync(dir, { recursive: true, force: true });
  cpSync(source, dir, { recursive: true });
  const header = join(dir, 'bits/c++config.h');
  let text = readFileSync(header, 'utf8');
  for (const macro of CXXCONFIG_OFF) {
    text = text.replace(new RegExp(`^#define ${macro} 1$`, 'm'), `/* off for glibc 2.27 (scripts/glibc-sysroot.mjs): ${macro} */`);
  }
  writeFileSync(header, text);
  return dir;
}

export async function sysroot() {
  if (process.platform !== 'linux' || process.arch !== 'x64') fail('the glibc 2.27 sysroot is for linux-x64 builds');
  const dir = join(base, 'glibc-2.27');
  await fetchAll(SYSROOT_DEBS, dir, '.complete');
  // libgcc_s stays a shared library (every glibc system has it, at GCC_3.0-era versions); the
  // linker finds it through the sysroot, so it is taken from the host.
  const libgcc = '/lib/x86_64-linux-gnu/libgcc_s.so.1';
  if (!existsSync(join(dir, libgcc)) && existsSync(libgcc)) cpSync(libgcc, join(dir, libgcc));
  return dir;
}

/** The compiler and linker flags that build against the sysroot. */
export async function flags() {
  const dir = await sysroot();
  const cxxconfig = cxxConfigDir(dir);
  const lib = [`-L${dir}/usr/lib/x86_64-linux-gnu`, `-L${dir}/lib/x86_64-linux-gnu`];
  return {
    sysroot: dir,
    // Debian's g++ searches its C++ headers outside the sysroot; -isystem puts the edited
    // config header ahead of the stock one.
    cflags: [`--sysroot=${dir}`],
    cxxflags: [`--sysroot=${dir}`, '-isystem', cxxconfig],
    // The -L folders come before g++'s own, which would otherwise find the host's libc.so.
    // libstdc++ is linked statically (the host's GLIBCXX_3.4.30 would shut out every older
    // system); native/glibc-floor gives it the two glibc symbols that 2.27 does not have.
    ldflags: [`--sysroot=${dir}`, ...lib, '-static-libstdc++'],
  };
}

export async function runtime() {
  const dir = join(base, 'ubuntu-20.04');
  await fetchAll(RUNTIME_DEBS, dir, '.complete');
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--flags')) console.log(JSON.stringify(await flags()));
  else console.log(await sysroot());
  if (process.argv.includes('--runtime')) console.log(await runtime());
}
