import * as torch from '../src/index.ts';
torch.setNumThreads(Number(process.env.T ?? 2));
const lin = new torch.nn.Linear(784, 256);
const q = torch.nn.quantized.dynamic.Linear.fromFloat(lin);
const x = torch.randn([256, 784]);
for (let i = 0; i < 5; i++) { const t0 = performance.now(); q(x); console.log('ms', performance.now() - t0); }
torch.noGrad(() => { for (let i = 0; i < 3; i++) { const t0 = performance.now(); x.min().item(); x.max().item(); console.log('minmax ms', performance.now() - t0); } });
