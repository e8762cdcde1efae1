/**
 * The elementary functions of complex tensors: the trigonometric and hyperbolic functions
 * and their inverses, sqrt, rsqrt, sigmoid, log2, log10, log1p, expm1, exp2 and pow. Each
 * forward computes on the parts with the real kernels, by the formulas glibc's and c10's
 * complex functions use (PyTorch's CPU kernels call those), and records PyTorch's grad_fn
 * with its backward: for a holomorphic f, grad · conj(f'(z)), f' written as
 * derivatives.yaml writes it.
 */
import { record } from '../autograd/function.js';
import { Tensor } from '../tensor/tensor.js';
import { assemble, complexResult, conj, inPrecision, onParts, partsOf } from './math.js';
import { partView } from './parts.js';
import { gradTo, where } from '../ops/elementwise.js';

/** A complex value as its real and imaginary parts. */
type Parts = [Tensor, Tensor];

const mulParts = ([a, b]: Parts, [c, d]: Parts): Parts => [a.mul(c).sub(b.mul(d)), a.mul(d).add(b.mul(c))];
const scaleParts = ([a, b]: Parts, s: number): Parts => [a.mul(s), b.mul(s)];
/** i·z. */
const timesI = ([a, b]: Parts): Parts => [b.neg(), a];
/** -i·z. */
const timesMinusI = ([a, b]: Parts): Parts => [b, a.neg()];

function reciprocalParts([a, b]: Parts): Parts {
  const norm = a.mul(a).add(b.mul(b));
  return [a.div(norm), b.neg().div(norm)];
}

function expParts([a, b]: Parts): Parts {
  const m = a.exp();
  return [m.mul(b.cos()), m.mul(b.sin())];
}

function logParts([a, b]: Parts): Parts {
  return [a.hypot(b).log(), b.atan2(a)];
}

/**
 * The principal square root, from the parts without cancellation: t = sqrt((|z| + |a|)/2)
 * is the larger part, and the other is |b| / 2t; the imaginary part takes b's sign (so
 * -4 - 0i gives -2i, as C99's csqrt).
 */
function sqrtParts([a, b]: Parts): Parts {
  const t = a.hypot(b).add(a.abs()).mul(0.5).sqrt();
  const zero = t.eq(0);
  const half = b.div(t.mul(2).maskedFill(zero, 1));
  const nonNegative = a.ge(0);
  return [t.where(nonNegative, half.abs()), half.where(nonNegative, t.copysign(b)).where(zero.logicalNot(), b)];
}

/** log(1 + z), accurate near 0: c10's complex log1p. */
function log1pParts([x, y]: Parts): Parts {
  const theta = y.atan2(x.add(1));
  const small = x.hypot(y).lt(0.5);
  const r = x.mul(x.add(2)).add(y.mul(y));
  // Underflow of r keeps x itself as the real part, as c10 does.
  const re = where(r.eq(0), x, r.log1p().mul(0.5));
  return [where(small, re, x.add(1).hypot(y).log()), theta];
}

/** tanh as glibc's ctanh: (sinh a cosh a + i sin b cos b) / (sinh²a + cos²b); ±1 past |a| > 20. */
function tanhParts([a, b]: Parts): Parts {
  const large = a.abs().gt(20);
  const sa = a.sinh();
  const cb = b.cos();
  const sb = b.sin();
  const den = sa.mul(sa).add(cb.mul(cb));
  const re = sa.mul(a.cosh()).div(den);
  const im = sb.mul(cb).div(den);
  const farIm = sb.mul(cb).mul(a.abs().mul(-2).exp()).mul(4);
  return [where(large, a.sign(), re), where(large, farIm, im)];
}

/** asinh(z) = log(z + sqrt(z² + 1)), on the right half-plane (asinh is odd), so nothing cancels. */
function asinhParts([a, b]: Parts): Parts {
  const flip = a.lt(0);
  const w: Parts = [where(flip, a.neg(), a), where(flip, b.neg(), b)];
  const [sr, si] = sqrtParts([w[0].mul(w[0]).sub(w[1].mul(w[1])).add(1), w[0].mul(w[1]).mul(2)]);
  const [lr, li] = logParts([w[0].add(sr), w[1].add(si)]);
  return [where(flip, lr.neg(), lr), where(flip, li.neg(), li)];
}

/** atanh(z) = (log1p(z) - log1p(-z)) / 2. */
function atanhParts([a, b]: Parts): Parts {
  const [pr, pi] = log1pParts([a, b]);
  const [qr, qi] = log1pParts([a.neg(), b.neg()]);
  return [pr.sub(qr).mul(0.5), pi.sub(qi).mul(0.5)];
}

/** The function's two forms: its parts from the argument's, and f'(z) from z or f(z). */
interface Elementary {
  name: string;
  forward: (z: Parts) => Parts;
  /** f'(z) as complex ops (recorded, so that createGraph differentiates it again). */
  derivative: (z: () => Tensor, out: () => Tensor) => Tensor;
  /** What the backward needs kept. */
  saves: 'input' | 'output';
}

function elementary(f: Elementary): (z: Tensor) => Tensor {
  return (z) => {
    const out = onParts(() => {
      const [re, im] = f.forward([partView(z, 0), partView(z, 1)]);
      return assemble(re, im, z._shape.slice(), z._dtype);
    });
    return record(out, f.name, [z], (node) => {
      const saved = node.save(f.saves === 'input' ? z : out);
      const input = f.saves === 'input' ? saved : () => z;
      const output = f.saves === 'output' ? saved : () => out;
      return (g) => [g.mul(conj(f.derivative(input, output)))];
    });
  };
}

const sinParts = ([a, b]: Parts): Parts => [a.sin().mul(b.cosh()), a.cos().mul(b.sinh())];
const cosParts = ([a, b]: Parts): Parts => [a.cos().mul(b.cosh()), a.sin().mul(b.sinh()).neg()];

export const complexSin = elementary({ name: 'SinBackward0', forward: sinParts, derivative: (z) => z().cos(), saves: 'input' });
export const complexCos = elementary({ name: 'CosBackward0', forward: cosParts, derivative: (z) => z().sin().neg(), saves: 'input' });
export const complexTan = elementary({
  name: 'TanBackward0',
  forward: (z) => timesMinusI(tanhParts(timesI(z))),
  derivative: (_z, out) => out().mul(out()).add(1),
  saves: 'output',
});
export const complexSinh = elementary({
  name: 'SinhBackward0',
  forward: ([a, b]) => [a.sinh().mul(b.cos()), a.cosh().mul(b.sin())],
  derivative: (z) => z().cosh(),
  saves: 'input',
});
export const complexCosh = elementary({
  name: 'CoshBackward0',
  forward: ([a, b]) => [a.cosh().mul(b.cos()), a.sinh().mul(b.sin())],
  derivative: (z) => z().sinh(),
  saves: 'input',
});
export const complexTanh = elementary({ name: 'TanhBackward0', forward: tanhParts, derivative: (_z, out) => out().mul(out()).neg().add(1), saves: 'output' });
export const complexAsin = elementary({
  name: 'AsinBackward0',
  forward: (z) => timesMinusI(asinhParts(timesI(z))),
  derivative: (z) => z().mul(z()).neg().add(1).rsqrt(),
  saves: 'input',
});
export const complexAcos = elementary({
  name: 'AcosBackward0',
  forward: (z) => {
    const [re, im] = timesMinusI(asinhParts(timesI(z)));
    return [re.neg().add(Math.PI / 2), im.neg()];
  },
  derivative: (z) => z().mul(z()).neg().add(1).rsqrt().neg(),
  saves: 'input',
});
export const complexAtan = elementary({
  name: 'AtanBackward0',
  forward: (z) => timesMinusI(atanhParts(timesI(z))),
  derivative: (z) => z().mul(z()).add(1).reciprocal(),
  saves: 'input',
});
export const complexAsinh = elementary({ name: 'AsinhBackward0', forward: asinhParts, derivative: (z) => z().mul(z()).add(1).rsqrt(), saves: 'input' });
export const complexAcosh = elementary({
  name: 'AcoshBackward0',
  // log(z + sqrt(z + 1)·sqrt(z - 1)), the principal branch (C99's cacosh).
  forward: ([a, b]) => {
    const sum = mulParts(sqrtParts([a.add(1), b]), sqrtParts([a.sub(1), b]));
    return logParts([a.add(sum[0]), b.add(sum[1])]);
  },
  // sqrt((z+1)(z-1)) is not sqrt(z+1)·sqrt(z-1) off the real axis: derivatives.yaml's complex form.
  derivative: (z) => z().add(1).rsqrt().mul(z().sub(1).rsqrt()),
  saves: 'input',
});
export const complexAtanh = elementary({ name: 'AtanhBackward0', forward: atanhParts, derivative: (z) => z().mul(z()).neg().add(1).reciprocal(), saves: 'input' });
export const complexSqrt = elementary({ name: 'SqrtBackward0', forward: sqrtParts, derivative: (_z, out) => out().mul(2).reciprocal(), saves: 'output' });
export const complexRsqrt = elementary({
  name: 'RsqrtBackward0',
  forward: (z) => reciprocalParts(sqrtParts(z)),
  derivative: (_z, out) => out().mul(out()).mul(out()).mul(-0.5),
  saves: 'output',
});
export const complexSigmoid = elementary({
  name: 'SigmoidBackward0',
  forward: (z) => {
    const [er, ei] = expParts(scaleParts(z, -1));
    return reciprocalParts([er.add(1), ei]);
  },
  derivative: (_z, out) => out().mul(out().neg().add(1)),
  saves: 'output',
});
export const complexLog2 = elementary({ name: 'Log2Backward0', forward: (z) => scaleParts(logParts(z), 1 / Math.LN2), derivative: (z) => z().mul(Math.LN2).reciprocal(), saves: 'input' });
export const complexLog10 = elementary({ name: 'Log10Backward0', forward: (z) => scaleParts(logParts(z), 1 / Math.LN10), derivative: (z) => z().mul(Math.LN10).reciprocal(), saves: 'input' });
export const complexLog1p = elementary({ name: 'Log1PBackward0', forward: log1pParts, derivative: (z) => z().add(1).reciprocal(), saves: 'input' });
export const complexExpm1 = elementary({
  name: 'Expm1Backward0',
  // c10's expm1: expm1(a)·cos b - 2 sin²(b/2) + i·e^a sin b, accurate near 0.
  forward: ([a, b]) => {
    const h = b.mul(0.5).sin();
    return [a.expm1().mul(b.cos()).sub(h.mul(h).mul(2)), a.exp().mul(b.sin())];
  },
  derivative: (_z, out) => out().add(1),
  saves: 'output',
});
export const complexExp2 = elementary({ name: 'Exp2Backward0', forward: (z) => expParts(scaleParts(z, Math.LN2)), derivative: (_z, out) => out().mul(Math.LN2), saves: 'output' });

// ---- pow -----------------------------------------------------------------------------

/** z^e for a real scalar e, with PyTorch's special exponents (its pow kernel's fast paths). */
function powScalarParts(z: Parts, e: number): Parts {
  if (e === 0) return [z[0].mul(0).add(1), z[1].mul(0)];
  if (e === 1) return [z[0].mul(1), z[1].mul(1)];
  if (e === 0.5) return sqrtParts(z);
  if (e === -0.5) return reciprocalParts(sqrtParts(z));
  if (e === -1) return reciprocalParts(z);
  if (e === 2) return mulParts(z, z);
  if (e === 3) return mulParts(mulParts(z, z), z);
  if (e === -2) return reciprocalParts(mulParts(z, z));
  return powParts(z, [z[0].mul(0).add(e), z[1].mul(0)]);
}

/** z^w = exp(w·log z); 0^w is 0 where Re(w) > 0 (where the product with log 0 has NaNs). */
function powParts(z: Parts, w: Parts): Parts {
  const [re, im] = expParts(mulParts(w, logParts(z)));
  const zeroBase = z[0].eq(0).logicalAnd(z[1].eq(0)).logicalAnd(w[0].gt(0));
  return [where(zeroBase, 0, re), where(zeroBase, 0, im)];
}

/**
 * `a ** b` where an operand is complex: a complex tensor to a real scalar, a tensor to a
 * tensor, or a real scalar to a complex tensor. The gradients are PyTorch's pow_backward
 * (0 for an exponent of 0) and pow_backward_exponent (0 where the base is 0 and Re(b) >= 0).
 * @internal
 */
export function complexPow(a: Tensor | number, b: Tensor | number): Tensor {
  if (!(a instanceof Tensor)) {
    const base = a;
    const x = b as Tensor;
    const out = onParts(() => {
      const w = partsOf(x);
      const [re, im] = powParts([x.real.mul(0).add(base), x.real.mul(0)], [w[0], w[1]!]);
      return assemble(re, im, x._shape.slice(), x._dtype);
    });
    return record(out, 'PowBackward2', [x], (node) => {
      const so = node.save(out);
      return (g) => [g.mul(conj(so().mul(Math.log(base))))];
    });
  }
  if (!(b instanceof Tensor)) {
    const e = Number(b);
    const out = onParts(() => {
      const [re, im] = powScalarParts([partView(a, 0), partView(a, 1)], e);
      return assemble(re, im, a._shape.slice(), a._dtype);
    });
    return record(out, 'PowBackward0', [a], (node) => {
      const sa = e === 0 ? null : node.save(a);
      return (g) => [sa === null ? g.mul(0) : g.mul(conj(sa().pow(e - 1).mul(e)))];
    });
  }
  const dtype = complexResult(a, b);
  const out = onParts(() => {
    const A = inPrecision(a, dtype);
    const B = inPrecision(b, dtype);
    const [ar, ai] = partsOf(A);
    const [br, bi] = partsOf(B);
    const [re, im] = powParts([ar, ai ?? ar.mul(0)], [br, bi ?? br.mul(0)]);
    return assemble(re, im, re._shape.slice(), dtype);
  });
  const [shapeA, dtypeA, shapeB, dtypeB] = [a._shape, a._dtype, b._shape, b._dtype];
  return record(out, 'PowBackward1', [a, b], (node) => {
    const sa = node.save(a);
    const sb = node.save(b);
    const so = b._requiresGrad ? node.save(out) : null;
    return (g) => {
      const base = sa();
      const exponent = sb();
      const gradA = a._requiresGrad
        ? gradTo(where(exponent.eq(0), 0, g.mul(conj(exponent.mul(base.pow(exponent.sub(1)))))), shapeA, dtypeA)
        : null;
      const zeroBase = base.eq(0).logicalAnd((exponent._dtype.isComplex ? exponent.real : exponent).ge(0));
      const gradB = so === null ? null : gradTo(where(zeroBase, 0, g.mul(conj(so().mul(base.log())))), shapeB, dtypeB);
      return [gradA, gradB];
    };
  });
}
