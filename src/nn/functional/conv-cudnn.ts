/**
 * Convolution on a GPU through cuDNN (the `convolution*` native entries), as PyTorch's
 * CUDA convolutions run, with its forward and both backwards side by side. conv.ts takes
 * this path when `cudnnPlan` says it may, and records the autograd node either way. cuDNN
 * takes float16 and bfloat16 as they are (tensor cores, float32 accumulation), where the
 * im2col path widens them. A transposed convolution is cuDNN's backward-data forward, and
 * its backward is the forward convolution and the weight gradient with roles swapped.
 */
import * as call from '../../native/calls.generated.js';
import { fresh } from '../../native/meta.js';
import { cudnnMath } from '../../cuda.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fromHandle } from '../../tensor/tensor.js';
import type { ConvSpec } from './conv-args.js';
import { geometry3, shape5, view5 } from './conv-kernels.js';

/** The math options one cuDNN convolution runs under (torch.backends.cudnn's flags). @internal */
export type CudnnMath = NonNullable<ReturnType<typeof cudnnMath>>;

/** cuDNN's descriptors take 32-bit sizes. */
const INT32_LIMIT = 2 ** 31;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The call's stride, padding and dilation (three each), groups and math: the entries' trailing arguments. */
function tail(w: Tensor, spec: ConvSpec, math: CudnnMath): [number, number, number, number, number, number, number, number, number, number, boolean, boolean, boolean] {
  const [, , , sd, sh, sw, pd, ph, pw, dd, dh, dw] = geometry3({ kernel: w._shape.slice(2), stride: spec.stride, padding: spec.padding, dilation: spec.dilation });
  return [sd, sh, sw, pd, ph, pw, dd, dh, dw, spec.groups, math.allowTF32, math.benchmark, math.deterministic];
}

/**
 * The cuDNN options for a convolution of these shapes on `device`, or null when it should
 * go through im2col instead: not a GPU, cuDNN disabled or missing, an empty tensor (which
 * cuDNN's descriptors refuse) or one too large for its 32-bit sizes. @internal
 * @example const math = cudnnPlan(x, w, outShape); if (math) y = cudnnForward(x, w, b, spec, math);
 */
export function cudnnPlan(input: Tensor, weight: Tensor, output: readonly number[]): CudnnMath | null {
  const math = cudnnMath(input.device);
  if (math === null) return null;
  for (const shape of [input._shape, weight._shape, output]) {
    const n = numel(shape);
    if (n === 0 || n >= INT32_LIMIT) return null;
  }
  return math;
}

/**
 * The forward of a (transposed) convolution, without autograd, into a new contiguous
 * [N, Cout, ...outSpatial]. `x`, `w` and `bias` are contiguous and of one floating dtype.
 * @internal
 * @example const y = cudnnForward(x, w, b, spec, [8, 64, 56, 56], math)
 */
export function cudnnForward(x: Tensor, w: Tensor, bias: Tensor | null, spec: ConvSpec, outShape: number[], math: CudnnMath): Tensor {
  const x5 = view5(x);
  const w5 = view5(w);
  const rest = tail(w, spec, math);
  let handle;
  if (!spec.transposed) {
    handle = call.convolution(fresh(x._dtype, shape5(outShape)), x5, w5, bias, ...rest);
  } else {
    handle = call.convolutionBackwardInput(fresh(x._dtype, shape5(outShape)), x5, w5, ...rest);
  }
  x5.dispose();
  w5.dispose();
  return fromHandle(handle, outShape, x._dtype, x.device);
}

/**
 * The input and weight gradients of a (transposed) convolution (null where not wanted),
 * from the contiguous output gradient, input and weight. @internal
 * @example const [gx, gw] = cudnnBackward(grad, x, w, spec, [true, true], math)
 */
export function cudnnBackward(
  grad: Tensor, x: Tensor | null, xShape: number[], w: Tensor, spec: ConvSpec, want: [boolean, boolean], math: CudnnMath,
): [Tensor | null, Tensor | null] {
  const g5 = view5(grad);
  const w5 = view5(w);
  const rest = tail(w, spec, math);
  const dtype = grad._dtype;
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  if (want[0]) {
    const out = fresh(dtype, shape5(xShape));
    const handle = spec.transposed
      ? call.convolution(out, g5, w5, null, ...rest)
      : call.convolutionBackwardInput(out, g5, w5, ...rest);
    gx = fromHandle(handle, xShape.slice(), dtype, grad.device);
  }
  if (want[1]) {
    const x5 = view5(x!);
    const out = fresh(dtype, shape5(w._shape));
    // The weight gradient pairs the convolution's input with its output's gradient; in a
    // transposed convolution those are the output's gradient and the input.
    const handle = spec.transposed
      ? call.convolutionBackwardWeight(out, x5, g5, ...rest)
      : call.convolutionBackwardWeight(out, g5, x5, ...rest);
    x5.dispose();
    gw = fromHandle(handle, w._shape.slice(), dtype, grad.device);
  }
  g5.dispose();
  w5.dispose();
  return [gx, gw];
}
