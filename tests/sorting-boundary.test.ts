/**
 * The sort, scan and select entry points refuse views that break their contract with an
 * Error (each call in a child process, so that a crash fails its own test): the checks of
 * native/core/sort_checks.cc run before any device code.
 */
import { describe, expect, it } from 'vitest';
import { runIsolated } from './helpers/isolated.js';

describe('bad views given to sort, scan and select end in an Error (each in a child process)', () => {
  const CASES = new URL('./helpers/sorting-boundary-cases.ts', import.meta.url);
  const expected: Record<string, string> = {
    sort_strided_input: 'sort: expected a contiguous [rows, cols] input',
    sort_int32_input: 'sort: expected a float32, float64 or int64 input, got int32',
    sort_3d_input: 'sort: expected a contiguous [rows, cols] input',
    sort_values_short: 'sort: values must be a contiguous [rows, cols] tensor like the input',
    sort_indices_float: 'sort: indices must be int64, got float32',
    scan_unknown_op: 'scan: op: unknown ScanOp code 99',
    scan_max_without_indices: 'scan: cummax and cummin write indices',
    scan_sum_with_indices: 'scan: only cummax and cummin write indices',
    scan_logsumexp_int: 'scan: logcumsumexp needs a float32 or float64 input',
    scan_out_wrong_dtype: 'scan: the output must be float32, got float64',
    select_topk_k_too_big: 'selected index k out of range',
    select_topk_width_mismatch: 'select: values must be a contiguous [rows, 3] tensor',
    select_kth_zero: 'kthvalue(): selected number k out of range',
    select_median_empty_rows: 'select: a median or mode needs a non-empty row',
    select_unknown_op: 'select: op: unknown SelectOp code 7',
  };
  const outcomes = runIsolated(CASES, Object.keys(expected));
  for (const [name, message] of Object.entries(expected)) {
    it(name, () => {
      const outcome = outcomes.get(name)!;
      expect(outcome.crash, `${name} crashed the process`).toBeUndefined();
      expect(outcome.error, `${name} returned ${JSON.stringify(outcome.value)}`).toBeDefined();
      expect(outcome.error).toContain(message);
    });
  }
});
