/**
 * `nn.utils.skipInit`: a module whose parameters and buffers are left uninitialized, as
 * PyTorch 1.13's torch/nn/utils/init.py. PyTorch builds the module on the meta device (no
 * init runs) and then `to_empty`s it; flint has no meta device, so the module is built
 * where asked with every generator's state put back afterwards (the init's draws are
 * undone: the random streams are as if nothing ran), and then each parameter and buffer
 * is replaced, in place, by an uninitialized tensor of its shape, dtype and device.
 */
import { emptyLike } from '../../tensor/creation.js';
import { describeValue } from '../../tensor/args.js';
import { CPU, cudaDevice } from '../../tensor/device.js';
import { defaultGenerator, forkRng } from '../../random/generator.js';
import { deviceCount } from '../../cuda.js';
import { getRngState as cudaRngState } from '../../cuda-random.js';
import { Module } from '../module.js';
import { isLazy } from '../parameter.js';

/** The current state of every generator, to lend back to them after construction. */
function generatorStates(): Map<number, Uint8Array> {
  const states = new Map<number, Uint8Array>([[CPU.code, new Uint8Array(defaultGenerator.getState().dataSync() as Uint8Array)]]);
  for (let i = 0; i < deviceCount(); i++) states.set(cudaDevice(i).code, new Uint8Array(cudaRngState(i).dataSync() as Uint8Array));
  return states;
}

/**
 * Constructs `new moduleCls(...args)` without initializing it: its parameters and buffers
 * hold uninitialized memory (as `torch.empty`), and no random numbers are consumed from
 * any generator. For modules that are then initialized by hand or loaded from a checkpoint.
 * @example
 * const m = nn.utils.skipInit(nn.Linear, 5, 1);
 * nn.init.xavierUniform_(m.weight);
 */
export function skipInit<M extends Module<any>, A extends unknown[]>(moduleCls: new (...args: A) => M, ...args: A): M { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (typeof moduleCls !== 'function' || !(moduleCls.prototype instanceof Module)) {
    throw new Error(`Expected a Module; got ${describeValue(moduleCls)}`);
  }
  const module = forkRng(generatorStates(), () => new moduleCls(...args));
  module._apply((t) => (isLazy(t) ? t : emptyLike(t)));
  return module;
}
