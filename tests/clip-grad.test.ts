/**
 * nn.utils.clipGradNorm_ / clipGradValue_ against PyTorch 1.13 (tests/fixtures/clip_grad.json,
 * written by scripts/make_clip_grad_fixtures.py), and WeightedRandomSampler's keyword
 * `replacement` and the `{ dim }` form of Softmax (all found missing by the ports in tests/ports/).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const { clipGradNorm_, clipGradValue_ } = torch.nn.utils;

interface NormCase { max_norm: number; norm_type: number | 'inf'; total: number; total_dtype: string; grads: number[][] }
const PYTORCH = JSON.parse(readFileSync(new URL('./fixtures/clip_grad.json', import.meta.url), 'utf8')) as {
  grads: number[][];
  norm: Record<string, NormCase> & { partial: { total: number; grads: number[][] } };
  empty: { value: number; dtype: string; shape: number[] };
  nonfinite_message: string;
  value: number[][];
};

const SHAPES = [[2, 3], [3], [4]];
function params(): torch.Tensor[] {
  return SHAPES.map((shape, i) => {
    const p = torch.zeros(shape, { requiresGrad: true });
    p.grad = torch.tensor(PYTORCH.grads[i]).reshape(shape);
    return p;
  });
}
const values = (t: torch.Tensor) => Array.from(t.dataSync() as Float32Array, Number);

function expectClose(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `${what}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]))));
}

describe('clipGradNorm_ matches PyTorch', () => {
  for (const name of ['l2', 'l1', 'inf', 'l3', 'no_clip']) {
    it(`${name}: the total norm it returns and the gradients it leaves`, () => {
      const c = PYTORCH.norm[name] as NormCase;
      const ps = params();
      const total = clipGradNorm_(ps, c.max_norm, c.norm_type);
      expect(String(total.dtype)).toBe(c.total_dtype);
      expect(total.shape).toEqual([]);
      expectClose([total.item()], [c.total], 'total');
      ps.forEach((p, i) => expectClose(values(p.grad!), c.grads[i], `grad ${i}`));
    });
  }

  it('takes its keyword arguments as one options object, and Infinity for inf', () => {
    const a = params();
    const b = params();
    const c = params();
    clipGradNorm_(a, { maxNorm: 0.5, normType: 'inf' });
    clipGradNorm_(b, 0.5, { normType: Infinity });
    clipGradNorm_(c, 0.5, Infinity);
    for (const ps of [a, b, c]) ps.forEach((p, i) => expectClose(values(p.grad!), PYTORCH.norm.inf.grads[i], `grad ${i}`));
  });

  it('skips parameters without a gradient, takes one tensor, and returns tensor(0.) when none has one', () => {
    const ps = params();
    ps[2].grad = null;
    expectClose([clipGradNorm_(ps, 1.0).item()], [PYTORCH.norm.partial.total], 'total');
    ps.slice(0, 2).forEach((p, i) => expectClose(values(p.grad!), PYTORCH.norm.partial.grads[i], `grad ${i}`));
    expect(ps[2].grad).toBeNull();

    const one = params()[0];
    const total = clipGradNorm_(one, 1.0);
    expect(total.item()).toBeCloseTo(Math.hypot(...PYTORCH.grads[0]), 4);
    expect(Math.hypot(...values(one.grad!))).toBeCloseTo(1, 5);

    const empty = clipGradNorm_([torch.zeros(2, { requiresGrad: true })], 1.0);
    expect(empty.item()).toBe(PYTORCH.empty.value);
    expect(String(empty.dtype)).toBe(PYTORCH.empty.dtype);
    expect(empty.shape).toEqual(PYTORCH.empty.shape);
  });

  it("refuses a non-finite norm with PyTorch's message when errorIfNonfinite, and scales by it otherwise", () => {
    const ps = params();
    ps[1].grad!.indexPut_([0], Infinity);
    expect(() => clipGradNorm_(ps, 1.0, { errorIfNonfinite: true })).toThrow(PYTORCH.nonfinite_message);
    expect(() => clipGradNorm_(ps, 1.0, 2, true)).toThrow(PYTORCH.nonfinite_message);
    expect(clipGradNorm_(ps, 1.0).item()).toBe(Infinity);
    expect(values(ps[0].grad!).every((v) => v === 0 || Object.is(v, -0))).toBe(true);
  });

  it('does not record the update in autograd and checks its arguments', () => {
    const ps = params();
    clipGradNorm_(ps, 1.0);
    expect(ps[0].grad!.gradFn).toBeNull();
    expect(() => clipGradNorm_(ps, '1' as unknown as number)).toThrow("clip_grad_norm_(): argument 'max_norm' must be a number");
    expect(() => clipGradNorm_(5 as unknown as torch.Tensor[], 1)).toThrow("argument 'parameters' must be a Tensor or an iterable of Tensors");
  });
});

describe('clipGradValue_ matches PyTorch', () => {
  it('clamps every gradient in place', () => {
    const ps = params();
    expect(clipGradValue_(ps, 0.7)).toBeUndefined();
    ps.forEach((p, i) => expectClose(values(p.grad!), PYTORCH.value[i], `grad ${i}`));
    const qs = params();
    clipGradValue_(qs, { clipValue: 0.7 });
    qs.forEach((p, i) => expectClose(values(p.grad!), PYTORCH.value[i], `grad ${i}`));
    expect(() => clipGradValue_(qs, null as unknown as number)).toThrow("clip_grad_value_(): argument 'clip_value' must be a number");
  });
});

describe('WeightedRandomSampler takes replacement in an options object', () => {
  it('{ replacement: false } draws as the positional false does (without repeats)', () => {
    torch.manualSeed(3);
    const positional = [...new torch.utils.data.WeightedRandomSampler([1, 2, 3, 4, 5], 5, false)];
    torch.manualSeed(3);
    const keyword = [...new torch.utils.data.WeightedRandomSampler([1, 2, 3, 4, 5], 5, { replacement: false })];
    expect(keyword).toEqual(positional);
    expect(new Set(keyword).size).toBe(5);
    expect(new torch.utils.data.WeightedRandomSampler([1, 2], 3, { replacement: true }).replacement).toBe(true);
    expect(new torch.utils.data.WeightedRandomSampler([1, 2], 3, {}).replacement).toBe(true);
  });
});

describe('Softmax, LogSoftmax and Softmin take dim as an option, as nn.Softmax(dim=1)', () => {
  it('{ dim } is the positional dim, and is checked the same way', () => {
    const x = torch.tensor([[1, 2, 3], [0, -1, 4]], { dtype: torch.float32 });
    for (const Layer of [torch.nn.Softmax, torch.nn.LogSoftmax, torch.nn.Softmin]) {
      const keyword = new Layer({ dim: 0 });
      expect(keyword.dim).toBe(0);
      expect(String(keyword)).toBe(`${Layer.name}(dim=0)`);
      expect(values(keyword(x))).toEqual(values(new Layer(0)(x)));
      expect(values(keyword(x))).not.toEqual(values(new Layer(1)(x)));
      expect(new Layer({}).dim).toBeNull();
      expect(() => new Layer({ dim: 0.5 })).toThrow(`${Layer.name}(): argument 'dim' must be an integer`);
    }
  });
});
