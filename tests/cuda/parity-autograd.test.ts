/**
 * Autograd on CUDA vs the CPU: composite functions run forward and backward from the same
 * inputs on both devices, and the outputs and every leaf's gradient must agree (float32
 * within rtol 1e-4, float64 within 1e-10). Also: `x.to('cuda')` of a CPU leaf records
 * ToCopyBackward0 and its gradient arrives on the CPU leaf.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, DEV_NAME, SELF_TEST, cudaGate, expectMatch, mismatch, mulberry32, randomTensor, toDev, type Tol } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const F = torch.nn.functional;

const TOLS: [torch.DType, Tol][] = [
  [torch.float32, { rtol: 1e-4, atol: 1e-5 }],
  [torch.float64, { rtol: 1e-10, atol: 1e-12 }],
];

/** One input: a floating leaf that requires grad, a floating constant, or integer/bool data. */
type Spec = { shape: number[]; grad?: boolean; lo?: number; hi?: number } | { index: number[]; high: number } | { mask: number[] } | { fixed: Tensor };

interface Case {
  name: string;
  inputs: Spec[];
  fn: (...xs: Tensor[]) => Tensor;
}

const leaf = (...shape: number[]): Spec => ({ shape, grad: true });
const data = (...shape: number[]): Spec => ({ shape });

const CASES: Case[] = [
  {
    name: 'MLP (F.linear, relu) + crossEntropy',
    inputs: [data(16, 20), leaf(32, 20), leaf(32), leaf(5, 32), leaf(5), { index: [16], high: 5 }],
    fn: (x, w1, b1, w2, b2, y) => F.crossEntropy(F.linear(F.linear(x, w1, b1).relu(), w2, b2), y),
  },
  {
    name: 'MLP (matmul, tanh, sigmoid) + mse',
    inputs: [leaf(8, 6), leaf(6, 7), leaf(7), leaf(7, 3), data(8, 3)],
    fn: (x, w, b, v, t) => F.mseLoss(x.matmul(w).add(b).tanh().matmul(v).sigmoid(), t),
  },
  {
    name: 'crossEntropy weight + ignoreIndex + labelSmoothing',
    inputs: [leaf(10, 6), { fixed: torch.tensor([0, 5, -100, 2, 2, 1, -100, 3, 4, 0]) }, { shape: [6], lo: 0.5, hi: 2 }],
    fn: (x, y, w) => F.crossEntropy(x, y, { weight: w, ignoreIndex: -100, labelSmoothing: 0.15 }),
  },
  {
    name: 'crossEntropy k-dim, sum',
    inputs: [leaf(3, 5, 4), { index: [3, 4], high: 5 }],
    fn: (x, y) => F.crossEntropy(x, y, { reduction: 'sum' }),
  },
  {
    name: 'nllLoss of logSoftmax, weight, none',
    inputs: [leaf(7, 4), { index: [7], high: 4 }, { shape: [4], lo: 0.5, hi: 2 }],
    fn: (x, y, w) => F.nllLoss(x.logSoftmax(1), y, { weight: w, reduction: 'none' }),
  },
  {
    name: 'layerNorm affine',
    inputs: [leaf(6, 10), leaf(10), leaf(10)],
    fn: (x, w, b) => F.layerNorm(x, [10], w, b),
  },
  {
    name: 'layerNorm over two dims of a transposed input',
    inputs: [leaf(2, 8, 3), leaf(3, 8)],
    fn: (x, w) => F.layerNorm(x.transpose(1, 2), [3, 8], w),
  },
  {
    name: 'batchNorm training with affine',
    inputs: [leaf(12, 5), leaf(5), leaf(5)],
    fn: (x, w, b) => F.batchNorm(x, null, null, { training: true, weight: w, bias: b }),
  },
  { name: 'softmax dim 1', inputs: [leaf(5, 7)], fn: (x) => x.softmax(1) },
  { name: 'softmax dim 0 of a transposed input', inputs: [leaf(5, 7)], fn: (x) => x.t().softmax(0) },
  { name: 'logSoftmax dim -1, 3-d', inputs: [leaf(2, 3, 9)], fn: (x) => x.logSoftmax(-1) },
  {
    name: 'matmul chain',
    inputs: [leaf(4, 5), leaf(5, 6), leaf(6, 3)],
    fn: (a, b, c) => a.matmul(b).matmul(c),
  },
  {
    name: 'batched broadcast matmul',
    inputs: [leaf(2, 3, 4, 5), leaf(5, 6)],
    fn: (a, b) => a.matmul(b),
  },
  {
    name: 'bmm of transposed operands',
    inputs: [leaf(3, 5, 4), leaf(3, 6, 5)],
    fn: (a, b) => a.transpose(1, 2).bmm(b.transpose(1, 2)),
  },
  {
    name: 'addmm, mv, dot',
    inputs: [leaf(4, 3), leaf(4, 6), leaf(6, 3), leaf(3), leaf(4)],
    fn: (c, a, b, v, u) => torch.addmm(c, a, b, { beta: 0.5, alpha: 2 }).mv(v).dot(u),
  },
  {
    name: 'F.linear of a transposed input',
    inputs: [leaf(6, 8), leaf(5, 6), leaf(5)],
    fn: (x, w, b) => F.linear(x.t(), w, b),
  },
  {
    name: 'broadcasting add / mul / sub / div',
    inputs: [leaf(3, 1, 5), leaf(4, 5), leaf(5), leaf(1)],
    fn: (a, b, c, d) => a.add(b).mul(c).sub(d).div(b.abs().add(0.5)),
  },
  {
    name: 'pow, maximum, minimum, where',
    inputs: [{ shape: [4, 5], grad: true, lo: 0.2, hi: 2 }, leaf(4, 5), leaf(4, 5), { mask: [4, 5] }],
    fn: (a, b, c, m) => torch.where(m, a.pow(b), b.maximum(c).minimum(a)),
  },
  {
    name: 'unary chain',
    inputs: [leaf(4, 6)],
    fn: (x) =>
      torch.stack([
        x.exp(), x.abs().add(1).log(), x.abs().add(0.1).sqrt(), x.sin(), x.cos(), x.sigmoid(), x.tanh(), x.relu(),
        F.gelu(x), F.gelu(x, { approximate: 'tanh' }), F.silu(x), F.leakyRelu(x, 0.1), x.clamp(-0.5, 0.7), x.erf(),
        x.abs().add(0.5).rsqrt(), x.abs().add(0.5).reciprocal(), x.square(), x.abs().log1p(), x.abs(), x.neg(),
      ]),
  },
  {
    name: 'reductions',
    inputs: [{ shape: [3, 4, 5], grad: true, lo: 0.5, hi: 1.5 }],
    fn: (x) =>
      torch.cat([
        x.sum(1).flatten(), x.mean([0, 2], true).flatten(), x.var(1).flatten(), x.std().reshape(1), x.max(1)[0].flatten(),
        x.min().reshape(1), x.norm().reshape(1), x.norm(1, 2).flatten(), x.prod(2).flatten(), x.sum().reshape(1),
      ]),
  },
  {
    name: 'reductions of a transposed input',
    inputs: [leaf(4, 6)],
    fn: (x) => torch.cat([x.t().sum(0), x.t().mean(1), x.t().softmax(1).max(1)[0], x.t().var(0, { correction: 0 })]),
  },
  {
    name: 'gather / indexSelect / index / maskedFill',
    inputs: [leaf(5, 6), { index: [5, 3], high: 6 }, { index: [7], high: 5 }, { mask: [5, 6] }],
    fn: (x, gi, si, m) =>
      torch.cat([x.gather(1, gi).flatten(), x.indexSelect(0, si).flatten(), x.index(si).flatten(), x.index(m), x.maskedFill(m, 0).flatten()]),
  },
  {
    name: 'scatter / scatterAdd (both inputs)',
    inputs: [leaf(5, 4), { fixed: torch.tensor([[0, 1, 2, 3], [4, 0, 1, 2]]) }, leaf(2, 4), { index: [6, 4], high: 5 }, leaf(6, 4)],
    fn: (x, i, s, j, t) => x.scatter(0, i, s).scatterAdd(0, j, t),
  },
  {
    name: 'views: select, narrow, expand, permute, reshape, cat, stack',
    inputs: [leaf(4, 5), leaf(2, 5)],
    fn: (a, b) =>
      torch.cat([a.select(0, 1).narrow(0, 1, 3).unsqueeze(0).expand(3, 3).reshape(9), torch.cat([a, b], 0).permute(1, 0).flatten(), torch.stack([a.narrow(0, 0, 2), b], 2).flatten()]),
  },
  {
    name: 'in-place ops on a non-leaf and on a view (CopySlices)',
    inputs: [leaf(4, 5), leaf(4, 5), leaf(5)],
    fn: (a, b, c) => {
      const y = a.mul(2);
      y.add_(b);
      y.mul_(c);
      y.narrow(1, 1, 2).mul_(3);
      y.select(0, 2).add_(c);
      return y.sigmoid();
    },
  },
  {
    name: 'indexPut_ with a value that requires grad',
    inputs: [leaf(5, 4), leaf(2, 4)],
    fn: (x, v) => x.mul(1).indexPut_([torch.tensor([3, 1], { device: x.device })], v).tanh(),
  },
  // The activationBackward kernel, one op each, and the composed elementwise math.
  { name: 'softplus + elu + selu + celu', inputs: [leaf(6, 7)], fn: (x) => F.softplus(x, 2, 1).add(F.elu(x, 0.5)).add(F.selu(x)).add(F.celu(x, 2)) },
  { name: 'hardtanh + hardsigmoid + hardswish (transposed)', inputs: [leaf(7, 6)], fn: (x) => F.hardtanh(x.t(), -0.5, 0.5).add(F.hardsigmoid(x.t().mul(4))).add(F.hardswish(x.t().mul(4))) },
  { name: 'mish + logsigmoid + shrinks + threshold', inputs: [leaf(5, 8)], fn: (x) => F.mish(x).add(F.logsigmoid(x)).add(F.hardshrink(x, 0.3)).add(F.softshrink(x, 0.3)).add(F.threshold(x, 0.1, 2)) },
  { name: 'gelu + gelu tanh (native GeluBackward, transposed)', inputs: [leaf(6, 5)], fn: (x) => F.gelu(x.t().mul(3)).add(F.gelu(x.t().mul(3), { approximate: 'tanh' })) },
  { name: 'glu + prelu', inputs: [leaf(4, 3, 6), leaf(3)], fn: (x, w) => F.prelu(F.glu(x, -1), w) },
  { name: 'hypot, logaddexp, lerp, addcdiv', inputs: [leaf(4, 5), leaf(4, 5), leaf(5)], fn: (a, b, w) => a.hypot(b).add(a.logaddexp(b)).add(a.lerp(b, w)).add(a.addcdiv(b, w.exp())) },
];

function makeInputs(specs: Spec[], dtype: torch.DType, seed: number): { tensors: Tensor[]; grad: boolean[] } {
  const rng = mulberry32(seed);
  const tensors: Tensor[] = [];
  const grad: boolean[] = [];
  for (const s of specs) {
    if ('index' in s) {
      tensors.push(randomTensor(rng, s.index, torch.int64, { lo: 0, hi: s.high - 1 }));
      grad.push(false);
    } else if ('mask' in s) {
      tensors.push(randomTensor(rng, s.mask, torch.bool));
      grad.push(false);
    } else if ('fixed' in s) {
      tensors.push(s.fixed);
      grad.push(false);
    } else {
      tensors.push(randomTensor(rng, s.shape, dtype, { lo: s.lo ?? -1.5, hi: s.hi ?? 1.5 }));
      grad.push(s.grad === true);
    }
  }
  return { tensors, grad };
}

/** Forward + backward with the same upstream gradient on the CPU and on the device. */
function gradParity(label: string, specs: Spec[], fn: (...xs: Tensor[]) => Tensor, dtype: torch.DType, tol: Tol, seed: number): string[] {
  const { tensors, grad } = makeInputs(specs, dtype, seed);
  const cpuLeaves = tensors.map((t, i) => (grad[i] ? t.detach().clone().requiresGrad_() : t));
  const devLeaves = tensors.map((t, i) => (grad[i] ? toDev(t).requiresGrad_() : toDev(t)));
  const problems: string[] = [];
  let yCpu: Tensor;
  try {
    yCpu = fn(...cpuLeaves);
  } catch (error) {
    return [`${label}: the CPU threw ${(error as Error).message}`];
  }
  const upstream = randomTensor(mulberry32(seed + 1), yCpu.shape, yCpu.dtype, { lo: -1, hi: 1 });
  yCpu.backward(upstream);
  let yDev: Tensor;
  try {
    yDev = fn(...devLeaves);
    if (String(yDev.device) !== DEV_NAME) problems.push(`${label}: output on ${yDev.device}`);
    yDev.backward(toDev(upstream));
  } catch (error) {
    return [`${label}: ${DEV} threw ${(error as Error).message}`];
  }
  const m = mismatch(yDev.detach(), yCpu.detach(), tol);
  if (m !== null) problems.push(`${label} output: ${m}`);
  grad.forEach((g, i) => {
    if (!g) return;
    const gc = cpuLeaves[i].grad;
    const gd = devLeaves[i].grad;
    if (gc === null || gd === null) {
      problems.push(`${label} grad ${i}: ${gc === null ? 'no CPU grad' : 'no device grad'}`);
      return;
    }
    if (String(gd.device) !== DEV_NAME) problems.push(`${label} grad ${i}: on ${gd.device}`);
    const gm = mismatch(gd, gc, tol);
    if (gm !== null) problems.push(`${label} grad ${i}: ${gm}`);
  });
  return problems;
}

describe.skipIf(!run)(`autograd: ${DEV} gradients equal the CPU's`, () => {
  for (const [dtype, tol] of TOLS) {
    CASES.forEach((c, k) => {
      it(`${c.name} (${dtype.name})`, () => {
        const problems = gradParity(c.name, c.inputs, c.fn, dtype, tol, 1000 + 17 * k);
        expect(problems, problems.join('\n')).toEqual([]);
      });
    });
  }

  it('gradients accumulate over two backward passes and zero_ on the device', () => {
    const x = toDev(torch.tensor([1, -2, 3], { dtype: torch.float32 })).requiresGrad_();
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(String(x.grad!.device)).toBe(DEV_NAME);
    expect(x.grad!.cpu().tolist()).toEqual([5, -1, 9]);
    x.grad!.zero_();
    expect(x.grad!.cpu().tolist()).toEqual([0, 0, 0]);
  });

  it('retainGraph: backward twice through one device graph', () => {
    const rng = mulberry32(5);
    const xc = randomTensor(rng, [3, 4], torch.float32);
    const x = toDev(xc).requiresGrad_();
    const y = x.exp().sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expectMatch(x.grad!, xc.exp().mul(2), { rtol: 1e-5, atol: 1e-6 });
  });
});

describe.skipIf(!hasCuda || SELF_TEST)('moving tensors across devices records ToCopyBackward0', () => {
  it("x.to('cuda') of a CPU leaf: grad_fn ToCopyBackward0, gradient lands on the CPU leaf", () => {
    const x = torch.tensor([[1, -2, 3], [0.5, 4, -1]], { requiresGrad: true });
    const y = x.to('cuda');
    expect(y.gradFn?.name).toBe('ToCopyBackward0');
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(String(y.device)).toBe('cuda:0');
    y.mul(y).sum().backward();
    expect(x.grad).not.toBeNull();
    expect(String(x.grad!.device)).toBe('cpu');
    expect(x.grad!.tolist()).toEqual([[2, -4, 6], [1, 8, -2]]);
  });

  it('x.cuda(), x.to(torch.device("cuda")) and x.to("cuda", float64) all carry the gradient back', () => {
    for (const move of [(t: Tensor) => t.cuda(), (t: Tensor) => t.to(torch.device('cuda')), (t: Tensor) => t.to('cuda:0'), (t: Tensor) => t.to('cuda', torch.float64)]) {
      const x = torch.tensor([1, 2, 3], { dtype: torch.float32, requiresGrad: true });
      const y = move(x);
      expect(String(y.device)).toBe('cuda:0');
      y.pow(3).sum().backward();
      expect(String(x.grad!.device)).toBe('cpu');
      expect(x.grad!.dtype).toBe(torch.float32);
      expect(x.grad!.tolist()).toEqual([3, 12, 27]);
    }
  });

  it('a CUDA leaf moved to the CPU gets its gradient on CUDA', () => {
    const w = torch.tensor([2, -1], { device: 'cuda', dtype: torch.float32, requiresGrad: true });
    const y = w.cpu();
    expect(y.gradFn?.name).toBe('ToCopyBackward0');
    expect(String(y.device)).toBe('cpu');
    y.mul(torch.tensor([3, 4])).sum().backward();
    expect(String(w.grad!.device)).toBe('cuda:0');
    expect(w.grad!.cpu().tolist()).toEqual([3, 4]);
  });

  it('a graph spanning both devices gives each leaf its gradient on its own device', () => {
    const rng = mulberry32(9);
    const xc = randomTensor(rng, [4, 3], torch.float32);
    const wc = randomTensor(rng, [3, 2], torch.float32);
    const x = xc.clone().requiresGrad_();
    const w = wc.cuda().requiresGrad_();
    const loss = x.cuda().matmul(w).tanh().sum().cpu().mul(2);
    loss.backward();
    const xr = xc.clone().requiresGrad_();
    const wr = wc.clone().requiresGrad_();
    xr.matmul(wr).tanh().sum().mul(2).backward();
    expect(String(x.grad!.device)).toBe('cpu');
    expect(String(w.grad!.device)).toBe('cuda:0');
    expectMatch(x.grad!, xr.grad!, { rtol: 1e-5, atol: 1e-6 });
    expectMatch(w.grad!, wr.grad!, { rtol: 1e-5, atol: 1e-6 });
  });

  it('moving a tensor that is already there returns it; integer moves record nothing', () => {
    const c = torch.ones(2, { device: 'cuda' });
    expect(c.to('cuda')).toBe(c);
    expect(c.cuda()).toBe(c);
    const cpu = torch.ones(2);
    expect(cpu.cpu()).toBe(cpu);
    const i = torch.tensor([1, 2]).cuda();
    expect(i.gradFn ?? null).toBeNull();
    expect(i.cpu().tolist()).toEqual([1, 2]);
  });
});
