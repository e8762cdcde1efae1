/**
 * GELU's native backward (the Gelu/GeluTanh rules of the activationBackward kernel)
 * against PyTorch's GeluBackward (tests/fixtures/transformer.json), float64 finite
 * differences, and the composite backward that keeps gelu twice differentiable.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { expectClose, fromFixture } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { FIXTURES } from './helpers/transformer-fixtures.js';

const F = torch.nn.functional;
const TOL = { float64: { rtol: 1e-12, atol: 1e-14 }, float32: { rtol: 2e-6, atol: 1e-7 } };

describe('GELU backward', () => {
  for (const [name, c] of Object.entries(FIXTURES.gelu)) {
    it(`${name}: PyTorch's gradient`, () => {
      const x = fromFixture(c.x, { requiresGrad: true });
      const y = F.gelu(x, { approximate: c.approximate });
      expect(y.gradFn!.name).toBe('GeluBackward0');
      y.backward(fromFixture(c.g));
      expectClose(x.grad!, c.grad, TOL[c.x.dtype as 'float64' | 'float32']);
    });
  }

  it('passes float64 finite differences, and second derivatives through the composite form', () => {
    torch.manualSeed(3);
    const x = torch.randn([4, 5], { dtype: torch.float64, requiresGrad: true }).mul(2).detach().requiresGrad_();
    for (const approximate of ['none', 'tanh'] as const) {
      gradcheck((a) => F.gelu(a, { approximate }), [x]);
      // Finite differences of the first derivative: the backward's own graph (create_graph).
      const dgelu = (a: torch.Tensor) => {
        const leaf = a.requiresGrad ? a : a.detach().requiresGrad_();
        return torch.autograd.grad(F.gelu(leaf, { approximate }).sum(), [leaf], null, { createGraph: true })[0]!;
      };
      gradcheck(dgelu, [x]);
    }
  });

  it('non-contiguous and integer-cast inputs', () => {
    const x = torch.randn([3, 4], { dtype: torch.float64 }).t().requiresGrad_();
    const ref = x.detach().clone().requiresGrad_();
    F.gelu(x).sum().backward();
    F.gelu(ref.contiguous()).sum().backward();
    expectClose(x.grad!, ref.grad!, { rtol: 0, atol: 0 });
  });
});

// ReLU's backward is the Threshold rule of the same kernel, applied to the output. The
// expected values are what PyTorch 1.13 gives for the same calls (checked with it).
describe('ReLU backward (the native threshold_backward)', () => {
  it("zeroes where the output is <= 0 and passes NaN outputs' gradients, as PyTorch's threshold_backward", () => {
    for (const dtype of [torch.float32, torch.float64]) {
      const x = torch.tensor([-1, 0, 2, NaN, -0, 5e-30], { dtype, requiresGrad: true });
      torch.relu(x).backward(torch.tensor([1, 2, 3, 4, 5, 6], { dtype }));
      expect(x.grad!.tolist()).toEqual([0, 0, 3, 4, 0, 6]);
    }
  });

  it('takes strided gradients and stays twice differentiable (createGraph)', () => {
    const x = torch.tensor([[-1, 2], [3, -4]], { dtype: torch.float64, requiresGrad: true });
    const y = torch.relu(x);
    y.backward(torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64 }).t());
    expect(x.grad!.tolist()).toEqual([[0, 3], [2, 0]]);
    const z = torch.tensor([1.5, -2, 3], { dtype: torch.float64, requiresGrad: true });
    const [g] = torch.autograd.grad([torch.relu(z).pow(2).sum()], [z], { createGraph: true });
    expect(g!.tolist()).toEqual([3, 0, 6]);
    g!.sum().backward();
    expect(z.grad!.tolist()).toEqual([2, 0, 2]);
    gradcheck((a) => torch.relu(a), [torch.tensor([[0.5, -1.2], [2.1, -0.3]], { dtype: torch.float64, requiresGrad: true })]);
  });
});
