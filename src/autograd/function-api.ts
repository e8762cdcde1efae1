/**
 * Public custom autograd Functions (`torch.autograd.Function`): a subclass gives a static
 * `forward(ctx, ...args)` and `backward(ctx, ...grads)`, and is called as
 * `MyFn.apply(...args)`. The forward runs without recording; its tensor outputs get one
 * `<ClassName>Backward` node with an edge per tensor input. The backward runs in the
 * engine's grad mode, so with `createGraph` a backward written with differentiable ops
 * can itself be differentiated.
 */
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { sumTo } from '../ops/reduce.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { Device } from '../tensor/device.js';
import type { DType } from '../tensor/dtype.js';
import { gradEnabled, noGrad } from './grad-mode.js';
import { slotsOf } from './function.js';
import { Node } from './node.js';

interface OutputMeta {
  shape: number[];
  dtype: DType;
  device: Device;
}

function tensorsOf(fn: string, values: unknown[]): (Tensor | null)[] {
  return values.map((t, i) => {
    if (t === null || t === undefined) return null;
    if (!(t instanceof Tensor)) throw new TypeError(`${fn}(): argument ${i} must be a Tensor or null, but got ${typeof t}`);
    return t;
  });
}

/**
 * The `ctx` a custom Function's forward and backward share. Arbitrary fields may be set
 * on it in forward (`ctx.k = 3`) and read in backward; tensors go through
 * `saveForBackward`, so that in-place changes are detected and the graph frees them.
 *
 * @example
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
 *   static backward(ctx: FunctionCtx, g: Tensor) { const [y] = ctx.savedTensors; return g.mul(y!); }
 * }
 */
export class FunctionCtx {
  [key: string]: unknown;
  /** Per forward argument: whether it is a tensor that requires grad. */
  needsInputGrad: boolean[] = [];
  /** @internal tensors given to saveForBackward, until the node takes them */
  _toSave: (Tensor | null)[] | null = null;
  /** @internal the node's getters once the graph holds the saved tensors */
  _getters: ((() => Tensor) | null)[] | null = null;
  /** @internal */ _dirty: Set<Tensor> = new Set();
  /** @internal */ _nonDifferentiable: Set<Tensor> = new Set();
  /** @internal */ _materializeGrads = true;
  /** @internal set once the node has been released by a backward without retainGraph */
  _freed = false;

  /**
   * Saves tensors (or nulls) for backward; call it at most once, in forward.
   * @example ctx.saveForBackward(x, w)
   */
  saveForBackward(...tensors: (Tensor | null)[]): void {
    this._toSave = tensorsOf('saveForBackward', tensors);
  }

  /**
   * The tensors given to `saveForBackward`, checked for in-place modification since.
   * @example const [x, w] = ctx.savedTensors;
   */
  get savedTensors(): (Tensor | null)[] {
    if (this._freed) {
      throw new Error(
        'Trying to backward through the graph a second time (or directly access saved tensors after they have ' +
          'already been freed). Saved intermediate values of the graph are freed when you call .backward() or ' +
          'autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or ' +
          'if you need to access saved tensors after calling backward.',
      );
    }
    if (this._getters !== null) return this._getters.map((get) => (get === null ? null : get()));
    return this._toSave === null ? [] : [...this._toSave];
  }

  /**
   * Declares input tensors the forward modified in place (they then carry this node's history).
   * @example x.mul_(2); ctx.markDirty(x); return x;
   */
  markDirty(...tensors: Tensor[]): void {
    for (const t of tensorsOf('markDirty', tensors)) if (t !== null) this._dirty.add(t);
  }

  /**
   * Declares outputs that are not differentiable (indices, masks): they do not require grad.
   * @example ctx.markNonDifferentiable(indices)
   */
  markNonDifferentiable(...tensors: Tensor[]): void {
    for (const t of tensorsOf('markNonDifferentiable', tensors)) if (t !== null) this._nonDifferentiable.add(t);
  }

  /**
   * Whether backward receives zeros (the default) or null for outputs no gradient reached.
   * @example ctx.setMaterializeGrads(false)
   */
  setMaterializeGrads(value: boolean): void {
    if (typeof value !== 'boolean') throw new TypeError(`setMaterializeGrads(): expected a boolean, but got ${typeof value}`);
    this._materializeGrads = value;
  }
}

type BackwardOf = {
  backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): unknown;
  vjp?: (ctx: FunctionCtx, ...grads: (Tensor | null)[]) => unknown;
};

/** The node of one custom Function call. @internal */
class FunctionNode extends Node {
  ctx: FunctionCtx | null;

  constructor(
    name: string,
    next: (Node | null)[],
    ctx: FunctionCtx,
    private readonly fnClass: FunctionClass,
    /** per forward argument, its index among the tensor inputs, or -1 */
    private readonly tensorIndex: number[],
    private readonly inputMeta: (OutputMeta | null)[],
    private readonly outputMeta: OutputMeta[],
  ) {
    super(name, next);
    this.ctx = ctx;
    this.userCode = true;
    this.numOutputs = outputMeta.length;
    this.backwardFn = () => {
      throw new Error('internal error: a custom Function node runs through applyAll');
    };
  }

  override applyAll(slots: (Tensor | undefined)[]): (Tensor | null)[] {
    const ctx = this.ctx;
    if (ctx === null || this.released) throw new Error('Trying to backward through the graph a second time');
    const grads = this.outputMeta.map((meta, i) => {
      const g = slots[i];
      if (g !== undefined) return g;
      return ctx._materializeGrads ? zeros(meta.shape, { dtype: meta.dtype, device: meta.device }) : null;
    });
    const cls = this.fnClass as unknown as BackwardOf;
    // PyTorch accepts `vjp` as the backward's other name.
    let result = cls.backward === Function.backward && typeof cls.vjp === 'function' ? cls.vjp(ctx, ...grads) : cls.backward(ctx, ...grads);
    if (!Array.isArray(result)) result = [result];
    return this.validate(result as unknown[]);
  }

  /** One gradient per tensor input, as PyTorch's validate_outputs checks and adapts them. */
  private validate(result: unknown[]): (Tensor | null)[] {
    const expected = this.tensorIndex.length;
    if (result.length > expected && result.slice(expected).some((g) => g !== null && g !== undefined)) {
      throw new Error(`function ${this.name} returned an incorrect number of gradients (expected ${expected}, got ${result.length})`);
    }
    if (result.length < expected) {
      throw new Error(`function ${this.name} returned an incorrect number of gradients (expected ${expected}, got ${result.length})`);
    }
    const grads: (Tensor | null)[] = new Array<Tensor | null>(this.next.length).fill(null);
    this.tensorIndex.forEach((k, i) => {
      const g = result[i];
      if (g === null || g === undefined) return;
      if (k < 0) {
        throw new Error(
          `function ${this.name} returned a gradient different than None at position ${i + 1}, but the corresponding forward input was not a Variable`,
        );
      }
      if (!(g instanceof Tensor)) throw new TypeError(`function ${this.name} returned a ${typeof g} as gradient ${i}; expected a Tensor or null`);
      const meta = this.inputMeta[k]!;
      let grad = g;
      if (grad._shape.join() !== meta.shape.join()) {
        let fits = false;
        try {
          fits = broadcastShapes(meta.shape, grad._shape).join() === grad._shape.join();
        } catch {
          fits = false;
        }
        if (!fits) {
          throw new Error(
            `Function ${this.name} returned an invalid gradient at index ${k} - got [${grad._shape.join(', ')}] but expected shape compatible with [${meta.shape.join(', ')}]`,
          );
        }
        grad = sumTo(grad, meta.shape);
      }
      if (grad._dtype !== meta.dtype) grad = grad.to(meta.dtype);
      grads[k] = grad;
    });
    return grads;
  }

  override release(): void {
    super.release();
    if (this.ctx !== null) this.ctx._freed = true;
    // Drops whatever the forward stashed on ctx along with the saved tensors.
    this.ctx = null;
  }
}

/** A custom Function class: what `apply` needs of `this`. */
interface FunctionClass {
  name: string;
  forward(ctx: FunctionCtx, ...args: never[]): unknown;
  backward(ctx: FunctionCtx, ...grads: never[]): unknown;
}

type ForwardArgs<T> = T extends { forward(ctx: FunctionCtx, ...args: infer A): unknown } ? A : never;
type ForwardResult<T> = T extends { forward(ctx: FunctionCtx, ...args: never[]): infer R } ? R : never;

/**
 * `torch.autograd.Function`: subclass it with static `forward` and `backward`, then call
 * `MyFn.apply(...)`. Non-tensor arguments pass through (their gradient must be null);
 * `forward` may return one tensor or an array of outputs; `backward` gets one gradient
 * per tensor output and returns one per forward argument.
 *
 * @example
 * class MulConst extends torch.autograd.Function {
 *   static forward(ctx: FunctionCtx, x: Tensor, k: number) { ctx.k = k; return x.mul(k); }
 *   static backward(ctx: FunctionCtx, g: Tensor) { return [g.mul(ctx.k as number), null]; }
 * }
 * const y = MulConst.apply(x, 3); // y.gradFn.name === 'MulConstBackward'
 */
export class Function {
  /** Computes the outputs; runs without recording a graph. */
  static forward(ctx: FunctionCtx, ...args: unknown[]): unknown {
    void ctx;
    void args;
    throw new Error('You must implement the forward function for custom autograd.Function.');
  }

  /** Computes the gradients of the inputs from those of the outputs. */
  static backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): unknown {
    void ctx;
    void grads;
    throw new Error('You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.');
  }

  /** Runs the Function and records its node. @example const y = MyFn.apply(x) */
  static apply<T extends FunctionClass>(this: T, ...args: ForwardArgs<T>): ForwardResult<T> {
    return applyFunction(this, args as unknown[]) as ForwardResult<T>;
  }
}

function applyFunction(cls: FunctionClass, args: unknown[]): unknown {
  const ctx = new FunctionCtx();
  const tensorIndex: number[] = [];
  const inputs: Tensor[] = [];
  for (const a of args) {
    tensorIndex.push(a instanceof Tensor ? inputs.length : -1);
    if (a instanceof Tensor) inputs.push(a);
  }
  ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a._requiresGrad);
  const raw = noGrad(() => cls.forward(ctx, ...(args as never[])));
  const executable = gradEnabled() && inputs.some((t) => t._requiresGrad);
  if (!executable) {
    ctx._getters = null;
    return raw;
  }
  const list = Array.isArray(raw) ? [...raw] : [raw];
  const outputSlots: number[] = [];
  const outputMeta: OutputMeta[] = [];
  list.forEach((v, i) => {
    if (v instanceof Tensor) {
      outputSlots.push(i);
      outputMeta.push({ shape: v._shape.slice(), dtype: v._dtype, device: v.device });
    }
  });
  const node = new FunctionNode(
    `${cls.name}Backward`,
    inputs.map((t) => t._edge()),
    ctx,
    cls,
    tensorIndex,
    inputs.map((t) => ({ shape: t._shape.slice(), dtype: t._dtype, device: t.device })),
    outputMeta,
  );
  node.nextSlots = slotsOf(inputs);
  const inputSet = new Set(inputs);
  outputSlots.forEach((position, slot) => {
    const original = list[position] as Tensor;
    let out = original;
    if (ctx._dirty.has(out)) {
      if (out._requiresGrad && out._gradFn === null) throw new Error('a leaf Variable that requires grad has been used in an in-place operation.');
      const base = out._base;
      if (base !== null && base._requiresGrad && base._gradFn === null) {
        throw new Error('a view of a leaf Variable that requires grad is being used in an in-place operation.');
      }
    } else if (inputSet.has(out)) {
      // An input returned as it is comes back as a new tensor sharing its storage, so the
      // input keeps its own history (PyTorch returns a view of it).
      out = out.detach();
      list[position] = out;
    }
    if (ctx._nonDifferentiable.has(original)) return;
    out._gradFn = node;
    out._outputNr = slot;
    out._requiresGrad = true;
  });
  // Saved after the outputs are wired, so that saved outputs and dirty inputs are
  // version-checked from their state at the end of forward.
  const toSave = ctx._toSave;
  ctx._toSave = null;
  ctx._getters = toSave === null ? [] : toSave.map((t) => (t === null ? null : node.save(t)));
  if (node.unsealed) node.seal();
  return Array.isArray(raw) ? list : list[0];
}
