// torch.distributed's 'nccl' backend inside the CUDA library (nccl_communicator.cc).
#pragma once
#include "flint/communicator.h"

namespace flint {

// The communication library table for NCCL groups: CommConnectOptions::device is the
// group's CUDA backend. Reached through CudaApi::nccl.
const CommApi* ncclCommApi();

}  // namespace flint
