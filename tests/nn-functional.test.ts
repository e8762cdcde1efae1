/**
 * nn.functional against PyTorch 1.13 (tests/fixtures/nn.json): values, gradients and
 * grad_fn names of the fused softmax / cross-entropy kernels and the composite ops, plus
 * float64 finite-difference gradchecks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

const F = torch.nn.functional;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8'));

interface Case {
  name: string;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  gradOutput: FixtureTensor;
  grads: (FixtureTensor | null)[];
  gradFn: string | null;
}

const y = () => torch.tensor([1, 0, 4, 2]);
const yk = () => torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]]);

// Class weights exactly as the fixture script drew them: rand(5) + 0.5 after randn(4,5),
// randn(2,3,4) under seed 7 — flint's generator reproduces PyTorch's, so drawing them
// the same way gives the same numbers.
torch.manualSeed(7);
torch.randn(4, 5);
torch.randn(2, 3, 4);
const weights = torch.rand(5).add(0.5);
const bceTarget = torch.rand(4, 5).gt(0.5).float();

const table: Record<string, (...xs: Tensor[]) => Tensor> = {
  'softmax dim1': (a) => F.softmax(a, 1),
  'softmax dim0': (a) => F.softmax(a, 0),
  'log_softmax dim1': (a) => F.logSoftmax(a, 1),
  'log_softmax 3d dim1': (a) => F.logSoftmax(a, 1),
  'softmax 3d dim-1': (a) => F.softmax(a, -1),
  cross_entropy: (a) => F.crossEntropy(a, y()),
  'cross_entropy sum': (a) => F.crossEntropy(a, y(), { reduction: 'sum' }),
  'cross_entropy none': (a) => F.crossEntropy(a, y(), { reduction: 'none' }),
  'cross_entropy weight': (a) => F.crossEntropy(a, y(), { weight: weights.to(a.dtype) }),
  'cross_entropy ignore': (a) => F.crossEntropy(a, y(), { ignoreIndex: 4 }),
  'cross_entropy smoothing': (a) => F.crossEntropy(a, y(), { labelSmoothing: 0.1 }),
  'cross_entropy smoothing weight ignore': (a) =>
    F.crossEntropy(a, y(), { weight: weights.to(a.dtype), labelSmoothing: 0.2, ignoreIndex: 0 }),
  'cross_entropy smoothing none': (a) => F.crossEntropy(a, y(), { labelSmoothing: 0.3, reduction: 'none' }),
  'cross_entropy kdim': (a) => F.crossEntropy(a, yk()),
  'cross_entropy kdim none': (a) => F.crossEntropy(a, yk(), { reduction: 'none' }),
  'cross_entropy unbatched': (a) => F.crossEntropy(a, torch.tensor(3)),
  'cross_entropy probs': (a) => F.crossEntropy(a, F.softmax(torch.arange(20, { dtype: a.dtype }).reshape(4, 5).cos(), 1)),
  nll_loss: (a) => F.nllLoss(F.logSoftmax(a, 1), y()),
  'nll_loss raw weight': (a) => F.nllLoss(a, y(), { weight: weights.to(a.dtype) }),
  mse_loss: (a, b) => F.mseLoss(a, b),
  'mse_loss sum': (a, b) => F.mseLoss(a, b, { reduction: 'sum' }),
  l1_loss: (a, b) => F.l1Loss(a, b),
  bce_with_logits: (a) => F.binaryCrossEntropyWithLogits(a, bceTarget.to(a.dtype)),
  'bce_with_logits pos_weight': (a) =>
    F.binaryCrossEntropyWithLogits(a, bceTarget.to(a.dtype), {
      posWeight: weights.to(a.dtype),
      weight: bceTarget.add(0.5).to(a.dtype),
      reduction: 'sum',
    }),
  gelu: (a) => F.gelu(a),
  'gelu tanh': (a) => F.gelu(a, { approximate: 'tanh' }),
  silu: (a) => F.silu(a),
  leaky_relu: (a) => F.leakyRelu(a, 0.2),
  layer_norm: (a, wt, b) => F.layerNorm(a, [4], wt, b),
  'layer_norm 2d shape': (a) => F.layerNorm(a, [3, 4]),
  linear: (a, wt, b) => F.linear(a, wt, b),
  'linear 3d': (a, wt, b) => F.linear(a, wt, b),
  'linear nobias 1d': (a, wt) => F.linear(a, wt),
  embedding: (wt) => F.embedding(torch.tensor([[1, 2, 1], [0, 3, 3]]), wt, 3),
  'batch_norm train': (a, wt, b) =>
    F.batchNorm(a, torch.zeros(3, { dtype: a.dtype }), torch.ones(3, { dtype: a.dtype }), { weight: wt, bias: b, training: true }),
  'batch_norm eval': (a) =>
    F.batchNorm(a, torch.tensor([0.5, -1.0, 2.0], { dtype: a.dtype }), torch.tensor([1.5, 0.5, 2.0], { dtype: a.dtype }), { training: false }),
  'batch_norm 3d train': (a) => F.batchNorm(a, null, null, { training: true }),
};

// grad_fn names where flint follows torch 2.11 and 1.13 differs, or the op is composite.
const gradFnAliases: Record<string, string[]> = {
  'cross_entropy probs': ['DivBackward0', 'DivBackward1', 'MulBackward0'],
  l1_loss: ['MeanBackward0', 'L1LossBackward0'],
  'linear 3d': ['ViewBackward0', 'UnsafeViewBackward0', 'AddBackward0'],
  'linear nobias 1d': ['SqueezeBackward1', 'SqueezeBackward4', 'MvBackward0', 'MmBackward0', 'ViewBackward0'],
  'batch_norm 3d train': ['NativeBatchNormBackward0'],
};

describe('nn.functional matches PyTorch', () => {
  for (const c of fixture.functional as Case[]) {
    it(c.name, () => {
      const fn = table[c.name];
      expect(fn, `no flint expression for ${c.name}`).toBeDefined();
      const inputs = c.inputs.map((t, i) => fromFixture(t, { requiresGrad: c.grads[i] !== null }));
      const out = fn(...inputs);
      expectClose(out, c.output, { atol: 2e-6, rtol: 2e-5, label: 'output' });
      if (c.gradFn !== null) {
        const names = [c.gradFn, ...(gradFnAliases[c.name] ?? [])];
        expect(names, `grad_fn ${out.gradFn?.name}`).toContain(out.gradFn?.name);
      }
      out.mul(fromFixture(c.gradOutput)).sum().backward();
      c.grads.forEach((g, i) => {
        if (g !== null) expectClose(inputs[i].grad!, g, { atol: 5e-6, rtol: 5e-5, label: `grad ${i}` });
      });
    });
  }
});

describe('float64 gradcheck', () => {
  const f64 = (shape: number[], seed: number) => {
    torch.manualSeed(seed);
    return torch.randn(...shape, { dtype: torch.float64 });
  };
  const labels = torch.tensor([1, 0, 4, 2]);
  const classWeights = torch.rand(5, { dtype: torch.float64 });
  const probabilities = torch.rand(2, 3, { dtype: torch.float64 });
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['softmax', (a) => F.softmax(a, 1), [f64([3, 5], 1)]],
    ['logSoftmax dim 0 of 3-D', (a) => F.logSoftmax(a, 0), [f64([2, 3, 4], 2)]],
    ['crossEntropy', (a) => F.crossEntropy(a, labels), [f64([4, 5], 3)]],
    ['crossEntropy smoothing + weight', (a) => F.crossEntropy(a, labels, { labelSmoothing: 0.2, weight: classWeights }), [f64([4, 5], 4)]],
    ['crossEntropy none', (a) => F.crossEntropy(a, labels, { reduction: 'none' }), [f64([4, 5], 5)]],
    ['nllLoss', (a) => F.nllLoss(a, labels, { reduction: 'sum' }), [f64([4, 5], 6)]],
    ['gelu', (a) => F.gelu(a), [f64([6], 7)]],
    ['gelu tanh', (a) => F.gelu(a, { approximate: 'tanh' }), [f64([6], 8)]],
    ['silu', (a) => F.silu(a), [f64([6], 9)]],
    ['layerNorm', (a, wt, b) => F.layerNorm(a, [4], wt, b), [f64([3, 4], 10), f64([4], 11), f64([4], 12)]],
    ['bce with logits', (a) => F.binaryCrossEntropyWithLogits(a, probabilities), [f64([2, 3], 13)]],
    ['batchNorm', (a) => F.batchNorm(a, null, null, { training: true }), [f64([5, 3], 14)]],
  ];
  for (const [name, fn, inputs] of cases) {
    it(name, () => {
      inputs.forEach((x) => x.requiresGrad_());
      expect(gradcheck(fn, inputs).ok).toBe(true);
    });
  }
});

describe('fused loss details', () => {
  it('errors name what was expected', () => {
    const x = torch.randn(4, 5);
    expect(() => F.crossEntropy(x, torch.tensor([1, 2, 3]))).toThrow('Expected input batch_size (4) to match target batch_size (3).');
    expect(() => F.crossEntropy(x, torch.tensor([1, 2, 3, 7]))).toThrow('Target 7 is out of bounds.');
    expect(() => F.crossEntropy(x, torch.tensor([1, 2, 3, 4], { dtype: torch.int32 }))).toThrow('expected scalar type Long but found Int');
    expect(() => F.crossEntropy(x, torch.tensor([1, 2, 3, 4]), { labelSmoothing: 2 })).toThrow('label_smoothing must be between 0.0 and 1.0');
    expect(() => F.softmax(torch.tensor([1, 2]), 0)).toThrow("not implemented for 'Long'");
    expect(() => F.crossEntropy(x, torch.tensor([1, 2, 3, 4]), { reduction: 'avg' as 'mean' })).toThrow('avg is not a valid value for reduction');
  });

  it('all-ignored mean is nan, as PyTorch', () => {
    const loss = F.crossEntropy(torch.randn(2, 3), torch.tensor([-100, -100]));
    expect(Number.isNaN(loss.item())).toBe(true);
  });

  it('dropout draws its mask from the generator as PyTorch does', () => {
    torch.manualSeed(5);
    expectClose(F.dropout(torch.ones(4, 6), 0.3), fixture.dropout.output, { atol: 1e-6 });
    const x = torch.rand(3, 3);
    expect(F.dropout(x, 0.5, false)).toBe(x);
  });
});

describe('small-row matmul path (Linear on 1-2 rows)', () => {
  it('matches a product computed elementwise, for odd sizes, alpha/beta and float64', () => {
    torch.manualSeed(11);
    for (const [m, n, k] of [[1, 7, 5], [2, 256, 20], [2, 10, 256], [1, 3, 1], [2, 5, 37]]) {
      for (const dtype of [torch.float32, torch.float64]) {
        const x = torch.randn(m, k, { dtype });
        const w = torch.randn(n, k, { dtype });
        const b = torch.randn(n, { dtype });
        const reference = x.unsqueeze(1).mul(w.unsqueeze(0)).sum(-1);
        expectClose(torch.mm(x, w.t()), reference, { atol: 1e-5, rtol: 1e-5 });
        expectClose(torch.addmm(b, x, w.t(), { beta: 0.5, alpha: 2 }), reference.mul(2).add(b.mul(0.5)), { atol: 1e-5, rtol: 1e-5 });
      }
    }
  });
});

describe("addmm's input, filled into the product in the gemm call", () => {
  it('broadcasts from any layout that expands to [m, n], and refuses the rest with expand\'s messages', () => {
    const f = { dtype: torch.float32 };
    const x = torch.tensor([[1, 2], [3, 4]], f);
    const w = torch.tensor([[1, 0, 2], [0, 1, 3]], f);
    const product = [[1, 2, 8], [3, 4, 18]];
    const add = (rows: number[][], bias: number[][]) => rows.map((r, i) => r.map((v, j) => v + bias[i][j]));
    expect(torch.addmm(torch.tensor([10, 20, 30], f), x, w).tolist()).toEqual(add(product, [[10, 20, 30], [10, 20, 30]]));
    expect(torch.addmm(torch.tensor([[10], [20]], f), x, w).tolist()).toEqual(add(product, [[10, 10, 10], [20, 20, 20]]));
    expect(torch.addmm(torch.tensor(5, f), x, w).tolist()).toEqual(add(product, [[5, 5, 5], [5, 5, 5]]));
    // A column of a larger matrix: a strided, offset bias.
    const big = torch.tensor([[0, 7, 0], [0, 8, 0], [0, 9, 0]], f);
    expect(torch.addmm(big.select(1, 1), torch.ones(1, 2), torch.ones(2, 3)).tolist()).toEqual([[9, 10, 11]]);
    // The same through the small-row kernel (1-2 rows, a transposed weight), which reads the
    // bias itself, and with a column bias broadcast along rows.
    expect(torch.addmm(big.select(1, 1), torch.ones(1, 2), torch.ones(3, 2).t()).tolist()).toEqual([[9, 10, 11]]);
    expect(torch.addmm(big.select(1, 1).narrow(0, 0, 2).unsqueeze(1), torch.ones(2, 2), torch.ones(3, 2).t(), { beta: 2 }).tolist()).toEqual([[16, 16, 16], [18, 18, 18]]);
    // beta = 0 ignores the input, NaN included (PyTorch's documented rule).
    expect(torch.addmm(torch.full([3], NaN), x, w, { beta: 0 }).tolist()).toEqual(product);
    expect(() => torch.addmm(torch.ones(1, 1, 3), x, w)).toThrow(
      'expand(torch.FloatTensor{[1, 1, 3]}, size=[2, 3]): the number of sizes provided (2) must be greater or equal to the number of dimensions in the tensor (3)',
    );
    const d = { dtype: torch.float64 };
    expect(() => torch.addmm(torch.ones([1, 1, 3], d), x.double(), w.double())).toThrow('expand(torch.DoubleTensor{[1, 1, 3]}, size=[2, 3])');
    // k = 0: the product is beta * input.
    expect(torch.addmm(torch.full([3], 2, f), torch.ones([2, 0], f), torch.ones([0, 3], f), { beta: 0.5 }).tolist()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(() => torch.addmm(torch.ones(4, 3), x, w)).toThrow(
      'The expanded size of the tensor (2) must match the existing size (4) at non-singleton dimension 0.  Target sizes: [2, 3].  Tensor sizes: [4, 3]',
    );
  });
});

describe('layerNorm with a bias and no weight', () => {
  it("gives the bias its gradient (the sum of grad over rows, as PyTorch's)", () => {
    const x = torch.tensor([[1, 2, 3], [4, 5, 7]], { dtype: torch.float32, requiresGrad: true });
    const bias = torch.zeros(3, { requiresGrad: true });
    torch.nn.functional.layerNorm(x, [3], null, bias).mul(torch.tensor([1, 2, 3])).sum().backward();
    expect(Array.from(bias.grad!.dataSync() as Float32Array)).toEqual([2, 4, 6]);
    expect(x.grad).not.toBeNull();
  });
});

describe("softmax's keyword form", () => {
  it('F.logSoftmax(x, { dim }) and F.softmax(x, { dim, dtype }) equal the positional forms', () => {
    const x = torch.tensor([[1, 2, 3], [0.5, -1, 4]]);
    expect(F.logSoftmax(x, { dim: 1 }).tolist()).toEqual(F.logSoftmax(x, 1).tolist());
    const y = F.softmax(x, { dim: 0, dtype: torch.float64 });
    expect(y.dtype).toBe(torch.float64);
    expect(y.tolist()).toEqual(F.softmax(x, 0, { dtype: torch.float64 }).tolist());
    expect(() => F.softmax(x, { dtype: torch.float64 } as never)).toThrow("softmax() missing required argument 'dim'");
    expect(() => F.softmax(x, { dim: 0, keepdim: true } as never)).toThrow(/keepdim/);
  });
});

// bfloat16 softmax computes in float32 both ways and rounds once (PyTorch 1.13's CPU kernels
// accept bfloat16 and round after each vector op, so they differ from it by a few bfloat16
// ulps; its backward once refused a narrow output). Values from PyTorch 1.13.
describe('bfloat16 softmax and logSoftmax backward', () => {
  const x = [[0.5, -1.25, 2.0, 0.125], [3.0, 1.0, -2.0, 0.75]];
  const g = [[1.0, -0.5, 0.25, 2.0], [0.5, 0.5, -1.0, 1.5]];
  const cases: [string, (t: Tensor) => Tensor, number[][], number[][]][] = [
    ['softmax', (t) => torch.softmax(t, 1),
      [[0.1572265625, 0.02734375, 0.70703125, 0.1083984375], [0.80078125, 0.1083984375, 0.005401611328125, 0.08447265625]],
      [[0.072265625, -0.0284423828125, -0.2041015625, 0.158203125], [-0.059326171875, -0.008056640625, -0.00848388671875, 0.078125]]],
    ['logSoftmax', (t) => torch.logSoftmax(t, 1),
      [[-1.84375, -3.59375, -0.345703125, -2.21875], [-0.22265625, -2.21875, -5.21875, -2.46875]],
      [[0.56640625, -0.57421875, -1.6953125, 1.703125], [-0.69921875, 0.3359375, -1.0078125, 1.375]]],
  ];
  const near = (got: number[][], want: number[][], what: string) => {
    const scale = Math.max(...want.flat().map(Math.abs));
    got.flat().forEach((v, i) => expect(Math.abs(v - want.flat()[i]), `${what}[${i}]: ${v} vs ${want.flat()[i]}`).toBeLessThanOrEqual(0.02 * scale));
  };
  for (const [name, f, out, grad] of cases) {
    it(name, () => {
      const input = torch.tensor(x).to(torch.bfloat16).requiresGrad_();
      const y = f(input);
      const gy = torch.tensor(g).to(torch.bfloat16);
      y.backward(gy);
      expect(y.dtype).toBe(torch.bfloat16);
      expect(input.grad!.dtype).toBe(torch.bfloat16);
      near(y.float().tolist() as number[][], out, 'out');
      near(input.grad!.float().tolist() as number[][], grad, 'grad');
      // Exactly float32's backward from the same rounded output and gradient, rounded once.
      const wide = torch.tensor(y.float().tolist() as number[][]);
      const g32 = gy.float();
      const ref = name === 'softmax' ? wide.mul(g32.sub(g32.mul(wide).sum(1, true))) : g32.sub(wide.exp().mul(g32.sum(1, true)));
      expect(input.grad!.float().tolist()).toEqual(ref.to(torch.bfloat16).float().tolist());
    });
  }
});
