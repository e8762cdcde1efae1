/**
 * A count of random fills (rand, randn, dropout's masks, uniform_ ...), so that
 * `torch.utils.checkpoint` can tell whether a checkpointed function drew random numbers,
 * which it cannot yet replay (flint does not expose the generator's state).
 */

/**
 * Incremented by every random fill. @internal
 * @example const before = randomDraws.count; fn(); const drew = randomDraws.count !== before;
 */
export const randomDraws = { count: 0 };
