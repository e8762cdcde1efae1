/**
 * The functions the distributions call, gathered in one import (each module keeps its
 * formulas readable as PyTorch's).
 * @internal
 */
export { erf, exp, log, sigmoid, where } from '../ops/elementwise.js';
export { erfinv, lgamma, digamma } from '../ops/special.js';
export { xlogy } from '../ops/binary-math.js';
export { softplus, logsigmoid } from '../nn/functional/activations-more.js';
export { binaryCrossEntropyWithLogits } from '../nn/functional/loss.js';
export { oneHot } from '../nn/functional/one-hot.js';
export { broadcastTensors } from '../ops/shape.js';
export { matmul } from '../ops/linalg.js';
export { full, fullLike, zeros, eye, arange, empty } from '../tensor/creation.js';
