// XOR with a 2-8-1 MLP: the smallest problem a single linear layer cannot learn.
//
// Why the seed's single Linear(2, 1) fails: it computes sigmoid(w1 x1 + w2 x2 + b), whose
// decision boundary is one straight line. XOR's positives (0,1) and (1,0) and negatives (0,0)
// and (1,1) sit on the corners of a square's two diagonals; no line separates them (adding
// the two positive-case inequalities contradicts adding the two negative ones). A hidden layer
// with a nonlinearity bends the boundary, so Linear(2, 8) -> tanh -> Linear(8, 1) learns it.
//
// Exits non-zero unless every prediction is right, so it doubles as a test.
#include <cmath>
#include <cstdio>
#include <memory>

#include <tg/tg.hpp>

using tg::Tensor;
namespace nn = tg::nn;

int main() {
  Tensor::manual_seed(1);
  Tensor::training = true;
  Tensor X = Tensor({{0.f, 0.f}, {0.f, 1.f}, {1.f, 0.f}, {1.f, 1.f}});
  Tensor Y = Tensor({{0.f}, {1.f}, {1.f}, {0.f}});

  nn::Sequential model{std::make_shared<nn::Linear>(2, 8), [](const Tensor& x) { return x.tanh(); },
                       std::make_shared<nn::Linear>(8, 1)};
  nn::optim::Adam opt(model.parameters(), /*lr=*/0.05f);
  float loss_value = 0;
  for (int step = 0; step < 300; ++step) {
    Tensor loss = model(X).binary_crossentropy_logits(Y);
    opt.zero_grad();
    loss.backward();
    opt.step({loss});
    loss_value = loss.item<float>();
    if (step % 50 == 0) std::printf("step %3d  loss %.4f\n", step, loss_value);
  }
  Tensor::training = false;
  std::vector<float> p = model(X).sigmoid().to_vector<float>();
  int wrong = 0;
  for (int i = 0; i < 4; ++i) {
    int want = (i == 1 || i == 2) ? 1 : 0;
    std::printf("%d xor %d -> %.3f (want %d)\n", i / 2, i % 2, p[static_cast<size_t>(i)], want);
    wrong += (p[static_cast<size_t>(i)] > 0.5f) != (want == 1);
  }
  std::printf("final loss %.4f, %d wrong\n", loss_value, wrong);
  return wrong == 0 ? 0 : 1;
}
