// Layers: Conv2d, BatchNorm2d, LayerNorm, GroupNorm, Embedding (PyTorch's shapes and defaults).
#include <cmath>

#include "nn/deferred.hpp"
#include "nn/param_options.hpp"
#include "tensor/gather.hpp"
#include "tg/nn.hpp"

namespace tg::nn {
namespace {

// (1, C, 1, 1, ...) for x of ndim dims.
Shape channel_shape(int64_t c, int64_t ndim) {
  std::vector<int64_t> s(static_cast<size_t>(std::max<int64_t>(ndim, 2)), 1);
  s[1] = c;
  return Shape(s);
}

void check_channels(const Tensor& x, int64_t c, const char* what) {
  if (x.ndim() < 2 || x.shape()[1] != c)
    throw Error(std::string(what) + ": expected input (N, " + std::to_string(c) + ", ...), got " + x.shape().to_string());
}

}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, IntPair k, IntPair stride_, IntPair padding_, IntPair dilation_, int64_t groups_,
               bool has_bias, TensorOptions options)
    : stride(stride_), padding(padding_), dilation(dilation_), groups(groups_) {
  const TensorOptions o = internal::param_options(options, "Conv2d");
  internal::positive(in, "Conv2d", "in_channels");
  internal::positive(out, "Conv2d", "out_channels");
  internal::positive(groups, "Conv2d", "groups");
  internal::positive(k.h, "Conv2d", "kernel_size");
  internal::positive(k.w, "Conv2d", "kernel_size");
  if (in % groups != 0 || out % groups != 0)
    throw Error("Conv2d: in_channels (" + std::to_string(in) + ") and out_channels (" + std::to_string(out) +
                ") must both be divisible by groups (" + std::to_string(groups) + ")");
  weight = Tensor::kaiming_uniform({out, in / groups, k.h, k.w}, std::sqrt(5.0), o);
  register_parameter("weight", weight);
  if (has_bias) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in / groups * k.h * k.w));
    bias = Tensor::uniform({out}, -bound, bound, o);
    register_parameter("bias", *bias);
  }
}

Tensor Conv2d::operator()(const Tensor& x) const { return x.conv2d(weight, bias, stride, padding, dilation, groups); }

BatchNorm2d::BatchNorm2d(int64_t n, float eps_, float momentum_, bool affine, bool track, TensorOptions options)
    : eps(eps_), momentum(momentum_), track_running_stats(track) {
  const TensorOptions o = internal::param_options(options, "BatchNorm2d");
  internal::positive(n, "BatchNorm2d", "num_features");
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

Tensor BatchNorm2d::operator()(const Tensor& x) const {
  const int64_t c = weight ? weight->numel() : running_mean.numel();
  check_channels(x, c, "BatchNorm2d");
  Shape cs = channel_shape(c, x.ndim());
  if (track_running_stats && !is_training())
    return x.batchnorm(weight, bias, running_mean, (running_var + eps).rsqrt());
  std::vector<int64_t> axes{0};
  for (int64_t d = 2; d < x.ndim(); d++) axes.push_back(d);
  Tensor mean = x.mean(axes);
  Tensor y = x - mean.detach().reshape(cs);  // d var / d mean is 0, so the mean need not carry a gradient here
  Tensor var = (y * y).mean(axes);
  if (track_running_stats) {
    // The running statistics are handles shared with this module: update them in place.
    Tensor rm = running_mean, rv = running_var, nb = num_batches_tracked;
    if (!rm.is_realized() || !rv.is_realized() || !nb.is_realized()) {  // the previous update was never realized
      rm.realize();
      rv.realize();
      nb.realize();
    }
    const double n = static_cast<double>(x.numel() / c);
    const double unbias = n > 1 ? n / (n - 1) : 1.0;
    rm.assign((rm * (1.0f - momentum) + mean.detach().cast(rm.dtype()) * momentum).cast(rm.dtype()));
    rv.assign((rv * (1.0f - momentum) + var.detach().cast(rv.dtype()) * (momentum * unbias)).cast(rv.dtype()));
    nb.assign(nb + 1);
    for (const Tensor& t : {rm, rv, nb}) internal::defer_realize(t);
  }
  return x.batchnorm(weight, bias, mean, (var + eps).rsqrt());
}

LayerNorm::LayerNorm(Shape shape, float eps_, bool affine, TensorOptions options)
    : normalized_shape(std::move(shape)), eps(eps_) {
  const TensorOptions o = internal::param_options(options, "LayerNorm");
  if (normalized_shape.size() == 0) throw Error("LayerNorm: normalized_shape must have at least one dim");
  for (int64_t d : normalized_shape) internal::positive(d, "LayerNorm", "every normalized_shape dim");
  if (affine) {
    weight = Tensor::ones(normalized_shape, o);
    bias = Tensor::zeros(normalized_shape, o);
    register_parameter("weight", *weight);
    register_parameter("bias", *bias);
  }
}

Tensor LayerNorm::operator()(const Tensor& x) const {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  const std::vector<int64_t> xs = x.shape().dims();
  std::vector<int64_t> tail;
  if (x.ndim() >= k) tail.assign(xs.end() - k, xs.end());
  if (tail != normalized_shape.dims())
    throw Error("LayerNorm: the input " + x.shape().to_string() + " must end in normalized_shape " +
                normalized_shape.to_string());
  std::vector<int64_t> axes;
  for (int64_t d = -k; d < 0; d++) axes.push_back(d);
  Tensor y = x.layernorm(axes, eps);
  return weight ? y * *weight + *bias : y;
}

GroupNorm::GroupNorm(int64_t groups, int64_t channels, float eps_, bool affine, TensorOptions options)
    : num_groups(groups), num_channels(channels), eps(eps_) {
  const TensorOptions o = internal::param_options(options, "GroupNorm");
  internal::positive(groups, "GroupNorm", "num_groups");
  internal::positive(channels, "GroupNorm", "num_channels");
  if (channels % groups != 0)
    throw Error("GroupNorm: num_channels (" + std::to_string(channels) + ") must be divisible by num_groups (" +
                std::to_string(groups) + ")");
  if (affine) {
    weight = Tensor::ones({channels}, o);
    bias = Tensor::zeros({channels}, o);
    register_parameter("weight", *weight);
    register_parameter("bias", *bias);
  }
}

Tensor GroupNorm::operator()(const Tensor& x) const {
  check_channels(x, num_channels, "GroupNorm");
  Tensor y = x.reshape({x.shape()[0], num_groups, -1}).layernorm(-1, eps).reshape(x.shape());
  if (!weight) return y;
  Shape cs = channel_shape(num_channels, x.ndim());
  return y * weight->reshape(cs) + bias->reshape(cs);
}

Embedding::Embedding(int64_t n, int64_t dim, TensorOptions options) : num_embeddings(n), embedding_dim(dim) {
  const TensorOptions o = internal::param_options(options, "Embedding");
  internal::positive(n, "Embedding", "num_embeddings");
  internal::positive(dim, "Embedding", "embedding_dim");
  weight = Tensor::randn({n, dim}, o);
  register_parameter("weight", weight);
}

Tensor Embedding::operator()(const Tensor& idx) const {
  if (is_float(idx.dtype()) || idx.dtype() == DType::bool_)
    throw Error(std::string("Embedding: indices must be an integer tensor, got ") + dtype_name(idx.dtype()));
  // A gather of rows where the device takes one (its gradient a scatter-add of rows): cost
  // tokens x dim, not tokens x vocabulary x dim as the one-hot product before ABI 1.4.
  if (detail::indexed_on(weight)) {
    const auto in = idx.shape().dims();
    std::vector<int64_t> out(in.begin(), in.end());
    out.push_back(embedding_dim);
    return detail::take_rows(weight, idx.reshape({idx.numel()})).reshape(Shape(out));
  }
  return idx.one_hot(num_embeddings).cast(weight.dtype()).matmul(weight);
}

namespace functional {
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  Tensor sq = (input - target).square();
  if (reduction == "mean") return sq.mean();
  if (reduction == "sum") return sq.sum();
  if (reduction == "none") return sq;
  throw Error("mse_loss: reduction must be \"mean\", \"sum\" or \"none\", got \"" + reduction + "\"");
}
}  // namespace functional

}  // namespace tg::nn
