// Run by tests/distributed-sync-batchnorm.test.ts under flint-run: nn.SyncBatchNorm over gloo
// against one process's BatchNorm on the global batch, in float64. Each rank holds its own
// slice of the global batch (of unequal sizes, one of them empty in some layouts). Prints
// "syncbn ok <n>" per rank; a mismatch throws, and the rank exits non-zero.
import torch from 'flint-torch';
import { checker, maxDiff } from './checks.mts';

const { nn } = torch;
const dist = torch.distributed;
await dist.initProcessGroup({ backend: 'gloo', timeout: 30_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
torch.setDefaultDtype(torch.float64);
const { check, count } = checker(rank);
const TOL = 1e-12;

/** Where rank `r`'s slice of a global batch starts, the slices having these sizes. */
const startOf = (sizes: number[], r: number): number => sizes.slice(0, r).reduce((a, b) => a + b, 0);
/** This rank's slice of the global batch: its first row, its size, and the global size. */
const layout = (sizes: number[]) => ({ start: startOf(sizes, rank), n: sizes[rank], total: startOf(sizes, sizes.length) });

/** Whether `a` equals `b` within TOL (two empty tensors of the same shape are equal). */
function close(a: torch.Tensor, b: torch.Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  return a.numel() === 0 || maxDiff([a], [b]) < TOL;
}

/** The sum over the ranks of a local gradient (none, on a rank whose batch was empty, counts as zeros). */
function summed(grad: torch.Tensor | null, like: torch.Tensor): torch.Tensor {
  const t = grad === null ? torch.zerosLike(like) : grad.clone();
  dist.allReduce(t).wait();
  return t;
}

// Bare layers: forward, running statistics after each step, and the gradients of
// (out * G).sum() with respect to the input, weight and bias.
const layouts: number[][] = size === 2 ? [[3, 5], [0, 6]] : [[2, 3, 1, 4], [3, 0, 5, 1]];
const shapes: { tail: number[]; make: () => torch.nn.BatchNorm1d | torch.nn.BatchNorm2d | torch.nn.BatchNorm3d }[] = [
  { tail: [4, 3], make: () => new nn.BatchNorm2d(3) },
  { tail: [], make: () => new nn.BatchNorm1d(3, { momentum: null }) },
  { tail: [2, 2, 2], make: () => new nn.BatchNorm3d(3, { eps: 1e-3 }) },
];
for (const sizes of layouts) {
  const { start, n, total } = layout(sizes);
  for (const { tail, make } of shapes) {
    torch.manualSeed(11);
    const reference = make();
    reference.weight!.data.uniform_(0.5, 1.5);
    reference.bias!.data.normal_();
    const sync = nn.SyncBatchNorm.convertSyncBatchnorm(make()) as torch.nn.SyncBatchNorm;
    sync.loadStateDict(reference.stateDict());
    const what = `sizes ${sizes}, input (N, 3${tail.map((d) => `, ${d}`).join('')}), momentum ${reference.momentum}`;
    for (let step = 0; step < 3; step++) {
      const X = torch.randn([total, 3, ...tail]).mul(2).add(step);
      const G = torch.randn([total, 3, ...tail]);
      const xr = X.clone().requiresGrad_();
      const yr = reference(xr);
      yr.mul(G).sum().backward();
      const x = X.narrow(0, start, n).clone().requiresGrad_();
      const y = sync(x);
      check(y.gradFn?.name === 'SyncBatchNormBackward', `grad_fn ${y.gradFn?.name}`);
      y.mul(G.narrow(0, start, n)).sum().backward();
      check(close(y, yr.narrow(0, start, n)), `${what}, step ${step}: the output`);
      // 1.13 gives no input gradient on a rank whose batch is empty.
      check(n === 0 ? x.grad === null : close(x.grad!, xr.grad!.narrow(0, start, n)), `${what}, step ${step}: the input gradient`);
      const [gw, gb] = [summed(sync.weight!.grad, sync.weight!), summed(sync.bias!.grad, sync.bias!)];
      check(maxDiff([gw, gb], [reference.weight!.grad!, reference.bias!.grad!]) < TOL, `${what}, step ${step}: the weight and bias gradients summed over the ranks`);
      const stats = maxDiff([sync.running_mean!, sync.running_var!], [reference.running_mean!, reference.running_var!]);
      check(stats < TOL, `${what}, step ${step}: the running statistics (${stats})`);
      check(sync.num_batches_tracked!.item() === step + 1, 'the counter');
      sync.zeroGrad();
      reference.zeroGrad();
    }
    // eval: the running statistics, no synchronization.
    sync.eval();
    reference.eval();
    const X = torch.randn([total, 3, ...tail]);
    check(close(sync(X.narrow(0, start, n)), reference(X).narrow(0, start, n)), `${what}: eval`);
  }
}

// A group of some ranks: its members share statistics, a rank outside it and a group of one
// are plain batch norm over the rank's own batch.
{
  const members = size === 2 ? [0] : [1, 3];
  const group = await dist.newGroup(members);
  const sizes = size === 2 ? [3, 4] : [2, 3, 4, 5];
  const { start, n, total } = layout(sizes);
  torch.manualSeed(12);
  const X = torch.randn(total, 2, 5);
  const sync = new nn.SyncBatchNorm(2, { processGroup: group });
  const mine = X.narrow(0, start, n);
  const synced = members.length > 1 && members.includes(rank);
  const batch = synced ? torch.cat(members.map((r) => X.narrow(0, startOf(sizes, r), sizes[r]))) : mine;
  const offset = synced ? members.slice(0, members.indexOf(rank)).reduce((a, r) => a + sizes[r], 0) : 0;
  const reference = new nn.BatchNorm1d(2);
  check(close(sync(mine), reference(batch).narrow(0, offset, n)), `processGroup ${members}: the output on rank ${rank}`);
  check(maxDiff([sync.running_mean!, sync.running_var!], [reference.running_mean!, reference.running_var!]) < TOL, `processGroup ${members}: the running statistics`);
  // The world's own group, named.
  const world = new nn.SyncBatchNorm(2, { processGroup: dist.GroupMember.WORLD });
  const all = new nn.BatchNorm1d(2);
  check(close(world(mine), all(X).narrow(0, start, n)), 'processGroup: the world group');
}

// DistributedDataParallel over a tiny CNN converted with convertSyncBatchnorm, against one
// process training the BatchNorm version on the global batches. The ranks' batches differ in
// size: each rank's loss is its share of the global mean, times the world size that DDP
// divides by.
{
  const makeNet = (): torch.nn.Sequential =>
    new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(),
      new nn.Conv2d(4, 4, 3), new nn.BatchNorm2d(4, { momentum: null }), new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 3), new nn.BatchNorm1d(3),
    );
  const sizes = size === 2 ? [3, 5] : [2, 3, 1, 4];
  const { start, n, total } = layout(sizes);
  torch.manualSeed(13);
  const reference = makeNet();
  torch.manualSeed(13);
  const local = makeNet();
  const before = local.parameters();
  const converted = nn.SyncBatchNorm.convertSyncBatchnorm(local);
  check(converted === local && local.parameters().every((p, i) => p === before[i]), 'convertSyncBatchnorm keeps the root and the Parameter objects');
  check([1, 4, 9].every((i) => local.at(i) instanceof nn.SyncBatchNorm), 'every BatchNorm is now a SyncBatchNorm');
  const ddp = new nn.parallel.DistributedDataParallel(local);
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1, momentum: 0.9 });
  const refOpt = new torch.optim.SGD(reference.parameters(), { lr: 0.1, momentum: 0.9 });
  torch.manualSeed(14);
  for (let step = 0; step < 4; step++) {
    const X = torch.randn(total, 2, 5, 5);
    const Y = torch.randn(total, 3);
    opt.zeroGrad();
    ddp(X.narrow(0, start, n)).sub(Y.narrow(0, start, n)).pow(2).sum().mul(size / (total * 3)).backward();
    opt.step();
    refOpt.zeroGrad();
    nn.functional.mseLoss(reference(X), Y).backward();
    refOpt.step();
  }
  const params = maxDiff(local.parameters(), reference.parameters());
  check(params < TOL, `DDP with SyncBatchNorm matches one process: parameters, max difference ${params}`);
  const buffers = maxDiff(local.buffers(), reference.buffers());
  check(buffers < TOL, `DDP with SyncBatchNorm matches one process: running statistics, max difference ${buffers}`);
  ddp.removeHooks();
}

dist.destroyProcessGroup();
console.log(`syncbn ok ${count()}`);
