// Reductions and the ops built from them (softmax family, arg-extremes, cumsum).
#include <algorithm>
#include <cmath>

#include "tensor/ops.hpp"

namespace tg {
namespace {

using detail::Dims;
using detail::ReduceOp;

Tensor reduce(const Tensor& x, ReduceOp op, const Axes& axes, bool keepdim, const char* what) {
  const detail::NodePtr& n = detail::node_of(x);
  Dims ax = detail::norm_axes(axes, n->shape, what);
  detail::NodePtr r = detail::reduce(n, op, ax);
  Tensor out = detail::make_result(r);
  if (keepdim) return out;
  Dims shape;
  for (size_t d = 0; d < n->shape.size(); d++)
    if (std::find(ax.begin(), ax.end(), static_cast<int64_t>(d)) == ax.end()) shape.push_back(n->shape[d]);
  return out.reshape(Shape(shape));
}

// Small ints and bools sum in int32 (tinygrad); half floats in float32, cast back after.
DType sum_dtype(DType d) {
  if (d == DType::bool_ || d == DType::int8 || d == DType::uint8 || d == DType::int16) return DType::int32;
  if (d == DType::float16 || d == DType::bfloat16) return DType::float32;
  return d;
}

int64_t count(const Tensor& x, const Axes& axes) {
  int64_t n = 1;
  Shape s = x.shape();
  for (int64_t a : detail::norm_axes(axes, s.dims(), "mean")) n *= s[static_cast<size_t>(a)];
  return n;
}

}  // namespace

Tensor Tensor::sum(Axes axes, bool keepdim) const {
  DType acc = sum_dtype(dtype());
  Tensor r = reduce(cast(acc), ReduceOp::SUM, axes, keepdim, "sum");
  return is_float(dtype()) ? r.cast(dtype()) : r;
}

Tensor Tensor::prod(Axes axes, bool keepdim) const {
  DType acc = sum_dtype(dtype());
  Tensor r = reduce(cast(acc), ReduceOp::PROD, axes, keepdim, "prod");
  return is_float(dtype()) ? r.cast(dtype()) : r;
}

Tensor Tensor::mean(Axes axes, bool keepdim) const {
  Tensor x = detail::to_float(*this);
  int64_t n = count(*this, axes);
  return x.sum(axes, keepdim) * (n == 0 ? std::nan("") : 1.0 / static_cast<double>(n));
}

Tensor Tensor::max(Axes axes, bool keepdim) const { return reduce(*this, ReduceOp::MAX, axes, keepdim, "max"); }

Tensor Tensor::min(Axes axes, bool keepdim) const {
  if (dtype() == DType::bool_) return logical_not().max(axes, keepdim).logical_not();
  if (dtype() == DType::uint8) return 255 - (255 - *this).max(axes, keepdim);
  return -((-*this).max(axes, keepdim));
}

Tensor Tensor::var(Axes axes, bool keepdim, double correction) const {
  Tensor x = detail::to_float(*this);
  Tensor sq = (x - x.mean(axes, true)).square().sum(axes, keepdim);
  double n = static_cast<double>(count(*this, axes));
  return sq * (1.0 / std::max(0.0, n - correction));
}

Tensor Tensor::std(Axes axes, bool keepdim, double correction) const { return var(axes, keepdim, correction).sqrt(); }

Tensor Tensor::any(Axes axes, bool keepdim) const { return cast(DType::bool_).max(axes, keepdim); }
Tensor Tensor::all(Axes axes, bool keepdim) const { return logical_not().any(axes, keepdim).logical_not(); }

// The first index of the extreme along axis: (x == extreme) picks candidates, a descending
// ramp N..1 makes the first one the largest, and N - max(ramp) is its index.
static Tensor arg_extreme(const Tensor& self, std::optional<int64_t> axis, bool keepdim, bool want_max) {
  if (!axis) {
    Tensor r = arg_extreme(self.flatten(), 0, false, want_max);
    return keepdim ? r.reshape(Shape(detail::Dims(static_cast<size_t>(self.ndim()), 1))) : r;
  }
  const char* what = want_max ? "argmax" : "argmin";
  int64_t ax = detail::norm_axis(*axis, self.ndim(), self.shape().dims(), what);
  int64_t n = self.shape()[static_cast<size_t>(ax)];
  Tensor ext = want_max ? self.max(ax, true) : self.min(ax, true);
  detail::Dims ramp_shape(static_cast<size_t>(self.ndim()), 1);
  ramp_shape[static_cast<size_t>(ax)] = n;
  Tensor ramp = Tensor::arange(static_cast<double>(n), 0, -1, TensorOptions{DType::int32, self.device(), false})
                    .reshape(Shape(ramp_shape));
  Tensor picked = where(self == ext, ramp, 0);
  return (n - picked.max(ax, keepdim)).cast(DType::int32);
}

Tensor Tensor::argmax(std::optional<int64_t> axis, bool keepdim) const { return arg_extreme(*this, axis, keepdim, true); }
Tensor Tensor::argmin(std::optional<int64_t> axis, bool keepdim) const { return arg_extreme(*this, axis, keepdim, false); }

Tensor Tensor::cumsum(int64_t axis) const {
  int64_t ax = detail::norm_axis(axis, ndim(), shape().dims(), "cumsum");
  if (ndim() == 0) return *this + 0;
  Tensor x = transpose(ax, -1);  // the axis last
  int64_t n = x.shape().back();
  TensorOptions o{DType::int32, device(), false};
  Tensor i = Tensor::arange(static_cast<double>(n), o);
  Tensor lower = i.reshape({n, 1}) >= i.reshape({1, n});  // [i][j]: j <= i
  Tensor terms = tg::where(lower, x.unsqueeze(-2), 0);       // (..., n, n)
  return terms.sum(-1).transpose(ax, -1);
}

Tensor Tensor::softmax(int64_t axis) const {
  Tensor x = detail::to_float(*this);
  Tensor e = (x - x.max(axis, true).detach()).exp();
  return e / e.sum(axis, true);
}

Tensor Tensor::log_softmax(int64_t axis) const {
  Tensor x = detail::to_float(*this);
  Tensor m = x - x.max(axis, true).detach();
  return m - m.exp().sum(axis, true).log();
}

Tensor Tensor::logsumexp(int64_t axis, bool keepdim) const {
  Tensor x = detail::to_float(*this);
  Tensor m = x.max(axis, true).detach();
  Tensor r = (x - m).exp().sum(axis, true).log() + m;
  return keepdim ? r : r.squeeze(axis);
}

}  // namespace tg
