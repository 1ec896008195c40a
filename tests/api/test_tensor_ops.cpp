// Elementwise math, activations, comparisons, matmul, printing, casts and the "out" methods, each
// against values computed here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <sstream>

#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;
using tgtest::f32;

namespace {

using RefFn = std::function<double(double)>;
using OpFn = std::function<Tensor(const Tensor&)>;

const std::vector<float> kMixed = {-2.5f, -1.3f, -0.4f, 0.3f, 0.9f, 2.2f};
constexpr double kPi = 3.14159265358979323846;
const std::vector<float> kPositive = {0.2f, 0.7f, 1.5f, 3.9f};

// Applies op to a float32 tensor of xs and compares with ref on the (float-rounded) inputs.
::testing::AssertionResult unary_matches(const OpFn& op, const RefFn& ref, const std::vector<float>& xs,
                                         double rtol = 1e-5, double atol = 1e-5) {
  Tensor t(xs, tg::Shape({static_cast<int64_t>(xs.size())}));
  Tensor out = op(t);
  if (out.dtype() != DType::float32)
    return ::testing::AssertionFailure() << "dtype " << tg::dtype_name(out.dtype()) << ", want float32";
  if (dims(out) != dims(t)) return ::testing::AssertionFailure() << "shape " << out.shape().to_string();
  std::vector<double> want;
  for (float x : xs) want.push_back(ref(static_cast<double>(x)));
  return all_close(out, want, rtol, atol);
}

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus_ref(double x, double beta) { return std::log1p(std::exp(beta * x)) / beta; }
double relu6_ref(double x) { return std::min(std::max(x, 0.0), 6.0); }

}  // namespace

// ---------------------------------------------------------------- binary arithmetic

TEST(Binary, AddSubMulDivWithBroadcasting) {
  Tensor a = Tensor({1.f, 2.f}).reshape({2, 1});
  Tensor b({10.f, 20.f, 30.f});       // (3)
  Tensor s = a + b;
  EXPECT_EQ(dims(s), (Dims{2, 3}));
  EXPECT_TRUE(all_close(s, {11, 21, 31, 12, 22, 32}));
  EXPECT_TRUE(all_close(a - b, {-9, -19, -29, -8, -18, -28}));
  EXPECT_TRUE(all_close(a * b, {10, 20, 30, 20, 40, 60}));
  EXPECT_TRUE(all_close(b / a, {10, 20, 30, 5, 10, 15}));
  EXPECT_TRUE(all_close(a.add(b), {11, 21, 31, 12, 22, 32}));
  EXPECT_TRUE(all_close(a.sub(b), {-9, -19, -29, -8, -18, -28}));
  EXPECT_TRUE(all_close(a.mul(b), {10, 20, 30, 20, 40, 60}));
  EXPECT_TRUE(all_close(b.div(a), {10, 20, 30, 5, 10, 15}));
}

TEST(Binary, ScalarOnEitherSide) {
  Tensor t({1.f, 2.f, 4.f});
  EXPECT_TRUE(all_close(3.f - t, {2, 1, -1}));
  EXPECT_TRUE(all_close(t - 1, {0, 1, 3}));
  EXPECT_TRUE(all_close(2 / t, {2, 1, 0.5}));
  EXPECT_TRUE(all_close(t / 2, {0.5, 1, 2}));
  EXPECT_TRUE(all_close(1 + t, {2, 3, 5}));
  EXPECT_TRUE(all_close(t * 2.f, {2, 4, 8}));
  EXPECT_TRUE(all_close(-t, {-1, -2, -4}));
  Tensor i({3, -4});
  EXPECT_EQ((-i).dtype(), DType::int32);
  EXPECT_EQ((-i).to_vector<int32_t>(), (std::vector<int32_t>{-3, 4}));
}

TEST(Binary, CompoundAssignment) {
  Tensor t({1.f, 2.f});
  t += Tensor({10.f, 20.f});
  EXPECT_TRUE(all_close(t, {11, 22}));
  t -= 1;
  EXPECT_TRUE(all_close(t, {10, 21}));
  t *= 2.f;
  EXPECT_TRUE(all_close(t, {20, 42}));
  t /= Tensor({4.f, 2.f});
  EXPECT_TRUE(all_close(t, {5, 21}));
  t /= 5;
  EXPECT_TRUE(all_close(t, {1, 4.2}));
  t *= Tensor({2.f, 0.5f});
  t -= Tensor({1.f, 1.f});
  EXPECT_TRUE(all_close(t, {1, 1.1}));
  t += 0.5;
  EXPECT_TRUE(all_close(t, {1.5, 1.6}));
}

TEST(Binary, MaximumMinimum) {
  Tensor a({1.f, 5.f, -3.f});
  Tensor b({2.f, 4.f, -3.f});
  EXPECT_TRUE(all_close(a.maximum(b), {2, 5, -3}));
  EXPECT_TRUE(all_close(a.minimum(b), {1, 4, -3}));
  EXPECT_TRUE(all_close(a.maximum(0), {1, 5, 0}));
  EXPECT_TRUE(all_close(a.minimum(2.f), {1, 2, -3}));
  Tensor c = Tensor({0.f, 4.5f}).reshape({2, 1});  // broadcast (2,1) with (3)
  EXPECT_TRUE(all_close(a.maximum(c), {1, 5, 0, 4.5, 5, 4.5}));
  Tensor i = Tensor({1, 7}).maximum(Tensor({3, 2}));
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{3, 7}));
}

// minimum is max of order-reversed values: for ints that must not be negation (-INT_MIN
// overflows; -x of a uint8 wraps), for a bool beside a float not logical not.
TEST(Binary, MinimumAtTheEdgesOfEveryIntDtype) {
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(Tensor({5, 3, hi}).minimum(Tensor({lo, 7, lo})).to_vector<int32_t>(), (std::vector<int32_t>{lo, 3, lo}));
  EXPECT_EQ(Tensor({5, lo}).minimum(0).to_vector<int32_t>(), (std::vector<int32_t>{0, lo}));
  const int64_t lo64 = std::numeric_limits<int64_t>::min();
  Tensor l(std::vector<int64_t>{lo64, 4, 9}, tg::Shape({3}));
  EXPECT_EQ(l.minimum(Tensor(std::vector<int64_t>{0, lo64, 8}, tg::Shape({3}))).to_vector<int64_t>(),
            (std::vector<int64_t>{lo64, lo64, 8}));
  Tensor i8 = Tensor(std::vector<int8_t>{-128, 127, 0}, tg::Shape({3}));
  EXPECT_EQ(i8.minimum(Tensor(std::vector<int8_t>{127, -128, 0}, tg::Shape({3}))).to_vector<int8_t>(),
            (std::vector<int8_t>{-128, -128, 0}));
  Tensor i16 = Tensor(std::vector<int16_t>{-32768, 32767}, tg::Shape({2}));
  EXPECT_EQ(i16.minimum(Tensor(std::vector<int16_t>{0, 0}, tg::Shape({2}))).to_vector<int16_t>(),
            (std::vector<int16_t>{-32768, 0}));
  Tensor u8 = Tensor(std::vector<uint8_t>{0, 255, 7, 200}, tg::Shape({4}));
  Tensor m = u8.minimum(Tensor(std::vector<uint8_t>{5, 254, 7, 201}, tg::Shape({4})));
  EXPECT_EQ(m.dtype(), DType::uint8);
  EXPECT_EQ(m.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 254, 7, 200}));
}

TEST(Binary, MinimumOfBoolAndFloatComparesAsNumbers) {
  Tensor b(std::vector<bool>{true, false, false}, tg::Shape({3}));
  Tensor m = b.minimum(1.2);
  EXPECT_EQ(m.dtype(), DType::float32);
  EXPECT_TRUE(all_close(m, {1, 0, 0}));
  EXPECT_TRUE(all_close(b.minimum(Tensor({0.5f, -1.f, 2.f})), {0.5, -1, 0}));
  EXPECT_EQ(b.minimum(Tensor({0, 3, -2})).to_vector<int32_t>(), (std::vector<int32_t>{0, 0, -2}));
  Tensor both = b.minimum(Tensor(std::vector<bool>{true, true, false}, tg::Shape({3})));
  EXPECT_EQ(both.dtype(), DType::bool_);
  EXPECT_EQ(both.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0}));
}

TEST(Binary, PowWithScalarAndTensorExponent) {
  Tensor t({2.f, 3.f, 0.5f});
  EXPECT_TRUE(all_close(t.pow(2.f), {4, 9, 0.25}));
  EXPECT_TRUE(all_close(t.pow(0.5), {std::sqrt(2.0), std::sqrt(3.0), std::sqrt(0.5)}));
  EXPECT_TRUE(all_close(t.pow(-1), {0.5, 1.0 / 3.0, 2.0}));
  EXPECT_TRUE(all_close(t.pow(0), {1, 1, 1}));
  EXPECT_TRUE(all_close(t.pow(Tensor({3.f, 2.f, 2.f})), {8, 9, 0.25}));
}

TEST(Binary, PowOfNegativeBaseWithIntegerExponent) {
  Tensor t({-2.f, -3.f});
  EXPECT_TRUE(all_close(t.pow(2), {4, 9}));
  EXPECT_TRUE(all_close(t.pow(3.f), {-8, -27}));
}

TEST(Binary, PowOfIntTensorStaysInt) {
  Tensor r = Tensor({2, 3}).pow(2);
  EXPECT_EQ(r.dtype(), DType::int32);
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{4, 9}));
}

// PyTorch's dtype rule: an int tensor to an int power stays int (exact, wrapping as ints do),
// to a float power is float; to a negative int power it is an error.
TEST(Binary, PowResultDtype) {
  Tensor i({2, 3, -2, 0});
  for (double e : {2.0, 0.0}) {
    Tensor f = i.pow(e);
    EXPECT_EQ(f.dtype(), DType::float32) << e;
    EXPECT_TRUE(all_close(f, e == 2 ? std::vector<double>{4, 9, 4, 0} : std::vector<double>{1, 1, 1, 1}));
  }
  Tensor seven = i.pow(7);
  EXPECT_EQ(seven.dtype(), DType::int32);
  EXPECT_EQ(seven.to_vector<int32_t>(), (std::vector<int32_t>{128, 2187, -128, 0}));
  EXPECT_EQ(i.pow(0).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 1, 1}));
  EXPECT_EQ(Tensor({2, -1, 3}).pow(31).to_vector<int32_t>(), (std::vector<int32_t>{INT32_MIN, -1, 1264544299}));
  Tensor it = Tensor({2, 3, -2, 0, 5, 1, -1, -1, 7}).pow(Tensor({10, 3, 3, 0, 0, -3, -3, -2, -1}));
  EXPECT_EQ(it.dtype(), DType::int32);
  EXPECT_EQ(it.to_vector<int32_t>(), (std::vector<int32_t>{1024, 27, -8, 1, 1, 1, -1, 1, 0}));
  Tensor u8 = Tensor(std::vector<uint8_t>{2, 3, 255}, tg::Shape({3})).pow(Tensor(std::vector<uint8_t>{7, 5, 2}, tg::Shape({3})));
  EXPECT_EQ(u8.to_vector<uint8_t>(), (std::vector<uint8_t>{128, 243, 1}));
  Tensor i64 = Tensor(std::vector<int64_t>{3}, tg::Shape({1})).pow(Tensor(std::vector<int64_t>{39}, tg::Shape({1})));
  EXPECT_EQ(i64.to_vector<int64_t>(), (std::vector<int64_t>{4052555153018976267}));
  EXPECT_EQ(Tensor({2.f}).pow(Tensor({-1})).dtype(), DType::float32);
  EXPECT_THROW(i.pow(-2), tg::Error);
  EXPECT_THROW(Tensor(std::vector<int8_t>{2}, tg::Shape({1})).pow(-1), tg::Error);
}

// ---------------------------------------------------------------- unary math

#define UNARY_TEST(NAME, INPUTS, EXPR_T, EXPR_X)                                                    \
  TEST(Unary, NAME) {                                                                              \
    EXPECT_TRUE(unary_matches([](const Tensor& t) { return EXPR_T; },                             \
                              [](double x) -> double { return EXPR_X; }, INPUTS));                 \
  }

UNARY_TEST(Exp, kMixed, t.exp(), std::exp(x))
UNARY_TEST(Exp2, kMixed, t.exp2(), std::exp2(x))
UNARY_TEST(Log, kPositive, t.log(), std::log(x))
UNARY_TEST(Log2, kPositive, t.log2(), std::log2(x))
UNARY_TEST(Sqrt, kPositive, t.sqrt(), std::sqrt(x))
UNARY_TEST(Rsqrt, kPositive, t.rsqrt(), 1.0 / std::sqrt(x))
UNARY_TEST(Sin, kMixed, t.sin(), std::sin(x))
UNARY_TEST(Cos, kMixed, t.cos(), std::cos(x))
UNARY_TEST(Tan, (std::vector<float>{-1.2f, -0.5f, 0.3f, 1.0f}), t.tan(), std::tan(x))
UNARY_TEST(Abs, kMixed, t.abs(), std::fabs(x))
UNARY_TEST(Reciprocal, kMixed, t.reciprocal(), 1.0 / x)
UNARY_TEST(Square, kMixed, t.square(), x * x)
UNARY_TEST(Floor, kMixed, t.floor(), std::floor(x))
UNARY_TEST(Ceil, kMixed, t.ceil(), std::ceil(x))
UNARY_TEST(Trunc, kMixed, t.trunc(), std::trunc(x))
UNARY_TEST(Neg, kMixed, -t, -x)
UNARY_TEST(Relu, kMixed, t.relu(), x > 0 ? x : 0.0)
UNARY_TEST(Sigmoid, kMixed, t.sigmoid(), sigmoid_ref(x))
UNARY_TEST(Tanh, kMixed, t.tanh(), std::tanh(x))
UNARY_TEST(Gelu, kMixed, t.gelu(),
           0.5 * x * (1 + std::tanh(std::sqrt(2 / kPi) * (x + 0.044715 * x * x * x))))
UNARY_TEST(QuickGelu, kMixed, t.quick_gelu(), x * sigmoid_ref(1.702 * x))
UNARY_TEST(Silu, kMixed, t.silu(), x * sigmoid_ref(x))
UNARY_TEST(Swish, kMixed, t.swish(), x * sigmoid_ref(x))
UNARY_TEST(LeakyReluDefault, kMixed, t.leaky_relu(), x > 0 ? x : 0.01 * x)
UNARY_TEST(LeakyReluSlope, kMixed, t.leaky_relu(0.2f), x > 0 ? x : f32(0.2) * x)
UNARY_TEST(Elu, kMixed, t.elu(), x > 0 ? x : std::exp(x) - 1)
UNARY_TEST(EluAlpha, kMixed, t.elu(0.5f), x > 0 ? x : 0.5 * (std::exp(x) - 1))
UNARY_TEST(Celu, kMixed, t.celu(), std::max(0.0, x) + std::min(0.0, std::exp(x) - 1))
UNARY_TEST(CeluAlpha, kMixed, t.celu(2.f), std::max(0.0, x) + std::min(0.0, 2 * (std::exp(x / 2) - 1)))
UNARY_TEST(Softplus, kMixed, t.softplus(), softplus_ref(x, 1.0))
UNARY_TEST(SoftplusBeta, kMixed, t.softplus(2.f), softplus_ref(x, 2.0))
UNARY_TEST(Mish, kMixed, t.mish(), x * std::tanh(softplus_ref(x, 1.0)))
UNARY_TEST(Relu6, (std::vector<float>{-1.f, 0.5f, 5.5f, 7.f, 100.f}), t.relu6(), relu6_ref(x))
UNARY_TEST(Hardswish, (std::vector<float>{-4.f, -3.f, -1.5f, 0.f, 1.f, 2.5f, 3.5f}), t.hardswish(),
           x * relu6_ref(x + 3) / 6)
UNARY_TEST(Hardsigmoid, (std::vector<float>{-4.f, -3.f, -1.5f, 0.f, 1.f, 2.5f, 3.5f}), t.hardsigmoid(),
           relu6_ref(x + 3) / 6)
UNARY_TEST(Hardtanh, kMixed, t.hardtanh(), std::min(std::max(x, -1.0), 1.0))
UNARY_TEST(HardtanhRange, kMixed, t.hardtanh(-2.f, 0.5f), std::min(std::max(x, -2.0), 0.5))
UNARY_TEST(Clip, kMixed, t.clip(-1.f, 1.f), std::min(std::max(x, -1.0), 1.0))
UNARY_TEST(Clamp, kMixed, t.clamp(-0.5f, 2), std::min(std::max(x, -0.5), 2.0))

// PyTorch's and tinygrad's clip: gradient 1 at the bounds, and lo > hi allowed (all hi).
TEST(Unary, ClipBoundsAndTheirGradient) {
  Tensor x({-2.f, -1.f, 0.f, 2.f, 3.f});
  Tensor y = x.clip(-1.f, 2.f);
  EXPECT_TRUE(all_close(y, {-1, -1, 0, 2, 2}));
  y.sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {0, 1, 1, 1, 0}));
  Tensor z({1.f, 5.f, -3.f});
  Tensor w = z.clip(3, 0);
  EXPECT_TRUE(all_close(w, {0, 0, 0}));
  w.sum().backward();
  EXPECT_TRUE(all_close(*z.grad(), {0, 0, 0}));
  EXPECT_TRUE(all_close(Tensor({NAN, 7.f}).clip(0, 1), {NAN, 1}));
  Tensor i = Tensor({1, 5, -3}).clip(0.5, 2.5);
  EXPECT_EQ(i.dtype(), DType::float32);
  EXPECT_TRUE(all_close(i, {1, 2.5, 0.5}));
  EXPECT_EQ(Tensor({1, 5, -3}).clip(0, 2).to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 0}));
}

TEST(Unary, SignIsZeroAtZero) {
  EXPECT_TRUE(all_close(Tensor({-2.f, 0.f, 3.f}).sign(), {-1, 0, 1}));
  Tensor i = Tensor({-5, 0, 9}).sign();
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 1}));
}

TEST(Unary, RoundIsHalfToEven) {
  Tensor t({-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.4f, 0.6f, -0.6f});
  EXPECT_TRUE(all_close(t.round(), {-2, -2, 0, 0, 2, 2, 0, 1, -1}));
}

TEST(Unary, AbsKeepsNaNAndInfinities) {
  const double inf = INFINITY;
  EXPECT_TRUE(all_close(Tensor({NAN, -INFINITY, INFINITY, -0.f, -2.f}).abs(), {NAN, inf, inf, 0, 2}));
  EXPECT_TRUE(all_close(Tensor(std::vector<double>{NAN, -1.5}, tg::Shape({2}), {DType::float64}).abs(), {NAN, 1.5}));
  Tensor x({-2.f, 0.f, 3.f});
  x.abs().sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {-1, 0, 1}));  // 0 at 0, as PyTorch
}

TEST(Unary, AbsOfIntStaysInt) {
  Tensor r = Tensor({-3, 4}).abs();
  EXPECT_EQ(r.dtype(), DType::int32);
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{3, 4}));
}

TEST(Unary, FloatOfIntInput) {
  // math on an int tensor computes in the default float
  Tensor r = Tensor({0, 1}).exp();
  EXPECT_EQ(r.dtype(), DType::float32);
  EXPECT_TRUE(all_close(r, {1, std::exp(1.0)}));
  Tensor s = Tensor({4, 9}).sqrt();
  EXPECT_EQ(s.dtype(), DType::float32);
  EXPECT_TRUE(all_close(s, {2, 3}));
}

TEST(Unary, ClipOfIntStaysInt) {
  Tensor r = Tensor({-5, 0, 5}).clip(-1, 2);
  EXPECT_EQ(r.dtype(), DType::int32);
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 2}));
}

TEST(Unary, LargeAndSmallInputsStayFinite) {
  Tensor t({-100.f, 100.f});
  EXPECT_TRUE(all_close(t.sigmoid(), {0, 1}, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(t.tanh(), {-1, 1}, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(Tensor({-30.f, 30.f}).softplus(), {0, 30}, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(t.silu(), {0, 100}, 1e-5, 1e-5));
}

TEST(Unary, LogOfZeroAndNegative) {
  std::vector<float> v = Tensor({0.f, -1.f}).log().to_vector<float>();
  EXPECT_TRUE(std::isinf(v[0]) && v[0] < 0) << v[0];
  EXPECT_TRUE(std::isnan(v[1])) << v[1];
}

// ---------------------------------------------------------------- softmax family (values)

TEST(Softmax, RowsSumToOneAndMatch) {
  Tensor t({{1.f, 2.f, 3.f}, {-1.f, 0.f, 5.f}});
  std::vector<double> want, lwant, lse;
  std::vector<std::vector<double>> rows = {{1, 2, 3}, {-1, 0, 5}};
  for (auto& r : rows) {
    double m = *std::max_element(r.begin(), r.end()), s = 0;
    for (double x : r) s += std::exp(x - m);
    for (double x : r) {
      want.push_back(std::exp(x - m) / s);
      lwant.push_back(x - m - std::log(s));
    }
    lse.push_back(m + std::log(s));
  }
  EXPECT_TRUE(all_close(t.softmax(), want));
  EXPECT_TRUE(all_close(t.softmax(1), want));
  EXPECT_TRUE(all_close(t.log_softmax(-1), lwant));
  Tensor l = t.logsumexp(1);
  EXPECT_EQ(dims(l), (Dims{2}));
  EXPECT_TRUE(all_close(l, lse));
  EXPECT_EQ(dims(t.logsumexp(1, true)), (Dims{2, 1}));
}

TEST(Softmax, AlongAxisZero) {
  Tensor t({{0.f, 1.f}, {0.f, 3.f}});
  double e2 = std::exp(2.0);
  EXPECT_TRUE(all_close(t.softmax(0), {0.5, 1 / (1 + e2), 0.5, e2 / (1 + e2)}));
  EXPECT_TRUE(all_close(t.logsumexp(0), {std::log(2.0), 3 + std::log1p(std::exp(-2.0))}));
}

TEST(Softmax, StableForLargeInputs) {
  Tensor t({1000.f, 1000.f});
  EXPECT_TRUE(all_close(t.softmax(), {0.5, 0.5}));
  EXPECT_TRUE(all_close(t.logsumexp(0), {1000 + std::log(2.0)}, 1e-6, 1e-3));
}

// ---------------------------------------------------------------- comparisons, logic, where

TEST(Compare, ResultsAreBool) {
  Tensor a({1.f, 2.f, 3.f});
  Tensor b({3.f, 2.f, 1.f});
  auto check = [](const Tensor& t, std::vector<uint8_t> want) {
    EXPECT_EQ(t.dtype(), DType::bool_);
    EXPECT_EQ(t.to_vector<uint8_t>(), want);
  };
  check(a == b, {0, 1, 0});
  check(a != b, {1, 0, 1});
  check(a < b, {1, 0, 0});
  check(a <= b, {1, 1, 0});
  check(a > b, {0, 0, 1});
  check(a >= b, {0, 1, 1});
  check(a.eq(b), {0, 1, 0});
  check(a.ne(b), {1, 0, 1});
  check(a.lt(b), {1, 0, 0});
  check(a.le(b), {1, 1, 0});
  check(a.gt(b), {0, 0, 1});
  check(a.ge(b), {0, 1, 1});
  check(a < 2.f, {1, 0, 0});
  check(a >= 2, {0, 1, 1});
  check(a == 3, {0, 0, 1});
  check(a != 1.f, {0, 1, 1});
  check(a > 1.5, {0, 1, 1});
  check(a <= 1, {1, 0, 0});
}

TEST(Compare, MixedDtypesAndBroadcast) {
  Tensor i({1, 2, 3});
  Tensor f(std::vector<float>{1.5f, 2.f}, tg::Shape({2, 1}));
  Tensor r = i < f;
  EXPECT_EQ(r.dtype(), DType::bool_);
  EXPECT_EQ(dims(r), (Dims{2, 3}));
  EXPECT_EQ(r.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ((i == 2.0f).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 0}));
}

TEST(Compare, LogicalOps) {
  Tensor a({true, true, false, false});
  Tensor b({true, false, true, false});
  EXPECT_EQ(a.logical_and(b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(a.logical_or(b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 1, 0}));
  EXPECT_EQ(a.logical_not().to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 1, 1}));
  EXPECT_EQ((!b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 0, 1}));
  EXPECT_EQ(a.logical_and(b).dtype(), DType::bool_);
  EXPECT_EQ(a.logical_not().dtype(), DType::bool_);
}

TEST(Where, SelectsAndPromotes) {
  Tensor t({-1.f, 2.f, -3.f, 4.f});
  Tensor w = tg::where(t > 0.f, t, t * 2.f);
  EXPECT_TRUE(all_close(w, {-2, 2, -6, 4}));
  EXPECT_TRUE(all_close((t > 0).where(t, 0.f), {0, 2, 0, 4}));
  EXPECT_TRUE(all_close((t > 0).where(1.f, 0.f), {0, 1, 0, 1}));
  EXPECT_TRUE(all_close((t > 0).where(1.f, t), {-1, 1, -3, 1}));
  EXPECT_TRUE(all_close(tg::where(t < 0, 0.f, t), {0, 2, 0, 4}));
  EXPECT_TRUE(all_close(tg::where(t < 0, t, 10), {-1, 10, -3, 10}));
  EXPECT_TRUE(all_close(tg::where(t < 0, -1.f, 1.f), {-1, 1, -1, 1}));
  Tensor mixed = tg::where(Tensor({true, false}), Tensor({1, 2}), Tensor({0.5f, 0.25f}));
  EXPECT_EQ(mixed.dtype(), DType::float32);
  EXPECT_TRUE(all_close(mixed, {1, 0.25}));
  Tensor ints = Tensor({true, false}).where(Tensor({1, 2}), Tensor({3, 4}));
  EXPECT_EQ(ints.dtype(), DType::int32);
  EXPECT_EQ(ints.to_vector<int32_t>(), (std::vector<int32_t>{1, 4}));
}

TEST(Where, BroadcastsCondition) {
  Tensor cond({{true}, {false}});  // (2, 1)
  Tensor x({1.f, 2.f, 3.f});
  Tensor r = tg::where(cond, x, -x);
  EXPECT_EQ(dims(r), (Dims{2, 3}));
  EXPECT_TRUE(all_close(r, {1, 2, 3, -1, -2, -3}));
}

// ---------------------------------------------------------------- matmul and linear

TEST(Matmul, SeedExample1Dby2D) {
  Tensor a({1, 2, 3});
  Tensor f = a.matmul(Tensor(std::vector<int>{1, 2, 3}, tg::Shape({3, 1})));  // seed: Tensor({{1}, {2}, {3}})
  EXPECT_EQ(dims(f), (Dims{1}));
  EXPECT_EQ(f.dtype(), DType::int32);
  EXPECT_EQ(f.to_vector<int32_t>(), (std::vector<int32_t>{14}));
}

TEST(Matmul, TwoByTwo) {
  Tensor a({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor b({{7.f, 8.f}, {9.f, 10.f}, {11.f, 12.f}});
  Tensor c = a.matmul(b);
  EXPECT_EQ(dims(c), (Dims{2, 2}));
  EXPECT_TRUE(all_close(c, {58, 64, 139, 154}));
  EXPECT_TRUE(all_close(tg::matmul(a, b), {58, 64, 139, 154}));
  EXPECT_TRUE(all_close(a.dot(b), {58, 64, 139, 154}));
  EXPECT_TRUE(all_close(b.matmul(a), {39, 54, 69, 49, 68, 87, 59, 82, 105}));
}

TEST(Matmul, TwoDByOneD) {
  Tensor a({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor v({1.f, 0.f, -1.f});
  Tensor r = a.matmul(v);
  EXPECT_EQ(dims(r), (Dims{2}));
  EXPECT_TRUE(all_close(r, {-2, -2}));
}

TEST(Matmul, OneDByOneDIsScalar) {
  Tensor r = Tensor({1.f, 2.f, 3.f}).dot(Tensor({4.f, 5.f, 6.f}));
  EXPECT_EQ(r.ndim(), 0);
  EXPECT_FLOAT_EQ(r.item<float>(), 32.f);
}

TEST(Matmul, Batched3D) {
  // a: (2, 2, 3), b: (2, 3, 2)
  std::vector<float> av, bv;
  for (int i = 0; i < 12; ++i) av.push_back(static_cast<float>(i));
  for (int i = 0; i < 12; ++i) bv.push_back(static_cast<float>(i % 5) - 2.f);
  Tensor a(av, tg::Shape({2, 2, 3}));
  Tensor b(bv, tg::Shape({2, 3, 2}));
  Tensor c = a.matmul(b);
  EXPECT_EQ(dims(c), (Dims{2, 2, 2}));
  std::vector<double> want;
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        double s = 0;
        for (int k = 0; k < 3; ++k) s += av[n * 6 + i * 3 + k] * bv[n * 6 + k * 2 + j];
        want.push_back(s);
      }
  EXPECT_TRUE(all_close(c, want));
}

TEST(Matmul, BroadcastsBatch) {
  Tensor a = Tensor::arange(12).reshape({2, 2, 3});
  Tensor b({{1.f, 0.f}, {0.f, 1.f}, {1.f, 1.f}});  // (3, 2)
  Tensor c = a.matmul(b);
  EXPECT_EQ(dims(c), (Dims{2, 2, 2}));
  EXPECT_TRUE(all_close(c, {2, 3, 8, 9, 14, 15, 20, 21}));
}

TEST(Matmul, LargerAgainstHostLoop) {
  const int M = 5, K = 17, N = 6;
  std::vector<float> av(M * K), bv(K * N);
  for (int i = 0; i < M * K; ++i) av[i] = static_cast<float>((i * 7) % 11) / 4.f - 1.f;
  for (int i = 0; i < K * N; ++i) bv[i] = static_cast<float>((i * 5) % 13) / 6.f - 1.f;
  Tensor c = Tensor(av, tg::Shape({M, K})).matmul(Tensor(bv, tg::Shape({K, N})));
  std::vector<double> want;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < K; ++k) s += static_cast<double>(av[i * K + k]) * bv[k * N + j];
      want.push_back(s);
    }
  EXPECT_TRUE(all_close(c, want, 1e-5, 1e-4));
}

TEST(Linear, WeightIsInByOut) {
  Tensor x({{1.f, 2.f, 3.f}, {0.f, -1.f, 1.f}});        // (2, 3)
  Tensor w({{1.f, 0.f}, {0.f, 1.f}, {2.f, -1.f}});       // (3, 2)
  Tensor b({0.5f, -0.5f});
  Tensor y = x.linear(w, b);
  EXPECT_EQ(dims(y), (Dims{2, 2}));
  EXPECT_TRUE(all_close(y, {7.5, -1.5, 2.5, -2.5}));
  EXPECT_TRUE(all_close(x.linear(w), {7, -1, 2, -2}));
}

// ---------------------------------------------------------------- out: printing, item, to_vector

TEST(Out, ToStringHasValuesShapeDtypeDevice) {
  Tensor t({{1.5f, 2.25f, 3.f}, {4.f, 5.f, 6.75f}});
  std::string s = t.to_string();
  EXPECT_NE(s.find("1.5"), std::string::npos) << s;
  EXPECT_NE(s.find("2.25"), std::string::npos) << s;
  EXPECT_NE(s.find("6.75"), std::string::npos) << s;
  EXPECT_NE(s.find("(2, 3)"), std::string::npos) << s;
  EXPECT_NE(s.find("float32"), std::string::npos) << s;
  EXPECT_NE(s.find(t.device()), std::string::npos) << s;
  std::ostringstream os;
  os << t;
  EXPECT_EQ(os.str(), s);
}

TEST(Out, PrintsComputedAndIntTensors) {
  Tensor t = Tensor({{7, 8}, {9, 10}}) * 3;
  std::ostringstream os;
  os << t;
  std::string s = os.str();
  EXPECT_NE(s.find("21"), std::string::npos) << s;
  EXPECT_NE(s.find("30"), std::string::npos) << s;
  EXPECT_NE(s.find("int32"), std::string::npos) << s;
  EXPECT_NE(s.find("(2, 2)"), std::string::npos) << s;
}

TEST(Out, ShapeToString) {
  EXPECT_EQ(tg::Shape({2, 3}).to_string(), "(2, 3)");
  EXPECT_EQ(tg::Shape(std::vector<int64_t>{4, 1, 5}).to_string(), "(4, 1, 5)");
}

TEST(Out, Item) {
  EXPECT_FLOAT_EQ(Tensor({4.5f}).item<float>(), 4.5f);
  EXPECT_EQ((Tensor({1, 2, 3}).sum()).item<int32_t>(), 6);
  EXPECT_DOUBLE_EQ(Tensor(std::vector<float>{2.5f}, tg::Shape({1, 1})).item<double>(), 2.5);
  EXPECT_EQ(Tensor({3.75f}).item<int32_t>(), 3);
}

TEST(Out, BoolToVectorAsUint8) {
  Tensor b = Tensor({1.f, -1.f, 0.f}) > 0.f;
  EXPECT_EQ(b.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{1, 0, 0}));
}

TEST(Out, DeviceIsDefaultDevice) {
  Tensor t({1.f});
  EXPECT_EQ(t.device(), tg::Device::default_device());
  EXPECT_NE(t.device().find(':'), std::string::npos) << t.device();
  Tensor moved = t.to(t.device());
  EXPECT_EQ(moved.device(), t.device());
  EXPECT_TRUE(all_close(moved, {1}));
}

TEST(Out, RealizeTwice) {
  Tensor a({1.f, 2.f});
  Tensor t = a * 3 + 1;
  t.realize();
  EXPECT_TRUE(t.is_realized());
  t.realize();
  tg::synchronize();
  EXPECT_TRUE(all_close(t, {4, 7}));
  EXPECT_TRUE(all_close(t, {4, 7}));
  EXPECT_TRUE(all_close(t + 1, {5, 8}));
}

TEST(Out, LazyUntilRealized) {
  Tensor t = Tensor({1.f, 2.f}).realize() + 1;
  EXPECT_FALSE(t.is_realized());
  t.realize();
  EXPECT_TRUE(t.is_realized());
}

TEST(Out, AssignIsSeenThroughCopies) {
  Tensor t({1.f, 2.f});
  Tensor alias = t;
  t.assign(Tensor({5.f, 6.f}));
  EXPECT_TRUE(all_close(t, {5, 6}));
  EXPECT_TRUE(all_close(alias, {5, 6}));
}

TEST(Out, AssignFromExpressionOfItself) {
  Tensor t({1.f, 2.f});
  t.realize();
  t.assign(t * 2 + 1);
  EXPECT_TRUE(all_close(t, {3, 5}));
  t.assign(t + t);
  EXPECT_TRUE(all_close(t, {6, 10}));
}

TEST(Out, AssignAfterUseKeepsEarlierResult) {
  Tensor t({1.f, 2.f});
  Tensor u = t + 10;  // built before the assign
  Tensor before = u.realize();
  t.assign(Tensor({100.f, 200.f}));
  EXPECT_TRUE(all_close(before, {11, 12}));
}

TEST(Out, DetachKeepsValuesAndDropsGrad) {
  Tensor x = Tensor({1.f, 2.f}, TensorOptions{std::nullopt, std::nullopt, true});
  Tensor d = (x * 2).detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(all_close(d, {2, 4}));
}

TEST(Out, ContiguousOfView) {
  Tensor a({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor c = a.T().contiguous();
  EXPECT_EQ(dims(c), (Dims{3, 2}));
  EXPECT_TRUE(all_close(c, {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(all_close(c.reshape({-1}), {1, 4, 2, 5, 3, 6}));
}

TEST(Out, CloneIsIndependent) {
  Tensor a({1.f, 2.f});
  Tensor c = a.clone();
  a.assign(Tensor({9.f, 9.f}));
  EXPECT_TRUE(all_close(c, {1, 2}));
  EXPECT_TRUE(all_close(a, {9, 9}));
}

// ---------------------------------------------------------------- casts and half types

TEST(Cast, FloatToIntTruncatesTowardZero) {
  Tensor t({-2.7f, -0.5f, 0.5f, 2.7f, 3.f});
  Tensor i = t.cast(DType::int32);
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{-2, 0, 0, 2, 3}));
  EXPECT_EQ(t.cast(DType::int64).to_vector<int64_t>(), (std::vector<int64_t>{-2, 0, 0, 2, 3}));
  EXPECT_EQ(t.cast(DType::int8).to_vector<int32_t>(), (std::vector<int32_t>{-2, 0, 0, 2, 3}));
}

TEST(Cast, ToAndFromBool) {
  Tensor b = Tensor({0.f, 0.5f, -1.f}).cast(DType::bool_);
  EXPECT_EQ(b.dtype(), DType::bool_);
  EXPECT_EQ(b.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  Tensor f = Tensor({true, false}).cast(DType::float32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1, 0}));
  EXPECT_EQ(Tensor({0, 7}).cast(DType::bool_).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1}));
}

TEST(Cast, IntToFloatAndBetweenInts) {
  Tensor f = Tensor({-3, 4}).cast(DType::float32);
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{-3, 4}));
  Tensor d = Tensor({-3, 4}).cast(DType::float64);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{-3, 4}));
  Tensor u = Tensor({1, 255}).cast(DType::uint8);
  EXPECT_EQ(u.dtype(), DType::uint8);
  EXPECT_EQ(u.to_vector<int32_t>(), (std::vector<int32_t>{1, 255}));
  Tensor l = Tensor({-1, 2}).cast(DType::int64);
  EXPECT_EQ(l.to_vector<int64_t>(), (std::vector<int64_t>{-1, 2}));
}

TEST(Cast, CastOfComputedValue) {
  Tensor t = (Tensor({1.f, 2.f}) * 1.6f).cast(DType::int32) + 1;
  EXPECT_EQ(t.dtype(), DType::int32);
  EXPECT_EQ(t.to_vector<int32_t>(), (std::vector<int32_t>{2, 4}));
}

TEST(Cast, Float16RoundsToNearestEven) {
  Tensor h = Tensor({1.f, 0.1f, 1.f / 3.f, 65504.f, -2.f, 2049.f, 2051.f}).cast(DType::float16);
  EXPECT_EQ(h.dtype(), DType::float16);
  std::vector<float> v = h.to_vector<float>();
  std::vector<float> want = {1.f, 0.0999755859375f, 0.333251953125f, 65504.f, -2.f, 2048.f, 2052.f};
  EXPECT_EQ(v, want);
}

TEST(Cast, BFloat16RoundsToNearestEven) {
  Tensor h = Tensor({1.f, 0.1f, 3.14159f, 257.f, 259.f, -1.5f}).cast(DType::bfloat16);
  EXPECT_EQ(h.dtype(), DType::bfloat16);
  std::vector<float> want = {1.f, 0.10009765625f, 3.140625f, 256.f, 260.f, -1.5f};
  EXPECT_EQ(h.to_vector<float>(), want);
}

TEST(Cast, HalfFromBlobBits) {
  const uint16_t bits[4] = {0x3C00, 0xC000, 0x3555, 0x7BFF};  // 1, -2, 0.333251953125, 65504
  Tensor h = Tensor::from_blob(bits, {4}, DType::float16);
  EXPECT_EQ(h.to_vector<float>(), (std::vector<float>{1.f, -2.f, 0.333251953125f, 65504.f}));
  const uint16_t bbits[2] = {0x3F80, 0xC040};  // bfloat16 1, -3
  Tensor b = Tensor::from_blob(bbits, {2}, DType::bfloat16);
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{1.f, -3.f}));
}

TEST(Cast, HalfArithmeticRoundsResult) {
  Tensor h = Tensor({1.f, 2.f}).cast(DType::float16);
  Tensor r = h + Tensor({0.0001f, 0.0005f}).cast(DType::float16);
  EXPECT_EQ(r.dtype(), DType::float16);
  // 1 + 0.0001 rounds back to 1 in float16 (ulp at 1 is 2^-10); 2 + 0.0005 rounds to 2
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{1.f, 2.f}));
  Tensor back = h.cast(DType::float32) * 3;
  EXPECT_EQ(back.dtype(), DType::float32);
  EXPECT_EQ(back.to_vector<float>(), (std::vector<float>{3.f, 6.f}));
}

// ---------------------------------------------------------------- graphs that share values

TEST(Graph, DiamondSharedIntermediate) {
  Tensor a({1.f, 2.f, 3.f});
  Tensor b = a + 1;
  Tensor c = b * 2;
  Tensor d = b * 3;
  EXPECT_TRUE(all_close(c + d, {10, 15, 20}));
  EXPECT_TRUE(all_close(c, {4, 6, 8}));
  d.realize();
  EXPECT_TRUE(all_close(d - c, {2, 3, 4}));
}

TEST(Graph, RealizedIntermediateFeedsLaterWork) {
  Tensor a({1.f, 2.f});
  Tensor b = (a * 10).realize();
  Tensor c = b + a;
  EXPECT_TRUE(all_close(c, {11, 22}));
  EXPECT_TRUE(all_close(b.sum() + c.sum(), {63}));
}

TEST(Graph, SameValueTwiceInOneExpression) {
  Tensor a({2.f, 3.f});
  EXPECT_TRUE(all_close(a * a + a / a, {5, 10}));
}

TEST(Graph, ScalarShapedResults) {
  Tensor s = Tensor(3.f) * Tensor(4.f) + 1;
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_FLOAT_EQ(s.item<float>(), 13.f);
  EXPECT_TRUE(all_close(Tensor({1.f, 2.f}) * Tensor(2.f), {2, 4}));
}

TEST(Graph, LargeElementwise) {
  Tensor a = Tensor::arange(0, 3000, 1, TensorOptions{DType::float32}).reshape({30, 100});
  std::vector<double> want;
  for (int i = 0; i < 3000; ++i) want.push_back(std::sqrt(static_cast<double>(i)) * 0.5 + 1);
  EXPECT_TRUE(all_close(a.sqrt() * 0.5 + 1, want));
}

TEST(IntArithmetic, Uint8Wraps) {
  Tensor a(std::vector<uint8_t>{200, 10}, tg::Shape({2}));
  Tensor b(std::vector<uint8_t>{100, 20}, tg::Shape({2}));
  Tensor s = a + b;
  EXPECT_EQ(s.dtype(), DType::uint8);
  EXPECT_EQ(s.to_vector<int32_t>(), (std::vector<int32_t>{44, 30}));
}

TEST(IntArithmetic, Int64BeyondInt32) {
  Tensor a(std::vector<int64_t>{1LL << 40, -(1LL << 35)}, tg::Shape({2}));
  Tensor r = a * 4 + 1;
  EXPECT_EQ(r.dtype(), DType::int64);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{(1LL << 42) + 1, -(1LL << 37) + 1}));
  EXPECT_EQ(a.sum().item<int64_t>(), (1LL << 40) - (1LL << 35));
}

TEST(HalfReduce, SumOfHalfAccumulatesWide) {
  // 3000 is exact in float16, but a float16 running sum sticks at 2048
  Tensor h = Tensor::ones({3000}, TensorOptions{DType::float16});
  EXPECT_EQ(h.dtype(), DType::float16);
  EXPECT_FLOAT_EQ(h.sum().item<float>(), 3000.f);
  EXPECT_FLOAT_EQ(h.mean().item<float>(), 1.f);
}
