// tg::nn::init (PyTorch's torch.nn.init formulas) and clip_grad_norm_.
#include <algorithm>
#include <cmath>

#include "tg/nn_init.hpp"

namespace tg::nn {
namespace init {
namespace {

TensorOptions like(const Tensor& t) { return TensorOptions{t.dtype(), t.device(), false}; }

void need_float(const Tensor& t, const char* what) {
  if (!t.defined()) throw Error(std::string(what) + ": the tensor is empty (undefined)");
  if (!is_float(t.dtype()))
    throw Error(std::string(what) + ": needs a float tensor, got " + dtype_name(t.dtype()));
}

// Writes value into t (shape and dtype of t) and computes it now: an initialiser is a one-time
// cost, and a realized parameter is a plain buffer for the first training step.
Tensor& fill(Tensor& t, const Tensor& value) {
  t.assign(value.cast(t.dtype()));
  t.realize();
  return t;
}

// PyTorch's _calculate_fan_in_and_fan_out: dim 1 is the inputs, dim 0 the outputs, the rest the
// receptive field.
std::pair<double, double> fans(const Tensor& t, const char* what) {
  if (t.ndim() < 2)
    throw Error(std::string(what) + ": fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got " +
                t.shape().to_string());
  double receptive = 1;
  for (int64_t d = 2; d < t.ndim(); d++) receptive *= static_cast<double>(t.size(d));
  return {static_cast<double>(t.size(1)) * receptive, static_cast<double>(t.size(0)) * receptive};
}

double fan_for(const Tensor& t, const std::string& mode, const char* what) {
  auto [in, out] = fans(t, what);
  if (mode == "fan_in") return in;
  if (mode == "fan_out") return out;
  throw Error(std::string(what) + ": mode is \"" + mode + "\"; use \"fan_in\" or \"fan_out\"");
}

// erf^-1 on (-1, 1): Giles' single-precision approximation, then two Newton steps on erf.
double erfinv(double x) {
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                     0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                     1.00167406, 2.83297682})
      p = c + p * w;
  }
  double y = p * x;
  for (int i = 0; i < 2; i++) y -= (std::erf(y) - x) / (2.0 / std::sqrt(M_PI) * std::exp(-y * y));
  return y;
}

}  // namespace

Tensor& uniform_(Tensor& t, double a, double b) {
  need_float(t, "uniform_");
  if (!(a <= b)) throw Error("uniform_: needs a <= b, got a = " + std::to_string(a) + ", b = " + std::to_string(b));
  return fill(t, Tensor::uniform(t.shape(), a, b, like(t)));
}

Tensor& normal_(Tensor& t, double mean, double std) {
  need_float(t, "normal_");
  if (!(std >= 0)) throw Error("normal_: std must be >= 0, got " + std::to_string(std));
  return fill(t, Tensor::normal(t.shape(), mean, std, like(t)));
}

Tensor& constant_(Tensor& t, double value) {
  if (!t.defined()) throw Error("constant_: the tensor is empty (undefined)");
  return fill(t, Tensor::full(t.shape(), value, like(t)));
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

double calculate_gain(const std::string& nl, std::optional<double> param) {
  if (nl == "linear" || nl == "conv1d" || nl == "conv2d" || nl == "conv3d" || nl == "conv_transpose1d" ||
      nl == "conv_transpose2d" || nl == "conv_transpose3d" || nl == "sigmoid" || nl == "identity")
    return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nl == "selu") return 3.0 / 4.0;
  throw Error("calculate_gain: unsupported nonlinearity \"" + nl +
              "\"; use linear, conv1d, conv2d, conv3d, sigmoid, identity, tanh, relu, leaky_relu or selu");
}

Tensor& xavier_uniform_(Tensor& t, double gain) {
  need_float(t, "xavier_uniform_");
  auto [in, out] = fans(t, "xavier_uniform_");
  double a = std::sqrt(3.0) * gain * std::sqrt(2.0 / (in + out));
  return fill(t, Tensor::uniform(t.shape(), -a, a, like(t)));
}

Tensor& xavier_normal_(Tensor& t, double gain) {
  need_float(t, "xavier_normal_");
  auto [in, out] = fans(t, "xavier_normal_");
  return fill(t, Tensor::normal(t.shape(), 0.0, gain * std::sqrt(2.0 / (in + out)), like(t)));
}

Tensor& kaiming_uniform_(Tensor& t, double a, const std::string& mode, const std::string& nonlinearity) {
  need_float(t, "kaiming_uniform_");
  double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(fan_for(t, mode, "kaiming_uniform_"));
  return fill(t, Tensor::uniform(t.shape(), -bound, bound, like(t)));
}

Tensor& kaiming_normal_(Tensor& t, double a, const std::string& mode, const std::string& nonlinearity) {
  need_float(t, "kaiming_normal_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(fan_for(t, mode, "kaiming_normal_"));
  return fill(t, Tensor::normal(t.shape(), 0.0, std, like(t)));
}

Tensor& trunc_normal_(Tensor& t, double mean, double std, double a, double b) {
  need_float(t, "trunc_normal_");
  if (!(std > 0) || !(a < b))
    throw Error("trunc_normal_: needs std > 0 and a < b, got std = " + std::to_string(std) + ", a = " +
                std::to_string(a) + ", b = " + std::to_string(b));
  // PyTorch's method: uniform in [2 cdf(a) - 1, 2 cdf(b) - 1], then mean + std sqrt(2) erfinv(u),
  // clamped to [a, b]. erfinv runs on the host: an initialiser's cost, once.
  auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  const double lo = 2 * cdf((a - mean) / std) - 1, hi = 2 * cdf((b - mean) / std) - 1;
  std::vector<float> u = Tensor::uniform(t.shape(), lo, hi, TensorOptions{DType::float32, std::nullopt, false})
                             .to_vector<float>();
  for (float& v : u) {
    double x = std::clamp(static_cast<double>(v), -1.0 + 1e-15, 1.0 - 1e-15);
    v = static_cast<float>(std::clamp(mean + std * std::sqrt(2.0) * erfinv(x), a, b));
  }
  return fill(t, Tensor(std::move(u), t.shape(), TensorOptions{DType::float32, t.device(), false}));
}

}  // namespace init

namespace utils {

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type) {
  if (!(max_norm >= 0)) throw Error("clip_grad_norm_: max_norm must be >= 0, got " + std::to_string(max_norm));
  if (!(norm_type > 0)) throw Error("clip_grad_norm_: norm_type must be > 0 (or INFINITY), got " + std::to_string(norm_type));
  std::vector<Tensor> params, grads;
  for (const Tensor& p : parameters) {
    if (!p.defined()) throw Error("clip_grad_norm_: a parameter is an empty Tensor");
    if (auto g = p.grad()) {
      params.push_back(p);
      grads.push_back(*g);
    }
  }
  if (grads.empty()) return Tensor(0.0f);
  // The norm accumulates in float32 (float64 for float64 gradients) whatever the gradients' dtype.
  const bool inf = std::isinf(norm_type);
  Tensor total;
  for (const Tensor& g : grads) {
    Tensor a = g.cast(g.dtype() == DType::float64 ? DType::float64 : DType::float32).abs();
    Tensor part = inf ? a.max() : norm_type == 2.0 ? a.square().sum() : a.pow(norm_type).sum();
    if (part.dtype() != DType::float32) part = part.cast(DType::float32);
    part = part.to(grads[0].device());
    total = total.defined() ? (inf ? total.maximum(part) : total + part) : part;
  }
  if (!inf) total = norm_type == 2.0 ? total.sqrt() : total.pow(1.0 / norm_type);
  Tensor coef = (static_cast<float>(max_norm) / (total + 1e-6f)).minimum(1.0f);
  for (size_t i = 0; i < grads.size(); i++)
    params[i].set_grad((grads[i] * coef.to(grads[i].device()).cast(grads[i].dtype())).cast(grads[i].dtype()));
  return total;
}

}  // namespace utils
}  // namespace tg::nn
