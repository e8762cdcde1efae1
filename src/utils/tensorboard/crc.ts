/**
 * The two CRCs the event files need: CRC-32C (Castagnoli), which TFRecord framing uses,
 * and CRC-32 (IEEE), which PNG chunks use. Both are the same reflected, table-driven
 * algorithm over a different polynomial, so one builder makes both. `zlib.crc32` would
 * cover PNG's, but only from Node 20.15, and Node has no CRC-32C at all.
 */

/** The reflected polynomials: IEEE 802.3 (zlib, PNG) and Castagnoli (iSCSI, TFRecord). */
const CRC32_POLY = 0xedb88320;
const CRC32C_POLY = 0x82f63b78;

/** A CRC over bytes, starting from `crc` so that it can run over several buffers in turn. */
type Crc = (bytes: Uint8Array, crc?: number) => number;

function makeCrc(poly: number): Crc {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (bytes, crc = 0) => {
    let c = ~crc >>> 0;
    for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  };
}

/**
 * CRC-32 (IEEE), as zlib's `crc32` and PNG's chunk checksums.
 * @example crc32(Buffer.from('123456789')) // 0xcbf43926
 */
export const crc32: Crc = makeCrc(CRC32_POLY);

/**
 * CRC-32C (Castagnoli), the checksum TFRecord framing is built on.
 * @example crc32c(Buffer.from('123456789')) // 0xe3069283
 */
export const crc32c: Crc = makeCrc(CRC32C_POLY);

/** TFRecord's mask constant (from TensorFlow's `crc32c::Mask`). */
const MASK_DELTA = 0xa282ead8;

/**
 * TFRecord's masked CRC-32C. TensorFlow rotates and offsets the CRC because a CRC over
 * data that itself embeds CRCs is weak; every TFRecord reader expects the masked form.
 * @example maskedCrc32c(new Uint8Array(8)) // the checksum of a zero length header
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}
