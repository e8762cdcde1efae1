#include "runtime_library.h"

#include <dlfcn.h>

#include <cstdlib>

namespace flint {

void* openRuntimeLibrary(const char* envVar, std::initializer_list<const char*> sonames, std::string* tried) {
  const char* override = std::getenv(envVar);
  if (override != nullptr && *override) {
    void* handle = dlopen(override, RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return handle;
    const char* why = dlerror();
    *tried += std::string(override) + " (" + (why != nullptr ? why : "not loadable") + "); ";
  }
  const char* cudaHome = std::getenv("CUDA_HOME");
  for (const char* name : sonames) {
    void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return handle;
    *tried += std::string(name) + "; ";
    for (const char* root : {cudaHome, "/usr/local/cuda"}) {
      if (root == nullptr || !*root) continue;
      const std::string path = std::string(root) + "/lib64/" + name;
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) return handle;
      *tried += path + "; ";
    }
  }
  return nullptr;
}

}  // namespace flint
