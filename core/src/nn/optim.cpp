// Optimizers: PyTorch's update rules, built lazily and realized together in step().
#include <cmath>
#include <string>

#include "nn/adam_moments.hpp"
#include "nn/deferred.hpp"
#include "schedule/schedule.hpp"
#include "tensor/impl.hpp"
#include "tg/device.hpp"
#include "tg/nn.hpp"

namespace tg::nn::optim {

Optimizer::Optimizer(std::vector<Tensor> params, float lr_) : lr(lr_), params_(std::move(params)) {
  for (Tensor& p : params_) {
    if (!p.defined()) throw Error("optimizer: a parameter is an empty Tensor");
    if (!is_float(p.dtype()))
      throw Error(std::string("optimizer: parameters must be float tensors, got ") + dtype_name(p.dtype()));
    p.requires_grad_(true);
  }
  set_lr(lr_);
}

void Optimizer::set_lr(float value) {
  lr = value;
  // A fresh buffer holding the rate: the update kernels load it, so a new value is a new input
  // of the same kernels (the schedule cache replays them), never a new program.
  TensorOptions o{DType::float32, params_.empty() ? Device::default_device() : params_[0].device(), false};
  lr_device_ = Tensor(std::vector<float>{value}, Shape{}, o);
  lr_on_device_ = value;
}

Tensor Optimizer::lr_as(DType dt) const { return lr_device_.cast(dt); }

void Optimizer::init_momentum(const char* kind, float value) {
  momentum_kind_ = kind;
  set_momentum(value);
}

void Optimizer::set_momentum(float value) {
  if (!momentum_kind_)
    throw Error("set_momentum: this optimizer has no momentum or beta1 to set; use SGD (momentum), Adam, AdamW or "
                "LAMB (beta1), or turn off a schedule's momentum cycling (OneCycleLR's cycle_momentum = false)");
  const bool beta1 = std::string(momentum_kind_) == "beta1";
  if (!std::isfinite(value) || value < 0 || (beta1 && value >= 1))
    throw Error(std::string("set_momentum: ") + momentum_kind_ + " must be " + (beta1 ? "in [0, 1)" : ">= 0") +
                ", got " + std::to_string(value));
  momentum_ = value;
  // A fresh buffer, as set_lr: the same kernels read the new value.
  TensorOptions o{DType::float32, params_.empty() ? Device::default_device() : params_[0].device(), false};
  momentum_device_ = Tensor(std::vector<float>{value}, Shape{}, o);
}

Tensor Optimizer::momentum_as(DType dt) const { return momentum_device_.cast(dt); }

void Optimizer::step() { step(std::vector<Tensor>{}); }

void Optimizer::step(const std::vector<Tensor>& also_realize) {
  if (lr != lr_on_device_) set_lr(lr);  // `opt.lr = x` assigned directly
  // Each gradient is realized with the update and kept as a plain value: the backward graph
  // behind it, and the activations that graph holds, are freed now, not at the next zero_grad.
  std::vector<Tensor> grads;
  std::vector<detail::NodePtr> nodes;
  for (Tensor& p : params_) {
    auto g = p.grad();
    grads.push_back(g ? g->detach() : Tensor::zeros_like(p));
    if (g) {
      p.set_grad(grads.back());
      nodes.push_back(grads.back().node());
    }
  }
  std::vector<Tensor> next = update(grads);
  for (size_t i = 0; i < params_.size(); i++) params_[i].assign(next[i].cast(params_[i].dtype()));
  for (Tensor& s : state_) nodes.push_back(s.node());
  for (Tensor& p : params_) nodes.push_back(p.node());
  for (Tensor& t : nn::internal::take_deferred()) nodes.push_back(t.node());  // e.g. BatchNorm's running stats
  for (const Tensor& t : also_realize) nodes.push_back(t.node());
  detail::realize(nodes);
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.set_grad(std::nullopt);
}

SGD::SGD(std::vector<Tensor> params, float lr_, float momentum, float weight_decay, bool nesterov)
    : Optimizer(std::move(params), lr_), weight_decay_(weight_decay), nesterov_(nesterov) {
  if (nesterov && momentum <= 0) throw Error("SGD: nesterov needs momentum > 0");
  init_momentum("momentum", momentum);
}

std::vector<Tensor> SGD::update(const std::vector<Tensor>& grads) {
  std::vector<Tensor> out;
  bool first = buf_.empty();
  // Once the buffers exist they are used even where a schedule sets the momentum to 0 (then
  // buf = g, the plain step), so the graph, and the kernels, stay the same from step to step.
  const bool use_momentum = get_momentum() != 0 || !first;
  for (size_t i = 0; i < params_.size(); i++) {
    Tensor g = grads[i];
    if (weight_decay_ != 0) g = g + params_[i].detach() * weight_decay_;
    if (use_momentum) {
      Tensor m = momentum_as(g.dtype());
      if (first) {
        buf_.push_back(Tensor::zeros_like(params_[i]).contiguous().realize());
        state_.push_back(buf_.back());
        buf_.back().assign(g);
      } else {
        buf_[i].assign(buf_[i] * m + g);
      }
      g = nesterov_ ? g + buf_[i] * m : buf_[i];
    }
    out.push_back(params_[i].detach() - g * lr_as(g.dtype()));
  }
  return out;
}

AdamW::AdamW(std::vector<Tensor> params, float lr_, float b1, float b2, float eps, float weight_decay)
    : Optimizer(std::move(params), lr_), eps_(eps), weight_decay_(weight_decay) {
  moments_ = std::make_shared<internal::AdamMoments>(params_, b2, state_);
  init_momentum("beta1", b1);
}

std::vector<Tensor> AdamW::update(const std::vector<Tensor>& grads) {
  moments_->next_step(get_momentum(), momentum_as(DType::float32));
  std::vector<Tensor> out;
  for (size_t i = 0; i < params_.size(); i++) {
    auto [m_hat, v_hat] = moments_->corrected(i, grads[i]);
    Tensor p = params_[i].detach().cast(moments_->dtype(i));
    Tensor lr_t = lr_as(p.dtype());
    if (weight_decay_ != 0) p = p * (1.0f - lr_t * weight_decay_);
    out.push_back(p - m_hat * lr_t / (v_hat.sqrt() + eps_));
  }
  return out;
}

}  // namespace tg::nn::optim
