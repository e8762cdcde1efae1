/**
 * torch.cuda without a GPU (this file never skips): CUDA reports itself unavailable with a
 * reason, device objects still parse and print, and anything that would place a tensor on
 * the GPU throws PyTorch's "CUDA is not available" error. With a GPU it checks the
 * positive facts instead.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const hasCuda = torch.cuda.isAvailable();

/** The message of the error `fn` throws (fails the test when it does not throw). */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

describe.runIf(!hasCuda)('torch.cuda without a GPU', () => {
  it('reports itself unavailable, with a reason', () => {
    expect(torch.cuda.isAvailable()).toBe(false);
    expect(torch.cuda.deviceCount()).toBe(0);
    const reason = torch.cuda.unavailableReason();
    expect(typeof reason).toBe('string');
    expect(reason.length).toBeGreaterThan(0);
  });

  it("placing a tensor on 'cuda' throws 'CUDA is not available: <reason>'", () => {
    const reason = torch.cuda.unavailableReason();
    const error = errorOf(() => torch.zeros(2, { device: 'cuda' }));
    expect(error.message.startsWith('CUDA is not available')).toBe(true);
    expect(error.message).toContain(reason);
    for (const fn of [
      () => torch.ones(2).cuda(),
      () => torch.ones(2).to('cuda'),
      () => torch.ones(2).to(torch.device('cuda:0')),
      () => torch.rand(3, { device: 'cuda' }),
      () => torch.arange(5, { device: 'cuda' }),
      () => torch.tensor([1, 2], { device: 'cuda:0' }),
    ]) {
      expect(errorOf(fn).message.startsWith('CUDA is not available')).toBe(true);
    }
  });

  it('torch.device("cuda") itself does not throw and prints as PyTorch', () => {
    const d = torch.device('cuda');
    expect(String(d)).toBe('cuda');
    expect(d.type).toBe('cuda');
    expect(d.index).toBeNull();
    expect(String(torch.device('cuda:1'))).toBe('cuda:1');
    expect(torch.device('cuda:1').index).toBe(1);
    expect(String(torch.device('cpu'))).toBe('cpu');
  });

  it('device queries say CUDA is not available; bfloat16 support is false', () => {
    for (const fn of [() => torch.cuda.getDeviceProperties(0), () => torch.cuda.getDeviceCapability(), () => torch.cuda.memGetInfo()]) {
      expect(errorOf(fn).message.startsWith('CUDA is not available')).toBe(true);
    }
    expect(torch.cuda.isBf16Supported()).toBe(false);
    for (const fn of [() => torch.cuda.getRngState(), () => torch.cuda.initialSeed(), () => torch.cuda.seed(), () => torch.cuda.setRngState(torch.zeros(16, { dtype: torch.uint8 }))]) {
      expect(errorOf(fn).message.startsWith('CUDA is not available')).toBe(true);
    }
    expect(torch.cuda.getRngStateAll()).toEqual([]);
    expect(errorOf(() => torch.cuda.device(0, () => 1)).message.startsWith('CUDA is not available')).toBe(true);
    expect(torch.cuda.device(-1, () => 6)).toBe(6); // PyTorch's no-op index
    expect(torch.cuda.device(null, () => 7)).toBe(7);
    expect(errorOf(() => torch.cuda.setRngState(torch.zeros(16))).message).toBe('setRngState(): new_state must be a torch.ByteTensor (uint8, on the CPU)');
    expect(String(new torch.cuda.CudaDeviceProperties('NVIDIA H100 80GB HBM3', 9, 0, 85_045_477_376, 132))).toBe(
      "_CudaDeviceProperties(name='NVIDIA H100 80GB HBM3', major=9, minor=0, total_memory=81105MB, multi_processor_count=132)",
    );
  });

  it('emptyCache and the TF32 switch are harmless without CUDA', () => {
    expect(() => torch.cuda.emptyCache()).not.toThrow();
    const before = torch.backends.cuda.matmul.allowTF32;
    torch.backends.cuda.matmul.allowTF32 = true;
    expect(torch.backends.cuda.matmul.allowTF32).toBe(true);
    torch.backends.cuda.matmul.allowTF32 = before;
  });

  it('nn.Linear(2, 2).cuda() throws the same error, and the module stays usable on the CPU', () => {
    const layer = new torch.nn.Linear(2, 2);
    const error = errorOf(() => layer.cuda());
    expect(error.message.startsWith('CUDA is not available')).toBe(true);
    expect(error.message).toBe(errorOf(() => torch.zeros(2, { device: 'cuda' })).message);
    expect(String(layer.weight.device)).toBe('cpu');
    expect(layer(torch.ones(1, 2)).shape).toEqual([1, 2]);
  });

  it('torch.load with mapLocation cuda refuses with the same error', () => {
    const bytes = torch.serialize({ w: torch.ones(2) });
    expect(String((torch.deserialize(bytes) as { w: torch.Tensor }).w.device)).toBe('cpu');
    expect(errorOf(() => torch.deserialize(bytes, { mapLocation: 'cuda' })).message.startsWith('CUDA is not available')).toBe(true);
  });
});

describe.runIf(hasCuda)('torch.cuda with a GPU', () => {
  it('reports the device', () => {
    expect(torch.cuda.isAvailable()).toBe(true);
    expect(torch.cuda.deviceCount()).toBeGreaterThanOrEqual(1);
    expect(torch.cuda.unavailableReason()).toBe('');
    const name = torch.cuda.getDeviceName(0);
    expect(typeof name).toBe('string');
    expect(name.length).toBeGreaterThan(0);
    expect(String(torch.zeros(1, { device: 'cuda' }).device)).toBe('cuda:0');
    expect(String(torch.device('cuda'))).toBe('cuda');
    expect(String(torch.device('cuda:1'))).toBe('cuda:1');
    expect(() => torch.cuda.emptyCache()).not.toThrow();
    expect(String(new torch.nn.Linear(2, 2).cuda().weight.device)).toBe('cuda:0');
  });

  it('device properties, capability and free memory', () => {
    const props = torch.cuda.getDeviceProperties(0);
    expect(props.name).toBe(torch.cuda.getDeviceName(0));
    expect(props.major).toBeGreaterThanOrEqual(7);
    expect(props.multiProcessorCount).toBeGreaterThan(0);
    expect(props.totalMemory).toBeGreaterThan(1 << 30);
    expect(String(props)).toMatch(/^_CudaDeviceProperties\(name='.+', major=\d+, minor=\d+, total_memory=\d+MB, multi_processor_count=\d+\)$/);
    expect(torch.cuda.getDeviceCapability(0)).toEqual([props.major, props.minor]);
    const [free, total] = torch.cuda.memGetInfo();
    expect(total).toBe(props.totalMemory);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(total);
    expect(torch.cuda.isBf16Supported()).toBe(props.major >= 8);
  });

  it('torch.cuda.device(d, fn) makes d current inside fn only', async () => {
    const before = torch.cuda.currentDevice();
    expect(torch.cuda.device(0, () => String(torch.zeros(1, { device: 'cuda' }).device))).toBe('cuda:0');
    expect(torch.cuda.currentDevice()).toBe(before);
    await torch.cuda.device(0, async () => {
      await Promise.resolve();
      expect(torch.cuda.currentDevice()).toBe(0);
    });
    expect(torch.cuda.currentDevice()).toBe(before);
  });

  it("the generator's state: save, draw, restore, draw the same; the initial seed; reseeding", () => {
    torch.cuda.manualSeed(7);
    expect(torch.cuda.initialSeed()).toBe(7);
    const saved = torch.cuda.getRngState();
    expect(saved.shape).toEqual([16]);
    const first = torch.rand(5, { device: 'cuda' }).cpu().tolist();
    torch.cuda.setRngState(saved);
    expect(torch.rand(5, { device: 'cuda' }).cpu().tolist()).toEqual(first);
    expect(torch.cuda.getRngStateAll().length).toBe(torch.cuda.deviceCount());
    expect(() => torch.cuda.setRngState(torch.zeros(5, { dtype: torch.uint8 }))).toThrow('RNG state must be 16 bytes');
    torch.cuda.seed();
    expect(torch.cuda.initialSeed()).not.toBe(7);
  });
});

describe('examples/5.6-gpu.ts (the seed chapter\'s GPU section)', () => {
  it('runs on this machine: on the GPU when there is one, else on the CPU, saying so', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/5.6-gpu.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe("device(type='cpu') device(type='cuda') device(type='cuda', index=1)");
    expect(lines[1]).toBe(String(torch.cuda.deviceCount()));
    if (hasCuda) {
      expect(out).toContain("tensor([[1., 1., 1.],\n        [1., 1., 1.]], device='cuda:0')");
      expect(out).toContain('torch.Size([2, 1]) cuda:0');
    } else {
      expect(lines[2]).toMatch(/^no GPU, so everything below runs on the CPU \(.+\)$/);
      expect(lines[3]).toBe("device(type='cpu') device(type='cpu') [ device(type='cpu') ]");
      expect(out).toContain('tensor([[1., 1., 1.],\n        [1., 1., 1.]])');
      expect(out).toContain('torch.Size([2, 1]) cpu');
    }
    // Z = Y.to(X.device) lands beside X, X + Z - Y sums to 6, and a second .to() is free.
    expect(out).toContain('true\ntrue\ntrue\n');
  }, 60_000);
});
