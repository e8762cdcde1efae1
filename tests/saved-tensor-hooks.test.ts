/**
 * torch.autograd.graph's saved-tensor hooks (savedTensorsHooks, saveOnCpu,
 * disableSavedTensorsHooks), the non-reentrant checkpoint built on them, and
 * checkpointSequential, against PyTorch 1.13 (tests/fixtures/saved-hooks.json, written by
 * scripts/make_saved_hooks_fixtures.py): gradients equal to those without hooks, the history
 * an unpacked copy carries (second order), no version check through hooks, what the graph
 * keeps, and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { storagesAfterCollection } from './helpers/memory.js';

interface GradCase {
  loss: FixtureTensor;
  grads: FixtureTensor[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/saved-hooks.json', import.meta.url), 'utf8')) as {
  inputs: FixtureTensor[];
  target: number[];
  plain: GradCase;
  cloneHooks: GradCase;
  saveOnCpu: GradCase;
  secondOrder: { w: FixtureTensor; g: FixtureTensor; gg: FixtureTensor };
  noVersionCheck: { a: FixtureTensor; grad: FixtureTensor };
  errors: Record<string, { type: string; message: string }>;
  checkpointPlain: GradCase;
  checkpointNonReentrant: GradCase;
  checkpointGrad: { x: FixtureTensor; y: FixtureTensor; g: FixtureTensor; gg: FixtureTensor };
  sequential: { state: Record<string, FixtureTensor>; y: FixtureTensor; gradX: FixtureTensor; grads: Record<string, FixtureTensor> };
};
const { graph } = torch.autograd;
const F = torch.nn.functional;
const target = (): Tensor => torch.tensor(FIXTURE.target, { dtype: torch.int64 });
const leaves = (): Tensor[] => FIXTURE.inputs.map((t) => fromFixture(t).requiresGrad_());

function mlpLoss([x, w1, b1, w2, b2]: Tensor[]): Tensor {
  let h = F.linear(x, w1, b1).tanh();
  h = h.mul(h.sigmoid());
  return F.crossEntropy(F.linear(h, w2, b2), target());
}

function expectGrads(ls: Tensor[], loss: Tensor, expected: GradCase): void {
  expectClose(loss, expected.loss, { rtol: 1e-12, atol: 1e-12 });
  ls.forEach((t, i) => expectClose(t.grad!, expected.grads[i], { rtol: 1e-12, atol: 1e-12 }));
}

describe('savedTensorsHooks', () => {
  it('gives the gradients of a graph without hooks, with every saved tensor packed and unpacked', () => {
    const ls = leaves();
    let packs = 0;
    let unpacks = 0;
    const loss = graph.savedTensorsHooks(
      (t) => {
        packs++;
        return t.detach().clone();
      },
      (p: Tensor) => {
        unpacks++;
        return p;
      },
      () => mlpLoss(ls),
    );
    expect(packs).toBeGreaterThan(0);
    expect(unpacks).toBe(0);
    loss.backward();
    // A backward may read one saved tensor more than once.
    expect(unpacks).toBeGreaterThanOrEqual(packs);
    expectGrads(ls, loss, FIXTURE.cloneHooks);
    expectGrads(ls, loss, FIXTURE.plain);
  });

  it('saveOnCpu gives the same gradients', () => {
    const ls = leaves();
    const loss = graph.saveOnCpu(() => mlpLoss(ls));
    loss.backward();
    expectGrads(ls, loss, FIXTURE.saveOnCpu);
    const ls2 = leaves();
    const loss2 = graph.saveOnCpu({ pinMemory: false }, () => mlpLoss(ls2));
    loss2.backward();
    expectGrads(ls2, loss2, FIXTURE.saveOnCpu);
  });

  it('gives an unpacked copy the saved tensor history, so a second order reaches the leaf', () => {
    const { w: wf, g: gf, gg: ggf } = FIXTURE.secondOrder;
    const w = fromFixture(wf).requiresGrad_();
    const y = graph.savedTensorsHooks((t) => t.detach().clone(), (p: Tensor) => p, () => w.mul(w).mul(w).sum());
    const [g] = torch.autograd.grad(y, w, null, { createGraph: true });
    expectClose(g!, gf, { rtol: 1e-12, atol: 1e-12 });
    const [gg] = torch.autograd.grad(g!.sum(), w);
    expectClose(gg!, ggf, { rtol: 1e-12, atol: 1e-12 });
  });

  it('checks no version through hooks, as PyTorch: backward reads the modified value', () => {
    const a = fromFixture(FIXTURE.noVersionCheck.a).requiresGrad_();
    let b!: Tensor;
    const c = graph.savedTensorsHooks(
      (t) => t,
      (t: Tensor) => t,
      () => {
        b = a.mul(2);
        return b.mul(b);
      },
    );
    b.add_(1);
    c.sum().backward();
    expectClose(a.grad!, FIXTURE.noVersionCheck.grad, { rtol: 0, atol: 0 });
    // Without hooks the same program is refused.
    const a2 = fromFixture(FIXTURE.noVersionCheck.a).requiresGrad_();
    const b2 = a2.mul(2);
    const c2 = b2.mul(b2);
    b2.add_(1);
    expect(() => c2.sum().backward()).toThrow(/modified by an inplace operation/);
  });

  it('applies only the innermost pair', () => {
    const log: string[] = [];
    const a = torch.tensor([1, 2], { requiresGrad: true });
    graph.savedTensorsHooks(
      (t) => (log.push('outer'), t),
      (t: Tensor) => t,
      () => graph.savedTensorsHooks((t) => (log.push('inner'), t), (t: Tensor) => t, () => a.mul(a)),
    );
    expect(log.length).toBeGreaterThan(0);
    expect(new Set(log)).toEqual(new Set(['inner']));
    // After the region, nothing is packed.
    a.mul(a);
    expect(new Set(log)).toEqual(new Set(['inner']));
  });

  it('keeps in the graph only what the pack hook returns', () => {
    const x = torch.tensor([0.5, 1, 2], { dtype: torch.float64, requiresGrad: true });
    let h!: Tensor;
    const y = graph.savedTensorsHooks(
      (t) => t.detach().clone(),
      (p: Tensor) => p,
      () => {
        h = x.mul(1);
        return h.sin();
      },
    );
    // The graph holds a clone of h, so h itself may go.
    h.dispose();
    y.sum().backward();
    expectClose(x.grad!, { shape: [3], dtype: 'float64', data: [0.5, 1, 2].map(Math.cos) }, { rtol: 1e-15, atol: 1e-15 });
    // Without hooks, the graph needs h itself.
    const x2 = torch.tensor([0.5, 1, 2], { dtype: torch.float64, requiresGrad: true });
    const h2 = x2.mul(1);
    const y2 = h2.sin();
    h2.dispose();
    expect(() => y2.sum().backward()).toThrow(/disposed/);
  });

  it('saves through custom Functions too', () => {
    class Cube extends torch.autograd.Function {
      static override forward(ctx: torch.FunctionCtx, x: Tensor): Tensor {
        ctx.saveForBackward(x);
        return x.pow(3);
      }
      static override backward(ctx: torch.FunctionCtx, g: Tensor): Tensor {
        const [x] = ctx.savedTensors;
        return g.mul(x!.pow(2)).mul(3);
      }
    }
    let packs = 0;
    const x = torch.tensor([1, 2], { dtype: torch.float64, requiresGrad: true });
    const y = graph.savedTensorsHooks((t) => (packs++, t.detach().clone()), (p: Tensor) => p, () => Cube.apply(x) as Tensor);
    expect(packs).toBe(1);
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([3, 12]);
  });

  it('raises PyTorch errors', () => {
    const a = torch.tensor([1, 2], { requiresGrad: true });
    const c = graph.savedTensorsHooks((t) => t, (() => 5) as unknown as (p: never) => Tensor, () => a.mul(a).sum());
    const expected = FIXTURE.errors.unpackNotTensor;
    expect(() => c.backward()).toThrow(expected.message.replace('type int', 'type number'));
    expect(() =>
      graph.disableSavedTensorsHooks('no hooks here', () => graph.savedTensorsHooks((t) => t, (t: Tensor) => t, () => 0)),
    ).toThrow(FIXTURE.errors.disabled.message);
    expect(() =>
      graph.savedTensorsHooks(
        (t) => t,
        (t: Tensor) => t,
        () => graph.disableSavedTensorsHooks('no hooks inside', () => a.mul(a)),
      ),
    ).toThrow(FIXTURE.errors.disabledInside.message);
    // Disabled with no hooks active: ops save as usual.
    const y = graph.disableSavedTensorsHooks('unused', () => a.mul(a).sum());
    y.backward();
    expect(a.grad!.tolist()).toEqual([2, 4]);
    // A pack hook's error reaches the caller.
    expect(() =>
      graph.savedTensorsHooks(
        () => {
          throw new Error('boom');
        },
        (t: Tensor) => t,
        () => a.mul(a),
      ),
    ).toThrow('boom');
    expect(() => graph.savedTensorsHooks(5 as never, (t: Tensor) => t, () => 0)).toThrow(/packHook/);
  });
});

describe('checkpoint without reentrant', () => {
  const block = (x: Tensor, w1: Tensor, b1: Tensor): Tensor => F.dropout(F.linear(x, w1, b1).tanh(), 0.5, true);

  function run(useCheckpoint: boolean): { ls: Tensor[]; loss: Tensor; calls: number } {
    const ls = leaves();
    let calls = 0;
    const counted = (x: Tensor, w1: Tensor, b1: Tensor): Tensor => {
      calls++;
      return block(x, w1, b1);
    };
    torch.manualSeed(7);
    const h = useCheckpoint
      ? (torch.utils.checkpoint.checkpoint(counted as never, ls[0], ls[1], ls[2], { useReentrant: false }) as Tensor)
      : counted(ls[0], ls[1], ls[2]);
    const loss = F.crossEntropy(F.linear(h, ls[3], ls[4]), target());
    loss.backward();
    return { ls, loss, calls };
  }

  it('gives the gradients of no checkpoint, replaying the dropout mask, and reruns the block once', () => {
    const plain = run(false);
    expectGrads(plain.ls, plain.loss, FIXTURE.checkpointPlain);
    const ck = run(true);
    expect(ck.calls).toBe(2);
    expectGrads(ck.ls, ck.loss, FIXTURE.checkpointNonReentrant);
  });

  it('works with autograd.grad and a second order', () => {
    const { x: xf, y: yf, g: gf, gg: ggf } = FIXTURE.checkpointGrad;
    const x = fromFixture(xf).requiresGrad_();
    const y = (torch.utils.checkpoint.checkpoint(((t: Tensor) => t.mul(t).mul(t).sin()) as never, x, { useReentrant: false }) as Tensor).sum();
    expectClose(y, yf, { rtol: 1e-15, atol: 1e-15 });
    const [g] = torch.autograd.grad(y, x, null, { createGraph: true });
    expectClose(g!, gf, { rtol: 1e-12, atol: 1e-12 });
    const [gg] = torch.autograd.grad(g!.sum(), x);
    expectClose(gg!, ggf, { rtol: 1e-12, atol: 1e-12 });
    // The reentrant form refuses autograd.grad, as PyTorch's.
    const x2 = fromFixture(xf).requiresGrad_();
    const y2 = (torch.utils.checkpoint.checkpoint(((t: Tensor) => t.sin()) as never, x2) as Tensor).sum();
    expect(() => torch.autograd.grad(y2, x2)).toThrow(/Checkpointing is not compatible with .grad\(\)/);
  });

  it('backward twice with retainGraph reuses the recomputed tensors', () => {
    const x = torch.tensor([0.5, 1], { dtype: torch.float64, requiresGrad: true });
    let calls = 0;
    const y = (torch.utils.checkpoint.checkpoint(
      ((t: Tensor) => {
        calls++;
        return t.exp().mul(t);
      }) as never,
      x,
      { useReentrant: false },
    ) as Tensor).sum();
    y.backward(undefined, { retainGraph: true });
    const first = x.grad!.tolist() as number[];
    y.backward();
    expect(calls).toBe(2);
    expect(x.grad!.tolist()).toEqual(first.map((v) => 2 * v));
    expect(first[0]).toBeCloseTo(Math.exp(0.5) * 1.5, 14);
  });
});

describe('checkpointSequential', () => {
  it('gives PyTorch values and gradients for a Sequential in 2 segments', () => {
    const { nn } = torch;
    const net = new nn.Sequential(new nn.Linear(4, 6), new nn.Tanh(), new nn.Linear(6, 6), new nn.ReLU(), new nn.Linear(6, 2)).double();
    net.loadStateDict(Object.fromEntries(Object.entries(FIXTURE.sequential.state).map(([k, v]) => [k, fromFixture(v)])));
    const x = fromFixture(FIXTURE.inputs[0]).requiresGrad_();
    const y = torch.utils.checkpoint.checkpointSequential(net, 2, x) as Tensor;
    expectClose(y, FIXTURE.sequential.y, { rtol: 1e-12, atol: 1e-12 });
    y.pow(2).sum().backward();
    expectClose(x.grad!, FIXTURE.sequential.gradX, { rtol: 1e-12, atol: 1e-12 });
    for (const [name, p] of net.namedParameters()) expectClose(p.grad!, FIXTURE.sequential.grads[name], { rtol: 1e-12, atol: 1e-12 });
    expect(() => torch.utils.checkpoint.checkpointSequential(net, 2, x, { useReentrant: false } as never)).toThrow('Unexpected keyword arguments: useReentrant');
  });
});

describe('what the graph keeps under hooks', () => {
  const { nn } = torch;
  const net = (): InstanceType<typeof nn.Sequential> => {
    torch.manualSeed(0);
    return new nn.Sequential(new nn.Linear(32, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 8));
  };

  it('a non-reentrant checkpoint keeps none of the activations between its layers; backward gives the same gradients', () => {
    const x = torch.randn([16, 32]);
    const plainNet = net();
    const before = storagesAfterCollection();
    const plain = plainNet.forward(x);
    const plainKept = torch.memoryStats().cpu.storages - before;
    const ckNet = net();
    const before2 = storagesAfterCollection();
    const ck = torch.utils.checkpoint.checkpoint(((t: Tensor) => ckNet.forward(t)) as never, x, { useReentrant: false }) as Tensor;
    const ckKept = torch.memoryStats().cpu.storages - before2;
    // Without: the Tanh outputs (saved by Tanh and the next Linear) and the output. With: the output.
    expect(plainKept).toBe(3);
    expect(ckKept).toBe(1);
    plain.pow(2).sum().backward();
    ck.pow(2).sum().backward();
    const ckParams = [...ckNet.parameters()];
    [...plainNet.parameters()].forEach((p, i) => expect(ckParams[i].grad!.tolist()).toEqual(p.grad!.tolist()));
  });
});
