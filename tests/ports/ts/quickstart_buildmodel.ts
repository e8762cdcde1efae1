// PyTorch tutorial "Build the Neural Network" (Learn the Basics), ported line by line from
// tests/ports/python/quickstart_buildmodel.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;

export function main(print: Print): void {
  torch.manualSeed(0);

  const device = 'cpu';
  print(`Using ${device} device`);

  class NeuralNetwork extends nn.Module {
    flatten = new nn.Flatten();
    linear_relu_stack = new nn.Sequential(
      new nn.Linear(28 * 28, 512),
      new nn.ReLU(),
      new nn.Linear(512, 512),
      new nn.ReLU(),
      new nn.Linear(512, 10),
    );

    override forward(x: torch.Tensor): torch.Tensor {
      x = this.flatten(x);
      const logits = this.linear_relu_stack(x);
      return logits;
    }
  }

  const model = new NeuralNetwork().to(device);
  print(model);

  const X = torch.rand([1, 28, 28], { device });
  let logits = model(X);
  let predProbab = new nn.Softmax({ dim: 1 })(logits);
  const yPred = predProbab.argmax(1);
  print(`Predicted class: ${yPred}`);

  let inputImage = torch.rand(3, 28, 28);
  print(inputImage.size());

  const flatten = new nn.Flatten();
  const flatImage = flatten(inputImage);
  print(flatImage.size());

  const layer1 = new nn.Linear(28 * 28, 20); // nn.Linear(in_features=28*28, out_features=20): positional in flint
  let hidden1 = layer1(flatImage);
  print(hidden1.size());

  print(`Before ReLU: ${hidden1}\n\n`);
  hidden1 = new nn.ReLU()(hidden1);
  print(`After ReLU: ${hidden1}`);

  const seqModules = new nn.Sequential(
    flatten,
    layer1,
    new nn.ReLU(),
    new nn.Linear(20, 10),
  );
  inputImage = torch.rand(3, 28, 28);
  logits = seqModules(inputImage);

  const softmax = new nn.Softmax({ dim: 1 });
  predProbab = softmax(logits);
  print(predProbab);

  print(`Model structure: ${model}\n\n`);

  for (const [name, param] of model.namedParameters()) {
    print(`Layer: ${name} | Size: ${param.size()} | Values : ${param.index(':2')} \n`);
  }
}
