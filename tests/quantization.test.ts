/**
 * Quantized tensors and dynamic quantization against PyTorch 1.13
 * (scripts/make_quantization_fixtures.py): the integers of quantize_per_tensor,
 * quantize_per_channel and quantize_per_tensor_dynamic, their reprs, and a quantize_dynamic
 * MLP (per tensor and per channel) whose weights, reprs, state-dict keys and outputs match;
 * the int8 product without oneDNN; and the errors.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';
import { PYTHON, hasTorch, python } from './helpers/python.js';
import { encodeTorchObject } from '../src/serialization/torch-format.js';
import { createZipWriter } from '../src/serialization/zip-write.js';

type S = FixtureTensor;
const FIX: {
  perTensor: { label: string; input: S; scale: number; zeroPoint: number; dtype: string; int: S; values: S; repr: string }[];
  perChannel: { axis: number; input: S; scales: number[]; zeroPoints: number[]; dtype: string; int: S; values: S; repr: string }[];
  dynamic: { label: string; input: S; dtype: string; reduceRange: boolean; scale: number; zeroPoint: number; int: S; repr: string }[];
  models: {
    label: string;
    state: Record<string, S>;
    repr: string;
    layers: { index: number; int: S; qscheme: string; scale?: number; scales?: S }[];
    outputs: { label: string; input: S; out: S }[];
    perLayer: { label: string; layers: { index: number; input: S; out: S }[] }[];
    stateKeys: string[];
  }[];
  checkpointTensors: { int: S; repr: string }[];
} = JSON.parse(readFileSync(new URL('./fixtures/quantization.json', import.meta.url), 'utf8'));

const root = fileURLToPath(new URL('..', import.meta.url));
const QDTYPES: Record<string, torch.DType> = { qint8: torch.qint8, quint8: torch.quint8, qint32: torch.qint32 };

function mlp(): torch.nn.Sequential {
  return new torch.nn.Sequential(
    new torch.nn.Linear(20, 64), new torch.nn.ReLU(), new torch.nn.Linear(64, 32), new torch.nn.Tanh(), new torch.nn.Linear(32, 5, { bias: false }),
  );
}

function quantizedModel(m: (typeof FIX.models)[number]): torch.nn.Sequential {
  const model = mlp();
  model.loadStateDict(Object.fromEntries(Object.entries(m.state).map(([k, v]) => [k, fromFixture(v)])));
  const spec = m.label === 'per channel'
    ? new Map([[torch.nn.Linear, torch.ao.quantization.perChannelDynamicQconfig]])
    : new Set([torch.nn.Linear]);
  return torch.ao.quantization.quantizeDynamic(model, spec, torch.qint8);
}

const layerOf = (model: torch.nn.Module, index: number) => model._modules.get(String(index)) as unknown as torch.nn.quantized.dynamic.Linear;

describe('quantized tensors against PyTorch 1.13', () => {
  for (const c of FIX.perTensor) {
    it(`quantizePerTensor: ${c.label}`, () => {
      const q = torch.quantizePerTensor(fromFixture(c.input), c.scale, c.zeroPoint, QDTYPES[c.dtype]!);
      expect(q.dtype).toBe(QDTYPES[c.dtype]);
      expect(q.qscheme()).toBe(torch.perTensorAffine);
      expect([q.qScale(), q.qZeroPoint()]).toEqual([c.scale, c.zeroPoint]);
      expectClose(q.intRepr(), c.int, { rtol: 0, atol: 0 });
      // PyTorch's qint32 dequantize subtracts the zero point in wrapping int32 arithmetic, so its
      // lowest integer comes back positive; flint's does not wrap.
      if (c.label !== 'qint32 large') {
        expectClose(q.dequantize(), c.values, { rtol: 1e-7, atol: 0 });
        expect(String(q)).toBe(c.repr);
      }
    });
  }

  for (const c of FIX.perChannel) {
    it(`quantizePerChannel along axis ${c.axis}`, () => {
      const q = torch.quantizePerChannel(fromFixture(c.input), torch.tensor(c.scales, { dtype: torch.float64 }), torch.tensor(c.zeroPoints), c.axis, QDTYPES[c.dtype]!);
      expectClose(q.intRepr(), c.int, { rtol: 0, atol: 0 });
      expectClose(q.dequantize(), c.values, { rtol: 1e-7, atol: 0 });
      expect(q.qPerChannelAxis()).toBe(c.axis);
      expect(q.qPerChannelScales().tolist()).toEqual(c.scales);
      expect(q.qPerChannelZeroPoints().tolist()).toEqual(c.zeroPoints);
      expect(String(q)).toBe(c.repr);
    });
  }

  for (const c of FIX.dynamic) {
    it(`quantizePerTensorDynamic: ${c.label}`, () => {
      const q = torch.quantizePerTensorDynamic(fromFixture(c.input), QDTYPES[c.dtype]!, c.reduceRange);
      expect([q.qScale(), q.qZeroPoint()]).toEqual([c.scale, c.zeroPoint]);
      expectClose(q.intRepr(), c.int, { rtol: 0, atol: 0 });
      expect(String(q)).toBe(c.repr);
    });
  }

  it('a strided input quantizes as its values (the transposed case, built here as a view)', () => {
    const c = FIX.perTensor.find((p) => p.label === 'transposed')!;
    const view = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 }).t();
    expect(view.isContiguous()).toBe(false);
    expectClose(torch.quantizePerTensor(view, c.scale, c.zeroPoint, torch.quint8).intRepr(), c.int, { rtol: 0, atol: 0 });
  });

  it('a QuantizedTensor returned from tidy keeps its integers; one left inside is freed', () => {
    const x = torch.tensor([0.5, -1.5]);
    const q = torch.tidy(() => torch.quantizePerChannel(x.reshape([2, 1]), torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 0, torch.qint8));
    expect(q.intRepr().tolist()).toEqual([[5], [-7]]);
    expect(q.qPerChannelZeroPoints().tolist()).toEqual([0, 1]);
    expectClose(q.qPerChannelScales(), torch.tensor([0.1, 0.2]).double(), { rtol: 0, atol: 0 });
    expectClose(q.dequantize(), torch.tensor([[0.5], [-1.6]]), { rtol: 1e-6, atol: 0 });
    let inner: torch.QuantizedTensor | null = null;
    torch.tidy(() => {
      inner = torch.quantizePerTensor(x, 0.1, 0, torch.qint8);
    });
    expect(() => inner!.intRepr()).toThrow();
  });

  it('torch.dequantize takes a quantized tensor, a list, or a float tensor as it is', () => {
    const x = torch.tensor([0.26, -1]);
    const q = torch.quantizePerTensor(x, 0.1, 0, torch.qint8);
    expect(torch.dequantize(q).tolist()).toEqual(q.dequantize().tolist());
    expect(torch.dequantize([q, q]).length).toBe(2);
    expect(torch.dequantize(x)).toBe(x);
    const listed = torch.quantizePerTensor([x, x.mul(2)], torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), torch.qint8);
    expect(listed.map((t) => t.qZeroPoint())).toEqual([0, 1]);
    expect(listed[1]!.qScale()).toBeCloseTo(0.2, 7);
  });

  it('refuses what PyTorch refuses, and what would not round trip', () => {
    const x = torch.tensor([1.5, 2]);
    expect(() => torch.quantizePerTensor(x.double(), 0.1, 0, torch.qint8)).toThrow('Quantize only works on Float Tensor, got Double');
    expect(() => torch.quantizePerTensor(x, 0.1, 300, torch.quint8)).toThrow('zero_point 300 is above upper bound');
    expect(() => torch.quantizePerTensor(x, 0.1, -129, torch.qint8)).toThrow('zero_point -129 is below lower bound');
    expect(() => torch.quantizePerTensor(x, 0.1, 0, torch.float32)).toThrow("argument 'dtype' must be torch.qint8, torch.quint8 or torch.qint32");
    expect(() => torch.quantizePerTensor(x, 0, 0, torch.qint8)).toThrow('the scale must be a positive number');
    expect(() => torch.quantizePerTensor(x, 0.1, 0.5, torch.qint8)).toThrow("argument 'zero_point' must be an integer");
    expect(() => torch.quantizePerChannel(torch.ones([2, 3]), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 2, torch.qint8)).toThrow(
      'Channel axis out of range in per channel affine quantization. Got: 2Expected: [0, 2)',
    );
    expect(() => torch.quantizePerChannel(torch.ones([2, 3]), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 1, torch.qint8)).toThrow('length of scales must equal to channel');
    const q = torch.quantizePerTensor(x, 0.1, 0, torch.qint8);
    expect(() => q.qPerChannelScales()).toThrow('Expected quantizer to be PerChannelAffineQuantizer');
    // Not a Tensor: an op refuses it and says how to get its values.
    expect(() => torch.relu(q as unknown as Tensor)).toThrow('call .dequantize() for its values');
    expect(() => torch.zeros([2], { dtype: torch.qint8 })).toThrow('torch.qint8 is quantized');
    expect(() => x.to(torch.qint8)).toThrow('torch.qint8 is quantized');
    expect(() => new torch.nn.Linear(2, 2).to(torch.quint8)).toThrow('torch.quint8 is quantized');
    expect(() => torch.promoteTypes(torch.qint8, torch.float32)).toThrow('Promotion for quantized types');
    expect(() => torch.quantizePerTensorDynamic(torch.tensor([1, NaN]), torch.quint8, false)).toThrow('min should be less than or equal to max');
    expect(() => torch.quantizePerTensorDynamic(torch.tensor([1, Infinity]), torch.quint8, false)).toThrow('is not finite');
    expect(String(torch.qint8)).toBe('torch.qint8');
    expect([torch.qint8.isQuantized, torch.qint8.isComplex, torch.float32.isQuantized]).toEqual([true, false, false]);
  });
});

describe('dynamic quantization of an MLP against PyTorch 1.13 (quantize_dynamic)', () => {
  for (const m of FIX.models) {
    it(`${m.label}: the repr, the int8 weights and their scales, the state dict's keys`, () => {
      const q = quantizedModel(m);
      expect(String(q)).toBe(m.repr);
      for (const layer of m.layers) {
        const w = layerOf(q, layer.index).weight();
        expect(String(w.qscheme())).toBe(layer.qscheme);
        expectClose(w.intRepr(), layer.int, { rtol: 0, atol: 0 });
        if (layer.scale !== undefined) expect(w.qScale()).toBe(layer.scale);
        else expectClose(w.qPerChannelScales(), layer.scales!, { rtol: 0, atol: 0 });
      }
      expect(Object.keys(q.stateDict())).toEqual(m.stateKeys);
      expect(q.parameters().length).toBe(0);
    });

    it(`${m.label}: outputs for inputs of several ranges and shapes`, () => {
      const q = quantizedModel(m);
      for (const c of m.outputs) {
        // A wide input is checked layer by layer (below): the float scaling and bias add round
        // in another order than oneDNN's, and on a wide range one last-bit difference can move
        // the next layer's quantized input a step.
        if (c.label === 'wide') continue;
        const out = q(fromFixture(c.input)) as Tensor;
        expectClose(out, c.out, { rtol: 1e-5, atol: 1e-5, label: c.label });
      }
    });

    it(`${m.label}: each layer on the input PyTorch gave it, wide ranges included`, () => {
      const q = quantizedModel(m);
      for (const run of m.perLayer) {
        for (const layer of run.layers) {
          const out = layerOf(q, layer.index)(fromFixture(layer.input)) as Tensor;
          expectClose(out, layer.out, { rtol: 1e-5, atol: 1e-5, label: `${run.label}, layer ${layer.index}` });
        }
      }
    });
  }

  it('the input is not changed, gets no gradient, and the float model is left as it was', () => {
    const model = mlp();
    const before = model.stateDict()['0.weight']!.clone();
    const q = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]));
    expect(model._modules.get('0')).toBeInstanceOf(torch.nn.Linear);
    expect(torch.equal(model.stateDict()['0.weight']!, before)).toBe(true);
    const x = torch.randn([3, 20], { requiresGrad: true });
    const copy = x.detach().clone();
    const y = q(x) as Tensor;
    expect(y.requiresGrad).toBe(false);
    expect(y.shape).toEqual([3, 5]);
    expect(torch.equal(x.detach(), copy)).toBe(true);
  });

  it('the copy is in eval mode, and keeps the forward hooks and pre-hooks of the layers it swaps', () => {
    const model = mlp();
    const calls: string[] = [];
    (model._modules.get('0') as torch.nn.Module).registerForwardPreHook(() => void calls.push('pre'));
    (model._modules.get('0') as torch.nn.Module).registerForwardHook(() => void calls.push('post'));
    const q = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]));
    expect([model.training, q.training, q._modules.get('1')!.training]).toEqual([true, false, false]);
    q(torch.randn([2, 20]));
    expect(calls).toEqual(['pre', 'post']);
  });

  it('made inside tidy, a quantized model still runs after it', () => {
    const q = torch.tidy(() => torch.ao.quantization.quantizeDynamic(mlp(), new Set([torch.nn.Linear])));
    expect((q(torch.randn([2, 20])) as Tensor).shape).toEqual([2, 5]);
    const copy = torch.tidy(() => torch.ao.quantization.quantizeDynamic(q as never, new Set([torch.nn.Linear])) as torch.nn.Sequential);
    expect(torch.equal(copy(torch.ones([1, 20])) as Tensor, q(torch.ones([1, 20])) as Tensor)).toBe(true);
  });

  it('a NaN or infinite input is refused, as it has no quantized form', () => {
    const layer = torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.Linear(4, 3));
    expect(() => layer(torch.tensor([[1, 2, NaN, 4]]))).toThrow('the input has NaN or infinite values');
    expect(() => layer(torch.tensor([[1, 2, Infinity, 4]]))).toThrow('the input has NaN or infinite values');
  });

  it('inplace swaps the children of the model given; the root itself is never swapped', () => {
    const model = mlp();
    const same = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]), torch.qint8, null, true);
    expect(same).toBe(model);
    expect(model._modules.get('0')).toBeInstanceOf(torch.nn.quantized.dynamic.Linear);
    const bare = new torch.nn.Linear(4, 3);
    expect(torch.ao.quantization.quantizeDynamic(bare)).toBeInstanceOf(torch.nn.Linear);
  });

  it('a Map spec by name, and null to keep a layer float', () => {
    const q = torch.quantization.quantizeDynamic(mlp(), new Map<unknown, torch.ao.quantization.QConfig | null>([
      [torch.nn.Linear, torch.ao.quantization.defaultDynamicQconfig], ['2', null],
    ]) as never);
    expect(q._modules.get('0')).toBeInstanceOf(torch.nn.quantized.dynamic.Linear);
    expect(q._modules.get('2')).toBeInstanceOf(torch.nn.Linear);
    expect(q._modules.get('4')).toBeInstanceOf(torch.nn.quantized.dynamic.Linear);
  });

  it('the default spec also swaps the recurrent layers (tests/quantization-rnn.test.ts); float16 is refused', () => {
    const model = new torch.nn.Sequential(new torch.nn.LSTM(4, 4), new torch.nn.Linear(4, 2));
    const q = torch.ao.quantization.quantizeDynamic(model);
    expect(q._modules.get('0')).toBeInstanceOf(torch.nn.quantized.dynamic.LSTM);
    expect(q._modules.get('1')).toBeInstanceOf(torch.nn.quantized.dynamic.Linear);
    expect(() => torch.ao.quantization.quantizeDynamic(mlp(), null, torch.float16)).toThrow('float16 dynamic quantization is not supported');
    // A Map spec gives the qconfig itself; dtype is then not consulted, as in PyTorch.
    const byMap = torch.ao.quantization.quantizeDynamic(mlp(), new Map([[torch.nn.Linear, torch.ao.quantization.defaultDynamicQconfig]]), torch.float16);
    expect(byMap._modules.get('0')).toBeInstanceOf(torch.nn.quantized.dynamic.Linear);
  });

  it('a quantized state dict loads into another quantized model', () => {
    const m = FIX.models[0]!;
    const source = quantizedModel(m);
    const target = torch.ao.quantization.quantizeDynamic(mlp(), new Set([torch.nn.Linear]));
    const result = target.loadStateDict(source.stateDict());
    expect([result.missingKeys, result.unexpectedKeys]).toEqual([[], []]);
    const x = fromFixture(m.outputs[0]!.input);
    expect(torch.equal(target(x) as Tensor, source(x) as Tensor)).toBe(true);
    const sd = source.stateDict() as unknown as Record<string, unknown>;
    expect(sd['0._packed_params.dtype']).toBe(torch.qint8);
    const [weight, bias] = sd['0._packed_params._packed_params'] as [torch.QuantizedTensor, Tensor];
    expect(weight.dtype).toBe(torch.qint8);
    expect(bias.shape).toEqual([64]);
    expect((sd['0.scale'] as Tensor).item()).toBe(1);
    expect((sd['0.scale'] as Tensor).dtype).toBe(torch.float32);
    expect((sd['0.zero_point'] as Tensor).dtype).toBe(torch.int64);
  });

  it('refuses an input it cannot take, with what it expected', () => {
    const layer = torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.Linear(4, 3));
    expect(() => layer(torch.ones([4]))).toThrow('The dimension of input tensor should be larger than or equal to 2');
    expect(() => layer(torch.ones([2, 5]))).toThrow('expected input with 4 features in its last dimension, got shape [2, 5]');
    expect(() => layer(torch.ones([2, 4], { dtype: torch.float64 }))).toThrow('data type of input should be float, got Double');
    expect(() => torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.ReLU())).toThrow('only works for nn.Linear');
    const offset = torch.quantizePerTensor(torch.ones([3, 4]), 0.1, 5, torch.qint8);
    expect(() => layer._packed_params.setWeightBias(offset, null)).toThrow('zero points 0');
    expect((layer(torch.zeros([0, 4])) as Tensor).shape).toEqual([0, 3]);
    expect(() => new torch.nn.quantized.dynamic.Linear(4, 3, { bias: 'no' as never })).toThrow("argument 'bias' must be a boolean");
    expect(() => new torch.nn.quantized.dynamic.Linear(4, 3, { biasEnabled: false } as never)).toThrow('biasEnabled');
    expect(new torch.nn.quantized.dynamic.Linear(4, 3, { bias: false }).bias()).toBe(null);
  });

  it.skipIf(!torch.backends.mkldnn.isAvailable())(`the product runs on oneDNN's int8 matmul${torch.backends.mkldnn.isAvailable() ? '' : ' (skipped: oneDNN is not installed)'}`, () => {
    const script = `
      import * as torch from ${JSON.stringify(`${root}src/index.ts`)};
      const layer = torch.nn.quantized.dynamic.Linear.fromFloat(new torch.nn.Linear(8, 4));
      layer(torch.randn([3, 8]));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, ONEDNN_VERBOSE: '1' }, timeout: 120_000,
    });
    expect(child.status, child.stderr).toBe(0);
    // oneDNN's own log of the primitive it ran: u8 rows times the [K, N] s8 weight.
    expect(child.stdout).toMatch(/onednn_verbose,exec,cpu,matmul,[^,]+,undef,src_u8::blocked:ab:f0 wei_s8::blocked:ab:f0 dst_f32::blocked:[^,]*,.*\*x8:8x4:\*x4/);
  });

  it('blocks of rows or of columns over the threads give the same bits as one block', () => {
    const threads = torch.getNumThreads();
    try {
      // [m, k, n, threads]: blocks of columns (n > m), of rows, uneven last blocks, and thread
      // counts whose even split would leave an empty last block (20 threads, 321 columns).
      const cases = [[40, 33, 67, 2], [100, 50, 20, 2], [3, 8, 200, 2], [1, 16, 1, 2], [5, 12, 321, 20], [7, 9, 289, 18], [300, 10, 5, 19]];
      for (const [m, k, n, threads] of cases) {
        for (const perChannel of [false, true]) {
          torch.manualSeed(m! + n!);
          const float = new torch.nn.Linear(k!, n!);
          const layer = torch.nn.quantized.dynamic.Linear.fromFloat(float, { perChannel });
          const x = torch.randn([m!, k!]);
          torch.setNumThreads(1);
          const one = layer(x) as Tensor;
          torch.setNumThreads(threads!);
          const many = layer(x) as Tensor;
          expect(torch.equal(one, many), `${m}x${k}x${n}, ${threads} threads, per channel ${perChannel}`).toBe(true);
          // And near the float layer: the quantization error, not a misplaced block.
          expectClose(many, float(x) as Tensor, { rtol: 0.05, atol: 0.05, label: `${m}x${k}x${n}` });
        }
      }
    } finally {
      torch.setNumThreads(threads);
    }
  });

  it('without libdnnl (FLINT_ONEDNN pointing nowhere), the int8 product is summed in flint and agrees', () => {
    const m = FIX.models[1]!;
    const script = `
      import * as torch from ${JSON.stringify(`${root}src/index.ts`)};
      import { readFileSync } from 'node:fs';
      const m = JSON.parse(readFileSync(${JSON.stringify(`${root}tests/fixtures/quantization.json`)}, 'utf8')).models[1];
      const t = (f) => torch.tensor(f.data.map(Number), { dtype: torch.float32 }).reshape(f.shape);
      const model = new torch.nn.Sequential(new torch.nn.Linear(20, 64), new torch.nn.ReLU(), new torch.nn.Linear(64, 32), new torch.nn.Tanh(), new torch.nn.Linear(32, 5, { bias: false }));
      model.loadStateDict(Object.fromEntries(Object.entries(m.state).map(([k, v]) => [k, t(v)])));
      const q = torch.ao.quantization.quantizeDynamic(model, new Map([[torch.nn.Linear, torch.ao.quantization.perChannelDynamicQconfig]]));
      let worst = 0;
      for (const c of m.outputs.filter((c) => c.label !== 'wide')) {
        const got = q(t(c.input)).dataSync();
        c.out.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(Number(v) - got[i]) / (1e-5 + 1e-5 * Math.abs(Number(v)))); });
      }
      console.log(JSON.stringify({ worst, onednn: torch.backends.mkldnn.isAvailable() }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, FLINT_ONEDNN: '/nonexistent/libdnnl.so.2' }, timeout: 120_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(report.onednn).toBe(false);
    expect(report.worst).toBeLessThanOrEqual(1);
    void m;
  });
});

describe('quantized tensors and models in checkpoints', () => {
  const checkpoint = fileURLToPath(new URL('./fixtures/quantized-checkpoint.pt', import.meta.url));

  it('loads a checkpoint PyTorch 1.13 wrote: quantized state dicts and tensors of each dtype and scheme', async () => {
    const ck = (await torch.load(checkpoint)) as { perTensor: Record<string, unknown>; perChannel: Record<string, unknown>; tensors: torch.QuantizedTensor[] };
    ck.tensors.forEach((t, i) => {
      expect(t).toBeInstanceOf(torch.QuantizedTensor);
      expectClose(t.intRepr(), FIX.checkpointTensors[i]!.int, { rtol: 0, atol: 0 });
      // The qint32 tensor's repr is PyTorch's wrapping dequantize (see above); the rest print alike.
      if (t.dtype !== torch.qint32) expect(String(t)).toBe(FIX.checkpointTensors[i]!.repr);
    });
    expect(ck.perTensor['0._packed_params.dtype']).toBe(torch.qint8);
    for (const [label, m] of [['perTensor', FIX.models[0]!], ['perChannel', FIX.models[1]!]] as const) {
      const spec = label === 'perChannel' ? new Map([[torch.nn.Linear, torch.ao.quantization.perChannelDynamicQconfig]]) : new Set([torch.nn.Linear]);
      const q = torch.ao.quantization.quantizeDynamic(mlp(), spec);
      const result = q.loadStateDict(ck[label] as never);
      expect([result.missingKeys, result.unexpectedKeys]).toEqual([[], []]);
      for (const c of m.outputs.filter((o) => o.label !== 'wide')) expectClose(q(fromFixture(c.input)) as Tensor, c.out, { rtol: 1e-5, atol: 1e-5, label: `${label} ${c.label}` });
    }
  });

  it('saves and loads its own: the integers, scales and schemes come back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-quantized-'));
    const q = quantizedModel(FIX.models[1]!);
    const per = torch.quantizePerTensor(torch.tensor([0.5, -1, 2]), 1, 3, torch.quint8);
    const channel = torch.quantizePerChannel(torch.randn([3, 4]), torch.tensor([0.1, 0.02, 0.3]), torch.tensor([0, 3, -2]), 0, torch.qint8);
    await torch.save({ state: q.stateDict(), per, again: per, channel }, join(dir, 'q.pt'));
    const back = (await torch.load(join(dir, 'q.pt'))) as { state: Record<string, unknown>; per: torch.QuantizedTensor; again: torch.QuantizedTensor; channel: torch.QuantizedTensor };
    expect([back.per.qScale(), back.per.qZeroPoint(), back.per.dtype]).toEqual([1, 3, torch.quint8]);
    expect(back.per.intRepr().tolist()).toEqual(per.intRepr().tolist());
    // One object saved twice loads as one.
    expect(back.again).toBe(back.per);
    expect([back.channel.qscheme(), back.channel.qPerChannelAxis(), back.channel.qPerChannelScales().dtype]).toEqual([torch.perChannelAffine, 0, torch.float64]);
    expect(back.channel.qPerChannelZeroPoints().tolist()).toEqual([0, 3, -2]);
    expect(back.channel.intRepr().tolist()).toEqual(channel.intRepr().tolist());
    const target = torch.ao.quantization.quantizeDynamic(mlp(), new Map([[torch.nn.Linear, torch.ao.quantization.perChannelDynamicQconfig]]));
    target.loadStateDict(back.state as never);
    const x = fromFixture(FIX.models[1]!.outputs[0]!.input);
    expect(torch.equal(target(x) as Tensor, q(x) as Tensor)).toBe(true);
  });
});

if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the quantized checkpoint round trip with PyTorch is skipped (apt-get install python3-torch)`);

describe.skipIf(!hasTorch)('quantized checkpoints with real PyTorch', () => {
  it('PyTorch loads the state dict flint saved into its own quantized model, and computes the same outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-quantized-torch-'));
    const m = FIX.models[1]!;
    const q = quantizedModel(m);
    const file = join(dir, 'qmlp.pt');
    await torch.save(q.stateDict(), file);
    const c = m.outputs[1]!;
    // PyTorch 1.13's weights_only loader has no BINFLOAT, which a scale needs (PyTorch's own
    // quantized checkpoints too), so this loads as a trusted file.
    const out = JSON.parse(python(`
import json, sys, torch, torch.nn as nn
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 5, bias=False))
q = torch.ao.quantization.quantize_dynamic(model, {nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8)
q.load_state_dict(torch.load(sys.argv[1]))
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32).reshape(json.loads(sys.argv[3]))
print(json.dumps({'out': q(x).reshape(-1).tolist(), 'w': q[0].weight().int_repr().reshape(-1).tolist()}))
`, file, JSON.stringify(c.input.data.map(Number)), JSON.stringify(c.input.shape)));
    expect(out.w).toEqual(layerOf(q, 0).weight().intRepr().reshape([-1]).tolist());
    expectClose(torch.tensor(out.out as number[]), (q(fromFixture(c.input)) as Tensor).reshape([-1]), { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('hostile quantized checkpoints give an Error that says what is wrong', () => {
  /** torch.save's bytes of a small qint8 tensor, with its pickle changed by `edit`. */
  function edited(edit: (pickle: Uint8Array) => void): Buffer {
    const q = torch.quantizePerTensor(torch.tensor([0.5, 1.25]), 0.1, 3, torch.qint8);
    const { pickle, storages } = encodeTorchObject(q);
    edit(pickle);
    const chunks: Uint8Array[] = [];
    const zip = createZipWriter({ write: (b) => chunks.push(b) });
    zip.addEntry('archive/data.pkl', pickle);
    for (const { key, tensor } of storages) zip.addEntry(`archive/data/${key}`, new Uint8Array((tensor.dataSync() as Int8Array).buffer.slice(0)));
    zip.addEntry('archive/version', new TextEncoder().encode('3\n'));
    zip.finish();
    return Buffer.concat(chunks);
  }
  const replace = (bytes: Uint8Array, from: string, to: string): void => {
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf(from);
    if (at < 0 || from.length !== to.length) throw new Error(`no ${from} to replace`);
    bytes.set(Buffer.from(to, 'latin1'), at);
  };
  // BINFLOAT 0.1 then BININT1 3: the scale and the zero point.
  const SCALE = '\x47\x3f\xb9\x99\x99\x99\x99\x99\x9a';

  it('an untouched one loads', () => {
    const q = torch.deserialize(edited(() => {})) as torch.QuantizedTensor;
    expect([q.qScale(), q.qZeroPoint(), q.intRepr().tolist()]).toEqual([0.1, 3, [8, 15]]); // 12.5 rounds to even
  });

  it('a NaN scale, a zero point out of range, an unknown scheme, a float storage', () => {
    expect(() => torch.deserialize(edited((p) => replace(p, SCALE, '\x47\x7f\xf8\x00\x00\x00\x00\x00\x00')))).toThrow('has the scale NaN');
    expect(() => torch.deserialize(edited((p) => replace(p, `${SCALE}K\x03`, `${SCALE}K\xc8`)))).toThrow('has the zero point 200');
    expect(() => torch.deserialize(edited((p) => replace(p, 'per_tensor_affine', 'per_tensor_affinX')))).toThrow('Unsupported global: GLOBAL torch.per_tensor_affinX');
    expect(() => torch.deserialize(edited((p) => replace(p, 'QInt8Storage', 'FloatStorage')))).toThrow(/storage '0' holds 2 bytes|holds no quantized integers/);
  });
});
