/**
 * Fuzz cases for the structured entry points: reductions, gemm, the indexing family
 * (index_select, gather, scatter, index_put, nonzero), softmax, cross-entropy, layer
 * norm, the fused bias+ReLU, and the storage round trip of serialize/deserialize.
 */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { Dense, alongDim, broadcastShape, forEachIndex, matmulRef, numelOf, reduceDims, zipWith } from './dense.js';
import { ALL_DTYPES, FLOATS, int, pick, randomShape, randomView, randomWritable, type DTypeName, type Rng } from './layouts.js';
import { isFloat, toDtype, tolerance } from './values.js';
import type { FuzzCase } from './check.js';

const F = torch.nn.functional;
const L = { dtype: torch.int64 };

/** A random int64 index tensor with values in [low, high], in a random layout. */
function indexTensor(rng: Rng, shape: number[], low: number, high: number): { t: Tensor; values: Dense } {
  const n = numelOf(shape);
  const values = Array.from({ length: n }, () => (high < low ? 0 : int(rng, low, high)));
  const base = torch.tensor(values, L).reshape(shape);
  const t = rng() < 0.3 && shape.length === 2 ? base.t().contiguous().t() : base;
  return { t, values: new Dense(shape.slice(), values) };
}

/** Index values, mostly in range, sometimes negative or past the end. */
function indexRange(rng: Rng, size: number): [number, number] {
  const r = rng();
  if (r < 0.06) return [-size - 1, -1];
  if (r < 0.12) return [size, size + 2];
  return [0, size - 1];
}

export function reduceCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES);
  const shape = randomShape(rng);
  const x = randomView(rng, shape, dtype);
  const X = Dense.fromTensor(x);
  const n = shape.length;
  const dims = n === 0 ? [] : shape.map((_, d) => d).filter(() => rng() < 0.5);
  const keepdim = rng() < 0.5;
  const all = dims.length === 0 || dims.length === n;
  const which = pick(rng, ['sum', 'mean', 'prod', 'amax', 'maxdim', 'argmax', 'any', 'all'] as const);
  const terms = numelOf(dims.length ? dims.map((d) => shape[d]) : shape);
  const label = `${which} ${dtype}[${shape}] dims=${dims} keepdim=${keepdim}`;
  const sumDtype: DTypeName = isFloat(dtype) ? dtype : 'int64';
  switch (which) {
    case 'sum':
      return { label, run: () => x.sum(dims.length ? dims : undefined, keepdim), expect: { values: [reduceDims(X, all ? shape.map((_, d) => d) : dims, keepdim, (v) => v.reduce((a, b) => a + b, 0))], dtypes: [sumDtype], tol: tolerance(sumDtype, terms) } };
    case 'mean': {
      if (!isFloat(dtype)) return { label, run: () => x.mean(), expect: { error: /mean\(\): could not infer output dtype/ } };
      const ref = reduceDims(X, all ? shape.map((_, d) => d) : dims, keepdim, (v) => v.reduce((a, b) => a + b, 0) / v.length);
      return { label, run: () => x.mean(dims.length ? dims : undefined, keepdim), expect: { values: [ref], dtypes: [dtype], tol: tolerance(dtype, terms) } };
    }
    case 'prod': {
      // Integer products wrap around in int64, as PyTorch's do.
      const product = isFloat(dtype)
        ? toDtype(X.data.reduce((a, b) => a * b, 1), dtype)
        : Number(BigInt.asIntN(64, X.data.reduce((a, b) => a * BigInt(b), 1n)));
      return { label, run: () => x.prod(), expect: { values: [new Dense([], [product])], dtypes: [sumDtype], tol: { rtol: tolerance(sumDtype).rtol * Math.max(1, X.numel), atol: 1e-6 } } };
    }
    case 'amax':
      if (X.numel === 0) return { label, run: () => x.max(), expect: { error: /Expected reduction dim to be specified/ } };
      return { label, run: () => x.max(), expect: { values: [new Dense([], [Math.max(...X.data)])], dtypes: [dtype] } };
    case 'maxdim':
    case 'argmax': {
      if (n === 0) return { label, run: () => x.sum(), expect: { values: [new Dense([], [X.data[0]])], dtypes: [sumDtype] } };
      const dim = int(rng, 0, n - 1);
      if (shape[dim] === 0) return { label, run: () => (which === 'argmax' ? x.argmax(dim, keepdim) : x.max(dim, keepdim)), expect: { error: true } };
      const first = (v: number[]) => v.indexOf(Math.max(...v));
      const values = reduceDims(X, [dim], keepdim, (v) => Math.max(...v));
      const indices = reduceDims(X, [dim], keepdim, first);
      if (which === 'argmax') return { label: `${label} dim=${dim}`, run: () => x.argmax(dim, keepdim), expect: { values: [indices], dtypes: ['int64'] } };
      return { label: `${label} dim=${dim}`, run: () => { const r = x.max(dim, keepdim) as unknown as [Tensor, Tensor]; return [r[0], r[1]]; }, expect: { values: [values, indices], dtypes: [dtype, 'int64'] } };
    }
    case 'any':
      return { label, run: () => x.any(), expect: { values: [new Dense([], [X.data.some((v) => v !== 0) ? 1 : 0])], dtypes: ['bool'] } };
    default:
      return { label, run: () => x.all(), expect: { values: [new Dense([], [X.data.every((v) => v !== 0) ? 1 : 0])], dtypes: ['bool'] } };
  }
}

export function matmulCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const [m, k, n] = [int(rng, 0, 5), int(rng, 0, 5), int(rng, 0, 5)];
  const kind = pick(rng, ['mm', 'mv', 'vm', 'dot', 'batched', 'broadcast', 'mismatch'] as const);
  const batch = [int(rng, 1, 3)];
  const shapes: Record<typeof kind, [number[], number[]]> = {
    mm: [[m, k], [k, n]],
    mv: [[m, k], [k]],
    vm: [[k], [k, n]],
    dot: [[k], [k]],
    batched: [[...batch, m, k], [...batch, k, n]],
    broadcast: [[2, 1, m, k], [int(rng, 1, 3), k, n]],
    mismatch: [[m, k], [k + 1, n]],
  };
  const [sa, sb] = shapes[kind];
  const a = randomView(rng, sa, dtype);
  const b = randomView(rng, sb, dtype);
  const ref = matmulRef(Dense.fromTensor(a), Dense.fromTensor(b));
  const label = `matmul ${dtype} [${sa}]@[${sb}]`;
  if (ref === null) return { label, run: () => a.matmul(b), expect: { error: true } };
  if (kind === 'mm' && dtype === 'float64' && rng() < 0.5) {
    const A = a.detach().requiresGrad_();
    const B = b.detach().requiresGrad_();
    const g = randomView(rng, [m, n], dtype);
    const G = Dense.fromTensor(g);
    const gA = matmulRef(G, Dense.fromTensor(b).permute([1, 0]))!;
    const gB = matmulRef(Dense.fromTensor(a).permute([1, 0]), G)!;
    return {
      label: `${label} backward`,
      run: () => {
        A.matmul(B).backward(g);
        return [A.grad!, B.grad!];
      },
      expect: { values: [gA, gB], dtypes: [dtype, dtype], tol: tolerance(dtype, Math.max(m, n)) },
    };
  }
  return { label, run: () => a.matmul(b), expect: { values: [ref], dtypes: [dtype], tol: tolerance(dtype, k) } };
}

/**
 * addmm: a bias of any broadcastable shape and layout (strided, stepped, broadcast), random
 * beta and alpha, and shapes that do not expand. The bias is filled into the product's
 * output natively, in the gemm call.
 */
export function addmmCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const [m, k, n] = [int(rng, 0, 5), int(rng, 0, 5), int(rng, 0, 5)];
  const biasShape = pick(rng, [[n], [m, n], [1, n], [m, 1], [1], [], [m + 1, n], [1, 1, n]]);
  const a = randomView(rng, [m, k], dtype);
  const b = randomView(rng, [k, n], dtype);
  const bias = randomView(rng, biasShape, dtype);
  const beta = pick(rng, [1, 0, 0.5, -2]);
  const alpha = pick(rng, [1, 0.25, -1]);
  const label = `addmm ${dtype} [${biasShape}] + [${m},${k}]@[${k},${n}] beta=${beta} alpha=${alpha}`;
  const expands = biasShape.length <= 2 && broadcastShape(biasShape, [m, n])?.every((s, i) => s === [m, n][i]);
  if (!expands) return { label, run: () => torch.addmm(bias, a, b, { beta, alpha }), expect: { error: /expand/ } };
  const product = matmulRef(Dense.fromTensor(a), Dense.fromTensor(b))!;
  // beta = 0 ignores the bias, NaN and infinity included, as BLAS and PyTorch do.
  const ref = zipWith([Dense.fromTensor(bias).broadcastTo([m, n]), product], (x, p) => (beta === 0 ? 0 : beta * x) + alpha * p)!;
  return { label, run: () => torch.addmm(bias, a, b, { beta, alpha }), expect: { values: [ref], dtypes: [dtype], tol: tolerance(dtype, k + 1) } };
}

export function indexSelectCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES);
  const shape = randomShape(rng, int(rng, 1, 3));
  const x = randomView(rng, shape, dtype);
  const dim = int(rng, 0, shape.length - 1);
  const [low, high] = indexRange(rng, shape[dim]);
  const { t: index, values } = indexTensor(rng, [int(rng, 0, 4)], low, high);
  const label = `indexSelect ${dtype}[${shape}] dim=${dim} index=[${values.data}]`;
  if (values.data.some((v) => v < 0 || v >= shape[dim])) return { label, run: () => x.indexSelect(dim, index), expect: { error: /index out of range in self/ } };
  const X = Dense.fromTensor(x);
  const outShape = shape.slice();
  outShape[dim] = values.numel;
  const out = new Array<number>(numelOf(outShape));
  forEachIndex(outShape, (i, flat) => {
    const source = i.slice();
    source[dim] = values.data[i[dim]];
    out[flat] = X.at(source);
  });
  return { label, run: () => x.indexSelect(dim, index), expect: { values: [new Dense(outShape, out)], dtypes: [dtype] } };
}

export function gatherCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const shape = randomShape(rng, int(rng, 1, 3));
  const x = randomView(rng, shape, dtype);
  const dim = int(rng, 0, shape.length - 1);
  const indexShape = shape.map((s, d) => (d === dim ? int(rng, 0, 4) : rng() < 0.08 ? s + 1 : int(rng, 0, s)));
  const [low, high] = indexRange(rng, shape[dim]);
  const { t: index, values } = indexTensor(rng, indexShape, low, high);
  const label = `gather ${dtype}[${shape}] dim=${dim} index[${indexShape}]`;
  if (indexShape.some((s, d) => d !== dim && s > shape[d])) return { label, run: () => x.gather(dim, index), expect: { error: /Size does not match at dimension/ } };
  if (values.data.some((v) => v < 0 || v >= shape[dim])) return { label, run: () => x.gather(dim, index), expect: { error: /out of bounds for dimension/ } };
  const X = Dense.fromTensor(x);
  const out = values.data.map(() => 0);
  forEachIndex(indexShape, (i, flat) => {
    const source = i.slice();
    source[dim] = values.data[flat];
    out[flat] = X.at(source);
  });
  const ref = new Dense(indexShape, out);
  if (rng() < 0.4) {
    const leaf = x.detach().requiresGrad_();
    const grad = new Array<number>(X.numel).fill(0);
    forEachIndex(indexShape, (i, flat) => {
      const target = i.slice();
      target[dim] = values.data[flat];
      grad[target.reduce((s, v, d) => s * shape[d] + v, 0)] += 1;
    });
    return { label: `${label} backward`, run: () => { leaf.gather(dim, index).sum().backward(); return leaf.grad!; }, expect: { values: [new Dense(shape, grad)], dtypes: [dtype] } };
  }
  return { label, run: () => x.gather(dim, index), expect: { values: [ref], dtypes: [dtype] } };
}

export function scatterCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const shape = randomShape(rng, int(rng, 1, 3));
  const self = randomWritable(rng, shape, dtype);
  const dim = int(rng, 0, shape.length - 1);
  const indexShape = shape.map((s, d) => (d === dim ? int(rng, 0, 4) : rng() < 0.08 ? s + 1 : int(rng, 0, s)));
  const srcShape = indexShape.map((s) => (rng() < 0.08 ? Math.max(0, s - 1) : s + int(rng, 0, 1)));
  const src = randomView(rng, srcShape, dtype);
  const [low, high] = indexRange(rng, shape[dim]);
  const { t: index, values } = indexTensor(rng, indexShape, low, high);
  const add = rng() < 0.5;
  const label = `scatter${add ? 'Add' : '_'} ${dtype}[${shape}] dim=${dim} index[${indexShape}] src[${srcShape}]`;
  const run = () => (add ? self.scatterAdd(dim, index, src) : self.scatter_(dim, index, src));
  const fits = indexShape.every((s, d) => (d === dim || s <= shape[d]) && s <= srcShape[d]);
  if (!fits) return { label, run, expect: { error: /Expected index .* to be smaller than self/ } };
  if (numelOf(indexShape) > 0 && values.data.some((v) => v < 0 || v >= shape[dim])) return { label, run, expect: { error: /out of bounds for dimension/ } };
  const out = Dense.fromTensor(self).data.slice();
  const S = Dense.fromTensor(src);
  forEachIndex(indexShape, (i, flat) => {
    const target = i.slice();
    target[dim] = values.data[flat];
    const at = target.reduce((s, v, d) => s * shape[d] + v, 0);
    out[at] = add ? out[at] + S.at(i) : S.at(i);
  });
  return { label, run, expect: { values: [new Dense(shape, out)], dtypes: [dtype], tol: tolerance(dtype, 4) } };
}

/** scatterReduce's prod/amax/amin (the native scatterReduce kernel), with and without self. */
export function scatterReduceCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const shape = randomShape(rng, int(rng, 1, 3));
  const self = randomView(rng, shape, dtype);
  const dim = int(rng, 0, shape.length - 1);
  const indexShape = shape.map((s, d) => (d === dim ? int(rng, 0, 4) : rng() < 0.08 ? s + 1 : int(rng, 0, s)));
  const srcShape = indexShape.map((s) => (rng() < 0.08 ? Math.max(0, s - 1) : s + int(rng, 0, 1)));
  const src = randomView(rng, srcShape, dtype);
  const [low, high] = indexRange(rng, shape[dim]);
  const { t: index, values } = indexTensor(rng, indexShape, low, high);
  const reduce = pick(rng, ['prod', 'amax', 'amin'] as const);
  const includeSelf = rng() < 0.5;
  const label = `scatterReduce ${reduce} includeSelf=${includeSelf} ${dtype}[${shape}] dim=${dim} index[${indexShape}] src[${srcShape}]`;
  const run = () => self.scatterReduce(dim, index, src, reduce, { includeSelf });
  const fits = indexShape.every((s, d) => (d === dim || s <= shape[d]) && s <= srcShape[d]);
  if (!fits) return { label, run, expect: { error: /Expected index .* to be smaller than self/ } };
  if (numelOf(indexShape) > 0 && values.data.some((v) => v < 0 || v >= shape[dim])) return { label, run, expect: { error: /out of bounds for dimension/ } };
  const out = Dense.fromTensor(self).data.slice();
  const S = Dense.fromTensor(src);
  const combine = (a: number, b: number) => {
    if (reduce === 'prod') return a * b;
    if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
    return reduce === 'amax' ? Math.max(a, b) : Math.min(a, b);
  };
  const seen = new Set<number>();
  forEachIndex(indexShape, (i, flat) => {
    const target = i.slice();
    target[dim] = values.data[flat];
    const at = target.reduce((acc, v, d) => acc * shape[d] + v, 0);
    out[at] = !includeSelf && !seen.has(at) ? S.at(i) : combine(out[at], S.at(i));
    seen.add(at);
  });
  return { label, run, expect: { values: [new Dense(shape, out)], dtypes: [dtype], tol: tolerance(dtype, 4) } };
}

export function advancedIndexCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES);
  const shape = randomShape(rng, int(rng, 1, 3));
  const x = randomView(rng, shape, dtype);
  const X = Dense.fromTensor(x);
  if (rng() < 0.3) {
    const mask = randomView(rng, shape, 'bool');
    const M = Dense.fromTensor(mask);
    const picked = X.data.filter((_, i) => M.data[i] !== 0);
    return { label: `mask ${dtype}[${shape}]`, run: () => x.index(mask), expect: { values: [new Dense([picked.length, ...shape.slice(1).slice(0, 0)], picked)], dtypes: [dtype] } };
  }
  const size = shape[0];
  const [low, high] = rng() < 0.1 ? [-size - 2, -size - 1] : [-size, size - 1];
  const { t: index, values } = indexTensor(rng, [int(rng, 0, 4)], low, high);
  const label = `index ${dtype}[${shape}] [${values.data}]`;
  if (values.data.some((v) => v < -size || v >= size)) return { label, run: () => x.index(index), expect: { error: /out of bounds for dimension 0/ } };
  const inner = numelOf(shape.slice(1));
  const out: number[] = [];
  for (const v of values.data) {
    const row = v < 0 ? v + size : v;
    out.push(...X.data.slice(row * inner, (row + 1) * inner));
  }
  return { label, run: () => x.index(index), expect: { values: [new Dense([values.numel, ...shape.slice(1)], out)], dtypes: [dtype] } };
}

export function nonzeroCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES);
  const shape = randomShape(rng);
  const x = randomView(rng, shape, dtype);
  const coords: number[] = [];
  let count = 0;
  forEachIndex(shape, (i, flat) => {
    if (Dense.fromTensor(x).data[flat] !== 0) {
      coords.push(...i);
      count++;
    }
  });
  return { label: `nonzero ${dtype}[${shape}]`, run: () => x.nonzero(), expect: { values: [new Dense([count, shape.length], coords)], dtypes: ['int64'] } };
}

function logSoftmaxLine(line: number[]): number[] {
  const max = Math.max(...line);
  const shift = Number.isFinite(max) ? max : 0;
  const lse = Math.log(line.reduce((s, v) => s + Math.exp(v - shift), 0));
  return line.map((v) => v - shift - lse);
}

export function softmaxCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const shape = randomShape(rng, int(rng, 1, 3));
  const dim = int(rng, 0, shape.length - 1);
  const x = randomView(rng, shape, dtype);
  const X = Dense.fromTensor(x);
  const log = rng() < 0.5;
  const out = alongDim(X, dim, (line) => (log ? logSoftmaxLine(line) : logSoftmaxLine(line).map(Math.exp)));
  const label = `${log ? 'logSoftmax' : 'softmax'} ${dtype}[${shape}] dim=${dim}`;
  const tol = tolerance(dtype, shape[dim]);
  if (rng() < 0.4) {
    const leaf = x.detach().requiresGrad_();
    const g = randomView(rng, shape, dtype);
    const G = Dense.fromTensor(g);
    // Backward along each line: softmax y(g - sum(g y)); log-softmax g - exp(y) sum(g).
    const grad = X.data.slice();
    const lines = alongDim(new Dense(shape, X.data.map((_, i) => i)), dim, (positions) => {
      const y = positions.map((p) => out.data[p]);
      const gl = positions.map((p) => G.data[p]);
      const result = log
        ? gl.map((gv, k) => gv - Math.exp(y[k]) * gl.reduce((s, v) => s + v, 0))
        : y.map((yv, k) => yv * (gl[k] - gl.reduce((s, v, j) => s + v * y[j], 0)));
      positions.forEach((p, k) => (grad[p] = result[k]));
      return positions;
    });
    void lines;
    return {
      label: `${label} backward`,
      run: () => { (log ? leaf.logSoftmax(dim) : leaf.softmax(dim)).backward(g); return leaf.grad!; },
      expect: { values: [new Dense(shape, grad)], dtypes: [dtype], tol },
    };
  }
  return { label, run: () => (log ? x.logSoftmax(dim) : x.softmax(dim)), expect: { values: [out], dtypes: [dtype], tol } };
}

export function crossEntropyCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const [rows, classes] = [int(rng, 0, 5), int(rng, 1, 5)];
  const input = randomView(rng, [rows, classes], dtype);
  const bad = rng() < 0.08;
  const targets = Array.from({ length: rows }, () => (bad ? classes : rng() < 0.15 ? -100 : int(rng, 0, classes - 1)));
  const target = torch.tensor(targets, L);
  const weight = rng() < 0.4 ? randomView(rng, [classes], dtype).abs().add(0.25) : null;
  const reduction = pick(rng, ['mean', 'sum', 'none'] as const);
  const smoothing = rng() < 0.3 ? 0.2 : 0;
  const options = { weight, reduction, labelSmoothing: smoothing };
  const label = `crossEntropy ${dtype}[${rows},${classes}] ${reduction} smoothing=${smoothing} weight=${weight !== null} targets=${targets}`;
  const leaf = input.detach().requiresGrad_();
  const run = () => {
    const loss = F.crossEntropy(leaf, target, options);
    loss.sum().backward();
    return [loss, leaf.grad!];
  };
  if (bad && rows > 0) return { label, run, expect: { error: true } };
  const X = Dense.fromTensor(input);
  const W = weight === null ? new Array<number>(classes).fill(1) : Dense.fromTensor(weight).data;
  const lossRows: number[] = [];
  const gradRows: number[][] = [];
  let denominator = 0;
  for (let r = 0; r < rows; r++) {
    const lp = logSoftmaxLine(X.data.slice(r * classes, (r + 1) * classes));
    const t = targets[r];
    if (t === -100) {
      lossRows.push(0);
      gradRows.push(new Array<number>(classes).fill(0));
      continue;
    }
    denominator += W[t];
    const smooth = -lp.reduce((s, v, c) => s + W[c] * v, 0) / classes;
    lossRows.push((1 - smoothing) * -W[t] * lp[t] + smoothing * smooth);
    const p = lp.map(Math.exp);
    const wSum = W.reduce((a, b) => a + b, 0);
    gradRows.push(p.map((pc, c) => (1 - smoothing) * W[t] * (pc - (c === t ? 1 : 0)) + (smoothing / classes) * (pc * wSum - W[c])));
  }
  const scale = reduction === 'mean' ? 1 / denominator : 1;
  const loss = reduction === 'none' ? new Dense([rows], lossRows) : new Dense([], [lossRows.reduce((a, b) => a + b, 0) * scale]);
  // Ignored rows get a zero gradient even when the mean's denominator is 0 (PyTorch).
  const grad = new Dense([rows, classes], gradRows.flat().map((v) => (v === 0 ? 0 : v * scale)));
  return { label, run, expect: { values: [loss, grad], dtypes: [dtype, dtype], tol: tolerance(dtype, classes * Math.max(rows, 1)) } };
}

export function layerNormCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const shape = randomShape(rng, int(rng, 1, 3)).map((s) => Math.max(s, 1));
  const normalized = shape.slice(shape.length - int(rng, 1, Math.min(2, shape.length)));
  const x = randomView(rng, shape, dtype);
  const affine = rng() < 0.6;
  const w = affine ? randomView(rng, normalized, dtype).detach().requiresGrad_() : null;
  const b = affine ? randomView(rng, normalized, dtype).detach().requiresGrad_() : null;
  const leaf = x.detach().requiresGrad_();
  const g = randomView(rng, shape, dtype);
  const cols = numelOf(normalized);
  const rows = numelOf(shape) / cols;
  const X = Dense.fromTensor(x).data;
  const G = Dense.fromTensor(g).data;
  const Wv = w ? Dense.fromTensor(w).data : new Array<number>(cols).fill(1);
  const Bv = b ? Dense.fromTensor(b).data : new Array<number>(cols).fill(0);
  const out: number[] = [];
  const gx: number[] = [];
  const gw = new Array<number>(cols).fill(0);
  const gb = new Array<number>(cols).fill(0);
  // The input gradient is a difference of terms as large as rstd * |g * w| * cols; with
  // mean and rstd kept in the input's dtype (as PyTorch keeps them), float32 loses about
  // 1e-7 of that scale, however small the result.
  let termScale = 1;
  for (let r = 0; r < rows; r++) {
    const line = X.slice(r * cols, (r + 1) * cols);
    const mu = line.reduce((a, v) => a + v, 0) / cols;
    const variance = line.reduce((a, v) => a + (v - mu) ** 2, 0) / cols;
    // mean and rstd are kept in the input's dtype between forward and backward, as
    // PyTorch keeps them; the backward sees the rounded ones.
    const rstdExact = 1 / Math.sqrt(variance + 1e-5);
    const xhatExact = line.map((v) => (v - mu) * rstdExact);
    const [muKept, rstd] = dtype === 'float32' ? [Math.fround(mu), Math.fround(rstdExact)] : [mu, rstdExact];
    const xhat = line.map((v) => (v - muKept) * rstd);
    out.push(...xhatExact.map((v, c) => v * Wv[c] + Bv[c]));
    const gl = G.slice(r * cols, (r + 1) * cols);
    const gh = gl.map((v, c) => v * Wv[c]);
    const sumGh = gh.reduce((a, v) => a + v, 0);
    const sumGhX = gh.reduce((a, v, c) => a + v * xhat[c], 0);
    termScale = Math.max(termScale, rstd * cols * Math.max(...gh.map(Math.abs)));
    gx.push(...gh.map((v, c) => (rstd / cols) * (cols * v - sumGh - xhat[c] * sumGhX)));
    gl.forEach((v, c) => {
      gw[c] += v * xhat[c];
      gb[c] += v;
    });
  }
  const values = [new Dense(shape, out), new Dense(shape, gx)];
  if (affine) values.push(new Dense(normalized, gw), new Dense(normalized, gb));
  return {
    label: `layerNorm ${dtype}[${shape}] over [${normalized}] affine=${affine}`,
    run: () => {
      const y = F.layerNorm(leaf, normalized, w, b);
      y.backward(g);
      return affine ? [y, leaf.grad!, w!.grad!, b!.grad!] : [y, leaf.grad!];
    },
    expect: { values, dtypes: values.map(() => dtype), tol: { rtol: dtype === 'float64' ? 1e-8 : 2e-4, atol: dtype === 'float64' ? 1e-9 : Math.max(2e-4 * Math.max(rows, cols), 1e-6 * termScale) } },
  };
}

export function linearReluCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const [batch, inF, outF] = [int(rng, 0, 5), int(rng, 1, 6), int(rng, 1, 6)];
  const net = new torch.nn.Sequential(new torch.nn.Linear(inF, outF), new torch.nn.ReLU()).to(torch[dtype]);
  const x = randomView(rng, [batch, inF], dtype);
  const linear = net.at(0) as InstanceType<typeof torch.nn.Linear>;
  const W = Dense.fromTensor(linear.weight);
  const B = Dense.fromTensor(linear.bias!);
  const y = matmulRef(Dense.fromTensor(x), W.permute([1, 0]))!;
  const ref = new Dense(y.shape, y.data.map((v, i) => Math.max(0, v + B.data[i % outF])));
  return { label: `Linear+ReLU noGrad ${dtype}[${batch},${inF}]->${outF}`, run: () => torch.noGrad(() => net(x)), expect: { values: [ref], dtypes: [dtype], tol: tolerance(dtype, inF) } };
}

export function roundTripCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES);
  const x = randomView(rng, randomShape(rng), dtype);
  const ref = Dense.fromTensor(x);
  return {
    label: `serialize/deserialize ${dtype}[${x.shape}]`,
    run: () => (torch.deserialize(torch.serialize({ x })) as { x: Tensor }).x,
    expect: { values: [ref], dtypes: [dtype] },
  };
}

/** index assignment `x[index] = values` (index_put, accumulate or not), in place. */
export function indexPutCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const shape = randomShape(rng, int(rng, 1, 3)).map((s, d) => (d === 0 ? Math.max(s, 1) : s));
  const x = randomWritable(rng, shape, dtype);
  const size = shape[0];
  const accumulate = rng() < 0.5;
  // Without accumulate, repeated indices would race for the last write: keep them unique.
  const count = int(rng, 0, accumulate ? 4 : size);
  const pool = Array.from({ length: size }, (_, i) => i).sort(() => rng() - 0.5);
  let values = accumulate ? Array.from({ length: count }, () => int(rng, -size, size - 1)) : pool.slice(0, count).map((v) => (rng() < 0.3 ? v - size : v));
  if (rng() < 0.08 && count > 0) values = [...values.slice(1), size + 1];
  const index = torch.tensor(values, L);
  const src = randomView(rng, [count, ...shape.slice(1)], dtype);
  const label = `indexPut_ ${dtype}[${shape}] [${values}] accumulate=${accumulate}`;
  const run = () => x.indexPut_([index], src, accumulate);
  if (values.some((v) => v < -size || v >= size)) return { label, run, expect: { error: /out of bounds for dimension 0/ } };
  const out = Dense.fromTensor(x).data.slice();
  const S = Dense.fromTensor(src).data;
  const inner = numelOf(shape.slice(1));
  values.forEach((v, k) => {
    const row = v < 0 ? v + size : v;
    for (let j = 0; j < inner; j++) out[row * inner + j] = accumulate ? out[row * inner + j] + S[k * inner + j] : S[k * inner + j];
  });
  return { label, run, expect: { values: [new Dense(shape, out)], dtypes: [dtype], tol: tolerance(dtype, 4) } };
}

/** uniform_/normal_/random_/bernoulli_ into any writable layout: values in range, the rest of the storage untouched. */
export function randomFillCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ['float32', 'float64', 'int64', 'int32', 'float16'] as const);
  const base = randomView(rng, [int(rng, 1, 24)], dtype, 'contiguous');
  const n = base.shape[0];
  const start = int(rng, 0, n - 1);
  const step = int(rng, 1, 3);
  const view = base.index(`${start}::${step}`);
  const before = Dense.fromTensor(base).data;
  const kind = isFloat(dtype) ? pick(rng, ['uniform_', 'normal_', 'bernoulli_'] as const) : 'random_';
  const inView = new Set(Array.from({ length: view.shape[0] }, (_, k) => start + k * step));
  return {
    label: `${kind} ${dtype}[${n}] ${start}::${step}`,
    run: () => {
      if (kind === 'uniform_') view.uniform_(-2, 3);
      else if (kind === 'normal_') view.normal_(0, 1);
      else if (kind === 'bernoulli_') view.bernoulli_(0.3);
      else view.random_(-4, 9);
      const after = Dense.fromTensor(base).data;
      const ok = after.every((v, i) => {
        if (!inView.has(i)) return Object.is(v, before[i]) || (Number.isNaN(v) && Number.isNaN(before[i]));
        if (kind === 'uniform_') return v >= -2 && v <= 3;
        if (kind === 'normal_') return Number.isFinite(v);
        if (kind === 'bernoulli_') return v === 0 || v === 1;
        return Number.isInteger(v) && v >= -4 && v < 9;
      });
      return torch.tensor([ok ? 1 : 0], L);
    },
    expect: { values: [new Dense([1], [1])], dtypes: ['int64'] },
  };
}
