/**
 * The rest of PyTorch's autograd surface: custom Functions, tensor hooks, anomaly
 * detection, inference mode, torch.autograd.functional, gradcheck, checkpointing and
 * higher-order gradients. Computed values come from tests/fixtures/autograd.json, written
 * by PyTorch 1.13 (scripts/make_autograd_fixtures.py, in npm run fixtures).
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { FunctionCtx, Tensor } from 'flint-torch';

const F = torch.nn.functional;
const A = torch.autograd;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const PT = JSON.parse(readFileSync(new URL('./fixtures/autograd.json', import.meta.url), 'utf8')) as any;

const values = (t: Tensor | null | undefined): number[] => Array.from(t!.contiguous().dataSync() as Float64Array, Number);
const lin = (start: number, end: number, ...shape: number[]): Tensor =>
  torch.linspace(start, end, shape.reduce((a, b) => a * b, 1), { dtype: torch.float64 }).reshape(shape);
const leaf = (t: Tensor): Tensor => t.detach().requiresGrad_(true);
function close(actual: number[], expected: number[], tol = 1e-10): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))));
}

class ScaleExp extends A.Function {
  static override forward(ctx: FunctionCtx, x: Tensor, k: number): Tensor[] {
    ctx.k = k;
    const e = x.exp();
    ctx.saveForBackward(e);
    return [x.mul(k), e];
  }

  static override backward(ctx: FunctionCtx, g1: Tensor, g2: Tensor): (Tensor | null)[] {
    const [e] = ctx.savedTensors;
    return [g1.mul(ctx.k as number).add(g2.mul(e!)), null];
  }
}

class Cube extends A.Function {
  static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }

  static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return g.mul(3).mul(x!.pow(2));
  }
}

describe('torch.autograd.Function', () => {
  const C = PT.custom;

  it('two outputs and a non-tensor argument: values, grad_fn and gradients as PyTorch', () => {
    const x = leaf(lin(-1, 1.5, 2, 3));
    const [u, v] = ScaleExp.apply(x, C.k);
    close(values(u), C.u);
    close(values(v), C.v);
    expect(u.gradFn!.name).toBe(C.gradFn);
    expect(v.gradFn).toBe(u.gradFn);
    const product = u.mul(v);
    expect(product.gradFn!.nextFunctions.map(([n, i]) => [n!.name, i])).toEqual(C.nextOfProduct);
    product.sum().add(v.pow(2).sum()).backward();
    close(values(x.grad), C.grad);
  });

  it('an output no gradient reached is materialized as zeros, or passed as null after setMaterializeGrads(false)', () => {
    const x = leaf(lin(-1, 1.5, 2, 3));
    ScaleExp.apply(x, C.k)[0].sum().backward();
    close(values(x.grad), C.gradOnlyU);
    const seen: (Tensor | null)[] = [];
    class Two extends A.Function {
      static override forward(ctx: FunctionCtx, a: Tensor): Tensor[] {
        ctx.setMaterializeGrads(false);
        return [a.mul(2), a.mul(3)];
      }

      static override backward(_ctx: FunctionCtx, g1: Tensor | null, g2: Tensor | null): Tensor {
        seen.push(g1, g2);
        return g1!.mul(2);
      }
    }
    const y = leaf(lin(0, 1, 3));
    Two.apply(y)[0].sum().backward();
    expect(seen[1]).toBeNull();
    close(values(y.grad), [2, 2, 2]);
  });

  it('double backward through a backward written with differentiable ops (createGraph)', () => {
    const x = leaf(lin(-2, 2, 5));
    const y = Cube.apply(x);
    expect(y.gradFn!.name).toBe(C.cube.gradFn);
    const [g] = A.grad(y.sum(), x, null, { createGraph: true });
    close(values(g), C.cube.grad);
    const [gg] = A.grad(g!.mul(g!).sum(), x);
    close(values(gg), C.cube.gradgrad);
    expect(A.gradgradcheck((t: Tensor) => Cube.apply(t), [leaf(lin(-1, 1, 4))])).toBe(true);
  });

  it('needsInputGrad, markDirty and markNonDifferentiable', () => {
    let needs: boolean[] = [];
    class AddOne_ extends A.Function {
      static override forward(ctx: FunctionCtx, a: Tensor, b: Tensor, k: number): Tensor[] {
        needs = ctx.needsInputGrad;
        a.add_(k);
        ctx.markDirty(a);
        const mask = b.gt(0);
        ctx.markNonDifferentiable(mask);
        return [a, mask];
      }

      static override backward(_ctx: FunctionCtx, g: Tensor): (Tensor | null)[] {
        return [g.mul(5), null, null];
      }
    }
    const x = leaf(lin(0, 1, 3));
    const a = x.mul(1);
    const b = lin(-1, 1, 3);
    const [out, mask] = AddOne_.apply(a, b, 1);
    expect(needs).toEqual([true, false, false]);
    expect(out).toBe(a); // modified in place, and now carries the Function's history
    expect(a.gradFn!.name).toBe('AddOne_Backward');
    expect(mask.requiresGrad).toBe(false);
    close(values(a), [1, 1.5, 2]);
    a.sum().backward();
    close(values(x.grad), [5, 5, 5]);
    expect(() => AddOne_.apply(leaf(lin(0, 1, 3)), b, 1)).toThrow('a leaf Variable that requires grad has been used in an in-place operation.');
  });

  it('an input returned as it is gets a new tensor with the Function as its history', () => {
    class Identity extends A.Function {
      static override forward(_ctx: FunctionCtx, a: Tensor): Tensor {
        return a;
      }

      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const x = leaf(lin(0, 1, 3));
    const y = Identity.apply(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    y.sum().backward();
    close(values(x.grad), [2, 2, 2]);
  });

  it("checks backward's results with PyTorch's messages", () => {
    const make = (result: (g: Tensor) => unknown) =>
      class Bad extends A.Function {
        static override forward(_ctx: FunctionCtx, a: Tensor, _k: number): Tensor {
          return a.mul(2);
        }

        static override backward(_ctx: FunctionCtx, g: Tensor): unknown {
          return result(g);
        }
      };
    const x = leaf(lin(0, 1, 3));
    expect(() => make((g) => g).apply(x, 1).sum().backward()).toThrow('function BadBackward returned an incorrect number of gradients (expected 2, got 1)');
    expect(() => make((g) => [g, g]).apply(x, 1).sum().backward()).toThrow(
      'function BadBackward returned a gradient different than None at position 2, but the corresponding forward input was not a Variable',
    );
    expect(() => make(() => [lin(0, 1, 4), null]).apply(x, 1).sum().backward()).toThrow(
      'Function BadBackward returned an invalid gradient at index 0 - got [4] but expected shape compatible with [3]',
    );
    // A broadcastable gradient is summed down to the input's shape, as PyTorch's validate_outputs does.
    make(() => [lin(1, 2, 2, 3), null]).apply(x, 1).sum().backward();
    close(values(x.grad), [2.6, 3, 3.4]);
  });

  it('saved tensors: modified in place is detected, and they are freed after backward', () => {
    const x = leaf(lin(1, 2, 3));
    const base = x.mul(1);
    const y = Cube.apply(base);
    base.mul_(2);
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation/);
    const z = Cube.apply(x);
    z.sum().backward();
    expect(() => z.sum().backward()).toThrow(/Trying to backward through the graph a second time/);
  });

  it('vjp as the backward, and a hook on the second output of a Function sees that output’s gradient', () => {
    class Twice extends A.Function {
      static override forward(_ctx: FunctionCtx, a: Tensor): Tensor[] {
        return [a.mul(2), a.mul(3)];
      }

      static vjp(_ctx: FunctionCtx, g1: Tensor, g2: Tensor): Tensor {
        return g1.mul(2).add(g2.mul(3));
      }
    }
    const x = leaf(lin(0, 1, 3));
    const [u, v] = Twice.apply(x);
    const seen: number[][] = [];
    v.registerHook((g) => {
      seen.push(values(g));
      return g.mul(10);
    });
    u.sum().add(v.mul(lin(1, 3, 3)).sum()).backward();
    expect(seen).toEqual([[1, 2, 3]]);
    close(values(x.grad), [32, 62, 92]);
  });

  it('after backward the graph holds nothing: saved tensors and what forward stashed on ctx are freed', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const liveBytes = async (): Promise<number> => {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      return torch.memoryStats().cpu.allocatedBytes;
    };
    class Stash extends A.Function {
      static override forward(ctx: FunctionCtx, a: Tensor): Tensor {
        const e = a.exp();
        ctx.extra = torch.ones(1000, 1000); // 4 MB that only ctx references
        ctx.saveForBackward(e);
        return e;
      }

      static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(ctx.savedTensors[0]!);
      }
    }
    const x = leaf(lin(0, 1, 1000, 100));
    const before = await liveBytes();
    const root = Stash.apply(x).sum();
    expect((await liveBytes()) - before).toBeGreaterThan(4e6);
    root.backward();
    x.grad!.dispose();
    x.grad = null;
    root.dispose();
    expect((await liveBytes()) - before).toBeLessThan(1e4);
    expect(root.gradFn!.name).toBe('SumBackward0'); // the graph is still reachable
  });

  it('the base class tells what is missing, and no graph is recorded without a reason', () => {
    class NoForward extends A.Function {}
    expect(() => NoForward.apply(lin(0, 1, 2))).toThrow('You must implement the forward function for custom autograd.Function.');
    const y = Cube.apply(lin(0, 1, 2));
    expect(y.requiresGrad).toBe(false);
    expect(torch.noGrad(() => Cube.apply(leaf(lin(0, 1, 2)))).requiresGrad).toBe(false);
  });
});

describe('tensor hooks', () => {
  it('registerHook on a leaf and a non-leaf replaces gradients in PyTorch order, with retainGrad after', () => {
    const H = PT.hooks;
    const x = leaf(torch.tensor(H.x, { dtype: torch.float64 }));
    const seen: number[][] = [];
    x.registerHook((g) => g.mul(10));
    const y = x.mul(x);
    y.registerHook((g) => {
      seen.push(values(g));
      return g.add(1);
    });
    y.retainGrad();
    y.mul(torch.tensor(H.w, { dtype: torch.float64 })).sum().backward();
    expect(seen[0]).toEqual(H.seenByYHook);
    close(values(y.grad), H.yGrad);
    close(values(x.grad), H.xGrad);
  });

  it('remove() unregisters; hooks need requiresGrad; autograd.grad captures before leaf hooks (1.13)', () => {
    const x = leaf(lin(1, 2, 2));
    const handle = x.registerHook((g) => g.mul(100));
    const [g] = A.grad(x.mul(3).sum(), x);
    close(values(g), [3, 3]);
    handle.remove();
    x.mul(3).sum().backward();
    close(values(x.grad), [3, 3]);
    expect(() => lin(0, 1, 2).registerHook((t) => t)).toThrow("cannot register a hook on a tensor that doesn't require gradient");
  });

  it('registerPostAccumulateGradHook runs after .grad is updated, on leaves only', () => {
    const x = leaf(lin(1, 2, 2));
    const seen: number[][] = [];
    x.registerPostAccumulateGradHook((t) => seen.push(values(t.grad)));
    x.mul(2).sum().backward();
    x.mul(3).sum().backward();
    expect(seen).toEqual([[2, 2], [5, 5]]);
    expect(() => x.mul(2).registerPostAccumulateGradHook(() => undefined)).toThrow('post accumulate grad hooks cannot be registered on non-leaf tensors');
  });
});

describe('anomaly detection and inference mode', () => {
  it("names the node that returned NaN with PyTorch's message, only while enabled", () => {
    const z = leaf(torch.tensor([0, 1], { dtype: torch.float64 }));
    expect(() => A.detectAnomaly(() => z.sqrt().mul(0).sum().backward())).toThrow(PT.anomaly.sqrtMessage);
    expect(A.isAnomalyEnabled()).toBe(false);
    z.sqrt().mul(0).sum().backward();
    expect(Number.isNaN(values(z.grad)[0])).toBe(true);
    A.setDetectAnomaly(true);
    try {
      expect(() => z.sqrt().mul(0).sum().backward()).toThrow(PT.anomaly.sqrtMessage);
    } finally {
      A.setDetectAnomaly(false);
    }
    A.detectAnomaly(() => z.sqrt().mul(0).sum().backward(), { checkNan: false });
    expect(A.isAnomalyCheckNanEnabled()).toBe(true);
  });

  it('inferenceMode records nothing and makes inference tensors that autograd will not save', () => {
    const w = leaf(lin(0, 1, 3));
    const y = torch.inferenceMode(() => {
      expect(torch.isInferenceModeEnabled()).toBe(true);
      expect(torch.isGradEnabled()).toBe(false);
      return w.mul(2);
    });
    expect(torch.isInferenceModeEnabled()).toBe(false);
    expect(y.requiresGrad).toBe(false);
    expect(y.isInference()).toBe(true);
    expect(w.isInference()).toBe(false);
    expect(y.reshape(3).isInference()).toBe(true);
    expect(() => w.mul(y)).toThrow('Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal tensor and use it in autograd.');
    expect(() => y.requiresGrad_()).toThrow('Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.');
    expect(w.mul(y.clone()).requiresGrad).toBe(true);
    expect(torch.inferenceMode(false, () => torch.isInferenceModeEnabled())).toBe(false);
  });
});

describe('torch.autograd.functional', () => {
  const P = PT.functional;
  const x = () => torch.tensor(P.x, { dtype: torch.float64 });
  const y = () => torch.tensor(P.y, { dtype: torch.float64 });
  const v = () => torch.tensor(P.v, { dtype: torch.float64 });
  const f = (a: Tensor, b: Tensor) => a.tanh().mul(b.exp()).sum();
  const g = (a: Tensor, b: Tensor) => a.sin().mul(b).add(a.mul(a));

  it('jacobian and hessian, for one input and for several', () => {
    close(values(A.functional.jacobian((a: Tensor) => a.exp().mul(a.sum()), x()) as Tensor), P.jacobian_h);
    const jg = A.functional.jacobian(g, [x(), y()]) as Tensor[];
    jg.forEach((j, i) => close(values(j), P.jacobian_g[i]));
    expect(jg[0].shape).toEqual([3, 3]);
    const hf = A.functional.hessian(f, [x(), y()]) as Tensor[][];
    hf.forEach((row, i) => row.forEach((h, j) => close(values(h), P.hessian_f[i][j])));
    close(values(A.functional.hessian((a: Tensor) => a.pow(3).sum(), x()) as Tensor), P.hessian_cube);
  });

  it('vjp, jvp (double-backward trick), hvp and vhp', () => {
    const [o1, r1] = A.functional.vjp(g, [x(), y()], v());
    close(values(o1 as Tensor), P.vjp_g.out);
    (r1 as Tensor[]).forEach((r, i) => close(values(r), P.vjp_g.res[i]));
    const [o2, r2] = A.functional.jvp(g, [x(), y()], [v(), v().mul(2)]);
    close(values(o2 as Tensor), P.jvp_g.out);
    close(values(r2 as Tensor), P.jvp_g.res);
    for (const name of ['hvp', 'vhp'] as const) {
      const [o, r] = A.functional[name](f, [x(), y()], [v(), v().mul(2)]);
      close(values(o), P[`${name}_f`].out);
      (r as Tensor[]).forEach((t, i) => close(values(t), P[`${name}_f`].res[i]));
    }
  });

  it('strict, createGraph and the v checks', () => {
    const [, r] = A.functional.vjp((a: Tensor, _b: Tensor) => a.mul(2), [x(), y()], v());
    close(values((r as Tensor[])[1]), [0, 0, 0]);
    expect(() => A.functional.vjp((a: Tensor, _b: Tensor) => a.mul(2), [x(), y()], v(), { strict: true })).toThrow(
      'The output of the user-provided function is independent of input 1. This is not allowed in strict mode.',
    );
    expect(() => A.functional.vjp((a: Tensor) => a.mul(2), x())).toThrow(
      'The vector v can only be None if the user-provided function returns a single Tensor with a single element.',
    );
    const a = leaf(x());
    const jac = A.functional.jacobian((t: Tensor) => t.pow(3), a, { createGraph: true, vectorize: true }) as Tensor;
    expect(jac.requiresGrad).toBe(true);
    jac.sum().backward();
    close(values(a.grad), values(x().mul(6)));
    const b = leaf(x());
    const [, hv] = A.functional.hvp((t: Tensor) => t.pow(3).sum(), b, v(), { createGraph: true });
    close(values(hv as Tensor), values(x().mul(6).mul(v())));
    (hv as Tensor).sum().backward(); // d/dx sum(6 x v) = 6 v
    close(values(b.grad), values(v().mul(6)));
    expect(() => A.functional.hessian((t: Tensor) => t.mul(2), x())).toThrow('The Tensor returned by the function given to hessian should contain a single element');
  });
});

describe('gradcheck and higher-order gradients', () => {
  it('gradcheck passes for correct backwards and reports a wrong one', () => {
    const t = leaf(lin(-1, 1, 4));
    expect(A.gradcheck((a: Tensor) => a.tanh(), [t])).toBe(true);
    class Wrong extends A.Function {
      static override forward(_ctx: FunctionCtx, a: Tensor): Tensor {
        return a.pow(2);
      }

      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(3);
      }
    }
    expect(A.gradcheck((a: Tensor) => Wrong.apply(a), [t], { raiseException: false })).toBe(false);
    expect(() => A.gradcheck((a: Tensor) => Wrong.apply(a), [t])).toThrow(/^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor/);
    expect(() => A.gradcheck((a: Tensor) => a.exp(), [lin(0, 1, 2)])).toThrow('gradcheck expects at least one input tensor to require gradient');
  });

  it('gradgradcheck through the common ops', () => {
    torch.manualSeed(0);
    const o = { dtype: torch.float64, requiresGrad: true };
    const a = torch.randn([3, 4], o);
    const b = torch.randn([3, 4], o);
    const p = torch.rand([3, 4], o);
    const w = torch.randn([5, 4], o);
    const bias = torch.randn([5], o);
    const cases: [string, (...x: Tensor[]) => Tensor, Tensor[]][] = [
      ['add', (x1, y1) => x1.add(y1), [a, b]],
      ['mul', (x1, y1) => x1.mul(y1), [a, b]],
      ['div', (x1, y1) => x1.div(y1.add(3)), [a, b]],
      ['pow', (x1, y1) => x1.add(2).pow(y1), [p, b]],
      ['exp', (x1) => x1.exp(), [a]],
      ['log', (x1) => x1.add(1).log(), [p]],
      ['tanh', (x1) => x1.tanh(), [a]],
      ['sigmoid', (x1) => x1.sigmoid(), [a]],
      ['relu', (x1) => x1.relu().mul(x1), [a]],
      ['matmul', (x1, y1) => x1.matmul(y1.t()), [a, b]],
      ['linear', (x1, w1, b1) => F.linear(x1, w1, b1), [a, w, bias]],
      ['sum', (x1) => x1.mul(x1).sum(), [a]],
      ['mean', (x1) => x1.mul(x1).mean(1), [a]],
      ['softmax', (x1) => torch.softmax(x1, 1), [a]],
      ['logSoftmax', (x1) => torch.logSoftmax(x1, 0), [a]],
      ['mse', (x1, y1) => F.mseLoss(x1, y1), [a, b]],
    ];
    for (const [name, fn, inputs] of cases) expect([name, A.gradgradcheck(fn as never, inputs)]).toEqual([name, true]);
  });

  it('softmax and logSoftmax second derivatives as PyTorch', () => {
    const S = PT.mlpHvp.softmax;
    const s = leaf(torch.tensor(S.x, { dtype: torch.float64 }).reshape(2, 3));
    const c = torch.tensor(S.c, { dtype: torch.float64 }).reshape(2, 3);
    const [gs] = A.grad(torch.softmax(s, 1).mul(c).sum().add(torch.logSoftmax(s, 1).mul(c).mul(c).sum()), s, null, { createGraph: true });
    close(values(gs), S.grad);
    gs!.mul(gs!).sum().backward();
    close(values(s.grad), S.gradgrad);
  });

  const params = (): Tensor[] => [leaf(lin(-0.5, 0.5, 6, 4)), leaf(lin(-0.1, 0.1, 6)), leaf(lin(0.3, -0.4, 1, 6)), leaf(torch.tensor([0.05], { dtype: torch.float64 }))];
  const critic = ([w1, b1, w2, b2]: Tensor[], input: Tensor): Tensor => F.linear(F.linear(input, w1, b1).tanh(), w2, b2);

  it('WGAN-GP gradient penalty: parameter gradients as PyTorch', () => {
    const G = PT.gradientPenalty;
    const ps = params();
    const real = torch.tensor(G.real, { dtype: torch.float64 }).reshape(3, 4);
    const fake = torch.tensor(G.fake, { dtype: torch.float64 }).reshape(3, 4);
    const alpha = torch.tensor(G.alpha, { dtype: torch.float64 }).reshape(3, 1);
    const interp = leaf(alpha.mul(real).add(alpha.rsub(1).mul(fake)));
    const d = critic(ps, interp);
    const [g] = A.grad(d, interp, torch.onesLike(d), { createGraph: true });
    const gp = g!.norm(2, 1).sub(1).pow(2).mean();
    close([gp.item() as number], [G.gp]);
    gp.backward();
    ps.forEach((p, i) => (G.paramGrads[i] === null ? expect(p.grad).toBeNull() : close(values(p.grad), G.paramGrads[i])));
  });

  it('Hessian-vector product of an MLP loss w.r.t. its parameters as PyTorch', () => {
    const M = PT.mlpHvp;
    const ps = params();
    const input = torch.tensor(M.x, { dtype: torch.float64 }).reshape(5, 4);
    const target = torch.tensor(M.target, { dtype: torch.float64 }).reshape(5, 1);
    const loss = F.mseLoss(critic(ps, input), target);
    close([loss.item() as number], [M.loss]);
    const grads = A.grad(loss, ps, null, { createGraph: true });
    const vs = ps.map((p) => lin(0.2, -0.2, ...p.shape));
    const dot = grads.map((g, i) => g!.mul(vs[i]).sum()).reduce((s, t) => s.add(t));
    A.grad(dot, ps).forEach((h, i) => close(values(h), M.hvp[i]));
  });

  it('crossEntropy second derivatives as PyTorch (weights, ignoreIndex, label smoothing, reductions, N-d)', () => {
    const cases = PT.crossEntropy;
    const camel: Record<string, string> = { ignore_index: 'ignoreIndex', label_smoothing: 'labelSmoothing', weight: 'weight', reduction: 'reduction' };
    for (const name of ['mean', 'weight_ignore_sum', 'smoothing_weight_mean', 'none_3d', 'one_d']) {
      const c = cases[name];
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.options)) options[camel[k]] = k === 'weight' ? torch.tensor(v as number[], { dtype: torch.float64 }) : v;
      const x = leaf(lin(-1, 1.3, ...c.shape));
      let loss = F.crossEntropy(x, torch.tensor(c.target), options);
      if (loss.dim() > 0) loss = loss.mul(lin(0.5, 1.5, ...loss.shape)).sum();
      const [g] = A.grad(loss, x, null, { createGraph: true });
      close(values(g), c.grad);
      g!.mul(g!).mul(lin(1, 2, ...c.shape)).sum().backward();
      close(values(x.grad), c.gradgrad);
    }
    const x = leaf(lin(-1, 1.3, 4, 3));
    const [g] = A.grad(F.nllLoss(F.logSoftmax(x, 1), torch.tensor([0, 2, 1, 2])), x, null, { createGraph: true });
    close(values(g), cases.nll_of_log_softmax.grad);
    g!.mul(g!).sum().backward();
    close(values(x.grad), cases.nll_of_log_softmax.gradgrad);
    const t = torch.tensor([1, 0, 2]);
    expect(A.gradgradcheck((a: Tensor) => F.crossEntropy(a, t, { labelSmoothing: 0.1 }), [leaf(lin(-1, 1, 3, 3))])).toBe(true);
    expect(A.gradgradcheck((a: Tensor) => F.crossEntropy(a, t, { reduction: 'none' }), [leaf(lin(-1, 1, 3, 3))])).toBe(true);
  });
});

describe('torch.utils.checkpoint.checkpoint', () => {
  it('recomputes the forward in backward and gives the gradients PyTorch gives', () => {
    const K = PT.checkpoint;
    const w = leaf(torch.tensor(K.w, { dtype: torch.float64 }).reshape(3, 3));
    const x = leaf(torch.tensor(K.x, { dtype: torch.float64 }).reshape(2, 3));
    let calls = 0;
    const block = (t: Tensor): Tensor => {
      calls++;
      return F.linear(t.sin(), w).tanh().mul(t);
    };
    const y = torch.utils.checkpoint.checkpoint(block, x, { useReentrant: true }) as Tensor;
    expect(calls).toBe(1);
    expect(y.gradFn!.name).toBe(K.gradFn);
    close(values(y), K.y);
    y.mul(y).sum().backward();
    expect(calls).toBe(2);
    close(values(x.grad), K.xGrad);
    close(values(w.grad), K.wGrad);
    expect(() => torch.utils.checkpoint.checkpoint(block, x, { use_reentrant: true })).toThrow('Unexpected keyword arguments: use_reentrant');
  });

  it("refuses autograd.grad and backward's inputs with PyTorch's message", () => {
    const x = leaf(lin(-1, 1, 2, 2));
    const msg = 'Checkpointing is not compatible with .grad() or when an `inputs` parameter is passed to .backward(). Please use .backward() and do not pass its `inputs` argument.';
    const y = () => (torch.utils.checkpoint.checkpoint((t: Tensor) => t.sin(), x) as Tensor).sum();
    expect(() => A.grad(y(), x)).toThrow(msg);
    expect(() => y().backward({ inputs: [x] })).toThrow(msg);
  });

  it('replays the forward\'s random draws in the recomputation (preserveRngState), and leaves the stream where the forward left it', () => {
    const x = leaf(lin(-1, 1, 4, 3));
    const noisy = (t: Tensor): Tensor => F.dropout(t.sin(), 0.5, true);
    // Reference: the same forward without checkpointing.
    torch.manualSeed(1);
    const plain = noisy(x);
    plain.sum().backward();
    const expected = values(x.grad!);
    const afterPlain = torch.rand(3).tolist();
    x.grad = null;
    torch.manualSeed(1);
    const y = torch.utils.checkpoint.checkpoint(noisy, x) as Tensor;
    expect(values(y)).toEqual(values(plain));
    const afterForward = torch.rand(3).tolist();
    y.sum().backward();
    expect(values(x.grad!)).toEqual(expected);
    expect(afterForward).toEqual(afterPlain);
    // Without preservation the recomputation draws a new mask, as PyTorch's preserve_rng_state=False.
    x.grad = null;
    torch.manualSeed(1);
    const z = torch.utils.checkpoint.checkpoint(noisy, x, { preserveRngState: false }) as Tensor;
    z.sum().backward();
    expect(values(x.grad!)).not.toEqual(expected);
  });
});
