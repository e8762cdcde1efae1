/**
 * Calls that break the declared native contract on purpose, run by
 * tests/native-boundary.test.ts in a child process (helpers/isolated.ts): each must end in
 * an Error, and a crash fails its test instead of killing the runner.
 */
import * as torch from '../../src/index.js';
import * as call from '../../src/native/calls.generated.js';
import { UnaryOp } from '../../src/native/enums.generated.js';
import { fresh, layoutOf } from '../../src/native/meta.js';

const x = () => torch.zeros([2, 3]);

export const cases: Record<string, () => unknown> = {
  // Kernel entries: the checks generated from `input: in [R, C]` run before any device code.
  kernel_strided_input: () => call.logsumexp(fresh(torch.float32, [2]), layoutOf(x(), torch.float32, 0, [2, 3], [1, 2])),
  kernel_rows_disagree: () => call.logsumexp(fresh(torch.float32, [5]), x()),
  kernel_wrong_rank: () => call.logsumexp(fresh(torch.float32, [2, 1]), x()),
  kernel_int_input: () => call.logsumexp(fresh(torch.int64, [2]), torch.zeros([2, 3], { dtype: torch.int64 })),
  // (a [2, 3] float32 storage holds 64 bytes: the allocator rounds up, and the check uses what it holds)
  kernel_view_past_storage: () => call.logsumexp(fresh(torch.float32, [40]), layoutOf(x(), torch.float32, 0, [40, 3], [3, 1])),
  backward_result_short: () => {
    const t = x();
    return call.logsumexpBackward(fresh(torch.float32, [2, 3]), torch.ones(2), t, torch.ones(1));
  },
  // Every entry: views are bounds-checked (and their offsets overflow-checked) as they are read.
  unary_offset_past_storage: () => call.unary(UnaryOp.Exp, fresh(torch.float32, [3]), layoutOf(x(), torch.float32, 100, [3], [1]), NaN, NaN),
  unary_huge_stride: () => call.unary(UnaryOp.Exp, fresh(torch.float32, [2]), layoutOf(x(), torch.float32, 0, [2], [2 ** 52]), NaN, NaN),
  unary_negative_size: () => call.unary(UnaryOp.Exp, fresh(torch.float32, [2]), layoutOf(x(), torch.float32, 0, [-2], [1]), NaN, NaN),
  disposed_input: () => {
    const t = x();
    t.dispose();
    return call.logsumexp(fresh(torch.float32, [2]), t);
  },
};
