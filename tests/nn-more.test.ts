/**
 * More torch.nn pieces against PyTorch 1.13 (tests/fixtures/nn-more.json, written by
 * scripts/make_nn_more_fixtures.py): F.gridSample and F.affineGrid, F.embeddingBag and
 * nn.EmbeddingBag, nn.AdaptiveLogSoftmaxWithLoss, F.maxUnpool3d / nn.MaxUnpool3d,
 * F.fractionalMaxPool2d/3d and nn.FractionalMaxPool2d/3d, and nn.utils's fusion helpers.
 *
 * Each functional case is one F.<fn> call replayed with the same positional arguments and the
 * keywords as one trailing options object: PyTorch's values, d((out * W).sum()) / d input for
 * a fixed W, the grad_fn name, and flint's float64 gradcheck where PyTorch's passes (every
 * grid-sample mode among them). Module cases are built right after the seed PyTorch used, so
 * their state dicts (PyTorch's init stream) must match too, as must their reprs. The error
 * cases check PyTorch's messages. nn.utils.skipInit is checked on its own: no draw from any
 * generator, and uninitialized (not re-drawn) parameters and buffers.
 *
 * One reference is not PyTorch 1.13's CPU output: with `scaleGradByFreq`, embedding_bag's CPU
 * backward divides some rows by another index's count (its CUDA
 * kernel and F.embedding divide by the row's own frequency). Those cases' expected gradients
 * are PyTorch's unscaled gradient divided by each row's frequency (the case's `note` says so).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';
import { camel, functional, weights } from './helpers/replay.js';
import { gradcheck } from './helpers/gradcheck.js';

const { nn } = torch;
const F = nn.functional;

type Arg = FixtureTensor | number | string | boolean | null | Arg[];
type Out = FixtureTensor | FixtureTensor[] | { output: FixtureTensor; loss: FixtureTensor };
interface FunctionalCase {
  id: string;
  fn: string;
  args: Arg[];
  kw?: Record<string, Arg>;
  seed?: number;
  out: FixtureTensor | FixtureTensor[];
  after?: { arg: number; value: FixtureTensor };
  rg?: number[];
  grads?: FixtureTensor[];
  gradFn?: string;
  gradcheck?: boolean;
}
interface ModuleCase {
  id: string;
  cls: string;
  args: Arg[];
  kw: Record<string, Arg>;
  seed: number;
  train: boolean;
  method: string;
  inputs: Arg[];
  repr: string;
  stateDict: Record<string, FixtureTensor>;
  out: Out;
  fromPretrained?: FixtureTensor;
  callSeed?: number;
  rg?: number[];
  grads?: FixtureTensor[];
  gradFn?: string;
  paramGrads?: Record<string, FixtureTensor>;
}
interface FusionCase {
  id: string;
  kind: string;
  args: Arg[];
  kw: Record<string, Arg>;
  seed: number;
  bnCls: string;
  bnArgs: number[];
  eps: number;
  affine: boolean;
  transpose: boolean;
  bn: Record<string, FixtureTensor>;
  input: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor;
  out: FixtureTensor;
  reference: FixtureTensor;
}
interface ErrorCase {
  id: string;
  fn: string;
  args: Arg[];
  kw?: Record<string, Arg>;
  module?: boolean;
  type: string;
  message: string;
}

const FIXTURE: {
  torch: string;
  functional: FunctionalCase[];
  modules: ModuleCase[];
  fusion: FusionCase[];
  fusionWeights: { id: string; fn: string; args: Arg[]; weight: FixtureTensor; bias: FixtureTensor }[];
  warnings: Record<string, string>;
  errors: ErrorCase[];
  forwardErrors: { id: string; args: Arg[]; kw: Record<string, Arg>; inputs: FixtureTensor[]; type: string; message: string }[];
} = JSON.parse(readFileSync(new URL('./fixtures/nn-more.json', import.meta.url), 'utf8'));

const isTensor = (a: unknown): a is FixtureTensor => typeof a === 'object' && a !== null && !Array.isArray(a) && 'shape' in a;
const DTYPES: Record<string, torch.DType> = { float32: torch.float32, float64: torch.float64 };

function decode(a: Arg): unknown {
  if (Array.isArray(a)) return a.map(decode);
  if (isTensor(a)) return fromFixture(a);
  return a;
}

function decodeKw(kw: Record<string, Arg> | undefined): Record<string, unknown> | undefined {
  if (kw === undefined || Object.keys(kw).length === 0) return undefined;
  return Object.fromEntries(Object.entries(kw).map(([k, v]) => [k, k === 'dtype' ? DTYPES[v as string] : decode(v)]));
}


const firstOf = (o: Tensor | Tensor[]): Tensor => (Array.isArray(o) ? o[0] : o);

function expectOut(actual: unknown, expected: Out, label: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${label} is a list`).toBe(true);
    expect((actual as Tensor[]).length).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as Tensor[])[i], e, { label: `${label}[${i}]` }));
  } else if (isTensor(expected)) {
    expectClose(actual as Tensor, expected, { label });
  } else {
    const got = actual as { output: Tensor; loss: Tensor };
    expect(Object.keys(got).sort()).toEqual(['loss', 'output']);
    expectClose(got.output, expected.output, { label: `${label}.output` });
    expectClose(got.loss, expected.loss, { label: `${label}.loss` });
  }
}

/** Arguments with the `rg` positions as fresh leaves that require grad. */
function withLeaves(rg: number[] | undefined, args: unknown[]): { args: unknown[]; leaves: Tensor[] } {
  const a = [...args];
  const leaves = (rg ?? []).map((i) => {
    const leaf = (a[i] as Tensor).clone().requiresGrad_();
    a[i] = leaf;
    return leaf;
  });
  return { args: a, leaves };
}

describe(`nn.functional against PyTorch ${FIXTURE.torch}`, () => {
  for (const c of FIXTURE.functional) {
    const call = (a: unknown[]): Tensor | Tensor[] => {
      const options = decodeKw(c.kw);
      if (c.seed !== undefined) torch.manualSeed(c.seed);
      return functional(c.fn)(...a, ...(options === undefined ? [] : [options]));
    };

    it(`${c.id}: F.${camel(c.fn)} gives PyTorch's values`, () => {
      const args = c.args.map(decode);
      expectOut(call(args), c.out, c.id);
      if (c.after) expectClose(args[c.after.arg] as Tensor, c.after.value, { label: `${c.id}: argument ${c.after.arg} after the call` });
    });

    if (c.grads) {
      it(`${c.id}: gradients and grad_fn ${c.gradFn}`, () => {
        const { args, leaves } = withLeaves(c.rg, c.args.map(decode));
        const out = firstOf(call(args));
        expect(out.gradFn?.name, 'grad_fn').toBe(c.gradFn);
        out.mul(weights(out)).sum().backward();
        leaves.forEach((leaf, i) => {
          expect(leaf.grad, `grad of argument ${c.rg![i]}`).not.toBeNull();
          expectClose(leaf.grad!, c.grads![i], { label: `${c.id} grad ${c.rg![i]}` });
        });
      });
    }

    if (c.gradcheck) {
      it(`${c.id}: float64 gradcheck (PyTorch's passes)`, () => {
        const { args, leaves } = withLeaves(c.rg, c.args.map(decode));
        const fn = (...ls: Tensor[]): Tensor => {
          const a = [...args];
          c.rg!.forEach((i, k) => (a[i] = ls[k]));
          return firstOf(call(a));
        };
        const result = gradcheck(fn, leaves);
        expect(result.ok, result.message).toBe(true);
      });
    }
  }
});

type AnyModule = torch.nn.Module & Record<string, unknown>;

function buildModule(c: ModuleCase): AnyModule {
  torch.manualSeed(c.seed);
  const Cls = (nn as unknown as Record<string, (new (...a: unknown[]) => AnyModule) & { fromPretrained?: (...a: unknown[]) => AnyModule }>)[c.cls];
  const options = decodeKw(c.kw);
  const m = c.fromPretrained
    ? Cls.fromPretrained!(fromFixture(c.fromPretrained), options)
    : new Cls(...c.args.map(decode), ...(options === undefined ? [] : [options]));
  return (c.train ? m.train() : m.eval()) as AnyModule;
}

function callModule(c: ModuleCase, m: AnyModule, inputs: unknown[]): unknown {
  if (c.callSeed !== undefined) torch.manualSeed(c.callSeed);
  if (c.method === 'forward') return (m as unknown as (...xs: unknown[]) => unknown)(...inputs);
  return (m[camel(c.method)] as (...xs: unknown[]) => unknown).call(m, ...inputs);
}

describe(`nn modules against PyTorch ${FIXTURE.torch}`, () => {
  for (const c of FIXTURE.modules) {
    it(`${c.id}: nn.${c.cls} prints, initialises and computes as PyTorch's`, () => {
      const m = buildModule(c);
      expect(String(m)).toBe(c.repr);
      const state = m.stateDict();
      expect(Object.keys(state)).toEqual(Object.keys(c.stateDict));
      for (const [k, v] of Object.entries(c.stateDict)) expectClose(state[k], v, { label: `${c.id}: state ${k}` });
      expectOut(callModule(c, m, c.inputs.map(decode)), c.out, c.id);
    });

    if (c.grads) {
      it(`${c.id}: gradients of the inputs and parameters, grad_fn ${c.gradFn}`, () => {
        const m = buildModule(c);
        const { args, leaves } = withLeaves(c.rg, c.inputs.map(decode));
        const result = callModule(c, m, args);
        let out: Tensor;
        if (result !== null && typeof result === 'object' && 'loss' in result) {
          const asm = result as { output: Tensor; loss: Tensor };
          expect(asm.loss.gradFn?.name).toBe('MeanBackward0');
          asm.loss.backward();
          out = asm.output;
        } else {
          out = firstOf(result as Tensor | Tensor[]);
          out.mul(weights(out)).sum().backward();
        }
        expect(out.gradFn?.name, 'grad_fn').toBe(c.gradFn);
        leaves.forEach((leaf, i) => expectClose(leaf.grad!, c.grads![i], { label: `${c.id} grad ${c.rg![i]}` }));
        const grads = Object.fromEntries(m.namedParameters().filter(([, p]) => p.grad !== null).map(([k, p]) => [k, p.grad!]));
        expect(Object.keys(grads).sort()).toEqual(Object.keys(c.paramGrads!).sort());
        for (const [k, g] of Object.entries(c.paramGrads!)) expectClose(grads[k], g, { label: `${c.id}: grad of ${k}` });
      });
    }
  }
});

describe(`nn.utils fusion against PyTorch ${FIXTURE.torch}`, () => {
  for (const c of FIXTURE.fusion) {
    it(`${c.id}: the fused layer's weight, bias and output`, () => {
      torch.manualSeed(c.seed);
      const Layer = (nn as unknown as Record<string, new (...a: unknown[]) => AnyModule>)[c.kind];
      const layer = new Layer(...c.args, ...(Object.keys(c.kw).length ? [c.kw] : [])).eval();
      const Norm = (nn as unknown as Record<string, new (...a: unknown[]) => AnyModule>)[c.bnCls];
      const bn = new Norm(...c.bnArgs, { eps: c.eps, affine: c.affine }).eval();
      torch.noGrad(() => {
        for (const [k, v] of Object.entries(c.bn)) (bn[k] as Tensor).copy_(fromFixture(v));
      });
      const fused =
        c.kind === 'Linear' ? nn.utils.fuseLinearBnEval(layer, bn) : nn.utils.fuseConvBnEval(layer, bn, { transpose: c.transpose });
      expect(fused).not.toBe(layer);
      expect(fused).toBeInstanceOf(Layer);
      expect(fused.weight).toBeInstanceOf(nn.Parameter);
      expect(fused.bias).toBeInstanceOf(nn.Parameter);
      expectClose(fused.weight as Tensor, c.weight, { label: 'weight' });
      expectClose(fused.bias as Tensor, c.bias, { label: 'bias' });
      const x = fromFixture(c.input);
      expectClose((fused as unknown as (x: Tensor) => Tensor)(x), c.out, { label: 'fused output' });
      expectClose((bn as unknown as (x: Tensor) => Tensor)((layer as unknown as (x: Tensor) => Tensor)(x)), c.reference, { label: 'bn(layer(x))' });
      // The original layer is untouched.
      expect((layer.weight as Tensor).dataSync()).not.toEqual((fused.weight as Tensor).dataSync());
    });
  }

  for (const c of FIXTURE.fusionWeights) {
    it(`${c.id}: nn.utils.${camel(c.fn)}`, () => {
      const fn = (nn.utils as unknown as Record<string, (...a: unknown[]) => [Tensor, Tensor]>)[camel(c.fn)];
      const [w, b] = fn(...c.args.map(decode));
      expect(w).toBeInstanceOf(nn.Parameter);
      expect(b).toBeInstanceOf(nn.Parameter);
      expect(w.requiresGrad && b.requiresGrad && w.gradFn === null).toBe(true);
      expectClose(w, c.weight, { label: 'weight' });
      expectClose(b, c.bias, { label: 'bias' });
    });
  }

  it('fusing a layer in training mode is refused', () => {
    const conv = new nn.Conv2d(2, 2, 1);
    const bn = new nn.BatchNorm2d(2).eval();
    expect(() => nn.utils.fuseConvBnEval(conv, bn)).toThrow('Fusion only for eval!');
    expect(() => nn.utils.fuseLinearBnEval(new nn.Linear(2, 2).eval(), new nn.BatchNorm1d(2))).toThrow('Fusion only for eval!');
  });
});

describe(`errors: PyTorch ${FIXTURE.torch}'s messages`, () => {
  for (const c of FIXTURE.errors) {
    it(`${c.id}: ${c.module ? 'nn' : 'F'}.${c.module ? c.fn : camel(c.fn)} throws ${c.type}: ${c.message}`, () => {
      const args = c.args.map(decode);
      const options = decodeKw(c.kw);
      const rest = options === undefined ? [] : [options];
      let thrown: unknown;
      try {
        if (c.module) new (nn as unknown as Record<string, new (...a: unknown[]) => unknown>)[c.fn](...args, ...rest);
        else functional(c.fn)(...args, ...rest);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, 'throws').toBeInstanceOf(Error);
      expect((thrown as Error).message).toBe(c.message);
      expect(thrown instanceof TypeError, 'TypeError exactly where PyTorch raises one').toBe(c.type === 'TypeError');
    });
  }

  for (const c of FIXTURE.forwardErrors) {
    it(`AdaptiveLogSoftmaxWithLoss forward, ${c.id}: ${c.message}`, () => {
      const asm = new nn.AdaptiveLogSoftmaxWithLoss(...(c.args.map(decode) as [number, number, number[]]));
      const [input, target] = c.inputs.map((x) => fromFixture(x));
      expect(() => asm(input, target)).toThrow(c.message);
    });
  }
});

describe('warnings', () => {
  afterEach(() => vi.restoreAllMocks());

  it("gridSample and affineGrid warn (once each) as PyTorch's when alignCorners is left out", () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const theta = torch.tensor([[[1, 0, 0], [0, 1, 0]]], { dtype: torch.float32 });
    const grid = F.affineGrid(theta, [1, 1, 2, 2]);
    const x = torch.arange(4, { dtype: torch.float32 }).reshape(1, 1, 2, 2);
    const y = F.gridSample(x, grid);
    F.gridSample(x, grid);
    F.affineGrid(theta, [1, 1, 2, 2]);
    const messages = spy.mock.calls.map((call) => String(call[0]));
    expect(messages).toEqual([FIXTURE.warnings.affineGrid, FIXTURE.warnings.gridSample]);
    // alignCorners false: the centres of a 2x2 grid sample the pixels themselves.
    expect(valuesOf(y)).toEqual([0, 1, 2, 3]);
  });

  it("affineGrid warns for a unit-size grid with alignCorners, and embeddingBag for the old argument order", () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    F.affineGrid(torch.randn([2, 2, 3]), [2, 1, 1, 3], { alignCorners: true });
    const weight = torch.randn([10, 3]);
    const ids = torch.tensor([1, 2, 4, 5]);
    const swapped = F.embeddingBag(weight, ids, torch.tensor([0, 2]));
    expectClose(swapped, F.embeddingBag(ids, weight, torch.tensor([0, 2])));
    expect(spy.mock.calls.map((call) => String(call[0]))).toEqual([FIXTURE.warnings.affineGridUnitSize, FIXTURE.warnings.embeddingBagOrder]);
  });
});

describe('gridSample gradients', () => {
  it('nearest: the grid gets a zero gradient (and a node) even when only the grid requires grad', () => {
    const x = torch.randn([1, 2, 3, 4]);
    const grid = torch.rand([1, 2, 2, 2]).mul(2).sub(1).requiresGrad_();
    const out = F.gridSample(x, grid, { mode: 'nearest', alignCorners: false });
    expect(out.requiresGrad).toBe(true);
    expect(out.gradFn?.name).toBe('GridSampler2DBackward0');
    out.sum().backward();
    expect(valuesOf(grid.grad!)).toEqual(new Array(8).fill(0));
  });

  it('bilinear: only the grid requires grad', () => {
    const x = torch.randn([1, 1, 3, 3], { dtype: torch.float64 });
    const grid = torch.rand([1, 2, 2, 2], { dtype: torch.float64 }).mul(1.6).sub(0.8).requiresGrad_();
    const out = F.gridSample(x, grid, { alignCorners: true });
    expect(out.gradFn?.name).toBe('GridSampler2DBackward0');
    expect(gradcheck((g: Tensor) => F.gridSample(x, g, { alignCorners: true }), [grid]).ok).toBe(true);
  });

  it('empty batch and empty output grids give empty outputs', () => {
    expect(F.gridSample(torch.randn([0, 2, 3, 4]), torch.zeros([0, 2, 2, 2]), { alignCorners: false }).shape).toEqual([0, 2, 2, 2]);
    expect(F.gridSample(torch.randn([1, 2, 3, 4]), torch.zeros([1, 0, 2, 2]), { alignCorners: false }).shape).toEqual([1, 2, 0, 2]);
  });
});

describe('argument checks', () => {
  it('unknown options and wrongly typed arguments are TypeErrors naming them', () => {
    const x = torch.randn([1, 1, 2, 2]);
    const grid = torch.zeros([1, 1, 1, 2]);
    expect(() => F.gridSample(x, grid, { align: true } as never)).toThrow(/unexpected option 'align'/);
    expect(() => F.gridSample(x, grid, { alignCorners: 1 } as never)).toThrow(TypeError);
    expect(() => F.affineGrid(torch.zeros([1, 2, 3]), [1, 1, 2, 2], { corners: true } as never)).toThrow(/unexpected option 'corners'/);
    expect(() => F.fractionalMaxPool2d(x, 1, { size: 1 } as never)).toThrow(/unexpected option 'size'/);
    expect(() => new nn.AdaptiveLogSoftmaxWithLoss(4, 10, [2], { divValue: '2' } as never)).toThrow(TypeError);
    expect(() => nn.utils.fuseConvBnWeights(torch.zeros([2, 1, 1, 1]), null, torch.zeros([2]), torch.ones([2]), 1e-5, null, null, { flip: true } as never)).toThrow(TypeError);
  });

  it('affineGrid prints a torch.Size size as PyTorch does', () => {
    expect(() => F.affineGrid(torch.zeros([2, 2, 3]), new torch.Size([2, 1, 0, 4]), { alignCorners: false })).toThrow(
      'Expected non-zero, positive output size. Got torch.Size([2, 1, 0, 4])',
    );
  });
});

describe('EmbeddingBag and AdaptiveLogSoftmaxWithLoss structure', () => {
  it('EmbeddingBag: attributes, frozen fromPretrained, state dict by name, options as PyTorch keywords', () => {
    const bag = new nn.EmbeddingBag(5, 2, { mode: 'max', paddingIdx: -1 });
    expect([bag.numEmbeddings, bag.embeddingDim, bag.mode, bag.paddingIdx, bag.includeLastOffset]).toEqual([5, 2, 'max', 4, false]);
    expect(valuesOf(bag.weight.index(4))).toEqual([0, 0]);
    const vectors = torch.arange(10, { dtype: torch.float32 }).reshape(5, 2);
    const frozen = nn.EmbeddingBag.fromPretrained(vectors);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.mode).toBe('mean');
    bag.loadStateDict({ weight: vectors });
    expect(valuesOf(bag(torch.tensor([[0, 3], [2, 4]])))).toEqual([6, 7, 4, 5]);
    expect(valuesOf(bag(torch.tensor([0, 3, 2]), { offsets: torch.tensor([0, 1]) }))).toEqual([0, 1, 6, 7]);
    expect(() => new nn.EmbeddingBag(5, 2, { sparse: true })).toThrow(/sparse gradients are not supported/);
    expect(() => new nn.EmbeddingBag(5, 2, { padding: 1 } as never)).toThrow(/unexpected option 'padding'/);
    expect(() => new nn.EmbeddingBag(5, 2, { paddingIdx: 5 })).toThrow('padding_idx must be within num_embeddings');
    expect(() => F.embeddingBag(torch.tensor([1]), vectors, torch.tensor([0]), { modes: 'sum' } as never)).toThrow(/unexpected option 'modes'/);
  });

  it('AdaptiveLogSoftmaxWithLoss: PyTorch state-dict names load, logProb normalises, predict is the logProb argmax', () => {
    const c = FIXTURE.modules.find((m) => m.id === 'AdaptiveLogSoftmaxWithLoss')!;
    torch.manualSeed(123);
    const asm = new nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], { divValue: 2 });
    expect([asm.shortlistSize, asm.nClusters, asm.headSize, asm.cutoffs]).toEqual([3, 2, 5, [3, 6, 10]]);
    const state = Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, fromFixture(v)]));
    const result = asm.loadStateDict(state);
    expect(result.missingKeys).toEqual([]);
    expect(result.unexpectedKeys).toEqual([]);
    const x = fromFixture(c.inputs[0] as FixtureTensor);
    expectOut(asm(x, fromFixture(c.inputs[1] as FixtureTensor)), c.out, 'loaded');
    const logProb = asm.logProb(x);
    expect(logProb.shape).toEqual([6, 10]);
    valuesOf(logProb.exp().sum(1)).forEach((s) => expect(s).toBeCloseTo(1, 5));
    expect(valuesOf(asm.predict(x))).toEqual(valuesOf(logProb.argmax(1)));
    expect(asm.predict(x).dtype).toBe(torch.int64);
  });

  it('FractionalMaxPool2d keeps given samples as the buffer _random_samples', () => {
    const samples = torch.rand([1, 2, 2]);
    const pool = new nn.FractionalMaxPool2d(2, { outputSize: 3, _randomSamples: samples });
    expect(Object.keys(pool.stateDict())).toEqual(['_random_samples']);
    expect(Object.keys(new nn.FractionalMaxPool2d(2, { outputRatio: 0.5 }).stateDict())).toEqual([]);
    const x = torch.randn([1, 2, 6, 6]);
    expectClose(pool(x), F.fractionalMaxPool2d(x, 2, { outputSize: 3, _randomSamples: samples }));
    expect([pool.kernelSize, pool.outputSize, pool.outputRatio]).toEqual([[2, 2], [3, 3], null]);
  });
});

describe('nn.utils.skipInit', () => {
  it('draws nothing from the generator and leaves parameters and buffers uninitialized', () => {
    torch.manualSeed(7);
    const expected = valuesOf(torch.rand([4]));
    torch.manualSeed(7);
    const linear = nn.utils.skipInit(nn.Linear, 5, 3, { dtype: torch.float64 });
    const bn = nn.utils.skipInit(nn.BatchNorm1d, 4);
    const emb = nn.utils.skipInit(nn.EmbeddingBag, 6, 2, { mode: 'sum' });
    expect(valuesOf(torch.rand([4]))).toEqual(expected);
    expect(linear).toBeInstanceOf(nn.Linear);
    expect(linear.weight).toBeInstanceOf(nn.Parameter);
    expect([linear.weight.shape, linear.weight.dtype, linear.weight.requiresGrad]).toEqual([[3, 5], torch.float64, true]);
    expect(linear.bias!.shape).toEqual([3]);
    expect([bn.running_mean!.shape, bn.num_batches_tracked!.dtype]).toEqual([[4], torch.int64]);
    expect(emb.mode).toBe('sum');
  });

  it('refuses a class that is not a Module', () => {
    class NotAModule {}
    expect(() => nn.utils.skipInit(NotAModule as never)).toThrow(/Expected a Module; got/);
  });
});
