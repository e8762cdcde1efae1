/**
 * PyTorch's quantization schemes (`torch.qscheme`): how a quantized tensor maps its integers
 * to real values, one scale and zero point for the whole tensor or one per channel.
 */
import { inspect } from 'node:util';

/**
 * A quantization scheme, printed as PyTorch prints it (`torch.per_tensor_affine`).
 * @example torch.quantizePerTensor(x, 0.1, 0, torch.qint8).qscheme() === torch.perTensorAffine
 */
export class QScheme {
  /** @internal */
  constructor(
    /** PyTorch's name without the `torch.` prefix, e.g. `'per_tensor_affine'`. */
    readonly name: string,
  ) {}

  toString(): string {
    return `torch.${this.name}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** One scale and zero point for the whole tensor. @example q.qscheme() === torch.perTensorAffine */
export const perTensorAffine = new QScheme('per_tensor_affine');
/** One scale and zero point per slice along an axis. @example q.qscheme() === torch.perChannelAffine */
export const perChannelAffine = new QScheme('per_channel_affine');
/** As perTensorAffine, with the zero point in the middle of the range (an observer's choice). @example torch.perTensorSymmetric */
export const perTensorSymmetric = new QScheme('per_tensor_symmetric');
/** As perChannelAffine, symmetric. @example torch.perChannelSymmetric */
export const perChannelSymmetric = new QScheme('per_channel_symmetric');
/** Per channel, with float zero points (embedding tables). @example torch.perChannelAffineFloatQparams */
export const perChannelAffineFloatQparams = new QScheme('per_channel_affine_float_qparams');
