// Compiled only where oneDNN's headers exist (tests/conv-onednn.test.ts, which CI runs with
// libdnnl-dev installed): fails if the constants and struct layouts we declare by hand in
// onednn_api.h ever disagree with oneDNN 2's own. The entry points' signatures are not
// checked here (ours take our own struct types); they follow dnnl.h 2.6.3, and the tests
// call every one of them.
#include <oneapi/dnnl/dnnl.h>

#include <cstddef>

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
static_assert(dnnl_success == kOnednnSuccess && dnnl_f32 == kOnednnF32);
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
}  // namespace flint
