/**
 * The sampling methods of Tensor (`x.exponential_()`, `x.cauchy_()`, `p.bernoulli()`, `w.multinomial(n)`),
 * attached here beside their free functions, as `tensor/methods.ts` does for the rest.
 */
import { Tensor } from '../tensor/tensor.js';
import { bernoulli, cauchy_, exponential_, multinomial } from './sampling.js';

type Tail<F> = F extends (x: Tensor, ...rest: infer R) => infer Ret ? (...rest: R) => Ret : never;

declare module '../tensor/tensor.js' {
  interface Tensor {
    exponential_: Tail<typeof exponential_>;
    cauchy_: Tail<typeof cauchy_>;
    bernoulli: Tail<typeof bernoulli>;
    multinomial: Tail<typeof multinomial>;
  }
}

for (const [name, fn] of Object.entries({ exponential_, cauchy_, bernoulli, multinomial })) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]) {
      return (fn as (x: Tensor, ...rest: unknown[]) => unknown)(this, ...args);
    },
    writable: true,
    configurable: true,
  });
}
