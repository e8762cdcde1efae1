// `npm run bench:serve`: examples/server.ts under a burst of concurrent requests over
// loopback, pooled (torch.serve.Pool, dynamic batching) against the same model on the main
// thread (--single). Each mode runs in its own server process (tsx); per round, 500
// /predict requests go out at once while a /health probe goes out every 5 ms. Prints the
// median over rounds of: p50 and p99 /predict latency, throughput, p99 /health latency, and
// the server's own event-loop delay p99 (its /metrics, monitorEventLoopDelay) over the burst.
// The load generator shares the machine's cores with the server, as a sidecar would.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = option('--rounds', 3);
const concurrency = option('--requests', 500);
// Default: the pool's own default (half the cores).
const workers = option('--workers', 0);

function fetchText(port: number, path: string, body: string): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body === '' ? 'GET' : 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve({ ms: performance.now() - t0, text: Buffer.concat(chunks).toString('utf8') }) : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function start(extra: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/server.ts', '--port', '0', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(String(chunk));
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited with code ${code}`)));
  });
}

const call = async (port: number, path: string, body: string) => (await fetchText(port, path, body)).ms;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const median = (xs: number[]) => quantile(xs, 0.5);

async function burst(port: number): Promise<{ p50: number; p99: number; rps: number; health99: number; loop99: number }> {
  await fetchText(port, '/metrics', ''); // resets the server's histogram
  const image = JSON.stringify({ image: Array.from({ length: 784 }, (_, i) => (i % 17) / 17) });
  const t0 = performance.now();
  const predictions = Array.from({ length: concurrency }, () => call(port, '/predict', image));
  const health: number[] = [];
  let done = false;
  const probes = (async () => {
    while (!done) {
      health.push(await call(port, '/health', ''));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const latencies = await Promise.all(predictions);
  const seconds = (performance.now() - t0) / 1000;
  done = true;
  await probes;
  const metrics = JSON.parse((await fetchText(port, '/metrics', '')).text) as { eventLoopDelayMs: { p99: number } };
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rps: concurrency / seconds, health99: quantile(health, 0.99), loop99: metrics.eventLoopDelayMs.p99 };
}

const modes: [string, string[]][] = [
  [
    `pool (${workers || 'default'} workers, maxBatch 32, maxDelayMs 2)`,
    [...(workers > 0 ? ['--workers', String(workers)] : []), '--max-batch', '32', '--max-delay-ms', '2'],
  ],
  ['single thread (--single)', ['--single']],
];
console.log(`examples/server.ts, MNIST CNN, ${concurrency} concurrent POST /predict, median of ${rounds} rounds`);
console.log('| server | p50 ms | p99 ms | requests/s | /health p99 ms | event-loop delay p99 ms |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, extra] of modes) {
  const { child, port } = await start(extra);
  try {
    await burst(port); // warm-up: first-touch allocations, JIT, OpenBLAS threads
    const results: Awaited<ReturnType<typeof burst>>[] = [];
    for (let r = 0; r < rounds; r++) results.push(await burst(port));
    const pick = (k: keyof (typeof results)[number]) => median(results.map((x) => x[k]));
    console.log(`| ${name} | ${pick('p50').toFixed(1)} | ${pick('p99').toFixed(1)} | ${pick('rps').toFixed(0)} | ${pick('health99').toFixed(1)} | ${pick('loop99').toFixed(1)} |`);
  } finally {
    child.kill('SIGTERM');
  }
}
