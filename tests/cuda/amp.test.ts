/**
 * Mixed precision on the GPU: GradScaler reproduces PyTorch's CPU trajectory of
 * tests/fixtures/amp.json (the MLP with an inf and a NaN step) on the device, and
 * autocast('cuda') follows PyTorch 2.x's CUDA op lists (float16 products, the float32
 * list, promotion). In self-test mode the CPU stands in for the scaler test; the autocast
 * lists need a real GPU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, cudaGate } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const { nn, optim } = torch;
const F = nn.functional;

interface Step {
  loss: number;
  stepped: boolean;
  scale: number;
  tracker: number;
}
const fx = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'amp.json'), 'utf8')) as {
    scaler: { init: Record<string, { shape: number[]; data: number[] }>; x: number[]; y: number[]; steps: Step[]; final: Record<string, number[]> };
  }
).scaler;

describe.runIf(run)('GradScaler on the device', () => {
  it("follows PyTorch's trajectory, skipping the inf and NaN steps", () => {
    const net = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const sd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(fx.init)) sd[k] = torch.tensor(v.data).reshape(v.shape);
    net.loadStateDict(sd);
    net.to(DEV);
    const x = torch.tensor(fx.x).reshape([16, 4]).to(DEV);
    const y = torch.tensor(fx.y).reshape([16, 1]).to(DEV);
    const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
    const scaler = new torch.amp.GradScaler(DEV, { initScale: 2 ** 10, growthInterval: 3 });
    const params = Object.fromEntries(net.namedParameters());
    fx.steps.forEach((expected, i) => {
      opt.zeroGrad();
      const loss = F.mseLoss(net(x), y);
      scaler.scale(loss).backward();
      if (i === 3) params['0.weight'].grad!.select(0, 1).select(0, 2).fill_(Infinity);
      if (i === 6) params['2.bias'].grad!.select(0, 0).fill_(NaN);
      scaler.step(opt);
      scaler.update();
      expect(loss.item()).toBeCloseTo(expected.loss, 4);
      expect(scaler.getScale()).toBe(expected.scale);
      expect(scaler._getGrowthTracker()).toBe(expected.tracker);
    });
    for (const [k, v] of Object.entries(fx.final)) {
      const got = Array.from(params[k].cpu().dataSync() as Float32Array);
      got.forEach((g, i) => expect(Math.abs(g - v[i])).toBeLessThan(1e-4));
    }
  });
});

describe.runIf(hasCuda)("autocast('cuda') with PyTorch 2.x's CUDA lists", () => {
  it('runs products in float16, the float32 list in float32, and promotes', () => {
    const dev = 'cuda';
    const a = torch.randn(4, 4, { device: dev });
    const h = a.to(torch.float16);
    torch.cuda.amp.autocast(() => {
      expect(torch.isAutocastEnabled()).toBe(true);
      expect(torch.mm(a, a).dtype).toBe(torch.float16);
      expect(F.linear(a, a).dtype).toBe(torch.float16);
      expect(torch.softmax(h, 1).dtype).toBe(torch.float32);
      expect(torch.sum(h).dtype).toBe(torch.float32);
      expect(torch.sum(h, { dtype: torch.float16 }).dtype).toBe(torch.float16);
      expect(torch.exp(h).dtype).toBe(torch.float32);
      expect(F.layerNorm(h, [4]).dtype).toBe(torch.float32);
      expect(torch.addcmul(a, h, h).dtype).toBe(torch.float32);
      // Attention is on the lower list with its float mask (a keyword tensor, cast too).
      const q = torch.randn([1, 2, 5, 8], { device: dev });
      expect(F.scaledDotProductAttention(q, q, q, { attnMask: torch.randn([5, 5], { device: dev }) }).dtype).toBe(torch.float16);
      expect(torch.mm(torch.ones(2, 2), torch.ones(2, 2)).dtype).toBe(torch.float32); // CPU tensors: untouched
      expect(() => F.binaryCrossEntropy(torch.sigmoid(a), torch.rand(4, 4, { device: dev }))).toThrow('are unsafe to autocast');
    });
    const bf = torch.autocast('cuda', { dtype: torch.bfloat16 }, () => torch.mm(a, a));
    expect(bf.dtype).toBe(torch.bfloat16);
    const ref = torch.mm(a.to(torch.float16).float(), a.to(torch.float16).float());
    const got = torch.autocast('cuda', () => torch.mm(a, a)).float();
    expect(got.sub(ref).abs().max().item()).toBeLessThan(1e-2 * Math.max(1, ref.abs().max().item()));
  });

  it('trains with GradScaler on CUDA, skipping a step with an inf gradient', () => {
    const w = torch.randn(4, 4, { device: 'cuda', requiresGrad: true });
    const opt = new torch.optim.SGD([w], { lr: 0.1 });
    const scaler = new torch.cuda.amp.GradScaler({ initScale: 1024 });
    const x = torch.randn(8, 4, { device: 'cuda' });
    const loss = torch.autocast('cuda', () => F.mseLoss(F.linear(x, w), torch.zeros(8, 4, { device: 'cuda' })));
    expect(loss.dtype).toBe(torch.float32);
    scaler.scale(loss).backward();
    const before = w.detach().clone();
    w.grad!.select(0, 0).select(0, 0).fill_(Infinity);
    scaler.step(opt);
    scaler.update();
    expect(w.detach().sub(before).abs().max().item()).toBe(0);
    expect(scaler.getScale()).toBe(512);
  });
});

