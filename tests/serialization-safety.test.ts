/**
 * Loading never executes anything and never crashes: hand-made malicious pickles, corrupt
 * archives, and 10,000 random mutations of real checkpoint files each either load or
 * throw an Error that says what is wrong.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { createZipWriter } from '../src/serialization/zip-write.js';
import { mulberry32 as rng } from './helpers/random.js';

const FIXTURES = new URL('./fixtures/pytorch/', import.meta.url).pathname;
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A torch.save-style archive around a hand-made pickle (and optional storages). */
function archive(pickleBytes: Uint8Array, storages: [string, Uint8Array][] = [], version = '3\n'): Buffer {
  const chunks: Uint8Array[] = [];
  const zip = createZipWriter({ write: (b) => chunks.push(b) });
  zip.addEntry('archive/data.pkl', pickleBytes);
  for (const [key, bytes] of storages) zip.addEntry(`archive/data/${key}`, bytes);
  zip.addEntry('archive/version', latin1(version));
  zip.finish();
  return Buffer.concat(chunks);
}

/** PROTO 2, GLOBAL module name, a string argument tuple, REDUCE, STOP. */
function callPickle(module: string, name: string, arg: string): Uint8Array {
  const a = latin1(arg);
  return Uint8Array.from([
    0x80, 2, ...latin1(`c${module}\n${name}\n`), 0x58, a.length, 0, 0, 0, ...a, 0x85, 0x52, 0x2e,
  ]);
}

describe('malicious pickles are refused, naming the global', () => {
  const cases: [string, string][] = [
    ['os', 'system'],
    ['posix', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['builtins', 'getattr'],
    ['subprocess', 'Popen'],
    ['torch', 'load'],
    ['torch._utils', '_rebuild_device_tensor_from_numpy'],
    ['numpy', 'load'],
    ['numpy.ma.core', '_mareconstruct'],
  ];
  for (const [module, name] of cases) {
    it(`${module}.${name}`, () => {
      const file = archive(callPickle(module, name, 'echo pwned > /tmp/flint-pwned'));
      expect(() => torch.deserialize(file)).toThrow(`Unsupported global: GLOBAL ${module}.${name} was not an allowed global by default`);
    });
  }

  it('STACK_GLOBAL is checked the same way', () => {
    const body = Uint8Array.from([
      0x80, 4, 0x8c, 2, ...latin1('os'), 0x8c, 6, ...latin1('system'), 0x93, 0x8c, 2, ...latin1('id'), 0x85, 0x52, 0x2e,
    ]);
    expect(() => torch.deserialize(archive(body))).toThrow('Unsupported global: GLOBAL os.system was not an allowed global by default');
  });

  it('opcodes that build arbitrary objects are refused', () => {
    // INST (i) and OBJ (o) would instantiate classes; EXT1 (0x82) uses the copyreg registry.
    for (const op of [0x69, 0x6f, 0x82]) {
      const body = Uint8Array.from([0x80, 2, op, 0x2e]);
      expect(() => torch.deserialize(archive(body))).toThrow(/unsupported or unsafe opcode/);
    }
  });
});

describe('corrupt input gives an Error that says what is wrong', () => {
  const good = readFileSync(join(FIXTURES, 'torch-2.11', 'mlp.params'));

  it('truncated files', () => {
    for (const cut of [0, 3, 10, 100, good.length >> 1, good.length - 30, good.length - 1]) {
      expect(() => torch.deserialize(good.subarray(0, cut)), `cut at ${cut}`).toThrow(Error);
    }
    expect(() => torch.deserialize(good.subarray(0, 0))).toThrow(/empty|not a PyTorch checkpoint|truncated/);
  });

  it('a bad zip central directory', () => {
    const bad = Buffer.from(good);
    const eocd = bad.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    bad.writeUInt32LE(bad.length + 1000, eocd + 16); // central directory offset past the end
    expect(() => torch.deserialize(bad)).toThrow(/zip:/);
  });

  it('a storage smaller than its tensor', () => {
    // A [4] float tensor whose storage declares and holds 2 elements.
    const pickleBytes = Uint8Array.from([
      0x80, 2, ...latin1('ctorch._utils\n_rebuild_tensor_v2\n'), 0x28,
      0x28, 0x58, 7, 0, 0, 0, ...latin1('storage'), ...latin1('ctorch\nFloatStorage\n'), 0x58, 1, 0, 0, 0, ...latin1('0'),
      0x58, 3, 0, 0, 0, ...latin1('cpu'), 0x4b, 2, 0x74, 0x51,
      0x4b, 0, 0x4b, 4, 0x85, 0x4b, 1, 0x85, 0x89, 0x29, 0x74, 0x52, 0x2e,
    ]);
    const file = archive(pickleBytes, [['0', new Uint8Array(8)]]);
    expect(() => torch.deserialize(file)).toThrow("needs 4 elements, but its storage '0' holds 2");
  });

  it('a storage entry shorter than the storage it declares', () => {
    const pickleBytes = Uint8Array.from([
      0x80, 2, ...latin1('ctorch._utils\n_rebuild_tensor_v2\n'), 0x28,
      0x28, 0x58, 7, 0, 0, 0, ...latin1('storage'), ...latin1('ctorch\nFloatStorage\n'), 0x58, 1, 0, 0, 0, ...latin1('0'),
      0x58, 3, 0, 0, 0, ...latin1('cpu'), 0x4b, 4, 0x74, 0x51,
      0x4b, 0, 0x4b, 4, 0x85, 0x4b, 1, 0x85, 0x89, 0x29, 0x74, 0x52, 0x2e,
    ]);
    expect(() => torch.deserialize(archive(pickleBytes, [['0', new Uint8Array(8)]]))).toThrow("storage '0' holds 8 bytes, but 4 float32 elements need 16");
  });

  it('an unknown dtype', () => {
    const pickleBytes = Uint8Array.from([0x80, 2, ...latin1('ctorch\nQUInt4x2Storage\n'), 0x2e]);
    expect(() => torch.deserialize(archive(pickleBytes))).toThrow('Unsupported global: GLOBAL torch.QUInt4x2Storage was not an allowed global by default');
  });

  it('a pickle LONG4 of absurd length, and an archive version out of range', () => {
    const long4 = Uint8Array.from([0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0x7f, 0x2e]);
    expect(() => torch.deserialize(archive(long4))).toThrow(/LONG4 of 2147483647 bytes/);
    const unicode = Uint8Array.from([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e]);
    expect(() => torch.deserialize(archive(unicode))).toThrow(/truncated pickle/);
    expect(() => torch.deserialize(archive(Uint8Array.from([0x80, 2, 0x4e, 0x2e]), [], '99\n'))).toThrow(/unsupported archive version/);
  });

  it('a huge safetensors header', () => {
    const file = Buffer.alloc(16);
    file.writeBigUInt64LE(200_000_000n, 0);
    file[8] = 0x7b;
    expect(() => torch.deserialize(file)).toThrow(/safetensors: header length 200000000 exceeds|safetensors: header length 200,000,000/);
  });
});


describe('fuzz', () => {
  it('10,000 random mutations of real checkpoints each load or throw an Error', () => {
    const files = readdirSync(join(FIXTURES, 'torch-2.11'))
      .filter((f) => f !== 'expected.json')
      .map((f) => readFileSync(join(FIXTURES, 'torch-2.11', f)))
      .concat([readFileSync(join(FIXTURES, 'torch-1.13', 'mlp_legacy.params'))]);
    const random = rng(20261122);
    const started = performance.now();
    let loaded = 0;
    const CASES = 10_000;
    for (let i = 0; i < CASES; i++) {
      const source = files[Math.floor(random() * files.length)];
      const bytes = Buffer.from(source);
      const mutations = 1 + Math.floor(random() * 4);
      for (let m = 0; m < mutations; m++) {
        const kind = random();
        const at = Math.floor(random() * bytes.length);
        if (kind < 0.6) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.8) bytes[at] ^= 1 << Math.floor(random() * 8);
        else bytes.writeUInt32LE(Math.floor(random() * 0xffffffff), Math.min(at, bytes.length - 4));
      }
      const input = random() < 0.1 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      try {
        torch.dispose(torch.deserialize(input));
        loaded++;
      } catch (error) {
        if (!(error instanceof Error) || !/^(load|unpickle|zip|safetensors|expected \d+ bytes)/.test(error.message)) {
          throw new Error(`case ${i}: an unexpected failure: ${String(error)}`);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(60);
    expect(loaded).toBeGreaterThan(0);
    console.log(`fuzz: ${CASES} cases, ${loaded} loaded, ${CASES - loaded} refused with an Error, ${seconds.toFixed(1)} s`);
  }, 120_000);
});

describe('atomic save', () => {
  it('a save killed (SIGKILL) in the middle leaves the previous checkpoint intact and loadable', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, readdirSync: list, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'flint-kill-'));
    const file = join(dir, 'ckpt.pt');
    const previous = { step: 7, w: torch.arange(10, { dtype: torch.float32 }) };
    torch.saveSync(previous, file);
    const before = readFileSync(file);

    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./helpers/save-child.ts', import.meta.url).pathname, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Kill as soon as the temporary file exists and holds some of the new checkpoint.
    let sawPartial = false;
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const temporary = list(dir).find((f) => f.endsWith('.flint-tmp'));
        if (temporary !== undefined && statSync(join(dir, temporary)).size > 0) {
          sawPartial = true;
          child.kill('SIGKILL');
        }
      }, 2);
      child.on('exit', () => {
        clearInterval(poll);
        resolve();
      });
      child.on('error', reject);
    });
    expect(sawPartial, 'the child was killed while writing its temporary file').toBe(true);
    expect(readFileSync(file).equals(before)).toBe(true);
    const loaded = torch.loadSync(file) as typeof previous;
    expect(loaded.step).toBe(7);
    expect(loaded.w.tolist()).toEqual(previous.w.tolist());
  }, 120_000);
});
