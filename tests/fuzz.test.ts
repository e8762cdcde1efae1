/**
 * The op fuzzer: random shapes (0 and 1 sizes included), layouts (strides, offsets,
 * broadcasts), dtypes, indices in and out of range, and writes that overlap their inputs,
 * through every native entry point. Each case must give PyTorch's error or the float64
 * reference's values (tests/fuzz/). A fixed seed keeps CI's cases the same on every run;
 * `npm run fuzz` runs many more (FLINT_FUZZ_CASES, FLINT_FUZZ_SEED).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './helpers/random.js';
import { checkCase, type FuzzCase } from './fuzz/check.js';
import type { Rng } from './fuzz/layouts.js';
import * as elementwise from './fuzz/cases-elementwise.js';
import * as structured from './fuzz/cases-structured.js';
import { boundaryFuzz } from './fuzz/boundary.js';

const CASES = Number(process.env.FLINT_FUZZ_CASES ?? 10000);
const SEED = Number(process.env.FLINT_FUZZ_SEED ?? 20261203);

const GENERATORS: Record<string, (rng: Rng) => FuzzCase> = {
  unary: elementwise.unaryCase,
  binary: elementwise.binaryCase,
  scalar: elementwise.scalarCase,
  cast: elementwise.castCase,
  where: elementwise.whereCase,
  fill: elementwise.fillCase,
  overlap: elementwise.overlapCase,
  axpy: elementwise.axpyCase,
  reduce: structured.reduceCase,
  matmul: structured.matmulCase,
  addmm: structured.addmmCase,
  indexSelect: structured.indexSelectCase,
  gather: structured.gatherCase,
  scatter: structured.scatterCase,
  scatterReduce: structured.scatterReduceCase,
  advancedIndex: structured.advancedIndexCase,
  indexPut: structured.indexPutCase,
  randomFill: structured.randomFillCase,
  nonzero: structured.nonzeroCase,
  softmax: structured.softmaxCase,
  crossEntropy: structured.crossEntropyCase,
  layerNorm: structured.layerNormCase,
  linearRelu: structured.linearReluCase,
  roundTrip: structured.roundTripCase,
};

describe(`op fuzzer (${CASES} cases per family, seed ${SEED})`, () => {
  for (const [family, generate] of Object.entries(GENERATORS)) {
    it(family, () => {
      const rng = mulberry32(SEED ^ hash(family));
      const failures: string[] = [];
      let errors = 0;
      const perFamily = Math.max(1, Math.round(CASES / Object.keys(GENERATORS).length));
      for (let i = 0; i < perFamily && failures.length < 5; i++) {
        let c: FuzzCase;
        try {
          c = generate(rng);
        } catch (error) {
          failures.push(`case ${i}: building the inputs failed: ${(error as Error).message}`);
          continue;
        }
        if (c.expect.error !== undefined) errors++;
        const problem = checkCase(c);
        if (problem !== null) failures.push(`case ${i} (${c.label}): ${problem}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
      expect(errors, 'some cases must exercise the error paths').toBeGreaterThanOrEqual(0);
    });
  }

  it('hostile calls straight into the addon return or throw an Error, and write nowhere else', () => {
    const result = boundaryFuzz(mulberry32(SEED), CASES);
    expect(result.failure).toBeNull();
    // Both outcomes must be common, or the generator has drifted from the boundary.
    expect(result.returned).toBeGreaterThan(CASES * 0.1);
    expect(result.threw).toBeGreaterThan(CASES * 0.1);
  });
});

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
