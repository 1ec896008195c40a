#pragma once
// Helpers shared by the nn functional files of the Tensor layer (conv.cpp, pool.cpp, loss.cpp).
#include <string>

#include "tensor/ops.hpp"

namespace tg::detail {

// Sliding windows over the last k.size() dims: (..., i...) -> (..., o..., k...) with
// o = ceil((i - d (k - 1)) / s) (tinygrad's _pool). `what` names the caller in errors.
Tensor pool_windows(const Tensor& x, const Dims& k, const Dims& s, const Dims& d, const char* what);
// Pads the last two dims by (h, w) on both sides with value.
Tensor pad2d(const Tensor& x, const IntPair& p, Scalar value, const char* what);
// Applies a loss reduction: "mean", "sum" or "none".
Tensor reduce_loss(const Tensor& unreduced, const std::string& reduction, const char* what);

}  // namespace tg::detail
