// Sliding windows and conv2d, built from movement ops, mul and sum (tinygrad's _pool and conv2d),
// so they run on every device and their gradients follow from the ops they are made of.
#include <algorithm>
#include <numeric>

#include "graph/conv_graph.hpp"
#include "runtime/runtime.hpp"
#include "tensor/autocast.hpp"
#include "tensor/nn_ops.hpp"

namespace tg {
namespace {

using detail::Dims;
using Ranges = std::vector<std::pair<int64_t, int64_t>>;

int64_t ceildiv(int64_t a, int64_t b) { return a / b + (a % b != 0); }  // a >= 0, b > 0: no a + b overflow

std::string pair_str(const IntPair& p) { return "(" + std::to_string(p.h) + ", " + std::to_string(p.w) + ")"; }

// Whether a window of k taps dilated by d (d * (k - 1) + 1 wide) fits in i; k, d > 0. Computed
// without overflow: a dilation near 2^63 is a user's input.
bool window_fits(int64_t k, int64_t d, int64_t i) { return k <= 1 ? d * (k - 1) + 1 <= i : d <= (i - 1) / (k - 1); }

}  // namespace

namespace detail {

// Windows over the last k.size() dims: (..., i...) -> (..., o..., k...), o = ceil((i - d(k-1)) / s).
// Overlapping or dilated windows repeat the input so that a reshape shifts row r by r*d
// (one copy); otherwise the windows are a plain pad/reshape/shrink view.
Tensor pool_windows(const Tensor& x, const Dims& k, const Dims& s_arg, const Dims& d, const char* what) {
  const size_t n = k.size();
  Dims s = s_arg;
  if (x.ndim() < static_cast<int64_t>(n))
    throw Error(std::string(what) + ": needs at least " + std::to_string(n) + " dims, got shape " + x.shape().to_string());
  const size_t lead = static_cast<size_t>(x.ndim()) - n;
  Dims shape = x.shape().dims();
  Dims noop(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(lead)), i(shape.begin() + static_cast<std::ptrdiff_t>(lead), shape.end()), o(n);
  for (size_t j = 0; j < n; j++) {
    if (k[j] <= 0 || s[j] <= 0 || d[j] <= 0)
      throw Error(std::string(what) + ": kernel, stride and dilation must be positive");
    if (!window_fits(k[j], d[j], i[j]))
      throw Error(std::string(what) + ": the window (kernel " + std::to_string(k[j]) + ", dilation " +
                  std::to_string(d[j]) + ") is larger than the (padded) input's spatial size " + std::to_string(i[j]) +
                  " in input shape " + x.shape().to_string());
    o[j] = ceildiv(i[j] - d[j] * (k[j] - 1), s[j]);
    if (o[j] == 1) s[j] = std::min(s[j], i[j]);  // one window: a stride past the input is the same (and no 2^63 pad)
  }
  auto full = [&](const Dims& tail) {
    Dims r = noop;
    r.insert(r.end(), tail.begin(), tail.end());
    return Shape(r);
  };
  auto ranges = [&](const Ranges& tail) {
    Ranges r;
    for (int64_t v : noop) r.push_back({0, v});
    r.insert(r.end(), tail.begin(), tail.end());
    return r;
  };
  std::vector<int64_t> order(lead);
  std::iota(order.begin(), order.end(), 0);
  bool overlap = false;
  for (size_t j = 0; j < n; j++) overlap |= k[j] > s[j] || d[j] != 1;
  Tensor y = x;
  if (overlap) {
    std::vector<int64_t> reps(lead, 1);
    Dims span(n);  // k rows of i + d: row r starts at r * (i + d) = (input index r * d) of row 0 + r * i
    for (size_t j = 0; j < n; j++) span[j] = detail::checked_mul(k[j], detail::checked_add(i[j], d[j], what), what);
    for (size_t j = 0; j < n; j++) reps.push_back(ceildiv(span[j], i[j]));
    y = y.repeat(reps);
    Ranges r;
    Dims rows, rowpad;
    for (size_t j = 0; j < n; j++) {
      r.push_back({0, span[j]});
      rows.insert(rows.end(), {k[j], i[j] + d[j]});
    }
    y = y.shrink(ranges(r)).reshape(full(rows));  // row r of dim j starts at input index r*d
    std::vector<std::pair<int64_t, int64_t>> pads(lead, {0, 0});
    bool need_pad = false;
    for (size_t j = 0; j < n; j++) {
      int64_t extra = std::max<int64_t>(0, o[j] * s[j] - (i[j] + d[j]));  // never read; keeps the reshape valid
      need_pad |= extra > 0;
      pads.insert(pads.end(), {{0, 0}, {0, extra}});
    }
    if (need_pad) y = y.pad(pads);
    Ranges r2, r3;
    Dims kos, ko;
    for (size_t j = 0; j < n; j++) {
      r2.insert(r2.end(), {{0, k[j]}, {0, o[j] * s[j]}});
      kos.insert(kos.end(), {k[j], o[j], s[j]});
      r3.insert(r3.end(), {{0, k[j]}, {0, o[j]}, {0, 1}});
      ko.insert(ko.end(), {k[j], o[j]});
    }
    y = y.shrink(ranges(r2)).reshape(full(kos)).shrink(ranges(r3)).reshape(full(ko));
    for (size_t j = 0; j < n; j++) order.push_back(static_cast<int64_t>(lead + 2 * j + 1));
    for (size_t j = 0; j < n; j++) order.push_back(static_cast<int64_t>(lead + 2 * j));
    return y.permute(order);
  }
  std::vector<std::pair<int64_t, int64_t>> pads(lead, {0, 0});
  Ranges r, r2;
  Dims os;
  for (size_t j = 0; j < n; j++) {
    pads.push_back({0, std::max<int64_t>(0, o[j] * s[j] - i[j])});
    r.push_back({0, o[j] * s[j]});
    os.insert(os.end(), {o[j], s[j]});
    r2.insert(r2.end(), {{0, o[j]}, {0, k[j]}});
  }
  y = y.pad(pads).shrink(ranges(r)).reshape(full(os)).shrink(ranges(r2));
  for (size_t j = 0; j < n; j++) order.push_back(static_cast<int64_t>(lead + 2 * j));
  for (size_t j = 0; j < n; j++) order.push_back(static_cast<int64_t>(lead + 2 * j + 1));
  return y.permute(order);
}

// Zero padding of the last two dims by (h, w) on both sides.
Tensor pad2d(const Tensor& x, const IntPair& p, Scalar value, const char* what) {
  if (p.h < 0 || p.w < 0) throw Error(std::string(what) + ": padding must be >= 0, got " + pair_str(p));
  if (p.h == 0 && p.w == 0) return x;
  std::vector<std::pair<int64_t, int64_t>> pads(static_cast<size_t>(x.ndim()) - 2, {0, 0});
  pads.push_back({p.h, p.h});
  pads.push_back({p.w, p.w});
  return x.pad(pads, value);
}

}  // namespace detail

namespace {

// Up to this many kernel taps, conv2d gathers its patches with one shifted view per tap;
// larger kernels use the repeat-based windows (their patch kernel would grow with every tap).
constexpr int64_t kMaxIm2colTaps = 64;

// Elements start, start + step, ... (count of them) of dim `dim`, as a view.
Tensor strided_slice(const Tensor& x, int64_t dim, int64_t start, int64_t count, int64_t step) {
  const size_t d = static_cast<size_t>(dim);
  const Dims dims = x.shape().dims();
  const int64_t size = dims[d];
  Ranges r;
  for (int64_t v : dims) r.push_back({0, v});
  const int64_t end = std::min(size, start + count * step);
  r[d] = {start, end};
  Tensor y = x.shrink(r);
  if (step == 1) return y;
  std::vector<std::pair<int64_t, int64_t>> pads(dims.size(), {0, 0});
  pads[d] = {0, count * step - (end - start)};  // never read: only every step-th element is kept
  Dims split = y.shape().dims();
  split[d] = count * step;
  split.insert(split.begin() + static_cast<std::ptrdiff_t>(d) + 1, step);
  split[d] = count;
  y = y.pad(pads).reshape(Shape(split));
  Ranges keep;
  for (int64_t v : split) keep.push_back({0, v});
  keep[d + 1] = {0, 1};
  Dims out = dims;
  out[d] = count;
  return y.shrink(keep).reshape(Shape(out));
}

// conv2d as im2col + matmul: the patches (N, OH, OW, C_in, kH*kW) are gathered by one fused
// kernel of kH*kW shifted views and made contiguous, so the product is a plain matmul that
// devices with a matmul fast path (oneDNN) run as a GEMM. The gradient of the gather is the
// same fused sum of shifted views (col2im), again one kernel.
Tensor conv_im2col(const Tensor& x, const Tensor& weight, const Dims& s, const Dims& d, int64_t groups) {
  const Dims xs = x.shape().dims(), ws = weight.shape().dims();
  const int64_t bs = xs[0], cout = ws[0], cin = ws[1], kh = ws[2], kw = ws[3];
  const int64_t kext_h = d[0] * (kh - 1) + 1, kext_w = d[1] * (kw - 1) + 1;  // (checked by conv2d)
  const int64_t oy = ceildiv(xs[2] - kext_h + 1, s[0]), ox = ceildiv(xs[3] - kext_w + 1, s[1]);
  const Tensor xt = x.permute({0, 2, 3, 1});  // (N, H, W, C_in): channels innermost in every patch row
  std::vector<Tensor> taps;
  for (int64_t ky = 0; ky < kh; ky++)
    for (int64_t kx = 0; kx < kw; kx++)
      taps.push_back(strided_slice(strided_slice(xt, 1, ky * d[0], oy, s[0]), 2, kx * d[1], ox, s[1]));
  const int64_t p = bs * oy * ox, k = cin * kh * kw, rcout = cout / groups;
  Tensor cols = stack(taps, -1).contiguous().reshape({p, groups, k});  // (N*OH*OW, groups, C_in*kH*kW)
  Tensor w = weight.reshape({groups, rcout, k});
  Tensor out;
  if (groups == 1) {
    out = cols.reshape({p, k}).matmul(w.reshape({rcout, k}).transpose());  // (P, C_out)
  } else {
    out = cols.permute({1, 0, 2}).matmul(w.permute({0, 2, 1}))  // (groups, P, C_out / groups)
              .permute({1, 0, 2});
  }
  return out.reshape({bs, oy, ox, cout}).permute({0, 3, 1, 2});
}

// conv2d over tinygrad-style windows (pool_windows), multiplied and summed in one reduce.
Tensor conv_windows(const Tensor& x, const Tensor& weight, const Dims& s, const Dims& d, int64_t groups) {
  const Dims ws = weight.shape().dims();
  const int64_t bs = x.shape()[0], cout = ws[0], cin = ws[1], kh = ws[2], kw = ws[3];
  Tensor y = detail::pool_windows(x, {kh, kw}, s, d, "conv2d");  // (bs, cin_all, oy, ox, kh, kw)
  const int64_t oy = y.shape()[2], ox = y.shape()[3], rcout = cout / groups;
  y = y.reshape({bs, groups, cin, 1, oy, ox, kh, kw})
          .expand({bs, groups, cin, rcout, oy, ox, kh, kw})
          .permute({0, 1, 3, 4, 5, 2, 6, 7});  // (bs, groups, rcout, oy, ox, cin, kh, kw)
  return (y * weight.reshape({1, groups, rcout, 1, 1, cin, kh, kw}))
      .sum(Axes(std::vector<int64_t>{-1, -2, -3}), true)
      .reshape({bs, cout, oy, ox});
}

}  // namespace

Tensor Tensor::pool2d_windows(IntPair kernel, IntPair stride, IntPair dilation) const {
  return detail::pool_windows(*this, {kernel.h, kernel.w}, {stride.h, stride.w}, {dilation.h, dilation.w},
                              "pool2d_windows");
}

Tensor Tensor::conv2d(const Tensor& weight, const std::optional<Tensor>& bias, IntPair stride, IntPair padding,
                      IntPair dilation, int64_t groups) const {
  if (auto dt = detail::autocast_for(*this, weight, bias))
    return detail::autocast_to(*this, *dt).conv2d(detail::autocast_to(weight, *dt), detail::autocast_to(bias, *dt), stride,
                                                 padding, dilation, groups);
  if (ndim() != 4 || weight.ndim() != 4)
    throw Error("conv2d: needs input (N, C_in, H, W) and weight (C_out, C_in / groups, kH, kW), got " +
                shape().to_string() + " and " + weight.shape().to_string());
  Dims xs = shape().dims(), ws = weight.shape().dims();
  const int64_t cin_all = xs[1], cout = ws[0], cin = ws[1], kh = ws[2], kw = ws[3];
  if (groups <= 0) throw Error("conv2d: groups must be positive, got " + std::to_string(groups));
  int64_t groups_cin = 0;
  if (__builtin_mul_overflow(groups, cin, &groups_cin) || groups_cin != cin_all || cout % groups != 0)
    throw Error("conv2d: input " + shape().to_string() + " and weight " + weight.shape().to_string() + " with groups=" +
                std::to_string(groups) + " do not fit: need C_in (" + std::to_string(cin_all) + ") == groups (" +
                std::to_string(groups) + ") * weight dim 1 (" + std::to_string(cin) + ") and C_out (" + std::to_string(cout) + ") divisible by groups");
  if (bias && (bias->ndim() != 1 || bias->shape()[0] != cout))
    throw Error("conv2d: bias must have shape (" + std::to_string(cout) + "), got " + bias->shape().to_string());
  Tensor x = detail::pad2d(*this, padding, 0.0f, "conv2d");
  if (stride.h <= 0 || stride.w <= 0 || dilation.h <= 0 || dilation.w <= 0)
    throw Error("conv2d: stride and dilation must be positive, got stride " + pair_str(stride) +
                " and dilation " + pair_str(dilation));
  if (!window_fits(kh, dilation.h, x.shape()[2]) || !window_fits(kw, dilation.w, x.shape()[3]))
    throw Error("conv2d: the kernel (" + std::to_string(kh) + "x" + std::to_string(kw) + ", dilation " +
                pair_str(dilation) + ") is larger than the padded input " + x.shape().to_string());
  const auto& xn = detail::node_of(x);
  const bool fast_conv = groups == 1 && kh * kw <= kMaxIm2colTaps && (xn->device->caps().fast_paths & TG_FAST_CONV);
  if (fast_conv && (xn->dtype == DType::bfloat16 || xn->dtype == DType::float16) && weight.dtype() == xn->dtype &&
      (!bias || bias->dtype() == xn->dtype)) {
    // A half-precision convolution (autocast) on a device whose own convolution is float32 only
    // (a CPU without bfloat16 arithmetic, where the generic half path is 20-70x slower): the
    // half values are widened for the device's convolution, which accumulates in float32 as
    // half-precision hardware does, and the result is stored in half again.
    detail::AutocastOff keep_float32;
    const DType half = xn->dtype;
    std::optional<Tensor> wide_bias;
    if (bias) wide_bias = bias->cast(DType::float32);
    return x.cast(DType::float32)
        .conv2d(weight.cast(DType::float32), wide_bias, stride, 0, dilation, 1)
        .cast(half);
  }
  if (fast_conv && xn->dtype == DType::float32 && weight.dtype() == DType::float32) {
    // The device runs convolutions itself (forward and both gradients): the direct form.
    if (weight.device() != device())
      throw Error("conv2d: input and weight are on different devices (" + device() + " and " + weight.device() +
                  "): move one with .to(\"" + device() + "\")");
    Tensor out = detail::make_result(detail::conv2d_direct(xn, detail::node_of(weight), {stride.h, stride.w},
                                                           {dilation.h, dilation.w}));
    return bias ? out + bias->reshape({1, cout, 1, 1}) : out;
  }
  if (kh * kw > kMaxIm2colTaps) {
    Tensor out = conv_windows(x, weight, {stride.h, stride.w}, {dilation.h, dilation.w}, groups);
    return bias ? out + bias->reshape({1, cout, 1, 1}) : out;
  }
  // The product comes out channels-last (N, OH, OW, C_out); the bias is added as it is stored
  // back channels-first, so what follows (activations, pooling) reads contiguous memory.
  Tensor out = conv_im2col(x, weight, {stride.h, stride.w}, {dilation.h, dilation.w}, groups);
  return (bias ? out + bias->reshape({1, cout, 1, 1}) : out).contiguous();
}

}  // namespace tg
