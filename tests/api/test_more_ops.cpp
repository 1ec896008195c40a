// The ops models reach for: pad modes, tril/triu, masked_fill, erf, gelu("none"), isnan/isinf/
// isfinite, lerp, logsumexp over all axes, rms_norm, cumprod, cummax, meshgrid. Forward values
// from PyTorch (float64, printed to 16 digits), gradients against central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>

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

// ---------------------------------------------------------------- a string is never a Scalar

// x.pad(pairs, "reflect") used to compile as pad(pairs, Scalar(bool("reflect"))) and pad with 1.0.
static_assert(!std::is_convertible_v<const char*, tg::Scalar>, "a C string must not become a Scalar");
static_assert(!std::is_convertible_v<const char (&)[8], tg::Scalar>, "a string literal must not become a Scalar");
static_assert(!std::is_convertible_v<std::string, tg::Scalar>, "a std::string must not become a Scalar");
static_assert(!std::is_convertible_v<std::string_view, tg::Scalar>, "a string_view must not become a Scalar");
static_assert(!std::is_convertible_v<int*, tg::Scalar>, "a pointer must not become a Scalar");
static_assert(std::is_convertible_v<bool, tg::Scalar> && std::is_convertible_v<float, tg::Scalar>);

// ---------------------------------------------------------------- pad modes

TEST(PadModes, ReflectReplicateCircularOneDim) {
  Tensor x = iota({3, 4});
  // torch.nn.functional.pad(x[None], (3, 1), mode)
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, 1}}, "reflect"),
                        {3, 2, 1, 0, 1, 2, 3, 2, 7, 6, 5, 4, 5, 6, 7, 6, 11, 10, 9, 8, 9, 10, 11, 10}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, 1}}, "replicate"),
                        {0, 0, 0, 0, 1, 2, 3, 3, 4, 4, 4, 4, 5, 6, 7, 7, 8, 8, 8, 8, 9, 10, 11, 11}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, 1}}, "circular"),
                        {1, 2, 3, 0, 1, 2, 3, 0, 5, 6, 7, 4, 5, 6, 7, 4, 9, 10, 11, 8, 9, 10, 11, 8}));
  EXPECT_EQ(dims(x.pad({{0, 0}, {3, 1}}, "reflect")), (Dims{3, 8}));
}

TEST(PadModes, TwoDimsAsPyTorch) {
  Tensor x = iota({1, 1, 3, 4});
  // torch.nn.functional.pad(x, (1, 2, 2, 1), mode): rows (2, 1), columns (1, 2)
  std::vector<std::pair<int64_t, int64_t>> p = {{0, 0}, {0, 0}, {2, 1}, {1, 2}};
  EXPECT_TRUE(all_close(x.pad(p, "reflect"),
                        {9, 8, 9, 10, 11, 10, 9, 5, 4, 5, 6, 7, 6, 5, 1, 0, 1, 2, 3, 2, 1, 5, 4, 5, 6, 7, 6,
                         5, 9, 8, 9, 10, 11, 10, 9, 5, 4, 5, 6, 7, 6, 5}));
  EXPECT_TRUE(all_close(x.pad(p, "replicate"),
                        {0, 0, 1, 2, 3, 3, 3, 0, 0, 1, 2, 3, 3, 3, 0, 0, 1, 2, 3, 3, 3, 4, 4, 5, 6, 7, 7,
                         7, 8, 8, 9, 10, 11, 11, 11, 8, 8, 9, 10, 11, 11, 11}));
  EXPECT_TRUE(all_close(x.pad(p, "circular"),
                        {7, 4, 5, 6, 7, 4, 5, 11, 8, 9, 10, 11, 8, 9, 3, 0, 1, 2, 3, 0, 1, 7, 4, 5, 6, 7, 4,
                         5, 11, 8, 9, 10, 11, 8, 9, 3, 0, 1, 2, 3, 0, 1}));
  EXPECT_EQ(dims(x.pad(p, "circular")), (Dims{1, 1, 6, 7}));
}

TEST(PadModes, ConstantTakesTheValueLast) {
  Tensor x = Tensor({1.f, 2.f});
  EXPECT_TRUE(all_close(x.pad({{1, 2}}, "constant", 7.f), {7, 1, 2, 7, 7}));
  EXPECT_TRUE(all_close(x.pad({{1, 0}}, "constant"), {0, 1, 2}));
  EXPECT_TRUE(all_close(x.pad({{1, 0}}, std::string("reflect")), {2, 1, 2}));
}

TEST(PadModes, BadInputNamesTheProblem) {
  Tensor x = iota({3, 4});
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {4, 0}}, "reflect"); }).find("< the dim's size"), std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {5, 0}}, "circular"); }).find("at most once"), std::string::npos);
  EXPECT_NO_THROW(x.pad({{0, 0}, {4, 4}}, "circular"));
  std::string e = error_of([&] { x.pad({{0, 0}, {1, 1}}, "symmetric"); });
  EXPECT_NE(e.find("\"symmetric\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"reflect\""), std::string::npos) << e;
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {1, 1}}, "reflect", 2.f); }).find("only used by mode \"constant\""),
            std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{1, 1}}, "replicate"); }).find("one pair per dim"), std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {-3, -2}}, "reflect"); }).find("cuts more than"), std::string::npos);
  EXPECT_NE(error_of([&] { Tensor::zeros({2, 0}).pad({{0, 0}, {1, 0}}, "replicate"); }).find("non-empty"),
            std::string::npos);
}

TEST(PadModes, NegativePadsCutAsPyTorch) {
  Tensor x = iota({3, 4});
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {-1, 2}}, "reflect"), {1, 2, 3, 2, 1, 5, 6, 7, 6, 5, 9, 10, 11, 10, 9}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, -2}}, "replicate"), {0, 0, 0, 0, 1, 4, 4, 4, 4, 5, 8, 8, 8, 8, 9}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {1, -2}}, "circular"), {1, 0, 1, 5, 4, 5, 9, 8, 9}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {-1, 2}}, "constant", 9.f), {1, 2, 3, 9, 9, 5, 6, 7, 9, 9, 9, 10, 11, 9, 9}));
  EXPECT_EQ(dims(x.pad({{-3, 0}, {0, 0}}, "constant")), (Dims{0, 4}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {-1, 2}}, 9.f), {1, 2, 3, 9, 9, 5, 6, 7, 9, 9, 9, 10, 11, 9, 9}));
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {-3, -2}}); }).find("cuts more than"), std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {INT64_MIN, INT64_MIN}}, "circular"); }).find("cuts more than"),
            std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {-INT64_MAX, -INT64_MAX}}); }).find("cuts more than"), std::string::npos);
}

TEST(PadModes, Gradients) {
  for (const char* mode : {"reflect", "replicate", "circular"}) {
    SCOPED_TRACE(mode);
    check_grad([&](const std::vector<Tensor>& in) { return in[0].pad({{1, 2}, {2, 1}}, mode); }, {ramp({3, 4})});
  }
}

// ---------------------------------------------------------------- tril, triu

TEST(Triangles, TrilTriuWithOffsets) {
  Tensor x = iota({3, 4}) + 1;
  EXPECT_TRUE(all_close(x.tril(), {1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0}));
  EXPECT_TRUE(all_close(x.tril(-1), {0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0}));
  EXPECT_TRUE(all_close(x.tril(1), {1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12}));
  EXPECT_TRUE(all_close(x.triu(), {1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12}));
  EXPECT_TRUE(all_close(x.triu(1), {0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12}));
  EXPECT_TRUE(all_close(x.triu(-1), {1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12}));
  EXPECT_TRUE(all_close(x.triu(5), std::vector<double>(12, 0)));
  // batched over leading dims, ints keep their dtype, bools too
  Tensor b = Tensor::ones({2, 2, 2}, tg::TensorOptions{DType::int32});
  EXPECT_EQ(b.tril().dtype(), DType::int32);
  EXPECT_TRUE(all_close(b.tril(), {1, 0, 1, 1, 1, 0, 1, 1}));
  Tensor causal = Tensor::ones({3, 3}, tg::TensorOptions{DType::bool_}).tril();
  EXPECT_EQ(causal.dtype(), DType::bool_);
  EXPECT_TRUE(all_close(causal, {1, 0, 0, 1, 1, 0, 1, 1, 1}));
  EXPECT_NE(error_of([] { Tensor({1.f, 2.f}).tril(); }).find("at least 2 dims"), std::string::npos);
  check_grad([](const std::vector<Tensor>& in) { return in[0].triu(1) + in[0].tril(-1) * 2; }, {ramp({2, 3, 4})});
}

// ---------------------------------------------------------------- masked_fill

TEST(MaskedFill, ScalarAndTensorValuesBroadcastingMask) {
  Tensor x = iota({2, 3});
  Tensor mask = Tensor({true, false, true});
  EXPECT_TRUE(all_close(x.masked_fill(mask, -INFINITY), {-INFINITY, 1, -INFINITY, -INFINITY, 4, -INFINITY}));
  EXPECT_TRUE(all_close(x.masked_fill(mask, Tensor({10.f, 20.f, 30.f})), {10, 1, 30, 10, 4, 30}));
  Tensor xi = Tensor({1, 2, 3});
  EXPECT_EQ(xi.masked_fill(mask, 2.7f).dtype(), DType::int32);  // the tensor's dtype, as PyTorch
  EXPECT_TRUE(all_close(xi.masked_fill(mask, 9), {9, 2, 9}));
  EXPECT_NE(error_of([&] { x.masked_fill(Tensor({1, 0, 1}), 0.f); }).find("bool"), std::string::npos);
  EXPECT_NE(error_of([&] { x.masked_fill(Tensor({true, false}), 0.f); }).find("does not broadcast"), std::string::npos);
  EXPECT_NE(error_of([&] { Tensor({1.f, 2.f, 3.f}).masked_fill(Tensor({{true}, {false}}), 0.f); })
                .find("does not broadcast"),
            std::string::npos);
  Tensor m = Tensor({{false, true, false, false}, {true, false, false, true}, {false, false, false, false}});
  check_grad([&](const std::vector<Tensor>& in) { return in[0].masked_fill(m, 3.0).softmax(-1); }, {ramp({3, 4})});
}

// ---------------------------------------------------------------- erf, gelu

TEST(Erf, AgainstPyTorch) {
  // torch.erf in float64; the approximation is within 1.5e-7
  EXPECT_TRUE(all_close(Tensor(std::vector<double>{-2.5, -1.0, -0.3, 0.0, 0.4, 1.2, 3.0}, {7}).erf(),
                        {-0.999593047982555, -0.8427007929497149, -0.3286267594591274, 0.0, 0.42839235504666845,
                         0.9103139782296354, 0.9999779095030014},
                        0, 3e-7));
  EXPECT_EQ(Tensor({1, 2}).erf().dtype(), DType::float32);
  // the gradient is 2 / sqrt(pi) * exp(-x^2), also at 0
  Tensor x = Tensor(std::vector<double>{-1.0, 0.0, 0.7}, {3}, tg::TensorOptions{std::nullopt, std::nullopt, true});
  x.erf().sum().backward();
  std::vector<double> want;
  for (double v : {-1.0, 0.0, 0.7}) want.push_back(2 / std::sqrt(M_PI) * std::exp(-v * v));
  EXPECT_TRUE(all_close(*x.grad(), want, 0, 2e-5));
  check_grad([](const std::vector<Tensor>& in) { return in[0].erf(); }, {ramp({2, 5}, 1.5)});
}

TEST(Gelu, ExactAndTanh) {
  Tensor a = Tensor(std::vector<double>{-2.5, -1.0, -0.3, 0.0, 0.4, 1.2, 3.0}, {7});
  EXPECT_TRUE(all_close(a.gelu("none"),
                        {-0.015524163314440398, -0.15865525393145702, -0.1146265733433142, 0.0, 0.2621686966441297,
                         1.0619163957339501, 2.99595030590511},
                        0, 3e-7));
  std::vector<double> tanh_want = {-0.015084266089998577, -0.15880800939172324, -0.11462907645724074, 0.0,
                                   0.2621611694273562,    1.0617027691378649,   2.996362607918227};
  EXPECT_TRUE(all_close(a.gelu("tanh"), tanh_want, 1e-12, 1e-12));
  EXPECT_TRUE(all_close(a.gelu(), tanh_want, 1e-12, 1e-12));
  std::string e = error_of([&] { a.gelu("erf"); });
  EXPECT_NE(e.find("\"erf\""), std::string::npos) << e;
  check_grad([](const std::vector<Tensor>& in) { return in[0].gelu("none"); }, {ramp({2, 5}, 2.0)});
}

// ---------------------------------------------------------------- isnan, isinf, isfinite, lerp

TEST(NanInf, Predicates) {
  Tensor x = Tensor({1.f, NAN, INFINITY, -INFINITY, -0.f});
  EXPECT_EQ(x.isnan().dtype(), DType::bool_);
  EXPECT_TRUE(all_close(x.isnan(), {0, 1, 0, 0, 0}));
  EXPECT_TRUE(all_close(x.isinf(), {0, 0, 1, 1, 0}));
  EXPECT_TRUE(all_close(x.isfinite(), {1, 0, 0, 0, 1}));
  Tensor i = Tensor({1, 2});
  EXPECT_TRUE(all_close(i.isnan(), {0, 0}));
  EXPECT_TRUE(all_close(i.isinf(), {0, 0}));
  EXPECT_TRUE(all_close(i.isfinite(), {1, 1}));
}

TEST(Lerp, ScalarAndTensorWeights) {
  Tensor a = Tensor({1.f, 2.f, 3.f}), b = Tensor({4.f, 5.f, 6.f});
  EXPECT_TRUE(all_close(a.lerp(b, 0.5f), {2.5, 3.5, 4.5}));
  EXPECT_TRUE(all_close(a.lerp(b, Tensor({0.f, 1.f, 0.25f})), {1, 5, 3.75}));
  check_grad([](const std::vector<Tensor>& in) { return in[0].lerp(in[1], in[2]); },
             {ramp({2, 3}), ramp({2, 3}, 1, 2), ramp({3}, 1, 3)});
}

// ---------------------------------------------------------------- logsumexp, rms_norm

TEST(LogSumExp, OverAllAxes) {
  Tensor c = Tensor(std::vector<double>{0.5, -1.0, 2.0, 1.5, 3.0, -0.5}, {2, 3});
  EXPECT_EQ(dims(c.logsumexp()), Dims{});
  EXPECT_TRUE(all_close(c.logsumexp(), {3.5432585184004948}, 1e-12));
  // large values do not overflow; infinities as PyTorch
  EXPECT_TRUE(all_close(Tensor({1000.f, 1000.f}).logsumexp(), {1000 + std::log(2.0)}));
  EXPECT_TRUE(all_close(Tensor({-INFINITY, -INFINITY}).logsumexp(), {-INFINITY}));
  EXPECT_TRUE(all_close(Tensor({INFINITY, 1.f}).logsumexp(), {INFINITY}));
  EXPECT_TRUE(all_close(c.logsumexp(1), {2.241311296657157, 3.2258020492315995}, 1e-12));
  check_grad([](const std::vector<Tensor>& in) { return in[0].logsumexp(); }, {ramp({3, 4})});
}

TEST(RmsNorm, LastAxisAndGradient) {
  Tensor c = Tensor(std::vector<double>{0.5, -1.0, 2.0, 1.5, 3.0, -0.5}, {2, 3});
  EXPECT_TRUE(all_close(c.rms_norm(-1, 1e-6f),
                        {0.3779643650194241, -0.7559287300388482, 1.5118574600776964, 0.7661307777527788,
                         1.5322615555055576, -0.2553769259175929},
                        1e-6));
  EXPECT_EQ(dims(c.rms_norm()), (Dims{2, 3}));
  check_grad([](const std::vector<Tensor>& in) { return in[0].rms_norm(-1, 1e-6f); }, {ramp({3, 4})});
  check_grad([](const std::vector<Tensor>& in) { return in[0].rms_norm({0, 1}); }, {ramp({3, 4})});
}

// ---------------------------------------------------------------- cumprod, cummax

TEST(CumOps, ProdAndMaxAgainstPyTorch) {
  Tensor c = Tensor(std::vector<double>{0.5, -1.0, 2.0, 1.5, 3.0, -0.5}, {2, 3});
  EXPECT_TRUE(all_close(c.cumprod(1), {0.5, -0.5, -1.0, 1.5, 4.5, -2.25}));
  EXPECT_TRUE(all_close(c.cumprod(0), {0.5, -1.0, 2.0, 0.75, -3.0, -1.0}));
  EXPECT_TRUE(all_close(c.cummax(1), {0.5, 0.5, 2.0, 1.5, 3.0, 3.0}));
  EXPECT_TRUE(all_close(c.cummax(-2), {0.5, -1.0, 2.0, 1.5, 3.0, 2.0}));
  EXPECT_TRUE(all_close(Tensor({3, -7, 5, 1}).cummax(0), {3, 3, 5, 5}));
  EXPECT_TRUE(all_close(Tensor({-3, -7, -5}).cummax(0), {-3, -3, -3}));
}

TEST(CumOps, LongRowsUseBlocks) {
  // 100 values: past one 32-value block, so the block totals are combined.
  std::vector<double> v, prod, mx;
  double p = 1, m = -1e9;
  for (int i = 0; i < 100; i++) {
    double x = 1.0 + 0.02 * std::sin(i * 1.3);
    double y = std::sin(i * 0.37) * i;
    v.push_back(x);
    p *= x;
    prod.push_back(p);
    m = std::max(m, y);
    mx.push_back(m);
  }
  EXPECT_TRUE(all_close(Tensor(v, {100}).cumprod(0), prod, 1e-12));
  std::vector<double> w;
  for (int i = 0; i < 100; i++) w.push_back(std::sin(i * 0.37) * i);
  EXPECT_TRUE(all_close(Tensor(w, {1, 100}).cummax(1), mx, 1e-12));
  std::vector<float> wf(w.begin(), w.end());
  EXPECT_TRUE(all_close(Tensor(wf, {100}).cummax(0), mx, 1e-6, 1e-4));
}

TEST(CumOps, Gradients) {
  check_grad([](const std::vector<Tensor>& in) { return in[0].cumprod(1); }, {ramp({2, 5})});
  check_grad([](const std::vector<Tensor>& in) { return in[0].cumprod(0); }, {ramp({40, 2}, 0.1, 3)});
  check_grad([](const std::vector<Tensor>& in) { return in[0].cummax(1); }, {ramp({2, 6})});
  check_grad([](const std::vector<Tensor>& in) { return in[0].cummax(0); }, {ramp({40, 1})});
}

// ---------------------------------------------------------------- meshgrid

TEST(Meshgrid, IjAndXy) {
  Tensor xs = Tensor({1, 2, 3}), ys = Tensor({10, 20});
  auto ij = tg::meshgrid({xs, ys}, "ij");
  ASSERT_EQ(ij.size(), 2u);
  EXPECT_EQ(dims(ij[0]), (Dims{3, 2}));
  EXPECT_TRUE(all_close(ij[0], {1, 1, 2, 2, 3, 3}));
  EXPECT_TRUE(all_close(ij[1], {10, 20, 10, 20, 10, 20}));
  auto xy = tg::meshgrid({xs, ys}, "xy");
  EXPECT_EQ(dims(xy[0]), (Dims{2, 3}));
  EXPECT_TRUE(all_close(xy[0], {1, 2, 3, 1, 2, 3}));
  EXPECT_TRUE(all_close(xy[1], {10, 10, 10, 20, 20, 20}));
  auto three = tg::meshgrid({xs, ys, Tensor({5, 6})}, "xy");
  EXPECT_EQ(dims(three[2]), (Dims{2, 3, 2}));
  EXPECT_TRUE(all_close(three[2], {5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6}));
  EXPECT_EQ(dims(tg::meshgrid({xs})[0]), (Dims{3}));
  EXPECT_NE(error_of([&] { tg::meshgrid({xs, ys}, "yx"); }).find("\"yx\""), std::string::npos);
  EXPECT_NE(error_of([&] { tg::meshgrid({Tensor::ones({2, 2})}); }).find("0-D or 1-D"), std::string::npos);
  check_grad([](const std::vector<Tensor>& in) { return tg::meshgrid({in[0], in[1]}, "xy")[0] * tg::meshgrid({in[0], in[1]}, "xy")[1]; },
             {ramp({3}), ramp({2}, 1, 4)});
}
