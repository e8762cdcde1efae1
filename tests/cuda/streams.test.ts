/**
 * torch.cuda.Stream and torch.cuda.Event. Without a GPU (never skips): events are made on
 * first record, as PyTorch's, so an unrecorded one answers queries; streams and records say
 * CUDA is not available. With a GPU: events time queued work, streams select the current
 * stream within `torch.cuda.stream`, and waits between them hold (flint's streams of one
 * device share one CUDA stream).
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { errorOf } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();

describe.runIf(!hasCuda)('CUDA streams and events without a GPU', () => {
  it('an unrecorded event answers as PyTorch; streams and records need CUDA', () => {
    const e = new torch.cuda.Event({ enableTiming: true });
    expect(e.query()).toBe(true);
    e.synchronize();
    expect(errorOf(() => e.elapsedTime(new torch.cuda.Event({ enableTiming: true }))).message).toBe(
      'Both events must be recorded before calculating elapsed time.',
    );
    expect(errorOf(() => e.elapsedTime(new torch.cuda.Event())).message).toBe(
      "Both events must be created with argument 'enable_timing=True'.",
    );
    expect(errorOf(() => new torch.cuda.Event({ enableTimming: true } as never)).message).toBe(
      "Event() got an unexpected keyword argument 'enableTimming'",
    );
    for (const fn of [() => e.record(), () => new torch.cuda.Stream(), () => torch.cuda.currentStream(), () => torch.cuda.defaultStream()]) {
      expect(errorOf(fn).message.startsWith('CUDA is not available: ')).toBe(true);
    }
    expect(torch.cuda.stream(null, () => 7)).toBe(7);
  });
});

describe.runIf(hasCuda)('CUDA streams and events', () => {
  it('events time queued work', () => {
    const a = torch.rand(2048, 2048, { device: 'cuda' });
    const start = new torch.cuda.Event({ enableTiming: true });
    const end = new torch.cuda.Event({ enableTiming: true });
    start.record();
    for (let i = 0; i < 5; i++) a.matmul(a).dispose();
    end.record();
    end.synchronize();
    expect(end.query()).toBe(true);
    const ms = start.elapsedTime(end);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(10_000);
  });

  it('torch.cuda.stream selects the current stream; waits and queries hold', () => {
    const s = new torch.cuda.Stream();
    const main = torch.cuda.currentStream();
    expect(main).toBe(torch.cuda.defaultStream());
    s.waitStream(main);
    const x = torch.ones(1000, { device: 'cuda' });
    const y = torch.cuda.stream(s, () => {
      expect(torch.cuda.currentStream()).toBe(s);
      return x.mul(3);
    });
    expect(torch.cuda.currentStream()).toBe(main);
    const done = s.recordEvent();
    main.waitEvent(done);
    done.wait();
    s.synchronize();
    expect(s.query()).toBe(true);
    expect(done.query()).toBe(true);
    expect(y.sum().item()).toBe(3000);
  });

  it('events are refused inside a CUDA graph capture', () => {
    const e = new torch.cuda.Event();
    const message = errorOf(() => torch.cuda.graph(new torch.cuda.CUDAGraph(), () => e.record())).message;
    expect(message).toContain('operation not permitted when stream is capturing');
  });
});
