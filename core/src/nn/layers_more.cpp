// RMSNorm, InstanceNorm, Dropout and LSTMCell (PyTorch's shapes, defaults and names).
#include <cmath>

#include "nn/deferred.hpp"
#include "nn/param_options.hpp"
#include "tg/nn_layers_more.hpp"

namespace tg::nn {

RMSNorm::RMSNorm(int64_t dim_, float eps_, bool affine, TensorOptions options) : dim(dim_), eps(eps_) {
  const TensorOptions o = internal::param_options(options, "RMSNorm");
  internal::positive(dim, "RMSNorm", "dim");
  if (affine) {
    weight = Tensor::ones({dim}, o);
    register_parameter("weight", *weight);
  }
}

Tensor RMSNorm::operator()(const Tensor& x) const {
  if (x.ndim() == 0 || x.shape().back() != dim)
    throw Error("RMSNorm: the input " + x.shape().to_string() + " must end in dim " + std::to_string(dim));
  Tensor y = x.rms_norm(-1, eps);
  return weight ? y * *weight : y;
}

InstanceNorm::InstanceNorm(int64_t n, float eps_, float momentum_, bool affine, bool track, TensorOptions options)
    : num_features(n), eps(eps_), momentum(momentum_), track_running_stats(track) {
  const TensorOptions o = internal::param_options(options, "InstanceNorm");
  internal::positive(n, "InstanceNorm", "num_features");
  if (affine) {
    weight = Tensor::ones({n}, o);
    bias = Tensor::zeros({n}, o);
    register_parameter("weight", *weight);
    register_parameter("bias", *bias);
  }
  if (track) {
    running_mean = Tensor::zeros({n}, o);
    running_var = Tensor::ones({n}, o);
    num_batches_tracked = Tensor(int64_t{0}, internal::counter_options(o));
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    register_buffer("num_batches_tracked", num_batches_tracked);
  }
}

Tensor InstanceNorm::operator()(const Tensor& x) const {
  if (x.ndim() < 3 || x.shape()[1] != num_features)
    throw Error("InstanceNorm: expected input (N, " + std::to_string(num_features) + ", spatial...), got " +
                x.shape().to_string() + " (an unbatched (C, ...) input: unsqueeze(0) it first)");
  std::vector<int64_t> cs(static_cast<size_t>(x.ndim()), 1);
  cs[1] = num_features;
  std::vector<int64_t> spatial;
  for (int64_t d = 2; d < x.ndim(); d++) spatial.push_back(d);
  auto affine = [&](Tensor y) { return weight ? y * weight->reshape(Shape(cs)) + bias->reshape(Shape(cs)) : y; };
  if (track_running_stats && !is_training()) {
    Tensor y = (x - running_mean.reshape(Shape(cs))) * (running_var.reshape(Shape(cs)) + eps).rsqrt();
    return affine(y);
  }
  Tensor xf = x.cast(is_float(x.dtype()) ? x.dtype() : DType::float32);
  Tensor mean = xf.mean(spatial, true);  // (N, C, 1, ...)
  Tensor y = xf - mean;
  Tensor var = (y * y).mean(spatial, true);
  if (track_running_stats) {
    Tensor rm = running_mean, rv = running_var, nb = num_batches_tracked;
    if (!rm.is_realized() || !rv.is_realized() || !nb.is_realized()) {
      rm.realize();
      rv.realize();
      nb.realize();
    }
    int64_t n = 1;
    for (int64_t d : spatial) n *= x.shape()[static_cast<size_t>(d)];
    const double unbias = n > 1 ? static_cast<double>(n) / static_cast<double>(n - 1) : 1.0;
    Tensor bm = mean.detach().reshape({x.shape()[0], num_features}).mean(0);
    Tensor bv = var.detach().reshape({x.shape()[0], num_features}).mean(0);
    rm.assign((rm * (1.0f - momentum) + bm.cast(rm.dtype()) * momentum).cast(rm.dtype()));
    rv.assign((rv * (1.0f - momentum) + bv.cast(rv.dtype()) * (momentum * unbias)).cast(rv.dtype()));
    nb.assign(nb + 1);
    for (const Tensor& t : {rm, rv, nb}) internal::defer_realize(t);
  }
  return affine(y * (var + eps).rsqrt());
}

Dropout::Dropout(float p_) : p(p_) {
  if (!(p >= 0.0f && p <= 1.0f)) throw Error("Dropout: p must be in [0, 1], got " + std::to_string(p));
}

Tensor Dropout::operator()(const Tensor& x) const {
  if (!is_training()) return x;
  Training guard(true);  // the module's mode, whatever the thread's flag
  return x.dropout(p);
}

LSTMCell::LSTMCell(int64_t input, int64_t hidden, bool has_bias, TensorOptions options)
    : input_size(input), hidden_size(hidden) {
  const TensorOptions o = internal::param_options(options, "LSTMCell");
  internal::positive(input, "LSTMCell", "input_size");
  internal::positive(hidden, "LSTMCell", "hidden_size");
  // PyTorch's reset_parameters: every tensor uniform in +-1/sqrt(hidden_size).
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden));
  weight_ih = Tensor::uniform({4 * hidden, input}, -k, k, o);
  weight_hh = Tensor::uniform({4 * hidden, hidden}, -k, k, o);
  register_parameter("weight_ih", weight_ih);
  register_parameter("weight_hh", weight_hh);
  if (has_bias) {
    bias_ih = Tensor::uniform({4 * hidden}, -k, k, o);
    bias_hh = Tensor::uniform({4 * hidden}, -k, k, o);
    register_parameter("bias_ih", *bias_ih);
    register_parameter("bias_hh", *bias_hh);
  }
}

std::pair<Tensor, Tensor> LSTMCell::operator()(const Tensor& x, const std::optional<std::pair<Tensor, Tensor>>& hx) const {
  if ((x.ndim() != 1 && x.ndim() != 2) || x.shape().back() != input_size)
    throw Error("LSTMCell: expected input (N, " + std::to_string(input_size) + ") or (" + std::to_string(input_size) +
                "), got " + x.shape().to_string());
  const bool batched = x.ndim() == 2;
  Tensor xb = batched ? x : x.unsqueeze(0);
  const int64_t n = xb.shape()[0];
  Tensor h, c;
  if (hx) {
    h = batched ? hx->first : hx->first.unsqueeze(0);
    c = batched ? hx->second : hx->second.unsqueeze(0);
    const Shape want{n, hidden_size};
    if (h.shape() != want || c.shape() != want)
      throw Error("LSTMCell: the state (h, c) must be " + (batched ? want.to_string() : Shape{hidden_size}.to_string()) +
                  " each, got " + hx->first.shape().to_string() + " and " + hx->second.shape().to_string());
  } else {
    TensorOptions o{weight_ih.dtype(), weight_ih.device(), false};
    h = Tensor::zeros({n, hidden_size}, o);
    c = Tensor::zeros({n, hidden_size}, o);
  }
  Tensor gates = xb.linear(weight_ih.T(), bias_ih) + h.linear(weight_hh.T(), bias_hh);
  std::vector<Tensor> g = gates.chunk(4, 1);
  Tensor c2 = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh();
  Tensor h2 = g[3].sigmoid() * c2.tanh();
  if (!batched) return {h2.squeeze(0), c2.squeeze(0)};
  return {h2, c2};
}

}  // namespace tg::nn
