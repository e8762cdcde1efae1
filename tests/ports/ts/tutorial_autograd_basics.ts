// PyTorch tutorial "Automatic Differentiation with torch.autograd" (Learn the Basics),
// ported line by line from tests/ports/python/tutorial_autograd_basics.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

export function main(print: Print): void {
  torch.manualSeed(0);

  const x = torch.ones(5); // input tensor
  const y = torch.zeros(3); // expected output
  const w = torch.randn([5, 3], { requiresGrad: true });
  const b = torch.randn([3], { requiresGrad: true });
  let z = torch.matmul(x, w).add(b);
  const loss = torch.nn.functional.binaryCrossEntropyWithLogits(z, y);

  print(`Gradient function for z = ${z.gradFn!.name}`);
  print(`Gradient function for loss = ${loss.gradFn!.name}`);

  loss.backward();
  print(w.grad);
  print(b.grad);

  const pyBool = (v: boolean) => (v ? 'True' : 'False'); // as Python prints bools
  z = torch.matmul(x, w).add(b);
  print(pyBool(z.requiresGrad));

  z = torch.noGrad(() => torch.matmul(x, w).add(b));
  print(pyBool(z.requiresGrad));

  z = torch.matmul(x, w).add(b);
  const zDet = z.detach();
  print(pyBool(zDet.requiresGrad));

  const inp = torch.eye(4, 5, { requiresGrad: true });
  const out = inp.add(1).pow(2).t();
  out.backward(torch.onesLike(out), { retainGraph: true });
  print(`First call\n${inp.grad}`);
  out.backward(torch.onesLike(out), { retainGraph: true });
  print(`\nSecond call\n${inp.grad}`);
  inp.grad!.zero_();
  out.backward(torch.onesLike(out), { retainGraph: true });
  print(`\nCall after zeroing gradients\n${inp.grad}`);
}
