/**
 * Resampling and layout against PyTorch 1.13 (tests/fixtures/resample.json, written by
 * scripts/make_resample_fixtures.py): F.interpolate in every mode (values, gradients,
 * errors), pixel and channel shuffle, channel and alpha dropout (masks bit for bit after
 * torch.manualSeed, warnings), the modules' reprs; float64 gradchecks of each backward.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { type FixtureTensor, expectClose, fromFixture, valuesOf } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { storagesAfterCollection } from './helpers/memory.js';
import * as call from '../src/native/calls.generated.js';
import { fresh } from '../src/native/meta.js';
import { fromHandle } from '../src/tensor/tensor.js';

const { nn } = torch;
const F = nn.functional;

interface InterpCase {
  name: string;
  input: FixtureTensor;
  options: Record<string, unknown>;
  output: FixtureTensor;
  gradOutput: FixtureTensor | null;
  grad: FixtureTensor | null;
}
interface DropoutCase {
  name: string;
  seed: number;
  p: number;
  training: boolean;
  input: FixtureTensor;
  output: FixtureTensor;
  warnings: string[];
  after: FixtureTensor;
  gradOutput?: FixtureTensor;
  grad?: FixtureTensor;
  gradFn?: string | null;
}
interface ShuffleCase {
  name: string;
  arg: number;
  input: FixtureTensor;
  output: FixtureTensor;
  gradOutput: FixtureTensor;
  grad: FixtureTensor;
  gradFn: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/resample.json', import.meta.url), 'utf8')) as {
  interpolate: InterpCase[];
  interpolateErrors: { shape: number[]; options: Record<string, unknown>; message: string }[];
  emptyBatchShape: number[];
  areaEmpty: { channels: number[]; size0: number[] };
  doubleBackward: Record<string, FixtureTensor>;
  shuffle: { cases: ShuffleCase[]; channel: { input: FixtureTensor; groups: number; output: FixtureTensor }[]; errors: Record<string, string> };
  dropout: DropoutCase[];
  dropoutErrors: Record<string, string>;
  reprs: Record<string, string>;
  modules: Record<string, FixtureTensor>;
  deprecated: Record<string, { options: Record<string, unknown>; output: FixtureTensor; warnings: string[] }>;
};

/** Bit-exact against PyTorch: the fixture's shortest decimals parse back to its floats. */
function expectExact(actual: Tensor, expected: FixtureTensor, label = 'value'): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  expect(actual.dtype.name, `${label} dtype`).toBe(expected.dtype);
  const round = expected.dtype === 'float32' ? Math.fround : (v: number) => v;
  expect(valuesOf(actual), label).toEqual((expected.data as number[]).map((v) => round(Number(v))));
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const optionsOf = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

/** flint follows torch 2.x's grad_fn names (1.13's F.interpolate says ...Backward1). */
function gradFnOf(c: InterpCase): string {
  const rank = c.input.shape.length - 2;
  const mode = (c.options.mode as string | undefined) ?? 'nearest';
  // area is adaptive average pooling, whose names torch 2.x kept (1-D pools a 2-D view).
  if (mode === 'area') return (c as InterpCase & { gradFn113: string }).gradFn113;
  const names: Record<string, string> = {
    nearest: 'Nearest', 'nearest-exact': 'NearestExact', linear: 'Linear', bilinear: 'Bilinear', bicubic: 'Bicubic', trilinear: 'Trilinear',
  };
  return `Upsample${names[mode]}${rank}D${c.options.antialias === true ? 'Aa' : ''}Backward0`;
}

describe('F.interpolate against PyTorch', () => {
  for (const c of fixture.interpolate) {
    it(c.name, () => {
      const x = fromFixture(c.input, { requiresGrad: c.grad !== null });
      const y = F.interpolate(x, optionsOf(c.options));
      expectClose(y, c.output, { label: 'output', rtol: 1e-5, atol: 1e-6 });
      if (c.grad === null) return;
      expect(y.gradFn?.name).toBe(gradFnOf(c));
      y.backward(fromFixture(c.gradOutput!));
      expectClose(x.grad!, c.grad, { label: 'grad', rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('positional arguments bind as Python binds them', () => {
    const c = fixture.interpolate.find((k) => k.name === 'bilinear align true')!;
    const x = fromFixture(c.input);
    expectClose(F.interpolate(x, [7, 5], null, 'bilinear', true), c.output, { rtol: 1e-5, atol: 1e-6 });
    expectClose(F.interpolate(x, [7, 5], { mode: 'bilinear', alignCorners: true }), c.output, { rtol: 1e-5, atol: 1e-6 });
    expect(() => F.interpolate(x, [7, 5], { size: [7, 5] })).toThrow("interpolate() got multiple values for argument 'size'");
    expect(() => F.interpolate(x, { sizes: 3 } as never)).toThrow(/sizes/);
  });

  it('a non-contiguous input and a float16 input', () => {
    const c = fixture.interpolate.find((k) => k.name === 'bicubic scale 2')!;
    const x = fromFixture(c.input);
    const strided = x.transpose(2, 3).contiguous().transpose(2, 3);
    expect(strided.isContiguous()).toBe(false);
    expectClose(F.interpolate(strided, { scaleFactor: 2, mode: 'bicubic' }), c.output, { rtol: 1e-5, atol: 1e-6 });
    const half = F.interpolate(x.to(torch.float16), { scaleFactor: 2, mode: 'bicubic' });
    expect(half.dtype).toBe(torch.float16);
    expectClose(half.float(), c.output, { rtol: 1e-2, atol: 1e-2 });
  });

  it('an empty batch gives an empty output of the right shape', () => {
    const y = F.interpolate(torch.ones(0, 2, 3, 3), { size: [4, 5], mode: 'bilinear' });
    expect(y.shape).toEqual(fixture.emptyBatchShape);
  });

  it("'area' allows empty channels and an empty output, as adaptive pooling does", () => {
    expect(F.interpolate(torch.ones(1, 0, 4, 4), { size: 3, mode: 'area' }).shape).toEqual(fixture.areaEmpty.channels);
    expect(F.interpolate(torch.ones(1, 1, 4, 4), { size: 0, mode: 'area' }).shape).toEqual(fixture.areaEmpty.size0);
  });

  for (const e of fixture.interpolateErrors) {
    it(`error: ${JSON.stringify(e.options)} on ${JSON.stringify(e.shape)}`, () => {
      expect(() => F.interpolate(torch.ones(e.shape), optionsOf(e.options))).toThrow(e.message);
    });
  }

  it('integer inputs other than uint8 nearest are refused as PyTorch refuses them', () => {
    expect(() => F.interpolate(torch.ones([1, 1, 2, 2], { dtype: torch.int64 }), { size: 3 })).toThrow("not implemented for 'Long'");
    expect(() => F.interpolate(torch.ones([1, 1, 2, 2], { dtype: torch.uint8 }), { size: 3, mode: 'bilinear', antialias: true })).toThrow(
      "\"compute_indices_weights_aa\" not implemented for 'Byte'",
    );
    expect(() => F.interpolate(torch.ones([1, 1, 2, 2], { dtype: torch.uint8 }), { size: 3, mode: 'bilinear' })).toThrow(
      "not implemented for 'Byte'",
    );
  });

  it('double backward: the gradient of the gradient (PyTorch values)', () => {
    const d = fixture.doubleBackward;
    const x = fromFixture(d.input, { requiresGrad: true });
    const v = fromFixture(d.v, { requiresGrad: true });
    const y = F.interpolate(x, { size: [5, 6], mode: 'bilinear' });
    const gx = torch.autograd.grad(y, x, v, { createGraph: true })[0]!;
    expect(gx.gradFn?.name).toBe('UpsampleBilinear2DBackwardBackward0');
    expectClose(gx, d.gradInput);
    const gv = torch.autograd.grad(gx.mul(gx).sum(), v)[0]!;
    expectClose(gv, d.gradV);
  });
});

describe('memory', () => {
  const storages = () => torch.memoryStats().cpu.storages;
  it('interpolate leaves only its output behind (temporaries of strided and half inputs freed)', () => {
    const x = torch.randn(1, 2, 3, 4);
    const inputs: [string, Tensor][] = [
      ['contiguous', x],
      ['strided', x.transpose(2, 3)],
      ['float16', x.to(torch.float16)],
      ['float64', x.double()],
    ];
    for (const [name, input] of inputs) {
      for (const [mode, antialias] of [['nearest', false], ['bilinear', false], ['bicubic', false], ['area', false], ['bilinear', true]] as const) {
        const before = storagesAfterCollection();
        const out = F.interpolate(input, { scaleFactor: 1.5, mode, antialias });
        expect(storages(), `${name} ${mode}`).toBe(before + 1);
        out.dispose();
        expect(storages(), `${name} ${mode}`).toBe(before);
      }
    }
  });

  it('the backward leaves only the gradient behind', () => {
    for (const options of [{ mode: 'bilinear' }, { mode: 'area' }, { mode: 'bicubic', antialias: true }] as const) {
      const x = torch.randn(1, 2, 3, 4).requiresGrad_();
      const y = F.interpolate(x, { size: [5, 2], ...options });
      const g = torch.randn(1, 2, 5, 2);
      const before = storagesAfterCollection();
      y.backward(g);
      expect(storages(), options.mode).toBe(before + 1);
    }
  });
});

describe('the native entries stay inside the input whatever the scales', () => {
  // Scales reach the kernels unchecked from the boundary: 0 means none, but NaN, infinities
  // and tiny values make NaN or huge coordinates, which must still index inside the input.
  const SCALES = [Number.NaN, Infinity, -Infinity, 1e-300, 1e300, -2];
  const x = torch.arange(1, 13, { dtype: torch.float32 }).reshape(1, 2, 2, 3);
  const inputValues = new Set(valuesOf(x));
  const read = (handle: unknown, shape: number[]) => valuesOf(fromHandle(handle as never, shape, torch.float32, x.device));

  it('nearest reads only input elements', () => {
    for (const s of SCALES) {
      for (const exact of [false, true]) {
        const out = read(call.upsampleNearest(fresh(torch.float32, [1, 3, 5, 7]), x, s, s, s, exact), [1, 3, 5, 7]);
        for (const v of out) expect(inputValues.has(v), `scale ${s}: ${v}`).toBe(true);
        const back = read(call.upsampleNearestBackward(fresh(torch.float32, [1, 2, 2, 3]), torch.ones([1, 3, 5, 7]), s, s, s, exact), [1, 2, 2, 3]);
        expect(back.reduce((a, b) => a + b, 0)).toBe(105);  // every output's gradient lands in the input
      }
    }
  });

  it('linear and bicubic, forward and backward, end without a crash', () => {
    for (const s of SCALES) {
      for (const align of [false, true]) {
        expect(read(call.upsampleLinear(fresh(torch.float32, [1, 3, 5, 7]), x, align, s, s, s), [1, 3, 5, 7])).toHaveLength(105);
        expect(read(call.upsampleLinearBackward(fresh(torch.float32, [1, 2, 2, 3]), torch.ones([1, 3, 5, 7]), align, s, s, s), [1, 2, 2, 3])).toHaveLength(12);
        expect(read(call.upsampleBicubic(fresh(torch.float32, [2, 5, 7]), x.reshape(2, 2, 3), align, s, s), [2, 5, 7])).toHaveLength(70);
        expect(read(call.upsampleBicubicBackward(fresh(torch.float32, [2, 2, 3]), torch.ones([2, 5, 7]), align, s, s), [2, 2, 3])).toHaveLength(12);
      }
    }
  });
});

describe('interpolate gradients by finite differences (float64)', () => {
  const f64 = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64 });
  const cases: [string, number[], Record<string, unknown>][] = [
    ['nearest 2d', [1, 2, 3, 3], { scaleFactor: 1.7 }],
    ['nearest-exact 1d', [2, 1, 5], { size: 3, mode: 'nearest-exact' }],
    ['linear', [1, 2, 4], { size: 7, mode: 'linear', alignCorners: true }],
    ['bilinear', [1, 1, 3, 4], { scaleFactor: [1.5, 0.8], mode: 'bilinear' }],
    ['bicubic', [1, 1, 4, 3], { size: [5, 6], mode: 'bicubic' }],
    ['bicubic aligned, down', [1, 1, 5, 5], { size: [3, 4], mode: 'bicubic', alignCorners: true }],
    ['trilinear', [1, 1, 2, 3, 2], { size: [3, 2, 4], mode: 'trilinear' }],
    ['area 2d', [1, 2, 5, 4], { size: [2, 3], mode: 'area' }],
    ['area 3d', [1, 1, 3, 4, 2], { size: [2, 2, 3], mode: 'area' }],
    ['bilinear antialias', [1, 1, 6, 5], { size: [3, 4], mode: 'bilinear', antialias: true }],
    ['bicubic antialias', [1, 1, 5, 6], { size: [2, 7], mode: 'bicubic', antialias: true }],
  ];
  for (const [name, shape, options] of cases) {
    it(name, () => {
      torch.manualSeed(shape.length * 7 + name.length);
      const r = gradcheck((x: Tensor) => F.interpolate(x, options), [f64(...shape).requiresGrad_()], { perElement: true });
      expect(r.checked).toBeGreaterThan(0);
    });
  }
});

describe('pixel and channel shuffle against PyTorch', () => {
  for (const c of fixture.shuffle.cases) {
    it(c.name, () => {
      const x = fromFixture(c.input, { requiresGrad: true });
      const y = c.name.startsWith('pixel_shuffle') ? F.pixelShuffle(x, c.arg) : F.pixelUnshuffle(x, c.arg);
      expectExact(y, c.output);
      expect(y.gradFn?.name).toBe(c.gradFn);
      y.backward(fromFixture(c.gradOutput));
      expectExact(x.grad!, c.grad);
    });
  }

  it('round trips, torch.pixelShuffle, the modules, and double backward', () => {
    const x = torch.randn(2, 18, 3, 4, { dtype: torch.float64 });
    expect(valuesOf(F.pixelUnshuffle(torch.pixelShuffle(x, 3), 3))).toEqual(valuesOf(x));
    expect(valuesOf(new nn.PixelShuffle(3)(x))).toEqual(valuesOf(F.pixelShuffle(x, 3)));
    expect(valuesOf(new nn.PixelUnshuffle(3)(new nn.PixelShuffle(3)(x)))).toEqual(valuesOf(x));
    gradcheck((t: Tensor) => F.pixelShuffle(t, 2).mul(F.pixelShuffle(t, 2)), [torch.randn(1, 4, 2, 2, { dtype: torch.float64 }).requiresGrad_()]);
  });

  it('channel shuffle', () => {
    for (const c of fixture.shuffle.channel) {
      const x = fromFixture(c.input);
      expectExact(F.channelShuffle(x, c.groups), c.output);
      expectExact(torch.channelShuffle(x, c.groups), c.output);
      expectExact(new nn.ChannelShuffle(c.groups)(x), c.output);
    }
  });

  it('errors in PyTorch words', () => {
    const e = fixture.shuffle.errors;
    expect(() => F.pixelShuffle(torch.ones(3, 3), 2)).toThrow(e['pixel_shuffle rank']);
    expect(() => F.pixelShuffle(torch.ones(1, 4, 2, 2), 0)).toThrow(e['pixel_shuffle factor']);
    expect(() => F.pixelShuffle(torch.ones(1, 8, 2, 2), 3)).toThrow(e['pixel_shuffle channels']);
    expect(() => F.pixelUnshuffle(torch.ones(3, 3), 2)).toThrow(e['pixel_unshuffle rank']);
    expect(() => F.pixelUnshuffle(torch.ones(1, 4, 4), -1)).toThrow(e['pixel_unshuffle factor']);
    expect(() => F.pixelUnshuffle(torch.ones(1, 3, 4), 2)).toThrow(e['pixel_unshuffle height']);
    expect(() => F.pixelUnshuffle(torch.ones(1, 4, 3), 2)).toThrow(e['pixel_unshuffle width']);
    expect(() => F.channelShuffle(torch.ones(2, 8), 2)).toThrow(e['channel_shuffle rank']);
    expect(() => F.channelShuffle(torch.ones(2, 8, 2), 0)).toThrow(e['channel_shuffle groups']);
    expect(() => F.channelShuffle(torch.ones(2, 8, 2), 3)).toThrow(e['channel_shuffle divisible']);
  });
});

const DROPOUT_FNS: Record<string, (x: Tensor, p: number, training: boolean) => Tensor> = {
  dropout1d: F.dropout1d,
  dropout2d: F.dropout2d,
  dropout3d: F.dropout3d,
  alpha_dropout: F.alphaDropout,
  feature_alpha_dropout: F.featureAlphaDropout,
};

describe('channel and alpha dropout: PyTorch masks after manualSeed', () => {
  afterEach(() => vi.restoreAllMocks());
  for (const c of fixture.dropout) {
    it(c.name, () => {
      const fn = DROPOUT_FNS[c.name.split(' ')[0]];
      const x = fromFixture(c.input, { requiresGrad: c.grad !== undefined || c.training });
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      torch.manualSeed(c.seed);
      const y = fn(x, c.p, c.training);
      expect(warn.mock.calls.map((call) => String(call[0]))).toEqual(c.warnings);
      expectExact(y, c.output);
      // The generator advanced exactly as PyTorch's did.
      expectExact(torch.rand(3, { dtype: torch.float64 }), c.after);
      if (c.grad === undefined) return;
      if (c.gradFn !== null) expect(y.gradFn?.name).toBe(c.gradFn);
      if (c.gradFn === null) expect(y).toBe(x);
      else {
        y.backward(fromFixture(c.gradOutput!));
        expectExact(x.grad!, c.grad);
      }
    });
  }

  it('the modules draw the same masks, and are the identity in eval()', () => {
    const c = fixture.dropout.find((k) => k.name === 'dropout2d')!;
    const drop = new nn.Dropout2d(c.p);
    const x = fromFixture(c.input);
    torch.manualSeed(c.seed);
    expectExact(drop(x), c.output);
    drop.eval();
    expect(drop(x)).toBe(x);
    const a = fixture.dropout.find((k) => k.name === 'feature_alpha_dropout')!;
    torch.manualSeed(a.seed);
    expectExact(new nn.FeatureAlphaDropout(a.p)(fromFixture(a.input)), a.output);
  });

  it('inplace writes into the input', () => {
    const c = fixture.dropout.find((k) => k.name === 'dropout1d')!;
    const x = fromFixture(c.input);
    torch.manualSeed(c.seed);
    const y = F.dropout1d(x, { p: c.p, inplace: true });
    expect(y).toBe(x);
    expectExact(x, c.output);
  });

  it('errors in PyTorch words', () => {
    const e = fixture.dropoutErrors;
    expect(() => F.dropout1d(torch.ones(2, 3, 4, 5))).toThrow(e['dropout1d rank']);
    expect(() => F.dropout2d(torch.ones(2, 3, 4, 5), 1.5)).toThrow(e['dropout2d p']);
    expect(() => F.featureAlphaDropout(torch.ones(3), 0.5, true)).toThrow(e['feature 1d']);
    expect(valuesOf(F.featureAlphaDropout(torch.ones(3), 1, true))).toEqual([0, 0, 0]);  // p = 1 checks no rank, as PyTorch
    expect(() => new nn.Dropout3d(-0.1)).toThrow('dropout probability has to be between 0 and 1, but got -0.1');
  });
});

describe('modules', () => {
  it('reprs as PyTorch 1.13 prints them', () => {
    const r = fixture.reprs;
    expect(String(new nn.Upsample({ scaleFactor: 2 }))).toBe(r['upsample scale']);
    expect(String(new nn.Upsample({ size: [3, 4], mode: 'bilinear', alignCorners: true }))).toBe(r['upsample size tuple']);
    expect(String(new nn.Upsample(5, null, 'linear'))).toBe(r['upsample size int']);
    expect(String(new nn.Upsample({ scaleFactor: [2, 1.5], mode: 'bicubic' }))).toBe(r['upsample scale tuple']);
    expect(String(new nn.UpsamplingNearest2d({ scaleFactor: 2 }))).toBe(r['upsampling nearest']);
    expect(String(new nn.UpsamplingBilinear2d(4))).toBe(r['upsampling bilinear']);
    expect(String(new nn.PixelShuffle(2))).toBe(r['pixel shuffle']);
    expect(String(new nn.PixelUnshuffle(3))).toBe(r['pixel unshuffle']);
    expect(String(new nn.ChannelShuffle(2))).toBe(r['channel shuffle']);
    expect(String(new nn.Dropout1d())).toBe(r.dropout1d);
    expect(String(new nn.Dropout2d(0.3, true))).toBe(r.dropout2d);
    expect(String(new nn.Dropout3d(0.1))).toBe(r.dropout3d);
    expect(String(new nn.AlphaDropout(0.2))).toBe(r['alpha dropout']);
    expect(String(new nn.FeatureAlphaDropout())).toBe(r['feature alpha dropout']);
  });

  it('upsampling modules compute as PyTorch (UpsamplingBilinear2d aligns corners)', () => {
    const m = fixture.modules;
    const x = fromFixture(m.input);
    expectClose(new nn.UpsamplingBilinear2d({ scaleFactor: 2 })(x), m.upsamplingBilinear, { rtol: 1e-5, atol: 1e-6 });
    expectExact(new nn.UpsamplingNearest2d([4, 5])(x), m.upsamplingNearest);
    expectClose(new nn.Upsample({ scaleFactor: 1.5, mode: 'bicubic', alignCorners: true })(x), m.upsampleBicubic, { rtol: 1e-5, atol: 1e-6 });
  });
});

describe('the deprecated F.upsample, F.upsampleNearest and F.upsampleBilinear', () => {
  afterEach(() => vi.restoreAllMocks());
  const fns: Record<string, (x: Tensor, options: Record<string, unknown>) => Tensor> = {
    upsample: (x, o) => F.upsample(x, o),
    upsample_nearest: (x, o) => F.upsampleNearest(x, o),
    upsample_bilinear: (x, o) => F.upsampleBilinear(x, o),
  };
  for (const [name, c] of Object.entries(fixture.deprecated)) {
    it(name, () => {
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const y = fns[name](fromFixture(fixture.modules.input), optionsOf(c.options));
      expect(warn.mock.calls.map((call) => String(call[0]))).toEqual(c.warnings);
      expectClose(y, c.output, { rtol: 1e-5, atol: 1e-6 });
    });
  }

  it('positional forms, and options they do not take', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const x = fromFixture(fixture.modules.input);
    expectClose(F.upsampleBilinear(x, null, 2), fixture.deprecated.upsample_bilinear.output, { rtol: 1e-5, atol: 1e-6 });
    expectExact(F.upsampleNearest(x, [3, 5]), fixture.deprecated.upsample_nearest.output);
    expect(() => F.upsampleNearest(x, { size: 3, mode: 'bilinear' })).toThrow("upsample_nearest() got an unexpected keyword argument 'mode'");
  });
});
