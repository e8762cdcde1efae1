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
            "native/napi/entries.generated.cc",
            "native/napi/entries.generated.h",
            "native/include/flint/enums.generated.h",
            "native/include/flint/abi.generated.h",
            "native/include/flint/kernels.generated.h"
          ],
          "action": ["node", "scripts/generate-bindings.mjs"]
        }
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include",
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
