#pragma once
// tg::nn::init: PyTorch's torch.nn.init (in place, formulas and defaults as PyTorch's, random
// draws from the calling thread's generator: Tensor::manual_seed), and tg::nn::utils.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn {

namespace init {
// Each fills t in place (t keeps its shape, dtype, device and requires_grad) and returns it.
Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
// U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor& xavier_normal_(Tensor& t, double gain = 1.0);
// mode "fan_in" or "fan_out"; nonlinearity as calculate_gain ("leaky_relu" with slope a).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                         const std::string& nonlinearity = "leaky_relu");
// N(0, std^2), std = gain / sqrt(fan).
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
// N(mean, std^2) truncated to [a, b] (absolute bounds, as PyTorch), by the inverse CDF.
Tensor& trunc_normal_(Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0);
// The recommended gain of a nonlinearity: "linear", "conv1d", "conv2d", "conv3d", "sigmoid",
// "identity" (1), "tanh" (5/3), "relu" (sqrt 2), "leaky_relu" (sqrt(2 / (1 + param^2)),
// param 0.01 if not given), "selu" (3/4).
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);
}  // namespace init

namespace utils {
// Scales every parameter's gradient by min(1, max_norm / (total_norm + 1e-6)), where total_norm
// is the norm_type-norm of all the gradients together (PyTorch's formula; norm_type may be
// INFINITY). Returns total_norm as a lazy Tensor of shape (): the scaling happens on the device
// with the next optimizer step, no value comes back to the host. Parameters without a
// gradient are skipped.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0);
}  // namespace utils

}  // namespace tg::nn
