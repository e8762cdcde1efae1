/**
 * A PNG encoder for 8-bit RGB and RGBA pixels, all that `addImage` needs, so that images
 * need no image library: the format is a signature and three chunks, the pixel rows
 * deflated with `node:zlib`.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG colour types, by channel count: truecolour and truecolour with alpha. */
const COLOR_TYPE: Record<number, number> = { 3: 2, 4: 6 };

/** Length, type, data and a CRC-32 over type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes `height * width * channels` row-major interleaved bytes (HWC) as a PNG with 3
 * (RGB) or 4 (RGBA) channels.
 * @example encodePng(new Uint8Array([255, 0, 0]), 1, 1, 3) // a one-pixel red PNG
 */
export function encodePng(pixels: Uint8Array, height: number, width: number, channels: number): Buffer {
  const colorType = COLOR_TYPE[channels];
  if (colorType === undefined) throw new Error(`encodePng: expected 3 or 4 channels, got ${channels}`);
  if (pixels.length !== height * width * channels) {
    throw new Error(`encodePng: expected ${height * width * channels} bytes for ${height}x${width}x${channels}, got ${pixels.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = colorType;
  // bytes 10-12: compression 0 (deflate), filter method 0, no interlace

  // Each row starts with its filter type; 0 (none) keeps the encoder simple, and deflate
  // still finds the repeats in flat regions and the stacked grey channels.
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);

  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
