/**
 * `torch.utils.progress`: a progress bar for training loops, with rate and ETA, in tqdm's
 * layout (`label  45%|█████░░░░░| 450/1000 [00:03<00:04, 150.2it/s] loss=0.1234`).
 *
 * On a TTY it redraws one line in place, at most every `minIntervalMs`. Elsewhere (a log
 * file, CI) a redrawn line would be noise, so it writes a plain line only at every tenth of
 * the total and when closed.
 */
import type { Writable } from 'node:stream';

/**
 * The options of `new ProgressBar(...)` and `progress(...)`.
 * @example new torch.utils.progress.ProgressBar({ total: 1000, label: 'epoch 1' })
 */
export interface ProgressOptions {
  /** The count at 100%; without it, the bar shows the count and rate only. */
  total?: number;
  /** Written before the bar. */
  label?: string;
  /** The bar's width in characters (default 20). */
  width?: number;
  /** Where the bar is written (default `process.stderr`, as tqdm's). */
  stream?: Writable & { isTTY?: boolean };
  /** The unit after the rate (default `'it'`: `150.2it/s`). */
  unit?: string;
  /** The least time between two redraws on a TTY (default 100 ms). */
  minIntervalMs?: number;
  /** The clock, in milliseconds (default `performance.now`); for tests. */
  now?: () => number;
}

/** `m:ss`, or `h:mm:ss` past an hour. */
function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toFixed(4);
}

/**
 * A progress bar that `update()` advances and `close()` ends.
 * @example
 * const bar = new torch.utils.progress.ProgressBar({ total: loader.length, label: `epoch ${epoch}` });
 * for (const [x, y] of loader) { ...; bar.update(1, { loss: loss.item() }); }
 * bar.close();
 */
export class ProgressBar {
  readonly total: number | null;
  /** How far it has got. */
  n = 0;
  private readonly label: string;
  private readonly width: number;
  private readonly stream: Writable & { isTTY?: boolean };
  private readonly unit: string;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastTenth = 0;
  private postfix: Record<string, number | string> = {};
  private closed = false;

  constructor(options: ProgressOptions = {}) {
    const { total, label = '', width = 20, stream = process.stderr, unit = 'it', minIntervalMs = 100, now = () => performance.now() } = options;
    if (total !== undefined && !(Number.isFinite(total) && total >= 0)) {
      throw new Error(`ProgressBar: total must be a non-negative number, got ${String(total)}`);
    }
    if (!(Number.isInteger(width) && width > 0)) throw new Error(`ProgressBar: width must be a positive integer, got ${String(width)}`);
    this.total = total ?? null;
    this.label = label;
    this.width = width;
    this.stream = stream;
    this.unit = unit;
    this.minIntervalMs = minIntervalMs;
    this.now = now;
    this.tty = stream.isTTY === true;
    this.started = now();
  }

  /**
   * Advances by `n` (default 1) and merges `postfix` into the values shown after the bar.
   * @example bar.update(x.shape[0], { loss: 0.1234 })
   */
  update(n = 1, postfix?: Record<string, number | string>): void {
    if (this.closed) throw new Error('ProgressBar: update() after close()');
    this.n += n;
    if (postfix) Object.assign(this.postfix, postfix);
    const time = this.now();
    if (this.tty) {
      if (time - this.lastDraw >= this.minIntervalMs || (this.total !== null && this.n >= this.total)) {
        this.lastDraw = time;
        this.stream.write(`\r${this.render(time)}`);
      }
    } else if (this.total !== null && this.total > 0) {
      const tenth = Math.floor((10 * Math.min(this.n, this.total)) / this.total);
      if (tenth > this.lastTenth && tenth < 10) {
        this.lastTenth = tenth;
        this.stream.write(`${this.render(time)}\n`);
      }
    }
  }

  /**
   * Writes the final state and ends the line. Calling it again does nothing.
   * @example bar.close()
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const line = this.render(this.now());
    this.stream.write(this.tty ? `\r${line}\n` : `${line}\n`);
  }

  /**
   * The bar's line as it would be drawn at `time` (default now).
   * @example bar.render() // 'epoch 1  45%|█████████░░░░░░░░░░░| 450/1000 [00:03<00:04, 150.0it/s]'
   */
  render(time = this.now()): string {
    const elapsed = Math.max(0, (time - this.started) / 1000);
    const rate = elapsed > 0 ? this.n / elapsed : NaN;
    const rateText = Number.isFinite(rate) ? `${rate >= 100 ? rate.toFixed(1) : rate.toPrecision(3)}${this.unit}/s` : `?${this.unit}/s`;
    const post = Object.entries(this.postfix).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ');
    const prefix = this.label ? `${this.label} ` : '';
    let line: string;
    if (this.total === null) {
      line = `${prefix}${this.n} [${clock(elapsed)}, ${rateText}]`;
    } else {
      const fraction = this.total === 0 ? 1 : Math.min(1, this.n / this.total);
      const filled = Math.floor(fraction * this.width);
      const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
      const remaining = Number.isFinite(rate) && rate > 0 ? Math.max(0, this.total - this.n) / rate : NaN;
      const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
      line = `${prefix}${percent}|${bar}| ${this.n}/${this.total} [${clock(elapsed)}<${clock(remaining)}, ${rateText}]`;
    }
    return post ? `${line} ${post}` : line;
  }
}

/**
 * The items of `iterable`, advancing a bar for each, as `tqdm(iterable)`: the total is the
 * iterable's `length` or `size` when it has one. The bar closes when the loop ends or breaks.
 * @example for (const [x, y] of torch.utils.progress.progress(loader, { label: 'train' })) { ... }
 */
export function* progress<T>(iterable: Iterable<T>, options: ProgressOptions = {}): Generator<T, void, undefined> {
  const sized = iterable as { length?: unknown; size?: unknown };
  const known = typeof sized.length === 'number' ? sized.length : typeof sized.size === 'number' ? sized.size : undefined;
  const bar = new ProgressBar({ total: known, ...options });
  try {
    for (const item of iterable) {
      yield item;
      bar.update(1);
    }
  } finally {
    bar.close();
  }
}
