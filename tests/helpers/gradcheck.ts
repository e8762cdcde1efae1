/**
 * Finite-difference gradient check in float64, like torch.autograd.gradcheck.
 *
 * Analytic side: backward of (out * w).sum() for a fixed pseudo-random w (or, with
 * `perElement`, one backward per output element, i.e. the full Jacobian).
 * Numeric side: central differences (f(x + eps) - f(x - eps)) / (2 eps) of the same
 * quantity, evaluated in plain JS from the forward outputs, so the numeric side relies on
 * nothing but the op's forward pass.
 */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { mulberry32 as rng } from './random.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** seed of the fixed random weights w */
  seed?: number;
  /** check every output element separately (full Jacobian) instead of one weighted sum */
  perElement?: boolean;
}

export interface GradcheckResult {
  ok: boolean;
  /** number of (input element[, output element]) pairs compared */
  checked: number;
  maxAbsError: number;
  /** first failures, naming input and element */
  failures: string[];
  message: string;
}


function toF64(t: Tensor): Float64Array {
  const d = t.dataSync() as ArrayLike<number | bigint>;
  return Float64Array.from(Array.from(d, (v) => Number(v)));
}

function leaf(data: Float64Array, shape: readonly number[], requiresGrad: boolean): Tensor {
  let x =
    shape.length === 0
      ? torch.tensor(data[0] ?? 0, { dtype: torch.float64 })
      : torch.tensor(Array.from(data), { dtype: torch.float64 });
  if (shape.length > 1) x = x.reshape(...shape);
  if (requiresGrad) x.requiresGrad_();
  return x;
}

function indexString(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] ?? 1;
    idx.unshift(flat % n);
    flat = Math.floor(flat / n);
  }
  return `[${idx.join(', ')}]`;
}

/** Compares autograd with finite differences; never throws on a mismatch (see gradcheck). */
export function checkGradients(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const diff = inputs.map((x) => x.requiresGrad);
  if (!diff.some(Boolean)) throw new Error('gradcheck: no input requires grad');
  inputs.forEach((x, i) => {
    if (diff[i] && x.dtype.name !== 'float64') {
      throw new Error(`gradcheck: input ${i} is ${x.dtype.name}; gradcheck needs float64 inputs`);
    }
  });
  const base = inputs.map((x, i) => (diff[i] ? toF64(x) : null));
  const shapes = inputs.map((x) => [...x.shape]);
  const freshLeaves = (): Tensor[] =>
    inputs.map((x, i) => {
      const b = base[i];
      return b ? leaf(b, shapes[i] ?? [], true) : x;
    });

  // forward once to learn the output
  const out0 = fn(...freshLeaves());
  if (out0.dtype.name !== 'float64') {
    throw new Error(`gradcheck: output is ${out0.dtype.name}; expected float64 (differentiable)`);
  }
  const outShape = [...out0.shape];
  const nOut = out0.numel();

  // numeric Jacobian columns: for input i, element j, d out / d x_ij (all outputs)
  const constant = (k: number): Tensor => {
    const b = base[k];
    const x = inputs[k] as Tensor;
    return b ? leaf(b, shapes[k] ?? [], false) : x;
  };
  const numeric: (Float64Array[] | null)[] = inputs.map((_x, i) => {
    const b = base[i];
    if (!b) return null;
    const cols: Float64Array[] = [];
    for (let j = 0; j < b.length; j++) {
      const evalAt = (delta: number): Float64Array => {
        const p = Float64Array.from(b);
        p[j] = (p[j] ?? 0) + delta;
        const xs = inputs.map((_y, k) => (k === i ? leaf(p, shapes[i] ?? [], false) : constant(k)));
        return toF64(fn(...xs));
      };
      const plus = evalAt(eps);
      const minus = evalAt(-eps);
      const col = new Float64Array(nOut);
      for (let k = 0; k < nOut; k++) col[k] = ((plus[k] ?? NaN) - (minus[k] ?? NaN)) / (2 * eps);
      cols.push(col);
    }
    return cols;
  });

  // analytic: one backward per weight vector
  const weightSets: { w: Float64Array; label: string }[] = [];
  if (opts.perElement) {
    for (let k = 0; k < nOut; k++) {
      const w = new Float64Array(nOut);
      w[k] = 1;
      weightSets.push({ w, label: ` of output element ${indexString(k, outShape)}` });
    }
  } else {
    const r = rng(opts.seed ?? 1234);
    weightSets.push({ w: Float64Array.from({ length: nOut }, () => 2 * r() - 1), label: '' });
  }

  const failures: string[] = [];
  let nFail = 0;
  let checked = 0;
  let maxAbsError = 0;
  for (const { w, label } of weightSets) {
    const leaves = freshLeaves();
    const out = fn(...leaves);
    out.mul(leaf(w, outShape, false)).sum().backward();
    leaves.forEach((x, i) => {
      const cols = numeric[i];
      if (!cols) return;
      const g = x.grad;
      if (g && JSON.stringify([...g.shape]) !== JSON.stringify(shapes[i])) {
        nFail++;
        const want = (shapes[i] ?? []).join(', ');
        failures.push(`input ${i}: gradient shape [${g.shape.join(', ')}] != input shape [${want}]`);
        return;
      }
      const analytic = g ? toF64(g) : new Float64Array(cols.length);
      cols.forEach((col, j) => {
        let n = 0;
        for (let k = 0; k < nOut; k++) n += (w[k] ?? 0) * (col[k] ?? 0);
        const a = analytic[j] ?? NaN;
        const err = Math.abs(a - n);
        checked++;
        if (!(err <= atol + rtol * Math.abs(n))) {
          nFail++;
          if (failures.length < 8) {
            const where = `input ${i} element ${indexString(j, shapes[i] ?? [])}${label}`;
            failures.push(`${where}: analytic ${a} vs numeric ${n} (|diff| ${err.toExponential(3)})`);
          }
        }
        if (Number.isFinite(err)) maxAbsError = Math.max(maxAbsError, err);
        else maxAbsError = Infinity;
      });
    });
  }
  const ok = nFail === 0;
  const message = ok
    ? `gradcheck passed (${checked} comparisons, max |diff| ${maxAbsError.toExponential(3)})`
    : `gradcheck failed: ${nFail} of ${checked} comparisons exceed atol ${atol} + rtol ${rtol}*|numeric| (eps ${eps}):\n  ${failures.join('\n  ')}`;
  return { ok, checked, maxAbsError, failures, message };
}

/** Like checkGradients, but throws an Error naming the failing inputs and elements. */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const r = checkGradients(fn, inputs, opts);
  if (!r.ok) throw new Error(r.message);
  return r;
}
