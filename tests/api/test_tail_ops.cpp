// The long tail of the Tensor API (math_tail.cpp, movement_tail.cpp, creation_tail.cpp): forward
// values against float64 references computed here with <cmath> (or written out by hand), and
// gradients against central differences. Device-generic: runs on TG_DEVICE's device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "nn_test_util.hpp"
#include "tg_test_util.hpp"

using nntest::check_grad;
using nntest::Input;
using nntest::ramp;
using tg::DType;
using tg::Tensor;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;
using tgtest::error_of;
using tgtest::iota;

namespace {

Tensor f64(const std::vector<double>& v) { return Tensor(v, tg::Shape({static_cast<int64_t>(v.size())})); }

template <typename F>
std::vector<double> map(const std::vector<double>& v, F f) {
  std::vector<double> r;
  for (double x : v) r.push_back(f(x));
  return r;
}

const std::vector<double> kUnit = {-0.97, -0.6, -0.25, 0.0, 0.3, 0.55, 0.99};
const std::vector<double> kWide = {-4.0, -1.5, -0.3, 0.0, 0.2, 1.7, 3.9};

}  // namespace

// ---------------------------------------------------------------- unary math and activations

TEST(TailOps, InverseAndHyperbolicTrigMatchCmath) {
  EXPECT_TRUE(all_close(f64(kUnit).asin(), map(kUnit, [](double x) { return std::asin(x); }), 1e-6, 1e-7));
  EXPECT_TRUE(all_close(f64(kUnit).acos(), map(kUnit, [](double x) { return std::acos(x); }), 1e-6, 1e-7));
  EXPECT_TRUE(all_close(f64(kWide).atan(), map(kWide, [](double x) { return std::atan(x); }), 1e-6, 1e-7));
  EXPECT_TRUE(all_close(f64(kWide).sinh(), map(kWide, [](double x) { return std::sinh(x); }), 1e-12, 1e-12));
  EXPECT_TRUE(all_close(f64(kWide).cosh(), map(kWide, [](double x) { return std::cosh(x); }), 1e-12, 1e-12));
  EXPECT_TRUE(all_close(f64(kWide).asinh(), map(kWide, [](double x) { return std::asinh(x); }), 1e-12, 1e-12));
  EXPECT_TRUE(all_close(f64(kUnit).atanh(), map(kUnit, [](double x) { return std::atanh(x); }), 1e-12, 1e-12));
  std::vector<double> big = {1.0, 1.5, 3.0, 300.0};
  EXPECT_TRUE(all_close(f64(big).acosh(), map(big, [](double x) { return std::acosh(x); }), 1e-12, 1e-12));
  // Outside the domain: NaN, as PyTorch; asinh keeps its digits far from 0 (x + sqrt(x^2+1) would cancel).
  EXPECT_TRUE(all_close(f64({1.5, -2.0}).asin(), {NAN, NAN}));
  EXPECT_TRUE(all_close(Tensor({-300.0f}).asinh(), {std::asinh(-300.0)}, 1e-6, 0));
  std::vector<double> pos = {0.001, 0.5, 2.0, 1000.0};
  EXPECT_TRUE(all_close(f64(pos).log10(), map(pos, [](double x) { return std::log10(x); }), 1e-12, 1e-12));
  // int inputs become float32
  EXPECT_EQ(Tensor({0, 1}).asin().dtype(), DType::float32);
}

TEST(TailOps, InverseAndHyperbolicTrigGradients) {
  Input u{{-0.8, -0.3, 0.1, 0.6}, {4}};
  check_grad([](const std::vector<Tensor>& in) { return in[0].asin() + in[0].acos() * 2 + in[0].atanh(); }, {u});
  check_grad([](const std::vector<Tensor>& in) { return in[0].atan() + in[0].sinh() + in[0].cosh() + in[0].asinh(); },
             {ramp({2, 3})});
  check_grad([](const std::vector<Tensor>& in) { return (in[0] + 3).acosh() + (in[0] + 3).log10(); }, {ramp({5})});
  // The slope at exactly 0 is the function's (1), not the 0 that sign() would leave.
  Tensor z = Tensor::zeros({1}, {DType::float64});
  z.asin().sum().backward();
  EXPECT_TRUE(all_close(*z.grad(), {1.0}, 1e-5, 0));  // the approximation's slope: 0.999997
}

TEST(TailOps, SeluSoftsignSoftmin) {
  const double a = 1.6732632423543772, s = 1.0507009873554805;
  EXPECT_TRUE(all_close(f64(kWide).selu(), map(kWide, [&](double x) { return s * (x >= 0 ? x : a * (std::exp(x) - 1)); }),
                        1e-12, 1e-12));
  EXPECT_TRUE(all_close(f64(kWide).softsign(), map(kWide, [](double x) { return x / (1 + std::fabs(x)); }), 1e-12, 1e-12));
  Tensor m = Tensor(std::vector<double>{1, 2, 3, 0, 0, 0}, tg::Shape({2, 3})).softmin(1);
  double e1 = std::exp(-1), e2 = std::exp(-2), e3 = std::exp(-3), t = e1 + e2 + e3;
  EXPECT_TRUE(all_close(m, {e1 / t, e2 / t, e3 / t, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-12, 1e-12));
  check_grad([](const std::vector<Tensor>& in) { return in[0].selu() + in[0].softsign() + in[0].softmin(0); }, {ramp({3, 4})});
}

// ---------------------------------------------------------------- division, mod, bitwise

TEST(TailOps, RoundingDivisionAndModFollowPython) {
  Tensor a = Tensor({-7, -6, -5, 0, 5, 6, 7});
  Tensor b = Tensor({2, -4, 3, 3, -3, 4, -2});
  // Python: -7 // 2 = -4, -6 // -4 = 1, -5 // 3 = -2, 0, 5 // -3 = -2, 6 // 4 = 1, 7 // -2 = -4
  EXPECT_TRUE(all_close(a.floor_divide(b), {-4, 1, -2, 0, -2, 1, -4}, 0, 0));
  EXPECT_EQ(a.floor_divide(b).dtype(), DType::int32);
  EXPECT_TRUE(all_close(a.div(b, "trunc"), {-3, 1, -1, 0, -1, 1, -3}, 0, 0));
  EXPECT_TRUE(all_close(a % b, {1, -2, 1, 0, -1, 2, -1}, 0, 0));
  EXPECT_TRUE(all_close(a.fmod(b), {-1, -2, -2, 0, 2, 2, 1}, 0, 0));
  Tensor af = a.cast(DType::float32), bf = b.cast(DType::float32);
  EXPECT_TRUE(all_close(af.floor_divide(bf), {-4, 1, -2, 0, -2, 1, -4}, 0, 0));
  EXPECT_TRUE(all_close(af % bf, {1, -2, 1, 0, -1, 2, -1}, 0, 0));
  EXPECT_TRUE(all_close(af.fmod(bf), {-1, -2, -2, 0, 2, 2, 1}, 0, 0));
  // 110 * (1 / 55) is 1.99999988 in float32: the quotient is corrected from the remainder.
  EXPECT_TRUE(all_close(Tensor({110.f, -110.f, 111.f}).div(55.f, "floor"), {2, -2, 2}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({110.f, -110.f}).div(Tensor({-55.f, -55.f}), "trunc"), {-2, 2}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({7.5f, -7.5f}) % 2, {1.5, 0.5}, 0, 0));
  EXPECT_TRUE(all_close(100 % Tensor({7, -7}), {2, -5}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({5.0f}).fmod(0.0f), {NAN}));
  EXPECT_NE(error_of([&] { a.div(b, "round"); }).find("\"trunc\" or \"floor\""), std::string::npos);
  // Gradients of the float remainder: 1 for a, -floor(a / b) for b (PyTorch's).
  check_grad([](const std::vector<Tensor>& in) { return in[0] % in[1] + in[0].fmod(in[1]) * 3; },
             {Input{{2.5, -3.7, 5.2}, {3}}, Input{{1.5, 1.2, -2.1}, {3}}});
}

TEST(TailOps, BitwiseOpsAndShifts) {
  Tensor x = Tensor({{1, -8, 1}, {32, 1, 6}});
  EXPECT_TRUE(all_close(x & 0x1337, {1, 0x1330, 1, 32, 1, 6}, 0, 0));
  EXPECT_TRUE(all_close(x | 3, {3, -5, 3, 35, 3, 7}, 0, 0));
  EXPECT_TRUE(all_close(x ^ x, {0, 0, 0, 0, 0, 0}, 0, 0));
  EXPECT_TRUE(all_close(0x1337 ^ x, {0x1336, ~0x1337 ^ 7, 0x1336, 0x1317, 0x1336, 0x1331}, 0, 0));
  EXPECT_TRUE(all_close(~x, {-2, 7, -2, -33, -2, -7}, 0, 0));
  EXPECT_TRUE(all_close((x << 2), {4, -32, 4, 128, 4, 24}, 0, 0));
  EXPECT_TRUE(all_close((x >> 1), {0, -4, 0, 16, 0, 3}, 0, 0));  // arithmetic for signed
  EXPECT_TRUE(all_close(x << Tensor({0, 1, 2}), {1, -16, 4, 32, 2, 24}, 0, 0));
  Tensor p = Tensor({true, true, false, false}), q = Tensor({true, false, true, false});
  EXPECT_EQ((p & q).dtype(), DType::bool_);
  EXPECT_TRUE(all_close((p & q).cast(DType::int32), {1, 0, 0, 0}, 0, 0));
  EXPECT_TRUE(all_close((p | q).cast(DType::int32), {1, 1, 1, 0}, 0, 0));
  EXPECT_TRUE(all_close((p ^ q).cast(DType::int32), {0, 1, 1, 0}, 0, 0));
  EXPECT_TRUE(all_close((~p).cast(DType::int32), {0, 0, 1, 1}, 0, 0));
  EXPECT_EQ((Tensor({0}) | -1).item<int32_t>(), -1);
  EXPECT_TRUE(all_close(Tensor({255}, {DType::uint8}).bitwise_not(), {0}, 0, 0));
  EXPECT_NE(error_of([] { Tensor({1.0f}) << 2; }).find("integer"), std::string::npos);
  EXPECT_NE(error_of([&] { x << 1.0; }).find("float"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor({1.0f}) & Tensor({1.0f}); }).find("float32"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor({true}) << 1; }).find("integer"), std::string::npos);
}

TEST(TailOps, CopysignAndLogaddexp) {
  Tensor a = Tensor({-1.f, -0.f, 0.f, 1.f, 2.f, 3.f});
  Tensor s = Tensor({1.f, 1.f, -0.f, -1.f, NAN, -INFINITY});
  Tensor c = a.copysign(s);
  EXPECT_TRUE(all_close(c, {1, 0, 0, -1, 2, -3}, 0, 0));
  EXPECT_TRUE(std::signbit(c.to_vector<float>()[2]));   // copysign(0, -0) is -0
  EXPECT_FALSE(std::signbit(c.to_vector<float>()[1]));
  std::vector<double> x = {-1, -100, 1, 2000}, y = {-1, 2, -200, 3};
  std::vector<double> want;
  for (size_t i = 0; i < x.size(); i++) {
    double m = std::max(x[i], y[i]);
    want.push_back(m + std::log(std::exp(x[i] - m) + std::exp(y[i] - m)));
  }
  EXPECT_TRUE(all_close(f64(x).logaddexp(f64(y)), want, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(Tensor({-INFINITY}).logaddexp(Tensor({-INFINITY})), {-INFINITY}));
  check_grad([](const std::vector<Tensor>& in) { return in[0].logaddexp(in[1]) + in[0].copysign(in[1]); },
             {ramp({2, 3}), ramp({2, 3}, 1.0, 7)});
}

TEST(TailOps, IscloseAllcloseVarMeanStdMean) {
  Tensor a = Tensor({1e-7f, 1e-8f, 1e-9f, NAN, INFINITY, INFINITY, 1.0f});
  Tensor b = Tensor({0.0f, 0.0f, 0.0f, NAN, INFINITY, -INFINITY, 1.000005f});
  EXPECT_TRUE(all_close(a.isclose(b).cast(DType::int32), {0, 1, 1, 0, 1, 0, 1}, 0, 0));
  EXPECT_TRUE(all_close(a.isclose(b, 1e-5, 1e-8, true).cast(DType::int32), {0, 1, 1, 1, 1, 0, 1}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({1.0f, 2.0f}).isclose(1.0f).cast(DType::int32), {1, 0}, 0, 0));
  EXPECT_TRUE(Tensor({1.0f, 2.0f}).allclose(Tensor({1.0f, 2.000001f})));
  EXPECT_FALSE(Tensor({1.0f, 2.0f}).allclose(Tensor({1.0f, 2.1f})));
  Tensor x = Tensor(std::vector<double>{1, 2, 4, 8, 3, 5}, tg::Shape({2, 3}));
  auto [v, m] = x.var_mean(1);
  EXPECT_TRUE(all_close(m, {7.0 / 3, 16.0 / 3}, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(v, {(std::pow(1 - 7.0 / 3, 2) + std::pow(2 - 7.0 / 3, 2) + std::pow(4 - 7.0 / 3, 2)) / 2,
                            (std::pow(8 - 16.0 / 3, 2) + std::pow(3 - 16.0 / 3, 2) + std::pow(5 - 16.0 / 3, 2)) / 2},
                        1e-12, 1e-12));
  auto [sd, m2] = x.std_mean({}, true, 0);
  EXPECT_EQ(dims(sd), (Dims{1, 1}));
  EXPECT_TRUE(all_close(m2, {23.0 / 6}, 1e-12, 1e-12));
}

TEST(TailOps, LogcumsumexpIsStableAndBlocked) {
  // [0, 100]: log(1 + e^100) = 100 + log1p(e^-100) (a shift by the overall max loses the 0).
  EXPECT_TRUE(all_close(Tensor({0.0f, 100.0f, -INFINITY}).logcumsumexp(), {0, 100, 100}, 1e-6, 1e-6));
  EXPECT_TRUE(all_close(Tensor({-INFINITY, 0.0f}).logcumsumexp(), {-INFINITY, 0}));
  // 100 values (more than one block) against the float64 running sum.
  Input in = ramp({2, 100}, 3.0);
  std::vector<double> want;
  for (int r = 0; r < 2; r++) {
    double acc = -INFINITY;
    for (int i = 0; i < 100; i++) {
      double v = in.data[static_cast<size_t>(r * 100 + i)], m = std::max(acc, v);
      acc = m + std::log(std::exp(acc - m) + std::exp(v - m));
      want.push_back(acc);
    }
  }
  Tensor x(in.data, tg::Shape({2, 100}));
  EXPECT_TRUE(all_close(x.logcumsumexp(1), want, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(x.transpose(0, 1).logcumsumexp(0).transpose(0, 1), want, 1e-12, 1e-12));
  check_grad([](const std::vector<Tensor>& in) { return in[0].logcumsumexp(1); }, {ramp({2, 40})});
  check_grad([](const std::vector<Tensor>& in) { return in[0].logcumsumexp(0); }, {ramp({5, 3})});
}

TEST(TailOps, Cummin) {
  EXPECT_TRUE(all_close(Tensor({3, 1, 2, 0, 5}).cummin(0), {3, 1, 1, 0, 0}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({{3.f, 1.f}, {0.f, 4.f}}).cummin(1), {3, 1, 0, 0}, 0, 0));
  check_grad([](const std::vector<Tensor>& in) { return in[0].cummin(1); }, {ramp({2, 5})});
}

// ---------------------------------------------------------------- movement

TEST(TailOps, RepeatInterleaveUnfoldDiagDiagonal) {
  Tensor x = Tensor({{1, 2}, {3, 4}});
  EXPECT_TRUE(all_close(x.repeat_interleave(2), {1, 1, 2, 2, 3, 3, 4, 4}, 0, 0));
  EXPECT_TRUE(all_close(x.repeat_interleave(2, 0), {1, 2, 1, 2, 3, 4, 3, 4}, 0, 0));
  EXPECT_TRUE(all_close(x.repeat_interleave(2, -1), {1, 1, 2, 2, 3, 3, 4, 4}, 0, 0));
  EXPECT_EQ(dims(x.repeat_interleave(3, 1)), (Dims{2, 6}));
  Tensor r = Tensor::arange(8);
  EXPECT_TRUE(all_close(r.unfold(0, 3, 2), {0, 1, 2, 2, 3, 4, 4, 5, 6}, 0, 0));
  EXPECT_EQ(dims(iota({3, 3, 3}).unfold(1, 2, 1)), (Dims{3, 2, 3, 2}));
  EXPECT_TRUE(all_close(iota({2, 3}).unfold(0, 2, 1), {0, 3, 1, 4, 2, 5}, 0, 0));  // (1, 3, 2)
  EXPECT_EQ(dims(iota({3, 3, 3}).unfold(1, 0, 8)), (Dims{3, 1, 3, 0}));
  EXPECT_NE(error_of([&] { r.unfold(0, 9, 3); }).find("larger"), std::string::npos);
  EXPECT_NE(error_of([&] { r.unfold(0, 1, -1); }).find("step"), std::string::npos);
  EXPECT_THROW(r.unfold(1, 8, 3), tg::Error);
  EXPECT_TRUE(all_close(Tensor({1, 2, 3}).diag(), {1, 0, 0, 0, 2, 0, 0, 0, 3}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({1, 2}).diag(1), {0, 1, 0, 0, 0, 2, 0, 0, 0}, 0, 0));
  EXPECT_TRUE(all_close(Tensor({1, 2}).diag(-1), {0, 0, 0, 1, 0, 0, 0, 2, 0}, 0, 0));
  Tensor m = iota({3, 4});
  EXPECT_TRUE(all_close(m.diagonal(), {0, 5, 10}, 0, 0));
  EXPECT_TRUE(all_close(m.diagonal(1), {1, 6, 11}, 0, 0));
  EXPECT_TRUE(all_close(m.diagonal(-1), {4, 9}, 0, 0));
  EXPECT_TRUE(all_close(m.diag(2), {2, 7}, 0, 0));
  EXPECT_EQ(dims(m.diagonal(5)), (Dims{0}));
  EXPECT_TRUE(all_close(iota({2, 2, 3}).diagonal(0, -2, -1), {0, 4, 6, 10}, 0, 0));
  EXPECT_TRUE(all_close(iota({2, 2, 3}).diagonal(0, 0, 2), {0, 7, 3, 10}, 0, 0));  // (dim 1, diag)
  EXPECT_NE(error_of([&] { m.diagonal(0, 1, -1); }).find("same dim"), std::string::npos);
  EXPECT_NE(error_of([] { iota({2, 2, 2}).diag(); }).find("1-D"), std::string::npos);
  check_grad([](const std::vector<Tensor>& in) {
    return in[0].diagonal(1, 0, 2).sum(0) + in[0].repeat_interleave(2, 1).unfold(1, 3, 2).sum({0, 2, 3}).slice(0, 0, 3);
  }, {ramp({3, 4, 5})});
  check_grad([](const std::vector<Tensor>& in) { return in[0].diag(1); }, {ramp({3})});
}

TEST(TailOps, Roll) {
  Tensor x = iota({2, 4});
  EXPECT_TRUE(all_close(x.roll(1), {7, 0, 1, 2, 3, 4, 5, 6}, 0, 0));
  EXPECT_TRUE(all_close(x.roll(1, 1), {3, 0, 1, 2, 7, 4, 5, 6}, 0, 0));
  EXPECT_TRUE(all_close(x.roll(-5, 1), {1, 2, 3, 0, 5, 6, 7, 4}, 0, 0));
  EXPECT_TRUE(all_close(x.roll({1, 2}, {0, 1}), {6, 7, 4, 5, 2, 3, 0, 1}, 0, 0));
  EXPECT_EQ(dims(iota({2, 0, 3}).roll(1, 1)), (Dims{2, 0, 3}));
  EXPECT_NE(error_of([&] { x.roll({1, 2}); }).find("one number"), std::string::npos);
  EXPECT_NE(error_of([&] { x.roll({1}, {0, 1}); }).find("one shift per dim"), std::string::npos);
  check_grad([](const std::vector<Tensor>& in) { return in[0].roll({2, -1}, {0, 1}) * Tensor::arange(4).cast(DType::float64); },
             {ramp({3, 4})});
}

TEST(TailOps, RearrangeAsEinops) {
  Tensor x = iota({2, 3, 4});
  EXPECT_EQ(dims(x.rearrange("b h w -> b w h")), (Dims{2, 4, 3}));
  EXPECT_TRUE(all_close(x.rearrange("b h w -> b w h"), x.permute({0, 2, 1}).contiguous().to_vector<double>(), 0, 0));
  EXPECT_EQ(dims(x.rearrange("b h w -> b (h w)")), (Dims{2, 12}));
  EXPECT_EQ(dims(x.rearrange("b h (w1 w2) -> b w1 h w2", {{"w1", 2}})), (Dims{2, 2, 3, 2}));
  EXPECT_TRUE(all_close(x.rearrange("b h (w1 w2) -> b w1 h w2", {{"w1", 2}}),
                        x.reshape({2, 3, 2, 2}).permute({0, 2, 1, 3}).contiguous().to_vector<double>(), 0, 0));
  EXPECT_EQ(dims(x.rearrange("... w -> w ...")), (Dims{4, 2, 3}));
  EXPECT_EQ(dims(x.rearrange("b ... -> (b ...)")), (Dims{24}));
  EXPECT_EQ(dims(x.rearrange("b h w -> b 1 h w 1")), (Dims{2, 1, 3, 4, 1}));
  EXPECT_EQ(dims(x.rearrange("b h w -> b h w").rearrange("b h w -> (b h) w")), (Dims{6, 4}));
  EXPECT_EQ(dims(iota({2, 1, 3}).rearrange("a 1 b -> b a")), (Dims{3, 2}));
  EXPECT_NE(error_of([&] { x.rearrange("b h w"); }).find("->"), std::string::npos);
  EXPECT_NE(error_of([&] { x.rearrange("b h w -> b h"); }).find("same axes"), std::string::npos);
  EXPECT_NE(error_of([&] { x.rearrange("b h -> h b"); }).find("shape (2, 3, 4)"), std::string::npos);
  EXPECT_NE(error_of([&] { x.rearrange("b (h -> h b"); }).find("without"), std::string::npos);
  EXPECT_NE(error_of([&] { x.rearrange("b h (w1 w2) -> b w1 w2 h"); }).find("unknown size"), std::string::npos);
  EXPECT_NE(error_of([&] { x.rearrange("b h w -> b h w", {{"z", 2}}); }).find("\"z\""), std::string::npos);
  EXPECT_NE(error_of([&] { x.rearrange("b h w -> b h w", {{"h", 5}}); }).find("is 5"), std::string::npos);
}

TEST(TailOps, PadToShrinkTo) {
  Tensor x = Tensor({{1, 2}, {3, 4}});
  EXPECT_TRUE(all_close(x.pad_to({3, -1}), {1, 2, 3, 4, 0, 0}, 0, 0));
  EXPECT_TRUE(all_close(x.pad_to({2, 3}, 9), {1, 2, 9, 3, 4, 9}, 0, 0));
  EXPECT_TRUE(all_close(x.shrink_to({-1, 1}), {1, 3}, 0, 0));
  EXPECT_NE(error_of([&] { x.pad_to({1, 2}); }).find("smaller"), std::string::npos);
  EXPECT_NE(error_of([&] { x.shrink_to({3, 2}); }).find("outside"), std::string::npos);
  EXPECT_NE(error_of([&] { x.pad_to({3}); }).find("one per dim"), std::string::npos);
}

// ---------------------------------------------------------------- creation, properties, casting

TEST(TailOps, CreatorsAndProperties) {
  Tensor t = Tensor::ones({2, 3}, {DType::float16});
  Tensor e = Tensor::empty_like(t);
  EXPECT_EQ(dims(e), (Dims{2, 3}));
  EXPECT_EQ(e.dtype(), DType::float16);
  EXPECT_EQ(t.nbytes(), 12);
  Tensor::manual_seed(3);
  Tensor rn = Tensor::randn_like(Tensor::zeros({4000}));
  auto v = rn.to_vector<double>();
  double mean = 0, sq = 0;
  for (double a : v) mean += a / 4000;
  for (double a : v) sq += (a - mean) * (a - mean) / 4000;
  EXPECT_NEAR(mean, 0.0, 0.06);
  EXPECT_NEAR(sq, 1.0, 0.08);
  EXPECT_EQ(Tensor::randn_like(Tensor({1, 2})).dtype(), DType::float32);
  Tensor::manual_seed(7);
  auto p1 = Tensor::randperm(50).to_vector<int32_t>();
  Tensor::manual_seed(7);
  auto p2 = Tensor::randperm(50).to_vector<int32_t>();
  EXPECT_EQ(p1, p2);  // seeded
  auto sorted = p1;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; i++) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_NE(p1, sorted);
  EXPECT_EQ(Tensor::randperm(5).dtype(), DType::int32);
  EXPECT_EQ(Tensor::randperm(5, {DType::int64}).dtype(), DType::int64);
  EXPECT_EQ(dims(Tensor::randperm(0)), (Dims{0}));
  EXPECT_THROW(Tensor::randperm(-1), tg::Error);
  Tensor k = Tensor::kaiming_normal({256, 400}, 0.0);
  auto kv = k.to_vector<double>();
  double ks = 0;
  for (double a : kv) ks += a * a / static_cast<double>(kv.size());
  EXPECT_NEAR(ks, 2.0 / 400, 0.1 * 2.0 / 400);
  auto su = Tensor::scaled_uniform({10, 10}).to_vector<double>();
  for (double a : su) EXPECT_LE(std::fabs(a), 0.1);
}

TEST(TailOps, Bitcast) {
  Tensor f = Tensor({1.0f, -2.0f});
  EXPECT_TRUE(all_close(f.bitcast(DType::int32), {0x3f800000, static_cast<int32_t>(0xc0000000u)}, 0, 0));
  Tensor i = Tensor({-1, 2, 3});
  EXPECT_EQ(dims(i.bitcast(DType::int16)), (Dims{6}));
  EXPECT_TRUE(all_close(i.bitcast(DType::int16), {-1, -1, 2, 0, 3, 0}, 0, 0));  // little-endian
  EXPECT_TRUE(all_close(Tensor({1, 2, 3, 4}, {DType::int16}).bitcast(DType::int32), {0x20001, 0x40003}, 0, 0));
  EXPECT_NE(error_of([] { Tensor({1, 2, 3}, {DType::int16}).bitcast(DType::int32); }).find("whole number"),
            std::string::npos);
  EXPECT_NE(error_of([] { Tensor(1).bitcast(DType::int16); }).find("0-d"), std::string::npos);
}

// ---------------------------------------------------------------- nn functional

TEST(TailOps, NormalizeAndNllLoss) {
  Tensor x = Tensor(std::vector<double>{3, 4, 0, 0}, tg::Shape({2, 2}));
  EXPECT_TRUE(all_close(x.normalize(), {0.6, 0.8, 0, 0}, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(x.normalize(1.0, 1), {3.0 / 7, 4.0 / 7, 0, 0}, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(x.normalize(2.0, 0), {1, 1, 0, 0}, 1e-12, 1e-12));
  check_grad([](const std::vector<Tensor>& in) { return in[0].normalize() + in[0].normalize(3.0, 0); }, {ramp({3, 4})});
  // log-probabilities (2, 3), targets {2, 0}: -(lp[0][2] + lp[1][0]) / 2
  Tensor lp = Tensor(std::vector<double>{-1, -2, -3, -4, -5, -6}, tg::Shape({2, 3}));
  Tensor tgt = Tensor({2, 0});
  EXPECT_TRUE(all_close(lp.nll_loss(tgt), {3.5}, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(lp.nll_loss(tgt, std::nullopt, -100, "sum"), {7}, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(lp.nll_loss(tgt, std::nullopt, -100, "none"), {3, 4}, 1e-12, 1e-12));
  Tensor w = Tensor(std::vector<double>{0.5, 1, 2}, tg::Shape({3}));
  EXPECT_TRUE(all_close(lp.nll_loss(tgt, w), {(3 * 2 + 4 * 0.5) / 2.5}, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(lp.nll_loss(Tensor({2, -100})), {3}, 1e-12, 1e-12));  // ignored
  EXPECT_TRUE(all_close(lp.nll_loss(Tensor({1, 1}), std::nullopt, 1), {NAN}));  // all ignored: 0 / 0
  EXPECT_TRUE(all_close(Tensor(std::vector<double>{-1, -2}, tg::Shape({2})).nll_loss(Tensor(1)), {2}, 1e-12, 1e-12));
  EXPECT_NE(error_of([&] { lp.nll_loss(Tensor({1.0f, 2.0f})); }).find("integer"), std::string::npos);
  EXPECT_NE(error_of([&] { lp.nll_loss(Tensor({1, 2, 0})); }).find("do not match"), std::string::npos);
  EXPECT_NE(error_of([&] { lp.nll_loss(tgt, Tensor({1.f, 2.f})); }).find("one per class"), std::string::npos);
  check_grad([&](const std::vector<Tensor>& in) { return in[0].nll_loss(Tensor({{2, 0}, {1, 1}}), w); },
             {ramp({2, 3, 2})});
}

TEST(TailOps, MaxUnpool2d) {
  // x (1, 1, 2, 2) from a 2x2 pool of a 4x4 plane; indices are flat positions in the 4x4 output.
  Tensor x = Tensor(std::vector<double>{6, 8, 14, 16}, tg::Shape({1, 1, 2, 2}));
  Tensor idx = Tensor({{{{5, 7}, {13, 15}}}});
  std::vector<double> want(16, 0.0);
  want[5] = 6, want[7] = 8, want[13] = 14, want[15] = 16;
  Tensor y = x.max_unpool2d(idx);
  EXPECT_EQ(dims(y), (Dims{1, 1, 4, 4}));
  EXPECT_TRUE(all_close(y, want, 0, 0));
  EXPECT_EQ(dims(x.max_unpool2d(idx, 2, std::nullopt, 0, tg::IntPair(5, 5))), (Dims{1, 1, 5, 5}));
  EXPECT_EQ(dims(x.max_unpool2d(idx, 3, 2, 1)), (Dims{1, 1, 3, 3}));
  EXPECT_EQ(dims(x.squeeze(0).max_unpool2d(idx.squeeze(0))), (Dims{1, 4, 4}));
  EXPECT_NE(error_of([&] { x.max_unpool2d(idx.cast(DType::float32)); }).find("integer"), std::string::npos);
  EXPECT_NE(error_of([&] { x.max_unpool2d(Tensor({1, 2})); }).find("do not match"), std::string::npos);
  EXPECT_NE(error_of([&] { x.reshape({4}).max_unpool2d(Tensor({1, 2, 3, 4})); }).find("(N, C, H, W)"), std::string::npos);
  // the round trip through max_pool2d_with_indices; ties pick the first in the window
  auto [pv, pi] = iota({1, 1, 4, 4}).max_pool2d_with_indices(2);
  EXPECT_TRUE(all_close(pv, {5, 7, 13, 15}, 0, 0));
  EXPECT_TRUE(all_close(pi, {5, 7, 13, 15}, 0, 0));
  EXPECT_TRUE(all_close(pv.max_unpool2d(pi), {0, 0, 0, 0, 0, 5, 0, 7, 0, 0, 0, 0, 0, 13, 0, 15}, 0, 0));
  EXPECT_TRUE(all_close(Tensor::ones({1, 1, 3, 3}).max_pool2d_with_indices(2, 1).second, {0, 1, 3, 4}, 0, 0));
  EXPECT_TRUE(all_close(iota({1, 1, 3, 3}).max_pool2d_with_indices(3, 1, 1).second, {4, 5, 5, 7, 8, 8, 7, 8, 8}, 0, 0));
  EXPECT_NE(error_of([] { Tensor({{1, 2}}).max_pool2d_with_indices(1); }).find("float"), std::string::npos);
  check_grad([&](const std::vector<Tensor>& in) { return in[0].max_unpool2d(idx) * Tensor::arange(16).reshape({1, 1, 4, 4}).cast(DType::float64); },
             {ramp({1, 1, 2, 2})});
}

TEST(TailOps, FunctionalGradient) {
  Tensor w = Tensor(std::vector<double>{1, 2, 3}, tg::Shape({3}));
  Tensor x = Tensor(std::vector<double>{4, 5, 6}, tg::Shape({3}));
  Tensor h = w * x;          // not a leaf
  Tensor loss = (h * h).sum();
  auto g = loss.gradient({w, h});
  EXPECT_TRUE(all_close(g[0], {2 * 1 * 16.0, 2 * 2 * 25.0, 2 * 3 * 36.0}, 1e-12, 0));  // 2 w x^2
  EXPECT_TRUE(all_close(g[1], {8, 20, 36}, 1e-12, 0));                               // 2 h
  EXPECT_FALSE(w.grad().has_value());  // grad() untouched
  auto gs = h.gradient({x}, Tensor(std::vector<double>{1, 0, 2}, tg::Shape({3})));
  EXPECT_TRUE(all_close(gs[0], {1, 0, 6}, 1e-12, 0));
  // a second-order use: the gradient is itself differentiable
  auto gg = g[0].sum().gradient({x});
  EXPECT_TRUE(all_close(gg[0], {4 * 1 * 4.0, 4 * 2 * 5.0, 4 * 3 * 6.0}, 1e-12, 0));
  Tensor other = Tensor(std::vector<double>{1}, tg::Shape({1}));
  EXPECT_NE(error_of([&] { loss.gradient({other}); }).find("not in this tensor's graph"), std::string::npos);
  EXPECT_NE(error_of([&] { h.gradient({w}); }).find("single-element"), std::string::npos);
  EXPECT_NE(error_of([&] { loss.gradient({Tensor({1, 2})}); }).find("int32"), std::string::npos);
}

TEST(TailOps, ToInPlaceAndReplace) {
  Tensor a = Tensor({1.0f, 2.0f});
  Tensor b = a;  // the same handle
  a.to_(a.device());
  EXPECT_TRUE(all_close(b, {1, 2}, 0, 0));
  a.to_("ref");
  EXPECT_EQ(b.device(), std::string("ref:0"));
  EXPECT_TRUE(all_close(b, {1, 2}, 0, 0));
  a.replace(Tensor({7, 8}));
  EXPECT_EQ(b.dtype(), DType::int32);  // replace takes the value's dtype (assign would refuse)
  EXPECT_TRUE(all_close(b, {7, 8}, 0, 0));
  EXPECT_NE(error_of([&] { a.replace(Tensor({1, 2, 3})); }).find("shapes differ"), std::string::npos);
  EXPECT_THROW(a.to_("nodevice"), tg::Error);
}

namespace {
// max |a - b| over all elements (both realized as float64)
double max_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double d = 0;
  for (size_t i = 0; i < x.size(); i++) d = std::max(d, std::fabs(x[i] - y[i]));
  return x.size() == y.size() ? d : INFINITY;
}
}  // namespace

// Small shapes: every Householder step and Jacobi round is its own kernels (compiled once per shape).
TEST(TailOps, QrReconstructsWithOrthonormalQ) {
  for (Dims s : {Dims{3, 2}, Dims{2, 2, 3}}) {
    SCOPED_TRACE(tg::Shape(std::vector<int64_t>(s.begin(), s.end())).to_string());
    Input in = ramp(s, 1.0, 3);
    Tensor a(in.data, tg::Shape(std::vector<int64_t>(s.begin(), s.end())));
    auto [q, r] = a.qr();
    const int64_t m = s[s.size() - 2];
    EXPECT_LT(max_diff(q.matmul(r), a), 1e-12);
    EXPECT_LT(max_diff(q.transpose(-2, -1).matmul(q), Tensor::eye(m, {DType::float64}).expand(q.shape())), 1e-12);
    EXPECT_LT(max_diff(r.tril(-1), Tensor::zeros_like(r)), 1e-12);  // upper triangular
  }
  // a zero column (nothing to reflect) stays finite
  auto [q0, r0] = Tensor::zeros({3, 2}, {DType::float64}).qr();
  EXPECT_TRUE(all_close(r0, std::vector<double>(6, 0.0), 0, 0));
  EXPECT_NE(error_of([] { Tensor({1.0f, 2.0f}).qr(); }).find("at least 2 dims"), std::string::npos);
  check_grad([](const std::vector<Tensor>& in) {
    auto [q, r] = in[0].qr();
    return q.sum() + r.square().sum();
  }, {ramp({2, 2}, 1.0, 5)});
}

TEST(TailOps, SvdReconstructsWithSortedSingularValues) {
  // diag(3, 1, 2) rotated: singular values 3, 2, 1
  Tensor d = Tensor(std::vector<double>{3, 0, 0, 0, 1, 0, 0, 0, 2}, tg::Shape({3, 3}));
  auto [u0, s0, vh0] = d.svd();
  EXPECT_TRUE(all_close(s0, {3, 2, 1}, 1e-10, 1e-10));
  for (Dims s : {Dims{3, 2}, Dims{2, 2, 3}}) {
    SCOPED_TRACE(tg::Shape(std::vector<int64_t>(s.begin(), s.end())).to_string());
    Input in = ramp(s, 1.0, 2);
    Tensor a(in.data, tg::Shape(std::vector<int64_t>(s.begin(), s.end())));
    auto [u, sv, vh] = a.svd(false);
    EXPECT_LT(max_diff(u.matmul(tg::where(Tensor::eye(sv.shape().back(), {DType::bool_}), sv.unsqueeze(-2), 0.0)).matmul(vh), a), 1e-9);
    auto vals = sv.to_vector<double>();
    const size_t k = static_cast<size_t>(sv.shape().back());
    for (size_t i = 0; i + 1 < vals.size(); i++)
      if ((i + 1) % k != 0) EXPECT_GE(vals[i], vals[i + 1]);
    auto [uf, sf, vf] = a.svd(true);
    const int64_t m = s[s.size() - 2];
    EXPECT_EQ(uf.shape().back(), m);
    EXPECT_LT(max_diff(uf.transpose(-2, -1).matmul(uf), Tensor::eye(m, {DType::float64}).expand(uf.shape())), 1e-9);
  }
  // the singular values' gradient (distinct values): d sum(S) / dA = U Vh
  check_grad([](const std::vector<Tensor>& in) { return std::get<1>(in[0].svd()).sum(); }, {ramp({2, 2}, 1.0, 4)}, 1e-6,
             1e-4, 1e-6);
}

TEST(TailOps, RectangularEyeOneSidedClipIsinfFlags) {
  EXPECT_TRUE(all_close(Tensor::eye(2, 3), {1, 0, 0, 0, 1, 0}, 0, 0));
  EXPECT_TRUE(all_close(Tensor::eye(3, 2), {1, 0, 0, 1, 0, 0}, 0, 0));
  EXPECT_EQ(dims(Tensor::eye(0, 4)), (Dims{0, 4}));
  EXPECT_EQ(Tensor::eye(2, 3, {DType::int32}).dtype(), DType::int32);
  EXPECT_NE(error_of([] { Tensor::eye(2, -1); }).find(">= 0"), std::string::npos);
  Tensor x = Tensor({-2.0f, 0.5f, 3.0f, NAN});
  EXPECT_TRUE(all_close(x.clip(tg::None, 1.0f), {-2, 0.5, 1, NAN}));
  EXPECT_TRUE(all_close(x.clamp(0, tg::None), {0, 0.5, 3, NAN}));
  EXPECT_NE(error_of([&] { x.clip(tg::None, tg::None); }).find("at least one"), std::string::npos);
  check_grad([](const std::vector<Tensor>& in) { return in[0].clip(tg::None, 0.5) + in[0].clip(-0.5, tg::None); },
             {ramp({2, 3})});
  Tensor v = Tensor({-INFINITY, 0.f, INFINITY, NAN});
  EXPECT_TRUE(all_close(v.isinf(true, false).cast(DType::int32), {0, 0, 1, 0}, 0, 0));
  EXPECT_TRUE(all_close(v.isinf(false, true).cast(DType::int32), {1, 0, 0, 0}, 0, 0));
  EXPECT_TRUE(all_close(v.isinf(false, false).cast(DType::int32), {0, 0, 0, 0}, 0, 0));
}
