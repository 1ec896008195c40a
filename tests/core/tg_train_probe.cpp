// A fresh process for the cold/warm kernel cache test (test_cache_determinism.cpp): a few Adam
// steps of a small MLP classifier on fixed random data, on the default device (TG_DEVICE).
// Prints each step's loss and, at the end, the sum of the trained weights, as the bits of the
// float32 ("loss 0 0x4085d6ab ..."), so two runs can be compared exactly; or "TG_ERROR: <message>".
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include <tg/tg.hpp>

using tg::Tensor;
namespace nn = tg::nn;

namespace {
uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
}  // namespace

int main() {
  try {
    Tensor::manual_seed(26);
    Tensor::training = true;
    // 48 samples of 40 features into 10 classes: reductions of 40, 64 and 48 values, a softmax
    // (exp, log) and Adam's sqrt, all of which an interpreter and a compiled kernel could round
    // differently.
    Tensor x = Tensor::randn({48, 40});
    Tensor y = Tensor::randint(0, 10, {48});
    nn::Sequential model{std::make_shared<nn::Linear>(40, 64), [](const Tensor& t) { return t.relu(); },
                         std::make_shared<nn::Linear>(64, 10)};
    nn::optim::Adam opt(model.parameters(), /*lr=*/0.01f);
    for (int step = 0; step < 3; ++step) {
      Tensor loss = model(x).sparse_categorical_crossentropy(y);
      opt.zero_grad();
      loss.backward();
      opt.step({loss});
      std::printf("loss %d 0x%08x\n", step, bits(loss.item<float>()));
    }
    float weights = 0;
    for (const Tensor& p : model.parameters()) weights += p.sum().item<float>();
    std::printf("weights 0x%08x\n", bits(weights));
    return 0;
  } catch (const std::exception& e) {
    std::printf("TG_ERROR: %s\n", e.what());
    return 3;
  }
}
