// Timings of the OpenCL plugin through the public tg API (not a test: numbers for
// plugins/opencl/README.md). Usage: opencl_bench [device] (default "opencl"), e.g.
//   TG_CACHE_DIR=/tmp/tgc build/bin/opencl_bench opencl
// Each case runs once to compile (and fill the caches), then `reps` times; prints the best.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <tg/tg.hpp>

namespace {

template <class F>
double best_seconds(int reps, F&& run) {
  run();  // compile, allocate
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string device = argc > 1 ? argv[1] : "opencl";
  const tg::TensorOptions on{tg::DType::float32, device, false};
  try {
    for (int64_t n : {256, 512, 1024}) {
      tg::Tensor a = tg::Tensor::rand({n, n}, on).realize(), b = tg::Tensor::rand({n, n}, on).realize();
      const double s = best_seconds(5, [&] {
        a.matmul(b).realize();
        tg::synchronize();
      });
      std::printf("%s matmul %lldx%lld: %.2f ms, %.1f GFLOP/s\n", device.c_str(), static_cast<long long>(n),
                  static_cast<long long>(n), s * 1e3, 2.0 * n * n * n / s / 1e9);
    }
    const int64_t n = 16 * 1024 * 1024;
    tg::Tensor a = tg::Tensor::rand({n}, on).realize(), b = tg::Tensor::rand({n}, on).realize(),
               c = tg::Tensor::rand({n}, on).realize();
    const double s = best_seconds(5, [&] {
      (a * b + c).realize();
      tg::synchronize();
    });
    // Three float32 streams read, one written.
    std::printf("%s a*b+c over 16M floats: %.2f ms, %.1f GB/s\n", device.c_str(), s * 1e3, 4.0 * 4 * n / s / 1e9);
    tg::Tensor x = tg::Tensor::rand({n}, on).realize();
    const double r = best_seconds(5, [&] {
      x.sum().realize();
      tg::synchronize();
    });
    std::printf("%s sum over 16M floats: %.2f ms, %.1f GB/s\n", device.c_str(), r * 1e3, 4.0 * n / r / 1e9);
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "opencl_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
