import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as torch from '../../src/index.js';

setFlagsFromString('--expose-gc');
/** V8's collector, reachable without starting node with --expose-gc. */
export const collectGarbage = runInNewContext('gc') as () => void;

/**
 * The live CPU storage count once the collector has settled: collected, with a turn between
 * for finalizers, until two counts agree. Storage counts taken without this depend on when V8
 * last collected garbage that earlier tests left behind, so a count can fall by an unrelated
 * amount between "before" and "after".
 */
export async function settledStorages(): Promise<number> {
  let last = -1;
  for (let round = 0; round < 20; round++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
    const now = torch.memoryStats().cpu.storages;
    if (now === last) return now;
    last = now;
  }
  return last;
}

/**
 * The live CPU storage count right after a synchronous collection. A synchronous test takes
 * its "before" count with this: the collection frees earlier tests' garbage now, so a
 * collection that V8 starts in the middle of the test (a large load triggers one) finds none
 * of it to free, and the count can move only by what the test itself does.
 */
export function storagesAfterCollection(): number {
  collectGarbage();
  return torch.memoryStats().cpu.storages;
}
