/**
 * Native kernels as profiler events. While a profile records, each native entry that moves
 * tensors (native/napi/entries.mjs; ENTRY_PROFILES says which) is replaced on the addon
 * object by a wrapper that opens an event around the call, so nothing is paid when no
 * profile runs. The shapes come from the meta buffer, which the generated call has just
 * filled with the call's views in their declared order.
 */
import { META, native } from '../native/addon.js';
import { ENTRY_PROFILES } from '../native/calls.generated.js';
import { ENUM_TABLE, EventCommand } from '../native/enums.generated.js';
import type { Handle } from '../native/addon.js';
import { capturingDeviceCode } from '../cuda-capture.js';
import type { RawEvent, Recorder } from './recorder.js';

// Native dtype codes as PyTorch's traces name the C++ types.
const TYPE_NAMES = ['float', 'double', 'long int', 'int', 'unsigned char', 'bool', 'c10::Half', 'c10::BFloat16', 'short int', 'signed char'];

/** snake_case of a camelCase or PascalCase name: `indexSelect` is `index_select`. */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// Entries whose first argument picks the operation are named by it, so that the table has
// one row per operation (`flint::add` for every kind of add) as PyTorch has `aten::add`.
const NAMED_BY_OP: Record<string, (op: string) => string> = {
  unary: (op) => op,
  unaryFlat: (op) => op,
  binary: (op) => op,
  binaryScalar: (op) => op,
  binaryFlat: (op) => op,
  binaryScalarFlat: (op) => op,
  reduce: (op) => op,
  scan: (op) => (op === 'log_sum_exp' ? 'logcumsumexp' : `cum${op}`),
  scatterReduce: (op) => `scatter_reduce.${op}`,
  fillRandom: (kind) => `random.${kind}`,
};

/** Each entry's event name, or per op code for the entries named by their operation. */
function eventNames(entry: string, opEnum: string | null): string | string[] {
  const byOp = NAMED_BY_OP[entry];
  if (opEnum === null || byOp === undefined) return `flint::${snake(entry)}`;
  const names: string[] = [];
  for (const [op, code] of Object.entries(ENUM_TABLE[opEnum])) names[code] = `flint::${byOp(snake(op))}`;
  return names;
}

/** The shapes and dtypes the meta buffer holds for a call, in argument order. */
function readMeta(kinds: string): [unknown[], string[]] {
  const shapes: unknown[] = [];
  const types: string[] = [];
  let at = 0;
  const view = (): number[] => {
    const code = META[at];
    if (code === -1) {
      at += 1;
      types.push('');
      return [];
    }
    const ndim = META[at + 2];
    const shape = Array.from(META.subarray(at + 3, at + 3 + ndim));
    types.push(TYPE_NAMES[code] ?? '');
    at += 3 + 2 * ndim;
    return shape;
  };
  for (const kind of kinds) {
    if (kind === 'v') shapes.push(view());
    else if (kind === 'l') {
      const count = META[at++];
      const list: number[][] = [];
      const before = types.length;
      for (let i = 0; i < count; i++) list.push(view());
      // One type per argument, as PyTorch's traces give a tensor list's.
      types.length = before;
      types.push('TensorList');
      shapes.push(list);
    } else {
      shapes.push([]);
      types.push('Scalar');
      at += 1;
    }
  }
  return [shapes, types];
}

/** gemm's operands as shapes, and its multiply-adds counted twice, as PyTorch counts mm. */
function gemmDetails(names: readonly string[]): { shapes: number[][]; flops: number } {
  const read = (name: string) => META[names.indexOf(name)];
  const [m, n, k, batch] = [read('m'), read('n'), read('k'), read('batch')];
  const lead = batch > 1 ? [batch] : [];
  return { shapes: [[...lead, m, k], [...lead, k, n]], flops: 2 * batch * m * n * k };
}

function numel(shape: unknown): number {
  return Array.isArray(shape) ? shape.reduce((a: number, b) => a * (typeof b === 'number' ? b : 1), 1) : 0;
}

type NativeFunction = (...args: unknown[]) => unknown;

/**
 * Wraps the addon's kernel entries for `recorder`; returns what undoes it.
 * @internal
 */
export function instrumentKernels(recorder: Recorder): () => void {
  const addon = native as unknown as Record<string, NativeFunction>;
  const originals: [string, NativeFunction][] = [];
  const { recordShapes, withFlops, cudaDevice } = recorder.options;
  for (const [entry, profile] of Object.entries(ENTRY_PROFILES)) {
    const original = addon[entry];
    if (typeof original !== 'function') continue;
    originals.push([entry, original]);
    const names = eventNames(entry, profile.opEnum);
    const isGemm = entry === 'gemm';
    // A copy between devices runs on the GPU whichever side it is on.
    const deviceArgs = entry === 'copyAcross' ? [0, 2] : profile.deviceArg === null ? [] : [profile.deviceArg];
    const elementwise = profile.opEnum === 'BinaryOp' || profile.opEnum === 'UnaryOp';
    addon[entry] = function profiledKernel(...args: unknown[]): unknown {
      const name = typeof names === 'string' ? names : (names[args[0] as number] ?? `flint::${entry}`);
      let shapes: unknown[] | null = null;
      let types: string[] | null = null;
      let flops = 0;
      if (recordShapes || withFlops) {
        if (profile.numelArg !== null) {
          shapes = [[args[profile.numelArg] as number]];
          if (name === 'flint::add' || name === 'flint::mul') flops = args[profile.numelArg] as number;
        } else if (isGemm) {
          const details = gemmDetails(profile.names);
          shapes = details.shapes;
          flops = details.flops;
        } else {
          [shapes, types] = readMeta(profile.kinds);
          // add and mul count one flop per output element, as PyTorch's formulas do.
          if (elementwise && (name === 'flint::add' || name === 'flint::mul')) flops = numel(shapes[0]);
        }
        if (!recordShapes) shapes = types = null;
      }
      const event = recorder.begin(name, 'cpu_op', shapes, types);
      event.flops = withFlops ? flops : 0;
      // Timed on the device only when it runs there, and not while a CUDA graph captures
      // (its stream takes no event records then; the replay is what runs).
      if (cudaDevice > 0 && capturingDeviceCode() < 0 && runsOn(args, deviceArgs, cudaDevice)) event.deviceMarks = [mark(cudaDevice), 0];
      try {
        return original.apply(native, args);
      } finally {
        if (event.deviceMarks !== null) event.deviceMarks[1] = mark(cudaDevice);
        recorder.end(event);
      }
    };
  }
  return () => {
    for (const [entry, original] of originals) addon[entry] = original;
  };
}

/** Whether a call's storage (its first handle, or a list's first) is on `device`. */
function runsOn(args: unknown[], deviceArgs: number[], device: number): boolean {
  for (const i of deviceArgs) {
    const arg = args[i];
    const handle = Array.isArray(arg) ? arg[0] : arg;
    if (handle != null && native.storageDevice(handle as Handle) === device) return true;
  }
  return false;
}

/** A timed CUDA event recorded now on `device`'s stream. */
function mark(device: number): number {
  const id = native.cudaEvent(device, EventCommand.Create, 0, 1);
  native.cudaEvent(device, EventCommand.Record, id, 0);
  return id;
}

/**
 * Places each kernel's device work on the trace's clock once the device has finished:
 * `reference` was recorded when the recording began. Frees the CUDA events.
 * @internal
 */
export function resolveDeviceTimes(events: readonly RawEvent[], device: number, reference: number, referenceUs: number): void {
  let failure: unknown = null;
  try {
    native.synchronize(device);
  } catch (error) {
    failure = error;
  }
  // Every CUDA event is destroyed, even after a failure, which is thrown at the end.
  const destroy = (id: number) => {
    try {
      native.cudaEvent(device, EventCommand.Destroy, id, 0);
    } catch (error) {
      failure ??= error;
    }
  };
  for (const event of events) {
    if (event.deviceMarks === null) continue;
    const [begin, end] = event.deviceMarks;
    if (end !== 0 && failure === null) {
      try {
        const startMs = native.cudaEvent(device, EventCommand.ElapsedTime, reference, begin);
        const durationMs = native.cudaEvent(device, EventCommand.ElapsedTime, begin, end);
        event.deviceStart = referenceUs + startMs * 1000;
        event.deviceEnd = event.deviceStart + durationMs * 1000;
      } catch (error) {
        failure = error;
      }
    }
    if (end !== 0) destroy(end);
    destroy(begin);
    event.deviceMarks = null;
  }
  destroy(reference);
  if (failure !== null) throw failure;
}

/** A timed CUDA event recorded now, for `resolveDeviceTimes`' reference. @internal */
export function deviceReference(device: number): number {
  return mark(device);
}
