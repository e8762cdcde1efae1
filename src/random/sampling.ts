/**
 * Sampling functions beyond rand/randn/randint: `randperm`, `normal` (all overloads),
 * `bernoulli`, `multinomial`, `exponential_` and `randintLike`. Each consumes the
 * generator as PyTorch 1.13's CPU kernels do, so seeded runs print PyTorch's numbers.
 */
import * as call from '../native/calls.generated.js';
import { RandomKind } from '../native/enums.generated.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { checkInplace, record } from '../autograd/function.js';
import { copyKernel, emptyKernel } from '../ops/tensor-kernels.js';
import { rebase } from '../ops/inplace.js';
import { assertNoInternalOverlap } from '../ops/overlap.js';
import { random_, normal_, uniform_, type GeneratorOption } from '../ops/fill.js';
import { lt, mul, add } from '../ops/elementwise.js';
import { makeView, toDtype } from '../ops/shape.js';
import { broadcastShapes } from '../tensor/shape.js';
import { argumentError, checkBoolean, checkInteger, checkNumber, checkOptions, checkTensor } from '../tensor/args.js';
import { CPU } from '../tensor/device.js';
import { DType, bool, defaultFloat, float16, float32, float64, bfloat16, int64, scalarTypeName } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { fresh } from '../native/meta.js';
import { resolveRandomOptions, tensor, zerosLike, type RandomOptions } from '../tensor/creation.js';
import { checkGenerator, withGenerator, type Generator } from './generator.js';

/** The largest n whose permutation a floating dtype holds exactly (PyTorch's check). */
const PERMUTATION_LIMITS = new Map<DType, [number, string]>([
  [float16, [2049, 'n cannot be greater than 2049 for Half type.']],
  [bfloat16, [257, 'n cannot be greater than 257 for BFloat16 type.']],
  [float32, [2 ** 24 + 1, 'n cannot be greater than 2^24+1 for Float type.']],
]);

/**
 * A random permutation of 0..n-1 (int64 by default), bit for bit PyTorch's CPU
 * `randperm` after the same seed. CUDA permutations are drawn on the CPU, with the CPU
 * generator (or `generator`), then copied to the device.
 * @example torch.manualSeed(0); torch.randperm(5) // tensor([4, 1, 2, 0, 3]) as PyTorch
 */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  checkInteger(n, 'randperm', 'n');
  if (n < 0) throw new Error(`n must be non-negative, got${n}`);
  const resolved = resolveRandomOptions(options, 'randperm');
  const dtype = resolved.dtype ?? int64;
  const limit = PERMUTATION_LIMITS.get(dtype);
  if (limit !== undefined && n > limit[0]) throw new Error(limit[1]);
  if (dtype === bool && n > 2) throw new Error(`n is too large for result tensor type: 'torch.BoolTensor'`);
  const generator = resolved.device.type === 'cpu' ? resolved.generator : checkGenerator(resolved.generator?.device.type === 'cpu' ? resolved.generator : null, 'randperm', CPU);
  const out = emptyKernel([n], dtype, CPU);
  withGenerator(generator, CPU, () => call.fillRandom(RandomKind.Permutation, out, 0, 0));
  const placed = resolved.device.type === 'cpu' ? out : out.to(resolved.device);
  if (placed !== out) out.dispose();
  if (resolved.requiresGrad) placed.requiresGrad_(true);
  return placed;
}

/**
 * Random integers shaped like `x`: `randintLike(x, high)` or `randintLike(x, low, high)`.
 * @example torch.randintLike(x, 10)
 */
export function randintLike(x: Tensor, a: number, b?: number | RandomOptions, options?: RandomOptions): Tensor {
  checkTensor(x, 'randintLike', 'input');
  let low = 0;
  let high = a;
  let raw: unknown = options;
  if (typeof b === 'number') {
    low = a;
    high = b;
  } else raw = b;
  checkInteger(low, 'randintLike', 'low');
  checkInteger(high, 'randintLike', 'high');
  const o = resolveRandomOptions(raw, 'randintLike');
  const device = (raw as RandomOptions | undefined)?.device == null ? x.device : o.device;
  const out = emptyKernel(x.shape, o.dtype ?? x.dtype, device);
  random_(out, low, high, { generator: o.generator });
  if (o.requiresGrad) out.requiresGrad_(true);
  return out;
}

/**
 * `torch.normal`, every overload: `normal(meanTensor, std?)`, `normal(mean, stdTensor)`,
 * `normal(meanTensor, stdTensor)` (shapes broadcast) and `normal(mean, std, size, options)`.
 * Samples are drawn as `randn` then scaled and shifted, as PyTorch's kernel does.
 * @example torch.normal(torch.zeros(3), 1); torch.normal(2, 3, [4]);
 */
export function normal(mean: Tensor | number, std: Tensor | number = 1, size?: number[] | GeneratorOption, options?: RandomOptions): Tensor {
  if (typeof mean === 'number' && typeof std === 'number') {
    checkNumber(mean, 'normal', 'mean');
    checkNumber(std, 'normal', 'std');
    if (!Array.isArray(size)) throw argumentError('normal', 'size', 'a sequence of integers (with numbers for mean and std)', size);
    const o = resolveRandomOptions(options, 'normal');
    const out = emptyKernel(size.slice(), o.dtype ?? defaultFloat, o.device);
    normal_(out, mean, std, { generator: o.generator });
    if (o.requiresGrad) out.requiresGrad_(true);
    return out;
  }
  if (!(mean instanceof Tensor) && typeof mean !== 'number') throw argumentError('normal', 'mean', 'a Tensor or a number', mean);
  if (!(std instanceof Tensor) && typeof std !== 'number') throw argumentError('normal', 'std', 'a Tensor or a number', std);
  checkOptions(size, 'normal', ['generator']);
  const generator = (size as GeneratorOption | undefined)?.generator ?? null;
  if (std instanceof Tensor && noGrad(() => std.lt(0).any().item())) {
    throw new Error('normal expects all elements of std >= 0.0');
  }
  if (typeof std === 'number' && std < 0) throw new Error(`normal expects std >= 0.0, but found std ${std}`);
  const like = mean instanceof Tensor ? mean : (std as Tensor);
  const shape = mean instanceof Tensor && std instanceof Tensor ? broadcastShapes(mean.shape, std.shape) : like.shape;
  return noGrad(() => {
    const out = emptyKernel(shape, like.dtype, like.device);
    normal_(out, 0, 1, { generator });
    const scaled = mul(out, std);
    out.dispose();
    const shifted = add(scaled, mean);
    scaled.dispose();
    return shifted;
  });
}

/**
 * Bernoulli samples: `bernoulli(probs)` draws each element with its own probability,
 * `bernoulli(input, p)` with one probability; the result has the input's dtype.
 * @example torch.bernoulli(torch.full([3], 0.5))
 */
export function bernoulli(input: Tensor, p?: number | GeneratorOption, options?: GeneratorOption): Tensor {
  checkTensor(input, 'bernoulli', 'input');
  let raw: unknown = options;
  if (typeof p === 'object' && p !== null) raw = p;
  checkOptions(raw, 'bernoulli', ['generator']);
  const generator = checkGenerator((raw as GeneratorOption | undefined)?.generator, 'bernoulli', input.device);
  return noGrad(() => {
    const out = emptyKernel(input.shape, input.dtype, input.device);
    if (typeof p === 'number') {
      withGenerator(generator, input.device, () => call.fillRandom(RandomKind.Bernoulli, out, p, 0));
      return out;
    }
    // PyTorch draws one uniform per element, in double for double probabilities and in
    // float otherwise, and keeps the element when the draw is below its probability.
    const drawType = input.dtype === float64 ? float64 : float32;
    const draws = emptyKernel(input.shape, drawType, input.device);
    uniform_(draws, 0, 1, { generator });
    const probs = toDtype(input, drawType);
    const hit = lt(draws, probs);
    if (probs !== input) probs.dispose();
    draws.dispose();
    out.copy_(hit);
    hit.dispose();
    return out;
  });
}

/**
 * `torch.poisson`: one Poisson count per rate, in the rates' dtype, drawn as PyTorch's
 * CPU kernel draws them (so seeded runs match). Not differentiable (PyTorch's gradient
 * is zero); CUDA rates are refused until flint has a CUDA sampler.
 * @example torch.poisson(torch.tensor([1.5, 20]))
 */
export function poisson(rates: Tensor, options?: GeneratorOption): Tensor {
  checkTensor(rates, 'poisson', 'input');
  checkOptions(options, 'poisson', ['generator']);
  const generator = checkGenerator(options?.generator, 'poisson', rates.device);
  if (!rates.isFloatingPoint()) throw new Error(`"poisson_cpu" not implemented for '${rates.dtype.name}'`);
  return noGrad(() => {
    const computeType = rates.dtype === float64 ? float64 : float32;
    const flat = toDtype(rates, computeType).contiguous().reshape(-1);
    const handle = withGenerator(generator, rates.device, () => call.poisson(fresh(computeType, [flat.numel()]), flat));
    const counts = fromHandle(handle, rates.shape, computeType, rates.device);
    if (computeType === rates.dtype) return counts;
    const cast = toDtype(counts, rates.dtype);
    counts.dispose();
    return cast;
  });
}

/**
 * `torch.binomial`: one Binomial(count, prob) draw per element (count and prob float,
 * broadcast together), as PyTorch's CPU kernel draws them: inversion below a mean of 10,
 * Hoermann's BTRS above. Not differentiable. CUDA inputs are refused until flint has a
 * CUDA sampler.
 * @example torch.binomial(torch.tensor([10, 100]), torch.tensor([0.5, 0.2]))
 */
export function binomial(count: Tensor, prob: Tensor, options?: GeneratorOption): Tensor {
  checkTensor(count, 'binomial', 'count');
  checkTensor(prob, 'binomial', 'prob');
  checkOptions(options, 'binomial', ['generator']);
  const generator = checkGenerator(options?.generator, 'binomial', count.device);
  if (!count.isFloatingPoint()) throw new Error(`"binomial_cpu" not implemented for '${scalarTypeName(count.dtype.name)}'`);
  if (prob.dtype !== count.dtype) throw new Error(`binomial expects count and prob of one dtype, but got ${count.dtype.name} and ${prob.dtype.name}`);
  return noGrad(() => {
    const shape = broadcastShapes(count.shape, prob.shape);
    const computeType = count.dtype === float64 ? float64 : float32;
    const flat = (t: Tensor) => toDtype(t, computeType).expand(shape).contiguous().reshape(-1);
    const [c, p] = [flat(count), flat(prob)];
    const handle = withGenerator(generator, count.device, () => call.binomial(fresh(computeType, [c.numel()]), c, p));
    const draws = fromHandle(handle, shape, computeType, count.device);
    if (computeType === count.dtype) return draws;
    const cast = toDtype(draws, count.dtype);
    draws.dispose();
    return cast;
  });
}

/**
 * Exponential(lambd) samples in place, as PyTorch's CPU kernel: -log(1 - u) / lambd
 * with u a 53-bit uniform draw.
 * @example torch.empty(3).exponential_()
 */
export function exponential_(t: Tensor, lambd: number | GeneratorOption = 1, options?: GeneratorOption): Tensor {
  checkTensor(t, 'exponential_', 'input');
  let raw: unknown = options;
  if (typeof lambd === 'object') {
    raw = lambd;
    lambd = 1;
  }
  checkNumber(lambd, 'exponential_', 'lambd');
  if (!(lambd > 0)) throw new Error(`exponential_ expects lambda > 0.0, but found lambda=${lambd}`);
  checkOptions(raw, 'exponential_', ['generator']);
  const generator = (raw as GeneratorOption | undefined)?.generator ?? null;
  noGrad(() => {
    const u = emptyKernel([t.numel()], float64, t.device);
    uniform_(u, 0, 1, { generator });
    // The native log (glibc's, as PyTorch's kernel calls), not Math.log, which differs in the last bit.
    const e = u.neg_().add_(1).log_().mul_(-1 / (lambd as number));
    t.copy_(inIterationOrder(e, t));
    e.dispose();
  });
  return t;
}

/**
 * Cauchy(median, sigma) samples in place, as PyTorch's CPU kernel: `median + sigma *
 * tan(pi (u - 1/2))` in double, with u a 53-bit uniform draw per element.
 * @example torch.empty(3).cauchy_(); x.cauchy_(0, 2, { generator: g })
 */
export function cauchy_(t: Tensor, median: number | GeneratorOption = 0, sigma: number | GeneratorOption = 1, options?: GeneratorOption): Tensor {
  checkTensor(t, 'cauchy_', 'input');
  let raw: unknown = options;
  if (typeof median === 'object') [raw, median, sigma] = [median, 0, 1];
  else if (typeof sigma === 'object') [raw, sigma] = [sigma, 1];
  checkNumber(median, 'cauchy_', 'median');
  checkNumber(sigma, 'cauchy_', 'sigma');
  if (!(sigma > 0)) throw new Error(`cauchy_ expects sigma > 0.0, but found sigma=${sigma}`);
  if (!t.isFloatingPoint()) throw new Error(`"cauchy_cpu" not implemented for '${scalarTypeName(t.dtype.name)}'`);
  checkOptions(raw, 'cauchy_', ['generator']);
  const generator = (raw as GeneratorOption | undefined)?.generator ?? null;
  const [m, s] = [median, sigma];
  noGrad(() => {
    const u = emptyKernel([t.numel()], float64, t.device);
    uniform_(u, 0, 1, { generator });
    // The kernel's expression, op by op in double (libm's tan, as PyTorch's).
    const c = u.sub(0.5).mul(Math.PI).tan().mul(s).add(m);
    u.dispose();
    t.copy_(inIterationOrder(c, t));
    c.dispose();
  });
  return t;
}

/** `count` 53-bit uniform draws from `generator` (the CPU's global stream when null). */
function uniformDraws(count: number, generator: Generator | null): Float64Array {
  const u = emptyKernel([count], float64, CPU);
  withGenerator(generator, CPU, () => call.fillRandom(RandomKind.Uniform, u, 0, 1));
  const values = (u.dataSync() as Float64Array).slice();
  u.dispose();
  return values;
}

/**
 * `torch.multinomial`: `numSamples` category indices per row of non-negative weights
 * (rows need not sum to 1). With replacement, PyTorch 1.13's inverse-CDF search over one
 * uniform draw per sample; without, its exponential race (the top-k of weight / Exp(1)).
 * CUDA inputs are sampled on the CPU.
 * @example torch.multinomial(torch.tensor([0.2, 0.8]), 4, true)
 */
export function multinomial(input: Tensor, numSamples: number, replacement: boolean | GeneratorOption = false, options?: GeneratorOption): Tensor {
  checkTensor(input, 'multinomial', 'input');
  checkInteger(numSamples, 'multinomial', 'num_samples');
  let raw: unknown = options;
  if (typeof replacement === 'object') {
    raw = replacement;
    replacement = false;
  }
  checkBoolean(replacement, 'multinomial', 'replacement');
  checkOptions(raw, 'multinomial', ['generator']);
  const generator = checkGenerator((raw as GeneratorOption | undefined)?.generator, 'multinomial', CPU);
  const dims = input.ndim;
  if (dims !== 1 && dims !== 2) throw new Error(`prob_dist must be 1 or 2 dim`);
  if (!input.isFloatingPoint()) throw new Error(`multinomial only supports floating-point dtypes for input, got: ${input.dtype.name}`);
  if (!(numSamples > 0)) throw new Error('cannot sample n_sample <= 0 samples');
  const categories = input.shape[dims - 1];
  if (!replacement && numSamples > categories) throw new Error('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  const rows = dims === 2 ? input.shape[0] : 1;
  const outShape = dims === 2 ? [rows, numSamples] : [numSamples];
  const hostWeights = noGrad(() => toDtype(input.to('cpu'), float64));
  const weights = (hostWeights.dataSync() as Float64Array).slice();
  if (hostWeights !== input) hostWeights.dispose();
  const single = input.dtype !== float64;
  const round = single ? Math.fround : (v: number) => v;
  for (const w of weights) {
    if (!replacement && !(w >= 0 && w < Infinity)) throw new Error('probability tensor contains either `inf`, `nan` or element < 0');
    if (!(w >= 0)) throw new Error('invalid multinomial distribution (encountering probability entry < 0)');
    if (!Number.isFinite(w)) throw new Error('invalid multinomial distribution (encountering probability entry = infinity or NaN)');
  }
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < categories; c++) sum += weights[r * categories + c];
    if (!(sum > 0)) throw new Error('invalid multinomial distribution (sum of probabilities <= 0)');
  }
  const result = new BigInt64Array(rows * numSamples);
  const draws = uniformDraws(rows * (replacement ? numSamples : categories), generator);
  if (!replacement) {
    // PyTorch's exponential race: q = -log(1 - u) in double, stored in the input's dtype,
    // then the largest weight / q wins (argmax keeps the first of equal values).
    for (let r = 0; r < rows; r++) {
      const keys: number[] = [];
      for (let c = 0; c < categories; c++) {
        const q = round(-Math.log(1 - draws[r * categories + c]));
        keys.push(round(weights[r * categories + c] / q));
      }
      const order = keys.map((_, c) => c).sort((a, b) => keys[b] - keys[a] || a - b);
      for (let s = 0; s < numSamples; s++) result[r * numSamples + s] = BigInt(order[s]);
    }
    return tensor(result, { dtype: int64, device: input.device }).reshape(outShape);
  }
  const cumulative = new Float64Array(categories);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < categories; c++) {
      sum = round(sum + weights[r * categories + c]);
      cumulative[c] = sum;
    }
    for (let c = 0; c < categories; c++) cumulative[c] = round(cumulative[c] / sum);
    cumulative[categories - 1] = 1;
    for (let s = 0; s < numSamples; s++) {
      const u = draws[r * numSamples + s];
      let left = 0;
      let right = categories;
      while (right - left > 0) {
        const mid = left + ((right - left) >> 1);
        if (cumulative[mid] < u) left = mid + 1;
        else right = mid;
      }
      result[r * numSamples + s] = BigInt(left);
    }
  }
  return tensor(result, { dtype: int64, device: input.device }).reshape(outShape);
}

/** A double as C++'s `<<` prints it (6 significant digits, %g), as PyTorch's messages show numbers. */
function cppNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exponent = Number(v.toExponential(5).split('e')[1]);
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, e] = v.toExponential(5).split('e');
    const digits = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return `${digits}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(6)));
}

/**
 * Log-normal samples in place, `exp(N(mean, std))` (`log_normal_(mean=1, std=2)`), drawn as
 * PyTorch's CPU kernel draws them: one double normal per element (Box-Muller, the second
 * value of each pair cached in the generator) in the tensor's memory order, so seeded runs
 * give PyTorch's numbers. On a GPU: normal_ in the accumulation type, then exp. In autograd,
 * as in PyTorch, the op records LogNormalBackward0, whose gradient is zero.
 * @example torch.manualSeed(0); torch.empty(3).logNormal_(0, 0.5)
 */
export function logNormal_(t: Tensor, mean: number | GeneratorOption = 1, std: number | GeneratorOption = 2, options?: GeneratorOption): Tensor {
  checkTensor(t, 'log_normal_', 'input');
  let raw: unknown = options;
  if (typeof mean === 'object') [raw, mean, std] = [mean, 1, 2];
  else if (typeof std === 'object') [raw, std] = [std, 2];
  checkNumber(mean, 'log_normal_', 'mean');
  checkNumber(std, 'log_normal_', 'std');
  if (!(std > 0)) throw new Error(`log_normal_ expects std > 0.0, but found std=${cppNumber(std)}`);
  if (!t.isFloatingPoint()) throw new Error(`"log_normal_cpu" not implemented for '${scalarTypeName(t.dtype.name)}'`);
  checkOptions(raw, 'log_normal_', ['generator']);
  const generator = checkGenerator((raw as GeneratorOption | undefined)?.generator, 'log_normal_', t.device);
  assertNoInternalOverlap(t);
  checkInplace(t, true);
  const samples = noGrad(() => logNormalSamples(t, mean as number, std as number, generator));
  if (gradEnabled() && (t._requiresGrad || (t._base !== null && t._base._requiresGrad))) {
    return rebase(t, (current) => withZeroGradient(samples, current));
  }
  checkInplace(t);
  copyKernel(t, samples);
  samples.dispose();
  t._version.value++;
  return t;
}

/** `samples` as a function of `current` whose derivative is zero (LogNormalBackward0). */
function withZeroGradient(samples: Tensor, current: Tensor): Tensor {
  return record(samples, 'LogNormalBackward0', [current], () => (g) => [zerosLike(g)]);
}

/** exp(N(mean, std)) shaped like `t`, in t's dtype. */
function logNormalSamples(t: Tensor, mean: number, std: number, generator: Generator | null): Tensor {
  if (t.device.type !== 'cpu') {
    const draws = emptyKernel(t.shape, t.dtype === float64 ? float64 : float32, t.device);
    normal_(draws, mean, std, { generator });
    draws.exp_();
    return toDtype(draws, t.dtype);
  }
  const n = t.numel();
  // Every 2nd double of a buffer: a layout the native fill never takes as contiguous, so it
  // draws each element with its own normal_distribution<double> call (`n * std + mean` as one
  // FMA, as PyTorch's build computes it), as log_normal_ does; exp is the native kernel's
  // (glibc's, as PyTorch's).
  const buffer = emptyKernel([2 * n], float64, CPU);
  const draws = makeView(buffer, [n], [2], 0);
  withGenerator(generator, CPU, () => call.fillRandom(RandomKind.Normal, draws, mean, std));
  const values = draws.contiguous().exp_();
  buffer.dispose();
  draws.dispose();
  const laid = inIterationOrder(values, t);
  // A double becomes a float first, then a half or bfloat16: C++'s static_cast goes that way.
  const single = toDtype(laid, t.dtype === float64 ? float64 : float32);
  return toDtype(single, t.dtype);
}

/**
 * The dims of `t`, outermost first, in the order PyTorch's TensorIterator walks a lone
 * output (reorder_dimensions, as native/cpu/random.cc's iterationOrder): by stride, so that
 * a permuted tensor is filled in memory order; equal strides put the smaller dim inside,
 * and a zero stride decides nothing.
 */
function iterationOrder(t: Tensor): number[] {
  const nd = t._shape.length;
  const perm = Array.from({ length: nd }, (_, i) => nd - 1 - i); // innermost first
  const compare = (d0: number, d1: number): number => {
    const [s0, s1] = [t._strides[d0], t._strides[d1]];
    if (s0 === 0 || s1 === 0) return 0;
    if (s0 !== s1) return s0 < s1 ? -1 : 1;
    return t._shape[d0] > t._shape[d1] ? 1 : 0;
  };
  for (let i = 1; i < nd; i++) {
    let d1 = i;
    for (let d0 = i - 1; d0 >= 0; d0--) {
      const c = compare(perm[d0], perm[d1]);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  return perm.reverse();
}

/** `values`, one per element of `t` in iteration order, laid out in `t`'s shape. */
function inIterationOrder(values: Tensor, t: Tensor): Tensor {
  const order = iterationOrder(t);
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  return values.reshape(order.map((d) => t._shape[d])).permute(inverse);
}
