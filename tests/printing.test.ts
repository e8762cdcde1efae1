import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatFloatPython, formatTensor, type FormatKind } from '../src/tensor/format.js';

// Expected strings come from PyTorch itself: scripts/make_print_fixtures.py.
interface TensorCase {
  name: string;
  shape: number[];
  kind: FormatKind;
  values: (number | 'nan' | 'inf' | '-inf')[];
  suffixes: string[];
  repr: string;
}
interface FloatCase {
  x: string;
  f4: string;
  e4: string;
  f0: string;
  e0: string;
  f2: string;
}
const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/printing.json', import.meta.url), 'utf8'),
) as { cases: TensorCase[]; floats: FloatCase[] };

function decode(v: TensorCase['values'][number]): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

/** Python repr -> double; JS parses these round-trip strings to the same bits. */
function parsePyFloat(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}

describe('formatTensor matches PyTorch repr', () => {
  it('has enough fixture cases', () => {
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of fixtures.cases) {
    it(c.name, () => {
      const values = c.values.map(decode);
      const read = new Set<number>();
      const out = formatTensor({
        shape: c.shape,
        kind: c.kind,
        suffixes: c.suffixes,
        get: (i) => {
          expect(i).toBeGreaterThanOrEqual(0);
          expect(i).toBeLessThan(values.length);
          read.add(i);
          return values[i]!;
        },
      });
      expect(out).toBe(c.repr);
      // Summarised tensors must not touch the elided elements.
      if (values.length > 1000) expect(read.size).toBeLessThan(values.length);
      else expect(read.size).toBe(values.length);
    });
  }
});

describe('formatTensor extras', () => {
  it('uses a custom prefix for indentation', () => {
    const v = [1, 2, 3, 4];
    const out = formatTensor(
      { shape: [2, 2], get: (i) => v[i]!, kind: 'int', suffixes: [] },
      'Foo(',
    );
    expect(out).toBe('Foo([[1, 2],\n     [3, 4]])');
  });

  it('prints int64 passed as bigint exactly', () => {
    const v = [9223372036854775807n, -9223372036854775808n];
    const out = formatTensor({ shape: [2], get: (i) => v[i]!, kind: 'int', suffixes: [] });
    expect(out).toBe('tensor([ 9223372036854775807, -9223372036854775808])');
  });
});

describe('formatFloatPython matches Python str.format', () => {
  it('has a few thousand inputs', () => {
    expect(fixtures.floats.length).toBeGreaterThan(2000);
  });

  it('special values', () => {
    expect(formatFloatPython(NaN, 'fixed', 4)).toBe('nan');
    expect(formatFloatPython(NaN, 'sci', 4)).toBe('nan');
    expect(formatFloatPython(Infinity, 'sci', 4)).toBe('inf');
    expect(formatFloatPython(-Infinity, 'fixed', 4)).toBe('-inf');
    expect(formatFloatPython(-0, 'fixed', 4)).toBe('-0.0000');
    expect(formatFloatPython(-0, 'fixed', 0)).toBe('-0');
    expect(formatFloatPython(-0, 'sci', 4)).toBe('-0.0000e+00');
    expect(formatFloatPython(0.03125, 'fixed', 4)).toBe('0.0312');
  });

  for (const [key, mode, precision] of [
    ['f4', 'fixed', 4],
    ['e4', 'sci', 4],
    ['f0', 'fixed', 0],
    ['e0', 'sci', 0],
    ['f2', 'fixed', 2],
  ] as const) {
    it(`'{:.${precision}${mode === 'fixed' ? 'f' : 'e'}}'`, () => {
      const mismatches: string[] = [];
      for (const f of fixtures.floats) {
        const got = formatFloatPython(parsePyFloat(f.x), mode, precision);
        if (got !== f[key]) mismatches.push(`${f.x}: got ${got}, want ${f[key]}`);
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  }
});
