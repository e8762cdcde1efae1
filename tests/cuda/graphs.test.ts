/**
 * CUDA graphs (torch.cuda.CUDAGraph, torch.cuda.graph, makeGraphedCallables).
 *
 * With a GPU: a captured forward and a captured training step replay to the values eager
 * execution gives; random ops draw new numbers on each replay, as eager ops from the same
 * generator state would; a capture keeps its memory to itself; what a capture cannot
 * contain throws and leaves the device usable; graphed callables give eager's outputs and
 * gradients. These need a real GPU (the CPU has no graphs), so the CPU self-test mode skips them.
 *
 * Without one (this part never skips): the API refuses with CUDA's reason, the CPU device
 * refuses graph commands, and an optimizer of CPU tensors ignores a capture.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { setCapturingDeviceCode } from '../../src/cuda-capture.js';
import { errorOf, expectMatch, mulberry32, randomTensor, withoutTF32 } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const { nn, optim } = torch;
const F = nn.functional;

describe.runIf(!hasCuda)('CUDA graphs without a GPU', () => {
  it('the API says CUDA is not available, and nothing is capturing', () => {
    expect(torch.cuda.isCurrentStreamCapturing()).toBe(false);
    const g = new torch.cuda.CUDAGraph();
    const reason = torch.cuda.unavailableReason();
    for (const fn of [() => torch.cuda.graph(g, () => 1), () => g.captureBegin(), () => torch.cuda.graphPoolHandle()]) {
      const message = errorOf(fn).message;
      expect(message.startsWith('CUDA is not available: ')).toBe(true);
      expect(message).toContain(reason);
    }
    expect(errorOf(() => g.replay()).message).toBe('Called CUDAGraph::replay without a preceding successful capture.');
    expect(errorOf(() => g.pool()).message).toBe('Called CUDAGraph::pool() without a preceding successful capture.');
    expect(errorOf(() => g.captureEnd()).message).toContain('without a preceding capture_begin');
    g.reset(); // nothing to free: harmless
  });

  it('graph() checks its arguments', () => {
    expect(errorOf(() => torch.cuda.graph({} as never, () => 1)).message).toContain('must be a torch.cuda.CUDAGraph');
    const g = new torch.cuda.CUDAGraph();
    expect(errorOf(() => torch.cuda.graph(g, { poool: null } as never, () => 1)).message).toBe("graph() got an unexpected keyword argument 'poool'");
  });

  it("the CPU device refuses graph commands", async () => {
    const { native } = await import('../../src/native/addon.js');
    expect(errorOf(() => native.cudaGraph(0, 0, 0, 0)).message).toBe('CUDA graphs need a CUDA device');
  });

  it('a capture on a GPU is no business of an optimizer of CPU tensors (the capture flag set by hand)', () => {
    torch.manualSeed(0);
    const net = new nn.Linear(3, 2);
    F.mseLoss(net(torch.ones(4, 3)), torch.zeros(4, 2)).backward();
    const opt = new optim.Adam(net.parameters());
    const before = net.weight.clone();
    setCapturingDeviceCode(1);
    try {
      opt.step();
    } finally {
      setCapturingDeviceCode(-1);
    }
    expect(net.weight.equal(before)).toBe(false);
  });
});

// ------------------------------------------------------------------ with a GPU

/** A seeded MLP on the GPU and a copy of it with the same weights. */
function twinNets(): [InstanceType<typeof nn.Sequential>, InstanceType<typeof nn.Sequential>] {
  torch.manualSeed(0);
  const make = () => new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 10));
  const a = make();
  const b = make();
  b.loadStateDict(a.stateDict());
  return [a.to('cuda'), b.to('cuda')];
}

function batch(seed: number, rows = 16): { x: Tensor; y: Tensor } {
  const rng = mulberry32(seed);
  const x = randomTensor(rng, [rows, 32], torch.float32, { lo: -1, hi: 1 }).to('cuda');
  const y = torch.tensor(Array.from({ length: rows }, () => Math.floor(rng() * 10)), { dtype: torch.int64 }).to('cuda');
  return { x, y };
}

describe.runIf(hasCuda)('CUDA graphs', () => {
  withoutTF32();

  it('a captured forward replays to what eager execution gives, for new inputs copied in', () => {
    const [net] = twinNets();
    const staticX = batch(1).x;
    const g = new torch.cuda.CUDAGraph();
    torch.noGrad(() => net(staticX)); // warm-up
    const out = torch.cuda.graph(g, () => torch.noGrad(() => net(staticX)));
    expect(torch.cuda.isCurrentStreamCapturing()).toBe(false);
    for (const seed of [2, 3, 4]) {
      const { x } = batch(seed);
      staticX.copy_(x);
      g.replay();
      expectMatch(out, torch.noGrad(() => net(x)), { rtol: 0, atol: 0 }, `replay for batch ${seed}`);
    }
    g.reset();
  });

  it('a whole SGD training step, captured and replayed, trains as eager steps do', () => {
    const [eager, graphed] = twinNets();
    const eagerOpt = new optim.SGD(eager.parameters(), { lr: 0.05, momentum: 0.9 });
    const graphOpt = new optim.SGD(graphed.parameters(), { lr: 0.05, momentum: 0.9 });
    const step = (net: typeof eager, opt: typeof eagerOpt, x: Tensor, y: Tensor): Tensor => {
      const loss = F.crossEntropy(net(x), y);
      loss.backward();
      opt.step();
      return loss;
    };
    // Warm-up step on both (makes the momentum buffers), then grads set to null so that
    // the capture's backward makes them inside the graph's pool.
    const first = batch(10);
    for (const [net, opt] of [[eager, eagerOpt], [graphed, graphOpt]] as const) {
      opt.zeroGrad();
      step(net, opt, first.x, first.y);
      opt.zeroGrad({ setToNone: true });
    }
    const staticX = first.x.clone();
    const staticY = first.y.clone();
    const g = new torch.cuda.CUDAGraph();
    const staticLoss = torch.cuda.graph(g, () => step(graphed, graphOpt, staticX, staticY));
    for (let i = 0; i < 5; i++) {
      const { x, y } = batch(20 + i);
      eagerOpt.zeroGrad();
      const loss = step(eager, eagerOpt, x, y);
      staticX.copy_(x);
      staticY.copy_(y);
      g.replay();
      expect(staticLoss.item()).toBeCloseTo(loss.item() as number, 5);
    }
    const eagerState = eager.stateDict();
    for (const [k, v] of Object.entries(graphed.stateDict())) expectMatch(v, eagerState[k], { rtol: 1e-5, atol: 1e-6 }, k);
    g.reset();
  });

  it('random ops draw new numbers on every replay, as eager ops from the same generator state', () => {
    const x = torch.ones(4096, { device: 'cuda' });
    torch.manualSeed(123);
    const eager1 = F.dropout(x, { p: 0.5, training: true });
    const eager2 = F.dropout(x, { p: 0.5, training: true });
    F.dropout(x, { p: 0.5, training: true }); // warm-up draws, then back to the same state
    torch.manualSeed(123);
    const g = new torch.cuda.CUDAGraph();
    const out = torch.cuda.graph(g, () => F.dropout(x, { p: 0.5, training: true }));
    g.replay();
    expectMatch(out.clone(), eager1, { rtol: 0, atol: 0 }, 'first replay');
    g.replay();
    expectMatch(out.clone(), eager2, { rtol: 0, atol: 0 }, 'second replay');
    // The generator moved past both replays, as two eager calls would have moved it.
    const eager3 = (() => {
      torch.manualSeed(123);
      F.dropout(x, { p: 0.5, training: true });
      F.dropout(x, { p: 0.5, training: true });
      return F.dropout(x, { p: 0.5, training: true });
    })();
    torch.manualSeed(123);
    g.replay();
    g.replay();
    expectMatch(F.dropout(x, { p: 0.5, training: true }), eager3, { rtol: 0, atol: 0 }, 'after two replays');
    g.reset();
  });

  it('reading values inside a capture throws, and the device works afterwards', () => {
    const x = torch.ones(8, { device: 'cuda' });
    const g = new torch.cuda.CUDAGraph();
    for (const read of [() => x.sum().item(), () => x.cpu(), () => torch.tensor([1, 2], { device: 'cuda' }), () => torch.cuda.synchronize()]) {
      const message = errorOf(() => torch.cuda.graph(new torch.cuda.CUDAGraph(), () => read())).message;
      expect(message).toContain('operation not permitted when stream is capturing');
      expect(torch.cuda.isCurrentStreamCapturing()).toBe(false);
    }
    expect(x.mul(2).sum().item()).toBe(16);
    g.reset();
  });

  it("a graph's memory is its own: eager tensors made after the capture are not overwritten by replays", () => {
    const x = torch.ones(1 << 16, { device: 'cuda' });
    const g = new torch.cuda.CUDAGraph();
    const before = torch.cuda.memoryAllocated();
    const out = torch.cuda.graph(g, () => x.mul(3).add(1));
    expect(torch.cuda.memoryAllocated()).toBeGreaterThan(before);
    out.dispose(); // its block goes back to the graph's pool, not to eager work
    const eager = torch.full([1 << 16], 7, { device: 'cuda' });
    g.replay();
    expect(eager.sum().item()).toBe(7 * (1 << 16));
    g.reset();
  });

  it('graphs can share a pool; Adam refuses a capture as PyTorch does without capturable', () => {
    const x = torch.ones(256, { device: 'cuda' });
    const g1 = new torch.cuda.CUDAGraph();
    const a = torch.cuda.graph(g1, () => x.add(1));
    const g2 = new torch.cuda.CUDAGraph();
    const b = torch.cuda.graph(g2, { pool: g1.pool() }, () => a.mul(2));
    g1.replay();
    g2.replay();
    expect(b.sum().item()).toBe(4 * 256);

    const [net] = twinNets();
    const adam = new optim.Adam(net.parameters());
    const { x: bx, y: by } = batch(5);
    F.crossEntropy(net(bx), by).backward();
    adam.step();
    const message = errorOf(() => torch.cuda.graph(new torch.cuda.CUDAGraph(), () => adam.step())).message;
    expect(message).toBe("Attempting CUDA graph capture of step() for an instance of Adam but param_groups' capturable is False.");
    g1.reset();
    g2.reset();
  });

  it("optimizers: those that follow a host step count refuse with PyTorch's message; SGD, RMSprop, Adadelta and Rprop need their state first", () => {
    const model = () => {
      const [net] = twinNets();
      const { x, y } = batch(40);
      F.crossEntropy(net(x), y).backward();
      return net;
    };
    for (const make of [
      (p: Tensor[]) => new optim.AdamW(p),
      (p: Tensor[]) => new optim.Adamax(p),
      (p: Tensor[]) => new optim.NAdam(p),
      (p: Tensor[]) => new optim.RAdam(p),
      (p: Tensor[]) => new optim.Adagrad(p),
      (p: Tensor[]) => new optim.ASGD(p),
    ]) {
      const opt = make([...model().parameters()]);
      expect(errorOf(() => torch.cuda.graph(new torch.cuda.CUDAGraph(), () => opt.step())).message).toBe(
        `Attempting CUDA graph capture of step() for an instance of ${opt.constructor.name} but param_groups' capturable is False.`,
      );
    }
    for (const make of [
      (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p: Tensor[]) => new optim.RMSprop(p),
      (p: Tensor[]) => new optim.Adadelta(p),
      (p: Tensor[]) => new optim.Rprop(p),
    ]) {
      const net = model();
      const opt = make([...net.parameters()]);
      const message = errorOf(() => torch.cuda.graph(new torch.cuda.CUDAGraph(), () => opt.step())).message;
      expect(message).toContain(`${opt.constructor.name}.step(): a parameter has no optimizer state yet`);
      opt.step(); // warm-up, eagerly
      const g = new torch.cuda.CUDAGraph();
      torch.cuda.graph(g, () => opt.step());
      const w = [...net.parameters()][0].clone();
      g.replay();
      expect([...net.parameters()][0].equal(w)).toBe(false);
      g.reset();
    }
    // SGD without momentum keeps no state: capturable at once.
    const net = model();
    const sgd = new optim.SGD(net.parameters(), { lr: 0.1 });
    const g = new torch.cuda.CUDAGraph();
    torch.cuda.graph(g, () => sgd.step());
    g.reset();
  });

  it('makeGraphedCallables: outputs and gradients as the eager module', () => {
    const [eager, graphedNet] = twinNets();
    const sample = batch(30).x.requiresGrad_(true);
    const graphed = torch.cuda.makeGraphedCallables(graphedNet, [sample]);
    for (const seed of [31, 32]) {
      const { x, y } = batch(seed);
      const xe = x.clone().requiresGrad_(true);
      const xg = x.clone().requiresGrad_(true);
      for (const p of eager.parameters()) p.grad = null;
      for (const p of graphed.parameters()) p.grad = null;
      const le = F.crossEntropy(eager(xe), y);
      const lg = F.crossEntropy(graphed(xg), y);
      expect(lg.item()).toBeCloseTo(le.item() as number, 5);
      le.backward();
      lg.backward();
      expectMatch(xg.grad!, xe.grad!, { rtol: 1e-5, atol: 1e-6 }, 'input gradient');
      const eagerParams = [...eager.parameters()];
      [...graphed.parameters()].forEach((p, i) => expectMatch(p.grad!, eagerParams[i].grad!, { rtol: 1e-5, atol: 1e-6 }, `param ${i} gradient`));
    }
    // Out of the training mode it was graphed in, the module runs eagerly.
    graphed.eval();
    const { x } = batch(33);
    expectMatch(torch.noGrad(() => graphed(x)), torch.noGrad(() => eager(x)), { rtol: 1e-5, atol: 1e-6 }, 'eval forward');
  });
});
