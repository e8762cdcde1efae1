/**
 * The Tensor methods of the later torch.linalg additions (src/linalg/lu.ts, lu-solve.ts,
 * matrix-exp.ts, structure.ts and extras.ts's matrixPower): `A.lu()`, `b.luSolve(LU,
 * pivots)`, `A.matrixExp()`, `A.matrixPower(3)`, `A.orgqr(tau)`; and those of the older
 * torch-level functions (src/linalg/legacy*.ts): `A.svd()`, `A.qr()`, `A.cholesky()`,
 * `A.symeig()`, `b.triangularSolve(A)`, `A.geqrf()`, `a.ormqr(tau, C)`, and `eig`, `lstsq`,
 * `solve`, which raise as in PyTorch 1.13. Imported once by methods.ts.
 */
import * as luSolveOps from '../linalg/lu-solve.js';
import * as matrixExpOps from '../linalg/matrix-exp.js';
import * as structure from '../linalg/structure.js';
import * as linalgExtras from '../linalg/extras.js';
import * as legacy from '../linalg/legacy.js';
import * as legacyTriangular from '../linalg/legacy-triangular.js';
import * as legacyHouseholder from '../linalg/legacy-householder.js';
import { installMethods, type MethodTable, type Tail } from './method-install.js';


declare module './tensor.js' {
  interface Tensor {
    lu: Tail<typeof luSolveOps.torchLu>;
    luSolve: Tail<typeof luSolveOps.torchLuSolve>;
    matrixExp: Tail<typeof matrixExpOps.matrixExp>;
    matrixPower: Tail<typeof linalgExtras.matrixPower>;
    orgqr: Tail<typeof structure.orgqr>;
    svd: Tail<typeof legacy.torchSvd>;
    qr: Tail<typeof legacy.torchQr>;
    cholesky: Tail<typeof legacy.torchCholesky>;
    symeig: Tail<typeof legacy.symeig>;
    eig: Tail<typeof legacy.eig>;
    lstsq: Tail<typeof legacy.lstsq>;
    solve: Tail<typeof legacy.solve>;
    triangularSolve: Tail<typeof legacyTriangular.triangularSolve>;
    geqrf: Tail<typeof legacyHouseholder.geqrf>;
    ormqr: Tail<typeof legacyHouseholder.ormqr>;
  }
}

const methods: MethodTable = {
  lu: luSolveOps.torchLu,
  luSolve: luSolveOps.torchLuSolve,
  matrixExp: matrixExpOps.matrixExp,
  matrixPower: linalgExtras.matrixPower,
  orgqr: structure.orgqr,
  svd: legacy.torchSvd,
  qr: legacy.torchQr,
  cholesky: legacy.torchCholesky,
  symeig: legacy.symeig,
  eig: legacy.eig,
  lstsq: legacy.lstsq,
  solve: legacy.solve,
  triangularSolve: legacyTriangular.triangularSolve,
  geqrf: legacyHouseholder.geqrf,
  ormqr: legacyHouseholder.ormqr,
};
installMethods(methods);
