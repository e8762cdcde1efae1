/**
 * Module.registerBackwardHook (PyTorch's deprecated non-full hook, on the grad_fn of the
 * output's first tensor) and grad_fn.registerHook / registerPrehook, against PyTorch 1.13
 * (scripts/make_backward_hook_fixtures.py): what the hook sees, the warning, and the
 * gradients when it replaces gradInput.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';

type S = FixtureTensor;
interface Case {
  seen: { module: string; gin: (S | null)[]; gout: S[] }[];
  warnings: string[];
  xGrad: S;
  paramGrads: Record<string, S>;
}
const FIX: { weights: { weight: S; bias: S }; x: S; cases: Record<string, Case>; node: { a: S; b: S; aGrad: S; bGrad: S }; mixed: string } = JSON.parse(
  readFileSync(new URL('./fixtures/backward-hooks.json', import.meta.url), 'utf8'),
);
const TOL = { rtol: 1e-12, atol: 1e-14 };

afterEach(() => vi.restoreAllMocks());

class Block extends torch.nn.Module<Tensor> {
  lin: torch.nn.Linear;
  constructor(lin: torch.nn.Linear) {
    super();
    this.lin = lin;
  }
  override forward(x: Tensor): Tensor {
    return torch.relu(this.lin(x));
  }
}

function linear(): torch.nn.Linear {
  const lin = new torch.nn.Linear(3, 2, { dtype: torch.float64 });
  torch.noGrad(() => {
    lin.weight.copy_(fromFixture(FIX.weights.weight));
    lin.bias!.copy_(fromFixture(FIX.weights.bias));
  });
  return lin;
}

describe('Module.registerBackwardHook against PyTorch 1.13', () => {
  for (const [name, c] of Object.entries(FIX.cases)) {
    it(name, () => {
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
      const lin = linear();
      const module = name.startsWith('block') ? new Block(lin) : lin;
      const replace = name.endsWith('replace');
      const seen: { module: string; gin: (Tensor | null)[]; gout: (Tensor | null)[] }[] = [];
      module.registerBackwardHook((m, gin, gout) => {
        seen.push({ module: m.constructor.name, gin: gin.map((g) => g?.clone() ?? null), gout: gout.map((g) => g?.clone() ?? null) });
        return replace ? gin.map((g) => g?.mul(2) ?? null) : undefined;
      });
      const x = fromFixture(FIX.x, { requiresGrad: true });
      const out = (module as (x: Tensor) => Tensor)(x);
      out.mul(torch.linspace(-1, 1, out.numel(), { dtype: torch.float64 }).reshape(out.shape)).sum().backward();
      expect(seen.map((s) => s.module)).toEqual(c.seen.map((s) => s.module));
      seen.forEach((s, k) => {
        const expected = c.seen[k]!;
        expect(s.gin.length).toBe(expected.gin.length);
        s.gin.forEach((g, i) => (expected.gin[i] === null ? expect(g).toBeNull() : expectClose(g!, expected.gin[i]!, { ...TOL, label: `gin ${i}` })));
        s.gout.forEach((g, i) => expectClose(g!, expected.gout[i]!, { ...TOL, label: `gout ${i}` }));
      });
      expectClose(x.grad!, c.xGrad, { ...TOL, label: 'x.grad' });
      expectClose(lin.weight.grad!, c.paramGrads[name.startsWith('block') ? 'lin.weight' : 'weight']!, { ...TOL, label: 'weight.grad' });
      expectClose(lin.bias!.grad!, c.paramGrads[name.startsWith('block') ? 'lin.bias' : 'bias']!, { ...TOL, label: 'bias.grad' });
      const messages = warn.mock.calls.map((call) => call[0]);
      // Shown once per process (Python's default filter shows it once per call site).
      if (name === 'linear_observe') for (const w of c.warnings) expect(messages).toContain(w);
    });
  }
  it('refuses to mix with full backward hooks on one module, with PyTorch\'s message', () => {
    const m = new torch.nn.Linear(2, 2);
    m.registerFullBackwardHook(() => undefined);
    expect(() => m.registerBackwardHook(() => undefined)).toThrow(FIX.mixed);
    const n = new torch.nn.Linear(2, 2);
    const handle = n.registerBackwardHook(() => undefined);
    expect(() => n.registerFullBackwardHook(() => undefined)).toThrow(FIX.mixed);
    handle.remove();
    expect(() => n.registerFullBackwardHook(() => undefined)).not.toThrow();
  });
  it('a removed hook no longer runs, and a call without grad registers nothing', () => {
    const lin = new torch.nn.Linear(3, 2);
    let calls = 0;
    const handle = lin.registerBackwardHook(() => void calls++);
    torch.noGrad(() => lin(torch.randn(2, 3)));
    lin(torch.randn(2, 3, { requiresGrad: true })).sum().backward();
    handle.remove();
    lin(torch.randn(2, 3, { requiresGrad: true })).sum().backward();
    expect(calls).toBe(1);
  });
});

describe('grad_fn.registerHook and registerPrehook against PyTorch 1.13', () => {
  it('a hook replaces the node\'s gradInputs, a prehook its gradOutputs', () => {
    const a = fromFixture(FIX.node.a, { requiresGrad: true });
    const b = fromFixture(FIX.node.b, { requiresGrad: true });
    const y = a.mul(b);
    y.gradFn!.registerHook((gi) => [gi[0]!.mul(2), gi[1]!]);
    y.gradFn!.registerPrehook((go) => [go[0]!.mul(3)]);
    y.sum().backward();
    expectClose(a.grad!, FIX.node.aGrad, TOL);
    expectClose(b.grad!, FIX.node.bGrad, TOL);
  });
  it('checks what a hook returns, and removes', () => {
    const a = torch.randn([2], { requiresGrad: true });
    const y = a.mul(2);
    const h = y.gradFn!.registerHook(() => [] as never);
    expect(() => y.sum().backward({ retainGraph: true })).toThrow('hook returned an invalid number of gradients - expected 1, but got 0');
    h.remove();
    y.sum().backward();
    expect(a.grad!.tolist()).toEqual([2, 2]);
    expect(() => y.gradFn!.registerHook(5 as never)).toThrow(TypeError);
  });
});
