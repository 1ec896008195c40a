// Reductions and the ops built from them (softmax family, arg-extremes, cumsum).
#include <algorithm>
#include <cmath>

#include "tensor/autocast.hpp"
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
  return detail::order_inverse(detail::order_inverse(*this).max(axes, keepdim));
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
// A NaN is the extreme (PyTorch): its first index is the answer.
static Tensor arg_extreme(const Tensor& self, std::optional<int64_t> axis, bool keepdim, bool want_max) {
  const char* what = want_max ? "argmax" : "argmin";
  if (!axis) {
    if (self.numel() == 0)
      throw Error(std::string(what) + ": the tensor has shape " + self.shape().to_string() +
                  " and no elements; an empty tensor has no " + (want_max ? "largest" : "smallest") + " element");
    Tensor r = arg_extreme(self.flatten(), 0, false, want_max);
    return keepdim ? r.reshape(Shape(detail::Dims(static_cast<size_t>(self.ndim()), 1))) : r;
  }
  int64_t ax = detail::norm_axis(*axis, self.ndim(), self.shape().dims(), what);
  if (self.ndim() == 0) return arg_extreme(self.reshape({1}), 0, false, want_max);  // index 0
  int64_t n = self.shape()[static_cast<size_t>(ax)];
  if (n == 0)
    throw Error(std::string(what) + ": the tensor has shape " + self.shape().to_string() + " and dim " +
                std::to_string(ax) + " is empty; reduce over a dim of non-zero size");
  Tensor ext = want_max ? self.max(ax, true) : self.min(ax, true);
  Tensor hit = self == ext;
  if (is_float(self.dtype())) hit = hit.logical_or(self != self);
  detail::Dims ramp_shape(static_cast<size_t>(self.ndim()), 1);
  ramp_shape[static_cast<size_t>(ax)] = n;
  Tensor ramp = Tensor::arange(static_cast<double>(n), 0, -1, TensorOptions{DType::int32, self.device(), false})
                    .reshape(Shape(ramp_shape));
  Tensor picked = where(hit, ramp, 0);
  return (n - picked.max(ax, keepdim)).cast(DType::int32);
}

Tensor Tensor::argmax(std::optional<int64_t> axis, bool keepdim) const { return arg_extreme(*this, axis, keepdim, true); }
Tensor Tensor::argmin(std::optional<int64_t> axis, bool keepdim) const { return arg_extreme(*this, axis, keepdim, false); }

namespace {

// Rows of at most this many values are summed as one triangle; longer rows in blocks of it.
// (4096, 1024).cumsum(1) on the onednn device (Zen 2, 2 threads): 9.4 ms with blocks of 32, 21
// with 16, 17 with 64; 325 ms as one 1024-wide triangle.
constexpr int64_t kCumsumBlock = 32;

// The running sum, product or maximum (cumsum, cumprod, cummax): the same blocked scheme, with
// the op's identity where a term is masked out or padded.
enum class Cum { SUM, PROD, MAX };

Scalar cum_identity(Cum k, DType d) {
  if (k == Cum::SUM) return Scalar(0);
  if (k == Cum::PROD) return Scalar(1);
  if (is_float(d)) return Scalar(-INFINITY);
  switch (d) {  // the lowest value of the int dtype (exact in a double)
    case DType::int8: return Scalar(-128);
    case DType::int16: return Scalar(-32768);
    case DType::int32: return Scalar(static_cast<long long>(INT32_MIN));
    case DType::int64: return Scalar(static_cast<long long>(INT64_MIN));
    default: return Scalar(0);  // bool, uint8
  }
}

Tensor cum_reduce(const Tensor& x, Cum k, int64_t axis) {
  if (k == Cum::SUM) return x.sum(axis);
  if (k == Cum::PROD) return x.prod(axis);
  return x.max(axis);
}

Tensor cum_combine(const Tensor& a, const Tensor& b, Cum k) {
  if (k == Cum::SUM) return a + b;
  if (k == Cum::PROD) return a * b;
  return a.maximum(b);
}

// The inclusive prefix along the last axis of x (n values per row) as a masked reduce: term
// [j][i] is x[j] where j <= i. n * n work per row, so only for short rows. The reduce runs over the
// second-to-last axis, so a kernel's innermost loop runs along the outputs i and vectorizes
// (summed along the last axis, [i][j], it ran 32-term scalar loops: the block kernel of a
// (4096, 1024) cumsum took 55 ms instead of 8).
Tensor cum_triangle(const Tensor& x, int64_t n, Cum k) {
  TensorOptions o{DType::int32, x.device(), false};
  Tensor i = Tensor::arange(static_cast<double>(n), o);
  Tensor upper = i.reshape({n, 1}) <= i.reshape({1, n});  // [j][i]: j <= i
  return cum_reduce(tg::where(upper, x.unsqueeze(-1), cum_identity(k, x.dtype())), k, -2);  // (..., n, n) -> (..., n)
}

// Blocked: each block of kCumsumBlock values gets its own triangle, then combined with the
// result of every block before it (the prefix of the block totals, one level up). n * (B + n / B)
// work instead of n * n: a 1024-value row 33K terms, not 1M.
Tensor cum_last(const Tensor& x, Cum k) {
  const int64_t n = x.shape().back();
  if (n <= kCumsumBlock) return cum_triangle(x, n, k);
  const Scalar id = cum_identity(k, x.dtype());
  const int64_t blocks = (n + kCumsumBlock - 1) / kCumsumBlock;
  std::vector<std::pair<int64_t, int64_t>> pad(static_cast<size_t>(x.ndim()), {0, 0});
  pad.back() = {0, blocks * kCumsumBlock - n};
  Tensor xb = x.pad(pad, id).unflatten(-1, {blocks, kCumsumBlock});  // (..., blocks, B)
  Tensor within = cum_triangle(xb, kCumsumBlock, k);                  // (..., blocks, B)
  Tensor totals = cum_last(cum_reduce(xb, k, -1), k);                 // (..., blocks): through block k
  // Shifted one block along: the total of every block before block k (the identity before the first).
  pad.back() = {1, 0};
  Tensor before = totals.pad(pad, id).slice(-1, 0, blocks);
  return cum_combine(within, before.unsqueeze(-1), k).flatten(-2).slice(-1, 0, n);
}

Tensor cum_along(const Tensor& x, int64_t axis, Cum k, const char* what) {
  int64_t ax = detail::norm_axis(axis, x.ndim(), x.shape().dims(), what);
  if (x.ndim() == 0) return k == Cum::PROD ? x * 1 : x + 0;  // a new value, as for every other shape
  if (x.numel() == 0) return x;
  return cum_last(x.transpose(ax, -1), k).transpose(ax, -1);  // the axis last
}

}  // namespace

Tensor Tensor::cumsum(int64_t axis) const { return cum_along(*this, axis, Cum::SUM, "cumsum"); }
Tensor Tensor::cumprod(int64_t axis) const { return cum_along(*this, axis, Cum::PROD, "cumprod"); }
Tensor Tensor::cummax(int64_t axis) const { return cum_along(*this, axis, Cum::MAX, "cummax"); }

Tensor Tensor::softmax(int64_t axis) const {
  // The row maximum and sum are broadcast before the subtraction (a + -b) and the division
  // (a * 1/b): the negation and the reciprocal are then computed in the kernel that writes the
  // probabilities, not each in a kernel of its own over the rows (3 kernels -> 2).
  Tensor x = detail::to_float(*this);
  Tensor e = (x - x.max(axis, true).detach().expand(x.shape())).exp();
  return e / e.sum(axis, true).expand(e.shape());
}

Tensor Tensor::log_softmax(int64_t axis) const {
  Tensor x = detail::autocast_widen(detail::to_float(*this));  // float32 under autocast, as PyTorch
  Tensor m = x - x.max(axis, true).detach().expand(x.shape());  // (as softmax)
  return m - m.exp().sum(axis, true).log().expand(m.shape());
}

Tensor Tensor::logsumexp(int64_t axis, bool keepdim) const {
  Tensor x = detail::to_float(*this);
  Tensor m = x.max(axis, true).detach();
  Tensor r = (x - m).exp().sum(axis, true).log() + m;
  return keepdim ? r : r.squeeze(axis);
}

Tensor Tensor::logsumexp() const {
  // Over all axes. An infinite maximum is not subtracted (inf - inf is nan): as PyTorch, all -inf
  // gives -inf and any +inf gives +inf.
  Tensor x = detail::to_float(*this);
  Tensor m = x.max().detach();
  m = tg::where(m.isinf(), 0.0, m);
  return (x - m).exp().sum().log() + m;
}

}  // namespace tg
