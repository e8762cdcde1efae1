/**
 * Runs one fuzz case and judges it: the op must either throw a clear Error where the
 * reference says PyTorch raises, or give the reference's dtypes, shapes and values.
 */
import { Tensor } from '../../src/index.js';
import { Dense } from './dense.js';
import type { DTypeName } from './layouts.js';
import type { Tolerance } from './values.js';

export interface Expectation {
  /** PyTorch raises: any clear Error (true), or one whose message matches. */
  error?: RegExp | true;
  values?: Dense[];
  dtypes?: DTypeName[];
  tol?: Tolerance;
}

export interface FuzzCase {
  label: string;
  run: () => Tensor | Tensor[] | unknown;
  expect: Expectation;
}

/** Messages that mean flint did not validate its input, whatever else went right. */
const UNCLEAR = /^internal|Cannot read properties|is not a function|is not iterable|undefined|NaN|Maximum call stack/;

function sameValue(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

/** Returns null when the case passes, else what went wrong. */
export function checkCase(c: FuzzCase): string | null {
  let result: unknown;
  try {
    result = c.run();
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (!(error instanceof Error)) return `threw a non-Error: ${String(error)}`;
    if (UNCLEAR.test(message)) return `threw an unclear message: ${message}`;
    if (c.expect.error === undefined) return `threw "${message}" where the reference computes a value`;
    if (c.expect.error !== true && !c.expect.error.test(message)) return `threw "${message}", expected ${c.expect.error}`;
    return null;
  }
  if (c.expect.error !== undefined) return `returned where PyTorch raises (${String(c.expect.error)})`;
  const outputs = (Array.isArray(result) ? result : [result]) as Tensor[];
  const expected = c.expect.values ?? [];
  if (outputs.length !== expected.length) return `returned ${outputs.length} outputs, expected ${expected.length}`;
  for (let k = 0; k < expected.length; k++) {
    const out = outputs[k];
    if (!(out instanceof Tensor)) return `output ${k} is not a Tensor`;
    const want = c.expect.dtypes?.[k];
    if (want !== undefined && out.dtype.name !== want) return `output ${k} has dtype ${out.dtype.name}, expected ${want}`;
    const actual = Dense.fromTensor(out);
    if (JSON.stringify(actual.shape) !== JSON.stringify(expected[k].shape)) {
      return `output ${k} has shape [${actual.shape}], expected [${expected[k].shape}]`;
    }
    const tol = c.expect.tol ?? { rtol: 0, atol: 0 };
    for (let i = 0; i < actual.numel; i++) {
      if (!sameValue(actual.data[i], expected[k].data[i], tol)) {
        return `output ${k}[${i}] = ${actual.data[i]}, expected ${expected[k].data[i]}`;
      }
    }
  }
  return null;
}
