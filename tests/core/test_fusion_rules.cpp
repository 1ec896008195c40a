// The fusion rules (core/src/schedule/fusion_rules.hpp), one by one: for each, a small graph
// that rule decides, proven by the rule's decision count (fusion_rule_count), the kernels the
// realize launches (tg::runtime_stats) and the values against a plain computation. Rules that
// test_fusion.cpp already proves so are listed with its test instead (kProvenBy), and every rule
// of the table must be listed there.
// Each test's graph has shapes of its own: a graph like an earlier one would replay that one's
// schedule, lowering nothing, and no rule would be asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "schedule/fusion_rules.hpp"
#include "tg_test_util.hpp"

using tg::Tensor;
using tg::detail::Rule;
using tgtest::all_close;

namespace {

// Where each rule of the table is proven: a test of this file (FusionRule.Name) or of
// test_fusion.cpp (which checks the rule decided, too). Each name once.
const std::vector<std::pair<std::string, std::string>> kProvenBy = {
    {"realized-is-loaded", "FusionRule.RealizedIsLoaded"},
    {"copy", "FusionRule.Copy"},
    {"contiguous", "FusionRule.Contiguous"},
    {"scatter", "FusionRule.Scatter"},
    {"sort", "FusionRule.Sort"},
    {"elementwise-fuses", "test_fusion.cpp Fusion.TenOpElementwiseChainIsOneKernel"},
    {"reduce-in-scatter", "FusionRule.ReduceInScatter"},
    {"reduce-of-other-shape", "test_fusion.cpp Fusion.NestedReducesOverTheSameAxesAreOneKernel"},
    {"reduce-of-same-shape", "test_fusion.cpp Fusion.NestedReducesOverTheSameAxesAreOneKernel"},
    {"reduce-fuses", "test_fusion.cpp Fusion.ElementwiseIntoReduceIsOneKernel"},
    {"gather-in-reduce", "FusionRule.GatherInReduce"},
    {"gather-fuses", "FusionRule.GatherFuses"},
    {"gather-table-not-viewable", "FusionRule.GatherTableNotViewable"},
    {"gather-index-with-reduce", "FusionRule.GatherIndexWithReduce"},
    {"other-root-stored", "test_fusion.cpp Fusion.AnSgdMomentumStepIsOneKernel"},
    {"movement-folds-into-view", "FusionRule.MovementFoldsIntoView"},
    {"movement-not-viewable", "FusionRule.MovementNotViewable"},
    {"squeeze-of-reduced", "test_fusion.cpp Fusion.ReduceThenElementwiseIsOneKernel"},
    {"nested-reduce-spreads", "test_fusion.cpp Fusion.NestedReducesOverTheSameAxesAreOneKernel"},
    {"movement-of-reduced", "FusionRule.MovementOfReduced"},
    {"window-of-computed", "FusionRule.WindowOfComputed"},
    {"window-of-padded-computed", "FusionRule.WindowOfPaddedComputed"},
    {"recomputed-scalar", "FusionRule.RecomputedScalar"},
    {"broadcast-of-computed", "FusionRule.BroadcastOfComputed"},
    {"pad-of-computed", "test_fusion.cpp Fusion.APadOfAComputedValueIsComputedInThePaddedKernel"},
    {"movement-through-elementwise", "FusionRule.MovementThroughElementwise"},
    {"finer-space", "test_fusion.cpp Fusion.AReshapeThatMergesABroadcastRunsInTheSplitSpace"},
};

// A realized float32 tensor of the given shape with values that are not all alike.
Tensor realized(tg::Shape shape, float offset = 0.f) {
  std::vector<float> v;
  for (int64_t i = 0; i < shape.numel(); ++i) v.push_back(static_cast<float>((i * 5) % 11) * 0.2f - 0.9f + offset);
  Tensor t(v, shape);
  t.realize();
  tg::synchronize();
  return t;
}

Tensor realized_int(const std::vector<int32_t>& v, tg::Shape shape) {
  Tensor t(v, shape);
  t.realize();
  tg::synchronize();
  return t;
}

// What TG_DEBUG=4 printed during the last kernels_of: the schedules built, with the rule at
// each boundary.
std::string g_log;

// The kernels `fn` launches, with the rules' counts reset before it (and its log in g_log).
template <typename F>
uint64_t kernels_of(F&& fn) {
  tg::synchronize();
  tg::reset_runtime_stats();
  tg::detail::reset_fusion_rule_counts();
  const char* debug = std::getenv("TG_DEBUG");
  const std::string old = debug ? debug : "";
  setenv("TG_DEBUG", "4", 1);
  ::testing::internal::CaptureStderr();
  fn();
  tg::synchronize();
  g_log = ::testing::internal::GetCapturedStderr();
  if (debug) setenv("TG_DEBUG", old.c_str(), 1);
  else unsetenv("TG_DEBUG");
  return tg::runtime_stats().kernels_launched;
}

::testing::AssertionResult rule_decided(Rule r) {
  if (tg::detail::fusion_rule_count(r) > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rule " << tg::detail::rule_name(r) << " decided nothing";
}

// Whether the printed schedule names rule r at an item it made (a rule that ends a kernel).
::testing::AssertionResult boundary_named(Rule r) {
  if (g_log.find("[rule: " + std::string(tg::detail::rule_name(r)) + "]") != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no schedule item names " << tg::detail::rule_name(r) << " in:\n" << g_log;
}

// f applied to each element of t.
std::vector<double> each(const Tensor& t, const std::function<double(double)>& f) {
  std::vector<double> out;
  for (double x : t.to_vector<double>()) out.push_back(f(x));
  return out;
}

}  // namespace

TEST(FusionRule, EveryRuleIsProvenOnce) {
  std::set<std::string> listed, tests_here;
  const ::testing::UnitTest& u = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < u.total_test_suite_count(); ++i)
    for (int j = 0; j < u.GetTestSuite(i)->total_test_count(); ++j)
      tests_here.insert(std::string(u.GetTestSuite(i)->name()) + "." + u.GetTestSuite(i)->GetTestInfo(j)->name());
  for (const auto& [name, test] : kProvenBy) {
    EXPECT_TRUE(listed.insert(name).second) << name << " is listed twice";
    const bool in_table = std::any_of(tg::detail::kFusionRules.begin(), tg::detail::kFusionRules.end(),
                                      [&](const tg::detail::FusionRule& r) { return r.name == name; });
    EXPECT_TRUE(in_table) << name << " is not a rule of kFusionRules";
    if (test.rfind("test_fusion.cpp ", 0) != 0) {
      EXPECT_TRUE(tests_here.count(test)) << name << ": no test " << test;
    }
  }
  for (const tg::detail::FusionRule& r : tg::detail::kFusionRules) {
    EXPECT_TRUE(listed.count(std::string(r.name))) << "rule " << r.name << " has no test";
    EXPECT_FALSE(r.reason.empty()) << r.name;
  }
}

// A realized value is read by the kernels after it, not computed again.
TEST(FusionRule, RealizedIsLoaded) {
  Tensor a = realized({3, 7});
  Tensor b = (a * 2).realize();
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (b + b.exp()).realize(); }), 1u);
  EXPECT_TRUE(rule_decided(Rule::realized_is_loaded));
  EXPECT_TRUE(all_close(out, each(a, [](double x) { return 2 * x + std::exp(2 * x); })));
}

// (a * 2) on one device, copied to another, + 1 there: the copy ends the first kernel.
TEST(FusionRule, Copy) {
  const std::string here = tg::Device::default_device();
  std::string there;
  for (const tg::DeviceInfo& d : tg::devices()) {
    const std::string name = d.name + ":" + std::to_string(d.index);
    if (d.available && name != here) there = name;
  }
  if (there.empty()) GTEST_SKIP() << "a copy needs a second device; only " << here << " is available";
  Tensor a = realized({2, 9});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = ((a * 2).to(there) + 1).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::copy));
  EXPECT_TRUE(boundary_named(Rule::copy));
  EXPECT_EQ(out.device(), there);
  EXPECT_TRUE(all_close(out, each(a, [](double x) { return 2 * x + 1; })));
}

TEST(FusionRule, Contiguous) {
  Tensor a = realized({4, 7});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = ((a * 2).contiguous() + 1).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::contiguous));
  EXPECT_TRUE(boundary_named(Rule::contiguous));
  EXPECT_TRUE(all_close(out, each(a, [](double x) { return 2 * x + 1; })));
}

// x.scatter_add(...) * 2: the scatter's two kernels (start value, adds), then the product's.
TEST(FusionRule, Scatter) {
  Tensor x = realized({5, 3}), src = realized({2, 3}, 0.4f);
  Tensor idx = realized_int({4, 0, 2, 1, 4, 0}, {2, 3});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (x.scatter_add(0, idx, src) * 2).realize(); }), 3u);
  EXPECT_TRUE(rule_decided(Rule::scatter));
  EXPECT_TRUE(boundary_named(Rule::scatter));
  std::vector<double> want = x.to_vector<double>();
  const std::vector<double> sv = src.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) want[iv[i * 3 + j] * 3 + j] += sv[i * 3 + j];
  for (double& w : want) w *= 2;
  EXPECT_TRUE(all_close(out, want));
}

// argsort(a) + 1: the sort is a step of its own (no kernel), then the sum's kernel.
TEST(FusionRule, Sort) {
  Tensor a = realized({3, 6});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (a.argsort(1) + 1).realize(); }), 1u);
  EXPECT_TRUE(rule_decided(Rule::sort));
  EXPECT_TRUE(boundary_named(Rule::sort));
  const std::vector<float> av = a.to_vector<float>();
  std::vector<double> want;
  for (int r = 0; r < 3; ++r) {
    std::vector<int> order(6);
    for (int j = 0; j < 6; ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(), [&](int p, int q) { return av[r * 6 + p] < av[r * 6 + q]; });
    for (int j : order) want.push_back(j + 1);
  }
  EXPECT_TRUE(all_close(out, want));
}

// The values a scatter adds hold a sum: the sum is a kernel before the adding one (which has no
// reduce), so three kernels: the start value, the sum, the adds.
TEST(FusionRule, ReduceInScatter) {
  Tensor x = realized({4, 5}), b = realized({2, 7}, 0.2f);
  Tensor idx = realized_int({3, 1, 0, 3, 2, 1, 1, 0, 3, 2}, {2, 5});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = x.scatter_add(0, idx, b.sum(1, true).expand({2, 5})).realize(); }), 3u);
  EXPECT_TRUE(rule_decided(Rule::reduce_in_scatter));
  EXPECT_TRUE(boundary_named(Rule::reduce_in_scatter));
  std::vector<double> want = x.to_vector<double>();
  const std::vector<double> bv = b.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  for (int i = 0; i < 2; ++i) {
    double s = 0;
    for (int k = 0; k < 7; ++k) s += bv[i * 7 + k];
    for (int j = 0; j < 5; ++j) want[iv[i * 5 + j] * 5 + j] += s;
  }
  EXPECT_TRUE(all_close(out, want));
}

// The same under a DETACH root (an optimizer's step realizes its gradients so): nothing holds
// the sum but the scatter, and the schedule lets go of what nothing still to come reads. The
// sum, computed after the start value, is read by the adds: it must stay until they ran.
TEST(FusionRule, ReduceInScatterStaysUntilTheAdds) {
  Tensor x = realized({4, 6}), b = realized({2, 8}, 0.3f);
  Tensor idx = realized_int({3, 1, 0, 3, 2, 1, 1, 0, 3, 2, 0, 1}, {2, 6});
  Tensor out = x.scatter_add(0, idx, (b.exp() * 2).sum(1, true).expand({2, 6}) * 3).detach();
  EXPECT_EQ(kernels_of([&] { out.realize(); }), 3u);
  EXPECT_TRUE(rule_decided(Rule::reduce_in_scatter));
  std::vector<double> want = x.to_vector<double>();
  const std::vector<double> bv = b.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  for (int i = 0; i < 2; ++i) {
    double s = 0;
    for (int k = 0; k < 8; ++k) s += 2 * std::exp(bv[i * 8 + k]);
    for (int j = 0; j < 6; ++j) want[iv[i * 6 + j] * 6 + j] += 3 * s;
  }
  EXPECT_TRUE(all_close(out, want));
}

// The same with the reduce computed before the start value, by another root (tg bench gpt: the
// input's gradient, read by wpe's update, then scattered into wte's gradient): the start kernel
// does not end the scatter, so the reduce's buffer stays for the adds and is not computed again
// (the code before the schedule let it go there and ran it a second time, 6 kernels).
TEST(FusionRule, ReduceReadBeforeTheScatterIsNotComputedAgain) {
  Tensor x = realized({4, 6}), b = realized({2, 8}, 0.3f), w = realized({2, 6}, 0.1f);
  Tensor idx = realized_int({3, 1, 0, 3, 2, 1, 1, 0, 3, 2, 0, 1}, {2, 6});
  std::vector<Tensor> roots;
  {  // (no handle on the reduce: it may be let go once nothing still to run reads it)
    Tensor v = (b.exp() * 2).sum(1, true).expand({2, 6}) * w;
    roots = {(x.scatter_add(0, idx, v * 3) + 1).detach(), (v * v).sum(0).detach()};
  }
  // the reduce, the other root, the start value, the adds, the +1
  EXPECT_EQ(kernels_of([&] { tg::realize(roots); }), 5u);
  std::vector<double> want = x.to_vector<double>(), other(6, 0.0);
  const std::vector<double> bv = b.to_vector<double>(), wv = w.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  for (int i = 0; i < 2; ++i) {
    double s = 0;
    for (int k = 0; k < 8; ++k) s += 2 * std::exp(bv[i * 8 + k]);
    for (int j = 0; j < 6; ++j) {
      want[iv[i * 6 + j] * 6 + j] += 3 * s * wv[i * 6 + j];
      other[j] += s * wv[i * 6 + j] * s * wv[i * 6 + j];
    }
  }
  for (double& v : want) v += 1;
  EXPECT_TRUE(all_close(roots[0], want));
  EXPECT_TRUE(all_close(roots[1], other));
}

// A gather inside a sum's source is realized first: two kernels.
TEST(FusionRule, GatherInReduce) {
  Tensor t = realized({6, 4});
  Tensor idx = realized_int({5, 0, 3, 3, 1, 2, 0, 4}, {2, 4});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = t.gather(0, idx).exp().sum(1).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::gather_in_reduce));
  EXPECT_TRUE(boundary_named(Rule::gather_in_reduce));
  const std::vector<double> tv = t.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  std::vector<double> want(2, 0.0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) want[i] += std::exp(tv[iv[i * 4 + j] * 4 + j]);
  EXPECT_TRUE(all_close(out, want));
}

// A gather of a realized table, and what follows it: one kernel.
TEST(FusionRule, GatherFuses) {
  Tensor t = realized({7, 3});
  Tensor idx = realized_int({6, 0, 2, 1, 1, 5}, {2, 3});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (t.gather(0, idx) * 2 + 1).realize(); }), 1u);
  EXPECT_TRUE(rule_decided(Rule::gather_fuses));
  const std::vector<double> tv = t.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  std::vector<double> want;
  for (int i = 0; i < 6; ++i) want.push_back(2 * tv[iv[i] * 3 + i % 3] + 1);
  EXPECT_TRUE(all_close(out, want));
}

// A gather of a computed table: the table is a kernel, then the gather.
TEST(FusionRule, GatherTableNotViewable) {
  Tensor t = realized({8, 3});
  Tensor idx = realized_int({7, 0, 2, 1, 1, 5}, {2, 3});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (t * 2).exp().gather(0, idx).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::gather_table_not_viewable));
  EXPECT_TRUE(boundary_named(Rule::gather_table_not_viewable));
  const std::vector<double> tv = t.to_vector<double>();
  const std::vector<int32_t> iv = idx.to_vector<int32_t>();
  std::vector<double> want;
  for (int i = 0; i < 6; ++i) want.push_back(std::exp(2 * tv[iv[i] * 3 + i % 3]));
  EXPECT_TRUE(all_close(out, want));
}

// A gather whose index is a sum: the sum is a kernel, then the gather.
TEST(FusionRule, GatherIndexWithReduce) {
  Tensor t = realized({9, 3});
  Tensor b(std::vector<float>{0, 1, 1, 2, 1, 5}, tg::Shape({2, 3}));
  b.realize();
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = t.gather(0, b.sum(1, true).cast(tg::DType::int32)).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::gather_index_with_reduce));
  EXPECT_TRUE(boundary_named(Rule::gather_index_with_reduce));
  const std::vector<double> tv = t.to_vector<double>();
  EXPECT_TRUE(all_close(out, {tv[2 * 3], tv[8 * 3]}));
}

// A permute and a flip of a load are its view: one kernel.
TEST(FusionRule, MovementFoldsIntoView) {
  Tensor a = realized({3, 8});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (a.permute({1, 0}).flip({0}) + 1).realize(); }), 1u);
  EXPECT_TRUE(rule_decided(Rule::movement_folds_into_view));
  const std::vector<double> av = a.to_vector<double>();
  std::vector<double> want;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 3; ++j) want.push_back(av[j * 8 + (7 - i)] + 1);
  EXPECT_TRUE(all_close(out, want));
}

// A permuted load reshaped across its strides (10, 3) -> (6, 5) is no view of the memory (nor
// a finer space: no split of (6, 5) splits (10, 3)): the permuted value is a kernel of its own
// (a copy), then the sum.
TEST(FusionRule, MovementNotViewable) {
  Tensor a = realized({3, 10});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (a.permute({1, 0}).reshape({6, 5}) + 1).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::movement_not_viewable));
  EXPECT_TRUE(boundary_named(Rule::movement_not_viewable));
  const std::vector<double> av = a.to_vector<double>();
  std::vector<double> want;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 3; ++j) want.push_back(av[j * 10 + i] + 1);
  EXPECT_TRUE(all_close(out, want));
}

// A flip of a sum needs it at indices its loop does not give: the sum is a kernel, then the flip.
TEST(FusionRule, MovementOfReduced) {
  Tensor a = realized({5, 4});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (a.sum(1).flip({0}) * 2).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::movement_of_reduced));
  EXPECT_TRUE(boundary_named(Rule::movement_of_reduced));
  const std::vector<double> av = a.to_vector<double>();
  std::vector<double> want;
  for (int i = 4; i >= 0; --i) {
    double s = 0;
    for (int j = 0; j < 4; ++j) s += av[i * 4 + j];
    want.push_back(2 * s);
  }
  EXPECT_TRUE(all_close(out, want));
}

// A WINDOW is built only for a device that runs convolutions itself (TG_FAST_CONV: onednn); on
// the others a convolution is a gather of patches (im2col) and no window rule is asked.
bool runs_convolutions() {
  const char* options = std::getenv("TG_PLUGIN_OPTIONS_ONEDNN");
  return tg::Device::default_device().rfind("onednn", 0) == 0 &&
         (!options || std::string(options).find("conv=0") == std::string::npos);
}

// out[o, p, q] = sum over c, r, t of x[c, p + r - pad, q + t - pad] * w[o, c, r, t] (batch 1).
std::vector<double> conv_of(const std::vector<double>& x, const std::vector<double>& w, int c, int h, int wd, int o,
                            int k, int pad) {
  const int oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1;
  std::vector<double> out(static_cast<size_t>(o * oh * ow), 0.0);
  for (int a = 0; a < o; ++a)
    for (int p = 0; p < oh; ++p)
      for (int q = 0; q < ow; ++q)
        for (int ch = 0; ch < c; ++ch)
          for (int r = 0; r < k; ++r)
            for (int t = 0; t < k; ++t) {
              const int y = p + r - pad, z = q + t - pad;
              if (y >= 0 && y < h && z >= 0 && z < wd)
                out[(a * oh + p) * ow + q] += x[(ch * h + y) * wd + z] * w[((a * c + ch) * k + r) * k + t];
            }
  return out;
}

// A convolution of exp(x): its windows repeat elements, so exp(x) is computed once, as a kernel
// of its own, then viewed: one kernel more than the convolution of a realized input.
TEST(FusionRule, WindowOfComputed) {
  Tensor x = realized({1, 2, 5, 6}), w = realized({3, 2, 2, 2}, 0.3f), e = realized({1, 2, 5, 6}, 0.1f);
  const uint64_t conv_alone = kernels_of([&] { e.conv2d(w).realize(); });
  Tensor out;
  const uint64_t kernels = kernels_of([&] { out = x.exp().conv2d(w).realize(); });
  std::vector<double> xe = each(x, [](double v) { return std::exp(v); });
  EXPECT_TRUE(all_close(out, conv_of(xe, w.to_vector<double>(), 2, 5, 6, 3, 2, 0)));
  if (!runs_convolutions()) GTEST_SKIP() << "no WINDOW on " << tg::Device::default_device() << " (values checked)";
  EXPECT_TRUE(rule_decided(Rule::window_of_computed));
  EXPECT_TRUE(boundary_named(Rule::window_of_computed));
  EXPECT_EQ(kernels, conv_alone + 1);
}

// A padded convolution of exp(x): on a device with linear masks (onednn) exp(x) is realized
// unpadded and the windows view its padding in place: one kernel more than the convolution of a
// realized input (which pads nothing itself, its padding being viewed the same way).
TEST(FusionRule, WindowOfPaddedComputed) {
  Tensor x = realized({1, 3, 4, 5}), w = realized({2, 3, 3, 3}, 0.2f), e = realized({1, 3, 4, 5}, 0.1f);
  const uint64_t conv_alone = kernels_of([&] { e.conv2d(w, std::nullopt, 1, 1).realize(); });
  Tensor out;
  const uint64_t kernels = kernels_of([&] { out = x.exp().conv2d(w, std::nullopt, 1, 1).realize(); });
  std::vector<double> xe = each(x, [](double v) { return std::exp(v); });
  EXPECT_TRUE(all_close(out, conv_of(xe, w.to_vector<double>(), 3, 4, 5, 2, 3, 1)));
  if (!runs_convolutions()) GTEST_SKIP() << "no WINDOW on " << tg::Device::default_device() << " (values checked)";
  EXPECT_TRUE(rule_decided(Rule::window_of_padded_computed));
  EXPECT_TRUE(boundary_named(Rule::window_of_padded_computed));
  EXPECT_EQ(kernels, conv_alone + 1);
}

// a * (1 / (1 - c^2)), c one element: the scalar is computed at every element, in one kernel.
TEST(FusionRule, RecomputedScalar) {
  Tensor a = realized({4, 9}), c = realized({1, 1}, 1.2f);
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (a * (1 - c * c).reciprocal()).realize(); }), 1u);
  EXPECT_TRUE(rule_decided(Rule::recomputed_scalar));
  const double cv = c.to_vector<double>()[0];
  EXPECT_TRUE(all_close(out, each(a, [&](double x) { return x / (1 - cv * cv); })));
}

// a + exp(b), b a column: exp(b) is a kernel, computed once per row, then the broadcast sum.
TEST(FusionRule, BroadcastOfComputed) {
  Tensor a = realized({5, 7}), b = realized({5, 1}, 0.1f);
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = (a + b.exp()).realize(); }), 2u);
  EXPECT_TRUE(rule_decided(Rule::broadcast_of_computed));
  EXPECT_TRUE(boundary_named(Rule::broadcast_of_computed));
  const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> want;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 7; ++j) want.push_back(av[i * 7 + j] + std::exp(bv[i]));
  EXPECT_TRUE(all_close(out, want));
}

// A permute of exp(a) * 2 is pushed through to the load: one kernel.
TEST(FusionRule, MovementThroughElementwise) {
  Tensor a = realized({4, 11});
  Tensor out;
  EXPECT_EQ(kernels_of([&] { out = ((a.exp() * 2).permute({1, 0}) + 1).realize(); }), 1u);
  EXPECT_TRUE(rule_decided(Rule::movement_through_elementwise));
  const std::vector<double> av = a.to_vector<double>();
  std::vector<double> want;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 4; ++j) want.push_back(2 * std::exp(av[j * 11 + i]) + 1);
  EXPECT_TRUE(all_close(out, want));
}
