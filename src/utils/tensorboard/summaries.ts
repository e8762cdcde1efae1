/**
 * The `Summary` protos of scalars, text and hyperparameters, as PyTorch's summary.py
 * builds them (`scalar`, `text`, `hparams`). Histograms and images, which need more
 * arithmetic, are in histogram.ts and image.ts.
 */
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, describeValue } from '../../tensor/args.js';
import {
  DataType,
  encodeHParamsPluginData,
  HParamStatus,
  HParamType,
  type HParamsPluginDataMessage,
  type StructValueMessage,
  type SummaryMessage,
} from './protos.js';

/**
 * A scalar summary: old style as a float32 `simple_value`; new style as a tensor that
 * the scalars plugin reads, in float32 or, with `doublePrecision`, float64.
 * @example scalarSummary('loss', 0.25) // { value: [{ tag: 'loss', simple_value: 0.25 }] }
 */
export function scalarSummary(tag: string, value: number, newStyle = false, doublePrecision = false): SummaryMessage {
  if (!newStyle) return { value: [{ tag, simple_value: value }] };
  const tensor = doublePrecision ? { dtype: DataType.DT_DOUBLE, double_val: [value] } : { dtype: DataType.DT_FLOAT, float_val: [value] };
  return { value: [{ tag, tensor, metadata: { plugin_data: { plugin_name: 'scalars' } } }] };
}

/**
 * A text summary: a one-element string tensor for the text plugin, tagged
 * `<tag>/text_summary`. Its plugin content, `TextPluginData(version=0)`, serializes to
 * no bytes, so there is none.
 * @example textSummary('notes', 'lr halved at epoch 3')
 */
export function textSummary(tag: string, text: string): SummaryMessage {
  const tensor = { dtype: DataType.DT_STRING, tensor_shape: { dim: [{ size: 1 }] }, string_val: [Buffer.from(text, 'utf8')] };
  return { value: [{ tag: `${tag}/text_summary`, metadata: { plugin_data: { plugin_name: 'text' } }, tensor }] };
}

/**
 * A hyperparameter value: a number, string or boolean, or a one-element Tensor (logged as
 * a number); `null` and `undefined` are skipped.
 * @example const hp: Record<string, HParamValue> = { lr: 0.1, optimizer: 'adam', nesterov: true };
 */
export type HParamValue = number | string | boolean | Tensor | null | undefined;

/**
 * The values each hyperparameter can take, which the hparams dashboard offers as filters.
 * @example const domains: HParamDomains = { optimizer: ['adam', 'sgd'] };
 */
export type HParamDomains = Record<string, readonly (number | string | boolean)[]>;

/** The hparams plugin's tags and name (tensorboard/plugins/hparams/metadata.py). */
const EXPERIMENT_TAG = '_hparams_/experiment';
const SESSION_START_INFO_TAG = '_hparams_/session_start_info';
const SESSION_END_INFO_TAG = '_hparams_/session_end_info';
const PLUGIN_NAME = 'hparams';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Throws unless `value` is a plain object (PyTorch requires a `dict`).
 * @example checkRecord({ lr: 0.1 }, 'SummaryWriter.addHparams', 'hparamDict')
 */
export function checkRecord(value: unknown, fn: string, name: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw argumentError(fn, name, 'a plain object of name-value pairs', value);
}

function hparamsValueSummary(tag: string, data: HParamsPluginDataMessage): SummaryMessage {
  // version is PLUGIN_DATA_VERSION, 0, which proto3 leaves off the wire.
  const content = encodeHParamsPluginData(data);
  return { value: [{ tag, metadata: { plugin_data: { plugin_name: PLUGIN_NAME, content } } }] };
}

/** The `google.protobuf.Value` of a hyperparameter, by its JS type. */
function structValue(value: number | string | boolean): StructValueMessage {
  if (typeof value === 'number') return { number_value: value };
  if (typeof value === 'string') return { string_value: value };
  return { bool_value: value };
}

const TYPE_OF_KIND = { number: HParamType.DATA_TYPE_FLOAT64, string: HParamType.DATA_TYPE_STRING, boolean: HParamType.DATA_TYPE_BOOL };

/**
 * PyTorch's `hparams()`: the experiment, session-start and session-end summaries the
 * hparams dashboard reads, in the order `addHparams` writes them.
 * @example const [experiment, start, end] = hparamsSummaries({ lr: 0.1 }, { 'hparam/accuracy': 0.9 });
 */
export function hparamsSummaries(
  hparamDict: Record<string, HParamValue>,
  metricDict: Record<string, unknown>,
  domains: HParamDomains = {},
  fn = 'SummaryWriter.addHparams',
): [SummaryMessage, SummaryMessage, SummaryMessage] {
  checkRecord(hparamDict, fn, 'hparamDict');
  checkRecord(metricDict, fn, 'metricDict');
  checkRecord(domains, fn, 'hparamDomainDiscrete');

  const values: Record<string, number | string | boolean> = {};
  for (const [name, value] of Object.entries(hparamDict)) {
    if (value === null || value === undefined) continue;
    if (value instanceof Tensor && value.numel() === 1) values[name] = value.item();
    else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') values[name] = value;
    else throw argumentError(fn, `hparamDict['${name}']`, 'a number, string, boolean or one-element Tensor', value);
  }
  for (const [name, domain] of Object.entries(domains)) {
    const kind = name in values ? typeof values[name] : undefined;
    if (kind === undefined || !Array.isArray(domain) || !domain.every((d) => typeof d === kind)) {
      throw new TypeError(
        `${fn}(): hparamDomainDiscrete['${name}'] must be an array of values of the same type as hparamDict['${name}'] ` +
          `(${kind ?? 'absent'}), but got ${describeValue(domain)}`,
      );
    }
  }

  const hparams: Record<string, StructValueMessage> = {};
  const hparamInfos = Object.entries(values).map(([name, value]) => {
    hparams[name] = structValue(value);
    const type = TYPE_OF_KIND[typeof value as keyof typeof TYPE_OF_KIND];
    const domain = domains[name];
    return domain === undefined ? { name, type } : { name, type, domain_discrete: { values: domain.map(structValue) } };
  });
  const metricInfos = Object.keys(metricDict).map((tag) => ({ name: { tag } }));

  return [
    hparamsValueSummary(EXPERIMENT_TAG, { experiment: { hparam_infos: hparamInfos, metric_infos: metricInfos } }),
    hparamsValueSummary(SESSION_START_INFO_TAG, { session_start_info: { hparams } }),
    hparamsValueSummary(SESSION_END_INFO_TAG, { session_end_info: { status: HParamStatus.STATUS_SUCCESS } }),
  ];
}
