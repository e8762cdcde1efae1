// Run by tests/distributed-nccl.test.ts under flint-run, one rank per GPU (a world of one
// where a single GPU is lent): every collective of an NCCL group on CUDA tensors of every
// dtype NCCL has, checked against values each rank computes on its own, and NCCL's
// refusals. Prints one "checks <n>" line per rank; any mismatch throws, and the rank
// exits non-zero.
import torch from 'flint-torch';
import { equalChecker, REDUCTIONS, reducedValue, valueOf } from './checks.mts';

const dist = torch.distributed;
const localRank = Number(process.env.LOCAL_RANK ?? 0);
torch.cuda.setDevice(localRank);
await dist.initProcessGroup({ backend: 'nccl', timeout: 60_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
const device = `cuda:${localRank}`;
const { expectEqual, count } = equalChecker(rank);
async function expectRefused(call: () => unknown, message: string, what: string): Promise<void> {
  let error = '';
  try {
    await call();
  } catch (e) {
    error = (e as Error).message;
  }
  expectEqual(error.includes(message) ? message : error, message, what);
}
const values = (t: torch.Tensor): unknown => t.cpu().tolist();
const ranks = Array.from({ length: size }, (_, r) => r);
const tensorOf = (dtype: torch.DType, r: number, n = 3): torch.Tensor =>
  torch.tensor(Array.from({ length: n }, (_, i) => valueOf(dtype, r, i)) as number[], { dtype, device });
const empty = (n: number, dtype: torch.DType): torch.Tensor => torch.empty(n, { dtype, device });

expectEqual(dist.getBackend(), 'nccl', 'getBackend');
const dtypes = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int8, torch.uint8, torch.bool];
for (const dtype of dtypes) {
  const name = dtype.name;
  const isBool = dtype === torch.bool;
  for (const [op] of REDUCTIONS) {
    const t = tensorOf(dtype, rank);
    await dist.allReduce(t, { op });
    expectEqual(values(t), [0, 1, 2].map((i) => reducedValue(dtype, ranks, op, i)), `allReduce ${op} ${name}`);
  }
  if (dtype.isFloatingPoint) {
    const t = tensorOf(dtype, rank);
    dist.allReduce(t, { op: dist.ReduceOp.AVG }).wait();
    expectEqual(values(t), [0, 1, 2].map((i) => ranks.reduce((acc, r) => acc + Number(valueOf(dtype, r, i)), 0) / size), `allReduce AVG ${name}`);
  }
  const b = tensorOf(dtype, rank);
  await dist.broadcast(b, size - 1);
  expectEqual(values(b), values(tensorOf(dtype, size - 1)), `broadcast ${name}`);
  const r0 = tensorOf(dtype, rank);
  await dist.reduce(r0, 0, { op: dist.ReduceOp.MAX });
  const maxes = [0, 1, 2].map((i) => Math.max(...ranks.map((r) => Number(valueOf(dtype, r, i)))));
  expectEqual(values(r0), rank === 0 ? maxes.map((v) => (isBool ? v === 1 : v)) : values(tensorOf(dtype, rank)), `reduce ${name}`);
  const parts = ranks.map(() => empty(3, dtype));
  await dist.allGather(parts, tensorOf(dtype, rank));
  expectEqual(parts.map(values), ranks.map((r) => values(tensorOf(dtype, r))), `allGather ${name}`);
  const gatheredInto = empty(size * 3, dtype);
  await dist.allGatherIntoTensor(gatheredInto, tensorOf(dtype, rank));
  expectEqual(values(gatheredInto), ranks.flatMap((r) => values(tensorOf(dtype, r)) as unknown[]), `allGatherIntoTensor ${name}`);
  const gatherList = rank === 0 ? ranks.map(() => empty(3, dtype)) : undefined;
  await dist.gather(tensorOf(dtype, rank), { gatherList, dst: 0 });
  if (rank === 0) expectEqual(gatherList!.map(values), ranks.map((r) => values(tensorOf(dtype, r))), `gather ${name}`);
  const scattered = empty(3, dtype);
  await dist.scatter(scattered, { scatterList: rank === 0 ? ranks.map((r) => tensorOf(dtype, r + 1)) : undefined, src: 0 });
  expectEqual(values(scattered), values(tensorOf(dtype, rank + 1)), `scatter ${name}`);
  const blocks = (s: number): number[] => ranks.flatMap((r) => [s * 10 + r, s * 10 + r + 1]).map((v) => (isBool ? v % 2 : v % 100));
  const out = empty(2 * size, dtype);
  await dist.allToAllSingle(out, torch.tensor(blocks(rank), { dtype, device }));
  expectEqual(values(out), values(torch.tensor(ranks.flatMap((s) => blocks(s).slice(2 * rank, 2 * rank + 2)), { dtype })), `allToAllSingle ${name}`);
  if (!isBool) {
    const input = torch.tensor(ranks.flatMap((r) => [r + rank, r * rank]), { dtype, device });
    const own = empty(2, dtype);
    await dist.reduceScatterTensor(own, input);
    const sumOver = (f: (s: number) => number): number => ranks.reduce((acc, s) => acc + f(s), 0);
    expectEqual(values(own), [sumOver((s) => rank + s), sumOver((s) => rank * s)], `reduceScatterTensor ${name}`);
  }
  if (size >= 2) {
    // NCCL's sends wait for their receives on the same stream, so the ranks alternate
    // (PyTorch's NCCL deadlocks on a ring where every rank sends first, too).
    const next = (rank + 1) % size;
    const prev = (rank + size - 1) % size;
    const got = empty(3, dtype);
    if (rank % 2 === 0) {
      await dist.send(tensorOf(dtype, rank), next);
      await dist.recv(got, prev);
    } else {
      await dist.recv(got, prev);
      await dist.send(tensorOf(dtype, rank), next);
    }
    expectEqual(values(got), values(tensorOf(dtype, prev)), `send/recv ${name}`);
  }
}
await dist.barrier();

// A large all-reduce (several NCCL chunks), as a DDP bucket is.
const big = torch.full([1 << 22], rank + 1, { device });
await dist.allReduce(big);
expectEqual(values(big.double().sum()), ((size * (size + 1)) / 2) * (1 << 22), 'a 16 MB allReduce');

// What NCCL refuses, with PyTorch's words: host tensors, int16, bitwise reductions.
await expectRefused(() => dist.allReduce(torch.ones(2)), 'Tensors must be CUDA and dense', 'a CPU tensor is refused');
await expectRefused(() => dist.allReduce(torch.ones(2, { dtype: torch.int16, device })), 'Unsupported data type for NCCL process group', 'int16 is refused');
await expectRefused(() => dist.allReduce(torch.ones(2, { dtype: torch.int32, device }), { op: dist.ReduceOp.BXOR }), 'with NCCL', 'BXOR is refused');
await expectRefused(() => dist.recv(empty(1, torch.float32)), size === 1 ? 'no other rank to receive from' : 'cannot receive from any rank', 'a receive from any rank is refused');
// The ranks disagree on a size: every rank gets the same clear error, and the group lives on.
await expectRefused(() => dist.allReduce(torch.ones(rank === 0 ? 3 : 4, { device })), size > 1 ? 'the ranks called different collectives' : '', 'mismatched sizes fail cleanly');
const after = torch.ones(2, { device });
await dist.allReduce(after);
expectEqual(values(after), [size, size], 'the group works after a refused collective');

// Uneven all-to-all (padded to the longest block on NCCL): rank s sends rank r (s + r) % 3 rows.
{
  const rowsFrom = (s: number, r: number): number => (s + r) % 3;
  const rowsOf = (s: number, r: number): number[][] => Array.from({ length: rowsFrom(s, r) }, (_, i) => [s * 100 + r * 10 + i, -i]);
  const input = torch.tensor(ranks.flatMap((r) => rowsOf(rank, r)), { dtype: torch.float64, device }).reshape(-1, 2);
  const output = torch.full([ranks.reduce((acc, s) => acc + rowsFrom(s, rank), 0), 2], -1, { dtype: torch.float64, device });
  await dist.allToAllSingle(output, input, ranks.map((s) => rowsFrom(s, rank)), ranks.map((r) => rowsFrom(rank, r)));
  expectEqual(values(output), ranks.flatMap((s) => rowsOf(s, rank)), 'allToAllSingle with uneven splits');
}

// The object collectives travel through the group's device.
const objects: unknown[] = [];
await dist.allGatherObject(objects, { rank, name: 'r'.repeat(rank + 1) });
expectEqual(objects, ranks.map((r) => ({ rank: r, name: 'r'.repeat(r + 1) })), 'allGatherObject');
const list: unknown[] = rank === 0 ? [{ hello: 'nccl' }, 7] : [null, null];
await dist.broadcastObjectList(list, 0);
expectEqual(list, [{ hello: 'nccl' }, 7], 'broadcastObjectList');
await expectRefused(() => dist.monitoredBarrier(), 'only GLOO supports monitored barrier', 'monitoredBarrier is gloo only');

// DDP over NCCL: one step averages the ranks' gradients on the device.
const net = new torch.nn.Linear(4, 2).to(device);
const ddp = new torch.nn.parallel.DistributedDataParallel(net, { deviceIds: [localRank] });
const x = torch.full([3, 4], rank + 1, { device });
ddp.forward(x).sum().backward();
const grad = net.weight.grad!;
const expectedGrad = 3 * ranks.reduce((acc, r) => acc + r + 1, 0) / size;
expectEqual(values(grad), [[expectedGrad, expectedGrad, expectedGrad, expectedGrad], [expectedGrad, expectedGrad, expectedGrad, expectedGrad]], 'DDP averages gradients over NCCL');

dist.destroyProcessGroup();
console.log(`checks ${count()}`);
