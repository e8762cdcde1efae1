/**
 * `torch.serve`: serving a model from worker threads, with dynamic batching, so that
 * inference never blocks the event loop of a Node service.
 * @example
 * const pool = await torch.serve.Pool.create({ module: import.meta.url, exportName: 'loadModel' }, { numWorkers: 2, maxBatch: 32, maxDelayMs: 2 });
 * const y = await pool.run(x);
 */
export { Pool, type PoolOptions } from './pool.js';
export type { ModelSpec } from './protocol.js';
