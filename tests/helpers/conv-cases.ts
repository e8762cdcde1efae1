/**
 * The convolution fixture cases (tests/fixtures/conv.json, written by
 * scripts/make_conv_fixtures.py) and how each runs in flint: shared by the float64 tests
 * against PyTorch (conv.test.ts) and the float32 ones through oneDNN (conv-onednn.test.ts).
 */
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import type { FixtureTensor } from './reference.js';

const F = torch.nn.functional;

/** One recorded call: its inputs, PyTorch's output, grad_fn name and input gradients. */
export interface ConvCase {
  name: string;
  op: string;
  kwargs: Record<string, unknown>;
  inputs: (FixtureTensor | null)[];
  output: FixtureTensor;
  gradFn: string | null;
  grads: (FixtureTensor | null)[];
}

/** PyTorch's keyword names as flint's option keys. */
export function convOptions(kw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) out[k === 'output_padding' ? 'outputPadding' : k] = v;
  return out;
}

export const CONV_FNS: Record<string, (x: Tensor, w: Tensor, ...rest: never[]) => Tensor> = {
  conv1d: F.conv1d, conv2d: F.conv2d, conv3d: F.conv3d,
  conv_transpose1d: F.convTranspose1d, conv_transpose2d: F.convTranspose2d, conv_transpose3d: F.convTranspose3d,
};

export function runCase(c: ConvCase, inputs: (Tensor | null)[]): Tensor {
  const kw = c.kwargs;
  if (c.op in CONV_FNS) {
    const [x, w, b] = inputs;
    return CONV_FNS[c.op](x!, w!, { ...convOptions(kw), bias: b } as never);
  }
  if (c.op === 'unfold') return F.unfold(inputs[0]!, kw.kernel_size as number, kw.dilation as number ?? 1, kw.padding as number ?? 0, kw.stride as number ?? 1);
  if (c.op === 'fold') {
    return F.fold(inputs[0]!, kw.output_size as number, kw.kernel_size as number, { dilation: (kw.dilation ?? 1) as number, padding: (kw.padding ?? 0) as number, stride: (kw.stride ?? 1) as number });
  }
  throw new Error(`unknown op ${c.op}`);
}

