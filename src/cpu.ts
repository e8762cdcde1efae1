/**
 * `torch.cpu`, and the CPU's asynchronous mode (`torch.setAsyncCpu`).
 *
 * In the asynchronous mode, CPU ops are queued, in order, to a native thread of this JS
 * thread's own, and return at once: shapes and dtypes are known when an op is queued, so
 * only reading values waits. `t.dataSync()`, `t.item()` and printing block until the
 * queue has computed the tensor; `await t.data()` waits on a libuv thread, so the event
 * loop keeps running meanwhile. An op that fails in the queue (an index out of range, say)
 * throws at the next read or `torch.cpu.synchronize()`, with the op's name, as CUDA errors
 * do.
 */
import { native } from './native/addon.js';

let asyncCpu = false;

/**
 * Turns the CPU's asynchronous mode on or off for this thread (off by default). Turning it
 * off waits for what is queued, and throws a queued op's error (the mode is off then too).
 * @example
 * torch.setAsyncCpu(true);
 * const y = net(x);               // returns at once
 * const values = await y.data();  // the event loop runs while the forward computes
 */
export function setAsyncCpu(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TypeError(`setAsyncCpu(): argument 'enabled' must be a boolean, but got ${typeof enabled}`);
  if (enabled) {
    native.setAsyncCpu(true);
    asyncCpu = true;
    return;
  }
  // Wait first: a queued op's error is thrown, but only after the queue has stopped.
  let error: unknown = null;
  try {
    native.synchronize(0);
  } catch (e) {
    error = e;
  }
  native.setAsyncCpu(false);
  asyncCpu = false;
  if (error !== null) throw error;
}

/** Whether the CPU's asynchronous mode is on in this thread. @example torch.isAsyncCpuEnabled() // false */
export function isAsyncCpuEnabled(): boolean {
  return asyncCpu;
}

/**
 * `torch.cpu.synchronize()`: waits until every queued CPU op has run, and throws the error
 * of one that failed. Returns at once when the asynchronous mode is off.
 * @example torch.setAsyncCpu(true); y = net(x); torch.cpu.synchronize();
 */
export function synchronize(): void {
  native.synchronize(0);
}

/**
 * How many CPU ops are queued or running (flint's own; 0 when the asynchronous mode is off).
 * @example torch.cpu.pendingOps() // 0 after synchronize()
 */
export function pendingOps(): number {
  return native.asyncCpuPending();
}

/** `torch.cpu.is_available()`: always true. @example torch.cpu.isAvailable() // true */
export function isAvailable(): boolean {
  return true;
}

/** `torch.cpu.device_count()`: 1. @example torch.cpu.deviceCount() // 1 */
export function deviceCount(): number {
  return 1;
}

/** `torch.cpu.current_device()`: 'cpu'. @example torch.cpu.currentDevice() // 'cpu' */
export function currentDevice(): string {
  return 'cpu';
}

// FLINT_ASYNC_CPU=1 starts every thread in the asynchronous mode (the test suite runs so too).
if (process.env.FLINT_ASYNC_CPU === '1') setAsyncCpu(true);
