/**
 * The sampling methods of Tensor (`x.exponential_()`, `x.cauchy_()`, `x.logNormal_()`, `p.bernoulli()`, `w.multinomial(n)`),
 * attached here beside their free functions, as `tensor/methods.ts` does for the rest.
 */
import { installMethods, type MethodTable, type Tail } from '../tensor/method-install.js';
import { bernoulli, cauchy_, exponential_, logNormal_, multinomial } from './sampling.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    exponential_: Tail<typeof exponential_>;
    cauchy_: Tail<typeof cauchy_>;
    logNormal_: Tail<typeof logNormal_>;
    bernoulli: Tail<typeof bernoulli>;
    multinomial: Tail<typeof multinomial>;
  }
}

installMethods({ exponential_, cauchy_, logNormal_, bernoulli, multinomial } as MethodTable);
