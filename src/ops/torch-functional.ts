/**
 * The `torch.*` entry points PyTorch 1.13 has beside `torch.nn.functional`, with their ATen
 * signatures (all positional, often in another order than F's, modes as integer enums, no
 * Python-level defaults or warnings): the dropout family, `convolution`, `convTbc`,
 * `constantPadNd`, the grid samplers, `affineGridGenerator`, `rrelu` and
 * `nativeChannelShuffle`. Each computes what its F counterpart computes (the same kernels,
 * gradients and grad_fn names). The normalizations are in torch-functional-norms.ts, the
 * losses in torch-functional-losses.ts, the embeddings in torch-functional-embedding.ts.
 */
import { record, renameGradFn } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { argumentError, checkBoolean, checkInteger, checkNumber, checkOptionalTensor, checkTensor } from '../tensor/args.js';
import { empty, zeros } from '../tensor/creation.js';
import { mul } from './elementwise.js';
import { div_, mul_ } from './inplace.js';
import { bernoulli_ } from './fill.js';
import { contiguous, permute } from './shape.js';
import { dropout as fDropout } from '../nn/functional/layers.js';
import { alphaDropout, featureAlphaDropout } from '../nn/functional/dropout-nd.js';
import { conv1d, convolution as convolve } from '../nn/functional/conv.js';
import { expandParam, type ConvSpec } from '../nn/functional/conv-args.js';
import { constantPad } from '../nn/functional/padding.js';
import { gridSample, type GridSampleMode, type GridSamplePadding } from '../nn/functional/grid-sample.js';
import { affineGrid } from '../nn/functional/affine-grid.js';
import { rrelu as fRrelu } from '../nn/functional/activations-extra.js';
import { channelShuffle } from '../nn/functional/pixel-shuffle.js';

/** The checks every torch-level dropout makes: a probability in [0, 1] and a `train` flag. */
function checkDropout(fn: string, input: unknown, p: unknown, train: unknown): asserts p is number {
  checkTensor(input, fn, 'input');
  checkNumber(p, fn, 'p');
  checkBoolean(train, fn, 'train');
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * `torch.dropout(input, p, train)`: `F.dropout` with both arguments required (PyTorch's
 * random stream, so the same mask after `torch.manualSeed`).
 * @example torch.dropout(x, 0.2, true)
 */
export function dropout(input: Tensor, p: number, train: boolean): Tensor {
  checkDropout('dropout', input, p, train);
  return fDropout(input, p, train);
}

/** `torch.dropout_(input, p, train)`: {@link dropout} in place. @example torch.dropout_(x, 0.2, true) */
export function dropout_(input: Tensor, p: number, train: boolean): Tensor {
  checkDropout('dropout_', input, p, train);
  return fDropout(input, p, train, true);
}

/** `torch.alpha_dropout_(input, p, train)`: `F.alphaDropout` in place. @example torch.alphaDropout_(x, 0.2, true) */
export function alphaDropout_(input: Tensor, p: number, train: boolean): Tensor {
  checkDropout('alpha_dropout_', input, p, train);
  return alphaDropout(input, p, train, true);
}

/** `torch.feature_alpha_dropout_(input, p, train)`. @example torch.featureAlphaDropout_(x, 0.2, true) */
export function featureAlphaDropout_(input: Tensor, p: number, train: boolean): Tensor {
  checkDropout('feature_alpha_dropout_', input, p, train);
  return featureAlphaDropout(input, p, train, true);
}

/**
 * ATen's `_dropout_impl<feature=true, alpha=false>`: one bernoulli_(1 - p) draw per (sample,
 * channel), the kept channels scaled by 1 / (1 - p), for an input of any rank >= 2 (F's
 * dropout1d/2d/3d add their rank rules and warnings on top of this).
 */
function featureDropoutImpl(input: Tensor, p: number, train: boolean, inplace: boolean): Tensor {
  if (p === 0 || !train || input.numel() === 0) return input;
  const multiply = (noise: Tensor) => (inplace ? mul_(input, noise) : mul(input, noise));
  if (p === 1) return multiply(zeros([], { dtype: input.dtype, device: input.device }));
  if (input.dim() < 2) throw new Error('Feature dropout requires at least 2 dimensions in the input');
  const shape = [input.shape[0], input.shape[1], ...input.shape.slice(2).map(() => 1)];
  const noise = empty(shape, { dtype: input.dtype, device: input.device });
  noGrad(() => div_(bernoulli_(noise, 1 - p), 1 - p));
  return multiply(noise);
}

/**
 * `torch.feature_dropout(input, p, train)`: whole channels (dim 1) of an input of rank >= 2
 * zeroed with probability `p`, the rest scaled by 1 / (1 - p).
 * @example torch.featureDropout(x, 0.5, true)
 */
export function featureDropout(input: Tensor, p: number, train: boolean): Tensor {
  checkDropout('feature_dropout', input, p, train);
  return featureDropoutImpl(input, p, train, false);
}

/** `torch.feature_dropout_(input, p, train)`: {@link featureDropout} in place. @example torch.featureDropout_(x, 0.5, true) */
export function featureDropout_(input: Tensor, p: number, train: boolean): Tensor {
  checkDropout('feature_dropout_', input, p, train);
  return featureDropoutImpl(input, p, train, true);
}

/**
 * `torch.convolution(input, weight, bias, stride, padding, dilation, transposed,
 * output_padding, groups)`: the one convolution behind `F.conv1d/2d/3d` and
 * `F.convTranspose1d/2d/3d`, every argument required; `input` batched, the rank from
 * `weight`. Each int list may also be one int for every spatial dim.
 * @example torch.convolution(x, w, null, [1, 1], [0, 0], [1, 1], false, [0, 0], 1)
 */
export function convolution(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  stride: number | number[],
  padding: number | number[],
  dilation: number | number[],
  transposed: boolean,
  outputPadding: number | number[],
  groups: number,
): Tensor {
  checkTensor(input, 'convolution', 'input');
  checkTensor(weight, 'convolution', 'weight');
  checkOptionalTensor(bias, 'convolution', 'bias');
  checkBoolean(transposed, 'convolution', 'transposed');
  checkInteger(groups, 'convolution', 'groups');
  const dims = Math.max(weight.dim() - 2, 1);
  const spec: ConvSpec = {
    dims,
    stride: expandParam(stride, 'stride', dims, 'convolution'),
    padding: expandParam(padding, 'padding', dims, 'convolution'),
    extraRight: null,
    dilation: expandParam(dilation, 'dilation', dims, 'convolution'),
    outputPadding: expandParam(outputPadding, 'output_padding', dims, 'convolution'),
    groups,
    transposed,
  };
  return convolve(input, weight, bias ?? null, spec);
}

/**
 * `torch.conv_tbc(input, weight, bias, pad=0)`: a 1-D convolution over time-major input
 * (time, batch, channels) with a (kernel width, in channels, out channels) weight, giving
 * (time, batch, out channels); named ConvTbcBackward0 as PyTorch's.
 * @example torch.convTbc(torch.randn(10, 2, 4), torch.randn(3, 4, 5), torch.zeros(5), 1)
 */
export function convTbc(input: Tensor, weight: Tensor, bias: Tensor, pad = 0): Tensor {
  checkTensor(input, 'conv_tbc', 'input');
  checkTensor(weight, 'conv_tbc', 'weight');
  checkTensor(bias, 'conv_tbc', 'bias');
  checkInteger(pad, 'conv_tbc', 'pad');
  if (input.dim() !== 3) throw new Error('Input must have 3 dims: time, batch, in_channel');
  if (weight.dim() !== 3) throw new Error('Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.');
  if (bias.dim() !== 1) throw new Error('Bias must be 1-D');
  if (input.shape[2] !== weight.shape[1]) throw new Error('Input dim 2 (input channels) is not == dim 1 in the weight tensor');
  if (weight.shape[2] !== bias.shape[0]) throw new Error('Bias size must equal dim 2 in the weight tensor (output channels).');
  const out = conv1d(permute(input, [1, 2, 0]), permute(weight, [2, 1, 0]), bias, 1, pad);
  return renameGradFn(contiguous(permute(out, [2, 0, 1])), 'ConvTbcBackward0');
}

/**
 * `torch.constant_pad_nd(input, pad, value=0)`: `F.pad`'s constant mode (negative pads crop),
 * `pad` as (left, right) pairs from the last dim backwards; `value` converted to the dtype.
 * @example torch.constantPadNd(x, [1, 1], -1)
 */
export function constantPadNd(input: Tensor, pad: number[], value = 0): Tensor {
  checkTensor(input, 'constant_pad_nd', 'input');
  if (!Array.isArray(pad)) throw argumentError('constant_pad_nd', 'pad', 'an array of integers', pad);
  pad.forEach((p, i) => checkInteger(p, 'constant_pad_nd', `pad[${i}]`));
  checkNumber(value, 'constant_pad_nd', 'value');
  if (pad.length % 2 !== 0) throw new Error(`Length of pad must be even but instead it equals ${pad.length}`);
  if (input.dim() < pad.length / 2) {
    throw new Error(
      `Length of pad should be no more than twice the number of dimensions of the input. Pad length is ${pad.length}while the input has ${input.dim()}dimensions.`,
    );
  }
  return constantPad(input, pad, value);
}

const INTERPOLATION: readonly GridSampleMode[] = ['bilinear', 'nearest', 'bicubic'];
const PADDING: readonly GridSamplePadding[] = ['zeros', 'border', 'reflection'];

function gridSamplerChecked(fn: string, rank: number | null, input: Tensor, grid: Tensor, mode: number, padding: number, alignCorners: boolean): Tensor {
  checkTensor(input, fn, 'input');
  checkTensor(grid, fn, 'grid');
  checkInteger(mode, fn, 'interpolation_mode');
  checkInteger(padding, fn, 'padding_mode');
  checkBoolean(alignCorners, fn, 'align_corners');
  // ATen reads the ints as enums without a check (another value is undefined behaviour there).
  if (!(mode >= 0 && mode < 3)) throw new Error(`${fn}(): interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic), but got ${mode}`);
  if (!(padding >= 0 && padding < 3)) throw new Error(`${fn}(): padding_mode must be 0 (zeros), 1 (border) or 2 (reflection), but got ${padding}`);
  if (rank !== null && (input.dim() !== rank || grid.dim() !== rank)) {
    const sizes = `input with sizes [${input.shape.join(', ')}] and grid with sizes [${grid.shape.join(', ')}]`;
    throw new Error(`grid_sampler(): expected ${rank}D input and grid with same number of dimensions, but got ${sizes}`);
  }
  return gridSample(input, grid, INTERPOLATION[mode], PADDING[padding], alignCorners);
}

/**
 * `torch.grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)`:
 * `F.gridSample` with the modes as ATen's integers (interpolation 0 bilinear, 1 nearest,
 * 2 bicubic; padding 0 zeros, 1 border, 2 reflection) and `align_corners` required.
 * @example torch.gridSampler(image, grid, 0, 0, false)
 */
export function gridSampler(input: Tensor, grid: Tensor, interpolationMode: number, paddingMode: number, alignCorners: boolean): Tensor {
  return gridSamplerChecked('grid_sampler', null, input, grid, interpolationMode, paddingMode, alignCorners);
}

/** `torch.grid_sampler_2d(...)`: {@link gridSampler} for 4-D input and grid only. @example torch.gridSampler2d(image, grid, 1, 1, true) */
export function gridSampler2d(input: Tensor, grid: Tensor, interpolationMode: number, paddingMode: number, alignCorners: boolean): Tensor {
  return gridSamplerChecked('grid_sampler_2d', 4, input, grid, interpolationMode, paddingMode, alignCorners);
}

/** `torch.grid_sampler_3d(...)`: {@link gridSampler} for 5-D input and grid only. @example torch.gridSampler3d(volume, grid, 0, 0, false) */
export function gridSampler3d(input: Tensor, grid: Tensor, interpolationMode: number, paddingMode: number, alignCorners: boolean): Tensor {
  return gridSamplerChecked('grid_sampler_3d', 5, input, grid, interpolationMode, paddingMode, alignCorners);
}

/**
 * `torch.affine_grid_generator(theta, size, align_corners)`: `F.affineGrid` with
 * `align_corners` required (so without F's warning for leaving it out).
 * @example torch.affineGridGenerator(theta, [1, 3, 8, 8], false)
 */
export function affineGridGenerator(theta: Tensor, size: number[], alignCorners: boolean): Tensor {
  checkTensor(theta, 'affine_grid_generator', 'theta');
  if (!Array.isArray(size)) throw argumentError('affine_grid_generator', 'size', 'an array of integers', size);
  checkBoolean(alignCorners, 'affine_grid_generator', 'align_corners');
  if (size.length !== 4 && size.length !== 5) throw new Error('AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs.');
  return affineGrid(theta, size, alignCorners);
}

/**
 * `torch.rrelu(input, lower=1/8, upper=1/3, training=False)`: `F.rrelu` (its slopes drawn
 * from PyTorch's random stream in training); PyTorch's `generator` argument is not supported.
 * @example torch.rrelu(x, 0.1, 0.3, true)
 */
export function rrelu(input: Tensor, lower = 1 / 8, upper = 1 / 3, training = false): Tensor {
  return fRrelu(input, lower, upper, training);
}

/**
 * `torch.native_channel_shuffle(input, groups)`: `F.channelShuffle`'s values; as in PyTorch
 * 1.13, autograd does not go through it (backward throws).
 * @example torch.nativeChannelShuffle(x, 2)
 */
export function nativeChannelShuffle(input: Tensor, groups: number): Tensor {
  checkTensor(input, 'native_channel_shuffle', 'input');
  const out = noGrad(() => channelShuffle(input, groups));
  return record(out, 'NotImplemented', [input], () => () => {
    throw new Error('derivative for aten::native_channel_shuffle is not implemented');
  });
}
