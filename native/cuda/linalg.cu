// torch.linalg's LAPACK kernels have no CUDA implementation yet (cuSOLVER is a later
// step): each refuses with a clear error rather than copying to the host behind the
// caller's back. TypeScript refuses first (src/linalg/lapack.ts); these guard direct calls.
#include <string>

#include "cuda_backend.h"

namespace flint {

#define FLINT_LINALG_REFUSE(name, Args, what)                                                  \
  void CudaBackend::name##Impl(const Args&) {                                                \
    throw Error(std::string("torch.linalg.") + what + " is not implemented on CUDA yet");    \
  }
FLINT_LINALG_REFUSE(linalgLu, LinalgLuArgs, "lu_factor")
FLINT_LINALG_REFUSE(linalgSolve, LinalgSolveArgs, "solve")
FLINT_LINALG_REFUSE(linalgCholesky, LinalgCholeskyArgs, "cholesky")
FLINT_LINALG_REFUSE(linalgQr, LinalgQrArgs, "qr")
FLINT_LINALG_REFUSE(linalgGeqrf, LinalgGeqrfArgs, "geqrf")
FLINT_LINALG_REFUSE(linalgOrmqr, LinalgOrmqrArgs, "ormqr")
FLINT_LINALG_REFUSE(linalgTrsm, LinalgTrsmArgs, "solve_triangular")
FLINT_LINALG_REFUSE(linalgEigh, LinalgEighArgs, "eigh")
FLINT_LINALG_REFUSE(linalgSvd, LinalgSvdArgs, "svd")
FLINT_LINALG_REFUSE(linalgLstsq, LinalgLstsqArgs, "lstsq")
#undef FLINT_LINALG_REFUSE

}  // namespace flint
