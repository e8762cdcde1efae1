import * as torch from '../src/index.js';
import { readFileSync } from 'node:fs';
const nn = torch.nn;
const fx = JSON.parse(readFileSync('tests/fixtures/quantized-rnn.json', 'utf8')).checkpoint;
const t = (o: any) => torch.tensor(o.data, { dtype: torch.float32 }).reshape(o.shape);
const sd = torch.loadSync('tests/fixtures/quantized-rnn-checkpoint.pt') as any;
console.log(Object.keys(sd), String(sd['lstm._all_weight_values.0.param']));
class C extends nn.Module { lstm = new nn.LSTM(4, 6, 2, { bidirectional: true }); gru = new nn.GRU(4, 6); lstm_cell = new nn.LSTMCell(4, 6); gru_cell = new nn.GRUCell(4, 6); rnn_cell = new nn.RNNCell(4, 6, true, 'relu'); }
const q = torch.ao.quantization.quantizeDynamic(new C()) as any;
console.log(String(q));
const r = q.loadStateDict(sd);
console.log(r);
const x = t(fx.input), cx = t(fx.cellInput);
const flat = (r: any): torch.Tensor[] => r instanceof torch.Tensor ? [r] : r.flatMap(flat);
const cmp = (name: string, got: any) => console.log(name, Math.max(...flat(got).map((g, i) => g.sub(t(fx[name][i])).abs().max().item())));
cmp('lstm', q.lstm(x)); cmp('gru', q.gru(x)); cmp('lstmCell', q.lstm_cell(cx)); cmp('gruCell', q.gru_cell(cx)); cmp('rnnCell', q.rnn_cell(cx));
torch.save(q.stateDict(), '/tmp/flint-qrnn.pt');
