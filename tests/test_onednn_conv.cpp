// The onednn device's convolutions (TG_FAST_CONV: oneDNN forward and weight-gradient
// convolutions, plain and channel-blocked layouts) against the ref plugin, which runs conv2d as
// im2col + matmul, through the public API.
#include <gtest/gtest.h>

#include "onednn_test_util.hpp"

namespace {

using tg::Tensor;
using tgtest::random_pair;
using tgtest::same_values;

// conv + bias + relu is one kernel: the convolution, then its epilogue in the same executable
// (im2col + matmul would be three: the patches, the GEMM, the bias stored back channels-first).
TEST(OnednnConv, ForwardWithBiasAndReluIsOneKernel) {
  auto x = random_pair({4, 16, 12, 11}, 1), w = random_pair({24, 16, 3, 3}, 2), b = random_pair({24}, 3);
  x.dnnl.realize(), w.dnnl.realize(), b.dnnl.realize();
  tg::reset_runtime_stats();
  Tensor y = x.dnnl.conv2d(w.dnnl, b.dnnl).relu().realize();
  EXPECT_EQ(tg::runtime_stats().kernels_launched, 1u);
  EXPECT_TRUE(same_values(y, x.ref.conv2d(w.ref, b.ref).relu()));
}

struct Net {
  int64_t cin, c1, c2, size;
  tg::IntPair stride, padding, dilation;
};

// A training step's gradients (input, both weights, both biases) through two convolutions, a
// pooling and a relu, on onednn and on ref.
void expect_gradients_match(const Net& n) {
  const std::vector<std::vector<int64_t>> shapes = {
      {3, n.cin, n.size, n.size + 1}, {n.c1, n.cin, 3, 3}, {n.c1}, {n.c2, n.c1, 3, 2}, {n.c2}};
  std::vector<std::vector<Tensor>> grads;
  for (const char* device : {"onednn", "ref"}) {
    std::vector<Tensor> p;
    for (size_t i = 0; i < shapes.size(); ++i)
      p.push_back(Tensor(tgtest::random_floats(static_cast<size_t>(tgtest::numel_of(shapes[i])), 10 + static_cast<uint32_t>(i)),
                         tg::Shape(shapes[i]), tg::TensorOptions{std::nullopt, device, true}));
    Tensor h = p[0].conv2d(p[1], p[2], n.stride, n.padding, n.dilation).relu().max_pool2d(2);
    Tensor y = h.conv2d(p[3], p[4], 1, 1);
    (y * y).mean().backward();
    std::vector<Tensor> g;
    for (Tensor& t : p) g.push_back(t.grad().value());
    grads.push_back(g);
  }
  const char* names[] = {"x", "w1", "b1", "w2", "b2"};
  for (size_t i = 0; i < 5; ++i) EXPECT_TRUE(same_values(grads[0][i], grads[1][i], 1e-3, 1e-5)) << "gradient of " << names[i];
}

TEST(OnednnConv, GradientsWithOneInputChannel) { expect_gradients_match({1, 8, 16, 14, 1, 0, 1}); }
TEST(OnednnConv, GradientsWithChannelBlocks) { expect_gradients_match({8, 16, 16, 14, 1, 1, 1}); }
TEST(OnednnConv, GradientsWithStrideAndDilation) { expect_gradients_match({3, 8, 8, 17, {2, 1}, 1, {1, 2}}); }

}  // namespace
