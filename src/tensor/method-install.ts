/**
 * How the op modules' Tensor methods are attached: each free function `fn(x, ...args)`
 * becomes `x.name(...args)` on Tensor.prototype, declared to TypeScript through `Tail`.
 */
import { Tensor } from './tensor.js';

/**
 * A function's type without its first parameter: the type of its Tensor method.
 * @example declare module './tensor.js' { interface Tensor { cov: Tail<typeof statistics.cov> } }
 */
export type Tail<F> = F extends (x: Tensor, ...rest: infer R) => infer Ret ? (...rest: R) => Ret : never;

/** Functions by method name, each called with the tensor as its first argument. @internal */
export type MethodTable = Record<string, (x: Tensor, ...args: never[]) => unknown>;

/**
 * Defines each function as a Tensor method: writable, configurable and not enumerable, as a
 * class method is. @internal
 * @example installMethods({ cov: statistics.cov })
 */
export function installMethods(methods: MethodTable): void {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: Tensor, ...args: never[]) {
        return fn(this, ...args);
      },
      writable: true,
      configurable: true,
    });
  }
}

/**
 * Defines each function as a read-only Tensor property (`x.mH`, `x.layout`), computed on
 * each read, configurable as a class getter is. @internal
 * @example installGetters({ isCuda: (x) => x.device.type === 'cuda' })
 */
export function installGetters(getters: Record<string, (x: Tensor) => unknown>): void {
  for (const [name, get] of Object.entries(getters)) {
    Object.defineProperty(Tensor.prototype, name, {
      get(this: Tensor) {
        return get(this);
      },
      configurable: true,
    });
  }
}
