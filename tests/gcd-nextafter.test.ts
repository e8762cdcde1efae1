/**
 * torch.gcd, torch.lcm and torch.nextafter against PyTorch 1.13 (the expected values below
 * were printed by PyTorch 1.13 for the same inputs): signs, zeros, INT_MIN and wrapping
 * products on int64/uint8/int8, dtype promotion, float32 and float64 neighbours at 0, ±0,
 * inf, subnormals and NaN, and PyTorch's errors for float/bool gcd, integer nextafter and
 * nextafter's backward.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const values = (t: torch.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);

describe('gcd and lcm', () => {
  it('int64: signs, zeros, INT_MIN (its magnitude wraps) and a product that wraps', () => {
    const a = torch.tensor([12n, -9n, 0n, 0n, -(2n ** 63n), 7n, 2n ** 40n], { dtype: torch.int64 });
    const b = torch.tensor([18n, 6n, 5n, 0n, 0n, -21n, 3n ** 25n], { dtype: torch.int64 });
    expect(values(torch.gcd(a, b))).toEqual([6, 3, 5, 0, -9223372036854775808, 7, 1]);
    expect(Array.from(torch.lcm(a, b).dataSync() as BigInt64Array)).toEqual([36n, 18n, 0n, 0n, 0n, 21n, 6208954256678977536n]);
  });
  it('uint8 and int8 wrap as PyTorch does', () => {
    const u = torch.tensor([200, 3, 0], { dtype: torch.uint8 });
    const v = torch.tensor([150, 7, 0], { dtype: torch.uint8 });
    expect(values(u.gcd(v))).toEqual([50, 1, 0]);
    expect(values(u.lcm(v))).toEqual([88, 21, 0]);
    const i = torch.tensor([-128, 100, -6], { dtype: torch.int8 });
    const j = torch.tensor([0, 3, 4], { dtype: torch.int8 });
    expect(values(torch.gcd(i, j))).toEqual([-128, 1, 2]);
    expect(values(torch.lcm(i, j))).toEqual([0, 44, 12]);
  });
  it('promotes int32 with int64 to int64, and refuses floats and bool with PyTorch\'s message', () => {
    expect(torch.lcm(torch.tensor([4]), torch.tensor([6], { dtype: torch.int32 })).dtype).toBe(torch.int64);
    expect(() => torch.gcd(torch.tensor([1.5]), torch.tensor([2.0]))).toThrow('"gcd_cpu" not implemented for \'Float\'');
    expect(() => torch.gcd(torch.tensor([true]), torch.tensor([false]))).toThrow('"gcd_cpu" not implemented for \'Bool\'');
    expect(() => torch.gcd(torch.tensor([4]), 2 as never)).toThrow(/other/);
  });
});

describe('nextafter', () => {
  const x = [1, 0, -0, Infinity, 1e-45, NaN];
  const y = [2, 1, -1, 0, 0, 1];
  it('float32 neighbours', () => {
    const got = values(torch.nextafter(torch.tensor(x), torch.tensor(y)));
    const want = [1.0000001192092896, 1.401298464324817e-45, -1.401298464324817e-45, 3.4028234663852886e38, 0, NaN];
    got.forEach((v, i) => expect(Object.is(v, want[i]) || v === want[i], `${i}: ${v} vs ${want[i]}`).toBe(true));
  });
  it('float64 neighbours', () => {
    // x as PyTorch's x.double(): the float32 values, widened
    const got = values(torch.tensor(x).double().nextafter(torch.tensor(y, { dtype: torch.float64 })));
    const want = [1.0000000000000002, 5e-324, -5e-324, 1.7976931348623157e308, 1.4012984643248169e-45, NaN];
    got.forEach((v, i) => expect(Object.is(v, want[i]) || v === want[i], `${i}: ${v} vs ${want[i]}`).toBe(true));
  });
  it("refuses integers and has no derivative, as PyTorch", () => {
    expect(() => torch.nextafter(torch.tensor([1]), torch.tensor([2]))).toThrow('"nextafter_cpu" not implemented for \'Long\'');
    const a = torch.tensor([1.0], { requiresGrad: true });
    expect(() => torch.nextafter(a, torch.tensor([2.0])).sum().backward()).toThrow("the derivative for 'nextafter' is not implemented.");
  });
});
