// The nn functional surface of Tensor: conv2d, pooling, normalization, dropout and losses,
// against plain-loop references and (in float64) central finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nn_test_util.hpp"

using namespace nntest;
using tgtest::all_close;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

void expect_conv(Dims xs, Dims ws, ConvArgs a, bool with_bias) {
  Input x = ramp(xs, 1.0, 1), w = ramp(ws, 0.5, 2);
  std::vector<double> b;
  for (int64_t i = 0; i < ws[0]; ++i) b.push_back(0.1 * static_cast<double>(i) - 0.2);
  Dims shape;
  std::vector<double> want = conv2d_ref(x, w, with_bias ? &b : nullptr, a, &shape);
  std::optional<Tensor> bias;
  if (with_bias) bias = Tensor(b, tg::Shape({ws[0]}), TensorOptions{DType::float64});
  Tensor y = f64(x).conv2d(f64(w), bias, tg::IntPair(a.sh, a.sw), tg::IntPair(a.ph, a.pw), tg::IntPair(a.dh, a.dw),
                           a.groups);
  EXPECT_EQ(y.shape().dims(), shape);
  EXPECT_TRUE(all_close(y, want, 1e-9, 1e-9));
}

std::vector<double> pool_ref(const Input& x, int64_t k, int64_t s, int64_t p, bool is_max, bool count_pad, Dims* shape) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1;
  *shape = {N, C, OH, OW};
  std::vector<double> out;
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        double m = -INFINITY, sum = 0;
        int64_t count = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t iy = oy * s - p + ky, ix = ox * s - p + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            double v = x.data[static_cast<size_t>((nc * H + iy) * W + ix)];
            m = std::max(m, v);
            sum += v;
            ++count;
          }
        out.push_back(is_max ? m : sum / static_cast<double>(count_pad ? k * k : count));
      }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- conv2d values

TEST(Conv2d, Plain) { expect_conv({2, 3, 5, 6}, {4, 3, 3, 3}, {}, true); }
TEST(Conv2d, StrideAndPadding) { expect_conv({1, 2, 7, 6}, {3, 2, 3, 3}, {2, 2, 1, 1, 1, 1, 1}, true); }
TEST(Conv2d, Dilation) { expect_conv({1, 2, 7, 7}, {2, 2, 3, 3}, {1, 1, 2, 2, 2, 2, 1}, false); }
TEST(Conv2d, DilationWithStride) { expect_conv({1, 1, 9, 8}, {2, 1, 2, 3}, {2, 3, 0, 1, 3, 2, 1}, true); }
TEST(Conv2d, Groups) { expect_conv({2, 4, 5, 5}, {6, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 2}, true); }
TEST(Conv2d, DepthwiseStrided) { expect_conv({1, 3, 6, 6}, {3, 1, 2, 2}, {2, 2, 0, 0, 1, 1, 3}, false); }
TEST(Conv2d, AsymmetricPairs) { expect_conv({1, 2, 6, 7}, {2, 2, 3, 2}, {1, 2, 1, 0, 1, 1, 1}, true); }
TEST(Conv2d, OneByOne) { expect_conv({2, 3, 4, 4}, {5, 3, 1, 1}, {}, true); }
TEST(Conv2d, StrideLargerThanKernel) { expect_conv({1, 1, 9, 9}, {1, 1, 2, 2}, {4, 4, 0, 0, 1, 1, 1}, false); }

TEST(Conv2d, HandComputed) {
  // 1x1x3x3 input 1..9, 2x2 kernel of ones: each output is the sum of a 2x2 block.
  Tensor x = Tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f}).reshape({1, 1, 3, 3});
  Tensor w = Tensor::ones({1, 1, 2, 2});
  EXPECT_TRUE(all_close(x.conv2d(w), {12, 16, 24, 28}));
  EXPECT_TRUE(all_close(x.conv2d(w, Tensor({0.5f}), 1, 1),
                        {1.5, 3.5, 5.5, 3.5, 5.5, 12.5, 16.5, 9.5, 11.5, 24.5, 28.5, 15.5, 7.5, 15.5, 17.5, 9.5}));
}

TEST(Conv2d, ApiCallForms) {
  Tensor x = Tensor::rand({1, 3, 6, 6}), w = Tensor::rand({3, 1, 3, 3}), b = Tensor::rand({3});
  EXPECT_EQ(x.conv2d(Tensor::rand({4, 3, 3, 3})).shape().dims(), (Dims{1, 4, 4, 4}));
  EXPECT_EQ(x.conv2d(Tensor::rand({4, 3, 3, 3}), b.reshape({3}).pad({{0, 1}}), 1, 1).shape().dims(), (Dims{1, 4, 6, 6}));
  EXPECT_EQ(x.conv2d(w, std::nullopt, 2, 0, /*dilation*/ 1, /*groups*/ 3).shape().dims(), (Dims{1, 3, 2, 2}));
  EXPECT_EQ(x.conv2d(w, b, {1, 2}, {0, 1}, 1, 3).shape().dims(), (Dims{1, 3, 4, 3}));
}

TEST(Conv2d, Errors) {
  Tensor x = Tensor::rand({1, 3, 5, 5});
  try {
    x.conv2d(Tensor::rand({4, 2, 3, 3}));
    FAIL() << "expected tg::Error";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(1, 3, 5, 5)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(4, 2, 3, 3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(x.conv2d(Tensor::rand({4, 3, 3})), tg::Error);
  EXPECT_THROW(x.conv2d(Tensor::rand({4, 3, 6, 6})), tg::Error);         // kernel larger than the input
  EXPECT_THROW(x.conv2d(Tensor::rand({4, 3, 3, 3}), Tensor::rand({3})), tg::Error);  // bias size
  EXPECT_THROW(x.conv2d(Tensor::rand({4, 3, 3, 3}), std::nullopt, 0), tg::Error);    // stride 0
  EXPECT_THROW(x.conv2d(Tensor::rand({4, 1, 3, 3}), std::nullopt, 1, 0, 1, 2), tg::Error);  // groups
}

// ---------------------------------------------------------------- conv2d gradients (float64)

TEST(Conv2dGrad, Plain) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].conv2d(v[1], v[2]); },
             {ramp({2, 2, 4, 4}), ramp({3, 2, 2, 2}, 0.5, 2), ramp({3}, 1, 3)});
}
TEST(Conv2dGrad, StridePaddingDilation) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].conv2d(v[1], std::nullopt, 2, 1, 2); },
             {ramp({1, 2, 5, 5}), ramp({2, 2, 2, 2}, 0.5, 2)});
}
TEST(Conv2dGrad, Groups) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].conv2d(v[1], v[2], {2, 1}, {1, 0}, 1, 2); },
             {ramp({1, 4, 4, 3}), ramp({4, 2, 2, 2}, 0.5, 2), ramp({4}, 1, 3)});
}

// ---------------------------------------------------------------- conv2d in float32
// A device that declares TG_FAST_CONV (onednn) runs float32 convolutions, forward and both
// gradients, as its own convolutions; every other case (float64, groups, other devices) takes
// the im2col path checked above. Both must agree: value and gradients against float64 on the
// reference device (which compiles nothing, so these cost little on any device).

namespace {

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
// float32 on the default device, or float64 on ref
Tensor make(const Input& in, DType dt, bool requires_grad = true) {
  return Tensor(in.data, tg::Shape(in.shape),
                TensorOptions{dt, dt == DType::float64 ? std::optional<std::string>("ref") : std::nullopt, requires_grad});
}

void expect_conv_f32(Dims xs, Dims ws, ConvArgs a) {
  const Input x = ramp(xs, 0.2, 1), w = ramp(ws, 0.1, 2), b = ramp({ws[0]}, 0.3, 3);
  std::vector<Tensor> y, g;
  for (DType dt : {DType::float32, DType::float64}) {
    Tensor tx = make(x, dt), tw = make(w, dt), tb = make(b, dt);
    Tensor out = tx.conv2d(tw, tb, tg::IntPair(a.sh, a.sw), tg::IntPair(a.ph, a.pw), tg::IntPair(a.dh, a.dw), a.groups);
    // a loss whose gradient differs per output element, through a relu as in a network
    (out.relu() * make(ramp(out.shape().dims(), 0.05, 4), dt, false)).sum().backward();
    y.push_back(out);
    for (Tensor* t : {&tx, &tw, &tb}) g.push_back(*t->grad());
  }
  EXPECT_TRUE(all_close(y[0], values(y[1]), 1e-4, 1e-4));
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(all_close(g[i], values(g[i + 3]), 1e-4, 1e-4)) << "gradient " << i;
}

}  // namespace

TEST(Conv2dFloat32, Plain) { expect_conv_f32({2, 3, 7, 6}, {5, 3, 3, 3}, {}); }
TEST(Conv2dFloat32, ChannelsFillingBlocksOfEight) { expect_conv_f32({2, 16, 9, 8}, {24, 16, 3, 3}, {}); }
TEST(Conv2dFloat32, OneInputChannel) { expect_conv_f32({3, 1, 10, 9}, {8, 1, 3, 3}, {}); }
TEST(Conv2dFloat32, StrideAndPadding) { expect_conv_f32({2, 8, 9, 9}, {8, 8, 3, 3}, {2, 2, 1, 1, 1, 1, 1}); }
TEST(Conv2dFloat32, Dilation) { expect_conv_f32({1, 4, 9, 10}, {3, 4, 3, 3}, {1, 1, 2, 1, 2, 2, 1}); }
TEST(Conv2dFloat32, StrideEqualToDilation) { expect_conv_f32({2, 3, 11, 10}, {4, 3, 3, 2}, {2, 2, 0, 0, 2, 2, 1}); }
TEST(Conv2dFloat32, StrideLeavesRowsUnread) { expect_conv_f32({1, 2, 10, 9}, {3, 2, 3, 2}, {3, 2, 0, 0, 1, 1, 1}); }
TEST(Conv2dFloat32, OneByOneAsymmetric) { expect_conv_f32({2, 5, 6, 7}, {4, 5, 1, 2}, {1, 2, 0, 1, 1, 1, 1}); }
TEST(Conv2dFloat32, GroupsTakeTheIm2colPath) { expect_conv_f32({2, 4, 6, 6}, {6, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 2}); }
TEST(Conv2dFloat32, NetworkOfTwoConvolutionsAndPooling) {
  const Input x = ramp({4, 1, 12, 12}, 0.2, 1), w1 = ramp({8, 1, 3, 3}, 0.3, 2), w2 = ramp({16, 8, 3, 3}, 0.1, 3);
  std::vector<Tensor> g;
  for (DType dt : {DType::float32, DType::float64}) {
    Tensor a = make(w1, dt), b = make(w2, dt);
    Tensor h = make(x, dt, false).conv2d(a).relu().max_pool2d(2).conv2d(b, std::nullopt, 1, 1).relu();
    (h * h).mean().backward();
    g.push_back(*a.grad());
    g.push_back(*b.grad());
  }
  EXPECT_TRUE(all_close(g[0], values(g[2]), 1e-4, 1e-4));
  EXPECT_TRUE(all_close(g[1], values(g[3]), 1e-4, 1e-4));
}

// ---------------------------------------------------------------- pooling

TEST(Pool, MaxValues) {
  for (auto [k, s, p] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{2, 2, 0}, {3, 2, 0}, {3, 1, 1}, {2, 3, 1}, {3, 3, 1}}) {
    Input x = ramp({2, 2, 7, 6});
    Dims shape;
    std::vector<double> want = pool_ref(x, k, s, p, true, true, &shape);
    Tensor y = f64(x).max_pool2d(k, s, p);
    EXPECT_EQ(y.shape().dims(), shape) << k << " " << s << " " << p;
    EXPECT_TRUE(all_close(y, want, 1e-12, 1e-12)) << k << " " << s << " " << p;
  }
}

TEST(Pool, AvgValues) {
  for (auto [k, s, p] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{2, 2, 0}, {3, 2, 1}, {3, 1, 1}}) {
    for (bool count_pad : {true, false}) {
      Input x = ramp({1, 2, 6, 5});
      Dims shape;
      std::vector<double> want = pool_ref(x, k, s, p, false, count_pad, &shape);
      Tensor y = f64(x).avg_pool2d(k, s, p, count_pad);
      EXPECT_EQ(y.shape().dims(), shape);
      EXPECT_TRUE(all_close(y, want, 1e-12, 1e-12)) << k << " " << s << " " << p << " " << count_pad;
    }
  }
}

TEST(Pool, HandComputedAndCallForms) {
  Tensor x = Tensor::arange(16).reshape({1, 1, 4, 4}).cast(DType::float32);
  EXPECT_TRUE(all_close(x.max_pool2d(2), {5, 7, 13, 15}));
  EXPECT_TRUE(all_close(x.max_pool2d(3, 2), {10}));
  EXPECT_TRUE(all_close(x.avg_pool2d(2), {2.5, 4.5, 10.5, 12.5}));
  EXPECT_TRUE(all_close(x.max_pool2d({1, 2}), {1, 3, 5, 7, 9, 11, 13, 15}));
  EXPECT_TRUE(all_close((-x).max_pool2d(2, 2, 1), {-0, -1, -3, -4, -5, -7, -12, -13, -15}));  // -inf padding
  Tensor i = Tensor::arange(16).reshape({1, 1, 4, 4});  // ints pool too
  EXPECT_EQ(i.max_pool2d(2).to_vector<int>(), (std::vector<int>{5, 7, 13, 15}));
}

TEST(PoolGrad, Max) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].max_pool2d(3, 2, 1); }, {ramp({1, 2, 5, 5})});
}
TEST(PoolGrad, MaxOverlapping) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].max_pool2d(2, 1); }, {ramp({1, 1, 4, 5})});
}
TEST(PoolGrad, Avg) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].avg_pool2d(3, 2, 1, false); }, {ramp({1, 2, 5, 4})});
}

// ---------------------------------------------------------------- normalization and dropout

TEST(Norm, LayerNormValues) {
  Tensor x = Tensor({{1.f, 2.f, 3.f, 4.f}, {2.f, 2.f, 2.f, 6.f}});
  // row 0: mean 2.5, var 1.25; row 1: mean 3, var 3
  double a = 1 / std::sqrt(1.25 + 1e-5), b = 1 / std::sqrt(3 + 1e-5);
  EXPECT_TRUE(all_close(x.layernorm(-1, 1e-5f), {-1.5 * a, -0.5 * a, 0.5 * a, 1.5 * a, -b, -b, -b, 3 * b}));
  Tensor y = x.layernorm({0, 1});
  EXPECT_NEAR(y.mean().item<float>(), 0.f, 1e-6);
  EXPECT_NEAR(y.square().mean().item<float>(), 1.f, 1e-4);
}

TEST(Norm, BatchnormValues) {
  Tensor x = Tensor::arange(12).reshape({2, 3, 2}).cast(DType::float32);
  Tensor mean = Tensor({1.f, 2.f, 3.f}), invstd = Tensor({1.f, 0.5f, 2.f});
  Tensor w = Tensor({2.f, 1.f, 1.f}), b = Tensor({0.f, 1.f, -1.f});
  std::vector<double> want;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int l = 0; l < 2; ++l) {
        double v = n * 6 + c * 2 + l;
        double m[] = {1, 2, 3}, is[] = {1, 0.5, 2}, ww[] = {2, 1, 1}, bb[] = {0, 1, -1};
        want.push_back((v - m[c]) * ww[c] * is[c] + bb[c]);
      }
  EXPECT_TRUE(all_close(x.batchnorm(w, b, mean, invstd), want));
  EXPECT_THROW(x.batchnorm(w, b, Tensor({1.f, 2.f}), invstd), tg::Error);
}

TEST(NormGrad, LayerNorm) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].layernorm(-1, 1e-5f); }, {ramp({3, 4})});
}
TEST(NormGrad, Batchnorm) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].batchnorm(v[1], v[2], v[3], v[4]); },
             {ramp({2, 3, 2}), ramp({3}, 1, 2), ramp({3}, 1, 3), ramp({3}, 1, 4), ramp({3}, 1, 5)});
}

TEST(Dropout, OnlyInTraining) {
  Tensor x = Tensor::ones({1000});
  {
    TrainingScope eval(false);
    EXPECT_TRUE(all_close(x.dropout(0.5f), std::vector<double>(1000, 1.0)));
  }
  TrainingScope training(true);
  std::vector<float> y = x.dropout(0.25f).to_vector<float>();
  int zeros = 0;
  for (float v : y) {
    if (v == 0.f) ++zeros;
    else EXPECT_FLOAT_EQ(v, 1.f / 0.75f);
  }
  EXPECT_GT(zeros, 180);  // 250 expected; the bounds are > 4 sigma wide
  EXPECT_LT(zeros, 320);
  EXPECT_TRUE(all_close(x.dropout(0.f), std::vector<double>(1000, 1.0)));
  EXPECT_TRUE(all_close(x.dropout(1.f), std::vector<double>(1000, 0.0)));
  EXPECT_THROW(x.dropout(1.5f), tg::Error);
}

TEST(Dropout, GradientIsTheMask) {
  TrainingScope training(true);
  Tensor x = Tensor::ones({200});
  Tensor y = x.dropout(0.5f);
  y.sum().backward();
  EXPECT_EQ(x.grad()->to_vector<float>(), y.to_vector<float>());
}

// ---------------------------------------------------------------- losses

namespace {
// log_softmax of rows, in double.
std::vector<std::vector<double>> log_softmax_rows(const std::vector<std::vector<double>>& z) {
  std::vector<std::vector<double>> out;
  for (const auto& row : z) {
    double m = *std::max_element(row.begin(), row.end()), s = 0;
    for (double v : row) s += std::exp(v - m);
    std::vector<double> r;
    for (double v : row) r.push_back(v - m - std::log(s));
    out.push_back(r);
  }
  return out;
}
const std::vector<std::vector<double>> kLogits = {{1.0, 2.0, 0.5}, {-1.0, 0.3, 2.2}, {0.1, 0.1, -0.4}, {3.0, -2.0, 0.0}};
Tensor logits64() {
  std::vector<double> flat;
  for (auto& r : kLogits) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor(flat, tg::Shape({4, 3}), TensorOptions{DType::float64});
}
}  // namespace

TEST(Loss, SparseCategoricalCrossentropy) {
  auto lp = log_softmax_rows(kLogits);
  std::vector<int> y{1, 2, 0, 2};
  double nll = 0, smooth = 0;
  for (int i = 0; i < 4; ++i) {
    nll -= lp[i][y[i]];
    smooth -= (lp[i][0] + lp[i][1] + lp[i][2]) / 3;
  }
  Tensor t(y, tg::Shape({4}));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(t), {nll / 4}, 1e-12));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(t, -1, 0.2f), {(0.8 * nll + 0.2 * smooth) / 4}, 1e-7));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(t, -1, 0, "sum"), {nll}, 1e-12));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(t, -1, 0, "none"),
                        {-lp[0][1], -lp[1][2], -lp[2][0], -lp[3][2]}, 1e-12));
  // ignore_index: the ignored row adds nothing and is not counted
  Tensor ti(std::vector<int>{1, 2, 7, 2}, tg::Shape({4}));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(ti, 7), {(nll + lp[2][0]) / 3}, 1e-12));
  Tensor tn(std::vector<int>{1, -1, 0, 2}, tg::Shape({4}));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(tn), {(nll + lp[1][2]) / 3}, 1e-12));
  // uint8 targets (as MNIST's): -1 must not wrap to 255
  Tensor t8(std::vector<uint8_t>{1, 2, 0, 2}, tg::Shape({4}));
  EXPECT_TRUE(all_close(logits64().sparse_categorical_crossentropy(t8), {nll / 4}, 1e-12));
  Tensor l256 = Tensor::zeros({1, 256}, TensorOptions{DType::float64});
  Tensor t255(std::vector<uint8_t>{255}, tg::Shape({1}));
  EXPECT_TRUE(all_close(l256.sparse_categorical_crossentropy(t255), {std::log(256.0)}, 1e-12));
  EXPECT_THROW(logits64().sparse_categorical_crossentropy(Tensor({1.f, 2.f, 0.f, 1.f})), tg::Error);
  EXPECT_THROW(logits64().sparse_categorical_crossentropy(Tensor({1, 2})), tg::Error);
  EXPECT_THROW(logits64().sparse_categorical_crossentropy(t, -1, 1.5f), tg::Error);
  EXPECT_THROW(logits64().sparse_categorical_crossentropy(t, -1, 0, "avg"), tg::Error);
}

TEST(Loss, CrossEntropy) {
  auto lp = log_softmax_rows(kLogits);
  std::vector<int> y{1, 2, 0, 2};
  double nll = 0, smooth = 0;
  for (int i = 0; i < 4; ++i) {
    nll -= lp[i][y[i]];
    smooth -= (lp[i][0] + lp[i][1] + lp[i][2]) / 3;
  }
  Tensor t(y, tg::Shape({4}));
  EXPECT_TRUE(all_close(logits64().cross_entropy(t), {nll / 4}, 1e-12));
  EXPECT_TRUE(all_close(logits64().cross_entropy(t, 0.1f), {(0.9 * nll + 0.1 * smooth) / 4}, 1e-7));
  EXPECT_TRUE(all_close(logits64().cross_entropy(t.one_hot(3).cast(DType::float32)), {nll / 4}, 1e-7));
  // probability targets
  std::vector<double> p{0.2, 0.3, 0.5, 1, 0, 0, 0.5, 0.5, 0, 0.1, 0.1, 0.8};
  double want = 0;
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 3; ++c) want -= p[static_cast<size_t>(i * 3 + c)] * lp[i][c];
  Tensor probs(p, tg::Shape({4, 3}), TensorOptions{DType::float64});
  EXPECT_TRUE(all_close(logits64().cross_entropy(probs), {want / 4}, 1e-12));
  EXPECT_TRUE(all_close(logits64().cross_entropy(probs, 0, "sum"), {want}, 1e-12));
  // (N, C, L) logits with (N, L) classes: class dim 1, as PyTorch
  Tensor l3 = logits64().reshape({2, 2, 3}).permute({0, 2, 1});  // (2, 3, 2): [n][c][l] = kLogits[2n+l][c]
  Tensor t3(std::vector<int>{1, 2, 0, 2}, tg::Shape({2, 2}));
  EXPECT_TRUE(all_close(l3.cross_entropy(t3), {nll / 4}, 1e-12));
  EXPECT_THROW(logits64().cross_entropy(Tensor::rand({4, 2})), tg::Error);
}

TEST(Loss, BinaryCrossentropy) {
  std::vector<double> p{0.1, 0.8, 0.5, 0.99}, y{0, 1, 1, 0}, z{-2.0, 1.5, 0.0, 4.0};
  double bce = 0, bcel = 0;
  for (size_t i = 0; i < 4; ++i) {
    bce -= y[i] * std::log(p[i]) + (1 - y[i]) * std::log(1 - p[i]);
    double s = 1 / (1 + std::exp(-z[i]));
    bcel -= y[i] * std::log(s) + (1 - y[i]) * std::log(1 - s);
  }
  TensorOptions o{DType::float64};
  Tensor P(p, tg::Shape({4}), o), Y(y, tg::Shape({4}), o), Z(z, tg::Shape({4}), o);
  EXPECT_TRUE(all_close(P.binary_crossentropy(Y), {bce / 4}, 1e-12));
  EXPECT_TRUE(all_close(Z.binary_crossentropy_logits(Y), {bcel / 4}, 1e-12));
  EXPECT_TRUE(all_close(Z.binary_crossentropy_logits(Y, "sum"), {bcel}, 1e-12));
  // PyTorch clamps log at -100: a confident wrong answer costs 100, not inf
  EXPECT_TRUE(all_close(Tensor({0.f, 1.f}).binary_crossentropy(Tensor({1.f, 1.f}), "none"), {100, 0}));
  // extreme logits stay finite
  EXPECT_TRUE(all_close(Tensor({200.f, -200.f}).binary_crossentropy_logits(Tensor({0.f, 1.f}), "none"), {200, 200}));
  EXPECT_TRUE(all_close(Tensor({2.f}).binary_crossentropy_logits(Tensor({1.f}), "none", Tensor({3.f})),
                        {3 * std::log1p(std::exp(-2.0))}, 1e-6));
}

TEST(Loss, MseLoss) {
  Tensor a = Tensor({1.f, 2.f, 3.f}), b = Tensor({1.5f, 0.f, 3.f});
  EXPECT_TRUE(all_close(tg::nn::functional::mse_loss(a, b), {(0.25 + 4) / 3}));
  EXPECT_TRUE(all_close(tg::nn::functional::mse_loss(a, b, "sum"), {4.25}));
  EXPECT_TRUE(all_close(tg::nn::functional::mse_loss(a, b, "none"), {0.25, 4, 0}));
  EXPECT_THROW(tg::nn::functional::mse_loss(a, b, "max"), tg::Error);
  (void)kNaN;
}

TEST(LossGrad, SparseCategoricalCrossentropy) {
  Tensor t(std::vector<int>{1, 2, 0}, tg::Shape({3}));
  check_grad([t](const std::vector<Tensor>& v) { return v[0].sparse_categorical_crossentropy(t, -1, 0.1f); },
             {ramp({3, 4})});
}
TEST(LossGrad, CrossEntropyProbs) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].cross_entropy(v[1].softmax(1)); }, {ramp({3, 4}), ramp({3, 4}, 1, 5)});
}
TEST(LossGrad, BinaryCrossentropy) {
  check_grad([](const std::vector<Tensor>& v) { return v[0].sigmoid().binary_crossentropy(v[1].sigmoid()); },
             {ramp({5}), ramp({5}, 1, 2)});
  check_grad([](const std::vector<Tensor>& v) { return v[0].binary_crossentropy_logits(v[1].sigmoid()); },
             {ramp({5}, 3), ramp({5}, 1, 2)});
}
