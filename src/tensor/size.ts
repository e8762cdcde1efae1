/**
 * `torch.Size`: what `tensor.shape` and `tensor.size()` return. It is an ordinary array of
 * numbers (index it, spread it, pass it wherever a shape goes) that prints as PyTorch's
 * `torch.Size([3, 4])`, so `print(f"Shape: {t.shape}")` ports with the same output.
 */
import { inspect } from 'node:util';

/**
 * A tensor's shape: an array of sizes that prints as `torch.Size([...])`.
 * @example
 * const s = torch.zeros(3, 4).shape; // Size [3, 4]
 * `${s}`;                             // 'torch.Size([3, 4])'
 * new torch.Size([2, 5]).numel();     // 10
 */
export class Size extends Array<number> {
  // map/filter/slice/concat make plain arrays: a derived list of numbers is not a shape.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  constructor(sizes: Iterable<number> | ArrayLike<number> = []) {
    super();
    for (const s of Array.from(sizes)) {
      if (!Number.isInteger(s)) throw new TypeError(`torch.Size() takes an iterable of 'int' (item ${this.length} is ${typeof s === 'number' ? 'a non-integer number' : typeof s})`);
      this.push(s);
    }
  }

  /** The number of elements a tensor of this shape holds. @example new torch.Size([2, 3]).numel() // 6 */
  numel(): number {
    let n = 1;
    for (const s of this) n *= s;
    return n;
  }

  /** PyTorch's repr. @example String(new torch.Size([3])) // 'torch.Size([3])' */
  override toString(): string {
    return `torch.Size([${this.join(', ')}])`;
  }

  /** console.log prints the repr too. @example console.log(t.shape) */
  [inspect.custom](): string {
    return this.toString();
  }
}
