// PyTorch's CPU generator, reproduced: mt19937 plus the same transforms, so that
// `manualSeed(n)` followed by rand/randn/randint gives PyTorch's numbers.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "flint/layout.h"

namespace flint {

// PyTorch's default seed (c10::detail::default_rng_seed_val).
constexpr uint64_t kDefaultSeed = 67280421310721ULL;

// The bytes of PyTorch's CPU `get_rng_state()` (CPUGeneratorImplState): the legacy POD
// (initial seed, left, seeded, next, 624 state words as uint64, the normal cache) and the
// float normal cache. Writing this layout lets states move between flint and PyTorch.
constexpr size_t kCpuRngStateBytes = 5056;

// The Mersenne Twister with PyTorch's bookkeeping (at::mt19937): `left` and `next`
// rather than std::mt19937's index, because the state must be read and written in
// PyTorch's layout, which std::mt19937 does not expose. Its output equals std::mt19937's.
class Mt19937 {
 public:
  static constexpr int kN = 624;
  explicit Mt19937(uint64_t seed = 5489) { reseed(seed); }
  void reseed(uint64_t seed) {
    seed_ = seed;
    seeded_ = 1;
    state_[0] = (uint32_t)(seed & 0xffffffffu);
    for (int j = 1; j < kN; j++) state_[j] = 1812433253u * (state_[j - 1] ^ (state_[j - 1] >> 30)) + (uint32_t)j;
    left_ = 1;
    next_ = 0;
  }
  uint32_t operator()() {
    if (--left_ == 0) twist();
    return temper(state_[next_++]);
  }
  uint64_t initialSeed() const { return seed_; }
  // The next `count` outputs, exactly as `count` calls would give them (and leaving the
  // same state), drawn a run of state words at a time so that tempering vectorizes: the
  // random fills of large tensors (dropout masks) spend most of their time here.
  void fill(uint32_t* out, int64_t count) {
    int64_t i = 0;
    while (i < count) {
      if (left_ == 1) {  // the call that twists: it reads state[0], and `left` stays kN
        twist();
        out[i++] = temper(state_[next_++]);
        continue;
      }
      const int64_t take = std::min<int64_t>(left_ - 1, count - i);
      const uint32_t* words = state_.data() + next_;
      for (int64_t k = 0; k < take; k++) out[i + k] = temper(words[k]);
      next_ += (uint32_t)take;
      left_ -= (int)take;
      i += take;
    }
  }

 private:
  friend class CpuGenerator;
  static uint32_t temper(uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }
  void twist() {
    constexpr int kM = 397;
    auto mix = [](uint32_t u, uint32_t v) {
      return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
    };
    int j = 0;
    for (; j < kN - kM; j++) state_[j] = state_[j + kM] ^ mix(state_[j], state_[j + 1]);
    for (; j < kN - 1; j++) state_[j] = state_[j + kM - kN] ^ mix(state_[j], state_[j + 1]);
    state_[kN - 1] = state_[kM - 1] ^ mix(state_[kN - 1], state_[0]);
    left_ = kN;
    next_ = 0;
  }
  uint64_t seed_ = 0;
  int left_ = 1;
  int seeded_ = 0;
  uint32_t next_ = 0;
  std::array<uint32_t, kN> state_{};
};

class CpuGenerator {
 public:
  CpuGenerator() { seed(kDefaultSeed); }
  void seed(uint64_t value) {
    engine_.reseed(value);
    hasNextDoubleNormal_ = false;
    hasNextFloatNormal_ = false;
  }
  uint32_t random() { return engine_(); }
  // `count` outputs of random(), in order.
  void randomBlock(uint32_t* out, int64_t count) { engine_.fill(out, count); }
  uint64_t random64() {
    uint32_t hi = random();
    uint32_t lo = random();
    return ((uint64_t)hi << 32) | lo;
  }
  // at::uniform_real_distribution<float>: 24 random bits, computed in float.
  float uniformFloat(float from, float to) {
    float x = (float)(random() & ((1u << 24) - 1)) * (1.0f / (float)(1u << 24));
    // PyTorch's build contracts this to one FMA; rounding once matches its values bit for bit.
    return std::fma(x, to - from, from);
  }
  // at::uniform_real_distribution<double>: 53 random bits.
  double uniformDouble(double from, double to) {
    double x = (double)(random64() & ((1ULL << 53) - 1)) * (1.0 / (double)(1ULL << 53));
    return std::fma(x, to - from, from);
  }
  // at::normal_distribution<double>, with PyTorch's cached second sample.
  double normalDouble(double mean, double stddev);

  // PyTorch's get_rng_state()/set_rng_state() bytes (kCpuRngStateBytes of them).
  void saveState(uint8_t* out) const;
  // Throws on a wrong size or an invalid engine state, leaving the generator unchanged.
  void loadState(const uint8_t* in, size_t size);

 private:
  Mt19937 engine_;
  bool hasNextDoubleNormal_ = false;
  double nextDoubleNormal_ = 0;
  // Never produced by flint's kernels, but kept so that a state read from PyTorch is
  // written back unchanged.
  bool hasNextFloatNormal_ = false;
  float nextFloatNormal_ = 0;
};

}  // namespace flint
