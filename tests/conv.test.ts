/**
 * Convolution, fold/unfold and the conv modules against PyTorch 1.13
 * (tests/fixtures/conv.json, written by scripts/make_conv_fixtures.py): outputs, every
 * gradient and grad_fn names for a grid of shapes and parameters; module init bit for bit
 * after manualSeed, reprs and state-dict keys; PyTorch's error messages; float64
 * gradchecks; argument forms; and the native im2col/col2im's geometry checks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { nn } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import * as call from '../src/native/calls.generated.js';
import { settledStorages } from './helpers/memory.js';
import { fresh } from '../src/native/meta.js';
import { runCase, type ConvCase } from './helpers/conv-cases.js';

const F = nn.functional;

interface ModuleCase {
  name: string;
  seed: number;
  repr: string;
  keys: string[];
  weight: FixtureTensor | null;
  bias: FixtureTensor | null;
  input?: FixtureTensor;
  output?: FixtureTensor;
  gradInput?: FixtureTensor;
  gradWeight?: FixtureTensor | null;
  gradBias?: FixtureTensor | null;
  gradFn?: string;
}
const FIX = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8')) as {
  cases: ConvCase[];
  modules: ModuleCase[];
  errors: Record<string, string>;
};

describe('functional convolution and fold/unfold against PyTorch', () => {
  for (const c of FIX.cases.filter((x) => x.op !== 'pad')) {
    it(c.name, () => {
      const inputs = c.inputs.map((t) => (t === null ? null : fromFixture(t, { requiresGrad: true })));
      const out = runCase(c, inputs);
      expect(out.shape).toEqual(c.output.shape);
      expectClose(out, c.output, { atol: 1e-10, rtol: 1e-10 });
      expect(out.gradFn?.name ?? null).toBe(c.gradFn);
      const g = torch.linspace(-1, 2, out.numel(), { dtype: torch.float64 }).reshape(out.shape);
      out.backward(g);
      c.grads.forEach((expected, i) => {
        if (expected === null) return;
        expect(inputs[i]!.grad, `grad of input ${i}`).not.toBeNull();
        expectClose(inputs[i]!.grad!, expected, { atol: 1e-10, rtol: 1e-10 });
      });
    });
  }
});

describe('conv modules against PyTorch', () => {
  for (const m of FIX.modules.filter((x) => /^(Conv|Fold|Unfold)/.test(x.name))) {
    it(m.name, () => {
      torch.manualSeed(m.seed);
      const module = MAKERS[m.name]();
      expect(module.toString()).toBe(m.repr);
      expect(Object.keys(module.stateDict())).toEqual(m.keys);
      const params = module as unknown as { weight?: Tensor; bias?: Tensor | null };
      // The init is PyTorch's draw for draw: exactly equal float32 values.
      if (m.weight !== null) expect(torch.equal(params.weight!, fromFixture(m.weight)), 'weight').toBe(true);
      if (m.bias !== null) expect(torch.equal(params.bias!, fromFixture(m.bias)), 'bias').toBe(true);
      if (m.input === undefined) return;
      const x = fromFixture(m.input, { requiresGrad: true });
      const y = module(x) as Tensor;
      expectClose(y, m.output!, { atol: 1e-5, rtol: 1e-5 });
      expect(y.gradFn?.name).toBe(m.gradFn);
      y.backward(torch.linspace(-1, 2, y.numel()).reshape(y.shape));
      expectClose(x.grad!, m.gradInput!, { atol: 1e-4, rtol: 1e-4 });
      if (m.gradWeight) expectClose(params.weight!.grad!, m.gradWeight, { atol: 1e-4, rtol: 1e-4 });
      if (m.gradBias) expectClose(params.bias!.grad!, m.gradBias, { atol: 1e-4, rtol: 1e-4 });
    });
  }
});

const MAKERS: Record<string, () => nn.Module> = {
  Conv2d_mnist1: () => new nn.Conv2d(1, 32, 3, 1),
  Conv2d_full: () => new nn.Conv2d(4, 6, [3, 2], 2, 1, [1, 2], 2, false),
  Conv1d_same: () => new nn.Conv1d(4, 4, 4, { padding: 'same', groups: 4 }),
  Conv3d_basic: () => new nn.Conv3d(2, 3, 2, [1, 2, 2]),
  Conv2d_reflect: () => new nn.Conv2d(2, 3, 3, { padding: 2, paddingMode: 'reflect' }),
  Conv2d_replicate: () => new nn.Conv2d(2, 3, 3, { padding: [1, 2], paddingMode: 'replicate' }),
  Conv2d_circular: () => new nn.Conv2d(2, 2, 3, 1, 1, 1, 1, true, 'circular'),
  Conv1d_reflect_same: () => new nn.Conv1d(2, 2, 4, { padding: 'same', paddingMode: 'reflect' }),
  Conv2d_unbatched_reflect: () => new nn.Conv2d(1, 2, 3, { padding: 1, paddingMode: 'reflect' }),
  ConvTranspose1d: () => new nn.ConvTranspose1d(3, 2, 3, 2, 0, 1),
  ConvTranspose2d: () => new nn.ConvTranspose2d(4, 6, [3, 2], { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 1 }),
  ConvTranspose3d: () => new nn.ConvTranspose3d(2, 2, 2, { stride: 2, bias: false }),
  Conv2d_wide: () => new nn.Conv2d(8, 16, 3, { padding: 1 }),
  Unfold: () => new nn.Unfold([2, 3], 1, 1, 2),
  Fold: () => new nn.Fold([4, 5], 2),
};

const z = (...shape: number[]) => torch.zeros(shape);
const zd = (...shape: number[]) => torch.zeros(shape, { dtype: torch.float64 });
const ERRORS: Record<string, () => unknown> = {
  channels: () => F.conv2d(z(1, 4, 8, 8), z(64, 3, 3, 3)),
  kernel_too_big: () => F.conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3)),
  kernel_too_big_dilated: () => F.conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3), { dilation: 2, padding: 1 }),
  input_rank: () => F.conv2d(z(8, 8), z(64, 3, 3, 3)),
  input_rank_1d: () => F.conv1d(z(3), z(4, 3, 3)),
  input_rank_3d: () => F.conv3d(z(3, 4, 4), z(4, 3, 3, 3, 3)),
  groups_divisible: () => F.conv2d(z(1, 4, 8, 8), z(3, 2, 3, 3), { groups: 2 }),
  groups_positive: () => F.conv2d(z(1, 4, 8, 8), z(4, 2, 3, 3), { groups: 0 }),
  stride_positive: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), null, 0),
  padding_negative: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), null, 1, -1),
  dilation_positive: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), { dilation: 0 }),
  stride_length: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), { stride: [1, 1, 1] }),
  bias_shape: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), z(3)),
  same_strided: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), { padding: 'same', stride: 2 }),
  padding_string: () => F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), { padding: 'foo' as 'same' }),
  dtype_mismatch: () => F.conv2d(z(1, 3, 8, 8), zd(4, 3, 3, 3)),
  transposed_channels: () => F.convTranspose2d(z(1, 2, 5, 5), z(3, 4, 3, 3)),
  output_padding_2d: () => F.convTranspose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), { outputPadding: 1 }),
  output_padding_3d: () => F.convTranspose3d(z(1, 3, 5, 5, 5), z(3, 4, 3, 3, 3), { outputPadding: 1 }),
  output_padding_negative: () => F.convTranspose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), { outputPadding: -1, stride: 2 }),
  empty_weight: () => F.conv2d(z(2, 3, 8, 8), z(0, 3, 3, 3)),
  module_groups_in: () => new nn.Conv2d(4, 4, 3, { groups: 3 }),
  module_groups_out: () => new nn.Conv2d(4, 6, 3, { groups: 4 }),
  module_groups_positive: () => new nn.Conv2d(4, 4, 3, { groups: 0 }),
  module_same_strided: () => new nn.Conv2d(4, 4, 3, { stride: 2, padding: 'same' }),
  module_padding_string: () => new nn.Conv2d(4, 4, 3, { padding: 'foo' as 'same' }),
  module_transposed_mode: () => new nn.ConvTranspose2d(4, 4, 3, { paddingMode: 'reflect' }),
  module_reflect_too_big: () => new nn.Conv2d(4, 4, 3, { padding: 2, paddingMode: 'reflect' })(z(1, 4, 2, 2)),
  module_unbatched_circular: () => new nn.Conv2d(1, 2, 3, { padding: 1, paddingMode: 'circular' })(z(1, 4, 4)),
  pad_reflect_too_big: () => F.pad(z(3, 8, 8), [8, 1], 'reflect'),
  pad_reflect_too_big_3d: () => F.pad(z(1, 2, 3, 3, 4), [1, 1, 1, 1, 3, 1], 'reflect'),
  pad_odd: () => F.pad(z(3, 8, 8), [1, 1, 1]),
  pad_too_long: () => F.pad(z(3, 8, 8), [1, 1, 1, 1, 1, 1, 1, 1]),
  pad_reflect_rank: () => F.pad(z(8, 8), [1, 1, 1, 1, 1, 1], 'reflect'),
  pad_circular_rank: () => F.pad(z(8, 8), [1, 1], 'circular'),
  pad_circular_wrap: () => F.pad(z(1, 3, 4), [5, 1], 'circular'),
  unfold_blocks: () => F.unfold(z(1, 3, 4, 4), 5),
  unfold_kernel_length: () => F.unfold(z(1, 3, 4, 4), [2, 2, 2]),
  unfold_stride: () => F.unfold(z(1, 3, 4, 4), 2, { stride: 0 }),
  unfold_padding: () => F.unfold(z(1, 3, 4, 4), 2, 1, -1),
  fold_blocks: () => F.fold(z(2, 12, 10), [4, 5], 2),
  fold_divisible: () => F.fold(z(2, 10, 12), [4, 5], 2),
  fold_rank: () => F.fold(z(1, 2, 12, 12), [4, 5], 2),
};

describe("PyTorch's error messages", () => {
  it('covers every recorded error', () => {
    expect(Object.keys(ERRORS).sort()).toEqual(Object.keys(FIX.errors).sort());
  });
  for (const [name, message] of Object.entries(FIX.errors)) {
    it(name, () => {
      let thrown: unknown = null;
      try {
        ERRORS[name]();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `${name} should throw`).toBeInstanceOf(Error);
      // PyTorch prints a set of strings in hash order (PYTHONHASHSEED): compare up to it.
      if (message.includes('{')) expect((thrown as Error).message.split('{')[0]).toBe(message.split('{')[0]);
      else expect((thrown as Error).message).toBe(message);
    });
  }
});

describe('gradients by finite differences (float64)', () => {
  const r = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64, requiresGrad: true });
  it('conv2d with stride, padding, dilation and groups', () => {
    torch.manualSeed(3);
    gradcheck((x, w, b) => F.conv2d(x, w, b, [2, 1], [1, 0], [1, 2], 2), [r(2, 4, 5, 6), r(4, 2, 2, 3), r(4)]);
  });
  it('conv1d same, conv3d and the transposed forms', () => {
    torch.manualSeed(4);
    gradcheck((x, w) => F.conv1d(x, w, null, 1, 'same'), [r(1, 2, 6), r(3, 2, 4)]);
    gradcheck((x, w, b) => F.conv3d(x, w, b, 1, 1), [r(1, 2, 3, 3, 2), r(2, 2, 2, 2, 2), r(2)]);
    gradcheck((x, w, b) => F.convTranspose2d(x, w, b, 2, 1, 1, 1, 1), [r(1, 2, 3, 3), r(2, 3, 3, 3), r(3)]);
    gradcheck((x, w) => F.convTranspose1d(x, w, null, 2, 0, 2, 1, 3), [r(1, 2, 3), r(2, 2, 2)]);
  });
  it('fold and unfold', () => {
    torch.manualSeed(5);
    gradcheck((x) => F.unfold(x, 2, 1, 1, 2), [r(1, 2, 3, 4)]);
    gradcheck((x) => F.fold(x, [3, 4], 2, 1, 1, 2), [r(1, 8, 6)]);
  });
});

describe('argument forms and edges', () => {
  it('positional and options forms agree, and torch.conv2d is F.conv2d', () => {
    torch.manualSeed(1);
    const x = torch.randn(1, 4, 6, 6);
    const w = torch.randn(6, 2, 3, 3);
    const b = torch.randn(6);
    const a = F.conv2d(x, w, b, 2, 1, 1, 2);
    expectClose(torch.conv2d(x, w, { bias: b, stride: 2, padding: 1, groups: 2 }), a);
    expectClose(F.conv2d(x, w, b, [2, 2], [1, 1], [1, 1], 2), a);
  });
  it('float32 conv matches float64 and bfloat16 / float16 compute in float32', () => {
    torch.manualSeed(2);
    const x = torch.randn(2, 3, 7, 7);
    const w = torch.randn(5, 3, 3, 3);
    const ref = F.conv2d(x.double(), w.double(), null, 1, 1);
    expectClose(F.conv2d(x, w, null, 1, 1), ref.float(), { atol: 1e-4, rtol: 1e-4 });
    const half = F.conv2d(x.to(torch.bfloat16), w.to(torch.bfloat16), null, 1, 1);
    expect(half.dtype).toBe(torch.bfloat16);
    const close = torch.allclose(half.float(), ref.float(), { atol: 0.5, rtol: 0.05 });
    expect(close).toBe(true);
  });
  it('non-contiguous input gives the contiguous result', () => {
    torch.manualSeed(6);
    const x = torch.randn(2, 6, 5, 3).transpose(2, 3);
    const w = torch.randn(4, 6, 2, 2);
    expectClose(F.conv2d(x, w), F.conv2d(x.contiguous(), w), { atol: 1e-5, rtol: 1e-5 });
  });
  it('gradients flow only where required', () => {
    const x = torch.randn(1, 2, 4, 4);
    const w = torch.randn(3, 2, 3, 3, { requiresGrad: true });
    const y = F.conv2d(x, w);
    y.sum().backward();
    expect(x.grad).toBeNull();
    expect(w.grad!.shape).toEqual([3, 2, 3, 3]);
  });
  it('ConvTranspose2d forward(input, outputSize)', () => {
    const m = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = torch.randn(1, 2, 4, 4);
    expect((m.forward as (x: Tensor, s?: number[]) => Tensor)(x, [8, 8]).shape).toEqual([1, 3, 8, 8]);
    expect(m(x).shape).toEqual([1, 3, 7, 7]);
    expect(() => (m.forward as (x: Tensor, s?: number[]) => Tensor)(x, [10, 10])).toThrow(/valid sizes range from \[7\] to \[8\]/);
  });
  it('module attributes are tuples, as PyTorch', () => {
    const m = new nn.Conv2d(3, 8, 3, { stride: 2 });
    expect(m.kernelSize).toEqual([3, 3]);
    expect(m.stride).toEqual([2, 2]);
    expect(m.padding).toEqual([0, 0]);
    expect(m.weight.shape).toEqual([8, 3, 3, 3]);
  });
});

describe('native im2col / col2im geometry checks', () => {
  const img = torch.zeros(1, 2, 1, 4, 4);
  const geometry = [1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1] as const;
  it('refuses columns of the wrong shape and bad geometry, with an Error', () => {
    expect(() => call.im2col(fresh(img._dtype, [1, 18, 5]), img, ...geometry)).toThrow(/expected columns of shape \[1, 18, 4\]/);
    expect(() => call.im2col(fresh(img._dtype, [1, 18, 4]), img, 1, 3, 3, 0, 1, 1, 0, 0, 0, 1, 1, 1)).toThrow(/stride must be in/);
    expect(() => call.im2col(fresh(img._dtype, [1, 50, 1]), img, 1, 5, 5, 1, 1, 1, 0, 0, 0, 1, 1, 1)).toThrow(/larger than the padded image/);
    const cols = torch.zeros(1, 18, 4);
    expect(() => call.col2im(fresh(torch.int64, [1, 2, 1, 4, 4]), cols.long(), ...geometry)).toThrow(/float32 or float64/);
  });
});

describe("the convolution entries' checks (they run before any device)", () => {
  const x = torch.zeros(1, 4, 1, 5, 5);
  const w = torch.zeros(6, 2, 1, 3, 3);
  // stride, padding, dilation (D, H, W each), groups, allowTF32, benchmark, deterministic
  const tail = (groups: number, padding = 1) => [1, 1, 1, 0, padding, padding, 1, 1, 1, groups, true, false, false] as const;
  it('a consistent call reaches the device: the CPU convolves through oneDNN, or says it cannot', () => {
    const run = () => call.convolution(fresh(x._dtype, [1, 6, 1, 5, 5]), x, w, null, ...tail(2));
    if (torch.backends.mkldnn.isAvailable()) expect(run).not.toThrow();
    else expect(run).toThrow(/oneDNN was not found/);
  });
  it('refuses an output of the wrong size, channels that do not divide into groups, and bad geometry', () => {
    expect(() => call.convolution(fresh(x._dtype, [1, 6, 1, 4, 4]), x, w, null, ...tail(2))).toThrow(
      /convolution: spatial dim 1 of the output is 4, but an image of 5 with this kernel, stride, padding and dilation gives 5/,
    );
    expect(() => call.convolution(fresh(x._dtype, [1, 6, 1, 5, 5]), x, w, null, ...tail(1))).toThrow(
      /the weight takes 2 channels per group over 1 groups, but the image has 4/,
    );
    expect(() => call.convolution(fresh(x._dtype, [1, 6, 1, 5, 5]), x, w, null, ...tail(0))).toThrow(/groups must be in \[1, 2\^31\), got 0/);
    expect(() => call.convolution(fresh(x._dtype, [1, 6, 1, 1, 1]), x, w, null, ...tail(2, -2))).toThrow(/padding must be in/);
    const big = torch.zeros(1, 4, 1, 2, 2);
    expect(() => call.convolution(fresh(x._dtype, [1, 6, 1, 1, 1]), big, w, null, ...tail(2, 0))).toThrow(/gives none \(the kernel does not fit\)/);
    expect(() => call.convolution(fresh(x._dtype, [1, 6, 1, 5, 5]), x, w, torch.zeros(5), ...tail(2))).toThrow(/bias/);
    expect(() => call.convolution(fresh(torch.int64, [1, 6, 1, 5, 5]), x.long(), w.long(), null, ...tail(2))).toThrow(/must be a floating dtype, got int64/);
  });
  it('torch.backends.cudnn without a GPU: not available, no version, and flags as PyTorch names them', () => {
    if (torch.cuda.isAvailable()) return;
    expect(torch.backends.cudnn.isAvailable()).toBe(false);
    expect(torch.backends.cudnn.version()).toBeNull();
    expect(torch.backends.cudnn.enabled).toBe(true);
    expect(torch.backends.cudnn.benchmark).toBe(false);
    expect(torch.backends.cudnn.deterministic).toBe(false);
  });
});

describe('memory', () => {
  const storages = () => torch.memoryStats().cpu.storages;
  // A wide-GEMM batch of small images, a large image (per-image chunks), depthwise groups.
  for (const [label, shape, groups] of [['small images', [4, 3, 9, 9], 1], ['large images', [2, 3, 40, 40], 1], ['depthwise', [4, 3, 9, 9], 3]] as const) {
    it(`${label}: a no-grad convolution leaves only its output, a training step only the gradients`, async () => {
      const x = torch.randn([...shape]);
      const w = groups === 1 ? torch.randn(5, 3, 3, 3) : torch.randn(6, 1, 3, 3);
      const b = torch.randn(w.shape[0]);
      // Settled (collected until the count stops moving), so that earlier tests' garbage
      // whose finalizers run a turn later cannot leave the count between here and the end.
      const before = await settledStorages();
      const out = torch.noGrad(() => F.conv2d(x, w, b, 1, 1, 1, groups));
      expect(storages()).toBe(before + 1);
      out.dispose();
      expect(storages()).toBe(before);
      w.requiresGrad_();
      x.requiresGrad_();
      const y = F.conv2d(x, w, b, 1, 1, 1, groups);
      const loss = y.sum();
      loss.backward();
      loss.dispose();
      y.dispose();
      // x.grad and w.grad remain; the node's saved tensors and every intermediate are gone.
      // At most: on a loaded machine a finalizer of earlier garbage can still run after the
      // count settled, so the count may end lower, never higher unless this step leaked.
      expect(x.grad).not.toBeNull();
      expect(w.grad).not.toBeNull();
      expect(await settledStorages()).toBeLessThanOrEqual(before + 2);
    });
  }
});

describe('autocast', () => {
  it('Conv2d under CPU autocast runs in bfloat16, as PyTorch lists conv2d', () => {
    const m = new nn.Conv2d(3, 4, 3, { padding: 'same' });
    const x = torch.randn(1, 3, 6, 6);
    const y = torch.autocast('cpu', () => m(x) as Tensor);
    expect(y.dtype).toBe(torch.bfloat16);
    expect(y.shape).toEqual([1, 4, 6, 6]);
    expect(torch.allclose(y.float(), (m(x) as Tensor).detach(), { atol: 0.1, rtol: 0.05 })).toBe(true);
    // A bias in the options object is cast with the other operands.
    const z = torch.autocast('cpu', () => F.conv2d(x, m.weight, { bias: m.bias, padding: 1 }));
    expect(z.dtype).toBe(torch.bfloat16);
    expect(torch.equal(z, y)).toBe(true);
  });
});
