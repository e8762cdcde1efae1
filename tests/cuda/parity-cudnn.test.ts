/**
 * Convolution through cuDNN on a real GPU: the same calls with cuDNN and with flint's own
 * kernels (`torch.backends.cudnn.enabled = false`) agree in values and every gradient,
 * over 1-D to 3-D, strides, padding, dilation, groups, depthwise and the transposed forms;
 * float16 and bfloat16 go through cuDNN as they are and match the CPU's float32 within
 * their precision; `benchmark` and `deterministic` give the same numbers. parity-conv
 * compares the default (cuDNN) path with the CPU as well.
 *
 * These need cuDNN itself, so they skip (with a NOTICE) where it cannot be loaded, and in
 * the CPU self-test mode; FLINT_REQUIRE_CUDNN=1 (scripts/gpu-check.sh) makes its absence fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { nn } from 'flint-torch';
import { SELF_TEST, cudaGate, expectMatch, mulberry32, randomTensor, TOL_F64, type Tol } from './helpers.js';

const F = nn.functional;
const run = cudaGate(torch.cuda.isAvailable());
const REQUIRE_CUDNN = process.env.FLINT_REQUIRE_CUDNN === '1';
const hasCudnn = run && !SELF_TEST && torch.backends.cudnn.isAvailable();
if (run && !SELF_TEST && !hasCudnn) console.warn('NOTICE: cuDNN tests skipped: cuDNN could not be loaded (set FLINT_CUDNN to libcudnn.so.9)');

describe.runIf(REQUIRE_CUDNN)('FLINT_REQUIRE_CUDNN', () => {
  it('cuDNN 9 loads on the GPU', () => {
    expect(torch.backends.cudnn.version()).toBeGreaterThanOrEqual(90000);
  });
});

type Case = [label: string, shapes: number[][], fn: (...xs: Tensor[]) => Tensor];

/** Output and the gradient of every input, on the device, for one setting of the flags. */
function withGrad(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Tensor[] {
  const leaves = inputs.map((x) => x.detach().requiresGrad_());
  const out = fn(...leaves);
  out.mul(out).sum().backward();
  return [out.detach(), ...leaves.map((l) => l.grad!)];
}

const CASES: Case[] = [
  ['conv1d stride 2 padding 1', [[2, 3, 9], [4, 3, 3], [4]], (x, w, b) => F.conv1d(x, w, b, 2, 1)],
  ['conv1d same', [[1, 2, 6], [3, 2, 4]], (x, w) => F.conv1d(x, w, null, 1, 'same')],
  ['conv2d stride, padding and dilation', [[2, 3, 7, 6], [4, 3, 3, 2], [4]], (x, w, b) => F.conv2d(x, w, b, [2, 1], [1, 2], [1, 2])],
  ['conv2d groups', [[2, 4, 5, 5], [6, 2, 3, 3], [6]], (x, w, b) => F.conv2d(x, w, b, 1, 1, 1, 2)],
  ['conv2d depthwise', [[2, 3, 6, 6], [6, 1, 3, 3], [6]], (x, w, b) => F.conv2d(x, w, b, 2, 1, 1, 3)],
  ['conv2d pointwise', [[2, 5, 4, 3], [3, 5, 1, 1], [3]], (x, w, b) => F.conv2d(x, w, b)],
  ['conv2d kernel larger than the input', [[1, 2, 2, 3], [3, 2, 4, 4], [3]], (x, w, b) => F.conv2d(x, w, b, 1, 2)],
  ['conv2d 64 channels', [[4, 64, 14, 14], [32, 64, 3, 3], [32]], (x, w, b) => F.conv2d(x, w, b, 1, 1)],
  ['conv3d', [[1, 2, 4, 5, 4], [3, 2, 2, 3, 2], [3]], (x, w, b) => F.conv3d(x, w, b, [1, 2, 1], [1, 0, 1])],
  ['convTranspose1d', [[2, 3, 5], [3, 2, 3], [2]], (x, w, b) => F.convTranspose1d(x, w, b, 2, 1, 1)],
  ['convTranspose2d groups, outputPadding, dilation', [[1, 4, 3, 4], [4, 3, 4, 3], [6]], (x, w, b) => F.convTranspose2d(x, w, b, [2, 3], [1, 0], [1, 2], 2)],
  ['convTranspose2d outputPadding >= stride', [[1, 2, 3, 3], [2, 2, 3, 3]], (x, w) => F.convTranspose2d(x, w, null, 2, 0, 2, 1, 3)],
  ['convTranspose3d', [[1, 2, 2, 3, 2], [2, 2, 2, 2, 3], [2]], (x, w, b) => F.convTranspose3d(x, w, b, 2, [0, 1, 1])],
];

describe.skipIf(!hasCudnn)('cuDNN convolution on the GPU', () => {
  beforeAll(() => {
    torch.backends.cudnn.allowTF32 = false;
  });
  afterAll(() => {
    torch.backends.cudnn.allowTF32 = true;
    torch.backends.cudnn.enabled = true;
    torch.backends.cudnn.benchmark = false;
    torch.backends.cudnn.deterministic = false;
  });
  const rng = mulberry32(23);

  /** The case with cuDNN and without, on the GPU, compared output by output. */
  // `tol.atol` is relative to each output's largest magnitude when `scaled`.
  function compareWithOwnKernels(label: string, inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor, tol: Tol, scaled = false) {
    torch.tidy(() => {
      torch.backends.cudnn.enabled = true;
      const viaCudnn = withGrad(fn, inputs);
      torch.backends.cudnn.enabled = false;
      const own = withGrad(fn, inputs);
      torch.backends.cudnn.enabled = true;
      own.forEach((expected, i) => {
        const scale = scaled ? Math.max(1, expected.abs().max().item() as number) : 1;
        expectMatch(viaCudnn[i], expected.cpu(), { rtol: tol.rtol, atol: tol.atol * scale }, `${label} (${i === 0 ? 'output' : `grad ${i - 1}`})`);
      });
    });
  }

  it('float64: cuDNN and flint\'s kernels agree on outputs and every gradient', () => {
    for (const [label, shapes, fn] of CASES) {
      const inputs = shapes.map((s) => randomTensor(rng, s, torch.float64).cuda());
      compareWithOwnKernels(label, inputs, fn, TOL_F64);
    }
  });

  it('float32 with TF32 off agrees within float32 rounding', () => {
    for (const [label, shapes, fn] of CASES) {
      const inputs = shapes.map((s) => randomTensor(rng, s, torch.float32).cuda());
      // cuDNN's Winograd and FFT algorithms round differently from a direct sum: on an H200
      // the 64-channel input gradient (terms near 300, results from 0.02 to 20) differed by
      // up to 2.8e-3, about 1e-5 of the terms: errors scale with the largest values.
      compareWithOwnKernels(label, inputs, fn, { rtol: 1e-3, atol: 1e-4 }, true);
    }
  });

  it('float16 and bfloat16 run in their own dtype and match the CPU in float32 within their precision', () => {
    for (const [dtype, tol] of [[torch.float16, { rtol: 1e-2, atol: 1e-2 }], [torch.bfloat16, { rtol: 5e-2, atol: 5e-2 }]] as const) {
      for (const [label, shapes, fn] of CASES.slice(0, 8)) {
        torch.tidy(() => {
          // Values on the dtype's grid, so that both sides start from the same numbers.
          const inputs = shapes.map((s) => randomTensor(rng, s, torch.float32).to(dtype).float());
          const expected = withGrad(fn, inputs);
          const actual = withGrad(fn, inputs.map((x) => x.to('cuda', dtype)));
          expect(actual[0].dtype).toBe(dtype);
          // Gradients of sum(out²) grow with the output: compare relative to their scale.
          actual.forEach((a, i) => {
            const scale = Math.max(1, expected[i].abs().max().item() as number);
            expectMatch(a.float().cpu().div(scale), expected[i].div(scale), tol, `${label} ${dtype.name} (${i === 0 ? 'output' : `grad ${i - 1}`})`);
          });
        });
      }
    }
  });

  it('benchmark and deterministic choose other algorithms but give the same numbers', () => {
    const [label, shapes, fn] = CASES[7];
    const inputs = shapes.map((s) => randomTensor(rng, s, torch.float64).cuda());
    const plain = withGrad(fn, inputs).map((t) => t.cpu());
    for (const flags of [{ benchmark: true, deterministic: false }, { benchmark: false, deterministic: true }, { benchmark: true, deterministic: true }]) {
      Object.assign(torch.backends.cudnn, flags);
      const again = withGrad(fn, inputs);
      // Another algorithm sums in another order: float64 rounding relative to the largest value.
      again.forEach((t, i) => {
        const scale = Math.max(1, plain[i].abs().max().item() as number);
        expectMatch(t, plain[i], { rtol: 1e-10, atol: 1e-12 * scale }, `${label} ${JSON.stringify(flags)}`);
      });
    }
    torch.backends.cudnn.benchmark = false;
    torch.backends.cudnn.deterministic = false;
    // Deterministic algorithms give the same bits twice.
    torch.backends.cudnn.deterministic = true;
    const first = withGrad(fn, inputs).map((t) => t.cpu());
    const second = withGrad(fn, inputs).map((t) => t.cpu());
    first.forEach((t, i) => expect(torch.equal(t, second[i])).toBe(true));
    torch.backends.cudnn.deterministic = false;
  });

  it('empty batches and non-contiguous inputs convolve as on the CPU', () => {
    const w = randomTensor(rng, [4, 3, 3, 3], torch.float64);
    const empty = torch.zeros([0, 3, 5, 5], { dtype: torch.float64 });
    const out = F.conv2d(empty.cuda(), w.cuda(), null, 1, 1);
    expect(out.shape).toEqual([0, 4, 5, 5]);
    const x = randomTensor(rng, [2, 5, 5, 3], torch.float64).permute(0, 3, 1, 2);
    expectMatch(F.conv2d(x.cuda(), w.cuda(), null, 1, 1), F.conv2d(x, w, null, 1, 1), TOL_F64, 'permuted input');
  });

  it('a Conv2d module trains the same with cuDNN and without', () => {
    const make = () => {
      torch.manualSeed(5);
      return new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(8, 4, 3, { stride: 2 })).to(torch.float64).to('cuda');
    };
    const x = randomTensor(rng, [4, 3, 12, 12], torch.float64).cuda();
    const losses: number[][] = [];
    for (const enabled of [true, false]) {
      torch.backends.cudnn.enabled = enabled;
      const net = make();
      const opt = new torch.optim.SGD(net.parameters(), { lr: 0.01 });
      const run: number[] = [];
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        const loss = (net.forward(x) as Tensor).pow(2).mean();
        loss.backward();
        opt.step();
        run.push(loss.item() as number);
      }
      losses.push(run);
    }
    torch.backends.cudnn.enabled = true;
    losses[0].forEach((l, i) => expect(l).toBeCloseTo(losses[1][i], 10));
  });
});
