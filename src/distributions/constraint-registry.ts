/**
 * `biject_to` and `transform_to`: the transform from unconstrained space onto a
 * constraint's set, as optimizers of constrained parameters use them. `bijectTo` gives a
 * bijection (StickBreaking for the simplex); `transformTo` may give a cheaper map that is
 * not one (Softmax). Both are registries keyed by the constraint's class, which users
 * extend with `register`, as PyTorch's `ConstraintRegistry`.
 */
import { Tensor } from '../tensor/tensor.js';
import {
  CatConstraint,
  Constraint,
  GreaterThan,
  GreaterThanEq,
  HalfOpenInterval,
  IndependentConstraint,
  Interval,
  LessThan,
  StackConstraint,
  constraintTypeName,
  corrCholesky,
  lowerCholesky,
  positiveDefinite,
  real,
  simplex,
} from './constraints.js';
import {
  AffineTransform,
  ComposeTransform,
  ExpTransform,
  SigmoidTransform,
  type Transform,
  identityTransform,
} from './transforms.js';
import {
  CorrCholeskyTransform,
  IndependentTransform,
  LowerCholeskyTransform,
  PositiveDefiniteTransform,
  SoftmaxTransform,
  StickBreakingTransform,
} from './transforms-structured.js';
import { CatTransform, StackTransform } from './transforms-piecewise.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ConstraintClass = abstract new (...args: any[]) => Constraint;
/** A factory: the transform for one constraint of a registered class. */
export type TransformFactory = (constraint: Constraint) => Transform;

/**
 * A registry from constraint classes to transform factories, callable as PyTorch's
 * `biject_to(constraint)`.
 * @example torch.distributions.bijectTo(constraints.positive).call(torch.zeros(2)) // [1, 1]
 */
export interface ConstraintRegistry {
  (constraint: Constraint): Transform;
  /**
   * Registers `factory` for the class of `constraint` (a constraint or its class); without
   * a factory, returns a function that registers one.
   * @example bijectTo.register(MyConstraint, (c) => new ExpTransform())
   */
  register(constraint: Constraint | ConstraintClass, factory: TransformFactory): TransformFactory;
  register(constraint: Constraint | ConstraintClass): (factory: TransformFactory) => TransformFactory;
}

function makeRegistry(): ConstraintRegistry {
  const table = new Map<ConstraintClass, TransformFactory>();
  const lookup = (constraint: Constraint): Transform => {
    const factory = constraint instanceof Constraint ? table.get(constraint.constructor as ConstraintClass) : undefined;
    if (!factory) {
      const name = constraint instanceof Constraint ? constraintTypeName(constraint) : String(constraint);
      throw new Error(`Cannot transform ${name} constraints`);
    }
    return factory(constraint);
  };
  function register(constraint: Constraint | ConstraintClass, factory?: TransformFactory): TransformFactory | ((f: TransformFactory) => TransformFactory) {
    const cls = constraint instanceof Constraint ? (constraint.constructor as ConstraintClass) : constraint;
    if (typeof cls !== 'function' || !(cls.prototype instanceof Constraint)) {
      throw new TypeError(`Expected constraint to be either a Constraint subclass or instance, but got ${String(constraint)}`);
    }
    const add = (f: TransformFactory): TransformFactory => {
      table.set(cls, f);
      return f;
    };
    return factory === undefined ? add : add(factory);
  }
  return Object.assign(lookup, { register }) as ConstraintRegistry;
}

/**
 * The bijection from unconstrained space onto a constraint's set.
 * @example torch.distributions.bijectTo(constraints.simplex) // StickBreakingTransform()
 */
export const bijectTo: ConstraintRegistry = makeRegistry();
/**
 * A map from unconstrained space onto a constraint's set, not necessarily a bijection.
 * @example torch.distributions.transformTo(constraints.simplex) // SoftmaxTransform()
 */
export const transformTo: ConstraintRegistry = makeRegistry();

const both = (constraint: Constraint | ConstraintClass, factory: TransformFactory): void => {
  bijectTo.register(constraint, factory);
  transformTo.register(constraint, factory);
};

both(real, () => identityTransform);
bijectTo.register(IndependentConstraint, (c) => {
  const ind = c as IndependentConstraint;
  return new IndependentTransform(bijectTo(ind.baseConstraint), ind.reinterpretedBatchNdims);
});
transformTo.register(IndependentConstraint, (c) => {
  const ind = c as IndependentConstraint;
  return new IndependentTransform(transformTo(ind.baseConstraint), ind.reinterpretedBatchNdims);
});
// positive and nonnegative are GreaterThan(0) and GreaterThanEq(0): PyTorch registers them
// as exp and then overrides both classes with exp shifted by the bound, so that is what they get.
for (const cls of [GreaterThan, GreaterThanEq]) {
  both(cls, (c) => new ComposeTransform([new ExpTransform(), new AffineTransform((c as GreaterThan).lowerBound, 1)]));
}
both(LessThan, (c) => new ComposeTransform([new ExpTransform(), new AffineTransform((c as LessThan).upperBound, -1)]));
for (const cls of [Interval, HalfOpenInterval]) {
  both(cls, (c) => {
    const { lowerBound, upperBound } = c as Interval;
    if (lowerBound === 0 && upperBound === 1) return new SigmoidTransform();
    const scale =
      upperBound instanceof Tensor ? upperBound.sub(lowerBound) : lowerBound instanceof Tensor ? lowerBound.neg().add(upperBound) : upperBound - lowerBound;
    return new ComposeTransform([new SigmoidTransform(), new AffineTransform(lowerBound, scale)]);
  });
}
bijectTo.register(simplex, () => new StickBreakingTransform());
transformTo.register(simplex, () => new SoftmaxTransform());
transformTo.register(lowerCholesky, () => new LowerCholeskyTransform());
// PyTorch 2.x's, which 1.13 lacks.
transformTo.register(positiveDefinite, () => new PositiveDefiniteTransform());
both(corrCholesky, () => new CorrCholeskyTransform());
bijectTo.register(CatConstraint, (c) => {
  const { cseq, dim, lengths } = c as CatConstraint;
  return new CatTransform(cseq.map((x) => bijectTo(x)), dim, lengths);
});
transformTo.register(CatConstraint, (c) => {
  const { cseq, dim, lengths } = c as CatConstraint;
  return new CatTransform(cseq.map((x) => transformTo(x)), dim, lengths);
});
bijectTo.register(StackConstraint, (c) => {
  const { cseq, dim } = c as StackConstraint;
  return new StackTransform(cseq.map((x) => bijectTo(x)), dim);
});
transformTo.register(StackConstraint, (c) => {
  const { cseq, dim } = c as StackConstraint;
  return new StackTransform(cseq.map((x) => transformTo(x)), dim);
});
