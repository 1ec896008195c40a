#pragma once
// Small helpers shared by the GoogleTest suites: shape and value comparisons, error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <tg/tg.hpp>

namespace tgtest {

using Dims = std::vector<int64_t>;

inline Dims dims(const tg::Tensor& t) { return t.shape().dims(); }

// A float32 tensor of the given shape holding 0, 1, 2, ... in row-major order.
inline tg::Tensor iota(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(i));
  return tg::Tensor(v, tg::Shape(shape));
}

// Compares every element of t (read as double) with want: |got - want| <= atol + rtol * |want|.
// NaN matches NaN, and an infinity matches the same infinity.
inline ::testing::AssertionResult all_close(const tg::Tensor& t, const std::vector<double>& want,
                                            double rtol = 1e-5, double atol = 1e-5) {
  std::vector<double> got = t.to_vector<double>();
  if (got.size() != want.size())
    return ::testing::AssertionFailure()
           << "got " << got.size() << " elements, want " << want.size() << " (shape "
           << t.shape().to_string() << ")";
  for (size_t i = 0; i < got.size(); ++i) {
    double g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w))
      ok = std::isnan(g);
    else if (std::isinf(w))
      ok = g == w;
    else
      ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok) {
      std::ostringstream all;
      all.precision(9);
      for (size_t j = 0; j < got.size(); ++j) all << (j ? ", " : "") << got[j];
      return ::testing::AssertionFailure()
             << "element " << i << ": got " << g << ", want " << w << " (all got: {" << all.str()
             << "})";
    }
  }
  return ::testing::AssertionSuccess();
}

// The message of the tg::Error that f throws, or "(no error)" when it throws none (another
// exception type propagates and fails the test).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The float32 value nearest to x, as a double (inputs of float tensors are rounded this way).
inline double f32(double x) { return static_cast<double>(static_cast<float>(x)); }

}  // namespace tgtest
