/**
 * `torch.autograd`: `backward` over several outputs at once, and `grad`, which returns
 * gradients instead of accumulating them into `.grad`.
 */
import { Tensor } from '../tensor/tensor.js';
import {
  backwardInputs,
  checkOptions,
  differentiate,
  isOptionsObject,
  type BackwardOptions,
  type GradOptions,
} from './backward.js';

export type { BackwardOptions, GradOptions } from './backward.js';

const isTensor = (v: unknown): boolean => v instanceof Tensor;

function tensorList(fn: string, what: string, value: Tensor | Tensor[]): Tensor[] {
  const list = Array.isArray(value) ? value : [value];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      throw new TypeError(`${fn}(): ${what}[${i}] must be a Tensor, but got ${t === null ? 'null' : typeof t}`);
    }
  });
  return list;
}

function gradList(fn: string, grads: Tensor | (Tensor | null)[] | null | undefined, count: number): (Tensor | null)[] {
  if (grads === null || grads === undefined) return new Array<Tensor | null>(count).fill(null);
  const list = Array.isArray(grads) ? grads : [grads];
  list.forEach((g, i) => {
    if (g !== null && !(g instanceof Tensor)) {
      throw new TypeError(`${fn}(): gradients can be either Tensors or null, but got ${typeof g} at position ${i}`);
    }
  });
  return list;
}

/**
 * `torch.autograd.backward`: accumulates into `.grad` the gradients of several outputs
 * at once (each with its own output gradient, or null for a scalar output).
 *
 * @example
 * torch.autograd.backward([loss1, loss2]);
 * torch.autograd.backward([y], [torch.onesLike(y)], { retainGraph: true, inputs: [w] });
 */
export function backward(
  tensors: Tensor | Tensor[],
  gradTensors?: Tensor | (Tensor | null)[] | BackwardOptions | null,
  options?: BackwardOptions,
): void {
  const outputs = tensorList('backward', 'tensors', tensors);
  let grads = gradTensors as Tensor | (Tensor | null)[] | null | undefined;
  let opts: BackwardOptions = options ?? {};
  if (isOptionsObject(gradTensors, isTensor)) {
    if (options !== undefined) throw new TypeError('backward(): expected gradTensors before the options, but got a second options object');
    grads = null;
    opts = gradTensors as BackwardOptions;
  }
  checkOptions('backward', opts, ['retainGraph', 'createGraph', 'inputs']);
  differentiate(outputs, gradList('backward', grads, outputs.length), {
    retainGraph: opts.retainGraph,
    createGraph: opts.createGraph,
    inputs: backwardInputs(opts.inputs, isTensor),
    capture: false,
  });
}

/**
 * `torch.autograd.grad`: the gradients of `outputs` with respect to `inputs`, returned
 * in input order; `.grad` fields are left untouched. Throws for an input the outputs do
 * not depend on unless `allowUnused`.
 *
 * @example
 * const [dx] = torch.autograd.grad(y, x);
 * const [g] = torch.autograd.grad(x.pow(3).sum(), [x], null, { createGraph: true });
 * g.sum().backward(); // x.grad = 6x
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  gradOutputs?: Tensor | (Tensor | null)[] | GradOptions | null,
  options?: GradOptions,
): (Tensor | null)[] {
  const outs = tensorList('grad', 'outputs', outputs);
  const ins = tensorList('grad', 'inputs', inputs);
  let grads = gradOutputs as Tensor | (Tensor | null)[] | null | undefined;
  let opts: GradOptions = options ?? {};
  if (isOptionsObject(gradOutputs, isTensor)) {
    if (options !== undefined) throw new TypeError('grad(): expected gradOutputs before the options, but got a second options object');
    grads = null;
    opts = gradOutputs as GradOptions;
  }
  checkOptions('grad', opts, ['retainGraph', 'createGraph', 'allowUnused']);
  if (ins.length === 0) throw new Error('grad requires non-empty inputs.');
  for (const t of ins) if (!t.requiresGrad) throw new Error('One of the differentiated Tensors does not require grad');
  const result = differentiate(outs, gradList('grad', grads, outs.length), {
    retainGraph: opts.retainGraph,
    createGraph: opts.createGraph,
    inputs: ins,
    capture: true,
  });
  if (!opts.allowUnused && result.some((g) => g === null)) {
    throw new Error(
      'One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.',
    );
  }
  return result;
}

export { Function, FunctionCtx } from './function-api.js';

/** The keywords of `Variable`: `requiresGrad`, and `volatile`, which has had no effect since PyTorch 0.4. */
export interface VariableOptions {
  requiresGrad?: boolean;
  volatile?: boolean;
}

/**
 * `torch.autograd.Variable(data, requires_grad=False)`, the wrapper from before PyTorch 0.4,
 * for old scripts: a tensor sharing `data`'s storage, with no history, that requires grad
 * when asked. A tensor is what every Variable has been since; `volatile` warns and does nothing.
 * @example const w = torch.autograd.Variable(torch.randn(3, 3), true);
 */
export function Variable(data: Tensor, requiresGrad: boolean | VariableOptions = false): Tensor {
  if (!(data instanceof Tensor)) {
    const found = Array.isArray(data) ? 'list' : data === null ? 'null' : typeof data;
    throw new TypeError(`Variable data has to be a tensor, but got ${found}`);
  }
  const options = typeof requiresGrad === 'object' && requiresGrad !== null ? requiresGrad : { requiresGrad };
  if (options.volatile !== undefined) {
    process.emitWarning('volatile was removed and now has no effect. Use `with torch.no_grad():` instead.', 'UserWarning');
  }
  const out = data.detach();
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled, isAnomalyCheckNanEnabled } from './anomaly.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
// The grad-mode switches, as torch.autograd has them too (torch.autograd.no_grad ...).
export { noGrad, enableGrad, setGradEnabled, inferenceMode } from './grad-mode.js';
export type { GradcheckOptions } from './gradcheck.js';
/**
 * `torch.autograd.functional`: jacobian, hessian, vjp, jvp, hvp, vhp.
 * @example torch.autograd.functional.jacobian((x) => x.exp(), x)
 */
export * as functional from './functional.js';
/**
 * `torch.autograd.graph`: saved-tensor hooks (`savedTensorsHooks`, `saveOnCpu`, `disableSavedTensorsHooks`).
 * @example torch.autograd.graph.saveOnCpu(() => net(x))
 */
export * as graph from './graph.js';
/**
 * `torch.autograd.profiler`: the older profiler API (`profile`, `recordFunction`), over
 * torch.profiler's recording.
 * @example const prof = torch.autograd.profiler.profile({}, () => net(x)); console.log(prof.keyAverages().table());
 */
export * as profiler from '../profiler/autograd-profiler.js';
