// Run by tests/distributed.test.ts: each rank joins, runs a collective and ends without
// destroyProcessGroup; the processes must exit by themselves, leaving nothing behind.
import torch from 'flint-torch';

const dist = torch.distributed;
await dist.initProcessGroup({ backend: 'gloo', timeout: 20_000 });
const t = torch.ones(2);
await dist.allReduce(t);
console.log(`sum ${t.tolist().join(',')}`);
