/**
 * torch.profiler with ProfilerActivity.CUDA, on a GPU only (skips elsewhere, and in the CPU
 * self-test mode, where there is no device time to measure): each kernel's device work is
 * timed between CUDA events and shows as a CUDA event, in the CPU event's `kernels`, and in
 * the table's device columns; CPU-only work gets no device event.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { cudaGate } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
cudaGate(hasCuda);
const { profiler } = torch;

describe.runIf(hasCuda)('torch.profiler on CUDA', () => {
  it('times device kernels and prints the device columns', () => {
    const a = torch.randn(512, 512, { device: 'cuda' });
    const b = torch.randn(512, 512, { device: 'cuda' });
    const c = torch.randn(64);
    a.matmul(b);
    torch.cuda.synchronize();
    const prof = profiler.profile({ activities: [profiler.ProfilerActivity.CPU, profiler.ProfilerActivity.CUDA], profileMemory: true }, () => {
      a.matmul(b).relu();
      c.exp();
    });
    const events = prof.events();
    const cpuGemm = events.find((e) => e.name === 'flint::gemm' && e.deviceType === 'CPU')!;
    const deviceGemm = events.find((e) => e.name === 'flint::gemm' && e.deviceType === 'CUDA')!;
    expect(cpuGemm.kernels.length).toBe(1);
    expect(deviceGemm.deviceTimeTotal).toBeGreaterThan(0);
    expect(cpuGemm.deviceTimeTotal).toBeCloseTo(deviceGemm.deviceTimeTotal, 6);
    // The CPU tensor's exp launched nothing on the device.
    expect(events.filter((e) => e.name === 'flint::exp' && e.deviceType === 'CUDA')).toEqual([]);
    const table = prof.keyAverages().table({ sortBy: 'cuda_time_total' });
    expect(table).toContain('Self CUDA');
    expect(table).toMatch(/Self CUDA time total: [\d.]+(us|ms)/);
    expect(prof.keyAverages().find((r) => r.key === 'flint::gemm' && r.deviceType === 'CPU')!.deviceMemoryUsage).toBeGreaterThanOrEqual(512 * 512 * 4);
  });
});
