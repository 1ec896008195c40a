// Gathers and scatters: x.gather, int-tensor indexing, index_put_, Embedding, scatter,
// scatter_add, scatter_reduce. On a device that declares TG_KIR_INDEXED (ABI 1.4) these are
// GATHER / SCATTER_ADD programs; elsewhere (an older plugin, or TG_PLUGIN_OPTIONS_ONEDNN=indexed=0,
// which this suite also runs under with TG_TEST_ONE_HOT=1) one-hot masked sums. Same numbers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "nn_test_util.hpp"
#include "tg/nn.hpp"
#include "tg_test_util.hpp"

using nntest::check_grad;
using nntest::Input;
using tg::DType;
using tg::Slice;
using tg::Tensor;
using tg::TensorOptions;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;
using tgtest::error_of;
using tgtest::iota;

namespace {

Tensor ints(std::vector<int32_t> v, Dims shape) { return Tensor(std::move(v), tg::Shape(shape)); }
Tensor longs(std::vector<int64_t> v, Dims shape) { return Tensor(std::move(v), tg::Shape(shape)); }
bool one_hot_path() { return std::getenv("TG_TEST_ONE_HOT") != nullptr; }

template <typename F>
tg::RuntimeStats measure(F&& f) {
  tg::synchronize();
  tg::reset_runtime_stats();
  f();
  tg::synchronize();
  return tg::runtime_stats();
}

}  // namespace

// ---------------------------------------------------------------- gather

TEST(Gather, RowsAndColumnsAsPyTorch) {
  Tensor x = iota({3, 4});  // 0..11
  // dim 0: out[i][j] = x[idx[i][j]][j]
  Tensor a = x.gather(0, ints({2, 0, 1, 2, 0, 0, 0, 1}, {2, 4}));
  EXPECT_EQ(dims(a), (Dims{2, 4}));
  EXPECT_TRUE(all_close(a, {8, 1, 6, 11, 0, 1, 2, 7}));
  // dim 1 with an index narrower than x in dim 0 and longer along dim 1
  Tensor b = x.gather(1, longs({3, 3, 0, 1, 2}, {1, 5}));
  EXPECT_TRUE(all_close(b, {3, 3, 0, 1, 2}));
}

TEST(Gather, OutOfRangeIndicesReadZero) {
  Tensor x = iota({3, 2}) + 1;  // 1..6
  Tensor a = x.gather(0, ints({-1, 3, 2, 100000}, {2, 2}));
  EXPECT_TRUE(all_close(a, {0, 0, 5, 0}));
}

TEST(Gather, IntegerTablesAndViews) {
  Tensor x = iota({4, 3}).cast(DType::int32).transpose(0, 1);  // (3, 4), a permuted view
  Tensor a = x.gather(1, ints({3, 0, 1, 2, 2, 2}, {3, 2}));
  EXPECT_EQ(a.dtype(), DType::int32);
  EXPECT_TRUE(all_close(a, {9, 0, 4, 7, 8, 8}));
}

TEST(Gather, Gradient) {
  Tensor idx = ints({1, 0, 1, 2, 2, 2, 0, 5}, {4, 2});  // repeats and one out of range
  check_grad([&](std::vector<Tensor> t) { return t[0].gather(0, idx); },
             {Input{{0.5, -1.0, 2.0, 0.25, -3.0, 1.5}, {3, 2}}});
  check_grad([&](std::vector<Tensor> t) { return (t[0] * 2.0).gather(1, idx.index({Slice(0, 3)})).exp(); },
             {Input{{0.5, -1.0, 2.0, 0.25, -3.0, 1.5}, {3, 2}}});
}

TEST(Gather, FusesWithElementwiseConsumers) {
  Tensor w = (iota({1000, 16}) * 0.5).realize();
  Tensor idx = ints({3, 999, 0, 7}, {4, 1}).expand({4, 16}).contiguous().realize();
  Tensor out;
  auto s = measure([&] { out = ((w.gather(0, idx) * 2.0) + 1.0).relu().realize(); });
  // (the one-hot path realizes its arange of rows first)
  EXPECT_EQ(s.kernels_launched, one_hot_path() ? 2u : 1u) << "the gather and what follows it are one kernel";
  EXPECT_TRUE(all_close(out.index({Slice(), 0}), {3 * 16 + 1, 999 * 16 + 1, 1, 7 * 16 + 1}));
}

// ---------------------------------------------------------------- scatter family

TEST(Scatter, AddAsPyTorch) {
  Tensor x = Tensor::ones({3, 3});
  Tensor src = iota({2, 3}) + 1;  // 1..6
  Tensor idx = ints({0, 1, 2, 0, 0, 0}, {2, 3});
  // torch.ones(3,3).scatter_add(0, idx, src)
  EXPECT_TRUE(all_close(x.scatter_add(0, idx, src), {6, 6, 7, 1, 3, 1, 1, 1, 4}));
  // an index smaller than x and src, and one out of range (adds nothing)
  Tensor small = ints({2, 7}, {1, 2});
  EXPECT_TRUE(all_close(x.scatter_add(1, small, src), {1, 1, 2, 1, 1, 1, 1, 1, 1}));
}

TEST(Scatter, ReplaceAndReduce) {
  Tensor x = iota({2, 4});  // 0..7
  Tensor src = Tensor({{10.f, 20.f, 30.f}, {40.f, 50.f, 60.f}});
  Tensor idx = ints({3, 0, 3, 1, 1, 2}, {2, 3});
  // scatter: row 0 writes 10 at 3 and 20 at 0; row 1 (not in the index) is left as it was
  EXPECT_TRUE(all_close(x.scatter(1, ints({3, 0}, {1, 2}), src), {20, 1, 2, 10, 4, 5, 6, 7}));
  // repeats: the last write along dim wins, as PyTorch (CPU) and tinygrad: row 0 writes 10 then
  // 30 at 3; row 1 writes 40 then 50 at 1 (they were averaged before: 20 and 45)
  EXPECT_TRUE(all_close(x.scatter(1, idx, src), {20, 1, 2, 30, 4, 50, 60, 7}));
  // along dim 0: x[0][0] gets src[1][0], the later row; the out-of-range 9 writes nothing
  EXPECT_TRUE(all_close(x.scatter(0, ints({0, 9, 1, 0, 1, 0}, {2, 3}), src), {40, 1, 60, 3, 4, 50, 30, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "sum"), {20, 1, 2, 43, 4, 95, 66, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "sum", false), {20, 1, 2, 40, 4, 90, 60, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "mean"), {10, 1, 2, 43.0 / 3, 4, 95.0 / 3, 33, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "mean", false), {20, 1, 2, 20, 4, 45, 60, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "prod"), {0, 1, 2, 900, 4, 10000, 360, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "amax"), {20, 1, 2, 30, 4, 50, 60, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "amin", false), {20, 1, 2, 10, 4, 40, 60, 7}));
  EXPECT_TRUE(all_close(x.scatter_reduce(1, idx, src, "amin"), {0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(Scatter, Gradients) {
  Tensor idx = ints({2, 0, 2, 1, 1, 3}, {2, 3});  // 3 is out of range for dim 1 of size 3
  Input x{{0.5, -1.0, 2.0, 0.25, -3.0, 1.5}, {2, 3}};
  Input src{{1.5, 0.5, -2.0, 3.0, 0.75, -1.25}, {2, 3}};
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter_add(1, idx, t[1]); }, {x, src});
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter_reduce(1, idx, t[1], "mean"); }, {x, src});
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter_reduce(1, idx, t[1], "sum", false).square(); }, {x, src});
  // the one-hot forms (distinct values: no ties)
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter_reduce(1, idx, t[1], "prod"); }, {x, src});
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter_reduce(1, idx, t[1], "amax"); }, {x, src});
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter_reduce(1, idx, t[1], "amin", false); }, {x, src});
  check_grad([&](std::vector<Tensor> t) { return t[0].scatter(1, idx, t[1]); }, {x, src});
}

TEST(Scatter, BadArguments) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_NE(error_of([&] { x.scatter_reduce(1, ints({0}, {1, 1}), x, "max"); }).find("\"amax\""), std::string::npos);
  EXPECT_NE(error_of([&] { x.scatter_add(1, x, x); }).find("integer"), std::string::npos);
  EXPECT_NE(error_of([&] { x.scatter_add(1, ints({0, 0, 0, 0}, {1, 4}), x); }).find("exceeds"), std::string::npos);
  EXPECT_NE(error_of([&] { x.scatter_add(1, ints({0}, {1}), x); }).find("same number of dims"), std::string::npos);
  // a src of another dtype is refused (it was cast to x's dtype before), as PyTorch
  EXPECT_NE(error_of([&] { x.scatter(1, ints({0}, {1, 1}), x.cast(DType::float16)); }).find("dtype"), std::string::npos);
  EXPECT_NE(error_of([&] { x.scatter_reduce(0, ints({0}, {1, 1}), x.cast(DType::int32), "sum"); }).find("dtype"),
            std::string::npos);
}

// With repeats the scatter kernel adds several values into one element at once (atomics on
// devices that run lanes in parallel): many tokens onto few rows must still sum exactly.
TEST(Scatter, ManyRepeatsSumExactly) {
  const int64_t n = 4096, d = 64;
  std::vector<int32_t> rows(n);
  for (int64_t i = 0; i < n; i++) rows[static_cast<size_t>(i)] = static_cast<int32_t>(i % 5);
  Tensor idx = Tensor(rows, tg::Shape({n, 1})).expand({n, d});
  Tensor out = Tensor::zeros({5, d}).scatter_add(0, idx, Tensor::ones({n, d}));
  std::vector<double> want(5 * d);
  for (int64_t r = 0; r < 5; r++)
    for (int64_t c = 0; c < d; c++) want[static_cast<size_t>(r * d + c)] = static_cast<double>((n - r + 4) / 5);
  EXPECT_TRUE(all_close(out, want));
}

TEST(Scatter, KernelsOnEachPath) {
  Tensor src = (iota({64, 8}) * 0.25).realize();
  Tensor idx = ints(std::vector<int32_t>(64 * 8, 3), {64, 8}).realize();
  Tensor out;
  auto s = measure([&] { out = Tensor::zeros({10, 8}).scatter_add(0, idx, src * 2.0).realize(); });
  // A scatter-add is a fill and an add over the values (which computes src * 2 itself); the
  // one-hot sum is a reduce kernel after its arange of rows and the values, each realized.
  EXPECT_EQ(s.kernels_launched, one_hot_path() ? 3u : 2u);
  EXPECT_NEAR(out.index({3, 0}).item<float>(), 0.5 * (64 * 63 / 2 * 8), 1e-2);
}

// ---------------------------------------------------------------- indexing and Embedding

TEST(GatherIndex, IntTensorIndexing) {
  Tensor x = iota({4, 3});
  Tensor a = x.index({ints({3, 0, 3}, {3})});  // x[idx]
  EXPECT_EQ(dims(a), (Dims{3, 3}));
  EXPECT_TRUE(all_close(a, {9, 10, 11, 0, 1, 2, 9, 10, 11}));
  Tensor b = x.index({Slice(), ints({2, -1, 0, 1}, {2, 2})});  // x[:, idx]
  EXPECT_EQ(dims(b), (Dims{4, 2, 2}));
  EXPECT_TRUE(all_close(b.index({1}), {5, 5, 3, 4}));
  check_grad([&](std::vector<Tensor> t) { return t[0].index({Slice(), ints({2, 0, 2}, {3})}); },
             {Input{{0.5, -1.0, 2.0, 0.25, -3.0, 1.5}, {2, 3}}});
}

TEST(GatherIndex, IndexPutWithIntTensors) {
  Tensor x = iota({4, 2});
  x.index_put_({ints({1, 3, 1}, {3})}, Tensor({{10.f, 11.f}, {12.f, 13.f}, {14.f, 15.f}}));
  EXPECT_TRUE(all_close(x, {0, 1, 14, 15, 4, 5, 12, 13}));  // the repeat of row 1: the last value
  x.index_put_({Slice(), ints({0}, {1})}, -1.f);
  EXPECT_TRUE(all_close(x, {-1, 1, -1, 15, -1, 5, -1, 13}));
}

// A training loop replays its recorded kernels from the second step on: the scatter-add's
// second kernel must add into the buffer its first kernel filled, step after step.
TEST(GatherIndex, EmbeddingGradientsAcrossReplayedSteps) {
  tg::nn::Embedding emb(6, 4);
  Tensor idx = ints({5, 1, 5, 0, 5}, {5});
  for (int step = 0; step < 4; step++) {
    Tensor g = (iota({5, 4}) + static_cast<double>(step)).realize();
    emb.weight.set_grad(std::nullopt);
    (emb(idx) * g).sum().backward();
    std::vector<double> want(24, 0.0);
    const int rows[5] = {5, 1, 5, 0, 5};
    for (int t = 0; t < 5; t++)
      for (int c = 0; c < 4; c++) want[static_cast<size_t>(rows[t] * 4 + c)] += t * 4 + c + step;
    EXPECT_TRUE(all_close(*emb.weight.grad(), want)) << "step " << step;
    emb.weight.assign((emb.weight - *emb.weight.grad() * 0.01).detach());
  }
}

// A matmul of gathered rows keeps the matmul's form (the gather is realized first), and
// computes the product of the rows.
TEST(GatherIndex, EmbeddingThenMatmul) {
  tg::nn::Embedding emb(50, 8);
  emb.weight.assign(iota({50, 8}) * 0.01);
  Tensor w = (iota({8, 3}) * 0.1).realize();
  Tensor y = emb(ints({49, 0, 7}, {3})).matmul(w);
  std::vector<double> want;
  for (int r : {49, 0, 7})
    for (int j = 0; j < 3; j++) {
      double acc = 0;
      for (int k = 0; k < 8; k++) acc += (r * 8 + k) * 0.01 * (k * 3 + j) * 0.1;
      want.push_back(acc);
    }
  EXPECT_TRUE(all_close(y, want));
}

// The cost grows with the output, not output x rows: an Embedding(20000, 16) step on 1024 tokens
// holds the table's gradient (1.3 MB) and the rows (64 kB), never a (1024, 20000) one-hot
// (82 MB, which the path before ABI 1.4 builds).
TEST(GatherIndex, EmbeddingMemoryGrowsWithTheOutput) {
  if (one_hot_path()) GTEST_SKIP() << "the one-hot path is what this rules out";
  tg::nn::Embedding emb(20000, 16);
  emb.weight.realize();
  Tensor idx = Tensor::randint(0, 20000, {1024}).realize();
  Tensor g = Tensor::rand({1024, 16}).requires_grad_(false).realize();
  tg::synchronize();
  tg::reset_runtime_stats();
  const uint64_t before = tg::runtime_stats().bytes_in_use;
  Tensor loss = (emb(idx) * g).sum();
  loss.backward();
  emb.weight.grad()->realize();
  loss.realize();
  tg::synchronize();
  EXPECT_LT(tg::runtime_stats().peak_bytes - before, uint64_t{4} << 20);
}

TEST(GatherIndex, EmbeddingForwardAndBackward) {
  tg::nn::Embedding emb(5, 3);
  emb.weight.assign(iota({5, 3}));
  Tensor idx = ints({4, 0, 4, 2}, {2, 2});
  Tensor y = emb(idx);
  EXPECT_EQ(dims(y), (Dims{2, 2, 3}));
  EXPECT_TRUE(all_close(y, {12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8}));
  (y * (iota({2, 2, 3}) + 1)).sum().backward();
  // row 4 gets tokens 0 and 2 (weights 1..3 and 7..9), row 0 token 1, row 2 token 3
  EXPECT_TRUE(all_close(*emb.weight.grad(), {4, 5, 6, 0, 0, 0, 10, 11, 12, 0, 0, 0, 8, 10, 12}));
}
