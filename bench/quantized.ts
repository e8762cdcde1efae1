// Dynamic quantization against PyTorch 1.13 on this machine: an MLP's inference in float32
// and with its Linear layers quantized to int8 (torch.ao.quantization.quantizeDynamic), and
// one large layer. Run, alternating the two a few times (the VM is noisy):
//   npx tsx bench/quantized.ts                 (flint)
//   /usr/bin/python3 bench/quantized_torch.py  (PyTorch, the same shapes and timing rule)
// Both use the same thread count (FLINT_BENCH_THREADS, default 2).
import * as torch from 'flint-torch';
import { timeit } from './timing.js';

const threads = Number(process.env.FLINT_BENCH_THREADS ?? 2);
torch.setNumThreads(threads);
torch.manualSeed(0);

const WORKLOADS: { name: string; sizes: number[]; batch: number }[] = [
  { name: 'mlp 784-1024-1024-10', sizes: [784, 1024, 1024, 10], batch: 256 },
  { name: 'mlp 784-256-10 (mlp_infer)', sizes: [784, 256, 10], batch: 256 },
  { name: 'linear 4096-4096', sizes: [4096, 4096], batch: 64 },
];

for (const w of WORKLOADS) {
  const layers: torch.nn.Module[] = [];
  for (let i = 0; i + 1 < w.sizes.length; i++) {
    layers.push(new torch.nn.Linear(w.sizes[i]!, w.sizes[i + 1]!));
    if (i + 2 < w.sizes.length) layers.push(new torch.nn.ReLU());
  }
  const model = new torch.nn.Sequential(...layers);
  model.eval();
  const qmodel = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]), torch.qint8);
  const x = torch.randn([w.batch, w.sizes[0]!]);
  for (const [kind, m] of [['float32', model], ['int8', qmodel]] as const) {
    const t = torch.noGrad(() => timeit(() => torch.tidy(() => { m(x); }), { minTime: 0.5, repeats: 5 }));
    console.log(`${w.name} B=${w.batch} ${kind}: ${(w.batch / t).toFixed(0)} samples/s (${(t * 1e3).toFixed(3)} ms)`);
  }
}

// Recurrent layers (quantizeDynamic's default spec): pytorch/examples word_language_model's
// 2-layer LSTM at the quantization tutorial's width, and a small single-sequence one.
const RECURRENT: { name: string; kind: 'LSTM' | 'GRU'; size: number; layers: number; steps: number; batch: number }[] = [
  { name: 'lstm 2x256 T=35 B=20', kind: 'LSTM', size: 256, layers: 2, steps: 35, batch: 20 },
  { name: 'gru 1x128 T=20 B=1', kind: 'GRU', size: 128, layers: 1, steps: 20, batch: 1 },
];
for (const w of RECURRENT) {
  const Layer = w.kind === 'LSTM' ? torch.nn.LSTM : torch.nn.GRU;
  const model = new torch.nn.Sequential(new Layer(w.size, w.size, w.layers));
  model.eval();
  const qmodel = torch.ao.quantization.quantizeDynamic(model);
  const x = torch.randn([w.steps, w.batch, w.size]);
  for (const [kind, m] of [['float32', model], ['int8', qmodel]] as const) {
    const t = torch.noGrad(() => timeit(() => torch.tidy(() => { m(x); }), { minTime: 0.5, repeats: 5 }));
    console.log(`${w.name} ${kind}: ${(w.batch / t).toFixed(0)} sequences/s (${(t * 1e3).toFixed(3)} ms)`);
  }
}
