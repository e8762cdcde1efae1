/**
 * pytorch/examples `time_sequence_prediction` (generate_sine_wave.py and train.py), ported line
 * by line. Run: `npx tsx examples/time-sequence-prediction.ts --steps 15`.
 *
 * Two stacked `LSTMCell`s in float64 learn sine waves with `LBFGS`, then predict 1000 values
 * into the future. Changes from the original, each because of what Node is:
 * - generate_sine_wave.py's `np.random.seed(2); np.random.randint(...)` is computed here by
 *   numpy's own algorithm (MT19937 and its masked bounded integers), so no traindata.pt is
 *   needed and the data are numpy's.
 * - matplotlib's predict%d.pdf becomes predict%d.svg, written in `--plot-dir` (default `.`).
 * - `--sequences`, `--length` and `--future` (defaults 100, 1000 and 1000, the original's N, L
 *   and future) let the tests run it small.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from 'flint-torch';

const { nn, optim } = torch;
type Tensor = torch.Tensor;
type Print = (...args: unknown[]) => void;

/**
 * numpy's legacy `RandomState(seed).randint(low, high, size)`: MT19937 seeded by init_genrand,
 * each integer `low + (next32 & mask)`, redrawn while above `high - low - 1`.
 * @example numpyRandint(2, -80, 80, 3) // what np.random.seed(2); np.random.randint(-80, 80, 3) gives
 */
export function numpyRandint(seed: number, low: number, high: number, size: number): number[] {
  const mt = new Uint32Array(624);
  mt[0] = seed >>> 0;
  for (let i = 1; i < 624; i++) {
    const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
    // 1812433253 * prev + i, mod 2^32, without losing bits to float rounding.
    mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
  }
  let index = 624;
  const next32 = (): number => {
    if (index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    let y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  const range = high - low - 1;
  let mask = range;
  for (let shift = 1; shift <= 16; shift *= 2) mask |= mask >>> shift;
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    let v: number;
    do v = next32() & mask;
    while (v > range);
    out.push(low + v);
  }
  return out;
}

/**
 * generate_sine_wave.py: N waves of length L with period 2πT, each shifted by a random offset.
 * @example generateSineWave(100, 1000).shape // [100, 1000], float64
 */
export function generateSineWave(N = 100, L = 1000, T = 20): Tensor {
  const offsets = torch.tensor(numpyRandint(2, -4 * T, 4 * T, N), { dtype: torch.int64 }).reshape(N, 1);
  const x = torch.arange(L, { dtype: torch.int64 }).add(offsets);
  return torch.sin(x.double().div(1.0).div(T));
}

/** train.py's Sequence: two LSTMCells and a linear read-out, stepping one value at a time. @example new Sequence().double() */
export class Sequence extends nn.Module<Tensor> {
  lstm1 = new nn.LSTMCell(1, 51);
  lstm2 = new nn.LSTMCell(51, 51);
  linear = new nn.Linear(51, 1);

  override forward(input: Tensor, future = 0): Tensor {
    const outputs: Tensor[] = [];
    let hT = torch.zeros([input.size(0), 51], { dtype: torch.double });
    let cT = torch.zeros([input.size(0), 51], { dtype: torch.double });
    let hT2 = torch.zeros([input.size(0), 51], { dtype: torch.double });
    let cT2 = torch.zeros([input.size(0), 51], { dtype: torch.double });

    let output!: Tensor;
    for (const inputT of input.split(1, 1)) {
      [hT, cT] = this.lstm1(inputT, [hT, cT]);
      [hT2, cT2] = this.lstm2(hT, [hT2, cT2]);
      output = this.linear(hT2);
      outputs.push(output);
    }
    for (let i = 0; i < future; i++) { // if we should predict the future
      [hT, cT] = this.lstm1(output, [hT, cT]);
      [hT2, cT2] = this.lstm2(hT, [hT2, cT2]);
      output = this.linear(hT2);
      outputs.push(output);
    }
    return torch.cat(outputs, 1);
  }
}

/** Python's repr of a float: the shortest round-trip digits, exponent form below 1e-4. */
function pyFloat(x: number): string {
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** The three test waves, solid where the model read them and dotted where it predicted. */
function plotSvg(y: number[][], inputLength: number, future: number): string {
  const width = 1500;
  const height = 500;
  const total = inputLength + future;
  const px = (i: number): number => (i / (total - 1)) * width;
  const py = (v: number): number => height / 2 - v * (height / 2.5);
  const path = (values: number[], from: number): string =>
    values.map((v, i) => `${i === 0 ? 'M' : 'L'}${px(from + i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
  const curves = y.map((yi, k) => {
    const color = ['red', 'green', 'blue'][k];
    return `<path d="${path(yi.slice(0, inputLength), 0)}" stroke="${color}" fill="none" stroke-width="2"/>` +
      `<path d="${path(yi.slice(inputLength), inputLength)}" stroke="${color}" fill="none" stroke-width="2" stroke-dasharray="4 4"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 40}">` +
    `<text x="10" y="24" font-size="20">Predict future values for time sequences (dashed lines are predicted values)</text>` +
    `<g transform="translate(0,40)">${curves.join('')}</g></svg>\n`;
}

/** train.py's main; `print` receives what it prints. @example main(['--steps', '1']) */
export function main(argv: string[] = process.argv.slice(2), print: Print = console.log): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '15' },
      sequences: { type: 'string', default: '100' },
      length: { type: 'string', default: '1000' },
      future: { type: 'string', default: '1000' },
      'plot-dir': { type: 'string', default: '.' },
    },
  });
  const opt = { steps: Number(values.steps) };
  const data = generateSineWave(Number(values.sequences), Number(values.length));
  // set random seed to 0
  torch.manualSeed(0);
  // load data and make training set
  const L = data.size(1);
  const input = data.index('3:', `:${L - 1}`);
  const target = data.index('3:', '1:');
  const testInput = data.index(':3', `:${L - 1}`);
  const testTarget = data.index(':3', '1:');
  // build the model
  const seq = new Sequence();
  seq.double();
  const criterion = new nn.MSELoss();
  // use LBFGS as optimizer since we can load the whole data to train
  const optimizer = new optim.LBFGS(seq.parameters(), { lr: 0.8 });
  // begin to train
  for (let i = 0; i < opt.steps; i++) {
    print('STEP: ', i);
    const closure = (): Tensor => {
      optimizer.zeroGrad();
      const out = seq(input);
      const loss = criterion(out, target);
      print('loss:', pyFloat(loss.item()));
      loss.backward();
      return loss;
    };
    optimizer.step(closure);
    // begin to predict, no need to track gradient here
    const future = Number(values.future);
    const y = torch.noGrad(() => {
      const pred = seq(testInput, future);
      const loss = criterion(pred.index(':', `:${-future}`), testTarget);
      print('test loss:', pyFloat(loss.item()));
      return pred.detach().tolist() as number[][];
    });
    // draw the result
    mkdirSync(values['plot-dir'], { recursive: true });
    writeFileSync(join(values['plot-dir'], `predict${i}.svg`), plotSvg(y, input.size(1), future));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
