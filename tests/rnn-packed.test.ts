/**
 * Packed sequences against PyTorch 1.13 (tests/fixtures/rnn.json, written by
 * scripts/make_rnn_fixtures.py): nn.utils.rnn's padSequence, packSequence,
 * packPaddedSequence (enforceSorted false, unsorted lengths) and padPackedSequence
 * (batchFirst, paddingValue, totalLength) with gradients through pack and pad; and
 * LSTM/GRU/RNN on a PackedSequence: the packed output, hN/cN in the original batch order,
 * and the gradients for the input, the initial states and every parameter.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';

const { nn } = torch;
const { PackedSequence } = nn.utils.rnn;
type F = FixtureTensor;

interface PackedCase {
  kind: 'RNN' | 'LSTM' | 'GRU';
  kw: Record<string, unknown>;
  lengths: number[];
  state: Record<string, F>;
  x: F;
  h0: F | null;
  c0: F | null;
  packed_data: F;
  batch_sizes: number[];
  sorted_indices: number[];
  unsorted_indices: number[];
  padded: F;
  out_lengths: number[];
  hn: F;
  cn: F | null;
  g_out: F;
  g_h: F;
  g_c: F | null;
  grad_x: F;
  grad_h0: F | null;
  grad_c0: F | null;
  grads: Record<string, F>;
}
interface Utils {
  seqs: F[];
  padded: F;
  padded_bf: F;
  packed_data: F;
  batch_sizes: number[];
  sorted_indices: number[];
  unsorted_indices: number[];
  unpacked: F;
  unpacked_lengths: number[];
  g: F;
  seq_grads: F[];
  unsorted_error: string;
  total_length_error: string;
  zero_length_error: string;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/rnn.json', import.meta.url), 'utf8')) as { packed: PackedCase[]; utils: Utils };

const OPTION_NAMES: Record<string, string> = { num_layers: 'numLayers', bidirectional: 'bidirectional', proj_size: 'projSize' };
const TOL = { float64: { rtol: 1e-9, atol: 1e-11 }, float32: { rtol: 2e-4, atol: 2e-5 } };

describe('nn.utils.rnn against PyTorch', () => {
  const u = fx.utils;
  const seqs = () => u.seqs.map((s) => fromFixture(s, { dtype: 'float64', requiresGrad: true }));

  it('padSequence, time-major and batch-first with a padding value', () => {
    expectClose(nn.utils.rnn.padSequence(seqs()), u.padded);
    expectClose(nn.utils.rnn.padSequence(seqs(), true, -1.5), u.padded_bf);
  });

  it('packSequence (unsorted) and padPackedSequence (batchFirst, paddingValue, totalLength), gradients through both', () => {
    const xs = seqs();
    const p = nn.utils.rnn.packSequence(xs, false);
    expect(p).toBeInstanceOf(PackedSequence);
    expectClose(p.data, u.packed_data);
    expect(valuesOf(p.batchSizes)).toEqual(u.batch_sizes);
    expect(p.batchSizes.dtype).toBe(torch.int64);
    expect(valuesOf(p.sortedIndices!)).toEqual(u.sorted_indices);
    expect(valuesOf(p.unsortedIndices!)).toEqual(u.unsorted_indices);
    const [padded, lengths] = nn.utils.rnn.padPackedSequence(p, { batchFirst: true, paddingValue: 9, totalLength: 7 });
    expectClose(padded, u.unpacked);
    expect(valuesOf(lengths)).toEqual(u.unpacked_lengths);
    padded.mul(fromFixture(u.g, { dtype: 'float64' })).sum().backward();
    xs.forEach((x, i) => expectClose(x.grad!, u.seq_grads[i], { label: `sequence ${i}` }));
  });

  it('the keywords also go as one options object, checked as keywords are', () => {
    expectClose(nn.utils.rnn.padSequence(seqs(), { batchFirst: true, paddingValue: -1.5 }), u.padded_bf);
    const byOptions = nn.utils.rnn.packSequence(seqs(), { enforceSorted: false });
    expectClose(byOptions.data, u.packed_data);
    const x = torch.randn(3, 4, 2);
    const positional = nn.utils.rnn.packPaddedSequence(x, [2, 3, 1], true, false);
    const options = nn.utils.rnn.packPaddedSequence(x, [2, 3, 1], { batchFirst: true, enforceSorted: false });
    expect(torch.equal(options.data, positional.data)).toBe(true);
    expect(valuesOf(options.batchSizes)).toEqual(valuesOf(positional.batchSizes));
    expect(() => nn.utils.rnn.packPaddedSequence(x, [2, 3, 1], { enforce_sorted: false } as never)).toThrow("unexpected option 'enforce_sorted'");
    expect(() => nn.utils.rnn.packPaddedSequence(x, [2, 3, 1], 1 as never)).toThrow("argument 'batch_first' must be a boolean");
    expect(() => nn.utils.rnn.padSequence(seqs(), { batch_first: true } as never)).toThrow("unexpected option 'batch_first'");
    expect(() => nn.utils.rnn.padPackedSequence(byOptions, { total_length: 9 } as never)).toThrow("unexpected option 'total_length'");
  });

  it('PyTorch\'s errors', () => {
    expect(() => nn.utils.rnn.packPaddedSequence(torch.zeros(4, 3, 2), [2, 4, 1])).toThrow(u.unsorted_error);
    expect(() => nn.utils.rnn.padPackedSequence(nn.utils.rnn.packSequence([torch.zeros(3, 1)]), false, 0, 2)).toThrow(u.total_length_error);
    expect(() => nn.utils.rnn.packPaddedSequence(torch.zeros(4, 3, 2), [2, 0, 0])).toThrow(u.zero_length_error);
  });

  it('lengths may be an int64 tensor; sorted input keeps null indices; to() converts data', () => {
    const x = torch.randn(3, 2, 2);
    const p = nn.utils.rnn.packPaddedSequence(x, torch.tensor([3, 1], { dtype: torch.int64 }));
    expect(p.sortedIndices).toBeNull();
    expect(valuesOf(p.batchSizes)).toEqual([2, 1, 1]);
    const q = p.to(torch.float64);
    expect(q.data.dtype).toBe(torch.float64);
    expect(valuesOf(q.batchSizes)).toEqual([2, 1, 1]);
  });
});

describe('recurrent layers on PackedSequence against PyTorch', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    fx.packed.forEach((c, i) => {
      it(`${c.kind} ${JSON.stringify(c.kw)} lengths ${c.lengths} (${dtype}) #${i}`, () => {
        const options: Record<string, unknown> = { dtype: torch[dtype] };
        for (const [k, v] of Object.entries(c.kw)) options[OPTION_NAMES[k]] = v;
        const m = c.kind === 'LSTM' ? new nn.LSTM(3, 4, options) : c.kind === 'GRU' ? new nn.GRU(3, 4, options) : new nn.RNN(3, 4, options);
        const sd: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(c.state)) sd[k] = fromFixture(v, { dtype });
        m.loadStateDict(sd);
        const x = fromFixture(c.x, { dtype, requiresGrad: true });
        const h0 = c.h0 ? fromFixture(c.h0, { dtype, requiresGrad: true }) : null;
        const c0 = c.c0 ? fromFixture(c.c0, { dtype, requiresGrad: true }) : null;
        const packed = nn.utils.rnn.packPaddedSequence(x, c.lengths, false, false);
        const tol = TOL[dtype];
        let out: unknown;
        let hn: Tensor;
        let cn: Tensor | null = null;
        if (m instanceof nn.LSTM) {
          const r = m(packed, h0 ? [h0, c0!] : null);
          out = r[0];
          [hn, cn] = r[1];
        } else {
          const r = (m as InstanceType<typeof nn.GRU>)(packed, h0);
          out = r[0];
          hn = r[1];
        }
        expect(out).toBeInstanceOf(PackedSequence);
        const po = out as InstanceType<typeof PackedSequence>;
        expectClose(po.data, fromFixture(c.packed_data, { dtype }), { ...tol, label: 'packed output' });
        expect(valuesOf(po.batchSizes)).toEqual(c.batch_sizes);
        expect(valuesOf(po.sortedIndices!)).toEqual(c.sorted_indices);
        expect(valuesOf(po.unsortedIndices!)).toEqual(c.unsorted_indices);
        const [padded, lengths] = nn.utils.rnn.padPackedSequence(po);
        expect(valuesOf(lengths)).toEqual(c.out_lengths);
        expectClose(padded, fromFixture(c.padded, { dtype }), { ...tol, label: 'padded output' });
        expectClose(hn, fromFixture(c.hn, { dtype }), { ...tol, label: 'hN' });
        if (c.cn) expectClose(cn!, fromFixture(c.cn, { dtype }), { ...tol, label: 'cN' });
        let loss = padded.mul(fromFixture(c.g_out, { dtype })).sum().add(hn.mul(fromFixture(c.g_h, { dtype })).sum());
        if (c.g_c) loss = loss.add(cn!.mul(fromFixture(c.g_c, { dtype })).sum());
        loss.backward();
        expectClose(x.grad!, fromFixture(c.grad_x, { dtype }), { ...tol, label: 'grad input' });
        if (c.grad_h0) expectClose(h0!.grad!, fromFixture(c.grad_h0, { dtype }), { ...tol, label: 'grad h0' });
        if (c.grad_c0) expectClose(c0!.grad!, fromFixture(c.grad_c0, { dtype }), { ...tol, label: 'grad c0' });
        for (const [name, p] of m.namedParameters()) expectClose(p.grad!, fromFixture(c.grads[name], { dtype }), { ...tol, label: `grad ${name}` });
      });
    });
  }

  it('a packed batch gives each sequence the result of running it alone', () => {
    torch.manualSeed(5);
    const m = new nn.GRU(3, 4, { bidirectional: true });
    const a = torch.randn(4, 3);
    const b = torch.randn(2, 3);
    const [out, h] = m(nn.utils.rnn.packSequence([b, a], false));
    const [padded] = nn.utils.rnn.padPackedSequence(out as InstanceType<typeof PackedSequence>);
    const [outB, hB] = m(b);
    expectClose(padded.select(1, 0).narrow(0, 0, 2), outB as Tensor, { rtol: 1e-5, atol: 1e-6 });
    expectClose(h.select(1, 0), hB, { rtol: 1e-5, atol: 1e-6 });
  });
});
