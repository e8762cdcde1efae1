/**
 * What the graph holds on to. Each backward reaches its saved tensors through
 * `node.save`, and a backward without `retainGraph` releases its node: the saved slots and
 * the closure itself. So once `backward()` has run, the only native memory left is what
 * the caller still owns (here, the leaves, as a model keeps its parameters), even while
 * the root, and through it every node, stays reachable, as a loss kept for logging keeps
 * it. Counted in live native bytes after a forced GC (storages are freed by dispose, tidy
 * or the GC; nothing here runs in a tidy scope).
 *
 * Before backward, an op's graph holds only what its backward needs: an input that
 * PyTorch's node does not save (add's operands, a sum's input, the logits of
 * cross-entropy, the operand of a product whose partner needs no gradient) is not kept
 * alive by the graph.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const F = torch.nn.functional;

interface Live {
  bytes: number;
  storages: number;
}

/**
 * Live native memory after collecting everything unreachable (twice, with a turn of the
 * event loop between, so that no finalizer is still pending).
 */
async function live(): Promise<Live> {
  // Finalizers of dropped tensors may run a few turns after gc() on a loaded machine:
  // collect until two consecutive counts agree, so earlier garbage is not counted here.
  let last = -1;
  for (let round = 0; round < 20; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const storages = torch.memoryStats().cpu.storages;
    if (storages === last) break;
    last = storages;
  }
  const stats = torch.memoryStats().cpu;
  return { bytes: stats.allocatedBytes, storages: stats.storages };
}

/** A new tensor that requires grad (a parameter). */
const leaf = (t: Tensor): Tensor => t.requiresGrad_(true);

/** A scenario: its parameters (made once, kept for the whole file, as a model's) and the graph built on them. */
interface Scenario {
  params: () => Tensor[];
  /** Returns the root to call backward on and every other tensor it made and still references. */
  build: (params: Tensor[]) => { root: Tensor; owned: Tensor[] };
}

const paramsOf = new Map<Scenario, Tensor[]>();

/**
 * Builds the scenario's graph on its parameters, runs backward (no retainGraph), clears
 * the parameters' .grad and disposes what the scenario owns (or, with `drop`, leaves it
 * to the GC), then returns what is alive beyond the count before the graph was built,
 * while the root, and its graph, are still reachable.
 */
async function leftAfterBackward(scenario: Scenario, drop: boolean): Promise<{ extra: Live; root: Tensor }> {
  let params = paramsOf.get(scenario);
  if (params === undefined) paramsOf.set(scenario, (params = scenario.params()));
  const before = await live();
  const run = (): Tensor => {
    const { root, owned } = scenario.build(params);
    root.backward();
    if (!drop) for (const t of owned) t.dispose();
    root.dispose(); // its storage; the object, and root.gradFn, stay reachable
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
    return root;
  };
  const root = run();
  const after = await live();
  return { extra: { bytes: after.bytes - before.bytes, storages: after.storages - before.storages }, root };
}

/**
 * leftAfterBackward, repeated (up to 3 times) while the count went down: a finalizer of
 * an earlier run's garbage firing mid-measurement makes one run look negative, while a
 * real leak stays positive on every run.
 */
async function measured(scenario: Scenario, drop: boolean): Promise<{ extra: Live; root: Tensor }> {
  let result = await leftAfterBackward(scenario, drop);
  for (let attempt = 1; attempt < 3 && (result.extra.storages < 0 || result.extra.bytes < 0); attempt++) {
    result = await leftAfterBackward(scenario, drop);
  }
  return result;
}

/** Sums the elements of every tensor into one scalar root. */
function total(parts: Tensor[]): Tensor {
  let root = parts[0].sum();
  for (const p of parts.slice(1)) root = root.add(p.sum());
  return root;
}

const scenarios: Record<string, Scenario> = {
  'crossEntropy (N, C)': {
    params: () => [leaf(torch.randn(16, 10))],
    build: ([x]) => {
      const y = torch.randint(0, 10, [16]);
      return { root: F.crossEntropy(x, y), owned: [y] };
    },
  },
  'crossEntropy (N, C, d) with class weights and label smoothing': {
    params: () => [leaf(torch.randn(4, 6, 3))],
    build: ([x]) => {
      const y = torch.randint(0, 6, [4, 3]);
      const w = torch.rand(6);
      return { root: F.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }), owned: [y, w] };
    },
  },
  'crossEntropy of computed logits, non-contiguous targets': {
    params: () => [leaf(torch.randn(10, 8))],
    build: ([x]) => {
      const y = torch.randint(0, 8, [2, 10]);
      const logits = x.mul(2);
      return { root: F.crossEntropy(logits, y.index(1), { reduction: 'sum' }), owned: [y, logits] };
    },
  },
  'nllLoss(logSoftmax) with ignoreIndex': {
    params: () => [leaf(torch.randn(12, 7))],
    build: ([x]) => {
      const y = torch.randint(0, 7, [12]);
      const lp = F.logSoftmax(x, 1);
      return { root: F.nllLoss(lp, y, { ignoreIndex: 3 }), owned: [y, lp] };
    },
  },
  'layerNorm with weight and bias': {
    params: () => [leaf(torch.randn(6, 5, 8)), leaf(torch.rand(8)), leaf(torch.rand(8))],
    build: ([x, w, b]) => {
      const out = F.layerNorm(x, [8], w, b);
      return { root: out.sum(), owned: [out] };
    },
  },
  'layerNorm of a computed, non-contiguous input, no affine': {
    params: () => [leaf(torch.randn(8, 6))],
    build: ([x]) => {
      const h = x.mul(3);
      const out = F.layerNorm(h.t(), 8);
      return { root: out.mul(out).sum(), owned: [h, out] };
    },
  },
  'embedding (int64 ids)': {
    params: () => [leaf(torch.randn(20, 4))],
    build: ([w]) => {
      const ids = torch.randint(0, 20, [3, 5]);
      const out = F.embedding(ids, w);
      return { root: out.sum(), owned: [ids, out] };
    },
  },
  'embedding (int32 ids, paddingIdx, scaleGradByFreq, maxNorm)': {
    params: () => [leaf(torch.randn(20, 4))],
    build: ([w]) => {
      const ids = torch.randint(0, 20, [3, 5]).int();
      const out = F.embedding(ids, w, { paddingIdx: 0, scaleGradByFreq: true, maxNorm: 1 });
      return { root: out.sum(), owned: [ids, out] };
    },
  },
  softmax: {
    params: () => [leaf(torch.randn(5, 9))],
    build: ([x]) => {
      const out = F.softmax(x, 1);
      return { root: out.mul(out).sum(), owned: [out] };
    },
  },
  'logSoftmax (float64, dim 0)': {
    params: () => [leaf(torch.randn(5, 9, { dtype: torch.float64 }))],
    build: ([x]) => {
      const out = F.logSoftmax(x, 0);
      return { root: out.sum(), owned: [out] };
    },
  },
  'linear (2-D, addmm)': {
    params: () => [leaf(torch.randn(7, 5)), leaf(torch.randn(3, 5)), leaf(torch.randn(3))],
    build: ([x, w, b]) => {
      const out = F.linear(x, w, b);
      return { root: out.sum(), owned: [out] };
    },
  },
  'linear (3-D) with a frozen weight': {
    params: () => [leaf(torch.randn(2, 7, 5)), torch.randn(3, 5), leaf(torch.randn(3))],
    build: ([x, w, b]) => {
      const out = F.linear(x, w, b);
      return { root: out.sum(), owned: [out] };
    },
  },
  'matmul (batched, broadcast), mm, mv, dot': {
    params: () => [leaf(torch.randn(2, 3, 4, 5)), leaf(torch.randn(5, 6)), leaf(torch.randn(4, 6)), leaf(torch.randn(6))],
    build: ([a, b, m, v]) => {
      const parts = [a.matmul(b), m.mm(b.t()), m.mv(v), v.dot(v), torch.bmm(a.index(0), b.expand(3, 5, 6))];
      return { root: total(parts), owned: parts };
    },
  },
  'elementwise: add, mul, div, pow, atan2, maximum, where, clamp': {
    params: () => [leaf(torch.rand(4, 5).add(0.5)), leaf(torch.rand(4, 5).add(0.5))],
    build: ([a, b]) => {
      const lo = torch.full([5], 0.7);
      const cond = a.gt(b);
      const parts = [a.add(b), a.sub(b), a.mul(b), a.div(b), a.pow(b), torch.atan2(a, b), torch.maximum(a, b), torch.where(cond, a, b), a.clamp(lo, 1.2), a.clamp(0.6, 1.1), a.pow(2), a.rsub(1), a.remainder(b)];
      return { root: total(parts), owned: [lo, cond, ...parts] };
    },
  },
  'unary: exp, log, tanh, sigmoid, relu, sqrt, gelu, silu, leakyRelu, abs': {
    params: () => [leaf(torch.rand(3, 4).add(0.1))],
    build: ([x]) => {
      const parts = [x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(), x.sqrt(), F.gelu(x), F.silu(x), F.leakyRelu(x, 0.2), x.abs(), x.sign()];
      return { root: total(parts), owned: parts };
    },
  },
  'reductions: max(dim), max, amax, prod, norm, var, std, mean, sum with dtype': {
    params: () => [leaf(torch.randn(4, 6))],
    build: ([x]) => {
      const [values, indices] = x.max(1) as [Tensor, Tensor];
      const parts = [values, x.max() as Tensor, x.amax(0), x.prod(1), x.norm(), x.norm(1, 0), x.var(1), x.std(), x.mean(0), x.sum({ dtype: torch.float64 })];
      return { root: total(parts), owned: [indices, ...parts] };
    },
  },
  'indexing: advanced index, bool mask, indexSelect, gather, scatter, select, slice': {
    params: () => [leaf(torch.randn(6, 5)), leaf(torch.randn(6, 2))],
    build: ([x, src]) => {
      const idx = torch.tensor([4, -1, 0, 2]);
      const mask = x.gt(0);
      const sel = torch.tensor([1, 3]);
      const g = torch.randint(0, 5, [6, 2]);
      const parts = [x.index(idx), x.index(mask), x.index(':', idx.index('0:2')), x.indexSelect(1, sel), x.gather(1, g), x.scatter(1, g, src), x.index(2), x.index('1:4', '::2')];
      return { root: total(parts), owned: [idx, mask, sel, g, ...parts] };
    },
  },
  'shape: cat, stack, toDtype, expand, narrow, permute': {
    params: () => [leaf(torch.randn(3, 4)), leaf(torch.randn(2, 4, { dtype: torch.float64 }))],
    build: ([a, b]) => {
      const parts = [torch.cat([a, b]), torch.stack([a, a.double()]), a.double(), a.index(0).expand(2, 4), a.narrow(1, 1, 2), a.permute(1, 0), a.reshape(12), a.clone()];
      return { root: total(parts), owned: parts };
    },
  },
  'losses: mseLoss, l1Loss, binaryCrossEntropyWithLogits': {
    params: () => [leaf(torch.randn(4, 3))],
    build: ([x]) => {
      const y = torch.rand(4, 3);
      const pw = torch.rand(3);
      const parts = [F.mseLoss(x, y), F.l1Loss(x, y), F.binaryCrossEntropyWithLogits(x, y, { posWeight: pw })];
      return { root: parts[0].add(parts[1]).add(parts[2]), owned: [y, pw, ...parts] };
    },
  },
  'in place: add_, mul_, index assignment, and an op on a view': {
    params: () => [leaf(torch.randn(4, 3)), leaf(torch.randn(4, 3))],
    build: ([x, y]) => {
      const h = x.mul(2);
      h.add_(y);
      h.mul_(y);
      const i = torch.tensor([0, 2]);
      h.indexPut_([i], y.index('0:2'));
      h.index(1).mul_(3);
      return { root: h.sum(), owned: [h, i] };
    },
  },
  'device transfer to the same device, dropout, batchNorm': {
    params: () => [leaf(torch.randn(6, 3))],
    build: ([x]) => {
      const parts = [x.to('cpu').mul(1), F.dropout(x, 0.5), F.batchNorm(x, null, null, { training: true })];
      return { root: total(parts), owned: parts };
    },
  },
};

describe('after backward() without retainGraph, the graph holds no native memory', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`${name}: what the test made disposed, nothing else is left`, async () => {
      await leftAfterBackward(scenario, false); // warm-up: state made once is not a leak
      const { extra, root } = await measured(scenario, false);
      expect(extra).toEqual({ bytes: 0, storages: 0 });
      expect(root.gradFn).not.toBeNull(); // the graph was reachable while we counted
    });

    it(`${name}: what the test made dropped (not disposed), nothing else is left`, async () => {
      await leftAfterBackward(scenario, true);
      const { extra, root } = await measured(scenario, true);
      expect(extra).toEqual({ bytes: 0, storages: 0 });
      expect(root.gradFn).not.toBeNull();
    });
  }

  it('saved indices and targets are version-checked, as PyTorch saves them', () => {
    const w = leaf(torch.randn(6, 3));
    const ids = torch.tensor([[1, 2, 5], [0, 0, 4]]);
    const out = F.embedding(ids, w).sum();
    ids.add_(1);
    expect(() => out.backward()).toThrow(
      /modified by an inplace operation: \[torch\.LongTensor \[2, 3\]\] is at version 1; expected version 0 instead/,
    );
    const x = leaf(torch.randn(3, 4));
    const y = torch.tensor([0, 3, 1]);
    const loss = F.crossEntropy(x, y);
    y.fill_(2);
    expect(() => loss.backward()).toThrow(/\[torch\.LongTensor \[3\]\] is at version 1; expected version 0 instead/);
  });

  it('a second backward says the saved tensors were freed', () => {
    const x = leaf(torch.randn(4, 5));
    const loss = F.crossEntropy(x, torch.tensor([0, 1, 2, 3]));
    loss.backward();
    expect(() => loss.backward()).toThrow(/Trying to backward through the graph a second time/);
  });

  it('with retainGraph the saved tensors stay, until a backward without it', async () => {
    const x = leaf(torch.randn(8, 6));
    const w = leaf(torch.rand(6));
    const before = await live();
    const loss = ((): Tensor => {
      const out = F.layerNorm(x, 6, w);
      const root = out.sum();
      out.dispose();
      return root;
    })();
    loss.backward({ retainGraph: true });
    loss.backward({ retainGraph: true });
    for (const p of [x, w]) {
      p.grad!.dispose();
      p.grad = null;
    }
    const kept = await live();
    expect(kept.storages - before.storages).toBe(3); // the loss, and layerNorm's mean and rstd
    loss.backward();
    for (const p of [x, w]) {
      p.grad!.dispose();
      p.grad = null;
    }
    loss.dispose();
    expect(await live()).toEqual(before);
    expect(loss.gradFn).not.toBeNull();
  });

  it("a node's own results (log-probabilities, mean and rstd) are freed when it is released, without waiting for the GC", () => {
    const x = leaf(torch.randn(64, 1000));
    const w = leaf(torch.rand(1000));
    const logitBytes = 64 * 1000 * 4;
    const loss = F.crossEntropy(F.layerNorm(x, 1000, w), torch.randint(0, 1000, [64]));
    const before = torch.memoryStats().cpu.allocatedBytes;
    loss.backward();
    const grown = torch.memoryStats().cpu.allocatedBytes - before;
    // x.grad is new (logitBytes); the log-probabilities the loss saved (logitBytes) are gone
    // at once. Without the release that would be 2 * logitBytes and more.
    expect(grown).toBeLessThan(1.5 * logitBytes);
    x.grad = null;
    w.grad = null;
  });
});

/**
 * Builds `keep = op(inputs)` where the inputs are intermediates the test then drops, and
 * returns the names of those the graph still holds after a GC (in a later task than the
 * build, since a new WeakRef keeps its target alive until the end of the current one).
 */
async function heldInputs(build: () => { keep: Tensor; dropped: Record<string, Tensor> }): Promise<{ held: string[]; keep: Tensor }> {
  const refs: [string, WeakRef<Tensor>][] = [];
  const keep = ((): Tensor => {
    const { keep, dropped } = build();
    for (const [name, t] of Object.entries(dropped)) refs.push([name, new WeakRef(t)]);
    return keep;
  })();
  await live();
  return { held: refs.filter(([, r]) => r.deref() !== undefined).map(([n]) => n), keep };
}

describe('before backward, an op holds only the inputs its backward saves', () => {
  const w = leaf(torch.randn(3, 5));
  const frozen = torch.randn(5, 4);
  const cases: Record<string, () => { keep: Tensor; dropped: Record<string, Tensor> }> = {
    add: () => {
      const a = w.mul(2);
      const b = w.mul(3);
      return { keep: a.add(b), dropped: { a, b } };
    },
    'sub, rsub, mul and div by a scalar, remainder by a scalar': () => {
      const a = w.mul(2);
      const b = w.mul(3);
      return { keep: a.sub(b).add(a.rsub(1)).add(a.mul(4)).add(b.div(5)).add(b.remainder(2)), dropped: { a, b } };
    },
    'sum, mean': () => {
      const a = w.mul(2);
      return { keep: a.sum().add(a.mean()), dropped: { a } };
    },
    'cat, stack': () => {
      const a = w.mul(2);
      const b = w.mul(3);
      return { keep: torch.cat([a, b]).sum().add(torch.stack([a, b]).sum()), dropped: { a, b } };
    },
    'toDtype, clone': () => {
      const a = w.mul(2);
      return { keep: a.double().sum().add(a.clone().sum()), dropped: { a } };
    },
    'mm with a frozen right operand (only the frozen operand is saved)': () => {
      const a = w.mul(2);
      return { keep: a.mm(frozen), dropped: { a } };
    },
    'addmm / linear with a frozen weight': () => {
      const a = w.mul(2);
      return { keep: F.linear(a, frozen.t(), torch.zeros(4)), dropped: { a } };
    },
    'crossEntropy keeps its log-probabilities, not the logits': () => {
      const logits = w.mul(2);
      return { keep: F.crossEntropy(logits, torch.tensor([0, 4, 2])), dropped: { logits } };
    },
    'where keeps the condition only': () => {
      const a = w.mul(2);
      const b = w.mul(3);
      return { keep: torch.where(w.gt(0), a, b), dropped: { a, b } };
    },
    'advanced indexing, indexSelect and gather keep the index only': () => {
      const a = w.mul(2);
      return {
        keep: a.index(torch.tensor([2, 0])).sum().add(a.indexSelect(1, torch.tensor([1, 1])).sum()).add(a.gather(1, torch.tensor([[0], [1], [2]])).sum()),
        dropped: { a },
      };
    },
    'max(dim) keeps its indices, not its input': () => {
      const a = w.mul(2);
      return { keep: (a.max(1) as [Tensor, Tensor])[0], dropped: { a } };
    },
    'in-place add_ of another tensor': () => {
      const a = w.mul(2);
      const b = w.mul(3);
      a.add_(b);
      return { keep: a, dropped: { b } };
    },
    'relu, exp, sigmoid and softmax keep their output, not their input': () => {
      const a = w.mul(2);
      const b = w.mul(3);
      const c = w.mul(4);
      const d = w.mul(5);
      return { keep: a.relu().add(b.exp()).add(c.sigmoid()).add(F.softmax(d, 1)), dropped: { a, b, c, d } };
    },
    'index assignment keeps the indices, not the value': () => {
      const value = w.index('0:2').mul(2);
      const h = w.mul(1);
      h.indexPut_([torch.tensor([0, 2])], value);
      return { keep: h, dropped: { value } };
    },
    'copy_ from another tensor': () => {
      const a = w.mul(2);
      const b = w.mul(3);
      a.copy_(b);
      return { keep: a, dropped: { b } };
    },
  };
  for (const [name, build] of Object.entries(cases)) {
    it(name, async () => {
      const { held, keep } = await heldInputs(build);
      expect(held).toEqual([]);
      expect(keep.gradFn).not.toBeNull();
    });
  }
});
