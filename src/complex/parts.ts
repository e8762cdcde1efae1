/**
 * Complex tensors and their parts: `torch.complex`, `torch.polar`, `torch.viewAsReal`,
 * `torch.viewAsComplex`, and the `real`/`imag` views. Each records PyTorch's grad_fn; the
 * gradient of a complex tensor is complex, ∂L/∂re + i·∂L/∂im, as PyTorch's convention for a
 * real loss gives it.
 */
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor, realLayout } from '../tensor/tensor.js';
import { type DType, float32, float64, scalarTypeName, toComplexDType, toRealDType } from '../tensor/dtype.js';
import { checkTensor } from '../tensor/args.js';
import { broadcastShapes } from '../tensor/shape.js';
import { castKernel, copyKernel, emptyKernel, fillKernel } from '../ops/tensor-kernels.js';
import { sumTo } from '../ops/reduce.js';

/**
 * `torch.viewAsReal(input)`: a complex tensor's storage as a real tensor with a last dim of
 * 2 (real, imaginary), sharing memory.
 * @example torch.viewAsReal(torch.complex(re, im)) // shape [...re.shape, 2]
 */
export function viewAsReal(input: Tensor): Tensor {
  checkTensor(input, 'view_as_real', 'self');
  if (!input._dtype.isComplex) throw new Error('view_as_real is only supported for complex tensors');
  const out = realLayout(input);
  return record(out, 'ViewAsRealBackward0', [input], () => (g) => [viewAsComplex(g.contiguous())]);
}

/**
 * `torch.viewAsComplex(input)`: a float32 or float64 tensor whose last dim holds (real,
 * imaginary) pairs, seen as a complex tensor sharing its memory.
 * @example torch.viewAsComplex(torch.tensor([[1, 2], [3, 4]]).float()) // tensor([1.+2.j, 3.+4.j])
 */
export function viewAsComplex(input: Tensor): Tensor {
  checkTensor(input, 'view_as_complex', 'self');
  const dtype = input._dtype;
  if (dtype !== float32 && dtype !== float64) {
    throw new Error(`view_as_complex is only supported for half, float and double tensors, but got a tensor of scalar type: ${scalarTypeName(dtype)}`);
  }
  const n = input._shape.length;
  if (n === 0) throw new Error('Input tensor must have one or more dimensions');
  if (input._shape[n - 1] !== 2) throw new Error('Tensor must have a last dimension of size 2');
  if (input._strides[n - 1] !== 1) throw new Error('Tensor must have a last dimension with stride 1');
  for (let d = 0; d < n - 1; d++) {
    if (input._strides[d] % 2 !== 0) throw new Error('Tensor must have a stride divisible by 2 for all but last dimension');
  }
  if (input._offset % 2 !== 0) throw new Error('Tensor must have a storage_offset divisible by 2');
  input._handle();
  const out = new Tensor(
    input._storage,
    input._shape.slice(0, -1),
    input._strides.slice(0, -1).map((s) => s / 2),
    input._offset / 2,
    toComplexDType(dtype),
    input._version,
    input._base ?? input,
  );
  return record(out, 'ViewAsComplexBackward0', [input], () => (g) => [viewAsReal(g._dtype.isComplex ? g : toComplex(g)).contiguous()]);
}

/** One part of complex `z` as a real view of its storage (no autograd). @internal */
export function partView(z: Tensor, part: 0 | 1): Tensor {
  // A real tensor has no pairs: its doubled strides would step past its storage.
  if (!z._dtype.isComplex) throw new Error(`internal: partView of a ${z._dtype.name} tensor (complex expected)`);
  z._handle();
  return new Tensor(z._storage, z._shape.slice(), z._strides.map((s) => 2 * s), 2 * z._offset + part, toRealDType(z._dtype), z._version, z._base ?? z);
}

/**
 * `torch.real(input)` for a complex tensor: the real parts, as a view. (A real tensor is its
 * own real part; src/ops/real-tensors.ts answers for those.)
 * @example torch.real(z)
 */
export function realPart(input: Tensor): Tensor {
  if (!input._dtype.isComplex) return input;
  const out = partView(input, 0);
  return record(out, 'SelectBackward0', [input], () => (g) => [toComplex(g)]);
}

/**
 * `torch.imag(input)` for a complex tensor: the imaginary parts, as a view.
 * @example torch.imag(z)
 */
export function imagPart(input: Tensor): Tensor {
  if (!input._dtype.isComplex) throw new Error('imag is not implemented for tensors with non-complex dtypes.');
  const out = partView(input, 1);
  return record(out, 'SelectBackward0', [input], () => (g) => [complex(zerosLikeReal(g), g)]);
}

function zerosLikeReal(g: Tensor): Tensor {
  const z = emptyKernel(g._shape.slice(), g._dtype, g.device);
  fillKernel(z, 0);
  return z;
}

/** A real tensor as complex (zero imaginary parts), recorded. @internal */
export function toComplex(x: Tensor, dtype: DType = toComplexDType(x._dtype)): Tensor {
  if (x._dtype === dtype) return x;
  const out = castKernel(x, dtype);
  const inputDtype = x._dtype;
  return record(out, 'ToCopyBackward0', [x], () => (g) => [inputDtype.isComplex ? castKernel(g, inputDtype) : realPart(g).contiguous()]);
}

/**
 * `torch.complex(real, imag)`: a complex tensor from its parts, which must both be float32
 * (giving complex64) or both float64 (complex128), and broadcast together.
 * @example torch.complex(torch.tensor([1, 2]).float(), torch.tensor([3, 4]).float()) // tensor([1.+3.j, 2.+4.j])
 */
export function complex(real: Tensor, imag: Tensor): Tensor {
  checkTensor(real, 'complex', 'real');
  checkTensor(imag, 'complex', 'imag');
  for (const t of [real, imag]) {
    if (t._dtype !== float32 && t._dtype !== float64) {
      throw new Error(`Expected both inputs to be Half, Float or Double tensors but got ${scalarTypeName(real._dtype)} and ${scalarTypeName(imag._dtype)}`);
    }
  }
  if (real._dtype !== imag._dtype) {
    throw new Error(`Expected object of scalar type ${scalarTypeName(real._dtype)} but got scalar type ${scalarTypeName(imag._dtype)} for second argument`);
  }
  const shape = broadcastShapes(real._shape, imag._shape);
  const out = emptyKernel(shape, toComplexDType(real._dtype), real.device);
  noGrad(() => {
    copyKernel(partView(out, 0), real);
    copyKernel(partView(out, 1), imag);
  });
  const shapes = [real._shape, imag._shape];
  return record(out, 'ComplexBackward0', [real, imag], () => (g) => [sumTo(realPart(g), shapes[0]), sumTo(imagPart(g), shapes[1])]);
}

/**
 * `torch.polar(abs, angle)`: `abs·(cos(angle) + i·sin(angle))`, from float32 or float64 parts.
 * @example torch.polar(torch.ones(2), torch.tensor([0, Math.PI / 2])) // tensor([1.+0.j, -4.3711e-08+1.j])
 */
export function polar(abs: Tensor, angle: Tensor): Tensor {
  checkTensor(abs, 'polar', 'abs');
  checkTensor(angle, 'polar', 'angle');
  if (abs._dtype !== float32 && abs._dtype !== float64) {
    throw new Error(`Expected both inputs to be Float or Double tensors but got ${scalarTypeName(abs._dtype)} and ${scalarTypeName(angle._dtype)}`);
  }
  if (abs._dtype !== angle._dtype) {
    throw new Error(`Expected object of scalar type ${scalarTypeName(abs._dtype)} but got scalar type ${scalarTypeName(angle._dtype)} for second argument`);
  }
  const out = noGrad(() => complex(abs.mul(angle.cos()), abs.mul(angle.sin())));
  const shapes = [abs._shape, angle._shape];
  // PyTorch's polar_backward: d|z| = Re(conj(g)·sgn(z)), dθ = Re(conj(g)·i·z) = gy·x - gx·y.
  return record(out, 'PolarBackward0', [abs, angle], (node) => {
    const result = node.save(out);
    return (g) => {
      const z = result();
      const s = z.sgn();
      const [gx, gy] = [realPart(g), imagPart(g)];
      const gAbs = gx.mul(realPart(s)).add(gy.mul(imagPart(s)));
      const gAngle = gy.mul(realPart(z)).sub(gx.mul(imagPart(z)));
      return [sumTo(gAbs, shapes[0]), sumTo(gAngle, shapes[1])];
    };
  });
}
