// The gloo communicator: torch.distributed's "gloo" backend for CPU tensors, over TCP.
// Built as its own library (build-gloo/flint_gloo.so, linked against Debian's libgloo)
// so that the addon needs gloo only when a gloo group is made (flint/communicator.h).
// Every collective is gloo's own algorithm; this file only maps dtypes and reductions.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/alltoall.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/gather.h>
#include <gloo/reduce.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/scatter.h>
#include <gloo/transport/tcp/device.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "flint/abi.generated.h"
#include "flint/communicator.h"

namespace flint {
namespace {

using Milliseconds = std::chrono::milliseconds;

// gloo's rendezvous asks its store through this adapter; the addon's store answers.
class StoreAdapter final : public gloo::rendezvous::Store {
 public:
  StoreAdapter(RendezvousStore& store, int64_t timeoutMs) : store_(store), timeoutMs_(timeoutMs) {}
  void set(const std::string& key, const std::vector<char>& data) override { store_.set(key, data); }
  std::vector<char> get(const std::string& key) override { return store_.get(key); }
  void wait(const std::vector<std::string>& keys) override { store_.wait(keys, timeoutMs_); }
  void wait(const std::vector<std::string>& keys, const Milliseconds& timeout) override {
    store_.wait(keys, timeout.count());
  }

 private:
  RendezvousStore& store_;
  int64_t timeoutMs_;
};

// A reduction over elements stored as T, computed in C (the type arithmetic happens in).
// Half types are widened to float for each element, as PyTorch's gloo backend does.
template <typename T, typename C, typename Load, typename Store, typename Op>
void reduceElements(void* out, const void* a, const void* b, size_t n, Load load, Store store, Op op) {
  T* o = static_cast<T*>(out);
  const T* x = static_cast<const T*>(a);
  const T* y = static_cast<const T*>(b);
  for (size_t i = 0; i < n; i++) o[i] = store(op(C(load(x[i])), C(load(y[i]))));
}

template <typename T, typename C, typename Load, typename Store>
gloo::AllreduceOptions::Func reduction(CommReduceOp op, Load load, Store store) {
  switch (op) {
    case CommReduceOp::Sum:
      return [=](void* o, const void* a, const void* b, size_t n) {
        reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return C(x + y); });
      };
    case CommReduceOp::Product:
      return [=](void* o, const void* a, const void* b, size_t n) {
        reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return C(x * y); });
      };
    case CommReduceOp::Min:
      // NaN wins, as torch.minimum's does.
      return [=](void* o, const void* a, const void* b, size_t n) {
        reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return x != x ? x : (y < x ? y : x); });
      };
    case CommReduceOp::Max:
      return [=](void* o, const void* a, const void* b, size_t n) {
        reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return x != x ? x : (y > x ? y : x); });
      };
    default:
      break;
  }
  if constexpr (std::is_integral_v<C>) {
    switch (op) {
      case CommReduceOp::BitwiseAnd:
        return [=](void* o, const void* a, const void* b, size_t n) {
          reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return C(x & y); });
        };
      case CommReduceOp::BitwiseOr:
        return [=](void* o, const void* a, const void* b, size_t n) {
          reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return C(x | y); });
        };
      case CommReduceOp::BitwiseXor:
        return [=](void* o, const void* a, const void* b, size_t n) {
          reduceElements<T, C>(o, a, b, n, load, store, [](C x, C y) { return C(x ^ y); });
        };
      default:
        break;
    }
  }
  throw std::invalid_argument("this reduction is not defined for floating-point tensors");
}

template <typename T>
gloo::AllreduceOptions::Func plainReduction(CommReduceOp op) {
  auto same = [](T v) { return v; };
  return reduction<T, T>(op, same, same);
}

gloo::AllreduceOptions::Func reductionFor(DType dtype, CommReduceOp op) {
  switch (dtype) {
    case DType::Float32: return plainReduction<float>(op);
    case DType::Float64: return plainReduction<double>(op);
    case DType::Int64: return plainReduction<int64_t>(op);
    case DType::Int32: return plainReduction<int32_t>(op);
    case DType::Int16: return plainReduction<int16_t>(op);
    case DType::Int8: return plainReduction<int8_t>(op);
    case DType::UInt8: return plainReduction<uint8_t>(op);
    case DType::Bool: {
      // Sum and max are "or", product and min are "and", as in PyTorch.
      auto load = [](uint8_t v) { return v != 0; };
      auto store = [](bool v) { return uint8_t(v ? 1 : 0); };
      CommReduceOp logical = op == CommReduceOp::Sum || op == CommReduceOp::Max ? CommReduceOp::BitwiseOr
                             : op == CommReduceOp::Product || op == CommReduceOp::Min ? CommReduceOp::BitwiseAnd
                                                                                     : op;
      return reduction<uint8_t, bool>(logical, load, store);
    }
    case DType::Float16:
      return reduction<uint16_t, float>(op, halfToFloat, floatToHalf);
    case DType::BFloat16:
      return reduction<uint16_t, float>(op, bfloat16ToFloat, floatToBFloat16);
    default:
      throw std::invalid_argument("unsupported dtype for a reduction");
  }
}

class GlooTransfer final : public PendingTransfer {
 public:
  GlooTransfer(std::unique_ptr<gloo::transport::UnboundBuffer> buffer, bool sending)
      : buffer_(std::move(buffer)), sending_(sending) {}
  int wait(int64_t timeoutMs) override {
    const Milliseconds timeout(timeoutMs);
    int peer = -1;
    if (sending_ ? !buffer_->waitSend(&peer, timeout) : !buffer_->waitRecv(&peer, timeout)) {
      throw std::runtime_error(sending_ ? "the send was aborted" : "the receive was aborted");
    }
    return peer;
  }

 private:
  std::unique_ptr<gloo::transport::UnboundBuffer> buffer_;
  bool sending_;
};

// Point-to-point messages use slots apart from every collective's: gloo builds
// collective slots from prefixes below 0x20, so these prefixes (one per channel) cannot
// meet them.
constexpr uint8_t kPointToPointPrefix = 0x70;

// The records of exchangeRecords travel on their own slots, apart from the collectives'.
constexpr uint8_t kRecordPrefix = 0x72;

class GlooCommunicator final : public Communicator {
 public:
  GlooCommunicator(std::shared_ptr<gloo::rendezvous::Context> context, Milliseconds timeout)
      : context_(std::move(context)), timeout_(timeout), recordArea_(kRecordBytes * context_->size),
        sentRecord_(kRecordBytes) {
    recordIn_ = context_->createUnboundBuffer(recordArea_.data(), recordArea_.size());
    recordOut_ = context_->createUnboundBuffer(sentRecord_.data(), sentRecord_.size());
    postRecordReceives();
  }

  void exchangeRecords(const void* mine, void* all) override {
    std::memcpy(sentRecord_.data(), mine, kRecordBytes);
    const uint64_t slot = gloo::Slot::build(kRecordPrefix, recordRound_);
    for (int peer = 0; peer < size(); peer++) {
      if (peer != rank()) recordOut_->send(peer, slot);
    }
    for (int peer = 0; peer < size(); peer++) {
      if (peer != rank() && !recordIn_->waitRecv(timeout_)) throw std::runtime_error("the agreement check was aborted");
    }
    for (int peer = 0; peer < size(); peer++) {
      if (peer != rank() && !recordOut_->waitSend(timeout_)) throw std::runtime_error("the agreement check was aborted");
    }
    std::memcpy(all, recordArea_.data(), recordArea_.size());
    std::memcpy(static_cast<uint8_t*>(all) + rank() * kRecordBytes, mine, kRecordBytes);
    recordRound_++;
    postRecordReceives();
  }
  int rank() const override { return context_->rank; }
  int size() const override { return context_->size; }

  void allReduce(void* data, size_t count, DType dtype, CommReduceOp op) override {
    if (count == 0) return barrier();
    gloo::AllreduceOptions options(context_);
    setTypedOutput(options, data, count, dtype);
    options.setReduceFunction(reductionFor(dtype, op));
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::allreduce(options);
  }

  void reduce(void* data, size_t count, DType dtype, CommReduceOp op, int root) override {
    if (count == 0) return barrier();
    // gloo works in the output buffer of every rank; only the root's is the result, so
    // the others reduce into a copy and keep their tensor as it was (as PyTorch's do).
    std::vector<uint8_t> scratch;
    uint8_t* target = static_cast<uint8_t*>(data);
    if (rank() != root) {
      scratch.assign(target, target + count * itemSize(dtype));
      target = scratch.data();
    }
    gloo::ReduceOptions options(context_);
    setTypedOutput(options, target, count, dtype);
    options.setRoot(root);
    options.setReduceFunction(reductionFor(dtype, op));
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::reduce(options);
  }

  void broadcast(void* data, size_t nbytes, int root) override {
    gloo::BroadcastOptions options(context_);
    options.setOutput(static_cast<uint8_t*>(data), nbytes);
    options.setRoot(root);
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::broadcast(options);
  }

  void allGather(const void* input, void* output, size_t nbytes) override {
    gloo::AllgatherOptions options(context_);
    options.setInput(const_cast<uint8_t*>(static_cast<const uint8_t*>(input)), nbytes);
    options.setOutput(static_cast<uint8_t*>(output), nbytes * size());
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::allgather(options);
  }

  void gather(const void* input, void* output, size_t nbytes, int root) override {
    gloo::GatherOptions options(context_);
    options.setInput(const_cast<uint8_t*>(static_cast<const uint8_t*>(input)), nbytes);
    if (rank() == root) options.setOutput(static_cast<uint8_t*>(output), nbytes * size());
    options.setRoot(root);
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::gather(options);
  }

  void scatter(const void* input, void* output, size_t nbytes, int root) override {
    gloo::ScatterOptions options(context_);
    if (rank() == root) {
      std::vector<uint8_t*> blocks;
      for (int r = 0; r < size(); r++) {
        blocks.push_back(const_cast<uint8_t*>(static_cast<const uint8_t*>(input)) + r * nbytes);
      }
      options.setInputs(blocks, nbytes);
    }
    options.setOutput(static_cast<uint8_t*>(output), nbytes);
    options.setRoot(root);
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::scatter(options);
  }

  void allToAll(const void* input, void* output, size_t nbytesPerRank) override {
    gloo::AlltoallOptions options(context_);
    options.setInput(const_cast<uint8_t*>(static_cast<const uint8_t*>(input)), nbytesPerRank * size());
    options.setOutput(static_cast<uint8_t*>(output), nbytesPerRank * size());
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::alltoall(options);
  }

  void barrier() override {
    gloo::BarrierOptions options(context_);
    options.setTag(nextTag());
    options.setTimeout(timeout_);
    gloo::barrier(options);
  }

  std::unique_ptr<PendingTransfer> send(const void* data, size_t nbytes, int peer, int channel,
                                        uint32_t tag) override {
    auto buffer = context_->createUnboundBuffer(const_cast<void*>(data), nbytes);
    buffer->send(peer, gloo::Slot::build(uint8_t(kPointToPointPrefix + channel), tag));
    return std::make_unique<GlooTransfer>(std::move(buffer), true);
  }

  std::unique_ptr<PendingTransfer> recvAny(void* data, size_t nbytes, int channel, uint32_t tag) override {
    std::vector<int> peers;
    for (int r = 0; r < size(); r++) {
      if (r != rank()) peers.push_back(r);
    }
    auto buffer = context_->createUnboundBuffer(data, nbytes);
    buffer->recv(peers, gloo::Slot::build(uint8_t(kPointToPointPrefix + channel), tag));
    return std::make_unique<GlooTransfer>(std::move(buffer), false);
  }

  std::unique_ptr<PendingTransfer> recv(void* data, size_t nbytes, int peer, int channel, uint32_t tag) override {
    auto buffer = context_->createUnboundBuffer(data, nbytes);
    buffer->recv(peer, gloo::Slot::build(uint8_t(kPointToPointPrefix + channel), tag));
    return std::make_unique<GlooTransfer>(std::move(buffer), false);
  }

 private:
  // The output as elements of the dtype's size: gloo cuts its segments, and counts what
  // it hands the reduction, in elements, so that no element is ever split.
  template <typename Options>
  static void setTypedOutput(Options& options, void* data, size_t count, DType dtype) {
    switch (itemSize(dtype)) {
      case 1: return options.setOutput(static_cast<uint8_t*>(data), count);
      case 2: return options.setOutput(static_cast<uint16_t*>(data), count);
      case 4: return options.setOutput(static_cast<uint32_t*>(data), count);
      case 8: return options.setOutput(static_cast<uint64_t*>(data), count);
      default: throw std::invalid_argument("unsupported element size");
    }
  }
  // Collectives run one at a time, in the order every rank issues them, so a counter
  // gives each the same tag on every rank.
  uint32_t nextTag() { return tag_++; }

  // The next round's receives, posted as soon as a round ends, so that the peers' records
  // are written as soon as they are sent.
  void postRecordReceives() {
    const uint64_t slot = gloo::Slot::build(kRecordPrefix, recordRound_);
    for (int peer = 0; peer < size(); peer++) {
      if (peer != rank()) recordIn_->recv(peer, slot, peer * kRecordBytes, kRecordBytes);
    }
  }

  std::shared_ptr<gloo::rendezvous::Context> context_;
  Milliseconds timeout_;
  uint32_t tag_ = 0;
  std::vector<uint8_t> recordArea_, sentRecord_;
  std::unique_ptr<gloo::transport::UnboundBuffer> recordIn_, recordOut_;
  uint32_t recordRound_ = 0;
};

Communicator* connect(const CommConnectOptions& options, RendezvousStore& store, std::string& error) {
  try {
    gloo::transport::tcp::attr attr;
    if (options.iface != nullptr && options.iface[0] != '\0') {
      attr.iface = options.iface;
    } else {
      attr.hostname = options.hostname;
    }
    auto device = gloo::transport::tcp::CreateDevice(attr);
    auto context = std::make_shared<gloo::rendezvous::Context>(options.rank, options.size);
    const Milliseconds timeout(options.timeoutMs);
    context->setTimeout(timeout);
    StoreAdapter adapter(store, options.timeoutMs);
    context->connectFullMesh(adapter, device);
    return new GlooCommunicator(std::move(context), timeout);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

const CommApi kApi = {connect};

}  // namespace
}  // namespace flint

extern "C" const char* flint_comm_abi() { return flint::kAbiHash; }
extern "C" const flint::CommApi* flint_comm_api() { return &flint::kApi; }
