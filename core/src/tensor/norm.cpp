// Normalization and dropout in the Tensor layer (tinygrad's batchnorm, layernorm, dropout).
#include "tensor/autocast.hpp"
#include "tensor/nn_ops.hpp"

namespace tg {

Tensor Tensor::batchnorm(const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, const Tensor& mean,
                         const Tensor& invstd, Axes axis) const {
  detail::Dims ax = detail::norm_axes(axis, shape().dims(), "batchnorm");
  detail::Dims pshape(static_cast<size_t>(ndim()), 1);
  for (int64_t a : ax) pshape[static_cast<size_t>(a)] = shape()[static_cast<size_t>(a)];
  auto fit = [&](const Tensor& t, const char* name) {
    int64_t want = 1;
    for (int64_t a : ax) want *= shape()[static_cast<size_t>(a)];
    if (t.numel() != want)
      throw Error(std::string("batchnorm: ") + name + " has shape " + t.shape().to_string() + " but the input " +
                  shape().to_string() + " needs " + std::to_string(want) + " values along the normalized axes");
    return t.reshape(Shape(pshape));
  };
  Tensor x = *this - fit(mean, "mean");
  if (weight) x = x * fit(*weight, "weight");
  Tensor r = x * fit(invstd, "invstd");
  return bias ? r + fit(*bias, "bias") : r;
}

Tensor Tensor::layernorm(Axes axis, float eps) const {
  Tensor x = detail::autocast_widen(detail::to_float(*this));  // float32 under autocast, as PyTorch
  Tensor y = x - x.mean(axis, true);
  return y * ((y * y).mean(axis, true) + eps).rsqrt();
}

Tensor Tensor::rms_norm(Axes axis, float eps) const {
  Tensor x = detail::to_float(*this);
  return x * (x.square().mean(axis, true) + eps).rsqrt();
}

Tensor Tensor::dropout(float p) const {
  if (!(p >= 0.0f && p <= 1.0f)) throw Error("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!Tensor::training || p == 0.0f) return *this;
  if (p == 1.0f) return *this * 0.0f;
  Tensor keep = Tensor::rand(shape(), TensorOptions{DType::float32, device(), false}) >= p;
  return tg::where(keep, detail::to_float(*this) * (1.0 / (1.0 - static_cast<double>(p))), 0.0f);
}

}  // namespace tg
