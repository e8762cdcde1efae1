/**
 * nn.Unfold and nn.Fold: sliding local blocks to columns and back (`F.unfold`, `F.fold`).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { pyRepr } from '../repr.js';
import { checkOptions } from '../../tensor/args.js';
import { fold, unfold, type FoldOptions } from '../functional/fold.js';
import type { IntOrTuple } from '../functional/conv-args.js';

const KEYS = ['dilation', 'padding', 'stride'] as const;

function resolve(name: string, rest: unknown[]): { dilation: IntOrTuple; padding: IntOrTuple; stride: IntOrTuple } {
  const last = rest[rest.length - 1];
  if (rest.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    checkOptions(last, name, KEYS);
    const o = last as FoldOptions;
    return { dilation: o.dilation ?? 1, padding: o.padding ?? 0, stride: o.stride ?? 1 };
  }
  const [dilation, padding, stride] = rest as (IntOrTuple | undefined)[];
  return { dilation: dilation ?? 1, padding: padding ?? 0, stride: stride ?? 1 };
}

/**
 * Extracts sliding local blocks: `(kernelSize, dilation=1, padding=0, stride=1)`.
 * @example new nn.Unfold(2, { stride: 2 })(torch.rand(1, 3, 4, 4)).shape // [1, 12, 4]
 */
export class Unfold extends Module {
  static override _holdsNoActivations = true;
  kernelSize: IntOrTuple;
  dilation: IntOrTuple;
  padding: IntOrTuple;
  stride: IntOrTuple;
  constructor(kernelSize: IntOrTuple, ...rest: (IntOrTuple | FoldOptions | undefined)[]) {
    super();
    this.kernelSize = kernelSize;
    ({ dilation: this.dilation, padding: this.padding, stride: this.stride } = resolve('Unfold', rest));
  }
  override forward(input: Tensor): Tensor {
    return unfold(input, this.kernelSize, this.dilation, this.padding, this.stride);
  }
  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, dilation=${pyRepr(this.dilation)}, padding=${pyRepr(this.padding)}, stride=${pyRepr(this.stride)}`;
  }
}

/**
 * Sums sliding local blocks into an image: `(outputSize, kernelSize, dilation=1, padding=0, stride=1)`.
 * @example new nn.Fold([4, 5], 2)(torch.rand(1, 12, 12)).shape // [1, 3, 4, 5]
 */
export class Fold extends Module {
  static override _holdsNoActivations = true;
  outputSize: IntOrTuple;
  kernelSize: IntOrTuple;
  dilation: IntOrTuple;
  padding: IntOrTuple;
  stride: IntOrTuple;
  constructor(outputSize: IntOrTuple, kernelSize: IntOrTuple, ...rest: (IntOrTuple | FoldOptions | undefined)[]) {
    super();
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
    ({ dilation: this.dilation, padding: this.padding, stride: this.stride } = resolve('Fold', rest));
  }
  override forward(input: Tensor): Tensor {
    return fold(input, this.outputSize, this.kernelSize, this.dilation, this.padding, this.stride);
  }
  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}, kernel_size=${pyRepr(this.kernelSize)}, dilation=${pyRepr(this.dilation)}, padding=${pyRepr(this.padding)}, stride=${pyRepr(this.stride)}`;
  }
}
