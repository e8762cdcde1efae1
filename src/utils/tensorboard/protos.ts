/**
 * The protocol buffers of TensorBoard's event files, as protobufjs types built at load time
 * from the .proto text in proto-schema.ts, and TypeScript shapes of the messages built.
 *
 * `keepCase` keeps the upstream snake_case names, so the interfaces below read like the
 * .proto files and like PyTorch's summary.py.
 */
import protobuf from 'protobufjs';
import { HPARAMS_PROTO, STRUCT_PROTO, TENSORBOARD_PROTO } from './proto-schema.js';

const root = new protobuf.Root();
for (const source of [STRUCT_PROTO, TENSORBOARD_PROTO, HPARAMS_PROTO]) protobuf.parse(source, root, { keepCase: true });
root.resolveAll();

/** Named values of an enum above, read from the .proto text so that the numbers live in one place. */
function enumValues<K extends string>(name: string, keys: readonly K[]): Readonly<Record<K, number>> {
  const values = root.lookupEnum(name).values;
  return Object.fromEntries(keys.map((key) => [key, values[key]])) as Record<K, number>;
}

/**
 * TensorFlow's `DataType` values that the summaries use (types.proto).
 * @example { dtype: DataType.DT_FLOAT, float_val: [0.5] }
 */
export const DataType = enumValues('tensorboard.DataType', ['DT_FLOAT', 'DT_DOUBLE', 'DT_STRING']);

/**
 * `SessionLog.SessionStatus` (event.proto); `purgeStep` writes a START.
 * @example { wall_time: wallTime(), step: 10, session_log: { status: SessionStatus.START } }
 */
export const SessionStatus = enumValues('tensorboard.SessionLog.SessionStatus', ['START', 'STOP', 'CHECKPOINT']);

/**
 * `tensorboard.hparams.DataType` (api.proto): the type of a hyperparameter.
 * @example { name: 'lr', type: HParamType.DATA_TYPE_FLOAT64 }
 */
export const HParamType = enumValues('tensorboard.hparams.DataType', ['DATA_TYPE_STRING', 'DATA_TYPE_BOOL', 'DATA_TYPE_FLOAT64']);

/**
 * `tensorboard.hparams.Status` (api.proto): how a session ended.
 * @example { session_end_info: { status: HParamStatus.STATUS_SUCCESS } }
 */
export const HParamStatus = enumValues('tensorboard.hparams.Status', ['STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING']);

/** `SummaryMetadata.PluginData`: which TensorBoard plugin reads a value, and its settings. */
export interface PluginDataMessage {
  plugin_name: string;
  content?: Uint8Array;
}

/** `TensorProto`, with the fields the summaries fill. */
export interface TensorMessage {
  dtype: number;
  tensor_shape?: { dim: { size: number }[] };
  float_val?: number[];
  double_val?: number[];
  string_val?: Uint8Array[];
}

/** `HistogramProto`: `bucket[i]` counts the values up to `bucket_limit[i]`. */
export interface HistogramMessage {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

/** `Summary.Image`: an encoded (PNG) image; colorspace is the channel count. */
export interface ImageMessage {
  height: number;
  width: number;
  colorspace: number;
  encoded_image_string: Uint8Array;
}

/** `Summary.Value`: one tagged value; exactly one of the value fields is set. */
export interface SummaryValueMessage {
  tag: string;
  metadata?: { plugin_data: PluginDataMessage };
  simple_value?: number;
  image?: ImageMessage;
  histo?: HistogramMessage;
  tensor?: TensorMessage;
}

/** `Summary`. */
export interface SummaryMessage {
  value: SummaryValueMessage[];
}

/** `Event`: one record of an event file. */
export interface EventMessage {
  wall_time: number;
  step?: number;
  file_version?: string;
  summary?: SummaryMessage;
  session_log?: { status: number };
}

/** `google.protobuf.Value`, as far as hyperparameters use it. */
export interface StructValueMessage {
  number_value?: number;
  string_value?: string;
  bool_value?: boolean;
}

/** `tensorboard.hparams.HParamsPluginData`: one of the three hparams records. */
export interface HParamsPluginDataMessage {
  version?: number;
  experiment?: {
    hparam_infos: { name: string; type: number; domain_discrete?: { values: StructValueMessage[] } }[];
    metric_infos: { name: { tag: string } }[];
  };
  session_start_info?: { hparams: Record<string, StructValueMessage> };
  session_end_info?: { status: number };
}

const eventType = root.lookupType('tensorboard.Event');
const hparamsPluginDataType = root.lookupType('tensorboard.hparams.HParamsPluginData');

/**
 * The wire bytes of an `Event`.
 * @example encodeEvent({ wall_time: Date.now() / 1000, file_version: 'brain.Event:2' })
 */
export function encodeEvent(event: EventMessage): Uint8Array {
  return eventType.encode(event).finish();
}

/**
 * The wire bytes of an `HParamsPluginData`, which goes into `PluginData.content`.
 * @example encodeHParamsPluginData({ session_end_info: { status: HParamStatus.STATUS_SUCCESS } })
 */
export function encodeHParamsPluginData(data: HParamsPluginDataMessage): Uint8Array {
  return hparamsPluginDataType.encode(data).finish();
}
