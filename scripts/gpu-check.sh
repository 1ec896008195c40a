#!/usr/bin/env bash
# The CUDA plugin on a machine with an NVIDIA GPU, in one command (about 5 minutes on an H100;
# every step has a time limit, together under 8 minutes):
#   1. `tg devices`: cuda must be available (the GPU's name and sm_XX are printed)
#   2. the device-generic suites (tg_add_device_suites in tests/*/CMakeLists.txt, plus test_tinygrad_ops)
#      with TG_DEVICE=cuda, several at once, and beside them `tg conformance --level full` on
#      libtg-cuda.so (both compile thousands of kernels with nvrtc: they share the CPU cores)
#   3. the mnist example, MLP and CNN, one epoch each on Fashion-MNIST (steps/s, test accuracy)
#   4. `tg bench all --device cuda` beside PyTorch on the same GPU (TG_BENCH_TORCH_DEVICE=cuda)
# and prints a Markdown table of the results for the README.
#
#   scripts/gpu-check.sh --prepare   on the CPU machine, after building (below): copies what the GPU
#                                    machine lacks into <build>/gpu-check/ and prints what to carry
#   scripts/gpu-check.sh             on the GPU machine, from the repository root
#
# WHAT IT NEEDS (the GPU machine cannot fetch packages):
#   - a Release build made beforehand on the CPU machine with the CUDA plugin and the tests:
#       cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_TESTS=ON \
#         -DTG_BUILD_EXAMPLES=ON -DTG_WITH_CUDA=ON
#       cmake --build build -j2
#     then `scripts/gpu-check.sh --prepare`, and carry build/bin, build/lib, build/CMakeCache.txt
#     and build/gpu-check (about 50 MB; TG_BUILD_DIR names another build directory);
#   - the NVIDIA driver (libcuda.so.1) of CUDA 13 or newer (the toolkit the build used: nvrtc 13
#     makes code a CUDA 12 driver cannot load);
#   - nvrtc: libnvrtc.so.13 on the loader's path (the CUDA toolkit, or PyTorch's wheel:
#     site-packages/nvidia/cuda_nvrtc/lib), or TG_CUDA_NVRTC=<path of libnvrtc.so.13>; the script
#     looks in those places and says which it uses;
#   - python3 with a CUDA build of PyTorch 2.x for the comparison (TG_BENCH_PYTHON picks the
#     python; without torch the bench runs alone);
#   - Fashion-MNIST: the --prepare copy, TG_MNIST_DATA=<dir>, or /usr/share/datasets/fashion-mnist.
# Libraries the build links beyond glibc (libboost_program_options, zlib) are copied by --prepare
# into build/gpu-check/lib and put on LD_LIBRARY_PATH.
#
# Results: each step's log, the table (gpu-check.md) and a summary in $TG_GPU_CHECK_OUT (default
# $OUT when set, else a new temporary folder). Exit 0 only if every step passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD
build=$(cd "${TG_BUILD_DIR:-build}" 2>/dev/null && pwd) || { echo "gpu-check: no build directory ${TG_BUILD_DIR:-build}" >&2; exit 2; }
carry=$build/gpu-check

# ---- --prepare: on the CPU machine ----------------------------------------------------------------
if [ "${1:-}" = "--prepare" ]; then
  [ -f "$build/lib/tg-plugins/libtg-cuda.so" ] || { echo "gpu-check: $build has no libtg-cuda.so: configure with -DTG_WITH_CUDA=ON and build" >&2; exit 2; }
  rm -rf "$carry" && mkdir -p "$carry/lib" "$carry/data"
  # Every shared library the binaries load from outside the build and glibc/libstdc++.
  for f in "$build"/bin/* "$build"/lib/libtg.so* "$build"/lib/tg-plugins/libtg-cuda.so "$build"/lib/tg-plugins/libtg-ref.so; do
    [ -f "$f" ] && [ -x "$f" ] || [[ "$f" == *.so* ]] || continue
    ldd "$f" 2>/dev/null | awk '/=> \// { print $3 }'
  done | sort -u | grep -v -E "/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so|^$build/" |
    while read -r lib; do cp -L "$lib" "$carry/lib/"; done
  data=${TG_MNIST_DATA:-/usr/share/datasets/fashion-mnist}
  if [ -f "$data/train-images-idx3-ubyte.gz" ]; then cp "$data"/*-ubyte.gz "$carry/data/"; else echo "gpu-check: no Fashion-MNIST in $data: the mnist step will fail" >&2; fi
  echo "prepared $carry: $(ls "$carry/lib" | tr '\n' ' ')and $(ls "$carry/data" | wc -l) data files"
  du -sh "$build/bin" "$build/lib" "$carry"
  echo "carry: ${build#"$root"/}/bin ${build#"$root"/}/lib ${build#"$root"/}/CMakeCache.txt ${build#"$root"/}/gpu-check"
  exit 0
fi

# ---- on the GPU machine ------------------------------------------------------------------------
out=${TG_GPU_CHECK_OUT:-${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/tg-gpu-check.XXXXXX")}}
mkdir -p "$out"
start=$(date +%s)
export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -d "$carry/lib" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$carry/lib"
export TG_PLUGIN_PATH=$build/lib/tg-plugins
# Cold: every kernel is compiled by this run's nvrtc. Not under $out: thousands of cubins.
TG_CACHE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tg-gpu-check-cache.XXXXXX")
export TG_CACHE_DIR
trap 'rm -rf "$TG_CACHE_DIR"' EXIT
unset TG_DEVICE
tg=$build/bin/tg

# The test binaries hold absolute paths of the build they came from (the probes test_errors runs):
# where that folder does not exist here, a link to this build stands in for it.
orig=$(sed -n 's/^CMAKE_CACHEFILE_DIR:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null)
if [ -n "$orig" ] && [ "$orig" != "$build" ] && [ ! -e "$orig" ]; then
  mkdir -p "$(dirname "$orig")" 2>/dev/null && ln -s "$build" "$orig" 2>/dev/null ||
    echo "note: cannot link $orig to $build; tests that start helper programs by that path will fail"
fi

# nvrtc: the loader's path, else PyTorch's wheel, else the toolkit's usual place.
loader_cache=$(ldconfig -p 2>/dev/null)
if [ -z "${TG_CUDA_NVRTC:-}" ] && [[ "$loader_cache" != *"libnvrtc.so.13 "* ]]; then
  for c in $(${TG_BENCH_PYTHON:-python3} -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)/nvidia/cuda_nvrtc/lib/libnvrtc.so.13 \
    /usr/local/cuda/lib64/libnvrtc.so.13 /usr/local/cuda/lib/libnvrtc.so.13; do
    if [ -f "$c" ]; then export TG_CUDA_NVRTC=$c; break; fi
  done
fi
mnist_data=${TG_MNIST_DATA:-}
[ -z "$mnist_data" ] && [ -f "$carry/data/train-images-idx3-ubyte.gz" ] && mnist_data=$carry/data
[ -z "$mnist_data" ] && mnist_data=/usr/share/datasets/fashion-mnist

# step <name> <time limit, s> <command...>: runs one step with its output in <out>/<name>.log and
# its verdict in <out>/<name>.result ("<verdict>|<seconds>"), so a step run in the background
# counts too. Returns the command's status.
steps=()
step() {
  local name=$1 limit=$2 t0 rc secs verdict=ok
  shift 2
  t0=$(date +%s)
  echo "=== $name (limit ${limit}s)"
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  secs=$(($(date +%s) - t0))
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then verdict="timed out"; elif [ $rc -ne 0 ]; then verdict="failed (exit $rc)"; fi
  echo "$verdict|$secs" >"$out/$name.result"
  echo "--- $name: $verdict in ${secs}s"
  tail -n "${TG_GPU_CHECK_TAIL:-8}" "$out/$name.log" | sed 's/^/    /'
  return $rc
}

echo "gpu-check: build $build, results in $out"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
fi
echo "nvrtc: ${TG_CUDA_NVRTC:-found on the loader path}"

# 1. cuda must be there.
steps+=(devices)
if ! step devices 30 bash -c "'$tg' devices && '$tg' devices | grep -qE '^cuda +0 +yes '"; then
  echo "gpu-check: the cuda device is not available (see $out/devices.log); nothing else can run"
  exit 1
fi
gpu=$(awk '$1 == "cuda" && $3 == "yes"' "$out/devices.log" | head -1)

# 2. The suites, several at once, beside the conformance run. One gtest process per suite
# (TG_GPU_CHECK_JOBS at a time): each compiles its own kernels, the disk cache shares them.
suites=$(sed -n '/^tg_add_device_suites(/,/)/p' tests/*/CMakeLists.txt | tr -d '()' | tr ' ' '\n' | grep '^test_' | tr '\n' ' ')
[ -x "$build/bin/test_tinygrad_ops" ] && suites="$suites test_tinygrad_ops"
run_suite() {  # <suite>: one line with its gtest summary; fails when the suite does
  local log=$out/suite-$1.log rc
  if [ ! -x "$build/bin/$1" ]; then
    echo "$1: not built (build every target before carrying the build)"
    return 1
  fi
  TG_DEVICE=cuda "$build/bin/$1" --gtest_brief=1 >"$log" 2>&1
  rc=$?
  echo "$1: exit $rc; $(grep -E '^\[  (PASSED|FAILED) +\] [0-9]+ test' "$log" | tr '\n' ' ')"
  return $rc
}
export -f run_suite
export build out
# shellcheck disable=SC2086 # one suite name per word
steps+=(suites conformance-full)
step suites "${TG_GPU_CHECK_SUITES_LIMIT:-200}" bash -c 'printf "%s\n" '"$suites"' | xargs -P "${TG_GPU_CHECK_JOBS:-6}" -I{} bash -c "run_suite {}"' &
suites_pid=$!
step conformance-full "${TG_GPU_CHECK_CONFORMANCE_LIMIT:-200}" "$tg" conformance --plugin "$build/lib/tg-plugins/libtg-cuda.so" --level full
wait "$suites_pid"

# 3. The mnist example, one epoch each.
steps+=(mnist-mlp mnist-cnn)
step mnist-mlp "${TG_GPU_CHECK_MLP_LIMIT:-60}" env TG_DEVICE=cuda "$build/bin/mnist" --model mlp --epochs 1 --data "$mnist_data" --min-accuracy 75
step mnist-cnn "${TG_GPU_CHECK_CNN_LIMIT:-120}" env TG_DEVICE=cuda "$build/bin/mnist" --model cnn --epochs 1 --data "$mnist_data" --min-accuracy 75

# 4. tg bench beside PyTorch on the same GPU.
steps+=(bench)
step bench "${TG_GPU_CHECK_BENCH_LIMIT:-150}" env TG_BENCH_TORCH_DEVICE=cuda "$tg" bench all --device cuda

# ---- the table ---------------------------------------------------------------------------------
passed=0 failed=0
sum_tests() {  # <PASSED|FAILED>: tests in that line of every suite's gtest summary
  cat "$out"/suite-*.log 2>/dev/null | grep -E "^\[  $1 +\] [0-9]+ tests?" | awk '{ s += $4 } END { print s + 0 }'
}
{
  echo "### tg on CUDA: scripts/gpu-check.sh, $(date -u +%Y-%m-%d)"
  echo
  echo "Device: ${gpu:-?}; nvidia-smi: $(cat "$out/gpu.txt" 2>/dev/null || echo "not found"); nvrtc: ${TG_CUDA_NVRTC:-found on the loader path}."
  echo
  echo "| step | result | seconds |"
  echo "|---|---|---|"
  for name in "${steps[@]}"; do
    IFS='|' read -r verdict secs <"$out/$name.result" 2>/dev/null || { verdict="did not run"; secs=-; }
    if [ "$verdict" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    echo "| $name | $verdict | $secs |"
  done
  echo
  echo "Suites with TG_DEVICE=cuda: $(sum_tests PASSED) tests passed, $(sum_tests FAILED) failed:"
  sed 's/^/    /' "$out/suites.log"
  echo
  echo "tg conformance --level full:"
  tail -n 4 "$out/conformance-full.log" | sed 's/^/    /'
  echo
  echo "mnist, one epoch:"
  grep -hE "steps/s|test accuracy" "$out/mnist-mlp.log" "$out/mnist-cnn.log" 2>/dev/null | sed 's/^/    /'
  echo
  echo "tg bench all --device cuda, PyTorch on the same GPU:"
  echo
  echo '```'
  sed -n '/^device:/,$p' "$out/bench.log" 2>/dev/null
  echo '```'
} >"$out/gpu-check.md"
echo
cat "$out/gpu-check.md"
echo
echo "gpu-check: $passed steps passed, $failed failed, $(($(date +%s) - start))s in all; logs in $out"
[ "$failed" -eq 0 ]
