// CUDA graphs (torch.cuda.CUDAGraph): the backend's one stream is captured into a graph,
// which is instantiated once and then replayed with a single launch.
//
// What a capture must hold to, as in PyTorch:
// - Nothing waits for the device or touches host memory: such calls throw
//   (refuseDuringCapture) instead of invalidating the capture behind the caller's back.
// - Every block allocated during the capture comes from the graph's private pool
//   (CudaCachingAllocator), so that eager work never reuses memory a replay writes.
// - Random ops read their Philox key from device words that each replay rewrites, so
//   every replay draws new numbers and advances the generator as eager ops would.
// - cuBLAS is loaded before the capture starts: its handle and workspace cannot be made
//   inside one.
#include <string>

#include "cublas_api.h"
#include "cuda_backend.h"

namespace flint {

namespace {

cudaStreamCaptureMode toCudaMode(CaptureMode mode) {
  switch (mode) {
    case CaptureMode::ThreadLocal: return cudaStreamCaptureModeThreadLocal;
    case CaptureMode::Relaxed: return cudaStreamCaptureModeRelaxed;
    default: return cudaStreamCaptureModeGlobal;
  }
}

}  // namespace

int64_t CudaBackend::graphCommand(GraphCommand command, int64_t id, int64_t arg) {
  // The thread may have last selected another GPU (each backend's constructor selects its own).
  FLINT_CUDA_CHECK(cudaSetDevice(device_));
  switch (command) {
    case GraphCommand::NewPool: return allocator_.createPool();
    case GraphCommand::ReleasePool: allocator_.releasePool(id); return 0;
    case GraphCommand::CaptureBegin:
      FLINT_CHECK(arg >= 0 && arg < EnumInfo<CaptureMode>::count, "capture_error_mode must be global, thread_local or relaxed");
      return beginCapture(id, (CaptureMode)arg);
    case GraphCommand::CaptureEnd: endCapture(id, true); return 0;
    case GraphCommand::AbortCapture: endCapture(id, false); return 0;
    case GraphCommand::Replay: replayGraph(id); return 0;
    case GraphCommand::Reset: resetGraph(id); return 0;
    case GraphCommand::Pool: {
      auto found = graphs_.find(id);
      FLINT_CHECK(found != graphs_.end(), "this CUDA graph has no pool: it was never captured, or was reset");
      return found->second.pool;
    }
    case GraphCommand::IsCapturing: return capturing_ != 0 ? 1 : 0;
    default: throw Error("unknown CUDA graph command");
  }
}

int64_t CudaBackend::beginCapture(int64_t pool, CaptureMode mode) {
  FLINT_CHECK(capturing_ == 0, "a CUDA graph capture is already under way on this device (captures do not nest)");
  // Work queued before the capture, and its errors, are the eager program's: report them now.
  synchronizeAndCheck();
  try {
    ensureCublas();
  } catch (const std::exception&) {
    // No cuBLAS here: a product inside the capture reports it.
  }
  if (pool != 0) allocator_.retainPool(pool);
  else pool = allocator_.createPool();
  CapturedGraph graph;
  graph.pool = pool;
  cudaError_t status = cudaMalloc((void**)&graph.rngState, 2 * sizeof(uint64_t));
  if (status != cudaSuccess) {
    allocator_.releasePool(pool);
    throwCudaError(status, "cudaMalloc (a CUDA graph's generator state)");
  }
  status = cudaStreamBeginCapture(context_.stream, toCudaMode(mode));
  if (status != cudaSuccess) {
    cudaFree(graph.rngState);
    allocator_.releasePool(pool);
    throwCudaError(status, "cudaStreamBeginCapture");
  }
  const int64_t id = nextGraph_++;
  graphs_.emplace(id, graph);
  allocator_.beginCapture(pool);
  capturing_ = id;
  captureDraws_ = 0;
  return id;
}

// Ends the capture; `keep` instantiates the graph, otherwise (the captured code threw) it is
// dropped unseen, since half a program is of no use and instantiating it may fail.
void CudaBackend::endCapture(int64_t id, bool keep) {
  FLINT_CHECK(capturing_ != 0 && capturing_ == id, "capture_end: this CUDA graph is not being captured");
  allocator_.endCapture();
  capturing_ = 0;
  CapturedGraph& graph = graphs_.at(id);
  graph.rngDraws = captureDraws_;
  cudaGraph_t captured = nullptr;
  cudaError_t status = cudaStreamEndCapture(context_.stream, &captured);
  if (status == cudaSuccess && keep) status = cudaGraphInstantiateWithFlags(&graph.exec, captured, 0);
  if (captured != nullptr) cudaGraphDestroy(captured);  // the executable graph keeps what it needs
  if (!keep || status != cudaSuccess) {
    cudaGetLastError();
    graph.exec = nullptr;
    resetGraph(id);
    if (keep) {
      throwCudaError(status, "cudaStreamEndCapture / cudaGraphInstantiate: the capture was invalidated by an "
                             "operation that a CUDA graph cannot contain");
    }
  }
}

void CudaBackend::replayGraph(int64_t id) {
  auto found = graphs_.find(id);
  FLINT_CHECK(found != graphs_.end() && found->second.exec != nullptr,
              "Called CUDAGraph::replay without a preceding successful capture.");
  FLINT_CHECK(capturing_ == 0, "replay: a CUDA graph cannot be replayed while another is being captured");
  CapturedGraph& graph = found->second;
  // Each replay draws where an eager run of the same ops would have, and moves the
  // generator past it (PyTorch's wholegraph increment).
  if (graph.rngDraws > 0) cudaSetGraphRngState(context_, graph.rngState, seed_, reservePhilox(graph.rngDraws));
  FLINT_CUDA_CHECK(cudaGraphLaunch(graph.exec, context_.stream));
}

void CudaBackend::resetGraph(int64_t id) {
  auto found = graphs_.find(id);
  if (found == graphs_.end()) return;
  // Freeing memory inside a capture would invalidate it.
  FLINT_CHECK(capturing_ == 0, "reset: a CUDA graph cannot be reset while a capture is under way");
  CapturedGraph& graph = found->second;
  // A replay may still be running: cudaFree and cudaGraphExecDestroy wait for it.
  if (graph.exec != nullptr) cudaGraphExecDestroy(graph.exec);
  cudaFree(graph.rngState);
  allocator_.releasePool(graph.pool);
  graphs_.erase(found);
}

}  // namespace flint
