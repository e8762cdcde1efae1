// torch.setAsyncCpu: CPU ops queued to a native thread, in order. Values equal the
// synchronous mode's bit for bit; reads wait (dataSync) or let the event loop run (await
// t.data()); a queued op's error surfaces at the next read, naming the op; host arrays are
// copied when the tensor is made; disposing a tensor that queued ops still read is safe.
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

afterEach(() => torch.setAsyncCpu(false));

type MakeOptimizer = (params: torch.nn.Parameter[]) => torch.optim.Optimizer;
const sgd: MakeOptimizer = (params) => new torch.optim.SGD(params, { lr: 0.1, momentum: 0.9 });

/** Three steps of a small MLP from a fixed seed; its parameters after them. */
function train(makeOptimizer: MakeOptimizer = sgd): number[][] {
  torch.manualSeed(0);
  const net = new torch.nn.Sequential(new torch.nn.Linear(8, 16), new torch.nn.ReLU(), new torch.nn.Linear(16, 3));
  const optimizer = makeOptimizer(net.parameters());
  const x = torch.randn(32, 8);
  const y = torch.randint(0, 3, [32]);
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad();
    torch.nn.functional.crossEntropy(net(x), y).backward();
    optimizer.step();
  }
  return net.parameters().map((p) => Array.from(p.detach().dataSync() as Float32Array));
}

/** About 0.1 s of queued work: 24 products of 384 × 384 matrices. */
function heavy(): torch.Tensor {
  torch.manualSeed(1);
  const a = torch.randn(384, 384).div(20);
  let x = a;
  for (let i = 0; i < 24; i++) x = x.matmul(a).tanh();
  return x;
}

describe('torch.setAsyncCpu', () => {
  it('trains to the same parameters as the synchronous mode, bit for bit', () => {
    const sync = train();
    torch.setAsyncCpu(true);
    expect(torch.isAsyncCpuEnabled()).toBe(true);
    const queued = train();
    expect(queued).toEqual(sync);
  });

  it("queues every optimizer's fused step (their lists copied) and trains as the synchronous mode does", () => {
    const { optim } = torch;
    const makers: Record<string, MakeOptimizer> = {
      sgdNesterov: (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      adam: (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true }),
      adamw: (p) => new optim.AdamW(p, { lr: 0.01 }),
      adagrad: (p) => new optim.Adagrad(p, { lr: 0.1 }),
      adadelta: (p) => new optim.Adadelta(p),
      adamax: (p) => new optim.Adamax(p),
      nadam: (p) => new optim.NAdam(p),
      radam: (p) => new optim.RAdam(p),
      rmsprop: (p) => new optim.RMSprop(p, { momentum: 0.5, centered: true }),
      asgd: (p) => new optim.ASGD(p),
      rprop: (p) => new optim.Rprop(p),
    };
    for (const [name, make] of Object.entries(makers)) {
      torch.setAsyncCpu(false);
      const sync = train(make);
      torch.setAsyncCpu(true);
      expect(train(make), name).toEqual(sync);
    }
    // The step itself waits for nothing: the backward's ops are still queued after it.
    torch.manualSeed(0);
    const net = new torch.nn.Linear(256, 256);
    const optimizer = new optim.Adam(net.parameters());
    const x = torch.randn(512, 256);
    for (let i = 0; i < 2; i++) {
      optimizer.zeroGrad();
      net(x).pow(2).mean().backward();
      optimizer.step();
      expect(torch.cpu.pendingOps()).toBeGreaterThan(0);
    }
    torch.cpu.synchronize();
  });

  it('queues ops and returns at once; await t.data() lets the event loop run meanwhile', async () => {
    const want = Array.from(heavy().dataSync() as Float32Array);
    torch.setAsyncCpu(true);
    const x = heavy();
    expect(torch.cpu.pendingOps()).toBeGreaterThan(0);
    let ranFirst = false;
    setImmediate(() => (ranFirst = true));
    const values = await x.data();
    // In the synchronous mode the read happens inside data() itself, before any callback.
    expect(ranFirst).toBe(true);
    expect(Array.from(values as Float32Array)).toEqual(want);
    torch.cpu.synchronize();
    expect(torch.cpu.pendingOps()).toBe(0);
  });

  it("surfaces a queued op's error at the next read, with the op's name, and goes on", async () => {
    torch.setAsyncCpu(true);
    const message = 'an op that ran asynchronously on the CPU (torch.setAsyncCpu) failed: indexSelect: index out of range in self';
    const bad = torch.ones(3).indexSelect(0, torch.tensor([5])); // queued: no error yet
    expect(() => bad.dataSync()).toThrow(message);
    expect(torch.ones(2).add(1).tolist()).toEqual([2, 2]); // reported once, then gone
    torch.ones(3).indexSelect(0, torch.tensor([7]));
    expect(() => torch.cpu.synchronize()).toThrow(message);
    const later = torch.ones(3).indexSelect(0, torch.tensor([9]));
    await expect(later.data()).rejects.toThrow(message);
    torch.ones(3).indexSelect(0, torch.tensor([4]));
    expect(() => torch.setAsyncCpu(false)).toThrow(message); // turning it off waits too
    expect(torch.isAsyncCpuEnabled()).toBe(false);
    expect(torch.ones(3).indexSelect(0, torch.tensor([2])).tolist()).toEqual([1]);
  });

  it('copies a host array when the tensor is made, and keeps a disposed input alive for the ops that read it', () => {
    torch.setAsyncCpu(true);
    const host = new Float32Array([1, 2, 3, 4]);
    const t = torch.tensor(host).reshape(2, 2);
    host[0] = 99;
    const a = heavy().narrow(0, 0, 2).narrow(1, 0, 2);
    const product = t.matmul(a);
    t.dispose();
    a.dispose();
    expect(torch.tensor(host).tolist()).toEqual([99, 2, 3, 4]);
    torch.setAsyncCpu(false);
    const want = torch.tensor([1, 2, 3, 4], { dtype: torch.float32 }).reshape(2, 2).matmul(heavy().narrow(0, 0, 2).narrow(1, 0, 2));
    expect(Array.from(product.dataSync() as Float32Array)).toEqual(Array.from(want.dataSync() as Float32Array));
  });

  it('turning it off waits for the queue; a bad argument is a clear error', () => {
    torch.setAsyncCpu(true);
    const x = heavy();
    torch.setAsyncCpu(false);
    expect(torch.cpu.pendingOps()).toBe(0);
    expect(torch.isAsyncCpuEnabled()).toBe(false);
    expect(x.shape).toEqual([384, 384]);
    expect(() => torch.setAsyncCpu(1 as never)).toThrow("setAsyncCpu(): argument 'enabled' must be a boolean, but got number");
    expect(torch.cpu.isAvailable()).toBe(true);
    expect(torch.cpu.deviceCount()).toBe(1);
  });
});
