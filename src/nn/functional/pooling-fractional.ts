/**
 * Fractional max pooling (`F.fractionalMaxPool2d/3d` and their `WithIndices` forms), as
 * PyTorch 1.13: each plane's window starts come from its random samples by PyTorch's
 * generate_intervals formula, computed in the samples' precision (float arithmetic for
 * float32, as the kernel's scalar_t), so given samples give PyTorch's windows; without
 * samples they are drawn as PyTorch draws them, `torch.rand(N, C, 2 or 3)` in the input's
 * dtype. The windows are gathered and reduced with max, so autograd routes each output's
 * gradient to its input element; the output is named FractionalMaxPool2D/3DBackward0.
 */
import { autocastOp } from '../../amp/autocast-policy.js';
import { autocastHook } from '../../amp/autocast-state.js';
import { renameGradFn } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory/storage.js';
import { rand, tensor } from '../../tensor/creation.js';
import { float32, float64, int64, scalarTypeName } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { gather } from '../../ops/indexing.js';
import { max } from '../../ops/reduce.js';
import { reshape, squeeze, unsqueeze } from '../../ops/shape.js';
import { argumentError } from '../../tensor/args.js';
import { bindArgs, checkInput, flag, shapeText, type PoolSize } from './pooling-args.js';

/**
 * The keywords of `F.fractionalMaxPool2d/3d`.
 * @example F.fractionalMaxPool2d(x, 3, { outputRatio: 0.5, returnIndices: true })
 */
export interface FractionalMaxPoolOptions {
  kernelSize?: PoolSize;
  /** The output's spatial size (one int, or one per dim). */
  outputSize?: PoolSize | null;
  /** The output's size as a fraction of the input's: `int(inputSize * ratio)` per dim. */
  outputRatio?: number | readonly number[] | null;
  returnIndices?: boolean;
  /** (N, C, 2) or (N, C, 3) samples in [0, 1) that fix the windows (drawn when left out). */
  _randomSamples?: Tensor | null;
}
const NAMES = ['kernelSize', 'outputSize', 'outputRatio', 'returnIndices', '_randomSamples'];

/** `value` as one entry per spatial dim (Python's _pair / _triple). */
function perDim<T>(fn: string, what: string, value: unknown, nd: number, isEntry: (v: unknown) => v is T): T[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every(isEntry)) throw argumentError(fn, what, `a number or an array of ${nd} numbers`, value);
  return list.length === 1 ? Array<T>(nd).fill(list[0]) : list.slice();
}
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isNumber = (v: unknown): v is number => typeof v === 'number';

/**
 * PyTorch's generate_intervals: the window starts along one axis. `single` rounds every
 * step to float32, as the kernel's float arithmetic does for float32 samples.
 */
function intervals(sample: number, inputSize: number, outputSize: number, poolSize: number, single: boolean): number[] {
  const r = single ? Math.fround : (v: number) => v;
  const sequence = new Array<number>(Math.max(outputSize, 0)).fill(0);
  if (outputSize > 1) {
    const alpha = r(r(inputSize - poolSize) / r(outputSize - 1));
    const first = Math.trunc(r(sample * alpha));
    for (let i = 0; i < outputSize - 1; i++) sequence[i] = Math.trunc(r(r(i + sample) * alpha)) - first;
  }
  if (outputSize > 0) sequence[outputSize - 1] = inputSize - poolSize;
  return sequence;
}

/** The plane offsets of every window element, window by window (outermost axis first), for one plane. */
function windowOffsets(starts: number[][], kernel: number[], sizes: number[]): number[] {
  const out: number[] = [];
  const nd = sizes.length;
  const walk = (axis: number, window: number[]): void => {
    if (axis === nd) {
      const inner = (k: number, at: number): void => {
        if (k === nd) {
          out.push(at);
          return;
        }
        for (let j = 0; j < kernel[k]; j++) inner(k + 1, at * sizes[k] + window[k] + j);
      };
      inner(0, 0);
      return;
    }
    for (const s of starts[axis]) walk(axis + 1, [...window, s]);
  };
  walk(0, []);
  return out;
}

function fractionalNd(nd: 2 | 3, input: unknown, args: readonly unknown[], forceIndices: boolean): Tensor | [Tensor, Tensor] {
  const fn = `fractional_max_pool${nd}d`;
  checkInput(input, fn);
  const a = bindArgs(fn, args, NAMES);
  if (a.kernelSize === undefined) throw new TypeError(`${fn}() missing required argument 'kernelSize'`);
  const returnIndices = flag(fn, 'returnIndices', a.returnIndices, false) || forceIndices;
  const x = input;
  let outputSize = a.outputSize ?? null;
  const ratio = a.outputRatio ?? null;
  if (outputSize === null && ratio === null) throw new Error(`${fn} requires specifying either an output_size or an output_ratio`);
  if (outputSize === null) {
    const r = perDim(fn, 'outputRatio', ratio, nd, isNumber);
    outputSize = r.map((v, i) => Math.trunc(x.shape[x.dim() - nd + i] * v));
  }
  const kernel = perDim(fn, 'kernelSize', a.kernelSize, nd, isInt);
  const out = perDim(fn, 'outputSize', outputSize, nd, isInt);
  const tuple = nd === 2 ? 'tuple of Ints' : 'tuple of three Ints';
  if (kernel.length !== nd) throw new Error(`${fn}: kernel_size must either be a single Int or ${tuple}`);
  if (out.length !== nd) throw new Error(`${fn}: output_size must either be a single Int or ${tuple}`);
  const where = nd === 2 ? `${fn}()` : `${fn}_out()`;
  if (x.dim() !== nd + 1 && x.dim() !== nd + 2) throw new Error(`${where}: Expected ${nd + 1}D or ${nd + 2}D tensor, but got: ${shapeText(x.shape)}`);
  for (let d = 1; d < x.dim(); d++) {
    if (x.shape[d] === 0) {
      throw new Error(`${where}: Expected input to have non-zero size for non-batch dimensions, but got${shapeText(x.shape)} with dimension ${d} being empty.`);
    }
  }
  const sizes = x.shape.slice(x.dim() - nd);
  const axisNames = nd === 2 ? ['height', 'width'] : ['time', 'height', 'width'];
  sizes.forEach((size, i) => {
    // The 3-d kernel's check is strict, the 2-d one's is not, as in PyTorch 1.13.
    const fits = nd === 2 ? out[i] + kernel[i] - 1 <= size : out[i] + kernel[i] - 1 < size;
    if (!fits) throw new Error(`${where}: pool ${axisNames[i]} ${kernel[i]} too large relative to input ${axisNames[i]} ${size}`);
  });
  if (!(x.dtype === float32 || x.dtype === float64 || (x.device.type !== 'cpu' && x.dtype.isFloatingPoint))) {
    throw new Error(`"${fn}_out_frame" not implemented for '${scalarTypeName(x.dtype)}'`);
  }
  const batched = x.dim() === nd + 2;
  const n = batched ? x.shape[0] : 1;
  const c = x.shape[batched ? 1 : 0];
  let samples = (a._randomSamples as Tensor | null | undefined) ?? null;
  if (samples !== null && !(samples instanceof Tensor)) throw argumentError(fn, '_randomSamples', 'a Tensor', samples);
  const given = samples !== null;
  if (samples === null) samples = rand([n, c, nd], { dtype: x.dtype, device: x.device });
  if (samples.dtype !== x.dtype) throw new Error(`expected scalar type ${scalarTypeName(x.dtype)} but found ${scalarTypeName(samples.dtype)}`);
  const drawn = Array.from(samples.contiguous().dataSync() as ArrayLike<number>);
  if (!given) samples.dispose();
  if (drawn.length < n * c * nd) {
    throw new Error(`${fn}(): _random_samples must hold ${nd} samples per plane, ${n * c * nd} in all, but holds ${drawn.length}`);
  }
  const single = x.dtype !== float64;
  // The 2-d kernel reads a plane's samples as (W, H), the 3-d one as (T, H, W).
  const sampleOf = nd === 2 ? [1, 0] : [0, 1, 2];
  const perPlane = out.reduce((p, q) => p * q, 1) * kernel.reduce((p, q) => p * q, 1);
  const offsets = new BigInt64Array(n * c * perPlane);
  for (let plane = 0; plane < n * c; plane++) {
    const starts = sizes.map((size, i) => intervals(drawn[plane * nd + sampleOf[i]], size, out[i], kernel[i], single));
    windowOffsets(starts, kernel, sizes).forEach((o, k) => (offsets[plane * perPlane + k] = BigInt(o)));
  }
  const name = nd === 2 ? 'FractionalMaxPool2DBackward0' : 'FractionalMaxPool3DBackward0';
  const windowSize = kernel.reduce((p, q) => p * q, 1);
  const result = tidy(() => {
    const flat = reshape(x, [n, c, sizes.reduce((p, q) => p * q, 1)]);
    const index = tensor(offsets, { dtype: int64, device: x.device }).reshape([n, c, perPlane]);
    // Reduced over the last dim, the windows come out in the output's shape (not a view of a temporary).
    const shape = batched ? [n, c, ...out] : [c, ...out];
    const [values, arg] = max(reshape(gather(flat, 2, index), [...shape, windowSize]), -1);
    const at = noGrad(() => squeeze(gather(reshape(index, [...shape, windowSize]), -1, unsqueeze(arg, -1)), -1));
    return [renameGradFn(values, name), at] as [Tensor, Tensor];
  });
  if (returnIndices) return result;
  result[1].dispose();
  return result[0];
}

type FractionalArgs = [kernelSize: PoolSize | FractionalMaxPoolOptions, ...rest: (PoolSize | number | readonly number[] | boolean | Tensor | null | undefined | FractionalMaxPoolOptions)[]];
type WithIndices = FractionalMaxPoolOptions & { returnIndices: true };
type FractionalIndexArgs =
  | [kernelSize: PoolSize, options: WithIndices]
  | [options: WithIndices & { kernelSize: PoolSize }]
  | [kernelSize: PoolSize, outputSize: PoolSize | null | undefined, outputRatio: number | readonly number[] | null | undefined, returnIndices: true, _randomSamples?: Tensor | null];

/**
 * 2-d fractional max pooling (Graham, 2014) over `[C, H, W]` or `[N, C, H, W]`: windows of
 * `kernelSize` at pseudo-random, overlapping starts that shrink the input to `outputSize`
 * (or `outputRatio` of it). `[out, indices]` with `returnIndices` (indices within each H*W plane).
 * @example
 * F.fractionalMaxPool2d(x, 3, { outputSize: [13, 12] });
 * const [y, idx] = F.fractionalMaxPool2d(x, 2, { outputRatio: 0.5, returnIndices: true });
 */
export function fractionalMaxPool2d(input: Tensor, ...args: FractionalIndexArgs): [Tensor, Tensor];
export function fractionalMaxPool2d(input: Tensor, ...args: FractionalArgs): Tensor;
export function fractionalMaxPool2d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  if (autocastHook.active) return autocastOp('fractionalMaxPool2d', fractionalMaxPool2d, arguments);
  return fractionalNd(2, input, args, false);
}
/**
 * 3-d fractional max pooling over `[C, T, H, W]` or `[N, C, T, H, W]`.
 * @example F.fractionalMaxPool3d(x, 2, { outputRatio: [0.5, 0.5, 0.5] })
 */
export function fractionalMaxPool3d(input: Tensor, ...args: FractionalIndexArgs): [Tensor, Tensor];
export function fractionalMaxPool3d(input: Tensor, ...args: FractionalArgs): Tensor;
export function fractionalMaxPool3d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  if (autocastHook.active) return autocastOp('fractionalMaxPool3d', fractionalMaxPool3d, arguments);
  return fractionalNd(3, input, args, false);
}
/**
 * `F.fractional_max_pool2d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.fractionalMaxPool2dWithIndices(x, 2, { outputSize: 4 })
 */
export function fractionalMaxPool2dWithIndices(input: Tensor, ...args: FractionalArgs): [Tensor, Tensor] {
  return fractionalNd(2, input, args, true) as [Tensor, Tensor];
}
/**
 * `F.fractional_max_pool3d_with_indices`: always `[out, indices]`.
 * @example const [y, idx] = F.fractionalMaxPool3dWithIndices(x, 2, { outputSize: 3 })
 */
export function fractionalMaxPool3dWithIndices(input: Tensor, ...args: FractionalArgs): [Tensor, Tensor] {
  return fractionalNd(3, input, args, true) as [Tensor, Tensor];
}
