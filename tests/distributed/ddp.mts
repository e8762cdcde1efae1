// Run by tests/distributed.test.ts under flint-run: DistributedDataParallel against one
// process training on the same global batches, in float64. Prints "ddp ok <n>" per rank;
// a mismatch throws, and the rank exits non-zero.
import torch from 'flint-torch';
import { checker, maxDiff } from './checks.mts';

const { nn } = torch;
const dist = torch.distributed;
await dist.initProcessGroup({ backend: 'gloo', timeout: 30_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
torch.setDefaultDtype(torch.float64);

const { check, count } = checker(rank);
const makeNet = (): nn.Module => new nn.Sequential(new nn.Linear(5, 8), new nn.Tanh(), new nn.Linear(8, 8), new nn.ReLU(), new nn.Linear(8, 3));
const B = 4;
torch.manualSeed(123);
const X = torch.randn(20, size * B, 5);
const Y = torch.randn(20, size * B, 3);
const mine = (t: torch.Tensor): torch.Tensor => t.narrow(0, rank * B, B);

for (const bucketCapMb of [25, 0.0002]) {
  torch.manualSeed(0);
  const reference = makeNet();
  torch.manualSeed(rank === 0 ? 0 : 99); // the other ranks start elsewhere: DDP broadcasts rank 0's
  const local = makeNet();
  const ddp = new nn.parallel.DistributedDataParallel(local, { bucketCapMb });
  check(maxDiff(local.parameters(), reference.parameters()) === 0, 'construction broadcasts rank 0 parameters');
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.05, momentum: 0.9 });
  const refOpt = new torch.optim.SGD(reference.parameters(), { lr: 0.05, momentum: 0.9 });
  for (let step = 0; step < 6; step++) {
    const x = X.select(0, step);
    const y = Y.select(0, step);
    opt.zeroGrad();
    nn.functional.mseLoss(ddp(mine(x)), mine(y)).backward();
    opt.step();
    refOpt.zeroGrad();
    nn.functional.mseLoss(reference(x), y).backward();
    refOpt.step();
  }
  const diff = maxDiff(local.parameters(), reference.parameters());
  check(diff < 1e-12, `DDP (bucketCapMb ${bucketCapMb}) matches one process: max difference ${diff}`);
  check(Object.keys(ddp.stateDict()).every((k) => k.startsWith('module.')), 'state dict keys start with module.');
  ddp.removeHooks();
}

// Gradient accumulation: noSync's gradients are averaged with the next synced backward's.
{
  torch.manualSeed(1);
  const reference = makeNet();
  torch.manualSeed(1);
  const local = makeNet();
  const ddp = new nn.parallel.DistributedDataParallel(local);
  const [x1, x2, y1, y2] = [X.select(0, 10), X.select(0, 11), Y.select(0, 10), Y.select(0, 11)];
  ddp.noSync(() => nn.functional.mseLoss(ddp(mine(x1)), mine(y1)).backward());
  const localOnly = local.parameters().map((p) => p.grad!.clone());
  nn.functional.mseLoss(ddp(mine(x2)), mine(y2)).backward();
  nn.functional.mseLoss(reference(x1), y1).backward();
  nn.functional.mseLoss(reference(x2), y2).backward();
  const grads = (m: nn.Module): torch.Tensor[] => m.parameters().map((p) => p.grad!);
  const diff = maxDiff(grads(local), grads(reference));
  check(diff < 1e-12, `noSync accumulation matches one process: max difference ${diff}`);
  torch.manualSeed(1);
  const alone = makeNet();
  nn.functional.mseLoss(alone(mine(x1)), mine(y1)).backward();
  check(maxDiff(localOnly, grads(alone)) < 1e-15, 'inside noSync the gradients stay local');
  ddp.removeHooks();
}

// findUnusedParameters: head b is used on every rank but 0, head c on none.
class TwoHeads extends nn.Module {
  trunk = new nn.Linear(5, 4);
  a = new nn.Linear(4, 2);
  b = new nn.Linear(4, 2);
  c = new nn.Linear(4, 2);
  forward(x: torch.Tensor, useB: boolean): torch.Tensor {
    const h = this.trunk(x).tanh();
    return useB ? this.a(h).add(this.b(h)) : this.a(h);
  }
}
{
  torch.manualSeed(2);
  const local = new TwoHeads();
  const ddp = new nn.parallel.DistributedDataParallel(local, { findUnusedParameters: true });
  const x = X.select(0, 12);
  const y = Y.select(0, 12).narrow(1, 0, 2);
  ddp(mine(x), rank !== 0).sub(mine(y)).pow(2).mean().backward();
  // The expected average, from every rank's own batch on a copy.
  const expectedB = [torch.zeros(2, 4), torch.zeros(2)];
  for (let r = 0; r < size; r++) {
    torch.manualSeed(2);
    const copy = new TwoHeads();
    const xr = x.narrow(0, r * B, B);
    copy(xr, r !== 0).sub(y.narrow(0, r * B, B)).pow(2).mean().backward();
    if (r !== 0) {
      expectedB[0] = expectedB[0].add(copy.b.weight.grad!.div(size));
      expectedB[1] = expectedB[1].add(copy.b.bias.grad!.div(size));
    }
  }
  check(maxDiff([local.b.weight.grad!, local.b.bias.grad!], expectedB) < 1e-12, 'a head unused on rank 0 gets the average of the others');
  check(local.c.weight.grad === null && local.c.bias.grad === null, 'a head unused on every rank keeps no gradient');
  // A second iteration works too.
  ddp(mine(x), rank !== 0).sum().backward();
  ddp.removeHooks();
}

// Without findUnusedParameters, an unused parameter makes the next forward fail as PyTorch's does.
{
  torch.manualSeed(3);
  const ddp = new nn.parallel.DistributedDataParallel(new TwoHeads());
  ddp(mine(X.select(0, 13)), false).sum().backward();
  let message = '';
  try {
    ddp(mine(X.select(0, 13)), false);
  } catch (error) {
    message = (error as Error).message;
  }
  check(message.startsWith('Expected to have finished reduction in the prior iteration'), `unused parameters are reported: ${message}`);
  ddp.removeHooks();
}

// Buffers: rank 0's running statistics reach every rank at construction and each forward.
{
  torch.manualSeed(4);
  const net = new nn.Sequential(new nn.Linear(5, 3), new nn.BatchNorm1d(3));
  if (rank !== 0) net.at<nn.BatchNorm1d>(1).running_mean!.fill_(rank);
  const ddp = new nn.parallel.DistributedDataParallel(net);
  const bn = net.at<nn.BatchNorm1d>(1);
  check((bn.running_mean!.abs().sum().item() as number) === 0, 'buffers are broadcast at construction');
  ddp(mine(X.select(0, 14))).sum().backward();
  const rank0Stats = bn.running_mean!.clone();
  await dist.broadcast(rank0Stats, 0);
  let seen: torch.Tensor | null = null;
  bn.registerForwardPreHook(() => void (seen = bn.running_mean!.clone()));
  ddp(mine(X.select(0, 15))).sum().backward();
  check(maxDiff([seen!], [rank0Stats]) === 0, 'each training forward starts from rank 0 buffers');
  ddp.removeHooks();
}

// Communication hooks: PyTorch's default hooks, and one of the test's own that checks the
// GradBucket it is given and completes a future itself. gradientAsBucketView on the way.
{
  const { defaultHooks } = dist.algorithms.ddpCommHooks;
  const trainWith = (register: (ddp: nn.parallel.DistributedDataParallel) => void, asBucketView = false): number => {
    torch.manualSeed(5);
    const reference = makeNet();
    torch.manualSeed(5);
    const local = makeNet();
    const ddp = new nn.parallel.DistributedDataParallel(local, { bucketCapMb: 0.0002, gradientAsBucketView: asBucketView });
    register(ddp);
    const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.05 });
    const refOpt = new torch.optim.SGD(reference.parameters(), { lr: 0.05 });
    for (let step = 0; step < 4; step++) {
      const [x, y] = [X.select(0, 16 + step), Y.select(0, 16 + step)];
      opt.zeroGrad();
      nn.functional.mseLoss(ddp(mine(x)), mine(y)).backward();
      opt.step();
      refOpt.zeroGrad();
      nn.functional.mseLoss(reference(x), y).backward();
      refOpt.step();
    }
    ddp.removeHooks();
    return maxDiff(local.parameters(), reference.parameters());
  };
  const plain = trainWith(() => {}, true);
  check(plain < 1e-12, `gradientAsBucketView matches one process: ${plain}`);
  const allreduce = trainWith((ddp) => ddp.registerCommHook(null, defaultHooks.allreduceHook));
  check(allreduce < 1e-12, `allreduceHook matches one process: ${allreduce}`);
  const fp16 = trainWith((ddp) => ddp.registerCommHook(null, defaultHooks.fp16CompressHook));
  check(fp16 > 0 && fp16 < 1e-3, `fp16CompressHook is within float16's rounding of one process: ${fp16}`);
  const bf16 = trainWith((ddp) => ddp.registerCommHook(null, defaultHooks.bf16CompressHook));
  check(bf16 > fp16 && bf16 < 1e-2, `bf16CompressHook is within bfloat16's rounding of one process: ${bf16}`);

  const seen: number[] = [];
  const state = { calls: 0 };
  const own = trainWith((ddp) => {
    ddp.registerCommHook(state, (st, bucket) => {
      st.calls++;
      seen.push(bucket.index());
      const grads = bucket.gradients();
      const params = bucket.parameters();
      check(grads.every((g, k) => g.shape.join() === params[k].shape.join()), 'bucket gradients have their parameters\' shapes');
      check(params.every((p, k) => (p.grad!.sub(grads[k]).abs().max().item() as number) === 0), 'the buffer holds the local gradients');
      const fut = new torch.futures.Future<torch.Tensor>();
      const buffer = bucket.buffer();
      dist.allReduce(buffer).wait();
      fut.setResult(buffer.div_(size));
      return fut;
    });
    let message = '';
    try {
      ddp.registerCommHook(null, defaultHooks.allreduceHook);
    } catch (error) {
      message = (error as Error).message;
    }
    check(message === 'register_comm_hook or register_builtin_comm_hook can only be called once.', `a second hook is refused: ${message}`);
  });
  check(own < 1e-12, `a hook of one's own matches one process: ${own}`);
  const viewAndHook = trainWith((ddp) => ddp.registerCommHook(null, defaultHooks.allreduceHook), true);
  check(viewAndHook < 1e-12, `allreduceHook with gradientAsBucketView matches one process: ${viewAndHook}`);

  // A bfloat16 model with bf16CompressHook (the compressed copy is not the bucket itself),
  // over two backwards: every rank ends with the same, finite gradients.
  torch.manualSeed(6);
  const half = makeNet().to(torch.bfloat16);
  const ddp = new nn.parallel.DistributedDataParallel(half);
  ddp.registerCommHook(null, defaultHooks.bf16CompressHook);
  for (let step = 0; step < 2; step++) {
    ddp.zeroGrad();
    ddp(mine(X.select(0, 19)).to(torch.bfloat16)).float().pow(2).mean().backward();
  }
  const grads = half.parameters().map((p) => p.grad!.double());
  const highest = grads.map((g) => g.clone());
  for (const g of highest) dist.allReduce(g, { op: dist.ReduceOp.MAX }).wait();
  check(maxDiff(grads, highest) === 0 && grads.every((g) => g.isfinite().all().item() === 1), 'a bfloat16 model with bf16CompressHook: the same finite gradients on every rank');
  ddp.removeHooks();
  const perStep = seen.length / 4;
  check(state.calls === seen.length && perStep >= 2 && seen.every((b, i) => b === i % perStep), `buckets are seen in order each step: ${seen.join(',')}`);
}

// A parameter whose gradient arrives twice in one backward (one layer run in two reentrant
// checkpoints) is PyTorch's "marked ready twice" error, not a silently wrong average.
{
  torch.manualSeed(7);
  class Twice extends nn.Module {
    layer = new nn.Linear(5, 5);
    forward(x: torch.Tensor): torch.Tensor {
      const once = torch.utils.checkpoint.checkpoint((t: torch.Tensor) => this.layer(t), x);
      return torch.utils.checkpoint.checkpoint((t: torch.Tensor) => this.layer(t), once) as torch.Tensor;
    }
  }
  const ddp = new nn.parallel.DistributedDataParallel(new Twice());
  let message = '';
  try {
    ddp(mine(X.select(0, 0)).requiresGrad_()).sum().backward();
  } catch (error) {
    message = (error as Error).message;
  }
  check(message.startsWith('Expected to mark a variable ready only once.') && message.includes('has been marked as ready twice'), `a gradient that arrives twice is an error: ${message.slice(0, 80)}`);
  ddp.removeHooks();
}

// staticGraph: the same layer in two reentrant checkpoints (two gradients per backward)
// and a layer the forward never uses, trained against one process on the global batches.
{
  class Checkpointed extends nn.Module {
    layer = new nn.Linear(5, 5);
    head = new nn.Linear(5, 3);
    idle = new nn.Linear(4, 4);
    twice = true;
    forward(x: torch.Tensor): torch.Tensor {
      let h = torch.utils.checkpoint.checkpoint((t: torch.Tensor) => this.layer(t).tanh(), x) as torch.Tensor;
      if (this.twice) h = torch.utils.checkpoint.checkpoint((t: torch.Tensor) => this.layer(t).tanh(), h) as torch.Tensor;
      return this.head(h);
    }
  }
  torch.manualSeed(8);
  const reference = new Checkpointed();
  torch.manualSeed(8);
  const local = new Checkpointed();
  const ddp = new nn.parallel.DistributedDataParallel(local, { staticGraph: true, bucketCapMb: 0.0002 });
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
  const refOpt = new torch.optim.SGD(reference.parameters(), { lr: 0.1 });
  for (let step = 0; step < 4; step++) {
    const x = X.select(0, step).requiresGrad_(false);
    const y = Y.select(0, step);
    opt.zeroGrad();
    nn.functional.mseLoss(ddp(mine(x).clone().requiresGrad_()), mine(y)).backward();
    opt.step();
    refOpt.zeroGrad();
    nn.functional.mseLoss(reference(x.clone().requiresGrad_()), y).backward();
    refOpt.step();
  }
  const diff = maxDiff(local.parameters(), reference.parameters());
  check(diff < 1e-12, `staticGraph with a layer in two checkpoints matches one process: max difference ${diff}`);
  check(local.idle.weight.grad === null, 'staticGraph: a parameter no rank used keeps no gradient');
  // The graph changes: the layer's second gradient never comes, so the iteration never finishes.
  local.twice = false;
  ddp(mine(X.select(0, 5)).clone().requiresGrad_()).sum().backward();
  let message = '';
  try {
    ddp(mine(X.select(0, 6)).clone().requiresGrad_());
  } catch (error) {
    message = (error as Error).message;
  }
  check(message.includes('not compatible with staticGraph set to true'), `a changed static graph is an error: ${message.slice(0, 120)}`);
  ddp.removeHooks();
}

dist.destroyProcessGroup();
console.log(`ddp ok ${count()}`);
