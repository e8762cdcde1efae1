/**
 * `torch.distributions.transforms`: invertible maps with the log-determinant of their
 * Jacobian, which TransformedDistribution pushes a base distribution through. Each is
 * elementwise (event dim 0) and applied with `t.call(x)` (PyTorch's `t(x)`); `t.inv` is
 * its inverse.
 */
import { Tensor } from '../tensor/tensor.js';
import { fullLike, zerosLike } from '../tensor/creation.js';
import { softplus } from './ops.js';
import { type Constraint, interval, positive, real, unitInterval } from './constraints.js';
import { finfo } from './utils.js';

/**
 * An invertible transform y = f(x).
 * @example new torch.distributions.transforms.ExpTransform().call(torch.zeros(2)) // [1, 1]
 */
export abstract class Transform {
  /** Whether f is a bijection (so that its inverse and Jacobian exist). */
  readonly bijective: boolean = true;
  abstract get domain(): Constraint;
  abstract get codomain(): Constraint;
  /** +1 where f increases, -1 where it decreases. */
  get sign(): number | Tensor {
    return 1;
  }
  /** y = f(x). @example t.call(x) */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }
  /** The inverse transform. @example t.inv.call(y) */
  get inv(): Transform {
    return new InverseTransform(this);
  }
  /** f itself. */
  protected abstract forward(x: Tensor): Tensor;
  /** f⁻¹(y). @example t.inverse(y) */
  abstract inverse(y: Tensor): Tensor;
  /** log |det df/dx| at (x, y = f(x)), elementwise. @example t.logAbsDetJacobian(x, y) */
  abstract logAbsDetJacobian(x: Tensor, y: Tensor): Tensor;
  /** Whether `other` is the same map (PyTorch's `==` on transforms). @example t.equals(u) */
  equals(other: Transform): boolean {
    return other instanceof Transform && other.constructor === this.constructor;
  }
  /** The shape of f(x) for x of `shape` (elementwise transforms keep it). */
  forwardShape(shape: readonly number[]): number[] {
    return [...shape];
  }
  /** The shape of f⁻¹(y) for y of `shape`. */
  inverseShape(shape: readonly number[]): number[] {
    return [...shape];
  }
  abstract toString(): string;
}

class InverseTransform extends Transform {
  constructor(private readonly base: Transform) {
    super();
  }
  get domain(): Constraint {
    return this.base.codomain;
  }
  get codomain(): Constraint {
    return this.base.domain;
  }
  override get sign(): number | Tensor {
    return this.base.sign;
  }
  override get inv(): Transform {
    return this.base;
  }
  override equals(other: Transform): boolean {
    return other instanceof InverseTransform && this.base.equals(other.base);
  }
  protected forward(x: Tensor): Tensor {
    return this.base.inverse(x);
  }
  inverse(y: Tensor): Tensor {
    return this.base.call(y);
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    return this.base.logAbsDetJacobian(y, x).neg();
  }
  toString(): string {
    return `_InverseTransform(${this.base.toString()})`;
  }
}

/** y = exp(x). @example new ExpTransform().call(x) */
export class ExpTransform extends Transform {
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return positive;
  }
  protected forward(x: Tensor): Tensor {
    return x.exp();
  }
  inverse(y: Tensor): Tensor {
    return y.log();
  }
  logAbsDetJacobian(x: Tensor): Tensor {
    return x;
  }
  toString(): string {
    return 'ExpTransform()';
  }
}

/**
 * y = |x|. Not a bijection: HalfNormal, which uses it, computes its own density.
 * @example new AbsTransform().call(x)
 */
export class AbsTransform extends Transform {
  override readonly bijective: boolean = false;
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return positive;
  }
  protected forward(x: Tensor): Tensor {
    return x.abs();
  }
  inverse(y: Tensor): Tensor {
    return y;
  }
  logAbsDetJacobian(): Tensor {
    throw new Error('AbsTransform is not bijective: it has no log-determinant of its Jacobian');
  }
  toString(): string {
    return 'AbsTransform()';
  }
}

/** y = loc + scale * x. @example new AffineTransform(1, 2).call(x) */
export class AffineTransform extends Transform {
  constructor(readonly loc: Tensor | number, readonly scale: Tensor | number) {
    super();
    for (const [name, v] of [['loc', loc], ['scale', scale]] as const) {
      if (!(v instanceof Tensor) && typeof v !== 'number') throw new TypeError(`AffineTransform(): argument '${name}' must be a Tensor or a number`);
    }
  }
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return real;
  }
  override get sign(): number | Tensor {
    return this.scale instanceof Tensor ? this.scale.sign() : Math.sign(this.scale);
  }
  override equals(other: Transform): boolean {
    if (!(other instanceof AffineTransform)) return false;
    const same = (a: Tensor | number, b: Tensor | number): boolean => {
      if (typeof a === 'number' && typeof b === 'number') return a === b;
      return Boolean((a instanceof Tensor ? a : b as Tensor).eq(a instanceof Tensor ? b : a).all().item());
    };
    return same(this.loc, other.loc) && same(this.scale, other.scale);
  }
  protected forward(x: Tensor): Tensor {
    return x.mul(this.scale).add(this.loc);
  }
  inverse(y: Tensor): Tensor {
    return y.sub(this.loc).div(this.scale);
  }
  logAbsDetJacobian(x: Tensor): Tensor {
    const result = this.scale instanceof Tensor ? this.scale.abs().log() : fullLike(x, Math.log(Math.abs(this.scale)));
    return result.expand([...x.shape]);
  }
  toString(): string {
    return 'AffineTransform()';
  }
}

/** y = sigmoid(x), clipped into (0, 1) so that the inverse stays finite. @example new SigmoidTransform().call(x) */
export class SigmoidTransform extends Transform {
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return unitInterval;
  }
  protected forward(x: Tensor): Tensor {
    const { tiny, eps } = finfo(x.dtype);
    return x.sigmoid().clamp(tiny, 1 - eps);
  }
  inverse(y: Tensor): Tensor {
    const { tiny, eps } = finfo(y.dtype);
    const c = y.clamp(tiny, 1 - eps);
    return c.log().sub(c.neg().log1p());
  }
  logAbsDetJacobian(x: Tensor): Tensor {
    return softplus(x.neg()).neg().sub(softplus(x));
  }
  toString(): string {
    return 'SigmoidTransform()';
  }
}

/** y = tanh(x). @example new TanhTransform().call(x) */
export class TanhTransform extends Transform {
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return interval(-1, 1);
  }
  protected forward(x: Tensor): Tensor {
    return x.tanh();
  }
  inverse(y: Tensor): Tensor {
    // PyTorch's atanh, without clamping at ±1.
    return y.log1p().sub(y.neg().log1p()).mul(0.5);
  }
  logAbsDetJacobian(x: Tensor): Tensor {
    // 2 (log 2 - x - softplus(-2x)), stable where tanh saturates.
    return x.neg().add(Math.LN2).sub(softplus(x.mul(-2))).mul(2);
  }
  toString(): string {
    return 'TanhTransform()';
  }
}

/**
 * Transforms applied in order; the log-determinants add up.
 * @example new ComposeTransform([new AffineTransform(0, 2), new ExpTransform()])
 */
export class ComposeTransform extends Transform {
  readonly parts: Transform[];
  constructor(parts: Transform[]) {
    super();
    if (!Array.isArray(parts) || !parts.every((p) => p instanceof Transform)) throw new TypeError('ComposeTransform(): expected a list of Transforms');
    this.parts = [...parts];
  }
  override equals(other: Transform): boolean {
    return other instanceof ComposeTransform && other.parts.length === this.parts.length && this.parts.every((p, i) => p.equals(other.parts[i]));
  }
  get domain(): Constraint {
    return this.parts.length ? this.parts[0].domain : real;
  }
  get codomain(): Constraint {
    return this.parts.length ? this.parts[this.parts.length - 1].codomain : real;
  }
  override get sign(): number | Tensor {
    let sign = 1 as number | Tensor;
    for (const p of this.parts) {
      const s = p.sign;
      if (sign instanceof Tensor) sign = sign.mul(s);
      else sign = s instanceof Tensor ? s.mul(sign) : sign * s;
    }
    return sign;
  }
  protected forward(x: Tensor): Tensor {
    return this.parts.reduce((v, p) => p.call(v), x);
  }
  inverse(y: Tensor): Tensor {
    return this.parts.reduceRight((v, p) => p.inverse(v), y);
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    if (this.parts.length === 0) return zerosLike(x);
    // The intermediates x -> ... -> y; the last one is the y given.
    const xs = [x];
    for (const part of this.parts.slice(0, -1)) xs.push(part.call(xs[xs.length - 1]));
    xs.push(y);
    const terms = this.parts.map((part, i) => part.logAbsDetJacobian(xs[i], xs[i + 1]));
    return terms.reduce((a, b) => a.add(b));
  }
  toString(): string {
    return `ComposeTransform(\n    ${this.parts.map((p) => p.toString()).join(',\n    ')}\n)`;
  }
}
