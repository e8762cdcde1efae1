/**
 * `torch.cuda`'s generator functions: each device's Philox generator state as PyTorch's
 * CUDA `get_rng_state()` bytes (16: the seed, then the offset, little-endian uint64), its
 * initial seed, and nondeterministic reseeding.
 */
import * as call from './native/calls.generated.js';
import { cudaDevice, type DeviceLike } from './tensor/device.js';
import { tensor } from './tensor/creation.js';
import { uint8 } from './tensor/dtype.js';
import { Tensor } from './tensor/tensor.js';
import { codeOf, deviceCount } from './cuda.js';
import { freshSeed, initialSeedOf } from './random/generator.js';

/**
 * `torch.cuda.get_rng_state(device)`: a uint8 CPU tensor of the device generator's state.
 * @example const s = torch.cuda.getRngState(); torch.rand(3, { device: 'cuda' }); torch.cuda.setRngState(s);
 */
export function getRngState(device?: DeviceLike | number): Tensor {
  return tensor(new Uint8Array(call.getRngState(codeOf(device, 'getRngState'))), { dtype: uint8 });
}

/**
 * `torch.cuda.set_rng_state(new_state, device)`: restores a state from `getRngState` (or PyTorch's).
 * @example torch.cuda.setRngState(saved)
 */
export function setRngState(newState: Tensor, device?: DeviceLike | number): void {
  if (!(newState instanceof Tensor) || newState.dtype !== uint8 || newState.device.type !== 'cpu') {
    throw new TypeError('setRngState(): new_state must be a torch.ByteTensor (uint8, on the CPU)');
  }
  call.setRngState(codeOf(device, 'setRngState'), new Uint8Array(newState.contiguous().tolist() as number[]));
}

/**
 * `torch.cuda.get_rng_state_all()`: every device's state, in device order.
 * @example const states = torch.cuda.getRngStateAll();
 */
export function getRngStateAll(): Tensor[] {
  return Array.from({ length: deviceCount() }, (_, i) => getRngState(i));
}

/**
 * `torch.cuda.set_rng_state_all(new_states)`.
 * @example torch.cuda.setRngStateAll(states)
 */
export function setRngStateAll(newStates: Tensor[]): void {
  newStates.forEach((state, i) => setRngState(state, i));
}

/**
 * `torch.cuda.initial_seed()`: the current device generator's seed.
 * @example torch.cuda.manualSeed(7); torch.cuda.initialSeed(); // 7
 */
export function initialSeed(): number | bigint {
  return initialSeedOf(new Uint8Array(call.getRngState(codeOf(undefined, 'initialSeed'))));
}

/**
 * `torch.cuda.seed()`: seeds the current device from a nondeterministic source.
 * @example torch.cuda.seed()
 */
export function seed(): void {
  call.manualSeed(codeOf(undefined, 'seed'), freshSeed());
}

/**
 * `torch.cuda.seed_all()`: seeds every device from one nondeterministic seed.
 * @example torch.cuda.seedAll()
 */
export function seedAll(): void {
  const bits = freshSeed();
  for (let i = 0; i < deviceCount(); i++) call.manualSeed(cudaDevice(i).code, bits);
}
