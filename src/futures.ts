/**
 * `torch.futures`: PyTorch's `Future`, the handle of a result that a collective (or your own
 * code) completes later. `Work.getFuture()` gives one, and DDP's communication hooks return
 * one per gradient bucket.
 *
 * `wait()` blocks until the result is there, as PyTorch's does; `then(callback)` chains a
 * callback that receives the completed future. To wait without blocking the event loop,
 * await the `Work` itself (`await dist.allReduce(t)`).
 */

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A result that completes later, as PyTorch's `torch.futures.Future`.
 * @example
 * const fut = new torch.futures.Future<number>();
 * const doubled = fut.then((f) => f.value() * 2);
 * fut.setResult(21);
 * doubled.wait(); // 42
 */
export class Future<T = unknown> {
  #settled: Settled<T> | null = null;
  #callbacks: ((future: Future<T>) => void)[] = [];
  /** Blocks until the source of this future is done, which settles it; null for one only setResult completes. */
  #drive: (() => void) | null = null;

  /**
   * A future completed by a source that can be waited for: `block` waits for it and returns
   * the value, and `source` settles the future asynchronously as well. @internal
   * @example Future._fromSource(() => { work.wait(); return [t]; }, work)
   */
  static _fromSource<T>(block: () => T, source: PromiseLike<unknown>): Future<T> {
    const future = new Future<T>();
    future.#drive = () => {
      if (future.#settled !== null) return;
      let value: T;
      try {
        value = block();
      } catch (error) {
        future.#settle({ ok: false, error });
        return;
      }
      future.#settle({ ok: true, value });
    };
    source.then(
      () => future.#drive?.(),
      (error: unknown) => {
        if (future.#settled === null) future.#settle({ ok: false, error });
      },
    );
    return future;
  }

  /**
   * collectAll's future: completed with `list` once every future in it is; waiting for it
   * waits for each (a member only setResult can complete stays pending, and so does it). @internal
   * @example Future._collectAll([a, b]).wait()
   */
  static _collectAll<T>(list: Future<T>[]): Future<Future<T>[]> {
    const all = new Future<Future<T>[]>();
    const complete = (): void => {
      if (all.#settled === null && list.every((f) => f.#settled !== null)) all.#settle({ ok: true, value: list });
    };
    all.#drive = () => {
      for (const f of list) f.#drive?.();
      complete();
    };
    for (const f of list) f.addDoneCallback(complete);
    complete();
    return all;
  }

  /** Whether the future has a result or an error. @example fut.done() */
  done(): boolean {
    return this.#settled !== null;
  }

  /**
   * Blocks until the future completes and returns its value, or throws its error.
   * @example const [t] = dist.allReduce(x).getFuture().wait();
   */
  wait(): T {
    if (this.#settled === null) this.#drive?.();
    if (this.#settled === null) {
      throw new Error('Future.wait: the future is not complete, and nothing on this thread will complete it (call setResult first)');
    }
    if (!this.#settled.ok) throw this.#settled.error;
    return this.#settled.value;
  }

  /**
   * The value of a completed future (its error is thrown); use `wait()` if it may not be done.
   * @example fut.then((f) => f.value()[0])
   */
  value(): T {
    if (this.#settled === null) throw new Error('Future.value: the future is not complete yet; call wait() first');
    if (!this.#settled.ok) throw this.#settled.error;
    return this.#settled.value;
  }

  /**
   * Completes the future with `result` and runs the callbacks chained to it.
   * @example fut.setResult(torch.ones(3))
   */
  setResult(result: T): void {
    this.#checkPending();
    this.#settle({ ok: true, value: result });
  }

  /**
   * Completes the future with an error: `wait()` and `value()` throw it, and so do the
   * futures chained to it when their callbacks read it.
   * @example fut.setException(new Error('lost a peer'))
   */
  setException(error: unknown): void {
    this.#checkPending();
    this.#settle({ ok: false, error });
  }

  /**
   * Runs `callback(this)` once the future completes (at once if it has).
   * @example fut.addDoneCallback((f) => console.log('done', f.value()))
   */
  addDoneCallback(callback: (future: Future<T>) => void): void {
    if (this.#settled !== null) callback(this);
    else this.#callbacks.push(callback);
  }

  /**
   * PyTorch's `then`: a new future completed with `callback(this)` once this one completes
   * (with the error the callback throws, if it throws).
   * @example const first = work.getFuture().then((f) => f.value()[0]);
   */
  then<U>(callback: (future: Future<T>) => U): Future<U>;
  then<U>(callback: (arg: never) => U, onError?: (reason: unknown) => unknown): Future<U> | Promise<unknown> {
    // JavaScript's `await` calls then(resolve, reject): that gets the value, as a promise's
    // then would, so that awaiting a future works where its type allows it (`await work`
    // is the typed way to wait without blocking).
    if (typeof onError === 'function') {
      return new Promise<T>((resolve, reject) => {
        this.addDoneCallback((f) => (f.#settled!.ok ? resolve(f.#settled!.value) : reject(f.#settled!.error)));
      }).then(callback as (value: T) => U, onError);
    }
    if (typeof callback !== 'function') throw new TypeError(`Future.then: expected a callback, got ${typeof callback}`);
    const chained = new Future<U>();
    // Waiting for the chained future drives this one, whose completion runs the callback.
    chained.#drive = () => this.#drive?.();
    this.addDoneCallback((f) => {
      let value: U;
      try {
        value = (callback as (future: Future<T>) => U)(f);
      } catch (error) {
        if (chained.#settled === null) chained.#settle({ ok: false, error });
        return;
      }
      if (chained.#settled === null) chained.#settle({ ok: true, value });
    });
    return chained;
  }

  #checkPending(): void {
    if (this.#settled !== null) {
      throw new Error('Attempting to mark a completed Future as complete again. Note that a Future can only be marked completed once.');
    }
  }

  #settle(settled: Settled<T>): void {
    this.#settled = settled;
    this.#drive = null;
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    // As PyTorch's, a callback that throws is reported and does not stop the others (nor,
    // when a collective's completion runs them, become an unhandled rejection).
    for (const callback of callbacks) {
      try {
        callback(this);
      } catch (error) {
        process.emitWarning(`torch.futures.Future: a done callback threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/**
 * A future of the given futures, completed once all of them are (PyTorch's `collect_all`).
 * @example const all = torch.futures.collectAll([a, b]); all.wait(); // [a, b], both done
 */
export function collectAll<T>(futures: Future<T>[]): Future<Future<T>[]> {
  return Future._collectAll([...futures]);
}

/**
 * Waits for every future and returns their values, throwing the first error (PyTorch's `wait_all`).
 * @example const [x, y] = torch.futures.waitAll([a, b]);
 */
export function waitAll<T>(futures: Future<T>[]): T[] {
  return futures.map((f) => f.wait());
}
