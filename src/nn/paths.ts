/**
 * Dotted-path lookups on a module tree (`getSubmodule('0.block 1')`, `getParameter`,
 * `getBuffer`), with PyTorch's error messages.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** @internal `module.getSubmodule(target)` */
export function submoduleAt(root: Module<any>, target: string): Module<any> {
  if (target === '') return root;
  let module = root;
  for (const item of target.split('.')) {
    const next = module._modules.get(item);
    if (next === undefined) throw new Error(`${module._getName()} has no attribute \`${item}\``);
    if (!(next instanceof Module)) throw new Error(`\`${item}\` is not an nn.Module`);
    module = next;
  }
  return module;
}

function split(root: Module<any>, target: string): [Module<any>, string] {
  const at = target.lastIndexOf('.');
  return [submoduleAt(root, at < 0 ? '' : target.slice(0, at)), target.slice(at + 1)];
}

/** @internal `module.getParameter(target)` */
export function parameterAt(root: Module<any>, target: string): Parameter {
  const [module, name] = split(root, target);
  if (!module._parameters.has(name)) {
    if (name in module) throw new Error(`\`${name}\` is not an nn.Parameter`);
    throw new Error(`${module._getName()} has no attribute \`${name}\``);
  }
  const param = module._parameters.get(name);
  if (!(param instanceof Parameter)) throw new Error(`\`${name}\` is not an nn.Parameter`);
  return param;
}

/** @internal `module.getBuffer(target)` */
export function bufferAt(root: Module<any>, target: string): Tensor {
  const [module, name] = split(root, target);
  const buffer = module._buffers.get(name);
  if (buffer === undefined) throw new Error(`${module._getName()} has no attribute \`${name}\``);
  if (buffer === null) throw new Error(`\`${name}\` is not a buffer`);
  return buffer;
}
