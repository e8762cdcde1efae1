/**
 * examples/char-lm.ts end to end: a small causal Transformer trained on characters of the
 * text that ships with flint must learn well past character frequencies, and its sampling
 * with `multinomial` must produce text of the vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../examples/char-lm.js';

describe('examples/char-lm.ts', () => {
  it('trains below the unigram entropy and samples text', async () => {
    const printed: string[] = [];
    const result = await main(['--steps', '150', '--log-interval', '50', '--sample-length', '60'], (...a: unknown[]) => printed.push(a.join(' ')));
    expect(printed[0]).toMatch(/training characters, \d+ distinct; unigram entropy \d\.\d{3} nats/);
    expect(result.trainLosses).toHaveLength(3);
    // The losses fall, and end well below what character frequencies alone give.
    expect(result.trainLosses[2]).toBeLessThan(result.trainLosses[0]);
    expect(result.trainLosses[2]).toBeLessThan(0.8 * result.unigramEntropy);
    expect(result.validLoss).toBeLessThan(0.85 * result.unigramEntropy);
    expect(result.sample.startsWith('flint ')).toBe(true);
    expect([...result.sample]).toHaveLength(6 + 60);
  }, 300_000);
});
