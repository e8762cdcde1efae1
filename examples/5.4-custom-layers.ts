/**
 * Dive into Deep Learning, "Custom Layers", in flint. Run: npx tsx examples/5.4-custom-layers.ts
 */
import * as torch from 'flint-torch';
const { nn } = torch;
const F = nn.functional;

torch.manualSeed(42);

// A layer without parameters.
class CenteredLayer extends nn.Module {
  override forward(X: torch.Tensor) {
    return X.sub(X.mean());
  }
}
const layer = new CenteredLayer();
console.log(layer(torch.tensor([1, 2, 3, 4, 5], { dtype: torch.float32 })));

let net: torch.nn.Module = new nn.Sequential(new nn.Linear(8, 128), new CenteredLayer());
const Y = net(torch.rand(4, 8));
console.log(Y.mean());

// A layer with parameters.
class MyLinear extends nn.Module {
  weight: torch.nn.Parameter;
  bias: torch.nn.Parameter;
  constructor(inUnits: number, units: number) {
    super();
    this.weight = new nn.Parameter(torch.randn(inUnits, units));
    this.bias = new nn.Parameter(torch.randn(units));
  }
  override forward(X: torch.Tensor) {
    const linear = torch.matmul(X, this.weight.data).add(this.bias.data);
    return F.relu(linear);
  }
}
const linear = new MyLinear(5, 3);
console.log(linear.weight);
console.log(linear(torch.rand(2, 5)));

net = new nn.Sequential(new MyLinear(64, 8), new MyLinear(8, 1));
console.log(net(torch.rand(2, 64)));
