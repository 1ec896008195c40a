// interpolate and adaptive_avg_pool2d. Both are separable: along each resized dim an output
// element reads at most a few inputs (two for linear interpolation, one for nearest, a window
// for adaptive pooling) at indices fixed by the sizes alone, computed here on the host and read
// with gather, so gradients follow from gather's and an inf or nan in the input stays where it
// was read (a matrix product over the whole dim would spread it: 0 * inf is nan).
#include <cmath>

#include "tensor/nn_ops.hpp"

namespace tg {

using detail::Dims;

namespace {

// x[..., idx[i], ...] along dim d for i in 0..idx.size().
Tensor take(const Tensor& x, int64_t d, const std::vector<int32_t>& idx) {
  const int64_t out = static_cast<int64_t>(idx.size());
  Dims is(static_cast<size_t>(x.ndim()), 1), full = x.shape().dims();
  is[static_cast<size_t>(d)] = out;
  full[static_cast<size_t>(d)] = out;
  Tensor i(idx, Shape(is), TensorOptions{DType::int32, x.device(), false});
  return x.gather(d, i.expand(Shape(full)));
}

// A float32 tensor holding v along dim d of an nd-dim shape (size 1 elsewhere), to broadcast.
Tensor along(const std::vector<float>& v, int64_t d, int64_t nd, const std::string& device) {
  Dims s(static_cast<size_t>(nd), 1);
  s[static_cast<size_t>(d)] = static_cast<int64_t>(v.size());
  return Tensor(v, Shape(s), TensorOptions{DType::float32, device, false});
}

std::string size_str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); i++) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

// Linear upscaling of dim d by an integer factor r (align_corners false): output r * i + t sits
// at input position i + f_t, f_t = (2t + 1 - r) / (2r), the same for every i. So phase t is x
// and its neighbour (before when f_t < 0, after otherwise; the edge repeated, as PyTorch clamps)
// mixed with fixed weights: shifted views and one elementwise pass, no gather over the dim (a
// U-Net's 2x bilinear upsample of (8, 64, 64, 64): 2.1 s with gathers).
Tensor upscale_linear(const Tensor& x, int64_t d, int64_t r) {
  const int64_t in = x.size(d);
  Tensor before = in > 1 ? tg::cat({x.slice(d, 0, 1), x.slice(d, 0, in - 1)}, d) : x;
  Tensor after = in > 1 ? tg::cat({x.slice(d, 1, in), x.slice(d, in - 1, in)}, d) : x;
  std::vector<Tensor> phases;
  for (int64_t t = 0; t < r; t++) {
    const double f = static_cast<double>(2 * t + 1 - r) / static_cast<double>(2 * r);
    phases.push_back(f < 0 ? before * static_cast<float>(-f) + x * static_cast<float>(1 + f)
                           : x * static_cast<float>(1 - f) + after * static_cast<float>(f));
  }
  Dims merged = x.shape().dims();
  merged[static_cast<size_t>(d)] = in * r;
  return tg::stack(phases, d + 1).reshape(Shape(merged));
}

}  // namespace

Tensor Tensor::interpolate(std::vector<int64_t> size, const std::string& mode, bool align_corners) const {
  const bool nearest = mode == "nearest", exact = mode == "nearest-exact";
  const bool linear = mode == "linear" || mode == "bilinear" || mode == "trilinear";
  if (!nearest && !exact && !linear)
    throw Error("interpolate: mode is \"" + mode +
                "\"; use \"nearest\", \"nearest-exact\", \"linear\", \"bilinear\" or \"trilinear\"");
  if (align_corners && !linear)
    throw Error("interpolate: align_corners is only for the linear modes (\"linear\", \"bilinear\", \"trilinear\"), "
                "not \"" + mode + "\"");
  if (size.empty() || static_cast<int64_t>(size.size()) > ndim())
    throw Error("interpolate: size " + size_str(size) + " must name 1 to " + std::to_string(ndim()) +
                " trailing dims of the input " + shape().to_string());
  const size_t want = mode == "bilinear" ? 2 : mode == "trilinear" ? 3 : 0;
  if (want && size.size() != want)
    throw Error("interpolate: \"" + mode + "\" resizes " + std::to_string(want) + " dims, got size " + size_str(size) +
                " (\"linear\" takes any number)");
  for (int64_t s : size)
    if (s <= 0) throw Error("interpolate: every output size must be positive, got " + size_str(size));
  const bool int_input = !is_float(dtype());
  if (nearest || exact) {
    Tensor x = *this;
    for (size_t k = 0; k < size.size(); k++) {
      const int64_t d = ndim() - static_cast<int64_t>(size.size()) + static_cast<int64_t>(k);
      const int64_t in = this->size(d), out = size[k];
      // PyTorch's arithmetic, in float32: source index floor(scale * i) (+ 0.5 for nearest-exact).
      const float scale = static_cast<float>(in) / static_cast<float>(out);
      std::vector<int32_t> src(static_cast<size_t>(out));
      for (int64_t i = 0; i < out; i++) {
        const float pos = exact ? scale * (static_cast<float>(i) + 0.5f) : scale * static_cast<float>(i);
        src[static_cast<size_t>(i)] = static_cast<int32_t>(std::min<int64_t>(static_cast<int64_t>(std::floor(pos)), in - 1));
      }
      // An integer upscale whose indices are i / r (as PyTorch's float arithmetic gives them for
      // every usual factor) is a view: each element repeated r times, no gather.
      const int64_t r = out % in == 0 ? out / in : 0;
      bool repeat = r > 0;
      for (int64_t i = 0; repeat && i < out; i++) repeat = src[static_cast<size_t>(i)] == i / r;
      if (repeat) {
        Dims one = x.shape().dims(), wide = one, merged = one;
        one.insert(one.begin() + static_cast<std::ptrdiff_t>(d) + 1, 1);
        wide.insert(wide.begin() + static_cast<std::ptrdiff_t>(d) + 1, r);
        merged[static_cast<size_t>(d)] = out;
        x = x.reshape(Shape(one)).expand(Shape(wide)).reshape(Shape(merged));
      } else {
        x = take(x, d, src);
      }
    }
    return x;
  }
  Tensor x = detail::to_float(*this);
  for (size_t k = 0; k < size.size(); k++) {
    const int64_t d = ndim() - static_cast<int64_t>(size.size()) + static_cast<int64_t>(k);
    const int64_t in = this->size(d), out = size[k];
    if (!align_corners && out % in == 0 && out > in) {
      x = upscale_linear(x, d, out / in);
      continue;
    }
    // Source position num / den, exact in integers: i * (in - 1) / (out - 1) with aligned
    // corners, else (i + 0.5) * in / out - 0.5 = ((2i + 1) in - out) / (2 out), clamped to the input.
    std::vector<int32_t> lo(static_cast<size_t>(out)), hi(static_cast<size_t>(out));
    std::vector<float> w_lo(static_cast<size_t>(out)), w_hi(static_cast<size_t>(out));
    for (int64_t i = 0; i < out; i++) {
      int64_t num, den;
      if (align_corners) num = i * (in - 1), den = out > 1 ? out - 1 : 1;
      else num = (2 * i + 1) * in - out, den = 2 * out;
      num = std::max<int64_t>(0, std::min(num, (in - 1) * den));
      const size_t u = static_cast<size_t>(i);
      lo[u] = static_cast<int32_t>(num / den);
      hi[u] = static_cast<int32_t>(std::min<int64_t>(num / den + 1, in - 1));
      w_hi[u] = static_cast<float>(num % den) / static_cast<float>(den);
      w_lo[u] = 1.0f - w_hi[u];
    }
    // PyTorch's w0 * x0 + w1 * x1 (not a lerp: x1 - x0 would be nan between two infinities).
    x = take(x, d, lo) * along(w_lo, d, x.ndim(), device()) + take(x, d, hi) * along(w_hi, d, x.ndim(), device());
  }
  // Integers round to the nearest value, as PyTorch's uint8 interpolation.
  return int_input ? x.round().cast(dtype()) : x;
}

Tensor Tensor::adaptive_avg_pool2d(IntPair output_size) const {
  if (ndim() < 2)
    throw Error("adaptive_avg_pool2d: needs at least 2 dims (..., H, W), got shape " + shape().to_string());
  if (output_size.h <= 0 || output_size.w <= 0)
    throw Error("adaptive_avg_pool2d: output_size must be positive, got (" + std::to_string(output_size.h) + ", " +
                std::to_string(output_size.w) + ")");
  const int64_t H = size(-2), W = size(-1);
  if (H == 0 || W == 0)
    throw Error("adaptive_avg_pool2d: the input " + shape().to_string() + " has an empty spatial dim");
  // Evenly divided: plain average pooling (windows that tile the input).
  if (H % output_size.h == 0 && W % output_size.w == 0) {
    const IntPair k(H / output_size.h, W / output_size.w);
    return avg_pool2d(k, k);
  }
  // Otherwise PyTorch's windows, which vary in size and may overlap: output i of a dim averages
  // inputs floor(i * in / out) to ceil((i + 1) * in / out); tap t of every window is one gather,
  // masked where the window is shorter.
  Tensor x = detail::to_float(*this);
  for (int64_t d : {ndim() - 2, ndim() - 1}) {
    const int64_t in = d == ndim() - 2 ? H : W, out = d == ndim() - 2 ? output_size.h : output_size.w;
    int64_t taps = 0;
    for (int64_t i = 0; i < out; i++) taps = std::max(taps, ((i + 1) * in + out - 1) / out - i * in / out);
    Tensor sum;
    for (int64_t t = 0; t < taps; t++) {
      std::vector<int32_t> idx(static_cast<size_t>(out));
      std::vector<float> w(static_cast<size_t>(out));
      for (int64_t i = 0; i < out; i++) {
        const int64_t lo = i * in / out, hi = ((i + 1) * in + out - 1) / out;
        idx[static_cast<size_t>(i)] = static_cast<int32_t>(std::min(lo + t, hi - 1));
        w[static_cast<size_t>(i)] = lo + t < hi ? 1.0f / static_cast<float>(hi - lo) : 0.0f;
      }
      Tensor part = tg::where(along(w, d, ndim(), device()) > 0.0f, take(x, d, idx), 0.0f) * along(w, d, ndim(), device());
      sum = t == 0 ? part : sum + part;
    }
    x = sum;
  }
  return x;
}

}  // namespace tg
