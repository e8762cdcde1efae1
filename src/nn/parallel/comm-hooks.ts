/**
 * DistributedDataParallel's communication hooks: `GradBucket`, what a hook receives for each
 * bucket of gradients, and PyTorch's default hooks
 * (`torch.distributed.algorithms.ddp_comm_hooks.default_hooks`), which average the bucket
 * as DDP does, or in float16 or bfloat16 to halve the bytes on the wire.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { allReduce } from '../../distributed/collectives.js';
import type { ProcessGroup } from '../../distributed/process-group.js';
import { getWorldSize } from '../../distributed/state.js';
import type { Future } from '../../futures.js';
import { bfloat16, float16, type DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Parameter } from '../parameter.js';

/**
 * One bucket of gradients, as a DDP communication hook sees it (PyTorch's `dist.GradBucket`):
 * the flat buffer the bucket's gradients were copied into, in bucket order (bucket 0 holds
 * the parameters registered last, whose gradients backward makes first).
 * @example
 * ddp.registerCommHook(null, (state, bucket) => {
 *   console.log(bucket.index(), bucket.buffer().numel(), bucket.isLast());
 *   return torch.distributed.algorithms.ddpCommHooks.defaultHooks.allreduceHook(null, bucket);
 * });
 */
export class GradBucket {
  /** @internal */
  constructor(
    private readonly bucketIndex: number,
    private flat: Tensor,
    private readonly params: Parameter[],
    private readonly offsets: number[],
    private readonly last: boolean,
  ) {}

  /** The bucket's position; the hooks of one backward see 0, 1, ... @example bucket.index() */
  index(): number {
    return this.bucketIndex;
  }

  /** The flat tensor of the bucket's gradients (not yet averaged). @example bucket.buffer().div_(n) */
  buffer(): Tensor {
    return this.flat;
  }

  /** Each parameter's gradient, as a view of the buffer shaped like the parameter. @example bucket.gradients()[0].shape */
  gradients(): Tensor[] {
    return this.params.map((p, k) => this.flat.narrow(0, this.offsets[k], p.numel()).view(p.shape));
  }

  /** The parameters whose gradients the bucket holds, in buffer order. @example bucket.parameters().length */
  parameters(): Parameter[] {
    return [...this.params];
  }

  /** Whether this is the backward's last bucket. @example if (bucket.isLast()) step++; */
  isLast(): boolean {
    return this.last;
  }

  /** Replaces the bucket's buffer (what `buffer()` returns from now on). @example bucket.setBuffer(bucket.buffer().half()) */
  setBuffer(buffer: Tensor): void {
    this.flat = buffer;
  }
}

/**
 * A DDP communication hook: given the state passed to `registerCommHook` and a bucket, a
 * future of the bucket's reduced gradients (a tensor with the buffer's elements).
 * @example const hook: CommHook<null> = (state, bucket) => defaultHooks.allreduceHook(state, bucket);
 */
export type CommHook<S = unknown> = (state: S, bucket: GradBucket) => Future<Tensor>;

function worldOf(group: ProcessGroup | null | undefined): number {
  return group ? group.size() : getWorldSize();
}

/** Averages `tensor` over the group in place (division first, so that float16 does not overflow). */
function allreduceFuture(group: ProcessGroup | null | undefined, tensor: Tensor): Future<Tensor> {
  noGrad(() => tensor.div_(worldOf(group)));
  return allReduce(tensor, { group: group ?? null })
    .getFuture()
    .then((f) => f.value()[0]);
}

/**
 * `allreduce_hook`: averages the bucket as DDP does without a hook. `state` is the process
 * group (null: the world).
 * @example ddp.registerCommHook(null, defaultHooks.allreduceHook)
 */
export function allreduceHook(processGroup: ProcessGroup | null, bucket: GradBucket): Future<Tensor> {
  return allreduceFuture(processGroup, bucket.buffer());
}

function compressHook(dtype: DType): (processGroup: ProcessGroup | null, bucket: GradBucket) => Future<Tensor> {
  return (processGroup, bucket) => {
    // A copy even when the gradients already have this dtype, so that the buffer stays the
    // bucket's own and the compressed tensor can be freed.
    const compressed = noGrad(() => {
      const buffer = bucket.buffer();
      const cast = buffer.to(dtype);
      return (cast === buffer ? buffer.clone() : cast).div_(worldOf(processGroup));
    });
    return allReduce(compressed, { group: processGroup ?? null })
      .getFuture()
      .then((f) => {
        try {
          // Decompressed in place, into the bucket's own buffer, to keep the peak low.
          const decompressed = bucket.buffer();
          noGrad(() => decompressed.copy_(f.value()[0]));
          return decompressed;
        } finally {
          compressed.dispose();
        }
      });
  };
}

/**
 * `fp16_compress_hook`: averages the bucket in float16, half the bytes of float32 on the
 * wire, and writes the result back in the gradients' dtype.
 * @example ddp.registerCommHook(null, defaultHooks.fp16CompressHook)
 */
export const fp16CompressHook = compressHook(float16);

/**
 * `bf16_compress_hook`: as fp16CompressHook, in bfloat16 (float32's range, fewer digits).
 * @example ddp.registerCommHook(null, defaultHooks.bf16CompressHook)
 */
export const bf16CompressHook = compressHook(bfloat16);

/**
 * `torch.distributed.algorithms.ddp_comm_hooks.default_hooks`.
 * @example ddp.registerCommHook(null, torch.distributed.algorithms.ddpCommHooks.defaultHooks.fp16CompressHook)
 */
export const defaultHooks = Object.freeze({ allreduceHook, fp16CompressHook, bf16CompressHook });
