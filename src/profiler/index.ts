/**
 * `torch.profiler`: where a program's time goes, kernel by kernel, as PyTorch's profiler
 * reports it (see profile.ts for what flint records).
 * @example
 * const prof = torch.profiler.profile({ recordShapes: true }, () => net(x).sum().backward());
 * console.log(prof.keyAverages().table({ sortBy: 'self_cpu_time_total', rowLimit: 10 }));
 */
export {
  profile, Profile, schedule, recordFunction, tensorboardTraceHandler, supportedActivities,
  ProfilerActivity, ProfilerAction,
} from './profile.js';
export type { ProfileOptions, ScheduleOptions } from './profile.js';
export { EventList, FunctionEvent, FunctionEventAvg, Interval } from './events.js';
export type { DeviceType, Kernel, KeyAveragesOptions, EventStats } from './events.js';
export type { TableOptions } from './table.js';
