/**
 * `torch.utils.tensorboard`: `SummaryWriter`, which writes the event files TensorBoard
 * reads (TFRecord-framed `Event` protocol buffers), for `tensorboard --logdir runs`.
 * @example
 * const writer = new torch.utils.tensorboard.SummaryWriter('runs/exp1');
 * writer.addScalar('loss', 0.5, 1);
 * writer.close();
 */
export { SummaryWriter } from './summary-writer.js';
export type {
  SummaryWriterOptions,
  AddScalarOptions,
  AddHistogramOptions,
  AddImageOptions,
  AddHparamsOptions,
  HistogramValues,
} from './summary-writer.js';
export type { HistogramBins } from './histogram.js';
export type { HParamValue, HParamDomains } from './summaries.js';
