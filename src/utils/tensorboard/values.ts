/**
 * Reading the values a summary is made of, from tensors or plain numbers, with the
 * argument errors of the public methods.
 */
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, describeValue } from '../../tensor/args.js';

/**
 * A tensor's elements as doubles, row-major (int64 through `Number`, bool as 0 and 1),
 * as PyTorch's `make_np(x).astype(float)`.
 * @example tensorNumbers(torch.tensor([1, 2])) // Float64Array [1, 2]
 */
export function tensorNumbers(t: Tensor): Float64Array {
  const data = t.dataSync();
  return data instanceof BigInt64Array ? Float64Array.from(data, Number) : Float64Array.from(data);
}

/**
 * The values of a histogram: a Tensor or an array of numbers, flattened.
 * @example numbersOf([1, 2, 3], 'SummaryWriter.addHistogram', 'values')
 */
export function numbersOf(values: unknown, fn: string, name: string): Float64Array {
  if (values instanceof Tensor) return tensorNumbers(values);
  if (Array.isArray(values) || ArrayBuffer.isView(values)) {
    const list = values as ArrayLike<unknown>;
    const out = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'number') {
        throw new TypeError(`${fn}(): argument '${name}' must be a Tensor or an array of numbers, but element ${i} is ${describeValue(v)}`);
      }
      out[i] = v;
    }
    return out;
  }
  throw argumentError(fn, name, 'a Tensor or an array of numbers', values);
}

/**
 * A scalar to log: a number, or a Tensor with one element (any shape, as PyTorch
 * squeezes it).
 * @example scalarOf(loss, 'SummaryWriter.addScalar', 'scalarValue') // loss.item()
 */
export function scalarOf(value: unknown, fn: string, name: string): number {
  if (typeof value === 'number') return value;
  if (value instanceof Tensor && value.numel() === 1) return value.item();
  throw argumentError(fn, name, 'a number or a one-element Tensor', value);
}

/**
 * An optional step: PyTorch stores `int(step)`, so a fraction is dropped.
 * @example stepOf(3, 'SummaryWriter.addScalar') // 3
 */
export function stepOf(step: unknown, fn: string): number | undefined {
  if (step === undefined || step === null) return undefined;
  if (typeof step !== 'number' || !Number.isFinite(step)) throw argumentError(fn, 'globalStep', 'a finite number', step);
  return Math.trunc(step);
}

/**
 * An optional wall time in seconds since the epoch.
 * @example walltimeOf(Date.now() / 1000, 'SummaryWriter.addScalar')
 */
export function walltimeOf(walltime: unknown, fn: string): number | undefined {
  if (walltime === undefined || walltime === null) return undefined;
  if (typeof walltime !== 'number' || !Number.isFinite(walltime)) {
    throw argumentError(fn, 'walltime', 'a finite number of seconds since the epoch', walltime);
  }
  return walltime;
}

/**
 * Throws unless `value` (a tag, a text) is a string.
 * @example checkString(tag, 'SummaryWriter.addScalar', 'tag')
 */
export function checkString(value: unknown, fn: string, name: string): asserts value is string {
  if (typeof value !== 'string') throw argumentError(fn, name, 'a string', value);
}
