/**
 * torch.func's function transforms over autograd: `grad`, `gradAndValue`, `vjp`, `jvp`,
 * `jacrev`, `jacfwd` and `hessian`. Each takes a function of tensors (or arrays and plain
 * objects of them: a model's parameters as `{ name: tensor }`) and returns a function that
 * computes derivatives, so that transforms compose: `grad(grad(f))`, `jacrev(jacrev(f))`.
 *
 * They are built on reverse-mode autograd, as torch.autograd.functional is: a nested
 * transform differentiates its inner one's graph (the inner level keeps its graph when its
 * inputs are tracked by an outer level). `jvp` uses the double-vjp trick, and `jacfwd`
 * computes the Jacobian row by row as `jacrev` does: the values are forward mode's, the cost
 * is one backward pass per output element. `vmap` is in vmap.ts.
 */
import { Tensor } from '../tensor/tensor.js';
import { onesLike, zeros, zerosLike } from '../tensor/creation.js';
import { AccumulateGrad, type Node } from '../autograd/node.js';
import { stack } from '../ops/shape.js';
import { checkFunction } from '../tensor/args.js';
import { grad as autogradGrad } from '../autograd/api.js';
import { enableGrad } from '../autograd/grad-mode.js';
import { treeLeaves, treeUnflatten, type PyTree } from './pytree.js';

/** Options of `grad`, `gradAndValue`, `jacrev`, `jacfwd`: PyTorch's keywords camelCased. */
export interface TransformOptions {
  /** Which positional arguments to differentiate: one index (default 0) or several. */
  argnums?: number | number[];
  /** `func` returns `[output, aux]`; aux is passed through untouched. */
  hasAux?: boolean;
  /** jacrev: accepted for compatibility (flint computes one row at a time). */
  chunkSize?: number | null;
  /** jacfwd: accepted for compatibility ('error', 'different', 'same'). */
  randomness?: string;
}

type Func = (...args: never[]) => unknown;

/** `(func, argnums?, options?)` or `(func, options)` as PyTorch's `argnums` is positional or keyword. */
function readOptions(fn: string, argnumsOrOptions: number | number[] | TransformOptions | undefined, options: TransformOptions | undefined): Required<Pick<TransformOptions, 'argnums' | 'hasAux'>> {
  const o = typeof argnumsOrOptions === 'object' && !Array.isArray(argnumsOrOptions) ? argnumsOrOptions : { ...options, argnums: argnumsOrOptions ?? options?.argnums };
  for (const key of Object.keys(o)) {
    if (!['argnums', 'hasAux', 'chunkSize', 'randomness'].includes(key)) throw new TypeError(`${fn}() got an unexpected keyword argument '${key}'`);
  }
  const argnums = o.argnums ?? 0;
  const list = Array.isArray(argnums) ? argnums : [argnums];
  if (Array.isArray(argnums) && argnums.length === 0) throw new Error('argnums must be non-empty');
  for (const n of list) {
    if (!Number.isInteger(n)) throw new Error(`argnums must be int or Tuple[int, ...], got: ${typeof n}`);
  }
  if (o.hasAux !== undefined && typeof o.hasAux !== 'boolean') throw new TypeError(`${fn}(): hasAux must be a boolean`);
  return { argnums, hasAux: o.hasAux ?? false };
}

/** One level of differentiation: the call's arguments with the differentiated tensors replaced by this level's inputs. */
interface Level {
  args: unknown[];
  inputs: Tensor[];
  /** Per differentiated argument, its tree and where its leaves start in `inputs`. */
  trees: { tree: unknown; start: number; count: number }[];
  /** Whether an outer level tracks the inputs: then results keep their graph. */
  nested: boolean;
  /**
   * Whether the results keep their graph: when an outer level tracks the inputs, or when
   * the function's output also depends on tensors it captured that require grad (a
   * gradient with respect to x can then be differentiated with respect to those).
   */
  createGraph: boolean;
}

function enter(fn: string, args: unknown[], argnums: number | number[]): Level {
  const indices = (Array.isArray(argnums) ? argnums : [argnums]).map((n) => {
    const i = n < 0 ? n + args.length : n;
    if (i < 0 || i >= args.length) throw new Error(`Got argnums=${String(argnums)}, but only ${args.length} positional inputs`);
    return i;
  });
  if (new Set(indices).size !== indices.length) throw new Error(`argnums elements must be unique, got ${String(argnums)}`);
  const newArgs = args.slice();
  const inputs: Tensor[] = [];
  const trees: Level['trees'] = [];
  let nested = false;
  for (const i of indices) {
    const leaves = treeLeaves(args[i]);
    for (const t of leaves) {
      if (!t.dtype.isFloatingPoint && !t.dtype.isComplex) {
        throw new Error(`${fn}: only Tensors of floating point or complex dtype can be differentiated, but argument ${i} has a ${t.dtype.name} tensor`);
      }
      if (t.requiresGrad) nested = true;
    }
    // A tensor an outer level tracks stays connected to it (a view); the others become this level's leaves.
    const mine = leaves.map((t) => (t.requiresGrad ? enableGrad(() => t.viewAs(t)) : t.detach().requiresGrad_(true)));
    trees.push({ tree: args[i], start: inputs.length, count: mine.length });
    inputs.push(...mine);
    newArgs[i] = treeUnflatten(args[i], mine);
  }
  return { args: newArgs, inputs, trees, nested, createGraph: nested };
}

/**
 * Whether `outputs` depend on a tensor that requires grad other than the level's inputs (a
 * weight the function closes over): then the level keeps its graph for it.
 */
function dependsOnOthers(outputs: Tensor[], level: Level): boolean {
  const mine = new Set<Tensor>(level.inputs);
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const o of outputs) if (o.gradFn !== null) stack.push(o.gradFn);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node instanceof AccumulateGrad) {
      if (!mine.has(node.variable)) return true;
      continue;
    }
    for (const next of node.next) if (next !== null) stack.push(next);
  }
  return false;
}

/** Settles whether the level keeps its graph, once its function has run. */
function settle(level: Level, outputs: Tensor[]): void {
  level.createGraph = level.nested || dependsOnOthers(outputs, level);
}

/** Per differentiated argument, `values` (one per input) in its tree; one tree, or an array of them. */
function perArgument(level: Level, values: unknown[], argnums: number | number[]): unknown {
  const trees = level.trees.map(({ tree, start, count }) => treeUnflatten(tree, values.slice(start, start + count)));
  return Array.isArray(argnums) ? trees : trees[0];
}

function finish(t: Tensor, level: Level): Tensor {
  return level.createGraph ? t : t.detach();
}

/** `aux` with its tensors detached where the level keeps no graph, as functorch unwraps it. */
function finishAux(aux: unknown, level: Level): unknown {
  return level.createGraph ? aux : treeUnflatten(aux, treeLeaves(aux).map((t) => t.detach()));
}

function callWithAux(fn: string, func: Func, level: Level, hasAux: boolean): [unknown, unknown] {
  const result = enableGrad(() => (func as (...a: unknown[]) => unknown)(...level.args));
  if (!hasAux) return [result, undefined];
  if (!Array.isArray(result) || result.length !== 2) throw new Error(`${fn}(f)(*args): output of function f should be a tuple: (output, aux) if has_aux is True`);
  return [result[0], result[1]];
}

/** d(output)/d(inputs) weighted by `cotangents`; zeros where an input does not reach the outputs. */
function backwardOf(outputs: Tensor[], cotangents: Tensor[], level: Level, retain: boolean): Tensor[] {
  const pairs = outputs.map((o, i) => [o, cotangents[i]] as const).filter(([o]) => o.requiresGrad);
  if (pairs.length === 0) return level.inputs.map((x) => zerosLike(x));
  const grads = autogradGrad(pairs.map(([o]) => o), level.inputs, pairs.map(([, c]) => c), { createGraph: level.createGraph, retainGraph: retain, allowUnused: true });
  return grads.map((g, i) => finish(g ?? zerosLike(level.inputs[i]), level));
}

/**
 * `torch.func.gradAndValue(func, argnums?, options?)`: a function that returns the gradient
 * of `func`'s scalar output with respect to the chosen arguments, and the output:
 * `[grads, value]` (with `hasAux`, `[grads, [value, aux]]`).
 * @example const [g, loss] = torch.func.gradAndValue((w: Tensor) => w.pow(2).sum())(w);
 */
export function gradAndValue(func: Func, argnums?: number | number[] | TransformOptions, options?: TransformOptions): (...args: unknown[]) => [unknown, unknown] {
  checkFunction(func, 'gradAndValue', 'func');
  const o = readOptions('gradAndValue', argnums, options);
  return (...args: unknown[]) => {
    const level = enter('grad_and_value', args, o.argnums);
    const [output, aux] = callWithAux('grad_and_value', func, level, o.hasAux);
    if (!(output instanceof Tensor)) throw new Error(`grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got ${typeof output}`);
    if (output.dim() !== 0) {
      throw new Error(`grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with ${output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?`);
    }
    settle(level, [output]);
    // One backward: the graph goes with it unless a result keeps it.
    const grads = backwardOf([output], [onesLike(output)], level, level.createGraph);
    const value = finish(output, level);
    return [perArgument(level, grads, o.argnums), o.hasAux ? [value, finishAux(aux, level)] : value];
  };
}

/**
 * `torch.func.grad(func, argnums?, options?)`: a function that returns the gradient of
 * `func`'s scalar output with respect to the chosen arguments (0 by default), each in its
 * argument's shape: a tensor, or an object of tensors for a parameter dict.
 * @example
 * const params = Object.fromEntries(net.namedParameters());
 * const grads = torch.func.grad((p: Record<string, Tensor>) => F.mseLoss(torch.func.functionalCall(net, p, [x]), y))(params);
 */
export function grad(func: Func, argnums?: number | number[] | TransformOptions, options?: TransformOptions): (...args: unknown[]) => unknown {
  const both = gradAndValue(func, argnums, options);
  const hasAux = readOptions('grad', argnums, options).hasAux;
  return (...args: unknown[]) => {
    const [grads, value] = both(...args);
    return hasAux ? [grads, (value as [unknown, unknown])[1]] : grads;
  };
}

function splitOptions(rest: unknown[]): [unknown[], boolean] {
  const last = rest[rest.length - 1];
  if (last !== null && typeof last === 'object' && !(last instanceof Tensor) && !Array.isArray(last)) {
    const keys = Object.keys(last);
    if (keys.length > 0 && keys.every((k) => k === 'hasAux')) return [rest.slice(0, -1), Boolean((last as { hasAux: unknown }).hasAux)];
  }
  return [rest, false];
}

/**
 * `torch.func.vjp(func, ...primals, { hasAux }?)`: `[output, vjpFn]` (with `hasAux`, `[output,
 * vjpFn, aux]`), where `vjpFn(cotangents)` gives the vector-Jacobian product as an array with
 * one entry per primal; it may be called again with other cotangents.
 * @example const [y, vjpFn] = torch.func.vjp((x: Tensor) => x.sin(), x); const [g] = vjpFn(torch.onesLike(y));
 */
export function vjp(func: Func, ...primalsAndOptions: unknown[]): unknown[] {
  checkFunction(func, 'vjp', 'func');
  const [primals, hasAux] = splitOptions(primalsAndOptions);
  const level = enter('vjp', primals, primals.map((_, i) => i));
  const [output, aux] = callWithAux('vjp', func, level, hasAux);
  const outputs = treeLeaves(output);
  settle(level, outputs);
  const vjpFn = (cotangents: PyTree): unknown[] => {
    const cs = treeLeaves(cotangents);
    if (cs.length !== outputs.length) throw new Error(`Expected pytree structure of cotangents to be the same as pytree structure of outputs to the function: ${outputs.length} tensors expected, got ${cs.length}`);
    cs.forEach((c, i) => {
      if (c.shape.join() !== outputs[i].shape.join()) throw new Error(`Mismatch in shape: grad_output[${i}] has a shape of torch.Size([${c.shape.join(', ')}]) and output[${i}] has a shape of torch.Size([${outputs[i].shape.join(', ')}]).`);
    });
    // vjpFn may be called again: the graph is kept for it.
    return perArgument(level, backwardOf(outputs, cs, level, true), primals.map((_, i) => i)) as unknown[];
  };
  const out = treeUnflatten(output, outputs.map((t) => finish(t, level)));
  return hasAux ? [out, vjpFn, finishAux(aux, level)] : [out, vjpFn];
}

/**
 * `torch.func.jvp(func, primals, tangents, { hasAux }?)`: `[output, jvpOut]`, the
 * Jacobian-vector product in the output's shape (by the double-vjp trick).
 * @example const [y, dy] = torch.func.jvp((x: Tensor) => x.exp(), [x], [torch.onesLike(x)]);
 */
export function jvp(func: Func, primals: unknown[], tangents: unknown[], options?: { hasAux?: boolean }): unknown[] {
  checkFunction(func, 'jvp', 'func');
  if (!Array.isArray(primals) || !Array.isArray(tangents)) throw new Error('jvp(f, primals, tangents): Expected primals and tangents to be arrays (PyTorch\'s tuples)');
  if (primals.length !== tangents.length) throw new Error(`jvp(f, primals, tangents): Expected primals and tangents to have the same python structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got primals with ${primals.length} entries and tangents with ${tangents.length}`);
  const hasAux = options?.hasAux ?? false;
  const level = enter('jvp', primals, primals.map((_, i) => i));
  const ts = treeLeaves(tangents);
  if (ts.length !== level.inputs.length) throw new Error('jvp(f, primals, tangents): Expected primals and tangents to have the same python structure');
  const [output, aux] = callWithAux('jvp', func, level, hasAux);
  const outputs = treeLeaves(output);
  settle(level, outputs);
  // u ↦ uᵀJ is linear in u; its gradient with respect to u, weighted by the tangents, is J·t.
  const us = outputs.map((o) => zerosLike(o).requiresGrad_(true));
  const tracked = outputs.map((o, i) => [o, us[i]] as const).filter(([o]) => o.requiresGrad);
  let products: Tensor[];
  if (tracked.length === 0) {
    products = outputs.map((o) => zerosLike(o));
  } else {
    const vjps = autogradGrad(tracked.map(([o]) => o), level.inputs, tracked.map(([, u]) => u), { createGraph: true, retainGraph: true, allowUnused: true });
    const pairs = vjps.map((g, i) => [g, ts[i]] as const).filter(([g]) => g !== null && g.requiresGrad);
    const back = pairs.length === 0
      ? us.map(() => null)
      : autogradGrad(pairs.map(([g]) => g!), us, pairs.map(([, t]) => t), { createGraph: level.createGraph, retainGraph: level.createGraph, allowUnused: true });
    products = back.map((p, i) => finish(p ?? zerosLike(outputs[i]), level));
  }
  const out = treeUnflatten(output, outputs.map((t) => finish(t, level)));
  const jvpOut = treeUnflatten(output, products);
  return hasAux ? [out, jvpOut, finishAux(aux, level)] : [out, jvpOut];
}

/** The Jacobian of every output leaf with respect to every input, one backward pass per output element. */
function jacobianOf(fn: string, func: Func, args: unknown[], o: Required<Pick<TransformOptions, 'argnums' | 'hasAux'>>): unknown {
  const level = enter(fn, args, o.argnums);
  const [output, aux] = callWithAux(fn, func, level, o.hasAux);
  const outputs = treeLeaves(output);
  if (outputs.length === 0) throw new Error(`${fn}(f, ...)(*args): Expected f to be a function that has non-empty output (got output = ${String(output)})`);
  settle(level, outputs);
  const perOutput = outputs.map((out) => {
    const rows: Tensor[][] = level.inputs.map(() => []);
    const n = out.numel();
    for (let k = 0; k < n; k++) {
      // Row k is the output's gradient weighted by the k-th basis vector (no select on the
      // output, so a nested level can differentiate the row again).
      const basis = zerosLike(out).reshape(-1);
      basis.select(0, k).fill_(1);
      const grads = out.requiresGrad
        ? autogradGrad([out], level.inputs, [basis.reshape(out.shape)], { createGraph: level.createGraph, retainGraph: true, allowUnused: true })
        : level.inputs.map(() => null);
      grads.forEach((g, i) => rows[i].push(g ?? zerosLike(level.inputs[i])));
    }
    const jacobians = level.inputs.map((x, i) => {
      const stacked = rows[i].length === 0 ? zeros([0, ...x.shape], { dtype: x.dtype, device: x.device }) : stack(rows[i]);
      return finish(stacked.reshape(...out.shape, ...x.shape), level);
    });
    return perArgument(level, jacobians, o.argnums);
  });
  const result = output instanceof Tensor ? perOutput[0] : treeUnflatten(output, perOutput);
  return o.hasAux ? [result, finishAux(aux, level)] : result;
}

/**
 * `torch.func.jacrev(func, argnums?, options?)`: a function that returns the Jacobian of
 * `func`'s output(s) with respect to the chosen arguments, shaped output shape + input shape.
 * @example const J = torch.func.jacrev((x: Tensor) => x.sin())(x); // [n, n] for x of [n]
 */
export function jacrev(func: Func, argnums?: number | number[] | TransformOptions, options?: TransformOptions): (...args: unknown[]) => unknown {
  checkFunction(func, 'jacrev', 'func');
  const o = readOptions('jacrev', argnums, options);
  return (...args: unknown[]) => jacobianOf('jacrev', func, args, o);
}

/**
 * `torch.func.jacfwd(func, argnums?, options?)`: the Jacobian as `jacrev` gives it (the same
 * values and shape; flint computes it in reverse mode).
 * @example const J = torch.func.jacfwd((x: Tensor) => x.exp())(x);
 */
export function jacfwd(func: Func, argnums?: number | number[] | TransformOptions, options?: TransformOptions): (...args: unknown[]) => unknown {
  checkFunction(func, 'jacfwd', 'func');
  const o = readOptions('jacfwd', argnums, options);
  return (...args: unknown[]) => jacobianOf('jacfwd', func, args, o);
}

/**
 * `torch.func.hessian(func, argnums?)`: the Jacobian of the Jacobian, shaped output shape +
 * input shape + input shape.
 * @example const H = torch.func.hessian((x: Tensor) => x.pow(3).sum())(x); // diag(6x)
 */
export function hessian(func: Func, argnums?: number | number[] | TransformOptions, options?: TransformOptions): (...args: unknown[]) => unknown {
  checkFunction(func, 'hessian', 'func');
  const o = readOptions('hessian', argnums, options);
  const given = typeof argnums === 'object' && !Array.isArray(argnums) ? argnums : (options ?? {});
  for (const key of Object.keys(given)) if (key !== 'argnums') throw new TypeError(`hessian() got an unexpected keyword argument '${key}'`);
  return jacfwd(jacrev(func, o.argnums) as Func, o.argnums);
}
