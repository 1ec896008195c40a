// tg::nn against PyTorch: RMSNorm, InstanceNorm and LSTMCell (forward, gradients, PyTorch's
// state-dict names and initial weights), clip_grad_norm_, the learning-rate schedules' rates
// step by step, and tg::nn::init's sample statistics. PyTorch's values come from
// nn_torch_reference.py, run by the ctest fixture NnTorch.reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "tg/tg.hpp"
#include "tg_test_util.hpp"

using tg::Tensor;
using tgtest::all_close;
namespace nn = tg::nn;
namespace sched = tg::nn::optim::lr_scheduler;

namespace {

struct Ref {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

const std::map<std::string, Ref>& refs() {
  static const std::map<std::string, Ref> all = [] {
    std::map<std::string, Ref> out;
    std::ifstream f(NN_TORCH_REF_FILE);
    if (!f)
      throw tg::Error(std::string("cannot read ") + NN_TORCH_REF_FILE +
                      ": ctest's fixture NnTorch.reference writes it (tests/api/nn_torch/nn_torch_reference.py)");
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string name, word;
      int ndim = 0;
      in >> name >> ndim;
      Ref r;
      for (int i = 0; i < ndim; i++) {
        int64_t d;
        in >> d;
        r.shape.push_back(d);
      }
      while (in >> word) r.values.push_back(std::strtod(word.c_str(), nullptr));  // hex floats, exact
      out[name] = std::move(r);
    }
    return out;
  }();
  return all;
}

const Ref& ref(const std::string& name) {
  auto it = refs().find(name);
  if (it == refs().end()) throw tg::Error("no reference named " + name + " (a stale reference file?)");
  return it->second;
}

std::vector<double> want(const std::string& name) { return ref(name).values; }

Tensor tensor(const std::string& name, bool requires_grad = false) {
  const Ref& r = ref(name);
  std::vector<float> v(r.values.begin(), r.values.end());
  return Tensor(v, tg::Shape(r.shape), tg::TensorOptions{tg::DType::float32, std::nullopt, requires_grad}).realize();
}

// Every "<prefix>.state.<key>" reference as a state dict.
nn::state::StateDict state(const std::string& prefix) {
  nn::state::StateDict d;
  const std::string p = prefix + ".state.";
  for (const auto& [name, r] : refs())
    if (name.rfind(p, 0) == 0) d.set(name.substr(p.size()), tensor(name));
  return d;
}

TEST(NnTorch, RMSNormForwardAndGradients) {
  nn::RMSNorm m(8);
  nn::state::load_state_dict(m, state("rmsnorm"));
  Tensor x = tensor("rmsnorm.x", true);
  Tensor y = m(x);
  EXPECT_TRUE(all_close(y, want("rmsnorm.y"), 1e-5, 1e-6));
  y.backward(tensor("rmsnorm.gy"));
  EXPECT_TRUE(all_close(*x.grad(), want("rmsnorm.gx"), 1e-4, 1e-5));
  EXPECT_TRUE(all_close(*m.weight->grad(), want("rmsnorm.gw"), 1e-4, 1e-5));
}

TEST(NnTorch, InstanceNormDefaultsForwardAndGradient) {
  nn::InstanceNorm2d m(3);
  EXPECT_TRUE(m.named_tensors().empty()) << "PyTorch's default InstanceNorm2d has no weights or buffers";
  Tensor x = tensor("instnorm.x", true);
  Tensor y = m(x);
  EXPECT_TRUE(all_close(y, want("instnorm.y"), 1e-5, 1e-5));
  y.backward(tensor("instnorm.gy"));
  EXPECT_TRUE(all_close(*x.grad(), want("instnorm.gx"), 1e-4, 1e-5));
}

TEST(NnTorch, InstanceNormAffineRunningStatsTrainThenEval) {
  nn::InstanceNorm2d m(3, 1e-5f, 0.1f, true, true);
  nn::state::load_state_dict(m, state("instnorm_affine"));
  Tensor x = tensor("instnorm.x");
  m.train();
  EXPECT_TRUE(all_close(m(x), want("instnorm_affine.train_y"), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(m.running_mean, want("instnorm_affine.running_mean"), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(m.running_var, want("instnorm_affine.running_var"), 1e-5, 1e-6));
  m.eval();
  EXPECT_TRUE(all_close(m(x), want("instnorm_affine.eval_y"), 1e-5, 1e-5));
}

TEST(NnTorch, LSTMCellWithPyTorchWeights) {
  nn::LSTMCell cell(5, 7);
  nn::state::load_state_dict(cell, state("lstm"));  // weight_ih, weight_hh, bias_ih, bias_hh
  Tensor x = tensor("lstm.x", true);
  auto [h, c] = cell(x, std::make_pair(tensor("lstm.h0"), tensor("lstm.c0")));
  EXPECT_TRUE(all_close(h, want("lstm.h"), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(c, want("lstm.c"), 1e-5, 1e-6));
  (h.sum() + c.sum() * 2.0f).backward();
  EXPECT_TRUE(all_close(*x.grad(), want("lstm.gx"), 1e-4, 1e-5));
  EXPECT_TRUE(all_close(*cell.weight_ih.grad(), want("lstm.gw_ih"), 1e-4, 1e-5));
  EXPECT_TRUE(all_close(*cell.bias_hh->grad(), want("lstm.gb_hh"), 1e-4, 1e-5));
  auto [h0, c0] = cell(x.detach());
  EXPECT_TRUE(all_close(h0, want("lstm.h_zero"), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(c0, want("lstm.c_zero"), 1e-5, 1e-6));
  auto [h1, c1] = cell(x.detach()[0]);
  EXPECT_EQ(h1.shape(), tg::Shape({7}));
  EXPECT_TRUE(all_close(h1, want("lstm.h_unbatched"), 1e-5, 1e-6));
}

TEST(NnTorch, ClipGradNorm) {
  for (auto [name, max_norm, norm_type] : {std::tuple<std::string, double, double>{"clip2", 1.0, 2.0},
                                           {"clip_big", 1e3, 2.0},
                                           {"clip_inf", 0.5, INFINITY}}) {
    SCOPED_TRACE(name);
    std::vector<Tensor> ps{Tensor::zeros({4, 3}), Tensor::zeros({5}), Tensor::zeros({2})};  // the last: no grad
    ps[0].set_grad(tensor(name + ".g0"));
    ps[1].set_grad(tensor(name + ".g1"));
    Tensor total = nn::utils::clip_grad_norm_(ps, max_norm, norm_type);
    EXPECT_EQ(total.shape(), tg::Shape({}));
    EXPECT_TRUE(all_close(total, want(name + ".total"), 1e-6, 1e-6));
    EXPECT_TRUE(all_close(*ps[0].grad(), want(name + ".c0"), 1e-6, 1e-7));
    EXPECT_TRUE(all_close(*ps[1].grad(), want(name + ".c1"), 1e-6, 1e-7));
    EXPECT_FALSE(ps[2].grad().has_value());
  }
}

template <typename Make>
void expect_rates(const std::string& name, Make make) {
  SCOPED_TRACE(name);
  std::vector<double> w = want("sched." + name);
  Tensor p = Tensor::zeros({1});
  nn::optim::SGD opt({p}, 0.01f);
  auto s = make(opt);
  std::vector<double> got{opt.get_lr()};
  EXPECT_FLOAT_EQ(s->get_last_lr(), opt.get_lr());
  for (size_t i = 1; i < w.size(); i++) {
    s->step();
    got.push_back(opt.get_lr());
    EXPECT_FLOAT_EQ(s->get_last_lr(), opt.get_lr());
  }
  ASSERT_EQ(got.size(), w.size());
  for (size_t i = 0; i < w.size(); i++) EXPECT_NEAR(got[i], w[i], 1e-6 * std::abs(w[i]) + 1e-12) << "step " << i;
}

TEST(NnTorch, LearningRateSchedulesMatchPyTorchStepByStep) {
  using nn::optim::Optimizer;
  expect_rates("step", [](Optimizer& o) { return std::make_unique<sched::StepLR>(o, 3, 0.5f); });
  expect_rates("multistep", [](Optimizer& o) { return std::make_unique<sched::MultiStepLR>(o, std::vector<int64_t>{2, 5, 5, 8}, 0.3f); });
  expect_rates("cosine", [](Optimizer& o) { return std::make_unique<sched::CosineAnnealingLR>(o, 10, 1e-4f); });
  expect_rates("onecycle", [](Optimizer& o) { return std::make_unique<sched::OneCycleLR>(o, 0.1f, 20); });
  expect_rates("onecycle_pct", [](Optimizer& o) { return std::make_unique<sched::OneCycleLR>(o, 0.05f, 37, 0.25f); });
  expect_rates("onecycle_3lin", [](Optimizer& o) {
    return std::make_unique<sched::OneCycleLR>(o, 0.1f, 30, 0.3f, "linear", 25.0f, 1e4f, true);
  });
  expect_rates("linear", [](Optimizer& o) { return std::make_unique<sched::LinearWarmup>(o, 0.25f, 4); });
}

// OneCycleLR with cycle_momentum (PyTorch's default): the rate and the momentum (SGD's momentum,
// Adam's beta1) after every step, and the parameters an optimizer reaches with PyTorch's
// gradients, so the update really reads the cycled momentum (Adam's bias correction uses this
// step's beta1^t, as PyTorch's). After warm-up the cycling compiles nothing new.
template <typename MakeOpt, typename MakeSched>
void expect_cycled(const std::string& name, MakeOpt make_opt, MakeSched make_sched) {
  SCOPED_TRACE(name);
  const std::string pre = "cycle." + name + ".";
  std::vector<double> lrs = want(pre + "lr"), moms = want(pre + "momentum"), params = want(pre + "params");
  Tensor p = tensor(pre + "p0");
  auto opt = make_opt(p);
  auto s = make_sched(*opt);
  EXPECT_NEAR(opt->get_lr(), lrs[0], 1e-6 * lrs[0]);
  EXPECT_NEAR(opt->get_momentum(), moms[0], 1e-6);
  const size_t steps = lrs.size() - 1;
  uint64_t compiled_at_3 = 0;
  for (size_t i = 0; i < steps; i++) {
    p.set_grad(tensor(pre + "g" + std::to_string(i)));
    opt->step();
    s->step();
    EXPECT_NEAR(opt->get_lr(), lrs[i + 1], 1e-6 * std::abs(lrs[i + 1]) + 1e-12) << "step " << i + 1;
    EXPECT_NEAR(opt->get_momentum(), moms[i + 1], 1e-6) << "step " << i + 1;
    std::vector<double> w(params.begin() + static_cast<long>(i * 12), params.begin() + static_cast<long>(i * 12 + 12));
    EXPECT_TRUE(all_close(p, w, 1e-5, 1e-6)) << "parameters after step " << i + 1;
    if (i == 2) compiled_at_3 = tg::runtime_stats().kernels_compiled;
  }
  EXPECT_EQ(tg::runtime_stats().kernels_compiled, compiled_at_3) << "kernels compiled after step 3";
}

TEST(NnTorch, OneCycleMomentumCyclingMatchesPyTorchStepByStep) {
  using nn::optim::Optimizer;
  using Opt = std::unique_ptr<Optimizer>;
  expect_cycled("adam", [](Tensor p) -> Opt { return std::make_unique<nn::optim::Adam>(std::vector<Tensor>{p}, 0.01f); },
                [](Optimizer& o) { return std::make_unique<sched::OneCycleLR>(o, 0.1f, 12); });
  expect_cycled(
      "adamw_3lin",
      [](Tensor p) -> Opt {
        return std::make_unique<nn::optim::AdamW>(std::vector<Tensor>{p}, 0.01f, 0.9f, 0.999f, 1e-8f, 0.05f);
      },
      [](Optimizer& o) {
        return std::make_unique<sched::OneCycleLR>(o, 0.05f, 15, 0.3f, "linear", 25.0f, 1e4f, true, true, 0.8f, 0.9f);
      });
  expect_cycled("sgd",
                [](Tensor p) -> Opt { return std::make_unique<nn::optim::SGD>(std::vector<Tensor>{p}, 0.01f, 0.9f); },
                [](Optimizer& o) { return std::make_unique<sched::OneCycleLR>(o, 0.1f, 12, 0.25f); });
  expect_cycled(
      "sgd_nesterov",
      [](Tensor p) -> Opt { return std::make_unique<nn::optim::SGD>(std::vector<Tensor>{p}, 0.01f, 0.9f, 0.0f, true); },
      [](Optimizer& o) { return std::make_unique<sched::OneCycleLR>(o, 0.1f, 10); });
  // An SGD made without momentum gets max_momentum from the schedule, as in PyTorch.
  expect_cycled("sgd0", [](Tensor p) -> Opt { return std::make_unique<nn::optim::SGD>(std::vector<Tensor>{p}, 0.01f); },
                [](Optimizer& o) { return std::make_unique<sched::OneCycleLR>(o, 0.1f, 10); });
}

// mean, std, min, max of t.
std::vector<double> stats(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  double mean = 0, var = 0, lo = v[0], hi = v[0];
  for (double x : v) mean += x, lo = std::min(lo, x), hi = std::max(hi, x);
  mean /= static_cast<double>(v.size());
  for (double x : v) var += (x - mean) * (x - mean);
  return {mean, std::sqrt(var / static_cast<double>(v.size() - 1)), lo, hi};
}

// Sample statistics against PyTorch's on the same shape (the draws differ): mean and std within
// a few standard errors, min and max within 2% of the spread where the distribution is bounded.
void expect_stats(const std::string& name, tg::Shape shape, const std::function<void(Tensor&)>& fill, bool bounded) {
  SCOPED_TRACE(name);
  Tensor t = Tensor::empty(shape);
  fill(t);
  EXPECT_EQ(t.shape(), shape);
  std::vector<double> got = stats(t), w = want("init." + name);
  const double n = static_cast<double>(t.numel()), se = w[1] / std::sqrt(n);
  EXPECT_NEAR(got[0], w[0], 8 * se) << "mean";
  EXPECT_NEAR(got[1], w[1], 0.03 * w[1]) << "std";
  if (bounded) {
    EXPECT_NEAR(got[2], w[2], 0.02 * (w[3] - w[2])) << "min";
    EXPECT_NEAR(got[3], w[3], 0.02 * (w[3] - w[2])) << "max";
  }
}

TEST(NnTorch, InitStatisticsMatchPyTorch) {
  namespace init = nn::init;
  Tensor::manual_seed(5);
  expect_stats("normal", {256, 300}, [](Tensor& t) { init::normal_(t, 0.5, 2.0); }, false);
  expect_stats("uniform", {256, 300}, [](Tensor& t) { init::uniform_(t, -0.3, 0.7); }, true);
  expect_stats("xavier_uniform", {256, 300}, [](Tensor& t) { init::xavier_uniform_(t); }, true);
  expect_stats("xavier_uniform_gain", {64, 32, 3, 3}, [](Tensor& t) { init::xavier_uniform_(t, 2.0); }, true);
  expect_stats("kaiming_normal", {256, 300}, [](Tensor& t) { init::kaiming_normal_(t); }, false);
  expect_stats("kaiming_normal_out_relu", {64, 32, 3, 3},
               [](Tensor& t) { init::kaiming_normal_(t, 0.0, "fan_out", "relu"); }, false);
  expect_stats("trunc_normal", {256, 300}, [](Tensor& t) { init::trunc_normal_(t); }, true);
  expect_stats("trunc_normal_narrow", {256, 300}, [](Tensor& t) { init::trunc_normal_(t, 0.1, 0.02, 0.08, 0.15); }, true);
}

}  // namespace
