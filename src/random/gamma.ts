/**
 * Gamma and Dirichlet sampling, as PyTorch's `torch._standard_gamma` and
 * `torch._sample_dirichlet`, with the reparameterized gradients that make Gamma, Beta,
 * Dirichlet, Chi2 and StudentT `rsample`s differentiable. The CPU kernels draw as PyTorch's,
 * so seeded runs give its samples (native/cpu/gamma.cc).
 */
import * as call from '../native/calls.generated.js';
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { toDtype } from '../ops/shape.js';
import { checkOptions, checkTensor } from '../tensor/args.js';
import { DType, float32, float64, scalarTypeName } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { fresh } from '../native/meta.js';
import type { GeneratorOption } from '../ops/fill.js';
import { checkGenerator, withGenerator } from './generator.js';

/** The dtype a sampler computes in: float64 stays, every other float runs in float32. */
const computeTypeOf = (t: Tensor): DType => (t.dtype === float64 ? float64 : float32);

/** `t` flattened, contiguous, in `dtype`. */
const flatIn = (t: Tensor, dtype: DType): Tensor => toDtype(t, dtype).contiguous().reshape(-1);

/** A result handle in `like`'s shape, cast back to `like`'s dtype. */
function shaped(handle: unknown, like: Tensor, dtype: DType): Tensor {
  const out = fromHandle(handle as never, like.shape, dtype, like.device);
  if (dtype === like.dtype) return out;
  const cast = toDtype(out, like.dtype);
  out.dispose();
  return cast;
}

/**
 * One Gamma(alpha, 1) sample per concentration, `torch._standard_gamma`. Differentiable:
 * the gradient is d(sample)/d(alpha) at a fixed CDF (StandardGammaBackward0).
 * @example torch._standardGamma(torch.tensor([0.5, 2, 10]))
 */
export function standardGamma(alpha: Tensor, options?: GeneratorOption): Tensor {
  checkTensor(alpha, '_standard_gamma', 'input');
  checkOptions(options, '_standard_gamma', ['generator']);
  const generator = checkGenerator(options?.generator, '_standard_gamma', alpha.device);
  if (!alpha.isFloatingPoint()) throw new Error(`"gamma_cpu" not implemented for '${scalarTypeName(alpha.dtype.name)}'`);
  // Checked before any draw, so that a refused call leaves the generator where it was.
  if (!noGrad(() => alpha.ge(0).all().item())) throw new Error('torch._standard_gamma: expected every concentration to be non-negative');
  const dtype = computeTypeOf(alpha);
  const out = noGrad(() => {
    const flat = flatIn(alpha, dtype);
    return shaped(withGenerator(generator, alpha.device, () => call.standardGamma(fresh(dtype, [flat.numel()]), flat)), alpha, dtype);
  });
  return record(out, 'StandardGammaBackward0', [alpha], (node) => {
    const savedAlpha = node.save(alpha);
    const savedOut = node.save(out);
    return (g) => [g.mul(standardGammaGrad(savedAlpha(), savedOut()))];
  });
}

/**
 * d(sample)/d(alpha) for Gamma(alpha, 1) samples, `torch._standard_gamma_grad`.
 * @example torch._standardGammaGrad(alpha, torch._standardGamma(alpha))
 */
export function standardGammaGrad(alpha: Tensor, sample: Tensor): Tensor {
  checkTensor(alpha, '_standard_gamma_grad', 'self');
  checkTensor(sample, '_standard_gamma_grad', 'output');
  return noGrad(() => {
    const dtype = computeTypeOf(alpha);
    const a = flatIn(alpha, dtype);
    const s = flatIn(sample.expand([...alpha.shape]), dtype);
    return shaped(call.standardGammaGrad(fresh(dtype, [a.numel()]), a, s), alpha, dtype);
  });
}

/**
 * The gradient of Dirichlet coordinates `x` in their concentrations, given the total
 * concentration of each (`torch._dirichlet_grad`).
 * @example torch._dirichletGrad(x, alpha, alpha.sum(-1, true).expandAs(alpha))
 */
export function dirichletGrad(x: Tensor, alpha: Tensor, total: Tensor): Tensor {
  for (const [name, t] of [['x', x], ['alpha', alpha], ['total', total]] as const) checkTensor(t, '_dirichlet_grad', name);
  if (x.shape.join() !== alpha.shape.join() || x.shape.join() !== total.shape.join()) {
    throw new Error(`_dirichlet_grad expects x, alpha and total of one shape, but got ${x.shape}, ${alpha.shape} and ${total.shape}`);
  }
  return noGrad(() => {
    const dtype = computeTypeOf(x);
    const [fx, fa, ft] = [x, alpha, total].map((t) => flatIn(t, dtype));
    return shaped(call.dirichletGrad(fresh(dtype, [fx.numel()]), fx, fa, ft), x, dtype);
  });
}

/** The largest value below 1 in a dtype (`nexttoward(1, 0)`). */
const belowOne = (dtype: DType): number => (dtype === float64 ? 1 - 2 ** -53 : 1 - 2 ** -24);
/** The smallest positive normal value of a dtype (`numeric_limits::min`). */
const smallestNormal = (dtype: DType): number => (dtype === float64 ? 2.2250738585072014e-308 : 1.1754943508222875e-38);

/**
 * One Dirichlet sample per row of concentrations (the last dim), `torch._sample_dirichlet`:
 * Gamma draws in float64, normalized, then clamped inside (0, 1) in the input's dtype, as
 * PyTorch's CPU kernel does. Not differentiable by itself; Dirichlet's `rsample` is.
 * @example torch._sampleDirichlet(torch.tensor([1, 2, 3]))
 */
export function sampleDirichlet(alpha: Tensor, options?: GeneratorOption): Tensor {
  checkTensor(alpha, '_sample_dirichlet', 'input');
  checkOptions(options, '_sample_dirichlet', ['generator']);
  // float32 and float64 only, as PyTorch's CPU kernel (its clamps are those dtypes' limits).
  if (alpha.dtype !== float32 && alpha.dtype !== float64) throw new Error(`"dirichlet" not implemented for '${scalarTypeName(alpha.dtype.name)}'`);
  return noGrad(() => {
    const gamma = standardGamma(alpha.to(float64), options);
    const normalized = gamma.div(gamma.sum(-1, true)).to(alpha.dtype);
    return normalized.clamp(smallestNormal(alpha.dtype), belowOne(alpha.dtype));
  });
}
