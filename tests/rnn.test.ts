/**
 * nn.RNN (tanh/relu), nn.LSTM (with projSize), nn.GRU and the cells against PyTorch 1.13
 * (tests/fixtures/rnn.json, written by scripts/make_rnn_fixtures.py): outputs, final
 * states and the gradients for the input, the initial states and every parameter, with
 * numLayers 2, bidirectional, batchFirst, bias=false and unbatched input, in float64
 * (tight) and float32; state-dict keys and values; the default init after manualSeed,
 * bit for bit; reprs; PyTorch's error messages; and float64 finite-difference gradchecks
 * of the fused step kernels' backward.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { runStack } from '../src/nn/rnn/stack.js';
import { GATES, type DirectionWeights, type RnnMode } from '../src/nn/rnn/direction.js';

const { nn } = torch;

type F = FixtureTensor;
interface LayerCase {
  kind: 'RNN' | 'LSTM' | 'GRU';
  kw: Record<string, unknown>;
  state: Record<string, F>;
  names: string[];
  x: F;
  h0: F | null;
  c0: F | null;
  out: F;
  hn: F;
  cn: F | null;
  g_out: F;
  g_h: F;
  g_c: F | null;
  grad_x: F;
  grad_h0: F | null;
  grad_c0: F | null;
  grads: Record<string, F>;
  grad_fn: string;
  h_grad_fn: string;
}
interface CellCase {
  kind: 'RNNCell' | 'LSTMCell' | 'GRUCell';
  kw: Record<string, unknown>;
  state: Record<string, F>;
  x: F;
  h0: F | null;
  c0: F | null;
  h: F;
  c: F | null;
  g_h: F;
  g_c: F | null;
  grad_x: F;
  grad_h0: F | null;
  grad_c0: F | null;
  grads: Record<string, F>;
  grad_fn: string;
}
interface ChainCase {
  kind: 'LSTMCell' | 'GRUCell' | 'LSTM' | 'GRU';
  state: Record<string, F>;
  x: F;
  h0: F;
  c0: F | null;
  g: F;
  loss: number;
  grad_x: F;
  grad_h0: F;
  grad_c0: F | null;
  grads: Record<string, F>;
}
interface Fixture {
  layers: LayerCase[];
  chains: ChainCase[];
  cells: CellCase[];
  init: { ctor: string; args: number[]; kw: Record<string, unknown>; state: Record<string, F>; keys: string[] }[];
  reprs: { ctor: string; args: number[]; kw: Record<string, unknown>; repr: string }[];
  errors: Record<string, string>;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/rnn.json', import.meta.url), 'utf8')) as Fixture;

/** PyTorch's snake_case keywords as flint's options. */
function optionsOf(kw: Record<string, unknown>, dtype?: torch.DType): Record<string, unknown> {
  const names: Record<string, string> = {
    num_layers: 'numLayers', batch_first: 'batchFirst', proj_size: 'projSize', bias: 'bias',
    bidirectional: 'bidirectional', dropout: 'dropout', nonlinearity: 'nonlinearity',
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) out[names[k]] = v;
  if (dtype) out.dtype = dtype;
  return out;
}

const CTORS = {
  RNN: (a: number[], o: Record<string, unknown>) => new nn.RNN(a[0], a[1], ...a.slice(2), o),
  LSTM: (a: number[], o: Record<string, unknown>) => new nn.LSTM(a[0], a[1], ...a.slice(2), o),
  GRU: (a: number[], o: Record<string, unknown>) => new nn.GRU(a[0], a[1], ...a.slice(2), o),
  RNNCell: (a: number[], o: Record<string, unknown>) => new nn.RNNCell(a[0], a[1], o),
  LSTMCell: (a: number[], o: Record<string, unknown>) => new nn.LSTMCell(a[0], a[1], o),
  GRUCell: (a: number[], o: Record<string, unknown>) => new nn.GRUCell(a[0], a[1], o),
} as Record<string, (a: number[], o: Record<string, unknown>) => torch.nn.Module<unknown>>;

function loadState(m: torch.nn.Module<unknown>, state: Record<string, F>, dtype: 'float32' | 'float64'): void {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(state)) sd[k] = fromFixture(v, { dtype });
  m.loadStateDict(sd);
}

const TOL = { float64: { rtol: 1e-9, atol: 1e-11 }, float32: { rtol: 2e-4, atol: 2e-5 } };
const label = (c: { kind: string; kw: Record<string, unknown> }, extra = '') => `${c.kind} ${JSON.stringify(c.kw)}${extra}`;

describe('recurrent layers against PyTorch', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    fx.layers.forEach((c, i) => {
      const batched = c.x.shape.length === 3;
      it(`${label(c, batched ? '' : ' unbatched')}${c.h0 ? ' with initial state' : ''} (${dtype}) #${i}`, () => {
        const m = CTORS[c.kind]([3, 4], optionsOf(c.kw, torch[dtype]));
        expect([...m.namedParameters()].map(([n]) => n)).toEqual(c.names);
        loadState(m, c.state, dtype);
        const x = fromFixture(c.x, { dtype, requiresGrad: true });
        const h0 = c.h0 ? fromFixture(c.h0, { dtype, requiresGrad: true }) : null;
        const c0 = c.c0 ? fromFixture(c.c0, { dtype, requiresGrad: true }) : null;
        const result = (c.kind === 'LSTM' ? m(x, h0 ? [h0, c0] : null) : m(x, h0)) as [Tensor, Tensor | [Tensor, Tensor]];
        const out = result[0];
        const [hn, cn] = c.kind === 'LSTM' ? (result[1] as [Tensor, Tensor]) : [result[1] as Tensor, null];
        const tol = TOL[dtype];
        expectClose(out, fromFixture(c.out, { dtype }), { ...tol, label: 'output' });
        expectClose(hn, fromFixture(c.hn, { dtype }), { ...tol, label: 'hN' });
        if (c.cn) expectClose(cn!, fromFixture(c.cn, { dtype }), { ...tol, label: 'cN' });
        expect(out.gradFn?.name).toBe(c.grad_fn);
        expect(hn.gradFn?.name).toBe(c.h_grad_fn);
        let loss = out.mul(fromFixture(c.g_out, { dtype })).sum().add(hn.mul(fromFixture(c.g_h, { dtype })).sum());
        if (c.g_c) loss = loss.add(cn!.mul(fromFixture(c.g_c, { dtype })).sum());
        loss.backward();
        expectClose(x.grad!, fromFixture(c.grad_x, { dtype }), { ...tol, label: 'grad input' });
        if (c.grad_h0) expectClose(h0!.grad!, fromFixture(c.grad_h0, { dtype }), { ...tol, label: 'grad h0' });
        if (c.grad_c0) expectClose(c0!.grad!, fromFixture(c.grad_c0, { dtype }), { ...tol, label: 'grad c0' });
        for (const [name, p] of m.namedParameters()) expectClose(p.grad!, fromFixture(c.grads[name], { dtype }), { ...tol, label: `grad ${name}` });
      });
    });
  }
});

describe('cells against PyTorch', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    fx.cells.forEach((c, i) => {
      const batched = c.x.shape.length === 2;
      it(`${label(c, batched ? '' : ' unbatched')}${c.h0 ? ' with state' : ''} (${dtype}) #${i}`, () => {
        const m = CTORS[c.kind]([3, 4], optionsOf(c.kw, torch[dtype]));
        loadState(m, c.state, dtype);
        const x = fromFixture(c.x, { dtype, requiresGrad: true });
        const h0 = c.h0 ? fromFixture(c.h0, { dtype, requiresGrad: true }) : null;
        const c0 = c.c0 ? fromFixture(c.c0, { dtype, requiresGrad: true }) : null;
        const r: [Tensor, Tensor | null] = c.kind === 'LSTMCell' ? (m(x, h0 ? [h0, c0] : null) as [Tensor, Tensor]) : [m(x, h0) as Tensor, null];
        const tol = TOL[dtype];
        expectClose(r[0], fromFixture(c.h, { dtype }), { ...tol, label: 'h' });
        if (c.c) expectClose(r[1]!, fromFixture(c.c, { dtype }), { ...tol, label: 'c' });
        expect(r[0].gradFn?.name).toBe(c.grad_fn);
        let loss = r[0].mul(fromFixture(c.g_h, { dtype })).sum();
        if (c.g_c) loss = loss.add(r[1]!.mul(fromFixture(c.g_c, { dtype })).sum());
        loss.backward();
        expectClose(x.grad!, fromFixture(c.grad_x, { dtype }), { ...tol, label: 'grad input' });
        if (c.grad_h0) expectClose(h0!.grad!, fromFixture(c.grad_h0, { dtype }), { ...tol, label: 'grad h0' });
        if (c.grad_c0) expectClose(c0!.grad!, fromFixture(c.grad_c0, { dtype }), { ...tol, label: 'grad c0' });
        for (const [name, p] of m.namedParameters()) expectClose(p.grad!, fromFixture(c.grads[name], { dtype }), { ...tol, label: `grad ${name}` });
      });
    });
  }
});

// A state handed straight from one call to the next: the cell state is output 2 of the
// first call's node and must reach that slot (it once reached output 0, h, instead).
describe('states chained from call to call against PyTorch', () => {
  for (const c of fx.chains) {
    it(`${c.kind}: gradients through the chained h and c`, () => {
      const dtype = 'float64';
      const m = CTORS[c.kind]([3, 4], optionsOf({}, torch.float64));
      loadState(m, c.state, dtype);
      const x = fromFixture(c.x, { dtype, requiresGrad: true });
      const h0 = fromFixture(c.h0, { dtype, requiresGrad: true });
      const c0 = c.c0 ? fromFixture(c.c0, { dtype, requiresGrad: true }) : null;
      const g = fromFixture(c.g, { dtype });
      const lstm = c.kind.startsWith('LSTM');
      const steps = x.shape[0];
      let loss = torch.zeros([], { dtype: torch.float64 });
      if (c.kind.endsWith('Cell')) {
        let h = h0, cell = c0;
        for (let t = 0; t < steps; t++) {
          if (lstm) [h, cell] = m(x.select(0, t), [h, cell]) as [Tensor, Tensor];
          else h = m(x.select(0, t), h) as Tensor;
          loss = loss.add(h.mul(g.select(0, t)).sum());
        }
        if (lstm) loss = loss.add(cell!.sum());
      } else {
        const half = Math.floor(steps / 2);
        const first = m(x.index(`:${half}`), lstm ? [h0, c0] : h0) as [Tensor, Tensor | [Tensor, Tensor]];
        const second = m(x.index(`${half}:`), first[1]) as [Tensor, Tensor | [Tensor, Tensor]];
        loss = torch.cat([first[0], second[0]]).mul(g).sum();
        if (lstm) loss = loss.add((second[1] as [Tensor, Tensor])[1].sum());
      }
      expect(loss.item()).toBeCloseTo(c.loss, 10);
      loss.backward();
      const tol = TOL[dtype];
      expectClose(x.grad!, fromFixture(c.grad_x, { dtype }), { ...tol, label: 'grad input' });
      expectClose(h0.grad!, fromFixture(c.grad_h0, { dtype }), { ...tol, label: 'grad h0' });
      if (c.grad_c0) expectClose(c0!.grad!, fromFixture(c.grad_c0, { dtype }), { ...tol, label: 'grad c0' });
      for (const [name, p] of m.namedParameters()) expectClose(p.grad!, fromFixture(c.grads[name], { dtype }), { ...tol, label: `grad ${name}` });
    });
  }
});

describe('construction', () => {
  it('default init after manualSeed is PyTorch bit for bit, with its state-dict keys', () => {
    for (const c of fx.init) {
      torch.manualSeed(7);
      const m = CTORS[c.ctor](c.args, optionsOf(c.kw));
      const sd = m.stateDict();
      expect(Object.keys(sd), c.ctor).toEqual(c.keys);
      for (const k of c.keys) expectClose(sd[k], fromFixture(c.state[k]), { rtol: 0, atol: 0, label: `${c.ctor} ${k}` });
    }
  });

  it('reprs are PyTorch\'s', () => {
    for (const c of fx.reprs) {
      const m = c.ctor === 'RNN' ? new nn.RNN(c.args[0], c.args[1], optionsOf(c.kw)) : CTORS[c.ctor](c.args, optionsOf(c.kw));
      expect(String(m)).toBe(c.repr);
    }
  });

  it('takes PyTorch\'s positional arguments', () => {
    const m = new nn.LSTM(10, 20, 2, false, true, 0, true);
    expect(String(m)).toBe('LSTM(10, 20, num_layers=2, bias=False, batch_first=True, bidirectional=True)');
    expect(new nn.GRUCell(3, 4, false).bias).toBe(false);
    expect(String(new nn.RNNCell(3, 4, true, 'relu'))).toBe('RNNCell(3, 4, nonlinearity=relu)');
    expect(() => new nn.LSTM(10, 20, 2, { numLayers: 3 })).toThrow("got multiple values for argument 'numLayers'");
  });

  it('flattenParameters is a no-op and allWeights groups the parameters per layer and direction', () => {
    const m = new nn.GRU(3, 4, { numLayers: 2, bidirectional: true });
    m.flattenParameters();
    expect(m.allWeights.length).toBe(4);
    expect(m.allWeights[1][0]).toBe(m.getParameter('weight_ih_l0_reverse'));
  });
});

describe('errors', () => {
  const e = fx.errors;
  const lstm = new nn.LSTM(10, 20, 2);
  const gru = new nn.GRU(10, 20, 2);
  it('input and hidden shapes', () => {
    expect(() => lstm(torch.zeros(5, 3, 5))).toThrow(e.input_size);
    expect(() => lstm(torch.zeros(5, 3, 10), [torch.zeros(1, 3, 20), torch.zeros(2, 3, 20)])).toThrow(e.hidden0);
    expect(() => lstm(torch.zeros(5, 3, 10), [torch.zeros(2, 3, 20), torch.zeros(2, 1, 20)])).toThrow(e.hidden1);
    expect(() => gru(torch.zeros(5, 3, 10), torch.zeros(1, 3, 20))).toThrow(e.hidden);
    expect(() => lstm(torch.zeros(5, 10), [torch.zeros(2, 3, 20), torch.zeros(2, 3, 20)])).toThrow(e.lstm_unbatched_hx);
    expect(() => gru(torch.zeros(5, 3, 10), torch.zeros(3, 20))).toThrow(e.gru_batched_hx);
    expect(() => gru(torch.zeros(5, 3, 10, 1))).toThrow(e.input_dims);
    expect(() => new nn.GRUCell(3, 4)(torch.zeros(2, 2, 3))).toThrow(e.cell_input);
    expect(() => lstm(torch.zeros(5, 3, 10, { dtype: torch.float64 }))).toThrow('mat1 and mat2 must have the same dtype');
  });
  it('constructor arguments', () => {
    expect(() => new nn.LSTM(3, 4, { projSize: 4 })).toThrow(e.proj_size);
    expect(() => new nn.GRU(3, 4, { projSize: 2 })).toThrow(e.proj_gru);
    expect(() => new nn.LSTM(3, 4, { dropout: 1.5 })).toThrow(e.dropout);
  });
});

describe('dropout between layers', () => {
  it('applies in training only, and never after the last layer', () => {
    torch.manualSeed(1);
    const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = torch.randn(5, 2, 3);
    m.eval();
    const [a] = m(x) as [Tensor, unknown];
    const [b] = m(x) as [Tensor, unknown];
    expect(valuesOf(a)).toEqual(valuesOf(b));
    m.train();
    const [c] = m(x) as [Tensor, unknown];
    expect(valuesOf(c)).not.toEqual(valuesOf(a));
    const one = new nn.GRU(3, 4, { dropout: 0.5 });
    const [d] = one(x) as [Tensor, unknown];
    one.eval();
    const [f] = one(x) as [Tensor, unknown];
    expect(valuesOf(d)).toEqual(valuesOf(f));
  });
});

describe('fused step kernels: float64 gradchecks by finite differences', () => {
  // The layer stack called directly, so that every weight is an input of the check:
  // (mode, projected size, layers, bidirectional).
  const cases: [RnnMode, number, number, boolean][] = [
    ['LSTM', 2, 1, true],
    ['LSTM', 3, 2, false],
    ['GRU', 3, 2, false],
    ['GRU', 3, 1, true],
    ['RNN_TANH', 3, 1, true],
    ['RNN_RELU', 3, 2, false],
  ];
  const f64 = { dtype: torch.float64 };
  for (const [mode, proj, layers, bidirectional] of cases) {
    for (const batchSizes of [[2, 2, 2], [3, 2, 2, 1]]) {
      it(`${mode} proj ${proj}, ${layers} layer(s)${bidirectional ? ', bidirectional' : ''}, batch sizes ${batchSizes}`, () => {
        torch.manualSeed(3);
        const hidden = 3, input = 2, dirs = bidirectional ? 2 : 1;
        const gates = GATES[mode] * hidden;
        const n = batchSizes.reduce((a, b) => a + b, 0);
        const weights: Tensor[] = [];
        const counts: number[] = [];
        for (let l = 0; l < layers; l++) {
          for (let d = 0; d < dirs; d++) {
            const ws = [torch.randn([gates, l === 0 ? input : proj * dirs], f64), torch.randn([gates, proj], f64), torch.randn([gates], f64), torch.randn([gates], f64)];
            if (proj !== hidden) ws.push(torch.randn([proj, hidden], f64));
            counts.push(ws.length);
            weights.push(...ws);
          }
        }
        const x = torch.randn([n, input], f64);
        const h0 = torch.randn([layers * dirs, batchSizes[0], proj], f64);
        const c0 = torch.randn([layers * dirs, batchSizes[0], hidden], f64);
        const fn = (...xs: Tensor[]) => {
          const [xi, hi, ci, ...ws] = xs;
          const per: DirectionWeights[] = [];
          let at = 0;
          for (const k of counts) {
            const w = ws.slice(at, at + k);
            at += k;
            per.push({ wIh: w[0], wHh: w[1], bIh: w[2], bHh: w[3], wHr: w[4] ?? null });
          }
          const config = { mode, numLayers: layers, bidirectional, dropout: 0, training: false };
          const { out, hN, cN } = runStack(config, xi, batchSizes, hi, mode === 'LSTM' ? ci : null, per);
          let y = out.sin().sum().add(hN.cos().sum());
          if (cN) y = y.add(cN.mul(cN).sum());
          return y;
        };
        const inputs = [x, h0, c0, ...weights].map((t) => t.requiresGrad_());
        if (mode !== 'LSTM') inputs[2].requiresGrad_(false);
        gradcheck(fn, inputs, { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
      });
    }
  }
});
