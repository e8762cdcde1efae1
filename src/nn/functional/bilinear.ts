/**
 * `F.bilinear`: `y = x1ᵀ A x2 + b` per output feature, as one matrix product and one
 * reduction (differentiable through the ops it is made of).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { add, mul } from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { sum } from '../../ops/reduce.js';
import { permute, reshape, unsqueeze } from '../../ops/shape.js';
import { checkOptionalTensor, checkTensor } from '../../tensor/args.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

const sizes = (shape: number[]): string => `[${shape.join(', ')}]`;

/**
 * Bilinear map of `input1` (*, in1) and `input2` (*, in2) by `weight` (out, in1, in2),
 * plus `bias` (out): `y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o]`.
 * @example F.bilinear(x1, x2, layer.weight, layer.bias)
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (autocastHook.active) return autocastOp('bilinear', bilinear, arguments);
  checkTensor(input1, 'bilinear', 'input1');
  checkTensor(input2, 'bilinear', 'input2');
  checkTensor(weight, 'bilinear', 'weight');
  checkOptionalTensor(bias, 'bilinear', 'bias');
  if (input1.dim() !== input2.dim()) {
    throw new Error(`bilinear(): input dimensions do not match: got ${input1.dim()} and ${input2.dim()}`);
  }
  const batch = input1.shape.slice(0, -1);
  if (batch.join() !== input2.shape.slice(0, -1).join()) {
    throw new Error(`bilinear(): input batch dimensions do not match: got ${sizes(batch)} and ${sizes(input2.shape.slice(0, -1))}`);
  }
  if (weight.dim() !== 3) throw new Error(`bilinear(): weight must be three-dimensional, but got ${weight.dim()}-dimensional`);
  const [outFeatures, in1, in2] = weight.shape;
  if (input1.shape[input1.dim() - 1] !== in1) {
    throw new Error(`bilinear(): input1 size does not match weight size: got ${input1.shape[input1.dim() - 1]} but expected ${in1}`);
  }
  if (input2.shape[input2.dim() - 1] !== in2) {
    throw new Error(`bilinear(): input2 size does not match weight size: got ${input2.shape[input2.dim() - 1]} but expected ${in2}`);
  }
  if (bias !== null && (bias.dim() !== 1 || bias.shape[0] !== outFeatures)) {
    throw new Error(`bilinear(): bias size does not match weight size: got ${bias.shape[bias.dim() - 1] ?? 0} but expected ${outFeatures}`);
  }
  const x1 = reshape(input1, [-1, in1]);
  const x2 = reshape(input2, [-1, in2]);
  // (B, in1) @ (in1, out * in2) -> (B, out, in2), then contracted with x2 over in2
  const left = reshape(matmul(x1, reshape(permute(weight, [1, 0, 2]), [in1, outFeatures * in2])), [-1, outFeatures, in2]);
  let out = sum(mul(left, unsqueeze(x2, 1)), 2);
  if (bias !== null) out = add(out, bias);
  return input1.dim() === 2 ? out : reshape(out, [...batch, outFeatures]);
}
