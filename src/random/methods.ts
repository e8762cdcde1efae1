/**
 * The sampling methods of Tensor (`x.exponential_()`, `x.cauchy_()`, `p.bernoulli()`, `w.multinomial(n)`),
 * attached here beside their free functions, as `tensor/methods.ts` does for the rest.
 */
import { installMethods, type MethodTable, type Tail } from '../tensor/method-install.js';
import { bernoulli, cauchy_, exponential_, multinomial } from './sampling.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    exponential_: Tail<typeof exponential_>;
    cauchy_: Tail<typeof cauchy_>;
    bernoulli: Tail<typeof bernoulli>;
    multinomial: Tail<typeof multinomial>;
  }
}

installMethods({ exponential_, cauchy_, bernoulli, multinomial } as MethodTable);
