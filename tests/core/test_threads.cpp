// Threads: independent models trained on 2 and 4 threads at once give, bit for bit, the numbers
// the same models give trained one after another; Tensor::training, NoGrad and manual_seed are
// per thread. Runs on whatever device TG_DEVICE picks (the test command runs it on onednn, ref
// and opencl), and under ThreadSanitizer (scripts/test.sh, TG_SANITIZE=thread).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tg/nn.hpp"
#include "tg/tg.hpp"

namespace {

using tg::Tensor;
using tg::TensorOptions;

constexpr int kSteps = 12;

// What one training run produced, as float bit patterns (so that equal means bit-for-bit).
struct Run {
  std::vector<uint32_t> losses, weights, eval;
};

std::vector<uint32_t> bits(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  if (!v.empty()) std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

// A data tensor every thread reads at once: realized, and no gradients into it.
Tensor shared_inputs() {
  std::vector<float> x(16 * 6);
  for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<float>(static_cast<int>(i * 7 % 13) - 6) / 4.0f;
  return Tensor(x, tg::Shape({16, 6}), TensorOptions{std::nullopt, std::nullopt, false}).realize();
}

// Linear(6, 8) -> relu -> dropout -> Linear(8, 1), Adam, mean squared error against targets
// drawn from `seed`, for kSteps steps; then one evaluation under NoGrad in eval mode. Every
// random number (initialization, targets, dropout masks) comes from this thread's generator.
Run train(uint64_t seed, const Tensor& x) {
  Tensor::manual_seed(seed);
  Tensor::training = true;
  tg::nn::Linear l1(6, 8), l2(8, 1);
  std::vector<Tensor> params = l1.parameters();
  for (const Tensor& p : l2.parameters()) params.push_back(p);
  tg::nn::optim::Adam opt(params, 0.05f);
  const Tensor y = Tensor::randn({16, 1}, TensorOptions{std::nullopt, std::nullopt, false});
  const Tensor scale = Tensor::uniform({1, 6}, 0.5, 1.5, TensorOptions{std::nullopt, std::nullopt, false});
  Run run;
  for (int step = 0; step < kSteps; step++) {
    opt.zero_grad();
    Tensor h = l1(x * scale).relu().dropout(0.25f);
    Tensor loss = tg::nn::functional::mse_loss(l2(h), y);
    loss.backward();
    opt.step({loss});
    run.losses.push_back(bits({loss.item<float>()})[0]);
  }
  for (const Tensor& p : params) {
    std::vector<uint32_t> w = bits(p.to_vector<float>());
    run.weights.insert(run.weights.end(), w.begin(), w.end());
  }
  Tensor::training = false;
  tg::NoGrad no_grad;
  run.eval = bits(l2(l1(x * scale).relu().dropout(0.25f)).to_vector<float>());
  return run;
}

// Trains seeds[i] on thread i, all at once; rethrows the first thread's error.
std::vector<Run> train_on_threads(const std::vector<uint64_t>& seeds, const Tensor& x) {
  std::vector<Run> runs(seeds.size());
  std::vector<std::exception_ptr> errors(seeds.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seeds.size(); i++)
    threads.emplace_back([&, i] {
      try {
        runs[i] = train(seeds[i], x);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return runs;
}

void expect_same(const Run& serial, const Run& threaded, const std::string& what) {
  EXPECT_EQ(serial.losses, threaded.losses) << what << ": losses differ";
  EXPECT_EQ(serial.weights, threaded.weights) << what << ": trained weights differ";
  EXPECT_EQ(serial.eval, threaded.eval) << what << ": evaluation differs";
}

void check_threads(size_t n) {
  const Tensor x = shared_inputs();
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < n; i++) seeds.push_back(1000 + 17 * i);
  std::vector<Run> serial;
  for (uint64_t s : seeds) serial.push_back(train(s, x));
  Tensor::training = false;
  // The runs differ from each other (else equal results would prove little), and training
  // lowered the loss.
  for (size_t i = 1; i < n; i++) EXPECT_NE(serial[0].weights, serial[i].weights);
  float first, last;
  std::memcpy(&first, &serial[0].losses.front(), sizeof first);
  std::memcpy(&last, &serial[0].losses.back(), sizeof last);
  EXPECT_LT(last, first);
  // Twice, so the second round replays schedules and kernels that the first recorded.
  for (int round = 0; round < 2; round++) {
    std::vector<Run> threaded = train_on_threads(seeds, x);
    for (size_t i = 0; i < n; i++)
      expect_same(serial[i], threaded[i], "round " + std::to_string(round) + ", thread " + std::to_string(i));
  }
}

TEST(Threads, TwoThreadsTrainLikeSerialRuns) { check_threads(2); }
TEST(Threads, FourThreadsTrainLikeSerialRuns) { check_threads(4); }

// Several threads building the same graph of constants each get their own nodes (the
// hash-consing table is per thread): none realizes another's, and all read the same values.
TEST(Threads, SameConstantGraphOnEveryThread) {
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); i++)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; k++) got[i] = ((Tensor::ones({3, 5}) * 2.0f + 1.0f).sum(1)).to_vector<float>();
    });
  for (auto& t : threads) t.join();
  for (auto& g : got) EXPECT_EQ(g, std::vector<float>(3, 15.0f));
}

TEST(Threads, TrainingModeIsPerThread) {
  Tensor::training = true;
  bool other_saw = true;
  std::thread([&] { other_saw = Tensor::training; }).join();
  EXPECT_FALSE(other_saw) << "a new thread starts in eval mode whatever another thread set";
  std::thread([] { Tensor::training = true; }).join();
  Tensor::training = false;
  bool mine_after = true;
  std::thread([&] {
    Tensor::training = true;
    mine_after = Tensor::training;
  }).join();
  EXPECT_TRUE(mine_after);
  EXPECT_FALSE(Tensor::training) << "another thread's Tensor::training = true changed this thread's";
}

TEST(Threads, NoGradIsPerThread) {
  tg::NoGrad no_grad;
  EXPECT_FALSE(tg::grad_enabled());
  bool other_enabled = false;
  std::thread([&] {
    other_enabled = tg::grad_enabled();
    Tensor w = Tensor::ones({2});
    (w * 3.0f).sum().backward();
    EXPECT_TRUE(w.grad().has_value()) << "a NoGrad on another thread stopped this thread's gradients";
  }).join();
  EXPECT_TRUE(other_enabled);
}

TEST(Threads, ManualSeedIsPerThread) {
  Tensor::manual_seed(7);
  std::vector<float> alone = Tensor::rand({8}).to_vector<float>();
  Tensor::manual_seed(7);
  std::thread([] {
    Tensor::manual_seed(99);
    for (int i = 0; i < 10; i++) Tensor::rand({8}).realize();
  }).join();
  EXPECT_EQ(alone, Tensor::rand({8}).to_vector<float>()) << "another thread's draws moved this thread's generator";
}

// A tensor made on one thread and handed to another (after a join) is used and freed there.
TEST(Threads, TensorsHandedBetweenThreads) {
  Tensor made;
  std::thread([&] { made = (Tensor::arange(6).cast(tg::DType::float32) * 2.0f).reshape({2, 3}); }).join();
  EXPECT_EQ((made + 1.0f).to_vector<float>(), (std::vector<float>{1, 3, 5, 7, 9, 11}));
  Tensor back;
  std::thread([&] {
    back = made.sum();
    made = Tensor();  // the last handle of the other thread's nodes goes here
  }).join();
  EXPECT_EQ(back.item<float>(), 30.0f);
}


// Runs body(t, error) on four threads at once with room for two programs (TG_MAX_PROGRAMS=2), so
// that each keeps needing programs the others evict; body sets error to say what went wrong.
void with_programs_evicted(const std::function<void(int, std::string&)>& body) {
  ::setenv("TG_MAX_PROGRAMS", "2", 1);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([t, &errors, &body] {
      try {
        body(t, errors[static_cast<size_t>(t)]);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(t)] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  ::unsetenv("TG_MAX_PROGRAMS");
  for (int t = 0; t < 4; t++) EXPECT_EQ(errors[static_cast<size_t>(t)], "") << "thread " << t;
}

// An evicted program is freed only when no realize() is in flight (a thread may be replaying a
// recording that launches it), so every result stays right (and AddressSanitizer sees no use
// of a freed program).
TEST(Threads, ProgramsEvictedByOneThreadStayValidForTheOthers) {
  with_programs_evicted([](int t, std::string& error) {
    for (int round = 0; round < 20; round++)
      for (int n = 2; n < 7; n++) {
        std::vector<float> v(static_cast<size_t>(n + t), 1.5f);
        const float got = (Tensor(v, tg::Shape({n + t})) * 2.0f + 1.0f).sum().item<float>();
        if (got != 4.0f * static_cast<float>(n + t)) error = "n " + std::to_string(n + t) + ": " + std::to_string(got);
      }
  });
}

// Each thread replays its own tg::TinyJit while the others build and compile graphs of their own
// and evict programs: a capture records its thread's launches only, and a replay whose programs
// may have been freed captures again instead of launching them.
TEST(Threads, TinyJitsReplayWhileOtherThreadsEvictPrograms) {
  with_programs_evicted([](int t, std::string& error) {
    const Tensor w = Tensor::full({6, 4}, 0.5 + t).contiguous().realize();
    tg::TinyJit jit([&w](const std::vector<Tensor>& in) {
      return std::vector<Tensor>{(in[0].matmul(w) + 1.0f).relu().sum(1).realize()};
    });
    for (int call = 0; call < 8; call++) {
      if (t == 3) {  // this thread compiles other programs between its calls
        std::vector<float> v(static_cast<size_t>(3 + call % 5), 1.0f);
        (Tensor(v, tg::Shape({3 + call % 5})) * 3.0f).sum().item<float>();
      }
      const float x = static_cast<float>(call - 4);
      const std::vector<float> got = jit({Tensor::full({2, 6}, x).contiguous().realize()})[0].to_vector<float>();
      // each row: 4 outputs of max(6 * x * (0.5 + t) + 1, 0)
      const float want = 4.0f * std::max(6.0f * x * (0.5f + static_cast<float>(t)) + 1.0f, 0.0f);
      for (float g : got)
        if (std::fabs(g - want) > 1e-3f * (1.0f + std::fabs(want)))
          error = "call " + std::to_string(call) + ": " + std::to_string(g) + " != " + std::to_string(want);
    }
  });
}

}  // namespace
