/**
 * The arguments of the convolutions: PyTorch's positional forms and the options object,
 * int-or-tuple parameters, and the shape checks of ATen's `check_shape_forward`, with
 * its messages.
 */
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, checkInteger, checkOptions, checkOptionalTensor, checkTensor, keysOf } from '../../tensor/args.js';

/** An int, or one int per spatial dim. @example 3; [3, 5] */
export type IntOrTuple = number | readonly number[];

/**
 * The options of `F.conv1d/2d/3d`, when given as one object.
 * @example F.conv2d(x, w, { padding: 'same', groups: 2 })
 */
export interface ConvOptions {
  bias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
  groups?: number;
}

/**
 * The options of `F.convTranspose1d/2d/3d`, when given as one object.
 * @example F.convTranspose2d(x, w, { stride: 2, outputPadding: 1 })
 */
export interface ConvTransposeOptions {
  bias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

const CONV_KEYS = keysOf<ConvOptions>()('bias', 'stride', 'padding', 'dilation', 'groups');
const CONV_TRANSPOSE_KEYS = keysOf<ConvTransposeOptions>()('bias', 'stride', 'padding', 'outputPadding', 'groups', 'dilation');

/** A plain options object (not a tensor, an array or null). */
function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor);
}

/**
 * Folds positional arguments (after input and weight) and a trailing options object into
 * one record keyed by PyTorch's parameter names, in order. @internal
 * @example collectArgs('conv2d', ['bias', 'stride'], [null, { stride: 2 }], false) // { bias: null, stride: 2 }
 */
export function collectArgs(fn: string, names: readonly string[], rest: unknown[], transposed: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let positional = rest;
  const last = rest[rest.length - 1];
  if (rest.length > 0 && isOptionsObject(last)) {
    checkOptions(last, fn, transposed ? CONV_TRANSPOSE_KEYS : CONV_KEYS);
    positional = rest.slice(0, -1);
    for (const [k, v] of Object.entries(last)) if (v !== undefined) out[k] = v;
  }
  if (positional.length > names.length) throw new TypeError(`${fn}() takes at most ${names.length + 2} positional arguments, got ${positional.length + 2}`);
  positional.forEach((v, i) => {
    if (v === undefined) return;
    if (names[i] in out) throw new TypeError(`${fn}(): ${names[i]} is given both positionally and in the options`);
    out[names[i]] = v;
  });
  return out;
}

/**
 * `value` as one int per spatial dim, with PyTorch's message for a wrong length. @internal
 * @example expandParam(2, 'stride', 2, 'conv2d') // [2, 2]
 */
export function expandParam(value: unknown, name: string, dims: number, fn: string): number[] {
  if (typeof value === 'number') {
    checkInteger(value, fn, name);
    return Array<number>(dims).fill(value);
  }
  if (!Array.isArray(value)) throw argumentError(fn, name, 'an int or an array of ints', value);
  value.forEach((v, i) => checkInteger(v, fn, `${name}[${i}]`));
  if (value.length === 1) return Array<number>(dims).fill(value[0]);
  if (value.length !== dims) {
    throw new Error(
      `expected ${name} to be a single integer value or a list of ${dims} values to match the convolution dimensions, but got ${name}=[${value.join(', ')}]`,
    );
  }
  return value.slice();
}

/**
 * One convolution call, its arguments resolved (the layers keep one).
 * @example const spec: ConvSpec = parseConvCall('conv2d', 2, false, x, w, [null, 2]).spec
 */
export interface ConvSpec {
  dims: number;
  stride: number[];
  /** Symmetric padding per dim; for 'same', the smaller (left) side. */
  padding: number[];
  /** 'same' with an odd total padding: the extra zeros on the right of each dim. */
  extraRight: number[] | null;
  dilation: number[];
  outputPadding: number[];
  groups: number;
  transposed: boolean;
}

/**
 * Checks the parameters' values and the shapes of input, weight and bias as ATen's
 * `_convolution` does (input batched here). @internal
 * @example checkConvShapes(x, w, b, spec) // throws PyTorch's message for a bad shape
 */
export function checkConvShapes(input: Tensor, weight: Tensor, bias: Tensor | null, spec: ConvSpec): void {
  const { stride, padding, dilation, outputPadding, groups, transposed } = spec;
  if (stride.some((s) => s <= 0)) throw new Error('non-positive stride is not supported');
  if (padding.some((p) => p < 0)) throw new Error('negative padding is not supported');
  if (outputPadding.some((p) => p < 0)) throw new Error('negative output_padding is not supported');
  if (dilation.some((d) => d <= 0)) throw new Error(`dilation should be greater than zero, but got [${dilation.join(', ')}]`);
  if (groups <= 0) throw new Error('non-positive groups is not supported');
  if (input.dtype !== weight.dtype) throw new Error(`expected scalar type ${scalarName(input.dtype.name)} but found ${scalarName(weight.dtype.name)}`);
  if (bias !== null && bias.dtype !== input.dtype) throw new Error(`expected scalar type ${scalarName(input.dtype.name)} but found ${scalarName(bias.dtype.name)}`);
  if (!input.dtype.isFloatingPoint) throw new Error(`convolution: expected a floating-point input, got ${input.dtype.name}`);
  const w = weight.shape;
  const x = input.shape;
  const k = w.length;
  if (x.length !== k) {
    throw new Error(`Expected ${k}-dimensional input for ${k}-dimensional weight [${w.join(', ')}], but got ${x.length}-dimensional input of size [${x.join(', ')}] instead`);
  }
  if (w[0] < groups) {
    throw new Error(`Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size [${w.join(', ')}] instead`);
  }
  if (w[0] % groups !== 0) {
    throw new Error(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [[${w.join(', ')}]] instead`);
  }
  const outChannels = transposed ? w[1] * groups : w[0];
  if (!transposed) {
    if (x[1] !== w[1] * groups) {
      throw new Error(`Given groups=${groups}, weight of size [${w.join(', ')}], expected input[${x.join(', ')}] to have ${w[1] * groups} channels, but got ${x[1]} channels instead`);
    }
  } else if (x[1] !== w[0]) {
    throw new Error(`Given transposed=1, weight of size [${w.join(', ')}], expected input[${x.join(', ')}] to have ${w[0]} channels, but got ${x[1]} channels instead`);
  }
  if (bias !== null && (bias.dim() !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`Given weight of size [${w.join(', ')}], expected bias to be 1-dimensional with ${outChannels} elements, but got bias of size [${bias.shape.join(', ')}] instead`);
  }
  if (!transposed) {
    const padded = x.slice(2).map((s, i) => s + 2 * padding[i] + (spec.extraRight?.[i] ?? 0));
    const kernel = w.slice(2).map((s, i) => dilation[i] * (s - 1) + 1);
    if (padded.some((p, i) => p < kernel[i])) {
      throw new Error(`Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${kernel.join(' x ')}). Kernel size can't be greater than actual input size`);
    }
  } else {
    const names = ['depth', 'height', 'width'].slice(3 - spec.dims);
    if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i])) {
      const list = (label: string, v: number[]) => v.map((n, i) => `${label}_${names[i]}: ${n}`).join(' ');
      throw new Error(`output padding must be smaller than either stride or dilation, but got ${list('output_padding', outputPadding)} ${list('stride', stride)} ${list('dilation', dilation)}`);
    }
    const out = x.slice(2).map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (w[2 + i] - 1) + outputPadding[i] + 1);
    if (out.some((o) => o < 1)) {
      throw new Error(`Given input size per channel: (${x.slice(2).join(' x ')}). Calculated output size per channel: (${out.join(' x ')}). Output size is too small`);
    }
  }
}

function scalarName(dtype: string): string {
  return { float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int' }[dtype] ?? dtype;
}

/**
 * Resolves a convolution call's parameters from PyTorch's positional form or an options
 * object, and checks the input's rank (unbatched or batched). @internal
 * @example const { input, weight, bias, spec } = parseConvCall('conv2d', 2, false, x, w, [b, 1, 'same'])
 */
export function parseConvCall(
  fn: string,
  dims: number,
  transposed: boolean,
  input: unknown,
  weight: unknown,
  rest: unknown[],
): { input: Tensor; weight: Tensor; bias: Tensor | null; spec: ConvSpec } {
  checkTensor(input, fn, 'input');
  checkTensor(weight, fn, 'weight');
  const names = transposed ? ['bias', 'stride', 'padding', 'outputPadding', 'groups', 'dilation'] : ['bias', 'stride', 'padding', 'dilation', 'groups'];
  const args = collectArgs(fn, names, rest, transposed);
  const bias = (args.bias ?? null) as Tensor | null;
  checkOptionalTensor(bias, fn, 'bias');
  const x = input.shape;
  if (x.length !== dims + 1 && x.length !== dims + 2) {
    throw new Error(`Expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input to ${fn}, but got input of size: [${x.join(', ')}]`);
  }
  // ATen expands the parameters to the weight's spatial rank (so a weight of the wrong rank
  // reports a parameter of the wrong length first, as PyTorch does).
  const k = Math.max(weight.dim() - 2, 1);
  const groups = args.groups ?? 1;
  checkInteger(groups, fn, 'groups');
  const dilation = expandParam(expandParam(args.dilation ?? 1, 'dilation', dims, fn), 'dilation', k, fn);
  const stride = expandParam(expandParam(args.stride ?? 1, 'stride', dims, fn), 'stride', k, fn);
  let padding: number[];
  let extraRight: number[] | null = null;
  const pad = args.padding ?? 0;
  if (typeof pad === 'string') {
    if (transposed) throw argumentError(fn, 'padding', 'an int or an array of ints', pad);
    if (pad === 'valid') padding = Array<number>(k).fill(0);
    else if (pad === 'same') {
      if (stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      const kernel = weight.shape.slice(2);
      const total = kernel.map((s, i) => dilation[i] * (s - 1));
      padding = total.map((t) => Math.floor(t / 2));
      const extra = total.map((t) => t % 2);
      if (extra.some((e) => e !== 0)) extraRight = extra;
    } else throw new Error(`Invalid padding string: '${pad}'`);
  } else padding = expandParam(expandParam(pad, 'padding', dims, fn), 'padding', k, fn);
  const outputPadding = transposed ? expandParam(expandParam(args.outputPadding ?? 0, 'output_padding', dims, fn), 'output_padding', k, fn) : Array<number>(k).fill(0);
  return { input, weight, bias, spec: { dims: k, stride, padding, extraRight, dilation, outputPadding, groups, transposed } };
}
