/**
 * torch.einsum: subscripts with `...`, the implicit output (letters seen once, sorted),
 * repeated letters in one operand (diagonals, traces). Each operand first loses its
 * repeated letters (a diagonal) and the letters no one else needs (a sum); the operands
 * are then contracted left to right, each pair as one batched matmul over
 * [batch, left, contracted] x [batch, contracted, right].
 */
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { Tensor } from '../tensor/tensor.js';
import { constantMatrix, scoped } from '../linalg/matrix-helpers.js';
import { mul } from './elementwise.js';
import { matmul } from './linalg.js';
import { sum } from './reduce.js';
import { expand, permute, reshape, unsqueeze } from './shape.js';

/** A labelled operand: one label per dim (letters, or `.k` for the k-th ellipsis dim from the right). */
interface Term {
  t: Tensor;
  labels: string[];
}

function parseTerm(spec: string, t: Tensor, index: number, ellipsisDims: { n: number }): string[] {
  const parts = spec.split('...');
  if (parts.length > 2) throw new Error('einsum(): found \'.\' for operand ' + index + ' that is not part of any ellipsis');
  for (const part of parts) {
    for (const c of part) if (!/[a-zA-Z]/.test(c)) throw new Error(`einsum(): invalid subscript given at index ${spec.indexOf(c)} in the equation string, subscripts must be in [a-zA-Z]`);
  }
  const letters = parts.join('').length;
  if (parts.length === 1) {
    if (letters !== t._shape.length) {
      throw new Error(`einsum(): the number of subscripts in the equation (${letters}) does not match the number of dimensions (${t._shape.length}) for operand ${index} and no ellipsis was given`);
    }
    return [...parts[0]];
  }
  const covered = t._shape.length - letters;
  if (covered < 0) {
    throw new Error(`einsum(): the number of subscripts in the equation (${letters}) is more than the number of dimensions (${t._shape.length}) for operand ${index}`);
  }
  ellipsisDims.n = Math.max(ellipsisDims.n, covered);
  const dots = [...Array(covered).keys()].map((k) => `.${covered - 1 - k}`);
  return [...parts[0], ...dots, ...parts[1]];
}

/** Removes a repeated label from a term by taking the diagonal of its two dims. */
function diagonalOf(term: Term, first: number, second: number): Term {
  const n = term.t._shape[first];
  if (term.t._shape[second] !== n) {
    throw new Error(`einsum(): subscript ${term.labels[first]} is repeated for operand but the sizes don't match, ${term.t._shape[second]} != ${n}`);
  }
  // Multiply by an identity laid along the two dims, then sum the second away.
  const eye = constantMatrix(term.t, n, n, (i, j) => (i === j ? 1 : 0));
  const shape = term.t._shape.map((_, d) => (d === first || d === second ? n : 1));
  const eyeView = reshape(eye, shape);
  const t = sum(mul(term.t, eyeView), second);
  eye.dispose();
  return { t, labels: term.labels.filter((_, d) => d !== second) };
}

/** Sums the dims whose labels are in `drop`. */
function sumOut(term: Term, drop: Set<string>): Term {
  const dims = term.labels.map((l, d) => (drop.has(l) ? d : -1)).filter((d) => d >= 0);
  if (dims.length === 0) return term;
  return { t: sum(term.t, dims), labels: term.labels.filter((l) => !drop.has(l)) };
}

/** The sizes of labels across terms, checking that they agree or broadcast (size 1). */
function labelSizes(terms: Term[]): Map<string, number> {
  const sizes = new Map<string, number>();
  terms.forEach((term, index) => {
    term.labels.forEach((l, d) => {
      const size = term.t._shape[d];
      const seen = sizes.get(l);
      if (seen === undefined || seen === 1) sizes.set(l, size);
      else if (size !== seen && size !== 1) {
        throw new Error(`einsum(): subscript ${l.startsWith('.') ? '...' : l} has size ${size} for operand ${index} which does not broadcast with previously seen size ${seen}`);
      }
    });
  });
  return sizes;
}

/** Contracts two terms as one batched matmul; `keep` are labels needed later (output or other operands). */
function contract(a: Term, b: Term, keep: Set<string>, sizes: Map<string, number>): Term {
  const inA = new Set(a.labels);
  const inB = new Set(b.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const size = (ls: string[]) => ls.reduce((p, l) => p * sizes.get(l)!, 1);
  const arrange = (term: Term, order: string[]) => {
    const permuted = permute(term.t, order.map((l) => term.labels.indexOf(l)));
    return expand(permuted, order.map((l) => sizes.get(l)!));
  };
  const at = reshape(arrange(a, [...batch, ...left, ...summed]), [size(batch), size(left), size(summed)]);
  const bt = reshape(arrange(b, [...batch, ...summed, ...right]), [size(batch), size(summed), size(right)]);
  const product = matmul(at, bt);
  return { t: reshape(product, [...batch, ...left, ...right].map((l) => sizes.get(l)!)), labels: [...batch, ...left, ...right] };
}

/**
 * Einstein summation over `equation`, e.g. 'ij,jk->ik', 'bij,bjk', 'ii', '...ij->...ji'.
 * @example torch.einsum('ij,jk->ik', a, b); torch.einsum('ii', m); torch.einsum('i,j', x, y)
 */
export function einsum(equation: string, ...operandsArg: (Tensor | Tensor[])[]): Tensor {
  if (autocastHook.active) return autocastOp('einsum', einsum, arguments);
  if (typeof equation !== 'string') throw new TypeError(`einsum(): argument 'equation' must be str, not ${typeof equation}`);
  const operands = (operandsArg.length === 1 && Array.isArray(operandsArg[0]) ? operandsArg[0] : operandsArg) as Tensor[];
  for (const [i, t] of operands.entries()) {
    if (!(t instanceof Tensor)) throw new TypeError(`einsum(): operand ${i} must be a Tensor, not ${typeof t}`);
  }
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const specs = lhs.split(',');
  if (operands.length === 0) throw new Error('einsum(): must provide at least one operand');
  if (specs.length !== operands.length) {
    throw new Error(`einsum(): ${specs.length > operands.length ? 'fewer' : 'more'} operands were provided than specified in the equation`);
  }
  return scoped(operands, () => einsumOf(eq, arrow, specs, operands));
}

function einsumOf(eq: string, arrow: number, specs: string[], operands: Tensor[]): Tensor {
  const ellipsis = { n: 0 };
  let terms: Term[] = operands.map((t, i) => ({ t, labels: parseTerm(specs[i], t, i, ellipsis) }));
  const dots = [...Array(ellipsis.n).keys()].map((k) => `.${ellipsis.n - 1 - k}`);

  let output: string[];
  if (arrow >= 0) {
    const rhs = eq.slice(arrow + 2);
    const parts = rhs.split('...');
    if (parts.length > 2) throw new Error("einsum(): found '.' for output that is not part of any ellipsis (...)");
    for (const c of parts.join('')) {
      if (!/[a-zA-Z]/.test(c)) throw new Error(`einsum(): invalid subscript given at index ${eq.indexOf(c)} in the equation string, subscripts must be in [a-zA-Z]`);
      if (!terms.some((term) => term.labels.includes(c))) throw new Error(`einsum(): output subscript ${c} does not appear in the equation for any input operand`);
    }
    const letters = parts.join('');
    const repeated = [...letters].find((c, i) => letters.indexOf(c) !== i);
    if (repeated !== undefined) throw new Error(`einsum(): output subscript ${repeated} appears more than once in the output`);
    // Without `...` in the output, the ellipsis dims are summed out.
    output = parts.length === 2 ? [...parts[0], ...dots, ...parts[1]] : [...parts[0]];
  } else {
    const counts = new Map<string, number>();
    for (const term of terms) for (const l of term.labels) if (!l.startsWith('.')) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts.entries()].filter(([, c]) => c === 1).map(([l]) => l);
    // PyTorch sorts upper case before lower case, as their ASCII codes.
    output = [...dots, ...once.sort()];
  }
  const outSet = new Set(output);

  // Diagonals for letters repeated within one operand.
  terms = terms.map((term) => {
    let current = term;
    for (;;) {
      const seen = new Map<string, number>();
      let pair: [number, number] | null = null;
      current.labels.forEach((l, d) => {
        if (pair !== null) return;
        if (seen.has(l)) pair = [seen.get(l)!, d];
        else seen.set(l, d);
      });
      if (pair === null) return current;
      current = diagonalOf(current, pair[0], pair[1]);
    }
  });
  const sizes = labelSizes(terms);

  const neededLater = (from: number) => {
    const set = new Set(outSet);
    for (let i = from; i < terms.length; i++) for (const l of terms[i].labels) set.add(l);
    return set;
  };
  // Each operand sums away the labels only it has (and the output lacks).
  terms = terms.map((term, i) => {
    const others = new Set(outSet);
    terms.forEach((o, j) => {
      if (j !== i) for (const l of o.labels) others.add(l);
    });
    return sumOut(term, new Set(term.labels.filter((l) => !others.has(l))));
  });

  let result = terms[0];
  for (let i = 1; i < terms.length; i++) result = contract(result, terms[i], neededLater(i + 1), sizes);
  result = sumOut(result, new Set(result.labels.filter((l) => !outSet.has(l))));
  // Labels of the output that no operand still holds (a broadcast ellipsis dim) come in as size 1.
  let t = result.t;
  let labels = result.labels;
  for (const l of output) {
    if (!labels.includes(l)) {
      t = unsqueeze(t, t._shape.length);
      labels = [...labels, l];
    }
  }
  const order = output.map((l) => labels.indexOf(l));
  if (order.some((d, i) => d !== i)) t = permute(t, order);
  const finalShape = output.map((l) => sizes.get(l) ?? 1);
  if (t._shape.some((s, d) => s !== finalShape[d])) t = expand(t, finalShape);
  return t;
}

