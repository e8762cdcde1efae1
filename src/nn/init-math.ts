/**
 * Double-precision erf, erfc and erfinv for `nn.init.truncNormal_`, which needs the
 * inverse CDF of the normal distribution and flint has no erfinv kernel.
 */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf(x) for 0 ≤ x < 2.5: e^{-x²}·Σ 2ⁿx^{2n+1}/(2n+1)!!, whose terms are all positive (no cancellation). */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  const x2 = 2 * x * x;
  for (let n = 1; n < 300 && term > sum * 1e-17; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}

/** erfc(x) for x ≥ 1.5 by its continued fraction (modified Lentz), accurate where 1 - erf is not. */
function erfcFraction(x: number): number {
  // x + (1/2)/(x + 1/(x + (3/2)/(x + ...))); every term is positive, so no step divides by 0.
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = 1 / (x + (k / 2) * d);
    c = x + k / 2 / c;
    f *= c * d;
    if (Math.abs(c * d - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function erf(x: number): number {
  const ax = Math.abs(x);
  const v = ax < 2.5 ? erfSeries(ax) : 1 - erfcFraction(ax);
  return x < 0 ? -v : v;
}

/** erfc(x) for x ≥ 0; from 1.5 on, 1 - erf would already cost a digit or more. */
function erfcPositive(x: number): number {
  return x < 1.5 ? 1 - erfSeries(x) : erfcFraction(x);
}

/**
 * Inverse erf in double precision: Giles' single-precision approximation, then Halley
 * steps (cubic, so 1e-7 becomes round-off in two). Near ±1 the steps solve
 * erfc(x) = 1-|y| instead, where erf itself has no digits left to compare.
 * @example erfinv(0.5) // 0.4769362762044699
 */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  let w = -Math.log((1 - y) * (1 + y));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
  }
  const ay = Math.abs(y);
  let x = Math.abs(p * y);
  for (let i = 0; i < 60; i++) {
    // f(x) = erf(x) - |y| = (1-|y|) - erfc(x); f' = g; f'' = -2x·g. Halley: x -= f/(f' + x·f).
    // Within float32's range two steps suffice; a float64 value closer to ±1 than 2^-24
    // starts outside the guess's range, where each step first gains about 1/x.
    const f = ay <= 0.5 ? erf(x) - ay : 1 - ay - erfcPositive(x);
    const g = TWO_OVER_SQRT_PI * Math.exp(-x * x);
    const step = f / (g + x * f);
    x -= step;
    if (!(Math.abs(step) > 1e-15 * x)) break;
  }
  return y < 0 ? -x : x;
}

/** The standard normal CDF, Φ(x). @example normCdf(0) // 0.5 */
export function normCdf(x: number): number {
  return (1 + erf(x / Math.sqrt(2))) / 2;
}
