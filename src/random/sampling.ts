/**
 * Sampling functions beyond rand/randn/randint: `randperm`, `normal` (all overloads),
 * `bernoulli`, `multinomial`, `exponential_` and `randintLike`. Each consumes the
 * generator as PyTorch 1.13's CPU kernels do, so seeded runs print PyTorch's numbers.
 */
import * as call from '../native/calls.generated.js';
import { RandomKind } from '../native/enums.generated.js';
import { noGrad } from '../autograd/grad-mode.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import { random_, normal_, uniform_, type GeneratorOption } from '../ops/fill.js';
import { lt, mul, add } from '../ops/elementwise.js';
import { toDtype } from '../ops/shape.js';
import { broadcastShapes } from '../tensor/shape.js';
import { argumentError, checkBoolean, checkInteger, checkNumber, checkOptions, checkTensor } from '../tensor/args.js';
import { CPU } from '../tensor/device.js';
import { DType, bool, defaultFloat, float16, float32, float64, bfloat16, int64, scalarTypeName } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { fresh } from '../native/meta.js';
import { resolveRandomOptions, tensor, type RandomOptions } from '../tensor/creation.js';
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
    const u = emptyKernel(t.shape, float64, t.device);
    uniform_(u, 0, 1, { generator });
    const values = u.dataSync() as Float64Array;
    for (let i = 0; i < values.length; i++) values[i] = (-1 / lambd) * Math.log(1 - values[i]);
    u.dispose();
    const e = tensor(values, { dtype: float64, device: t.device }).reshape(t.shape);
    t.copy_(e);
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
    const u = emptyKernel(t.shape, float64, t.device);
    uniform_(u, 0, 1, { generator });
    // The kernel's expression, op by op in double (libm's tan, as PyTorch's).
    const c = u.sub(0.5).mul(Math.PI).tan().mul(s).add(m);
    u.dispose();
    t.copy_(c);
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
