// Autograd: the seed example, accumulation, requires_grad semantics, NoGrad, and the gradient of
// every differentiable op against central finite differences in float64.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>

#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;

namespace {

// Restores Tensor::training when a test ends.
struct TrainingScope {
  bool saved = Tensor::training;
  explicit TrainingScope(bool on) { Tensor::training = on; }
  ~TrainingScope() { Tensor::training = saved; }
};

// ---------------------------------------------------------------- finite differences

struct Input {
  std::vector<double> data;
  Dims shape;
};
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor f64(const Input& in, bool requires_grad) {
  return Tensor(in.data, tg::Shape(in.shape), TensorOptions{DType::float64, std::nullopt, requires_grad});
}

// Fixed, uneven weights so that every output element matters differently in the scalar loss.
std::vector<double> loss_weights(int64_t n) {
  std::vector<double> w;
  for (int64_t i = 0; i < n; ++i) w.push_back(0.3 + 0.25 * static_cast<double>((i * 5) % 7) * (i % 2 ? -1 : 1));
  return w;
}

// loss = sum(f(inputs) * w): checks d loss / d input against central differences, element by element.
void check_grad(const Fn& f, const std::vector<Input>& inputs, double eps = 1e-6, double rtol = 1e-4,
                double atol = 1e-6) {
  std::vector<Tensor> leaves;
  for (const Input& in : inputs) leaves.push_back(f64(in, true));
  Tensor out = f(leaves);
  ASSERT_EQ(out.dtype(), DType::float64) << "the function under test must keep float64";
  const std::vector<double> w = loss_weights(out.numel());
  const tg::Shape out_shape = out.shape();
  auto weights = [&] {
    return Tensor(w, out_shape, TensorOptions{DType::float64, std::nullopt, false});
  };
  Tensor loss = (out * weights()).sum();
  loss.backward();

  auto eval = [&](const std::vector<Input>& ins) {
    tg::NoGrad guard;
    std::vector<Tensor> ts;
    for (const Input& in : ins) ts.push_back(f64(in, false));
    return (f(ts) * weights()).sum().item<double>();
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    std::optional<Tensor> g = leaves[k].grad();
    ASSERT_TRUE(g.has_value()) << "input " << k << " got no gradient";
    ASSERT_EQ(dims(*g), inputs[k].shape) << "input " << k << ": gradient shape";
    std::vector<double> analytic = g->to_vector<double>();
    std::vector<Input> probe = inputs;
    for (size_t j = 0; j < inputs[k].data.size(); ++j) {
      probe[k].data[j] = inputs[k].data[j] + eps;
      double up = eval(probe);
      probe[k].data[j] = inputs[k].data[j] - eps;
      double down = eval(probe);
      probe[k].data[j] = inputs[k].data[j];
      double numeric = (up - down) / (2 * eps);
      EXPECT_NEAR(analytic[j], numeric, atol + rtol * std::fabs(numeric))
          << "input " << k << ", element " << j;
    }
  }
}

// Inputs: values away from the kinks of relu-like functions (0, +-1, +-3, 6) and from ties.
const Input kVec = {{-2.6, -1.3, -0.4, 0.7, 1.9, 3.4}, {6}};
const Input kMat = {{-1.2, 0.4, 2.1, 0.9, -0.3, 1.6}, {2, 3}};
const Input kMat2 = {{0.5, -1.1, 0.8, 1.7, -0.6, 0.2}, {2, 3}};
const Input kPos = {{0.3, 0.8, 1.4, 2.5}, {4}};

#define GRAD_TEST_1(NAME, INPUT, EXPR)                                                     \
  TEST(Grad, NAME) {                                                                       \
    check_grad([](const std::vector<Tensor>& v) { const Tensor& x = v[0]; return EXPR; }, \
               {INPUT});                                                                   \
  }
#define GRAD_TEST_2(NAME, IN_A, IN_B, EXPR)                                          \
  TEST(Grad, NAME) {                                                                 \
    check_grad(                                                                      \
        [](const std::vector<Tensor>& v) {                                           \
          const Tensor& a = v[0];                                                    \
          const Tensor& b = v[1];                                                    \
          return EXPR;                                                               \
        },                                                                           \
        {IN_A, IN_B});                                                               \
  }

}  // namespace

// ---------------------------------------------------------------- semantics

TEST(Autograd, SeedExample) {
  TrainingScope training(true);
  Tensor x = Tensor({1.0f, 2.0f, 3.0f});
  Tensor y = (x * 2).sum();
  y.backward();
  ASSERT_TRUE(x.grad().has_value());
  EXPECT_EQ(x.grad()->to_vector<float>(), (std::vector<float>{2, 2, 2}));
}

TEST(Autograd, GradsAccumulateUntilCleared) {
  Tensor x = Tensor({1.0f, 2.0f, 3.0f});
  EXPECT_FALSE(x.grad().has_value());
  (x * 2).sum().backward();
  (x * 2).sum().backward();
  ASSERT_TRUE(x.grad().has_value());
  EXPECT_TRUE(all_close(*x.grad(), {4, 4, 4}));
  (x * x).sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {6, 8, 10}));
  x.set_grad(std::nullopt);
  EXPECT_FALSE(x.grad().has_value());
  (x * 2).sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {2, 2, 2}));
  x.set_grad(Tensor::zeros({3}));
  (x * 3).sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {3, 3, 3}));
}

TEST(Autograd, GradHasShapeAndDtypeOfLeaf) {
  Tensor x = Tensor::ones({2, 3}, TensorOptions{DType::float64});
  (x * 2).sum().backward();
  ASSERT_TRUE(x.grad().has_value());
  EXPECT_EQ(dims(*x.grad()), (Dims{2, 3}));
  EXPECT_EQ(x.grad()->dtype(), DType::float64);
}

TEST(Autograd, LeavesNotSetFalseGetGrads) {
  Tensor x({1.f, 2.f});                                      // requires_grad never set
  Tensor z = Tensor({3.f, 4.f});
  z.requires_grad_(false);
  EXPECT_FALSE(z.requires_grad());
  Tensor w = Tensor({5.f, 6.f}, TensorOptions{std::nullopt, std::nullopt, true});
  EXPECT_TRUE(w.requires_grad());
  (x * z * w).sum().backward();
  ASSERT_TRUE(x.grad().has_value());
  EXPECT_TRUE(all_close(*x.grad(), {15, 24}));
  EXPECT_FALSE(z.grad().has_value()) << "requires_grad_(false) must get no gradient";
  ASSERT_TRUE(w.grad().has_value());
  EXPECT_TRUE(all_close(*w.grad(), {3, 8}));
}

TEST(Autograd, RequiresGradOptionFalseGetsNone) {
  Tensor x = Tensor({1.f, 2.f}, TensorOptions{std::nullopt, std::nullopt, false});
  Tensor y = Tensor({1.f, 1.f}, TensorOptions{std::nullopt, std::nullopt, true});
  (x * y).sum().backward();
  EXPECT_FALSE(x.grad().has_value());
  EXPECT_TRUE(all_close(*y.grad(), {1, 2}));
}

TEST(Autograd, RequiresGradPropagatesToResults) {
  Tensor x = Tensor({1.f}, TensorOptions{std::nullopt, std::nullopt, true});
  Tensor c = Tensor({1.f}, TensorOptions{std::nullopt, std::nullopt, false});
  EXPECT_TRUE((x * 2).requires_grad());
  EXPECT_TRUE((x + c).requires_grad());
  EXPECT_FALSE((c * 2).requires_grad());
}

TEST(Autograd, DetachStopsGradient) {
  Tensor x({1.f, 2.f, 3.f});
  (x * x.detach()).sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {1, 2, 3}));
}

TEST(Autograd, ALeafAssignedButNotYetRealizedGetsItsGradient) {
  // w's node is now an unrealized DETACH of w * 2: the gradient stops there, w still gets one.
  Tensor w({1.f, 2.f, 3.f});
  w.assign(w * 2);
  (w * 3).sum().backward();
  ASSERT_TRUE(w.grad().has_value());
  EXPECT_TRUE(all_close(*w.grad(), {3, 3, 3}));
  EXPECT_TRUE(all_close(w, {2, 4, 6}));
}

TEST(Autograd, NoGradGuard) {
  Tensor x = Tensor({1.f, 2.f}, TensorOptions{std::nullopt, std::nullopt, true});
  EXPECT_TRUE(tg::grad_enabled());
  {
    tg::NoGrad guard;
    EXPECT_FALSE(tg::grad_enabled());
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(all_close(y, {2, 4}));
    {
      tg::NoGrad inner;
      EXPECT_FALSE(tg::grad_enabled());
    }
    EXPECT_FALSE(tg::grad_enabled()) << "an inner guard must restore the outer state";
  }
  EXPECT_TRUE(tg::grad_enabled());
  EXPECT_TRUE((x * 2).requires_grad());
}

TEST(Autograd, BackwardWithGradientOnNonScalar) {
  Tensor x({1.f, 2.f, 3.f});
  Tensor y = x * x;
  y.backward(Tensor({1.f, 0.5f, 2.f}));
  EXPECT_TRUE(all_close(*x.grad(), {2, 2, 12}));
}

TEST(Autograd, BackwardOnNonScalarWithoutGradientThrows) {
  Tensor x({1.f, 2.f, 3.f});
  Tensor y = x * 2;
  EXPECT_THROW(y.backward(), tg::Error);
}

TEST(Autograd, BackwardWithGradientOfWrongShapeThrows) {
  Tensor x({1.f, 2.f, 3.f});
  EXPECT_THROW((x * 2).backward(Tensor({1.f, 1.f})), tg::Error);
}

TEST(Autograd, LeafUsedTwiceSumsContributions) {
  Tensor x({1.f, -2.f});
  (x * x + x * 3).sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), {5, -1}));
}

TEST(Autograd, IntermediateTensorsUsedByTwoBranches) {
  Tensor x({0.5f, 1.5f});
  Tensor h = x.exp();
  (h * h + h).sum().backward();
  // d/dx (e^2x + e^x) = 2e^2x + e^x
  EXPECT_TRUE(all_close(*x.grad(), {2 * std::exp(1.0) + std::exp(0.5), 2 * std::exp(3.0) + std::exp(1.5)}));
}

TEST(Autograd, MaxGradSplitsEvenlyAmongTies) {
  Tensor x({1.f, 3.f, 3.f});
  x.max().backward();
  EXPECT_TRUE(all_close(*x.grad(), {0, 0.5, 0.5}));
}

TEST(Autograd, MaxOverAStackGradsTheLargerPiece) {
  Tensor a({1.f, 5.f}), b({3.f, 2.f});
  tg::stack({a, b}).max(0).sum().backward();
  EXPECT_TRUE(all_close(*a.grad(), {0, 1}));
  EXPECT_TRUE(all_close(*b.grad(), {1, 0}));
}

// d prod / d x_j is the product of the other elements, also where x_j is 0 (it was 0 / 0);
// with two zeros every gradient is 0. Expected values: PyTorch.
TEST(Autograd, ProdGradWithZeros) {
  Tensor one({0.f, 2.f, 3.f});
  one.prod().backward();
  EXPECT_TRUE(all_close(*one.grad(), {6, 0, 0}));
  Tensor two({0.f, 2.f, 0.f});
  two.prod().backward();
  EXPECT_TRUE(all_close(*two.grad(), {0, 0, 0}));
  Tensor m({{0.f, 2.f, 3.f}, {1.f, 0.f, 0.f}, {4.f, 5.f, 6.f}});
  m.prod(1).sum().backward();
  EXPECT_TRUE(all_close(*m.grad(), {6, 0, 0, 0, 0, 0, 30, 24, 20}));
  Tensor c({{0.f, 2.f, 3.f}, {1.f, 0.f, 0.f}, {4.f, 5.f, 6.f}});
  c.prod(0).sum().backward();
  EXPECT_TRUE(all_close(*c.grad(), {4, 0, 0, 0, 10, 18, 0, 0, 0}));
}

TEST(Autograd, GradOfScalarLeaf) {
  Tensor s(3.0f);
  Tensor x({1.f, 2.f});
  (x * s).sum().backward();
  ASSERT_TRUE(s.grad().has_value());
  EXPECT_EQ(s.grad()->ndim(), 0);
  EXPECT_FLOAT_EQ(s.grad()->item<float>(), 3.f);
}

TEST(Autograd, GradIsUsableInFurtherMath) {
  Tensor x({1.f, 2.f});
  (x.square()).sum().backward();
  Tensor updated = x - *x.grad() * 0.5f;
  EXPECT_TRUE(all_close(updated, {0, 0}));
}

// Where exp2 overflows (sigmoid at -100 and below), the gradient must be 0, not 0 * inf = NaN.
// Expected values: PyTorch 1.13 (float32 and float64 agree to these tolerances).
TEST(Autograd, ActivationGradsAtExtremeInputsMatchPyTorch) {
  const std::vector<double> xs = {-1000, -100, -50, -10, 0, 10, 100, 1000};
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::vector<double> grad;
  };
  const std::vector<Case> cases = {
      {"sigmoid", [](const Tensor& x) { return x.sigmoid(); }, {0, 0, 1.92875e-22, 4.53958e-05, 0.25, 4.53958e-05, 0, 0}},
      {"tanh", [](const Tensor& x) { return x.tanh(); }, {0, 0, 0, 8.24461e-09, 1, 8.24461e-09, 0, 0}},
      {"silu", [](const Tensor& x) { return x.silu(); }, {0, 0, -9.45087e-21, -0.00040856, 0.5, 1.00041, 1, 1}},
      {"gelu", [](const Tensor& x) { return x.gelu(); }, {0, 0, 0, 0, 0.5, 1, 1, 1}},
      {"quick_gelu", [](const Tensor& x) { return x.quick_gelu(); }, {0, 0, -9.25414e-36, -6.50085e-07, 0.5, 1, 1, 1}},
  };
  for (DType dt : {DType::float32, DType::float64})
    for (const Case& c : cases) {
      Tensor x(xs, tg::Shape({8}), TensorOptions{dt});
      c.f(x).sum().backward();
      EXPECT_TRUE(all_close(*x.grad(), c.grad, 1e-4, 1e-6)) << c.name << " " << tg::dtype_name(dt);
    }
}

// pow's values and gradients at its corners, as PyTorch 1.13 gives them (float64; float32
// agrees to these tolerances): d(0.7^y)/dy at y = 0 is ln 0.7, (-inf)^0.3 is inf, d(x^0.3)/dx
// at 0 is inf, 0^y has no NaN gradient for y >= 0, a negative base to a non-integer power has
// NaN gradients.
TEST(Autograd, PowCornersMatchPyTorch) {
  const double inf = INFINITY, nan = NAN;
  const std::vector<double> xs = {0.7, -inf, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0, -2.0, 2.0, -0.0, -1.0, 1.0, 0.5};
  const std::vector<double> ys = {0.0, 0.3, 0.3, 0.0, 1.0, 2.0, -1.5, 0.5, 3.0, -1.5, -3.0, inf, nan, 2.5};
  const std::vector<double> value = {1.0, inf, 0.0, 1.0, 0.0, 0.0, inf, nan, -8.0, 0.3535533905932738, -inf, 1.0, 1.0,
                                     0.1767766952966369};
  const std::vector<double> dx = {0.0, 0.0, inf, 0.0, 1.0, 0.0, -inf, nan, 12.0, -0.26516504294495535, -inf, inf, nan,
                                  0.8838834764831844};
  const std::vector<double> dy = {-0.35667494393873245, nan, 0.0, 0.0, 0.0, 0.0, -inf, nan, nan, 0.2450645358671368, inf,
                                  nan, 0.0, -0.1225322679335684};
  const tg::Shape shape({static_cast<int64_t>(xs.size())});
  for (DType dt : {DType::float64, DType::float32}) {
    Tensor x(xs, shape, TensorOptions{dt}), y(ys, shape, TensorOptions{dt});
    Tensor r = x.pow(y);
    EXPECT_TRUE(all_close(r, value)) << tg::dtype_name(dt);
    r.sum().backward();
    EXPECT_TRUE(all_close(*x.grad(), dx, 1e-5, 1e-6)) << tg::dtype_name(dt);
    EXPECT_TRUE(all_close(*y.grad(), dy, 1e-5, 1e-6)) << tg::dtype_name(dt);
  }
  // a scalar exponent takes the same path
  Tensor z({0.f, 4.f});
  z.pow(0.3).sum().backward();
  EXPECT_TRUE(all_close(*z.grad(), {inf, 0.3 * std::pow(4.0, -0.7)}));
  Tensor w({-8.f, 2.f});
  w.pow(0.f).sum().backward();  // x ** 0 = 1 everywhere; its gradient 0
  EXPECT_TRUE(all_close(*w.grad(), {0, 0}));
}

// ---------------------------------------------------------------- unary ops

GRAD_TEST_1(Neg, kVec, -x)
GRAD_TEST_1(Exp, kVec, x.exp())
GRAD_TEST_1(Exp2, kVec, x.exp2())
GRAD_TEST_1(Log, kPos, x.log())
GRAD_TEST_1(Log2, kPos, x.log2())
GRAD_TEST_1(Sqrt, kPos, x.sqrt())
GRAD_TEST_1(Rsqrt, kPos, x.rsqrt())
GRAD_TEST_1(Sin, kVec, x.sin())
GRAD_TEST_1(Cos, kVec, x.cos())
GRAD_TEST_1(Tan, (Input{{-1.1, -0.4, 0.3, 1.2}, {4}}), x.tan())
GRAD_TEST_1(Abs, kVec, x.abs())
GRAD_TEST_1(Square, kVec, x.square())
GRAD_TEST_1(Reciprocal, kVec, x.reciprocal())
GRAD_TEST_1(PowScalar, kVec, x.pow(3))
GRAD_TEST_1(PowFractional, kPos, x.pow(2.5))
GRAD_TEST_1(PowNegative, kPos, x.pow(-1.5))
GRAD_TEST_1(Relu, kVec, x.relu())
GRAD_TEST_1(Sigmoid, kVec, x.sigmoid())
GRAD_TEST_1(Tanh, kVec, x.tanh())
GRAD_TEST_1(Gelu, kVec, x.gelu())
GRAD_TEST_1(QuickGelu, kVec, x.quick_gelu())
GRAD_TEST_1(Silu, kVec, x.silu())
GRAD_TEST_1(LeakyRelu, kVec, x.leaky_relu(0.1f))
GRAD_TEST_1(Elu, kVec, x.elu(0.7f))
GRAD_TEST_1(Celu, kVec, x.celu(1.5f))
GRAD_TEST_1(Softplus, kVec, x.softplus(2.f))
GRAD_TEST_1(Mish, kVec, x.mish())
GRAD_TEST_1(Relu6, (Input{{-1.5, 0.5, 2.5, 5.5, 7.5}, {5}}), x.relu6())
GRAD_TEST_1(Hardswish, (Input{{-4.5, -2.2, -0.5, 1.1, 2.7, 4.0}, {6}}), x.hardswish())
GRAD_TEST_1(Hardsigmoid, (Input{{-4.5, -2.2, -0.5, 1.1, 2.7, 4.0}, {6}}), x.hardsigmoid())
GRAD_TEST_1(Hardtanh, kVec, x.hardtanh(-2.f, 1.f))
GRAD_TEST_1(Clip, kVec, x.clip(-1.f, 2.f))
GRAD_TEST_1(ScalarArithmetic, kVec, (3.f - x) * 2 / 5 + 1)
GRAD_TEST_1(ScalarDivByTensor, kVec, 2 / x)

// ---------------------------------------------------------------- binary ops with broadcasting

GRAD_TEST_2(Add, kMat, (Input{{0.1, -0.2, 0.3}, {3}}), a + b)
GRAD_TEST_2(Sub, kMat, (Input{{0.1, -0.2}, {2, 1}}), a - b)
GRAD_TEST_2(Mul, kMat, kMat2, a * b)
GRAD_TEST_2(MulBroadcast, kMat, (Input{{0.7, -1.3, 2.0}, {3}}), a * b)
GRAD_TEST_2(Div, kMat, (Input{{0.7, -1.3, 2.0}, {3}}), a / b)
GRAD_TEST_2(DivBroadcastColumn, (Input{{1.5}, {1}}), (Input{{0.7, -1.3}, {2, 1}}), a / b)
GRAD_TEST_2(Maximum, kMat, kMat2, a.maximum(b))
GRAD_TEST_2(Minimum, kMat, kMat2, a.minimum(b))
GRAD_TEST_2(PowTensor, (Input{{0.4, 1.3, 2.2}, {3}}), (Input{{1.5, -0.5, 2.0}, {3}}), a.pow(b))
GRAD_TEST_2(Where, kMat, kMat2, tg::where(Tensor(std::vector<bool>{true, false, true, false, false, true}, tg::Shape({2, 3})), a, b))
GRAD_TEST_2(WhereFromComparison, kMat, kMat2, tg::where(a.detach() > 0.5, a * b, b.exp()))
GRAD_TEST_2(ChainOfMixedOps, kMat, kMat2, ((a * b).sin() + (a - b).square()).sigmoid() * b)

// ---------------------------------------------------------------- reductions

GRAD_TEST_1(SumAll, kMat, x.sum())
GRAD_TEST_1(SumAxis, kMat, x.sum(1))
GRAD_TEST_1(SumKeepdim, kMat, x.sum(0, true) * x)
GRAD_TEST_1(Mean, kMat, x.mean())
GRAD_TEST_1(MeanAxis, kMat, x.mean(-1))
GRAD_TEST_1(MaxAll, kMat, x.max())
GRAD_TEST_1(MaxAxis, kMat, x.max(1))
GRAD_TEST_1(MinAxis, kMat, x.min(0))
GRAD_TEST_1(Prod, kMat, x.prod(1))
GRAD_TEST_1(ProdAll, kVec, x.prod())
GRAD_TEST_1(Var, kMat, x.var(1))
GRAD_TEST_1(VarAll, kMat, x.var())
GRAD_TEST_1(Std, kMat, x.std(0))
GRAD_TEST_1(StdCorrectionZero, kMat, x.std(1, false, 0))
GRAD_TEST_1(Logsumexp, kMat, x.logsumexp(1))
GRAD_TEST_1(Softmax, kMat, x.softmax(1))
GRAD_TEST_1(SoftmaxAxis0, kMat, x.softmax(0))
GRAD_TEST_1(LogSoftmax, kMat, x.log_softmax(-1))
GRAD_TEST_1(Cumsum, kMat, x.cumsum(1))
GRAD_TEST_1(Cumsum0, kMat, x.cumsum(0))

// ---------------------------------------------------------------- movement

GRAD_TEST_1(Reshape, kMat, x.reshape({3, 2}) * Tensor(std::vector<double>{1.0, 2.0, 3.0}, tg::Shape({3, 1})))
GRAD_TEST_1(Permute, kMat, x.permute({1, 0}))
GRAD_TEST_1(Transpose, kMat, x.transpose(0, 1).reshape({-1}))
GRAD_TEST_1(Expand, (Input{{0.5, -1.5}, {2, 1}}), x.expand({2, 3}))
GRAD_TEST_1(ExpandNewDim, (Input{{0.5, -1.5, 2.0}, {3}}), x.expand({2, 3}))
GRAD_TEST_1(Pad, kMat, x.pad({{1, 0}, {2, 1}}))
GRAD_TEST_1(PadValue, kMat, x.pad({{0, 1}, {1, 0}}, 2.f).exp())
GRAD_TEST_1(Shrink, kMat, x.shrink({{0, 2}, {1, 3}}))
GRAD_TEST_1(Flip, kMat, x.flip({0, 1}))
GRAD_TEST_1(SliceStep, kVec, x.slice(0, 1, 6, 2))
GRAD_TEST_1(SliceNegative, kMat, x.slice(1, -2, 3))
GRAD_TEST_1(Index, kMat, x[1])
GRAD_TEST_1(SqueezeUnsqueeze, kVec, x.unsqueeze(0).squeeze(0))
GRAD_TEST_1(Flatten, kMat, x.unsqueeze(2).flatten(1))
GRAD_TEST_1(Repeat, kMat, x.repeat({2, 1}))
GRAD_TEST_1(CatSelf, kMat, tg::cat({x, x * 2}, 1))
GRAD_TEST_2(Cat, kMat, kMat2, tg::cat({a, b}, 0))
GRAD_TEST_2(Stack, kMat, kMat2, tg::stack({a, b}, 1))
GRAD_TEST_1(Chunk, kVec, x.chunk(3)[1] * x.chunk(3)[2])
GRAD_TEST_1(Split, kVec, x.split(std::vector<int64_t>{2, 4})[1])
GRAD_TEST_1(Gather, kMat, x.gather(1, Tensor({{2, 0, 0}, {1, 1, 2}})))
GRAD_TEST_1(Gather0, kMat, x.gather(0, Tensor({{1, 0, 1}})))

// ---------------------------------------------------------------- linear algebra

GRAD_TEST_2(Matmul, kMat, (Input{{0.3, -0.7, 1.1, 0.5, -0.2, 0.9}, {3, 2}}), a.matmul(b))
GRAD_TEST_2(MatmulVecMat, (Input{{0.3, -0.7, 1.1}, {3}}), (Input{{0.3, -0.7, 1.1, 0.5, -0.2, 0.9}, {3, 2}}),
            a.matmul(b))
GRAD_TEST_2(MatmulMatVec, kMat, (Input{{0.6, -0.4, 1.3}, {3}}), a.matmul(b))
GRAD_TEST_2(MatmulBatched, (Input{{0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8}, {2, 2, 2}}),
            (Input{{1.0, -1.0, 0.5, 0.25, -0.5, 2.0, 1.5, 0.1}, {2, 2, 2}}), a.matmul(b))

TEST(Grad, Linear) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].linear(v[1], v[2]); },
             {kMat, {{0.3, -0.7, 1.1, 0.5, -0.2, 0.9}, {3, 2}}, {{0.05, -0.15}, {2}}});
}

TEST(Grad, SmallMlpLoss) {
  check_grad(
      [](const std::vector<Tensor>& v) {
        Tensor h = v[0].linear(v[1]).tanh();
        return h.log_softmax(1).mean();
      },
      {kMat, {{0.3, -0.7, 1.1, 0.5, -0.2, 0.9}, {3, 2}}});
}

// ---------------------------------------------------------------- graphs around realize and views

TEST(Autograd, RealizeInTheMiddleKeepsTheGraph) {
  Tensor x({1.f, 2.f, 3.f});
  Tensor y = (x * 2).realize();
  (y * y).sum().backward();
  ASSERT_TRUE(x.grad().has_value());
  EXPECT_TRUE(all_close(*x.grad(), {8, 16, 24}));  // d/dx (2x)^2 = 8x
}

TEST(Autograd, Float32GradsOfCommonLayers) {
  Tensor x({{1.f, -2.f}, {0.5f, 3.f}});
  Tensor w({{0.5f, -1.f, 2.f}, {1.f, 0.25f, -0.5f}});
  Tensor b({0.1f, 0.2f, 0.3f});
  x.linear(w, b).relu().sum().backward();
  // h = x @ w + b; relu mask m; dL/dw = x^T m; dL/db = sum_rows m; dL/dx = m w^T
  // h row0 = {0.5-2+0.1, -1-0.5+0.2, 2+1+0.3} = {-1.4, -1.3, 3.3} -> m {0,0,1}
  // h row1 = {0.25+3+0.1, -0.5+0.75+0.2, 1-1.5+0.3} = {3.35, 0.45, -0.2} -> m {1,1,0}
  EXPECT_TRUE(all_close(*w.grad(), {0.5, 0.5, 1, 3, 3, -2}));
  EXPECT_TRUE(all_close(*b.grad(), {1, 1, 1}));
  EXPECT_TRUE(all_close(*x.grad(), {2, -0.5, -0.5, 1.25}));
}

TEST(Autograd, GradOfTransposedMatmulOperand) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].T().matmul(v[1]); },
             {kMat, {{0.3, -0.7, 1.1, 0.5, -0.2, 0.9}, {2, 3}}});
}

TEST(Autograd, GradThroughCastToFloat64) {
  Tensor x({1.f, 2.f});
  (x.cast(DType::float64) * 3).sum().backward();
  ASSERT_TRUE(x.grad().has_value());
  EXPECT_EQ(x.grad()->dtype(), DType::float32);
  EXPECT_TRUE(all_close(*x.grad(), {3, 3}));
}
