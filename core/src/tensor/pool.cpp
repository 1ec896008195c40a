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

// ceil_mode's extra padding on the right of one spatial dim (PyTorch's output size): the
// output count rounds up, less a last window that would start in the right padding.
int64_t ceil_extra(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, const char* what) {
  const int64_t padded = in + 2 * p, extent = d * (k - 1) + 1;
  if (k <= 0 || s <= 0 || d <= 0) throw Error(std::string(what) + ": kernel, stride and dilation must be positive");
  if (padded < extent) return 0;  // pool_windows says what is wrong
  int64_t out = (padded - extent + s - 1) / s + 1;
  if ((out - 1) * s >= in + p) out--;
  return std::max<int64_t>(0, (out - 1) * s + extent - padded);
}

// x padded by `padding` on both sides (value) and by (eh, ew) more on the right (value_extra).
Tensor pad_ceil(const Tensor& x, const IntPair& padding, int64_t eh, int64_t ew, Scalar value, Scalar value_extra,
                const char* what) {
  Tensor y = detail::pad2d(x, padding, value, what);
  if (eh == 0 && ew == 0) return y;
  std::vector<std::pair<int64_t, int64_t>> pads(static_cast<size_t>(y.ndim()) - 2, {0, 0});
  pads.push_back({0, eh});
  pads.push_back({0, ew});
  return y.pad(pads, value_extra);
}

}  // namespace

Tensor Tensor::max_pool2d(IntPair kernel, std::optional<IntPair> stride, IntPair padding, IntPair dilation,
                          bool ceil_mode) const {
  IntPair s = stride.value_or(kernel);
  if (ceil_mode && ndim() < 2) throw Error("max_pool2d: needs at least 2 dims, got shape " + shape().to_string());
  const int64_t eh = ceil_mode ? ceil_extra(size(-2), kernel.h, s.h, padding.h, dilation.h, "max_pool2d") : 0;
  const int64_t ew = ceil_mode ? ceil_extra(size(-1), kernel.w, s.w, padding.w, dilation.w, "max_pool2d") : 0;
  Tensor x = pad_ceil(*this, padding, eh, ew, lowest(dtype()), lowest(dtype()), "max_pool2d");
  return detail::pool_windows(x, {kernel.h, kernel.w}, {s.h, s.w}, {dilation.h, dilation.w}, "max_pool2d")
      .max(kWindowAxes);
}

Tensor Tensor::avg_pool2d(IntPair kernel, std::optional<IntPair> stride, IntPair padding, bool count_include_pad,
                          bool ceil_mode) const {
  IntPair s = stride.value_or(kernel);
  if (ceil_mode && ndim() < 2) throw Error("avg_pool2d: needs at least 2 dims, got shape " + shape().to_string());
  const int64_t eh = ceil_mode ? ceil_extra(size(-2), kernel.h, s.h, padding.h, 1, "avg_pool2d") : 0;
  const int64_t ew = ceil_mode ? ceil_extra(size(-1), kernel.w, s.w, padding.w, 1, "avg_pool2d") : 0;
  if (eh || ew) {
    // Windows that run past the padding: the divisor counts the cells inside the input and,
    // with count_include_pad, its padding, never the extra cells ceil_mode added (PyTorch).
    auto windows = [&](const Tensor& t, Scalar pad_value) {
      return detail::pool_windows(pad_ceil(t, padding, eh, ew, pad_value, 0.0f, "avg_pool2d"), {kernel.h, kernel.w},
                                  {s.h, s.w}, {1, 1}, "avg_pool2d")
          .sum(kWindowAxes);
    };
    Tensor ones = Tensor::ones({size(-2), size(-1)}, TensorOptions{DType::float32, device(), false});
    return windows(detail::to_float(*this), 0.0f) / windows(ones, count_include_pad ? 1.0f : 0.0f);
  }
  auto windows = [&](const Tensor& t) {
    return detail::pool_windows(detail::pad2d(t, padding, 0.0f, "avg_pool2d"), {kernel.h, kernel.w}, {s.h, s.w}, {1, 1},
                                "avg_pool2d");
  };
  if (count_include_pad) return windows(*this).mean(kWindowAxes);
  Tensor ones = Tensor::ones_like(*this, TensorOptions{DType::float32, std::nullopt, false});
  return windows(detail::to_float(*this)).sum(kWindowAxes) / windows(ones).sum(kWindowAxes);
}

}  // namespace tg
