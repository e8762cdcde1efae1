/**
 * `torch.nn.init` (torch 2.11): the in-place initialisers layers use for their weights.
 *
 * Each function draws from the same generator, with the same bounds and in the same
 * order as PyTorch, so that after `torch.manualSeed(n)` a flint model starts from the
 * weights the PyTorch model would. Where flint lacks a kernel (erfinv, QR, randperm)
 * the work is done in JS on the drawn values, never with a different random stream.
 * Arguments are PyTorch's, positional (`normal_(w, 0, 0.01)`) or as one options object
 * in place of the first optional one (`normal_(w, { std: 0.01 })`).
 */
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { empty, eye, tensor as makeTensor } from '../tensor/creation.js';
import { int32, bool } from '../tensor/dtype.js';
import { where } from '../ops/elementwise.js';
import { erfinv, normCdf } from './init-math.js';
import { argumentError, checkInteger, checkNumber, checkOptions, checkScalar, checkTensor, keysOf } from '../tensor/args.js';

const LINEAR_FNS = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'] as const;

/** The names `calculateGain` knows (PyTorch's `nn.functional` names). */
export type Nonlinearity = (typeof LINEAR_FNS)[number] | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Which fan Kaiming scales by: `'fan_in'` keeps forward variance, `'fan_out'` backward. */
export type FanMode = 'fan_in' | 'fan_out';

/** Options for {@link kaimingUniform_} and {@link kaimingNormal_}. */
export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity }
const KAIMING_KEYS = keysOf<KaimingOptions>()('a', 'mode', 'nonlinearity');

/** Options for {@link truncNormal_}. */
export interface TruncNormalOptions { mean?: number; std?: number; a?: number; b?: number }
const TRUNC_NORMAL_KEYS = keysOf<TruncNormalOptions>()('mean', 'std', 'a', 'b');

/**
 * Returns the options object when `value` is one (checking its keys as Python checks
 * keyword arguments), or null when the caller passed positional arguments.
 */
function optionsOf<T extends object>(fn: string, value: unknown, allowed: readonly (keyof T & string)[]): Partial<T> | null {
  if (typeof value !== 'object' || value === null || value instanceof Tensor || Array.isArray(value)) return null;
  checkOptions(value, fn, allowed);
  return value as Partial<T>;
}

/** Checks the tensor every initialiser fills, and the numbers it is given, naming `fn`. */
function checkArgs(fn: string, t: unknown, numbers: Record<string, unknown> = {}): asserts t is Tensor {
  checkTensor(t, fn, 'tensor');
  for (const name in numbers) checkNumber(numbers[name], fn, name);
}

function warn(message: string): void {
  // Python's warnings.warn: a notice that does not stop the initialisation.
  if (typeof process !== 'undefined' && typeof process.emitWarning === 'function') process.emitWarning(message);
}

/**
 * The recommended gain for a nonlinearity: the factor that keeps activations' variance
 * steady through it. `param` is leaky_relu's negative slope (0.01 when omitted).
 *
 * @example
 * init.calculateGain('relu');              // Math.SQRT2
 * init.calculateGain('leaky_relu', 0.2);   // Math.sqrt(2 / 1.04)
 * init.calculateGain('leaky_relu', { param: 0.2 });
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | { param?: number }): number {
  const opts = optionsOf<{ param: number }>('calculateGain', param, ['param']);
  if (opts) param = opts.param;
  if ((LINEAR_FNS as readonly string[]).includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let slope = 0.01;
    if (param !== undefined && param !== null) {
      if (typeof param !== 'number') throw new Error(`negative_slope ${String(param)} not a valid number`);
      slope = param;
    }
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  // SELU's 3/4 is PyTorch's empirical value (pytorch#50664), not a derived one.
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new Error(`Unsupported nonlinearity ${String(nonlinearity)}`);
}

/**
 * PyTorch's `_calculate_fan_in_and_fan_out`: for a conv weight `[out, in, ...kernel]`
 * each input feature map feeds `in * prod(kernel)` weights, hence the receptive field.
 *
 * @example
 * init.calculateFanInAndFanOut(torch.empty(16, 3, 5, 5)); // [75, 400]
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  checkTensor(t, 'calculateFanInAndFanOut', 'tensor');
  const shape = t.shape;
  if (shape.length < 2) throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  let receptive = 1;
  for (const s of shape.slice(2)) receptive *= s;
  return [shape[1] * receptive, shape[0] * receptive];
}

function correctFan(t: Tensor, mode: string): number {
  const m = String(mode).toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') {
    throw new Error(`Mode ${m} not supported, please use one of ['fan_in', 'fan_out']`);
  }
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return m === 'fan_in' ? fanIn : fanOut;
}

/**
 * Fills with U(a, b) without recording the graph, so it works on parameters.
 * @example
 * init.uniform_(w, -0.1, 0.1);
 * init.uniform_(w, { a: -0.1, b: 0.1 });
 */
export function uniform_(t: Tensor, a: number | { a?: number; b?: number } = 0, b = 1): Tensor {
  const opts = optionsOf<{ a: number; b: number }>('uniform_', a, ['a', 'b']);
  if (opts) ({ a = 0, b = 1 } = opts);
  checkArgs('uniform_', t, { a, b });
  const lo = a as number;
  return noGrad(() => t.uniform_(lo, b));
}

/**
 * Fills with N(mean, std²) without recording the graph.
 * @example
 * init.normal_(w, 0, 0.01);
 * init.normal_(w, { std: 0.01 });
 */
export function normal_(t: Tensor, mean: number | { mean?: number; std?: number } = 0, std = 1): Tensor {
  const opts = optionsOf<{ mean: number; std: number }>('normal_', mean, ['mean', 'std']);
  if (opts) ({ mean = 0, std = 1 } = opts);
  checkArgs('normal_', t, { mean, std });
  const m = mean as number;
  return noGrad(() => t.normal_(m, std));
}

/**
 * Fills with `val` (biases are commonly started at 0 or a small constant).
 * @example init.constant_(bias, 0.1)
 */
export function constant_(t: Tensor, val: number | { val: number }): Tensor {
  const opts = optionsOf<{ val: number }>('constant_', val, ['val']);
  const value = opts ? (opts.val as number) : (val as number);
  checkTensor(t, 'constant_', 'tensor');
  checkScalar(value, 'constant_', 'val');
  return noGrad(() => t.fill_(value));
}

/** Fills with ones (e.g. a norm layer's scale). @example init.ones_(ln.weight) */
export function ones_(t: Tensor): Tensor {
  checkArgs('ones_', t);
  return noGrad(() => t.fill_(1));
}

/** Fills with zeros (e.g. biases). @example init.zeros_(linear.bias) */
export function zeros_(t: Tensor): Tensor {
  checkArgs('zeros_', t);
  return noGrad(() => t.zero_());
}

/**
 * The identity on a 2-D weight, so a Linear layer starts by passing as many of its
 * inputs through unchanged as its shape allows.
 * @example init.eye_(torch.empty(3, 5))
 */
export function eye_(t: Tensor): Tensor {
  checkArgs('eye_', t);
  if (t.dim() !== 2) throw new Error('Only tensors with 2 dimensions are supported');
  const [n, m] = t.shape;
  return noGrad(() => t.copy_(eye(n, m, { dtype: t.dtype })));
}

/**
 * The Dirac delta on a conv weight (`[out, in, ...kernel]`), so a conv layer starts as
 * the identity on as many channels as it can; with `groups`, each group does.
 * @example
 * init.dirac_(torch.empty(3, 16, 5, 5));
 * init.dirac_(torch.empty(6, 2, 3), { groups: 3 });
 */
export function dirac_(t: Tensor, groups: number | { groups?: number } = 1): Tensor {
  const opts = optionsOf<{ groups: number }>('dirac_', groups, ['groups']);
  if (opts) ({ groups = 1 } = opts);
  checkArgs('dirac_', t);
  checkInteger(groups, 'dirac_', 'groups');
  if (groups < 1) throw argumentError('dirac_', 'groups', 'a positive integer', groups);
  const g = groups;
  const dims = t.dim();
  if (dims < 3 || dims > 5) throw new Error('Only tensors with 3, 4, or 5 dimensions are supported');
  const sizes = t.shape;
  if (sizes[0] % g !== 0) throw new Error('dim 0 must be divisible by groups');
  const perGroup = sizes[0] / g;
  const minDim = Math.min(perGroup, sizes[1]);
  const centre = sizes.slice(2).map((s) => Math.floor(s / 2));
  return noGrad(() => {
    t.zero_();
    for (let group = 0; group < g; group++) {
      for (let d = 0; d < minDim; d++) t.indexPut_([group * perGroup + d, d, ...centre], 1);
    }
    return t;
  });
}

/**
 * Glorot/Xavier uniform: U(±gain·√(6/(fan_in+fan_out))), which balances the forward and
 * backward variance of a tanh/sigmoid layer.
 * @example
 * init.xavierUniform_(w, init.calculateGain('tanh'));
 * init.xavierUniform_(w, { gain: 1 });
 */
export function xavierUniform_(t: Tensor, gain: number | { gain?: number } = 1): Tensor {
  const opts = optionsOf<{ gain: number }>('xavierUniform_', gain, ['gain']);
  if (opts) ({ gain = 1 } = opts);
  checkArgs('xavierUniform_', t, { gain });
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  // The bound is derived from the std in two steps, as PyTorch does, so that it rounds
  // to the same double and the samples match bit for bit.
  const std = (gain as number) * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return noGrad(() => t.uniform_(-a, a));
}

/**
 * Glorot/Xavier normal: N(0, std²) with std = gain·√(2/(fan_in+fan_out)).
 * @example init.xavierNormal_(w); init.xavierNormal_(w, { gain: 2 })
 */
export function xavierNormal_(t: Tensor, gain: number | { gain?: number } = 1): Tensor {
  const opts = optionsOf<{ gain: number }>('xavierNormal_', gain, ['gain']);
  if (opts) ({ gain = 1 } = opts);
  checkArgs('xavierNormal_', t, { gain });
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = (gain as number) * Math.sqrt(2.0 / (fanIn + fanOut));
  return noGrad(() => t.normal_(0, std));
}

function kaimingArgs(fn: string, t: unknown, a: number | KaimingOptions, mode: FanMode, nonlinearity: Nonlinearity) {
  const opts = optionsOf<KaimingOptions>(fn, a, KAIMING_KEYS);
  const args = opts ? { a: opts.a ?? 0, mode: opts.mode ?? 'fan_in', nonlinearity: opts.nonlinearity ?? 'leaky_relu' } : { a: a as number, mode, nonlinearity };
  checkArgs(fn, t, { a: args.a });
  return args;
}

/** The Kaiming std, or null for a zero-element tensor (PyTorch skips those with a warning). */
function kaimingStd(t: Tensor, a: number, mode: FanMode, nonlinearity: Nonlinearity): number | null {
  if (t.shape.includes(0)) {
    warn('Initializing zero-element tensors is a no-op');
    return null;
  }
  const fan = correctFan(t, mode);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(±gain·√(3/fan)), which keeps the variance of a ReLU-family layer.
 * `nn.Linear` and `nn.Conv*` start from `kaimingUniform_(w, Math.sqrt(5))`, i.e. U(±1/√fan_in).
 * @example
 * init.kaimingUniform_(w, Math.sqrt(5));
 * init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' });
 */
export function kaimingUniform_(
  t: Tensor,
  a: number | KaimingOptions = 0,
  mode: FanMode = 'fan_in',
  nonlinearity: Nonlinearity = 'leaky_relu',
): Tensor {
  const args = kaimingArgs('kaimingUniform_', t, a, mode, nonlinearity);
  const std = kaimingStd(t, args.a, args.mode, args.nonlinearity);
  if (std === null) return t;
  const bound = Math.sqrt(3.0) * std;
  return noGrad(() => t.uniform_(-bound, bound));
}

/**
 * He/Kaiming normal: N(0, std²) with std = gain/√fan.
 * @example
 * init.kaimingNormal_(w, 0, 'fan_out', 'relu');
 * init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
 */
export function kaimingNormal_(
  t: Tensor,
  a: number | KaimingOptions = 0,
  mode: FanMode = 'fan_in',
  nonlinearity: Nonlinearity = 'leaky_relu',
): Tensor {
  const args = kaimingArgs('kaimingNormal_', t, a, mode, nonlinearity);
  const std = kaimingStd(t, args.a, args.mode, args.nonlinearity);
  if (std === null) return t;
  return noGrad(() => t.normal_(0, std));
}

/** Writes JS-computed values into `t` in its own dtype and layout. */
function writeBack(t: Tensor, values: Float64Array): void {
  t.copy_(makeTensor(values, { dtype: t.dtype }).view(t.shape));
}

/**
 * Truncated normal on [a, b] by inverse-CDF sampling: each value is drawn once (no
 * rejection loop), which keeps the random stream PyTorch's: uniform_ on
 * [2Φ(α)-1, 2Φ(β)-1], erfinv, scale by std·√2, shift by mean, clamp to [a, b].
 * Note that a and b are absolute bounds, not multiples of std.
 * @example
 * init.truncNormal_(w, 0, 0.02);           // ViT-style, cut at ±2 (absolute)
 * init.truncNormal_(w, { std: 0.02, a: -0.04, b: 0.04 });
 */
export function truncNormal_(t: Tensor, mean: number | TruncNormalOptions = 0, std = 1, a = -2, b = 2): Tensor {
  const opts = optionsOf<TruncNormalOptions>('truncNormal_', mean, TRUNC_NORMAL_KEYS);
  if (opts) ({ mean = 0, std = 1, a = -2, b = 2 } = opts);
  checkArgs('truncNormal_', t, { mean, std, a, b });
  const m = mean as number;
  if (m < a - 2 * std || m > b + 2 * std) {
    warn('mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.');
  }
  return noGrad(() => {
    const l = normCdf((a - m) / std);
    const u = normCdf((b - m) / std);
    t.uniform_(2 * l - 1, 2 * u - 1);
    // flint has no erfinv kernel; the draw above stays on the tensor's generator.
    const drawn = t.dataSync() as Float32Array | Float64Array;
    const values = new Float64Array(drawn.length);
    for (let i = 0; i < drawn.length; i++) values[i] = erfinv(drawn[i]);
    writeBack(t, values);
    t.mul_(std * Math.sqrt(2));
    t.add_(m);
    return t.clamp_(a, b);
  });
}

/**
 * Orthonormal columns of the row-major m×n matrix `a` (m ≥ n) by Householder QR, with
 * column j multiplied by sign(R[j][j]): that makes Q unique (Mezzadri 2007), so it does
 * not depend on the QR routine's sign conventions and matches LAPACK's after the same fix.
 */
function signedQ(a: Float64Array, m: number, n: number): Float64Array {
  const reflectors: (Float64Array | null)[] = [];
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    // LAPACK's geqrf: R[k][k] = -sign(alpha)·‖x‖, which avoids cancellation in v[0].
    const r = a[k * n + k] > 0 ? -norm : norm;
    diag[k] = r;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k];
    v[0] -= r;
    let vv = 0;
    for (const x of v) vv += x * x;
    if (vv === 0) {
      reflectors.push(null);
      continue;
    }
    for (let j = k + 1; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * a[i * n + j];
      const f = (2 * s) / vv;
      for (let i = k; i < m; i++) a[i * n + j] -= f * v[i - k];
    }
    reflectors.push(v.map((x) => x / Math.sqrt(vv / 2)));
  }
  // Q = H0·H1·…·H(n-1)·[I; 0], applied right to left.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = reflectors[k];
    if (v === null) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * q[i * n + j];
      for (let i = k; i < m; i++) q[i * n + j] -= s * v[i - k];
    }
  }
  for (let j = 0; j < n; j++) {
    const sign = Math.sign(diag[j]);
    for (let i = 0; i < m; i++) q[i * n + j] *= sign;
  }
  return q;
}

/**
 * A (semi-)orthogonal matrix (Saxe et al. 2013), trailing dims flattened, times `gain`:
 * it preserves norms, which helps deep and recurrent nets. Q comes from the QR of a
 * N(0, 1) matrix drawn as PyTorch draws it; the QR runs in float64.
 * @example
 * init.orthogonal_(w);
 * init.orthogonal_(rnn.weightHh, { gain: init.calculateGain('tanh') });
 */
export function orthogonal_(t: Tensor, gain: number | { gain?: number } = 1): Tensor {
  const opts = optionsOf<{ gain: number }>('orthogonal_', gain, ['gain']);
  if (opts) ({ gain = 1 } = opts);
  checkArgs('orthogonal_', t, { gain });
  const g = gain as number;
  if (t.dim() < 2) throw new Error('Only tensors with 2 or more dimensions are supported');
  if (t.numel() === 0) return t;
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  return noGrad(() => {
    const drawn = empty([rows, cols], { dtype: t.dtype, device: t.device }).normal_(0, 1);
    const flat = drawn.dataSync() as Float32Array | Float64Array;
    drawn.dispose();
    // A wide matrix is factored transposed, so Q has orthonormal rows instead.
    const wide = rows < cols;
    const m = wide ? cols : rows;
    const n = wide ? rows : cols;
    const a = new Float64Array(m * n);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) a[wide ? c * n + r : r * n + c] = flat[r * cols + c];
    }
    const q = signedQ(a, m, n);
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = wide ? q[c * n + r] : q[r * n + c];
    }
    writeBack(t, out);
    return t.mul_(g);
  });
}

/**
 * Sparse init (Martens 2010): N(0, std²), then ceil(sparsity·rows) zeros in every
 * column. The zeroed rows come from one `randperm(rows)` per column, reproduced from
 * the generator's raw 32-bit draws with PyTorch's shuffle, so the zeros fall where
 * PyTorch puts them.
 * @example
 * init.sparse_(w, 0.1);
 * init.sparse_(w, 0.1, { std: 0.02 });
 */
export function sparse_(
  t: Tensor,
  sparsity: number | { sparsity: number; std?: number },
  std: number | { std?: number } = 0.01,
): Tensor {
  const first = optionsOf<{ sparsity: number; std: number }>('sparse_', sparsity, ['sparsity', 'std']);
  if (first) ({ sparsity = undefined as unknown as number, std = 0.01 } = first);
  const second = optionsOf<{ std: number }>('sparse_', std, ['std']);
  if (second) ({ std = 0.01 } = second);
  checkArgs('sparse_', t, { sparsity, std });
  if (t.dim() !== 2) throw new Error('Only tensors with 2 dimensions are supported');
  const [rows, cols] = t.shape;
  const numZeros = Math.min(Math.ceil((sparsity as number) * rows), rows);
  const s = std as number;
  return noGrad(() => {
    t.normal_(0, s);
    // PyTorch's randperm (n < 2^32/20): for i < n-1, z = random() % (n-i), swap r[i], r[i+z].
    // An int32 random_ over the whole int32 range yields random() - 2^31 exactly. Every
    // column draws its n-1 values even when nothing is zeroed, as PyTorch's loop does.
    const steps = rows - 1;
    const draws = empty([Math.max(steps, 0)], { dtype: int32 });
    const mask = new Uint8Array(rows * cols);
    const perm = new Int32Array(rows);
    for (let c = 0; c < cols && steps > 0; c++) {
      const raw = draws.random_(-(2 ** 31), 2 ** 31).dataSync() as Int32Array;
      for (let i = 0; i < rows; i++) perm[i] = i;
      // Position i is final after step i, so only the first numZeros steps matter.
      for (let i = 0; i < Math.min(numZeros, steps); i++) {
        const z = (raw[i] + 2 ** 31) % (rows - i);
        const keep = perm[i];
        perm[i] = perm[i + z];
        perm[i + z] = keep;
      }
      for (let i = 0; i < numZeros; i++) mask[perm[i] * cols + c] = 1;
    }
    if (steps === 0) mask.fill(numZeros > 0 ? 1 : 0);
    draws.dispose();
    if (numZeros <= 0) return t;
    return t.copy_(where(makeTensor(mask, { dtype: bool }).view(rows, cols), 0, t));
  });
}

// The deprecated names without the underscore (init-deprecated.ts).
export * from './init-deprecated.js';
