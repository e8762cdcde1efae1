/**
 * linspace past ATen's 32768-step grain, where PyTorch splits the range into one chunk per
 * thread and each chunk starts its vectors afresh: bit for bit PyTorch 1.13's values at 1 to
 * 4 threads (scripts/make_linspace_threads_fixtures.py keeps each as a SHA-256 of its float64
 * bytes, with a few values in hex).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const FIX: {
  cases: { threads: number; start: number; end: number; steps: number; dtype: 'float32' | 'float64'; sha256: string; samples: Record<string, string> }[];
} = JSON.parse(readFileSync(new URL('./fixtures/linspace-threads.json', import.meta.url), 'utf8'));

/** A JS number as Python's float.hex() writes it. */
function hex(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0x0.0p+0' : '0x0.0p+0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
  return exponent === 0 ? `${sign}0x0.${mantissa}p-1022` : `${sign}0x1.${mantissa}p${exponent - 1023 >= 0 ? '+' : ''}${exponent - 1023}`;
}

const threadsBefore = torch.getNumThreads();
afterAll(() => torch.setNumThreads(threadsBefore));

describe('linspace past 32768 steps matches PyTorch 1.13 at each thread count', () => {
  for (const c of FIX.cases) {
    it(`${c.dtype} linspace(${c.start}, ${c.end}, ${c.steps}) on ${c.threads} thread${c.threads > 1 ? 's' : ''}`, () => {
      torch.setNumThreads(c.threads);
      const x = torch.linspace(c.start, c.end, c.steps, { dtype: torch[c.dtype] }).to(torch.float64);
      const values = x.dataSync() as Float64Array;
      for (const [i, expected] of Object.entries(c.samples)) expect(hex(values[Number(i)]!), `value ${i}`).toBe(expected);
      expect(createHash('sha256').update(Buffer.from(values.buffer, values.byteOffset, values.byteLength)).digest('hex')).toBe(c.sha256);
    });
  }
});
