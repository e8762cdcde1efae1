import * as torch from './src/index.js';
torch.manualSeed(0);
const s = new torch.utils.data.WeightedRandomSampler([1, 1, 1, 1], 4, { replacement: false } );
console.log(s.replacement, [...s]);
