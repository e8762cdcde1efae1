/**
 * L-BFGS, as `torch.optim.LBFGS` in PyTorch 1.13: a quasi-Newton method whose `step(closure)`
 * runs up to `maxIter` iterations, each re-evaluating the closure, with an optional
 * strong-Wolfe line search (`src/optim/lbfgs-line-search.ts`).
 */
import { enableGrad, isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { keep } from '../memory/storage.js';
import { empty, tensor } from '../tensor/creation.js';
import { float32, promoteTypes } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { Boxed, ScalarMath, strongWolfe, value, type Scalar } from './lbfgs-line-search.js';
import { addScaled_ } from './update-ops.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, type Params, type ParamState } from './optimizer.js';
import { checkOptions, describe, nonNegative } from './validate.js';
import { PROFILING, withEvent } from '../profiler/recorder.js';
import { viewAsReal } from '../complex/parts.js';

const OPTIONS = ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'] as const;

/**
 * Options of `LBFGS` (one param group only, as in PyTorch).
 * @example new optim.LBFGS(params, { lineSearchFn: 'strong_wolfe' } satisfies optim.LBFGSOptions)
 */
export interface LBFGSOptions {
  lr?: number;
  maxIter?: number;
  /** Defaults to `floor(maxIter * 5 / 4)`. */
  maxEval?: number | null;
  toleranceGrad?: number;
  toleranceChange?: number;
  historySize?: number;
  lineSearchFn?: 'strong_wolfe' | null;
}

/**
 * The param group of `LBFGS`.
 * @example (opt.paramGroups[0] as optim.LBFGSParamGroup).historySize
 */
export interface LBFGSParamGroup extends ParamGroup {
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: 'strong_wolfe' | null;
}

function positiveInteger(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new TypeError(`LBFGS: expected ${name} to be a positive integer, but found ${describe(v)}`);
  }
}

/** A closure's result as Python's `float(closure())` reads it. */
function lossValue(loss: unknown): number {
  if (typeof loss === 'number') return loss;
  if (loss instanceof Tensor && loss.numel() === 1) return Number(loss.item());
  throw new TypeError(`LBFGS: expected the closure to return the loss (a one-element Tensor or a number), but found ${describe(loss)}`);
}

/** A state scalar as the step reads it: a 0-dim tensor is a tensor value, a number a Python float. */
function readScalar(v: unknown): Scalar {
  return v instanceof Tensor ? new Boxed(Number(v.item())) : (v as number);
}

/** Frees a state entry the step replaces (a tensor, or a list of them). */
function drop(v: unknown): void {
  if (v instanceof Tensor) v.dispose();
  else if (Array.isArray(v)) for (const x of v) drop(x);
}

/**
 * `torch.optim.LBFGS`. `step(closure)` evaluates the closure (which zeroes the gradients,
 * computes the loss, calls `backward()` and returns the loss), then for up to `maxIter`
 * iterations moves along the L-BFGS direction (the last `historySize` curvature pairs)
 * by a fixed step `lr` or, with `lineSearchFn: 'strong_wolfe'`, by a step satisfying the
 * strong Wolfe conditions. It stops early when the gradient falls under `toleranceGrad`,
 * progress under `toleranceChange`, or after `maxEval` closure calls, and returns the
 * first loss. The state (`func_evals`, `n_iter`, `d`, `t`, `old_dirs`, `old_stps`, `ro`,
 * `H_diag`, `prev_flat_grad`, `prev_loss`, `al`) lives on the first parameter, as in
 * PyTorch; tensors it replaces are freed, so save a `stateDict()` before the next step.
 *
 * @example
 * const opt = new optim.LBFGS([x], { lineSearchFn: 'strong_wolfe' });
 * const closure = () => {
 *   opt.zeroGrad();
 *   const loss = f(x);
 *   loss.backward();
 *   return loss;
 * };
 * for (let i = 0; i < 10; i++) opt.step(closure);
 */
export class LBFGS extends Optimizer<LBFGSParamGroup> {
  protected override scalarTensorState: ReadonlySet<string> = new Set();

  constructor(params: Params<Omit<LBFGSParamGroup, 'params'>>, options: LBFGSOptions = {}) {
    checkOptions('LBFGS', options, OPTIONS);
    const { lr = 1, maxIter = 20, toleranceGrad = 1e-7, toleranceChange = 1e-9, historySize = 100, lineSearchFn = null } = options ?? {};
    positiveInteger('maxIter', maxIter);
    const maxEval = options?.maxEval ?? Math.floor((maxIter * 5) / 4);
    super(params, { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn });
  }

  /**
   * One group only: PyTorch raises the same for a second one.
   * @example new optim.LBFGS([w]).addParamGroup({ params: [b] }) // throws
   */
  override addParamGroup(group: ParamGroupInput<Omit<LBFGSParamGroup, 'params'>>): void {
    if (this.paramGroups.length > 0) throw new Error("LBFGS doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    if (typeof group.lr !== 'number' || Number.isNaN(group.lr)) throw new TypeError(`LBFGS: expected lr to be a number, but found ${describe(group.lr)}`);
    positiveInteger('maxIter', group.maxIter);
    positiveInteger('maxEval', group.maxEval);
    positiveInteger('historySize', group.historySize);
    nonNegative('LBFGS: invalid toleranceGrad', group.toleranceGrad);
    nonNegative('LBFGS: invalid toleranceChange', group.toleranceChange);
    // PyTorch raises this at the first step; flint checks where the option enters.
    if (group.lineSearchFn !== null && group.lineSearchFn !== 'strong_wolfe') {
      throw new Error(`only 'strong_wolfe' is supported (lineSearchFn: ${describe(group.lineSearchFn)})`);
    }
  }

  /** Never reached: `step` is overridden, because every LBFGS step needs the closure. */
  protected updateGroup(): void {
    throw new Error('LBFGS.step() needs a closure');
  }

  /**
   * Runs up to `maxIter` L-BFGS iterations; `closure` re-evaluates the model (with grad
   * mode on) and returns the loss. Returns the closure's first result.
   * @example const loss = opt.step(closure);
   */
  override step<T>(closure?: () => T): T | undefined {
    if (typeof closure !== 'function') {
      throw new TypeError(`LBFGS.step() missing 1 required argument: 'closure' (a function that re-evaluates the model and returns the loss), found ${describe(closure)}`);
    }
    if (PROFILING.on) return withEvent('Optimizer.step#LBFGS.step', 'user_annotation', () => this.iterate(closure));
    return this.iterate(closure);
  }

  private iterate<T>(closure: () => T): T | undefined {
    const previous = isGradEnabled();
    setGradEnabled(false);
    try {
      return this.run(closure);
    } finally {
      setGradEnabled(previous);
    }
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  /**
   * All gradients as one flat tensor (zeros for a parameter without one), in their
   * promoted dtype as `torch.cat` gives. Copied slice by slice into one allocation rather
   * than through `cat`, whose slice views would hold the result until garbage collection.
   */
  private gatherFlatGrad(): Tensor {
    // A complex parameter counts as its real and imaginary parts, as PyTorch 2's view_as_real.
    const params = this.params.map(asReal);
    let dtype = params[0].dtype;
    let total = 0;
    for (const p of params) {
      dtype = promoteTypes(dtype, p.dtype);
      total += p.numel();
    }
    const flat = empty(total, { dtype, device: params[0].device });
    let offset = 0;
    this.params.forEach((original, i) => {
      const p = params[i];
      const numel = p.numel();
      const slice = flat.narrow(0, offset, numel);
      const target = slice.view(p.shape);
      if (original.grad === null) target.zero_();
      else target.copy_(asReal(original.grad));
      target.dispose();
      slice.dispose();
      offset += numel;
    });
    return flat;
  }

  /** `p += stepSize * update[p's slice]` for every parameter. */
  private addGrad(stepSize: number, update: Tensor): void {
    let offset = 0;
    for (const p of this.params.map(asReal)) {
      const numel = p.numel();
      const slice = update.narrow(0, offset, numel);
      const view = slice.view(p.shape);
      addScaled_(p, view, stepSize);
      view.dispose();
      slice.dispose();
      offset += numel;
    }
  }

  /** The loss and flat gradient at `x + t d`; the parameters are put back to `x`. */
  private directionalEvaluate(closure: () => unknown, x: Tensor[], t: Scalar, d: Tensor): [number, Tensor] {
    this.addGrad(value(t), d);
    const loss = lossValue(enableGrad(closure));
    const flatGrad = this.gatherFlatGrad();
    this.params.forEach((p, i) => p.copy_(x[i]));
    return [loss, flatGrad];
  }

  private run<T>(closure: () => T): T {
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const state: ParamState = this.stateOf(this.params[0]);
    state.funcEvals ??= 0;
    state.nIter ??= 0;

    const origLoss = enableGrad(closure);
    let loss = lossValue(origLoss);
    let currentEvals = 1;
    state.funcEvals = (state.funcEvals as number) + 1;
    let flatGrad = this.gatherFlatGrad();
    const dtype = flatGrad.dtype;
    const m = new ScalarMath(dtype === float32 ? Math.fround : (x: number) => x);
    const read = (t: Tensor): Boxed => {
      const v = m.tensor(Number(t.item()));
      t.dispose();
      return v;
    };
    const dot = (a: Tensor, b: Tensor): Boxed => read(a.dot(b));
    const absMax = (t: Tensor): Boxed => {
      const a = t.abs();
      const v = read(a.max());
      a.dispose();
      return v;
    };

    if (m.le(absMax(flatGrad), toleranceGrad)) {
      flatGrad.dispose();
      return origLoss;
    }

    let d = state.d as Tensor | undefined;
    let t: Scalar | undefined = state.t === undefined ? undefined : readScalar(state.t);
    let oldDirs = ((state.oldDirs as Tensor[] | undefined) ?? []).slice();
    let oldStps = ((state.oldStps as Tensor[] | undefined) ?? []).slice();
    let ro: Scalar[] = ((state.ro as Tensor[] | undefined) ?? []).map(readScalar);
    let hDiag: Scalar = state.HDiag === undefined ? 1 : readScalar(state.HDiag);
    let prevFlatGrad = state.prevFlatGrad as Tensor | undefined;
    let prevLoss = state.prevLoss as number | undefined;
    let al: (Scalar | null)[] | undefined = (state.al as (Tensor | null)[] | undefined)?.map((v) => (v === null ? null : readScalar(v)));
    // Replaced below; freed once the new state is written.
    const replaced = [state.t, state.ro, state.HDiag, state.al];

    let nIter = 0;
    try {
      while (nIter < maxIter) {
        nIter++;
        state.nIter = (state.nIter as number) + 1;

        // the descent direction
        if (state.nIter === 1) {
          d?.dispose();
          d = flatGrad.neg();
          for (const x of [...oldDirs, ...oldStps]) x.dispose();
          oldDirs = [];
          oldStps = [];
          ro = [];
          hDiag = 1;
        } else {
          const y = flatGrad.sub(prevFlatGrad!);
          const s = d!.mul(value(t!));
          const ys = dot(y, s);
          if (m.gt(ys, 1e-10)) {
            if (oldDirs.length === historySize) {
              oldDirs.shift()!.dispose();
              oldStps.shift()!.dispose();
              ro.shift();
            }
            oldDirs.push(keep(y));
            oldStps.push(keep(s));
            ro.push(m.div(1, ys));
            hDiag = m.div(ys, dot(y, y));
          } else {
            y.dispose();
            s.dispose();
          }
          const numOld = oldDirs.length;
          al ??= new Array<Scalar | null>(historySize).fill(null);
          const q = flatGrad.neg();
          for (let i = numOld - 1; i >= 0; i--) {
            const ai = m.mul(dot(oldStps[i], q), ro[i]);
            al[i] = ai;
            addScaled_(q, oldDirs[i], -value(ai));
          }
          const r = q.mul(value(hDiag));
          q.dispose();
          for (let i = 0; i < numOld; i++) {
            const beI = m.mul(dot(oldDirs[i], r), ro[i]);
            addScaled_(r, oldStps[i], value(m.sub(al[i]!, beI)));
          }
          d!.dispose();
          d = r;
        }
        if (prevFlatGrad === undefined) prevFlatGrad = keep(flatGrad.clone());
        else prevFlatGrad.copy_(flatGrad);
        prevLoss = loss;

        // the step length
        if (state.nIter === 1) {
          const a = flatGrad.abs();
          const sum = read(a.sum());
          a.dispose();
          t = m.mul(m.min(1, m.div(1, sum)), lr);
        } else {
          t = lr;
        }
        const gtd = dot(flatGrad, d);
        if (m.gt(gtd, -toleranceChange)) break;

        let lsFuncEvals = 0;
        let optCond = false;
        if (lineSearchFn !== null) {
          const xInit = this.params.map((p) => p.clone());
          const direction = d;
          let found: ReturnType<typeof strongWolfe>;
          try {
            found = strongWolfe(m, (tt) => this.directionalEvaluate(closure, xInit, tt, direction), t, d, loss, flatGrad, gtd);
          } finally {
            for (const x of xInit) x.dispose();
          }
          const [lsLoss, lsGrad, lsT, evals] = found;
          loss = lsLoss;
          flatGrad.dispose();
          flatGrad = lsGrad;
          t = lsT;
          lsFuncEvals = evals;
          this.addGrad(value(t), d);
          optCond = m.le(absMax(flatGrad), toleranceGrad);
        } else {
          this.addGrad(value(t), d);
          if (nIter !== maxIter) {
            // no re-evaluation after the last iteration: in a stochastic setting it is wasted
            loss = lossValue(enableGrad(closure));
            flatGrad.dispose();
            flatGrad = this.gatherFlatGrad();
            optCond = m.le(absMax(flatGrad), toleranceGrad);
            lsFuncEvals = 1;
          }
        }
        currentEvals += lsFuncEvals;
        state.funcEvals = (state.funcEvals as number) + lsFuncEvals;

        // stopping conditions
        if (nIter === maxIter) break;
        if (currentEvals >= maxEval) break;
        if (optCond) break;
        const moved = d.mul(value(t));
        const tooSmall = m.le(absMax(moved), toleranceChange);
        moved.dispose();
        if (tooSmall) break;
        if (Math.abs(loss - prevLoss) < toleranceChange) break;
      }
    } finally {
      // Also when the closure throws: the state then holds the iteration reached, and no
      // tensor this step freed stays referenced from it.
      flatGrad.dispose();
      const store = (v: Scalar): Tensor | number => (v instanceof Boxed ? keep(tensor(v.v, { dtype })) : v);
      if (d !== undefined) state.d = d;
      if (t !== undefined) state.t = store(t);
      state.oldDirs = oldDirs;
      state.oldStps = oldStps;
      state.ro = ro.map(store);
      state.HDiag = store(hDiag);
      if (prevFlatGrad !== undefined) state.prevFlatGrad = prevFlatGrad;
      if (prevLoss !== undefined) state.prevLoss = prevLoss;
      if (al !== undefined) state.al = al.map((v) => (v === null ? null : store(v)));
      for (const v of replaced) drop(v);
    }
    return origLoss;
  }
}

/** A complex tensor as its (…, 2) real view; a real one as itself. */
function asReal(t: Tensor): Tensor {
  return t.dtype.isComplex ? viewAsReal(t) : t;
}
