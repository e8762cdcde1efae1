// Peak memory of resnet18_infer (torch_bench.py's workload: no-grad eval forward of
// ResNet-18 on rand(B, 3, 224, 224)), flint beside PyTorch; with `--workload attention`, of
// one no-grad scaled-dot-product attention over 8 heads of L = 4096 (E = 64); with
// `--workload mlp_train`, of one warm training step of torch_bench.py's mlp_train.
//
//   npm run bench:memory                    # CPU: peak RSS growth during one forward
//   npm run bench:memory -- --device cuda   # GPU: maxMemoryAllocated during one forward
//   npm run bench:memory -- --workload attention [--device cuda]
//   npm run bench:memory -- --workload mlp_train [--device cuda]
//
// On the CPU both sides are measured the same way: the kernel's peak-RSS mark is reset
// (`echo 5 > /proc/self/clear_refs`) once the model and input exist, and the peak of a
// forward is read from VmHWM, less the RSS it started from: the memory the forward itself
// needed (activations and scratch). The first forward in the process counts what the
// allocators had to take from the system; a second forward counts what they took beyond
// what they kept from the first (flint's caching allocator keeps its large blocks, which
// makes its warm number small). flint also reports its allocator's own peak of live
// tensor bytes during a warm forward, the CPU analogue of CUDA's maxMemoryAllocated.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as torch from 'flint-torch';
import { resnet18 } from '../examples/resnet.js';
import { DeviceCode, native } from '../src/native/addon.js';

const MiB = 1024 * 1024;

function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`/proc/self/status has no ${field} (not Linux?)`);
  return Number(line.split(/\s+/)[1]);
}

/** Bytes by which the resident set grew at its peak while `fn` ran. */
function peakRssGrowth(fn: () => void): number {
  writeFileSync('/proc/self/clear_refs', '5');
  const before = statusKiB('VmRSS');
  fn();
  return (statusKiB('VmHWM') - before) * 1024;
}

const PYTHON_SIDE = `
import sys, torch
sys.path.insert(0, sys.argv[1])
from torch_bench import ResNet18
device = sys.argv[2]
B = 256 if device == 'cuda' else 4
torch.manual_seed(0)
net = ResNet18().to(device).eval()
x = torch.rand(B, 3, 224, 224, device=device)
def kib(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1])
with torch.no_grad():
    if device == 'cpu':
        open('/proc/self/clear_refs', 'w').write('5')
        before = kib('VmRSS')
        net(x)
        print((kib('VmHWM') - before) * 1024)
    else:
        net(x)
    if device == 'cuda':
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        net(x)
        torch.cuda.synchronize()
        print(torch.cuda.max_memory_allocated() - base)
    else:
        open('/proc/self/clear_refs', 'w').write('5')
        before = kib('VmRSS')
        net(x)
        print((kib('VmHWM') - before) * 1024)
`;

function main(): void {
  const { values } = parseArgs({
    options: { device: { type: 'string', default: 'cpu' }, workload: { type: 'string', default: 'resnet18_infer' } },
  });
  const device = values.device === 'cuda' ? 'cuda' : 'cpu';
  if (values.workload === 'attention') return attentionMemory(device);
  if (values.workload === 'mlp_train') return trainingStepMemory(device);
  if (values.workload !== 'resnet18_infer') throw new Error(`--workload: expected resnet18_infer, attention or mlp_train, got ${values.workload}`);
  const B = device === 'cuda' ? 256 : 4;
  torch.manualSeed(0);
  const net = resnet18().to(device).eval();
  const x = torch.rand([B, 3, 224, 224], { device });
  const flint: number[] = [];
  if (device === 'cuda') {
    torch.noGrad(() => net(x)).dispose();
    torch.cuda.synchronize();
    const base = torch.cuda.memoryAllocated();
    torch.cuda.resetPeakMemoryStats();
    torch.noGrad(() => net(x)).dispose();
    torch.cuda.synchronize();
    flint.push(torch.cuda.maxMemoryAllocated() - base);
  } else {
    flint.push(peakRssGrowth(() => torch.noGrad(() => net(x)).dispose()));
    flint.push(peakRssGrowth(() => torch.noGrad(() => net(x)).dispose()));
    const base = torch.memoryStats().cpu.allocatedBytes;
    native.resetPeakMemory(DeviceCode.CPU);
    torch.noGrad(() => net(x)).dispose();
    flint.push(torch.memoryStats().cpu.peakAllocatedBytes - base);
  }

  // torch_bench.py's own ResNet18, found as bench/run.ts finds the script.
  const script = process.env.FLINT_TORCH_BENCH ?? resolve(process.cwd(), '..', 'shared', 'reference', 'torch_bench.py');
  const py = spawnSync('/usr/bin/python3', ['-c', PYTHON_SIDE, dirname(script), device], { encoding: 'utf8' });
  const torchBytes = py.status === 0 ? py.stdout.trim().split('\n').map(Number) : [];
  if (py.status !== 0) console.error(`PyTorch side failed: ${py.stderr.trim().split('\n').pop()}`);

  const mib = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : (v / MiB).toFixed(1));
  const activation = (B * 64 * 112 * 112 * 4) / MiB;
  console.log(`resnet18_infer B=${B} on ${device}: memory one no-grad forward needs, in MiB`);
  if (device === 'cuda') {
    console.log('| impl | maxMemoryAllocated growth |');
    console.log('|---|---:|');
    console.log(`| flint | ${mib(flint[0])} |`);
    console.log(`| torch | ${mib(torchBytes[0])} |`);
  } else {
    console.log('| impl | peak RSS growth, first forward | peak RSS growth, next forward | allocator peak of live bytes |');
    console.log('|---|---:|---:|---:|');
    console.log(`| flint | ${mib(flint[0])} | ${mib(flint[1])} | ${mib(flint[2])} |`);
    console.log(`| torch | ${mib(torchBytes[0])} | ${mib(torchBytes[1])} | — |`);
  }
  console.log(`(the largest activation, after conv1, is ${activation.toFixed(1)} MiB)`);
}

/**
 * The peak of live tensor bytes while `fn` ran, above what was live before it, and what it
 * left live: CUDA's maxMemoryAllocated, or on the CPU flint's allocator's own peak.
 */
function peakOf(device: 'cpu' | 'cuda', fn: () => void): { peak: number; left: number } {
  if (device === 'cuda') {
    torch.cuda.synchronize();
    const base = torch.cuda.memoryAllocated();
    torch.cuda.resetPeakMemoryStats();
    fn();
    torch.cuda.synchronize();
    return { peak: torch.cuda.maxMemoryAllocated() - base, left: torch.cuda.memoryAllocated() - base };
  }
  const base = torch.memoryStats().cpu.allocatedBytes;
  native.resetPeakMemory(DeviceCode.CPU);
  fn();
  const after = torch.memoryStats().cpu;
  return { peak: after.peakAllocatedBytes - base, left: after.allocatedBytes - base };
}

// What the attention and training snippets share: after `run()` has warmed up, print the
// peak bytes of one more `run()` above what was live before it (CUDA's
// max_memory_allocated growth, or on the CPU the peak RSS growth), and on CUDA what it left.
const PYTHON_PEAK = `
def kib(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1])
def print_peak(run, device):
    if device == 'cuda':
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        run()
        torch.cuda.synchronize()
        print(torch.cuda.max_memory_allocated() - base)
        print(torch.cuda.memory_allocated() - base)
    else:
        open('/proc/self/clear_refs', 'w').write('5')
        before = kib('VmRSS')
        run()
        print((kib('VmHWM') - before) * 1024)
`;

const ATTENTION_PYTHON_SIDE = `
import sys, torch
device = sys.argv[1]
L, E = 4096, 64
torch.manual_seed(0)
q, k, v = (torch.rand(1, 8, L, E, device=device) for _ in range(3))
${PYTHON_PEAK}
def attention():
    f = getattr(torch.nn.functional, 'scaled_dot_product_attention', None)
    if f is not None:
        return f(q, k, v)
    # PyTorch 1.13 has no scaled_dot_product_attention: its users write this.
    return torch.softmax(q @ k.transpose(-2, -1) / E ** 0.5, dim=-1) @ v
with torch.no_grad():
    attention()
    print_peak(attention, device)
print(torch.__version__)
`;

/** The attention forward at L = 4096: the fused kernel's O(L) against a materialized L×L. */
function attentionMemory(device: 'cpu' | 'cuda'): void {
  const L = 4096;
  const E = 64;
  torch.manualSeed(0);
  const [q, k, v] = [0, 1, 2].map(() => torch.rand([1, 8, L, E], { device }));
  const F = torch.nn.functional;
  const fused = (): void => torch.noGrad(() => F.scaledDotProductAttention(q, k, v)).dispose();
  const composed = (): void =>
    torch.noGrad(() => torch.softmax(q.matmul(k.transpose(-2, -1)).div(Math.sqrt(E)), -1).matmul(v)).dispose();
  const measure = (fn: () => void): number => {
    fn();
    return peakOf(device, fn).peak;
  };
  const fusedBytes = measure(fused);
  const composedBytes = measure(composed);
  const py = spawnSync('/usr/bin/python3', ['-c', ATTENTION_PYTHON_SIDE, device], { encoding: 'utf8' });
  const out = py.status === 0 ? py.stdout.trim().split('\n') : ['NaN', '?'];
  const [torchBytes, torchVersion] = [out[0], out[out.length - 1]];
  if (py.status !== 0) console.error(`PyTorch side failed: ${py.stderr.trim().split('\n').pop()}`);
  const mib = (b: number) => (Number.isNaN(b) ? '—' : (b / MiB).toFixed(1));
  const what = device === 'cuda' ? 'maxMemoryAllocated growth' : 'allocator peak of live bytes (flint), peak RSS growth (torch)';
  console.log(`attention forward, 8 heads, L = ${L}, E = ${E}, on ${device}: ${what}, in MiB`);
  console.log('| impl | memory |');
  console.log('|---|---:|');
  console.log(`| flint F.scaledDotProductAttention | ${mib(fusedBytes)} |`);
  console.log(`| flint softmax(q·kᵀ/√E)·v | ${mib(composedBytes)} |`);
  console.log(`| torch ${torchVersion} ${torchVersion.startsWith('1.') ? 'softmax(q·kᵀ/√E)·v' : 'scaled_dot_product_attention'} | ${mib(Number(torchBytes))} |`);
  console.log(`(the output is ${((8 * L * E * 4) / MiB).toFixed(1)} MiB; one L×L score matrix per head is ${((8 * L * L * 4) / MiB).toFixed(1)} MiB)`);
}

const TRAINING_PYTHON_SIDE = `
import sys, torch, torch.nn as nn, torch.nn.functional as F
device = sys.argv[1]
B = 128 if device == 'cpu' else 4096
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
x = torch.rand(B, 784, device=device)
y = torch.randint(0, 10, (B,), device=device)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
def step():
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(net(x), y).backward()
    opt.step()
${PYTHON_PEAK}
for _ in range(3):
    step()
opt.zero_grad(set_to_none=True)
print_peak(step, device)
print(torch.__version__)
`;

/**
 * One warm mlp_train step (zeroGrad, forward, crossEntropy, backward, SGD), from zeroed
 * gradients: the activations, gradients and scratch it needs at its peak, and what it
 * leaves behind (the parameters' new .grad). flint's step disposes nothing but its loss.
 */
function trainingStepMemory(device: 'cpu' | 'cuda'): void {
  const B = device === 'cuda' ? 4096 : 128;
  const nn = torch.nn;
  torch.manualSeed(0);
  const net = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10)).to(device);
  const x = torch.rand([B, 784], { device });
  const y = torch.randint(0, 10, [B], { device });
  const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
  const step = (): void => {
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(net(x), y);
    loss.backward();
    opt.step();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) step();
  opt.zeroGrad();
  let rss = NaN;
  const { peak, left } = peakOf(device, () => {
    if (device === 'cuda') step();
    else rss = peakRssGrowth(step);
  });
  const py = spawnSync('/usr/bin/python3', ['-c', TRAINING_PYTHON_SIDE, device], { encoding: 'utf8' });
  const lines = py.status === 0 ? py.stdout.trim().split('\n') : [];
  if (py.status !== 0) console.error(`PyTorch side failed: ${py.stderr.trim().split('\n').pop()}`);
  const mib = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : (v / MiB).toFixed(2));
  const version = lines[lines.length - 1] ?? '?';
  const params = (784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10) * 4;
  console.log(`mlp_train B=${B} on ${device}: one warm training step from zeroed gradients, in MiB (torch ${version})`);
  if (device === 'cuda') {
    console.log('| impl | maxMemoryAllocated growth | left after the step |');
    console.log('|---|---:|---:|');
    console.log(`| flint | ${mib(peak)} | ${mib(left)} |`);
    console.log(`| torch | ${mib(Number(lines[0]))} | ${mib(Number(lines[1]))} |`);
  } else {
    console.log('| impl | allocator peak of live bytes | left after the step | peak RSS growth |');
    console.log('|---|---:|---:|---:|');
    console.log(`| flint | ${mib(peak)} | ${mib(left)} | ${mib(rss)} |`);
    console.log(`| torch | — | — | ${mib(Number(lines[0]))} |`);
  }
  console.log(`(the parameters, and so their gradients, are ${mib(params)} MiB; one 256-wide activation is ${mib(B * 256 * 4)} MiB)`);
}

main();
