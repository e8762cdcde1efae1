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
import { assemble, complexResult, conj, inPrecision, onParts, partsOf, workingParts } from './math.js';
import { complex, imagPart, realPart, toComplex } from './parts.js';
import { zerosLike, full } from '../tensor/creation.js';
import { type DType, complex128, toRealDType } from '../tensor/dtype.js';
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
  // An imaginary part of ±0 stays ±0 when e^a overflows (inf·0 would be NaN), as C99's cexp.
  return [m.mul(b.cos()), where(b.eq(0), b, m.mul(b.sin()))];
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
  // Halved before the sum, so that the largest finite inputs do not overflow.
  const t = a.hypot(b).mul(0.5).add(a.abs().mul(0.5)).sqrt();
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

/**
 * asinh(z), on the right half-plane (asinh is odd; -0 counts as negative, so the branch cuts
 * follow the sign of zero as C99's casinh): log1p(w + w²/(1 + sqrt(w² + 1))) keeps small
 * arguments' digits, and past |w| = 1e7 it is log(2w), which w² would overflow on the way to.
 */
function asinhParts([a, b]: Parts): Parts {
  const flip = a.lt(0).logicalOr(a.eq(0).logicalAnd(a.reciprocal().lt(0)));
  const w: Parts = [where(flip, a.neg(), a), where(flip, b.neg(), b)];
  const square = mulParts(w, w);
  const [sr, si] = sqrtParts([square[0].add(1), square[1]]);
  const [qr, qi] = divideParts(square, [sr.add(1), si]);
  const [nr, ni] = log1pParts([w[0].add(qr), w[1].add(qi)]);
  const [fr, fi] = logParts(w);
  const size = w[0].hypot(w[1]);
  const large = size.gt(1e7);
  // Below |w| = 1e-8, asinh(w) is w to a double's precision (the next term is w³/6).
  const tiny = size.lt(1e-8);
  const lr = where(tiny, w[0], where(large, fr.add(Math.LN2), nr));
  const li = where(tiny, w[1], where(large, fi, ni));
  return [where(flip, lr.neg(), lr), where(flip, li.neg(), li)];
}

function divideParts([a, b]: Parts, [c, d]: Parts): Parts {
  const norm = c.mul(c).add(d.mul(d));
  return [a.mul(c).add(b.mul(d)).div(norm), b.mul(c).sub(a.mul(d)).div(norm)];
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
  /**
   * f'(z) as complex ops (recorded, so that createGraph differentiates it again), from the
   * one tensor the backward keeps: z, or f(z) where `saves` says 'output'.
   */
  derivative: (saved: () => Tensor) => Tensor;
  saves: 'input' | 'output';
}

function elementary(f: Elementary): (z: Tensor) => Tensor {
  return (z) => {
    const out = onParts(() => {
      const [re, im] = f.forward(workingParts(z));
      return assemble(re, im, z._shape.slice(), z._dtype);
    });
    return record(out, f.name, [z], (node) => {
      const saved = node.save(f.saves === 'input' ? z : out);
      return (g) => [g.mul(conj(f.derivative(saved)))];
    });
  };
}

// Where a part is ±0 its product with an overflowing hyperbolic factor is kept a signed 0
// (inf·0 would be NaN), as glibc's csin/ccos/csinh/ccosh give it.
const sinParts = ([a, b]: Parts): Parts => [where(a.eq(0), a, a.sin().mul(b.cosh())), where(b.eq(0), a.cos().mul(b), a.cos().mul(b.sinh()))];
const cosParts = ([a, b]: Parts): Parts => [a.cos().mul(b.cosh()), where(b.eq(0), a.sin().mul(b), a.sin().mul(b.sinh())).neg()];

export const complexSin = elementary({ name: 'SinBackward0', forward: sinParts, derivative: (z) => z().cos(), saves: 'input' });
export const complexCos = elementary({ name: 'CosBackward0', forward: cosParts, derivative: (z) => z().sin().neg(), saves: 'input' });
export const complexTan = elementary({
  name: 'TanBackward0',
  forward: (z) => timesMinusI(tanhParts(timesI(z))),
  derivative: (out) => out().mul(out()).add(1),
  saves: 'output',
});
export const complexSinh = elementary({
  name: 'SinhBackward0',
  forward: ([a, b]) => [a.sinh().mul(b.cos()), where(b.eq(0), b, a.cosh().mul(b.sin()))],
  derivative: (z) => z().cosh(),
  saves: 'input',
});
export const complexCosh = elementary({
  name: 'CoshBackward0',
  forward: ([a, b]) => [a.cosh().mul(b.cos()), where(b.eq(0), a.sign().mul(b), a.sinh().mul(b.sin()))],
  derivative: (z) => z().sinh(),
  saves: 'input',
});
export const complexTanh = elementary({ name: 'TanhBackward0', forward: tanhParts, derivative: (out) => out().mul(out()).neg().add(1), saves: 'output' });
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
export const complexSqrt = elementary({ name: 'SqrtBackward0', forward: sqrtParts, derivative: (out) => out().mul(2).reciprocal(), saves: 'output' });
export const complexRsqrt = elementary({
  name: 'RsqrtBackward0',
  forward: (z) => reciprocalParts(sqrtParts(z)),
  derivative: (out) => out().mul(out()).mul(out()).mul(-0.5),
  saves: 'output',
});
export const complexSigmoid = elementary({
  name: 'SigmoidBackward0',
  forward: (z) => {
    const [er, ei] = expParts(scaleParts(z, -1));
    return reciprocalParts([er.add(1), ei]);
  },
  derivative: (out) => out().mul(out().neg().add(1)),
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
  derivative: (out) => out().add(1),
  saves: 'output',
});
export const complexExp2 = elementary({ name: 'Exp2Backward0', forward: (z) => expParts(scaleParts(z, Math.LN2)), derivative: (out) => out().mul(Math.LN2), saves: 'output' });

// ---- pow -----------------------------------------------------------------------------

/** z^e for a real scalar e, with PyTorch's special exponents (its pow kernel's fast paths). */
function powScalarParts(z: Parts, e: number): Parts {
  // Built from zerosLike, not z·0: a NaN or infinite z to the power 0 is 1.
  if (e === 0) return [zerosLike(z[0]).add(1), zerosLike(z[1])];
  if (e === 1) return [z[0].mul(1), z[1].mul(1)];
  if (e === 0.5) return sqrtParts(z);
  if (e === -0.5) return reciprocalParts(sqrtParts(z));
  if (e === -1) return reciprocalParts(z);
  if (e === 2) return mulParts(z, z);
  if (e === 3) return mulParts(mulParts(z, z), z);
  if (e === -2) return reciprocalParts(mulParts(z, z));
  return powParts(z, [zerosLike(z[0]).add(e), zerosLike(z[1])]);
}

/**
 * z^w = exp(w·log z), with C99's cpow at a zero base (where the product with log 0 has NaNs):
 * 0^w is 0 where Re(w) > 0, and inf + NaN·i where Re(w) < 0 (cexp of +inf + NaN·i).
 */
function powParts(z: Parts, w: Parts): Parts {
  const [re, im] = expParts(mulParts(w, logParts(z)));
  const zero = z[0].eq(0).logicalAnd(z[1].eq(0));
  const vanishes = zero.logicalAnd(w[0].gt(0));
  const blowsUp = zero.logicalAnd(w[0].lt(0));
  return [where(vanishes, 0, where(blowsUp, Infinity, re)), where(vanishes, 0, where(blowsUp, NaN, im))];
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
      const w = workingParts(x);
      // The base's imaginary part is +0 (zerosLike): a negative base's log is then log|b| + iπ.
      const [re, im] = powParts([zerosLike(w[0]).add(base), zerosLike(w[0])], [w[0], w[1]!]);
      return assemble(re, im, x._shape.slice(), x._dtype);
    });
    // PyTorch 2's pow_backward_exponent: the base's complex log (finite for a negative base);
    // at base 0, 0 where the exponent is real and >= 0.
    const logBase: [number, number] = base === 0 ? [-Infinity, 0] : [Math.log(Math.abs(base)), base < 0 ? Math.PI : 0];
    return record(out, 'PowBackward2', [x], (node) => {
      const so = node.save(out);
      const sx = base === 0 ? node.save(x) : null;
      return (g) => {
        const dOut = so().mul(complexScalar(logBase, x));
        if (sx === null) return [g.mul(conj(dOut))];
        const e = sx();
        return [where(realExponent(e), 0, g.mul(conj(dOut)))];
      };
    });
  }
  if (!(b instanceof Tensor)) {
    const e = Number(b);
    const out = onParts(() => {
      const [re, im] = powScalarParts(workingParts(a), e);
      return assemble(re, im, a._shape.slice(), a._dtype);
    });
    return record(out, 'PowBackward0', [a], (node) => {
      const sa = e === 0 ? null : node.save(a);
      return (g) => [sa === null ? g.mul(0) : g.mul(conj(sa().pow(e - 1).mul(e)))];
    });
  }
  const dtype = complexResult(a, b);
  const out = onParts(() => {
    // In complex128 for either result dtype: see workingParts.
    const [ar, ai] = partsOf(inPrecision(a, complex128));
    const [br, bi] = partsOf(inPrecision(b, complex128));
    const [re, im] = powParts([ar, ai ?? zerosLike(ar)], [br, bi ?? zerosLike(br)]);
    return assemble(re, im, re._shape.slice(), dtype);
  });
  const [shapeA, dtypeA, shapeB, dtypeB] = [a._shape, a._dtype, b._shape, b._dtype];
  const [needA, needB] = [a._requiresGrad, b._requiresGrad];
  return record(out, 'PowBackward1', [a, b], (node) => {
    const sa = node.save(a);
    const sb = node.save(b);
    const so = needB ? node.save(out) : null;
    return (g) => {
      const base = sa();
      const exponent = sb();
      const gradA = needA
        ? gradTo(where(exponent.eq(0), 0, g.mul(conj(exponent.mul(base.pow(exponent.sub(1)))))), shapeA, dtypeA)
        : null;
      // PyTorch 2's pow_backward_exponent: the base promoted to complex before its log; 0
      // where the base is 0 and the exponent is real and >= 0.
      const zeroBase = base.eq(0).logicalAnd(realExponent(exponent));
      const gradB = so === null ? null : gradTo(where(zeroBase, 0, g.mul(conj(so().mul(toComplex(base, dtype).log())))), shapeB, dtypeB);
      return [gradA, gradB];
    };
  });
}

/** Where an exponent is real and >= 0 (imaginary part 0 for a complex one). */
function realExponent(e: Tensor): Tensor {
  return e._dtype.isComplex ? imagPart(e).eq(0).logicalAnd(realPart(e).ge(0)) : e.ge(0);
}

/** The complex number (re, im) as a 0-d tensor of `like`'s dtype. */
function complexScalar([re, im]: [number, number], like: Tensor): Tensor {
  const parts = toRealDType(like._dtype);
  return complex(fullOf(re, parts, like), fullOf(im, parts, like));
}

function fullOf(value: number, dtype: DType, like: Tensor): Tensor {
  return full([], value, { dtype, device: like.device });
}
