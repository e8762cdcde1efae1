/**
 * The `T` and `mT` properties (`x.T`, `x.mT`), as PyTorch's: `T` reverses all dimensions
 * (a permute; PyTorch 1.13 deprecates it for other than 2-D but still permutes), `mT`
 * swaps the last two. Imported once by methods.ts.
 */
import { permute, transpose } from '../ops/shape.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** All dimensions reversed, as `x.T` (a view). @example torch.zeros(2, 3).T.shape // [3, 2] */
    readonly T: Tensor;
    /** The last two dimensions swapped, as `x.mT` (a view). @example torch.zeros(5, 2, 3).mT.shape // [5, 3, 2] */
    readonly mT: Tensor;
  }
}

Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor): Tensor {
    const dims = Array.from({ length: this.dim() }, (_, i) => this.dim() - 1 - i);
    return permute(this, dims);
  },
  configurable: true,
});

Object.defineProperty(Tensor.prototype, 'mT', {
  get(this: Tensor): Tensor {
    if (this.dim() < 2) throw new Error(`tensor.mT is only supported on matrices or batches of matrices. Got ${this.dim()}-D tensor.`);
    return transpose(this, -2, -1);
  },
  configurable: true,
});
