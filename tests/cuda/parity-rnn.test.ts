/**
 * Recurrent layers on CUDA vs the CPU (native/cuda/rnn.cu vs native/cpu/rnn.cc, with the
 * cuBLAS/OpenBLAS products around them): the fused LSTM (with projections), GRU and RNN
 * tanh/relu steps over whole stacks, padded and packed batch sizes, both directions, in
 * float32 and float64: outputs, final states and the gradients of the input, the initial
 * states and every weight; then the modules with a PackedSequence moved to the device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, Failures, cudaGate, mulberry32, parity, randomTensor } from './helpers.js';
import { runStack } from '../../src/nn/rnn/stack.js';
import { GATES, type DirectionWeights, type RnnMode } from '../../src/nn/rnn/direction.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const { nn } = torch;

interface Case {
  mode: RnnMode;
  proj: number;
  layers: number;
  bidirectional: boolean;
  batchSizes: number[];
}

const CASES: Case[] = [
  { mode: 'LSTM', proj: 5, layers: 2, bidirectional: true, batchSizes: [3, 3, 3, 3] },
  { mode: 'LSTM', proj: 3, layers: 1, bidirectional: true, batchSizes: [4, 3, 3, 1] },
  { mode: 'GRU', proj: 5, layers: 2, bidirectional: false, batchSizes: [3, 3, 2, 1, 1] },
  { mode: 'GRU', proj: 5, layers: 1, bidirectional: true, batchSizes: [2, 2, 2] },
  { mode: 'RNN_TANH', proj: 5, layers: 2, bidirectional: true, batchSizes: [3, 2, 2] },
  { mode: 'RNN_RELU', proj: 5, layers: 1, bidirectional: false, batchSizes: [2, 2, 1] },
];

/** [out, hN, (cN,) d/d(x, h0, (c0,) weights...)] for L = sum(out * g) + sum(hN) (+ sum(cN)). */
function stackWithGrad(c: Case, counts: number[]) {
  return (...xs: Tensor[]): Tensor[] => {
    const leaves = xs.map((t) => t.detach().requiresGrad_());
    const [x, h0, c0, ...ws] = leaves;
    const per: DirectionWeights[] = [];
    let at = 0;
    for (const k of counts) {
      const w = ws.slice(at, at + k);
      at += k;
      per.push({ wIh: w[0], wHh: w[1], bIh: w[2], bHh: w[3], wHr: w[4] ?? null });
    }
    const config = { mode: c.mode, numLayers: c.layers, bidirectional: c.bidirectional, dropout: 0, training: false };
    const lstm = c.mode === 'LSTM';
    const { out, hN, cN } = runStack(config, x, c.batchSizes, h0, lstm ? c0 : null, per);
    const g = torch.linspace(-1, 2, out.numel(), { dtype: out.dtype }).reshape(out.shape).to(out.device);
    let loss = out.mul(g).sum().add(hN.sum());
    if (cN) loss = loss.add(cN.sum());
    const wrt = lstm ? leaves : [x, h0, ...ws];
    const grads = torch.autograd.grad([loss], wrt);
    return [out.detach(), hN.detach(), ...(cN ? [cN.detach()] : []), ...grads.map((t) => t!)];
  };
}

/** cuDNN multiplies float32 in TF32 by default (torch.backends.cudnn.allowTF32), as PyTorch's tests also turn off. */
function withoutTF32(): void {
  let saved = true;
  beforeAll(() => {
    saved = torch.backends.cudnn.allowTF32;
    torch.backends.cudnn.allowTF32 = false;
  });
  afterAll(() => {
    torch.backends.cudnn.allowTF32 = saved;
  });
}

describe.skipIf(!run)(`recurrent layers: ${DEV} vs cpu`, () => {
  withoutTF32();
  // On a GPU the first pass runs cuDNN's RNN API where cuDNN is present (src/nn/rnn/cudnn.ts),
  // the second flint's fused steps; the CPU runs the fused steps both times.
  for (const cudnn of [true, false]) {
  it(`${cudnn ? 'cuDNN (where present)' : 'fused'} LSTM, GRU and RNN stacks: values and gradients, float32 and float64`, () => {
    const rng = mulberry32(1201);
    const failures = new Failures();
    const enabled = torch.backends.cudnn.enabled;
    torch.backends.cudnn.enabled = cudnn;
    try {
    for (const dtype of [torch.float32, torch.float64]) {
      for (const c of CASES) {
        const hidden = 5, input = 4, dirs = c.bidirectional ? 2 : 1;
        const gates = GATES[c.mode] * hidden;
        const n = c.batchSizes.reduce((a, b) => a + b, 0);
        const r = (shape: number[]) => randomTensor(rng, shape, dtype, { lo: -0.8, hi: 0.8 });
        const weights: Tensor[] = [];
        const counts: number[] = [];
        for (let l = 0; l < c.layers; l++) {
          for (let d = 0; d < dirs; d++) {
            const ws = [r([gates, l === 0 ? input : c.proj * dirs]), r([gates, c.proj]), r([gates]), r([gates])];
            if (c.proj !== hidden) ws.push(r([c.proj, hidden]));
            counts.push(ws.length);
            weights.push(...ws);
          }
        }
        const inputs = [r([n, input]), r([c.layers * dirs, c.batchSizes[0], c.proj]), r([c.layers * dirs, c.batchSizes[0], hidden]), ...weights];
        const tol = dtype === torch.float32 ? { rtol: 1e-4, atol: 1e-5 } : undefined;
        failures.add(parity(`${c.mode} proj ${c.proj} layers ${c.layers} bi ${c.bidirectional} sizes ${c.batchSizes} ${dtype.name}`, inputs, stackWithGrad(c, counts), { tol }));
      }
    }
    } finally {
      torch.backends.cudnn.enabled = enabled;
    }
    failures.check();
  });
  }

  it('nn.LSTM and nn.GRU on a PackedSequence (unsorted lengths) moved to the device', () => {
    const rng = mulberry32(1202);
    const failures = new Failures();
    for (const make of [() => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }), () => new nn.GRU(3, 4, { bidirectional: true })]) {
      // Both modules draw the same initial weights.
      torch.manualSeed(11);
      const cpu = make();
      torch.manualSeed(11);
      const dev = make();
      dev.to(DEV);
      const x = randomTensor(rng, [5, 3, 3], torch.float32, { lo: -1, hi: 1 });
      failures.add(parity(`${cpu.constructor.name} packed`, [x], (t) => {
        const m = t.device.type === 'cpu' ? cpu : dev;
        const packed = nn.utils.rnn.packPaddedSequence(t, [2, 5, 3], (m as InstanceType<typeof nn.GRU>).batchFirst, false);
        const [out, h] = m(packed) as [InstanceType<typeof nn.utils.rnn.PackedSequence>, Tensor | [Tensor, Tensor]];
        const [padded] = nn.utils.rnn.padPackedSequence(out, (m as InstanceType<typeof nn.GRU>).batchFirst);
        return [padded.detach(), ...(Array.isArray(h) ? h : [h]).map((s) => s.detach())];
      }, { tol: { rtol: 1e-4, atol: 1e-5 } }));
    }
    failures.check();
  });
});

/**
 * cuDNN's RNN API on a real GPU (src/nn/rnn/cudnn.ts, native/cuda/cudnn_rnn.cc): PyTorch's
 * grad_fn, float16 against float32, dropout between layers, and a retained graph's second
 * backward. Skipped without a GPU with cuDNN (the CPU has no cuDNN to stand in for).
 */
describe.runIf(hasCuda && torch.backends.cudnn.isAvailable())('cuDNN RNN API', () => {
  withoutTF32();
  it('nn.LSTM, nn.GRU and nn.RNN record CudnnRnnBackward0, and agree with the fused path', () => {
    for (const make of [
      () => new nn.LSTM(6, 8, { numLayers: 2, bidirectional: true, projSize: 5 }),
      () => new nn.GRU(6, 8, { numLayers: 2, batchFirst: true }),
      () => new nn.RNN(6, 8, { nonlinearity: 'relu', bidirectional: true }),
    ]) {
      torch.manualSeed(3);
      const m = make().to('cuda');
      const x = torch.randn([7, 4, 6], { device: 'cuda' }).requiresGrad_();
      const run = () => {
        const [out] = m(x) as [Tensor, unknown];
        const grads = torch.autograd.grad([out.pow(2).sum()], [x, ...m.parameters()]);
        return { out, grads };
      };
      const a = run();
      expect(a.out.gradFn?.name).toBe(m instanceof nn.GRU ? 'TransposeBackward1' : 'CudnnRnnBackward0');
      torch.backends.cudnn.enabled = false;
      let b;
      try {
        b = run();
      } finally {
        torch.backends.cudnn.enabled = true;
      }
      expect(b.out.gradFn?.name).not.toBe('CudnnRnnBackward0');
      expect(a.out.sub(b.out).abs().max().item()).toBeLessThan(1e-4);
      a.grads.forEach((g, i) => expect(g!.sub(b.grads[i]!).abs().max().item(), `grad ${i}`).toBeLessThan(1e-3));
    }
  });

  it('float16 stacks run on cuDNN within float16 rounding of float32', () => {
    torch.manualSeed(4);
    const m = new nn.LSTM(16, 32, { numLayers: 2 }).to('cuda');
    const x = torch.randn([20, 8, 16], { device: 'cuda' });
    const [ref] = m(x) as [Tensor, unknown];
    const half = m.half();
    const [out] = half(x.half()) as [Tensor, unknown];
    expect(out.dtype).toBe(torch.float16);
    expect(out.float().sub(ref).abs().max().item()).toBeLessThan(1e-2);
  });

  it('drops out between layers in training only, and backward through it twice with retainGraph', () => {
    torch.manualSeed(5);
    const m = new nn.LSTM(4, 6, { numLayers: 3, dropout: 0.5 }).to('cuda');
    const x = torch.randn([9, 3, 4], { device: 'cuda' });
    m.eval();
    const [evalOut] = m(x) as [Tensor, unknown];
    const [evalAgain] = m(x) as [Tensor, unknown];
    expect(evalOut.sub(evalAgain).abs().max().item()).toBe(0);
    m.train();
    const [trainOut] = m(x) as [Tensor, unknown];
    expect(trainOut.sub(evalOut).abs().max().item()).toBeGreaterThan(1e-3);
    const loss = trainOut.sum();
    const [first] = torch.autograd.grad([loss], [m.allWeights[0][0]], { retainGraph: true });
    const [second] = torch.autograd.grad([loss], [m.allWeights[0][0]]);
    expect(first!.isfinite().all().item()).toBe(true);
    expect(first!.sub(second!).abs().max().item()).toBe(0);
    // manualSeed reseeds cuDNN's dropout states, as PyTorch's reset_rnn_state does.
    const seeded = () => {
      torch.manualSeed(17);
      return (m(x) as [Tensor, unknown])[0];
    };
    expect(seeded().sub(seeded()).abs().max().item()).toBe(0);
  });
});
