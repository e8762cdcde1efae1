/**
 * Weight and spectral normalization: `nn.utils.weightNorm` / `removeWeightNorm` (the
 * forward-pre-hook form, with PyTorch's `weight_g` / `weight_v` parameters) and
 * `nn.utils.parametrizations.weightNorm` / `spectralNorm` (the parametrize form, with
 * `parametrizations.weight.original0/1` and `parametrizations.weight.0._u/_v`).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { mv, dot } from '../../ops/linalg.js';
import { Tensor } from '../../tensor/tensor.js';
import { normalize } from '../functional/distance.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { registerParametrization } from './parametrize.js';

/**
 * `torch.norm_except_dim(v, pow, dim)`: the p-norm over every dim but `dim`, shaped to
 * broadcast against `v` (dim -1: the norm of everything).
 * @example normExceptDim(w, 2, 0) // [out, 1] for a Linear weight
 */
export function normExceptDim(v: Tensor, pow = 2, dim = 0): Tensor {
  if (dim === -1) return v.norm(pow);
  const d = dim < 0 ? dim + v.ndim : dim;
  const keep = v.shape.map((n, i) => (i === d ? n : 1));
  const others = v.shape.map((_, i) => i).filter((i) => i !== d);
  return v.norm(pow, others, true).reshape(keep);
}

/** `torch._weight_norm(v, g, dim)`: v scaled so its norm (except over `dim`) is g. */
function weightNormOf(v: Tensor, g: Tensor, dim: number): Tensor {
  return v.mul(g.div(normExceptDim(v, 2, dim)));
}

const WEIGHT_NORM_HOOKS = new WeakMap<Module<unknown>, Map<string, { dim: number; remove: () => void }>>();

/**
 * `nn.utils.weight_norm`: replaces `module[name]` by `g * v / ||v||`, with `name_g` and
 * `name_v` as the parameters, recomputed before every forward.
 * @example const layer = nn.utils.weightNorm(new nn.Linear(20, 40)); // weight_g: [40, 1]
 */
export function weightNorm<M extends Module<unknown>>(module: M, name = 'weight', dim: number | null = 0): M {
  const hooks = WEIGHT_NORM_HOOKS.get(module) ?? new Map();
  if (hooks.has(name)) throw new Error(`Cannot register two weight_norm hooks on the same parameter ${name}`);
  const d = dim ?? -1;
  const internals = module as unknown as { _parameters: Map<string, Parameter | null> };
  const weight = internals._parameters.get(name);
  if (!(weight instanceof Tensor)) throw new Error(`Module '${module.constructor.name}' has no parameter with name '${name}'`);
  const target = module as unknown as Record<string, Tensor>;
  delete target[name];
  module.registerParameter(`${name}_g`, new Parameter(noGrad(() => normExceptDim(weight, 2, d))));
  module.registerParameter(`${name}_v`, new Parameter(weight.detach()));
  const compute = (): Tensor => weightNormOf(target[`${name}_v`], target[`${name}_g`], d);
  target[name] = compute();
  const handle = module.registerForwardPreHook(() => {
    target[name] = compute();
  });
  hooks.set(name, { dim: d, remove: () => handle.remove() });
  WEIGHT_NORM_HOOKS.set(module, hooks);
  return module;
}

/**
 * `nn.utils.remove_weight_norm`: folds `name_g` and `name_v` back into one parameter.
 * @example nn.utils.removeWeightNorm(layer)
 */
export function removeWeightNorm<M extends Module<unknown>>(module: M, name = 'weight'): M {
  const hook = WEIGHT_NORM_HOOKS.get(module)?.get(name);
  if (hook === undefined) throw new Error(`weight_norm of '${name}' not found in ${module.constructor.name}`);
  const target = module as unknown as Record<string, Tensor>;
  const weight = noGrad(() => weightNormOf(target[`${name}_v`], target[`${name}_g`], hook.dim));
  hook.remove();
  WEIGHT_NORM_HOOKS.get(module)!.delete(name);
  delete target[name];
  delete target[`${name}_g`];
  delete target[`${name}_v`];
  module.registerParameter(name, new Parameter(weight));
  return module;
}

/** The parametrization behind `parametrizations.weightNorm` (PyTorch's `_WeightNorm`). */
class WeightNormParametrization extends Module<Tensor> {
  constructor(readonly dim: number) {
    super();
  }
  override forward(weightG: Tensor, weightV: Tensor): Tensor {
    return weightNormOf(weightV, weightG, this.dim);
  }
  rightInverse(weight: Tensor): Tensor[] {
    return [normExceptDim(weight, 2, this.dim), weight];
  }
}

/** The parametrization behind `parametrizations.spectralNorm` (PyTorch's `_SpectralNorm`). */
class SpectralNormParametrization extends Module<Tensor> {
  readonly dim: number;
  readonly eps: number;
  readonly nPowerIterations: number;

  constructor(weight: Tensor, nPowerIterations: number, dim: number, eps: number) {
    super();
    const ndim = weight.ndim;
    if (dim >= ndim || dim < -ndim) {
      throw new RangeError(`Dimension out of range (expected to be in range of [-${ndim}, ${ndim - 1}] but got ${dim})`);
    }
    if (!(nPowerIterations > 0)) throw new Error(`Expected n_power_iterations to be positive, but got n_power_iterations=${nPowerIterations}`);
    this.dim = dim >= 0 ? dim : dim + ndim;
    this.eps = eps;
    this.nPowerIterations = nPowerIterations;
    if (ndim > 1) {
      noGrad(() => {
        const mat = this.asMatrix(weight);
        const [h, w] = mat.shape;
        const u = mat.newEmpty([h]).normal_(0, 1);
        const v = mat.newEmpty([w]).normal_(0, 1);
        this.registerBuffer('_u', normalize(u, { dim: 0, eps }));
        this.registerBuffer('_v', normalize(v, { dim: 0, eps }));
        this.powerMethod(mat, 15);
      });
    }
  }

  private asMatrix(weight: Tensor): Tensor {
    const w = this.dim === 0 ? weight : weight.permute([this.dim, ...weight.shape.map((_, i) => i).filter((i) => i !== this.dim)]);
    return w.flatten(1);
  }

  private powerMethod(mat: Tensor, iterations: number): void {
    noGrad(() => {
      const self = this as unknown as { _u: Tensor; _v: Tensor };
      for (let i = 0; i < iterations; i++) {
        self._u.copy_(normalize(mv(mat, self._v), { dim: 0, eps: this.eps }));
        self._v.copy_(normalize(mv(mat.t(), self._u), { dim: 0, eps: this.eps }));
      }
    });
  }

  override forward(weight: Tensor): Tensor {
    if (weight.ndim === 1) return normalize(weight, { dim: 0, eps: this.eps });
    const mat = this.asMatrix(weight);
    if (this.training) this.powerMethod(mat, this.nPowerIterations);
    const self = this as unknown as { _u: Tensor; _v: Tensor };
    const sigma = dot(self._u.clone(), mv(mat, self._v.clone()));
    return weight.div(sigma);
  }

  rightInverse(value: Tensor): Tensor {
    return value;
  }
}

/**
 * `nn.utils.parametrizations.weight_norm`: the parametrize form of weight normalization
 * (originals `original0` = g and `original1` = v).
 * @example nn.utils.parametrizations.weightNorm(new nn.Linear(20, 40))
 */
export function parametrizedWeightNorm<M extends Module<unknown>>(module: M, name = 'weight', dim: number | null = 0): M {
  return registerParametrization(module, name, new WeightNormParametrization(dim ?? -1), { unsafe: true });
}

/** Options of `parametrizations.spectralNorm`, as PyTorch's keywords. */
export interface SpectralNormOptions {
  nPowerIterations?: number;
  eps?: number;
  /** Default 0, or 1 for the transposed convolutions. */
  dim?: number | null;
}

/**
 * `nn.utils.parametrizations.spectral_norm`: divides `module[name]` by its largest
 * singular value, estimated by power iteration (one step per training-mode read).
 * @example nn.utils.parametrizations.spectralNorm(new nn.Linear(20, 40))
 */
export function spectralNorm<M extends Module<unknown>>(module: M, name = 'weight', options: SpectralNormOptions = {}): M {
  const { nPowerIterations = 1, eps = 1e-12 } = options;
  const internals = module as unknown as { _parameters: Map<string, Tensor | null>; _buffers: Map<string, Tensor | null> };
  const weight = internals._parameters.get(name) ?? internals._buffers.get(name);
  if (!(weight instanceof Tensor)) throw new Error(`Module '${module.constructor.name}' has no parameter or buffer with name '${name}'`);
  const transposed = /^ConvTranspose[123]d$/.test(module.constructor.name);
  const dim = options.dim ?? (transposed ? 1 : 0);
  return registerParametrization(module, name, new SpectralNormParametrization(weight, nPowerIterations, dim, eps));
}
