// The sequence-model workloads of torch_bench.py (transformer_infer, transformer_train,
// lstm_train), run through flint the same way: the same modules, the same sizes, the same
// step. bench/run.ts loads this file only once flint itself has loaded.

import type * as Torch from 'flint-torch';
import type { WorkloadContext } from './cnn.js';

/** The names of the workloads this file runs, in torch_bench.py's order. */
export const SEQUENCE_WORKLOADS = ['transformer_infer', 'transformer_train', 'lstm_train'] as const;

type Flint = typeof Torch;

/**
 * torch_bench.py's `encoder(device)`: four TransformerEncoderLayer(d_model=256, nhead=8,
 * dim_feedforward=1024, dropout=0.1, batch_first=True).
 * @example const net = encoder(torch, 'cpu').eval();
 */
export function encoder(torch: Flint, device: 'cpu' | 'cuda'): Torch.nn.TransformerEncoder {
  const { nn } = torch;
  const layer = new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, dropout: 0.1, batchFirst: true });
  return new nn.TransformerEncoder(layer, 4).to(device);
}

/**
 * torch_bench.py's CausalLM: Embedding(1000, 256), that encoder under a mask, Linear(256, 1000).
 * @example const logits = causalLM(torch, 'cpu').forward(tokens, mask);
 */
export function causalLM(torch: Flint, device: 'cpu' | 'cuda') {
  const { nn } = torch;
  class CausalLM extends nn.Module {
    embed = new nn.Embedding(1000, 256);
    encoder = new nn.TransformerEncoder(
      new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, dropout: 0.1, batchFirst: true }),
      4,
    );
    head = new nn.Linear(256, 1000);

    override forward(tokens: Torch.Tensor, mask: Torch.Tensor): Torch.Tensor {
      return this.head.forward(this.encoder.forward(this.embed.forward(tokens), { mask }));
    }
  }
  return new CausalLM().to(device);
}

/**
 * Runs transformer_infer, transformer_train and lstm_train as torch_bench.py's run() defines them.
 * @example runSequenceWorkloads({ torch, device: 'cpu', want: () => true, guard, time, emit })
 */
export function runSequenceWorkloads(ctx: WorkloadContext): void {
  const { torch, device, guard, time, emit } = ctx;
  const { nn } = torch;
  const F = nn.functional;
  const cuda = device === 'cuda';

  guard('transformer_infer', () => {
    const [B, L] = cuda ? [64, 512] : [8, 128];
    const net = encoder(torch, device).eval();
    const x = torch.rand([B, L, 256], { device });
    try {
      const t = time(() => torch.noGrad(() => net.forward(x)).dispose());
      emit('transformer_infer', `${B}x${L}`, t, 'tokens/s', (B * L) / t);
    } finally {
      x.dispose();
    }
  });

  guard('transformer_train', () => {
    const [B, L] = cuda ? [32, 512] : [8, 128];
    const net = causalLM(torch, device).train();
    const opt = new torch.optim.AdamW(net.parameters(), { lr: 1e-3 });
    const tokens = torch.randint(0, 1000, [B, L + 1], { device });
    const mask = torch.triu(torch.full([L, L], -Infinity, { device }), 1);
    const inputs = tokens.narrow(1, 0, L);
    const targets = tokens.narrow(1, 1, L).reshape(-1);
    const step = (): void => {
      opt.zeroGrad();
      const logits = net.forward(inputs, mask);
      const loss = F.crossEntropy(logits.reshape(-1, 1000), targets);
      loss.backward();
      opt.step();
      torch.dispose([logits, loss]);
    };
    try {
      const t = time(step);
      emit('transformer_train', `${B}x${L}`, t, 'tokens/s', (B * L) / t);
    } finally {
      torch.dispose([tokens, mask, inputs, targets]);
    }
  });

  guard('lstm_train', () => {
    const [B, L] = cuda ? [128, 256] : [16, 64];
    const lstm = new nn.LSTM(256, 256, { numLayers: 2, batchFirst: true }).to(device);
    const head = new nn.Linear(256, 256).to(device);
    const opt = new torch.optim.SGD([...lstm.parameters(), ...head.parameters()], { lr: 0.1 });
    const x = torch.rand([B, L, 256], { device });
    const target = torch.rand([B, L, 256], { device });
    const step = (): void => {
      opt.zeroGrad();
      const [out] = lstm.forward(x);
      const loss = F.mseLoss(head.forward(out), target);
      loss.backward();
      opt.step();
      torch.dispose([out, loss]);
    };
    try {
      const t = time(step);
      emit('lstm_train', `${B}x${L}`, t, 'tokens/s', (B * L) / t);
    } finally {
      torch.dispose([x, target]);
    }
  });
}
