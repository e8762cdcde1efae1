/**
 * `torch.func.vmap`, run as PyTorch runs an op that has no batching rule: `func` is called
 * once per entry of the mapped dimension, on that entry's slices, and its outputs are
 * stacked along `outDims`. The results, `inDims`/`outDims` handling, nesting and randomness
 * modes are vmap's; the cost is a loop's (flint has no batching rules), so a vmapped function
 * takes about batch-size times one call. `vmap(grad(f))` gives per-sample gradients.
 */
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/shape.js';
import { zeros } from '../tensor/creation.js';
import { checkFunction } from '../tensor/args.js';
import { getRngState, setRngState } from '../random/generator.js';
import { treeLeaves, treeUnflatten } from './pytree.js';

/** Options of `vmap`, PyTorch's keywords camelCased. */
export interface VmapOptions {
  /** How `func` may draw random numbers: 'error' (default: it may not), 'different' per entry, or 'same' for all. */
  randomness?: 'error' | 'different' | 'same';
  /** Accepted for compatibility: flint calls `func` once per entry anyway. */
  chunkSize?: number | null;
}

type InDims = number | null | readonly unknown[] | Record<string, unknown>;

/** The mapped dim of each tensor of `arg`, from its in_dims entry (a number, null, or a tree like the arg). */
function dimsOf(arg: unknown, spec: unknown, where: string): (number | null)[] {
  const leaves = treeLeaves(arg);
  if (spec === null) return leaves.map(() => null);
  const specLeaves: (number | null)[] = [];
  const collect = (a: unknown, s: unknown): void => {
    if (a instanceof Tensor) {
      if (s !== null && typeof s !== 'number') throw new Error(`vmap: in_dims is not compatible with the structure of inputs: expected a number or None at ${where}`);
      specLeaves.push(s as number | null);
    } else if (Array.isArray(a)) {
      if (typeof s === 'number' || s === null) a.forEach((x) => collect(x, s));
      else if (Array.isArray(s) && s.length === a.length) a.forEach((x, i) => collect(x, s[i]));
      else throw new Error(`vmap: in_dims is not compatible with the structure of inputs at ${where}`);
    } else if (isPlainObject(a)) {
      for (const key of Object.keys(a)) collect(a[key], typeof s === 'number' || s === null ? s : (s as Record<string, unknown>)[key]);
    } else if (typeof s === 'number') {
      throw new Error(
        `vmap: Got in_dim=${s} for an input but the input is of type ${a === null ? 'null' : typeof a}. We cannot vmap over non-Tensor arguments, please use null as the respective in_dim (${where})`,
      );
    }
  };
  collect(arg, spec);
  return specLeaves;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Tensor || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function sameState(a: Tensor, b: Tensor): boolean {
  const x = a.dataSync() as Uint8Array;
  const y = b.dataSync() as Uint8Array;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * `torch.func.vmap(func, inDims?, outDims?, options?)`: `func` mapped over a dimension of
 * its inputs (`inDims`: 0 by default; one entry per argument, `null` for an argument that is
 * not mapped, or a tree like the argument), its outputs stacked along `outDims`.
 * @example
 * const perSample = torch.func.vmap(torch.func.grad(lossOf), [null, 0, 0]);
 * const grads = perSample(params, xs, ys); // each grad has a leading batch dim
 */
export function vmap(func: (...args: never[]) => unknown, inDims: InDims = 0, outDims: InDims = 0, options: VmapOptions = {}): (...args: unknown[]) => unknown {
  checkFunction(func, 'vmap', 'func');
  for (const key of Object.keys(options)) {
    if (key !== 'randomness' && key !== 'chunkSize') throw new TypeError(`vmap() got an unexpected keyword argument '${key}'`);
  }
  const randomness = options.randomness ?? 'error';
  if (!['error', 'different', 'same'].includes(randomness)) throw new Error(`Only allowed values for randomness are 'error', 'different', or 'same'. Got ${String(randomness)}`);
  return (...args: unknown[]) => {
    if (Array.isArray(inDims) && inDims.length !== args.length) {
      throw new Error(`vmap(f, in_dims=${JSON.stringify(inDims)}, ...)(<inputs>): in_dims is not compatible with the structure of \`inputs\`. in_dims has structure of length ${inDims.length} but inputs has ${args.length} positional arguments.`);
    }
    const perArg = args.map((arg, i) => dimsOf(arg, Array.isArray(inDims) ? inDims[i] : inDims, `argument ${i}`));
    let size = -1;
    args.forEach((arg, i) => {
      treeLeaves(arg).forEach((t, k) => {
        const d = perArg[i][k];
        if (d === null) return;
        const dim = d < 0 ? d + t.dim() : d;
        if (dim < 0 || dim >= t.dim()) {
          throw new Error(`vmap: Got in_dim=${d} for an input but the input is of type Tensor with ${t.dim()} dims; expected in_dim to satisfy -${t.dim()} <= in_dim < ${t.dim()}.`);
        }
        const n = t.shape[dim];
        if (size !== -1 && n !== size) throw new Error(`vmap: Expected all tensors to have the same size in the mapped dimension, got sizes ${size} and ${n} for the mapped dimension`);
        size = n;
      });
    });
    if (size === -1) throw new Error('vmap: at least one input must have a mapped (non-None) in_dim; none of the inputs is mapped');
    // An empty batch still calls func once, on zeros shaped like one entry, to learn the
    // outputs' shapes; its random draws are undone.
    const empty = size === 0;
    const sliceOf = (i: number) => args.map((arg, a) => {
      const leaves = treeLeaves(arg);
      if (leaves.length === 0) return arg;
      return treeUnflatten(arg, leaves.map((t, k) => {
        const d = perArg[a][k];
        if (d === null) return t;
        if (!empty) return t.select(d, i);
        const shape = t.shape.slice();
        shape.splice(d < 0 ? d + t.dim() : d, 1);
        return zeros(shape, { dtype: t.dtype, device: t.device });
      }));
    });
    const start = randomness !== 'different' || empty ? getRngState() : null;
    const results: unknown[] = [];
    for (let i = 0; i < (empty ? 1 : size); i++) {
      if (randomness === 'same' && i > 0) setRngState(start!);
      results.push((func as (...a: unknown[]) => unknown)(...sliceOf(i)));
      if (randomness === 'error' && !sameState(start!, getRngState())) {
        setRngState(start!);
        throw new Error("vmap: called random operation while in randomness error mode. Please either use the 'same' or 'different' randomness flags on vmap or perform the randomness operation out of vmap");
      }
    }
    if (empty) setRngState(start!);
    const first = results[0];
    const tensorsOnly = (r: unknown): boolean => r instanceof Tensor || (Array.isArray(r) && r.every(tensorsOnly)) || (isPlainObject(r) && Object.values(r).every(tensorsOnly));
    if (!tensorsOnly(first)) throw new Error('vmap: `func` must only return Tensors (in arrays or objects)');
    const outputs = results.map((r) => treeLeaves(r));
    // outDims: a number for every output, or a tree like the output (null: not batched).
    const dims = dimsOf(first, outDims, 'out_dims');
    const stacked = dims.map((d, k) => {
      if (d === null) return outputs[0][k];
      if (!empty) return stack(outputs.map((o) => o[k]), d);
      const one = outputs[0][k];
      const shape = one.shape.slice();
      shape.splice(d < 0 ? d + one.dim() + 1 : d, 0, 0);
      return zeros(shape, { dtype: one.dtype, device: one.device });
    });
    return treeUnflatten(first, stacked);
  };
}
