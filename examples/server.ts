/**
 * A small HTTP inference service on `node:http`, serving examples/server-model.ts's MNIST CNN
 * from a `torch.serve.Pool` of worker threads with dynamic batching, so that the event loop
 * stays free for `/health` and new connections while the forwards run.
 *
 *   npx tsx examples/server.ts [--port 8080] [--workers 2] [--max-batch 32] [--max-delay-ms 2] [--checkpoint mnist_cnn.pt] [--single]
 *
 *   POST /predict  {"image": [784 numbers in [0, 1]]}  →  {"prediction": 7, "logits": [...]}
 *   GET  /health   →  ok
 *   GET  /metrics  →  {"eventLoopDelayMs": {"p50", "p99", "max"}} since the last /metrics
 *
 * `--single` serves the same model on the main thread, one request at a time, for comparison
 * (bench/serve.ts measures both).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as torch from 'flint-torch';
import { loadModel } from './server-model.js';

/** How examples/server.ts serves. */
export interface ServerOptions {
  port?: number;
  numWorkers?: number;
  maxBatch?: number;
  maxDelayMs?: number;
  checkpoint?: string;
  /** Run the model on the main thread (no pool): the baseline. */
  single?: boolean;
}

/** A running service: its port, and `close()` (the pool first, then the listener). */
export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

const IMAGE_VALUES = 28 * 28;

function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new Error(`the body is over ${limit} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request's image as a [1, 1, 28, 28] tensor, or a message saying what is wrong with it. */
function imageOf(body: string): torch.Tensor | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  const image = (parsed as { image?: unknown } | null)?.image;
  if (!Array.isArray(image) || image.length !== IMAGE_VALUES || !image.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return `expected {"image": [${IMAGE_VALUES} finite numbers]}`;
  }
  return torch.tensor(image as number[], { dtype: torch.float32 }).reshape(1, 1, 28, 28);
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'content-type': typeof value === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Starts the service and resolves once it listens (port 0 picks a free one).
 * @example const { port, close } = await startServer({ port: 0, numWorkers: 2, maxBatch: 32, maxDelayMs: 2 });
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const modelUrl = new URL('./server-model.ts', import.meta.url);
  const checkpointArgs = options.checkpoint === undefined ? [] : [options.checkpoint];
  const pool = options.single
    ? null
    : await torch.serve.Pool.create(
        { module: modelUrl.href, exportName: 'loadModel', args: checkpointArgs },
        { numWorkers: options.numWorkers, maxBatch: options.maxBatch ?? 32, maxDelayMs: options.maxDelayMs ?? 2 },
      );
  const local = options.single ? await loadModel(options.checkpoint) : null;
  const predict = async (x: torch.Tensor): Promise<torch.Tensor> => {
    if (pool !== null) return (await pool.run(x)) as torch.Tensor;
    return torch.inferenceMode(() => local!(x));
  };

  // How long callbacks waited for the event loop: what a blocking forward would show.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, 'ok');
    if (req.method === 'GET' && req.url === '/metrics') {
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      const eventLoopDelayMs = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
      loopDelay.reset();
      return send(res, 200, { eventLoopDelayMs });
    }
    if (req.method !== 'POST' || req.url !== '/predict') return send(res, 404, { error: 'POST /predict, GET /health or GET /metrics' });
    readBody(req)
      .then(async (body) => {
        const x = imageOf(body);
        if (typeof x === 'string') return send(res, 400, { error: x });
        const logits = await predict(x);
        x.dispose();
        const values = Array.from(logits.dataSync() as Float32Array);
        logits.dispose();
        send(res, 200, { prediction: values.indexOf(Math.max(...values)), logits: values });
      })
      .catch((e: unknown) => send(res, 500, { error: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 8080, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    async close() {
      // In-flight predictions finish first; then the listener stops.
      await pool?.close();
      loopDelay.disable();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const number = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  const running = await startServer({
    port: number('--port') ?? 8080,
    numWorkers: number('--workers'),
    maxBatch: number('--max-batch'),
    maxDelayMs: number('--max-delay-ms'),
    checkpoint: flag('--checkpoint'),
    single: process.argv.includes('--single'),
  });
  console.log(`serving on http://127.0.0.1:${running.port} (POST /predict, GET /health)`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
