/**
 * `nn.utils.fuseConvBnEval` / `fuseConvBnWeights` and `fuseLinearBnEval` /
 * `fuseLinearBnWeights`, as PyTorch 1.13's torch/nn/utils/fusion.py: a batch norm in eval
 * mode folded into the preceding convolution or linear layer, with the same arithmetic
 * (so the same rounding) and fresh Parameters as results.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { onesLike, zerosLike } from '../../tensor/creation.js';
import { checkBoolean, checkNumber, checkOptionalTensor, checkOptions, checkTensor } from '../../tensor/args.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory/storage.js';
import { add, mul, rsqrt, sub } from '../../ops/elementwise.js';
import { reshape, unsqueeze } from '../../ops/shape.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { deepCopyModule } from '../layers/clones.js';

/**
 * The keyword of `fuseConvBnEval` / `fuseConvBnWeights`.
 * @example nn.utils.fuseConvBnEval(deconv, bn, { transpose: true })
 */
export interface FuseConvBnOptions {
  /** The convolution is transposed: its weight's output channels are dim 1, not 0. */
  transpose?: boolean;
}

/** What a layer to fuse holds: PyTorch's attribute names (`running_mean` as the state dict spells it). */
interface ConvLike {
  training: boolean;
  weight: Parameter;
  bias: Parameter | null;
}
interface BatchNormLike {
  training: boolean;
  running_mean: Tensor | null;
  running_var: Tensor | null;
  eps: number;
  weight: Parameter | null;
  bias: Parameter | null;
}

function transposeOf(transpose: boolean | FuseConvBnOptions | undefined, fn: string): boolean {
  const given = typeof transpose === 'object' && transpose !== null;
  if (given) checkOptions(transpose, fn, ['transpose']);
  const value = given ? (transpose.transpose ?? false) : (transpose ?? false);
  checkBoolean(value, fn, 'transpose');
  return value;
}

function checkLayers(layer: unknown, bn: unknown, fn: string, kind: string): asserts layer is Module & ConvLike {
  if (!(layer instanceof Module)) throw new TypeError(`${fn}(): argument '${kind}' must be a Module`);
  if (!(bn instanceof Module)) throw new TypeError(`${fn}(): argument 'bn' must be a Module`);
  if ((layer as Module).training || (bn as Module).training) throw new Error('Fusion only for eval!');
}

/**
 * The weight and bias of a convolution followed by an eval-mode batch norm, as one
 * convolution's: `w * (γ / √(var + eps))` per output channel and `(b - mean) / √(var + eps) * γ + β`.
 * A missing conv bias, γ or β counts as zeros, ones and zeros. Returns new Parameters.
 * @example
 * const [w, b] = nn.utils.fuseConvBnWeights(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias);
 */
export function fuseConvBnWeights(
  convW: Tensor,
  convB: Tensor | null,
  bnRm: Tensor,
  bnRv: Tensor,
  bnEps: number,
  bnW: Tensor | null,
  bnB: Tensor | null,
  transpose: boolean | FuseConvBnOptions = false,
): [Parameter, Parameter] {
  const fn = 'fuseConvBnWeights';
  checkTensor(convW, fn, 'convW');
  checkOptionalTensor(convB, fn, 'convB');
  checkTensor(bnRm, fn, 'bnRm');
  checkTensor(bnRv, fn, 'bnRv');
  checkNumber(bnEps, fn, 'bnEps');
  checkOptionalTensor(bnW, fn, 'bnW');
  checkOptionalTensor(bnB, fn, 'bnB');
  const transposed = transposeOf(transpose, fn);
  return tidy(() => noGrad(() => {
    const b = convB ?? zerosLike(bnRm);
    const gamma = bnW ?? onesLike(bnRm);
    const beta = bnB ?? zerosLike(bnRm);
    const varRsqrt = rsqrt(add(bnRv, bnEps));
    const ones = Array<number>(convW.dim() - 2).fill(1);
    const shape = transposed ? [1, -1, ...ones] : [-1, 1, ...ones];
    const w = mul(convW, reshape(mul(gamma, varRsqrt), shape));
    const fusedB = add(mul(mul(sub(b, bnRm), varRsqrt), gamma), beta);
    return [new Parameter(w), new Parameter(fusedB)] as [Parameter, Parameter];
  }));
}

/**
 * A copy of `conv` (a convolution in eval mode) with the following eval-mode batch norm
 * `bn` folded into its weight and bias; `transpose` for a ConvTranspose.
 * @example const fused = nn.utils.fuseConvBnEval(conv.eval(), bn.eval()); fused(x) // ≈ bn(conv(x))
 */
export function fuseConvBnEval<M extends Module<any>>(conv: M, bn: Module<any>, transpose: boolean | FuseConvBnOptions = false): M { // eslint-disable-line @typescript-eslint/no-explicit-any
  checkLayers(conv, bn, 'fuseConvBnEval', 'conv');
  const transposed = transposeOf(transpose, 'fuseConvBnEval');
  const fused = deepCopyModule(conv) as M & ConvLike;
  const norm = bn as unknown as BatchNormLike;
  [fused.weight, fused.bias] = fuseConvBnWeights(
    fused.weight, fused.bias, norm.running_mean!, norm.running_var!, norm.eps, norm.weight, norm.bias, transposed,
  );
  return fused;
}

/**
 * The weight and bias of a linear layer followed by an eval-mode batch norm, as one linear
 * layer's (PyTorch 1.13's fuse_linear_bn_weights: the norm's γ and β are required).
 * @example const [w, b] = nn.utils.fuseLinearBnWeights(fc.weight, fc.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias);
 */
export function fuseLinearBnWeights(
  linearW: Tensor,
  linearB: Tensor | null,
  bnRm: Tensor,
  bnRv: Tensor,
  bnEps: number,
  bnW: Tensor,
  bnB: Tensor,
): [Parameter, Parameter] {
  const fn = 'fuseLinearBnWeights';
  checkTensor(linearW, fn, 'linearW');
  checkOptionalTensor(linearB, fn, 'linearB');
  checkTensor(bnRm, fn, 'bnRm');
  checkTensor(bnRv, fn, 'bnRv');
  checkNumber(bnEps, fn, 'bnEps');
  checkTensor(bnW, fn, 'bnW');
  checkTensor(bnB, fn, 'bnB');
  return tidy(() => noGrad(() => {
    const b = linearB ?? zerosLike(bnRm);
    const scale = mul(bnW, rsqrt(add(bnRv, bnEps)));
    const w = mul(linearW, unsqueeze(scale, -1));
    const fusedB = add(mul(sub(b, bnRm), scale), bnB);
    return [new Parameter(w), new Parameter(fusedB)] as [Parameter, Parameter];
  }));
}

/**
 * A copy of `linear` (in eval mode) with the following eval-mode BatchNorm1d folded in.
 * @example const fused = nn.utils.fuseLinearBnEval(fc.eval(), bn.eval());
 */
export function fuseLinearBnEval<M extends Module<any>>(linear: M, bn: Module<any>): M { // eslint-disable-line @typescript-eslint/no-explicit-any
  checkLayers(linear, bn, 'fuseLinearBnEval', 'linear');
  const fused = deepCopyModule(linear) as M & ConvLike;
  const norm = bn as unknown as BatchNormLike;
  [fused.weight, fused.bias] = fuseLinearBnWeights(
    fused.weight, fused.bias, norm.running_mean!, norm.running_var!, norm.eps, norm.weight!, norm.bias!,
  );
  return fused;
}
