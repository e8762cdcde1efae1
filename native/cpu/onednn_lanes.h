// What the oneDNN products (onednn_matmul.cc, onednn_gemm.cc) share to run one primitive per
// block of rows on flint's pool: the library and a CPU engine, a plan's primitive and its
// scratchpad size, a stream and a scratchpad per block in flight (a stream is not
// thread-safe, and oneDNN's own scratchpad belongs to the thread that built the
// primitive), and the memory objects one execution needs, freed when it is done.
#pragma once
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "onednn_api.h"

namespace flint {

struct OnednnLane {
  const OnednnLibrary* library = nullptr;
  onednnStream stream = nullptr;
  std::vector<char> scratch;

  ~OnednnLane() {
    if (stream != nullptr) library->streamDestroy(stream);
  }
};

// The lanes of one engine, made on the calling thread before any block runs.
class OnednnLanes {
 public:
  // Lane `index`, with at least `scratchBytes` of scratchpad.
  OnednnLane& at(const OnednnLibrary& library, onednnEngine engine, size_t index, size_t scratchBytes) {
    auto found = lanes_.find(index);
    if (found == lanes_.end()) {
      auto made = std::make_unique<OnednnLane>();
      made->library = &library;
      library.check(library.streamCreate(&made->stream, engine, kOnednnStreamInOrder), "dnnl_stream_create");
      found = lanes_.emplace(index, std::move(made)).first;
    }
    if (found->second->scratch.size() < scratchBytes) found->second->scratch.resize(scratchBytes);
    return *found->second;
  }
  void clear() { lanes_.clear(); }

 private:
  std::map<size_t, std::unique_ptr<OnednnLane>> lanes_;
};

// A primitive and its scratchpad: what a product's plan holds for one layout.
struct OnednnPrimitivePlan {
  const OnednnLibrary* library = nullptr;
  // Null when oneDNN has no kernel wanted for the layout (remembered, so it is asked once).
  onednnPrimitive primitive = nullptr;
  OnednnMemoryDesc scratchDesc{};
  size_t scratchBytes = 0;

  explicit OnednnPrimitivePlan(const OnednnLibrary& lib) : library(&lib) {}
  ~OnednnPrimitivePlan() {
    if (primitive != nullptr) library->primitiveDestroy(primitive);
  }
  OnednnPrimitivePlan(const OnednnPrimitivePlan&) = delete;
  OnednnPrimitivePlan& operator=(const OnednnPrimitivePlan&) = delete;

  // Makes the primitive of `desc` and notes its scratchpad (user-managed).
  void build(onednnPrimitiveDesc desc, const char* what) {
    const OnednnMemoryDesc* scratch = library->primitiveDescQueryMd(desc, kOnednnQueryScratchpad, 0);
    scratchBytes = scratch == nullptr ? 0 : library->memoryDescGetSize(scratch);
    if (scratch != nullptr) scratchDesc = *scratch;
    library->check(library->primitiveCreate(&primitive, desc), what);
  }
};

// The library and a CPU engine, with the lanes that run on it: what each product owns.
// Its plans go before it (members of the class that holds this as a base).
class OnednnCpuEngine {
 public:
  // Loads oneDNN and makes the engine. Throws flint::Error when it cannot.
  OnednnCpuEngine() { library_.check(library_.engineCreate(&engine_, kOnednnCpu, 0), "dnnl_engine_create"); }
  ~OnednnCpuEngine() {
    lanes_.clear();
    library_.engineDestroy(engine_);
  }
  OnednnCpuEngine(const OnednnCpuEngine&) = delete;
  OnednnCpuEngine& operator=(const OnednnCpuEngine&) = delete;

 protected:
  // Builds `plan`'s matmul primitive for `op`, with a user-managed scratchpad and what
  // `configure(attr)` adds, when `keep(desc)` takes the kernel oneDNN picked. oneDNN's
  // "unimplemented" (status 3), or a kernel not kept, leaves the primitive null (the
  // caller computes the product another way); any other failure throws.
  template <class Configure, class Keep>
  void buildMatmul(OnednnPrimitivePlan& plan, const OnednnMatmulDesc& op, Configure configure, Keep keep, const char* what) {
    onednnAttr attr = nullptr;
    library_.check(library_.attrCreate(&attr), "dnnl_primitive_attr_create");
    onednnPrimitiveDesc desc = nullptr;
    try {
      library_.check(library_.attrSetScratchpadMode(attr, kOnednnScratchpadUser), "dnnl_primitive_attr_set_scratchpad_mode");
      configure(attr);
      const onednnStatus made = library_.primitiveDescCreate(&desc, &op, attr, engine_, nullptr);
      if (made == kOnednnSuccess) {
        if (keep(desc)) plan.build(desc, what);
      } else if (made != 3) {
        library_.check(made, what);
      }
    } catch (...) {
      if (desc != nullptr) library_.primitiveDescDestroy(desc);
      library_.attrDestroy(attr);
      throw;
    }
    if (desc != nullptr) library_.primitiveDescDestroy(desc);
    library_.attrDestroy(attr);
  }

  OnednnLibrary library_;
  onednnEngine engine_ = nullptr;
  OnednnLanes lanes_;
};

// One execution's memory objects: made over caller-owned data, destroyed with the call.
class OnednnCallMemories {
 public:
  OnednnCallMemories(const OnednnLibrary& library, onednnEngine engine) : library_(library), engine_(engine) {}
  ~OnednnCallMemories() {
    for (onednnMemory memory : memories_) library_.memoryDestroy(memory);
  }
  OnednnCallMemories(const OnednnCallMemories&) = delete;
  OnednnCallMemories& operator=(const OnednnCallMemories&) = delete;

  onednnMemory make(const OnednnMemoryDesc* md, const void* data) {
    onednnMemory memory = nullptr;
    library_.check(library_.memoryCreate(&memory, md, engine_, const_cast<void*>(data)), "dnnl_memory_create");
    memories_.push_back(memory);
    return memory;
  }

 private:
  const OnednnLibrary& library_;
  onednnEngine engine_;
  std::vector<onednnMemory> memories_;
};

}  // namespace flint
