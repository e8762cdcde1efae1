// CUDA events (torch.cuda.Event): markers recorded on the device's stream, to wait for or
// to time the work between two of them. They are kept by id, so that JS holds numbers,
// and destroyed when JS's Event is collected or the backend goes away.
#include "cuda_backend.h"

namespace flint {

cudaEvent_t CudaBackend::eventOf(int64_t id) const {
  auto found = events_.find(id);
  FLINT_CHECK(found != events_.end(), "this CUDA event was destroyed");
  return found->second;
}

double CudaBackend::eventCommand(EventCommand command, int64_t id, int64_t arg) {
  // The thread may have last selected another GPU (each backend's constructor selects its own).
  FLINT_CUDA_CHECK(cudaSetDevice(device_));
  switch (command) {
    case EventCommand::Create: {
      cudaEvent_t event = nullptr;
      FLINT_CUDA_CHECK(cudaEventCreateWithFlags(&event, arg != 0 ? cudaEventDefault : cudaEventDisableTiming));
      const int64_t created = nextEvent_++;
      events_.emplace(created, event);
      return (double)created;
    }
    case EventCommand::Record:
      // A record inside a capture would become part of the graph, where its timing means nothing.
      refuseDuringCapture("recording a CUDA event");
      FLINT_CUDA_CHECK(cudaEventRecord(eventOf(id), context_.stream));
      return 0;
    case EventCommand::Synchronize:
      refuseDuringCapture("waiting for a CUDA event");
      FLINT_CUDA_CHECK(cudaEventSynchronize(eventOf(id)));
      return 0;
    case EventCommand::Query: {
      refuseDuringCapture("querying a CUDA event");
      const cudaError_t status = cudaEventQuery(eventOf(id));
      if (status == cudaErrorNotReady) {
        cudaGetLastError();
        return 0;
      }
      FLINT_CUDA_CHECK(status);
      return 1;
    }
    case EventCommand::ElapsedTime: {
      float ms = 0;
      FLINT_CUDA_CHECK(cudaEventElapsedTime(&ms, eventOf(id), eventOf(arg)));
      return ms;
    }
    case EventCommand::Destroy: {
      auto found = events_.find(id);
      if (found != events_.end()) {
        cudaEventDestroy(found->second);
        events_.erase(found);
      }
      return 0;
    }
    case EventCommand::StreamQuery: {
      refuseDuringCapture("querying the stream");
      const cudaError_t status = cudaStreamQuery(context_.stream);
      if (status == cudaErrorNotReady) {
        cudaGetLastError();
        return 0;
      }
      FLINT_CUDA_CHECK(status);
      return 1;
    }
    default: throw Error("unknown CUDA event command");
  }
}

}  // namespace flint
