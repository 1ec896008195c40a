// tinygrad test_ops.py, from test_trunc to test_log2: rounding, maximum/minimum, arithmetic,
// pow, sqrt and the trigonometric functions, relu and its kin, abs, log.
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;

TG_OPS_TEST(trunc) {
  op({{}}, "lambda x: x.trunc()", [](T x) { return x.trunc(); }, O().forward_only());
  op({{45, 35}}, "lambda x: x.trunc()", [](T x) { return x.trunc(); }, O().forward_only());
  op({}, "lambda x: x.trunc()", [](T x) { return x.trunc(); },
     V("[[1.499, 1.5, 1.501, 1.0, 2.1, 0.0, -5.0, -2.499, -2.5, -2.501, 1e12, -1e12]]").forward_only());
}

namespace {
template <typename F>
void rounding(const std::string& name, F fn) {
  const std::string src = "lambda x: x." + name + "()";
  op({{}}, src, fn, O().forward_only());
  op({{45, 35}}, src, fn, O().forward_only());
  op({}, src, fn, V("[[1.499, 1.5, 1.501, 1.0, 2.1, 0.0, -5.0, -2.499, -2.5, -2.501]]").forward_only());
}
}  // namespace

TG_OPS_TEST(floor) { rounding("floor", [](T x) { return x.floor(); }); }
TG_OPS_TEST(ceil) { rounding("ceil", [](T x) { return x.ceil(); }); }
TG_OPS_TEST(round) {
  rounding("round", [](T x) { return x.round(); });
  op({}, "lambda x: x.round()", [](T x) { return x.round(); }, V("[[2.5, -1.5]]").forward_only());
}

TG_OPS_TEST(round_quantization_gradient) {
  op({}, "lambda x: x + 0.125 * (x.round() - x)", [](T x) { return x + 0.125 * (x.round() - x); },
     V("[[-1.2, -0.7, -0.2, 0.2, 0.7, 1.2]]"));
}

namespace {
const char* kNanInfVals = "[[float('-inf'), 0., float('inf'), float('nan'), 1.1]]";
}  // namespace
TG_OPS_TEST(isinf) {
  op({}, "torch.isinf", [](T x) { return x.isinf(); }, V(kNanInfVals).forward_only());
  tg_only([] {
    Tensor val = Tensor({-INFINITY, 0.f, INFINITY, NAN, 1.1f});
    EXPECT_EQ(val.isinf(true, false).cast(DType::int32).to_vector<int>(), (std::vector<int>{0, 0, 1, 0, 0}));
    EXPECT_EQ(val.isinf(false, true).cast(DType::int32).to_vector<int>(), (std::vector<int>{1, 0, 0, 0, 0}));
  });
}
TG_OPS_TEST(isnan) { op({}, "torch.isnan", [](T x) { return x.isnan(); }, V(kNanInfVals).forward_only()); }
TG_OPS_TEST(isfinite) { op({}, "torch.isfinite", [](T x) { return x.isfinite(); }, V(kNanInfVals).forward_only()); }
TG_OPS_TEST(lerp) {
  op({{45, 35}, {45, 35}, {45, 35}}, "lambda x,y,z: x.lerp(y,z)", [](T x, T y, T z) { return x.lerp(y, z); });
  op({}, "lambda x,y,z: x.lerp(y,z)", [](T x, T y, T z) { return x.lerp(y, z); }, V("[[1.,2.,3.], [4.,5.,6.], 0.5]"));
}
namespace {
void triangle_cases(const char* name, Tensor (*f)(T, int64_t)) {
  const std::pair<Shapes, int> cases[] = {{{{3, 3}}, 0},  {{{3, 3}}, 1},  {{{3, 3}}, 2},  {{{3, 3}}, -1},
                                          {{{3, 3}}, -2}, {{{4, 5}}, 4},  {{{4, 5}}, 5},  {{{4, 5}}, 6},
                                          {{{4, 5}}, -4}, {{{4, 5}}, -5}, {{{4, 5}}, -6}, {{{5, 3, 3}}, 0},
                                          {{{5, 0, 3}}, 0}, {{{5, 3, 3}}, 1}};
  for (const auto& [shapes, k] : cases)
    op(shapes, std::string("lambda x: x.") + name + "(" + std::to_string(k) + ")", [f, k = k](T x) { return f(x, k); });
  op({}, std::string("lambda x: x.") + name + "()", [f](T x) { return f(x, 0); }, V("[[[True] * 3] * 3]").forward_only());
}
}  // namespace
TG_OPS_TEST(tril) { triangle_cases("tril", [](T x, int64_t k) { return x.tril(k); }); }
TG_OPS_TEST(triu) { triangle_cases("triu", [](T x, int64_t k) { return x.triu(k); }); }

namespace {
// test_maximum and test_minimum share their cases.
template <typename F>
void extremum(const std::string& torch_fn, F fn) {
  op({{45, 65}, {45, 65}}, torch_fn, fn);
  op({{}, {}}, torch_fn, fn);
  op({}, torch_fn, fn, V("[[1., 0., 3., -4.], 3.]"));
  op({}, torch_fn, fn, V("[[1., 0., 3., -4.], [-1., -2., 3., 0.]]"));
  op({}, torch_fn, fn, V("[[-1234, 0, 1234, 2147483647, -2147483648], 2147483647]").forward_only());
  op({}, torch_fn, fn, V("[[-1234, 0, 1234, 2147483647, -2147483648], -2147483648]").forward_only());
  op({}, torch_fn, fn, V("[[True, False, False], True]").forward_only());
  op({}, torch_fn, fn, V("[[True, False, False], [True, True, False]]").forward_only());
  // test applying to different dtype
  op({}, torch_fn, fn, V("[[1, 2, 3], 1.2]").forward_only());
  op({}, torch_fn, fn, V("[[True, False, False], 1.2]").forward_only());
  op({}, torch_fn, fn, V("[[True, False, False], 3]").forward_only());
}
}  // namespace

TG_OPS_TEST(maximum) { extremum("torch.maximum", [](T x, T y) { return x.maximum(y); }); }
TG_OPS_TEST(minimum) { extremum("torch.minimum", [](T x, T y) { return x.minimum(y); }); }

TG_OPS_TEST(tiny_add) {
  op({{3}, {3}}, "lambda x,y: x+y", [](T x, T y) { return x.add(y); }, O().forward_only());
}
TG_OPS_TEST(tiny_mul) {
  op({{64}, {64}}, "lambda x,y: x*y", [](T x, T y) { return x.mul(y); }, O().forward_only());
}

TG_OPS_TEST(add) {
  op({{45, 68}, {45, 68}}, "lambda x,y: x+y", [](T x, T y) { return x.add(y); });
  op({}, "lambda: torch.tensor(1)+0.5", [] { return Tensor(1) + 0.5; }, O().forward_only());
  op({{45, 68}, {45, 68}}, "lambda x,y: x+y", [](T x, T y) { return x + y; });
  op({{}, {}}, "lambda x,y: x+y", [](T x, T y) { return x + y; });
}
TG_OPS_TEST(add3) {
  op({{45, 65}, {45, 65}, {45, 65}}, "lambda x,y,z: x+y+z", [](T x, T y, T z) { return x + y + z; });
}
TG_OPS_TEST(broadcasted_add) {
  op({{45, 65}, {45, 1}}, "lambda x,y: x+y", [](T x, T y) { return x + y; });
  op({{45, 65}, {}}, "lambda x,y: x+y", [](T x, T y) { return x + y; });
}
TG_OPS_TEST(broadcasted_add_2) { op({{45, 65}, {65}}, "lambda x,y: x+y", [](T x, T y) { return x + y; }); }

TG_OPS_TEST(sub) {
  op({{45, 65}, {45, 65}}, "lambda x,y: x-y", [](T x, T y) { return x.sub(y); });
  op({{45, 65}, {45, 65}}, "lambda x,y: x-y", [](T x, T y) { return x - y; });
  op({{}, {}}, "lambda x,y: x-y", [](T x, T y) { return x - y; });
}
TG_OPS_TEST(scalar_sub) {
  op({{45, 65}}, "lambda x: x-2", [](T x) { return x - 2; });
  op({{}}, "lambda x: x-2", [](T x) { return x - 2; });
}
TG_OPS_TEST(scalar_rsub) {
  op({{45, 65}}, "lambda x: 2-x", [](T x) { return 2 - x; });
  op({{}}, "lambda x: 2-x", [](T x) { return 2 - x; });
}

TG_OPS_TEST(neg) {
  op({{45, 65}}, "lambda x: -x", [](T x) { return -x; });
  op({{45, 65}}, "lambda x: x.neg()", [](T x) { return -x; });
  op({{}}, "lambda x: x.neg()", [](T x) { return -x; });
}
TG_OPS_TEST(logical_not) {
  op({}, "torch.logical_not", [](T x) { return x.logical_not(); }, V("[[True, False, True]]").forward_only());
  op({}, "torch.logical_not", [](T x) { return x.logical_not(); }, V("[[1.,2.,0.,0.5]]").forward_only());
}

TG_OPS_TEST(mul) {
  op({{64, 64}, {64, 64}}, "lambda x,y: x*y", [](T x, T y) { return x.mul(y); });
  op({{64, 64}, {64, 64}}, "lambda x,y: x*y", [](T x, T y) { return x * y; });
  op({{}, {}}, "lambda x,y: x*y", [](T x, T y) { return x * y; });
}
TG_OPS_TEST(scalar_mul) {
  op({{45, 65}}, "lambda x: x*2", [](T x) { return x * 2; });
  op({{45, 65}}, "lambda x: x*-1", [](T x) { return x * -1; });
  op({{45, 65}}, "lambda x: 255*x", [](T x) { return 255 * x; });
  op({{45, 65}}, "lambda x: 2*x", [](T x) { return 2 * x; });
  op({{}}, "lambda x: x*2", [](T x) { return x * 2; });
  op({{}}, "lambda x: 2*x", [](T x) { return 2 * x; });
}

TG_OPS_TEST(div) {
  op({{45, 65}, {45, 65}}, "lambda x,y: x/y", [](T x, T y) { return x.div(y); });
  op({{45, 65}, {45, 65}}, "lambda x,y: x/y", [](T x, T y) { return x / y; });
  op({{}, {}}, "lambda x,y: x/y", [](T x, T y) { return x / y; });
}

TG_OPS_PARTIAL(div_int, "uint64 (Tensor(2**64 - 1, dtype=uint64).div(1, rounding_mode=\"trunc\"); every other case ported)") {
  op({}, "lambda x,y: x/y", [](T x, T y) { return x.div(y); }, V("[[5, 6, 7],[1, 2, 3]]").forward_only());
  op({}, "lambda x,y: x//y", [](T x, T y) { return x.floor_divide(y); }, V("[[5, 6, 7],[1, 2, 3]]").forward_only());
  op({}, "lambda x: x/2", [](T x) { return x / 2; }, V("[[3, 4, 5]]").forward_only());
  op({}, "lambda x: x//2", [](T x) { return x.floor_divide(2); }, V("[[3, 4, 5]]").forward_only());
  op({}, "lambda x,y: torch.div(x, y, rounding_mode='trunc')", [](T x, T y) { return x.div(y, "trunc"); },
     V("[[-4, 7, 5, 4, -7, 8], [2, -3, 8, -2, 3, 5]]").forward_only());
}

TG_OPS_TEST(scalar_div) {
  op({{45, 65}}, "lambda x: x/255", [](T x) { return x / 255; });
  op({{45, 65}}, "lambda x: x/1", [](T x) { return x / 1; });
  op({{45, 65}}, "lambda x: 1/x", [](T x) { return 1 / x; });
  op({{45, 65}}, "lambda x: x/2", [](T x) { return x / 2; });
  op({{45, 65}}, "lambda x: 2/x", [](T x) { return 2 / x; });
  op({{}}, "lambda x: x/2", [](T x) { return x / 2; });
  op({{}}, "lambda x: 2/x", [](T x) { return 2 / x; });
}

TG_OPS_TEST(mul_naninf) {
  op({{45, 65}}, "lambda x: x*math.inf", [](T x) { return x * INFINITY; });
  op({{45, 65}}, "lambda x: x*-math.inf", [](T x) { return x * -INFINITY; });
  op({{45, 65}}, "lambda x: x*math.nan", [](T x) { return x * NAN; });
}
TG_OPS_TEST(div_naninf) {
  op({{45, 65}}, "lambda x: x/math.inf", [](T x) { return x / INFINITY; });
  op({{45, 65}}, "lambda x: x/-math.inf", [](T x) { return x / -INFINITY; });
  op({{45, 65}}, "lambda x: x/math.nan", [](T x) { return x / NAN; });
  op({{45, 65}}, "lambda x: math.inf/x", [](T x) { return INFINITY / x; });
  op({{45, 65}}, "lambda x: (-math.inf)/x", [](T x) { return -INFINITY / x; });
  op({{45, 65}}, "lambda x: math.nan/x", [](T x) { return NAN / x; });
}

TG_OPS_TEST(pow_full) {
  op({{45, 65}, {45, 65}}, "lambda x,y: x**y", [](T x, T y) { return x.pow(y); });
  op({{45, 65}, {45, 65}}, "lambda x,y: x.pow(y)", [](T x, T y) { return x.pow(y); });
}

TG_OPS_TEST(pow) {
  op({{45, 65}}, "lambda x: x**0", [](T x) { return x.pow(0); });
  op({{45, 65}}, "lambda x: x**1", [](T x) { return x.pow(1); });
  op({{45, 65}}, "lambda x: x**2", [](T x) { return x.pow(2); });
  op({{45, 65}}, "lambda x: x**3", [](T x) { return x.pow(3); });
  op({{45, 65}}, "lambda x: x**-2", [](T x) { return x.pow(-2); });
  op({{}}, "lambda x: x**2", [](T x) { return x.pow(2); });
  op({{}}, "lambda x: x**-2", [](T x) { return x.pow(-2); });
  // Regression tests for https://github.com/tinygrad/tinygrad/issues/1151
  op({{45, 65}}, "lambda x: x**3", [](T x) { return x.pow(3); }, O().low(-30).high(-27));
  op({{}}, "lambda x: x**3", [](T x) { return x.pow(3); }, O().low(-30).high(-27));
  // Regression tests for https://github.com/tinygrad/tinygrad/issues/1251
  op({{45, 65}}, "lambda x: x**0.2", [](T x) { return x.pow(0.2); }, O().low(-30).high(-27));
  op({{45, 65}}, "lambda x: x**1.2", [](T x) { return x.pow(1.2); }, O().low(-30).high(-27));
  op({{}}, "lambda x: x**0.2", [](T x) { return x.pow(0.2); }, O().low(-30).high(-27));
  op({{}}, "lambda x: x**1.2", [](T x) { return x.pow(1.2); }, O().low(-30).high(-27));
  op({}, "lambda: torch.tensor([0.0], requires_grad=True)**1.1", [] { return Tensor({0.0f}).pow(1.1); });
}

TG_OPS_TEST(pow_const) {
  op({{45, 65}}, "lambda x: x**0.0", [](T x) { return x.pow(0.0); });
  op({{45, 65}}, "lambda x: x**1.0", [](T x) { return x.pow(1.0); });
  op({{45, 65}}, "lambda x: x**-1.0", [](T x) { return x.pow(-1.0); });
  op({{45, 65}}, "lambda x: x**8.0", [](T x) { return x.pow(8.0); });
  op({{45, 65}}, "lambda x: x**5.5", [](T x) { return x.pow(5.5); });
  op({{45, 65}}, "lambda x: x**-5.5", [](T x) { return x.pow(-5.5); });
  // A number to a tensor's power: the number as a 0-d tensor (tinygrad's __rpow__).
  op({{45, 65}}, "lambda x: 1.0**x", [](T x) { return Tensor(1.0f).pow(x); });
  op({{45, 65}}, "lambda x: 5.5**x", [](T x) { return Tensor(5.5f).pow(x); });
  op({{45, 65}}, "lambda x: (-5.5)**x", [](T x) { return Tensor(-5.5f).pow(x); });
  op({{45, 65}}, "lambda x: 8.0**x", [](T x) { return Tensor(8.0f).pow(x); });
  op({{45, 65}}, "lambda x: x**2.0", [](T x) { return x.pow(2.0); });
  op({{45, 65}}, "lambda x: 2.0**x", [](T x) { return Tensor(2.0f).pow(x); });
  op({{}}, "lambda x: x**2.0", [](T x) { return x.pow(2.0); });
  op({{}}, "lambda x: 2.0**x", [](T x) { return Tensor(2.0f).pow(x); });
  op({}, "lambda x: 0**x", [](T x) { return Tensor(0).pow(x); }, V("[[-2.,-1,0,1,2,3]]"));
  op({}, "lambda x: 0.7**x", [](T x) { return Tensor(0.7f).pow(x); }, V("[[-2.,-1,0,1,2,3]]"));
  op({}, "lambda x: (-2)**x", [](T x) { return Tensor(-2).pow(x); }, V("[[-2.,-1,0,1,2,3]]"));
  // float to power of int
  op({}, "lambda x: 0.7**x", [](T x) { return Tensor(0.7f).pow(x).clone(); }, V("[[-2,-1,0,1,2,3]]").forward_only());
}

// tinygrad: the gradient of (t ** c)[0] at t = [x], against torch's, to 7 places (NaN where
// torch's is NaN); here also the forward value.
TG_OPS_TEST(pow_const_direct) {
  const char* xs[] = {"-math.inf", "0.", "1.", "math.inf"};
  struct C {
    const char* py;
    double c;
    bool is_int;
  };
  for (const char* x : xs)
    for (C c : {C{"-1", -1, true}, C{"0", 0, true}, C{"0.3", 0.3, false}, C{"1", 1, true}, C{"2", 2, true}})
      op({}, std::string("lambda t: t**") + c.py,
         [c](T t) { return c.is_int ? t.pow(static_cast<int>(c.c)) : t.pow(c.c); },
         V(std::string("[[") + x + "]]").grad_atol(1e-7).grad_rtol(0));
}

TG_OPS_TEST(pow_neg_inf_frac_exponent) {
  op({}, "lambda x: x**0.3", [](T x) { return x.pow(0.3); }, V("[[-math.inf]]"));
  op({}, "lambda x: x**3.3", [](T x) { return x.pow(3.3); }, V("[[-math.inf]]"));
}

TG_OPS_TEST(pow_zero_exponent) {
  op({}, "lambda x,y: x**y", [](T x, T y) { return x.pow(y); }, V("[[-math.inf, math.inf, 0.0], [0.0, 0.0, 0.0]]"));
}

TG_OPS_TEST(pow_zero_tensor) {
  op({}, "lambda x,y: x**y", [](T x, T y) { return x.pow(y); }, V("[[0.0], [0.0]]"));
  op({}, "lambda x,y: x**y", [](T x, T y) { return x.pow(y); }, V("[[0.0], [0.3]]"));
  op({}, "lambda x,y: x**y", [](T x, T y) { return x.pow(y); }, V("[[0.0], [-0.3]]"));
}

TG_OPS_TEST(exp2_log2_zero_times_negative) {
  op({}, "lambda x,y: (x.log2()*y).exp2()", [](T x, T y) { return (x.log2() * y).exp2(); },
     V("[[0.0], [-0.7]]").forward_only());
}

TG_OPS_TEST(pow_zero_const) {
  op({}, "lambda x: x**0.3", [](T x) { return x.pow(0.3); }, V("[[0.0]]"));
  op({}, "lambda x: x**0.0", [](T x) { return x.pow(0.0); }, V("[[0.0]]"));
  op({}, "lambda x: x**-0.3", [](T x) { return x.pow(-0.3); }, V("[[0.0]]"));
  op({}, "lambda x: x**-1.0", [](T x) { return x.pow(-1.0); }, V("[[-1.0, 0.0, 1.0]]"));
}

TG_OPS_TEST(int_pow_const_int) {
  op({}, "lambda x: x**0", [](T x) { return x.pow(0); }, V("[[-2,0,2]]").forward_only().atol(0));
  op({}, "lambda x: x**1", [](T x) { return x.pow(1); }, V("[[-2,0,2]]").forward_only().atol(0));
  op({}, "lambda x: x**2", [](T x) { return x.pow(2); }, V("[[-2,0,2]]").forward_only().atol(0));
  op({}, "lambda x: x**7", [](T x) { return x.pow(7); }, V("[[11,12,13]]").forward_only().atol(0));
  op({}, "lambda x: x**29", [](T x) { return x.pow(29); }, V("[[-2,0,2]]").forward_only().atol(0));
  raises({}, "lambda x: x**-2", [](T x) { return x.pow(-2); }, "RuntimeError", E().vals("[[-2,0,2]]").forward_only());
}

TG_OPS_TEST(pow_int_base_float_exponent) {
  for (const char* e : {"0.5", "1.5", "2.0", "-1.0", "0.0"}) {
    const double v = std::stod(e);
    op({}, std::string("lambda: torch.tensor([1, 2, 3, 4], dtype=torch.int) ** ") + e,
       [v] { return Tensor({1, 2, 3, 4}, {DType::int32}).pow(v).clone(); }, O().forward_only());
  }
}

TG_OPS_TEST(sqrt) {
  op({{45, 65}}, "lambda x: x.sqrt()", [](T x) { return x.sqrt(); });
  op({}, "lambda x: x.sqrt()", [](T x) { return x.sqrt(); }, V("[[0.0]]"));
  op({{}}, "lambda x: x.sqrt()", [](T x) { return x.sqrt(); });
}
TG_OPS_TEST(rsqrt) {
  op({{45, 65}}, "lambda x: x.rsqrt()", [](T x) { return x.rsqrt(); });
  op({}, "lambda x: x.rsqrt()", [](T x) { return x.rsqrt(); }, V("[[0.0]]"));
  op({{}}, "lambda x: x.rsqrt()", [](T x) { return x.rsqrt(); });
}

namespace {
const char* const kTrigSpecials = "[[math.nan, math.inf, -math.inf, 0.0]]";
const char* const kTrigLarge = "[[1e1, 1e2, 1e3, 1e4, 1e5, 1e6, -1e1, -1e2, -1e3, -1e4, -1e5, -1e6]]";
}  // namespace

TG_OPS_TEST(sin) {
  auto f = [](T x) { return x.sin(); };
  op({{45, 65}}, "lambda x: x.sin()", f);
  op({{}}, "lambda x: x.sin()", f);
  op({}, "lambda x: x.sin()", f, V(kTrigSpecials));
  op({}, "lambda x: x.sin()", f, V(kTrigLarge).atol(3e-3).rtol(3e-3).grad_atol(3e-3).grad_rtol(3e-3));
}
TG_OPS_TEST(cos) {
  auto f = [](T x) { return x.cos(); };
  op({{45, 65}}, "lambda x: x.cos()", f);
  op({}, "lambda: torch.tensor(2.0).cos()", [] { return Tensor(2).cos(); }, O().forward_only());
  op({{}}, "lambda x: x.cos()", f);
  op({}, "lambda x: x.cos()", f, V(kTrigSpecials));
  op({}, "lambda x: x.cos()", f, V(kTrigLarge).atol(3e-3).rtol(3e-3).grad_atol(3e-3).grad_rtol(3e-3));
}
TG_OPS_TEST(tan) {
  auto f = [](T x) { return x.tan(); };
  op({{45, 65}}, "lambda x: x.tan()", f, O().low(-1.5).high(1.5));
  op({{45, 65}}, "lambda x: x.tan()", f, O().low(-5).high(5));
  op({{}}, "lambda x: x.tan()", f);
  op({}, "lambda x: x.tan()", f, V(kTrigSpecials));
  op({}, "lambda x: x.tan()", f, V(kTrigLarge).atol(3e-3).rtol(3e-3).grad_atol(3e-3).grad_rtol(3e-3));
}

TG_OPS_TEST(relu) {
  op({{64, 64}}, "lambda x: x.relu()", [](T x) { return x.relu(); });
  op({{}}, "lambda x: x.relu()", [](T x) { return x.relu(); });
}
TG_OPS_TEST(relu_exact) { op({}, "lambda x: x.relu()", [](T x) { return x.relu(); }, V("[[-1.,0,1]]")); }
TG_OPS_TEST(relu_maximum_exact) {
  op({}, "lambda x: torch.maximum(x, torch.zeros_like(x, requires_grad=False))", [](T x) { return x.maximum(0); },
     V("[[-1.,0,1]]"));
}
TG_OPS_TEST(leaky_relu) {
  op({{45, 65}}, "lambda x: torch.nn.functional.leaky_relu(x,0.01)", [](T x) { return x.leaky_relu(); });
  op({{}}, "lambda x: torch.nn.functional.leaky_relu(x,0.01)", [](T x) { return x.leaky_relu(); });
}
TG_OPS_TEST(celu) {
  for (int val = 1; val < 5; ++val) {
    const std::string src = "lambda x: torch.nn.functional.celu(x," + std::to_string(val) + ")";
    op({{45, 65}}, src, [val](T x) { return x.celu(static_cast<float>(val)); });
    op({{}}, src, [val](T x) { return x.celu(static_cast<float>(val)); });
  }
}
TG_OPS_TEST(silu) {
  op({{45, 65}}, "torch.nn.functional.silu", [](T x) { return x.silu(); });
  op({{}}, "torch.nn.functional.silu", [](T x) { return x.silu(); });
}
TG_OPS_TEST(swish) {
  op({{45, 65}}, "torch.nn.functional.silu", [](T x) { return x.swish(); });
  op({{}}, "torch.nn.functional.silu", [](T x) { return x.swish(); });
}

TG_OPS_TEST(abs) {
  op({{45, 65}}, "torch.abs", [](T x) { return x.abs(); });
  op({{}}, "torch.abs", [](T x) { return x.abs(); });
}
TG_OPS_TEST(abs_exact) {
  // abs(nan) gradient is undefined: torch=0, tinygrad=1, jax=-1
  for (const char* v : {"-1.", "-0.", "0.", "1.", "math.inf", "-math.inf", "math.nan", "-math.nan"})
    op({}, "torch.abs", [](T x) { return x.abs(); },
       V(std::string("[[") + v + "]]").forward_only(std::string(v).find("nan") != std::string::npos));
}

TG_OPS_TEST(log) {
  op({{45, 65}}, "torch.log", [](T x) { return x.log(); });
  op({}, "torch.log", [](T x) { return x.log(); }, V("[[math.inf, -math.inf, math.nan]]"));
  op({{}}, "torch.log", [](T x) { return x.log(); });
}
TG_OPS_TEST(log2) {
  op({{45, 65}}, "torch.log2", [](T x) { return x.log2(); });
  op({}, "torch.log2", [](T x) { return x.log2(); }, V("[[math.inf, -math.inf, math.nan]]"));
  op({{}}, "torch.log2", [](T x) { return x.log2(); });
}
