/**
 * `torch.autograd.gradcheck` / `gradgradcheck`: compare the analytical Jacobian (one
 * `autograd.grad` per output element) with central finite differences, element by
 * element, as PyTorch's slow mode does. Inputs should be float64.
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor as makeTensor, randnLike } from '../tensor/creation.js';
import { float64 } from '../tensor/dtype.js';
import { checkFunction } from '../tensor/args.js';
import { grad } from './api.js';
import { enableGrad, noGrad } from './grad-mode.js';

/** Options of gradcheck (PyTorch's keywords, camelCased). @example { eps: 1e-6, atol: 1e-5, rtol: 1e-3 } */
export interface GradcheckOptions {
  /** finite-difference step; default 1e-6 */
  eps?: number;
  /** absolute tolerance; default 1e-5 */
  atol?: number;
  /** relative tolerance; default 1e-3 */
  rtol?: number;
  /** throw on a mismatch (default) instead of returning false */
  raiseException?: boolean;
  /**
   * PyTorch's fast mode checks one random projection of the Jacobian; flint always
   * compares every element (slow mode), which is the stricter check, whatever this says.
   */
  fastMode?: boolean;
}

const KEYS = ['eps', 'atol', 'rtol', 'raiseException', 'fastMode'];

function checkOptions(fn: string, options: GradcheckOptions | undefined): Required<Omit<GradcheckOptions, 'fastMode'>> {
  const o = options ?? {};
  for (const [key, value] of Object.entries(o)) {
    if (!KEYS.includes(key)) throw new TypeError(`${fn}() got an unexpected option '${key}'; expected one of ${KEYS.join(', ')}`);
    const want = key === 'raiseException' || key === 'fastMode' ? 'boolean' : 'number';
    if (typeof value !== want) throw new TypeError(`${fn}(): option '${key}' must be a ${want}, but got ${typeof value}`);
  }
  return { eps: o.eps ?? 1e-6, atol: o.atol ?? 1e-5, rtol: o.rtol ?? 1e-3, raiseException: o.raiseException ?? true };
}

function valuesOf(t: Tensor): Float64Array {
  return Float64Array.from(Array.from(t.detach().contiguous().dataSync() as ArrayLike<number>, Number));
}

function outputList(value: unknown): Tensor[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((t): t is Tensor => t instanceof Tensor);
}

/** The Jacobian as PyTorch prints it: rows are input elements, columns output elements. */
function jacobianTensor(values: Float64Array, rows: number, cols: number): Tensor {
  const nested: number[][] = [];
  for (let r = 0; r < rows; r++) nested.push(Array.from(values.subarray(r * cols, (r + 1) * cols)));
  return makeTensor(rows === 0 ? [] : nested, { dtype: float64 });
}

/**
 * `torch.autograd.gradcheck(func, inputs)`: checks the gradients `func`'s backward
 * computes against finite differences for every input tensor that requires grad.
 * Returns true, or throws (or returns false with `raiseException: false`).
 *
 * @example
 * const x = torch.randn(3, { dtype: torch.float64, requiresGrad: true });
 * torch.autograd.gradcheck((t) => t.tanh(), [x]); // true
 */
export function gradcheck(func: (...inputs: never[]) => unknown, inputs: unknown, options?: GradcheckOptions): boolean {
  checkFunction(func, 'gradcheck', 'func');
  const { eps, atol, rtol, raiseException } = checkOptions('gradcheck', options);
  const args = Array.isArray(inputs) ? [...inputs] : [inputs];
  const diff = args.map((a, i) => [a, i] as const).filter(([a]) => a instanceof Tensor && a.requiresGrad) as [Tensor, number][];
  if (diff.length === 0) {
    throw new Error('gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.');
  }
  for (const [t, i] of diff) {
    if (t.dtype !== float64 && typeof process !== 'undefined') {
      process.emitWarning(
        `Input #${i} requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex.`,
      );
    }
  }
  const call = (xs: unknown[]): Tensor[] => outputList((func as (...a: unknown[]) => unknown)(...xs));
  const outputs = enableGrad(() => call(args));
  const outSizes = outputs.map((o) => o.numel());

  // Numerical: perturb one element of a detached copy at a time.
  const numerical = diff.map(([x, position]) => {
    const n = x.numel();
    const cols = outSizes.map((m) => new Float64Array(n * m));
    const base = valuesOf(x);
    // The copy requires grad as the input does, so that a func that differentiates
    // (gradgradcheck's) still can; it is only ever written to in no-grad mode.
    const copy = noGrad(() => x.detach().clone()).requiresGrad_(x.requiresGrad);
    const flat = noGrad(() => copy.detach().reshape(-1));
    const argsCopy = [...args];
    argsCopy[position] = copy;
    const evaluate = (value: number): Float64Array[] => {
      noGrad(() => flat.select(0, k).fill_(value));
      return enableGrad(() => call(argsCopy)).map(valuesOf);
    };
    let k = 0;
    for (; k < n; k++) {
      const plus = evaluate(base[k] + eps);
      const minus = evaluate(base[k] - eps);
      noGrad(() => flat.select(0, k).fill_(base[k]));
      plus.forEach((p, o) => {
        for (let e = 0; e < p.length; e++) cols[o][k * p.length + e] = (p[e] - minus[o][e]) / (2 * eps);
      });
    }
    return cols;
  });

  // Analytical: one backward per output element.
  const analytical = diff.map(([x]) => outSizes.map((m) => new Float64Array(x.numel() * m)));
  outputs.forEach((out, o) => {
    if (!out.requiresGrad) return; // its numerical Jacobian must then be zero
    const m = out.numel();
    for (let e = 0; e < m; e++) {
      const onehot = new Float64Array(m);
      onehot[e] = 1;
      const g = noGrad(() => makeTensor(Array.from(onehot), { dtype: out.dtype, device: out.device }).reshape(out.shape));
      const grads = grad([out], diff.map(([x]) => x), [g], { retainGraph: true, allowUnused: true });
      grads.forEach((gi, j) => {
        if (gi === null) return;
        const v = valuesOf(gi);
        for (let k = 0; k < v.length; k++) analytical[j][o][k * m + e] = v[k];
      });
    }
  });

  for (let j = 0; j < diff.length; j++) {
    for (let o = 0; o < outputs.length; o++) {
      const a = analytical[j][o];
      const n = numerical[j][o];
      let ok = true;
      for (let k = 0; k < a.length; k++) if (!(Math.abs(a[k] - n[k]) <= atol + rtol * Math.abs(n[k]))) ok = false;
      if (ok) continue;
      if (!raiseException) return false;
      const rows = diff[j][0].numel();
      const cols = outSizes[o];
      throw new Error(
        `Jacobian mismatch for output ${o} with respect to input ${diff[j][1]},\n` +
          `numerical:${String(jacobianTensor(n, rows, cols))}\nanalytical:${String(jacobianTensor(a, rows, cols))}\n`,
      );
    }
  }
  return true;
}

/**
 * `torch.autograd.gradgradcheck(func, inputs, gradOutputs?)`: gradcheck of the function
 * `(inputs, gradOutputs) => autograd.grad(func(inputs), inputs, gradOutputs, createGraph)`,
 * i.e. checks second derivatives. Missing gradOutputs are random normal (float64).
 *
 * @example
 * torch.autograd.gradgradcheck((t) => t.pow(3), [x]); // true
 */
export function gradgradcheck(
  func: (...inputs: never[]) => unknown,
  inputs: unknown,
  gradOutputs?: Tensor | Tensor[] | null,
  options?: GradcheckOptions,
): boolean {
  checkFunction(func, 'gradgradcheck', 'func');
  checkOptions('gradgradcheck', options);
  const args = Array.isArray(inputs) ? [...inputs] : [inputs];
  const outputs = enableGrad(() => outputList((func as (...a: unknown[]) => unknown)(...args)));
  let gos: Tensor[];
  if (gradOutputs === null || gradOutputs === undefined) {
    gos = noGrad(() => outputs.map((o) => randnLike(o.detach()).requiresGrad_(true)));
  } else {
    gos = Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs];
    if (gos.length !== outputs.length) throw new Error(`gradgradcheck(): expected ${outputs.length} gradOutputs, but got ${gos.length}`);
  }
  const count = args.length;
  const newFunc = (...all: unknown[]): Tensor[] => {
    const xs = all.slice(0, count);
    const gs = all.slice(count) as Tensor[];
    const outs = outputList((func as (...a: unknown[]) => unknown)(...xs));
    const diffInputs = xs.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);
    const used = outs.map((o, i) => [o, gs[i]] as const).filter(([o]) => o.requiresGrad);
    if (used.length === 0) return [];
    const grads = grad(used.map(([o]) => o), diffInputs, used.map(([, g]) => g), { createGraph: true, allowUnused: true });
    return grads.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(newFunc, [...args, ...gos], options);
}
