// What porting a PyTorch model needs beyond single layers: ModuleList and ModuleDict,
// register_module with a std::shared_ptr, tied parameters listed once, train()/eval() and the
// tg::Training guard, Dropout, the learning-rate schedules compiling nothing per step, one GEMM
// for a Linear over batch dims, and the errors of each. (Values against PyTorch:
// tests/api/nn_torch/test_nn_torch.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "nn_test_util.hpp"
#include "tg/tg.hpp"

using namespace nntest;
using tgtest::all_close;
namespace nn = tg::nn;
namespace sched = tg::nn::optim::lr_scheduler;

namespace {

std::vector<std::string> param_names(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [n, t] : m.named_parameters()) out.push_back(n);
  return out;
}

std::vector<std::string> tensor_names(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [n, t] : m.named_tensors()) out.push_back(n);
  return out;
}

using Names = std::vector<std::string>;

// A block as a port of a PyTorch model writes it: children owned through register_module.
struct Block : nn::Module {
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::Dropout> drop;
  explicit Block(int64_t d) {
    fc = register_module("fc", std::make_shared<nn::Linear>(d, d));
    drop = register_module("drop", std::make_shared<nn::Dropout>(0.5f));
  }
  Tensor operator()(const Tensor& x) const { return (*drop)((*fc)(x).relu()); }
};

}  // namespace

TEST(ModuleList, PushEmplaceIndexIterateAndNames) {
  nn::ModuleList list;
  list.push_back(std::make_shared<nn::Linear>(4, 3));
  nn::Linear& second = list.emplace_back<nn::Linear>(3, 2, false);
  list.emplace_back<Block>(2);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(&list[1], &second);
  EXPECT_EQ(&list.at<nn::Linear>(1), &second);
  EXPECT_EQ(&list[-1], &list[2]);
  EXPECT_EQ(list.at<Block>(2).fc->weight.shape(), tg::Shape({2, 2}));
  size_t n = 0;
  for (nn::Module& m : list) {
    EXPECT_EQ(&m, &list[static_cast<int64_t>(n)]);
    n++;
  }
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(param_names(list), (Names{"0.weight", "0.bias", "1.weight", "2.fc.weight", "2.fc.bias"}));
  EXPECT_EQ(list.parameters().size(), 5u);
  // The state dict round-trips through PyTorch's names.
  auto sd = nn::state::get_state_dict(list);
  EXPECT_TRUE(sd.contains("2.fc.bias"));
}

TEST(ModuleList, ErrorsNameTheProblem) {
  nn::ModuleList list{std::make_shared<nn::Linear>(2, 2)};
  EXPECT_THROW(list[1], tg::Error);
  EXPECT_THROW(list[-2], tg::Error);
  EXPECT_THROW(list.at<nn::Conv2d>(0), tg::Error);
  EXPECT_THROW(list.push_back(nullptr), tg::Error);
  try {
    list[5];
    FAIL();
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

TEST(ModuleDict, InsertLookupOrderAndErrors) {
  nn::ModuleDict d{{"encoder", std::make_shared<nn::Linear>(4, 8)}, {"norm", std::make_shared<nn::RMSNorm>(8)}};
  d.emplace<nn::Linear>("decoder", 8, 4);
  EXPECT_EQ(d.keys(), (Names{"encoder", "norm", "decoder"}));
  EXPECT_TRUE(d.contains("norm"));
  EXPECT_EQ(d.at<nn::Linear>("decoder").weight.shape(), tg::Shape({4, 8}));
  EXPECT_EQ(param_names(d), (Names{"encoder.weight", "encoder.bias", "norm.weight", "decoder.weight", "decoder.bias"}));
  size_t n = 0;
  for (const auto& [name, m] : d) n += name.size() > 0 && m != nullptr;
  EXPECT_EQ(n, 3u);
  EXPECT_THROW(d.insert("norm", std::make_shared<nn::RMSNorm>(8)), tg::Error);
  EXPECT_THROW(d.insert("a.b", std::make_shared<nn::RMSNorm>(8)), tg::Error);
  try {
    d["missing"];
    FAIL();
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder, norm, decoder"), std::string::npos) << e.what();
  }
}

TEST(Module, RegisterModuleSharedPtrIsOwned) {
  struct Net : nn::Module {
    Net() { register_module("head", std::make_shared<nn::Linear>(3, 2)); }  // nobody else holds it
  };
  auto net = std::make_unique<Net>();
  Tensor x = Tensor::ones({1, 3});
  auto ps = net->parameters();
  ASSERT_EQ(ps.size(), 2u);
  Tensor w = ps[0];
  EXPECT_EQ(w.shape(), tg::Shape({2, 3}));
  EXPECT_TRUE(std::isfinite(w.sum().item<float>()));
  struct Bad : nn::Module {
    void add(const std::string& name, std::shared_ptr<nn::Module> m) { register_module(name, m); }
  } bad;
  EXPECT_THROW(bad.add("x", nullptr), tg::Error);
  bad.add("x", std::make_shared<nn::Linear>(1, 1));
  EXPECT_THROW(bad.add("x", std::make_shared<nn::Linear>(1, 1)), tg::Error);  // duplicate name
  EXPECT_THROW(bad.add("", std::make_shared<nn::Linear>(1, 1)), tg::Error);
}

TEST(Module, TiedParametersAreListedOnceAndTrainedOnce) {
  // A language model's tied embedding and output projection, and one module used twice.
  struct LM : nn::Module {
    nn::Embedding emb{10, 4};
    nn::Linear head{4, 10, false};
    LM() {
      head.weight = emb.weight;  // tied: one value, two names
      register_module("emb", emb);
      register_module("head", head);
    }
  } lm;
  EXPECT_EQ(param_names(lm), (Names{"emb.weight"}));
  EXPECT_EQ(tensor_names(lm), (Names{"emb.weight", "head.weight"}));  // the state dict keeps both, as PyTorch's

  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::ModuleList twice{shared, shared};
  EXPECT_EQ(param_names(twice), (Names{"0.weight", "0.bias"}));

  // One SGD update of the tied weight with the gradient of both uses.
  Tensor idx = Tensor(std::vector<float>{1, 2}, tg::Shape({2})).cast(DType::int32);
  Tensor before = lm.emb.weight.detach().clone().realize();
  nn::optim::SGD opt(lm.parameters(), 0.1f);
  Tensor loss = lm.head(lm.emb(idx)).sum();
  loss.backward();
  Tensor g = lm.emb.weight.grad()->detach().realize();
  opt.step();
  EXPECT_TRUE(all_close(lm.emb.weight, (before - g * 0.1f).to_vector<double>()));
  EXPECT_TRUE(all_close(lm.head.weight, lm.emb.weight.to_vector<double>(), 0, 0));
}

TEST(Module, TrainEvalSetTheTreeAndUnsetModulesFollowTensorTraining) {
  TrainingScope off(false);
  nn::ModuleList net;
  Block& b = net.emplace_back<Block>(4);
  EXPECT_FALSE(b.drop->is_training());  // never set: Tensor::training
  {
    tg::Training on(true);
    EXPECT_TRUE(Tensor::training);
    EXPECT_TRUE(b.drop->is_training());
    {
      tg::Training inner(false);
      EXPECT_FALSE(Tensor::training);
    }
    EXPECT_TRUE(Tensor::training);
  }
  EXPECT_FALSE(Tensor::training);
  net.train();
  EXPECT_TRUE(net.is_training());
  EXPECT_TRUE(b.drop->is_training());
  EXPECT_TRUE(b.fc->is_training());
  Block& late = net.emplace_back<Block>(4);  // joins a module in training mode: takes its mode
  EXPECT_TRUE(late.drop->is_training());
  net.eval();
  tg::Training on(true);
  EXPECT_FALSE(b.drop->is_training());
  EXPECT_FALSE(late.fc->is_training());
}

TEST(Dropout, FollowsTheModuleMode) {
  TrainingScope off(false);
  Tensor::manual_seed(11);
  nn::Dropout d(0.25f);
  Tensor x = Tensor::ones({64, 64});
  EXPECT_TRUE(all_close(d(x), std::vector<double>(64 * 64, 1.0), 0, 0));  // Tensor::training is false
  d.train();
  std::vector<float> y = d(x).to_vector<float>();
  size_t zeros = 0;
  for (float v : y) {
    if (v == 0.0f) zeros++;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(y.size()), 0.25, 0.03);
  EXPECT_FALSE(Tensor::training) << "the module's mode does not leak into the thread's flag";
  d.eval();
  tg::Training on(true);
  EXPECT_TRUE(all_close(d(x), std::vector<double>(64 * 64, 1.0), 0, 0));
  EXPECT_THROW(nn::Dropout(1.5f), tg::Error);
  EXPECT_THROW(nn::Dropout(-0.1f), tg::Error);
}

TEST(BatchNorm, FollowsTheModuleMode) {
  TrainingScope on(true);
  nn::BatchNorm2d bn(2);
  Tensor x = f64(ramp({4, 2, 3, 3})).cast(DType::float32);
  bn.eval();  // running stats (0, 1): the output is x / sqrt(1 + eps)
  std::vector<double> want = x.to_vector<double>();
  for (double& v : want) v /= std::sqrt(1.0 + 1e-5);
  EXPECT_TRUE(all_close(bn(x), want));
  bn.train();
  EXPECT_NEAR(bn(x).mean().item<float>(), 0.0f, 1e-5f);  // batch statistics
}

TEST(Layers, RMSNormInstanceNormLSTMCellShapesNamesAndErrors) {
  nn::RMSNorm rms(6);
  EXPECT_EQ(tensor_names(rms), (Names{"weight"}));
  EXPECT_THROW(rms(Tensor::ones({2, 5})), tg::Error);
  nn::InstanceNorm2d in(3, 1e-5f, 0.1f, true, true);
  EXPECT_EQ(tensor_names(in), (Names{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_THROW(in(Tensor::ones({2, 4, 5, 5})), tg::Error);
  EXPECT_THROW(in(Tensor::ones({3, 5})), tg::Error);
  nn::LSTMCell cell(5, 7);
  EXPECT_EQ(tensor_names(cell), (Names{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
  EXPECT_EQ(cell.weight_ih.shape(), tg::Shape({28, 5}));
  EXPECT_EQ(cell.weight_hh.shape(), tg::Shape({28, 7}));
  const double k = 1.0 / std::sqrt(7.0);
  for (const Tensor& t : cell.parameters()) EXPECT_LE(t.abs().max().item<float>(), k);
  EXPECT_THROW(cell(Tensor::ones({2, 4})), tg::Error);
  EXPECT_THROW(cell(Tensor::ones({2, 5}), std::make_pair(Tensor::ones({2, 6}), Tensor::ones({2, 7}))), tg::Error);
  EXPECT_THROW(nn::LSTMCell(0, 3), tg::Error);
}

TEST(Init, ShapesKeptErrorsAndSeeding) {
  Tensor w = Tensor::zeros({8, 4}, TensorOptions{std::nullopt, std::nullopt, true});
  nn::init::ones_(w);
  EXPECT_TRUE(all_close(w, std::vector<double>(32, 1.0), 0, 0));
  EXPECT_TRUE(w.requires_grad());
  nn::init::zeros_(w);
  EXPECT_EQ(w.sum().item<float>(), 0.0f);
  Tensor::manual_seed(3);
  nn::init::kaiming_normal_(w);
  std::vector<float> a = w.to_vector<float>();
  Tensor::manual_seed(3);
  nn::init::kaiming_normal_(w);
  EXPECT_EQ(a, w.to_vector<float>()) << "seeded by Tensor::manual_seed";
  nn::init::trunc_normal_(w, 0.0, 1.0, -0.5, 0.5);
  EXPECT_LE(w.abs().max().item<float>(), 0.5f);
  Tensor v = Tensor::zeros({5});
  EXPECT_THROW(nn::init::xavier_uniform_(v), tg::Error);  // fans need 2 dims
  EXPECT_THROW(nn::init::kaiming_normal_(w, 0.0, "fan_avg"), tg::Error);
  EXPECT_THROW(nn::init::kaiming_normal_(w, 0.0, "fan_in", "swish"), tg::Error);
  Tensor i = Tensor::zeros({2, 2}, TensorOptions{DType::int32});
  EXPECT_THROW(nn::init::normal_(i), tg::Error);
}

TEST(ClipGradNorm, ScalesOnTheDeviceWithTheNextStep) {
  Tensor p = Tensor::zeros({4}, TensorOptions{std::nullopt, std::nullopt, true});
  p.set_grad(Tensor(std::vector<float>{3, 0, 0, 4}, tg::Shape({4})));
  Tensor total = nn::utils::clip_grad_norm_({p}, 1.0);
  EXPECT_FALSE(total.is_realized()) << "the norm stays on the device until asked for";
  EXPECT_NEAR(total.item<float>(), 5.0f, 1e-6f);
  EXPECT_TRUE(all_close(*p.grad(), {3.0 / (5 + 1e-6), 0, 0, 4.0 / (5 + 1e-6)}, 1e-6, 1e-7));
  EXPECT_EQ(nn::utils::clip_grad_norm_({Tensor::zeros({2})}, 1.0).item<float>(), 0.0f);  // no gradients
  EXPECT_THROW(nn::utils::clip_grad_norm_({p}, -1.0), tg::Error);
}

// A schedule, clipping and AdamW changing the rate every step: after warm-up nothing compiles.
TEST(LRScheduler, ChangingTheRateEveryStepCompilesNothingAfterWarmUp) {
  Tensor::manual_seed(4);
  nn::Linear model(16, 4);
  // (data gets no gradient: an unset requires_grad on a leaf would accumulate one every step)
  const TensorOptions data{std::nullopt, std::nullopt, false};
  Tensor x = Tensor::randn({32, 16}, data).realize(), y = Tensor::randn({32, 4}, data).realize();
  nn::optim::AdamW opt(model.parameters(), 1e-2f);
  sched::OneCycleLR s(opt, 0.05f, 30);
  std::vector<float> rates;
  uint64_t warm = 0;
  float first_loss = 0, last_loss = 0;
  for (int step = 0; step < 30; step++) {
    opt.zero_grad();
    Tensor loss = (model(x) - y).square().mean();
    loss.backward();
    nn::utils::clip_grad_norm_(model.parameters(), 1.0);
    opt.step({loss});
    s.step();
    rates.push_back(opt.get_lr());
    (step == 0 ? first_loss : last_loss) = loss.item<float>();
    if (step == 2) warm = tg::runtime_stats().kernels_compiled;
  }
  EXPECT_EQ(tg::runtime_stats().kernels_compiled, warm) << "kernels compiled after step 3";
  EXPECT_LT(last_loss, first_loss);
  for (size_t i = 1; i < rates.size(); i++) EXPECT_NE(rates[i], rates[i - 1]) << "the rate changes every step";
  EXPECT_THROW(s.step(), tg::Error);  // past total_steps, as PyTorch
}

TEST(LRScheduler, ConstructionSetsStepZeroAndArgumentsAreChecked) {
  Tensor p = Tensor::zeros({1});
  nn::optim::SGD opt({p}, 0.1f);
  sched::LinearWarmup warm(opt, 0.1f, 10);
  EXPECT_FLOAT_EQ(opt.get_lr(), 0.01f);
  EXPECT_FLOAT_EQ(warm.base_lr(), 0.1f);
  for (int i = 0; i < 10; i++) warm.step();
  EXPECT_FLOAT_EQ(opt.get_lr(), 0.1f);
  sched::CosineAnnealingLR cosine(opt, 4);  // a warmup, then a cosine decay from the full rate
  EXPECT_FLOAT_EQ(cosine.base_lr(), 0.1f);
  cosine.step();
  EXPECT_NEAR(opt.get_lr(), 0.1 * (1 + std::cos(M_PI / 4)) / 2, 1e-8);
  EXPECT_THROW(sched::StepLR(opt, 0), tg::Error);
  EXPECT_THROW(sched::CosineAnnealingLR(opt, -1), tg::Error);
  EXPECT_THROW(sched::OneCycleLR(opt, 0.1f, 10, 0.3f, "exp"), tg::Error);
  EXPECT_THROW(sched::LinearWarmup(opt, 0.0f, 5), tg::Error);
}

namespace {
// The names of the kernels a realize of t launches (TG_DEBUG=1 prints one line per launch).
std::string launched(const Tensor& t) {
  const char* old = std::getenv("TG_DEBUG");
  std::string saved = old ? old : "";
  setenv("TG_DEBUG", "1", 1);
  testing::internal::CaptureStderr();
  t.realize();
  std::string out = testing::internal::GetCapturedStderr();
  if (old) setenv("TG_DEBUG", saved.c_str(), 1);
  else unsetenv("TG_DEBUG");
  return out;
}
}  // namespace

TEST(Matmul, LinearOverBatchDimsIsOneGemmOfAllRows) {
  Tensor::manual_seed(9);
  nn::Linear lin(128, 32);
  Tensor x = Tensor::randn({16, 64, 128}).realize();
  Tensor y = lin(x);
  EXPECT_EQ(y.shape(), tg::Shape({16, 64, 32}));
  std::string k = launched(y);
  EXPECT_NE(k.find("R_1024_32_128"), std::string::npos) << "kernels:\n" << k;
  EXPECT_EQ(k.find("R_16_64_32_128"), std::string::npos) << "kernels:\n" << k;
  // The same values as 16 separate products.
  std::vector<double> want;
  for (int64_t b = 0; b < 16; b++)
    for (double v : x[b].matmul(lin.weight.T()).add(*lin.bias).to_vector<double>()) want.push_back(v);
  EXPECT_TRUE(all_close(y, want, 1e-5, 1e-5));
}

TEST(Matmul, AllRowsFormKeepsShapesGradientsAndStridedInputs) {
  Tensor::manual_seed(10);
  Tensor w = Tensor::randn({4, 5}, TensorOptions{std::nullopt, std::nullopt, true});
  Tensor x = Tensor::randn({2, 3, 4}, TensorOptions{std::nullopt, std::nullopt, true});
  // Reference: the batched form (a weight with a real batch dim does not fold).
  Tensor ref = x.matmul(w.unsqueeze(0).expand({2, 4, 5}));
  ref.sum().backward();
  std::vector<double> gx = x.grad()->to_vector<double>(), gw = w.grad()->to_vector<double>();
  x.set_grad(std::nullopt);
  w.set_grad(std::nullopt);
  Tensor y = x.matmul(w);
  EXPECT_EQ(y.shape(), tg::Shape({2, 3, 5}));
  EXPECT_TRUE(all_close(y, ref.to_vector<double>()));
  y.sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), gx));
  EXPECT_TRUE(all_close(*w.grad(), gw));
  // Size-1 batch dims of the weight broadcast as PyTorch: (2, 3, 4) @ (1, 1, 4, 5) is (1, 2, 3, 5).
  Tensor y4 = x.matmul(w.reshape({1, 1, 4, 5}));
  EXPECT_EQ(y4.shape(), tg::Shape({1, 2, 3, 5}));
  EXPECT_TRUE(all_close(y4, ref.to_vector<double>()));
  // A vector weight: (2, 3, 4) @ (4) is (2, 3).
  Tensor v = Tensor::randn({4});
  EXPECT_EQ(x.matmul(v).shape(), tg::Shape({2, 3}));
  EXPECT_TRUE(all_close(x.matmul(v), x.matmul(v.reshape({4, 1})).reshape({2, 3}).to_vector<double>()));
  // Inputs whose rows do not fold without a copy (transposed, broadcast) give the same values.
  Tensor xt = x.detach().transpose(0, 1).contiguous().realize().transpose(0, 1);  // (2, 3, 4), strided
  EXPECT_TRUE(all_close(xt.matmul(w.detach()), ref.to_vector<double>()));
  Tensor xb = x.detach()[0].unsqueeze(0).expand({2, 3, 4});
  Tensor refb = x.detach()[0].matmul(w.detach());
  std::vector<double> wantb = refb.to_vector<double>(), twice = wantb;
  twice.insert(twice.end(), wantb.begin(), wantb.end());
  EXPECT_TRUE(all_close(xb.matmul(w.detach()), twice));
  EXPECT_THROW(x.matmul(Tensor::ones({5, 4})), tg::Error);
}

namespace {
// Restores the default float when a test ends.
struct DefaultFloatScope {
  DType saved = tg::get_default_float();
  ~DefaultFloatScope() { tg::set_default_float(saved); }
};
}  // namespace

TEST(DefaultFloat, CreatorsLayersAndPromotionFollowIt) {
  DefaultFloatScope restore;
  EXPECT_EQ(tg::get_default_float(), DType::float32);
  tg::set_default_float(DType::bfloat16);
  EXPECT_EQ(Tensor::ones({2}).dtype(), DType::bfloat16);
  EXPECT_EQ(Tensor::randn({2}).dtype(), DType::bfloat16);
  EXPECT_EQ((Tensor::arange(3) * 0.5f).dtype(), DType::bfloat16);  // an int tensor times a float scalar
  nn::Linear lin(4, 3);
  EXPECT_EQ(lin.weight.dtype(), DType::bfloat16);
  EXPECT_EQ(lin.bias->dtype(), DType::bfloat16);
  Tensor y = lin(Tensor::ones({2, 4}));
  EXPECT_EQ(y.dtype(), DType::bfloat16);
  EXPECT_TRUE(std::isfinite(y.sum().item<float>()));
  tg::set_default_float(DType::float16);
  EXPECT_EQ(nn::RMSNorm(4).weight->dtype(), DType::float16);
  EXPECT_THROW(tg::set_default_float(DType::int32), tg::Error);
  EXPECT_EQ(tg::get_default_float(), DType::float16);
}

TEST(LayerOptions, DtypeAndDeviceOfParameters) {
  const TensorOptions f64{DType::float64};
  nn::Linear lin(4, 3, true, f64);
  EXPECT_EQ(lin.weight.dtype(), DType::float64);
  EXPECT_EQ(lin.bias->dtype(), DType::float64);
  EXPECT_TRUE(lin.weight.requires_grad());
  nn::LSTMCell cell(3, 2, true, f64);
  auto [h, c] = cell(Tensor::ones({1, 3}, f64));
  EXPECT_EQ(h.dtype(), DType::float64);
  nn::BatchNorm2d bn(3, 1e-5f, 0.1f, true, true, f64);
  EXPECT_EQ(bn.running_var.dtype(), DType::float64);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), DType::int64);
  EXPECT_EQ(nn::Conv2d(2, 4, 3, 1, 0, 1, 1, true, f64).weight.dtype(), DType::float64);
  EXPECT_EQ(nn::LayerNorm({4}, 1e-5f, true, f64).weight->dtype(), DType::float64);
  EXPECT_EQ(nn::GroupNorm(2, 4, 1e-5f, true, f64).bias->dtype(), DType::float64);
  EXPECT_EQ(nn::Embedding(5, 2, f64).weight.dtype(), DType::float64);
  EXPECT_EQ(nn::InstanceNorm2d(3, 1e-5f, 0.1f, true, false, f64).weight->dtype(), DType::float64);
  EXPECT_EQ(nn::RMSNorm(3, 1e-6f, true, TensorOptions{DType::float16}).weight->dtype(), DType::float16);
  nn::Linear on_ref(2, 2, true, TensorOptions{std::nullopt, std::string("ref")});
  EXPECT_EQ(on_ref.weight.device().rfind("ref", 0), 0u) << on_ref.weight.device();
  EXPECT_THROW(nn::Linear(2, 2, true, TensorOptions{DType::int32}), tg::Error);
}
