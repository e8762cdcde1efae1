import * as torch from '../src/index.ts';
torch.setNumThreads(Number(process.env.T ?? 2));
const model = new torch.nn.Sequential(new torch.nn.Linear(784, 256), new torch.nn.ReLU(), new torch.nn.Linear(256, 10));
const q = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]));
const x = torch.randn([256, 784]);
torch.noGrad(() => { for (let i = 0; i < 300; i++) { const t0 = performance.now(); torch.tidy(() => { q(x); }); if (i > 295) console.log('ms', (performance.now() - t0).toFixed(3)); } });
