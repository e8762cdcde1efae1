/**
 * Tensor methods and properties PyTorch has for complex numbers, layouts and backends, as it
 * answers them for flint's tensors (real, strided, dense, unquantized, unnamed, in ordinary
 * memory): `x.conj()`, `x.real`, `x.imag`, `x.angle()`, `x.isreal()`, `x.layout`,
 * `x.isSparse`, `x.names`, `x.outputNr`, `x.new(...)`, `x.newEmptyStrided(...)`, ... Generic
 * PyTorch code that asks these questions ports unchanged. Imported once by methods.ts.
 */
import * as real from '../ops/real-tensors.js';
import { emptyStrided, type EmptyStridedOptions } from '../ops/strided.js';
import { newEmpty, newTensor } from '../ops/structured.js';
import { installGetters, installMethods, type Tail } from './method-install.js';
import { argumentError } from './args.js';
import { scalarTypeName } from './dtype.js';
import { Size } from './size.js';
import { Tensor, type NestedList } from './tensor.js';

/**
 * A tensor memory layout, as `torch.layout`: flint's tensors are all `torch.strided`.
 * @example torch.zeros(2).layout === torch.strided // true
 */
export class Layout {
  /** @internal */
  constructor(readonly name: string) {}
  /** `torch.strided`, as PyTorch prints it. @example String(torch.strided) // 'torch.strided' */
  toString(): string {
    return `torch.${this.name}`;
  }
}

/**
 * The dense, strided layout of every flint tensor.
 * @example x.layout === torch.strided
 */
export const strided = new Layout('strided');

declare module './tensor.js' {
  interface Tensor {
    conj: Tail<typeof real.conj>;
    conjPhysical: Tail<typeof real.conjPhysical>;
    conjPhysical_: Tail<typeof real.conjPhysical_>;
    angle: Tail<typeof real.angle>;
    isreal: Tail<typeof real.isreal>;
    /** The real part: the tensor itself, as for every real tensor. @example x.real === x */
    readonly real: Tensor;
    /** The imaginary part, which real tensors lack: reading it throws PyTorch's error. @example x.imag // throws */
    readonly imag: Tensor;
    /** The memory layout: always `torch.strided`. @example x.layout === torch.strided */
    readonly layout: Layout;
    /** Which output of its `gradFn` this tensor is (0 for most ops). @example x.outputNr // 0 */
    readonly outputNr: number;
    /** The dim names: null for each dim, as PyTorch's unnamed tensors. @example torch.zeros(2, 3).names // [null, null] */
    readonly names: null[];
    /** Whether any dim is named: never. @example x.hasNames() // false */
    hasNames(): boolean;
    /** Whether the storage is in page-locked memory: never, as flint does not pin host memory. @example x.isPinned() // false */
    isPinned(): boolean;
    /** Whether the storage is in shared memory (`share_memory_`): never. @example x.isShared() // false */
    isShared(): boolean;
    /** Whether this is a meta tensor (no data): never. @example x.isMeta // false */
    readonly isMeta: boolean;
    /** Whether this is a sparse COO tensor: never. @example x.isSparse // false */
    readonly isSparse: boolean;
    /** Whether this is a sparse CSR tensor: never. @example x.isSparseCsr // false */
    readonly isSparseCsr: boolean;
    /** Whether this is a quantized tensor: never. @example x.isQuantized // false */
    readonly isQuantized: boolean;
    /** Whether this is a nested tensor: never. @example x.isNested // false */
    readonly isNested: boolean;
    /** Whether this is an MKL-DNN tensor: never. @example x.isMkldnn // false */
    readonly isMkldnn: boolean;
    /** Whether this lives on a Vulkan device: never. @example x.isVulkan // false */
    readonly isVulkan: boolean;
    /** Whether this lives on an XPU: never. @example x.isXpu // false */
    readonly isXpu: boolean;
    /** Whether this lives on an IPU: never. @example x.isIpu // false */
    readonly isIpu: boolean;
    /** Whether this lives on an MPS device: never. @example x.isMps // false */
    readonly isMps: boolean;
    /** Whether this lives on an ORT device: never. @example x.isOrt // false */
    readonly isOrt: boolean;
    /**
     * PyTorch's legacy constructor, `x.new(...)`, with this tensor's dtype and device:
     * sizes (numbers or a `Size`) give an uninitialised tensor, an array gives its data,
     * and a tensor of the same dtype and device is returned as an alias.
     * @example x.new(2, 3).shape // [2, 3]; x.new([1, 2]) // data
     */
    'new'(...args: (number | Size | NestedList | Tensor)[]): Tensor;
    /**
     * An uninitialised tensor with the given sizes and strides, with this tensor's dtype and
     * device unless given (`x.new_empty_strided`).
     * @example x.newEmptyStrided([2, 3], [1, 2]).stride() // [1, 2]
     */
    newEmptyStrided(size: readonly number[], stride: readonly number[], options?: EmptyStridedOptions): Tensor;
  }
}

installMethods({
  conj: real.conj,
  conjPhysical: real.conjPhysical,
  conjPhysical_: real.conjPhysical_,
  angle: real.angle,
  isreal: real.isreal,
  hasNames: () => false,
  isPinned: () => false,
  isShared: () => false,
  new: legacyNew,
  newEmptyStrided: (x: Tensor, size: readonly number[], stride: readonly number[], options: EmptyStridedOptions = {}) =>
    emptyStrided(size, stride, { dtype: x.dtype, device: x.device, ...(options ?? {}) }),
});

const getters: Record<string, (x: Tensor) => unknown> = {
  real: (x) => real.real(x),
  imag: (x) => real.imag(x),
  layout: () => strided,
  outputNr: (x) => x._outputNr,
  names: (x) => x._shape.map(() => null),
};
for (const name of ['isMeta', 'isSparse', 'isSparseCsr', 'isQuantized', 'isNested', 'isMkldnn', 'isVulkan', 'isXpu', 'isIpu', 'isMps', 'isOrt']) {
  getters[name] = () => false;
}
installGetters(getters);

/** `x.new(...)`: see the Tensor declaration above. */
function legacyNew(x: Tensor, ...args: (number | Size | NestedList | Tensor)[]): Tensor {
  if (args.length === 0) return newEmpty(x, [0]);
  const [first] = args;
  if (args.every((a) => typeof a === 'number')) return newEmpty(x, args as number[]);
  if (args.length === 1 && first instanceof Size) return newEmpty(x, [...first]);
  if (args.length === 1 && first instanceof Tensor) {
    if (first.dtype !== x.dtype || first.device.toString() !== x.device.toString()) {
      throw new TypeError(`new(): expected a tensor of dtype ${scalarTypeName(x.dtype)} on ${x.device}, got one of dtype ${scalarTypeName(first.dtype)} on ${first.device}`);
    }
    return first.detach();
  }
  if (args.length === 1 && Array.isArray(first)) return newTensor(x, first as NestedList);
  throw argumentError('new', 'args', 'sizes, a Size, an array of data or a Tensor', args.length === 1 ? first : args);
}
