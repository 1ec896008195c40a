// tinygrad test_ops.py, from test_full_like to test_cmp_lt_backwards: creation, arange,
// linspace, split/chunk, collapsing sums, where and the comparisons.
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;
using tg::TensorOptions;

namespace {
const TensorOptions I32{DType::int32}, I8{DType::int8};
}

TG_OPS_TEST(full_like) {
  op({}, "lambda: torch.full_like(torch.tensor([[1,2,3],[4,5,6]], dtype=torch.float32), 4)",
     [] { return Tensor::full_like(Tensor({{1, 2, 3}, {4, 5, 6}}, {DType::float32}), 4); }, O().forward_only());
  op({}, "lambda: torch.full_like(torch.tensor([[1,2,3],[4,5,6]], dtype=torch.int32), 4)",
     [] { return Tensor::full_like(Tensor({{1, 2, 3}, {4, 5, 6}}, {DType::int32}), 4); }, O().forward_only());
}

TG_OPS_TEST(full) {
  op({}, "lambda: torch.full((45,65), 4, dtype=torch.int32)", [] { return Tensor::full({45, 65}, 4); },
     O().forward_only());
}

// tinygrad's creators given a negative dim raise; tg's throw tg::Error.
TG_OPS_PLAIN(negative_dims) {
  for (tg::Shape s : {tg::Shape{-3, 2}, tg::Shape{2, -3}, tg::Shape{2, -3, 0}}) {
    SCOPED_TRACE(s.to_string());
    EXPECT_THROW(Tensor::empty(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::rand(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::zeros(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::ones(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::randn(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::randint(0, 10, s).realize(), tg::Error);
    EXPECT_THROW(Tensor::normal(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::uniform(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::scaled_uniform(s).realize(), tg::Error);
    EXPECT_THROW(Tensor::glorot_uniform(s).realize(), tg::Error);
  }
}

TG_OPS_PLAIN(negative_dims_full) {
  EXPECT_THROW(Tensor::full({-3}, 2).realize(), tg::Error);
  EXPECT_THROW(Tensor::full({2, -3}, 4).realize(), tg::Error);
  EXPECT_THROW(Tensor::full({2, -3, 0}, 4).realize(), tg::Error);
}

TG_OPS_PLAIN(negative_dims_eye) {
  EXPECT_THROW(Tensor::eye(-3).realize(), tg::Error);
  EXPECT_THROW(Tensor::eye(-3, 3).realize(), tg::Error);
  EXPECT_THROW(Tensor::eye(3, -3).realize(), tg::Error);
  EXPECT_THROW(Tensor::eye(-3, -3).realize(), tg::Error);
}

TG_OPS_PLAIN(negative_dims_kaiming) {
  EXPECT_THROW(Tensor::kaiming_uniform({-3, 3}).realize(), tg::Error);
  EXPECT_THROW(Tensor::kaiming_uniform({-3, 3}, 3).realize(), tg::Error);
  EXPECT_THROW(Tensor::kaiming_uniform({-3, -3}, 3).realize(), tg::Error);
  EXPECT_THROW(Tensor::kaiming_normal({-3, 3}).realize(), tg::Error);
  EXPECT_THROW(Tensor::kaiming_normal({-3, 3}, 3).realize(), tg::Error);
  EXPECT_THROW(Tensor::kaiming_normal({-3, -3}, 3).realize(), tg::Error);
}

TG_OPS_TEST(zeros) {
  op({}, "lambda: torch.zeros(45,65)", [] { return Tensor::zeros({45, 65}); }, O().forward_only());
  op({}, "lambda: torch.zeros([45,65])", [] { return Tensor::zeros(tg::Shape(std::vector<int64_t>{45, 65})); },
     O().forward_only());
  op({}, "lambda: torch.zeros([])", [] { return Tensor::zeros(tg::Shape{}); }, O().forward_only());
}

TG_OPS_TEST(zeros_like) {
  op({}, "lambda: torch.zeros_like(torch.tensor([[1,2,3],[4,5,6]], dtype=torch.float32))",
     [] { return Tensor::zeros_like(Tensor({{1, 2, 3}, {4, 5, 6}}, {DType::float32})); }, O().forward_only());
  op({}, "lambda: torch.zeros_like(torch.tensor([[1,2,3],[4,5,6]], dtype=torch.int32))",
     [] { return Tensor::zeros_like(Tensor({{1, 2, 3}, {4, 5, 6}}, {DType::int32})); }, O().forward_only());
}

TG_OPS_TEST(empty_0) {
  op({}, "lambda: torch.empty(45,65)*0/0", [] { return Tensor::empty({45, 65}) * 0 / 0; }, O().forward_only());
}

TG_OPS_TEST(ones) {
  op({}, "lambda: torch.ones(45,65)", [] { return Tensor::ones({45, 65}); }, O().forward_only());
  op({}, "lambda: torch.ones([45,65])", [] { return Tensor::ones(tg::Shape(std::vector<int64_t>{45, 65})); },
     O().forward_only());
  op({}, "lambda: torch.ones([])", [] { return Tensor::ones(tg::Shape{}); }, O().forward_only());
}

TG_OPS_TEST(ones_like) {
  op({}, "lambda: torch.ones_like(torch.tensor([[1,2,3],[4,5,6]], dtype=torch.float32))",
     [] { return Tensor::ones_like(Tensor({{1, 2, 3}, {4, 5, 6}}, {DType::float32})); }, O().forward_only());
  op({}, "lambda: torch.ones_like(torch.tensor([[1,2,3],[4,5,6]], dtype=torch.int32))",
     [] { return Tensor::ones_like(Tensor({{1, 2, 3}, {4, 5, 6}}, {DType::int32})); }, O().forward_only());
}

TG_OPS_TEST(eye) {
  for (int n : {10, 1, 0})
    op({}, "lambda: torch.eye(" + std::to_string(n) + ")", [n] { return Tensor::eye(n); }, O().forward_only());
  op({}, "lambda: torch.eye(3, 5)", [] { return Tensor::eye(3, 5); }, O().forward_only());
  op({}, "lambda: torch.eye(5, 3)", [] { return Tensor::eye(5, 3); }, O().forward_only());
}

// Each piece of torch's split against tg's, by index.
TG_OPS_TEST(split) {
  struct Case {
    std::vector<int64_t> shape;
    std::vector<int64_t> sizes;  // one entry: split(int)
    int64_t dim;
  };
  const std::vector<Case> cases = {{{10}, {5}, 0},  {{10}, {1, 4, 5}, 0}, {{10}, {3}, 0},     {{3, 4}, {1}, 0},
                                   {{3, 4}, {1}, 1}, {{4, 4}, {2, 2}, 0},  {{4, 4}, {2, 2}, 1}, {{10000}, {2500}, 0}};
  for (const Case& c : cases) {
    tg::Shape shape(c.shape);
    std::string py_shape = "(", py_sizes = c.sizes.size() == 1 ? "" : "[";
    for (int64_t d : c.shape) py_shape += std::to_string(d) + ",";
    for (size_t i = 0; i < c.sizes.size(); ++i) py_sizes += (i ? "," : "") + std::to_string(c.sizes[i]);
    if (c.sizes.size() > 1) py_sizes += "]";
    py_shape += ")";
    auto pieces = [c, shape] {
      Tensor t = Tensor::arange(static_cast<double>(shape.numel())).reshape(shape);
      return c.sizes.size() == 1 ? t.split(c.sizes[0], c.dim) : t.split(c.sizes, c.dim);
    };
    const size_t n = pieces().size();
    for (size_t i = 0; i < n; ++i)
      op({},
         "lambda: torch.arange(math.prod(" + py_shape + "), dtype=torch.int32).reshape(" + py_shape + ").split(" +
             py_sizes + ", dim=" + std::to_string(c.dim) + ")[" + std::to_string(i) + "]",
         [pieces, i] { return pieces().at(i); }, O().forward_only());
  }
}

TG_OPS_TEST(chunk) {
  struct Case {
    std::vector<int64_t> repeats;
    int64_t chunks, dim;
    const char* py_repeats;
  };
  for (const Case& c : {Case{{8, 1}, 6, 1, "8, 1"}, Case{{8, 1}, 6, 0, "8, 1"}, Case{{8, 1}, 3, -1, "8, 1"},
                        Case{{8, 3, 3}, 3, -2, "8, 3, 3"}}) {
    auto pieces = [c] { return Tensor::arange(13).repeat(c.repeats).chunk(c.chunks, c.dim); };
    const size_t n = pieces().size();
    for (size_t i = 0; i < n; ++i)
      op({},
         std::string("lambda: torch.arange(13, dtype=torch.int32).repeat(") + c.py_repeats + ").chunk(" +
             std::to_string(c.chunks) + ", " + std::to_string(c.dim) + ")[" + std::to_string(i) + "]",
         [pieces, i] { return pieces().at(i); }, O().forward_only());
  }
}
TG_OPS_TEST(meshgrid) {
  const std::string x = "torch.tensor([0.,1.,2.])", y = "torch.tensor([3.,4.,5.,6.])", z = "torch.tensor([7.,8.,9.])";
  auto xt = [] { return Tensor({0.f, 1.f, 2.f}); };
  auto yt = [] { return Tensor({3.f, 4.f, 5.f, 6.f}); };
  auto zt = [] { return Tensor({7.f, 8.f, 9.f}); };
  for (std::string indexing : {"ij", "xy"}) {
    const std::string kw = ", indexing='" + indexing + "')";
    op({}, "lambda: torch.meshgrid(" + x + kw + "[0]", [=] { return tg::meshgrid({xt()}, indexing)[0]; });
    for (int i = 0; i < 2; i++)
      op({}, "lambda: torch.meshgrid(" + x + ", " + y + kw + "[" + std::to_string(i) + "]",
         [=] { return tg::meshgrid({xt(), yt()}, indexing)[static_cast<size_t>(i)]; });
    for (int i = 0; i < 4; i++)
      op({}, "lambda: torch.meshgrid(" + x + ", torch.tensor(10.), " + y + ", " + z + kw + "[" + std::to_string(i) + "]",
         [=] { return tg::meshgrid({xt(), Tensor(10.f), yt(), zt()}, indexing)[static_cast<size_t>(i)]; });
  }
  raises({}, "lambda: torch.meshgrid(" + x + ", indexing='bad')", [=] { return tg::meshgrid({xt()}, "bad")[0]; },
         "RuntimeError");
}

TG_OPS_TEST(arange) {
  op({}, "lambda: torch.arange(10, dtype=torch.int32)", [] { return Tensor::arange(10); }, O().forward_only());
  op({}, "lambda: torch.arange(36, dtype=torch.int32)", [] { return Tensor::arange(36); }, O().forward_only());
  op({}, "lambda: torch.arange(5, 10, 3, dtype=torch.int32)", [] { return Tensor::arange(5, 10, 3); },
     O().forward_only());
  op({}, "lambda: torch.arange(10, 5, -3, dtype=torch.int32)", [] { return Tensor::arange(10, 5, -3); },
     O().forward_only());
  op({}, "lambda: torch.arange(11, 5, -3, dtype=torch.int32)", [] { return Tensor::arange(11, 5, -3); },
     O().forward_only());
  op({}, "lambda: torch.arange(1, 78, 2, dtype=torch.int32)", [] { return Tensor::arange(1, 78, 2); },
     O().forward_only());
  // Float bounds give float32 (tinygrad); tg's arange takes doubles, so say so.
  const TensorOptions F32{DType::float32};
  op({}, "lambda: torch.arange(5.5, 175.5, 2.5)", [&] { return Tensor::arange(5.5, 175.5, 2.5, F32); },
     O().forward_only());
  op({}, "lambda: torch.arange(-30.2, -0.3, 0.75)", [&] { return Tensor::arange(-30.2, -0.3, 0.75, F32); },
     O().forward_only());
  op({}, "lambda: torch.arange(-50.3, -380.2, -2.25)", [&] { return Tensor::arange(-50.3, -380.2, -2.25, F32); },
     O().forward_only());
  // boundary values that fit exactly in int8 (min=-128, max=127)
  op({}, "lambda: torch.arange(128, dtype=torch.int8)", [] { return Tensor::arange(128, I8); }, O().forward_only());
  op({}, "lambda: torch.arange(-128, 128, dtype=torch.int8)", [] { return Tensor::arange(-128, 128, 1, I8); },
     O().forward_only());
  op({}, "lambda: torch.arange(127, -129, -1, dtype=torch.int8)", [] { return Tensor::arange(127, -129, -1, I8); },
     O().forward_only());
  tg_only([] {
    // an int range too large for default_int picks int64
    EXPECT_EQ(Tensor::arange(2147483648., 2147483651.).dtype(), DType::int64);
    // overflow: tinygrad raises (torch silently wraps)
    EXPECT_THROW(Tensor::arange(8589934592., I32).realize(), tg::Error);
    EXPECT_THROW(Tensor::arange(129, I8).realize(), tg::Error);
    EXPECT_THROW(Tensor::arange(-129, 128, 1, I8).realize(), tg::Error);
    EXPECT_THROW(Tensor::arange(128, 0, -1, I8).realize(), tg::Error);
    EXPECT_THROW(Tensor::arange(127, -130, -1, I8).realize(), tg::Error);
  });
}

TG_OPS_TEST(arange_big) {
  op({}, "lambda: torch.arange(256, dtype=torch.int32)", [] { return Tensor::arange(256); }, O().forward_only());
}

TG_OPS_TEST(arange_4096) {
  op({}, "lambda: torch.arange(4096, dtype=torch.int32)", [] { return Tensor::arange(4096); }, O().forward_only());
}

TG_OPS_TEST(linspace) {
  op({}, "lambda: torch.linspace(5, 10, 3)", [] { return Tensor::linspace(5, 10, 3); }, O().forward_only());
  op({}, "lambda: torch.linspace(5, 10, 1)", [] { return Tensor::linspace(5, 10, 1); }, O().forward_only());
  op({}, "lambda: torch.linspace(5, 10, 0)", [] { return Tensor::linspace(5, 10, 0); }, O().forward_only());
  op({}, "lambda: torch.linspace(5, 10, 30)", [] { return Tensor::linspace(5, 10, 30); }, O().forward_only());
  op({}, "lambda: torch.linspace(-5.5, 5.5, 10)", [] { return Tensor::linspace(-5.5, 5.5, 10); }, O().forward_only());
  op({}, "lambda: torch.linspace(5.5, -5.5, 10)", [] { return Tensor::linspace(5.5, -5.5, 10); }, O().forward_only());
  // PyTorch 1.13 (Debian 12's) computes an int linspace its own way (linspace(5, -5, 20) has -1
  // where PyTorch 2, tinygrad's reference, has 0); PyTorch 2 truncates the float linspace.
  op({}, "lambda: torch.linspace(5, 10, 3).type(torch.int32)", [] { return Tensor::linspace(5, 10, 3, I32); },
     O().forward_only());
  op({}, "lambda: torch.linspace(5, 10, 20).type(torch.int32)", [] { return Tensor::linspace(5, 10, 20, I32); },
     O().forward_only());
  op({}, "lambda: torch.linspace(5, -5, 20).type(torch.int32)", [] { return Tensor::linspace(5, -5, 20, I32); },
     O().forward_only());
  raises({}, "lambda: torch.linspace(5, 10, 3, dtype=torch.bool)",
         [] { return Tensor::linspace(5, 10, 3, {DType::bool_}); }, "RuntimeError");
  raises({}, "lambda: torch.linspace(1, 2, -1)", [] { return Tensor::linspace(1, 2, -1); }, "RuntimeError");
}

TG_OPS_TEST(sum_fake) { op({{256, 1}}, "lambda x: x.sum(axis=1)", [](T x) { return x.sum(1); }); }

TG_OPS_TEST(sum_collapse) {
  op({}, "lambda: torch.ones(256,256).sum(axis=1)", [] { return Tensor::ones({256, 256}).sum(1); },
     O().forward_only());
}

TG_OPS_TEST(sum_collapse_neg) {
  op({}, "lambda: (-torch.ones(3,3)).sum(axis=1)", [] { return (-Tensor::ones({3, 3})).sum(1); },
     O().forward_only());
}

TG_OPS_TEST(sum_pad_collapse) {
  op({}, "lambda: torch.nn.functional.pad(torch.ones(256,256), pad=(0,64,0,0)).sum(axis=1)",
     [] { return Tensor::ones({256, 256}).pad({{0, 0}, {0, 64}}).sum(1); }, O().forward_only());
}

TG_OPS_TEST(sum_twice) {
  op({{4, 4, 4}}, "lambda x: x.sum((0, 1)).sum()", [](T x) { return x.sum({0, 1}).sum(); });
  op({{4, 4, 4}}, "lambda x: x.sum((0, 2)).sum()", [](T x) { return x.sum({0, 2}).sum(); });
  op({{4, 4, 4}}, "lambda x: x.sum((1, 2)).sum()", [](T x) { return x.sum({1, 2}).sum(); });
}

TG_OPS_TEST(sum_cat_collapse) {
  op({}, "lambda: torch.cat([torch.ones(256,256), torch.zeros(256,64)], dim=1).sum(axis=1)",
     [] { return tg::cat({Tensor::ones({256, 256}), Tensor::zeros({256, 64})}, 1).sum(1); }, O().forward_only());
}

TG_OPS_TEST(max_dont_collapse) {
  op({}, "lambda: torch.ones(256,256).max(1)[0]", [] { return Tensor::ones({256, 256}).max(1); },
     O().forward_only());
}

TG_OPS_TEST(where) {
  op({}, "lambda: torch.where(torch.tensor([True, False]), 1, 3).type(torch.int32)",
     [] { return Tensor({true, false}).where(1, 3).clone(); }, O().forward_only());
  op({{100}}, "lambda x: torch.where(x > 0.5, 4, 2).type(torch.int32)",
     [](T x) { return (x > 0.5).where(4, 2).clone(); }, O().forward_only());
  for (const Shapes& shps : {Shapes{{8}, {1}, {1}}, Shapes{{10, 10}, {10}, {10}}, Shapes{{100}, {100}, {100}},
                             Shapes{{10, 10}, {10, 10}, {10, 10}}})
    op(shps, "lambda x, a, b: torch.where(x > 0.5, a, b)", [](T x, T a, T b) { return (x > 0.5).where(a, b); },
       O().forward_only());
}

TG_OPS_TEST(where_permute) {
  op({{5, 5}}, "lambda x: torch.where(x > 0.5, 4, 2).type(torch.int32).permute((1, 0))",
     [](T x) { return (x > 0.5).where(4, 2).clone().permute({1, 0}); }, O().forward_only());
}

namespace {
// tinygrad's _test_cmp. `py` is the Python operator; fn(x, y), const_right(x) = fn(x, 2) and
// const_left(y) = fn(2, y) (written with the mirrored operator: C++ has no scalar-on-the-left
// comparison, as tinygrad's reverse case resolves to the reflected method too).
template <typename F, typename R, typename L>
void test_cmp(const std::string& py, F fn, R const_right, L const_left, bool reverse) {
  const std::string f = "lambda x,y: x" + py + "y";
  op({}, f, fn, O().forward_only().vals("[[0.,1,2], [2.,1,0]]"));
  op({}, f, fn, O().forward_only().vals("[[0,1,2], [2,1,0]]"));
  op({}, f, fn, O().forward_only().vals("[[True, True, False], [False,True,False]]"));
  for (const Shapes& shps : {Shapes{{3, 4, 5}, {3, 4, 5}}, Shapes{{3, 4, 5}, {5}}, Shapes{{5}, {3, 4, 5}}})
    op(shps, f, fn, O().forward_only());
  op({}, "lambda x,y: x" + py + "2", [const_right](T x, T) { return const_right(x); },
     O().forward_only().vals("[[0.,1,2], [2.,1,0]]"));
  if (reverse)
    op({}, "lambda x,y: 2" + py + "y", [const_left](T, T y) { return const_left(y); },
       O().forward_only().vals("[[0.,1,2], [2.,1,0]]"));
  const char* specials[] = {"0.0", "1.0", "-1.0", "math.inf", "-math.inf"};
  for (const char* s0 : specials)
    for (const char* s1 : specials)
      op({}, f, fn, O().forward_only().vals(std::string("[[") + s0 + "], [" + s1 + "]]"));
}
}  // namespace

TG_OPS_TEST(cmp_eq) {
  test_cmp("==", [](T x, T y) { return x == y; }, [](T x) { return x == 2; }, [](T y) { return y == 2; }, false);
}
TG_OPS_TEST(cmp_gt) {
  test_cmp(">", [](T x, T y) { return x > y; }, [](T x) { return x > 2; }, [](T y) { return y < 2; }, true);
}
TG_OPS_TEST(cmp_ge) {
  test_cmp(">=", [](T x, T y) { return x >= y; }, [](T x) { return x >= 2; }, [](T y) { return y <= 2; }, true);
}
TG_OPS_TEST(cmp_lt) {
  test_cmp("<", [](T x, T y) { return x < y; }, [](T x) { return x < 2; }, [](T y) { return y > 2; }, true);
}
TG_OPS_TEST(cmp_le) {
  test_cmp("<=", [](T x, T y) { return x <= y; }, [](T x) { return x <= 2; }, [](T y) { return y >= 2; }, true);
}

// tinygrad draws randn(4) and compares the gradient with rtol 1e-5; here the inputs are drawn the
// harness's way (uniform in [-2, 2)), with the same tolerance.
TG_OPS_TEST(cmp_ne_backwards) {
  op({{4}}, "lambda t: t*(t != 0)", [](T t) { return t * (t != 0); }, O().grad_atol(0).grad_rtol(1e-5));
}
TG_OPS_TEST(cmp_lt_backwards) {
  op({{4}}, "lambda t: t*(t < 0)", [](T t) { return t * (t < 0); }, O().grad_atol(0).grad_rtol(1e-5));
}
