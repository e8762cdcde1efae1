/**
 * The native row sort and row scans (and the ops built on them) on CUDA vs the CPU: every
 * dim of a 3-d input, each kernel dtype and the ones cast to it, ties, NaNs and infinities
 * (the CUDA sort ranks elements and must give the CPU's stable order exactly; where the CPU
 * follows PyTorch's unstable algorithms, values agree and indices point at them), long rows,
 * empty and 0-d tensors, and the gradients.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { Failures, SELF_TEST, cudaGate, expectMatch, mulberry32, parity, randomTensor, toDev } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);

type Fn = (x: Tensor, d: number) => Tensor | Tensor[];
/**
 * Ops whose every output agrees between devices even among ties: the stable sort and the
 * scans (cummax/cummin's tie rule is written out).
 */
const EXACT: [string, Fn, boolean][] = [
  // name, op, floats only
  ['stable sort', (x, d) => x.sort({ dim: d, stable: true }), false],
  ['stable sort descending', (x, d) => x.sort({ dim: d, descending: true, stable: true }), false],
  ['cumsum', (x, d) => x.cumsum(d), false],
  ['cumprod', (x, d) => x.cumprod(d), false],
  ['cummax', (x, d) => x.cummax(d), false],
  ['cummin', (x, d) => x.cummin(d), false],
  ['logcumsumexp', (x, d) => x.logcumsumexp(d), true],
];
/**
 * Ops whose index among ties is PyTorch's CPU algorithm's on the CPU (std::sort,
 * nth_element, quick select) and the stable order's on CUDA, as PyTorch's CUDA kernels
 * also differ from its CPU there: their values must agree, and each index must point at
 * its value.
 */
const VALUES: [string, (x: Tensor, d: number) => [Tensor, Tensor]][] = [
  ['sort', (x, d) => x.sort(d)],
  ['sort descending', (x, d) => x.sort(d, true)],
  ['topk', (x, d) => x.topk(Math.min(2, x.shape.at(d) ?? 1), d)],
  ['topk smallest', (x, d) => x.topk(Math.min(3, x.shape.at(d) ?? 1), d, false)],
  ['kthvalue', (x, d) => x.kthvalue(Math.min(2, x.shape.at(d) ?? 1), d, true)],
  ['mode', (x, d) => x.mode(d, true)],
  // median's index among ties is the stable order's on PyTorch's CPU and the first index
  // holding the value on its CUDA (the gradient test below pins both).
  ['median', (x, d) => x.median(d, true)],
  ['nanmedian', (x, d) => x.nanmedian(d, true)],
];
const OPS: [string, Fn, boolean][] = [...EXACT, ...VALUES.map(([n, f]): [string, Fn, boolean] => [n, f, false])];

/** Values agree with the CPU's; indices pick those values out of x on the device. */
function valuesParity(label: string, x: Tensor, d: number, fn: (x: Tensor, d: number) => [Tensor, Tensor]): string | null {
  return torch.tidy(() => {
    const [expected] = fn(x, d);
    const dev = toDev(x);
    const [values, indices] = fn(dev, d);
    const picked = dev.gather(d, indices);
    for (const [what, got] of [['values', values], ['the values at the indices', picked]] as const) {
      const a = got.cpu().double();
      const e = expected.double();
      const same = a.eq(e).logicalOr(a.ne(a).logicalAnd(e.ne(e))).all().item();
      if (!same) return `${label}: ${what} differ from the CPU's`;
    }
    return null;
  });
}

/** Values drawn from a few levels (ties), with NaN and infinities among the floats. */
function tied(rng: () => number, shape: number[], dtype: torch.DType): Tensor {
  const base = randomTensor(rng, shape, torch.float64, { lo: 0, hi: 5 }).floor();
  const flat = base.reshape([-1]);
  if (dtype.isFloatingPoint && flat.shape[0] > 6) {
    flat.indexPut_([torch.tensor([1, 4])], NaN);
    flat.indexPut_([torch.tensor([2])], Infinity);
    flat.indexPut_([torch.tensor([5])], -Infinity);
  }
  return flat.reshape(shape).to(dtype);
}

describe.runIf(run)('sorting and scans on CUDA match the CPU', () => {
  it('every op, every dim, float32/float64/int64/int32/float16/uint8, with ties and NaN', () => {
    const failures = new Failures();
    const rng = mulberry32(7);
    for (const dtype of [torch.float32, torch.float64, torch.int64, torch.int32, torch.float16, torch.uint8]) {
      const x = tied(rng, [3, 4, 6], dtype);
      const wide = randomTensor(rng, [2, 700], dtype.isFloatingPoint ? dtype : torch.float64, { lo: -50, hi: 50 }).to(dtype);
      for (const [name, fn, floatOnly] of EXACT) {
        if (floatOnly && !dtype.isFloatingPoint) continue;
        for (const d of [0, 1, 2, -1]) failures.add(parity(`${name}(${d}) ${dtype.name}`, [x], (t) => fn(t, d)));
        if (name !== 'cumprod') failures.add(parity(`${name} of a long row ${dtype.name}`, [wide], (t) => fn(t, 1)));
      }
      for (const [name, fn] of VALUES) {
        // mode of a slice holding NaN is where PyTorch's CPU and flint's CUDA part: PyTorch
        // counts runs in an order its NaN-unaware sort left (the CPU's std::sort; its CUDA
        // agreed on three such slices on an H200), so a NaN can split a run of equal
        // values. flint's CUDA sorts NaN last and counts each NaN as its own value.
        // Without NaN they agree (the tie-free and integer rows here).
        const input = name === 'mode' && dtype.isFloatingPoint ? x.nanToNum(0.5, 1e4, -1e4) : x;
        for (const d of [0, 1, 2, -1]) failures.add(valuesParity(`${name}(${d}) ${dtype.name}`, input, d, fn));
        failures.add(valuesParity(`${name} of a long row ${dtype.name}`, wide, 1, fn));
      }
      // one long row: the CUDA scan splits it into chunks and carries state across them
      const long = tied(rng, [1, 20000], dtype);
      for (const [name, fn, floatOnly] of EXACT.filter(([n]) => n.startsWith('cum') || n === 'logcumsumexp')) {
        if (floatOnly && !dtype.isFloatingPoint) continue;
        const input = name === 'cumprod' ? randomTensor(rng, [1, 20000], torch.float64, { lo: 0.999, hi: 1.001 }).to(dtype) : long;
        failures.add(parity(`${name} of one row of 20000 ${dtype.name}`, [input], (t) => fn(t, 1)));
      }
      // a transposed (non-contiguous) input goes through the rows copy
      failures.add(parity(`sort of a transposed view ${dtype.name}`, [x], (t) => t.transpose(0, 2).sort({ dim: 1, stable: true })));
    }
    failures.check();
  });

  it('counting ops built on the sort: unique, uniqueConsecutive, searchsorted, nansum', () => {
    const failures = new Failures();
    const x = tied(mulberry32(3), [4, 5], torch.int64);
    failures.add(parity('unique', [x], (t) => torch.unique(t, { returnInverse: true, returnCounts: true }) as Tensor[]));
    failures.add(parity('unique dim 1', [x], (t) => torch.unique(t, { dim: 1, returnInverse: true, returnCounts: true }) as Tensor[]));
    failures.add(parity('uniqueConsecutive', [x], (t) => torch.uniqueConsecutive(t, { returnCounts: true }) as Tensor[]));
    const edges = torch.tensor([0.5, 1, 1, 3, 4.5]);
    failures.add(parity('searchsorted', [edges, x.float()], (e, v) => torch.searchsorted(e, v, { right: true })));
    failures.add(parity('nansum', [tied(mulberry32(4), [3, 7], torch.float64)], (t) => t.nansum(1)));
    failures.check();
  });

  it('empty and 0-d inputs', () => {
    const failures = new Failures();
    for (const [name, fn] of OPS) {
      // medians, modes and k-th values of an empty row are errors on both devices
      failures.add(parity(`${name} of [2, 0]`, [torch.zeros([2, 0])], (t) => fn(t, 1), { allowErrors: true }));
      failures.add(parity(`${name} of 0-d`, [torch.tensor(1.5)], (t) => fn(t, 0)));
    }
    failures.check();
  });

  it('gradients of sort, topk, cumsum, cumprod (with zeros), cummax and logcumsumexp', () => {
    const x = torch.tensor([[1.5, 0, -2, 3, 0.5], [0, 2, 0, -1, 4], [1, 1, 2, -0.5, 3]], { dtype: torch.float64 });
    const fns: [string, (t: Tensor) => Tensor][] = [
      ['sort', (t) => t.sort(1, true).values],
      ['topk', (t) => t.topk(2, 0).values],
      ['cumsum', (t) => t.cumsum(0)],
      ['cumprod', (t) => t.cumprod(1)],
      ['cummax', (t) => t.cummax(1).values],
      ['logcumsumexp', (t) => t.logcumsumexp(1)],
      ['median', (t) => t.median(1).values],
      ['kthvalue', (t) => t.kthvalue(2, 1).values],
    ];
    // Rows 1 and 2 tie at their median and second smallest. PyTorch 2.11 on an H200 picks
    // the first index holding the value on CUDA (median [4, 0, 0], kthvalue(2) [1, 0, 0]);
    // its CPU picks [4, 2, 1] and [1, 2, 0]. The gradient follows the index.
    const CUDA_TIES: Record<string, number[]> = { median: [4, 0, 0], kthvalue: [1, 0, 0] };
    for (const [name, fn] of fns) {
      const cpu = x.clone().requiresGrad_();
      const dev = toDev(x).requiresGrad_();
      const g = torch.linspace(-1, 2, fn(cpu).numel(), { dtype: torch.float64 });
      fn(cpu).backward(g.reshape(fn(cpu).shape));
      fn(dev).backward(toDev(g).reshape(fn(dev).shape));
      const ties = SELF_TEST ? undefined : CUDA_TIES[name];
      const expected = ties === undefined
        ? cpu.grad!
        : torch.zeros([3, 5], { dtype: torch.float64 }).scatter(1, torch.tensor(ties.map((i) => [i])), g.reshape([3, 1]));
      expectMatch(dev.grad!.cpu(), expected, { rtol: 1e-10, atol: 1e-12 }, name);
    }
    expect(x.cumprod(1).gradFn).toBeNull();
  });
});
