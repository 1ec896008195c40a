// The onednn device's convolutions (TG_FAST_CONV: oneDNN forward and weight-gradient
// convolutions, plain and channel-blocked layouts) against the ref plugin, which runs conv2d as
// im2col + matmul, through the public API.
#include <gtest/gtest.h>

#include <string>

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

// A padded convolution reads its input in place: the window's LOAD is masked (tg.kir linear
// masks) and oneDNN pads, so the forward pass with bias and relu stays one kernel (ref copies
// the padding first), for a realized input and for one computed just before (realized
// unpadded, then read padded).
TEST(OnednnConv, PaddedConvolutionsReadTheirInputInPlace) {
  struct Case {
    std::vector<int64_t> x, w;
    tg::IntPair stride, padding, dilation;
  };
  const Case cases[] = {{{2, 8, 10, 9}, {16, 8, 3, 3}, 1, 1, 1},       {{2, 8, 11, 12}, {8, 8, 3, 2}, 2, {2, 0}, 1},
                        {{3, 3, 9, 10}, {8, 3, 3, 3}, 1, {1, 3}, {2, 1}}, {{2, 16, 7, 7}, {8, 16, 5, 5}, 1, 2, 1},
                        {{2, 1, 12, 11}, {4, 1, 3, 3}, {1, 2}, 1, 1}};
  uint32_t seed = 70;
  for (const Case& c : cases) {
    auto x = random_pair(c.x, seed++), w = random_pair(c.w, seed++), b = random_pair({c.w[0]}, seed++);
    x.dnnl.realize(), w.dnnl.realize(), b.dnnl.realize();
    tg::synchronize();
    tg::reset_runtime_stats();
    Tensor y = x.dnnl.conv2d(w.dnnl, b.dnnl, c.stride, c.padding, c.dilation).relu().realize();
    tg::synchronize();
    const std::string what = tg::Shape(c.x).to_string() + " * " + tg::Shape(c.w).to_string();
    EXPECT_EQ(tg::runtime_stats().kernels_launched, 1u) << what << ": the padding was copied first";
    EXPECT_TRUE(same_values(y, x.ref.conv2d(w.ref, b.ref, c.stride, c.padding, c.dilation).relu(), 1e-4, 1e-5)) << what;
    Tensor z = (x.dnnl * 2).conv2d(w.dnnl, std::nullopt, c.stride, c.padding, c.dilation);
    EXPECT_TRUE(same_values(z, (x.ref * 2).conv2d(w.ref, std::nullopt, c.stride, c.padding, c.dilation), 1e-4, 1e-5))
        << what << ", a computed input";
    // float64 is im2col + matmul, both compiled C: the patches are gathered through the padding.
    auto f64 = [&](const Tensor& t) { return t.cast(tg::DType::float64); };
    EXPECT_TRUE(same_values(f64(x.dnnl).conv2d(f64(w.dnnl), std::nullopt, c.stride, c.padding, c.dilation),
                            f64(x.ref).conv2d(f64(w.ref), std::nullopt, c.stride, c.padding, c.dilation), 1e-12, 1e-12))
        << what << ", float64";
  }
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

// The weight gradient of a convolution with few input channels runs on tg's direct kernel
// (direct_conv.hpp; the ctest OnednnConv.OnTheDirectKernel checks that it is chosen): tap rows
// per task, slices of the batch summed afterwards, vector tails, and the strided readings it
// leaves to oneDNN, each against ref.
struct WeightGradCase {
  std::vector<int64_t> x, w;
  tg::IntPair stride, dilation;
};

void expect_weight_gradient_matches(const WeightGradCase& c) {
  std::vector<Tensor> grads;
  for (const char* device : {"onednn", "ref"}) {
    Tensor x(tgtest::random_floats(static_cast<size_t>(tgtest::numel_of(c.x)), 1), tg::Shape(c.x), tgtest::on(device));
    Tensor w(tgtest::random_floats(static_cast<size_t>(tgtest::numel_of(c.w)), 2), tg::Shape(c.w),
             tg::TensorOptions{std::nullopt, device, true});
    Tensor y = x.conv2d(w, std::nullopt, c.stride, 0, c.dilation);
    Tensor g(tgtest::random_floats(static_cast<size_t>(y.numel()), 3), y.shape(), tgtest::on(device));
    (y * g).sum().backward();
    grads.push_back(w.grad().value());
  }
  EXPECT_TRUE(same_values(grads[0], grads[1], 1e-3, 1e-4));
}

TEST(OnednnConv, WeightGradientWithFewInputChannels) {
  const std::vector<WeightGradCase> cases = {
      {{2, 1, 12, 19}, {2, 1, 3, 3}, 1, 1},     // 2 outputs channels: the batch in slices, a tail of 1
      {{3, 3, 20, 20}, {8, 3, 5, 5}, 1, 1},     // 5x5 taps, one row per task, no tail
      {{4, 2, 11, 35}, {4, 2, 3, 7}, 1, 1},     // 7 taps in a row
      {{2, 1, 9, 9}, {3, 1, 2, 2}, 1, 1},       // exactly one vector per row
      {{2, 3, 13, 30}, {8, 3, 3, 3}, {2, 1}, {1, 2}},  // strided rows, dilated columns
      {{2, 1, 12, 40}, {4, 1, 3, 3}, {1, 2}, 1},  // strided columns: oneDNN's, not the direct kernel's
  };
  for (const WeightGradCase& c : cases) {
    SCOPED_TRACE("x " + tg::Shape(c.x).to_string() + ", w " + tg::Shape(c.w).to_string());
    expect_weight_gradient_matches(c);
  }
}

// The forward pass of a convolution with few input channels runs on tg's direct kernel too (the
// ctest OnednnConv.OnTheDirectKernelForward checks that it is chosen): rows that are one vector,
// rows whose last vector overlaps the one before, strided and dilated windows, a fused bias and
// relu after it, and more taps than it takes (oneDNN's).
TEST(OnednnConv, ForwardWithFewInputChannels) {
  const std::vector<WeightGradCase> cases = {
      {{2, 1, 10, 10}, {4, 1, 3, 3}, 1, 1},         // rows of exactly 8
      {{3, 2, 9, 30}, {5, 2, 3, 3}, 1, 1},          // 28 = 3 vectors and an overlapping one
      {{2, 3, 13, 30}, {8, 3, 3, 3}, {2, 1}, {1, 2}},  // strided rows, dilated columns, 27 taps
      {{2, 3, 12, 20}, {4, 3, 5, 5}, 1, 1},         // 75 taps: oneDNN's
  };
  for (const WeightGradCase& c : cases) {
    SCOPED_TRACE("x " + tg::Shape(c.x).to_string() + ", w " + tg::Shape(c.w).to_string());
    std::vector<Tensor> ys;
    for (const char* device : {"onednn", "ref"}) {
      Tensor x(tgtest::random_floats(static_cast<size_t>(tgtest::numel_of(c.x)), 1), tg::Shape(c.x), tgtest::on(device));
      Tensor w(tgtest::random_floats(static_cast<size_t>(tgtest::numel_of(c.w)), 2), tg::Shape(c.w), tgtest::on(device));
      Tensor b(tgtest::random_floats(static_cast<size_t>(c.w[0]), 3), tg::Shape({c.w[0]}), tgtest::on(device));
      ys.push_back(x.conv2d(w, std::nullopt, c.stride, 0, c.dilation).realize());
      ys.push_back(x.conv2d(w, b, c.stride, 0, c.dilation).relu().realize());
    }
    EXPECT_TRUE(same_values(ys[0], ys[2], 1e-4, 1e-5)) << "without a bias";
    EXPECT_TRUE(same_values(ys[1], ys[3], 1e-4, 1e-5)) << "with a bias and relu";
  }
}

}  // namespace
