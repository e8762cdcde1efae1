#include "onednn_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "flint/status.h"

namespace flint {

namespace {

constexpr const char* kOnednnName = "libdnnl.so.2";

template <class Fn>
void resolve(void* library, Fn* slot, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) throw Error(std::string("oneDNN lacks the entry point ") + name);
  *slot = reinterpret_cast<Fn>(address);
}

const char* statusName(onednnStatus status) {
  switch (status) {
    case 1: return "out of memory";
    case 2: return "invalid arguments";
    case 3: return "unimplemented";
    case 5: return "runtime error";
    case 6: return "not required";
    default: return "unknown status";
  }
}

}  // namespace

OnednnLibrary::OnednnLibrary() {
  const char* override = std::getenv("FLINT_ONEDNN");
  const char* name = override != nullptr && *override ? override : kOnednnName;
  library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    throw Error(std::string("oneDNN was not found (") + dlerror() +
                "): CPU convolutions use im2col and OpenBLAS instead (apt-get install libdnnl2, or set FLINT_ONEDNN "
                "to the path of libdnnl.so.2)");
  }
  try {
    resolve(library, &version, "dnnl_version");
    if (version()->major != 2) {
      throw Error("oneDNN " + std::to_string(version()->major) + "." + std::to_string(version()->minor) +
                  " is not the oneDNN 2 whose C API flint is written against");
    }
    resolve(library, &engineCreate, "dnnl_engine_create");
    resolve(library, &engineDestroy, "dnnl_engine_destroy");
    resolve(library, &streamCreate, "dnnl_stream_create");
    resolve(library, &streamWait, "dnnl_stream_wait");
    resolve(library, &streamDestroy, "dnnl_stream_destroy");
    resolve(library, &memoryDescInitByTag, "dnnl_memory_desc_init_by_tag");
    resolve(library, &memoryDescInitByStrides, "dnnl_memory_desc_init_by_strides");
    resolve(library, &memoryDescEqual, "dnnl_memory_desc_equal");
    resolve(library, &memoryDescGetSize, "dnnl_memory_desc_get_size");
    resolve(library, &memoryCreate, "dnnl_memory_create");
    resolve(library, &memorySetDataHandle, "dnnl_memory_set_data_handle");
    resolve(library, &memoryDestroy, "dnnl_memory_destroy");
    resolve(library, &attrCreate, "dnnl_primitive_attr_create");
    resolve(library, &attrDestroy, "dnnl_primitive_attr_destroy");
    resolve(library, &attrSetScratchpadMode, "dnnl_primitive_attr_set_scratchpad_mode");
    resolve(library, &primitiveDescCreate, "dnnl_primitive_desc_create");
    resolve(library, &primitiveDescDestroy, "dnnl_primitive_desc_destroy");
    resolve(library, &primitiveDescQueryMd, "dnnl_primitive_desc_query_md");
    resolve(library, &primitiveDescQuery, "dnnl_primitive_desc_query");
    resolve(library, &primitiveCreate, "dnnl_primitive_create");
    resolve(library, &primitiveExecute, "dnnl_primitive_execute");
    resolve(library, &primitiveDestroy, "dnnl_primitive_destroy");
    resolve(library, &reorderPrimitiveDescCreate, "dnnl_reorder_primitive_desc_create");
    resolve(library, &convolutionForwardDescInit, "dnnl_dilated_convolution_forward_desc_init");
    resolve(library, &convolutionBackwardDataDescInit, "dnnl_dilated_convolution_backward_data_desc_init");
    resolve(library, &convolutionBackwardWeightsDescInit, "dnnl_dilated_convolution_backward_weights_desc_init");
    resolve(library, &matmulDescInit, "dnnl_matmul_desc_init");
    resolve(library, &attrSetOutputScales, "dnnl_primitive_attr_set_output_scales");
    resolve(library, &attrSetZeroPoints, "dnnl_primitive_attr_set_zero_points");
    // Found among libdnnl's own dependencies when it was built with OpenMP.
    ompSetNumThreads = reinterpret_cast<void (*)(int)>(dlsym(library, "omp_set_num_threads"));
  } catch (...) {
    dlclose(library);
    throw;
  }
}

// The library stays loaded, as cuDNN does: its OpenMP threads outlive any one backend,
// and unloading libgomp under them is not safe.
OnednnLibrary::~OnednnLibrary() = default;

void OnednnLibrary::check(onednnStatus status, const char* what) const {
  if (status == kOnednnSuccess) return;
  throw Error(std::string("oneDNN error: ") + what + " failed: " + statusName(status) + " (status " +
              std::to_string(status) + ")");
}

int OnednnLibrary::versionNumber() const {
  const OnednnVersion* v = version();
  return v->major * 10000 + v->minor * 100 + v->patch;
}

}  // namespace flint
