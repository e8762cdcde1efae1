/**
 * Recurrent layers on CUDA vs the CPU (native/cuda/rnn.cu vs native/cpu/rnn.cc, with the
 * cuBLAS/OpenBLAS products around them): the fused LSTM (with projections), GRU and RNN
 * tanh/relu steps over whole stacks, padded and packed batch sizes, both directions, in
 * float32 and float64: outputs, final states and the gradients of the input, the initial
 * states and every weight; then the modules with a PackedSequence moved to the device.
 */
import { describe, it } from 'vitest';
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

describe.skipIf(!run)(`recurrent layers: ${DEV} vs cpu`, () => {
  it('fused LSTM, GRU and RNN stacks: values and gradients, float32 and float64', () => {
    const rng = mulberry32(1201);
    const failures = new Failures();
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
    failures.check();
  });

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
