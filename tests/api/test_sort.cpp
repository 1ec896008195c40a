// Sorting: sort, argsort, topk, multinomial (core/src/tensor/sort.cpp). Orders are checked
// against a plain stable sort written here (NaN largest, -0 equal to +0), on every dtype, along
// every dim; values' gradients against finite differences; the step is compiled once and
// replayed. The suite runs on every device: on ref and onednn the plugin orders the rows
// (ABI 1.5 sort_rows), on opencl the core does (its plugin has no sort_rows).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include "nn_test_util.hpp"
#include "tg/tg.hpp"
#include "tg_test_util.hpp"

using nntest::check_grad;
using nntest::Input;
using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
using tgtest::Dims;

namespace {

// The positions of row's values in sort-order, by a plain stable sort.
std::vector<int32_t> reference_order(const std::vector<double>& row, bool descending) {
  std::vector<int32_t> order(row.size());
  std::iota(order.begin(), order.end(), 0);
  auto less = [](double a, double b) {  // NaN largest; -0 == +0 (== compares them equal)
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return a < b;
  };
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return descending ? less(row[static_cast<size_t>(b)], row[static_cast<size_t>(a)])
                      : less(row[static_cast<size_t>(a)], row[static_cast<size_t>(b)]);
  });
  return order;
}

// Values with ties, both zeros, infinities and NaNs.
std::vector<double> awkward(int64_t n, int seed) {
  std::vector<double> v;
  const double specials[] = {0.0, -0.0, 1.5, -1.5, INFINITY, -INFINITY, NAN, 2.0};
  for (int64_t i = 0; i < n; i++) {
    const int64_t h = (i * 7919 + seed * 104729) % 97;
    v.push_back(h < 16 ? specials[h % 8] : static_cast<double>((h * 37) % 23) - 11.0);
  }
  return v;
}

// Sorting (rows, n) values along dim 1 agrees with the reference, ascending and descending.
void expect_rows_sorted(const std::vector<double>& data, int64_t rows, int64_t n, DType dtype) {
  Tensor x = Tensor(data, tg::Shape({rows, n}), TensorOptions{DType::float64, std::nullopt, false}).cast(dtype);
  std::vector<double> seen = x.cast(DType::float64).to_vector<double>();  // the values as dtype holds them
  for (bool descending : {false, true}) {
    auto [values, idx] = x.sort(1, descending);
    ASSERT_EQ(idx.dtype(), DType::int32);
    ASSERT_EQ(values.dtype(), dtype);
    std::vector<int32_t> got = idx.to_vector<int32_t>();
    std::vector<double> got_values = values.cast(DType::float64).to_vector<double>();
    for (int64_t r = 0; r < rows; r++) {
      std::vector<double> row(seen.begin() + r * n, seen.begin() + (r + 1) * n);
      std::vector<int32_t> want = reference_order(row, descending);
      for (int64_t j = 0; j < n; j++) {
        ASSERT_EQ(got[static_cast<size_t>(r * n + j)], want[static_cast<size_t>(j)])
            << tg::dtype_name(dtype) << (descending ? " descending" : " ascending") << " row " << r << " position " << j;
        const double a = got_values[static_cast<size_t>(r * n + j)], b = row[static_cast<size_t>(want[static_cast<size_t>(j)])];
        ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << "value at row " << r << " position " << j;
      }
    }
  }
}

}  // namespace

TEST(Sort, EveryDtypeWithTiesNansAndSignedZeros) {
  const std::vector<double> v = awkward(3 * 41, 1);
  for (DType d : {DType::float32, DType::float64, DType::float16, DType::bfloat16}) expect_rows_sorted(v, 3, 41, d);
  std::vector<double> ints;
  for (double x : v) ints.push_back(std::isfinite(x) ? x : 7.0);
  for (DType d : {DType::int8, DType::int16, DType::int32, DType::int64}) expect_rows_sorted(ints, 3, 41, d);
  std::vector<double> small;
  for (double x : ints) small.push_back(std::fabs(x));
  expect_rows_sorted(small, 3, 41, DType::uint8);
  std::vector<double> bits;
  for (double x : ints) bits.push_back(x > 0 ? 1 : 0);
  expect_rows_sorted(bits, 3, 41, DType::bool_);
}

TEST(Sort, ExtremeIntegersOrderByValue) {
  std::vector<int64_t> v = {INT64_MAX, INT64_MIN, -1, 0, 1, INT64_MIN + 1, INT64_MAX - 1};
  Tensor order = Tensor(v, tg::Shape({7})).argsort();
  EXPECT_EQ(order.to_vector<int32_t>(), (std::vector<int32_t>{1, 5, 2, 3, 4, 6, 0}));
  Tensor i32 = Tensor(std::vector<int32_t>{INT32_MAX, INT32_MIN, -7, 0}, tg::Shape({4}));
  EXPECT_EQ(i32.argsort(0, true).to_vector<int32_t>(), (std::vector<int32_t>{0, 3, 2, 1}));
}

TEST(Sort, AlongEveryDimOfA3dTensor) {
  std::vector<double> data = awkward(4 * 5 * 6, 3);
  Tensor x(data, tg::Shape({4, 5, 6}), TensorOptions{DType::float32, std::nullopt, false});
  std::vector<double> seen = x.cast(DType::float64).to_vector<double>();
  const int64_t shape[3] = {4, 5, 6};
  for (int64_t dim = -3; dim < 3; dim++) {
    const int64_t d = (dim + 3) % 3;
    Tensor idx = x.argsort(dim, dim % 2 == 0);
    ASSERT_EQ(tgtest::dims(idx), (Dims{4, 5, 6}));
    std::vector<int32_t> got = idx.to_vector<int32_t>();
    auto at = [&](int64_t i, int64_t j, int64_t k) { return (i * 5 + j) * 6 + k; };
    for (int64_t i = 0; i < 4; i++)
      for (int64_t j = 0; j < 5; j++)
        for (int64_t k = 0; k < 6; k++) {
          const int64_t c[3] = {i, j, k};
          if (c[d] != 0) continue;  // one line along d per starting point
          std::vector<double> line;
          std::vector<int64_t> pos;
          for (int64_t t = 0; t < shape[d]; t++) {
            int64_t e[3] = {i, j, k};
            e[d] = t;
            line.push_back(seen[static_cast<size_t>(at(e[0], e[1], e[2]))]);
            pos.push_back(at(e[0], e[1], e[2]));
          }
          std::vector<int32_t> want = reference_order(line, dim % 2 == 0);
          for (size_t t = 0; t < want.size(); t++)
            ASSERT_EQ(got[static_cast<size_t>(pos[t])], want[t]) << "dim " << dim << " line at " << i << "," << j << "," << k;
        }
  }
}

TEST(Sort, TopkIsTheFirstKOfTheSortedRow) {
  std::vector<double> data = awkward(4 * 300, 5);
  Tensor x(data, tg::Shape({4, 300}), TensorOptions{DType::float32, std::nullopt, false});
  for (int64_t k : {1, 5, 18, 19, 150, 300}) {  // heap (k * 16 <= n), partial selection and full sort
    for (bool largest : {true, false}) {
      auto [values, idx] = x.topk(k, -1, largest);
      ASSERT_EQ(tgtest::dims(idx), (Dims{4, k}));
      auto [sv, si] = x.sort(-1, largest);
      std::vector<int32_t> all = si.to_vector<int32_t>(), got = idx.to_vector<int32_t>();
      for (int64_t r = 0; r < 4; r++)
        for (int64_t j = 0; j < k; j++)
          ASSERT_EQ(got[static_cast<size_t>(r * k + j)], all[static_cast<size_t>(r * 300 + j)])
              << "k " << k << (largest ? " largest" : " smallest") << " row " << r;
      EXPECT_TRUE(tgtest::all_close(values, sv.slice(1, 0, k).cast(DType::float64).to_vector<double>()));
    }
  }
  auto [v0, i0] = x.topk(3, 0);
  EXPECT_EQ(tgtest::dims(i0), (Dims{3, 300}));
  auto [none, none_idx] = x.topk(0);
  EXPECT_EQ(tgtest::dims(none), (Dims{4, 0}));
  EXPECT_EQ(tgtest::dims(none_idx), (Dims{4, 0}));
}

TEST(Sort, ScalarsAndEmptyTensors) {
  auto [v, i] = Tensor(3.5f).sort();
  EXPECT_EQ(v.ndim(), 0);
  EXPECT_EQ(v.item<float>(), 3.5f);
  EXPECT_EQ(i.item<int32_t>(), 0);
  Tensor empty = Tensor::zeros({0, 4});
  EXPECT_EQ(tgtest::dims(empty.argsort(1)), (Dims{0, 4}));
  EXPECT_EQ(tgtest::dims(empty.sort(0).first), (Dims{0, 4}));
}

TEST(Sort, GradientsReachTheElementsTheValuesCameFrom) {
  Input x = nntest::ramp({3, 7});
  check_grad([](const std::vector<Tensor>& in) { return in[0].sort(1).first; }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].sort(0, true).first; }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].topk(2, 1).first * 3.0; }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].topk(2, 0, false).first; }, {x});
}

TEST(Sort, TheStepIsCompiledOnceAndReplayed) {
  Tensor w = Tensor::randn({8, 50});
  w.requires_grad_(true);
  auto step = [&](float shift) {
    auto [v, idx] = (w + shift).topk(4);
    Tensor loss = v.sum();
    loss.backward();
    std::vector<Tensor> outs{loss, idx, *w.grad()};
    tg::realize(outs);
    return idx;
  };
  step(0.3f);  // (not 0, 1, 0.5 or 2: those fold into the program, any other value is an argument)
  step(0.4f);
  tg::synchronize();
  tg::reset_runtime_stats();
  for (int s = 0; s < 3; s++) step(0.6f + 0.1f * static_cast<float>(s));
  tg::synchronize();
  EXPECT_EQ(tg::runtime_stats().kernels_compiled, 0u);
  // the shift changes nothing about the order
  std::vector<int32_t> a = step(0.3f).to_vector<int32_t>(), b = step(100.f).to_vector<int32_t>();
  EXPECT_EQ(a, b);
}

TEST(Sort, BadArgumentsSayWhatIsAccepted) {
  Tensor x = Tensor::randn({3, 4});
  EXPECT_THROW(x.sort(2), tg::Error);
  EXPECT_THROW(x.argsort(-3), tg::Error);
  try {
    x.topk(5);
    FAIL() << "topk(5) of 4 values";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("k must be in [0, 4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(x.topk(-1), tg::Error);
}

TEST(Multinomial, WithReplacementFollowsTheWeights) {
  Tensor::manual_seed(3);
  Tensor w(std::vector<float>{1, 0, 2, 7}, tg::Shape({4}));  // unnormalized, one zero
  Tensor s = w.multinomial(20000, true);
  ASSERT_EQ(s.dtype(), DType::int32);
  ASSERT_EQ(tgtest::dims(s), (Dims{20000}));
  std::map<int32_t, int> count;
  for (int32_t c : s.to_vector<int32_t>()) count[c]++;
  EXPECT_EQ(count[1], 0) << "a zero weight is never drawn";
  EXPECT_NEAR(count[0] / 20000.0, 0.1, 0.015);
  EXPECT_NEAR(count[2] / 20000.0, 0.2, 0.015);
  EXPECT_NEAR(count[3] / 20000.0, 0.7, 0.015);
}

TEST(Multinomial, WithoutReplacementDrawsDistinctCategoriesInProportion) {
  Tensor::manual_seed(5);
  // 2000 rows of the same weights: the first draw follows them; the draws of a row are distinct.
  std::vector<float> one = {4, 1, 0, 3, 2};
  std::vector<float> data;
  for (int r = 0; r < 2000; r++) data.insert(data.end(), one.begin(), one.end());
  Tensor w(data, tg::Shape({2000, 5}));
  std::vector<int32_t> s = w.multinomial(4).to_vector<int32_t>();
  std::map<int32_t, int> first;
  for (int r = 0; r < 2000; r++) {
    std::set<int32_t> row(s.begin() + r * 4, s.begin() + r * 4 + 4);
    ASSERT_EQ(row.size(), 4u) << "row " << r << " repeats a category";
    ASSERT_EQ(row.count(2), 0u) << "row " << r << " drew the zero weight";
    first[s[static_cast<size_t>(r * 4)]]++;
  }
  EXPECT_NEAR(first[0] / 2000.0, 0.4, 0.04);
  EXPECT_NEAR(first[3] / 2000.0, 0.3, 0.04);
  // the same seed, the same draws
  Tensor::manual_seed(5);
  EXPECT_EQ(w.multinomial(4).to_vector<int32_t>(), s);
}

TEST(Multinomial, BadWeightsAndCountsAreErrors) {
  Tensor w(std::vector<float>{0.5f, 0.5f}, tg::Shape({2}));
  EXPECT_THROW(w.multinomial(3), tg::Error);  // without replacement, more than there are
  EXPECT_THROW(w.multinomial(0), tg::Error);
  EXPECT_THROW(Tensor(std::vector<float>{1, -1}, tg::Shape({2})).multinomial(1), tg::Error);
  EXPECT_THROW(Tensor(std::vector<float>{0, 0}, tg::Shape({2})).multinomial(1), tg::Error);
  EXPECT_THROW(Tensor(std::vector<float>{1, NAN}, tg::Shape({2})).multinomial(1), tg::Error);
  EXPECT_THROW(Tensor::zeros({2, 2, 2}).multinomial(1), tg::Error);
  EXPECT_THROW(Tensor(std::vector<int32_t>{1, 2}, tg::Shape({2})).multinomial(1), tg::Error);
}
