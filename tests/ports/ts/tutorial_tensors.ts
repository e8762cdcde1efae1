// PyTorch tutorial "Tensors" (Learn the Basics, without the NumPy bridge), ported line by
// line from tests/ports/python/tutorial_tensors.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

export function main(print: Print): void {
  torch.manualSeed(0);

  const data = [[1, 2], [3, 4]];
  const xData = torch.tensor(data);
  print(xData);

  const xOnes = torch.onesLike(xData); // retains the properties of x_data
  print(`Ones Tensor: \n ${xOnes} \n`);

  const xRand = torch.randLike(xData, { dtype: torch.float }); // overrides the datatype of x_data
  print(`Random Tensor: \n ${xRand} \n`);

  const shape = [2, 3];
  const randTensor = torch.rand(shape);
  const onesTensor = torch.ones(shape);
  const zerosTensor = torch.zeros(shape);

  print(`Random Tensor: \n ${randTensor} \n`);
  print(`Ones Tensor: \n ${onesTensor} \n`);
  print(`Zeros Tensor: \n ${zerosTensor}`);

  let tensor = torch.rand(3, 4);

  print(`Shape of tensor: ${tensor.shape}`);
  print(`Datatype of tensor: ${tensor.dtype}`);
  print(`Device tensor is stored on: ${tensor.device}`);

  tensor = torch.ones(4, 4);
  print(`First row: ${tensor.index(0)}`);
  print(`First column: ${tensor.index(':', 0)}`);
  print(`Last column: ${tensor.index('...', -1)}`);
  tensor.indexPut_([':', 1], 0); // tensor[:, 1] = 0
  print(tensor);

  const t1 = torch.cat([tensor, tensor, tensor], 1);
  print(t1);

  // This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
  const y1 = tensor.matmul(tensor.T); // tensor @ tensor.T
  const y2 = tensor.matmul(tensor.T);

  const y3 = torch.randLike(y1);
  y3.copy_(torch.matmul(tensor, tensor.T)); // flint has no out=: torch.matmul(tensor, tensor.T, out=y3)
  print(y1);
  print(torch.equal(y1, y2) ? 'True' : 'False', torch.equal(y1, y3) ? 'True' : 'False'); // as Python prints bools

  // This computes the element-wise product. z1, z2, z3 will have the same value
  const z1 = tensor.mul(tensor);
  const z2 = tensor.mul(tensor);

  const z3 = torch.randLike(tensor);
  z3.copy_(torch.mul(tensor, tensor)); // torch.mul(tensor, tensor, out=z3)
  print(z1);
  print(torch.equal(z1, z2) ? 'True' : 'False', torch.equal(z1, z3) ? 'True' : 'False');

  const agg = tensor.sum();
  const aggItem = agg.item();
  print(aggItem, typeof aggItem === 'number' ? 'float' : typeof aggItem); // Python's float is JS's number

  print(`${tensor} \n`);
  tensor.add_(5);
  print(tensor);
}
