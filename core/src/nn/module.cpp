// Module registration and the Linear layer.
#include <cmath>
#include <unordered_set>

#include "nn/param_options.hpp"
#include "tensor/impl.hpp"
#include "tg/nn.hpp"

namespace tg::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor& t) {
  t.requires_grad_(true);
  tensors_.push_back({name, &t, true});
  return t;
}

Tensor& Module::register_buffer(const std::string& name, Tensor& t) {
  t.requires_grad_(false);
  tensors_.push_back({name, &t, false});
  return t;
}

void Module::register_module(const std::string& name, Module& child) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw Error("register_module: the name \"" + name + "\" must be non-empty and without '.' (dots join nested names)");
  for (const auto& [n, c] : children_)
    if (n == name) throw Error("register_module: a child module named \"" + name + "\" is already registered");
  if (&child == this) throw Error("register_module: a module cannot be its own child (\"" + name + "\")");
  children_.push_back({name, &child});
  if (training_) child.train(*training_);
}

Module& Module::train(bool mode) {
  training_ = mode;
  for (auto& [name, child] : children_) child->train(mode);
  return *this;
}

bool Module::is_training() const { return training_.value_or(Tensor::training); }

std::vector<std::pair<std::string, Tensor>> Module::named_tensors() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Entry& e : tensors_) out.push_back({e.name, *e.tensor});
  for (const auto& [name, child] : children_)
    for (auto& [n, t] : child->named_tensors()) out.push_back({name + "." + n, t});
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> all;
  for (const Entry& e : tensors_)
    if (e.trainable) all.push_back({e.name, *e.tensor});
  for (const auto& [name, child] : children_)
    for (auto& [n, t] : child->named_parameters()) all.push_back({name + "." + n, t});
  // A tied parameter (two handles of one value) would otherwise get two optimizer updates per
  // step: keep its first name only. Handles of one value share their TensorImpl (equal nodes
  // do not mean one value: two zeros({n}) may share a node and still be separate parameters).
  std::unordered_set<const void*> seen;
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [n, t] : all)
    if (seen.insert(&detail::TensorAccess::impl(t)).second) out.push_back({n, t});
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

Linear::Linear(int64_t in_features, int64_t out_features, bool has_bias, TensorOptions options) {
  const TensorOptions o = internal::param_options(options, "Linear");
  if (in_features <= 0 || out_features <= 0)
    throw Error("Linear: in_features and out_features must be positive, got " + std::to_string(in_features) + " and " +
                std::to_string(out_features));
  // PyTorch's defaults: kaiming_uniform(a=sqrt(5)) weights, bias uniform in +-1/sqrt(in).
  weight = Tensor::kaiming_uniform({out_features, in_features}, std::sqrt(5.0), o);
  register_parameter("weight", weight);
  if (has_bias) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    bias = Tensor::uniform({out_features}, -bound, bound, o);
    register_parameter("bias", *bias);
  }
}

Tensor Linear::operator()(const Tensor& x) const { return x.linear(weight.T(), bias); }

namespace state {
std::vector<Tensor> get_parameters(const Module& module) { return module.parameters(); }
}  // namespace state

}  // namespace tg::nn
