// examples/server.ts: 500 concurrent requests over loopback to the pooled service, each
// answered with the logits the model gives that image on the main thread; /health answers
// while they are in flight; bad bodies get a 400 that says what was expected.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { startServer } from '../examples/server.js';
import { loadModel } from '../examples/server-model.js';

function post(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: path === '/health' ? 'GET' : 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('examples/server.ts', () => {
  it('answers 500 concurrent /predict requests with the model’s logits, and /health meanwhile', async () => {
    const running = await startServer({ port: 0, numWorkers: 2, maxBatch: 32, maxDelayMs: 2 });
    try {
      torch.manualSeed(3);
      const images = torch.rand(500, 784);
      const rows = images.tolist() as number[][];
      const responses = rows.map((image) => post(running.port, '/predict', JSON.stringify({ image })));
      const health = await post(running.port, '/health', '');
      expect(health).toEqual({ status: 200, text: 'ok' });
      const answers = await Promise.all(responses);

      const net = await loadModel();
      const want = torch.inferenceMode(() => net(images.reshape(500, 1, 28, 28)));
      const wantRows = want.tolist() as number[][];
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        const { prediction, logits } = JSON.parse(answer.text) as { prediction: number; logits: number[] };
        expect(logits).toHaveLength(10);
        logits.forEach((v, k) => expect(v).toBeCloseTo(wantRows[i][k], 4));
        expect(prediction).toBe(logits.indexOf(Math.max(...logits)));
      });
    } finally {
      await running.close();
    }
  }, 120_000);

  it('refuses a malformed body with a 400 that says what it expected', async () => {
    const running = await startServer({ port: 0, numWorkers: 1, maxBatch: 4 });
    try {
      expect(await post(running.port, '/predict', '{"image": [1, 2]}')).toEqual({ status: 400, text: '{"error":"expected {\\"image\\": [784 finite numbers]}"}' });
      expect(await post(running.port, '/predict', 'not json')).toEqual({ status: 400, text: '{"error":"the body is not JSON"}' });
      expect((await post(running.port, '/nothing', '')).status).toBe(404);
    } finally {
      await running.close();
    }
  });
});
