# Shared by scripts/demo.sh and scripts/test.sh (sourced, not run).

# The Debian 12 packages tg's build, tests and demo need: the onednn plugin is built by default,
# and test.sh builds the opencl and hip plugins too (and cuda where the CUDA toolkit is installed).
TG_APT_PACKAGES=(
  cmake g++ ninja-build                                       # the build
  dpkg-dev file                                               # cpack -G DEB: dpkg-shlibdeps, file
  libboost-dev libboost-program-options-dev                   # core (Boost.DLL) and the tg tool
  nlohmann-json3-dev zlib1g-dev                               # core: safetensors, gzipped IDX files
  libzip-dev                                                  # core: PyTorch .pt checkpoints (zip archives)
  libgtest-dev                                                # tests/
  libdnnl-dev                                                 # plugins/onednn
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd           # plugins/opencl, PoCL as a CPU OpenCL device
  libamdhip64-dev hipcc                                       # plugins/hip: HIP runtime, hiprtc, AMD device libs
  dataset-fashion-mnist                                       # examples/mnist and its test
  fortunes-min                                                # examples/gpt: its default text and its test
  python3-torch                                               # tests/api/tinygrad_ops: PyTorch's reference values
  clang libfuzzer-14-dev python3                              # tests/fuzz: libFuzzer targets, seed corpora
  libopenmpi-dev openmpi-bin                                  # core/dist (tg::dist over MPI) and its tests
)

# Installs the missing ones with apt-get (as root). When every package is already there nothing
# is run, so an offline machine or a non-root user with the packages works too.
tg_install_deps() {
  local missing=() p
  for p in "${TG_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "packages: all present (${TG_APT_PACKAGES[*]})"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "packages missing: ${missing[*]}" >&2
    echo "install them as root: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"
}

# The CUDA plugin (plugins/cuda) is built where NVIDIA's CUDA toolkit is installed: it is not a
# Debian package (NVIDIA's installer puts it in /usr/local/cuda), so it is not in the list above.
# The build needs only its headers; the plugin opens the driver and nvrtc at run time.
tg_cuda_flag() {
  local root=${CUDA_HOME:-/usr/local/cuda}
  if [ -f "$root/include/cuda.h" ] && [ -f "$root/include/nvrtc.h" ]; then
    echo "-DTG_WITH_CUDA=ON"
  else
    echo "-DTG_WITH_CUDA=OFF"
  fi
}

# tg_configure <build dir> <build type> [cmake args...]: configures tg's tree, with Ninja when
# the build dir is new and Ninja is there (an existing build dir keeps its generator).
tg_configure() {
  local dir=$1 type=$2
  shift 2
  local generator=()
  if [ ! -f "$dir/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$type" "$@"
}
