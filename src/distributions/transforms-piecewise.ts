/**
 * The transforms of `torch.distributions.transforms` that apply other transforms piecewise
 * (`CatTransform` over slices, `StackTransform` over indices) and the CDF of a distribution as a
 * transform (`CumulativeDistributionTransform`).
 */
import { Tensor } from '../tensor/tensor.js';
import { cat, stack } from '../ops/shape.js';
import { type Constraint, cat as catConstraint, stack as stackConstraint, unitInterval } from './constraints.js';
import { Transform } from './transforms.js';
import { Distribution } from './distribution.js';
import { sumRightmost } from './utils.js';

function checkTransforms(fn: string, tseq: unknown): Transform[] {
  if (!Array.isArray(tseq) || !tseq.every((t) => t instanceof Transform)) throw new TypeError(`${fn}(): expected a list of Transforms`);
  return [...tseq] as Transform[];
}

function checkDimArg(fn: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`${fn}(): dim must be an integer, but got ${String(dim)}`);
  return dim;
}

function dimSize(fn: string, x: Tensor, dim: number, expected: number): void {
  if (dim < -x.dim() || dim >= x.dim()) throw new Error(`${fn}: dim ${dim} is out of range for a tensor of ${x.dim()} dims`);
  const size = x.shape[dim < 0 ? dim + x.dim() : dim];
  if (size !== expected) throw new Error(`${fn}: expected size ${expected} along dim ${dim}, but got ${size}`);
}

/**
 * Transforms applied to consecutive slices of `dim` (of `lengths`, one each by default), the
 * results joined as `torch.cat` joins them.
 * @example new CatTransform([new ExpTransform(), identityTransform], 0, [2, 1]).call(x)
 */
export class CatTransform extends Transform {
  readonly transforms: Transform[];
  readonly lengths: number[];
  constructor(tseq: Transform[], readonly dim = 0, lengths?: number[]) {
    super();
    this.transforms = checkTransforms('CatTransform', tseq);
    checkDimArg('CatTransform', dim);
    if (lengths !== undefined && lengths !== null && (!Array.isArray(lengths) || !lengths.every((n) => Number.isInteger(n) && n >= 0))) {
      throw new TypeError(`CatTransform(): lengths must be a list of non-negative integers, but got ${String(lengths)}`);
    }
    this.lengths = lengths ? [...lengths] : this.transforms.map(() => 1);
    if (this.lengths.length !== this.transforms.length) throw new Error(`CatTransform(): got ${this.transforms.length} transforms but ${this.lengths.length} lengths`);
  }
  override get eventDim(): number {
    return Math.max(...this.transforms.map((t) => t.eventDim));
  }
  private get length(): number {
    return this.lengths.reduce((a, b) => a + b, 0);
  }
  override get bijective(): boolean {
    return this.transforms.every((t) => t.bijective);
  }
  get domain(): Constraint {
    return catConstraint(this.transforms.map((t) => t.domain), this.dim, this.lengths);
  }
  get codomain(): Constraint {
    return catConstraint(this.transforms.map((t) => t.codomain), this.dim, this.lengths);
  }
  /** fn applied to each transform and its slices of the inputs. */
  private slices(inputs: Tensor[], fn: (t: Transform, parts: Tensor[]) => Tensor): Tensor[] {
    for (const x of inputs) dimSize('CatTransform', x, this.dim, this.length);
    let start = 0;
    return this.transforms.map((t, i) => {
      const parts = inputs.map((x) => x.narrow(this.dim, start, this.lengths[i]));
      start += this.lengths[i];
      return fn(t, parts);
    });
  }
  protected forward(x: Tensor): Tensor {
    return cat(this.slices([x], (t, [xs]) => t.call(xs)), this.dim);
  }
  inverse(y: Tensor): Tensor {
    return cat(this.slices([y], (t, [ys]) => t.inverse(ys)), this.dim);
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const eventDim = this.eventDim;
    const terms = this.slices([x, y], (t, [xs, ys]) => {
      const term = t.logAbsDetJacobian(xs, ys);
      return t.eventDim < eventDim ? sumRightmost(term, eventDim - t.eventDim) : term;
    });
    const dim = (this.dim >= 0 ? this.dim - x.dim() : this.dim) + eventDim;
    return dim < 0 ? cat(terms, dim) : terms.reduce((a, b) => a.add(b));
  }
  toString(): string {
    return 'CatTransform()';
  }
}

/**
 * One transform per index of `dim`, the results joined as `torch.stack` joins them.
 * @example new StackTransform([new ExpTransform(), identityTransform], 1).call(x)
 */
export class StackTransform extends Transform {
  readonly transforms: Transform[];
  constructor(tseq: Transform[], readonly dim = 0) {
    super();
    this.transforms = checkTransforms('StackTransform', tseq);
    checkDimArg('StackTransform', dim);
  }
  override get bijective(): boolean {
    return this.transforms.every((t) => t.bijective);
  }
  get domain(): Constraint {
    return stackConstraint(this.transforms.map((t) => t.domain), this.dim);
  }
  get codomain(): Constraint {
    return stackConstraint(this.transforms.map((t) => t.codomain), this.dim);
  }
  private slices(z: Tensor): Tensor[] {
    dimSize('StackTransform', z, this.dim, this.transforms.length);
    return this.transforms.map((_, i) => z.select(this.dim, i));
  }
  protected forward(x: Tensor): Tensor {
    const xs = this.slices(x);
    return stack(this.transforms.map((t, i) => t.call(xs[i])), this.dim);
  }
  inverse(y: Tensor): Tensor {
    const ys = this.slices(y);
    return stack(this.transforms.map((t, i) => t.inverse(ys[i])), this.dim);
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const [xs, ys] = [this.slices(x), this.slices(y)];
    return stack(this.transforms.map((t, i) => t.logAbsDetJacobian(xs[i], ys[i])), this.dim);
  }
  toString(): string {
    return 'StackTransform()';
  }
}

/**
 * A distribution's CDF as a transform onto [0, 1]; its log-determinant is the log-density.
 * @example new CumulativeDistributionTransform(new Normal(0, 1)).call(torch.zeros(1)) // [0.5]
 */
export class CumulativeDistributionTransform extends Transform {
  constructor(readonly distribution: Distribution) {
    super();
    if (!(distribution instanceof Distribution)) throw new TypeError(`CumulativeDistributionTransform(): expected a Distribution, but got ${String(distribution)}`);
  }
  override get sign(): number {
    return 1;
  }
  override get bijective(): boolean {
    return true;
  }
  get domain(): Constraint {
    return this.distribution.support;
  }
  get codomain(): Constraint {
    return unitInterval;
  }
  protected forward(x: Tensor): Tensor {
    return this.distribution.cdf(x);
  }
  inverse(y: Tensor): Tensor {
    return this.distribution.icdf(y);
  }
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    return this.distribution.logProb(x);
  }
  toString(): string {
    return 'CumulativeDistributionTransform()';
  }
}
