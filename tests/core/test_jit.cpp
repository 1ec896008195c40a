// tg::TinyJit (tg/jit.hpp): from the third call the captured kernels run without the function
// (no graph built, no schedule looked up), with this call's inputs, and compute what the function
// computes; what a replay cannot repeat falls back to running the function.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tg/tg.hpp"

using tg::Tensor;
using tg::TinyJit;

namespace {

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

std::vector<float> iota(size_t n, float start) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + 0.25f * static_cast<float>(i);
  return v;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5 + 1e-5 * std::fabs(want[i])) << "at " << i;
}

// A small layer: matmul, bias, GELU, a softmax over the rows and a sum.
struct Layer {
  Tensor w = Tensor::randn({16, 8}).realize(), b = Tensor::randn({8}).realize();
  std::vector<Tensor> operator()(const std::vector<Tensor>& in) const {
    Tensor h = (in[0].matmul(w) + b).gelu();
    return {h.softmax(-1).realize(), (h.sum() * in[1]).realize()};
  }
};

}  // namespace

TEST(TinyJit, ReplaysComputeWhatTheFunctionComputesWithoutCallingIt) {
  Layer layer;
  int calls = 0;
  TinyJit jit([&](const std::vector<Tensor>& in) {
    ++calls;
    return layer(in);
  });
  std::vector<std::vector<float>> earlier;
  std::vector<Tensor> kept;
  for (int step = 0; step < 6; ++step) {
    Tensor x(iota(4 * 16, -2.0f + static_cast<float>(step)), tg::Shape{4, 16});
    Tensor s(std::vector<float>{1.0f + static_cast<float>(step)}, tg::Shape{1});
    const tg::RuntimeStats before = tg::runtime_stats();
    std::vector<Tensor> out = jit({x, s});
    const tg::RuntimeStats after = tg::runtime_stats();
    std::vector<Tensor> want = layer({x, s});
    expect_near(values(out[0]), values(want[0]));
    expect_near(values(out[1]), values(want[1]));
    if (step >= 2) {
      EXPECT_TRUE(jit.captured());
      EXPECT_EQ(after.schedules, before.schedules) << "a replay built a schedule";
      EXPECT_EQ(after.kernels_compiled, before.kernels_compiled);
      EXPECT_GT(after.kernels_launched, before.kernels_launched);
    }
    kept.push_back(out[0]);
    earlier.push_back(values(out[0]));
  }
  EXPECT_EQ(calls, 2) << "the function runs on the first two calls only";
  // Each call's outputs are its own: later replays did not write over them.
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(values(kept[i]), earlier[i]) << "call " << i;
}

TEST(TinyJit, StateThreadedThroughInputsAndOutputs) {
  // A running sum kept by the caller: each call returns the next state from the one passed in.
  TinyJit jit([](const std::vector<Tensor>& in) { return std::vector<Tensor>{(in[0] * 0.5f + in[1]).realize()}; });
  Tensor state = Tensor::zeros({3, 5}).contiguous().realize();
  std::vector<float> want(15, 0.0f);
  for (int step = 0; step < 7; ++step) {
    Tensor add = Tensor::full({3, 5}, static_cast<double>(step));
    state = jit({state, add})[0];
    for (float& v : want) v = v * 0.5f + static_cast<float>(step);
    expect_near(values(state), want);
  }
}

TEST(TinyJit, AnAssignedWeightIsReadAfterItsOldBufferIsGone) {
  Tensor w = Tensor::ones({4, 4}).contiguous().realize();
  TinyJit jit([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0].matmul(w).realize()}; });
  Tensor x = Tensor::ones({2, 4}).contiguous().realize();
  for (int i = 0; i < 3; ++i) expect_near(values(jit({x})[0]), std::vector<float>(8, 4.0f));
  ASSERT_TRUE(jit.captured());
  w.assign(Tensor::full({4, 4}, 2.0).contiguous());  // the old buffer has no other holder
  w.realize();
  for (int i = 0; i < 3; ++i) expect_near(values(jit({x})[0]), std::vector<float>(8, 8.0f));
  EXPECT_TRUE(jit.captured());
}

TEST(TinyJit, ResetCapturesAnew) {
  Tensor w = Tensor::ones({4}).contiguous().realize();
  Tensor keep_old = w;  // (the old buffer stays alive: the capture alone cannot tell it changed)
  (void)keep_old;
  int calls = 0;
  TinyJit jit([&](const std::vector<Tensor>& in) {
    ++calls;
    return std::vector<Tensor>{(in[0] * w).realize()};
  });
  Tensor x = Tensor::full({4}, 3.0).contiguous().realize();
  for (int i = 0; i < 3; ++i) jit({x});
  Tensor w2 = Tensor::full({4}, 5.0).contiguous().realize();
  w = w2;  // a new handle: the function now reads w2
  jit.reset();
  for (int i = 0; i < 4; ++i) expect_near(values(jit({x})[0]), std::vector<float>(4, 15.0f));
  EXPECT_EQ(calls, 2 + 2);
}

TEST(TinyJit, InputsKeepTheirShapesAndDtypes) {
  TinyJit jit([](const std::vector<Tensor>& in) { return std::vector<Tensor>{(in[0] + 1.0f).realize()}; });
  for (int i = 0; i < 3; ++i) jit({Tensor::zeros({2, 3})});
  EXPECT_THROW(jit({Tensor::zeros({3, 2})}), tg::Error);
  EXPECT_THROW(jit({Tensor::zeros({2, 3}), Tensor::zeros({2, 3})}), tg::Error);
  EXPECT_THROW(jit({Tensor::zeros({2, 3}, tg::TensorOptions{tg::DType::int32, {}, {}})}), tg::Error);
  expect_near(values(jit({Tensor::full({2, 3}, 2.0)})[0]), std::vector<float>(6, 3.0f));
}

TEST(TinyJit, ATensorMadeInsideTheFunctionIsNotBakedIn) {
  // The function uploads host data that changes every call: each capture finds that buffer gone
  // before it could replay, so after three the function runs on every call, correctly.
  int step = 0, calls = 0;
  TinyJit jit([&](const std::vector<Tensor>& in) {
    ++calls;
    Tensor offset(std::vector<float>{static_cast<float>(step)}, tg::Shape{1});
    return std::vector<Tensor>{(in[0] + offset).realize()};
  });
  Tensor x = Tensor::ones({5}).contiguous().realize();
  for (step = 0; step < 8; ++step) expect_near(values(jit({x})[0]), std::vector<float>(5, 1.0f + static_cast<float>(step)));
  EXPECT_EQ(calls, 8);
  EXPECT_FALSE(jit.captured());
}

TEST(TinyJit, WorkAReplayCannotRepeatRunsTheFunction) {
  // A sort is not a kernel launch: the function keeps running, and computes the right thing.
  int calls = 0;
  TinyJit jit([&](const std::vector<Tensor>& in) {
    ++calls;
    return std::vector<Tensor>{in[0].argsort().realize()};
  });
  for (int i = 0; i < 4; ++i) {
    std::vector<float> v{3.0f, 1.0f, 2.0f};
    if (i % 2) v = {1.0f, 2.0f, 3.0f};
    std::vector<int32_t> got = jit({Tensor(v, tg::Shape{3})})[0].to_vector<int32_t>();
    EXPECT_EQ(got, i % 2 ? std::vector<int32_t>({0, 1, 2}) : std::vector<int32_t>({1, 2, 0}));
  }
  EXPECT_EQ(calls, 4);
  EXPECT_FALSE(jit.captured());
}

TEST(TinyJit, AnOutputThatIsAnInputComesBackAsTheInput) {
  TinyJit jit([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0], (in[0] * 2.0f).realize()}; });
  for (int i = 0; i < 4; ++i) {
    Tensor x = Tensor::full({3}, static_cast<double>(i)).contiguous().realize();
    std::vector<Tensor> out = jit({x});
    expect_near(values(out[0]), std::vector<float>(3, static_cast<float>(i)));
    expect_near(values(out[1]), std::vector<float>(3, 2.0f * static_cast<float>(i)));
  }
  EXPECT_TRUE(jit.captured());
}
