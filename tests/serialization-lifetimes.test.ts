/**
 * What a save holds on to, and for how long: `await torch.save` writes the values of the
 * call (not of whenever the write happens), serialize and save keep no native memory
 * alive after they finish (measured in child processes, so a leak is a number and not a
 * dead test runner), and the temporary files of killed saves do not pile up.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const dir = mkdtempSync(join(tmpdir(), 'flint-lifetimes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const helper = (name: string): string => new URL(`./helpers/${name}`, import.meta.url).pathname;
const temporaries = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.flint-tmp'));
const fresh = (name: string): string => mkdtempSync(join(dir, `${name}-`));

describe('await torch.save writes the values of the call', () => {
  it('a fill_ after the call does not reach the file (views included)', async () => {
    const file = join(dir, 'fill.pt');
    const w = torch.ones(4);
    const pending = torch.save({ w, middle: w.index('1:3') }, file);
    w.fill_(2);
    await pending;
    const loaded = torch.loadSync(file) as Record<string, Tensor>;
    expect(loaded.w.tolist()).toEqual([1, 1, 1, 1]);
    expect(loaded.middle.tolist()).toEqual([1, 1]);
    expect(loaded.middle._storage).toBe(loaded.w._storage);
    expect(w.tolist()).toEqual([2, 2, 2, 2]);
  });

  it('an optimizer step, a write through .data and a dispose after the call do not reach the file', async () => {
    const file = join(dir, 'step.pt');
    const p = new torch.nn.Parameter(torch.tensor([1, 2, 3], { dtype: torch.float32 }));
    const q = torch.arange(4, { dtype: torch.float32 });
    const opt = new torch.optim.SGD([p], { lr: 1 });
    p.sum().backward();
    const pending = torch.save({ p, q }, file);
    opt.step();
    p.data.mul_(10);
    q.dispose();
    await pending;
    const loaded = torch.loadSync(file) as Record<string, Tensor>;
    expect(loaded.p.tolist()).toEqual([1, 2, 3]);
    expect(loaded.q.tolist()).toEqual([0, 1, 2, 3]);
    expect(p.tolist()).toEqual([0, 10, 20]);
  });

  it('safetensors and strided views too; keys added after the call are not saved', async () => {
    const file = join(dir, 'snap.safetensors');
    const a = torch.arange(6, { dtype: torch.float32 }).reshape(2, 3);
    const obj: Record<string, Tensor> = { a, t: a.t() };
    const pending = torch.save(obj, file);
    a.mul_(-1);
    obj.late = torch.ones(1);
    await pending;
    const loaded = torch.loadSync(file) as Record<string, Tensor>;
    expect(Object.keys(loaded).sort()).toEqual(['a', 't']);
    expect(loaded.a.tolist()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(loaded.t.tolist()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  it('a tidy scope that ends before the write does not free the copies', async () => {
    const file = join(dir, 'tidy.pt');
    let pending: Promise<void> = Promise.resolve();
    torch.tidy(() => {
      const t = torch.ones(3).mul(5);
      pending = torch.save({ t }, file);
    });
    await pending;
    expect((torch.loadSync(file) as { t: Tensor }).t.tolist()).toEqual([5, 5, 5]);
  });
});

interface ChildReport {
  before?: { storages: number; allocatedBytes: number };
  after?: { storages: number; allocatedBytes: number; externalBytes: number };
  during?: { storages: number; allocatedBytes: number; externalBytes: number };
  bytes?: number;
  savedNumel?: number;
  peakAllocated: number;
  peakRss: number;
}

function child(mode: string, iterations: number, numel: number): ChildReport {
  const out = execFileSync(process.execPath, ['--import', 'tsx', helper('memory-child.ts'), mode, String(iterations), String(numel), fresh(mode)], {
    encoding: 'utf8',
    timeout: 240_000,
    // Every host byte reported to V8, so that externalBytes shows all that is accounted.
    env: { ...process.env, FLINT_UNREPORTED_HOST_BYTES: '0' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
}

describe('saved and serialized storages are released (child processes)', () => {
  const MB16 = 4 * 1024 * 1024; // float32 elements in 16 MB

  it('50 x serialize({ a }) then a.dispose() on 16 MB tensors leaves no storage alive', () => {
    const r = child('serialize', 50, MB16);
    expect(r.bytes).toBeGreaterThan(50 * 16 * 2 ** 20);
    // Synchronously, with no GC: serialize copies bytes out and holds nothing native.
    expect(r.after).toEqual({ storages: 0, allocatedBytes: 0, externalBytes: 0 });
    expect(r.peakRss).toBeLessThan(600 * 2 ** 20);
  }, 240_000);

  for (const mode of ['save', 'saveSync']) {
    it(`60 ${mode}s of fresh 32 MB tensors, never disposed, stay bounded`, () => {
      const numel = 2 * MB16;
      const r = child(mode, 60, numel);
      expect(r.savedNumel).toBe(numel);
      // Before the fix the storages lived on in zero-copy views V8 did not feel: 60 x 32 MB.
      expect(r.peakAllocated).toBeLessThan(10 * numel * 4);
      expect(r.peakRss).toBeLessThan(1024 * 2 ** 20);
    }, 240_000);
  }

  it('while an async save is pending, its copy of a disposed tensor is counted as external memory, then freed', () => {
    const r = child('inflight', 1, MB16);
    expect(r.during).toEqual({ storages: 1, allocatedBytes: MB16 * 4, externalBytes: MB16 * 4 });
    expect(r.after).toEqual({ storages: 0, allocatedBytes: 0, externalBytes: 0 });
  }, 240_000);
});

/** This host's tag in temporary names: the first 8 hex digits of sha256(hostname). */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temporary files', () => {
  it('are named .<file>.<host>-<pid>-<thread>-<random>.flint-tmp, and a killed save leaves one that the next save removes', async () => {
    const folder = fresh('kill');
    const file = join(folder, 'ckpt.pt');
    torch.saveSync({ step: 7 }, file);
    const before = readFileSync(file);
    const proc = spawn(process.execPath, ['--import', 'tsx', helper('save-child.ts'), file, String(64 * 1024 * 1024)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let sawPartial = false;
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const temporary = temporaries(folder)[0];
        if (temporary !== undefined && statSync(join(folder, temporary)).size > 0) {
          sawPartial = true;
          proc.kill('SIGKILL');
        }
      }, 2);
      proc.on('exit', () => {
        clearInterval(poll);
        resolve();
      });
      proc.on('error', reject);
    });
    expect(sawPartial, 'the child was killed while writing').toBe(true);
    const orphans = temporaries(folder);
    expect(orphans).toEqual([expect.stringMatching(new RegExp(`^\\.ckpt\\.pt\\.${HOST}-${proc.pid}-0-[0-9a-f]{8}\\.flint-tmp$`))]);
    expect(readFileSync(file).equals(before)).toBe(true);

    torch.saveSync({ step: 8 }, join(folder, 'other.pt'));
    expect(temporaries(folder)).toEqual([]);
    expect((torch.loadSync(file) as { step: number }).step).toBe(7);
  }, 120_000);

  for (const sync of [false, true]) {
    it(`a worker terminated during ${sync ? 'saveSync' : 'save'} leaves a file that the next save in this process removes`, async () => {
      const folder = fresh(sync ? 'worker-sync' : 'worker-async');
      const file = join(folder, 'ckpt.pt');
      const worker = new Worker(helper('save-worker-entry.mjs'), { workerData: { file, numel: 32 * 1024 * 1024, sync } });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      const workerId = worker.threadId;
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          const temporary = temporaries(folder)[0];
          if (temporary !== undefined && statSync(join(folder, temporary)).size > 0) {
            clearInterval(poll);
            resolve();
          }
        }, 2);
      });
      expect(await worker.terminate()).toBe(1);
      const orphans = temporaries(folder);
      expect(orphans.length).toBe(1);
      expect(orphans[0]).toMatch(new RegExp(`^\\.ckpt\\.pt\\.${HOST}-${process.pid}-${workerId}-[0-9a-f]{8}\\.flint-tmp$`));
      await torch.save({ x: 1 }, join(folder, 'next.pt'));
      expect(temporaries(folder)).toEqual([]);
    }, 120_000);
  }

  it('process.exit() during an async save deletes its temporary file', () => {
    const folder = fresh('exit');
    const r = spawnSync(process.execPath, ['--import', 'tsx', helper('exit-child.ts'), join(folder, 'ckpt.pt')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(3);
    expect(r.stdout.trim()).toMatch(/\.flint-tmp$/); // it exited with the file half written
    expect(readdirSync(folder)).toEqual([]);
  }, 120_000);

  it('keeps the files of live processes, open files of this process and other hosts\' files; removes the rest', () => {
    const folder = fresh('rules');
    const name = (host: string, pid: number, thread: number): string => `.m.pt.${host}-${pid}-${thread}-0badc0de.flint-tmp`;
    const dead = deadPid();
    const files = {
      liveProcess: name(HOST, process.ppid, 0),
      deadProcess: name(HOST, dead, 0),
      otherHost: name('00000000' === HOST ? '11111111' : '00000000', dead, 0),
      thisThreadNotWriting: name(HOST, process.pid, threadId),
      otherThreadOpen: name(HOST, process.pid, threadId + 1000),
      otherThreadClosed: name(HOST, process.pid, threadId + 1001),
      notOurs: '.m.pt.tmp',
    };
    for (const f of Object.values(files)) writeFileSync(join(folder, f), 'x');
    const fd = openSync(join(folder, files.otherThreadOpen), 'r');
    try {
      torch.saveSync({ x: 1 }, join(folder, 'm.pt'));
      const left = new Set(readdirSync(folder));
      expect(Object.fromEntries(Object.entries(files).map(([k, f]) => [k, left.has(f)]))).toEqual({
        liveProcess: true,
        deadProcess: false,
        otherHost: true,
        thisThreadNotWriting: false,
        otherThreadOpen: true,
        otherThreadClosed: process.platform !== 'linux', // only Linux lists a process's open files
        notOurs: true,
      });
    } finally {
      closeSync(fd);
    }
    torch.saveSync({ x: 2 }, join(folder, 'm.pt'));
    expect(readdirSync(folder).includes(files.otherThreadOpen)).toBe(process.platform !== 'linux');
  });
});
