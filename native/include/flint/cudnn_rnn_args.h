// The arguments of the cuDNN RNN entries (entries.mjs: cudnnRnnPlan, cudnnRnnForward,
// cudnnRnnBackwardData, cudnnRnnBackwardWeights), which Backend declares for every device
// and CUDA implements (native/cuda/cudnn_rnn.cc). The napi glue (native/napi/cuda.cc) fills
// them from JS; the CUDA side checks every size against the views before cuDNN sees them.
#pragma once
#include <cstdint>
#include <vector>

#include "flint/layout.h"

namespace flint {

// A stack of recurrent layers and the batch it runs on. The input is time-major and packed:
// step t holds the rows of the sequences longer than t, as a PackedSequence's data (a padded
// batch is the case of equal lengths). seqLengths are per sequence, non-increasing.
struct CudnnRnnConfig {
  int32_t mode = 0;  // cuDNN's cudnnRNNMode_t: 0 RNN relu, 1 RNN tanh, 2 LSTM, 3 GRU
  int32_t inputSize = 0, hiddenSize = 0, projSize = 0, numLayers = 0;
  bool bidirectional = false, bias = true;
  DType dtype = DType::Float32;
  bool training = false;  // cuDNN's training mode: dropout between layers, a reserve space
  double dropout = 0;
  bool allowTF32 = true;
  std::vector<int32_t> seqLengths;
};

// Where the weights lie in the weight space (in elements), per pseudo-layer (layer * D +
// direction) and per cuDNN linear layer: for LSTM ids 0-3 are W_ih's gates (i, f, g, o), 4-7
// W_hh's, 8 W_hr; for GRU 0-2 and 3-5 (r, z, n); for RNN 0 and 1. -1 where there is none.
struct CudnnRnnLayout {
  int64_t weightElements = 0;
  int64_t reserveBytes = 0;  // what a training-mode forward needs kept for its backward
  int32_t linearLayers = 0;  // per pseudo-layer
  std::vector<int64_t> matrixOffsets, biasOffsets;  // [pseudoLayer * linearLayers + id]
};

struct CudnnRnnForwardArgs {
  CudnnRnnConfig config;
  TensorView y, hy, cy, reserve;  // cy absent (data null) but for LSTM; reserve in training only
  TensorView x, hx, cx, weights;
};

struct CudnnRnnBackwardDataArgs {
  CudnnRnnConfig config;
  TensorView dx, dhx, dcx;
  TensorView y, dy, dhy, dcy, hx, cx, weights, reserve;  // dhy, dcy may be absent: zero
};

struct CudnnRnnBackwardWeightsArgs {
  CudnnRnnConfig config;
  TensorView dweights;  // written whole (cuDNN adds into it, so it is zeroed first)
  TensorView x, hx, y, reserve;
};

}  // namespace flint
