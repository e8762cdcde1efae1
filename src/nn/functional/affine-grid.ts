/**
 * `F.affineGrid`: the sampling grid of a batch of affine transforms, as PyTorch 1.13's
 * affine_grid_generator builds it (a base grid of normalised pixel coordinates times the
 * transposed matrices, one bmm), so that values and the gradient with respect to `theta`
 * are PyTorch's; the output is named AffineGridGeneratorBackward0, PyTorch's single node.
 */
import { renameGradFn } from '../../autograd/function.js';
import { freeIntermediates } from '../../memory/storage.js';
import { linspace, ones, scalarTensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Size } from '../../tensor/size.js';
import { argumentError, checkBoolean, checkTensor, keysOf } from '../../tensor/args.js';
import { div, mul } from '../../ops/elementwise.js';
import { bmm } from '../../ops/linalg.js';
import { expand, reshape, stack, transpose, unsqueeze } from '../../ops/shape.js';
import { bindArgs } from './pooling-args.js';
import { warnAlignCorners } from './grid-sample.js';

/**
 * The keywords of `F.affineGrid`.
 * @example F.affineGrid(theta, [1, 3, 8, 8], { alignCorners: true })
 */
export interface AffineGridOptions {
  alignCorners?: boolean | null;
}
const AFFINE_GRID_KEYS = keysOf<AffineGridOptions>()('alignCorners');

/** PyTorch's linspace_from_neg_one: -1..1 over `steps` (shrunk to the pixel centres without alignCorners), 0 for one step. */
function axis(theta: Tensor, steps: number, align: boolean): Tensor {
  const options = { dtype: theta.dtype, device: theta.device };
  if (steps <= 1) return scalarTensor(0, options);
  const range = linspace(-1, 1, steps, options);
  return align ? range : div(mul(range, steps - 1), steps);
}

/** The (spatial..., dims + 1) base grid: x varies along the last spatial dim, then y, then z, and a column of ones. */
function baseGrid(theta: Tensor, spatial: number[], align: boolean): Tensor {
  const nd = spatial.length;
  const columns: Tensor[] = [];
  for (let k = 0; k < nd; k++) {
    // Coordinate k (x, y, z) runs along spatial dim nd - 1 - k.
    let values = axis(theta, spatial[nd - 1 - k], align);
    if (values.dim() === 1) values = reshape(values, [...Array(nd).fill(1).map((_, d) => (d === nd - 1 - k ? spatial[d] : 1))]);
    columns.push(expand(values, spatial));
  }
  columns.push(ones(spatial, { dtype: theta.dtype, device: theta.device }));
  return stack(columns, -1);
}

/** `size` as Python prints it: a list, or a torch.Size as such. */
const pyList = (size: readonly number[]): string => (size instanceof Size ? String(size) : `[${size.join(', ')}]`);

/**
 * The sampling grid for `F.gridSample` that applies the affine maps `theta`: (N, 2, 3)
 * matrices for `size` = [N, C, H, W] give an (N, H, W, 2) grid, (N, 3, 4) matrices for
 * [N, C, D, H, W] an (N, D, H, W, 3) one. Differentiable with respect to `theta`. Without
 * `alignCorners` PyTorch's deprecation warning is shown and false is used.
 * @example
 * const theta = torch.tensor([[[1, 0, 0], [0, 1, 0]]]); // the identity
 * const grid = F.affineGrid(theta, [1, 3, 4, 4], { alignCorners: false });
 * F.affineGrid(theta, [1, 3, 4, 4], true);
 */
export function affineGrid(theta: Tensor, size: readonly number[], alignCorners?: boolean | null | AffineGridOptions, options?: AffineGridOptions): Tensor {
  checkTensor(theta, 'affineGrid', 'theta');
  if (!Array.isArray(size) || !size.every((s) => Number.isInteger(s))) throw argumentError('affineGrid', 'size', 'an array of integers', size);
  const bound = bindArgs('affineGrid', [alignCorners, options], AFFINE_GRID_KEYS);
  let align = (bound.alignCorners as boolean | null | undefined) ?? null;
  if (align === null) {
    warnAlignCorners('affine_grid');
    align = false;
  }
  checkBoolean(align, 'affineGrid', 'alignCorners');
  if (!theta.dtype.isFloatingPoint) throw new Error(`Expected theta to have floating point type, but got torch.${theta.dtype.name}`);
  const nd = size.length - 2;
  if (nd !== 2 && nd !== 3) {
    throw new Error(`affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size ${pyList(size)}.`);
  }
  const [rows, cols] = nd === 2 ? [2, 3] : [3, 4];
  if (theta.dim() !== 3 || theta.shape[1] !== rows || theta.shape[2] !== cols) {
    throw new Error(
      `Expected a batch of ${nd}D affine matrices of shape Nx${rows}x${cols} for size ${pyList(size)}. Got torch.Size([${theta.shape.join(', ')}]).`,
    );
  }
  const spatial = size.slice(2);
  if (align && Math.min(...spatial) === 1) {
    process.emitWarning(
      'Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. This is not an intended use case of affine_grid. See the documentation of affine_grid for details.',
      'UserWarning',
    );
  } else if (Math.min(...size) <= 0) {
    throw new Error(`Expected non-zero, positive output size. Got ${pyList(size)}`);
  }
  const n = size[0];
  const points = spatial.reduce((a, b) => a * b, 1);
  const align_ = align;
  return freeIntermediates(() => {
    const base = expand(unsqueeze(reshape(baseGrid(theta, spatial, align_), [points, nd + 1]), 0), [n, points, nd + 1]);
    const grid = bmm(base, transpose(theta, 1, 2));
    return renameGradFn(reshape(grid, [n, ...spatial, nd]), 'AffineGridGeneratorBackward0');
  });
}
