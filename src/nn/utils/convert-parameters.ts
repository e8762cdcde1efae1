/**
 * `nn.utils.parametersToVector` / `vectorToParameters`, as PyTorch's
 * torch/nn/utils/convert_parameters.py.
 */
import { Tensor } from '../../tensor/tensor.js';
import { cat, reshape, narrow, view } from '../../ops/shape.js';
import { describeValue } from '../../tensor/args.js';

function checkSameDevice(param: Tensor, device: string | null): string {
  const here = param.device.toString();
  if (device !== null && device !== here) throw new Error('Found two parameters on different devices, this is currently not supported.');
  return here;
}

function tensorsOf(parameters: Iterable<Tensor> | Tensor, fn: string): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof (parameters as Iterable<Tensor>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`${fn}(): argument 'parameters' must be an iterable of tensors, but got ${describeValue(parameters)}`);
  }
  const list = Array.from(parameters);
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new TypeError(`${fn}(): argument 'parameters' must be an iterable of tensors, but it holds ${describeValue(p)}`);
  }
  return list;
}

/**
 * Flattens parameters into one vector (differentiable: a `cat` of their views).
 * @example const flat = nn.utils.parametersToVector(net.parameters())
 */
export function parametersToVector(parameters: Iterable<Tensor> | Tensor): Tensor {
  let device: string | null = null;
  const vectors = tensorsOf(parameters, 'parametersToVector').map((p) => {
    device = checkSameDevice(p, device);
    return reshape(p, [-1]);
  });
  return cat(vectors);
}

/**
 * Copies consecutive slices of `vec` into the parameters' data (their `.data` is
 * replaced, as PyTorch's `param.data = ...`, so it takes no part in autograd).
 * @example nn.utils.vectorToParameters(flat.mul(0.5), net.parameters())
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor> | Tensor): void {
  if (!(vec instanceof Tensor)) throw new TypeError(`expected torch.Tensor, but got: ${describeValue(vec)}`);
  const list = tensorsOf(parameters, 'vectorToParameters');
  let device: string | null = null;
  let pointer = 0;
  for (const param of list) {
    device = checkSameDevice(param, device);
    const count = param.numel();
    param.data = view(narrow(vec, 0, pointer, count).detach(), param.shape);
    pointer += count;
  }
}
