// The long tail of elementwise math and reductions (tinygrad's and PyTorch's): inverse and
// hyperbolic trig, selu/softsign/softmin, rounding division, mod/fmod, bitwise ops and shifts,
// copysign, logaddexp, isclose, var_mean/std_mean, logcumsumexp, cummin, normalize, nll_loss.
// All built from the ops in elementwise.cpp and reduce.cpp, so they fuse like any other.
#include <cmath>
#include <limits>

#include "tensor/nn_ops.hpp"
#include "tensor/ops.hpp"

namespace tg {

using detail::binary;
using detail::Dims;
using detail::Op;
using detail::scalar_tensor_like;
using detail::to_float;

namespace {

// -1 where x < 0, else 1 (also at 0): with |x| = x * s the gradient at 0 is the one-sided slope of
// the odd function built on |x|, not the 0 that sign() would give (as erf does).
Tensor sign_pos0(const Tensor& x) { return tg::where(x < 0, -1.0, scalar_tensor_like(x, 1.0)); }

// Horner's rule: c[0] x^(n-1) + ... + c[n-1], n >= 2.
Tensor poly(const Tensor& x, std::initializer_list<double> c) {
  auto it = c.begin();
  Tensor r = x * it[0] + it[1];
  for (it += 2; it != c.end(); ++it) r = r * x + *it;
  return r;
}

}  // namespace

// ---- unary math ----
Tensor Tensor::log10() const { return log2() * 0.30102999566398120; }

// Abramowitz-Stegun 4.4.46 (as tinygrad): |error| <= 2e-8 on [0, 1]; NaN outside [-1, 1].
Tensor Tensor::asin() const {
  Tensor x = to_float(*this);
  Tensor s = sign_pos0(x), a = x * s;
  Tensor p = poly(a, {-0.0012624911, 0.0066700901, -0.0170881256, 0.0308918810, -0.0501743046, 0.0889789874,
                      -0.2145988016, 1.5707963050});
  return s * (M_PI / 2 - (1.0 - a).sqrt() * p);
}
Tensor Tensor::acos() const { return M_PI / 2 - asin(); }
Tensor Tensor::atan() const {
  Tensor x = to_float(*this);
  return (x / (1.0 + x * x).sqrt()).asin();
}
Tensor Tensor::sinh() const {
  Tensor x = to_float(*this);
  return (x.exp() - (-x).exp()) * 0.5;
}
Tensor Tensor::cosh() const {
  Tensor x = to_float(*this);
  return (x.exp() + (-x).exp()) * 0.5;
}
// On |x| with the sign put back: x + sqrt(x^2 + 1) cancels for large negative x (tinygrad's form
// loses every digit at x = -300).
Tensor Tensor::asinh() const {
  Tensor x = to_float(*this);
  Tensor s = sign_pos0(x), a = x * s;
  return s * (a + (a * a + 1.0).sqrt()).log();
}
Tensor Tensor::acosh() const {
  Tensor x = to_float(*this);
  return (x + (x * x - 1.0).sqrt()).log();
}
Tensor Tensor::atanh() const {
  Tensor x = to_float(*this);
  return ((1.0 + x) / (1.0 - x)).log() * 0.5;
}

Tensor Tensor::isinf(bool detect_positive, bool detect_negative) const {
  if (!is_float(dtype())) return Tensor(detail::const_like(detail::node_of(*this), 0, DType::bool_));
  Tensor none = Tensor(detail::const_like(detail::node_of(*this), 0, DType::bool_));
  Tensor pos = detect_positive ? *this == INFINITY : none, neg = detect_negative ? *this == -INFINITY : none;
  return pos.logical_or(neg);
}

// As the two-bound clip: the gradient passes where the bound holds (1 at the bound), NaN stays.
Tensor Tensor::clip(std::nullopt_t, Scalar hi) const { return tg::where(*this > hi, hi, *this); }
Tensor Tensor::clip(Scalar lo, std::nullopt_t) const { return tg::where(*this < lo, lo, *this); }
Tensor Tensor::clip(std::nullopt_t, std::nullopt_t) const {
  throw Error("clip: both bounds are None; give at least one (clip(lo, hi), clip(tg::None, hi), clip(lo, tg::None))");
}

// ---- activations ----
// PyTorch's constants to full precision (tinygrad rounds them to 1.67326 and 1.0507).
Tensor Tensor::selu() const {
  constexpr double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
  Tensor x = to_float(*this);
  return scale * tg::where(x >= 0, x, alpha * (x.exp() - 1.0));
}
Tensor Tensor::softsign() const {
  Tensor x = to_float(*this);
  return x / (1.0 + x.abs());
}
Tensor Tensor::softmin(int64_t axis) const { return (-to_float(*this)).softmax(axis); }

// ---- rounding division, mod, fmod ----
namespace {

bool int_like(DType d) { return is_int(d) || d == DType::bool_; }

// Both operands broadcast and promoted to one dtype; bools count as int32.
std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b, const char* what) {
  auto [x, y] = detail::broadcast_pair(detail::node_of(a), detail::node_of(b), what);
  DType d = promote_types(x->dtype, y->dtype);
  if (d == DType::bool_) d = DType::int32;
  return {Tensor(detail::cast(x, d)), Tensor(detail::cast(y, d))};
}

// Quotient and remainder of float a / b with floor (the remainder has b's sign) or trunc (a's sign)
// rounding. a * (1 / b) can land one ulp below an integer (110 / 55 in float32 is 1.99999988), so
// the quotient is corrected from the remainder: the remainder has the wrong sign or reaches |b|.
std::pair<Tensor, Tensor> float_qr(const Tensor& a, const Tensor& b, bool floor_mode) {
  Tensor d = a / b;
  Tensor q = floor_mode ? d.floor() : d.trunc();
  Tensor r = a - q * b;
  Tensor ref = floor_mode ? b : a;  // the sign the remainder must have
  Tensor step = floor_mode ? scalar_tensor_like(q, 1.0) : sign_pos0(a) * sign_pos0(b);  // q's unit toward ref's side
  Tensor bmag = floor_mode ? b : b.abs() * sign_pos0(a);                               // |b| with ref's sign
  Tensor over = (r != 0).logical_and((r < 0) != (ref < 0));
  q = tg::where(over, q - step, q);
  r = tg::where(over, r + bmag, r);
  Tensor under = r.abs() >= b.abs();
  q = tg::where(under, q + step, q);
  r = tg::where(under, r - bmag, r);
  return {q, r};
}

// Integer quotient and remainder: IDIV/MOD truncate (C); floor moves the quotient down by one
// where the remainder is nonzero and the signs differ. b == 0 gives 0 (the device ops' rule).
std::pair<Tensor, Tensor> int_qr(const Tensor& a, const Tensor& b, bool floor_mode, const char* what) {
  Tensor q = binary(Op::IDIV, a, b, what), r = binary(Op::MOD, a, b, what);
  if (!floor_mode) return {q, r};
  Tensor fix = (r != 0).logical_and((r < 0) != (b < 0));
  return {tg::where(fix, q - 1, q), tg::where(fix, r + b, r)};
}

std::pair<Tensor, Tensor> div_mod(const Tensor& x, const Tensor& y, bool floor_mode, const char* what) {
  auto [a, b] = promoted(x, y, what);
  if (is_int(a.dtype())) return int_qr(a, b, floor_mode, what);
  return float_qr(a, b, floor_mode);
}

}  // namespace

Tensor Tensor::div(const Tensor& o, const std::string& rounding_mode) const {
  if (rounding_mode != "trunc" && rounding_mode != "floor")
    throw Error("div: rounding_mode is \"" + rounding_mode +
                "\"; use \"trunc\" or \"floor\" (or div(o) / operator/ for true division)");
  if (!int_like(dtype()) || !int_like(o.dtype())) {
    auto [a, b] = promoted(to_float(*this), to_float(o), "div");
    return float_qr(a, b, rounding_mode == "floor").first;
  }
  return div_mod(*this, o, rounding_mode == "floor", "div").first;
}
Tensor Tensor::div(Scalar o, const std::string& rounding_mode) const {
  return div(scalar_tensor_like(*this, o), rounding_mode);
}
Tensor Tensor::floor_divide(const Tensor& o) const { return div(o, "floor"); }
Tensor Tensor::floor_divide(Scalar o) const { return div(o, "floor"); }
Tensor Tensor::mod(const Tensor& o) const { return div_mod(*this, o, true, "mod").second; }
Tensor Tensor::mod(Scalar o) const { return mod(scalar_tensor_like(*this, o)); }
Tensor Tensor::fmod(const Tensor& o) const { return div_mod(*this, o, false, "fmod").second; }
Tensor Tensor::fmod(Scalar o) const { return fmod(scalar_tensor_like(*this, o)); }
Tensor operator%(const Tensor& a, const Tensor& b) { return a.mod(b); }
Tensor operator%(const Tensor& a, Scalar b) { return a.mod(b); }
Tensor operator%(Scalar a, const Tensor& b) { return scalar_tensor_like(b, a).mod(b); }

// ---- bitwise ----
namespace {

void check_bitwise(const Tensor& x, const char* what, bool allow_bool) {
  if (is_int(x.dtype()) || (allow_bool && x.dtype() == DType::bool_)) return;
  throw Error(std::string(what) + ": needs " + (allow_bool ? "integer or bool" : "integer") + " tensors, got " +
              dtype_name(x.dtype()) + (is_float(x.dtype()) ? " (cast to an integer dtype first)" : ""));
}

Tensor bitwise(Op op, const Tensor& a, const Tensor& b, const char* what, bool allow_bool) {
  check_bitwise(a, what, allow_bool);
  check_bitwise(b, what, allow_bool);
  return binary(op, a, b, what);
}

// An int scalar keeps the tensor's dtype; a float scalar is refused (as tinygrad and PyTorch).
Tensor int_scalar_like(const Tensor& x, Scalar s, const char* what) {
  if (s.kind == DType::float32)
    throw Error(std::string(what) + ": needs an integer or bool operand, got the float " + std::to_string(s.value));
  return Tensor(detail::const_like(detail::node_of(x), s.value, s.kind == DType::bool_ ? x.dtype() : detail::scalar_dtype_with(x.dtype(), s)));
}

}  // namespace

Tensor Tensor::bitwise_and(const Tensor& o) const { return bitwise(Op::AND, *this, o, "bitwise_and", true); }
Tensor Tensor::bitwise_or(const Tensor& o) const { return bitwise(Op::OR, *this, o, "bitwise_or", true); }
Tensor Tensor::bitwise_xor(const Tensor& o) const { return bitwise(Op::XOR, *this, o, "bitwise_xor", true); }
Tensor Tensor::bitwise_not() const {
  check_bitwise(*this, "bitwise_not", true);
  return detail::order_inverse(*this);  // x ^ all ones for ints, logical not for bools
}
Tensor Tensor::lshift(const Tensor& bits) const { return bitwise(Op::SHL, *this, bits, "lshift", false); }
Tensor Tensor::rshift(const Tensor& bits) const { return bitwise(Op::SHR, *this, bits, "rshift", false); }
Tensor Tensor::lshift(Scalar bits) const { return lshift(int_scalar_like(*this, bits, "lshift")); }
Tensor Tensor::rshift(Scalar bits) const { return rshift(int_scalar_like(*this, bits, "rshift")); }

Tensor operator&(const Tensor& a, const Tensor& b) { return a.bitwise_and(b); }
Tensor operator&(const Tensor& a, Scalar b) { return a.bitwise_and(int_scalar_like(a, b, "bitwise_and")); }
Tensor operator&(Scalar a, const Tensor& b) { return int_scalar_like(b, a, "bitwise_and").bitwise_and(b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return a.bitwise_or(b); }
Tensor operator|(const Tensor& a, Scalar b) { return a.bitwise_or(int_scalar_like(a, b, "bitwise_or")); }
Tensor operator|(Scalar a, const Tensor& b) { return int_scalar_like(b, a, "bitwise_or").bitwise_or(b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return a.bitwise_xor(b); }
Tensor operator^(const Tensor& a, Scalar b) { return a.bitwise_xor(int_scalar_like(a, b, "bitwise_xor")); }
Tensor operator^(Scalar a, const Tensor& b) { return int_scalar_like(b, a, "bitwise_xor").bitwise_xor(b); }
Tensor operator~(const Tensor& a) { return a.bitwise_not(); }
Tensor operator<<(const Tensor& a, const Tensor& b) { return a.lshift(b); }
Tensor operator<<(const Tensor& a, Scalar b) { return a.lshift(b); }
Tensor operator>>(const Tensor& a, const Tensor& b) { return a.rshift(b); }
Tensor operator>>(const Tensor& a, Scalar b) { return a.rshift(b); }

// ---- copysign, logaddexp ----
// tinygrad's: negative where sign < 0 or 1 / sign < 0 (that is -0); NaN counts as positive. The
// dtype follows the broadcasting rule (PyTorch always gives float).
Tensor Tensor::copysign(const Tensor& sign) const {
  auto [a, b] = detail::broadcast_pair(detail::node_of(*this), detail::node_of(sign), "copysign");
  Tensor x(a), s(b);
  DType d = promote_types(x.dtype(), s.dtype());
  Tensor mag = x.cast(d).abs();
  return tg::where((s < 0).logical_or(s.reciprocal() < 0), -mag, mag);
}
Tensor Tensor::copysign(Scalar sign) const { return copysign(scalar_tensor_like(*this, sign)); }

namespace {
// log(exp(a) + exp(b)) shifted by the larger one; the shift is 0 where that is infinite, so
// -inf and -inf give -inf (tinygrad's form gives NaN there) and inf gives inf.
Tensor logaddexp_impl(const Tensor& a, const Tensor& b) {
  Tensor m = a.maximum(b).detach();
  m = tg::where(m.isfinite(), m, scalar_tensor_like(m, 0.0));
  return ((a - m).exp() + (b - m).exp()).log() + m;
}
}  // namespace

Tensor Tensor::logaddexp(const Tensor& o) const {
  auto [a, b] = promoted(to_float(*this), to_float(o), "logaddexp");
  return logaddexp_impl(a, b);
}
Tensor Tensor::logaddexp(Scalar o) const { return logaddexp(scalar_tensor_like(to_float(*this), o)); }

// ---- closeness ----
Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  auto [a, b] = detail::broadcast_pair(detail::node_of(*this), detail::node_of(other), "isclose");
  Tensor x(a), y(b);
  Tensor finite_close = x.isfinite().logical_and(y.isfinite()).logical_and((x - y).abs() <= atol + rtol * y.abs());
  Tensor inf_close = x.isinf().logical_or(y.isinf()).logical_and(x == y);
  Tensor r = finite_close.logical_or(inf_close);
  if (equal_nan) r = r.logical_or(x.isnan().logical_and(y.isnan()));
  return r;
}
Tensor Tensor::isclose(Scalar other, double rtol, double atol, bool equal_nan) const {
  return isclose(scalar_tensor_like(*this, other), rtol, atol, equal_nan);
}
bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return isclose(other, rtol, atol, equal_nan).all().cast(DType::int32).item<int32_t>() != 0;
}

// ---- reductions ----
std::pair<Tensor, Tensor> Tensor::var_mean(Axes axes, bool keepdim, double correction) const {
  return {var(axes, keepdim, correction), mean(axes, keepdim)};
}
std::pair<Tensor, Tensor> Tensor::std_mean(Axes axes, bool keepdim, double correction) const {
  return {std(axes, keepdim, correction), mean(axes, keepdim)};
}

Tensor Tensor::cummin(int64_t axis) const {
  return detail::order_inverse(detail::order_inverse(*this).cummax(axis));
}

namespace {
constexpr int64_t kLcseBlock = 32;

// logcumsumexp of the last dim, n <= kLcseBlock: out_i = log(sum_{j <= i} exp(x_j - c_i)) + c_i
// with c the running maximum (tinygrad's form: every term <= 1, nothing overflows or underflows
// to a wrong answer). c is 0 where infinite, so -inf entries give -inf, not NaN.
Tensor lcse_triangle(const Tensor& x) {
  const int64_t n = x.shape().back();
  Tensor c = x.cummax(-1).detach();
  c = tg::where(c.isfinite(), c, scalar_tensor_like(c, 0.0));
  TensorOptions o{DType::int32, x.device(), false};
  Tensor i = Tensor::arange(static_cast<double>(n), o);
  Tensor lower = i.reshape({n, 1}) >= i.reshape({1, n});  // [i][j]: j <= i
  Tensor terms = tg::where(lower, x.unsqueeze(-2) - c.unsqueeze(-1), -INFINITY);  // (..., i, j)
  return terms.exp().sum(-1).log() + c;
}

// Blocked as cumsum: each block's own triangle, combined (logaddexp) with the logcumsumexp of the
// block totals before it. n * (B + n / B) terms instead of n * n.
Tensor lcse_last(const Tensor& x) {
  const int64_t n = x.shape().back();
  if (n <= kLcseBlock) return lcse_triangle(x);
  const int64_t blocks = (n + kLcseBlock - 1) / kLcseBlock;
  std::vector<std::pair<int64_t, int64_t>> pad(static_cast<size_t>(x.ndim()), {0, 0});
  pad.back() = {0, blocks * kLcseBlock - n};
  Tensor xb = x.pad(pad, -INFINITY).unflatten(-1, {blocks, kLcseBlock});  // (..., blocks, B)
  Tensor within = lcse_triangle(xb);
  Tensor last = within.slice(-1, kLcseBlock - 1, kLcseBlock).squeeze(-1);  // each block's total
  Tensor totals = lcse_last(last);
  pad.back() = {1, 0};
  Tensor before = totals.pad(pad, -INFINITY).slice(-1, 0, blocks);
  return logaddexp_impl(within, before.unsqueeze(-1)).flatten(-2).slice(-1, 0, n);
}
}  // namespace

Tensor Tensor::logcumsumexp(int64_t axis) const {
  Tensor x = to_float(*this);
  int64_t ax = detail::norm_axis(axis, ndim(), shape().dims(), "logcumsumexp");
  if (ndim() == 0) return x + 0.0;
  if (numel() == 0) return x;
  return lcse_last(x.transpose(ax, -1)).transpose(ax, -1);
}

// ---- nn functional ----
Tensor Tensor::normalize(double p, int64_t dim, double eps) const {
  Tensor x = to_float(*this);
  detail::norm_axis(dim, ndim(), shape().dims(), "normalize");
  Tensor norm;
  if (p == 2.0) norm = x.square().sum(dim, true).sqrt();
  else if (p == 1.0) norm = x.abs().sum(dim, true);
  else if (p == 0.0) norm = (x != 0).cast(x.dtype()).sum(dim, true);
  else if (std::isinf(p)) norm = p > 0 ? x.abs().max(dim, true) : x.abs().min(dim, true);
  else norm = x.abs().pow(p).sum(dim, true).pow(1.0 / p);
  return x / norm.maximum(eps);
}

Tensor Tensor::nll_loss(const Tensor& targets, const std::optional<Tensor>& weight, int64_t ignore_index,
                        const std::string& reduction) const {
  if (!is_int(targets.dtype()))
    throw Error("nll_loss: targets must be an integer tensor of class indices, got " +
                std::string(dtype_name(targets.dtype())));
  if (ndim() == 1 && targets.ndim() == 0) return unsqueeze(0).nll_loss(targets.unsqueeze(0), weight, ignore_index, reduction);
  Tensor x = to_float(*this);
  if (ndim() < 2 || targets.ndim() != ndim() - 1)
    throw Error("nll_loss: expects input (N, C, ...) with targets (N, ...) (or input (C) with targets ()), got " +
                shape().to_string() + " and " + targets.shape().to_string());
  Dims want = shape().dims();
  const int64_t classes = want[1];
  want.erase(want.begin() + 1);
  if (targets.shape().dims() != want)
    throw Error("nll_loss: targets of shape " + targets.shape().to_string() + " do not match input " +
                shape().to_string() + " (expected " + Shape(want).to_string() + ")");
  if (weight && (weight->ndim() != 1 || weight->size(0) != classes))
    throw Error("nll_loss: weight must have shape (" + std::to_string(classes) + "), one per class, got " +
                weight->shape().to_string());
  // One-hot over the classes (dim 1): picks each target's log-probability and weight; an
  // ignored or out-of-range target picks nothing.
  Dims cshape(static_cast<size_t>(ndim()), 1);
  cshape[1] = classes;
  Tensor cls = Tensor::arange(static_cast<double>(classes), TensorOptions{DType::int32, device(), false}).reshape(Shape(cshape));
  Tensor hit = targets.cast(DType::int32).unsqueeze(1) == cls;
  Tensor w = weight ? weight->cast(x.dtype()).reshape(Shape(cshape))
                    : Tensor::ones(Shape(cshape), TensorOptions{x.dtype(), device(), false});
  Tensor wt = tg::where(hit, w, scalar_tensor_like(x, 0.0)).sum(1);  // (N, ...)
  Tensor valid = targets != Scalar(static_cast<long long>(ignore_index));
  wt = tg::where(valid, wt, scalar_tensor_like(wt, 0.0));
  Tensor picked = tg::where(hit, x, scalar_tensor_like(x, 0.0)).sum(1);
  Tensor loss = -picked * wt;
  if (reduction == "mean") return loss.sum() / wt.sum();
  return detail::reduce_loss(loss, reduction, "nll_loss");
}

std::pair<Tensor, Tensor> Tensor::max_pool2d_with_indices(IntPair kernel, std::optional<IntPair> stride,
                                                          IntPair padding, IntPair dilation) const {
  if (ndim() < 2)
    throw Error("max_pool2d_with_indices: needs at least 2 dims (..., H, W), got shape " + shape().to_string());
  if (!is_float(dtype()))
    throw Error("max_pool2d_with_indices: needs a float tensor, got " + std::string(dtype_name(dtype())));
  IntPair s = stride.value_or(kernel);
  const int64_t h = shape()[static_cast<size_t>(ndim() - 2)], w = shape().back();
  auto windows = [&](const Tensor& t, Scalar pad_value) {
    return detail::pool_windows(detail::pad2d(t, padding, pad_value, "max_pool2d_with_indices"), {kernel.h, kernel.w},
                                {s.h, s.w}, {dilation.h, dilation.w}, "max_pool2d_with_indices");
  };
  const Axes window_axes(std::vector<int64_t>{-2, -1});
  Tensor xw = windows(*this, -INFINITY);                           // (..., oH, oW, kH, kW)
  Tensor values = xw.max(window_axes);
  // The input positions, windowed alike; padding never wins (INT32_MAX under a min). Within a
  // window, row-major order is increasing position, so the smallest matching one is the first.
  Tensor pos = Tensor::arange(static_cast<double>(detail::checked_mul(h, w, "max_pool2d_with_indices")),
                              TensorOptions{DType::int32, device(), false})
                   .reshape({h, w});
  Tensor pw = windows(pos, Scalar(INT32_MAX));                     // (oH, oW, kH, kW)
  Tensor at_max = xw == values.unsqueeze(-1).unsqueeze(-1);
  Tensor idx = tg::where(at_max, pw, Scalar(INT32_MAX)).min(window_axes);
  return {values, idx};
}

Tensor Tensor::max_unpool2d(const Tensor& indices, IntPair kernel, std::optional<IntPair> stride, IntPair padding,
                            std::optional<IntPair> output_size) const {
  if (ndim() == 3) {
    return unsqueeze(0).max_unpool2d(indices.ndim() == 3 ? indices.unsqueeze(0) : indices, kernel, stride, padding,
                                     output_size).squeeze(0);
  }
  if (ndim() != 4)
    throw Error("max_unpool2d: needs x of shape (N, C, H, W) or (C, H, W), got " + shape().to_string());
  if (!is_int(indices.dtype()))
    throw Error("max_unpool2d: indices must be an integer tensor (max_pool2d's flat positions), got " +
                std::string(dtype_name(indices.dtype())));
  if (indices.shape() != shape())
    throw Error("max_unpool2d: indices of shape " + indices.shape().to_string() + " do not match x's " +
                shape().to_string());
  if (kernel.h <= 0 || kernel.w <= 0) throw Error("max_unpool2d: the kernel must be positive");
  IntPair s = stride.value_or(kernel);
  if (s.h <= 0 || s.w <= 0) throw Error("max_unpool2d: the stride must be positive");
  const Dims d = shape().dims();
  int64_t oh, ow;
  if (output_size) {
    oh = output_size->h, ow = output_size->w;
  } else {
    oh = (d[2] - 1) * s.h - 2 * padding.h + kernel.h;
    ow = (d[3] - 1) * s.w - 2 * padding.w + kernel.w;
  }
  if (oh <= 0 || ow <= 0)
    throw Error("max_unpool2d: the output size (" + std::to_string(oh) + ", " + std::to_string(ow) +
                ") must be positive (check kernel, stride, padding and output_size)");
  const int64_t plane = detail::checked_mul(oh, ow, "max_unpool2d"), in = d[2] * d[3];
  Tensor pos = Tensor::arange(static_cast<double>(plane), TensorOptions{DType::int32, device(), false})
                   .reshape({1, 1, 1, plane});
  Tensor hit = indices.cast(DType::int32).reshape({d[0], d[1], in, 1}) == pos;  // (N, C, H*W, oH*oW)
  Tensor v = reshape({d[0], d[1], in, 1});
  const auto& vn = detail::node_of(v);
  Tensor picked = tg::where(hit, v, Tensor(detail::const_like(vn, 0, vn->dtype)));
  return picked.sum(2).reshape({d[0], d[1], oh, ow});
}

}  // namespace tg
