// oneDNN (libdnnl.so.2), reached through dlopen as cuDNN is (../cuda/cudnn_api.h), and for
// the same reasons: the prebuilds must load on machines without it, and a machine without
// it still convolves (through im2col and OpenBLAS). oneDNN's convolutions are what PyTorch's
// CPU build runs (Debian's python3-torch links this same libdnnl 2.6). We declare the
// subset of its C API v2 that convolution and the int8 matmul need, with its ABI (`onednn_abi_check.cc` checks
// the declarations against the real headers wherever libdnnl-dev is installed).
#pragma once
#include <cstddef>
#include <climits>
#include <cstdint>

namespace flint {

using onednnStatus = int;
using onednnEngine = struct dnnl_engine*;
using onednnStream = struct dnnl_stream*;
using onednnMemory = struct dnnl_memory*;
using onednnPrimitiveDesc = struct dnnl_primitive_desc*;
using onednnPrimitive = struct dnnl_primitive*;
using onednnAttr = struct dnnl_primitive_attr*;

constexpr int kOnednnMaxDims = 12;  // DNNL_MAX_NDIMS
using OnednnDims = int64_t[kOnednnMaxDims];

// dnnl_memory_desc_t and dnnl_convolution_desc_t, which we only fill through oneDNN's own
// functions and pass back by pointer: opaque bytes of their size and alignment.
struct OnednnMemoryDesc {
  alignas(8) unsigned char bytes[696];
};
struct OnednnConvolutionDesc {
  alignas(8) unsigned char bytes[5976];
};
// dnnl_matmul_desc_t.
struct OnednnMatmulDesc {
  alignas(8) unsigned char bytes[2800];
};
// dnnl_exec_arg_t.
struct OnednnExecArg {
  int arg;
  onednnMemory memory;
};
// dnnl_version_t.
struct OnednnVersion {
  int major, minor, patch;
  const char* hash;
  unsigned cpuRuntime, gpuRuntime;
};

// The subset of oneDNN's constants we use, with its values.
constexpr onednnStatus kOnednnSuccess = 0;
constexpr int kOnednnF32 = 3, kOnednnS32 = 4, kOnednnS8 = 5, kOnednnU8 = 6;  // dnnl_data_type_t
constexpr int kOnednnTagAny = 1, kOnednnTagA = 2, kOnednnTagAbcd = 5;       // dnnl_format_tag_t
constexpr int kOnednnTagAb = 3, kOnednnTagBa = 22;
constexpr int kOnednnTagAbcde = 7, kOnednnTagAbcdef = 8;
constexpr int kOnednnForwardTraining = 64, kOnednnForwardInference = 96;   // dnnl_prop_kind_t
constexpr int kOnednnConvolutionDirect = 1;                                 // dnnl_alg_kind_t
constexpr int kOnednnCpu = 1;                                               // dnnl_engine_kind_t
constexpr unsigned kOnednnStreamInOrder = 1;                                // dnnl_stream_flags_t
constexpr int kOnednnScratchpadUser = 1;                                    // dnnl_scratchpad_mode_t
// dnnl_query_t
constexpr int kOnednnQuerySrc = 129, kOnednnQueryDiffSrc = 130, kOnednnQueryWeights = 131,
              kOnednnQueryDiffWeights = 132, kOnednnQueryDst = 133, kOnednnQueryDiffDst = 134,
              kOnednnQueryScratchpad = 136, kOnednnQueryImplInfo = 8;
// DNNL_ARG_*
constexpr int kOnednnArgSrc = 1, kOnednnArgDst = 17, kOnednnArgWeights = 33, kOnednnArgBias = 41,
              kOnednnArgScratchpad = 80, kOnednnArgDiffSrc = 129, kOnednnArgDiffDst = 145,
              kOnednnArgDiffWeights = 161, kOnednnArgFrom = 1, kOnednnArgTo = 17;
// DNNL_ARG_ATTR_OUTPUT_SCALES, and DNNL_ARG_ATTR_ZERO_POINTS (or'ed with the argument's).
constexpr int kOnednnArgOutputScales = 513, kOnednnArgZeroPoints = 4096;
// DNNL_RUNTIME_F32_VAL's bits (a particular quiet NaN) and DNNL_RUNTIME_S32_VAL: values given
// at execution rather than when the primitive is built.
constexpr unsigned kOnednnRuntimeF32Bits = 0x7fc000d0u;
constexpr int32_t kOnednnRuntimeS32 = INT32_MIN;

// The entry points, resolved from one loaded libdnnl. Each OnednnConvolutions (one per CPU
// backend) owns its table; dlopen counts references, so the library loads once.
struct OnednnLibrary {
  // Opens libdnnl.so.2 (FLINT_ONEDNN first, when set) and resolves every entry point.
  // Throws flint::Error that says what was looked for, or what is missing.
  OnednnLibrary();
  ~OnednnLibrary();
  OnednnLibrary(const OnednnLibrary&) = delete;
  OnednnLibrary& operator=(const OnednnLibrary&) = delete;

  // Throws flint::Error naming the call and oneDNN's status when it is not success.
  void check(onednnStatus status, const char* what) const;
  // major * 10000 + minor * 100 + patch, as cuDNN numbers its versions.
  int versionNumber() const;

  void* library = nullptr;
  const OnednnVersion* (*version)() = nullptr;
  onednnStatus (*engineCreate)(onednnEngine*, int kind, size_t index) = nullptr;
  onednnStatus (*engineDestroy)(onednnEngine) = nullptr;
  onednnStatus (*streamCreate)(onednnStream*, onednnEngine, unsigned flags) = nullptr;
  onednnStatus (*streamWait)(onednnStream) = nullptr;
  onednnStatus (*streamDestroy)(onednnStream) = nullptr;
  onednnStatus (*memoryDescInitByTag)(OnednnMemoryDesc*, int ndims, const int64_t* dims, int dataType,
                                      int tag) = nullptr;
  onednnStatus (*memoryDescInitByStrides)(OnednnMemoryDesc*, int ndims, const int64_t* dims, int dataType,
                                          const int64_t* strides) = nullptr;
  int (*memoryDescEqual)(const OnednnMemoryDesc*, const OnednnMemoryDesc*) = nullptr;
  size_t (*memoryDescGetSize)(const OnednnMemoryDesc*) = nullptr;
  onednnStatus (*memoryCreate)(onednnMemory*, const OnednnMemoryDesc*, onednnEngine, void* handle) = nullptr;
  onednnStatus (*memorySetDataHandle)(onednnMemory, void* handle) = nullptr;
  onednnStatus (*memoryDestroy)(onednnMemory) = nullptr;
  onednnStatus (*attrCreate)(onednnAttr*) = nullptr;
  onednnStatus (*attrDestroy)(onednnAttr) = nullptr;
  onednnStatus (*attrSetScratchpadMode)(onednnAttr, int mode) = nullptr;
  onednnStatus (*primitiveDescCreate)(onednnPrimitiveDesc*, const void* opDesc, const struct dnnl_primitive_attr* attr,
                                      onednnEngine, const struct dnnl_primitive_desc* hint) = nullptr;
  onednnStatus (*primitiveDescDestroy)(onednnPrimitiveDesc) = nullptr;
  const OnednnMemoryDesc* (*primitiveDescQueryMd)(const struct dnnl_primitive_desc*, int what, int index) = nullptr;
  onednnStatus (*primitiveDescQuery)(const struct dnnl_primitive_desc*, int what, int index, void* result) = nullptr;
  onednnStatus (*primitiveCreate)(onednnPrimitive*, const struct dnnl_primitive_desc*) = nullptr;
  onednnStatus (*primitiveExecute)(const struct dnnl_primitive*, onednnStream, int nargs,
                                   const OnednnExecArg* args) = nullptr;
  onednnStatus (*primitiveDestroy)(onednnPrimitive) = nullptr;
  onednnStatus (*reorderPrimitiveDescCreate)(onednnPrimitiveDesc*, const OnednnMemoryDesc* src, onednnEngine,
                                             const OnednnMemoryDesc* dst, onednnEngine,
                                             const struct dnnl_primitive_attr* attr) = nullptr;
  onednnStatus (*convolutionForwardDescInit)(OnednnConvolutionDesc*, int propKind, int algKind,
                                             const OnednnMemoryDesc* src, const OnednnMemoryDesc* weights,
                                             const OnednnMemoryDesc* bias, const OnednnMemoryDesc* dst,
                                             const int64_t* strides, const int64_t* dilates,
                                             const int64_t* paddingLeft, const int64_t* paddingRight) = nullptr;
  onednnStatus (*convolutionBackwardDataDescInit)(OnednnConvolutionDesc*, int algKind, const OnednnMemoryDesc* diffSrc,
                                                  const OnednnMemoryDesc* weights, const OnednnMemoryDesc* diffDst,
                                                  const int64_t* strides, const int64_t* dilates,
                                                  const int64_t* paddingLeft, const int64_t* paddingRight) = nullptr;
  onednnStatus (*convolutionBackwardWeightsDescInit)(OnednnConvolutionDesc*, int algKind, const OnednnMemoryDesc* src,
                                                     const OnednnMemoryDesc* diffWeights,
                                                     const OnednnMemoryDesc* diffBias, const OnednnMemoryDesc* diffDst,
                                                     const int64_t* strides, const int64_t* dilates,
                                                     const int64_t* paddingLeft, const int64_t* paddingRight) = nullptr;
  onednnStatus (*matmulDescInit)(OnednnMatmulDesc*, const OnednnMemoryDesc* src, const OnednnMemoryDesc* weights,
                                 const OnednnMemoryDesc* bias, const OnednnMemoryDesc* dst) = nullptr;
  onednnStatus (*attrSetOutputScales)(onednnAttr, int64_t count, int mask, const float* scales) = nullptr;
  onednnStatus (*attrSetZeroPoints)(onednnAttr, int arg, int64_t count, int mask, const int32_t* zeroPoints) = nullptr;
  // libgomp's, which oneDNN's OpenMP build parallelizes with: the thread count is set on the
  // calling thread before each primitive runs, so that flint's setNumThreads holds for it.
  // Null for a libdnnl built on another threading runtime.
  void (*ompSetNumThreads)(int) = nullptr;
};

}  // namespace flint
