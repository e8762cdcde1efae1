// The convolutional workloads of torch_bench.py (conv2d, cnn_train, resnet18_infer), run
// through flint the same way. The models are the examples' ports: examples/mnist-cnn.ts's
// Net is torch_bench.py's MnistNet, and examples/resnet.ts's resnet18 has the layout of its
// ResNet18 (torchvision's). bench/run.ts loads this file only once flint itself has loaded.

import type * as Torch from 'flint-torch';
import { Net } from '../examples/mnist-cnn.js';
import { resnet18 } from '../examples/resnet.js';

/** What run.ts hands a workload family: flint, the device, and its timing and reporting. */
export interface WorkloadContext {
  torch: typeof Torch;
  device: 'cpu' | 'cuda';
  want(workload: string): boolean;
  guard(workload: string, body: () => void): void;
  time(fn: () => unknown): number;
  emit(workload: string, size: number | string, medianS: number, unit: string, value: number): void;
}

/** The names of the workloads this file runs, in torch_bench.py's order. */
export const CNN_WORKLOADS = ['conv2d', 'cnn_train', 'resnet18_infer'] as const;

/**
 * Runs conv2d, cnn_train and resnet18_infer as torch_bench.py's run() defines them.
 * @example runCnnWorkloads({ torch, device: 'cpu', want: () => true, guard, time, emit })
 */
export function runCnnWorkloads(ctx: WorkloadContext): void {
  const { torch, device, guard, time, emit } = ctx;
  const cuda = device === 'cuda';
  const rand = (...shape: number[]): Torch.Tensor => torch.rand(shape, { device });

  guard('conv2d', () => {
    const B = cuda ? 128 : 8;
    const conv = new torch.nn.Conv2d(64, 64, 3, { padding: 1 }).to(device);
    const x = rand(B, 64, 56, 56);
    try {
      const t = time(() => torch.noGrad(() => conv(x)).dispose());
      emit('conv2d', `${B}x64x56x56`, t, 'GFLOP/s', (2 * B * 64 * 64 * 9 * 56 * 56) / t / 1e9);
    } finally {
      x.dispose();
    }
  });

  guard('cnn_train', () => {
    const B = cuda ? 1024 : 64;
    const net = new Net().to(device).train();
    const opt = new torch.optim.Adadelta(net.parameters(), { lr: 1.0 });
    const x = rand(B, 1, 28, 28);
    const y = torch.randint(0, 10, [B], { device });
    const step = (): void => {
      opt.zeroGrad();
      const loss = torch.nn.functional.nllLoss(net(x), y);
      loss.backward();
      opt.step();
      loss.dispose();
    };
    try {
      const t = time(step);
      emit('cnn_train', B, t, 'samples/s', B / t);
    } finally {
      torch.dispose([x, y]);
    }
  });

  guard('resnet18_infer', () => {
    const B = cuda ? 256 : 4;
    const net = resnet18().to(device).eval();
    const x = rand(B, 3, 224, 224);
    try {
      const t = time(() => torch.noGrad(() => net(x)).dispose());
      emit('resnet18_infer', B, t, 'images/s', B / t);
    } finally {
      x.dispose();
    }
  });
}
