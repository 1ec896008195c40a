#pragma once
// Helpers of the nn test suites: float64 finite-difference gradient checks, deterministic data
// and plain-loop reference implementations.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "tg_test_util.hpp"

namespace nntest {

using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
using Dims = std::vector<int64_t>;

// Restores Tensor::training when a test ends.
struct TrainingScope {
  bool saved = Tensor::training;
  explicit TrainingScope(bool on) { Tensor::training = on; }
  ~TrainingScope() { Tensor::training = saved; }
};

struct Input {
  std::vector<double> data;
  Dims shape;
};

// Deterministic, distinct, uneven values (no ties, so max pooling is differentiable).
inline Input ramp(Dims shape, double scale = 1.0, int seed = 1) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  Input in{{}, shape};
  for (int64_t i = 0; i < n; ++i)
    in.data.push_back(scale * (std::sin(0.7 * static_cast<double>(i) + seed) + 0.013 * static_cast<double>(i)));
  return in;
}

inline Tensor f64(const Input& in, bool requires_grad = false) {
  return Tensor(in.data, tg::Shape(in.shape), TensorOptions{DType::float64, std::nullopt, requires_grad});
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// loss = sum(f(inputs) * w) with fixed uneven w: d loss / d input against central differences.
inline void check_grad(const Fn& f, const std::vector<Input>& inputs, double eps = 1e-6, double rtol = 1e-4,
                       double atol = 1e-6) {
  std::vector<Tensor> leaves;
  for (const Input& in : inputs) leaves.push_back(f64(in, true));
  Tensor out = f(leaves);
  ASSERT_EQ(out.dtype(), DType::float64) << "the function under test must keep float64";
  std::vector<double> w;
  for (int64_t i = 0; i < out.numel(); ++i) w.push_back(0.3 + 0.25 * static_cast<double>((i * 5) % 7) * (i % 2 ? -1 : 1));
  const tg::Shape out_shape = out.shape();
  auto weights = [&] { return Tensor(w, out_shape, TensorOptions{DType::float64, std::nullopt, false}); };
  (out * weights()).sum().backward();
  auto eval = [&](const std::vector<Input>& ins) {
    tg::NoGrad guard;
    std::vector<Tensor> ts;
    for (const Input& in : ins) ts.push_back(f64(in));
    return (f(ts) * weights()).sum().item<double>();
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    std::optional<Tensor> g = leaves[k].grad();
    ASSERT_TRUE(g.has_value()) << "input " << k << " got no gradient";
    ASSERT_EQ(g->shape().dims(), inputs[k].shape) << "input " << k << ": gradient shape";
    std::vector<double> analytic = g->to_vector<double>();
    std::vector<Input> probe = inputs;
    for (size_t j = 0; j < inputs[k].data.size(); ++j) {
      probe[k].data[j] = inputs[k].data[j] + eps;
      double up = eval(probe);
      probe[k].data[j] = inputs[k].data[j] - eps;
      double down = eval(probe);
      probe[k].data[j] = inputs[k].data[j];
      double numeric = (up - down) / (2 * eps);
      EXPECT_NEAR(analytic[j], numeric, atol + rtol * std::fabs(numeric)) << "input " << k << ", element " << j;
    }
  }
}

// Plain-loop conv2d in double: x (N, C, H, W), w (O, C/groups, KH, KW).
struct ConvArgs {
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
};
inline std::vector<double> conv2d_ref(const Input& x, const Input& w, const std::vector<double>* bias, ConvArgs a,
                                      Dims* out_shape) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t O = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3];
  int64_t OH = (H + 2 * a.ph - a.dh * (KH - 1) - 1) / a.sh + 1, OW = (W + 2 * a.pw - a.dw * (KW - 1) - 1) / a.sw + 1;
  *out_shape = {N, O, OH, OW};
  std::vector<double> out;
  int64_t og = O / a.groups;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double s = bias ? (*bias)[static_cast<size_t>(o)] : 0.0;
          int64_t g = o / og;
          for (int64_t c = 0; c < CG; ++c)
            for (int64_t ky = 0; ky < KH; ++ky)
              for (int64_t kx = 0; kx < KW; ++kx) {
                int64_t iy = oy * a.sh - a.ph + ky * a.dh, ix = ox * a.sw - a.pw + kx * a.dw;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                s += x.data[static_cast<size_t>(((n * C + g * CG + c) * H + iy) * W + ix)] *
                     w.data[static_cast<size_t>(((o * CG + c) * KH + ky) * KW + kx)];
              }
          out.push_back(s);
        }
  (void)C;
  return out;
}

}  // namespace nntest
