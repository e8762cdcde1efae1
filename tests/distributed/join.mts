// Run by tests/distributed.test.ts under flint-run: DistributedDataParallel's join context
// on uneven inputs (rank r has 3 + 2r batches), against one process that applies the
// same rule in float64: at step i the ranks with a batch i left contribute their
// gradients, summed and divided by the world size (or by those ranks, with
// divideByInitialWorldSize: false). Prints "join ok <n>" per rank; a mismatch throws.
import torch from 'flint-torch';
import { checker, maxDiff } from './checks.mts';

const { nn } = torch;
const F = nn.functional;
const dist = torch.distributed;
const { Join } = dist.algorithms;
await dist.initProcessGroup({ backend: 'gloo', timeout: 30_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
torch.setDefaultDtype(torch.float64);

const { check, count } = checker(rank);
const batches = (r: number): number => 3 + 2 * r;
const steps = batches(size - 1);
const makeNet = (): nn.Module => new nn.Sequential(new nn.Linear(5, 8), new nn.Tanh(), new nn.Linear(8, 3));
const B = 4;
torch.manualSeed(321);
const X = torch.randn(size, steps, B, 5);
const Y = torch.randn(size, steps, B, 3);

type Run = { divideByInitialWorldSize: boolean; hook: boolean; findUnusedParameters: boolean; bucketCapMb: number };
const runs: Run[] = [
  { divideByInitialWorldSize: true, hook: false, findUnusedParameters: false, bucketCapMb: 25 },
  { divideByInitialWorldSize: false, hook: false, findUnusedParameters: false, bucketCapMb: 0.0002 },
  { divideByInitialWorldSize: true, hook: true, findUnusedParameters: true, bucketCapMb: 0.0002 },
];
for (const run of runs) {
  torch.manualSeed(0);
  const reference = makeNet();
  const refOpt = new torch.optim.SGD(reference.parameters(), { lr: 0.1 });
  for (let i = 0; i < steps; i++) {
    const active = Array.from({ length: size }, (_, r) => r).filter((r) => i < batches(r));
    const divisor = run.divideByInitialWorldSize ? size : active.length;
    refOpt.zeroGrad();
    for (const r of active) F.mseLoss(reference(X.select(0, r).select(0, i)), Y.select(0, r).select(0, i)).div(divisor).backward();
    refOpt.step();
  }

  torch.manualSeed(0);
  const local = makeNet();
  const ddp = new nn.parallel.DistributedDataParallel(local, { bucketCapMb: run.bucketCapMb, findUnusedParameters: run.findUnusedParameters });
  if (run.hook) ddp.registerCommHook(null, dist.algorithms.ddpCommHooks.defaultHooks.allreduceHook);
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
  let seen = 0;
  ddp.join({ divideByInitialWorldSize: run.divideByInitialWorldSize }, () => {
    for (let i = 0; i < batches(rank); i++) {
      opt.zeroGrad();
      F.mseLoss(ddp(X.select(0, rank).select(0, i)), Y.select(0, rank).select(0, i)).backward();
      opt.step();
      seen++;
    }
  });
  check(seen === batches(rank), 'each rank trains on all of its own batches');
  const diff = maxDiff(local.parameters(), reference.parameters());
  check(diff < 1e-12, `join (${JSON.stringify(run)}) matches the one-process rule: max difference ${diff}`);
  ddp.removeHooks();
}

// Buffers: batch norm's running stats come from the last rank still training, and at the
// end every rank holds the model of the rank that finished last.
{
  torch.manualSeed(5);
  const local = new nn.Sequential(new nn.Linear(5, 6), new nn.BatchNorm1d(6), new nn.Linear(6, 3));
  const ddp = new nn.parallel.DistributedDataParallel(local);
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
  // An async loop: run() waits for it before shadowing the other ranks.
  await new Join([ddp]).run(async () => {
    for (let i = 0; i < batches(rank); i++) {
      opt.zeroGrad();
      F.mseLoss(ddp(X.select(0, rank).select(0, i)), Y.select(0, rank).select(0, i)).backward();
      opt.step();
      await Promise.resolve();
    }
  });
  const states = [...local.parameters(), ...local.buffers()].map((t) => t.detach().clone());
  const last = states.map((t) => t.clone());
  for (const t of last) await dist.broadcast(t, size - 1);
  check(maxDiff(states, last) === 0, 'every rank ends with the last joiner\'s parameters and buffers');
  const tracked = local.buffers().find((b) => b.dtype === torch.int64)!;
  check(Number(tracked.item()) === batches(size - 1), `num_batches_tracked is the last rank's ${batches(size - 1)}, got ${tracked.item()}`);
  ddp.removeHooks();
}

// A joined rank in eval mode still takes part in the buffer broadcasts of the ranks that
// train; PowerSGD's chained all-reduces and the unused-parameter map keep their order; a
// joined rank's gradients, bucket views included, stay as they were when it joined.
{
  torch.manualSeed(9);
  const local = new nn.Sequential(new nn.Linear(5, 6), new nn.BatchNorm1d(6), new nn.Linear(6, 3));
  const unused = new nn.Linear(2, 2); // never called: findUnusedParameters marks it unused
  const holder = new nn.ModuleDict({ local, unused });
  class Wrapper extends nn.Module {
    inner = holder;
    forward(x: torch.Tensor): torch.Tensor {
      return local(x);
    }
  }
  const ddp = new nn.parallel.DistributedDataParallel(new Wrapper(), { findUnusedParameters: true, gradientAsBucketView: true, bucketCapMb: 0.0002 });
  const { PowerSGDState, powerSGDHook } = dist.algorithms.ddpCommHooks.powerSGD;
  ddp.registerCommHook(new PowerSGDState(null, { startPowerSGDIter: 2, matrixApproximationRank: 1 }), powerSGDHook);
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
  let atJoin: torch.Tensor[] = [];
  ddp.join(() => {
    for (let i = 0; i < batches(rank); i++) {
      opt.zeroGrad();
      F.mseLoss(ddp(X.select(0, rank).select(0, i)), Y.select(0, rank).select(0, i)).backward();
      opt.step();
    }
    ddp.eval();
    atJoin = local.parameters().map((p) => p.grad!.clone());
  });
  const after = local.parameters().map((p) => p.grad!);
  check(maxDiff(after, atJoin) === 0, 'a joined rank\'s gradients stay as they were when it joined');
  const states = [...local.parameters(), ...local.buffers()].map((t) => t.detach().clone());
  const last = states.map((t) => t.clone());
  for (const t of last) await dist.broadcast(t, size - 1);
  check(maxDiff(states, last) === 0, 'eval-mode joined ranks, PowerSGD and unused parameters: every rank ends with the last joiner\'s model');
  ddp.removeHooks();
}

// throwOnEarlyTermination: every rank throws once rank 0 runs out.
{
  const ddp = new nn.parallel.DistributedDataParallel(makeNet());
  let message = '';
  try {
    ddp.join({ throwOnEarlyTermination: true }, () => {
      for (let i = 0; i < batches(rank); i++) ddp(X.select(0, rank).select(0, i)).sum().backward();
    });
  } catch (error) {
    message = (error as Error).message;
  }
  const expected = rank === 0 ? 'Rank 0 exhausted all inputs.' : 'Detected at least one rank that exhausted inputs. Throwing across all ranks.';
  check(message === expected, `throwOnEarlyTermination throws "${expected}", got "${message}"`);
  // Outside the context the module trains as before (even inputs).
  ddp(X.select(0, rank).select(0, 0)).sum().backward();
  ddp.removeHooks();
}

// A context that is not enabled is plain DDP.
{
  const ddp = new nn.parallel.DistributedDataParallel(makeNet());
  const value = ddp.join({ enable: false }, () => {
    ddp(X.select(0, rank).select(0, 0)).sum().backward();
    return 7;
  });
  check(value === 7, 'join returns what its function returns');
  let error = '';
  try {
    new Join([]);
  } catch (e) {
    error = (e as Error).message;
  }
  check(error === 'The join context manager requires at least one joinable', `an empty Join is refused, got "${error}"`);
  ddp.removeHooks();
}

console.log(`join ok ${count()}`);
dist.destroyProcessGroup();
