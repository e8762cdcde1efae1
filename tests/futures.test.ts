/**
 * torch.futures.Future against PyTorch 1.13's: completion, chaining with `then`, errors,
 * done callbacks, collectAll/waitAll, and what JavaScript's await does with one.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const { Future, collectAll, waitAll } = torch.futures;

describe('torch.futures.Future', () => {
  it('completes once; then chains a callback that receives the completed future', () => {
    const fut = new Future<torch.Tensor>();
    const doubled = fut.then((f) => f.value().mul(2));
    expect([fut.done(), doubled.done()]).toEqual([false, false]);
    expect(() => fut.value()).toThrow('Future.value: the future is not complete yet; call wait() first');
    fut.setResult(torch.tensor(3));
    expect([fut.done(), doubled.done()]).toEqual([true, true]);
    expect(doubled.wait().item()).toBe(6); // as PyTorch's: tensor(6.)
    expect(() => fut.setResult(torch.tensor(1))).toThrow(
      'Attempting to mark a completed Future as complete again. Note that a Future can only be marked completed once.',
    );
    // A callback chained after completion runs at once.
    expect(fut.then((f) => f.value().add(1)).wait().item()).toBe(4);
  });

  it('carries an error to wait() and to the callbacks that read it', () => {
    const fut = new Future<number>();
    fut.setException(new RangeError('boom'));
    expect(() => fut.wait()).toThrow('boom');
    expect(fut.then(() => 1).wait()).toBe(1); // a callback that does not read the value
    expect(() => fut.then((f) => f.value() + 1).wait()).toThrow('boom');
    expect(() => fut.setException(new Error('again'))).toThrow('can only be marked completed once');
  });

  it('a thrown callback fails the chained future; a pending one with nothing to complete it says so', () => {
    const fut = new Future<number>();
    const failed = fut.then(() => {
      throw new Error('in the callback');
    });
    fut.setResult(1);
    expect(() => failed.wait()).toThrow('in the callback');
    expect(() => new Future().wait()).toThrow('Future.wait: the future is not complete, and nothing on this thread will complete it');
  });

  it('addDoneCallback runs on completion, or at once when already done', () => {
    const fut = new Future<string>();
    const seen: string[] = [];
    fut.addDoneCallback((f) => seen.push(`first ${f.value()}`));
    fut.setResult('x');
    fut.addDoneCallback((f) => seen.push(`late ${f.value()}`));
    expect(seen).toEqual(['first x', 'late x']);
  });

  it('collectAll waited for early stays pending until its members complete', () => {
    const [a, b] = [new Future<number>(), new Future<number>()];
    const all = collectAll([a, b]);
    a.setResult(1);
    expect(() => all.wait()).toThrow('the future is not complete');
    expect(all.done()).toBe(false);
    b.setException(new Error('b failed'));
    expect(all.wait()).toEqual([a, b]); // collect_all completes with the futures; b keeps its error
    expect(() => b.wait()).toThrow('b failed');
  });

  it('a done callback that throws is reported, and the callbacks after it still run', () => {
    const fut = new Future<number>();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const chained = fut.then((f) => f.value() + 1);
    fut.addDoneCallback(() => {
      throw new Error('callback failed');
    });
    const after = fut.then((f) => f.value() * 10);
    fut.setResult(4);
    expect([chained.wait(), after.wait()]).toEqual([5, 40]);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        expect(warnings).toContain('torch.futures.Future: a done callback threw: callback failed');
        resolve();
      }),
    );
  });

  it('collectAll and waitAll', () => {
    const [a, b] = [new Future<number>(), new Future<number>()];
    const all = collectAll([a, b]);
    a.setResult(1);
    expect(all.done()).toBe(false);
    b.setResult(2);
    expect(all.done()).toBe(true);
    expect(all.wait()).toEqual([a, b]);
    expect(waitAll([a, b])).toEqual([1, 2]);
    expect(collectAll([]).wait()).toEqual([]);
  });

  it('JavaScript\'s await (which calls then with two functions) gets the value or the error', async () => {
    const fut = new Future<number>();
    setTimeout(() => fut.setResult(7), 1);
    expect(await (fut as unknown as PromiseLike<number>)).toBe(7);
    const bad = new Future<number>();
    setTimeout(() => bad.setException(new Error('late failure')), 1);
    await expect(Promise.resolve(bad as unknown as PromiseLike<number>)).rejects.toThrow('late failure');
  });
});
