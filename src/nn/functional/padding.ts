/**
 * `F.pad`: constant padding of any trailing dims (negative pads crop) with its own node
 * (`ConstantPadNdBackward0`), and reflect, replicate and circular padding of the last
 * 1 to 3 dims as index gathers along each padded dim, their graph named as PyTorch's.
 */
import { record, renameGradFn } from '../../autograd/function.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import { cat, makeView } from '../../ops/shape.js';
import { indexSelect } from '../../ops/indexing.js';
import { copyKernel, emptyKernel, fillKernel } from '../../ops/tensor-kernels.js';
import { tensor } from '../../tensor/creation.js';
import { int64 } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { argumentError, checkChoice, checkInteger, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';

/** The padding modes of `F.pad`. @example F.pad(x, [1, 1], 'reflect') */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/**
 * The options of `F.pad`, when given as one object.
 * @example F.pad(x, [1, 1], { mode: 'constant', value: -1 })
 */
export interface PadOptions {
  mode?: PadMode;
  value?: number | null;
}
const PAD_KEYS = keysOf<PadOptions>()('mode', 'value');

/** The region of one dim that input and output share, for a (left, right) pad. */
interface Overlap {
  dim: number;
  outStart: number;
  inStart: number;
  length: number;
}

function overlaps(shape: readonly number[], pad: readonly number[]): { outShape: number[]; regions: Overlap[] } {
  const outShape = shape.slice();
  const regions: Overlap[] = [];
  for (let i = 0; i < pad.length / 2; i++) {
    const dim = shape.length - 1 - i;
    const [left, right] = [pad[2 * i], pad[2 * i + 1]];
    const size = shape[dim];
    const out = size + left + right;
    if (out < 0) {
      throw new Error(
        `The input size ${size}, plus negative padding ${left} and ${right} resulted in a negative output size, which is invalid. Check dimension ${dim} of your input.`,
      );
    }
    outShape[dim] = out;
    const inStart = Math.max(-left, 0);
    regions.push({ dim, outStart: Math.max(left, 0), inStart, length: Math.max(0, size - inStart - Math.max(-right, 0)) });
  }
  return { outShape, regions };
}

/** `t`'s view restricted to the regions (in `which` coordinates). */
function regionView(t: Tensor, regions: Overlap[], which: 'out' | 'in'): Tensor {
  const shape = t._shape.slice();
  let offset = t._offset;
  for (const r of regions) {
    shape[r.dim] = r.length;
    offset += (which === 'out' ? r.outStart : r.inStart) * t._strides[r.dim];
  }
  return makeView(t, shape, t._strides.slice(), offset);
}

/** `dst`'s region gets `src`'s region (both views of the overlap). */
function copyRegion(dst: Tensor, dstSide: 'out' | 'in', src: Tensor, srcSide: 'out' | 'in', regions: Overlap[]): void {
  const d = regionView(dst, regions, dstSide);
  const s = regionView(src, regions, srcSide);
  if (d._shape.every((n) => n > 0)) copyKernel(d, s);
  d.dispose();
  s.dispose();
}

/**
 * Constant padding with autograd (`ConstantPadNdBackward0`): `pad` lists (left, right)
 * pairs from the last dim backwards. @internal
 * @example constantPad(x, [0, 1, 0, 1], 0)
 */
export function constantPad(x: Tensor, pad: readonly number[], value: number): Tensor {
  const { outShape, regions } = overlaps(x._shape, pad);
  const out = emptyKernel(outShape, x._dtype, x.device);
  fillKernel(out, value);
  copyRegion(out, 'out', x, 'in', regions);
  const inShape = x._shape.slice();
  return record(out, 'ConstantPadNdBackward0', [x], () => (g) => {
    // createGraph: the gradient as a recorded op (padding by the negated amounts crops), as
    // PyTorch's, so that it can be differentiated again.
    if (gradEnabled()) return [constantPad(g, pad.map((p) => -p), 0)];
    const gx = emptyKernel(inShape, g._dtype, g.device);
    fillKernel(gx, 0);
    copyRegion(gx, 'in', g, 'out', regions);
    return [gx];
  });
}

/** Source positions along one dim of size `size` for a (left, right) pad. */
/** Source positions along one dim of size `size` for a (left, right) pad, for outputs `from` to `to`. */
function sourceIndex(mode: PadMode, size: number, left: number, right: number, from = 0, to = size + left + right): number[] {
  const out = new Array<number>(to - from);
  // Circular padding wraps around what is left after cropping negative pads (PyTorch's
  // _pad_circular copies the padded tensor's own edges).
  if (mode === 'circular') {
    const first = Math.max(-left, 0);
    const core = size - first - Math.max(-right, 0);
    const shift = Math.max(left, 0);
    for (let j = from; j < to; j++) out[j - from] = first + ((((j - shift) % core) + core) % core);
  } else if (mode === 'reflect') {
    for (let j = from; j < to; j++) {
      const i = j - left;
      out[j - from] = i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
    }
  } else {
    for (let j = from; j < to; j++) out[j - from] = Math.min(Math.max(j - left, 0), size - 1);
  }
  return out;
}

function checkNonConstant(x: Tensor, pad: readonly number[], mode: PadMode): void {
  const dims = pad.length / 2;
  const n = x.dim();
  if (mode === 'circular') {
    if (n !== dims + 2) throw new Error(`Invalid padding size, expected ${2 * (n - 2)} but got ${pad.length}`);
  } else if (dims > 3 || !(n === dims + 1 || n === dims + 2)) {
    throw new Error('Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  }
  for (let i = 0; i < dims; i++) {
    const dim = n - 1 - i;
    const size = x.shape[dim];
    const [left, right] = [pad[2 * i], pad[2 * i + 1]];
    if (mode === 'reflect' && (left >= size || right >= size)) {
      throw new Error(
        `Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: padding (${left}, ${right}) at dimension ${dim} of input ${dims === 2 ? n : `[${x.shape.join(', ')}]`}`,
      );
    }
    if (mode === 'circular' && (left > size || right > size)) throw new Error('Padding value causes wrapping around more than once.');
    if (mode === 'circular' && size - Math.max(-left, 0) - Math.max(-right, 0) <= 0 && size + left + right > 0) {
      throw new Error('Negative padding value is resulting in an empty dimension.');
    }
    if (mode !== 'circular' && (left < 0 || right < 0) && mode === 'replicate') {
      throw new Error(`${mode} padding: negative padding is not supported by flint, got (${left}, ${right})`);
    }
    if (size === 0 && left + right > 0) throw new Error(`${mode} padding: cannot pad an empty dimension ${dim}`);
  }
}

/**
 * `x` padded along `dim` as `mode` asks: for reflect and replicate with non-negative pads,
 * the input itself between the two gathered edges, so that a long signal (stft's
 * reflect pad) is copied once rather than indexed element by element; otherwise every
 * output position gathered.
 */
function padAlong(x: Tensor, dim: number, mode: PadMode, size: number, left: number, right: number): Tensor {
  const gather = (positions: number[]): Tensor => {
    const index = tensor(positions, { dtype: int64, device: x.device });
    const picked = indexSelect(x, dim, index);
    index.dispose();
    return picked;
  };
  // Circular, cropping and (0, 0) pads: every position gathered (always a new tensor, which
  // the caller's loop relies on).
  if (mode === 'circular' || left < 0 || right < 0 || (left === 0 && right === 0)) return gather(sourceIndex(mode, size, left, right));
  const leftEdge = sourceIndex(mode, size, left, right, 0, left);
  const rightEdge = sourceIndex(mode, size, left, right, left + size, left + size + right);
  const parts: Tensor[] = [];
  if (left > 0) parts.push(gather(leftEdge));
  parts.push(x);
  if (right > 0) parts.push(gather(rightEdge));
  return cat(parts, dim);
}

/**
 * Pads the last `pad.length / 2` dims of `input`: `pad` is (left, right) for the last dim,
 * then for the one before, and so on (PyTorch's order). `constant` fills with `value` and
 * crops where a pad is negative; `reflect`, `replicate` and `circular` pad the last 1-3
 * dims of a batched or unbatched input (circular: batched only, as PyTorch 1.13).
 * @example F.pad(x, [1, 1, 2, 0]); F.pad(x, [2, 2], 'reflect'); F.pad(x, [1, 1], { value: -1 })
 */
export function pad(input: Tensor, pad: readonly number[], mode: PadMode | PadOptions = 'constant', value: number | null = null): Tensor {
  checkTensor(input, 'pad', 'input');
  if (!Array.isArray(pad)) throw argumentError('pad', 'pad', 'an array of ints', pad);
  pad.forEach((p, i) => checkInteger(p, 'pad', `pad[${i}]`));
  if (mode !== null && typeof mode === 'object') {
    checkOptions(mode, 'pad', PAD_KEYS);
    value = mode.value ?? null;
    mode = mode.mode ?? 'constant';
  }
  checkChoice(mode, 'pad', 'mode', PAD_MODES);
  if (value !== null) checkNumber(value, 'pad', 'value');
  if (pad.length % 2 !== 0) throw new Error('Padding length must be divisible by 2');
  if (pad.length / 2 > input.dim()) throw new Error('Padding length too large');
  if (mode === 'constant') return constantPad(input, pad, value ?? 0);
  if (value !== null && value !== 0) {
    throw new Error(`Padding mode "${mode}" doesn't take in value argument`);
  }
  checkNonConstant(input, pad, mode);
  const dims = pad.length / 2;
  let out = input;
  for (let i = 0; i < dims; i++) {
    const dim = input.dim() - 1 - i;
    const next = padAlong(out, dim, mode, input.shape[dim], pad[2 * i], pad[2 * i + 1]);
    if (out !== input) out.dispose();
    out = next;
  }
  if (out === input) return out;
  const kind = mode === 'reflect' ? 'ReflectionPad' : mode === 'replicate' ? 'ReplicationPad' : null;
  return renameGradFn(out, kind === null ? 'torch::autograd::CopySlices' : `${kind}${dims}DBackward0`);
}
