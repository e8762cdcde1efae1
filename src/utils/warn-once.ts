/**
 * PyTorch's once-only warnings (TORCH_WARN_ONCE, and a deprecation's `warnings.warn` under
 * Python's default filter, which shows it once per call site): shown once per process here.
 */
const warned = new Set<string>();

/**
 * Emits `message` as a UserWarning the first time `key` is seen.
 * @example warnOnce('nn.init.normal', 'nn.init.normal is now deprecated in favor of nn.init.normal_.')
 */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, 'UserWarning');
}
