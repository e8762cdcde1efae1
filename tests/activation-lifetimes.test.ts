/**
 * Forward activations and `.grad` tensors are freed at their last use, as PyTorch's
 * refcounting frees them, instead of waiting for V8's collector: a Sequential's
 * intermediates once the next layer has consumed them (at once, or when the last backward
 * node that saved them is released), an op's own views and products once used, the implicit
 * `ones` of `loss.backward()`, and a `.grad` that `zeroGrad` drops and no user code has seen.
 * Nothing user code can still reach is ever freed.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { storagesAfterCollection } from './helpers/memory.js';

const { nn } = torch;
const helper = (name: string) => join(dirname(fileURLToPath(import.meta.url)), 'helpers', name);

function mlp(): InstanceType<typeof nn.Sequential> {
  torch.manualSeed(0);
  return new nn.Sequential(new nn.Linear(12, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

describe('a training loop that disposes only its loss and output stays flat', () => {
  // In a child process, where no garbage from other tests can be collected meanwhile.
  const run = (mode: string, steps: number, unreported = '0') => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', helper('training-loop-child.ts'), mode, String(steps)], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, FLINT_UNREPORTED_HOST_BYTES: unreported },
    });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<'second' | 'last', { storages: number; allocatedBytes: number; externalBytes: number }>;
  };

  it('SGD with momentum: the same storages and bytes after 2 and after 40 steps', () => {
    const r = run('sgd', 40);
    // Parameters, momentum buffers, x, y and the step's six gradients: 6 + 6 + 2 + 6.
    expect(r.second.storages).toBe(20);
    expect(r.last).toEqual(r.second);
    expect(r.last.externalBytes).toBe(r.last.allocatedBytes);
  });

  it('V8 is told of the host bytes past the allowance only (FLINT_UNREPORTED_HOST_BYTES)', () => {
    const r = run('sgd', 3, '4096');
    expect(r.last.externalBytes).toBe(r.last.allocatedBytes - 4096);
    // By default the allowance is the smaller of 256 MiB and 1/32 of the machine's memory.
    const byDefault = run('sgd', 3, '');
    expect(byDefault.last.externalBytes).toBe(0);
    expect(byDefault.last.allocatedBytes).toBe(r.last.allocatedBytes);
  });

  it('Adam, clipGradNorm_ and mseLoss on a 3-D input: flat as well', () => {
    const r = run('adam-clip', 25);
    // Parameters, two Adam moments each, x, target and six gradients: 6 + 12 + 2 + 6.
    expect(r.second.storages).toBe(26);
    expect(r.last).toEqual(r.second);
  });

  it('a user module whose step runs its forward in tidy: flat, the saved activations kept for backward', () => {
    const r = run('tidy-user', 20);
    // Four parameters, two Adadelta buffers each, x, y and four gradients (4 + 8 + 2 + 4),
    // beside the child's unused MLP (6 parameters).
    expect(r.second.storages).toBe(24);
    expect(r.last).toEqual(r.second);
  });

  it('a TransformerEncoderLayer in training mode (dropout on): flat', () => {
    const r = run('transformer', 20);
    expect(r.last).toEqual(r.second);
  });
});

describe('Sequential lets go of the activations it passes between layers', () => {
  it('an activation no node saved is freed during forward; saved ones when backward releases their nodes', () => {
    const r = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', helper('training-loop-child.ts'), 'counts'], { encoding: 'utf8', timeout: 60_000 }).trim(),
    ) as Record<string, number>;
    // Linear's outputs are freed once ReLU (which saves its own output) has run; the two
    // ReLU outputs, saved by ReLU and the next Linear, live on with the graph; plus `out`.
    expect(r.afterForward).toBe(3);
    // The graph's saved activations and backward's root gradient are gone; six .grad remain.
    expect(r.afterBackward).toBe(6);
    // zeroGrad frees the six gradients no user code has seen.
    expect(r.afterZeroGrad).toBe(0);
    // loss.backward()'s implicit ones is freed too: only w.grad is left.
    expect(r.implicitBackward).toBe(1);
  });

  it('gives the same output and gradients as the layers called one by one', () => {
    const net = mlp();
    const x = torch.randn([5, 12]);
    net.forward(x).pow(2).sum().backward();
    const viaSequential = [...net.parameters()].map((p) => p.grad!.tolist());
    net.zeroGrad();
    let h: Tensor = x;
    for (const layer of net.children()) h = (layer as unknown as (t: Tensor) => Tensor)(h);
    h.pow(2).sum().backward();
    [...net.parameters()].forEach((p, i) => expect(p.grad!.tolist()).toEqual(viaSequential[i]));
  });

  it('with retainGraph, the saved activations survive a first backward and serve a second', () => {
    const net = mlp();
    const x = torch.randn([4, 12]);
    const loss = net.forward(x).pow(2).sum();
    loss.backward({ retainGraph: true });
    const first = [...net.parameters()].map((p) => p.grad!.clone());
    net.zeroGrad();
    loss.backward();
    [...net.parameters()].forEach((p, i) => expect(p.grad!.sub(first[i]).abs().max().item()).toBe(0));
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
  });

  it('an activation a forward hook kept stays usable after backward', () => {
    const net = mlp();
    const kept: Tensor[] = [];
    (net.at(1) as InstanceType<typeof nn.ReLU>).registerForwardHook((_m: unknown, _input: unknown, output: Tensor) => void kept.push(output));
    const x = torch.randn([3, 12]);
    net.forward(x).sum().backward();
    expect(kept[0].isDisposed).toBe(false);
    expect(kept[0].min().item()).toBeGreaterThanOrEqual(0);
  });

  it('a hook registered after earlier forwards is seen: Sequential re-derives which layers it may free', () => {
    const net = mlp();
    const x = torch.randn([3, 12]);
    net.forward(x).sum().backward(); // the plan is made, with every layer flint's own
    const kept: Tensor[] = [];
    const handle = (net.at(1) as InstanceType<typeof nn.ReLU>).registerForwardHook((_m: unknown, _input: unknown, output: Tensor) => void kept.push(output));
    net.forward(x).sum().backward();
    expect(kept[0].isDisposed).toBe(false);
    handle.remove();
    const later: Tensor[] = [];
    net.forward(x).sum().backward();
    // Removing the hook goes back to freeing: a second hook, added now, is seen again.
    (net.at(1) as InstanceType<typeof nn.ReLU>).registerForwardHook((_m: unknown, _input: unknown, output: Tensor) => void later.push(output));
    net.forward(x).sum().backward();
    expect(later[0].isDisposed).toBe(false);
    expect(later[0].min().item()).toBeGreaterThanOrEqual(0);
  });

  it('a user layer (not one of flint’s own) keeps its input alive', () => {
    class Probe extends nn.Module {
      seen: Tensor | null = null;
      override forward(t: Tensor): Tensor {
        this.seen = t;
        return t.mul(2);
      }
    }
    torch.manualSeed(0);
    const probe = new Probe();
    const net = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU(), probe, new nn.Linear(4, 2));
    const out = net.forward(torch.randn([2, 4]));
    out.sum().backward();
    expect(probe.seen!.isDisposed).toBe(false);
    expect(probe.seen!.min().item()).toBeGreaterThanOrEqual(0);
  });

  it('a view the next layer returns keeps its storage after the base is let go', () => {
    torch.manualSeed(0);
    const net = new nn.Sequential(new nn.Linear(6, 8), new nn.Unflatten(1, [2, 4]), new nn.Flatten(), new nn.Linear(8, 2));
    const x = torch.randn([3, 6]);
    const out = net.forward(x);
    const ref = torch.nn.functional.linear(
      torch.nn.functional.linear(x, (net.at(0) as InstanceType<typeof nn.Linear>).weight, (net.at(0) as InstanceType<typeof nn.Linear>).bias),
      (net.at(3) as InstanceType<typeof nn.Linear>).weight,
      (net.at(3) as InstanceType<typeof nn.Linear>).bias,
    );
    expect(out.sub(ref).abs().max().item()).toBe(0);
    out.sum().backward();
    expect((net.at(0) as InstanceType<typeof nn.Linear>).weight.grad!.shape).toEqual([8, 6]);
  });
});

describe('tidy around a training forward', () => {
  it('gives the gradients of the same forward outside tidy, and frees the rest at backward', () => {
    torch.manualSeed(0);
    const conv = new nn.Conv2d(2, 3, 3, { padding: 1 });
    const x = torch.randn([2, 2, 5, 5], { dtype: torch.float32 });
    const forward = () => conv.forward(x).relu().mul(x.sum(1, true)).tanh().pow(2).mean();
    forward().backward();
    const expected = [conv.weight.grad!.clone(), conv.bias!.grad!.clone()];
    conv.zeroGrad();
    const kept: Tensor[] = [];
    const loss = torch.tidy(() => {
      const out = forward();
      kept.push(out);
      return out;
    });
    loss.backward();
    expect(conv.weight.grad!.sub(expected[0]).abs().max().item()).toBe(0);
    expect(conv.bias!.grad!.sub(expected[1]).abs().max().item()).toBe(0);
    expect(kept[0]).toBe(loss);
    expect(loss.isDisposed).toBe(false);
  });

  it('with retainGraph the saved activations serve a second backward', () => {
    const w = torch.randn([4], { requiresGrad: true });
    const loss = torch.tidy(() => w.exp().mul(w.sin()).sum());
    loss.backward({ retainGraph: true });
    const first = w.grad!.clone();
    loss.backward();
    expect(w.grad!.sub(first.mul(2)).abs().max().item()).toBeLessThan(1e-6);
  });

  it('keeps what the graph of a keep()’d tensor saved', () => {
    const w = torch.randn([3], { requiresGrad: true });
    let h: Tensor | null = null;
    torch.tidy(() => {
      h = torch.keep(w.exp().mul(w.cos()));
    });
    h!.sum().backward();
    const expected = w.detach().exp().mul(w.detach().cos().sub(w.detach().sin()));
    expect(w.grad!.sub(expected).abs().max().item()).toBeLessThan(1e-6);
  });

  it('a tensor made in tidy that is neither returned nor saved is disposed at its end', () => {
    const w = torch.randn([3], { requiresGrad: true });
    let inner: Tensor | null = null;
    const loss = torch.tidy(() => {
      inner = w.mul(2);
      return inner.add(1).sum(); // add saves nothing, so inner is nobody's
    });
    expect(inner!.isDisposed).toBe(true);
    loss.backward();
    expect(w.grad!.tolist()).toEqual([2, 2, 2]);
  });
});

describe('zeroGrad frees the gradients no user code has seen', () => {
  it('frees the gradients of a backward, and keeps a gradient the user read', () => {
    const net = mlp();
    const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
    const out = net.forward(torch.randn([4, 12]));
    out.sum().backward();
    const grads = [...net.parameters()].map((p) => p._grad!);
    opt.zeroGrad();
    expect(grads.every((g) => g.isDisposed)).toBe(true);

    const again = net.forward(torch.randn([4, 12]));
    again.sum().backward();
    const seen = (net.at(0) as InstanceType<typeof nn.Linear>).weight.grad!;
    const copy = seen.clone();
    net.zeroGrad();
    expect((net.at(0) as InstanceType<typeof nn.Linear>).weight.grad).toBe(null);
    expect(seen.isDisposed).toBe(false);
    expect(seen.sub(copy).abs().max().item()).toBe(0);
  });

  it('keeps a gradient a tensor hook saw and a gradient the user assigned', () => {
    const w = torch.randn([3], { requiresGrad: true });
    const seen: Tensor[] = [];
    w.registerHook((g) => void seen.push(g));
    w.mul(2).sum().backward();
    const opt = new torch.optim.SGD([w], { lr: 0.1 });
    opt.zeroGrad();
    expect(seen[0].tolist()).toEqual([2, 2, 2]);

    const mine = torch.ones([3]);
    w.grad = mine;
    opt.zeroGrad();
    expect(mine.isDisposed).toBe(false);
    expect(mine.tolist()).toEqual([1, 1, 1]);
  });

  it('a per-parameter optimizer in a post-accumulate hook: one gradient reaching two leaves is not freed under the other', () => {
    // AddBackward hands the same gradient to p and q; whichever accumulates first must not
    // take it as its .grad, or the hook's zeroGrad would free it before q reads it.
    const p = torch.tensor([1, 2, 3], { requiresGrad: true });
    const q = torch.tensor([4, 5, 6], { requiresGrad: true });
    const opts = new Map([p, q].map((t) => [t, new torch.optim.SGD([t], { lr: 0.5 })]));
    for (const t of [p, q]) {
      t.registerPostAccumulateGradHook((param) => {
        opts.get(param)!.step();
        opts.get(param)!.zeroGrad();
      });
    }
    for (let i = 0; i < 3; i++) p.add(q).mul(2).sum().backward();
    expect(p.tolist()).toEqual([-2, -1, 0]);
    expect(q.tolist()).toEqual([1, 2, 3]);
  });

  it('a retained gradient that a leaf also took is its own tensor', () => {
    const p = torch.tensor([1, 2], { requiresGrad: true });
    for (let i = 0; i < 2; i++) {
      const y = torch.tensor([3, 4], { requiresGrad: true }).mul(1);
      y.retainGrad();
      y.add(p).mul(3).sum().backward();
      new torch.optim.SGD([p], { lr: 0 }).zeroGrad();
      expect(y.grad!.tolist()).toEqual([3, 3]);
    }
  });

  it('setToNone: false zeroes in place and frees nothing', () => {
    const net = mlp();
    net.forward(torch.randn([2, 12])).sum().backward();
    const grads = [...net.parameters()].map((p) => p.grad!);
    net.zeroGrad({ setToNone: false });
    for (const g of grads) {
      expect(g.isDisposed).toBe(false);
      expect(g.abs().max().item()).toBe(0);
    }
  });
});

describe('backward’s own root gradient', () => {
  it('the implicit ones that became a leaf’s .grad stays', () => {
    const leaf = torch.tensor(2, { requiresGrad: true });
    leaf.backward();
    expect(leaf.grad!.item()).toBe(1);
    leaf.backward();
    expect(leaf.grad!.item()).toBe(2);
  });
});

describe('composite losses free what they make', () => {
  const live = () => torch.memoryStats().cpu.storages;
  // The count before is taken right after a collection, so that one V8 starts mid-test
  // (under ASan, say) finds no earlier garbage to free and the count moves only by the test's.
  const F = nn.functional;
  // Each case makes its targets first, then returns the loss of an input.
  const cases: [string, () => (input: Tensor) => Tensor][] = [
    ['smoothL1Loss', () => { const t = torch.randn([6, 5]); return (input) => F.smoothL1Loss(input, t, { beta: 0.5 }); }],
    ['huberLoss', () => { const t = torch.zeros([6, 5]); return (input) => F.huberLoss(input, t); }],
    ['klDiv', () => { const t = torch.softmax(torch.randn([6, 5]), 1); return (input) => F.klDiv(input, t, { reduction: 'batchmean' }); }],
    ['poissonNllLoss', () => { const t = torch.full([6, 5], 3); return (input) => F.poissonNllLoss(input, t, { full: true }); }],
    ['gaussianNllLoss', () => { const [t, v] = [torch.zeros([6, 5]), torch.ones([6, 5])]; return (input) => F.gaussianNllLoss(input, t, v); }],
    ['cosineEmbeddingLoss', () => { const [b, t] = [torch.ones([6, 5]), torch.tensor([1, -1, 1, -1, 1, 1])]; return (input) => F.cosineEmbeddingLoss(input, b, t); }],
    ['marginRankingLoss', () => { const [b, t] = [torch.zeros([6, 5]), torch.ones([6, 5])]; return (input) => F.marginRankingLoss(input, b, t); }],
    ['hingeEmbeddingLoss', () => { const t = torch.ones([6, 5]); return (input) => F.hingeEmbeddingLoss(input, t); }],
    ['tripletMarginLoss', () => { const [p, n] = [torch.zeros([6, 5]), torch.ones([6, 5])]; return (input) => F.tripletMarginLoss(input, p, n, { swap: true }); }],
    ['softMarginLoss', () => { const t = torch.ones([6, 5]); return (input) => F.softMarginLoss(input, t); }],
    ['multilabelSoftMarginLoss', () => { const t = torch.ones([6, 5]); return (input) => F.multilabelSoftMarginLoss(input, t); }],
    ['multiMarginLoss', () => { const t = torch.tensor([0, 1, 2, 3, 4, 0]); return (input) => F.multiMarginLoss(input, t, { p: 2 }); }],
    ['crossEntropy with probabilities', () => { const t = torch.softmax(torch.randn([6, 5]), 1); return (input) => F.crossEntropy(input, t, { labelSmoothing: 0.1 }); }],
  ];
  it.each(cases)('%s: after backward only the gradient is left', (_name, make) => {
    torch.manualSeed(0);
    const loss = make();
    const input = torch.randn([6, 5], { requiresGrad: true });
    // A first call, so that lazily made constants exist before counting.
    loss(input).backward();
    const expected = input.grad!.clone();
    input.grad = null;
    const before = storagesAfterCollection();
    const value = loss(input);
    value.backward();
    value.dispose();
    expect(live() - before).toBe(1); // input.grad
    expect(input.grad!.sub(expected).abs().max().item()).toBe(0);
  });
});
