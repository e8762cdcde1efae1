/**
 * The body of a `serve.Pool` worker thread: loads the model once, then answers each batch.
 * The requests of a batch are concatenated along dim 0, the model runs once in inference
 * mode, and its output (a tensor, or an array of tensors) is split back along dim 0.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Tensor } from '../tensor/tensor.js';
import { cat } from '../ops/shape.js';
import { fromTransfer, transfer, type TransferredTensor } from '../tensor/transfer.js';
import { inferenceMode } from '../autograd/grad-mode.js';
import { setNumThreads } from '../index.js';
import { errorOf, importExport, isClass } from '../utils/worker-codec.js';
import type { ServeReply, ServeRequest, ServeWorkerStart } from './protocol.js';

type Model = (...inputs: Tensor[]) => unknown;

const start = workerData as ServeWorkerStart;
const port = parentPort!;

async function load(): Promise<Model> {
  setNumThreads(start.numThreads);
  const make = await importExport(start.model, 'serve.Pool model');
  const args = start.model.args ?? [];
  const model = isClass(make) ? Reflect.construct(make, args) : await make(...args);
  if (typeof model !== 'function') {
    throw new TypeError(
      `serve.Pool: the model factory ${start.model.exportName}() must return a Module or a function of tensors, but it returned ${model === null ? 'null' : typeof model}`,
    );
  }
  // As TorchServe's handlers do: a served module runs in eval mode (dropout off, running stats).
  const maybeModule = model as { eval?: unknown };
  if (typeof maybeModule.eval === 'function') (maybeModule.eval as () => unknown).call(model);
  return model as Model;
}

function outputsOf(value: unknown): { tensors: Tensor[]; single: boolean } {
  if (value instanceof Tensor) return { tensors: [value], single: true };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Tensor)) return { tensors: value as Tensor[], single: false };
  const found = value instanceof Promise ? 'a Promise (an async forward cannot run in inference mode)' : Array.isArray(value) ? 'an array that is not all tensors' : value === null ? 'null' : typeof value;
  throw new TypeError(`serve.Pool: the model must return a Tensor or a non-empty array of Tensors, but it returned ${found}`);
}

function runBatch(model: Model, request: ServeRequest): { reply: ServeReply; transferList: ArrayBuffer[] } {
  const { requests } = request;
  const rows = requests.map((inputs) => inputs[0].shape[0]);
  const total = rows.reduce((a, b) => a + b, 0);
  const made: Tensor[] = [];
  try {
    return inferenceMode(() => {
      const args: Tensor[] = [];
      for (let a = 0; a < requests[0].length; a++) {
        const parts = requests.map((inputs) => fromTransfer(inputs[a], { device: start.device }));
        made.push(...parts);
        const arg = parts.length === 1 ? parts[0] : cat(parts, 0);
        if (parts.length > 1) made.push(arg);
        args.push(arg);
      }
      const { tensors, single } = outputsOf(model(...args));
      made.push(...tensors);
      tensors.forEach((t, i) => {
        if (t.dim() === 0 || t.shape[0] !== total) {
          throw new Error(
            `serve.Pool: the model's output ${i} has shape [${t.shape.join(', ')}], but its batch had ${total} rows; the pool splits outputs along dim 0, so each output must have ${total} rows`,
          );
        }
      });
      const transferList: ArrayBuffer[] = [];
      let offset = 0;
      const outputs: TransferredTensor[][] = rows.map((n) => {
        const mine = tensors.map((t) => {
          const slice = requests.length === 1 ? t : t.narrow(0, offset, n);
          const message = transfer(slice);
          if (slice !== t) slice.dispose();
          transferList.push(message.buffer);
          return message;
        });
        offset += n;
        return mine;
      });
      return { reply: { type: 'done', batch: request.batch, outputs, single } satisfies ServeReply, transferList };
    });
  } finally {
    // Inputs and outputs are this worker's own, and their values have been copied out.
    for (const t of new Set(made)) if (!t.isDisposed) t.dispose();
  }
}

const ready = load();
ready.then(
  () => port.postMessage({ type: 'ready' } satisfies ServeReply),
  (e: unknown) => port.postMessage({ type: 'failed', error: errorOf(e) } satisfies ServeReply),
);

port.on('message', (request: ServeRequest) => {
  void ready.then((model) => {
    let answer: { reply: ServeReply; transferList: ArrayBuffer[] };
    try {
      answer = runBatch(model, request);
    } catch (e) {
      answer = { reply: { type: 'error', batch: request.batch, error: errorOf(e) }, transferList: [] };
    }
    port.postMessage(answer.reply, answer.transferList);
  });
});
