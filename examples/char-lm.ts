/**
 * A small causal Transformer language model over characters, trained on text that ships with
 * flint (examples/data/project-docs: flint's own docs), then sampled with `multinomial`.
 * Run: `npx tsx examples/char-lm.ts [--steps 600 --batch-size 32 --context 64 --seed 0]`.
 *
 * What it shows: token and position embeddings, a `TransformerEncoder` under a causal mask
 * (`nn.Transformer.generateSquareSubsequentMask` with `isCausal`), `AdamW` with gradient
 * clipping, and sampling. It prints the training loss against the unigram entropy of the
 * text (the loss of a model that knows only character frequencies), the validation loss,
 * and a sample.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as torch from 'flint-torch';

const { nn } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;

/** The default corpus: examples/data/project-docs/{train,valid}.txt. */
export const CORPUS_DIR = new URL('./data/project-docs/', import.meta.url);

/**
 * A character vocabulary: every character of the training text, in sorted order.
 * @example const v = new Vocabulary('hello'); v.encode('he') // [1, 0]
 */
export class Vocabulary {
  readonly chars: string[];
  private readonly ids = new Map<string, number>();

  constructor(text: string) {
    this.chars = [...new Set(text)].sort();
    this.chars.forEach((c, i) => this.ids.set(c, i));
  }

  get size(): number {
    return this.chars.length;
  }

  /** Character ids; characters the training text never had map to the space's id (or 0). */
  encode(text: string): number[] {
    const fallback = this.ids.get(' ') ?? 0;
    return [...text].map((c) => this.ids.get(c) ?? fallback);
  }

  decode(ids: number[]): string {
    return ids.map((i) => this.chars[i]).join('');
  }
}

/** The model's sizes. */
export interface CharLMOptions {
  dModel?: number;
  nhead?: number;
  numLayers?: number;
  context?: number;
  dropout?: number;
}

/**
 * Embeddings, a pre-norm causal TransformerEncoder, a final LayerNorm and a linear head.
 * @example const lm = new CharLM(96); lm(torch.randint(0, 96, [2, 16])).shape // [2, 16, 96]
 */
export class CharLM extends nn.Module<Tensor> {
  readonly context: number;
  tokEmb: torch.nn.Embedding;
  posEmb: torch.nn.Embedding;
  encoder: torch.nn.TransformerEncoder;
  norm: torch.nn.LayerNorm;
  head: torch.nn.Linear;

  constructor(vocabSize: number, options: CharLMOptions = {}) {
    super();
    const { dModel = 64, nhead = 4, numLayers = 2, context = 64, dropout = 0.1 } = options;
    this.context = context;
    this.tokEmb = new nn.Embedding(vocabSize, dModel);
    this.posEmb = new nn.Embedding(context, dModel);
    const layer = new nn.TransformerEncoderLayer(dModel, nhead, {
      dimFeedforward: 4 * dModel, dropout, batchFirst: true, normFirst: true, activation: 'gelu',
    });
    this.encoder = new nn.TransformerEncoder(layer, numLayers, { enableNestedTensor: false });
    this.norm = new nn.LayerNorm(dModel);
    this.head = new nn.Linear(dModel, vocabSize);
  }

  override forward(idx: Tensor): Tensor {
    const T = idx.shape[1];
    const positions = torch.arange(T, { device: idx.device });
    const x = this.tokEmb(idx).add(this.posEmb(positions));
    const mask = nn.Transformer.generateSquareSubsequentMask(T, { device: idx.device });
    const h = this.encoder(x, { mask, isCausal: true });
    return this.head(this.norm(h));
  }
}

/** The unigram entropy of ids, in nats: the loss of predicting from character frequencies alone. */
export function unigramEntropy(ids: number[], vocabSize: number): number {
  const counts = new Array<number>(vocabSize).fill(0);
  for (const i of ids) counts[i]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / ids.length) * Math.log(c / ids.length);
  return h;
}

/** `batch` random windows of `context + 1` characters: inputs and their next characters. */
function randomWindows(data: Tensor, batch: number, context: number): [Tensor, Tensor] {
  const starts = torch.randint(0, data.shape[0] - context - 1, [batch, 1]);
  const offsets = torch.arange(context + 1).unsqueeze(0);
  const windows = data.index(starts.add(offsets));
  return [windows.narrow(1, 0, context), windows.narrow(1, 1, context)];
}

/** The mean loss over consecutive windows of the text (no dropout, no gradient). */
function evaluate(model: CharLM, data: Tensor): number {
  model.eval();
  const T = model.context;
  const n = Math.floor((data.shape[0] - 1) / T);
  const x = data.narrow(0, 0, n * T).view(n, T);
  const y = data.narrow(0, 1, n * T).view(n, T);
  const loss = torch.noGrad(() => F.crossEntropy(model(x).reshape(-1, model.head.outFeatures), y.reshape(-1)).item());
  model.train();
  return loss;
}

/**
 * Draws `length` characters after `prompt`, one at a time, from the softmax of the last
 * position's logits divided by `temperature`.
 * @example sample(model, vocab, 'The ', 100)
 */
export function sample(model: CharLM, vocab: Vocabulary, prompt: string, length: number, temperature = 0.8): string {
  model.eval();
  const ids = vocab.encode(prompt);
  torch.noGrad(() => {
    for (let i = 0; i < length; i++) {
      torch.tidy(() => {
        const window = torch.tensor([ids.slice(-model.context)], { dtype: torch.int64 });
        const logits = model(window).select(1, -1).div(temperature);
        const next = torch.multinomial(F.softmax(logits, { dim: -1 }), 1);
        ids.push(next.item());
      });
    }
  });
  model.train();
  return vocab.decode(ids);
}

/** What a run measured. */
export interface CharLMResult {
  unigramEntropy: number;
  trainLosses: number[];
  validLoss: number;
  sample: string;
}

/** Trains and samples; `print` receives what it prints. @example await main(['--steps', '100']) */
export async function main(argv: string[] = process.argv.slice(2), print: (...args: unknown[]) => void = console.log): Promise<CharLMResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '600' },
      'batch-size': { type: 'string', default: '32' },
      context: { type: 'string', default: '64' },
      lr: { type: 'string', default: '3e-3' },
      seed: { type: 'string', default: '0' },
      'log-interval': { type: 'string', default: '50' },
      'sample-length': { type: 'string', default: '300' },
    },
  });
  const steps = Number(values.steps);
  const batchSize = Number(values['batch-size']);
  const context = Number(values.context);
  const logInterval = Number(values['log-interval']);
  torch.manualSeed(Number(values.seed));

  const trainText = readFileSync(new URL('train.txt', CORPUS_DIR), 'utf8');
  const validText = readFileSync(new URL('valid.txt', CORPUS_DIR), 'utf8');
  const vocab = new Vocabulary(trainText);
  const trainIds = vocab.encode(trainText);
  const trainData = torch.tensor(trainIds, { dtype: torch.int64 });
  const validData = torch.tensor(vocab.encode(validText), { dtype: torch.int64 });
  const entropy = unigramEntropy(trainIds, vocab.size);
  print(`${trainIds.length} training characters, ${vocab.size} distinct; unigram entropy ${entropy.toFixed(3)} nats`);

  const model = new CharLM(vocab.size, { context });
  const optimizer = new torch.optim.AdamW(model.parameters(), { lr: Number(values.lr), weightDecay: 0.01 });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, { TMax: steps });
  const trainLosses: number[] = [];
  let running = 0;
  for (let step = 1; step <= steps; step++) {
    torch.tidy(() => {
      const [x, y] = randomWindows(trainData, batchSize, context);
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model(x).reshape(-1, vocab.size), y.reshape(-1));
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1.0);
      optimizer.step();
      scheduler.step();
      running += loss.item();
    });
    if (step % logInterval === 0 || step === steps) {
      const n = step % logInterval === 0 ? logInterval : step % logInterval;
      trainLosses.push(running / n);
      print(`step ${String(step).padStart(5)} | train loss ${(running / n).toFixed(3)} | ${((running / n / entropy) * 100).toFixed(0)}% of the unigram entropy`);
      running = 0;
    }
  }
  const validLoss = evaluate(model, validData);
  print(`valid loss ${validLoss.toFixed(3)} nats (unigram entropy ${entropy.toFixed(3)})`);
  const text = sample(model, vocab, 'flint ', Number(values['sample-length']));
  print(`sample:\n${text}`);
  return { unigramEntropy: entropy, trainLosses, validLoss, sample: text };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
