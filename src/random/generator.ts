/**
 * `torch.Generator` and the global generator's state (`getRngState`, `setRngState`,
 * `initialSeed`, `seed`). A generator's state is kept in PyTorch's own `get_state()`
 * layout (5056 bytes on the CPU: the Mersenne Twister's words, its position and the
 * cached normal sample; 16 on CUDA: seed and Philox offset), so states saved by PyTorch
 * load here and the other way round.
 *
 * The native side owns one generator per device. A private Generator lends its state to
 * the device's generator for the duration of one call (`withGenerator`), then takes the
 * advanced state back and restores the global one: two 5 KB copies per call, which keeps
 * the kernels free of a generator argument.
 */
import { captureUnderway } from '../cuda-capture.js';
import * as call from '../native/calls.generated.js';
import { CPU, type Device, type DeviceLike } from '../tensor/device.js';
import { argumentError, describeValue, toDeviceArg } from '../tensor/args.js';
import { seedBits } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { uint8 } from '../tensor/dtype.js';
import { randomBytes } from 'node:crypto';

/** The state bytes of a freshly seeded generator of `device`, built natively. */
function seededState(dev: Device, seed: bigint): Uint8Array {
  const saved = new Uint8Array(call.getRngState(dev.code));
  call.manualSeed(dev.code, seed);
  const fresh = new Uint8Array(call.getRngState(dev.code));
  call.setRngState(dev.code, saved);
  return fresh;
}

/** A uint64 as a number when exact, else a bigint (PyTorch's ints are unbounded). */
function seedValue(bits: bigint): number | bigint {
  return bits <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bits) : bits;
}

/** The initial seed stored in a state: the first 8 bytes of both layouts. @internal */
export function initialSeedOf(state: Uint8Array): number | bigint {
  return seedValue(new DataView(state.buffer, state.byteOffset, 8).getBigUint64(0, true));
}

/** A nondeterministic 64-bit seed, as c10's getNonDeterministicRandom (from /dev/urandom). @internal */
export function freshSeed(): bigint {
  return randomBytes(8).readBigUInt64LE(0);
}

/** A state given as a uint8 tensor, as PyTorch's `set_state` takes it. */
function stateBytes(state: unknown, fn: string): Uint8Array {
  if (!(state instanceof Tensor)) throw argumentError(fn, 'new_state', 'a torch.ByteTensor', state);
  const t = state;
  if (t.dtype !== uint8 || t.device.type !== 'cpu') {
    throw new TypeError(`RNG state must be a torch.ByteTensor, but found a ${t.dtype.name} tensor on ${t.device}`);
  }
  return new Uint8Array((t.contiguous().dataSync() as Uint8Array).slice());
}

/**
 * `torch.Generator`: a private random stream. Pass it as `{ generator }` to the random
 * functions, samplers and DataLoader; it advances exactly as the global generator would
 * have. CPU generators reproduce PyTorch's numbers bit for bit.
 *
 * @example
 * const g = new torch.Generator().manualSeed(42);
 * torch.rand(3, { generator: g }); // what torch.rand(3, generator=g) prints in PyTorch
 */
export class Generator {
  readonly device: Device;
  /** @internal PyTorch's state bytes; null for the global generator, which lives natively. */
  protected ownState: Uint8Array | null;

  constructor(device: DeviceLike = 'cpu') {
    this.device = toDeviceArg(device, 'Generator');
    if (this.device.type === 'cuda' && this.device.index === null) this.device = toDeviceArg('cuda:0', 'Generator');
    this.ownState = new.target === DefaultGenerator ? null : seededState(this.device, 67280421310721n);
  }

  /** @internal The state bytes (a copy). */
  readState(): Uint8Array {
    return this.ownState === null ? new Uint8Array(call.getRngState(this.device.code)) : this.ownState.slice();
  }

  /** @internal Replaces the state (checked natively when it is next used or set). */
  writeState(bytes: Uint8Array): void {
    if (this.ownState === null) call.setRngState(this.device.code, bytes);
    else {
      // Validate through the device's own checks before keeping it.
      withState(this.device, bytes, () => undefined);
      this.ownState = bytes.slice();
    }
  }

  /**
   * Seeds the stream, as `manual_seed`; returns the generator, so calls chain.
   * @example const g = new torch.Generator().manualSeed(0);
   */
  manualSeed(seed: number | bigint): this {
    const bits = seedBits(seed, 'manual_seed');
    if (this.ownState === null) call.manualSeed(this.device.code, bits);
    else this.ownState = seededState(this.device, bits);
    return this;
  }

  /**
   * Seeds from a nondeterministic source and returns that seed.
   * @example const s = g.seed();
   */
  seed(): number | bigint {
    const bits = freshSeed();
    this.manualSeed(bits);
    return seedValue(bits);
  }

  /**
   * The seed the stream started from (`initial_seed`).
   * @example new torch.Generator().manualSeed(7).initialSeed(); // 7
   */
  initialSeed(): number | bigint {
    return initialSeedOf(this.readState());
  }

  /**
   * The state as a uint8 tensor in PyTorch's layout (`get_state`).
   * @example const s = g.getState(); torch.rand(2, { generator: g }); g.setState(s);
   */
  getState(): Tensor {
    return tensor(this.readState(), { dtype: uint8 });
  }

  /**
   * Restores a state from `getState` (or from PyTorch's `get_state`); returns the generator.
   * @example g.setState(saved);
   */
  setState(state: Tensor): this {
    this.writeState(stateBytes(state, 'set_state'));
    return this;
  }

  toString(): string {
    return '<torch._C.Generator object>';
  }
}

/** The global generator of a device (PyTorch's `torch.default_generator`). */
class DefaultGenerator extends Generator {}

/**
 * The CPU's global generator, the one `torch.manualSeed` seeds.
 * @example torch.defaultGenerator.initialSeed()
 */
export const defaultGenerator: Generator = new DefaultGenerator(CPU);

/**
 * Runs `fn` with the generators of the given native device codes set to the given
 * PyTorch-format states, then puts their previous states back (PyTorch's `fork_rng`). @internal
 * @example forkRng(new Map([[0, saved]]), () => torch.rand(3))
 */
export function forkRng<T>(states: Map<number, Uint8Array>, fn: () => T): T {
  const previous = new Map([...states.keys()].map((code) => [code, new Uint8Array(call.getRngState(code))]));
  for (const [code, state] of states) call.setRngState(code, state);
  try {
    return fn();
  } finally {
    for (const [code, state] of previous) call.setRngState(code, state);
  }
}

/** Runs `fn` with `state` lent to the device's generator, returning its advanced state. */
function withState<T>(dev: Device, state: Uint8Array, fn: () => T): { result: T; state: Uint8Array } {
  let advanced = state;
  const result = forkRng(new Map([[dev.code, state]]), () => {
    const value = fn();
    advanced = new Uint8Array(call.getRngState(dev.code));
    return value;
  });
  return { result, state: advanced };
}

/**
 * Checks a `generator` option where it enters: a Generator (of `device`'s type) or
 * nothing. @internal
 * @example checkGenerator(options.generator, 'rand', CPU)
 */
export function checkGenerator(generator: unknown, fn: string, dev: Device): Generator | null {
  if (generator === undefined || generator === null) return null;
  if (!(generator instanceof Generator)) {
    throw new TypeError(`${fn}(): argument 'generator' must be torch.Generator, not ${describeValue(generator)}`);
  }
  if (generator.device.type !== dev.type) {
    throw new Error(`Expected a '${dev.type}' device type for generator but found '${generator.device.type}'`);
  }
  return generator;
}

/**
 * Runs the random work in `fn` on `generator`'s stream (the device's global stream when
 * it is null), advancing the generator as PyTorch would. @internal
 * @example withGenerator(g, CPU, () => call.fillRandom(...))
 */
export function withGenerator<T>(generator: Generator | null, dev: Device, fn: () => T): T {
  if (generator === null || generator instanceof DefaultGenerator) return fn();
  // A captured random op draws from the default generator's state at each replay.
  if (dev.type === 'cuda' && captureUnderway()) {
    throw new Error('CUDA generator: only the default CUDA generator may be used inside a CUDA graph capture');
  }
  const target = dev.type === 'cuda' ? dev : generator.device;
  const own = (generator as unknown as { ownState: Uint8Array }).ownState;
  const { result, state } = withState(target, own, fn);
  (generator as unknown as { ownState: Uint8Array }).ownState = state;
  return result;
}

/**
 * The CPU generator's state, as `torch.get_rng_state()` (a uint8 tensor that PyTorch's
 * `set_rng_state` also accepts).
 * @example const s = torch.getRngState(); torch.rand(2); torch.setRngState(s);
 */
export function getRngState(): Tensor {
  return defaultGenerator.getState();
}

/**
 * Restores the CPU generator's state, as `torch.set_rng_state(new_state)`.
 * @example torch.setRngState(saved)
 */
export function setRngState(newState: Tensor): void {
  defaultGenerator.setState(newState);
}

/**
 * The seed the CPU generator started from, as `torch.initial_seed()`.
 * @example torch.manualSeed(3); torch.initialSeed(); // 3
 */
export function initialSeed(): number | bigint {
  return defaultGenerator.initialSeed();
}

/**
 * Seeds every generator from a nondeterministic source, as `torch.seed()`, and returns
 * the seed.
 * @example const s = torch.seed();
 */
export function seed(): number | bigint {
  const bits = freshSeed();
  call.manualSeed(-1, bits);
  return seedValue(bits);
}
