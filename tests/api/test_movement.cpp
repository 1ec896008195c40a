// Movement ops with exact expected vectors, on leaves and on computed values (chains of views on
// top of computed values are where schedulers go wrong).
#include <gtest/gtest.h>

#include <cmath>

#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;
using tgtest::iota;

namespace {

// {{1, 2, 3}, {4, 5, 6}} as float32
Tensor m23() { return Tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}); }
// 0..n-1 as float32, of the given shape
std::vector<double> range(int a, int b, int step = 1) {
  std::vector<double> v;
  for (int i = a; step > 0 ? i < b : i > b; i += step) v.push_back(i);
  return v;
}

}  // namespace

// ---------------------------------------------------------------- reshape, permute, transpose

TEST(Reshape, ShapesAndMinusOne) {
  Tensor t = m23();
  Tensor r = t.reshape({3, 2});
  EXPECT_EQ(dims(r), (Dims{3, 2}));
  EXPECT_TRUE(all_close(r, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(dims(t.reshape({-1})), (Dims{6}));
  EXPECT_EQ(dims(t.reshape({-1, 3})), (Dims{2, 3}));
  EXPECT_EQ(dims(t.reshape({1, -1, 2})), (Dims{1, 3, 2}));
  EXPECT_EQ(dims(t.view({6, 1})), (Dims{6, 1}));
  EXPECT_EQ(dims(Tensor({5.f}).reshape(tg::Shape())), (Dims{}));
}

TEST(Permute, ThreeD) {
  Tensor t = iota({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(dims(p), (Dims{4, 2, 3}));
  std::vector<double> want;
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) want.push_back(i * 12 + j * 4 + k);
  EXPECT_TRUE(all_close(p, want));
  EXPECT_TRUE(all_close(t.permute({0, 1, 2}), range(0, 24)));
}

TEST(Transpose, DefaultAndAxes) {
  Tensor t = m23();
  EXPECT_EQ(dims(t.transpose()), (Dims{3, 2}));
  EXPECT_TRUE(all_close(t.transpose(), {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(all_close(t.transpose(0, 1), {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(all_close(t.T(), {1, 4, 2, 5, 3, 6}));
  Tensor c = iota({2, 3, 4}).transpose(0, 2);
  EXPECT_EQ(dims(c), (Dims{4, 3, 2}));
  std::vector<double> want;
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 2; ++i) want.push_back(i * 12 + j * 4 + k);
  EXPECT_TRUE(all_close(c, want));
  EXPECT_EQ(dims(iota({2, 3, 4}).transpose(-1, -2)), (Dims{2, 4, 3}));
}

// ---------------------------------------------------------------- expand, pad, shrink, flip

TEST(Expand, BroadcastsSizeOneAndNewDims) {
  Tensor col = Tensor({1.f, 2.f}).reshape({2, 1});
  Tensor e = col.expand({2, 3});
  EXPECT_EQ(dims(e), (Dims{2, 3}));
  EXPECT_TRUE(all_close(e, {1, 1, 1, 2, 2, 2}));
  EXPECT_TRUE(all_close(col.expand({-1, 3}), {1, 1, 1, 2, 2, 2}));
  Tensor row({1.f, 2.f, 3.f});
  Tensor r = row.expand({2, 3});
  EXPECT_EQ(dims(r), (Dims{2, 3}));
  EXPECT_TRUE(all_close(r, {1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(dims(m23().expand({4, 2, 3})), (Dims{4, 2, 3}));
  EXPECT_TRUE(all_close(m23().expand({2, 2, 3}).sum(0), {2, 4, 6, 8, 10, 12}));
}

TEST(Pad, ZerosAndValue) {
  Tensor t({{1.f, 2.f}, {3.f, 4.f}});
  Tensor p = t.pad({{0, 0}, {1, 2}});
  EXPECT_EQ(dims(p), (Dims{2, 5}));
  EXPECT_TRUE(all_close(p, {0, 1, 2, 0, 0, 0, 3, 4, 0, 0}));
  Tensor v = t.pad({{0, 0}, {1, 2}}, -1.f);
  EXPECT_TRUE(all_close(v, {-1, 1, 2, -1, -1, -1, 3, 4, -1, -1}));
  Tensor rows = t.pad({{1, 1}, {0, 0}}, 7.f);
  EXPECT_EQ(dims(rows), (Dims{4, 2}));
  EXPECT_TRUE(all_close(rows, {7, 7, 1, 2, 3, 4, 7, 7}));
  Tensor i = Tensor({1, 2}).pad({{2, 0}});
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{0, 0, 1, 2}));
}

TEST(Shrink, Ranges) {
  Tensor t = m23();
  Tensor s = t.shrink({{0, 1}, {1, 3}});
  EXPECT_EQ(dims(s), (Dims{1, 2}));
  EXPECT_TRUE(all_close(s, {2, 3}));
  EXPECT_TRUE(all_close(t.shrink({{1, 2}, {0, 3}}), {4, 5, 6}));
  EXPECT_TRUE(all_close(iota({2, 3, 4}).shrink({{1, 2}, {1, 3}, {2, 4}}), {18, 19, 22, 23}));
}

TEST(Flip, AxesForms) {
  Tensor t = m23();
  EXPECT_TRUE(all_close(t.flip(0), {4, 5, 6, 1, 2, 3}));
  EXPECT_TRUE(all_close(t.flip(1), {3, 2, 1, 6, 5, 4}));
  EXPECT_TRUE(all_close(t.flip(-1), {3, 2, 1, 6, 5, 4}));
  EXPECT_TRUE(all_close(t.flip({0, 1}), {6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(dims(t.flip({0, 1})), (Dims{2, 3}));
}

// ---------------------------------------------------------------- slice and indexing

TEST(Slice, StartEndStep) {
  Tensor a = iota({10});
  EXPECT_TRUE(all_close(a.slice(0, 2, 5), {2, 3, 4}));
  EXPECT_EQ(dims(a.slice(0, 2, 5)), (Dims{3}));
  EXPECT_TRUE(all_close(a.slice(0, 2, 8, 3), {2, 5}));
  EXPECT_TRUE(all_close(a.slice(0, 0, 10, 4), {0, 4, 8}));
  EXPECT_TRUE(all_close(a.slice(0, 1, 10, 2), {1, 3, 5, 7, 9}));
}

TEST(Slice, NegativeIndicesCountFromEnd) {
  Tensor a = iota({10});
  EXPECT_TRUE(all_close(a.slice(0, -3, 10), {7, 8, 9}));
  EXPECT_TRUE(all_close(a.slice(0, -4, -1), {6, 7, 8}));
  EXPECT_TRUE(all_close(a.slice(0, 0, -8), {0, 1}));
  Tensor m = iota({3, 4});
  EXPECT_TRUE(all_close(m.slice(-1, 1, 3), {1, 2, 5, 6, 9, 10}));
  EXPECT_TRUE(all_close(m.slice(0, -1, 3), {8, 9, 10, 11}));
}

TEST(Slice, EndBeyondSizeIsClamped) {
  Tensor a = iota({10});
  EXPECT_TRUE(all_close(a.slice(0, 5, 100), {5, 6, 7, 8, 9}));
}

TEST(Slice, TwoDWithStep) {
  Tensor m = iota({4, 5});
  Tensor s = m.slice(1, 0, 5, 2);
  EXPECT_EQ(dims(s), (Dims{4, 3}));
  EXPECT_TRUE(all_close(s, {0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19}));
  Tensor r = m.slice(0, 1, 4, 2).slice(1, 1, 3);
  EXPECT_EQ(dims(r), (Dims{2, 2}));
  EXPECT_TRUE(all_close(r, {6, 7, 16, 17}));
}

TEST(Index, OperatorBracket) {
  Tensor t = m23();
  Tensor row = t[1];
  EXPECT_EQ(dims(row), (Dims{3}));
  EXPECT_TRUE(all_close(row, {4, 5, 6}));
  EXPECT_TRUE(all_close(t[-1], {4, 5, 6}));
  EXPECT_TRUE(all_close(t[0], {1, 2, 3}));
  Tensor s = t[1][2];
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_FLOAT_EQ(s.item<float>(), 6.f);
  EXPECT_EQ(Tensor({7, 8, 9})[-2].item<int32_t>(), 8);
}

// A size-1 slice of padded data: the padding row must read as the pad value, the data row as
// the data (the view used to take any size-1 dim for data before clipping its mask).
TEST(Index, OneWideSliceOfPaddedData) {
  Tensor x({1.f, 2.f});
  EXPECT_TRUE(all_close(tg::stack({x, x, x})[0], {1, 2}));
  EXPECT_TRUE(all_close(tg::stack({x, x * 2, x * 3})[2], {3, 6}));
  EXPECT_FLOAT_EQ(Tensor({1.f}).pad({{1, 0}})[0].item<float>(), 0.f);
  EXPECT_FLOAT_EQ(Tensor({1.f}).pad({{1, 0}})[1].item<float>(), 1.f);
  EXPECT_FLOAT_EQ(x.pad({{1, 0}})[0].item<float>(), 0.f);
  EXPECT_FLOAT_EQ(x.pad({{1, 0}}, 5.f)[0].item<float>(), 5.f);
  EXPECT_TRUE(all_close(x.pad({{0, 2}}).slice(0, 2, 3).expand({3}), {0, 0, 0}));
  EXPECT_TRUE(all_close(x.reshape({1, 2}).pad({{1, 1}, {0, 0}})[0], {0, 0}));
  EXPECT_TRUE(all_close(x.reshape({1, 2}).pad({{1, 1}, {0, 0}})[1], {1, 2}));
}

// gather of a 0-d tensor with a 0-d index reads the one element (PyTorch); it crashed.
TEST(Gather, ZeroDimTensorAndIndex) {
  Tensor g = Tensor(5.f).gather(0, Tensor(0));
  EXPECT_EQ(g.ndim(), 0);
  EXPECT_FLOAT_EQ(g.item<float>(), 5.f);
  EXPECT_EQ(Tensor(7).gather(-1, Tensor(0)).item<int32_t>(), 7);
  Tensor x(3.f);
  x.gather(0, Tensor(0)).backward();
  EXPECT_FLOAT_EQ(x.grad()->item<float>(), 1.f);
}

// ---------------------------------------------------------------- cat, stack, chunk, split

TEST(Cat, AlongDims) {
  Tensor a({{1.f, 2.f}});
  Tensor b({{3.f, 4.f}, {5.f, 6.f}});
  Tensor c = tg::cat({a, b}, 0);
  EXPECT_EQ(dims(c), (Dims{3, 2}));
  EXPECT_TRUE(all_close(c, {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(all_close(tg::cat({a, b}), {1, 2, 3, 4, 5, 6}));
  Tensor l = Tensor({1.f, 2.f}).reshape({2, 1});
  Tensor d = tg::cat({l, b}, 1);
  EXPECT_EQ(dims(d), (Dims{2, 3}));
  EXPECT_TRUE(all_close(d, {1, 3, 4, 2, 5, 6}));
  EXPECT_TRUE(all_close(tg::cat({b, l}, -1), {3, 4, 1, 5, 6, 2}));
  Tensor t = m23();
  EXPECT_EQ(dims(tg::cat({t, t}, 1)), (Dims{2, 6}));
  EXPECT_TRUE(all_close(tg::cat({t, t, t}, 0).sum(0), {15, 21, 27}));
}

TEST(Cat, ComputedPiecesAndDtype) {
  Tensor t = m23();
  Tensor c = tg::cat({t + 1, t * 2}, 0);
  EXPECT_TRUE(all_close(c, {2, 3, 4, 5, 6, 7, 2, 4, 6, 8, 10, 12}));
  Tensor i = tg::cat({Tensor({1, 2}), Tensor({3})});
  EXPECT_EQ(i.dtype(), DType::int32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3}));
}

TEST(Stack, NewDim) {
  Tensor t = m23();
  Tensor u = t * 10;
  Tensor s0 = tg::stack({t, u}, 0);
  EXPECT_EQ(dims(s0), (Dims{2, 2, 3}));
  EXPECT_TRUE(all_close(s0, {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}));
  Tensor s1 = tg::stack({t, u}, 1);
  EXPECT_EQ(dims(s1), (Dims{2, 2, 3}));
  EXPECT_TRUE(all_close(s1, {1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60}));
  Tensor s2 = tg::stack({t, u}, -1);
  EXPECT_EQ(dims(s2), (Dims{2, 3, 2}));
  EXPECT_TRUE(all_close(s2, {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}));
  EXPECT_EQ(dims(tg::stack({Tensor({1.f}), Tensor({2.f}), Tensor({3.f})})), (Dims{3, 1}));
}

TEST(Chunk, EvenAndUneven) {
  std::vector<Tensor> c = iota({6}).chunk(3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_TRUE(all_close(c[0], {0, 1}));
  EXPECT_TRUE(all_close(c[1], {2, 3}));
  EXPECT_TRUE(all_close(c[2], {4, 5}));
  std::vector<Tensor> u = iota({5}).chunk(3);
  ASSERT_EQ(u.size(), 3u);
  EXPECT_TRUE(all_close(u[0], {0, 1}));
  EXPECT_TRUE(all_close(u[1], {2, 3}));
  EXPECT_TRUE(all_close(u[2], {4}));
  std::vector<Tensor> cols = iota({2, 4}).chunk(2, 1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(dims(cols[1]), (Dims{2, 2}));
  EXPECT_TRUE(all_close(cols[1], {2, 3, 6, 7}));
}

TEST(Split, BySizeAndSizes) {
  std::vector<Tensor> s = iota({5}).split(2);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(all_close(s[0], {0, 1}));
  EXPECT_TRUE(all_close(s[1], {2, 3}));
  EXPECT_TRUE(all_close(s[2], {4}));
  std::vector<Tensor> v = iota({5}).split(std::vector<int64_t>{1, 4});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_TRUE(all_close(v[0], {0}));
  EXPECT_TRUE(all_close(v[1], {1, 2, 3, 4}));
  std::vector<Tensor> r = iota({3, 2}).split(std::vector<int64_t>{2, 1}, 0);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(dims(r[0]), (Dims{2, 2}));
  EXPECT_TRUE(all_close(r[1], {4, 5}));
}

// ---------------------------------------------------------------- squeeze, flatten, repeat

TEST(Squeeze, SqueezeUnsqueeze) {
  Tensor t = iota({1, 3, 1});
  EXPECT_EQ(dims(t.squeeze()), (Dims{3}));
  EXPECT_EQ(dims(t.squeeze(0)), (Dims{3, 1}));
  EXPECT_EQ(dims(t.squeeze(-1)), (Dims{1, 3}));
  EXPECT_EQ(dims(t.squeeze(1)), (Dims{1, 3, 1}));  // size 3: unchanged, as torch
  Tensor v = iota({3});
  EXPECT_EQ(dims(v.unsqueeze(0)), (Dims{1, 3}));
  EXPECT_EQ(dims(v.unsqueeze(1)), (Dims{3, 1}));
  EXPECT_EQ(dims(v.unsqueeze(-1)), (Dims{3, 1}));
  EXPECT_EQ(dims(m23().unsqueeze(2)), (Dims{2, 3, 1}));
  EXPECT_TRUE(all_close(v.unsqueeze(0).squeeze(), {0, 1, 2}));
}

TEST(Flatten, RangesAndUnflatten) {
  Tensor t = iota({2, 3, 4});
  EXPECT_EQ(dims(t.flatten()), (Dims{24}));
  EXPECT_EQ(dims(t.flatten(1)), (Dims{2, 12}));
  EXPECT_EQ(dims(t.flatten(0, 1)), (Dims{6, 4}));
  EXPECT_TRUE(all_close(t.flatten(1), range(0, 24)));
  Tensor u = iota({3, 4}).unflatten(1, {2, 2});
  EXPECT_EQ(dims(u), (Dims{3, 2, 2}));
  EXPECT_TRUE(all_close(u, range(0, 12)));
  EXPECT_EQ(dims(iota({6}).unflatten(0, {-1, 3})), (Dims{2, 3}));
}

TEST(Repeat, Tiles) {
  Tensor t({{1.f, 2.f}, {3.f, 4.f}});
  Tensor r = t.repeat({2, 1});
  EXPECT_EQ(dims(r), (Dims{4, 2}));
  EXPECT_TRUE(all_close(r, {1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_TRUE(all_close(t.repeat({1, 2}), {1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_TRUE(all_close(Tensor({1.f, 2.f}).repeat({3}), {1, 2, 1, 2, 1, 2}));
  Tensor n = Tensor({1.f, 2.f}).repeat({2, 2});
  EXPECT_EQ(dims(n), (Dims{2, 4}));
  EXPECT_TRUE(all_close(n, {1, 2, 1, 2, 1, 2, 1, 2}));
}

// repeat(r) on the host: out[i...] = in[i_d % base_d ...] over the shape padded with 1s in front.
static std::vector<double> repeat_ref(const std::vector<double>& in, Dims shape, const Dims& reps) {
  shape.insert(shape.begin(), reps.size() - shape.size(), 1);
  Dims out_shape;
  int64_t n = 1;
  for (size_t d = 0; d < shape.size(); ++d) n *= (out_shape.emplace_back(shape[d] * reps[d]));
  std::vector<double> out;
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t rest = flat, src = 0, stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      src += (rest % out_shape[d]) % shape[d] * stride;
      rest /= out_shape[d];
      stride *= shape[d];
    }
    out.push_back(in[static_cast<size_t>(src)]);
  }
  return out;
}

// Repeating 2 or more dims of size > 1 took two view dims each: 5 counts passed 8 dims.
TEST(Repeat, ManyCountsUpToEightDims) {
  Tensor x = iota({4, 6, 3});
  Tensor r = x.repeat({2, 4, 3, 2, 1});
  EXPECT_EQ(dims(r), (Dims{2, 4, 12, 12, 3}));
  EXPECT_TRUE(all_close(r, repeat_ref(x.to_vector<double>(), {4, 6, 3}, {2, 4, 3, 2, 1})));
  Tensor y = iota({2, 2, 2, 2, 2, 2, 2, 2});
  const Dims reps = {2, 1, 3, 1, 2, 1, 1, 2};
  Tensor q = y.repeat(reps);
  EXPECT_EQ(dims(q), (Dims{4, 2, 6, 2, 4, 2, 2, 4}));
  EXPECT_TRUE(all_close(q, repeat_ref(y.to_vector<double>(), dims(y), reps)));
  EXPECT_EQ(dims(y.repeat({0, 1, 1, 1, 1, 1, 1, 2})), (Dims{0, 2, 2, 2, 2, 2, 2, 4}));
  EXPECT_EQ(dims(iota({2, 3}).repeat({0, 2})), (Dims{0, 6}));
  Tensor leaf = iota({2, 3});
  leaf.repeat({2, 3, 2, 2}).sum().backward();  // each element appears 24 times
  EXPECT_TRUE(all_close(*leaf.grad(), std::vector<double>(6, 24)));
}

// ---------------------------------------------------------------- gather, one_hot

TEST(Gather, AlongEachDim) {
  Tensor t({{1.f, 2.f}, {3.f, 4.f}});
  Tensor g1 = t.gather(1, Tensor({{0, 0}, {1, 0}}));
  EXPECT_EQ(dims(g1), (Dims{2, 2}));
  EXPECT_TRUE(all_close(g1, {1, 1, 4, 3}));
  EXPECT_TRUE(all_close(t.gather(0, Tensor({{1, 0}, {0, 1}})), {3, 2, 1, 4}));
  Tensor narrow = t.gather(1, Tensor(std::vector<int>{1, 0}, tg::Shape({2, 1})));
  EXPECT_EQ(dims(narrow), (Dims{2, 1}));
  EXPECT_TRUE(all_close(narrow, {2, 3}));
  Tensor wide = iota({2, 4}).gather(-1, Tensor({{3, 3, 0}, {2, 1, 1}}));
  EXPECT_TRUE(all_close(wide, {3, 3, 0, 6, 5, 5}));
}

TEST(OneHot, Classes) {
  Tensor h = Tensor({0, 2, 1}).one_hot(3);
  EXPECT_EQ(dims(h), (Dims{3, 3}));
  EXPECT_TRUE(all_close(h, {1, 0, 0, 0, 0, 1, 0, 1, 0}));
  Tensor h2 = Tensor(std::vector<int>{1, 3}, tg::Shape({2, 1})).one_hot(4);
  EXPECT_EQ(dims(h2), (Dims{2, 1, 4}));
  EXPECT_TRUE(all_close(h2, {0, 1, 0, 0, 0, 0, 0, 1}));
}

// ---------------------------------------------------------------- views on computed values

TEST(ViewChains, PermuteReshapeOfComputed) {
  Tensor a = m23();
  EXPECT_TRUE(all_close((a + 1).permute({1, 0}).reshape({-1}), {2, 5, 3, 6, 4, 7}));
}

TEST(ViewChains, PadThenReduceOfComputed) {
  Tensor a = m23();
  Tensor p = (a * 2).pad({{1, 0}, {0, 1}});
  EXPECT_EQ(dims(p), (Dims{3, 4}));
  EXPECT_TRUE(all_close(p.sum(0), {10, 14, 18, 0}));
  EXPECT_TRUE(all_close(p.sum(1), {0, 12, 30}));
}

TEST(ViewChains, FlipIndexOfComputed) {
  Tensor a = m23();
  EXPECT_TRUE(all_close((a.exp()).flip(0)[1], {std::exp(1.0), std::exp(2.0), std::exp(3.0)}));
}

TEST(ViewChains, PadValueComesBeforeLaterMath) {
  Tensor a = m23();
  // the pad value -1 is a value of the padded tensor: *2 applies to it
  EXPECT_TRUE(all_close((a + 1).pad({{0, 0}, {1, 1}}, -1.f) * 2,
                        {-2, 4, 6, 8, -2, -2, 10, 12, 14, -2}));
}

TEST(ViewChains, UnsafeOpAfterPadSeesPaddedZeros) {
  // exp(0) = 1 in the padded area: a pad must not be pushed past exp
  Tensor a({1.f, 2.f});
  EXPECT_TRUE(all_close(a.pad({{1, 1}}).exp(), {1, std::exp(1.0), std::exp(2.0), 1}));
  EXPECT_TRUE(all_close((a * 1).pad({{1, 1}}).exp(), {1, std::exp(1.0), std::exp(2.0), 1}));
  EXPECT_TRUE(all_close((a + 1).pad({{2, 0}}).reciprocal().pad({{0, 1}}, 5.f).log(),
                        {INFINITY, INFINITY, -std::log(2.0), -std::log(3.0), std::log(5.0)}));
  EXPECT_TRUE(all_close((a - 10).pad({{1, 0}}).sum(), {-17}));
  EXPECT_TRUE(all_close((a - 10).pad({{1, 0}}).max(), {0}));
}

TEST(ViewChains, ShrinkFlipOfComputed) {
  Tensor a = m23();
  Tensor r = (a * 3).shrink({{0, 2}, {1, 3}}).flip(1);
  EXPECT_EQ(dims(r), (Dims{2, 2}));
  EXPECT_TRUE(all_close(r, {9, 6, 18, 15}));
}

TEST(ViewChains, ExpandOfComputed) {
  Tensor b({{1.f, 2.f}});
  Tensor e = (b + 1).expand({3, 2});
  EXPECT_TRUE(all_close(e, {2, 3, 2, 3, 2, 3}));
  EXPECT_TRUE(all_close((b + 1).expand({3, 2}) * Tensor({1.f, 2.f, 3.f}).reshape({3, 1}),
                        {2, 3, 4, 6, 6, 9}));
  EXPECT_TRUE(all_close(((b * 2).expand({4, 2}) + 1).sum(0), {12, 20}));
}

TEST(ViewChains, ReduceThenBroadcastBack) {
  Tensor a = m23();
  EXPECT_TRUE(all_close(a.sum(1).reshape({2, 1}) + a, {7, 8, 9, 19, 20, 21}));
  EXPECT_TRUE(all_close(a - a.max(0), {-3, -3, -3, 0, 0, 0}));
}

TEST(ViewChains, PermuteThenReduce) {
  Tensor a = m23();
  EXPECT_TRUE(all_close((a + 1).permute({1, 0}).sum(1), {7, 9, 11}));
  EXPECT_TRUE(all_close((a + 1).T().sum(0), {9, 18}));
}

TEST(ViewChains, SliceWithStepOfComputed) {
  Tensor a = iota({10});
  EXPECT_TRUE(all_close((a * 1 + 0).slice(0, 1, 9, 3), {1, 4, 7}));
  EXPECT_TRUE(all_close((a * 2).slice(0, -5, 10, 2).flip(0), {18, 14, 10}));
}

TEST(ViewChains, ThreeDPermuteOfComputedReshape) {
  Tensor x = (iota({24}) * 2).reshape({2, 3, 4}).permute({1, 2, 0});
  EXPECT_EQ(dims(x), (Dims{3, 4, 2}));
  std::vector<double> want;
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 2; ++i) want.push_back(2 * (i * 12 + j * 4 + k));
  EXPECT_TRUE(all_close(x, want));
  EXPECT_TRUE(all_close(x.reshape({-1}).slice(0, 0, 4), {0, 24, 2, 26}));
}

TEST(ViewChains, ViewsOfRealizedThenComputedAgain) {
  Tensor a = (m23() * 2).realize();
  Tensor v = a.T();
  EXPECT_TRUE(all_close(v + 1, {3, 9, 5, 11, 7, 13}));
  EXPECT_TRUE(all_close(a.flip(1).reshape({3, 2}), {6, 4, 2, 12, 10, 8}));
}

TEST(ViewChains, CatOfViewsOfComputed) {
  Tensor a = m23();
  Tensor c = tg::cat({(a + 1).T(), (a * 0).T().slice(0, 0, 1)}, 0);
  EXPECT_EQ(dims(c), (Dims{4, 2}));
  EXPECT_TRUE(all_close(c, {2, 5, 3, 6, 4, 7, 0, 0}));
}

// ---------------------------------------------------------------- reductions and matmul over views

TEST(ViewReduce, ReduceOfViewsOfRealizedLeaf) {
  Tensor a = m23();
  EXPECT_TRUE(all_close(a.permute({1, 0}).sum(1), {5, 7, 9}));
  EXPECT_TRUE(all_close(a.flip(1).cumsum(1), {3, 5, 6, 6, 11, 15}));
  EXPECT_TRUE(all_close(a.pad({{0, 0}, {2, 0}}, 10.f).max(1), {10, 10}));
  EXPECT_TRUE(all_close(a.pad({{0, 0}, {2, 0}}, -10.f).min(0), {-10, -10, 1, 2, 3}));
  EXPECT_TRUE(all_close(Tensor({1.f, 2.f}).reshape({2, 1}).expand({2, 3}).sum(1), {3, 6}));
  EXPECT_TRUE(all_close(a.slice(1, 0, 3, 2).prod(1), {3, 24}));
  EXPECT_EQ(a.flip(1).argmax(1).to_vector<int32_t>(), (std::vector<int32_t>{0, 0}));
}

TEST(ViewMatmul, TransposedAndSlicedOperands) {
  Tensor a = m23();                      // (2, 3)
  Tensor g = a.T().matmul(a);            // (3, 3) = a^T a
  EXPECT_EQ(dims(g), (Dims{3, 3}));
  EXPECT_TRUE(all_close(g, {17, 22, 27, 22, 29, 36, 27, 36, 45}));
  Tensor h = a.matmul(a.T());            // (2, 2)
  EXPECT_TRUE(all_close(h, {14, 32, 32, 77}));
  Tensor s = a.slice(1, 1, 3).matmul(Tensor({1.f, -1.f}).reshape({2, 1}));
  EXPECT_TRUE(all_close(s, {-1, -1}));
  Tensor e = Tensor({1.f, 2.f}).reshape({1, 2}).expand({3, 2}).matmul(a);  // (3, 3)
  EXPECT_TRUE(all_close(e, {9, 12, 15, 9, 12, 15, 9, 12, 15}));
  Tensor p = (a + 1).flip(0).matmul(Tensor::ones({3, 1}));
  EXPECT_TRUE(all_close(p, {18, 9}));
}

TEST(ViewMatmul, DegenerateDims) {
  Tensor a = Tensor({2.f, 3.f}).reshape({2, 1});   // K = 1
  Tensor b = Tensor({4.f, 5.f}).reshape({1, 2});
  EXPECT_TRUE(all_close(a.matmul(b), {8, 10, 12, 15}));
  EXPECT_TRUE(all_close(b.matmul(a), {23}));
}
