// Creation (lists, data, creators, seeded random) and dtype promotion, against values computed here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;

// ---------------------------------------------------------------- creation

TEST(Creation, IntListIsInt32) {
  Tensor a({1, 2, 3});
  EXPECT_EQ(a.dtype(), DType::int32);
  EXPECT_EQ(dims(a), (Dims{3}));
  EXPECT_EQ(a.ndim(), 1);
  EXPECT_EQ(a.numel(), 3);
  EXPECT_EQ(a.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3}));
}

TEST(Creation, FloatListIsFloat32) {
  Tensor a({{1.5f, 2.f}, {3.f, 4.f}, {5.f, 6.f}});
  EXPECT_EQ(a.dtype(), DType::float32);
  EXPECT_EQ(dims(a), (Dims{3, 2}));
  EXPECT_EQ(a.size(0), 3);
  EXPECT_EQ(a.size(1), 2);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1.5f, 2, 3, 4, 5, 6}));
}

TEST(Creation, DoubleListIsFloat32) {
  Tensor a({0.5, 1.25});
  EXPECT_EQ(a.dtype(), DType::float32);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0.5f, 1.25f}));
}

TEST(Creation, BoolListIsBool) {
  Tensor a({true, false, true});
  EXPECT_EQ(a.dtype(), DType::bool_);
  EXPECT_EQ(a.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
}

TEST(Creation, NestedListsTo4D) {
  Tensor a3({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});
  EXPECT_EQ(dims(a3), (Dims{2, 2, 2}));
  EXPECT_EQ(a3.dtype(), DType::int32);
  EXPECT_EQ(a3.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  Tensor a4({{{{1.f, 2.f}}}, {{{3.f, 4.f}}}});
  EXPECT_EQ(dims(a4), (Dims{2, 1, 1, 2}));
  EXPECT_EQ(a4.dtype(), DType::float32);
  EXPECT_EQ(a4.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
}

TEST(Creation, ScalarTensorHasEmptyShape) {
  Tensor s(2.5f);
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.dtype(), DType::float32);
  EXPECT_FLOAT_EQ(s.item<float>(), 2.5f);
  Tensor i(7);
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.item<int32_t>(), 7);
  Tensor d(0.25);
  EXPECT_EQ(d.ndim(), 0);
  EXPECT_DOUBLE_EQ(d.item<double>(), 0.25);
  Tensor b(true);
  EXPECT_EQ(b.dtype(), DType::bool_);
  EXPECT_EQ(b.item<uint8_t>(), 1);
}

TEST(Creation, VectorAndShapeFollowElementType) {
  Tensor f(std::vector<float>(6, 1.f), tg::Shape({2, 3}));
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(dims(f), (Dims{2, 3}));
  Tensor i(std::vector<int>{1, 2}, tg::Shape({2}));
  EXPECT_EQ(i.dtype(), DType::int32);
  Tensor d(std::vector<double>{1.5, 2.5}, tg::Shape({2, 1}));
  EXPECT_EQ(d.dtype(), DType::float64);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1.5, 2.5}));
  Tensor l(std::vector<int64_t>{-5, 1LL << 40}, tg::Shape({2}));
  EXPECT_EQ(l.dtype(), DType::int64);
  EXPECT_EQ(l.to_vector<int64_t>(), (std::vector<int64_t>{-5, 1LL << 40}));
  Tensor u(std::vector<uint8_t>{0, 255}, tg::Shape({2}));
  EXPECT_EQ(u.dtype(), DType::uint8);
  EXPECT_EQ(u.to_vector<int32_t>(), (std::vector<int32_t>{0, 255}));
  Tensor s8(std::vector<int8_t>{-128, 127}, tg::Shape({2}));
  EXPECT_EQ(s8.dtype(), DType::int8);
  EXPECT_EQ(s8.to_vector<int32_t>(), (std::vector<int32_t>{-128, 127}));
  Tensor s16(std::vector<int16_t>{-300, 300}, tg::Shape({2}));
  EXPECT_EQ(s16.dtype(), DType::int16);
  EXPECT_EQ(s16.to_vector<int32_t>(), (std::vector<int32_t>{-300, 300}));
  Tensor b(std::vector<bool>{true, false}, tg::Shape({2}));
  EXPECT_EQ(b.dtype(), DType::bool_);
  EXPECT_EQ(b.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0}));
}

TEST(Creation, OptionsDtypeOverridesElementType) {
  Tensor a(std::vector<float>{1.5f, 2.f}, tg::Shape({2}), TensorOptions{DType::float64});
  EXPECT_EQ(a.dtype(), DType::float64);
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{1.5, 2.0}));
  Tensor z = Tensor::zeros({2}, TensorOptions{DType::int64});
  EXPECT_EQ(z.dtype(), DType::int64);
}

TEST(Creation, FromBlobCopies) {
  float data[4] = {1, 2, 3, 4};
  Tensor a = Tensor::from_blob(data, {2, 2}, DType::float32);
  data[0] = 100;  // the tensor holds its own copy
  EXPECT_EQ(dims(a), (Dims{2, 2}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  int64_t ints[3] = {7, -8, 9};
  Tensor b = Tensor::from_blob(ints, {3}, DType::int64);
  EXPECT_EQ(b.dtype(), DType::int64);
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{7, -8, 9}));
}

TEST(Creation, ZerosOnesFullEmpty) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.dtype(), DType::float32);
  EXPECT_EQ(dims(z), (Dims{2, 3}));
  EXPECT_EQ(z.to_vector<float>(), std::vector<float>(6, 0.f));
  Tensor o = Tensor::ones({3});
  EXPECT_EQ(o.dtype(), DType::float32);
  EXPECT_EQ(o.to_vector<float>(), std::vector<float>(3, 1.f));
  Tensor f = Tensor::full({2, 2}, 7.5f);
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(f.to_vector<float>(), std::vector<float>(4, 7.5f));
  Tensor fi = Tensor::full({3}, 4);
  EXPECT_EQ(fi.dtype(), DType::int32);
  EXPECT_EQ(fi.to_vector<int32_t>(), std::vector<int32_t>(3, 4));
  Tensor fb = Tensor::full({2}, true);
  EXPECT_EQ(fb.dtype(), DType::bool_);
  EXPECT_EQ(fb.to_vector<uint8_t>(), std::vector<uint8_t>(2, 1));
  Tensor e = Tensor::empty({4, 5});
  EXPECT_EQ(dims(e), (Dims{4, 5}));
  EXPECT_EQ(e.dtype(), DType::float32);
}

TEST(Creation, LikeCreatorsKeepShapeAndDtype) {
  Tensor a = Tensor::ones({2, 3}, TensorOptions{DType::float64});
  Tensor z = Tensor::zeros_like(a);
  EXPECT_EQ(dims(z), (Dims{2, 3}));
  EXPECT_EQ(z.dtype(), DType::float64);
  EXPECT_EQ(z.to_vector<double>(), std::vector<double>(6, 0.0));
  Tensor o = Tensor::ones_like(Tensor({1, 2}));
  EXPECT_EQ(o.dtype(), DType::int32);
  EXPECT_EQ(o.to_vector<int32_t>(), (std::vector<int32_t>{1, 1}));
  Tensor f = Tensor::full_like(a, 3);
  EXPECT_EQ(f.dtype(), DType::float64);
  EXPECT_EQ(f.to_vector<double>(), std::vector<double>(6, 3.0));
  Tensor r = Tensor::rand_like(a);
  EXPECT_EQ(dims(r), (Dims{2, 3}));
  EXPECT_EQ(r.dtype(), DType::float64);
}

TEST(Creation, Arange) {
  EXPECT_TRUE(all_close(Tensor::arange(5), {0, 1, 2, 3, 4}));
  EXPECT_TRUE(all_close(Tensor::arange(1, 10, 3), {1, 4, 7}));
  EXPECT_TRUE(all_close(Tensor::arange(0, 1, 0.25), {0, 0.25, 0.5, 0.75}));
  EXPECT_TRUE(all_close(Tensor::arange(5, 0, -2), {5, 3, 1}));
  EXPECT_EQ(dims(Tensor::arange(7)), (Dims{7}));
  Tensor i = Tensor::arange(4, TensorOptions{DType::int32});
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3}));
}

// PyTorch's dtype rule with tg's default int: integral arguments give int32, or int64 where a
// value does not fit int32 (arange(2^31, 2^31 + 3) was int32 [2147483647] x 3); a non-integral
// one (stop included) gives float32. A given int dtype must hold every value.
TEST(Creation, ArangeDtypeFollowsTheValues) {
  Tensor big = Tensor::arange(2147483648., 2147483651.);
  EXPECT_EQ(big.dtype(), DType::int64);
  EXPECT_EQ(big.to_vector<int64_t>(), (std::vector<int64_t>{2147483648, 2147483649, 2147483650}));
  Tensor low = Tensor::arange(-2147483650., -2147483647.);
  EXPECT_EQ(low.dtype(), DType::int64);
  EXPECT_EQ(low.to_vector<int64_t>(), (std::vector<int64_t>{-2147483650, -2147483649, -2147483648}));
  EXPECT_EQ(Tensor::arange(-2147483648., -2147483646.).dtype(), DType::int32);
  Tensor f = Tensor::arange(0, 5.5);
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_TRUE(all_close(f, {0, 1, 2, 3, 4, 5}));
  Tensor i8 = Tensor::arange(128, TensorOptions{DType::int8});
  EXPECT_EQ(i8.to_vector<int8_t>().back(), 127);
  EXPECT_THROW(Tensor::arange(129, TensorOptions{DType::int8}), tg::Error);
  EXPECT_THROW(Tensor::arange(-1, 3, 1, TensorOptions{DType::uint8}), tg::Error);
  EXPECT_THROW(Tensor::arange(2147483648., TensorOptions{DType::int32}), tg::Error);
  EXPECT_EQ(Tensor::arange(0, TensorOptions{DType::int8}).numel(), 0);
}

TEST(Creation, Linspace) {
  Tensor l = Tensor::linspace(0, 1, 5);
  EXPECT_EQ(l.dtype(), DType::float32);
  EXPECT_TRUE(all_close(l, {0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_TRUE(all_close(Tensor::linspace(-1, 1, 3), {-1, 0, 1}));
  EXPECT_EQ(Tensor::linspace(0, 10, 3, TensorOptions{DType::int32}).to_vector<int32_t>(), (std::vector<int32_t>{0, 5, 10}));
  EXPECT_THROW(Tensor::linspace(0, 1, 3, TensorOptions{DType::bool_}), tg::Error);  // as PyTorch and tinygrad
}

TEST(Creation, Eye) {
  Tensor e = Tensor::eye(3);
  EXPECT_EQ(dims(e), (Dims{3, 3}));
  EXPECT_TRUE(all_close(e, {1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(Random, RandIsInUnitIntervalAndSeeded) {
  Tensor::manual_seed(1234);
  std::vector<float> a = Tensor::rand({1000}).to_vector<float>();
  EXPECT_EQ(Tensor::rand({2, 3}).dtype(), DType::float32);
  for (float v : a) {
    ASSERT_GE(v, 0.f);
    ASSERT_LT(v, 1.f);
  }
  std::set<float> distinct(a.begin(), a.end());
  EXPECT_GT(distinct.size(), 900u);
  double mean = 0;
  for (float v : a) mean += v;
  mean /= a.size();
  EXPECT_NEAR(mean, 0.5, 0.05);

  Tensor::manual_seed(1234);
  std::vector<float> b = Tensor::rand({1000}).to_vector<float>();
  EXPECT_EQ(a, b) << "manual_seed must make rand reproducible";
  std::vector<float> c = Tensor::rand({1000}).to_vector<float>();
  EXPECT_NE(a, c) << "a second draw after the seed must differ from the first";
}

TEST(Random, RandnHasMeanZeroStdOne) {
  Tensor::manual_seed(7);
  std::vector<double> v = Tensor::randn({10000}).to_vector<double>();
  double mean = 0, sq = 0;
  for (double x : v) mean += x;
  mean /= v.size();
  for (double x : v) sq += (x - mean) * (x - mean);
  double sd = std::sqrt(sq / (v.size() - 1));
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(sd, 1.0, 0.05);
  for (double x : v) ASSERT_TRUE(std::isfinite(x));
  Tensor::manual_seed(8);
  std::vector<double> a = Tensor::randn({100}).to_vector<double>();
  Tensor::manual_seed(8);
  EXPECT_EQ(Tensor::randn({100}).to_vector<double>(), a) << "manual_seed must make randn reproducible";
}

TEST(Random, RandintIsInRangeAndHitsEveryValue) {
  Tensor::manual_seed(3);
  Tensor r = Tensor::randint(3, 7, {1000});
  EXPECT_EQ(r.dtype(), DType::int32);
  std::vector<int32_t> v = r.to_vector<int32_t>();
  std::set<int32_t> seen;
  for (int32_t x : v) {
    ASSERT_GE(x, 3);
    ASSERT_LT(x, 7);
    seen.insert(x);
  }
  EXPECT_EQ(seen, (std::set<int32_t>{3, 4, 5, 6}));
}

TEST(Random, UniformAndNormal) {
  Tensor::manual_seed(11);
  std::vector<double> u = Tensor::uniform({2000}, -2.0, 3.0).to_vector<double>();
  double lo = *std::min_element(u.begin(), u.end()), hi = *std::max_element(u.begin(), u.end());
  EXPECT_GE(lo, -2.0);
  EXPECT_LT(hi, 3.0);
  EXPECT_LT(lo, -1.8);
  EXPECT_GT(hi, 2.8);
  std::vector<double> n = Tensor::normal({10000}, 5.0, 2.0).to_vector<double>();
  double mean = 0, sq = 0;
  for (double x : n) mean += x;
  mean /= n.size();
  for (double x : n) sq += (x - mean) * (x - mean);
  EXPECT_NEAR(mean, 5.0, 0.1);
  EXPECT_NEAR(std::sqrt(sq / (n.size() - 1)), 2.0, 0.1);
}

TEST(Random, KaimingAndGlorotBounds) {
  Tensor::manual_seed(5);
  // kaiming_uniform(a=sqrt(5)) on (out=4, in=16): bound = sqrt(6 / ((1 + a^2) * fan_in)) = sqrt(1/16)
  Tensor k = Tensor::kaiming_uniform({4, 16});
  EXPECT_EQ(dims(k), (Dims{4, 16}));
  double kmax = 0;
  for (double x : k.to_vector<double>()) kmax = std::max(kmax, std::fabs(x));
  EXPECT_LE(kmax, 0.25 + 1e-6);
  EXPECT_GT(kmax, 0.125);
  Tensor g = Tensor::glorot_uniform({8, 8});
  // bound = sqrt(6 / (fan_in + fan_out)) = sqrt(6/16)
  double gmax = 0;
  for (double x : g.to_vector<double>()) gmax = std::max(gmax, std::fabs(x));
  EXPECT_LE(gmax, std::sqrt(6.0 / 16.0) + 1e-6);
  EXPECT_GT(gmax, std::sqrt(6.0 / 16.0) / 2);
}

// ---------------------------------------------------------------- dtypes and promotion

TEST(Promotion, PromoteTypesFollowsTinygrad) {
  EXPECT_EQ(tg::promote_types(DType::int32, DType::float32), DType::float32);
  EXPECT_EQ(tg::promote_types(DType::int32, DType::int64), DType::int64);
  EXPECT_EQ(tg::promote_types(DType::bool_, DType::int8), DType::int8);
  EXPECT_EQ(tg::promote_types(DType::uint8, DType::int8), DType::int16);
  EXPECT_EQ(tg::promote_types(DType::float16, DType::float32), DType::float32);
  EXPECT_EQ(tg::promote_types(DType::int64, DType::float16), DType::float16);
  EXPECT_EQ(tg::promote_types(DType::float32, DType::float64), DType::float64);
  EXPECT_EQ(tg::promote_types(DType::bool_, DType::bool_), DType::bool_);
}

TEST(Promotion, DtypeHelpers) {
  EXPECT_EQ(tg::dtype_size(DType::float32), 4);
  EXPECT_EQ(tg::dtype_size(DType::bfloat16), 2);
  EXPECT_EQ(tg::dtype_size(DType::int64), 8);
  EXPECT_EQ(tg::dtype_size(DType::bool_), 1);
  EXPECT_STREQ(tg::dtype_name(DType::float32), "float32");
  EXPECT_STREQ(tg::dtype_name(DType::bool_), "bool");
  EXPECT_TRUE(tg::is_float(DType::bfloat16));
  EXPECT_FALSE(tg::is_float(DType::int8));
  EXPECT_TRUE(tg::is_int(DType::uint8));
  EXPECT_FALSE(tg::is_int(DType::bool_));
}

TEST(Promotion, IntPlusFloatIsFloat32) {
  Tensor d = Tensor({1, 2, 3}) + Tensor::zeros({3});
  EXPECT_EQ(d.dtype(), DType::float32);
  EXPECT_TRUE(all_close(d, {1, 2, 3}));
  EXPECT_TRUE(all_close(d * 2, {2, 4, 6}));
}

TEST(Promotion, Int32PlusInt64IsInt64) {
  Tensor r = Tensor({1, 2}) + Tensor(std::vector<int64_t>{10, 1LL << 33}, tg::Shape({2}));
  EXPECT_EQ(r.dtype(), DType::int64);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{11, (1LL << 33) + 2}));
}

TEST(Promotion, BoolPlusInt8IsInt8) {
  Tensor r = Tensor({true, false}) + Tensor(std::vector<int8_t>{5, -6}, tg::Shape({2}));
  EXPECT_EQ(r.dtype(), DType::int8);
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{6, -6}));
}

TEST(Promotion, IntTensorWithIntScalarStaysInt32) {
  Tensor r = Tensor({1, 2, 3}) + 2;
  EXPECT_EQ(r.dtype(), DType::int32);
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{3, 4, 5}));
  Tensor m = 3 * Tensor({1, 2});
  EXPECT_EQ(m.dtype(), DType::int32);
  EXPECT_EQ(m.to_vector<int32_t>(), (std::vector<int32_t>{3, 6}));
}

TEST(Promotion, IntTensorWithFloatScalarIsFloat32) {
  Tensor r = Tensor({1, 2, 3}) + 2.5;
  EXPECT_EQ(r.dtype(), DType::float32);
  EXPECT_TRUE(all_close(r, {3.5, 4.5, 5.5}));
  Tensor m = Tensor({1, 2}) * 0.5f;
  EXPECT_EQ(m.dtype(), DType::float32);
  EXPECT_TRUE(all_close(m, {0.5, 1.0}));
}

TEST(Promotion, FloatScalarKeepsHalfTensorHalf) {
  Tensor h = Tensor({1.f, 2.f}).cast(DType::float16) * 2.5;
  EXPECT_EQ(h.dtype(), DType::float16);
  EXPECT_TRUE(all_close(h, {2.5, 5.0}));
}

TEST(Promotion, IntDivisionIsTrueDivision) {
  Tensor r = Tensor({1, 2, 3, -7}) / Tensor({2, 2, 2, 2});
  EXPECT_EQ(r.dtype(), DType::float32);
  EXPECT_TRUE(all_close(r, {0.5, 1.0, 1.5, -3.5}));
  Tensor s = Tensor({1, 4}) / 2;
  EXPECT_EQ(s.dtype(), DType::float32);
  EXPECT_TRUE(all_close(s, {0.5, 2.0}));
}
