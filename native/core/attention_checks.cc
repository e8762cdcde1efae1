// The numbers of the fused attention entries (entries.mjs: attentionForward,
// attentionBackward) that their shapes cannot say, checked once for every device: N splits
// into batch × heads, and each mask dim is 1 (broadcast) or the size it stands for, so that
// the kernels' mask offsets (native/cpu/attention.cc, native/cuda/attention.cu) stay inside it.
#include <string>

#include "checks.h"

namespace flint {

namespace {

template <class Args>
void checkGeometry(const char* op, const Args& a, const TensorView& q, const TensorView& k) {
  const int64_t n = q.shape[0], l = q.shape[1], s = k.shape[1];
  FLINT_CHECK(a.heads >= 1 && n % a.heads == 0,
              std::string(op) + ": heads must be at least 1 and divide N = " + std::to_string(n) + ", got " +
                  std::to_string(a.heads));
  if (a.mask.data == nullptr) return;
  const int64_t want[4] = {n / a.heads, a.heads, l, s};
  const char* names[4] = {"batch", "heads", "L", "S"};
  for (int d = 0; d < 4; d++) {
    const int64_t size = a.mask.shape[d];
    FLINT_CHECK(size == 1 || size == want[d], std::string(op) + ": the mask's dim " + std::to_string(d) + " (" +
                                                  names[d] + ") must be 1 or " + std::to_string(want[d]) +
                                                  ", got " + std::to_string(size));
  }
}

}  // namespace

void checkAttention(const AttentionForwardArgs& a) { checkGeometry("attentionForward", a, a.q, a.k); }

void checkAttention(const AttentionBackwardArgs& a) { checkGeometry("attentionBackward", a, a.q, a.k); }

}  // namespace flint
