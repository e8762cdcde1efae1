// torch.distributed over gloo: the stores in this process, a world of one in this
// process, and worlds of 2 and 4 processes started by flint-run (tests/distributed/*.mts,
// which check values themselves and print how many checks passed).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import torch from 'flint-torch';
import { glooStatus, native } from '../src/native/addon.js';
import { flintRun, root, run } from './helpers/flint-run.js';

const dist = torch.distributed;
const glooMissing = glooStatus();
if (glooMissing) console.warn(`tests/distributed.test.ts: the gloo tests skip: ${glooMissing}`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('stores', () => {
  it('TCPStore: set, get, add, wait, check, deleteKey and numKeys between a master and a client', async () => {
    const port = await freePort();
    const master = new dist.TCPStore('127.0.0.1', port, { isMaster: true, worldSize: 2, timeout: 2000 });
    const client = new dist.TCPStore('127.0.0.1', port, { worldSize: 2, timeout: 2000 });
    try {
      const waiting = client.get('late');
      await master.set('late', 'here');
      expect(new TextDecoder().decode(await waiting)).toBe('here');
      await client.set('bytes', new Uint8Array([0, 255, 7]));
      expect([...(await master.get('bytes'))]).toEqual([0, 255, 7]);
      expect(await master.add('count', 2)).toBe(2);
      expect(await client.add('count', 5)).toBe(7);
      expect(new TextDecoder().decode(await client.get('count'))).toBe('7');
      expect(await client.check(['late', 'count'])).toBe(true);
      expect(await client.check(['late', 'nope'])).toBe(false);
      await client.wait(['late', 'bytes']);
      expect(await master.numKeys()).toBe(3);
      expect(await client.deleteKey('late')).toBe(true);
      expect(await client.deleteKey('late')).toBe(false);
      expect(await master.numKeys()).toBe(2);
    } finally {
      client.close();
      master.close();
    }
  });

  it('TCPStore times out on a key nobody sets, and on a master that never comes', async () => {
    const port = await freePort();
    const master = new dist.TCPStore('127.0.0.1', port, { isMaster: true, timeout: 300 });
    try {
      await expect(master.get('never')).rejects.toThrow('Timed out after 300 ms waiting for the store key(s) "never"');
      await expect(master.wait(['a', 'b'], 100)).rejects.toThrow('Timed out after 100 ms');
    } finally {
      master.close();
    }
    const lonely = new dist.TCPStore('127.0.0.1', await freePort(), { timeout: 400 });
    await expect(lonely.connected).rejects.toThrow(/timed out after 400 ms connecting to 127\.0\.0\.1:\d+ .*is rank 0 running/);
  });

  it('TCPStore: a port in use and an unknown host are clear errors', async () => {
    const port = await freePort();
    const first = new dist.TCPStore('127.0.0.1', port, { isMaster: true, timeout: 500 });
    await first.connected;
    const second = new dist.TCPStore('127.0.0.1', port, { isMaster: true, timeout: 500 });
    await expect(second.connected).rejects.toThrow(`failed to listen on port ${port} (address already in use); choose another MASTER_PORT`);
    first.close();
    const unknown = new dist.TCPStore('no-such-host.invalid', port, { timeout: 5000 });
    await expect(unknown.connected).rejects.toThrow("cannot resolve the host name 'no-such-host.invalid' (MASTER_ADDR)");
  });

  it('FileStore, HashStore and PrefixStore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-store-'));
    try {
      for (const store of [new dist.FileStore(join(dir, 'store'), 2, { timeout: 300 }), new dist.HashStore({ timeout: 300 })]) {
        const prefixed = new dist.PrefixStore('p', store);
        await prefixed.set('k', 'v');
        expect(new TextDecoder().decode(await store.get('p/k'))).toBe('v');
        expect(await prefixed.add('n', 3)).toBe(3);
        expect(await prefixed.add('n', -1)).toBe(2);
        expect(await prefixed.check(['k', 'n'])).toBe(true);
        expect(await prefixed.deleteKey('k')).toBe(true);
        expect(await prefixed.check(['k'])).toBe(false);
        await expect(prefixed.get('k')).rejects.toThrow('Timed out after 300 ms waiting for the store key(s) "p/k"');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(glooMissing !== '')('a world of one in this process', () => {
  afterAll(() => dist.destroyProcessGroup());

  it('initProcessGroup, the queries and every collective', async () => {
    expect(dist.isInitialized()).toBe(false);
    expect(() => dist.getRank()).toThrow('Default process group has not been initialized');
    await dist.initProcessGroup({ backend: 'gloo', rank: 0, worldSize: 1, store: new dist.HashStore() });
    await expect(dist.initProcessGroup({ rank: 0, worldSize: 1, store: new dist.HashStore() })).rejects.toThrow('trying to initialize the default process group twice!');
    expect([dist.isInitialized(), dist.getRank(), dist.getWorldSize(), dist.getBackend()]).toEqual([true, 0, 1, 'gloo']);
    const t = torch.tensor([1.5, -2]);
    await dist.allReduce(t, { op: dist.ReduceOp.AVG });
    expect(t.tolist()).toEqual([1.5, -2]);
    const i = torch.tensor([7, 9], { dtype: torch.int32 });
    expect(dist.allReduce(i, { op: dist.ReduceOp.PRODUCT }).wait()).toBe(true);
    expect(i.tolist()).toEqual([7, 9]);
    const parts = [torch.empty(2)];
    await dist.allGather(parts, t);
    expect(parts[0].tolist()).toEqual([1.5, -2]);
    const out = torch.empty(2);
    await dist.reduceScatterTensor(out, torch.tensor([3.0, 4.5]));
    expect(out.tolist()).toEqual([3, 4.5]);
    const work = dist.barrier();
    await work;
    expect(work.isCompleted()).toBe(true);
    // getFuture: PyTorch's future of the tensors the collective wrote, blocking or awaited.
    const f = torch.tensor([4.0, 6.0]);
    const halved = dist.allReduce(f).getFuture().then((fut) => fut.value()[0].div(2));
    expect(halved.wait().tolist()).toEqual([2, 3]);
    const sent = dist.broadcast(f, 0);
    await sent;
    const future = sent.getFuture();
    expect(future.wait()[0]).toBe(f);
    expect(dist.barrier().getFuture().wait()).toEqual([]);
  });

  it('refuses what PyTorch refuses, with its words', async () => {
    expect(() => dist.allReduce(torch.ones(2, 2).t())).toThrow('allReduce: Tensors must be contiguous');
    expect(() => dist.allReduce(torch.ones(2), { op: dist.ReduceOp.BXOR })).toThrow('ReduceOp.BXOR is not defined for floating-point tensors (got float32)');
    expect(() => dist.broadcast(torch.ones(2), 3)).toThrow('the global rank 3 is not part of the group');
    expect(() => dist.send(torch.ones(2), 0)).toThrow('send: Invalid destination rank: should not be the same as the rank of the current process.');
    expect(() => dist.recv(torch.ones(2))).toThrow('recv: the group has no other rank to receive from');
    expect(() => dist.allGather([torch.empty(2), torch.empty(2)], torch.ones(2))).toThrow("allGather: argument 'tensorList' must hold 1 tensors (the group's size), got 2");
    expect(() => dist.allGatherIntoTensor(torch.empty(3), torch.ones(2))).toThrow('output tensor size must be equal to world_size times input tensor size');
    expect(() => dist.gather(torch.ones(2), { gatherList: [torch.empty(2, { dtype: torch.int64 })] })).toThrow('gatherList[0] has dtype int64, expected float32');
    await expect(dist.newGroup([0, 1])).rejects.toThrow('newGroup: rank 1 is out of range for a world of 1');
    const group = await dist.newGroup([0]);
    const t = torch.tensor([2]);
    await dist.allReduce(t, { group: group as torch.distributed.ProcessGroup });
    expect(t.tolist()).toEqual([2]);
    expect(() => new torch.nn.parallel.DistributedDataParallel(new torch.nn.ReLU())).toThrow(
      "DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.",
    );
    // deviceIds and outputDevice are for GPU modules (messages from PyTorch 1.13, gloo, one rank).
    const net = new torch.nn.Linear(2, 2);
    const prefix = 'DistributedDataParallel device_ids and output_device arguments only work with single-device/multiple-device GPU modules or CPU modules, but got ';
    expect(() => new torch.nn.parallel.DistributedDataParallel(net, { deviceIds: [0] })).toThrow(
      `${prefix}device_ids [0], output_device None, and module parameters {device(type='cpu')}.`,
    );
    expect(() => new torch.nn.parallel.DistributedDataParallel(net, { outputDevice: 1 })).toThrow(
      `${prefix}device_ids None, output_device 1, and module parameters {device(type='cpu')}.`,
    );
    expect(() => new torch.nn.parallel.DistributedDataParallel(net, { deviceIds: ['cpu'], outputDevice: 'cpu' })).toThrow(
      `${prefix}device_ids ['cpu'], output_device cpu, and module parameters {device(type='cpu')}.`,
    );
    expect(new torch.nn.parallel.DistributedDataParallel(net, { deviceIds: [] }).module).toBe(net);
  });
});

describe.skipIf(glooMissing !== '')('in worker threads', () => {
  it('a worker runs its own process group, and exits with or without destroying it', async () => {
    const { Worker } = await import('node:worker_threads');
    const index = new URL('../src/index.ts', import.meta.url).href;
    for (const destroy of [true, false]) {
      const source = `
        import { parentPort } from 'node:worker_threads';
        const { register } = await import('tsx/esm/api');
        register();
        const torch = (await import(${JSON.stringify(index)})).default;
        const dist = torch.distributed;
        await dist.initProcessGroup({ rank: 0, worldSize: 1, store: new dist.HashStore() });
        const t = torch.tensor([1, 2, 3]);
        await dist.allReduce(t);
        dist.allReduce(t, { op: dist.ReduceOp.MAX }).wait();
        ${destroy ? 'dist.destroyProcessGroup();' : ''}
        parentPort.postMessage(t.tolist());`;
      const worker = new Worker(source, { eval: true, type: 'module' } as never);
      const message = await new Promise((resolve, reject) => {
        worker.on('message', resolve);
        worker.on('error', reject);
      });
      const code = await new Promise((resolve) => worker.on('exit', resolve));
      expect([message, code]).toEqual([[1, 2, 3], 0]);
    }
  });
});

describe.skipIf(glooMissing !== '')('the native entries refuse what is not theirs', () => {
  it('handles of the wrong kind, and byte ranges outside a storage', async () => {
    await dist.initProcessGroup({ rank: 0, worldSize: 1, store: new dist.HashStore() });
    try {
      const group = (dist.GroupMember.WORLD as unknown as { native: unknown }).native as never;
      const t = torch.ones(4);
      const storage = t._handle() as never;
      const { CollectiveKind, CommReduceOp, DTypeCode: DType } = await import('../src/native/enums.generated.js');
      const call = (g: never, output: never, offset: number, bytes: number) =>
        native.distCollective(g, CollectiveKind.AllReduce, DType.Float32, CommReduceOp.Sum, 0, 0, null, 0, 0, output, offset, bytes);
      expect(() => call(storage, storage, 0, 16)).toThrow('expected a process group handle');
      expect(() => call(group, storage, 0, 17)).toThrow('a reduction needs an output of whole elements');
      const n = native.storageBytes(storage);
      expect(() => call(group, storage, n - 8, 16)).toThrow(`bytes [${n - 8}, ${n + 8}) lie outside a storage of ${n} bytes`);
      expect(() => call(group, storage, -4, 4)).toThrow('lie outside a storage');
      expect(() => call(group, group, 0, 16)).toThrow();
      const [work, done] = call(group, storage, 0, 16);
      await done;
      expect(() => native.distWait(group as never, 0)).toThrow('expected a work handle');
      expect(() => native.distWait(storage, 0)).toThrow('expected a work handle');
      expect(() => native.release(work as never)).toThrow('release: expected a storage handle');
      expect(native.distWait(work, 1000)).toBe(true);
      expect(() =>
        native.distCollective(group, CollectiveKind.Send, DType.Float32, CommReduceOp.Sum, 0, 0, storage, 0, 16, null, 0, 0),
      ).toThrow('the peer rank 0 must lie in [0, 1) and differ from this rank 0');
    } finally {
      dist.destroyProcessGroup();
    }
    expect(() => dist.getRank()).toThrow('Default process group has not been initialized');
  });
});

describe.skipIf(glooMissing !== '')('worlds of 2 and 4 processes started by flint-run', () => {
  for (const nproc of [2, 4]) {
    it(`every collective on every dtype, ${nproc} ranks`, async () => {
      const result = await flintRun(nproc, 'tests/distributed/collectives.mts');
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      const counts = [...result.stdout.matchAll(/\[rank(\d)\]: checks (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(counts.map(([r]) => r).sort()).toEqual(Array.from({ length: nproc }, (_, r) => r));
      // Rank 0 also checks gather's result; every rank checks the rest.
      for (const [r, n] of counts) expect(n).toBeGreaterThanOrEqual(r === 0 ? 160 : 150);
    });

    it(`DistributedDataParallel against one process, ${nproc} ranks`, async () => {
      const result = await flintRun(nproc, 'tests/distributed/ddp.mts');
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      expect(result.stdout.match(/ddp ok 50/g)?.length).toBe(nproc);
    });

    it(`DDP's join context on uneven inputs, ${nproc} ranks`, async () => {
      // tests/distributed/join.mts checks the rule PyTorch 1.13 follows (scratch runs of its
      // DDP under flint-run matched it exactly): at step i, the ranks with a batch left
      // contribute, divided by the world size or by their count.
      const result = await flintRun(nproc, 'tests/distributed/join.mts');
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      expect(result.stdout.match(/join ok 13/g)?.length).toBe(nproc);
    });
  }

  it('the PowerSGD communication hook matches PyTorch 1.13, 2 ranks', async () => {
    // tests/fixtures/powersgd.json: scripts/make_powersgd_fixtures.py, PyTorch's DDP and hook
    // on 2 gloo ranks; seven settings (ranks 1-3, QR and Gram-Schmidt, error feedback and warm
    // start on and off, several buckets, same-shaped matrices batched).
    const result = await flintRun(2, 'tests/distributed/powersgd.mts');
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/powersgd ok 22/g)?.length).toBe(2);
  });

  it('examples/ddp-mnist.ts: two ranks reach the accuracy of one process on the same global batches', async () => {
    const accuracyOf = (stdout: string): number => {
      const found = /final test accuracy ([0-9.]+)%/.exec(stdout);
      expect(found, stdout).not.toBeNull();
      return Number(found![1]);
    };
    const one = await flintRun(1, 'examples/ddp-mnist.ts');
    const two = await flintRun(2, 'examples/ddp-mnist.ts');
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toContain('[rank0]: 2 rank(s)');
    expect(two.stdout).not.toContain('[rank1]: epoch'); // rank 0 alone reports
    const [single, pair] = [accuracyOf(one.stdout), accuracyOf(two.stdout)];
    expect(single).toBeGreaterThan(90);
    // The same steps up to float32 rounding (the two ranks' gradients are summed in another order).
    expect(Math.abs(pair - single)).toBeLessThanOrEqual(0.25);
  });

  it('monitoredBarrier passes when every rank comes, and names the ranks that did not', async () => {
    const late = await flintRun(4, 'tests/distributed/monitored-barrier.mts', { MODE: 'others-late' });
    expect(late.code).toBe(0);
    expect(late.stdout.match(/passed, sum 4/g)?.length).toBe(4);
    expect(late.stdout).toContain('[rank0]: rank 0: passed, sum 4; [Rank 0]: Ranks 1, 2, 3 failed to pass monitoredBarrier in 500 ms');
    const first = await flintRun(2, 'tests/distributed/monitored-barrier.mts', { MODE: 'others-late' });
    expect(first.stdout).toContain('[Rank 0]: Rank 1 failed to pass monitoredBarrier in 500 ms');
    const zero = await flintRun(2, 'tests/distributed/monitored-barrier.mts', { MODE: 'zero-late' });
    expect(zero.stdout).toContain(
      'rank 1: passed, sum 2; Rank 1 successfully reached monitoredBarrier, but received errors while waiting for send/recv from rank 0. Please check rank 0 logs for faulty rank.',
    );
  });

  it('a rank that exits mid-run makes the others fail with an Error, and flint-run exits non-zero', async () => {
    const result = await flintRun(2, 'tests/distributed/peer-exit.mts', { FLINT_RUN_KILL_TIMEOUT_MS: '15000' });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/\[rank0\]: peer failure: .*(Connection closed by peer|Connection reset by peer)/);
    expect(result.stderr).toContain('flint-run: rank 1 exited with code 3');
  });

  it('ranks that end without destroyProcessGroup exit by themselves', async () => {
    const started = Date.now();
    const result = await flintRun(2, 'tests/distributed/no-destroy.mts');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/sum 2,2/g)?.length).toBe(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('mismatched world sizes fail with a clear error', async () => {
    const port = String(await freePort());
    const env = (rank: number, size: number): Record<string, string> => ({
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: port,
      RANK: String(rank),
      WORLD_SIZE: String(size),
      TEST_TIMEOUT: '4000',
    });
    const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const [zero, one] = await Promise.all([
      run(process.execPath, [tsx, 'tests/distributed/world-check.mts'], env(0, 2)),
      run(process.execPath, [tsx, 'tests/distributed/world-check.mts'], env(1, 3)),
    ]);
    expect(one.stdout).toContain('error: initProcessGroup: this rank was given world size 3, but rank 0 was given 2');
    expect(zero.stdout).toContain('error:');
  });
});
