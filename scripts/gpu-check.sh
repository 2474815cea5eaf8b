#!/usr/bin/env bash
# On a GPU machine (see scripts/gpu-deps.sh): build cohort with CUDA against
# the carried Debian packages, then run what needs a GPU.
#
#   scripts/gpu-check.sh build      configure and build into build-gpu
#   scripts/gpu-check.sh test       the GPU tests (ctest -L 'cuda|optim', and the
#                                   multi-rank ones on one GPU)
#   scripts/gpu-check.sh bench      bench/run_kernels.sh, bench_ddp_gpu, and the
#                                   Fashion-MNIST example on the GPU
# Output goes to stdout; with OUT set, logs are kept there too.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=gpu-deps.sh
source scripts/gpu-deps.sh env .gpu-debs /tmp/cohort-deps
build=$root/build-gpu
log() { if [ -n "${OUT:-}" ]; then tee -a "$OUT/$1.log"; else cat; fi; }

case "${1:-}" in
  build)
    nvidia-smi -L; nvcc --version | tail -1
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${COHORT_GPU_CMAKE_ARGS[@]}" 2>&1 |
      grep -E 'cohort|Error|error|Found (MPI|Torch|GTest|CUDA)' | log build
    cmake --build "$build" -j 16 -- -k 0 2>&1 | grep -E 'error|warning: unused|FAILED|^\[[0-9]+/[0-9]+\] Linking' | log build
    test -x "$build/bench/bench_kernels" || { echo "build failed"; exit 1; }
    ;;
  test)
    ctest --test-dir "$build" -L 'cuda|optim|multirank|unit' --output-on-failure --timeout 300 2>&1 | log test
    ;;
  bench)
    bench/run_kernels.sh "$build" 2>&1 | log bench
    mpiexec -n 1 "$build/bench/bench_ddp_gpu" 2>&1 | grep -v '^\[cohort' | log bench
    mpiexec -n 1 "$build/examples/fashion_mnist/fashion_mnist" --device cuda \
      --data /tmp/cohort-deps/usr/share/datasets/fashion-mnist 2>&1 | grep -v '^\[cohort' | log bench
    ;;
  *)
    sed -n '2,12p' "$0"
    exit 2
    ;;
esac
