/**
 * Complex tensors and torch.fft against PyTorch 1.13 (scripts/make_complex_fft_fixtures.py):
 * each op's value and grad_fn, and its gradients for a real loss Σ(re·wr + im·wi), which
 * PyTorch's convention makes ∂L/∂re + i·∂L/∂im; complex reprs; type promotion; fftfreq and
 * the shifts; the errors' messages. Float64 gradients are also checked by finite
 * differences through the real parts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';

type S = FixtureTensor;
interface OpCase {
  label: string;
  fn: string;
  inputs: (S | number)[];
  kwargs: Record<string, unknown>;
  out: S;
  gradFn: string | null;
  weights?: S[];
  grads?: (S | null)[];
}
const FIX: {
  ops: OpCase[];
  freqs: Record<string, S>;
  reprs: { value: S; requiresGrad: boolean; repr: string }[];
  promotion: Record<string, string>;
  errors: Record<string, { type: string; message: string }>;
} = JSON.parse(readFileSync(new URL('./fixtures/complex-fft.json', import.meta.url), 'utf8'));

type Fn = (...args: unknown[]) => Tensor;
const CALLS: Record<string, Fn> = {
  view_as_real: torch.viewAsReal as Fn,
  view_as_complex: torch.viewAsComplex as Fn,
  conj_physical: torch.conjPhysical as Fn,
  'Tensor.to': ((x: Tensor, kw: { dtype: string }) => x.to(kw.dtype as never)) as Fn,
};

/** Calls the fixture's function with flint's argument conventions (keywords as a last options object). */
function run(c: OpCase, inputs: (Tensor | number)[]): Tensor {
  const kw = c.kwargs;
  if (c.fn.startsWith('fft.')) {
    const f = (torch.fft as unknown as Record<string, Fn>)[c.fn.slice(4)]!;
    if (c.fn.endsWith('shift')) return f(inputs[0], kw.dim);
    return Object.keys(kw).length === 0 ? f(...inputs) : f(...inputs, kw);
  }
  if (c.fn === 'Tensor.to') return CALLS[c.fn]!(inputs[0], kw);
  const f = CALLS[c.fn] ?? (torch as unknown as Record<string, Fn>)[c.fn]!;
  if (c.fn === 'sum' || c.fn === 'mean') return kw.dim === undefined ? f(inputs[0]) : f(inputs[0], kw.dim, kw.keepdim ?? false);
  return f(...inputs);
}

function lossOf(out: Tensor, weights: Tensor[]): Tensor {
  if (out.dtype.isComplex) return torch.real(out).mul(weights[0]!).add(torch.imag(out).mul(weights[1]!)).sum();
  return out.mul(weights[0]!).sum();
}

describe('complex tensors and torch.fft against PyTorch 1.13', () => {
  for (const c of FIX.ops) {
    it(`${c.label} (${c.fn})`, () => {
      const wantsGrad = c.grads !== undefined;
      const inputs = c.inputs.map((x) => (typeof x === 'number' ? x : fromFixture(x, { requiresGrad: wantsGrad && (x.dtype.startsWith('float') || x.dtype.startsWith('complex')) })));
      const out = run(c, inputs);
      const single = c.out.dtype === 'complex64' || c.out.dtype === 'float32';
      const tol = single ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-9, atol: 1e-10 };
      expectClose(out, c.out, tol);
      if (c.gradFn !== null && wantsGrad) expect(out.gradFn?.name).toBe(c.gradFn);
      if (!wantsGrad) return;
      lossOf(out, c.weights!.map((w) => fromFixture(w))).backward();
      c.grads!.forEach((g, i) => {
        if (g === null) return;
        const x = inputs[i] as Tensor;
        expect(x.grad, `grad ${i}`).not.toBeNull();
        expectClose(x.grad!, g, { ...tol, label: `grad ${i}` });
      });
    });
  }

  it('prints complex tensors as PyTorch does', () => {
    for (const r of FIX.reprs) {
      const z = fromFixture(r.value);
      if (r.requiresGrad) z.requiresGrad_();
      expect(String(z)).toBe(r.repr);
    }
  });

  it('promotes types as PyTorch does', () => {
    const P = FIX.promotion;
    expect(String(torch.promoteTypes(torch.complex64, torch.float64))).toBe(P.c64_f64);
    expect(String(torch.promoteTypes(torch.complex64, torch.int64))).toBe(P.c64_i64);
    expect(String(torch.promoteTypes(torch.complex128, torch.float32))).toBe(P.c128_f32);
    const c0 = torch.ones([], { dtype: torch.complex64 });
    expect(String(torch.ones(2, { dtype: torch.float64 }).add(c0).dtype)).toBe(P.f64_tensor_plus_c64_scalar);
    expect(String(torch.ones(2, { dtype: torch.int64 }).add(c0).dtype)).toBe(P.i64_tensor_plus_c64_scalar);
  });

  it('gives fftfreq and rfftfreq as PyTorch does', () => {
    expectClose(torch.fft.fftfreq(5), FIX.freqs.fftfreq5!, { rtol: 0, atol: 0 });
    expectClose(torch.fft.fftfreq(4, 0.1), FIX.freqs.fftfreq4_d!, { rtol: 0, atol: 0 });
    expectClose(torch.fft.rfftfreq(7, 2.0), FIX.freqs.rfftfreq7!, { rtol: 0, atol: 0 });
    expectClose(torch.fft.fftfreq(6, { dtype: torch.float64 }), FIX.freqs.fftfreq6_f64!, { rtol: 0, atol: 0 });
  });

  it("raises PyTorch's errors", () => {
    const E = FIX.errors;
    const m = (k: string) => E[k]!.message;
    expect(() => torch.viewAsReal(torch.ones(2))).toThrow(m('view_as_real_real'));
    expect(() => torch.viewAsComplex(torch.ones(2, 3))).toThrow(m('view_as_complex_last'));
    expect(() => torch.viewAsComplex(torch.ones(2, 2).t())).toThrow(m('view_as_complex_stride'));
    expect(() => torch.viewAsComplex(torch.ones([2, 2], { dtype: torch.int64 }))).toThrow(m('view_as_complex_long'));
    expect(() => torch.complex(torch.ones(2), torch.ones(2, { dtype: torch.float64 }))).toThrow(m('complex_dtypes'));
    expect(() => torch.fft.fft(torch.tensor(1.5))).toThrow(m('fft_0d'));
    expect(() => torch.fft.fft(torch.ones(4), 0)).toThrow(m('fft_n0'));
    expect(() => torch.fft.fft(torch.ones(4), { norm: 'xyz' as never })).toThrow(m('fft_norm'));
    expect(() => torch.fft.rfft(torch.ones(4, { dtype: torch.complex64 }))).toThrow(m('rfft_complex'));
    expect(() => torch.fft.rfftn(torch.ones(4, { dtype: torch.complex64 }))).toThrow(m('rfftn_complex'));
    expect(() => torch.fft.fftn(torch.ones(4, 4), { dim: [0, 0] })).toThrow(m('fftn_dup'));
    expect(() => torch.fft.fftn(torch.ones(4, 4), { s: [2], dim: [0, 1] })).toThrow(m('fftn_len'));
    expect(() => torch.fft.fftn(torch.ones(4), { s: [2, 2] })).toThrow(m('fftn_too_many'));
    expect(() => torch.fft.fft(torch.ones(4), { dim: 1 })).toThrow(m('fft_dim'));
    expect(() => torch.fft.irfft(torch.ones(1, { dtype: torch.complex64 }))).toThrow(m('irfft_n'));
    expect(() => torch.ones(2, { dtype: torch.int64 }).requiresGrad_()).toThrow(m('require_grad_int'));
  });
});

describe('complex gradients by finite differences (float64)', () => {
  // L(re, im) = Σ re(f(z))·wr + im(f(z))·wi, perturbing each part of each element of z.
  const cases: [string, (z: Tensor) => Tensor][] = [
    ['mul by itself', (z) => z.mul(z)],
    ['div', (z) => z.div(z.add(2))],
    ['exp', (z) => z.exp()],
    ['abs', (z) => z.abs()],
    ['angle', (z) => z.angle()],
    ['fft', (z) => torch.fft.fft(z)],
    ['ifft2', (z) => torch.fft.ifft2(z, { norm: 'ortho' })],
    ['irfft', (z) => torch.fft.irfft(z, 7)],
    ['hfft', (z) => torch.fft.hfft(z)],
  ];
  for (const [label, f] of cases) {
    it(label, () => {
      torch.manualSeed(3);
      const re = torch.randn([2, 4], { dtype: torch.float64 });
      const im = torch.randn([2, 4], { dtype: torch.float64 });
      const z = torch.complex(re, im).requiresGrad_();
      const out = f(z);
      const wr = torch.randn(out.shape, { dtype: torch.float64 });
      const wi = out.dtype.isComplex ? torch.randn(out.shape, { dtype: torch.float64 }) : null;
      const loss = (t: Tensor): number => {
        const o = torch.noGrad(() => f(t));
        return (o.dtype.isComplex ? torch.real(o).mul(wr).add(torch.imag(o).mul(wi!)) : o.mul(wr)).sum().item();
      };
      const l = out.dtype.isComplex ? torch.real(out).mul(wr).add(torch.imag(out).mul(wi!)).sum() : out.mul(wr).sum();
      l.backward();
      const grad = torch.viewAsReal(z.grad!).reshape(-1).tolist() as number[];
      const pairs = torch.viewAsReal(z.detach()).reshape(-1);
      const eps = 1e-6;
      for (let i = 0; i < pairs.shape[0]; i++) {
        const bump = (d: number) => {
          const p = pairs.clone();
          const v = p.reshape(-1);
          v.select(0, i).add_(d);
          return loss(torch.viewAsComplex(p.reshape(2, 4, 2)));
        };
        const numeric = (bump(eps) - bump(-eps)) / (2 * eps);
        expect(Math.abs(numeric - grad[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      }
    });
  }
});

describe('torch.stft and torch.istft against PyTorch 1.13', () => {
  const SPECTRA = (FIX as unknown as {
    spectra: { label: string; fn: 'stft' | 'istft'; input: S; nFft: number; window: S | null; options: Record<string, unknown>; out: S; weights: S[]; grad: S }[];
  }).spectra;
  for (const c of SPECTRA) {
    it(c.label, () => {
      const x = fromFixture(c.input, { requiresGrad: true });
      const options = { ...c.options, window: c.window === null ? null : fromFixture(c.window) };
      const out = c.fn === 'stft' ? torch.stft(x, c.nFft, options) : torch.istft(x, c.nFft, options);
      expectClose(out, c.out, { rtol: 1e-9, atol: 1e-10 });
      lossOf(out, c.weights.map((w) => fromFixture(w))).backward();
      expectClose(x.grad!, c.grad, { rtol: 1e-9, atol: 1e-10, label: 'grad' });
    });
  }
  it('round-trips a signal through stft and istft', () => {
    torch.manualSeed(0);
    const signal = torch.randn(2, 300);
    const window = torch.hannWindow(64);
    const spec = signal.stft(64, { hopLength: 16, window, returnComplex: true });
    expect(spec.shape).toEqual([2, 33, 19]);
    expectClose(spec.istft(64, { hopLength: 16, window, length: 300 }), signal, { rtol: 1e-4, atol: 1e-5 });
  });
  it("raises PyTorch's errors", () => {
    // PyTorch prefixes each with a printout of the call; flint's message is the text after it.
    const tail = (k: string) => FIX.errors[k]!.message.replace(/^[\s\S]*?\) :? ?/, '').split('\n')[0]!;
    expect(() => torch.stft(torch.ones(8), 20, { center: false, returnComplex: true })).toThrow(tail('stft_nfft'));
    expect(() => torch.stft(torch.ones(40), 16, { window: torch.ones(10), returnComplex: true })).toThrow(tail('stft_window'));
    expect(() => torch.stft(torch.ones(2, 2, 40), 16, { returnComplex: true })).toThrow(tail('stft_3d'));
    expect(() => torch.istft(torch.ones([5, 4], { dtype: torch.complex64 }), 16)).toThrow(tail('istft_freq'));
    expect(() => torch.istft(torch.ones([9, 4], { dtype: torch.complex64 }), 16, { hopLength: 4, window: torch.zeros(16) })).toThrow(tail('istft_envelope'));
  });
});

describe('complex tensors through the kernels, the random streams and checkpoints', () => {
  const X = FIX as unknown as { checkpoint: Record<string, S>; randoms: Record<string, S>; kernels: Record<string, S> & { lt: { message: string } } };
  it('draws uniform and normal complex values from PyTorch\'s stream', () => {
    torch.manualSeed(0);
    expectClose(torch.randn(5, { dtype: torch.complex64 }), X.randoms.randn!, { rtol: 1e-6, atol: 1e-6 });
    expectClose(torch.rand([2, 2], { dtype: torch.complex128 }), X.randoms.rand!, { rtol: 1e-12, atol: 1e-12 });
    expectClose(torch.empty(3, { dtype: torch.complex128 }).normal_(1, 2), X.randoms.normal_!, { rtol: 1e-12, atol: 1e-12 });
  });
  it('compares, selects and moves complex elements', () => {
    const K = X.kernels;
    const a = fromFixture(K.a!);
    const b = fromFixture(K.b!);
    expectClose(a.eq(b), K.eq!);
    expectClose(a.ne(b), K.ne!);
    expectClose(a.eq(1), K.eq_scalar!);
    expectClose(torch.isclose(a, a.add(1e-7)), K.isclose!);
    expectClose(torch.where(torch.tensor([true, false, true]), a, b), K.where!, { rtol: 0, atol: 0 });
    expectClose(a.indexSelect(0, torch.tensor([2, 0, 2])), K.index_select!, { rtol: 0, atol: 0 });
    expectClose(a.flip(0), K.flip!, { rtol: 0, atol: 0 });
    expectClose(a.roll(1), K.roll!, { rtol: 0, atol: 0 });
    expectClose(torch.cat([a, b]), K.cat!, { rtol: 0, atol: 0 });
    expectClose(torch.stack([a, b], 1), K.stack!, { rtol: 0, atol: 0 });
    expectClose(torch.gather(a, 0, torch.tensor([1, 1, 0])), K.gather!, { rtol: 0, atol: 0 });
    expect(() => a.lt(b)).toThrow(K.lt.message);
  });
  it('creates complex tensors from JS values and sends them between threads', () => {
    const K = X.kernels;
    expectClose(torch.tensor([1, 2.5], { dtype: torch.complex64 }), K.from_list!, { rtol: 0, atol: 0 });
    expect(() => torch.arange(3, { dtype: torch.complex64 })).toThrow((K.arange as unknown as { message: string }).message);
    expectClose(torch.full([2], 3, { dtype: torch.complex128 }), K.full!, { rtol: 0, atol: 0 });
    const a = fromFixture(K.a!);
    expectClose(torch.fromTransfer(a.transfer()), K.a!, { rtol: 0, atol: 0 });
    expect(Array.from(a.dataSync() as Float32Array)).toEqual(K.a!.data);
  });
  it('tests complex values for NaN and infinities on both parts', () => {
    const K = X.kernels;
    const z = fromFixture(K.nan_input!);
    expectClose(z.isnan(), K.isnan!);
    expectClose(z.isinf(), K.isinf!);
    expectClose(z.isfinite(), K.isfinite!);
    expect(() => torch.fft.rfft(torch.zeros(0))).toThrow((K.rfft_empty as unknown as { message: string }).message);
  });
  it('differentiates polar at a zero and a negative modulus as PyTorch does', () => {
    const K = X.kernels;
    const abs = fromFixture(K.polar_abs!, { requiresGrad: true });
    const angle = fromFixture(K.polar_angle!, { requiresGrad: true });
    const z = torch.polar(abs, angle);
    const wr = torch.tensor([1, 2, 3], { dtype: torch.float64 });
    const wi = torch.tensor([-1, 0.5, 2], { dtype: torch.float64 });
    torch.real(z).mul(wr).add(torch.imag(z).mul(wi)).sum().backward();
    expectClose(abs.grad!, K.polar_grad_abs!);
    expectClose(angle.grad!, K.polar_grad_angle!);
  });
  it('pads reflect and replicate along one dim of several (the edges gathered around the input)', () => {
    const K = X.kernels;
    const F = torch.nn.functional;
    const x = torch.arange(24).reshape(1, 2, 3, 4).float();
    expectClose(F.pad(x, [1, 2, 0, 0], 'reflect'), K.pad_reflect_w!, { rtol: 0, atol: 0 });
    expectClose(F.pad(x, [0, 0, 2, 1], 'replicate'), K.pad_replicate_h!, { rtol: 0, atol: 0 });
    const same = F.pad(x, [0, 0, 0, 0], 'reflect');
    expect(same).not.toBe(x);
    expectClose(same, K.pad_reflect_zero!, { rtol: 0, atol: 0 });
  });
  it('refuses in-place ops on the real views of a complex tensor that requires grad', () => {
    const z = torch.complex(torch.ones(2), torch.ones(2)).requiresGrad_().mul(2);
    expect(() => z.real.mul_(2)).toThrow('in-place operations on the real or complex view of a tensor that requires grad are not supported yet');
  });
  it('computes in place, with gradients through the in-place ops', () => {
    const K = X.kernels;
    const a = fromFixture(K.a!);
    const w = a.clone();
    w.add_(fromFixture(K.b!));
    w.mul_(a);
    w.div_(2);
    w.sub_(1);
    expectClose(w, K.inplace!);
    const leaf = a.to(torch.complex128).detach().requiresGrad_();
    const y = leaf.mul(2);
    y.mul_(leaf);
    y.add_(1);
    y.abs().sum().backward();
    expectClose(leaf.grad!, K.inplace_grad!);
  });
  it('refuses the ops it has no complex form of, with a clear error', () => {
    const z = torch.ones(2, { dtype: torch.complex64 });
    expect(() => z.erf()).toThrow('not implemented for complex tensors');
    expect(() => z.sum().item()).toThrow('JS has no complex number type');
  });
  it('loads a PyTorch checkpoint of complex tensors, and saves one that loads back', () => {
    const path = new URL('./fixtures/complex.pt', import.meta.url).pathname;
    const loaded = torch.loadSync(path) as Record<string, Tensor>;
    for (const key of ['z', 'w', 'r']) expectClose(loaded[key]!, X.checkpoint[key]!, { rtol: 0, atol: 0, label: key });
    const out = `${process.env.TMPDIR ?? '/tmp'}/flint-complex-${process.pid}.pt`;
    torch.saveSync({ z: loaded.z, w: loaded.w }, out);
    const again = torch.loadSync(out) as Record<string, Tensor>;
    expectClose(again.z!, X.checkpoint.z!, { rtol: 0, atol: 0 });
    expectClose(again.w!, X.checkpoint.w!, { rtol: 0, atol: 0 });
  });
});
