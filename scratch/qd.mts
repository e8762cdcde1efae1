import * as torch from '../src/index.ts';
import * as call from '../src/native/calls.generated.ts';
import { fresh } from '../src/native/meta.ts';
import { fromHandle } from '../src/tensor/tensor.ts';
torch.setNumThreads(Number(process.env.T ?? 1));
const x = torch.randn([256, 784]);
const w = torch.randint(-128, 128, [784, 256]).to(torch.int8);
const s = torch.tensor([0.01]);
for (let i = 0; i < 8; i++) { const t0 = performance.now(); const h = call.quantizedLinearDynamic(fresh(torch.float32, [256, 256]), x, w, s, null, 0.05, 64); const t1 = performance.now(); fromHandle(h, [256,256], torch.float32, x.device).dispose(); console.log('ms', (t1 - t0).toFixed(3)); }
