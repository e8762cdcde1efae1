/**
 * `Upsample` and its two fixed-mode forms, `UpsamplingNearest2d` and `UpsamplingBilinear2d`
 * (align_corners=True), over `F.interpolate`, printing as PyTorch 1.13's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';
import { interpolate, type InterpolateMode } from '../functional/upsample.js';
import { checkOptions, keysOf } from '../../tensor/args.js';

/**
 * `nn.Upsample`'s keyword arguments.
 * @example new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false })
 */
export interface UpsampleOptions {
  size?: number | number[] | null;
  scaleFactor?: number | number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}
const UPSAMPLE_KEYS = keysOf<UpsampleOptions>()('size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor');

const isOptions = (v: unknown): v is UpsampleOptions => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Python's str() of a size or scale: an int, a float, or a tuple. */
function pyValue(value: number | number[] | null, asFloat: boolean): string {
  if (value === null) return 'None';
  const one = (v: number) => (asFloat ? pyFloat(v) : String(v));
  if (!Array.isArray(value)) return one(value);
  return value.length === 1 ? `(${one(value[0])},)` : `(${value.map(one).join(', ')})`;
}

/**
 * Upsamples (N, C, W), (N, C, H, W) or (N, C, D, H, W) input to `size` or by `scaleFactor`
 * with `F.interpolate`. Arguments bind as PyTorch's
 * `(size, scaleFactor, mode='nearest', alignCorners, recomputeScaleFactor)`, by position or
 * in one last options object.
 * @example
 * new nn.Upsample({ scaleFactor: 2 }) // Upsample(scale_factor=2.0, mode=nearest)
 * new nn.Upsample([3, 4], null, 'bilinear', true)
 */
export class Upsample extends Module {
  static override _holdsNoActivations = true;
  size: number | number[] | null;
  scaleFactor: number | number[] | null;
  mode: InterpolateMode;
  alignCorners: boolean | null;
  recomputeScaleFactor: boolean | null;
  constructor(...args: unknown[]) {
    super();
    const last = args.length > 0 ? args[args.length - 1] : undefined;
    const positional = isOptions(last) ? args.slice(0, -1) : args;
    const names = ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'] as const;
    if (positional.length > names.length) throw new TypeError(`${new.target.name}() takes at most ${names.length} positional arguments`);
    const bound: Record<string, unknown> = {};
    positional.forEach((v, i) => {
      if (v !== undefined) bound[names[i]] = v;
    });
    if (isOptions(last)) {
      checkOptions(last, new.target.name, UPSAMPLE_KEYS);
      for (const [key, value] of Object.entries(last)) {
        if (value === undefined) continue;
        if (key in bound) throw new TypeError(`${new.target.name}() got multiple values for argument '${key}'`);
        bound[key] = value;
      }
    }
    const o = bound as UpsampleOptions;
    this.size = o.size ?? null;
    // PyTorch keeps the factor as float(scale_factor), and none for a factor of 0.
    this.scaleFactor = Array.isArray(o.scaleFactor) ? o.scaleFactor.slice() : o.scaleFactor ? o.scaleFactor : null;
    this.mode = o.mode ?? 'nearest';
    this.alignCorners = o.alignCorners ?? null;
    this.recomputeScaleFactor = o.recomputeScaleFactor ?? null;
  }
  override forward(input: Tensor): Tensor {
    return interpolate(input, this.size, this.scaleFactor, this.mode, this.alignCorners, { recomputeScaleFactor: this.recomputeScaleFactor });
  }
  override extraRepr(): string {
    const info = this.scaleFactor !== null ? `scale_factor=${pyValue(this.scaleFactor, true)}` : `size=${pyValue(this.size, false)}`;
    return `${info}, mode=${this.mode}`;
  }
}

/**
 * 2-D nearest upsampling: `Upsample` with mode `'nearest'`.
 * @example new nn.UpsamplingNearest2d({ scaleFactor: 2 })
 */
export class UpsamplingNearest2d extends Upsample {
  constructor(size?: number | number[] | null | { size?: number | number[] | null; scaleFactor?: number | number[] | null }, scaleFactor?: number | number[] | null) {
    const o = isOptions(size) ? size : { size, scaleFactor };
    super(o.size ?? null, o.scaleFactor ?? null, 'nearest');
  }
}

/**
 * 2-D bilinear upsampling with corners aligned: `Upsample` with mode `'bilinear'` and
 * `alignCorners: true`.
 * @example new nn.UpsamplingBilinear2d({ scaleFactor: 2 })
 */
export class UpsamplingBilinear2d extends Upsample {
  constructor(size?: number | number[] | null | { size?: number | number[] | null; scaleFactor?: number | number[] | null }, scaleFactor?: number | number[] | null) {
    const o = isOptions(size) ? size : { size, scaleFactor };
    super(o.size ?? null, o.scaleFactor ?? null, 'bilinear', true);
  }
}
