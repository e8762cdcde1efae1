/*
 * A whole recurrent stack through cuDNN's RNN API (native/cuda/cudnn_rnn.cc), as PyTorch
 * runs nn.LSTM, nn.GRU and nn.RNN on CUDA: one call for every layer, direction and step,
 * forward and backward, instead of a GEMM and a gate kernel per step (direction.ts, which
 * stays the path where cuDNN is missing, disabled or refuses a stack).
 *
 * cuDNN keeps the weights in its own weight space: each call packs the parameters into one
 * (where cuDNN's plan says each gate matrix and bias lies), and the backward unpacks the
 * weight-space gradient into per-parameter gradients. The input is time-major packed rows,
 * which is cuDNN's packed layout (a padded batch is the case of equal lengths).
 *
 * Dropout between layers is cuDNN's own, from states seeded from the device's generator on
 * first use and after each manualSeed, as PyTorch's cuDNN path does: its masks are not
 * F.dropout's. A CUDA graph capture runs the fused path (cuDNN's calls read host memory).
 * Internal to flint.
 */
import * as call from '../../native/calls.generated.js';
import { fresh, layoutOf } from '../../native/meta.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { fromHandle, type Tensor } from '../../tensor/tensor.js';
import { float16, float32, float64, uint8 } from '../../tensor/dtype.js';
import { copyKernel, emptyKernel, fillKernel } from '../../ops/tensor-kernels.js';
import { contiguous } from '../../ops/shape.js';
import { cudnnMath } from '../../cuda.js';
import { captureUnderway } from '../../cuda-capture.js';
import { GATES, MultiOutputNode, type DirectionWeights, type RnnMode } from './direction.js';
import type { StackConfig } from './stack.js';

/** The grad_fn of a stack cuDNN ran, as PyTorch names it. */
export const CUDNN_NODE = 'CudnnRnnBackward0';

/**
 * Whether `out` (a stack's output) came from cuDNN, so that callers keep its node's name.
 * @example const name = cudnnRan(out) ? CUDNN_NODE : 'StackBackward0';
 */
export function cudnnRan(out: Tensor): boolean {
  return out._gradFn?.name === CUDNN_NODE;
}

/** cuDNN's cudnnRNNMode_t. */
const CUDNN_MODE: Record<RnnMode, number> = { RNN_RELU: 0, RNN_TANH: 1, LSTM: 2, GRU: 3 };

/** Where cuDNN lays out each matrix and bias of the stack (CudnnRnnLayout in native/include/flint/cudnn_rnn_args.h). @internal */
export interface Layout {
  weightElements: number;
  reserveBytes: number;
  linearLayers: number;
  matrix: number[];
  bias: number[];
}

/** Plans cuDNN refused (an unsupported stack), so that they are not asked again. */
const refused = new Set<string>();
const MAX_REFUSED = 256;

const dense = (t: Tensor) => (t.isContiguous() ? t : contiguous(t));

/**
 * Each sequence's length from the packed batch sizes (non-increasing): sequence b runs for
 * the steps whose batch holds more than b rows.
 */
function sequenceLengths(batchSizes: readonly number[]): number[] {
  const lengths = new Array<number>(batchSizes[0]).fill(0);
  for (const size of batchSizes) for (let b = 0; b < size; b++) lengths[b]++;
  return lengths;
}

/**
 * Runs the stack through cuDNN when it applies (CUDA tensors in float32, float64 or float16,
 * `torch.backends.cudnn.enabled` and cuDNN loaded, a non-empty batch), recording one
 * `CudnnRnnBackward0` node; null sends the caller to the fused per-step path.
 * @example const result = runCudnnStack(config, x, [4, 4, 3], hx, cx, weights) ?? runLayers(...)
 */
export function runCudnnStack(
  config: StackConfig, x: Tensor, batchSizes: readonly number[], hx: Tensor, cx: Tensor | null, weights: DirectionWeights[],
): { out: Tensor; hN: Tensor; cN: Tensor | null } | null {
  const dtype = x._dtype;
  if (x.device.type !== 'cuda' || (dtype !== float32 && dtype !== float64 && dtype !== float16)) return null;
  if (batchSizes.length === 0 || batchSizes[0] === 0 || x._shape[0] === 0 || captureUnderway()) return null;
  // Mixed dtypes take the fused path, which reports them as PyTorch does.
  const params = weights.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh, w.wHr]);
  if ([hx, cx, ...params].some((t) => t !== null && t._dtype !== dtype)) return null;
  const math = cudnnMath(x.device);
  if (math === null) return null;
  const mode = config.mode;
  const lstm = mode === 'LSTM';
  const dirs = config.bidirectional ? 2 : 1;
  const states = config.numLayers * dirs;
  const gates = GATES[mode];
  const hidden = weights[0].wHh._shape[0] / gates;
  const proj = hx._shape[2];
  const batch = batchSizes[0];
  const inputSize = x._shape[1];
  const bias = weights[0].bIh !== null;
  const inputs = [x, hx, cx, ...params];
  const needs = inputs.map((t) => t !== null && t._requiresGrad);
  const record = gradEnabled() && needs.some((b) => b);
  // cuDNN has no backward after an inference forward, so a graph runs in training mode
  // (without dropout outside module training), where PyTorch would refuse the backward.
  const training = config.training || record;
  const dropout = config.training && config.numLayers > 1 ? config.dropout : 0;
  const lengths = sequenceLengths(batchSizes);
  const header = [CUDNN_MODE[mode], inputSize, hidden, proj, config.numLayers, dirs - 1, bias ? 1 : 0, dtype.code, training ? 1 : 0, math.allowTF32 ? 1 : 0];
  const configArray = Int32Array.from([...header, ...lengths]);

  const key = `${x.device.code}:${dropout}:${configArray.join(',')}`;
  if (refused.has(key)) return null;
  let layout: Layout;
  try {
    const plan = call.cudnnRnnPlan(x.device.code, configArray, dropout);
    const slots = (plan.length - 3) / 2;
    layout = { weightElements: plan[0], reserveBytes: plan[1], linearLayers: plan[2], matrix: plan.slice(3, 3 + slots), bias: plan.slice(3 + slots) };
  } catch (error) {
    // cuDNN lacks its RNN API here, or refuses this stack: the fused path computes it, and
    // cuDNN is not asked again. Running out of memory is not a refusal.
    if (!/out of memory|ALLOC_FAILED|MemoryAllocation/i.test(String(error))) {
      if (refused.size >= MAX_REFUSED) refused.clear();
      refused.add(key);
    }
    return null;
  }

  const space = noGrad(() => packWeights(layout, weights, { gates, hidden, proj, inputSize, dirs, bias }, x));
  const xc = dense(x);
  const hxc = dense(hx);
  const cxc = cx === null ? null : dense(cx);
  // The copies made here, freed unless the graph keeps them.
  const copies = () => [[xc, x], [hxc, hx], [cxc, cx]].filter(([copy, given]) => copy !== given).map(([copy]) => copy!);
  const n = x._shape[0];
  let handles: ReturnType<typeof call.cudnnRnnForward>;
  try {
    handles = call.cudnnRnnForward(
      fresh(dtype, [n, dirs * proj]), fresh(dtype, [states, batch, proj]), lstm ? fresh(dtype, [states, batch, hidden]) : null,
      training ? fresh(uint8, [layout.reserveBytes]) : null,
      xc, hxc, cxc, space, configArray, dropout,
    );
  } catch (error) {
    for (const t of [space, ...copies()]) t.dispose();
    throw error;
  }
  const [yH, hyH, cyH, reserveH] = handles;
  const out = fromHandle(yH, [n, dirs * proj], dtype, x.device);
  const hN = fromHandle(hyH, [states, batch, proj], dtype, x.device);
  const cN = cyH === null ? null : fromHandle(cyH, [states, batch, hidden], dtype, x.device);
  const reserve = reserveH === null ? null : fromHandle(reserveH, [layout.reserveBytes], uint8, x.device);
  if (!record || reserve === null) {
    for (const t of [space, ...copies()]) t.dispose();
    reserve?.dispose();
    return { out, hN, cN };
  }

  const node = new MultiOutputNode(CUDNN_NODE, inputs);
  const present = params.filter((t): t is Tensor => t !== null);
  const saved = {
    x: node.save(xc, xc !== x), hx: node.save(hxc, hxc !== hx), cx: cxc === null ? null : node.save(cxc, cxc !== cx),
    y: node.save(out), space: node.save(space, true), reserve: node.save(reserve, true),
    // Read only to check that no parameter was changed in place before the backward (the
    // packed copy would hide it), as PyTorch's saved weights do.
    params: present.map((t) => node.save(t)),
  };
  const shapes = weights.map((w) => [w.wIh, w.wHh, w.bIh, w.bHh, w.wHr].map((t) => (t === null ? null : t._shape.slice())));
  const geometry = { gates, hidden, proj, inputSize, dirs, bias };
  node.runBackward = (slots) => noGrad(() => {
    if (captureUnderway()) {
      throw new Error(`${CUDNN_NODE}: cuDNN's RNN backward cannot be captured in a CUDA graph; run the forward inside the capture too (it then takes flint's own kernels)`);
    }
    saved.params.forEach((check, i) => {
      const t = check();
      // A saved-tensor hook may hand back a copy: it is only looked at.
      if (t !== present[i]) t.dispose();
    });
    const y = saved.y();
    const temporaries: Tensor[] = [];
    const keep = (t: Tensor, given?: Tensor) => {
      if (t !== given) temporaries.push(t);
      return t;
    };
    try {
      let dy: Tensor;
      if (slots[0] === undefined) {
        dy = keep(emptyKernel([n, dirs * proj], dtype, x.device));
        fillKernel(dy, 0);
      } else {
        dy = keep(dense(slots[0]), slots[0]);
      }
      const dhy = slots[1] === undefined ? null : keep(dense(slots[1]), slots[1]);
      const dcy = slots[2] === undefined ? null : keep(dense(slots[2]), slots[2]);
      // cuDNN rewrites the reserve space in the backward: a copy keeps the graph's own for a
      // second backward (retainGraph).
      const reserveCopy = keep(emptyKernel([layout.reserveBytes], uint8, x.device));
      copyKernel(reserveCopy, saved.reserve());
      const hx0 = saved.hx(), cx0 = saved.cx?.() ?? null;
      const [dxH, dhxH, dcxH] = call.cudnnRnnBackwardData(
        fresh(dtype, [n, inputSize]), fresh(dtype, [states, batch, proj]), lstm ? fresh(dtype, [states, batch, hidden]) : null,
        y, dy, dhy, dcy, hx0, cx0, saved.space(), reserveCopy, configArray, dropout,
      );
      const grads: (Tensor | null)[] = [
        fromHandle(dxH, [n, inputSize], dtype, x.device),
        fromHandle(dhxH, [states, batch, proj], dtype, x.device),
        dcxH === null ? null : fromHandle(dcxH, [states, batch, hidden], dtype, x.device),
      ];
      if (needs.slice(3).some((b) => b)) {
        let dw: Tensor;
        try {
          dw = keep(fromHandle(
            call.cudnnRnnBackwardWeights(fresh(dtype, [layout.weightElements]), saved.x(), hx0, y, reserveCopy, configArray, dropout),
            [layout.weightElements], dtype, x.device,
          ));
        } catch (error) {
          for (const t of grads) t?.dispose();
          throw error;
        }
        grads.push(...unpackGradients(layout, dw, shapes, geometry, needs.slice(3)));
      } else {
        grads.push(...new Array<null>(inputs.length - 3).fill(null));
      }
      return grads.map((t, i) => {
        if (t !== null && !needs[i]) {
          t.dispose();
          return null;
        }
        return t;
      });
    } finally {
      for (const t of temporaries) t.dispose();
    }
  });
  node.own([out, hN, cN]);
  return { out, hN, cN };
}

/** The stack's sizes as the weight packing needs them. @internal */
export interface Geometry {
  gates: number;
  hidden: number;
  proj: number;
  inputSize: number;
  dirs: number;
  bias: boolean;
}

/**
 * Each parameter of pseudo-layer k as cuDNN's linear layers see it: [linear layer id,
 * parameter index (W_ih, W_hh, b_ih, b_hh, W_hr), first row, rows, columns, is a bias].
 */
function pieces(k: number, g: Geometry): [number, number, number, number, number, boolean][] {
  const width = k < g.dirs ? g.inputSize : g.dirs * g.proj;
  const out: [number, number, number, number, number, boolean][] = [];
  for (let gate = 0; gate < g.gates; gate++) {
    out.push([gate, 0, gate * g.hidden, g.hidden, width, false], [g.gates + gate, 1, gate * g.hidden, g.hidden, g.proj, false]);
    if (g.bias) out.push([gate, 2, gate * g.hidden, g.hidden, 1, true], [g.gates + gate, 3, gate * g.hidden, g.hidden, 1, true]);
  }
  if (g.proj !== g.hidden) out.push([2 * g.gates, 4, 0, g.proj, g.hidden, false]);
  return out;
}

/**
 * The parameters copied into a new weight space where cuDNN's layout puts them. @internal
 * @example const space = packWeights(layout, weights, geometry, x)
 */
export function packWeights(layout: Layout, weights: DirectionWeights[], g: Geometry, like: Tensor): Tensor {
  const space = emptyKernel([layout.weightElements], like._dtype, like.device);
  // Zero where no parameter goes (any alignment gaps), as PyTorch's flat buffer is.
  fillKernel(space, 0);
  weights.forEach((w, k) => {
    const params = [w.wIh, w.wHh, w.bIh, w.bHh, w.wHr];
    for (const [id, p, row, rows, cols, isBias] of pieces(k, g)) {
      const param = params[p]!;
      const at = (isBias ? layout.bias : layout.matrix)[k * layout.linearLayers + id];
      call.cast(
        layoutOf(space, space._dtype, space._offset + at, [rows * cols], [1]),
        layoutOf(param, param._dtype, param._offset + row * cols, [rows * cols], [1]),
      );
    }
  });
  return space;
}

/**
 * The weight-space gradient cut into per-parameter gradients (null where none is needed). @internal
 * @example const grads = unpackGradients(layout, dw, shapes, geometry, needs)
 */
export function unpackGradients(
  layout: Layout, dw: Tensor, shapes: (number[] | null)[][], g: Geometry, needs: boolean[],
): (Tensor | null)[] {
  const grads: (Tensor | null)[] = [];
  shapes.forEach((paramShapes, k) => {
    const made = paramShapes.map((shape, p) => (shape === null || !needs[k * 5 + p] ? null : emptyKernel(shape, dw._dtype, dw.device)));
    for (const [id, p, row, rows, cols, isBias] of pieces(k, g)) {
      const grad = made[p];
      if (grad === null) continue;
      const at = (isBias ? layout.bias : layout.matrix)[k * layout.linearLayers + id];
      call.cast(
        layoutOf(grad, grad._dtype, grad._offset + row * cols, [rows * cols], [1]),
        layoutOf(dw, dw._dtype, dw._offset + at, [rows * cols], [1]),
      );
    }
    grads.push(...made);
  });
  return grads;
}
