/**
 * Compares what a port printed with what PyTorch printed, line by line: the text between
 * numbers must be identical, and each number must agree within 1e-4 relative or one unit
 * of the last digit PyTorch printed (two float32 runs that differ in the last bit can round
 * a printed digit either way). Integers (epoch counters, batch counts) must be equal.
 * A number printed in full (Python's repr of a float from `.item()`, 12 or more significant
 * digits) may also differ by 1e-6 absolute: a float32 parameter that ends near zero, such as
 * the constant term of a fitted odd function, is summation noise (1e-9 in one library,
 * -6e-9 in the other) that no relative tolerance can match.
 */
export type Print = (...args: unknown[]) => void;

const NUMBER = /[-+]?(?:\d+\.\d*|\d+|\.\d+)(?:e[-+]?\d+)?/g;

/** Units of the last printed digit: 1e-6 for `0.123456`, 1e-9 for `5.8532e-05`, 0 for `830`. */
function lastDigitUnit(text: string): number {
  const m = /^[-+]?\d*(?:\.(\d*))?(?:e([-+]?\d+))?$/.exec(text);
  if (m === null || (m[1] === undefined && m[2] === undefined)) return 0;
  return 10 ** (Number(m[2] ?? 0) - (m[1]?.length ?? 0));
}

/** Whether `text` is a float printed to full precision (Python's repr, JS's toString). */
function fullPrecision(text: string): boolean {
  const mantissa = text.replace(/^[-+]/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
  return mantissa.length >= 12;
}

/**
 * Returns one message per line that differs (empty when everything matches).
 * @example
 * comparePrinted(['loss 0.5000'], ['loss 0.5001']); // []
 */
export function comparePrinted(got: string[], expected: string[]): string[] {
  const problems: string[] = [];
  if (got.length !== expected.length) problems.push(`printed ${got.length} lines, PyTorch printed ${expected.length}`);
  const n = Math.min(got.length, expected.length);
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const e = expected[i];
    const gNums = g.match(NUMBER) ?? [];
    const eNums = e.match(NUMBER) ?? [];
    const gText = g.split(NUMBER);
    const eText = e.split(NUMBER);
    const textSame = gText.length === eText.length && gText.every((t, k) => t === eText[k]);
    const numsSame =
      gNums.length === eNums.length &&
      eNums.every((want, k) => {
        const a = Number(gNums[k]);
        const b = Number(want);
        const floor = fullPrecision(want) ? 1e-6 : 0;
        return Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(a), Math.abs(b)) + lastDigitUnit(want) * 1.000001 + floor;
      });
    if (!textSame || !numsSame) problems.push(`line ${i + 1}: got      ${JSON.stringify(g)}\n         expected ${JSON.stringify(e)}`);
  }
  return problems;
}
