/**
 * `torch.autograd.functional`: jacobian, hessian, vjp, jvp, hvp and vhp of a function of
 * tensors, built on `autograd.grad` as PyTorch builds them (jvp and hvp by the
 * double-backward trick, so they need backward formulas that are differentiable in the
 * output gradient). Inputs and results keep PyTorch's structure: a tensor in, a tensor
 * out; an array of inputs, an array of results.
 */
import { Tensor } from '../tensor/tensor.js';
import { eye, onesLike, zerosLike } from '../tensor/creation.js';
import { stack } from '../ops/shape.js';
import { checkFunction } from '../tensor/args.js';
import { grad } from './api.js';
import { enableGrad, noGrad } from './grad-mode.js';

/** Options of the functional API (PyTorch's keywords, camelCased). @example { createGraph: true, strict: true } */
export interface FunctionalOptions {
  /** Give the results a graph (differentiable w.r.t. the inputs); default false. */
  createGraph?: boolean;
  /** Throw when an output does not depend on an input, instead of returning zeros. */
  strict?: boolean;
  /** Accepted for compatibility: flint always computes row by row, with the same results. */
  vectorize?: boolean;
  /** jacobian/hessian: only `'reverse-mode'` is supported. */
  strategy?: 'reverse-mode' | 'forward-mode';
  /** hessian: only `'reverse-mode'` is supported. */
  outerJacobianStrategy?: 'reverse-mode' | 'forward-mode';
}

type Inputs = Tensor | Tensor[];
type Func = (...inputs: Tensor[]) => unknown;

function checkOptionsObject(fn: string, options: FunctionalOptions | undefined, allowed: readonly string[]): Required<Pick<FunctionalOptions, 'createGraph' | 'strict'>> {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o instanceof Tensor) {
    throw new TypeError(`${fn}(): expected an options object, but got ${o instanceof Tensor ? 'a Tensor' : typeof o}`);
  }
  for (const [key, value] of Object.entries(o)) {
    if (!allowed.includes(key)) throw new TypeError(`${fn}() got an unexpected option '${key}'; expected one of ${allowed.join(', ')}`);
    if ((key === 'createGraph' || key === 'strict' || key === 'vectorize') && typeof value !== 'boolean') {
      throw new TypeError(`${fn}(): option '${key}' must be a boolean, but got ${typeof value}`);
    }
    if ((key === 'strategy' || key === 'outerJacobianStrategy') && value !== 'reverse-mode') {
      throw new Error(`${fn}(): flint supports only ${key} 'reverse-mode', but got ${String(value)}`);
    }
  }
  return { createGraph: o.createGraph ?? false, strict: o.strict ?? false };
}

/** Inputs as a list, and whether they came as an array (PyTorch's tuple). */
function asTuple(fn: string, argName: string, value: unknown): [Tensor[], boolean] {
  const isTuple = Array.isArray(value);
  const list = isTuple ? (value as unknown[]) : [value];
  list.forEach((t) => {
    if (!(t instanceof Tensor)) {
      const type = t === null ? 'null' : typeof t;
      throw new TypeError(
        `The ${argName} given to ${fn} must be either a Tensor or an array of Tensors but the value given has type ${type}.`,
      );
    }
  });
  return [list as Tensor[], isTuple];
}

function outputsOf(fn: string, value: unknown): [Tensor[], boolean] {
  const isTuple = Array.isArray(value);
  const list = isTuple ? (value as unknown[]) : [value];
  list.forEach((t) => {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `The outputs of the user-provided function given to ${fn} must be either a Tensor or an array of Tensors but the given outputs of the user-provided function has type ${t === null ? 'null' : typeof t}.`,
      );
    }
  });
  return [list as Tensor[], isTuple];
}

/** PyTorch's _grad_preprocess: inputs that track to the caller's graph only with createGraph. */
function preprocess(inputs: Tensor[], createGraph: boolean): Tensor[] {
  return inputs.map((x) => (createGraph && x.requiresGrad ? enableGrad(() => x.viewAs(x)) : x.detach().requiresGrad_(true)));
}

function run(fn: string, func: Func, xs: Tensor[]): [Tensor[], boolean] {
  checkFunction(func, fn, 'func');
  return outputsOf(fn, enableGrad(() => func(...xs)));
}

/** PyTorch's _autograd_grad: outputs that need no grad are skipped; all-null when none do. */
function autogradGrad(outputs: Tensor[], inputs: Tensor[], gradOutputs: (Tensor | null)[], createGraph: boolean): (Tensor | null)[] {
  const outs: Tensor[] = [];
  const gs: (Tensor | null)[] = [];
  outputs.forEach((o, i) => {
    if (o.requiresGrad) {
      outs.push(o);
      gs.push(gradOutputs[i]);
    }
  });
  if (outs.length === 0) return inputs.map(() => null);
  return grad(outs, inputs, gs, { createGraph, retainGraph: true, allowUnused: true });
}

function fillNulls(grads: (Tensor | null)[], like: Tensor[], strict: boolean, message: (i: number) => string): Tensor[] {
  return grads.map((g, i) => {
    if (g !== null) return g;
    if (strict) throw new Error(message(i));
    return zerosLike(like[i]);
  });
}

function post<T>(list: T[], isTuple: boolean): T | T[] {
  return isTuple ? list : list[0];
}

function finish(list: Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? list : list.map((t) => (t.requiresGrad ? t.detach() : t));
}

function checkV(fn: string, v: Inputs | null | undefined, like: Tensor[], what: 'input' | 'output'): Tensor[] | null {
  if (v === null || v === undefined) {
    if (like.length !== 1 || like[0].numel() !== 1) {
      throw new Error(
        what === 'output'
          ? 'The vector v can only be None if the user-provided function returns a single Tensor with a single element.'
          : 'The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.',
      );
    }
    return null;
  }
  const [vs] = asTuple(fn, 'v', v);
  if (vs.length !== like.length) throw new Error(`v is a tuple of invalid length: should be ${like.length} but got ${vs.length}.`);
  vs.forEach((t, i) => {
    if (t.shape.join() !== like[i].shape.join()) {
      throw new Error(
        `Entry ${i} in v has invalid size: should be torch.Size([${like[i].shape.join(', ')}]) but got torch.Size([${t.shape.join(', ')}]).`,
      );
    }
  });
  return vs;
}

function scalarOutput(fn: string, outs: Tensor[], isTuple: boolean): Tensor {
  if (isTuple || outs.length !== 1) throw new Error(`The function given to ${fn} should return a single Tensor`);
  if (outs[0].numel() !== 1) throw new Error(`The Tensor returned by the function given to ${fn} should contain a single element`);
  return outs[0];
}

/**
 * `vjp(func, inputs, v)`: `[func(inputs), vᵀ·J]`, the vector-Jacobian product.
 * @example const [out, g] = torch.autograd.functional.vjp((x) => x.pow(2), x, torch.onesLike(x));
 */
export function vjp(func: Func, inputs: Inputs, v?: Inputs | null, options?: FunctionalOptions): [Tensor | Tensor[], Tensor | Tensor[]] {
  const { createGraph, strict } = checkOptionsObject('vjp', options, ['createGraph', 'strict']);
  const [ins, inTuple] = asTuple('vjp', 'inputs', inputs);
  const xs = preprocess(ins, createGraph);
  const [outs, outTuple] = run('vjp', func, xs);
  const vs = checkV('vjp', v, outs, 'output');
  const grads = autogradGrad(outs, xs, vs ?? [null], createGraph);
  const res = fillNulls(grads, xs, strict, (i) => `The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
  return [post(finish(outs, createGraph), outTuple), post(finish(res, createGraph), inTuple)];
}

/**
 * `jvp(func, inputs, v)`: `[func(inputs), J·v]`, the Jacobian-vector product, by the
 * double-backward trick.
 * @example const [out, jv] = torch.autograd.functional.jvp((x) => x.pow(2), x, torch.onesLike(x));
 */
export function jvp(func: Func, inputs: Inputs, v?: Inputs | null, options?: FunctionalOptions): [Tensor | Tensor[], Tensor | Tensor[]] {
  const { createGraph, strict } = checkOptionsObject('jvp', options, ['createGraph', 'strict']);
  const [ins] = asTuple('jvp', 'inputs', inputs);
  const vs = checkV('jvp', v, ins, 'input');
  const xs = preprocess(ins, createGraph);
  const [outs, outTuple] = run('jvp', func, xs);
  const gradOutputs = outs.map((o) => zerosLike(o).requiresGrad_(true));
  const gradRes = autogradGrad(outs, xs, gradOutputs, true);
  if (strict) {
    gradRes.forEach((g, i) => {
      if (g === null) throw new Error(`The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
    });
  }
  const used = gradRes.map((g, i) => [g, i] as const).filter(([g]) => g !== null) as [Tensor, number][];
  const vList = vs ?? [onesLike(ins[0])];
  const res = autogradGrad(
    used.map(([g]) => g),
    gradOutputs,
    used.map(([, i]) => vList[i]),
    createGraph,
  );
  const out = fillNulls(res, outs, strict, (i) =>
    `The gradient with respect to the input is independent of entry ${i} in the grad_outputs when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.`,
  );
  return [post(finish(outs, createGraph), outTuple), post(finish(out, createGraph), outTuple)];
}

/** Stacks Jacobian rows; with createGraph through mul and add only, which flint can differentiate again. */
function assemble(rows: Tensor[], outShape: number[], inShape: number[], createGraph: boolean): Tensor {
  const m = rows.length;
  const shape = [...outShape, ...inShape];
  if (m === 0) return noGrad(() => zerosLike(rows[0] ?? eye(0)).reshape(shape));
  if (!createGraph) return noGrad(() => stack(rows.map((r) => r.detach())).reshape(shape));
  const basis = eye(m, { dtype: rows[0].dtype, device: rows[0].device });
  let total: Tensor | null = null;
  rows.forEach((r, k) => {
    const term = r.reshape(1, -1).mul(basis.select(1, k).reshape(m, 1));
    total = total === null ? term : total.add(term);
  });
  return (total as unknown as Tensor).reshape(shape);
}

function jacobianOf(fn: string, func: Func, ins: Tensor[], createGraph: boolean, strict: boolean): [Tensor[][], boolean] {
  const xs = preprocess(ins, createGraph);
  const [outs, outTuple] = run(fn, func, xs);
  const result = outs.map((out, i) => {
    if (strict && !out.requiresGrad) {
      throw new Error(
        `Output ${i} of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.`,
      );
    }
    const m = out.numel();
    const rows: Tensor[][] = xs.map(() => []);
    const basis = m === 0 ? null : noGrad(() => eye(m, { dtype: out.dtype, device: out.device }));
    for (let k = 0; k < m; k++) {
      const onehot = noGrad(() => basis!.select(0, k).reshape(out.shape));
      const grads = autogradGrad([out], xs, [onehot], createGraph);
      grads.forEach((g, j) => {
        if (g === null && strict) {
          throw new Error(`Output ${i} of the user-provided function is independent of input ${j}. This is not allowed in strict mode.`);
        }
        rows[j].push(g ?? zerosLike(xs[j]));
      });
    }
    return xs.map((x, j) => (m === 0 ? zerosLike(x).reshape([...out.shape, ...x.shape]) : assemble(rows[j], out.shape, x.shape, createGraph)));
  });
  return [result, outTuple];
}

/**
 * `jacobian(func, inputs)`: for a tensor input and output, a tensor of shape
 * `output.shape + input.shape`; arrays of inputs or outputs give arrays (outputs outer).
 * @example torch.autograd.functional.jacobian((x) => x.exp(), x) // diag(exp(x))
 */
export function jacobian(func: Func, inputs: Inputs, options?: FunctionalOptions): Tensor | Tensor[] | Tensor[][] {
  const { createGraph, strict } = checkOptionsObject('jacobian', options, ['createGraph', 'strict', 'vectorize', 'strategy']);
  const [ins, inTuple] = asTuple('jacobian', 'inputs', inputs);
  const [result, outTuple] = jacobianOf('jacobian', func, ins, createGraph, strict);
  const perOutput = result.map((row) => post(row, inTuple));
  return post(perOutput, outTuple) as Tensor | Tensor[] | Tensor[][];
}

/**
 * `hessian(func, inputs)` of a function returning one element: for a tensor input a
 * tensor of shape `input.shape + input.shape`; for an array, an array of arrays.
 * @example torch.autograd.functional.hessian((x) => x.pow(3).sum(), x) // diag(6x)
 */
export function hessian(func: Func, inputs: Inputs, options?: FunctionalOptions): Tensor | Tensor[][] {
  const { createGraph, strict } = checkOptionsObject('hessian', options, ['createGraph', 'strict', 'vectorize', 'outerJacobianStrategy']);
  checkFunction(func, 'hessian', 'func');
  const [ins, inTuple] = asTuple('hessian', 'inputs', inputs);
  const single = (...xs: Tensor[]): Tensor => {
    const [outs, isTuple] = outputsOf('hessian', func(...xs));
    return scalarOutput('hessian', outs, isTuple).reshape([]);
  };
  const jacFunc = (...xs: Tensor[]): Tensor[] => jacobianOf('hessian', single, xs, true, false)[0][0];
  const [result] = jacobianOf('hessian', jacFunc, ins, createGraph, strict);
  return inTuple ? result : result[0][0];
}

function secondOrder(fn: 'vhp' | 'hvp', func: Func, inputs: Inputs, v: Inputs | null | undefined, options?: FunctionalOptions): [Tensor, Tensor | Tensor[]] {
  const { createGraph, strict } = checkOptionsObject(fn, options, ['createGraph', 'strict']);
  const [ins, inTuple] = asTuple(fn, 'inputs', inputs);
  const vs = checkV(fn, v, ins, 'input') ?? [onesLike(ins[0])];
  const xs = preprocess(ins, createGraph);
  const [outs, outTuple] = run(fn, func, xs);
  const out = scalarOutput(fn, outs, outTuple);
  const independent = (i: number) => `The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`;
  const jac = autogradGrad([out], xs, [null], true);
  if (strict) jac.forEach((g, i) => { if (g === null) throw new Error(independent(i)); });
  const used = jac.map((g, i) => [g, i] as const).filter(([g]) => g !== null) as [Tensor, number][];
  let res: (Tensor | null)[];
  if (fn === 'vhp') {
    res = autogradGrad(used.map(([g]) => g), xs, used.map(([, i]) => vs[i]), createGraph);
  } else {
    const gradJac = used.map(([, i]) => zerosLike(xs[i]).requiresGrad_(true));
    const doubleBack = autogradGrad(used.map(([g]) => g), xs, gradJac, true);
    const back = doubleBack.map((g, i) => [g, i] as const).filter(([g]) => g !== null) as [Tensor, number][];
    const partial = autogradGrad(back.map(([g]) => g), gradJac, back.map(([, i]) => vs[i]), createGraph);
    res = xs.map(() => null);
    partial.forEach((g, k) => { res[used[k][1]] = g; });
  }
  const filled = fillNulls(res, xs, strict, (i) =>
    `The hessian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode.`,
  );
  return [finish([out], createGraph)[0], post(finish(filled, createGraph), inTuple)];
}

/**
 * `vhp(func, inputs, v)`: `[func(inputs), vᵀ·H]` for a function returning one element.
 * @example const [f, vh] = torch.autograd.functional.vhp((x) => x.pow(3).sum(), x, v);
 */
export function vhp(func: Func, inputs: Inputs, v?: Inputs | null, options?: FunctionalOptions): [Tensor, Tensor | Tensor[]] {
  return secondOrder('vhp', func, inputs, v, options);
}

/**
 * `hvp(func, inputs, v)`: `[func(inputs), H·v]` for a function returning one element, by
 * the double-backward trick.
 * @example const [f, hv] = torch.autograd.functional.hvp((x) => x.pow(3).sum(), x, v);
 */
export function hvp(func: Func, inputs: Inputs, v?: Inputs | null, options?: FunctionalOptions): [Tensor, Tensor | Tensor[]] {
  return secondOrder('hvp', func, inputs, v, options);
}
