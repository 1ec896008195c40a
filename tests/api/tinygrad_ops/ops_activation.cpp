// tinygrad test_ops.py, from test_exp to test_topk: exp, sign, the activations, cumsum,
// argmax, argmin, sort, argsort and topk.
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;

TG_OPS_TEST(exp) {
  op({{45, 65}}, "torch.exp", [](T x) { return x.exp(); });
  // int scalar input: the python coefficients in the decomposition must stay float
  op({}, "lambda: torch.tensor(2.0).exp()", [] { return Tensor(2).exp(); }, O().forward_only());
  op({}, "torch.exp", [](T x) { return x.exp(); }, V("[[math.inf, -math.inf, math.nan]]"));
  op({{}}, "torch.exp", [](T x) { return x.exp(); });
}
TG_OPS_TEST(exp2) {
  op({{45, 65}}, "torch.exp2", [](T x) { return x.exp2(); });
  op({}, "torch.exp2", [](T x) { return x.exp2(); }, V("[[math.inf, -math.inf, math.nan]]"));
  op({{}}, "torch.exp2", [](T x) { return x.exp2(); });
}

TG_OPS_TEST(sign) {
  op({{45, 65}}, "torch.sign", [](T x) { return x.sign(); });
  op({{}}, "torch.sign", [](T x) { return x.sign(); });
}
TG_OPS_TEST(sign_exact) { op({}, "torch.sign", [](T x) { return x.sign(); }, V("[[-1.,0,1]]")); }

TG_OPS_TEST(sigmoid) {
  op({{45, 65}}, "torch.sigmoid", [](T x) { return x.sigmoid(); });
  op({{}}, "torch.sigmoid", [](T x) { return x.sigmoid(); });
}

namespace {
// d f(x)[0] / dx at x = [v], as tinygrad's x.sigmoid()[0].gradient(x)[0].item().
template <typename F>
double grad_at(float v, F f) {
  Tensor x({v});
  f(x)[0].backward();
  return x.grad().value().to_vector<double>().at(0);
}
}  // namespace

TG_OPS_TEST(sigmoid_extreme) {
  op({{45, 65}}, "torch.sigmoid", [](T x) { return x.sigmoid(); }, O().low(300).high(400));
  op({{45, 65}}, "torch.sigmoid", [](T x) { return x.sigmoid(); }, O().low(-400).high(-300));
  tg_only([] {
    EXPECT_NEAR(grad_at(300.f, [](T x) { return x.sigmoid(); }), 0.0, 5e-8);
    EXPECT_NEAR(grad_at(-300.f, [](T x) { return x.sigmoid(); }), 0.0, 5e-8);
  });
}
// At x = 300 tinygrad asserts a gradient of 0 for exp(x) / (1 + exp(x)); PyTorch's is NaN there
// (exp(300) is inf in float32: inf/inf), and so is tg's. Which one tg should give is open.
TG_OPS_PARTIAL_PLAIN(sigmoid_alt_extreme, "a decision on x = 300, where tinygrad wants 0 and PyTorch gives NaN") {
  auto sigmoid = [](T x) { return x.exp() / (1 + x.exp()); };
  EXPECT_NEAR(grad_at(-300.f, sigmoid), 0.0, 5e-8);
}

TG_OPS_TEST(logsigmoid) {
  op({{45, 65}}, "torch.nn.functional.logsigmoid", [](T x) { return x.logsigmoid(); });
  op({{}}, "torch.nn.functional.logsigmoid", [](T x) { return x.logsigmoid(); });
}

TG_OPS_TEST(hardsigmoid) {
  op({{45, 65}}, "torch.nn.functional.hardsigmoid", [](T x) { return x.hardsigmoid(); });
  op({{}}, "torch.nn.functional.hardsigmoid", [](T x) { return x.hardsigmoid(); });
}
TG_OPS_TEST(hardsigmoid_extreme) {
  op({{45, 65}}, "torch.nn.functional.hardsigmoid", [](T x) { return x.hardsigmoid(); }, O().low(300).high(400));
  op({{45, 65}}, "torch.nn.functional.hardsigmoid", [](T x) { return x.hardsigmoid(); }, O().low(-400).high(-300));
}
TG_OPS_TEST(softplus) {
  op({{45, 65}}, "torch.nn.functional.softplus", [](T x) { return x.softplus(); }, O().grad_atol(1e-6));
  op({{45, 65}}, "lambda t: torch.nn.functional.softplus(t, beta=3)", [](T t) { return t.softplus(3); },
     O().grad_atol(1e-6));
  op({{45, 65}}, "lambda t: torch.nn.functional.softplus(t, beta=1/3)", [](T t) { return t.softplus(1.f / 3); },
     O().grad_atol(1e-6));
  op({{45, 65}}, "torch.nn.functional.softplus", [](T x) { return x.softplus(); },
     O().grad_atol(1e-6).low(300).high(400));
  op({{45, 65}}, "torch.nn.functional.softplus", [](T x) { return x.softplus(); },
     O().grad_atol(1e-6).low(-400).high(-300));
  op({{}}, "torch.nn.functional.softplus", [](T x) { return x.softplus(); }, O().grad_atol(1e-6));
}
TG_OPS_TEST(erf) {
  op({{45, 65}}, "torch.erf", [](T x) { return x.erf(); });
  op({{45, 65}}, "torch.erf", [](T x) { return x.erf(); }, O().low(300).high(400));
  op({{45, 65}}, "torch.erf", [](T x) { return x.erf(); }, O().low(-400).high(-300));
  op({{}}, "torch.erf", [](T x) { return x.erf(); });
}

TG_OPS_PARTIAL(gelu, "gelu(approximate=\"none\") (needs erf; the tanh case ported)") {
  op({{45, 65}}, "lambda x: torch.nn.functional.gelu(x, approximate=\"tanh\")", [](T x) { return x.gelu(); });
}
TG_OPS_PARTIAL(gelu_extreme, "gelu(approximate=\"none\") (needs erf; the tanh cases ported)") {
  op({{45, 65}}, "lambda x: torch.nn.functional.gelu(x, approximate=\"tanh\")", [](T x) { return x.gelu(); },
     O().low(300).high(400));
  op({{45, 65}}, "lambda x: torch.nn.functional.gelu(x, approximate=\"tanh\")", [](T x) { return x.gelu(); },
     O().low(-400).high(-300));
}
TG_OPS_TEST(quick_gelu) {
  op({{45, 65}}, "lambda x: x * torch.sigmoid(1.702 * x)", [](T x) { return x.quick_gelu(); });
  op({{}}, "lambda x: x * torch.sigmoid(1.702 * x)", [](T x) { return x.quick_gelu(); });
}
TG_OPS_TEST(quick_gelu_extreme) {
  op({{45, 65}}, "lambda x: x * torch.sigmoid(1.702 * x)", [](T x) { return x.quick_gelu(); }, O().low(300).high(400));
  op({{45, 65}}, "lambda x: x * torch.sigmoid(1.702 * x)", [](T x) { return x.quick_gelu(); },
     O().low(-400).high(-300));
}

TG_OPS_TEST(elu) {
  op({{45, 65}}, "torch.nn.functional.elu", [](T x) { return x.elu(); });
  op({{45, 65}}, "lambda x: torch.nn.functional.elu(x, alpha=0.1)", [](T x) { return x.elu(0.1f); });
  op({{}}, "torch.nn.functional.elu", [](T x) { return x.elu(); });
}
TG_OPS_TEST(relu6) {
  op({{45, 65}}, "torch.nn.functional.relu6", [](T x) { return x.relu6(); });
  op({{}}, "torch.nn.functional.relu6", [](T x) { return x.relu6(); });
}
TG_OPS_TEST(hardswish) {
  op({{45, 65}}, "torch.nn.functional.hardswish", [](T x) { return x.hardswish(); }, O().grad_atol(1e-6));
  op({{}}, "torch.nn.functional.hardswish", [](T x) { return x.hardswish(); }, O().grad_atol(1e-6));
}
TG_OPS_TEST(mish) {
  op({{45, 65}}, "torch.nn.functional.mish", [](T x) { return x.mish(); });
  op({{}}, "torch.nn.functional.mish", [](T x) { return x.mish(); });
}

namespace {
std::string cumsum_src(int dim) { return "lambda x: torch.cumsum(x, dim=" + std::to_string(dim) + ")"; }
auto cumsum_fn(int dim) {
  return [dim](T x) { return x.cumsum(dim); };
}
}  // namespace

TG_OPS_TEST(small_cumsum) { op({{10}}, cumsum_src(0), cumsum_fn(0)); }
TG_OPS_TEST(simple_cumsum) {
  op({{512}}, cumsum_src(0), cumsum_fn(0));
  op({{1022}}, cumsum_src(0), cumsum_fn(0));
}
TG_OPS_TEST(cumsum) {
  op({{}}, cumsum_src(0), cumsum_fn(0));
  raises({{}}, cumsum_src(1), cumsum_fn(1), "IndexError");
  op({{20}}, cumsum_src(0), cumsum_fn(0));
  raises({{20}}, cumsum_src(1), cumsum_fn(1), "IndexError");
  raises({{20}}, cumsum_src(-2), cumsum_fn(-2), "IndexError");
  op({{20, 30}}, cumsum_src(0), cumsum_fn(0));
  op({{20, 30}}, cumsum_src(1), cumsum_fn(1));
  op({{20, 30, 40}}, cumsum_src(2), cumsum_fn(2));
  op({{20, 30, 40}}, cumsum_src(-1), cumsum_fn(-1));
}
TG_OPS_TEST(cumsum_zero_axis) {
  op({{2, 0, 4}}, cumsum_src(1), cumsum_fn(1));
  op({{0, 3}}, cumsum_src(0), cumsum_fn(0));
  op({{2, 3, 0}}, cumsum_src(2), cumsum_fn(2));
}

namespace {
std::string cumprod_src(int dim) { return "lambda x: torch.cumprod(x, dim=" + std::to_string(dim) + ")"; }
auto cumprod_fn(int dim) {
  return [dim](T x) { return x.cumprod(dim); };
}
}  // namespace

TG_OPS_TEST(small_cumprod) { op({{10}}, cumprod_src(0), cumprod_fn(0)); }
TG_OPS_TEST(simple_cumprod) {
  op({{512}}, cumprod_src(0), cumprod_fn(0));
  op({{1022}}, cumprod_src(0), cumprod_fn(0));
}
TG_OPS_TEST(cumprod) {
  op({{}}, cumprod_src(0), cumprod_fn(0));
  raises({{}}, cumprod_src(1), cumprod_fn(1), "IndexError");
  op({{20}}, cumprod_src(0), cumprod_fn(0));
  raises({{20}}, cumprod_src(1), cumprod_fn(1), "IndexError");
  raises({{20}}, cumprod_src(-2), cumprod_fn(-2), "IndexError");
  op({{20, 30}}, cumprod_src(0), cumprod_fn(0));
  op({{20, 30}}, cumprod_src(1), cumprod_fn(1));
  op({{20, 30, 40}}, cumprod_src(2), cumprod_fn(2));
  op({{20, 30, 40}}, cumprod_src(-1), cumprod_fn(-1));
}
TG_OPS_TEST(cumprod_zero_axis) {
  op({{2, 0, 4}}, cumprod_src(1), cumprod_fn(1));
  op({{0, 3}}, cumprod_src(0), cumprod_fn(0));
  op({{2, 3, 0}}, cumprod_src(2), cumprod_fn(2));
}

TG_OPS_TEST(argmax) {
  auto all = [](T x) { return x.argmax(); };
  // check if it returns the first index for multiple occurrences
  op({}, "lambda x: x.argmax().type(torch.int32)", all, V("[[2, 2]]").forward_only());
  op({}, "lambda x: x.argmax().type(torch.int32)", all, V("[[1, 2, 2]]").forward_only());
  tg_only([] {
    EXPECT_EQ(Tensor({2, 2}).argmax().item<int>(), 0);
    EXPECT_EQ(Tensor({1, 2, 2}).argmax().item<int>(), 1);
  });
  op({{10, 20}}, "lambda x: x.argmax().type(torch.int32)", all, O().forward_only());
  op({{10, 20}}, "lambda x: x.argmax(0, False).type(torch.int32)", [](T x) { return x.argmax(0, false); },
     O().forward_only());
  op({{10, 20}}, "lambda x: x.argmax(1, False).type(torch.int32)", [](T x) { return x.argmax(1, false); },
     O().forward_only());
  op({{10, 20}}, "lambda x: x.argmax(1, True).type(torch.int32)", [](T x) { return x.argmax(1, true); },
     O().forward_only());
  // regression test for bitwise_not then argmax
  op({}, "lambda x: (~x).argmax().type(torch.int32)", [](T x) { return (~x).argmax(); }, V("[[2, 2]]").forward_only());

  op({}, "lambda x: x.argmax().type(torch.int32)", all, V("[[0, -2**31]]").forward_only());
  op({}, "lambda x: x.argmax().type(torch.int32)", all, V("[[-2**31, 0]]").forward_only());
  // NOTE: torch does not support this on bool
  op({}, "lambda x: x.type(torch.int32).argmax().type(torch.int32)", all, V("[[False, True]]").forward_only());
  op({}, "lambda x: x.type(torch.int32).argmax().type(torch.int32)", all, V("[[True, False]]").forward_only());
}

TG_OPS_TEST(argmin) {
  auto all = [](T x) { return x.argmin(); };
  op({}, "lambda x: x.argmin().type(torch.int32)", all, V("[[2, 2]]").forward_only());
  op({}, "lambda x: x.argmin().type(torch.int32)", all, V("[[3, 2, 2]]").forward_only());
  tg_only([] {
    EXPECT_EQ(Tensor({2, 2}).argmin().item<int>(), 0);
    EXPECT_EQ(Tensor({3, 2, 2}).argmin().item<int>(), 1);
  });
  op({{10, 20}}, "lambda x: x.argmin().type(torch.int32)", all, O().forward_only());
  op({{10, 20}}, "lambda x: x.argmin(0, False).type(torch.int32)", [](T x) { return x.argmin(0, false); },
     O().forward_only());
  op({{10, 20}}, "lambda x: x.argmin(1, False).type(torch.int32)", [](T x) { return x.argmin(1, false); },
     O().forward_only());
  op({{10, 20}}, "lambda x: x.argmin(1, True).type(torch.int32)", [](T x) { return x.argmin(1, true); },
     O().forward_only());
  op({}, "lambda x: x.argmin().type(torch.int32)", all, V("[[0, -2**31]]").forward_only());
  op({}, "lambda x: x.argmin().type(torch.int32)", all, V("[[-2**31, 0]]").forward_only());
  op({}, "lambda x: x.type(torch.int32).argmin().type(torch.int32)", all, V("[[False, True]]").forward_only());
  op({}, "lambda x: x.type(torch.int32).argmin().type(torch.int32)", all, V("[[True, False]]").forward_only());
}

TG_OPS_TEST(sort) {
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{0}, {0, 5}, {1}, {1, 5}}) {
    op({shape}, "lambda x: x.sort(0).values", [](T x) { return x.sort(0).first; }, O().forward_only());
    op({shape}, "lambda x: x.sort(0).indices.type(torch.int32)", [](T x) { return x.sort(0).second; },
       O().forward_only());
  }
  for (int dim : {-1, 0, 1})
    for (bool descending : {true, false}) {
      const std::string args = std::to_string(dim) + ", " + (descending ? "True" : "False");
      op({{8, 8, 6}}, "lambda x: x.sort(" + args + ").values",
         [=](T x) { return x.sort(dim, descending).first; }, O().forward_only());
      op({{8, 8, 6}}, "lambda x: x.sort(" + args + ").indices.type(torch.int32)",
         [=](T x) { return x.sort(dim, descending).second; }, O().forward_only());
    }
  // repeated values
  const std::string rep = "[[0, 1] * 9]";
  op({}, "lambda x: x.sort(stable=True).values", [](T x) { return x.sort().first; }, V(rep).forward_only());
  op({}, "lambda x: x.sort(stable=True).indices.type(torch.int32)", [](T x) { return x.sort().second; },
     V(rep).forward_only());
  op({}, "lambda x: x.sort(stable=True, descending=True).values", [](T x) { return x.sort(-1, true).first; },
     V(rep).forward_only());
  op({}, "lambda x: x.sort(stable=True, descending=True).indices.type(torch.int32)",
     [](T x) { return x.sort(-1, true).second; }, V(rep).forward_only());
}

TG_OPS_TEST(argsort) {
  op({{8, 8, 6}}, "lambda x: torch.argsort(x, dim=1, descending=True, stable=True).type(torch.int32)",
     [](T x) { return x.argsort(1, true); }, O().forward_only());
}

TG_OPS_TEST(topk) {
  op({{8}}, "lambda x: x.topk(3).values", [](T x) { return x.topk(3).first; }, O().forward_only());
  op({{8}}, "lambda x: x.topk(3).indices.type(torch.int32)", [](T x) { return x.topk(3).second; }, O().forward_only());
  for (auto [dim, largest] : {std::pair<int, bool>{0, true}, {1, false}}) {
    const std::string args = "4, " + std::to_string(dim) + ", " + (largest ? "True" : "False") + ", True";
    op({{5, 5, 4}}, "lambda x: x.topk(" + args + ").values", [=](T x) { return x.topk(4, dim, largest, true).first; },
       O().forward_only());
    op({{5, 5, 4}}, "lambda x: x.topk(" + args + ").indices.type(torch.int32)",
       [=](T x) { return x.topk(4, dim, largest, true).second; }, O().forward_only());
  }
  // repeated values
  tg_only([] {
    Tensor t(std::vector<float>{1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0}, tg::Shape({14}));
    auto [value, indices] = t.topk(3);
    EXPECT_EQ(value.to_vector<float>(), (std::vector<float>{1, 1, 1}));
    EXPECT_EQ(indices.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 3}));
    auto [low, low_idx] = t.topk(3, -1, false);
    EXPECT_EQ(low.to_vector<float>(), (std::vector<float>{0, 0, 0}));
    EXPECT_EQ(low_idx.to_vector<int32_t>(), (std::vector<int32_t>{2, 4, 6}));
  });
  raises({{4}}, "lambda x: x.topk(5)", [](T x) { return x.topk(5).first; }, "RuntimeError");
}
