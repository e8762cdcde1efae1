// PyTorch's CPU generator, reproduced: mt19937 plus the same transforms, so that
// `manualSeed(n)` followed by rand/randn/randint gives PyTorch's numbers.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

#include "flint/layout.h"

namespace flint {

// PyTorch's default seed (c10::detail::default_rng_seed_val).
constexpr uint64_t kDefaultSeed = 67280421310721ULL;

class CpuGenerator {
 public:
  CpuGenerator() { seed(kDefaultSeed); }
  void seed(uint64_t value) {
    engine_.seed((uint32_t)(value & 0xffffffffu));
    hasNextDoubleNormal_ = false;
  }
  uint32_t random() { return (uint32_t)engine_(); }
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
    return x * (to - from) + from;
  }
  // at::normal_distribution<double>, with PyTorch's cached second sample.
  double normalDouble(double mean, double stddev);

 private:
  std::mt19937 engine_;
  bool hasNextDoubleNormal_ = false;
  double nextDoubleNormal_ = 0;
};

}  // namespace flint
