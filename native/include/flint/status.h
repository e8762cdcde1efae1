// Errors inside native code are C++ exceptions of one type. The napi boundary catches
// them and raises a JS Error with the same message; nothing below napi/ ever aborts.
#pragma once
#include <stdexcept>
#include <string>

namespace flint {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Raised by allocators; the boundary reports it with PyTorch's wording.
class OutOfMemory : public Error {
 public:
  explicit OutOfMemory(const std::string& message) : Error(message) {}
};

#define FLINT_CHECK(COND, MESSAGE)                 \
  do {                                             \
    if (!(COND)) throw ::flint::Error(MESSAGE);    \
  } while (0)

}  // namespace flint
