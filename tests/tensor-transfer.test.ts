/**
 * Tensors across worker_threads: t.transfer() and torch.fromTransfer(), every dtype bit
 * for bit (float16/bfloat16 as their 16 bits, NaN payloads and -0 too), views, empty
 * tensors, a real Worker round trip with the buffer in the transfer list, and the errors
 * for messages that are not one.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

/** The raw bytes of a tensor's elements, as transfer() copies them. */
const bytesOf = (t: Tensor) => Buffer.from(t.transfer().buffer);

describe('tensor.transfer() and torch.fromTransfer()', () => {
  const values = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 65504, 1e-8, 3];
  for (const dtype of [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]) {
    it(`${dtype.name}: the same elements, shape and dtype come back`, () => {
      const source = dtype.isFloatingPoint ? torch.tensor(values).to(dtype) : torch.tensor([0, 1, -3, 7, 100, 5], { dtype: torch.int64 }).to(dtype);
      const t = source.reshape(dtype.isFloatingPoint ? [2, 5] : [3, 2]);
      const message = t.transfer();
      expect(message.kind).toBe('flint.Tensor');
      expect(message.dtype).toBe(dtype.name);
      expect(message.shape).toEqual(t.shape);
      expect(message.device).toBe('cpu');
      expect(message.buffer.byteLength).toBe(t.numel() * dtype.itemsize);
      const back = torch.fromTransfer(structuredClone(message));
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual(t.shape);
      expect(bytesOf(back).equals(bytesOf(t))).toBe(true);
      expect(back.requiresGrad).toBe(false);
    });
  }

  it('copies a view in row-major order, and empty and 0-d tensors', () => {
    const x = torch.arange(12, { dtype: torch.float32 }).reshape([3, 4]);
    const view = x.t().narrow(0, 1, 2);
    expect(torch.fromTransfer(view.transfer()).tolist()).toEqual(view.tolist());
    expect(torch.fromTransfer(torch.zeros([0, 3]).transfer()).shape).toEqual([0, 3]);
    const scalar = torch.fromTransfer(torch.tensor(2.5).transfer());
    expect(scalar.shape).toEqual([]);
    expect(scalar.item()).toBe(2.5);
  });

  it('drops autograd history, as detach() does', () => {
    const w = torch.ones([2], { requiresGrad: true });
    const y = w.mul(3);
    const back = torch.fromTransfer(y.transfer());
    expect(back.requiresGrad).toBe(false);
    expect(back.gradFn).toBeNull();
    expect(back.tolist()).toEqual([3, 3]);
  });

  it('goes to a worker and back with its buffer in the transfer list (moved, not copied)', async () => {
    const t = torch.randn([64, 32], { dtype: torch.float64 });
    const message = t.transfer();
    // The worker needs no flint: it doubles the float64s it is sent and sends them back.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', (m) => {
         const values = new Float64Array(m.buffer);
         for (let i = 0; i < values.length; i++) values[i] *= 2;
         parentPort.postMessage(m, [m.buffer]);
       });`,
      { eval: true },
    );
    try {
      const reply = await new Promise<torch.TransferredTensor>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage(message, [message.buffer]);
      });
      // Moved: the sender's buffer is detached now.
      expect(message.buffer.byteLength).toBe(0);
      expect(() => torch.fromTransfer(message)).toThrow('the buffer holds 0 bytes, but shape [64, 32] of float64 needs 16384 (a transferred buffer is empty on the sending side)');
      const back = torch.fromTransfer(reply);
      expect(torch.equal(back, t.mul(2))).toBe(true);
    } finally {
      await worker.terminate();
    }
  });

  it('a message that is not one is an Error that says what is wrong', () => {
    const good = torch.ones([2, 2]).transfer();
    expect(() => torch.fromTransfer(torch.ones(2) as never)).toThrow("fromTransfer(): argument 'message' must be what tensor.transfer() returns (an object with kind 'flint.Tensor'), but got a Tensor of shape [2] and dtype torch.float32");
    expect(() => torch.fromTransfer({ ...good, dtype: 'float33' })).toThrow('fromTransfer(): the message\'s dtype "float33" is not a torch dtype');
    expect(() => torch.fromTransfer({ ...good, shape: [2, -2] })).toThrow('fromTransfer(): the message\'s shape must be an array of non-negative integers, got [2,-2]');
    expect(() => torch.fromTransfer({ ...good, shape: [3, 2] })).toThrow('fromTransfer(): the buffer holds 16 bytes, but shape [3, 2] of float32 needs 24');
    expect(() => torch.fromTransfer({ ...good, buffer: undefined } as never)).toThrow('the message has no buffer');
    expect(() => torch.fromTransfer(good, { dtype: torch.float64 } as never)).toThrow("fromTransfer() got an unexpected option 'dtype'");
  });

  it.runIf(torch.cuda.isAvailable())('a CUDA tensor travels as host bytes and comes back on its device, or where asked', () => {
    const t = torch.randn([5, 3], { device: 'cuda' });
    const message = t.transfer();
    expect(message.device).toBe('cuda:0');
    const back = torch.fromTransfer(message);
    expect(String(back.device)).toBe('cuda:0');
    expect(torch.equal(back.cpu(), t.cpu())).toBe(true);
    expect(String(torch.fromTransfer(t.transfer(), { device: 'cpu' }).device)).toBe('cpu');
  });
});
