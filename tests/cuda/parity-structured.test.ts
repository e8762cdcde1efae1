/**
 * CUDA vs CPU, op by op (reductions, matrix products, indexing, the nn kernels,
 * shape ops and random numbers), with the tolerances of parity-elementwise.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import {
  DEV,
  DEV_NAME,
  DTYPES,
  DTYPE_NAMES,
  Failures,
  SELF_TEST,
  cudaGate,
  expectMatch,
  mulberry32,
  parity,
  randomTensor,
  toDev,
  type DTypeName,
  type RandomOptions,
  type Tol,
  withoutTF32,
} from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const F = torch.nn.functional;


const isFloat = (d: DTypeName): boolean => d === 'float32' || d === 'float64';

type Dims = number | number[] | undefined;

const DIMS: Dims[] = [undefined, 0, 1, 2, -1, [0, 2], [1, 2], [0, 1, 2]];
const SINGLE: (number | undefined)[] = [undefined, 0, 1, 2, -1];

interface ReduceCase {
  name: string;
  /** every reduction form of the op for one dims setting */
  fn: (x: Tensor, dim: Dims, keepdim: boolean) => Tensor | Tensor[] | null;
  dims: Dims[];
  input: (d: DTypeName) => RandomOptions;
  tol?: Tol;
}

const positive = (d: DTypeName): RandomOptions => (isFloat(d) ? { lo: 0.5, hi: 1.5 } : {});
const single = (dim: Dims): number | undefined => dim as number | undefined;

const REDUCE: ReduceCase[] = [
  { name: 'sum', fn: (x, d, k) => x.sum(d, k), dims: DIMS, input: positive },
  { name: 'mean', fn: (x, d, k) => x.mean(d, k), dims: DIMS, input: positive },
  { name: 'prod', fn: (x, d, k) => (d === undefined ? (k ? null : x.prod()) : x.prod(single(d), k)), dims: SINGLE, input: (d) => (isFloat(d) ? { lo: 0.5, hi: 1.5 } : { lo: d === 'uint8' ? 1 : -2, hi: 2, nonzero: true }) },
  { name: 'max', fn: (x, d, k) => (d === undefined ? (k ? null : x.max()) : x.max(single(d)!, k)), dims: SINGLE, input: () => ({}) },
  { name: 'min', fn: (x, d, k) => (d === undefined ? (k ? null : x.min()) : x.min(single(d)!, k)), dims: SINGLE, input: () => ({}) },
  { name: 'argmax', fn: (x, d, k) => x.argmax(single(d), k), dims: SINGLE, input: () => ({}) },
  { name: 'argmin', fn: (x, d, k) => x.argmin(single(d), k), dims: SINGLE, input: () => ({}) },
  { name: 'any', fn: (x, d, k) => x.any(single(d), k), dims: SINGLE, input: (d) => (d === 'bool' ? {} : { lo: 0, hi: isFloat(d) ? 0 : 1 }) },
  { name: 'all', fn: (x, d, k) => x.all(single(d), k), dims: SINGLE, input: (d) => (d === 'bool' ? {} : { lo: isFloat(d) ? -1 : 0, hi: 3 }) },
  { name: 'var', fn: (x, d, k) => x.var(d, { keepdim: k }), dims: DIMS, input: positive, tol: { rtol: 1e-5, atol: 1e-6 } },
  { name: 'var correction=0', fn: (x, d, k) => x.var(d, { correction: 0, keepdim: k }), dims: DIMS, input: positive },
  { name: 'std', fn: (x, d, k) => x.std(d, { keepdim: k }), dims: DIMS, input: positive },
  { name: 'std unbiased=false', fn: (x, d, k) => x.std(d, { unbiased: false, keepdim: k }), dims: DIMS, input: positive },
  { name: 'norm', fn: (x, d, k) => x.norm(2, d, k), dims: DIMS, input: () => ({}) },
  { name: 'norm p=1', fn: (x, d, k) => x.norm(1, d, k), dims: DIMS, input: () => ({}) },
  { name: 'norm p=inf', fn: (x, d, k) => x.norm(Infinity, d, k), dims: DIMS, input: () => ({}) },
  { name: 'norm p=3', fn: (x, d, k) => x.norm(3, d, k), dims: DIMS, input: positive },
];

const REDUCE_VIEWS: [string, (x: Tensor) => Tensor][] = [
  ['contiguous [3,4,5]', (x) => x],
  ['transposed [5,4,3]', (x) => x.transpose(0, 2)],
  ['narrow [3,4,3]', (x) => x.narrow(2, 1, 3)],
  ['permuted [4,5,3]', (x) => x.permute(1, 2, 0)],
];

describe.skipIf(!run)(`reductions: ${DEV} vs cpu`, () => {
  for (const op of REDUCE) {
    it(`${op.name}: all dims, one dim, several dims, keepdim; contiguous and strided; every dtype`, () => {
      const rng = mulberry32(808);
      const failures = new Failures();
      for (const dname of DTYPE_NAMES) {
        const x = randomTensor(rng, [3, 4, 5], DTYPES[dname], op.input(dname));
        let ran = 0;
        for (const [vname, view] of REDUCE_VIEWS) {
          for (const dim of op.dims) {
            for (const keepdim of [false, true]) {
              const label = `${op.name} ${dname} ${vname} dim=${JSON.stringify(dim)} keepdim=${keepdim}`;
              if (op.fn(torch.zeros(1, 1, 1), dim, keepdim) === null) continue;
              if (failures.add(parity(label, [x], (t) => op.fn(view(t), dim, keepdim)!, { allowErrors: !isFloat(dname), tol: op.tol }))) ran++;
            }
          }
        }
        if (isFloat(dname) && ran === 0) failures.list.push(`${op.name} ${dname}: no case ran`);
      }
      failures.check();
    });
  }

  it('reductions of empty and 0-d tensors', () => {
    const failures = new Failures();
    const empty = torch.zeros(0, 3);
    const scalar = torch.tensor(2.5);
    const MUST: [string, Tensor, (x: Tensor) => Tensor | Tensor[]][] = [
      ['sum() of [0,3]', empty, (x) => x.sum()],
      ['sum(0) of [0,3]', empty, (x) => x.sum(0)],
      ['sum(1) of [0,3]', empty, (x) => x.sum(1)],
      ['sum(0, keepdim) of [0,3]', empty, (x) => x.sum(0, true)],
      ['mean(0) of [0,3]', empty, (x) => x.mean(0)],
      ['prod(0) of [0,3]', empty, (x) => x.prod(0)],
      ['max(1) of [0,3]', empty, (x) => x.max(1)],
      ['argmax(1) of [0,3]', empty, (x) => x.argmax(1)],
      ['any() of [0,3]', empty, (x) => x.any()],
      ['all() of [0,3]', empty, (x) => x.all()],
      ['norm() of [0,3]', empty, (x) => x.norm()],
      ['sum() of 0-d', scalar, (x) => x.sum()],
      ['sum(0) of 0-d', scalar, (x) => x.sum(0)],
      ['sum(0, keepdim) of 0-d', scalar, (x) => x.sum(0, true)],
      ['mean() of 0-d', scalar, (x) => x.mean()],
      ['prod() of 0-d', scalar, (x) => x.prod()],
      ['max() of 0-d', scalar, (x) => x.max()],
      ['argmax() of 0-d', scalar, (x) => x.argmax()],
      ['std() of 0-d', scalar, (x) => x.std()],
      ['norm() of 0-d', scalar, (x) => x.norm()],
    ];
    for (const [name, x, fn] of MUST) failures.add(parity(name, [x], fn));
    const MAY_THROW: [string, Tensor, (x: Tensor) => Tensor | Tensor[]][] = [
      ['max() of [0,3]', empty, (x) => x.max()],
      ['max(0) of [0,3]', empty, (x) => x.max(0)],
      ['argmax() of [0,3]', empty, (x) => x.argmax()],
    ];
    for (const [name, x, fn] of MAY_THROW) failures.add(parity(name, [x], fn, { allowErrors: true }));
    failures.check();
  });

  it('NaN propagates through max/min/sum/argmax as on the CPU', () => {
    const x = torch.tensor([[1, NaN, 3], [4, 5, 6], [NaN, -Infinity, Infinity]]);
    const failures = new Failures();
    for (const [name, fn] of [
      ['max()', (t: Tensor) => t.max()],
      ['max(1)', (t: Tensor) => t.max(1)],
      ['min(0)', (t: Tensor) => t.min(0)],
      ['argmax(1)', (t: Tensor) => t.argmax(1)],
      ['argmin()', (t: Tensor) => t.argmin()],
      ['sum(1)', (t: Tensor) => t.sum(1)],
      ['mean(0)', (t: Tensor) => t.mean(0)],
      ['prod(1)', (t: Tensor) => t.prod(1)],
      ['norm(inf, 1)', (t: Tensor) => t.norm(Infinity, 1)],
      ['any(1)', (t: Tensor) => t.any(1)],
    ] as [string, (t: Tensor) => Tensor | Tensor[]][]) {
      failures.add(parity(name, [x], fn));
    }
    failures.check();
  });

  it('a 2^22-element float32 sum matches a float64 CPU sum (rel <= 1e-5)', () => {
    torch.manualSeed(11);
    const x = torch.rand(2 ** 22);
    const reference = x.double().sum().item() as number;
    const d = toDev(x);
    const total = d.sum().item() as number;
    expect(Math.abs(total - reference) / Math.abs(reference)).toBeLessThanOrEqual(1e-5);
    const mean = d.mean().item() as number;
    expect(Math.abs(mean - reference / 2 ** 22) / (reference / 2 ** 22)).toBeLessThanOrEqual(1e-5);
    // Rows of a large 2-D tensor, and columns (a strided reduction).
    const m = d.view(2048, 2048);
    expectMatch(m.sum(1), x.double().view(2048, 2048).sum(1).float(), { rtol: 1e-5, atol: 1e-4 }, 'row sums');
    expectMatch(m.sum(0), x.double().view(2048, 2048).sum(0).float(), { rtol: 1e-5, atol: 1e-4 }, 'column sums');
    expectMatch(m.max(1)[0], x.view(2048, 2048).max(1)[0], null, 'row maxima');
    expectMatch(m.argmax(0), x.view(2048, 2048).argmax(0), null, 'column argmax');
  });
});

// ------------------------------------------------------------------ matmul

describe.skipIf(!run)(`matrix products: ${DEV} vs cpu`, () => {
  withoutTF32();

  const CASES: [string, number[], number[], (a: Tensor, b: Tensor) => Tensor][] = [
    ['mm [33,65]x[65,17]', [33, 65], [65, 17], (a, b) => a.mm(b)],
    ['mm a.t()', [65, 33], [65, 17], (a, b) => a.t().mm(b)],
    ['mm b.t()', [33, 65], [17, 65], (a, b) => a.mm(b.t())],
    ['mm both transposed', [65, 33], [17, 65], (a, b) => a.t().mm(b.t())],
    ['mm narrow (row stride > cols)', [33, 80], [65, 30], (a, b) => a.narrow(1, 5, 65).mm(b.narrow(1, 3, 17))],
    ['mm 1x1', [1, 1], [1, 1], (a, b) => a.mm(b)],
    ['mm m=0', [0, 5], [5, 4], (a, b) => a.mm(b)],
    ['mm [256,512]x[512,128]', [256, 512], [512, 128], (a, b) => a.mm(b)],
    ['bmm [4,8,16]x[4,16,5]', [4, 8, 16], [4, 16, 5], (a, b) => a.bmm(b)],
    ['bmm transposed', [4, 16, 8], [4, 5, 16], (a, b) => a.transpose(1, 2).bmm(b.transpose(1, 2))],
    ['bmm expanded batch', [1, 8, 16], [4, 16, 5], (a, b) => a.expand(4, 8, 16).bmm(b)],
    ['matmul [2,3,4,5]x[5,6]', [2, 3, 4, 5], [5, 6], (a, b) => a.matmul(b)],
    ['matmul [3,1,4,5]x[2,5,6]', [3, 1, 4, 5], [2, 5, 6], (a, b) => a.matmul(b)],
    ['matmul [5]x[3,5,2]', [5], [3, 5, 2], (a, b) => a.matmul(b)],
    ['matmul [3,4,5]x[5]', [3, 4, 5], [5], (a, b) => a.matmul(b)],
    ['matmul [7]x[7] (dot)', [7], [7], (a, b) => a.matmul(b)],
    ['dot', [9], [9], (a, b) => a.dot(b)],
    ['mv', [6, 9], [9], (a, b) => a.mv(b)],
    ['mv transposed', [9, 6], [9], (a, b) => a.t().mv(b)],
    ['outer', [4], [6], (a, b) => torch.outer(a, b)],
    ['matmul transposed batch', [2, 5, 4], [2, 5, 3], (a, b) => a.transpose(1, 2).matmul(b)],
    ['F.linear', [8, 6], [5, 6], (a, b) => F.linear(a, b)],
    // At most two rows against a transposed operand: CUDA's small-row kernel, not cuBLAS.
    ['F.linear 2 rows (small-row kernel)', [2, 20], [256, 20], (a, b) => F.linear(a, b)],
    ['F.linear 1 row, k 256', [1, 256], [10, 256], (a, b) => F.linear(a, b)],
    ['bmm 2 rows, b transposed, k 70', [3, 2, 70], [3, 7, 70], (a, b) => a.bmm(b.transpose(1, 2))],
  ];

  for (const [dtype, tol] of [[torch.float32, { rtol: 1e-4, atol: 1e-4 }], [torch.float64, { rtol: 1e-10, atol: 1e-12 }]] as [torch.DType, Tol][]) {
    it(`${dtype.name}: mm, bmm, matmul broadcasting, dot, mv, transposed and strided operands`, () => {
      const rng = mulberry32(909);
      const failures = new Failures();
      for (const [name, sa, sb, fn] of CASES) {
        const a = randomTensor(rng, sa, dtype, { lo: -1, hi: 1 });
        const b = randomTensor(rng, sb, dtype, { lo: -1, hi: 1 });
        failures.add(parity(`${name} ${dtype.name}`, [a, b], fn, { tol }));
      }
      const c = randomTensor(rng, [33, 17], dtype);
      const bias = randomTensor(rng, [17], dtype);
      const a = randomTensor(rng, [33, 65], dtype, { lo: -1, hi: 1 });
      const b = randomTensor(rng, [65, 17], dtype, { lo: -1, hi: 1 });
      failures.add(parity(`addmm ${dtype.name}`, [c, a, b], (cc, aa, bb) => torch.addmm(cc, aa, bb), { tol }));
      failures.add(parity(`addmm beta/alpha ${dtype.name}`, [c, a, b], (cc, aa, bb) => torch.addmm(cc, aa, bb, { beta: 0.5, alpha: -2 }), { tol }));
      failures.add(parity(`addmm broadcast bias ${dtype.name}`, [bias, a, b], (cc, aa, bb) => torch.addmm(cc, aa, bb), { tol }));
      // Column-major operands (t().contiguous().t() keeps the values, transposes the strides).
      const colMajor = (t: Tensor): Tensor => t.t().contiguous().t();
      failures.add(parity(`addmm column-major operands ${dtype.name}`, [c, a, b], (cc, aa, bb) => torch.addmm(colMajor(cc), colMajor(aa), colMajor(bb)), { tol }));
      failures.add(parity(`F.linear with bias ${dtype.name}`, [a, b, bias], (aa, bb, cc) => F.linear(aa, bb.t(), cc), { tol }));
      const two = randomTensor(rng, [2, 65], dtype, { lo: -1, hi: 1 });
      const c2 = randomTensor(rng, [2, 33], dtype);
      failures.add(parity(`addmm 2 rows beta/alpha ${dtype.name}`, [c2, two, a], (cc, aa, bb) => torch.addmm(cc, aa, bb.t(), { beta: 0.5, alpha: -2 }), { tol }));
      failures.add(parity(`F.linear 3-d ${dtype.name}`, [a, b, bias], (aa, bb, cc) => F.linear(aa.view(3, 11, 65), bb.t(), cc), { tol }));
      // Degenerate: k = 0 gives zeros (PyTorch); where the CPU refuses, the GPU must refuse too.
      failures.add(parity(`mm k=0 ${dtype.name}`, [torch.zeros([3, 0], { dtype }), torch.zeros([0, 4], { dtype })], (x, y) => x.mm(y), { allowErrors: true }));
      failures.check();
    });
  }

  // GPU only: the CPU has an integer product, so there is nothing to compare in self-test mode.
  it.skipIf(SELF_TEST)('integer matmul throws on CUDA, as PyTorch\'s "addmm_cuda" does (cuBLAS has no integer product)', () => {
    const rng = mulberry32(910);
    for (const dtype of [torch.int64, torch.int32]) {
      const a = randomTensor(rng, [5, 7], dtype, { lo: -9, hi: 9 });
      const b = randomTensor(rng, [7, 3], dtype, { lo: -9, hi: 9 });
      expect(() => a.cuda().mm(b.cuda())).toThrow(`"addmm_cuda" not implemented for '${dtype.name}'`);
    }
  });

  it.skipIf(SELF_TEST)('float16 matmul on the GPU matches the CPU float32 product of the same inputs', () => {
    const rng = mulberry32(911);
    const tol = { rtol: 5e-3, atol: 5e-3 };
    for (const [name, sa, sb, fn] of [
      ['mm', [32, 64], [64, 24], (a: Tensor, b: Tensor) => a.mm(b)],
      ['mm transposed', [64, 32], [24, 64], (a: Tensor, b: Tensor) => a.t().mm(b.t())],
      ['bmm', [3, 16, 64], [3, 64, 8], (a: Tensor, b: Tensor) => a.bmm(b)],
      ['matmul broadcast', [2, 3, 16, 64], [64, 8], (a: Tensor, b: Tensor) => a.matmul(b)],
    ] as [string, number[], number[], (a: Tensor, b: Tensor) => Tensor][]) {
      const a = randomTensor(rng, sa, torch.float64, { lo: -1, hi: 1 }).to(torch.float16);
      const b = randomTensor(rng, sb, torch.float64, { lo: -1, hi: 1 }).to(torch.float16);
      const out = fn(a.cuda(), b.cuda());
      expect(out.dtype, name).toBe(torch.float16);
      expect(String(out.device)).toBe('cuda:0');
      expectMatch(out.cpu().float(), fn(a.float(), b.float()), tol, `float16 ${name}`);
    }
  });

  it.skipIf(SELF_TEST)('allowTF32 round-trips and TF32 products stay close to full precision', () => {
    const rng = mulberry32(912);
    const a = randomTensor(rng, [128, 256], torch.float32, { lo: -1, hi: 1 });
    const b = randomTensor(rng, [256, 64], torch.float32, { lo: -1, hi: 1 });
    expect(torch.backends.cuda.matmul.allowTF32).toBe(false);
    torch.backends.cuda.matmul.allowTF32 = true;
    try {
      expect(torch.backends.cuda.matmul.allowTF32).toBe(true);
      expectMatch(a.cuda().mm(b.cuda()), a.mm(b), { rtol: 2e-2, atol: 3e-2 }, 'TF32 mm');
    } finally {
      torch.backends.cuda.matmul.allowTF32 = false;
    }
    expect(torch.backends.cuda.matmul.allowTF32).toBe(false);
    expectMatch(a.cuda().mm(b.cuda()), a.mm(b), { rtol: 1e-4, atol: 1e-4 }, 'full-precision mm after TF32');
  });
});

// ------------------------------------------------------------------ indexing

/** Distinct rows per column (so that scatter without accumulation is deterministic). */
function distinctIndex(rng: () => number, rows: number, take: number, cols: number): Tensor {
  const out: number[][] = Array.from({ length: take }, () => new Array<number>(cols));
  for (let c = 0; c < cols; c++) {
    const perm = Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    for (let r = 0; r < take; r++) out[r][c] = perm[r];
  }
  return torch.tensor(out, { dtype: torch.int64 });
}

const idx = (rng: () => number, shape: number[], high: number): Tensor => randomTensor(rng, shape, torch.int64, { lo: 0, hi: high - 1 });

describe.skipIf(!run)(`indexing: ${DEV} vs cpu`, () => {
  it('indexSelect, gather, scatter, scatterAdd over every dtype, dims and strided inputs', () => {
    const rng = mulberry32(1001);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      const x = randomTensor(rng, [6, 5], dtype);
      const i6 = idx(rng, [8], 6);
      const i5 = idx(rng, [7], 5);
      failures.add(parity(`indexSelect(0) ${dname}`, [x, i6], (t, i) => t.indexSelect(0, i)));
      failures.add(parity(`indexSelect(1) ${dname}`, [x, i5], (t, i) => t.indexSelect(1, i)));
      failures.add(parity(`indexSelect(0) transposed ${dname}`, [x, i5], (t, i) => t.t().indexSelect(0, i)));
      failures.add(parity(`indexSelect(-1) narrow ${dname}`, [x, idx(rng, [4], 3)], (t, i) => t.narrow(1, 2, 3).indexSelect(-1, i)));
      failures.add(parity(`indexSelect empty index ${dname}`, [x, torch.zeros(0, { dtype: torch.int64 })], (t, i) => t.indexSelect(0, i)));
      failures.add(parity(`gather(0) ${dname}`, [x, idx(rng, [4, 5], 6)], (t, i) => t.gather(0, i)));
      failures.add(parity(`gather(1) ${dname}`, [x, idx(rng, [6, 9], 5)], (t, i) => t.gather(1, i)));
      failures.add(parity(`gather(1) transposed ${dname}`, [x, idx(rng, [5, 3], 6)], (t, i) => t.t().gather(1, i)));
      failures.add(parity(`gather transposed index ${dname}`, [x, idx(rng, [5, 6], 5)], (t, i) => t.gather(1, i.t())));
      const src = randomTensor(rng, [6, 5], dtype);
      failures.add(parity(`scatter(0) ${dname}`, [x, distinctIndex(rng, 6, 4, 5), src], (t, i, s) => t.scatter(0, i, s)));
      failures.add(parity(`scatter(1) ${dname}`, [x, distinctIndex(rng, 5, 3, 6).t().contiguous(), src], (t, i, s) => t.scatter(1, i, s)));
      failures.add(parity(`scatter scalar ${dname}`, [x, distinctIndex(rng, 6, 2, 5)], (t, i) => t.scatter(0, i, 1)));
      failures.add(parity(`scatter_ in place on transposed ${dname}`, [x, distinctIndex(rng, 5, 2, 6), src], (t, i, s) => { const y = t.clone(); y.t().scatter_(0, i, s.t()); return y; }));
      const dup = idx(rng, [6, 5], 6);
      failures.add(parity(`scatterAdd(0) duplicates ${dname}`, [x, dup, src], (t, i, s) => t.scatterAdd(0, i, s), { allowErrors: dname === 'bool' }));
      failures.add(parity(`scatterAdd(1) ${dname}`, [x, idx(rng, [6, 8], 5), randomTensor(rng, [6, 8], dtype)], (t, i, s) => t.scatterAdd(1, i, s), { allowErrors: dname === 'bool' }));
    }
    failures.check();
  });

  it('index with tensor indices, bool masks, mixed basic and advanced indices', () => {
    const rng = mulberry32(1002);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const x = randomTensor(rng, [6, 5], DTYPES[dname]);
      const x3 = randomTensor(rng, [4, 6, 5], DTYPES[dname]);
      const i6 = idx(rng, [4], 6);
      const i5 = idx(rng, [4], 5);
      const mask = randomTensor(rng, [6, 5], torch.bool);
      const rowMask = randomTensor(rng, [6], torch.bool);
      failures.add(parity(`x[i] ${dname}`, [x, i6], (t, i) => t.index(i)));
      failures.add(parity(`x[:, i] ${dname}`, [x, i5], (t, i) => t.index(':', i)));
      failures.add(parity(`x[i2d] ${dname}`, [x, idx(rng, [2, 3], 6)], (t, i) => t.index(i)));
      failures.add(parity(`x[i, j] ${dname}`, [x, i6, i5], (t, i, j) => t.index(i, j)));
      failures.add(parity(`x[i, j] broadcast ${dname}`, [x, idx(rng, [3, 1], 6), idx(rng, [1, 4], 5)], (t, i, j) => t.index(i, j)));
      failures.add(parity(`x[1:5, i] ${dname}`, [x, i5], (t, i) => t.index('1:5', i)));
      failures.add(parity(`x.t()[i] ${dname}`, [x, i5], (t, i) => t.t().index(i)));
      failures.add(parity(`x3[:, i, j] ${dname}`, [x3, i6, i5], (t, i, j) => t.index(':', i, j)));
      failures.add(parity(`x3[i, :, j] ${dname}`, [x3, idx(rng, [3], 4), idx(rng, [3], 5)], (t, i, j) => t.index(i, ':', j)));
      failures.add(parity(`x[mask] ${dname}`, [x, mask], (t, m) => t.index(m)));
      failures.add(parity(`x[rowMask] ${dname}`, [x, rowMask], (t, m) => t.index(m)));
      failures.add(parity(`x.t()[mask.t()] ${dname}`, [x, mask], (t, m) => t.t().index(m.t())));
      failures.add(parity(`x[negative i] ${dname}`, [x, torch.tensor([-1, 0, -6])], (t, i) => t.index(i), { allowErrors: true }));
      failures.add(parity(`maskedSelect ${dname}`, [x, mask], (t, m) => t.maskedSelect(m)));
      failures.add(parity(`maskedSelect broadcast mask ${dname}`, [x, randomTensor(rng, [1, 5], torch.bool)], (t, m) => t.maskedSelect(m)));
      failures.add(parity(`maskedFill ${dname}`, [x, mask], (t, m) => t.maskedFill(m, 1)));
      failures.add(parity(`nonzero ${dname}`, [randomTensor(rng, [6, 5], DTYPES[dname], { lo: 0, hi: 1 })], (t) => t.nonzero()));
      failures.add(parity(`nonzero transposed ${dname}`, [randomTensor(rng, [6, 5], DTYPES[dname], { lo: 0, hi: 1 })], (t) => t.t().nonzero()));
      failures.add(parity(`nonzero 3-d ${dname}`, [randomTensor(rng, [3, 4, 5], DTYPES[dname], { lo: 0, hi: 1 })], (t) => t.nonzero()));
      failures.add(parity(`nonzero of empty ${dname}`, [x.narrow(0, 0, 0)], (t) => t.nonzero()));
      failures.add(parity(`nonzero of 0-d ${dname}`, [x.select(0, 0).select(0, 0)], (t) => t.nonzero()));
      failures.add(parity(`select/narrow chain ${dname}`, [x3], (t) => t.select(1, 2).narrow(1, 1, 3).contiguous()));
    }
    // A large mask: compaction over many blocks keeps row-major order.
    const big = randomTensor(rng, [300, 400], torch.float32);
    failures.add(parity('nonzero / maskedSelect on [300,400]', [big], (t) => [t.gt(1).nonzero(), t.maskedSelect(t.lt(-1))]));
    failures.check();
  });

  it('indexPut_ with tensor indices, masks, accumulation and basic indices', () => {
    const rng = mulberry32(1003);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      const x = randomTensor(rng, [6, 5], dtype);
      const unique = torch.tensor([4, 0, 2]);
      const dup = torch.tensor([1, 3, 1, 1, 5]);
      const v3 = randomTensor(rng, [3, 5], dtype);
      const v5 = randomTensor(rng, [5, 5], dtype);
      const mask = randomTensor(rng, [6, 5], torch.bool);
      const put = (fn: (y: Tensor, ...r: Tensor[]) => void) => (t: Tensor, ...rest: Tensor[]) => {
        const y = t.clone();
        fn(y, ...rest);
        return y;
      };
      failures.add(parity(`indexPut_ rows ${dname}`, [x, unique, v3], put((y, i, v) => y.indexPut_([i], v))));
      failures.add(parity(`indexPut_ scalar ${dname}`, [x, unique], put((y, i) => y.indexPut_([i], 1))));
      failures.add(parity(`indexPut_ broadcast row ${dname}`, [x, unique, v3], put((y, i, v) => y.indexPut_([i], v.select(0, 0)))));
      failures.add(parity(`indexPut_ accumulate duplicates ${dname}`, [x, dup, v5], put((y, i, v) => y.indexPut_([i], v, true)), { allowErrors: dname === 'bool' }));
      failures.add(parity(`indexPut_ [i, j] ${dname}`, [x, unique, torch.tensor([1, 4, 0]), v3], put((y, i, j, v) => y.indexPut_([i, j], v.select(1, 0)))));
      failures.add(parity(`indexPut_ [:, j] ${dname}`, [x, torch.tensor([3, 1]), v3], put((y, j, v) => y.indexPut_([':', j], v.narrow(0, 0, 2).t().narrow(0, 0, 1).expand(6, 2)))));
      failures.add(parity(`indexPut_ mask ${dname}`, [x, mask], put((y, m) => y.indexPut_([m], 0))));
      failures.add(parity(`indexPut_ basic [1:3, 0] ${dname}`, [x], put((y) => y.indexPut_(['1:3', 0], 1))));
      failures.add(parity(`indexPut_ basic accumulate ${dname}`, [x, v3], put((y, v) => y.indexPut_(['1:4'], v, true)), { allowErrors: dname === 'bool' }));
    }
    failures.check();
  });
});

// ------------------------------------------------------------------ nn functional

describe.skipIf(!run)(`softmax, losses, layerNorm and activations: ${DEV} vs cpu`, () => {
  it('softmax / logSoftmax over every dim, strided inputs, large rows and -inf', () => {
    const rng = mulberry32(1101);
    const failures = new Failures();
    for (const dtype of [torch.float32, torch.float64]) {
      const x2 = randomTensor(rng, [4, 7], dtype, { lo: -5, hi: 5 });
      const x3 = randomTensor(rng, [3, 4, 5], dtype, { lo: -5, hi: 5 });
      const wide = randomTensor(rng, [3, 3000], dtype, { lo: -50, hi: 50 });
      const withInf = torch.tensor([[0, -Infinity, 1, 2], [-Infinity, -Infinity, -Infinity, -Infinity], [1000, 1000, -1000, 0]], { dtype });
      for (const [name, fn] of [['softmax', (t: Tensor, d: number) => t.softmax(d)], ['logSoftmax', (t: Tensor, d: number) => t.logSoftmax(d)]] as [string, (t: Tensor, d: number) => Tensor][]) {
        for (const d of [0, 1, -1]) failures.add(parity(`${name}(${d}) [4,7] ${dtype.name}`, [x2], (t) => fn(t, d)));
        for (const d of [0, 1, 2]) failures.add(parity(`${name}(${d}) [3,4,5] ${dtype.name}`, [x3], (t) => fn(t, d)));
        failures.add(parity(`${name}(1) transposed ${dtype.name}`, [x2], (t) => fn(t.t(), 1)));
        failures.add(parity(`${name}(0) transposed 3-d ${dtype.name}`, [x3], (t) => fn(t.transpose(0, 2), 0)));
        failures.add(parity(`${name}(1) narrow ${dtype.name}`, [x3], (t) => fn(t.narrow(2, 1, 3), 1)));
        failures.add(parity(`${name}(-1) wide rows ${dtype.name}`, [wide], (t) => fn(t, -1)));
        failures.add(parity(`${name}(0) wide columns ${dtype.name}`, [wide], (t) => fn(t, 0)));
        failures.add(parity(`${name}(1) with -inf ${dtype.name}`, [withInf], (t) => fn(t, 1)));
        failures.add(parity(`F.${name}(0) of 0-d ${dtype.name}`, [torch.tensor(1.5, { dtype })], (t) => fn(t, 0)));
        failures.add(parity(`${name}(1) of [0,3] ${dtype.name}`, [torch.zeros([0, 3], { dtype })], (t) => fn(t, 1)));
      }
    }
    failures.check();
  });

  it('F.crossEntropy (weights, ignoreIndex, labelSmoothing, reductions, k-dim, probabilities) and F.nllLoss', () => {
    const rng = mulberry32(1102);
    const failures = new Failures();
    for (const dtype of [torch.float32, torch.float64]) {
      const logits = randomTensor(rng, [8, 5], dtype, { lo: -4, hi: 4 });
      const target = idx(rng, [8], 5);
      const targetIgnored = torch.tensor([1, -100, 4, 2, -100, 0, 3, 3]);
      const weight = randomTensor(rng, [5], dtype, { lo: 0.5, hi: 2 });
      const logitsK = randomTensor(rng, [2, 5, 3], dtype, { lo: -4, hi: 4 });
      const targetK = idx(rng, [2, 3], 5);
      const probs = randomTensor(rng, [8, 5], dtype, { lo: 0, hi: 1 });
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const tag = `${dtype.name} ${reduction}`;
        failures.add(parity(`crossEntropy ${tag}`, [logits, target], (x, y) => F.crossEntropy(x, y, { reduction })));
        failures.add(parity(`crossEntropy weight ${tag}`, [logits, target, weight], (x, y, w) => F.crossEntropy(x, y, { weight: w, reduction })));
        failures.add(parity(`crossEntropy ignoreIndex ${tag}`, [logits, targetIgnored], (x, y) => F.crossEntropy(x, y, { ignoreIndex: -100, reduction })));
        failures.add(parity(`crossEntropy ignoreIndex=2 ${tag}`, [logits, target], (x, y) => F.crossEntropy(x, y, { ignoreIndex: 2, reduction })));
        failures.add(parity(`crossEntropy labelSmoothing ${tag}`, [logits, target], (x, y) => F.crossEntropy(x, y, { labelSmoothing: 0.1, reduction })));
        failures.add(
          parity(`crossEntropy weight+ignore+smoothing ${tag}`, [logits, targetIgnored, weight], (x, y, w) =>
            F.crossEntropy(x, y, { weight: w, ignoreIndex: -100, labelSmoothing: 0.2, reduction }),
          ),
        );
        failures.add(parity(`crossEntropy k-dim ${tag}`, [logitsK, targetK], (x, y) => F.crossEntropy(x, y, { reduction })));
        failures.add(parity(`crossEntropy k-dim weight ${tag}`, [logitsK, targetK, weight], (x, y, w) => F.crossEntropy(x, y, { weight: w, reduction })));
        failures.add(parity(`crossEntropy probabilities ${tag}`, [logits, probs], (x, p) => F.crossEntropy(x, p.softmax(1), { reduction })));
        failures.add(parity(`crossEntropy transposed logits ${tag}`, [logits, target], (x, y) => F.crossEntropy(x.t().contiguous().t(), y, { reduction })));
        failures.add(parity(`nllLoss ${tag}`, [logits, target], (x, y) => F.nllLoss(x.logSoftmax(1), y, { reduction })));
        failures.add(parity(`nllLoss weight ${tag}`, [logits, target, weight], (x, y, w) => F.nllLoss(x.logSoftmax(1), y, { weight: w, reduction })));
        failures.add(parity(`nllLoss ignoreIndex ${tag}`, [logits, targetIgnored], (x, y) => F.nllLoss(x, y, { ignoreIndex: -100, reduction })));
      }
      failures.add(parity(`crossEntropy unbatched ${dtype.name}`, [logits, torch.tensor(3)], (x, y) => F.crossEntropy(x.select(0, 0), y)));
      failures.add(parity(`crossEntropy all ignored ${dtype.name}`, [logits, torch.full([8], -100, { dtype: torch.int64 })], (x, y) => F.crossEntropy(x, y)));
    }
    failures.check();
  });

  it('F.layerNorm with and without affine parameters, over one and two dims', () => {
    const rng = mulberry32(1103);
    const failures = new Failures();
    for (const dtype of [torch.float32, torch.float64]) {
      const x = randomTensor(rng, [6, 10], dtype, { lo: -3, hi: 3 });
      const x3 = randomTensor(rng, [2, 3, 8], dtype, { lo: -3, hi: 3 });
      const w = randomTensor(rng, [10], dtype);
      const b = randomTensor(rng, [10], dtype);
      const w2 = randomTensor(rng, [3, 8], dtype);
      const b2 = randomTensor(rng, [3, 8], dtype);
      const wide = randomTensor(rng, [4, 4096], dtype, { lo: 5, hi: 6 });
      failures.add(parity(`layerNorm affine ${dtype.name}`, [x, w, b], (t, ww, bb) => F.layerNorm(t, [10], ww, bb)));
      failures.add(parity(`layerNorm no affine ${dtype.name}`, [x], (t) => F.layerNorm(t, [10])));
      failures.add(parity(`layerNorm eps=0.1 ${dtype.name}`, [x, w], (t, ww) => F.layerNorm(t, 10, ww, null, 0.1)));
      failures.add(parity(`layerNorm transposed input ${dtype.name}`, [x, randomTensor(rng, [6], dtype)], (t, ww) => F.layerNorm(t.t(), [6], ww)));
      failures.add(parity(`layerNorm [3,8] of 3-d ${dtype.name}`, [x3, w2, b2], (t, ww, bb) => F.layerNorm(t, [3, 8], ww, bb)));
      failures.add(parity(`layerNorm wide rows, large mean ${dtype.name}`, [wide], (t) => F.layerNorm(t, [4096]), dtype === torch.float32 ? { tol: { rtol: 1e-4, atol: 1e-4 } } : {}));
      failures.add(parity(`nn.LayerNorm module ${dtype.name}`, [x3], (t) => {
        const ln = new torch.nn.LayerNorm(8, { dtype });
        ln.to(t.device);
        return ln(t);
      }));
    }
    failures.check();
  });

  it('F.dropout: statistics on the device (the mask itself differs from the CPU)', () => {
    for (const dtype of [torch.float32, torch.float64]) {
      const x = torch.ones(1_000_000, { device: DEV, dtype });
      const p = 0.3;
      const y = F.dropout(x, p, true);
      expect(String(y.device)).toBe(DEV_NAME);
      expect(y.dtype).toBe(dtype);
      const zeroFraction = y.eq(0).double().mean().item() as number;
      expect(Math.abs(zeroFraction - p)).toBeLessThan(0.01);
      expect(Math.abs((y.mean().item() as number) - 1)).toBeLessThan(0.01);
      const kept = y.maskedSelect(y.ne(0));
      expect(Math.abs((kept.min().item() as number) - 1 / (1 - p))).toBeLessThan(1e-6);
      expect(Math.abs((kept.max().item() as number) - 1 / (1 - p))).toBeLessThan(1e-6);
      expect(F.dropout(x, p, false)).toBe(x);
      const all = F.dropout(x.narrow(0, 0, 1000), 1, true);
      expect(all.eq(0).all().itemBool()).toBe(true);
      const noneDropped = F.dropout(x.narrow(0, 0, 1000), 0, true);
      expect(noneDropped.eq(1).all().itemBool()).toBe(true);
    }
  });
});

// ------------------------------------------------------------------ shape ops and in-place

describe.skipIf(!run)(`cat, stack, contiguous, clone and in-place ops on views: ${DEV} vs cpu`, () => {
  it('cat / stack / contiguous / clone / reshape of views, every dtype', () => {
    const rng = mulberry32(1201);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      const a = randomTensor(rng, [5, 4], dtype);
      const b = randomTensor(rng, [4, 6], dtype);
      const c = randomTensor(rng, [0, 4], dtype);
      failures.add(parity(`cat dim 0 of views ${dname}`, [a, b], (x, y) => torch.cat([x, y.t().narrow(0, 1, 3).t().t(), x.select(0, 1).unsqueeze(0)], 0)));
      failures.add(parity(`cat dim 1 ${dname}`, [a, b], (x, y) => torch.cat([x.t(), y, y.narrow(1, 0, 1)], 1)));
      failures.add(parity(`cat with empty ${dname}`, [a, c], (x, y) => torch.cat([y, x, y], 0)));
      failures.add(parity(`cat with 1-d empty ${dname}`, [a], (x) => torch.cat([x, torch.zeros([0], { dtype, device: x.device })], 0)));
      failures.add(parity(`cat expanded ${dname}`, [a], (x) => torch.cat([x.narrow(0, 0, 1).expand(3, 4), x], 0)));
      failures.add(parity(`stack dim 0 ${dname}`, [a, b], (x, y) => torch.stack([x, y.t().narrow(0, 0, 5)], 0)));
      failures.add(parity(`stack dim -1 ${dname}`, [a, b], (x, y) => torch.stack([x, y.t().narrow(0, 1, 5), x], -1)));
      failures.add(parity(`contiguous of transposed ${dname}`, [a], (x) => x.t().contiguous()));
      failures.add(parity(`contiguous of strided ${dname}`, [b], (x) => x.index('::2', '1::3').contiguous()));
      failures.add(parity(`clone of expanded ${dname}`, [a], (x) => x.select(1, 2).unsqueeze(1).expand(5, 3).clone()));
      failures.add(parity(`reshape of transposed ${dname}`, [a], (x) => x.t().reshape(-1)));
      failures.add(parity(`flatten of permuted ${dname}`, [randomTensor(rng, [2, 3, 4], dtype)], (x) => x.permute(2, 0, 1).flatten()));
      failures.add(parity(`T of 3-d ${dname}`, [randomTensor(rng, [2, 3, 4], dtype)], (x) => x.T.contiguous()));
    }
    failures.add(parity('cat of mixed dtypes', [randomTensor(rng, [2, 3], torch.int32), randomTensor(rng, [2, 3], torch.float32)], (x, y) => torch.cat([x, y]), { allowErrors: true }));
    failures.check();
  });

  it('add_ / sub_ / mul_ / div_ / pow_ / clamp_ / relu_ / neg_ on device views', () => {
    const rng = mulberry32(1202);
    const failures = new Failures();
    const INPLACE: [string, (y: Tensor, o: Tensor) => void][] = [
      ['add_ tensor on narrow', (y, o) => y.narrow(1, 1, 3).add_(o.narrow(1, 0, 3))],
      ['add_ alpha on transposed', (y, o) => y.t().add_(o.t(), { alpha: 2 })],
      ['add_ broadcast row', (y, o) => y.add_(o.select(0, 0))],
      ['add_ scalar on strided', (y) => y.index('::2', '1::2').add_(3)],
      ['sub_ on select', (y, o) => y.select(0, 2).sub_(o.select(0, 1))],
      ['mul_ on transposed narrow', (y, o) => y.t().narrow(0, 1, 2).mul_(o.t().narrow(0, 0, 2))],
      ['mul_ scalar', (y) => y.mul_(-2)],
      ['div_ scalar on narrow', (y) => y.narrow(0, 1, 3).div_(4)],
      ['div_ tensor', (y, o) => y.div_(o.abs().add(1))],
      ['pow_ 2 on strided', (y) => y.index('1::2').pow_(2)],
      ['clamp_ on transposed', (y) => y.t().clamp_(-1, 1)],
      ['relu_ on narrow', (y) => y.narrow(1, 0, 2).relu_()],
      ['neg_ on expanded base view', (y) => y.narrow(0, 0, 2).neg_()],
      ['in-place chain on a 0-d view', (y) => y.select(0, 0).select(0, 0).add_(1).mul_(3)],
    ];
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      const x = randomTensor(rng, [6, 5], dtype);
      const o = randomTensor(rng, [6, 5], dtype);
      for (const [name, fn] of INPLACE) {
        failures.add(
          parity(`${name} ${dname}`, [x, o], (t, other) => {
            const y = t.clone();
            fn(y, other);
            return y;
          }, { allowErrors: !isFloat(dname) }),
        );
      }
    }
    failures.check();
  });

  it('copy_ between device tensors (views, broadcast, dtype conversion)', () => {
    const rng = mulberry32(1203);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      const x = randomTensor(rng, [6, 5], dtype);
      const s = randomTensor(rng, [5, 6], dtype);
      failures.add(parity(`copy_ transposed source ${dname}`, [x, s], (t, src) => t.clone().copy_(src.t())));
      failures.add(parity(`copy_ into transposed view ${dname}`, [x, s], (t, src) => { const y = t.clone(); y.t().copy_(src); return y; }));
      failures.add(parity(`copy_ into narrow from strided ${dname}`, [x, s], (t, src) => { const y = t.clone(); y.narrow(0, 1, 3).copy_(src.t().index('::2')); return y; }));
      failures.add(parity(`copy_ broadcast 0-d ${dname}`, [x, s], (t, src) => { const y = t.clone(); y.copy_(src.select(0, 0).select(0, 0)); return y; }));
      for (const to of DTYPE_NAMES) {
        failures.add(parity(`copy_ ${dname} -> ${to}`, [x], (t) => torch.zeros([6, 5], { dtype: DTYPES[to], device: t.device }).copy_(t)));
      }
    }
    failures.check();
  });

  it.skipIf(SELF_TEST)('copy_ across devices either copies or refuses with the same-device error (never corrupts)', () => {
    const src = torch.arange(6, { dtype: torch.float32 }).reshape(2, 3);
    for (const [dst, from, expectedDevice] of [
      [torch.zeros(2, 3, { device: 'cuda' }), src, 'cuda:0'],
      [torch.zeros(2, 3), src.cuda(), 'cpu'],
      [torch.zeros(3, 2, { device: 'cuda' }).t(), src, 'cuda:0'],
    ] as [Tensor, Tensor, string][]) {
      let error: Error | null = null;
      try {
        dst.copy_(from);
      } catch (e) {
        error = e as Error;
      }
      if (error !== null) {
        expect(error.message).toMatch(/^Expected all tensors to be on the same device, but found at least two devices, /);
      } else {
        expect(String(dst.device)).toBe(expectedDevice);
        expect(dst.cpu().tolist()).toEqual(src.tolist());
      }
    }
  });
});

// ------------------------------------------------------------------ random

describe.skipIf(!run)(`random numbers on ${DEV}`, () => {
  const seed = (n: number): void => (SELF_TEST ? torch.manualSeed(n) : torch.cuda.manualSeed(n));

  it('rand(1e6) is uniform in [0, 1) with mean 0.5 +- 0.01', async () => {
    seed(1);
    const x = torch.rand(1_000_000, { device: DEV });
    expect(String(x.device)).toBe(DEV_NAME);
    expect(x.dtype).toBe(torch.float32);
    const values = (await x.data()) as Float32Array;
    let lo = Infinity;
    let hi = -Infinity;
    let total = 0;
    const buckets = new Array<number>(10).fill(0);
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      total += v;
      buckets[Math.min(9, Math.floor(v * 10))]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(total / values.length - 0.5)).toBeLessThan(0.01);
    for (const count of buckets) expect(Math.abs(count / values.length - 0.1)).toBeLessThan(0.005);
    const x64 = torch.rand(100_000, { device: DEV, dtype: torch.float64 });
    expect(x64.dtype).toBe(torch.float64);
    expect(x64.min().item()).toBeGreaterThanOrEqual(0);
    expect(x64.max().item()).toBeLessThan(1);
  });

  it('randn(1e6) has mean 0 and std 1 (+- 0.01)', () => {
    seed(2);
    const x = torch.randn(1_000_000, { device: DEV });
    expect(String(x.device)).toBe(DEV_NAME);
    expect(Math.abs(x.mean().item() as number)).toBeLessThan(0.01);
    expect(Math.abs((x.std().item() as number) - 1)).toBeLessThan(0.01);
    expect(x.ne(x).any().itemBool()).toBe(false);
    const frac = x.abs().lt(1).double().mean().item() as number;
    expect(Math.abs(frac - 0.6827)).toBeLessThan(0.01);
  });

  it('randint stays in range and hits every value', () => {
    seed(3);
    const x = torch.randint(-3, 7, [100_000], { device: DEV });
    expect(String(x.device)).toBe(DEV_NAME);
    expect(x.dtype).toBe(torch.int64);
    expect(x.min().item()).toBe(-3);
    expect(x.max().item()).toBe(6);
    const counts = torch.stack(Array.from({ length: 10 }, (_, i) => x.eq(i - 3).sum())).cpu().tolist() as number[];
    for (const c of counts) expect(Math.abs(c / 100_000 - 0.1)).toBeLessThan(0.01);
    const y = torch.randint(5, [1000], { device: DEV, dtype: torch.int32 });
    expect(y.dtype).toBe(torch.int32);
    expect(y.min().item()).toBeGreaterThanOrEqual(0);
    expect(y.max().item()).toBeLessThan(5);
  });

  it('manualSeed: the same seed gives the same values, another seed different ones', () => {
    const draw = (): number[] => [
      ...Array.from(torch.rand(1000, { device: DEV }).dataSync() as Float32Array),
      ...Array.from(torch.randn(1000, { device: DEV }).dataSync() as Float32Array),
      ...Array.from(torch.randint(0, 1000, [100], { device: DEV }).dataSync() as BigInt64Array, Number),
    ];
    seed(123);
    const a = draw();
    seed(123);
    const b = draw();
    seed(124);
    const c = draw();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // torch.manualSeed seeds every device, as in PyTorch.
    torch.manualSeed(77);
    const d = draw();
    torch.manualSeed(77);
    expect(draw()).toEqual(d);
    // In-place random fills on device views.
    seed(5);
    const z = torch.zeros(100, 10, { device: DEV });
    z.t().narrow(0, 2, 3).uniform_(-2, -1);
    const cpu = z.cpu();
    expect(cpu.narrow(1, 2, 3).ge(-2).all().itemBool()).toBe(true);
    expect(cpu.narrow(1, 2, 3).lt(-1).all().itemBool()).toBe(true);
    expect(cpu.narrow(1, 0, 2).eq(0).all().itemBool()).toBe(true);
    expect(cpu.narrow(1, 5, 5).eq(0).all().itemBool()).toBe(true);
  });
});
