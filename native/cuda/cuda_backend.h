// The CUDA backend: one instance per (addon instance, device). It lives in its own
// shared library (flint_cuda.so), which the addon loads only when CUDA is asked for, so
// the CPU package runs on machines without a driver. Everything here is host code that
// both nvcc and the plain C++ compiler can read; the kernels live in one .cu per family.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "flint/backend.h"

namespace flint {

class CublasApi;          // cublas_api.h: cuBLAS reached through dlopen
class CudnnConvolutions;  // cudnn_convolution.h: convolution through cuDNN, also dlopened
class CudnnRnns;          // cudnn_rnn.h: recurrent stacks through cuDNN's RNN API

// Deferred device-side errors. Kernels cannot throw, so a kernel that meets bad data
// (an index out of range) sets a bit in a device word; the next synchronization turns
// it into a JS Error, as PyTorch's device-side asserts surface at the next sync.
enum DeviceErrorBits : int {
  kErrorIndexOutOfRange = 1,
  kErrorTargetOutOfRange = 2,
  kErrorIntegerDivisionByZero = 4,
  kErrorNegativeIntegerPower = 8,
};

constexpr int kContextCounters = 1024;

// What a kernel family needs to launch work: the stream, the device's shape, the error
// word and temporary memory. Passed by reference to every family's entry point.
struct CudaContext {
  cudaStream_t stream = nullptr;
  int device = 0;
  int smCount = 0;
  int* errorFlags = nullptr;  // device memory, one int (DeviceErrorBits)
  // kContextCounters device words, zero between launches: completion counters for
  // kernels that finish in their last block (each such kernel resets what it used).
  unsigned* counters = nullptr;
  class CudaBackend* backend = nullptr;
};

// Temporary device memory from the backend's caching allocator, released at scope end.
// Reuse is safe without synchronizing because all work runs on the backend's one stream.
class ScratchBuffer {
 public:
  ScratchBuffer(CudaContext& ctx, size_t nbytes);
  ~ScratchBuffer();
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  void* data() const { return data_; }

 private:
  Storage* storage_;
  void* data_;
};

// Throws flint::Error with the CUDA error's name and where it happened.
void throwCudaError(cudaError_t status, const char* what);
#define FLINT_CUDA_CHECK(CALL)                                   \
  do {                                                           \
    cudaError_t flint_status_ = (CALL);                          \
    if (flint_status_ != cudaSuccess) ::flint::throwCudaError(flint_status_, #CALL); \
  } while (0)
// After a kernel launch: reports a bad launch configuration at once.
#define FLINT_CUDA_LAUNCH_CHECK() FLINT_CUDA_CHECK(cudaGetLastError())

// PyTorch's caching allocator, reduced to what one stream needs: blocks are rounded up
// (512 B for small, 2 MiB for large requests) and kept in size-ordered free lists
// instead of going back to cudaFree, so steady-state training never calls cudaMalloc.
//
// CUDA graphs get private pools, as PyTorch's do: while a capture runs, every block comes
// from the capture's pool, and a pool's block goes back to that pool when freed, never to
// eager work, whose writes would corrupt what a replay reads. A pool that no graph or
// handle holds any more gives its free blocks back at the next emptyCache().
class CudaCachingAllocator {
 public:
  explicit CudaCachingAllocator(int device) : device_(device) {}
  // Returns device memory of at least `nbytes`; sets *blockBytes. Throws OutOfMemory.
  void* allocate(size_t nbytes, size_t* blockBytes);
  void deallocate(void* ptr, size_t blockBytes);
  // Must not run during a capture (it waits for the stream).
  void emptyCache();
  int64_t allocatedBytes() const { return allocated_; }
  int64_t peakAllocatedBytes() const { return peak_; }
  int64_t reservedBytes() const { return reserved_; }
  void resetPeak() { peak_ = allocated_; }
  void setStream(cudaStream_t stream) { stream_ = stream; }

  // Private pools: a new one starts with one hold.
  int64_t createPool();
  void retainPool(int64_t pool);
  void releasePool(int64_t pool);
  // Between these two, allocations come from `pool`.
  void beginCapture(int64_t pool) { capturePool_ = pool; }
  void endCapture() { capturePool_ = 0; }
  // The backend is going away: no hold counts any more (emptyCache then frees every pool).
  void dropAllPools() {
    for (auto& entry : pools_) entry.second.holds = 0;
  }

 private:
  using FreeList = std::multimap<size_t, void*>;  // block size -> pointer
  struct PrivatePool {
    FreeList freeBlocks;
    int holds = 1;            // graphs and pool handles that keep it
    int64_t liveBlocks = 0;   // handed out and not yet back
  };
  void* takeCached(FreeList& list, size_t size, size_t* blockBytes);
  void* allocateInPool(int64_t poolId, size_t size, size_t* blockBytes, size_t asked);
  [[noreturn]] void throwOutOfMemory(size_t nbytes);

  int device_;
  cudaStream_t stream_ = nullptr;
  FreeList freeBlocks_;
  std::map<int64_t, PrivatePool> pools_;
  // Every block a private pool owns (from cudaMalloc, not the stream-ordered pool).
  std::unordered_map<void*, int64_t> poolOfBlock_;
  int64_t capturePool_ = 0, nextPool_ = 1;
  int64_t allocated_ = 0, peak_ = 0, reserved_ = 0;
};

class CudaBackend final : public Backend {
 public:
  // Throws flint::Error (with the driver's message) when the device cannot be used.
  explicit CudaBackend(int device);
  ~CudaBackend() override;
  DeviceType type() const override { return DeviceType::CUDA; }
  void retire() override;

  Storage* allocate(size_t nbytes) override;
  void deallocate(Storage* storage) override;
  void synchronize() override;
  MemoryInfo memoryInfo() override;
  void emptyCache() override;
  void resetPeakMemory() override { allocator_.resetPeak(); }
  void manualSeed(uint64_t seed) override {
    seed_ = seed;
    philoxOffset_ = 0;
    reseedRnnDropout_ = true;
  }
  // PyTorch's CUDA get_rng_state() layout: the seed, then the Philox offset (uint64 each).
  std::vector<uint8_t> rngState() override;
  void setRngState(const uint8_t* bytes, size_t size) override;
  // CUDA graphs (graphs.cc).
  int64_t graphCommand(GraphCommand command, int64_t id, int64_t arg) override;
  // CUDA events (events.cc).
  double eventCommand(EventCommand command, int64_t id, int64_t arg) override;

  CudaContext& context() { return context_; }
  CudaCachingAllocator& allocator() { return allocator_; }
  // Philox state for the next random launch: the seed, and an offset that advances by
  // the number of 128-bit draws each launch consumes, as PyTorch's generator does.
  uint64_t seed() const { return seed_; }
  uint64_t reservePhilox(uint64_t draws) {
    uint64_t offset = philoxOffset_;
    philoxOffset_ += draws;
    return offset;
  }
  // The seed of cuDNN's RNN dropout states, drawn from the generator, when they are to be
  // (re)made: the first time, and after each manualSeed or setRngState (PyTorch's
  // reset_rnn_state). rnnDropoutSeeded() says they were.
  bool rnnDropoutNeedsSeed() const { return reseedRnnDropout_; }
  void rnnDropoutSeeded() { reseedRnnDropout_ = false; }
  uint64_t drawRnnDropoutSeed() {
    // splitmix64 of the generator's position, which then moves on as one draw would.
    uint64_t z = seed_ + 0x9e3779b97f4a7c15ULL * (reservePhilox(1) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // The key of a random launch of `numel` elements: the generator's, or inside a capture
  // the graph's state words and the launch's place among the graph's draws.
  struct RandomKey {
    uint64_t seed, offset;
    const uint64_t* graphState;
  };
  RandomKey randomKey(int64_t numel);
  // Throws PyTorch's error for what a capture cannot contain (a wait, or host memory).
  void refuseDuringCapture(const char* what) const {
    if (capturing_ != 0) {
      throw Error(std::string("CUDA error: operation not permitted when stream is capturing (") + what +
                  " inside a CUDA graph capture; move it before or after the capture)");
    }
  }

 protected:
  // Forwarded to the kernel families below (cuda_backend.cc), gemm to cuBLAS.
  FLINT_BACKEND_IMPLS(FLINT_BACKEND_OVERRIDE)
  PendingRead* readAsyncImpl(const Storage* src, size_t srcOffsetBytes, size_t nbytes) override;
  void setOptionImpl(BackendOption option, double value) override;
  double queryImpl(BackendQuery query) override;
  FLINT_GENERATED_KERNELS(FLINT_KERNEL_OVERRIDE)
  CudnnRnnLayout cudnnRnnPlan(const CudnnRnnConfig& config) override;
  void cudnnRnnForward(const CudnnRnnForwardArgs& args) override;
  void cudnnRnnBackwardData(const CudnnRnnBackwardDataArgs& args) override;
  void cudnnRnnBackwardWeights(const CudnnRnnBackwardWeightsArgs& args) override;

 private:
  int device_;
  int64_t totalMemory_ = 0;  // the device's memory in bytes
  int capabilityMajor_ = 0, capabilityMinor_ = 0;
  CudaContext context_;
  CudaCachingAllocator allocator_;
  CublasApi* cublas_ = nullptr;  // loaded on first gemm
  // Loaded when a convolution first asks for it; when it cannot be, the reason stays here
  // and is not tried again.
  CudnnConvolutions* cudnn_ = nullptr;
  std::string cudnnUnavailable_;
  CudnnConvolutions* cudnn();
  // The same for the RNN API (which a cuDNN may lack while it convolves).
  CudnnRnns* cudnnRnns_ = nullptr;
  std::string cudnnRnnsUnavailable_;
  CudnnRnns* cudnnRnns();
  Storage* cublasWorkspace_ = nullptr;
  std::string cublasUnavailable_;  // why cuBLAS could not be loaded, once it could not
  bool allowTF32_ = false;
  uint64_t seed_ = 67280421310721ULL;  // PyTorch's default seed
  uint64_t philoxOffset_ = 0;
  bool reseedRnnDropout_ = true;
  int64_t liveStorages_ = 0;
  bool retired_ = false;
  int* hostErrorFlags_ = nullptr;  // pinned: where synchronize() reads the error word
  // CUDA graphs: the captured and instantiated ones, by id, and the one being captured.
  struct CapturedGraph {
    int64_t pool = 0;
    cudaGraphExec_t exec = nullptr;
    uint64_t* rngState = nullptr;  // device {seed, offset}, written before each replay
    uint64_t rngDraws = 0;         // the Philox draws of one replay
  };
  std::map<int64_t, CapturedGraph> graphs_;
  int64_t capturing_ = 0, nextGraph_ = 1;
  uint64_t captureDraws_ = 0;
  int64_t beginCapture(int64_t pool, CaptureMode mode);
  void endCapture(int64_t graph, bool keep);
  void replayGraph(int64_t graph);
  void resetGraph(int64_t graph);
  void ensureCublas();
  std::map<int64_t, cudaEvent_t> events_;
  int64_t nextEvent_ = 1;
  cudaEvent_t eventOf(int64_t id) const;
  // Blocks until the stream is idle, then throws if a kernel set an error bit.
  void synchronizeAndCheck();
  std::mutex pinnedMutex_;  // pinned staging buffers for async reads, reused
  std::vector<std::pair<void*, size_t>> pinnedFree_;
  friend class CudaPendingRead;
  void* takePinned(size_t nbytes, size_t* capacity);
  void givePinned(void* ptr, size_t capacity);
};

// small_gemm.cu: products of at most two rows with a transposed operand, without cuBLAS;
// false when the product is not of that shape (or dtype). It reads GemmArgs::bias itself.
bool cudaSmallRowsGemm(CudaContext& ctx, const GemmArgs& g);
// Whether cudaSmallRowsGemm takes the product.
bool cudaSmallRowsApplies(const GemmArgs& g);

// Kernel families, one .cu each; CudaBackend forwards to them. Views arrive as the CPU
// backend receives them: shapes broadcast and dtypes promoted by the caller, arguments
// checked by Backend.
// elementwise.cu
void cudaCast(CudaContext& ctx, const TensorView& out, const TensorView& in);
void cudaFill(CudaContext& ctx, const TensorView& out, double value);
void cudaUnary(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1);
void cudaBinary(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b);
void cudaBinaryScalar(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                      bool scalarFirst);
void cudaWhere(CudaContext& ctx, const TensorView& out, const TensorView& cond, const TensorView& a,
               const TensorView& b);
void cudaAxpy(CudaContext& ctx, const TensorView& out, const TensorView& x, double alpha);
void cudaBiasActivation(CudaContext& ctx, const BiasActivationArgs& args);
// reduce.cu
void cudaReduce(CudaContext& ctx, const ReduceArgs& args);
// softmax_cross_entropy.cu
void cudaSoftmax(CudaContext& ctx, const SoftmaxArgs& args);
void cudaSoftmaxBackward(CudaContext& ctx, const SoftmaxBackwardArgs& args);
void cudaCrossEntropy(CudaContext& ctx, const CrossEntropyArgs& args);
void cudaCrossEntropyBackward(CudaContext& ctx, const CrossEntropyBackwardArgs& args);
// layer_norm.cu
void cudaLayerNorm(CudaContext& ctx, const LayerNormArgs& args);
void cudaLayerNormBackward(CudaContext& ctx, const LayerNormBackwardArgs& args);
// index.cu
void cudaIndexSelect(CudaContext& ctx, const TensorView& out, const TensorView& in, int dim, const TensorView& index);
void cudaIndexPut(CudaContext& ctx, const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                  bool accumulate);
void cudaGather(CudaContext& ctx, const TensorView& out, const TensorView& in, int dim, const TensorView& index);
void cudaScatter(CudaContext& ctx, const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                 bool accumulate);
void cudaScatterReduce(CudaContext& ctx, BinaryOp op, const TensorView& out, int dim, const TensorView& index,
                       const TensorView& src);
// Counts nonzero elements and writes their coordinates; allocates *out via ctx.backend.
int64_t cudaNonzero(CudaContext& ctx, Storage** out, const TensorView& in);
// random.cu: Philox4x32-10 counter-based generation, keyed by (seed, offset), or inside a
// CUDA graph by the graph's device words {seed, offset} plus `offset` (graphState).
void cudaFillUniform(CudaContext& ctx, const TensorView& out, double low, double high, uint64_t seed, uint64_t offset,
                     const uint64_t* graphState);
void cudaFillNormal(CudaContext& ctx, const TensorView& out, double mean, double stddev, uint64_t seed,
                    uint64_t offset, const uint64_t* graphState);
void cudaFillRandomInt(CudaContext& ctx, const TensorView& out, int64_t low, int64_t high, uint64_t seed,
                       uint64_t offset, const uint64_t* graphState);
void cudaFillBernoulli(CudaContext& ctx, const TensorView& out, double p, uint64_t seed, uint64_t offset,
                       const uint64_t* graphState);
// Writes a graph's {seed, offset} words, in stream order.
void cudaSetGraphRngState(CudaContext& ctx, uint64_t* state, uint64_t seed, uint64_t offset);
// How many Philox draws (each 4 x 32 bits) a random fill of `numel` elements consumes,
// so the backend can advance its offset before the launch.
uint64_t cudaRandomDraws(int64_t numel);

}  // namespace flint
