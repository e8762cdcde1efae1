/**
 * Training on CUDA follows training on the CPU: the demo MLP (784-256-10) trained for 100
 * SGD steps from the same initial weights on the same synthetic batches has the same loss
 * curve within float32 tolerance and ends with the same weights; inference under noGrad
 * (Sequential's fused Linear+ReLU path) matches as well.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, DEV_NAME, cudaGate, expectMatch, mulberry32, randomTensor, toDev, withoutTF32 } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const { nn, optim } = torch;
const F = nn.functional;

const BATCH = 64;
const BATCHES = 10;
const STEPS = 100;

const makeNet = () => new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));

/** Seeded synthetic data: inputs in [0, 1), labels from a fixed random linear "teacher". */
function dataset(): { X: Tensor; y: Tensor } {
  const rng = mulberry32(2024);
  const X = randomTensor(rng, [BATCH * BATCHES, 784], torch.float32, { lo: 0, hi: 1 });
  const teacher = randomTensor(rng, [784, 10], torch.float32, { lo: -1, hi: 1 });
  const y = X.matmul(teacher).argmax(1);
  return { X, y };
}

/** Trains `net` (already on its device) and returns the loss of every step. */
function train(net: ReturnType<typeof makeNet>, X: Tensor, y: Tensor): number[] {
  const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const b = step % BATCHES;
    const xb = X.narrow(0, b * BATCH, BATCH);
    const yb = y.narrow(0, b * BATCH, BATCH);
    opt.zeroGrad();
    const loss = F.crossEntropy(net(xb), yb);
    loss.backward();
    opt.step();
    losses.push(loss.item() as number);
  }
  return losses;
}

describe.skipIf(!run)(`training the demo MLP on ${DEV} follows the CPU`, () => {
  withoutTF32();

  it(`${STEPS} SGD steps (lr 0.1, batch ${BATCH}): the same loss curve and final weights`, () => {
    const { X, y } = dataset();
    torch.manualSeed(0);
    const cpuNet = makeNet();
    const devNet = makeNet();
    devNet.loadStateDict(cpuNet.stateDict());
    devNet.to(DEV);
    for (const p of devNet.parameters()) expect(String(p.device)).toBe(DEV_NAME);

    const cpuLosses = train(cpuNet, X, y);
    const devLosses = train(devNet, toDev(X), toDev(y));

    expect(devLosses.length).toBe(STEPS);
    const off = devLosses
      .map((l, i) => ({ step: i + 1, dev: l, cpu: cpuLosses[i] }))
      .filter(({ dev, cpu }) => !(Math.abs(dev - cpu) <= 1e-4 * Math.max(1, Math.abs(cpu))));
    expect(off, JSON.stringify(off.slice(0, 5))).toEqual([]);
    // It learned something (the same on both devices).
    const early = cpuLosses.slice(0, BATCHES).reduce((a, b) => a + b) / BATCHES;
    const late = cpuLosses.slice(-BATCHES).reduce((a, b) => a + b) / BATCHES;
    expect(late).toBeLessThan(early);

    const cpuState = cpuNet.stateDict();
    for (const [k, v] of Object.entries(devNet.stateDict())) {
      expect(String(v.device), k).toBe(DEV_NAME);
      expectMatch(v, cpuState[k], { rtol: 1e-3, atol: 1e-3 }, `final ${k}`);
    }
  });

  it('inference under noGrad (fused Linear+ReLU) and with grad enabled matches the CPU', () => {
    const { X } = dataset();
    torch.manualSeed(1);
    const cpuNet = makeNet();
    const devNet = makeNet();
    devNet.loadStateDict(cpuNet.stateDict());
    devNet.to(DEV);
    const x = X.narrow(0, 0, 200);
    const xd = toDev(x);
    const tol = { rtol: 1e-4, atol: 1e-5 };
    const expected = torch.noGrad(() => cpuNet(x));
    const fused = torch.noGrad(() => devNet(xd));
    expect(String(fused.device)).toBe(DEV_NAME);
    expectMatch(fused, expected, tol, 'noGrad forward');
    expectMatch(devNet(xd).detach(), expected, tol, 'forward with grad enabled');
    devNet.eval();
    expectMatch(torch.noGrad(() => devNet(xd)), expected, tol, 'eval-mode forward');
    // A deeper stack: ReLU fused after each Linear, and a Linear without a following ReLU.
    torch.manualSeed(2);
    const deep = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10), new nn.ReLU());
    const deepDev = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10), new nn.ReLU());
    deepDev.loadStateDict(deep.stateDict());
    deepDev.to(DEV);
    expectMatch(torch.noGrad(() => deepDev(xd)), torch.noGrad(() => deep(x)), tol, 'deep noGrad forward');
    // float64 network
    const d64 = makeNet().double();
    const d64Dev = makeNet().double();
    d64Dev.loadStateDict(d64.stateDict());
    d64Dev.to(DEV);
    expectMatch(torch.noGrad(() => d64Dev(toDev(x.double()))), torch.noGrad(() => d64(x.double())), { rtol: 1e-10, atol: 1e-12 }, 'float64 forward');
    // predictions agree
    expect(fused.argmax(1).cpu().tolist()).toEqual(expected.argmax(1).tolist());
  });
});
