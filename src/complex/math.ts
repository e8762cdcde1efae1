/**
 * Complex arithmetic: the complex branch of add, sub, mul, div, neg, conj, abs, angle, sgn,
 * exp, log, reciprocal, sum, mean, mm and bmm. Each forward computes on the parts (real
 * views of the pairs) with the real kernels, and records PyTorch's grad_fn with PyTorch's
 * complex backward formula (conjugates where its derivatives.yaml has them), so that a
 * gradient is ∂L/∂re + i·∂L/∂im as in PyTorch. The real ops call these when an operand is
 * complex.
 */
import { type Backward, record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { type DType, float64, promoteTypes, resultType, toComplexDType, toRealDType } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { castKernel, copyKernel, emptyKernel, fillKernel } from '../ops/tensor-kernels.js';
import { gradTo } from '../ops/elementwise.js';
import { imagPart, partView, realPart, complex } from './parts.js';
import { cat } from '../ops/shape.js';

type Operand = Tensor | number | boolean;

/** A forward computed on the parts: no history, and its temporaries freed at once. @internal */
export function onParts(fn: () => Tensor): Tensor {
  return noGrad(() => tidy(fn));
}

function operandOf(x: Operand) {
  return x instanceof Tensor ? { dtype: x._dtype, dim: x._shape.length } : x;
}

/** The complex result dtype of a binary op with a complex operand. @internal */
export function complexResult(a: Operand, b: Operand): DType {
  return toComplexDType(resultType([operandOf(a), operandOf(b)]));
}

/** `x` as `dtype`'s precision: a complex tensor as complex `dtype`, a real one as its parts' dtype. @internal */
export function inPrecision(x: Tensor, dtype: DType): Tensor {
  const target = x._dtype.isComplex ? dtype : toRealDType(dtype);
  return x._dtype === target ? x : castKernel(x, target);
}

/**
 * The parts a function computes on: complex128's own, and complex64's widened to float64.
 * glibc's float functions (PyTorch's complex64 kernels) keep float's precision where the
 * formulas of functions.ts cancel in float arithmetic, as log|z| does near |z| = 1 (hypot rounds to
 * 1 and the log to 0); computing in double and rounding once keeps it too.
 * @internal
 */
export function workingParts(z: Tensor): [Tensor, Tensor] {
  const re = partView(z, 0);
  const im = partView(z, 1);
  return re._dtype === float64 ? [re, im] : [inPrecision(re, float64), inPrecision(im, float64)];
}

/** A new complex tensor of `dtype` from its parts (broadcast to `shape`). @internal */
export function assemble(re: Tensor, im: Tensor | null, shape: number[], dtype: DType): Tensor {
  const out = emptyKernel(shape, dtype, re.device);
  copyKernel(partView(out, 0), re);
  if (im === null) fillKernel(partView(out, 1), 0);
  else copyKernel(partView(out, 1), im);
  return out;
}

/** The parts of `x`: views of a complex tensor's pairs, or a real tensor and null. @internal */
export function partsOf(x: Tensor): [Tensor, Tensor | null] {
  return x._dtype.isComplex ? [partView(x, 0), partView(x, 1)] : [x, null];
}

// ---- add, sub, mul, div --------------------------------------------------------------

/** `a + alpha·b` (or `a - alpha·b` when `negate`) where an operand is complex. */
export function complexAdd(a: Tensor, b: Operand, alpha: number, negate: boolean): Tensor {
  const dtype = complexResult(a, b);
  const scale = negate ? -alpha : alpha;
  const out = onParts(() => {
    const A = inPrecision(a, dtype);
    if (!(b instanceof Tensor)) {
      const [re, im] = partsOf(A);
      return assemble(re.add(Number(b) * scale), im, A._shape.slice(), dtype);
    }
    const B = inPrecision(b, dtype);
    const shape = broadcastShapes(A._shape, B._shape);
    const [ar, ai] = partsOf(A);
    const [br, bi] = partsOf(B);
    const re = ar.add(br, { alpha: scale });
    const im = ai === null ? (bi === null ? null : bi.mul(scale)) : bi === null ? ai : ai.add(bi, { alpha: scale });
    return assemble(re, im, shape, dtype);
  });
  const bt = b instanceof Tensor ? b : null;
  const [shapeA, dtypeA] = [a._shape, a._dtype];
  const [shapeB, dtypeB] = bt === null ? [[], dtypeA] : [bt._shape, bt._dtype];
  return record(out, negate ? 'SubBackward0' : 'AddBackward0', [a, bt], () => (g) => [
    gradTo(g, shapeA, dtypeA),
    bt === null ? null : gradTo(scale === 1 ? g : g.mul(scale), shapeB, dtypeB),
  ]);
}

/** The product of the parts, (ar + i·ai)(br + i·bi), with null for absent imaginary parts. */
function multiplyParts(ar: Tensor, ai: Tensor | null, br: Tensor, bi: Tensor | null): [Tensor, Tensor | null] {
  if (ai === null && bi === null) return [ar.mul(br), null];
  if (ai === null) return [ar.mul(br), ar.mul(bi!)];
  if (bi === null) return [ar.mul(br), ai.mul(br)];
  return [ar.mul(br).sub(ai.mul(bi)), ar.mul(bi).add(ai.mul(br))];
}

/** `a·b` where an operand is complex. */
export function complexMul(a: Tensor, b: Operand): Tensor {
  const dtype = complexResult(a, b);
  const out = onParts(() => {
    const A = inPrecision(a, dtype);
    const [ar, ai] = partsOf(A);
    if (!(b instanceof Tensor)) return assemble(ar.mul(Number(b)), ai === null ? null : ai.mul(Number(b)), A._shape.slice(), dtype);
    const B = inPrecision(b, dtype);
    const [br, bi] = partsOf(B);
    const [re, im] = multiplyParts(ar, ai, br, bi);
    return assemble(re, im, broadcastShapes(A._shape, B._shape), dtype);
  });
  const [shapeA, dtypeA] = [a._shape, a._dtype];
  if (!(b instanceof Tensor)) return record(out, 'MulBackward0', [a], () => (g) => [gradTo(g.mul(Number(b)), shapeA, dtypeA)]);
  const [shapeB, dtypeB] = [b._shape, b._dtype];
  return record(out, 'MulBackward0', [a, b], (node) => {
    const sa = b._requiresGrad ? node.save(a) : null;
    const sb = a._requiresGrad ? node.save(b) : null;
    return (g) => [
      sb === null ? null : gradTo(g.mul(conj(sb())), shapeA, dtypeA),
      sa === null ? null : gradTo(g.mul(conj(sa())), shapeB, dtypeB),
    ];
  });
}

/** `a / b` where an operand is complex: a·conj(b) / |b|². */
export function complexDiv(a: Tensor, b: Operand): Tensor {
  const dtype = complexResult(a, b);
  const out = onParts(() => {
    const A = inPrecision(a, dtype);
    const [ar, ai] = partsOf(A);
    if (!(b instanceof Tensor)) return assemble(ar.div(Number(b)), ai === null ? null : ai.div(Number(b)), A._shape.slice(), dtype);
    const B = inPrecision(b, dtype);
    const [br, bi] = partsOf(B);
    const shape = broadcastShapes(A._shape, B._shape);
    if (bi === null) return assemble(ar.div(br), ai === null ? null : ai.div(br), shape, dtype);
    const norm = br.mul(br).add(bi.mul(bi));
    const [re, im] = multiplyParts(ar, ai, br, bi.neg());
    return assemble(re.div(norm), im!.div(norm), shape, dtype);
  });
  const [shapeA, dtypeA] = [a._shape, a._dtype];
  if (!(b instanceof Tensor)) return record(out, 'DivBackward0', [a], () => (g) => [gradTo(g.div(Number(b)), shapeA, dtypeA)]);
  const [shapeB, dtypeB] = [b._shape, b._dtype];
  // PyTorch's div_tensor_self_backward (g / conj(b)) and div_tensor_other_backward
  // (-g · conj(a / b) / conj(b)).
  return record(out, 'DivBackward0', [a, b], (node) => {
    const sa = b._requiresGrad ? node.save(a) : null;
    const sb = node.save(b);
    return (g) => {
      const cb = conj(sb());
      return [
        a._requiresGrad ? gradTo(g.div(cb), shapeA, dtypeA) : null,
        sa === null ? null : gradTo(g.neg().mul(conj(sa().div(sb()))).div(cb), shapeB, dtypeB),
      ];
    };
  });
}

// ---- unary ---------------------------------------------------------------------------

/** `-z`. */
export function complexNeg(z: Tensor): Tensor {
  const out = onParts(() => assemble(partView(z, 0).neg(), partView(z, 1).neg(), z._shape.slice(), z._dtype));
  return record(out, 'NegBackward0', [z], () => (g) => [g.neg()]);
}

/** The conjugate, materialized (PyTorch's conj is a lazy view; flint's is a copy). */
export function conj(z: Tensor, name = 'ConjBackward0'): Tensor {
  if (!z._dtype.isComplex) return z;
  const out = onParts(() => assemble(partView(z, 0), partView(z, 1).neg(), z._shape.slice(), z._dtype));
  return record(out, name, [z], () => (g) => [conj(g, name)]);
}

/** `|z|`, real: the hypotenuse of the parts. */
export function complexAbs(z: Tensor): Tensor {
  const out = onParts(() => partView(z, 0).hypot(partView(z, 1)));
  return record(out, 'AbsBackward0', [z], (node) => {
    const saved = node.save(z);
    return (g) => [g.mul(complexSgn(saved()))];
  });
}

/** `z / |z|`, 0 where z is 0. */
export function complexSgn(z: Tensor): Tensor {
  const out = onParts(() => {
    const re = partView(z, 0);
    const im = partView(z, 1);
    const r = re.hypot(im);
    const zero = r.eq(0);
    const safe = r.maskedFill(zero, 1);
    return assemble(re.div(safe).maskedFill(zero, 0), im.div(safe).maskedFill(zero, 0), z._shape.slice(), z._dtype);
  });
  // PyTorch's sgn_backward: (g - Re(g·conj(sgn))·sgn) / |z|, 0 where z is 0.
  return record(out, 'SgnBackward0', [z], (node) => {
    const saved = node.save(z);
    const result = node.save(out);
    return (g) => {
      const r = complexAbs(saved());
      const s = result();
      const zero = r.eq(0);
      const grad = g.sub(realPart(g.mul(conj(s))).mul(s)).div(r.maskedFill(zero, 1));
      return [grad.mul(zero.logicalNot())];
    };
  });
}

/** The argument, real: atan2(im, re). */
export function complexAngle(z: Tensor): Tensor {
  const out = onParts(() => partView(z, 1).atan2(partView(z, 0)));
  // d/dz of atan2(y, x): (-y + i·x) / |z|², 0 at z = 0, as PyTorch's angle_backward.
  return record(out, 'AngleBackward0', [z], (node) => {
    const saved = node.save(z);
    return (g) => {
      const x = realPart(saved());
      const y = imagPart(saved());
      const r2 = x.mul(x).add(y.mul(y));
      const zero = r2.eq(0);
      const scale = g.div(r2.maskedFill(zero, 1)).maskedFill(zero, 0);
      return [complex(y.neg().mul(scale), x.mul(scale))];
    };
  });
}

/** `e^z` = e^re·(cos im + i·sin im). */
export function complexExp(z: Tensor): Tensor {
  const out = onParts(() => {
    const m = partView(z, 0).exp();
    const im = partView(z, 1);
    return assemble(m.mul(im.cos()), m.mul(im.sin()), z._shape.slice(), z._dtype);
  });
  return record(out, 'ExpBackward0', [z], (node) => {
    const result = node.save(out);
    return (g) => [g.mul(conj(result()))];
  });
}

/** `log z` = log|z| + i·angle(z). */
export function complexLog(z: Tensor): Tensor {
  const out = onParts(() => {
    const [re, im] = workingParts(z);
    return assemble(re.hypot(im).log(), im.atan2(re), z._shape.slice(), z._dtype);
  });
  return record(out, 'LogBackward0', [z], (node) => {
    const saved = node.save(z);
    return (g) => [g.div(conj(saved()))];
  });
}

/** `1 / z` = conj(z) / |z|². */
export function complexReciprocal(z: Tensor): Tensor {
  const out = onParts(() => {
    const re = partView(z, 0);
    const im = partView(z, 1);
    const norm = re.mul(re).add(im.mul(im));
    return assemble(re.div(norm), im.neg().div(norm), z._shape.slice(), z._dtype);
  });
  return record(out, 'ReciprocalBackward0', [z], (node) => {
    const result = node.save(out);
    return (g) => [g.neg().mul(conj(result().mul(result())))];
  });
}

// ---- reductions and products ---------------------------------------------------------

/** Sum over `dims` (normalized, non-negative) of complex `z`, recorded as `name`. */
export function complexSum(z: Tensor, dims: number[], keepdim: boolean, name: string, divideBy = 1): Tensor {
  const out = onParts(() => {
    const re = partView(z, 0).sum(dims, keepdim);
    const im = partView(z, 1).sum(dims, keepdim);
    return divideBy === 1 ? assemble(re, im, re._shape.slice(), z._dtype) : assemble(re.div(divideBy), im.div(divideBy), re._shape.slice(), z._dtype);
  });
  const shape = z._shape;
  return record(out, name, [z], () => (g) => {
    let grad = divideBy === 1 ? g : g.div(divideBy);
    if (!keepdim && shape.length > 0) for (const d of [...dims].sort((p, q) => p - q)) grad = grad.unsqueeze(d);
    return [grad.expand(shape as number[])];
  });
}

/** Matrix products of complex operands (2-D mm, 3-D bmm): four real products. */
export function complexMatmul(a: Tensor, b: Tensor, name: 'MmBackward0' | 'BmmBackward0'): Tensor {
  const product = (x: Tensor, y: Tensor): Tensor => (name === 'MmBackward0' ? x.mm(y) : x.bmm(y));
  const dtype = promoteTypes(a._dtype, b._dtype);
  const out = onParts(() => {
    const [ar, ai] = partsOf(a);
    const [br, bi] = partsOf(b);
    const re = product(ar, br).sub(product(ai!, bi!));
    const im = product(ar, bi!).add(product(ai!, br));
    return assemble(re, im, re._shape.slice(), dtype);
  });
  const adjoint = (x: Tensor): Tensor => conj(x.transpose(-2, -1));
  return record(out, name, [a, b], (node): Backward => {
    const sa = b._requiresGrad ? node.save(a) : null;
    const sb = a._requiresGrad ? node.save(b) : null;
    return (g) => [sb === null ? null : product(g, adjoint(sb())), sa === null ? null : product(adjoint(sa()), g)];
  });
}

/**
 * The product over `dims` (all, or one) of complex `z`: products of halves, level by level
 * (log₂ n multiplications of whole slices), named `name`. Its gradient is the
 * multiplications' own, which handles zeros as PyTorch's prod_backward does.
 */
export function complexProd(z: Tensor, dims: number[], keepdim: boolean, name: string): Tensor {
  const whole = dims.length !== 1;
  let x = whole ? z.reshape(-1) : z.movedim(dims[0], 0);
  if (x._shape[0] === 0) {
    // The empty product is 1.
    const one = emptyKernel(x._shape.slice(1), z._dtype, z.device);
    fillKernel(partView(one, 0), 1);
    fillKernel(partView(one, 1), 0);
    x = one.unsqueeze(0);
  }
  while (x._shape[0] > 1) {
    const n = x._shape[0];
    const half = Math.floor(n / 2);
    const product = x.narrow(0, 0, half).mul(x.narrow(0, half, half));
    x = n % 2 === 1 ? cat([product, x.narrow(0, n - 1, 1)], 0) : product;
  }
  let out = x.squeeze(0);
  if (keepdim) out = whole ? out.reshape(z._shape.map(() => 1)) : out.unsqueeze(dims[0]);
  if (out._gradFn !== null) (out._gradFn as { name: string }).name = name;
  return out;
}
