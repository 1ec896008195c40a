// Fusion and caching, proven with tg::runtime_stats(): how many kernels a realize launches and
// how many programs it compiles.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "schedule/fusion_rules.hpp"
#include "tg_test_util.hpp"

using tg::Tensor;
using tg::detail::Rule;
using tgtest::all_close;

namespace {

// A realized float32 tensor of the given shape with values that are not all alike.
Tensor realized(tg::Shape shape, float offset = 0.f) {
  std::vector<float> v;
  for (int64_t i = 0; i < shape.numel(); ++i) v.push_back(static_cast<float>((i * 3) % 7) * 0.25f - 0.6f + offset);
  Tensor t(v, shape);
  t.realize();
  tg::synchronize();
  return t;
}

// Counters for just the work `fn` does (and the fusion rules' decision counts).
template <typename F>
tg::RuntimeStats measure(F&& fn) {
  tg::synchronize();
  tg::reset_runtime_stats();
  tg::detail::reset_fusion_rule_counts();
  fn();
  tg::synchronize();
  return tg::runtime_stats();
}

Tensor ten_op_chain(const Tensor& a) {
  return (((((((((a + 1) * 2) - 0.5f) / 3).exp()) * a).maximum(0.1f)).sqrt()) + a).sigmoid();
}

// Whether rule r (core/src/schedule/fusion_rules.hpp) decided during the last measure: these
// tests prove the rules test_fusion_rules.cpp lists with them.
::testing::AssertionResult rule_decided(Rule r) {
  if (tg::detail::fusion_rule_count(r) > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rule " << tg::detail::rule_name(r) << " decided nothing";
}

}  // namespace

TEST(Fusion, ElementwiseIntoReduceIsOneKernel) {
  Tensor a = realized({4, 4});
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = ((a * 2 + 1).relu()).sum().realize(); });
  EXPECT_EQ(s.kernels_launched, 1u);
  EXPECT_TRUE(rule_decided(Rule::reduce_fuses));
  double want = 0;
  for (float x : a.to_vector<float>()) want += std::max(0.0, 2.0 * x + 1);
  EXPECT_TRUE(all_close(out, {want}));
}

TEST(Fusion, APadOfAComputedValueIsComputedInThePaddedKernel) {
  // The padding of relu(a) * 2 needs no copy of it: one kernel computes the padded sum.
  Tensor a = realized({3, 5});
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = ((a.relu() * 2).pad({{1, 1}, {2, 0}}) + 1).realize(); });
  EXPECT_EQ(s.kernels_launched, 1u);
  EXPECT_TRUE(rule_decided(Rule::pad_of_computed));
  const std::vector<float> av = a.to_vector<float>();
  std::vector<double> want(5 * 7, 1.0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) want[(i + 1) * 7 + j + 2] = 2.0 * std::max(0.0f, av[i * 5 + j]) + 1;
  EXPECT_TRUE(all_close(out, want));
}

TEST(Fusion, APaddedValueIsZeroInThePaddingWhateverItComputesFromZeros) {
  // log(|a| + 0.5) - log(0.5) computed at a padded index reads |0|: the padding still holds 0,
  // not -inf or NaN, and so does what is computed from it after.
  Tensor a = realized({4, 3});
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = ((a.abs() + 0.5f).log().pad({{0, 2}, {1, 1}}) * 3).reciprocal().realize(); });
  EXPECT_EQ(s.kernels_launched, 1u);
  const std::vector<float> av = a.to_vector<float>();
  std::vector<double> want(6 * 5, std::numeric_limits<double>::infinity());  // 1 / (0 * 3)
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) want[i * 5 + j + 1] = 1 / (3 * std::log(std::abs(av[i * 3 + j]) + 0.5));
  EXPECT_TRUE(all_close(out, want));
}

TEST(Fusion, APaddedConvolutionOfARelusOutputRunsNoKernelForTheRelu) {
  // The convolution's padded copy of its input computes the relu itself: as many kernels as
  // the convolution of a realized input takes (2 where the device runs convolutions).
  Tensor x = realized({2, 3, 6, 5}, -0.3f), w = realized({4, 3, 3, 3}, 0.1f);
  Tensor relu = x.relu().realize();
  const uint64_t conv_alone = measure([&] { relu.conv2d(w, std::nullopt, 1, 1).realize(); }).kernels_launched;
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = x.relu().conv2d(w, std::nullopt, 1, 1).realize(); });
  EXPECT_EQ(s.kernels_launched, conv_alone) << "the relu ran as a kernel of its own";
  const std::vector<float> xv = x.to_vector<float>(), wv = w.to_vector<float>();
  std::vector<double> want(2 * 4 * 6 * 5, 0.0);
  for (int b = 0; b < 2; ++b)
    for (int o = 0; o < 4; ++o)
      for (int h = 0; h < 6; ++h)
        for (int v = 0; v < 5; ++v)
          for (int c = 0; c < 3; ++c)
            for (int r = 0; r < 3; ++r)
              for (int t = 0; t < 3; ++t) {
                const int y = h + r - 1, z = v + t - 1;
                if (y < 0 || y >= 6 || z < 0 || z >= 5) continue;
                want[((b * 4 + o) * 6 + h) * 5 + v] +=
                    std::max(0.0f, xv[((b * 3 + c) * 6 + y) * 5 + z]) * static_cast<double>(wv[((o * 3 + c) * 3 + r) * 3 + t]);
              }
  EXPECT_TRUE(all_close(out, want));
}

TEST(Fusion, TenOpElementwiseChainIsOneKernel) {
  Tensor a = realized({3, 5});
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = ten_op_chain(a).realize(); });
  EXPECT_EQ(s.kernels_launched, 1u);
  EXPECT_TRUE(rule_decided(Rule::elementwise_fuses));
  std::vector<double> want;
  for (float xf : a.to_vector<float>()) {
    double x = xf;
    double v = std::exp(((x + 1) * 2 - 0.5) / 3) * x;
    v = std::sqrt(std::max(v, static_cast<double>(0.1f))) + x;
    want.push_back(1 / (1 + std::exp(-v)));
  }
  EXPECT_TRUE(all_close(out, want));
}

TEST(Fusion, ReduceThenElementwiseIsOneKernel) {
  Tensor a = realized({3, 4});
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = (a.sum(1) * 2 + 1).realize(); });
  EXPECT_EQ(s.kernels_launched, 1u);
  EXPECT_TRUE(rule_decided(Rule::squeeze_of_reduced));
  std::vector<float> v = a.to_vector<float>();
  std::vector<double> want;
  for (int i = 0; i < 3; ++i) {
    double r = 0;
    for (int j = 0; j < 4; ++j) r += v[i * 4 + j];
    want.push_back(r * 2 + 1);
  }
  EXPECT_TRUE(all_close(out, want));
}

// A reduce inside another reduce's source over the same axes nests in its kernel: the
// variance (its mean, then the sum of squared deviations) is one kernel, and so is the
// log-sum-exp; over another axis it stays two.
TEST(Fusion, NestedReducesOverTheSameAxesAreOneKernel) {
  Tensor a = realized({5, 9});
  const std::vector<float> v = a.to_vector<float>();
  Tensor var, lse, cross;
  EXPECT_EQ(measure([&] { var = a.var(1).realize(); }).kernels_launched, 1u);
  EXPECT_TRUE(rule_decided(Rule::reduce_of_same_shape));
  EXPECT_TRUE(rule_decided(Rule::nested_reduce_spreads));
  EXPECT_EQ(measure([&] { lse = a.logsumexp(1).realize(); }).kernels_launched, 1u);
  EXPECT_EQ(measure([&] { cross = (a - a.mean(0, true)).square().sum(1).realize(); }).kernels_launched, 2u);
  EXPECT_TRUE(rule_decided(Rule::reduce_of_other_shape));
  std::vector<double> want_var, want_lse, want_cross, col_mean(9, 0.0);
  for (int j = 0; j < 9; ++j) {
    for (int i = 0; i < 5; ++i) col_mean[j] += v[i * 9 + j] / 5.0;
  }
  for (int i = 0; i < 5; ++i) {
    double mean = 0, mx = -1e30, e = 0, ss = 0, c = 0;
    for (int j = 0; j < 9; ++j) mean += v[i * 9 + j] / 9.0, mx = std::max(mx, double(v[i * 9 + j]));
    for (int j = 0; j < 9; ++j) {
      ss += (v[i * 9 + j] - mean) * (v[i * 9 + j] - mean);
      e += std::exp(v[i * 9 + j] - mx);
      c += (v[i * 9 + j] - col_mean[j]) * (v[i * 9 + j] - col_mean[j]);
    }
    want_var.push_back(ss / 8.0);
    want_lse.push_back(std::log(e) + mx);
    want_cross.push_back(c);
  }
  EXPECT_TRUE(all_close(var, want_var));
  EXPECT_TRUE(all_close(lse, want_lse));
  EXPECT_TRUE(all_close(cross, want_cross));
}

TEST(Fusion, AReshapeThatMergesABroadcastRunsInTheSplitSpace) {
  // (a * 2) repeated along a new last axis and merged into the rows, plus b: no single view of
  // the repeated value is (6, 10), so the kernel runs over (6, 5, 2) instead, where it is one,
  // and the repeat is never a tensor of its own: a * 2, then the sum (it was three kernels,
  // with the repeated (6, 5, 2) tensor realized in between).
  Tensor a = realized({6, 5}), b = realized({6, 10}, 0.3f);
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = ((a * 2).reshape({6, 5, 1}).expand({6, 5, 2}).reshape({6, 10}) + b).realize(); });
  EXPECT_EQ(s.kernels_launched, 2u);
  EXPECT_TRUE(rule_decided(Rule::finer_space));
  EXPECT_EQ(out.shape(), tg::Shape({6, 10}));
  const std::vector<float> av = a.to_vector<float>(), bv = b.to_vector<float>();
  std::vector<double> want;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 10; ++j) want.push_back(2.0 * av[i * 5 + j / 2] + bv[i * 10 + j]);
  EXPECT_TRUE(all_close(out, want));
}

TEST(Fusion, APoolingGradientFusesWithTheReluGradientBeforeIt) {
  // relu then a 2x2 max pool: the pool's gradient is (.., 2, 2)-shaped, reshaped to the relu's
  // shape; the relu's gradient runs in that split space, in the pool gradient's kernel.
  std::vector<float> xv;
  for (int i = 0; i < 2 * 3 * 4 * 6; ++i) xv.push_back(static_cast<float>((i * 37) % 101) / 50.0f - 1.0f);
  tg::TensorOptions grad;
  grad.requires_grad = true;
  Tensor x(xv, tg::Shape({2, 3, 4, 6}), grad);
  Tensor w = realized({2, 3, 2, 3});
  Tensor loss = (x.relu().max_pool2d(2) * w).sum();
  loss.realize();
  tg::RuntimeStats s = measure([&] { loss.backward(); x.grad()->realize(); });
  const std::vector<float> g = x.grad()->to_vector<float>(), wv = w.to_vector<float>();
  for (int n = 0; n < 2 * 3; ++n)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 6; ++j) {
        // the window's maximum of relu(x) (values are distinct where positive)
        const int pi = i / 2, pj = j / 2;
        float best = -1;
        int at = -1;
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) {
            const int k = n * 24 + (pi * 2 + di) * 6 + pj * 2 + dj;
            const float r = std::max(0.0f, xv[k]);
            if (r > best) best = r, at = k;
          }
        const int k = n * 24 + i * 6 + j;
        const double want = (k == at && xv[k] > 0) ? wv[n * 6 + pi * 3 + pj] : 0.0;
        EXPECT_NEAR(g[k], want, 1e-6) << "x.grad at " << k;
      }
  EXPECT_LE(s.kernels_launched, 5u);
}

TEST(Fusion, SoftmaxIsAtMostThreeKernels) {
  Tensor a = realized({4, 8});
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = a.softmax(1).realize(); });
  EXPECT_GE(s.kernels_launched, 1u);
  EXPECT_LE(s.kernels_launched, 3u);
  std::vector<double> rows = out.sum(1).to_vector<double>();
  for (double r : rows) EXPECT_NEAR(r, 1.0, 1e-5);
}

TEST(Caching, SameExpressionBuiltAgainCompilesNothingNew) {
  Tensor a1 = realized({4, 4});
  tg::RuntimeStats first = measure([&] { ((a1 * 2 + 1).relu()).sum().realize(); });
  EXPECT_EQ(first.kernels_launched, 1u);
  // a new graph from scratch: new input data, same shapes and dtypes, same constants
  Tensor a2 = realized({4, 4}, 1.f);
  Tensor out;
  tg::RuntimeStats second = measure([&] { out = ((a2 * 2 + 1).relu()).sum().realize(); });
  EXPECT_EQ(second.kernels_launched, 1u);
  EXPECT_EQ(second.kernels_compiled, 0u) << "the program must come from the cache";
  double want = 0;
  for (float x : a2.to_vector<float>()) want += std::max(0.0, 2.0 * x + 1);
  EXPECT_TRUE(all_close(out, {want}));
}

TEST(Caching, TenOpChainCompilesOnce) {
  Tensor a1 = realized({2, 6});
  measure([&] { ten_op_chain(a1).realize(); });
  Tensor a2 = realized({2, 6}, 0.5f);
  tg::RuntimeStats second = measure([&] { ten_op_chain(a2).realize(); });
  EXPECT_EQ(second.kernels_compiled, 0u);
  EXPECT_EQ(second.kernels_launched, 1u);
}

TEST(Caching, FirstCompileIsCounted) {
  // an expression no other test builds: shape (7, 3) and constant 13.25
  Tensor a = realized({7, 3});
  tg::RuntimeStats s = measure([&] { ((a * 13.25f).exp2() - 0.125f).realize(); });
  EXPECT_EQ(s.kernels_launched, 1u);
  EXPECT_EQ(s.kernels_compiled, 1u);
}

TEST(Transfers, CreationFromDataCopiesInOnce) {
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  Tensor t;
  tg::RuntimeStats s = measure([&] {
    t = Tensor(v, tg::Shape({2, 3}));
    t.realize();
  });
  EXPECT_EQ(s.copies_in, 1u);
  EXPECT_EQ(s.kernels_launched, 0u);
  EXPECT_GE(s.bytes_allocated, 24u);
  tg::RuntimeStats out = measure([&] { EXPECT_EQ(t.to_vector<float>(), v); });
  EXPECT_EQ(out.copies_out, 1u);
  EXPECT_EQ(out.copies_in, 0u);
  EXPECT_EQ(out.kernels_launched, 0u);
}

TEST(Transfers, ComputedResultCopiesInEachInputOnce) {
  Tensor out;
  tg::RuntimeStats s = measure([&] {
    Tensor a({1.f, 2.f, 3.f});
    Tensor b({4.f, 5.f, 6.f});
    out = (a * b + a).realize();
  });
  EXPECT_EQ(s.copies_in, 2u);
  EXPECT_EQ(s.kernels_launched, 1u);
  EXPECT_TRUE(all_close(out, {5, 12, 21}));
}

TEST(Realize, RealizedTensorLaunchesNothingAgain) {
  Tensor a = realized({3, 3});
  Tensor b = (a * 2).realize();
  tg::RuntimeStats s = measure([&] {
    b.realize();
    b.realize();
  });
  EXPECT_EQ(s.kernels_launched, 0u);
}

TEST(Realize, ToVectorOfRealizedTensorLaunchesNothing) {
  Tensor a = realized({3, 3});
  Tensor b = (a + 1).realize();
  tg::RuntimeStats s = measure([&] { (void)b.to_vector<float>(); });
  EXPECT_EQ(s.kernels_launched, 0u);
}

TEST(Stats, PeakAndInUseAreConsistent) {
  tg::synchronize();
  tg::reset_runtime_stats();
  Tensor a = realized({16, 16});
  Tensor b = (a * 2).realize();
  tg::synchronize();
  tg::RuntimeStats s = tg::runtime_stats();
  EXPECT_GE(s.peak_bytes, s.bytes_in_use);
  EXPECT_GE(s.bytes_allocated, 2u * 16 * 16 * 4);
  EXPECT_GE(s.schedules, 1u);
}

// ---- buffers let go during a realize (core/src/schedule/liveness.hpp) ----------------------------

namespace {

// x -> (x * 0.5 + 1), made contiguous (its own kernel and buffer), `steps` times. keep[i], when
// given, holds the i-th intermediate.
Tensor kernel_chain(const Tensor& a, int steps, std::vector<Tensor>* keep = nullptr) {
  Tensor t = a;
  for (int i = 0; i < steps; ++i) {
    t = (t * 0.5f + 1.0f).contiguous();
    if (keep) keep->push_back(t);
  }
  return t;
}

std::vector<double> chain_values(const std::vector<float>& x, int steps) {
  std::vector<double> v;
  for (float e : x) {
    for (int i = 0; i < steps; ++i) e = e * 0.5f + 1.0f;
    v.push_back(e);
  }
  return v;
}

}  // namespace

TEST(Memory, IntermediatesNobodyHoldsAreReleasedDuringARealize) {
  // Ten kernels of 1 MB outputs behind a detached result: each intermediate goes back to the
  // cache once the next kernel has read it, so the peak is a few buffers, not ten.
  const int64_t n = int64_t{1} << 18;
  Tensor a = realized({n});
  const std::vector<double> want = chain_values(a.to_vector<float>(), 10);
  for (int run = 0; run < 2; ++run) {  // recorded, then replayed from the schedule cache
    Tensor r = kernel_chain(a, 10).detach();
    tg::synchronize();
    const uint64_t before = tg::runtime_stats().bytes_in_use;
    const uint64_t peak = measure([&] { r.realize(); }).peak_bytes - before;
    EXPECT_LE(peak, 3u * static_cast<uint64_t>(n) * 4) << "run " << run << ": the chain's buffers were all held at once";
    EXPECT_TRUE(all_close(r, want)) << "run " << run;
  }
}

TEST(Memory, IntermediatesAHandleHoldsStayRealized) {
  // A tensor the caller holds is never let go, and neither is what it was made from (its
  // backward pass or a later computation may need it).
  const int64_t n = 1024;
  Tensor a = realized({n});
  std::vector<Tensor> keep;
  Tensor r = kernel_chain(a, 6, &keep).detach();
  Tensor held = keep[3];
  keep.clear();
  r.realize();
  tg::synchronize();
  EXPECT_TRUE(held.is_realized());
  EXPECT_TRUE(all_close(held, chain_values(a.to_vector<float>(), 4)));
  EXPECT_TRUE(all_close(r, chain_values(a.to_vector<float>(), 6)));
}

TEST(Memory, ABackwardAfterARealizedLossDoesNotRecomputeTheForwardPass) {
  // loss.item() before backward(): the caller holds the loss, so the activations under it stay
  // realized and the backward pass reads them instead of computing the forward pass again.
  auto fc1 = std::make_shared<tg::nn::Linear>(32, 64), fc2 = std::make_shared<tg::nn::Linear>(64, 4);
  std::vector<Tensor> params = fc1->parameters();
  for (const Tensor& p : fc2->parameters()) params.push_back(p);
  tg::nn::optim::SGD opt(params, 0.01f);
  Tensor x = Tensor::rand({16, 32}).requires_grad_(false).realize();
  auto loss_of = [&] { return (*fc2)((*fc1)(x).relu()).square().mean(); };
  for (int step = 0; step < 2; ++step) {  // recorded, then replayed
    opt.zero_grad();
    Tensor loss = loss_of();
    const uint64_t forward = measure([&] { loss.realize(); }).kernels_launched;
    const uint64_t after = measure([&] {
                             loss.backward();
                             opt.step();
                           }).kernels_launched;
    opt.zero_grad();
    Tensor again = loss_of();
    const uint64_t together = measure([&] {
                                again.backward();
                                opt.step();
                              }).kernels_launched;
    EXPECT_GT(forward, 0u);
    EXPECT_LT(after, together) << "step " << step << ": the backward pass ran the forward kernels again";
  }
}

TEST(Fusion, AnOptimizerStepIsOneKernelPerParameter) {
  // The step realizes the gradients, the optimizer's state and the parameters together. The new
  // moments (and a gradient computed elementwise or by a reduce) are other roots of that realize,
  // computed inside the parameter's update: its kernel stores them too, instead of each being a
  // kernel, and a pass over memory, of its own. Adam's other kernel advances b2^t (b1^t is
  // written from the host: PyTorch's bias correction takes this step's beta1, which OneCycleLR
  // may change every step).
  const int64_t n = 1000, rows = 8;
  Tensor w = realized({n}), c = realized({n}, 0.3f);
  Tensor b = realized({n}, 0.1f), x = realized({rows, n}, -0.2f);  // b's gradient sums over rows
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  tg::nn::optim::Adam opt({w, b}, static_cast<float>(lr));
  std::vector<double> cv = c.to_vector<double>(), xv = x.to_vector<double>();
  std::vector<std::vector<double>> want = {w.to_vector<double>(), b.to_vector<double>()};
  std::vector<std::vector<double>> m(2, std::vector<double>(n, 0.0)), v = m;
  for (int step = 1; step <= 3; ++step) {  // recorded, then replayed
    opt.zero_grad();
    Tensor loss = (c * w * w).sum() + w.sum() + (x + b).square().sum();
    loss.backward();  // gradients 2 c w + 1 (elementwise) and sum over rows of 2 (x + b): not realized yet
    const uint64_t kernels = measure([&] { opt.step(); }).kernels_launched;
    EXPECT_EQ(kernels, 3u) << "step " << step;
    for (size_t k = 0; k < 2; ++k) {
      for (int64_t i = 0; i < n; ++i) {
        double g = 0;
        if (k == 0) g = 2 * cv[i] * want[0][i] + 1;
        else
          for (int64_t r = 0; r < rows; ++r) g += 2 * (xv[r * n + i] + want[1][i]);
        m[k][i] = b1 * m[k][i] + (1 - b1) * g;
        v[k][i] = b2 * v[k][i] + (1 - b2) * g * g;
        const double m_hat = m[k][i] / (1 - std::pow(b1, step)), v_hat = v[k][i] / (1 - std::pow(b2, step));
        want[k][i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
      }
    }
    EXPECT_TRUE(all_close(w, want[0])) << "step " << step;
    EXPECT_TRUE(all_close(b, want[1])) << "step " << step;
    EXPECT_TRUE(w.grad().has_value() && w.grad()->is_realized()) << "step " << step;
    EXPECT_TRUE(b.grad().has_value() && b.grad()->is_realized()) << "step " << step;
  }
}

TEST(Fusion, AnSgdMomentumStepIsOneKernel) {
  // The momentum buffer and the gradient are stored by the parameter's kernel.
  const int64_t n = 1000;
  Tensor p = realized({n}), c = realized({n}, 0.3f);
  const double lr = 0.05, mu = 0.9;
  tg::nn::optim::SGD opt({p}, static_cast<float>(lr), static_cast<float>(mu));
  std::vector<double> want = p.to_vector<double>(), buf(n, 0.0), cv = c.to_vector<double>();
  for (int step = 1; step <= 3; ++step) {
    opt.zero_grad();
    Tensor loss = (c * p * p).sum();
    loss.backward();
    const uint64_t kernels = measure([&] { opt.step(); }).kernels_launched;
    EXPECT_EQ(kernels, step == 1 ? 2u : 1u) << "step " << step;  // step 1 also zeroes the buffer
    if (step == 1) {  // (later steps replay the schedule: no rule is asked)
      EXPECT_TRUE(rule_decided(Rule::other_root_stored));
    }
    for (int64_t i = 0; i < n; ++i) {
      const double g = 2 * cv[i] * want[i];
      buf[i] = step == 1 ? g : mu * buf[i] + g;
      want[i] -= lr * buf[i];
    }
    EXPECT_TRUE(all_close(p, want)) << "step " << step;
  }
}

TEST(Memory, ARealizedResultNoGradientFlowsThroughLetsItsHistoryGo) {
  // x = (x * c).realize() in a loop: each result is realized and nothing needs a gradient
  // through it, so it keeps its value, not the earlier x it was computed from. Memory stays at
  // a few buffers instead of one per iteration.
  const int64_t n = int64_t{1} << 16;
  Tensor x = realized({n});
  x.requires_grad_(false);
  std::vector<double> want = x.to_vector<double>();
  const uint64_t before = tg::runtime_stats().bytes_in_use;
  for (int i = 0; i < 50; ++i) {
    x = (x * 1.01f + 0.5f).realize();
    for (double& w : want) w = static_cast<double>(static_cast<float>(static_cast<float>(w) * 1.01f) + 0.5f);
  }
  tg::synchronize();
  EXPECT_LE(tg::runtime_stats().bytes_in_use, before + 2u * static_cast<uint64_t>(n) * 4)
      << "every earlier x is still held";
  EXPECT_TRUE(all_close(x, want));
}

TEST(Memory, AResultWhoseHistoryWasLetGoStillTakesEveryView) {
  // A matmul's result is a reshape of its reduction; once realized without a gradient to give,
  // that reshape has no source left, and views of it are views of its own buffer.
  Tensor a = realized({3, 4});
  Tensor b = realized({4, 5});
  a.requires_grad_(false);
  b.requires_grad_(false);
  std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>(), want(15, 0.0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j)
      for (int k = 0; k < 4; ++k) want[i * 5 + j] += av[i * 4 + k] * bv[k * 5 + j];
  Tensor out = a.matmul(b).realize();
  EXPECT_TRUE(all_close(out.reshape({-1}), want));
  EXPECT_TRUE(all_close(out.reshape({-1}).reshape({5, 3}).reshape({15}), want));
  EXPECT_NEAR(out.reshape({-1})[7].item<float>(), want[7], 1e-4);
  std::vector<double> col(3);
  for (int i = 0; i < 3; ++i) col[i] = want[i * 5 + 2];
  EXPECT_TRUE(all_close(out.permute({1, 0})[2], col));
}

TEST(Memory, ARealizedResultAGradientFlowsThroughKeepsItsHistory) {
  // w gets gradients: y = (w * 3).realize() keeps the graph to w, so backward still reaches it.
  Tensor w = realized({8});
  Tensor y = (w * 3.0f).realize();
  EXPECT_TRUE(y.requires_grad());
  y.sum().backward();
  ASSERT_TRUE(w.grad().has_value());
  EXPECT_TRUE(all_close(*w.grad(), std::vector<double>(8, 3.0)));
}
