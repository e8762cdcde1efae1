/**
 * Float32 CPU convolutions through oneDNN (native/cpu/onednn_convolution.cc), as PyTorch's
 * run: every recorded convolution of tests/fixtures/conv.json (PyTorch 1.13's float64
 * values) in float32, with its gradients; the oneDNN path against the im2col one on a grid
 * of geometries; proof from oneDNN's own log that it ran; the fallback when libdnnl is
 * missing; the native entries' errors on the CPU; worker_threads; and the declarations in
 * onednn_api.h against oneDNN's headers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import * as call from '../src/native/calls.generated.js';
import { fresh } from '../src/native/meta.js';
import { fromHandle } from '../src/tensor/tensor.js';
import { CONV_FNS, runCase, type ConvCase } from './helpers/conv-cases.js';
import { expectClose, fromFixture } from './helpers/reference.js';

const F = torch.nn.functional;
const root = new URL('..', import.meta.url).pathname;
const FIX = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8')) as { cases: ConvCase[] };
const available = torch.backends.mkldnn.isAvailable();
const why = 'oneDNN (libdnnl.so.2, Debian package libdnnl2) is not installed: CPU convolutions run by im2col';

afterEach(() => {
  torch.backends.mkldnn.enabled = true;
});

/** The largest absolute value of a tensor (a scale for float32 tolerances). */
const maxAbs = (t: Tensor) => (t.numel() === 0 ? 0 : (t.abs().max().item() as number));

describe.skipIf(!available)(`float32 convolutions through oneDNN against PyTorch${available ? '' : ` (skipped: ${why})`}`, () => {
  for (const c of FIX.cases.filter((x) => x.op in CONV_FNS)) {
    it(c.name, () => {
      const inputs = c.inputs.map((t) => (t === null ? null : fromFixture(t, { requiresGrad: true, dtype: 'float32' })));
      const out = runCase(c, inputs);
      expect(out.dtype).toBe(torch.float32);
      expect(out.gradFn?.name ?? null).toBe(c.gradFn);
      // float32 sums of up to a few hundred products: relative to the values' scale.
      // PyTorch's float64 values, rounded to float32 (expectClose compares like dtypes).
      const reference = fromFixture(c.output, { dtype: 'float32' });
      const tol = 2e-6 * Math.max(1, maxAbs(reference)) * Math.sqrt(inputs[1]!.numel());
      expectClose(out, reference, { atol: tol, rtol: 1e-5 });
      out.backward(torch.linspace(-1, 2, out.numel()).reshape(out.shape));
      c.grads.forEach((expected, i) => {
        if (expected === null) return;
        const grad = fromFixture(expected, { dtype: 'float32' });
        const scale = Math.max(1, maxAbs(grad));
        expectClose(inputs[i]!.grad!, grad, { atol: 2e-6 * scale * Math.sqrt(out.numel()), rtol: 1e-5, label: `grad ${i}` });
      });
    });
  }
});

/** A convolution (or transposed one) of random float32 tensors: output and the three gradients. */
function convolveAll(fn: (typeof CONV_FNS)[string], xs: number[], ws: number[], bias: number, opts: object, seed: number): Tensor[] {
  torch.manualSeed(seed);
  const x = torch.randn(xs, { requiresGrad: true });
  const w = torch.randn(ws, { requiresGrad: true });
  const b = torch.randn([bias], { requiresGrad: true });
  const y = fn(x, w, { ...opts, bias: b } as never);
  y.backward(torch.randn(y.shape));
  return [y.detach(), x.grad!, w.grad!, b.grad!];
}

// [function, input, weight, bias size, options]: strides whose last window stops short
// of the padded edge (oneDNN's negative right padding), groups, depthwise, dilation, 1-D,
// 3-D, 1x1, and transposed forms with output padding and groups.
const GRID: [string, number[], number[], number, object][] = [
  ['conv2d', [2, 3, 9, 9], [4, 3, 3, 3], 4, { stride: 2 }],
  ['conv2d', [2, 4, 10, 9], [6, 2, 3, 2], 6, { stride: [3, 2], padding: [1, 0], dilation: [2, 1], groups: 2 }],
  ['conv2d', [3, 8, 7, 7], [8, 1, 3, 3], 8, { padding: 1, groups: 8 }],
  ['conv2d', [4, 16, 6, 6], [32, 16, 1, 1], 32, {}],
  ['conv2d', [1, 1, 28, 28], [32, 1, 3, 3], 32, {}],
  ['conv2d', [2, 3, 8, 8], [5, 3, 3, 3], 5, { padding: 'same', dilation: 2 }],
  ['conv1d', [2, 3, 20], [5, 3, 4], 5, { stride: 2, padding: 1 }],
  ['conv3d', [1, 2, 5, 6, 7], [3, 2, 2, 3, 2], 3, { stride: [1, 2, 1], padding: [1, 0, 1] }],
  ['conv_transpose2d', [2, 4, 5, 5], [4, 3, 3, 3], 3, { stride: 2, padding: 1, outputPadding: 1 }],
  ['conv_transpose2d', [2, 4, 5, 5], [4, 2, 3, 3], 4, { stride: 2, groups: 2, dilation: 2 }],
  ['conv_transpose1d', [2, 3, 7], [3, 4, 3], 4, { stride: 3, outputPadding: 2 }],
  ['conv_transpose3d', [1, 2, 3, 4, 3], [2, 3, 2, 2, 2], 3, { stride: 2 }],
];

describe.skipIf(!available)(`oneDNN against im2col${available ? '' : ` (skipped: ${why})`}`, () => {
  for (const [name, xs, ws, bias, opts] of GRID) {
    it(`${name} ${JSON.stringify(xs)} ${JSON.stringify(ws)} ${JSON.stringify(opts)}`, () => {
      const viaOnednn = convolveAll(CONV_FNS[name], xs, ws, bias, opts, 7);
      torch.backends.mkldnn.enabled = false;
      const viaIm2col = convolveAll(CONV_FNS[name], xs, ws, bias, opts, 7);
      ['output', 'input grad', 'weight grad', 'bias grad'].forEach((label, i) => {
        expect(viaOnednn[i].shape, label).toEqual(viaIm2col[i].shape);
        const scale = Math.max(1, maxAbs(viaIm2col[i]));
        expectClose(viaOnednn[i], viaIm2col[i], { atol: 1e-5 * scale, rtol: 1e-5, label });
      });
    });
  }

  it('non-contiguous float32 operands and a float64 convolution (im2col) give the same values', () => {
    torch.manualSeed(3);
    const x = torch.randn(2, 9, 9, 3).permute(0, 3, 1, 2);
    const w = torch.randn(4, 3, 3, 3);
    const y = F.conv2d(x, w, null, { padding: 1 });
    const y64 = F.conv2d(x.double(), w.double(), null, { padding: 1 });
    expectClose(y, y64.float(), { atol: 1e-5, rtol: 1e-5 });
  });
});

describe('torch.backends.mkldnn', () => {
  it('is available where libdnnl.so.2 is, and enabled by default as in PyTorch', () => {
    expect(torch.backends.mkldnn.enabled).toBe(true);
    const installed = existsSync(`/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libdnnl.so.2`);
    expect(torch.backends.mkldnn.isAvailable()).toBe(installed);
  });

  it.skipIf(!available)("oneDNN's own log shows each direction of every geometry of the grid above, built once per shape and thread count", () => {
    // The grid's cases (conv-onednn's grid is the same list), each forward and backward twice
    // with oneDNN, then once more with it disabled, then twice on one thread.
    const script = `
      import * as torch from ${JSON.stringify(`${root}src/index.ts`)};
      const F = torch.nn.functional;
      const grid = ${JSON.stringify(GRID)};
      const fns = { conv1d: F.conv1d, conv2d: F.conv2d, conv3d: F.conv3d, conv_transpose1d: F.convTranspose1d, conv_transpose2d: F.convTranspose2d, conv_transpose3d: F.convTranspose3d };
      const step = ([name, xs, ws, bias, opts]) => {
        const x = torch.randn(xs, { requiresGrad: true });
        const w = torch.randn(ws, { requiresGrad: true });
        fns[name](x, w, { ...opts, bias: torch.randn([bias], { requiresGrad: true }) }).sum().backward();
      };
      for (const c of grid) for (let i = 0; i < 2; i++) step(c);
      torch.backends.mkldnn.enabled = false;
      for (const c of grid) step(c);
      torch.backends.mkldnn.enabled = true;
      torch.setNumThreads(1);
      for (let i = 0; i < 2; i++) step(grid[0]);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, DNNL_VERBOSE: '2', FLINT_NUM_THREADS: '2' }, timeout: 120_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout.split('\n').filter((l) => l.includes(',convolution,'));
    const count = (kind: string, what: string) => lines.filter((l) => l.startsWith(`onednn_verbose,${kind}`) && l.includes(what)).length;
    // A transposed convolution's forward is oneDNN's backward-data, and its input gradient
    // oneDNN's forward: every case runs each direction once per step.
    const steps = 2 * GRID.length + 2;
    expect(count('exec', 'forward_training')).toBe(steps);
    expect(count('exec', 'backward_data')).toBe(steps);
    expect(count('exec', 'backward_weights')).toBe(steps);
    // Built once per shape and direction, and again for the one-thread steps.
    expect(count('create', 'backward_data')).toBe(GRID.length + 1);
    expect(count('create', 'backward_weights')).toBe(GRID.length + 1);
  });

  it('without libdnnl (FLINT_ONEDNN pointing nowhere), convolutions fall back to im2col and the entries say why', () => {
    const script = `
      import * as torch from ${JSON.stringify(`${root}src/index.ts`)};
      import * as call from ${JSON.stringify(`${root}src/native/calls.generated.ts`)};
      import { fresh } from ${JSON.stringify(`${root}src/native/meta.ts`)};
      const x = torch.arange(16, { dtype: torch.float32 }).reshape(1, 1, 4, 4);
      const w = torch.ones(1, 1, 3, 3);
      const y = torch.nn.functional.conv2d(x, w);
      let message = '';
      try { call.convolution(fresh(x.dtype, [1, 1, 1, 2, 2]), x.reshape(1, 1, 1, 4, 4), w.reshape(1, 1, 1, 3, 3), null, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, false, false, false); }
      catch (e) { message = e.message; }
      console.log(JSON.stringify({ available: torch.backends.mkldnn.isAvailable(), values: Array.from(y.dataSync()), message }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, FLINT_ONEDNN: '/nonexistent/libdnnl.so.2' }, timeout: 120_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(report.available).toBe(false);
    // 3x3 sums of 0..15 laid out 4x4.
    expect(report.values).toEqual([45, 54, 81, 90]);
    expect(report.message).toMatch(/oneDNN was not found \(\/nonexistent\/libdnnl\.so\.2: .*\): CPU convolutions use im2col and OpenBLAS instead/);
  });
});

describe.skipIf(!available)(`oneDNN's workspace${available ? '' : ` (skipped: ${why})`}`, () => {
  it('is kept for reuse among the cached bytes, and torch.emptyCache frees it', () => {
    torch.emptyCache();
    expect(torch.memoryStats().cpu.cachedBytes).toBe(0);
    const x = torch.randn(8, 64, 28, 28);
    const w = torch.randn(64, 64, 3, 3);
    const y = F.conv2d(x, w, null, { padding: 1 });
    // Nothing was disposed, so what is cached is the workspace: at least the image's and the
    // output's copies in oneDNN's 16-channel blocks.
    expect(torch.memoryStats().cpu.cachedBytes).toBeGreaterThanOrEqual(2 * x.numel() * 4);
    const again = F.conv2d(x, w, null, { padding: 1 });
    expect(torch.memoryStats().cpu.cachedBytes, 'the second call reuses the first one\'s blocks').toBeLessThan(4 * x.numel() * 4);
    expect(again.equal(y)).toBe(true);
    torch.emptyCache();
    expect(torch.memoryStats().cpu.cachedBytes).toBe(0);
  });
});

describe.skipIf(!available)(`the convolution entries on the CPU${available ? '' : ` (skipped: ${why})`}`, () => {
  const x = torch.randn(1, 4, 1, 5, 5);
  const w = torch.randn(6, 2, 1, 3, 3);
  const tail = [1, 1, 1, 0, 1, 1, 1, 1, 1, 2, false, false, false] as const;
  it('compute what F.conv2d computes by im2col', () => {
    const y = fromHandleOut(call.convolution(fresh(x.dtype, [1, 6, 1, 5, 5]), x, w, null, ...tail), [1, 6, 1, 5, 5]);
    torch.backends.mkldnn.enabled = false;
    const expected = F.conv2d(x.squeeze(2), w.squeeze(2), null, { padding: 1, groups: 2 }).unsqueeze(2);
    expectClose(y, expected, { atol: 1e-5, rtol: 1e-5 });
  });
  it('refuse other dtypes and non-contiguous tensors with an Error, before oneDNN sees them', () => {
    expect(() => call.convolution(fresh(torch.float64, [1, 6, 1, 5, 5]), x.double(), w.double(), null, ...tail)).toThrow(
      /convolution: oneDNN convolves contiguous float32 tensors on the CPU, got float64/,
    );
    const strided = torch.randn(1, 5, 1, 5, 4).permute(0, 4, 2, 3, 1);
    expect(() => call.convolution(fresh(x.dtype, [1, 6, 1, 5, 5]), strided, w, null, ...tail)).toThrow(/convolution: input must be contiguous/);
    expect(() => call.convolutionBackwardWeight(fresh(torch.float16, [6, 2, 1, 3, 3]), torch.zeros(1, 6, 1, 5, 5).half(), x.half(), ...tail)).toThrow(
      /convolutionBackwardWeight: oneDNN convolves contiguous float32 tensors on the CPU, got float16/,
    );
  });
});

/** A native entry's result handle as a float32 CPU tensor. */
function fromHandleOut(handle: Parameters<typeof fromHandle>[0], shape: number[]): Tensor {
  return fromHandle(handle, shape, torch.float32, torch.device('cpu'));
}

describe.skipIf(!available)(`oneDNN in worker_threads${available ? '' : ` (skipped: ${why})`}`, () => {
  it('each worker convolves on its own engine and plans, concurrently, with the main thread\'s values', async () => {
    const seeds = [1, 2, 3];
    const results = await Promise.all(
      seeds.map(
        (seed) =>
          new Promise<{ values: number[]; onednn: boolean }>((resolve, reject) => {
            const worker = new Worker(new URL('./helpers/conv-worker-entry.mjs', import.meta.url), { workerData: { seed, rounds: 20 } });
            worker.once('message', (m) => {
              void worker.terminate();
              resolve(m);
            });
            worker.once('error', reject);
          }),
      ),
    );
    for (const [i, seed] of seeds.entries()) {
      expect(results[i].onednn).toBe(true);
      torch.manualSeed(seed);
      const x = torch.randn(2, 8, 20, 20, { requiresGrad: true });
      const w = torch.randn(16, 8, 3, 3, { requiresGrad: true });
      const y = F.conv2d(x, w, null, { padding: 1, stride: 2 });
      y.square().sum().backward();
      const expected = [y.sum().item(), x.grad!.abs().sum().item(), w.grad!.abs().sum().item()] as number[];
      results[i].values.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-4 * Math.abs(expected[k]) + 1e-3));
    }
  });
});

describe('onednn_api.h against oneDNN 2\'s headers', () => {
  const header = '/usr/include/oneapi/dnnl/dnnl.h';
  it.skipIf(!existsSync(header))(`compiles native/cpu/abi-check/onednn_abi_check.cc${existsSync(header) ? '' : ' (skipped: libdnnl-dev is not installed)'}`, () => {
    const result = spawnSync('g++', ['-std=c++17', '-fsyntax-only', 'native/cpu/abi-check/onednn_abi_check.cc'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
