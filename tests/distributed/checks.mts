// The checks the DDP scripts under tests/distributed share: each counts what passed, and a
// failure throws with the rank, so that the rank exits non-zero and flint-run reports it.
import torch from 'flint-torch';

/** A counting `check(ok, what)` for one rank; `count()` is what passed so far. */
export function checker(rank: number): { check: (ok: boolean, what: string) => void; count: () => number } {
  let passed = 0;
  return {
    check(ok, what) {
      if (!ok) throw new Error(`rank ${rank}: ${what}`);
      passed++;
    },
    count: () => passed,
  };
}

/** The largest absolute difference between two lists of tensors, pairwise. */
export function maxDiff(a: torch.Tensor[], b: torch.Tensor[]): number {
  return Math.max(...a.map((t, i) => t.sub(b[i]).abs().max().item() as number));
}

/** A counting `expectEqual(actual, expected, what)` that compares JSON forms. */
export function equalChecker(rank: number): { expectEqual: (actual: unknown, expected: unknown, what: string) => void; count: () => number } {
  const { check, count } = checker(rank);
  return {
    expectEqual(actual, expected, what) {
      const a = JSON.stringify(actual);
      const e = JSON.stringify(expected);
      check(a === e, `${what}: expected ${e}, got ${a}`);
    },
    count,
  };
}

/** A small value per rank and element that every dtype holds exactly (bool: r + i odd). */
export function valueOf(dtype: torch.DType, r: number, i: number): number | boolean {
  return dtype === torch.bool ? (r + i) % 2 === 1 : ((r * 3 + i) % 5) + 1;
}

/** The all-reduce reductions the collective scripts check, each with how it combines. */
export const REDUCTIONS: [torch.distributed.ReduceOpName, (xs: number[]) => number][] = [
  ['SUM', (xs) => xs.reduce((a, b) => a + b, 0)],
  ['PRODUCT', (xs) => xs.reduce((a, b) => a * b, 1)],
  ['MIN', (xs) => Math.min(...xs)],
  ['MAX', (xs) => Math.max(...xs)],
];

/**
 * Element i after an all-reduce by `op` over `ranks`, each rank holding valueOf(dtype, r, i):
 * bool reduces as or (SUM, MAX) and and (PRODUCT, MIN), as PyTorch's; int8 and uint8 wrap.
 */
export function reducedValue(dtype: torch.DType, ranks: number[], op: torch.distributed.ReduceOpName, i: number): number | boolean {
  const combine = REDUCTIONS.find(([name]) => name === op)![1];
  const xs = ranks.map((r) => Number(valueOf(dtype, r, i)));
  if (dtype === torch.bool) return (op === 'SUM' || op === 'MAX' ? Math.max(...xs) : Math.min(...xs)) === 1;
  const v = combine(xs);
  if (dtype === torch.int8) return ((v + 128) % 256) - 128;
  if (dtype === torch.uint8) return v % 256;
  return v;
}
