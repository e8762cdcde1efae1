// Where a CUDA workload's step goes: a few timed steps of one bench workload, split into
// host time (the calls return; the GPU may still be working) and the step with a sync.
// Run it under Nsight Compute for per-kernel GPU times:
//   ncu --clock-control none --metrics gpu__time_duration.sum --print-summary per-kernel \
//     node dist/bench/gpu-profile.js transformer_train --warmup 1 --steps 1
// It drives the workloads of cnn.ts and sequence.ts through their own code, with a `time`
// that runs the step a fixed number of times instead of the benchmark's calibration.

import { parseArgs } from 'node:util';
import * as torch from 'flint-torch';
import { runCnnWorkloads, CNN_WORKLOADS, type WorkloadContext } from './cnn.js';
import { runSequenceWorkloads, SEQUENCE_WORKLOADS } from './sequence.js';

const { values, positionals } = parseArgs({
  options: { warmup: { type: 'string', default: '3' }, steps: { type: 'string', default: '10' } },
  allowPositionals: true,
});
const warmup = Number(values.warmup);
const steps = Number(values.steps);
const wanted = new Set(positionals.length ? positionals : [...CNN_WORKLOADS, ...SEQUENCE_WORKLOADS]);

const now = () => Number(process.hrtime.bigint()) / 1e6;

const ctx: WorkloadContext = {
  torch,
  device: 'cuda',
  want: (w) => wanted.has(w),
  guard: (w, body) => {
    if (!wanted.has(w)) return;
    try {
      body();
    } catch (error) {
      console.log(`${w}: failed: ${(error as Error).stack}`);
    }
  },
  time: (fn) => {
    for (let i = 0; i < warmup; i++) fn();
    torch.cuda.synchronize();
    const t0 = now();
    for (let i = 0; i < steps; i++) fn();
    const host = (now() - t0) / Math.max(1, steps);
    torch.cuda.synchronize();
    const total = (now() - t0) / Math.max(1, steps);
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    console.log(
      `  host (enqueue) ${host.toFixed(3)} ms/step, with the sync ${total.toFixed(3)} ms/step; ` +
        `allocated ${mib(torch.cuda.memoryAllocated())} MiB, peak ${mib(torch.cuda.maxMemoryAllocated())} MiB`,
    );
    return total / 1e3;
  },
  emit: (w, size, medianS) => {
    console.log(`${w} ${size}: ${(medianS * 1e3).toFixed(3)} ms/step over ${steps} steps`);
  },
};

runCnnWorkloads(ctx);
runSequenceWorkloads(ctx);
