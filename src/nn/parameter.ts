/**
 * `nn.Parameter`: a leaf tensor that a Module registers as one of its parameters when it
 * is assigned to a field.
 */
import { inspect } from 'node:util';
import { Tensor } from '../tensor/tensor.js';
import type { Size } from '../tensor/size.js';
import type { DType } from '../tensor/dtype.js';
import type { DeviceLike } from '../tensor/device.js';
import { empty } from '../tensor/creation.js';
import { argumentError, checkBoolean, checkTensor } from '../tensor/args.js';
import { factoryOf } from './layers/factory.js';

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

const UNINITIALIZED_SHAPE_MESSAGE =
  "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in `load_state_dict` " +
  'when trying to load an uninitialized parameter into an initialized one. Call `forward` to initialize the ' +
  'parameters before accessing their attributes.';

/** The options of `materialize` and of the uninitialized tensors' constructors. @example { dtype: torch.float64 } */
export interface MaterializeOptions {
  device?: DeviceLike | null;
  dtype?: DType | string | null;
}

/** Replaces `t`'s empty data by `empty(shape)` and turns it into an instance of `becomes`, as PyTorch's materialize does. */
function materializeAs(t: Tensor, shape: readonly number[], options: MaterializeOptions, becomes: object, fn: string): void {
  if (!Array.isArray(shape)) throw argumentError(fn, 'shape', 'an array of sizes', shape);
  const factory = factoryOf(options ?? {}, fn);
  // The same object stays, so that an optimizer or a hook given it before still holds it.
  t.data = empty([...shape], { device: factory.device ?? t.device, dtype: factory.dtype ?? t.dtype });
  Object.setPrototypeOf(t, becomes);
}

/**
 * A parameter whose shape is not known yet (PyTorch's `nn.UninitializedParameter`): what lazy
 * modules such as `nn.LazyLinear` hold until their first forward. Its `shape` throws;
 * `materialize(shape)` gives it data and makes it a plain `Parameter`, the same object.
 * @example
 * const w = new nn.UninitializedParameter();
 * w.materialize([4, 3]);
 * w instanceof nn.UninitializedParameter; // false
 */
export class UninitializedParameter extends Parameter {
  constructor(requiresGrad = true, options: MaterializeOptions = {}) {
    super(empty(0, factoryOf(options ?? {}, 'UninitializedParameter')), requiresGrad);
  }

  /** Gives the parameter data of `shape` (values unset) and makes it a `Parameter`. @example w.materialize([4, 3]) */
  materialize(shape: readonly number[], options: MaterializeOptions = {}): void {
    materializeAs(this, shape, options, Parameter.prototype, 'materialize');
  }

  override get shape(): Size {
    throw new Error(UNINITIALIZED_SHAPE_MESSAGE);
  }

  /** PyTorch's repr. @example String(new nn.UninitializedParameter()) // '<UninitializedParameter>' */
  override toString(): string {
    return '<UninitializedParameter>';
  }
}

/**
 * A buffer whose shape is not known yet (PyTorch's `nn.UninitializedBuffer`), as the running
 * statistics of `nn.LazyBatchNorm1d`. `materialize(shape)` makes it a plain Tensor, the same object.
 * @example const b = new nn.UninitializedBuffer(); b.materialize([8]);
 */
export class UninitializedBuffer extends Tensor {
  constructor(requiresGrad = false, options: MaterializeOptions = {}) {
    checkBoolean(requiresGrad, 'UninitializedBuffer', 'requiresGrad');
    const source = empty(0, factoryOf(options ?? {}, 'UninitializedBuffer'));
    source._handle();
    super(source._storage, [0], [1], 0, source._dtype, source._version);
    source.dispose();
    this._keep = true;
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** Gives the buffer data of `shape` (values unset) and makes it a plain Tensor. @example b.materialize([8]) */
  materialize(shape: readonly number[], options: MaterializeOptions = {}): void {
    materializeAs(this, shape, options, Tensor.prototype, 'materialize');
  }

  override get shape(): Size {
    throw new Error(UNINITIALIZED_SHAPE_MESSAGE);
  }

  /** PyTorch's repr. @example String(new nn.UninitializedBuffer()) // '<UninitializedBuffer>' */
  override toString(): string {
    return '<UninitializedBuffer>';
  }
}

/**
 * Whether `t` is an uninitialized parameter or buffer (PyTorch's `nn.parameter.is_lazy`).
 * @example nn.isLazy(new nn.LazyLinear(4).weight) // true
 */
export function isLazy(t: unknown): t is UninitializedParameter | UninitializedBuffer {
  return t instanceof UninitializedParameter || t instanceof UninitializedBuffer;
}
