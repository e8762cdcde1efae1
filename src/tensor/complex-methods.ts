/**
 * The Tensor methods of complex numbers and spectra: `x.cfloat()`, `x.cdouble()` (casts to
 * complex64 and complex128), `x.stft(...)` and `x.istft(...)` (src/fft/stft.ts). Imported
 * once by methods.ts.
 */
import { stft, istft } from '../fft/stft.js';
import { toDtype } from '../ops/shape.js';
import { complex64, complex128 } from './dtype.js';
import { installMethods, type Tail } from './method-install.js';
import type { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** `x.to(torch.complex64)`, PyTorch's `x.cfloat()`. @example torch.ones(2).cfloat().dtype === torch.complex64 */
    cfloat(): Tensor;
    /** `x.to(torch.complex128)`, PyTorch's `x.cdouble()`. @example torch.ones(2).cdouble().dtype === torch.complex128 */
    cdouble(): Tensor;
    stft: Tail<typeof stft>;
    istft: Tail<typeof istft>;
  }
}

installMethods({
  cfloat: (x: Tensor) => toDtype(x, complex64),
  cdouble: (x: Tensor) => toDtype(x, complex128),
  stft,
  istft,
});
