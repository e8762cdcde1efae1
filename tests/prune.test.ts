/**
 * torch.nn.utils.prune against PyTorch 1.13 (tests/fixtures/prune.json and prune.pt, written
 * by scripts/make_prune_fixtures.py): after every pruning call on Linear / Conv1d / Conv2d
 * layers, the state-dict keys and values, the parameters and buffers, the pruned attribute,
 * the hooks (PruningContainer contents included) and the layer's output; globalUnstructured
 * over three layers; BasePruningMethod.prune; a training step through a pruned layer; a
 * state dict PyTorch saved from a pruned model; and the error messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

const { nn } = torch;
const prune = nn.utils.prune;
type Layer = torch.nn.Module & Record<string, Tensor>;
type Value = FixtureTensor | number | string;

interface Snapshot {
  keys: string[];
  stateDict: Record<string, FixtureTensor>;
  parameters: string[];
  buffers: string[];
  attrs: Record<string, FixtureTensor>;
  hooks: { type: string; tensorName: string; methods?: string[] }[];
  isPruned: boolean;
  out: FixtureTensor;
}
interface Step {
  fn: string;
  name: string;
  args: Value[];
  kw: { importance_scores?: FixtureTensor };
  seed: number | null;
  after: Snapshot;
}
interface Case {
  label: string;
  kind: 'Linear' | 'Conv1d' | 'Conv2d';
  args: number[];
  dtype: 'float32' | 'float64';
  weight: FixtureTensor;
  bias: FixtureTensor;
  input: FixtureTensor;
  steps: Step[];
}
interface LayerSpec {
  kind: Case['kind'];
  args: number[];
  weight: FixtureTensor;
  bias: FixtureTensor;
}
interface GlobalCase {
  label: string;
  method: 'L1Unstructured' | 'RandomUnstructured';
  kw: { amount: number };
  seed: number | null;
  layers: LayerSpec[];
  pre?: [number, number];
  params: [number, string][];
  scores?: Record<string, FixtureTensor>;
  after: { keys: string[]; stateDict: Record<string, FixtureTensor>; hooks: Snapshot['hooks'] }[];
}
interface ErrorCase {
  type: string;
  message: string;
  keys?: string[];
  params?: string[];
  hooks?: number;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/prune.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  global: GlobalCase[];
  prune: Record<string, FixtureTensor> & {
    randomStructured: { seed: number; out: FixtureTensor };
    pruningTypes: Record<string, string>;
  };
  training: {
    weight: FixtureTensor;
    bias: FixtureTensor;
    x: FixtureTensor;
    y: FixtureTensor;
    steps: Record<'out' | 'loss' | 'gradWeightOrig' | 'gradBias' | 'weightOrig' | 'bias', FixtureTensor>[];
    finalOut: FixtureTensor;
  };
  saved: { keys: string[]; x: FixtureTensor; out: FixtureTensor; mask0: FixtureTensor; mask2: FixtureTensor };
  errors: Record<string, ErrorCase>;
};
const EXACT = { rtol: 0, atol: 0 };

function layer(spec: LayerSpec, dtype: Case['dtype'] = 'float32'): Layer {
  const [a, b, c] = spec.args;
  const m = spec.kind === 'Linear' ? new nn.Linear(a, b) : spec.kind === 'Conv1d' ? new nn.Conv1d(a, b, c) : new nn.Conv2d(a, b, c);
  if (dtype === 'float64') m.double();
  torch.noGrad(() => {
    m.weight.copy_(fromFixture(spec.weight));
    m.bias!.copy_(fromFixture(spec.bias));
  });
  return m as unknown as Layer;
}

const decode = (v: Value): unknown => (typeof v === 'object' ? fromFixture(v) : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

function runStep(m: Layer, step: Step): void {
  if (step.seed !== null) torch.manualSeed(step.seed);
  const args = step.args.map(decode) as [number, ...unknown[]];
  const options = step.kw.importance_scores ? { importanceScores: fromFixture(step.kw.importance_scores) } : {};
  const [a, b, c] = args;
  switch (step.fn) {
    case 'identity': prune.identity(m, step.name); break;
    case 'random_unstructured': prune.randomUnstructured(m, step.name, a); break;
    case 'l1_unstructured': prune.l1Unstructured(m, step.name, a, options); break;
    case 'random_structured': prune.randomStructured(m, step.name, a, b as number); break;
    case 'ln_structured': prune.lnStructured(m, step.name, a, b as torch.nn.utils.prune.LnOrder, c as number, options); break;
    case 'custom_from_mask': prune.customFromMask(m, step.name, args[0] as unknown as Tensor); break;
    case 'remove': prune.remove(m, step.name); break;
    default: throw new Error(`no step ${step.fn}`);
  }
}

function hooksOf(m: torch.nn.Module): Snapshot['hooks'] {
  return [...m._forwardPreHooks.values()].map((h) => {
    expect(h).toBeInstanceOf(prune.BasePruningMethod);
    const method = h as unknown as torch.nn.utils.prune.BasePruningMethod;
    const rec: Snapshot['hooks'][number] = { type: method.constructor.name, tensorName: method._tensorName! };
    if (method instanceof prune.PruningContainer) rec.methods = [...method].map((x) => x!.constructor.name);
    return rec;
  });
}

function expectState(m: torch.nn.Module, expected: { keys: string[]; stateDict: Record<string, FixtureTensor>; hooks: Snapshot['hooks'] }, label: string): void {
  const sd = m.stateDict();
  expect(Object.keys(sd), `${label} state-dict keys`).toEqual(expected.keys);
  for (const key of expected.keys) expectClose(sd[key], expected.stateDict[key], { ...EXACT, label: `${label} ${key}` });
  expect(hooksOf(m), `${label} hooks`).toEqual(expected.hooks);
}

describe('nn.utils.prune as PyTorch 1.13: each method, iterative pruning and remove', () => {
  for (const c of FIXTURE.cases) {
    it(c.label, () => {
      const m = layer(c, c.dtype);
      const x = fromFixture(c.input);
      const original = { weight: m.weight, bias: m.bias };
      for (const [i, step] of c.steps.entries()) {
        runStep(m, step);
        const label = `step ${i} ${step.fn}(${step.name})`;
        const after = step.after;
        expectState(m, after, label);
        expect(m.namedParameters().map(([n]) => n), `${label} parameters`).toEqual(after.parameters);
        expect(m.namedBuffers().map(([n]) => n), `${label} buffers`).toEqual(after.buffers);
        for (const [name, value] of Object.entries(after.attrs)) expectClose(m[name], value, { ...EXACT, label: `${label} attribute ${name}` });
        expect(prune.isPruned(m), `${label} isPruned`).toBe(after.isPruned);
        expectClose(m(x) as Tensor, after.out, { label: `${label} output` });
        // The Parameter object moves to name_orig, and comes back as name after remove.
        for (const name of ['weight', 'bias'] as const) {
          if (after.parameters.includes(`${name}_orig`)) expect(m[`${name}_orig`]).toBe(original[name]);
          if (after.parameters.includes(name)) {
            expect(m[name]).toBe(original[name]);
            expect(m[name]).toBeInstanceOf(nn.Parameter);
          }
        }
      }
    });
  }
});

describe('nn.utils.prune.globalUnstructured as PyTorch 1.13', () => {
  for (const c of FIXTURE.global) {
    it(c.label, () => {
      const mods = c.layers.map((spec) => layer(spec));
      if (c.pre) prune.l1Unstructured(mods[c.pre[0]], 'weight', c.pre[1]);
      const params = c.params.map(([i, name]) => [mods[i], name] as const);
      const importanceScores = c.scores ? new Map(Object.entries(c.scores).map(([i, s]) => [params[+i], fromFixture(s)])) : undefined;
      if (c.seed !== null) torch.manualSeed(c.seed);
      prune.globalUnstructured(params, prune[c.method], { amount: c.kw.amount, importanceScores });
      mods.forEach((m, i) => expectState(m, c.after[i], `layer ${i}`));
    });
  }

  it('matches importance scores by module and name, not by the key array', () => {
    const spec = FIXTURE.global.find((g) => g.scores !== undefined)!;
    const mods = spec.layers.map((s) => layer(s));
    const params = spec.params.map(([i, name]) => [mods[i], name] as const);
    const scores = new Map(Object.entries(spec.scores!).map(([i, s]) => [[...params[+i]] as const, fromFixture(s)]));
    prune.globalUnstructured(params, prune.L1Unstructured, { amount: spec.kw.amount, importanceScores: scores });
    mods.forEach((m, i) => expectState(m, spec.after[i], `layer ${i}`));
  });
});

describe('pruning methods as objects', () => {
  const P = FIXTURE.prune;
  it('prune(t) with a default mask and importance scores', () => {
    const t = fromFixture(P.t);
    const dm = fromFixture(P.defaultMask);
    expectClose(new prune.L1Unstructured(5).prune(t), P.l1, EXACT);
    expectClose(new prune.L1Unstructured(0.5).prune(t, dm), P.l1DefaultMask, EXACT);
    expectClose(new prune.L1Unstructured({ amount: 0.5 }).prune(t, { defaultMask: dm }), P.l1DefaultMask, EXACT);
    expectClose(new prune.L1Unstructured(4).prune(t, { importanceScores: fromFixture(P.scores) }), P.l1Scores, EXACT);
    expectClose(new prune.LnStructured(2, Infinity, 0).prune(t), P.lnStructured, EXACT);
    expectClose(new prune.Identity().prune(t), P.identity, EXACT);
    torch.manualSeed(P.randomStructured.seed);
    expectClose(new prune.RandomStructured({ amount: 1, dim: 1 }).prune(t, dm), P.randomStructured.out, EXACT);
  });

  it("PRUNING_TYPE, on the class and read through an instance", () => {
    const classes = { Identity: prune.Identity, RandomUnstructured: prune.RandomUnstructured, L1Unstructured: prune.L1Unstructured, RandomStructured: prune.RandomStructured, LnStructured: prune.LnStructured, CustomFromMask: prune.CustomFromMask };
    for (const [name, cls] of Object.entries(classes)) expect(cls.PRUNING_TYPE, name).toBe(P.pruningTypes[name]);
    expect(new prune.LnStructured(1, 2).PRUNING_TYPE).toBe('structured');
    expect(new prune.CustomFromMask(torch.ones([2])).PRUNING_TYPE).toBe('global');
    expect(() => new prune.PruningContainer().PRUNING_TYPE).toThrow("'PruningContainer' object has no attribute 'PRUNING_TYPE'");
  });

  it('the hook is the method; a second pruning wraps both in a PruningContainer', () => {
    const m = new nn.Linear(4, 3);
    const first = prune.L1Unstructured.apply(m, 'weight', 2);
    expect([...m._forwardPreHooks.values()]).toEqual([first]);
    expect(typeof first).toBe('function');
    const container = prune.RandomStructured.apply(m, 'weight', 1, 0);
    expect(container).toBeInstanceOf(prune.PruningContainer);
    expect([...m._forwardPreHooks.values()]).toEqual([container]);
    const c = container as unknown as torch.nn.utils.prune.PruningContainer;
    expect(c.length).toBe(2);
    expect(c.at(0)).toBe(first);
    expect(c.at(-1)).toBeInstanceOf(prune.RandomStructured);
    expect(prune.L1Unstructured.apply(m, 'weight', 1)).toBe(container);
    expect(c.length).toBe(3);
    // The base's apply passes the arguments on, and takes importanceScores from the options.
    const scores = torch.arange(3).float();
    const viaBase = prune.BasePruningMethod.apply.call(prune.L1Unstructured, m, 'bias', 1, { importanceScores: scores });
    expect(viaBase).toBeInstanceOf(prune.L1Unstructured);
    expect(valuesOf((m as unknown as Layer).bias_mask)).toEqual([0, 1, 1]);
  });

  it('the attribute is recomputed from name_orig before each forward', () => {
    const m = prune.customFromMask(new nn.Linear(2, 2), 'weight', torch.tensor([[1, 0], [0, 1]])) as unknown as Layer;
    torch.noGrad(() => m.weight_orig.fill_(3));
    m(torch.ones([1, 2]));
    expect(valuesOf(m.weight)).toEqual([3, 0, 0, 3]);
    expect(m.weight).not.toBeInstanceOf(nn.Parameter);
  });

  it('a subclass defines a new method through computeMask and PRUNING_TYPE', () => {
    class KeepPositive extends prune.BasePruningMethod {
      static override PRUNING_TYPE = 'unstructured' as const;
      computeMask(t: Tensor, defaultMask: Tensor): Tensor {
        return defaultMask.mul(t.gt(0));
      }
    }
    const m = new nn.Linear(5, 4) as unknown as Layer;
    const w = m.weight.detach().clone();
    KeepPositive.apply(m, 'weight');
    expectClose(m.weight_mask, w.gt(0).float(), EXACT);
    prune.l1Unstructured(m, 'weight', 2);
    const hook = [...m._forwardPreHooks.values()][0] as unknown as torch.nn.utils.prune.PruningContainer;
    expect([...hook].map((x) => x!.constructor.name)).toEqual(['KeepPositive', 'L1Unstructured']);
    expect(m.weight_mask.sum().item()).toBe(w.gt(0).sum().item() - 2);
  });

  it('isPruned looks through submodules', () => {
    const net = new nn.Sequential(new nn.Linear(3, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expect(prune.isPruned(net)).toBe(false);
    prune.randomUnstructured(net.at(2) as torch.nn.Module, 'weight', 1);
    expect(prune.isPruned(net)).toBe(true);
    prune.remove(net.at(2) as torch.nn.Module, 'weight');
    expect(prune.isPruned(net)).toBe(false);
  });

  it('gradients through prune(t) by finite differences in float64', () => {
    torch.manualSeed(3);
    const t = torch.randn([4, 5], { dtype: torch.float64 }).requiresGrad_();
    gradcheck((w) => new prune.L1Unstructured(7).prune(w), [t]);
    gradcheck((w) => new prune.LnStructured(2, 1, 1).prune(w), [t]);
  });
});

describe('training through a pruned layer as PyTorch 1.13', () => {
  it('masks the gradient of weight_orig, and an optimizer made before keeps updating it', () => {
    const T = FIXTURE.training;
    const m = layer({ kind: 'Linear', args: [4, 3], weight: T.weight, bias: T.bias });
    const opt = new torch.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    const weight = m.weight;
    prune.l1Unstructured(m, 'weight', 0.5);
    expect(m.weight_orig).toBe(weight);
    expect(opt.paramGroups[0].params[0]).toBe(m.weight_orig);
    const x = fromFixture(T.x);
    const y = fromFixture(T.y);
    for (const [i, s] of T.steps.entries()) {
      opt.zeroGrad();
      const out = m(x) as Tensor;
      const loss = nn.functional.mseLoss(out, y);
      loss.backward();
      expectClose(out, s.out, { label: `out ${i}` });
      expectClose(loss, s.loss, { label: `loss ${i}` });
      expectClose(m.weight_orig.grad!, s.gradWeightOrig, { label: `grad weight_orig ${i}` });
      expectClose(m.bias.grad!, s.gradBias, { label: `grad bias ${i}` });
      const pruned = m.weight_mask.eq(0);
      expect(m.weight_orig.grad!.maskedSelect(pruned).abs().max().item()).toBe(0);
      opt.step();
      expectClose(m.weight_orig, s.weightOrig, { label: `weight_orig ${i}` });
      expectClose(m.bias, s.bias, { label: `bias ${i}` });
    }
    expectClose(m(x) as Tensor, T.finalOut, { label: 'final out' });
  });
});

describe('a state dict PyTorch saved from a pruned model', () => {
  it('loads into a flint model pruned the same way', () => {
    const S = FIXTURE.saved;
    const net = new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 2));
    const [l0, l2] = [net.at(0), net.at(2)] as unknown as Layer[];
    prune.l1Unstructured(l0, 'weight', 0.5);
    prune.randomStructured(l2, 'weight', 2, 1);
    prune.customFromMask(l0, 'bias', torch.tensor([1, 0, 1, 1, 0, 1]));
    prune.l1Unstructured(l0, 'weight', 3);
    expect(Object.keys(net.stateDict())).toEqual(S.keys);
    const saved = torch.loadSync(new URL('./fixtures/prune.pt', import.meta.url).pathname) as Record<string, Tensor>;
    expect(Object.keys(saved)).toEqual(S.keys);
    const result = net.loadStateDict(saved);
    expect(result.missingKeys).toEqual([]);
    expect(result.unexpectedKeys).toEqual([]);
    expectClose(l0.weight_mask, S.mask0, EXACT);
    expectClose(l2.weight_mask, S.mask2, EXACT);
    expectClose(net(fromFixture(S.x)) as Tensor, S.out);
  });
});

describe('nn.utils.prune errors as PyTorch 1.13', () => {
  const E = FIXTURE.errors;
  const fresh = (): Layer => new nn.Linear(4, 3) as unknown as Layer;
  const pruned = fresh();
  const prunedHook = prune.L1Unstructured.apply(pruned, 'weight', 2);
  const bad = (v: unknown): number => v as number;
  const thunks: Record<string, () => unknown> = {
    amount_negative_int: () => prune.l1Unstructured(fresh(), 'weight', -1),
    amount_float_above_1: () => prune.randomUnstructured(fresh(), 'weight', 1.5),
    amount_negative_float: () => prune.l1Unstructured(fresh(), 'weight', -0.1),
    amount_inf: () => prune.l1Unstructured(fresh(), 'weight', Infinity),
    amount_nan: () => prune.l1Unstructured(fresh(), 'weight', NaN),
    amount_type: () => prune.l1Unstructured(fresh(), 'weight', bad('x')),
    amount_too_big_structured: () => prune.randomStructured(fresh(), 'weight', 5, 0),
    amount_too_big_in_container: () => prune.l1Unstructured(pruned, 'weight', 11),
    structured_1d: () => prune.randomStructured(fresh(), 'bias', 1, 0),
    ln_structured_1d: () => prune.lnStructured(fresh(), 'bias', 1, 2, 0),
    dim_too_big: () => prune.randomStructured(fresh(), 'weight', 1, 2),
    dim_too_negative: () => prune.lnStructured(fresh(), 'weight', 1, 2, -3),
    ln_bad_string: () => prune.lnStructured(fresh(), 'weight', 1, 'abc' as 'fro', 0),
    ln_fro_3_dims: () => prune.lnStructured(new nn.Conv2d(2, 3, 2), 'weight', 1, 'fro', 0),
    ln_nuc_1_dim: () => prune.lnStructured(fresh(), 'weight', 1, 'nuc', 0),
    importance_scores_shape: () => prune.l1Unstructured(fresh(), 'weight', 1, { importanceScores: torch.ones([2]) }),
    ln_importance_scores_shape: () => prune.lnStructured(fresh(), 'weight', 1, 2, 0, { importanceScores: torch.ones([4, 3]) }),
    no_such_parameter: () => prune.l1Unstructured(fresh(), 'foo', 1),
    remove_unpruned: () => prune.remove(fresh(), 'bias'),
    global_not_iterable: () => prune.globalUnstructured(bad(5) as never, prune.L1Unstructured, { amount: 1 }),
    global_scores_not_dict: () => prune.globalUnstructured([[fresh(), 'weight']], prune.L1Unstructured, { importanceScores: [1] as never, amount: 1 }),
    global_structured_method: () => prune.globalUnstructured([[fresh(), 'weight']], prune.LnStructured, { amount: 1, n: 2, dim: 0 }),
    global_amount_too_big: () => prune.globalUnstructured([[fresh(), 'weight'], [fresh(), 'bias']], prune.L1Unstructured, { amount: 16 }),
    container_not_a_method: () => new prune.PruningContainer(prunedHook).addPruningMethod(bad(5) as never),
    container_other_tensor: () => new prune.PruningContainer(prunedHook).addPruningMethod(prune.L1Unstructured.apply(fresh(), 'bias', 1)),
  };
  // Python prints a class as <class '...'>; flint names it.
  const expectedMessage = (key: string): string =>
    key === 'container_not_a_method' ? 'the integer 5 is not a BasePruningMethod subclass' : E[key].message.replace("<class 'torch.nn.utils.prune.LnStructured'>", 'LnStructured');
  const ERROR_CLASS: Record<string, ErrorConstructor> = { TypeError, IndexError: RangeError };

  for (const key of Object.keys(thunks)) {
    it(key, () => {
      let thrown: unknown;
      try {
        thunks[key]();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `${key} threw nothing`).toBeInstanceOf(Error);
      const error = thrown as Error;
      expect(error.message).toBe(expectedMessage(key));
      const cls = ERROR_CLASS[E[key].type];
      if (cls !== undefined) expect(error).toBeInstanceOf(cls);
      else expect(error.constructor).toBe(Error);
    });
  }

  it('amount_too_big leaves the parameter registered again, as 1.13 rolls back', () => {
    const m = fresh();
    expect(() => prune.l1Unstructured(m, 'weight', 100)).toThrow(E.amount_too_big.message);
    expect(Object.keys(m.stateDict())).toEqual(E.amount_too_big.keys);
    expect(m.namedParameters().map(([n]) => n)).toEqual(E.amount_too_big.params);
    expect(m._forwardPreHooks.size).toBe(E.amount_too_big.hooks);
  });

  it('CustomFromMask with a mask of another shape', () => {
    expect(() => prune.customFromMask(fresh(), 'weight', torch.ones([3]))).toThrow(
      "CustomFromMask: the mask's shape torch.Size([3]) must equal the pruned tensor's torch.Size([3, 4])",
    );
  });
});
