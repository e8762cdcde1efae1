/**
 * The optimizers' fused steps: one native call per param group, as PyTorch's
 * `fused=True`/`foreach=True` paths, instead of a loop of element-wise ops per parameter.
 * Each parameter contributes a row of tensors (itself, its gradient, its state tensors, in
 * the order of the entry's lists); rows that share a device, a dtype and the step's numbers
 * go to the native rule (flint/rules/<optimizer>.h) together. The rules round every
 * operation as the composite update's separate ops do, so the fused path gives the bits of
 * the composite one, which still updates what the native lists cannot take (integer or
 * half-precision dtypes, strided tensors).
 */
import { layoutOf, type ViewArg } from '../native/meta.js';
import { float32, float64, toRealDType } from '../tensor/dtype.js';
import { sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Rows per native call. A 1-D view takes five numbers of the 8192-number meta buffer, so
 * 256 rows of five lists (6400 numbers) fit with room to spare; a larger group takes
 * several calls, which change nothing in the result.
 */
const ROWS_PER_CALL = 256;

/**
 * A parameter's tensors for a fused step: `[param, grad, ...state]`, with `undefined` for an
 * optional list that is off (every row of a batch agrees, since it is part of the key).
 * @internal
 */
export type FusedRow = readonly (Tensor | undefined)[];

/**
 * Whether a row can take the native pass: every tensor float32 or float64 like the
 * parameter, contiguous, with its shape, on its device.
 * @internal
 * @example if (fusable([p, grad, buf])) ...
 */
export function fusable(row: FusedRow): boolean {
  const p = row[0]!;
  const dtype = p._dtype;
  const parts = dtype.isComplex ? toRealDType(dtype) : dtype;
  if (parts !== float32 && parts !== float64) return false;
  for (const t of row) {
    if (t === undefined) continue;
    if (t._dtype !== dtype || !t.isContiguous() || t._storage.device !== p._storage.device || !sameShape(t._shape, p._shape)) return false;
  }
  return true;
}

/**
 * A tensor as the 1-D contiguous view the list entries take. A complex tensor gives its
 * parts, so each part is updated as a real number: PyTorch's optimizers step a complex
 * parameter as `torch.view_as_real` of it, with its gradient and state.
 */
function flat(t: Tensor): ViewArg {
  if (t._dtype.isComplex) return layoutOf(t, toRealDType(t._dtype), 2 * t._offset, [2 * t.numel()], [1]);
  return layoutOf(t, t._dtype, t._offset, [t.numel()], [1]);
}

/** One batch: the rows that share a device, a dtype, which optional lists they have, and a key. */
interface Batch<D> {
  key: string | number;
  device: number;
  dtype: number;
  present: number;
  data: D;
  rows: FusedRow[];
}

/**
 * Collects a param group's rows by batch, then makes one native call per batch. `D` is what
 * a batch's rows share beyond the group's options (Adam's step count, ASGD's eta and mu).
 * @internal
 * @example
 * const batches = new FusedBatches<number>();
 * for (const p of params) if (!batches.add(step, [p, p.grad!, m, v], step)) composite(p);
 * batches.run((lists, step) => call.adamStep(lists[0], lists[1], lists[2], lists[3], [], ...));
 */
export class FusedBatches<D = undefined> {
  private readonly batches = new Map<string, Batch<D>>();

  /** Strided complex tensors updated through contiguous copies: (the tensor, its copy). */
  private readonly writeBack: [Tensor, Tensor][] = [];

  /** `linear`: the optimizer's composite update is linear in the gradient (SGD's), so complex rows may take it. */
  constructor(private readonly linear = false) {}
  /** The batch the last row went to: most groups are one batch, found without a key string. */
  private last: Batch<D> | null = null;

  /**
   * Adds `row` to the batch of `key` (which stands for `data`: rows with one key share it)
   * when it can take the native pass; false tells the caller to update the parameter with
   * the composite ops instead.
   */
  add(key: string | number, row: FusedRow, data: D): boolean {
    if (!fusable(row)) {
      // The composite updates are written for real numbers: g·g of a complex gradient is
      // its square, not the squares of its parts. Only a linear update (SGD's) may take
      // them; for the others a strided complex row goes through contiguous copies, written
      // back after the pass.
      if (!row[0]!._dtype.isComplex || this.linear) return false;
      const staged = row.map((t) => (t === undefined || t.isContiguous() ? t : t.contiguous()));
      if (!fusable(staged)) {
        throw new Error(
          'this optimizer updates a complex parameter as its real and imaginary parts in one native pass, which takes a ' +
            'parameter, gradient and state of one dtype, shape and device; this one has not (torch.viewAsReal(p) as the parameter is an alternative)',
        );
      }
      staged.forEach((copy, k) => {
        if (k !== 1 && copy !== row[k]) this.writeBack.push([row[k]!, copy!]);
      });
      row = staged;
    }
    const p = row[0]!;
    let present = 0;
    for (let k = 0; k < row.length; k++) if (row[k] !== undefined) present |= 1 << k;
    const device = p._storage.device.code, dtype = p._dtype.code;
    let batch = this.last;
    if (batch === null || batch.key !== key || batch.device !== device || batch.dtype !== dtype || batch.present !== present) {
      const batchKey = `${device}/${dtype}/${present}/${key}`;
      batch = this.batches.get(batchKey) ?? null;
      if (batch === null) this.batches.set(batchKey, (batch = { key, device, dtype, present, data, rows: [] }));
      this.last = batch;
    }
    batch.rows.push(row);
    return true;
  }

  /**
   * Calls `step(lists, data)` per batch, in chunks of at most ROWS_PER_CALL rows: list k
   * holds the rows' k-th tensors (empty where the row has `undefined`), and `data` is what
   * the batch's rows share. Every tensor but
   * the gradients (list 1) is written, so their version counters are bumped, as an in-place
   * op bumps them.
   */
  run(step: (lists: ViewArg[][], data: D) => void): void {
    for (const { data, rows } of this.batches.values()) {
      for (let start = 0; start < rows.length; start += ROWS_PER_CALL) {
        const chunk = rows.length <= ROWS_PER_CALL ? rows : rows.slice(start, start + ROWS_PER_CALL);
        const depth = chunk[0].length;
        const lists: ViewArg[][] = [];
        for (let k = 0; k < depth; k++) lists.push(chunk[0][k] === undefined ? [] : chunk.map((row) => flat(row[k]!)));
        step(lists, data);
        for (const row of chunk) {
          for (let k = 0; k < depth; k++) if (k !== 1 && row[k] !== undefined) row[k]!._version.value++;
        }
      }
    }
    this.batches.clear();
    this.last = null;
    for (const [target, copy] of this.writeBack) {
      target.copy_(copy);
      copy.dispose();
    }
    this.writeBack.length = 0;
  }
}
