/**
 * The shape, index and structured-creation ops: PyTorch's error messages for bad
 * arguments, view semantics (split pieces, unfold and diagonal share storage), in-place
 * forms (version counter, history), and gradients by finite differences in float64.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';

const long = (data: number[] | number[][] | number) => torch.tensor(data as number[], { dtype: torch.int64 });
const values = (t: Tensor) => Array.from(t.contiguous().dataSync() as ArrayLike<number>, Number);

describe('errors (PyTorch 1.13 messages, or newer where PyTorch now checks more)', () => {
  const x = torch.zeros(4, 6);
  const cases: [string, () => unknown, string][] = [
    // A 0-d tensor unsqueezes or stacks at dims [-1, 0] only (PyTorch's maybe_wrap_dim(dim, 1)).
    ['unsqueeze 0-d past the end', () => torch.tensor(2.5).unsqueeze(1), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)'],
    ['stack 0-d past the end', () => torch.stack([torch.tensor(1.5), torch.tensor(2.5)], 1), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)'],
    ['split sizes', () => x.split([1, 4], 1), "split_with_sizes expects split_sizes to sum exactly to 6 (input tensor's size at dimension 1), but got split_sizes=[1, 4]"],
    ['split 0', () => x.split(0, 1), 'split_size can only be 0 if dimension size is 0, but got dimension size of 6'],
    ['chunk 0', () => x.chunk(0), 'chunk expects `chunks` to be greater than 0, got: 0'],
    ['tensorSplit 0', () => torch.tensorSplit(x, 0), 'number of sections must be larger than 0, got 0'],
    ['tensorSplit 2-d', () => torch.tensorSplit(x, long([[1]])), 'tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with 2 dims'],
    ['repeat rank', () => x.repeat(2), 'Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor'],
    ['repeatInterleave size', () => x.repeatInterleave(long([1, 2]), 0), 'repeats must have the same size as input along dim'],
    ['repeatInterleave negative', () => x.repeatInterleave(-1), 'repeats can not be negative'],
    ['repeatInterleave outputSize', () => x.repeatInterleave(long([1, 1, 1, 1]), 0, { outputSize: 5 }), 'allocated size does not match required size'],
    ['flip repeated', () => x.flip(0, 0), 'dim 0 appears multiple times in the list of dims'],
    ['roll align', () => x.roll([1, 2]), 'shifts and dimensions must align. shifts: 2, dims:0'],
    ['roll align dims', () => x.roll([1, 2], [0]), 'shifts and dimensions must align. shifts: 2, dims:1'],
    ['rot90 same', () => x.rot90(1, [0, 0]), 'expected rotation dims to be different, but got dim0 = 0 and dim1 = 0'],
    ['rot90 one dim', () => x.rot90(1, [0]), 'expected total rotation dims == 2, but got dims = 1'],
    ['rot90 1-D', () => torch.zeros(3).rot90(), 'expected total dims >= 2, but got total dims = 1'],
    ['movedim count', () => x.movedim([0, 1], [0]), 'movedim: Invalid source or destination dims: source ([0, 1] dims) should contain the same number of dims as destination ([0] dims)'],
    ['movedim repeated', () => x.movedim([0, 0], [0, 1]), 'movedim: repeated dim in `source` ([0, 0])'],
    ['unfold size', () => x.unfold(1, 7, 1), 'maximum size for tensor at dimension 1 is 6 but size is 7'],
    ['unfold step', () => x.unfold(1, 2, 0), 'step is 0 but must be > 0'],
    ['take range', () => x.take(long([24])), 'out of range: tried to access index 24 on a tensor of 24 elements.'],
    ['take dtype', () => x.take(torch.tensor([0.5])), 'take(): Expected a long tensor for index, but got Float'],
    ['takeAlongDim rank', () => torch.takeAlongDim(x, long([0]), 1), 'torch.take_along_dim(): input and indices should have the same number of dimensions, but got 2 dimensions for input, and 1 dimensions for indices'],
    ['maskedFill value', () => x.maskedFill(torch.ones(6, { dtype: torch.bool }), torch.tensor([1])), 'masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).'],
    ['maskedFill mask dtype', () => x.maskedFill(torch.ones(6), 1), 'masked_fill_ only supports boolean masks, but got mask with dtype float32'],
    ['maskedScatter source', () => x.maskedScatter(torch.ones(4, 6, { dtype: torch.bool }), torch.zeros(3)), 'Number of elements of source < number of ones in mask'],
    ['indexAdd count', () => x.indexAdd(0, long([0, 1]), torch.zeros(3, 6)), 'index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 0'],
    ['indexAdd index dtype', () => x.indexAdd(0, torch.tensor([0.5]), torch.zeros(1, 6)), 'index_add_(): Expected dtype int32/int64 for index but got: Float'],
    ['indexAdd source dtype', () => x.indexAdd(0, long([0]), torch.zeros(1, 6, { dtype: torch.float64 })), 'index_add_(): self (Float) and source (Double) must have the same scalar type'],
    ['indexFill value', () => x.indexFill(0, long([0]), torch.tensor([1, 2])), 'index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).'],
    ['indexCopy range', () => x.indexCopy(0, long([9]), torch.zeros(1, 6)), 'index 9 is out of bounds for dimension 0 with size 4'],
    ['tril 1-D', () => torch.zeros(3).tril(), 'tril: input tensor must have at least 2 dimensions'],
    ['diag 3-D', () => torch.diag(torch.zeros(2, 2, 2)), 'diag(): Supports 1D or 2D tensors. Got 3D'],
    ['diagonal same dims', () => x.diagonal(0, 1, 1), 'diagonal dimensions cannot be identical 1, 1'],
    ['meshgrid 2-D', () => torch.meshgrid(torch.zeros(2, 2)), 'torch.meshgrid: Expected 0D or 1D tensor in the tensor list'],
    ['meshgrid indexing', () => torch.meshgrid(torch.zeros(2), { indexing: 'ab' as 'ij' }), 'torch.meshgrid: indexing must be one of "xy" or "ij", but received: ab'],
    ['hstack empty', () => torch.hstack([]), 'hstack expects a non-empty TensorList'],
    ['array index of floats', () => x.index([0.5]), 'an array index must hold integers or booleans'],
  ];
  for (const [name, fn, message] of cases) it(name, () => expect(fn).toThrow(message));
});

describe('views and in-place forms', () => {
  it('split, chunk, unbind, tensorSplit, unfold and diagonal are views of the input', () => {
    const x = torch.arange(12, { dtype: torch.float32 }).reshape(3, 4);
    x.split(2, 1)[1].fill_(-1);
    torch.chunk(x, 3, 0)[2].fill_(0);
    x.unbind(0)[0].add_(100);
    torch.tensorSplit(x, [1], 1)[0].fill_(7);
    expect(values(x)).toEqual([7, 101, 99, 99, 7, 5, -1, -1, 7, 0, 0, 0]);
    const y = torch.arange(6, { dtype: torch.float32 });
    const windows = y.unfold(0, 2, 2);
    windows.index(1).fill_(0);
    expect(values(y)).toEqual([0, 1, 0, 0, 4, 5]);
    const m = torch.zeros(3, 3);
    m.diagonal(1).fill_(2);
    expect(values(m)).toEqual([0, 2, 0, 0, 0, 2, 0, 0, 0]);
  });

  it('flip, roll, repeat and narrowCopy copy; narrowCopy has no derivative, as in PyTorch 1.13', () => {
    const x = torch.arange(4, { dtype: torch.float32 }).requiresGrad_();
    const n = torch.narrowCopy(x, 0, 1, 2);
    expect(values(n)).toEqual([1, 2]);
    expect(n.gradFn!.name).toBe('NotImplemented');
    expect(() => n.sum().backward()).toThrow('derivative for aten::narrow_copy is not implemented');
    const base = torch.arange(4, { dtype: torch.float32 });
    const flipped = base.flip(0);
    flipped.fill_(9);
    expect(values(base)).toEqual([0, 1, 2, 3]);
  });

  it('in-place forms write into self, bump the version and record history', () => {
    const x = torch.zeros(3, 2);
    const v0 = x._version.value;
    expect(x.indexAdd_(0, long([2, 2]), torch.ones(2, 2), { alpha: 3 })).toBe(x);
    expect(values(x)).toEqual([0, 0, 0, 0, 6, 6]);
    x.indexFill_(1, long([0]), -1).indexCopy_(0, long([1]), torch.tensor([[5, 5]], { dtype: torch.float32 }));
    x.maskedFill_(x.eq(6), 1).maskedScatter_(x.eq(5), torch.tensor([8, 9], { dtype: torch.float32 }));
    expect(values(x)).toEqual([-1, 0, 8, 9, -1, 1]);
    x.tril_().triu_(-1);
    expect(values(x)).toEqual([-1, 0, 8, 9, 0, 1]);
    x.scatterReduce_(0, long([[0, 0]]), torch.tensor([[4, -4]], { dtype: torch.float32 }), 'amax');
    expect(values(x)).toEqual([4, 0, 8, 9, 0, 1]);
    expect(x._version.value).toBeGreaterThan(v0 + 7);
    const leaf = torch.ones(2, 2, { requiresGrad: true });
    expect(() => leaf.tril_()).toThrow('a leaf Variable that requires grad');
    const w = torch.ones(2, 2, { requiresGrad: true });
    const y = w.mul(2);
    y.indexFill_(0, long([0]), 0);
    expect(y.gradFn!.name).toBe('IndexFillBackward0');
    y.sum().backward();
    expect(values(w.grad!)).toEqual([0, 0, 2, 2]);
  });

  it('meshgrid outputs are expanded views; logspace and new* honour options', () => {
    const [gx, gy] = torch.meshgrid([torch.tensor([1, 2]), torch.tensor([3, 4, 5])], { indexing: 'ij' });
    expect(gx.stride()).toEqual([1, 0]);
    expect(gy.stride()).toEqual([0, 1]);
    expect(torch.logspace(0, 1, 2, { dtype: torch.float64 }).dtype).toBe(torch.float64);
    const r = torch.zeros(1).newOnes([2], { requiresGrad: true });
    expect(r.requiresGrad).toBe(true);
    expect(values(torch.repeatInterleave(long([2, 0, 1])))).toEqual([0, 0, 2]);
    expect(torch.tensor([true]).newTensor([1, 0]).dtype).toBe(torch.bool);
    expect(torch.tensor([2 ** 60]).newTensor([2 ** 60 + 256]).tolist()).toEqual([2 ** 60 + 256]);
  });
});

describe('gradients by finite differences (float64)', () => {
  const x = torch.randn(3, 4, { dtype: torch.float64 });
  const s = torch.randn(2, 4, { dtype: torch.float64 });
  const checks: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['repeat', (t) => t.repeat(2, 1, 3), [x]],
    ['repeatInterleave', (t) => t.repeatInterleave(long([2, 0, 1]), 0), [x]],
    ['roll', (t) => t.roll([2, -1], [1, 0]), [x]],
    ['rot90', (t) => t.rot90(1), [x]],
    ['unfold', (t) => t.unfold(1, 2, 1), [x]],
    ['take', (t) => t.take(long([[1, 1], [11, -3]])), [x]],
    ['maskedScatter', (t, u) => t.maskedScatter(t.gt(0), u.reshape(-1).repeat(2)), [x, s]],
    ['indexAdd', (t, u) => t.indexAdd(0, long([1, 1]), u, { alpha: 0.5 }), [x, s]],
    ['indexCopy', (t, u) => t.indexCopy(0, long([2, 0]), u), [x, s]],
    ['scatterReduce prod', (t, u) => t.scatterReduce(0, long([[0, 1, 2, 0], [0, 2, 2, 1]]), u, 'prod'), [x, s]],
    ['scatterReduce mean', (t, u) => t.scatterReduce(0, long([[0, 1, 2, 0], [0, 2, 2, 1]]), u, 'mean', { includeSelf: false }), [x, s]],
    ['scatterReduce amin', (t, u) => t.scatterReduce(0, long([[0, 1, 2, 0], [0, 2, 2, 1]]), u, 'amin'), [x, s]],
    ['diagEmbed', (t) => torch.diagEmbed(t, -1, 2, 0), [x]],
    ['diag', (t) => torch.diag(t, 1), [x]],
    ['tril', (t) => t.tril(-1), [x]],
  ];
  for (const [name, fn, inputs] of checks) {
    it(name, () => {
      const r = gradcheck(fn, inputs.map((t) => t.clone().requiresGrad_()));
      expect(r.failures).toEqual([]);
      expect(r.ok).toBe(true);
    });
  }
});

describe('unsqueeze(-1) of a 0-d tensor', () => {
  it('adds dim 0, and its gradient comes back through it', () => {
    const a = torch.tensor(2.5, { dtype: torch.float64, requiresGrad: true });
    const b = a.unsqueeze(-1);
    expect([...b.shape]).toEqual([1]);
    b.mul(3).sum().backward();
    expect(a.grad!.item()).toBe(3);
  });
});
