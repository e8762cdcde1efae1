/**
 * `monitoredBarrier`: a barrier that names the ranks that did not reach it, as PyTorch's
 * `monitored_barrier` does on gloo. Every other rank sends rank 0 a message and waits for
 * its answer; rank 0 waits for each of theirs within the timeout, then answers them all.
 */
import { zeros } from '../tensor/creation.js';
import { uint8 } from '../tensor/dtype.js';
import { recv, send } from './collectives.js';
import type { Work } from './process-group.js';
import { resolveGroup, type GroupOption } from './state.js';

/** Tags at the top of the 32-bit range, apart from what user code picks for its own sends. */
const ARRIVE_TAG = 0xffffff00;
const RELEASE_TAG = 0xffffff01;

/**
 * Options of monitoredBarrier, PyTorch's keyword arguments.
 * @example const options: MonitoredBarrierOptions = { timeout: 5_000, waitAllRanks: true };
 */
export interface MonitoredBarrierOptions extends GroupOption {
  /** Milliseconds to wait for the other ranks (default: the group's timeout). */
  timeout?: number;
  /** Rank 0 names every rank that failed to arrive, not only the first (default false). */
  waitAllRanks?: boolean;
}

/**
 * Blocks until every rank of the group reaches it, as `barrier` does, but rank 0 throws
 * an Error naming the ranks that did not arrive within `timeout` ms ("[Rank 0]: Rank 1
 * failed to pass monitoredBarrier in 1000 ms"), and the others throw if rank 0 never
 * answers. For finding the rank a hang is waiting on; after a failure the group is not
 * usable for collectives.
 * @example dist.monitoredBarrier({ timeout: 10_000, waitAllRanks: true });
 */
export function monitoredBarrier(options: MonitoredBarrierOptions = {}): void {
  const group = resolveGroup(options, 'monitoredBarrier');
  if (group === null) return;
  if (group.backend !== 'gloo') {
    throw new Error('monitoredBarrier: ProcessGroupNCCL does not support monitoredBarrier, only GLOO supports monitored barrier.');
  }
  const timeout = options.timeout ?? group.timeout;
  if (!(timeout > 0)) throw new RangeError(`monitoredBarrier: timeout must be a positive number of milliseconds, got ${timeout}`);
  const size = group.size();
  if (size === 1) return;
  const me = group.rank();
  const token = zeros([1], { dtype: uint8 });
  const at = (groupRank: number): number => group.ranks[groupRank];
  try {
    if (me !== 0) {
      try {
        send(token, at(0), { group, tag: ARRIVE_TAG }).wait({ timeout });
        recv(token, at(0), { group, tag: RELEASE_TAG }).wait({ timeout });
      } catch {
        throw new Error(
          `Rank ${at(me)} successfully reached monitoredBarrier, but received errors while waiting for send/recv from rank 0. Please check rank 0 logs for faulty rank.`,
        );
      }
      return;
    }
    const others = Array.from({ length: size - 1 }, (_, i) => i + 1);
    const started = Date.now();
    const waitFor = (works: [number, Work][]): void => {
      const failed: number[] = [];
      for (const [peer, work] of works) {
        const left = options.waitAllRanks ? timeout : timeout - (Date.now() - started);
        let ok = false;
        try {
          if (left > 0) ok = work.wait({ timeout: left });
        } catch {
          ok = false;
        }
        if (ok) continue;
        if (!options.waitAllRanks) throw new Error(`[Rank 0]: Rank ${at(peer)} failed to pass monitoredBarrier in ${timeout} ms`);
        failed.push(at(peer));
      }
      if (failed.length > 0) throw new Error(`[Rank 0]: Ranks ${failed.join(', ')} failed to pass monitoredBarrier in ${timeout} ms`);
    };
    // Every arrival is awaited before any rank is released, so that none leaves early.
    const arrivals = others.map(() => zeros([1], { dtype: uint8 }));
    // On a failure a receive may still be pending, to write into its tensor later: those
    // are left to the collector.
    waitFor(others.map((peer, i) => [peer, recv(arrivals[i], at(peer), { group, tag: ARRIVE_TAG })]));
    arrivals.forEach((t) => t.dispose());
    waitFor(others.map((peer) => [peer, send(token, at(peer), { group, tag: RELEASE_TAG })]));
  } finally {
    token.dispose();
  }
}
