import * as torch from '../src/index.ts';
torch.setNumThreads(2);
const model = new torch.nn.Sequential(new torch.nn.Linear(784, 256), new torch.nn.ReLU(), new torch.nn.Linear(256, 10));
const q = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]));
const x = torch.randn([256, 784]);
torch.noGrad(() => { for (let i = 0; i < 200; i++) torch.tidy(() => { q(x); }); });
const prof = torch.profiler.profile({}, () => torch.noGrad(() => { for (let i = 0; i < 200; i++) torch.tidy(() => { q(x); }); }));
console.log(prof.keyAverages().table({ sortBy: 'cpu_time_total', rowLimit: 12 }));
