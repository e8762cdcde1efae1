/**
 * `torch.func.vmap`, run as PyTorch runs an op that has no batching rule: `func` is called
 * once per entry of the mapped dimension, on that entry's slices, and its outputs are
 * stacked along `outDims`. The results, `inDims`/`outDims` handling, nesting and randomness
 * modes are vmap's; the cost is a loop's (flint has no batching rules), so a vmapped function
 * takes about batch-size times one call. `vmap(grad(f))` gives per-sample gradients.
 */
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/shape.js';
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
  if (spec === null || typeof spec === 'number') return leaves.map(() => spec as number | null);
  const specLeaves: (number | null)[] = [];
  const collect = (a: unknown, s: unknown): void => {
    if (a instanceof Tensor) {
      if (s !== null && typeof s !== 'number') throw new Error(`vmap: in_dims is not compatible with the structure of inputs: expected a number or None at ${where}`);
      specLeaves.push(s as number | null);
    } else if (Array.isArray(a)) {
      if (typeof s === 'number' || s === null) a.forEach((x) => collect(x, s));
      else if (Array.isArray(s) && s.length === a.length) a.forEach((x, i) => collect(x, s[i]));
      else throw new Error(`vmap: in_dims is not compatible with the structure of inputs at ${where}`);
    } else if (a !== null && typeof a === 'object' && !(a instanceof Tensor)) {
      const obj = a as Record<string, unknown>;
      for (const key of Object.keys(obj)) collect(obj[key], typeof s === 'number' || s === null ? s : (s as Record<string, unknown>)[key]);
    }
  };
  collect(arg, spec);
  return specLeaves;
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
export function vmap(func: (...args: never[]) => unknown, inDims: InDims = 0, outDims: number | readonly number[] = 0, options: VmapOptions = {}): (...args: unknown[]) => unknown {
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
    const sliceOf = (i: number) => args.map((arg, a) => {
      const leaves = treeLeaves(arg);
      return leaves.length === 0 ? arg : treeUnflatten(arg, leaves.map((t, k) => (perArg[a][k] === null ? t : t.select(perArg[a][k]!, i))));
    });
    const start = randomness === 'error' || randomness === 'same' ? getRngState() : null;
    const results: unknown[] = [];
    for (let i = 0; i < size; i++) {
      if (randomness === 'same' && i > 0) setRngState(start!);
      results.push((func as (...a: unknown[]) => unknown)(...sliceOf(i)));
      if (randomness === 'error' && i === 0 && !sameState(start!, getRngState())) {
        throw new Error("vmap: called random operation while in randomness error mode. Please either use the 'same' or 'different' randomness flags on vmap or perform the randomness operation out of vmap");
      }
    }
    const outputs = results.map((r) => treeLeaves(r));
    const first = results[0];
    const count = outputs[0].length;
    const tensorsOnly = (r: unknown): boolean => r instanceof Tensor || (Array.isArray(r) && r.every(tensorsOnly)) || (r !== null && typeof r === 'object' && !Array.isArray(r) && Object.values(r).every(tensorsOnly));
    if (!tensorsOnly(first)) throw new Error('vmap: `func` must only return Tensors (in arrays or objects)');
    const dims = Array.isArray(outDims) ? outDims : new Array<number>(count).fill(outDims as number);
    if (dims.length !== count) throw new Error(`vmap: out_dims has ${dims.length} entries, but func returned ${count} Tensors`);
    const stacked = dims.map((d, k) => stack(outputs.map((o) => o[k]), d));
    return treeUnflatten(first, stacked);
  };
}
