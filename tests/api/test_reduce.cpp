// Reductions against values computed here: every axis form (none, one, negative, list, keepdim),
// var/std corrections, arg-reductions with ties, any/all, cumsum.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;

namespace {

// Reduces row-major data of shape `shape` over `axes` with op, starting from init, on the host.
std::vector<double> host_reduce(const std::vector<double>& data, const Dims& shape, const std::set<int>& axes,
                                const std::function<double(double, double)>& op, double init) {
  Dims out_shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!axes.count(static_cast<int>(d))) out_shape.push_back(shape[d]);
  int64_t out_n = 1;
  for (int64_t d : out_shape) out_n *= d;
  std::vector<double> out(static_cast<size_t>(out_n), init);
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t flat = 0; flat < data.size(); ++flat) {
    int64_t rem = static_cast<int64_t>(flat);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
    }
    int64_t o = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      if (!axes.count(static_cast<int>(d))) o = o * shape[d] + idx[d];
    out[o] = op(out[o], data[flat]);
  }
  return out;
}

// (2, 3, 4) with distinct values, some negative, not sorted along any axis.
std::vector<double> cube_values() {
  std::vector<double> v;
  for (int i = 0; i < 24; ++i) v.push_back(((i * 7) % 24) - 11.5);
  return v;
}
Tensor cube() {
  std::vector<float> f;
  for (double x : cube_values()) f.push_back(static_cast<float>(x));
  return Tensor(f, tg::Shape({2, 3, 4}));
}

const auto kAdd = [](double a, double b) { return a + b; };
const auto kMax = [](double a, double b) { return std::max(a, b); };
const auto kMin = [](double a, double b) { return std::min(a, b); };
const auto kMul = [](double a, double b) { return a * b; };
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ---------------------------------------------------------------- sum

TEST(Sum, AllAxes) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor s = t.sum();
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_FLOAT_EQ(s.item<float>(), 21.f);
  EXPECT_EQ(dims(t.sum({}, true)), (Dims{1, 1}));
}

TEST(Sum, OneAxisAndNegativeAxis) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_EQ(dims(t.sum(0)), (Dims{3}));
  EXPECT_TRUE(all_close(t.sum(0), {5, 7, 9}));
  EXPECT_TRUE(all_close(t.sum(1), {6, 15}));
  EXPECT_TRUE(all_close(t.sum(-1), {6, 15}));
  EXPECT_TRUE(all_close(t.sum(-2), {5, 7, 9}));
  EXPECT_TRUE(all_close(t.sum({0, 1}), {21}));
  EXPECT_EQ(t.sum({0, 1}).ndim(), 0);
}

TEST(Sum, Keepdim) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor k = t.sum(1, true);
  EXPECT_EQ(dims(k), (Dims{2, 1}));
  EXPECT_TRUE(all_close(k, {6, 15}));
  EXPECT_EQ(dims(t.sum(0, true)), (Dims{1, 3}));
  EXPECT_EQ(dims(t.sum({0, 1}, true)), (Dims{1, 1}));
}

TEST(Sum, EveryAxisSetOf3D) {
  const Dims shape = {2, 3, 4};
  const std::vector<std::set<int>> sets = {{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (const auto& axes : sets) {
    std::vector<int64_t> list(axes.begin(), axes.end());
    Tensor r = cube().sum(list);
    Dims want_shape;
    for (int d = 0; d < 3; ++d)
      if (!axes.count(d)) want_shape.push_back(shape[d]);
    EXPECT_EQ(dims(r), want_shape);
    EXPECT_TRUE(all_close(r, host_reduce(cube_values(), shape, axes, kAdd, 0))) << "axes size " << axes.size();
    Tensor k = cube().sum(list, true);
    EXPECT_EQ(k.ndim(), 3);
  }
}

TEST(Sum, NegativeAxesInList) {
  Tensor r = cube().sum({-1, -3});
  EXPECT_EQ(dims(r), (Dims{3}));
  EXPECT_TRUE(all_close(r, host_reduce(cube_values(), {2, 3, 4}, {0, 2}, kAdd, 0)));
}

TEST(Sum, IntAndBoolSumsAreInt) {
  Tensor i = Tensor({1, 2, 3}).sum();
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.item<int32_t>(), 6);
  Tensor b = Tensor({true, true, false}).sum();
  EXPECT_TRUE(tg::is_int(b.dtype())) << tg::dtype_name(b.dtype());
  EXPECT_EQ(b.item<int32_t>(), 2);
}

TEST(Sum, LongReductions) {
  Tensor ones = Tensor::ones({1000});
  EXPECT_FLOAT_EQ(ones.sum().item<float>(), 1000.f);
  Tensor a = Tensor::arange(1000, tg::TensorOptions{DType::int32});
  EXPECT_EQ(a.sum().item<int64_t>(), 499500);
  Tensor m = Tensor::ones({37, 29}).sum(0);
  EXPECT_TRUE(all_close(m, std::vector<double>(29, 37.0)));
}

// ---------------------------------------------------------------- mean, max, min, prod

TEST(Mean, AxesAndDtype) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_FLOAT_EQ(t.mean().item<float>(), 3.5f);
  EXPECT_TRUE(all_close(t.mean(0), {2.5, 3.5, 4.5}));
  EXPECT_TRUE(all_close(t.mean(-1), {2, 5}));
  EXPECT_TRUE(all_close(t.mean({0, 1}), {3.5}));
  EXPECT_EQ(dims(t.mean(1, true)), (Dims{2, 1}));
  Tensor i = Tensor({1, 2}).mean();
  EXPECT_TRUE(tg::is_float(i.dtype()));
  EXPECT_FLOAT_EQ(i.item<float>(), 1.5f);
  std::vector<double> want = host_reduce(cube_values(), {2, 3, 4}, {0, 2}, kAdd, 0);
  for (double& w : want) w /= 8;
  EXPECT_TRUE(all_close(cube().mean({0, 2}), want));
}

TEST(MaxMin, AllNegativeAndAllPositive) {
  Tensor neg({-3.f, -1.f, -2.f});
  EXPECT_FLOAT_EQ(neg.max().item<float>(), -1.f);
  Tensor pos({3.f, 1.f, 2.f});
  EXPECT_FLOAT_EQ(pos.min().item<float>(), 1.f);
  EXPECT_EQ(Tensor({4, -9, 2}).max().item<int32_t>(), 4);
  EXPECT_EQ(Tensor({4, -9, 2}).min().item<int32_t>(), -9);
  EXPECT_EQ(Tensor({4, -9, 2}).max().dtype(), DType::int32);
}

TEST(MaxMin, EveryAxisSetOf3D) {
  const std::vector<std::set<int>> sets = {{0}, {1}, {2}, {0, 2}, {0, 1, 2}};
  for (const auto& axes : sets) {
    std::vector<int64_t> list(axes.begin(), axes.end());
    EXPECT_TRUE(all_close(cube().max(list), host_reduce(cube_values(), {2, 3, 4}, axes, kMax, -kInf)));
    EXPECT_TRUE(all_close(cube().min(list), host_reduce(cube_values(), {2, 3, 4}, axes, kMin, kInf)));
  }
  EXPECT_EQ(dims(cube().max(1, true)), (Dims{2, 1, 4}));
  EXPECT_EQ(dims(cube().min(-1)), (Dims{2, 3}));
}

TEST(Prod, Values) {
  Tensor t({{1.f, -2.f, 3.f}, {0.5f, 4.f, -1.f}});
  EXPECT_FLOAT_EQ(t.prod().item<float>(), 12.f);
  EXPECT_TRUE(all_close(t.prod(0), {0.5, -8, -3}));
  EXPECT_TRUE(all_close(t.prod(1), {-6, -2}));
  EXPECT_TRUE(all_close(Tensor({2.f, 0.f, 5.f}).prod(), {0}));
  EXPECT_EQ(dims(t.prod(1, true)), (Dims{2, 1}));
  EXPECT_EQ(Tensor({2, 3, -4}).prod().item<int32_t>(), -24);
  std::vector<double> small;
  for (double v : cube_values()) small.push_back(v / 10);
  std::vector<float> sf(small.begin(), small.end());
  EXPECT_TRUE(all_close(Tensor(sf, tg::Shape({2, 3, 4})).prod(1),
                        host_reduce(small, {2, 3, 4}, {1}, kMul, 1), 1e-4, 1e-6));
}

// ---------------------------------------------------------------- var, std

TEST(VarStd, DefaultCorrectionIsOne) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_NEAR(t.var().item<float>(), 3.5f, 1e-5);     // 17.5 / 5
  EXPECT_NEAR(t.std().item<float>(), std::sqrt(3.5f), 1e-5);
  EXPECT_TRUE(all_close(t.var(1), {1, 1}));
  EXPECT_TRUE(all_close(t.var(0), {4.5, 4.5, 4.5}));
  EXPECT_TRUE(all_close(t.std(0), {std::sqrt(4.5), std::sqrt(4.5), std::sqrt(4.5)}));
  EXPECT_EQ(dims(t.var(1, true)), (Dims{2, 1}));
}

TEST(VarStd, CorrectionZero) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_NEAR(t.var({}, false, 0).item<float>(), 17.5f / 6, 1e-5);
  EXPECT_TRUE(all_close(t.var(1, false, 0), {2.0 / 3, 2.0 / 3}));
  EXPECT_TRUE(all_close(t.std(-1, true, 0), {std::sqrt(2.0 / 3), std::sqrt(2.0 / 3)}));
  EXPECT_EQ(dims(t.std(-1, true, 0)), (Dims{2, 1}));
}

TEST(VarStd, ListOfAxes) {
  std::vector<double> v = cube_values();
  // var over axes {0, 2}: 8 elements per output
  std::vector<double> mean = host_reduce(v, {2, 3, 4}, {0, 2}, kAdd, 0);
  for (double& m : mean) m /= 8;
  std::vector<double> want(3, 0);
  for (int i = 0; i < 24; ++i) {
    int j = (i / 4) % 3;
    want[j] += (v[i] - mean[j]) * (v[i] - mean[j]);
  }
  for (double& w : want) w /= 7;
  EXPECT_TRUE(all_close(cube().var({0, 2}), want));
}

// ---------------------------------------------------------------- argmax, argmin

TEST(ArgMaxMin, TiesGiveFirstIndex) {
  Tensor t({{1.f, 3.f, 3.f}, {5.f, 5.f, 2.f}});
  Tensor am = t.argmax(1);
  EXPECT_EQ(am.dtype(), DType::int32);
  EXPECT_EQ(dims(am), (Dims{2}));
  EXPECT_EQ(am.to_vector<int32_t>(), (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(t.argmin(1).to_vector<int32_t>(), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(t.argmax(0).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 0}));
  EXPECT_EQ(t.argmin(0).to_vector<int32_t>(), (std::vector<int32_t>{0, 0, 1}));
  Tensor ties({2.f, 7.f, 7.f, 0.f, 0.f});
  EXPECT_EQ(ties.argmax().item<int32_t>(), 1);
  EXPECT_EQ(ties.argmin().item<int32_t>(), 3);
}

TEST(ArgMaxMin, FlattenedNegativeAxisAndKeepdim) {
  Tensor t({{1.f, 9.f, 3.f}, {9.f, -5.f, 2.f}});
  EXPECT_EQ(t.argmax().ndim(), 0);
  EXPECT_EQ(t.argmax().item<int32_t>(), 1);
  EXPECT_EQ(t.argmin().item<int32_t>(), 4);
  EXPECT_EQ(t.argmax(-1).to_vector<int32_t>(), (std::vector<int32_t>{1, 0}));
  Tensor k = t.argmin(1, true);
  EXPECT_EQ(dims(k), (Dims{2, 1}));
  EXPECT_EQ(k.to_vector<int32_t>(), (std::vector<int32_t>{0, 1}));
}

TEST(ArgMaxMin, ThreeDAndNegativeValues) {
  Tensor c = cube();
  std::vector<double> v = cube_values();
  std::vector<int32_t> want;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      int best = 0;
      for (int j = 1; j < 3; ++j)
        if (v[i * 12 + j * 4 + k] > v[i * 12 + best * 4 + k]) best = j;
      want.push_back(best);
    }
  EXPECT_EQ(c.argmax(1).to_vector<int32_t>(), want);
  EXPECT_EQ(Tensor({-3.f, -1.f, -2.f}).argmax().item<int32_t>(), 1);
  EXPECT_EQ(Tensor({-3, -1, -7}).argmin().item<int32_t>(), 2);
}

// min and argmin of ints reverse the order by ~x, not by -x (which overflows at INT_MIN).
TEST(ArgMaxMin, IntExtremesOfEveryWidth) {
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  Tensor t({0, lo});
  EXPECT_EQ(t.min().item<int32_t>(), lo);
  EXPECT_EQ(t.argmin().item<int32_t>(), 1);
  EXPECT_EQ(Tensor({0, hi, lo}).argmax().item<int32_t>(), 1);
  EXPECT_EQ(Tensor({{3, lo}, {lo, hi}}).min(1).to_vector<int32_t>(), (std::vector<int32_t>{lo, lo}));
  const int64_t lo64 = std::numeric_limits<int64_t>::min();
  Tensor l(std::vector<int64_t>{7, lo64, 0}, tg::Shape({3}));
  EXPECT_EQ(l.min().item<int64_t>(), lo64);
  EXPECT_EQ(l.argmin().item<int32_t>(), 1);
  EXPECT_EQ(Tensor(std::vector<int8_t>{5, -128, 127}, tg::Shape({3})).min().item<int8_t>(), -128);
  EXPECT_EQ(Tensor(std::vector<int16_t>{5, -32768}, tg::Shape({2})).argmin().item<int32_t>(), 1);
  Tensor u8(std::vector<uint8_t>{200, 0, 255}, tg::Shape({3}));
  EXPECT_EQ(u8.min().item<uint8_t>(), 0);
  EXPECT_EQ(u8.argmin().item<int32_t>(), 1);
  EXPECT_EQ(Tensor(std::vector<bool>{true, false}, tg::Shape({2})).argmin().item<int32_t>(), 1);
}

// A NaN is the extreme (PyTorch): argmax/argmin give its first index, not one past the end.
TEST(ArgMaxMin, NaNIsTheExtreme) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x({1.f, nan, 3.f, nan});
  EXPECT_EQ(x.argmax().item<int32_t>(), 1);
  EXPECT_EQ(x.argmin().item<int32_t>(), 1);
  Tensor m({{1.f, nan}, {5.f, 2.f}});
  EXPECT_EQ(m.argmax(1).to_vector<int32_t>(), (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(m.argmin(0).to_vector<int32_t>(), (std::vector<int32_t>{0, 0}));
  EXPECT_EQ(m.argmin(1).to_vector<int32_t>(), (std::vector<int32_t>{1, 1}));
  EXPECT_EQ(Tensor(7.f).argmax(0).item<int32_t>(), 0);  // a 0-d tensor: index 0
}

// ---------------------------------------------------------------- any, all

TEST(AnyAll, BoolAndNumeric) {
  Tensor b(std::vector<bool>{true, false, false, false}, tg::Shape({2, 2}));
  Tensor any_all = b.any();
  EXPECT_EQ(any_all.dtype(), DType::bool_);
  EXPECT_EQ(any_all.item<uint8_t>(), 1);
  EXPECT_EQ(b.all().item<uint8_t>(), 0);
  EXPECT_EQ(b.any(1).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(b.any(0).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(b.logical_not().all(1).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(dims(b.all(1, true)), (Dims{2, 1}));
  Tensor f({{0.f, 2.f}, {-1.f, 3.f}});
  EXPECT_EQ(f.any(1).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(f.all(1).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(f.all(0).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(Tensor({0, 0}).any().item<uint8_t>(), 0);
  EXPECT_EQ(Tensor({1, 2}).all().item<uint8_t>(), 1);
}

// ---------------------------------------------------------------- cumsum

TEST(Cumsum, AlongEachAxis) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor c0 = t.cumsum(0);
  EXPECT_EQ(dims(c0), (Dims{2, 3}));
  EXPECT_TRUE(all_close(c0, {1, 2, 3, 5, 7, 9}));
  EXPECT_TRUE(all_close(t.cumsum(1), {1, 3, 6, 4, 9, 15}));
  EXPECT_TRUE(all_close(t.cumsum(-1), {1, 3, 6, 4, 9, 15}));
  EXPECT_TRUE(all_close(Tensor({1.f, -1.f, 2.f, 0.5f}).cumsum(), {1, 0, 2, 2.5}));
}

TEST(Cumsum, IntAndLong) {
  Tensor i = Tensor({1, 2, 3, 4}).cumsum();
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{1, 3, 6, 10}));
  std::vector<double> want;
  double s = 0;
  for (int k = 0; k < 100; ++k) want.push_back(s += k);
  EXPECT_TRUE(all_close(Tensor::arange(100, tg::TensorOptions{DType::float32}).cumsum(), want));
}

// Rows longer than one block (32) are summed in blocks, with the blocks' own prefix sums one
// level up (twice for 5000: 157 blocks, then 5). Small integers keep every sum exact in float32,
// so any wrong block offset or dropped tail shows as an inequality.
TEST(Cumsum, LongRowsInBlocksMatchARunningSum) {
  for (int64_t n : {31, 32, 33, 64, 1000, 5000}) {
    std::vector<float> data(static_cast<size_t>(2 * n));
    for (size_t k = 0; k < data.size(); ++k) data[k] = static_cast<float>((k * 7 + 3) % 5) - 1.f;
    Tensor t(data, tg::Shape({2, n}));
    std::vector<float> want(data.size()), want0(data.size());
    for (size_t r = 0; r < 2; ++r) {
      float s = 0;
      for (size_t k = 0; k < static_cast<size_t>(n); ++k) want[r * n + k] = s += data[r * n + k];
    }
    EXPECT_EQ(t.cumsum(1).to_vector<float>(), want) << "n = " << n;
    // Along axis 0 of the transposed data: the same sums, transposed.
    Tensor tt = t.transpose(0, 1).contiguous().realize();
    EXPECT_EQ(tt.cumsum(0).transpose(0, 1).contiguous().to_vector<float>(), want) << "n = " << n;
  }
  std::vector<int32_t> ints(3000);
  for (size_t k = 0; k < ints.size(); ++k) ints[k] = static_cast<int32_t>(k % 11) - 5;
  std::vector<int32_t> want(ints.size());
  int32_t s = 0;
  for (size_t k = 0; k < ints.size(); ++k) want[k] = s += ints[k];
  EXPECT_EQ(Tensor(ints, tg::Shape({3000})).cumsum().to_vector<int32_t>(), want);
}

// The gradient of sum(w * cumsum(x)) is w's reverse running sum, through the blocks too.
TEST(Cumsum, GradientOfALongRowIsTheReverseRunningSum) {
  const int64_t n = 200;
  std::vector<float> w(n);
  for (int64_t k = 0; k < n; ++k) w[static_cast<size_t>(k)] = static_cast<float>(k % 3);
  Tensor x = Tensor::zeros({n}).requires_grad_(true);
  (x.cumsum() * Tensor(w, tg::Shape({n}))).sum().backward();
  std::vector<float> want(n);
  float s = 0;
  for (int64_t k = n; k-- > 0;) want[static_cast<size_t>(k)] = s += w[static_cast<size_t>(k)];
  EXPECT_EQ(x.grad()->to_vector<float>(), want);
}

// ---------------------------------------------------------------- reductions of computed values

TEST(ReduceComputed, ReduceOfElementwiseAndBack) {
  Tensor t({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_TRUE(all_close((t * 2 + 1).sum(1), {15, 33}));
  EXPECT_TRUE(all_close((t - t.mean(1, true)).square().sum(1), {2, 2}));
  EXPECT_TRUE(all_close(t / t.sum(0), {0.2, 2.0 / 7, 1.0 / 3, 0.8, 5.0 / 7, 2.0 / 3}));
  EXPECT_TRUE(all_close(t.max(1, true) - t, {2, 1, 0, 2, 1, 0}));
  EXPECT_TRUE(all_close(t.sum(1).sum(), {21}));
  EXPECT_TRUE(all_close(t.max(0).min(), {4}));
}
