import * as torch from '../src/index.js';
import { readFileSync } from 'node:fs';
const nn = torch.nn;
const fx = JSON.parse(readFileSync('tests/fixtures/quantized-rnn.json', 'utf8'));
const t = (o: any) => torch.tensor(o.data.map((v: any) => v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v), { dtype: o.dtype === 'int64' ? torch.int64 : torch.float32 }).reshape(o.shape);
const maxdiff = (a: torch.Tensor, b: torch.Tensor) => a.sub(b).abs().max().item();
for (const L of fx.layers) {
  const Cls = L.kind === 'LSTM' ? nn.LSTM : nn.GRU;
  const m = new Cls(L.inputSize, L.hiddenSize, { numLayers: L.numLayers, bidirectional: L.bidirectional, batchFirst: L.batchFirst });
  const sd: any = {}; for (const [k, v] of Object.entries(L.state)) sd[k] = t(v);
  m.loadStateDict(sd);
  const q = torch.ao.quantization.quantizeDynamic(new nn.Sequential(m)).at(0) as any;
  const reprOk = String(q) === L.repr;
  const w = q.getWeight();
  let wOk = true;
  for (const e of L.weights) { const qw = w[e.name]; if (maxdiff(qw.intRepr().to(torch.float32), t(e.int)) !== 0 || Math.abs(qw.qScale() - e.scale) > 0) wOk = false; }
  const diffs: number[] = [];
  for (const c of L.cases) {
    let res: any;
    const x = t(c.input);
    if (c.lengths) {
      const p = nn.utils.rnn.packPaddedSequence(x, torch.tensor(c.lengths), false, false);
      res = q(p);
    } else if (c.h0) {
      res = L.kind === 'LSTM' ? q(x, [t(c.h0), t(c.c0)]) : q(x, t(c.h0));
    } else res = q(x);
    const flat: torch.Tensor[] = [];
    const walk = (r: any) => { if (r instanceof torch.Tensor) flat.push(r); else if (r instanceof nn.utils.rnn.PackedSequence) flat.push(r.data); else for (const i of r) walk(i); };
    walk(res);
    c.outputs.forEach((o: any, i: number) => diffs.push(maxdiff(flat[i], t(o))));
  }
  console.log(L.label, 'repr', reprOk, 'weights', wOk, 'maxdiff', Math.max(...diffs).toExponential(2));
  if (!reprOk) console.log(String(q), '|', L.repr);
}
for (const C of fx.cells) {
  const Cls = C.label.startsWith('lstm') ? nn.LSTMCell : C.label.startsWith('gru') ? nn.GRUCell : nn.RNNCell;
  const m = C.label.includes('relu') ? new nn.RNNCell(5, 7, true, 'relu') : new (Cls as any)(5, 7);
  const sd: any = {}; for (const [k, v] of Object.entries(C.state)) sd[k] = t(v);
  m.loadStateDict(sd);
  const q = torch.ao.quantization.quantizeDynamic(new nn.Sequential(m)).at(0) as any;
  let state: any = C.c0 ? [t(C.h0), t(C.c0)] : t(C.h0);
  const x = t(C.input);
  const diffs: number[] = [];
  for (const step of C.steps) {
    state = q(x, state);
    const flat = state instanceof torch.Tensor ? [state] : state;
    step.forEach((o: any, i: number) => diffs.push(maxdiff(flat[i], t(o))));
  }
  const ns = q(x); const nf = ns instanceof torch.Tensor ? [ns] : ns;
  C.noState.forEach((o: any, i: number) => diffs.push(maxdiff(nf[i], t(o))));
  console.log(C.label, 'repr', String(q) === C.repr, String(q), 'maxdiff', Math.max(...diffs).toExponential(2));
}
