#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer
# into build-asan/ (apart from the normal build/) and runs the test suite on it. Node is
# not instrumented, so the ASan runtime is preloaded into it; every child process the
# tests start inherits the preload and the addon path. A finding aborts its process,
# which fails the test that ran it. Extra arguments go to vitest (a subset of files).
set -euo pipefail
cd "$(dirname "$0")/.."

npx cmake-js compile --out build-asan --CDFLINT_SANITIZE=address,undefined --parallel "${JOBS:-2}" >build-asan.log 2>&1 ||
  { tail -50 build-asan.log; echo "test:asan: the sanitizer build failed (log: build-asan.log)" >&2; exit 1; }
addon="$PWD/build-asan/Release/flint.node"
test -f "$addon" || { echo "test:asan: $addon was not built" >&2; exit 1; }

runtime=$(${CXX:-g++} -print-file-name=libasan.so)
test -f "$runtime" || { echo "test:asan: no ASan runtime ($runtime)" >&2; exit 1; }

# detect_leaks=0: node itself never frees much at exit, which is not ours to report.
# allocator_may_return_null=1: a huge request fails as malloc does (flint turns that into
# its out-of-memory Error) instead of ASan aborting on it. quarantine_size_mb=32 (not
# 256): the memory tests bound RSS, and freed blocks held back for use-after-free checks
# would count against them.
# The CUDA tests skip here: the CUDA library is not instrumented.
export FLINT_ADDON_PATH="$addon"
export LD_PRELOAD="$runtime${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:quarantine_size_mb=32:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export FLINT_SANITIZED=1
exec npx vitest run "$@"
