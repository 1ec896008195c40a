// The seed's examples and API.md's "call forms that must compile", written exactly as API.md
// writes them (those tensor.hpp declares), each checked for its result.
#include <gtest/gtest.h>

#include <sstream>

#include "tg_test_util.hpp"

using tg::Tensor;
using tgtest::all_close;
using tgtest::dims;
using tgtest::Dims;

TEST(SeedExamples, TensorPart) {
  Tensor a = Tensor({1, 2, 3});               // int32, shape {3}
  Tensor b = Tensor::zeros({3});              // float32
  Tensor c = Tensor::rand({2, 3});            // uniform [0,1)
  Tensor d = a + b;                           // promotes to float32
  Tensor e = d * 2;
  Tensor f = a.matmul(Tensor({{1}, {2}, {3}}));   // 1-D @ 2-D -> shape {1}
  std::vector<float> v = e.to_vector<float>();    // == numpy(): realizes, copies out

  EXPECT_EQ(a.dtype(), tg::DType::int32);
  EXPECT_EQ(dims(a), (Dims{3}));
  EXPECT_EQ(b.dtype(), tg::DType::float32);
  EXPECT_EQ(dims(c), (Dims{2, 3}));
  for (float x : c.to_vector<float>()) {
    EXPECT_GE(x, 0.f);
    EXPECT_LT(x, 1.f);
  }
  EXPECT_EQ(d.dtype(), tg::DType::float32);
  EXPECT_EQ(v, (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(dims(f), (Dims{1}));
  EXPECT_EQ(f.to_vector<int32_t>(), (std::vector<int32_t>{14}));
}

TEST(SeedExamples, AutogradPart) {
  bool saved = Tensor::training;
  Tensor::training = true;
  Tensor x = Tensor({1.0f, 2.0f, 3.0f});
  Tensor y = (x * 2).sum();
  y.backward();
  EXPECT_EQ(x.grad()->to_vector<float>(), (std::vector<float>{2, 2, 2}));  // {2, 2, 2}
  Tensor::training = saved;
}

TEST(SeedExamples, TrainsALinearModel) {
  bool saved = Tensor::training;
  Tensor::training = true;
  Tensor::manual_seed(0);
  Tensor X = Tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  Tensor Y = Tensor({0.f, 1.f, 1.f, 1.f}).reshape({4, 1});  // logical or: a linear model can fit it
  tg::nn::Linear model(2, 1);
  tg::nn::optim::Adam opt(tg::nn::state::get_parameters(model), /*lr=*/0.1f);
  float first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    Tensor pred = model(X).sigmoid();
    Tensor loss = (pred - Y).pow(2).mean();
    loss.backward(); opt.step(); opt.zero_grad();
    float l = loss.item<float>();
    if (step == 0) first = l;
    last = l;
  }
  EXPECT_LT(last, first / 2) << "first loss " << first << ", last " << last;
  std::vector<float> p = model(X).sigmoid().to_vector<float>();
  EXPECT_LT(p[0], 0.5f);
  EXPECT_GT(p[1], 0.5f);
  EXPECT_GT(p[2], 0.5f);
  EXPECT_GT(p[3], 0.5f);
  std::ostringstream os;
  os << model(Tensor({{0, 0}})) << "\n";  // prints values, shape, dtype, device
  EXPECT_NE(os.str().find("(1, 1)"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("float32"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find(tg::Device::default_device()), std::string::npos) << os.str();
  Tensor::training = saved;
}

TEST(CallForms, CompileAndGiveShapes) {
  tg::Shape s({2, 3});  tg::Shape s2(std::vector<int64_t>{2, 3});
  EXPECT_EQ(s, s2);
  Tensor t(std::vector<float>(6, 1.f), tg::Shape({2, 3}));  Tensor i(std::vector<int>{1, 2}, tg::Shape({2}));
  EXPECT_EQ(dims(i), (Dims{2}));
  EXPECT_EQ(dims(t.sum()), (Dims{}));
  EXPECT_EQ(dims(t.sum(1)), (Dims{2}));
  EXPECT_EQ(dims(t.sum({0, 1})), (Dims{}));
  EXPECT_EQ(dims(t.sum(1, true)), (Dims{2, 1}));
  EXPECT_EQ(dims(t.mean({0, 1})), (Dims{}));
  EXPECT_EQ(dims(t.max(1)), (Dims{2}));
  EXPECT_EQ(dims(t.var(1)), (Dims{2}));
  EXPECT_EQ(dims(t.argmax(1)), (Dims{2}));
  EXPECT_EQ(dims(t.reshape({3, 2})), (Dims{3, 2}));
  EXPECT_EQ(dims(t.reshape({-1})), (Dims{6}));
  EXPECT_EQ(dims(t.permute({1, 0})), (Dims{3, 2}));
  EXPECT_EQ(dims(t.expand({4, 2, 3})), (Dims{4, 2, 3}));
  EXPECT_EQ(dims(t.flip({0, 1})), (Dims{2, 3}));
  EXPECT_EQ(dims(t.pad({{0, 0}, {1, 2}})), (Dims{2, 6}));
  EXPECT_EQ(dims(t.pad({{0, 0}, {1, 2}}, -1.f)), (Dims{2, 6}));
  EXPECT_EQ(dims(t.shrink({{0, 1}, {1, 3}})), (Dims{1, 2}));
  EXPECT_EQ(dims(t.slice(0, 0, 1)), (Dims{1, 3}));
  EXPECT_EQ(dims(t.transpose(0, 1)), (Dims{3, 2}));
  EXPECT_EQ(dims(t.flatten(1)), (Dims{2, 3}));
  EXPECT_EQ(dims(t.reshape({1, 6}).squeeze(0)), (Dims{6}));
  EXPECT_EQ(dims(t.unsqueeze(2)), (Dims{2, 3, 1}));
  EXPECT_EQ(dims(tg::cat({t, t}, 1)), (Dims{2, 6}));
  EXPECT_EQ(dims(tg::stack({t, t}, 0)), (Dims{2, 2, 3}));
  EXPECT_EQ(dims(t.softmax(1)), (Dims{2, 3}));
  EXPECT_EQ(dims(t.log_softmax(-1)), (Dims{2, 3}));
  EXPECT_EQ(dims(t.logsumexp(0)), (Dims{3}));
  EXPECT_EQ(dims(t.leaky_relu(0.01f)), (Dims{2, 3}));
  EXPECT_EQ(dims(t.clip(-1.f, 1.f)), (Dims{2, 3}));
  EXPECT_EQ(dims(t.pow(2.f)), (Dims{2, 3}));
  EXPECT_TRUE(all_close(tg::where(t > 0.f, t, t * 2.f), std::vector<double>(6, 1.0)));
  EXPECT_TRUE(all_close(t.maximum(t), std::vector<double>(6, 1.0)));
  EXPECT_TRUE(all_close(3.f - t, std::vector<double>(6, 2.0)));
  EXPECT_TRUE(all_close(t / 2, std::vector<double>(6, 0.5)));
  EXPECT_EQ(t.cast(tg::DType::float32).dtype(), tg::DType::float32);
  Tensor x = Tensor::ones({4, 3});
  Tensor w = Tensor::ones({3, 2});
  Tensor b = Tensor::ones({2});
  EXPECT_TRUE(all_close(x.linear(w, b), std::vector<double>(8, 4.0)));  // x.matmul(w) + b
}
