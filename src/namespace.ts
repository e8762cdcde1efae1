/**
 * Everything `flint` exports, as one namespace: what `import torch from 'flint'` gives
 * (src/index.ts's default export).
 * @example import torch from 'flint'; torch.ones(2)
 */
export * from './index.js';
