/**
 * torch.distributions against PyTorch 1.13 (tests/fixtures/distributions.json, written by
 * scripts/make_distributions_fixtures.py): shapes, moments, entropy, log_prob/cdf/icdf
 * (broadcasting values included), probs/logits, MVN's matrices, gradients of log_prob and
 * entropy, reparameterized samples and their gradients, seeded sample streams (flint's
 * generator mirrors PyTorch's CPU one), KL divergences, enumerate_support, expand,
 * Independent, TransformedDistribution, argument validation and its messages; float64
 * gradchecks by finite differences. The Gamma family (Gamma, Chi2, Dirichlet, Beta,
 * StudentT): the same, plus torch._standardGamma / _sampleDirichlet streams and the
 * reparameterized-gradient kernels _standardGammaGrad / _dirichletGrad on grids that reach
 * every branch of PyTorch's approximations. Cauchy (and Tensor.cauchy_'s stream), Geometric,
 * HalfNormal, Gumbel, the relaxed Bernoulli / categorical distributions, MixtureSameFamily and
 * Multinomial: the same checks, their KL pairs, AbsTransform and their validation. torch.binomial
 * (the stream of each of PyTorch's samplers: inversion and BTRS, on p and on 1 - p), Binomial
 * and NegativeBinomial: the same checks, enumerateSupport, and Binomial's KL pairs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const D = torch.distributions;
type Dist = torch.distributions.Distribution;

type Value = number | 'nan' | 'inf' | '-inf';
interface Ser {
  shape: number[];
  dtype: string;
  data: Value[];
}
interface Raised {
  error: string;
}
interface ErrorCase {
  type: string;
  message: string;
  keys: string[];
}
interface Param {
  name: string;
  value: Ser | { number: number };
}
interface ValueCase {
  name: string;
  params: Param[];
  validate: boolean;
  batchShape: number[];
  eventShape: number[];
  hasRsample: boolean;
  props: Record<string, Ser | Raised>;
  logProb: { value: Ser; out: Ser }[];
  cdf: { value: Ser; out: Ser }[];
  icdf: { value: Ser; out: Ser }[];
  cdfError?: string;
}
const FIXTURE: {
  torch: string;
  values: ValueCase[];
  grads: { name: string; terms: 'logProb' | 'logProb+entropy'; objective: number; grads: Record<string, Ser | null> }[];
  rsample: { name: string; seed: number; shape: number[]; out: Ser; grads: Record<string, Ser | null>; weights?: Ser; branches: string[] }[];
  samples: { name: string; seed: number; shape: number[]; out: Ser }[];
  consecutive: { name: string; seed: number; first: Ser; second: Ser };
  kl: { name: string; out: Ser; gradLoc: Ser | null }[];
  klCross: { name: string; out: Ser }[];
  klErrors: Record<string, { type: string; message: string }>;
  registerKl: { mine: Ser; mixed: Ser };
  enumerate: ({ name: string; expand: Ser; noExpand: Ser } | { name: string; error: { type: string; message: string } })[];
  expand: {
    name: string;
    shape: number[];
    batchShape: number[];
    eventShape: number[];
    value: Ser;
    logProb: Ser;
    mean: Ser | Raised;
    seed: number;
    sample: Ser;
  }[];
  errors: Record<string, ErrorCase>;
  noValidate: Record<string, Ser | { type: string; message: string }>;
  independent: {
    name: string;
    reinterpreted: number;
    batchShape: number[];
    eventShape: number[];
    baseBatchShape: number[];
    value: Ser;
    baseLogProb: Ser;
    logProb: Ser;
    entropy: Ser;
    hasRsample: boolean;
  }[];
  klParams: { name: string; out: Ser; grads: Record<string, Ser> }[];
  lowLevel: {
    standardGamma: { seed: number; alpha: Ser; out: Ser }[];
    sampleDirichlet: { seed: number; alpha: Ser; out: Ser }[];
    standardGammaRsample: { seed: number; alpha: Ser; out: Ser; weights: Ser; grad: Ser; gradFn: string; branches: string[] }[];
    gammaGrad: { label: string; alpha: Ser; x: Ser; out: Ser; branches: string[]; outDouble?: Ser; noisy?: number[] }[];
    dirichletGrad: { label: string; x: Ser; alpha: Ser; total: Ser; out: Ser; branches: string[]; outDouble?: Ser; noisy?: number[] }[];
    cauchy: { seed: number; n: number; dtype: string; median: number | null; sigma: number | null; generator: boolean; out: Ser }[];
    cauchyNegativeSigma: { seed: number; n: number; median: number; sigma: number; out: Ser };
    binomial: { label: string; seed: number; generator: boolean; count: Ser; prob: Ser; out: Ser; paths: string[] }[];
    binomialGrad: { requiresGrad: boolean; backwardError: string };
  };
  absTransform: { x: Ser; y: Ser; inv: Ser; bijective: boolean; domain: string; codomain: string; ladjError: string };
} = JSON.parse(readFileSync(new URL('./fixtures/distributions.json', import.meta.url), 'utf8'));

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

/** value tolerance (relative, absolute below 1) by dtype: float64 ~1e-10, float32 ~2e-6, integers exact */
const VALUE_RTOL: Record<string, number> = { float64: 1e-10, float32: 2e-6, int64: 0 };
/** sample-stream tolerance: the same draws, so float64 to rounding */
const SAMPLE_RTOL: Record<string, number> = { float64: 1e-12, float32: 1e-6, int64: 0 };

/** Same shape and dtype, and equal within `rtol` relatively (absolutely below 1); NaN matches NaN, infinities exactly. */
function expectClose(actual: Tensor, expected: Ser, what: string, rtol = VALUE_RTOL[expected.dtype]): void {
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

/** Each fixture case's flint constructor call (the Python side is CASES in the script). */
const BUILD: Record<string, (p: Params, o: Options) => Dist> = {
  normal_scalar: (p, o) => new D.Normal(p.loc, p.scale, o),
  normal_vec: (p, o) => new D.Normal(p.loc, p.scale, o),
  normal_broadcast: (p, o) => new D.Normal(p.loc, p.scale, o),
  normal_mixed: (p, o) => new D.Normal(p.loc, p.scale, o),
  normal_f32: (p, o) => new D.Normal(p.loc, p.scale, o),
  normal_novalidate: (p, o) => new D.Normal(p.loc, p.scale, o),
  bernoulli_probs: (p, o) => new D.Bernoulli(p.probs, o),
  bernoulli_probs_kw: (p, o) => new D.Bernoulli({ probs: p.probs, ...o }),
  bernoulli_logits: (p, o) => new D.Bernoulli({ logits: p.logits, ...o }),
  bernoulli_scalar: (p, o) => new D.Bernoulli(p.probs, o),
  categorical_probs: (p, o) => new D.Categorical(T(p.probs), o),
  categorical_logits: (p, o) => new D.Categorical({ logits: T(p.logits), ...o }),
  categorical_zero: (p, o) => new D.Categorical({ probs: T(p.probs), ...o }),
  categorical_f32: (p, o) => new D.Categorical(T(p.probs), o),
  onehot_probs: (p, o) => new D.OneHotCategorical(T(p.probs), o),
  onehot_logits: (p, o) => new D.OneHotCategorical({ logits: T(p.logits), ...o }),
  uniform_vec: (p, o) => new D.Uniform(p.low, p.high, o),
  uniform_broadcast: (p, o) => new D.Uniform(p.low, p.high, o),
  uniform_scalar: (p, o) => new D.Uniform(p.low, p.high, o),
  uniform_f32: (p, o) => new D.Uniform(p.low, p.high, o),
  uniform_novalidate: (p, o) => new D.Uniform(p.low, p.high, o),
  exponential_vec: (p, o) => new D.Exponential(p.rate, o),
  exponential_scalar: (p, o) => new D.Exponential(p.rate, o),
  laplace_vec: (p, o) => new D.Laplace(p.loc, p.scale, o),
  laplace_broadcast: (p, o) => new D.Laplace(p.loc, p.scale, o),
  laplace_scalar: (p, o) => new D.Laplace(p.loc, p.scale, o),
  poisson_vec: (p, o) => new D.Poisson(p.rate, o),
  poisson_scalar: (p, o) => new D.Poisson(p.rate, o),
  poisson_2d: (p, o) => new D.Poisson(p.rate, o),
  independent_normal: (p, o) => new D.Independent(new D.Normal(p.loc, p.scale), 1, o),
  independent_normal_2: (p, o) => new D.Independent(new D.Normal(p.loc, p.scale), 2, o),
  independent_bernoulli: (p, o) => new D.Independent(new D.Bernoulli(p.probs), 1, o),
  independent_mvn: (p, o) => new D.Independent(new D.MultivariateNormal(T(p.loc), { scaleTril: T(p.scale_tril) }), 1, o),
  mvn_cov: (p, o) => new D.MultivariateNormal(T(p.loc), { covarianceMatrix: T(p.covariance_matrix), ...o }),
  mvn_prec: (p, o) => new D.MultivariateNormal(T(p.loc), { precisionMatrix: T(p.precision_matrix), ...o }),
  mvn_tril: (p, o) => new D.MultivariateNormal(T(p.loc), { scaleTril: T(p.scale_tril), ...o }),
  mvn_batched_loc: (p, o) => new D.MultivariateNormal(T(p.loc), { covarianceMatrix: T(p.covariance_matrix), ...o }),
  mvn_batched_cov: (p, o) => new D.MultivariateNormal(T(p.loc), { covarianceMatrix: T(p.covariance_matrix), ...o }),
  mvn_batched_prec: (p, o) => new D.MultivariateNormal(T(p.loc), { precisionMatrix: T(p.precision_matrix), ...o }),
  lognormal: (p, o) => new D.LogNormal(p.loc, p.scale, o),
  lognormal_scalar: (p, o) => new D.LogNormal(p.loc, p.scale, o),
  transformed_exp: (p, o) => new D.TransformedDistribution(new D.Normal(p.loc, p.scale), new D.transforms.ExpTransform(), o),
  transformed_affine_sigmoid: (p, o) =>
    new D.TransformedDistribution(
      new D.Normal(p.loc, p.scale),
      [new D.transforms.AffineTransform(1, 2), new D.transforms.SigmoidTransform()],
      o,
    ),
  transformed_tanh: (p, o) => new D.TransformedDistribution(new D.Normal(p.loc, p.scale), new D.transforms.TanhTransform(), o),
  transformed_affine_neg: (p, o) =>
    new D.TransformedDistribution(new D.Normal(p.loc, p.scale), [new D.transforms.AffineTransform(0.5, -3)], o),
  gamma_vec: (p, o) => new D.Gamma(p.concentration, p.rate, o),
  gamma_small: (p, o) => new D.Gamma(p.concentration, p.rate, o),
  gamma_broadcast: (p, o) => new D.Gamma(p.concentration, p.rate, o),
  gamma_scalar: (p, o) => new D.Gamma(p.concentration, p.rate, o),
  gamma_f32: (p, o) => new D.Gamma(p.concentration, p.rate, o),
  chi2_vec: (p, o) => new D.Chi2(p.df, o),
  chi2_scalar: (p, o) => new D.Chi2(p.df, o),
  chi2_f32: (p, o) => new D.Chi2(p.df, o),
  dirichlet_batched: (p, o) => new D.Dirichlet(T(p.concentration), o),
  dirichlet_mix: (p, o) => new D.Dirichlet(T(p.concentration), o),
  dirichlet_vec: (p, o) => new D.Dirichlet(T(p.concentration), o),
  dirichlet_f32: (p, o) => new D.Dirichlet(T(p.concentration), o),
  beta_broadcast: (p, o) => new D.Beta(p.concentration1, p.concentration0, o),
  beta_scalar: (p, o) => new D.Beta(p.concentration1, p.concentration0, o),
  beta_f32: (p, o) => new D.Beta(p.concentration1, p.concentration0, o),
  beta_mixed: (p, o) => new D.Beta(p.concentration1, p.concentration0, o),
  studentt_vec: (p, o) => new D.StudentT(p.df, p.loc, p.scale, o),
  studentt_df_only: (p, o) => new D.StudentT(p.df, o),
  studentt_scalar: (p, o) => new D.StudentT(p.df, p.loc, p.scale, o),
  studentt_f32: (p, o) => new D.StudentT(p.df, p.loc, p.scale, o),
  studentt_big_sample: (p, o) => new D.StudentT(p.df, p.loc, p.scale, o),
  cauchy_vec: (p, o) => new D.Cauchy(p.loc, p.scale, o),
  cauchy_scalar: (p, o) => new D.Cauchy(p.loc, p.scale, o),
  geometric_probs: (p, o) => new D.Geometric(p.probs, o),
  geometric_logits: (p, o) => new D.Geometric({ logits: p.logits, ...o }),
  geometric_scalar: (p, o) => new D.Geometric(p.probs, o),
  halfnormal_vec: (p, o) => new D.HalfNormal(p.scale, o),
  halfnormal_scalar: (p, o) => new D.HalfNormal(p.scale, o),
  halfnormal_novalidate: (p, o) => new D.HalfNormal(p.scale, o),
  gumbel_vec: (p, o) => new D.Gumbel(p.loc, p.scale, o),
  gumbel_broadcast: (p, o) => new D.Gumbel(p.loc, p.scale, o),
  gumbel_scalar: (p, o) => new D.Gumbel(p.loc, p.scale, o),
  // temperature: a tensor as PyTorch's, or a number (flint makes it a tensor of the parameter's dtype)
  logit_relaxed_bernoulli_probs: (p, o) => new D.LogitRelaxedBernoulli(p.temperature, p.probs, o),
  logit_relaxed_bernoulli_logits: (p, o) => new D.LogitRelaxedBernoulli(p.temperature, { logits: p.logits, ...o }),
  relaxed_bernoulli_probs: (p, o) => new D.RelaxedBernoulli(p.temperature, p.probs, o),
  relaxed_bernoulli_logits: (p, o) => new D.RelaxedBernoulli(p.temperature, { logits: p.logits, ...o }),
  exp_relaxed_categorical_probs: (p, o) => new D.ExpRelaxedCategorical(p.temperature, p.probs, o),
  exp_relaxed_categorical_logits: (p, o) => new D.ExpRelaxedCategorical(p.temperature, { logits: p.logits, ...o }),
  relaxed_onehot_probs: (p, o) => new D.RelaxedOneHotCategorical(p.temperature, p.probs, o),
  relaxed_onehot_logits: (p, o) => new D.RelaxedOneHotCategorical(p.temperature, { logits: p.logits, ...o }),
  relaxed_onehot_f32: (p, o) => new D.RelaxedOneHotCategorical(p.temperature, { logits: p.logits, ...o }),
  mixture_gmm_1d: (p, o) => new D.MixtureSameFamily(new D.Categorical({ logits: T(p.mix_logits) }), new D.Normal(p.loc, p.scale), o),
  mixture_gmm_2d: (p, o) =>
    new D.MixtureSameFamily(new D.Categorical(T(p.mix_probs)), new D.Independent(new D.Normal(p.loc, p.scale), 1), o),
  mixture_batched: (p, o) => new D.MixtureSameFamily(new D.Categorical({ logits: T(p.mix_logits) }), new D.Normal(p.loc, p.scale), o),
  mixture_pad_numel: (p, o) => new D.MixtureSameFamily(new D.Categorical(T(p.mix_probs)), new D.Normal(p.loc, p.scale), o),
  multinomial_probs: (p, o) => new D.Multinomial(p.total_count, p.probs, o),
  multinomial_zero: (p, o) => new D.Multinomial(p.total_count, p.probs, o),
  multinomial_logits: (p, o) => new D.Multinomial(p.total_count, { logits: p.logits, ...o }),
  multinomial_f32: (p, o) => new D.Multinomial(p.total_count, p.probs, o),
  binomial_probs: (p, o) => new D.Binomial(p.total_count, p.probs, o),
  // PyTorch's default total_count of 1
  binomial_default: (p, o) => new D.Binomial(undefined, p.probs, o),
  binomial_logits: (p, o) => new D.Binomial(p.total_count, { logits: p.logits, ...o }),
  binomial_tensor_count: (p, o) => new D.Binomial(p.total_count, p.probs, o),
  binomial_f32: (p, o) => new D.Binomial(p.total_count, p.probs, o),
  negbin_probs: (p, o) => new D.NegativeBinomial(p.total_count, p.probs, o),
  negbin_logits: (p, o) => new D.NegativeBinomial(p.total_count, { logits: p.logits, ...o }),
  negbin_f32: (p, o) => new D.NegativeBinomial(p.total_count, p.probs, o),
};

const CASE = new Map(FIXTURE.values.map((c) => [c.name, c]));

/** The case's parameters as flint values: numbers stay numbers; float tensors require grad when asked. */
function params(c: ValueCase, requiresGrad = false): Params {
  const p: Params = {};
  for (const { name, value } of c.params) {
    if ('number' in value) p[name] = value.number;
    else {
      const t = fromSer(value);
      p[name] = requiresGrad && value.dtype !== 'int64' ? t.requiresGrad_() : t;
    }
  }
  return p;
}
function build(name: string, requiresGrad = false): { d: Dist; p: Params } {
  const c = CASE.get(name)!;
  const p = params(c, requiresGrad);
  return { d: BUILD[name](p, c.validate ? undefined : { validateArgs: false }), p };
}

/** PyTorch's property names, camelCased in flint */
const PROP: Record<string, string> = {
  mean: 'mean',
  mode: 'mode',
  variance: 'variance',
  stddev: 'stddev',
  probs: 'probs',
  logits: 'logits',
  scale_tril: 'scaleTril',
  covariance_matrix: 'covarianceMatrix',
  precision_matrix: 'precisionMatrix',
  concentration: 'concentration',
  rate: 'rate',
  df: 'df',
  concentration1: 'concentration1',
  concentration0: 'concentration0',
  loc: 'loc',
  scale: 'scale',
  temperature: 'temperature',
  total_count: 'totalCount',
};
function read(d: Dist, prop: string): Tensor {
  if (prop === 'entropy') return d.entropy();
  if (prop === 'perplexity') return d.perplexity();
  return (d as unknown as Record<string, Tensor>)[PROP[prop]];
}

describe('distributions vs PyTorch 1.13: shapes, moments, entropy, log_prob, cdf, icdf', () => {
  it('every fixture case has a flint constructor, and the fixture is from 1.13', () => {
    expect(FIXTURE.torch.startsWith('1.13')).toBe(true);
    expect(FIXTURE.values.map((c) => c.name).filter((n) => !(n in BUILD))).toEqual([]);
    expect(Object.keys(BUILD).filter((n) => !CASE.has(n))).toEqual([]);
  });
  for (const c of FIXTURE.values) {
    it(`${c.name}: batch/event shape, hasRsample, properties`, () => {
      const { d } = build(c.name);
      expect([...d.batchShape], 'batchShape').toEqual(c.batchShape);
      expect([...d.eventShape], 'eventShape').toEqual(c.eventShape);
      expect(d.hasRsample, 'hasRsample').toBe(c.hasRsample);
      for (const [prop, want] of Object.entries(c.props)) {
        if (isRaised(want)) expect(() => read(d, prop), `${prop} raises ${want.error} in PyTorch`).toThrow();
        else expectClose(read(d, prop), want, prop);
      }
    });
    if (c.logProb.length > 0 || c.cdfError) {
      it(`${c.name}: logProb${c.cdfError ? ' (cdf is not implemented)' : ''}`, () => {
        const { d } = build(c.name);
        c.logProb.forEach(({ value, out }, i) => expectClose(d.logProb(fromSer(value)), out, `logProb #${i}`));
        if (c.cdfError) expect(() => d.cdf(fromSer(c.logProb[0].value))).toThrow();
      });
    }
    if (c.cdf.length > 0 || c.icdf.length > 0) {
      it(`${c.name}: cdf and icdf`, () => {
        const { d } = build(c.name);
        c.cdf.forEach(({ value, out }, i) => expectClose(d.cdf(fromSer(value)), out, `cdf #${i}`));
        c.icdf.forEach(({ value, out }, i) => expectClose(d.icdf(fromSer(value)), out, `icdf #${i}`));
      });
    }
  }
});

describe('gradients of logProb(value).sum() + entropy().sum() w.r.t. the parameters', () => {
  for (const g of FIXTURE.grads) {
    it(`${g.name} (${g.terms})`, () => {
      const c = CASE.get(g.name)!;
      const { d, p } = build(g.name, true);
      let objective = d.logProb(fromSer(c.logProb[0].value)).sum();
      if (g.terms === 'logProb+entropy') objective = objective.add(d.entropy().sum());
      const dtype = objective.dtype.name;
      expect(Math.abs(data(objective)[0] - g.objective) <= VALUE_RTOL[dtype] * 10 * Math.max(1, Math.abs(g.objective))).toBe(true);
      objective.backward();
      for (const [name, want] of Object.entries(g.grads)) {
        const leaf = p[name] as Tensor;
        if (want === null) expect(leaf.grad, `${name}.grad`).toBeNull();
        else expectClose(leaf.grad!, want, `d/d${name}`, dtype === 'float32' ? 1e-5 : 1e-9);
      }
    });
  }
});

describe('rsample: seeded reparameterized draws and their gradients', () => {
  for (const r of FIXTURE.rsample) {
    const branches = r.branches?.length ? ` (gradient branches: ${r.branches.join(', ')})` : '';
    it(`${r.name}: rsample(${JSON.stringify(r.shape)}) under manualSeed(${r.seed})${branches}`, () => {
      const { d, p } = build(r.name, true);
      torch.manualSeed(r.seed);
      const x = d.rsample(r.shape);
      expectClose(x, r.out, 'rsample', SAMPLE_RTOL[r.out.dtype]);
      const names = Object.keys(r.grads);
      if (names.length === 0) return;
      expect(x.requiresGrad).toBe(true);
      // (x * w).sum() where the fixture weights the draws (a Dirichlet row always sums to 1)
      (r.weights ? x.mul(fromSer(r.weights)) : x).sum().backward();
      for (const name of names) {
        const want = r.grads[name];
        const leaf = p[name] as Tensor;
        if (want === null) expect(leaf.grad, `${name}.grad`).toBeNull();
        else expectClose(leaf.grad!, want, `d/d${name}`, want.dtype === 'float32' ? 1e-5 : 1e-9);
      }
    });
  }
  it('sample() does not track gradients; rsample is refused where PyTorch has none', () => {
    const loc = f64([0, 1]).requiresGrad_();
    const d = new D.Normal(loc, 1);
    expect(d.sample([2]).requiresGrad).toBe(false);
    expect(d.rsample([2]).requiresGrad).toBe(true);
    expect(() => new D.Bernoulli(f64([0.5])).rsample()).toThrow();
    expect(() => new D.Categorical(f64([0.5, 0.5])).rsample()).toThrow();
    expect(() => new D.Poisson(f64([1])).rsample()).toThrow();
    const conc = f64([0.5, 3]).requiresGrad_();
    expect(new D.Gamma(conc, 1).sample([2]).requiresGrad).toBe(false);
    expect(new D.Gamma(conc, 1).rsample([2]).requiresGrad).toBe(true);
    expect(new D.Dirichlet(conc).sample().requiresGrad).toBe(false);
    expect(new D.Dirichlet(conc).rsample().requiresGrad).toBe(true);
  });
  it('the later families: rsample where PyTorch has it (Cauchy, HalfNormal, Gumbel, the relaxed ones), refused elsewhere', () => {
    // (LogitRelaxedBernoulli draws rsample too, but PyTorch 1.13 leaves its has_rsample False:
    // the fixture's hasRsample checks that.)
    const s = f64([1, 2]).requiresGrad_();
    const t = f64(0.5).requiresGrad_();
    expect(new D.Cauchy(0, s).rsample([2]).requiresGrad).toBe(true);
    expect(new D.Cauchy(0, s).sample([2]).requiresGrad).toBe(false);
    expect(new D.HalfNormal(s).rsample([2]).requiresGrad).toBe(true);
    expect(new D.Gumbel(0, s).rsample([2]).requiresGrad).toBe(true);
    expect(new D.Gumbel(0, s).sample([2]).requiresGrad).toBe(false);
    expect(new D.LogitRelaxedBernoulli(t, f64([0.3])).rsample().requiresGrad).toBe(true);
    expect(new D.RelaxedBernoulli(t, f64([0.3])).rsample().requiresGrad).toBe(true);
    expect(new D.RelaxedOneHotCategorical(t, f64([0.3, 0.7])).rsample().requiresGrad).toBe(true);
    expect(new D.RelaxedOneHotCategorical(t, f64([0.3, 0.7])).sample().requiresGrad).toBe(false);
    for (const d of [
      new D.HalfNormal(s),
      new D.Gumbel(0, s),
      new D.Cauchy(0, s),
      new D.RelaxedBernoulli(t, f64([0.3])),
      new D.ExpRelaxedCategorical(t, f64([0.3, 0.7])),
      new D.RelaxedOneHotCategorical(t, f64([0.3, 0.7])),
    ]) {
      expect(d.hasRsample, d.constructor.name).toBe(true);
    }
    const mix = new D.MixtureSameFamily(new D.Categorical(f64([0.5, 0.5])), new D.Normal(f64([0, 1]), 1));
    const discrete = [new D.Binomial(10, f64([0.5])), new D.NegativeBinomial(2, f64([0.5]))];
    for (const d of [new D.Geometric(f64([0.5])), new D.Multinomial(3, f64([0.5, 0.5])), mix, ...discrete]) {
      expect(d.hasRsample, d.constructor.name).toBe(false);
      expect(() => d.rsample(), d.constructor.name).toThrow();
    }
  });
});

describe('sample streams: manualSeed(s) then sample(shape) draws what PyTorch draws', () => {
  for (const s of FIXTURE.samples) {
    it(`${s.name}: sample(${JSON.stringify(s.shape)}) under manualSeed(${s.seed})`, () => {
      const { d } = build(s.name);
      torch.manualSeed(s.seed);
      expectClose(d.sample(s.shape), s.out, 'sample', SAMPLE_RTOL[s.out.dtype]);
    });
  }
  it('consecutive draws continue the stream, and the default sample shape is []', () => {
    const c = FIXTURE.consecutive;
    const { d } = build(c.name);
    torch.manualSeed(c.seed);
    expectClose(d.sample([2]), c.first, 'first', SAMPLE_RTOL.float64);
    expectClose(d.sample(), c.second, 'second', SAMPLE_RTOL.float64);
  });
});

/** The KL pairs (PyTorch's side is KL / KL_CROSS in the script); `rg` makes p's loc a leaf that requires grad. */
const KL: Record<string, (rg: boolean) => [Dist, Dist, Tensor | null]> = {
  normal_normal: (rg) => {
    const loc = f64([0, 1, -1]).requiresGrad_(rg);
    return [new D.Normal(loc, f64([1, 0.5, 2])), new D.Normal(f64([0.5, 1, 0]), f64([2, 0.5, 1])), loc];
  },
  normal_normal_broadcast: (rg) => {
    const loc = f64([[0], [1]]).requiresGrad_(rg);
    return [new D.Normal(loc, f64([1, 2])), new D.Normal(f64(0.5), f64(1.5)), loc];
  },
  bernoulli_bernoulli: () => [new D.Bernoulli(f64([0.1, 0.5, 0.9])), new D.Bernoulli(f64([0.3, 0.5, 0.2])), null],
  bernoulli_bernoulli_logits: () => [new D.Bernoulli({ logits: f64([-1, 2]) }), new D.Bernoulli({ logits: f64([0.5, 0]) }), null],
  bernoulli_bernoulli_edges: () => [new D.Bernoulli(f64([0, 1, 0.5, 0])), new D.Bernoulli(f64([0.5, 0.5, 0, 0])), null],
  categorical_categorical: () => [
    new D.Categorical(f64([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])),
    new D.Categorical(f64([0.4, 0.4, 0.2])),
    null,
  ],
  categorical_categorical_zeros: () => [
    new D.Categorical(f64([[0, 0.5, 0.5], [0.5, 0.5, 0]])),
    new D.Categorical(f64([[0.2, 0.3, 0.5], [0.5, 0, 0.5]])),
    null,
  ],
  categorical_categorical_logits: () => [new D.Categorical({ logits: f64([1, -1, 0]) }), new D.Categorical({ logits: f64([0, 0, 2]) }), null],
  onehot_onehot: () => [
    new D.OneHotCategorical(f64([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])),
    new D.OneHotCategorical({ logits: f64([0, 1, -1]) }),
    null,
  ],
  uniform_uniform: () => [new D.Uniform(f64([0, 0.5]), f64([1, 1])), new D.Uniform(f64([-1, 0]), f64([2, 1.5])), null],
  uniform_uniform_inf: () => [new D.Uniform(f64([0, 0, 0.2]), f64([2, 1, 0.8])), new D.Uniform(f64([0.5, -1, 0]), f64([1, 0.5, 1])), null],
  exponential_exponential: () => [new D.Exponential(f64([0.5, 1, 3])), new D.Exponential(f64([1, 2, 0.5])), null],
  laplace_laplace: () => [new D.Laplace(f64([0, 1]), f64([1, 0.5])), new D.Laplace(f64([0.5, 1]), f64([2, 0.5])), null],
  poisson_poisson: () => [new D.Poisson(f64([0.5, 2, 4])), new D.Poisson(f64([1, 2, 0.5])), null],
  mvn_mvn: (rg) => {
    const loc = f64([1, -1, 0.5]).requiresGrad_(rg);
    return [
      new D.MultivariateNormal(loc, { covarianceMatrix: f64([[2, 0.5, 0.3], [0.5, 1, -0.2], [0.3, -0.2, 1.5]]) }),
      new D.MultivariateNormal(f64([0, 0, 0]), { scaleTril: f64([[1, 0, 0], [0.2, 1.5, 0], [-0.3, 0.1, 0.8]]) }),
      loc,
    ];
  },
  mvn_mvn_batched: (rg) => {
    const loc = f64([[0, 0], [1, 2]]).requiresGrad_(rg);
    return [
      new D.MultivariateNormal(loc, { precisionMatrix: f64([[2, 0.5], [0.5, 1]]) }),
      new D.MultivariateNormal(f64([0.5, 0.5]), { covarianceMatrix: f64([[[1, 0.2], [0.2, 2]], [[0.5, -0.1], [-0.1, 0.3]]]) }),
      loc,
    ];
  },
  independent_independent: (rg) => {
    const loc = f64([[0, 1], [2, 3]]).requiresGrad_(rg);
    return [
      new D.Independent(new D.Normal(loc, f64([[1, 2], [0.5, 1]])), 1),
      new D.Independent(new D.Normal(f64([[1, 1], [1, 1]]), f64([[1, 1], [1, 1]])), 1),
      loc,
    ];
  },
};
const KL_CROSS: Record<string, () => [Dist, Dist]> = {
  normal_laplace: () => [new D.Normal(f64([0, 1]), f64([1, 0.5])), new D.Laplace(f64([0.5, 1]), f64([2, 1]))],
  laplace_normal: () => [new D.Laplace(f64([0, 1]), f64([1, 0.5])), new D.Normal(f64([0.5, 1]), f64([2, 1]))],
  exponential_normal: () => [new D.Exponential(f64([0.5, 2])), new D.Normal(f64([1, 0]), f64([1, 3]))],
  uniform_normal: () => [new D.Uniform(f64([0, -1]), f64([1, 2])), new D.Normal(f64([0.5, 0]), f64([1, 2]))],
  uniform_exponential: () => [new D.Uniform(f64([0, 1, -1]), f64([1, 3, 1])), new D.Exponential(f64([2, 0.5, 1]))],
  normal_uniform: () => [new D.Normal(f64([0]), f64([1])), new D.Uniform(f64([-1]), f64([1]))],
  normal_exponential: () => [new D.Normal(f64([0]), f64([1])), new D.Exponential(f64([1]))],
  exponential_uniform: () => [new D.Exponential(f64([1])), new D.Uniform(f64([0]), f64([5]))],
  laplace_uniform: () => [new D.Laplace(f64([0]), f64([1])), new D.Uniform(f64([0]), f64([5]))],
  laplace_exponential: () => [new D.Laplace(f64([0]), f64([1])), new D.Exponential(f64([1]))],
  bernoulli_poisson: () => [new D.Bernoulli(f64([0.3, 0])), new D.Poisson(f64([1, 2]))],
  poisson_bernoulli: () => [new D.Poisson(f64([1, 2])), new D.Bernoulli(f64([0.3, 0.5]))],
  lognormal_lognormal: () => [new D.LogNormal(f64([0, 1]), f64([1, 0.5])), new D.LogNormal(f64([0.5, 0]), f64([2, 1]))],
  poisson_binomial: () => [new D.Poisson(f64([1, 2])), new D.Binomial(10, f64([0.3, 0.5]))],
};

/** The Gamma family's KL pairs (PyTorch's side is KL_PARAMS in the script): p, q and p's parameters as leaves. */
const leaves = <K extends string>(v: Record<K, number[] | number[][]>): Record<K, Tensor> =>
  Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f64(x as number[]).requiresGrad_()])) as Record<K, Tensor>;
const KL_PARAMS: Record<string, () => [Dist, Dist, Record<string, Tensor>]> = {
  gamma_gamma: () => {
    const L = leaves({ concentration: [0.5, 2, 9], rate: [1, 0.5, 3] });
    return [new D.Gamma(L.concentration, L.rate), new D.Gamma(f64([1, 3, 4]), f64([2, 0.5, 1])), L];
  },
  chi2_gamma: () => {
    const L = leaves({ df: [1, 5, 20] });
    return [new D.Chi2(L.df), new D.Gamma(f64([0.5, 3, 8]), f64([0.5, 1, 0.25])), L];
  },
  beta_beta: () => {
    const L = leaves({ concentration1: [0.5, 2, 8], concentration0: [1.5, 0.3, 9] });
    return [new D.Beta(L.concentration1, L.concentration0), new D.Beta(f64([1, 4, 2]), f64([1, 2, 3])), L];
  },
  dirichlet_dirichlet: () => {
    const L = leaves({ concentration: [[0.5, 1, 2], [3, 0.2, 1]] });
    return [new D.Dirichlet(L.concentration), new D.Dirichlet(f64([1, 2, 0.5])), L];
  },
  exponential_gamma: () => {
    const L = leaves({ rate: [0.5, 2, 1] });
    return [new D.Exponential(L.rate), new D.Gamma(f64([1.5, 0.7, 1]), f64([1, 3, 1])), L];
  },
  gamma_exponential: () => {
    const L = leaves({ concentration: [0.5, 3, 1], rate: [2, 1, 1] });
    return [new D.Gamma(L.concentration, L.rate), new D.Exponential(f64([1, 0.25, 1])), L];
  },
  geometric_geometric: () => {
    const L = leaves({ probs: [0.2, 0.5, 0.9] });
    return [new D.Geometric(L.probs), new D.Geometric(f64([0.4, 0.5, 0.1])), L];
  },
  geometric_geometric_logits: () => {
    const L = leaves({ logits: [-1, 0, 2] });
    return [new D.Geometric({ logits: L.logits }), new D.Geometric({ logits: f64([0.5, 0.5, -1]) }), L];
  },
  halfnormal_halfnormal: () => {
    const L = leaves({ scale: [1, 0.5, 2] });
    return [new D.HalfNormal(L.scale), new D.HalfNormal(f64([2, 0.5, 1])), L];
  },
  gumbel_gumbel: () => {
    const L = leaves({ loc: [0, 1, -2], scale: [1, 0.5, 2] });
    return [new D.Gumbel(L.loc, L.scale), new D.Gumbel(f64([0.5, 1, 0]), f64([2, 0.5, 1.5])), L];
  },
  lognormal_lognormal: () => {
    const L = leaves({ loc: [0, 1], scale: [1, 0.5] });
    return [new D.LogNormal(L.loc, L.scale), new D.LogNormal(f64([0.5, 0]), f64([2, 1])), L];
  },
  // p.totalCount > q.totalCount is +inf
  binomial_binomial: () => {
    const L = leaves({ probs: [0.2, 0.5, 0.9] });
    return [new D.Binomial(f64([10, 10, 5]), L.probs), new D.Binomial(f64([10, 5, 5]), f64([0.4, 0.5, 0.1])), L];
  },
  binomial_binomial_logits: () => {
    const L = leaves({ logits: [-1, 0, 2] });
    return [new D.Binomial(8, { logits: L.logits }), new D.Binomial(8, { logits: f64([0.5, 0.5, -1]) }), L];
  },
};

describe('klDivergence', () => {
  it('every fixture pair has a flint pair', () => {
    expect(FIXTURE.kl.map((k) => k.name).filter((n) => !(n in KL))).toEqual([]);
    expect(FIXTURE.klCross.map((k) => k.name).filter((n) => !(n in KL_CROSS))).toEqual([]);
  });
  for (const k of FIXTURE.kl) {
    it(`${k.name}${k.gradLoc ? ' and its gradient w.r.t. p.loc' : ''}`, () => {
      const [p, q, loc] = KL[k.name](k.gradLoc !== null);
      const out = D.klDivergence(p, q);
      expectClose(out, k.out, 'kl');
      if (k.gradLoc) {
        out.sum().backward();
        expectClose(loc!.grad!, k.gradLoc, 'd kl / d p.loc', 1e-9);
      }
    });
  }
  for (const k of FIXTURE.klParams) {
    it(`${k.name} and its gradients w.r.t. p's ${Object.keys(k.grads).join(', ')}`, () => {
      expect(k.name in KL_PARAMS, 'a flint pair').toBe(true);
      const [p, q, L] = KL_PARAMS[k.name]();
      const out = D.klDivergence(p, q);
      expectClose(out, k.out, 'kl');
      out.sum().backward();
      for (const [name, want] of Object.entries(k.grads)) expectClose(L[name].grad!, want, `d kl / d p.${name}`, 1e-9);
    });
  }
  for (const k of FIXTURE.klCross) {
    it(`registered cross-family pair ${k.name}`, () => {
      const [p, q] = KL_CROSS[k.name]();
      expectClose(D.klDivergence(p, q), k.out, 'kl');
    });
  }
  it('unregistered pairs raise (and different exponential families are not compared)', () => {
    const e = FIXTURE.klErrors;
    expect(() => D.klDivergence(new D.Categorical(f64([0.5, 0.5])), new D.Normal(f64(0), f64(1)))).toThrow(e.categorical_normal.message);
    // Both are exponential families: PyTorch's Bregman fallback refuses different families.
    expect(() => D.klDivergence(new D.Bernoulli(f64(0.3)), new D.Normal(f64(0), f64(1)))).toThrow('The cross KL-divergence between different exponential families cannot');
  });
  it('Binomial || Poisson and NegativeBinomial || NegativeBinomial are unregistered, as in PyTorch 1.13', () => {
    const e = FIXTURE.klErrors;
    expect(() => D.klDivergence(new D.Binomial(10, f64([0.3])), new D.Poisson(f64([3])))).toThrow(e.binomial_poisson.message);
    expect(() => D.klDivergence(new D.NegativeBinomial(2, f64([0.3])), new D.NegativeBinomial(2, f64([0.5])))).toThrow(e.negbin_negbin.message);
  });
  it('registerKl(P, Q)(fn): a subclass pair dispatches to its own function, a mixed pair to the parent one', () => {
    class MyNormal extends D.Normal {}
    const fn = (p: MyNormal, q: MyNormal): Tensor => p.loc.sub(q.loc).abs().mul(10);
    const returned = D.registerKl(MyNormal, MyNormal)(fn);
    expect(returned).toBe(fn);
    const mine = D.klDivergence(new MyNormal(f64([0, 1]), f64([1, 1])), new MyNormal(f64([2, 0]), f64([1, 3])));
    expectClose(mine, FIXTURE.registerKl.mine, 'MyNormal || MyNormal');
    const mixed = D.klDivergence(new MyNormal(f64([0, 1]), f64([1, 1])), new D.Normal(f64([2, 0]), f64([1, 3])));
    expectClose(mixed, FIXTURE.registerKl.mixed, 'MyNormal || Normal');
  });
});

/** Element-wise comparison that names the branch of each mismatch (the kernels' approximations are piecewise). */
function expectBranchwise(got: Tensor, want: Ser, branches: string[], inputs: Record<string, Ser>, rtol: number, skip: number[] = []): void {
  expect([...got.shape]).toEqual(want.shape);
  expect(got.dtype.name).toBe(want.dtype);
  const g = data(got);
  const misses: string[] = [];
  want.data.forEach((w, i) => {
    if (skip.includes(i)) return;
    const e = decode(w);
    const ok = Number.isNaN(e) ? Number.isNaN(g[i]) : !Number.isFinite(e) ? g[i] === e : Math.abs(g[i] - e) <= rtol * Math.max(1, Math.abs(e));
    if (!ok) {
      const at = Object.entries(inputs).map(([k, v]) => `${k}=${decode(v.data[i])}`).join(' ');
      misses.push(`[${i}] ${branches[i]} ${at}: got ${g[i]}, want ${e} (rel ${((g[i] - e) / Math.abs(e)).toExponential(2)})`);
    }
  });
  expect(misses).toEqual([]);
}

describe('torch._standardGamma, _sampleDirichlet, _standardGammaGrad, _dirichletGrad', () => {
  const L = FIXTURE.lowLevel;
  for (const c of L.standardGamma) {
    it(`_standardGamma(${c.alpha.dtype} ${JSON.stringify(c.alpha.shape)}) under manualSeed(${c.seed})`, () => {
      torch.manualSeed(c.seed);
      expectClose(torch._standardGamma(fromSer(c.alpha)), c.out, 'sample', SAMPLE_RTOL[c.out.dtype]);
    });
  }
  for (const c of L.sampleDirichlet) {
    it(`_sampleDirichlet(${c.alpha.dtype} ${JSON.stringify(c.alpha.shape)}) under manualSeed(${c.seed})`, () => {
      torch.manualSeed(c.seed);
      expectClose(torch._sampleDirichlet(fromSer(c.alpha)), c.out, 'sample', SAMPLE_RTOL[c.out.dtype]);
    });
  }
  for (const c of L.standardGammaRsample) {
    it(`_standardGamma is differentiable (${c.gradFn}, ${c.alpha.dtype}; branches ${c.branches.join(', ')})`, () => {
      const alpha = fromSer(c.alpha).requiresGrad_();
      torch.manualSeed(c.seed);
      const x = torch._standardGamma(alpha);
      expectClose(x, c.out, 'sample', SAMPLE_RTOL[c.out.dtype]);
      expect(x.gradFn?.name).toBe(c.gradFn);
      x.mul(fromSer(c.weights)).sum().backward();
      expectClose(alpha.grad!, c.grad, 'd/dalpha', c.grad.dtype === 'float32' ? 1e-5 : 1e-9);
    });
  }
  /**
   * float64: PyTorch's values at 1e-12. float32: flint evaluates every branch in double, so its
   * values are PyTorch's float64 evaluation at the same float32 inputs, rounded (at float32's
   * 2e-6); and within 1e-5 of PyTorch's float32 values except at the `noisy` points, where
   * PyTorch's float arithmetic (the Beta series stay in float) is itself further than that.
   */
  const checkGrid = (got: Tensor, c: { out: Ser; branches: string[]; outDouble?: Ser; noisy?: number[] }, inputs: Record<string, Ser>) => {
    if (c.out.dtype !== 'float32') return expectBranchwise(got, c.out, c.branches, inputs, 1e-12);
    expectBranchwise(got, c.outDouble!, c.branches, inputs, VALUE_RTOL.float32);
    expectBranchwise(got, c.out, c.branches, inputs, 1e-5, c.noisy);
  };
  for (const c of L.gammaGrad) {
    const branches = [...new Set(c.branches)].join(', ');
    it(`_standardGammaGrad(alpha, x) on the ${c.label} (${branches})`, () => {
      checkGrid(torch._standardGammaGrad(fromSer(c.alpha), fromSer(c.x)), c, { alpha: c.alpha, x: c.x });
    });
  }
  for (const c of L.dirichletGrad) {
    const branches = [...new Set(c.branches)].join(', ');
    const noisy = c.noisy?.length ? `; PyTorch's float32 is off its double at ${c.noisy.length} point(s)` : '';
    it(`_dirichletGrad(x, alpha, total) on the ${c.label} (${branches}${noisy})`, () => {
      checkGrid(torch._dirichletGrad(fromSer(c.x), fromSer(c.alpha), fromSer(c.total)), c, { x: c.x, alpha: c.alpha, total: c.total });
    });
  }
});

describe('Tensor.cauchy_: the stream PyTorch draws', () => {
  for (const c of FIXTURE.lowLevel.cauchy) {
    const args = c.median === null ? '' : `${c.median}, ${c.sigma}`;
    const how = c.generator ? `a Generator seeded ${c.seed}` : `manualSeed(${c.seed})`;
    it(`torch.empty(${c.n}, ${c.dtype}).cauchy_(${args}) under ${how}`, () => {
      const x = torch.empty([c.n], { dtype: DTYPES[c.dtype] });
      let out: Tensor;
      if (c.generator) {
        // the global stream is not touched: a draw after it continues from manualSeed
        torch.manualSeed(1);
        const before = torch.rand([2], { dtype: torch.float64 });
        torch.manualSeed(1);
        out = x.cauchy_(c.median!, c.sigma!, { generator: new torch.Generator().manualSeed(c.seed) });
        expectClose(torch.rand([2], { dtype: torch.float64 }), { shape: [2], dtype: 'float64', data: data(before) }, 'global stream', 0);
      } else {
        torch.manualSeed(c.seed);
        out = c.median === null ? x.cauchy_() : x.cauchy_(c.median, c.sigma!);
      }
      expect(out, 'in place: returns the tensor').toBe(x);
      expectClose(x, c.out, 'cauchy_', SAMPLE_RTOL[c.dtype]);
    });
  }
  it('a negative sigma is refused, as PyTorch 2.x refuses it (1.13 mirrored the draws)', () => {
    // flint follows the newer check: a negative scale is a mistake, not a reflection.
    const c = FIXTURE.lowLevel.cauchyNegativeSigma;
    expect(c.sigma).toBeLessThan(0);
    expect(() => torch.empty([c.n], { dtype: torch.float64 }).cauchy_(c.median, c.sigma)).toThrow(`cauchy_ expects sigma > 0.0, but found sigma=${c.sigma}`);
  });
  it('integer tensors are refused, as PyTorch\'s "cauchy_cpu" not implemented for \'Long\'', () => {
    expect(() => torch.empty([3], { dtype: torch.int64 }).cauchy_()).toThrow();
  });
});

describe('torch.binomial: the stream of each of PyTorch\'s samplers', () => {
  for (const c of FIXTURE.lowLevel.binomial) {
    const paths = [...new Set(c.paths)].join(', ');
    const how = c.generator ? `a Generator seeded ${c.seed}` : `manualSeed(${c.seed})`;
    it(`${c.count.dtype} ${c.label} (${paths}) under ${how}`, () => {
      const [count, prob] = [fromSer(c.count), fromSer(c.prob)];
      let out: Tensor;
      if (c.generator) {
        // the global stream is not touched: a draw after it continues from manualSeed
        torch.manualSeed(1);
        const before = torch.rand([2], { dtype: torch.float64 });
        torch.manualSeed(1);
        out = torch.binomial(count, prob, { generator: new torch.Generator().manualSeed(c.seed) });
        expectClose(torch.rand([2], { dtype: torch.float64 }), { shape: [2], dtype: 'float64', data: data(before) }, 'global stream', 0);
      } else {
        torch.manualSeed(c.seed);
        out = torch.binomial(count, prob);
      }
      // whole counts (or NaN) drawn exactly; a mismatch names its sampler and inputs
      const at = (t: Tensor): Ser => ({ shape: c.out.shape, dtype: c.out.dtype, data: data(t.expand(c.out.shape)) });
      expectBranchwise(out, c.out, c.paths, { count: at(count), prob: at(prob) }, 0);
    });
  }
  it('integer and mixed-dtype inputs are refused, as PyTorch refuses them', () => {
    const i64 = torch.tensor([3, 4], { dtype: torch.int64 });
    expect(() => torch.binomial(i64, i64)).toThrow();
    expect(() => torch.binomial(f64([10]), torch.tensor([0.5], { dtype: torch.float32 }))).toThrow();
  });
  it('not differentiable: the draws do not require grad (PyTorch marks them and its backward raises)', () => {
    // PyTorch 1.13 returns a tensor that requires grad whose backward fails with
    // "derivative for aten::binomial is not implemented"; flint leaves it out of the graph.
    const g = FIXTURE.lowLevel.binomialGrad;
    expect(g.requiresGrad).toBe(true);
    expect(g.backwardError).toContain('derivative for aten::binomial is not implemented');
    expect(torch.binomial(f64([3]).requiresGrad_(), f64([0.5])).requiresGrad).toBe(false);
  });
});

describe('AbsTransform', () => {
  it('y = |x|, inverse y, not bijective, no log-determinant', () => {
    const A = FIXTURE.absTransform;
    const t = new D.AbsTransform();
    const x = fromSer(A.x);
    expectClose(t.call(x), A.y, 'forward');
    expectClose(t.inv.call(x), A.inv, 'inverse');
    expect(t.bijective).toBe(A.bijective);
    expect(t.domain.toString()).toBe(A.domain);
    expect(t.codomain.toString()).toBe(A.codomain);
    expect(A.ladjError).toBe('NotImplementedError');
    // (through the base type: AbsTransform declares logAbsDetJacobian() with no parameters)
    const base: torch.distributions.Transform = t;
    expect(() => base.logAbsDetJacobian(x, t.call(x))).toThrow();
    expect(D.transforms.AbsTransform).toBe(D.AbsTransform);
  });
});

describe('enumerateSupport', () => {
  for (const e of FIXTURE.enumerate) {
    it(`${e.name}`, () => {
      const { d } = build(e.name);
      const en = d as unknown as { enumerateSupport(expand?: boolean): Tensor };
      if ('error' in e) {
        expect(() => en.enumerateSupport()).toThrow(e.error.message);
        return;
      }
      expectClose(en.enumerateSupport(), e.expand, 'expand=true');
      expectClose(en.enumerateSupport(true), e.expand, 'expand=true (explicit)');
      expectClose(en.enumerateSupport(false), e.noExpand, 'expand=false');
    });
  }
});

describe('expand', () => {
  for (const e of FIXTURE.expand) {
    it(`${e.name}.expand(${JSON.stringify(e.shape)}): shapes, logProb, mean, samples`, () => {
      const { d } = build(e.name);
      const x = d.expand(e.shape);
      expect([...x.batchShape]).toEqual(e.batchShape);
      expect([...x.eventShape]).toEqual(e.eventShape);
      expect([...d.batchShape], 'the original keeps its batch shape').toEqual(CASE.get(e.name)!.batchShape);
      expectClose(x.logProb(fromSer(e.value)), e.logProb, 'logProb');
      if (isRaised(e.mean)) expect(() => x.mean).toThrow();
      else expectClose(x.mean, e.mean, 'mean');
      torch.manualSeed(e.seed);
      expectClose(x.sample(), e.sample, 'sample', SAMPLE_RTOL[e.sample.dtype]);
    });
  }
});

describe('Independent', () => {
  const BASE: Record<string, (p: Params) => Dist> = {
    independent_normal: (p) => new D.Normal(p.loc, p.scale),
    independent_normal_2: (p) => new D.Normal(p.loc, p.scale),
    independent_bernoulli: (p) => new D.Bernoulli(p.probs),
    independent_mvn: (p) => new D.MultivariateNormal(T(p.loc), { scaleTril: T(p.scale_tril) }),
  };
  for (const c of FIXTURE.independent) {
    it(`${c.name}: reinterprets ${c.reinterpreted} batch dims and sums logProb and entropy over them`, () => {
      const vc = CASE.get(c.name)!;
      const p = params(vc);
      const base = BASE[c.name](p);
      const d = BUILD[c.name](p, undefined);
      expect([...base.batchShape]).toEqual(c.baseBatchShape);
      expect([...d.batchShape]).toEqual(c.batchShape);
      expect([...d.eventShape]).toEqual(c.eventShape);
      expect(d.hasRsample).toBe(c.hasRsample);
      const v = fromSer(c.value);
      expectClose(base.logProb(v), c.baseLogProb, 'base logProb');
      expectClose(d.logProb(v), c.logProb, 'logProb');
      expectClose(d.entropy(), c.entropy, 'entropy');
    });
  }
});

describe('argument validation', () => {
  const E = FIXTURE.errors;
  const THROWS: Record<string, () => unknown> = {
    normal_negative_scale: () => new D.Normal(0, -1),
    normal_negative_scale_tensor: () => new D.Normal(f64([0, 1]), f64([1, -1])),
    normal_nan_loc: () => new D.Normal(f64([NaN]), f64([1])),
    bernoulli_probs_1_5: () => new D.Bernoulli({ probs: 1.5 }),
    bernoulli_both: () => new D.Bernoulli({ probs: f64([0.5]), logits: f64([0]) }),
    bernoulli_neither: () => new D.Bernoulli({}),
    bernoulli_value_outside: () => new D.Bernoulli(0.3).logProb(torch.tensor(0.5)),
    categorical_both: () => new D.Categorical({ probs: f64([0.5, 0.5]), logits: f64([0, 0]) }),
    categorical_neither: () => new D.Categorical({}),
    categorical_negative: () => new D.Categorical(f64([0.5, -0.5, 1])),
    categorical_value_outside: () => new D.Categorical(f64([1, 1, 1])).logProb(torch.tensor(3, { dtype: torch.int64 })),
    categorical_0d: () => new D.Categorical(f64(0.5)),
    onehot_value_outside: () => new D.OneHotCategorical(f64([0.5, 0.5])).logProb(f64([1, 1])),
    exponential_value_outside: () => new D.Exponential(1).logProb(torch.tensor(-1, { dtype: torch.float32 })),
    exponential_rate_zero: () => new D.Exponential(f64([1, 0])),
    laplace_scale_zero: () => new D.Laplace(0, 0),
    uniform_low_ge_high: () => new D.Uniform(1, 0),
    uniform_value_outside: () => new D.Uniform(f64([0]), f64([1])).logProb(f64([1.5])),
    poisson_negative: () => new D.Poisson(-1),
    poisson_value_outside: () => new D.Poisson(f64([2])).logProb(f64([1.5])),
    normal_value_shape: () => new D.Normal(f64([0, 0, 0]), 1).logProb(f64([0, 0])),
    mvn_none: () => new D.MultivariateNormal(f64([0, 0]), {}),
    mvn_two: () =>
      new D.MultivariateNormal(f64([0, 0]), {
        covarianceMatrix: torch.eye(2, { dtype: torch.float64 }),
        scaleTril: torch.eye(2, { dtype: torch.float64 }),
      }),
    mvn_loc_0d: () => new D.MultivariateNormal(f64(0), { covarianceMatrix: torch.eye(2, { dtype: torch.float64 }) }),
    mvn_not_pd: () => new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[1, 2], [2, 1]]) }),
    mvn_tril_not_lower: () => new D.MultivariateNormal(f64([0, 0]), { scaleTril: f64([[1, 0.5], [0, 1]]) }),
    mvn_value_event: () => new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: torch.eye(2, { dtype: torch.float64 }) }).logProb(f64([0, 0, 0])),
    independent_too_many: () => new D.Independent(new D.Normal(f64([0, 0, 0]), 1), 2),
    set_default_validate_args: () => D.Distribution.setDefaultValidateArgs('x' as unknown as boolean),
    gamma_negative_concentration: () => new D.Gamma(-1, 1),
    gamma_rate_zero: () => new D.Gamma(f64([1, 2]), f64([1, 0])),
    gamma_value_outside: () => new D.Gamma(2, 1).logProb(torch.tensor(-1, { dtype: torch.float32 })),
    chi2_negative: () => new D.Chi2(-1),
    dirichlet_negative: () => new D.Dirichlet(f64([0.5, -0.5, 1])),
    dirichlet_0d: () => new D.Dirichlet(f64(1)),
    dirichlet_value_outside: () => new D.Dirichlet(f64([1, 2, 3])).logProb(f64([0.5, 0.6, 0.1])),
    beta_negative: () => new D.Beta(-1, 1),
    beta_value_outside: () => new D.Beta(f64([2]), f64([3])).logProb(f64([1.5])),
    studentt_negative_df: () => new D.StudentT(-1),
    studentt_negative_scale: () => new D.StudentT(f64([1]), 0, -1),
    // PyTorch builds StudentT's inner Chi2 with the default validation, so this raises there
    studentt_negative_df_novalidate: () => new D.StudentT(f64([-1, 2]), { validateArgs: false }),
    cauchy_negative_scale: () => new D.Cauchy(0, -1),
    gumbel_scale_zero: () => new D.Gumbel(0, 0),
    halfnormal_negative: () => new D.HalfNormal(-1),
    halfnormal_value_outside: () => new D.HalfNormal(1).logProb(torch.tensor(-1, { dtype: torch.float32 })),
    geometric_zero: () => new D.Geometric(f64([0.5, 0])),
    geometric_probs_1_5: () => new D.Geometric(1.5),
    geometric_value_outside: () => new D.Geometric(f64([0.5])).logProb(f64([1.5])),
    multinomial_inhomogeneous: () => new D.Multinomial(2.5, f64([0.5, 0.5])),
    multinomial_value_outside: () => new D.Multinomial(3, f64([0.5, 0.5])).logProb(f64([2, 2])),
    multinomial_negative: () => new D.Multinomial(3, f64([0.5, -0.5, 1])),
    mixture_not_categorical: () =>
      new D.MixtureSameFamily(new D.Normal(f64(0), f64(1)) as unknown as torch.distributions.Categorical, new D.Normal(f64([0, 1]), f64([1, 1]))),
    mixture_component_not_distribution: () => new D.MixtureSameFamily(new D.Categorical(f64([0.5, 0.5])), f64([0, 1]) as unknown as Dist),
    mixture_k_mismatch: () => new D.MixtureSameFamily(new D.Categorical(f64([0.5, 0.5])), new D.Normal(f64([0, 1, 2]), 1)),
    mixture_batch_mismatch: () =>
      new D.MixtureSameFamily(new D.Categorical(f64([[0.5, 0.5], [0.5, 0.5]])), new D.Normal(f64([[0, 1], [0, 1], [0, 1], [0, 1]]), 1)),
    relaxed_bernoulli_probs_1_5: () => new D.RelaxedBernoulli(f64(0.5), f64([1.5])),
    relaxed_onehot_value_outside: () => new D.RelaxedOneHotCategorical(f64(0.5), f64([0.5, 0.5])).logProb(f64([0.7, 0.7])),
    relaxed_onehot_neither: () => new D.RelaxedOneHotCategorical(f64(0.5), {}),
    binomial_probs_1_5: () => new D.Binomial(10, f64([1.5])),
    binomial_count_negative: () => new D.Binomial(-1, f64([0.5])),
    binomial_count_fraction: () => new D.Binomial(2.5, f64([0.5])),
    binomial_both: () => new D.Binomial(10, { probs: f64([0.5]), logits: f64([0]) }),
    binomial_value_outside: () => new D.Binomial(f64([5, 10]), f64([0.5, 0.5])).logProb(f64([6, 3])),
    binomial_expand_value_outside: () => new D.Binomial(f64([5, 10]), f64([0.5, 0.5])).expand([3, 2]).logProb(f64([6, 3])),
    binomial_entropy_inhomogeneous: () => new D.Binomial(f64([5, 10]), f64([0.5, 0.5])).entropy(),
    binomial_enumerate_inhomogeneous: () => new D.Binomial(f64([5, 10]), f64([0.5, 0.5])).enumerateSupport(),
    kl_binomial_q_count_larger: () => D.klDivergence(new D.Binomial(f64([5, 10]), f64([0.5, 0.5])), new D.Binomial(f64([6, 10]), f64([0.5, 0.5]))),
    negbin_probs_1: () => new D.NegativeBinomial(3, f64([0.5, 1])),
    negbin_count_negative: () => new D.NegativeBinomial(-1, f64([0.5])),
    negbin_value_outside: () => new D.NegativeBinomial(2, f64([0.5])).logProb(f64([1.5])),
    negbin_neither: () => new D.NegativeBinomial(2, {}),
  };
  it('every fixture error has a flint call', () => {
    expect(Object.keys(E).filter((n) => !(n in THROWS))).toEqual([]);
  });
  for (const [name, e] of Object.entries(E)) {
    it(`${name}: throws as PyTorch's ${e.type}${e.keys.length ? ` "${e.keys.join(' ... ')}"` : ''}`, () => {
      expect(D?.Distribution, 'torch.distributions.Distribution').toBeDefined();
      let caught: unknown = null;
      try {
        THROWS[name]();
      } catch (err) {
        caught = err;
      }
      expect(caught, `PyTorch raised ${e.type}: ${e.message}`).toBeInstanceOf(Error);
      for (const key of e.keys) expect((caught as Error).message).toContain(key);
    });
  }
  it('the full messages name the parameter, its shape, the distribution and the constraint', () => {
    // Not the whole text (the tensor printing differs): the parts before the values.
    const prefix = (s: string) => s.split(' but found invalid values')[0];
    expect(() => new D.Normal(0, -1)).toThrow(prefix(E.normal_negative_scale.message).split(' of distribution ')[0]);
    expect(() => new D.Exponential(1).logProb(torch.tensor(-1, { dtype: torch.float32 }))).toThrow(
      prefix(E.exponential_value_outside.message).split(' of the distribution ')[0],
    );
  });
  it('validateArgs: false skips the checks and computes what PyTorch computes', () => {
    const N = FIXTURE.noValidate as Record<string, Ser>;
    expectClose(new D.Normal(0, -1, { validateArgs: false }).logProb(torch.tensor(0.5)), N.normal_negative_scale_logprob, 'normal');
    expectClose(new D.Exponential(1, { validateArgs: false }).logProb(torch.tensor(-1, { dtype: torch.float32 })), N.exponential_outside_logprob, 'exponential');
    expectClose(new D.Bernoulli(0.3, { validateArgs: false }).logProb(torch.tensor(0.5)), N.bernoulli_outside_logprob, 'bernoulli');
    expectClose(new D.Uniform(1, 0, { validateArgs: false }).entropy(), N.uniform_reversed_entropy, 'uniform');
    expectClose(new D.Poisson(f64([2]), { validateArgs: false }).logProb(f64([1.5])), N.poisson_fraction_logprob, 'poisson');
  });
  it('validateArgs: false in the Gamma family (xlogy(0, x) = 0 outside the support; StudentT(df, options))', () => {
    const N = FIXTURE.noValidate as Record<string, Ser>;
    const off = { validateArgs: false };
    expectClose(new D.Gamma(f64([1, 2, 0.5]), 1, off).logProb(f64([-1, 0, 0])), N.gamma_outside_logprob, 'gamma');
    expectClose(new D.Dirichlet(f64([2, 3]), off).logProb(f64([0.5, 0.7])), N.dirichlet_nonsimplex_logprob, 'dirichlet');
    expectClose(new D.StudentT(f64([3, 0.5]), off).logProb(f64([0.5, -1])), N.studentt_options_form, 'studentT');
    expectClose(new D.Beta(f64([-0.5, 2]), f64([3, 3]), off).entropy(), N.beta_negative_novalidate_entropy, 'beta');
  });
  it('validateArgs: false in the later families (HalfNormal -inf below 0, Geometric probs 0, negative scales)', () => {
    const N = FIXTURE.noValidate as Record<string, Ser>;
    const off = { validateArgs: false };
    expectClose(new D.HalfNormal(f64([1, 2, 0.5]), off).logProb(f64([-1, 0.5, -0])), N.halfnormal_negative_logprob, 'halfNormal');
    expectClose(new D.Geometric(f64([0, 0.5]), off).logProb(f64([1, 1])), N.geometric_zero_logprob, 'geometric');
    expectClose(new D.Cauchy(f64([0]), f64([-1]), off).logProb(f64([0.5])), N.cauchy_negative_scale_logprob, 'cauchy');
    expectClose(new D.Gumbel(f64([0]), f64([-1]), off).logProb(f64([0.5])), N.gumbel_negative_scale_logprob, 'gumbel');
  });
  it('validateArgs: false for Binomial and NegativeBinomial (lgamma(0) makes -inf outside the support; fractions scored)', () => {
    const N = FIXTURE.noValidate as Record<string, Ser>;
    const off = { validateArgs: false };
    expectClose(new D.Binomial(f64([5, 5, 5]), f64([0.5, 0.3, 0.2]), off).logProb(f64([6, 2.5, -1])), N.binomial_outside_logprob, 'binomial');
    expectClose(new D.NegativeBinomial(f64([2, 0]), f64([0.5, 0.5]), off).logProb(f64([1.5, -1])), N.negbin_outside_logprob, 'negativeBinomial');
  });
  it('Distribution.setDefaultValidateArgs(false) turns the default off; validateArgs: true still checks', () => {
    const N = FIXTURE.noValidate;
    D.Distribution.setDefaultValidateArgs(false);
    try {
      expectClose(new D.Normal(0, -1).logProb(torch.tensor(0.5)), N.default_off_normal as Ser, 'default off');
      expect(() => new D.Normal(0, -1, { validateArgs: true })).toThrow('to satisfy the constraint GreaterThan(lower_bound=0.0)');
    } finally {
      D.Distribution.setDefaultValidateArgs(true);
    }
    expect(() => new D.Normal(0, -1)).toThrow('Expected parameter scale');
  });
});

describe('finite differences (float64 gradcheck)', () => {
  const A = torch.autograd;
  const leaf = (v: number[] | number[][]) => f64(v).requiresGrad_();
  it('Normal: logProb, cdf and entropy w.r.t. loc and scale', () => {
    const v = f64([0.1, 0.4, 2.3]);
    const loc = leaf([0.3, -1.2, 2]);
    const scale = leaf([0.7, 1.5, 0.2]);
    expect(A.gradcheck((l: Tensor, s: Tensor) => new D.Normal(l, s).logProb(v), [loc, scale])).toBe(true);
    expect(A.gradcheck((l: Tensor, s: Tensor) => new D.Normal(l, s).cdf(v), [loc, scale])).toBe(true);
    expect(A.gradcheck((l: Tensor, s: Tensor) => new D.Normal(l, s).entropy(), [loc, scale])).toBe(true);
    expect(A.gradcheck((l: Tensor, s: Tensor) => new D.Normal(l, s).icdf(f64([0.2, 0.5, 0.9])), [loc, scale])).toBe(true);
  });
  it('MultivariateNormal: logProb w.r.t. loc and scaleTril, covarianceMatrix and precisionMatrix', () => {
    const v = f64([[0.5, -0.3, 1], [0, 0.2, -1]]);
    const loc = leaf([0.1, -0.2, 0.4]);
    const L = leaf([[1.2, 0, 0], [0.3, 0.8, 0], [-0.4, 0.1, 1.5]]);
    expect(A.gradcheck((l: Tensor, t: Tensor) => new D.MultivariateNormal(l, { scaleTril: t.tril() }).logProb(v), [loc, L])).toBe(true);
    expect(A.gradcheck((l: Tensor, t: Tensor) => new D.MultivariateNormal(l, { scaleTril: t.tril() }).entropy(), [loc, L])).toBe(true);
    const eye = torch.eye(3, { dtype: torch.float64 });
    const M = leaf([[0.5, 0.1, -0.2], [0.3, 0.4, 0.1], [0, -0.3, 0.6]]);
    const spd = (m: Tensor) => m.matmul(m.mT).add(eye);
    expect(A.gradcheck((l: Tensor, m: Tensor) => new D.MultivariateNormal(l, { covarianceMatrix: spd(m) }).logProb(v), [loc, M])).toBe(true);
    expect(A.gradcheck((l: Tensor, m: Tensor) => new D.MultivariateNormal(l, { precisionMatrix: spd(m) }).logProb(v), [loc, M])).toBe(true);
  });
  it('KL Normal–Normal and MVN–MVN w.r.t. every parameter', () => {
    const args = [leaf([0, 1]), leaf([1, 0.5]), leaf([0.5, -1]), leaf([2, 0.7])];
    expect(
      A.gradcheck((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => D.klDivergence(new D.Normal(a, b), new D.Normal(c, d)), args),
    ).toBe(true);
    const L1 = leaf([[1, 0], [0.3, 0.8]]);
    const L2 = leaf([[1.5, 0], [-0.2, 0.6]]);
    expect(
      A.gradcheck(
        (l: Tensor, a: Tensor, b: Tensor) =>
          D.klDivergence(new D.MultivariateNormal(l, { scaleTril: a.tril() }), new D.MultivariateNormal(f64([0.5, 0]), { scaleTril: b.tril() })),
        [leaf([0.2, -0.1]), L1, L2],
      ),
    ).toBe(true);
  });
  it('rsample under a fixed seed is differentiable in the parameters (Normal, Laplace, Uniform, Exponential, LogNormal, MVN)', () => {
    const seeded = <F extends (...t: Tensor[]) => Tensor>(f: F) =>
      ((...t: Tensor[]) => {
        torch.manualSeed(11);
        return f(...t);
      }) as F;
    expect(A.gradcheck(seeded((l, s) => new D.Normal(l, s).rsample([3])), [leaf([0, 1]), leaf([1, 0.5])])).toBe(true);
    expect(A.gradcheck(seeded((l, s) => new D.Laplace(l, s).rsample([3])), [leaf([0, 1]), leaf([1, 0.5])])).toBe(true);
    expect(A.gradcheck(seeded((a, b) => new D.Uniform(a, b).rsample([3])), [leaf([0, 1]), leaf([1, 2.5])])).toBe(true);
    expect(A.gradcheck(seeded((r) => new D.Exponential(r).rsample([3])), [leaf([0.5, 2])])).toBe(true);
    expect(A.gradcheck(seeded((l, s) => new D.LogNormal(l, s).rsample([3])), [leaf([0, 0.3]), leaf([0.4, 0.5])])).toBe(true);
    expect(
      A.gradcheck(seeded((l, t) => new D.MultivariateNormal(l, { scaleTril: t.tril() }).rsample([2])), [leaf([0, 1]), leaf([[1, 0], [0.4, 0.7]])]),
    ).toBe(true);
  });
  it('Gamma, Dirichlet and StudentT: logProb (and entropy) w.r.t. their parameters', () => {
    const v = f64([0.3, 1.7, 4.2]);
    const conc = leaf([0.4, 2.5, 11]);
    const rate = leaf([1.2, 0.6, 2]);
    expect(A.gradcheck((c: Tensor, r: Tensor) => new D.Gamma(c, r).logProb(v), [conc, rate])).toBe(true);
    expect(A.gradcheck((c: Tensor, r: Tensor) => new D.Gamma(c, r).entropy(), [conc, rate])).toBe(true);
    const simplex = f64([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]);
    const dc = leaf([[0.5, 2, 3], [1.5, 0.7, 4]]);
    expect(A.gradcheck((c: Tensor) => new D.Dirichlet(c).logProb(simplex), [dc])).toBe(true);
    expect(A.gradcheck((c: Tensor) => new D.Dirichlet(c).entropy(), [dc])).toBe(true);
    const df = leaf([0.8, 2.5, 10]);
    const loc = leaf([0, -1, 2]);
    const scale = leaf([1, 0.5, 2]);
    expect(A.gradcheck((d: Tensor, l: Tensor, s: Tensor) => new D.StudentT(d, l, s).logProb(f64([0.5, -2, 3])), [df, loc, scale])).toBe(true);
    expect(A.gradcheck((d: Tensor, l: Tensor, s: Tensor) => new D.StudentT(d, l, s).entropy(), [df, loc, scale])).toBe(true);
  });
  it('KL Gamma–Gamma and Beta–Beta w.r.t. every parameter', () => {
    const args = [leaf([0.5, 3]), leaf([1, 0.4]), leaf([2, 1.5]), leaf([0.7, 2])];
    expect(A.gradcheck((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => D.klDivergence(new D.Gamma(a, b), new D.Gamma(c, d)), args)).toBe(true);
    expect(A.gradcheck((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => D.klDivergence(new D.Beta(a, b), new D.Beta(c, d)), args)).toBe(true);
  });
  it('Cauchy, HalfNormal, Gumbel: logProb, cdf, icdf and entropy w.r.t. their parameters', () => {
    const v = f64([0.3, 1.7, 4.2]);
    const loc = leaf([0.2, -1, 3]);
    const scale = leaf([0.7, 1.5, 2]);
    const u = f64([0.1, 0.6, 0.85]);
    for (const mk of [(l: Tensor, s: Tensor) => new D.Cauchy(l, s), (l: Tensor, s: Tensor) => new D.Gumbel(l, s)]) {
      expect(A.gradcheck((l: Tensor, s: Tensor) => mk(l, s).logProb(v), [loc, scale])).toBe(true);
      expect(A.gradcheck((l: Tensor, s: Tensor) => mk(l, s).cdf(v), [loc, scale])).toBe(true);
      expect(A.gradcheck((l: Tensor, s: Tensor) => mk(l, s).icdf(u), [loc, scale])).toBe(true);
      expect(A.gradcheck((l: Tensor, s: Tensor) => mk(l, s).entropy(), [loc, scale])).toBe(true);
    }
    expect(A.gradcheck((s: Tensor) => new D.HalfNormal(s).logProb(v), [scale])).toBe(true);
    expect(A.gradcheck((s: Tensor) => new D.HalfNormal(s).cdf(v), [scale])).toBe(true);
    expect(A.gradcheck((s: Tensor) => new D.HalfNormal(s).icdf(u), [scale])).toBe(true);
  });
  it('Geometric and Multinomial: logProb and entropy w.r.t. probs and logits', () => {
    const probs = leaf([0.2, 0.55, 0.8]);
    const k = f64([0, 3, 1]);
    expect(A.gradcheck((p: Tensor) => new D.Geometric(p).logProb(k), [probs])).toBe(true);
    expect(A.gradcheck((p: Tensor) => new D.Geometric(p).entropy(), [probs])).toBe(true);
    expect(A.gradcheck((l: Tensor) => new D.Geometric({ logits: l }).entropy(), [leaf([-1, 0.5, 2])])).toBe(true);
    const counts = f64([[2, 0, 3], [1, 1, 3]]);
    const mp = leaf([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]);
    expect(A.gradcheck((p: Tensor) => new D.Multinomial(5, p).logProb(counts), [mp])).toBe(true);
    expect(A.gradcheck((p: Tensor) => new D.Multinomial(5, p).entropy(), [mp])).toBe(true);
    expect(A.gradcheck((l: Tensor) => new D.Multinomial(5, { logits: l }).logProb(counts), [leaf([[0.5, -1, 2], [0, 0, 1]])])).toBe(true);
  });
  const mixture1d = (w: Tensor, l: Tensor, s: Tensor) => new D.MixtureSameFamily(new D.Categorical({ logits: w }), new D.Normal(l, s));
  it('MixtureSameFamily: logProb, cdf and mean w.r.t. the mixture logits and the components', () => {
    const x = f64([0.5, -1.2, 2.1]);
    const mk = mixture1d;
    const args = [leaf([0.5, -0.5, 1]), leaf([-1, 0, 2]), leaf([0.5, 1, 0.3])];
    expect(A.gradcheck((w: Tensor, l: Tensor, s: Tensor) => mk(w, l, s).logProb(x), args)).toBe(true);
    expect(A.gradcheck((w: Tensor, l: Tensor, s: Tensor) => mk(w, l, s).cdf(x), args)).toBe(true);
    expect(A.gradcheck((w: Tensor, l: Tensor, s: Tensor) => mk(w, l, s).mean, args)).toBe(true);
    const mk2 = (w: Tensor, l: Tensor, s: Tensor) =>
      new D.MixtureSameFamily(new D.Categorical({ logits: w }), new D.Independent(new D.Normal(l, s), 1));
    const args2 = [leaf([0.3, -0.2]), leaf([[0, 1], [2, -1]]), leaf([[1, 0.5], [0.3, 1]])];
    expect(A.gradcheck((w: Tensor, l: Tensor, s: Tensor) => mk2(w, l, s).logProb(f64([[0.5, 0.5], [1, -1]])), args2)).toBe(true);
    expect(A.gradcheck((w: Tensor, l: Tensor, s: Tensor) => mk2(w, l, s).variance, args2)).toBe(true);
  });
  it('MixtureSameFamily: variance of a non-batched mixture w.r.t. its parameters (the 0-d mean is unsqueezed)', () => {
    // PyTorch's variance pads the mean with unsqueeze(-1); for a non-batched mixture the mean is
    // 0-d, and the gradient flows back through a 0-d unsqueeze (torch.tensor(2.).unsqueeze(-1)).
    const args = [leaf([0.5, -0.5, 1]), leaf([-1, 0, 2]), leaf([0.5, 1, 0.3])];
    expect(A.gradcheck((w: Tensor, l: Tensor, s: Tensor) => mixture1d(w, l, s).variance, args)).toBe(true);
  });
  it('the relaxed distributions: seeded rsample and logProb w.r.t. temperature and logits', () => {
    const seeded = <F extends (...t: Tensor[]) => Tensor>(f: F) =>
      ((...t: Tensor[]) => {
        torch.manualSeed(5);
        return f(...t);
      }) as F;
    const temp = leaf([0.6]).reshape([]);
    const logits = leaf([[0.5, -1, 2], [0, 0.3, -0.2]]);
    const b = (t: Tensor, l: Tensor) => new D.RelaxedBernoulli(t, { logits: l });
    const c = (t: Tensor, l: Tensor) => new D.RelaxedOneHotCategorical(t, { logits: l });
    expect(A.gradcheck(seeded((t, l) => b(t, l).rsample([2])), [temp, logits])).toBe(true);
    expect(A.gradcheck(seeded((t, l) => c(t, l).rsample([2])), [temp, logits])).toBe(true);
    expect(A.gradcheck((t: Tensor, l: Tensor) => b(t, l).logProb(f64([0.2, 0.5, 0.9])), [temp, logits])).toBe(true);
    expect(A.gradcheck((t: Tensor, l: Tensor) => c(t, l).logProb(f64([0.2, 0.3, 0.5])), [temp, logits])).toBe(true);
  });
  it('KL Geometric–Geometric, HalfNormal–HalfNormal, Gumbel–Gumbel w.r.t. every parameter', () => {
    const [a, b] = [leaf([0.2, 0.7]), leaf([0.5, 0.3])];
    expect(A.gradcheck((p: Tensor, q: Tensor) => D.klDivergence(new D.Geometric(p), new D.Geometric(q)), [a, b])).toBe(true);
    expect(A.gradcheck((p: Tensor, q: Tensor) => D.klDivergence(new D.HalfNormal(p), new D.HalfNormal(q)), [leaf([1, 0.4]), leaf([2, 0.5])])).toBe(true);
    const args = [leaf([0, 1]), leaf([1, 0.5]), leaf([0.5, -1]), leaf([2, 0.7])];
    expect(
      A.gradcheck((w: Tensor, x: Tensor, y: Tensor, z: Tensor) => D.klDivergence(new D.Gumbel(w, x), new D.Gumbel(y, z)), args),
    ).toBe(true);
  });
  it('Binomial and NegativeBinomial: logProb (and entropy) w.r.t. probs, logits and totalCount; KL Binomial–Binomial', () => {
    const k = f64([0, 3, 7]);
    const probs = leaf([0.2, 0.55, 0.8]);
    const logits = leaf([-1, 0.5, 2]);
    expect(A.gradcheck((p: Tensor) => new D.Binomial(10, p).logProb(k), [probs])).toBe(true);
    expect(A.gradcheck((l: Tensor) => new D.Binomial(10, { logits: l }).logProb(k), [logits])).toBe(true);
    expect(A.gradcheck((p: Tensor) => new D.Binomial(10, p).entropy(), [probs])).toBe(true);
    // (a perturbed totalCount is not a whole number: validation off)
    const off = { validateArgs: false };
    expect(A.gradcheck((n: Tensor, p: Tensor) => new D.Binomial(n, p, off).logProb(k), [leaf([7, 9, 12]), probs])).toBe(true);
    expect(A.gradcheck((n: Tensor, p: Tensor) => new D.NegativeBinomial(n, p).logProb(k), [leaf([0.5, 2, 7.5]), probs])).toBe(true);
    expect(A.gradcheck((l: Tensor) => new D.NegativeBinomial(3, { logits: l }).logProb(k), [logits])).toBe(true);
    expect(A.gradcheck((p: Tensor, q: Tensor) => D.klDivergence(new D.Binomial(10, p), new D.Binomial(10, q)), [probs, leaf([0.4, 0.3, 0.6])])).toBe(true);
  });
  it('TransformedDistribution logProb through Affine, Sigmoid and Tanh', () => {
    const mk = (l: Tensor, s: Tensor) =>
      new D.TransformedDistribution(new D.Normal(l, s), [new D.transforms.AffineTransform(1, 2), new D.transforms.SigmoidTransform()]);
    expect(A.gradcheck((l: Tensor, s: Tensor) => mk(l, s).logProb(f64([0.3, 0.8])), [leaf([0, -0.5]), leaf([1, 0.5])])).toBe(true);
    const th = (l: Tensor, s: Tensor) => new D.TransformedDistribution(new D.Normal(l, s), new D.transforms.TanhTransform());
    expect(A.gradcheck((l: Tensor, s: Tensor) => th(l, s).logProb(f64([0.3, -0.6])), [leaf([0, -0.5]), leaf([1, 0.5])])).toBe(true);
  });
});
