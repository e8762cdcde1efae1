// PyTorch tutorial "Saving and Loading Models" (a general checkpoint to resume training),
// ported line by line from tests/ports/python/save_load_resume.py.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;

export function main(print: Print): void {
  torch.manualSeed(0);

  const X = torch.randn(40, 5);
  const y = X.matmul(torch.randn(5, 2)).add(torch.randn(40, 2).mul(0.1));

  function make(): [torch.nn.Sequential, torch.optim.Adam] {
    const net = new nn.Sequential(new nn.Linear(5, 8), new nn.Tanh(), new nn.Linear(8, 2));
    const opt = new torch.optim.Adam(net.parameters(), { lr: 0.01 });
    return [net, opt];
  }

  function train(net: torch.nn.Module, opt: torch.optim.Optimizer, steps: number): number {
    let loss!: torch.Tensor;
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      loss = nn.functional.mseLoss(net(X), y);
      loss.backward();
      opt.step();
    }
    return loss.item();
  }

  const [net, opt] = make();
  print(`after 5 steps: ${train(net, opt, 5).toFixed(6)}`);
  const path = join(mkdtempSync(join(tmpdir(), 'flint-port-')), 'checkpoint.pt');
  torch.saveSync({
    epoch: 5,
    model_state_dict: net.stateDict(),
    optimizer_state_dict: opt.stateDict(),
  }, path);
  print(`uninterrupted, 5 more: ${train(net, opt, 5).toFixed(6)}`);

  torch.manualSeed(123); // a fresh model starts from other weights
  const [model, optimizer] = make();
  const checkpoint = torch.loadSync(path) as {
    epoch: number;
    model_state_dict: Record<string, torch.Tensor>;
    optimizer_state_dict: torch.optim.OptimizerStateDict;
  };
  model.loadStateDict(checkpoint.model_state_dict);
  optimizer.loadStateDict(checkpoint.optimizer_state_dict);
  const epoch = checkpoint.epoch;
  // Python prints the list of keys as ['0.weight', ...]
  print('loaded epoch', epoch, 'keys', `[${Object.keys(checkpoint.model_state_dict).map((k) => `'${k}'`).join(', ')}]`);
  const steps = [...optimizer.stateDict().state.values()].map((s) => Number(s.step instanceof torch.Tensor ? s.step.item() : s.step));
  print('state steps', `[${steps.map((s) => s.toFixed(1)).join(', ')}]`);
  print(`resumed, 5 more: ${train(model, optimizer, 5).toFixed(6)}`);
  print((model.at(2) as torch.nn.Linear).bias);
}
