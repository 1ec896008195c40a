// max_pool2d and avg_pool2d: windows from pool_windows, reduced over the window dims.
#include <cmath>
#include <limits>

#include "tensor/nn_ops.hpp"

namespace tg {
namespace {

// The padding value that never wins a max: -inf for floats, the lowest value for ints.
Scalar lowest(DType d) {
  switch (d) {
    case DType::bool_: return Scalar(false);
    case DType::int8: return Scalar(-128);
    case DType::uint8: return Scalar(0);
    case DType::int16: return Scalar(-32768);
    case DType::int32: return Scalar(std::numeric_limits<int32_t>::min());
    case DType::int64: return Scalar(static_cast<long long>(std::numeric_limits<int64_t>::min()));
    case DType::float16: case DType::bfloat16: case DType::float32: case DType::float64:
      return Scalar(-std::numeric_limits<double>::infinity());
  }
  return Scalar(-std::numeric_limits<double>::infinity());
}

const Axes kWindowAxes(std::vector<int64_t>{-2, -1});

}  // namespace

Tensor Tensor::max_pool2d(IntPair kernel, std::optional<IntPair> stride, IntPair padding, IntPair dilation) const {
  IntPair s = stride.value_or(kernel);
  Tensor x = detail::pad2d(*this, padding, lowest(dtype()), "max_pool2d");
  return detail::pool_windows(x, {kernel.h, kernel.w}, {s.h, s.w}, {dilation.h, dilation.w}, "max_pool2d")
      .max(kWindowAxes);
}

Tensor Tensor::avg_pool2d(IntPair kernel, std::optional<IntPair> stride, IntPair padding, bool count_include_pad) const {
  IntPair s = stride.value_or(kernel);
  auto windows = [&](const Tensor& t) {
    return detail::pool_windows(detail::pad2d(t, padding, 0.0f, "avg_pool2d"), {kernel.h, kernel.w}, {s.h, s.w}, {1, 1},
                                "avg_pool2d");
  };
  if (count_include_pad) return windows(*this).mean(kWindowAxes);
  Tensor ones = Tensor::ones_like(*this, TensorOptions{DType::float32, std::nullopt, false});
  return windows(detail::to_float(*this)).sum(kWindowAxes) / windows(ones).sum(kWindowAxes);
}

}  // namespace tg
