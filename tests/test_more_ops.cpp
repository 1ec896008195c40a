// The ops models reach for: pad modes. Forward values from PyTorch (float64, printed to 16
// digits), gradients against central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>

#include "nn_test_util.hpp"
#include "tg_test_util.hpp"

using nntest::check_grad;
using nntest::Input;
using nntest::ramp;
using tg::DType;
using tg::Tensor;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;

namespace {

Tensor iota(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(i));
  return Tensor(v, tg::Shape(shape));
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---------------------------------------------------------------- a string is never a Scalar

// x.pad(pairs, "reflect") used to compile as pad(pairs, Scalar(bool("reflect"))) and pad with 1.0.
static_assert(!std::is_convertible_v<const char*, tg::Scalar>, "a C string must not become a Scalar");
static_assert(!std::is_convertible_v<const char (&)[8], tg::Scalar>, "a string literal must not become a Scalar");
static_assert(!std::is_convertible_v<std::string, tg::Scalar>, "a std::string must not become a Scalar");
static_assert(!std::is_convertible_v<std::string_view, tg::Scalar>, "a string_view must not become a Scalar");
static_assert(!std::is_convertible_v<int*, tg::Scalar>, "a pointer must not become a Scalar");
static_assert(std::is_convertible_v<bool, tg::Scalar> && std::is_convertible_v<float, tg::Scalar>);

// ---------------------------------------------------------------- pad modes

TEST(PadModes, ReflectReplicateCircularOneDim) {
  Tensor x = iota({3, 4});
  // torch.nn.functional.pad(x[None], (3, 1), mode)
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, 1}}, "reflect"),
                        {3, 2, 1, 0, 1, 2, 3, 2, 7, 6, 5, 4, 5, 6, 7, 6, 11, 10, 9, 8, 9, 10, 11, 10}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, 1}}, "replicate"),
                        {0, 0, 0, 0, 1, 2, 3, 3, 4, 4, 4, 4, 5, 6, 7, 7, 8, 8, 8, 8, 9, 10, 11, 11}));
  EXPECT_TRUE(all_close(x.pad({{0, 0}, {3, 1}}, "circular"),
                        {1, 2, 3, 0, 1, 2, 3, 0, 5, 6, 7, 4, 5, 6, 7, 4, 9, 10, 11, 8, 9, 10, 11, 8}));
  EXPECT_EQ(dims(x.pad({{0, 0}, {3, 1}}, "reflect")), (Dims{3, 8}));
}

TEST(PadModes, TwoDimsAsPyTorch) {
  Tensor x = iota({1, 1, 3, 4});
  // torch.nn.functional.pad(x, (1, 2, 2, 1), mode): rows (2, 1), columns (1, 2)
  std::vector<std::pair<int64_t, int64_t>> p = {{0, 0}, {0, 0}, {2, 1}, {1, 2}};
  EXPECT_TRUE(all_close(x.pad(p, "reflect"),
                        {9, 8, 9, 10, 11, 10, 9, 5, 4, 5, 6, 7, 6, 5, 1, 0, 1, 2, 3, 2, 1, 5, 4, 5, 6, 7, 6,
                         5, 9, 8, 9, 10, 11, 10, 9, 5, 4, 5, 6, 7, 6, 5}));
  EXPECT_TRUE(all_close(x.pad(p, "replicate"),
                        {0, 0, 1, 2, 3, 3, 3, 0, 0, 1, 2, 3, 3, 3, 0, 0, 1, 2, 3, 3, 3, 4, 4, 5, 6, 7, 7,
                         7, 8, 8, 9, 10, 11, 11, 11, 8, 8, 9, 10, 11, 11, 11}));
  EXPECT_TRUE(all_close(x.pad(p, "circular"),
                        {7, 4, 5, 6, 7, 4, 5, 11, 8, 9, 10, 11, 8, 9, 3, 0, 1, 2, 3, 0, 1, 7, 4, 5, 6, 7, 4,
                         5, 11, 8, 9, 10, 11, 8, 9, 3, 0, 1, 2, 3, 0, 1}));
  EXPECT_EQ(dims(x.pad(p, "circular")), (Dims{1, 1, 6, 7}));
}

TEST(PadModes, ConstantTakesTheValueLast) {
  Tensor x = Tensor({1.f, 2.f});
  EXPECT_TRUE(all_close(x.pad({{1, 2}}, "constant", 7.f), {7, 1, 2, 7, 7}));
  EXPECT_TRUE(all_close(x.pad({{1, 0}}, "constant"), {0, 1, 2}));
  EXPECT_TRUE(all_close(x.pad({{1, 0}}, std::string("reflect")), {2, 1, 2}));
}

TEST(PadModes, BadInputNamesTheProblem) {
  Tensor x = iota({3, 4});
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {4, 0}}, "reflect"); }).find("< the dim's size"), std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {5, 0}}, "circular"); }).find("at most once"), std::string::npos);
  EXPECT_NO_THROW(x.pad({{0, 0}, {4, 4}}, "circular"));
  std::string e = error_of([&] { x.pad({{0, 0}, {1, 1}}, "symmetric"); });
  EXPECT_NE(e.find("\"symmetric\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"reflect\""), std::string::npos) << e;
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {1, 1}}, "reflect", 2.f); }).find("only used by mode \"constant\""),
            std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{1, 1}}, "replicate"); }).find("one pair per dim"), std::string::npos);
  EXPECT_NE(error_of([&] { x.pad({{0, 0}, {-1, 0}}, "reflect"); }).find(">= 0"), std::string::npos);
  EXPECT_NE(error_of([&] { Tensor::zeros({2, 0}).pad({{0, 0}, {1, 0}}, "replicate"); }).find("non-empty"),
            std::string::npos);
}

TEST(PadModes, Gradients) {
  for (const char* mode : {"reflect", "replicate", "circular"}) {
    SCOPED_TRACE(mode);
    check_grad([&](const std::vector<Tensor>& in) { return in[0].pad({{1, 2}, {2, 1}}, mode); }, {ramp({3, 4})});
  }
}

