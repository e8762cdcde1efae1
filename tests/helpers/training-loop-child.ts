/**
 * Child process for tests/activation-lifetimes.test.ts: runs a small training loop that
 * disposes only its loss and output, and prints, as one JSON line, the native storages and
 * bytes after the second step and after the last. In a fresh process no earlier garbage
 * can be collected in between, so equal numbers mean the loop frees everything it makes
 * without the collector.
 *
 *   training-loop-child.ts <sgd | adam-clip | tidy-user | transformer> <steps>
 *   training-loop-child.ts counts
 *
 * `counts` prints how many storages each stage of one step leaves alive.
 */
import * as torch from '../../src/index.js';

const [mode, steps] = [process.argv[2], Number(process.argv[3])];
const { nn } = torch;
const F = nn.functional;
const stats = () => {
  const s = torch.memoryStats().cpu;
  return { storages: s.storages, allocatedBytes: s.allocatedBytes, externalBytes: s.externalBytes };
};

torch.manualSeed(0);
const net = new nn.Sequential(new nn.Linear(12, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 3));
const live = () => torch.memoryStats().cpu.storages;
let step: () => void = () => {};
if (mode === 'counts') {
  const x = torch.randn([8, 12]);
  const before = live();
  const out = net.forward(x);
  const afterForward = live() - before;
  const loss = out.sum();
  loss.backward();
  loss.dispose();
  out.dispose();
  const afterBackward = live() - before;
  new torch.optim.SGD(net.parameters(), { lr: 0.1 }).zeroGrad();
  const afterZeroGrad = live() - before;
  const w = torch.randn([5], { requiresGrad: true });
  const product = w.mul(3).sum();
  const beforeImplicit = live();
  product.backward();
  const implicitBackward = live() - beforeImplicit;
  process.stdout.write(`${JSON.stringify({ afterForward, afterBackward, afterZeroGrad, implicitBackward })}\n`);
  process.exit(0);
} else if (mode === 'sgd') {
  const x = torch.randn([8, 12]);
  const y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]);
  const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
  step = () => {
    opt.zeroGrad();
    const out = net.forward(x);
    const loss = F.crossEntropy(out, y);
    loss.backward();
    opt.step();
    loss.dispose();
    out.dispose();
  };
} else if (mode === 'adam-clip') {
  const x = torch.randn([2, 4, 12]);
  const target = torch.randn([2, 4, 3]);
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  step = () => {
    opt.zeroGrad();
    const out = net.forward(x);
    const loss = F.mseLoss(out, target);
    loss.backward();
    nn.utils.clipGradNorm_(net.parameters(), 1.0).dispose();
    opt.step();
    loss.dispose();
    out.dispose();
  };
} else if (mode === 'tidy-user') {
  // A user's module (flint cannot vouch for its forward): its activations are freed because
  // the step's forward runs in tidy, which leaves the saved ones to backward.
  class UserNet extends nn.Module {
    conv = new nn.Conv2d(1, 4, 3);
    fc = new nn.Linear(4 * 6 * 6, 3);
    override forward(t: torch.Tensor): torch.Tensor {
      let h = F.relu(this.conv.forward(t));
      h = F.maxPool2d(h, 2).flatten(1);
      return F.logSoftmax(this.fc.forward(h), 1);
    }
  }
  const user = new UserNet();
  const x = torch.randn([5, 1, 14, 14]);
  const y = torch.tensor([0, 1, 2, 1, 0]);
  const opt = new torch.optim.Adadelta(user.parameters(), { lr: 1.0 });
  step = () => {
    opt.zeroGrad();
    const loss = torch.tidy(() => F.nllLoss(user.forward(x), y));
    loss.backward();
    opt.step();
    loss.dispose();
  };
} else if (mode === 'transformer') {
  const layer = new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0.1, batchFirst: true });
  const x = torch.randn([3, 5, 16]);
  const opt = new torch.optim.AdamW(layer.parameters(), { lr: 1e-3 });
  step = () => {
    opt.zeroGrad();
    const out = layer.forward(x);
    const squares = out.pow(2);
    const loss = squares.mean();
    loss.backward();
    opt.step();
    torch.dispose([out, squares, loss]);
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}
step();
step();
const second = stats();
for (let i = 2; i < steps; i++) step();
process.stdout.write(`${JSON.stringify({ second, last: stats() })}\n`);
