// The numbers of the fused attention entries (entries.mjs: attentionForward,
// attentionBackward) that their shapes cannot say, checked once for every device: each mask
// dim is 1 (broadcast) or the size it stands for, so that the kernels' mask offsets
// (native/cpu/attention.cc, native/cuda/attention.cu) stay inside it.
#include <string>

#include "checks.h"

namespace flint {

namespace {

template <class Args>
void checkMask(const char* op, const Args& a) {
  if (a.mask.data == nullptr) return;
  const int64_t want[4] = {a.q.shape[0], a.q.shape[1], a.q.shape[2], a.k.shape[2]};
  const char* names[4] = {"batch", "heads", "L", "S"};
  for (int d = 0; d < 4; d++) {
    const int64_t size = a.mask.shape[d];
    FLINT_CHECK(size == 1 || size == want[d], std::string(op) + ": the mask's dim " + std::to_string(d) + " (" +
                                                  names[d] + ") must be 1 or " + std::to_string(want[d]) +
                                                  ", got " + std::to_string(size));
  }
}

}  // namespace

void checkAttention(const AttentionForwardArgs& a) { checkMask("attentionForward", a); }

void checkAttention(const AttentionBackwardArgs& a) { checkMask("attentionBackward", a); }

}  // namespace flint
