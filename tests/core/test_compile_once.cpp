// Compile once per shape, never per value: a sliding slice batch, a learning-rate schedule and
// a changing host scalar run the same programs every step (runtime_stats().kernels_compiled
// stays flat), and compute what the values say.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "tg/nn.hpp"
#include "tg/tg.hpp"
#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
namespace nn = tg::nn;

namespace {

constexpr double kPi = 3.14159265358979323846;

uint64_t compiled() { return tg::runtime_stats().kernels_compiled; }

// A few steps of Linear(784, 10) with Adam; batch(step) gives the step's input rows, and
// before(step, opt) runs first (a schedule). Returns kernels_compiled after step 3 and after
// the last step.
template <typename Batch, typename Before>
std::pair<uint64_t, uint64_t> train(int steps, const Tensor& targets, Batch batch, Before before) {
  Tensor::manual_seed(7);
  nn::Linear model(784, 10);
  nn::optim::Adam opt(model.parameters(), 1e-3f);
  uint64_t at3 = 0;
  for (int step = 0; step < steps; ++step) {
    before(step, opt);
    Tensor x = batch(step);
    Tensor y = targets.slice(0, step * 128 % 1024, step * 128 % 1024 + 128);
    opt.zero_grad();
    Tensor loss = model(x).sparse_categorical_crossentropy(y);
    loss.backward();
    opt.step({loss});
    EXPECT_TRUE(std::isfinite(loss.item<float>())) << "step " << step;
    if (step == 2) at3 = compiled();
  }
  return {at3, compiled()};
}

struct Data {
  Tensor X, Y;
  Data() {
    Tensor::manual_seed(3);
    // (data gets no gradient: an unset requires_grad on a leaf would give X one)
    X = Tensor::rand({60000, 784}, TensorOptions{std::nullopt, std::nullopt, false}).realize();
    Y = Tensor::randint(0, 10, {1024}).realize();
  }
};

const Data& data() {
  static Data d;
  return d;
}

TEST(CompileOnce, SlidingSliceBatchesCompileNothingAfterStep3) {
  const Data& d = data();
  auto [at3, at40] = train(40, d.Y, [&](int b) { return d.X.slice(0, b * 128, b * 128 + 128); },
                           [](int, nn::optim::Optimizer&) {});
  EXPECT_EQ(at40, at3) << "programs compiled between step 3 and step 40";
}

TEST(CompileOnce, CosineLearningRateScheduleCompilesNothingAfterStep3) {
  const Data& d = data();
  Tensor x = d.X.slice(0, 0, 128).contiguous().realize();
  auto [at3, at40] = train(40, d.Y, [&](int) { return x; }, [](int step, nn::optim::Optimizer& opt) {
    opt.set_lr(static_cast<float>(0.5e-3 * (1 + std::cos(kPi * step / 40))));
  });
  EXPECT_EQ(at40, at3) << "programs compiled between step 3 and step 40";
}

TEST(CompileOnce, ScalarTimesTensorOver1000ValuesCompilesOnce) {
  Tensor a = Tensor(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}, tg::Shape({4})).realize();
  uint64_t at3 = 0;
  for (int i = 0; i < 1000; ++i) {
    const float s = static_cast<float>(i) + 0.25f;
    ASSERT_FLOAT_EQ((a * s).sum().item<float>(), 10.0f * s) << "i = " << i;
    if (i == 2) at3 = compiled();
  }
  EXPECT_EQ(compiled(), at3);
}

// The values the launch binds are the right ones: every window position reads its own rows,
// through reshapes, a transpose and a computed value, on the first run and on replays.
TEST(CompileOnce, SlicesAtEveryPositionReadTheirOwnRows) {
  std::vector<float> host(40 * 6);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i % 97) * 0.5f - 3.0f;
  Tensor X = Tensor(host, tg::Shape({40, 6})).realize();
  for (int b = 0; b < 36; ++b) {
    Tensor w = X.slice(0, b, b + 4);                          // rows b .. b+3
    Tensor cols = X.slice(1, b % 3, b % 3 + 2);               // two columns of every row
    std::vector<float> got = (w.transpose(0, 1) * 2.0f + 1.0f).sum(1).to_vector<float>();
    std::vector<float> got_cols = cols.sum(0).to_vector<float>();
    std::vector<float> copy = w.contiguous().reshape({24}).to_vector<float>();
    for (int c = 0; c < 6; ++c) {
      float want = 0;
      for (int r = b; r < b + 4; ++r) want += host[static_cast<size_t>(r * 6 + c)] * 2.0f + 1.0f;
      ASSERT_NEAR(got[static_cast<size_t>(c)], want, 1e-4) << "b " << b << " col " << c;
    }
    for (int c = 0; c < 2; ++c) {
      float want = 0;
      for (int r = 0; r < 40; ++r) want += host[static_cast<size_t>(r * 6 + b % 3 + c)];
      ASSERT_NEAR(got_cols[static_cast<size_t>(c)], want, 1e-3) << "b " << b << " col " << c;
    }
    for (int k = 0; k < 24; ++k) ASSERT_EQ(copy[static_cast<size_t>(k)], host[static_cast<size_t>(b * 6 + k)]) << "b " << b;
  }
}

// A window into a flipped tensor walks backwards: its start is baked into the program (one per
// position), and the values are still right.
TEST(CompileOnce, SliceOfAFlipReadsTheRightRows) {
  std::vector<float> host(10);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i);
  Tensor X = Tensor(host, tg::Shape({10})).realize();
  for (int b = 0; b < 7; ++b) {
    std::vector<float> got = (X.flip({0}).slice(0, b, b + 3) + 0.0f).to_vector<float>();
    for (int k = 0; k < 3; ++k) ASSERT_EQ(got[static_cast<size_t>(k)], static_cast<float>(9 - b - k)) << "b " << b;
  }
}

// The learning rate is on the device: set_lr, get_lr and assigning `lr` all take effect.
TEST(CompileOnce, LearningRateSetAndRead) {
  Tensor p = Tensor(std::vector<float>{1.0f, 2.0f}, tg::Shape({2}));
  nn::optim::SGD opt({p}, 0.5f);
  EXPECT_FLOAT_EQ(opt.get_lr(), 0.5f);
  auto step = [&] {
    opt.zero_grad();
    p.sum().backward();  // gradient 1
    opt.step();
  };
  step();
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, 1.5f}));
  opt.set_lr(0.25f);
  EXPECT_FLOAT_EQ(opt.get_lr(), 0.25f);
  step();
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.25f, 1.25f}));
  opt.lr = 0.125f;  // the public field, as before set_lr existed
  step();
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.125f, 1.125f}));
  EXPECT_FLOAT_EQ(opt.get_lr(), 0.125f);
}

// The in-memory programs are bounded (TG_MAX_PROGRAMS): past the bound the least recently used
// goes, and a program needed again is compiled again, with the right result (the schedule
// cache's recordings of evicted programs are dropped, not replayed).
TEST(CompileOnce, ProgramCacheIsBoundedAndRecompilesWhatItEvicted) {
  ::setenv("TG_MAX_PROGRAMS", "4", 1);
  auto sum_of = [](int n) {
    std::vector<float> v(static_cast<size_t>(n), 1.5f);
    return (Tensor(v, tg::Shape({n})) + 3.0f).sum().item<float>();
  };
  for (int n = 3; n < 13; ++n) ASSERT_FLOAT_EQ(sum_of(n), 4.5f * static_cast<float>(n)) << "n " << n;
  const uint64_t before = compiled();
  ASSERT_FLOAT_EQ(sum_of(3), 13.5f);  // evicted long ago: compiled again
  EXPECT_GT(compiled(), before);
  const uint64_t again = compiled();
  ASSERT_FLOAT_EQ(sum_of(3), 13.5f);  // now the most recent: replayed
  EXPECT_EQ(compiled(), again);
  ::unsetenv("TG_MAX_PROGRAMS");
}

}  // namespace
