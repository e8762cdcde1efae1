/**
 * Dive into Deep Learning, "Layers and Blocks", in flint. Run: npx tsx examples/5.1-layers-and-blocks.ts
 * The seed makes every printed value equal to what the same PyTorch script prints.
 */
import * as torch from 'flint-torch';
const { nn } = torch;
const F = nn.functional;

torch.manualSeed(42);

// A network as a Sequential of layers.
let net: torch.nn.Module = new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
const X = torch.rand(2, 20);
console.log(net(X));

// A custom block.
class MLP extends nn.Module {
  hidden = new nn.Linear(20, 256); // the hidden layer
  out = new nn.Linear(256, 10); // the output layer
  override forward(X: torch.Tensor) {
    return this.out(F.relu(this.hidden(X)));
  }
}
net = new MLP();
console.log(net(X));

// Sequential, rebuilt: children registered by index, in insertion order.
class MySequential extends nn.Module {
  constructor(...modules: torch.nn.Module[]) {
    super();
    modules.forEach((module, idx) => this.addModule(String(idx), module));
  }
  override forward(X: torch.Tensor) {
    for (const block of this.children()) X = block(X);
    return X;
  }
}
net = new MySequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
console.log(net(X));

// Code in forward: a constant weight (a plain tensor, not a parameter), a layer used twice,
// and a data-dependent loop.
class FixedHiddenMLP extends nn.Module {
  randWeight = torch.rand(20, 20); // not a parameter: no gradient, not in stateDict()
  linear = new nn.Linear(20, 20);
  override forward(X: torch.Tensor) {
    X = this.linear(X);
    X = F.relu(torch.mm(X, this.randWeight).add(1));
    X = this.linear(X); // the same layer again: its parameters are shared
    while ((X.abs().sum().item() as number) > 1) X.div_(2);
    return X.sum();
  }
}
net = new FixedHiddenMLP();
console.log(net(X));

// Blocks nest.
class NestMLP extends nn.Module {
  net = new nn.Sequential(new nn.Linear(20, 64), new nn.ReLU(), new nn.Linear(64, 32), new nn.ReLU());
  linear = new nn.Linear(32, 16);
  override forward(X: torch.Tensor) {
    return this.linear(this.net(X));
  }
}
const chimera = new nn.Sequential(new NestMLP(), new nn.Linear(16, 20), new FixedHiddenMLP());
console.log(chimera(X));
console.log(chimera);
