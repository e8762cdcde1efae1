/**
 * Layout layers: `PixelShuffle`, `PixelUnshuffle` and `ChannelShuffle`, printing as PyTorch's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { channelShuffle, pixelShuffle, pixelUnshuffle } from '../functional/pixel-shuffle.js';
import { checkInteger } from '../../tensor/args.js';

/**
 * (*, C·r², H, W) to (*, C, H·r, W·r) (`F.pixelShuffle`), the upsampling of sub-pixel CNNs.
 * @example new nn.PixelShuffle(3)(torch.randn(1, 9, 4, 4)).shape // [1, 1, 12, 12]
 */
export class PixelShuffle extends Module {
  static override _holdsNoActivations = true;
  upscaleFactor: number;
  constructor(upscaleFactor: number) {
    super();
    checkInteger(upscaleFactor, 'PixelShuffle', 'upscaleFactor');
    this.upscaleFactor = upscaleFactor;
  }
  override forward(input: Tensor): Tensor {
    return pixelShuffle(input, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/**
 * The inverse of `PixelShuffle` (`F.pixelUnshuffle`).
 * @example new nn.PixelUnshuffle(3)(torch.randn(1, 1, 12, 12)).shape // [1, 9, 4, 4]
 */
export class PixelUnshuffle extends Module {
  static override _holdsNoActivations = true;
  downscaleFactor: number;
  constructor(downscaleFactor: number) {
    super();
    checkInteger(downscaleFactor, 'PixelUnshuffle', 'downscaleFactor');
    this.downscaleFactor = downscaleFactor;
  }
  override forward(input: Tensor): Tensor {
    return pixelUnshuffle(input, this.downscaleFactor);
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

/**
 * Interleaves the channels of `groups` groups (`F.channelShuffle`), as in ShuffleNet.
 * @example new nn.ChannelShuffle(2)(x)
 */
export class ChannelShuffle extends Module {
  static override _holdsNoActivations = true;
  groups: number;
  constructor(groups: number) {
    super();
    checkInteger(groups, 'ChannelShuffle', 'groups');
    this.groups = groups;
  }
  override forward(input: Tensor): Tensor {
    return channelShuffle(input, this.groups);
  }
  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}
