/**
 * What the fixture-replaying tests of the nn functions share: Python names to flint's, the
 * `F.` function by its PyTorch name, and the fixed output weights the scripts differentiate
 * `(out * W).sum()` with.
 */
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

/** `snake_case` to `camelCase`: PyTorch's name to flint's. */
export const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A function of nn.functional, called with decoded arguments. */
export type Fn = (...a: unknown[]) => Tensor | Tensor[];

/** `F.<camel(name)>`, asserting that it exists. */
export function functional(name: string): Fn {
  const f = (torch.nn.functional as unknown as Record<string, unknown>)[camel(name)];
  expect(typeof f, `F.${camel(name)}`).toBe('function');
  return f as Fn;
}

/** The fixed grad_output of the scripts: 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0, ... repeating. */
const BASE_W = [0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0];

/** That grad_output in `out`'s shape and dtype. */
export const weights = (out: Tensor): Tensor =>
  torch.tensor(Array.from({ length: out.numel() }, (_, i) => BASE_W[i % BASE_W.length]), { dtype: out.dtype }).reshape([...out.shape]);
