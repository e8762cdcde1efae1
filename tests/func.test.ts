/**
 * torch.func against functorch 1.13 (scripts/make_func_fixtures.py): grad (argnums, hasAux),
 * gradAndValue, vjp (called twice), jvp, jacrev/jacfwd (several arguments, several outputs),
 * hessian, nested transforms, the gradient of a model's loss with respect to its parameter
 * dict through functionalCall, and stackModuleState.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';

type S = FixtureTensor;
const FIX = JSON.parse(readFileSync(new URL('./fixtures/func.json', import.meta.url), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const { func } = torch;
const x = fromFixture(FIX.x as S);
const y = fromFixture(FIX.y as S);
const A = fromFixture(FIX.A as S);
const TOL = { rtol: 1e-10, atol: 1e-12 };
const close = (t: unknown, s: S, label?: string) => expectClose(t as Tensor, s, { ...TOL, label });

const fScalar = (a: Tensor) => a.sin().mul(a.pow(2)).sum();
const fVec = (a: Tensor) => A.matmul(a.tanh());
const fTwo = (a: Tensor, b: Tensor) => a.mul(b.exp()).sum().add(a.pow(2).sum());

describe('torch.func against functorch 1.13', () => {
  it('grad, with argnums and hasAux; gradAndValue', () => {
    close(func.grad(fScalar)(x), FIX.grad);
    const [g0, g1] = func.grad(fTwo, [0, 1])(x, y) as Tensor[];
    close(g0, FIX.grad_argnums[0]);
    close(g1, FIX.grad_argnums[1]);
    close(func.grad(fTwo, 1)(x, y), FIX.grad_argnum1);
    close(func.grad(fTwo, { argnums: 1 })(x, y), FIX.grad_argnum1);
    const [ga, aux] = func.grad((a: Tensor) => [fScalar(a), a.mean()], { hasAux: true })(x) as Tensor[];
    close(ga, FIX.grad_aux[0]);
    close(aux, FIX.grad_aux[1]);
    const [gv, v] = func.gradAndValue(fScalar)(x) as Tensor[];
    close(gv, FIX.grad_and_value[0]);
    close(v, FIX.grad_and_value[1]);
    // The results carry no graph at the top level.
    expect((gv as Tensor).requiresGrad).toBe(false);
  });

  it('grad of grad', () => {
    close(func.grad((a: Tensor) => (func.grad(fScalar)(a) as Tensor).sum())(x), FIX.grad_grad);
  });

  it('vjp, its function called twice, and two primals', () => {
    const [o, vjpFn] = func.vjp(fVec, x) as [Tensor, (c: Tensor) => Tensor[]];
    close(o, FIX.vjp[0]);
    close(vjpFn(torch.tensor([0.5, -2.0], { dtype: torch.float64 }))[0], FIX.vjp[1]);
    close(vjpFn(torch.ones([2], { dtype: torch.float64 }))[0], FIX.vjp[2]);
    const [o2, vjp2] = func.vjp(fTwo, x, y) as [Tensor, (c: Tensor) => Tensor[]];
    close(o2, FIX.vjp_two[0]);
    const grads = vjp2(torch.tensor(1.5, { dtype: torch.float64 }));
    close(grads[0], FIX.vjp_two[1][0]);
    close(grads[1], FIX.vjp_two[1][1]);
  });

  it('jvp, with one and two primals', () => {
    const t = torch.tensor([1.0, -0.5, 2.0], { dtype: torch.float64 });
    const [o, jv] = func.jvp(fVec, [x], [t]) as Tensor[];
    close(o, FIX.jvp[0]);
    close(jv, FIX.jvp[1]);
    const [o4, jv4] = func.jvp(fTwo, [x, y], [t, torch.ones([3], { dtype: torch.float64 })]) as Tensor[];
    close(o4, FIX.jvp_two[0]);
    close(jv4, FIX.jvp_two[1]);
  });

  it('jacrev and jacfwd: several arguments, several outputs', () => {
    close(func.jacrev(fVec)(x), FIX.jacrev);
    close(func.jacfwd(fVec)(x), FIX.jacfwd);
    const [j0, j1] = func.jacrev(fTwo, [0, 1])(x, y) as Tensor[];
    close(j0, FIX.jacrev_argnums[0]);
    close(j1, FIX.jacrev_argnums[1]);
    const [e, m] = func.jacrev((a: Tensor) => [a.exp(), A.mul(a.sum())])(x) as Tensor[];
    close(e, FIX.jacrev_tuple_out[0]);
    close(m, FIX.jacrev_tuple_out[1]);
    expect(m!.shape).toEqual([2, 3, 3]);
  });

  it('hessian, and jacrev of jacrev', () => {
    close(func.hessian(fScalar)(x), FIX.hessian);
    close(func.jacrev(func.jacrev(fScalar))(x), FIX.jacrev_jacrev);
    close(func.hessian(fVec)(x), FIX.hessian_vec);
  });

  it("a model's loss gradient with respect to its parameter dict (functionalCall)", () => {
    const net = new torch.nn.Sequential(new torch.nn.Linear(3, 4), new torch.nn.Tanh(), new torch.nn.Linear(4, 2)).double();
    const params: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(FIX.net.params as Record<string, S>)) params[k] = fromFixture(v);
    const input = fromFixture(FIX.net.input);
    const target = fromFixture(FIX.net.target);
    const loss = (p: Record<string, Tensor>, xb: Tensor, yb: Tensor) => torch.nn.functional.mseLoss(func.functionalCall(net, p, [xb]) as Tensor, yb);
    close(loss(params, input, target), FIX.net.loss);
    const grads = func.grad(loss)(params, input, target) as Record<string, Tensor>;
    expect(Object.keys(grads)).toEqual(Object.keys(FIX.net.grads));
    for (const [k, g] of Object.entries(FIX.net.grads as Record<string, S>)) close(grads[k], g, k);
    // An array of dicts is merged; a name in two of them is refused.
    const [w, b] = [params['0.weight']!, params['0.bias']!];
    expect(() => func.functionalCall(net, [{ '0.weight': w }, { '0.weight': w, '0.bias': b }], [input])).toThrow('appeared in multiple dictionaries');
  });

  it('stackModuleState stacks parameters as new leaves and buffers', () => {
    const models = (FIX.stack.models as Record<string, S>[]).map((p) => {
      const m = new torch.nn.Linear(3, 2).double();
      torch.noGrad(() => {
        m.weight.copy_(fromFixture(p.weight!));
        m.bias!.copy_(fromFixture(p.bias!));
      });
      return m;
    });
    const [params, buffers] = func.stackModuleState(models);
    expect(Object.keys(params)).toEqual(['weight', 'bias']);
    expect(buffers).toEqual({});
    expect(params.weight!.shape).toEqual([3, 2, 3]);
    expect(params.weight!.requiresGrad).toBe(true);
    expect(params.weight!.isLeaf).toBe(true);
    (FIX.stack.models as Record<string, S>[]).forEach((p, i) => close(params.weight!.select(0, i), p.weight!));
    expect(() => func.stackModuleState([new torch.nn.Linear(3, 2), new torch.nn.ReLU()] as torch.nn.Module[])).toThrow('same class');
  });

  it('checks its arguments as functorch does', () => {
    expect(() => func.grad(fVec)(x)).toThrow('Expected f(*args) to return a scalar Tensor, got tensor with 1 dims');
    expect(() => func.grad(fTwo, 2)(x, y)).toThrow('Got argnums=2, but only 2 positional inputs');
    expect(() => func.grad(fScalar, [])).toThrow('argnums must be non-empty');
    expect(() => func.grad((a: Tensor) => fScalar(a), { hasAux: true })(x)).toThrow('should be a tuple: (output, aux)');
    expect(() => func.grad(fScalar)(torch.tensor([1, 2]))).toThrow('only Tensors of floating point or complex dtype');
  });
});

describe('torch.func.vmap against functorch 1.13', () => {
  const V = FIX.vmap;
  const B = fromFixture(FIX.B as S);
  const C = fromFixture(FIX.C as S);

  it('maps over in_dims and stacks along out_dims', () => {
    close(func.vmap((a: Tensor) => a.sin().sum())(B), V.basic);
    close(func.vmap((a: Tensor, b: Tensor) => a.mul(b.exp()), [0, null])(B, x), V.in_dims);
    close(func.vmap((a: Tensor) => torch.outer(a, a).sum(0), 1, 1)(C), V.in_dim1_out1);
    const [s, d] = func.vmap((a: Tensor) => [a.sum(), a.mul(2)])(B) as Tensor[];
    close(s, V.tuple_out[0]);
    close(d, V.tuple_out[1]);
  });

  it('nests', () => {
    const b3 = B.reshape(2, 2, 3);
    close(func.vmap(func.vmap((p: Tensor, q: Tensor) => torch.dot(p, q)))(b3, b3.flip(0)), V.nested);
  });

  it('gives per-sample gradients: vmap(grad(loss), [null, 0, 0])', () => {
    const net = new torch.nn.Sequential(new torch.nn.Linear(3, 4), new torch.nn.Tanh(), new torch.nn.Linear(4, 2)).double();
    const params: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(FIX.net.params as Record<string, S>)) params[k] = fromFixture(v);
    const loss = (p: Record<string, Tensor>, xb: Tensor, yb: Tensor) =>
      torch.nn.functional.mseLoss(func.functionalCall(net, p, [xb.unsqueeze(0)]) as Tensor, yb.unsqueeze(0));
    const per = func.vmap(func.grad(loss), [null, 0, 0])(params, fromFixture(V.per_sample.input), fromFixture(V.per_sample.target)) as Record<string, Tensor>;
    for (const [k, g] of Object.entries(V.per_sample.grads as Record<string, S>)) close(per[k], g, k);
    expect(per['0.weight']!.shape).toEqual([6, 4, 3]);
  });

  it('randomness: error by default, same, different', () => {
    const noise = (a: Tensor) => a.add(torch.rand([]));
    expect(() => func.vmap(noise)(B)).toThrow('called random operation while in randomness error mode');
    torch.manualSeed(1);
    const same = func.vmap(noise, 0, 0, { randomness: 'same' })(torch.zeros(4)) as Tensor;
    const values = same.tolist() as number[];
    expect(new Set(values).size).toBe(1);
    const different = func.vmap(noise, 0, 0, { randomness: 'different' })(torch.zeros(4)) as Tensor;
    expect(new Set(different.tolist() as number[]).size).toBe(4);
  });

  it('checks the mapped sizes and dims', () => {
    expect(() => func.vmap((a: Tensor, b: Tensor) => a.add(b))(torch.ones(2), torch.ones(3))).toThrow('Expected all tensors to have the same size in the mapped dimension');
    expect(() => func.vmap((a: Tensor) => a, null)(torch.ones(2))).toThrow('at least one input must have a mapped');
    expect(() => func.vmap((a: Tensor) => a, 1)(torch.ones(2))).toThrow('Got in_dim=1 for an input but the input is of type Tensor with 1 dims');
  });
});

describe('torch.func edges', () => {
  it('a gradient stays differentiable in the weights the function closes over', () => {
    const w = torch.tensor([0.5, -1.5, 2], { dtype: torch.float64 }).requiresGrad_();
    const g = func.grad((a: Tensor) => a.mul(w).sin().sum())(x) as Tensor;
    expect(g.requiresGrad).toBe(true);
    const [gw] = torch.autograd.grad(g.sum(), w);
    // d/dw Σ w cos(x w) = cos(x w) - x w sin(x w)
    const xw = x.mul(w.detach());
    expectClose(gw!, xw.cos().sub(xw.mul(xw.sin())), { rtol: 1e-12, atol: 1e-14 });
  });

  it('aux comes back detached; argnums must be unique; an empty output has an empty Jacobian', () => {
    const [, aux] = func.grad((a: Tensor) => [fScalar(a), a.mul(2)], { hasAux: true })(x) as Tensor[];
    expect(aux!.requiresGrad).toBe(false);
    expect(() => func.grad(fTwo, [0, 0])(x, x)).toThrow('argnums elements must be unique');
    expect((func.jacrev((a: Tensor) => a.narrow(0, 0, 0))(x) as Tensor).shape).toEqual([0, 3]);
    expect(() => func.hessian(fScalar, { hasAux: true } as never)).toThrow("unexpected keyword argument 'hasAux'");
  });

  it('vmap: an empty batch, out_dims trees and unbatched outputs, non-tensor arguments', () => {
    const out = func.vmap((t: Tensor) => t.sin().sum())(torch.zeros([0, 3])) as Tensor;
    expect(out.shape).toEqual([0]);
    const [a, [b, c]] = func.vmap((t: Tensor) => [t, [t.mul(2), t.sum()]], 0, [0, [1, 0]])(B3()) as [Tensor, [Tensor, Tensor]];
    expect([a.shape, b.shape, c.shape]).toEqual([[4, 3], [3, 4], [4]]);
    expect(() => func.vmap((t: Tensor, n: number) => t.mul(n), [0, 0])(B3(), 3)).toThrow('We cannot vmap over non-Tensor arguments');
    expectClose(func.vmap((t: Tensor, n: number) => t.mul(n), [0, null])(B3(), 3) as Tensor, B3().mul(3), { rtol: 0, atol: 0 });
  });

  it("vmap's error randomness leaves the generator where it was", () => {
    torch.manualSeed(7);
    const before = torch.getRngState();
    expect(() => func.vmap((t: Tensor) => t.add(torch.rand([])))(B3())).toThrow('randomness error mode');
    expectClose(torch.getRngState(), before, { rtol: 0, atol: 0 });
  });
});

function B3(): Tensor {
  return fromFixture(FIX.B as S);
}

describe('torch.func through indexing', () => {
  it('jvp and hessian differentiate select and narrow again', () => {
    const h = func.hessian((t: Tensor) => t.select(0, 0).pow(3).add(t.narrow(0, 1, 2).pow(2).sum()))(x) as Tensor;
    const x0 = (x.tolist() as number[])[0]!;
    expectClose(h, torch.tensor([[6 * x0, 0, 0], [0, 2, 0], [0, 0, 2]], { dtype: torch.float64 }), { rtol: 1e-12, atol: 1e-14 });
    const [, d] = func.jvp((t: Tensor) => t.narrow(0, 1, 2).sin(), [x], [torch.onesLike(x)]) as Tensor[];
    expectClose(d!, x.narrow(0, 1, 2).cos(), { rtol: 1e-12, atol: 1e-14 });
    // jacrev of a vmapped function: vmap's select, differentiated once more.
    const J = func.jacrev(func.vmap((t: Tensor) => t.pow(2).sum()) as (t: Tensor) => Tensor)(x.reshape(3, 1)) as Tensor;
    expectClose(J.reshape(3, 3), torch.diag(x.mul(2)), { rtol: 1e-12, atol: 1e-14 });
  });
});
