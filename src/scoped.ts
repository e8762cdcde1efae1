/**
 * Runs `fn` and then `restore`, also when `fn` throws, and, when `fn` returns a promise,
 * once that promise settles: the shape of PyTorch's context managers (`with
 * torch.cuda.stream(s):`, `with torch.cuda.device(d):`, `with safe_globals(...)`) as
 * functions that take sync or async code. @internal
 * @example return runThenRestore(fn, () => setCurrent(previous));
 */
export function runThenRestore<T>(fn: () => T, restore: () => void): T {
  let result: T;
  try {
    result = fn();
  } catch (error) {
    restore();
    throw error;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).finally(restore) as T;
  }
  restore();
  return result;
}
