#pragma once
// Shared by the test_onednn_* suites: the same host data as tensors on two devices, and a
// comparison of what the onednn device computes with what the ref plugin (the spec) computes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <tg/tg.hpp>

namespace tgtest {

inline tg::TensorOptions on(const char* device) { return tg::TensorOptions{std::nullopt, device, std::nullopt}; }

// Random floats in [lo, hi) from a fixed seed: the same on every run and device.
inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

inline int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// The same random tensor on the onednn and the ref device.
struct Pair {
  tg::Tensor dnnl, ref;
};
inline Pair random_pair(const std::vector<int64_t>& shape, uint32_t seed) {
  std::vector<float> data = random_floats(static_cast<size_t>(numel_of(shape)), seed);
  return {tg::Tensor(data, tg::Shape(shape), on("onednn")), tg::Tensor(data, tg::Shape(shape), on("ref"))};
}

// Elementwise |a - b| <= atol + rtol * |b|, NaN matching NaN; shapes must agree.
inline ::testing::AssertionResult same_values(const tg::Tensor& got, const tg::Tensor& want, double rtol = 1e-4,
                                              double atol = 1e-5) {
  if (got.shape().dims() != want.shape().dims())
    return ::testing::AssertionFailure() << "shape " << got.shape().to_string() << " != " << want.shape().to_string();
  if (got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "dtype " << tg::dtype_name(got.dtype()) << " != " << tg::dtype_name(want.dtype());
  const std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    const bool ok = std::isnan(w[i]) ? std::isnan(g[i])
                    : std::isinf(w[i]) ? g[i] == w[i]
                                       : std::fabs(g[i] - w[i]) <= atol + rtol * std::fabs(w[i]);
    if (!ok) return ::testing::AssertionFailure() << "element " << i << " of " << g.size() << ": onednn " << g[i] << ", ref " << w[i];
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tgtest
