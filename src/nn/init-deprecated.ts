/**
 * nn.init's names without the trailing underscore, which PyTorch keeps for old scripts:
 * each warns once that it is deprecated, then fills the tensor in place as its `_` form.
 */
import { warnOnce } from '../utils/warn-once.js';
import {
  constant_, dirac_, eye_, kaimingNormal_, kaimingUniform_, normal_, orthogonal_, sparse_, uniform_, xavierNormal_, xavierUniform_,
} from './init.js';

function deprecated<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  const pythonName = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return ((...args: never[]) => {
    warnOnce(`nn.init.${name}`, `nn.init.${pythonName} is now deprecated in favor of nn.init.${pythonName}_.`);
    return fn(...args);
  }) as F;
}

/** Deprecated `nn.init.uniform`: warns, then `uniform_`. @example init.uniform(w, -0.1, 0.1) */
export const uniform: typeof uniform_ = deprecated('uniform', uniform_);
/** Deprecated `nn.init.normal`: warns, then `normal_`. @example init.normal(w, 0, 0.02) */
export const normal: typeof normal_ = deprecated('normal', normal_);
/** Deprecated `nn.init.constant`: warns, then `constant_`. @example init.constant(b, 0) */
export const constant: typeof constant_ = deprecated('constant', constant_);
/** Deprecated `nn.init.eye`: warns, then `eye_`. @example init.eye(w) */
export const eye: typeof eye_ = deprecated('eye', eye_);
/** Deprecated `nn.init.dirac`: warns, then `dirac_`. @example init.dirac(conv.weight) */
export const dirac: typeof dirac_ = deprecated('dirac', dirac_);
/** Deprecated `nn.init.xavier_uniform`: warns, then `xavierUniform_`. @example init.xavierUniform(w) */
export const xavierUniform: typeof xavierUniform_ = deprecated('xavierUniform', xavierUniform_);
/** Deprecated `nn.init.xavier_normal`: warns, then `xavierNormal_`. @example init.xavierNormal(w) */
export const xavierNormal: typeof xavierNormal_ = deprecated('xavierNormal', xavierNormal_);
/** Deprecated `nn.init.kaiming_uniform`: warns, then `kaimingUniform_`. @example init.kaimingUniform(w) */
export const kaimingUniform: typeof kaimingUniform_ = deprecated('kaimingUniform', kaimingUniform_);
/** Deprecated `nn.init.kaiming_normal`: warns, then `kaimingNormal_`. @example init.kaimingNormal(w) */
export const kaimingNormal: typeof kaimingNormal_ = deprecated('kaimingNormal', kaimingNormal_);
/** Deprecated `nn.init.orthogonal`: warns, then `orthogonal_`. @example init.orthogonal(w) */
export const orthogonal: typeof orthogonal_ = deprecated('orthogonal', orthogonal_);
/** Deprecated `nn.init.sparse`: warns, then `sparse_`. @example init.sparse(w, 0.1) */
export const sparse: typeof sparse_ = deprecated('sparse', sparse_);
