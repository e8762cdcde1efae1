// PyTorch tutorial "Learning PyTorch with Examples", "PyTorch: nn" (polynomial fit with
// nn.Sequential and nn.Flatten), ported line by line from tests/ports/python/tutorial_nn.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

export function main(print: Print): void {
  torch.manualSeed(0);

  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);

  // For this example, the output y is a linear function of (x, x^2, x^3), so
  // we can consider it as a linear layer neural network. Let's prepare the
  // tensor (x, x^2, x^3).
  const p = torch.tensor([1, 2, 3]);
  const xx = x.unsqueeze(-1).pow(p);

  // Use the nn package to define our model as a sequence of layers.
  const model = new torch.nn.Sequential(
    new torch.nn.Linear(3, 1),
    new torch.nn.Flatten(0, 1),
  );

  // The nn package also contains definitions of popular loss functions.
  const lossFn = new torch.nn.MSELoss({ reduction: 'sum' });

  const learningRate = 1e-6;
  for (let t = 0; t < 2000; t++) {
    const yPred = model(xx);

    // Compute and print loss.
    const loss = lossFn(yPred, y);
    if (t % 100 === 99) print(t, loss.item());

    // Zero the gradients before running the backward pass.
    model.zeroGrad();

    // Backward pass: compute gradient of the loss with respect to all the learnable
    // parameters of the model.
    loss.backward();

    // Update the weights using gradient descent.
    torch.noGrad(() => {
      for (const param of model.parameters()) param.sub_(param.grad!.mul(learningRate));
    });
  }

  // You can access the first layer of `model` like accessing the first item of a list
  const linearLayer = model.at(0) as torch.nn.Linear;

  // For linear layer, its parameters are stored as `weight` and `bias`.
  print(
    `Result: y = ${linearLayer.bias!.item()} + ${linearLayer.weight.index(':', 0).item()} x + ` +
      `${linearLayer.weight.index(':', 1).item()} x^2 + ${linearLayer.weight.index(':', 2).item()} x^3`,
  );
}
