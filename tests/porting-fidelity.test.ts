/**
 * What a line-by-line port of a PyTorch script writes, and must get PyTorch's answer for
 * (issue 13's fidelity bugs): JS number literals with requiresGrad, scalar-first free
 * functions, DataLoader's positional batch size, the (values, indices) pair and the tensor
 * protocol. Computed values come from tests/fixtures/porting.json, written by PyTorch 1.13.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

// Written by PyTorch 1.13 (scripts/make_porting_fixtures.py).
const PYTORCH = JSON.parse(readFileSync(new URL('./fixtures/porting.json', import.meta.url), 'utf8')) as {
  scalar_first: Record<string, { values: number[]; gradFn: string; grad: number[] }>;
  max_min: { x: number[][]; max1: { values: number[]; indices: number[] }; min0: { values: number[]; indices: number[] } };
};

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
  it('values, grad_fn names and gradients', () => {
    const calls: Record<string, (a: torch.Tensor) => torch.Tensor> = {
      add: (a) => torch.add(1, a),
      sub: (a) => torch.sub(1, a),
      mul: (a) => torch.mul(2, a),
      div: (a) => torch.div(1, a),
      add_alpha: (a) => torch.add(1, a, { alpha: 2 }),
      sub_alpha: (a) => torch.sub(1, a, { alpha: 2 }),
    };
    expect(Object.keys(calls).sort()).toEqual(Object.keys(PYTORCH.scalar_first).sort());
    for (const [name, fn] of Object.entries(calls)) {
      const expected = PYTORCH.scalar_first[name];
      const a = torch.tensor([2.0, 4.0], { requiresGrad: true });
      const y = fn(a);
      expect(values(y), name).toEqual(expected.values);
      expect(y.gradFn!.name, name).toBe(expected.gradFn);
      y.sum().backward();
      expect(values(a.grad!), name).toEqual(expected.grad);
    }
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
  const x = torch.tensor(PYTORCH.max_min.x, { dtype: torch.float32 });
  const ints = (t: torch.Tensor) => Array.from(t.dataSync() as BigInt64Array, Number);
  it('.values and .indices, and destructuring', () => {
    const r = x.max(1);
    expect(values(r.values)).toEqual(PYTORCH.max_min.max1.values);
    expect(ints(r.indices)).toEqual(PYTORCH.max_min.max1.indices);
    const [v, i] = x.min(0);
    expect(values(v)).toEqual(PYTORCH.max_min.min0.values);
    expect(ints(i)).toEqual(PYTORCH.max_min.min0.indices);
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

describe('item() has one type', () => {
  it('numbers from every dtype, 1/0 from bool, and itemBool() for a typed boolean', () => {
    const n: number = torch.tensor([2.5]).item();
    expect(n).toBe(2.5);
    expect(torch.tensor(true).item()).toBe(1);
    expect(torch.tensor([1, 2]).eq(2).any().itemBool()).toBe(true);
    expect(torch.zeros(1).itemBool()).toBe(false);
    expect(() => torch.zeros(2).itemBool()).toThrow('a Tensor with 2 elements cannot be converted to Scalar');
  });
});

describe('tensors iterate their first dimension', () => {
  it('for..of and destructuring give rows, with gradients flowing back', () => {
    const x = torch.arange(6, { dtype: 'float32' }).reshape(2, 3).requiresGrad_();
    const rows = [...x];
    expect(rows.map((r) => r.tolist())).toEqual([[0, 1, 2], [3, 4, 5]]);
    const [first] = x;
    first.sum().backward();
    expect(x.grad!.tolist()).toEqual([[1, 1, 1], [0, 0, 0]]);
    expect(() => [...(torch.tensor(1) as unknown as Iterable<unknown>)]).toThrow(TypeError);
  });
});
