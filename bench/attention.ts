/**
 * The fused attention forward on the CPU against the matmul-softmax composition, in flint
 * and in PyTorch 1.13 (/usr/bin/python3), with the timing rule of timing.ts on both sides:
 * transformer_infer's attention shapes (B 8 × 8 heads, L 128, head dim 32), causal and not.
 * Then the memory of one forward at L = 4096 (N 8, head dim 64): the allocator's peak above
 * the inputs (native storages; the fused kernel's per-thread tiles are a few KB outside it)
 * and the process RSS growth, for the fused kernel and for the composition.
 * Run: npx tsx bench/attention.ts
 */
import { execFileSync } from 'node:child_process';
import * as torch from 'flint-torch';
import * as call from '../src/native/calls.generated.js';
import { fusedAttention, type FusedAttentionOptions } from '../src/nn/functional/fused-attention.js';
import { timeit } from './timing.js';

function composed(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, options: FusedAttentionOptions): torch.Tensor {
  return torch.tidy(() => {
    let scores = torch.matmul(q, k.transpose(-2, -1)).mul(options.scale);
    if (options.isCausal) {
      const [l, s] = [q.shape[q.shape.length - 2], k.shape[k.shape.length - 2]];
      scores = scores.maskedFill(torch.ones([l, s], { dtype: torch.bool }).triu(1), -Infinity);
    }
    return torch.matmul(torch.softmax(scores, -1), v);
  });
}

const PY = `
import json, time, torch
torch.set_num_threads(${torch.getNumThreads()})
def timeit(fn, min_time=0.5, repeats=7, warmup=3):
    for _ in range(warmup): fn()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n): fn()
        if time.perf_counter() - t > min_time / repeats or n >= 2**20: break
        n *= 2
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n): fn()
        times.append((time.perf_counter() - t) / n)
    return sorted(times)[repeats // 2]
q, k, v = (torch.randn(8, 8, 128, 32) for _ in range(3))
causal = torch.ones(128, 128, dtype=torch.bool).triu(1)
with torch.no_grad():
    plain = timeit(lambda: torch.softmax(q @ k.transpose(-2, -1) * 32 ** -0.5, -1) @ v)
    masked = timeit(lambda: torch.softmax((q @ k.transpose(-2, -1) * 32 ** -0.5).masked_fill(causal, float('-inf')), -1) @ v)
print(json.dumps([plain, masked]))
`;

const ms = (s: number) => `${(s * 1e3).toFixed(3)} ms`;

function speed(): void {
  const [q, k, v] = [0, 1, 2].map(() => torch.randn([8, 8, 128, 32]));
  const torchTimes = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY], { encoding: 'utf8' })) as number[];
  torch.noGrad(() => {
    for (const [i, isCausal] of [false, true].entries()) {
      const options: FusedAttentionOptions = { isCausal, scale: 1 / Math.sqrt(32), dropoutP: 0 };
      const fused = timeit(() => fusedAttention(q, k, v, options).dispose());
      const plain = timeit(() => composed(q, k, v, options).dispose());
      console.log(
        `attention forward (8,8,128,32)${isCausal ? ' causal' : ''}: flint fused ${ms(fused)}, flint matmul-softmax ${ms(plain)}, ` +
          `torch 1.13 matmul-softmax ${ms(torchTimes[i])}  (fused vs torch ${(torchTimes[i] / fused).toFixed(2)}x)`,
      );
    }
  });
}

function memory(which: 'fused' | 'composition'): void {
  const [q, k, v] = [0, 1, 2].map(() => torch.randn([8, 4096, 64]));
  const options: FusedAttentionOptions = { isCausal: false, scale: 0.125, dropoutP: 0 };
  torch.emptyCache();
  const base = torch.memoryStats().cpu.allocatedBytes;
  call.resetPeakMemory(0);
  const rss = process.memoryUsage().rss;
  torch.noGrad(() => {
    const out = which === 'fused' ? fusedAttention(q, k, v, options) : composed(q, k, v, options);
    const peak = torch.memoryStats().cpu.peakAllocatedBytes - base;
    const grew = process.memoryUsage().rss - rss;
    const outBytes = out.numel() * 4;
    console.log(
      `attention forward L=4096 N=8 E=64, ${which}: allocator peak above inputs ${(peak / 2 ** 20).toFixed(1)} MiB ` +
        `(output ${(outBytes / 2 ** 20).toFixed(1)} MiB), RSS growth ${(grew / 2 ** 20).toFixed(1)} MiB`,
    );
    out.dispose();
  });
}

speed();
// The fused run first: RSS only grows, so the composition's pages would hide the fused kernel's.
memory('fused');
memory('composition');
