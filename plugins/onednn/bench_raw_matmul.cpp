// tg-onednn-raw-matmul [N] [repeat]: an N x N float32 matmul straight through oneDNN, no tg in
// between -- the yardstick for "tg's matmul within 10% of a raw oneDNN call" -- and the same
// matmul through tg on the onednn device, in the same process, the two alternating run by run
// (this machine's speed drifts by more than 10% from one minute to the next, so timings taken
// by separate commands cannot settle a 10% question). Prints the best of each and their ratio.
// Built beside the plugin, not installed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>
#include <tg/tg.hpp>

namespace {

template <class F>
double seconds(const F& run) {
  const auto t0 = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1024;
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 10;
  if (n <= 0 || repeat <= 0) {
    std::fprintf(stderr, "usage: tg-onednn-raw-matmul [N > 0] [repeat > 0]\n");
    return 2;
  }
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const dnnl::memory::desc md({n, n}, dt::f32, tag::ab);
  std::vector<float> a(static_cast<size_t>(n * n), 0.5f), b(a.size(), 0.25f), c(a.size());
  dnnl::memory ma(md, engine, a.data()), mb(md, engine, b.data()), mc(md, engine, c.data());
  dnnl::matmul prim(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), engine));
  auto raw = [&] {
    prim.execute(stream, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
    stream.wait();
  };

  tg::Tensor ta, tb;
  try {
    const tg::TensorOptions on{tg::DType::float32, "onednn", false};
    ta = tg::Tensor::full({n, n}, 0.5f, on).contiguous().realize();
    tb = tg::Tensor::full({n, n}, 0.25f, on).contiguous().realize();
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "tg-onednn-raw-matmul: %s\n", e.what());
    return 1;
  }
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
  return c[0] == want && tg_first == want ? 0 : 1;
}
