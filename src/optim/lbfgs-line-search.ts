/**
 * LBFGS's scalar arithmetic and its strong-Wolfe line search, ported from PyTorch 1.13's
 * `torch/optim/lbfgs.py` (`_cubic_interpolate`, `_strong_wolfe`).
 *
 * PyTorch's LBFGS mixes Python floats with 0-dim tensors of the parameters' dtype (dot
 * products, `H_diag`, `ro`, step lengths derived from them), and every operation that
 * touches such a tensor rounds to that dtype, the Python operand cast to it first. A float32
 * run branches on those rounded values (Wolfe tests, bracket updates), so the port keeps
 * the distinction: a `Boxed` value stands for a 0-dim tensor, a plain number for a Python
 * float, and `ScalarMath` applies the same rounding.
 */
import type { Tensor } from '../tensor/tensor.js';

/**
 * A scalar PyTorch holds in a 0-dim tensor of the parameters' dtype.
 * @internal
 * @example new Boxed(0.5).v // 0.5
 */
export class Boxed {
  constructor(readonly v: number) {}
}

/**
 * A Python float (`number`) or a 0-dim tensor value (`Boxed`).
 * @internal
 * @example const t: Scalar = new Boxed(1e-3);
 */
export type Scalar = number | Boxed;

/**
 * The value of a scalar, as `float(x)` / `x.item()` read it.
 * @internal
 * @example value(new Boxed(2)) // 2
 */
export const value = (x: Scalar): number => (typeof x === 'number' ? x : x.v);

/**
 * Arithmetic with PyTorch's rules for Python floats and 0-dim tensors: an operation with a
 * tensor operand rounds both operands and the result to the tensor dtype (`round`:
 * `Math.fround` for float32, the identity for float64) and gives a tensor.
 * @internal
 * @example const m = new ScalarMath(Math.fround); m.mul(0.1, new Boxed(3)) // Boxed(fround(fround(0.1) * 3))
 */
export class ScalarMath {
  constructor(readonly round: (x: number) => number) {}

  /** A tensor result (`x.dot(y)`, `x.abs().max()` read back): already in the dtype. */
  tensor(x: number): Boxed {
    return new Boxed(this.round(x));
  }

  private binary(a: Scalar, b: Scalar, op: (x: number, y: number) => number): Scalar {
    if (typeof a === 'number' && typeof b === 'number') return op(a, b);
    return new Boxed(this.round(op(this.round(value(a)), this.round(value(b)))));
  }

  add(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x + y);
  }
  sub(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x - y);
  }
  mul(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x * y);
  }
  div(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x / y);
  }
  abs(a: Scalar): Scalar {
    return typeof a === 'number' ? Math.abs(a) : new Boxed(Math.abs(a.v));
  }
  /** `x.sqrt()`: only tensors have it. */
  sqrt(a: Boxed): Boxed {
    return new Boxed(this.round(Math.sqrt(a.v)));
  }

  /** Comparisons: a tensor operand compares in its dtype (the float rounded to it). */
  private compare(a: Scalar, b: Scalar): [number, number] {
    if (typeof a === 'number' && typeof b === 'number') return [a, b];
    return [this.round(value(a)), this.round(value(b))];
  }
  lt(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x < y;
  }
  le(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x <= y;
  }
  gt(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x > y;
  }
  ge(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x >= y;
  }
  /** Python's `min(a, b)`: `b` only when `b < a`, so ties keep `a` (and its kind). */
  min(a: Scalar, b: Scalar): Scalar {
    return this.lt(b, a) ? b : a;
  }
  /** Python's `max(a, b)`. */
  max(a: Scalar, b: Scalar): Scalar {
    return this.gt(b, a) ? b : a;
  }
}

/**
 * The minimiser of the cubic through `(x1, f1)` and `(x2, f2)` with slopes `g1`, `g2`,
 * clamped to `bounds` (default: between the points); the bounds' midpoint when the cubic
 * has no real minimiser. PyTorch's `_cubic_interpolate`, operation for operation.
 * @internal
 * @example cubicInterpolate(m, 0, 1, new Boxed(-1), 1, 0.5, new Boxed(0.2))
 */
export function cubicInterpolate(
  m: ScalarMath,
  x1: Scalar,
  f1: Scalar,
  g1: Scalar,
  x2: Scalar,
  f2: Scalar,
  g2: Scalar,
  bounds?: [Scalar, Scalar],
): Scalar {
  const [xminBound, xmaxBound] = bounds ?? (m.le(x1, x2) ? [x1, x2] : [x2, x1]);
  const d1 = m.sub(m.add(g1, g2), m.div(m.mul(3, m.sub(f1, f2)), m.sub(x1, x2)));
  const d2Square = m.sub(m.mul(d1, d1), m.mul(g1, g2));
  if (m.ge(d2Square, 0)) {
    // d2_square.sqrt(): a tensor whenever the slopes are (they are dot products).
    const d2 = d2Square instanceof Boxed ? m.sqrt(d2Square) : Math.sqrt(d2Square);
    let minPos: Scalar;
    if (m.le(x1, x2)) {
      minPos = m.sub(x2, m.mul(m.sub(x2, x1), m.div(m.sub(m.add(g2, d2), d1), m.add(m.sub(g2, g1), m.mul(2, d2)))));
    } else {
      minPos = m.sub(x1, m.mul(m.sub(x1, x2), m.div(m.sub(m.add(g1, d2), d1), m.add(m.sub(g1, g2), m.mul(2, d2)))));
    }
    return m.min(m.max(minPos, xminBound), xmaxBound);
  }
  return m.div(m.add(xminBound, xmaxBound), 2);
}

/**
 * One evaluation along the search direction: the loss and a new flat gradient at `x + t d`.
 * @internal
 * @example const [f, g] = evaluate(0.5)
 */
export type DirectionalEvaluate = (t: Scalar) => [number, Tensor];

/**
 * PyTorch's `_strong_wolfe`: finds a step length `t` along `d` from the point with loss `f`,
 * flat gradient `g` and directional derivative `gtd`, satisfying the strong Wolfe
 * conditions (bracketing, then zooming by cubic interpolation). Returns the loss, the flat
 * gradient (a new tensor the caller owns), the step and the number of evaluations; every
 * other gradient it made is freed. `g` stays the caller's.
 * @internal
 * @example const [loss, flatGrad, t, evals] = strongWolfe(m, evaluate, t, d, loss, flatGrad, gtd)
 */
export function strongWolfe(
  m: ScalarMath,
  evaluate: DirectionalEvaluate,
  tInit: Scalar,
  d: Tensor,
  f: number,
  gIn: Tensor,
  gtd: Boxed,
  c1 = 1e-4,
  c2 = 0.9,
  toleranceChange = 1e-9,
  maxLs = 25,
): [number, Tensor, Scalar, number] {
  const owned = new Set<Tensor>();
  const own = (t: Tensor): Tensor => (owned.add(t), t);
  const read = (t: Tensor): Boxed => {
    const v = m.tensor(Number(t.item()));
    t.dispose();
    return v;
  };
  const dot = (a: Tensor, b: Tensor): Boxed => read(a.dot(b));

  const dAbs = d.abs();
  const dNorm = read(dAbs.max());
  dAbs.dispose();
  const g = own(gIn.clone());
  let t = tInit;
  let [fNew, gNew] = evaluate(t);
  own(gNew);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);

  let tPrev: Scalar = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev: Scalar = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: Scalar[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: Scalar[] = [];
  // Python compares `f_new > (f + c1 * t * gtd)`: the right side is a tensor.
  const armijoFails = (fTrial: number, tTrial: Scalar): boolean => m.gt(fTrial, m.add(f, m.mul(m.mul(c1, tTrial), gtd)));
  const wolfeHolds = (gtdTrial: Scalar): boolean => m.le(m.abs(gtdTrial), m.mul(-c2, gtd));

  while (lsIter < maxLs) {
    if (armijoFails(fNew, t) || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, own(gNew.clone())];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (wolfeHolds(gtdNew)) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (m.ge(gtdNew, 0)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, own(gNew.clone())];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    // interpolate
    const minStep = m.add(t, m.mul(0.01, m.sub(t, tPrev)));
    const maxStep = m.mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(m, tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = own(gNew.clone());
    gtdPrev = gtdNew;
    [fNew, gNew] = evaluate(t);
    own(gNew);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  if (lsIter === maxLs) {
    bracket = [0, t];
    bracketF = [f, fNew];
    bracketG = [g, gNew];
  }

  // zoom phase
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (m.lt(m.mul(m.abs(m.sub(bracket[1], bracket[0])), dNorm), toleranceChange)) break;
    t = cubicInterpolate(m, bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    const hi = m.max(bracket[0], bracket[1]);
    const lo = m.min(bracket[0], bracket[1]);
    const eps = m.mul(0.1, m.sub(hi, lo));
    if (m.lt(m.min(m.sub(hi, t), m.sub(t, lo)), eps)) {
      if (insufProgress || m.ge(t, hi) || m.le(t, lo)) {
        t = m.lt(m.abs(m.sub(t, hi)), m.abs(m.sub(t, lo))) ? m.sub(hi, eps) : m.add(lo, eps);
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = evaluate(t);
    own(gNew);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;

    if (armijoFails(fNew, t) || fNew >= bracketF[lowPos]) {
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = own(gNew.clone());
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (wolfeHolds(gtdNew)) {
        done = true;
      } else if (m.ge(m.mul(gtdNew, m.sub(bracket[highPos], bracket[lowPos])), 0)) {
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = own(gNew.clone());
      bracketGtd[lowPos] = gtdNew;
    }
  }
  const result = bracketG[lowPos];
  for (const tensor of owned) if (tensor !== result) tensor.dispose();
  return [bracketF[lowPos], result, bracket[lowPos], lsFuncEvals];
}
