// Indexing (numbers, slice strings, null, '...', int64 and bool tensors), indexPut_,
// gather / scatter / scatterAdd, against PyTorch values in tests/fixtures/ops.json
// (scripts/make_fixtures.py), with gradients and float64 gradchecks.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { runCases, valuesOf, type Op } from './helpers/reference.js';

const table: Record<string, Op> = {
  index_int: ([a]) => a.index(1),
  index_neg_int: ([a]) => a.index(-1),
  slice_1_3: ([a]) => a.index('1:3'),
  slice_to_2: ([a]) => a.index(':2'),
  slice_step_2: ([a]) => a.index('::2'),
  slice_from_1: ([a]) => a.index('1:'),
  slice_neg_2: ([a]) => a.index('-2:'),
  slice_all: ([a]) => a.index(':'),
  slice_neg_stop: ([a]) => a.index('1:-1'),
  slice_start_stop_step: ([a]) => a.index('1:4:2'),
  index_none: ([a]) => a.index(null),
  index_ellipsis: ([a]) => a.index('...'),
  index_tensor: ([a, i]) => a.index(i),
  index_tensor_dup: ([a, i]) => a.index(i),
  index_tensor_neg: ([a, i]) => a.index(i),
  index_tensor_2d: ([a, i]) => a.index(i),
  index_mask: ([a, m]) => a.index(m),
  index_mask_rows: ([a, m]) => a.index(m),
  ellipsis_int: ([a]) => a.index('...', 0),
  colon_tensor: ([a, i]) => a.index(':', i),
  int_slice: ([a]) => a.index(0, '1:3'),
  slice_slice: ([a]) => a.index('1:3', '::2'),
  colon_none_int: ([a]) => a.index(':', null, 1),
  int_ellipsis_int: ([a]) => a.index(1, '...', 2),
  ellipsis_slice: ([a]) => a.index('...', '1:'),
  colon_int_slice: ([a]) => a.index(':', 1, '2:'),
  two_tensors: ([a, i, j]) => a.index(i, j),
  index_int64_input: ([a]) => a.index('1:', 0),

  // indexPut_ on a clone, so gradients reach the leaf
  indexput_number_pair: ([a]) => a.clone().indexPut_([1, 2], 5),
  indexput_row_scalar: ([a]) => a.clone().indexPut_([2], -1),
  indexput_slice_scalar: ([a]) => a.clone().indexPut_([':', '1:3'], 0),
  indexput_mask_scalar: ([a, m]) => a.clone().indexPut_([m], 0),
  indexput_slice_tensor: ([a, v]) => a.clone().indexPut_([0, '1:3'], v),
  indexput_broadcast_value: ([a, v]) => a.clone().indexPut_(['1:3'], v),
  indexput_mask_tensor: ([a, m, v]) => a.clone().indexPut_([m], v),
  indexput_tensor_index: ([a, i, v]) => a.clone().indexPut_([i], v),

  gather_dim0: ([a, i]) => torch.gather(a, 0, i),
  gather_dim1: ([a, i]) => torch.gather(a, 1, i),
  gather_dim1_dup: ([a, i]) => torch.gather(a, 1, i),
  scatter_dim0: ([a, i, s]) => a.scatter(0, i, s),
  scatter_dim1: ([a, i, s]) => a.scatter(1, i, s),
  scatter_add_dim0: ([a, i, s]) => a.scatterAdd(0, i, s),
  scatter_add_dim1: ([a, i, s]) => a.scatterAdd(1, i, s),
  gather_float64: ([a, i]) => torch.gather(a, 1, i),
};

describe('indexing vs PyTorch', () => {
  runCases('indexing', table);
});

describe('indexing details', () => {
  // x[i][j] = 10 i + j
  const x = () =>
    torch
      .tensor(
        Array.from({ length: 12 }, (_, k) => 10 * Math.floor(k / 4) + (k % 4)),
        { dtype: torch.float32 },
      )
      .reshape(3, 4);
  const idx = (v: number[]) => torch.tensor(v, { dtype: torch.int64 });

  it('numbers drop a dimension, slices keep it', () => {
    expect(x().index(1).shape).toEqual([4]);
    expect(valuesOf(x().index(1))).toEqual([10, 11, 12, 13]);
    expect(x().index('1:2').shape).toEqual([1, 4]);
    expect(valuesOf(x().index(-1, -1))).toEqual([23]);
    expect(x().index(-1, -1).shape).toEqual([]);
  });

  it('slice strings follow Python semantics (clamped bounds, steps)', () => {
    expect(valuesOf(x().index(0, '::3'))).toEqual([0, 3]);
    expect(valuesOf(x().index(0, '1:100'))).toEqual([1, 2, 3]);
    expect(valuesOf(x().index(0, '-3:-1'))).toEqual([1, 2]);
    expect(x().index('5:').shape).toEqual([0, 4]);
    expect(valuesOf(x().index(':', 1))).toEqual([1, 11, 21]);
  });

  it('null inserts an axis and ... fills the remaining dims', () => {
    expect(x().index(null, ':', null).shape).toEqual([1, 3, 1, 4]);
    expect(valuesOf(x().index('...', 2))).toEqual([2, 12, 22]);
  });

  it('int64 and bool tensor indices select rows', () => {
    expect(valuesOf(x().index(idx([2, 0])))).toEqual([20, 21, 22, 23, 0, 1, 2, 3]);
    const mask = torch.tensor([true, false, true]);
    expect(x().index(mask).shape).toEqual([2, 4]);
    expect(valuesOf(x().index(x().gt(21)))).toEqual([22, 23]);
  });

  it('indexing gradients: select, slice and repeated tensor indices accumulate', () => {
    const a = torch.tensor([1, 2, 3, 4], { dtype: torch.float32, requiresGrad: true });
    a.index(idx([0, 2, 0])).sum().add(a.index('1:3').sum()).add(a.index(-1)).backward();
    if (!a.grad) throw new Error('no grad');
    expect(valuesOf(a.grad)).toEqual([2, 1, 2, 1]);
  });

  it('indexPut_ writes in place and returns the tensor', () => {
    const t = x();
    const r = t.indexPut_([0, '1:3'], 7);
    expect(r).toBe(t);
    expect(valuesOf(t.index(0))).toEqual([0, 7, 7, 3]);
    t.indexPut_([t.gt(20)], -1);
    expect(valuesOf(t.index(2))).toEqual([20, -1, -1, -1]);
    t.indexPut_([':', 0], torch.tensor([5, 6, 7], { dtype: torch.float32 }));
    expect(valuesOf(t.index(':', 0))).toEqual([5, 6, 7]);
  });

  it('gather, scatter and scatterAdd', () => {
    const g = torch.gather(x(), 1, torch.tensor([[3, 0], [1, 1], [0, 2]], { dtype: torch.int64 }));
    expect(valuesOf(g)).toEqual([3, 0, 11, 11, 20, 22]);
    const z = torch.zeros(2, 3);
    const src = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: torch.float32 });
    const i = torch.tensor([[0, 1, 0], [1, 0, 1]], { dtype: torch.int64 });
    expect(valuesOf(z.scatter(0, i, src))).toEqual([1, 5, 3, 4, 2, 6]);
    const j = torch.tensor([[0, 0, 2], [1, 1, 1]], { dtype: torch.int64 });
    expect(valuesOf(z.scatterAdd(1, j, src))).toEqual([3, 0, 3, 0, 15, 0]);
    expect(valuesOf(z)).toEqual([0, 0, 0, 0, 0, 0]); // out-of-place forms leave z alone
  });
});

describe('a 0-d bool index', () => {
  // PyTorch 1.13: x[True] adds a dim of size 1 (x[False] one of size 0) and consumes none.
  it('adds a dim of size 1 or 0, in reads, writes and gradients', () => {
    const x = torch.tensor([1, 2, 3]);
    expect(x.index(torch.tensor(true)).shape).toEqual([1, 3]);
    expect(x.index(torch.tensor(true)).tolist()).toEqual([[1, 2, 3]]);
    expect(x.index(torch.tensor(false)).shape).toEqual([0, 3]);
    const m = torch.tensor([[1, 2], [3, 4]]);
    expect(m.index(torch.tensor(true)).shape).toEqual([1, 2, 2]);
    expect(m.index(0, torch.tensor(true)).shape).toEqual([1, 2]);
    expect(m.index(torch.tensor(true), 1).tolist()).toEqual([[3, 4]]);
    expect(m.index(0, torch.tensor(true)).tolist()).toEqual([[1, 2]]);
    const y = m.clone();
    y.indexPut_([torch.tensor(true)], torch.tensor(7));
    expect(y.tolist()).toEqual([[7, 7], [7, 7]]);
    const z = m.clone();
    z.indexPut_([torch.tensor(false)], torch.tensor(7));
    expect(z.tolist()).toEqual([[1, 2], [3, 4]]);
    const g = torch.tensor([1.0, 2.0], { requiresGrad: true });
    g.index(torch.tensor(true)).mul(torch.tensor([[3, 4]])).sum().backward();
    expect(g.grad!.tolist()).toEqual([3, 4]);
  });
});
