// Mixed precision (tg::nn::amp): autocast runs matmuls and convolutions in bfloat16 / float16
// with float32 parameters and gradients; GradScaler scales the loss, unscales the gradients,
// skips steps with inf or nan gradients and adapts the scale as PyTorch's does, without new
// kernels when the scale changes and with one read from the device per step.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "tg/half.h"
#include "tg_test_util.hpp"

using tg::DType;
using tg::Tensor;
using tgtest::all_close;
namespace nn = tg::nn;
namespace amp = tg::nn::amp;

namespace {

Tensor input(tg::Shape shape, float scale = 1.0f) {
  std::vector<float> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); i++) v[i] = scale * std::sin(0.7f * static_cast<float>(i) + 0.3f);
  return Tensor(v, shape).realize();
}

uint64_t compiled() { return tg::runtime_stats().kernels_compiled; }

}  // namespace

TEST(Autocast, LinearAndConvRunInHalfWithFloat32ParametersAndGradients) {
  for (DType half : {DType::bfloat16, DType::float16}) {
    SCOPED_TRACE(tg::dtype_name(half));
    Tensor::manual_seed(3);
    nn::Conv2d conv(2, 4, 3);
    nn::Linear fc(4 * 4 * 4, 5);
    Tensor x = input({3, 2, 6, 6});
    auto forward = [&] { return fc(conv(x).relu().flatten(1)).log_softmax(-1); };
    Tensor want = forward();
    Tensor y;
    {
      amp::autocast scope(half);
      EXPECT_EQ(amp::autocast_dtype(), half);
      Tensor h = conv(x);
      EXPECT_EQ(h.dtype(), half);
      EXPECT_EQ(fc(h.relu().flatten(1)).dtype(), half);
      y = forward();
    }
    EXPECT_FALSE(amp::autocast_dtype().has_value());
    EXPECT_EQ(y.dtype(), DType::float32) << "log_softmax runs in float32 under autocast";
    EXPECT_EQ(conv(x).dtype(), DType::float32) << "outside the scope: float32 again";
    EXPECT_TRUE(all_close(y, want.to_vector<double>(), 3e-2, 3e-2));
    // Gradients reach the float32 masters as float32, close to the float32 ones.
    y.sum().backward();
    std::vector<double> g_half = conv.weight.grad()->to_vector<double>();
    EXPECT_EQ(conv.weight.grad()->dtype(), DType::float32);
    EXPECT_EQ(fc.weight.grad()->dtype(), DType::float32);
    EXPECT_EQ(conv.weight.dtype(), DType::float32);
    conv.weight.set_grad(std::nullopt);
    want.sum().backward();
    EXPECT_TRUE(all_close(*conv.weight.grad(), g_half, 5e-2, 5e-2));
  }
}

// A half-precision max (the max pool under autocast) shares its gradient among tied maxima in
// float32 and rounds once: 1.015625 / 3 is bfloat16 0.337890625 (the nearest); rounding the
// share 1/3 to bfloat16 first, as the bfloat16 arithmetic did, gave 0.33984375. A unique
// maximum gets the gradient itself, in float16 too.
TEST(Autocast, HalfMaxGradientIsSharedInFloat32AndRoundedOnce) {
  Tensor x(std::vector<float>{2, 2, 2, 1}, tg::Shape({4}), {DType::bfloat16, std::nullopt, true});
  (x.max() * 1.015625f).backward();
  ASSERT_EQ(x.grad()->dtype(), DType::bfloat16);
  EXPECT_EQ(x.grad()->cast(DType::float32).to_vector<float>(),
            (std::vector<float>{0.337890625f, 0.337890625f, 0.337890625f, 0.0f}));
  for (DType half : {DType::bfloat16, DType::float16}) {
    Tensor y(std::vector<float>{1, 3, 2}, tg::Shape({3}), {half, std::nullopt, true});
    (y.max() * 1.015625f).backward();
    EXPECT_EQ(y.grad()->cast(DType::float32).to_vector<float>(), (std::vector<float>{0, 1.015625f, 0}))
        << tg::dtype_name(half);
  }
}

// On the onednn CPU device (float32 GEMM and convolution) an autocast matmul widens its
// bfloat16 operands for the GEMM: the products are exact and summed in float32, then rounded
// once. (1 + 2^-7)^2 - (1 + 2^-6) is 2^-14 there; where each product is rounded to bfloat16 first
// (the generic half path of the other devices) the 2^-14 is lost and the sum is 0.
TEST(Autocast, MatmulOnAFloat32GemmMultipliesTheHalfOperandsExactly) {
  const char* options = std::getenv("TG_PLUGIN_OPTIONS_ONEDNN");
  const std::string opts = options ? options : "";
  const bool widened = tg::Device::default_device().rfind("onednn", 0) == 0 &&
                       opts.find("matmul=0") == std::string::npos && opts.find("conv=0") == std::string::npos;
  const float want = widened ? std::ldexp(1.0f, -14) : 0.0f;
  const float a = 1.0f + std::ldexp(1.0f, -7), b = 1.0f + std::ldexp(1.0f, -6);
  Tensor x(std::vector<float>{a, -1.0f}, tg::Shape({1, 2}));
  Tensor w(std::vector<float>{a, b}, tg::Shape({2, 1}));
  amp::autocast scope(DType::bfloat16);
  Tensor y = x.linear(w, std::nullopt), z = x.matmul(w);
  ASSERT_EQ(y.dtype(), DType::bfloat16);
  EXPECT_EQ(y.cast(DType::float32).item<float>(), want);
  EXPECT_EQ(z.cast(DType::float32).item<float>(), want);
}

TEST(Autocast, ScopesNestAndDisableAndRejectFloat32) {
  Tensor a = input({4, 8}), b = input({8, 3});
  {
    amp::autocast outer(DType::float16);
    EXPECT_EQ(a.matmul(b).dtype(), DType::float16);
    {
      amp::autocast off(DType::bfloat16, false);
      EXPECT_EQ(a.matmul(b).dtype(), DType::float32);
    }
    {
      amp::autocast inner(DType::bfloat16);
      EXPECT_EQ(a.matmul(b).dtype(), DType::bfloat16);
    }
    EXPECT_EQ(a.matmul(b).dtype(), DType::float16);
    // float64 is left alone, as PyTorch's autocast does.
    EXPECT_EQ(a.cast(DType::float64).matmul(b.cast(DType::float64)).dtype(), DType::float64);
  }
  EXPECT_EQ(a.matmul(b).dtype(), DType::float32);
  EXPECT_THROW(amp::autocast(DType::float32), tg::Error);
  EXPECT_THROW(amp::autocast(DType::int32), tg::Error);
}

// The device's own float16 / bfloat16 conversions (onednn's kernels use the CPU's F16C
// instructions where it has them) round exactly as tg/half.h's portable code on the host: float32
// bit patterns across every exponent, with ties, subnormals, overflow, infinities and NaNs, cast to
// half and back in a kernel.
TEST(Autocast, DeviceHalfConversionsMatchTheHostBitForBit) {
  std::vector<int32_t> bits;
  for (uint64_t u = 0; u <= 0xffffffffull; u += 0x10001ull * 7) bits.push_back(static_cast<int32_t>(u));
  for (uint32_t b : {0x33000000u, 0x33000001u, 0x387fe000u, 0x387ff000u, 0x477fefffu, 0x477ff000u, 0x7f800000u,
                     0x7f800001u, 0x7fc00000u, 0xff800000u, 0x3f808000u, 0x3f818000u, 0x00000001u, 0x80000000u})
    bits.push_back(static_cast<int32_t>(b));
  const size_t n = bits.size();
  Tensor f = Tensor(bits, tg::Shape({static_cast<int64_t>(n)})).bitcast(DType::float32);
  for (DType half : {DType::float16, DType::bfloat16}) {
    SCOPED_TRACE(tg::dtype_name(half));
    std::vector<int32_t> narrow = f.cast(half).bitcast(DType::int16).cast(DType::int32).to_vector<int32_t>();
    std::vector<int32_t> wide = f.cast(half).cast(DType::float32).bitcast(DType::int32).to_vector<int32_t>();
    for (size_t i = 0; i < n; i++) {
      float x;
      std::memcpy(&x, &bits[i], sizeof x);
      const uint16_t want = half == DType::float16 ? tg_float_to_half(x) : tg_float_to_bfloat16(x);
      ASSERT_EQ(static_cast<uint16_t>(narrow[i]), want) << std::hex << bits[i];
      const float back = half == DType::float16 ? tg_half_to_float(want) : tg_bfloat16_to_float(want);
      int32_t back_bits;
      std::memcpy(&back_bits, &back, sizeof back_bits);
      ASSERT_EQ(wide[i], back_bits) << std::hex << bits[i];
    }
  }
  // Every 16-bit pattern widened exactly; a signaling NaN may come out quiet (the ref device
  // quiets it, onednn's kernels keep it), with its sign and payload.
  std::vector<int16_t> all(65536);
  for (size_t h = 0; h < all.size(); h++) all[h] = static_cast<int16_t>(static_cast<uint16_t>(h));
  Tensor patterns = Tensor::from_blob(all.data(), tg::Shape({65536}), DType::int16);
  for (DType half : {DType::float16, DType::bfloat16}) {
    SCOPED_TRACE(tg::dtype_name(half));
    std::vector<int32_t> wide = patterns.bitcast(half).cast(DType::float32).bitcast(DType::int32).to_vector<int32_t>();
    for (size_t h = 0; h < all.size(); h++) {
      const auto u = static_cast<uint16_t>(h);
      const float want = half == DType::float16 ? tg_half_to_float(u) : tg_bfloat16_to_float(u);
      int32_t want_bits;
      std::memcpy(&want_bits, &want, sizeof want_bits);
      const int32_t quiet = std::isnan(want) ? 0x00400000 : 0;
      ASSERT_EQ(wide[h] | quiet, want_bits | quiet) << std::hex << h;
    }
  }
}

TEST(GradScaler, ScaledStepEqualsTheUnscaledStep) {
  // A power-of-two scale is exact: the scaled and unscaled runs reach the same parameters.
  Tensor x = input({6, 5});
  std::vector<double> want;
  for (bool scaled : {false, true}) {
    Tensor::manual_seed(7);
    nn::Linear fc(5, 3);
    nn::optim::SGD opt(fc.parameters(), 0.1f, 0.9f);
    amp::GradScaler scaler;
    EXPECT_EQ(scaler.get_scale(), 65536.0f);
    for (int s = 0; s < 3; s++) {
      Tensor loss = fc(x).square().mean();
      opt.zero_grad();
      if (scaled) {
        Tensor big = scaler.scale(loss);
        EXPECT_NEAR(big.item<float>(), loss.item<float>() * 65536.0f, 1e-2 * std::abs(big.item<float>()));
        big.backward();
        EXPECT_TRUE(scaler.step(opt, {loss}));
        scaler.update();
      } else {
        loss.backward();
        opt.step();
      }
    }
    if (!scaled) want = fc.weight.to_vector<double>();
    else EXPECT_TRUE(all_close(fc.weight, want, 1e-6, 1e-7));
  }
}

TEST(GradScaler, InfOrNanGradientSkipsTheStepAndBacksOff) {
  Tensor::manual_seed(1);
  nn::Linear fc(4, 2);
  nn::optim::Adam opt(fc.parameters(), 0.01f);
  amp::GradScaler scaler(1024.0f, 2.0f, 0.5f, 2);
  Tensor x = input({3, 4});
  const std::vector<double> before = fc.weight.to_vector<double>();
  for (float poison : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    opt.zero_grad();
    Tensor loss = (fc(x) * poison).sum();
    scaler.scale(loss).backward();
    EXPECT_FALSE(scaler.step(opt)) << "a step with a non-finite gradient is skipped";
    scaler.update();
    EXPECT_TRUE(all_close(fc.weight, before, 0, 0)) << "the parameters are untouched";
  }
  EXPECT_EQ(scaler.get_scale(), 256.0f);
  EXPECT_EQ(scaler.get_growth_tracker(), 0);
  // Two good steps (growth_interval 2) double it again; the parameters move.
  for (int s = 0; s < 2; s++) {
    opt.zero_grad();
    scaler.scale(fc(x).sum()).backward();
    EXPECT_TRUE(scaler.step(opt));
    scaler.update();
    EXPECT_EQ(scaler.get_growth_tracker(), (s + 1) % 2);
  }
  EXPECT_EQ(scaler.get_scale(), 512.0f);
  EXPECT_FALSE(all_close(fc.weight, before, 0, 0));
}

// Two optimizers, as PyTorch: each step() checks its own gradients; update() backs off if any
// of them found inf or nan.
TEST(GradScaler, EachOptimizerIsCheckedOnItsOwnAndUpdateSeesThemAll) {
  Tensor::manual_seed(9);
  nn::Linear a(3, 3), b(3, 2);
  nn::optim::SGD opt_a(a.parameters(), 0.1f), opt_b(b.parameters(), 0.1f);
  amp::GradScaler scaler(64.0f);
  Tensor x = input({4, 3});
  const std::vector<double> a0 = a.weight.to_vector<double>(), b0 = b.weight.to_vector<double>();
  Tensor h = a(x) * std::numeric_limits<float>::infinity();  // a's gradients are inf or nan
  scaler.scale(b(x).sum() + h.sum()).backward();
  EXPECT_FALSE(scaler.step(opt_a));
  EXPECT_TRUE(scaler.step(opt_b));
  scaler.update();
  EXPECT_TRUE(all_close(a.weight, a0, 0, 0));
  EXPECT_FALSE(all_close(b.weight, b0, 0, 0));
  EXPECT_EQ(scaler.get_scale(), 32.0f);
}

// No gradient at all (nothing reached the parameters): the step is taken (a no-op for SGD
// without momentum) and the tensors to realize still are.
TEST(GradScaler, StepWithoutGradientsRealizesTheLoss) {
  Tensor::manual_seed(10);
  nn::Linear fc(3, 2);
  nn::optim::SGD opt(fc.parameters(), 0.1f);
  amp::GradScaler scaler;
  Tensor loss = (input({2, 3}) * 2.0f).sum();  // does not involve fc
  EXPECT_TRUE(scaler.step(opt, {loss}));
  EXPECT_TRUE(loss.is_realized());
  scaler.update();
  EXPECT_EQ(scaler.get_scale(), 65536.0f);
}

TEST(GradScaler, UnscaleBeforeClippingGivesTheTrueGradients) {
  Tensor::manual_seed(2);
  nn::Linear fc(5, 4);
  nn::optim::SGD opt(fc.parameters(), 0.1f);
  Tensor x = input({6, 5}, 3.0f);
  fc(x).square().sum().backward();
  const std::vector<double> true_grad = fc.weight.grad()->to_vector<double>();
  opt.zero_grad();
  amp::GradScaler scaler(4096.0f);
  Tensor loss = fc(x).square().sum();
  scaler.scale(loss).backward();
  scaler.unscale_(opt, {loss});
  EXPECT_TRUE(all_close(*fc.weight.grad(), true_grad, 1e-6, 1e-6));
  Tensor norm = nn::utils::clip_grad_norm_(opt.params(), 1.0);
  EXPECT_GT(norm.item<float>(), 1.0f);
  const std::vector<double> w0 = fc.weight.to_vector<double>(), clipped = fc.weight.grad()->to_vector<double>();
  EXPECT_TRUE(scaler.step(opt));  // no second unscale
  scaler.update();
  std::vector<double> w1 = fc.weight.to_vector<double>();
  for (size_t i = 0; i < w0.size(); i++) EXPECT_NEAR(w1[i], w0[i] - 0.1 * clipped[i], 1e-6);
}

// The point of the scaler: a float16 backward pass whose gradients are below float16's smallest
// value (6e-8) loses them without scaling and keeps them with it. (The loss is float32, as the
// losses are under autocast: the scaled gradient enters the float16 part at 1e-9 * 65536.)
TEST(GradScaler, KeepsFloat16GradientsThatWouldFlushToZero) {
  Tensor x = input({4, 8});
  std::vector<double> grads[2];
  for (int scaled = 0; scaled < 2; scaled++) {
    Tensor::manual_seed(4);
    nn::Linear fc(8, 8, false);
    nn::optim::SGD opt(fc.parameters(), 1.0f);
    amp::GradScaler scaler;
    Tensor loss;
    {
      amp::autocast half(DType::float16);
      loss = fc(x).cast(DType::float32).sum() * 1e-9f;
    }
    (scaled ? scaler.scale(loss) : loss).backward();
    if (scaled) scaler.unscale_(opt);
    grads[scaled] = fc.weight.grad()->to_vector<double>();
  }
  double lost = 0, kept = 0;
  for (size_t i = 0; i < grads[0].size(); i++) lost += std::abs(grads[0][i]), kept += std::abs(grads[1][i]);
  EXPECT_EQ(lost, 0.0) << "float16 flushes 1e-9 to zero";
  EXPECT_GT(kept, 1e-9) << "scaled by 65536 it survives";
}

// A scale that changes (backoffs, growths, update(new_scale)) is data, not a new program; each
// step reads one value back (the inf/nan check).
TEST(GradScaler, ChangingScaleCompilesNothingAndReadsOneValuePerStep) {
  Tensor::manual_seed(5);
  nn::Linear fc(6, 3);
  nn::optim::AdamW opt(fc.parameters(), 1e-3f);
  amp::GradScaler scaler(256.0f, 2.0f, 0.5f, 1);  // grows every step
  Tensor x = input({8, 6});
  uint64_t at3 = 0;
  for (int s = 0; s < 10; s++) {
    Tensor loss;
    {
      amp::autocast half(DType::bfloat16);
      loss = fc(x).square().mean();
    }
    opt.zero_grad();
    scaler.scale(loss).backward();
    const uint64_t out_before = tg::runtime_stats().copies_out;
    scaler.step(opt, {loss});
    scaler.update();
    EXPECT_EQ(tg::runtime_stats().copies_out - out_before, 1u) << "step " << s;
    if (s % 3 == 2) scaler.update(s % 2 ? 1024.0f : 8.0f);  // set by hand too (no step needed)
    if (s == 2) at3 = compiled();
  }
  EXPECT_EQ(compiled(), at3) << "kernels compiled after step 3 while the scale changed every step";
}

TEST(GradScaler, StateDictRoundTripAndDisabledPassesThrough) {
  amp::GradScaler a(128.0f, 3.0f, 0.25f, 5);
  auto st = a.state_dict();
  EXPECT_EQ(st.at("scale"), 128.0);
  EXPECT_EQ(st.at("growth_factor"), 3.0);
  EXPECT_EQ(st.at("backoff_factor"), 0.25);
  EXPECT_EQ(st.at("growth_interval"), 5.0);
  EXPECT_EQ(st.at("_growth_tracker"), 0.0);
  amp::GradScaler b;
  st["_growth_tracker"] = 3;
  b.load_state_dict(st);
  EXPECT_EQ(b.get_scale(), 128.0f);
  EXPECT_EQ(b.get_growth_tracker(), 3);
  EXPECT_EQ(b.state_dict(), st);

  amp::GradScaler off(65536.0f, 2.0f, 0.5f, 2000, false);
  EXPECT_EQ(off.get_scale(), 1.0f);
  EXPECT_TRUE(off.state_dict().empty());
  Tensor::manual_seed(6);
  nn::Linear fc(3, 2);
  nn::optim::SGD opt(fc.parameters(), 0.1f);
  Tensor loss = fc(input({2, 3})).sum();
  Tensor same = off.scale(loss);
  EXPECT_EQ(same.item<float>(), loss.item<float>());
  same.backward();
  EXPECT_TRUE(off.step(opt));
  off.update();
}

TEST(GradScaler, BadUseIsAnErrorThatSaysWhatToDo) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const tg::Error& e) {
      return std::string(e.what());
    }
    return std::string("no tg::Error");
  };
  EXPECT_NE(message([] { amp::GradScaler(-1.0f); }).find("init_scale must be positive"), std::string::npos);
  EXPECT_THROW(amp::GradScaler(0.0f), tg::Error);
  EXPECT_THROW(amp::GradScaler(std::numeric_limits<float>::infinity()), tg::Error);
  EXPECT_THROW(amp::GradScaler(1024.0f, 1.0f), tg::Error);
  EXPECT_THROW(amp::GradScaler(1024.0f, 2.0f, 1.0f), tg::Error);
  EXPECT_THROW(amp::GradScaler(1024.0f, 2.0f, 0.0f), tg::Error);
  EXPECT_THROW(amp::GradScaler(1024.0f, 2.0f, 0.5f, 0), tg::Error);

  Tensor::manual_seed(8);
  nn::Linear fc(3, 2);
  nn::optim::SGD opt(fc.parameters(), 0.1f);
  amp::GradScaler scaler;
  EXPECT_NE(message([&] { scaler.update(); }).find("call scaler.step(opt)"), std::string::npos);
  EXPECT_THROW(scaler.update(-2.0f), tg::Error);
  EXPECT_THROW(scaler.update(std::numeric_limits<float>::quiet_NaN()), tg::Error);
  EXPECT_THROW(scaler.scale(Tensor(std::vector<int32_t>{1, 2}, tg::Shape({2}))), tg::Error);
  EXPECT_THROW(scaler.scale(Tensor()), tg::Error);

  scaler.scale(fc(input({2, 3})).sum()).backward();
  scaler.unscale_(opt);
  EXPECT_NE(message([&] { scaler.unscale_(opt); }).find("at most once"), std::string::npos);
  scaler.step(opt);
  EXPECT_NE(message([&] { scaler.step(opt); }).find("call scaler.update()"), std::string::npos);
  EXPECT_NE(message([&] { scaler.unscale_(opt); }).find("after step()"), std::string::npos);
  scaler.update();
  EXPECT_EQ(scaler.get_scale(), 65536.0f) << "a failed call changes nothing";

  auto st = scaler.state_dict();
  st["scale"] = -1;
  EXPECT_THROW(scaler.load_state_dict(st), tg::Error);
  st = scaler.state_dict();
  st.erase("growth_factor");
  EXPECT_NE(message([&] { scaler.load_state_dict(st); }).find("growth_factor"), std::string::npos);
  EXPECT_EQ(scaler.get_scale(), 65536.0f);
}

TEST(OptimizerMomentum, SetAndCheckedAndScheduleNeedsOne) {
  Tensor p = Tensor::zeros({2});
  nn::optim::Adam adam({p});
  EXPECT_FLOAT_EQ(adam.get_momentum(), 0.9f);
  adam.set_momentum(0.85f);
  EXPECT_FLOAT_EQ(adam.get_momentum(), 0.85f);
  EXPECT_THROW(adam.set_momentum(1.0f), tg::Error);
  EXPECT_THROW(adam.set_momentum(-0.1f), tg::Error);
  EXPECT_THROW(adam.set_momentum(std::numeric_limits<float>::quiet_NaN()), tg::Error);
  EXPECT_FLOAT_EQ(adam.get_momentum(), 0.85f) << "a rejected value changes nothing";
  nn::optim::SGD sgd({p}, 0.1f);
  EXPECT_TRUE(sgd.has_momentum());
  sgd.set_momentum(1.5f);  // SGD's momentum is only >= 0, as PyTorch's
  EXPECT_THROW(sgd.set_momentum(-1.0f), tg::Error);
  namespace sched = nn::optim::lr_scheduler;
  EXPECT_THROW(sched::OneCycleLR(adam, 0.1f, 10, 0.3f, "cos", 25.0f, 1e4f, false, true, 0.85f, 1.0f), tg::Error);
  EXPECT_THROW(sched::OneCycleLR(adam, 0.1f, 10, 0.3f, "cos", 25.0f, 1e4f, false, true, -0.5f, 0.95f), tg::Error);
  sched::OneCycleLR no_cycle(adam, 0.1f, 10, 0.3f, "cos", 25.0f, 1e4f, false, false);
  EXPECT_FLOAT_EQ(adam.get_momentum(), 0.85f) << "cycle_momentum = false leaves it";
  sched::OneCycleLR cycle(adam, 0.1f, 10);
  EXPECT_FLOAT_EQ(adam.get_momentum(), 0.95f) << "starts at max_momentum";
}
