/**
 * The `mT` property (`x.mT`), as PyTorch's: the last two dimensions swapped. (`x.T`, all
 * dimensions reversed, is defined in methods.ts.) Imported once by methods.ts.
 */
import { transpose } from '../ops/shape.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** The last two dimensions swapped, as `x.mT` (a view). @example torch.zeros(5, 2, 3).mT.shape // [5, 3, 2] */
    readonly mT: Tensor;
  }
}

Object.defineProperty(Tensor.prototype, 'mT', {
  get(this: Tensor): Tensor {
    if (this.dim() < 2) throw new Error(`tensor.mT is only supported on matrices or batches of matrices. Got ${this.dim()}-D tensor.`);
    return transpose(this, -2, -1);
  },
  configurable: true,
});
