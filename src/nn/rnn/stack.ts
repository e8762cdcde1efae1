/*
 * A stack of recurrent layers (numLayers, one or two directions) over a time-major [N, I]
 * input whose steps are row blocks (batchSizes): each layer-direction is one fused node
 * (direction.ts); the directions' outputs are concatenated along features and, between
 * layers in training, passed through dropout, as PyTorch's _VF.lstm/gru/rnn do.
 * Internal to flint.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { cat, contiguous, stack, view } from '../../ops/shape.js';
import { select } from '../../ops/indexing.js';
import { dropout } from '../functional/layers.js';
import { renameGradFn } from '../../autograd/function.js';
import { runDirection, type DirectionWeights, type RnnMode } from './direction.js';
import { runCudnnStack } from './cudnn.js';

/** How a stack runs. */
export interface StackConfig {
  mode: RnnMode;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  training: boolean;
}

const dense = (t: Tensor) => (t.isContiguous() ? t : contiguous(t));

/**
 * One direction of one layer: its output [N, P] and final states, from the layer's input
 * [N, I], its initial states [B, P] (and [B, H]), its index k = layer * D + direction.
 */
export type DirectionRunner = (input: Tensor, h0: Tensor, c0: Tensor | null, k: number, reverse: boolean) => [Tensor, Tensor, Tensor | null];

/**
 * Runs every layer and direction through `run`: `x` [N, I] (time-major rows), `hx`
 * [L*D, B, P], `cx` [L*D, B, H] (LSTM). The directions' outputs are concatenated along
 * features and, between layers in training, passed through dropout. Returns the last
 * layer's output [N, D*P] and the final states [L*D, B, P] (and [L*D, B, H]).
 * @example const { out, hN } = runLayers(config, x, hx, null, (input, h0, c0, k, reverse) => ...)
 */
export function runLayers(config: StackConfig, x: Tensor, hx: Tensor, cx: Tensor | null, run: DirectionRunner): { out: Tensor; hN: Tensor; cN: Tensor | null } {
  const dirs = config.bidirectional ? 2 : 1;
  let layerInput = dense(x);
  const hNs: Tensor[] = [];
  const cNs: Tensor[] = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < dirs; d++) {
      const k = layer * dirs + d;
      const [out, hN, cN] = run(layerInput, select(hx, 0, k), cx === null ? null : select(cx, 0, k), k, d === 1);
      outs.push(out);
      hNs.push(hN);
      if (cN !== null) cNs.push(cN);
    }
    let output = outs.length === 1 ? outs[0] : cat(outs, 1);
    if (config.dropout > 0 && config.training && layer < config.numLayers - 1) output = dropout(output, config.dropout, true);
    layerInput = output;
  }
  return { out: layerInput, hN: stack(hNs, 0), cN: cNs.length ? stack(cNs, 0) : null };
}

/**
 * Runs the stack through cuDNN where it applies (cudnn.ts: CUDA, cuDNN loaded and enabled),
 * else on the fused autograd nodes (direction.ts), one per layer-direction, with `weights`
 * per layer and direction (layer-major, forward first).
 * @example const { out, hN, cN } = runStack(config, x, [5, 5], hx, cx, weights)
 */
export function runStack(
  config: StackConfig, x: Tensor, batchSizes: readonly number[], hx: Tensor, cx: Tensor | null, weights: DirectionWeights[],
): { out: Tensor; hN: Tensor; cN: Tensor | null } {
  const viaCudnn = runCudnnStack(config, x, batchSizes, hx, cx, weights);
  if (viaCudnn !== null) return viaCudnn;
  return runLayers(config, x, hx, cx, (input, h0, c0, k, reverse) =>
    runDirection(config.mode, input, h0, c0, weights[k], batchSizes, reverse, 'FusedRnnLayerBackward0'));
}

/**
 * Gives a layer's output the grad_fn name PyTorch 1.13's CPU path shows (it stacks the
 * per-step outputs, or concatenates the two directions' outputs); the graph itself is a
 * view of the fused nodes' outputs.
 * @example named(output, 'StackBackward0')
 */
export function named(t: Tensor, name: string): Tensor {
  return renameGradFn(t, name);
}

/**
 * An LSTM cell's c' under a node of its own named as PyTorch's (AddBackward0): h' and c' come
 * out of one fused node, which carries h's name (MulBackward0). The alias is a view.
 * @example const [h1, c1] = [out, lstmCellState(cN)]
 */
export function lstmCellState(c: Tensor): Tensor {
  return named(view(c, c._shape.slice()), 'AddBackward0');
}
