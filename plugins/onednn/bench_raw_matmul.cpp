// tg-onednn-raw-matmul [N] [repeat]: an N x N float32 matmul straight through oneDNN, no tg in
// between: the yardstick for `tg bench matmul N` ("within 10% of a raw oneDNN call"). Prints the
// best time and GFLOP/s. Built beside the plugin, not installed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1024;
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 10;
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const dnnl::memory::desc md({n, n}, dt::f32, tag::ab);
  std::vector<float> a(static_cast<size_t>(n * n), 0.5f), b(a.size(), 0.25f), c(a.size());
  dnnl::memory ma(md, engine, a.data()), mb(md, engine, b.data()), mc(md, engine, c.data());
  dnnl::matmul prim(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), engine));
  auto run = [&] {
    prim.execute(stream, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
    stream.wait();
  };
  run();
  run();
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("raw oneDNN matmul %lld fp32: %.3f ms, %.1f GFLOP/s\n", static_cast<long long>(n), best * 1e3,
              2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9);
  return c[0] == 0.125f * static_cast<float>(n) ? 0 : 1;  // 0.5 * 0.25 * n: the result is right
}
