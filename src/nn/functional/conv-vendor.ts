/**
 * Convolution through the vendor libraries, with its forward and both backwards side by
 * side: cuDNN on a GPU and oneDNN on the CPU (float32), as PyTorch's convolutions run. Both
 * sit behind the same native entries (`convolution*`). conv.ts takes this path when
 * `vendorConvPlan` says it may, and records the autograd node either way. cuDNN takes
 * float16 and bfloat16 as they are (tensor cores, float32 accumulation), where the im2col
 * path widens them. A transposed convolution is the backward-data convolution run forward,
 * and its backward is the forward convolution and the weight gradient with roles swapped.
 */
import * as call from '../../native/calls.generated.js';
import { fresh } from '../../native/meta.js';
import { backends, cudnnMath, onednnVersion } from '../../cuda.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fromHandle } from '../../tensor/tensor.js';
import { float32 } from '../../tensor/dtype.js';
import type { ConvSpec } from './conv-args.js';
import { geometry3, shape5, view5 } from './conv-kernels.js';

/** The math options one convolution runs under (torch.backends.cudnn's flags; oneDNN ignores them). @internal */
export type VendorMath = NonNullable<ReturnType<typeof cudnnMath>>;

/** oneDNN's float32 convolutions are exact float32 arithmetic: no options to pass. */
const ONEDNN_MATH: VendorMath = { allowTF32: false, benchmark: false, deterministic: false };

/** cuDNN's descriptors take 32-bit sizes (and the native entries check so for both). */
const INT32_LIMIT = 2 ** 31;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The call's stride, padding and dilation (three each), groups and math: the entries' trailing arguments. */
function tail(w: Tensor, spec: ConvSpec, math: VendorMath): [number, number, number, number, number, number, number, number, number, number, boolean, boolean, boolean] {
  const [, , , sd, sh, sw, pd, ph, pw, dd, dh, dw] = geometry3({ kernel: w._shape.slice(2), stride: spec.stride, padding: spec.padding, dilation: spec.dilation });
  return [sd, sh, sw, pd, ph, pw, dd, dh, dw, spec.groups, math.allowTF32, math.benchmark, math.deterministic];
}

/**
 * The options for a convolution of these shapes through cuDNN (a GPU) or oneDNN (the CPU,
 * float32), or null when it should go through im2col instead: the library disabled
 * (`torch.backends.cudnn.enabled`, `torch.backends.mkldnn.enabled`) or missing, another
 * dtype on the CPU, an empty tensor (which the libraries' descriptors refuse) or one too
 * large for cuDNN's 32-bit sizes. @internal
 * @example const math = vendorConvPlan(x, w, outShape); if (math) y = vendorConvForward(x, w, b, spec, outShape, math);
 */
export function vendorConvPlan(input: Tensor, weight: Tensor, output: readonly number[]): VendorMath | null {
  let math: VendorMath | null;
  if (input.device.type === 'cpu') {
    const bothFloat32 = input._dtype === float32 && weight._dtype === float32;
    math = bothFloat32 && backends.mkldnn.enabled && onednnVersion() > 0 ? ONEDNN_MATH : null;
  } else {
    math = cudnnMath(input.device);
  }
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
 * @example const y = vendorConvForward(x, w, b, spec, [8, 64, 56, 56], math)
 */
export function vendorConvForward(x: Tensor, w: Tensor, bias: Tensor | null, spec: ConvSpec, outShape: number[], math: VendorMath): Tensor {
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
 * @example const [gx, gw] = vendorConvBackward(grad, x, w, spec, [true, true], math)
 */
export function vendorConvBackward(
  grad: Tensor, x: Tensor | null, xShape: number[], w: Tensor, spec: ConvSpec, want: [boolean, boolean], math: VendorMath,
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
