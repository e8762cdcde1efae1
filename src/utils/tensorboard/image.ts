/**
 * Images as PyTorch's summary.py makes them: `convert_to_HWC` (grey is repeated into RGB,
 * a 4-D batch is tiled by `make_grid`), then scaled to bytes (floats by 255, uint8 as they
 * are), clipped, and encoded as PNG.
 */
import { Tensor } from '../../tensor/tensor.js';
import { argumentError } from '../../tensor/args.js';
import { uint8 } from '../../tensor/dtype.js';
import { encodePng } from './png.js';
import type { ImageMessage } from './protos.js';
import { tensorNumbers } from './values.js';

/** Letters a `dataformats` string of each rank is a permutation of. */
const FORMAT_LETTERS: Record<number, string> = { 2: 'HW', 3: 'CHW', 4: 'NCHW' };

/** `make_grid`'s column count: at most 8 images side by side. */
const GRID_COLUMNS = 8;

/**
 * The byte of one value: `(float32(v) * scale).clip(0, 255).astype(uint8)`, which truncates.
 * NaN, which numpy's cast leaves undefined, becomes 0.
 */
function toByte(v: number, scale: number): number {
  const scaled = Math.fround(Math.fround(v) * scale);
  if (!(scaled > 0)) return 0;
  return scaled >= 255 ? 255 : Math.trunc(scaled);
}

/**
 * An image tensor as a PNG `Summary.Image`. `dataformats` names the dims (`'CHW'`,
 * `'HWC'`, `'HW'`, `'NCHW'`, ...); 1-channel and 2-D images become RGB, as PyTorch's.
 * @example makeImage(torch.rand(3, 8, 8), 'CHW', 'addImage').colorspace // 3
 */
export function makeImage(img: unknown, dataformats: unknown, fn: string): ImageMessage {
  if (!(img instanceof Tensor)) throw argumentError(fn, 'imgTensor', 'a Tensor', img);
  const shape = img.shape.slice();
  const format = typeof dataformats === 'string' ? dataformats.toUpperCase() : '';
  const letters = FORMAT_LETTERS[format.length];
  if (letters === undefined || [...letters].some((c) => !format.includes(c))) {
    throw argumentError(fn, 'dataformats', "a permutation of 'CHW', 'HW' or 'NCHW' (such as 'HWC')", dataformats);
  }
  if (shape.length !== format.length) {
    throw new Error(`${fn}(): dataformats '${format}' needs a ${format.length}-D tensor, but got shape [${shape.join(', ')}]`);
  }

  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) strides[d] = s;
  const sizeOf = (c: string) => (format.includes(c) ? shape[format.indexOf(c)] : 1);
  const strideOf = (c: string) => (format.includes(c) ? strides[format.indexOf(c)] : 0);
  const [n, c, h, w] = [...'NCHW'].map(sizeOf);
  const [sn, sc, sh, sw] = [...'NCHW'].map(strideOf);

  const allowed = format.length === 4 ? [1, 3] : [1, 3, 4];
  if (!allowed.includes(c)) {
    throw new Error(
      `${fn}(): expected ${allowed.join(', ').replace(/, (\d)$/, ' or $1')} channels, but got ${c} ` +
        `(dim ${format.indexOf('C')} of shape [${shape.join(', ')}] with dataformats '${format}')`,
    );
  }
  if (n * h * w === 0) throw new Error(`${fn}(): the image is empty (shape [${shape.join(', ')}])`);

  const values = tensorNumbers(img);
  const scale = img.dtype === uint8 ? 1 : 255;
  const channels = c === 1 ? 3 : c;
  const cols = Math.min(n, GRID_COLUMNS);
  const rows = Math.ceil(n / cols);
  const height = h * rows;
  const width = w * cols;
  const pixels = new Uint8Array(height * width * channels);
  for (let i = 0; i < n; i++) {
    const top = Math.floor(i / cols) * h;
    const left = (i % cols) * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const out = ((top + y) * width + left + x) * channels;
        const src = i * sn + y * sh + x * sw;
        for (let k = 0; k < channels; k++) pixels[out + k] = toByte(values[src + (c === 1 ? 0 : k * sc)], scale);
      }
    }
  }
  return { height, width, colorspace: channels, encoded_image_string: encodePng(pixels, height, width, channels) };
}
