/**
 * The shared front of `tensor.backward`, `torch.autograd.backward` and
 * `torch.autograd.grad`: option checking, the implicit gradient of a scalar output,
 * PyTorch's shape and dtype rules for output gradients, then the engine.
 */
import { type Tensor, nextTensorSerial } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { runBackward } from './engine.js';

/**
 * Options of `tensor.backward` and `torch.autograd.backward` (PyTorch's keywords, camelCased).
 * @example loss.backward({ retainGraph: true }); y.backward(g, { inputs: [w] })
 */
export interface BackwardOptions {
  /**
   * Keep the graph's saved tensors so it can be differentiated again; defaults to
   * `createGraph`.
   */
  retainGraph?: boolean | null;
  /** Record the backward pass itself, so gradients can be differentiated (higher order). */
  createGraph?: boolean;
  /** Accumulate only into these tensors' `.grad` (leaves, or non-leaves that then get a `.grad`). */
  inputs?: Tensor | Tensor[] | null;
}

/**
 * Options of `torch.autograd.grad`.
 * @example torch.autograd.grad(y, [x, u], null, { createGraph: true, allowUnused: true })
 */
export interface GradOptions {
  /** As in backward: keep the graph; defaults to `createGraph`. */
  retainGraph?: boolean | null;
  /** Give the returned gradients a history, for higher-order gradients. */
  createGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

const SNAKE: Record<string, string> = {
  retain_graph: 'retainGraph',
  create_graph: 'createGraph',
  allow_unused: 'allowUnused',
  grad_tensors: 'gradTensors',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/**
 * Rejects keys a function does not take (naming the key, and the camelCase spelling when
 * the key is PyTorch's snake_case one) and values of the wrong type.
 * @internal
 */
export function checkOptions(fn: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const hint = SNAKE[key] !== undefined && allowed.includes(SNAKE[key]) ? ` (did you mean '${SNAKE[key]}'?)` : '';
      throw new TypeError(`${fn}() got an unexpected option '${key}'; expected one of ${allowed.join(', ')}${hint}`);
    }
    const value = (options as Record<string, unknown>)[key];
    if ((key === 'retainGraph' || key === 'createGraph' || key === 'allowUnused') && value != null && typeof value !== 'boolean') {
      throw new TypeError(`${fn}(): option '${key}' must be a boolean, but got ${describe(value)}`);
    }
  }
}

/** Whether `value` is an options object rather than a tensor, an array or null. @internal */
export function isOptionsObject(value: unknown, isTensor: (v: unknown) => boolean): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensor(value);
}

function sizeString(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/**
 * The gradient each output starts with: ones for a scalar output when none is given,
 * else the given one, checked for shape and cast to the output's dtype, as PyTorch's
 * engine does.
 */
function outputGradients(outputs: Tensor[], grads: (Tensor | null)[]): Tensor[] {
  return outputs.map((out, i) => {
    const grad = grads[i] ?? null;
    if (grad === null) {
      if (!out.requiresGrad) return out; // reported by the engine with PyTorch's message
      if (out.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
      return (out as unknown as { onesLike(): Tensor }).onesLike();
    }
    if (grad._shape.join() !== out._shape.join()) {
      throw new Error(
        `Mismatch in shape: grad_output[${i}] has a shape of ${sizeString(grad._shape)} and output[${i}] has a shape of ${sizeString(out._shape)}.`,
      );
    }
    const cast = grad._dtype === out._dtype ? grad : (grad as unknown as { to(d: DType): Tensor }).to(out._dtype);
    cast._claimed = true; // the caller keeps it: never store it as a .grad directly
    return cast;
  });
}

/** Runs the engine for backward / grad once the arguments are normalised. @internal */
export function differentiate(
  outputs: Tensor[],
  grads: (Tensor | null)[],
  options: { retainGraph?: boolean | null; createGraph?: boolean; inputs: Tensor[] | null; capture: boolean },
): (Tensor | null)[] {
  if (grads.length !== outputs.length) {
    throw new Error(`got ${outputs.length} tensors and ${grads.length} gradients`);
  }
  const createGraph = options.createGraph ?? false;
  const firstSerial = nextTensorSerial();
  return runBackward(outputs, outputGradients(outputs, grads), {
    firstSerial,
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    inputs: options.inputs,
    capture: options.capture,
  });
}

/** `backward`'s `inputs` option as a list, checked as PyTorch checks it. @internal */
export function backwardInputs(inputs: Tensor | Tensor[] | null | undefined, isTensor: (v: unknown) => boolean): Tensor[] | null {
  if (inputs === null || inputs === undefined) return null;
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) throw new Error("'inputs' argument to backward() cannot be empty.");
  list.forEach((t, i) => {
    if (!isTensor(t)) throw new TypeError(`backward(): inputs[${i}] must be a Tensor, but got ${describe(t)}`);
    if (!t.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
  });
  return list;
}
