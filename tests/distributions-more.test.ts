/**
 * The later torch.distributions families, their KL pairs and the remaining transforms, against
 * PyTorch 1.13 (tests/fixtures/distributions-more.json, written by
 * scripts/make_distributions_more_fixtures.py).
 *
 * Families: Pareto, Weibull, Kumaraswamy, HalfCauchy, FisherSnedecor, ContinuousBernoulli (probs,
 * probs inside the Taylor band, logits, custom lims), VonMises, LogisticNormal,
 * LowRankMultivariateNormal, Wishart (covariance / precision / scaleTril; df a tensor or a
 * number) and LKJCholesky: batch/event shapes, hasRsample, mean/mode/variance/stddev/entropy (or
 * that they throw where PyTorch raises NotImplementedError), the matrices, logProb (a value
 * broadcasting against the batch), cdf/icdf (or that they throw), gradients of
 * logProb(value).sum() [+ entropy().sum()], a seeded rsample/sample stream (manualSeed mirrors
 * PyTorch's CPU generator) with the gradients of (x * w).sum(), expand, and argument validation
 * (the first line of PyTorch's message, up to "but found invalid values"; several come from an
 * inner distribution). PyTorch quirks flint reproduces: ContinuousBernoulli clamps a bad probs
 * silently unless validateArgs is given; Wishart.rsample draws once as PyTorch 2.x does (1.13
 * redraws every sample, a bug 2.x fixed); which classes are ExponentialFamily.
 * KL: every pair 1.13 registers that involves these families (plus the cross pairs), values and
 * d/d(p's first parameter), infinite pairs, pairs reached through TransformedDistribution, the
 * Bregman (ExponentialFamily) Wishart pair, and unregistered pairs.
 * Transforms: Power, Softplus, Softmax, StickBreaking, LowerCholesky, PositiveDefinite (PyTorch
 * 2.0's definition), CorrCholesky, Reshape, Independent, Cat, Stack, CumulativeDistribution and
 * identityTransform: values, inverse, logAbsDetJacobian, shapes, event dims, bijective, sign;
 * bijectTo / transformTo per constraint; TransformedDistribution over StickBreakingTransform.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const D = torch.distributions;
const TR = D.transforms;
const Cn = D.constraints;
type Dist = torch.distributions.Distribution;
type Transform = torch.distributions.Transform;
type Constraint = torch.distributions.constraints.Constraint;

type Value = number | 'nan' | 'inf' | '-inf';
interface Ser {
  shape: number[];
  dtype: string;
  data: Value[];
}
interface Raised {
  error: string;
  message: string;
}
type ParamList = { name: string; value: Ser | { number: number } }[];
interface Case {
  name: string;
  kind: string;
  params: ParamList;
  rtol: number;
  batchShape: number[];
  eventShape: number[];
  hasRsample: boolean;
  props: Record<string, Ser | Raised>;
  logProb: { value: Ser; out: Ser }[];
  cdf: { value: Ser; out: Ser }[];
  icdf: { value: Ser; out: Ser }[];
  cdfError?: string;
  icdfError?: string;
  grad: { terms: 'logProb' | 'logProb+entropy'; objective: number; grads: Record<string, Ser | null> };
  draw: {
    method: 'rsample' | 'sample';
    seed: number;
    shape: number[];
    out: Ser;
    weights?: Ser;
    grads?: Record<string, Ser | null>;
    requiresGrad?: boolean;
  };
  expand?: { shape: number[]; batchShape: number[]; eventShape: number[]; value: Ser; logProb: Ser };
}
interface KlCase {
  name: string;
  p: { kind: string; params: ParamList };
  q: { kind: string; params: ParamList };
  out: Ser;
  requiresGrad: boolean;
  gradParam: string;
  grad: Ser | null;
}
interface TransformCase {
  name: string;
  x: Ser;
  y: Ser;
  inv: Ser;
  ladj?: Ser;
  ladjError?: string;
  bijective: boolean;
  sign?: number;
  domainEventDim: number;
  codomainEventDim: number;
  forwardShape: { in: number[]; out: number[] };
  inverseShape: { in: number[]; out: number[] };
  inCodomain?: boolean;
}
const FIXTURE: {
  torch: string;
  cases: Case[];
  errors: Record<string, { type: string; message: string }>;
  quirks: {
    contbernClamped: { probs: Ser; logProb: Ser };
    wishartScalarRsample: { seed: number; out: Ser; weights: Ser; grads: Record<string, Ser> };
    exponentialFamily: Record<string, boolean>;
  };
  kl: KlCase[];
  klErrors: Record<string, { type: string; message: string }>;
  transforms: TransformCase[];
  constraintTransforms: { name: string; which: 'biject' | 'transform'; x: Ser; y: Ser; inv?: Ser; ladj?: Ser; ladjError?: string; inCodomain: boolean }[];
  constraintErrors: Record<string, { type: string; message: string }>;
  stickBreakingTD: { batchShape: number[]; eventShape: number[]; value: Ser; logProb: Ser; logProb1: Ser };
} = JSON.parse(readFileSync(new URL('./fixtures/distributions-more.json', import.meta.url), 'utf8'));

const DTYPES: Record<string, torch.DType> = { float64: torch.float64, float32: torch.float32, int64: torch.int64 };
const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const fromSer = (s: Ser): Tensor => {
  const dtype = DTYPES[s.dtype];
  const flat = s.data.map(decode);
  return s.shape.length === 0 ? torch.tensor(flat[0], { dtype }) : torch.tensor(flat, { dtype }).reshape(s.shape);
};
const data = (t: Tensor): number[] => Array.from(t.detach().contiguous().dataSync() as ArrayLike<number | bigint | boolean>, (v) => Number(v));
const f64 = (v: number | number[] | number[][] | number[][][]): Tensor => torch.tensor(v, { dtype: torch.float64 });
const isRaised = (x: unknown): x is Raised => typeof x === 'object' && x !== null && 'error' in x;

/** closed forms in float64 to 1e-10 (relative, absolute below 1); seeded float64 streams to 1e-12 */
const VALUE_RTOL = 1e-10;
const SAMPLE_RTOL = 1e-12;

/** Same shape and dtype, and equal within `rtol` relatively (absolutely below 1); NaN matches NaN, infinities exactly. */
function expectClose(actual: Tensor, expected: Ser, what: string, rtol = VALUE_RTOL): void {
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

type Params = Record<string, Tensor | number>;
type Options = { validateArgs?: boolean } | undefined;
const T = (x: Tensor | number): Tensor => x as Tensor;

/** The flint constructor of each fixture kind (MAKE in the script). */
const MAKE: Record<string, (p: Params, o?: Options) => Dist> = {
  Pareto: (p, o) => new D.Pareto(p.scale, p.alpha, o),
  Weibull: (p, o) => new D.Weibull(p.scale, p.concentration, o),
  Kumaraswamy: (p, o) => new D.Kumaraswamy(p.concentration1, p.concentration0, o),
  HalfCauchy: (p, o) => new D.HalfCauchy(p.scale, o),
  FisherSnedecor: (p, o) => new D.FisherSnedecor(p.df1, p.df2, o),
  ContinuousBernoulli: (p, o) => new D.ContinuousBernoulli(p.probs, null, o),
  ContinuousBernoulliLogits: (p, o) => new D.ContinuousBernoulli({ logits: p.logits, ...o }),
  ContinuousBernoulliLims: (p, o) => new D.ContinuousBernoulli(p.probs, null, { lims: [0.49, 0.51], ...o }),
  VonMises: (p, o) => new D.VonMises(p.loc, p.concentration, o),
  LogisticNormal: (p, o) => new D.LogisticNormal(p.loc, p.scale, o),
  LowRankMultivariateNormal: (p, o) => new D.LowRankMultivariateNormal(T(p.loc), T(p.cov_factor), T(p.cov_diag), o),
  WishartCov: (p, o) => new D.Wishart(p.df, { covarianceMatrix: T(p.covariance_matrix), ...o }),
  WishartPrec: (p, o) => new D.Wishart(p.df, { precisionMatrix: T(p.precision_matrix), ...o }),
  WishartTril: (p, o) => new D.Wishart(p.df, { scaleTril: T(p.scale_tril), ...o }),
  LKJCholesky: (p, o) => new D.LKJCholesky(p.dim as number, p.concentration, o),
  Beta: (p, o) => new D.Beta(p.concentration1, p.concentration0, o),
  Exponential: (p, o) => new D.Exponential(p.rate, o),
  Gamma: (p, o) => new D.Gamma(p.concentration, p.rate, o),
  Normal: (p, o) => new D.Normal(p.loc, p.scale, o),
  Uniform: (p, o) => new D.Uniform(p.low, p.high, o),
  Cauchy: (p, o) => new D.Cauchy(p.loc, p.scale, o),
  Gumbel: (p, o) => new D.Gumbel(p.loc, p.scale, o),
  Laplace: (p, o) => new D.Laplace(p.loc, p.scale, o),
  MultivariateNormal: (p, o) => new D.MultivariateNormal(T(p.loc), { covarianceMatrix: T(p.covariance_matrix), ...o }),
};

/** The parameters as tensors (leaves that require grad when asked) or numbers. */
function params(list: ParamList, requiresGrad = false): Params {
  const out: Params = {};
  for (const { name, value } of list) {
    out[name] = 'number' in value ? value.number : requiresGrad ? fromSer(value).requiresGrad_() : fromSer(value);
  }
  return out;
}
const build = (c: { kind: string; params: ParamList }, requiresGrad = false) => {
  const p = params(c.params, requiresGrad);
  return { p, d: MAKE[c.kind](p) };
};

const PROP: Record<string, string> = {
  mean: 'mean', mode: 'mode', variance: 'variance', stddev: 'stddev',
  covariance_matrix: 'covarianceMatrix', precision_matrix: 'precisionMatrix', scale_tril: 'scaleTril',
};
function read(d: Dist, prop: string): Tensor {
  if (prop === 'entropy') return d.entropy();
  return (d as unknown as Record<string, Tensor>)[PROP[prop]];
}
function expectGrads(p: Params, want: Record<string, Ser | null>, rtol: number): void {
  for (const [name, g] of Object.entries(want)) {
    const leaf = p[name] as Tensor;
    if (g === null) expect(leaf.grad, `${name}.grad`).toBeNull();
    else expectClose(leaf.grad!, g, `d/d${name}`, rtol);
  }
}

describe('families vs PyTorch 1.13', () => {
  it('the fixture is from 1.13 and every kind has a flint constructor', () => {
    expect(FIXTURE.torch.startsWith('1.13')).toBe(true);
    const kinds = new Set([...FIXTURE.cases.map((c) => c.kind), ...FIXTURE.kl.flatMap((k) => [k.p.kind, k.q.kind])]);
    expect([...kinds].filter((k) => !(k in MAKE))).toEqual([]);
  });
  for (const c of FIXTURE.cases) {
    const gradRtol = Math.max(1e-9, c.rtol * 10);
    it(`${c.name}: batch/event shape, hasRsample, ${Object.keys(c.props).join(', ')}`, () => {
      const { d } = build(c);
      expect([...d.batchShape], 'batchShape').toEqual(c.batchShape);
      expect([...d.eventShape], 'eventShape').toEqual(c.eventShape);
      expect(d.hasRsample, 'hasRsample').toBe(c.hasRsample);
      for (const [prop, want] of Object.entries(c.props)) {
        if (isRaised(want)) expect(() => read(d, prop), `${prop} raises ${want.error} in PyTorch`).toThrow();
        else expectClose(read(d, prop), want, prop, c.rtol);
      }
    });
    it(`${c.name}: logProb${c.cdfError ? ' (cdf, icdf not implemented)' : ', cdf, icdf'}`, () => {
      const { d } = build(c);
      c.logProb.forEach(({ value, out }, i) => expectClose(d.logProb(fromSer(value)), out, `logProb #${i}`, c.rtol));
      c.cdf.forEach(({ value, out }, i) => expectClose(d.cdf(fromSer(value)), out, `cdf #${i}`, c.rtol));
      c.icdf.forEach(({ value, out }, i) => expectClose(d.icdf(fromSer(value)), out, `icdf #${i}`, c.rtol));
      if (c.cdfError) expect(() => d.cdf(fromSer(c.logProb[0].value)), 'cdf').toThrow();
      if (c.icdfError) expect(() => d.icdf(f64(0.5)), 'icdf').toThrow();
    });
    it(`${c.name}: gradients of ${c.grad.terms} w.r.t. ${Object.keys(c.grad.grads).join(', ')}`, () => {
      const { d, p } = build(c, true);
      let objective = d.logProb(fromSer(c.logProb[0].value)).sum();
      if (c.grad.terms === 'logProb+entropy') objective = objective.add(d.entropy().sum());
      const got = data(objective)[0];
      expect(Math.abs(got - c.grad.objective) <= c.rtol * 10 * Math.max(1, Math.abs(c.grad.objective)), `objective ${got}`).toBe(true);
      objective.backward();
      expectGrads(p, c.grad.grads, gradRtol);
    });
    const r = c.draw;
    it(`${c.name}: ${r.method}(${JSON.stringify(r.shape)}) under manualSeed(${r.seed})`, () => {
      const { d, p } = build(c, true);
      torch.manualSeed(r.seed);
      const x = r.method === 'rsample' ? d.rsample(r.shape) : d.sample(r.shape);
      expectClose(x, r.out, r.method, c.kind.startsWith('Wishart') ? 1e-10 : SAMPLE_RTOL);
      if (r.method === 'sample') {
        expect(x.requiresGrad).toBe(r.requiresGrad);
        expect(() => d.rsample(r.shape), 'no rsample').toThrow();
        return;
      }
      // 1.13's Wishart.rsample with a sample shape modifies a mask its index_put saved: the
      // backward raises there, so only the values are PyTorch's (wishartScalarRsample has grads)
      x.mul(fromSer(r.weights!)).sum().backward();
      expectGrads(p, r.grads!, gradRtol);
    });
    const e = c.expand;
    if (e) {
      it(`${c.name}: expand(${JSON.stringify(e.shape)})`, () => {
        const x = build(c).d.expand(e.shape);
        expect([...x.batchShape]).toEqual(e.batchShape);
        expect([...x.eventShape]).toEqual(e.eventShape);
        expectClose(x.logProb(fromSer(e.value)), e.logProb, 'logProb', c.rtol);
      });
    }
  }
});

const S3 = [[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]];
describe('argument validation: PyTorch 1.13 messages (first line, up to "but found invalid values")', () => {
  const E = FIXTURE.errors;
  const THROWS: Record<string, () => unknown> = {
    pareto_scale: () => new D.Pareto(f64([1, -1]), f64([2, 2])),
    pareto_alpha: () => new D.Pareto(f64([1, 1]), f64([2, -2])),
    pareto_value_outside: () => new D.Pareto(f64([1, 2]), f64([2, 2])).logProb(f64([1.5, 1.5])),
    weibull_scale: () => new D.Weibull(f64([1, 0]), f64([1, 1])),
    weibull_concentration: () => new D.Weibull(f64([1, 1]), f64([-1, 1])),
    kumaraswamy_concentration1: () => new D.Kumaraswamy(f64([0, 1]), f64([1, 1])),
    kumaraswamy_value_outside: () => new D.Kumaraswamy(f64([2, 2]), f64([2, 2])).logProb(f64([1.5, 0.5])),
    halfcauchy_scale: () => new D.HalfCauchy(f64([1, -0.5])),
    halfcauchy_value_outside: () => new D.HalfCauchy(f64([1, 2])).logProb(f64([-0.5, 1])),
    fishersnedecor_df1: () => new D.FisherSnedecor(f64([-1, 2]), f64([3, 3])),
    fishersnedecor_value_outside: () => new D.FisherSnedecor(f64([2, 2]), f64([3, 3])).logProb(f64([-1, 1])),
    contbern_both: () => new D.ContinuousBernoulli(f64([0.3]), f64([0])),
    contbern_neither: () => new D.ContinuousBernoulli({}),
    contbern_probs_validate: () => new D.ContinuousBernoulli(f64([0.5, 1.5]), null, { validateArgs: true }),
    contbern_probs_novalidate: () => new D.ContinuousBernoulli(f64([0.5, 1.5]), null, { validateArgs: false }),
    contbern_value_outside: () => new D.ContinuousBernoulli(f64([0.3, 0.4])).logProb(f64([1.5, 0.5])),
    vonmises_concentration: () => new D.VonMises(f64([0, 1]), f64([1, -1])),
    logisticnormal_scale: () => new D.LogisticNormal(f64([0, 1]), f64([1, -1])),
    logisticnormal_value_outside: () => new D.LogisticNormal(f64([0, 1]), f64([1, 1])).logProb(f64([0.5, 0.5, 0.5])),
    lowrank_cov_diag: () => new D.LowRankMultivariateNormal(f64([0, 0, 0]), f64([[0.1], [0.01], [0.1]]), f64([1, -100, 1])),
    lowrank_loc_0d: () => new D.LowRankMultivariateNormal(f64(0), f64([[1]]), f64([1])),
    lowrank_factor_1d: () => new D.LowRankMultivariateNormal(f64([0, 0]), f64([1, 1]), f64([1, 1])),
    lowrank_factor_rows: () => new D.LowRankMultivariateNormal(f64([0, 0]), f64([[1], [1], [1]]), f64([1, 1])),
    lowrank_diag_shape: () => new D.LowRankMultivariateNormal(f64([0, 0]), f64([[1], [1]]), f64([1, 1, 1])),
    wishart_df_number: () => new D.Wishart(1.5, { covarianceMatrix: f64(S3) }),
    wishart_not_pd: () => new D.Wishart(f64(4), { covarianceMatrix: f64([[1, 2], [2, 1]]) }),
    wishart_value_outside: () => new D.Wishart(f64(4), { covarianceMatrix: f64(S3) }).logProb(f64([[1, 2, 0], [2, 1, 0], [0, 0, 1]])),
    lkj_dim: () => new D.LKJCholesky(1, f64(1)),
    lkj_concentration: () => new D.LKJCholesky(3, f64([-1])),
    lkj_value_outside: () => new D.LKJCholesky(3, f64(1)).logProb(f64([[1, 0, 0], [0.5, 0.5, 0], [0, 0, 1]])),
  };
  const head = (s: string) => s.split('\n')[0].split(' but found invalid values')[0];
  it('every fixture error has a flint call', () => {
    expect(Object.keys(E).filter((n) => !(n in THROWS))).toEqual([]);
  });
  for (const [name, e] of Object.entries(E)) {
    it(`${name}: ${head(e.message).slice(0, 90)}`, () => {
      let caught: unknown = null;
      try {
        THROWS[name]();
      } catch (err) {
        caught = err;
      }
      expect(caught, `PyTorch raised ${e.type}: ${e.message}`).toBeInstanceOf(Error);
      expect(head((caught as Error).message)).toBe(head(e.message));
    });
  }
});

describe('PyTorch 1.13 quirks flint reproduces', () => {
  const Q = FIXTURE.quirks;
  it('ContinuousBernoulli clamps probs outside [0, 1] without an error when validateArgs is not given', () => {
    const d = new D.ContinuousBernoulli(f64([1.5, -0.5, 0.3]));
    expectClose(d.probs, Q.contbernClamped.probs, 'probs');
    expectClose(d.logProb(f64([0.5, 0.5, 0.5])), Q.contbernClamped.logProb, 'logProb');
  });
  it('Wishart.rsample() is one Bartlett draw, as in PyTorch 2.x (1.13 redraws every sample): the draw and its gradients', () => {
    const W = Q.wishartScalarRsample;
    const df = f64(5).requiresGrad_();
    const cov = f64(S3).requiresGrad_();
    torch.manualSeed(W.seed);
    const x = new D.Wishart(df, { covarianceMatrix: cov }).rsample();
    expectClose(x, W.out, 'rsample', 1e-10);
    x.mul(fromSer(W.weights)).sum().backward();
    expectClose(df.grad!, W.grads.df, 'd/ddf', 1e-8);
    expectClose(cov.grad!, W.grads.covariance_matrix, 'd/dcovariance_matrix', 1e-8);
  });
  it('ExponentialFamily is the base class PyTorch says it is', () => {
    const classes = D as unknown as Record<string, abstract new (...a: never[]) => unknown>;
    for (const [name, want] of Object.entries(Q.exponentialFamily)) {
      expect(classes[name], name).toBeDefined();
      expect(classes[name].prototype instanceof D.ExponentialFamily, name).toBe(want);
    }
  });
});

describe('kl_divergence vs PyTorch 1.13', () => {
  const MATRIX = /MultivariateNormal|Wishart/;
  for (const k of FIXTURE.kl) {
    it(`${k.name}: value${k.requiresGrad ? '' : ' (no gradient)'}${k.grad ? ` and d/d${k.gradParam}` : ''}`, () => {
      const p = build(k.p, true);
      const q = build(k.q).d;
      const out = D.klDivergence(p.d, q);
      const rtol = MATRIX.test(k.name) ? 1e-7 : VALUE_RTOL;
      expectClose(out, k.out, 'kl', rtol);
      expect(out.requiresGrad, 'requiresGrad').toBe(k.requiresGrad);
      if (!k.requiresGrad) return;
      out.sum().backward();
      const leaf = p.p[k.gradParam] as Tensor;
      if (k.grad === null) expect(leaf.grad, `${k.gradParam}.grad`).toBeNull();
      else expectClose(leaf.grad!, k.grad, `d/d${k.gradParam}`, MATRIX.test(k.name) ? 1e-7 : 1e-9);
    });
  }
  it('pairs PyTorch refuses', () => {
    const E = FIXTURE.klErrors;
    const squash = (s: string) => s.replace(/\s+/g, ' ');
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return squash((err as Error).message);
      }
      return 'no error';
    };
    // TransformedDistribution || TransformedDistribution with unequal transforms: a bare NotImplementedError
    expect(E.weibull_weibull.message).toBe('');
    expect(() => D.klDivergence(new D.Weibull(f64([1, 2]), f64([1, 2])), new D.Weibull(f64([1, 2]), f64([1, 3])))).toThrow();
    // (ExponentialFamily, ExponentialFamily) of different types (PyTorch's message has a run of spaces)
    expect(message(() => D.klDivergence(new D.Beta(f64([1]), f64([2])), new D.Dirichlet(f64([1, 2]))))).toBe(squash(E.beta_dirichlet.message));
    expect(message(() => D.klDivergence(new D.HalfCauchy(f64([1])), new D.Cauchy(f64([0]), f64([1]))))).toBe(E.halfcauchy_cauchy.message);
    expect(message(() => D.klDivergence(new D.VonMises(f64([0]), f64([1])), new D.VonMises(f64([0]), f64([2]))))).toBe(E.vonmises_vonmises.message);
  });
});

/** Each fixture transform's flint construction (TRANSFORMS in the script). */
const TRANSFORMS: Record<string, () => Transform> = {
  power: () => new TR.PowerTransform(f64([0.5, 2.0, -1.5])),
  power_number: () => new TR.PowerTransform(2),
  softplus: () => new TR.SoftplusTransform(),
  softmax: () => new TR.SoftmaxTransform(),
  stick_breaking: () => new TR.StickBreakingTransform(),
  lower_cholesky: () => new TR.LowerCholeskyTransform(),
  corr_cholesky: () => new TR.CorrCholeskyTransform(),
  reshape: () => new TR.ReshapeTransform([2, 3], [3, 2]),
  independent: () => new TR.IndependentTransform(new TR.ExpTransform(), 1),
  cat_dim1: () => new TR.CatTransform([new TR.ExpTransform(), new TR.AffineTransform(1, 2)], 1, [2, 1]),
  cat_dim0: () => new TR.CatTransform([new TR.SigmoidTransform(), new TR.ExpTransform()], 0, [1, 2]),
  cat_event: () => new TR.CatTransform([new TR.IndependentTransform(new TR.ExpTransform(), 1), new TR.SoftplusTransform()], -1, [2, 1]),
  stack: () => new TR.StackTransform([new TR.ExpTransform(), new TR.AffineTransform(1, 2), new TR.SoftplusTransform()], 1),
  cdf_normal: () => new TR.CumulativeDistributionTransform(new D.Normal(f64([0, 1, -1]), f64([1, 2, 0.5]))),
  identity: () => TR.identityTransform,
  positive_definite: () => new TR.PositiveDefiniteTransform(),
};

describe('transforms vs PyTorch (1.13; PositiveDefiniteTransform as 2.0 defines it)', () => {
  it('every fixture transform has a flint construction', () => {
    expect(FIXTURE.transforms.map((c) => c.name).filter((n) => !(n in TRANSFORMS))).toEqual([]);
  });
  for (const c of FIXTURE.transforms) {
    it(`${c.name}: call, inverse, logAbsDetJacobian${c.ladjError ? ' (throws)' : ''}, shapes, event dims, bijective${c.sign !== undefined ? ', sign' : ''}`, () => {
      const t = TRANSFORMS[c.name]();
      const x = fromSer(c.x);
      const y = t.call(x);
      expectClose(y, c.y, 'call');
      expectClose(t.inverse(y), c.inv, 'inverse', 1e-9);
      if (c.ladj) expectClose(t.logAbsDetJacobian(x, y), c.ladj, 'logAbsDetJacobian');
      else expect(() => t.logAbsDetJacobian(x, y), 'logAbsDetJacobian').toThrow();
      expect(t.forwardShape(c.forwardShape.in), 'forwardShape').toEqual(c.forwardShape.out);
      expect(t.inverseShape(c.inverseShape.in), 'inverseShape').toEqual(c.inverseShape.out);
      expect(t.domain.eventDim, 'domain.eventDim').toBe(c.domainEventDim);
      expect(t.codomain.eventDim, 'codomain.eventDim').toBe(c.codomainEventDim);
      expect(t.bijective, 'bijective').toBe(c.bijective);
      if (c.sign !== undefined) {
        const s = t.sign;
        expect(typeof s === 'number' ? s : data(s)[0], 'sign').toBe(c.sign);
      }
      if (c.inCodomain !== undefined) expect(data(t.codomain.check(y)).every((v) => v === 1), 'in the codomain').toBe(c.inCodomain);
    });
  }
});

/** Each constraint of the bijectTo / transformTo cases (CONSTRAINT_CASES in the script). */
const CONSTRAINTS: Record<string, () => Constraint> = {
  real: () => Cn.real,
  positive: () => Cn.positive,
  greater_than: () => Cn.greaterThan(1.5),
  less_than: () => Cn.lessThan(-2),
  interval: () => Cn.interval(-1, 3),
  unit_interval: () => Cn.unitInterval,
  simplex_biject: () => Cn.simplex,
  simplex_transform: () => Cn.simplex,
  lower_cholesky_transform: () => Cn.lowerCholesky,
  corr_cholesky: () => Cn.corrCholesky,
  real_vector: () => Cn.realVector,
  independent_positive: () => Cn.independent(Cn.positive, 1),
  independent_transform: () => Cn.independent(Cn.interval(0, 2), 1),
  cat: () => Cn.cat([Cn.positive, Cn.interval(0, 1)], 1, [2, 1]),
  stack: () => Cn.stack([Cn.real, Cn.positive, Cn.greaterThan(-1)], 1),
  stack_transform: () => Cn.stack([Cn.positive, Cn.unitInterval], 0),
};

describe('bijectTo / transformTo vs PyTorch 1.13', () => {
  it('every fixture constraint has a flint constraint', () => {
    expect(FIXTURE.constraintTransforms.map((c) => c.name).filter((n) => !(n in CONSTRAINTS))).toEqual([]);
  });
  for (const c of FIXTURE.constraintTransforms) {
    it(`${c.which === 'biject' ? 'bijectTo' : 'transformTo'}(${c.name}): values${c.ladj ? ', logAbsDetJacobian' : ''}${c.inv ? ', inverse' : ''}, lands in the constraint`, () => {
      const con = CONSTRAINTS[c.name]();
      const t = c.which === 'biject' ? D.bijectTo(con) : D.transformTo(con);
      const x = fromSer(c.x);
      const y = t.call(x);
      expectClose(y, c.y, 'call');
      if (c.ladj) expectClose(t.logAbsDetJacobian(x, y), c.ladj, 'logAbsDetJacobian');
      else expect(() => t.logAbsDetJacobian(x, y)).toThrow();
      if (c.inv) expectClose(t.inverse(y), c.inv, 'inverse', 1e-9);
      expect(data(con.check(y)).every((v) => v === 1), 'in the constraint').toBe(c.inCodomain);
    });
  }
  it('constraints without a bijection', () => {
    const E = FIXTURE.constraintErrors;
    expect(() => D.bijectTo(Cn.lowerCholesky)).toThrow(E.biject_lower_cholesky.message);
    expect(() => D.bijectTo(Cn.positiveDefinite)).toThrow(E.biject_positive_definite.message);
  });
});

describe('TransformedDistribution(Normal(zeros(3), ones(3)), [StickBreakingTransform()])', () => {
  it('batch shape [], event shape [4], logProb at simplex points', () => {
    const S = FIXTURE.stickBreakingTD;
    const base = new D.Normal(torch.zeros([3], { dtype: torch.float64 }), torch.ones([3], { dtype: torch.float64 }));
    const d = new D.TransformedDistribution(base, [new TR.StickBreakingTransform()]);
    expect([...d.batchShape]).toEqual(S.batchShape);
    expect([...d.eventShape]).toEqual(S.eventShape);
    const v = fromSer(S.value);
    expectClose(d.logProb(v), S.logProb, 'logProb');
    expectClose(d.logProb(v.select(0, 0)), S.logProb1, 'logProb of one point');
  });
});
