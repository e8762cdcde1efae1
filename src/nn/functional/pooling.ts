/**
 * Max and average pooling in 1-3 spatial dims (`F.maxPool1d/2d/3d`, `F.avgPool1d/2d/3d`),
 * PyTorch's signatures, checks and messages, over the native kernels of pooling-core.ts.
 * The 1-d forms are PyTorch's composites: the 2-d op over `x.unsqueeze(-2)`, squeezed
 * back (so their grad_fn is `SqueezeBackward1`, as in PyTorch 1.13).
 */
import { autocastOp } from '../../amp/autocast-policy.js';
import { autocastHook } from '../../amp/autocast-state.js';
import type { Tensor } from '../../tensor/tensor.js';
import { squeeze, unsqueeze } from '../../ops/shape.js';
import { avgPoolOp, maxPoolOp, disposeAll as torch_dispose } from './pooling-core.js';
import {
  bindArgs, checkDims1d, checkFloating, checkInput, expandSize, flag, poolOutputSize, shapeText, type PoolSize,
} from './pooling-args.js';

/**
 * The keywords of `F.maxPool1d/2d/3d` and `nn.MaxPool*d`.
 * @example F.maxPool2d(x, 3, { stride: 2, padding: 1, returnIndices: true })
 */
export interface MaxPoolOptions<R extends boolean = boolean> {
  kernelSize?: PoolSize;
  stride?: PoolSize | null;
  padding?: PoolSize;
  dilation?: PoolSize;
  ceilMode?: boolean;
  returnIndices?: R;
}
/**
 * The keywords of `F.avgPool1d/2d/3d` and `nn.AvgPool*d` (`divisorOverride` is 2-d and 3-d only).
 * @example F.avgPool2d(x, 3, { stride: 2, countIncludePad: false })
 */
export interface AvgPoolOptions {
  kernelSize?: PoolSize;
  stride?: PoolSize | null;
  padding?: PoolSize;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}
/** A positional argument of the pooling functions. */
export type PoolArg = PoolSize | boolean | number | null | undefined;

const MAX_NAMES = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];
const AVG_NAMES = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];
const AVG1D_NAMES = AVG_NAMES.slice(0, 5);
const DIM_LETTERS = [[''], ['H', 'W'], ['T', 'H', 'W']];

/** The window of one call, checked with PyTorch's messages. */
interface Parsed {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

function parseWindow(fn: string, nd: number, bound: Record<string, unknown>, dilated: boolean): Parsed {
  if (bound.kernelSize === undefined) throw new TypeError(`${fn}() missing required argument 'kernelSize'`);
  const kernel = expandSize(fn, 'kernel_size', bound.kernelSize, nd, nd === 3 && !dilated ? 'must be a single int, or' : undefined);
  const strideGiven = bound.stride !== undefined && bound.stride !== null && !(Array.isArray(bound.stride) && bound.stride.length === 0);
  const stride = strideGiven ? expandSize(fn, 'stride', bound.stride, nd, 'must either be omitted, a single int, or') : kernel.slice();
  const padding = expandSize(fn, 'padding', bound.padding ?? 0, nd, dilated ? 'must be either be a single int, or' : undefined);
  const dilation = dilated ? expandSize(fn, 'dilation', bound.dilation ?? 1, nd, 'must be either a single int, or') : Array(nd).fill(1);
  return { kernel, stride, padding, dilation, ceilMode: flag(fn, 'ceilMode', bound.ceilMode, false) };
}

/** PyTorch's window checks: positive kernel, stride and dilation, padding in [0, kernel / 2]. */
function checkWindow(nd: number, w: Parsed, dilated: boolean): void {
  if (nd === 1) {
    const fn = dilated ? 'max_pool1d()' : 'avg_pool1d()';
    if (w.kernel[0] <= 0) throw new Error(`${fn} kernel_size must be greater than zero, but got ${w.kernel[0]}`);
    if (w.stride[0] <= 0) throw new Error(`${fn} stride must be greater than zero, but got ${w.stride[0]}`);
    if (w.padding[0] < 0) throw new Error(`${fn} padding must be non-negative, but got ${w.padding[0]}`);
    if (w.padding[0] > w.kernel[0] / 2) {
      throw new Error(`${fn} padding should be at most half of kernel size, but got padding=${w.padding[0]} and kernel_size=${w.kernel[0]}`);
    }
    if (w.dilation[0] <= 0) throw new Error(`${fn} dilation must be greater than zero, but got ${w.dilation[0]}`);
    return;
  }
  const letters = DIM_LETTERS[nd - 1];
  const list = (prefix: string, v: number[]) => v.map((n, i) => `${prefix}${letters[i]}: ${n}`).join(' ');
  if (w.stride.some((s) => s === 0)) throw new Error('stride should not be zero');
  if (w.kernel.some((k) => k <= 0)) throw new Error(`kernel size should be greater than zero, but got ${list('k', w.kernel)}`);
  if (w.stride.some((s) => s < 0)) throw new Error(`stride should be greater than zero, but got ${list('d', w.stride)}`);
  if (w.dilation.some((d) => d <= 0)) throw new Error(`dilation should be greater than zero, but got ${list('dilation', w.dilation)}`);
  const negative = w.padding.find((p) => p < 0);
  if (negative !== undefined) throw new Error(`pad must be non-negative, but got pad: ${negative}`);
  const over = w.padding.findIndex((p, i) => p > w.kernel[i] / 2);
  if (over >= 0) throw new Error(`pad should be at most half of kernel size, but got pad=${w.padding[over]} and kernel_size=${w.kernel[over]}`);
}

/** The input's dims for an `nd`-d pooling: `[C, *spatial]` or `[N, C, *spatial]`, non-batch dims non-empty. */
function checkPoolInput(x: Tensor, nd: number, fn: string): void {
  const n = x._shape.length;
  const batched = n === nd + 2;
  if (nd === 1) {
    if ((n !== 2 && n !== 3) || x._shape.slice(batched ? 1 : 0).some((s) => s === 0)) {
      throw new Error(`${fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${shapeText(x._shape)}`);
    }
    return;
  }
  if (n !== nd + 1 && n !== nd + 2) throw new Error(`non-empty ${nd + 1}D or ${nd + 2}D (batch mode) tensor expected for input`);
  const nonBatch = x._shape.slice(batched ? 1 : 0);
  const empty = nonBatch.indexOf(0);
  if (empty < 0) return;
  if (nd === 3 && fn === 'max_pool3d') {
    throw new Error(
      "max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions to have positive length, but input has " +
        `a shape of ${shapeText(x._shape)} and non-batch dimension ${empty} has length zero!`,
    );
  }
  throw new Error(`Expected ${nd + 1}D or ${nd + 2}D (batch mode) tensor with optional 0 dim batch size for input, but got:${shapeText(x._shape)}`);
}

/** The output's spatial sizes, or PyTorch's "Output size is too small". */
function outputSizes(x: Tensor, nd: number, w: Parsed, shownDims = nd): number[] {
  const spatial = x._shape.slice(x._shape.length - nd);
  const out = spatial.map((size, i) => poolOutputSize(size, w.kernel[i], w.padding[i], w.stride[i], w.dilation[i], w.ceilMode));
  if (out.some((o) => o < 1)) {
    const channels = x._shape[x._shape.length - nd - 1];
    const shown = (v: number[]) => [channels, ...Array(shownDims - nd).fill(1), ...v].join('x');
    throw new Error(`Given input size: (${shown(spatial)}). Calculated output size: (${shown(out)}). Output size is too small`);
  }
  return out;
}

function maxPoolNd(nd: number, input: unknown, args: readonly unknown[], forceIndices: boolean): Tensor | [Tensor, Tensor] {
  const fn = `max_pool${nd}d`;
  checkInput(input, fn);
  const bound = bindArgs(fn, args, forceIndices ? MAX_NAMES.slice(0, 5) : MAX_NAMES);
  const w = parseWindow(fn, nd, bound, true);
  const returnIndices = forceIndices || flag(fn, 'returnIndices', bound.returnIndices, false);
  checkPoolInput(input, nd, fn);
  checkFloating(input, nd === 1 ? 'max_pool1d_impl' : nd === 2 ? 'max_pool2d' : 'max_pool3d_with_indices_cpu');
  checkWindow(nd, w, true);
  if (nd === 1) {
    const wide = unsqueeze(input, -2);
    const w2 = { kernel: [1, ...w.kernel], stride: [1, ...w.stride], padding: [0, ...w.padding], dilation: [1, ...w.dilation], ceilMode: w.ceilMode };
    const [out, indices] = maxPoolOp(wide, 2, w2, [1, ...outputSizes(input, 1, w, 2)], 'MaxPool2DWithIndicesBackward0', returnIndices);
    const result = squeeze(out, -2);
    const flatIndices = indices === null ? null : squeeze(indices, -2);
    // The 2-d views are the op's own (the graph keeps shapes, not them): the results hold the storages.
    torch_dispose([wide, out, indices]);
    return flatIndices === null ? result : [result, flatIndices];
  }
  const name = nd === 2 ? 'MaxPool2DWithIndicesBackward0' : 'MaxPool3DWithIndicesBackward0';
  const [out, indices] = maxPoolOp(input, nd, w, outputSizes(input, nd, w), name, returnIndices);
  return returnIndices ? [out, indices!] : out;
}

function avgPoolNd(nd: number, input: unknown, args: readonly unknown[]): Tensor {
  const fn = `avg_pool${nd}d`;
  checkInput(input, fn);
  const bound = bindArgs(fn, args, nd === 1 ? AVG1D_NAMES : AVG_NAMES);
  const w = parseWindow(fn, nd, bound, false);
  const countIncludePad = flag(fn, 'countIncludePad', bound.countIncludePad, true);
  const divisor = bound.divisorOverride ?? null;
  if (divisor !== null && !Number.isInteger(divisor)) throw new TypeError(`${fn}(): divisorOverride must be an int or null, but got ${String(divisor)}`);
  if (nd === 1) checkDims1d(input, fn);
  checkPoolInput(input, nd, fn);
  checkFloating(input, fn);
  checkWindow(nd, w, false);
  if (divisor === 0) throw new Error('divisor must be not zero');
  if (divisor !== null && (divisor as number) < 0) throw new Error(`${fn}: divisorOverride must be positive, but got ${divisor}`);
  if (nd === 3) {
    const spatial = input._shape.slice(-3);
    if (spatial.some((s, i) => s < w.kernel[i])) {
      throw new Error(
        `input image (T: ${spatial[0]} H: ${spatial[1]} W: ${spatial[2]}) smaller than kernel size (kT: ${w.kernel[0]} kH: ${w.kernel[1]} kW: ${w.kernel[2]})`,
      );
    }
  }
  const window = (p: Parsed) => ({ kernel: p.kernel, stride: p.stride, padding: p.padding, countIncludePad, divisorOverride: (divisor as number | null) ?? 0 });
  if (nd === 1) {
    const w2 = { kernel: [1, ...w.kernel], stride: [1, ...w.stride], padding: [0, ...w.padding], dilation: [1, 1], ceilMode: w.ceilMode };
    const wide = unsqueeze(input, -2);
    const out = avgPoolOp(wide, 2, window(w2), [1, ...outputSizes(input, 1, w, 2)], 'AvgPool2DBackward0');
    const result = squeeze(out, -2);
    torch_dispose([wide, out]);
    return result;
  }
  return avgPoolOp(input, nd, window(w), outputSizes(input, nd, w), nd === 2 ? 'AvgPool2DBackward0' : 'AvgPool3DBackward0');
}

/**
 * 1-d max pooling over `[C, L]` or `[N, C, L]`: PyTorch's `F.max_pool1d(input, kernel_size,
 * stride=kernel_size, padding=0, dilation=1, ceil_mode=False, return_indices=False)`.
 * With `returnIndices`, `[out, indices]` (int64 offsets along L).
 * @example F.maxPool1d(x, 2); F.maxPool1d(x, 3, { stride: 2, returnIndices: true })
 */
export function maxPool1d(input: Tensor, ...args: [...PoolArg[], MaxPoolOptions & { returnIndices: true }]): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: PoolSize, stride: PoolSize | null | undefined, padding: PoolSize | undefined, dilation: PoolSize | undefined, ceilMode: boolean | undefined, returnIndices: true): [Tensor, Tensor];
export function maxPool1d(input: Tensor, ...args: (PoolArg | MaxPoolOptions)[]): Tensor;
export function maxPool1d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPoolNd(1, input, args, false);
}

/**
 * 2-d max pooling over `[C, H, W]` or `[N, C, H, W]`: PyTorch's `F.max_pool2d`. Indices
 * (with `returnIndices`) are int64 offsets within each H*W plane, as PyTorch's.
 * @example F.maxPool2d(x, 2); F.maxPool2d(x, 3, 2, 1); F.maxPool2d(x, 2, { ceilMode: true })
 */
export function maxPool2d(input: Tensor, ...args: [...PoolArg[], MaxPoolOptions & { returnIndices: true }]): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: PoolSize, stride: PoolSize | null | undefined, padding: PoolSize | undefined, dilation: PoolSize | undefined, ceilMode: boolean | undefined, returnIndices: true): [Tensor, Tensor];
export function maxPool2d(input: Tensor, ...args: (PoolArg | MaxPoolOptions)[]): Tensor;
export function maxPool2d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPoolNd(2, input, args, false);
}

/**
 * 3-d max pooling over `[C, D, H, W]` or `[N, C, D, H, W]`: PyTorch's `F.max_pool3d`.
 * @example F.maxPool3d(x, 2); F.maxPool3d(x, [2, 3, 3], { padding: 1 })
 */
export function maxPool3d(input: Tensor, ...args: [...PoolArg[], MaxPoolOptions & { returnIndices: true }]): [Tensor, Tensor];
export function maxPool3d(input: Tensor, kernelSize: PoolSize, stride: PoolSize | null | undefined, padding: PoolSize | undefined, dilation: PoolSize | undefined, ceilMode: boolean | undefined, returnIndices: true): [Tensor, Tensor];
export function maxPool3d(input: Tensor, ...args: (PoolArg | MaxPoolOptions)[]): Tensor;
export function maxPool3d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  if (autocastHook.active) return autocastOp('maxPool3d', maxPool3d, arguments);
  return maxPoolNd(3, input, args, false);
}

/**
 * `F.max_pool1d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.maxPool1dWithIndices(x, 2)
 */
export function maxPool1dWithIndices(input: Tensor, ...args: (PoolArg | Omit<MaxPoolOptions, 'returnIndices'>)[]): [Tensor, Tensor] {
  return maxPoolNd(1, input, args, true) as [Tensor, Tensor];
}
/**
 * `F.max_pool2d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.maxPool2dWithIndices(x, 2)
 */
export function maxPool2dWithIndices(input: Tensor, ...args: (PoolArg | Omit<MaxPoolOptions, 'returnIndices'>)[]): [Tensor, Tensor] {
  return maxPoolNd(2, input, args, true) as [Tensor, Tensor];
}
/**
 * `F.max_pool3d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.maxPool3dWithIndices(x, 2)
 */
export function maxPool3dWithIndices(input: Tensor, ...args: (PoolArg | Omit<MaxPoolOptions, 'returnIndices'>)[]): [Tensor, Tensor] {
  return maxPoolNd(3, input, args, true) as [Tensor, Tensor];
}

/**
 * 1-d average pooling: PyTorch's `F.avg_pool1d(input, kernel_size, stride=kernel_size,
 * padding=0, ceil_mode=False, count_include_pad=True)`.
 * @example F.avgPool1d(x, 3); F.avgPool1d(x, 4, 3, 2, true, false)
 */
export function avgPool1d(input: Tensor, ...args: (PoolArg | Omit<AvgPoolOptions, 'divisorOverride'>)[]): Tensor {
  return avgPoolNd(1, input, args);
}
/**
 * 2-d average pooling: PyTorch's `F.avg_pool2d(input, kernel_size, stride=kernel_size,
 * padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`.
 * @example F.avgPool2d(x, 2); F.avgPool2d(x, 3, 2, 1, { countIncludePad: false })
 */
export function avgPool2d(input: Tensor, ...args: (PoolArg | AvgPoolOptions)[]): Tensor {
  return avgPoolNd(2, input, args);
}
/**
 * 3-d average pooling: PyTorch's `F.avg_pool3d`.
 * @example F.avgPool3d(x, 2, { divisorOverride: 3 })
 */
export function avgPool3d(input: Tensor, ...args: (PoolArg | AvgPoolOptions)[]): Tensor {
  if (autocastHook.active) return autocastOp('avgPool3d', avgPool3d, arguments);
  return avgPoolNd(3, input, args);
}
