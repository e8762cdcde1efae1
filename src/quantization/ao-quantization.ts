/**
 * `torch.ao.quantization` (also `torch.quantization`): dynamic quantization of a trained
 * model's linear layers, PyTorch's `quantize_dynamic`, with its default and per-channel
 * weight schemes.
 */
import { Module } from '../nn/module.js';
import { copyForwardHooks } from '../nn/module-hooks.js';
import { Linear as FloatLinear } from '../nn/layers/linear.js';
import { LSTM, GRU } from '../nn/layers/rnn.js';
import { LSTMCell, GRUCell, RNNCell } from '../nn/layers/rnn-cell.js';
import { deepCopyModule } from '../nn/layers/clones.js';
import { type DType, float16, qint8 } from '../tensor/dtype.js';
import { argumentError, checkBoolean } from '../tensor/args.js';
import { Linear as DynamicLinear } from './dynamic-linear.js';
import { DynamicRNNBase } from './dynamic-rnn.js';
import { DynamicRNNCellBase } from './dynamic-rnn-cell.js';

/**
 * How a layer's weight is quantized, as PyTorch's QConfig for dynamic quantization: symmetric
 * qint8, one scale for the whole weight or one per output feature.
 * @example torch.ao.quantization.defaultDynamicQconfig.perChannel // false
 */
export class QConfig {
  /** @internal */
  constructor(
    /** Whether each output feature gets its own scale (PerChannelMinMaxObserver). */
    readonly perChannel: boolean,
  ) {}

  toString(): string {
    return this.perChannel ? 'QConfig(per_channel_dynamic)' : 'QConfig(default_dynamic)';
  }
}

/** PyTorch's `default_dynamic_qconfig`: one scale per weight. @example new Map([[nn.Linear, torch.ao.quantization.defaultDynamicQconfig]]) */
export const defaultDynamicQconfig = new QConfig(false);
/** PyTorch's `per_channel_dynamic_qconfig`: one scale per output feature. @example quantizeDynamic(model, new Map([[nn.Linear, perChannelDynamicQconfig]])) */
export const perChannelDynamicQconfig = new QConfig(true);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModuleClass = abstract new (...args: any[]) => Module<any>;
/** Which layers to quantize: classes (with the default qconfig), or classes and module names to a QConfig. */
export type QconfigSpec = Set<ModuleClass> | ModuleClass[] | Map<ModuleClass | string, QConfig | null>;

/**
 * PyTorch's default dynamic mapping: each float class (exactly, not a subclass) to the
 * quantized module it becomes. nn.RNN has none, so it stays float.
 */
const DYNAMIC_MAPPING = new Map<ModuleClass, (mod: Module<any>, qconfig: QConfig) => Module<any>>([ // eslint-disable-line @typescript-eslint/no-explicit-any
  [FloatLinear, (mod, qconfig) => DynamicLinear.fromFloat(mod, qconfig)],
  [LSTM, (mod, qconfig) => DynamicRNNBase.fromFloat(mod, qconfig)],
  [GRU, (mod, qconfig) => DynamicRNNBase.fromFloat(mod, qconfig)],
  [LSTMCell, (mod, qconfig) => DynamicRNNCellBase.fromFloat(mod, qconfig)],
  [GRUCell, (mod, qconfig) => DynamicRNNCellBase.fromFloat(mod, qconfig)],
  [RNNCell, (mod, qconfig) => DynamicRNNCellBase.fromFloat(mod, qconfig)],
]);

/**
 * PyTorch's `quantize_dynamic(model, qconfig_spec=None, dtype=torch.qint8, inplace=False)`:
 * a copy of `model` (or `model` itself, `inplace`), put in eval mode, whose `nn.Linear`,
 * `nn.LSTM`, `nn.GRU`, `nn.LSTMCell`, `nn.GRUCell` and `nn.RNNCell` children become their
 * `nn.quantized.dynamic` counterparts with qint8 weights (nn.RNN stays float, as in PyTorch).
 * As in PyTorch, only modules of exactly those classes are swapped, the root is never
 * swapped, and a spec's qconfig passes from a module to its children. `qconfigSpec` is a set
 * of classes, or a Map from classes or module names to a QConfig (`defaultDynamicQconfig`,
 * `perChannelDynamicQconfig`, or null to leave one float); by default, all six classes.
 *
 * @example
 * const qmodel = torch.ao.quantization.quantizeDynamic(model, new Set([torch.nn.Linear]), torch.qint8);
 * qmodel(x); // int8 weights, float32 in and out
 * const qlm = torch.ao.quantization.quantizeDynamic(languageModel); // its LSTM and Linear layers
 */
export function quantizeDynamic<M extends Module<any>>(model: M, qconfigSpec: QconfigSpec | null = null, dtype: DType = qint8, mapping: unknown = null, inplace = false): M { // eslint-disable-line @typescript-eslint/no-explicit-any
  const fn = 'quantize_dynamic';
  if (!(model instanceof Module)) throw argumentError(fn, 'model', 'an nn.Module', model);
  checkBoolean(inplace, fn, 'inplace');
  if (mapping !== null && mapping !== undefined) throw new TypeError(`${fn}(): a custom mapping is not supported; flint maps nn.Linear, nn.LSTM, nn.GRU and the cells to their nn.quantized.dynamic counterparts`);
  // As in PyTorch, dtype picks the qconfig only when the spec does not give one (a Map does).
  if (!(qconfigSpec instanceof Map)) {
    if (dtype === float16) throw new TypeError(`${fn}(): float16 dynamic quantization is not supported by flint yet; use torch.qint8`);
    if (dtype !== qint8) throw new TypeError(`${fn}(): Don't know how to quantize with default settings for ${dtype}. Provide full qconfig please`);
  }
  const byType = new Map<ModuleClass, QConfig | null>();
  const byName = new Map<string, QConfig | null>();
  if (qconfigSpec === null || qconfigSpec === undefined) {
    for (const cls of DYNAMIC_MAPPING.keys()) byType.set(cls, defaultDynamicQconfig);
  } else if (qconfigSpec instanceof Map) {
    for (const [key, qconfig] of qconfigSpec) {
      if (qconfig !== null && !(qconfig instanceof QConfig)) throw argumentError(fn, 'qconfig_spec', 'a Map to QConfig values (or null)', qconfig);
      if (typeof key === 'string') byName.set(key, qconfig);
      else byType.set(key, qconfig);
    }
  } else if (qconfigSpec instanceof Set || Array.isArray(qconfigSpec)) {
    for (const cls of qconfigSpec) byType.set(cls, defaultDynamicQconfig);
  } else {
    throw argumentError(fn, 'qconfig_spec', 'a Set or array of module classes, or a Map to QConfig values', qconfigSpec);
  }
  const copies = new Map<object, unknown>();
  const root = inplace ? model : deepCopyModule(model, copies);
  // copy.deepcopy keeps the modules' forward hooks, which flint's module copy leaves out.
  for (const [original, copy] of copies) {
    if (original instanceof Module && copy instanceof Module) copyForwardHooks(original, copy);
  }
  root.eval();
  // propagate_qconfig_: by type, then by name, else the parent's.
  const assigned = new Map<Module<any>, QConfig | null>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  const propagate = (module: Module<any>, name: string, inherited: QConfig | null): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
    let qconfig = byType.has(module.constructor as ModuleClass) ? byType.get(module.constructor as ModuleClass)! : inherited;
    if (byName.has(name)) qconfig = byName.get(name)!;
    assigned.set(module, qconfig);
    for (const [child, sub] of module._modules) if (sub !== null) propagate(sub, name === '' ? child : `${name}.${child}`, qconfig);
  };
  propagate(root, '', null);
  // convert: children only, depth first, each swapped where its exact class maps.
  const convert = (module: Module<any>, prefix: string): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const [child, sub] of [...module._modules]) {
      if (sub === null) continue;
      const qconfig = assigned.get(sub) ?? null;
      const name = prefix === '' ? child : `${prefix}.${child}`;
      const swap = DYNAMIC_MAPPING.get(sub.constructor as ModuleClass);
      if (qconfig !== null && swap !== undefined) {
        const swapped = swap(sub, qconfig);
        // swap_module keeps the float module's forward hooks and pre-hooks (registered again).
        const float: Module<any> = sub; // eslint-disable-line @typescript-eslint/no-explicit-any
        for (const hook of float._forwardPreHooks.values()) swapped.registerForwardPreHook(hook);
        for (const hook of float._forwardHooks.values()) swapped.registerForwardHook(hook);
        module.addModule(child, swapped);
      } else {
        convert(sub, name);
      }
    }
  };
  convert(root, '');
  return root;
}
