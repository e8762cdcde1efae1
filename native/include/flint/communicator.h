// The interface of a collective-communication library, as the addon's process groups drive
// it: gloo, in its own shared object (build-gloo/flint_gloo.so), and NCCL, inside the CUDA
// backend's (flint_cuda.so, native/cuda/nccl_communicator.cc). Each is opened with dlopen
// only when torch.distributed asks for it, so the addon itself never links against either.
//
// Every call blocks its caller (a process group's own thread, never the JS thread) until
// it is done, and throws std::exception with a message on failure: a peer that closed
// its connection, a timeout. Buffers are contiguous and the same size on every rank as the
// collective requires: host memory for gloo; for NCCL, device memory of the group's device,
// except the small host buffers of exchangeRecords and of the size messages of send and
// recv, which it stages itself. The addon checks buffers against their storages, and
// checks that the ranks agree before each collective, since gloo aborts the process when a
// peer's message is longer than the buffer it lands in (and NCCL hangs or corrupts).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flint/dtype.h"

namespace flint {

class Backend;

// The key-value store that ranks meet through (torch.distributed's TCPStore or
// FileStore). The addon forwards each call to the JS store of the process group.
class RendezvousStore {
 public:
  virtual ~RendezvousStore() = default;
  virtual void set(const std::string& key, const std::vector<char>& value) = 0;
  // Waits for the key to be set (up to the store's timeout), then returns its value.
  virtual std::vector<char> get(const std::string& key) = 0;
  // Waits until every key is set; throws after `timeoutMs`.
  virtual void wait(const std::vector<std::string>& keys, int64_t timeoutMs) = 0;
};

// A posted send or receive, which completes when the peer posts its half.
class PendingTransfer {
 public:
  virtual ~PendingTransfer() = default;
  // Blocks until done and returns the peer's rank; throws after `timeoutMs` or when the
  // connection fails.
  virtual int wait(int64_t timeoutMs) = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place: every rank ends with the reduction of every rank's `data`.
  virtual void allReduce(void* data, size_t count, DType dtype, CommReduceOp op) = 0;
  // In place: rank `root` ends with the reduction; the others' `data` is left as it was.
  virtual void reduce(void* data, size_t count, DType dtype, CommReduceOp op, int root) = 0;
  virtual void broadcast(void* data, size_t nbytes, int root) = 0;
  // `output` holds size() blocks of `nbytes`, rank r's input in block r.
  virtual void allGather(const void* input, void* output, size_t nbytes) = 0;
  // As allGather, with the output only on `root` (null elsewhere).
  virtual void gather(const void* input, void* output, size_t nbytes, int root) = 0;
  // `input` (only on `root`) holds size() blocks of `nbytes`; block r goes to rank r.
  virtual void scatter(const void* input, void* output, size_t nbytes, int root) = 0;
  // Block r of every rank's input goes to rank r, into the block of the sender's rank.
  virtual void allToAll(const void* input, void* output, size_t nbytesPerRank) = 0;
  virtual void barrier() = 0;
  // Every rank's record of kRecordBytes, rank r's in block r of `all` (size() blocks): the
  // ranks' agreement before each collective. Its receives are posted ahead, one exchange
  // in advance, so that it costs one message's latency instead of a round trip.
  static constexpr size_t kRecordBytes = 64;
  virtual void exchangeRecords(const void* mine, void* all) = 0;
  // Posts without waiting: a send completes once the peer receives on the same channel
  // with the same tag. The two sides' sizes must agree (gloo aborts the process on a
  // message longer than the receive), so the addon first sends each message's size on
  // channel 0, and the message itself on channel 1 (distributed.cc).
  virtual std::unique_ptr<PendingTransfer> send(const void* data, size_t nbytes, int peer, int channel, uint32_t tag) = 0;
  virtual std::unique_ptr<PendingTransfer> recv(void* data, size_t nbytes, int peer, int channel, uint32_t tag) = 0;
  // A receive from whichever rank sends first (its wait() says which).
  virtual std::unique_ptr<PendingTransfer> recvAny(void* data, size_t nbytes, int channel, uint32_t tag) = 0;
  // Whether every call, posted transfers included, must come from the group's one worker
  // thread in the order the ranks agree on (NCCL: a communicator is not thread-safe, and
  // its sends and receives have no tags). The addon then receives a message's size and
  // posts the message's receive on the worker, instead of on the transfer's own thread.
  virtual bool orderedTransfers() const { return false; }
};

// How a rank joins a group.
struct CommConnectOptions {
  int rank;
  int size;
  const char* hostname;  // the address this rank listens on, for its peers
  const char* iface;     // or the network interface to listen on ("" for none)
  int64_t timeoutMs;     // for connecting and for every later operation
  Backend* device;       // NCCL: the CUDA backend whose memory and stream it uses (null for gloo)
};

// The library's entry table; the addon calls it only after the library's ABI hash has
// matched its own (flint/abi.generated.h), so both were built from these declarations.
struct CommApi {
  // Connects this rank to every other through `store`; null, with the reason in `error`,
  // on failure. The caller owns the result.
  Communicator* (*connect)(const CommConnectOptions& options, RendezvousStore& store, std::string& error);
};

}  // namespace flint

extern "C" {
// The ABI hash the library was compiled with (flint::kAbiHash). Never throws.
__attribute__((visibility("default"))) const char* flint_comm_abi();
__attribute__((visibility("default"))) const flint::CommApi* flint_comm_api();
}
