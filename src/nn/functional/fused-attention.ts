/**
 * The seam between `F.scaledDotProductAttention` (src/nn/functional/attention.ts) and the
 * fused, tiled attention kernels (native/cpu/attention.cc, native/cuda/attention.cu), which
 * never hold the L×S scores whole: memory beyond the inputs and outputs is O(L).
 *
 * What the kernels cover (anything else takes the matmul-softmax path):
 * - float32 or float64 q, k, v on one device, or float16 or bfloat16 ones on CUDA (read
 *   and written narrow, computed in float32 with a float32 logsumexp, as PyTorch's flash
 *   attention does; on the CPU they take the composition, as PyTorch 1.13's do), with the
 *   same leading dims [..., L|S, E|Ev] (no broadcasting between them), L, S >= 1, and on
 *   CUDA head dims up to 128;
 * - dropoutP below 1: the weights' dropout factors are drawn as the composition's dropout
 *   draws its mask (the same numbers from the same generator), held as an [N, L, S] tensor
 *   while the graph lives, and applied inside the kernels;
 * - a bool mask (true = takes part) or a float mask of q's dtype that does not require grad,
 *   broadcastable to [..., L, S] where the leading dims other than the last (heads) are all 1
 *   or all full: key-padding masks [B, 1, 1, S], [L, S] masks, per-head masks. The mask is
 *   read in place, never expanded; a bool mask becomes a 0/-inf float mask of its own size.
 *
 * A query row whose keys are all masked out gives NaN, as softmax over a row of -inf does on
 * the matmul-softmax path (PyTorch 1.13's composition, and 2.x's math path before its
 * safe softmax). In the backward a masked-out score gets no gradient, as masked_fill's
 * backward gives that path for a bool mask: such a row gives v NaN gradients (its weights
 * are NaN) but q and k none. (An additive float mask of -inf gives the composition NaN
 * there instead; the kernel treats both masks alike.)
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Tensor as TensorClass, fromHandle } from '../../tensor/tensor.js';
import { type Backward, record } from '../../autograd/function.js';
import type { Node } from '../../autograd/node.js';
import * as call from '../../native/calls.generated.js';
import { fresh, layoutOf, type ViewArg } from '../../native/meta.js';
import { bfloat16, bool, float16, float32, float64, type DType } from '../../tensor/dtype.js';
import type { Device } from '../../tensor/device.js';
import { contiguousStrides } from '../../tensor/shape.js';
import { castKernel } from '../../ops/tensor-kernels.js';
import { where } from '../../ops/elementwise.js';
import { scalarLike } from '../../ops/internal-tensors.js';
import { bernoulli_ } from '../../ops/fill.js';
import { div_ } from '../../ops/inplace.js';
import { empty } from '../../tensor/creation.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';

/**
 * What the fused kernel is asked to compute:
 * `softmax(q·kᵀ·scale + mask) · v` over the last two dims, batched over the leading ones.
 * @example const options: FusedAttentionOptions = { isCausal: true, scale: 0.125, dropoutP: 0 };
 */
export interface FusedAttentionOptions {
  /** Query i attends to keys j <= i (top-left aligned, as PyTorch's is_causal). */
  isCausal: boolean;
  /** The factor applied to q·kᵀ (PyTorch's default is 1/sqrt(E)). */
  scale: number;
  /** A bool mask (true = takes part) or an additive float mask, broadcastable to [..., L, S]. */
  mask?: Tensor;
  /** The dropout probability on the attention weights (0 when not training). */
  dropoutP: number;
}

/** The CUDA kernels stage a head row in shared memory: native/cuda/attention.cu's kMaxHead. */
const CUDA_MAX_HEAD = 128;

/** How a call maps onto the kernels' [N, L, E] views and [MB, MH, ML, MS] mask. */
interface Plan {
  /** What the kernels keep the logsumexp in: float64 for float64, float32 otherwise. */
  lseDtype: DType;
  lead: number[];
  n: number;
  /** n = b · heads: the kernels' [B, H, rows, width] views. */
  b: number;
  heads: number;
  l: number;
  s: number;
  e: number;
  ev: number;
  maskShape: [number, number, number, number] | null;
}

function plan(q: Tensor, k: Tensor, v: Tensor, options: FusedAttentionOptions): Plan | null {
  if (!(options.dropoutP >= 0 && options.dropoutP < 1) || !Number.isFinite(options.scale)) return null;
  const dtype = q._dtype;
  const device = q.device;
  const half = dtype === float16 || dtype === bfloat16;
  if (!(dtype === float32 || dtype === float64 || (half && device.type === 'cuda'))) return null;
  if (k._dtype !== dtype || v._dtype !== dtype) return null;
  if (String(k.device) !== String(device) || String(v.device) !== String(device)) return null;
  const nd = q._shape.length;
  if (nd < 2 || k._shape.length !== nd || v._shape.length !== nd) return null;
  const lead = q._shape.slice(0, -2);
  if (lead.some((size, d) => k._shape[d] !== size || v._shape[d] !== size)) return null;
  const [l, e] = q._shape.slice(-2);
  const [s, ek] = k._shape.slice(-2);
  const [sv, ev] = v._shape.slice(-2);
  if (ek !== e || sv !== s || l < 1 || s < 1) return null;
  if (device.type === 'cuda' && (e > CUDA_MAX_HEAD || ev > CUDA_MAX_HEAD)) return null;
  const n = lead.reduce((a, b) => a * b, 1);
  if (n < 1) return null;
  const heads = lead.length > 0 ? lead[lead.length - 1] : 1;
  const b = n / heads;
  const lseDtype = dtype === float64 ? float64 : float32;
  const mask = options.mask;
  if (mask === undefined) return { lseDtype, lead, n, b, heads, l, s, e, ev, maskShape: null };
  if (mask._dtype !== bool && (mask._dtype !== dtype || mask._requiresGrad)) return null;
  if (String(mask.device) !== String(device) || mask._shape.length > nd) return null;
  const padded = [...new Array<number>(nd - mask._shape.length).fill(1), ...mask._shape];
  const [ml, ms] = padded.slice(-2);
  if ((ml !== 1 && ml !== l) || (ms !== 1 && ms !== s)) return null;
  const maskLead = padded.slice(0, -2);
  const mh = lead.length > 0 ? maskLead[lead.length - 1] : 1;
  if (mh !== 1 && mh !== heads) return null;
  // The batch dims (all leading dims but heads) are read as one: all broadcast, or all full.
  const batchDims = maskLead.slice(0, -1);
  const batchLead = lead.slice(0, -1);
  const mb = batchDims.every((size) => size === 1) ? 1 : batchDims.every((size, d) => size === batchLead[d]) ? n / heads : -1;
  if (mb < 0) return null;
  return { lseDtype, lead, n, b, heads, l, s, e, ev, maskShape: [mb, mh, ml, ms] };
}

/**
 * Whether the fused kernel computes this call; false sends it to the matmul-softmax path.
 * @example if (fusedAttentionApplies(q, k, v, options)) return fusedAttention(q, k, v, options);
 */
export function fusedAttentionApplies(q: Tensor, k: Tensor, v: Tensor, options: FusedAttentionOptions): boolean {
  return plan(q, k, v, options) !== null;
}

/** `t` as a contiguous tensor of its own dtype: itself, or a copy outside the graph. */
function dense(t: Tensor): Tensor {
  return t.isContiguous() ? t : castKernel(t, t._dtype);
}

/**
 * The [B, H, rows, width] view of `t` ([...batch, H, rows, width], or [rows, width]) that
 * the CPU kernel reads in place: each row contiguous, the batch dims one stride apart. The
 * heads of a packed in-projection are such a view, so they are never copied. Null when the
 * layout is not one (or on CUDA, whose kernels read contiguous views only).
 */
function rowsView(t: Tensor, p: Plan, rows: number, width: number): ViewArg | null {
  if (t.device.type !== 'cpu') return null;
  const shape = t._shape;
  const strides = t._strides;
  const nd = shape.length;
  if (width > 1 && strides[nd - 1] !== 1) return null;
  let batchStride = 0;
  let expected = -1;
  for (let d = nd - 4; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (expected < 0) batchStride = strides[d];
    else if (strides[d] !== expected) return null;
    expected = strides[d] * shape[d];
  }
  const headStride = nd >= 3 ? strides[nd - 3] : 0;
  return layoutOf(t, t._dtype, t._offset, [p.b, p.heads, rows, width], [batchStride, headStride, strides[nd - 2], 1]);
}

/** A contiguous tensor's [B, H, rows, width] view. */
function view4(t: Tensor, p: Plan, rows: number, width: number): ViewArg {
  return layoutOf(t, t._dtype, t._offset, [p.b, p.heads, rows, width], [p.heads * rows * width, rows * width, width, 1]);
}

/** `t` as the kernels read it, with the copy made for it if one was (else null). */
function kernelView(t: Tensor, p: Plan, rows: number, width: number): { view: ViewArg; copy: Tensor | null } {
  const inPlace = rowsView(t, p, rows, width);
  if (inPlace !== null) return { view: inPlace, copy: null };
  const copy = dense(t);
  return { view: view4(copy, p, rows, width), copy: copy === t ? null : copy };
}

/**
 * The output, [...lead, L, EV]. For 4-D inputs on the CPU its memory is laid out
 * [B, L, H, EV], as PyTorch 2's CPU flash attention lays it out (it returns the same
 * transposed view), so that merging the heads afterwards
 * (`out.transpose(1, 2).reshape(B, L, H·EV)`) is a view, not a copy. Otherwise (CUDA, and
 * the other ranks, which PyTorch sends to its math path) it is contiguous.
 */
function outputOf(p: Plan, dtype: DType, device: Device): { out: Tensor; view: ViewArg } {
  const { b, heads, l, ev, lead } = p;
  const base = empty([b * heads * l * ev], { dtype, device });
  const merged = device.type === 'cpu' && lead.length === 2;
  const kernelStrides = merged ? [l * heads * ev, ev, heads * ev, 1] : [heads * l * ev, l * ev, ev, 1];
  const strides = merged ? kernelStrides : contiguousStrides([...lead, l, ev]);
  const out = new TensorClass(base._storage, [...lead, l, ev], strides, 0, dtype);
  base.dispose();
  return { out, view: layoutOf(out, dtype, 0, [b, heads, l, ev], kernelStrides) };
}

/**
 * The fused attention, with its autograd node. Only called where fusedAttentionApplies.
 * The node is named as PyTorch 2.x names its flash-attention nodes:
 * `ScaledDotProductFlashAttentionForCpuBackward0` on the CPU,
 * `ScaledDotProductFlashAttentionBackward0` on CUDA. Its backward runs the fused kernel
 * (no graph), so `backward({ createGraph: true })` through it is refused.
 * @example const out = fusedAttention(q, k, v, { isCausal: false, scale: 0.125, dropoutP: 0 });
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, options: FusedAttentionOptions): Tensor {
  const p = plan(q, k, v, options);
  if (p === null) {
    throw new Error('fusedAttention: this call is not one the fused attention kernel covers (see fusedAttentionApplies)');
  }
  const dtype = q._dtype;
  const { b, l, s, e, ev, heads } = p;
  const qv = kernelView(q, p, l, e);
  const kv = kernelView(k, p, s, e);
  const vv = kernelView(v, p, s, ev);
  const qc = qv.copy ?? q;
  const kc = kv.copy ?? k;
  const vc = vv.copy ?? v;
  let maskc: Tensor | null = null;
  if (options.mask !== undefined && p.maskShape !== null) {
    const mask = options.mask;
    if (mask._dtype === bool) {
      const zero = scalarLike(0, q);
      const minusInf = scalarLike(-Infinity, q);
      const additive = where(mask, zero, minusInf);
      zero.dispose();
      minusInf.dispose();
      maskc = dense(additive);
      if (maskc !== additive) additive.dispose();
    } else {
      maskc = dense(mask);
    }
  }
  // Dropout's factors, 0 or 1 / (1 - p), drawn as F.dropout draws a mask of the weights' shape.
  let drop: Tensor | null = null;
  if (options.dropoutP > 0) {
    const factors = empty([b, heads, l, s], { dtype, device: q.device });
    drop = factors;
    noGrad(() => {
      bernoulli_(factors, 1 - options.dropoutP);
      div_(factors, 1 - options.dropoutP);
    });
  }
  const maskShape = p.maskShape;
  const maskView = () =>
    maskc === null || maskShape === null ? null : layoutOf(maskc, dtype, maskc._offset, maskShape, contiguousStrides(maskShape));
  const output = outputOf(p, dtype, q.device);
  const [, lseHandle] = call.attentionForward(
    output.view,
    fresh(p.lseDtype, [b, heads, l]),
    qv.view,
    kv.view,
    vv.view,
    maskView(),
    drop,
    options.scale,
    options.isCausal,
  );
  const out = output.out;
  const lse = fromHandle(lseHandle, [p.n, l], p.lseDtype, q.device);
  const internal = (t: Tensor, source: Tensor) => t !== source;
  const needsGrad = gradEnabled() && (q._requiresGrad || k._requiresGrad || v._requiresGrad);
  if (!needsGrad) {
    for (const [t, source] of [[qc, q], [kc, k], [vc, v]] as const) if (internal(t, source)) t.dispose();
    if (maskc !== null && maskc !== options.mask) maskc.dispose();
    drop?.dispose();
    lse.dispose();
    return out;
  }
  const name =
    q.device.type === 'cpu' ? 'ScaledDotProductFlashAttentionForCpuBackward0' : 'ScaledDotProductFlashAttentionBackward0';
  const ownMask = maskc !== null && maskc !== options.mask;
  const mask = maskc;
  const meta: BackwardMeta = { plan: p, scale: options.scale, isCausal: options.isCausal };
  return record(
    out,
    name,
    [q, k, v],
    (node) =>
      fusedBackward(node, meta, {
        q: node.save(qc, internal(qc, q)),
        k: node.save(kc, internal(kc, k)),
        v: node.save(vc, internal(vc, v)),
        mask: mask === null ? null : node.save(mask, ownMask),
        drop: drop === null ? null : node.save(drop, true),
        out: node.save(out),
        lse: node.save(lse, true),
      }),
    { onceDifferentiable: true },
  );
}

interface BackwardMeta {
  plan: Plan;
  scale: number;
  isCausal: boolean;
}

type Getter = () => Tensor;

/**
 * The backward closure, built outside fusedAttention so that it holds only saved-tensor
 * getters and numbers (a closure keeps its whole enclosing scope alive).
 */
function fusedBackward(
  node: Node,
  meta: BackwardMeta,
  saved: { q: Getter; k: Getter; v: Getter; mask: Getter | null; drop: Getter | null; out: Getter; lse: Getter },
): Backward {
  const plan = meta.plan;
  const { b, l, s, e, ev, heads, lead, maskShape } = plan;
  return (g) => {
    const o = saved.out();
    const dtype = o._dtype;
    const cast = g._dtype === dtype ? null : castKernel(g, dtype);
    const views = [
      kernelView(cast ?? g, plan, l, ev),
      kernelView(saved.q(), plan, l, e),
      kernelView(saved.k(), plan, s, e),
      kernelView(saved.v(), plan, s, ev),
      kernelView(o, plan, l, ev),
    ];
    const mask = saved.mask === null ? null : saved.mask();
    const lse = saved.lse();
    const [dqH, dkH, dvH] = call.attentionBackward(
      fresh(dtype, [b, heads, l, e]),
      fresh(dtype, [b, heads, s, e]),
      fresh(dtype, [b, heads, s, ev]),
      views[0].view,
      views[1].view,
      views[2].view,
      views[3].view,
      views[4].view,
      layoutOf(lse, lse._dtype, lse._offset, [b, heads, l], [heads * l, l, 1]),
      mask === null || maskShape === null ? null : layoutOf(mask, dtype, mask._offset, maskShape, contiguousStrides(maskShape)),
      saved.drop === null ? null : saved.drop(),
      meta.scale,
      meta.isCausal,
    );
    cast?.dispose();
    for (const { copy } of views) copy?.dispose();
    const grads = [
      fromHandle(dqH, [...lead, l, e], dtype, o.device),
      fromHandle(dkH, [...lead, s, e], dtype, o.device),
      fromHandle(dvH, [...lead, s, ev], dtype, o.device),
    ];
    return grads.map((t, i) => {
      if (node.next[i] !== null) return t;
      t.dispose();
      return null;
    });
  };
}
