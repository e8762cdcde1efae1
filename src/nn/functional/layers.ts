/**
 * `nn.functional` forms of the layers: linear, dropout and layerNorm (batchNorm is in
 * `normalization.ts`, embedding in `embedding.ts`). Linear on a 2-D input is one fused
 * addmm, as PyTorch's AddmmBackward0.
 */
import { Activation } from '../../native/enums.generated.js';
import { type Backward, record } from '../../autograd/function.js';
import type { Node } from '../../autograd/node.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { float32, float64 } from '../../tensor/dtype.js';
import { emptyLike } from '../../tensor/creation.js';
import { add, mul } from '../../ops/elementwise.js';
import { addmm, matmul } from '../../ops/linalg.js';
import { contiguous, reshape, t as transpose2d } from '../../ops/shape.js';
import { biasActivationKernel_, layerNormBackwardKernel, layerNormKernel } from '../../ops/fused-kernels.js';
import { relu } from './activation.js';
import { bernoulli_ } from '../../ops/fill.js';
import { div_, mul_ } from '../../ops/inplace.js';
import { argumentError, checkBoolean, checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/**
 * `x @ weight.T + bias`.
 * @example F.linear(x, weight, bias)
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (autocastHook.active) return autocastOp('linear', linear, arguments);
  checkTensor(input, 'linear', 'input');
  checkTensor(weight, 'linear', 'weight');
  checkOptionalTensor(bias, 'linear', 'bias');
  const dim = input.dim();
  // The weight's transpose, the folded input and the folded product are this function's own
  // views and intermediates: each is let go once used, instead of waiting for the collector.
  const weightT = transpose2d(weight);
  let out: Tensor;
  if (dim === 2 && bias !== null) {
    out = addmm(bias, input, weightT);
  } else if (dim > 2 && bias !== null && input.isContiguous()) {
    // Folded to one addmm and viewed back, as PyTorch does for batched input.
    const flat = reshape(input, [-1, input.shape[dim - 1]]);
    const product = addmm(bias, flat, weightT);
    if (flat !== input) flat._letGo();
    out = reshape(product, [...input.shape.slice(0, -1), weight.shape[0]]);
    if (out !== product) product._letGo();
  } else {
    const product = matmul(input, weightT);
    out = bias === null ? product : add(product, bias);
    if (out !== product) product._letGo();
  }
  weightT._letGo();
  return out;
}

/**
 * `relu(linear(input, weight, bias))`. Without autograd, on a 2-D input, it is one
 * matrix product and one fused bias-plus-ReLU pass over the result (two passes fewer
 * than addmm then relu); otherwise it is exactly the two ops.
 * @example F.linearRelu(x, layer.weight, layer.bias)
 */
export function linearRelu(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const fusable =
    !gradEnabled() && !autocastHook.active && bias !== null && input.dim() === 2 && bias.dim() === 1 && weight.dim() === 2 &&
    (input.dtype === float32 || input.dtype === float64) && weight.dtype === input.dtype && bias.dtype === input.dtype;
  if (!fusable) return relu(linear(input, weight, bias));
  const out = matmul(input, transpose2d(weight));
  if (out.shape[1] !== bias.shape[0]) {
    out.dispose();
    return relu(linear(input, weight, bias));  // reports the shape error as linear does
  }
  biasActivationKernel_(out, bias, Activation.Relu);
  return out;
}

/**
 * The options of dropout, when given as one object.
 * @example F.dropout(x, { p: 0.2, training: net.training })
 */
export interface DropoutOptions {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}
const DROPOUT_KEYS = keysOf<DropoutOptions>()('p', 'training', 'inplace');

/**
 * Zeroes elements with probability `p` while training and scales the rest by 1/(1-p).
 * @example F.dropout(x, 0.5, net.training)
 */
export function dropout(input: Tensor, p: number | DropoutOptions = 0.5, training = true, inplace = false): Tensor {
  checkTensor(input, 'dropout', 'input');
  let prob: unknown = p;
  if (p !== null && typeof p === 'object') {
    checkOptions(p, 'dropout', DROPOUT_KEYS);
    prob = p.p ?? 0.5;
    training = p.training ?? true;
    inplace = p.inplace ?? false;
  }
  checkNumber(prob, 'dropout', 'p');
  checkBoolean(training, 'dropout', 'training');
  checkBoolean(inplace, 'dropout', 'inplace');
  if (!(prob >= 0 && prob <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${prob}`);
  if (!training || prob === 0) return input;
  // PyTorch's CPU dropout: noise = empty_like(x).bernoulli_(1 - p).div_(1 - p); x * noise.
  const noise = emptyLike(input);
  noGrad(() => {
    bernoulli_(noise, 1 - prob);
    if (prob < 1) div_(noise, 1 - prob);
  });
  if (inplace) return mul_(input, noise);
  const out = mul(input, noise);
  // The mask is the op's own: freed with the graph that saved it, or now if none did
  // (a mask per dropout per step would otherwise wait for V8's collector).
  if (out._gradFn === null || !out._gradFn.adopt(noise)) noise.dispose();
  return out;
}

function normalizedDims(input: Tensor, normalizedShape: number[]): number[] {
  const n = normalizedShape.length;
  const tail = input.shape.slice(input.dim() - n);
  if (n === 0 || input.dim() < n || tail.join() !== normalizedShape.join()) {
    throw new Error(
      `Given normalized_shape=[${normalizedShape.join(', ')}], expected input with shape [*, ${normalizedShape.join(', ')}], but got input of size[${input.shape.join(', ')}]`,
    );
  }
  return Array.from({ length: n }, (_, i) => input.dim() - n + i);
}

/**
 * Layer normalisation over the last `normalizedShape.length` dims.
 * @example F.layerNorm(x, [x.size(-1)], ln.weight, ln.bias)
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  if (autocastHook.active) return autocastOp('layerNorm', layerNorm, arguments);
  checkTensor(input, 'layerNorm', 'input');
  checkOptionalTensor(weight, 'layerNorm', 'weight');
  checkOptionalTensor(bias, 'layerNorm', 'bias');
  checkNumber(eps, 'layerNorm', 'eps');
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || !shape.every(Number.isInteger)) {
    throw argumentError('layerNorm', 'normalizedShape', 'an integer or an array of integers', normalizedShape);
  }
  normalizedDims(input, shape);
  const cols = shape.reduce((a, b) => a * b, 1);
  if (weight !== null && weight.numel() !== cols) throw new Error(`layer_norm: expected weight of ${cols} elements, got ${weight.numel()}`);
  if (bias !== null && bias.numel() !== cols) throw new Error(`layer_norm: expected bias of ${cols} elements, got ${bias.numel()}`);
  if (!input.isFloatingPoint() || input.dtype.itemsize < 4) {
    throw new Error(`layer_norm: expected a float32 or float64 input, got ${input.dtype.name}`);
  }
  // One fused kernel over [rows, cols], forward and backward, as PyTorch's native_layer_norm.
  const x = contiguous(input);
  const w = weight === null ? null : contiguous(weight.dtype === x.dtype ? weight : weight.to(x.dtype));
  const b = bias === null ? null : contiguous(bias.dtype === x.dtype ? bias : bias.to(x.dtype));
  const rows = cols === 0 ? 0 : x.numel() / cols;
  const { out, mean: mu, rstd } = layerNormKernel(x, rows, cols, w, b, eps);
  if (!gradEnabled() || ![input, weight, bias].some((t) => t !== null && t._requiresGrad)) {
    mu.dispose();
    rstd.dispose();
    return out;
  }
  const weightShape = weight === null ? null : weight.shape;
  const biasShape = bias === null ? null : bias.shape;
  // x, the weight, and the per-row mean and rstd (the kernel's own results, owned by the
  // node and freed when it is released), as PyTorch's NativeLayerNormBackward0 saves them.
  return record(out, 'NativeLayerNormBackward0', [input, weight, bias], (node) =>
    layerNormBackward(node, node.save(x), w === null ? null : node.save(w), node.save(mu, true), node.save(rstd, true), weightShape, biasShape, eps, shape.length),
  );
}

/**
 * layerNorm's gradients as recorded ops, for a backward run with createGraph: the mean
 * and rstd are recomputed from x (the kernel's saved ones are constants to autograd), and
 * dx = rstd · (dŷ − mean(dŷ) − x̂ · mean(dŷ · x̂)) with dŷ = dy · w, as ATen's
 * layer_norm_backward formula.
 */
function layerNormBackwardGraph(
  g: Tensor, x: Tensor, w: Tensor | null, eps: number, normRank: number,
  weightShape: number[] | null, biasShape: number[] | null, want: [boolean, boolean, boolean],
): (Tensor | null)[] {
  const dims = Array.from({ length: normRank }, (_, i) => x.dim() - normRank + i);
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  const rstd = centered.pow(2).mean(dims, true).add(eps).rsqrt();
  const xhat = centered.mul(rstd);
  const gyw = w === null ? g : g.mul(w.reshape(x.shape.slice(x.dim() - normRank)));
  const gx = want[0] ? rstd.mul(gyw.sub(gyw.mean(dims, true)).sub(xhat.mul(gyw.mul(xhat).mean(dims, true)))) : null;
  const batchDims = Array.from({ length: x.dim() - normRank }, (_, i) => i);
  const reduced = (t: Tensor, shape: number[]) => (batchDims.length ? t.sum(batchDims) : t).reshape(shape);
  return [gx, want[1] ? reduced(g.mul(xhat), weightShape!) : null, want[2] ? reduced(g, biasShape!) : null];
}

/** layerNorm's backward (module level: it sees only what it is given). */
function layerNormBackward(
  node: Node,
  x: () => Tensor,
  w: (() => Tensor) | null,
  mu: () => Tensor,
  rstd: () => Tensor,
  weightShape: number[] | null,
  biasShape: number[] | null,
  eps: number,
  normRank: number,
): Backward {
  // Which inputs get a gradient is fixed when the node is made (its edges), as in PyTorch.
  const want: [boolean, boolean, boolean] = [node.next[0] !== null, node.next[1] !== null, node.next[2] !== null];
  return (g) => {
    if (gradEnabled()) return layerNormBackwardGraph(g, x(), w === null ? null : w(), eps, normRank, weightShape, biasShape, want);
    const grads = layerNormBackwardKernel(contiguous(g), x(), mu(), rstd(), w === null ? null : w(), want);
    return [
      grads[0],
      grads[1] === null ? null : reshape(grads[1], weightShape!),
      grads[2] === null ? null : reshape(grads[2], biasShape!),
    ];
  };
}
