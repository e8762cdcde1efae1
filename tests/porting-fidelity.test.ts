/**
 * What a line-by-line port of a PyTorch script writes, and must get PyTorch's answer for
 * (issue 13's fidelity bugs): JS number literals with requiresGrad, scalar-first free
 * functions, and DataLoader's positional batch size. Expected values printed by
 * PyTorch 1.13 (/usr/bin/python3).
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';

const values = (t: torch.Tensor) => Array.from(t.dataSync() as Float32Array | Float64Array, Number);

describe('torch.tensor and torch.full with requiresGrad infer a float dtype', () => {
  it('torch.tensor([2., 3.], requires_grad=True) is float32 (JS writes 2. as 2)', () => {
    const x = torch.tensor([2, 3], { requiresGrad: true });
    expect(x.dtype).toBe(torch.float32);
    x.mul(x).sum().backward();
    expect(values(x.grad!)).toEqual([4, 6]);
    expect(torch.full([], 0, { requiresGrad: true }).dtype).toBe(torch.float32);
  });

  it('follows the default dtype, keeps an explicit dtype, and infers int64 without requiresGrad', () => {
    torch.setDefaultDtype(torch.float64);
    try {
      expect(torch.tensor([1, 2], { requiresGrad: true }).dtype).toBe(torch.float64);
    } finally {
      torch.setDefaultDtype(torch.float32);
    }
    expect(torch.tensor([1, 2]).dtype).toBe(torch.int64);
    expect(torch.full([2], 3).dtype).toBe(torch.int64);
    expect(() => torch.tensor([1, 2], { dtype: torch.int64, requiresGrad: true })).toThrow(
      'only Tensors of floating point dtype can require gradients',
    );
    expect(() => torch.tensor([true], { requiresGrad: true })).toThrow('only Tensors of floating point dtype can require gradients');
  });
});

describe('add, sub, mul and div take their first operand as a scalar, as PyTorch', () => {
  it('values and grad_fn names', () => {
    const a = torch.tensor([2.0, 4.0], { requiresGrad: true });
    const cases: [torch.Tensor, number[], string][] = [
      [torch.add(1, a), [3, 5], 'AddBackward0'],
      [torch.sub(1, a), [-1, -3], 'SubBackward0'],
      [torch.mul(2, a), [4, 8], 'MulBackward0'],
      [torch.div(1, a), [0.5, 0.25], 'DivBackward0'],
      [torch.add(1, a, { alpha: 2 }), [5, 9], 'AddBackward0'],
      [torch.sub(1, a, { alpha: 2 }), [-3, -7], 'SubBackward0'],
    ];
    for (const [y, expected, name] of cases) {
      expect(values(y)).toEqual(expected);
      expect(y.gradFn!.name).toBe(name);
    }
    torch.div(1, a).sum().backward();
    expect(values(a.grad!)).toEqual([-0.25, -0.0625]);
  });

  it('the scalar promotes as a Python number does', () => {
    expect(torch.add(1, torch.tensor([2], { dtype: torch.int32 })).dtype).toBe(torch.int32);
    expect(torch.add(1.5, torch.tensor([2], { dtype: torch.int32 })).dtype).toBe(torch.float32);
    expect(torch.mul(2, torch.tensor([1], { dtype: torch.float16 })).dtype).toBe(torch.float16);
    expect(values(torch.div(1, torch.tensor([2, 4]), { roundingMode: 'floor' }))).toEqual([0, 0]);
    const both = torch.add(1, 2);
    expect(both.dtype).toBe(torch.int64);
    expect(both.item()).toBe(3);
  });
});

describe('DataLoader takes batch_size as its second positional argument', () => {
  const ds = new torch.utils.data.TensorDataset(torch.arange(25));

  it('DataLoader(ds, 10) gives batches of 10, 10 and 5', () => {
    const sizes = [...new torch.utils.data.DataLoader(ds, 10)].map(([x]) => (x as torch.Tensor).shape[0]);
    expect(sizes).toEqual([10, 10, 5]);
    const dropped = [...new torch.utils.data.DataLoader(ds, 10, { dropLast: true })].length;
    expect(dropped).toBe(2);
  });

  it('refuses batch_size given twice', () => {
    expect(() => new torch.utils.data.DataLoader(ds, 10, { batchSize: 5 })).toThrow(
      "DataLoader(): got multiple values for argument 'batch_size'",
    );
  });
});

describe('max(dim) and min(dim) return PyTorch\'s (values, indices) pair', () => {
  const x = torch.tensor([[1, 5, 3], [4, 2, 6]], { dtype: torch.float32 });
  it('.values and .indices, and destructuring', () => {
    const r = x.max(1);
    expect(values(r.values)).toEqual([5, 6]);
    expect(Array.from(r.indices.dataSync() as BigInt64Array, Number)).toEqual([1, 2]);
    const [v, i] = x.min(0);
    expect(values(v)).toEqual([1, 2, 3]);
    expect(Array.from(i.dataSync() as BigInt64Array, Number)).toEqual([0, 1, 0]);
    const { values: mv, indices: mi } = torch.min(x, 0) as torch.ValuesIndices;
    expect(mv.shape).toEqual([3]);
    expect(mi.dtype).toBe(torch.int64);
  });
});

describe('the Tensor protocol PyTorch code leans on', () => {
  it('type(), byte(), char(), short(), bfloat16()', () => {
    const x = torch.tensor([[1.5, 2], [3, 4]]);
    expect(x.type()).toBe('torch.FloatTensor');
    expect(x.type(torch.int32).dtype).toBe(torch.int32);
    expect(x.type('torch.DoubleTensor').dtype).toBe(torch.float64);
    expect(x.type('float64').dtype).toBe(torch.float64);
    expect(x.byte().dtype).toBe(torch.uint8);
    expect(x.char().dtype).toBe(torch.int8);
    expect(x.short().dtype).toBe(torch.int16);
    expect(x.bfloat16().dtype).toBe(torch.bfloat16);
    expect(torch.tensor([1], { dtype: torch.int32 }).type()).toBe('torch.IntTensor');
    expect(torch.tensor([true]).type()).toBe('torch.BoolTensor');
    expect(() => x.type('torch.NopeTensor')).toThrow("invalid type: 'torch.NopeTensor'");
  });

  it('prints in a template string, and refuses to be added as a string', () => {
    const x = torch.tensor([1.5, 2]);
    expect(`${x}`).toBe('tensor([1.5000, 2.0000])');
    expect(String(x)).toBe('tensor([1.5000, 2.0000])');
    // @ts-expect-error a + b on tensors is what this refuses
    expect(() => x + x).toThrow('use a.add(b)');
  });
});
