/**
 * Dynamic quantization of recurrent layers against PyTorch 1.13
 * (scripts/make_quantized_rnn_fixtures.py): quantize_dynamic of nn.LSTM and nn.GRU (layers,
 * directions, batchFirst, packed sequences, initial states, per-channel weights) and of the
 * three cells, whose reprs, state-dict keys, int8 weights and outputs match; a word language
 * model quantized with the default spec; PyTorch's CellParamsBase / LinearPackedParamsBase
 * objects in checkpoints, both ways; and the errors.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';
import { PYTHON, hasTorch, python } from './helpers/python.js';
import { settledStorages } from './helpers/memory.js';
import { mulberry32 } from './helpers/random.js';
import { encodeTorchObject } from '../src/serialization/torch-format.js';
import { createZipWriter } from '../src/serialization/zip-write.js';

const { nn } = torch;
const qnn = torch.nn.quantized.dynamic;
type S = FixtureTensor;
interface Weight { name: string; int: S; scale?: number; scales?: S }
const FIX: {
  layers: {
    label: string; kind: 'LSTM' | 'GRU'; numLayers: number; perChannel: boolean; bidirectional: boolean; batchFirst: boolean;
    inputSize: number; hiddenSize: number; state: Record<string, S>; repr: string; stateKeys: string[]; weights: Weight[];
    cases: { scale: number; input: S; h0?: S; c0?: S; lengths?: number[]; batchSizes?: number[]; outputs: S[] }[];
  }[];
  cells: {
    label: string; state: Record<string, S>; repr: string; stateKeys: string[]; weights: Weight[];
    input: S; h0: S; c0?: S; steps: S[][]; noState: S[];
  }[];
  wordModel: { state: Record<string, S>; repr: string; tokens: number[][]; outputs: S[]; stateKeys: string[] };
  checkpoint: { input: S; cellInput: S; lstm: S[]; gru: S[]; lstmCell: S[]; gruCell: S[]; rnnCell: S[] };
} = JSON.parse(readFileSync(new URL('./fixtures/quantized-rnn.json', import.meta.url), 'utf8'));

/** Float32 rounding of the gates and of the int8 products' scaling; the integers are exact. */
const TOL = { rtol: 1e-5, atol: 2e-6 };

const stateOf = (state: Record<string, S>) => Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fromFixture(v)]));

/** Every tensor of a recurrent result, in order (a PackedSequence by its data). */
function flat(result: unknown): Tensor[] {
  if (result instanceof torch.Tensor) return [result];
  if (result instanceof nn.utils.rnn.PackedSequence) return [result.data];
  return (result as unknown[]).flatMap(flat);
}

function quantizedLayer(L: (typeof FIX.layers)[number]): InstanceType<typeof qnn.LSTM> | InstanceType<typeof qnn.GRU> {
  const Float = L.kind === 'LSTM' ? nn.LSTM : nn.GRU;
  const float = new Float(L.inputSize, L.hiddenSize, { numLayers: L.numLayers, bidirectional: L.bidirectional, batchFirst: L.batchFirst });
  float.loadStateDict(stateOf(L.state));
  const spec = L.perChannel ? new Map([[Float, torch.ao.quantization.perChannelDynamicQconfig]]) : null;
  // quantize_dynamic never swaps the root: the layer goes in a container, as the fixtures did.
  return torch.ao.quantization.quantizeDynamic(new nn.Sequential(float), spec).at(0) as InstanceType<typeof qnn.LSTM>;
}

function expectWeights(got: Record<string, torch.QuantizedTensor>, expected: Weight[]): void {
  expect(Object.keys(got)).toEqual(expected.map((w) => w.name));
  for (const w of expected) {
    const q = got[w.name]!;
    expect(q.intRepr().reshape([-1]).tolist()).toEqual(w.int.data);
    if (w.scale !== undefined) expect(q.qScale()).toBe(w.scale);
    else expect(q.qPerChannelScales().tolist()).toEqual(w.scales!.data);
  }
}

describe('quantized LSTM and GRU against PyTorch 1.13 (quantize_dynamic)', () => {
  for (const L of FIX.layers) {
    it(`${L.label}: the repr, the state dict's keys, the int8 weights and their scales`, () => {
      const q = quantizedLayer(L);
      expect(String(q)).toBe(L.repr);
      expect(Object.keys(q.stateDict())).toEqual(L.stateKeys);
      expectWeights(q.getWeight(), L.weights);
    });

    it(`${L.label}: outputs and final states`, () => {
      const q = quantizedLayer(L);
      for (const c of L.cases) {
        const x = fromFixture(c.input);
        let input: Tensor | InstanceType<typeof nn.utils.rnn.PackedSequence> = x;
        if (c.lengths !== undefined) {
          const packed = nn.utils.rnn.packPaddedSequence(x, torch.tensor(c.lengths), { enforceSorted: false });
          expect(packed.batchSizes.tolist()).toEqual(c.batchSizes);
          input = packed;
        }
        let result: unknown;
        if (c.h0 !== undefined) {
          result = c.c0 !== undefined
            ? (q as InstanceType<typeof qnn.LSTM>).forward(input, [fromFixture(c.h0), fromFixture(c.c0)])
            : (q as InstanceType<typeof qnn.GRU>).forward(input, fromFixture(c.h0));
        } else {
          result = q(input as Tensor);
        }
        if (c.lengths !== undefined) expect((result as [unknown])[0]).toBeInstanceOf(nn.utils.rnn.PackedSequence);
        const got = flat(result);
        expect(got.length).toBe(c.outputs.length);
        c.outputs.forEach((o, i) => expectClose(got[i]!, fromFixture(o), TOL));
      }
    });
  }
});

describe('quantized cells against PyTorch 1.13', () => {
  const make = (label: string): torch.nn.Module<any> => // eslint-disable-line @typescript-eslint/no-explicit-any
   
    label === 'lstm cell' ? new nn.LSTMCell(5, 7) : label === 'gru cell' ? new nn.GRUCell(5, 7) : new nn.RNNCell(5, 7, true, label.endsWith('relu') ? 'relu' : 'tanh');
  for (const C of FIX.cells) {
    it(`${C.label}: repr, keys, weights, three steps from a state, and a step from zeros`, () => {
      const float: torch.nn.Module<any> = make(C.label); // eslint-disable-line @typescript-eslint/no-explicit-any
      float.loadStateDict(stateOf(C.state));
      const q = torch.ao.quantization.quantizeDynamic(new nn.Sequential(float)).at(0) as InstanceType<typeof qnn.LSTMCell>;
      expect(String(q)).toBe(C.repr);
      expect(Object.keys(q.stateDict())).toEqual(C.stateKeys);
      expectWeights(q.getWeight(), C.weights);
      const x = fromFixture(C.input);
      let state: unknown = C.c0 !== undefined ? [fromFixture(C.h0), fromFixture(C.c0)] : fromFixture(C.h0);
      for (const step of C.steps) {
        state = (q as unknown as (x: Tensor, s: unknown) => unknown)(x, state);
        step.forEach((o, i) => expectClose(flat(state)[i]!, fromFixture(o), TOL));
      }
      const fromZeros = flat(q(x));
      C.noState.forEach((o, i) => expectClose(fromZeros[i]!, fromFixture(o), TOL));
    });
  }
});

/** pytorch/examples word_language_model's RNNModel (LSTM), as PyTorch's quantization tutorial uses it. */
class WordModel extends nn.Module<[Tensor, [Tensor, Tensor]]> {
  drop = new nn.Dropout(0.5);
  encoder = new nn.Embedding(50, 16);
  rnn = new nn.LSTM(16, 24, 2, { dropout: 0.5 });
  decoder = new nn.Linear(24, 50);

  override forward(input: Tensor, hidden: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const emb = this.drop(this.encoder(input));
    const [output, h] = (this.rnn as unknown as InstanceType<typeof qnn.LSTM>)(emb, hidden as [Tensor, Tensor]) as [Tensor, [Tensor, Tensor]];
    return [this.decoder(this.drop(output)), h];
  }
}

describe('a word language model quantized with the default spec, as in PyTorch\'s tutorial', () => {
  it('swaps its LSTM and Linear, prints, keys and computes as PyTorch does', () => {
    const model = new WordModel();
    model.loadStateDict(stateOf(FIX.wordModel.state));
    const q = torch.ao.quantization.quantizeDynamic(model);
    expect(String(q)).toBe(FIX.wordModel.repr);
    expect(Object.keys(q.stateDict())).toEqual(FIX.wordModel.stateKeys);
    expect(model.rnn).toBeInstanceOf(nn.LSTM); // the float model is left as it was
    const hidden: [Tensor, Tensor] = [torch.zeros([2, 2, 24]), torch.zeros([2, 2, 24])];
    const got = flat(q(torch.tensor(FIX.wordModel.tokens), hidden));
    FIX.wordModel.outputs.forEach((o, i) => expectClose(got[i]!, fromFixture(o), TOL));
  });
});

/** The container the checkpoint fixture holds, quantized. */
function checkpointModel(): torch.nn.Module & Record<string, (...args: unknown[]) => unknown> {
  const c = new nn.Module() as torch.nn.Module & Record<string, (...args: unknown[]) => unknown>;
  c.addModule('lstm', new nn.LSTM(4, 6, 2, { bidirectional: true }));
  c.addModule('gru', new nn.GRU(4, 6));
  c.addModule('lstm_cell', new nn.LSTMCell(4, 6));
  c.addModule('gru_cell', new nn.GRUCell(4, 6));
  c.addModule('rnn_cell', new nn.RNNCell(4, 6, true, 'relu'));
  return torch.ao.quantization.quantizeDynamic(c);
}

function expectCheckpointOutputs(q: torch.nn.Module): void {
  const fx = FIX.checkpoint;
  const x = fromFixture(fx.input);
  const cx = fromFixture(fx.cellInput);
  const child = (name: string) => q._modules.get(name) as unknown as (x: Tensor) => unknown;
  for (const [name, key, input] of [['lstm', 'lstm', x], ['gru', 'gru', x], ['lstm_cell', 'lstmCell', cx], ['gru_cell', 'gruCell', cx], ['rnn_cell', 'rnnCell', cx]] as const) {
    const got = flat(child(name)(input));
    (fx[key] as S[]).forEach((o, i) => expectClose(got[i]!, fromFixture(o), TOL));
  }
}

describe('quantized recurrent layers in checkpoints', () => {
  it('loads the state dict PyTorch 1.13 saved (CellParamsBase and LinearPackedParamsBase objects) and computes its outputs', () => {
    const sd = torch.loadSync<Record<string, unknown>>(new URL('./fixtures/quantized-rnn-checkpoint.pt', import.meta.url).pathname);
    expect(sd['lstm._all_weight_values.0.param']).toBeInstanceOf(torch.ScriptObject);
    expect((sd['lstm_cell._packed_weight_ih'] as torch.ScriptObject).qualifiedName).toBe('__torch__.torch.classes.quantized.LinearPackedParamsBase');
    const q = checkpointModel();
    const before = flat((q._modules.get('lstm') as unknown as (x: Tensor) => unknown)(fromFixture(FIX.checkpoint.input)))[0]!;
    const result = q.loadStateDict(sd as never);
    expect([result.missingKeys, result.unexpectedKeys]).toEqual([[], []]);
    expectCheckpointOutputs(q);
    // The random weights it was made with were replaced.
    expect(torch.equal(before, flat((q._modules.get('lstm') as unknown as (x: Tensor) => unknown)(fromFixture(FIX.checkpoint.input)))[0]!)).toBe(false);
  });

  it('saves its own and loads it back into a fresh model: the same outputs', async () => {
    const source = checkpointModel();
    source.loadStateDict(torch.loadSync(new URL('./fixtures/quantized-rnn-checkpoint.pt', import.meta.url).pathname) as never);
    const file = join(mkdtempSync(join(tmpdir(), 'flint-qrnn-')), 'q.pt');
    await torch.save(source.stateDict(), file);
    const target = checkpointModel();
    target.loadStateDict(torch.loadSync(file) as never);
    expectCheckpointOutputs(target);
  });

  it('a state dict of another shape, or of the wrong object, is refused with what was expected', () => {
    const sd = torch.loadSync<Record<string, unknown>>(new URL('./fixtures/quantized-rnn-checkpoint.pt', import.meta.url).pathname);
    const other = new nn.Sequential(new nn.LSTM(4, 5), new nn.LSTMCell(4, 5));
    const q = torch.ao.quantization.quantizeDynamic(other);
    const wrongShape = { '0._all_weight_values.0.param': sd['gru._all_weight_values.0.param'], '1._packed_weight_ih': sd['lstm_cell._packed_weight_ih'], '1._packed_weight_hh': sd['lstm_cell._packed_weight_hh'] };
    expect(() => q.loadStateDict(wrongShape as never)).toThrow(/size mismatch for 0\._all_weight_values\.0\.param \(W_ih\): copying a weight with shape \[18, 4\][\s\S]*size mismatch: copying a weight with shape \[24, 4\]/);
    const swapped = { '0._all_weight_values.0.param': sd['lstm_cell._packed_weight_ih'], '1._packed_weight_ih': sd['lstm._all_weight_values.0.param'], '1._packed_weight_hh': sd['lstm_cell._packed_weight_hh'] };
    expect(() => q.loadStateDict(swapped as never)).toThrow(/expected a __torch__\.torch\.classes\.rnn\.CellParamsBase object, got __torch__\.torch\.classes\.quantized\.LinearPackedParamsBase[\s\S]*expected a __torch__\.torch\.classes\.quantized\.LinearPackedParamsBase object/);
    expect(() => q.loadStateDict({} as never)).toThrow(/Missing key\(s\) in state_dict: "0\._all_weight_values\.0\.param", "1\._packed_weight_ih", "1\._packed_weight_hh"/);
  });

  /** torch.save's bytes of a packed weight's ScriptObject, with its pickle changed by `edit`. */
  function edited(edit: (text: string) => string): Buffer {
    const cell = qnn.GRUCell.fromFloat(new nn.GRUCell(2, 2));
    const { pickle, storages } = encodeTorchObject({ p: cell._packed_weight_ih.toScriptObject() });
    const text = edit(Buffer.from(pickle).toString('latin1'));
    const chunks: Uint8Array[] = [];
    const zip = createZipWriter({ write: (b) => chunks.push(b) });
    zip.addEntry('archive/data.pkl', new Uint8Array(Buffer.from(text, 'latin1')));
    for (const { key, tensor } of storages) zip.addEntry(`archive/data/${key}`, new Uint8Array((tensor.dataSync() as ArrayLike<number> & { buffer: ArrayBuffer }).buffer.slice(0)));
    zip.addEntry('archive/version', new TextEncoder().encode('3\n'));
    zip.finish();
    return Buffer.concat(chunks);
  }

  it('a packed weight of the wrong kind inside a loaded object is refused as linear_prepack refuses it', () => {
    const gru = qnn.GRUCell.fromFloat(new nn.GRUCell(2, 2));
    const packed = (weight: unknown, bias: unknown) => new torch.ScriptObject('__torch__.torch.classes.quantized.LinearPackedParamsBase', [weight, bias]);
    const good = gru._packed_weight_hh.toScriptObject();
    const load = (ih: unknown) => gru.loadStateDict({ _packed_weight_ih: ih, _packed_weight_hh: good } as never);
    expect(() => load(packed(torch.zeros([6, 2]), null))).toThrow('expected a LinearPackedParamsBase state (qint8 weight, bias or None), got (a torch.float32 Tensor, None)');
    expect(() => load(packed(torch.quantizePerTensor(torch.zeros([6, 2]), 0.1, 0, torch.qint8), torch.zeros([5])))).toThrow('linear_prepack(): expected a bias of shape [6], got [5]');
    expect(() => load(packed(torch.quantizePerTensor(torch.zeros([6, 2]), 0.1, 0, torch.quint8), null))).toThrow('expected a torch.qint8 weight');
    expect(() => load(torch.zeros([2]))).toThrow('expected a __torch__.torch.classes.quantized.LinearPackedParamsBase object, got a torch.float32 Tensor');
    const lstm = qnn.LSTM.fromFloat(new nn.LSTM(2, 2));
    const state = lstm._all_weight_values.at(0).param.toScriptObject().state;
    const cell = (s: unknown[]) => ({ '_all_weight_values.0.param': new torch.ScriptObject('__torch__.torch.classes.rnn.CellParamsBase', s) });
    expect(() => lstm.loadStateDict(cell(['quantized_fp16', ...state.slice(1)]) as never)).toThrow("flint reads dynamically quantized int8 cell parameters ('quantized_dynamic'), got \"quantized_fp16\"");
    expect(() => lstm.loadStateDict(cell([state[0], [null, null], ...state.slice(2)]) as never)).toThrow('expected a list of two bias tensors (b_ih, b_hh)');
    expect(() => lstm.loadStateDict(cell([...state.slice(0, 4), [(state[4] as unknown[])[0]]]) as never)).toThrow('expected two packed weights (W_ih, W_hh)');
    // A loaded state whose reduce_range is 0 computes without it, as PyTorch's version-1 cells.
    lstm.loadStateDict(cell([state[0], state[1], state[2], [0], state[4]]) as never);
    expect(lstm._all_weight_values.at(0).param.reduceRange).toBe(false);
  });

  it('a TorchBind class flint does not read, or a malformed state, is an Error that names it', () => {
    const ok = torch.deserialize(edited((t) => t)) as Record<string, torch.ScriptObject>;
    expect(ok.p!.state[0]).toBeInstanceOf(torch.QuantizedTensor);
    const renamed = edited((t) => t.replace('quantized.LinearPackedParamsBase', 'quantized.EvilOnPackedParamsBase'));
    expect(() => torch.deserialize(renamed)).toThrow('a TorchBind object of class __torch__.torch.classes.quantized.EvilOnPackedParamsBase, which flint cannot read');
    // The class name taken out of the BUILD tuple: (state,) alone.
    const noName = edited((t) => t.replace(/X.\x00\x00\x00__torch__\.torch\.classes\.quantized\.LinearPackedParamsBase/, ''));
    expect(() => torch.deserialize(noName)).toThrow("a torch.ScriptObject's state must be (state tuple, class name)");
  });
});

describe('fuzz: mutated quantized recurrent checkpoints', () => {
  it('2,000 mutations of the pickle each load and run, or throw an Error', () => {
    const sd = torch.loadSync<Record<string, unknown>>(new URL('./fixtures/quantized-rnn-checkpoint.pt', import.meta.url).pathname);
    const { pickle, storages } = encodeTorchObject(sd);
    const data = storages.map(({ key, tensor }) => [key, new Uint8Array(tensor.dataSync().buffer.slice(0))] as const);
    const random = mulberry32(20261207);
    const x = fromFixture(FIX.checkpoint.input);
    const cx = fromFixture(FIX.checkpoint.cellInput);
    let ran = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from(pickle);
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        const at = Math.floor(random() * bytes.length);
        bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : bytes[at]! ^ (1 << Math.floor(random() * 8));
      }
      const chunks: Uint8Array[] = [];
      const zip = createZipWriter({ write: (b) => chunks.push(b) });
      zip.addEntry('archive/data.pkl', bytes);
      for (const [key, payload] of data) zip.addEntry(`archive/data/${key}`, payload);
      zip.addEntry('archive/version', new TextEncoder().encode('3\n'));
      zip.finish();
      try {
        const q = checkpointModel();
        q.loadStateDict(torch.deserialize(Buffer.concat(chunks)) as never);
        torch.tidy(() => {
          for (const [name, input] of [['lstm', x], ['gru', x], ['lstm_cell', cx], ['gru_cell', cx], ['rnn_cell', cx]] as const) {
            (q._modules.get(name) as unknown as (x: Tensor) => unknown)(input);
          }
        });
        ran++;
      } catch (error) {
        if (!(error instanceof Error)) throw new Error(`case ${i}: a non-Error was thrown: ${String(error)}`);
      }
    }
    expect(ran).toBeGreaterThan(0);
  }, 120_000);
});

if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the quantized recurrent checkpoint round trip with PyTorch is skipped (apt-get install python3-torch)`);

describe.skipIf(!hasTorch)('quantized recurrent checkpoints with real PyTorch', () => {
  it('PyTorch loads the state dict flint saved into its own quantized modules, and computes the same outputs', async () => {
    const q = checkpointModel();
    const file = join(mkdtempSync(join(tmpdir(), 'flint-qrnn-torch-')), 'q.pt');
    await torch.save(q.stateDict(), file);
    const x = fromFixture(FIX.checkpoint.input);
    const cx = fromFixture(FIX.checkpoint.cellInput);
    const out = JSON.parse(python(`
import json, sys, torch, torch.nn as nn
c = nn.Module()
c.lstm = nn.LSTM(4, 6, 2, bidirectional=True); c.gru = nn.GRU(4, 6)
c.lstm_cell = nn.LSTMCell(4, 6); c.gru_cell = nn.GRUCell(4, 6); c.rnn_cell = nn.RNNCell(4, 6, nonlinearity='relu')
q = torch.ao.quantization.quantize_dynamic(c)
print(q.load_state_dict(torch.load(sys.argv[1])), file=sys.stderr)
x = torch.tensor(json.loads(sys.argv[2])).reshape(5, 2, 4)
cx = torch.tensor(json.loads(sys.argv[3])).reshape(2, 4)
flat = lambda r: [r.reshape(-1).tolist()] if isinstance(r, torch.Tensor) else [y for i in r for y in flat(i)]
print(json.dumps({'lstm': flat(q.lstm(x)), 'gru': flat(q.gru(x)), 'lstm_cell': flat(q.lstm_cell(cx)), 'gru_cell': flat(q.gru_cell(cx)), 'rnn_cell': flat(q.rnn_cell(cx))}))
`, file, JSON.stringify(x.reshape([-1]).tolist()), JSON.stringify(cx.reshape([-1]).tolist())));
    for (const [name, input] of [['lstm', x], ['gru', x], ['lstm_cell', cx], ['gru_cell', cx], ['rnn_cell', cx]] as const) {
      const got = flat((q._modules.get(name) as unknown as (x: Tensor) => unknown)(input));
      (out[name] as number[][]).forEach((o, i) => expectClose(got[i]!.reshape([-1]), torch.tensor(o), TOL));
    }
  });
});

describe('quantized recurrent layers: arguments, errors and memory', () => {
  it('refuses what PyTorch refuses, with what it expected', () => {
    const lstm = qnn.LSTM.fromFloat(new nn.LSTM(3, 4, 2));
    expect(() => lstm(torch.ones([5, 3]))).toThrow('input must have 3 dimensions, got 2');
    expect(() => lstm(torch.ones([5, 2, 4]))).toThrow('input.size(-1) must be equal to input_size. Expected 3, got 4');
    expect(() => lstm(torch.ones([5, 2, 3]), [torch.zeros([2, 3, 4]), torch.zeros([2, 2, 4])])).toThrow('Expected hidden[0] size (2, 2, 4), got [2, 3, 4]');
    expect(() => lstm(torch.ones([5, 2, 3]), [torch.zeros([2, 2, 4]), torch.zeros([1, 2, 4])])).toThrow('Expected hidden[1] size (2, 2, 4), got [1, 2, 4]');
    expect(() => lstm(torch.ones([5, 2, 3], { dtype: torch.float64 }))).toThrow('data type of input should be float');
    expect(() => lstm(torch.tensor([[[NaN, 0, 1]]]))).toThrow(/NaN|infinite/);
    const gru = qnn.GRU.fromFloat(new nn.GRU(3, 4));
    expect(() => gru(torch.ones([5, 2, 3]), torch.zeros([2, 2, 4]))).toThrow('Expected hidden size (1, 2, 4), got [2, 2, 4]');
    expect(() => qnn.LSTM.fromFloat(new nn.LSTM(3, 4, { bias: false }))).toThrow('must have biases');
    expect(() => qnn.LSTM.fromFloat(new nn.LSTM(3, 4, { projSize: 2 }))).toThrow('projections');
    expect(() => qnn.LSTM.fromFloat(new nn.RNN(3, 4))).toThrow('only works for nn.LSTM and nn.GRU');
    expect(() => new qnn.LSTM(3, 4, { dtype: torch.float16 })).toThrow('Unsupported dtype for dynamic RNN quantization');
    expect(() => new qnn.LSTM(3, 4, { numLayer: 2 } as never)).toThrow('numLayer');
    expect(() => new qnn.GRU(3, 4, 1, true, false, 1.5)).toThrow('dropout should be a number in range [0, 1]');
    const cell = qnn.LSTMCell.fromFloat(new nn.LSTMCell(3, 4));
    expect(() => cell(torch.ones([2, 5]))).toThrow('input has inconsistent input_size: got 5, expected 3');
    expect(() => cell(torch.ones([2, 3]), [torch.zeros([3, 4]), torch.zeros([2, 4])])).toThrow("Input batch size 2 doesn't match hidden[0] batch size 3");
    expect(() => cell(torch.ones([2, 3]), [torch.zeros([2, 4]), torch.zeros([2, 5])])).toThrow('hidden[1] has inconsistent hidden_size: got 5, expected 4');
    expect(() => qnn.GRUCell.fromFloat(new nn.GRUCell(3, 4, false))).toThrow('must have biases');
    expect(() => qnn.GRUCell.fromFloat(new nn.Linear(3, 4))).toThrow('only works for nn.LSTMCell, nn.GRUCell and nn.RNNCell');
    expect(() => qnn.GRUCell.fromFloat(new nn.LSTMCell(3, 4))).toThrow('got an nn.LSTMCell; use nn.quantized.dynamic.LSTMCell');
    expect(() => qnn.LSTM.fromFloat(new nn.GRU(3, 4))).toThrow('got an nn.GRU; use nn.quantized.dynamic.GRU');
  });

  it('exact float classes only; empty input is refused as PyTorch refuses it', () => {
    class MyLSTM extends nn.LSTM {}
    expect(() => qnn.LSTM.fromFloat(new MyLSTM(3, 4))).toThrow('only works for nn.LSTM and nn.GRU, got MyLSTM');
    expect(() => qnn.LSTM.fromFloat(qnn.LSTM.fromFloat(new nn.LSTM(3, 4)))).toThrow('only works for nn.LSTM and nn.GRU, got DynamicQuantizedLSTM');
    const lstm = qnn.LSTM.fromFloat(new nn.LSTM(3, 4));
    expect(() => lstm(torch.zeros([0, 2, 3]))).toThrow('Expected sequence length to be larger than 0 in RNN');
    expect(() => lstm(torch.zeros([5, 0, 3]))).toThrow('Expected sequence length to be larger than 0 in RNN');
    // The float layer refuses no steps and takes an empty batch, as PyTorch's.
    expect(() => new nn.LSTM(3, 4)(torch.zeros([0, 2, 3]))).toThrow('Expected sequence length to be larger than 0 in RNN');
    expect((new nn.LSTM(3, 4)(torch.zeros([5, 0, 3]))[0] as Tensor).shape).toEqual([5, 0, 4]);
  });

  it('a PackedSequence given only its sorting permutation gets the inverse, as PyTorch\'s does', () => {
    const gru = qnn.GRU.fromFloat(new nn.GRU(3, 4));
    const packed = nn.utils.rnn.packPaddedSequence(torch.randn([4, 3, 3]), [2, 4, 3], { enforceSorted: false });
    const bare = new nn.utils.rnn.PackedSequence(packed.data, packed.batchSizes, packed.sortedIndices);
    expect(bare.unsortedIndices!.tolist()).toEqual(packed.unsortedIndices!.tolist());
    expect(torch.equal(gru.forward(bare)[1], gru.forward(packed)[1])).toBe(true);
    expect(() => new nn.utils.rnn.PackedSequence(packed.data, packed.batchSizes, torch.tensor([0, 0, 1]))).toThrow('sorted_indices must be a permutation of 0..2');
  });

  it('the cells take PyTorch\'s positional arguments, dtype included, and refuse a keyword given twice', () => {
    expect(String(new qnn.LSTMCell(3, 4, true, torch.qint8))).toBe('DynamicQuantizedLSTMCell(3, 4)');
    expect(String(new qnn.RNNCell(3, 4, false, 'relu', torch.qint8))).toBe('DynamicQuantizedRNNCell(3, 4, bias=False, nonlinearity=relu)');
    expect(String(new qnn.GRUCell(3, 4, { bias: false }))).toBe('DynamicQuantizedGRUCell(3, 4, bias=False)');
    expect(() => new qnn.RNNCell(3, 4, true, 'relu', { nonlinearity: 'tanh' })).toThrow("got multiple values for argument 'nonlinearity'");
    expect(() => new qnn.LSTMCell(3, 4, null as never)).toThrow("argument 'bias' must be a boolean");
    expect(() => new qnn.GRUCell(3, 4, { nonlinearity: 'relu' })).toThrow("unexpected keyword argument 'nonlinearity'");
    expect(() => new qnn.LSTMCell(3, 4, true, torch.float16)).toThrow('Unsupported dtype for dynamic RNN quantization');
  });

  it('a child added to a quantized LSTM prints, and the packed weights never do', () => {
    const lstm = qnn.LSTM.fromFloat(new nn.LSTM(3, 4));
    lstm.addModule('extra', new nn.ReLU());
    expect(String(lstm)).toBe('DynamicQuantizedLSTM(\n  3, 4\n  (extra): ReLU()\n)');
  });

  it('in training mode dropout acts between layers, as PyTorch\'s quantized_lstm does', () => {
    const lstm = qnn.LSTM.fromFloat(new nn.LSTM(3, 4, 2, { dropout: 0.5 }));
    const x = torch.randn([6, 2, 3]);
    const evalOut = lstm.forward(x)[0];
    expect(torch.equal(lstm.forward(x)[0], evalOut)).toBe(true);
    lstm.train();
    expect(torch.equal(lstm.forward(x)[0], evalOut)).toBe(false);
    lstm.eval();
    expect(torch.equal(lstm.forward(x)[0], evalOut)).toBe(true);
  });

  it('nn.RNN stays float; a Set spec of only nn.Linear leaves the LSTM float', () => {
    const model = new nn.Sequential(new nn.RNN(3, 4), new nn.LSTM(3, 4), new nn.Linear(4, 2));
    const q = torch.ao.quantization.quantizeDynamic(model);
    expect(q.at(0)).toBeInstanceOf(nn.RNN);
    expect(q.at(1)).toBeInstanceOf(qnn.LSTM);
    expect(q.at(2)).toBeInstanceOf(qnn.Linear);
    const onlyLinear = torch.ao.quantization.quantizeDynamic(model, new Set([nn.Linear]));
    expect(onlyLinear.at(1)).toBeInstanceOf(nn.LSTM);
  });

  it('the constructor draws PyTorch\'s random weights in its order (scale 0.1), and records no gradient', () => {
    torch.manualSeed(0);
    const q = new qnn.LSTM(2, 3);
    torch.manualSeed(0);
    const wIh = torch.randn([12, 2]);
    expect(q.getWeight().weight_ih_l0!.dequantize().tolist()).toEqual(torch.quantizePerTensor(wIh, 0.1, 0, torch.qint8).dequantize().tolist());
    const x = torch.randn([4, 1, 2], { requiresGrad: true });
    const [out, [h]] = q.forward(x);
    expect(out.requiresGrad).toBe(false);
    expect(h.requiresGrad).toBe(false);
  });

  it('a loop that disposes its outputs holds no storage', async () => {
    const lstm = qnn.LSTM.fromFloat(new nn.LSTM(3, 4, 2, { bidirectional: true }));
    const gru = qnn.GRUCell.fromFloat(new nn.GRUCell(3, 4));
    const x = torch.randn([6, 2, 3]);
    const packed = nn.utils.rnn.packPaddedSequence(x, [6, 4], false, true);
    const run = () => {
      const [out, [h, c]] = lstm.forward(x);
      const [pout, [ph, pc]] = lstm.forward(packed);
      const g = gru(x.select(0, 0));
      for (const t of [out, h, c, pout.data, ph, pc, g]) t.dispose();
    };
    run();
    const before = await settledStorages();
    for (let i = 0; i < 5; i++) run();
    expect(await settledStorages()).toBe(before);
    // Nor for the collector: without a collection in between, the count does not grow.
    const counted = torch.memoryStats().cpu.storages;
    for (let i = 0; i < 5; i++) run();
    expect(torch.memoryStats().cpu.storages).toBeLessThanOrEqual(counted);
  });
});
