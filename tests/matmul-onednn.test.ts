/**
 * Float32 products through oneDNN's brgemm (native/cpu/onednn_gemm.cc), which CpuBackend's
 * gemm picks for large products where the CPU has AVX-512 and OpenBLAS keeps otherwise:
 * every layout the product can take (transposed operands, strided rows, a bias, row counts
 * that are not whole blocks, 1 to 3 threads) against the float64 product, repeatable bit
 * for bit; oneDNN's own log says which products it ran; FLINT_ONEDNN_MATMUL=0 gives
 * OpenBLAS's results, which agree.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const root = new URL('..', import.meta.url).pathname;
const available = torch.backends.mkldnn.isAvailable();
const why = 'oneDNN (libdnnl.so.2, Debian package libdnnl2) is not installed: every product runs on OpenBLAS';
const F = torch.nn.functional;

// name -> [operand shapes, product]. Each is at least 2^18 multiply-adds, where gemm asks oneDNN.
const r = (...shape: number[]) => torch.rand(shape).sub(0.5);
const PRODUCTS: Record<string, [() => Tensor[], (t: Tensor[]) => Tensor]> = {
  'Linear with a bias (B transposed)': [() => [r(1024, 256), r(768, 256), r(768)], ([x, w, b]) => F.linear(x, w, b)],
  'Linear without a bias, 1000 rows': [() => [r(1000, 256), r(300, 256)], ([x, w]) => F.linear(x, w)],
  'plain product, 37 rows': [() => [r(37, 512), r(512, 384)], ([a, b]) => torch.mm(a, b)],
  'A transposed (a weight gradient)': [() => [r(128, 300), r(128, 200)], ([g, x]) => torch.mm(g.t(), x)],
  'both transposed': [() => [r(300, 200), r(150, 300)], ([a, b]) => torch.mm(a.t(), b.t())],
  'strided rows of A and B': [
    () => [r(400, 320), r(320, 300)],
    ([a, b]) => torch.mm(a.narrow(1, 10, 256), b.narrow(0, 0, 256).narrow(1, 5, 200)),
  ],
  'addmm with beta 1 and a row bias': [() => [r(256), r(512, 128), r(128, 256)], ([c, a, b]) => torch.addmm(c, a, b)],
  'addmm with beta and alpha (OpenBLAS)': [
    () => [r(256), r(512, 128), r(128, 256)],
    ([c, a, b]) => torch.addmm(c, a, b, { beta: 0.5, alpha: 2 }),
  ],
  'addmm with a full [m, n] input (OpenBLAS)': [() => [r(512, 256), r(512, 128), r(128, 256)], ([c, a, b]) => torch.addmm(c, a, b)],
};

describe(`large float32 products against float64, with oneDNN where it runs${available ? '' : ` (${why})`}`, () => {
  const threads = torch.getNumThreads();
  for (const [name, [operands, op]] of Object.entries(PRODUCTS)) {
    it(name, () => {
      torch.manualSeed(11);
      const inputs = operands();
      const reference = op(inputs.map((t) => t.double()));
      try {
        for (const count of [1, 2, 3]) {
          torch.setNumThreads(count);
          // A block of the output's size held NaN a moment ago: a row never written shows.
          torch.full(reference.shape, Number.NaN).dispose();
          const result = op(inputs);
          expect(result.dtype).toBe(torch.float32);
          const error = result.double().sub(reference).abs().max().item() as number;
          // Operands in [-0.5, 0.5), K <= 512: float32 rounding stays far below 1e-4 (a NaN fails).
          expect(error, `${count} threads`).toBeLessThan(1e-4);
          expect(torch.equal(op(inputs), result), `${count} threads, again`).toBe(true);
        }
      } finally {
        torch.setNumThreads(threads);
      }
    });
  }
});

describe.skipIf(!available)(`which products oneDNN ran${available ? '' : ` (skipped: ${why})`}`, () => {
  const script = `
    import * as torch from ${JSON.stringify(`${root}src/index.ts`)};
    const F = torch.nn.functional;
    torch.manualSeed(3);
    const x = torch.rand([1024, 256]), w = torch.rand([768, 256]), b = torch.rand([768]);
    const big = F.linear(x, w, b);
    const scaled = torch.addmm(b, x, w.t(), { beta: 0.5 });
    const small = F.linear(torch.rand([4, 20]), torch.rand([10, 20]));
    console.log(JSON.stringify({ big: Array.from(big.flatten().narrow(0, 0, 64).tolist()), sum: big.sum().item(), scaled: scaled.sum().item() }));`;
  const run = (env: Record<string, string>) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, FLINT_NUM_THREADS: '2', ...env }, timeout: 120_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout.trim().split('\n');
    return { log: lines.filter((l) => l.startsWith('onednn_verbose')), result: JSON.parse(lines.pop()!) as { big: number[]; sum: number; scaled: number } };
  };

  it('the Linear ran as oneDNN brgemm matmuls with the bias fused where the CPU has AVX-512, else none ran', () => {
    const { log } = run({ ONEDNN_VERBOSE: '1' });
    const isa = log.find((l) => l.includes(',isa:')) ?? '';
    const matmuls = log.filter((l) => l.startsWith('onednn_verbose,exec,cpu,matmul,'));
    if (/AVX-512/.test(isa)) {
      // Two threads: two blocks of 512 rows, each [512, 256] x [256, 768] with the bias; the
      // scaled addmm (beta 0.5) and the 4-row product stay with flint's own kernels.
      expect(matmuls).toHaveLength(2);
      for (const line of matmuls) {
        expect(line).toContain(',brg:');
        expect(line).toContain('bia_f32');
        expect(line).toContain('512x256:256x768:512x768');
      }
    } else {
      expect(matmuls).toHaveLength(0);
    }
  });

  it('FLINT_ONEDNN_MATMUL=0 leaves every product to OpenBLAS, with results that agree', () => {
    const on = run({ ONEDNN_VERBOSE: '1' });
    const off = run({ ONEDNN_VERBOSE: '1', FLINT_ONEDNN_MATMUL: '0' });
    expect(off.log.filter((l) => l.includes(',matmul,'))).toHaveLength(0);
    for (let i = 0; i < on.result.big.length; i++) expect(off.result.big[i]).toBeCloseTo(on.result.big[i], 3);
    expect(Math.abs(off.result.sum - on.result.sum) / Math.abs(on.result.sum)).toBeLessThan(1e-5);
    expect(off.result.scaled).toBe(on.result.scaled);
  });
});
