/**
 * `torch.distributions.constraints`: the sets that parameters and values must lie in. Each
 * constraint's `check(value)` returns a bool tensor, true where the value satisfies it, and
 * prints as PyTorch's repr does (`GreaterThan(lower_bound=0.0)`), since validation errors
 * quote it.
 * @example torch.distributions.constraints.positive.check(torch.tensor([1, -1])) // [true, false]
 */
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, eq, ge, gt, le, logicalAnd, logicalOr, lt, remainder, sub } from '../ops/elementwise.js';
import { all, sum } from '../ops/reduce.js';
import { isclose } from '../ops/compare-math.js';
import { diagonal, tril } from '../ops/structured.js';
import { choleskyEx } from '../linalg/decompositions.js';
import { full } from '../tensor/creation.js';
import { cat as catTensors, stack as stackTensors } from '../ops/shape.js';
import { vectorNorm } from '../linalg/norms.js';
import { eigvalsh } from '../linalg/decompositions.js';
import { finfo, pythonFloat } from './utils.js';
import { bool } from '../tensor/dtype.js';

const finfoEps = (t: Tensor): number => finfo(t.dtype).eps;

/** A bound as PyTorch prints it: a Python float (`0.0`, `1e-05`), or the tensor itself. */
function bound(v: number | Tensor): string {
  return v instanceof Tensor ? v.toString() : pythonFloat(v);
}

/** `value.all(-1)` applied `n` times: true where every element of the last n dims holds. */
function allRightmost(t: Tensor, n: number): Tensor {
  let out = t;
  for (let i = 0; i < n; i++) out = all(out, -1);
  return out;
}

/**
 * A set of values. `eventDim` is how many rightmost dims form one event (a whole vector
 * or matrix is checked at once); `isDiscrete` marks integer supports.
 * @example constraints.real.check(x)
 */
export abstract class Constraint {
  get isDiscrete(): boolean {
    return false;
  }
  get eventDim(): number {
    return 0;
  }
  /** True where `value` satisfies the constraint (one element per event). */
  abstract check(value: Tensor): Tensor;
  abstract toString(): string;
}

/** A constraint that depends on other parameters; validation skips it. @example constraints.dependent */
export class Dependent extends Constraint {
  constructor(private readonly options: { isDiscrete?: boolean; eventDim?: number } = {}) {
    super();
  }
  override get isDiscrete(): boolean {
    return this.options.isDiscrete ?? false;
  }
  override get eventDim(): number {
    return this.options.eventDim ?? 0;
  }
  check(): Tensor {
    throw new Error('Cannot determine validity of dependent constraint');
  }
  toString(): string {
    return 'Dependent()';
  }
}

/** Whether a constraint is `dependent` (and so not checked). @example isDependent(c) */
export function isDependent(c: Constraint): boolean {
  return c instanceof Dependent;
}

class Real extends Constraint {
  check(value: Tensor): Tensor {
    return eq(value, value);  // false only at NaN
  }
  toString(): string {
    return 'Real()';
  }
}

/** `(lowerBound, inf)`. @example constraints.greaterThan(0) */
export class GreaterThan extends Constraint {
  constructor(readonly lowerBound: number | Tensor) {
    super();
  }
  check(value: Tensor): Tensor {
    return gt(value, this.lowerBound);
  }
  toString(): string {
    return `GreaterThan(lower_bound=${bound(this.lowerBound)})`;
  }
}

/**
 * `[lowerBound, inf)`. `integerBound` prints the bound as an int, as PyTorch prints a
 * constraint built from a Python int (`greater_than_eq(0)`, not `nonnegative`).
 * @example constraints.greaterThanEq(0)
 */
export class GreaterThanEq extends Constraint {
  constructor(readonly lowerBound: number | Tensor, private readonly integerBound = false) {
    super();
  }
  check(value: Tensor): Tensor {
    return ge(value, this.lowerBound);
  }
  toString(): string {
    return `GreaterThanEq(lower_bound=${this.integerBound ? String(this.lowerBound) : bound(this.lowerBound)})`;
  }
}

/** `(-inf, upperBound)`. @example constraints.lessThan(0) */
export class LessThan extends Constraint {
  constructor(readonly upperBound: number | Tensor) {
    super();
  }
  check(value: Tensor): Tensor {
    return lt(value, this.upperBound);
  }
  toString(): string {
    return `LessThan(upper_bound=${bound(this.upperBound)})`;
  }
}

/** `[lowerBound, upperBound]`. @example constraints.interval(0, 1) */
export class Interval extends Constraint {
  constructor(readonly lowerBound: number | Tensor, readonly upperBound: number | Tensor) {
    super();
  }
  check(value: Tensor): Tensor {
    return logicalAnd(ge(value, this.lowerBound), le(value, this.upperBound));
  }
  toString(): string {
    return `Interval(lower_bound=${bound(this.lowerBound)}, upper_bound=${bound(this.upperBound)})`;
  }
}

/** `[lowerBound, upperBound)`. @example constraints.halfOpenInterval(0, 1) */
export class HalfOpenInterval extends Interval {
  override check(value: Tensor): Tensor {
    return logicalAnd(ge(value, this.lowerBound), lt(value, this.upperBound));
  }
  override toString(): string {
    return `HalfOpenInterval(lower_bound=${bound(this.lowerBound)}, upper_bound=${bound(this.upperBound)})`;
  }
}

/** The integers in `[lowerBound, upperBound]`. @example constraints.integerInterval(0, 9) */
export class IntegerInterval extends Constraint {
  override get isDiscrete(): boolean {
    return true;
  }
  constructor(readonly lowerBound: number, readonly upperBound: number | Tensor) {
    super();
  }
  check(value: Tensor): Tensor {
    return logicalAnd(logicalAnd(eq(remainder(value, 1), 0), ge(value, this.lowerBound)), le(value, this.upperBound));
  }
  toString(): string {
    return `IntegerInterval(lower_bound=${this.lowerBound}, upper_bound=${this.upperBound.toString()})`;
  }
}

/** The integers from `lowerBound` up. @example constraints.integerGreaterThan(0) */
export class IntegerGreaterThan extends Constraint {
  override get isDiscrete(): boolean {
    return true;
  }
  constructor(readonly lowerBound: number) {
    super();
  }
  check(value: Tensor): Tensor {
    return logicalAnd(eq(remainder(value, 1), 0), ge(value, this.lowerBound));
  }
  toString(): string {
    return `IntegerGreaterThan(lower_bound=${this.lowerBound})`;
  }
}

class BooleanConstraint extends Constraint {
  override get isDiscrete(): boolean {
    return true;
  }
  check(value: Tensor): Tensor {
    return logicalOr(eq(value, 0), eq(value, 1));
  }
  toString(): string {
    return 'Boolean()';
  }
}

class OneHot extends Constraint {
  override get isDiscrete(): boolean {
    return true;
  }
  override get eventDim(): number {
    return 1;
  }
  check(value: Tensor): Tensor {
    const isBoolean = logicalOr(eq(value, 0), eq(value, 1));
    return logicalAnd(all(isBoolean, -1), eq(sum(value, -1), 1));
  }
  toString(): string {
    return 'OneHot()';
  }
}

class Simplex extends Constraint {
  override get eventDim(): number {
    return 1;
  }
  check(value: Tensor): Tensor {
    return logicalAnd(all(ge(value, 0), -1), lt(abs(sub(sum(value, -1), 1)), 1e-6));
  }
  toString(): string {
    return 'Simplex()';
  }
}

class LowerTriangular extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    return allRightmost(eq(tril(value), value), 2);
  }
  toString(): string {
    return 'LowerTriangular()';
  }
}

class LowerCholesky extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    const lowerTriangular = allRightmost(eq(tril(value), value), 2);
    const positiveDiagonal = all(gt(diagonal(value, 0, -2, -1), 0), -1);
    return logicalAnd(lowerTriangular, positiveDiagonal);
  }
  toString(): string {
    return 'LowerCholesky()';
  }
}

/** Lower Cholesky factors whose rows have unit length (factors of correlation matrices). */
class CorrCholesky extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    // PyTorch's tolerance: eps * n * 10, the 10 a fudge factor.
    const tol = finfoEps(value) * value.shape[value.dim() - 1] * 10;
    const rowNorm = noGrad(() => vectorNorm(value.detach(), 2, -1));
    const unitRows = all(le(abs(sub(rowNorm, 1)), tol), -1);
    return logicalAnd(new LowerCholesky().check(value), unitRows);
  }
  toString(): string {
    return 'CorrCholesky()';
  }
}

class Square extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    const n = value.dim();
    return full(value.shape.slice(0, -2), value.shape[n - 2] === value.shape[n - 1], { dtype: bool, device: value.device });
  }
  toString(): string {
    return 'Square()';
  }
}

class Symmetric extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    const n = value.dim();
    if (value.shape[n - 1] !== value.shape[n - 2]) return full(value.shape.slice(0, -2), false, { dtype: bool });
    return allRightmost(isclose(value, value.mT, { atol: 1e-6 }), 2);
  }
  toString(): string {
    return 'Symmetric()';
  }
}

class PositiveSemidefinite extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    const symmetric = new Symmetric().check(value);
    if (!all(symmetric).item()) return symmetric;
    return all(ge(eigvalsh(value), 0), -1);
  }
  toString(): string {
    return 'PositiveSemidefinite()';
  }
}

class PositiveDefinite extends Constraint {
  override get eventDim(): number {
    return 2;
  }
  check(value: Tensor): Tensor {
    const symmetric = new Symmetric().check(value);
    if (!all(symmetric).item()) return symmetric;
    return eq(choleskyEx(value).info, 0);
  }
  toString(): string {
    return 'PositiveDefinite()';
  }
}

/**
 * `base` with its `reinterpretedBatchNdims` rightmost batch dims taken as one event.
 * @example constraints.independent(constraints.real, 1)
 */
export class IndependentConstraint extends Constraint {
  constructor(readonly baseConstraint: Constraint, readonly reinterpretedBatchNdims: number) {
    super();
  }
  override get isDiscrete(): boolean {
    return this.baseConstraint.isDiscrete;
  }
  override get eventDim(): number {
    return this.baseConstraint.eventDim + this.reinterpretedBatchNdims;
  }
  check(value: Tensor): Tensor {
    const result = this.baseConstraint.check(value);
    if (result.dim() < this.reinterpretedBatchNdims) {
      const expected = this.baseConstraint.eventDim + this.reinterpretedBatchNdims;
      throw new Error(`Expected value.dim() >= ${expected} but got ${value.dim()}`);
    }
    return allRightmost(result, this.reinterpretedBatchNdims);
  }
  toString(): string {
    return `IndependentConstraint(${this.baseConstraint.toString()}, ${this.reinterpretedBatchNdims})`;
  }
}

/**
 * Nonnegative integer vectors summing to at most `upperBound` (PyTorch checks this weaker
 * form of "summing to `upperBound`").
 * @example constraints.multinomial(10)
 */
export class MultinomialConstraint extends Constraint {
  constructor(readonly upperBound: number) {
    super();
    if (typeof upperBound !== 'number' || Number.isNaN(upperBound)) throw new TypeError(`constraints.multinomial(): upper_bound must be a number, but got ${String(upperBound)}`);
  }
  override get isDiscrete(): boolean {
    return true;
  }
  override get eventDim(): number {
    return 1;
  }
  check(value: Tensor): Tensor {
    return logicalAnd(all(ge(value, 0), -1), le(sum(value, -1), this.upperBound));
  }
  toString(): string {
    return 'Multinomial()';
  }
}

function checkDim(fn: string, value: Tensor, dim: number): void {
  if (dim < -value.dim() || dim >= value.dim()) throw new Error(`constraints.${fn}: dim ${dim} is out of range for a value of ${value.dim()} dims`);
}

/**
 * Constraints applied to consecutive slices of `dim` (of `lengths`, one each by default),
 * as `torch.cat` joins them.
 * @example constraints.cat([constraints.real, constraints.positive], 0, [2, 1])
 */
export class CatConstraint extends Constraint {
  readonly cseq: Constraint[];
  readonly lengths: number[];
  constructor(cseq: Constraint[], readonly dim = 0, lengths?: number[]) {
    super();
    if (!Array.isArray(cseq) || !cseq.every((c) => c instanceof Constraint)) throw new TypeError('constraints.cat(): expected a list of Constraints');
    if (!Number.isInteger(dim)) throw new TypeError(`constraints.cat(): dim must be an integer, but got ${String(dim)}`);
    if (lengths !== undefined && lengths !== null && (!Array.isArray(lengths) || !lengths.every((n) => Number.isInteger(n) && n >= 0))) {
      throw new TypeError(`constraints.cat(): lengths must be a list of non-negative integers, but got ${String(lengths)}`);
    }
    this.cseq = [...cseq];
    this.lengths = lengths ? [...lengths] : this.cseq.map(() => 1);
    if (this.lengths.length !== this.cseq.length) throw new Error(`constraints.cat(): got ${this.cseq.length} constraints but ${this.lengths.length} lengths`);
  }
  override get isDiscrete(): boolean {
    return this.cseq.some((c) => c.isDiscrete);
  }
  override get eventDim(): number {
    return Math.max(...this.cseq.map((c) => c.eventDim));
  }
  check(value: Tensor): Tensor {
    checkDim('cat', value, this.dim);
    let start = 0;
    const checks = this.cseq.map((c, i) => {
      const part = c.check(value.narrow(this.dim, start, this.lengths[i]));
      start += this.lengths[i];
      return part;
    });
    return catTensors(checks, this.dim);
  }
  toString(): string {
    return 'Cat()';
  }
}

/**
 * One constraint per index of `dim`, as `torch.stack` joins them.
 * @example constraints.stack([constraints.real, constraints.positive], 0)
 */
export class StackConstraint extends Constraint {
  readonly cseq: Constraint[];
  constructor(cseq: Constraint[], readonly dim = 0) {
    super();
    if (!Array.isArray(cseq) || !cseq.every((c) => c instanceof Constraint)) throw new TypeError('constraints.stack(): expected a list of Constraints');
    if (!Number.isInteger(dim)) throw new TypeError(`constraints.stack(): dim must be an integer, but got ${String(dim)}`);
    this.cseq = [...cseq];
  }
  override get isDiscrete(): boolean {
    return this.cseq.some((c) => c.isDiscrete);
  }
  override get eventDim(): number {
    const dim = Math.max(...this.cseq.map((c) => c.eventDim));
    return this.dim + dim < 0 ? dim + 1 : dim;
  }
  check(value: Tensor): Tensor {
    checkDim('stack', value, this.dim);
    const n = value.shape[this.dim < 0 ? this.dim + value.dim() : this.dim];
    if (n !== this.cseq.length) throw new Error(`constraints.stack(): the value has ${n} entries along dim ${this.dim}, but there are ${this.cseq.length} constraints`);
    return stackTensors(this.cseq.map((c, i) => c.check(value.select(this.dim, i))), this.dim);
  }
  toString(): string {
    return 'Stack()';
  }
}

/** `constraints.real`: any value but NaN. */
export const real: Constraint = new Real();
/** `constraints.real_vector`. */
export const realVector: Constraint = new IndependentConstraint(real, 1);
/** `constraints.positive`: (0, inf). */
export const positive: Constraint = new GreaterThan(0);
/** `constraints.nonnegative`: [0, inf). */
export const nonnegative: Constraint = new GreaterThanEq(0);
/** `constraints.unit_interval`: [0, 1]. */
export const unitInterval: Constraint = new Interval(0, 1);
/** `constraints.boolean`: 0 or 1. */
export const boolean: Constraint = new BooleanConstraint();
/** `constraints.one_hot`. */
export const oneHot: Constraint = new OneHot();
/** `constraints.nonnegative_integer`. */
export const nonnegativeInteger: Constraint = new IntegerGreaterThan(0);
/** `constraints.positive_integer`. */
export const positiveInteger: Constraint = new IntegerGreaterThan(1);
/** `constraints.simplex`: nonnegative vectors that sum to 1. */
export const simplex: Constraint = new Simplex();
/** `constraints.lower_cholesky`: lower-triangular with a positive diagonal. */
export const lowerCholesky: Constraint = new LowerCholesky();
/** `constraints.lower_triangular`. */
export const lowerTriangular: Constraint = new LowerTriangular();
/** `constraints.corr_cholesky`: Cholesky factors of correlation matrices. */
export const corrCholesky: Constraint = new CorrCholesky();
/** `constraints.square`. */
export const square: Constraint = new Square();
/** `constraints.positive_semidefinite`. */
export const positiveSemidefinite: Constraint = new PositiveSemidefinite();
/** `constraints.symmetric`. */
export const symmetric: Constraint = new Symmetric();
/** `constraints.positive_definite`. */
export const positiveDefinite: Constraint = new PositiveDefinite();
/** `constraints.dependent`. */
export const dependent: Constraint = new Dependent();
/** `constraints.greater_than(lowerBound)`. @example constraints.greaterThan(0) */
export const greaterThan = (lowerBound: number | Tensor): Constraint => new GreaterThan(lowerBound);
/** `constraints.greater_than_eq(lowerBound)`. @example constraints.greaterThanEq(0) */
export const greaterThanEq = (lowerBound: number | Tensor): Constraint => new GreaterThanEq(lowerBound);
/** `constraints.less_than(upperBound)`. @example constraints.lessThan(0) */
export const lessThan = (upperBound: number | Tensor): Constraint => new LessThan(upperBound);
/** `constraints.multinomial(upperBound)`. @example constraints.multinomial(10) */
export const multinomial = (upperBound: number): Constraint => new MultinomialConstraint(upperBound);
/** `constraints.cat(cseq, dim, lengths)`. @example constraints.cat([constraints.real, constraints.positive]) */
export const cat = (cseq: Constraint[], dim = 0, lengths?: number[]): Constraint => new CatConstraint(cseq, dim, lengths);
/** `constraints.stack(cseq, dim)`. @example constraints.stack([constraints.real, constraints.positive]) */
export const stack = (cseq: Constraint[], dim = 0): Constraint => new StackConstraint(cseq, dim);
/** `constraints.interval(lower, upper)`. @example constraints.interval(0, 1) */
export const interval = (lower: number | Tensor, upper: number | Tensor): Constraint => new Interval(lower, upper);
/** `constraints.half_open_interval(lower, upper)`. @example constraints.halfOpenInterval(0, 1) */
export const halfOpenInterval = (lower: number | Tensor, upper: number | Tensor): Constraint => new HalfOpenInterval(lower, upper);
/** `constraints.integer_interval(lower, upper)`. @example constraints.integerInterval(0, 9) */
export const integerInterval = (lower: number, upper: number | Tensor): Constraint => new IntegerInterval(lower, upper);
/** `constraints.independent(base, n)`. @example constraints.independent(constraints.real, 1) */
export const independent = (base: Constraint, n: number): Constraint => new IndependentConstraint(base, n);

/** Runs a check without recording gradients. @internal @example checked(c, x) */
export function checked(c: Constraint, value: Tensor): Tensor {
  return noGrad(() => c.check(value));
}

/** PyTorch's private class names for these constraints (`_GreaterThan`), which its messages print. */
const PYTORCH_NAMES = new Map<abstract new (...args: never[]) => Constraint, string>([
  [Dependent, '_Dependent'], [Real, '_Real'], [GreaterThan, '_GreaterThan'], [GreaterThanEq, '_GreaterThanEq'],
  [LessThan, '_LessThan'], [Interval, '_Interval'], [HalfOpenInterval, '_HalfOpenInterval'],
  [IntegerInterval, '_IntegerInterval'], [IntegerGreaterThan, '_IntegerGreaterThan'], [BooleanConstraint, '_Boolean'],
  [OneHot, '_OneHot'], [Simplex, '_Simplex'], [LowerTriangular, '_LowerTriangular'], [LowerCholesky, '_LowerCholesky'],
  [CorrCholesky, '_CorrCholesky'], [Square, '_Square'], [Symmetric, '_Symmetric'],
  [PositiveSemidefinite, '_PositiveSemidefinite'], [PositiveDefinite, '_PositiveDefinite'],
  [IndependentConstraint, '_IndependentConstraint'], [MultinomialConstraint, '_Multinomial'], [CatConstraint, '_Cat'],
  [StackConstraint, '_Stack'],
]);

/** The class name PyTorch would print for a constraint (a user's own class keeps its name). @example constraintTypeName(constraints.simplex) // '_Simplex' */
export function constraintTypeName(c: Constraint): string {
  const cls = c.constructor as abstract new (...args: never[]) => Constraint;
  return PYTORCH_NAMES.get(cls) ?? cls.name;
}
