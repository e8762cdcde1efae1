// The CUDA backend's host side: device memory (a caching allocator), transfers,
// synchronization and deferred kernel errors, asynchronous reads, and the forwarding of
// each Backend entry to its kernel family.
#include "cuda_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "cublas_api.h"
#include "cudnn_convolution.h"
#include "cudnn_rnn.h"

namespace flint {

void throwCudaError(cudaError_t status, const char* what) {
  cudaGetLastError();  // clear a sticky-free error so the next call starts clean
  throw Error(std::string("CUDA error: ") + cudaGetErrorString(status) + " (" + cudaGetErrorName(status) +
              ", in " + what + ")");
}

// ---- caching allocator --------------------------------------------------------------

namespace {

constexpr size_t kSmallSize = size_t(1) << 20;   // at most this: a small block
constexpr size_t kRoundSmall = 512;
constexpr size_t kRoundLarge = size_t(2) << 20;  // PyTorch's rounding for large blocks

size_t roundSize(size_t nbytes) {
  if (nbytes <= kSmallSize) return std::max<size_t>(kRoundSmall, (nbytes + kRoundSmall - 1) / kRoundSmall * kRoundSmall);
  return (nbytes + kRoundLarge - 1) / kRoundLarge * kRoundLarge;
}

std::string formatBytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    unit++;
  }
  char text[64];
  if (unit == 0) std::snprintf(text, sizeof text, "%.0f %s", bytes, units[unit]);
  else std::snprintf(text, sizeof text, "%.2f %s", bytes, units[unit]);
  return text;
}

}  // namespace

// A cached block of `list` for a request of `size` (rounded) bytes, if one wastes little:
// small blocks stay in the small range, large ones may be at most a quarter bigger than asked.
void* CudaCachingAllocator::takeCached(FreeList& list, size_t size, size_t* blockBytes) {
  auto found = list.lower_bound(size);
  if (found == list.end() ||
      !(size <= kSmallSize ? found->first <= std::min(2 * size, kSmallSize) : found->first <= size + size / 4)) {
    return nullptr;
  }
  void* ptr = found->second;
  *blockBytes = found->first;
  list.erase(found);
  allocated_ += (int64_t)*blockBytes;
  peak_ = std::max(peak_, allocated_);
  return ptr;
}

void CudaCachingAllocator::throwOutOfMemory(size_t nbytes) {
  cudaGetLastError();
  size_t freeBytes = 0, totalBytes = 0;
  cudaMemGetInfo(&freeBytes, &totalBytes);
  throw OutOfMemory("CUDA out of memory. Tried to allocate " + formatBytes((double)nbytes) + ". GPU " +
                    std::to_string(device_) + " has a total capacity of " + formatBytes((double)totalBytes) +
                    " of which " + formatBytes((double)freeBytes) + " is free. Of the allocated memory " +
                    formatBytes((double)allocated_) + " is allocated by flint, and " +
                    formatBytes((double)(reserved_ - allocated_)) + " is reserved by flint but unallocated.");
}

void* CudaCachingAllocator::allocate(size_t nbytes, size_t* blockBytes) {
  // An empty tensor still gets a (small) block, as on the CPU, so that its pointer is
  // real and the boundary's bounds checks treat both devices alike.
  const size_t size = roundSize(nbytes);
  if (capturePool_ != 0) return allocateInPool(capturePool_, size, blockBytes, nbytes);
  if (void* ptr = takeCached(freeBlocks_, size, blockBytes)) return ptr;
  // A miss goes to the driver's stream-ordered pool, not cudaMalloc: cudaMalloc costs
  // tens of microseconds and synchronizes the device, and misses are common while freed
  // tensors wait for JS's garbage collector. The pool keeps what it is given back
  // (release threshold: never), so a miss is usually a fast suballocation.
  void* ptr = nullptr;
  cudaError_t status = cudaMallocAsync(&ptr, size, stream_);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    emptyCache();  // give the cache back and try once more, as PyTorch does
    status = cudaMallocAsync(&ptr, size, stream_);
  }
  if (status == cudaErrorMemoryAllocation) throwOutOfMemory(nbytes);
  if (status != cudaSuccess) throwCudaError(status, "cudaMallocAsync");
  *blockBytes = size;
  reserved_ += (int64_t)size;
  allocated_ += (int64_t)size;
  peak_ = std::max(peak_, allocated_);
  return ptr;
}

// A block of a private pool. A miss cannot use cudaMallocAsync: on the capturing stream
// it would become an allocation node of the graph, valid only inside a replay. It uses
// cudaMalloc, which a capture in global mode forbids, so this thread relaxes the capture
// mode around it, as PyTorch's allocator does.
void* CudaCachingAllocator::allocateInPool(int64_t poolId, size_t size, size_t* blockBytes, size_t asked) {
  PrivatePool& pool = pools_.at(poolId);
  if (void* ptr = takeCached(pool.freeBlocks, size, blockBytes)) {
    pool.liveBlocks++;
    return ptr;
  }
  void* ptr = nullptr;
  cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
  cudaThreadExchangeStreamCaptureMode(&mode);
  const cudaError_t status = cudaMalloc(&ptr, size);
  cudaThreadExchangeStreamCaptureMode(&mode);
  if (status == cudaErrorMemoryAllocation) throwOutOfMemory(asked);
  if (status != cudaSuccess) throwCudaError(status, "cudaMalloc (a CUDA graph's private pool)");
  poolOfBlock_.emplace(ptr, poolId);
  pool.liveBlocks++;
  *blockBytes = size;
  reserved_ += (int64_t)size;
  allocated_ += (int64_t)size;
  peak_ = std::max(peak_, allocated_);
  return ptr;
}

void CudaCachingAllocator::deallocate(void* ptr, size_t blockBytes) {
  if (ptr == nullptr) return;
  allocated_ -= (int64_t)blockBytes;
  if (!poolOfBlock_.empty()) {
    auto owner = poolOfBlock_.find(ptr);
    if (owner != poolOfBlock_.end()) {
      PrivatePool& pool = pools_.at(owner->second);
      pool.liveBlocks--;
      pool.freeBlocks.emplace(blockBytes, ptr);
      return;
    }
  }
  // No synchronization needed: all work runs on one stream, so a later kernel that gets
  // this block is ordered after every kernel that used it.
  freeBlocks_.emplace(blockBytes, ptr);
}

void CudaCachingAllocator::emptyCache() {
  for (auto& [size, ptr] : freeBlocks_) {
    cudaFreeAsync(ptr, stream_);  // ordered after every kernel that used the block
    reserved_ -= (int64_t)size;
  }
  freeBlocks_.clear();
  cudaStreamSynchronize(stream_);
  // Pools that nothing holds give their free blocks back (cudaMalloc'd: cudaFree, after
  // the wait above), and disappear once their last block is back.
  for (auto pool = pools_.begin(); pool != pools_.end();) {
    if (pool->second.holds > 0) {
      ++pool;
      continue;
    }
    for (auto& [size, ptr] : pool->second.freeBlocks) {
      cudaFree(ptr);
      poolOfBlock_.erase(ptr);
      reserved_ -= (int64_t)size;
    }
    pool->second.freeBlocks.clear();
    pool = pool->second.liveBlocks == 0 ? pools_.erase(pool) : std::next(pool);
  }
  // Hand the stream-ordered pool's memory back to the driver too.
  cudaMemPool_t pool;
  if (cudaDeviceGetDefaultMemPool(&pool, device_) == cudaSuccess) cudaMemPoolTrimTo(pool, 0);
}

int64_t CudaCachingAllocator::createPool() {
  const int64_t id = nextPool_++;
  pools_.emplace(id, PrivatePool{});
  return id;
}

void CudaCachingAllocator::retainPool(int64_t pool) {
  auto found = pools_.find(pool);
  FLINT_CHECK(found != pools_.end() && found->second.holds > 0,
              "CUDA graph pool " + std::to_string(pool) + " does not exist (it was released, or never made)");
  found->second.holds++;
}

void CudaCachingAllocator::releasePool(int64_t pool) {
  auto found = pools_.find(pool);
  if (found != pools_.end() && found->second.holds > 0) found->second.holds--;
}

ScratchBuffer::ScratchBuffer(CudaContext& ctx, size_t nbytes) : storage_(ctx.backend->allocate(nbytes)) {
  data_ = storage_->data;
}
ScratchBuffer::~ScratchBuffer() { releaseStorage(storage_); }

// ---- the backend --------------------------------------------------------------------

CudaBackend::CudaBackend(int device) : device_(device), allocator_(device) {
  FLINT_CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp props{};
  FLINT_CUDA_CHECK(cudaGetDeviceProperties(&props, device));
  context_.device = device;
  context_.smCount = props.multiProcessorCount;
  totalMemory_ = (int64_t)props.totalGlobalMem;
  capabilityMajor_ = props.major;
  capabilityMinor_ = props.minor;
  context_.backend = this;
  // A non-blocking stream: the legacy default stream would serialize with every other
  // library in the process that uses the GPU.
  FLINT_CUDA_CHECK(cudaStreamCreateWithFlags(&context_.stream, cudaStreamNonBlocking));
  allocator_.setStream(context_.stream);
  cudaMemPool_t pool;
  FLINT_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
  uint64_t keepEverything = UINT64_MAX;
  FLINT_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keepEverything));
  FLINT_CUDA_CHECK(cudaMalloc((void**)&context_.errorFlags, sizeof(int)));
  FLINT_CUDA_CHECK(cudaMemsetAsync(context_.errorFlags, 0, sizeof(int), context_.stream));
  FLINT_CUDA_CHECK(cudaMalloc((void**)&context_.counters, kContextCounters * sizeof(unsigned)));
  FLINT_CUDA_CHECK(cudaMemsetAsync(context_.counters, 0, kContextCounters * sizeof(unsigned), context_.stream));
  FLINT_CUDA_CHECK(cudaMallocHost((void**)&hostErrorFlags_, sizeof(int)));
  *hostErrorFlags_ = 0;
}

CudaBackend::~CudaBackend() {
  if (capturing_ != 0) {
    cudaGraph_t abandoned = nullptr;
    if (cudaStreamEndCapture(context_.stream, &abandoned) == cudaSuccess && abandoned != nullptr) {
      cudaGraphDestroy(abandoned);
    }
    cudaGetLastError();
    allocator_.endCapture();
    capturing_ = 0;
  }
  cudaStreamSynchronize(context_.stream);
  while (!graphs_.empty()) resetGraph(graphs_.begin()->first);
  for (auto& [id, event] : events_) cudaEventDestroy(event);
  events_.clear();
  allocator_.dropAllPools();
  delete cublas_;
  delete cudnn_;
  delete cudnnRnns_;
  if (cublasWorkspace_ != nullptr) {
    allocator_.deallocate(cublasWorkspace_->data, cublasWorkspace_->nbytes);
    delete cublasWorkspace_;
  }
  allocator_.emptyCache();
  for (auto& [ptr, size] : pinnedFree_) cudaFreeHost(ptr);
  cudaFree(context_.errorFlags);
  cudaFree(context_.counters);
  cudaFreeHost(hostErrorFlags_);
  cudaStreamDestroy(context_.stream);
}

void CudaBackend::retire() {
  retired_ = true;
  if (liveStorages_ == (cublasWorkspace_ != nullptr ? 1 : 0)) delete this;
}

Storage* CudaBackend::allocate(size_t nbytes) {
  size_t blockBytes = 0;
  void* data = allocator_.allocate(nbytes, &blockBytes);
  liveStorages_++;
  return new Storage(this, data, blockBytes, device_);
}

void CudaBackend::deallocate(Storage* storage) {
  allocator_.deallocate(storage->data, storage->nbytes);
  delete storage;
  if (--liveStorages_ == (cublasWorkspace_ != nullptr ? 1 : 0) && retired_) delete this;
}

void CudaBackend::copyFromHostImpl(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  refuseDuringCapture("a copy from host memory");
  // From pageable memory this returns once the bytes are staged, so `src` may be freed.
  FLINT_CUDA_CHECK(cudaMemcpyAsync((char*)dst->data + dstOffsetBytes, src, nbytes, cudaMemcpyHostToDevice,
                                   context_.stream));
}

void CudaBackend::copyToHostImpl(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  refuseDuringCapture("a read of device memory (item(), data(), a copy to the CPU)");
  if (nbytes != 0) {
    FLINT_CUDA_CHECK(cudaMemcpyAsync(dst, (const char*)src->data + srcOffsetBytes, nbytes, cudaMemcpyDeviceToHost,
                                     context_.stream));
  }
  synchronizeAndCheck();
}

void CudaBackend::synchronize() {
  refuseDuringCapture("synchronize()");
  synchronizeAndCheck();
}

void CudaBackend::synchronizeAndCheck() {
  FLINT_CUDA_CHECK(cudaMemcpyAsync(hostErrorFlags_, context_.errorFlags, sizeof(int), cudaMemcpyDeviceToHost,
                                   context_.stream));
  FLINT_CUDA_CHECK(cudaStreamSynchronize(context_.stream));
  const int flags = *hostErrorFlags_;
  if (flags == 0) return;
  *hostErrorFlags_ = 0;
  FLINT_CUDA_CHECK(cudaMemsetAsync(context_.errorFlags, 0, sizeof(int), context_.stream));
  // A kernel that stopped on bad data may have left completion counters set.
  FLINT_CUDA_CHECK(cudaMemsetAsync(context_.counters, 0, kContextCounters * sizeof(unsigned), context_.stream));
  // The CPU's messages, as a kernel queued before this point met the same bad input.
  if (flags & kErrorIntegerDivisionByZero) throw Error("ZeroDivisionError: integer division by zero");
  if (flags & kErrorNegativeIntegerPower) throw Error("Integers to negative integer powers are not allowed.");
  if (flags & kErrorIndexOutOfRange) {
    throw Error("CUDA error: an index was out of range in a kernel queued before this synchronization "
                "(the affected elements were left unwritten)");
  }
  throw Error("CUDA error: a target class was out of range in cross_entropy / nll_loss, in a kernel queued "
              "before this synchronization");
}

// ---- asynchronous reads -------------------------------------------------------------

void* CudaBackend::takePinned(size_t nbytes, size_t* capacity) {
  {
    std::lock_guard<std::mutex> lock(pinnedMutex_);
    for (size_t i = 0; i < pinnedFree_.size(); i++) {
      if (pinnedFree_[i].second >= nbytes && pinnedFree_[i].second <= 2 * nbytes + 4096) {
        auto [ptr, size] = pinnedFree_[i];
        pinnedFree_.erase(pinnedFree_.begin() + (long)i);
        *capacity = size;
        return ptr;
      }
    }
  }
  void* ptr = nullptr;
  FLINT_CUDA_CHECK(cudaMallocHost(&ptr, std::max<size_t>(nbytes, 64)));
  *capacity = std::max<size_t>(nbytes, 64);
  return ptr;
}

void CudaBackend::givePinned(void* ptr, size_t capacity) {
  std::lock_guard<std::mutex> lock(pinnedMutex_);
  if (pinnedFree_.size() < 8) pinnedFree_.emplace_back(ptr, capacity);
  else cudaFreeHost(ptr);
}

// A read in flight: the bytes go to pinned memory (a copy to pageable memory would block
// the calling thread), followed by the error word; an event marks the end.
class CudaPendingRead final : public PendingRead {
 public:
  CudaPendingRead(CudaBackend* backend, const Storage* src, size_t offset, size_t nbytes)
      : backend_(backend), nbytes_(nbytes) {
    host_ = backend->takePinned(nbytes + sizeof(int), &capacity_);
    cudaStream_t stream = backend->context_.stream;
    if (nbytes) {
      FLINT_CUDA_CHECK(cudaMemcpyAsync(host_, (const char*)src->data + offset, nbytes, cudaMemcpyDeviceToHost, stream));
    }
    FLINT_CUDA_CHECK(cudaMemcpyAsync((char*)host_ + nbytes, backend->context_.errorFlags, sizeof(int),
                                     cudaMemcpyDeviceToHost, stream));
    FLINT_CUDA_CHECK(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming));
    FLINT_CUDA_CHECK(cudaEventRecord(done_, stream));
  }
  ~CudaPendingRead() override {
    cudaEventDestroy(done_);
    backend_->givePinned(host_, capacity_);
  }
  void wait() override {
    // This runs on a libuv thread, maybe while the JS thread captures a CUDA graph; a
    // wait in the default (global) mode would invalidate that capture. The event was
    // recorded before any capture began, so waiting for it is safe: say so.
    cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
    cudaThreadExchangeStreamCaptureMode(&mode);
    const cudaError_t status = cudaEventSynchronize(done_);
    cudaThreadExchangeStreamCaptureMode(&mode);
    FLINT_CUDA_CHECK(status);
    int flags;
    std::memcpy(&flags, (char*)host_ + nbytes_, sizeof(int));
    if (flags != 0) {
      throw Error("CUDA error: a kernel queued before this read met an out-of-range index or target "
                  "(the next synchronization reports it again and clears it)");
    }
  }
  const void* host() const override { return host_; }

 private:
  CudaBackend* backend_;
  size_t nbytes_, capacity_ = 0;
  void* host_;
  cudaEvent_t done_ = nullptr;
};

PendingRead* CudaBackend::readAsyncImpl(const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  refuseDuringCapture("a read of device memory (data())");
  return new CudaPendingRead(this, src, srcOffsetBytes, nbytes);
}

MemoryInfo CudaBackend::memoryInfo() {
  MemoryInfo info;
  info.allocatedBytes = allocator_.allocatedBytes();
  info.peakAllocatedBytes = allocator_.peakAllocatedBytes();
  info.reservedBytes = allocator_.reservedBytes();
  info.liveStorages = liveStorages_;
  return info;
}

void CudaBackend::emptyCache() {
  refuseDuringCapture("emptyCache()");
  allocator_.emptyCache();
}

void CudaBackend::setOptionImpl(BackendOption option, double value) {
  if (option == BackendOption::MatmulAllowTF32) allowTF32_ = value != 0;
}

double CudaBackend::queryImpl(BackendQuery query) {
  if (query == BackendQuery::CudnnVersion) return cudnn() == nullptr ? 0 : (double)cudnn_->version();
  if (query == BackendQuery::TotalMemory) return (double)totalMemory_;
  if (query == BackendQuery::CapabilityMajor) return capabilityMajor_;
  if (query == BackendQuery::CapabilityMinor) return capabilityMinor_;
  if (query == BackendQuery::MultiProcessorCount) return context_.smCount;
  if (query == BackendQuery::FreeMemory) {
    // cudaMemGetInfo answers for the thread's current device.
    FLINT_CUDA_CHECK(cudaSetDevice(device_));
    size_t freeBytes = 0, totalBytes = 0;
    FLINT_CUDA_CHECK(cudaMemGetInfo(&freeBytes, &totalBytes));
    return (double)freeBytes;
  }
  return 0;
}

// ---- convolution through cuDNN ------------------------------------------------------

CudnnConvolutions* CudaBackend::cudnn() {
  if (cudnn_ == nullptr && cudnnUnavailable_.empty()) {
    refuseDuringCapture("loading cuDNN (run the convolution once before capturing)");
    try {
      cudnn_ = new CudnnConvolutions(context_);
    } catch (const std::exception& error) {
      cudnnUnavailable_ = error.what();
    }
  }
  return cudnn_;
}

namespace {
[[noreturn]] void noCudnn(const char* entry, const std::string& reason) {
  throw Error(std::string(entry) + ": cuDNN is not available on this device (" + reason + ")");
}
}  // namespace

void CudaBackend::convolutionImpl(const ConvolutionArgs& args) {
  if (cudnn() == nullptr) noCudnn("convolution", cudnnUnavailable_);
  cudnn_->forward(args);
}
void CudaBackend::convolutionBackwardInputImpl(const ConvolutionBackwardInputArgs& args) {
  if (cudnn() == nullptr) noCudnn("convolutionBackwardInput", cudnnUnavailable_);
  cudnn_->backwardInput(args);
}
void CudaBackend::convolutionBackwardWeightImpl(const ConvolutionBackwardWeightArgs& args) {
  if (cudnn() == nullptr) noCudnn("convolutionBackwardWeight", cudnnUnavailable_);
  cudnn_->backwardWeight(args);
}

CudnnRnns* CudaBackend::cudnnRnns() {
  if (cudnnRnns_ == nullptr && cudnnRnnsUnavailable_.empty()) {
    refuseDuringCapture("loading cuDNN's RNN API (run the recurrent layer once before capturing)");
    try {
      cudnnRnns_ = new CudnnRnns(context_);
    } catch (const std::exception& error) {
      // A library or entry point that is missing stays missing; memory may come back.
      const std::string why = error.what();
      if (why.find("ALLOC_FAILED") != std::string::npos || why.find("MemoryAllocation") != std::string::npos) throw;
      cudnnRnnsUnavailable_ = why;
    }
  }
  if (cudnnRnns_ == nullptr) noCudnn("cuDNN RNN", cudnnRnnsUnavailable_);
  return cudnnRnns_;
}

// Each call copies its sequence lengths from host memory and may make a plan or the
// dropout states (cudaMalloc), none of which a stream capture can hold.
constexpr const char* kCudnnRnnCapture = "a cuDNN RNN call (flint runs recurrent layers on its own kernels while capturing)";

CudnnRnnLayout CudaBackend::cudnnRnnPlan(const CudnnRnnConfig& config) {
  refuseDuringCapture(kCudnnRnnCapture);
  return cudnnRnns()->layout(config);
}
void CudaBackend::cudnnRnnForward(const CudnnRnnForwardArgs& args) {
  refuseDuringCapture(kCudnnRnnCapture);
  cudnnRnns()->forward(args);
}
void CudaBackend::cudnnRnnBackwardData(const CudnnRnnBackwardDataArgs& args) {
  refuseDuringCapture(kCudnnRnnCapture);
  cudnnRnns()->backwardData(args);
}
void CudaBackend::cudnnRnnBackwardWeights(const CudnnRnnBackwardWeightsArgs& args) {
  refuseDuringCapture(kCudnnRnnCapture);
  cudnnRnns()->backwardWeights(args);
}

// ---- forwarding ---------------------------------------------------------------------

void CudaBackend::fillImpl(const TensorView& out, double value) { cudaFill(context_, out, value); }
void CudaBackend::castImpl(const TensorView& out, const TensorView& in) { cudaCast(context_, out, in); }
void CudaBackend::unaryImpl(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  cudaUnary(context_, op, out, in, p0, p1);
}
void CudaBackend::binaryImpl(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  cudaBinary(context_, op, out, a, b);
}
void CudaBackend::binaryScalarImpl(BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                                   bool scalarFirst) {
  cudaBinaryScalar(context_, op, out, a, scalar, scalarFirst);
}
void CudaBackend::whereImpl(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  cudaWhere(context_, out, cond, a, b);
}
void CudaBackend::axpyImpl(const TensorView& out, const TensorView& x, double alpha) {
  cudaAxpy(context_, out, x, alpha);
}
void CudaBackend::biasActivationImpl(const BiasActivationArgs& args) { cudaBiasActivation(context_, args); }
void CudaBackend::reduceImpl(const ReduceArgs& args) { cudaReduce(context_, args); }
void CudaBackend::softmaxImpl(const SoftmaxArgs& args) { cudaSoftmax(context_, args); }
void CudaBackend::softmaxBackwardImpl(const SoftmaxBackwardArgs& args) { cudaSoftmaxBackward(context_, args); }
void CudaBackend::crossEntropyImpl(const CrossEntropyArgs& args) { cudaCrossEntropy(context_, args); }
void CudaBackend::crossEntropyBackwardImpl(const CrossEntropyBackwardArgs& args) {
  cudaCrossEntropyBackward(context_, args);
}
void CudaBackend::layerNormImpl(const LayerNormArgs& args) { cudaLayerNorm(context_, args); }
void CudaBackend::layerNormBackwardImpl(const LayerNormBackwardArgs& args) { cudaLayerNormBackward(context_, args); }
void CudaBackend::indexSelectImpl(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  cudaIndexSelect(context_, out, in, dim, index);
}
void CudaBackend::indexPutImpl(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                               bool accumulate) {
  cudaIndexPut(context_, out, dim, index, src, accumulate);
}
void CudaBackend::gatherImpl(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  cudaGather(context_, out, in, dim, index);
}
void CudaBackend::scatterImpl(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                              bool accumulate) {
  cudaScatter(context_, out, dim, index, src, accumulate);
}
void CudaBackend::scatterReduceImpl(BinaryOp op, const TensorView& out, int dim, const TensorView& index,
                                    const TensorView& src) {
  cudaScatterReduce(context_, op, out, dim, index, src);
}
int64_t CudaBackend::nonzeroImpl(Storage** out, const TensorView& in) {
  refuseDuringCapture("nonzero (its result's size is read from the device)");
  return cudaNonzero(context_, out, in);
}

void CudaBackend::fillUniformImpl(const TensorView& out, double low, double high) {
  const RandomKey key = randomKey(out.numel());
  cudaFillUniform(context_, out, low, high, key.seed, key.offset, key.graphState);
}
void CudaBackend::fillNormalImpl(const TensorView& out, double mean, double stddev) {
  const RandomKey key = randomKey(out.numel());
  cudaFillNormal(context_, out, mean, stddev, key.seed, key.offset, key.graphState);
}
void CudaBackend::fillRandomIntImpl(const TensorView& out, int64_t low, int64_t high) {
  const RandomKey key = randomKey(out.numel());
  cudaFillRandomInt(context_, out, low, high, key.seed, key.offset, key.graphState);
}
void CudaBackend::fillBernoulliImpl(const TensorView& out, double p) {
  const RandomKey key = randomKey(out.numel());
  cudaFillBernoulli(context_, out, p, key.seed, key.offset, key.graphState);
}
// random_() without bounds: each dtype's full range, as PyTorch's (int64 and double stop one
// short of 2^63 and 2^53 + 1 respectively, the largest range an int64 `high` can express).
void CudaBackend::fillRandomFullImpl(const TensorView& out) {
  int64_t high = 0;
  switch (out.dtype) {
    case DType::Bool: high = 2; break;
    case DType::UInt8: high = 256; break;
    case DType::Int8: high = 128; break;
    case DType::Int16: high = 32768; break;
    case DType::Int32: high = 1LL << 31; break;
    case DType::Float16: high = (1LL << 11) + 1; break;
    case DType::BFloat16: high = (1LL << 8) + 1; break;
    case DType::Float32: high = (1LL << 24) + 1; break;
    case DType::Float64: high = (1LL << 53) + 1; break;
    default: high = std::numeric_limits<int64_t>::max(); break;
  }
  const RandomKey key = randomKey(out.numel());
  cudaFillRandomInt(context_, out, 0, high, key.seed, key.offset, key.graphState);
}
CudaBackend::RandomKey CudaBackend::randomKey(int64_t numel) {
  const uint64_t draws = cudaRandomDraws(numel);
  if (capturing_ == 0) return {seed_, reservePhilox(draws), nullptr};
  const uint64_t offset = captureDraws_;
  captureDraws_ += draws;
  return {0, offset, graphs_.at(capturing_).rngState};
}

// The TypeScript side draws permutations on the CPU and copies them over, as PyTorch does
// for small n; this entry exists only so that a direct call fails clearly.
void CudaBackend::fillPermutationImpl(const TensorView&) {
  throw Error("randperm: CUDA permutations are drawn on the CPU and copied to the device");
}

// PyTorch samples CUDA Poisson counts with curand's own algorithm; flint has no CUDA
// sampler yet, and drawing on the CPU would silently use another generator.
void CudaBackend::poissonImpl(const PoissonArgs&) {
  throw Error("torch.poisson is not implemented on CUDA yet: sample on the CPU (rates.cpu()) and move the result");
}

// As torch.poisson: PyTorch's CUDA gamma sampler draws with curand, which flint has no port
// of yet. The gradients would be plain elementwise kernels, but are refused with the sampler
// that produces their inputs, so that a CUDA Gamma fails in one clear place.
void CudaBackend::standardGammaImpl(const StandardGammaArgs&) {
  throw Error("torch._standard_gamma is not implemented on CUDA yet: sample on the CPU (alpha.cpu()) and move the result");
}
void CudaBackend::binomialImpl(const BinomialArgs&) {
  throw Error("torch.binomial is not implemented on CUDA yet: sample on the CPU (count.cpu(), prob.cpu()) and move the result");
}
void CudaBackend::standardGammaGradImpl(const StandardGammaGradArgs&) {
  throw Error("torch._standard_gamma_grad is not implemented on CUDA yet (Gamma samples are drawn on the CPU)");
}
void CudaBackend::dirichletGradImpl(const DirichletGradArgs&) {
  throw Error("torch._dirichlet_grad is not implemented on CUDA yet (Dirichlet samples are drawn on the CPU)");
}

std::vector<uint8_t> CudaBackend::rngState() {
  std::vector<uint8_t> bytes(16);
  std::memcpy(bytes.data(), &seed_, 8);
  std::memcpy(bytes.data() + 8, &philoxOffset_, 8);
  return bytes;
}
void CudaBackend::setRngState(const uint8_t* bytes, size_t size) {
  FLINT_CHECK(size == 16, "RNG state must be 16 bytes (seed and offset) for a CUDA generator, but found " +
                              std::to_string(size));
  std::memcpy(&seed_, bytes, 8);
  std::memcpy(&philoxOffset_, bytes + 8, 8);
  // As PyTorch's set_state, which reseeds through set_current_seed.
  reseedRnnDropout_ = true;
}

// ---- matrix products ----------------------------------------------------------------

void CudaBackend::ensureCublas() {
  if (cublas_ != nullptr) return;
  // A library that failed to load once is not tried again (each try would cost a dlopen).
  if (!cublasUnavailable_.empty()) throw Error(cublasUnavailable_);
  // Creating the handle and its workspace cannot happen inside a capture (the workspace
  // would come from the graph's pool); beginCapture loads cuBLAS first.
  refuseDuringCapture("loading cuBLAS");
  // cuBLAS's split-K and Hopper kernels need a workspace; without one it allocates (and
  // frees, synchronizing the device) inside calls. PyTorch gives it 32 MiB on Hopper.
  constexpr size_t kWorkspaceBytes = size_t(32) << 20;
  Storage* workspace = allocate(kWorkspaceBytes);
  try {
    cublas_ = new CublasApi(context_.stream, workspace->data, kWorkspaceBytes);
  } catch (const std::exception& error) {
    releaseStorage(workspace);
    cublasUnavailable_ = error.what();
    throw;
  }
  cublasWorkspace_ = workspace;
}

void CudaBackend::gemmImpl(const GemmArgs& g) {
  cudaDataType type;
  int compute;
  float alphaF = (float)g.alpha, betaF = (float)g.beta;
  const void* alpha = &alphaF;
  const void* beta = &betaF;
  switch (g.dtype) {
    case DType::Float32:
      type = CUDA_R_32F;
      compute = allowTF32_ ? kCublasComputeF32FastTF32 : kCublasComputeF32;
      break;
    case DType::Float64:
      type = CUDA_R_64F;
      compute = kCublasComputeF64;
      alpha = &g.alpha;
      beta = &g.beta;
      break;
    case DType::Float16:  // float32 accumulation, as PyTorch's default
      type = CUDA_R_16F;
      compute = kCublasComputeF32;
      break;
    case DType::BFloat16:
      type = CUDA_R_16BF;
      compute = kCublasComputeF32;
      break;
    default:
      throw Error(std::string("\"addmm_cuda\" not implemented for '") + dtypeName(g.dtype) + "'");
  }
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  if (g.bias != nullptr && (g.k == 0 || !cudaSmallRowsApplies(g))) {
    // cuBLAS and the k == 0 path below read C: fill it with the bias first (batch 1).
    TensorView c, bias;
    c.dtype = bias.dtype = g.dtype;
    c.ndim = bias.ndim = 2;
    c.shape[0] = bias.shape[0] = g.m;
    c.shape[1] = bias.shape[1] = g.n;
    c.strides[0] = g.ldc;
    c.strides[1] = 1;
    bias.strides[0] = g.biasStrideM;
    bias.strides[1] = g.biasStrideN;
    c.data = g.c;
    bias.data = (char*)g.bias;
    cudaCast(context_, c, bias);
  }
  if (g.k == 0) {  // cuBLAS leaves C untouched for k == 0; the product is beta * C
    if (g.beta == 1) return;
    for (int64_t b = 0; b < g.batch; b++) {
      TensorView c;
      c.dtype = g.dtype;
      c.ndim = 2;
      c.shape[0] = g.m;
      c.shape[1] = g.n;
      c.strides[0] = g.ldc;
      c.strides[1] = 1;
      c.data = g.c + b * g.strideC * (int64_t)itemSize(g.dtype);
      if (g.beta == 0) {
        cudaFill(context_, c, 0);
      } else {
        cudaBinaryScalar(context_, BinaryOp::Mul, c, c, g.beta, false);
      }
    }
    return;
  }
  // TF32 rounds the inputs on tensor cores; the small kernel multiplies in full float32,
  // which the TF32 switch allows as well (it permits, not requires, the rounding).
  if (cudaSmallRowsGemm(context_, g)) return;
  FLINT_CHECK(g.m < INT32_MAX && g.n < INT32_MAX && g.k < INT32_MAX && g.batch < INT32_MAX,
              "gemm: a dimension does not fit cuBLAS's 32-bit sizes");
  ensureCublas();
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  const int64_t lda = std::max<int64_t>({g.lda, g.transA ? g.m : g.k, 1});
  const int64_t ldb = std::max<int64_t>({g.ldb, g.transB ? g.k : g.n, 1});
  const int64_t ldc = std::max<int64_t>({g.ldc, g.n, 1});
  cublas_->gemmStridedBatched(g.transB ? kCublasOpT : kCublasOpN, g.transA ? kCublasOpT : kCublasOpN, (int)g.n,
                              (int)g.m, (int)g.k, alpha, g.b, type, (int)ldb, g.strideB, g.a, type, (int)lda,
                              g.strideA, beta, g.c, type, (int)ldc, g.strideC, (int)g.batch, compute);
}

}  // namespace flint
