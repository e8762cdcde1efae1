/**
 * torch.mvlgamma, torch.choleskySolve / choleskyInverse, the later constraints, distribution
 * reprs with 0-d parameters and ExponentialFamily's Bregman entropy, against PyTorch 1.13
 * (tests/fixtures/special-linalg-extras.json, written by
 * scripts/make_special_linalg_extras_fixtures.py).
 *
 * mvlgamma: values for p = 1, 2, 3, 5 on float64 and float32 (int64 inputs promote to
 * float32), below the domain (finite: PyTorch has no domain check) and at the poles (inf);
 * x.mvlgamma(p), x.mvlgamma_(p) and torch.special.multigammaln; the grad_fn name
 * (MvlgammaBackward0, in place too); x.grad for a fixed grad_output; float64 gradchecks; the
 * errors for p < 1, a bool input, a non-integer p and an in-place int64 result.
 * choleskySolve / choleskyInverse: values, grad_fn names and d((out * W).sum()) / dB, dL, lower
 * and upper, an L with junk in its other triangle (the value ignores it; PyTorch's gradient for
 * L is the full matrix, not masked to the triangle, and uses the junk), batches broadcasting B
 * against L (gradients summed back to each input's shape), float32 values, float64 gradchecks
 * of the masked functions (L.tril() / L.triu(), as PyTorch's OpInfo checks them: a finite
 * difference in the unused triangle is zero), and PyTorch's error messages.
 * constraints: lessThan (Python-float bounds and a tensor bound), lowerTriangular,
 * corrCholesky (float64 and float32 tolerances), square, positiveSemidefinite (with PyTorch's
 * whole-batch symmetric-check quirk), multinomial(n), cat and stack: check(value), eventDim,
 * isDiscrete and toString() against PyTorch's repr.
 * reprs: 0-d parameters print as Python's repr(float) (0.5, 1e-05, 1e+16, 4.0, float32 values at
 * float64 precision), one-element tensors of higher rank print in full, larger ones as
 * torch.Size; Beta prints no parameters (they are not in its __dict__).
 * ExponentialFamily.entropy (ExponentialFamily.prototype.entropy.call(d), PyTorch's
 * D.ExponentialFamily.entropy(d)): the Bregman value for Normal, Gamma, Chi2, Exponential,
 * Bernoulli, ContinuousBernoulli and Wishart (where it differs from the closed form, the closed
 * form is checked separately through d.entropy()), and that Poisson, Beta and Dirichlet raise
 * (PyTorch: NotImplementedError, no _mean_carrier_measure).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const D = torch.distributions;
const Cn = D.constraints;
type Dist = torch.distributions.Distribution;
type Constraint = torch.distributions.constraints.Constraint;

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface Ser {
  shape: number[];
  dtype: string;
  data: Value[];
}
interface Raised {
  type: string;
  message: string;
}
type ParamList = { name: string; value: Ser | { number: number } }[];
interface MvlgammaCase {
  p: number;
  x: Ser;
  out: Ser;
  gradFn?: string;
  gradOutput?: Ser;
  grad?: Ser;
}
interface SolveCase {
  name: string;
  B: Ser;
  L: Ser;
  upper: boolean;
  out: Ser;
  gradFn: string;
  W: Ser;
  gradB: Ser;
  gradL: Ser;
}
type InverseCase = Omit<SolveCase, 'B' | 'gradB'>;

const FIXTURE: {
  torch: string;
  mvlgamma: { float64: MvlgammaCase[]; float32: MvlgammaCase[]; int64: MvlgammaCase[]; edges: MvlgammaCase[]; errors: Record<string, Raised> };
  cholesky: {
    solve: SolveCase[];
    inverse: InverseCase[];
    float32: { B: Ser; L: Ser; solve: Ser; inverse: Ser };
    errors: Record<string, Raised>;
  };
  constraints: {
    props: Record<string, { repr: string; eventDim: number; isDiscrete: boolean }>;
    checks: { name: string; value: Ser; out: Ser }[];
  };
  reprs: { kind: string; params: ParamList; repr: string }[];
  expfamily: { kind: string; params: ParamList; entropy?: Ser; requiresGrad?: boolean; closedForm?: Ser; error?: Raised }[];
} = JSON.parse(readFileSync(new URL('./fixtures/special-linalg-extras.json', import.meta.url), 'utf8'));

const DTYPES: Record<string, torch.DType> = { float64: torch.float64, float32: torch.float32, int64: torch.int64, bool: torch.bool };
const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const fromSer = (s: Ser, requiresGrad = false): Tensor => {
  const dtype = DTYPES[s.dtype];
  const flat = s.data.map((v) => (dtype === torch.bool ? Boolean(v) : decode(v)));
  const t = s.shape.length === 0 ? torch.tensor(flat[0], { dtype }) : torch.tensor(flat, { dtype }).reshape(s.shape);
  return requiresGrad ? t.requiresGrad_() : t;
};
const data = (t: Tensor): number[] => Array.from(t.detach().contiguous().dataSync() as ArrayLike<number | bigint | boolean>, (v) => Number(v));

/** Same shape and dtype, and equal within `rtol` relatively (absolutely below 1); NaN matches NaN, infinities exactly. */
function expectClose(actual: Tensor, expected: Ser, what: string, rtol: number): void {
  expect([...actual.shape], `${what} shape`).toEqual(expected.shape);
  expect(actual.dtype.name, `${what} dtype`).toBe(expected.dtype);
  const got = data(actual);
  expected.data.forEach((e, i) => {
    const want = decode(e);
    const v = got[i];
    const where = `${what}[${i}]: got ${v}, want ${want}`;
    if (Number.isNaN(want)) return expect(Number.isNaN(v), where).toBe(true);
    if (!Number.isFinite(want)) return expect(v, where).toBe(want);
    expect(Math.abs(v - want) <= rtol * Math.max(1, Math.abs(want)), where).toBe(true);
  });
}

/** A bool tensor equal to PyTorch's, element for element. */
function expectBools(actual: Tensor, expected: Ser, what: string): void {
  expect([...actual.shape], `${what} shape`).toEqual(expected.shape);
  expect(actual.dtype.name, `${what} dtype`).toBe('bool');
  expect(data(actual).map(Boolean), what).toEqual(expected.data);
}

const params = (list: ParamList): Record<string, Tensor | number> =>
  Object.fromEntries(list.map(({ name, value }) => [name, 'number' in value ? value.number : fromSer(value as Ser)]));
const tensorOf = (x: Tensor | number): Tensor => x as Tensor;

/** float64 values to 1e-12 (relative, absolute below 1); float32 to 2e-6. */
const F64_RTOL = 1e-12;
const F32_RTOL = 2e-6;

// ------------------------------------------------------------------------------------ mvlgamma

describe('torch.mvlgamma against PyTorch 1.13', () => {
  const M = FIXTURE.mvlgamma;

  for (const c of M.float64) {
    it(`p = ${c.p}, float64: values, ${c.gradFn} and x.grad`, () => {
      const x = fromSer(c.x, true);
      const y = torch.mvlgamma(x, c.p);
      expect(y.gradFn!.name).toBe(c.gradFn);
      expectClose(y, c.out, `mvlgamma(x, ${c.p})`, F64_RTOL);
      y.backward(fromSer(c.gradOutput!));
      expectClose(x.grad!, c.grad!, `mvlgamma(x, ${c.p}) grad`, F64_RTOL);
    });

    it(`p = ${c.p}: x.mvlgamma(p), torch.special.multigammaln and x.mvlgamma_(p) give the same values and gradient`, () => {
      expectClose(fromSer(c.x).mvlgamma(c.p), c.out, 'x.mvlgamma(p)', F64_RTOL);
      expectClose(torch.special.multigammaln(fromSer(c.x), c.p), c.out, 'special.multigammaln', F64_RTOL);
      const plain = fromSer(c.x);
      expect(plain.mvlgamma_(c.p)).toBe(plain);
      expectClose(plain, c.out, 'x.mvlgamma_(p)', F64_RTOL);
      // in place on a non-leaf: the gradient flows through to the leaf, as PyTorch's does
      const leaf = fromSer(c.x, true);
      const y = leaf.mul(1).mvlgamma_(c.p);
      expect(y.gradFn!.name).toBe(c.gradFn);
      y.backward(fromSer(c.gradOutput!));
      expectClose(leaf.grad!, c.grad!, 'x.mul(1).mvlgamma_(p) grad', F64_RTOL);
    });

    it(`p = ${c.p}: float64 gradcheck against finite differences`, () => {
      expect(torch.autograd.gradcheck((a: Tensor) => torch.mvlgamma(a, c.p), [fromSer(c.x, true)])).toBe(true);
    });
  }

  it('below the domain (x <= (p-1)/2, not a pole): finite values and gradients as PyTorch, and gradcheck', () => {
    for (const c of M.edges.filter((e) => e.grad)) {
      const x = fromSer(c.x, true);
      const y = torch.mvlgamma(x, c.p);
      expectClose(y, c.out, `mvlgamma(${c.x.data}, ${c.p})`, F64_RTOL);
      y.backward(fromSer(c.gradOutput!));
      expectClose(x.grad!, c.grad!, `mvlgamma(${c.x.data}, ${c.p}) grad`, F64_RTOL);
      expect(torch.autograd.gradcheck((a: Tensor) => torch.mvlgamma(a, c.p), [fromSer(c.x, true)])).toBe(true);
    }
  });

  it('at the poles (x - i/2 a non-positive integer) the value is inf', () => {
    for (const c of M.edges.filter((e) => !e.grad)) expectClose(torch.mvlgamma(fromSer(c.x), c.p), c.out, `mvlgamma(${c.x.data}, ${c.p})`, F64_RTOL);
  });

  for (const c of M.float32) {
    it(`p = ${c.p}, float32: values${c.grad ? ' and x.grad' : ''}`, () => {
      const x = fromSer(c.x, c.grad !== undefined);
      const y = torch.mvlgamma(x, c.p);
      expectClose(y, c.out, `mvlgamma(float32, ${c.p})`, F32_RTOL);
      if (c.grad) {
        y.backward(fromSer(c.gradOutput!));
        expectClose(x.grad!, c.grad, `mvlgamma(float32, ${c.p}) grad`, F32_RTOL);
      }
    });
  }

  for (const c of M.int64) {
    it(`p = ${c.p}, int64 input: promoted to float32 (inf at 0${c.p === 3 ? ' and 1' : ''})`, () => {
      const x = fromSer(c.x);
      expect(x.dtype).toBe(torch.int64);
      expectClose(torch.mvlgamma(x, c.p), c.out, `mvlgamma(int64, ${c.p})`, F32_RTOL);
      expectClose(x.mvlgamma(c.p), c.out, `int64.mvlgamma(${c.p})`, F32_RTOL);
    });
  }

  it("p < 1 raises PyTorch's message", () => {
    expect(() => torch.mvlgamma(torch.tensor([3.0]), 0)).toThrow(M.errors.p0.message);
    expect(() => torch.mvlgamma(torch.tensor([3.0]), -2)).toThrow(M.errors.pneg.message);
    expect(() => torch.tensor([3.5], { dtype: torch.float64 }).mvlgamma_(0)).toThrow(M.errors.p0.message);
  });

  it('a non-integer p is a TypeError (PyTorch: "argument \'p\' (position 2) must be int, not float")', () => {
    expect(() => torch.mvlgamma(torch.tensor([3.0]), 1.5)).toThrow(TypeError);
  });

  it("a bool input raises PyTorch's message", () => {
    expect(() => torch.mvlgamma(torch.tensor([true, false]), 1)).toThrow(M.errors.bool.message);
  });

  it('in place on an int64 tensor raises (the float result cannot be stored)', () => {
    expect(M.errors.int_inplace.type).toBe('RuntimeError');
    expect(() => torch.tensor([3, 4]).mvlgamma_(2)).toThrow();
  });
});

// ------------------------------------------------------------------ choleskySolve / choleskyInverse

const masked = (l: Tensor, upper: boolean): Tensor => (upper ? l.triu() : l.tril());

/** Whether any strictly-other-triangle entry (above the diagonal for lower, below for upper) of each matrix is non-zero. */
function otherTriangle(values: number[], shape: number[], upper: boolean): number[] {
  const n = shape[shape.length - 1];
  return values.filter((_, k) => {
    const [i, j] = [Math.floor((k % (n * n)) / n), k % n];
    return upper ? i > j : j > i;
  });
}

describe('torch.choleskySolve against PyTorch 1.13', () => {
  const C = FIXTURE.cholesky;

  for (const c of C.solve) {
    it(`${c.name} (B ${c.B.shape}, L ${c.L.shape}, upper ${c.upper}): values, ${c.gradFn}, gradients for B and L`, () => {
      const [B, L] = [fromSer(c.B, true), fromSer(c.L, true)];
      const X = torch.choleskySolve(B, L, c.upper);
      expect(X.gradFn!.name).toBe(c.gradFn);
      expectClose(X, c.out, 'choleskySolve', F64_RTOL);
      X.mul(fromSer(c.W)).sum().backward();
      expectClose(B.grad!, c.gradB, 'grad B', F64_RTOL);
      expectClose(L.grad!, c.gradL, 'grad L', F64_RTOL);
    });

    it(`${c.name}: float64 gradcheck of (B, L) => choleskySolve(B, L.${c.upper ? 'triu' : 'tril'}(), ${c.upper})`, () => {
      const fn = (b: Tensor, l: Tensor): Tensor => torch.choleskySolve(b, masked(l, c.upper), c.upper);
      expect(torch.autograd.gradcheck(fn, [fromSer(c.B, true), fromSer(c.L, true)])).toBe(true);
    });
  }

  it("the gradient for L is PyTorch's full matrix, not masked to L's triangle", () => {
    for (const c of C.solve.filter((s) => !s.name.startsWith('batched'))) {
      const wantOther = otherTriangle(c.gradL.data.map(decode), c.gradL.shape, c.upper);
      expect(wantOther.some((v) => v !== 0), `${c.name}: PyTorch's gradient has entries in the other triangle`).toBe(true);
      const L = fromSer(c.L, true);
      torch.choleskySolve(fromSer(c.B), L, c.upper).mul(fromSer(c.W)).sum().backward();
      const gotOther = otherTriangle(data(L.grad!), c.gradL.shape, c.upper);
      gotOther.forEach((v, i) => expect(Math.abs(v - wantOther[i]) <= F64_RTOL * Math.max(1, Math.abs(wantOther[i])), `${c.name}[${i}]`).toBe(true));
    }
  });

  it('junk in the unused triangle changes neither value (PyTorch reads one triangle) but does change the gradient for L', () => {
    const byName = Object.fromEntries(C.solve.map((s) => [s.name, s]));
    for (const [clean, junk] of [['lower', 'lower_junk_upper_triangle'], ['upper', 'upper_junk_lower_triangle']]) {
      expect(byName[junk].out).toEqual(byName[clean].out);
      expect(byName[junk].gradL).not.toEqual(byName[clean].gradL);
      expectClose(torch.choleskySolve(fromSer(byName[junk].B), fromSer(byName[junk].L), byName[junk].upper), byName[clean].out, junk, F64_RTOL);
    }
  });

  it('float32: values', () => {
    const f = C.float32;
    expectClose(torch.choleskySolve(fromSer(f.B), fromSer(f.L)), f.solve, 'choleskySolve float32', 1e-5);
  });

  it("a 1-d B raises PyTorch's message", () => {
    expect(() => torch.choleskySolve(torch.tensor([1, 2, 3], { dtype: torch.float64 }), torch.eye(3, { dtype: torch.float64 }))).toThrow(C.errors.solve_1d_b.message);
  });

  it("a non-square L raises PyTorch's message", () => {
    const L = torch.tensor([[1, 0], [2, 3], [4, 5]], { dtype: torch.float64 });
    expect(() => torch.choleskySolve(torch.ones([3, 2], { dtype: torch.float64 }), L)).toThrow(C.errors.solve_nonsquare_L.message);
  });

  it("incompatible sizes raise PyTorch's message", () => {
    const B = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64 });
    expect(() => torch.choleskySolve(B, torch.eye(3, { dtype: torch.float64 }))).toThrow(C.errors.solve_incompatible.message);
  });
});

describe('torch.choleskyInverse against PyTorch 1.13', () => {
  const C = FIXTURE.cholesky;

  for (const c of C.inverse) {
    it(`${c.name} (L ${c.L.shape}, upper ${c.upper}): values, ${c.gradFn}, gradient for L`, () => {
      const L = fromSer(c.L, true);
      const Y = torch.choleskyInverse(L, c.upper);
      expect(Y.gradFn!.name).toBe(c.gradFn);
      expectClose(Y, c.out, 'choleskyInverse', F64_RTOL);
      Y.mul(fromSer(c.W)).sum().backward();
      expectClose(L.grad!, c.gradL, 'grad L', F64_RTOL);
      if (!c.name.startsWith('batched')) {
        expect(otherTriangle(c.gradL.data.map(decode), c.gradL.shape, c.upper).some((v) => v !== 0), 'PyTorch: full-matrix gradient').toBe(true);
      }
    });

    it(`${c.name}: float64 gradcheck of L => choleskyInverse(L.${c.upper ? 'triu' : 'tril'}(), ${c.upper})`, () => {
      expect(torch.autograd.gradcheck((l: Tensor) => torch.choleskyInverse(masked(l, c.upper), c.upper), [fromSer(c.L, true)])).toBe(true);
    });
  }

  it('float32: values', () => {
    const f = C.float32;
    expectClose(torch.choleskyInverse(fromSer(f.L)), f.inverse, 'choleskyInverse float32', 1e-5);
  });

  it("a non-square L raises PyTorch's message", () => {
    const L = torch.tensor([[1, 0, 0], [2, 3, 0]], { dtype: torch.float64 });
    expect(() => torch.choleskyInverse(L)).toThrow(C.errors.inverse_nonsquare.message);
  });
});

// ------------------------------------------------------------------------------------ constraints

const f64 = (v: number[]): Tensor => torch.tensor(v, { dtype: torch.float64 });
/** The flint constraint of each fixture name (CONSTRAINTS in the script). */
const CONSTRAINTS: Record<string, () => Constraint> = {
  less_than_0: () => Cn.lessThan(0),
  'less_than_2.5': () => Cn.lessThan(2.5),
  'less_than_-2': () => Cn.lessThan(-2),
  'less_than_1e-05': () => Cn.lessThan(1e-5),
  'less_than_1e+16': () => Cn.lessThan(1e16),
  less_than_tensor: () => Cn.lessThan(f64([1, 2])),
  lower_triangular: () => Cn.lowerTriangular,
  corr_cholesky: () => Cn.corrCholesky,
  square: () => Cn.square,
  positive_semidefinite: () => Cn.positiveSemidefinite,
  multinomial_3: () => Cn.multinomial(3),
  cat_lengths: () => Cn.cat([Cn.real, Cn.lessThan(0), Cn.positive], -1, [1, 2, 1]),
  cat_default_lengths: () => Cn.cat([Cn.positive, Cn.nonnegative], 0),
  cat_discrete: () => Cn.cat([Cn.real, Cn.nonnegativeInteger], 0),
  cat_event: () => Cn.cat([Cn.realVector, Cn.simplex], -1, [2, 3]),
  stack_last: () => Cn.stack([Cn.positive, Cn.lessThan(0)], -1),
  stack_0_event: () => Cn.stack([Cn.simplex, Cn.independent(Cn.positive, 1)], 0),
  stack_neg2_event: () => Cn.stack([Cn.simplex, Cn.realVector], -2),
  stack_discrete: () => Cn.stack([Cn.real, Cn.boolean], 0),
};

describe('torch.distributions.constraints against PyTorch 1.13', () => {
  const { props, checks } = FIXTURE.constraints;

  it('every fixture constraint has a flint counterpart', () => {
    expect(Object.keys(CONSTRAINTS).sort()).toEqual(Object.keys(props).sort());
  });

  it('eventDim and isDiscrete of each', () => {
    for (const [name, p] of Object.entries(props)) {
      const c = CONSTRAINTS[name]();
      expect(c.eventDim, `${name}.eventDim`).toBe(p.eventDim);
      expect(c.isDiscrete, `${name}.isDiscrete`).toBe(p.isDiscrete);
    }
  });

  // one test per distinct repr (the Cat and Stack variants share theirs)
  const byRepr = new Map<string, string[]>();
  for (const [name, p] of Object.entries(props)) byRepr.set(p.repr, [...(byRepr.get(p.repr) ?? []), name]);
  for (const [repr, names] of byRepr) {
    it(`toString() is PyTorch's repr ${repr} (${names.join(', ')})`, () => {
      for (const name of names) expect(CONSTRAINTS[name]().toString(), name).toBe(repr);
    });
  }

  checks.forEach((c, i) => {
    it(`${c.name} #${i}: check(${c.value.dtype} ${JSON.stringify(c.value.shape)}) gives PyTorch's ${JSON.stringify(c.out.data)}`, () => {
      expectBools(CONSTRAINTS[c.name]().check(fromSer(c.value)), c.out, `${c.name}.check`);
    });
  });
});

// ------------------------------------------------------------------------------ distribution reprs

const MAKE_REPR: Record<string, (p: Record<string, Tensor | number>) => Dist> = {
  Normal: (p) => new D.Normal(p.loc, p.scale),
  Gamma: (p) => new D.Gamma(p.concentration, p.rate),
  Uniform: (p) => new D.Uniform(p.low, p.high),
  Exponential: (p) => new D.Exponential(p.rate),
  Bernoulli: (p) => new D.Bernoulli(p.probs),
  BernoulliLogits: (p) => new D.Bernoulli({ logits: p.logits }),
  Beta: (p) => new D.Beta(p.concentration1, p.concentration0),
};

describe('distribution reprs against PyTorch 1.13', () => {
  for (const c of FIXTURE.reprs) {
    const what = c.params.map(({ name, value }) => ('number' in value ? `${name}=${value.number}` : `${name}=${value.dtype}${JSON.stringify(value.shape)} ${value.data}`)).join(', ');
    it(`${c.kind}(${what}) prints ${c.repr}`, () => {
      expect(MAKE_REPR[c.kind](params(c.params)).toString()).toBe(c.repr);
    });
  }
});

// ---------------------------------------------------------------- ExponentialFamily.entropy (Bregman)

const MAKE_EF: Record<string, (p: Record<string, Tensor | number>) => Dist> = {
  Normal: (p) => new D.Normal(p.loc, p.scale),
  Gamma: (p) => new D.Gamma(p.concentration, p.rate),
  Chi2: (p) => new D.Chi2(p.df),
  Exponential: (p) => new D.Exponential(p.rate),
  Bernoulli: (p) => new D.Bernoulli(p.probs),
  ContinuousBernoulli: (p) => new D.ContinuousBernoulli(p.probs),
  Wishart: (p) => new D.Wishart(tensorOf(p.df), { covarianceMatrix: tensorOf(p.covariance_matrix) }),
  Poisson: (p) => new D.Poisson(p.rate),
  Beta: (p) => new D.Beta(p.concentration1, p.concentration0),
  Dirichlet: (p) => new D.Dirichlet(tensorOf(p.concentration)),
};
const bregman = (d: Dist): Tensor => D.ExponentialFamily.prototype.entropy.call(d as torch.distributions.ExponentialFamily);

describe('ExponentialFamily.entropy (the Bregman default) against PyTorch 1.13', () => {
  for (const c of FIXTURE.expfamily) {
    if (c.error) {
      it(`${c.kind}: raises, as PyTorch (${c.error.type}: no _mean_carrier_measure)`, () => {
        const d = MAKE_EF[c.kind](params(c.params));
        expect(d).toBeInstanceOf(D.ExponentialFamily);
        expect(() => bregman(d)).toThrow();
      });
      continue;
    }
    it(`${c.kind}: the Bregman value, requiring grad as PyTorch's (${c.requiresGrad})`, () => {
      const d = MAKE_EF[c.kind](params(c.params));
      expect(d).toBeInstanceOf(D.ExponentialFamily);
      const h = bregman(d);
      expectClose(h, c.entropy!, `${c.kind} Bregman entropy`, F64_RTOL);
      expect(h.requiresGrad).toBe(c.requiresGrad);
      expectClose(d.entropy(), c.closedForm!, `${c.kind} closed-form entropy`, F64_RTOL);
    });
  }

  it('ContinuousBernoulli inside the Taylor band: the Bregman value is not the closed form (PyTorch: they differ by 6e-9 relatively)', () => {
    const c = FIXTURE.expfamily.find((e) => e.kind === 'ContinuousBernoulli')!;
    const [b, cf] = [decode(c.entropy!.data[2]), decode(c.closedForm!.data[2])];
    expect(Math.abs(b - cf) / Math.abs(cf)).toBeGreaterThan(1e-9);
    const d = MAKE_EF[c.kind](params(c.params));
    const [gotB, gotCf] = [data(bregman(d))[2], data(d.entropy())[2]];
    expect(Math.abs(gotB - b) / Math.abs(b)).toBeLessThan(1e-11);
    expect(Math.abs(gotCf - cf) / Math.abs(cf)).toBeLessThan(1e-11);
  });
});
