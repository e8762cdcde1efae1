/*
 * The forward of dynamically quantized recurrent layers and cells, as PyTorch's CPU path runs
 * `quantized_lstm` / `quantized_gru` and the `quantized_*_cell_dynamic` ops: for each layer
 * and direction, one int8 product projects the whole input (its rows quantized together,
 * from their joint range), then each step quantizes the live rows of the hidden state on
 * their own and multiplies them by W_hh. Both products add their own bias (the packed one),
 * and the gates are the float layers' fused step kernels (src/nn/rnn/). Inference only: as
 * in PyTorch, nothing here records autograd.
 * Internal to flint.
 */
import * as call from '../native/calls.generated.js';
import type { Tensor } from '../tensor/tensor.js';
import { copyKernel } from '../ops/tensor-kernels.js';
import { runLayers, type StackConfig } from '../nn/rnn/stack.js';
import { buffer, copyRows, offsetsOf, rows } from '../nn/rnn/buffers.js';
import type { RnnMode } from '../nn/rnn/direction.js';
import type { PackedLinearWeight } from './packed-linear.js';

/** One layer-direction's packed weights, as PyTorch's QuantizedCellParamsDynamic. */
export interface QuantizedDirection {
  ih: PackedLinearWeight;
  hh: PackedLinearWeight;
  /** Whether the inputs are quantized to 7 bits (PyTorch's reduce_range; true from version 2). */
  reduceRange: boolean;
}

/**
 * Runs one direction over all steps: `x` [N, I] time-major rows (step t at rows
 * [offsets[t], offsets[t] + batchSizes[t])), `h0` [B, H], `c0` [B, H] for LSTM. Returns the
 * output [N, H] and the final states [B, H]. A sequence that has ended keeps its last state.
 * @example const { out, hN, cN } = quantizedDirection('LSTM', x, h0, c0, weights, [3, 3, 2], false)
 */
export function quantizedDirection(
  mode: RnnMode, x: Tensor, h0: Tensor, c0: Tensor | null, w: QuantizedDirection, batchSizes: readonly number[], reverse: boolean,
): { out: Tensor; hN: Tensor; cN: Tensor | null } {
  const n = x._shape[0], batch = h0._shape[0], hidden = h0._shape[1];
  const offsets = offsetsOf(batchSizes);
  const xproj = w.ih.applyDynamic(x, n, w.reduceRange);
  const out = buffer(x, n, hidden);
  const hState = buffer(x, batch, hidden);
  copyKernel(hState, h0);
  const lstm = mode === 'LSTM';
  const cState = lstm ? buffer(x, batch, hidden) : null;
  if (cState !== null) copyKernel(cState, c0!);
  const cNext = lstm ? buffer(x, batch, hidden) : null;
  // The kernels' gate scratch (the float layers keep it for their backward).
  const scratch = lstm || mode === 'GRU' ? buffer(x, batch, 4 * hidden) : null;
  const steps = batchSizes.length;
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    const bs = batchSizes[t], off = offsets[t];
    if (bs === 0) continue;
    const hproj = w.hh.applyDynamic(rows(hState, 0, bs), bs, w.reduceRange);
    if (lstm) {
      call.lstmCell(
        rows(out, off, bs), rows(cNext!, 0, bs), rows(scratch!, 0, bs, [4, hidden]),
        rows(xproj, off, bs, [4, hidden]), rows(hproj, 0, bs, [4, hidden]), rows(cState!, 0, bs),
      );
      copyRows(rows(cState!, 0, bs), rows(cNext!, 0, bs));
    } else if (mode === 'GRU') {
      // b_hh is already in hproj (the packed bias), so the kernel adds none.
      call.gruCell(rows(out, off, bs), rows(scratch!, 0, bs, [4, hidden]), rows(xproj, off, bs, [3, hidden]), rows(hproj, 0, bs, [3, hidden]), null, rows(hState, 0, bs));
    } else {
      call.rnnCell(rows(out, off, bs), rows(xproj, off, bs), rows(hproj, 0, bs), mode === 'RNN_RELU');
    }
    copyRows(rows(hState, 0, bs), rows(out, off, bs));
    hproj.dispose();
  }
  xproj.dispose();
  scratch?.dispose();
  cNext?.dispose();
  return { out, hN: hState, cN: cState };
}

/**
 * Runs every layer and direction (src/nn/rnn/stack.ts's runLayers): `x` [N, I] time-major
 * rows, `hx` [L*D, B, H], `cx` (LSTM) likewise, one QuantizedDirection per layer-direction
 * (layer-major, forward first). Returns the last layer's output [N, D*H] and the final states.
 * @example const { out, hN, cN } = runQuantizedStack(config, x, batchSizes, hx, cx, directions)
 */
export function runQuantizedStack(
  config: StackConfig, x: Tensor, batchSizes: readonly number[], hx: Tensor, cx: Tensor | null, directions: QuantizedDirection[],
): { out: Tensor; hN: Tensor; cN: Tensor | null } {
  return runLayers(config, x, hx, cx, (input, h0, c0, k, reverse) => {
    const { out, hN, cN } = quantizedDirection(config.mode, input, h0.contiguous(), c0 === null ? null : c0.contiguous(), directions[k], batchSizes, reverse);
    return [out, hN, cN];
  });
}
