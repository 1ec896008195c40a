#include "cuda_api.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace tg::cuda {

namespace {

// The symbol name after cuda.h's renaming (cuMemAlloc -> "cuMemAlloc_v2").
#define TG_CUDA_NAME(f) TG_CUDA_STR(f)
#define TG_CUDA_STR(f) #f

struct Loaded {
  Driver driver;
  std::string driver_why;
  Nvrtc nvrtc;
  std::string nvrtc_why;
};

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

// Fills `table`'s members from `handle`; "" or the first missing symbol's name.
template <class Table>
std::string resolve_driver(Table& t) {
#define TG_CUDA_RESOLVE(f)                                                                 \
  t.f = reinterpret_cast<decltype(t.f)>(dlsym(t.handle, TG_CUDA_NAME(f)));                 \
  if (!t.f) return TG_CUDA_NAME(f);
  TG_CUDA_DRIVER_FUNCTIONS(TG_CUDA_RESOLVE)
  return "";
}

template <class Table>
std::string resolve_nvrtc(Table& t) {
  TG_CUDA_NVRTC_FUNCTIONS(TG_CUDA_RESOLVE)
  return "";
#undef TG_CUDA_RESOLVE
}

void open_driver(Loaded& l) {
  // RTLD_LOCAL: the driver's symbols stay out of the global namespace, so the plugin never
  // clashes with another copy an application (PyTorch) opened.
  l.driver.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!l.driver.handle) {
    l.driver_why = dl_error() + " (the NVIDIA driver is not installed here, or not visible to this process)";
    return;
  }
  const std::string missing = resolve_driver(l.driver);
  if (!missing.empty()) {
    l.driver_why = "libcuda.so.1 has no " + missing + ": the NVIDIA driver is too old for this plugin";
    l.driver = Driver{};
  }
}

void open_nvrtc(Loaded& l) {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("TG_CUDA_NVRTC"); p && *p) candidates.emplace_back(p);
  candidates.push_back("libnvrtc.so." + std::to_string(CUDA_VERSION / 1000));
  candidates.emplace_back("libnvrtc.so");
#ifdef TG_CUDA_NVRTC_FALLBACK
  candidates.emplace_back(TG_CUDA_NVRTC_FALLBACK);
#endif
  std::string tried;
  for (const std::string& c : candidates) {
    void* h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::string e = dl_error();
      if (e.rfind(c, 0) != 0) e = c + ": " + e;  // the loader names the file, except when an audit module refused it
      tried += (tried.empty() ? "" : "; ") + e;
      continue;
    }
    Nvrtc n;
    n.handle = h;
    n.path = c;
    const std::string missing = resolve_nvrtc(n);
    if (!missing.empty()) {
      tried += (tried.empty() ? "" : "; ") + c + " has no " + missing;
      dlclose(h);
      continue;
    }
    l.nvrtc = n;
    return;
  }
  l.nvrtc_why = "nvrtc (the CUDA toolkit's run-time compiler) could not be loaded: " + tried +
                " (install the CUDA toolkit's nvrtc, or set TG_CUDA_NVRTC to the path of libnvrtc.so)";
}

const Loaded& loaded() {
  static const Loaded l = [] {
    Loaded x;
    open_driver(x);
    open_nvrtc(x);
    return x;
  }();
  return l;
}

}  // namespace

const Driver* driver(std::string* why) {
  const Loaded& l = loaded();
  if (l.driver.handle) return &l.driver;
  if (why) *why = l.driver_why;
  return nullptr;
}

const Nvrtc* nvrtc(std::string* why) {
  const Loaded& l = loaded();
  if (l.nvrtc.handle) return &l.nvrtc;
  if (why) *why = l.nvrtc_why;
  return nullptr;
}

std::string nvrtc_version_text(const Nvrtc& rtc) {
  int major = 0, minor = 0;
  if (rtc.nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "nvrtc (version unknown)";
  return "nvrtc " + std::to_string(major) + "." + std::to_string(minor);
}

std::vector<int> nvrtc_archs(const Nvrtc& rtc) {
  int n = 0;
  if (rtc.nvrtcGetNumSupportedArchs(&n) != NVRTC_SUCCESS || n <= 0) return {};
  std::vector<int> archs(static_cast<size_t>(n));
  if (rtc.nvrtcGetSupportedArchs(archs.data()) != NVRTC_SUCCESS) return {};
  std::sort(archs.begin(), archs.end());
  return archs;
}

}  // namespace tg::cuda
