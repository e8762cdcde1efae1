// What the oneDNN products (onednn_matmul.cc, onednn_gemm.cc) share to run one primitive per
// block of rows on flint's pool: a stream and a scratchpad per block in flight (a stream is
// not thread-safe, and oneDNN's own scratchpad belongs to the thread that built the
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
