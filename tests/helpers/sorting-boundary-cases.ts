/**
 * Calls to the sort, scan and select entry points that break their contract on purpose,
 * run by tests/sorting-boundary.test.ts in a child process (helpers/isolated.ts): each
 * must end in an Error from the checked Backend entry (core/sort_checks.cc), never in a
 * read or write outside a storage.
 */
import * as torch from '../../src/index.js';
import * as call from '../../src/native/calls.generated.js';
import { ScanOp, SelectOp } from '../../src/native/enums.generated.js';
import { fresh, layoutOf } from '../../src/native/meta.js';

const x = () => torch.zeros([2, 3]);
const ix = (shape: number[]) => fresh(torch.int64, shape);

export const cases: Record<string, () => unknown> = {
  sort_strided_input: () => call.sort(fresh(torch.float32, [2, 3]), ix([2, 3]), layoutOf(x(), torch.float32, 0, [2, 3], [1, 2]), false, true),
  sort_int32_input: () => call.sort(fresh(torch.int32, [2, 3]), ix([2, 3]), torch.zeros([2, 3], { dtype: torch.int32 }), false, true),
  sort_3d_input: () => call.sort(fresh(torch.float32, [1, 2, 3]), ix([1, 2, 3]), torch.zeros([1, 2, 3]), false, true),
  sort_values_short: () => call.sort(fresh(torch.float32, [2, 2]), ix([2, 3]), x(), false, true),
  sort_indices_float: () => call.sort(fresh(torch.float32, [2, 3]), fresh(torch.float32, [2, 3]), x(), false, true),
  scan_unknown_op: () => call.scan(99 as ScanOp, fresh(torch.float32, [2, 3]), null, x()),
  scan_max_without_indices: () => call.scan(ScanOp.Max, fresh(torch.float32, [2, 3]), null, x()),
  scan_sum_with_indices: () => call.scan(ScanOp.Sum, fresh(torch.float32, [2, 3]), ix([2, 3]), x()),
  scan_logsumexp_int: () => call.scan(ScanOp.LogSumExp, fresh(torch.int64, [2, 3]), null, torch.zeros([2, 3], { dtype: torch.int64 })),
  scan_out_wrong_dtype: () => call.scan(ScanOp.Sum, fresh(torch.float64, [2, 3]), null, x()),
  select_topk_k_too_big: () => call.select(fresh(torch.float32, [2, 4]), ix([2, 4]), x(), SelectOp.Topk, 4, true, true),
  select_topk_width_mismatch: () => call.select(fresh(torch.float32, [2, 2]), ix([2, 2]), x(), SelectOp.Topk, 3, true, true),
  select_kth_zero: () => call.select(fresh(torch.float32, [2, 1]), ix([2, 1]), x(), SelectOp.Kth, 0, true, true),
  select_median_empty_rows: () => call.select(fresh(torch.float32, [2, 1]), ix([2, 1]), torch.zeros([2, 0]), SelectOp.Median, 0, true, true),
  select_unknown_op: () => call.select(fresh(torch.float32, [2, 1]), ix([2, 1]), x(), 7 as SelectOp, 1, true, true),
};
