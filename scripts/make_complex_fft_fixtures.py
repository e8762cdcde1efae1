"""Writes tests/fixtures/complex-fft.json with PyTorch 1.13: complex arithmetic (values and
gradients), complex reprs, type promotion, torch.fft's transforms (values and gradients, with
n/s, dim and norm), fftfreq/rfftfreq, fftshift/ifftshift, and the errors' messages.
A complex tensor is written as its view_as_real pairs (dtype complex64 or complex128).
Run: /usr/bin/python3 scripts/make_complex_fft_fixtures.py"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import cser, ser, err  # noqa: E402

torch.manual_seed(0)
C128 = torch.complex128
F64 = torch.float64




def weights_like(out, gen_seed):
    g = torch.Generator().manual_seed(gen_seed)
    if out.is_complex():
        return torch.randn(out.shape, generator=g, dtype=F64), torch.randn(out.shape, generator=g, dtype=F64)
    return torch.randn(out.shape, generator=g, dtype=F64), None


def loss_of(out, wr, wi):
    if out.is_complex():
        return (out.real * wr + out.imag * wi).sum()
    return (out * wr).sum()


ops = []


def op(label, fn, inputs, kwargs=None, grad=True):
    kwargs = kwargs or {}
    leaves = [x.detach().clone().requires_grad_(grad and (x.is_floating_point() or x.is_complex())) if isinstance(x, torch.Tensor) else x for x in inputs]
    out = getattr_path(fn)(*leaves, **kwargs)
    case = {'label': label, 'fn': fn, 'inputs': [cser(x) if isinstance(x, torch.Tensor) else x for x in inputs],
            'kwargs': {k: (str(v).replace('torch.', '') if isinstance(v, torch.dtype) else v) for k, v in kwargs.items()}, 'out': cser(out), 'gradFn': type(out.grad_fn).__name__ if out.grad_fn is not None else None}
    if grad:
        wr, wi = weights_like(out, len(ops))
        loss_of(out, wr, wi).backward()
        case['weights'] = [ser(wr)] + ([ser(wi)] if wi is not None else [])
        case['grads'] = [cser(x.grad) if isinstance(x, torch.Tensor) and x.grad is not None else None for x in leaves]
    ops.append(case)


def getattr_path(name):
    obj = torch
    if name.startswith('Tensor.'):
        method = name[len('Tensor.'):]
        return lambda x, *a, **k: getattr(x, method)(*a, **k)
    for part in name.split('.'):
        obj = getattr(obj, part)
    return obj


a = torch.randn(3, 4, dtype=C128)
b = torch.randn(3, 4, dtype=C128)
r = torch.randn(3, 4, dtype=F64)
row = torch.randn(4, dtype=C128)
for label, fn, inputs in [
    ('add', 'add', [a, b]), ('sub', 'sub', [a, b]), ('mul', 'mul', [a, b]), ('div', 'div', [a, b]),
    ('add real', 'add', [a, r]), ('mul real', 'mul', [a, r]), ('div by real', 'div', [a, r]), ('real by complex', 'div', [r, a]),
    ('broadcast row', 'mul', [a, row]), ('scalar mul', 'mul', [a, 2.5]), ('scalar add', 'add', [a, -1.5]), ('scalar div', 'div', [a, 4]),
    ('neg', 'neg', [a]), ('conj', 'conj', [a]), ('conj_physical', 'conj_physical', [a]), ('abs', 'abs', [a]), ('angle', 'angle', [a]),
    ('sgn', 'sgn', [a]), ('exp', 'exp', [a]), ('log', 'log', [a]), ('reciprocal', 'reciprocal', [a]),
    ('real', 'real', [a]), ('imag', 'imag', [a]), ('view_as_real', 'view_as_real', [a]),
    ('sum', 'sum', [a]), ('mean', 'mean', [a]),
    ('matmul', 'matmul', [a, torch.randn(4, 2, dtype=C128)]), ('bmm', 'bmm', [torch.randn(2, 3, 4, dtype=C128), torch.randn(2, 4, 5, dtype=C128)]),
    ('complex', 'complex', [r, torch.randn(3, 4, dtype=F64)]), ('polar', 'polar', [r.abs(), torch.randn(3, 4, dtype=F64)]),
    ('view_as_complex', 'view_as_complex', [torch.randn(3, 2, dtype=F64)]),
]:
    op(label, fn, inputs)
op('sum dim', 'sum', [a], {'dim': 1})
op('mean keepdim', 'mean', [a], {'dim': 0, 'keepdim': True})
op('complex64 mul', 'mul', [a.to(torch.complex64), b.to(torch.complex64)], grad=False)
op('to complex', 'Tensor.to', [r], {'dtype': C128})

# ---- torch.fft -----------------------------------------------------------------------
x = torch.randn(8, dtype=F64)
xo = torch.randn(7, dtype=F64)
xc = torch.randn(2, 6, dtype=C128)
m = torch.randn(3, 5, dtype=F64)
mc = torch.randn(2, 3, 4, dtype=C128)
for label, fn, inputs, kw in [
    ('fft real', 'fft.fft', [x], {}), ('fft complex', 'fft.fft', [xc], {}), ('fft n pad', 'fft.fft', [xc], {'n': 9}),
    ('fft n trim dim 0', 'fft.fft', [m], {'n': 2, 'dim': 0}), ('fft ortho', 'fft.fft', [xo], {'norm': 'ortho'}),
    ('fft forward norm', 'fft.fft', [xc], {'norm': 'forward'}),
    ('ifft real', 'fft.ifft', [xo], {}), ('ifft complex', 'fft.ifft', [xc], {'dim': 0}),
    ('rfft even', 'fft.rfft', [x], {}), ('rfft odd', 'fft.rfft', [xo], {}), ('rfft n', 'fft.rfft', [m], {'n': 8, 'dim': 0, 'norm': 'ortho'}),
    ('irfft', 'fft.irfft', [xc], {}), ('irfft odd n', 'fft.irfft', [xc], {'n': 7}), ('irfft forward', 'fft.irfft', [xc], {'norm': 'forward'}),
    ('hfft', 'fft.hfft', [xc], {}), ('hfft n', 'fft.hfft', [xc], {'n': 5, 'norm': 'ortho'}), ('ihfft', 'fft.ihfft', [xo], {}),
    ('fft2', 'fft.fft2', [mc], {}), ('ifft2', 'fft.ifft2', [m], {}), ('fftn all', 'fft.fftn', [mc], {}),
    ('fftn s', 'fft.fftn', [mc], {'s': [4, -1], 'dim': [0, 2], 'norm': 'ortho'}), ('ifftn', 'fft.ifftn', [mc], {'dim': [2, 0]}),
    ('rfft2', 'fft.rfft2', [m], {}), ('rfftn s', 'fft.rfftn', [torch.randn(2, 3, 4, dtype=F64)], {'s': [4, 6]}),
    ('irfft2', 'fft.irfft2', [mc], {}), ('irfftn s', 'fft.irfftn', [mc], {'s': [3, 5], 'dim': [0, 2]}),
    ('hfft2', 'fft.hfft2', [mc], {}), ('ihfft2', 'fft.ihfft2', [m], {}), ('hfftn', 'fft.hfftn', [mc], {'dim': [1, 2]}),
    ('ihfftn', 'fft.ihfftn', [torch.randn(2, 3, 4, dtype=F64)], {}),
    ('fftshift', 'fft.fftshift', [m], {}), ('ifftshift dim', 'fft.ifftshift', [mc], {'dim': [0, 2]}),
]:
    op(label, fn, inputs, kw)
op('fft float32', 'fft.fft', [torch.randn(10)], grad=False)
op('rfft float32', 'fft.rfft', [torch.randn(4, 9)], {'dim': 0}, grad=False)
op('irfftn complex64', 'fft.irfftn', [torch.randn(3, 4, dtype=torch.complex64)], grad=False)
op('fft int', 'fft.fft', [torch.arange(6)], grad=False)
op('fft of 1000', 'fft.fft', [torch.randn(1000, dtype=F64)], grad=False)
op('rfft of 1024 batch', 'fft.rfft', [torch.randn(4, 1024, dtype=F64)], grad=False)

# ---- stft / istft ----------------------------------------------------------------
spectra = []


def camel(k):
    head, *rest = k.split('_')
    return head + ''.join(w.title() for w in rest)


def spectrum(label, fn, signal, n_fft, window=None, **kw):
    leaf = signal.detach().clone().requires_grad_()
    win = window
    out = getattr(torch, fn)(leaf, n_fft, window=win, **kw)
    wr, wi = weights_like(out, 1000 + len(spectra))
    loss_of(out, wr, wi).backward()
    spectra.append({'label': label, 'fn': fn, 'input': cser(signal), 'nFft': n_fft, 'window': ser(window) if window is not None else None,
                    'options': {camel(k): v for k, v in kw.items()}, 'out': cser(out),
                    'weights': [ser(wr)] + ([ser(wi)] if wi is not None else []), 'grad': cser(leaf.grad)})


sig = torch.randn(64, dtype=F64)
batch = torch.randn(2, 50, dtype=F64)
hann = torch.hann_window(16, dtype=F64)
spectrum('stft default', 'stft', sig, 16, return_complex=True)
spectrum('stft hann hop', 'stft', sig, 16, hann, hop_length=5, return_complex=True)
spectrum('stft batch no center normalized', 'stft', batch, 12, torch.hann_window(8, dtype=F64), win_length=8, hop_length=3, center=False, normalized=True, return_complex=True)
spectrum('stft constant pad two-sided', 'stft', sig, 10, hop_length=4, pad_mode='constant', onesided=False, return_complex=True)
spectrum('stft real view', 'stft', sig, 8, return_complex=False)
spec = torch.stft(sig, 16, hop_length=4, window=hann, return_complex=True)
spectrum('istft', 'istft', spec, 16, hann, hop_length=4)
spectrum('istft length', 'istft', spec, 16, hann, hop_length=4, length=60)
spec2 = torch.stft(batch, 12, hop_length=3, window=torch.hann_window(8, dtype=F64), win_length=8, return_complex=True)
spectrum('istft batch win_length', 'istft', spec2, 12, torch.hann_window(8, dtype=F64), win_length=8, hop_length=3)

freqs = {
    'fftfreq5': ser(torch.fft.fftfreq(5)), 'fftfreq4_d': ser(torch.fft.fftfreq(4, 0.1)),
    'rfftfreq7': ser(torch.fft.rfftfreq(7, 2.0)), 'fftfreq6_f64': ser(torch.fft.fftfreq(6, dtype=F64)),
}

reprs = []
for z in [torch.complex(torch.tensor([1.0, 2.5, -3.0]), torch.tensor([0.5, -1.0, 2.0])),
          torch.complex(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])),
          torch.complex(torch.tensor([[1e-5, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, -0.0], [1e5, 2.0]])),
          torch.zeros(2, dtype=torch.complex128), torch.tensor([], dtype=torch.complex64),
          torch.complex(torch.tensor(1.5), torch.tensor(-2.0)),
          torch.complex(torch.randn(2, 3), torch.randn(2, 3)).requires_grad_()]:
    reprs.append({'value': cser(z), 'requiresGrad': z.requires_grad, 'repr': repr(z)})

promotion = {
    'c64_f64': str(torch.promote_types(torch.complex64, torch.float64)),
    'c64_i64': str(torch.promote_types(torch.complex64, torch.int64)),
    'c128_f32': str(torch.promote_types(torch.complex128, torch.float32)),
    'f64_tensor_plus_c64_scalar': str((torch.ones(2, dtype=F64) + torch.ones((), dtype=torch.complex64)).dtype),
    'i64_tensor_plus_c64_scalar': str((torch.ones(2, dtype=torch.long) + torch.ones((), dtype=torch.complex64)).dtype),
}

errors = {
    'view_as_real_real': err(lambda: torch.view_as_real(torch.ones(2))),
    'view_as_complex_last': err(lambda: torch.view_as_complex(torch.ones(2, 3))),
    'view_as_complex_stride': err(lambda: torch.view_as_complex(torch.ones(2, 2).t())),
    'view_as_complex_long': err(lambda: torch.view_as_complex(torch.ones(2, 2, dtype=torch.long))),
    'complex_dtypes': err(lambda: torch.complex(torch.ones(2), torch.ones(2, dtype=F64))),
    'fft_0d': err(lambda: torch.fft.fft(torch.tensor(1.0))),
    'fft_n0': err(lambda: torch.fft.fft(torch.ones(4), 0)),
    'fft_norm': err(lambda: torch.fft.fft(torch.ones(4), norm='xyz')),
    'rfft_complex': err(lambda: torch.fft.rfft(torch.ones(4, dtype=torch.complex64))),
    'rfftn_complex': err(lambda: torch.fft.rfftn(torch.ones(4, dtype=torch.complex64))),
    'fftn_dup': err(lambda: torch.fft.fftn(torch.ones(4, 4), dim=[0, 0])),
    'fftn_len': err(lambda: torch.fft.fftn(torch.ones(4, 4), s=[2], dim=[0, 1])),
    'fftn_too_many': err(lambda: torch.fft.fftn(torch.ones(4), s=[2, 2])),
    'fft_dim': err(lambda: torch.fft.fft(torch.ones(4), dim=1)),
    'irfft_n': err(lambda: torch.fft.irfft(torch.ones(1, dtype=torch.complex64))),
    'stft_nfft': err(lambda: torch.stft(torch.ones(8), 20, center=False, return_complex=True)),
    'stft_window': err(lambda: torch.stft(torch.ones(40), 16, window=torch.ones(10), return_complex=True)),
    'stft_3d': err(lambda: torch.stft(torch.ones(2, 2, 40), 16, return_complex=True)),
    'istft_freq': err(lambda: torch.istft(torch.ones(5, 4, dtype=torch.complex64), 16)),
    'istft_envelope': err(lambda: torch.istft(torch.ones(9, 4, dtype=torch.complex64), 16, hop_length=4, window=torch.zeros(16))),
    'require_grad_int': err(lambda: torch.ones(2, dtype=torch.long).requires_grad_()),
}

# Random complex draws (the pairs from the real stream) and the kernels that move pairs.
torch.manual_seed(0)
randoms = {'randn': cser(torch.randn(5, dtype=torch.complex64)), 'rand': cser(torch.rand(2, 2, dtype=C128)),
           'normal_': cser(torch.empty(3, dtype=C128).normal_(1.0, 2.0))}
za = torch.complex(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, -1.0]))
zb = torch.complex(torch.tensor([1.0, 2.0, 0.0]), torch.tensor([0.0, -1.0, -1.0]))
kernels = {'a': cser(za), 'b': cser(zb), 'eq': ser(za == zb), 'ne': ser(za != zb), 'eq_scalar': ser(za == 1),
           'isclose': ser(torch.isclose(za, za + 1e-7)), 'where': cser(torch.where(torch.tensor([True, False, True]), za, zb)),
           'index_select': cser(za.index_select(0, torch.tensor([2, 0, 2]))), 'flip': cser(za.flip(0)), 'roll': cser(za.roll(1)),
           'cat': cser(torch.cat([za, zb])), 'stack': cser(torch.stack([za, zb], 1)), 'gather': cser(torch.gather(za, 0, torch.tensor([1, 1, 0]))),
           'lt': err(lambda: za < zb)}
w = za.clone()
w.add_(zb)
w.mul_(za)
w.div_(2)
w.sub_(1)
leaf = za.to(C128).detach().requires_grad_()
y = leaf * 2
y.mul_(leaf)
y.add_(1)
y.abs().sum().backward()
kernels['inplace'] = cser(w)
zn = torch.complex(torch.tensor([1.0, float('nan'), 2.0]), torch.tensor([float('inf'), 0.0, 1.0]))
kernels['nan_input'] = cser(zn)
kernels['isnan'] = ser(zn.isnan())
kernels['isinf'] = ser(zn.isinf())
kernels['isfinite'] = ser(zn.isfinite())
kernels['rfft_empty'] = err(lambda: torch.fft.rfft(torch.zeros(0)))
xp = torch.arange(24.0).reshape(1, 2, 3, 4)
kernels['pad_reflect_w'] = ser(torch.nn.functional.pad(xp, [1, 2, 0, 0], 'reflect'))
kernels['pad_replicate_h'] = ser(torch.nn.functional.pad(xp, [0, 0, 2, 1], 'replicate'))
kernels['pad_reflect_zero'] = ser(torch.nn.functional.pad(xp, [0, 0, 0, 0], 'reflect'))
pa = torch.tensor([0.0, -1.5, 2.0], dtype=F64, requires_grad=True)
pt = torch.tensor([0.3, 1.0, -2.0], dtype=F64, requires_grad=True)
pz = torch.polar(pa, pt)
(pz.real * torch.tensor([1.0, 2.0, 3.0], dtype=F64) + pz.imag * torch.tensor([-1.0, 0.5, 2.0], dtype=F64)).sum().backward()
kernels['polar_abs'] = ser(pa.detach())
kernels['polar_angle'] = ser(pt.detach())
kernels['polar_grad_abs'] = ser(pa.grad)
kernels['polar_grad_angle'] = ser(pt.grad)
kernels['from_list'] = cser(torch.tensor([1, 2.5], dtype=torch.complex64))
kernels['arange'] = err(lambda: torch.arange(3, dtype=torch.complex64))
kernels['full'] = cser(torch.full([2], 3.0, dtype=C128))
kernels['inplace_grad'] = cser(leaf.grad)

# A checkpoint with complex tensors (a strided view among them), and its values.
torch.manual_seed(0)
ckpt = {'z': torch.randn(3, 2, dtype=torch.complex64), 'w': torch.randn(4, dtype=C128)[1:3], 'r': torch.ones(2)}
torch.save(ckpt, os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'complex.pt'))
checkpoint = {k: cser(v) for k, v in ckpt.items()}

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'complex-fft.json')
with open(path, 'w') as f:
    json.dump({'ops': ops, 'spectra': spectra, 'checkpoint': checkpoint, 'randoms': randoms, 'kernels': kernels, 'freqs': freqs, 'reprs': reprs, 'promotion': promotion, 'errors': errors}, f)
print(f'{len(ops)} ops, {len(reprs)} reprs')
