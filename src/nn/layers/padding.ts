/**
 * The padding modules of PyTorch 1.13: ZeroPad2d, ConstantPad1d/2d/3d,
 * ReflectionPad1d/2d/3d and ReplicationPad1d/2d/3d, over `F.pad`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { pyRepr } from '../repr.js';
import { checkInteger, checkNumber } from '../../tensor/args.js';
import { pad, type PadMode } from '../functional/padding.js';

/**
 * An int for every side, or one (left, right) pair per padded dim, last dim first.
 * @example new nn.ZeroPad2d([1, 1, 2, 0]) // left, right, top, bottom
 */
export type PaddingSize = number | readonly number[];

function expandPadding(padding: PaddingSize, dims: number, name: string): number[] {
  if (typeof padding === 'number') {
    checkInteger(padding, name, 'padding');
    return Array<number>(2 * dims).fill(padding);
  }
  if (!Array.isArray(padding) || padding.length !== 2 * dims) {
    throw new TypeError(`${name}: expected padding to be an int or an array of ${2 * dims} ints, got ${pyRepr(padding)}`);
  }
  padding.forEach((p, i) => checkInteger(p, name, `padding[${i}]`));
  return padding.slice();
}

/** The shared base: pads the last `dims` dims with `mode`. */
abstract class PadNd extends Module {
  static override _holdsNoActivations = true;
  padding: number[];
  protected abstract readonly mode: PadMode;
  constructor(padding: PaddingSize, dims: number, name: string) {
    super();
    this.padding = expandPadding(padding, dims, name);
  }
  override forward(input: Tensor): Tensor {
    return pad(input, this.padding, this.mode);
  }
  override extraRepr(): string {
    return pyRepr(this.padding);
  }
}

/** Constant padding with `value`; its repr is PyTorch's `padding=(...), value=v`. */
abstract class ConstantPadNd extends PadNd {
  protected readonly mode = 'constant';
  value: number;
  constructor(padding: PaddingSize, value: number, dims: number, name: string) {
    super(padding, dims, name);
    checkNumber(value, name, 'value');
    this.value = value;
  }
  override forward(input: Tensor): Tensor {
    return pad(input, this.padding, 'constant', this.value);
  }
  override extraRepr(): string {
    return `padding=${pyRepr(this.padding)}, value=${pyRepr(this.value)}`;
  }
}

/**
 * Pads the last dim with a constant. @example new nn.ConstantPad1d([1, 2], 3.5)
 */
export class ConstantPad1d extends ConstantPadNd {
  static override _holdsNoActivations = true;
  constructor(padding: PaddingSize, value: number) {
    super(padding, value, 1, 'ConstantPad1d');
  }
}

/** Pads the last two dims with a constant. @example new nn.ConstantPad2d(1, -1) */
export class ConstantPad2d extends ConstantPadNd {
  static override _holdsNoActivations = true;
  constructor(padding: PaddingSize, value: number) {
    super(padding, value, 2, 'ConstantPad2d');
  }
}

/** Pads the last three dims with a constant. @example new nn.ConstantPad3d(1, 0) */
export class ConstantPad3d extends ConstantPadNd {
  static override _holdsNoActivations = true;
  constructor(padding: PaddingSize, value: number) {
    super(padding, value, 3, 'ConstantPad3d');
  }
}

/** Pads the last two dims with zeros. @example new nn.ZeroPad2d([1, 1, 2, 0]) */
export class ZeroPad2d extends PadNd {
  protected readonly mode = 'constant';
  constructor(padding: PaddingSize) {
    super(padding, 2, 'ZeroPad2d');
  }
}

/** Reflection padding of the last dim. @example new nn.ReflectionPad1d(2) */
export class ReflectionPad1d extends PadNd {
  protected readonly mode = 'reflect';
  constructor(padding: PaddingSize) {
    super(padding, 1, 'ReflectionPad1d');
  }
}

/** Reflection padding of the last two dims. @example new nn.ReflectionPad2d([1, 1, 2, 0]) */
export class ReflectionPad2d extends PadNd {
  protected readonly mode = 'reflect';
  constructor(padding: PaddingSize) {
    super(padding, 2, 'ReflectionPad2d');
  }
}

/** Reflection padding of the last three dims. @example new nn.ReflectionPad3d(1) */
export class ReflectionPad3d extends PadNd {
  protected readonly mode = 'reflect';
  constructor(padding: PaddingSize) {
    super(padding, 3, 'ReflectionPad3d');
  }
}

/** Replication (edge) padding of the last dim. @example new nn.ReplicationPad1d(2) */
export class ReplicationPad1d extends PadNd {
  protected readonly mode = 'replicate';
  constructor(padding: PaddingSize) {
    super(padding, 1, 'ReplicationPad1d');
  }
}

/** Replication padding of the last two dims. @example new nn.ReplicationPad2d(1) */
export class ReplicationPad2d extends PadNd {
  protected readonly mode = 'replicate';
  constructor(padding: PaddingSize) {
    super(padding, 2, 'ReplicationPad2d');
  }
}

/** Replication padding of the last three dims. @example new nn.ReplicationPad3d(1) */
export class ReplicationPad3d extends PadNd {
  protected readonly mode = 'replicate';
  constructor(padding: PaddingSize) {
    super(padding, 3, 'ReplicationPad3d');
  }
}
