/**
 * Adaptive pooling (`F.adaptiveAvgPool1d/2d/3d`, `F.adaptiveMaxPool1d/2d/3d` and their
 * `WithIndices` forms), unpooling (`F.maxUnpool1d/2d`) and power-average pooling
 * (`F.lpPool1d/2d`), with PyTorch 1.13's signatures, messages and grad_fns. As in PyTorch,
 * an adaptive average to size 1 in every dim is a mean (`MeanBackward1`), and the 1-d forms
 * are the 2-d ops over an unsqueezed input.
 */
import { autocastOp } from '../../amp/autocast-policy.js';
import { autocastHook } from '../../amp/autocast-state.js';
import type { Tensor } from '../../tensor/tensor.js';
import { int64 } from '../../tensor/dtype.js';
import { zeros } from '../../tensor/creation.js';
import { record } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { reshape, squeeze, unsqueeze } from '../../ops/shape.js';
import { mean } from '../../ops/reduce.js';
import { gather, scatter } from '../../ops/indexing.js';
import { abs, mul, pow, relu, sign } from '../../ops/elementwise.js';
import { adaptiveAvgPoolOp, adaptiveMaxPoolOp, disposeAll } from './pooling-core.js';
import { avgPool1d, avgPool2d } from './pooling.js';
import { bindArgs, checkDims1d, checkFloating, checkInput, expandSize, flag, shapeText, type AdaptiveSize, type PoolSize } from './pooling-args.js';

/**
 * The keywords of `F.adaptiveMaxPool*d`.
 * @example F.adaptiveMaxPool2d(x, [2, 2], { returnIndices: true })
 */
export interface AdaptiveMaxPoolOptions {
  outputSize?: AdaptiveSize;
  returnIndices?: boolean;
}
/**
 * The keywords of `F.maxUnpool1d/2d`.
 * @example F.maxUnpool2d(y, idx, 2, { outputSize: [7, 9] })
 */
export interface MaxUnpoolOptions {
  kernelSize?: PoolSize;
  stride?: PoolSize | null;
  padding?: PoolSize;
  outputSize?: readonly number[] | null;
}
/**
 * The keywords of `F.lpPool1d/2d`.
 * @example F.lpPool2d(x, 2, 3, { ceilMode: true })
 */
export interface LPPoolOptions {
  normType?: number;
  kernelSize?: PoolSize;
  stride?: PoolSize | null;
  ceilMode?: boolean;
}

/** The adaptive output size per spatial dim, `null` entries taking the input's size. */
function adaptiveSizes(fn: string, max: boolean, x: Tensor, nd: number, outputSize: unknown): number[] {
  if (outputSize === undefined) throw new TypeError(`${fn}() missing required argument 'outputSize'`);
  const spatial = x._shape.slice(x._shape.length - nd);
  const given = Array.isArray(outputSize) ? outputSize : Array(nd).fill(outputSize);
  if (given.length !== nd) {
    throw new Error(max ? `${fn}(): internal error: output_size.size() must be ${nd}` : `${fn}: output_size must be ${nd}`);
  }
  const sizes = given.map((s, i) => {
    if (s === null) return spatial[i];
    if (!Number.isInteger(s)) throw new TypeError(`${fn}(): output_size must be an int, null or a tuple of them, but got ${String(outputSize)}`);
    return s as number;
  });
  if (sizes.some((s) => s < 0)) {
    if (max) throw new Error(`Trying to create tensor with negative dimension ${sizes.find((s) => s < 0)}: ${shapeText([...x._shape.slice(0, x._shape.length - nd), ...sizes])}`);
    throw new Error(`${fn}: elements of output_size must be greater than or equal to 0 but received {${sizes.join(', ')}}`);
  }
  return sizes;
}

function checkAdaptiveInput(x: Tensor, nd: number, fn: string, max: boolean): void {
  const n = x._shape.length;
  if (n !== nd + 1 && n !== nd + 2) throw new Error(`${fn}(): Expected ${nd + 1}D or ${nd + 2}D tensor, but got${max ? ':' : ''} ${shapeText(x._shape)}`);
  for (let d = n - nd; d < n; d++) {
    if (x._shape[d] === 0) {
      throw new Error(`${fn}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${shapeText(x._shape)} with dimension ${d} being empty`);
    }
  }
}

function adaptiveAvgNd(nd: number, input: unknown, outputSize: unknown): Tensor {
  const fn = `adaptive_avg_pool${nd}d`;
  checkInput(input, fn);
  if (nd === 1) {
    checkDims1d(input, fn);
    const size = Array.isArray(outputSize) && outputSize.length === 1 ? outputSize[0] : outputSize;
    if (typeof size !== 'number' || !Number.isInteger(size)) throw new TypeError(`${fn}(): output_size must be an int or a tuple of one int, but got ${String(outputSize)}`);
    const wide = unsqueeze(input, -2);
    const out = adaptiveAvgNd(2, wide, [1, size]);
    const result = squeeze(out, -2);
    disposeAll([wide, out]);
    return result;
  }
  const sizes = adaptiveSizes(fn, false, input, nd, outputSize);
  checkAdaptiveInput(input, nd, fn, false);
  checkFloating(input, nd === 2 ? fn : `${fn}_cpu`);
  if (sizes.every((s) => s === 1)) return mean(input, nd === 2 ? [-1, -2] : [-1, -2, -3], true);
  return adaptiveAvgPoolOp(input, nd, sizes, nd === 2 ? 'AdaptiveAvgPool2DBackward0' : 'AdaptiveAvgPool3DBackward0');
}

function adaptiveMaxNd(nd: number, input: unknown, args: readonly unknown[], forceIndices = false): Tensor | [Tensor, Tensor] {
  const fn = `adaptive_max_pool${nd}d`;
  checkInput(input, fn);
  const bound = bindArgs(fn, args, ['outputSize', 'returnIndices']);
  // The *_with_indices forms take return_indices and ignore it, as PyTorch's.
  const returnIndices = flag(fn, 'returnIndices', bound.returnIndices, false) || forceIndices;
  if (nd === 1) {
    checkDims1d(input, fn);
    const out = bound.outputSize;
    const size = Array.isArray(out) && out.length === 1 ? out[0] : out;
    if (typeof size !== 'number' || !Number.isInteger(size)) throw new TypeError(`${fn}(): output_size must be an int or a tuple of one int, but got ${String(out)}`);
    const wide = unsqueeze(input, -2);
    const result = adaptiveMaxNd(2, wide, [[1, size], returnIndices]);
    const [values, indices] = Array.isArray(result) ? result : [result, null];
    const flat = [squeeze(values, -2), indices === null ? null : squeeze(indices, -2)] as const;
    disposeAll([wide, values, indices]);
    return flat[1] === null ? flat[0] : [flat[0], flat[1]];
  }
  const sizes = adaptiveSizes(fn, true, input, nd, bound.outputSize);
  checkAdaptiveInput(input, nd, fn, true);
  checkFloating(input, nd === 2 ? fn : `${fn}_cpu`);
  const name = nd === 2 ? 'AdaptiveMaxPool2DBackward0' : 'AdaptiveMaxPool3DBackward0';
  const [out, indices] = adaptiveMaxPoolOp(input, nd, sizes, name, returnIndices);
  return returnIndices ? [out, indices!] : out;
}

/**
 * Adaptive average pooling to `outputSize` over `[C, L]` or `[N, C, L]`.
 * @example F.adaptiveAvgPool1d(x, 4)
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly [number]): Tensor {
  return adaptiveAvgNd(1, input, outputSize);
}
/**
 * Adaptive average pooling to `outputSize` (an int, or `[H, W]` where `null` keeps the input's size).
 * @example F.adaptiveAvgPool2d(x, [1, 1]); F.adaptiveAvgPool2d(x, [null, 7])
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgNd(2, input, outputSize);
}
/**
 * Adaptive average pooling over the last three dims.
 * @example F.adaptiveAvgPool3d(x, [2, 4, 4])
 */
export function adaptiveAvgPool3d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  if (autocastHook.active) return autocastOp('adaptiveAvgPool3d', adaptiveAvgPool3d, arguments);
  return adaptiveAvgNd(3, input, outputSize);
}

type AdaptiveMaxArgs = [outputSize: AdaptiveSize, returnIndices?: boolean] | [outputSize: AdaptiveSize, options: AdaptiveMaxPoolOptions] | [options: AdaptiveMaxPoolOptions];
type AdaptiveMaxIndexArgs = [outputSize: AdaptiveSize, returnIndices: true] | [outputSize: AdaptiveSize, options: AdaptiveMaxPoolOptions & { returnIndices: true }] | [options: AdaptiveMaxPoolOptions & { returnIndices: true }];

/**
 * Adaptive max pooling over `[C, L]` or `[N, C, L]`; `[out, indices]` with `returnIndices`.
 * @example F.adaptiveMaxPool1d(x, 4); const [y, idx] = F.adaptiveMaxPool1d(x, 4, true)
 */
export function adaptiveMaxPool1d(input: Tensor, ...args: AdaptiveMaxIndexArgs): [Tensor, Tensor];
export function adaptiveMaxPool1d(input: Tensor, ...args: AdaptiveMaxArgs): Tensor;
export function adaptiveMaxPool1d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return adaptiveMaxNd(1, input, args);
}
/**
 * Adaptive max pooling over the last two dims; indices are offsets within each H*W plane.
 * @example F.adaptiveMaxPool2d(x, [2, 2]); F.adaptiveMaxPool2d(x, 3, { returnIndices: true })
 */
export function adaptiveMaxPool2d(input: Tensor, ...args: AdaptiveMaxIndexArgs): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, ...args: AdaptiveMaxArgs): Tensor;
export function adaptiveMaxPool2d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return adaptiveMaxNd(2, input, args);
}
/**
 * Adaptive max pooling over the last three dims.
 * @example F.adaptiveMaxPool3d(x, 2)
 */
export function adaptiveMaxPool3d(input: Tensor, ...args: AdaptiveMaxIndexArgs): [Tensor, Tensor];
export function adaptiveMaxPool3d(input: Tensor, ...args: AdaptiveMaxArgs): Tensor;
export function adaptiveMaxPool3d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  if (autocastHook.active) return autocastOp('adaptiveMaxPool3d', adaptiveMaxPool3d as (...args: unknown[]) => Tensor | [Tensor, Tensor], arguments);
  return adaptiveMaxNd(3, input, args);
}

/**
 * `F.adaptive_max_pool1d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.adaptiveMaxPool1dWithIndices(x, 4)
 */
export function adaptiveMaxPool1dWithIndices(input: Tensor, ...args: AdaptiveMaxArgs): [Tensor, Tensor] {
  return adaptiveMaxNd(1, input, args, true) as [Tensor, Tensor];
}
/**
 * `F.adaptive_max_pool2d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.adaptiveMaxPool2dWithIndices(x, [2, 2])
 */
export function adaptiveMaxPool2dWithIndices(input: Tensor, ...args: AdaptiveMaxArgs): [Tensor, Tensor] {
  return adaptiveMaxNd(2, input, args, true) as [Tensor, Tensor];
}
/**
 * `F.adaptive_max_pool3d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.adaptiveMaxPool3dWithIndices(x, 2)
 */
export function adaptiveMaxPool3dWithIndices(input: Tensor, ...args: AdaptiveMaxArgs): [Tensor, Tensor] {
  return adaptiveMaxNd(3, input, args, true) as [Tensor, Tensor];
}

// ---------------------------------------------------------------- unpooling

/** PyTorch's _unpool_output_size: the default, or a given size within a stride of it. */
function unpoolOutputSize(x: Tensor, nd: number, kernel: number[], stride: number[], padding: number[], outputSize: unknown): number[] {
  const spatial = x._shape.slice(x._shape.length - nd);
  const defaults = spatial.map((s, i) => (s - 1) * stride[i] + kernel[i] - 2 * padding[i]);
  if (outputSize === undefined || outputSize === null) return defaults;
  if (!Array.isArray(outputSize) || !outputSize.every((s) => Number.isInteger(s))) {
    throw new TypeError(`max_unpool${nd}d(): outputSize must be an array of ints, but got ${String(outputSize)}`);
  }
  let sizes = outputSize as number[];
  if (sizes.length === nd + 2) sizes = sizes.slice(2);
  if (sizes.length !== nd) {
    throw new Error(`output_size should be a sequence containing ${nd} or ${nd + 2} elements, but it has a length of '${outputSize.length}'`);
  }
  sizes.forEach((size, d) => {
    const low = defaults[d] - stride[d];
    const high = defaults[d] + stride[d];
    if (!(low < size && size < high)) {
      const shown = outputSize.length === 1 ? `(${outputSize[0]},)` : `(${outputSize.join(', ')})`;
      throw new Error(`invalid output_size "${shown}" (dim ${d} must be between ${low} and ${high})`);
    }
  });
  return sizes.slice();
}

/** max_unpool2d itself: `[..., H, W]` values scattered to `[..., oH, oW]` at their plane offsets. */
function unpool2d(x: Tensor, indices: Tensor, out: number[], sizeText: string): Tensor {
  if (x._shape.length !== 3 && x._shape.length !== 4) {
    throw new Error(`Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with ${x._shape.length} dimensions.`);
  }
  if (indices._dtype !== int64) {
    throw new Error(`elements in indices should be type int64 but got: ${indices._dtype.name === 'float32' ? 'Float' : indices._dtype.name}`);
  }
  if (indices._shape.length !== x._shape.length || indices._shape.some((s, i) => s !== x._shape[i])) {
    throw new Error(
      `Expected shape of indices to be same as that of the input tensor (${shapeText(x._shape)}) but got indices tensor with shape: ${shapeText(indices._shape)}`,
    );
  }
  return unpoolScatter(x, indices, out, sizeText, 'MaxUnpool2DBackward0');
}

/** max_unpool3d itself, with PyTorch 1.13's checks in its order (max_unpooling3d_shape_check, then the kernel's). */
function unpool3d(x: Tensor, indices: Tensor, out: number[], stride: number[]): Tensor {
  if (indices._dtype !== int64) throw new Error('elements in indices should be type int64');
  if (x._shape.length !== 4 && x._shape.length !== 5) {
    throw new Error(`Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with ${x._shape.length} dimensions.`);
  }
  if (indices._shape.length !== x._shape.length || indices._shape.some((s, i) => s !== x._shape[i])) {
    throw new Error(
      `Expected shape of indices to be same as that of the input tensor (${shapeText(x._shape)}) but got indices tensor with shape: ${shapeText(indices._shape)}`,
    );
  }
  for (let d = 1; d < x._shape.length; d++) {
    if (x._shape[d] === 0) {
      throw new Error(
        `max_unpooling3d_forward_out_cpu(): Expected input to have non-zero size for non-batch dimensions, but got ${shapeText(x._shape)} with dimension ${d} being empty.`,
      );
    }
  }
  if (stride.some((s) => s <= 0)) throw new Error(`strides should be greater than zero, but got stride: ${shapeText(stride)}`);
  checkFloating(x, 'max_unpool3d');
  return unpoolScatter(x, indices, out, out.join('x'), 'MaxUnpool3DBackward0');
}

/** The values scattered to their offsets within each output plane (volume), zeros elsewhere. */
function unpoolScatter(x: Tensor, indices: Tensor, out: number[], sizeText: string, name: string): Tensor {
  const nd = out.length;
  const lead = x._shape.slice(0, -nd);
  const plane = out.reduce((a, b) => a * b, 1);
  const flatIndices = reshape(indices, [...lead, -1]);
  const host = flatIndices.dataSync() as unknown as ArrayLike<bigint | number>;
  // PyTorch's CPU kernel checks every index and names the last offending one it met.
  let bad: number | null = null;
  for (let i = 0; i < host.length; i++) {
    const v = Number(host[i]);
    if (v < 0 || v >= plane) bad = v;
  }
  if (bad !== null) throw new Error(`Found an invalid max index: ${bad} (output volumes are of size ${sizeText}`);
  const result = noGrad(() => {
    const flat = zeros([...lead, plane], { dtype: x._dtype, device: x.device });
    return reshape(scatter(flat, -1, flatIndices, reshape(x, [...lead, -1])), [...lead, ...out]);
  });
  return record(result, name, [x], (node) => {
    const saved = node.save(indices);
    const inputShape = x._shape.slice();
    return (g) => [reshape(gather(reshape(g, [...lead, -1]), -1, reshape(saved(), [...lead, -1])), inputShape)];
  });
}

function maxUnpoolNd(nd: number, input: unknown, indices: unknown, args: readonly unknown[]): Tensor {
  const fn = `max_unpool${nd}d`;
  checkInput(input, fn);
  if (!(indices instanceof Object) || !('_shape' in indices)) throw new TypeError(`${fn}(): argument 'indices' (position 2) must be Tensor`);
  const idx = indices as Tensor;
  const bound = bindArgs(fn, args, ['kernelSize', 'stride', 'padding', 'outputSize']);
  if (bound.kernelSize === undefined) throw new TypeError(`${fn}() missing required argument 'kernelSize'`);
  const kernel = expandSize(fn, 'kernel_size', bound.kernelSize, nd);
  const stride = bound.stride === undefined || bound.stride === null ? kernel.slice() : expandSize(fn, 'stride', bound.stride, nd);
  const padding = expandSize(fn, 'padding', bound.padding ?? 0, nd);
  const out = unpoolOutputSize(input, nd, kernel, stride, padding, bound.outputSize);
  if (nd === 3) return unpool3d(input, idx, out, stride);
  if (nd === 2) return unpool2d(input, idx, out, `${out[0]}x${out[1]}`);
  return squeeze(unpool2d(unsqueeze(input, -1), unsqueeze(idx, -1), [out[0], 1], `${out[0]}x1`), -1);
}

/**
 * The partial inverse of `maxPool1d`: values placed at their indices, zeros elsewhere.
 * @example F.maxUnpool1d(y, idx, 2); F.maxUnpool1d(y, idx, 2, { outputSize: [9] })
 */
export function maxUnpool1d(input: Tensor, indices: Tensor, ...args: (PoolArg | MaxUnpoolOptions)[]): Tensor {
  return maxUnpoolNd(1, input, indices, args);
}
/**
 * The partial inverse of `maxPool2d`: each value goes to its index within its H*W plane;
 * `outputSize` picks among the sizes that pool to the input's.
 * @example const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true }); F.maxUnpool2d(y, idx, 2)
 */
export function maxUnpool2d(input: Tensor, indices: Tensor, ...args: (PoolArg | MaxUnpoolOptions)[]): Tensor {
  if (autocastHook.active) return autocastOp('maxUnpool2d', maxUnpool2d, arguments);
  return maxUnpoolNd(2, input, indices, args);
}

/**
 * The partial inverse of `maxPool3d`: each value goes to its index within its D*H*W volume.
 * @example const [y, idx] = F.maxPool3d(x, 2, { returnIndices: true }); F.maxUnpool3d(y, idx, 2)
 */
export function maxUnpool3d(input: Tensor, indices: Tensor, ...args: (PoolArg | MaxUnpoolOptions)[]): Tensor {
  if (autocastHook.active) return autocastOp('maxUnpool3d', maxUnpool3d, arguments);
  return maxUnpoolNd(3, input, indices, args);
}

type PoolArg = PoolSize | boolean | null | undefined | readonly number[];

// ---------------------------------------------------------------- power pooling

function lpPoolNd(nd: number, input: unknown, args: readonly unknown[]): Tensor {
  const fn = `lp_pool${nd}d`;
  checkInput(input, fn);
  const bound = bindArgs(fn, args, ['normType', 'kernelSize', 'stride', 'ceilMode']);
  const p = bound.normType;
  if (typeof p !== 'number') throw new TypeError(`${fn}(): normType must be a number, but got ${String(p)}`);
  if (bound.kernelSize === undefined) throw new TypeError(`${fn}() missing required argument 'kernelSize'`);
  const kernel = expandSize(fn, 'kernel_size', bound.kernelSize, nd);
  const ceilMode = flag(fn, 'ceilMode', bound.ceilMode, false);
  const stride = bound.stride ?? null;
  // PyTorch's composite: avg_pool(x^p) * prod(kernel), with sign(out) * relu(|out|) keeping
  // the gradient of negative averages, then the p-th root.
  const powered = pow(input, p);
  const options = { padding: 0, ceilMode, ...(stride === null ? {} : { stride: stride as PoolSize }) };
  const pooled = nd === 1 ? avgPool1d(powered, kernel, options) : avgPool2d(powered, kernel, options);
  const scaled = mul(mul(sign(pooled), relu(abs(pooled))), kernel.reduce((a, b) => a * b, 1));
  return pow(scaled, 1 / p);
}

/**
 * Power-average pooling: `(sum over the window of x^p)^(1/p)`, PyTorch's composite.
 * @example F.lpPool1d(x, 2, 3); F.lpPool1d(x, 2, 3, { stride: 2 })
 */
export function lpPool1d(input: Tensor, ...args: (PoolArg | number | LPPoolOptions)[]): Tensor {
  return lpPoolNd(1, input, args);
}
/**
 * Power-average pooling over the last two dims.
 * @example F.lpPool2d(x, 2, 3, 2); F.lpPool2d(x, 1.5, [2, 3], { ceilMode: true })
 */
export function lpPool2d(input: Tensor, ...args: (PoolArg | number | LPPoolOptions)[]): Tensor {
  return lpPoolNd(2, input, args);
}

/**
 * `torch.adaptive_max_pool1d`: unlike `F.adaptiveMaxPool1d`, always `[out, indices]`.
 * @example const [y, idx] = torch.adaptiveMaxPool1d(x, 4)
 */
export function torchAdaptiveMaxPool1d(input: Tensor, outputSize: number | readonly [number]): [Tensor, Tensor] {
  return adaptiveMaxNd(1, input, [outputSize, true]) as [Tensor, Tensor];
}
