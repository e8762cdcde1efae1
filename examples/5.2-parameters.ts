/**
 * Dive into Deep Learning, "Parameter Management" and "Parameter Initialization", in
 * flint. Run: npx tsx examples/5.2-parameters.ts
 */
import * as torch from 'flint-torch';
const { nn } = torch;
const { init } = nn;

torch.manualSeed(42);
const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
const X = torch.rand(2, 4);
console.log(net(X));

// Parameter access.
console.log(net.at(2).stateDict());
console.log(net.at(2).bias instanceof nn.Parameter);
console.log(net.at(2).bias);
console.log(net.at(2).bias!.data);
console.log(net.at(2).weight.grad === null);
console.log(net.at<torch.nn.Linear>(0).namedParameters().map(([name, param]) => [name, param.shape]));
console.log(net.namedParameters().map(([name, param]) => [name, param.shape]));
console.log(net.stateDict()['2.bias'].data);

// Nested blocks.
function block1() {
  return new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU());
}
function block2() {
  const net = new nn.Sequential();
  for (let i = 0; i < 4; i++) net.addModule(`block ${i}`, block1()); // nested here
  return net;
}
const rgnet = new nn.Sequential(block2(), new nn.Linear(4, 1));
console.log(rgnet(X));
console.log(rgnet);
console.log(rgnet.at(0).at<torch.nn.Sequential>(1).at<torch.nn.Linear>(0).bias!.data);

// Built-in initialization.
function initNormal(m: torch.nn.Module) {
  if (m instanceof nn.Linear) {
    init.normal_(m.weight, 0, 0.01);
    init.zeros_(m.bias!);
  }
}
net.apply(initNormal);
console.log(net.at(0).weight.data.index(0), net.at(0).bias!.data.index(0));

function initConstant(m: torch.nn.Module) {
  if (m instanceof nn.Linear) {
    init.constant_(m.weight, 1);
    init.zeros_(m.bias!);
  }
}
net.apply(initConstant);
console.log(net.at(0).weight.data.index(0), net.at(0).bias!.data.index(0));

function initXavier(m: torch.nn.Module) {
  if (m instanceof nn.Linear) init.xavierUniform_(m.weight);
}
function init42(m: torch.nn.Module) {
  if (m instanceof nn.Linear) init.constant_(m.weight, 42);
}
net.at(0).apply(initXavier);
net.at(2).apply(init42);
console.log(net.at(0).weight.data.index(0));
console.log(net.at(2).weight.data);

// Custom initialization.
function myInit(m: torch.nn.Module) {
  if (m instanceof nn.Linear) {
    const [name, param] = m.namedParameters()[0];
    console.log('Init', name, param.shape);
    init.uniform_(m.weight, -10, 10);
    m.weight.data.mul_(m.weight.data.abs().ge(5));
  }
}
net.apply(myInit);
console.log(net.at(0).weight.index(':2'));

net.at(0).weight.data.add_(1);
net.at(0).weight.data.indexPut_([0, 0], 42);
console.log(net.at(0).weight.data.index(0));

// Tied parameters: one layer object used twice shares its parameters.
const shared = new nn.Linear(8, 8);
const sharedNet = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), shared, new nn.ReLU(), shared, new nn.ReLU(), new nn.Linear(8, 1));
sharedNet(X);
console.log(sharedNet.at(2).weight.data.index(0).eq(sharedNet.at(4).weight.data.index(0)));
sharedNet.at(2).weight.data.indexPut_([0, 0], 100);
// Make sure that they are actually the same object rather than just having the same value.
console.log(sharedNet.at(2).weight.data.index(0).eq(sharedNet.at(4).weight.data.index(0)));

// The gradient of a tied parameter is the sum over its uses: 3 + 3 = 6.
const linear = new nn.Linear(1, 1, { bias: false });
const tied = new nn.Sequential(linear, linear);
init.constant_(linear.weight, 3);
console.log(tied.namedParameters().map(([name]) => name));
tied(torch.ones(1, 1)).sum().backward();
console.log(linear.weight.grad);
