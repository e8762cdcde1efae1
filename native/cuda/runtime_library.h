// The search that opens a CUDA library flint loads at run time (cuBLAS, cuDNN, NCCL), so
// that the build links none of them and a machine without them still runs on the CPU.
#pragma once

#include <initializer_list>
#include <string>

namespace flint {

// dlopens, in order: the path in the environment variable `envVar` when it is set, then
// each of `sonames` through the loader's search path, then under $CUDA_HOME/lib64 and
// /usr/local/cuda/lib64. Returns the first handle that opens, or nullptr with every name
// tried (and the override's dlerror) appended to *tried, for the caller's error message.
void* openRuntimeLibrary(const char* envVar, std::initializer_list<const char*> sonames, std::string* tried);

}  // namespace flint
