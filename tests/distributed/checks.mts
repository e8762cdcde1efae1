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
