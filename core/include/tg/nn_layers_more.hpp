#pragma once
// More layers with PyTorch's argument order, initialisation and state-dict names: RMSNorm,
// InstanceNorm, Dropout, LSTMCell. (Linear, Conv2d, the other norms and Embedding: tg/nn.hpp.)
#include <optional>
#include <utility>

#include "tg/nn.hpp"

namespace tg::nn {

// x / sqrt(mean(x^2 over the last dim) + eps) * weight; weight (dim) starts at ones. State
// dict: weight (tinygrad's RMSNorm, PyTorch's nn.RMSNorm with normalized_shape = dim).
class RMSNorm : public Module {
 public:
  explicit RMSNorm(int64_t dim, float eps = 1e-6f, bool elementwise_affine = true, TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  int64_t dim;
  float eps;
  std::optional<Tensor> weight;
};

// Instance normalization of (N, C, ...) (PyTorch's InstanceNorm1d/2d/3d, any number of
// spatial dims): each sample's channel is normalized over its spatial dims (biased variance).
// PyTorch's defaults: no affine, no running statistics. With track_running_stats the running
// mean/var (averaged over the batch, unbiased variance) are updated in training mode
// (is_training()) and used in eval mode, as BatchNorm2d's.
class InstanceNorm : public Module {
 public:
  explicit InstanceNorm(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f, bool affine = false,
                        bool track_running_stats = false, TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  int64_t num_features;
  float eps, momentum;
  bool track_running_stats;
  std::optional<Tensor> weight, bias;
  Tensor running_mean, running_var, num_batches_tracked;
};
using InstanceNorm1d = InstanceNorm;
using InstanceNorm2d = InstanceNorm;
using InstanceNorm3d = InstanceNorm;

// Zeroes each element with probability p and scales the rest by 1 / (1 - p) while the module
// is in training mode (is_training(): train(), or Tensor::training for a module never set).
class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f);
  Tensor operator()(const Tensor& x) const;
  float p;
};

// One LSTM step, PyTorch's nn.LSTMCell: gates = x W_ih^T + b_ih + h W_hh^T + b_hh, split into
// input, forget, cell and output gates (in that order); c' = f c + i g, h' = o tanh(c').
// x is (N, input_size) or (input_size); the state (h, c) defaults to zeros. Every weight starts
// uniform in +-1/sqrt(hidden_size). State dict: weight_ih (4 hidden, input), weight_hh
// (4 hidden, hidden), bias_ih, bias_hh (4 hidden).
class LSTMCell : public Module {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true, TensorOptions options = {});
  // Returns (h', c').
  std::pair<Tensor, Tensor> operator()(const Tensor& x,
                                       const std::optional<std::pair<Tensor, Tensor>>& hx = std::nullopt) const;
  int64_t input_size, hidden_size;
  Tensor weight_ih, weight_hh;
  std::optional<Tensor> bias_ih, bias_hh;
};

}  // namespace tg::nn
