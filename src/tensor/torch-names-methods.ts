/**
 * The Tensor methods of PyTorch 1.13's smaller torch-level names (src/ops/copy-variants.ts,
 * src/ops/torch-extras.ts): `x.unsafeChunk`, `x.unsafeSplit`, `x.unsafeSplitWithSizes`,
 * `x.where(cond, y)`, `x.clip_`, `x.floorDivide_`, and the real-tensor questions `x.isNeg()`,
 * `x.isConj()`, `x.resolveNeg()`, `x.resolveConj()`, `x.isDistributed()`, and `x.histogram()`. Imported once by
 * methods.ts.
 */
import * as copies from '../ops/copy-variants.js';
import * as extras from '../ops/torch-extras.js';
import { clip_ } from '../ops/aliases.js';
import { histogram } from '../ops/histogram.js';
import { installMethods, type Tail } from './method-install.js';

declare module './tensor.js' {
  interface Tensor {
    unsafeChunk: Tail<typeof copies.unsafeChunk>;
    unsafeSplit: Tail<typeof copies.unsafeSplit>;
    unsafeSplitWithSizes: Tail<typeof copies.unsafeSplitWithSizes>;
    where: Tail<typeof extras.where>;
    clip_: Tail<typeof clip_>;
    floorDivide_: Tail<typeof extras.floorDivide_>;
    isNeg: Tail<typeof extras.isNeg>;
    isConj: Tail<typeof extras.isConj>;
    resolveNeg: Tail<typeof extras.resolveNeg>;
    resolveConj: Tail<typeof extras.resolveConj>;
    isDistributed: Tail<typeof extras.isDistributed>;
    histogram: Tail<typeof histogram>;
  }
}

installMethods({
  unsafeChunk: copies.unsafeChunk,
  unsafeSplit: copies.unsafeSplit,
  unsafeSplitWithSizes: copies.unsafeSplitWithSizes,
  where: extras.where,
  clip_,
  floorDivide_: extras.floorDivide_,
  isNeg: extras.isNeg,
  isConj: extras.isConj,
  resolveNeg: extras.resolveNeg,
  resolveConj: extras.resolveConj,
  isDistributed: extras.isDistributed,
  histogram,
});
