/**
 * mulberry32: a small seeded generator for tests (fuzz cases, gradcheck weights), so that
 * every run sees the same cases, independent of flint's own generator.
 * @example const random = mulberry32(7); random(); // in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
