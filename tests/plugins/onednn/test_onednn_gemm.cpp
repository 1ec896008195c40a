// tg's own GEMM (plugins/onednn/gemm.hpp) against a plain triple loop in double precision: both
// microkernels, every thread count, partial tiles, several K blocks, N past one column block,
// transposed, broadcast (stride 0) and strided operands, a strided C, K = 0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gemm.hpp"

namespace {

using tg::onednn::GemmIsa;
using tg::onednn::GemmOperands;

struct Layout {
  bool a_t = false, b_t = false, c_t = false;  // stored transposed
  bool a_broadcast_rows = false;               // every row of A is row 0 (row stride 0)
  int64_t pad = 0;                             // extra elements at the end of every stored row
};

struct Buffers {
  std::vector<float> a, b, c;
  GemmOperands g;
};

Buffers make(int64_t m, int64_t n, int64_t k, const Layout& l, uint32_t seed) {
  Buffers x;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto fill = [&](std::vector<float>& v, int64_t rows, int64_t cols, bool t, int64_t* rs, int64_t* cs) {
    const int64_t outer = t ? cols : rows, inner = (t ? rows : cols) + l.pad;
    v.resize(static_cast<size_t>(std::max<int64_t>(outer * inner, 1)));
    for (float& f : v) f = u(rng);
    *rs = t ? 1 : inner;
    *cs = t ? inner : 1;
  };
  GemmOperands& g = x.g;
  g.m = m, g.n = n, g.k = k;
  fill(x.a, l.a_broadcast_rows ? 1 : m, k, l.a_t, &g.a_rs, &g.a_cs);
  if (l.a_broadcast_rows) g.a_rs = 0;
  fill(x.b, k, n, l.b_t, &g.b_rs, &g.b_cs);
  fill(x.c, m, n, l.c_t, &g.c_rs, &g.c_cs);  // garbage in C: the GEMM overwrites it
  g.a = x.a.data(), g.b = x.b.data(), g.c = x.c.data();
  return x;
}

::testing::AssertionResult matches_loop(const Buffers& x) {
  const GemmOperands& g = x.g;
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      double want = 0, mag = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        const double t = double{g.a[i * g.a_rs + p * g.a_cs]} * double{g.b[p * g.b_rs + j * g.b_cs]};
        want += t, mag += std::fabs(t);
      }
      const double got = g.c[i * g.c_rs + j * g.c_cs];
      if (!(std::fabs(got - want) <= 1e-5 * mag + 1e-6))  // float32 accumulation over k terms
        return ::testing::AssertionFailure() << "C[" << i << "][" << j << "] = " << got << ", want " << want;
    }
  return ::testing::AssertionSuccess();
}

void run(const Buffers& x, GemmIsa isa, int threads) {
  const uint64_t bytes = tg::onednn::gemm_scratch_bytes(isa, x.g.m, x.g.n, x.g.k, threads);
  std::unique_ptr<void, decltype(&std::free)> scratch(std::aligned_alloc(64, (bytes + 64) / 64 * 64), &std::free);
  tg::onednn::sgemm(x.g, isa, threads, scratch.get());
}

std::vector<GemmIsa> isas() {
  std::vector<GemmIsa> v;
  if (tg::onednn::gemm_best_isa() != GemmIsa::none) v.push_back(GemmIsa::avx2);
  if (tg::onednn::gemm_best_isa() == GemmIsa::avx512) v.push_back(GemmIsa::avx512);
  return v;
}

std::string name(GemmIsa isa, int threads) {
  return std::string(tg::onednn::gemm_isa_name(isa)) + ", " + std::to_string(threads) + " threads";
}

TEST(OnednnGemm, ShapesMatchATripleLoop) {
  if (isas().empty()) GTEST_SKIP() << "this CPU has neither AVX2 + FMA nor AVX-512: tg's GEMM cannot run here";
  // m, n, k: single elements, partial tiles on both sides, k in several blocks (520 -> 3 x 174),
  // m past the A block, n past the 4096-column B block.
  const int64_t shapes[][3] = {{1, 1, 1},   {5, 7, 3},     {6, 16, 256},  {14, 32, 257}, {17, 33, 9},
                               {300, 70, 520}, {85, 200, 64}, {3, 4100, 40}, {128, 10, 128}};
  uint32_t seed = 1;
  for (GemmIsa isa : isas())
    for (int threads : {1, 2, 3})
      for (const auto& s : shapes) {
        Buffers x = make(s[0], s[1], s[2], {}, seed++);
        run(x, isa, threads);
        EXPECT_TRUE(matches_loop(x)) << s[0] << " x " << s[1] << " x " << s[2] << ", " << name(isa, threads);
      }
}

TEST(OnednnGemm, TransposedBroadcastAndPaddedLayoutsMatchATripleLoop) {
  if (isas().empty()) GTEST_SKIP() << "this CPU has neither AVX2 + FMA nor AVX-512: tg's GEMM cannot run here";
  const Layout layouts[] = {{true, false, false, false, 0}, {false, true, false, false, 0},
                            {false, false, true, false, 0}, {true, true, true, false, 3},
                            {false, false, false, true, 0}, {false, false, false, false, 5}};
  // 45 x 50 x 300: partial tiles and slivers, K in two blocks of 150 (not a multiple of 8: the
  // vector packing's tails); 64 x 4200 x 40: N past one column block, split between threads.
  const int64_t shapes[][3] = {{45, 50, 300}, {64, 4200, 40}};
  uint32_t seed = 100;
  for (GemmIsa isa : isas())
    for (int threads : {1, 2, 3})
      for (const auto& s : shapes)
        for (size_t l = 0; l < std::size(layouts); ++l) {
          Buffers x = make(s[0], s[1], s[2], layouts[l], seed++);
          run(x, isa, threads);
          EXPECT_TRUE(matches_loop(x)) << s[0] << " x " << s[1] << " x " << s[2] << ", layout " << l << ", "
                                       << name(isa, threads);
        }
}

TEST(OnednnGemm, ThreadsSplittingColumnsAcrossColumnBlocksDoNotRace) {
  if (isas().empty()) GTEST_SKIP() << "this CPU has neither AVX2 + FMA nor AVX-512: tg's GEMM cannot run here";
  // N spans three 4096-column blocks and the threads split C by columns, so a packed B sliver's
  // place belongs to one thread in one block and to another in the next. Repeated: a thread
  // that packs the next block early only sometimes overwrites one still being read.
  uint32_t seed = 300;
  for (GemmIsa isa : isas())
    for (int threads : {2, 3})
      for (int rep = 0; rep < 30; ++rep) {
        Buffers x = make(12, 2 * 4096 + 100, 24, {true, rep % 2 == 1, false, false, 0}, seed++);
        run(x, isa, threads);
        ASSERT_TRUE(matches_loop(x)) << name(isa, threads) << ", run " << rep;
      }
}

TEST(OnednnGemm, EmptyKGivesZerosAndEmptyMOrNTouchesNothing) {
  if (isas().empty()) GTEST_SKIP() << "this CPU has neither AVX2 + FMA nor AVX-512: tg's GEMM cannot run here";
  for (GemmIsa isa : isas()) {
    Buffers x = make(7, 9, 0, {}, 7);
    run(x, isa, 2);
    for (float f : x.c) EXPECT_EQ(f, 0.0f) << tg::onednn::gemm_isa_name(isa);
    Buffers y = make(0, 9, 5, {}, 8);
    const std::vector<float> before = y.c;
    run(y, isa, 2);
    EXPECT_EQ(y.c, before) << tg::onednn::gemm_isa_name(isa);
  }
}

}  // namespace
