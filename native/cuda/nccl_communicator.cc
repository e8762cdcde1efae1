// torch.distributed's 'nccl' backend: flint/communicator.h's interface over NCCL, for CUDA
// tensors of one device per rank, as PyTorch's ProcessGroupNCCL runs it.
//
// Each communicator has a stream of its own. A call first makes that stream wait for what
// the backend's stream has queued (an event, so the tensors' producers finish first), then
// queues NCCL's kernels on it, then waits on the host for an event after them: the calling
// thread is the process group's worker, never the JS thread, and the addon releases the
// tensors' storages only after that. The wait polls, so that a peer that died or never
// called makes the call fail after the group's timeout: the communicator is then aborted
// (ncclCommAbort), as PyTorch's watchdog does, and every later call fails at once.
//
// gather, scatter and allToAll are grouped sends and receives (ncclGroupStart/End), as in
// PyTorch. NCCL has no receive from any source, and no tags: a group's transfers are posted
// in the order the ranks issue them (orderedTransfers), on the same stream as the
// collectives, so that two ranks that each send before receiving wait on each other (here
// until the timeout, which says so). PyTorch gives point-to-point traffic communicators
// and streams of its own per pair of ranks, so that a pending receive there does not hold
// up the group's collectives; here it does (docs/distributed.md). Also unlike PyTorch, each
// group has its own worker thread, so two groups' calls may reach NCCL in different orders
// on different ranks; and an NCCL call that itself blocks (a first connection to a peer
// that never calls) is not bounded by the timeout, which only bounds the wait afterwards.
#include "nccl_communicator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cuda_backend.h"
#include "nccl_api.h"

namespace flint {

namespace {

void checkCuda(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  cudaGetLastError();
  throw std::runtime_error(std::string("NCCL process group: ") + what + " failed: " + cudaGetErrorString(status));
}

// PyTorch's getNcclDataType: bool travels as uint8 (its reductions are remapped below).
int ncclTypeOf(DType dtype) {
  switch (dtype) {
    case DType::Int8: return kNcclInt8;
    case DType::UInt8:
    case DType::Bool: return kNcclUint8;
    case DType::Int32: return kNcclInt32;
    case DType::Int64: return kNcclInt64;
    case DType::Float16: return kNcclFloat16;
    case DType::Float32: return kNcclFloat32;
    case DType::Float64: return kNcclFloat64;
    case DType::BFloat16: return kNcclBfloat16;
    default:
      throw std::runtime_error(std::string("Unsupported data type for NCCL process group: ") + dtypeName(dtype));
  }
}

// PyTorch's getNcclReduceOp: on bool, SUM is a logical or (MAX) and PRODUCT an and (MIN);
// NCCL has no bitwise reductions.
int ncclOpOf(CommReduceOp op, DType dtype) {
  const bool boolean = dtype == DType::Bool;
  switch (op) {
    case CommReduceOp::Sum: return boolean ? kNcclMax : kNcclSum;
    case CommReduceOp::Product: return boolean ? kNcclMin : kNcclProd;
    case CommReduceOp::Min: return kNcclMin;
    case CommReduceOp::Max: return kNcclMax;
    case CommReduceOp::BitwiseAnd: throw std::runtime_error("Cannot use ReduceOp.BAND with NCCL");
    case CommReduceOp::BitwiseOr: throw std::runtime_error("Cannot use ReduceOp.BOR with NCCL");
    case CommReduceOp::BitwiseXor: throw std::runtime_error("Cannot use ReduceOp.BXOR with NCCL");
    default: throw std::runtime_error("Cannot use this ReduceOp with NCCL");
  }
}

// Memory of the communicator's own, allocated once: cudaFree and cudaFreeHost wait for the
// whole device, so nothing is freed while a call may still be in flight (a peer that hangs
// would hang the free, past any timeout). Host memory is pinned, so that copies queued on
// the communicator's stream never wait for its earlier work (a pageable one would).
class Slab {
 public:
  // Zeroed on `stream` (the communicator's, idle when this runs), and waited for, so that
  // nothing later on any stream sees the zeroing land after its own write.
  Slab(size_t deviceBytes, size_t hostBytes, cudaStream_t stream) {
    checkCuda(cudaMalloc(&device_, std::max<size_t>(deviceBytes, 1)), "cudaMalloc");
    if (cudaMallocHost(&host_, std::max<size_t>(hostBytes, 1)) != cudaSuccess) {
      cudaGetLastError();
      cudaFree(device_);
      throw std::runtime_error("NCCL process group: cudaMallocHost failed");
    }
    const cudaError_t zeroed = cudaMemsetAsync(device_, 0, std::max<size_t>(deviceBytes, 1), stream);
    const cudaError_t waited = zeroed == cudaSuccess ? cudaStreamSynchronize(stream) : zeroed;
    if (waited != cudaSuccess) {
      cudaGetLastError();
      cudaFree(device_);
      cudaFreeHost(host_);
      throw std::runtime_error(std::string("NCCL process group: cudaMemsetAsync failed: ") + cudaGetErrorString(waited));
    }
  }
  ~Slab() {
    cudaFree(device_);
    cudaFreeHost(host_);
  }
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;
  char* device() const { return static_cast<char*>(device_); }
  char* host() const { return static_cast<char*>(host_); }

 private:
  void* device_ = nullptr;
  void* host_ = nullptr;
};

// The slots that host-memory messages (the addon's size messages for send and recv) travel
// through: one per posted transfer until it is done.
class MessageSlots {
 public:
  static constexpr int kSlots = 256;
  static constexpr size_t kSlotBytes = 64;
  explicit MessageSlots(cudaStream_t stream) : slab_(kSlots * kSlotBytes, kSlots * kSlotBytes, stream), used_(kSlots, false) {}
  int take() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int i = 0; i < kSlots; i++) {
      if (!used_[i]) {
        used_[i] = true;
        return i;
      }
    }
    throw std::runtime_error("NCCL process group: more than " + std::to_string(kSlots) +
                             " sends and receives are pending; wait for some first");
  }
  void give(int slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    used_[slot] = false;
  }
  char* device(int slot) const { return slab_.device() + slot * kSlotBytes; }
  char* host(int slot) const { return slab_.host() + slot * kSlotBytes; }

 private:
  Slab slab_;
  std::mutex mutex_;
  std::vector<bool> used_;
};

class NcclCommunicator;

// A posted send or receive: an event after it on the communicator's stream, and for a host
// message the slot it travels through (a receive's is copied out once done).
class NcclTransfer final : public PendingTransfer {
 public:
  NcclTransfer(NcclCommunicator& owner, int peer, cudaEvent_t done, int slot, void* hostOut, size_t hostBytes)
      : owner_(owner), peer_(peer), done_(done), slot_(slot), hostOut_(hostOut), hostBytes_(hostBytes) {}
  ~NcclTransfer() override;
  int wait(int64_t timeoutMs) override;

 private:
  NcclCommunicator& owner_;
  int peer_;
  cudaEvent_t done_;
  int slot_;  // -1: the message was in device memory
  void* hostOut_;
  size_t hostBytes_;
  bool finished_ = false;
};

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(std::shared_ptr<NcclLibrary> nccl, ncclCommHandle comm, int rank, int size, int device,
                   cudaStream_t compute, int64_t timeoutMs)
      : nccl_(std::move(nccl)), comm_(comm), rank_(rank), size_(size), device_(device), compute_(compute),
        timeoutMs_(timeoutMs) {
    checkCuda(cudaSetDevice(device_), "cudaSetDevice");
    checkCuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    checkCuda(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");
    checkCuda(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
    try {
      // The records of every rank, then the barrier's number.
      scratch_ = std::make_unique<Slab>(kRecordBytes * (size_t)size_ + sizeof(int32_t), kRecordBytes * (size_t)size_, stream_);
      slots_ = std::make_unique<MessageSlots>(stream_);
    } catch (...) {
      scratch_.reset();
      cudaEventDestroy(ready_);
      cudaEventDestroy(done_);
      cudaStreamDestroy(stream_);
      throw;
    }
  }

  ~NcclCommunicator() override {
    cudaSetDevice(device_);
    if (!aborted_) {
      // What is still queued gets the group's timeout to finish (waitFor aborts past it):
      // ncclCommDestroy would wait for it without end.
      try {
        checkCuda(cudaEventRecord(done_, stream_), "cudaEventRecord");
        waitFor(done_, "the group's last operations", timeoutMs_);
        nccl_->commDestroy(comm_);
      } catch (const std::exception&) {
        abort();
      }
    }
    scratch_.reset();
    slots_.reset();
    cudaEventDestroy(ready_);
    cudaEventDestroy(done_);
    cudaStreamDestroy(stream_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool orderedTransfers() const override { return true; }

  void allReduce(void* data, size_t count, DType dtype, CommReduceOp op) override {
    const int type = ncclTypeOf(dtype), nop = ncclOpOf(op, dtype);
    run("allReduce", [&] { return nccl_->allReduce(data, data, count, type, nop, comm_, stream_); });
  }
  void reduce(void* data, size_t count, DType dtype, CommReduceOp op, int root) override {
    const int type = ncclTypeOf(dtype), nop = ncclOpOf(op, dtype);
    run("reduce", [&] { return nccl_->reduce(data, data, count, type, nop, root, comm_, stream_); });
  }
  void broadcast(void* data, size_t nbytes, int root) override {
    run("broadcast", [&] { return nccl_->broadcast(data, data, nbytes, kNcclUint8, root, comm_, stream_); });
  }
  void allGather(const void* input, void* output, size_t nbytes) override {
    run("allGather", [&] { return nccl_->allGather(input, output, nbytes, kNcclUint8, comm_, stream_); });
  }
  void gather(const void* input, void* output, size_t nbytes, int root) override {
    run("gather", [&] {
      return grouped([&] {
        if (rank_ != root) return nccl_->send(input, nbytes, kNcclUint8, root, comm_, stream_);
        for (int r = 0; r < size_; r++) {
          char* block = static_cast<char*>(output) + (size_t)r * nbytes;
          const ncclResultCode status = r == rank_ ? copyOnStream(block, input, nbytes)
                                                   : nccl_->recv(block, nbytes, kNcclUint8, r, comm_, stream_);
          if (status != kNcclSuccess) return status;
        }
        return kNcclSuccess;
      });
    });
  }
  void scatter(const void* input, void* output, size_t nbytes, int root) override {
    run("scatter", [&] {
      return grouped([&] {
        if (rank_ != root) return nccl_->recv(output, nbytes, kNcclUint8, root, comm_, stream_);
        for (int r = 0; r < size_; r++) {
          const char* block = static_cast<const char*>(input) + (size_t)r * nbytes;
          const ncclResultCode status = r == rank_ ? copyOnStream(output, block, nbytes)
                                                   : nccl_->send(block, nbytes, kNcclUint8, r, comm_, stream_);
          if (status != kNcclSuccess) return status;
        }
        return kNcclSuccess;
      });
    });
  }
  void allToAll(const void* input, void* output, size_t nbytesPerRank) override {
    run("allToAll", [&] {
      return grouped([&] {
        for (int r = 0; r < size_; r++) {
          const char* from = static_cast<const char*>(input) + (size_t)r * nbytesPerRank;
          char* to = static_cast<char*>(output) + (size_t)r * nbytesPerRank;
          if (r == rank_) {
            if (copyOnStream(to, from, nbytesPerRank) != kNcclSuccess) return ncclResultCode(1);
            continue;
          }
          ncclResultCode status = nccl_->send(from, nbytesPerRank, kNcclUint8, r, comm_, stream_);
          if (status == kNcclSuccess) status = nccl_->recv(to, nbytesPerRank, kNcclUint8, r, comm_, stream_);
          if (status != kNcclSuccess) return status;
        }
        return kNcclSuccess;
      });
    });
  }
  void barrier() override {
    // PyTorch's NCCL barrier: an all-reduce of one number on the group's device.
    char* flag = scratch_->device() + kRecordBytes * (size_t)size_;
    run("barrier", [&] { return nccl_->allReduce(flag, flag, 1, kNcclInt32, kNcclSum, comm_, stream_); });
  }
  void exchangeRecords(const void* mine, void* all) override {
    // Host records, gathered through the communicator's pinned and device copies of them.
    char* records = scratch_->device();
    char* pinned = scratch_->host();
    const size_t total = kRecordBytes * (size_t)size_;
    ready();
    std::memcpy(pinned + (size_t)rank_ * kRecordBytes, mine, kRecordBytes);
    checkCuda(cudaMemcpyAsync(records + (size_t)rank_ * kRecordBytes, pinned + (size_t)rank_ * kRecordBytes, kRecordBytes,
                              cudaMemcpyHostToDevice, stream_),
              "cudaMemcpyAsync");
    enqueueLocked("the ranks' agreement (ncclAllGather)", [&] {
      return nccl_->allGather(records + (size_t)rank_ * kRecordBytes, records, kRecordBytes, kNcclUint8, comm_, stream_);
    });
    checkCuda(cudaMemcpyAsync(pinned, records, total, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync");
    finish("the ranks' agreement before a collective");
    std::memcpy(all, pinned, total);
  }

  std::unique_ptr<PendingTransfer> send(const void* data, size_t nbytes, int peer, int, uint32_t) override {
    return post("send", const_cast<void*>(data), nbytes, peer, true);
  }
  std::unique_ptr<PendingTransfer> recv(void* data, size_t nbytes, int peer, int, uint32_t) override {
    return post("recv", data, nbytes, peer, false);
  }
  std::unique_ptr<PendingTransfer> recvAny(void*, size_t, int, uint32_t) override {
    throw std::runtime_error("the NCCL backend cannot receive from any rank (as PyTorch's ProcessGroupNCCL): give recv a src");
  }

  // Polls `event` until it has happened; past the timeout, or when NCCL reports a failure,
  // aborts the communicator and throws. Transfers wait here from their own threads, which
  // is safe: event queries and ncclCommAbort may run beside the worker's calls.
  void waitFor(cudaEvent_t event, const char* what, int64_t timeoutMs) {
    const auto start = std::chrono::steady_clock::now();
    auto pause = std::chrono::microseconds(20);
    for (;;) {
      if (aborted_) throw std::runtime_error(abortedMessage(what));
      const cudaError_t status = cudaEventQuery(event);
      if (status == cudaSuccess) return;
      if (status != cudaErrorNotReady) checkCuda(status, what);
      ncclResultCode async = kNcclSuccess;
      {
        // Not waited for: the worker may hold the lock inside an NCCL call that blocks, and
        // this wait's timeout must still fire.
        std::unique_lock<std::mutex> lock(commMutex_, std::try_to_lock);
        if (aborted_) throw std::runtime_error(abortedMessage(what));
        if (lock.owns_lock() && nccl_->commGetAsyncError(comm_, &async) != kNcclSuccess) async = kNcclSuccess;
      }
      if (async != kNcclSuccess && async != kNcclInProgress) {
        abort();
        throw std::runtime_error(std::string("NCCL error in ") + what + ": " + nccl_->getErrorString(async) +
                                 " (a peer failed; the communicator was aborted)");
      }
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      if (waited.count() >= timeoutMs) {
        abort();
        throw std::runtime_error(std::string("NCCL ") + what + " timed out after " + std::to_string(timeoutMs) +
                                 " ms: a peer exited, hung, or never called it (the communicator was aborted)");
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
    }
  }
  int64_t timeoutMs() const { return timeoutMs_; }
  int device() const { return device_; }

 private:
  static constexpr size_t kRecordBytes = Communicator::kRecordBytes;

  // One collective: after the backend's queued work, then waited for.
  template <class Enqueue>
  void run(const char* what, Enqueue enqueue) {
    ready();
    enqueueLocked(what, enqueue);
    finish(what);
  }

  // Every call that uses comm_ holds commMutex_ and finds it not aborted: a transfer's
  // thread may abort it (ncclCommAbort frees it) while the worker is about to use it.
  template <class Enqueue>
  void enqueueLocked(const char* what, Enqueue enqueue) {
    std::lock_guard<std::mutex> lock(commMutex_);
    if (abortWanted_) abortLocked();
    if (aborted_) throw std::runtime_error(abortedMessage(what));
    const ncclResultCode status = enqueue();
    if (abortWanted_) {
      abortLocked();
      throw std::runtime_error(abortedMessage(what));
    }
    nccl_->check(status, what, comm_);
  }

  // Makes the communicator's stream wait for what the backend's stream has queued.
  void ready() {
    if (aborted_) throw std::runtime_error(abortedMessage("this collective"));
    checkCuda(cudaSetDevice(device_), "cudaSetDevice");
    checkCuda(cudaEventRecord(ready_, compute_), "cudaEventRecord");
    checkCuda(cudaStreamWaitEvent(stream_, ready_, 0), "cudaStreamWaitEvent");
  }

  void finish(const char* what) {
    checkCuda(cudaEventRecord(done_, stream_), "cudaEventRecord");
    waitFor(done_, what, timeoutMs_);
  }

  template <class Body>
  ncclResultCode grouped(Body body) {
    ncclResultCode status = nccl_->groupStart();
    if (status != kNcclSuccess) return status;
    const ncclResultCode inner = body();
    status = nccl_->groupEnd();
    return inner != kNcclSuccess ? inner : status;
  }

  // A rank's own block: a copy on the communicator's stream, inside the group's order.
  ncclResultCode copyOnStream(void* to, const void* from, size_t nbytes) {
    return cudaMemcpyAsync(to, from, nbytes, cudaMemcpyDeviceToDevice, stream_) == cudaSuccess ? kNcclSuccess : ncclResultCode(1);
  }

  std::unique_ptr<PendingTransfer> post(const char* what, void* data, size_t nbytes, int peer, bool sending) {
    ready();
    // The addon's size messages live in host memory: they travel through a slot.
    cudaPointerAttributes attributes{};
    const bool onHost = cudaPointerGetAttributes(&attributes, data) != cudaSuccess || attributes.type != cudaMemoryTypeDevice;
    cudaGetLastError();
    if (onHost && nbytes > MessageSlots::kSlotBytes) {
      throw std::runtime_error(std::string("NCCL ") + what + ": tensors must be CUDA tensors of the group's device");
    }
    const int slot = onHost ? slots_->take() : -1;
    cudaEvent_t event = nullptr;
    try {
      void* buffer = data;
      if (onHost) {
        buffer = slots_->device(slot);
        if (sending) {
          std::memcpy(slots_->host(slot), data, nbytes);
          checkCuda(cudaMemcpyAsync(buffer, slots_->host(slot), nbytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync");
        }
      }
      enqueueLocked(what, [&] {
        return sending ? nccl_->send(buffer, nbytes, kNcclUint8, peer, comm_, stream_)
                       : nccl_->recv(buffer, nbytes, kNcclUint8, peer, comm_, stream_);
      });
      if (onHost && !sending) {
        checkCuda(cudaMemcpyAsync(slots_->host(slot), buffer, nbytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync");
      }
      checkCuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
      checkCuda(cudaEventRecord(event, stream_), "cudaEventRecord");
    } catch (...) {
      if (event != nullptr) cudaEventDestroy(event);
      // A slot whose copies may still be queued is not handed out again.
      throw;
    }
    return std::make_unique<NcclTransfer>(*this, peer, event, slot, onHost && !sending ? data : nullptr, nbytes);
  }

 public:
  void releaseSlot(int slot) {
    if (slot >= 0 && slots_) slots_->give(slot);
  }
  const char* slotHost(int slot) const { return slots_->host(slot); }

 private:
  // Aborts now, or, when the worker holds the communicator inside an NCCL call, as soon
  // as that call returns (enqueueLocked): aborting under it would free what it uses.
  void abort() {
    std::unique_lock<std::mutex> lock(commMutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      abortWanted_ = true;
      return;
    }
    abortLocked();
  }
  void abortLocked() {
    if (aborted_) return;
    aborted_ = true;
    nccl_->commAbort(comm_);
  }
  static std::string abortedMessage(const char* what) {
    return std::string("NCCL ") + what + ": the communicator was aborted after an earlier failure or timeout; destroy "
                                         "the process group and make a new one";
  }

  std::shared_ptr<NcclLibrary> nccl_;
  ncclCommHandle comm_;
  int rank_, size_, device_;
  cudaStream_t compute_;
  int64_t timeoutMs_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;
  std::unique_ptr<Slab> scratch_;
  std::unique_ptr<MessageSlots> slots_;
  std::mutex commMutex_;  // held by every call that uses comm_ (see enqueueLocked)
  std::atomic<bool> aborted_{false};
  std::atomic<bool> abortWanted_{false};  // a timeout while the worker held the lock
};

NcclTransfer::~NcclTransfer() {
  cudaEventDestroy(done_);
  // A slot is reused only once its copies are done; after a failed wait it stays taken.
  if (finished_) owner_.releaseSlot(slot_);
}

int NcclTransfer::wait(int64_t timeoutMs) {
  owner_.waitFor(done_, "send/recv", timeoutMs);
  if (hostOut_ != nullptr) std::memcpy(hostOut_, owner_.slotHost(slot_), hostBytes_);
  finished_ = true;
  return peer_;
}

// ncclCommInitRank blocks until every rank has called it. It runs on a thread of its own,
// so that a rank that never arrives fails the others after the timeout; a communicator
// made after the caller gave up is aborted by the thread that made it.
struct PendingInit {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false, abandoned = false;
  ncclResultCode status = kNcclSuccess;
  ncclCommHandle comm = nullptr;
};

ncclCommHandle initCommunicator(const std::shared_ptr<NcclLibrary>& nccl, int device, int size, int rank,
                                const NcclUniqueId& id, int64_t timeoutMs) {
  auto pending = std::make_shared<PendingInit>();
  std::thread([nccl, pending, device, size, rank, id] {
    ncclCommHandle comm = nullptr;
    ncclResultCode status = cudaSetDevice(device) == cudaSuccess ? nccl->commInitRank(&comm, size, id, rank) : ncclResultCode(1);
    std::lock_guard<std::mutex> lock(pending->mutex);
    if (pending->abandoned) {
      if (status == kNcclSuccess) nccl->commAbort(comm);
      return;
    }
    pending->status = status, pending->comm = comm, pending->done = true;
    pending->finished.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(pending->mutex);
  if (!pending->finished.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return pending->done; })) {
    pending->abandoned = true;
    throw std::runtime_error("NCCL: the ranks did not all join within " + std::to_string(timeoutMs) +
                             " ms (ncclCommInitRank): a rank exited, or never called initProcessGroup");
  }
  nccl->check(pending->status, "ncclCommInitRank");
  return pending->comm;
}

Communicator* connectNccl(const CommConnectOptions& options, RendezvousStore& store, std::string& error) {
  try {
    if (options.device == nullptr || options.device->type() != DeviceType::CUDA) {
      throw std::runtime_error("the NCCL backend needs the CUDA device of the group");
    }
    auto* backend = static_cast<CudaBackend*>(options.device);
    const int device = backend->context().device;
    auto nccl = std::make_shared<NcclLibrary>();
    checkCuda(cudaSetDevice(device), "cudaSetDevice");
    // Rank 0 makes the id and publishes it through the rendezvous store, as PyTorch does.
    NcclUniqueId id{};
    const std::string key = "nccl_unique_id";
    if (options.rank == 0) {
      nccl->check(nccl->getUniqueId(&id), "ncclGetUniqueId");
      store.set(key, std::vector<char>(id.internal, id.internal + kNcclUniqueIdBytes));
    } else {
      const std::vector<char> bytes = store.get(key);
      if (bytes.size() != kNcclUniqueIdBytes) {
        throw std::runtime_error("NCCL: rank 0's id in the rendezvous store has " + std::to_string(bytes.size()) +
                                 " bytes, expected " + std::to_string(kNcclUniqueIdBytes));
      }
      std::memcpy(id.internal, bytes.data(), kNcclUniqueIdBytes);
    }
    ncclCommHandle comm = initCommunicator(nccl, device, options.size, options.rank, id, options.timeoutMs);
    try {
      return new NcclCommunicator(nccl, comm, options.rank, options.size, device, backend->context().stream, options.timeoutMs);
    } catch (...) {
      nccl->commDestroy(comm);
      throw;
    }
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

const CommApi kNcclApi{connectNccl};

}  // namespace

const CommApi* ncclCommApi() { return &kNcclApi; }

}  // namespace flint
