/**
 * The backward engine frees the gradients it passes between nodes once their last consumer
 * has run (src/autograd/engine.ts, GradientLifetimes), rather than leaving them to V8's
 * collector; and it never frees a gradient that user code can still see: a root gradient,
 * a hook's argument or result, a custom Function's, autograd.grad's results, a retained
 * or accumulated `.grad`.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const { nn } = torch;
const live = () => torch.memoryStats().cpu.storages;

describe('gradient temporaries are freed during backward', () => {
  it('a chain of 30 ops leaves only the leaf’s gradient behind', () => {
    const x = torch.randn([64], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 30; i++) y = i % 2 === 0 ? y.mul(1.01) : y.neg();
    const loss = y.sum();
    const before = live();
    loss.backward();
    // x.grad and the root gradient backward() made; each gradient passed down the chain
    // (30 of them, one storage each) is freed as soon as the next op has consumed it.
    expect(live() - before).toBeLessThanOrEqual(2);
    expect(x.grad!.abs().sub(1.01 ** 15).abs().max().item()).toBeLessThan(1e-5);
  });

  it('a training step’s backward leaves fewer storages than it frees', () => {
    torch.manualSeed(0);
    const net = new nn.Sequential(new nn.Linear(8, 16), new nn.Tanh(), new nn.Linear(16, 16), new nn.Sigmoid(), new nn.Linear(16, 4));
    const params = [...net.parameters()];
    const loss = net.forward(torch.randn([5, 8])).pow(2).mul(0.5).sum();
    const before = live();
    loss.backward();
    expect(params.every((p) => p.grad !== null && !p.grad.isDisposed)).toBe(true);
    // Six .grad tensors, plus temporaries that backward functions make inside themselves
    // (left to the collector); none of the eight gradients passed between nodes.
    expect(live() - before).toBeLessThanOrEqual(16);
  });

  it('a gradient used by two consumers is freed only after both ran, with the right values', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(2);
    const y = h.mul(h).sum().add(h.sin().sum());
    y.backward();
    const expected = [1, 2, 3].map((v) => 8 * v + 2 * Math.cos(2 * v));
    (x.grad!.tolist() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 5));
  });
});

describe('gradients from several consumers', () => {
  // The engine adds a second gradient into the first in place when the first is its own
  // and nothing else shares its storage; a view (reshape's backward) is summed out of place.
  it('sum to the analytic gradient, in place or not', () => {
    const x = torch.tensor([0.1, 0.2, 0.3, 0.4], { dtype: torch.float64, requiresGrad: true });
    const h = x.mul(2);
    const loss = h.exp().sum().add(h.sin().sum()).add(h.reshape([2, 2]).pow(2).sum()).add(h.tanh().sum());
    loss.backward();
    const hv = [0.2, 0.4, 0.6, 0.8];
    const expected = hv.map((v) => 2 * (Math.exp(v) + Math.cos(v) + 2 * v + 1 - Math.tanh(v) ** 2));
    (x.grad!.tolist() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 12));
  });

  it('a gradient a hook keeps is never summed into', () => {
    const x = torch.tensor([1, 2], { dtype: torch.float64, requiresGrad: true });
    const h = x.mul(3);
    const kept: Tensor[] = [];
    const e = h.exp();
    e.registerHook((g) => void kept.push(g));
    e.sum().add(e.mul(2).sum()).backward();
    expect(kept[0].tolist()).toEqual([3, 3]);
  });
});

describe('gradients user code can see stay usable', () => {
  const graph = () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(3);
    const z = h.exp();
    return { x, h, z, y: z.mul(2).sum() };
  };

  it('the root gradient the caller passes', () => {
    const { z } = graph();
    const g = torch.ones([3]);
    z.backward(g);
    expect(g.tolist()).toEqual([1, 1, 1]);
  });

  it('the gradient a tensor hook sees and the one it returns', () => {
    const { h, y } = graph();
    const seen: Tensor[] = [];
    h.registerHook((g) => {
      seen.push(g);
      const doubled = g.mul(2);
      seen.push(doubled);
      return doubled;
    });
    y.backward();
    expect(seen.map((t) => t.isDisposed)).toEqual([false, false]);
    expect(seen[1].sub(seen[0].mul(2)).abs().max().item()).toBe(0);
  });

  it('a module backward hook’s gradInput and gradOutput', () => {
    torch.manualSeed(1);
    const net = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    let kept: (Tensor | null)[] = [];
    (net.children()[2] as torch.nn.Module).registerFullBackwardHook((_m, gradInput, gradOutput) => {
      kept = [...gradInput, ...gradOutput];
    });
    net.forward(torch.randn([5, 3])).sum().backward();
    expect(kept.length).toBe(2);
    for (const t of kept) expect(t !== null && !t.isDisposed && Number.isFinite(t.sum().item())).toBe(true);
  });

  it('what a custom Function’s backward is given and returns', () => {
    const stash: Tensor[] = [];
    class Twice extends torch.autograd.Function {
      static override forward(_ctx: torch.autograd.FunctionCtx, a: Tensor): Tensor {
        return a.mul(2);
      }
      static override backward(_ctx: torch.autograd.FunctionCtx, g: Tensor): Tensor {
        const out = g.mul(2);
        stash.push(g, out);
        return out;
      }
    }
    const { h } = graph();
    (Twice.apply(h) as Tensor).exp().sum().backward();
    expect(stash.every((t) => !t.isDisposed)).toBe(true);
  });

  it('autograd.grad’s results, retained and accumulated gradients', () => {
    const { x, h, z, y } = graph();
    h.retainGrad();
    const [gz, gh] = torch.autograd.grad([y], [z, h], { retainGraph: true });
    expect(gz!.isDisposed || gh!.isDisposed).toBe(false);
    expect(gh!.sub(gz!.mul(z)).abs().max().item()).toBeLessThan(1e-4);
    y.backward();
    expect(h.grad!.isDisposed || x.grad!.isDisposed).toBe(false);
    expect(x.grad!.sub(gh!.mul(3)).abs().max().item()).toBeLessThan(1e-2);
  });

  it('createGraph keeps every gradient (they are part of the new graph)', () => {
    const x = torch.tensor([0.5, 1.5], { requiresGrad: true });
    const y = x.pow(3).sum();
    const [g] = torch.autograd.grad([y], [x], { createGraph: true });
    const [gg] = torch.autograd.grad([g!.sum()], [x]);
    expect(gg!.tolist()).toEqual([3, 9]);
  });
});
