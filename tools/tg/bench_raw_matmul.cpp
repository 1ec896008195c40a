// tg bench raw-matmul [N]: an N x N float32 matmul straight through oneDNN, no tg in between --
// the yardstick for "tg's matmul within 10% of a raw oneDNN call" -- and the same matmul through
// tg on the onednn device, in the same process, the two alternating run by run (this machine's
// speed drifts by more than 10% from one minute to the next, so timings taken by separate
// commands cannot settle a 10% question). Prints the best of each and their ratio; exits 1 when
// either result is wrong.
// oneDNN is opened at run time (its C API, by soname): the tool links only tg, so `tg devices`
// still runs, and says why, on a machine without oneDNN. Built where the onednn plugin is.
#include <dlfcn.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_version.h>
#include <tg/tg.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"

namespace tgtool {
namespace {

const std::string kSoname = "libdnnl.so." + std::to_string(DNNL_VERSION_MAJOR);

// The oneDNN C functions this uses, looked up in the library dlopen found.
struct Dnnl {
#define TG_DNNL_FN(name) decltype(&::name) name = nullptr;
#define TG_DNNL_FNS(X)                                                                                        \
  X(dnnl_engine_create) X(dnnl_engine_destroy) X(dnnl_stream_create) X(dnnl_stream_wait) X(dnnl_stream_destroy) \
  X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_create) X(dnnl_memory_destroy) X(dnnl_matmul_desc_init)        \
  X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) X(dnnl_primitive_create)                        \
  X(dnnl_primitive_execute) X(dnnl_primitive_destroy)
  TG_DNNL_FNS(TG_DNNL_FN)
#undef TG_DNNL_FN

  Dnnl() {
    void* lib = dlopen(kSoname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw tg::Error("tg bench raw-matmul: cannot open oneDNN (" + std::string(dlerror()) + ")");
#define TG_DNNL_SYM(name)                                                                            \
  name = reinterpret_cast<decltype(name)>(dlsym(lib, #name));                                        \
  if (!name) throw tg::Error("tg bench raw-matmul: " + kSoname + " has no " #name);
    TG_DNNL_FNS(TG_DNNL_SYM)
#undef TG_DNNL_SYM
  }
};
#undef TG_DNNL_FNS

// oneDNN's objects for one matmul, destroyed in reverse order however the run ends.
struct Objects {
  const Dnnl& d;
  dnnl_engine_t engine = nullptr;
  dnnl_stream_t stream = nullptr;
  dnnl_memory_t a = nullptr, b = nullptr, c = nullptr;
  dnnl_primitive_desc_t pd = nullptr;
  dnnl_primitive_t prim = nullptr;
  explicit Objects(const Dnnl& dnnl) : d(dnnl) {}
  Objects(const Objects&) = delete;
  Objects& operator=(const Objects&) = delete;
  ~Objects() {
    if (prim) d.dnnl_primitive_destroy(prim);
    if (pd) d.dnnl_primitive_desc_destroy(pd);
    for (dnnl_memory_t m : {c, b, a})
      if (m) d.dnnl_memory_destroy(m);
    if (stream) d.dnnl_stream_destroy(stream);
    if (engine) d.dnnl_engine_destroy(engine);
  }
};

void check(dnnl_status_t s, const char* what) {
  if (s != dnnl_success) throw tg::Error(std::string("tg bench raw-matmul: oneDNN's ") + what + " failed (status " + std::to_string(s) + ")");
}

template <class F>
double seconds(const F& run) {
  const auto t0 = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int run_raw_matmul(int64_t n, int repeat) {
  const Dnnl d;
  Objects o(d);
  check(d.dnnl_engine_create(&o.engine, dnnl_cpu, 0), "engine_create");
  check(d.dnnl_stream_create(&o.stream, o.engine, dnnl_stream_default_flags), "stream_create");
  dnnl_memory_desc_t md;
  const dnnl_dims_t dims = {n, n};
  check(d.dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_f32, dnnl_ab), "memory_desc_init_by_tag");
  std::vector<float> a(static_cast<size_t>(n * n), 0.5f), b(a.size(), 0.25f), c(a.size());
  check(d.dnnl_memory_create(&o.a, &md, o.engine, a.data()), "memory_create");
  check(d.dnnl_memory_create(&o.b, &md, o.engine, b.data()), "memory_create");
  check(d.dnnl_memory_create(&o.c, &md, o.engine, c.data()), "memory_create");
  dnnl_matmul_desc_t desc;
  check(d.dnnl_matmul_desc_init(&desc, &md, &md, nullptr, &md), "matmul_desc_init");
  check(d.dnnl_primitive_desc_create(&o.pd, &desc, nullptr, o.engine, nullptr), "primitive_desc_create");
  check(d.dnnl_primitive_create(&o.prim, o.pd), "primitive_create");
  const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, o.a}, {DNNL_ARG_WEIGHTS, o.b}, {DNNL_ARG_DST, o.c}};
  auto raw = [&] {
    check(d.dnnl_primitive_execute(o.prim, o.stream, 3, args), "primitive_execute");
    check(d.dnnl_stream_wait(o.stream), "stream_wait");
  };

  const tg::TensorOptions on{tg::DType::float32, "onednn", false};
  tg::Tensor ta = tg::Tensor::full({n, n}, 0.5f, on).contiguous().realize();
  tg::Tensor tb = tg::Tensor::full({n, n}, 0.25f, on).contiguous().realize();
  float tg_first = 0;
  auto through_tg = [&] {
    tg::Tensor out = ta.matmul(tb).realize();
    tg::synchronize();
    if (tg_first == 0) tg_first = out.reshape({-1})[0].item<float>();
  };
  for (int i = 0; i < 2; ++i) raw(), through_tg();  // warm up: primitives, kernels, buffers
  double best_raw = 1e30, best_tg = 1e30;
  for (int i = 0; i < repeat; ++i) {
    best_raw = std::min(best_raw, seconds(raw));
    best_tg = std::min(best_tg, seconds(through_tg));
  }

  const double flop = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  std::printf("raw oneDNN matmul %lld fp32: %.3f ms, %.1f GFLOP/s\n", static_cast<long long>(n), best_raw * 1e3,
              flop / best_raw / 1e9);
  std::printf("tg (onednn) matmul %lld fp32: %.3f ms, %.1f GFLOP/s\n", static_cast<long long>(n), best_tg * 1e3,
              flop / best_tg / 1e9);
  std::printf("tg / raw time: %.3f (best of %d each, alternating)\n", best_tg / best_raw, repeat);
  const float want = 0.125f * static_cast<float>(n);  // 0.5 * 0.25 * n
  if (c[0] == want && tg_first == want) return kExitOk;
  std::fprintf(stderr, "tg bench raw-matmul: wrong result: raw oneDNN %g, tg %g, expected %g\n", c[0], tg_first, want);
  return kExitFailure;
}

}  // namespace tgtool
