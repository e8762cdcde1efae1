import * as torch from '../src/index.ts';
torch.manualSeed(3);
const lin = new torch.nn.Linear(6, 3);
const q = torch.nn.quantized.dynamic.Linear.fromFloat(lin);
const x = torch.randn([4, 6]);
console.log(String(q(x)), String(lin(x)));
