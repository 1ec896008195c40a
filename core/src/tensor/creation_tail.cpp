// The long tail of creators and properties: empty_like, randn_like, randperm, kaiming_normal,
// scaled_uniform, nbytes, bitcast.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "tensor/ops.hpp"

namespace tg {

using detail::Dims;
using detail::like;

Tensor Tensor::empty_like(const Tensor& t, TensorOptions opts) { return empty(t.shape(), like(t, opts)); }
Tensor Tensor::randn_like(const Tensor& t, TensorOptions opts) {
  opts = like(t, opts);
  if (!is_float(*opts.dtype)) opts.dtype = default_float;
  return randn(t.shape(), opts);
}

// tinygrad's rand(n).argsort(): the order of n random keys. The keys are 63-bit integers from
// the seeded stream (randint), sorted on the host, so that ties (which would bias the order) are
// practically absent.
Tensor Tensor::randperm(int64_t n, TensorOptions opts) {
  if (n < 0) throw Error("randperm: n must be >= 0, got " + std::to_string(n));
  if (opts.dtype && !is_int(*opts.dtype) && !is_float(*opts.dtype))
    throw Error(std::string("randperm: needs an integer or float dtype, got ") + dtype_name(*opts.dtype));
  std::vector<int64_t> keys;
  if (n > 0) {
    TensorOptions ko{DType::int64, opts.device, false};
    keys = Tensor::randint(0, INT64_MAX, {n}, ko).to_vector<int64_t>();
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
  if (!opts.dtype) opts.dtype = default_int;
  return Tensor(std::move(order), Shape({n}), opts);
}

Tensor Tensor::kaiming_normal(Shape shape, double a, TensorOptions opts) {
  int64_t fan_in = 1;
  for (size_t i = 1; i < shape.size(); i++) fan_in *= shape[i];
  double sd = std::sqrt(2.0 / (1.0 + a * a)) / std::sqrt(static_cast<double>(std::max<int64_t>(fan_in, 1)));
  return normal(shape, 0.0, sd, opts);
}

Tensor Tensor::scaled_uniform(Shape shape, TensorOptions opts) {
  double scale = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(shape.numel(), 1)));
  return uniform(shape, -scale, scale, opts);
}

Tensor Tensor::eye(int64_t n, int64_t m, TensorOptions opts) {
  if (n < 0 || m < 0)
    throw Error("eye: n and m must be >= 0, got (" + std::to_string(n) + ", " + std::to_string(m) + ")");
  const int64_t k = std::min(n, m);
  Tensor square = eye(k, opts);
  return detail::make_leaf(detail::pad(detail::node_of(square), {{0, n - k}, {0, m - k}}), opts);
}

int64_t Tensor::nbytes() const { return numel() * dtype_size(dtype()); }

Tensor Tensor::bitcast(DType to) const {
  const int64_t from_size = dtype_size(dtype()), to_size = dtype_size(to);
  if (dtype() == to) return detach();
  Dims s = shape().dims();
  if (from_size != to_size) {
    if (s.empty())
      throw Error(std::string("bitcast: a 0-d ") + dtype_name(dtype()) + " cannot become " + dtype_name(to) +
                  " (the element sizes differ; only the last dim can be rescaled)");
    const int64_t bytes = detail::checked_mul(s.back(), from_size, "bitcast");
    if (bytes % to_size != 0)
      throw Error("bitcast: the last dim of shape " + shape().to_string() + " holds " + std::to_string(bytes) +
                  " bytes of " + dtype_name(dtype()) + ", not a whole number of " + dtype_name(to) + " (" +
                  std::to_string(to_size) + " bytes each)");
    s.back() = bytes / to_size;
  }
  std::vector<uint8_t> raw = bytes();
  return from_blob(raw.data(), Shape(s), to, TensorOptions{to, device(), false});
}

}  // namespace tg
