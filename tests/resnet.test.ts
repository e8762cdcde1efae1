/**
 * examples/resnet.ts against real torchvision: a state dict that torchvision wrote (random
 * weights and random BatchNorm statistics, written at test time by
 * scripts/make_resnet_checkpoint.py because it is tens of MB) loads into the port by name,
 * and the eval-mode logits agree within 1e-4.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { BasicBlock, Bottleneck, resnet18, resnet50, type ResNet } from '../examples/resnet.js';
import { PYTHON, pythonCanImport } from './helpers/python.js';
import { execFileSync } from 'node:child_process';
import { native } from '../src/native/addon.js';

const hasTorchvision = pythonCanImport('torchvision');
if (!hasTorchvision) console.warn('NOTICE: ResNet parity tests skipped: /usr/bin/python3 cannot import torchvision (apt-get install python3-torchvision)');

const dir = mkdtempSync(join(tmpdir(), 'flint-resnet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Checkpoint {
  state_dict: Map<string, torch.Tensor> | Record<string, torch.Tensor>;
  x: torch.Tensor;
  logits: torch.Tensor;
  repr: string;
}

function torchvisionCheckpoint(arch: string): Checkpoint {
  const file = join(dir, `${arch}.pt`);
  execFileSync(PYTHON, ['scripts/make_resnet_checkpoint.py', arch, file], { stdio: 'inherit' });
  return torch.loadSync(file) as Checkpoint;
}

function parity(arch: string, make: () => ResNet): void {
  const ckpt = torchvisionCheckpoint(arch);
  const net = make();
  expect(String(net)).toBe(ckpt.repr);
  const missing = net.loadStateDict(ckpt.state_dict);
  expect(missing.missingKeys).toEqual([]);
  expect(missing.unexpectedKeys).toEqual([]);
  net.eval();
  const logits = torch.noGrad(() => net(ckpt.x));
  expect(logits.shape).toEqual([2, 1000]);
  const diff = logits.sub(ckpt.logits).abs().max().item();
  expect(diff).toBeLessThan(1e-4);
  // The same keys, in the same order, come back out.
  expect(Object.keys(net.stateDict())).toEqual(
    ckpt.state_dict instanceof Map ? [...ckpt.state_dict.keys()] : Object.keys(ckpt.state_dict),
  );
}

describe('torchvision ResNet, ported', () => {
  it.skipIf(!hasTorchvision)('ResNet-18 (BasicBlock) gives torchvision\'s eval logits', () => parity('resnet18', () => resnet18()), 120_000);
  it.skipIf(!hasTorchvision)('ResNet-50 (Bottleneck) gives torchvision\'s eval logits', () => parity('resnet50', () => resnet50()), 240_000);

  it('has torchvision\'s structure and parameter count', () => {
    torch.manualSeed(0);
    const net18 = resnet18();
    let n = 0;
    for (const p of net18.parameters()) n += p.numel();
    expect(n).toBe(11_689_512); // torchvision's resnet18: sum(p.numel() for p in parameters())
    expect(net18.layer2.at(0)).toBeInstanceOf(BasicBlock);
    expect(String(net18.layer1.at(0))).toBe(
      [
        'BasicBlock(',
        '  (conv1): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)',
        '  (bn1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
        '  (relu): ReLU(inplace=True)',
        '  (conv2): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)',
        '  (bn2): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
        ')',
      ].join('\n'),
    );
    const net50 = resnet50({ numClasses: 10, zeroInitResidual: true });
    const block = net50.layer3.at<Bottleneck>(0);
    expect(block).toBeInstanceOf(Bottleneck);
    expect((block.bn3 as torch.nn.BatchNorm2d).weight?.abs().sum().item()).toBe(0);
    expect(net50.fc.weight.shape).toEqual([10, 2048]);
  });

  it('trains: a step of SGD on ResNet-18 lowers the loss on its batch', () => {
    torch.manualSeed(0);
    const net = resnet18({ numClasses: 4 });
    const x = torch.rand(4, 3, 32, 32);
    const y = torch.tensor([0, 1, 2, 3]);
    const opt = new torch.optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      const loss = torch.nn.functional.crossEntropy(net(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses[2]).toBeLessThan(losses[0]);
    // Training mode moved the running statistics and counted the batches.
    expect((net.bn1 as torch.nn.BatchNorm2d).num_batches_tracked?.item()).toBe(3);
  });
  it('frees each block\'s activations under noGrad: the peak is two activations and the stem\'s columns', () => {
    torch.manualSeed(0);
    const net = resnet18().eval();
    const [B, S] = [2, 112];
    const x = torch.rand(B, 3, S, S);
    torch.noGrad(() => net(x)).dispose();
    native.resetPeakMemory(0);
    const before = torch.memoryStats().cpu.allocatedBytes;
    torch.noGrad(() => net(x)).dispose();
    const peak = torch.memoryStats().cpu.peakAllocatedBytes - before;
    // conv1's output is the largest activation; its im2col columns (3*7*7 rows, one per
    // output pixel, both images in one chunk) are the largest workspace. The whole
    // network's outputs add up to about 17 MiB; without the blocks' tidy the peak was 11.5.
    const activation = B * 64 * (S / 2) ** 2 * 4;
    const columns = B * 3 * 7 * 7 * (S / 2) ** 2 * 4;
    expect(peak).toBeGreaterThan(activation);
    expect(peak).toBeLessThanOrEqual(2 * activation + columns + x.numel() * 4);
  });
});
