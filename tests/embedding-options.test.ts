/**
 * nn.Embedding / F.embedding options against PyTorch 1.13 (tests/fixtures/embedding.json,
 * written by scripts/make_embedding_fixtures.py): maxNorm / normType renormalise the
 * referenced rows in place before the lookup, scaleGradByFreq divides each row's
 * gradient by its index's count, paddingIdx gets no gradient.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const { nn } = torch;
const F = nn.functional;

interface Case {
  name: string;
  dtype: 'float32' | 'float64';
  weight: number[][];
  indices: number[] | number[][];
  options: Record<string, number | boolean | string>;
  weightAfter: number[][];
  output: unknown;
  gradOutput: unknown;
  grad: number[][];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/embedding.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  reprs: Record<string, string>;
};

const NAMES: Record<string, string> = {
  padding_idx: 'paddingIdx',
  max_norm: 'maxNorm',
  norm_type: 'normType',
  scale_grad_by_freq: 'scaleGradByFreq',
};

function optionsOf(c: Case): torch.nn.functional.EmbeddingOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c.options)) {
    out[NAMES[key]] = value === 'inf' ? Infinity : value === '-inf' ? -Infinity : value;
  }
  return out as torch.nn.functional.EmbeddingOptions;
}

/** Elementwise closeness: float32 results agree with PyTorch to a few ulps. */
function expectClose(actual: unknown, expected: unknown, dtype: string): void {
  const a = [actual].flat(Infinity) as number[];
  const e = [expected].flat(Infinity) as number[];
  expect(a.length).toBe(e.length);
  const tolerance = dtype === 'float64' ? 1e-12 : 1e-6;
  for (let i = 0; i < a.length; i++) {
    expect(Math.abs(a[i] - e[i]), `element ${i}: ${a[i]} vs ${e[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i])));
  }
}

function run(c: Case, viaModule: boolean) {
  const dtype = c.dtype === 'float64' ? torch.float64 : torch.float32;
  const weight = torch.tensor(c.weight, { dtype });
  const ids = torch.tensor(c.indices);
  let out: torch.Tensor;
  let w: torch.Tensor;
  if (viaModule) {
    const emb = new nn.Embedding(c.weight.length, c.weight[0].length, { ...optionsOf(c), _weight: weight });
    w = emb.weight;
    out = emb(ids);
  } else {
    w = weight.requiresGrad_();
    out = F.embedding(ids, w, optionsOf(c));
  }
  out.mul(torch.tensor(c.gradOutput as number[], { dtype })).sum().backward();
  return { w, out };
}

describe('embedding options match PyTorch', () => {
  for (const c of fixture.cases) {
    it(`F.embedding: ${c.name}`, () => {
      const { w, out } = run(c, false);
      expectClose(w.tolist(), c.weightAfter, c.dtype);
      expectClose(out.tolist(), c.output, c.dtype);
      expectClose(w.grad!.tolist(), c.grad, c.dtype);
    });
    it(`nn.Embedding: ${c.name}`, () => {
      const { w, out } = run(c, true);
      expectClose(w.tolist(), c.weightAfter, c.dtype);
      expectClose(out.tolist(), c.output, c.dtype);
      expectClose(w.grad!.tolist(), c.grad, c.dtype);
    });
  }

  it('the fixtures exercise what they claim: renorm changes rows, frequency scaling changes gradients', () => {
    const renorm = fixture.cases.find((c) => c.name === 'maxNorm 1 (2-norm)')!;
    expect(renorm.weightAfter).not.toEqual(renorm.weight);
    expect(renorm.weightAfter[0]).toEqual(renorm.weight[0]); // row 0 is not referenced
    const scaled = fixture.cases.find((c) => c.name === 'scaleGradByFreq')!;
    const plain = F.embedding(torch.tensor(scaled.indices), torch.tensor(scaled.weight).requiresGrad_());
    const w = torch.tensor(scaled.weight).requiresGrad_();
    F.embedding(torch.tensor(scaled.indices), w).mul(torch.tensor(scaled.gradOutput as number[])).sum().backward();
    expect(plain.shape).toEqual([3, 4, 4]);
    expect(w.grad!.tolist()).not.toEqual(scaled.grad);
  });

  it('maxNorm writes the weight in place under no_grad and bumps its version', () => {
    const emb = new nn.Embedding(4, 2, { maxNorm: 1 });
    emb.weight.data.copy_(torch.tensor([[3, 4], [0.3, 0.4], [6, 8], [1, 0]]));
    const version = emb.weight._version.value;
    const out = emb(torch.tensor([0, 1, 0]));
    expect(emb.weight._version.value).toBeGreaterThan(version);
    expect(emb.weight.gradFn).toBeNull();
    expect(emb.weight.requiresGrad).toBe(true);
    // row 0 has norm 5: scaled by 1 / (5 + 1e-7); row 1 (norm 0.5) and row 2 (unreferenced) stay.
    const scale = Math.fround(1 / (5 + 1e-7));
    expect(Array.from(emb.weight.dataSync() as Float32Array)).toEqual([3, 4, 0.3, 0.4, 6, 8, 1, 0].map((v, i) => Math.fround(i < 2 ? Math.fround(v * scale) : v)));
    expect(out.tolist()).toEqual([[Math.fround(3 * scale), Math.fround(4 * scale)], [Math.fround(0.3), Math.fround(0.4)], [Math.fround(3 * scale), Math.fround(4 * scale)]]);
  });

  it('positional paddingIdx and an options object combine', () => {
    // Without scaling rows 0 and 2 would get 3 and 2; row 1 is the padding row.
    const w = torch.tensor([[1, 1], [2, 2], [3, 3]], { dtype: torch.float32, requiresGrad: true });
    F.embedding(torch.tensor([0, 0, 0, 1, 2, 2]), w, 1, { scaleGradByFreq: true }).sum().backward();
    expect(w.grad!.tolist()).toEqual([[1, 1], [0, 0], [1, 1]]);
  });
});

describe('nn.Embedding construction and repr', () => {
  it("prints as PyTorch's repr", () => {
    expect(String(new nn.Embedding(10, 3))).toBe(fixture.reprs['plain']);
    expect(String(new nn.Embedding(10, 3, { paddingIdx: -1, maxNorm: 1, normType: 1, scaleGradByFreq: true }))).toBe(fixture.reprs['all options']);
    expect(String(new nn.Embedding(5, 2, { maxNorm: 0.5 }))).toBe(fixture.reprs['maxNorm only']);
    expect(String(nn.Embedding.fromPretrained(torch.ones(2, 3), { paddingIdx: 1 }))).toBe(fixture.reprs['fromPretrained']);
  });

  it('fromPretrained shares the tensor, freezes it by default and keeps the padding row', () => {
    const table = torch.tensor([[1, 2.5, 3], [4, 5, 6]]);
    const frozen = nn.Embedding.fromPretrained(table, { paddingIdx: 0 });
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.weight.tolist()).toEqual([[1, 2.5, 3], [4, 5, 6]]);
    table.indexPut_([0, 0], 9);
    expect((frozen.weight.tolist() as number[][])[0]).toEqual([9, 2.5, 3]);
    const trainable = nn.Embedding.fromPretrained(torch.ones(2, 2), { freeze: false });
    expect(trainable.weight.requiresGrad).toBe(true);
    expect(trainable.parameters()).toHaveLength(1);
  });

  it('a given _weight is used as is, without drawing from the generator', () => {
    torch.manualSeed(3);
    const expected = torch.rand(2).tolist();
    torch.manualSeed(3);
    const emb = new nn.Embedding(2, 2, { _weight: torch.zeros(2, 2), paddingIdx: 1 });
    expect(torch.rand(2).tolist()).toEqual(expected);
    expect(emb.weight.tolist()).toEqual([[0, 0], [0, 0]]);
  });
});
