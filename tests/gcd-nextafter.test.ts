/**
 * torch.gcd, torch.lcm and torch.nextafter against PyTorch 1.13
 * (tests/fixtures/gcd-nextafter.json, written by scripts/make_gcd_nextafter_fixtures.py):
 * signs, zeros, INT_MIN and wrapping products on int64/uint8/int8, dtype promotion, float32
 * and float64 neighbours at 1, ±0, inf, a subnormal and NaN, and PyTorch's errors for
 * float/bool gcd, integer nextafter and nextafter's backward.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

interface Ints {
  dtype: 'int64' | 'uint8' | 'int8';
  data: string[];
}
interface Floats {
  dtype: 'float32' | 'float64';
  data: (number | 'nan' | 'inf' | '-inf')[];
}
interface IntCase {
  a: Ints;
  b: Ints;
  gcd: Ints;
  lcm: Ints;
}
const FIXTURE: {
  int64: IntCase;
  uint8: IntCase;
  int8: IntCase;
  promoted: string;
  nextafter: { x: Floats; y: Floats; float32: Floats; float64: Floats };
  errors: Record<'gcdFloat' | 'gcdBool' | 'nextafterInt' | 'nextafterBackward', { type: string; message: string }>;
} = JSON.parse(readFileSync(new URL('./fixtures/gcd-nextafter.json', import.meta.url), 'utf8'));

const fromInts = (s: Ints): torch.Tensor =>
  s.dtype === 'int64' ? torch.tensor(s.data.map(BigInt), { dtype: torch.int64 }) : torch.tensor(s.data.map(Number), { dtype: torch[s.dtype] });
const asStrings = (t: torch.Tensor): string[] => Array.from(t.dataSync() as ArrayLike<number | bigint>, (v) => String(v));
const decode = (v: Floats['data'][number]): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const fromFloats = (s: Floats): torch.Tensor => torch.tensor(s.data.map(decode), { dtype: torch[s.dtype] });

describe('gcd and lcm', () => {
  for (const name of ['int64', 'uint8', 'int8'] as const) {
    it(`${name}: as PyTorch computes them (signs, zeros, INT_MIN, wrapping)`, () => {
      const c = FIXTURE[name];
      const [a, b] = [fromInts(c.a), fromInts(c.b)];
      expect(asStrings(torch.gcd(a, b))).toEqual(c.gcd.data);
      expect(asStrings(a.lcm(b))).toEqual(c.lcm.data);
    });
  }
  it("promotes int32 with int64, and refuses floats and bool with PyTorch's message", () => {
    expect(torch.lcm(torch.tensor([4]), torch.tensor([6], { dtype: torch.int32 })).dtype.name).toBe(FIXTURE.promoted);
    expect(() => torch.gcd(torch.tensor([1.5]), torch.tensor([2.0]))).toThrow(FIXTURE.errors.gcdFloat.message);
    expect(() => torch.gcd(torch.tensor([true]), torch.tensor([false]))).toThrow(FIXTURE.errors.gcdBool.message);
    expect(() => torch.gcd(torch.tensor([4]), 2 as never)).toThrow(/other/);
  });
});

describe('nextafter', () => {
  const N = FIXTURE.nextafter;
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype} neighbours`, () => {
      // x in float64 is PyTorch's x.double(): the float32 values, widened
      const x = fromFloats(N.x).to(torch[dtype]);
      const y = fromFloats(N.y).to(torch[dtype]);
      const got = Array.from(torch.nextafter(x, y).dataSync() as ArrayLike<number>);
      const want = N[dtype].data.map(decode);
      got.forEach((v, i) => expect(Object.is(v, want[i]) || v === want[i], `${i}: ${v} vs ${want[i]}`).toBe(true));
    });
  }
  it('refuses integers and has no derivative, as PyTorch', () => {
    expect(() => torch.nextafter(torch.tensor([1]), torch.tensor([2]))).toThrow(FIXTURE.errors.nextafterInt.message);
    const a = torch.tensor([1.0], { requiresGrad: true });
    expect(() => torch.nextafter(a, torch.tensor([2.0])).sum().backward()).toThrow(FIXTURE.errors.nextafterBackward.message);
  });
});
