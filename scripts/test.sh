#!/usr/bin/env bash
# Every test, from a fresh Debian 12 machine (as root) or a machine that has the packages:
#   1. installs the apt packages the build needs (scripts/lib.sh)
#   2. configures and builds tg with every plugin (Release, build/) and runs ctest: the whole suite
#      on the default device (onednn), the device-generic suites again on the ref interpreter, and
#      the plugins' own tests and `tg conformance` on each (hip: what needs no AMD GPU; cuda, where
#      /usr/local/cuda has the toolkit: what needs no NVIDIA GPU, scripts/gpu-check.sh the rest)
#   3. installs tg into a temporary prefix, checks its layout and that libtg links no backend
#   4. builds examples/app against the installed package and runs it on TG_DEVICE=ref;
#      TG_DEVICE=nosuch must fail naming nosuch; with MPI, builds examples/dist_app (find_package
#      COMPONENTS dist) and runs it under mpirun -n 2
#   5. moves the install elsewhere and builds and runs everything again from there (relocatable)
#   6. makes the Debian packages (cpack -G DEB, reusing the build), unpacks the core, tool,
#      development, ref and onednn ones into a scratch root (dpkg -x), runs `tg devices` and
#      examples/app from there, and builds the installed SDK template (share/tg/sdk/template)
#      with the packaged files alone; it must pass `tg conformance --level full`
#   7. builds the libFuzzer targets (tests/fuzz/) with clang under ASan + UBSan (build-fuzz/) and
#      runs each for 60 s from a fresh seed corpus; a step passes only if libFuzzer finds nothing
# Prints "N passed, N failed" for its own steps and exits non-zero if any failed.
#
#   also: test_threads (models trained on several threads at once) under ThreadSanitizer, in a
#   small Debug build of its own (build-tsan/: core, ref, onednn and the test only)
# TG_SANITIZE=address,undefined: the same, in a Debug build with those sanitizers (build-sanitize/);
# TG_SANITIZE=thread likewise with ThreadSanitizer (then the separate build-tsan/ step is skipped).
# TG_JOBS: build and ctest parallelism (default 2). TG_BUILD_DIR: another build directory.
# TG_FUZZ_TIME: seconds per fuzz target (default 60; 0 skips the fuzzing steps).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

jobs=${TG_JOBS:-2}
sanitize=${TG_SANITIZE:-}
build=build type=Release app_flags=()
if [ -n "$sanitize" ]; then
  build=build-sanitize type=Debug
  app_flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize -fno-omit-frame-pointer")
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
# ThreadSanitizer: a process that raced exits 66. Nothing is suppressed. In a whole-suite TSan run
# OpenMP teams are capped at one thread: libgomp is not instrumented, so TSan cannot see its
# barriers order the workers' reads of the caller's stack (the onednn plugin's GEMM shares its
# operands that way) and reports every later reuse of that memory, with the worker's stack
# unrecoverable, so no suppression can name it (`tg bench matmul 1024`: 35 such reports; none
# with OMP_THREAD_LIMIT=1). test_threads has no parallel region that large and runs uncapped.
tsan_options="second_deadlock_stack=1"
if [[ "$sanitize" == *thread* ]]; then
  export TSAN_OPTIONS=${TSAN_OPTIONS:-$tsan_options}
  export OMP_THREAD_LIMIT=1
fi
build=${TG_BUILD_DIR:-$build}
app_generator=()
command -v ninja >/dev/null && app_generator=(-G Ninja)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tg-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/install/tg  # where tg is installed first
moved=$tmp/moved/tg     # where it is moved to

passed=0 failed=0
finish() {
  echo
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
# step <name> <command...>: runs one step and counts it.
step() {
  local name=$1
  shift
  echo
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "--- ok: $name"
  else
    failed=$((failed + 1))
    echo "--- FAILED: $name"
    return 1
  fi
}
# must <name> <command...>: a step the rest depends on; stop at its failure.
must() { step "$@" || finish; }

# tg::dist (libtg-dist) whenever Open MPI is installed (scripts/lib.sh installs it).
with_mpi=OFF
command -v mpicc >/dev/null && command -v mpirun >/dev/null && with_mpi=ON
# mpirun refuses to start as root unless told (CI containers run as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
configure() {
  tg_configure "$build" "$type" -DTG_BUILD_TESTS=ON -DTG_BUILD_EXAMPLES=ON -DTG_SANITIZE="$sanitize" \
    -DTG_WITH_ONEDNN=ON -DTG_WITH_OPENCL=ON -DTG_WITH_HIP=ON -DTG_WITH_MPI="$with_mpi" "$(tg_cuda_flag)"
}
build_all() { cmake --build "$build" -j "$jobs"; }
# Compiled kernels go to a cache of this run's own, so every run starts cold and a stale
# ~/.cache/tg cannot hide a compile failure.
export TG_CACHE_DIR=$tmp/tg-cache
# The whole suite with TG_DEVICE unset: the default device, which must be onednn. jit=2 (the
# same as the default, jit=1): every program is compiled to C before its first launch, so the
# suite checks the compiled kernels.
# With sanitizers, LeakSanitizer's tracer crashes at exit in processes that ran oneDNN's or
# PoCL's worker threads ("Tracer caught signal 11"), so the onednn and opencl passes (and the app
# run on those devices) check memory errors and undefined behaviour but not leaks; the ref pass
# checks leaks too.
plugin_pass_env=()
# use_sigaltstack=0: in those processes ASan's own runtime fails a check when a thread that ran
# tg ends ("failed to deallocate ... UnsetAlternateSignalStack", in AsanThread::Destroy): not a
# memory error of tg's, and with the option the same tests run clean.
[ -n "$sanitize" ] && plugin_pass_env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:use_sigaltstack=0")
run_ctest() {
  local dev
  dev=$(env -u TG_DEVICE -u TG_PLUGIN_PATH "$build/bin/tg" info | awk '/^default device/ { print $3 }')
  echo "  default device: $dev"
  [ "${dev%%:*}" = onednn ] || { echo "  expected onednn as the default device"; return 1; }
  env -u TG_DEVICE "${plugin_pass_env[@]}" TG_PLUGIN_OPTIONS_ONEDNN=jit=2 ctest --test-dir "$build" --output-on-failure -j "$jobs"
  local rc=$?
  # How much of tinygrad's test_ops.py the suite covers (tests/api/tinygrad_ops).
  "$build/bin/test_tinygrad_ops" --count
  return $rc
}
# The device-generic suites again on the ref interpreter (the plugins' own tests, conformance and
# the hip and cuda harvest/compile tests pick their plugin themselves: not repeated; the CNN training run
# would take the interpreter a quarter of an hour).
# tg::dist: the device-independent tests (faults, before init, one rank, DistributedDataParallel,
# the 2-rank mnist) run once; dist_mpi2 (the collectives) runs on each device (ref: MPI on the
# device's buffers, opencl: via host memory).
generic_only='^(hip\.|cuda\.|conformance|abi_|Onednn|Opencl|Render|mnist_cnn|mnist_mlp_distributed|gpt_distributed|dist_rank_|dist_before|dist_world1|dist_mpi2_ddp)'
# A sanitizer build's interpreter is slower still: the MLP run (20 steps) would take it ten minutes,
# and the compile-once training loops (CompileOnce.*, run under the sanitizers in the onednn pass)
# pass their 120 s.
[ -n "$sanitize" ] && generic_only='^(hip\.|cuda\.|conformance|abi_|Onednn|Opencl|Render|mnist_|gpt_distributed|dist_rank_|dist_before|dist_world1|dist_mpi2_ddp|CompileOnce\.)'
run_ctest_ref() { TG_DEVICE=ref ctest --test-dir "$build" --output-on-failure -j "$jobs" -E "$generic_only"; }
# And on OpenCL (PoCL on this CPU): every program compiled by clBuildProgram, ~0.5 s each cold.
# tinygrad's ported op tests (TinygradOps.*, ~400 processes each compiling its own programs) were
# 45% of this pass, about 5 minutes: here every third of them runs (by ctest's test number, so the
# same ones each run); all of them run on onednn and ref above.
run_ctest_opencl() {
  local rc=0
  env "${plugin_pass_env[@]}" TG_DEVICE=opencl ctest --test-dir "$build" --output-on-failure -j "$jobs" \
    -E "$generic_only|^TinygradOps\." || rc=1
  env "${plugin_pass_env[@]}" TG_DEVICE=opencl ctest --test-dir "$build" --output-on-failure -j "$jobs" \
    -R '^TinygradOps\.' -I 1,1000000,3 || rc=1
  return $rc
}
# test_threads under ThreadSanitizer: its own small Debug build (about 5 minutes on 2 cores, the
# run about 40 s), on the ref interpreter and on onednn with every kernel compiled.
tsan_build=build-tsan
tsan_configure() {
  tg_configure "$tsan_build" Debug -DTG_SANITIZE=thread -DTG_BUILD_TESTS=ON -DTG_BUILD_EXAMPLES=OFF \
    -DTG_WITH_ONEDNN=ON -DTG_WITH_OPENCL=OFF -DTG_WITH_HIP=OFF &&
    cmake --build "$tsan_build" -j "$jobs" --target test_threads tg-ref tg-onednn
}
tsan_threads() {
  local dev ok=0
  for dev in ref onednn; do
    echo "  TG_DEVICE=$dev"
    env TSAN_OPTIONS="${TSAN_OPTIONS:-$tsan_options}" TG_DEVICE=$dev TG_PLUGIN_OPTIONS_ONEDNN=jit=2 \
      "$tsan_build/bin/test_threads" || ok=1
  done
  return $ok
}
install_tg() { rm -rf "$prefix" && cmake --install "$build" --prefix "$prefix"; }

# The installed tree: libtg, headers, the tool, the package, and every plugin the build made.
check_layout() {
  local f ok=0 plugins=()
  for f in "$build"/lib/tg-plugins/libtg-*.so; do plugins+=("lib/tg-plugins/${f##*/}"); done
  local dist=()
  [ "$with_mpi" = ON ] && dist=(lib/libtg-dist.so include/tg/dist.hpp lib/cmake/tg/tgDistTargets.cmake)
  for f in lib/libtg.so bin/tg include/tg/tg.hpp include/tg/plugin.h "${plugins[@]}" "${dist[@]}" \
           lib/cmake/tg/tgConfig.cmake lib/cmake/tg/tgConfigVersion.cmake lib/cmake/tg/tgTargets.cmake \
           lib/cmake/tg/tgAddPlugin.cmake share/tg/tg-plugin.map share/tg/sdk/README.md \
           share/tg/sdk/template/CMakeLists.txt share/tg/sdk/template/src/entry.cpp; do
    if [ -e "$prefix/$f" ]; then echo "  $f"; else echo "  missing: $f"; ok=1; fi
  done
  return $ok
}

# The exported package asks consumers for nothing: core's dependencies (Boost, nlohmann_json,
# zlib, libzip) are private to libtg, so tg::tg has no INTERFACE_LINK_LIBRARIES.
package_needs_nothing() {
  local targets=$prefix/lib/cmake/tg/tgTargets.cmake
  if grep -iE 'boost|nlohmann|zlib|libzip|MPI::' "$prefix"/lib/cmake/tg/*.cmake; then
    echo "the installed package names a dependency of libtg (above); consumers must not need it"
    return 1
  fi
  if sed -n '/^set_target_properties(tg::tg /,/^)/p' "$targets" | grep INTERFACE_LINK_LIBRARIES; then
    echo "tg::tg passes libraries on to its consumers (above)"
    return 1
  fi
  echo "  lib/cmake/tg names no dependency; tg::tg links nothing into its consumers"
}

# libtg never links a backend library, and everything it links resolves.
ldd_clean() {
  local out
  out=$(ldd "$1/lib/libtg.so") || return 1
  echo "$out"
  if grep -iE 'dnnl|opencl|amdhip|hiprtc|cuda|mpi|not found' <<<"$out"; then
    echo "libtg.so links a backend library, MPI, or has an unresolved dependency (above)"
    return 1
  fi
}

# tool_lists_ref <prefix>: the installed tool runs without LD_LIBRARY_PATH and finds the ref
# plugin beside its own libtg (the PLUGIN column, 6th, names the file).
tool_lists_ref() {
  local out file want=$1/lib/tg-plugins/libtg-ref.so
  out=$(env -u TG_DEVICE -u TG_PLUGIN_PATH "$1/bin/tg" devices) || { echo "$out"; return 1; }
  echo "$out"
  file=$(awk '$1 == "ref" && $2 == "0" && $3 == "yes" { print $6; exit }' <<<"$out")
  if [ -z "$file" ] || [ "$(realpath "$file")" != "$(realpath "$want")" ]; then
    echo "expected ref:0 available from $want"
    return 1
  fi
  env -u TG_DEVICE -u TG_PLUGIN_PATH "$1/bin/tg" info
}

# build_app <dir> <cmake args...>: examples/app as an outside project against the installed tg.
build_app() {
  local dir=$1
  shift
  rm -rf "$dir"
  cmake -S examples/app -B "$dir" "${app_generator[@]}" -DCMAKE_BUILD_TYPE="$type" "${app_flags[@]}" "$@" &&
    cmake --build "$dir" -j "$jobs"
}
run_app() { env -u TG_PLUGIN_PATH TG_DEVICE=ref "$1/seed"; }
# build_dist_app <dir> <cmake args...>: examples/dist_app (find_package(tg CONFIG REQUIRED
# COMPONENTS dist)) against the installed tg; run_dist_app runs it on two ranks.
build_dist_app() {
  local dir=$1
  shift
  rm -rf "$dir"
  cmake -S examples/dist_app -B "$dir" "${app_generator[@]}" -DCMAKE_BUILD_TYPE="$type" "${app_flags[@]}" "$@" &&
    cmake --build "$dir" -j "$jobs"
}
run_dist_app() { env -u TG_PLUGIN_PATH OMP_NUM_THREADS=1 mpirun -n 2 --oversubscribe "$1/dist_hello"; }

# The same program on every device the installed tg reports available (ref ran above).
run_app_everywhere() {
  local d ok=0
  for d in $(env -u TG_DEVICE -u TG_PLUGIN_PATH "$prefix/bin/tg" devices |
             awk 'NF == 0 { exit } NR > 1 && $3 == "yes" && $1 != "ref" { print $1 ":" $2 }'); do
    if env -u TG_PLUGIN_PATH "${plugin_pass_env[@]}" TG_DEVICE="$d" "$1/seed" >"$tmp/seed-$d.log" 2>&1; then
      echo "  $d: ok"
    else
      echo "  $d: FAILED (exit $?):"
      tail -n 20 "$tmp/seed-$d.log"
      ok=1
    fi
  done
  return $ok
}

# A device that cannot be had is an error naming it, never a silent fallback.
nosuch_fails() {
  local out rc
  out=$(env -u TG_PLUGIN_PATH TG_DEVICE=nosuch "$1/seed" 2>&1)
  rc=$?
  echo "$out" | tail -n 20
  if [ "$rc" -eq 0 ]; then echo "TG_DEVICE=nosuch: exit 0, expected a failure"; return 1; fi
  grep -q nosuch <<<"$out" || { echo "TG_DEVICE=nosuch: the error does not name nosuch"; return 1; }
  echo "  exit $rc, names nosuch"
}

# --- Debian packages: cpack -G DEB from the build, unpacked into a scratch root ---------------------
debs=$tmp/debs root=$tmp/root
# The packages of every component; cpack installs each from the build (nothing is rebuilt).
build_debs() {
  rm -rf "$debs" && mkdir -p "$debs" &&
    cpack -G DEB --config "$build/CPackConfig.cmake" -B "$debs" >"$tmp/cpack.log" 2>&1 ||
    { tail -n 40 "$tmp/cpack.log"; return 1; }
  ls "$debs"/*.deb | sed 's|.*/|  |'
}
deb_of() { ls "$debs/$1"_*.deb 2>/dev/null | head -n 1; }
# Every package there, with its file; each plugin's package depends on its backend runtime (the
# Debian package owning the library it links) and on libtg0; the core depends on no backend.
check_debs() {
  local ok=0 p f deb depends want
  local -A needs=([libtg0]=usr/lib/libtg.so.0 [libtg-dev]=usr/lib/cmake/tg/tgConfig.cmake [tg]=usr/bin/tg)
  [ "$with_mpi" = ON ] && needs+=([libtg-dist0]=usr/lib/libtg-dist.so.0 [libtg-dist-dev]=usr/lib/cmake/tg/tgDistTargets.cmake)
  # libtg0 owns the plugin directory: libtg-dev's package config needs it with no plugin installed.
  grep -q " \./usr/lib/tg-plugins/$" <<<"$(dpkg-deb -c "$(deb_of libtg0)")" ||
    { echo "  libtg0 lacks the directory usr/lib/tg-plugins/"; ok=1; }
  local -A runtime=([ref]="" [onednn]=libdnnl2 [opencl]=ocl-icd-libopencl1 [hip]=libamdhip64-5)
  for f in "$build"/lib/tg-plugins/libtg-*.so; do
    p=${f##*/libtg-} p=${p%.so}
    needs[tg-plugin-$p]=usr/lib/tg-plugins/libtg-$p.so
  done
  for p in $(printf "%s\n" "${!needs[@]}" | sort); do
    deb=$(deb_of "$p")
    if [ -z "$deb" ]; then echo "  missing: the package $p"; ok=1; continue; fi
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "  $p: Depends: $depends"
    grep -q " \./${needs[$p]}\( \|$\)" <<<"$(dpkg-deb -c "$deb")" || { echo "    it lacks ${needs[$p]}"; ok=1; }
    if [[ "$p" == tg-plugin-* ]]; then
      want=${runtime[${p#tg-plugin-}]-}
      for f in libtg0 $want; do
        grep -qE "(^|, )$f( |,|$)" <<<"$depends" || { echo "    it does not depend on $f"; ok=1; }
      done
    fi
  done
  for deb in "$debs"/*.deb; do
    p=$(dpkg-deb -f "$deb" Package)
    [ -n "${needs[$p]-}" ] && continue
    echo "  unexpected package $p: an install() rule without a COMPONENT? (cmake/tgCPack.cmake)"
    dpkg-deb -c "$deb" | sed 's/^/    /'
    ok=1
  done
  if grep -iE 'dnnl|opencl|amdhip|mpi' <<<"$(dpkg-deb -f "$(deb_of libtg0)" Depends)"; then
    echo "  libtg0 depends on a backend runtime (above)"; ok=1
  fi
  return $ok
}
# The core, the tool, the development files and two plugins, as a user with a CPU would install.
extract_debs() {
  local p
  rm -rf "$root" && mkdir -p "$root" || return 1
  for p in libtg0 tg libtg-dev tg-plugin-ref tg-plugin-onednn; do
    echo "  dpkg -x ${p}" && dpkg -x "$(deb_of "$p")" "$root" || return 1
  done
}
# tg devices from the root: onednn and ref, both from the root's plugin directory, nothing else.
debs_devices() {
  local out want
  out=$(env -u TG_DEVICE -u TG_PLUGIN_PATH "$root/usr/bin/tg" devices) || { echo "$out"; return 1; }
  echo "$out"
  want="onednn:$root/usr/lib/tg-plugins/libtg-onednn.so ref:$root/usr/lib/tg-plugins/libtg-ref.so"
  [ "$(awk 'NF == 0 { exit } NR > 1 && $3 == "yes" { print $1 ":" $6 }' <<<"$out" | sort | xargs)" = "$want" ] ||
    { echo "expected exactly: $want"; return 1; }
}
run_app_debs() {
  local d ok=0
  for d in ref onednn; do
    if env -u TG_PLUGIN_PATH "${plugin_pass_env[@]}" TG_DEVICE=$d "$1/seed" >"$tmp/seed-deb-$d.log" 2>&1; then
      echo "  $d: ok"
    else
      echo "  $d: FAILED (exit $?):"; tail -n 20 "$tmp/seed-deb-$d.log"; ok=1
    fi
  done
  return $ok
}

# --- the plugin SDK as shipped: share/tg/sdk/template built with the packaged files alone -------
# build_template <dir> <prefix>: the SDK README's commands, on the installed template as it is.
build_template() {
  rm -rf "$1" &&
    cmake -S "$2/share/tg/sdk/template" -B "$1" "${app_generator[@]}" -DCMAKE_BUILD_TYPE="$type" "${app_flags[@]}" \
      -DCMAKE_PREFIX_PATH="$2" && cmake --build "$1" -j "$jobs"
}
# template_conformance <dir> <prefix>: that prefix's tg runs the whole conformance suite on it.
template_conformance() {
  env -u TG_PLUGIN_PATH "$2/bin/tg" conformance --plugin "$1/libtg-template.so" --level full >"$tmp/tmpl-conf.log" 2>&1
  local rc=$?
  tail -n 3 "$tmp/tmpl-conf.log"
  [ "$rc" -eq 0 ] || { grep -E 'FAIL' "$tmp/tmpl-conf.log" | head -n 20; return 1; }
}
# template_install <dir> <prefix>: tg_add_plugin's install rule, both ways: into another prefix,
# found through TG_PLUGIN_PATH, and into tg's prefix, found beside tg's own plugins.
template_install() {
  local lists='NR > 1 && $1 == "template" && $3 == "yes" { print $6 }' out
  cmake --install "$1" --prefix "$tmp/vendor" >/dev/null || return 1
  out=$(TG_PLUGIN_PATH=$tmp/vendor/lib/tg-plugins "$2/bin/tg" devices | awk "$lists")
  echo "  TG_PLUGIN_PATH=$tmp/vendor/lib/tg-plugins: template from $out"
  [ "$out" = "$tmp/vendor/lib/tg-plugins/libtg-template.so" ] || { echo "  expected it from there"; return 1; }
  cmake --install "$1" --prefix "$2" >/dev/null || return 1
  out=$(env -u TG_PLUGIN_PATH "$2/bin/tg" devices | awk "$lists")
  echo "  installed into $2: template from $out"
  [ "$out" = "$2/lib/tg-plugins/libtg-template.so" ] || { echo "  expected it from there"; return 1; }
}

move_install() { mkdir -p "$(dirname "$moved")" && mv "$prefix" "$moved"; }

# --- fuzzing: tests/fuzz/'s libFuzzer targets, in a clang build of their own --------------------
fuzz_build=build-fuzz
fuzz_time=${TG_FUZZ_TIME:-60}
fuzz_targets=(safetensors idx torch_load kir)
configure_fuzz() {
  tg_configure "$fuzz_build" Debug -DTG_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
}
build_fuzz() { cmake --build "$fuzz_build" -j "$jobs" --target "${fuzz_targets[@]/#/fuzz_}"; }
# fuzz <target>: fuzz_<target> for $fuzz_time s from the seeds make_corpus.py writes. A crash, a
# sanitizer report, an input taking over 10 s, one allocation over 1 GB or 2 GB resident is a
# finding: the step fails, showing the report and the input libFuzzer saved.
fuzz() {
  local t=$1 corpus=$tmp/fuzz-corpus log=$tmp/fuzz-$1.log rc
  [ -d "$corpus/$t" ] || python3 tests/fuzz/make_corpus.py "$corpus" || return 1
  mkdir -p "$fuzz_build/fuzz-findings"
  "$fuzz_build/bin/fuzz_$t" -max_total_time="$fuzz_time" -timeout=10 -malloc_limit_mb=1024 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$fuzz_build/fuzz-findings/$t-" "$corpus/$t" >"$log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz_$t found a problem (exit $rc); rerun its input with: $fuzz_build/bin/fuzz_$t $fuzz_build/fuzz-findings/$t-*"
    return 1
  fi
  grep -E 'stat::number_of_executed_units|DONE' "$log" | sed 's/^/  /'
}

echo "tg test: $type build in $build/${sanitize:+ with -fsanitize=$sanitize}, $jobs jobs"
must "apt packages" tg_install_deps
must "configure ($type)" configure
must "build" build_all
step "ctest (TG_DEVICE unset: onednn, every kernel compiled)" run_ctest
step "ctest of the device-generic suites with TG_DEVICE=ref" run_ctest_ref
step "ctest of the device-generic suites with TG_DEVICE=opencl" run_ctest_opencl
if [ -z "$sanitize" ]; then
  step "build test_threads with ThreadSanitizer ($tsan_build/)" tsan_configure &&
    step "test_threads under ThreadSanitizer (ref, onednn)" tsan_threads
fi
must "cmake --install to a temporary prefix" install_tg
step "installed layout" check_layout
step "package passes no dependency on" package_needs_nothing
step "installed tg tool finds the ref plugin" tool_lists_ref "$prefix"
must "build examples/app against the install (CMAKE_PREFIX_PATH)" build_app "$tmp/app" -DCMAKE_PREFIX_PATH="$prefix"
step "examples/app on TG_DEVICE=ref" run_app "$tmp/app"
step "examples/app on every other available device" run_app_everywhere "$tmp/app"
step "examples/app on TG_DEVICE=nosuch fails naming it" nosuch_fails "$tmp/app"
if [ "$with_mpi" = ON ]; then
  step "build examples/dist_app against the install (COMPONENTS dist)" build_dist_app "$tmp/dist-app" \
    -DCMAKE_PREFIX_PATH="$prefix" && step "examples/dist_app under mpirun -n 2" run_dist_app "$tmp/dist-app"
fi
must "move the install to another path" move_install
step "moved tg tool finds the ref plugin" tool_lists_ref "$moved"
step "build examples/app against the moved install (tg_DIR)" build_app "$tmp/app-moved" -Dtg_DIR="$moved/lib/cmake/tg"
step "examples/app on the moved install" run_app "$tmp/app-moved"
step "ldd libtg.so shows no backend library" ldd_clean "$moved"
must "cpack -G DEB: one package per component" build_debs
step "packages: contents and dependencies" check_debs
must "dpkg -x the core, tool, dev, ref and onednn packages into a scratch root" extract_debs
step "tg devices from the packages: onednn and ref" debs_devices
step "build examples/app against the packages (libtg-dev)" build_app "$tmp/app-deb" -Dtg_DIR="$root/usr/lib/cmake/tg" &&
  step "examples/app from the packages on ref and onednn" run_app_debs "$tmp/app-deb"
step "build the installed SDK template (share/tg/sdk/template) from the packages" build_template "$tmp/template" "$root/usr" &&
  step "tg conformance --level full on the template plugin" template_conformance "$tmp/template" "$root/usr" &&
  step "the template plugin installs beside tg and into a TG_PLUGIN_PATH directory" template_install "$tmp/template" "$root/usr"
if [ "$fuzz_time" != 0 ]; then
  if step "configure the fuzz targets (clang, $fuzz_build/)" configure_fuzz && step "build the fuzz targets" build_fuzz; then
    for t in "${fuzz_targets[@]}"; do step "fuzz_$t for ${fuzz_time} s finds nothing" fuzz "$t"; done
  fi
fi
finish
