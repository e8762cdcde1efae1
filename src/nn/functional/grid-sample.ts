/**
 * `F.gridSample`: samples an (N, C, H, W) or (N, C, D, H, W) input at the normalised
 * locations of a grid, composed from gather and elementwise ops so that autograd gives the
 * gradients with respect to both the input and the grid. The coordinate arithmetic follows
 * PyTorch 1.13's CPU kernels: the vectorized 2-d kernel (GridSamplerKernel.cpp) for 4-d
 * inputs and the scalar 3-d kernel (GridSampler.cpp) for 5-d ones, so that float32 values
 * round as PyTorch's do; the gradient multipliers of the padding modes (0 on and beyond a
 * border, -1 on a reflected stretch) are PyTorch's.
 */
import { autocastOp } from '../../amp/autocast-policy.js';
import { autocastHook } from '../../amp/autocast-state.js';
import { record, renameGradFn } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { freeIntermediates } from '../../memory/storage.js';
import { zeros, zerosLike } from '../../tensor/creation.js';
import { float32, float64, int64, scalarTypeName } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkBoolean, checkTensor, keysOf } from '../../tensor/args.js';
import { abs, add, div, floor, ge, gt, le, logicalAnd, lt, mul, round, rsub, sub, trunc, where } from '../../ops/elementwise.js';
import { isnan } from '../../ops/unary-math.js';
import { clamp } from '../../ops/clamp.js';
import { gather, select } from '../../ops/indexing.js';
import { detach, expand, reshape, toDtype } from '../../ops/shape.js';
import { bindArgs, shapeText } from './pooling-args.js';

/**
 * The keywords of `F.gridSample`.
 * @example F.gridSample(x, grid, { mode: 'bicubic', paddingMode: 'border', alignCorners: true })
 */
export interface GridSampleOptions {
  mode?: GridSampleMode;
  paddingMode?: GridSamplePadding;
  alignCorners?: boolean | null;
}
/** How `F.gridSample` interpolates. @example const mode: GridSampleMode = 'nearest' */
export type GridSampleMode = 'bilinear' | 'nearest' | 'bicubic';
/** What `F.gridSample` reads outside the input. @example const padding: GridSamplePadding = 'reflection' */
export type GridSamplePadding = 'zeros' | 'border' | 'reflection';
const GRID_SAMPLE_KEYS = keysOf<GridSampleOptions>()('mode', 'paddingMode', 'alignCorners');

const ALIGN_WARNING =
  'Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify ' +
  'align_corners=True if the old behavior is desired. See the documentation of grid_sample for details.';
const warned = new Set<string>();

/**
 * PyTorch's warning for a left-out `alignCorners`, shown once per function as Python's
 * default filter shows it once per call site. @internal
 * @example warnAlignCorners('affine_grid')
 */
export function warnAlignCorners(fn: string): void {
  if (warned.has(fn)) return;
  warned.add(fn);
  process.emitWarning(ALIGN_WARNING, 'UserWarning');
}

/** One spatial axis of the input: its size and how normalised coordinates map onto it. */
interface Axis {
  size: number;
  align: boolean;
  /** PyTorch's 3-d CPU kernel rounds the unnormalisation differently from its 2-d one. */
  scalar: boolean;
}

function unnormalize(g: Tensor, a: Axis): Tensor {
  if (a.align) return a.scalar ? mul(div(add(g, 1), 2), a.size - 1) : mul(add(g, 1), (a.size - 1) / 2);
  return a.scalar ? div(sub(mul(add(g, 1), a.size), 1), 2) : sub(mul(add(g, 1), a.size / 2), 0.5);
}

/**
 * Clips to [0, size - 1]; the gradient passes only strictly inside, as PyTorch's
 * clip_coordinates_set_grad (borders count as outside). NaN clips to 0, as the vectorized kernel.
 */
function clip(c: Tensor, size: number): Tensor {
  const max = size - 1;
  const inside = noGrad(() => logicalAnd(gt(c, 0), lt(c, max)));
  const clipped = noGrad(() => where(isnan(c), 0, clamp(c, 0, max)));
  return where(inside, c, clipped);
}

/**
 * Reflects into [low, low + span] (the pixel centres with alignCorners, else the image
 * edges) as the vectorized kernel does: fold |c - low| by twice the span, then mirror the
 * upper half. The mirrored stretch gets gradient -1 through `twiceSpan - extra`.
 */
function reflect(c: Tensor, a: Axis): Tensor {
  if (a.align && a.size <= 1) return noGrad(() => zerosLike(c));
  const low = a.align ? 0 : -0.5;
  const twiceSpan = a.align ? 2 * (a.size - 1) : 2 * a.size;
  const folded = abs(a.align ? c : sub(c, low));
  const whole = noGrad(() => mul(trunc(div(folded, twiceSpan)), twiceSpan));
  const extra = sub(folded, whole);
  const flip = noGrad(() => gt(extra, rsub(extra, twiceSpan)));
  const reflected = where(flip, rsub(extra, twiceSpan), extra);
  return a.align ? reflected : add(reflected, low);
}

/** PyTorch's grid_sampler_compute_source_index: unnormalise, then apply the padding mode. */
function sourceIndex(g: Tensor, a: Axis, padding: GridSamplePadding): Tensor {
  const c = unnormalize(g, a);
  if (padding === 'border') return clip(c, a.size);
  if (padding === 'reflection') return clip(reflect(c, a), a.size);
  return c;
}

/** The input as (N, C, S) rows to gather from, and how to address them. */
interface Source {
  flat: Tensor;
  sizes: number[];
  n: number;
  c: number;
  count: number;
  /** The output's spatial sizes: values and weights take the output's shape before they combine. */
  out: number[];
}

/**
 * The input at integer-valued coordinates (one (N, ...out) float tensor per spatial axis,
 * outermost first), zero where any coordinate is outside the input: (N, C, ...out).
 */
function pick(src: Source, coords: Tensor[]): Tensor {
  const { mask, index } = noGrad(() => {
    let inside = logicalAnd(ge(coords[0], 0), le(coords[0], src.sizes[0] - 1));
    for (let i = 1; i < coords.length; i++) inside = logicalAnd(inside, logicalAnd(ge(coords[i], 0), le(coords[i], src.sizes[i] - 1)));
    // Coordinates outside are read at 0 and masked: int64 of a huge or NaN float is not an index.
    let linear = toDtype(where(inside, coords[0], 0), int64);
    for (let i = 1; i < coords.length; i++) linear = add(mul(linear, src.sizes[i]), toDtype(where(inside, coords[i], 0), int64));
    const rows = reshape(linear, [src.n, 1, src.count]);
    return { mask: reshape(inside, [src.n, 1, src.count]), index: expand(rows, [src.n, src.c, src.count]) };
  });
  return reshape(where(mask, gather(src.flat, 2, index), 0), [src.n, src.c, ...src.out]);
}

/** A per-location weight as (N, 1, ...out), to scale gathered (N, C, ...out) values. */
const column = (src: Source, w: Tensor): Tensor => reshape(w, [src.n, 1, ...src.out]);
const plus1 = (t: Tensor): Tensor => noGrad(() => add(t, 1));

/** PyTorch's bicubic convolution coefficients (A = -0.75) at distances t + 1, t, 1 - t, 2 - t. */
function cubicCoefficients(t: Tensor): Tensor[] {
  const A = -0.75;
  const outer = (x: Tensor): Tensor => sub(mul(add(mul(sub(mul(x, A), 5 * A), x), 8 * A), x), 4 * A);
  const inner = (x: Tensor): Tensor => add(mul(mul(sub(mul(x, A + 2), A + 3), x), x), 1);
  return [outer(add(t, 1)), inner(t), inner(rsub(t, 1)), outer(rsub(t, 2))];
}

/** The weighted sum `w0 * v0 + w1 * v1 + ...`, left to right as the kernels add. */
function weighted(terms: [Tensor, Tensor][]): Tensor {
  let out: Tensor | null = null;
  for (const [v, w] of terms) out = out === null ? mul(v, w) : add(out, mul(v, w));
  return out!;
}

function sample2d(src: Source, gx: Tensor, gy: Tensor, mode: GridSampleMode, padding: GridSamplePadding, align: boolean): Tensor {
  const [H, W] = src.sizes;
  const ax: Axis = { size: W, align, scalar: false };
  const ay: Axis = { size: H, align, scalar: false };
  if (mode === 'bicubic') {
    // Bicubic pads each of the 16 taps, not the source coordinate.
    const x = unnormalize(gx, ax);
    const y = unnormalize(gy, ay);
    const x0 = noGrad(() => floor(x));
    const y0 = noGrad(() => floor(y));
    const cx = cubicCoefficients(sub(x, x0)).map((w) => column(src, w));
    const cy = cubicCoefficients(sub(y, y0)).map((w) => column(src, w));
    const tap = (base: Tensor, k: number, a: Axis): Tensor =>
      noGrad(() => {
        const c = add(base, k);
        if (padding === 'border') return clip(c, a.size);
        if (padding === 'reflection') return clip(reflect(c, a), a.size);
        return c;
      });
    const xs = [-1, 0, 1, 2].map((k) => tap(x0, k, ax));
    const rows = [-1, 0, 1, 2].map((k) => {
      const yk = tap(y0, k, ay);
      return weighted(xs.map((xk, i) => [pick(src, [yk, xk]), cx[i]] as [Tensor, Tensor]));
    });
    return weighted(rows.map((r, j) => [r, cy[j]] as [Tensor, Tensor]));
  }
  const x = sourceIndex(gx, ax, padding);
  const y = sourceIndex(gy, ay, padding);
  if (mode === 'nearest') return pick(src, noGrad(() => [round(y), round(x)]));
  const xw = noGrad(() => floor(x));
  const yn = noGrad(() => floor(y));
  const w = sub(x, xw);
  const e = rsub(w, 1);
  const n = sub(y, yn);
  const s = rsub(n, 1);
  const [xe, ys] = [plus1(xw), plus1(yn)];
  return weighted([
    [pick(src, [yn, xw]), column(src, mul(s, e))],
    [pick(src, [yn, xe]), column(src, mul(s, w))],
    [pick(src, [ys, xw]), column(src, mul(n, e))],
    [pick(src, [ys, xe]), column(src, mul(n, w))],
  ]);
}

function sample3d(src: Source, gx: Tensor, gy: Tensor, gz: Tensor, mode: GridSampleMode, padding: GridSamplePadding, align: boolean): Tensor {
  const [D, H, W] = src.sizes;
  const x = sourceIndex(gx, { size: W, align, scalar: true }, padding);
  const y = sourceIndex(gy, { size: H, align, scalar: true }, padding);
  const z = sourceIndex(gz, { size: D, align, scalar: true }, padding);
  if (mode === 'nearest') return pick(src, noGrad(() => [round(z), round(y), round(x)]));
  const [x0, y0, z0] = noGrad(() => [floor(x), floor(y), floor(z)]);
  const [x1, y1, z1] = [plus1(x0), plus1(y0), plus1(z0)];
  // PyTorch's distances to the opposite faces: (ix_bse - ix) for the west corners, (ix - ix_tnw) for the east.
  const [dxW, dxE] = [sub(x1, x), sub(x, x0)];
  const [dyN, dyS] = [sub(y1, y), sub(y, y0)];
  const [dzT, dzB] = [sub(z1, z), sub(z, z0)];
  const corner = (zz: Tensor, yy: Tensor, xx: Tensor, wx: Tensor, wy: Tensor, wz: Tensor): [Tensor, Tensor] => [
    pick(src, [zz, yy, xx]),
    column(src, mul(mul(wx, wy), wz)),
  ];
  return weighted([
    corner(z0, y0, x0, dxW, dyN, dzT),
    corner(z0, y0, x1, dxE, dyN, dzT),
    corner(z0, y1, x0, dxW, dyS, dzT),
    corner(z0, y1, x1, dxE, dyS, dzT),
    corner(z1, y0, x0, dxW, dyN, dzB),
    corner(z1, y0, x1, dxE, dyN, dzB),
    corner(z1, y1, x0, dxW, dyS, dzB),
    corner(z1, y1, x1, dxE, dyS, dzB),
  ]);
}

/** PyTorch's argument checks, in its order (check_grid_sampler_common, then the 2-d / 3-d ones, then dtypes). */
function checkGridSampler(input: Tensor, grid: Tensor, mode: GridSampleMode): void {
  const sizes = `input with sizes ${shapeText(input.shape)} and grid with sizes ${shapeText(grid.shape)}`;
  if (input.device.toString() !== grid.device.toString()) {
    throw new Error(`grid_sampler(): expected input and grid to be on same device, but input is on ${input.device} and grid is on ${grid.device}`);
  }
  if (input.shape[0] !== grid.shape[0]) throw new Error(`grid_sampler(): expected grid and input to have same batch size, but got ${sizes}`);
  if (grid.shape[grid.dim() - 1] !== input.dim() - 2) {
    throw new Error(`grid_sampler(): expected grid to have size ${input.dim() - 2} in last dimension, but got grid with sizes ${shapeText(grid.shape)}`);
  }
  for (let d = 2; d < input.dim(); d++) {
    if (input.shape[d] === 0) {
      throw new Error(`grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes ${shapeText(input.shape)} with dimension ${d} being empty`);
    }
  }
  const planar = input.dim() === 4;
  if (input.dim() !== grid.dim() || (input.dim() !== 4 && input.dim() !== 5)) {
    throw new Error(`grid_sampler(): expected ${planar ? 4 : 5}D input and grid with same number of dimensions, but got ${sizes}`);
  }
  if (!planar && mode === 'bicubic') throw new Error('grid_sampler(): bicubic interpolation only supports 4D input');
  const supported = input.dtype === float32 || input.dtype === float64 || (input.device.type !== 'cpu' && input.dtype.isFloatingPoint);
  if (!supported) {
    const type = scalarTypeName(input.dtype);
    throw new Error(planar ? `grid_sampler_2d_cpu not implemented for ${type}` : `"grid_sampler3d_cpu" not implemented for '${type}'`);
  }
  if (grid.dtype !== input.dtype) throw new Error(`expected scalar type ${scalarTypeName(input.dtype)} but found ${scalarTypeName(grid.dtype)}`);
}

/**
 * Nearest sampling reads the input at rounded coordinates, so the grid gets a zero gradient;
 * PyTorch still records the grid as an input of the node, and so does this.
 */
function withZeroGridGrad(out: Tensor, grid: Tensor, name: string): Tensor {
  if (!gradEnabled() || !grid.requiresGrad) return out;
  const shape = grid.shape.slice();
  return record(detach(out), name, [out, grid], () => (g) => [g, zeros(shape, { dtype: g.dtype, device: g.device })]);
}

type Arg = GridSampleMode | GridSamplePadding | boolean | null | undefined | GridSampleOptions;

/**
 * Samples `input` at the locations `grid` gives in normalised coordinates (-1 is the left /
 * top edge, +1 the right / bottom one; with `alignCorners` the centres of the corner pixels).
 * `grid` is (N, Hout, Wout, 2) of (x, y) for a 4-d input, (N, Dout, Hout, Wout, 3) of
 * (x, y, z) for a 5-d one. Modes: `'bilinear'` (trilinear for 5-d), `'nearest'` and
 * `'bicubic'` (4-d only); padding: `'zeros'`, `'border'`, `'reflection'`. Differentiable
 * with respect to the input and the grid (the grid's gradient is zero in nearest mode).
 * Without `alignCorners` PyTorch's deprecation warning is shown and false is used.
 * @example
 * const grid = F.affineGrid(theta, [1, 3, 8, 8], { alignCorners: false });
 * F.gridSample(image, grid, { alignCorners: false });
 * F.gridSample(image, grid, 'bicubic', 'reflection', true);
 */
export function gridSample(input: Tensor, grid: Tensor, mode?: Arg, paddingMode?: Arg, alignCorners?: Arg, options?: GridSampleOptions): Tensor {
  if (autocastHook.active) return autocastOp('gridSample', gridSample, arguments);
  checkTensor(input, 'gridSample', 'input');
  checkTensor(grid, 'gridSample', 'grid');
  const a = bindArgs('gridSample', [mode, paddingMode, alignCorners, options], GRID_SAMPLE_KEYS);
  const m = a.mode ?? 'bilinear';
  const p = a.paddingMode ?? 'zeros';
  if (m !== 'bilinear' && m !== 'nearest' && m !== 'bicubic') {
    throw new Error(`nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '${String(m)}'`);
  }
  if (p !== 'zeros' && p !== 'border' && p !== 'reflection') {
    throw new Error(`nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: '${String(p)}'`);
  }
  let align = a.alignCorners ?? null;
  if (align === null) {
    warnAlignCorners('grid_sample');
    align = false;
  }
  checkBoolean(align, 'gridSample', 'alignCorners');
  checkGridSampler(input, grid, m);
  const planar = input.dim() === 4;
  const name = planar ? 'GridSampler2DBackward0' : 'GridSampler3DBackward0';
  const [n, c, ...sizes] = input.shape;
  const outSizes = grid.shape.slice(1, -1);
  const count = outSizes.reduce((x, y) => x * y, 1);
  const align_ = align;
  const out = freeIntermediates(() => {
    const src: Source = { flat: reshape(input, [n, c, sizes.reduce((x, y) => x * y, 1)]), sizes, n, c, count, out: outSizes };
    const axis = (i: number): Tensor => select(grid, -1, i);
    const out = planar ? sample2d(src, axis(0), axis(1), m, p, align_) : sample3d(src, axis(0), axis(1), axis(2), m, p, align_);
    return renameGradFn(out, name);
  });
  return m === 'nearest' ? withZeroGridGrad(out, grid, name) : out;
}
