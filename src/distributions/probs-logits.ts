/**
 * The `probs` / `logits` arguments of the discrete distributions: exactly one of them,
 * positionally (`probs` first) or in the options object, as PyTorch's keywords.
 * @internal
 */
import { Tensor } from '../tensor/tensor.js';
import type { DistributionOptions, Param } from './distribution.js';
import { optionsOf } from './options.js';

/** The options form: `{ probs }` or `{ logits }`, with `validateArgs`. */
export interface ProbsLogitsOptions extends DistributionOptions {
  probs?: Param | null;
  logits?: Param | null;
}

const isParam = (v: unknown): v is Param => v instanceof Tensor || typeof v === 'number';

/**
 * Which of probs and logits was given, and its value.
 * @example probsOrLogits('Bernoulli', undefined, { logits }) // { name: 'logits', value: logits }
 */
export function probsOrLogits(
  fn: string,
  first: Param | ProbsLogitsOptions | null | undefined,
  second: Param | null | DistributionOptions | undefined,
  third: DistributionOptions | undefined,
): { name: 'probs' | 'logits'; value: Param; validateArgs?: boolean } {
  let probs: Param | null | undefined;
  let logits: Param | null | undefined;
  let options: DistributionOptions | undefined;
  if (first !== null && first !== undefined && !isParam(first)) {
    // new Bernoulli({ logits }) — the keyword form.
    const { probs: p, logits: l, ...rest } = first;
    [probs, logits, options] = [p, l, rest];
    if (second !== undefined) throw new TypeError(`${fn}(): the options object must be the last argument`);
  } else {
    probs = first;
    if (second !== null && second !== undefined && !isParam(second)) options = second;
    else {
      logits = second;
      options = third;
    }
  }
  const { validateArgs } = optionsOf(fn, options);
  const hasProbs = probs !== null && probs !== undefined;
  const hasLogits = logits !== null && logits !== undefined;
  if (hasProbs === hasLogits) throw new Error('Either `probs` or `logits` must be specified, but not both.');
  for (const [name, v] of [['probs', probs], ['logits', logits]] as const) {
    if (v !== null && v !== undefined && !isParam(v)) throw new TypeError(`${fn}(): argument '${name}' must be a Tensor or a number`);
  }
  return hasProbs ? { name: 'probs', value: probs!, validateArgs } : { name: 'logits', value: logits!, validateArgs };
}
