/**
 * nn.Module's state-dict extension points against PyTorch 1.13 (tests/fixtures/state-dict-extensions.json
 * and .pt, written by scripts/make_state_dict_extension_fixtures.py, whose module classes have
 * twins here): extra state (keys, order, loading, strict reports, the base class's errors, a
 * checkpoint PyTorch wrote, and one flint wrote loaded back in PyTorch), overridden
 * _saveToStateDict / _loadFromStateDict, the order of hooks and overrides over a module tree,
 * unexpected-key rules, _registerStateDictHook's returned dicts, BatchNorm's and InstanceNorm's
 * version handling, spectralNorm's conversion of checkpoints before PyTorch 1.1, Module.type and
 * Module.bfloat16.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { nn } from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { hasTorch, python } from './helpers/python.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- fixture records and module fields by name */
const FIX = JSON.parse(readFileSync(new URL('./fixtures/state-dict-extensions.json', import.meta.url), 'utf8'));
const PT = new URL('./fixtures/state-dict-extensions.pt', import.meta.url).pathname;
type StateDict = Record<string, Tensor>;
type Meta = { version?: number; [k: string]: unknown };
type Rest = [boolean, string[], string[], string[]];
type Report = { missing: string[]; unexpected: string[] } | { type: string; message: string };

const isSer = (v: any): v is FixtureTensor => v !== null && typeof v === 'object' && Array.isArray(v.shape) && 'dtype' in v && Array.isArray(v.data);
/** A fixture value (tensor, `{tensor}`, or plain data) as flint holds it. */
const value = (v: any): unknown => {
  if (isSer(v)) return fromFixture(v);
  if (Array.isArray(v)) return v.map(value);
  if (v !== null && typeof v === 'object') return 'tensor' in v ? fromFixture(v.tensor) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]));
  return v;
};
/** A fixture state dict ({entries, metadata} or [key, value] pairs and metadata) as flint's. */
const stateDict = (entries: [string, any][], metadata: Record<string, Meta> | null = null): StateDict => {
  const sd = Object.fromEntries(entries.map(([k, v]) => [k, value(v)])) as StateDict;
  if (metadata !== null) Object.defineProperty(sd, '_metadata', { value: structuredClone(metadata), enumerable: false });
  return sd;
};
/** Asserts a flint value equals a fixture value, tensors within float tolerance. */
const expectValue = (actual: unknown, expected: any, label: string): void => {
  if (isSer(expected) || (expected !== null && typeof expected === 'object' && 'tensor' in expected)) {
    expectClose(actual as Tensor, isSer(expected) ? expected : expected.tensor, { label, rtol: 1e-6, atol: 1e-7 });
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object), label).toEqual(Object.keys(expected));
    for (const k of Object.keys(expected)) expectValue((actual as any)[k], expected[k], `${label}.${k}`);
  } else {
    expect(actual, label).toEqual(expected);
  }
};
const report = (m: nn.Module<any>, sd: unknown, strict: boolean): Report => {
  try {
    const r = m.loadStateDict(sd, { strict });
    return { missing: r.missingKeys, unexpected: r.unexpectedKeys };
  } catch (e) {
    return { type: 'RuntimeError', message: (e as Error).message };
  }
};
const expectReport = (got: Report, want: Report): void => expect(got).toEqual(want);
const metadataOf = (sd: unknown): unknown => (sd as { _metadata?: unknown })._metadata;

// ---------------------------------------------------------------- the fixture script's classes
class Tracker extends nn.Module {
  declare total: Tensor;
  declare lin: nn.Linear;
  steps = 0;
  tag = 'new';
  history: Tensor = torch.zeros(3);
  constructor() {
    super();
    this.registerBuffer('total', torch.zeros(2));
    this.lin = new nn.Linear(3, 2);
  }
  override getExtraState() {
    return { steps: this.steps, tag: this.tag, history: this.history, sizes: [3, 2], rate: 0.25, flag: true, none: null };
  }
  override setExtraState(state: { steps: number; tag: string; history: Tensor }) {
    this.steps = state.steps;
    this.tag = state.tag;
    this.history = state.history;
  }
}
class TensorState extends nn.Module {
  scale = new nn.Parameter(torch.ones(2));
  codebook: Tensor = torch.zeros(2, 2);
  override getExtraState() {
    return this.codebook;
  }
  override setExtraState(state: Tensor) {
    this.codebook = state;
  }
}
class GetOnly extends nn.Module {
  w = new nn.Parameter(torch.zeros(1));
  override getExtraState() {
    return 5;
  }
}
class Renamed extends nn.Module {
  static override _version = 2;
  weight = new nn.Parameter(torch.zeros(2));
  override _loadFromStateDict(sd: StateDict, prefix: string, meta: Meta, ...rest: Rest) {
    const version = meta.version;
    if ((version === undefined || version < 2) && prefix + 'w' in sd) {
      sd[prefix + 'weight'] = sd[prefix + 'w'];
      delete sd[prefix + 'w'];
    }
    super._loadFromStateDict(sd, prefix, meta, ...rest);
  }
}
class Transposed extends nn.Module {
  weight = new nn.Parameter(torch.arange(6, { dtype: torch.float32 }).reshape(2, 3));
  constructor() {
    super();
    this.registerBuffer('count', torch.tensor(3));
  }
  override _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean) {
    super._saveToStateDict(destination, prefix, keepVars);
    const weight = destination[prefix + 'weight'];
    delete destination[prefix + 'weight'];
    destination[prefix + 'weight_t'] = weight.t();
  }
  override _loadFromStateDict(sd: StateDict, prefix: string, meta: Meta, ...rest: Rest) {
    if (prefix + 'weight_t' in sd) {
      sd[prefix + 'weight'] = sd[prefix + 'weight_t'].t();
      delete sd[prefix + 'weight_t'];
    }
    super._loadFromStateDict(sd, prefix, meta, ...rest);
  }
}
class Complains extends nn.Module {
  bias = new nn.Parameter(torch.zeros(1));
  override _loadFromStateDict(sd: StateDict, prefix: string, meta: Meta, strict: boolean, missing: string[], unexpected: string[], errors: string[]) {
    errors.push(`custom check failed at "${prefix}" (version ${meta.version ?? 'None'})`);
    super._loadFromStateDict(sd, prefix, meta, strict, missing, unexpected, errors);
  }
}
const pyList = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
class Node extends nn.Module {
  p = new nn.Parameter(torch.zeros(1));
  constructor(
    readonly log: string[],
    readonly label: string,
    kids: nn.Module<any>[] = [],
  ) {
    super();
    kids.forEach((c, i) => this.addModule(`c${i}`, c));
  }
  override _loadFromStateDict(sd: StateDict, prefix: string, meta: Meta, ...rest: Rest) {
    this.log.push(`load:${prefix}:${pyList(Object.keys(sd).sort())}:${meta.version ?? 'None'}`);
    super._loadFromStateDict(sd, prefix, meta, ...rest);
  }
}
class WithNone extends nn.Module {
  constructor() {
    super();
    this.addModule('gone', null);
    this.registerBuffer('scalar', torch.tensor(0, { dtype: torch.float32 }));
    this.registerParameter('nothing', null);
  }
}

describe('extra state (getExtraState / setExtraState) as PyTorch 1.13', () => {
  const E = FIX.extra;
  const trained = (): nn.Sequential => {
    const net = new nn.Sequential(new Tracker(), new TensorState());
    const [tracker, ts] = [net.at(0) as Tracker, net.at(1) as TensorState];
    Object.assign(tracker, { steps: 7, tag: 'trained', history: torch.tensor([1.5, -2.0, 3.25]) });
    ts.codebook = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 });
    const entries = Object.fromEntries(E.state.entries);
    torch.noGrad(() => {
      tracker.total.copy_(torch.tensor([4, 5], { dtype: torch.float32 }));
      ts.scale.copy_(torch.tensor([0.5, 2]));
      tracker.lin.weight.copy_(fromFixture(entries['0.lin.weight']));
      tracker.lin.bias!.copy_(fromFixture(entries['0.lin.bias']));
    });
    return net;
  };

  it("saves it under prefix + '_extra_state', after parameters and buffers, as PyTorch's keys and values", () => {
    const sd = trained().stateDict();
    expect(Object.keys(sd)).toEqual(E.state.entries.map(([k]: [string]) => k));
    expect(metadataOf(sd)).toEqual(E.state.metadata);
    for (const [k, v] of E.state.entries) expectValue(sd[k], v, k);
    expect(Object.keys(new GetOnly().stateDict())).toEqual(E.get_only_keys);
  });

  it("loads PyTorch's checkpoint (tensor and dict extra state) and gives the same extra state", () => {
    const sd = torch.loadSync<StateDict>(PT);
    expect(Object.keys(sd)).toEqual(E.state.entries.map(([k]: [string]) => k));
    const net = new nn.Sequential(new Tracker(), new TensorState());
    expect(net.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const [tracker, ts] = [net.at(0) as Tracker, net.at(1) as TensorState];
    expect([tracker.steps, tracker.tag]).toEqual([E.loaded.steps, E.loaded.tag]);
    expectValue(tracker.history, E.loaded.history, 'history');
    expectValue(ts.codebook, E.loaded.codebook, 'codebook');
    expectValue(tracker.lin.weight, E.loaded.lin_weight, 'lin.weight');
    expect((sd as any)['0._extra_state']).toMatchObject({ sizes: [3, 2], rate: 0.25, flag: true, none: null });
  });

  it('reports missing and unexpected extra state exactly as strict and non-strict loads do', () => {
    const noExtra = stateDict(E.state.entries.filter(([k]: [string]) => !k.endsWith('_extra_state')));
    expectReport(report(new nn.Sequential(new Tracker(), new TensorState()), noExtra, true), E.missing_strict);
    expectReport(report(new nn.Sequential(new Tracker(), new TensorState()), noExtra, false), E.missing_loose);
    const linSd = { ...new nn.Linear(2, 2).stateDict(), _extra_state: 3 };
    expectReport(report(new nn.Linear(2, 2), linSd, true), E.unexpected_strict);
    expectReport(report(new nn.Linear(2, 2), linSd, false), E.unexpected_loose);
    expectReport(report(new GetOnly(), new GetOnly().stateDict(), true), E.get_only_load);
  });

  it("the base class's getExtraState / setExtraState raise PyTorch's errors", () => {
    expect(() => new nn.Module().getExtraState()).toThrow(E.base_get.message);
    expect(() => new nn.Module().setExtraState(1)).toThrow(E.base_set.message);
  });
});

if (!hasTorch) console.warn('NOTICE: /usr/bin/python3 cannot import torch; the extra-state round trip through PyTorch is skipped');

describe.skipIf(!hasTorch)('extra state through real PyTorch', () => {
  it('PyTorch loads the checkpoint flint saved into its module and gets the same extra state', () => {
    const net = new nn.Sequential(new Tracker(), new TensorState());
    Object.assign(net.at(0) as Tracker, { steps: 12, tag: 'from flint', history: torch.tensor([0.5, 1.5, -4]) });
    (net.at(1) as TensorState).codebook = torch.tensor([[9, 8], [7, 6.5]]);
    const file = join(mkdtempSync(join(tmpdir(), 'flint-extra-')), 'net.pt');
    torch.saveSync(net.stateDict(), file);
    const script = `
import json, sys, torch, torch.nn as nn
class Tracker(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('total', torch.zeros(2)); self.lin = nn.Linear(3, 2)
        self.steps, self.tag, self.history = 0, 'new', torch.zeros(3)
    def get_extra_state(self): return {'steps': self.steps}
    def set_extra_state(self, s): self.steps, self.tag, self.history, self.rest = s['steps'], s['tag'], s['history'], s
class TensorState(nn.Module):
    def __init__(self):
        super().__init__(); self.scale = nn.Parameter(torch.ones(2)); self.codebook = None
    def get_extra_state(self): return self.codebook
    def set_extra_state(self, s): self.codebook = s
# 1.13's weights_only loader has no BINFLOAT (the extra state holds a float)
sd = torch.load(sys.argv[1], weights_only=False)
net = nn.Sequential(Tracker(), TensorState())
r = net.load_state_dict(sd)
rest = {k: v for k, v in net[0].rest.items() if k != 'history'}
print(json.dumps({'keys': list(sd.keys()), 'metadata': sd._metadata, 'steps': net[0].steps, 'tag': net[0].tag,
                  'history': net[0].history.tolist(), 'codebook': net[1].codebook.tolist(), 'rest': rest,
                  'missing': r.missing_keys, 'unexpected': r.unexpected_keys}))
`;
    const got = JSON.parse(python(script, file));
    expect(got.keys).toEqual(Object.keys(net.stateDict()));
    expect(got.metadata).toEqual(metadataOf(net.stateDict()));
    expect(got).toMatchObject({ steps: 12, tag: 'from flint', history: [0.5, 1.5, -4], codebook: [[9, 8], [7, 6.5]], missing: [], unexpected: [] });
    expect(got.rest).toEqual({ steps: 12, tag: 'from flint', sizes: [3, 2], rate: 0.25, flag: true, none: null });
  }, 60_000);
});

describe('overridden _saveToStateDict / _loadFromStateDict as PyTorch 1.13', () => {
  const O = FIX.overrides;
  const two = [['w', { shape: [2], dtype: 'float32', data: [1, 2] }]] as [string, any][];

  it('a versioned rename converts version-1 and unversioned checkpoints, not version-2 ones', () => {
    expectReport(report(new Renamed(), stateDict(two, { '': { version: 1 } }), true), O.renamed.v1);
    expectReport(report(new Renamed(), stateDict(two), true), O.renamed.none);
    expectReport(report(new Renamed(), stateDict(two, { '': { version: 2 } }), true), O.renamed.v2);
    const nested = stateDict(
      [['0.weight', { shape: [1, 1], dtype: 'float32', data: [1] }], ['0.bias', { shape: [1], dtype: 'float32', data: [1] }], ['1.w', two[0][1]]],
      { '': { version: 1 }, '0': { version: 1 }, '1': { version: 1 } },
    );
    expectReport(report(new nn.Sequential(new nn.Linear(1, 1), new Renamed()), nested, true), O.renamed.nested_v1);
    const r = new Renamed();
    r.loadStateDict(stateDict(two));
    expectClose(r.weight, O.renamed_weight);
  });

  it('a custom save form has PyTorch’s keys and loads back through the custom load', () => {
    const sd = new nn.Sequential(new Transposed()).stateDict();
    expect(Object.keys(sd)).toEqual(O.transposed.state.entries.map(([k]: [string]) => k));
    expect(metadataOf(sd)).toEqual(O.transposed.state.metadata);
    for (const [k, v] of O.transposed.state.entries) expectValue(sd[k], v, k);
    const target = new nn.Sequential(new Transposed());
    torch.noGrad(() => (target.at(0) as Transposed).weight.zero_());
    expectReport(report(target, sd, true), O.transposed.load);
    expectClose((target.at(0) as Transposed).weight, O.transposed.weight_after);
  });

  it("errorMsgs from an override come after the missing and unexpected keys in PyTorch's error", () => {
    const sd = stateDict(
      [['0.bias', { shape: [1], dtype: 'float32', data: [1] }], ['1.weight', { shape: [1, 1], dtype: 'float32', data: [1] }], ['zzz', { shape: [1], dtype: 'float32', data: [1] }]],
      { '0': { version: 1 } },
    );
    expectReport(report(new nn.Sequential(new Complains(), new nn.Linear(1, 1)), sd, true), O.complains);
    expectReport(report(new nn.Sequential(new Complains()), stateDict([['0.bias', { shape: [1], dtype: 'float32', data: [1] }]]), false), O.complains_loose);
  });
});

describe('the load walk: hooks, overrides and unexpected keys in PyTorch 1.13’s order', () => {
  const W = FIX.walk;
  const ones = { shape: [1], dtype: 'float32', data: [1] };
  const walkSd = () =>
    stateDict(
      [['c1.p', ones], ['c0.c0.extra', ones], ['zzz', ones], ['p', ones], ['c0.c0.p.sub', ones], ['c5.x', ones]],
      { '': { version: 1 }, c0: { version: 3 } },
    );

  it('pre-hooks run inside _loadFromStateDict, children get their entries, post-hooks run after the children', () => {
    const log: string[] = [];
    const a1 = new Node(log, 'a1');
    const a = new Node(log, 'a', [a1]);
    const b = new Node(log, 'b');
    const root = new Node(log, 'root', [a, b]);
    for (const m of [root, a, a1, b]) {
      m._registerLoadStateDictPreHook((_sd, prefix, _meta, strict, missing, unexpected) =>
        void log.push(`pre:${prefix}:${strict ? 'True' : 'False'}:${missing.length}:${unexpected.length}`),
      );
      m._registerLoadStateDictPreHook((mod, _sd, prefix) => void log.push(`preM:${(mod as Node).label}:${prefix}`), true);
      m.registerLoadStateDictPostHook((mod, keys) => void log.push(`post:${(mod as Node).label}:${pyList(keys.missingKeys)}:${pyList(keys.unexpectedKeys)}`));
    }
    expectReport(report(root, walkSd(), false), W.report);
    expect(log).toEqual(W.log);
    expectReport(report(root, walkSd(), true), W.strict);
  });

  it('entries under a None child are ignored, a None parameter is unexpected, a 1-element vector loads into a scalar', () => {
    const sd = stateDict([['gone.weight', ones], ['scalar', { shape: [1], dtype: 'float32', data: [5] }], ['nothing', ones]]);
    expectReport(report(new WithNone(), sd, true), W.none_child);
    const w = new WithNone();
    w.loadStateDict(stateDict([['scalar', { shape: [1], dtype: 'float32', data: [5] }]]));
    expectClose((w as any).scalar, W.scalar_after);
  });

  it("a value that is not a tensor and a size mismatch are reported in PyTorch's words", () => {
    const values: Record<string, unknown> = { int: 3, float: 2.5, str: 'w', none: null, list: [1], dict: { a: 1 }, bool: true };
    for (const [kind, v] of Object.entries(values)) {
      expectReport(report(new nn.Linear(1, 1), { weight: v, bias: torch.zeros(1) }, true), W.non_tensor[kind]);
    }
    expectReport(report(new nn.Linear(2, 1), { weight: torch.ones(1, 3), bias: torch.ones(1) }, true), W.size_mismatch);
  });

  it('registerLoadStateDictPreHook (module first) converts entries; its handle removes it', () => {
    const lin = new nn.Linear(2, 1);
    const seen: unknown[] = [];
    const handle = lin.registerLoadStateDictPreHook((m, sd, prefix) => {
      seen.push(m);
      if (prefix + 'w' in sd) {
        sd[prefix + 'weight'] = sd[prefix + 'w'];
        delete sd[prefix + 'w'];
      }
    });
    const old = { w: torch.tensor([[3, 4]], { dtype: torch.float32 }), bias: torch.zeros(1) };
    expect(lin.loadStateDict(old)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(lin.weight.tolist()).toEqual([[3, 4]]);
    expect(seen).toEqual([lin]);
    expect(Object.keys(old)).toEqual(['w', 'bias']); // the caller's dict is not changed
    handle.remove();
    expect(lin.loadStateDict(old, { strict: false })).toEqual({ missingKeys: ['weight'], unexpectedKeys: ['w'] });
  });
});

describe('_registerStateDictHook as PyTorch 1.13', () => {
  const H = FIX.state_dict_hooks;
  it("a child's returned dict is dropped, its in-place edits stay; the root's returned dict is the result", () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    net.at(0)._registerStateDictHook((_m, _d, prefix) => ({ [prefix + 'only']: torch.zeros(1) }));
    net.at(1)._registerStateDictHook((_m, d, prefix, md) => {
      delete d[prefix + 'bias'];
      (md as Meta).note = 'dropped';
    });
    let sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(H.child_hooks.keys);
    expect(metadataOf(sd)).toEqual(H.child_hooks.metadata);
    net._registerStateDictHook((_m, d) => Object.fromEntries(Object.entries(d).filter(([k]) => k.endsWith('weight'))));
    sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(H.root_hook.keys);
    expect('_metadata' in sd).toBe(H.root_hook.has_metadata);
    net.registerStateDictPostHook(() => ({}) as never);
    expect(() => net.stateDict()).toThrow('state_dict post-hook must return None');
  });

  it('metadata keys follow the prefix as PyTorch cuts it (prefix minus its last character)', () => {
    expect(Object.keys(metadataOf(new nn.Sequential(new nn.Linear(1, 1)).stateDict({ prefix: 'model.' })) as object)).toEqual(H.prefix_metadata);
    const sd = new nn.Sequential(new nn.Linear(1, 1)).stateDict({ prefix: 'x' });
    expect(Object.keys(sd)).toEqual(H.undotted_prefix.keys);
    expect(Object.keys(metadataOf(sd) as object)).toEqual(H.undotted_prefix.metadata);
  });
});

describe("BatchNorm's and InstanceNorm's state-dict versions as PyTorch 1.13", () => {
  const N = FIX.norm_versions;
  const ser = (data: number[]) => ({ shape: [data.length], dtype: 'float32', data });
  const bnEntries: [string, any][] = [['weight', ser([1, 2])], ['bias', ser([0.5, 0])], ['running_mean', ser([0.1, 0.2])], ['running_var', ser([1.5, 2.5])]];

  it('checkpoints before version 2 (no num_batches_tracked) load with the counter at 0', () => {
    for (const [label, metadata] of [['v1', { '': { version: 1 } }], ['none', null], ['v2', { '': { version: 2 } }]] as const) {
      const bn = new nn.BatchNorm1d(2);
      torch.noGrad(() => bn.num_batches_tracked!.fill_(9));
      expectReport(report(bn, stateDict(bnEntries, metadata as any), true), N[`bn_${label}`].report);
      expectClose(bn.num_batches_tracked!, N[`bn_${label}`].num_batches_tracked, { label });
      expectClose(bn.running_var!, N[`bn_${label}`].running_var, { label });
    }
    const nested = stateDict(bnEntries.map(([k, v]) => [`0.${k}`, v]), { '': { version: 1 }, '0': { version: 1 } });
    expectReport(report(new nn.Sequential(new nn.BatchNorm2d(2)), nested, true), N.bn_nested_v1);
    expectReport(report(new nn.BatchNorm1d(2, { trackRunningStats: false }), stateDict(bnEntries.slice(0, 2), { '': { version: 1 } }), true), N.bn_untracked_v1);
  });

  it('an unversioned checkpoint with running stats for an InstanceNorm that tracks none is an error', () => {
    const entries: [string, any][] = [['running_mean', ser([0, 0, 0])], ['running_var', ser([1, 1, 1])]];
    expectReport(report(new nn.InstanceNorm1d(3), stateDict(entries), true), N.in_none);
    expectReport(report(new nn.InstanceNorm1d(3), stateDict(entries, { '': { version: 1 } }), true), N.in_v1);
    expectReport(report(new nn.InstanceNorm2d(3), stateDict(entries.slice(0, 1)), false), N.in_none_mean_only);
  });
});

describe('spectralNorm loads checkpoints written before PyTorch 1.1 (no weight_v) as PyTorch 1.13', () => {
  const S = FIX.spectral_norm;
  const makers: Record<string, () => nn.Module<any>> = {
    linear: () => new nn.Linear(4, 3, { dtype: torch.float64 }),
    conv: () => new nn.Conv2d(2, 3, 2, { dtype: torch.float64 }),
    conv_t: () => new nn.ConvTranspose2d(3, 2, 2, { dtype: torch.float64 }),
  };
  const metas: Record<string, Record<string, Meta> | null> = {
    none: null,
    module_only: { '': { version: 1 } },
    v0: { '': { version: 1, spectral_norm: { 'weight.version': 0 } } },
  };
  for (const [kind, make] of Object.entries(makers)) {
    it(`${kind}: weight_v solved from weight_orig, weight and weight_u; the same eval output`, () => {
      const C = S[kind];
      for (const [label, metadata] of Object.entries(metas)) {
        const m = nn.utils.spectralNorm(make());
        expectReport(report(m, stateDict(C.entries, metadata), true), C[label].report);
        m.eval();
        const tol = { rtol: 1e-9, atol: 1e-12 };
        expectClose((m as any).weight_v, C[label].weight_v, { ...tol, label: `${label} weight_v` });
        expectClose((m as any).weight_u, C[label].weight_u, { ...tol, label: `${label} weight_u` });
        expectClose(m(fromFixture(C.x)), C[label].y_eval, { ...tol, label: `${label} eval output` });
        expect(Object.keys(m.stateDict())).toEqual(C[label].state_keys);
      }
    });
  }

  it('missing entries are reported; a current state dict without metadata loads as it is', () => {
    const C = S.linear;
    const full = nn.utils.spectralNorm(new nn.Linear(3, 2, { dtype: torch.float64 }));
    const sd = full.stateDict();
    const partial = Object.fromEntries(['weight_orig', 'weight_u', 'bias'].map((k) => [k, sd[k]]));
    expectReport(report(nn.utils.spectralNorm(new nn.Linear(3, 2, { dtype: torch.float64 })), partial, true), S.missing.none);
    const v0 = { ...sd };
    Object.defineProperty(v0, '_metadata', { value: { '': { version: 1, spectral_norm: { 'weight.version': 0 } } } });
    expectReport(report(nn.utils.spectralNorm(new nn.Linear(3, 2, { dtype: torch.float64 })), v0, true), S.missing.v0);
    const fresh = nn.utils.spectralNorm(new nn.Linear(3, 2, { dtype: torch.float64 }));
    expectReport(report(fresh, { ...sd }, true), S.new_format_no_metadata);
    expect((fresh as any).weight_v.tolist()).toEqual(sd.weight_v.tolist());
    expect(C.entries.map(([k]: [string]) => k)).toContain('weight');
  });

  it('removeSpectralNorm removes the load pre-hook with the other hooks', () => {
    const m = nn.utils.spectralNorm(new nn.Linear(3, 2));
    nn.utils.removeSpectralNorm(m);
    const plain = new nn.Linear(3, 2).stateDict();
    expect(m.loadStateDict(plain)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(m.weight.tolist()).toEqual(plain.weight.tolist());
  });
});

describe('Module.type and Module.bfloat16 as PyTorch 1.13', () => {
  const T = FIX.type;
  const dtypes = (m: nn.Module<any>) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.dtype.name]));

  it('bfloat16 casts floating tensors only; type casts every tensor, integer buffers too', () => {
    expect(dtypes(new nn.BatchNorm1d(2).bfloat16())).toEqual(T.bfloat16);
    expect(dtypes(new nn.BatchNorm1d(2).type(torch.float64))).toEqual(T.type_float64);
    expect(dtypes(new nn.BatchNorm1d(2).type('torch.HalfTensor'))).toEqual(T.type_legacy);
    expect(dtypes(new nn.BatchNorm1d(2).requiresGrad_(false).type(torch.int32))).toEqual(T.type_int_frozen);
    const lin = new nn.Linear(2, 2);
    const weight = lin.weight;
    lin.weight.grad = torch.ones(2, 2);
    expect(lin.type(torch.float64)).toBe(lin);
    expect(lin.weight).toBe(weight);
    expect(lin.weight.grad!.dtype.name).toBe(T.grad_dtype);
  });

  it("bad types raise PyTorch's errors, but only when there is a tensor to cast", () => {
    expect(() => new nn.Linear(2, 2).type(torch.int32)).toThrow(T.type_int_errors.message);
    expect(() => new nn.Linear(2, 2).type('float64')).toThrow(T.type_bad_string.message);
    expect(() => new nn.Linear(2, 2).type(3 as never)).toThrow(new TypeError(T.type_bad_type.message));
    const relu = new nn.ReLU();
    expect(relu.type('nonsense').constructor.name).toBe(T.type_no_tensors);
  });
});
