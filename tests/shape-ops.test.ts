/**
 * Shape, indexing and structured-creation ops against PyTorch 1.13 (tests/fixtures/shape.json,
 * written by scripts/make_shape_fixtures.py): values, grad_fn names and gradients of split,
 * chunk, unbind, tensorSplit, repeat, tile, repeatInterleave, flip, roll, rot90, movedim,
 * unfold, the stacks, take, takeAlongDim, the masked and index ops, tril/triu, diag,
 * diagEmbed, diagonal, meshgrid and JS array indices; then errors, views and finite differences.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

interface Ser { shape: number[]; dtype: string; data: (number | boolean)[] }
interface Case { inputs: Ser[]; outputs: Ser[]; gradFns: (string | null)[]; grads: (Ser | null)[] }
const FIXTURE: { cases: Record<string, Case>; creation: Record<string, Ser | number[]> } = JSON.parse(
  readFileSync(new URL('./fixtures/shape.json', import.meta.url), 'utf8'),
);

const long = (data: unknown) => torch.tensor(data as number[], { dtype: torch.int64 });
const mask = (data: unknown) => torch.tensor(data as boolean[], { dtype: torch.bool });

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];
/** The same expressions as scripts/make_shape_fixtures.py's CASES, by name. */
const CASES: Record<string, Fn> = {
  split_int: (x) => x.split(4, 1),
  split_sizes: (x) => x.split([1, 2, 3], 1),
  split_empty_piece: (x) => torch.split(x, [0, 6], 1),
  chunk: (x) => torch.chunk(x, 4, 1),
  chunk_uneven: (x) => x.chunk(2, 0),
  unbind: (x) => x.unbind(1),
  tensor_split_sections: (x) => torch.tensorSplit(x, 4, 1),
  tensor_split_indices: (x) => torch.tensorSplit(x, [1, 4, 10], 1),
  tensor_split_tensor: (x) => torch.tensorSplit(x, long([2, -1]), 0),
  tensor_split_tensor_sections: (x) => x.tensorSplit(long(3)),
  repeat: (x) => x.repeat(2, 1, 2),
  tile: (x) => x.tile([2]),
  tile_more: (x) => torch.tile(x, [2, 2]),
  repeat_interleave_int: (x) => x.repeatInterleave(2, 0),
  repeat_interleave_tensor: (x) => torch.repeatInterleave(x, long([1, 0, 2, 1]), 0),
  repeat_interleave_flat: (x) => x.repeatInterleave(2),
  repeat_interleave_dim1: (x) => x.repeatInterleave(long([2]), 1, { outputSize: 6 }),
  flip: (x) => x.flip([0, 2]),
  fliplr: (x) => torch.fliplr(x),
  flipud: (x) => x.flipud(),
  roll_flat: (x) => x.roll(5),
  roll_dims: (x) => torch.roll(x, [1, -2], [0, 1]),
  roll_big: (x) => x.roll(9, 1),
  rot90_1: (x) => x.rot90(1, [1, 2]),
  rot90_2: (x) => torch.rot90(x, 2),
  rot90_3: (x) => torch.rot90(x, 3),
  rot90_neg: (x) => torch.rot90(x, -1, [1, 0]),
  movedim: (x) => x.movedim([0, 1], [2, 0]),
  moveaxis: (x) => torch.moveaxis(x, 0, -1),
  swapaxes: (x) => x.swapaxes(0, 2),
  swapdims: (x) => torch.swapdims(x, 1, -1),
  unfold: (x) => x.unfold(1, 3, 2),
  unfold_overlap: (x) => x.unfold(1, 3, 1),
  unfold_gap: (x) => x.unfold(0, 2, 3),
  hstack: (x, y) => torch.hstack([x, y]),
  hstack_1d: (x, y) => torch.hstack([x, y]),
  vstack: (x, y) => torch.vstack([x, y]),
  dstack: (x, y) => torch.dstack([x, y]),
  column_stack: (x, y) => torch.columnStack([x, y]),
  take: (x) => x.take(long([[0, 5], [-1, 0]])),
  take_along_dim: (x) => torch.takeAlongDim(x, long([[0], [3], [1]]), 1),
  take_along_dim_broadcast: (x) => torch.takeAlongDim(x, long([[2], [0]]), 0),
  take_along_dim_flat: (x) => x.takeAlongDim(long([11, 0, 4])),
  masked_fill: (x) => x.maskedFill(mask([[true, false, false, true]]), 0.5),
  masked_fill_tensor: (x, v) => torch.maskedFill(x, mask([[true], [false], [true]]), v),
  masked_fill_: (x) => x.clone().maskedFill_(mask([false, true, true, false]), -2),
  masked_scatter: (x, s) => x.maskedScatter(mask([[true, false, true, true], [false, false, false, true], [true, true, false, false]]), s),
  masked_scatter_broadcast: (x, s) => torch.maskedScatter(x, mask([false, true, true]), s),
  masked_scatter_: (x, s) => x.clone().maskedScatter_(mask([[true, false, true], [true, true, false]]), s),
  index_add: (x, s) => x.indexAdd(0, long([2, 0, 2]), s, { alpha: 1.5 }),
  index_add_dim1: (x, s) => torch.indexAdd(x, 1, long([3, 1]), s),
  index_add_: (x, s) => x.clone().indexAdd_(0, long([1, 3]), s, { alpha: -2 }),
  index_fill: (x) => x.indexFill(1, long([0, 2]), -1),
  index_fill_tensor: (x, v) => x.indexFill(0, long([1]), v),
  index_fill_: (x) => x.clone().indexFill_(1, long([3]), 7),
  index_copy: (x, s) => x.indexCopy(0, long([3, 0]), s),
  index_copy_: (x, s) => x.clone().indexCopy_(1, long([1, 2]), s),
  tril: (x) => x.tril(),
  tril_neg: (x) => torch.tril(x, -1),
  triu: (x) => x.triu(2),
  tril_: (x) => x.clone().tril_(1),
  triu_: (x) => x.clone().triu_(-1),
  diag_1d: (x) => torch.diag(x, 1),
  diag_1d_neg: (x) => x.diag(-2),
  diag_2d: (x) => torch.diag(x, -1),
  diag_2d_pos: (x) => x.diag(2),
  diag_embed: (x) => torch.diagEmbed(x),
  diag_embed_dims: (x) => torch.diagEmbed(x, 1, 0, 2),
  diagonal: (x) => x.diagonal(),
  diagonal_dims: (x) => torch.diagonal(x, -1, 1, 2),
  diagonal_pos: (x) => x.diagonal(2, 2, 0),
  meshgrid_ij: (x, y, z) => torch.meshgrid(x, y, z, { indexing: 'ij' }),
  meshgrid_xy: (x, y, z) => torch.meshgrid([x, y, z], { indexing: 'xy' }),
  scatter_reduce_sum: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'sum'),
  scatter_reduce_sum_excl: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'sum', { includeSelf: false }),
  scatter_reduce_prod: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'prod'),
  scatter_reduce_prod_zeros: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'prod'),
  scatter_reduce_prod_excl: (x, s) => torch.scatterReduce(x, 0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'prod', { includeSelf: false }),
  scatter_reduce_mean: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'mean'),
  scatter_reduce_mean_excl: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'mean', { includeSelf: false }),
  scatter_reduce_amax: (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'amax'),
  scatter_reduce_amax_ties: (x, s) => x.scatterReduce(1, long([[0, 0], [2, 1]]), s, 'amax'),
  scatter_reduce_amin_excl: (x, s) => x.scatterReduce(1, long([[3, 3, 0, 1], [2, 2, 2, 2]]), s, 'amin', { includeSelf: false }),
  scatter_reduce_: (x, s) => x.clone().scatterReduce_(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'amin'),
  index_list: (x) => x.index([0, 2], [1, 3]),
  index_list_bool: (x) => x.index([true, false, true]),
  index_list_nested: (x) => x.index(':', [[0, 1], [3, 3]]),
};

function fromSer(s: Ser): Tensor {
  const t = torch.tensor(s.data as number[], { dtype: s.dtype as 'float64' }).reshape(s.shape);
  return s.dtype === 'float64' ? t.requiresGrad_() : t;
}

function expectMatches(actual: Tensor, expected: Ser, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(actual.dtype.name, `${what} dtype`).toBe(expected.dtype);
  const got = Array.from(actual.contiguous().dataSync() as ArrayLike<number>, Number);
  expected.data.forEach((v, i) => expect(got[i], `${what}[${i}]`).toBeCloseTo(Number(v), 12));
  expect(got.length).toBe(expected.data.length);
}

describe('shape and index ops vs PyTorch', () => {
  it('the fixture and the TypeScript table cover the same cases', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(FIXTURE.cases).sort());
  });
  for (const [name, c] of Object.entries(FIXTURE.cases)) {
    it(`${name}: values, grad_fn and gradients`, () => {
      const inputs = c.inputs.map(fromSer);
      const result = CASES[name](...inputs);
      const outs = Array.isArray(result) ? result : [result];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => {
        expectMatches(o, c.outputs[i], `output ${i}`);
        expect(o.gradFn?.name ?? null, `grad_fn of output ${i}`).toBe(c.gradFns[i]);
      });
      let loss: Tensor | null = null;
      outs.forEach((o, i) => {
        if (!o.requiresGrad) return;
        const w = torch.linspace(-1, 2, o.numel(), { dtype: o.dtype }).reshape(o.shape).mul(i + 1);
        const term = o.mul(w).sum();
        loss = loss === null ? term : loss.add(term);
      });
      if (loss !== null) (loss as Tensor).backward();
      inputs.forEach((x, i) => {
        const g = c.grads[i];
        if (g === null) expect(x.grad, `grad of input ${i}`).toBeNull();
        else expectMatches(x.grad!, g, `grad of input ${i}`);
      });
    });
  }
});

describe('structured creation and scatter reduce vs PyTorch', () => {
  const C = FIXTURE.creation as Record<string, Ser>;
  it('logspace (float32 default, float64 with a base, one step)', () => {
    expectClose(torch.logspace(0, 2, 5), C.logspace, 5);
    expectMatches(torch.logspace(-1, 3, 4, 2, { dtype: torch.float64 }), C.logspace_base2, 'logspace base 2');
    expectMatches(torch.logspace(1.5, 9, 1, { dtype: torch.float64 }), C.logspace_one, 'logspace one step');
  });
  it('new* inherit dtype and device; a float fill of an int tensor truncates', () => {
    const i = torch.tensor([1, 2]);
    expectMatches(i.newFull([2, 2], 1.5), C.new_full_int, 'newFull');
    expectMatches(i.newTensor([1.5, -2.7]), C.new_tensor_int, 'newTensor');
    expectMatches(torch.zeros(2, { dtype: torch.float64 }).newOnes(3), C.new_ones_f64, 'newOnes');
    expectMatches(i.newZeros([2, 1]), C.new_zeros_int, 'newZeros');
    const e = torch.zeros(1, { dtype: torch.float64 }).newEmpty(2, 3);
    expect([e.shape, e.dtype]).toEqual([[2, 3], torch.float64]);
    const f = torch.zeros(1).newZeros([2], { dtype: torch.int32, requiresGrad: false });
    expect(f.dtype).toBe(torch.int32);
    const src = torch.tensor([1, 2], { dtype: torch.float64, requiresGrad: true });
    const copy = torch.zeros(1).newTensor(src);
    expect([copy.dtype, copy.requiresGrad, copy.gradFn]).toEqual([torch.float32, false, null]);
  });
  it('elementSize', () => {
    const dtypes = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.uint8, torch.bool];
    expect(dtypes.map((d) => torch.zeros(1, { dtype: d }).elementSize())).toEqual(C.element_size as unknown as number[]);
  });
  it("scatter's reduce 'add' and 'multiply' (values; backward throws as PyTorch's)", () => {
    const idx = long([[0, 1], [0, 2]]);
    expectMatches(torch.zeros(3, 2).scatter(0, idx, torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 }), { reduce: 'add' }), C.scatter_add, 'add');
    expectMatches(torch.full([3, 2], 2, { dtype: torch.float32 }).scatter(0, idx, 3, { reduce: 'multiply' }), C.scatter_multiply, 'multiply');
    const inPlace = torch.full([3, 2], 2, { dtype: torch.float32 });
    inPlace.scatter_(0, idx, 3, { reduce: 'multiply' });
    expectMatches(inPlace, C.scatter_multiply, 'multiply in place');
    const x = torch.ones(3, 2, { requiresGrad: true });
    const y = x.scatter(0, idx, 2, { reduce: 'add' });
    expect(y.gradFn!.name).toBe('NotImplemented');
    expect(() => y.sum().backward()).toThrow('derivative for aten::scatter is not implemented');
    expect(() => torch.zeros(2).scatter(0, long([0]), 1, { reduce: 'max' as 'add' })).toThrow('reduce argument must be either add or multiply.');
  });
  it('integer scatterReduce: mean floors, amax without self starts from the scattered values', () => {
    expectMatches(torch.tensor([1, 2, 3]).scatterReduce(0, long([0, 0, 2, 2]), torch.tensor([4, 5, 6, 8]), 'mean'), C.scatter_reduce_int_mean, 'mean');
    expectMatches(torch.tensor([1, 2, 3]).scatterReduce(0, long([0, 0]), torch.tensor([-4, -5]), 'amax', { includeSelf: false }), C.scatter_reduce_int_amax_excl, 'amax');
    // int64's largest value is no double: amin without self must not start from a rounded one
    // (PyTorch 1.13 gives [3, 7, -4] for both int64 and int32).
    for (const dtype of [torch.int64, torch.int32]) {
      const x = torch.tensor([5, 7, 1], { dtype });
      const src = torch.tensor([3, 9, -4], { dtype });
      expect(x.scatterReduce(0, long([0, 0, 2]), src, 'amin', { includeSelf: false }).tolist()).toEqual([3, 7, -4]);
      expect(x.scatterReduce(0, long([0, 0, 2]), src, 'amax', { includeSelf: false }).tolist()).toEqual([9, 7, -4]);
    }
    expect(() => torch.zeros(3).scatterReduce(0, long([0]), torch.zeros(1), 'max' as 'amax')).toThrow(
      'reduce argument must be either sum, prod, mean, amax or amin, got max',
    );
  });
});

function expectClose(actual: Tensor, expected: Ser, digits: number): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype.name).toBe(expected.dtype);
  const got = Array.from(actual.dataSync() as ArrayLike<number>, Number);
  expected.data.forEach((v, i) => expect(got[i] / Number(v)).toBeCloseTo(1, digits));
}
