/**
 * torch.linspace against PyTorch 1.13 bit for bit (tests/fixtures/linspace.json, written by
 * scripts/make_linspace_fixtures.py): float32 and float64, short ranges and long ones, as
 * PyTorch's AVX2 CPU kernel rounds them (fused multiply-adds for each vector's first value).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/linspace.json', import.meta.url), 'utf8')) as {
  cases: { start: number; end: number; steps: number; dtype: 'float32' | 'float64'; hex: string[] }[];
};

/** Python's float.hex() back to a double, exactly. */
function fromHex(h: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(h);
  if (m === null) throw new Error(`not a hex float: ${h}`);
  const fraction = BigInt(`0x${m[2]}${m[3]}`);
  const value = Number(fraction) * 2 ** (Number(m[4]) - 4 * m[3]!.length);
  return m[1] === '-' ? -value : value;
}

describe('linspace matches PyTorch 1.13 bit for bit', () => {
  for (const c of FIXTURE.cases) {
    it(`linspace(${c.start}, ${c.end}, ${c.steps}, ${c.dtype})`, () => {
      const got = Array.from(torch.linspace(c.start, c.end, c.steps, { dtype: torch[c.dtype] }).dataSync() as Float64Array);
      const want = c.hex.map(fromHex);
      const bad = got.flatMap((v, i) => (Object.is(v, want[i]) ? [] : [`[${i}] ${v} != ${want[i]}`]));
      expect(bad.slice(0, 5)).toEqual([]);
      expect(got.length).toBe(want.length);
    });
  }
});
