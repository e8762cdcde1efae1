// The module's entry: the exports are the entry points declared in native/napi/entries.mjs,
// registered by the generated code (entries.generated.cc).
#include <napi.h>

#include "entries.generated.h"

static Napi::Object InitFlint(Napi::Env env, Napi::Object exports) {
  flint::exportEntries(env, exports);
  return exports;
}

NODE_API_MODULE(flint, InitFlint)
