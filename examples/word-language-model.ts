/**
 * pytorch/examples `word_language_model` (data.py, model.py and main.py), ported line by line.
 * Run: `npx tsx examples/word-language-model.ts --model LSTM --epochs 6`, with main.py's flags
 * (`--model RNN_TANH|RNN_RELU|LSTM|GRU|Transformer`, `--emsize`, `--nhid`, `--nlayers`, `--lr`,
 * `--clip`, `--epochs`, `--batch_size`, `--bptt`, `--dropout`, `--tied`, `--seed`,
 * `--log-interval`, `--save`, `--nhead`, `--dry-run`, `--accel`, `--use-optimizer`).
 *
 * Changes from the original, each because of what Node is or what ships here:
 * - `--data` defaults to examples/data/project-docs, a small corpus of flint's own docs in
 *   wikitext-2's three-file layout, because nothing is downloaded here.
 * - `torch.save(model)` pickles the module object; flint saves and loads the state dict
 *   (the same file a PyTorch `model.state_dict()` would give), and ONNX export is left out.
 * - `main(argv, print)` returns the test loss, so that tests can run it in-process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from 'flint-torch';

const { nn } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;
type Hidden = Tensor | [Tensor, Tensor];
type Print = (...args: unknown[]) => void;

// ---------------------------------------------------------------------------------------
// data.py
// ---------------------------------------------------------------------------------------

/** data.py's Dictionary. @example const d = new Dictionary(); d.addWord('the') // 0 */
export class Dictionary {
  word2idx = new Map<string, number>();
  idx2word: string[] = [];

  addWord(word: string): number {
    if (!this.word2idx.has(word)) {
      this.idx2word.push(word);
      this.word2idx.set(word, this.idx2word.length - 1);
    }
    return this.word2idx.get(word)!;
  }

  get length(): number {
    return this.idx2word.length;
  }
}

/** data.py's Corpus: train/valid/test.txt tokenized by whitespace, `<eos>` at each line end. @example new Corpus(dir).train.shape */
export class Corpus {
  dictionary = new Dictionary();
  train: Tensor;
  valid: Tensor;
  test: Tensor;

  constructor(path: string) {
    this.train = this.tokenize(join(path, 'train.txt'));
    this.valid = this.tokenize(join(path, 'valid.txt'));
    this.test = this.tokenize(join(path, 'test.txt'));
  }

  /** Tokenizes a text file. */
  tokenize(path: string): Tensor {
    if (!existsSync(path)) throw new Error(`AssertionError: ${path} does not exist`);
    // Python's str.split() and file iteration: lines keep no '\n', words split on whitespace.
    const lines = readFileSync(path, 'utf8').split(/(?<=\n)/);
    for (const line of lines) {
      const words = [...splitWords(line), '<eos>'];
      for (const word of words) this.dictionary.addWord(word);
    }
    const ids: number[] = [];
    for (const line of lines) {
      for (const word of [...splitWords(line), '<eos>']) ids.push(this.dictionary.word2idx.get(word)!);
    }
    return torch.tensor(ids, { dtype: torch.int64 });
  }
}

function splitWords(line: string): string[] {
  return line.split(/\s+/).filter((w) => w.length > 0);
}

// ---------------------------------------------------------------------------------------
// model.py
// ---------------------------------------------------------------------------------------

/** model.py's RNNModel: an encoder, a recurrent module, and a decoder. @example new RNNModel('LSTM', 100, 16, 16, 2) */
export class RNNModel extends nn.Module<[Tensor, Hidden]> {
  ntoken: number;
  drop: torch.nn.Dropout;
  encoder: torch.nn.Embedding;
  rnn: torch.nn.LSTM | torch.nn.GRU | torch.nn.RNN;
  decoder: torch.nn.Linear;
  rnnType: string;
  nhid: number;
  nlayers: number;

  constructor(rnnType: string, ntoken: number, ninp: number, nhid: number, nlayers: number, dropout = 0.5, tieWeights = false) {
    super();
    this.ntoken = ntoken;
    this.drop = new nn.Dropout(dropout);
    this.encoder = new nn.Embedding(ntoken, ninp);
    if (rnnType === 'LSTM' || rnnType === 'GRU') {
      this.rnn = rnnType === 'LSTM' ? new nn.LSTM(ninp, nhid, nlayers, { dropout }) : new nn.GRU(ninp, nhid, nlayers, { dropout });
    } else {
      const nonlinearity = ({ RNN_TANH: 'tanh', RNN_RELU: 'relu' } as Record<string, 'tanh' | 'relu'>)[rnnType];
      if (nonlinearity === undefined) {
        throw new Error(`An invalid option for \`--model\` was supplied,
                                 options are ['LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU']`);
      }
      this.rnn = new nn.RNN(ninp, nhid, nlayers, { nonlinearity, dropout });
    }
    this.decoder = new nn.Linear(nhid, ntoken);

    // Optionally tie weights as in "Using the Output Embedding to Improve Language Models"
    // (Press & Wolf 2016) and "Tying Word Vectors and Word Classifiers" (Inan et al. 2016).
    if (tieWeights) {
      if (nhid !== ninp) throw new Error('When using the tied flag, nhid must be equal to emsize');
      this.decoder.weight = this.encoder.weight;
    }

    this.initWeights();

    this.rnnType = rnnType;
    this.nhid = nhid;
    this.nlayers = nlayers;
  }

  initWeights(): void {
    const initrange = 0.1;
    nn.init.uniform_(this.encoder.weight, -initrange, initrange);
    nn.init.zeros_(this.decoder.bias!);
    nn.init.uniform_(this.decoder.weight, -initrange, initrange);
  }

  override forward(input: Tensor, hidden: Hidden): [Tensor, Hidden] {
    const emb = this.drop(this.encoder(input));
    const [rnnOutput, newHidden] = this.rnn(emb, hidden as never) as [Tensor, Hidden];
    const output = this.drop(rnnOutput);
    let decoded = this.decoder(output);
    decoded = decoded.view(-1, this.ntoken);
    return [F.logSoftmax(decoded, { dim: 1 }), newHidden];
  }

  initHidden(bsz: number): Hidden {
    const weight = this.parameters()[0];
    if (this.rnnType === 'LSTM') return [weight.newZeros([this.nlayers, bsz, this.nhid]), weight.newZeros([this.nlayers, bsz, this.nhid])];
    return weight.newZeros([this.nlayers, bsz, this.nhid]);
  }
}

/**
 * model.py's PositionalEncoding: sines and cosines of the position at geometric frequencies,
 * added to [seq, batch, embed] inputs, then dropout.
 * @example new PositionalEncoding(16)(torch.zeros(5, 2, 16)).shape // [5, 2, 16]
 */
export class PositionalEncoding extends nn.Module<Tensor> {
  dropout: torch.nn.Dropout;
  declare pe: Tensor;

  constructor(dModel: number, dropout = 0.1, maxLen = 5000) {
    super();
    this.dropout = new nn.Dropout(dropout);

    let pe = torch.zeros(maxLen, dModel);
    const position = torch.arange(0, maxLen, { dtype: torch.float }).unsqueeze(1);
    const divTerm = torch.exp(torch.arange(0, dModel, 2).float().mul(-Math.log(10000.0) / dModel));
    pe.indexPut_([':', '0::2'], torch.sin(position.mul(divTerm)));
    pe.indexPut_([':', '1::2'], torch.cos(position.mul(divTerm)));
    pe = pe.unsqueeze(0).transpose(0, 1);
    this.registerBuffer('pe', pe);
  }

  override forward(x: Tensor): Tensor {
    x = x.add(this.pe.index(`:${x.size(0)}`, ':'));
    return this.dropout(x);
  }
}

/** model.py's TransformerModel: an nn.Transformer whose encoder alone runs, under a causal mask. @example new TransformerModel(100, 16, 2, 32, 2) */
export class TransformerModel extends nn.Transformer {
  modelType = 'Transformer';
  srcMask: Tensor | null = null;
  posEncoder: PositionalEncoding;
  inputEmb: torch.nn.Embedding;
  ninp: number;

  constructor(ntoken: number, ninp: number, nhead: number, nhid: number, nlayers: number, dropout = 0.5) {
    super({ dModel: ninp, nhead, dimFeedforward: nhid, numEncoderLayers: nlayers });
    this.posEncoder = new PositionalEncoding(ninp, dropout);

    this.inputEmb = new nn.Embedding(ntoken, ninp);
    this.ninp = ninp;
    // model.py replaces nn.Transformer's decoder stack with the output projection, under
    // the same name (and so at the same place in the state dict).
    this.registerModule('decoder', new nn.Linear(ninp, ntoken));

    this.initWeights();
  }

  /** The output projection, registered as `decoder`. */
  get outputLayer(): torch.nn.Linear {
    return this.getSubmodule('decoder') as torch.nn.Linear;
  }

  generateSquareSubsequentMaskLog(sz: number): Tensor {
    return torch.log(torch.tril(torch.ones(sz, sz)));
  }

  initWeights(): void {
    const initrange = 0.1;
    nn.init.uniform_(this.inputEmb.weight, -initrange, initrange);
    nn.init.zeros_(this.outputLayer.bias!);
    nn.init.uniform_(this.outputLayer.weight, -initrange, initrange);
  }

  override forward(src: Tensor, hasMask: unknown = true): Tensor {
    if (hasMask === true) {
      const device = src.device;
      if (this.srcMask === null || this.srcMask.size(0) !== src.size(0)) {
        const mask = this.generateSquareSubsequentMaskLog(src.size(0)).to(device);
        this.srcMask = mask;
      }
    } else {
      this.srcMask = null;
    }

    src = this.inputEmb(src).mul(Math.sqrt(this.ninp));
    src = this.posEncoder(src);
    let output = this.encoder(src, { mask: this.srcMask ?? undefined });
    output = this.outputLayer(output);
    return F.logSoftmax(output, { dim: -1 });
  }
}

// ---------------------------------------------------------------------------------------
// main.py
// ---------------------------------------------------------------------------------------

/** Python's `'{:Nd}'` and `'{:N.Mf}'`. */
const d = (n: number, width: number): string => String(n).padStart(width);
const f = (x: number, width: number, digits: number): string => x.toFixed(digits).padStart(width);

/** main.py; `print` receives what it prints. Returns the final test loss. @example await main(['--epochs', '1', '--dry-run']) */
export async function main(argv: string[] = process.argv.slice(2), print: Print = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: fileURLToPath(new URL('./data/project-docs', import.meta.url)) },
      model: { type: 'string', default: 'LSTM' },
      emsize: { type: 'string', default: '200' },
      nhid: { type: 'string', default: '200' },
      nlayers: { type: 'string', default: '2' },
      lr: { type: 'string', default: '20' },
      clip: { type: 'string', default: '0.25' },
      epochs: { type: 'string', default: '40' },
      batch_size: { type: 'string', default: '20' },
      bptt: { type: 'string', default: '35' },
      dropout: { type: 'string', default: '0.2' },
      tied: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1111' },
      'log-interval': { type: 'string', default: '200' },
      save: { type: 'string', default: 'model.pt' },
      nhead: { type: 'string', default: '2' },
      'dry-run': { type: 'boolean', default: false },
      accel: { type: 'boolean', default: false },
      'use-optimizer': { type: 'boolean', default: false },
    },
  });
  const args = {
    data: values.data, model: values.model, emsize: Number(values.emsize), nhid: Number(values.nhid),
    nlayers: Number(values.nlayers), lr: Number(values.lr), clip: Number(values.clip), epochs: Number(values.epochs),
    batchSize: Number(values.batch_size), bptt: Number(values.bptt), dropout: Number(values.dropout), tied: values.tied,
    seed: Number(values.seed), logInterval: Number(values['log-interval']), save: values.save, nhead: Number(values.nhead),
    dryRun: values['dry-run'], accel: values.accel, useOptimizer: values['use-optimizer'],
  };

  // Set the random seed manually for reproducibility.
  torch.manualSeed(args.seed);

  const device = args.accel && torch.accelerator.isAvailable() ? torch.accelerator.currentAccelerator()! : torch.device('cpu');

  print('Using device:', device.toString());

  // Load data
  const corpus = new Corpus(args.data);

  // batchify arranges the dataset into columns, each an independent stream: the model
  // cannot learn dependencies across columns, but batches process efficiently.
  const batchify = (data: Tensor, bsz: number): Tensor => {
    // Work out how cleanly we can divide the dataset into bsz parts.
    const nbatch = Math.floor(data.size(0) / bsz);
    // Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz);
    // Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous();
    return data.to(device);
  };

  const evalBatchSize = 10;
  const trainData = batchify(corpus.train, args.batchSize);
  const valData = batchify(corpus.valid, evalBatchSize);
  const testData = batchify(corpus.test, evalBatchSize);

  // Build the model
  const ntokens = corpus.dictionary.length;
  const buildModel = (): RNNModel | TransformerModel =>
    args.model === 'Transformer'
      ? new TransformerModel(ntokens, args.emsize, args.nhead, args.nhid, args.nlayers, args.dropout).to(device)
      : new RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied).to(device);
  let model = buildModel();

  const criterion = new nn.NLLLoss();
  const optimizer = args.useOptimizer ? new torch.optim.AdamW(model.parameters(), { lr: args.lr }) : null;

  // Training code

  /** Wraps hidden states in new Tensors, to detach them from their history. */
  const repackageHidden = (h: Hidden): Hidden => (h instanceof torch.Tensor ? h.detach() : [h[0].detach(), h[1].detach()]);

  // getBatch subdivides the source data into chunks of length args.bptt, along the
  // sequence dimension (dim 0; batchify already split the batch dimension).
  const getBatch = (source: Tensor, i: number): [Tensor, Tensor] => {
    const seqLen = Math.min(args.bptt, source.size(0) - 1 - i);
    const data = source.narrow(0, i, seqLen);
    const target = source.narrow(0, i + 1, seqLen).reshape(-1);
    return [data, target];
  };

  const evaluate = (dataSource: Tensor): number => {
    // Turn on evaluation mode which disables dropout.
    model.eval();
    let totalLoss = 0;
    const ntokens = corpus.dictionary.length;
    let hidden: Hidden | null = model instanceof RNNModel ? model.initHidden(evalBatchSize) : null;
    torch.noGrad(() => {
      for (let i = 0; i < dataSource.size(0) - 1; i += args.bptt) {
        const [data, targets] = getBatch(dataSource, i);
        let output: Tensor;
        if (model instanceof TransformerModel) {
          output = model(data);
          output = output.view(-1, ntokens);
        } else {
          [output, hidden] = model(data, hidden!);
          hidden = repackageHidden(hidden);
        }
        totalLoss += data.size(0) * criterion(output, targets).item();
      }
    });
    return totalLoss / (dataSource.size(0) - 1);
  };

  let lr = args.lr;
  let epoch = 0;
  const train = (): void => {
    // Turn on training mode which enables dropout.
    model.train();
    let totalLoss = 0;
    let startTime = performance.now();
    const ntokens = corpus.dictionary.length;
    let hidden: Hidden | null = model instanceof RNNModel ? model.initHidden(args.batchSize) : null;
    for (let batch = 0, i = 0; i < trainData.size(0) - 1; batch++, i += args.bptt) {
      const [data, targets] = getBatch(trainData, i);
      // Starting each batch, we detach the hidden state from how it was previously produced.
      // If we didn't, the model would try backpropagating all the way to start of the dataset.
      if (optimizer) optimizer.zeroGrad();
      else model.zeroGrad();
      let output: Tensor;
      if (model instanceof TransformerModel) {
        output = model(data);
        output = output.view(-1, ntokens);
      } else {
        hidden = repackageHidden(hidden!);
        [output, hidden] = model(data, hidden);
      }
      const loss = criterion(output, targets);
      loss.backward();

      // `clipGradNorm_` helps prevent the exploding gradient problem in RNNs / LSTMs.
      nn.utils.clipGradNorm_(model.parameters(), args.clip);
      if (optimizer) {
        optimizer.step();
      } else {
        torch.noGrad(() => {
          for (const p of model.parameters()) p.data.add_(p.grad!, { alpha: -lr });
        });
      }

      totalLoss += loss.item();

      if (batch % args.logInterval === 0 && batch > 0) {
        const curLoss = totalLoss / args.logInterval;
        const elapsed = (performance.now() - startTime) / 1000;
        print(
          `| epoch ${d(epoch, 3)} | ${d(batch, 5)}/${d(Math.floor(trainData.size(0) / args.bptt), 5)} batches | ` +
            `lr ${lr.toFixed(2).padStart(2, '0')} | ms/batch ${f((elapsed * 1000) / args.logInterval, 5, 2)} | ` +
            `loss ${f(curLoss, 5, 2)} | ppl ${f(Math.exp(curLoss), 8, 2)}`,
        );
        totalLoss = 0;
        startTime = performance.now();
      }
      if (args.dryRun) break;
    }
  };

  // Loop over epochs.
  let bestValLoss: number | null = null;
  for (epoch = 1; epoch <= args.epochs; epoch++) {
    const epochStartTime = performance.now();
    train();
    const valLoss = evaluate(valData);
    print('-'.repeat(89));
    print(
      `| end of epoch ${d(epoch, 3)} | time: ${f((performance.now() - epochStartTime) / 1000, 5, 2)}s | ` +
        `valid loss ${f(valLoss, 5, 2)} | valid ppl ${f(Math.exp(valLoss), 8, 2)}`,
    );
    print('-'.repeat(89));
    // Save the model if the validation loss is the best we've seen so far.
    if (bestValLoss === null || valLoss < bestValLoss) {
      await torch.save(model.stateDict(), args.save);
      bestValLoss = valLoss;
    } else {
      // Anneal the learning rate if no improvement has been seen in the validation dataset.
      lr /= 4.0;
    }
  }

  // Load the best saved model.
  model = buildModel();
  model.loadStateDict(await torch.load(args.save));
  if (model instanceof RNNModel) model.rnn.flattenParameters();

  // Run on test data.
  const testLoss = evaluate(testData);
  print('='.repeat(89));
  print(`| End of training | test loss ${f(testLoss, 5, 2)} | test ppl ${f(Math.exp(testLoss), 8, 2)}`);
  print('='.repeat(89));
  return testLoss;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
