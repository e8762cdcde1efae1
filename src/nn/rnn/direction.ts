/*
 * One direction of one recurrent layer, over all its time steps, as ONE autograd node.
 *
 * Forward: one GEMM projects the whole input (x·W_ihᵀ + biases, [N, G*H]); then per step
 * one GEMM h·W_hhᵀ and one fused gate kernel, writing into preallocated [N, ...] buffers.
 * Backward: the steps in reverse, each one fused gate-backward kernel and one GEMM for the
 * hidden-state gradient; the weight gradients are then one GEMM each over the whole
 * sequence (the gate gradients of every step are kept in one buffer).
 *
 * Rows: the input is time-major [N, I] with step t at rows [offsets[t], offsets[t] +
 * batchSizes[t]) — a padded [T, B, I] batch (all batch sizes B) or a PackedSequence's data
 * (batch sizes non-increasing). Only the first batchSizes[t] rows of the state take part
 * in step t, so a sequence that has ended keeps its last state: hN holds each sequence's
 * last state, and in the backward the carried gradient rows of ended sequences wait,
 * untouched, for the step where they ended (or, reversed, hold dh0 once they start).
 * Internal to flint.
 */
import * as call from '../../native/calls.generated.js';
import { layoutOf } from '../../native/meta.js';
import { Node } from '../../autograd/node.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { slotsOf } from '../../autograd/function.js';
import type { Tensor } from '../../tensor/tensor.js';
import { copyKernel, fillKernel, binaryKernel } from '../../ops/tensor-kernels.js';
import { BinaryOp } from '../../native/enums.generated.js';
import { sum } from '../../ops/reduce.js';
import { buffer, copyRows, mm, offsetsOf, rows } from './buffers.js';

/** The cell of a recurrent layer, as PyTorch's `mode` names it. */
export type RnnMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** Gates per mode: the rows of W_ih are gates * hiddenSize. */
export const GATES: Record<RnnMode, number> = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 };

/** One direction's parameters (contiguous, the input's dtype and device). */
export interface DirectionWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  /** LSTM with projSize: [P, H] */
  wHr: Tensor | null;
}

interface Saved {
  gates: Tensor | null;
  cells: Tensor | null;
  cellsPrev: Tensor | null;
  hPrev: Tensor;
  raw: Tensor | null;
}

interface ForwardResult {
  out: Tensor;
  hN: Tensor;
  cN: Tensor | null;
  saved: Saved;
}

const isRnn = (mode: RnnMode) => mode === 'RNN_TANH' || mode === 'RNN_RELU';

/** The fused-step forward without autograd: buffers in, buffers out. */
function forwardSteps(
  mode: RnnMode, x: Tensor, h0: Tensor, c0: Tensor | null, w: DirectionWeights, batchSizes: readonly number[], reverse: boolean,
): ForwardResult {
  const n = x._shape[0], inputSize = x._shape[1], batch = h0._shape[0], proj = h0._shape[1];
  const g = GATES[mode];
  const gh = w.wHh._shape[0];
  const hidden = gh / g;
  const offsets = offsetsOf(batchSizes);
  const steps = batchSizes.length;

  const xproj = buffer(x, n, gh);
  // LSTM and RNN only ever use x-part + h-part, so b_hh folds into the big projection;
  // GRU's n gate multiplies the hidden part (with its bias) by r, so it keeps b_hh apart.
  let bias: Tensor | null = mode === 'GRU' ? w.bIh : w.bIh ?? w.bHh;
  const folded = mode !== 'GRU' && w.bIh !== null && w.bHh !== null ? binaryKernel(BinaryOp.Add, w.bIh, w.bHh, w.bIh._dtype) : null;
  if (folded !== null) bias = folded;
  if (bias !== null) copyKernel(xproj, bias);
  folded?.dispose();
  mm(xproj, 0, x, 0, false, w.wIh, 0, true, n, gh, inputSize, bias === null ? 0 : 1);

  const out = buffer(x, n, proj);
  const hPrev = buffer(x, n, proj);
  const hState = buffer(x, batch, proj);
  copyKernel(hState, h0);
  const hproj = buffer(x, batch, gh);
  const lstm = mode === 'LSTM';
  const gates = isRnn(mode) ? null : buffer(x, n, 4 * hidden);
  const cells = lstm ? buffer(x, n, hidden) : null;
  const cellsPrev = lstm ? buffer(x, n, hidden) : null;
  const cState = lstm ? buffer(x, batch, hidden) : null;
  if (cState !== null) copyKernel(cState, c0!);
  const raw = lstm && w.wHr !== null ? buffer(x, n, hidden) : null;
  const bhh = mode === 'GRU' && w.bHh !== null ? layoutOf(w.bHh, w.bHh._dtype, w.bHh._offset, [3, hidden], [hidden, 1]) : null;

  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    const bs = batchSizes[t], off = offsets[t];
    if (bs === 0) continue;
    copyRows(rows(hPrev, off, bs), rows(hState, 0, bs));
    mm(hproj, 0, hPrev, off, false, w.wHh, 0, true, bs, gh, proj, 0);
    if (lstm) {
      copyRows(rows(cellsPrev!, off, bs), rows(cState!, 0, bs));
      const target = raw ?? out;
      call.lstmCell(
        rows(target, off, bs), rows(cells!, off, bs), rows(gates!, off, bs, [4, hidden]),
        rows(xproj, off, bs, [4, hidden]), rows(hproj, 0, bs, [4, hidden]), rows(cellsPrev!, off, bs),
      );
      if (raw !== null) mm(out, off, raw, off, false, w.wHr!, 0, true, bs, proj, hidden, 0);
      copyRows(rows(cState!, 0, bs), rows(cells!, off, bs));
    } else if (mode === 'GRU') {
      call.gruCell(
        rows(out, off, bs), rows(gates!, off, bs, [4, hidden]), rows(xproj, off, bs, [3, hidden]),
        rows(hproj, 0, bs, [3, hidden]), bhh, rows(hPrev, off, bs),
      );
    } else {
      call.rnnCell(rows(out, off, bs), rows(xproj, off, bs), rows(hproj, 0, bs), mode === 'RNN_RELU');
    }
    copyRows(rows(hState, 0, bs), rows(out, off, bs));
  }
  xproj.dispose();
  hproj.dispose();
  return { out, hN: hState, cN: cState, saved: { gates, cells, cellsPrev, hPrev, raw } };
}

/**
 * A node with several outputs whose backward takes every output's gradient at once: one
 * direction of one layer here (outputs out, hN, cN; inputs x, h0, c0, W_ih, W_hh, b_ih,
 * b_hh, W_hr), a whole cuDNN stack in cudnn.ts. @internal
 * @example const node = new MultiOutputNode('CudnnRnnBackward0', inputs); node.runBackward = (slots) => grads; node.own([out, hN, cN]);
 */
export class MultiOutputNode extends Node {
  /** @internal */
  runBackward: ((grads: (Tensor | undefined)[]) => (Tensor | null)[]) | null = null;

  /** A once-differentiable node over `inputs` (null where there is none) with three outputs. */
  constructor(name: string, inputs: (Tensor | null)[]) {
    super(name, inputs.map((t) => (t === null ? null : t._edge())));
    this.onceDifferentiable = true;
    this.numOutputs = 3;
    // An input is often another such node's output 1 or 2 (a previous direction's hN, cN).
    this.nextSlots = slotsOf(inputs);
  }

  /** Makes the (non-null) outputs this node's, output i in slot i. */
  own(outputs: readonly (Tensor | null)[]): void {
    outputs.forEach((t, slot) => {
      if (t === null) return;
      t._gradFn = this;
      t._outputNr = slot;
      t._requiresGrad = true;
    });
  }

  override applyAll(slots: (Tensor | undefined)[]): (Tensor | null)[] {
    if (this.runBackward === null || this.released) throw new Error('Trying to backward through the graph a second time');
    return this.runBackward(slots);
  }

  override release(): void {
    super.release();
    this.runBackward = null;
  }
}

/** Which of the direction's inputs need a gradient. */
type Needs = boolean[];

/**
 * Runs one direction of one layer over all its steps and records it as one autograd node
 * (named `grad_fn`), returning [out [N, P], hN [B, P], cN [B, H] | null]. Arguments were
 * checked by the caller; all tensors are contiguous, of one float dtype and device.
 * @example const [out, hN, cN] = runDirection('LSTM', x, h0, c0, weights, [2, 2, 1], false, 'MkldnnRnnLayerBackward0')
 */
export function runDirection(
  mode: RnnMode, x: Tensor, h0: Tensor, c0: Tensor | null, w: DirectionWeights,
  batchSizes: readonly number[], reverse: boolean, gradFnName: string,
): [Tensor, Tensor, Tensor | null] {
  const inputs = [x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, w.wHr];
  const needs: Needs = inputs.map((t) => t !== null && t._requiresGrad);
  const record = gradEnabled() && needs.some((b) => b);
  const result = noGrad(() => forwardSteps(mode, x, h0, c0, w, batchSizes, reverse));
  const { out, hN, cN, saved } = result;
  if (!record) {
    for (const t of [saved.gates, saved.cells, saved.cellsPrev, saved.hPrev, saved.raw]) t?.dispose();
    return [out, hN, cN];
  }
  const node = new MultiOutputNode(gradFnName, inputs);
  const get = {
    x: node.save(x), h0Shape: h0._shape.slice(),
    wIh: node.save(w.wIh), wHh: node.save(w.wHh), wHr: w.wHr === null ? null : node.save(w.wHr),
    gates: saved.gates === null ? null : node.save(saved.gates, true),
    cells: saved.cells === null ? null : node.save(saved.cells, true),
    cellsPrev: saved.cellsPrev === null ? null : node.save(saved.cellsPrev, true),
    hPrev: node.save(saved.hPrev, true),
    raw: saved.raw === null ? null : node.save(saved.raw, true),
    // RNN's backward reads its own outputs (tanh' and relu' from h).
    out: isRnn(mode) ? node.save(out) : null,
  };
  node.runBackward = (slots) => noGrad(() => backwardSteps(mode, get, needs, w.bIh !== null, batchSizes, reverse, slots));
  const outputs: [Tensor, Tensor, Tensor | null] = [out, hN, cN];
  node.own(outputs);
  return outputs;
}

type Getter = () => Tensor;
interface SavedGetters {
  x: Getter;
  h0Shape: number[];
  wIh: Getter;
  wHh: Getter;
  wHr: Getter | null;
  gates: Getter | null;
  cells: Getter | null;
  cellsPrev: Getter | null;
  hPrev: Getter;
  raw: Getter | null;
  out: Getter | null;
}

/** `t` contiguous, or a contiguous copy. */
function dense(t: Tensor): Tensor {
  return t.isContiguous() ? t : t.contiguous();
}

function backwardSteps(
  mode: RnnMode, s: SavedGetters, needs: Needs, hasBias: boolean, batchSizes: readonly number[], reverse: boolean,
  slots: (Tensor | undefined)[],
): (Tensor | null)[] {
  const x = s.x(), wIh = s.wIh(), wHh = s.wHh(), wHr = s.wHr?.() ?? null;
  const gates = s.gates?.() ?? null, cells = s.cells?.() ?? null, cellsPrev = s.cellsPrev?.() ?? null;
  const hPrev = s.hPrev(), raw = s.raw?.() ?? null;
  const n = x._shape[0], inputSize = x._shape[1];
  const [batch, proj] = s.h0Shape;
  const gh = wHh._shape[0];
  const hidden = gh / GATES[mode];
  const offsets = offsetsOf(batchSizes);
  const steps = batchSizes.length;
  const gOut = slots[0] === undefined ? null : dense(slots[0]);
  const lstm = mode === 'LSTM';

  const dhC = buffer(x, batch, proj);
  if (slots[1] !== undefined) copyKernel(dhC, slots[1]);
  else fillKernel(dhC, 0);
  const dcC = lstm ? buffer(x, batch, hidden) : null;
  if (dcC !== null) {
    if (slots[2] !== undefined) copyKernel(dcC, slots[2]);
    else fillKernel(dcC, 0);
  }
  // The pre-activation gradients of every step: of the input projection (dPre) and, for
  // GRU only, of the hidden projection (dHh, whose n part r scales).
  const dPre = buffer(x, n, gh);
  const dHh = mode === 'GRU' ? buffer(x, n, gh) : dPre;
  const dHp = raw !== null ? buffer(x, n, proj) : null;
  const dRaw = raw !== null ? buffer(x, batch, hidden) : null;
  const out = s.out?.() ?? null;

  for (let k = steps - 1; k >= 0; k--) {
    const t = reverse ? steps - 1 - k : k;
    const bs = batchSizes[t], off = offsets[t];
    if (bs === 0) continue;
    const gOutRows = gOut === null ? null : rows(gOut, off, bs);
    if (lstm) {
      let dh = rows(dhC, 0, bs);
      let dhOut = gOutRows;
      if (dHp !== null) {
        // The projected output's gradient, kept for dW_hr, then brought back through W_hr.
        copyRows(rows(dHp, off, bs), dh);
        if (gOutRows !== null) call.axpy(rows(dHp, off, bs), gOutRows, 1);
        mm(dRaw!, 0, dHp, off, false, wHr!, 0, false, bs, hidden, proj, 0);
        dh = rows(dRaw!, 0, bs);
        dhOut = null;
      }
      call.lstmCellBackward(
        rows(dPre, off, bs, [4, hidden]), rows(dcC!, 0, bs), dh, dhOut, rows(dcC!, 0, bs),
        rows(gates!, off, bs, [4, hidden]), rows(cells!, off, bs), rows(cellsPrev!, off, bs),
      );
      mm(dhC, 0, dPre, off, false, wHh, 0, false, bs, proj, gh, 0);
    } else if (mode === 'GRU') {
      call.gruCellBackward(
        rows(dPre, off, bs, [3, hidden]), rows(dHh, off, bs, [3, hidden]), rows(dhC, 0, bs), rows(dhC, 0, bs), gOutRows,
        rows(gates!, off, bs, [4, hidden]), rows(hPrev, off, bs),
      );
      mm(dhC, 0, dHh, off, false, wHh, 0, false, bs, proj, gh, 1);
    } else {
      call.rnnCellBackward(rows(dPre, off, bs), rows(dhC, 0, bs), gOutRows, rows(out!, off, bs), mode === 'RNN_RELU');
      mm(dhC, 0, dPre, off, false, wHh, 0, false, bs, proj, gh, 0);
    }
  }
  if (gOut !== null && gOut !== slots[0]) gOut.dispose();
  dRaw?.dispose();

  const grads: (Tensor | null)[] = new Array<Tensor | null>(8).fill(null);
  if (needs[0]) {
    grads[0] = buffer(x, n, inputSize);
    mm(grads[0], 0, dPre, 0, false, wIh, 0, false, n, inputSize, gh, 0);
  }
  grads[1] = needs[1] ? dhC : (dhC.dispose(), null);
  grads[2] = needs[2] ? dcC : (dcC?.dispose(), null);
  if (needs[3]) {
    grads[3] = buffer(x, gh, inputSize);
    mm(grads[3], 0, dPre, 0, true, x, 0, false, gh, inputSize, n, 0);
  }
  if (needs[4]) {
    grads[4] = buffer(x, gh, proj);
    mm(grads[4], 0, dHh, 0, true, hPrev, 0, false, gh, proj, n, 0);
  }
  if (hasBias && needs[5]) grads[5] = sum(dPre, 0);
  if (hasBias && needs[6]) grads[6] = sum(dHh, 0);
  if (needs[7] && dHp !== null) {
    grads[7] = buffer(x, proj, hidden);
    mm(grads[7], 0, dHp, 0, true, raw!, 0, false, proj, hidden, n, 0);
  }
  dHp?.dispose();
  if (dHh !== dPre) dHh.dispose();
  dPre.dispose();
  return grads;
}
