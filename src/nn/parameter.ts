/**
 * `nn.Parameter`: a leaf tensor that a Module registers as one of its parameters when it
 * is assigned to a field.
 */
import { inspect } from 'node:util';
import { Tensor } from '../tensor/tensor.js';
import { empty } from '../tensor/creation.js';
import { checkBoolean, checkTensor } from '../tensor/args.js';

/**
 * A tensor that is a module parameter: `requiresGrad` is true by default, and assigning
 * one to a Module field registers it (PyTorch's `nn.Parameter`). It shares storage with
 * the tensor it is made from, as PyTorch's does.
 *
 * @example
 * const w = new nn.Parameter(torch.randn(3, 2));
 * w instanceof nn.Parameter; // true
 * w.requiresGrad;            // true
 */
export class Parameter extends Tensor {
  constructor(data?: Tensor, requiresGrad = true) {
    const source = data ?? empty(0);
    checkTensor(source, 'Parameter', 'data');
    checkBoolean(requiresGrad, 'Parameter', 'requiresGrad');
    source._handle();
    super(source._storage, source._shape.slice(), source._strides.slice(), source._offset, source._dtype, source._version);
    // A parameter outlives any tidy() scope it was made in: the module owns it.
    this._keep = true;
    if (requiresGrad) this.requiresGrad_(true);
  }

  /**
   * PyTorch's repr: `Parameter containing:` then the tensor.
   * @example String(new nn.Parameter(torch.zeros(2)))
   */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }

  override [inspect.custom](): string {
    return this.toString();
  }
}
