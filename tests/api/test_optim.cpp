// Optimizers: several steps of SGD (momentum, nesterov, weight decay), Adam, AdamW and LAMB
// against the update rules written out in plain double arithmetic here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "nn_test_util.hpp"

using namespace nntest;
using tgtest::all_close;
namespace optim = tg::nn::optim;

namespace {

const std::vector<double> kStart{1.0, -2.0, 0.5};
const std::vector<double> kC{0.5, 3.0, -1.5};
// loss = sum(c * p^2) + sum(p): gradient 2 c p + 1, which changes every step.
std::vector<double> grad_of(const std::vector<double>& p) {
  std::vector<double> g;
  for (size_t i = 0; i < p.size(); ++i) g.push_back(2 * kC[i] * p[i] + 1);
  return g;
}

// Trains one parameter of each dtype in dtypes, all in one optimizer (each starts at kStart, with
// its own copy of the loss, so each follows the single-parameter reference); returns, per
// parameter, its values after each step.
template <typename Opt, typename... Args>
std::vector<std::vector<std::vector<double>>> run_dtypes(const std::vector<DType>& dtypes, int steps, Args... args) {
  std::vector<Tensor> ps, cs;
  for (DType dt : dtypes) {
    ps.push_back(Tensor(kStart, tg::Shape({3}), TensorOptions{dt, std::nullopt, std::nullopt}));
    cs.push_back(Tensor(kC, tg::Shape({3}), TensorOptions{dt, std::nullopt, false}));
  }
  Opt opt(ps, args...);
  std::vector<std::vector<std::vector<double>>> out(ps.size());
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Tensor loss;
    for (size_t i = 0; i < ps.size(); ++i) {
      Tensor term = (cs[i] * ps[i] * ps[i]).sum() + ps[i].sum();
      loss = i == 0 ? term : loss + term;
    }
    loss.backward();
    opt.step();
    for (size_t i = 0; i < ps.size(); ++i) {
      EXPECT_EQ(ps[i].dtype(), dtypes[i]) << "step " << s + 1;
      out[i].push_back(ps[i].to_vector<double>());
    }
  }
  return out;
}

template <typename Opt, typename... Args>
std::vector<std::vector<double>> run(int steps, Args... args) {
  return run_dtypes<Opt>({DType::float32}, steps, args...)[0];
}

void expect_steps(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want,
                  double tol = 2e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t s = 0; s < got.size(); ++s)
    for (size_t i = 0; i < got[s].size(); ++i)
      EXPECT_NEAR(got[s][i], want[s][i], tol * (1 + std::fabs(want[s][i]))) << "step " << s + 1 << ", element " << i;
}

// float16 and float64 parameters, alone and together in one optimizer, against the float64
// reference: the moments and the update are float32 (float64), cast back by step(). float16
// rounds the parameter (and its gradient) to 11 bits every step.
template <typename Opt, typename... Args>
void expect_low_and_high_precision(const std::vector<std::vector<double>>& want, Args... args) {
  const std::vector<std::vector<DType>> cases{{DType::float16}, {DType::float64}, {DType::float64, DType::float16}};
  for (const std::vector<DType>& dtypes : cases) {
    auto got = run_dtypes<Opt>(dtypes, static_cast<int>(want.size()), args...);
    for (size_t i = 0; i < dtypes.size(); ++i) {
      SCOPED_TRACE(std::string(tg::dtype_name(dtypes[i])) + " parameter " + std::to_string(i + 1) + " of " +
                   std::to_string(dtypes.size()));
      expect_steps(got[i], want, dtypes[i] == DType::float16 ? 2e-3 : 1e-6);
    }
  }
}

std::vector<std::vector<double>> sgd_ref(int steps, double lr, double mom, double wd, bool nesterov) {
  std::vector<double> p = kStart, buf(3, 0);
  std::vector<std::vector<double>> out;
  for (int s = 0; s < steps; ++s) {
    std::vector<double> g = grad_of(p);
    for (size_t i = 0; i < 3; ++i) {
      double gi = g[i] + wd * p[i];
      if (mom != 0) {
        buf[i] = s == 0 ? gi : mom * buf[i] + gi;
        gi = nesterov ? gi + mom * buf[i] : buf[i];
      }
      p[i] -= lr * gi;
    }
    out.push_back(p);
  }
  return out;
}

std::vector<std::vector<double>> adam_ref(int steps, double lr, double b1, double b2, double eps, double wd) {
  std::vector<double> p = kStart, m(3, 0), v(3, 0);
  std::vector<std::vector<double>> out;
  for (int s = 1; s <= steps; ++s) {
    std::vector<double> g = grad_of(p);
    for (size_t i = 0; i < 3; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      double mh = m[i] / (1 - std::pow(b1, s)), vh = v[i] / (1 - std::pow(b2, s));
      p[i] = p[i] * (1 - lr * wd) - lr * mh / (std::sqrt(vh) + eps);
    }
    out.push_back(p);
  }
  return out;
}

std::vector<std::vector<double>> lamb_ref(int steps, double lr, double b1, double b2, double eps, double wd, bool adam) {
  std::vector<double> p = kStart, m(3, 0), v(3, 0);
  std::vector<std::vector<double>> out;
  for (int s = 1; s <= steps; ++s) {
    std::vector<double> g = grad_of(p), up(3);
    double r1 = 0, r2 = 0;
    for (size_t i = 0; i < 3; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      double mh = m[i] / (1 - std::pow(b1, s)), vh = v[i] / (1 - std::pow(b2, s));
      up[i] = mh / (std::sqrt(vh) + eps) + wd * p[i];
      r1 += p[i] * p[i];
      r2 += up[i] * up[i];
    }
    double r = adam ? 1.0 : (r1 > 0 && r2 > 0 ? std::sqrt(r1) / std::sqrt(r2) : 1.0);
    for (size_t i = 0; i < 3; ++i) p[i] -= lr * r * up[i];
    out.push_back(p);
  }
  return out;
}

}  // namespace

TEST(Optim, SgdFirstStepByHand) {
  // g = 2 c p + 1 = {2, -11, -0.5}; p - 0.1 g
  expect_steps(run<optim::SGD>(1, 0.1f), {{0.8, -0.9, 0.55}});
}
TEST(Optim, Sgd) { expect_steps(run<optim::SGD>(4, 0.05f), sgd_ref(4, 0.05, 0, 0, false)); }
TEST(Optim, SgdMomentum) { expect_steps(run<optim::SGD>(4, 0.05f, 0.9f), sgd_ref(4, 0.05, 0.9, 0, false)); }
TEST(Optim, SgdNesterovWeightDecay) {
  expect_steps(run<optim::SGD>(4, 0.05f, 0.8f, 0.1f, true), sgd_ref(4, 0.05, 0.8, 0.1, true));
}
TEST(Optim, SgdWeightDecay) { expect_steps(run<optim::SGD>(3, 0.05f, 0.0f, 0.2f), sgd_ref(3, 0.05, 0, 0.2, false)); }
TEST(Optim, AdamFirstStepByHand) {
  // step 1: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps) = lr * sign(g)
  expect_steps(run<optim::Adam>(1, 0.1f), {{0.9, -1.9, 0.6}});
}
TEST(Optim, Adam) { expect_steps(run<optim::Adam>(5, 0.1f), adam_ref(5, 0.1, 0.9, 0.999, 1e-8, 0)); }
TEST(Optim, AdamBetas) { expect_steps(run<optim::Adam>(4, 0.05f, 0.5f, 0.9f, 1e-3f), adam_ref(4, 0.05, 0.5, 0.9, 1e-3, 0)); }
TEST(Optim, AdamW) { expect_steps(run<optim::AdamW>(5, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f), adam_ref(5, 0.1, 0.9, 0.999, 1e-8, 0.1)); }
TEST(Optim, Lamb) { expect_steps(run<optim::LAMB>(5, 0.1f), lamb_ref(5, 0.1, 0.9, 0.999, 1e-6, 0, false)); }
TEST(Optim, LambWeightDecay) {
  expect_steps(run<optim::LAMB>(5, 0.05f, 0.9f, 0.99f, 1e-6f, 0.1f), lamb_ref(5, 0.05, 0.9, 0.99, 1e-6, 0.1, false));
}
TEST(Optim, LambAdamMode) {
  expect_steps(run<optim::LAMB>(4, 0.05f, 0.9f, 0.999f, 1e-6f, 0.01f, true), lamb_ref(4, 0.05, 0.9, 0.999, 1e-6, 0.01, true));
}
TEST(Optim, AdamFloat16AndFloat64) {
  expect_low_and_high_precision<optim::Adam>(adam_ref(5, 0.1, 0.9, 0.999, 1e-8, 0), 0.1f);
}
TEST(Optim, AdamWFloat16AndFloat64) {
  expect_low_and_high_precision<optim::AdamW>(adam_ref(5, 0.1, 0.9, 0.999, 1e-8, 0.1), 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f);
}
TEST(Optim, LambFloat16AndFloat64) {
  expect_low_and_high_precision<optim::LAMB>(lamb_ref(5, 0.05, 0.9, 0.99, 1e-6, 0.1, false), 0.05f, 0.9f, 0.99f, 1e-6f,
                                             0.1f);
}
TEST(Optim, LambAdamModeFloat16AndFloat64) {
  expect_low_and_high_precision<optim::LAMB>(lamb_ref(4, 0.05, 0.9, 0.999, 1e-6, 0.01, true), 0.05f, 0.9f, 0.999f,
                                             1e-6f, 0.01f, true);
}
TEST(Optim, LambTrustRatioOneForZeroParams) {
  Tensor p = Tensor::zeros({2});
  optim::LAMB opt({p}, 0.1f);
  (p * Tensor({1.f, -2.f})).sum().backward();
  opt.step();  // ||p|| = 0: r = 1, so the step is Adam's: lr * sign(g)
  EXPECT_TRUE(all_close(p, {-0.1, 0.1}));
}

// ------------------------------------------------------------ memory of a training loop
// A training loop's memory stays flat: after step() each gradient is a plain value, so the
// backward graph and the activations it held are freed (they do not wait for zero_grad, and do
// not pile up step after step).
namespace {
struct Loop {
  tg::nn::Conv2d conv{1, 4, 3};
  tg::nn::Linear fc{4 * 14 * 14, 3};
  std::vector<Tensor> params;
  std::unique_ptr<optim::Adam> opt;
  Tensor x = Tensor::rand({64, 1, 16, 16}).realize(), y = Tensor::randint(0, 3, {64}).realize();
  explicit Loop(bool input_gets_grad) {
    params = conv.parameters();
    for (const Tensor& p : fc.parameters()) params.push_back(p);
    opt = std::make_unique<optim::Adam>(params, 1e-3f);
    if (!input_gets_grad) x.requires_grad_(false);
  }
  double step() {
    opt->zero_grad();
    fc(conv(x).relu().flatten(1)).sparse_categorical_crossentropy(y).backward();
    opt->step();
    tg::synchronize();
    return static_cast<double>(tg::runtime_stats().bytes_in_use);
  }
};
}  // namespace

TEST(OptimMemory, AfterStepOnlyGradientValuesRemain) {
  Loop loop(false);
  double param_bytes = 0;
  for (const Tensor& p : loop.params) param_bytes += 4.0 * static_cast<double>(p.numel());
  for (int i = 0; i < 3; i++) {
    const double after_step = loop.step();
    loop.opt->zero_grad();
    const double after_zero = static_cast<double>(tg::runtime_stats().bytes_in_use);
    // The activations (64x4x14x14 floats, 200 KB) would be held by an unrealized gradient.
    EXPECT_LE(after_step - after_zero, param_bytes) << "step " << i;
  }
  std::vector<double> m;
  for (int i = 0; i < 6; i++) m.push_back(loop.step());
  for (size_t i = 1; i < m.size(); i++) EXPECT_EQ(m[i], m[0]) << "step " << i << " holds more memory than the first";
}

TEST(OptimMemory, AnInputsAccumulatingGradientIsBounded) {
  // x (requires_grad unset) collects a gradient every step (API.md); it is realized as a plain
  // value every 16th accumulation, which lets the graphs behind it go.
  Loop loop(true);
  std::vector<double> m;
  for (int i = 0; i < 40; i++) m.push_back(loop.step());
  const double first = *std::max_element(m.begin(), m.begin() + 20);
  const double later = *std::max_element(m.begin() + 20, m.end());
  EXPECT_LE(later, first);
  EXPECT_LT(m.back(), m[14]) << "the accumulation was realized at step 32, so less is held at 40 than at 15";
}
