// torch.distributed's process groups. A group owns a communicator (flint/communicator.h,
// from a library opened with dlopen) and threads of its own, so the JS thread never
// waits on the network: a worker runs the collectives one at a time in the order JS
// issued them (the order every rank issues them in), and each posted send or receive
// waits on its own thread, since it completes only when its peer posts the other half. Each collective retains
// its storages until JS hears it is done, through a thread-safe function that settles
// its promise and releases them on the JS thread.
#include <dlfcn.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "arguments.h"
#include "entries.generated.h"
#include "flint/abi.generated.h"
#include "flint/communicator.h"

namespace flint {

namespace {

struct DistJob {
  CollectiveKind kind{};
  DType dtype{};
  CommReduceOp op{};
  int root = 0;
  uint32_t tag = 0;
  Storage* input = nullptr;
  size_t inputOffset = 0, inputBytes = 0;
  Storage* output = nullptr;
  size_t outputOffset = 0, outputBytes = 0;
  bool connect = false;  // the group's first job: joining the others
  // A send or receive: the size message (channel 0), then the message (channel 1). A
  // message of another size than the receive's lands in `scratch`, and the receive fails.
  uint64_t sizeMessage = 0;
  std::unique_ptr<PendingTransfer> sizeTransfer, transfer;
  std::vector<uint8_t> scratch;
  napi_deferred deferred = nullptr;  // touched on the JS thread only
  std::weak_ptr<class DistProcessGroup> owner;

  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::string error;

  uint8_t* in() const { return input ? static_cast<uint8_t*>(input->data) + inputOffset : nullptr; }
  uint8_t* out() const { return output ? static_cast<uint8_t*>(output->data) + outputOffset : nullptr; }
  void finish(std::string why) {
    std::lock_guard<std::mutex> lock(mutex);
    error = std::move(why);
    done = true;
    finished.notify_all();
  }
};
using JobPtr = std::shared_ptr<DistJob>;

// A request from the worker thread to the JS store, answered on the JS thread.
struct StoreRequest {
  std::string op;
  std::vector<std::string> keys;
  std::vector<char> value;
  int64_t timeoutMs = 0;
  std::promise<std::vector<char>> answer;
};
using StoreRequestPtr = std::shared_ptr<StoreRequest>;

class JsStore final : public RendezvousStore {
 public:
  JsStore(Napi::ThreadSafeFunction calls, int64_t timeoutMs) : calls_(calls), timeoutMs_(timeoutMs) {}
  void set(const std::string& key, const std::vector<char>& value) override { ask("set", {key}, value, timeoutMs_); }
  std::vector<char> get(const std::string& key) override { return ask("get", {key}, {}, timeoutMs_); }
  void wait(const std::vector<std::string>& keys, int64_t timeoutMs) override { ask("wait", keys, {}, timeoutMs); }

 private:
  std::vector<char> ask(const char* op, std::vector<std::string> keys, std::vector<char> value, int64_t timeoutMs) {
    auto request = std::make_shared<StoreRequest>();
    request->op = op, request->keys = std::move(keys), request->value = std::move(value);
    request->timeoutMs = timeoutMs;
    std::future<std::vector<char>> answer = request->answer.get_future();
    auto* data = new StoreRequestPtr(request);
    if (calls_.BlockingCall(data, callStore) != napi_ok) {
      delete data;
      throw std::runtime_error("the process group's JS environment is shutting down");
    }
    // The JS store times itself out; this bound only guards against a JS thread that
    // never answers (one blocked in a synchronous wait on this very group).
    if (answer.wait_for(std::chrono::milliseconds(timeoutMs + 60000)) != std::future_status::ready) {
      throw std::runtime_error("the rendezvous store did not answer: is the JS thread blocked?");
    }
    return answer.get();
  }

  static void callStore(Napi::Env env, Napi::Function store, StoreRequestPtr* data) {
    StoreRequestPtr request = *data;
    delete data;
    if (env == nullptr) return;  // torn down: the worker's BlockingCall already failed or will time out
    try {
      Napi::Array keys = Napi::Array::New(env, request->keys.size());
      for (size_t i = 0; i < request->keys.size(); i++) keys.Set(i, request->keys[i]);
      Napi::Value value = env.Null();
      if (request->op == "set") {
        Napi::Uint8Array bytes = Napi::Uint8Array::New(env, request->value.size());
        if (!request->value.empty()) std::memcpy(bytes.Data(), request->value.data(), request->value.size());
        value = bytes;
      }
      Napi::Value promise = store.Call({Napi::String::New(env, request->op), keys, value,
                                        Napi::Number::New(env, (double)request->timeoutMs)});
      Napi::Function onAnswer = Napi::Function::New(env, [request](const Napi::CallbackInfo& info) {
        std::vector<char> bytes;
        if (info.Length() > 0 && info[0].IsTypedArray()) {
          Napi::TypedArray array = info[0].As<Napi::TypedArray>();
          const char* start = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
          bytes.assign(start, start + array.ByteLength());
        }
        request->answer.set_value(std::move(bytes));
      });
      Napi::Function onError = Napi::Function::New(env, [request](const Napi::CallbackInfo& info) {
        std::string message = "the rendezvous store failed";
        if (info.Length() > 0 && info[0].IsObject()) {
          Napi::Value text = info[0].As<Napi::Object>().Get("message");
          if (text.IsString()) message = text.As<Napi::String>().Utf8Value();
        }
        request->answer.set_exception(std::make_exception_ptr(std::runtime_error(message)));
      });
      promise.As<Napi::Object>().Get("then").As<Napi::Function>().Call(promise, {onAnswer, onError});
    } catch (const std::exception& error) {
      request->answer.set_exception(std::make_exception_ptr(std::runtime_error(error.what())));
    }
  }

  Napi::ThreadSafeFunction calls_;
  int64_t timeoutMs_;
};

class DistProcessGroup {
 public:
  DistProcessGroup(const CommApi* api, CommConnectOptions options, std::string hostname, std::string iface,
                   Napi::ThreadSafeFunction completions, Napi::ThreadSafeFunction storeCalls)
      : api_(api), options_(options), hostname_(std::move(hostname)), iface_(std::move(iface)),
        completions_(completions), storeCalls_(storeCalls) {
    options_.hostname = hostname_.c_str();
    options_.iface = iface_.c_str();
    worker_ = std::thread([this] { runWorker(); });
  }
  ~DistProcessGroup() { stop(); }

  int rank() const { return options_.rank; }
  int size() const { return options_.size; }
  int64_t timeoutMs() const { return options_.timeoutMs; }
  bool stopped() const { return stopped_; }
  // The CUDA backend of an NCCL group, whose storages its collectives take; null for gloo.
  Backend* device() const { return options_.device; }

  // Queues a job (on the JS thread): its promise settles when the worker is done.
  Napi::Value submit(Napi::Env env, JobPtr job);

  // Fails what has not started, lets what runs finish, joins both threads and closes the
  // connections. On the JS thread; a second call does nothing.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      for (JobPtr& job : queue_) job->finish("the process group was destroyed before this operation ran");
      for (JobPtr& job : queue_) notify(job);
      queue_.clear();
    }
    wake_.notify_all();
    worker_.join();
    // The worker has stopped, so no transfer thread is added while these are joined.
    std::vector<std::thread> transfers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      transfers.swap(transferThreads_);
    }
    for (std::thread& t : transfers) t.join();
    comm_.reset();
    completions_.Release();
    storeCalls_.Release();
  }

  // At the environment's teardown a thread may be stuck on a dead peer until its timeout,
  // and joining it would hang the exit: detach instead. The threads then only touch this
  // object, which is left alive for them.
  void abandon() {
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      queue_.clear();
    }
    wake_.notify_all();
    worker_.detach();
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::thread& t : transferThreads_) t.detach();
    transferThreads_.clear();
    completions_.Abort();
    storeCalls_.Abort();
  }

  int pending = 0;  // jobs whose completion JS has not yet heard (JS thread only)
  Napi::ThreadSafeFunction& completions() { return completions_; }

 private:
  void notify(const JobPtr& job) {
    auto* data = new JobPtr(job);
    if (completions_.NonBlockingCall(data, settle) != napi_ok) delete data;
  }
  static void settle(Napi::Env env, Napi::Function, JobPtr* data);

  void runWorker() {
    for (;;) {
      JobPtr job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;
        job = queue_.front();
        queue_.pop_front();
      }
      std::string error;
      try {
        run(*job);
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (error.empty() && (job->sizeTransfer || job->transfer)) {
        // Each posted send or receive waits on a thread of its own: waiting in one queue
        // deadlocks two ranks that each send, then receive (each send completes only when
        // the other's receive is posted, which waits behind that rank's own send).
        std::lock_guard<std::mutex> lock(mutex_);
        reapTransfers();
        transferThreads_.emplace_back([this, job] { completeTransfer(job); });
        continue;
      }
      job->finish(error);
      notify(job);
    }
  }

  void completeTransfer(const JobPtr& job) {
    std::string error;
    try {
      finishTransfer(*job);
    } catch (const std::exception& e) {
      error = e.what();
    }
    job->sizeTransfer.reset();
    job->transfer.reset();
    job->finish(error);
    notify(job);
    std::lock_guard<std::mutex> lock(mutex_);
    finishedTransfers_.push_back(std::this_thread::get_id());
  }

  // Joins the transfer threads that have finished (under mutex_).
  void reapTransfers() {
    for (std::thread::id id : finishedTransfers_) {
      for (auto it = transferThreads_.begin(); it != transferThreads_.end(); ++it) {
        if (it->get_id() == id) {
          it->join();
          transferThreads_.erase(it);
          break;
        }
      }
    }
    finishedTransfers_.clear();
  }

  // A receive learns the message's size first, and only then posts the receive of the
  // message itself, of exactly that size: into the tensor, or into scratch memory when the
  // sizes differ (then it fails), so that no message is ever longer than its buffer.
  void finishTransfer(DistJob& job) {
    if (!job.sizeTransfer) {  // ordered (NCCL): the receive was posted on the worker
      job.transfer->wait(options_.timeoutMs);
      if (job.kind == CollectiveKind::Recv && job.sizeMessage != job.outputBytes) throw std::runtime_error(sizeMismatch(job));
      return;
    }
    // A receive from any rank takes its message from whichever rank sent the size.
    const int from = job.sizeTransfer->wait(options_.timeoutMs);
    if (job.kind == CollectiveKind::Send) {
      job.transfer->wait(options_.timeoutMs);
      return;
    }
    if (job.root < 0) {
      if (from < 0 || from >= size()) throw std::runtime_error("recv: a message came from an unknown rank");
      job.root = from;
    }
    postMessageReceive(job);
    job.transfer->wait(options_.timeoutMs);
    if (job.sizeMessage != job.outputBytes) throw std::runtime_error(sizeMismatch(job));
  }

  // Posts the receive of a message whose size has arrived: into the tensor, or, when the
  // sizes differ, into scratch memory of the announced size (then the receive fails).
  void postMessageReceive(DistJob& job) {
    const uint64_t sent = job.sizeMessage;
    if (sent == job.outputBytes) {
      job.transfer = comm_->recv(job.out(), job.outputBytes, job.root, 1, job.tag);
      return;
    }
    if (sent > (uint64_t(1) << 40)) {
      throw std::runtime_error("recv: rank " + std::to_string(job.root) + " announced a message of " +
                               std::to_string(sent) + " bytes, more than any tensor holds");
    }
    if (comm_->orderedTransfers()) {
      // NCCL: a shorter message lands in the tensor's first bytes (and the receive fails);
      // a longer one cannot be drained into device memory from this thread, so the group
      // fails from here on, and the sender's send fails at its timeout.
      if (sent < job.outputBytes) {
        job.transfer = comm_->recv(job.out(), sent, job.root, 1, job.tag);
        return;
      }
      broken_ = sizeMismatch(job) + "; the NCCL group cannot be used after this";
      throw std::runtime_error(broken_);
    }
    job.scratch.resize(sent);
    job.transfer = comm_->recv(job.scratch.data(), sent, job.root, 1, job.tag);
  }

  static std::string sizeMismatch(const DistJob& job) {
    return "recv: the tensor holds " + std::to_string(job.outputBytes) + " bytes, but rank " + std::to_string(job.root) +
           " sent " + std::to_string(job.sizeMessage) + " (the tensors of a send and its recv must have one size and dtype)";
  }

  // Before a collective, the ranks trade what each is about to do: a rank that calls
  // another collective, or the same one with another size, dtype, reduction or root, would
  // otherwise deadlock or (gloo aborting on an oversized message) kill the process. Every
  // rank sees every description, so all of them fail together, with the same message.
  void checkAgreement(const DistJob& job) {
    const size_t bytes = job.kind == CollectiveKind::AllGather || job.kind == CollectiveKind::Gather ||
                                 job.kind == CollectiveKind::AllToAll
                             ? job.inputBytes
                             : job.outputBytes;
    static_assert(kDescription * sizeof(int64_t) <= Communicator::kRecordBytes, "a description fits a record");
    constexpr size_t kPerRecord = Communicator::kRecordBytes / sizeof(int64_t);
    const int64_t mine[kPerRecord] = {
        int64_t(job.kind), int64_t(job.dtype), int64_t(job.op), int64_t(job.root), int64_t(bytes), sequence_};
    std::vector<int64_t> all(kPerRecord * size());
    comm_->exchangeRecords(mine, all.data());
    sequence_++;
    for (int r = 0; r < size(); r++) {
      const int64_t* theirs = &all[r * kPerRecord];
      if (std::equal(mine, mine + kDescription, theirs)) continue;
      throw std::runtime_error("the ranks called different collectives: rank " + std::to_string(rank()) + " called " +
                               describe(mine) + ", but rank " + std::to_string(r) + " called " + describe(theirs));
    }
  }

  static std::string describe(const int64_t* d) {
    const auto kind = CollectiveKind(d[0]);
    std::string text = d[0] >= 0 && d[0] < EnumInfo<CollectiveKind>::count ? EnumInfo<CollectiveKind>::names[d[0]]
                                                                          : "an unknown collective";
    text += " (collective #" + std::to_string(d[5]) + ") on " + std::to_string(d[4]) + " bytes of " +
            dtypeName(DType(d[1]));
    if (kind == CollectiveKind::AllReduce || kind == CollectiveKind::Reduce) {
      text += std::string(", reducing by ") + EnumInfo<CommReduceOp>::names[d[2] % EnumInfo<CommReduceOp>::count];
    }
    if (kind == CollectiveKind::Reduce || kind == CollectiveKind::Broadcast || kind == CollectiveKind::Gather ||
        kind == CollectiveKind::Scatter) {
      text += ", root " + std::to_string(d[3]);
    }
    return text;
  }

  void run(DistJob& job) {
    if (job.connect) {
      JsStore store(storeCalls_, options_.timeoutMs);
      std::string error;
      Communicator* comm = api_->connect(options_, store, error);
      if (comm == nullptr) throw std::runtime_error(error);
      comm_.reset(comm);
      return;
    }
    if (!comm_) throw std::runtime_error("the process group is not connected");
    if (!broken_.empty()) throw std::runtime_error(broken_);
    const size_t item = itemSize(job.dtype);
    if (job.kind != CollectiveKind::Send && job.kind != CollectiveKind::Recv) {
      checkAgreement(job);
    }
    switch (job.kind) {
      case CollectiveKind::AllReduce: return comm_->allReduce(job.out(), job.outputBytes / item, job.dtype, job.op);
      case CollectiveKind::Reduce:
        return comm_->reduce(job.out(), job.outputBytes / item, job.dtype, job.op, job.root);
      case CollectiveKind::Broadcast: return comm_->broadcast(job.out(), job.outputBytes, job.root);
      case CollectiveKind::AllGather: return comm_->allGather(job.in(), job.out(), job.inputBytes);
      case CollectiveKind::Gather: return comm_->gather(job.in(), job.out(), job.inputBytes, job.root);
      case CollectiveKind::Scatter: return comm_->scatter(job.in(), job.out(), job.outputBytes, job.root);
      case CollectiveKind::AllToAll: return comm_->allToAll(job.in(), job.out(), job.inputBytes / size());
      case CollectiveKind::Barrier: return comm_->barrier();
      case CollectiveKind::Send:
        job.sizeMessage = job.inputBytes;
        job.sizeTransfer = comm_->send(&job.sizeMessage, sizeof(job.sizeMessage), job.root, 0, job.tag);
        job.transfer = comm_->send(job.in(), job.inputBytes, job.root, 1, job.tag);
        return;
      case CollectiveKind::Recv:
        if (comm_->orderedTransfers()) {
          // Every call on the worker, in order: the size, waited for here, then the message.
          if (job.root < 0) comm_->recvAny(&job.sizeMessage, sizeof(job.sizeMessage), 0, job.tag);  // throws
          comm_->recv(&job.sizeMessage, sizeof(job.sizeMessage), job.root, 0, job.tag)->wait(options_.timeoutMs);
          postMessageReceive(job);
          return;
        }
        job.sizeTransfer = job.root < 0 ? comm_->recvAny(&job.sizeMessage, sizeof(job.sizeMessage), 0, job.tag)
                                        : comm_->recv(&job.sizeMessage, sizeof(job.sizeMessage), job.root, 0, job.tag);
        return;
      default: throw std::runtime_error("unknown collective");
    }
  }

  const CommApi* api_;
  CommConnectOptions options_;
  std::string hostname_, iface_;
  Napi::ThreadSafeFunction completions_, storeCalls_;
  std::unique_ptr<Communicator> comm_;  // the worker's, once connected
  std::thread worker_;
  std::vector<std::thread> transferThreads_;  // under mutex_
  std::vector<std::thread::id> finishedTransfers_;  // under mutex_
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<JobPtr> queue_;
  bool stopping_ = false;
  static constexpr int kDescription = 6;
  int64_t sequence_ = 0;  // collectives run so far (the worker's)
  std::string broken_;    // why the group can no longer be used (the worker's)
  bool stopped_ = false;  // JS thread only
};

using GroupPtr = std::shared_ptr<DistProcessGroup>;

// What a JS group handle points to; `group` is reset by distDestroy.
struct GroupHandle {
  GroupPtr group;
};
// A work handle keeps its job alive for wait() after completion.
struct WorkHandle {
  JobPtr job;
};

void trackPending(Napi::Env env, DistProcessGroup& group, int delta);

// On the JS thread, once the job is done: by its settling, or by a synchronous wait, so
// that a loop that only ever waits synchronously (and so never lets the settling run)
// still frees each collective's tensors as it goes.
void releaseJobStorages(DistJob& job) {
  if (job.input) releaseStorage(job.input);
  if (job.output) releaseStorage(job.output);
  job.input = job.output = nullptr;
}

void DistProcessGroup::settle(Napi::Env env, Napi::Function, JobPtr* data) {
  JobPtr job = *data;
  delete data;
  if (env == nullptr) return;
  if (auto group = job->owner.lock()) trackPending(env, *group, -1);
  releaseJobStorages(*job);
  napi_deferred deferred = job->deferred;
  job->deferred = nullptr;
  if (deferred != nullptr) {
    if (job->error.empty()) {
      napi_resolve_deferred(env, deferred, env.Undefined());
    } else {
      napi_reject_deferred(env, deferred, Napi::Error::New(env, job->error).Value());
    }
  }
}

Napi::Value DistProcessGroup::submit(Napi::Env env, JobPtr job) {
  if (stopped_) throw Error("the process group has been destroyed");
  napi_value promise;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) throw Error("could not create a promise");
  if (job->input) retainStorage(job->input);
  if (job->output) retainStorage(job->output);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
  }
  wake_.notify_all();
  return Napi::Value(env, promise);
}

// Group and work handles are type-tagged objects, not Externals: a storage handle is an
// External, and neither kind may ever pass for the other.
constexpr napi_type_tag kGroupTag = {0x6b1f0c2a9d3e4f51ULL, 0x8a7c6b5d4e3f2a10ULL};
constexpr napi_type_tag kWorkTag = {0x2c4e6a8b0d1f3e57ULL, 0x9b8a7c6d5e4f3a21ULL};

template <typename T>
Napi::Object taggedHandle(Napi::Env env, T* data, const napi_type_tag& tag, node_api_basic_finalize finalize) {
  Napi::Object object = Napi::Object::New(env);
  object.TypeTag(&tag);
  if (napi_wrap(env, object, data, finalize, nullptr, nullptr) != napi_ok) {
    finalize(env, data, nullptr);
    throw Error("could not make a native handle");
  }
  return object;
}

template <typename T>
T* untag(const Napi::Value& value, const napi_type_tag& tag, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&tag)) throw Error(std::string("expected ") + what);
  void* data = nullptr;
  if (napi_unwrap(value.Env(), value, &data) != napi_ok || data == nullptr) throw Error(std::string("expected ") + what);
  return static_cast<T*>(data);
}

GroupPtr groupOf(const Napi::Value& value) {
  GroupHandle* handle = untag<GroupHandle>(value, kGroupTag, "a process group handle");
  if (!handle->group) throw Error("the process group has been destroyed");
  return handle->group;
}

JobPtr jobOf(const Napi::Value& value) { return untag<WorkHandle>(value, kWorkTag, "a work handle")->job; }

// A group JS dropped without destroying it is abandoned, as at teardown, since a
// finalizer must not block on the network; its detached threads keep using it, so it is
// left alive for them.
void finalizeGroup(node_api_basic_env, void* data, void*) {
  auto* dying = static_cast<GroupHandle*>(data);
  if (dying->group) {
    dying->group->abandon();
    new GroupPtr(dying->group);
  }
  delete dying;
}

void finalizeWork(node_api_basic_env, void* data, void*) { delete static_cast<WorkHandle*>(data); }

// Keeps the event loop alive while a group has work whose completion JS has not heard.
void trackPending(Napi::Env env, DistProcessGroup& group, int delta) {
  if (group.stopped()) return;  // its thread-safe function is released: no Ref/Unref
  const int before = group.pending;
  group.pending += delta;
  if (before == 0 && group.pending > 0) group.completions().Ref(env);
  if (before > 0 && group.pending == 0) group.completions().Unref(env);
}

// The group's per-environment registry, so that teardown can stop groups JS never destroyed.
struct DistRegistry {
  std::vector<std::weak_ptr<DistProcessGroup>> groups;
};

}  // namespace

namespace entry {

Napi::Value distLoad(Napi::Env env, DistLoadCall& call) {
  AddonInstance& instance = instanceOf(env);
  if (instance.commApi != nullptr) return Napi::String::New(env, "");
  const std::string& path = call.libraryPath;
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    return Napi::String::New(env, std::string("the gloo library could not be loaded (") + dlerror() + ")");
  }
  using AbiFn = const char* (*)();
  using ApiFn = const CommApi* (*)();
  auto abi = reinterpret_cast<AbiFn>(dlsym(library, "flint_comm_abi"));
  auto api = reinterpret_cast<ApiFn>(dlsym(library, "flint_comm_api"));
  if (abi == nullptr || api == nullptr || std::string(abi()) != kAbiHash) {
    dlclose(library);
    return Napi::String::New(env, "the gloo library at " + path +
                                      " was built from another version of flint's native interface: rebuild it "
                                      "with `node scripts/build-gloo.cjs`");
  }
  instance.commLibrary = library;  // kept loaded: communicators point into it
  instance.commApi = api();
  return Napi::String::New(env, "");
}

Napi::Value distConnect(Napi::Env env, DistConnectCall& call) {
  AddonInstance& instance = instanceOf(env);
  const CommApi* api = instance.commApi;
  Backend* device = nullptr;
  if (call.device != kCpuDeviceCode) {
    // NCCL: the CUDA library's communicator, on that device (backend() checks the code).
    device = &instance.backend((int)std::min<int64_t>(std::max<int64_t>(call.device, 1), 1 << 20));
    if (instance.cudaApi == nullptr || device->type() != DeviceType::CUDA) throw Error("distConnect: NCCL needs a CUDA device");
    api = instance.cudaApi->nccl();
  }
  if (api == nullptr) throw Error("distConnect: no communication library is loaded");
  if (call.size < 1 || call.size > 1 << 20) throw Error("distConnect: world size must be positive");
  if (call.rank < 0 || call.rank >= call.size) throw Error("distConnect: rank must lie in [0, world size)");
  if (!(call.timeoutMs >= 1) || call.timeoutMs > 9.0e15) throw Error("distConnect: timeout must be positive");
  if (!call.store.IsFunction()) throw Error("distConnect: store must be a function");
  Napi::Function noop = Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  auto completions = Napi::ThreadSafeFunction::New(env, noop, "flint.distributed", 0, 1);
  auto storeCalls = Napi::ThreadSafeFunction::New(env, call.store.As<Napi::Function>(), "flint.rendezvous", 0, 1);
  // Neither holds the event loop by itself: pending work holds it (trackPending), and
  // the store is only asked while the connection, itself pending work, is made.
  completions.Unref(env);
  storeCalls.Unref(env);
  CommConnectOptions options{(int)call.rank, (int)call.size, nullptr, nullptr, (int64_t)call.timeoutMs, device};
  auto group = std::make_shared<DistProcessGroup>(api, options, call.hostname, call.iface, completions,
                                                  storeCalls);
  // Torn down with its environment (a worker thread's end, or the process's exit) if JS
  // never destroys it: nothing stays behind.
  std::weak_ptr<DistProcessGroup> weak = group;
  env.AddCleanupHook([weak]() {
    if (GroupPtr alive = weak.lock()) alive->abandon();
  });
  auto job = std::make_shared<DistJob>();
  job->connect = true;
  job->owner = group;
  trackPending(env, *group, 1);
  Napi::Value promise = group->submit(env, job);
  auto* handle = new GroupHandle{group};
  Napi::Value external = taggedHandle(env, handle, kGroupTag, finalizeGroup);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, external);
  result.Set(1u, promise);
  return result;
}

Napi::Value distCollective(Napi::Env env, DistCollectiveCall& call) {
  AddonInstance& instance = instanceOf(env);
  GroupPtr group = groupOf(call.group);
  auto job = std::make_shared<DistJob>();
  job->kind = call.kind, job->dtype = call.dtype, job->op = call.op;
  const int size = group->size(), rank = group->rank();
  const bool peerToPeer = call.kind == CollectiveKind::Send || call.kind == CollectiveKind::Recv;
  const bool rooted = call.kind == CollectiveKind::Reduce || call.kind == CollectiveKind::Broadcast ||
                      call.kind == CollectiveKind::Gather || call.kind == CollectiveKind::Scatter;
  const bool fromAnyRank = call.kind == CollectiveKind::Recv && call.root == -1;
  if (peerToPeer && !fromAnyRank && (call.root < 0 || call.root >= size || call.root == rank)) {
    throw Error("distCollective: the peer rank " + std::to_string(call.root) + " must lie in [0, " +
                std::to_string(size) + ") and differ from this rank " + std::to_string(rank));
  }
  if (rooted && (call.root < 0 || call.root >= size)) {
    throw Error("distCollective: the root rank " + std::to_string(call.root) + " must lie in [0, " +
                std::to_string(size) + ")");
  }
  if (call.tag < 0 || call.tag > 0xffffffffLL) throw Error("distCollective: tag must be a 32-bit unsigned number");
  job->root = (int)call.root, job->tag = (uint32_t)call.tag;
  auto range = [&](const Napi::Value& handle, const Napi::Value& offset, const Napi::Value& bytes, const char* what,
                   Storage*& storage, size_t& start, size_t& length) {
    storage = optionalStorage(handle);
    if (storage == nullptr) return;
    if (group->device() == nullptr && storage->backend != instance.cpu) throw Error(std::string(what) + ": gloo takes CPU tensors");
    if (group->device() != nullptr && storage->backend != group->device()) {
      throw Error(std::string(what) + ": an NCCL group takes CUDA tensors of its own device");
    }
    ByteRange r = checkedByteRange(offset, bytes, storage, what);
    start = r.offset, length = r.length;
  };
  range(call.input, call.inputOffset, call.inputBytes, "distCollective input", job->input, job->inputOffset,
        job->inputBytes);
  range(call.output, call.outputOffset, call.outputBytes, "distCollective output", job->output, job->outputOffset,
        job->outputBytes);
  // What each kind reads and writes, so that no rank's buffers are shorter than the
  // communicator will touch.
  const size_t in = job->inputBytes, out = job->outputBytes, item = itemSize(call.dtype);
  const bool hasIn = job->input != nullptr, hasOut = job->output != nullptr;
  auto need = [](bool ok, const std::string& message) {
    if (!ok) throw Error("distCollective: " + message);
  };
  const bool isRoot = rank == call.root;
  switch (call.kind) {
    case CollectiveKind::AllReduce:
    case CollectiveKind::Reduce:
      need(hasOut && out % item == 0, "a reduction needs an output of whole elements");
      break;
    case CollectiveKind::Broadcast:
    case CollectiveKind::Recv:
      need(hasOut, "an output is required");
      break;
    case CollectiveKind::Send:
      need(hasIn, "an input is required");
      break;
    case CollectiveKind::AllGather:
      need(hasIn && hasOut && out == in * size, "allGather's output must hold world size times its input");
      break;
    case CollectiveKind::Gather:
      need(hasIn, "an input is required");
      need(!isRoot || (hasOut && out == in * size), "gather's output must hold world size times its input");
      if (!isRoot) job->output = nullptr;
      break;
    case CollectiveKind::Scatter:
      need(hasOut, "an output is required");
      need(!isRoot || (hasIn && in == out * size), "scatter's input must hold world size times its output");
      if (!isRoot) job->input = nullptr;
      break;
    case CollectiveKind::AllToAll:
      need(hasIn && hasOut && in == out && in % size == 0, "allToAll's input and output must be equal and split by world size");
      break;
    case CollectiveKind::Barrier:
      job->input = job->output = nullptr;
      break;
    default:
      throw Error("distCollective: unknown collective");
  }
  job->owner = group;
  trackPending(env, *group, 1);
  Napi::Value promise = group->submit(env, job);
  Napi::Value work = taggedHandle(env, new WorkHandle{job}, kWorkTag, finalizeWork);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, work);
  result.Set(1u, promise);
  return result;
}

Napi::Value distWait(Napi::Env env, DistWaitCall& call) {
  JobPtr job = jobOf(call.work);
  std::unique_lock<std::mutex> lock(job->mutex);
  const double limit = call.timeoutMs;
  if (!(limit >= 0)) throw Error("distWait: timeout must be a non-negative number of milliseconds");
  if (limit >= 9.0e15) {
    job->finished.wait(lock, [&] { return job->done; });
  } else if (!job->finished.wait_for(lock, std::chrono::milliseconds((int64_t)limit), [&] { return job->done; })) {
    return Napi::Boolean::New(env, false);
  }
  lock.unlock();
  releaseJobStorages(*job);
  if (!job->error.empty()) throw Error(job->error);
  return Napi::Boolean::New(env, true);
}

// The rank a finished receive came from (the peer it named, or, from any rank, the
// sender); -1 before it is done.
Napi::Value distSourceRank(Napi::Env env, DistSourceRankCall& call) {
  JobPtr job = jobOf(call.work);
  std::lock_guard<std::mutex> lock(job->mutex);
  return Napi::Number::New(env, job->done && job->error.empty() ? job->root : -1);
}

Napi::Value distIsCompleted(Napi::Env env, DistIsCompletedCall& call) {
  JobPtr job = jobOf(call.work);
  std::lock_guard<std::mutex> lock(job->mutex);
  return Napi::Boolean::New(env, job->done);
}

Napi::Value distDestroy(Napi::Env env, DistDestroyCall& call) {
  GroupHandle* handle = untag<GroupHandle>(call.group, kGroupTag, "a process group handle");
  if (handle->group) {
    handle->group->stop();
    handle->group.reset();
  }
  return env.Undefined();
}

}  // namespace entry
}  // namespace flint
