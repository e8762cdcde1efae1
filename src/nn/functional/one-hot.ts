/**
 * `F.oneHot`, torch.nn.functional.one_hot: class indices to int64 one-hot rows.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { int64 } from '../../tensor/dtype.js';
import { arange } from '../../tensor/creation.js';
import { eq } from '../../ops/elementwise.js';
import { unsqueeze } from '../../ops/shape.js';
import { max, min } from '../../ops/reduce.js';
import { checkInteger, checkTensor } from '../../tensor/args.js';

/**
 * An int64 tensor of shape [...input.shape, numClasses] with a 1 at each index's class
 * and 0 elsewhere. `numClasses = -1` takes one more than the largest index.
 * @example F.oneHot(torch.tensor([0, 2, 1]), 3) // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  checkTensor(input, 'one_hot', 'input');
  checkInteger(numClasses, 'one_hot', 'num_classes');
  if (input.dtype !== int64) throw new Error('one_hot is only applicable to index tensor.');
  if (input.numel() === 0) {
    if (numClasses <= 0) throw new Error('Can not infer total number of classes from empty tensor.');
  } else {
    if (Number((min(input) as Tensor).item()) < 0) throw new Error('Class values must be non-negative.');
    const largest = Number((max(input) as Tensor).item());
    if (numClasses === -1) numClasses = largest + 1;
    else if (largest >= numClasses) throw new Error('Class values must be smaller than num_classes.');
  }
  if (numClasses < 0) throw new Error('Class values must be non-negative.');  // PyTorch rejects num_classes < -1 the same way
  const classes = arange(numClasses, { dtype: int64, device: input.device });
  return eq(unsqueeze(input, -1), classes).to(int64);
}
