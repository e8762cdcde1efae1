/**
 * torch.linalg on the device: the products built on existing kernels (einsum, tensordot,
 * kron, cross, cdist, trace, the add-products) against the CPU, values and gradients; the
 * LAPACK factorizations refuse CUDA with a clear error until cuSOLVER (with the CPU
 * standing in, FLINT_CUDA_SELFTEST=1, they compute instead and match the CPU).
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { SELF_TEST, cudaGate, expectParity, mulberry32, randomTensor, toDev } from './helpers.js';

const run = cudaGate(torch.cuda.isAvailable());
const L = torch.linalg;

describe.skipIf(!run)('linalg on the device', () => {
  const rng = mulberry32(7);
  const r = (...shape: number[]) => randomTensor(rng, shape, torch.float64);

  it('products match the CPU, values and gradients', () => {
    const withGrad = (fn: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => {
      const leaves = xs.map((x) => x.detach().requiresGrad_());
      const out = fn(...leaves);
      out.mul(out).sum().backward();
      return [out, ...leaves.map((l) => l.grad!)];
    };
    expectParity('einsum', [r(2, 3, 4), r(4, 5)], withGrad((a, b) => torch.einsum('bij,jk->bik', a, b)));
    expectParity('einsum trace', [r(4, 4)], withGrad((a) => torch.einsum('ii', a)));
    expectParity('tensordot', [r(2, 3, 4), r(3, 4, 2)], withGrad((a, b) => torch.tensordot(a, b, 2)));
    expectParity('kron', [r(2, 3), r(2, 2)], withGrad((a, b) => torch.kron(a, b)));
    expectParity('cross', [r(4, 3), r(4, 3)], withGrad((a, b) => L.cross(a, b)));
    expectParity('cdist', [r(4, 3), r(5, 3)], withGrad((a, b) => torch.cdist(a, b)));
    expectParity('trace', [r(3, 3)], withGrad((a) => torch.trace(a)));
    expectParity('baddbmm', [r(2, 3, 4), r(2, 3, 5), r(2, 5, 4)], withGrad((i, a, b) => torch.baddbmm(i, a, b, { beta: 0.5, alpha: 2 })));
    expectParity('addmv', [r(3), r(3, 4), r(4)], withGrad((i, m, v) => torch.addmv(i, m, v)));
    expectParity('addr', [r(3, 2), r(3), r(2)], withGrad((i, a, b) => torch.addr(i, a, b)));
  });

  it.skipIf(SELF_TEST)('factorizations refuse CUDA, naming the function', () => {
    const a = toDev(torch.eye(3, { dtype: torch.float64 }));
    expect(() => L.inv(a)).toThrow('torch.linalg.inv is not implemented on CUDA yet');
    expect(() => L.svd(a)).toThrow('torch.linalg.svd is not implemented on CUDA yet');
    expect(() => L.det(a)).toThrow('torch.linalg.det is not implemented on CUDA yet');
    expect(() => L.eigh(a)).toThrow('torch.linalg.eigh is not implemented on CUDA yet');
  });

  it.runIf(SELF_TEST)('factorizations match the CPU with the CPU standing in', () => {
    const a = r(3, 3).add(torch.eye(3, { dtype: torch.float64 }).mul(3));
    expectParity('inv', [a], (x) => L.inv(x));
    expectParity('det', [a], (x) => L.det(x));
  });
});
