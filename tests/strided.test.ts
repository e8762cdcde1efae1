/**
 * The storage-level ops against PyTorch 1.13 (tests/fixtures/strided.json, written by
 * scripts/make_strided_fixtures.py): asStrided / asStrided_ / asStridedScatter, emptyStrided,
 * resize_ / resizeAs_ / resize, put / put_, indexReduce / indexReduce_, logNormal_ from a seed,
 * sgn, typename and isSetTo: values, strides, grad_fn names, gradients (and a second order),
 * and error messages; float64 finite-difference gradchecks; that no view reaches outside
 * its storage; and that a storage grown by resize_ is accounted for natively and to V8.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import * as call from '../src/native/calls.generated.js';

interface OpCase {
  name: string;
  inputs: FixtureTensor[];
  out: FixtureTensor;
  stride: number[];
  offset: number;
  gradFn: string | null;
  grads?: (FixtureTensor | null)[];
}
interface ErrorRecord {
  type: string;
  message: string;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/strided.json', import.meta.url), 'utf8')) as {
  cases: OpCase[];
  doubleBackward: { name: string; gradFn: string; gi: FixtureTensor; gradGout: FixtureTensor }[];
  resizes: { name: string; isSelf: boolean; shape: number[]; stride: number[]; offset: number; storageBytes: number; prefix: FixtureTensor; version: number }[];
  viewGrow: { base: FixtureTensor; baseStorageBytes: number; viewShape: number[]; viewOffset: number; viewPrefix: FixtureTensor };
  deprecatedResize: { out: FixtureTensor; gradFn: string; grad: FixtureTensor; sharesStorage: boolean };
  asStridedVersionBump: number;
  emptyStrided: { size: number[]; stride: number[]; dtype: string; shape: number[]; strides: number[]; storageBytes: number }[];
  logNormal: { name: string; seed: number; args: number[]; generatorSeed: number | null; out: FixtureTensor; stride: number[]; follow?: FixtureTensor }[];
  logNormalGrad: { gradFn: string; grad: FixtureTensor };
  typenames: Record<string, string>;
  isSetTo: Record<string, boolean>;
  errors: Record<string, ErrorRecord>;
};
const E = FIXTURE.errors;
const msg = (key: string): string => E[key]!.message;
const i64 = (v: number[] | number[][]): Tensor => torch.tensor(v, { dtype: torch.int64 });
type Reduction = 'prod' | 'mean' | 'amax' | 'amin';

/** The fixture script's expressions, by case name. */
const OPS: Record<string, (...xs: Tensor[]) => Tensor> = {
  as_strided_window: (x) => x.asStrided([3, 2], [1, 1]),
  as_strided_repeat: (x) => torch.asStrided(x, [2, 3], [0, 1]),
  as_strided_offset: (x) => x.asStrided([2, 2], [3, 1], 2),
  as_strided_view_default_offset: (x) => x.index('2:').asStrided([2, 3], [1, 2]),
  as_strided_outside_input: (x) => x.index('3:').asStrided([3], [1], 1),
  as_strided_transposed: (x) => x.t().asStrided([2, 3], [4, 1], 1),
  as_strided_expanded_input: (x) => x.expand(3, 2).asStrided([2, 3], [1, 0]),
  as_strided_0d: (x) => x.asStrided([], [], 3),
  as_strided_empty: (x) => x.asStrided([0, 2], [1, 1]),
  as_strided_size1: (x) => x.asStrided([1, 3, 1], [7, 1, 5], 1),
  as_strided_nonleaf_3d: (x) => x.mul(1).view(2, 3, 4).asStrided([2, 2, 2], [12, 4, 1], 1),
  as_strided_int: (x) => x.asStrided([3, 3], [3, 1], 1),
  as_strided_view_inplace: (x) => {
    const h = x.mul(2);
    h.asStrided([2], [2], 1).mul_(3);
    return h;
  },
  as_strided__nonleaf: (x) => x.mul(1).asStrided_([2, 2], [2, 1], 1),
  as_strided__overlap: (x) => x.mul(2).asStrided_([3, 2], [1, 1]),
  as_strided_scatter_basic: (x, s) => torch.asStridedScatter(x, s, [3], [2], 1),
  as_strided_scatter_2d: (x, s) => x.asStridedScatter(s, [2, 2], [4, 1], 5),
  as_strided_scatter_default_offset: (x, s) => torch.asStridedScatter(x, s, [3], [1]),
  as_strided_scatter_view_input: (x, s) => torch.asStridedScatter(x.index('2:'), s, [2], [1]),
  as_strided_scatter_noncontig: (x, s) => torch.asStridedScatter(x.t(), s, [2], [1]),
  as_strided_scatter_overlap: (x, s) => torch.asStridedScatter(x, s, [2, 2], [1, 1], 0),
  put_basic: (x, s) => torch.put(x, i64([0, -1]), s),
  put_duplicates: (x, s) => x.put(i64([1, 1, -1]), s),
  put_accumulate: (x, s) => torch.put(x, i64([1, 1, -1]), s, true),
  put_index_2d: (x, s) => x.put(i64([[0, 1], [2, 3]]), s),
  put_noncontig: (x, s) => x.t().put(i64([0, 1, 5]), s),
  put_0d: (x, s) => torch.put(x, i64([0]), s),
  put_int_accumulate: (x) => torch.put(x, i64([0, 3, 3]), i64([10, 20, 30]), true),
  put_empty_index: (x) => torch.put(x, i64([]), torch.zeros(0, { dtype: torch.float64 })),
  put__nonleaf: (x, s) => x.mul(1).put_(i64([2, 0]), s, true),
  index_reduce_prod_zeros: (x, s) => x.indexReduce(0, i64([0, 0, 1, 1, 1]), s, 'prod'),
  index_reduce_mean_broadcast: (x, s) => x.indexReduce(0, i64([1, 1]), s, 'mean'),
  index_reduce_amax_1d: (x, s) => x.indexReduce(0, i64([1, 1, 4]), s, 'amax'),
  index_reduce_prod_0d: (x, s) => x.indexReduce(0, i64([0]), s, 'prod'),
  index_reduce_int32_index: (x, s) => x.indexReduce(-1, torch.tensor([1, 0], { dtype: torch.int32 }), s, 'amin'),
  index_reduce_float32: (x, s) => x.indexReduce(0, i64([0, 2, 0, 1]), s, 'mean', { includeSelf: false }),
  index_reduce__nonleaf: (x, s) => x.mul(1).indexReduce_(0, i64([0, 2, 0, 1]), s, 'amax'),
  sgn_float: (x) => torch.sgn(x),
  sgn_method: (x) => x.sgn(),
  sgn__nonleaf: (x) => x.mul(1).sgn_(),
  sgn_int: (x) => torch.sgn(x),
  sgn_uint8: (x) => x.sgn(),
  sgn_bool: (x) => torch.sgn(x),
};
for (const reduce of ['prod', 'mean', 'amax', 'amin'] as Reduction[]) {
  for (const includeSelf of [true, false]) {
    const name = `index_reduce_${reduce}${includeSelf ? '' : '_noself'}`;
    OPS[name] = (x, s) => x.indexReduce(0, i64([0, 2, 0, 1]), s, reduce, { includeSelf });
    OPS[`${name}_ties`] = (x, s) => torch.indexReduce(x, 0, i64([0, 2, 0, 1]), s, reduce, { includeSelf });
    OPS[`${name}_dim1`] = (x, s) => x.indexReduce(1, i64([2, 0, 2]), s, reduce, { includeSelf });
    OPS[`${name}_int`] = (x, s) => x.indexReduce(0, i64([0, 2, 0, 1]), s, reduce, { includeSelf });
  }
}

const weights = (o: Tensor): Tensor => torch.linspace(-1, 2, o.numel(), { dtype: o.dtype }).reshape(o.shape);
const leavesOf = (c: OpCase): Tensor[] => c.inputs.map((t) => fromFixture(t, { requiresGrad: t.dtype === 'float64' }));

describe('PyTorch 1.13 values, strides, grad_fns and gradients', () => {
  for (const c of FIXTURE.cases) {
    it(c.name, () => {
      const op = OPS[c.name];
      expect(op, `no expression for ${c.name}`).toBeDefined();
      const leaves = leavesOf(c);
      const out = op!(...leaves);
      expectClose(out, c.out, { rtol: 1e-12, atol: 1e-12 });
      if (c.name.startsWith('as_strided') && !c.name.startsWith('as_strided_scatter')) {
        expect(out.stride()).toEqual(c.stride);
        expect(out.storageOffset()).toBe(c.offset);
      }
      expect(out.gradFn?.name ?? null).toBe(c.gradFn?.replace('torch::autograd::', '') ?? null);
      if (!c.grads) return;
      out.mul(weights(out)).sum().backward();
      c.grads.forEach((g, i) => {
        if (g === null) expect(leaves[i]!.grad).toBeNull();
        else expectClose(leaves[i]!.grad!, g, { rtol: 1e-12, atol: 1e-12, label: `grad ${i}` });
      });
    });
  }
});

describe('asStrided', () => {
  it('is a view: writes through it reach the base and the other way round, with one version counter', () => {
    const base = torch.zeros(6);
    const v = base.asStrided([2, 2], [3, 1], 1);
    v.fill_(7);
    expect(base.tolist()).toEqual([0, 7, 7, 0, 7, 7]);
    base.index(2).fill_(-1);
    expect(v.tolist()).toEqual([[7, -1], [7, 7]]);
    expect(v._version).toBe(base._version);
    expect(v._base).toBe(base);
    // asStrided_ changes the geometry in place, a change PyTorch counts as a write.
    const before = base._version.value;
    const same = base.asStrided_([2], [2], 1);
    expect(same).toBe(base);
    expect(base._version.value - before).toBe(FIXTURE.asStridedVersionBump);
    expect(base.tolist()).toEqual([7, 0]);
  });

  it("refuses geometries outside the storage with PyTorch's messages", () => {
    const x = torch.arange(6, { dtype: torch.float32 });
    expect(() => x.asStrided([3, 3], [2, 1])).toThrow(msg('as_strided_oob'));
    expect(() => x.asStrided([2], [1], 5)).toThrow(msg('as_strided_oob_offset'));
    expect(() => torch.zeros(3, { dtype: torch.float16 }).asStrided([4], [1])).toThrow(msg('as_strided_oob_f16'));
    expect(() => x.asStrided([], [], 6)).toThrow(msg('as_strided_oob_0d'));
    expect(() => torch.arange(4).asStrided([2, 2], [2, 2])).toThrow(msg('as_strided_oob_int64'));
    expect(() => x.index('4:').asStrided([3], [1])).toThrow(msg('as_strided_oob_view'));
    expect(() => x.asStrided([2], [-1], 3)).toThrow(msg('as_strided_negative_stride'));
    expect(() => x.asStrided([2, 2], [2, -1], 3)).toThrow(msg('as_strided_negative_stride_2d'));
    expect(() => x.asStrided([2], [1], -1)).toThrow(msg('as_strided_negative_offset'));
    expect(() => x.asStrided([2, 3], [1])).toThrow(msg('as_strided_length_mismatch'));
    expect(() => x.asStrided([-1], [1])).toThrow(msg('as_strided_negative_size'));
    expect(() => torch.arange(6, { dtype: torch.float32 }).asStrided_([7], [1])).toThrow(msg('as_strided__oob'));
    expect(() => torch.zeros(6, { requiresGrad: true }).asStrided_([2], [1])).toThrow(msg('as_strided__leaf'));
    expect(() => x.asStrided([2.5], [1])).toThrow(TypeError);
  });

  it('checks against the bytes PyTorch allocates, not the larger native block behind them', () => {
    const x = torch.arange(6, { dtype: torch.float32 });
    // The allocator rounds 24 bytes up to a larger block; its tail is not the tensor's.
    expect(x._storage.nbytes).toBe(24);
    expect(() => x.asStrided([7], [1])).toThrow('out of bounds for storage of size 24');
    expect(() => x.asStrided([1], [1], 6)).toThrow('out of bounds for storage of size 24');
    expect(x.asStrided([1], [1], 5).item()).toBe(5);
    // Empty geometries reach nothing, so PyTorch lets their offset be anywhere.
    expect(x.asStrided([0, 2], [1, 1], 100).storageOffset()).toBe(100);
    // A huge size over stride 0 needs one element.
    expect(x.asStrided([2 ** 40], [0], 2).shape[0]).toBe(2 ** 40);
  });

  it.skipIf(!torch.cuda.isAvailable())('refuses geometries outside a CUDA storage', () => {
    const x = torch.arange(6, { dtype: torch.float32, device: 'cuda' });
    expect(() => x.asStrided([3, 3], [2, 1])).toThrow(msg('as_strided_oob'));
    expect(() => x.asStrided([2], [-1], 3)).toThrow(msg('as_strided_negative_stride'));
    expect(x.asStrided([3, 2], [1, 1]).cpu().tolist()).toEqual([[0, 1], [1, 2], [2, 3]]);
  });

  it('passes float64 gradchecks, overlapping windows and overlapping inputs included', () => {
    const x = torch.randn(8, { dtype: torch.float64 });
    gradcheck((t) => t.asStrided([4, 3], [1, 1]), [x.clone().requiresGrad_()]);
    gradcheck((t) => t.asStrided([2, 3, 2], [0, 2, 1], 1), [x.clone().requiresGrad_()]);
    gradcheck((t) => t.reshape(2, 4).t().asStrided([3, 2], [2, 1], 1), [x.clone().requiresGrad_()]);
    gradcheck((t) => t.index(':2').expand(3, 2).asStrided([2, 3], [1, 0]), [x.clone().requiresGrad_()]);
    gradcheck((t) => t.mul(1).asStrided_([3, 3], [2, 1], 1), [x.clone().requiresGrad_()]);
  });

  it("differentiates twice as PyTorch (the gradient's own backward is as_strided's)", () => {
    const makes: Record<string, (x: Tensor) => Tensor> = {
      window: (x) => x.asStrided([3, 2], [1, 1]),
      // PyTorch's x[:2].expand(3, 2), made of as_strided here: flint's slice is differentiable once.
      expanded_input: (x) => x.asStrided([3, 2], [0, 1]).asStrided([2, 3], [1, 0]),
    };
    for (const d of FIXTURE.doubleBackward) {
      const x = fromFixture(FIXTURE.cases[0]!.inputs[0]!).index(':4').clone().requiresGrad_();
      const o = makes[d.name]!(x);
      const gout = weights(o).clone().requiresGrad_();
      const [gi] = torch.autograd.grad(o, x, gout, { createGraph: true });
      expectClose(gi!, d.gi, { label: `${d.name} gi` });
      if (d.name === 'window') expect(gi!.gradFn?.name).toBe(d.gradFn);
      gi!.mul(torch.linspace(2, -1, gi!.numel(), { dtype: torch.float64 }).reshape(gi!.shape)).sum().backward();
      expectClose(gout.grad!, d.gradGout, { label: `${d.name} grad of gout` });
    }
  });
});

describe('asStridedScatter', () => {
  it("gives the input the gradient outside the view (PyTorch 1.13's own is the complement) and passes gradcheck", () => {
    const x = torch.randn(3, 4, { dtype: torch.float64, requiresGrad: true });
    const s = torch.randn(2, 2, { dtype: torch.float64, requiresGrad: true });
    gradcheck((a, b) => torch.asStridedScatter(a, b, [2, 2], [4, 1], 5), [x, s]);
    gradcheck((a, b) => torch.asStridedScatter(a.mul(1), b.reshape(4), [4], [3]), [x, s]);
  });

  it("errors as PyTorch", () => {
    expect(() => torch.asStridedScatter(torch.zeros(6), torch.ones(3), [2], [1])).toThrow(msg('as_strided_scatter_size'));
    expect(() => torch.asStridedScatter(torch.zeros(6), torch.ones(3), [3], [3])).toThrow(msg('as_strided_scatter_oob'));
    const tail = msg('as_strided_scatter_noncontig_grad').split('PyTorch. ')[1]!;
    expect(() => torch.asStridedScatter(torch.zeros(3, 2).t().requiresGrad_(), torch.ones(2), [2], [1])).toThrow(tail);
  });
});

describe('emptyStrided', () => {
  it("has PyTorch's strides and storage size", () => {
    for (const e of FIXTURE.emptyStrided) {
      const t = torch.emptyStrided(e.size, e.stride, { dtype: e.dtype });
      expect([...t.shape]).toEqual(e.shape);
      expect(t.stride()).toEqual(e.strides);
      expect(t._storage.nbytes).toBe(e.storageBytes);
      expect(t.dtype.name).toBe(e.dtype);
    }
    const b = torch.emptyStrided([3, 2], [1, 4], { dtype: torch.bool, requiresGrad: false });
    expect(b.tolist()).toEqual([[false, false], [false, false], [false, false]]);
    expect(torch.emptyStrided([2], [1], { dtype: torch.float64, requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('errors as PyTorch', () => {
    expect(() => torch.emptyStrided([2, 3], [1])).toThrow(msg('empty_strided_mismatch'));
    expect(() => torch.emptyStrided([2, 3], [-1, 2])).toThrow(msg('empty_strided_negative_stride'));
    expect(() => torch.emptyStrided([-2, 3], [1, 2])).toThrow(msg('empty_strided_negative_size'));
  });
});

describe('resize_', () => {
  const makes: Record<string, () => Tensor> = {
    resize_shrink: () => torch.arange(6, { dtype: torch.float32 }).resize_(2, 2),
    resize_grow: () => torch.arange(6, { dtype: torch.float32 }).resize_(3, 3),
    resize_grow_list: () => torch.arange(6, { dtype: torch.int16 }).resize_([4, 5]),
    resize_empty: () => torch.arange(6, { dtype: torch.float32 }).resize_(0),
    resize_noncontig: () => torch.arange(6, { dtype: torch.float32 }).reshape(2, 3).t().resize_(2, 3),
    resize_noncontig_same: () => torch.arange(6, { dtype: torch.float32 }).reshape(2, 3).t().resize_(3, 2),
    resize_add_dim: () => torch.arange(6, { dtype: torch.float32 }).reshape(2, 3).resize_(2, 3, 1),
    resize_as_: () => torch.arange(4).resizeAs_(torch.zeros(3, 2)),
    resize_as_shrink: () => torch.arange(6, { dtype: torch.float32 }).resizeAs_(torch.zeros(2)),
  };
  for (const r of FIXTURE.resizes) {
    it(`${r.name}: keeps the data prefix; PyTorch's shape, strides, storage size and version`, () => {
      const out = makes[r.name]!();
      expect([...out.shape]).toEqual(r.shape);
      expect(out.stride()).toEqual(r.stride);
      expect(out.storageOffset()).toBe(r.offset);
      expect(out._storage.nbytes).toBe(r.storageBytes);
      expect(out._version.value).toBe(r.version);
      expectClose(out.asStrided([r.prefix.shape[0]!], [1], out.storageOffset()), r.prefix);
    });
  }

  it('returns self, and a grown view keeps its base readable and the base its values', () => {
    const x = torch.arange(6, { dtype: torch.float32 });
    expect(x.resize_(2, 3)).toBe(x);
    const g = FIXTURE.viewGrow;
    const base = torch.arange(8, { dtype: torch.float32 });
    const v = base.index('2:4');
    v.resize_(7);
    expectClose(base, g.base);
    expect(base._storage.nbytes).toBe(g.baseStorageBytes);
    expect([...v.shape]).toEqual(g.viewShape);
    expect(v.storageOffset()).toBe(g.viewOffset);
    expectClose(v.index(':6'), g.viewPrefix);
    // The storage moved to a larger block: base and view still share it.
    v.index(0).fill_(-5);
    expect(base.index(2).item()).toBe(-5);
  });

  it('grows a storage far past its block, keeping every byte; bool tensors get false, never a stray byte', () => {
    const x = torch.arange(1000, { dtype: torch.float64 });
    x.resize_(300, 1000);
    expect(x.reshape(-1).index(':1000').equal(torch.arange(1000, { dtype: torch.float64 }))).toBe(true);
    x.reshape(-1).index(-1).fill_(3);
    expect(x.index(-1, -1).item()).toBe(3);
    const b = torch.tensor([true, true, false]);
    b.resize_(100);
    expect(b.index(':3').tolist()).toEqual([true, true, false]);
    expect(b.index('3:').any().item()).toBe(0);
  });

  it('is accounted for natively: one storage, its new block counted, the old one freed', () => {
    const before = torch.memoryStats().cpu;
    const x = torch.zeros(1000);
    const oldBlock = call.storageBytes(x._handle());
    x.resize_(1000, 1000);
    const newBlock = call.storageBytes(x._handle());
    expect(newBlock).toBeGreaterThanOrEqual(4_000_000);
    const grown = torch.memoryStats().cpu;
    expect(grown.storages).toBe(before.storages + 1);
    expect(grown.allocatedBytes - before.allocatedBytes).toBe(newBlock);
    x.dispose();
    expect(torch.memoryStats().cpu.allocatedBytes).toBe(before.allocatedBytes);
    expect(oldBlock).toBeLessThan(newBlock);
  });

  it('tells V8 of the grown bytes (a child process with every host byte reported)', () => {
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const calls = fileURLToPath(new URL('../src/native/calls.generated.ts', import.meta.url));
    const script =
      `const torch = await import(${JSON.stringify(index)}); const call = await import(${JSON.stringify(calls)});` +
      'const x = torch.zeros(10); const a = torch.memoryStats().cpu; const old = call.storageBytes(x._handle());' +
      'x.resize_(1 << 20); const b = torch.memoryStats().cpu; const grown = call.storageBytes(x._handle());' +
      'x.dispose(); const c = torch.memoryStats().cpu;' +
      'console.log(JSON.stringify([...[a, b, c].map((s) => [s.allocatedBytes, s.externalBytes]), [old, grown]]));';
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, FLINT_UNREPORTED_HOST_BYTES: '0' },
    });
    const [a, b, c, [old, grown]] = JSON.parse(out.trim().split('\n').pop()!) as [number, number][];
    for (const [allocated, external] of [a!, b!, c!]) expect(external).toBe(allocated);
    expect(grown).toBeGreaterThanOrEqual(4 << 20);
    expect(b![1] - a![1]).toBe(grown! - old!);
    expect(c![1]).toBe(a![1] - old!);
  }, 60_000);

  it('leaves the tensor as it was when the storage cannot grow', () => {
    const x = torch.arange(6, { dtype: torch.float32 });
    expect(() => x.resize_(2 ** 52)).toThrow("can't allocate memory");
    expect([...x.shape]).toEqual([6]);
    expect(x._storage.nbytes).toBe(24);
    expect(x.sum().item()).toBe(15);
  });

  it('errors as PyTorch', () => {
    expect(() => torch.zeros(3, { requiresGrad: true }).resize_(2)).toThrow(msg('resize_requires_grad'));
    expect(() => torch.zeros(3, { requiresGrad: true }).mul(1).resize_(2)).toThrow(msg('resize_nonleaf_requires_grad'));
    expect(() => torch.zeros(3).resize_(-1)).toThrow(msg('resize_negative'));
    expect(() => torch.zeros(2, { requiresGrad: true }).resizeAs_(torch.zeros(2, 3))).toThrow(msg('resize_as_requires_grad'));
    expect(() => torch.arange(6, { dtype: torch.float32 }).resize(2, 2)).toThrow(msg('resize_deprecated_numel'));
  });

  it('the deprecated resize: a new shape over the same storage, ResizeBackward', () => {
    const d = FIXTURE.deprecatedResize;
    const x = torch.arange(6, { dtype: torch.float64, requiresGrad: true });
    const out = x.resize(2, 3);
    expectClose(out, d.out);
    expect(out.gradFn?.name).toBe(d.gradFn);
    expect(out._storage === x._storage).toBe(d.sharesStorage);
    out.mul(weights(out)).sum().backward();
    expectClose(x.grad!, d.grad);
  });
});

describe('put and put_', () => {
  it('pass float64 gradchecks', () => {
    const x = torch.randn(3, 4, { dtype: torch.float64, requiresGrad: true });
    const s = torch.randn(5, { dtype: torch.float64, requiresGrad: true });
    gradcheck((a, b) => torch.put(a, i64([0, -1, 5, 7, 2]), b), [x, s]);
    gradcheck((a, b) => a.t().put(i64([0, 11, 11, 3, 3]), b, true), [x, s]);
    gradcheck((a, b) => a.mul(1).put_(i64([4, 1, 8, 9, 10]), b), [x, s]);
  });

  it('keeps the last of repeated writes, however many', () => {
    const n = 100_000;
    const out = torch.put(torch.zeros(4), torch.full([n], 2, { dtype: torch.int64 }), torch.arange(n, { dtype: torch.float32 }));
    expect(out.tolist()).toEqual([0, 0, n - 1, 0]);
  });

  it('errors as PyTorch', () => {
    const x = torch.arange(6, { dtype: torch.float32 });
    expect(() => torch.put(x, torch.tensor([0, 1], { dtype: torch.int32 }), torch.tensor([9, 8], { dtype: torch.float32 }))).toThrow(msg('put_index_dtype'));
    expect(() => torch.put(x, i64([0, 1]), torch.tensor([9, 8], { dtype: torch.float64 }))).toThrow(msg('put_source_dtype'));
    expect(() => torch.put(x, i64([0, 1]), torch.tensor([9, 8, 7], { dtype: torch.float32 }))).toThrow(msg('put_numel'));
    expect(() => torch.put(torch.zeros(0), i64([0]), torch.tensor([9], { dtype: torch.float32 }))).toThrow(msg('put_empty_self'));
    expect(() => torch.put(x, i64([0, 6, 9]), torch.tensor([9, 8, 7], { dtype: torch.float32 }))).toThrow(msg('put_oob'));
    expect(() => torch.put(x, i64([0, -7]), torch.tensor([9, 8], { dtype: torch.float32 }))).toThrow(msg('put_oob_negative'));
    expect(() => torch.zeros(1).expand(3).put_(i64([0]), torch.tensor([9], { dtype: torch.float32 }))).toThrow(msg('put_expanded'));
    const y = torch.zeros(3);
    expect(() => y.put_(i64([0]), y.index(':1'))).toThrow(msg('put_overlap'));
    expect(() => y.put_(i64([0, 1, 2]), y)).toThrow(msg('put_overlap'));
    expect(() => torch.zeros(3, { requiresGrad: true }).put_(i64([0]), torch.tensor([1], { dtype: torch.float32 }))).toThrow(msg('put_leaf'));
    // The input is untouched by a put that fails.
    expect(x.tolist()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('indexReduce and indexReduce_', () => {
  for (const reduce of ['prod', 'mean', 'amax', 'amin'] as Reduction[]) {
    for (const includeSelf of [true, false]) {
      it(`${reduce}, includeSelf ${includeSelf}: float64 gradcheck`, () => {
        torch.manualSeed(3);
        // Distinct values away from zero: amax/amin and prod are smooth there.
        const x = torch.rand(4, 3, { dtype: torch.float64 }).add(0.5).requiresGrad_();
        const s = torch.rand(5, 3, { dtype: torch.float64 }).add(2).requiresGrad_();
        gradcheck((a, b) => a.indexReduce(0, i64([3, 0, 3, 1, 3]), b, reduce, { includeSelf }), [x, s]);
        gradcheck((a, b) => torch.indexReduce(a.t(), 1, i64([2, 0, 2, 1, 0]), b.t(), reduce, { includeSelf }), [x, s]);
      });
    }
  }

  it('errors as PyTorch', () => {
    const s = torch.ones(3, 2);
    const ones = (...shape: number[]) => torch.ones(shape);
    expect(() => s.indexReduce(0, i64([0]), ones(1, 2), 'sum' as Reduction)).toThrow(msg('index_reduce_reduce'));
    expect(() => s.indexReduce(0, torch.tensor([0], { dtype: torch.float32 }), ones(1, 2), 'prod')).toThrow(msg('index_reduce_index_dtype'));
    expect(() => s.indexReduce(0, i64([[0, 1], [2, 0]]), ones(4, 2), 'prod')).toThrow(msg('index_reduce_index_2d'));
    expect(() => s.indexReduce(0, i64([0]), torch.ones([1, 2], { dtype: torch.float64 }), 'prod')).toThrow(msg('index_reduce_dtype'));
    expect(() => s.indexReduce(1, i64([0, 1]), ones(2), 'amax')).toThrow(msg('index_reduce_source_dim'));
    expect(() => s.indexReduce(0, i64([0, 1, 2]), ones(4, 2), 'prod')).toThrow(msg('index_reduce_numel'));
    expect(() => s.indexReduce(0, i64([0, 3]), ones(2, 2), 'prod')).toThrow(msg('index_reduce_oob'));
    expect(() => s.indexReduce(0, i64([0, -1]), ones(2, 2), 'prod')).toThrow(msg('index_reduce_oob_negative'));
    expect(() => s.indexReduce(0, i64([0, 3]), ones(2, 2), 'prod', { includeSelf: false })).toThrow(msg('index_reduce_oob_noself'));
    expect(() => s.indexReduce(0, i64([0, -1]), ones(2, 2), 'prod', { includeSelf: false })).toThrow(msg('index_reduce_oob_negative_noself'));
    expect(() => s.indexReduce(2, i64([0]), ones(1, 2), 'prod')).toThrow(msg('index_reduce_dim'));
    expect(() => s.indexReduce(0, i64([0, 1]), ones(2, 3), 'prod')).toThrow(msg('index_reduce_broadcast'));
    expect(() => s.indexReduce(0, i64([0, 1]), ones(2, 3, 2), 'prod')).toThrow(msg('index_reduce_broadcast_out'));
    expect(() => torch.zeros(3).indexReduce(0, i64([0, 1]), ones(2, 2), 'prod')).toThrow(msg('index_reduce_1d_source'));
    expect(() => torch.tensor([true, false]).indexReduce(0, i64([0]), torch.tensor([false]), 'amax')).toThrow(msg('index_reduce_bool'));
    const y = torch.ones(2, 2);
    expect(() => y.indexReduce_(0, i64([0]), y.index(':1'), 'prod')).toThrow(msg('index_reduce_overlap'));
    expect(s.tolist()).toEqual([[1, 1], [1, 1], [1, 1]]);
  });
});

describe('logNormal_', () => {
  const dtypes: Record<string, torch.DType> = { float32: torch.float32, float64: torch.float64, float16: torch.float16, bfloat16: torch.bfloat16 };
  for (const l of FIXTURE.logNormal) {
    it(`${l.name}: PyTorch's draws from seed ${l.seed}`, () => {
      torch.manualSeed(l.seed);
      const dtype = dtypes[l.out.dtype]!;
      const options = l.generatorSeed === null ? [] : [{ generator: new torch.Generator().manualSeed(l.generatorSeed) }];
      const make = (): Tensor => (l.name === 'f64_transposed' ? torch.empty(3, 4, { dtype }).t() : torch.empty(l.out.shape, { dtype }));
      const x = make();
      expect(x.logNormal_(...(l.args as [number, number]), ...options)).toBe(x);
      expect(x.stride()).toEqual(l.stride);
      // Bit for bit, every dtype: the same Box-Muller doubles, FMA and libm exp as PyTorch's kernel.
      const exact = { rtol: 0, atol: 0 };
      // The reference helpers read bfloat16 as the float32 values it holds.
      const bf16 = (l.out.dtype as string) === 'bfloat16';
      expectClose(bf16 ? x.float() : x, bf16 ? { ...l.out, dtype: 'float32' } : l.out, exact);
      if (l.follow) expectClose(make().logNormal_(...(l.args as [number, number])), l.follow, exact);
    });
  }

  it('records LogNormalBackward0 with a zero gradient on a tensor with history', () => {
    const z = torch.ones(3, { dtype: torch.float64, requiresGrad: true });
    const y = z.mul(1);
    y.logNormal_();
    expect(y.gradFn?.name).toBe(FIXTURE.logNormalGrad.gradFn);
    y.sum().backward();
    expectClose(z.grad!, FIXTURE.logNormalGrad.grad);
    // Through a view: the base's history is rebased, and the drawn elements get no gradient.
    const w = torch.ones(2, 2, { dtype: torch.float64, requiresGrad: true });
    const h = w.mul(3);
    h.index(0).logNormal_(0, 0.5);
    expect(h.gradFn?.name).toBe('CopySlices');
    expect(h.index(0).min().item()).toBeGreaterThan(0);
    h.sum().backward();
    expect(w.grad!.tolist()).toEqual([[0, 0], [3, 3]]);
  });

  it('errors as PyTorch', () => {
    expect(() => torch.empty(3).logNormal_(1, 0)).toThrow(msg('log_normal_std_zero'));
    expect(() => torch.empty(3).logNormal_(1, -0.5)).toThrow(msg('log_normal_std_negative'));
    expect(() => torch.empty(3).logNormal_(0, NaN)).toThrow(msg('log_normal_std_nan'));
    expect(() => torch.empty(3, { dtype: torch.int64 }).logNormal_()).toThrow(msg('log_normal_int'));
    expect(() => torch.empty(3, { dtype: torch.bool }).logNormal_()).toThrow(msg('log_normal_bool'));
    expect(() => torch.empty(3, { requiresGrad: true }).logNormal_()).toThrow(msg('log_normal_leaf'));
  });
});

describe('tensor queries', () => {
  it("typename, getDevice, isInference, isSigned, isSameSize, isSetTo as PyTorch's", () => {
    for (const [name, expected] of Object.entries(FIXTURE.typenames)) {
      expect(torch.typename(torch.zeros(1, { dtype: name }))).toBe(expected);
    }
    expect(torch.typename(torch.float32)).toBe('torch.dtype');
    expect(torch.typename(1)).toBe('number');
    expect(torch.getDevice(torch.zeros(1))).toBe(-1);
    expect(torch.zeros(1).getDevice()).toBe(-1);
    expect(torch.isInference(torch.zeros(1))).toBe(false);
    expect(torch.isInference(torch.inferenceMode(() => torch.zeros(1)))).toBe(true);
    expect(torch.isSigned(torch.zeros(1, { dtype: torch.uint8 }))).toBe(false);
    expect(torch.isSigned(torch.zeros(1, { dtype: torch.int8 }))).toBe(true);
    expect(torch.isSameSize(torch.zeros(2), torch.zeros(2))).toBe(true);
    expect(torch.isSameSize(torch.zeros(2), torch.zeros(1, 2))).toBe(false);
    const s = torch.zeros(4);
    const got = {
      self: s.isSetTo(s), view_same: s.isSetTo(s.view(4)), view_2d: s.isSetTo(s.view(2, 2)), detach: s.isSetTo(s.detach()),
      clone: s.isSetTo(s.clone()), slice: s.isSetTo(s.index('1:')), as_strided_same: s.isSetTo(s.asStrided([4], [1], 0)),
    };
    expect(got).toEqual(FIXTURE.isSetTo);
    expect(() => s.isSetTo(1 as unknown as Tensor)).toThrow(TypeError);
  });
});
