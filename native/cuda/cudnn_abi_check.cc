// Compiled only where cuDNN's headers exist: fails the build if our hand-written
// declarations in cudnn_api.h ever disagree with cuDNN's own. Enums travel as int in our
// declarations, so their size is checked with their values.
#include <cudnn.h>

#include <cstddef>
#include <type_traits>

#include "cudnn_api.h"

namespace flint {
static_assert(CUDNN_STATUS_SUCCESS == kCudnnSuccess);
static_assert(CUDNN_DATA_FLOAT == kCudnnDataFloat && CUDNN_DATA_DOUBLE == kCudnnDataDouble &&
              CUDNN_DATA_HALF == kCudnnDataHalf && CUDNN_DATA_BFLOAT16 == kCudnnDataBFloat16);
static_assert(CUDNN_TENSOR_NCHW == kCudnnTensorNchw && CUDNN_CROSS_CORRELATION == kCudnnCrossCorrelation);
static_assert(CUDNN_DEFAULT_MATH == kCudnnDefaultMath && CUDNN_TENSOR_OP_MATH == kCudnnTensorOpMath &&
              CUDNN_FMA_MATH == kCudnnFmaMath && CUDNN_DETERMINISTIC == kCudnnDeterministic);
static_assert(CUDNN_CONVOLUTION_FWD_ALGO_COUNT == kCudnnForwardAlgorithms &&
              CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT == kCudnnBackwardDataAlgorithms &&
              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT == kCudnnBackwardFilterAlgorithms);
static_assert(sizeof(cudnnStatus_t) == sizeof(int) && sizeof(cudnnDataType_t) == sizeof(int) &&
              sizeof(cudnnMathType_t) == sizeof(int) && sizeof(cudnnConvolutionFwdAlgo_t) == sizeof(int));
static_assert(CUDNN_RNN_ALGO_STANDARD == kCudnnRnnAlgoStandard && CUDNN_RNN_RELU == kCudnnRnnRelu &&
              CUDNN_RNN_TANH == kCudnnRnnTanh && CUDNN_LSTM == kCudnnLstm && CUDNN_GRU == kCudnnGru);
static_assert(CUDNN_RNN_NO_BIAS == kCudnnRnnNoBias && CUDNN_RNN_DOUBLE_BIAS == kCudnnRnnDoubleBias &&
              CUDNN_UNIDIRECTIONAL == kCudnnUnidirectional && CUDNN_BIDIRECTIONAL == kCudnnBidirectional &&
              CUDNN_LINEAR_INPUT == kCudnnLinearInput);
static_assert(CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED == kCudnnRnnSeqMajorPacked &&
              CUDNN_FWD_MODE_INFERENCE == kCudnnFwdModeInference && CUDNN_FWD_MODE_TRAINING == kCudnnFwdModeTraining &&
              CUDNN_WGRAD_MODE_ADD == kCudnnWgradModeAdd);
static_assert(sizeof(cudnnRNNMode_t) == sizeof(int) && sizeof(cudnnRNNDataLayout_t) == sizeof(int) &&
              sizeof(cudnnForwardMode_t) == sizeof(int) && sizeof(cudnnWgradMode_t) == sizeof(int));
// The entry points' types, checked by assigning cuDNN's own functions to our pointers (enums
// travel as int, so only those the declarations above cover are compared by signature).
static_assert(std::is_same_v<decltype(&cudnnGetRNNWeightSpaceSize),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, size_t*)>);
#define FLINT_SAME_PERF(T)                                                                     \
  static_assert(sizeof(T) == sizeof(CudnnAlgoPerf) && offsetof(T, algo) == offsetof(CudnnAlgoPerf, algo) && \
                offsetof(T, status) == offsetof(CudnnAlgoPerf, status) &&                      \
                offsetof(T, memory) == offsetof(CudnnAlgoPerf, memory) &&                      \
                offsetof(T, determinism) == offsetof(CudnnAlgoPerf, determinism));
FLINT_SAME_PERF(cudnnConvolutionFwdAlgoPerf_t)
FLINT_SAME_PERF(cudnnConvolutionBwdDataAlgoPerf_t)
FLINT_SAME_PERF(cudnnConvolutionBwdFilterAlgoPerf_t)
#undef FLINT_SAME_PERF
}  // namespace flint
