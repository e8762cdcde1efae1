/**
 * The complex-number API as PyTorch 1.13 answers it for real tensors, the layout and backend
 * questions, the legacy constructors (`x.new`, `Variable`), the autocast and anomaly switches
 * at torch level, nn.init's deprecated names, `clip_grad_norm` and `linalg.LinAlgError`.
 * Expected values are what PyTorch 1.13 printed for the same calls (quoted in each test).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';

afterEach(() => vi.restoreAllMocks());

describe('complex-number functions on real tensors', () => {
  it('conj, conjPhysical, conjPhysical_, real and resolveConj give the tensor itself; imag raises', () => {
    const t = torch.tensor([1, -2, 0, NaN]);
    for (const same of [torch.conj(t), t.conj(), torch.conjPhysical(t), t.conjPhysical(), t.conjPhysical_(), torch.real(t), t.real]) {
      expect(same).toBe(t);
    }
    const ints = torch.tensor([1, 2]);
    expect(ints.real).toBe(ints);
    expect(() => t.imag).toThrow('imag is not implemented for tensors with non-complex dtypes.');
    expect(() => torch.imag(t)).toThrow('imag is not implemented for tensors with non-complex dtypes.');
  });
  it('angle: π for negatives, 0 otherwise, NaN kept; integers and bools give float32; the gradient is zero', () => {
    // torch.angle(torch.tensor([1., -2, 0, nan, -0., -inf, inf])) -> [0, 3.1416, 0, nan, 0, 3.1416, 0]
    const a = torch.angle(torch.tensor([1, -2, 0, NaN, -0, -Infinity, Infinity]));
    expect(a.tolist()).toEqual([0, Math.fround(Math.PI), 0, NaN, 0, Math.fround(Math.PI), 0]);
    expect(Object.is((a.tolist() as number[])[4], 0)).toBe(true);
    expect(torch.angle(torch.tensor([-1, 2], { dtype: torch.int8 })).dtype).toBe(torch.float32);
    expect(torch.angle(torch.tensor([true, false])).tolist()).toEqual([0, 0]);
    const d = torch.angle(torch.tensor([-1], { dtype: torch.float64 }));
    expect(d.dtype).toBe(torch.float64);
    expect(d.item()).toBe(Math.PI);
    const x = torch.tensor([-1, 2], { requiresGrad: true });
    const y = x.angle();
    expect(y.gradFn!.name).toBe('AngleBackward0');
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([0, 0]);
  });
  it('isreal is all true; adjoint swaps the last two dims as a view and refuses a vector', () => {
    expect(torch.isreal(torch.tensor([1, 2])).tolist()).toEqual([true, true]);
    expect(torch.adjoint(torch.zeros(2, 3, 4)).shape).toEqual([2, 4, 3]);
    const m = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const h = m.adjoint();
    expect(h.tolist()).toEqual([[1, 3], [2, 4]]);
    expect(h.gradFn!.name).toBe('TransposeBackward0');
    expect(() => torch.tensor([1, 2]).adjoint()).toThrow('tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor.');
    expect(() => torch.adjoint(torch.tensor([1, 2]))).toThrow('Got 1-D tensor.');
  });
});

describe('layout, backend and naming questions', () => {
  it('answers as PyTorch does for a dense CPU tensor', () => {
    const t = torch.zeros(2, 3);
    expect(t.layout).toBe(torch.strided);
    expect(String(torch.strided)).toBe('torch.strided');
    expect(t.names).toEqual([null, null]);
    expect(t.hasNames()).toBe(false);
    expect(t.isPinned()).toBe(false);
    expect(t.isShared()).toBe(false);
    expect(t.outputNr).toBe(0);
    for (const q of [t.isMeta, t.isSparse, t.isSparseCsr, t.isQuantized, t.isNested, t.isMkldnn, t.isVulkan, t.isXpu, t.isIpu, t.isMps, t.isOrt]) {
      expect(q).toBe(false);
    }
  });
  it('outputNr is which output of its node a tensor is', () => {
    const x = torch.tensor([3, 1, 2], { requiresGrad: true });
    const [values, indices] = x.sort();
    expect(values!.outputNr).toBe(0);
    expect(indices!.outputNr).toBe(0);
    const [, second] = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true }).mul(1).unbind(0);
    expect(second!.gradFn!.name).toBe('UnbindBackward0');
    expect(second!.outputNr).toBe(1);
  });
});

describe('legacy constructors', () => {
  it('x.new: sizes, a Size, data, nothing, and a tensor of the same dtype (an alias)', () => {
    // t = torch.tensor([1., 2]); t.new(2, 3).shape, t.new([1, 2]), t.new().shape, t.new(torch.Size([2])).shape
    const t = torch.tensor([1, 2], { dtype: torch.float32 });
    expect(t.new(2, 3).shape).toEqual([2, 3]);
    expect(t.new(2, 3).dtype).toBe(torch.float32);
    expect(t.new([1, 2]).tolist()).toEqual([1, 2]);
    expect(t.new().shape).toEqual([0]);
    expect(t.new(torch.zeros(2).size()).shape).toEqual([2]);
    expect(torch.tensor([1, 2], { dtype: torch.int64 }).new(2).dtype).toBe(torch.int64);
    const other = torch.tensor([5, 6], { dtype: torch.float32 });
    const alias = t.new(other);
    alias.fill_(7);
    expect(other.tolist()).toEqual([7, 7]);
    expect(() => t.new(torch.tensor([1], { dtype: torch.int64 }))).toThrow(TypeError);
  });
  it('newEmptyStrided keeps the dtype and takes the strides', () => {
    const t = torch.zeros(1, { dtype: torch.float64 }).newEmptyStrided([2, 3], [1, 2]);
    expect(t.stride()).toEqual([1, 2]);
    expect(t.dtype).toBe(torch.float64);
  });
  it('Variable: a tensor sharing the storage, without history, requiring grad when asked', () => {
    // Variable(t) of a t with history: requires_grad False, grad_fn None, not t; Variable(t, True) is a leaf.
    const t = torch.ones([2], { requiresGrad: true }).mul(2);
    const v = torch.autograd.Variable(t);
    expect(v).not.toBe(t);
    expect(v.requiresGrad).toBe(false);
    expect(v.gradFn).toBeNull();
    const w = torch.autograd.Variable(t, true);
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
    expect(t.requiresGrad).toBe(true);
    expect(() => torch.autograd.Variable([1, 2] as never)).toThrow('Variable data has to be a tensor, but got list');
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    torch.autograd.Variable(torch.ones(2), { volatile: true });
    expect(spy).toHaveBeenCalledWith('volatile was removed and now has no effect. Use `with torch.no_grad():` instead.', 'UserWarning');
    expect(() => torch.autograd.Variable(torch.tensor([1, 2], { dtype: torch.int64 }), true)).toThrow(/floating point/);
  });
});

describe('setDefaultTensorType', () => {
  it('sets the default dtype from a legacy type name, and refuses what PyTorch refuses', () => {
    // set_default_tensor_type(torch.DoubleTensor) -> get_default_dtype() float64; IntTensor: TypeError
    try {
      torch.setDefaultTensorType('torch.DoubleTensor');
      expect(torch.getDefaultDtype()).toBe(torch.float64);
      expect(torch.tensor([1.5]).dtype).toBe(torch.float64);
      torch.setDefaultTensorType('torch.HalfTensor');
      expect(torch.getDefaultDtype()).toBe(torch.float16);
      expect(() => torch.setDefaultTensorType('torch.IntTensor')).toThrow('only floating-point types are supported as the default type');
      expect(() => torch.setDefaultTensorType('torch.Foo')).toThrow("invalid type: 'torch.Foo'");
      expect(() => torch.setDefaultTensorType('torch.cuda.FloatTensor')).toThrow(/flint has no default device/);
    } finally {
      torch.setDefaultTensorType('torch.FloatTensor');
    }
    expect(torch.getDefaultDtype()).toBe(torch.float32);
  });
  it('x.histogram is torch.histogram', () => {
    const { hist, binEdges } = torch.tensor([1, 2, 1, 4], { dtype: torch.float32 }).histogram(3);
    expect(hist.tolist()).toEqual([2, 1, 1]);
    expect(binEdges.tolist()).toEqual([1, 2, 3, 4]);
  });
});

describe('autocast and anomaly switches at torch level', () => {
  it('reads and sets what torch.autocast sets, with PyTorch 1.13\'s checks', () => {
    // is_autocast_cpu_enabled() False, get_autocast_cpu_dtype() bfloat16, get_autocast_gpu_dtype() float16, is_autocast_cache_enabled() True
    expect(torch.isAutocastCpuEnabled()).toBe(false);
    expect(torch.getAutocastCpuDtype()).toBe(torch.bfloat16);
    expect(torch.getAutocastGpuDtype()).toBe(torch.float16);
    expect(torch.isAutocastCacheEnabled()).toBe(true);
    expect(() => torch.setAutocastCpuDtype(torch.float16)).toThrow('Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype');
    expect(() => torch.setAutocastCpuEnabled(1 as never)).toThrow('enabled must be a bool (got number)');
    expect(() => torch.setAutocastCpuDtype('x' as never)).toThrow('dtype must be a torch.dtype (got string)');
    torch.setAutocastCpuEnabled(true);
    try {
      expect(torch.isAutocastCpuEnabled()).toBe(true);
      expect(torch.isAutocastEnabled('cpu')).toBe(true);
      const x = torch.randn(2, 2);
      expect(torch.mm(x, x).dtype).toBe(torch.bfloat16);
      expect(torch.autocast('cpu', { enabled: false }, () => torch.isAutocastCpuEnabled())).toBe(false);
      expect(torch.isAutocastCpuEnabled()).toBe(true);
    } finally {
      torch.setAutocastCpuEnabled(false);
    }
    expect(torch.mm(torch.eye(2), torch.eye(2)).dtype).toBe(torch.float32);
    torch.setAutocastGpuDtype(torch.bfloat16);
    expect(torch.getAutocastGpuDtype()).toBe(torch.bfloat16);
    torch.setAutocastGpuDtype(torch.float16);
    torch.setAutocastCacheEnabled(false);
    expect(torch.isAutocastCacheEnabled()).toBe(false);
    torch.setAutocastCacheEnabled(true);
  });
  it('counts nesting as PyTorch does: 1, 2, 1, 0, -1', () => {
    const counts = [torch.autocastIncrementNesting(), torch.autocastIncrementNesting(), torch.autocastDecrementNesting(), torch.autocastDecrementNesting(), torch.autocastDecrementNesting()];
    expect(counts).toEqual([1, 2, 1, 0, -1]);
    torch.autocastIncrementNesting();
    torch.clearAutocastCache();
  });
  it('torch.setAnomalyEnabled and torch.isAnomalyEnabled are autograd\'s switch', () => {
    expect(torch.isAnomalyEnabled()).toBe(false);
    torch.setAnomalyEnabled(true);
    try {
      expect(torch.autograd.isAnomalyEnabled()).toBe(true);
      expect(torch.isAnomalyCheckNanEnabled()).toBe(true);
    } finally {
      torch.setAnomalyEnabled(false);
    }
  });
});

describe('deprecated nn names', () => {
  it('nn.init\'s names without the underscore warn once and fill as the underscored ones', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const cases: [string, (w: torch.Tensor) => unknown, (w: torch.Tensor) => unknown][] = [
      ['normal', (w) => torch.nn.init.normal(w, 0, 0.02), (w) => torch.nn.init.normal_(w, 0, 0.02)],
      ['uniform', (w) => torch.nn.init.uniform(w), (w) => torch.nn.init.uniform_(w)],
      ['xavier_uniform', (w) => torch.nn.init.xavierUniform(w, 2), (w) => torch.nn.init.xavierUniform_(w, 2)],
      ['xavier_normal', (w) => torch.nn.init.xavierNormal(w), (w) => torch.nn.init.xavierNormal_(w)],
      ['kaiming_uniform', (w) => torch.nn.init.kaimingUniform(w), (w) => torch.nn.init.kaimingUniform_(w)],
      ['kaiming_normal', (w) => torch.nn.init.kaimingNormal(w), (w) => torch.nn.init.kaimingNormal_(w)],
      ['orthogonal', (w) => torch.nn.init.orthogonal(w), (w) => torch.nn.init.orthogonal_(w)],
      ['sparse', (w) => torch.nn.init.sparse(w, 0.5), (w) => torch.nn.init.sparse_(w, 0.5)],
      ['constant', (w) => torch.nn.init.constant(w, 3), (w) => torch.nn.init.constant_(w, 3)],
      ['eye', (w) => torch.nn.init.eye(w), (w) => torch.nn.init.eye_(w)],
    ];
    for (const [name, old, current] of cases) {
      torch.manualSeed(1);
      const a = torch.empty(3, 4);
      old(a);
      old(torch.empty(3, 4));
      torch.manualSeed(1);
      const b = torch.empty(3, 4);
      current(b);
      expect(a.tolist(), name).toEqual(b.tolist());
      const message = `nn.init.${name} is now deprecated in favor of nn.init.${name}_.`;
      expect(spy.mock.calls.filter((c) => c[0] === message), name).toHaveLength(1);
    }
    torch.nn.init.dirac(torch.empty(2, 2, 3));
    expect(spy).toHaveBeenCalledWith('nn.init.dirac is now deprecated in favor of nn.init.dirac_.', 'UserWarning');
  });
  it('nn.utils.clipGradNorm warns and clips as clipGradNorm_', () => {
    // p.grad = ones(2); clip_grad_norm([p], 1.0) -> tensor(1.4142)
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const p = new torch.nn.Parameter(torch.ones(2));
    p.grad = torch.ones(2);
    expect(torch.nn.utils.clipGradNorm([p], 1.0).item()).toBeCloseTo(Math.SQRT2, 6);
    expect((p.grad.tolist() as number[]).map((v) => Number(v.toFixed(6)))).toEqual([0.707106, 0.707106]); // 1 / (√2 + 1e-6)
    expect(spy).toHaveBeenCalledWith('torch.nn.utils.clip_grad_norm is now deprecated in favor of torch.nn.utils.clip_grad_norm_.', 'UserWarning');
  });
});

describe('distributions.OneHotCategoricalStraightThrough', () => {
  it('samples as OneHotCategorical and passes the gradient of probs straight through, as PyTorch 1.13', () => {
    // torch.manual_seed(0); d = OneHotCategoricalStraightThrough(probs=p); s = d.rsample((2,));
    // (s * [1, 2, 3]).sum().backward() -> s [[0, 0, 1], [0, 0, 1]], AddBackward0, p.grad [-2.6, -0.6, 1.4]
    torch.manualSeed(0);
    const p = torch.tensor([0.2, 0.3, 0.5], { requiresGrad: true });
    const d = new torch.distributions.OneHotCategoricalStraightThrough(p);
    expect(d.hasRsample).toBe(true);
    const s = d.rsample([2]);
    expect(s.tolist()).toEqual([[0, 0, 1], [0, 0, 1]]);
    expect(s.gradFn!.name).toBe('AddBackward0');
    s.mul(torch.tensor([1, 2, 3])).sum().backward();
    expect((p.grad!.tolist() as number[]).map((v) => Number(v.toFixed(4)))).toEqual([-2.6, -0.6, 1.4]);
    expect(String(d)).toBe('OneHotCategoricalStraightThrough()');
    expect(d.expand([4])).toBeInstanceOf(torch.distributions.OneHotCategoricalStraightThrough);
    // Reprs print PyTorch's parameter names: Binomial(total_count: ..., probs: ...).
    expect(String(new torch.distributions.Binomial(3, torch.tensor([0.2, 0.8])))).toBe('Binomial(total_count: torch.Size([2]), probs: torch.Size([2]))');
    expect(String(new torch.distributions.OneHotCategorical(torch.tensor([0.2, 0.8])))).toBe('OneHotCategorical()');
  });
});

describe('linalg.LinAlgError', () => {
  it('is the class of the factorization errors, as torch.linalg.LinAlgError', () => {
    let caught: unknown = null;
    try {
      torch.linalg.cholesky(torch.eye(2).neg());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(torch.linalg.LinAlgError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe('LinAlgError');
    expect((caught as Error).message).toBe(
      'linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order 1 is not positive-definite).',
    );
  });
});
