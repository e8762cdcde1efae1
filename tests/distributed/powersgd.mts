// Run by tests/distributed.test.ts under flint-run with 2 ranks: DDP with the PowerSGD
// communication hook against PyTorch 1.13's, from tests/fixtures/powersgd.json
// (scripts/make_powersgd_fixtures.py): the same data, initial parameters and PowerSGD
// settings, and the parameters every rank holds after the steps. Prints "powersgd ok <n>".
import { readFileSync } from 'node:fs';
import torch from 'flint-torch';

const { nn } = torch;
const F = nn.functional;
const dist = torch.distributed;
const { PowerSGDState, powerSGDHook } = dist.algorithms.ddpCommHooks.powerSGD;

interface Case {
  matrixApproximationRank: number;
  startPowerSGDIter: number;
  useErrorFeedback: boolean;
  warmStart: boolean;
  orthogonalizationEpsilon: number;
  randomSeed: number;
  bucketCapMb: number;
  batchTensorsWithSameShape: boolean;
  model: 'a' | 'b';
  final: number[][];
  stats: [number, number, number];
  iter: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/powersgd.json', import.meta.url), 'utf8')) as {
  steps: number;
  batch: number;
  worldSize: number;
  initial: Record<string, number[][]>;
  shapes: Record<string, number[][]>;
  x: number[];
  y: number[];
  cases: Case[];
};

await dist.initProcessGroup({ backend: 'gloo', timeout: 30_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
if (size !== fixture.worldSize) throw new Error(`the fixture is for ${fixture.worldSize} ranks, not ${size}`);
torch.setDefaultDtype(torch.float64);
let checks = 0;
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`rank ${rank}: ${what}`);
  checks++;
}

const { steps, batch: B } = fixture;
const X = torch.tensor(fixture.x).view(steps, size * B, 24);
const Y = torch.tensor(fixture.y).view(steps, size * B, 4);
const makeNet = (model: 'a' | 'b'): nn.Module =>
  model === 'b'
    ? new nn.Sequential(new nn.Linear(24, 20), new nn.Tanh(), new nn.Linear(20, 20), new nn.Tanh(), new nn.Linear(20, 20), new nn.Tanh(), new nn.Linear(20, 4))
    : new nn.Sequential(new nn.Linear(24, 20), new nn.Tanh(), new nn.Linear(20, 16), new nn.Tanh(), new nn.Linear(16, 4));

for (const c of fixture.cases) {
  const net = makeNet(c.model);
  torch.noGrad(() => net.parameters().forEach((p, i) => p.copy_(torch.tensor(fixture.initial[c.model][i]).view(fixture.shapes[c.model][i]))));
  const ddp = new nn.parallel.DistributedDataParallel(net, { bucketCapMb: c.bucketCapMb });
  const state = new PowerSGDState(null, {
    matrixApproximationRank: c.matrixApproximationRank,
    startPowerSGDIter: c.startPowerSGDIter,
    useErrorFeedback: c.useErrorFeedback,
    warmStart: c.warmStart,
    orthogonalizationEpsilon: c.orthogonalizationEpsilon,
    randomSeed: c.randomSeed,
    batchTensorsWithSameShape: c.batchTensorsWithSameShape,
  });
  ddp.registerCommHook(state, powerSGDHook);
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const x = X.select(0, step).narrow(0, rank * B, B);
    const y = Y.select(0, step).narrow(0, rank * B, B);
    F.mseLoss(ddp(x), y).backward();
    opt.step();
  }
  const label = JSON.stringify({ ...c, final: undefined, stats: undefined });
  const diff = Math.max(...net.parameters().map((p, i) => p.detach().reshape(-1).sub(torch.tensor(c.final[i])).abs().max().item() as number));
  check(diff < 1e-10, `PowerSGD ${label} matches PyTorch 1.13: max difference ${diff}`);
  check(state.iter === c.iter, `iter ${state.iter}, PyTorch ${c.iter}`);
  const stats = state.compressionStats();
  check(stats[1] === c.stats[1] && stats[2] === c.stats[2], `compression stats ${stats}, PyTorch ${c.stats}`);
  state.dispose();
  ddp.removeHooks();
}

let error = '';
try {
  new PowerSGDState(null, { startPowerSGDIter: 1 });
} catch (e) {
  error = (e as Error).message;
}
check(error.startsWith('Expect `start_powerSGD_iter` > 1'), `startPowerSGDIter 1 with warm start is refused, got "${error}"`);

console.log(`powersgd ok ${checks}`);
dist.destroyProcessGroup();
