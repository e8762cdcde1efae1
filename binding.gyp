{
  "targets": [
    {
      "target_name": "flint",
      "sources": ["<!@(node scripts/native-sources.cjs)"],
      "actions": [
        {
          "action_name": "generate_bindings",
          "inputs": ["<!@(node scripts/native-sources.cjs --interface)"],
          "outputs": [
            "<(SHARED_INTERMEDIATE_DIR)/flint-generated/entries.generated.cc",
            "<(SHARED_INTERMEDIATE_DIR)/flint-generated/entries.generated.h",
            "<(SHARED_INTERMEDIATE_DIR)/flint-generated/flint/enums.generated.h",
            "<(SHARED_INTERMEDIATE_DIR)/flint-generated/flint/abi.generated.h",
            "<(SHARED_INTERMEDIATE_DIR)/flint-generated/flint/kernels.generated.h"
          ],
          "action": ["node", "scripts/generate-bindings.mjs", "--cpp", "<(SHARED_INTERMEDIATE_DIR)/flint-generated"],
          "process_outputs_as_sources": 1
        }
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include",
        "native/napi",
        "<(SHARED_INTERMEDIATE_DIR)/flint-generated",
        "<!(node scripts/check-openblas.cjs --cflags)"
      ],
      "libraries": ["<!@(node scripts/check-openblas.cjs --libs)", "-ldl"],
      "defines": ["NAPI_EXPERIMENTAL", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti", "-fvisibility=hidden", "-fwrapv", "-Wall", "-Wno-unused-function"],
      "ldflags": ["-Wl,--exclude-libs,ALL"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      }
    }
  ]
}
