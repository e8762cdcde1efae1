/**
 * The model examples/server.ts serves: pytorch/examples' MNIST CNN (examples/mnist-cnn.ts's
 * `Net`), from a checkpoint when one is given (`torch.save(net.stateDict(), path)`), else
 * from a fixed seed, so that every worker thread builds the same weights.
 */
import * as torch from 'flint-torch';
import { Net } from './mnist-cnn.js';

/**
 * Builds the served model; `serve.Pool` calls it once in each worker thread.
 * @example await torch.serve.Pool.create({ module: new URL('./server-model.ts', import.meta.url).href, exportName: 'loadModel', args: ['mnist_cnn.pt'] })
 */
export async function loadModel(checkpoint?: string): Promise<Net> {
  torch.manualSeed(0);
  const net = new Net();
  if (checkpoint !== undefined) net.loadStateDict((await torch.load(checkpoint)) as Record<string, torch.Tensor>);
  net.eval();
  return net;
}
