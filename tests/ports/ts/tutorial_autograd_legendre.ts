// PyTorch tutorial "Learning PyTorch with Examples", "PyTorch: Defining new autograd
// Functions" (LegendrePolynomial3), ported line by line from
// tests/ports/python/tutorial_autograd_legendre.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

type Tensor = torch.Tensor;

/**
 * We can implement our own custom autograd Functions by subclassing
 * torch.autograd.Function and implementing the forward and backward passes
 * which operate on Tensors.
 */
class LegendrePolynomial3 extends torch.autograd.Function {
  static override forward(ctx: torch.FunctionCtx, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  static override backward(ctx: torch.FunctionCtx, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedTensors;
    return gradOutput.mul(1.5).mul(input!.pow(2).mul(5).sub(1));
  }
}

export function main(print: Print): void {
  const dtype = torch.float;
  const device = torch.device('cpu');

  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000, { device, dtype });
  const y = torch.sin(x);

  // Create random Tensors for weights. For this example, we need
  // 4 weights: y = a + b * P3(c + d * x), these weights need to be initialized
  // not too far from the correct result to ensure convergence.
  const a = torch.full([], 0.0, { device, dtype, requiresGrad: true });
  const b = torch.full([], -1.0, { device, dtype, requiresGrad: true });
  const c = torch.full([], 0.0, { device, dtype, requiresGrad: true });
  const d = torch.full([], 0.3, { device, dtype, requiresGrad: true });

  const learningRate = 5e-6;
  for (let t = 0; t < 2000; t++) {
    // To apply our Function, we use Function.apply method. We alias this as 'P3'.
    const P3 = (input: Tensor) => LegendrePolynomial3.apply(input) as Tensor;

    // Forward pass: compute predicted y using operations; we compute
    // P3 using our custom autograd operation.
    const yPred = a.add(b.mul(P3(c.add(d.mul(x)))));

    // Compute and print loss
    const loss = yPred.sub(y).pow(2).sum();
    if (t % 100 === 99) print(t, loss.item());

    // Use autograd to compute the backward pass.
    loss.backward();

    // Update weights using gradient descent
    torch.noGrad(() => {
      a.sub_(a.grad!.mul(learningRate));
      b.sub_(b.grad!.mul(learningRate));
      c.sub_(c.grad!.mul(learningRate));
      d.sub_(d.grad!.mul(learningRate));

      // Manually zero the gradients after updating weights
      a.grad = null;
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }

  print(`Result: y = ${a.item()} + ${b.item()} * P3(${c.item()} + ${d.item()} x)`);
}
