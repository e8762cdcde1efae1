/**
 * torch.distributed's collectives and point-to-point calls over a process group (the
 * default one unless `group` says otherwise). Each returns a `Work`: `await` it, or call
 * `wait()` to block as PyTorch's `async_op=True` handles do. Tensors must be contiguous,
 * as PyTorch's backends require. A gloo group moves host memory, so CUDA tensors travel
 * through a host copy; an NCCL group takes CUDA tensors of its own device, as they are.
 */
import { CollectiveKind, CommReduceOp } from '../native/enums.generated.js';
import { noGrad } from '../autograd/grad-mode.js';
import { empty, tensor as tensorOf, zeros } from '../tensor/creation.js';
import { int64, type DType } from '../tensor/dtype.js';
import type { DeviceLike } from '../tensor/device.js';
import { checkTensor } from '../tensor/args.js';
import type { Tensor } from '../tensor/tensor.js';
import { bytesOf, doneWork, nativeReduceOp, NCCL_DTYPES, ReduceOp, type ProcessGroup, type ReduceOpName, Work } from './process-group.js';
import { resolveGroup, type GroupOption } from './state.js';

/** Options of the reducing collectives. */
export interface ReduceOptions extends GroupOption {
  /** How values combine (default ReduceOp.SUM). */
  op?: ReduceOpName;
  /** Accepted for PyTorch's signature: every call returns a Work either way. */
  asyncOp?: boolean;
}

/** The group to run on, or null when this rank is not a member (the call is a no-op). */
type Resolved = ProcessGroup | null;

function checkCollectiveTensor(t: unknown, fn: string, name: string): asserts t is Tensor {
  checkTensor(t, fn, name);
  if (!t.isContiguous()) throw new Error(`${fn}: Tensors must be contiguous (argument '${name}')`);
  if (t.isDisposed) throw new Error(`${fn}: argument '${name}' has been disposed`);
}

function checkList(list: unknown, fn: string, name: string, length: number, like: Tensor): asserts list is Tensor[] {
  if (!Array.isArray(list)) throw new TypeError(`${fn}: argument '${name}' must be an array of tensors`);
  if (list.length !== length) {
    throw new RangeError(`${fn}: argument '${name}' must hold ${length} tensors (the group's size), got ${list.length}`);
  }
  list.forEach((t, i) => {
    checkCollectiveTensor(t, fn, `${name}[${i}]`);
    if (t.dtype !== like.dtype) throw new TypeError(`${fn}: ${name}[${i}] has dtype ${t.dtype.name}, expected ${like.dtype.name}`);
    if (t.numel() !== like.numel()) throw new RangeError(`${fn}: ${name}[${i}] has ${t.numel()} elements, expected ${like.numel()}`);
  });
}

/** An NCCL group's tensors must be CUDA tensors of its device (PyTorch: "Tensors must be CUDA and dense"). */
function checkGroupDevice(group: ProcessGroup, tensors: Tensor[]): void {
  if (group.device === null) return;
  for (const t of tensors) {
    if (!NCCL_DTYPES.has(t.dtype.name)) throw new TypeError(`Unsupported data type for NCCL process group: ${t.dtype.name}`);
    if (String(t.device) !== String(group.device)) {
      throw new Error(`Tensors must be CUDA and dense, on the NCCL group's device ${String(group.device)}, but got one on ${String(t.device)}`);
    }
  }
}

/**
 * Runs `body` on the tensors as the group's backend takes them: an NCCL group's as they are
 * (on its device), and for gloo, which moves host memory, host copies of CUDA tensors,
 * copying the tensors listed in `written` back once the work is done.
 */
function onBackend(group: ProcessGroup, tensors: Tensor[], written: Tensor[], body: (host: Tensor[]) => Work): Work {
  checkGroupDevice(group, tensors);
  if (group.device !== null || tensors.every((t) => t.device.type === 'cpu')) return body(tensors);
  const host = noGrad(() => tensors.map((t) => (t.device.type === 'cpu' ? t : t.cpu())));
  const work = body(host);
  return work.andThen(() => {
    noGrad(() => written.forEach((t) => {
      const i = tensors.indexOf(t);
      if (host[i] !== t) t.copy_(host[i]);
    }));
  });
}

function averaged(work: Work, tensors: Tensor[], op: ReduceOpName, size: number): Work {
  if (op !== ReduceOp.AVG) return work;
  return work.andThen(() =>
    noGrad(() => tensors.forEach((t) => (t.isFloatingPoint() ? t.div_(size) : t.copy_(t.div(size, { roundingMode: 'trunc' }))))),
  );
}

/** The tensors `work.getFuture()` completes with, as PyTorch's future of this collective. */
function withResult(work: Work, tensors: Tensor[]): Work {
  work._result = tensors;
  return work;
}

function bump(...tensors: Tensor[]): void {
  for (const t of tensors) t._version.value++;
}

/**
 * Reduces `tensor` across the group, in place on every rank (PyTorch's `all_reduce`).
 * @example await dist.allReduce(t, { op: dist.ReduceOp.SUM });
 */
export function allReduce(tensor: Tensor, options: ReduceOptions = {}): Work {
  checkCollectiveTensor(tensor, 'allReduce', 'tensor');
  const group: Resolved = resolveGroup(options, 'allReduce');
  if (group === null) return doneWork();
  const op = options.op ?? ReduceOp.SUM;
  const code = nativeReduceOp(op, tensor.dtype, group);
  bump(tensor);
  const work = onBackend(group, [tensor], [tensor], ([t]) =>
    group.run(CollectiveKind.AllReduce, t.dtype.code, code, 0, 0, null, bytesOf(t)),
  );
  return withResult(averaged(work, [tensor], op, group.size()), [tensor]);
}

/**
 * All-reduces a few numbers across `group` and returns the results: the small flags and
 * counts that DDP and the join context agree on. Every rank must pass the same dtype and
 * length. @internal
 * @example const [sum] = allReduceNumbers([1], group, { dtype: float32, device: 'cpu' });
 */
export function allReduceNumbers(values: number[], group: ProcessGroup, options: { dtype: DType; device: DeviceLike; op?: ReduceOpName }): number[] {
  // An NCCL group reduces on its own device only.
  const t = tensorOf(values, { dtype: options.dtype, device: group.device ?? options.device });
  try {
    allReduce(t, { group, op: options.op ?? ReduceOp.SUM }).wait();
    return (t.tolist() as (number | bigint)[]).map(Number);
  } finally {
    t.dispose();
  }
}

/**
 * Reduces `tensor` onto rank `dst`; the other ranks' tensors are unchanged.
 * @example await dist.reduce(t, 0);
 */
export function reduce(tensor: Tensor, dst: number, options: ReduceOptions = {}): Work {
  checkCollectiveTensor(tensor, 'reduce', 'tensor');
  const group = resolveGroup(options, 'reduce');
  if (group === null) return doneWork();
  const root = group.groupRankOf(dst, 'reduce: dst');
  const op = options.op ?? ReduceOp.SUM;
  const code = nativeReduceOp(op, tensor.dtype, group);
  bump(tensor);
  const work = onBackend(group, [tensor], [tensor], ([t]) =>
    group.run(CollectiveKind.Reduce, t.dtype.code, code, root, 0, null, bytesOf(t)),
  );
  return withResult(group.rank() === root ? averaged(work, [tensor], op, group.size()) : work, [tensor]);
}

/**
 * Copies rank `src`'s tensor into every rank's.
 * @example await dist.broadcast(t, 0);
 */
export function broadcast(tensor: Tensor, src: number, options: GroupOption & { asyncOp?: boolean } = {}): Work {
  checkCollectiveTensor(tensor, 'broadcast', 'tensor');
  const group = resolveGroup(options, 'broadcast');
  if (group === null) return doneWork();
  const root = group.groupRankOf(src, 'broadcast: src');
  bump(tensor);
  const work = onBackend(group, [tensor], [tensor], ([t]) =>
    group.run(CollectiveKind.Broadcast, t.dtype.code, CommReduceOp.Sum, root, 0, null, bytesOf(t)),
  );
  return withResult(work, [tensor]);
}

/**
 * Gathers every rank's `tensor` into one tensor of `size()` times its elements, rank r's
 * in block r (PyTorch's `all_gather_into_tensor`).
 * @example await dist.allGatherIntoTensor(out, t);
 */
export function allGatherIntoTensor(outputTensor: Tensor, inputTensor: Tensor, options: GroupOption & { asyncOp?: boolean } = {}): Work {
  checkCollectiveTensor(outputTensor, 'allGatherIntoTensor', 'outputTensor');
  checkCollectiveTensor(inputTensor, 'allGatherIntoTensor', 'inputTensor');
  const group = resolveGroup(options, 'allGatherIntoTensor');
  if (group === null) return doneWork();
  sameDtype('allGatherIntoTensor', outputTensor, inputTensor);
  if (outputTensor.numel() !== inputTensor.numel() * group.size()) {
    throw new RangeError(
      `allGatherIntoTensor: output tensor size must be equal to world_size times input tensor size ` +
        `(${outputTensor.numel()} vs ${group.size()} x ${inputTensor.numel()})`,
    );
  }
  bump(outputTensor);
  const work = onBackend(group, [outputTensor, inputTensor], [outputTensor], ([out, input]) =>
    group.run(CollectiveKind.AllGather, input.dtype.code, CommReduceOp.Sum, 0, 0, bytesOf(input), bytesOf(out)),
  );
  return withResult(work, [outputTensor]);
}

/**
 * Gathers every rank's `tensor` into `tensorList` (one tensor per rank).
 * @example const parts = [torch.empty(2), torch.empty(2)]; await dist.allGather(parts, t);
 */
export function allGather(tensorList: Tensor[], tensor: Tensor, options: GroupOption & { asyncOp?: boolean } = {}): Work {
  checkCollectiveTensor(tensor, 'allGather', 'tensor');
  const group = resolveGroup(options, 'allGather');
  if (group === null) return doneWork();
  checkList(tensorList, 'allGather', 'tensorList', group.size(), tensor);
  checkGroupDevice(group, tensorList);
  const flat = empty([group.size() * tensor.numel()], { dtype: tensor.dtype, device: group.device ?? 'cpu' });
  bump(...tensorList);
  const work = onBackend(group, [tensor], [], ([input]) =>
    group.run(CollectiveKind.AllGather, input.dtype.code, CommReduceOp.Sum, 0, 0, bytesOf(input), bytesOf(flat)),
  );
  return withResult(work.andThen(() => scatterInto(flat, tensorList)), tensorList);
}

function scatterInto(flat: Tensor, list: Tensor[]): void {
  noGrad(() => {
    const n = list.length === 0 ? 0 : list[0].numel();
    list.forEach((t, i) => t.copy_(flat.narrow(0, i * n, n).view(t.shape)));
  });
  flat.dispose();
}

/** The tensors of `list` end to end, in a buffer where `group`'s backend takes them. */
function joined(list: Tensor[], group: ProcessGroup): Tensor {
  checkGroupDevice(group, list);
  return noGrad(() => {
    const n = list[0].numel();
    const flat = empty([list.length * n], { dtype: list[0].dtype, device: group.device ?? 'cpu' });
    list.forEach((t, i) => flat.narrow(0, i * n, n).copy_(t.reshape(-1)));
    return flat;
  });
}

/**
 * Gathers every rank's `tensor` into `gatherList` on rank `dst` (the others pass none).
 * @example await dist.gather(t, { gatherList: rank === 0 ? parts : undefined, dst: 0 });
 */
export function gather(tensor: Tensor, options: GroupOption & { gatherList?: Tensor[] | null; dst?: number; asyncOp?: boolean } = {}): Work {
  checkCollectiveTensor(tensor, 'gather', 'tensor');
  const group = resolveGroup(options, 'gather');
  if (group === null) return doneWork();
  const root = group.groupRankOf(options.dst ?? 0, 'gather: dst');
  const isRoot = group.rank() === root;
  const list = options.gatherList ?? [];
  if (isRoot) checkList(list, 'gather', 'gatherList', group.size(), tensor);
  else if (list.length > 0) throw new Error('gather: Argument ``gather_list`` must NOT be specified on non-destination ranks.');
  if (isRoot) checkGroupDevice(group, list);
  const flat = isRoot ? empty([group.size() * tensor.numel()], { dtype: tensor.dtype, device: group.device ?? 'cpu' }) : null;
  bump(...list);
  const work = onBackend(group, [tensor], [], ([input]) =>
    group.run(CollectiveKind.Gather, input.dtype.code, CommReduceOp.Sum, root, 0, bytesOf(input), flat && bytesOf(flat)),
  );
  return withResult(flat ? work.andThen(() => scatterInto(flat, list)) : work, list);
}

/**
 * Sends block r of `scatterList` on rank `src` to rank r's `tensor`.
 * @example await dist.scatter(t, { scatterList: rank === 0 ? parts : undefined, src: 0 });
 */
export function scatter(tensor: Tensor, options: GroupOption & { scatterList?: Tensor[] | null; src?: number; asyncOp?: boolean } = {}): Work {
  checkCollectiveTensor(tensor, 'scatter', 'tensor');
  const group = resolveGroup(options, 'scatter');
  if (group === null) return doneWork();
  const root = group.groupRankOf(options.src ?? 0, 'scatter: src');
  const isRoot = group.rank() === root;
  const list = options.scatterList ?? [];
  if (isRoot) checkList(list, 'scatter', 'scatterList', group.size(), tensor);
  else if (list.length > 0) throw new Error('scatter: Argument ``scatter_list`` must NOT be specified on non-source ranks.');
  const flat = isRoot ? joined(list, group) : null;
  bump(tensor);
  const work = onBackend(group, [tensor], [tensor], ([out]) =>
    group.run(CollectiveKind.Scatter, out.dtype.code, CommReduceOp.Sum, root, 0, flat && bytesOf(flat), bytesOf(out)),
  );
  return withResult(flat ? work.andThen(() => flat.dispose()) : work, [tensor]);
}

/**
 * Reduces `input` (size() blocks) across the group and leaves block `rank()` of the result
 * in `output` (PyTorch's `reduce_scatter_tensor`). gloo has no reduce-scatter of its own
 * (PyTorch 1.13's gloo backend refuses one), so this all-reduces a copy of the input and
 * keeps this rank's block.
 * @example await dist.reduceScatterTensor(out, input);
 */
export function reduceScatterTensor(output: Tensor, input: Tensor, options: ReduceOptions = {}): Work {
  checkCollectiveTensor(output, 'reduceScatterTensor', 'output');
  checkCollectiveTensor(input, 'reduceScatterTensor', 'input');
  const group = resolveGroup(options, 'reduceScatterTensor');
  if (group === null) return doneWork();
  sameDtype('reduceScatterTensor', output, input);
  if (input.numel() !== output.numel() * group.size()) {
    throw new RangeError(
      `reduceScatterTensor: input tensor must be the same size as output size times world size ` +
        `(${input.numel()} vs ${group.size()} x ${output.numel()})`,
    );
  }
  return withResult(reduceScatterFlat(group, output, noGrad(() => input.reshape(-1).clone()), options.op ?? ReduceOp.SUM), [output]);
}

/**
 * Reduces `inputList` (one tensor per rank) across the group and leaves entry `rank()` of
 * the result in `output` (PyTorch's `reduce_scatter`).
 * @example await dist.reduceScatter(out, [a, b]);
 */
export function reduceScatter(output: Tensor, inputList: Tensor[], options: ReduceOptions = {}): Work {
  checkCollectiveTensor(output, 'reduceScatter', 'output');
  const group = resolveGroup(options, 'reduceScatter');
  if (group === null) return doneWork();
  checkList(inputList, 'reduceScatter', 'inputList', group.size(), output);
  return withResult(reduceScatterFlat(group, output, joined(inputList, group), options.op ?? ReduceOp.SUM), [output]);
}

function reduceScatterFlat(group: ProcessGroup, output: Tensor, flat: Tensor, op: ReduceOpName): Work {
  const code = nativeReduceOp(op, output.dtype, group);
  checkGroupDevice(group, [output, flat]);
  bump(output);
  const host = flat.device.type === 'cpu' || group.device !== null ? flat : noGrad(() => flat.cpu());
  const work = group.run(CollectiveKind.AllReduce, host.dtype.code, code, 0, 0, null, bytesOf(host));
  const n = output.numel();
  const block = averaged(work, [host], op, group.size());
  return block.andThen(() => {
    noGrad(() => output.copy_(host.narrow(0, group.rank() * n, n).view(output.shape)));
    host.dispose();
    if (host !== flat) flat.dispose();
  });
}

/**
 * Splits `input` along dim 0 and sends block r to rank r, receiving rank r's block into
 * the output (PyTorch's `all_to_all_single`). Without split sizes every block is an equal
 * share of dim 0; `outputSplitSizes[r]` and `inputSplitSizes[r]` give the rows received
 * from and sent to rank r, for uneven exchanges (whose blocks travel as point-to-point
 * messages).
 * @example await dist.allToAllSingle(out, input); await dist.allToAllSingle(out, input, [1, 3], [2, 2]);
 */
export function allToAllSingle(
  output: Tensor,
  input: Tensor,
  outputSplitSizes?: number[] | null | (GroupOption & { asyncOp?: boolean }),
  inputSplitSizes?: number[] | null,
  options: GroupOption & { asyncOp?: boolean } = {},
): Work {
  if (outputSplitSizes !== null && outputSplitSizes !== undefined && !Array.isArray(outputSplitSizes)) {
    return allToAllSingle(output, input, null, null, outputSplitSizes);
  }
  checkCollectiveTensor(output, 'allToAllSingle', 'output');
  checkCollectiveTensor(input, 'allToAllSingle', 'input');
  const group = resolveGroup(options, 'allToAllSingle');
  if (group === null) return doneWork();
  sameDtype('allToAllSingle', output, input);
  // An NCCL group takes every all-to-all through exchangePadded, which the ranks enter
  // alike whatever splits each passes (an even one is a special case of it).
  if (outputSplitSizes || inputSplitSizes || group.device !== null) {
    const outRows = splitRows(output, outputSplitSizes ?? null, group.size(), 'output');
    const inRows = splitRows(input, inputSplitSizes ?? null, group.size(), 'input');
    if (output.dim() === 0 || input.dim() === 0 || output.shape.slice(1).join() !== input.shape.slice(1).join()) {
      throw new RangeError(`allToAllSingle: input and output must have the same size past dim 0, got [${input.shape.join(', ')}] and [${output.shape.join(', ')}]`);
    }
    const blocks = inRows.map((r) => input.narrow(0, r[0], r[1]));
    return withResult(exchangeBlocks(group, blocks, outRows.map((r) => output.narrow(0, r[0], r[1])), 'allToAllSingle'), [output]);
  }
  if (input.numel() !== output.numel() || input.numel() % group.size() !== 0) {
    throw new RangeError(`allToAllSingle: input and output must have the same size, divisible by the group's size ${group.size()}`);
  }
  bump(output);
  const work = onBackend(group, [output, input], [output], ([out, inp]) =>
    group.run(CollectiveKind.AllToAll, inp.dtype.code, CommReduceOp.Sum, 0, 0, bytesOf(inp), bytesOf(out)),
  );
  return withResult(work, [output]);
}

/** [start, rows] of each rank's block of dim 0, from split sizes or an equal share, checked as c10d checks them. */
function splitRows(t: Tensor, splits: number[] | null, size: number, name: string): [number, number][] {
  const rows = t.dim() === 0 ? 1 : t.shape[0];
  let sizes: number[];
  if (splits === null) {
    if (rows % size !== 0) throw new RangeError(`allToAllSingle: Tensor's dim 0 does not divide equally across group size (${name} has ${rows} rows, ${size} ranks)`);
    sizes = Array<number>(size).fill(rows / size);
  } else {
    if (!Array.isArray(splits) || splits.length !== size) {
      throw new RangeError(`allToAllSingle: Number of tensor splits not equal to group size (${name}SplitSizes has ${Array.isArray(splits) ? splits.length : 'no'} entries, ${size} ranks)`);
    }
    if (!splits.every((n) => Number.isInteger(n) && n >= 0)) throw new RangeError(`allToAllSingle: ${name}SplitSizes must be non-negative integers, got [${splits.join(', ')}]`);
    if (splits.reduce((a, b) => a + b, 0) !== rows) {
      throw new RangeError(`allToAllSingle: Split sizes doesn't match total dim 0 size (${name}SplitSizes sum to ${splits.reduce((a, b) => a + b, 0)}, ${name} has ${rows} rows)`);
    }
    sizes = splits;
  }
  let start = 0;
  return sizes.map((n) => {
    const block: [number, number] = [start, n];
    start += n;
    return block;
  });
}

/** The tag of allToAll's point-to-point blocks: at the top of the 32-bit range, apart from what user code picks. */
const ALL_TO_ALL_TAG = 0xffffff02;

/**
 * Sends `blocks[r]` to rank r and receives rank r's block into `into[r]`, each as a
 * point-to-point message (each waits on its own native thread, so the order they are
 * posted in cannot deadlock); this rank's own block is copied. Empty blocks are not sent,
 * and the matching side must expect none.
 */
function exchangeBlocks(group: ProcessGroup, blocks: Tensor[], into: Tensor[], fn: string): Work {
  if (group.device !== null) return exchangePadded(group, blocks, into, fn);
  const me = group.rank();
  if (blocks[me].numel() !== into[me].numel()) {
    throw new RangeError(`${fn}: this rank sends itself ${blocks[me].numel()} elements but expects ${into[me].numel()}`);
  }
  noGrad(() => into[me].copy_(blocks[me]));
  bump(...into);
  // Every block is contiguous: the lists were checked, and rows of a contiguous tensor are.
  const works: Work[] = [];
  for (let r = 0; r < group.size(); r++) {
    if (r === me) continue;
    const peer = group.ranks[r];
    if (blocks[r].numel() > 0) works.push(send(blocks[r], peer, { group, tag: ALL_TO_ALL_TAG }));
    if (into[r].numel() > 0) works.push(recv(into[r], peer, { group, tag: ALL_TO_ALL_TAG }));
  }
  return Work._all(works);
}

/**
 * exchangeBlocks for an NCCL group, whose sends and receives run in issue order on the
 * group's one stream (every rank sending first would wait on its peers): the block sizes
 * go first, as an even all-to-all, so that every rank fails alike when one expects another
 * size; then every block, padded to the longest of any rank's, as one. The first two steps
 * block this thread (behind the group's queued work), so that every rank issues the same
 * collectives in the same order; the padded buffers hold size × the longest block.
 */
function exchangePadded(group: ProcessGroup, blocks: Tensor[], into: Tensor[], fn: string): Work {
  checkGroupDevice(group, [...blocks, ...into]);
  const size = group.size();
  const device = group.device!;
  const counts = tensorOf(blocks.map((b) => b.numel()), { dtype: int64, device });
  const theirs = empty([size], { dtype: int64, device });
  let sent: number[];
  try {
    group.run(CollectiveKind.AllToAll, int64.code, CommReduceOp.Sum, 0, 0, bytesOf(counts), bytesOf(theirs)).wait();
    sent = (theirs.tolist() as (number | bigint)[]).map(Number);
  } finally {
    counts.dispose();
    theirs.dispose();
  }
  const wrong = sent.findIndex((n, r) => n !== into[r].numel());
  const longest = Math.max(1, ...blocks.map((b) => b.numel()), ...into.map((t) => t.numel()));
  const [anyWrong, m] = allReduceNumbers([wrong >= 0 ? 1 : 0, longest], group, { dtype: int64, device, op: ReduceOp.MAX });
  if (anyWrong !== 0) {
    throw new RangeError(
      wrong >= 0
        ? `${fn}: rank ${group.ranks[wrong]} sends this rank ${sent[wrong]} elements, but this rank expects ${into[wrong].numel()}`
        : `${fn}: another rank expects blocks of other sizes than its peers send`,
    );
  }
  const dtype = blocks[0].dtype;
  const input = zeros([size * m], { dtype, device });
  const output = empty([size * m], { dtype, device });
  noGrad(() => blocks.forEach((b, r) => b.numel() > 0 && input.narrow(0, r * m, b.numel()).copy_(b.reshape(-1))));
  bump(...into);
  const work = group.run(CollectiveKind.AllToAll, dtype.code, CommReduceOp.Sum, 0, 0, bytesOf(input), bytesOf(output));
  const result = work.andThen(() => {
    noGrad(() => into.forEach((t, r) => t.numel() > 0 && t.copy_(output.narrow(0, r * m, t.numel()).view(t.shape))));
  });
  // The padded buffers go once the work is done either way (a failed one included).
  const free = (): void => {
    input.dispose();
    output.dispose();
  };
  result.then(free, free);
  return result;
}

/**
 * Sends `inputList[r]` to rank r and receives rank r's tensor into `outputList[r]`
 * (PyTorch's `all_to_all`). Tensors of one size go as one collective; tensors of different
 * sizes (`outputList[r]` must match what rank r sends) as point-to-point messages.
 * @example await dist.allToAll(outs, ins);
 */
export function allToAll(outputList: Tensor[], inputList: Tensor[], options: GroupOption & { asyncOp?: boolean } = {}): Work {
  const group = resolveGroup(options, 'allToAll');
  if (group === null) return doneWork();
  if (!Array.isArray(inputList) || inputList.length === 0) throw new TypeError("allToAll: argument 'inputList' must be a non-empty array of tensors");
  checkCollectiveTensor(inputList[0], 'allToAll', 'inputList[0]');
  const sameSize = (t: unknown) => typeof (t as Tensor | null)?.numel === 'function' && (t as Tensor).numel() === inputList[0].numel();
  const even = [...inputList, ...(Array.isArray(outputList) ? outputList : [])].every(sameSize);
  if (!even || group.device !== null) {
    checkBlocks(inputList, 'inputList', group.size(), inputList[0]);
    checkBlocks(outputList, 'outputList', group.size(), inputList[0]);
    return withResult(exchangeBlocks(group, inputList, outputList, 'allToAll'), outputList);
  }
  checkList(inputList, 'allToAll', 'inputList', group.size(), inputList[0]);
  checkList(outputList, 'allToAll', 'outputList', group.size(), inputList[0]);
  checkGroupDevice(group, outputList);
  const input = joined(inputList, group);
  const output = empty([input.numel()], { dtype: input.dtype, device: group.device ?? 'cpu' });
  bump(...outputList);
  const work = group.run(CollectiveKind.AllToAll, input.dtype.code, CommReduceOp.Sum, 0, 0, bytesOf(input), bytesOf(output));
  const done = work.andThen(() => {
    scatterInto(output, outputList);
    input.dispose();
  });
  return withResult(done, outputList);
}

/** A list of one tensor per rank, each contiguous and of `like`'s dtype (any sizes). */
function checkBlocks(list: unknown, name: string, size: number, like: Tensor): asserts list is Tensor[] {
  if (!Array.isArray(list)) throw new TypeError(`allToAll: argument '${name}' must be an array of tensors`);
  if (list.length !== size) throw new RangeError(`allToAll: argument '${name}' must hold ${size} tensors (the group's size), got ${list.length}`);
  list.forEach((t, i) => {
    checkCollectiveTensor(t, 'allToAll', `${name}[${i}]`);
    if (t.dtype !== like.dtype) throw new TypeError(`allToAll: ${name}[${i}] has dtype ${t.dtype.name}, expected ${like.dtype.name}`);
  });
}

/**
 * Waits until every rank of the group reaches it.
 * @example await dist.barrier();
 */
export function barrier(options: GroupOption & { asyncOp?: boolean } = {}): Work {
  const group = resolveGroup(options, 'barrier');
  if (group === null) return doneWork();
  return group.run(CollectiveKind.Barrier, 0, CommReduceOp.Sum, 0, 0, null, null);
}

/** Options of the point-to-point calls. */
export interface PointToPointOptions extends GroupOption {
  /** Matches a send with the receive of the same tag (default 0). */
  tag?: number;
}

function peerCall(kind: CollectiveKind, fn: string, tensor: Tensor, peer: number | null | undefined, options: PointToPointOptions): Work {
  checkCollectiveTensor(tensor, fn, 'tensor');
  const group = resolveGroup(options, fn);
  if (group === null) return doneWork();
  const anyRank = kind === CollectiveKind.Recv && (peer === undefined || peer === null);
  const peerRank = anyRank ? -1 : group.groupRankOf(peer as number, `${fn}: ${kind === CollectiveKind.Send ? 'dst' : 'src'}`);
  if (anyRank && group.size() === 1) throw new Error(`${fn}: the group has no other rank to receive from`);
  if (peerRank === group.rank()) throw new Error(`${fn}: Invalid ${kind === CollectiveKind.Send ? 'destination' : 'source'} rank: should not be the same as the rank of the current process.`);
  const tag = options.tag ?? 0;
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) throw new RangeError(`${fn}: tag must be a non-negative 32-bit integer, got ${tag}`);
  const sending = kind === CollectiveKind.Send;
  if (!sending) bump(tensor);
  return onBackend(group, [tensor], sending ? [] : [tensor], ([t]) =>
    group.run(kind, t.dtype.code, CommReduceOp.Sum, peerRank, tag, sending ? bytesOf(t) : null, sending ? null : bytesOf(t)),
  );
}

/**
 * Sends `tensor` to rank `dst`; done once `dst` has received it.
 * @example await dist.send(t, 1);
 */
export function send(tensor: Tensor, dst: number, options: PointToPointOptions = {}): Work {
  return peerCall(CollectiveKind.Send, 'send', tensor, dst, options);
}

/**
 * Receives into `tensor` from rank `src`, or, without `src`, from whichever rank sends
 * first (then `work.sourceRank()` says which, as PyTorch's `recv` returns it).
 * @example await dist.recv(t, 0);
 */
export function recv(tensor: Tensor, src?: number | null, options: PointToPointOptions = {}): Work {
  return peerCall(CollectiveKind.Recv, 'recv', tensor, src, options);
}

/** `send`, as PyTorch's non-blocking `isend`: the Work is returned at once. @example const w = dist.isend(t, 1); w.wait(); */
export const isend = send;
/** `recv`, as PyTorch's non-blocking `irecv`. @example const w = dist.irecv(t, 0); await w; */
export const irecv = recv;

function sameDtype(fn: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new TypeError(`${fn}: the tensors must have one dtype, got ${a.dtype.name} and ${b.dtype.name}`);
}
