// Run by tests/distributed.test.ts under flint-run: monitoredBarrier when every rank comes,
// then (MODE) when only rank 0 does, or when rank 0 does not. Prints one line per rank.
import torch from 'flint-torch';

const dist = torch.distributed;
process.on('SIGTERM', () => {});
await dist.initProcessGroup({ backend: 'gloo', timeout: 30_000 });
const rank = dist.getRank();
const size = dist.getWorldSize();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

dist.monitoredBarrier({ timeout: 10_000 });
dist.monitoredBarrier({ timeout: 10_000, waitAllRanks: true });
const t = torch.ones(1);
dist.allReduce(t).wait();
let line = `rank ${rank}: passed, sum ${t.item()}`;

const mode = process.env.MODE;
const attempt = (options: { timeout: number; waitAllRanks?: boolean }): string => {
  try {
    dist.monitoredBarrier(options);
    return 'no error';
  } catch (error) {
    return (error as Error).message;
  }
};
if (mode === 'others-late') {
  if (rank === 0) line += `; ${attempt({ timeout: 500, waitAllRanks: size > 2 })}`;
  else await sleep(2000);
} else if (mode === 'zero-late') {
  if (rank === 0) await sleep(2000);
  else line += `; ${attempt({ timeout: 500 })}`;
}
console.log(line);
process.exit(0);
