// torch.utils.progress: the bar's text (percent, count, elapsed<remaining, rate, postfix),
// redraws in place on a TTY at most every minIntervalMs, plain lines at each tenth
// elsewhere, and the iterable wrapper's total and closing on break.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const { ProgressBar, progress } = torch.utils.progress;

/** A stream that keeps what is written; `isTTY` as asked. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = isTTY;
  stream.text = () => chunks.join('');
  return stream;
}

/** A clock the test moves by hand (milliseconds). */
function fakeClock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('torch.utils.progress', () => {
  it('renders percent, count, elapsed<remaining, rate and the postfix as tqdm lays them out', () => {
    const time = fakeClock();
    const bar = new ProgressBar({ total: 1000, label: 'epoch 1', width: 10, stream: sink(true), now: time.now });
    time.advance(3000);
    bar.update(450, { loss: 0.123456, acc: 0.5 });
    // 150 it/s, 550 left: 3.67 s
    expect(bar.render()).toBe('epoch 1  45%|████░░░░░░| 450/1000 [00:03<00:04, 150.0it/s] loss=0.1235, acc=0.5000');
    time.advance(3_600_000);
    expect(bar.render()).toMatch(/^epoch 1 {2}45%\|.*\| 450\/1000 \[1:00:03<1:13:2\d, 0\.125it\/s\]/);
  });

  it('without a total it shows the count and rate; bad totals and widths are refused', () => {
    const time = fakeClock();
    const bar = new ProgressBar({ unit: 'img', stream: sink(true), now: time.now });
    time.advance(2000);
    bar.update(64);
    expect(bar.render()).toBe('64 [00:02, 32.0img/s]');
    expect(() => new ProgressBar({ total: -1 })).toThrow('ProgressBar: total must be a non-negative number, got -1');
    expect(() => new ProgressBar({ width: 0 })).toThrow('ProgressBar: width must be a positive integer, got 0');
  });

  it('on a TTY redraws one line in place, at most every minIntervalMs, and ends it on close', () => {
    const time = fakeClock();
    const out = sink(true);
    const bar = new ProgressBar({ total: 4, stream: out, now: time.now, minIntervalMs: 100 });
    bar.update();
    bar.update(); // within 100 ms of the first draw: not drawn
    time.advance(150);
    bar.update();
    bar.update(); // the last step is always drawn
    bar.close();
    bar.close(); // once only
    const draws = out.text().split('\r').filter(Boolean);
    expect(draws.map((d) => d.match(/ (\d)\/4 /)![1])).toEqual(['1', '3', '4', '4']);
    expect(out.text().endsWith('\n')).toBe(true);
    expect(out.text().split('\n')).toHaveLength(2);
    expect(() => bar.update()).toThrow('ProgressBar: update() after close()');
  });

  it('elsewhere writes a plain line at each tenth and one at the end', () => {
    const time = fakeClock();
    const out = sink(false);
    const bar = new ProgressBar({ total: 100, stream: out, now: time.now });
    for (let i = 0; i < 100; i++) {
      time.advance(10);
      bar.update();
    }
    bar.close();
    const lines = out.text().trimEnd().split('\n');
    expect(out.text()).not.toContain('\r');
    expect(lines.map((l) => l.trim().split('%')[0])).toEqual(['10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
  });

  it('progress(iterable) takes the total from length or size, advances per item, and closes on break', () => {
    const out = sink(false);
    const seen: number[] = [];
    for (const x of progress([1, 2, 3, 4], { stream: out, label: 'list' })) seen.push(x);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(out.text().trimEnd().split('\n').pop()).toMatch(/^list 100%\|█{20}\| 4\/4 \[/);
    const broken = sink(false);
    for (const x of progress(new Set([1, 2, 3]), { stream: broken })) if (x === 2) break;
    expect(broken.text().trimEnd().split('\n').pop()).toMatch(/^ 33%\|.*\| 1\/3 \[/);
    const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(torch.arange(10)), { batchSize: 4 });
    const fromLoader = sink(false);
    let batches = 0;
    for (const _ of progress(loader, { stream: fromLoader })) batches++;
    expect(batches).toBe(3);
    expect(fromLoader.text().trimEnd().split('\n').pop()).toMatch(/ 3\/3 \[/);
  });
});
