#pragma once
// tinygrad's test/backend/test_ops.py, ported: the harness.
//
// tinygrad checks every op against PyTorch with helper_test_op(shapes, torch_fxn, tinygrad_fxn,
// atol, rtol, grad_atol, grad_rtol, forward_only, vals, low, high): inputs drawn by
// np.random.seed(0); np.random.uniform(low, high, shape) as float32 (or given as `vals`), the
// forward result compared with assert_allclose (ints exactly), then the gradient of
// fxn(*inputs).sum() with respect to every input.
//
// Here a test is written once, in C++, with the PyTorch side as Python source:
//
//   TG_OPS_TEST(add) {
//     op({{45, 68}, {45, 68}}, "lambda x,y: x+y", [](T x, T y) { return x + y; });
//     op({}, "lambda: torch.full((45,65), 4, dtype=torch.int32)", [] { return Tensor::full({45, 65}, 4); },
//        O().forward_only());
//   }
//
// The same body runs in two modes. `test_tinygrad_ops --dump-cases` runs every body with op()
// only recording its case (shapes, ranges, the torch source) and prints them as JSON;
// torch_reference.py (the ctest fixture TinygradOps.reference) draws the inputs exactly as
// tinygrad does, runs PyTorch forward and backward, and writes one reference file per test.
// Each TEST (its own process under ctest) then runs its body for real: op() reads its case's
// inputs, outputs and gradients from the file and compares tg's with tinygrad's tolerances.
//
// The tests live in ops_*.cpp in test_ops.py's order; waiting.cpp lists every test tg cannot
// run yet with the feature it waits for, and a partly ported test (TG_OPS_PARTIAL) names what
// its missing cases wait for. The two together cover test_ops.py's 427 tests
// (TinygradOpsSuite.CoversEveryTinygradTest); `test_tinygrad_ops --count` prints
// "tinygrad test_ops: N ported, M waiting".
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <tg/tg.hpp>

namespace tgops {

using tg::Tensor;
using T = const tg::Tensor&;
using Shapes = std::vector<std::vector<int64_t>>;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// helper_test_op's keyword arguments, with its defaults; chain the ones a case changes:
// O().atol(1e-4).low(0).forward_only().
struct O {
  double atol_ = 1e-6, rtol_ = 1e-3, grad_atol_ = 1e-4, grad_rtol_ = 1e-3;
  double low_ = -2, high_ = 2;
  bool forward_only_ = false;
  std::string vals_;  // Python source of the `vals` list; empty: inputs drawn from `shapes`
  // Python source of a list of tensors both sides get after the inputs, with no gradient (an
  // index tensor, class targets); int64 ones reach tg as int32, as tinygrad converts them.
  std::string consts_;
  O& atol(double v) { atol_ = v; return *this; }
  O& rtol(double v) { rtol_ = v; return *this; }
  O& grad_atol(double v) { grad_atol_ = v; return *this; }
  O& grad_rtol(double v) { grad_rtol_ = v; return *this; }
  O& low(double v) { low_ = v; return *this; }
  O& high(double v) { high_ = v; return *this; }
  O& forward_only(bool v = true) { forward_only_ = v; return *this; }
  O& vals(std::string src) { vals_ = std::move(src); return *this; }
  O& consts(std::string src) { consts_ = std::move(src); return *this; }
};

// Inputs given as values (tinygrad's vals=...): V("[[1., 2.], 3.]").
inline O V(std::string src) { return O().vals(std::move(src)); }

// helper_test_exception's defaults differ: low -1.5, high 1.5.
inline O E() { return O().low(-1.5).high(1.5); }

namespace detail {
// Calls f with the inputs spread as arguments (0 to 5 of them) or as the vector itself.
template <typename F>
Fn adapt(F f) {
  return [f](const std::vector<Tensor>& x) -> Tensor {
    if constexpr (std::is_invocable_v<F, const std::vector<Tensor>&>) return f(x);
    else if constexpr (std::is_invocable_v<F>) return f();
    else if constexpr (std::is_invocable_v<F, T>) return f(x.at(0));
    else if constexpr (std::is_invocable_v<F, T, T>) return f(x.at(0), x.at(1));
    else if constexpr (std::is_invocable_v<F, T, T, T>) return f(x.at(0), x.at(1), x.at(2));
    else if constexpr (std::is_invocable_v<F, T, T, T, T>) return f(x.at(0), x.at(1), x.at(2), x.at(3));
    else return f(x.at(0), x.at(1), x.at(2), x.at(3), x.at(4));
  };
}
void op_impl(const Shapes& shapes, const std::string& torch_src, Fn fn, const O& o);
void raises_impl(const Shapes& shapes, const std::string& torch_src, Fn fn, const char* expected, const O& o);
}  // namespace detail

// helper_test_op: tg's fn against torch_src (a Python lambda; `torch`, `np`, `math` are in scope).
template <typename F>
void op(const Shapes& shapes, const std::string& torch_src, F fn, const O& o = O()) {
  detail::op_impl(shapes, torch_src, detail::adapt(std::move(fn)), o);
}
// helper_test_exception: torch_src must raise `expected` (a Python exception class name) and
// tg's fn must throw tg::Error.
template <typename F>
void raises(const Shapes& shapes, const std::string& torch_src, F fn, const char* expected, const O& o = E()) {
  detail::raises_impl(shapes, torch_src, detail::adapt(std::move(fn)), expected, o);
}

// Checks of tg alone inside a test with op() cases (tinygrad's asserts that involve no PyTorch):
// run when the test runs, skipped by --dump-cases.
void tg_only(const std::function<void()>& checks);

// The registry: every tinygrad test with a body here (name without "test_"). A test that checks
// tg against PyTorch uses op()/raises(); a plain one (no PyTorch in it) checks tg alone and its
// body is not run by --dump-cases. A partial one runs the cases tg can run today and counts as
// waiting (for `waits_for`) until the rest can be ported.
bool register_test(const char* name, void (*body)(), bool plain, const char* waits_for);
void run_test(const char* name, void (*body)());

// Tests tinygrad has that tg cannot run yet: the tinygrad name (without "test_") and the feature
// it waits for. Defined in waiting.cpp.
struct Waiting {
  const char* name;
  const char* waits_for;
};
const std::vector<Waiting>& waiting_tests();

}  // namespace tgops

#define TGOPS_DEFINE(name, plain, waits_for)                                               \
  static void tgops_body_##name();                                                         \
  [[maybe_unused]] static const bool tgops_registered_##name =                             \
      ::tgops::register_test(#name, &tgops_body_##name, plain, waits_for);                 \
  TEST(TinygradOps, name) { ::tgops::run_test(#name, &tgops_body_##name); }                \
  static void tgops_body_##name()

// A ported tinygrad test: TG_OPS_TEST(add) is tinygrad's test_add, ctest's TinygradOps.add.
#define TG_OPS_TEST(name) TGOPS_DEFINE(name, false, nullptr)
// One that checks tg alone (tinygrad's assertRaises on tinygrad only, or numpy comparisons).
#define TG_OPS_PLAIN(name) TGOPS_DEFINE(name, true, nullptr)
// One whose cases are ported only in part: counted as waiting for `feature`.
#define TG_OPS_PARTIAL(name, feature) TGOPS_DEFINE(name, false, feature)
#define TG_OPS_PARTIAL_PLAIN(name, feature) TGOPS_DEFINE(name, true, feature)
