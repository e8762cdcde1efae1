/**
 * Regression tests for the safety issue's reproductions: each runs in a child process
 * (a crash fails its own test, not the runner) and must do what PyTorch 1.13 does, as
 * recorded by scripts/make_safety_fixtures.py: raise PyTorch's message, or compute
 * PyTorch's value.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runIsolated, type Outcome } from './helpers/isolated.js';

interface Expected {
  value?: unknown;
  error?: string;
  type?: string;
  match?: 'type';
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/safety/expected.json', import.meta.url), 'utf8')) as {
  cases: Record<string, Expected>;
};
const CASES = new URL('./helpers/safety-cases.ts', import.meta.url);
const FLINT_ONLY = ['huge_stride0_checkpoint', 'huge_stride0_checkpoint_async'];

/** Numbers within float32 rounding; everything else exactly. */
function close(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} vs PyTorch's ${expected}`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(expected)),
    );
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path}: expected a list`).toBe(true);
    expect((actual as unknown[]).length, `${path}: length`).toBe(expected.length);
    expected.forEach((e, i) => close((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    for (const [k, e] of Object.entries(expected)) close((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** PyTorch's TypeError is a TypeError in JS; its RuntimeError and IndexError are an Error or a RangeError. */
function jsErrorType(pythonType: string): string {
  return pythonType === 'TypeError' ? 'TypeError' : 'RangeError|Error';
}

let outcomes: Map<string, Outcome>;
beforeAll(() => {
  outcomes = runIsolated(CASES, [...Object.keys(fixture.cases), ...FLINT_ONLY]);
}, 300_000);

describe('the safety reproductions behave as PyTorch 1.13 does (each in a child process)', () => {
  for (const [name, expected] of Object.entries(fixture.cases)) {
    it(name, () => {
      const outcome = outcomes.get(name)!;
      expect(outcome.crash, `${name} crashed the process`).toBeUndefined();
      if (expected.error !== undefined) {
        expect(outcome.error, `${name} returned ${JSON.stringify(outcome.value)} where PyTorch raises`).toBeDefined();
        expect(outcome.type).toMatch(new RegExp(`^(${jsErrorType(expected.type!)})$`));
        if (expected.match !== 'type') expect(outcome.error).toBe(expected.error);
      } else {
        expect(outcome.error, `${name} threw where PyTorch computes a value`).toBeUndefined();
        close(outcome.value, expected.value, name);
      }
    });
  }

  it('a checkpoint whose stride-0 tensor overflows int64 is refused on load, by both loaders', () => {
    for (const name of FLINT_ONLY) {
      const outcome = outcomes.get(name)!;
      expect(outcome.crash, `${name} crashed the process`).toBeUndefined();
      expect(outcome.error).toBe('numel: integer multiplication overflow');
    }
  });
});
