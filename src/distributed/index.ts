/**
 * `torch.distributed`: process groups over gloo, their collectives and point-to-point
 * calls, and the rendezvous stores. Launch the ranks with `flint-run`.
 *
 * @example
 * import torch from 'flint-torch';
 * const dist = torch.distributed;
 * await dist.initProcessGroup({ backend: 'gloo' });
 * const t = torch.ones(3).mul(dist.getRank());
 * await dist.allReduce(t); // every rank now holds the sum over ranks
 * dist.destroyProcessGroup();
 */
export {
  initProcessGroup,
  destroyProcessGroup,
  isInitialized,
  isAvailable,
  getRank,
  getWorldSize,
  getBackend,
  newGroup,
  GroupMember,
  DEFAULT_TIMEOUT_MS,
} from './state.js';
export type { InitProcessGroupOptions, GroupOption } from './state.js';
export {
  allReduce,
  reduce,
  broadcast,
  allGather,
  allGatherIntoTensor,
  gather,
  scatter,
  reduceScatter,
  reduceScatterTensor,
  allToAll,
  allToAllSingle,
  barrier,
  send,
  recv,
  isend,
  irecv,
} from './collectives.js';
export type { ReduceOptions, PointToPointOptions } from './collectives.js';
export { monitoredBarrier } from './monitored-barrier.js';
export type { MonitoredBarrierOptions } from './monitored-barrier.js';
export { allGatherObject, broadcastObjectList, gatherObject, scatterObjectList } from './object-collectives.js';
export { ReduceOp, Work, ProcessGroup } from './process-group.js';
export type { ReduceOpName } from './process-group.js';
import { defaultHooks } from '../nn/parallel/comm-hooks.js';
export { Store, TCPStore, FileStore, HashStore, PrefixStore, DEFAULT_STORE_TIMEOUT_MS } from './store.js';
export type { TCPStoreOptions } from './store.js';

/** PyTorch's `Backend` names. @example dist.initProcessGroup({ backend: dist.Backend.GLOO }) */
export const Backend = Object.freeze({ GLOO: 'gloo', NCCL: 'nccl' } as const);
export { GradBucket } from '../nn/parallel/comm-hooks.js';
export type { CommHook } from '../nn/parallel/comm-hooks.js';

import { Join } from './join.js';
import { PowerSGDState, powerSGDHook } from '../nn/parallel/powersgd-hook.js';
export type { PowerSGDOptions } from '../nn/parallel/powersgd-hook.js';
export type { Joinable, JoinHook, JoinConfig, JoinOptions } from './join.js';

/**
 * `torch.distributed.algorithms`: DDP's communication hooks
 * (`ddp_comm_hooks.default_hooks`: allreduceHook, fp16CompressHook, bf16CompressHook;
 * `ddp_comm_hooks.powerSGD_hook`: PowerSGDState, powerSGDHook), and `Join`, the context
 * manager for uneven inputs.
 * @example ddp.registerCommHook(null, torch.distributed.algorithms.ddpCommHooks.defaultHooks.fp16CompressHook)
 */
export const algorithms = Object.freeze({
  ddpCommHooks: Object.freeze({ defaultHooks, powerSGD: Object.freeze({ PowerSGDState, powerSGDHook }) }),
  Join,
});
