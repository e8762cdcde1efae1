/**
 * Edge cases of torch.distributions and its samplers that the fixture-driven suite
 * (tests/distributions.test.ts) does not reach: inputs on which PyTorch's own kernels hang,
 * expand after a lazily computed parameter, transform equality in KL, MultivariateNormal
 * with many samples, and validation that PyTorch performs through inner distributions.
 * Expected values are PyTorch 1.13's where it has one (noted inline).
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const D = torch.distributions;
const f64 = (v: number | number[] | number[][]) => torch.tensor(v, { dtype: torch.float64 });
const values = (t: Tensor) => Array.from(t.dataSync() as Float64Array);

describe('samplers end on inputs where PyTorch 1.13 never returns', () => {
  it('torch.binomial with a NaN or infinite count gives it back', () => {
    const out = torch.binomial(f64([NaN, Infinity, 10]), f64([0.3, 0.3, 0]));
    expect(values(out)).toEqual([NaN, Infinity, 0]);
  });
  it('polygamma of order >= 2 far below zero is NaN (the direct sum would take |x| steps)', () => {
    const y = torch.polygamma(2, f64([-1e15 + 0.5, -2.5]));
    expect(Number.isNaN(values(y)[0])).toBe(true);
    expect(values(y)[1]).toBeCloseTo(-0.1082040516417282, 12); // PyTorch 1.13's polygamma(2, -2.5)
  });
  it('torch._standardGamma refuses a negative concentration before drawing anything', () => {
    torch.manualSeed(5);
    const before = torch.rand(3).tolist();
    torch.manualSeed(5);
    expect(() => torch._standardGamma(f64([1, -0.5]))).toThrow('torch._standard_gamma: expected every concentration to be non-negative');
    expect(torch.rand(3).tolist()).toEqual(before);
  });
  it('torch._sampleDirichlet refuses half dtypes, as PyTorch\'s CPU kernel', () => {
    expect(() => torch._sampleDirichlet(torch.ones(3, { dtype: torch.bfloat16 }))).toThrow(`"dirichlet" not implemented for 'BFloat16'`);
  });
});

describe('expand keeps the parameter that was given', () => {
  it('NegativeBinomial given logits, after probs were read (PyTorch: 2425825792 each)', () => {
    const d = new D.NegativeBinomial(5, { logits: torch.tensor([20]) });
    void d.probs;
    expect(d.expand([2]).mean.tolist()).toEqual([2425825792, 2425825792]);
  });
  it('Geometric given logits, after its mean was read: entropy stays that of the logits', () => {
    const d = new D.Geometric({ logits: f64([-30]) });
    void d.mean;
    expect(values(d.expand([2]).entropy())).toEqual(values(d.entropy().expand([2])));
  });
  it('Multinomial given probs with a zero: the expanded one never draws it', () => {
    const d = new D.Multinomial(20, f64([0, 1])).expand([3]);
    torch.manualSeed(0);
    expect(d.sample().tolist()).toEqual([[0, 20], [0, 20], [0, 20]]);
  });
  it('and goes on validating values', () => {
    const d = new D.Poisson(f64([2])).expand([3]);
    expect(() => d.logProb(f64([1.5, 1, 1]))).toThrow('to be within the support');
  });
});

describe('KL between transformed distributions compares the transforms as PyTorch does', () => {
  const T = D.transforms;
  it('different maps inside a ComposeTransform are not the same transform', () => {
    const p = new D.TransformedDistribution(new D.Normal(0, 1), [new T.ComposeTransform([new T.SigmoidTransform()])]);
    const q = new D.TransformedDistribution(new D.Normal(1, 1), [new T.ComposeTransform([new T.ExpTransform()])]);
    expect(() => D.klDivergence(p, q)).toThrow('No KL(p || q) is implemented for TransformedDistributions with different transforms');
  });
  it('affine transforms with equal tensors (not the same objects) are the same transform', () => {
    const p = new D.TransformedDistribution(new D.Normal(f64(0), f64(1)), [new T.AffineTransform(f64(1), f64(2))]);
    const q = new D.TransformedDistribution(new D.Normal(f64(1), f64(1)), [new T.AffineTransform(f64(1), f64(2))]);
    expect(D.klDivergence(p, q).item()).toBe(0.5);
  });
  it('registering a pair again replaces its function', () => {
    class Mine extends D.Normal {}
    D.registerKl(Mine, Mine)(() => f64(1));
    D.registerKl(Mine, Mine)(() => f64(2));
    expect(D.klDivergence(new Mine(0, 1), new Mine(0, 1)).item()).toBe(2);
  });
});

describe('MultivariateNormal.logProb over many samples', () => {
  it('with sample dims in front of a batched factor, matches a per-sample loop', () => {
    torch.manualSeed(3);
    const A = torch.randn(2, 3, 3, { dtype: torch.float64 });
    const cov = A.matmul(A.mT).add(torch.eye(3, { dtype: torch.float64 }));
    const d = new D.MultivariateNormal(torch.randn(2, 3, { dtype: torch.float64 }), { covarianceMatrix: cov });
    const x = torch.randn(5, 4, 2, 3, { dtype: torch.float64 });
    const all = d.logProb(x);
    expect([...all.shape]).toEqual([5, 4, 2]);
    for (const [i, j] of [[0, 0], [4, 3], [2, 1]]) {
      const one = d.logProb(x.select(0, i).select(0, j));
      values(all.select(0, i).select(0, j)).forEach((v, k) => expect(v).toBeCloseTo(values(one)[k], 12));
    }
  });
});

describe('validation PyTorch performs through inner distributions', () => {
  it('Multinomial refuses a negative total count', () => {
    expect(() => new D.Multinomial(-1, f64([0.5, 0.5]))).toThrow('IntegerGreaterThan(lower_bound=0)');
  });
  it('OneHotCategorical checks its probabilities even with validateArgs false (its inner Categorical does)', () => {
    expect(() => new D.OneHotCategorical(f64([-1, 2]), { validateArgs: false })).toThrow('Simplex()');
  });
  it('Gamma.logProb computes in the parameters\' dtype (PyTorch: float32)', () => {
    expect(new D.Gamma(torch.tensor([2]), torch.tensor([3])).logProb(f64([0.5])).dtype).toBe(torch.float32);
  });
  it('MixtureSameFamily whose mixture batch has more elements than the components\' (PyTorch: mean [1, 1])', () => {
    const m = new D.MixtureSameFamily(new D.Categorical(torch.ones(2, 3, { dtype: torch.float64 })), new D.Normal(torch.arange(3, { dtype: torch.float64 }).reshape(1, 3), torch.ones(1, 3, { dtype: torch.float64 })));
    expect(m.mean.tolist()).toEqual([1, 1]);
  });
  it('the symmetric constraint is false for non-square matrices', () => {
    expect(D.constraints.symmetric.check(torch.zeros(2, 1, 3)).tolist()).toEqual([false, false]);
  });
});

describe('transforms, Wishart and VonMises: where flint departs from PyTorch or guards a hang', () => {
  const T = D.transforms;
  it('transforms with parameters compare by identity, as PyTorch (so KL of different ones raises, not 0)', () => {
    const base = new D.Normal(torch.zeros(2, 2, { dtype: torch.float64 }), torch.ones(2, 2, { dtype: torch.float64 }));
    const p = new D.TransformedDistribution(base, [new T.StackTransform([new T.ExpTransform(), new T.AffineTransform(0, 2)], 1)]);
    const q = new D.TransformedDistribution(base, [new T.StackTransform([new T.AffineTransform(0, 2), new T.ExpTransform()], 1)]);
    expect(() => D.klDivergence(p, q)).toThrow('different transforms');
    expect(new T.ExpTransform().equals(new T.ExpTransform())).toBe(true);
    expect(new T.AffineTransform(1, 2).equals(new T.AffineTransform(1, 2))).toBe(true);
    const cdt = new T.CumulativeDistributionTransform(new D.Normal(0, 1));
    expect(cdt.equals(new T.CumulativeDistributionTransform(new D.Normal(5, 3)))).toBe(false);
    expect(cdt.equals(cdt)).toBe(true);
  });
  it('an inverse is bijective when its transform is (PyTorch: AbsTransform().inv.bijective is False)', () => {
    expect(new T.AbsTransform().inv.bijective).toBe(false);
    expect(new T.SoftmaxTransform().inv.bijective).toBe(false);
    expect(new T.ExpTransform().inv.bijective).toBe(true);
    expect(new T.ComposeTransform([new T.ExpTransform(), new T.AbsTransform()]).bijective).toBe(false);
  });
  it('AffineTransform with a 0-d tensor scale sums log|scale| over each event (PyTorch counts it once)', () => {
    const t = new T.AffineTransform(0, f64(2), 1);
    const x = f64([[1, 2, 3]]);
    expect(t.logAbsDetJacobian(x, t.call(x)).tolist()).toEqual([3 * Math.log(2)]);
  });
  it('the piecewise transforms and constraints check their arguments', () => {
    expect(() => new T.CatTransform([new T.ExpTransform()], 0, 5 as never)).toThrow('lengths must be a list');
    expect(() => new T.StackTransform([new T.ExpTransform()], 0.5)).toThrow('dim must be an integer');
    expect(() => new T.CumulativeDistributionTransform(5 as never)).toThrow('expected a Distribution');
    expect(() => D.constraints.cat([D.constraints.real], 1.5)).toThrow('dim must be an integer');
    expect(() => D.constraints.multinomial('x' as never)).toThrow('upper_bound must be a number');
  });
  it('Wishart: a matrix passed where the options go is refused by name', () => {
    expect(() => new D.Wishart(3, torch.eye(2) as never)).toThrow('expected an options object');
  });
  it('Wishart with a number df over a batch has moments (PyTorch 1.13 fails to reshape the 0-d df)', () => {
    const d = new D.Wishart(4, { covarianceMatrix: torch.eye(2, { dtype: torch.float64 }).expand([3, 2, 2]) });
    expect(d.mean.tolist()).toEqual([[[4, 0], [0, 4]], [[4, 0], [0, 4]], [[4, 0], [0, 4]]]);
    expect(d.variance.shape).toEqual([3, 2, 2]);
  });
  it('Wishart.expand keeps the matrix it was given, as PyTorch copies its cached ones', () => {
    const d = new D.Wishart(f64(4), { covarianceMatrix: f64([[2, 0.5], [0.5, 1]]) }).expand([3]);
    expect(d.toString()).toBe('Wishart(covariance_matrix: torch.Size([3, 2, 2]), df: torch.Size([3]))');
  });
  it('VonMises refuses an infinite concentration rather than rejecting forever', () => {
    expect(() => new D.VonMises(f64(0), f64(Infinity), { validateArgs: false }).sample()).toThrow('concentration must be finite');
    // A float32 concentration of 1e-4 made 1.13's proposal infinite; 2.x's float64 proposal samples.
    const x = new D.VonMises(torch.tensor(0, { dtype: torch.float32 }), torch.tensor(1e-4)).sample([5]);
    expect(x.dtype).toBe(torch.float32);
    expect(x.abs().le(Math.PI).all().itemBool()).toBe(true);
  });
});
