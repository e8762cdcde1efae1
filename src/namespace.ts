/**
 * Everything `flint` exports, as one namespace: what `import torch from 'flint-torch'` gives
 * (src/index.ts's default export).
 * @example import torch from 'flint-torch'; torch.ones(2)
 */
export * from './index.js';
