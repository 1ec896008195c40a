#pragma once
// Direct 2-D convolution as windowed contractions: one REDUCE(SUM) over the product of a
// WINDOW view of the input and a broadcast of the kernel, over the space (B, O, P, Q, C, R, T)
// with the last three dims reduced. These are the programs a device that declares TG_FAST_CONV
// runs as convolution primitives (sdk/include/tg/plugin.h); the forward pass, the gradient of
// the weight and, for stride 1, the gradient of the input each take that form. The gradient of
// a WINDOW (col2im) is here too.
#include "graph/node.hpp"

namespace tg::detail {

// x (N, C, H, W), already padded; w (O, C, KH, KW); s, d: stride and dilation (h, w).
// A CONV node: its value is the windowed contraction, its gradient conv2d_backward's.
NodePtr conv2d_direct(const NodePtr& x, const NodePtr& w, const Dims& s, const Dims& d);

// The gradients {dx, dw} of a CONV node given the gradient g of its (N, O, OH, OW) value.
std::vector<NodePtr> conv2d_backward(const Node& conv, const NodePtr& g);

// The gradient of window(x, k, s, d) (shape in_shape) given g of the window's shape: each
// window element adds into the input element it views (one shifted, strided view per tap).
NodePtr window_backward(const NodePtr& g, const Dims& in_shape, const Dims& k, const Dims& s, const Dims& d);

}  // namespace tg::detail
