/**
 * The Tensor methods of the statistics, construction and composed elementwise ops
 * (src/ops/statistics.ts, construct.ts, math-extras.ts, and split/shape additions):
 * `x.quantile(0.5)`, `x.cov()`, `x.unflatten(1, [2, 3])`, `x.sinc()`, ... Imported once by
 * methods.ts.
 */
import * as statistics from '../ops/statistics.js';
import * as construct from '../ops/construct.js';
import * as mathExtras from '../ops/math-extras.js';
import * as splitOps from '../ops/split.js';
import * as shapeOps from '../ops/shape.js';
import * as indexing from '../ops/indexing.js';
import * as linalgExtras from '../linalg/extras.js';
import * as binaryMath from '../ops/binary-math.js';
import { installMethods, type MethodTable, type Tail } from './method-install.js';


declare module './tensor.js' {
  interface Tensor {
    quantile: Tail<typeof statistics.quantile>;
    nanquantile: Tail<typeof statistics.nanquantile>;
    cov: Tail<typeof statistics.cov>;
    corrcoef: Tail<typeof statistics.corrcoef>;
    diagflat: Tail<typeof construct.diagflat>;
    ravel: Tail<typeof shapeOps.ravel>;
    unflatten: Tail<typeof shapeOps.unflatten>;
    argwhere: Tail<typeof indexing.nonzero>;
    hsplit: Tail<typeof splitOps.hsplit>;
    vsplit: Tail<typeof splitOps.vsplit>;
    dsplit: Tail<typeof splitOps.dsplit>;
    rad2deg: Tail<typeof mathExtras.rad2deg>;
    deg2rad: Tail<typeof mathExtras.deg2rad>;
    signbit: Tail<typeof mathExtras.signbit>;
    floatPower(exponent: Tensor | number): Tensor;
    ldexp: Tail<typeof mathExtras.ldexp>;
    heaviside: Tail<typeof mathExtras.heaviside>;
    sinc: Tail<typeof mathExtras.sinc>;
    choleskySolve: Tail<typeof linalgExtras.choleskySolve>;
    choleskyInverse: Tail<typeof linalgExtras.choleskyInverse>;
    gcd: Tail<typeof binaryMath.gcd>;
    lcm: Tail<typeof binaryMath.lcm>;
    nextafter: Tail<typeof binaryMath.nextafter>;
  }
}

const methods: MethodTable = {
  quantile: statistics.quantile, nanquantile: statistics.nanquantile, cov: statistics.cov, corrcoef: statistics.corrcoef,
  diagflat: construct.diagflat, ravel: shapeOps.ravel, unflatten: shapeOps.unflatten, argwhere: indexing.nonzero,
  hsplit: splitOps.hsplit, vsplit: splitOps.vsplit, dsplit: splitOps.dsplit,
  rad2deg: mathExtras.rad2deg, deg2rad: mathExtras.deg2rad, signbit: mathExtras.signbit, floatPower: mathExtras.floatPower,
  ldexp: mathExtras.ldexp, heaviside: mathExtras.heaviside, sinc: mathExtras.sinc,
  choleskySolve: linalgExtras.choleskySolve, choleskyInverse: linalgExtras.choleskyInverse,
  gcd: binaryMath.gcd, lcm: binaryMath.lcm, nextafter: binaryMath.nextafter,
};
installMethods(methods);
