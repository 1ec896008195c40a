#include "runtime/env.hpp"

#include <cstdlib>
#include <vector>

#include "tg/datasets.hpp"
#include "tg/device.hpp"
#include "tg/error.hpp"

namespace tg {
namespace {

struct Knob {
  const char* name;
  const char* default_value;
  const char* help;
};

constexpr Knob kKnobs[] = {
    {"TG_DEVICE", "", "device for new tensors: name[:index], a comma list in order of preference, or auto (unset = best available)"},
    {"TG_PLUGIN_PATH", "", "':'-separated plugin directories or libtg-<name>.so files, searched before the directory beside libtg"},
    {"TG_PLUGIN_DEBUG", "0", "1: trace every plugin candidate (path, loader result, ABI versions, devices)"},
    {"TG_DEBUG", "0", "1: one line per kernel launch on stderr; 2: also each program; 3: also timings; 4: also each schedule built, with the fusion rule at each kernel boundary"},
    {"TG_PLUGIN_OPTIONS_<NAME>", "", "'key=value;...' options passed to plugin <name> at initialization"},
    {"TG_CACHE_DIR", "~/.cache/tg", "where plugins keep compiled kernels between runs (<dir>/onednn/, <dir>/opencl/, <dir>/hip/; yours, 0700)"},
    {"TG_CACHE_MAX", "1G", "the kernel cache's size cap, e.g. 500M or 2G; least recently used kernels go first"},
    {"TG_MAX_PROGRAMS", "2048", "compiled programs a device keeps in memory (least recently used go first; the disk cache keeps the rest)"},
    {"TG_CC", "cc", "the C compiler the onednn plugin compiles its kernels with"},
    {"TG_DIST_TIMEOUT", "600", "seconds a tg::dist collective waits for the other ranks before it fails with tg::Error (a rank died or stopped)"},
    {"TG_MNIST_DIR", tg::nn::datasets::kFashionMnistDir, "where nn::datasets::mnist() looks for the IDX files when given no directory"},
    {"TG_CUDA_NVRTC", "", "the nvrtc library file the cuda plugin loads first"},
    {"TG_BENCH_PYTHON", "/usr/bin/python3", "the Python that tg bench runs PyTorch with, for its comparison (python3 where that is missing)"},
    {"TG_BENCH_TORCH_DEVICE", "cpu", "the PyTorch device tg bench compares against"},
};

const Knob* find(const char* name) {
  for (const Knob& k : kKnobs)
    if (std::string(k.name) == name) return &k;
  return nullptr;
}

}  // namespace

std::vector<EnvVar> env_vars() {
  std::vector<EnvVar> out;
  for (const Knob& k : kKnobs) {
    const char* v = std::getenv(k.name);
    out.push_back({k.name, v ? v : "", k.default_value, k.help});
  }
  return out;
}

namespace detail {

std::string env_str(const char* name) {
  if (const char* v = std::getenv(name)) return v;
  const Knob* k = find(name);
  return k ? k->default_value : "";
}

int env_int(const char* name) { return std::atoi(env_str(name).c_str()); }

}  // namespace detail
}  // namespace tg
