// The onednn device's matmuls (oneDNN primitives over strided views, with and without an
// elementwise epilogue) against the ref plugin, through the public API.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "onednn_test_util.hpp"

namespace {

using tg::Tensor;
using tgtest::random_pair;
using tgtest::same_values;

struct Case {
  std::vector<int64_t> a, b;
};

std::string str(const std::vector<int64_t>& s) { return tg::Shape(s).to_string(); }

// Each case runs as a plain matmul and under every epilogue below.
const Case kCases[] = {
    {{1, 1}, {1, 1}},          {{3, 5}, {5, 7}},          {{64, 64}, {64, 64}},        {{17, 33}, {33, 9}},
    {{128, 784}, {784, 10}},   {{5}, {5, 3}},             {{4, 6}, {6}},               {{7}, {7}},
    {{2, 3, 4, 5}, {2, 3, 5, 6}}, {{4, 5}, {2, 5, 6}},    {{2, 1, 4, 5}, {3, 5, 6}},   {{2, 4, 5}, {5, 6}},
    {{1, 200}, {200, 1}},      {{100, 1}, {1, 100}},
};

using Epilogue = std::function<Tensor(const Tensor& mm, const Tensor& bias)>;
const std::pair<const char*, Epilogue> kEpilogues[] = {
    {"none", [](const Tensor& m, const Tensor&) { return m; }},
    {"+bias relu", [](const Tensor& m, const Tensor& b) { return (m + b).relu(); }},
    {"*2+1", [](const Tensor& m, const Tensor&) { return m * 2.0f + 1.0f; }},
    {"sigmoid", [](const Tensor& m, const Tensor&) { return m.sigmoid(); }},
};

TEST(OnednnMatmul, ShapesAndEpiloguesMatchRef) {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    for (const auto& [name, epi] : kEpilogues) {
      auto a = random_pair(c.a, seed++), b = random_pair(c.b, seed++);
      const int64_t n = c.b.size() >= 2 ? c.b.back() : 1;
      auto bias = random_pair({n}, seed++);
      Tensor got = epi(a.dnnl.matmul(b.dnnl), bias.dnnl), want = epi(a.ref.matmul(b.ref), bias.ref);
      EXPECT_TRUE(same_values(got, want)) << str(c.a) << " @ " << str(c.b) << " epilogue " << name;
    }
  }
}

TEST(OnednnMatmul, TransposedAndPermutedOperandsMatchRef) {
  auto a = random_pair({33, 17}, 11), b = random_pair({9, 33}, 12), c = random_pair({2, 9, 5, 3}, 13);
  EXPECT_TRUE(same_values(a.dnnl.T().matmul(b.dnnl.T()), a.ref.T().matmul(b.ref.T())));  // (17,33)@(33,9)
  EXPECT_TRUE(same_values(b.dnnl.matmul(a.dnnl), b.ref.matmul(a.ref)));                  // (9,33)@(33,17)
  EXPECT_TRUE(same_values(c.dnnl.permute({0, 2, 3, 1}).matmul(c.dnnl.permute({0, 2, 1, 3})),
                          c.ref.permute({0, 2, 3, 1}).matmul(c.ref.permute({0, 2, 1, 3}))));  // (2,5,3,9)@(2,5,9,3)
}

TEST(OnednnMatmul, OperandsThatAreViewsWithOffsetsMatchRef) {
  auto a = random_pair({40, 30}, 21), b = random_pair({30, 50}, 22);
  Tensor ga = a.dnnl.shrink({{3, 20}, {5, 25}}), ra = a.ref.shrink({{3, 20}, {5, 25}});
  Tensor gb = b.dnnl.shrink({{10, 30}, {1, 45}}), rb = b.ref.shrink({{10, 30}, {1, 45}});
  EXPECT_TRUE(same_values(ga.matmul(gb), ra.matmul(rb)));
  // A padded operand is not a plain matmul: it must still be right.
  EXPECT_TRUE(same_values(ga.pad({{1, 2}, {0, 0}}).matmul(gb), ra.pad({{1, 2}, {0, 0}}).matmul(rb)));
  // Flipped (negative strides).
  EXPECT_TRUE(same_values(ga.flip({0}).matmul(gb.flip({1})), ra.flip({0}).matmul(rb.flip({1}))));
}

TEST(OnednnMatmul, LargeBatchedAndTransposedResultsMatchRef) {
  // K in several blocks, M and N past a tile, a batch of small GEMMs (run side by side), a result
  // stored transposed, and a broadcast batch operand.
  auto a = random_pair({300, 520}, 51), b = random_pair({520, 70}, 52);
  EXPECT_TRUE(same_values(a.dnnl.matmul(b.dnnl), a.ref.matmul(b.ref), 1e-4, 1e-4));
  EXPECT_TRUE(same_values(a.dnnl.matmul(b.dnnl).T().contiguous(), a.ref.matmul(b.ref).T().contiguous(), 1e-4, 1e-4));
  auto x = random_pair({12, 20, 30}, 53), y = random_pair({12, 30, 40}, 54), w = random_pair({30, 40}, 55);
  EXPECT_TRUE(same_values(x.dnnl.matmul(y.dnnl), x.ref.matmul(y.ref)));
  EXPECT_TRUE(same_values(x.dnnl.matmul(w.dnnl), x.ref.matmul(w.ref)));
  EXPECT_TRUE(same_values(x.dnnl.matmul(y.dnnl).permute({0, 2, 1}).contiguous(),
                          x.ref.matmul(y.ref).permute({0, 2, 1}).contiguous()));
}

// A sum over two axes of a product is a matmul too (a weight's gradient over batch and sequence):
// one K where both operands walk the two axes as one run, else a K split whose products are
// added into C one by one (CMakeLists.txt checks the log says so). x is stored (T, B, M) and read
// as (B, T, M), so its B and T strides do not merge; its broadcast twin and the contiguous
// operand do.
TEST(OnednnMatmul, SumsOverTwoAxesMatchRef) {
  const int64_t B = 6, T = 10, M = 40, N = 24;
  auto stored = random_pair({T, B, M}, 61), dy = random_pair({B, T, N}, 62);
  auto grad = [&](const Tensor& s, const Tensor& d) {
    const Tensor x = s.permute({1, 0, 2});  // (B, T, M), strides (M, B M, 1)
    return (x.unsqueeze(3) * d.unsqueeze(2)).sum({0, 1});  // (M, N)
  };
  EXPECT_TRUE(same_values(grad(stored.dnnl, dy.dnnl), grad(stored.ref, dy.ref), 1e-4, 1e-4));
  auto contiguous = [&](const Tensor& x, const Tensor& d) { return (x.unsqueeze(3) * d.unsqueeze(2)).sum({0, 1}); };
  auto x = random_pair({B, T, M}, 63);
  EXPECT_TRUE(same_values(contiguous(x.dnnl, dy.dnnl), contiguous(x.ref, dy.ref), 1e-4, 1e-4));
  // A Linear on the permuted view: its weight's gradient.
  const std::vector<float> w = tgtest::random_floats(N * M, 64);
  auto linear_grad = [&](const Tensor& s, const char* dev) {
    Tensor wg = Tensor(w, tg::Shape({N, M}), tgtest::on(dev)).requires_grad_();
    Tensor y = s.permute({1, 0, 2}).matmul(wg.T());
    (y * y).sum().backward();
    return wg.grad().value();
  };
  EXPECT_TRUE(same_values(linear_grad(stored.dnnl, "onednn"), linear_grad(stored.ref, "ref"), 1e-3, 1e-4));
}

TEST(OnednnMatmul, LargeMatmulsMatchAClosedForm) {
  // >= 1e9 flops: on oneDNN's GEMM one primitive per thread, each on a band of rows (an odd
  // count: uneven bands); on tg's (the default where AVX2 is the widest) partial tiles and
  // K blocks on every thread (CMakeLists.txt runs it both ways). A is rank one with small integers, so every sum is exact in any order and the
  // result is known in closed form without a reference matmul: C[i][j] = u[i] * s[j].
  const int64_t m = 515, k = 977, n = 1000;
  std::vector<float> a(m * k), at(k * m), b(k * n), bias(n);
  std::vector<double> u(m), s(n, 0.0);
  for (int64_t i = 0; i < m; ++i) u[i] = static_cast<double>(i % 13) - 6;
  for (int64_t p = 0; p < k; ++p)
    for (int64_t i = 0; i < m; ++i) a[i * k + p] = at[p * m + i] = static_cast<float>(u[i] * (((7 * p) % 11) - 5));
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) {
      b[p * n + j] = static_cast<float>(((p + 3 * j) % 9) - 4);
      s[j] += (((7 * p) % 11) - 5) * static_cast<double>(b[p * n + j]);
    }
  for (int64_t j = 0; j < n; ++j) bias[j] = static_cast<float>(j % 3) - 1;
  const auto on = tgtest::on("onednn");
  Tensor ta(a, tg::Shape({m, k}), on), tat(at, tg::Shape({k, m}), on), tb(b, tg::Shape({k, n}), on);
  Tensor tbias(bias, tg::Shape({n}), on);
  auto check = [&](const Tensor& got, bool epilogue, const char* what) {
    const std::vector<float> v = got.to_vector<float>();
    ASSERT_EQ(v.size(), static_cast<size_t>(m * n)) << what;
    int64_t wrong = 0, first = -1;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double want = u[i] * s[j];
        if (epilogue) want = std::max(want + bias[j], 0.0);
        if (v[i * n + j] != static_cast<float>(want) && wrong++ == 0) first = i * n + j;
      }
    EXPECT_EQ(wrong, 0) << what << ": first wrong at row " << first / n << ", column " << first % n;
  };
  check(ta.matmul(tb), false, "A @ B");
  check((ta.matmul(tb) + tbias).relu(), true, "relu(A @ B + bias)");
  check(tat.T().matmul(tb), false, "A^T stored @ B");
}

TEST(OnednnMatmul, NonFloat32MatmulsMatchRef) {
  std::vector<int32_t> x(6 * 4), y(4 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int32_t>(i % 7) - 3;
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int32_t>(i % 5) - 2;
  auto make = [&](const char* dev) {
    return Tensor(x, tg::Shape({6, 4}), tgtest::on(dev)).matmul(Tensor(y, tg::Shape({4, 5}), tgtest::on(dev)));
  };
  EXPECT_TRUE(same_values(make("onednn"), make("ref"), 0, 0));
  auto a = random_pair({8, 16}, 31), b = random_pair({16, 4}, 32);
  EXPECT_TRUE(same_values(a.dnnl.cast(tg::DType::float64).matmul(b.dnnl.cast(tg::DType::float64)),
                          a.ref.cast(tg::DType::float64).matmul(b.ref.cast(tg::DType::float64)), 1e-12, 1e-12));
  EXPECT_TRUE(same_values(a.dnnl.cast(tg::DType::float16).matmul(b.dnnl.cast(tg::DType::float16)),
                          a.ref.cast(tg::DType::float16).matmul(b.ref.cast(tg::DType::float16)), 2e-3, 2e-3));
}

TEST(OnednnMatmul, MlpTrainingStepMatchesRef) {
  // Forward and backward of a small MLP: the backward matmuls use transposed operands.
  auto x = random_pair({16, 20}, 41), w1 = random_pair({20, 12}, 42), w2 = random_pair({12, 3}, 43);
  auto step = [](Tensor x, Tensor w1, Tensor w2) {
    w1.requires_grad_();
    w2.requires_grad_();
    Tensor loss = x.matmul(w1).relu().matmul(w2).log_softmax(-1).sum();
    loss.backward();
    return std::vector<Tensor>{loss, *w1.grad(), *w2.grad()};
  };
  auto got = step(x.dnnl, w1.dnnl, w2.dnnl), want = step(x.ref, w1.ref, w2.ref);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_values(got[i], want[i], 1e-4, 1e-4)) << "output " << i;
}

}  // namespace
