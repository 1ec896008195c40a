// A Linear(128, 256) training step (forward, backward, SGD) on a (16, 64, 128) input, two ways
// in one process, interleaved so a busy machine slows both alike:
//   rows:    lin(x), one (1024, 128) x (128, 256) GEMM (what Linear does)
//   batched: x @ W^T expanded over the 16 batch entries, 16 GEMMs of 64 rows (what Linear did)
// Prints the best wall time per step and the process CPU time per step of each.
// Usage: bench_linear_rows [rounds]   (OMP_NUM_THREADS=1 for a single-thread comparison)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "tg/tg.hpp"

namespace nn = tg::nn;
using tg::Tensor;

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  Tensor::manual_seed(0);
  nn::Linear lin(128, 256);
  Tensor x = Tensor::randn({16, 64, 128}, tg::TensorOptions{std::nullopt, std::nullopt, false}).realize();
  nn::optim::SGD opt(lin.parameters(), 1e-3f);
  auto forward = [&](bool rows) {
    if (rows) return lin(x);
    return x.matmul(lin.weight.T().unsqueeze(0).expand({16, 128, 256})) + *lin.bias;
  };
  auto step = [&](bool rows) {
    opt.zero_grad();
    Tensor loss = forward(rows).square().mean();
    loss.backward();
    opt.step({loss});
  };
  double best[2] = {1e30, 1e30}, cpu[2] = {0, 0};
  const int n = 20;
  for (int w = 0; w < 3; w++) step(true), step(false);
  for (int r = 0; r < rounds; r++)
    for (int k = 0; k < 2; k++) {
      std::clock_t c0 = std::clock();
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < n; i++) step(k == 0);
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
      best[k] = std::min(best[k], us);
      cpu[k] += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC * 1e6 / (n * rounds);
    }
  std::printf("device %s\n", tg::Device::default_device().c_str());
  std::printf("rows (one GEMM of 1024 rows): best %.0f us/step, cpu %.0f us/step\n", best[0], cpu[0]);
  std::printf("batched (16 GEMMs of 64):     best %.0f us/step, cpu %.0f us/step\n", best[1], cpu[1]);
}
