// trunc, expm1, atan2, remainder and floorDivide: values, gradients and grad_fn names
// from PyTorch 1.13 (printed by /usr/bin/python3 with torch.float64 inputs), plus float64
// finite-difference gradchecks.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';

const f64 = (values: number[], requiresGrad = true) => torch.tensor(values, { dtype: torch.float64, requiresGrad });
const close = (actual: number[], expected: number[]) =>
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));

describe('trunc, expm1, atan2, remainder, floorDivide', () => {
  it('atan2: values, Atan2Backward0 and both gradients', () => {
    const a = f64([0.5, -1.5, 2.0, -3.25]);
    const b = f64([1.5, 2.0, -0.75, -1.0]);
    const y = torch.atan2(a, b);
    expect(y.gradFn!.name).toBe('Atan2Backward0');
    y.sum().backward();
    close(y.tolist() as number[], [0.3217505543966422, -0.6435011087932844, 1.9295669970654687, -1.8692952583810758]);
    close(a.grad!.tolist() as number[], [0.6000000000000001, 0.32, -0.1643835616438356, -0.08648648648648649]);
    close(b.grad!.tolist() as number[], [-0.2, 0.24, -0.4383561643835616, 0.2810810810810811]);
    // Integer inputs give the default float dtype.
    expect(torch.atan2(torch.tensor([1, -1]), torch.tensor([1, 1])).dtype).toBe(torch.float32);
  });

  it('remainder: the divisor\'s sign, RemainderBackward1, and -floor(a/b) for the divisor', () => {
    const a = f64([0.5, -1.5, 2.0, -3.25]);
    const b = f64([1.5, 2.0, -0.75, -1.0]);
    const r = a.remainder(b);
    expect(r.gradFn!.name).toBe('RemainderBackward1');
    r.sum().backward();
    close(r.tolist() as number[], [0.5, 0.5, -0.25, -0.25]);
    close(a.grad!.tolist() as number[], [1, 1, 1, 1]);
    close(b.grad!.tolist() as number[], [-0, 1, 3, -3]);
    expect(torch.remainder(torch.tensor([7, -7, 7, -7]), torch.tensor([3, 3, -3, -3])).tolist()).toEqual([1, 2, -2, -1]);
    expect(torch.remainder(f64([5.5]), 2).gradFn!.name).toBe('RemainderBackward0');
  });

  it('floorDivide rounds down', () => {
    expect(torch.floorDivide(torch.tensor([7, -7, 7, -7]), torch.tensor([2, 2, -2, -2])).tolist()).toEqual([3, -4, -4, 3]);
  });

  it('trunc and expm1: values, gradients and names', () => {
    const x = f64([-2.5, -0.5, 0.25, 3.75]);
    const t = x.trunc();
    expect(t.gradFn!.name).toBe('TruncBackward0');
    t.sum().backward();
    expect(t.tolist()).toEqual([-2, -0, 0, 3]);
    expect(x.grad!.tolist()).toEqual([0, 0, 0, 0]);
    x.grad = null;
    const e = x.expm1();
    expect(e.gradFn!.name).toBe('Expm1Backward0');
    e.sum().backward();
    close(e.tolist() as number[], [-0.9179150013761012, -0.3934693402873666, 0.2840254166877415, 41.52108200006278]);
    close(x.grad!.tolist() as number[], [0.08208499862389884, 0.6065306597126334, 1.2840254166877414, 42.52108200006278]);
  });

  it('float64 gradchecks', () => {
    expect(gradcheck((x) => x.expm1(), [f64([-0.7, 0.1, 1.3])]).ok).toBe(true);
    expect(gradcheck((a, b) => torch.atan2(a, b), [f64([0.5, -1.5, 2.0]), f64([1.5, 2.0, -0.75])]).ok).toBe(true);
    expect(gradcheck((a, b) => torch.remainder(a, b), [f64([0.5, -1.4, 2.1]), f64([1.5, 2.0, -0.75])]).ok).toBe(true);
  });
});
