/**
 * `torch.stft` and `torch.istft`, as PyTorch 1.13 composes them (torch/functional.py and
 * SpectralOps.cpp): frames cut from the (centered, reflect-padded) signal, windowed and
 * transformed; and back, by inverse transforms, windowing, overlap-add and division by the
 * window's summed square. Gradients flow through every step.
 */
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkTensor } from '../tensor/args.js';
import { ones } from '../tensor/creation.js';
import { toRealDType } from '../tensor/dtype.js';
import { pad as padSignal, type PadMode } from '../nn/functional/padding.js';
import { fold } from '../nn/functional/fold.js';
import { constantPadNd } from '../ops/torch-functional.js';
import { unfold } from '../ops/split.js';
import { viewAsComplex, viewAsReal, complex as fromParts, realPart, imagPart } from '../complex/parts.js';
import { warnOnce } from '../utils/warn-once.js';
import { tidy } from '../memory/storage.js';
import { FftNorm, fftC2c, fftC2r, fftR2c } from './transforms.js';

/** Keyword arguments of {@link stft}. */
export interface StftOptions {
  /** Samples between frames (default ⌊nFft / 4⌋). */
  hopLength?: number | null;
  /** Window length, at most nFft; the window is centered in nFft with zeros (default nFft). */
  winLength?: number | null;
  /** A 1-D window of winLength samples (default: all ones, a rectangular window). */
  window?: Tensor | null;
  /** Pad the signal by nFft / 2 on both sides, so that frame t is centered at t·hop (default true). */
  center?: boolean;
  /** How `center` pads (default 'reflect'). */
  padMode?: PadMode;
  /** Scale by 1/√nFft (default false). */
  normalized?: boolean;
  /** Keep only the nFft / 2 + 1 non-redundant frequencies (default: true for a real signal and window). */
  onesided?: boolean | null;
  /** Return a complex tensor (else its real view with a last dim of 2, as PyTorch 1.13 does by default with a warning). */
  returnComplex?: boolean | null;
}

/** Keyword arguments of {@link istft}. */
export interface IstftOptions {
  hopLength?: number | null;
  winLength?: number | null;
  window?: Tensor | null;
  /** Whether the signal was padded by stft's `center` (default true). */
  center?: boolean;
  normalized?: boolean;
  /** Whether the input holds one-sided spectra (default: whether its frequency dim is not nFft). */
  onesided?: boolean | null;
  /** Trim or zero-pad the output to this many samples. */
  length?: number | null;
  /** Whether the output is complex (a two-sided input, for a complex signal). */
  returnComplex?: boolean;
}

function positiveInt(v: unknown, fn: string, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw argumentError(fn, name, 'an integer', v);
  return v;
}

/** stft's and istft's shared defaults: a hop of nFft / 4, a window as long as nFft, centered frames. */
function framing(fn: string, nFft: number, options: StftOptions | IstftOptions) {
  positiveInt(nFft, fn, 'n_fft');
  return {
    hop: options.hopLength ?? Math.floor(nFft / 4),
    winLength: options.winLength ?? nFft,
    window: options.window ?? null,
    center: options.center ?? true,
  };
}

/** The window centered in nFft samples with zeros, or null for the implicit rectangle of nFft. */
function centeredWindow(window: Tensor | null, winLength: number, nFft: number, like: Tensor): Tensor | null {
  if (winLength >= nFft) return window;
  const left = Math.floor((nFft - winLength) / 2);
  const w = window ?? ones(winLength, { dtype: toRealDType(like.dtype), device: like.device });
  return constantPadNd(w, [left, nFft - winLength - left], 0);
}

/**
 * The short-time Fourier transform, `torch.stft(input, nFft, options)`: for a 1-D signal
 * [L] or a batch [B, L], the spectra of its frames as [(B,) freq, frames], complex when
 * `returnComplex` (PyTorch's advice) and as its real view [..., 2] otherwise.
 * @example torch.stft(signal, 400, { hopLength: 160, window: torch.hannWindow(400), returnComplex: true })
 */
export function stft(input: Tensor, nFft: number, options: StftOptions = {}): Tensor {
  // tidy: the padded signal, the frames and the spectra before the transpose are freed at
  // once (those the graph saved stay until backward), so that a loop reuses their memory.
  return tidy(() => stftOf(input, nFft, options));
}

function stftOf(input: Tensor, nFft: number, options: StftOptions): Tensor {
  checkTensor(input, 'stft', 'input');
  const { hop, winLength, window, center } = framing('stft', nFft, options);
  let returnComplex = options.returnComplex ?? null;
  if (returnComplex === null) {
    returnComplex = input.dtype.isComplex || (window !== null && window.dtype.isComplex);
    if (!returnComplex) {
      warnOnce('stft-return-complex', 'stft will soon require the return_complex parameter be given for real inputs, and will further require that return_complex=True in a future PyTorch release.');
    }
  }
  if (!input.dtype.isFloatingPoint && !input.dtype.isComplex) throw new Error('stft expected a tensor of floating point or complex values');
  const dims = input.dim();
  if (dims < 1 || dims > 2) throw new Error('stft: expected a 1D or 2D tensor');
  let x = input;
  if (center) {
    // As torch/functional.py: pad as a 3-D batch, then take the signal dims back.
    const p = Math.floor(nFft / 2);
    const extended = x.reshape([...new Array<number>(3 - dims).fill(1), ...x.shape]);
    const padded = padSignal(extended, [p, p], options.padMode ?? 'reflect');
    x = padded.reshape(padded.shape.slice(3 - dims));
  }
  if (x.dim() === 1) x = x.unsqueeze(0);
  const len = x.shape[1]!;
  if (nFft <= 0 || nFft > len) throw new Error(`stft: expected 0 < n_fft < ${len}, but got n_fft=${nFft}`);
  positiveInt(hop, 'stft', 'hop_length');
  if (hop <= 0) throw new Error(`stft: expected hop_length > 0, but got hop_length=${hop}`);
  positiveInt(winLength, 'stft', 'win_length');
  if (winLength <= 0 || winLength > nFft) throw new Error(`stft: expected 0 < win_length <= n_fft, but got win_length=${winLength}`);
  if (window !== null && (window.dim() !== 1 || window.shape[0] !== winLength)) {
    throw new Error(`stft: expected a 1D window tensor of size equal to win_length=${winLength}, but got window with size [${window.shape.join(', ')}]`);
  }
  const fullWindow = centeredWindow(window, winLength, nFft, x);
  let frames = unfold(x, 1, nFft, hop); // [B, frames, nFft]
  if (fullWindow !== null) frames = frames.mul(fullWindow);
  const complexFft = frames.dtype.isComplex;
  const onesided = options.onesided ?? !complexFft;
  const norm = options.normalized ? FftNorm.ByRootN : FftNorm.None;
  let out: Tensor;
  if (complexFft) {
    if (onesided) throw new Error('Cannot have onesided output if window or input is complex');
    out = fftC2c(frames, [2], norm, true);
  } else {
    out = fftR2c(frames, [2], norm, onesided);
  }
  out = out.transpose(1, 2);
  if (dims === 1) out = out.squeeze(0);
  return returnComplex ? out : viewAsReal(out);
}

/** Overlap-adds frames [C, F, n] at `hop` into [C, length] (PyTorch's unfold_backward), through F.fold. */
function overlapAdd(frames: Tensor, length: number, hop: number): Tensor {
  const [channels, , n] = frames.shape as unknown as [number, number, number];
  if (frames.dtype.isComplex) return fromParts(overlapAdd(realPart(frames), length, hop), overlapAdd(imagPart(frames), length, hop));
  const columns = frames.transpose(1, 2); // [C, n, F]: fold's blocks
  return fold(columns, [1, length], [1, n], { stride: [1, hop] }).reshape(channels, length);
}

/**
 * The inverse short-time Fourier transform, `torch.istft(input, nFft, options)`: from
 * complex spectra [(B,) freq, frames] back to signals [(B,) L], by inverse transforms,
 * windowing, overlap-add and division by the overlapped window's square.
 * @example torch.istft(spec, 400, { hopLength: 160, window: torch.hannWindow(400), length: signal.shape[0] })
 */
export function istft(input: Tensor, nFft: number, options: IstftOptions = {}): Tensor {
  return tidy(() => istftOf(input, nFft, options));
}

function istftOf(input: Tensor, nFft: number, options: IstftOptions): Tensor {
  checkTensor(input, 'istft', 'input');
  const { hop, winLength, window, center } = framing('istft', nFft, options);
  let spectra = input;
  if (!spectra.dtype.isComplex) {
    warnOnce('istft-real-input', 'istft will require a complex-valued input tensor in a future PyTorch release. Matching the output from stft with return_complex=True. ');
    spectra = viewAsComplex(spectra);
  }
  if (spectra.numel() === 0) throw new Error('istft: Input tensor cannot be empty');
  const dims = spectra.dim() + 1;
  if (dims !== 3 && dims !== 4) throw new Error(`istft: Tensor of dims 3 or 4 expected, got ${dims - 1}`);
  const frameCount = spectra.shape[spectra.dim() - 1]!;
  const fftSize = spectra.shape[spectra.dim() - 2]!;
  const expectedLength = nFft + hop * (frameCount - 1);
  const onesided = options.onesided ?? fftSize !== nFft;
  if (onesided) {
    if (Math.floor(nFft / 2) + 1 !== fftSize) {
      throw new Error(`istft expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 when onsided=True, but got ${fftSize}`);
    }
  } else if (nFft !== fftSize) {
    throw new Error(`istft expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when onesided=False, but got ${fftSize}`);
  }
  if (!(hop > 0 && hop <= winLength)) throw new Error('istft expected 0 < hop_length <= win_length');
  if (!(winLength > 0 && winLength <= nFft)) throw new Error('istft expected 0 < win_length <= n_fft');
  if (window !== null && (window.dim() !== 1 || window.shape[0] !== winLength)) throw new Error('Invalid window shape. window has to be 1D and length of `win_length`');
  const w = centeredWindow(window ?? ones(winLength, { dtype: toRealDType(spectra.dtype), device: spectra.device }), winLength, nFft, spectra)!;
  let z = dims === 3 ? spectra.unsqueeze(0) : spectra;
  z = z.transpose(1, 2); // [C, frames, freq]
  const norm = options.normalized ? FftNorm.ByRootN : FftNorm.ByN;
  let frames: Tensor;
  if (options.returnComplex) {
    if (onesided) throw new Error('Cannot have onesided output if window or input is complex');
    frames = fftC2c(z, [2], norm, false);
  } else {
    if (window !== null && window.dtype.isComplex) throw new Error('Complex windows are incompatible with return_complex=False');
    if (!onesided) z = z.narrow(-1, 0, Math.floor(nFft / 2) + 1);
    frames = fftC2r(z, [2], norm, nFft);
  }
  let y = overlapAdd(frames.mul(w.view(1, 1, nFft)), expectedLength, hop);
  let envelope = overlapAdd(w.pow(2).expand(1, frameCount, nFft).contiguous(), expectedLength, hop);
  const start = center ? Math.floor(nFft / 2) : 0;
  let end = options.length !== undefined && options.length !== null ? start + options.length : center ? expectedLength - Math.floor(nFft / 2) : expectedLength;
  const stop = Math.min(end, expectedLength);
  y = y.narrow(1, start, Math.max(0, stop - start));
  envelope = envelope.narrow(1, start, Math.max(0, stop - start));
  if (envelope.abs().min().lt(1e-11).item()) throw new Error('istft window overlap add min: 1');
  y = y.div(envelope);
  if (dims === 3) y = y.squeeze(0);
  if (end > expectedLength) {
    warnOnce('istft-length', 'The length of signal is shorter than the length parameter. Result is being padded with zeros in the tail. Please check your center and hop_length settings.');
    end = end - expectedLength;
    y = constantPadNd(y, [0, end], 0);
  }
  return y;
}
