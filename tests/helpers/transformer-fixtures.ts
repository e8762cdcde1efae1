/**
 * tests/fixtures/transformer.json (scripts/make_transformer_fixtures.py) and the checks
 * its module cases share: load PyTorch's state dict by name, run, compare the output,
 * the attention weights and the gradients of the inputs and parameters.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './reference.js';

export interface SdpaCase {
  q: FixtureTensor; k: FixtureTensor; v: FixtureTensor; mask: FixtureTensor | null; causal: boolean; scale: number | null;
  out: FixtureTensor; gradOutput: FixtureTensor; grads: FixtureTensor[]; maskGrad: FixtureTensor | null;
}
export interface ModuleCase {
  state: Record<string, FixtureTensor>;
  inputs: (FixtureTensor | null)[];
  out: FixtureTensor;
  weights: FixtureTensor | null;
  gradOutput: FixtureTensor;
  gradWeights: FixtureTensor | null;
  inputGrads: (FixtureTensor | null)[];
  paramGrads: Record<string, FixtureTensor>;
  selfAttention?: boolean;
  keyIsValue?: boolean;
}
export interface TransformerFixtures {
  gelu: Record<string, { x: FixtureTensor; g: FixtureTensor; grad: FixtureTensor; approximate: 'none' | 'tanh' }>;
  sdpa: Record<string, SdpaCase>;
  mha: Record<string, ModuleCase>;
  layers: Record<string, ModuleCase>;
  init: Record<string, { keys: string[]; state: Record<string, FixtureTensor> }>;
  reprs: Record<string, string> & { square_mask: FixtureTensor };
  errors: Record<string, string>;
  one_hot: Record<string, { input: FixtureTensor; numClasses: number; out: FixtureTensor }>;
}

export const FIXTURES = JSON.parse(
  readFileSync(new URL('../fixtures/transformer.json', import.meta.url), 'utf8'),
) as TransformerFixtures;

export const TOL64 = { rtol: 1e-9, atol: 1e-10 };

/** The case's inputs as float64 leaves (bool masks as they are), with inputs shared where PyTorch's were. */
export function caseInputs(c: ModuleCase): (Tensor | null)[] {
  const xs = c.inputs.map((t) => (t === null ? null : fromFixture(t, { requiresGrad: t.dtype === 'float64' })));
  if (c.selfAttention) xs[1] = xs[2] = xs[0];
  if (c.keyIsValue) xs[2] = xs[1];
  return xs;
}

/** Loads PyTorch's state dict into the float64, eval-mode `module` (strict: every key by name). */
export function loadCase(module: torch.nn.Module<any>, c: ModuleCase): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  module.double().eval();
  const state: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) state[k] = fromFixture(v);
  module.loadStateDict(state);
}

/** Runs `call` and checks the output, weights and gradients against the case. */
export function checkModuleCase(
  module: torch.nn.Module<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  c: ModuleCase,
  call: (m: any, ...xs: (Tensor | null)[]) => Tensor | [Tensor, Tensor | null], // eslint-disable-line @typescript-eslint/no-explicit-any
): void {
  loadCase(module, c);
  const xs = caseInputs(c);
  const r = call(module, ...xs);
  const [out, weights] = Array.isArray(r) ? r : [r, null];
  expectClose(out, c.out, { ...TOL64, label: 'output' });
  let loss = out.mul(fromFixture(c.gradOutput)).sum();
  if (c.weights !== null) {
    expect(weights).not.toBeNull();
    expectClose(weights!, c.weights, { ...TOL64, label: 'weights' });
    loss = loss.add(weights!.mul(fromFixture(c.gradWeights!)).sum());
  } else {
    expect(weights ?? null).toBeNull();
  }
  loss.backward();
  c.inputGrads.forEach((g, i) => {
    if (g === null) return;
    // Shared inputs accumulate their gradients on one leaf, as in PyTorch.
    expectClose(xs[i]!.grad!, g, { ...TOL64, label: `grad of input ${i}` });
  });
  const params = new Map(module.namedParameters());
  for (const [name, g] of Object.entries(c.paramGrads)) {
    expectClose(params.get(name)!.grad!, g, { ...TOL64, label: `grad of ${name}` });
  }
}
