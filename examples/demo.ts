/**
 * `npm run demo`: tensors and autograd at work, as the seed chapter starts them.
 * (nn.Module and friends come with the nn issue; here the MLP is written with raw ops.)
 */
import * as torch from '../src/index.js';

torch.manualSeed(42);

// The seed's input: two examples of 20 features. After manualSeed(42) these are the very
// numbers PyTorch prints for torch.rand(2, 20).
const X = torch.rand(2, 20);
console.log('X = torch.rand(2, 20)');
console.log(X);

// A two-layer MLP written with tensors: Linear(20, 256) -> ReLU -> Linear(256, 10).
const W1 = torch.randn(20, 256).mul_(0.01).requiresGrad_();
const b1 = torch.zeros(256, { requiresGrad: true });
const W2 = torch.randn(256, 10).mul_(0.01).requiresGrad_();
const b2 = torch.zeros(10, { requiresGrad: true });
const H = torch.addmm(b1, X, W1).relu();
const Y = torch.addmm(b2, H, W2);
console.log('\nY = relu(X @ W1 + b1) @ W2 + b2');
console.log(Y);

const loss = Y.pow(2).mean();
console.log('\nloss =', String(loss));
loss.backward();
console.log('\nW2.grad[:3, :4] =');
console.log(W2.grad!.index(':3', ':4'));

// Broadcasting, type promotion and in-place ops through .data, as in the seed.
const w = torch.tensor([[-6.0, 2.5], [7.25, -1.0]]);
w.mul_(w.abs().ge(5));
console.log('\nw *= w.abs() >= 5');
console.log(w);

console.log('\nmemory:', torch.memoryStats().cpu);
