// Run by tests/distributed.test.ts: rank 1 exits in the middle of a run; rank 0's next
// collective must fail with an Error (not hang), which it prints before exiting.
import torch from 'flint-torch';

const dist = torch.distributed;
// flint-run stops the other ranks when one fails; this rank holds on long enough to report.
process.on('SIGTERM', () => {});
await dist.initProcessGroup({ backend: 'gloo', timeout: 20_000 });
const t = torch.ones(4);
await dist.allReduce(t);
if (dist.getRank() === 1) process.exit(3);
try {
  for (let i = 0; i < 100; i++) await dist.allReduce(t);
  console.log('no error');
} catch (error) {
  console.log(`peer failure: ${(error as Error).message}`);
}
process.exit(0);
