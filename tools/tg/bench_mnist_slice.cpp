// tg bench mnist-slice: one Fashion-MNIST epoch of the 784-128-10 MLP (Adam 1e-3, batch 128)
// with its batches sliced out of the training set on the device (X.slice(0, b, b + 128)), epochs
// 1 and 2, beside the same epoch with batches gathered on the host and uploaded each step.
// Slicing compiles its programs once (the window's start is a launch offset, not program text),
// so epoch 2 runs as fast as epoch 1's steady state and as the host-gathered epoch.
#include <tg/tg.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace tgtool {

using tg::DType;
using tg::Tensor;
using tg::TensorOptions;
namespace {

using Clock = std::chrono::steady_clock;
namespace nn = tg::nn;

std::shared_ptr<nn::Sequential> mlp() {
  auto model = std::make_shared<nn::Sequential>();
  model->add<nn::Linear>(784, 128);
  model->add([](const Tensor& x) { return x.relu(); });
  model->add<nn::Linear>(128, 10);
  return model;
}

}  // namespace

int run_mnist_slice(int repeat) {
  auto data = nn::datasets::mnist(nn::datasets::kFashionMnistDir);
  const int64_t n = data.Y_train.shape()[0], batch = 128, steps = n / batch;
  // On the device, once: the images as floats in [0, 1], the labels as they are.
  Tensor X = (data.X_train.reshape({n, 784}).cast(DType::float32) / 255.0f).requires_grad_(false).realize();
  Tensor Y = data.Y_train.requires_grad_(false).realize();
  std::vector<int> xi = data.X_train.reshape({n * 784}).to_vector<int>(), yi = data.Y_train.to_vector<int>();
  std::vector<uint8_t> xh(xi.begin(), xi.end()), yh(yi.begin(), yi.end());

  auto epoch = [&](nn::Sequential& model, nn::optim::Adam& opt, bool sliced) {
    tg::synchronize();
    const auto t0 = Clock::now();
    Tensor loss;
    for (int64_t s = 0; s < steps; ++s) {
      Tensor x, y;
      if (sliced) {
        x = X.slice(0, s * batch, s * batch + batch);
        y = Y.slice(0, s * batch, s * batch + batch);
      } else {
        std::vector<uint8_t> xb(xh.begin() + s * batch * 784, xh.begin() + (s + 1) * batch * 784);
        std::vector<uint8_t> yb(yh.begin() + s * batch, yh.begin() + (s + 1) * batch);
        x = Tensor(std::move(xb), tg::Shape({batch, 784})).cast(DType::float32) / 255.0f;
        y = Tensor(std::move(yb), tg::Shape({batch}));
      }
      loss = model(x).sparse_categorical_crossentropy(y);
      opt.zero_grad();
      loss.backward();
      opt.step({loss});
    }
    const float last = loss.item<float>();
    const double sec = std::chrono::duration<double>(Clock::now() - t0).count();
    return std::make_pair(sec, last);
  };

  std::printf("device: %s; Fashion-MNIST MLP 784-128-10, Adam, batch %lld, %lld steps per epoch; best of %d\n\n",
              tg::Device::default_device().c_str(), static_cast<long long>(batch), static_cast<long long>(steps), repeat);
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  uint64_t compiled_after[4] = {};
  for (int r = 0; r < repeat; ++r) {
    // A fresh model each run; epochs 1 and 2 sliced, then two host-gathered epochs.
    Tensor::manual_seed(static_cast<uint64_t>(r));
    auto model = mlp();
    nn::optim::Adam opt(model->parameters(), 1e-3f);
    for (int e = 0; e < 4; ++e) {
      auto [sec, loss] = epoch(*model, opt, e < 2);
      if (sec < best[e]) best[e] = sec;
      compiled_after[e] = tg::runtime_stats().kernels_compiled;
      if (r == 0) std::fprintf(stderr, "  %s epoch %d: %.3f s, loss %.3f\n", e < 2 ? "sliced" : "host-gathered", e % 2 + 1, sec, loss);
    }
  }
  std::printf("%-34s %10s %18s\n", "EPOCH", "TIME", "PROGRAMS COMPILED");
  const char* names[4] = {"sliced on the device, epoch 1", "sliced on the device, epoch 2", "host-gathered, epoch 1",
                          "host-gathered, epoch 2"};
  for (int e = 0; e < 4; ++e)
    std::printf("%-34s %9.3fs %18llu\n", names[e], best[e],
                static_cast<unsigned long long>(compiled_after[e] - (e ? compiled_after[e - 1] : 0)));
  const double host = std::min(best[2], best[3]);
  std::printf("\nsliced epoch 2 / host-gathered epoch: %.2fx; sliced epoch 2 / sliced epoch 1: %.2fx\n", best[1] / host,
              best[1] / best[0]);
  return kExitOk;
}

}  // namespace tgtool
