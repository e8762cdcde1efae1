/**
 * The rest of PyTorch 1.13's CPU autocast float32 list: transposed convolutions, 3-d, adaptive
 * and fractional pooling, unpooling, grid_sample, trace, quantile and the LAPACK-backed linalg
 * run in float32 on bfloat16 inputs; avg_pool2d and softmax are on no list and stay bfloat16.
 * The expected dtypes are what PyTorch 1.13 gave for the same calls under
 * `torch.autocast('cpu')`.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const F = torch.nn.functional;
const bf = torch.bfloat16;

describe('CPU autocast\'s float32 ops, as PyTorch 1.13', () => {
  const x4 = () => torch.randn([1, 2, 4, 4]).to(bf);
  const x5 = () => torch.randn([1, 2, 4, 4, 4]).to(bf);
  const spd = () => torch.eye(3).mul(3).to(bf);
  const first = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r[0]! : r);
  const cases: Record<string, [() => Tensor | Tensor[], string]> = {
    conv_transpose1d: [() => F.convTranspose1d(torch.randn([1, 2, 5]).to(bf), torch.randn([2, 2, 3]).to(bf)), 'float32'],
    conv_transpose2d: [() => F.convTranspose2d(x4(), torch.randn([2, 2, 3, 3]).to(bf)), 'float32'],
    avg_pool3d: [() => F.avgPool3d(x5(), 2), 'float32'],
    avg_pool2d: [() => F.avgPool2d(x4(), 2), 'bfloat16'],
    max_pool3d: [() => F.maxPool3d(x5(), 2), 'float32'],
    adaptive_avg_pool3d: [() => F.adaptiveAvgPool3d(x5(), 2), 'float32'],
    adaptive_max_pool3d: [() => F.adaptiveMaxPool3d(x5(), 2), 'float32'],
    grid_sample: [() => F.gridSample(x4(), torch.zeros([1, 2, 2, 2]).to(bf), { alignCorners: false }), 'float32'],
    trace: [() => torch.trace(torch.randn([3, 3]).to(bf)), 'float32'],
    quantile: [() => torch.quantile(torch.randn([3, 3]).to(bf), 0.5), 'float32'],
    inverse: [() => torch.inverse(spd()), 'float32'],
    cholesky: [() => torch.linalg.cholesky(spd()), 'float32'],
    pinverse: [() => torch.pinverse(spd()), 'float32'],
    linalg_inv: [() => torch.linalg.inv(spd()), 'float32'],
    linalg_svd: [() => torch.linalg.svd(spd())[1]!, 'float32'],
    linalg_qr: [() => torch.linalg.qr(spd())[0]!, 'float32'],
    linalg_eigh: [() => torch.linalg.eigh(spd())[0]!, 'float32'],
    linalg_solve: [() => torch.linalg.solve(spd(), spd()), 'float32'],
    linalg_matrix_norm: [() => torch.linalg.matrixNorm(spd()), 'float32'],
    softmax: [() => F.softmax(torch.randn([3, 3]).to(bf), -1), 'bfloat16'],
    max_unpool2d: [() => {
      const [out, indices] = F.maxPool2d(x4(), 2, { returnIndices: true }) as unknown as [Tensor, Tensor];
      return F.maxUnpool2d(out, indices, 2);
    }, 'float32'],
    fractional_max_pool2d: [() => F.fractionalMaxPool2d(x4(), 2, { outputSize: 2 }), 'float32'],
  };
  for (const [name, [run, dtype]] of Object.entries(cases)) {
    it(`${name} gives ${dtype}`, () => {
      expect(torch.autocast('cpu', () => first(run())).dtype.name).toBe(dtype);
    });
  }
  it('outside autocast the same calls keep bfloat16, and gradients come back in the inputs\' dtype', () => {
    expect(F.avgPool3d(x5(), 2).dtype).toBe(bf);
    const w = torch.randn([2, 2, 3, 3]).to(bf).requiresGrad_();
    const y = torch.autocast('cpu', () => F.convTranspose2d(x4(), w));
    y.sum().backward();
    expect(w.grad!.dtype).toBe(bf);
  });
});
