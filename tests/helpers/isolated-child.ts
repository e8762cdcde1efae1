// The child side of isolated.ts: runs the named cases one by one and writes one JSON line
// as each starts and ends. Lines are written with writeSync, so that the last "start"
// line is out before a crash.
import { writeSync } from 'node:fs';
import { Tensor } from '../../src/index.js';

/** Tensors as nested lists; NaN and infinities as PyTorch's fixtures spell them. */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Tensor) return jsonSafe(value.tolist());
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

const [moduleUrl, ...names] = process.argv.slice(2);
const { cases } = (await import(moduleUrl)) as { cases: Record<string, () => unknown> };
for (const name of names) {
  writeSync(1, JSON.stringify({ name, start: true }) + '\n');
  const run = cases[name];
  let report: Record<string, unknown>;
  try {
    if (run === undefined) throw new Error(`no case named ${name}`);
    report = { name, value: jsonSafe(await run()) };
  } catch (error) {
    const e = error as Error;
    report = { name, error: String(e.message).split('\n')[0], type: e.constructor?.name ?? 'Error' };
  }
  writeSync(1, JSON.stringify(report) + '\n');
}
