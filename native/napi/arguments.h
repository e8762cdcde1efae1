// How the generated unpacking (entries.generated.cc) reads each kind of argument: checked
// conversions from JS values, with errors that name the entry point and the argument.
#pragma once
#include <napi.h>

#include <string>

#include "flint/enums.generated.h"
#include "flint/status.h"
#include "views.h"

namespace flint {

inline void expectArguments(const Napi::CallbackInfo& info, size_t count, const char* entry) {
  if (info.Length() != count) {
    throw Error(std::string("internal: ") + entry + " takes " + std::to_string(count) + " arguments, got " +
                std::to_string(info.Length()));
  }
}

// Each reads the value with the one napi call whose status also checks its type: a
// separate type test would double the calls on the per-op path.
inline double numberArg(const Napi::Value& value, const char* what) {
  double out = 0;
  if (napi_get_value_double(value.Env(), value, &out) != napi_ok) throw Error(std::string(what) + " must be a number");
  return out;
}

inline bool booleanArg(const Napi::Value& value, const char* what) {
  bool out = false;
  if (napi_get_value_bool(value.Env(), value, &out) != napi_ok) throw Error(std::string(what) + " must be a boolean");
  return out;
}

inline uint64_t bigintArg(const Napi::Value& value, const char* what) {
  uint64_t out = 0;
  bool lossless = false;
  if (napi_get_value_bigint_uint64(value.Env(), value, &out, &lossless) != napi_ok) {
    throw Error(std::string(what) + " must be a bigint");
  }
  return out;
}

inline std::string stringArg(const Napi::Value& value, const char* what) {
  if (!value.IsString()) throw Error(std::string(what) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

inline Napi::TypedArray typedArrayArg(const Napi::Value& value, const char* what) {
  if (!value.IsTypedArray()) throw Error(std::string(what) + " must be a typed array");
  return value.As<Napi::TypedArray>();
}

// 0 is the CPU, 1 + i is cuda:i; the instance says whether that device exists.
inline int32_t deviceCodeArg(const Napi::Value& value, const char* what) {
  const int64_t code = integerArg(value, what);
  if (code < 0 || code > 4096) throw Error(std::string(what) + ": no device has code " + std::to_string(code));
  return (int32_t)code;
}

template <typename E>
E enumCode(int64_t code, const char* what) {
  if (code < 0 || code >= EnumInfo<E>::count) {
    throw Error(std::string(what) + ": unknown " + EnumInfo<E>::name + " code " + std::to_string(code));
  }
  return (E)code;
}

template <typename E>
E enumArg(const Napi::Value& value, const char* what) {
  return enumCode<E>(integerArg(value, what), what);
}

template <typename E>
Napi::Object enumObject(Napi::Env env) {
  Napi::Object values = Napi::Object::New(env);
  for (int32_t i = 0; i < EnumInfo<E>::count; i++) values.Set(EnumInfo<E>::names[i], i);
  return values;
}

inline Storage* optionalStorage(const Napi::Value& value) {
  return value.IsNull() || value.IsUndefined() ? nullptr : unwrapStorage(value);
}

// Every view of a call lives on the call's device (`storage` may be null: absent).
inline void sameDevice(const Backend* backend, const Storage* storage) {
  if (storage != nullptr && storage->backend != backend) {
    throw Error("Expected all tensors to be on the same device, but found at least two devices");
  }
}

inline void sameDevice(const Backend* backend, const InputList& list) {
  for (const Input& item : list.items) sameDevice(backend, item.storage);
}

inline Napi::Value finishOptionalOutput(Napi::Env env, const OutputTarget& target) {
  return target.storage == nullptr ? env.Null() : finishOutput(env, target);
}

using EntryFunction = Napi::Value (*)(const Napi::CallbackInfo&);

// The one place where native exceptions become JS Errors.
template <EntryFunction fn>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Napi::Error::New(info.Env(), error.what());
  } catch (...) {
    throw Napi::Error::New(info.Env(), "unknown native error");
  }
}

}  // namespace flint
