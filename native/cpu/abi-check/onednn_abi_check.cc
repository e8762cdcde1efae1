// Compiled only where oneDNN's headers exist (tests/conv-onednn.test.ts, which CI runs with
// libdnnl-dev installed): fails if the constants and struct layouts we declare by hand in
// onednn_api.h, or the signatures of the entry points we resolve, ever disagree with
// oneDNN 2's own.
#include <oneapi/dnnl/dnnl.h>

#include <cstddef>
#include <type_traits>

#include "../onednn_api.h"

namespace flint {
static_assert(DNNL_MAX_NDIMS == kOnednnMaxDims);
static_assert(sizeof(dnnl_memory_desc_t) == sizeof(OnednnMemoryDesc) &&
              alignof(dnnl_memory_desc_t) <= alignof(OnednnMemoryDesc));
static_assert(sizeof(dnnl_convolution_desc_t) == sizeof(OnednnConvolutionDesc) &&
              alignof(dnnl_convolution_desc_t) <= alignof(OnednnConvolutionDesc));
static_assert(sizeof(dnnl_exec_arg_t) == sizeof(OnednnExecArg) && offsetof(dnnl_exec_arg_t, arg) == offsetof(OnednnExecArg, arg) &&
              offsetof(dnnl_exec_arg_t, memory) == offsetof(OnednnExecArg, memory));
static_assert(sizeof(dnnl_version_t) == sizeof(OnednnVersion) && offsetof(dnnl_version_t, major) == offsetof(OnednnVersion, major) &&
              offsetof(dnnl_version_t, patch) == offsetof(OnednnVersion, patch) &&
              offsetof(dnnl_version_t, cpu_runtime) == offsetof(OnednnVersion, cpuRuntime));
static_assert(sizeof(dnnl_matmul_desc_t) == sizeof(OnednnMatmulDesc) &&
              alignof(dnnl_matmul_desc_t) <= alignof(OnednnMatmulDesc));
static_assert(dnnl_success == kOnednnSuccess && dnnl_f32 == kOnednnF32 && dnnl_s32 == kOnednnS32 && dnnl_s8 == kOnednnS8 &&
              dnnl_u8 == kOnednnU8 && dnnl_ab == kOnednnTagAb && dnnl_ba == kOnednnTagBa);
static_assert(DNNL_ARG_ATTR_OUTPUT_SCALES == kOnednnArgOutputScales && DNNL_ARG_ATTR_ZERO_POINTS == kOnednnArgZeroPoints &&
              DNNL_RUNTIME_S32_VAL == kOnednnRuntimeS32);
static_assert(dnnl_format_tag_any == kOnednnTagAny && dnnl_a == kOnednnTagA && dnnl_abcd == kOnednnTagAbcd &&
              dnnl_abcde == kOnednnTagAbcde && dnnl_abcdef == kOnednnTagAbcdef);
static_assert(dnnl_forward_training == kOnednnForwardTraining && dnnl_forward_inference == kOnednnForwardInference &&
              dnnl_convolution_direct == kOnednnConvolutionDirect && dnnl_cpu == kOnednnCpu &&
              dnnl_stream_in_order == kOnednnStreamInOrder && dnnl_scratchpad_mode_user == kOnednnScratchpadUser);
static_assert(dnnl_query_src_md == kOnednnQuerySrc && dnnl_query_diff_src_md == kOnednnQueryDiffSrc &&
              dnnl_query_weights_md == kOnednnQueryWeights && dnnl_query_diff_weights_md == kOnednnQueryDiffWeights &&
              dnnl_query_dst_md == kOnednnQueryDst && dnnl_query_diff_dst_md == kOnednnQueryDiffDst &&
              dnnl_query_scratchpad_md == kOnednnQueryScratchpad && dnnl_query_impl_info_str == kOnednnQueryImplInfo);
static_assert(DNNL_ARG_SRC == kOnednnArgSrc && DNNL_ARG_DST == kOnednnArgDst && DNNL_ARG_WEIGHTS == kOnednnArgWeights &&
              DNNL_ARG_BIAS == kOnednnArgBias && DNNL_ARG_SCRATCHPAD == kOnednnArgScratchpad &&
              DNNL_ARG_DIFF_SRC == kOnednnArgDiffSrc && DNNL_ARG_DIFF_DST == kOnednnArgDiffDst &&
              DNNL_ARG_DIFF_WEIGHTS == kOnednnArgDiffWeights && DNNL_ARG_FROM == kOnednnArgFrom &&
              DNNL_ARG_TO == kOnednnArgTo);
static_assert(sizeof(dnnl_data_type_t) == sizeof(int) && sizeof(dnnl_format_tag_t) == sizeof(int) &&
              sizeof(dnnl_prop_kind_t) == sizeof(int) && sizeof(dnnl_query_t) == sizeof(int) &&
              sizeof(dnnl_status_t) == sizeof(int) && sizeof(dnnl_engine_kind_t) == sizeof(int));

// oneDNN's parameter types as ours: its enums travel as int, its structs as our opaque
// stand-ins; handles, sizes and dims are the same types on both sides.
template <class T>
struct Ours {
  using type = std::conditional_t<std::is_enum_v<T>, int, T>;
};
template <>
struct Ours<dnnl_memory_desc_t> {
  using type = OnednnMemoryDesc;
};
template <>
struct Ours<dnnl_convolution_desc_t> {
  using type = OnednnConvolutionDesc;
};
template <>
struct Ours<dnnl_matmul_desc_t> {
  using type = OnednnMatmulDesc;
};
template <>
struct Ours<dnnl_exec_arg_t> {
  using type = OnednnExecArg;
};
template <>
struct Ours<dnnl_version_t> {
  using type = OnednnVersion;
};
template <class T>
struct Ours<T*> {
  using type = typename Ours<T>::type*;
};
template <class T>
struct Ours<const T> {
  using type = const typename Ours<T>::type;
};
template <class R, class... A>
struct Ours<R (*)(A...)> {
  using type = typename Ours<R>::type (*)(typename Ours<A>::type...);
};
#define FLINT_SAME_SIGNATURE(MEMBER, FUNCTION)                                                        \
  static_assert(std::is_same_v<Ours<decltype(&FUNCTION)>::type, decltype(OnednnLibrary::MEMBER)>, \
                #MEMBER " is not declared as oneDNN declares " #FUNCTION);
FLINT_SAME_SIGNATURE(version, dnnl_version)
FLINT_SAME_SIGNATURE(engineCreate, dnnl_engine_create)
FLINT_SAME_SIGNATURE(engineDestroy, dnnl_engine_destroy)
FLINT_SAME_SIGNATURE(streamCreate, dnnl_stream_create)
FLINT_SAME_SIGNATURE(streamWait, dnnl_stream_wait)
FLINT_SAME_SIGNATURE(streamDestroy, dnnl_stream_destroy)
FLINT_SAME_SIGNATURE(memoryDescInitByTag, dnnl_memory_desc_init_by_tag)
FLINT_SAME_SIGNATURE(memoryDescInitByStrides, dnnl_memory_desc_init_by_strides)
FLINT_SAME_SIGNATURE(memoryDescEqual, dnnl_memory_desc_equal)
FLINT_SAME_SIGNATURE(memoryDescGetSize, dnnl_memory_desc_get_size)
FLINT_SAME_SIGNATURE(memoryCreate, dnnl_memory_create)
FLINT_SAME_SIGNATURE(memorySetDataHandle, dnnl_memory_set_data_handle)
FLINT_SAME_SIGNATURE(memoryDestroy, dnnl_memory_destroy)
FLINT_SAME_SIGNATURE(attrCreate, dnnl_primitive_attr_create)
FLINT_SAME_SIGNATURE(attrDestroy, dnnl_primitive_attr_destroy)
FLINT_SAME_SIGNATURE(attrSetScratchpadMode, dnnl_primitive_attr_set_scratchpad_mode)
FLINT_SAME_SIGNATURE(primitiveDescCreate, dnnl_primitive_desc_create)
FLINT_SAME_SIGNATURE(primitiveDescDestroy, dnnl_primitive_desc_destroy)
FLINT_SAME_SIGNATURE(primitiveDescQueryMd, dnnl_primitive_desc_query_md)
FLINT_SAME_SIGNATURE(primitiveDescQuery, dnnl_primitive_desc_query)
FLINT_SAME_SIGNATURE(primitiveCreate, dnnl_primitive_create)
FLINT_SAME_SIGNATURE(primitiveExecute, dnnl_primitive_execute)
FLINT_SAME_SIGNATURE(primitiveDestroy, dnnl_primitive_destroy)
FLINT_SAME_SIGNATURE(reorderPrimitiveDescCreate, dnnl_reorder_primitive_desc_create)
FLINT_SAME_SIGNATURE(convolutionForwardDescInit, dnnl_dilated_convolution_forward_desc_init)
FLINT_SAME_SIGNATURE(convolutionBackwardDataDescInit, dnnl_dilated_convolution_backward_data_desc_init)
FLINT_SAME_SIGNATURE(convolutionBackwardWeightsDescInit, dnnl_dilated_convolution_backward_weights_desc_init)
FLINT_SAME_SIGNATURE(matmulDescInit, dnnl_matmul_desc_init)
FLINT_SAME_SIGNATURE(attrSetOutputScales, dnnl_primitive_attr_set_output_scales)
FLINT_SAME_SIGNATURE(attrSetZeroPoints, dnnl_primitive_attr_set_zero_points)
#undef FLINT_SAME_SIGNATURE

}  // namespace flint
