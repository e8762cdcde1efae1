/**
 * Sorting, scans and counting reductions against PyTorch 1.13 (tests/fixtures/sorting.json,
 * written by scripts/make_sorting_fixtures.py): every output (values and indices, inverse,
 * counts), gradients and grad_fn names; then finite differences in float64, argument
 * forms, errors and the native row kernels' edges.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { selectPolicy } from '../src/ops/sort.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface SortingCase {
  name: string;
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  grad: FixtureTensor | null;
  gradOutput: FixtureTensor | null;
  gradFn: string | null;
}
const CASES: SortingCase[] = JSON.parse(readFileSync(new URL('./fixtures/sorting.json', import.meta.url), 'utf8')).cases;

type Op = (x: Tensor, y: Tensor, z: Tensor) => Tensor | Tensor[];
const OPS: Record<string, Op> = {
  sort_last: (x) => torch.sort(x),
  sort_dim0_desc: (x) => x.sort(0, true),
  sort_cube_dim1: (x) => x.sort({ dim: 1 }),
  sort_stable_ties: (x) => torch.sort(x, { stable: true }),
  sort_stable_ties_desc: (x) => x.sort({ descending: true, stable: true }),
  sort_nan: (x) => x.sort(),
  sort_nan_desc: (x) => x.sort(-1, true),
  sort_int: (x) => x.sort(1),
  sort_unstable_ties: (x) => x.sort(),
  sort_unstable_ties_desc: (x) => torch.sort(x, -1, true),
  argsort_unstable_ties: (x) => x.argsort(1),
  topk_ties: (x) => x.topk(3),
  topk_ties_smallest: (x) => x.topk(2, { largest: false }),
  topk_ties_partial_sort: (x) => torch.topk(x, 2),
  topk_ties_unsorted: (x) => x.topk(5, { sorted: false }),
  kthvalue_ties: (x) => x.kthvalue(2),
  kthvalue_ties_5: (x) => torch.kthvalue(x, 5),
  kthvalue_ties_long: (x) => x.kthvalue(77),
  median_ties: (x) => x.median(1),
  median_ties_long: (x) => torch.median(x, 1),
  nanmedian_ties: (x) => x.nanmedian(1),
  mode_long: (x) => x.mode(1),
  mode_levels: (x) => torch.mode(x),
  argsort_ties_dim0: (x) => torch.argsort(x, { dim: 0, stable: true }),
  argsort_desc: (x) => x.argsort(-1, true),
  msort: (x) => torch.msort(x),
  topk_2: (x) => x.topk(2),
  topk_smallest_dim0: (x) => torch.topk(x, 2, 0, false),
  topk_nan: (x) => x.topk(2),
  kthvalue_2: (x) => x.kthvalue(2),
  kthvalue_dim1_keepdim: (x) => torch.kthvalue(x, 2, 1, true),
  median_all: (x) => x.median(),
  median_all_ties: (x) => torch.median(x),
  median_dim: (x) => x.median(1),
  median_even_keepdim: (x) => torch.median(x, 1, true),
  median_all_even: (x) => x.median(),
  median_nan: (x) => x.median(1),
  median_int: (x) => x.median(1),
  nanmedian_dim: (x) => x.nanmedian(1),
  nanmedian_all: (x) => torch.nanmedian(x),
  mode_ties: (x) => x.mode(),
  mode_int_dim0: (x) => torch.mode(x, 0),
  mode_grad: (x) => x.mode(1),
  cumsum_dim1: (x) => x.cumsum(1),
  cumsum_dim0_cube: (x) => torch.cumsum(x, 0),
  cumsum_int: (x) => x.cumsum(1),
  cumsum_bool: (x) => x.cumsum(0),
  cumsum_dtype: (x) => x.cumsum(1, { dtype: torch.float64 }),
  cumprod_dim1: (x) => x.cumprod(1),
  cumprod_zeros: (x) => torch.cumprod(x, 1),
  cumprod_int: (x) => x.cumprod(1),
  cummax_ties: (x) => x.cummax(1),
  cummin_ties: (x) => torch.cummin(x, 1),
  cummax_nan: (x) => x.cummax(1),
  cummin_nan: (x) => x.cummin(1),
  cummax_int_dim0: (x) => x.cummax(0),
  cummax_grad: (x) => x.cummax(1),
  cummin_grad_dim0: (x) => x.cummin(0),
  logcumsumexp: (x) => x.logcumsumexp(1),
  logcumsumexp_cube: (x) => torch.logcumsumexp(x, 2),
  logcumsumexp_inf: (x) => x.logcumsumexp(0),
  aminmax: (x) => torch.aminmax(x),
  aminmax_dim: (x) => x.aminmax({ dim: 1, keepdim: true }),
  nansum: (x) => x.nansum(),
  nansum_dim: (x) => torch.nansum(x, 1),
  nansum_int: (x) => x.nansum(0),
  nanmean: (x) => x.nanmean(),
  nanmean_dim: (x) => torch.nanmean(x, 0, true),
  count_nonzero: (x) => x.countNonzero(),
  count_nonzero_dim: (x) => torch.countNonzero(x, 1),
  count_nonzero_dims: (x) => x.countNonzero([0, 2]),
  unique: (x) => x.unique({ returnInverse: true, returnCounts: true }),
  unique_int: (x) => torch.unique(x),
  unique_dim0: (x) => torch.unique(x, { dim: 0, returnInverse: true, returnCounts: true }),
  unique_dim1: (x) => x.unique({ dim: 1, returnInverse: true, returnCounts: true }),
  unique_consecutive: (x) => x.uniqueConsecutive({ returnInverse: true, returnCounts: true }),
  unique_consecutive_dim0: (x) => torch.uniqueConsecutive(x, { returnCounts: true, dim: 0 }),
  bincount: (x) => x.bincount(),
  bincount_weights: (x, w) => torch.bincount(x, w, 6),
  bincount_int_weights: (x, w) => x.bincount(w),
  histc: (x) => x.histc(4, 0, 3),
  histc_auto: (x) => torch.histc(x, 5),
  searchsorted_left: (b, v) => torch.searchsorted(b, v),
  searchsorted_right: (b, v) => torch.searchsorted(b, v, { right: true }),
  searchsorted_side_int32: (b, v) => torch.searchsorted(b, v, { side: 'right', outInt32: true }),
  searchsorted_sorter: (b, v, s) => torch.searchsorted(b, v, { sorter: s }),
  searchsorted_2d: (b, v) => torch.searchsorted(b, v),
  searchsorted_nan_values: (b, v) => torch.searchsorted(b, v),
  searchsorted_mixed_dtypes: (b, v) => torch.searchsorted(b, v),
  searchsorted_many: (b, v) => torch.searchsorted(b, v, { right: true }),
  searchsorted_2d_sorter: (b, v, s) => torch.searchsorted(b, v, { side: 'right', sorter: s }),
  bucketize: (x, b) => torch.bucketize(x, b),
  bucketize_right: (x, b) => torch.bucketize(x, b, { right: true }),
};

const outputsOf = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? [...r] : [r]);

describe('sorting, scans and counting vs PyTorch 1.13', () => {
  it('every fixture case has an op here, and every op a case', () => {
    expect(CASES.map((c) => c.name).sort()).toEqual(Object.keys(OPS).sort());
  });

  for (const c of CASES) {
    it(`${c.name}: outputs${c.grad ? ', gradient and grad_fn' : ''}`, () => {
      const inputs = c.inputs.map((t, i) => fromFixture(t, { requiresGrad: !!c.grad && i === 0 }));
      const outs = outputsOf(OPS[c.name](inputs[0], inputs[1], inputs[2]));
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => expectClose(o, c.outputs[i], { label: `output ${i}` }));
      if (c.grad) {
        expect(outs[0].gradFn?.name).toBe(c.gradFn);
        outs[0].backward(fromFixture(c.gradOutput!));
        expectClose(inputs[0].grad!, c.grad, { label: 'grad' });
      } else {
        expect(outs[0].requiresGrad).toBe(false);
      }
    });
  }

  it('float32 inputs give float32 results that match the float64 fixtures to float32 precision', () => {
    for (const name of ['sort_cube_dim1', 'cumsum_dim0_cube', 'logcumsumexp', 'median_dim']) {
      const c = CASES.find((k) => k.name === name)!;
      const x = fromFixture(c.inputs[0], { dtype: 'float32' });
      const out = outputsOf(OPS[name](x, x, x))[0];
      expect(out.dtype).toBe(torch.float32);
      const expected = fromFixture(c.outputs[0]).float();
      expectClose(out, expected, { rtol: 1e-5, atol: 1e-5, label: name });
    }
  });
});

describe('the sort path of the order statistics (what CUDA runs), on the CPU', () => {
  // Cases where PyTorch's CPU picks a tied index by nth_element, quick select or std::sort:
  // the sort path reports the same values with another index of the tie (the stable
  // order's; for kthvalue and median the first index holding the value, as PyTorch's CUDA).
  const TIE_INDICES = new Set([
    'topk_ties', 'topk_ties_smallest', 'topk_ties_partial_sort', 'topk_ties_unsorted',
    'kthvalue_ties', 'kthvalue_ties_5', 'kthvalue_ties_long', 'mode_long', 'mode_levels',
    'median_ties', 'median_ties_long', 'nanmedian_ties', 'median_int',
  ]);
  const statistic = /^(topk|kthvalue|median|nanmedian|mode)/;
  for (const c of CASES.filter((k) => statistic.test(k.name))) {
    it(`${c.name}: ${TIE_INDICES.has(c.name) ? 'values, and indices that hold them' : 'values and indices'}`, () => {
      const saved = selectPolicy.native;
      selectPolicy.native = () => false;
      try {
        const inputs = c.inputs.map((t, i) => fromFixture(t, { requiresGrad: !!c.grad && i === 0 }));
        const outs = outputsOf(OPS[c.name](inputs[0], inputs[1], inputs[2]));
        const sorted = c.name === 'topk_ties_unsorted';
        // sorted: false leaves PyTorch's CPU order, which the sort path does not reproduce
        if (!sorted) expectClose(outs[0], c.outputs[0], { label: 'values' });
        if (outs.length > 1 && !TIE_INDICES.has(c.name)) expectClose(outs[1], c.outputs[1], { label: 'indices' });
        if (outs.length > 1 && outs[0].shape.length > 0) {
          const dim = ({ topk_smallest_dim0: 0, kthvalue_dim1_keepdim: 1, mode_int_dim0: 0 } as Record<string, number>)[c.name] ?? -1;
          const keep = outs[1].shape.length === inputs[0].shape.length ? outs[1] : outs[1].unsqueeze(dim);
          const held = inputs[0].detach().gather(dim, keep);
          expectClose(held, outs[0].detach().reshape(keep.shape), { label: 'the values at the indices' });
        }
        if (c.grad) {
          outs[0].backward(fromFixture(c.gradOutput!));
          expectClose(inputs[0].grad!, c.grad, { label: 'grad' });
        }
      } finally {
        selectPolicy.native = saved;
      }
    });
  }
});

describe('gradients by finite differences (float64)', () => {
  const x = torch.randn([3, 5], { dtype: torch.float64 });
  const withZeros = torch.tensor([[1.5, 0, 2, -1], [0, 0.5, 0, 2], [0.7, -1.2, 1.1, 0.9]], { dtype: torch.float64 });
  const checks: [string, (t: Tensor) => Tensor, Tensor][] = [
    ['sort', (t) => t.sort(0, true).values, x],
    ['topk', (t) => t.topk(3).values, x],
    ['kthvalue', (t) => t.kthvalue(2, 0).values, x],
    ['median', (t) => t.median(1).values, x],
    ['cumsum', (t) => t.cumsum(0), x],
    ['cumprod', (t) => t.cumprod(1), x],
    ['cumprod with zeros', (t) => t.cumprod(1), withZeros],
    ['cummax', (t) => t.cummax(1).values, x],
    ['logcumsumexp', (t) => t.logcumsumexp(1), x],
    ['nansum', (t) => t.nansum(1), x],
  ];
  for (const [name, fn, input] of checks) {
    it(name, () => {
      gradcheck(fn, [input.clone().requiresGrad_()]);
    });
  }

  it('cumprod and cumsum support double backward (createGraph)', () => {
    const t = torch.tensor([1.5, -2, 0.5], { dtype: torch.float64, requiresGrad: true });
    const [g] = torch.autograd.grad(t.cumprod(0).sum(), [t], { createGraph: true });
    // d/dt0 of (t0 + t0 t1 + t0 t1 t2) is 1 + t1 + t1 t2, whose gradient is (0, 1 + t2, t1).
    expect(valuesOf(g!)).toEqual([1 + -2 + -2 * 0.5, 1.5 + 1.5 * 0.5, 1.5 * -2]);
    const [gg] = torch.autograd.grad(g!.select(0, 0), [t]);
    expect(valuesOf(gg!)).toEqual([0, 1.5, -2]);
    // sum(cumsum(t^2)) = 3 t0^2 + 2 t1^2 + t2^2: gradient (6 t0, 4 t1, 2 t2), then (6, 4, 2).
    const [h] = torch.autograd.grad(t.mul(t).cumsum(0).sum(), [t], { createGraph: true });
    expect(valuesOf(h!)).toEqual([9, -8, 1]);
    const [hh] = torch.autograd.grad(h!.sum(), [t]);
    expect(valuesOf(hh!)).toEqual([6, 4, 2]);
  });
});

describe('argument forms, dtypes and edges', () => {
  it('sort returns PyTorch pairs, keeps dtype, sorts 0-d and empty tensors', () => {
    const h = torch.tensor([3, 1, 2], { dtype: torch.float16 });
    const [v, i] = h.sort();
    expect(v.dtype).toBe(torch.float16);
    expect(valuesOf(v)).toEqual([1, 2, 3]);
    expect(valuesOf(i)).toEqual([1, 2, 0]);
    const u8 = torch.tensor([200, 5, 255], { dtype: torch.uint8 }).sort(0, true);
    expect(u8.values.dtype).toBe(torch.uint8);
    expect(valuesOf(u8.values)).toEqual([255, 200, 5]);
    const s = torch.tensor(4).sort();
    expect(s.values.shape).toEqual([]);
    expect(valuesOf(s.indices)).toEqual([0]);
    expect(torch.zeros([2, 0]).sort(1).values.shape).toEqual([2, 0]);
    expect(torch.zeros([0, 3]).cumsum(1).shape).toEqual([0, 3]);
  });

  it('int64 beyond 2^53 sorts and sums exactly in the native kernels', () => {
    const big = torch.tensor([2n ** 62n, 1n, 2n ** 62n - 1n], { dtype: torch.int64 });
    expect(Array.from(big.sort().values.dataSync() as BigInt64Array)).toEqual([1n, 2n ** 62n - 1n, 2n ** 62n]);
    expect(Array.from(big.cumsum(0).dataSync() as BigInt64Array)[1]).toBe(2n ** 62n + 1n);
  });

  it('a long row sorts like JavaScript does', () => {
    const x = torch.randn([2, 3000]);
    const got = valuesOf(x.sort(1, true).values.select(0, 1));
    const want = valuesOf(x.select(0, 1)).sort((a, b) => b - a);
    expect(got).toEqual(want);
  });

  it('topk, kthvalue, median and mode report bad arguments as PyTorch does', () => {
    const x = torch.tensor([1, 2, 3]);
    expect(() => x.topk(4)).toThrow('selected index k out of range');
    expect(() => x.kthvalue(0)).toThrow('kthvalue(): selected number k out of range for dimension 0');
    expect(() => torch.zeros([2, 0]).median(1)).toThrow('median(): Expected reduction dim 1 to have non-zero size.');
    expect(() => x.sort(2)).toThrow(/out of range/);
    expect(() => x.sort({ dim: 0, bogus: true } as never)).toThrow(/unexpected option 'bogus'/);
    expect(() => torch.logcumsumexp(torch.tensor([1, 2]), 0)).toThrow(/not implemented for 'Long'/);
    expect(() => torch.bincount(torch.tensor([1, -1]))).toThrow('bincount only supports 1-d non-negative integral inputs.');
    expect(() => torch.searchsorted(torch.tensor([1, 2]), torch.tensor([1]), { side: 'left', right: true })).toThrow(/opposites/);
    expect(() => torch.nanmean(torch.tensor([1, 2]))).toThrow('nanmean(): expected input to have floating point dtype but got Long');
    expect(() => torch.histc(torch.tensor([1, 2]), 3)).toThrow(`"histogram_cpu" not implemented for 'Long'`);
    expect(() => torch.histc(torch.tensor([1.5]), 0)).toThrow('torch.histogram(): bins must be > 0, but got 0 for dimension 0');
    expect(() => torch.histc(torch.tensor([1.5]), 3, 2, 1)).toThrow('torch.histc: max must be larger than min');
  });

  it('aminmax is differentiable as in PyTorch 2 (1.13 has no derivative): ties share evenly', () => {
    const x = torch.tensor([[1, 3, 3], [2, 0, 0]], { dtype: torch.float64, requiresGrad: true });
    const { min, max } = torch.aminmax(x, { dim: 1 });
    expect(min.gradFn!.name).toBe('AminmaxBackward0');
    min.mul(2).add(max.mul(3)).sum().backward();
    expect(valuesOf(x.grad!)).toEqual([2, 1.5, 1.5, 3, 1, 1]);
    gradcheck((t) => torch.aminmax(t).max.add(torch.aminmax(t, { dim: 0, keepdim: true }).min.sum()), [torch.randn([3, 4], { dtype: torch.float64 }).requiresGrad_()]);
  });

  it('unique of an empty tensor and searchsorted of a scalar', () => {
    const [values, inverse, counts] = torch.unique(torch.zeros([0]), { returnInverse: true, returnCounts: true }) as Tensor[];
    expect([values.shape, inverse.shape, counts.shape]).toEqual([[0], [0], [0]]);
    expect(valuesOf(torch.searchsorted(torch.tensor([1, 3, 5]), 4))).toEqual([2]);
    expect(torch.searchsorted(torch.tensor([1, 3, 5]), 4).shape).toEqual([]);
    expect(valuesOf(torch.searchsorted(torch.zeros([0]), torch.tensor([1, 2])))).toEqual([0, 0]);
    expect(torch.searchsorted(torch.tensor([1, 2]), torch.zeros([0])).shape).toEqual([0]);
    expect(() => torch.searchsorted(torch.zeros([2, 3]), torch.zeros([3, 1]))).toThrow(/first N-1 dimensions/);
  });
});

describe('memory', () => {
  it('the ops leave only their outputs alive', async () => {
    const storages = () => torch.memoryStats().cpu.storages;
    // Earlier garbage is collected first, so that its finalizers cannot run mid-count.
    const collect = async () => {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    };
    const x = torch.tensor([[3, 1, 2, 1], [0, 5, 5, 2]]);
    const xi = x.int();
    const xf = x.float();
    const edges = torch.tensor([1, 2, 4]);
    const ops: [string, () => Tensor | Tensor[]][] = [
      ['sort of a transposed view', () => x.t().sort(1)],
      ['median', () => x.median(1)],
      ['nanmedian', () => x.nanmedian(0)],
      ['mode', () => x.mode(1)],
      ['topk', () => x.topk(2, 0)],
      ['cumsum of int32 (cast)', () => xi.cumsum(1)],
      ['median of all', () => xf.median()],
      ['logcumsumexp', () => xf.logcumsumexp(0)],
      ['kthvalue', () => x.kthvalue(2, 0)],
      ['uniqueConsecutive', () => x.uniqueConsecutive({ returnCounts: true }) as Tensor[]],
      ['bincount', () => x.flatten().bincount()],
      ['cummax', () => x.cummax(0)],
      ['unique', () => x.unique({ returnInverse: true, returnCounts: true }) as Tensor[]],
      ['unique dim', () => x.unique({ dim: 1 }) as Tensor],
      ['histc', () => xf.histc(3)],
      ['searchsorted', () => torch.searchsorted(edges, x)],
    ];
    for (const [name, op] of ops) {
      await collect();
      const before = storages();
      const outs = outputsOf(op());
      const created = storages() - before;
      for (const o of outs) o.dispose();
      expect(storages(), `${name} left ${created} storages for ${outs.length} outputs`).toBe(before);
    }
  });
});

