/**
 * The Tensor methods of the later torch.linalg additions (src/linalg/lu.ts, lu-solve.ts,
 * matrix-exp.ts, structure.ts and extras.ts's matrixPower): `A.lu()`, `b.luSolve(LU,
 * pivots)`, `A.matrixExp()`, `A.matrixPower(3)`, `A.orgqr(tau)`. Imported once by methods.ts.
 */
import * as luSolveOps from '../linalg/lu-solve.js';
import * as matrixExpOps from '../linalg/matrix-exp.js';
import * as structure from '../linalg/structure.js';
import * as linalgExtras from '../linalg/extras.js';
import { installMethods, type MethodTable, type Tail } from './method-install.js';


declare module './tensor.js' {
  interface Tensor {
    lu: Tail<typeof luSolveOps.torchLu>;
    luSolve: Tail<typeof luSolveOps.torchLuSolve>;
    matrixExp: Tail<typeof matrixExpOps.matrixExp>;
    matrixPower: Tail<typeof linalgExtras.matrixPower>;
    orgqr: Tail<typeof structure.orgqr>;
  }
}

const methods: MethodTable = {
  lu: luSolveOps.torchLu,
  luSolve: luSolveOps.torchLuSolve,
  matrixExp: matrixExpOps.matrixExp,
  matrixPower: linalgExtras.matrixPower,
  orgqr: structure.orgqr,
};
installMethods(methods);
