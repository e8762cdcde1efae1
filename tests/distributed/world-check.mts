// Run by tests/distributed.test.ts with RANK/WORLD_SIZE set by hand: prints the error
// initProcessGroup gives, or "joined".
import torch from 'flint-torch';

try {
  await torch.distributed.initProcessGroup({ backend: 'gloo', timeout: Number(process.env.TEST_TIMEOUT ?? 3000) });
  console.log('joined');
  torch.distributed.destroyProcessGroup();
} catch (error) {
  console.log(`error: ${(error as Error).message}`);
}
