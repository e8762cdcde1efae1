#include "cudnn_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "flint/status.h"
#include "runtime_library.h"

namespace flint {

namespace {

constexpr const char* kCudnnName = "libcudnn.so.9";


// cuDNN 9's libcudnn is a shim that opens its sub-libraries (libcudnn_cnn, its engines) by
// soname when first needed. When libcudnn was found by a path the loader does not search
// (FLINT_CUDNN, a Python wheel's folder), those would not be found, so we open them first
// from libcudnn's own folder: the shim's later dlopen by soname then finds them loaded.
// A sub-library that is not there is left for cuDNN to report.
void openSublibraries(void* anySymbol) {
  Dl_info info{};
  if (dladdr(anySymbol, &info) == 0 || info.dli_fname == nullptr) return;
  const std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return;
  const std::string folder = path.substr(0, slash + 1);
  for (const char* name : {"libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
                           "libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9", "libcudnn_ops.so.9",
                           "libcudnn_cnn.so.9", "libcudnn_adv.so.9"}) {
    // Loaded for the life of the process, as cuDNN itself would keep them.
    dlopen((folder + name).c_str(), RTLD_NOW | RTLD_LOCAL);
  }
}

template <class Fn>
void resolve(void* library, Fn* slot, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) throw Error(std::string("cuDNN lacks the entry point ") + name);
  *slot = reinterpret_cast<Fn>(address);
}

}  // namespace

CudnnLibrary::CudnnLibrary() {
  std::string tried;
  library = openRuntimeLibrary("FLINT_CUDNN", {kCudnnName}, &tried);
  if (library == nullptr) {
    throw Error("cuDNN was not found (looked for " + tried +
                "set FLINT_CUDNN to the path of libcudnn.so.9): convolutions use flint's own GPU kernels instead");
  }
  try {
    resolve(library, &getVersion, "cudnnGetVersion");
    resolve(library, &getErrorString, "cudnnGetErrorString");
    if (getVersion() < 90000) {
      throw Error("cuDNN " + std::to_string(getVersion()) + " is older than the cuDNN 9 flint is written against");
    }
    openSublibraries(reinterpret_cast<void*>(getVersion));
    resolve(library, &create, "cudnnCreate");
    resolve(library, &destroy, "cudnnDestroy");
    resolve(library, &setStream, "cudnnSetStream");
    resolve(library, &createTensor, "cudnnCreateTensorDescriptor");
    resolve(library, &setTensorNd, "cudnnSetTensorNdDescriptor");
    resolve(library, &destroyTensor, "cudnnDestroyTensorDescriptor");
    resolve(library, &createFilter, "cudnnCreateFilterDescriptor");
    resolve(library, &setFilterNd, "cudnnSetFilterNdDescriptor");
    resolve(library, &destroyFilter, "cudnnDestroyFilterDescriptor");
    resolve(library, &createConvolution, "cudnnCreateConvolutionDescriptor");
    resolve(library, &setConvolutionNd, "cudnnSetConvolutionNdDescriptor");
    resolve(library, &setConvolutionGroupCount, "cudnnSetConvolutionGroupCount");
    resolve(library, &setConvolutionMathType, "cudnnSetConvolutionMathType");
    resolve(library, &destroyConvolution, "cudnnDestroyConvolutionDescriptor");
    resolve(library, &addTensor, "cudnnAddTensor");
    resolve(library, &forwardHeuristics, "cudnnGetConvolutionForwardAlgorithm_v7");
    resolve(library, &forwardFind, "cudnnFindConvolutionForwardAlgorithmEx");
    resolve(library, &forwardWorkspace, "cudnnGetConvolutionForwardWorkspaceSize");
    resolve(library, &forward, "cudnnConvolutionForward");
    resolve(library, &backwardDataHeuristics, "cudnnGetConvolutionBackwardDataAlgorithm_v7");
    resolve(library, &backwardDataFind, "cudnnFindConvolutionBackwardDataAlgorithmEx");
    resolve(library, &backwardDataWorkspace, "cudnnGetConvolutionBackwardDataWorkspaceSize");
    resolve(library, &backwardData, "cudnnConvolutionBackwardData");
    resolve(library, &backwardFilterHeuristics, "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
    resolve(library, &backwardFilterFind, "cudnnFindConvolutionBackwardFilterAlgorithmEx");
    resolve(library, &backwardFilterWorkspace, "cudnnGetConvolutionBackwardFilterWorkspaceSize");
    resolve(library, &backwardFilter, "cudnnConvolutionBackwardFilter");
  } catch (...) {
    dlclose(library);
    throw;
  }
}

CudnnRnnApi::CudnnRnnApi(const CudnnLibrary& cudnn) {
  void* library = cudnn.library;
  resolve(library, &getTensorNd, "cudnnGetTensorNdDescriptor");
  resolve(library, &createDropout, "cudnnCreateDropoutDescriptor");
  resolve(library, &destroyDropout, "cudnnDestroyDropoutDescriptor");
  resolve(library, &dropoutStatesSize, "cudnnDropoutGetStatesSize");
  resolve(library, &setDropout, "cudnnSetDropoutDescriptor");
  resolve(library, &restoreDropout, "cudnnRestoreDropoutDescriptor");
  resolve(library, &createRnn, "cudnnCreateRNNDescriptor");
  resolve(library, &destroyRnn, "cudnnDestroyRNNDescriptor");
  resolve(library, &setRnn, "cudnnSetRNNDescriptor_v8");
  resolve(library, &createRnnData, "cudnnCreateRNNDataDescriptor");
  resolve(library, &destroyRnnData, "cudnnDestroyRNNDataDescriptor");
  resolve(library, &setRnnData, "cudnnSetRNNDataDescriptor");
  resolve(library, &weightSpaceSize, "cudnnGetRNNWeightSpaceSize");
  resolve(library, &tempSpaceSizes, "cudnnGetRNNTempSpaceSizes");
  resolve(library, &weightParams, "cudnnGetRNNWeightParams");
  resolve(library, &forward, "cudnnRNNForward");
  resolve(library, &backwardData, "cudnnRNNBackwardData_v8");
  resolve(library, &backwardWeights, "cudnnRNNBackwardWeights_v8");
}

// The library stays loaded, as cuBLAS does (cublas_api.cc): cuDNN keeps state with the CUDA
// runtime, and the next backend will want it again.
CudnnLibrary::~CudnnLibrary() = default;

cudnnHandle CudnnLibrary::createHandle(cudaStream_t stream) const {
  cudnnHandle handle = nullptr;
  check(create(&handle), "cudnnCreate");
  const cudnnStatusCode status = setStream(handle, stream);
  if (status != kCudnnSuccess) destroy(handle);
  check(status, "cudnnSetStream");
  return handle;
}

void CudnnLibrary::check(cudnnStatusCode status, const char* what) const {
  if (status == kCudnnSuccess) return;
  throw Error(std::string("cuDNN error: ") + what + " failed: " + getErrorString(status) + " (status " +
              std::to_string(status) + ")");
}

}  // namespace flint
