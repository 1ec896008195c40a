#pragma once
// tg::nn: modules, optimizers and state (PyTorch's shapes, tinygrad's semantics).
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn {

// Base of every layer. A module registers its parameters and sub-modules by name; names of
// nested parameters are dotted ("0.weight", "encoder.bias"), as in PyTorch.
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  // Parameters and buffers (such as BatchNorm's running statistics), in registration order.
  std::vector<std::pair<std::string, Tensor>> named_tensors() const;

 protected:
  // Registers a trainable tensor (requires_grad is set) under name; returns it.
  Tensor& register_parameter(const std::string& name, Tensor& t);
  // Registers a non-trainable state tensor (saved in state dicts, not optimized).
  Tensor& register_buffer(const std::string& name, Tensor& t);
  // Registers a child module that lives as long as this one (a member, usually).
  void register_module(const std::string& name, Module& child);

 private:
  struct Entry {
    std::string name;
    Tensor* tensor;
    bool trainable;
  };
  std::vector<Entry> tensors_;
  std::vector<std::pair<std::string, Module*>> children_;
};

// y = x @ weight.T + bias, weight of shape (out, in) as PyTorch; PyTorch's initialisation.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor operator()(const Tensor& x) const;
  Tensor weight;               // (out_features, in_features)
  std::optional<Tensor> bias;  // (out_features)
};

namespace optim {

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, float lr);
  virtual ~Optimizer() = default;
  // Applies one update from the current gradients and realizes the parameters.
  void step();
  // Drops every parameter's gradient.
  void zero_grad();
  float lr;

 protected:
  // Returns the new values of params_[i] (lazy); state tensors are updated with assign().
  virtual std::vector<Tensor> update(const std::vector<Tensor>& grads) = 0;
  std::vector<Tensor> params_;
  std::vector<Tensor> state_;  // optimizer state realized together with the parameters
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, float lr = 1e-3f, float momentum = 0.0f, float weight_decay = 0.0f,
      bool nesterov = false);

 private:
  std::vector<Tensor> update(const std::vector<Tensor>& grads) override;
  float momentum_, weight_decay_;
  bool nesterov_;
  std::vector<Tensor> buf_;
};

// Adam and AdamW (decoupled weight decay), PyTorch's update rule with bias correction.
class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-8f,
        float weight_decay = 0.01f);

 private:
  std::vector<Tensor> update(const std::vector<Tensor>& grads) override;
  float b1_, b2_, eps_, weight_decay_;
  Tensor b1_t_, b2_t_;  // b1^t and b2^t on the device, so every step runs the same kernels
  std::vector<Tensor> m_, v_;
};

class Adam : public AdamW {
 public:
  Adam(std::vector<Tensor> params, float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-8f)
      : AdamW(std::move(params), lr, b1, b2, eps, 0.0f) {}
};

}  // namespace optim

namespace state {
std::vector<Tensor> get_parameters(const Module& module);
}  // namespace state

}  // namespace tg::nn
