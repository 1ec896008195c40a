// libtorch's indexing forms: x.index({...}) and x.index_put_({...}, value). Expected values from
// PyTorch (numpy for negative steps, which PyTorch refuses and tinygrad allows).
#include <gtest/gtest.h>

#include <string>

#include "nn_test_util.hpp"
#include "tg_test_util.hpp"

using nntest::check_grad;
using nntest::ramp;
using tg::DType;
using tg::Ellipsis;
using tg::None;
using tg::Slice;
using tg::Tensor;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;
using tgtest::error_of;
using tgtest::iota;

namespace {

std::vector<double> range(int a, int b) {
  std::vector<double> v;
  for (int i = a; i < b; i++) v.push_back(i);
  return v;
}
Tensor ints(std::vector<int32_t> v, Dims shape) { return Tensor(std::move(v), tg::Shape(shape)); }

}  // namespace

// ---------------------------------------------------------------- basic indexing: views

TEST(Index, SlicesNoneEllipsisInts) {
  Tensor x = iota({2, 3, 4});
  Tensor a = x.index({Slice(), Slice(1, 3)});  // x[:, 1:3]
  EXPECT_EQ(dims(a), (Dims{2, 2, 4}));
  EXPECT_TRUE(all_close(a, {4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23}));
  Tensor b = x.index({None, Ellipsis, -1});  // x[None, ..., -1]
  EXPECT_EQ(dims(b), (Dims{1, 2, 3}));
  EXPECT_TRUE(all_close(b, {3, 7, 11, 15, 19, 23}));
  EXPECT_TRUE(all_close(x.index({1, Slice(None, None, 2), 1}), {13, 21}));  // x[1, ::2, 1]
  EXPECT_EQ(dims(x.index({1})), (Dims{3, 4}));
  EXPECT_EQ(dims(x.index({})), (Dims{2, 3, 4}));
  EXPECT_EQ(dims(x.index({1, 2, 3})), Dims{});
  EXPECT_TRUE(all_close(x.index({-1, -1, -1}), {23}));
  EXPECT_EQ(dims(x.index({Ellipsis, None})), (Dims{2, 3, 4, 1}));
  EXPECT_EQ(dims(x.index({Slice(), None, 0, None})), (Dims{2, 1, 1, 4}));
  // out-of-range slice bounds clamp as Python's; an empty slice is an empty dim
  EXPECT_TRUE(all_close(x.index({Slice(), Slice(-100, 100, 2), -1}), {3, 11, 15, 23}));
  EXPECT_EQ(dims(x.index({Slice(5, 9)})), (Dims{0, 3, 4}));
  EXPECT_EQ(dims(x.index({Slice(), Slice(2, 1)})), (Dims{2, 0, 4}));
}

TEST(Index, NegativeStepsAsNumpy) {
  Tensor x = iota({2, 3, 4});
  EXPECT_TRUE(all_close(x.index({Ellipsis, Slice(None, None, -2)}), {3, 1, 7, 5, 11, 9, 15, 13, 19, 17, 23, 21}));
  EXPECT_TRUE(all_close(x.index({Slice(), Slice(5, -10, -2), 1}), {9, 1, 21, 13}));  // x[:, 5:-10:-2, 1]
  EXPECT_TRUE(all_close(x.index({0, 0, Slice(None, None, -1)}), {3, 2, 1, 0}));
}

TEST(Index, BasicIndexingIsAViewWithGradients) {
  check_grad([](const std::vector<Tensor>& in) { return in[0].index({Slice(1, None), None, Slice(None, None, -2)}); },
             {ramp({3, 5})});
  // a view: no kernel runs until the result is used (it is a movement of a realized buffer)
  Tensor x = iota({4, 4}).realize();
  Tensor v = x.index({Slice(1, 3), 2});
  EXPECT_FALSE(v.is_realized());
  EXPECT_TRUE(all_close(v, {6, 10}));
}

// ---------------------------------------------------------------- advanced indexing

TEST(Index, IntTensorsAsPyTorch) {
  Tensor x = iota({2, 3, 4});
  Tensor idx = ints({2, 0, 1, 1}, {2, 2});
  Tensor a = x.index({Slice(), idx});  // x[:, idx]
  EXPECT_EQ(dims(a), (Dims{2, 2, 2, 4}));
  EXPECT_TRUE(all_close(a, {8,  9,  10, 11, 0,  1,  2,  3,  4,  5,  6,  7,  4,  5,  6,  7,
                            20, 21, 22, 23, 12, 13, 14, 15, 16, 17, 18, 19, 16, 17, 18, 19}));
  // separated by a slice: the broadcast dims go first
  Tensor i0 = ints({1, 0}, {2}), i2 = ints({3, 0}, {2, 1});
  Tensor b = x.index({i0, Slice(), i2});
  EXPECT_EQ(dims(b), (Dims{2, 2, 3}));
  EXPECT_TRUE(all_close(b, {15, 19, 23, 3, 7, 11, 12, 16, 20, 0, 4, 8}));
  // adjacent: they stay in place
  Tensor c = x.index({Slice(), ints({2, 0}, {2}), i2});
  EXPECT_EQ(dims(c), (Dims{2, 2, 2}));
  EXPECT_TRUE(all_close(c, {11, 3, 8, 0, 23, 15, 20, 12}));
  // an int between index tensors separates them, as in PyTorch
  Tensor d = x.index({i0, 1, i2});
  EXPECT_EQ(dims(d), (Dims{2, 2}));
  EXPECT_TRUE(all_close(d, {19, 7, 16, 4}));
  Tensor e = x.index({None, i0, None, -1});
  EXPECT_EQ(dims(e), (Dims{1, 2, 1, 4}));
  EXPECT_TRUE(all_close(e, {20, 21, 22, 23, 8, 9, 10, 11}));
  // negative values count from the end; int64 index tensors work too
  Tensor f = x.index({Tensor(std::vector<int64_t>{-1, 0}, {2}), 0, 0});
  EXPECT_TRUE(all_close(f, {12, 0}));
  // ints and bools of the tensor keep their dtype
  Tensor xi = Tensor({5, 6, 7});
  EXPECT_EQ(xi.index({ints({2, 2, 0}, {3})}).dtype(), DType::int32);
  EXPECT_TRUE(all_close(xi.index({ints({2, 2, 0}, {3})}), {7, 7, 5}));
}

TEST(Index, AdvancedGradientsAddUpRepeats) {
  Tensor idx = ints({2, 0, 2, 1, 2}, {5});
  check_grad([&](const std::vector<Tensor>& in) { return in[0].index({Slice(), idx}); }, {ramp({2, 3})});
  check_grad([&](const std::vector<Tensor>& in) { return in[0].index({idx, None, ints({1, 0, 1, 1, 0}, {5})}); },
             {ramp({3, 2})});
}

// ---------------------------------------------------------------- index_put_

TEST(IndexPut, ScalarIntoAView) {
  Tensor y = iota({2, 3, 4});
  y.index_put_({Slice(), 0}, 5.f);  // y[:, 0] = 5
  EXPECT_TRUE(all_close(y, {5, 5, 5, 5, 4, 5, 6, 7, 8, 9, 10, 11, 5, 5, 5, 5, 16, 17, 18, 19, 20, 21, 22, 23}));
  Tensor z = iota({2, 3, 4});
  Tensor alias = z;  // in place: every copy of the handle sees it, like assign()
  z.index_put_({1, Slice(None, None, -2), Slice(1, None)}, Tensor({100.f, 200.f, 300.f}));
  EXPECT_TRUE(all_close(alias, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                12, 100, 200, 300, 16, 17, 18, 19, 20, 100, 200, 300}));
  Tensor w = iota({2, 3, 4});
  w.index_put_({Ellipsis, Slice(1, None, 2)}, Tensor({{-1.f}, {-2.f}, {-3.f}}));  // (3, 1) broadcasts to (2, 3, 2)
  EXPECT_TRUE(all_close(w.index({0}), {0, -1, 2, -1, 4, -2, 6, -2, 8, -3, 10, -3}));
  Tensor e = iota({3});
  e.index_put_({Slice(2, 1)}, 9.f);  // selects nothing
  EXPECT_TRUE(all_close(e, {0, 1, 2}));
}

TEST(IndexPut, IntTensors) {
  Tensor y = iota({2, 3, 4});
  y.index_put_({ints({1, 0}, {2}), ints({0, 2}, {2})}, Tensor({{-1.f}, {-2.f}}));
  EXPECT_TRUE(all_close(y, {0,  1,  2,  3,  4,  5,  6,  7,  -2, -2, -2, -2,
                            -1, -1, -1, -1, 16, 17, 18, 19, 20, 21, 22, 23}));
  Tensor z = iota({2, 3, 4});
  z.index_put_({Slice(), ints({2, 0}, {2}), ints({1}, {1})}, -7.f);
  EXPECT_TRUE(all_close(z, {0,  -7, 2,  3,  4,  5,  6,  7,  8,  -7, 10, 11,
                            12, -7, 14, 15, 16, 17, 18, 19, 20, -7, 22, 23}));
  Tensor w = iota({2, 3, 4});
  w.index_put_({None, 1, None, ints({0, 2}, {2})}, Tensor({1.f, 2.f, 3.f, 4.f}));
  EXPECT_TRUE(all_close(w, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 3, 4, 16, 17, 18, 19, 1, 2, 3, 4}));
  // repeated positions: the last value is written
  Tensor r = Tensor({0, 0, 0});
  r.index_put_({ints({2, 0, 2}, {3})}, Tensor({7, 8, 9}));
  EXPECT_TRUE(all_close(r, {8, 0, 9}));
}

// ---------------------------------------------------------------- bad indices

TEST(IndexErrors, QuoteWhatWasGiven) {
  Tensor x = iota({2, 3});
  std::string e = error_of([&] { x.index({Slice(), 3}); });
  EXPECT_NE(e.find("index 3"), std::string::npos) << e;
  EXPECT_NE(e.find("size 3"), std::string::npos) << e;
  EXPECT_NE(e.find("{Slice(None, None, None), 3}"), std::string::npos) << e;
  e = error_of([&] { x.index({0, 0, 0}); });
  EXPECT_NE(e.find("too many indices"), std::string::npos) << e;
  e = error_of([&] { x.index({Ellipsis, 0, Ellipsis}); });
  EXPECT_NE(e.find("at most one"), std::string::npos) << e;
  e = error_of([&] { x.index({Slice(0, 2, 0)}); });
  EXPECT_NE(e.find("step cannot be zero"), std::string::npos) << e;
  e = error_of([&] { x.index({Tensor({0.f, 1.f})}); });
  EXPECT_NE(e.find("float32"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;
  e = error_of([&] { x.index({Tensor({true, false})}); });
  EXPECT_NE(e.find("masked_fill"), std::string::npos) << e;
  EXPECT_NE(e.find("where"), std::string::npos) << e;
  e = error_of([&] { x.index({ints({0, 1, 1}, {3}), ints({0, 1}, {2})}); });
  EXPECT_NE(e.find("cannot be broadcast"), std::string::npos) << e;
  EXPECT_NE(e.find(tg::Shape({3}).to_string()), std::string::npos) << e;
  e = error_of([&] { x.index({Slice(), ints({0, 3}, {2})}); });
  EXPECT_NE(e.find("index 3"), std::string::npos) << e;
  EXPECT_NE(e.find("size 3"), std::string::npos) << e;
  e = error_of([&] { x.index({ints({-3}, {1})}); });
  EXPECT_NE(e.find("index -3"), std::string::npos) << e;
  e = error_of([&] { x.index_put_({0}, Tensor({1.f, 2.f})); });
  EXPECT_NE(e.find("does not broadcast"), std::string::npos) << e;
  e = error_of([&] { x.index_put_({Tensor({true, false})}, 1.f); });
  EXPECT_NE(e.find("masked_fill"), std::string::npos) << e;
  EXPECT_TRUE(all_close(x, {0, 1, 2, 3, 4, 5}));  // a failed index_put_ changes nothing
}
