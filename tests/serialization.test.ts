/**
 * torch.save / torch.load against files real PyTorch wrote (tests/fixtures/pytorch, a copy of
 * ../shared/reference/fixtures made by scripts/make_pytorch_checkpoint_fixtures.py;
 * each folder with an expected.json), and round trips through real PyTorch.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { PYTHON, hasTorch, python } from './helpers/python.js';

const { nn } = torch;
const FIXTURES = new URL('./fixtures/pytorch/', import.meta.url).pathname;

interface ExpectedTensor {
  type: 'Tensor' | 'Parameter';
  dtype: string;
  shape: number[];
  stride: number[];
  storage_offset: number;
  requires_grad: boolean;
  first?: (number | boolean)[];
  sum?: number;
}
type Expected = ExpectedTensor | { type: 'dict' | 'OrderedDict' | 'list' | 'tuple'; items: Record<string, Expected> | Expected[] } | { type: string; value?: unknown };

function checkValue(actual: unknown, expected: Expected, where: string): void {
  if (expected.type === 'Tensor' || expected.type === 'Parameter') {
    const e = expected as ExpectedTensor;
    expect(actual, where).toBeInstanceOf(torch.Tensor);
    const t = actual as torch.Tensor;
    expect(t instanceof nn.Parameter, `${where} is a Parameter`).toBe(e.type === 'Parameter');
    expect(t.dtype.name, `${where} dtype`).toBe(e.dtype);
    expect(t.shape, `${where} shape`).toEqual(e.shape);
    expect(t.stride(), `${where} stride`).toEqual(e.stride);
    expect(t.storageOffset(), `${where} offset`).toBe(e.storage_offset);
    expect(t.requiresGrad, `${where} requires_grad`).toBe(e.requires_grad);
    const flat = t.reshape(-1).tolist() as (number | boolean)[];
    if (e.first) expect(flat.slice(0, e.first.length), `${where} first values`).toEqual(e.first);
    if (e.sum !== undefined) {
      const sum = flat.reduce<number>((acc, v) => acc + Number(v), 0);
      expect(Math.abs(sum - e.sum), `${where} sum ${sum} vs ${e.sum}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(e.sum)));
    }
    return;
  }
  if (expected.type === 'list' || expected.type === 'tuple') {
    const items = (expected as { items: Expected[] }).items;
    expect(Array.isArray(actual), `${where} is an array`).toBe(true);
    expect((actual as unknown[]).length).toBe(items.length);
    items.forEach((item, i) => checkValue((actual as unknown[])[i], item, `${where}[${i}]`));
    return;
  }
  if (expected.type === 'dict' || expected.type === 'OrderedDict') {
    const items = (expected as { items: Record<string, Expected> }).items;
    // A dict with a non-string key (an optimizer's int-keyed state) loads as a Map; the
    // summary writes its keys as strings.
    const object = (actual instanceof Map ? Object.fromEntries([...actual].map(([k, v]) => [String(k), v])) : actual) as Record<string, unknown>;
    expect(Object.keys(object).sort(), `${where} keys`).toEqual(Object.keys(items).sort());
    for (const [k, v] of Object.entries(items)) checkValue(object[k], v, `${where}.${k}`);
    return;
  }
  expect(actual, where).toEqual((expected as { value?: unknown }).value);
}

for (const folder of ['torch-2.11', 'torch-1.13']) {
  describe(`fixtures written by ${folder}`, () => {
    // expected.json describes make_pytorch_checkpoint_fixtures.py's files; optim_resume.json
    // those of make_optim_resume_fixtures.py.
    const expected = Object.fromEntries(
      ['expected.json', 'optim_resume.json']
        .filter((name) => existsSync(join(FIXTURES, folder, name)))
        .flatMap((name) => Object.entries(JSON.parse(readFileSync(join(FIXTURES, folder, name), 'utf8')) as Record<string, Expected>)),
    );
    for (const file of readdirSync(join(FIXTURES, folder))) {
      if (file.endsWith('.json')) continue;
      it(`${file} loads and matches expected.json`, () => {
        const loaded = torch.loadSync(join(FIXTURES, folder, file));
        checkValue(loaded, expected[file], file);
        // The same bytes through deserialize() give the same result.
        checkValue(torch.deserialize(readFileSync(join(FIXTURES, folder, file))), expected[file], file);
      });
    }

    it('views share one storage after loading', () => {
      const views = torch.loadSync(join(FIXTURES, folder, 'views.pt')) as Record<string, torch.Tensor>;
      expect(views.a._storage).toBe(views.b._storage);
      views.a.indexPut_([0], 100);
      expect(views.b.index(0, 0).item()).toBe(100);
    });

    it("mlp.params loaded into the seed's MLP reproduces Y from mlp_io.pt", () => {
      const net = new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
      net.loadStateDict(torch.loadSync(join(FIXTURES, folder, 'mlp.params')) as Record<string, torch.Tensor>);
      const { X, Y } = torch.loadSync(join(FIXTURES, folder, 'mlp_io.pt')) as Record<string, torch.Tensor>;
      const out = torch.noGrad(() => net(X));
      expect(out.sub(Y).abs().max().item()).toBeLessThan(1e-6);
    });
  });
}

describe('save then load, in flint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-save-'));

  it('keeps dtypes, views, shared storage, 0-d and empty tensors, parameters and nesting', async () => {
    torch.manualSeed(0);
    const base = torch.arange(12, { dtype: torch.float32 });
    const value = {
      tensors: [torch.tensor(3.5), torch.zeros(0, 3), base.view(3, 4).t(), base.index('2:7')],
      dtypes: Object.fromEntries(
        [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]
          .map((d) => [d.name, torch.randn(2, 3).mul(3).to(d)]),
      ),
      param: new nn.Parameter(torch.randn(2, 2)),
      plain: { int: 3, float: 0.25, text: 'héllo', yes: true, none: null, big: 2n ** 70n, nested: [[1, 2], { a: [] }] },
      map: new Map<unknown, unknown>([[1, 'one'], ['two', 2]]),
    };
    const file = join(dir, 'all.pt');
    await torch.save(value, file);
    const loaded = (await torch.load(file)) as typeof value;
    expect(loaded.tensors[0].shape).toEqual([]);
    expect(loaded.tensors[0].item()).toBe(3.5);
    expect(loaded.tensors[1].shape).toEqual([0, 3]);
    expect(loaded.tensors[2].stride()).toEqual([1, 4]);
    expect(loaded.tensors[2].tolist()).toEqual(base.view(3, 4).t().tolist());
    expect(loaded.tensors[3].storageOffset()).toBe(2);
    expect(loaded.tensors[2]._storage).toBe(loaded.tensors[3]._storage);
    for (const [name, t] of Object.entries(value.dtypes)) {
      expect(loaded.dtypes[name].dtype).toBe(t.dtype);
      expect(loaded.dtypes[name].tolist()).toEqual(t.tolist());
    }
    expect(loaded.param).toBeInstanceOf(nn.Parameter);
    expect(loaded.param.requiresGrad).toBe(true);
    expect(loaded.param.tolist()).toEqual(value.param.tolist());
    expect(loaded.plain).toEqual(value.plain);
    expect([...(loaded.map as Map<unknown, unknown>)]).toEqual([[1, 'one'], ['two', 2]]);
  });

  it('safetensors by extension', () => {
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const file = join(dir, 'net.safetensors');
    torch.saveSync(net.stateDict(), file);
    const loaded = torch.loadSync(file) as Record<string, torch.Tensor>;
    expect(Object.keys(loaded).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(loaded['0.weight'].tolist()).toEqual(net.at(0).weight.tolist());
  });

  it('serialize / deserialize work on buffers', () => {
    const buf = torch.serialize({ w: torch.ones(2, 2) });
    expect(buf.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect((torch.deserialize(buf) as { w: torch.Tensor }).w.tolist()).toEqual([[1, 1], [1, 1]]);
  });
});

if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the PyTorch round-trip tests are skipped (apt-get install python3-torch)`);

describe.skipIf(!hasTorch)('round trips with real PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-torch-'));

  it('PyTorch loads what flint saved, with weights_only=True, and gets the same values', () => {
    torch.manualSeed(1);
    const base = torch.randn(4, 5);
    const net = new nn.Sequential(new nn.Linear(20, 8), new nn.ReLU(), new nn.Linear(8, 3));
    const files: Record<string, unknown> = {
      'tensor.pt': torch.arange(6).reshape(2, 3),
      'views.pt': { whole: base, t: base.t(), slice: base.index(1, '1:4'), scalar: torch.tensor(2.5), empty: torch.zeros(0) },
      'dtypes.pt': Object.fromEntries(
        [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]
          .map((d) => [d.name, torch.randn(3).mul(4).to(d)]),
      ),
      'param.pt': new nn.Parameter(torch.randn(2, 3)),
      'nested.pt': [torch.ones(2), { a: torch.zeros(1), b: [1, 'x', null, true] }],
      // PyTorch 1.13's weights_only loader has no BINFLOAT (2.x has), so floats get their own file.
      'floats.pt': { lr: 0.25, values: [1.5, -2e-8] },
      'state.pt': net.stateDict(),
    };
    for (const [name, value] of Object.entries(files)) torch.saveSync(value, join(dir, name));
    const expected: Record<string, unknown> = {};
    const describeValue = (v: unknown): unknown => {
      if (v instanceof torch.Tensor) {
        return { dtype: v.dtype.name, shape: v.shape, stride: v.stride(), offset: v.storageOffset(), values: v.reshape(-1).float().tolist(), param: v instanceof nn.Parameter };
      }
      if (Array.isArray(v)) return v.map(describeValue);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describeValue(x)]));
      return v;
    };
    for (const [name, value] of Object.entries(files)) expected[name] = describeValue(value);
    writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected));
    const out = python(
      `
import json, sys, os, torch, torch.nn as nn
d = sys.argv[1]
expected = json.load(open(os.path.join(d, 'expected.json')))
def describe(v):
    if isinstance(v, torch.Tensor):
        return {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape), 'stride': list(v.stride()),
                'offset': v.storage_offset(), 'values': [float(x) for x in v.reshape(-1).float().tolist()],
                'param': isinstance(v, nn.Parameter)}
    if isinstance(v, (list, tuple)): return [describe(x) for x in v]
    if isinstance(v, dict): return {k: describe(x) for k, x in v.items()}
    return v
old = int(torch.__version__.split('.')[0]) < 2
for name, want in expected.items():
    got = describe(torch.load(os.path.join(d, name), weights_only=not (old and name == 'floats.pt')))
    assert got == want, (name, got, want)
v = torch.load(os.path.join(d, 'views.pt'), weights_only=True)
assert v['whole'].data_ptr() == v['t'].data_ptr(), 'shared storage'
net = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3))
net.load_state_dict(torch.load(os.path.join(d, 'state.pt'), weights_only=True))
sd = torch.load(os.path.join(d, 'state.pt'), weights_only=True)
assert hasattr(sd, '_metadata') and '' in sd._metadata, 'metadata'
print('ok')
`,
      dir,
    );
    expect(out.trim()).toBe('ok');
  }, 60_000);

  it('flint loads what PyTorch saved, and a state dict drives the same network', () => {
    python(
      `
import sys, os, torch, torch.nn as nn
d = sys.argv[1]
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 4))
X = torch.rand(3, 20)
torch.save(net.state_dict(), os.path.join(d, 'py_state.pt'))
torch.save({'X': X, 'Y': net(X).detach(), 'list': [1, 2.5, 'x'], 'tuple': (torch.ones(2), 3)}, os.path.join(d, 'py_io.pt'))
`,
      dir,
    );
    const net = new nn.Sequential(new nn.Linear(20, 16), new nn.ReLU(), new nn.Linear(16, 4));
    net.loadStateDict(torch.loadSync(join(dir, 'py_state.pt')) as Record<string, torch.Tensor>);
    const io = torch.loadSync(join(dir, 'py_io.pt')) as { X: torch.Tensor; Y: torch.Tensor; list: unknown[]; tuple: unknown[] };
    expect(torch.noGrad(() => net(io.X)).sub(io.Y).abs().max().item()).toBeLessThan(1e-6);
    expect(io.list).toEqual([1, 2.5, 'x']);
    expect((io.tuple[0] as torch.Tensor).tolist()).toEqual([1, 1]);
    expect(io.tuple[1]).toBe(3);
  }, 60_000);
});

it('the fixture folder exists (the tests above read it)', () => {
  expect(existsSync(join(FIXTURES, 'torch-2.11', 'expected.json'))).toBe(true);
});

it('examples/5.5-read-write.ts runs, and its clone reproduces Y', () => {
  const root = new URL('..', import.meta.url).pathname;
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/5.5-read-write.ts'], { cwd: root, encoding: 'utf8' });
  expect(out).toContain('tensor([0, 1, 2, 3])');
  expect(out).toContain('MLP(\n  (hidden): Linear(in_features=20, out_features=256, bias=True)');
  expect(out).toContain('tensor([[True, True, True, True, True, True, True, True, True, True],\n        [True, True, True, True, True, True, True, True, True, True]])');
}, 60_000);

it('await torch.load reads storages without blocking the event loop', async () => {
  const { mkdtempSync: mk } = await import('node:fs');
  const dir = mk(join(tmpdir(), 'flint-async-'));
  const file = join(dir, 'big.pt');
  torch.manualSeed(3);
  const big = { a: torch.rand(48 * 1024 * 1024), b: torch.rand(3) }; // 192 MiB: three 64 MiB chunks
  torch.saveSync(big, file);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const loaded = (await torch.load(file)) as typeof big;
  clearInterval(timer);
  expect(ticks).toBeGreaterThanOrEqual(2);
  expect(loaded.a.shape).toEqual(big.a.shape);
  expect(loaded.a.sub(big.a).abs().max().item()).toBe(0);
  expect(loaded.b.tolist()).toEqual(big.b.tolist());
  torch.dispose([big, loaded]);
}, 120_000);

it('dtypes round-trip as torch.float16 and friends', () => {
  const buf = torch.serialize({ dtype: torch.float16, other: [torch.int64, torch.bool] });
  const back = torch.deserialize(buf) as { dtype: unknown; other: unknown[] };
  expect(back.dtype).toBe(torch.float16);
  expect(back.other).toEqual([torch.int64, torch.bool]);
});

it('await torch.load reads safetensors asynchronously too, with the same values', async () => {
  const { mkdtempSync: mk } = await import('node:fs');
  const dir = mk(join(tmpdir(), 'flint-async-st-'));
  const file = join(dir, 'big.safetensors');
  torch.manualSeed(4);
  const big = { a: torch.rand(48 * 1024 * 1024), mask: torch.rand(5).gt(0.5), m: torch.randn(3, 4).half() };
  torch.saveSync(big, file);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const loaded = (await torch.load(file)) as typeof big;
  clearInterval(timer);
  expect(ticks).toBeGreaterThanOrEqual(2);
  expect(loaded.a.sub(big.a).abs().max().item()).toBe(0);
  expect(loaded.mask.tolist()).toEqual(big.mask.tolist());
  expect(loaded.m.dtype).toBe(torch.float16);
  expect(loaded.m.tolist()).toEqual(big.m.tolist());
  expect(torch.loadSync(file)).toBeTruthy();
  torch.dispose([big, loaded]);
}, 120_000);
