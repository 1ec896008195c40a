// tinygrad test_ops.py, from test_min to test_logsumexp: min/max, any/all, mean, var, std,
// softmax and log_softmax, logsumexp.
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;

TG_OPS_TEST(min) {
  op({{3, 3}}, "lambda x: x.min()", [](T x) { return x.min(); });
  op({{45, 3}}, "lambda x: x.min()", [](T x) { return x.min(); });
  op({{45, 3}}, "lambda x: x.min().mul(0.5)", [](T x) { return x.min().mul(Tensor(0.5f)); });
  op({{}}, "lambda x: x.min()", [](T x) { return x.min(); });
  for (const char* v : {"[[0, -2**31]]", "[[-2**31, 0]]", "[[False, True]]", "[[True, False]]"})
    op({}, "lambda x: x.min()", [](T x) { return x.min(); }, V(v).forward_only());
}

TG_OPS_TEST(max) {
  op({{45, 3}}, "lambda x: x.max()", [](T x) { return x.max(); });
  op({{45, 3}}, "lambda x: x.max().mul(0.5)", [](T x) { return x.max() * 0.5; });
  op({}, "lambda x: x.max().mul(0.5)", [](T x) { return x.max() * 0.5; }, V("[[[1.0,1.0,0.0,1.0]],]"));
  op({{3, 4, 5, 6}}, "lambda x: x.max(axis=1)[0]", [](T x) { return x.max(1); });
  op({{}}, "lambda x: x.max()", [](T x) { return x.max(); });
  for (const char* v : {"[[0, -2**31]]", "[[-2**31, 0]]", "[[False, True]]", "[[True, False]]"})
    op({}, "lambda x: x.max()", [](T x) { return x.max(); }, V(v).forward_only());
}

TG_OPS_TEST(const_reduce) {
  op({{3, 3}}, "lambda x: torch.full_like(x, 2).sum()", [](T x) { return Tensor::full_like(x, 2).sum(); },
     O().forward_only());
  op({{3, 3}}, "lambda x: torch.full_like(x, 2).prod()", [](T x) { return Tensor::full_like(x, 2).prod(); },
     O().forward_only());
  op({{3, 3}}, "lambda x: torch.full_like(x, 2).max()", [](T x) { return Tensor::full_like(x, 2).max(); },
     O().forward_only());
}

namespace {
template <typename F>
void any_all(const std::string& name, F fn) {
  const std::string src = "lambda x: x." + name + "()";
  op({{3, 4, 5, 6}}, src, fn, O().forward_only());
  op({}, src, fn, V("[[True, True]]").forward_only());
  op({}, src, fn, V("[[True, False]]").forward_only());
  op({}, src, fn, V("[[False, False]]").forward_only());
  op({{}}, src, fn, O().forward_only());
}
}  // namespace

TG_OPS_TEST(any) { any_all("any", [](T x) { return x.any(); }); }
// PyTorch 1.13's any/all take one dim: tinygrad's x.any(axis=(1,2)) as one reduction after another.
TG_OPS_TEST(any_axis) {
  op({{3, 4, 5, 6}}, "lambda x: x.any(2).any(1)", [](T x) { return x.any({1, 2}); }, O().forward_only());
}
TG_OPS_TEST(any_zero_axis) {
  op({{1, 0, 3, 0, 5}}, "lambda x: x.any(3).any(1)", [](T x) { return x.any({1, 3}); }, O().forward_only());
}
TG_OPS_TEST(all) { any_all("all", [](T x) { return x.all(); }); }
TG_OPS_TEST(all_axis) {
  op({{3, 4, 5, 6}}, "lambda x: x.all(2).all(1)", [](T x) { return x.all({1, 2}); }, O().forward_only());
}
TG_OPS_TEST(all_zero_axis) {
  op({{1, 0, 3, 0, 5}}, "lambda x: x.all(3).all(1)", [](T x) { return x.all({1, 3}); }, O().forward_only());
}
TG_OPS_TEST(all_large) {
  for (int e : {15, 16, 20})
    op({}, "lambda: torch.ones(2**" + std::to_string(e) + ").bool().all()",
       [e] { return Tensor::ones({int64_t{1} << e}).cast(DType::bool_).all(); }, V("[]").forward_only());
}

TG_OPS_TEST(mean) {
  op({{3, 4, 5, 6}}, "lambda x: x.mean()", [](T x) { return x.mean(); });
  op({{}}, "lambda x: x.mean()", [](T x) { return x.mean(); });
}
TG_OPS_TEST(mean_axis) { op({{3, 4, 5, 6}}, "lambda x: x.mean(axis=(1,2))", [](T x) { return x.mean({1, 2}); }); }
TG_OPS_TEST(mean_zero_axis) {
  op({{1, 0, 3, 0, 5}}, "lambda x: x.mean(axis=(1,3))", [](T x) { return x.mean({1, 3}); });
}

// var and std share their tests; `name` is "var" or "std". PyTorch 1.13 takes correction= and
// keepdim= only after a dim, so "all dims" is spelled None there (PyTorch 2 needs no dim).
namespace {
Tensor var_or_std(bool is_var, T x, tg::Axes axes, bool keepdim, double correction) {
  return is_var ? x.var(axes, keepdim, correction) : x.std(axes, keepdim, correction);
}
void spread(const std::string& name, const std::string& args, tg::Axes axes, bool keepdim, double correction,
            const Shapes& shapes, const O& o = O()) {
  const bool is_var = name == "var";
  op(shapes, "lambda x: x." + name + "(" + args + ")",
     [=](T x) { return var_or_std(is_var, x, axes, keepdim, correction); }, o);
}
void spread_tests(const std::string& n) {
  const Shapes big{{15, 25, 35}};
  spread(n, "", {}, false, 1, big);
  spread(n, "None, correction=0", {}, false, 0, big);
  spread(n, "None, correction=5", {}, false, 5, big);
}
void spread_axis_tests(const std::string& n) {
  const Shapes big{{15, 25, 35}};
  spread(n, "0", 0, false, 1, big);
  spread(n, "2", 2, false, 1, big);
  spread(n, "[1, 2]", {1, 2}, false, 1, big);
  spread(n, "0, correction=0", 0, false, 0, big);
  spread(n, "2, correction=0", 2, false, 0, big);
  spread(n, "[1, 2], correction=0", {1, 2}, false, 0, big);
}
void spread_zero_in_axis_tests(const std::string& n) {
  const Shapes s{{1, 0, 3, 0, 5}};
  spread(n, "axis=(1,3)", {1, 3}, false, 1, s);
  spread(n, "axis=(1,3), correction=0", {1, 3}, false, 0, s);
  spread(n, "axis=(1,3), correction=5", {1, 3}, false, 5, s);
}
void spread_keepdim_tests(const std::string& n) {
  const Shapes big{{15, 25, 35}};
  spread(n, "None, keepdim=True", {}, true, 1, big);
  spread(n, "0, keepdim=True, correction=0", 0, true, 0, big);
}
}  // namespace

TG_OPS_TEST(var) { spread_tests("var"); }
TG_OPS_TEST(var_axis) { spread_axis_tests("var"); }
TG_OPS_TEST(var_zero_in_axis) { spread_zero_in_axis_tests("var"); }
TG_OPS_TEST(var_one_in_axis) {
  const Shapes s{{1, 2, 3, 1, 5}};
  spread("var", "axis=(0,3)", {0, 3}, false, 1, s);
  spread("var", "axis=(0,3), correction=5", {0, 3}, false, 5, s, O().forward_only());
  spread("var", "axis=(0,4), correction=5", {0, 4}, false, 5, s, O().forward_only());
  spread("var", "axis=(0,), correction=0", {0}, false, 0, {{1}});
  spread("var", "axis=(0,3), correction=0", {0, 3}, false, 0, s);
  spread("var", "axis=(0,4)", {0, 4}, false, 1, s);
  spread("var", "axis=(0,4), correction=0", {0, 4}, false, 0, s);
}
TG_OPS_TEST(var_keepdim) { spread_keepdim_tests("var"); }
TG_OPS_TEST(std) { spread_tests("std"); }
TG_OPS_TEST(std_axis) { spread_axis_tests("std"); }
TG_OPS_TEST(std_zero_in_axis) { spread_zero_in_axis_tests("std"); }
TG_OPS_TEST(std_one_in_axis) {
  const Shapes s{{1, 2, 3, 1, 5}};
  spread("std", "axis=(0,3)", {0, 3}, false, 1, s);
  spread("std", "axis=(0,3), correction=5", {0, 3}, false, 5, s);
  spread("std", "axis=(0,4), correction=5", {0, 4}, false, 5, s);
  spread("std", "axis=(0,), correction=0", {0}, false, 0, {{1}}, O().forward_only());
  spread("std", "axis=(0,3), correction=0", {0, 3}, false, 0, s, O().forward_only());
  spread("std", "axis=(0,4)", {0, 4}, false, 1, s);
  spread("std", "axis=(0,4), correction=0", {0, 4}, false, 0, s);
}
TG_OPS_TEST(std_keepdim) { spread_keepdim_tests("std"); }

TG_OPS_TEST(softmax) {
  const O o = O().atol(1e-7).grad_atol(1e-7);
  op({{45, 65}}, "torch.nn.Softmax(dim=1)", [](T x) { return x.softmax(); }, o);
  op({{45}}, "torch.nn.Softmax(dim=0)", [](T x) { return x.softmax(); }, o);
  op({{}}, "torch.nn.Softmax(dim=0)", [](T x) { return x.softmax(); }, o);
  op({{}}, "torch.nn.Softmax(dim=-1)", [](T x) { return x.softmax(); }, o);
}
TG_OPS_TEST(softmax_other_axis) {
  for (int a : {0, 1, 2})
    op({{10, 10, 10}}, "lambda x: x.softmax(" + std::to_string(a) + ")", [a](T x) { return x.softmax(a); },
       O().atol(1e-7).grad_atol(2e-7));
}
TG_OPS_TEST(softmax_argmax) {
  for (int a : {0, 1})
    op({{45, 65}}, "lambda x: x.softmax(" + std::to_string(a) + ").argmax().type(torch.int32)",
       [a](T x) { return x.softmax(a).argmax(); }, O().forward_only().atol(1e-7).grad_atol(1e-7));
}
TG_OPS_TEST(log_softmax) {
  const O o = O().atol(1e-7).grad_atol(1e-7);
  op({{45, 65}}, "torch.nn.LogSoftmax(dim=1)", [](T x) { return x.log_softmax(); }, o);
  op({{45}}, "torch.nn.LogSoftmax(dim=0)", [](T x) { return x.log_softmax(); }, o);
  op({{}}, "torch.nn.LogSoftmax(dim=0)", [](T x) { return x.log_softmax(); }, o);
  op({{}}, "torch.nn.LogSoftmax(dim=-1)", [](T x) { return x.log_softmax(); }, o);
}
TG_OPS_TEST(log_softmax_other_axis) {
  for (int a : {0, 1, 2})
    op({{10, 10, 10}}, "lambda x: x.log_softmax(" + std::to_string(a) + ")", [a](T x) { return x.log_softmax(a); },
       O().atol(1e-7).grad_atol(1e-7));
}

TG_OPS_TEST(logsumexp) {
  const O o = O().atol(1e-7).grad_atol(1e-7);
  struct C {
    Shapes s;
    int dim;
    bool keepdim;
  };
  for (const C& c : {C{{{45, 65}}, 0, false}, C{{{45, 65}}, 0, true}, C{{{45, 65}}, 1, false}, C{{{45, 65}}, 1, true},
                     C{{{6, 6, 6}}, 2, false}, C{{{6, 6, 6, 6}}, 2, false}, C{{{6, 6, 6, 6}}, 3, false},
                     C{{{45}}, 0, false}, C{{{}}, 0, false}, C{{{}}, -1, false}})
    op(c.s,
       "lambda x: torch.logsumexp(x, dim=" + std::to_string(c.dim) + (c.keepdim ? ", keepdim=True)" : ")"),
       [c](T x) { return x.logsumexp(c.dim, c.keepdim); }, o);
}
