/**
 * `torch.utils.checkpoint.checkpoint`: activation checkpointing. The forward runs without
 * recording a graph (so none of `fn`'s intermediates are kept); backward runs `fn` again
 * with grad on, from the saved inputs, and backpropagates through that recomputation
 * (PyTorch's reentrant variant, a custom Function whose backward calls backward).
 *
 * RNG: with `preserveRngState` (the default), the CPU generator's state and those of the
 * CUDA devices the tensor arguments live on are saved before the forward and lent back to
 * the recomputation (then restored), as PyTorch's fork_rng does, so dropout masks match.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkFunction } from '../tensor/args.js';
import { Function, type FunctionCtx } from '../autograd/function-api.js';
import { backward } from '../autograd/api.js';
import { enableGrad, gradEnabled } from '../autograd/grad-mode.js';
import * as call from '../native/calls.generated.js';
import { forkRng } from '../random/generator.js';
import { backwardIsPartial } from '../autograd/engine.js';

/** Options of `checkpoint` (PyTorch's keywords, camelCased). @example { useReentrant: true } */
export interface CheckpointOptions {
  /**
   * PyTorch's two implementations; flint has the reentrant one and runs it for both
   * values (the non-reentrant one's saved-tensor hooks do not exist in flint), so
   * `autograd.grad` (or `backward` with `inputs`) through a checkpoint throws either way.
   */
  useReentrant?: boolean;
  /**
   * true (default): the recomputation replays the forward's random draws; false: it
   * draws new ones, as in PyTorch.
   */
  preserveRngState?: boolean;
}

interface CheckpointCtx extends FunctionCtx {
  run: (...args: unknown[]) => unknown;
  args: unknown[];
  /** Generator states at the forward, by native device code; null without preserveRngState. */
  rngStates: Map<number, Uint8Array> | null;
}

/** The generators a checkpoint preserves: the CPU's and those of the arguments' CUDA devices. */
function rngStates(args: unknown[]): Map<number, Uint8Array> {
  const codes = new Set<number>([0]);
  for (const a of args) if (a instanceof Tensor && a.device.type === 'cuda') codes.add(a.device.code);
  return new Map([...codes].map((code) => [code, new Uint8Array(call.getRngState(code))]));
}

/** Whether the next CheckpointFunction.apply preserves the RNG (apply takes no options). */
let preserveNext = true;

class CheckpointFunction extends Function {
  static override forward(ctx: FunctionCtx, run: (...args: unknown[]) => unknown, ...args: unknown[]): unknown {
    const c = ctx as CheckpointCtx;
    c.run = run;
    // Tensors go through saveForBackward (version-checked, freed with the graph); the
    // other arguments are kept as they are.
    c.args = args.map((a) => (a instanceof Tensor ? null : a));
    c.rngStates = preserveNext ? rngStates(args) : null;
    ctx.saveForBackward(...args.map((a) => (a instanceof Tensor ? a : null)));
    return run(...args);
  }

  static override backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): unknown {
    if (backwardIsPartial()) {
      throw new Error(
        'Checkpointing is not compatible with .grad() or when an `inputs` parameter is passed to .backward(). Please use .backward() and do not pass its `inputs` argument.',
      );
    }
    const c = ctx as CheckpointCtx;
    const saved = ctx.savedTensors;
    const inputs = c.args.map((a, i) => {
      const t = saved[i];
      return t === null ? a : t.detach().requiresGrad_(t.requiresGrad);
    });
    const recompute = (): unknown => enableGrad(() => c.run(...inputs));
    const raw = c.rngStates === null ? recompute() : forkRng(c.rngStates, recompute);
    const outputs = (Array.isArray(raw) ? raw : [raw]).filter((t): t is Tensor => t instanceof Tensor);
    const roots: Tensor[] = [];
    const rootGrads: (Tensor | null)[] = [];
    outputs.forEach((o, i) => {
      if (o.requiresGrad && grads[i] !== null && grads[i] !== undefined) {
        roots.push(o);
        rootGrads.push(grads[i]);
      }
    });
    if (roots.length === 0) throw new Error('none of output has requires_grad=True, this checkpoint() is not necessary');
    backward(roots, rootGrads);
    return [null, ...inputs.map((x) => (x instanceof Tensor ? x.grad : null))];
  }
}

/**
 * Runs `fn(...args)` without keeping its intermediate activations, recomputing them in
 * backward. A last plain-object argument with `useReentrant` / `preserveRngState` is
 * taken as the options.
 *
 * @example
 * const h = torch.utils.checkpoint.checkpoint((x) => block(x), x, { useReentrant: true });
 * h.sum().backward(); // block ran twice: in forward, and again in backward
 */
export function checkpoint(fn: (...args: never[]) => unknown, ...rest: unknown[]): unknown {
  checkFunction(fn, 'checkpoint', 'function');
  let args = rest;
  let preserve = true;
  const last = rest[rest.length - 1];
  if (typeof last === 'object' && last !== null && !Array.isArray(last) && !(last instanceof Tensor)) {
    const keys = Object.keys(last);
    const allowed = ['useReentrant', 'preserveRngState'];
    const unknownKey = keys.find((k) => !allowed.includes(k));
    if (unknownKey !== undefined) {
      throw new Error(`Unexpected keyword arguments: ${unknownKey}`);
    }
    for (const k of keys) {
      const v = (last as Record<string, unknown>)[k];
      if (typeof v !== 'boolean') throw new TypeError(`checkpoint(): option '${k}' must be a boolean, but got ${typeof v}`);
    }
    args = rest.slice(0, -1);
    preserve = (last as CheckpointOptions).preserveRngState ?? true;
  }
  const tensors = args.filter((a): a is Tensor => a instanceof Tensor);
  if (gradEnabled() && !tensors.some((t) => t.requiresGrad) && typeof process !== 'undefined') {
    process.emitWarning('None of the inputs have requires_grad=True. Gradients will be None');
  }
  preserveNext = preserve;
  try {
    return CheckpointFunction.apply(fn as (...args: unknown[]) => unknown, ...args);
  } finally {
    preserveNext = true;
  }
}
