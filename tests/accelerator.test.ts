// torch.accelerator (PyTorch 2.6+) over torch.cuda: what it reports with and without a
// GPU, and PyTorch's error when an accelerator-only call runs without one.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const hasCuda = torch.cuda.isAvailable();

describe('torch.accelerator', () => {
  it('agrees with torch.cuda', () => {
    expect(torch.accelerator.isAvailable()).toBe(hasCuda);
    expect(torch.accelerator.deviceCount()).toBe(torch.cuda.deviceCount());
    expect(() => torch.accelerator.currentAccelerator({ checkAvailable: 1 as never })).toThrow(
      "currentAccelerator(): argument 'checkAvailable' must be a boolean",
    );
  });

  it.skipIf(hasCuda)("reports no accelerator on a CPU-only machine and raises PyTorch's error", () => {
    expect(torch.accelerator.currentAccelerator()).toBeUndefined();
    expect(torch.accelerator.currentAccelerator({ checkAvailable: true })).toBeUndefined();
    expect(torch.accelerator.deviceCount()).toBe(0);
    const msg = 'Cannot access accelerator device when none is available.';
    expect(() => torch.accelerator.currentDeviceIndex()).toThrow(msg);
    expect(() => torch.accelerator.setDeviceIndex(0)).toThrow(msg);
    expect(() => torch.accelerator.synchronize()).toThrow(msg);
  });

  it.runIf(hasCuda)('reports cuda, its current index, and sets and synchronizes devices', () => {
    const acc = torch.accelerator.currentAccelerator()!;
    expect(acc.type).toBe('cuda');
    expect(String(acc)).toBe('cuda');
    expect(torch.accelerator.currentDeviceIndex()).toBe(torch.cuda.currentDevice());
    torch.accelerator.setDeviceIndex('cuda:0');
    expect(torch.accelerator.currentDeviceIndex()).toBe(0);
    torch.accelerator.setDeviceIdx(0);
    expect(torch.accelerator.currentDeviceIdx()).toBe(0);
    const x = torch.ones(1000, { device: acc }).mul(2).sum();
    torch.accelerator.synchronize();
    torch.accelerator.synchronize(0);
    expect(x.item()).toBe(2000);
    expect(() => torch.accelerator.setDeviceIndex('cpu')).toThrow('cpu is not an accelerator device');
    expect(() => torch.accelerator.setDeviceIndex(1.5)).toThrow("argument 'device' must be an integer");
  });
});
