/**
 * `torch.distributions.transforms`: invertible maps with the log-determinant of their
 * Jacobian, which TransformedDistribution pushes a base distribution through. A transform
 * is applied with `t.call(x)` (PyTorch's `t(x)`); `t.inv` is its inverse. This file holds
 * the base class, composition and the elementwise maps; transforms-structured.ts the maps
 * of vectors and matrices.
 */
import { Tensor } from '../tensor/tensor.js';
import { fullLike, tensor, zerosLike } from '../tensor/creation.js';
import { getDefaultDtype } from '../tensor/dtype.js';
import { broadcastShapes } from '../ops/shape.js';
import { softplus } from './ops.js';
import { type Constraint, independent, interval, positive, real, unitInterval } from './constraints.js';
import { finfo, sumRightmost } from './utils.js';

/**
 * An invertible transform y = f(x).
 * @example new torch.distributions.transforms.ExpTransform().call(torch.zeros(2)) // [1, 1]
 */
export abstract class Transform {
  /** Whether f is a bijection (so that its inverse and Jacobian exist). */
  /** Whether f is a bijection; PyTorch's default is false, and each bijective transform says so. */
  get bijective(): boolean {
    return false;
  }
  abstract get domain(): Constraint;
  abstract get codomain(): Constraint;
  /** +1 where f increases, -1 where it decreases. */
  get sign(): number | Tensor {
    throw new Error(`${this.constructor.name} does not implement sign`);
  }
  /** The event dims of both domain and codomain, when they agree. @example t.eventDim */
  get eventDim(): number {
    if (this.domain.eventDim === this.codomain.eventDim) return this.domain.eventDim;
    throw new Error('Please use either .domain.event_dim or .codomain.event_dim');
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
  /**
   * Whether `other` is the same map (PyTorch's `==` on transforms): the same object, unless a
   * transform defines equality by its parameters (the parameterless ones compare by class).
   * @example t.equals(u)
   */
  equals(other: Transform): boolean {
    return other === this;
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
  override get bijective(): boolean {
    return this.base.bijective;
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
  override forwardShape(shape: readonly number[]): number[] {
    return this.base.inverseShape(shape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.base.forwardShape(shape);
  }
  toString(): string {
    return `_InverseTransform(${this.base.toString()})`;
  }
}

/**
 * The parameterless elementwise bijections of the real line (Exp, Sigmoid, Tanh, Softplus):
 * increasing, equal to any other of their class (PyTorch's `isinstance` equality), and
 * printed by class name. Each subclass gives its codomain and the map.
 * @example new torch.distributions.transforms.ExpTransform() instanceof IncreasingElementwise // true
 */
export abstract class IncreasingElementwise extends Transform {
  override equals(other: Transform): boolean {
    return other instanceof (this.constructor as abstract new () => Transform);
  }
  override get bijective(): boolean {
    return true;
  }
  override get sign(): number {
    return 1;
  }
  get domain(): Constraint {
    return real;
  }
  toString(): string {
    return `${this.constructor.name}()`;
  }
}

/** y = exp(x). @example new ExpTransform().call(x) */
export class ExpTransform extends IncreasingElementwise {
  get codomain(): Constraint {
    return positive;
  }
  protected forward(x: Tensor): Tensor {
    return x.exp();
  }
  inverse(y: Tensor): Tensor {
    return y.log();
  }
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    return x;
  }
}

/**
 * y = |x|. Not a bijection: HalfNormal, which uses it, computes its own density.
 * @example new AbsTransform().call(x)
 */
export class AbsTransform extends Transform {
  override equals(other: Transform): boolean {
    return other instanceof AbsTransform;
  }
  override get bijective(): boolean {
    return false;
  }
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
  logAbsDetJacobian(_x?: Tensor, _y?: Tensor): Tensor {
    throw new Error('AbsTransform is not bijective: it has no log-determinant of its Jacobian');
  }
  toString(): string {
    return 'AbsTransform()';
  }
}

/**
 * y = loc + scale * x, over events of `eventDim` dims (the log-determinant sums over them).
 * @example new AffineTransform(1, 2).call(x)
 */
export class AffineTransform extends Transform {
  private readonly events: number;
  constructor(readonly loc: Tensor | number, readonly scale: Tensor | number, eventDim = 0) {
    super();
    for (const [name, v] of [['loc', loc], ['scale', scale]] as const) {
      if (!(v instanceof Tensor) && typeof v !== 'number') throw new TypeError(`AffineTransform(): argument '${name}' must be a Tensor or a number`);
    }
    if (!Number.isInteger(eventDim) || eventDim < 0) throw new TypeError(`AffineTransform(): eventDim must be a nonnegative integer, but got ${String(eventDim)}`);
    this.events = eventDim;
  }
  override get eventDim(): number {
    return this.events;
  }
  override get bijective(): boolean {
    return true;
  }
  get domain(): Constraint {
    return this.events === 0 ? real : independent(real, this.events);
  }
  get codomain(): Constraint {
    return this.events === 0 ? real : independent(real, this.events);
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
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    let result = this.scale instanceof Tensor ? this.scale.abs().log() : fullLike(x, Math.log(Math.abs(this.scale)));
    let shape = [...x.shape];
    if (this.events) {
      // A tensor scale broadcast to x first, so each event sums n terms (PyTorch sums the
      // unbroadcast scale, which undercounts a 0-d or shorter one).
      result = result.expand([...broadcastShapes(result.shape, shape)]);
      result = result.reshape([...result.shape.slice(0, result.dim() - this.events), -1]).sum(-1);
      shape = shape.slice(0, shape.length - this.events);
    }
    return result.expand(shape);
  }
  override forwardShape(shape: readonly number[]): number[] {
    return [...broadcastShapes(shape, shapeOf(this.loc), shapeOf(this.scale))];
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.forwardShape(shape);
  }
  toString(): string {
    return 'AffineTransform()';
  }
}

/** y = sigmoid(x), clipped into (0, 1) so that the inverse stays finite. @example new SigmoidTransform().call(x) */
export class SigmoidTransform extends IncreasingElementwise {
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
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    return softplus(x.neg()).neg().sub(softplus(x));
  }
}

/** y = tanh(x). @example new TanhTransform().call(x) */
export class TanhTransform extends IncreasingElementwise {
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
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    // 2 (log 2 - x - softplus(-2x)), stable where tanh saturates.
    return x.neg().add(Math.LN2).sub(softplus(x.mul(-2))).mul(2);
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
  override get bijective(): boolean {
    return this.parts.every((p) => p.bijective);
  }
  /** The first part's domain, widened to the most event dims any part needs. */
  get domain(): Constraint {
    if (!this.parts.length) return real;
    const domain = this.parts[0].domain;
    let eventDim = this.parts[this.parts.length - 1].codomain.eventDim;
    for (const part of [...this.parts].reverse()) {
      eventDim += part.domain.eventDim - part.codomain.eventDim;
      eventDim = Math.max(eventDim, part.domain.eventDim);
    }
    return eventDim > domain.eventDim ? independent(domain, eventDim - domain.eventDim) : domain;
  }
  /** The last part's codomain, widened to the most event dims any part produces. */
  get codomain(): Constraint {
    if (!this.parts.length) return real;
    const codomain = this.parts[this.parts.length - 1].codomain;
    let eventDim = this.parts[0].domain.eventDim;
    for (const part of this.parts) {
      eventDim += part.codomain.eventDim - part.domain.eventDim;
      eventDim = Math.max(eventDim, part.codomain.eventDim);
    }
    return eventDim > codomain.eventDim ? independent(codomain, eventDim - codomain.eventDim) : codomain;
  }
  override get inv(): Transform {
    return new ComposeTransform([...this.parts].reverse().map((p) => p.inv));
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
    let eventDim = this.domain.eventDim;
    const terms = this.parts.map((part, i) => {
      const term = sumRightmost(part.logAbsDetJacobian(xs[i], xs[i + 1]), eventDim - part.domain.eventDim);
      eventDim += part.codomain.eventDim - part.domain.eventDim;
      return term;
    });
    return terms.reduce((a, b) => a.add(b));
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.parts.reduce((s, p) => p.forwardShape(s), [...shape]);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.parts.reduceRight((s, p) => p.inverseShape(s), [...shape]);
  }
  toString(): string {
    return `ComposeTransform(\n    ${this.parts.map((p) => p.toString()).join(',\n    ')}\n)`;
  }
}

/** The identity, an empty composition (`torch.distributions.transforms.identity_transform`). */
export const identityTransform: Transform = new ComposeTransform([]);

const shapeOf = (v: Tensor | number): number[] => (v instanceof Tensor ? [...v.shape] : []);

/** y = x ** exponent on the positive reals. @example new PowerTransform(2).call(x) */
export class PowerTransform extends Transform {
  readonly exponent: Tensor;
  constructor(exponent: Tensor | number) {
    super();
    if (!(exponent instanceof Tensor) && typeof exponent !== 'number') throw new TypeError("PowerTransform(): argument 'exponent' must be a Tensor or a number");
    this.exponent = exponent instanceof Tensor ? exponent : tensor(exponent, { dtype: getDefaultDtype() });
  }
  override get sign(): number {
    return 1;
  }
  override get bijective(): boolean {
    return true;
  }
  get domain(): Constraint {
    return positive;
  }
  get codomain(): Constraint {
    return positive;
  }
  override equals(other: Transform): boolean {
    return other instanceof PowerTransform && Boolean(this.exponent.eq(other.exponent).all().item());
  }
  protected forward(x: Tensor): Tensor {
    return x.pow(this.exponent);
  }
  inverse(y: Tensor): Tensor {
    return y.pow(this.exponent.reciprocal());
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    return this.exponent.mul(y).div(x).abs().log();
  }
  override forwardShape(shape: readonly number[]): number[] {
    return [...broadcastShapes(shape, [...this.exponent.shape])];
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.forwardShape(shape);
  }
  toString(): string {
    return 'PowerTransform()';
  }
}

/** y = log(1 + exp(x)), the softplus. @example new SoftplusTransform().call(x) */
export class SoftplusTransform extends IncreasingElementwise {
  get codomain(): Constraint {
    return positive;
  }
  protected forward(x: Tensor): Tensor {
    return softplus(x);
  }
  inverse(y: Tensor): Tensor {
    return y.neg().expm1().neg().log().add(y);
  }
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    return softplus(x.neg()).neg();
  }
}
