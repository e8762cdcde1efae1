/**
 * Backwards differentiated again (createGraph: gradient penalties, as WGAN-GP computes
 * them) for convolution, F.pad, F.unfold/F.fold, cat, stack, gather and layer norm: the first gradients and the
 * penalty's gradients against what PyTorch 1.13 computes (tests/fixtures/double-backward.json,
 * written by scripts/make_double_backward_fixtures.py), and a float64 finite-difference
 * check of the second derivative.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';

const F = torch.nn.functional;

interface Case {
  name: string;
  op: 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d';
  kwargs: { stride?: number | number[]; padding?: number | number[] | string; dilation?: number | number[]; groups?: number; output_padding?: number | number[] };
  x: FixtureTensor; w: FixtureTensor; b: FixtureTensor | null;
  gx: FixtureTensor; gw: FixtureTensor; penalty: number;
  xGrad: FixtureTensor; wGrad: FixtureTensor; bGrad: FixtureTensor | null;
}
interface NormCase {
  name: string; shape: number[];
  x: FixtureTensor; w: FixtureTensor | null; b: FixtureTensor | null;
  gx: FixtureTensor; gw: FixtureTensor | null; penalty: number;
  xGrad: FixtureTensor; wGrad: FixtureTensor | null; bGrad: FixtureTensor | null;
}
interface FoldCase {
  name: string;
  op: 'unfold' | 'fold' | 'pad' | 'cat' | 'stack' | 'gather';
  kwargs: {
    kernel_size: number | number[]; output_size?: number[]; padding?: number; stride?: number; dilation?: number;
    pad?: number[]; mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; index?: number[][];
  };
  x: FixtureTensor; gx: FixtureTensor; xGrad: FixtureTensor;
}
const FIX = JSON.parse(readFileSync(new URL('./fixtures/double-backward.json', import.meta.url), 'utf8')) as { cases: Case[]; folds: FoldCase[]; norms: NormCase[] };

/** The fixture's call, with PyTorch's keyword arguments as flint's options. */
function apply(c: Case, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const k = c.kwargs;
  if (c.op.startsWith('conv_transpose')) {
    const options = { stride: k.stride ?? 1, padding: (k.padding ?? 0) as number | number[], outputPadding: k.output_padding ?? 0, groups: k.groups ?? 1, dilation: k.dilation ?? 1 };
    return c.op === 'conv_transpose1d' ? F.convTranspose1d(x, w, b, options) : F.convTranspose2d(x, w, b, options);
  }
  const options = { stride: k.stride ?? 1, padding: k.padding ?? 0, dilation: k.dilation ?? 1, groups: k.groups ?? 1 } as torch.nn.functional.ConvOptions;
  return c.op === 'conv1d' ? F.conv1d(x, w, b, options) : c.op === 'conv2d' ? F.conv2d(x, w, b, options) : F.conv3d(x, w, b, options);
}

/** (gx, gw) of sum(y²) with createGraph, and the penalty sum(gx²) + sum(gw·cos gw). */
function penaltyOf(c: Case, x: Tensor, w: Tensor, b: Tensor | null): { gx: Tensor; gw: Tensor; penalty: Tensor } {
  const y = apply(c, x, w, b);
  const [gx, gw] = torch.autograd.grad(y.pow(2).sum(), [x, w], { createGraph: true }) as Tensor[];
  return { gx, gw, penalty: gx.pow(2).sum().add(gw.mul(gw.cos()).sum()) };
}

describe('double backward (gradient penalties) against PyTorch 1.13', () => {
  for (const c of FIX.cases) {
    it(c.name, () => {
      const x = fromFixture(c.x, { requiresGrad: true });
      const w = fromFixture(c.w, { requiresGrad: true });
      const b = c.b === null ? null : fromFixture(c.b, { requiresGrad: true });
      const { gx, gw, penalty } = penaltyOf(c, x, w, b);
      expect(gx.gradFn).not.toBeNull();
      expectClose(gx, c.gx, { label: 'gx', rtol: 1e-10, atol: 1e-9 });
      expectClose(gw, c.gw, { label: 'gw', rtol: 1e-10, atol: 1e-9 });
      expect(Math.abs((penalty.item() as number) - c.penalty)).toBeLessThan(1e-9 * Math.abs(c.penalty));
      penalty.backward();
      expectClose(x.grad!, c.xGrad, { label: 'x.grad', rtol: 1e-9, atol: 1e-8 });
      expectClose(w.grad!, c.wGrad, { label: 'w.grad', rtol: 1e-9, atol: 1e-8 });
      if (b !== null) expectClose(b.grad!, c.bGrad!, { label: 'b.grad', rtol: 1e-9, atol: 1e-8 });
    });
  }

  for (const c of FIX.folds) {
    it(`${c.name}: F.${c.op}'s backward differentiated again`, () => {
      // index_select (under the non-constant pads), ConstantPadNd, fold/unfold, cat, stack
      // and gather record their backward under createGraph
      const x = fromFixture(c.x, { requiresGrad: true });
      const k = c.kwargs;
      const options = { padding: k.padding ?? 0, stride: k.stride ?? 1, dilation: k.dilation ?? 1 };
      const y = c.op === 'pad' ? F.pad(x, k.pad!, k.mode!)
        : c.op === 'unfold' ? F.unfold(x, k.kernel_size, options)
        : c.op === 'fold' ? F.fold(x, k.output_size!, k.kernel_size, options)
        : c.op === 'cat' ? torch.cat([x, x.mul(2), x.sin()], 1)
        : c.op === 'stack' ? torch.stack([x, x.exp()], 0)
        : x.gather(1, torch.tensor(k.index!));
      const [gx] = torch.autograd.grad(y.pow(3).sum(), x, { createGraph: true }) as Tensor[];
      expect(gx.gradFn).not.toBeNull();
      expectClose(gx, c.gx, { label: 'gx', rtol: 1e-10, atol: 1e-9 });
      gx.pow(2).sum().backward();
      expectClose(x.grad!, c.xGrad, { label: 'x.grad', rtol: 1e-9, atol: 1e-8 });
    });
  }

  for (const c of FIX.norms) {
    it(`${c.name}: F.layerNorm's backward differentiated again`, () => {
      const x = fromFixture(c.x, { requiresGrad: true });
      const w = c.w === null ? null : fromFixture(c.w, { requiresGrad: true });
      const b = c.b === null ? null : fromFixture(c.b, { requiresGrad: true });
      const y = F.layerNorm(x, c.shape, w, b);
      const grads = torch.autograd.grad(y.pow(3).sum(), w === null ? [x] : [x, w], { createGraph: true }) as Tensor[];
      expectClose(grads[0], c.gx, { label: 'gx', rtol: 1e-9, atol: 1e-9 });
      if (w !== null) expectClose(grads[1], c.gw!, { label: 'gw', rtol: 1e-9, atol: 1e-9 });
      const penalty = grads.map((g) => g.pow(2).sum()).reduce((a, t) => a.add(t));
      expect(Math.abs((penalty.item() as number) - c.penalty)).toBeLessThan(1e-8 * Math.abs(c.penalty));
      penalty.backward();
      expectClose(x.grad!, c.xGrad, { label: 'x.grad', rtol: 1e-8, atol: 1e-8 });
      if (w !== null) expectClose(w.grad!, c.wGrad!, { label: 'w.grad', rtol: 1e-8, atol: 1e-8 });
      if (b !== null) expectClose(b.grad!, c.bGrad!, { label: 'b.grad', rtol: 1e-8, atol: 1e-8 });
    });
  }

  it('the second derivative matches finite differences of the first (float64)', () => {
    const c = FIX.cases[0];
    const x = fromFixture(c.x, { requiresGrad: true });
    const w = fromFixture(c.w, { requiresGrad: true });
    const b = fromFixture(c.b!, { requiresGrad: true });
    const { penalty } = penaltyOf(c, x, w, b);
    penalty.backward();
    const analytic = (w.grad!.reshape([-1]).tolist() as number[]);
    const eps = 1e-6;
    const base = w.detach().reshape([-1]).tolist() as number[];
    for (const idx of [0, 7, 20, 35]) {
      const value = (delta: number) => {
        const shifted = base.slice();
        shifted[idx] += delta;
        const wd = torch.tensor(shifted, { dtype: torch.float64 }).reshape(w.shape).requiresGrad_();
        const xd = x.detach().clone().requiresGrad_();
        return penaltyOf(c, xd, wd, b.detach()).penalty.item() as number;
      };
      const numeric = (value(eps) - value(-eps)) / (2 * eps);
      expect(Math.abs(numeric - analytic[idx])).toBeLessThan(1e-5 * (1 + Math.abs(analytic[idx])));
    }
  });

  it('works on a module: a Conv2d critic\'s gradient penalty trains its weight', () => {
    torch.manualSeed(3);
    const critic = new torch.nn.Conv2d(2, 3, 3, { padding: 1 });
    const x = torch.randn([2, 2, 5, 5]).requiresGrad_();
    const out = critic.forward(x).sum();
    const [gx] = torch.autograd.grad(out, x, { createGraph: true }) as Tensor[];
    const penalty = gx.norm().sub(1).pow(2);
    penalty.backward();
    expect(critic.weight.grad).not.toBeNull();
    expect((critic.weight.grad!.abs().sum().item() as number)).toBeGreaterThan(0);
  });
});
