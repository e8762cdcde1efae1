/**
 * `F.unfold` (im2col: sliding local blocks of a 4-D image as columns) and `F.fold` (its
 * adjoint, col2im: columns summed back into an image), each the other's backward
 * (`Im2ColBackward0`, `Col2ImBackward0`), on the native kernels convolution uses.
 */
import { record } from '../../autograd/function.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import { makeView } from '../../ops/shape.js';
import { castKernel } from '../../ops/tensor-kernels.js';
import { bfloat16, float16, float32 } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { contiguousStrides } from '../../tensor/shape.js';
import { checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { expandParam, type IntOrTuple } from './conv-args.js';
import { col2imRaw, contiguousRaw, convOutputSize, im2colRaw, type ConvGeometry } from './conv-kernels.js';

/**
 * The options of `F.unfold` / `F.fold` after the sizes.
 * @example F.unfold(x, 3, { padding: 1, stride: 2 })
 */
export interface FoldOptions {
  dilation?: IntOrTuple;
  padding?: IntOrTuple;
  stride?: IntOrTuple;
}
const FOLD_KEYS = keysOf<FoldOptions>()('dilation', 'padding', 'stride');

function geometry(fn: string, kernelSize: IntOrTuple, rest: unknown[]): ConvGeometry {
  let [dilation, padding, stride] = rest as unknown[];
  const last = rest[rest.length - 1];
  if (rest.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    checkOptions(last, fn, FOLD_KEYS);
    if (rest.length > 1) throw new TypeError(`${fn}(): give dilation, padding and stride positionally or in the options, not both`);
    ({ dilation, padding, stride } = last as FoldOptions);
  }
  const pair = (v: unknown, name: string) => {
    if (Array.isArray(v) && v.length !== 2) throw new Error(`It is expected ${name} equals to 2, but got size ${v.length}`);
    return expandParam(v, name, 2, fn);
  };
  const g = { kernel: pair(kernelSize, 'kernel_size'), dilation: pair(dilation ?? 1, 'dilation'), padding: pair(padding ?? 0, 'padding'), stride: pair(stride ?? 1, 'stride') };
  if (g.kernel.some((k) => k <= 0)) throw new Error(`kernel size should be greater than zero, but got kernel_height: ${g.kernel[0]} kernel_width: ${g.kernel[1]}`);
  if (g.stride.some((s) => s <= 0)) throw new Error(`stride should be greater than zero, but got stride_height: ${g.stride[0]} stride_width: ${g.stride[1]}`);
  if (g.dilation.some((d) => d <= 0)) throw new Error(`dilation should be greater than zero, but got dilation_height: ${g.dilation[0]} dilation_width: ${g.dilation[1]}`);
  if (g.padding.some((p) => p < 0)) throw new Error(`padding should be non-negative, but got pad_height: ${g.padding[0]} pad_width: ${g.padding[1]}`);
  return g;
}

const tuple = (v: number[]) => `(${v.join(', ')})`;
const isHalf = (t: Tensor) => t._dtype === float16 || t._dtype === bfloat16;

/** Runs a raw kernel on float32 for float16/bfloat16 operands, casting back. */
function widened(x: Tensor, fn: (x: Tensor) => Tensor): Tensor {
  const xo = isHalf(x) ? castKernel(x, float32) : contiguousRaw(x);
  const out = fn(xo);
  if (xo !== x) xo.dispose();
  if (out._dtype === x._dtype) return out;
  const back = castKernel(out, x._dtype);
  out.dispose();
  return back;
}

function unfoldRaw(x4: Tensor, g: ConvGeometry): Tensor {
  return widened(x4, (x) => im2colRaw(x, g));
}

function foldRaw(cols: Tensor, imageShape: number[], g: ConvGeometry): Tensor {
  return widened(cols, (c) => col2imRaw(c, imageShape, g));
}

/**
 * Extracts sliding local blocks of a [N, C, H, W] (or unbatched [C, H, W]) input into
 * [N, C * kh * kw, L]: `(input, kernelSize, dilation=1, padding=0, stride=1)`.
 * @example F.unfold(torch.rand(1, 3, 4, 4), 2).shape // [1, 12, 9]
 */
export function unfold(input: Tensor, kernelSize: IntOrTuple, ...rest: (IntOrTuple | FoldOptions | undefined)[]): Tensor {
  checkTensor(input, 'unfold', 'input');
  const g = geometry('unfold', kernelSize, rest);
  const batched = input.dim() === 4;
  if (input.dim() !== 3 && !batched) throw new Error(`Input Error: Only 3D or 4D input Tensors are supported (got ${input.dim()}D)`);
  if (!input.dtype.isFloatingPoint) throw new Error(`unfold: expected a floating-point input, got ${input.dtype.name}`);
  const shape = batched ? input.shape : [1, ...input.shape];
  const blocks = convOutputSize(shape.slice(2), g);
  if (blocks.some((b) => b < 1)) {
    throw new Error(
      `Given input with spatial size ${tuple(shape.slice(2))}, kernel_size=${tuple(g.kernel)}, dilation=${tuple(g.dilation)}, padding=${tuple(g.padding)}, calculated shape of the array of sliding blocks as ${tuple(blocks.map((b) => Math.max(b, 0)))}, but its components must be at least one.`,
    );
  }
  const x4 = batched ? input : makeView(input, shape, [0, ...input._strides], input._offset);
  const cols = unfoldRaw(x4, g);
  if (x4 !== input) x4.dispose();
  const out = batched ? cols : squeezeFirst(cols);
  const inShape = input.shape;
  const spatial = shape.slice(2);
  return record(out, 'Im2ColBackward0', [input], () => (grad) => {
    // createGraph: fold is unfold's adjoint, as a recorded op (differentiable again).
    if (gradEnabled()) return [fold(grad, spatial, g.kernel, { dilation: g.dilation, padding: g.padding, stride: g.stride })];
    const g3 = batched ? grad : makeView(grad, [1, ...grad._shape], [0, ...grad._strides], grad._offset);
    const gx = foldRaw(g3, shape, g);
    if (g3 !== grad) g3.dispose();
    return [batched ? gx : reshapedOwned(gx, inShape)];
  });
}

/**
 * Sums sliding local blocks [N, C * kh * kw, L] (or unbatched [C * kh * kw, L]) into an
 * image [N, C, outputSize...]: `(input, outputSize, kernelSize, dilation=1, padding=0, stride=1)`.
 * @example F.fold(torch.ones(1, 12, 12), [4, 5], 2).shape // [1, 3, 4, 5]
 */
export function fold(input: Tensor, outputSize: IntOrTuple, kernelSize: IntOrTuple, ...rest: (IntOrTuple | FoldOptions | undefined)[]): Tensor {
  checkTensor(input, 'fold', 'input');
  const g = geometry('fold', kernelSize, rest);
  if (Array.isArray(outputSize) && outputSize.length !== 2) throw new Error(`It is expected output_size equals to 2, but got size ${outputSize.length}`);
  const size = expandParam(outputSize, 'output_size', 2, 'fold');
  const batched = input.dim() === 3;
  if ((input.dim() !== 2 && !batched) || input.shape.slice(input.dim() - 2).some((s) => s === 0)) {
    throw new Error(`Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: [${input.shape.join(', ')}]`);
  }
  if (!input.dtype.isFloatingPoint) throw new Error(`fold: expected a floating-point input, got ${input.dtype.name}`);
  const shape = batched ? input.shape : [1, ...input.shape];
  const kprod = g.kernel[0] * g.kernel[1];
  if (shape[1] % kprod !== 0) {
    throw new Error(`Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${shape[1]} and kernel_size=${tuple(g.kernel)}.`);
  }
  const blocks = convOutputSize(size, g);
  if (blocks.some((b) => b < 1) || blocks[0] * blocks[1] !== shape[2]) {
    throw new Error(
      `Given output_size=${tuple(size)}, kernel_size=${tuple(g.kernel)}, dilation=${tuple(g.dilation)}, padding=${tuple(g.padding)}, stride=${tuple(g.stride)}, expected size of input's dimension 2 to match the calculated number of sliding blocks ${blocks[0]} * ${blocks[1]} = ${blocks[0] * blocks[1]}, but got input.size(2)=${shape[2]}.`,
    );
  }
  const imageShape = [shape[0], shape[1] / kprod, ...size];
  const c3 = batched ? input : makeView(input, shape, [0, ...input._strides], input._offset);
  const image = foldRaw(c3, imageShape, g);
  if (c3 !== input) c3.dispose();
  const out = batched ? image : squeezeFirst(image);
  return record(out, 'Col2ImBackward0', [input], () => (grad) => {
    // createGraph: unfold is fold's adjoint, as a recorded op.
    if (gradEnabled()) return [unfold(grad, g.kernel, { dilation: g.dilation, padding: g.padding, stride: g.stride })];
    const g4 = batched ? grad : makeView(grad, [1, ...grad._shape], [0, ...grad._strides], grad._offset);
    const gx = unfoldRaw(g4, g);
    if (g4 !== grad) g4.dispose();
    return [batched ? gx : squeezeFirst(gx)];
  });
}

/** A contiguous [1, ...] result without its leading dim (same storage). */
function squeezeFirst(t: Tensor): Tensor {
  return reshapedOwned(t, t._shape.slice(1));
}

function reshapedOwned(t: Tensor, shape: readonly number[]): Tensor {
  const v = makeView(t, shape.slice(), contiguousStrides(shape.slice()), t._offset);
  t.dispose();
  return v;
}
