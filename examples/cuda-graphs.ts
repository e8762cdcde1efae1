/**
 * PyTorch's "whole network capture" example (CUDA semantics notes, CUDA graphs), ported:
 * the demo's MLP trained with SGD, first eagerly, then with its whole step captured once in
 * a CUDA graph and replayed. Both runs start from the same weights and see the same
 * batches, so they end with the same loss; the replayed run costs one launch per step.
 *
 *   npx tsx examples/cuda-graphs.ts [--steps 200] [--batch 4096]
 *
 * Without a GPU it says why and exits.
 */
import { parseArgs } from 'node:util';
import * as torch from 'flint-torch';

const { nn, optim } = torch;
const F = nn.functional;

const { values } = parseArgs({ options: { steps: { type: 'string', default: '200' }, batch: { type: 'string', default: '4096' } } });
const STEPS = Number(values.steps);
const BATCH = Number(values.batch);

if (!torch.cuda.isAvailable()) {
  console.log(`CUDA graphs need a GPU: ${torch.cuda.unavailableReason()}`);
  process.exit(0);
}

const makeNet = () =>
  new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10)).to('cuda');

// Synthetic batches: inputs in [0, 1), labels from a fixed random linear teacher.
torch.manualSeed(0);
const teacher = torch.randn(784, 10, { device: 'cuda' });
const batches = Array.from({ length: 8 }, () => {
  const x = torch.rand(BATCH, 784, { device: 'cuda' });
  return { x, y: x.matmul(teacher).argmax(1) };
});

torch.manualSeed(1);
const eagerNet = makeNet();
const graphNet = makeNet();
graphNet.loadStateDict(eagerNet.stateDict());

function timed(label: string, steps: number, run: () => number): void {
  torch.cuda.synchronize();
  const start = new torch.cuda.Event({ enableTiming: true });
  const end = new torch.cuda.Event({ enableTiming: true });
  const wall = performance.now();
  start.record();
  const loss = run();
  end.record();
  end.synchronize();
  const ms = start.elapsedTime(end);
  console.log(
    `${label}: ${steps} steps in ${ms.toFixed(1)} ms on the GPU (${(((performance.now() - wall) / steps) * 1000).toFixed(0)} µs of wall time a step), final loss ${loss.toFixed(4)}`,
  );
}

// Eager: the ordinary loop.
const eagerOpt = new optim.SGD(eagerNet.parameters(), { lr: 0.1, momentum: 0.9 });
timed('eager   ', STEPS, () => {
  let loss = torch.zeros(1, { device: 'cuda' });
  for (let step = 0; step < STEPS; step++) {
    const { x, y } = batches[step % batches.length];
    eagerOpt.zeroGrad();
    loss = F.crossEntropy(eagerNet(x), y);
    loss.backward();
    eagerOpt.step();
  }
  return loss.item() as number;
});

// Graphed: warm up on a side stream (PyTorch's idiom; flint's streams share one CUDA
// stream, so this is the same as warming up in place), then capture one whole step.
const graphOpt = new optim.SGD(graphNet.parameters(), { lr: 0.1, momentum: 0.9 });
const staticX = batches[0].x.clone();
const staticY = batches[0].y.clone();
const step = () => {
  const loss = F.crossEntropy(graphNet(staticX), staticY);
  loss.backward();
  graphOpt.step();
  return loss;
};
const side = new torch.cuda.Stream();
side.waitStream(torch.cuda.currentStream());
torch.cuda.stream(side, () => {
  // The eager run's first step, so that both runs take the same steps.
  graphOpt.zeroGrad();
  step();
});
torch.cuda.currentStream().waitStream(side);
// The capture's backward makes the gradients, in the graph's memory; replays rewrite them.
graphOpt.zeroGrad({ setToNone: true });
const g = new torch.cuda.CUDAGraph();
const staticLoss = torch.cuda.graph(g, step);

timed('replayed', STEPS - 1, () => {
  for (let i = 1; i < STEPS; i++) {
    const { x, y } = batches[i % batches.length];
    staticX.copy_(x);
    staticY.copy_(y);
    g.replay();
  }
  return staticLoss.item() as number;
});

let largest = 0;
const eagerParams = eagerNet.parameters();
graphNet.parameters().forEach((p, i) => {
  largest = Math.max(largest, p.sub(eagerParams[i]).abs().max().item() as number);
});
console.log(`largest difference between the two runs' weights: ${largest.toExponential(2)}`);
