/**
 * torch.lstm / gru / rnnTanh / rnnRelu (padded and packed) and the four cells, against
 * PyTorch 1.13 (scripts/make_torch_rnn_fixtures.py): outputs, grad_fn names, and gradients
 * of a linspace-weighted sum for the input, the states and every weight, in float64; and
 * the checks' messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';

type S = FixtureTensor;
interface Common { mode: 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu'; inputs: S[]; outs: S[]; gradFns: string[]; grads: S[] }
const FIX: {
  layers: (Common & { layers: number; bidirectional: boolean; batchFirst: boolean; bias: boolean; proj: number; params: S[] })[];
  packed: (Common & { bidirectional: boolean; batchSizes: number[]; params: S[] })[];
  cells: (Common & { bias: boolean; weights: S[] })[];
  errors: Record<string, string>;
} = JSON.parse(readFileSync(new URL('./fixtures/torch-rnn.json', import.meta.url), 'utf8'));

const TOL = { rtol: 1e-10, atol: 1e-12 };
const leaf = (s: S) => fromFixture(s, { requiresGrad: true });

function weighted(outs: Tensor[]): Tensor {
  let total: Tensor | null = null;
  for (const o of outs) {
    const term = o.mul(torch.linspace(-1, 1, o.numel(), { dtype: o.dtype }).reshape(o.shape)).sum();
    total = total === null ? term : total.add(term);
  }
  return total!;
}

function check(outs: Tensor[], leaves: Tensor[], c: Common): void {
  expect(outs.length).toBe(c.outs.length);
  outs.forEach((o, k) => expectClose(o, c.outs[k]!, { ...TOL, label: `out ${k}` }));
  expect(outs.map((o) => o.gradFn?.name)).toEqual(c.gradFns);
  const grads = torch.autograd.grad(weighted(outs), leaves);
  grads.forEach((g, k) => expectClose(g!, c.grads[k]!, { ...TOL, label: `grad ${k}` }));
}

const LAYER = { lstm: torch.lstm, gru: torch.gru, rnn_tanh: torch.rnnTanh, rnn_relu: torch.rnnRelu } as const;

describe('torch.lstm, gru, rnnTanh and rnnRelu against PyTorch 1.13', () => {
  for (const c of FIX.layers) {
    it(`${c.mode}: ${c.layers} layers, bidirectional=${c.bidirectional}, batchFirst=${c.batchFirst}, bias=${c.bias}${c.proj ? `, proj ${c.proj}` : ''}`, () => {
      const inputs = c.inputs.map(leaf);
      const params = c.params.map(leaf);
      const args = [params, c.bias, c.layers, 0, false, c.bidirectional, c.batchFirst] as const;
      const outs = c.mode === 'lstm'
        ? torch.lstm(inputs[0]!, [inputs[1]!, inputs[2]!], ...args)
        : LAYER[c.mode](inputs[0]!, inputs[1]!, ...args);
      check(outs, [...inputs, ...params], c);
    });
  }
  for (const c of FIX.packed) {
    it(`${c.mode} over packed data, bidirectional=${c.bidirectional}`, () => {
      const inputs = c.inputs.map(leaf);
      const params = c.params.map(leaf);
      const sizes = torch.tensor(c.batchSizes, { dtype: torch.int64 });
      const outs = c.mode === 'lstm'
        ? torch.lstm(inputs[0]!, sizes, [inputs[1]!, inputs[2]!], params, true, 1, 0, false, c.bidirectional)
        : LAYER[c.mode](inputs[0]!, sizes, inputs[1]!, params, true, 1, 0, false, c.bidirectional);
      check(outs, [...inputs, ...params], c);
    });
  }
  it('gives what nn.LSTM gives with its own weights', () => {
    torch.manualSeed(2);
    const lstm = new torch.nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const x = torch.randn(5, 2, 3);
    const [out, [h, c]] = lstm.forward(x);
    const [out2, h2, c2] = torch.lstm(x, [torch.zeros(4, 2, 4), torch.zeros(4, 2, 4)], lstm.allWeights.flat(), true, 2, 0, false, true, false);
    for (const [a, b] of [[out, out2], [h, h2], [c, c2]] as const) expect(a.tolist()).toEqual(b.tolist());
  });
  it('refuses states and weights that do not fit, with the modules\' words', () => {
    const x = torch.randn(4, 3, 5);
    const params = [torch.randn(18, 5), torch.randn(18, 6), torch.randn(18), torch.randn(18)];
    expect(() => torch.gru(x, torch.zeros(1, 2, 6), params, true, 1, 0, false, false, false)).toThrow('Expected hidden size (1, 3, 6), got [1, 2, 6]');
    expect(() => torch.gru(torch.randn(4, 3, 4), torch.zeros(1, 3, 6), params, true, 1, 0, false, false, false)).toThrow(
      'input.size(-1) must be equal to input_size. Expected 5, got 4',
    );
    expect(() => torch.gru(x, torch.zeros(1, 3, 6), params.slice(0, 3), true, 1, 0, false, false, false)).toThrow('gru: expected 4 parameters');
    expect(() => torch.gru(x, torch.zeros(1, 3, 6), params, true, 1, 0, false, false, 'yes' as never)).toThrow(/batch_first/);
    expect(() => torch.gru(torch.randn(5, 5), torch.tensor([2, 3], { dtype: torch.int64 }), torch.zeros(1, 3, 6), params, true, 1, 0, false, false)).toThrow(
      'gru: batch_sizes must be positive, non-increasing and sum to data\'s 5 rows, got [2, 3]',
    );
  });
});

const CELL = { gru: torch.gruCell, rnn_tanh: torch.rnnTanhCell, rnn_relu: torch.rnnReluCell } as const;

describe('torch.lstmCell, gruCell, rnnTanhCell and rnnReluCell against PyTorch 1.13', () => {
  for (const c of FIX.cells) {
    it(`${c.mode}_cell, bias=${c.bias}`, () => {
      const inputs = c.inputs.map(leaf);
      const weights = c.weights.map(leaf);
      const [wIh, wHh, bIh = null, bHh = null] = weights;
      const outs = c.mode === 'lstm'
        ? torch.lstmCell(inputs[0]!, [inputs[1]!, inputs[2]!], wIh!, wHh!, bIh, bHh)
        : [CELL[c.mode](inputs[0]!, inputs[1]!, wIh!, wHh!, bIh, bHh)];
      check(outs, [...inputs, ...weights], c);
    });
  }
  it('nn.LSTMCell gives what torch.lstmCell gives, c\' under AddBackward0 as in PyTorch', () => {
    torch.manualSeed(4);
    const cell = new torch.nn.LSTMCell(3, 2);
    const x = torch.randn(4, 3);
    const [h, c] = cell.forward(x);
    const zero = torch.zeros(4, 2);
    const [h2, c2] = torch.lstmCell(x, [zero, zero], cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
    expect(h.tolist()).toEqual(h2.tolist());
    expect(c.tolist()).toEqual(c2.tolist());
    expect([h.gradFn!.name, c.gradFn!.name]).toEqual(['MulBackward0', 'AddBackward0']);
  });
  it('refuses inputs and states that do not fit, with PyTorch\'s words', () => {
    const w = [torch.randn(18, 5), torch.randn(18, 6), torch.randn(18), torch.randn(18)] as const;
    expect(() => torch.gruCell(torch.randn(3, 4), torch.randn(3, 6), ...w)).toThrow(FIX.errors.cell_input_size!);
    expect(() => torch.gruCell(torch.randn(3, 5), torch.randn(2, 6), ...w)).toThrow(FIX.errors.cell_batch!);
    expect(() => torch.gruCell(torch.randn(3, 5), torch.randn(3, 5), ...w)).toThrow(FIX.errors.cell_hidden_size!);
  });
});
