// NCCL (libnccl.so.2), reached through dlopen as cuBLAS and cuDNN are (cublas_api.h): the
// machines that build flint have no NCCL, and a GPU machine without it must still run
// everything but the 'nccl' process groups. We declare the subset of NCCL 2's C API that
// torch.distributed's collectives need, with its ABI (nccl.h's values; NCCL keeps them
// stable across 2.x), and resolve it when a process group first asks.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

namespace flint {

using ncclCommHandle = struct ncclComm*;
using ncclResultCode = int;

// ncclUniqueId: NCCL_UNIQUE_ID_BYTES opaque bytes, passed by value.
constexpr size_t kNcclUniqueIdBytes = 128;
struct NcclUniqueId {
  char internal[kNcclUniqueIdBytes];
};

// ncclResult_t
constexpr ncclResultCode kNcclSuccess = 0, kNcclInProgress = 7;
// ncclDataType_t
constexpr int kNcclInt8 = 0, kNcclUint8 = 1, kNcclInt32 = 2, kNcclUint32 = 3, kNcclInt64 = 4, kNcclUint64 = 5,
              kNcclFloat16 = 6, kNcclFloat32 = 7, kNcclFloat64 = 8, kNcclBfloat16 = 9;
// ncclRedOp_t
constexpr int kNcclSum = 0, kNcclProd = 1, kNcclMax = 2, kNcclMin = 3;

// The entry points, resolved from one loaded libnccl. dlopen counts references, so each
// communicator may own its table and the library still loads once.
struct NcclLibrary {
  // Opens libnccl (FLINT_NCCL, then libnccl.so.2 on the loader's path, CUDA_HOME and
  // /usr/local/cuda) and resolves every entry point. Throws flint::Error that says what
  // was looked for, or what is missing.
  NcclLibrary();
  ~NcclLibrary();
  NcclLibrary(const NcclLibrary&) = delete;
  NcclLibrary& operator=(const NcclLibrary&) = delete;

  // Throws flint::Error naming the call and NCCL's message when `result` is not success.
  void check(ncclResultCode result, const char* what, ncclCommHandle comm = nullptr) const;
  // NCCL's version as it numbers it (2.21.5 is 22105).
  int version() const;

  void* library = nullptr;
  ncclResultCode (*getVersion)(int*) = nullptr;
  ncclResultCode (*getUniqueId)(NcclUniqueId*) = nullptr;
  ncclResultCode (*commInitRank)(ncclCommHandle*, int nranks, NcclUniqueId id, int rank) = nullptr;
  ncclResultCode (*commDestroy)(ncclCommHandle) = nullptr;
  ncclResultCode (*commAbort)(ncclCommHandle) = nullptr;
  ncclResultCode (*commGetAsyncError)(ncclCommHandle, ncclResultCode*) = nullptr;
  const char* (*getErrorString)(ncclResultCode) = nullptr;
  // NCCL >= 2.13 says more about the last failure; null before.
  const char* (*getLastError)(ncclCommHandle) = nullptr;
  ncclResultCode (*allReduce)(const void*, void*, size_t, int type, int op, ncclCommHandle, cudaStream_t) = nullptr;
  ncclResultCode (*reduce)(const void*, void*, size_t, int type, int op, int root, ncclCommHandle, cudaStream_t) = nullptr;
  ncclResultCode (*broadcast)(const void*, void*, size_t, int type, int root, ncclCommHandle, cudaStream_t) = nullptr;
  ncclResultCode (*allGather)(const void*, void*, size_t, int type, ncclCommHandle, cudaStream_t) = nullptr;
  ncclResultCode (*send)(const void*, size_t, int type, int peer, ncclCommHandle, cudaStream_t) = nullptr;
  ncclResultCode (*recv)(void*, size_t, int type, int peer, ncclCommHandle, cudaStream_t) = nullptr;
  ncclResultCode (*groupStart)() = nullptr;
  ncclResultCode (*groupEnd)() = nullptr;
};

}  // namespace flint
