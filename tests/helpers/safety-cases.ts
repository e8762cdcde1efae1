/**
 * The safety issue's reproductions, written as scripts/make_safety_fixtures.py writes
 * them for PyTorch, one function per name. tests/safety-regressions.test.ts runs them in
 * a child process (tests/helpers/isolated.ts) and compares with tests/fixtures/safety/expected.json.
 */
import * as torch from '../../src/index.js';

const F = torch.nn.functional;
const L = { dtype: torch.int64 };
const f32 = (values: number[] | number[][]) => torch.tensor(values, { dtype: torch.float32 });
const arangeF = (n: number) => torch.arange(n, { dtype: torch.float32 });
const a33 = () => arangeF(9).reshape(3, 3);

const overlap: Record<string, () => unknown> = {
  overlap_add_t: () => {
    const a = a33();
    return a.add_(a.t());
  },
  overlap_mul_expanded: () => torch.ones(3, 1).expand(3, 3).mul_(2),
  overlap_copy_expanded: () => torch.ones(3, 1).expand(3, 3).copy_(torch.ones(3, 3)),
  overlap_uniform_expanded: () => torch.ones(3, 1).expand(3, 3).uniform_(),
  overlap_clamp_expanded: () => torch.ones(3, 1).expand(3, 3).clamp_(0, 1),
  overlap_relu_expanded: () => torch.ones(3, 1).expand(3, 3).relu_(),
  overlap_narrow_copy: () => {
    const c = arangeF(5);
    return c.narrow(0, 1, 4).copy_(c.narrow(0, 0, 4));
  },
  overlap_narrow_add: () => {
    const c = arangeF(5);
    return c.narrow(0, 1, 4).add_(c.narrow(0, 0, 4));
  },
  overlap_row_broadcast: () => {
    const a = a33();
    return a.add_(a.index(0));
  },
  overlap_full_self: () => {
    const a = a33();
    return a.mul_(a);
  },
  overlap_disjoint_halves: () => {
    const a = arangeF(4);
    a.index(':2').add_(a.index('2:'));
    return a;
  },
  overlap_too_hard_columns: () => {
    const a = arangeF(6).reshape(2, 3);
    a.index(':', ':2').add_(a.index(':', '1:'));
    return a;
  },
  overlap_too_hard_strided: () => {
    const a = arangeF(8);
    a.index('::2').add_(a.index('1::2'));
    return a;
  },
  overlap_too_hard_copy: () => {
    const a = arangeF(6).reshape(2, 3);
    a.index(':', ':2').copy_(a.index(':', '1:'));
    return a;
  },
  overlap_fill_expanded: () => torch.ones(3, 1).expand(3, 3).fill_(2),
};

const indexing: Record<string, () => unknown> = {
  scatter_big_index: () => torch.zeros(2, 3).scatter_(1, torch.zeros(200000, 3, L), torch.ones(200000, 3)),
  gather_backward_big_index: () => {
    const x = torch.ones(1, 3, { requiresGrad: true });
    x.gather(1, torch.zeros(100000, 3, L)).sum().backward();
    return x.grad;
  },
  gather_index_taller_than_input: () => torch.zeros(1, 4).gather(1, torch.zeros(3, 4, L)),
  scatter_src_smaller_than_index: () => torch.zeros(2, 3).scatter_(1, torch.zeros(2, 3, L), torch.ones(1, 3)),
  scatter_add_src_smaller: () => torch.zeros(2, 3).scatterAdd(1, torch.zeros(2, 3, L), torch.ones(2, 2)),
  scatter_out_of_place_too_big: () => torch.zeros(2, 3).scatter(1, torch.zeros(3, 3, L), torch.ones(3, 3)),
  gather_smaller_index: () => arangeF(6).reshape(2, 3).gather(1, torch.zeros(1, 2, L)),
  gather_longer_along_dim: () => arangeF(6).reshape(2, 3).gather(1, torch.tensor([[0, 1, 2, 2, 1], [2, 2, 2, 0, 0]])),
  scatter_index_longer_along_dim: () =>
    torch.zeros(2, 3).scatter_(0, torch.tensor([[0, 1, 1], [1, 0, 0], [0, 0, 1]]), arangeF(9).reshape(3, 3)),
  gather_grad: () => {
    const x = arangeF(6).reshape(2, 3).requiresGrad_();
    x.gather(1, torch.tensor([[2, 2], [0, 1]])).sum().backward();
    return x.grad;
  },
  scatter_add_grad: () => {
    const x = torch.zeros(2, 3, { requiresGrad: true });
    const src = arangeF(4).reshape(2, 2).requiresGrad_();
    const out = x.scatterAdd(1, torch.tensor([[0, 0], [2, 1]]), src);
    out.mul(arangeF(6).reshape(2, 3)).sum().backward();
    return [out, x.grad, src.grad];
  },
  gather_negative_index: () => arangeF(4).gather(0, torch.tensor([-1])),
  gather_index_too_large: () => arangeF(4).gather(0, torch.tensor([4])),
  scatter_negative_index: () => torch.zeros(4).scatter_(0, torch.tensor([-1]), torch.ones(1)),
  scatter_add_negative_index: () => torch.zeros(4).scatterAdd(0, torch.tensor([-1]), torch.ones(1)),
  index_select_negative: () => arangeF(4).indexSelect(0, torch.tensor([-1])),
  index_select_too_large: () => arangeF(4).indexSelect(0, torch.tensor([4])),
  index_select_int32: () => arangeF(4).indexSelect(0, torch.tensor([3, 1], { dtype: torch.int32 })),
  index_select_matrix_index: () => arangeF(4).indexSelect(0, torch.zeros(2, 2, L)),
  embedding_negative: () => F.embedding(torch.tensor([-1]), torch.ones(3, 2)),
  embedding_too_large: () => F.embedding(torch.tensor([3]), torch.ones(3, 2)),
  advanced_index_negative: () => arangeF(4).index(torch.tensor([-1, -4])),
  advanced_index_too_negative: () => arangeF(4).index(torch.tensor([-5])),
  scatter_dtype_mismatch: () => torch.zeros(4).scatter_(0, torch.tensor([1]), torch.ones(1, { dtype: torch.float64 })),
  gather_float_index: () => torch.zeros(4).gather(0, torch.zeros(2)),
  gather_dims_mismatch: () => torch.zeros(2, 3).gather(1, torch.zeros(2, 3, 2, L)),
};

const sizes: Record<string, () => unknown> = {
  expand_add_overflow: () => torch.ones(1).expand(2 ** 52, 2 ** 12).add(1),
  expand_sum_overflow: () => torch.ones(1).expand(2 ** 32, 2 ** 32, 4).sum(),
  expand_negative_size: () => torch.ones(1, 3).expand(-5, 3),
  expand_negative_leading: () => torch.ones(3).expand(-2, 3),
  expand_minus_one_leading: () => torch.ones(3).expand(-1, 3),
  expand_minus_one_keeps: () => torch.ones(1, 3).expand(-1, 3),
  zeros_negative: () => torch.zeros(-1, 3),
  zeros_storage_overflow: () => torch.zeros(2 ** 62, 4),
  empty_matmul: () => torch.ones(2, 0).matmul(torch.ones(0, 3)),
  empty_mm_rows: () => torch.mm(torch.ones(0, 3), torch.ones(3, 2)),
  empty_bmm: () => torch.bmm(torch.ones(2, 3, 0), torch.ones(2, 0, 4)),
  cat_zero_dim: () => torch.cat([torch.tensor(1, { dtype: torch.float32 }), torch.tensor(2, { dtype: torch.float32 })]),
  cat_zero_dim_second: () => torch.cat([torch.ones(1), torch.tensor(2, { dtype: torch.float32 })]),
};

/** The values make_safety_fixtures.py casts (its CAST_VALUES). */
export const CAST_VALUES = [
  NaN, 1e20, -1e20, 300.7, Infinity, -3.7, 200, 40000.7, -40000.7, 2 ** 31 + 5, 3e9, -3e9, 70000, -0, 255.9, -128.5,
  -Infinity, 2 ** 63, -(2 ** 63),
];

const casts: Record<string, () => unknown> = {};
for (const src of ['float32', 'float64'] as const) {
  for (const dst of ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64'] as const) {
    casts[`cast_${src}_to_${dst}`] = () => {
      const values = [...CAST_VALUES, ...CAST_VALUES, ...CAST_VALUES];
      const t = torch.tensor(values, { dtype: torch[src] }).to(torch[dst]);
      const list = t.index(`:${CAST_VALUES.length}`).tolist() as (number | boolean)[];
      return list.map((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : v));
    };
  }
}

const big = [[1e6, 1e6 + 1, 1e6 + 2]];
const precision: Record<string, () => unknown> = {
  cross_entropy_large_logits: () => F.crossEntropy(f32(big), torch.tensor([0])).item(),
  cross_entropy_large_logits_f64: () => F.crossEntropy(torch.tensor(big, { dtype: torch.float64 }), torch.tensor([0])).item(),
  log_softmax_large_logits: () => F.logSoftmax(f32(big), 1),
  log_softmax_large_dim0: () => F.logSoftmax(f32([[1e7], [1e7 + 3], [1e7 - 2]]), 0),
  nll_of_log_softmax_large: () => F.nllLoss(F.logSoftmax(f32(big), 1), torch.tensor([2])).item(),
};

function halves(dtype: torch.DType): Record<string, unknown> {
  const x = torch.linspace(-3, 5, 257).to(dtype);
  const f = (t: torch.Tensor) => t.float();
  return {
    sum: f(x.sum()).item(),
    mean: f(x.mean()).item(),
    sum_dim: f(x.reshape(1, 257).sum(1)).tolist(),
    mean_keepdim: f(x.reshape(257, 1).mean(0, true)).tolist(),
    max: f(x.max() as torch.Tensor).item(),
    min: f(x.min() as torch.Tensor).item(),
    big_sum: f(torch.full([70000], 1, { dtype }).sum()).item(),
    dtype: String(x.sum().dtype),
  };
}

const reductions: Record<string, () => unknown> = {
  float16_reductions: () => halves(torch.float16),
  bfloat16_reductions: () => halves(torch.bfloat16),
};

const args: Record<string, () => unknown> = {
  select_float_index: () => torch.ones(3, 3).select(0, 1.5),
  narrow_float_start: () => torch.ones(3, 3).narrow(0, 0.5, 1),
};

/** Reproductions with no PyTorch counterpart: PyTorch cannot build these inputs. */
const flintOnly: Record<string, () => unknown> = {
  huge_stride0_checkpoint: () => {
    const file = new URL('../fixtures/safety/huge_stride0.pt', import.meta.url).pathname;
    const loaded = torch.loadSync(file) as { t: torch.Tensor };
    return loaded.t.sum();
  },
  huge_stride0_checkpoint_async: async () => {
    const file = new URL('../fixtures/safety/huge_stride0.pt', import.meta.url).pathname;
    const loaded = (await torch.load(file)) as { t: torch.Tensor };
    return loaded.t.sum();
  },
};

export const cases: Record<string, () => unknown> = {
  ...overlap,
  ...indexing,
  ...sizes,
  ...casts,
  ...precision,
  ...reductions,
  ...args,
  ...flintOnly,
};
