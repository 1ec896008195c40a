// Elementwise ops models reach for (erf, exact gelu, nan/inf tests, lerp, masked_fill) and the
// triangle masks (tril, triu), all from the ops in elementwise.cpp.
#include <cmath>

#include "tensor/ops.hpp"

namespace tg {

using detail::Dims;
using detail::to_float;

Tensor Tensor::erf() const {
  // Abramowitz-Stegun 7.1.26, as tinygrad. The sign is where(x < 0, -1, 1) and |x| is x * sign,
  // so the gradient at 0 is the approximation's slope (2 / sqrt(pi)), not the 0 of sign()'s.
  Tensor x = to_float(*this);
  Tensor s = tg::where(x < 0, -1.0, detail::scalar_tensor_like(x, 1.0));
  Tensor t = (1.0 + 0.3275911 * (x * s)).reciprocal();
  Tensor poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return s * (1.0 - poly * (-x.square()).exp());
}

Tensor Tensor::gelu(const std::string& approximate) const {
  if (approximate == "tanh") return gelu();
  if (approximate == "none") {
    Tensor x = to_float(*this);
    return 0.5 * x * (1.0 + (x * M_SQRT1_2).erf());
  }
  throw Error("gelu: approximate is \"" + approximate + "\"; use \"none\" (exact, with erf) or \"tanh\"");
}

Tensor Tensor::isnan() const { return ne(*this); }
Tensor Tensor::isinf() const {
  if (!is_float(dtype())) return Tensor(detail::const_like(detail::node_of(*this), 0, DType::bool_));
  return (*this == INFINITY).logical_or(*this == -INFINITY);
}
Tensor Tensor::isfinite() const { return isnan().logical_or(isinf()).logical_not(); }

Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const { return *this + (end - *this) * weight; }
Tensor Tensor::lerp(const Tensor& end, Scalar weight) const { return *this + (end - *this) * weight; }

namespace {
void check_mask(const Tensor& x, const Tensor& mask) {
  if (mask.dtype() != DType::bool_)
    throw Error("masked_fill: the mask must be a bool tensor, got " + std::string(dtype_name(mask.dtype())) +
                " (compare first, e.g. mask != 0)");
  Dims xs = x.shape().dims(), ms = mask.shape().dims();
  bool fits = ms.size() <= xs.size();
  for (size_t i = 0; fits && i < ms.size(); i++) {
    int64_t m = ms[ms.size() - 1 - i], d = xs[xs.size() - 1 - i];
    fits = m == d || m == 1;
  }
  if (!fits)
    throw Error("masked_fill: the mask's shape " + mask.shape().to_string() + " does not broadcast to the tensor's " +
                x.shape().to_string());
}
}  // namespace

Tensor Tensor::masked_fill(const Tensor& mask, Scalar value) const {
  check_mask(*this, mask);
  const auto& n = detail::node_of(*this);
  return tg::where(mask, Tensor(detail::const_like(n, value.value, n->dtype)), *this);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value) const {
  check_mask(*this, mask);
  Tensor r = tg::where(mask, value.cast(dtype()), *this);
  if (r.shape() != shape())
    throw Error("masked_fill: the value's shape " + value.shape().to_string() + " does not broadcast to the tensor's " +
                shape().to_string());
  return r;
}

namespace {
// True where column - row <= k (below == true) or >= k (below == false), over the last two dims.
Tensor triangle(const Tensor& x, int64_t k, bool below, const char* what) {
  if (x.ndim() < 2)
    throw Error(std::string(what) + ": needs at least 2 dims, got shape " + x.shape().to_string());
  int64_t r = x.shape()[static_cast<size_t>(x.ndim() - 2)], c = x.shape().back();
  TensorOptions o{DType::int32, x.device(), false};
  Tensor d = Tensor::arange(0, static_cast<double>(c), 1, o).reshape({1, c}) -
             Tensor::arange(0, static_cast<double>(r), 1, o).reshape({r, 1});
  Tensor keep = below ? d <= Scalar(static_cast<long long>(k)) : d >= Scalar(static_cast<long long>(k));
  const auto& n = detail::node_of(x);
  return tg::where(keep, x, Tensor(detail::const_like(n, 0, n->dtype)));
}
}  // namespace

Tensor Tensor::tril(int64_t k) const { return triangle(*this, k, true, "tril"); }
Tensor Tensor::triu(int64_t k) const { return triangle(*this, k, false, "triu"); }

}  // namespace tg
