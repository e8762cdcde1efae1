/**
 * Dive into Deep Learning, "File I/O", in flint. Run: npx tsx examples/5.5-read-write.ts
 * Tensors, lists and dicts of tensors, and a model's parameters go to disk in PyTorch's
 * own format (PyTorch's torch.load reads these files), and come back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from 'flint-torch';
const { nn } = torch;
const F = nn.functional;

const dir = mkdtempSync(join(tmpdir(), 'flint-5.5-'));
const file = (name: string) => join(dir, name);

// Loading and saving tensors.
const x = torch.arange(4);
await torch.save(x, file('x-file'));
const x2 = await torch.load(file('x-file'));
console.log(x2);

const y = torch.zeros(4);
await torch.save([x, y], file('x-files'));
const [x3, y2] = (await torch.load(file('x-files'))) as torch.Tensor[];
console.log(x3, y2);

const mydict = { x, y };
await torch.save(mydict, file('mydict'));
const mydict2 = await torch.load(file('mydict'));
console.log(mydict2);

// Loading and saving model parameters.
class MLP extends nn.Module {
  hidden = new nn.Linear(20, 256);
  output = new nn.Linear(256, 10);
  override forward(x: torch.Tensor) {
    return this.output(F.relu(this.hidden(x)));
  }
}
const net = new MLP();
const X = torch.randn(2, 20);
const Y = net(X);

await torch.save(net.stateDict(), file('mlp.params'));

const clone = new MLP();
clone.loadStateDict((await torch.load(file('mlp.params'))) as Record<string, torch.Tensor>);
clone.eval();
console.log(clone);

const YClone = clone(X);
console.log(YClone.eq(Y));
if (!YClone.eq(Y).all().itemBool()) {
  console.error('the clone does not reproduce the original');
  process.exitCode = 1;
}
