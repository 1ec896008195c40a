// tg::nn layers: shapes, names, PyTorch's initialisation, forward values, BatchNorm's running
// statistics in training and eval mode, and Sequential.
#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.hpp"

using namespace nntest;
using tgtest::all_close;
namespace nn = tg::nn;

namespace {
std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [n, t] : m.named_tensors()) out.push_back(n);
  return out;
}
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }
}  // namespace

TEST(Layers, Conv2dShapesInitAndForward) {
  nn::Conv2d conv(4, 6, 3, 2, 1, 1, 2);
  EXPECT_EQ(conv.weight.shape().dims(), (Dims{6, 2, 3, 3}));
  ASSERT_TRUE(conv.bias.has_value());
  EXPECT_EQ(conv.bias->shape().dims(), (Dims{6}));
  EXPECT_EQ(names(conv), (std::vector<std::string>{"weight", "bias"}));
  double bound = 1 / std::sqrt(2.0 * 9);  // kaiming_uniform(a=sqrt(5)) and the bias: 1/sqrt(fan_in)
  EXPECT_LE(max_abs(conv.weight), bound);
  EXPECT_GT(max_abs(conv.weight), bound * 0.8);  // 108 draws fill the range
  EXPECT_LE(max_abs(*conv.bias), bound);
  Tensor x = Tensor::rand({2, 4, 7, 7});
  Tensor y = conv(x);
  EXPECT_EQ(y.shape().dims(), (Dims{2, 6, 4, 4}));
  EXPECT_TRUE(all_close(y, x.conv2d(conv.weight, conv.bias, 2, 1, 1, 2).to_vector<double>()));
  nn::Conv2d nobias(1, 2, {3, 1}, 1, 0, 1, 1, false);
  EXPECT_FALSE(nobias.bias.has_value());
  EXPECT_EQ(nobias.weight.shape().dims(), (Dims{2, 1, 3, 1}));
  EXPECT_THROW(nn::Conv2d(3, 4, 3, 1, 0, 1, 2), tg::Error);
}

TEST(Layers, LinearInitBounds) {
  nn::Linear l(50, 20);
  EXPECT_LE(max_abs(l.weight), 1 / std::sqrt(50.0));
  EXPECT_GT(max_abs(l.weight), 0.9 / std::sqrt(50.0));
}

TEST(Layers, BatchNormTrainingUsesBatchStatsAndUpdatesRunningStats) {
  TrainingScope training(true);
  nn::BatchNorm2d bn(2);
  EXPECT_EQ(names(bn), (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(bn.parameters().size(), 2u);
  // channel 0: values 0..7 (mean 3.5, biased var 5.25, unbiased 6); channel 1: twice that
  std::vector<float> data;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 4; ++i) data.push_back(static_cast<float>((c + 1) * (n * 4 + i)));
  Tensor x(data, tg::Shape({2, 2, 2, 2}));
  Tensor y = bn(x);
  std::vector<double> want;
  for (size_t i = 0; i < data.size(); ++i) {
    double c = static_cast<double>((i / 4) % 2 + 1);
    want.push_back((data[i] - 3.5 * c) / std::sqrt(5.25 * c * c + 1e-5));
  }
  EXPECT_TRUE(all_close(y, want, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(bn.running_mean, {0.35, 0.7}));
  EXPECT_TRUE(all_close(bn.running_var, {0.9 + 0.1 * 6, 0.9 + 0.1 * 24}));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), DType::int64);
  bn(x);  // a second step
  EXPECT_TRUE(all_close(bn.running_mean, {0.35 * 0.9 + 0.35, 0.7 * 0.9 + 0.7}));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
}

TEST(Layers, BatchNormEvalUsesRunningStats) {
  nn::BatchNorm2d bn(2, 1e-5f, 0.1f);
  bn.running_mean.assign(Tensor({1.f, -1.f}));
  bn.running_var.assign(Tensor({4.f, 0.25f}));
  bn.weight->assign(Tensor({2.f, 1.f}));
  bn.bias->assign(Tensor({0.f, 3.f}));
  TrainingScope eval(false);
  Tensor x = Tensor({1.f, 3.f, 0.f, 1.f}).reshape({1, 2, 2, 1});
  EXPECT_TRUE(all_close(bn(x), {0, 2 * 2 / std::sqrt(4 + 1e-5), 3 + 1 / std::sqrt(0.25 + 1e-5), 3 + 2 / std::sqrt(0.25 + 1e-5)}));
  EXPECT_TRUE(all_close(bn.running_mean, {1, -1}));  // untouched in eval mode
  EXPECT_THROW(bn(Tensor::rand({1, 3, 2, 2})), tg::Error);
}

TEST(Layers, BatchNormRunningStatsRealizeWithTheOptimizerStep) {
  TrainingScope training(true);
  nn::BatchNorm2d bn(3);
  nn::optim::SGD opt(bn.parameters(), 0.1f);
  Tensor x = Tensor::rand({4, 3, 2, 2});
  bn(x).square().sum().backward();
  EXPECT_FALSE(bn.running_mean.is_realized());
  opt.step();
  EXPECT_TRUE(bn.running_mean.is_realized());
  EXPECT_TRUE(bn.running_var.is_realized());
  EXPECT_TRUE(all_close(bn.running_mean, (x.mean({0, 2, 3}) * 0.1f).to_vector<double>()));
}

TEST(Layers, BatchNormGradient) {
  TrainingScope training(true);
  check_grad([](const std::vector<Tensor>& v) {
    nn::BatchNorm2d bn(2);
    return bn(v[0]).cast(DType::float64);
  }, {ramp({3, 2, 2, 1})});
}

TEST(Layers, LayerNormAndGroupNorm) {
  nn::LayerNorm ln({3});
  EXPECT_EQ(names(ln), (std::vector<std::string>{"weight", "bias"}));
  ln.weight->assign(Tensor({1.f, 2.f, 3.f}));
  ln.bias->assign(Tensor({0.f, 0.f, 1.f}));
  Tensor x = Tensor({{1.f, 2.f, 3.f}});
  double s = 1 / std::sqrt(2.0 / 3 + 1e-5);
  EXPECT_TRUE(all_close(ln(x), {-s, 0, 1 + 3 * s}));
  EXPECT_THROW(ln(Tensor::rand({2, 4})), tg::Error);

  nn::GroupNorm gn(2, 4);
  Tensor g = Tensor::rand({2, 4, 3});
  Tensor want = g.reshape({2, 2, 6}).layernorm(-1).reshape({2, 4, 3});
  EXPECT_TRUE(all_close(gn(g), want.to_vector<double>()));
  gn.weight->assign(Tensor({1.f, 2.f, 1.f, 1.f}));
  std::vector<double> got = gn(g).to_vector<double>(), base = want.to_vector<double>();
  EXPECT_NEAR(got[3], 2 * base[3], 1e-5);  // channel 1 scaled
  EXPECT_THROW(nn::GroupNorm(3, 4), tg::Error);
}

TEST(Layers, Embedding) {
  nn::Embedding emb(5, 3);
  EXPECT_EQ(emb.weight.shape().dims(), (Dims{5, 3}));
  Tensor idx = Tensor({{4, 0}, {2, 2}});
  Tensor y = emb(idx);
  EXPECT_EQ(y.shape().dims(), (Dims{2, 2, 3}));
  std::vector<float> w = emb.weight.to_vector<float>(), got = y.to_vector<float>();
  int rows[] = {4, 0, 2, 2};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(got[static_cast<size_t>(i * 3 + j)], w[static_cast<size_t>(rows[i] * 3 + j)]);
  y.sum().backward();
  EXPECT_TRUE(all_close(*emb.weight.grad(), {1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1}));
  EXPECT_THROW(emb(Tensor({1.f})), tg::Error);
}

TEST(Layers, Sequential) {
  nn::Sequential net{std::make_shared<nn::Linear>(4, 8), [](const Tensor& x) { return x.relu(); },
                     std::make_shared<nn::Linear>(8, 2)};
  nn::Linear& extra = net.add<nn::Linear>(2, 3, false);
  net.add([](const Tensor& x) { return x.softmax(); });
  EXPECT_EQ(net.size(), 5u);
  EXPECT_EQ(names(net), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "3.weight"}));
  EXPECT_EQ(net.parameters().size(), 5u);
  Tensor x = Tensor::rand({3, 4});
  auto& l0 = dynamic_cast<nn::Linear&>(net.module(0));
  auto& l2 = dynamic_cast<nn::Linear&>(net.module(2));
  Tensor want = l2(l0(x).relu()).linear(extra.weight.T()).softmax();
  EXPECT_TRUE(all_close(net(x), want.to_vector<double>()));
  EXPECT_THROW(net.module(1), tg::Error);
  EXPECT_THROW(net.module(9), tg::Error);
  // nested: names are dotted through the levels
  nn::Sequential outer;
  outer.add(std::make_shared<nn::Sequential>(std::initializer_list<nn::Sequential::Layer>{
      std::make_shared<nn::Conv2d>(1, 2, 3), std::make_shared<nn::BatchNorm2d>(2)}));
  EXPECT_EQ(names(outer), (std::vector<std::string>{"0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias",
                                                     "0.1.running_mean", "0.1.running_var", "0.1.num_batches_tracked"}));
}
