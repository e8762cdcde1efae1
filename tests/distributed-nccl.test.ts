// torch.distributed's 'nccl' backend (native/cuda/nccl_communicator.cc). Without a GPU only
// the refusal runs here; with one, tests/distributed/nccl.mts runs every collective on CUDA
// tensors in a world of one rank per visible GPU (1 and, where there are two or more, 2),
// started by flint-run. NCCL itself (libnccl.so.2) must be installed, or named by FLINT_NCCL.
import { describe, expect, it } from 'vitest';

import torch from 'flint-torch';
import { nativeReduceOp } from '../src/distributed/process-group.js';
import { flintRun } from './helpers/flint-run.js';

const dist = torch.distributed;
const gpus = torch.cuda.deviceCount();
const noGpu = `no CUDA device (${torch.cuda.unavailableReason()})`;
if (gpus === 0) console.warn(`tests/distributed-nccl.test.ts: the NCCL worlds skip: ${noGpu}`);

describe('the nccl backend without a GPU', () => {
  it.skipIf(gpus > 0)('initProcessGroup says NCCL needs a CUDA device, and leaves nothing behind', async () => {
    await expect(dist.initProcessGroup({ backend: 'nccl', rank: 0, worldSize: 1, store: new dist.HashStore() })).rejects.toThrow(
      /the nccl backend needs a CUDA device: /,
    );
    expect(dist.isInitialized()).toBe(false);
    // gloo still works afterwards.
    await dist.initProcessGroup({ backend: 'gloo', rank: 0, worldSize: 1, store: new dist.HashStore() });
    const t = torch.ones(3);
    await dist.allReduce(t);
    expect(t.tolist()).toEqual([1, 1, 1]);
    expect(dist.getBackend()).toBe('gloo');
    dist.destroyProcessGroup();
  });

  it("an NCCL group refuses what ProcessGroupNCCL refuses, at the call", () => {
    const nccl = { backend: 'nccl' };
    expect(() => nativeReduceOp('SUM', torch.int16, nccl)).toThrow('Unsupported data type for NCCL process group: int16');
    expect(() => nativeReduceOp('BXOR', torch.int32, nccl)).toThrow('Cannot use ReduceOp.BXOR with NCCL');
    expect(() => nativeReduceOp('BAND', torch.uint8, nccl)).toThrow('Cannot use ReduceOp.BAND with NCCL');
    expect(() => nativeReduceOp('AVG', torch.bool, nccl)).toThrow('Cannot use ReduceOp.AVG with boolean inputs');
    // gloo takes them all.
    expect(() => nativeReduceOp('BXOR', torch.int32, { backend: 'gloo' })).not.toThrow();
    expect(() => nativeReduceOp('SUM', torch.int16, { backend: 'gloo' })).not.toThrow();
    for (const dtype of [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int64, torch.int32, torch.int8, torch.uint8, torch.bool]) {
      expect(() => nativeReduceOp('MAX', dtype, nccl)).not.toThrow();
    }
  });

  it('an unknown backend is refused', async () => {
    await expect(dist.initProcessGroup({ backend: 'mpi' as 'gloo', rank: 0, worldSize: 1, store: new dist.HashStore() })).rejects.toThrow(
      "initProcessGroup: unknown backend 'mpi'; expected 'gloo' or 'nccl'",
    );
  });
});

describe.skipIf(gpus === 0)(`NCCL worlds started by flint-run${gpus === 0 ? ` (skipped: ${noGpu})` : ''}`, () => {
  for (const nproc of [1, 2]) {
    it.skipIf(nproc > gpus)(`every collective on CUDA tensors, ${nproc} rank(s)${nproc > gpus ? ` (skipped: ${gpus} GPU visible)` : ''}`, async () => {
      const result = await flintRun(nproc, 'tests/distributed/nccl.mts');
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      const counts = [...result.stdout.matchAll(/\[rank(\d)\]: checks (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(counts.map(([r]) => r).sort()).toEqual(Array.from({ length: nproc }, (_, r) => r));
      for (const [, n] of counts) expect(n).toBeGreaterThanOrEqual(100);
    }, 300_000);
  }
});
