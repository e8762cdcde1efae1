/**
 * torch.histogramdd against PyTorch 1.13 (scripts/make_histogramdd_fixtures.py): counts per
 * dimension or for all, edge tensors, ranges, weights, density, batched points, a degenerate
 * range, and the errors' messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';

type S = FixtureTensor;
const FIX: {
  cases: { label: string; input: S; bins: number | number[] | S[]; range: number[] | null; weight: S | null; density: boolean; hist: S; binEdges: S[] }[];
  errors: Record<string, { type: string; message: string }>;
} = JSON.parse(readFileSync(new URL('./fixtures/histogramdd.json', import.meta.url), 'utf8'));

const x = () => fromFixture(FIX.cases[0]!.input);

describe('torch.histogramdd against PyTorch 1.13', () => {
  for (const c of FIX.cases) {
    it(c.label, () => {
      const bins = Array.isArray(c.bins) && typeof c.bins[0] === 'object' ? (c.bins as S[]).map((b) => fromFixture(b)) : (c.bins as number | number[]);
      const r = torch.histogramdd(fromFixture(c.input), bins, { range: c.range, weight: c.weight === null ? null : fromFixture(c.weight), density: c.density });
      expectClose(r.hist, c.hist, { rtol: 1e-12, atol: 1e-12 });
      expect(r.binEdges.length).toBe(c.binEdges.length);
      r.binEdges.forEach((e, d) => expectClose(e, c.binEdges[d]!, { rtol: 1e-12, atol: 1e-12, label: `edges ${d}` }));
      expect(r[0]).toBe(r.hist);
    });
  }
  it('raises PyTorch\'s errors', () => {
    const E = FIX.errors;
    expect(() => torch.histogramdd(x(), 2, { range: [0, 1] })).toThrow(E.range_length!.message);
    expect(() => torch.histogramdd(torch.zeros(3), 2)).toThrow(E.one_dim!.message);
    expect(() => torch.histogramdd(torch.zeros([3, 2], { dtype: torch.int64 }), 2)).toThrow(E.int_input!.message);
    expect(() => torch.histogramdd(x(), 2, { weight: torch.ones(49, { dtype: torch.float64 }) })).toThrow(E.weight_shape!.message);
    expect(() => torch.histogramdd(x(), [2, 0, 2])).toThrow(E.bins_zero!.message);
    expect(() => torch.histogramdd(x(), [2, 2])).toThrow('torch.histogramdd: bins should give 3 counts or edge tensors, one per dimension, but got 2');
  });
});
