/**
 * CUDA graphs, as PyTorch's `torch.cuda.CUDAGraph`, `torch.cuda.graph` and
 * `torch.cuda.makeGraphedCallables`: the GPU work of a piece of code is captured once and
 * then replayed with one launch, so that the JS dispatch of every op disappears from the
 * replayed step.
 *
 * As in PyTorch, a capture records work without running it. Tensors made inside it live in
 * the graph's private memory pool and are the graph's static outputs: each replay writes
 * them again. Inputs must be static too: copy new data into them before `replay()`. Anything
 * that waits for the GPU or reads host memory (`item()`, `data()`, `.cpu()`, `torch.tensor`
 * onto the GPU, `nonzero`, `synchronize`) throws inside a capture. Warm the code up before
 * capturing it (cuDNN's algorithm choice and optimizer state are made on first use).
 */
import { native } from './native/addon.js';
import { CaptureMode, GraphCommand } from './native/enums.generated.js';
import { cudaDevice, currentCudaIndex } from './tensor/device.js';
import { Tensor } from './tensor/tensor.js';
import { emptyLike, onesLike } from './tensor/creation.js';
import { isAvailable, synchronize, unavailableReason } from './cuda.js';
import { grad as autogradGrad } from './autograd/api.js';
import { Function as AutogradFunction, type FunctionCtx } from './autograd/function-api.js';
import { noGrad } from './autograd/grad-mode.js';
import { capturingDeviceCode, setCapturingDeviceCode } from './cuda-capture.js';
import type { Module } from './nn/module.js';


/**
 * A private memory pool for CUDA graphs, as `torch.cuda.graph_pool_handle()` returns and
 * `CUDAGraph.pool()` gives: graphs captured into one pool share its memory (replay them in
 * the order they were captured).
 * @example const pool = torch.cuda.graphPoolHandle(); torch.cuda.graph(g1, { pool }, fn1);
 */
export class GraphPool {
  /** @internal */ readonly _deviceCode: number;
  /** @internal */ readonly _id: number;
  /** @internal */
  constructor(deviceCode: number, id: number) {
    this._deviceCode = deviceCode;
    this._id = id;
  }
}

/** Graphs collected while a capture ran (freeing then would invalidate it): reset at its end. */
const collectedDuringCapture: { code: number; id: number }[] = [];

function freeQuietly(code: number, command: GraphCommand, id: number): void {
  try {
    native.cudaGraph(code, command, id, 0);
  } catch {
    // The device is gone (its addon instance retired): nothing is left to free.
  }
}

const poolHolds = new FinalizationRegistry<{ code: number; id: number }>(({ code, id }) => {
  freeQuietly(code, GraphCommand.ReleasePool, id);
});
const graphHolds = new FinalizationRegistry<{ code: number; id: number }>((held) => {
  if (capturingDeviceCode() >= 0) collectedDuringCapture.push(held);
  else freeQuietly(held.code, GraphCommand.Reset, held.id);
});

function resetCollectedGraphs(): void {
  for (const { code, id } of collectedDuringCapture.splice(0)) freeQuietly(code, GraphCommand.Reset, id);
}

function requireCuda(fn: string): number {
  if (!isAvailable()) throw new Error(`CUDA is not available: ${unavailableReason()} (in ${fn})`);
  return cudaDevice(currentCudaIndex()).code;
}

/**
 * `torch.cuda.graph_pool_handle()`: a new private pool to share between graphs.
 * @example const pool = torch.cuda.graphPoolHandle();
 */
export function graphPoolHandle(): GraphPool {
  const code = requireCuda('graphPoolHandle');
  const id = native.cudaGraph(code, GraphCommand.NewPool, 0, 0);
  const pool = new GraphPool(code, id);
  poolHolds.register(pool, { code, id });
  return pool;
}

/**
 * `torch.cuda.is_current_stream_capturing()`: true inside a capture.
 * @example if (torch.cuda.isCurrentStreamCapturing()) ...
 */
export function isCurrentStreamCapturing(): boolean {
  return capturingDeviceCode() >= 0;
}

const CAPTURE_MODES: Record<string, CaptureMode> = {
  global: CaptureMode.Global,
  thread_local: CaptureMode.ThreadLocal,
  relaxed: CaptureMode.Relaxed,
};

/** Options of `captureBegin` and `torch.cuda.graph`, PyTorch's keywords camelCased. */
export interface CaptureOptions {
  /** Capture into this pool (another graph's `pool()`, or `graphPoolHandle()`). */
  pool?: GraphPool | null;
  /** PyTorch's `capture_error_mode`: 'global' (default), 'thread_local' or 'relaxed'. */
  captureErrorMode?: 'global' | 'thread_local' | 'relaxed';
  /** Accepted for PyTorch's signature; flint's CUDA device has one stream, which captures. */
  stream?: unknown;
}

/**
 * `torch.cuda.CUDAGraph`: one captured graph. Capture with `torch.cuda.graph(g, fn)` (or
 * `captureBegin`/`captureEnd`), then `replay()`.
 * @example
 * const g = new torch.cuda.CUDAGraph();
 * const out = torch.cuda.graph(g, () => model.forward(staticInput));
 * staticInput.copy_(batch); g.replay(); // out now holds model(batch)
 */
export class CUDAGraph {
  /** @internal */ _code = -1;
  /** @internal */ _id = 0;
  /** @internal */ _captured = false;

  /**
   * Starts capturing the current CUDA device's work. Prefer `torch.cuda.graph`.
   * @example g.captureBegin(); y = f(x); g.captureEnd();
   */
  captureBegin(pool: GraphPool | null = null, options: { captureErrorMode?: CaptureOptions['captureErrorMode'] } = {}): void {
    const code = requireCuda('CUDAGraph.captureBegin');
    if (this._id !== 0) {
      throw new Error('This CUDAGraph instance already owns a captured graph. To capture a new graph, create a new instance.');
    }
    if (capturingDeviceCode() >= 0) throw new Error('a CUDA graph capture is already under way (captures do not nest)');
    const modeName = options.captureErrorMode ?? 'global';
    const mode = CAPTURE_MODES[modeName];
    if (mode === undefined) {
      throw new Error(`Unknown capture error mode. Expected "global", "thread_local", or "relaxed", got "${String(modeName)}"`);
    }
    if (pool !== null && !(pool instanceof GraphPool)) {
      throw new TypeError(`captureBegin(): pool must be a pool from graphPoolHandle() or CUDAGraph.pool(), but got ${typeof pool}`);
    }
    if (pool !== null && pool._deviceCode !== code) throw new Error('captureBegin(): the pool belongs to another CUDA device');
    this._id = native.cudaGraph(code, GraphCommand.CaptureBegin, pool?._id ?? 0, mode);
    this._code = code;
    setCapturingDeviceCode(code);
    graphHolds.register(this, { code, id: this._id }, this);
  }

  /**
   * Ends the capture and makes the graph replayable.
   * @example g.captureBegin(); y = f(x); g.captureEnd();
   */
  captureEnd(): void {
    if (this._id === 0 || capturingDeviceCode() !== this._code || this._captured) {
      throw new Error('Called CUDAGraph::capture_end without a preceding capture_begin on this graph.');
    }
    setCapturingDeviceCode(-1);
    try {
      native.cudaGraph(this._code, GraphCommand.CaptureEnd, this._id, 0);
    } catch (error) {
      this._forget(); // the device has freed it
      throw error;
    } finally {
      resetCollectedGraphs();
    }
    this._captured = true;
  }

  /** @internal Ends a capture whose code threw, dropping what it recorded. */
  _abortCapture(): void {
    if (this._id === 0 || capturingDeviceCode() !== this._code || this._captured) return;
    setCapturingDeviceCode(-1);
    try {
      native.cudaGraph(this._code, GraphCommand.AbortCapture, this._id, 0);
    } finally {
      this._forget();
      resetCollectedGraphs();
    }
  }

  /**
   * Runs the captured work again, with whatever the static inputs now hold.
   * @example staticInput.copy_(x); g.replay();
   */
  replay(): void {
    if (!this._captured) throw new Error('Called CUDAGraph::replay without a preceding successful capture.');
    native.cudaGraph(this._code, GraphCommand.Replay, this._id, 0);
  }

  /**
   * Frees the graph; its pool's memory goes back once no graph or handle uses it.
   * @example g.reset();
   */
  reset(): void {
    if (this._id === 0) return;
    native.cudaGraph(this._code, GraphCommand.Reset, this._id, 0);
    this._forget();
  }

  /**
   * The graph's private pool, to capture another graph into (`torch.cuda.graph(g2, { pool: g1.pool() }, fn)`).
   * @example const pool = g.pool();
   */
  pool(): GraphPool {
    if (this._id === 0) throw new Error('Called CUDAGraph::pool() without a preceding successful capture.');
    return new GraphPool(this._code, native.cudaGraph(this._code, GraphCommand.Pool, this._id, 0));
  }

  /** @internal */
  _forget(): void {
    graphHolds.unregister(this);
    this._id = 0;
    this._captured = false;
  }
}

/**
 * `torch.cuda.graph`: captures what `fn` queues on the GPU into `cudaGraph` and returns
 * what `fn` returned (its tensors are the graph's static outputs). As PyTorch's context
 * manager, it first waits for the device. `fn` must be synchronous: an `await` inside a
 * capture would let unrelated work into the graph.
 * @example
 * const g = new torch.cuda.CUDAGraph();
 * const loss = torch.cuda.graph(g, () => { const l = lossFn(model.forward(x), y); l.backward(); opt.step(); return l; });
 * for (const [bx, by] of batches) { x.copy_(bx); y.copy_(by); g.replay(); }
 */
export function graph<T>(cudaGraph: CUDAGraph, fn: () => T): T;
export function graph<T>(cudaGraph: CUDAGraph, options: CaptureOptions, fn: () => T): T;
export function graph<T>(cudaGraph: CUDAGraph, optionsOrFn: CaptureOptions | (() => T), maybeFn?: () => T): T {
  if (!(cudaGraph instanceof CUDAGraph)) {
    throw new TypeError(`graph(): cudaGraph must be a torch.cuda.CUDAGraph, but got ${typeof cudaGraph}`);
  }
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  const options: CaptureOptions = typeof optionsOrFn === 'function' ? {} : (optionsOrFn ?? {});
  if (typeof fn !== 'function') throw new TypeError('graph(): expected the function to capture as the last argument');
  for (const key of Object.keys(options)) {
    if (key !== 'pool' && key !== 'captureErrorMode' && key !== 'stream') {
      throw new TypeError(`graph() got an unexpected keyword argument '${key}'`);
    }
  }
  const code = requireCuda('torch.cuda.graph');
  // As PyTorch's graph(): wait for the device, and give cached memory back, since the
  // graph's pool allocates afresh and nothing can be freed once the capture runs.
  synchronize();
  native.emptyCache(code);
  cudaGraph.captureBegin(options.pool ?? null, { captureErrorMode: options.captureErrorMode });
  let result: T;
  try {
    result = fn();
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      throw new TypeError(
        'torch.cuda.graph: the captured function returned a Promise; capture synchronous code (an await inside a capture would let other work into the graph)',
      );
    }
  } catch (error) {
    // Leave the device as it was: end the capture, and drop what it recorded.
    try {
      cudaGraph._abortCapture();
    } catch {
      // The error that matters is fn's.
    }
    throw error;
  }
  cudaGraph.captureEnd();
  return result;
}

/** Options of `makeGraphedCallables`, PyTorch's keywords camelCased. */
export interface MakeGraphedOptions {
  /** Eager iterations before capture (default 3, as PyTorch), which make lazy state. */
  numWarmupIters?: number;
  /** Allow inputs that the outputs do not depend on (their gradient is then null). */
  allowUnusedInput?: boolean;
  /** Capture into this pool. */
  pool?: GraphPool | null;
}

type Callable = Module | ((...args: Tensor[]) => Tensor | Tensor[]);

function flattenOutputs(out: unknown, fn: string): { tensors: Tensor[]; single: boolean } {
  if (out instanceof Tensor) return { tensors: [out], single: true };
  if (Array.isArray(out) && out.every((t) => t instanceof Tensor)) return { tensors: out as Tensor[], single: false };
  throw new TypeError(`${fn}: a graphed callable must return a Tensor or an array of Tensors`);
}

/** One callable on its way to being graphed. */
interface Graphing {
  isModule: boolean;
  forward: (...a: Tensor[]) => unknown;
  args: Tensor[];
  params: Tensor[];
  /** The inputs, then the parameters, that require grad: what the backward graph differentiates. */
  needsGrad: Tensor[];
  forwardGraph: CUDAGraph;
  backwardGraph: CUDAGraph;
  single: boolean;
  staticOutputs: Tensor[];
  staticGradOutputs: Tensor[];
  staticGradInputs: (Tensor | null)[];
}

/**
 * `torch.cuda.make_graphed_callables`: captures a module's (or function's) forward and
 * backward as two CUDA graphs and returns a graphed version that replays them and takes
 * part in autograd, as PyTorch's does. A module is returned itself, with `forward`
 * replaced by the graphed one while it stays in the training mode it was graphed in.
 * Given an array of callables (with an array of sample-argument arrays), returns an
 * array; call them in that order in forward, as PyTorch requires, since their graphs
 * share one memory pool.
 * @example
 * const model = torch.cuda.makeGraphedCallables(net, [torch.randn(64, 784, { device: 'cuda' })]);
 * const loss = lossFn(model(x), y); loss.backward(); opt.step();
 */
export function makeGraphedCallables<C extends Callable>(callables: C, sampleArgs: Tensor[], options?: MakeGraphedOptions): C;
export function makeGraphedCallables<C extends Callable>(callables: C[], sampleArgs: Tensor[][], options?: MakeGraphedOptions): C[];
export function makeGraphedCallables(
  callables: Callable | Callable[],
  sampleArgs: Tensor[] | Tensor[][],
  options: MakeGraphedOptions = {},
): Callable | Callable[] {
  const fnName = 'makeGraphedCallables';
  const many = Array.isArray(callables);
  const list = many ? callables : [callables];
  const argsList = (many ? sampleArgs : [sampleArgs]) as Tensor[][];
  if (!Array.isArray(argsList) || argsList.length !== list.length || argsList.some((a) => !Array.isArray(a))) {
    throw new TypeError(`${fnName}: expected one array of sample arguments per callable`);
  }
  const numWarmupIters = options.numWarmupIters ?? 3;
  const allowUnused = options.allowUnusedInput ?? false;
  requireCuda(fnName);

  const items: Graphing[] = list.map((callable, index) => {
    const args = argsList[index];
    for (const a of args) {
      if (!(a instanceof Tensor)) throw new TypeError(`${fnName}: sample arguments must be Tensors`);
    }
    // Duck-typed: importing nn here would tie torch.cuda's loading to the whole of nn.
    const isModule = typeof (callable as Module).parameters === 'function' && typeof (callable as Module).forward === 'function';
    if (isModule) {
      const m = callable as Module;
      if (m._forwardHooks.size > 0 || m._forwardPreHooks.size > 0) {
        throw new Error('Modules must not have hooks registered at the time they are passed. However, registering hooks on modules after passing them through make_graphed_callables is allowed.');
      }
      for (const b of m.buffers()) {
        if (b.requiresGrad) {
          throw new Error('In any :class:`~torch.nn.Module` passed to :func:`~make_graphed_callables`, only parameters may be trainable. All buffers must have ``requires_grad=False``.');
        }
      }
    }
    const params = isModule ? [...(callable as Module).parameters()] : [];
    const forward = isModule ? (callable as Module).forward.bind(callable) : (callable as (...a: Tensor[]) => unknown);
    return {
      isModule,
      forward,
      args,
      params,
      needsGrad: [...args, ...params].filter((t) => t.requiresGrad),
      forwardGraph: new CUDAGraph(),
      backwardGraph: new CUDAGraph(),
      single: true,
      staticOutputs: [],
      staticGradOutputs: [],
      staticGradInputs: [],
    };
  });

  const gradsOf = (item: Graphing, outs: Tensor[], grads: Tensor[]): (Tensor | null)[] => {
    const differentiable = outs.filter((o) => o.requiresGrad);
    if (differentiable.length === 0 || item.needsGrad.length === 0) return item.needsGrad.map(() => null);
    return autogradGrad(differentiable, item.needsGrad, grads, { allowUnused });
  };

  // As PyTorch: warm every callable up eagerly (lazy state such as cuDNN's algorithms is
  // made outside the captures), capture every forward in order, then every backward in
  // reverse order. The graphs share one pool, which is safe only when they replay in the
  // order they were captured: forwards in order, then backwards in reverse.
  for (const item of items) {
    for (let i = 0; i < numWarmupIters; i++) {
      const outs = flattenOutputs(item.forward(...item.args), fnName).tensors;
      gradsOf(item, outs, outs.filter((o) => o.requiresGrad).map((o) => onesLike(o)));
    }
  }
  synchronize();
  let pool = options.pool ?? null;
  for (const item of items) {
    item.staticOutputs = graph(item.forwardGraph, { pool }, () => {
      const flat = flattenOutputs(item.forward(...item.args), fnName);
      item.single = flat.single;
      return flat.tensors;
    });
    pool = pool ?? item.forwardGraph.pool();
  }
  for (const item of [...items].reverse()) {
    item.staticGradOutputs = noGrad(() => item.staticOutputs.filter((o) => o.requiresGrad).map((o) => emptyLike(o)));
    item.staticGradInputs = graph(item.backwardGraph, { pool }, () => gradsOf(item, item.staticOutputs, item.staticGradOutputs));
  }

  const graphed = items.map((item, index) => {
    const { args, params, forwardGraph, backwardGraph, staticOutputs, staticGradOutputs } = item;
    // Per input and parameter: its gradient buffer in the graph, or null where it needs none.
    const gradBySurface: (Tensor | null)[] = [];
    let next = 0;
    for (const t of [...args, ...params]) gradBySurface.push(t.requiresGrad ? item.staticGradInputs[next++] : null);

    class Graphed extends AutogradFunction {
      static override forward(ctx: FunctionCtx, ...inputs: Tensor[]): Tensor[] {
        noGrad(() => {
          for (let i = 0; i < args.length; i++) if (inputs[i] !== args[i]) args[i].copy_(inputs[i]);
        });
        forwardGraph.replay();
        const outs = staticOutputs.map((o) => o.detach());
        outs.forEach((o, i) => {
          if (!staticOutputs[i].requiresGrad) ctx.markNonDifferentiable(o);
        });
        return outs;
      }
      static override backward(_ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
        noGrad(() => {
          let g = 0;
          for (let i = 0; i < staticOutputs.length; i++) {
            if (!staticOutputs[i].requiresGrad) continue;
            const given = grads[i];
            if (given === null) staticGradOutputs[g].zero_();
            else if (given !== staticGradOutputs[g]) staticGradOutputs[g].copy_(given);
            g++;
          }
        });
        backwardGraph.replay();
        return gradBySurface.map((t) => {
          if (t === null) return null;
          // The next replay rewrites the graph's buffer: a .grad must never be it.
          const view = t.detach();
          view._claimed = true;
          return view;
        });
      }
    }
    Object.defineProperty(Graphed, 'name', { value: 'Graphed' });

    const functionalized = (...userArgs: Tensor[]): Tensor | Tensor[] => {
      if (userArgs.length !== args.length) {
        throw new TypeError(`graphed callable ${index}: expected ${args.length} arguments, as in the sample, but got ${userArgs.length}`);
      }
      const outs = Graphed.apply(...userArgs, ...params) as Tensor[];
      // As PyTorch's @once_differentiable: the replayed backward records no graph.
      for (const o of outs) if (o.gradFn !== null) o.gradFn.onceDifferentiable = true;
      return item.single ? outs[0] : outs;
    };
    if (!item.isModule) return functionalized;
    const m = list[index] as Module;
    const trainingAtGraph = m.training;
    const original = m.forward;
    (m as { forward: unknown }).forward = (...a: Tensor[]) =>
      m.training === trainingAtGraph ? functionalized(...a) : original.apply(m, a);
    return m;
  });
  return many ? graphed : graphed[0];
}
