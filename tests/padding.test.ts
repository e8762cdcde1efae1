/**
 * F.pad and the padding modules against PyTorch 1.13 (tests/fixtures/conv.json, written by
 * scripts/make_conv_fixtures.py): values, gradients and grad_fn names for every mode in
 * 1-3 dims, negative (cropping) constant pads, module reprs; float64 gradchecks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { nn } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

const F = nn.functional;

interface PadCase {
  name: string;
  op: string;
  kwargs: { pad: number[]; mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number };
  inputs: FixtureTensor[];
  output: FixtureTensor;
  gradFn: string;
  grads: FixtureTensor[];
}
interface ModuleCase {
  name: string;
  repr: string;
  input: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor;
  gradFn: string;
}
const FIX = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8')) as { cases: PadCase[]; modules: ModuleCase[] };

describe('F.pad against PyTorch', () => {
  for (const c of FIX.cases.filter((x) => x.op === 'pad')) {
    it(c.name, () => {
      const x = fromFixture(c.inputs[0], { requiresGrad: true });
      const y = c.kwargs.value === undefined ? F.pad(x, c.kwargs.pad, c.kwargs.mode ?? 'constant') : F.pad(x, c.kwargs.pad, { mode: c.kwargs.mode, value: c.kwargs.value });
      expectClose(y, c.output, { atol: 0, rtol: 0 });
      expect(y.gradFn?.name).toBe(c.gradFn);
      y.backward(torch.linspace(-1, 2, y.numel(), { dtype: torch.float64 }).reshape(y.shape));
      expectClose(x.grad!, c.grads[0], { atol: 1e-12, rtol: 1e-12 });
    });
  }
});

const MAKERS: Record<string, () => nn.Module> = {
  ZeroPad2d: () => new nn.ZeroPad2d([1, 2, 0, 3]),
  ConstantPad1d: () => new nn.ConstantPad1d(2, 3.5),
  ConstantPad3d: () => new nn.ConstantPad3d([1, 0, 0, 1, 1, 1], -1.0),
  ReflectionPad2d: () => new nn.ReflectionPad2d(2),
  ReplicationPad1d: () => new nn.ReplicationPad1d([3, 1]),
  ReflectionPad3d: () => new nn.ReflectionPad3d(1),
  ReplicationPad3d: () => new nn.ReplicationPad3d([1, 0, 2, 1, 0, 1]),
};

describe('padding modules against PyTorch', () => {
  for (const m of FIX.modules.filter((x) => x.name in MAKERS)) {
    it(m.name, () => {
      const module = MAKERS[m.name]();
      // ConstantPad3d's value prints as -1.0 in PyTorch (a float); JS has one number type.
      expect(module.toString()).toBe(m.repr.replace('value=-1.0', 'value=-1'));
      const x = fromFixture(m.input, { requiresGrad: true });
      const y = module(x) as Tensor;
      expect(torch.equal(y, fromFixture(m.output))).toBe(true);
      expect(y.gradFn?.name).toBe(m.gradFn);
      y.backward(torch.linspace(-1, 2, y.numel()).reshape(y.shape));
      expectClose(x.grad!, m.gradInput, { atol: 1e-5, rtol: 1e-5 });
    });
  }
  it('the padding modules keep the paddings PyTorch expands', () => {
    expect(new nn.ZeroPad2d(2).padding).toEqual([2, 2, 2, 2]);
    expect(new nn.ReflectionPad1d(3).padding).toEqual([3, 3]);
    expect(() => new nn.ReflectionPad2d([1, 2, 3])).toThrow(/array of 4 ints/);
  });
});

describe('F.pad gradients and forms', () => {
  const r = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64, requiresGrad: true });
  it('gradchecks every mode', () => {
    torch.manualSeed(7);
    gradcheck((x) => F.pad(x, [2, -1, 1, 0], 'constant', 0.5), [r(2, 3, 4)]);
    gradcheck((x) => F.pad(x, [2, 1, 1, 2], 'reflect'), [r(1, 3, 4)]);
    gradcheck((x) => F.pad(x, [3, 1, 0, 2, 1, 1], 'replicate'), [r(1, 2, 2, 3)]);
    gradcheck((x) => F.pad(x, [2, 1, 1, 2], 'circular'), [r(1, 1, 3, 4)]);
  });
  it('zero pads return the input unchanged in value, and value applies only to constant', () => {
    const x = torch.randn(2, 3);
    expect(torch.equal(F.pad(x, [0, 0]), x)).toBe(true);
    expect(() => F.pad(torch.randn(1, 2, 3), [1, 1], 'reflect', 2)).toThrow(/doesn't take in value/);
    expect(() => F.pad(x, [1, 1], 'wrap' as 'reflect')).toThrow(/mode/);
  });
});
