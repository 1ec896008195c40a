// GPU-sized workloads for the HIP compile tests: run on `ref` with TG_KIR_DUMP (hip.dump.workloads),
// they leave the programs the test suites, sized to run fast, never make -- the renderer's tiled
// matmul (M, N >= 16, M*N >= 4096) in float32 and float64, batched and with epilogues, through
// autograd; work-group reductions (long reductions into few outputs); convolution, pooling and a
// training step of a small CNN and an MLP; float16 and bfloat16 arithmetic. Prints what it ran;
// exit 0, or 2 with the tg::Error (hip_dump_suite.cmake takes 1 for failed gtest cases).
#include <cstdio>
#include <vector>

#include <tg/nn.hpp>
#include <tg/tg.hpp>

namespace {

using tg::DType;
using tg::Tensor;

tg::TensorOptions opts(DType dtype, bool grad = false) { return tg::TensorOptions{dtype, std::nullopt, grad}; }

// Forward and backward of a matmul with a bias and ReLU epilogue.
void matmul_with_grads(DType dtype, tg::Shape a_shape, tg::Shape b_shape) {
  Tensor a = Tensor::randn(a_shape, opts(dtype, true));
  Tensor b = Tensor::randn(b_shape, opts(dtype, true));
  Tensor bias = Tensor::randn({b_shape.back()}, opts(dtype, true));
  Tensor y = (a.matmul(b) + bias).relu();
  y.sum().backward();
  y.realize();
  a.grad()->realize();
  b.grad()->realize();
  bias.grad()->realize();
}

void reductions(DType dtype) {
  Tensor x = Tensor::randn({4, 65536}, opts(dtype));
  x.sum({1}).realize();
  x.max({1}).realize();
  x.mean().realize();
  x.softmax(1).realize();
  Tensor::randn({512, 512}, opts(dtype)).sum({0}).realize();
}

void small_cnn_step() {
  tg::nn::Conv2d conv1(1, 8, 3, 1, 1), conv2(8, 16, 3, 1, 1);
  tg::nn::Linear fc(16 * 7 * 7, 10);
  std::vector<Tensor> params;
  for (const tg::nn::Module* m : std::vector<const tg::nn::Module*>{&conv1, &conv2, &fc})
    for (const Tensor& p : m->parameters()) params.push_back(p);
  tg::nn::optim::SGD opt(params, 0.01f, 0.9f);
  Tensor x = Tensor::randn({32, 1, 28, 28});
  Tensor labels = Tensor::randint(0, 10, {32});
  Tensor h = conv1(x).relu().max_pool2d(2);
  h = conv2(h).relu().avg_pool2d(2);
  Tensor loss = fc(h.reshape({32, 16 * 7 * 7})).sparse_categorical_crossentropy(labels);
  opt.zero_grad();
  loss.backward();
  opt.step({loss});
}

void mlp_step() {
  tg::nn::Linear l1(784, 128), l2(128, 10);
  std::vector<Tensor> params = l1.parameters();
  for (const Tensor& p : l2.parameters()) params.push_back(p);
  tg::nn::optim::SGD opt(params, 0.05f);
  Tensor x = Tensor::rand({128, 784});
  Tensor labels = Tensor::randint(0, 10, {128});
  Tensor loss = l2(l1(x).relu()).sparse_categorical_crossentropy(labels);
  opt.zero_grad();
  loss.backward();
  opt.step({loss});
}

void narrow_floats(DType dtype) {
  Tensor a = Tensor::randn({64, 64}).cast(dtype), b = Tensor::randn({64, 64}).cast(dtype);
  (a.matmul(b) * 0.5f + a.exp() - b.sqrt().abs()).sum({1}).realize();
}

}  // namespace

int main() {
  try {
    matmul_with_grads(DType::float32, {64, 48}, {48, 80});
    matmul_with_grads(DType::float64, {32, 40}, {40, 128});
    matmul_with_grads(DType::float32, {3, 64, 32}, {3, 32, 64});  // batched
    std::puts("matmul forward and backward: float32, float64, batched");
    reductions(DType::float32);
    reductions(DType::float64);
    std::puts("long reductions: float32, float64");
    small_cnn_step();
    std::puts("CNN training step (conv2d, max/avg pooling, cross-entropy, SGD with momentum)");
    mlp_step();
    std::puts("MLP training step (784-128-10)");
    narrow_floats(DType::float16);
    narrow_floats(DType::bfloat16);
    std::puts("float16 and bfloat16 matmul and elementwise");
    return 0;
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "hip_kir_workloads: %s\n", e.what());
    return 2;
  }
}
