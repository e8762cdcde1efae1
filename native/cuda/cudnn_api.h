// cuDNN, reached through dlopen as cuBLAS is (cublas_api.h), and for the same reasons: the
// machines that build flint have no cuDNN, and a GPU machine without it must still run
// everything (convolution then falls back to im2col and cuBLAS). We declare the legacy
// convolution API's entry points with cuDNN 9's ABI (it keeps the cuDNN 8 one) and resolve
// them from libcudnn.so.9 when a convolution first asks, and the v8 RNN API's when a
// recurrent layer first asks. `cudnn_abi_check.cc` checks these declarations against the
// real headers wherever they exist.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

namespace flint {

using cudnnHandle = struct cudnnContext*;
using cudnnTensorDesc = struct cudnnTensorStruct*;
using cudnnFilterDesc = struct cudnnFilterStruct*;
using cudnnConvolutionDesc = struct cudnnConvolutionStruct*;
using cudnnDropoutDesc = struct cudnnDropoutStruct*;
using cudnnRnnDesc = struct cudnnRNNStruct*;
using cudnnRnnDataDesc = struct cudnnRNNDataStruct*;
using cudnnStatusCode = int;

// The subset of cuDNN's constants we use, with cuDNN's values.
constexpr cudnnStatusCode kCudnnSuccess = 0;
constexpr int kCudnnDataFloat = 0, kCudnnDataDouble = 1, kCudnnDataHalf = 2, kCudnnDataBFloat16 = 9;  // cudnnDataType_t
constexpr int kCudnnTensorNchw = 0;                                                                   // cudnnTensorFormat_t
constexpr int kCudnnCrossCorrelation = 1;                                                             // cudnnConvolutionMode_t
constexpr int kCudnnDefaultMath = 0, kCudnnTensorOpMath = 1, kCudnnFmaMath = 3;                      // cudnnMathType_t
constexpr int kCudnnDeterministic = 1;                                                                // cudnnDeterminism_t
constexpr int kCudnnForwardAlgorithms = 8;         // CUDNN_CONVOLUTION_FWD_ALGO_COUNT
constexpr int kCudnnBackwardDataAlgorithms = 6;    // CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT
constexpr int kCudnnBackwardFilterAlgorithms = 7;  // CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT
// The RNN API's (cudnn_adv.h).
constexpr int kCudnnRnnAlgoStandard = 0;                                              // cudnnRNNAlgo_t
constexpr int kCudnnRnnRelu = 0, kCudnnRnnTanh = 1, kCudnnLstm = 2, kCudnnGru = 3;   // cudnnRNNMode_t
constexpr int kCudnnRnnNoBias = 0, kCudnnRnnDoubleBias = 2;                           // cudnnRNNBiasMode_t
constexpr int kCudnnUnidirectional = 0, kCudnnBidirectional = 1;                      // cudnnDirectionMode_t
constexpr int kCudnnLinearInput = 0;                                                  // cudnnRNNInputMode_t
constexpr int kCudnnRnnSeqMajorPacked = 1;                                            // cudnnRNNDataLayout_t
constexpr int kCudnnFwdModeInference = 0, kCudnnFwdModeTraining = 1;                  // cudnnForwardMode_t
constexpr int kCudnnWgradModeAdd = 0;                                                 // cudnnWgradMode_t

// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t: one layout for the three directions.
struct CudnnAlgoPerf {
  int algo;
  cudnnStatusCode status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

// The entry points, resolved from one loaded libcudnn. Each CudnnConvolutions (one per
// backend) owns its table; dlopen counts references, so the library loads once.
struct CudnnLibrary {
  // Opens libcudnn (FLINT_CUDNN, then libcudnn.so.9 on the loader's path, CUDA_HOME and
  // /usr/local/cuda) and resolves every entry point. Throws flint::Error that says what was
  // looked for, or which entry point is missing.
  CudnnLibrary();
  ~CudnnLibrary();
  CudnnLibrary(const CudnnLibrary&) = delete;
  CudnnLibrary& operator=(const CudnnLibrary&) = delete;

  // Throws flint::Error with cuDNN's own words when `status` is not success.
  void check(cudnnStatusCode status, const char* what) const;
  // A new handle whose work goes to `stream` (the backend's); the caller destroys it.
  cudnnHandle createHandle(cudaStream_t stream) const;

  void* library = nullptr;
  size_t (*getVersion)() = nullptr;
  const char* (*getErrorString)(cudnnStatusCode) = nullptr;
  cudnnStatusCode (*create)(cudnnHandle*) = nullptr;
  cudnnStatusCode (*destroy)(cudnnHandle) = nullptr;
  cudnnStatusCode (*setStream)(cudnnHandle, cudaStream_t) = nullptr;
  cudnnStatusCode (*createTensor)(cudnnTensorDesc*) = nullptr;
  cudnnStatusCode (*setTensorNd)(cudnnTensorDesc, int dataType, int nbDims, const int* dims, const int* strides) = nullptr;
  cudnnStatusCode (*destroyTensor)(cudnnTensorDesc) = nullptr;
  cudnnStatusCode (*createFilter)(cudnnFilterDesc*) = nullptr;
  cudnnStatusCode (*setFilterNd)(cudnnFilterDesc, int dataType, int format, int nbDims, const int* dims) = nullptr;
  cudnnStatusCode (*destroyFilter)(cudnnFilterDesc) = nullptr;
  cudnnStatusCode (*createConvolution)(cudnnConvolutionDesc*) = nullptr;
  cudnnStatusCode (*setConvolutionNd)(cudnnConvolutionDesc, int arrayLength, const int* padding, const int* stride,
                                      const int* dilation, int mode, int computeType) = nullptr;
  cudnnStatusCode (*setConvolutionGroupCount)(cudnnConvolutionDesc, int groups) = nullptr;
  cudnnStatusCode (*setConvolutionMathType)(cudnnConvolutionDesc, int mathType) = nullptr;
  cudnnStatusCode (*destroyConvolution)(cudnnConvolutionDesc) = nullptr;
  cudnnStatusCode (*addTensor)(cudnnHandle, const void* alpha, cudnnTensorDesc aDesc, const void* a, const void* beta,
                               cudnnTensorDesc cDesc, void* c) = nullptr;

  // Forward: y = conv(x, w).
  cudnnStatusCode (*forwardHeuristics)(cudnnHandle, cudnnTensorDesc x, cudnnFilterDesc w, cudnnConvolutionDesc,
                                       cudnnTensorDesc y, int requested, int* returned, CudnnAlgoPerf*) = nullptr;
  cudnnStatusCode (*forwardFind)(cudnnHandle, cudnnTensorDesc x, const void*, cudnnFilterDesc w, const void*,
                                 cudnnConvolutionDesc, cudnnTensorDesc y, void*, int requested, int* returned,
                                 CudnnAlgoPerf*, void* workspace, size_t workspaceBytes) = nullptr;
  cudnnStatusCode (*forwardWorkspace)(cudnnHandle, cudnnTensorDesc x, cudnnFilterDesc w, cudnnConvolutionDesc,
                                      cudnnTensorDesc y, int algo, size_t* bytes) = nullptr;
  cudnnStatusCode (*forward)(cudnnHandle, const void* alpha, cudnnTensorDesc x, const void*, cudnnFilterDesc w,
                             const void*, cudnnConvolutionDesc, int algo, void* workspace, size_t workspaceBytes,
                             const void* beta, cudnnTensorDesc y, void*) = nullptr;
  // Backward data: dx = conv_x^T(w, dy).
  cudnnStatusCode (*backwardDataHeuristics)(cudnnHandle, cudnnFilterDesc w, cudnnTensorDesc dy, cudnnConvolutionDesc,
                                            cudnnTensorDesc dx, int requested, int* returned, CudnnAlgoPerf*) = nullptr;
  cudnnStatusCode (*backwardDataFind)(cudnnHandle, cudnnFilterDesc w, const void*, cudnnTensorDesc dy, const void*,
                                      cudnnConvolutionDesc, cudnnTensorDesc dx, void*, int requested, int* returned,
                                      CudnnAlgoPerf*, void* workspace, size_t workspaceBytes) = nullptr;
  cudnnStatusCode (*backwardDataWorkspace)(cudnnHandle, cudnnFilterDesc w, cudnnTensorDesc dy, cudnnConvolutionDesc,
                                           cudnnTensorDesc dx, int algo, size_t* bytes) = nullptr;
  cudnnStatusCode (*backwardData)(cudnnHandle, const void* alpha, cudnnFilterDesc w, const void*, cudnnTensorDesc dy,
                                  const void*, cudnnConvolutionDesc, int algo, void* workspace, size_t workspaceBytes,
                                  const void* beta, cudnnTensorDesc dx, void*) = nullptr;
  // Backward filter: dw = conv_w^T(x, dy).
  cudnnStatusCode (*backwardFilterHeuristics)(cudnnHandle, cudnnTensorDesc x, cudnnTensorDesc dy, cudnnConvolutionDesc,
                                              cudnnFilterDesc dw, int requested, int* returned, CudnnAlgoPerf*) = nullptr;
  cudnnStatusCode (*backwardFilterFind)(cudnnHandle, cudnnTensorDesc x, const void*, cudnnTensorDesc dy, const void*,
                                        cudnnConvolutionDesc, cudnnFilterDesc dw, void*, int requested, int* returned,
                                        CudnnAlgoPerf*, void* workspace, size_t workspaceBytes) = nullptr;
  cudnnStatusCode (*backwardFilterWorkspace)(cudnnHandle, cudnnTensorDesc x, cudnnTensorDesc dy, cudnnConvolutionDesc,
                                             cudnnFilterDesc dw, int algo, size_t* bytes) = nullptr;
  cudnnStatusCode (*backwardFilter)(cudnnHandle, const void* alpha, cudnnTensorDesc x, const void*, cudnnTensorDesc dy,
                                    const void*, cudnnConvolutionDesc, int algo, void* workspace, size_t workspaceBytes,
                                    const void* beta, cudnnFilterDesc dw, void*) = nullptr;
};

// The RNN API (cuDNN 8's v8 entry points, kept by cuDNN 9 in libcudnn_adv), resolved from
// a loaded CudnnLibrary when a recurrent layer first asks: a cuDNN without them still
// convolves. Throws flint::Error naming the missing entry point.
struct CudnnRnnApi {
  explicit CudnnRnnApi(const CudnnLibrary& library);

  cudnnStatusCode (*getTensorNd)(cudnnTensorDesc, int requested, int* dataType, int* nbDims, int* dims, int* strides) = nullptr;
  cudnnStatusCode (*createDropout)(cudnnDropoutDesc*) = nullptr;
  cudnnStatusCode (*destroyDropout)(cudnnDropoutDesc) = nullptr;
  cudnnStatusCode (*dropoutStatesSize)(cudnnHandle, size_t*) = nullptr;
  cudnnStatusCode (*setDropout)(cudnnDropoutDesc, cudnnHandle, float dropout, void* states, size_t stateBytes,
                                unsigned long long seed) = nullptr;
  cudnnStatusCode (*restoreDropout)(cudnnDropoutDesc, cudnnHandle, float dropout, void* states, size_t stateBytes,
                                    unsigned long long seed) = nullptr;
  cudnnStatusCode (*createRnn)(cudnnRnnDesc*) = nullptr;
  cudnnStatusCode (*destroyRnn)(cudnnRnnDesc) = nullptr;
  cudnnStatusCode (*setRnn)(cudnnRnnDesc, int algo, int cellMode, int biasMode, int dirMode, int inputMode, int dataType,
                            int mathPrec, int mathType, int32_t inputSize, int32_t hiddenSize, int32_t projSize,
                            int32_t numLayers, cudnnDropoutDesc, uint32_t auxFlags) = nullptr;
  cudnnStatusCode (*createRnnData)(cudnnRnnDataDesc*) = nullptr;
  cudnnStatusCode (*destroyRnnData)(cudnnRnnDataDesc) = nullptr;
  cudnnStatusCode (*setRnnData)(cudnnRnnDataDesc, int dataType, int layout, int maxSeqLength, int batchSize,
                                int vectorSize, const int* seqLengths, void* paddingFill) = nullptr;
  cudnnStatusCode (*weightSpaceSize)(cudnnHandle, cudnnRnnDesc, size_t*) = nullptr;
  cudnnStatusCode (*tempSpaceSizes)(cudnnHandle, cudnnRnnDesc, int fwdMode, cudnnRnnDataDesc x, size_t* workBytes,
                                    size_t* reserveBytes) = nullptr;
  cudnnStatusCode (*weightParams)(cudnnHandle, cudnnRnnDesc, int32_t pseudoLayer, size_t weightSpaceSize,
                                  const void* weightSpace, int32_t linLayerId, cudnnTensorDesc mDesc, void** mAddr,
                                  cudnnTensorDesc bDesc, void** bAddr) = nullptr;
  cudnnStatusCode (*forward)(cudnnHandle, cudnnRnnDesc, int fwdMode, const int32_t* devSeqLengths, cudnnRnnDataDesc xDesc,
                             const void* x, cudnnRnnDataDesc yDesc, void* y, cudnnTensorDesc hDesc, const void* hx,
                             void* hy, cudnnTensorDesc cDesc, const void* cx, void* cy, size_t weightSpaceSize,
                             const void* weightSpace, size_t workBytes, void* work, size_t reserveBytes,
                             void* reserve) = nullptr;
  cudnnStatusCode (*backwardData)(cudnnHandle, cudnnRnnDesc, const int32_t* devSeqLengths, cudnnRnnDataDesc yDesc,
                                  const void* y, const void* dy, cudnnRnnDataDesc xDesc, void* dx, cudnnTensorDesc hDesc,
                                  const void* hx, const void* dhy, void* dhx, cudnnTensorDesc cDesc, const void* cx,
                                  const void* dcy, void* dcx, size_t weightSpaceSize, const void* weightSpace,
                                  size_t workBytes, void* work, size_t reserveBytes, void* reserve) = nullptr;
  cudnnStatusCode (*backwardWeights)(cudnnHandle, cudnnRnnDesc, int addGrad, const int32_t* devSeqLengths,
                                     cudnnRnnDataDesc xDesc, const void* x, cudnnTensorDesc hDesc, const void* hx,
                                     cudnnRnnDataDesc yDesc, const void* y, size_t weightSpaceSize, void* dweightSpace,
                                     size_t workBytes, void* work, size_t reserveBytes, void* reserve) = nullptr;
};

}  // namespace flint
