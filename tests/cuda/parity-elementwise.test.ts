/**
 * CUDA vs CPU, op by op (elementwise ops and casts): the same seeded inputs are
 * computed on the CPU and on the GPU (moved with `.cuda()`; views are taken on each
 * device) and the GPU's results must match the CPU's: float32 within atol 1e-6 + rtol
 * 1e-5, float64 within 1e-12 + 1e-10, integers and bool exactly. Each sweep covers the
 * dtypes where the op is valid (where the CPU throws for a dtype, the GPU must throw too)
 * and strided, broadcast, empty and 0-d inputs, and reports every mismatching case at once.
 */
import { describe, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import {
  DEV,
  DEV_NAME,
  DTYPES,
  DTYPE_NAMES,
  Failures,
  LAYOUTS,
  TOL_F16,
  TOL_BF16,
  cudaGate,
  mismatch,
  mulberry32,
  parity,
  randomTensor,
  type DTypeName,
  type RandomOptions,
  type Tol,
} from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const F = torch.nn.functional;

/** Methods the brief lists that the API may not have yet: tested when present. */
const proto = torch.Tensor.prototype as unknown as Record<string, unknown>;
const hasMethod = (name: string): boolean => typeof proto[name] === 'function';
const call = (x: Tensor, name: string, ...args: unknown[]): Tensor =>
  (x as unknown as Record<string, (...a: unknown[]) => Tensor>)[name](...args);

const isFloat = (d: DTypeName): boolean => d === 'float32' || d === 'float64';

// ------------------------------------------------------------------ elementwise

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  method?: string;
  /** Defined on integers and bool only (bitwiseNot): float inputs must throw on both devices. */
  integerOnly?: boolean;
}

const UNARY: UnaryCase[] = [
  { name: 'neg', fn: (x) => x.neg() },
  { name: 'abs', fn: (x) => x.abs() },
  { name: 'exp', fn: (x) => x.exp() },
  { name: 'log', fn: (x) => x.log() },
  { name: 'sqrt', fn: (x) => x.sqrt() },
  { name: 'sin', fn: (x) => x.sin() },
  { name: 'cos', fn: (x) => x.cos() },
  { name: 'relu', fn: (x) => x.relu() },
  { name: 'sigmoid', fn: (x) => x.sigmoid() },
  { name: 'tanh', fn: (x) => x.tanh() },
  { name: 'clamp(-1, 2)', fn: (x) => x.clamp(-1, 2) },
  { name: 'clamp({min: 0.5})', fn: (x) => x.clamp({ min: 0.5 }) },
  { name: 'clamp(null, 1)', fn: (x) => x.clamp(null, 1) },
  { name: 'sign', fn: (x) => x.sign() },
  { name: 'floor', fn: (x) => x.floor() },
  { name: 'ceil', fn: (x) => x.ceil() },
  { name: 'round', fn: (x) => x.round() },
  { name: 'rsqrt', fn: (x) => x.rsqrt() },
  { name: 'reciprocal', fn: (x) => x.reciprocal() },
  { name: 'logicalNot', fn: (x) => x.logicalNot() },
  { name: 'erf', fn: (x) => x.erf() },
  { name: 'square', fn: (x) => x.square() },
  { name: 'log1p', fn: (x) => x.log1p() },
  { name: "trunc (div roundingMode 'trunc')", fn: (x) => x.div(1, { roundingMode: 'trunc' }) },
  { name: 'trunc', fn: (x) => call(x, 'trunc'), method: 'trunc' },
  { name: 'expm1', fn: (x) => call(x, 'expm1'), method: 'expm1' },
  { name: 'F.gelu', fn: (x) => F.gelu(x) },
  { name: "F.gelu tanh", fn: (x) => F.gelu(x, { approximate: 'tanh' }) },
  { name: 'F.silu', fn: (x) => F.silu(x) },
  { name: 'F.leakyRelu(0.2)', fn: (x) => F.leakyRelu(x, 0.2) },
  // unary-math.ts and activations-more.ts
  ...['tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'log2', 'log10', 'exp2', 'isnan', 'isinf', 'isfinite', 'nanToNum'].map(
    (m): UnaryCase => ({ name: m, fn: (x) => call(x, m), method: m }),
  ),
  { name: 'frac', fn: (x) => x.frac() },
  { name: 'F.softplus(2, 5)', fn: (x) => F.softplus(x, 2, 5) },
  { name: 'F.elu(0.5)', fn: (x) => F.elu(x, 0.5) },
  { name: 'F.selu', fn: (x) => F.selu(x) },
  { name: 'F.celu(2)', fn: (x) => F.celu(x, 2) },
  { name: 'F.hardtanh(-2, 3)', fn: (x) => F.hardtanh(x, -2, 3) },
  { name: 'F.hardsigmoid', fn: (x) => F.hardsigmoid(x) },
  { name: 'F.hardswish', fn: (x) => F.hardswish(x) },
  { name: 'F.mish', fn: (x) => F.mish(x) },
  { name: 'F.logsigmoid', fn: (x) => F.logsigmoid(x) },
  { name: 'F.hardshrink', fn: (x) => F.hardshrink(x) },
  { name: 'F.softshrink', fn: (x) => F.softshrink(x) },
  { name: 'F.threshold(0.1, 20)', fn: (x) => F.threshold(x, 0.1, 20) },
  // special.ts (erfinv's CUDA kernel is the device's intrinsic, as PyTorch's)
  { name: 'lgamma', fn: (x) => x.lgamma() },
  { name: 'digamma', fn: (x) => x.digamma() },
  { name: 'polygamma(1)', fn: (x) => x.polygamma(1) },
  { name: 'polygamma(3)', fn: (x) => x.polygamma(3) },
  { name: 'erfc', fn: (x) => x.erfc() },
  { name: 'erfinv', fn: (x) => x.erfinv() },
  { name: 'i0', fn: (x) => torch.i0(x) },
  { name: 'bitwiseNot', fn: (x) => torch.bitwiseNot(x), integerOnly: true },
  ...[
    'ndtri', 'besselJ0', 'besselJ1', 'besselY0', 'besselY1', 'modifiedBesselI0', 'modifiedBesselI1', 'modifiedBesselK0',
    'modifiedBesselK1', 'scaledModifiedBesselK0', 'scaledModifiedBesselK1', 'sphericalBesselJ0', 'airyAi',
  ].map((name): UnaryCase => ({ name, fn: (x) => (torch.special as unknown as Record<string, (t: Tensor) => Tensor>)[name]!(x) })),
  { name: 'special.i0e', fn: (x) => torch.special.i0e(x) },
  { name: 'special.i1', fn: (x) => torch.special.i1(x) },
  { name: 'special.i1e', fn: (x) => torch.special.i1e(x) },
  { name: 'special.erfcx', fn: (x) => torch.special.erfcx(x) },
  { name: 'special.logNdtr', fn: (x) => torch.special.logNdtr(x) },
  // composed from the kernels above (ops/special.ts, ops/math-extras.ts)
  { name: 'mvlgamma(2)', fn: (x) => x.mvlgamma(2) },
  { name: 'sinc', fn: (x) => x.sinc() },
  { name: 'special.entr', fn: (x) => torch.special.entr(x) },
  { name: 'rad2deg', fn: (x) => x.rad2deg() },
  { name: 'signbit', fn: (x) => x.signbit() },
];

interface BinaryCase {
  name: string;
  fn: (a: Tensor, b: Tensor) => Tensor;
  a?: (d: DTypeName) => RandomOptions;
  b?: (d: DTypeName) => RandomOptions;
  method?: string;
  /** Defined on integers only (gcd, lcm): float inputs must throw on both devices. */
  integerOnly?: boolean;
}

const nonzeroDivisor = (d: DTypeName): RandomOptions => (isFloat(d) ? { specials: true } : { nonzero: true, lo: d === 'uint8' ? 1 : -7, hi: 7 });
const floatSpecials = (d: DTypeName): RandomOptions => (isFloat(d) ? { specials: true } : {});

const BINARY: BinaryCase[] = [
  { name: 'add', fn: (a, b) => a.add(b) },
  { name: 'add alpha=2', fn: (a, b) => a.add(b, { alpha: 2 }) },
  { name: 'add alpha=-0.5', fn: (a, b) => a.add(b, { alpha: -0.5 }) },
  { name: 'sub', fn: (a, b) => a.sub(b) },
  { name: 'sub alpha=3', fn: (a, b) => a.sub(b, { alpha: 3 }) },
  { name: 'mul', fn: (a, b) => a.mul(b) },
  { name: 'div', fn: (a, b) => a.div(b), b: nonzeroDivisor },
  { name: "div floor", fn: (a, b) => a.div(b, { roundingMode: 'floor' }), b: nonzeroDivisor },
  { name: "div trunc", fn: (a, b) => a.div(b, { roundingMode: 'trunc' }), b: nonzeroDivisor },
  {
    name: 'pow',
    fn: (a, b) => a.pow(b),
    a: (d) => (isFloat(d) ? { lo: 0.1, hi: 3, specials: true } : { lo: d === 'uint8' ? 0 : -5, hi: 5 }),
    b: (d) => (isFloat(d) ? { lo: -2, hi: 3 } : { lo: 0, hi: 3 }),
  },
  { name: 'maximum', fn: (a, b) => a.maximum(b), a: floatSpecials },
  { name: 'minimum', fn: (a, b) => a.minimum(b), a: floatSpecials },
  { name: 'eq', fn: (a, b) => a.eq(b), a: (d) => (isFloat(d) ? { lo: -2, hi: 2 } : { lo: 0, hi: 3 }), b: (d) => (isFloat(d) ? { lo: -2, hi: 2 } : { lo: 0, hi: 3 }) },
  { name: 'ne', fn: (a, b) => a.ne(b), a: (d) => (isFloat(d) ? { specials: true } : { lo: 0, hi: 3 }), b: (d) => (isFloat(d) ? {} : { lo: 0, hi: 3 }) },
  { name: 'gt', fn: (a, b) => a.gt(b), a: floatSpecials },
  { name: 'ge', fn: (a, b) => a.ge(b), a: (d) => (isFloat(d) ? {} : { lo: 0, hi: 3 }), b: (d) => (isFloat(d) ? {} : { lo: 0, hi: 3 }) },
  { name: 'lt', fn: (a, b) => a.lt(b), a: floatSpecials },
  { name: 'le', fn: (a, b) => a.le(b), a: (d) => (isFloat(d) ? {} : { lo: 0, hi: 3 }), b: (d) => (isFloat(d) ? {} : { lo: 0, hi: 3 }) },
  { name: 'logicalAnd', fn: (a, b) => a.logicalAnd(b), a: (d) => (isFloat(d) ? { specials: true } : { lo: 0, hi: 2 }), b: (d) => (d === 'bool' ? {} : { lo: 0, hi: 2 }) },
  { name: 'logicalOr', fn: (a, b) => a.logicalOr(b), a: (d) => (isFloat(d) ? { specials: true } : { lo: 0, hi: 2 }), b: (d) => (d === 'bool' ? {} : { lo: 0, hi: 2 }) },
  { name: 'atan2', fn: (a, b) => call(a, 'atan2', b), method: 'atan2', a: floatSpecials },
  { name: 'remainder', fn: (a, b) => call(a, 'remainder', b), method: 'remainder', b: nonzeroDivisor },
  { name: 'floorDivide', fn: (a, b) => call(a, 'floorDivide', b), method: 'floorDivide', b: nonzeroDivisor },
  // binary-math.ts
  { name: 'hypot', fn: (a, b) => call(a, 'hypot', b), method: 'hypot', a: floatSpecials },
  { name: 'logaddexp', fn: (a, b) => call(a, 'logaddexp', b), method: 'logaddexp', a: floatSpecials },
  { name: 'logaddexp2', fn: (a, b) => call(a, 'logaddexp2', b), method: 'logaddexp2', a: floatSpecials },
  { name: 'xlogy', fn: (a, b) => call(a, 'xlogy', b), method: 'xlogy', a: floatSpecials },
  { name: 'fmod', fn: (a, b) => call(a, 'fmod', b), method: 'fmod', b: nonzeroDivisor },
  { name: 'copysign', fn: (a, b) => call(a, 'copysign', b), method: 'copysign', b: floatSpecials },
  { name: 'gcd', fn: (a, b) => torch.gcd(a, b), integerOnly: true },
  { name: 'lcm', fn: (a, b) => torch.lcm(a, b), integerOnly: true },
  { name: 'bitwiseAnd', fn: (a, b) => torch.bitwiseAnd(a, b), integerOnly: true },
  { name: 'bitwiseOr', fn: (a, b) => torch.bitwiseOr(a, b), integerOnly: true },
  { name: 'bitwiseXor', fn: (a, b) => torch.bitwiseXor(a, b), integerOnly: true },
  { name: 'gammainc', fn: (a, b) => torch.special.gammainc(a, b), a: floatSpecials, b: floatSpecials },
  { name: 'gammaincc', fn: (a, b) => torch.special.gammaincc(a, b), a: floatSpecials, b: floatSpecials },
  { name: 'zeta', fn: (a, b) => torch.special.zeta(a, b), a: floatSpecials, b: floatSpecials },
  // Degrees in [-3, 12] (a random float degree of 1e15 would loop that long on both devices).
  ...[
    'chebyshevPolynomialT', 'chebyshevPolynomialU', 'chebyshevPolynomialV', 'chebyshevPolynomialW', 'shiftedChebyshevPolynomialT',
    'shiftedChebyshevPolynomialU', 'shiftedChebyshevPolynomialV', 'shiftedChebyshevPolynomialW', 'hermitePolynomialH',
    'hermitePolynomialHe', 'laguerrePolynomialL', 'legendrePolynomialP',
  ].map((name): BinaryCase => ({
    name,
    fn: (a, b) => (torch.special as unknown as Record<string, (x: Tensor, n: Tensor) => Tensor>)[name]!(a, b),
    a: floatSpecials,
    b: () => ({ lo: -3, hi: 12 }),
  })),
  // Amounts beyond the width included: both devices must give PyTorch 2.x's defined values.
  { name: 'bitwiseLeftShift', fn: (a, b) => torch.bitwiseLeftShift(a, b), integerOnly: true },
  { name: 'bitwiseRightShift', fn: (a, b) => torch.bitwiseRightShift(a, b), integerOnly: true },
  { name: 'nextafter', fn: (a, b) => torch.nextafter(a, b), a: floatSpecials, b: floatSpecials },
];

/** Operand shapes and views for binary ops (the views are taken inside the op). */
interface BinaryLayout {
  name: string;
  a: number[];
  b: number[];
  view(a: Tensor, b: Tensor): [Tensor, Tensor];
}

const BINARY_LAYOUTS: BinaryLayout[] = [
  { name: 'contiguous', a: [4, 5], b: [4, 5], view: (a, b) => [a, b] },
  { name: 'both transposed', a: [5, 4], b: [5, 4], view: (a, b) => [a.t(), b.t()] },
  { name: 'transposed with contiguous', a: [5, 4], b: [4, 5], view: (a, b) => [a.t(), b] },
  { name: 'narrow and select', a: [4, 7], b: [3, 4, 5], view: (a, b) => [a.narrow(1, 2, 5), b.select(0, 1)] },
  { name: 'expand', a: [1, 5], b: [4, 5], view: (a, b) => [a.expand(4, 5), b] },
  { name: 'broadcast [3,1,5] with [4,5]', a: [3, 1, 5], b: [4, 5], view: (a, b) => [a, b] },
  { name: 'broadcast [4,1] with [1,5]', a: [4, 1], b: [1, 5], view: (a, b) => [a, b] },
  { name: 'broadcast [4,5] with [5]', a: [4, 5], b: [5], view: (a, b) => [a, b] },
  { name: 'tensor with 0-d', a: [4, 5], b: [], view: (a, b) => [a, b] },
  { name: '0-d with 0-d', a: [], b: [], view: (a, b) => [a, b] },
  { name: 'empty [0,3] with [1,3]', a: [0, 3], b: [1, 3], view: (a, b) => [a, b] },
  { name: 'large strided [300,257]', a: [300, 257], b: [257, 300], view: (a, b) => [a, b.t()] },
];

const MIXED_PAIRS: [DTypeName, DTypeName][] = [
  ['int64', 'float32'],
  ['int32', 'float64'],
  ['uint8', 'int64'],
  ['bool', 'float32'],
  ['bool', 'int32'],
  ['float32', 'float64'],
  ['int32', 'int64'],
  ['uint8', 'int32'],
];

describe.skipIf(!run)(`elementwise ops: ${DEV} vs cpu`, () => {
  for (const op of UNARY) {
    it.skipIf(op.method !== undefined && !hasMethod(op.method))(`unary ${op.name}: every dtype and layout`, () => {
      const rng = mulberry32(101);
      const failures = new Failures();
      for (const dname of DTYPE_NAMES) {
        for (const layout of LAYOUTS) {
          const x = randomTensor(rng, layout.baseShape, DTYPES[dname], { specials: true });
          const ok = failures.add(parity(`${op.name} ${dname} ${layout.name}`, [x], (t) => op.fn(layout.make(t)), { allowErrors: op.integerOnly === true || !isFloat(dname) }));
          if (!ok && isFloat(dname) && op.integerOnly !== true) failures.list.push(`${op.name} ${dname}: the CPU threw`);
        }
      }
      failures.check();
    });
  }

  for (const op of BINARY) {
    it.skipIf(op.method !== undefined && !hasMethod(op.method))(`binary ${op.name}: tensor-tensor, every dtype, layout and broadcast`, () => {
      const rng = mulberry32(202);
      const failures = new Failures();
      for (const dname of DTYPE_NAMES) {
        const dtype = DTYPES[dname];
        for (const layout of BINARY_LAYOUTS) {
          const a = randomTensor(rng, layout.a, dtype, op.a?.(dname) ?? {});
          const b = randomTensor(rng, layout.b, dtype, op.b?.(dname) ?? {});
          failures.add(
            parity(`${op.name} ${dname} ${layout.name}`, [a, b], (x, y) => op.fn(...layout.view(x, y)), { allowErrors: op.integerOnly === true || !isFloat(dname) }),
          );
        }
      }
      for (const [da, db] of MIXED_PAIRS) {
        const a = randomTensor(rng, [4, 5], DTYPES[da], op.a?.(da) ?? {});
        const b = randomTensor(rng, [4, 5], DTYPES[db], op.b?.(db) ?? {});
        failures.add(parity(`${op.name} ${da} with ${db}`, [a, b], op.fn, { allowErrors: true }));
        failures.add(parity(`${op.name} ${db} with ${da} (0-d)`, [b, a.sum().to(DTYPES[da])], op.fn, { allowErrors: true }));
      }
      failures.check();
    });
  }

  it('tensor-scalar forms, every dtype and layout', () => {
    const rng = mulberry32(303);
    const failures = new Failures();
    const SCALAR: [string, (x: Tensor) => Tensor][] = [
      ['add(2)', (x) => x.add(2)],
      ['add(2.5)', (x) => x.add(2.5)],
      ['add(3, alpha=2)', (x) => x.add(3, { alpha: 2 })],
      ['sub(1, alpha=2)', (x) => x.sub(1, { alpha: 2 })],
      ['rsub(1)', (x) => x.rsub(1)],
      ['mul(3)', (x) => x.mul(3)],
      ['mul(-1.5)', (x) => x.mul(-1.5)],
      ['mul(true)', (x) => x.mul(true)],
      ['div(3)', (x) => x.div(3)],
      ['div(-2, floor)', (x) => x.div(-2, { roundingMode: 'floor' })],
      ['div(2, trunc)', (x) => x.div(2, { roundingMode: 'trunc' })],
      ['div(0)', (x) => x.div(0)],
      ['pow(2)', (x) => x.pow(2)],
      ['pow(3)', (x) => x.pow(3)],
      ['pow(0.5)', (x) => x.pow(0.5)],
      ['pow(-1)', (x) => x.pow(-1)],
      ['pow(0)', (x) => x.pow(0)],
      ['torch.pow(2, x)', (x) => torch.pow(2, x)],
      ['eq(1)', (x) => x.eq(1)],
      ['ne(0)', (x) => x.ne(0)],
      ['gt(0.5)', (x) => x.gt(0.5)],
      ['ge(1)', (x) => x.ge(1)],
      ['lt(-0.5)', (x) => x.lt(-0.5)],
      ['le(2)', (x) => x.le(2)],
      ['maximum(0-d 1)', (x) => x.maximum(torch.tensor(1, { device: x.device }))],
    ];
    if (hasMethod('remainder')) SCALAR.push(['remainder(3)', (x) => call(x, 'remainder', 3)], ['remainder(-2.5)', (x) => call(x, 'remainder', -2.5)]);
    if (hasMethod('floorDivide')) SCALAR.push(['floorDivide(3)', (x) => call(x, 'floorDivide', 3)]);
    if (hasMethod('atan2')) SCALAR.push(['atan2(0-d)', (x) => call(x, 'atan2', torch.tensor(0.5, { device: x.device }))]);
    for (const [name, fn] of SCALAR) {
      for (const dname of DTYPE_NAMES) {
        for (const layout of LAYOUTS) {
          const x = randomTensor(rng, layout.baseShape, DTYPES[dname], isFloat(dname) ? { specials: true } : { lo: dname === 'uint8' ? 0 : -6, hi: 6 });
          const ok = failures.add(parity(`${name} ${dname} ${layout.name}`, [x], (t) => fn(layout.make(t)), { allowErrors: true }));
          if (!ok && isFloat(dname) && !name.startsWith('maximum')) failures.list.push(`${name} ${dname}: the CPU threw`);
        }
      }
    }
    failures.check();
  });

  it('where: every dtype, layouts, broadcasting and scalar operands', () => {
    const rng = mulberry32(404);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      for (const layout of LAYOUTS) {
        const c = randomTensor(rng, layout.baseShape, torch.bool);
        const a = randomTensor(rng, layout.baseShape, dtype, { specials: true });
        const b = randomTensor(rng, layout.baseShape, dtype);
        failures.add(parity(`where ${dname} ${layout.name}`, [c, a, b], (cc, aa, bb) => torch.where(layout.make(cc), layout.make(aa), layout.make(bb))));
        failures.add(parity(`where(c, x, 0) ${dname} ${layout.name}`, [c, a], (cc, aa) => torch.where(layout.make(cc), layout.make(aa), 0)));
        failures.add(parity(`where(c, 1.5, x) ${dname} ${layout.name}`, [c, a], (cc, aa) => torch.where(layout.make(cc), 1.5, layout.make(aa))));
      }
      const c = randomTensor(rng, [4, 1], torch.bool);
      const a = randomTensor(rng, [1, 5], dtype);
      const b = randomTensor(rng, [], dtype);
      failures.add(parity(`where broadcast ${dname}`, [c, a, b], (cc, aa, bb) => torch.where(cc, aa, bb)));
    }
    const c = randomTensor(rng, [4, 5], torch.bool);
    failures.add(parity('where int64 with float32', [c, randomTensor(rng, [4, 5], torch.int64), randomTensor(rng, [4, 5], torch.float32)], (cc, aa, bb) => torch.where(cc, aa, bb)));
    failures.check();
  });

  it('float16 and bfloat16 inputs (computed in float32, rounded back)', () => {
    const rng = mulberry32(505);
    const failures = new Failures();
    for (const [dtype, tol] of [[torch.float16, TOL_F16], [torch.bfloat16, TOL_BF16]] as [torch.DType, Tol][]) {
      for (const layout of LAYOUTS) {
        const x = randomTensor(rng, layout.baseShape, dtype, { specials: true });
        const y = randomTensor(rng, layout.baseShape, dtype);
        for (const op of UNARY.filter((u) => ['neg', 'abs', 'exp', 'sigmoid', 'tanh', 'relu', 'sqrt', 'round'].includes(u.name))) {
          failures.add(parity(`${op.name} ${dtype.name} ${layout.name}`, [x], (t) => op.fn(layout.make(t)), { tol }));
        }
        failures.add(parity(`add ${dtype.name} ${layout.name}`, [x, y], (a, b) => layout.make(a).add(layout.make(b)), { tol }));
        failures.add(parity(`mul ${dtype.name} ${layout.name}`, [x, y], (a, b) => layout.make(a).mul(layout.make(b)), { tol }));
        failures.add(parity(`gt ${dtype.name} ${layout.name}`, [x, y], (a, b) => layout.make(a).gt(layout.make(b)), { tol }));
      }
    }
    failures.check();
  });
});

// ------------------------------------------------------------------ casts and creation

/**
 * Casts are exact, except float64 -> float16/bfloat16, which may round once (directly) or
 * twice (through float32) and so differ by one unit in the last place.
 */
function castTol(from: torch.DType, to: torch.DType): Tol | null {
  if (from === torch.float64 && to === torch.float16) return { rtol: 2 ** -10, atol: 2 ** -24 };
  if (from === torch.float64 && to === torch.bfloat16) return { rtol: 2 ** -7, atol: 0 };
  return null;
}

const CAST_DTYPES: torch.DType[] = [torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool, torch.float16, torch.bfloat16];

describe.skipIf(!run)(`casts and creation: ${DEV} vs cpu`, () => {
  it('casts between all dtypes, contiguous and strided', () => {
    const rng = mulberry32(606);
    const failures = new Failures();
    for (const from of CAST_DTYPES) {
      for (const to of CAST_DTYPES) {
        // Values every dtype holds (float -> uint8 of a negative value is undefined in C).
        const x = randomTensor(rng, [6, 5], from.isFloatingPoint ? torch.float64 : from, from.isFloatingPoint ? { lo: 0, hi: 100 } : { lo: 0, hi: 100 }).to(from);
        const tol = castTol(from, to);
        failures.add(parity(`${from.name} -> ${to.name}`, [x], (t) => t.to(to), { tol }));
        failures.add(parity(`${from.name} -> ${to.name} transposed`, [x], (t) => t.t().to(to), { tol }));
        failures.add(parity(`${from.name} -> ${to.name} narrow`, [x], (t) => t.narrow(1, 1, 3).to(to), { tol }));
        failures.add(parity(`${from.name} -> ${to.name} empty`, [x.narrow(0, 0, 0)], (t) => t.to(to), { tol }));
        failures.add(parity(`${from.name} -> ${to.name} 0-d`, [x.select(0, 1).select(0, 1)], (t) => t.to(to), { tol }));
      }
    }
    // Signed values among signed and floating dtypes; exact special values among floats.
    const signed = [torch.float32, torch.float64, torch.int64, torch.int32, torch.float16, torch.bfloat16];
    for (const from of signed) {
      for (const to of signed) {
        const x = randomTensor(rng, [5, 7], torch.float64, { lo: -100, hi: 100 }).to(from);
        failures.add(parity(`${from.name} -> ${to.name} signed`, [x], (t) => t.to(to), { tol: castTol(from, to) }));
      }
    }
    const specials = torch.tensor([0, -0, 65504, 70000, 1e-6, 1e-8, -Infinity, Infinity, NaN, 0.1, 1 / 3, 3.0e38, -2.5, 0.5, 1.5, 2.5], { dtype: torch.float64 });
    for (const from of [torch.float32, torch.float64]) {
      for (const to of [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.bool]) {
        failures.add(parity(`${from.name} -> ${to.name} special values`, [specials.to(from)], (t) => t.to(to), { tol: castTol(from, to) }));
      }
    }
    failures.check();
  });

  it('creation functions on the device equal their CPU results', () => {
    const failures = new Failures();
    const CREATE: [string, (o: torch.CreationOptions) => Tensor][] = [
      ['zeros(2, 3)', (o) => torch.zeros(2, 3, o)],
      ['zeros int64', (o) => torch.zeros([2, 3], { ...o, dtype: torch.int64 })],
      ['ones(4)', (o) => torch.ones(4, o)],
      ['ones bool', (o) => torch.ones([3, 2], { ...o, dtype: torch.bool })],
      ['ones float16', (o) => torch.ones([3, 2], { ...o, dtype: torch.float16 })],
      ['full 7.5', (o) => torch.full([2, 2], 7.5, o)],
      ['full int32', (o) => torch.full([3], -4, { ...o, dtype: torch.int32 })],
      ['empty(0, 3).shape', (o) => torch.zeros([0, 3], o)],
      ['arange(5)', (o) => torch.arange(5, o)],
      ['arange(1, 4)', (o) => torch.arange(1, 4, o)],
      ['arange(0, 1, 0.25)', (o) => torch.arange(0, 1, 0.25, o)],
      ['arange(10, 0, -3)', (o) => torch.arange(10, 0, -3, o)],
      ['arange float64', (o) => torch.arange(0, 2, 0.1, { ...o, dtype: torch.float64 })],
      ['linspace(0, 1, 5)', (o) => torch.linspace(0, 1, 5, o)],
      ['linspace(-3, 7, 101)', (o) => torch.linspace(-3, 7, 101, o)],
      ['linspace float64', (o) => torch.linspace(-1, 1, 7, { ...o, dtype: torch.float64 })],
      ['linspace(2, 2, 1)', (o) => torch.linspace(2, 2, 1, o)],
      ['eye(3)', (o) => torch.eye(3, o)],
      ['eye(2, 4)', (o) => torch.eye(2, 4, o)],
      ['eye int64', (o) => torch.eye(3, { ...o, dtype: torch.int64 })],
      ['tensor nested', (o) => torch.tensor([[1.5, -2], [3, 4]], o)],
      ['tensor bool', (o) => torch.tensor([true, false, true], o)],
      ['tensor 0-d', (o) => torch.tensor(3, o)],
      ['zerosLike', (o) => torch.zerosLike(torch.ones(2, 3, o))],
      ['onesLike int32', (o) => torch.onesLike(torch.ones(2, 3, o), { dtype: torch.int32 })],
      ['fullLike', (o) => torch.fullLike(torch.ones(2, 3, o), 2.5)],
    ];
    for (const [name, make] of CREATE) {
      const expected = make({});
      const actual = make({ device: DEV });
      if (String(actual.device) !== DEV_NAME) failures.list.push(`${name}: on ${actual.device}`);
      const m = mismatch(actual, expected, null);
      if (m !== null) failures.list.push(`${name}: ${m}`);
    }
    failures.check();
  });

  it('fill_, zero_ and copy_ on device views', () => {
    const rng = mulberry32(707);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const x = randomTensor(rng, [6, 5], DTYPES[dname]);
      const s = randomTensor(rng, [3, 6], DTYPES[dname]);
      const VIEWS: [string, (t: Tensor, src: Tensor) => Tensor][] = [
        ['fill_(7)', (t) => { const y = t.clone(); y.fill_(7); return y; }],
        ['fill_ on narrow', (t) => { const y = t.clone(); y.narrow(1, 1, 2).fill_(3); return y; }],
        ['fill_ on transposed narrow', (t) => { const y = t.clone(); y.t().narrow(0, 2, 2).fill_(1); return y; }],
        ['fill_ 0-d tensor', (t) => { const y = t.clone(); y.index('::2').fill_(t.select(0, 0).select(0, 0)); return y; }],
        ['zero_ on select', (t) => { const y = t.clone(); y.select(1, 3).zero_(); return y; }],
        ['zero_ on strided', (t) => { const y = t.clone(); y.index('1::2', '::2').zero_(); return y; }],
        ['copy_ transposed source into narrow', (t, src) => { const y = t.clone(); y.narrow(1, 1, 3).copy_(src.t()); return y; }],
        ['copy_ broadcast row', (t, src) => { const y = t.clone(); y.copy_(src.select(0, 0).narrow(0, 0, 5)); return y; }],
        ['copy_ with dtype conversion', (t, src) => { const y = torch.zeros([3, 6], { dtype: torch.float64, device: t.device }); y.copy_(src); return y; }],
      ];
      for (const [name, fn] of VIEWS) failures.add(parity(`${name} ${dname}`, [x, s], fn));
    }
    failures.check();
  });
});

// ------------------------------------------------------------------ reductions
