// Argument checks shared by every backend: each op rejects bad views with one message,
// whatever the device. Backends call these first, before any work is queued.
#pragma once
#include "flint/backend.h"

namespace flint {

// The dtype a reduction writes for an input dtype (sum of integers is int64, argmax
// int64, any/all bool, the rest keep the input's dtype).
DType reduceOutputDType(ReduceOp op, DType input);

void checkReduceArgs(const ReduceArgs& args);
void checkSoftmaxArgs(const SoftmaxArgs& args);
void checkSoftmaxBackwardArgs(const SoftmaxBackwardArgs& args);
void checkCrossEntropyArgs(const CrossEntropyArgs& args);
void checkCrossEntropyBackwardArgs(const CrossEntropyBackwardArgs& args);
void checkLayerNormArgs(const LayerNormArgs& args);
void checkLayerNormBackwardArgs(const LayerNormBackwardArgs& args);
void checkBiasActivationArgs(const BiasActivationArgs& args);

}  // namespace flint
