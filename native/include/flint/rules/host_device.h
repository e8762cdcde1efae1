// The one qualifier for value rules that both devices compile: nvcc builds them for the
// host and the GPU, the plain C++ compiler for the CPU kernels. On the host they are
// forced inline, because the CPU kernels call them once per element in hot loops.
#pragma once

#ifdef __CUDACC__
#define FLINT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define FLINT_HOST_DEVICE inline __attribute__((always_inline))
#endif

namespace flint {
namespace rules {
// For `static_assert(kNoRule<OP>, ...)` at the end of an if-constexpr chain of rules: false,
// but only once instantiated, so that it fires for an op that has no branch.
template <auto>
constexpr bool kNoRule = false;
}  // namespace rules
}  // namespace flint
