/**
 * How Python prints the values that appear in module reprs (`eps=1e-05`,
 * `bias=True`, `(10,)`), so that flint's module trees print character for character
 * as PyTorch's.
 */

/**
 * Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents in
 * [-4, 16), otherwise `1e-05` style with at least two exponent digits.
 * @example pyFloat(1e-5) // '1e-05'; pyFloat(1) // '1.0'
 */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const digits = mantissa.replace('-', '').replace('.', '');
    const sign = value < 0 ? '-' : '';
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digits.slice(exponent + 1);
    return `${sign}${intPart}.${fraction === '' ? '0' : fraction}`;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/**
 * A JS value as Python would print it inside a repr: booleans as True/False, null as
 * None, arrays as tuples, strings quoted.
 * @example pyRepr([10]) // '(10,)'
 */
export function pyRepr(value: unknown, numbersAsFloat = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return numbersAsFloat || !Number.isInteger(value) ? pyFloat(value) : String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) {
    const items = value.map((v) => pyRepr(v, numbersAsFloat));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  return String(value);
}

/**
 * PyTorch's `Module.__repr__`: the class name, the extra repr, and one `(name): child`
 * line per child, children indented by two spaces.
 * @example moduleRepr('ReLU', '', new Map()) // 'ReLU()'
 */
export function moduleRepr(name: string, extra: string, children: Map<string, { toString(): string } | null>): string {
  const extraLines = extra ? extra.split('\n') : [];
  const childLines: string[] = [];
  for (const [key, child] of children) {
    const text = child === null ? 'None' : String(child);
    childLines.push(`(${key}): ${text.split('\n').join('\n  ')}`);
  }
  const lines = [...extraLines, ...childLines];
  let main = `${name}(`;
  if (lines.length > 0) {
    if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
    else main += `\n  ${lines.join('\n  ')}\n`;
  }
  return `${main})`;
}
