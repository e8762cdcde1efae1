/**
 * The elementary functions of complex tensors against PyTorch 1.13
 * (scripts/make_complex_functions_fixtures.py): values, grad_fn names and gradients in
 * complex128 and complex64, pow with scalar, tensor and real-scalar-base forms; log1p,
 * expm1 and exp2 (complex only in PyTorch 2) against NumPy's complex128 functions. Then
 * float64 gradients by finite differences, and a second derivative (createGraph).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';

type S = FixtureTensor;
const FIX: {
  cases: { fn: string; args: number[]; input: S; out: S; grad: S; gradFn: string; gradOut: S }[];
  tensorPow: { kind: string; base: S | number; exponent: S; out: S; gradBase?: S; gradExponent: S; gradOut: S; gradFn: string }[];
  numpy: { fn: string; input: S; out: S; grad?: S; gradOut?: S }[];
  start: S;
  target: S;
  optimizers: { name: string; options: Record<string, unknown>; out: S }[];
  matrix: S;
  reductions: { label: string; out: S; grad: S; gradOut: S; gradFn: string }[];
  edges: { fn: string; input: S; out: S }[];
  negativeBase: { base: number; exponent: S; out: S };
  lbfgs: S;
  nearUnit: { fn: string; input: S; out: S }[];
  zeroPow: { scalar: { exponent: number; out: S }[]; exponent: S; out: S };
} = JSON.parse(readFileSync(new URL('./fixtures/complex-functions.json', import.meta.url), 'utf8'));

type Method = (...args: unknown[]) => Tensor;
const call = (x: Tensor, fn: string, args: unknown[] = []): Tensor => (x as unknown as Record<string, Method>)[fn]!.call(x, ...args);
const tolOf = (dtype: string) => (dtype === 'complex64' ? { rtol: 2e-5, atol: 2e-6 } : { rtol: 1e-10, atol: 1e-12 });

describe('complex elementary functions against PyTorch 1.13', () => {
  for (const c of FIX.cases) {
    it(`${c.fn}(${c.args.join(', ')}) in ${c.input.dtype}`, () => {
      const x = fromFixture(c.input, { requiresGrad: true });
      const out = call(x, c.fn, c.args);
      const tol = tolOf(c.input.dtype);
      expectClose(out, c.out, tol);
      expect(out.gradFn?.name).toBe(c.gradFn);
      out.backward(fromFixture(c.gradOut));
      expectClose(x.grad!, c.grad, { ...tol, label: 'grad' });
    });
  }

  for (const c of FIX.tensorPow) {
    it(`pow, ${c.kind}`, () => {
      const exponent = fromFixture(c.exponent, { requiresGrad: true });
      const base = typeof c.base === 'number' ? c.base : fromFixture(c.base, { requiresGrad: true });
      const out = typeof base === 'number' ? torch.pow(base, exponent) : base.pow(exponent);
      expectClose(out, c.out, tolOf('complex128'));
      expect(out.gradFn?.name).toBe(c.gradFn);
      out.backward(fromFixture(c.gradOut));
      expectClose(exponent.grad!, c.gradExponent, { ...tolOf('complex128'), label: 'exponent grad' });
      if (typeof base !== 'number') expectClose(base.grad!, c.gradBase!, { ...tolOf('complex128'), label: 'base grad' });
    });
  }

  for (const c of FIX.numpy) {
    it(`${c.fn} against NumPy${c.grad === undefined ? ' (near 0, its Taylor series)' : ''}`, () => {
      const x = fromFixture(c.input, { requiresGrad: true });
      const out = call(x, c.fn);
      expectClose(out, c.out, { rtol: 1e-12, atol: 0 });
      if (c.grad === undefined) return;
      out.backward(fromFixture(c.gradOut!));
      expectClose(x.grad!, c.grad, { rtol: 1e-12, atol: 1e-14, label: 'grad' });
    });
  }

  it('torch-level functions and squares take complex tensors too', () => {
    const z = torch.complex(torch.tensor([0.5, -1]), torch.tensor([1.0, 2.5]));
    expectClose(torch.sin(z), z.sin(), { rtol: 0, atol: 0 });
    expectClose(torch.square(z), z.mul(z), { rtol: 1e-6, atol: 1e-6 });
    expectClose(torch.sigmoid(z), torch.reciprocal(torch.exp(z.neg()).add(1)), { rtol: 1e-6, atol: 1e-6 });
    expect(z.sqrt().dtype).toBe(torch.complex64);
  });
});

describe('complex elementary functions: gradients by finite differences (float64)', () => {
  const FUNCS = ['sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'sqrt', 'rsqrt',
    'sigmoid', 'log2', 'log10', 'log1p', 'expm1', 'exp2'];
  for (const fn of [...FUNCS, 'pow 1.7', 'pow z']) {
    it(fn, () => {
      torch.manualSeed(5);
      const z = torch.complex(torch.randn([6], { dtype: torch.float64 }), torch.randn([6], { dtype: torch.float64 })).add(0.3).requiresGrad_();
      const f = (t: Tensor): Tensor => (fn === 'pow 1.7' ? t.pow(1.7) : fn === 'pow z' ? t.pow(t.mul(0.5)) : call(t, fn));
      const out = f(z);
      const wr = torch.randn([6], { dtype: torch.float64 });
      const wi = torch.randn([6], { dtype: torch.float64 });
      const lossOf = (o: Tensor) => torch.real(o).mul(wr).add(torch.imag(o).mul(wi)).sum();
      lossOf(out).backward();
      const grad = torch.viewAsReal(z.grad!).reshape(-1).tolist() as number[];
      const pairs = torch.viewAsReal(z.detach()).reshape(-1);
      const eps = 1e-6;
      for (let i = 0; i < pairs.shape[0]; i++) {
        const bump = (d: number) => {
          const p = pairs.clone();
          p.select(0, i).add_(d);
          return torch.noGrad(() => lossOf(f(torch.viewAsComplex(p.reshape(6, 2))))).item();
        };
        const numeric = (bump(eps) - bump(-eps)) / (2 * eps);
        expect(Math.abs(numeric - grad[i]!), `${fn} part ${i}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      }
    });
  }

  it('differentiates a gradient again (createGraph)', () => {
    // L = Re(sin(z))·1: dL/dz = conj(cos z); d/dz of Re(conj(cos z)) is -conj(sin z).
    const z = torch.complex(torch.tensor([0.4, -0.8], { dtype: torch.float64 }), torch.tensor([0.2, 0.5], { dtype: torch.float64 })).requiresGrad_();
    const [g] = torch.autograd.grad(torch.real(z.sin()).sum(), z, { createGraph: true });
    expectClose(g!, z.detach().cos().conj(), { rtol: 1e-12, atol: 1e-14 });
    const [gg] = torch.autograd.grad(torch.real(g!).sum(), z);
    expectClose(gg!, z.detach().sin().neg().conj(), { rtol: 1e-12, atol: 1e-14 });
  });
});

describe('optimizers step a complex parameter as its parts (PyTorch 2)', () => {
  for (const c of FIX.optimizers) {
    it(`${c.name} ${JSON.stringify(c.options)}`, () => {
      const p = new torch.nn.Parameter(fromFixture(FIX.start));
      const target = fromFixture(FIX.target);
      const Optim = (torch.optim as unknown as Record<string, new (params: Tensor[], options: Record<string, unknown>) => torch.optim.Optimizer>)[c.name]!;
      const opt = new Optim([p], c.options);
      for (let i = 0; i < 4; i++) {
        opt.zeroGrad();
        p.sub(target).abs().pow(3).sum().backward();
        opt.step();
      }
      expectClose(p.detach(), c.out, { rtol: 1e-10, atol: 1e-12 });
      // The state stays complex, as PyTorch's (a checkpoint of it loads there).
      const state = opt.stateDict().state.get(0)!;
      const tensors = Object.values(state).filter((v): v is Tensor => v instanceof torch.Tensor && v.dim() > 0);
      expect(tensors.length).toBeGreaterThan(0);
      for (const t of tensors) expect(t.dtype).toBe(torch.complex128);
    });
  }

  it('LBFGS steps a complex parameter as its parts', () => {
    const p = new torch.nn.Parameter(fromFixture(FIX.start));
    const target = fromFixture(FIX.target);
    const opt = new torch.optim.LBFGS([p], { lr: 0.5, maxIter: 5 });
    const closure = () => {
      opt.zeroGrad();
      const loss = p.sub(target).abs().pow(3).sum();
      loss.backward();
      return loss;
    };
    for (let i = 0; i < 2; i++) opt.step(closure);
    expectClose(p.detach(), FIX.lbfgs, { rtol: 1e-9, atol: 1e-11 });
  });

  it('steps a strided complex parameter as a contiguous one', () => {
    const start = fromFixture(FIX.start).t();
    const target = fromFixture(FIX.target).t();
    const strided = new torch.nn.Parameter(start.clone().t().contiguous().t());
    const dense = new torch.nn.Parameter(start.contiguous());
    expect(strided.isContiguous()).toBe(false);
    for (const p of [strided, dense]) {
      const opt = new torch.optim.Adagrad([p], { lr: 0.1, initialAccumulatorValue: 0.5 });
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        p.sub(target).abs().pow(3).sum().backward();
        opt.step();
      }
    }
    expectClose(strided.detach(), dense.detach(), { rtol: 0, atol: 0 });
  });
});

describe('norms, variances and running sums of complex tensors against PyTorch 1.13', () => {
  const CALLS: Record<string, (x: Tensor) => Tensor> = {
    norm: (x) => x.norm(),
    'norm p1 dim1': (x) => x.norm(1, 1),
    'norm inf': (x) => x.norm(Infinity),
    'vector_norm 3 dim0 keepdim': (x) => torch.linalg.vectorNorm(x, 3, 0, true),
    'linalg.norm': (x) => torch.linalg.norm(x),
    'matrix_norm fro': (x) => torch.linalg.matrixNorm(x),
    'matrix_norm 1': (x) => torch.linalg.matrixNorm(x, 1),
    'matrix_norm -inf': (x) => torch.linalg.matrixNorm(x, -Infinity),
    var: (x) => x.var(),
    'var dim1 unbiased=False': (x) => x.var(1, { unbiased: false }),
    'std dim0 keepdim': (x) => x.std(0, { keepdim: true }),
    'cumsum dim1': (x) => x.cumsum(1),
    'cumsum dim0': (x) => x.cumsum(0),
    prod: (x) => x.prod(),
    'prod dim1 keepdim': (x) => x.prod(1, true),
    'prod dim0': (x) => x.prod(0),
  };
  for (const c of FIX.reductions) {
    it(c.label, () => {
      const x = fromFixture(FIX.matrix, { requiresGrad: true });
      const out = CALLS[c.label]!(x);
      expectClose(out, c.out, { rtol: 1e-10, atol: 1e-12 });
      expect(out.gradFn?.name).toBe(c.gradFn);
      out.backward(fromFixture(c.gradOut));
      expectClose(x.grad!, c.grad, { rtol: 1e-9, atol: 1e-12, label: 'grad' });
    });
  }

  it('prod with a zero, and the empty product', () => {
    const z = torch.complex(torch.tensor([[2.0, 0], [1.5, -1]]), torch.tensor([[1.0, 0], [0.5, 2]])).requiresGrad_();
    const p = z.prod(1);
    torch.real(p).sum().backward();
    // The zero's gradient is the product of the others (conjugated); the others get 0.
    expectClose(z.grad!, torch.complex(torch.tensor([[0, 2.0], [-1, 1.5]]), torch.tensor([[0, -1.0], [-2, -0.5]])), { rtol: 1e-6, atol: 1e-6 });
    expectClose(torch.zeros([0, 2], { dtype: torch.complex64 }).prod(0), torch.ones([2], { dtype: torch.complex64 }), { rtol: 0, atol: 0 });
  });

  it('refuses the matrix norms that need a complex SVD', () => {
    expect(() => torch.linalg.matrixNorm(torch.ones([2, 2], { dtype: torch.complex64 }), 'nuc')).toThrow('no complex SVD');
  });
});

describe('complex functions at the edges, against NumPy (C99)', () => {
  for (const c of FIX.edges) {
    it(`${c.fn}: overflow, huge and tiny arguments`, () => {
      // acos(x) of a real x > 1 has real part π/2 - asin's, which cancels to ~1e-9 in NumPy's too.
      expectClose(call(fromFixture(c.input), c.fn), c.out, { rtol: 1e-12, atol: c.fn === 'acos' ? 1e-9 : 1e-300 });
    });
  }

  it('pow of a negative real base takes the principal branch', () => {
    const e = fromFixture(FIX.negativeBase.exponent);
    expectClose(torch.pow(FIX.negativeBase.base, e), FIX.negativeBase.out, { rtol: 1e-12, atol: 1e-15 });
    expectClose(torch.full([3], FIX.negativeBase.base, { dtype: torch.float64 }).pow(e), FIX.negativeBase.out, { rtol: 1e-12, atol: 1e-15 });
    // The exponent's gradient uses the base's complex log: finite, as PyTorch 2's.
    const w = e.clone().requiresGrad_();
    torch.real(torch.pow(-2, w)).sum().backward();
    for (const v of torch.viewAsReal(w.grad!).reshape(-1).tolist() as number[]) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('complex64 keeps float precision near |z| = 1, and pow of a zero base', () => {
  for (const c of FIX.nearUnit) {
    it(`${c.fn} of complex64 points on and near the unit circle`, () => {
      // log|z| there is ~1e-8: float arithmetic would round it to 0 (a relative error of 1).
      const got = call(fromFixture(c.input), c.fn);
      expect(got.dtype).toBe(torch.complex64);
      expectClose(got.to(torch.complex128), c.out, { rtol: 2e-7, atol: 0 });
    });
  }

  it('0 to a negative power is inf + nan·i (C99), except the exponents PyTorch takes through a reciprocal', () => {
    const zero = torch.zeros([2], { dtype: torch.complex64 });
    for (const c of FIX.zeroPow.scalar) expectClose(zero.pow(c.exponent), c.out, { rtol: 0, atol: 0, label: String(c.exponent) });
    expectClose(zero.pow(fromFixture(FIX.zeroPow.exponent)), FIX.zeroPow.out, { rtol: 0, atol: 0 });
  });
});

describe('in-place elementary functions of complex tensors', () => {
  it('sin_, sqrt_, tanh_, rsqrt_, log1p_, pow_ write the out-of-place results; with history too', () => {
    const z = torch.complex(torch.tensor([0.5, -1.5, 2]), torch.tensor([1.0, 0.25, -0.5]));
    for (const fn of ['sin', 'sqrt', 'tanh', 'rsqrt', 'log1p', 'sigmoid', 'asin', 'exp2']) {
      const w = z.clone();
      call(w, `${fn}_`);
      expectClose(w, call(z, fn), { rtol: 0, atol: 0, label: fn });
    }
    const p = z.clone();
    p.pow_(2.5);
    expectClose(p, z.pow(2.5), { rtol: 0, atol: 0 });
    const leaf = z.clone().requiresGrad_();
    const y = leaf.mul(1);
    y.sqrt_();
    expect(y.gradFn?.name).toBe('SqrtBackward0');
    torch.real(y).sum().backward();
    const ref = z.clone().requiresGrad_();
    torch.real(ref.sqrt()).sum().backward();
    expectClose(leaf.grad!, ref.grad!, { rtol: 0, atol: 0 });
    expect(() => z.clone().abs_()).toThrow("can't be cast to the desired output type ComplexFloat");
  });
});
