/**
 * `nn.utils.spectralNorm` / `removeSpectralNorm`: PyTorch 1.13's original, hook-based
 * spectral normalization (torch/nn/utils/spectral_norm.py), which GAN code (SNGAN, BigGAN)
 * still uses and whose checkpoints hold `weight_orig`, `weight_u` and `weight_v`. The
 * parametrize form is `nn.utils.parametrizations.spectralNorm` (weight-norm.ts).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { dot, mv } from '../../ops/linalg.js';
import { multiDot } from '../../linalg/extras.js';
import { pinverse } from '../../linalg/least-squares.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkInteger, checkNumber, checkOptions, keysOf } from '../../tensor/args.js';
import { normalize } from '../functional/distance.js';
import { Module, type RemovableHandle, type StateDict } from '../module.js';
import type { LocalMetadata } from '../module-hooks.js';
import { Parameter, isLazy } from '../parameter.js';
import type { SpectralNormOptions } from './weight-norm.js';

/** Options of `nn.utils.spectralNorm`: PyTorch's keywords, and `name` for callers that pass one object. */
export interface SpectralNormHookOptions extends SpectralNormOptions {
  /** The parameter to normalize (default `'weight'`). */
  name?: string;
}
const OPTION_KEYS = keysOf<SpectralNormHookOptions>()('name', 'nPowerIterations', 'eps', 'dim');

/** What PyTorch's SpectralNorm object holds: its settings and what removing it undoes. */
interface SpectralNormHook {
  readonly name: string;
  readonly dim: number;
  readonly nPowerIterations: number;
  readonly eps: number;
  readonly handles: RemovableHandle[];
}

// PyTorch finds its SpectralNorm among the module's forward pre-hooks; flint keeps them aside.
const HOOKS = new WeakMap<Module<unknown>, Map<string, SpectralNormHook>>();

/** The version PyTorch records in `_metadata[...]['spectral_norm']` (SpectralNorm._version). */
const VERSION = 1;

/** `reshape_weight_to_matrix`: `dim` moved to the front, the rest flattened. */
function weightMatrix(weight: Tensor, dim: number): Tensor {
  let mat = weight;
  if (dim !== 0) mat = mat.permute([dim, ...weight.shape.map((_, i) => i).filter((i) => i !== dim)]);
  return mat.reshape([mat.shape[0], -1]);
}

/**
 * `SpectralNorm.compute_weight`: `weight_orig / sigma` with `sigma = u·(W v)`. In training
 * the power iteration updates `u` and `v` in place under noGrad, and the clones are what
 * sigma uses, so that two forwards before one backward (a GAN's `D(real) - D(fake)`) do not
 * see the buffers their graph saved change.
 */
function computeWeight(module: Module<unknown>, fn: SpectralNormHook, doPowerIteration: boolean): Tensor {
  const fields = module as unknown as Record<string, Tensor>;
  const weight = fields[`${fn.name}_orig`];
  let u = fields[`${fn.name}_u`];
  let v = fields[`${fn.name}_v`];
  const mat = weightMatrix(weight, fn.dim);
  if (doPowerIteration) {
    noGrad(() => {
      for (let i = 0; i < fn.nPowerIterations; i++) {
        v.copy_(normalize(mv(mat.t(), u), { dim: 0, eps: fn.eps }));
        u.copy_(normalize(mv(mat, v), { dim: 0, eps: fn.eps }));
      }
      u = u.clone();
      v = v.clone();
    });
  }
  const sigma = dot(u, mv(mat, v));
  return weight.div(sigma);
}

/**
 * `SpectralNorm._solve_v_and_rescale`: a `v` with `u = normalize(W v)` (through the
 * pseudo-inverse, in case WᵀW is singular), scaled so that `u·(W v)` is `targetSigma`.
 */
function solveVAndRescale(mat: Tensor, u: Tensor, targetSigma: Tensor): Tensor {
  const v = multiDot([pinverse(mat.t().mm(mat)), mat.t(), u.unsqueeze(1)]).squeeze(1);
  return v.mul_(targetSigma.div(dot(u, mv(mat, v))));
}

/**
 * `SpectralNormLoadStateDictPreHook`: a checkpoint of PyTorch before 1.1 (no
 * `spectral_norm` version in its metadata, or version 0) holds `weight_orig`, the computed
 * `weight` and `weight_u` but no `weight_v`. With `u = normalize(W_orig v)` and
 * `W = W_orig / sigma`, `v` solves `W_orig x = u` rescaled to that sigma, and `weight` is
 * dropped.
 */
function convertOldCheckpoint(fn: SpectralNormHook, stateDict: StateDict, prefix: string, localMetadata: LocalMetadata, strict: boolean, missingKeys: string[]): void {
  const versions = localMetadata.spectral_norm as Record<string, number | null | undefined> | undefined;
  const version = versions?.[`${fn.name}.version`];
  if (version !== undefined && version !== null && version >= 1) return;
  const weightKey = prefix + fn.name;
  // A current state dict without metadata (made by hand): taken as the newest format.
  if ((version === undefined || version === null) && ['_orig', '_u', '_v'].every((s) => weightKey + s in stateDict) && !(weightKey in stateDict)) return;
  let hasMissingKeys = false;
  for (const suffix of ['_orig', '', '_u']) {
    const key = weightKey + suffix;
    if (!(key in stateDict)) {
      hasMissingKeys = true;
      if (strict) missingKeys.push(key);
    }
  }
  if (hasMissingKeys) return;
  noGrad(() => {
    const weightOrig = stateDict[`${weightKey}_orig`];
    const weight = stateDict[weightKey];
    delete stateDict[weightKey];
    const sigma = weightOrig.div(weight).mean();
    stateDict[`${weightKey}_v`] = solveVAndRescale(weightMatrix(weightOrig, fn.dim), stateDict[`${weightKey}_u`], sigma);
  });
}

function resolveArgs(nameOrOptions: string | SpectralNormHookOptions | undefined, options: SpectralNormHookOptions): Required<Omit<SpectralNormHookOptions, 'dim'>> & { dim: number | null } {
  let opts = options;
  let name: string | undefined;
  if (typeof nameOrOptions === 'string') name = nameOrOptions;
  else if (nameOrOptions !== undefined) opts = nameOrOptions;
  checkOptions(opts, 'spectralNorm', OPTION_KEYS);
  opts ??= {};
  name ??= opts.name ?? 'weight';
  if (typeof name !== 'string') throw new TypeError(`spectralNorm(): argument 'name' must be str, not ${typeof name}`);
  const { nPowerIterations = 1, eps = 1e-12, dim = null } = opts;
  checkInteger(nPowerIterations, 'spectralNorm', 'nPowerIterations');
  checkNumber(eps, 'spectralNorm', 'eps');
  if (dim !== null) checkInteger(dim, 'spectralNorm', 'dim');
  return { name, nPowerIterations, eps, dim };
}

/**
 * `torch.nn.utils.spectral_norm`: replaces `module[name]` by `weight_orig / sigma`, sigma
 * the largest singular value of the weight (as a matrix over `dim`), estimated by power
 * iteration. The parameter becomes `${name}_orig` (the same Parameter object, so an
 * optimizer made before still updates it), `${name}_u` and `${name}_v` are buffers drawn
 * as PyTorch draws them (`normal_` then normalize, so the same seed gives the same
 * vectors), and a forward pre-hook recomputes `module[name]`: one power-iteration step per
 * training-mode call, none in eval mode. `dim` defaults to 0, or 1 for ConvTranspose1/2/3d.
 * @example
 * const D = nn.utils.spectralNorm(new nn.Linear(20, 40));
 * D.weight_u.shape; // [40]
 * nn.utils.spectralNorm(new nn.Conv2d(3, 8, 3), { nPowerIterations: 2 });
 */
export function spectralNorm<M extends Module<unknown>>(module: M, name?: string | SpectralNormHookOptions, options: SpectralNormHookOptions = {}): M {
  const args = resolveArgs(name, options);
  const transposed = /^ConvTranspose[123]d$/.test(module.constructor.name);
  const dim = args.dim ?? (transposed ? 1 : 0);
  const hooks = HOOKS.get(module) ?? new Map<string, SpectralNormHook>();
  if (hooks.has(args.name)) throw new Error(`Cannot register two spectral_norm hooks on the same parameter ${args.name}`);
  if (args.nPowerIterations <= 0) {
    throw new Error(`Expected n_power_iterations to be positive, but got n_power_iterations=${args.nPowerIterations}`);
  }
  const internals = module as unknown as { _parameters: Map<string, Parameter | null> };
  if (!internals._parameters.has(args.name)) throw new Error(`Module '${module.constructor.name}' has no parameter with name '${args.name}'`);
  const weight = internals._parameters.get(args.name);
  if (weight === null || weight === undefined) throw new Error(`\`SpectralNorm\` cannot be applied as parameter \`${args.name}\` is None`);
  if (isLazy(weight)) {
    throw new Error(
      "The module passed to `SpectralNorm` can't have uninitialized parameters. Make sure to run the dummy forward before applying spectral normalization",
    );
  }
  const fn = { name: args.name, dim, nPowerIterations: args.nPowerIterations, eps: args.eps, handles: [] as RemovableHandle[] };
  const [u, v] = noGrad(() => {
    const mat = weightMatrix(weight, dim);
    const [h, w] = mat.shape;
    return [
      normalize(weight.newEmpty([h]).normal_(0, 1), { dim: 0, eps: fn.eps }),
      normalize(weight.newEmpty([w]).normal_(0, 1), { dim: 0, eps: fn.eps }),
    ];
  });
  const fields = module as unknown as Record<string, Tensor>;
  delete fields[fn.name];
  module.registerParameter(`${fn.name}_orig`, weight);
  // Code that reads `module.weight` before the first forward (weight init) still finds it:
  // PyTorch sets it to `weight.data`, a plain attribute outside the state dict.
  fields[fn.name] = weight.detach();
  module.registerBuffer(`${fn.name}_u`, u);
  module.registerBuffer(`${fn.name}_v`, v);
  fn.handles.push(
    module.registerForwardPreHook((m) => {
      fields[fn.name] = computeWeight(module, fn, m.training);
    }),
    // SpectralNormStateDictHook: the format version, which the load pre-hook reads.
    module._registerStateDictHook((_m, _sd, _prefix, localMetadata) => {
      const local = localMetadata as unknown as Record<string, Record<string, number> | undefined>;
      const versions = (local.spectral_norm ??= {});
      const key = `${fn.name}.version`;
      if (key in versions) throw new Error(`Unexpected key in metadata['spectral_norm']: ${key}`);
      versions[key] = VERSION;
    }),
    module._registerLoadStateDictPreHook((sd, prefix, localMetadata, strict, missingKeys) => convertOldCheckpoint(fn, sd, prefix, localMetadata, strict, missingKeys)),
  );
  hooks.set(fn.name, fn);
  HOOKS.set(module, hooks);
  return module;
}

/**
 * `torch.nn.utils.remove_spectral_norm`: makes `module[name]` a parameter again, holding
 * `weight_orig / sigma` for the stored u and v (no power-iteration step), and drops
 * `${name}_orig`, `${name}_u`, `${name}_v` and the hooks.
 * @example
 * const m = nn.utils.spectralNorm(new nn.Linear(40, 10));
 * nn.utils.removeSpectralNorm(m); // m.stateDict() keys: weight, bias
 */
export function removeSpectralNorm<M extends Module<unknown>>(module: M, name = 'weight'): M {
  const fn = HOOKS.get(module)?.get(name);
  if (fn === undefined) throw new Error(`spectral_norm of '${name}' not found in ${String(module)}`);
  const weight = noGrad(() => computeWeight(module, fn, false));
  for (const handle of fn.handles) handle.remove();
  HOOKS.get(module)!.delete(name);
  const fields = module as unknown as Record<string, Tensor>;
  delete fields[name];
  delete fields[`${name}_u`];
  delete fields[`${name}_v`];
  delete fields[`${name}_orig`];
  module.registerParameter(name, new Parameter(weight.detach()));
  return module;
}
