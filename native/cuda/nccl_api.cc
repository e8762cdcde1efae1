#include "nccl_api.h"

#include <dlfcn.h>

#include <string>

#include "flint/status.h"
#include "runtime_library.h"

namespace flint {

namespace {

constexpr const char* kNcclName = "libnccl.so.2";


template <class Fn>
void resolve(void* library, Fn* slot, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) throw Error(std::string("NCCL lacks the entry point ") + name);
  *slot = reinterpret_cast<Fn>(address);
}

}  // namespace

NcclLibrary::NcclLibrary() {
  std::string tried;
  library = openRuntimeLibrary("FLINT_NCCL", {kNcclName}, &tried);
  if (library == nullptr) {
    throw Error("NCCL was not found (tried " + tried +
                "): install NCCL 2 (libnccl2), or point FLINT_NCCL at libnccl.so.2 (a PyTorch wheel carries one in "
                "site-packages/nvidia/nccl/lib); the 'gloo' backend moves CUDA tensors through host memory instead");
  }
  try {
    resolve(library, &getVersion, "ncclGetVersion");
    resolve(library, &getUniqueId, "ncclGetUniqueId");
    resolve(library, &commInitRank, "ncclCommInitRank");
    resolve(library, &commDestroy, "ncclCommDestroy");
    resolve(library, &commAbort, "ncclCommAbort");
    resolve(library, &commGetAsyncError, "ncclCommGetAsyncError");
    resolve(library, &getErrorString, "ncclGetErrorString");
    resolve(library, &allReduce, "ncclAllReduce");
    resolve(library, &reduce, "ncclReduce");
    resolve(library, &broadcast, "ncclBroadcast");
    resolve(library, &allGather, "ncclAllGather");
    resolve(library, &send, "ncclSend");
    resolve(library, &recv, "ncclRecv");
    resolve(library, &groupStart, "ncclGroupStart");
    resolve(library, &groupEnd, "ncclGroupEnd");
    getLastError = reinterpret_cast<const char* (*)(ncclCommHandle)>(dlsym(library, "ncclGetLastError"));
  } catch (...) {
    dlclose(library);
    throw;
  }
}

NcclLibrary::~NcclLibrary() {
  // Kept loaded, as cuDNN is: NCCL's proxy threads may outlive a communicator's destroy.
}

int NcclLibrary::version() const {
  int v = 0;
  return getVersion(&v) == kNcclSuccess ? v : 0;
}

void NcclLibrary::check(ncclResultCode result, const char* what, ncclCommHandle comm) const {
  if (result == kNcclSuccess) return;
  std::string message = std::string("NCCL error in ") + what + ": " + getErrorString(result);
  if (getLastError != nullptr) {
    const char* last = getLastError(comm);
    if (last != nullptr && *last) message += std::string(" (") + last + ")";
  }
  throw Error(message);
}

}  // namespace flint
