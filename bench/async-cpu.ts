// `npm run bench:async-cpu`: what torch.setAsyncCpu does for a Node service. An inference
// loop (a batch-256 MLP, 1024-4096-4096-10) runs for a few seconds, each forward read with
// `await y.data()` and a turn of the event loop after it, as a service's requests would, while
// perf_hooks.monitorEventLoopDelay watches the loop. Prints,
// per mode, the loop delay's p50/p99/max and the forwards per second. Synchronous: each
// forward holds the loop for its whole duration. Asynchronous: the forward is queued in
// microseconds, and the loop runs while a native thread computes it.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as torch from 'flint-torch';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = option('--seconds', 4);
const rounds = option('--rounds', 3);

torch.manualSeed(0);
const net = new torch.nn.Sequential(
  new torch.nn.Linear(1024, 4096),
  new torch.nn.ReLU(),
  new torch.nn.Linear(4096, 4096),
  new torch.nn.ReLU(),
  new torch.nn.Linear(4096, 10),
).eval();
const x = torch.randn(256, 1024);

async function run(asyncCpu: boolean): Promise<{ p50: number; p99: number; max: number; perSecond: number }> {
  torch.setAsyncCpu(asyncCpu);
  // Warm-up: the allocator's blocks, OpenBLAS's threads.
  for (let i = 0; i < 2; i++) await torch.noGrad(() => net(x)).data();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  let forwards = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const y = torch.noGrad(() => net(x));
    await y.data();
    y.dispose();
    forwards++;
    // A service goes back to the event loop between requests (in the synchronous mode a
    // resolved read would otherwise never leave the microtask queue, and no timer fires).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const elapsed = (performance.now() - t0) / 1000;
  delay.disable();
  torch.setAsyncCpu(false);
  const ms = (ns: number) => ns / 1e6;
  return { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), perSecond: forwards / elapsed };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results: Record<string, Awaited<ReturnType<typeof run>>[]> = { sync: [], async: [] };
for (let r = 0; r < rounds; r++) {
  results.sync.push(await run(false));
  results.async.push(await run(true));
}
console.log(`MLP 1024-4096-4096-10, batch 256, await y.data() per forward; median of ${rounds} alternating rounds of ${seconds} s`);
console.log('| mode | event-loop delay p50 ms | p99 ms | max ms | forwards/s |');
console.log('|---|---:|---:|---:|---:|');
for (const mode of ['sync', 'async'] as const) {
  const pick = (k: 'p50' | 'p99' | 'max' | 'perSecond') => median(results[mode].map((x) => x[k]));
  const name = mode === 'sync' ? 'synchronous (default)' : 'torch.setAsyncCpu(true)';
  console.log(`| ${name} | ${pick('p50').toFixed(1)} | ${pick('p99').toFixed(1)} | ${pick('max').toFixed(1)} | ${pick('perSecond').toFixed(1)} |`);
}
