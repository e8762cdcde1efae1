/**
 * `torch.utils.checkpoint.checkpoint`: activation checkpointing. The forward runs without
 * recording a graph (so none of `fn`'s intermediates are kept); backward runs `fn` again
 * with grad on, from the saved inputs, and backpropagates through that recomputation
 * (PyTorch's reentrant variant, a custom Function whose backward calls backward). With
 * `useReentrant: false`, PyTorch's other variant: saved-tensor hooks keep a placeholder for
 * each tensor the forward saves, and the first backward that needs one reruns the forward to
 * fill them all in; it works with `autograd.grad` and with `backward`'s `inputs`.
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
import { withSavedTensorsHooks } from '../autograd/graph.js';
import { autocastStates, type AutocastDeviceState } from '../amp/autocast-state.js';
import { autocast } from '../amp/autocast-mode.js';
import { bfloat16, float16 } from '../tensor/dtype.js';
import { Module } from '../nn/module.js';

/** Options of `checkpoint` (PyTorch's keywords, camelCased). @example { useReentrant: true } */
export interface CheckpointOptions {
  /**
   * PyTorch's two implementations. true (the default in 1.13): a custom Function whose
   * backward reruns the forward and calls backward, so `autograd.grad` (or `backward` with
   * `inputs`) through it throws. false: saved-tensor hooks, which work with both.
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
  let reentrant = true;
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
    reentrant = (last as CheckpointOptions).useReentrant ?? true;
  }
  if (reentrant === false) return checkpointWithoutReentrant(fn as (...args: unknown[]) => unknown, preserve, args);
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

type AutocastSnapshot = Record<'cpu' | 'cuda', AutocastDeviceState>;

/** Runs `fn` under the autocast settings the forward had, as PyTorch's recomputation does. */
function withAutocast<T>(snapshot: AutocastSnapshot, fn: () => T): T {
  const options = (s: AutocastDeviceState) => ({ enabled: s.enabled, dtype: s.dtype === 'float16' ? float16 : bfloat16, cacheEnabled: s.cacheEnabled });
  return autocast('cuda', options(snapshot.cuda), () => autocast('cpu', options(snapshot.cpu), fn));
}

/**
 * PyTorch's `_checkpoint_without_reentrant`. The forward's saved tensors become empty
 * holders. The first unpack reruns `fn` (same RNG state, same autocast), and an inner pack
 * hook files each recomputed tensor under the holder of the same position: the rerun saves
 * the same tensors in the same order. A holder whose node is gone is skipped.
 */
function checkpointWithoutReentrant(fn: (...args: unknown[]) => unknown, preserve: boolean, args: unknown[]): unknown {
  const amp: AutocastSnapshot = { cpu: { ...autocastStates.cpu }, cuda: { ...autocastStates.cuda } };
  const states = preserve ? rngStates(args) : null;
  const holders: WeakRef<object>[] = [];
  const storage = new WeakMap<object, Tensor>();
  let recomputed = false;
  const recompute = (): void => {
    let counter = 0;
    const innerPack = (inner: Tensor): undefined => {
      counter++;
      const holder = holders[counter - 1]?.deref();
      if (holder !== undefined) {
        // detach: the recomputation's own graph is not kept. _keep: it outlives the backward
        // step that triggered the recomputation, for the nodes that unpack it later.
        const kept = inner.detach();
        kept._keep = true;
        storage.set(holder, kept);
      }
      return undefined;
    };
    const innerUnpack = (): Tensor => {
      throw new Error('You are calling backwards on a tensor that is never exposed. Please open an issue.');
    };
    const inner = { pack: innerPack, unpack: innerUnpack, keeps: () => false };
    const run = (): unknown => withAutocast(amp, () => enableGrad(() => withSavedTensorsHooks(inner, () => fn(...args))));
    if (states === null) run();
    else forkRng(states, run);
  };
  const pack = (): object => {
    const holder = {};
    holders.push(new WeakRef(holder));
    return holder;
  };
  const unpack = (holder: object): Tensor => {
    if (!recomputed) {
      recomputed = true;
      recompute();
    }
    const tensor = storage.get(holder);
    if (tensor === undefined) {
      throw new Error(
        'Attempt to retrieve a tensor saved by autograd multiple times without checkpoint recomputation being triggered in between, this is not currently supported. Please open an issue with details on your use case so that we can prioritize adding this.',
      );
    }
    return tensor;
  };
  // The holders keep nothing, so the forward's activations are freed as without a graph.
  return withSavedTensorsHooks({ pack, unpack: unpack as (packed: unknown) => Tensor, keeps: () => false }, () => fn(...args));
}

/**
 * `torch.utils.checkpoint.checkpoint_sequential`: splits `functions` (a `Sequential` or an
 * array of callables) into `segments` runs and checkpoints all but the last, as PyTorch's
 * reentrant checkpoint. The last segment runs normally.
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(8, 8), new nn.ReLU(), new nn.Linear(8, 8), new nn.ReLU());
 * const y = torch.utils.checkpoint.checkpointSequential(net, 2, x);
 */
export function checkpointSequential(
  functions: Module<unknown> | ((input: unknown) => unknown)[],
  segments: number,
  input: unknown,
  options: { preserveRngState?: boolean } = {},
): unknown {
  if (typeof options !== 'object' || options === null) throw new TypeError(`checkpointSequential(): options must be an object, but got ${typeof options}`);
  const unknownKey = Object.keys(options).find((k) => k !== 'preserveRngState');
  if (unknownKey !== undefined) throw new Error(`Unexpected keyword arguments: ${unknownKey}`);
  if (!Number.isInteger(segments)) throw new TypeError(`checkpointSequential(): segments must be an integer, but got ${String(segments)}`);
  const preserve = options.preserveRngState ?? true;
  const list: ((x: unknown) => unknown)[] =
    functions instanceof Module
      ? [...functions.children()].map((m) => (x: unknown) => (m as unknown as (x: unknown) => unknown)(x))
      : Array.isArray(functions)
        ? functions
        : (() => {
            throw new TypeError(`checkpointSequential(): functions must be a Sequential or an array of functions, but got ${typeof functions}`);
          })();
  const runFunction = (start: number, end: number) => (x: unknown) => {
    for (let j = start; j <= end; j++) x = list[j](x);
    return x;
  };
  const segmentSize = Math.floor(list.length / segments);
  let end = -1;
  for (let start = 0; start < segmentSize * (segments - 1); start += segmentSize) {
    end = start + segmentSize - 1;
    input = checkpoint(runFunction(start, end), input, { preserveRngState: preserve });
  }
  return runFunction(end + 1, list.length - 1)(input);
}
