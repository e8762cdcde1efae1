/**
 * numpy objects in checkpoints (arrays, scalars, dtypes) and torch.serialization's
 * safe-global allowlist, against files real PyTorch 1.13 + numpy wrote
 * (tests/fixtures/pytorch/numpy, made by scripts/make_numpy_checkpoint_fixtures.py).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { createZipWriter } from '../src/serialization/zip-write.js';
import { PYTHON, hasTorch, python } from './helpers/python.js';
import { settledStorages } from './helpers/memory.js';
import { mulberry32 as rng } from './helpers/random.js';

const { nn, serialization } = torch;
const DIR = new URL('./fixtures/pytorch/numpy/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface ExpectedArray { type: 'ndarray' | 'Tensor'; dtype: string; shape: number[]; fortran?: boolean; values: (number | boolean)[] }
/** A str or bytes array: its tolist(), bytes as lists of byte values. */
interface ExpectedText { type: 'text_ndarray'; dtype: string; shape: number[]; tolist: unknown[] }
const bytesAsLists = (v: unknown): unknown => (v instanceof Uint8Array ? [...v] : Array.isArray(v) ? v.map(bytesAsLists) : v);
type ExpectedScalar = { type: 'scalar'; dtype: string; value?: number | boolean | string; bigint?: string } | { type: 'dtype'; name: string };

/** A tensor against an ndarray's summary: dtype, shape, C-order values, memory order. */
function checkArray(actual: unknown, e: ExpectedArray | ExpectedText, where: string): void {
  if (e.type === 'text_ndarray') {
    expect(Array.isArray(actual), `${where} is nested arrays`).toBe(true);
    expect(bytesAsLists(actual), `${where} tolist`).toEqual(e.tolist);
    return;
  }
  expect(actual, where).toBeInstanceOf(torch.Tensor);
  const t = actual as torch.Tensor;
  expect(t.dtype.name, `${where} dtype`).toBe(e.dtype);
  expect(t.shape, `${where} shape`).toEqual(e.shape);
  expect(t.reshape(-1).tolist(), `${where} values`).toEqual(e.values);
  if (e.fortran) {
    expect(t.stride(0), `${where} is Fortran-ordered`).toBe(1);
    expect(t.isContiguous(), `${where} is not C-contiguous`).toBe(false);
  } else if (e.type === 'ndarray') {
    expect(t.isContiguous(), `${where} is C-contiguous`).toBe(true);
  }
}

function checkScalar(actual: unknown, e: ExpectedScalar, where: string): void {
  if (e.type === 'dtype') {
    expect(actual, where).toBe(torch[e.name as 'float32']);
    return;
  }
  if (e.bigint !== undefined) expect(actual, where).toBe(BigInt(e.bigint));
  else if (e.dtype === 'bool') expect(actual, where).toBe(e.value);
  else expect(actual, where).toBe(e.value);
}

afterEach(() => serialization.clearSafeGlobals());

describe('numpy arrays load as tensors', () => {
  for (const how of ['loadSync', 'load'] as const) {
    it(`arrays.pt: every dtype, C and Fortran order, 0-d, empty, big-endian (${how})`, async () => {
      const file = join(DIR, 'arrays.pt');
      const loaded = (how === 'load' ? await torch.load(file) : torch.loadSync(file)) as Record<string, unknown>;
      const items = expected['arrays.pt'].items as Record<string, ExpectedArray | ExpectedText>;
      expect(Object.keys(loaded).sort()).toEqual(Object.keys(items).sort());
      for (const [key, e] of Object.entries(items)) checkArray(loaded[key], e, key);
      expect((loaded.fortran_i64_3d as torch.Tensor).stride()).toEqual([1, 2, 6]);
      expect((loaded.zero_d as torch.Tensor).item()).toBe(3.5);
      expect(loaded.labels).toEqual([['cat', 'dog'], ['bird', 'é']]);
      expect(loaded.labels_bytes).toEqual([Uint8Array.from([97, 98]), Uint8Array.from([99])]);
      torch.dispose(loaded);
    });
  }

  it('traindata.pt loads, and its tensors save and load again (PyTorch format and safetensors)', () => {
    const data = torch.loadSync(join(DIR, 'traindata.pt')) as { x: torch.Tensor; y: torch.Tensor };
    const items = expected['traindata.pt'].items as Record<string, ExpectedArray>;
    checkArray(data.x, items.x, 'x');
    checkArray(data.y, items.y, 'y');
    const again = torch.deserialize(torch.serialize(data)) as { x: torch.Tensor; y: torch.Tensor };
    expect(again.x.tolist()).toEqual(data.x.tolist());
    expect(again.y.dtype).toBe(torch.int64);
    expect(again.y.tolist()).toEqual(items.y.values);
    const st = torch.deserialize(torch.serialize(data, { format: 'safetensors' })) as { x: torch.Tensor };
    expect(st.x.tolist()).toEqual(data.x.tolist());
    torch.dispose([data, again, st]);
  });

  it.skipIf(!hasTorch)('a re-saved numpy-derived Fortran array reads back in real PyTorch', () => {
    const loaded = torch.loadSync(join(DIR, 'arrays.pt')) as Record<string, torch.Tensor>;
    const file = join(mkdtempSync(join(tmpdir(), 'flint-np-')), 'resaved.pt');
    torch.saveSync({ f: loaded.fortran_f32, be: loaded.big_endian_i16, b: loaded.bool }, file);
    const out = python('import sys, torch, json; d = torch.load(sys.argv[1]); print(json.dumps({k: [v.tolist(), list(v.stride())] for k, v in d.items()}))', file);
    const items = expected['arrays.pt'].items as Record<string, ExpectedArray>;
    const back = JSON.parse(out) as Record<string, [unknown[], number[]]>;
    expect(back.f[0].flat()).toEqual(items.fortran_f32.values);
    expect(back.f[1]).toEqual([1, 3]);
    expect(back.be[0]).toEqual([1, -2, 300]);
    expect(back.b[0].flat()).toEqual(items.bool.values);
    torch.dispose(loaded);
  });

  it('loading and disposing numpy arrays leaves no storage behind', async () => {
    const before = await settledStorages();
    torch.dispose(torch.loadSync(join(DIR, 'arrays.pt')));
    torch.dispose(torch.loadSync(join(DIR, 'traindata.pt')));
    expect(await settledStorages()).toBe(before);
  });

  it('numpy 2 module paths (numpy._core) in a legacy stream', () => {
    const loaded = torch.loadSync(join(DIR, 'numpy2.pt')) as Record<string, unknown>;
    const items = expected['numpy2.pt'].items;
    checkScalar(loaded.acc, items.acc, 'acc');
    checkScalar(loaded.epoch, items.epoch, 'epoch');
    checkArray(loaded.x, items.x, 'x');
    torch.dispose(loaded);
  });

  it('object arrays are refused with a clear error', () => {
    expect(() => torch.loadSync(join(DIR, 'object_array.pt'))).toThrow('numpy object arrays (dtype=object) hold arbitrary Python objects and cannot be loaded');
  });
});

describe('numpy scalars and dtypes', () => {
  it('scalars.pt: numbers, bigints beyond 2^53, booleans, str, dtypes', () => {
    const loaded = torch.loadSync(join(DIR, 'scalars.pt')) as Record<string, unknown>;
    const items = expected['scalars.pt'].items as Record<string, ExpectedScalar>;
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(items).sort());
    for (const [key, e] of Object.entries(items)) checkScalar(loaded[key], e, key);
    expect(typeof loaded.i64).toBe('number');
    expect(typeof loaded.i64_big).toBe('bigint');
    expect(loaded.u64_big).toBe(2n ** 64n - 1n);
    expect(loaded.str).toBe('héllo');
  });
});

describe('a training checkpoint with numpy values and the user\'s classes', () => {
  const file = join(DIR, 'best_acc.pt');
  const items = expected['best_acc.pt'].items;

  it('is refused while argparse.Namespace is not allowlisted, with PyTorch\'s message', () => {
    expect(() => torch.loadSync(file)).toThrow(
      "Unsupported global: GLOBAL argparse.Namespace was not an allowed global by default. Please use `torch.serialization.addSafeGlobals(['argparse.Namespace'])`",
    );
  });

  it('loads with addSafeGlobals of the two class names, as plain objects', () => {
    serialization.addSafeGlobals(['argparse.Namespace', '__main__.TrainConfig']);
    const ckpt = torch.loadSync(file) as Record<string, any>;
    expect(ckpt.epoch).toBe(items.epoch.value);
    expect(ckpt.best_acc).toBe(items.best_acc.value);
    expect(ckpt.history).toEqual(items.history.items.map((h: { value: number }) => h.value));
    expect({ ...ckpt.args }).toEqual({ lr: 0.1, arch: 'resnet18', epochs: 90 });
    expect(Object.getPrototypeOf(ckpt.args)).toBe(null);
    expect({ ...ckpt.config }).toEqual({ lr: 0.01, layers: [64, 32] });
    const net = new nn.Linear(3, 2);
    net.loadStateDict(ckpt.state_dict);
    expect(net.weight.reshape(-1).tolist()).toEqual(items.state_dict.items.weight.values);
    expect(net.bias!.tolist()).toEqual(items.state_dict.items.bias.values);
    const momentum = ckpt.optimizer.state instanceof Map ? ckpt.optimizer.state.get(0) : ckpt.optimizer.state[0];
    expect(momentum.momentum_buffer.reshape(-1).tolist()).toEqual(items.optimizer.items.state.items['0'].items.momentum_buffer.values);
    torch.dispose(ckpt);
  });

  it('a JS class given as [Class, \'module.name\'] is made with new, then given the state', async () => {
    class TrainConfig {
      lr = -1;
      layers: number[] = [];
      made = true;
    }
    serialization.addSafeGlobals([[TrainConfig, '__main__.TrainConfig'], { module: 'argparse', name: 'Namespace', reconstruct: () => new Map(), setState: (m: Map<string, unknown>, s) => { for (const [k, v] of Object.entries(s as object)) m.set(k, v); } }]);
    const ckpt = (await torch.load(file)) as Record<string, any>;
    expect(ckpt.config).toBeInstanceOf(TrainConfig);
    expect(ckpt.config.lr).toBe(0.01);
    expect(ckpt.config.layers).toEqual([64, 32]);
    expect(ckpt.config.made).toBe(true);
    expect(ckpt.args).toBeInstanceOf(Map);
    expect([...ckpt.args.entries()]).toEqual([['lr', 0.1], ['arch', 'resnet18'], ['epochs', 90]]);
    torch.dispose(ckpt);
  });

  it('safeGlobals allowlists for one call and restores the allowlist (sync and async)', async () => {
    serialization.addSafeGlobals(['__main__.TrainConfig']);
    const ckpt = serialization.safeGlobals(['argparse.Namespace'], () => torch.loadSync(file)) as Record<string, any>;
    expect(ckpt.args.arch).toBe('resnet18');
    expect(serialization.getSafeGlobals().map((g) => `${g.module}.${g.name}`)).toEqual(['__main__.TrainConfig']);
    expect(() => torch.loadSync(file)).toThrow('GLOBAL argparse.Namespace');
    const later = (await serialization.safeGlobals(['argparse.Namespace'], () => torch.load(file))) as Record<string, any>;
    expect(later.epoch).toBe(12);
    expect(serialization.getSafeGlobals()).toHaveLength(1);
    expect(() => serialization.safeGlobals(['argparse.Namespace'], () => { throw new Error('boom'); })).toThrow('boom');
    expect(serialization.getSafeGlobals()).toHaveLength(1);
    torch.dispose([ckpt, later]);
  });
});

describe('the user\'s own globals', () => {
  const file = join(DIR, 'custom.pt');

  it('a namedtuple, an OrderedDict subclass, a __slots__ object and a bare class reference', () => {
    expect(() => torch.loadSync(file)).toThrow('GLOBAL __main__.Point was not an allowed global');
    serialization.addSafeGlobals(['__main__.Point', { module: '__main__', name: 'Registry', reconstruct: 'dict' }, '__main__.Slotted', '__main__.TrainConfig']);
    const loaded = torch.loadSync(file) as Record<string, any>;
    expect(loaded.point).toEqual([1, 2.5]);
    expect(Object.keys(loaded.registry)).toEqual(['b', 'a']);
    expect(loaded.registry.b.tolist()).toEqual([1, 1]);
    expect(loaded.registry.a).toBe(1);
    expect({ ...loaded.slotted }).toEqual({ a: 3, b: 'x' });
    expect(loaded.cls).toEqual({ module: '__main__', name: 'TrainConfig' });
    expect(Object.isFrozen(loaded.cls)).toBe(true);
    torch.dispose(loaded);
  });

  it('a function reconstruct gets the loaded arguments; named uncalled, the global is the function', () => {
    const point = (x: number, y: number) => ({ x, y });
    class TrainConfig {}
    serialization.addSafeGlobals([[point, '__main__.Point'], { module: '__main__', name: 'Registry', reconstruct: 'dict' }, '__main__.Slotted', [TrainConfig, '__main__.TrainConfig']]);
    const loaded = torch.loadSync(file) as Record<string, any>;
    expect(loaded.point).toEqual({ x: 1, y: 2.5 });
    expect(loaded.cls).toBe(TrainConfig);
    torch.dispose(loaded);
  });

  it('errors from the user\'s functions name the global', () => {
    serialization.addSafeGlobals([[() => { throw new Error('no'); }, '__main__.Point'], { module: '__main__', name: 'Registry', reconstruct: 'dict' }, '__main__.Slotted', '__main__.TrainConfig']);
    expect(() => torch.loadSync(file)).toThrow("load: the reconstruct function of '__main__.Point' failed: no");
    serialization.clearSafeGlobals();
    serialization.addSafeGlobals(['__main__.Point', '__main__.Registry', { module: '__main__', name: 'Slotted', reconstruct: () => 7 }, '__main__.TrainConfig']);
    expect(() => torch.loadSync(file)).toThrow(/SETITEM\(S\) on something that is not a dict|cannot set the pickled state/);
  });

  it('addSafeGlobals validates its entries and ignores globals flint loads already', () => {
    serialization.addSafeGlobals(['numpy.core.multiarray._reconstruct', 'numpy.ndarray', 'numpy.dtype', 'numpy.core.multiarray.scalar', 'collections.OrderedDict']);
    expect(serialization.getSafeGlobals()).toEqual([]);
    expect(() => serialization.addSafeGlobals([[() => 1, 'numpy.dtype']])).toThrow("'numpy.dtype' is loaded by flint itself");
    expect(() => serialization.addSafeGlobals(['Namespace'])).toThrow("expected a global as 'module.name'");
    expect(() => serialization.addSafeGlobals(['os.system; rm'])).toThrow(TypeError);
    expect(() => serialization.addSafeGlobals([{ module: 'a', name: 'B', reconstruct: 'list' as 'dict' }])).toThrow('reconstruct must be a function, a class or');
    expect(() => serialization.addSafeGlobals([{ module: 'a', name: 'B', extra: 1 } as never])).toThrow("unexpected key 'extra'");
    expect(() => serialization.addSafeGlobals('argparse.Namespace' as never)).toThrow('expected an array of globals');
    expect(serialization.getSafeGlobals()).toEqual([]);
    serialization.addSafeGlobals([{ module: 'argparse', name: 'Namespace' }]);
    const got = serialization.getSafeGlobals();
    expect(got).toEqual([{ module: 'argparse', name: 'Namespace' }]);
    got[0].name = 'Changed';
    expect(serialization.getSafeGlobals()[0].name).toBe('Namespace');
  });
});

describe('getUnsafeGlobalsInCheckpoint', () => {
  it('lists the globals load would refuse, in order of first use, for zip, legacy and safetensors files', () => {
    const get = serialization.getUnsafeGlobalsInCheckpoint;
    expect(get(join(DIR, 'best_acc.pt'))).toEqual(['argparse.Namespace', '__main__.TrainConfig']);
    expect(get(join(DIR, 'custom.pt'))).toEqual(['__main__.Point', '__main__.Registry', '__main__.Slotted', '__main__.TrainConfig']);
    expect(get(join(DIR, 'malicious.pt'))).toEqual([expected.malicious_global]);
    expect(existsSync('/tmp/flint-numpy-pwned')).toBe(false);
    for (const f of ['arrays.pt', 'scalars.pt', 'numpy2.pt', '../torch-1.13/mlp_legacy.params', '../torch-2.11/mlp.safetensors']) expect(get(join(DIR, f)), f).toEqual([]);
    serialization.addSafeGlobals(['argparse.Namespace']);
    expect(get(readFileSync(join(DIR, 'best_acc.pt')))).toEqual(['__main__.TrainConfig']);
    // The legacy stream's object pickle, with a global that is not allowed.
    const legacy = readFileSync(join(DIR, 'numpy2.pt')).toString('latin1').replace('numpy._core.multiarray\nscalar', 'numpy._core.multiarray\nscalaR');
    expect(get(Buffer.from(legacy, 'latin1'))).toEqual(['numpy._core.multiarray.scalaR']);
    expect(() => get(42 as never)).toThrow('expected a file path or a Uint8Array');
  });
});

describe('malicious pickles stay refused', () => {
  const file = join(DIR, 'malicious.pt');
  const marker = '/tmp/flint-numpy-pwned';

  it('os.system is refused, naming it; allowlisting it by name only makes data, never a call', () => {
    const global = expected.malicious_global as string;
    expect(() => torch.loadSync(file)).toThrow(`Unsupported global: GLOBAL ${global} was not an allowed global by default`);
    serialization.addSafeGlobals([global]);
    const loaded = torch.loadSync(file) as Record<string, unknown>;
    expect(loaded.payload).toEqual([`echo pwned > ${marker}`]);
    expect(existsSync(marker)).toBe(false);
    torch.dispose(loaded);
  });

  /** A torch.save-style archive around a hand-made pickle. */
  function archive(body: string): Buffer {
    const chunks: Uint8Array[] = [];
    const zip = createZipWriter({ write: (b) => chunks.push(b) });
    zip.addEntry('archive/data.pkl', latin1(body));
    zip.addEntry('archive/version', latin1('3\n'));
    zip.finish();
    return Buffer.concat(chunks);
  }
  const dtype = (descr: string, order = '<') => `cnumpy\ndtype\n(X${String.fromCharCode(descr.length)}\0\0\0${descr}\x89\x88tR(K\x03X\x01\0\0\0${order}NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\0tb`;
  const ndarray = (cls: string, descr: string, shape: number, data: string) =>
    `\x80\x02cnumpy.core.multiarray\n_reconstruct\n${cls}K\0\x85C\x01b\x87R(K\x01K${String.fromCharCode(shape)}\x85${dtype(descr)}\x89C${String.fromCharCode(data.length)}${data}tb.`;

  it('hand-made numpy pickles: the right array loads, anything else is refused', () => {
    expect((torch.deserialize(archive(ndarray('cnumpy\nndarray\n', 'i2', 2, '\x01\0\xff\xff'))) as torch.Tensor).tolist()).toEqual([1, -1]);
    expect(() => torch.deserialize(archive(ndarray('ccollections\nOrderedDict\n', 'i2', 2, '\x01\0\xff\xff')))).toThrow('can only make numpy.ndarray');
    expect(() => torch.deserialize(archive(ndarray('cnumpy.ma.core\nMaskedArray\n', 'i2', 2, '\x01\0\xff\xff')))).toThrow('GLOBAL numpy.ma.core.MaskedArray was not an allowed global');
    expect(() => torch.deserialize(archive(ndarray('cnumpy\nndarray\n', 'i2', 3, '\x01\0\xff\xff')))).toThrow('needs 6 bytes, found 4');
    expect(() => torch.deserialize(archive(ndarray('cnumpy\nndarray\n', 'u2', 2, '\x01\0\xff\xff')))).toThrow('a numpy array of numpy dtype uint16');
    expect(() => torch.deserialize(archive(ndarray('cnumpy\nndarray\n', 'c8', 1, '\0\0\0\0\0\0\0\0')))).toThrow('dtype complex64');
    const boolArray = torch.deserialize(archive(ndarray('cnumpy\nndarray\n', 'b1', 2, '\x00\x07'))) as torch.Tensor;
    expect(boolArray.tolist()).toEqual([false, true]);
    const scalar = (descr: string, data: string) => `\x80\x02cnumpy.core.multiarray\nscalar\n${dtype(descr)}C${String.fromCharCode(data.length)}${data}\x86R.`;
    expect(torch.deserialize(archive(scalar('f8', '\0\0\0\0\0\0\xe0\x3f')))).toBe(0.5);
    expect(() => torch.deserialize(archive(scalar('O8', '\0\0\0\0\0\0\0\0')))).toThrow('a numpy object scalar (dtype=object)');
    expect(() => torch.deserialize(archive(scalar('f8', '\0\0\0\0')))).toThrow('needs 8 bytes, found 4');
  });
});

describe('fuzz', () => {
  it('3,000 random mutations of the numpy checkpoints each load or throw an Error', () => {
    serialization.addSafeGlobals(['argparse.Namespace', '__main__.TrainConfig', '__main__.Point', '__main__.Slotted', { module: '__main__', name: 'Registry', reconstruct: 'dict' }]);
    const files = ['arrays.pt', 'scalars.pt', 'numpy2.pt', 'best_acc.pt', 'custom.pt', 'traindata.pt'].map((f) => readFileSync(join(DIR, f)));
    const random = rng(20261203);
    let loaded = 0;
    const CASES = 3000;
    for (let i = 0; i < CASES; i++) {
      const bytes = Buffer.from(files[i % files.length]);
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        const at = Math.floor(random() * bytes.length);
        if (random() < 0.7) bytes[at] = Math.floor(random() * 256);
        else bytes[at] ^= 1 << Math.floor(random() * 8);
      }
      try {
        torch.dispose(torch.deserialize(bytes));
        loaded++;
      } catch (error) {
        if (!(error instanceof Error) || !/^(load|unpickle|zip|safetensors|expected \d+ bytes)/.test(error.message)) {
          throw new Error(`case ${i}: an unexpected failure: ${String(error)}`);
        }
      }
    }
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(CASES);
    console.log(`numpy fuzz: ${CASES} cases, ${loaded} loaded`);
  }, 60_000);
});

if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the PyTorch re-save check is skipped`);
