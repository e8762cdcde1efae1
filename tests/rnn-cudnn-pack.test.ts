/**
 * The weight packing of the cuDNN RNN path (src/nn/rnn/cudnn.ts), on the CPU: each gate's
 * rows of W_ih, W_hh, b_ih, b_hh (and W_hr) go to the offset cuDNN's layout gives for its
 * linear layer, and the weight-space gradient comes back cut the same way. The layouts here
 * are written out by hand in cuDNN's documented order (per pseudo-layer: the input matrices
 * by gate, the recurrent ones, the projection; biases after), in a scrambled order too, so
 * that the packing follows the offsets rather than assuming an order. cuDNN itself needs a
 * GPU (tests/cuda/parity-rnn.test.ts).
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { packWeights, unpackGradients, type Geometry, type Layout } from '../src/nn/rnn/cudnn.js';
import { GATES, type DirectionWeights, type RnnMode } from '../src/nn/rnn/direction.js';

interface Stack { mode: RnnMode; hidden: number; proj: number; input: number; layers: number; dirs: number; bias: boolean }

/** A layout with every matrix, then every bias, in slot order (or reversed), one gap after each matrix. */
function layoutOf(s: Stack, scramble: boolean): { layout: Layout; used: boolean[] } {
  const g = GATES[s.mode];
  const linear = 2 * g + (s.proj !== s.hidden ? 1 : 0);
  const states = s.layers * s.dirs;
  const sizes: [number, number, boolean][] = []; // per slot: matrix elements, bias elements, has a bias
  for (let k = 0; k < states; k++) {
    const width = k < s.dirs ? s.input : s.dirs * s.proj;
    for (let id = 0; id < linear; id++) {
      const projection = id === 2 * g;
      const rows = projection ? s.proj : s.hidden;
      const cols = projection ? s.hidden : id < g ? width : s.proj;
      sizes.push([rows * cols, rows, s.bias && !projection]);
    }
  }
  const slots = sizes.map((_, i) => i);
  if (scramble) slots.reverse();
  const matrix = new Array<number>(sizes.length).fill(-1);
  const bias = new Array<number>(sizes.length).fill(-1);
  let at = 3; // a few unused elements first, as cuDNN may align
  for (const slot of slots) {
    matrix[slot] = at;
    at += sizes[slot][0] + 1;
  }
  for (const slot of slots) {
    if (!sizes[slot][2]) continue;
    bias[slot] = at;
    at += sizes[slot][1];
  }
  const used = new Array<boolean>(at).fill(false);
  sizes.forEach(([m, b, hasBias], slot) => {
    for (let i = 0; i < m; i++) used[matrix[slot] + i] = true;
    if (hasBias) for (let i = 0; i < b; i++) used[bias[slot] + i] = true;
  });
  return { layout: { weightElements: at, reserveBytes: 0, linearLayers: linear, matrix, bias }, used };
}

function weightsOf(s: Stack): DirectionWeights[] {
  const g = GATES[s.mode];
  const out: DirectionWeights[] = [];
  for (let k = 0; k < s.layers * s.dirs; k++) {
    const width = k < s.dirs ? s.input : s.dirs * s.proj;
    const r = (shape: number[]) => torch.randn(shape, { dtype: torch.float64 });
    out.push({
      wIh: r([g * s.hidden, width]), wHh: r([g * s.hidden, s.proj]),
      bIh: s.bias ? r([g * s.hidden]) : null, bHh: s.bias ? r([g * s.hidden]) : null,
      wHr: s.proj !== s.hidden ? r([s.proj, s.hidden]) : null,
    });
  }
  return out;
}

const STACKS: Stack[] = [
  { mode: 'LSTM', hidden: 4, proj: 3, input: 5, layers: 2, dirs: 2, bias: true },
  { mode: 'LSTM', hidden: 4, proj: 4, input: 2, layers: 1, dirs: 1, bias: false },
  { mode: 'GRU', hidden: 3, proj: 3, input: 2, layers: 3, dirs: 1, bias: true },
  { mode: 'RNN_TANH', hidden: 2, proj: 2, input: 3, layers: 2, dirs: 2, bias: true },
];

describe('cuDNN weight space packing', () => {
  for (const s of STACKS) {
    for (const scramble of [false, true]) {
      it(`${s.mode} hidden ${s.hidden} proj ${s.proj} layers ${s.layers} dirs ${s.dirs} bias ${s.bias}${scramble ? ', scrambled layout' : ''}`, () => {
        torch.manualSeed(9);
        const { layout, used } = layoutOf(s, scramble);
        const weights = weightsOf(s);
        const geometry: Geometry = { gates: GATES[s.mode], hidden: s.hidden, proj: s.proj, inputSize: s.input, dirs: s.dirs, bias: s.bias };
        const space = packWeights(layout, weights, geometry, weights[0].wIh);
        const flat = Array.from(space.dataSync() as Float64Array);
        // What no parameter fills is zero, as PyTorch's flat buffer is.
        flat.forEach((v, i) => {
          if (!used[i]) expect(v, `gap element ${i}`).toBe(0);
        });
        // Each gate's rows where its linear layer's offset says.
        weights.forEach((w, k) => {
          const slot = (id: number) => k * layout.linearLayers + id;
          for (let gate = 0; gate < geometry.gates; gate++) {
            const rows = (t: Tensor) => Array.from(t.narrow(0, gate * s.hidden, s.hidden).contiguous().dataSync() as Float64Array);
            const at = (offset: number, n: number) => flat.slice(offset, offset + n);
            const ih = rows(w.wIh), hh = rows(w.wHh);
            expect(at(layout.matrix[slot(gate)], ih.length)).toEqual(ih);
            expect(at(layout.matrix[slot(geometry.gates + gate)], hh.length)).toEqual(hh);
            if (s.bias) {
              expect(at(layout.bias[slot(gate)], s.hidden)).toEqual(rows(w.bIh!));
              expect(at(layout.bias[slot(geometry.gates + gate)], s.hidden)).toEqual(rows(w.bHh!));
            }
          }
          if (w.wHr !== null) expect(flat.slice(layout.matrix[slot(2 * geometry.gates)], layout.matrix[slot(2 * geometry.gates)] + s.proj * s.hidden)).toEqual(Array.from(w.wHr.dataSync() as Float64Array));
        });
        // Unpacking the packed space gives every parameter back (and nulls where not needed).
        const shapes = weights.map((w) => [w.wIh, w.wHh, w.bIh, w.bHh, w.wHr].map((t) => (t === null ? null : t.shape)));
        const needs = weights.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh, w.wHr].map((t, p) => t !== null && p !== 1));
        const grads = unpackGradients(layout, space, shapes, geometry, needs);
        expect(grads.length).toBe(5 * weights.length);
        weights.forEach((w, k) => {
          [w.wIh, w.wHh, w.bIh, w.bHh, w.wHr].forEach((t, p) => {
            const grad = grads[k * 5 + p];
            if (t === null || p === 1) expect(grad).toBeNull();
            else expect(Array.from(grad!.dataSync() as Float64Array)).toEqual(Array.from(t.dataSync() as Float64Array));
          });
        });
      });
    }
  }
});
