/**
 * Layout ops of sub-pixel networks: `pixelShuffle` / `pixelUnshuffle` (each recorded as one
 * autograd node, `PixelShuffleBackward0` / `PixelUnshuffleBackward0`, whose backward is the
 * other op) and `channelShuffle`, all views and one copy, with PyTorch 1.13's checks.
 */
import { record } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { contiguous, permute, reshape, transpose } from '../../ops/shape.js';
import { checkInteger, checkTensor } from '../../tensor/args.js';

function checkFactor(input: Tensor, factor: unknown, fn: string, name: string): asserts factor is number {
  checkTensor(input, fn, 'input');
  checkInteger(factor, fn, name);
  if (input.dim() < 3) {
    throw new Error(`${fn === 'pixelShuffle' ? 'pixel_shuffle' : 'pixel_unshuffle'} expects input to have at least 3 dimensions, but got input with ${input.dim()} dimension(s)`);
  }
  if (factor <= 0) {
    throw new Error(`${fn === 'pixelShuffle' ? 'pixel_shuffle' : 'pixel_unshuffle'} expects a positive ${name === 'upscaleFactor' ? 'upscale_factor' : 'downscale_factor'}, but got ${factor}`);
  }
}

/**
 * Rearranges (*, C·r², H, W) into (*, C, H·r, W·r): each group of r² channels becomes an r×r
 * block of pixels, as `torch.nn.functional.pixel_shuffle` (ESPCN's sub-pixel convolution).
 * @example F.pixelShuffle(torch.randn(1, 9, 4, 4), 3).shape // [1, 1, 12, 12]
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  checkFactor(input, upscaleFactor, 'pixelShuffle', 'upscaleFactor');
  const r = upscaleFactor;
  const lead = input.shape.slice(0, -3);
  const [c, h, w] = input.shape.slice(-3);
  if (c % (r * r) !== 0) {
    throw new Error(
      `pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${r * r}`,
    );
  }
  const n = lead.length;
  const out = noGrad(() => {
    const split = reshape(input, [...lead, c / (r * r), r, r, h, w]);
    const moved = permute(split, [...lead.map((_, i) => i), n, n + 3, n + 1, n + 4, n + 2]);
    return contiguous(reshape(moved, [...lead, c / (r * r), h * r, w * r]));
  });
  return record(out, 'PixelShuffleBackward0', [input], () => (g) => [pixelUnshuffle(g, r)]);
}

/**
 * The inverse of `pixelShuffle`: (*, C, H·r, W·r) into (*, C·r², H, W), as
 * `torch.nn.functional.pixel_unshuffle`.
 * @example F.pixelUnshuffle(torch.randn(1, 1, 12, 12), 3).shape // [1, 9, 4, 4]
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  checkFactor(input, downscaleFactor, 'pixelUnshuffle', 'downscaleFactor');
  const r = downscaleFactor;
  const lead = input.shape.slice(0, -3);
  const [c, h, w] = input.shape.slice(-3);
  if (h % r !== 0) {
    throw new Error(`pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=${h} is not divisible by ${r}`);
  }
  if (w % r !== 0) {
    throw new Error(`pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=${w} is not divisible by ${r}`);
  }
  const n = lead.length;
  const out = noGrad(() => {
    const split = reshape(input, [...lead, c, h / r, r, w / r, r]);
    const moved = permute(split, [...lead.map((_, i) => i), n, n + 2, n + 4, n + 1, n + 3]);
    return contiguous(reshape(moved, [...lead, c * r * r, h / r, w / r]));
  });
  return record(out, 'PixelUnshuffleBackward0', [input], () => (g) => [pixelShuffle(g, r)]);
}

/**
 * Interleaves the channels of (N, C, *) from `groups` groups (ShuffleNet's channel shuffle):
 * channel `g·(C/groups) + k` moves to `k·groups + g`, as `torch.nn.functional.channel_shuffle`.
 * PyTorch 1.13 has no derivative for it; here it is a view, a transpose and a copy, so it
 * has one (their grad_fns).
 * @example F.channelShuffle(x, 2)
 */
export function channelShuffle(input: Tensor, groups: number): Tensor {
  checkTensor(input, 'channelShuffle', 'input');
  checkInteger(groups, 'channelShuffle', 'groups');
  if (input.dim() <= 2) throw new Error(`channel_shuffle expects input with > 2 dims, but got input with sizes [${input.shape.join(', ')}]`);
  if (groups <= 0) throw new Error(`Number of groups to divide channels in must be positive. Value of groups:${groups}`);
  const [batch, c, ...rest] = input.shape;
  if (c % groups !== 0) throw new Error(`Number of channels must be divisible by groups. Got ${c} channels and ${groups} groups.`);
  const split = reshape(input, [batch, groups, c / groups, ...rest]);
  return reshape(contiguous(transpose(split, 1, 2)), input.shape);
}
