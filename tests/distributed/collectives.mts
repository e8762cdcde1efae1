// Run by tests/distributed.test.ts under flint-run with 2 and 4 ranks: every collective on
// every dtype, checked against values each rank computes on its own. Prints one
// "checks <n>" line per rank; any mismatch throws, and the rank exits non-zero.
import torch from 'flint-torch';
import { equalChecker, REDUCTIONS, reducedValue, valueOf } from './checks.mts';

const dist = torch.distributed;
await dist.initProcessGroup({ backend: 'gloo', timeout: 30_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
const { expectEqual, count } = equalChecker(rank);
const values = (t: torch.Tensor): unknown => t.tolist();
const ranks = Array.from({ length: size }, (_, r) => r);
const tensorOf = (dtype: torch.DType, r: number, n = 3): torch.Tensor =>
  torch.tensor(Array.from({ length: n }, (_, i) => valueOf(dtype, r, i)) as number[], { dtype });

const dtypes = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool];
for (const dtype of dtypes) {
  const name = dtype.name;
  const isBool = dtype === torch.bool;
  // allReduce: SUM, PRODUCT, MIN, MAX (bool: or/and/and/or, as PyTorch's)
  for (const [op] of REDUCTIONS) {
    const t = tensorOf(dtype, rank);
    await dist.allReduce(t, { op });
    expectEqual(values(t), [0, 1, 2].map((i) => reducedValue(dtype, ranks, op, i)), `allReduce ${op} ${name}`);
  }
  if (!dtype.isFloatingPoint && !isBool) {
    const t = tensorOf(dtype, rank);
    await dist.allReduce(t, { op: dist.ReduceOp.BXOR });
    expectEqual(values(t), [0, 1, 2].map((i) => ranks.reduce((acc, r) => acc ^ Number(valueOf(dtype, r, i)), 0)), `allReduce BXOR ${name}`);
  }
  if (dtype.isFloatingPoint) {
    const t = tensorOf(dtype, rank);
    dist.allReduce(t, { op: dist.ReduceOp.AVG }).wait();
    expectEqual(values(t), [0, 1, 2].map((i) => ranks.reduce((acc, r) => acc + Number(valueOf(dtype, r, i)), 0) / size), `allReduce AVG ${name}`);
  }
  // broadcast from the last rank
  const b = tensorOf(dtype, rank);
  await dist.broadcast(b, size - 1);
  expectEqual(values(b), values(tensorOf(dtype, size - 1)), `broadcast ${name}`);
  // reduce onto rank 1: the others keep their values
  const r1 = tensorOf(dtype, rank);
  await dist.reduce(r1, 1, { op: dist.ReduceOp.MAX });
  const maxes = [0, 1, 2].map((i) => Math.max(...ranks.map((r) => Number(valueOf(dtype, r, i)))));
  expectEqual(values(r1), rank === 1 ? maxes.map((v) => (isBool ? v === 1 : v)) : values(tensorOf(dtype, rank)), `reduce ${name}`);
  // allGather and allGatherIntoTensor
  const parts = ranks.map(() => torch.empty(3, { dtype }));
  await dist.allGather(parts, tensorOf(dtype, rank));
  expectEqual(parts.map(values), ranks.map((r) => values(tensorOf(dtype, r))), `allGather ${name}`);
  const gatheredInto = torch.empty(size * 3, { dtype });
  await dist.allGatherIntoTensor(gatheredInto, tensorOf(dtype, rank));
  expectEqual(values(gatheredInto), ranks.flatMap((r) => values(tensorOf(dtype, r)) as unknown[]), `allGatherIntoTensor ${name}`);
  // gather onto rank 0, scatter from rank 0
  const gatherList = rank === 0 ? ranks.map(() => torch.empty(3, { dtype })) : undefined;
  await dist.gather(tensorOf(dtype, rank), { gatherList, dst: 0 });
  if (rank === 0) expectEqual(gatherList!.map(values), ranks.map((r) => values(tensorOf(dtype, r))), `gather ${name}`);
  const scattered = torch.empty(3, { dtype });
  await dist.scatter(scattered, { scatterList: rank === 0 ? ranks.map((r) => tensorOf(dtype, r + 1)) : undefined, src: 0 });
  expectEqual(values(scattered), values(tensorOf(dtype, rank + 1)), `scatter ${name}`);
  // allToAllSingle: block r of rank s goes to block s of rank r
  const blocks = (s: number): number[] => ranks.flatMap((r) => [s * 10 + r, s * 10 + r + 1]).map((v) => (isBool ? v % 2 : v % 100));
  const out = torch.empty(2 * size, { dtype });
  await dist.allToAllSingle(out, torch.tensor(blocks(rank), { dtype }));
  expectEqual(values(out), values(torch.tensor(ranks.flatMap((s) => blocks(s).slice(2 * rank, 2 * rank + 2)), { dtype })), `allToAllSingle ${name}`);
  const outs = ranks.map(() => torch.empty(2, { dtype }));
  await dist.allToAll(outs, ranks.map((r) => torch.tensor(blocks(rank).slice(2 * r, 2 * r + 2), { dtype })));
  expectEqual(outs.map(values), ranks.map((s) => values(torch.tensor(blocks(s).slice(2 * rank, 2 * rank + 2), { dtype }))), `allToAll ${name}`);
  if (!isBool) {
    // reduceScatterTensor and reduceScatter: block r of the sum lands on rank r
    const input = torch.tensor(ranks.flatMap((r) => [r + rank, r * rank]), { dtype });
    const own = torch.empty(2, { dtype });
    await dist.reduceScatterTensor(own, input);
    const sumOver = (f: (s: number) => number): number => ranks.reduce((acc, s) => acc + f(s), 0);
    expectEqual(values(own), [sumOver((s) => rank + s), sumOver((s) => rank * s)], `reduceScatterTensor ${name}`);
    const own2 = torch.empty(2, { dtype });
    await dist.reduceScatter(own2, ranks.map((r) => torch.tensor([r + rank, r * rank], { dtype })));
    expectEqual(values(own2), values(own), `reduceScatter ${name}`);
  }
  // send/recv around a ring, then isend/irecv both ways at once
  const next = (rank + 1) % size;
  const prev = (rank + size - 1) % size;
  const got = torch.empty(3, { dtype });
  const sent = dist.isend(tensorOf(dtype, rank), next);
  await dist.recv(got, prev);
  await sent;
  expectEqual(values(got), values(tensorOf(dtype, prev)), `send/recv ${name}`);
}
await dist.barrier();

// A subgroup of the even ranks.
const evens = await dist.newGroup(ranks.filter((r) => r % 2 === 0));
const e = torch.tensor([rank]);
await dist.allReduce(e, { group: evens });
expectEqual(values(e), rank % 2 === 0 ? [ranks.filter((r) => r % 2 === 0).reduce((a, b) => a + b, 0)] : [rank], 'allReduce on a subgroup');
expectEqual(dist.getRank(evens), rank % 2 === 0 ? rank / 2 : -1, 'getRank of a subgroup');

// Tags keep two messages to one peer apart.
if (size >= 2 && rank < 2) {
  const peer = 1 - rank;
  const a = torch.tensor([rank * 100 + 1]);
  const bTensor = torch.tensor([rank * 100 + 2]);
  const ra = torch.empty(1, { dtype: torch.int64 });
  const rb = torch.empty(1, { dtype: torch.int64 });
  const works = [dist.isend(bTensor, peer, { tag: 7 }), dist.isend(a, peer, { tag: 3 }), dist.irecv(ra, peer, { tag: 3 }), dist.irecv(rb, peer, { tag: 7 })];
  for (const w of works) w.wait();
  expectEqual([values(ra), values(rb)], [[peer * 100 + 1], [peer * 100 + 2]], 'tagged send/recv');
}

// A receive from any rank: rank 0 hears from every other rank, in whatever order they send.
if (rank === 0) {
  const heard: number[] = [];
  for (let i = 1; i < size; i++) {
    const t = torch.empty(1, { dtype: torch.int64 });
    const work = dist.recv(t, undefined, { tag: 9 });
    await work;
    expectEqual(values(t), [work.sourceRank() * 10], 'recv from any rank gets the sender and its message');
    heard.push(work.sourceRank());
  }
  expectEqual(heard.sort(), ranks.slice(1), 'recv from any rank hears every sender once');
} else {
  await dist.send(torch.tensor([rank * 10]), 0, { tag: 9 });
}

// A CUDA-less run still stages: a non-contiguous tensor is refused with PyTorch's words.
let refused = '';
try {
  dist.allReduce(torch.ones(2, 2).t());
} catch (error) {
  refused = (error as Error).message;
}
expectEqual(refused.includes('Tensors must be contiguous'), true, 'non-contiguous tensors are refused');

// The ranks disagree on a size: every rank gets the same clear error, and the group lives on.
let disagreement = '';
try {
  await dist.allReduce(torch.ones(rank === 0 ? 3 : 4));
} catch (error) {
  disagreement = (error as Error).message;
}
expectEqual(disagreement.includes('the ranks called different collectives') && disagreement.includes('bytes of float32'), true, 'mismatched sizes fail cleanly');
const after = torch.ones(2);
await dist.allReduce(after);
expectEqual(values(after), [size, size], 'the group works after a refused collective');

// Uneven all-to-all: rank s sends rank r (s + r) % 3 rows of [s, r, row], two columns wide
// (row counts of 0 included); and the list form with blocks of different sizes.
{
  const rowsFrom = (s: number, r: number): number => (s + r) % 3;
  const rowsOf = (s: number, r: number): number[][] => Array.from({ length: rowsFrom(s, r) }, (_, i) => [s * 100 + r * 10 + i, -i]);
  const inputSplits = ranks.map((r) => rowsFrom(rank, r));
  const outputSplits = ranks.map((s) => rowsFrom(s, rank));
  const input = torch.tensor(ranks.flatMap((r) => rowsOf(rank, r)), { dtype: torch.float64 }).reshape(-1, 2);
  const output = torch.full([outputSplits.reduce((a, b) => a + b, 0), 2], -1, { dtype: torch.float64 });
  const expected = ranks.flatMap((s) => rowsOf(s, rank));
  const work = dist.allToAllSingle(output, input, outputSplits, inputSplits);
  await work;
  expectEqual(values(output), expected, 'allToAllSingle with uneven splits');
  expectEqual(work.getFuture().wait()[0].numel(), output.numel(), 'its future holds the output blocks');
  const outs = ranks.map((s) => torch.empty([rowsFrom(s, rank), 2], { dtype: torch.float64 }));
  await dist.allToAll(outs, ranks.map((r) => torch.tensor(rowsOf(rank, r).flat(), { dtype: torch.float64 }).reshape(-1, 2)));
  expectEqual(outs.map(values), ranks.map((s) => rowsOf(s, rank)), 'allToAll with blocks of different sizes');
  let splitError = '';
  try {
    dist.allToAllSingle(output, input, outputSplits, [...inputSplits, 1]);
  } catch (error) {
    splitError = (error as Error).message;
  }
  expectEqual(splitError.startsWith('allToAllSingle: Number of tensor splits not equal to group size'), true, 'a split list of the wrong length is refused');
  const after2 = torch.ones(2);
  await dist.allReduce(after2);
  expectEqual(values(after2), [size, size], 'the group works after uneven exchanges');
}

// The object collectives: any value v8.serialize takes, of any size per rank.
const objects: unknown[] = [];
await dist.allGatherObject(objects, { rank, name: 'r'.repeat(rank + 1), values: new Map([[rank, [rank, 0.5]]]) });
expectEqual(
  objects.map((o) => [(o as { rank: number }).rank, (o as { name: string }).name, [...(o as { values: Map<number, number[]> }).values]]),
  ranks.map((r) => [r, 'r'.repeat(r + 1), [[r, [r, 0.5]]]]),
  'allGatherObject',
);
const shared = rank === 1 ? [{ lr: 0.1 }, 'cosine', [1, 2, 3]] : [null, null, null];
await dist.broadcastObjectList(shared, 1);
expectEqual(shared, [{ lr: 0.1 }, 'cosine', [1, 2, 3]], 'broadcastObjectList');
const gathered = rank === 0 ? new Array(size) : null;
await dist.gatherObject(`rank ${rank}`.repeat(rank + 1), gathered, 0);
if (rank === 0) expectEqual(gathered, ranks.map((r) => `rank ${r}`.repeat(r + 1)), 'gatherObject');
const mineOut: unknown[] = [null];
await dist.scatterObjectList(mineOut, rank === 0 ? ranks.map((r) => ({ shard: r, items: Array(r).fill('x') })) : null, 0);
expectEqual(mineOut[0], { shard: rank, items: Array(rank).fill('x') }, 'scatterObjectList');

dist.destroyProcessGroup();
console.log(`checks ${count()}`);
