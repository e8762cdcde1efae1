/**
 * The CUDA device API on a real GPU: torch.cuda queries, device objects and printing,
 * moving modules and optimizers, the mixed-device error, memory statistics and the
 * caching allocator, out-of-memory, non-blocking reads (`await t.data()` lets timers run
 * while the GPU works), save/load of CUDA tensors and deferred kernel errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { cudaGate, expectMatch, mulberry32, randomTensor, type Tol } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
cudaGate(hasCuda);
const { nn, optim } = torch;
const F = nn.functional;

const MIB = 2 ** 20;

/** The message of the error `fn` throws (fails the test when it does not throw). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}

const mixed = (first: string, second: string): string =>
  `Expected all tensors to be on the same device, but found at least two devices, ${first} and ${second}!`;

describe.skipIf(!hasCuda)('torch.cuda device queries', () => {
  it('deviceCount, currentDevice, setDevice, getDeviceName, synchronize', () => {
    expect(torch.cuda.isAvailable()).toBe(true);
    expect(torch.cuda.unavailableReason()).toBe('');
    expect(torch.cuda.deviceCount()).toBeGreaterThanOrEqual(1);
    expect(torch.cuda.currentDevice()).toBe(0);
    torch.cuda.setDevice(0);
    expect(torch.cuda.currentDevice()).toBe(0);
    torch.cuda.setDevice(torch.device('cuda:0'));
    expect(torch.cuda.currentDevice()).toBe(0);
    const name = torch.cuda.getDeviceName(0);
    expect(typeof name).toBe('string');
    expect(name.length).toBeGreaterThan(0);
    expect(torch.cuda.getDeviceName()).toBe(name);
    expect(torch.cuda.getDeviceName('cuda:0')).toBe(name);
    expect(() => torch.cuda.setDevice(torch.cuda.deviceCount())).toThrow(/invalid device ordinal/);
    expect(torch.cuda.currentDevice()).toBe(0);
    expect(() => torch.zeros(1, { device: `cuda:${torch.cuda.deviceCount()}` })).toThrow(/invalid device ordinal/);
    torch.cuda.synchronize();
    torch.cuda.synchronize(0);
    torch.cuda.synchronize('cuda:0');
  });

  it('device objects print as PyTorch prints them', () => {
    const d = torch.device('cuda:0');
    expect(String(d)).toBe('cuda:0');
    expect(d.type).toBe('cuda');
    expect(d.index).toBe(0);
    expect(inspect(d)).toBe("device(type='cuda', index=0)");
    const bare = torch.device('cuda');
    expect(String(bare)).toBe('cuda');
    expect(bare.index).toBeNull();
    expect(inspect(bare)).toBe("device(type='cuda')");
    expect(() => torch.device('gpu')).toThrow(/Expected one of cpu, cuda device type/);
  });

  it("tensors on 'cuda' report cuda:0 (type and index), and print device='cuda:0'", () => {
    for (const t of [
      torch.zeros(2, 3, { device: 'cuda' }),
      torch.ones(2, { device: 'cuda:0' }),
      torch.rand(4, { device: torch.device('cuda') }),
      torch.arange(5, { device: 'cuda' }),
      torch.tensor([1, 2], { device: 'cuda' }),
      torch.ones(3).to('cuda'),
      torch.ones(3).cuda(),
      torch.ones(3).cuda(0),
      torch.ones(3).to(torch.device('cuda')),
      torch.ones(3).to('cuda', torch.float64),
    ]) {
      expect(String(t.device)).toBe('cuda:0');
      expect(t.device.type).toBe('cuda');
      expect(t.device.index).toBe(0);
    }
    expect(torch.zeros(1, { device: 'cuda' }).device).toBe(torch.ones(1).cuda().device);
    expect(String(torch.tensor([1.5, 2], { device: 'cuda' }))).toBe("tensor([1.5000, 2.0000], device='cuda:0')");
    expect(String(torch.tensor([1, 2], { device: 'cuda', dtype: torch.float64 }))).toBe("tensor([1., 2.], device='cuda:0', dtype=torch.float64)");
    expect(String(torch.ones(2, { device: 'cuda', requiresGrad: true }))).toBe("tensor([1., 1.], device='cuda:0', requires_grad=True)");
    const cpu = torch.ones(2).cuda().cpu();
    expect(String(cpu.device)).toBe('cpu');
    expect(cpu.device.index).toBeNull();
  });

  it('every dtype survives the round trip to the GPU and back, bit for bit', () => {
    const rng = mulberry32(3);
    const big = torch.tensor(new BigInt64Array([2n ** 62n + 1n, -(2n ** 53n) - 3n, 0n, -1n]));
    expect(Array.from(big.cuda().cpu().dataSync() as BigInt64Array)).toEqual(Array.from(big.dataSync() as BigInt64Array));
    for (const dtype of [torch.float32, torch.float64, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool, torch.float16, torch.bfloat16]) {
      const x = randomTensor(rng, [7, 5], torch.float64, { lo: -100, hi: 100 }).to(dtype);
      for (const view of [(t: Tensor) => t, (t: Tensor) => t.t(), (t: Tensor) => t.narrow(1, 1, 3), (t: Tensor) => t.select(0, 3)]) {
        const back = view(x).cuda().cpu();
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(view(x).shape);
        expect(Array.from(back.dataSync() as ArrayLike<unknown>)).toEqual(Array.from(view(x).dataSync() as ArrayLike<unknown>));
      }
    }
    expect(torch.zeros(0, 3).cuda().cpu().shape).toEqual([0, 3]);
    expect(torch.tensor(2.5).cuda().item()).toBe(2.5);
    expect(torch.tensor(true).cuda().itemBool()).toBe(true);
    expect(torch.tensor([[1, 2], [3, 4]]).cuda().tolist()).toEqual([[1, 2], [3, 4]]);
  });

  it('await t.data() resolves with the values (contiguous, strided, int64, bool, float16)', async () => {
    const t = torch.arange(10, { device: 'cuda', dtype: torch.float32 }).mul(2);
    const values = await t.data();
    expect(values).toBeInstanceOf(Float32Array);
    expect(Array.from(values as Float32Array)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(Array.from((await t.view(2, 5).t().data()) as Float32Array)).toEqual([0, 10, 2, 12, 4, 14, 6, 16, 8, 18]);
    expect(Array.from((await t.narrow(0, 3, 4).data()) as Float32Array)).toEqual([6, 8, 10, 12]);
    const ints = await torch.tensor([5, -7, 2 ** 40], { device: 'cuda' }).data();
    expect(ints).toBeInstanceOf(BigInt64Array);
    expect(Array.from(ints as BigInt64Array)).toEqual([5n, -7n, 2n ** 40n]);
    const mask = await torch.tensor([true, false, true], { device: 'cuda' }).data();
    expect(Array.from(mask as Uint8Array)).toEqual([1, 0, 1]);
    const half = await torch.tensor([0.5, -2, 65504], { device: 'cuda', dtype: torch.float16 }).data();
    expect(half).toBeInstanceOf(Float32Array);
    expect(Array.from(half as Float32Array)).toEqual([0.5, -2, 65504]);
    expect(Array.from((await torch.zeros(0, { device: 'cuda' }).data()) as Float32Array)).toEqual([]);
    // Several reads in flight at once.
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => torch.full([3], i, { device: 'cuda' }).data()));
    many.forEach((v, i) => expect(Array.from(v as BigInt64Array, Number)).toEqual([i, i, i])); // full() of an integer is int64
  });
});

describe.skipIf(!hasCuda)('mixing devices', () => {
  let g: Tensor;
  let c: Tensor;
  beforeAll(() => {
    g = torch.ones(2, 3, { device: 'cuda' });
    c = torch.ones(2, 3);
  });

  it('elementwise ops and matmul throw PyTorch’s message, devices in operand order', () => {
    expect(errorOf(() => g.add(c))).toBe(mixed('cuda:0', 'cpu'));
    expect(errorOf(() => c.add(g))).toBe(mixed('cpu', 'cuda:0'));
    expect(errorOf(() => g.mul(c))).toBe(mixed('cuda:0', 'cpu'));
    expect(errorOf(() => g.matmul(c.t()))).toBe(mixed('cuda:0', 'cpu'));
    expect(errorOf(() => c.matmul(g.t()))).toBe(mixed('cpu', 'cuda:0'));
    expect(errorOf(() => g.mm(c.t()))).toBe(mixed('cuda:0', 'cpu'));
  });

  it('F.linear with the input and the weight on different devices', () => {
    const pattern = /^Expected all tensors to be on the same device, but found at least two devices, (cuda:0 and cpu|cpu and cuda:0)!$/;
    const w = torch.ones(4, 3, { device: 'cuda' });
    const b = torch.ones(4, { device: 'cuda' });
    expect(errorOf(() => F.linear(c, w, b))).toMatch(pattern);
    expect(errorOf(() => F.linear(c, w))).toMatch(pattern);
    expect(errorOf(() => F.linear(g, w.cpu(), b.cpu()))).toMatch(pattern);
    expect(errorOf(() => F.linear(g, w, b.cpu()))).toMatch(pattern);
    const layer = new nn.Linear(3, 4);
    expect(errorOf(() => layer(g))).toMatch(pattern);
  });

  it('other ops refuse mixed devices too', () => {
    const same = /^Expected all tensors to be on the same device/;
    expect(errorOf(() => torch.cat([g, c]))).toMatch(same);
    expect(errorOf(() => torch.stack([c, g]))).toMatch(same);
    expect(errorOf(() => torch.where(c.gt(0), g, g))).toMatch(same);
    expect(errorOf(() => g.gather(1, torch.zeros([2, 3], { dtype: torch.int64 })))).toMatch(same);
    expect(errorOf(() => g.indexSelect(0, torch.tensor([0])))).toMatch(same);
    expect(errorOf(() => F.crossEntropy(g, torch.tensor([0, 1])))).toMatch(same);
    expect(errorOf(() => g.maximum(c))).toMatch(same);
    // The device still works afterwards.
    expect(g.add(g).sum().item()).toBe(12);
  });
});

describe.skipIf(!hasCuda)('modules and optimizers on CUDA', () => {
  it('module.to("cuda") moves parameters and buffers in place; stateDict is on cuda; cpu() brings it back', () => {
    torch.manualSeed(0);
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.ReLU(), new nn.Linear(3, 2));
    const reference = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.clone()]));
    const params = net.parameters();
    expect(net.to('cuda')).toBe(net);
    const after = net.parameters();
    after.forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p).toBeInstanceOf(nn.Parameter);
      expect(String(p.device)).toBe('cuda:0');
      expect(p.requiresGrad).toBe(true);
      expect(p.isLeaf).toBe(true);
    });
    const buffers = net.namedBuffers();
    expect(buffers.map(([k]) => k).sort()).toEqual(['1.num_batches_tracked', '1.running_mean', '1.running_var']);
    for (const [, b] of buffers) expect(String(b.device)).toBe('cuda:0');
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(reference));
    for (const [k, v] of Object.entries(sd)) {
      expect(String(v.device), k).toBe('cuda:0');
      expect(v.dtype, k).toBe(reference[k].dtype);
      expect(v.cpu().tolist(), k).toEqual(reference[k].tolist());
    }
    // Training-mode forward on the GPU updates the running statistics there, as on the CPU.
    const cpuNet = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.ReLU(), new nn.Linear(3, 2));
    cpuNet.loadStateDict(reference);
    const x = randomTensor(mulberry32(1), [8, 4], torch.float32);
    expectMatch(net(x.cuda()), cpuNet(x), { rtol: 1e-5, atol: 1e-6 }, 'forward');
    const bnCuda = net.at(1) as InstanceType<typeof nn.BatchNorm1d>;
    const bnCpu = cpuNet.at(1) as InstanceType<typeof nn.BatchNorm1d>;
    expect(String(bnCuda.running_mean!.device)).toBe('cuda:0');
    expectMatch(bnCuda.running_mean!, bnCpu.running_mean!, { rtol: 1e-5, atol: 1e-6 }, 'running_mean');
    expectMatch(bnCuda.running_var!, bnCpu.running_var!, { rtol: 1e-5, atol: 1e-6 }, 'running_var');
    expect(bnCuda.num_batches_tracked!.cpu().item()).toBe(1);
    // Gradients move with the module.
    net(x.cuda()).sum().backward();
    expect(String(net.parameters()[0].grad!.device)).toBe('cuda:0');
    expect(net.cpu()).toBe(net);
    for (const p of net.parameters()) {
      expect(String(p.device)).toBe('cpu');
      expect(String(p.grad!.device)).toBe('cpu');
    }
    for (const [, b] of net.namedBuffers()) expect(String(b.device)).toBe('cpu');
    net.cuda();
    expect(String(net.parameters()[0].device)).toBe('cuda:0');
    net.to({ device: 'cpu', dtype: torch.float64 });
    expect(String(net.parameters()[0].device)).toBe('cpu');
    expect(net.parameters()[0].dtype).toBe(torch.float64);
    const made = new nn.Linear(3, 2, { device: 'cuda' });
    expect(String(made.weight.device)).toBe('cuda:0');
    expect(String(made.bias!.device)).toBe('cuda:0');
  });

  it('loadStateDict copies CPU tensors into a CUDA module (as after torch.load)', () => {
    const src = new nn.Linear(5, 3);
    const dst = new nn.Linear(5, 3).cuda();
    dst.loadStateDict(src.stateDict());
    expect(String(dst.weight.device)).toBe('cuda:0');
    expect(dst.weight.cpu().tolist()).toEqual(src.weight.tolist());
    expect(dst.bias!.cpu().tolist()).toEqual(src.bias!.tolist());
  });

  const OPTIMIZERS: [string, (p: Tensor[]) => InstanceType<typeof optim.Optimizer>][] = [
    ['SGD momentum', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9 })],
    ['SGD nesterov + weightDecay', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam', (p) => new optim.Adam(p, { lr: 0.01 })],
    ['AdamW amsgrad', (p) => new optim.AdamW(p, { lr: 0.01, amsgrad: true })],
  ];

  for (const [name, make] of OPTIMIZERS) {
    it(`${name}: 10 steps on CUDA parameters match the CPU trajectory (1e-5), state stays on cuda`, () => {
      const rng = mulberry32(21);
      const W0 = randomTensor(rng, [5, 3], torch.float32, { lo: -1, hi: 1 });
      const b0 = randomTensor(rng, [3], torch.float32, { lo: -1, hi: 1 });
      const X = randomTensor(rng, [8, 5], torch.float32, { lo: -1, hi: 1 });
      const Y = randomTensor(rng, [8, 3], torch.float32, { lo: -1, hi: 1 });
      const trajectory = (device: 'cpu' | 'cuda') => {
        const W = (device === 'cuda' ? W0.cuda() : W0.clone()).requiresGrad_();
        const b = (device === 'cuda' ? b0.cuda() : b0.clone()).requiresGrad_();
        const x = X.to(device);
        const y = Y.to(device);
        const opt = make([W, b]);
        const steps: number[][] = [];
        for (let i = 0; i < 10; i++) {
          opt.zeroGrad();
          x.matmul(W).add(b).sub(y).pow(2).mean().add(W.abs().sum().mul(0.01)).backward();
          opt.step();
          steps.push([...Array.from(W.detach().cpu().dataSync() as Float32Array), ...Array.from(b.detach().cpu().dataSync() as Float32Array)]);
        }
        return { steps, W, b, opt };
      };
      const cpu = trajectory('cpu');
      const gpu = trajectory('cuda');
      const tol: Tol = { rtol: 1e-5, atol: 1e-5 };
      gpu.steps.forEach((values, step) => {
        values.forEach((v, i) => {
          const e = cpu.steps[step][i];
          expect(Math.abs(v - e), `step ${step + 1}, value ${i}: ${v} vs ${e}`).toBeLessThanOrEqual(tol.atol + tol.rtol * Math.abs(e));
        });
      });
      expect(String(gpu.W.device)).toBe('cuda:0');
      for (const p of [gpu.W, gpu.b]) {
        const state = gpu.opt.state.get(p);
        expect(state).toBeDefined();
        const tensors = Object.values(state!).filter((v): v is Tensor => v instanceof torch.Tensor);
        expect(tensors.length).toBeGreaterThan(0);
        for (const t of tensors) expect(String(t.device)).toBe('cuda:0');
      }
    });
  }
});

describe.skipIf(!hasCuda)('memory statistics and the caching allocator', () => {
  it('memoryAllocated grows by at least a new 1M-float tensor and returns after dispose', () => {
    torch.cuda.synchronize();
    const before = torch.cuda.memoryAllocated();
    const t = torch.empty(1_000_000, { device: 'cuda' });
    const during = torch.cuda.memoryAllocated();
    expect(during - before).toBeGreaterThanOrEqual(4_000_000);
    expect(torch.cuda.maxMemoryAllocated()).toBeGreaterThanOrEqual(during);
    expect(torch.cuda.memoryReserved()).toBeGreaterThanOrEqual(during);
    expect(torch.cuda.memoryAllocated(0)).toBe(during);
    expect(torch.cuda.memoryAllocated('cuda:0')).toBe(during);
    t.dispose();
    expect(torch.cuda.memoryAllocated()).toBeLessThanOrEqual(before);
    // A view keeps the storage alive until it is disposed too.
    const u = torch.empty(1_000_000, { device: 'cuda' });
    const v = u.narrow(0, 10, 100);
    u.dispose();
    expect(torch.cuda.memoryAllocated() - before).toBeGreaterThanOrEqual(4_000_000);
    v.dispose();
    expect(torch.cuda.memoryAllocated()).toBeLessThanOrEqual(before);
  });

  it('maxMemoryAllocated tracks the peak and resetPeakMemoryStats restarts it', () => {
    torch.cuda.resetPeakMemoryStats();
    const base = torch.cuda.memoryAllocated();
    expect(torch.cuda.maxMemoryAllocated()).toBe(base);
    const t = torch.empty(4 * MIB, { device: 'cuda' });
    t.dispose();
    expect(torch.cuda.maxMemoryAllocated()).toBeGreaterThanOrEqual(base + 16 * MIB);
    expect(torch.cuda.maxMemoryAllocated()).toBeGreaterThanOrEqual(torch.cuda.memoryAllocated());
    torch.cuda.resetPeakMemoryStats();
    expect(torch.cuda.maxMemoryAllocated()).toBe(torch.cuda.memoryAllocated());
  });

  it('disposed blocks stay reserved (cached) until emptyCache returns them', () => {
    const t = torch.empty(16 * MIB, { device: 'cuda' }); // 64 MiB
    t.fill_(1);
    torch.cuda.synchronize();
    t.dispose();
    const reserved = torch.cuda.memoryReserved();
    expect(reserved - torch.cuda.memoryAllocated()).toBeGreaterThanOrEqual(64 * MIB);
    torch.cuda.emptyCache();
    expect(torch.cuda.memoryReserved()).toBeLessThan(reserved);
    expect(torch.cuda.memoryReserved()).toBeGreaterThanOrEqual(torch.cuda.memoryAllocated());
    // And the allocator still works.
    expect(torch.ones(1000, { device: 'cuda' }).sum().item()).toBe(1000);
  });

  it('2000 small training steps without dispose() do not grow memoryAllocated without bound', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    torch.manualSeed(1);
    const net = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 10)).cuda();
    const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = torch.randn(16, 32, { device: 'cuda' });
    const y = torch.randint(0, 10, [16], { device: 'cuda' });
    gc?.();
    const before = torch.cuda.memoryAllocated();
    let peak = before;
    let first = NaN;
    let last = NaN;
    for (let step = 0; step < 2000; step++) {
      opt.zeroGrad();
      const loss = F.crossEntropy(net(x), y);
      loss.backward();
      opt.step();
      if (step % 100 === 0 || step === 1999) {
        peak = Math.max(peak, torch.cuda.memoryAllocated());
        last = loss.item() as number;
        if (step === 0) first = last;
      }
    }
    gc?.();
    const grown = torch.cuda.memoryAllocated() - before;
    expect(grown, `grew by ${(grown / MIB).toFixed(1)} MiB`).toBeLessThan(200 * MIB);
    expect(peak - before, `peaked ${((peak - before) / MIB).toFixed(1)} MiB above the start`).toBeLessThan(200 * MIB);
    expect(last).toBeLessThan(first); // it trained
  });

  it("an impossible allocation throws 'CUDA out of memory. Tried to allocate ...' and the device keeps working", () => {
    const message = errorOf(() => torch.empty(1e13 / 4, { device: 'cuda' })); // 10 TB
    expect(message).toMatch(/^CUDA out of memory\. Tried to allocate/);
    const a = torch.ones(1000, { device: 'cuda' });
    expect(a.add(1).sum().item()).toBe(2000);
    expect(torch.cuda.memoryAllocated()).toBeLessThan(1e12);
    torch.cuda.synchronize();
  });
});

describe.skipIf(!hasCuda)('asynchronous execution', () => {
  const n = 4096;

  /** `steps` products y = y @ I from x (exact), freeing each intermediate as it goes. */
  function chain(x: Tensor, w: Tensor, steps: number): Tensor {
    let y = x;
    for (let i = 0; i < steps; i++) {
      const next = y.mm(w);
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }

  let x: Tensor;
  let w: Tensor;
  let steps = 40;
  let reference: Float32Array;

  it('a long queue of 4096x4096 products takes >= 100 ms when synchronized', () => {
    torch.backends.cuda.matmul.allowTF32 = false;
    torch.cuda.manualSeed(4);
    x = torch.rand(n, n, { device: 'cuda' });
    w = torch.eye(n, { device: 'cuda' });
    reference = x.cpu().dataSync() as Float32Array;
    chain(x, w, 2).dispose(); // warm up cuBLAS
    torch.cuda.synchronize();
    let ms = 0;
    for (;;) {
      const start = performance.now();
      const y = chain(x, w, steps);
      torch.cuda.synchronize();
      ms = performance.now() - start;
      y.dispose();
      if (ms >= 150 || steps >= 1280) break;
      steps *= 2;
    }
    expect(ms, `${steps} products took ${ms.toFixed(0)} ms`).toBeGreaterThanOrEqual(100);
  });

  it('timers fire while `await y.data()` waits for the GPU', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const start = performance.now();
      const y = chain(x, w, steps);
      const enqueueMs = performance.now() - start;
      const ticksBefore = ticks;
      const values = (await y.data()) as Float32Array;
      const totalMs = performance.now() - start;
      expect(ticks - ticksBefore, `enqueue ${enqueueMs.toFixed(0)} ms, total ${totalMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(3);
      expect(values.length).toBe(n * n);
      for (let i = 0; i < values.length; i += 9973) expect(values[i]).toBe(reference[i]);
      y.dispose();
    } finally {
      clearInterval(timer);
    }
  });

  it('item() and dataSync() synchronize: values are right straight after a long queue', () => {
    const expected = x.sum().item() as number;
    const y = chain(x, w, steps);
    const total = y.sum().item() as number;
    expect(Math.abs(total - expected) / expected).toBeLessThan(1e-6);
    const z = chain(x, w, steps);
    const values = z.narrow(0, 100, 1).dataSync() as Float32Array;
    expect(Array.from(values)).toEqual(Array.from(reference.subarray(100 * n, 101 * n)));
    y.dispose();
    z.dispose();
  });

  afterAll(() => {
    x?.dispose();
    w?.dispose();
  });
});

describe.skipIf(!hasCuda)('save and load of CUDA tensors', () => {
  const dir = hasCuda ? mkdtempSync(join(tmpdir(), 'flint-cuda-save-')) : '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records location 'cuda:0'; loads to the CPU by default and onto cuda with mapLocation", async () => {
    torch.manualSeed(3);
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.Linear(3, 2)).cuda();
    const sd = net.stateDict();
    const file = join(dir, 'net.pt');
    torch.saveSync(sd, file);
    expect(readFileSync(file).includes('cuda:0')).toBe(true);
    const check = (loaded: Record<string, Tensor>, device: string) => {
      expect(Object.keys(loaded).sort()).toEqual(Object.keys(sd).sort());
      for (const [k, v] of Object.entries(sd)) {
        expect(String(loaded[k].device), k).toBe(device);
        expect(loaded[k].dtype, k).toBe(v.dtype);
        expect(loaded[k].cpu().tolist(), k).toEqual(v.cpu().tolist());
      }
    };
    check(torch.loadSync(file) as Record<string, Tensor>, 'cpu');
    check(torch.loadSync(file, { mapLocation: 'cuda' }) as Record<string, Tensor>, 'cuda:0');
    check(torch.loadSync(file, { mapLocation: torch.device('cuda:0') }) as Record<string, Tensor>, 'cuda:0');
    check((await torch.load(file)) as Record<string, Tensor>, 'cpu');
    check((await torch.load(file, { mapLocation: 'cuda' })) as Record<string, Tensor>, 'cuda:0');
    // async save of CUDA tensors, safetensors as well
    const file2 = join(dir, 'net2.pt');
    await torch.save(sd, file2);
    check(torch.loadSync(file2) as Record<string, Tensor>, 'cpu');
    const st = join(dir, 'net.safetensors');
    torch.saveSync(sd, st);
    check(torch.loadSync(st) as Record<string, Tensor>, 'cpu');
    check(torch.loadSync(st, { mapLocation: 'cuda' }) as Record<string, Tensor>, 'cuda:0');
    // Views of one CUDA storage round-trip as views.
    const base = torch.arange(12, { device: 'cuda', dtype: torch.float32 });
    const views = torch.deserialize(torch.serialize({ a: base.view(3, 4).t(), b: base.narrow(0, 2, 5) }), { mapLocation: 'cuda' }) as Record<string, Tensor>;
    expect(String(views.a.device)).toBe('cuda:0');
    expect(views.a.cpu().tolist()).toEqual(base.view(3, 4).t().cpu().tolist());
    expect(views.b.cpu().tolist()).toEqual([2, 3, 4, 5, 6]);
  });
});

describe.skipIf(!hasCuda)('deferred kernel errors', () => {
  it("gather with an out-of-range index fails with 'out of range' (at the call or at the next sync), then the device works", () => {
    const x = torch.arange(10, { device: 'cuda', dtype: torch.float32 });
    const idx = torch.tensor([1, 2, 1000], { device: 'cuda' });
    let message = '';
    try {
      const y = x.gather(0, idx);
      torch.cuda.synchronize();
      y.sum().item();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/out of range/);
    // Nothing sticky: later work and synchronizations succeed.
    torch.cuda.synchronize();
    expect(x.add(1).sum().item()).toBe(55);
    expect(x.gather(0, torch.tensor([9, 0], { device: 'cuda' })).cpu().tolist()).toEqual([9, 0]);
    const big = torch.rand(256, 256, { device: 'cuda' });
    expectMatch(big.mm(big), big.cpu().mm(big.cpu()), { rtol: 1e-4, atol: 1e-5 });
  });

  it('crossEntropy with an out-of-range target class fails (at the call or the next sync), then the device works', () => {
    const logits = torch.zeros(3, 5, { device: 'cuda' });
    let message = '';
    try {
      F.crossEntropy(logits, torch.tensor([0, 7, 1], { device: 'cuda' })).item();
      torch.cuda.synchronize();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/out of range|out of bounds/);
    torch.cuda.synchronize();
    expect(F.crossEntropy(logits, torch.tensor([0, 4, 1], { device: 'cuda' })).item()).toBeCloseTo(Math.log(5), 5);
  });

  it('indexSelect and index with out-of-range indices fail the same way', () => {
    const x = torch.arange(12, { device: 'cuda', dtype: torch.float32 }).view(3, 4);
    const onDevice = (values: number[]) => torch.tensor(values, { device: 'cuda' });
    for (const fn of [
      () => x.indexSelect(0, onDevice([0, 3])),
      () => x.index(onDevice([-4])),
      // [0, 5] would be element 5 of the 12 if the parts were not checked each
      () => x.index(onDevice([0]), onDevice([5])),
      () => x.clone().indexPut_([onDevice([1]), onDevice([-5])], 1),
    ]) {
      let message = '';
      try {
        fn();
        torch.cuda.synchronize();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/out of range|out of bounds/);
      torch.cuda.synchronize();
    }
    expect(x.sum().item()).toBe(66);
  });
});
