#include "nccl_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "flint/status.h"

namespace flint {

namespace {

constexpr const char* kNcclName = "libnccl.so.2";

void* openNccl(std::string* tried) {
  const char* override = std::getenv("FLINT_NCCL");
  if (override != nullptr && *override) {
    void* handle = dlopen(override, RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return handle;
    *tried += std::string(override) + " (" + dlerror() + "); ";
  }
  void* handle = dlopen(kNcclName, RTLD_NOW | RTLD_LOCAL);
  if (handle != nullptr) return handle;
  *tried += std::string(kNcclName) + "; ";
  for (const char* root : {(const char*)std::getenv("CUDA_HOME"), "/usr/local/cuda"}) {
    if (root == nullptr || !*root) continue;
    const std::string path = std::string(root) + "/lib64/" + kNcclName;
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return handle;
    *tried += path + "; ";
  }
  return nullptr;
}

template <class Fn>
void resolve(void* library, Fn* slot, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) throw Error(std::string("NCCL lacks the entry point ") + name);
  *slot = reinterpret_cast<Fn>(address);
}

}  // namespace

NcclLibrary::NcclLibrary() {
  std::string tried;
  library = openNccl(&tried);
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
