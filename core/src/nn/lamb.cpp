// LAMB: tinygrad's rule (Adam's bias-corrected step plus weight decay, times the trust ratio).
#include "tg/device.hpp"
#include "tg/nn.hpp"

namespace tg::nn::optim {

LAMB::LAMB(std::vector<Tensor> params, float lr_, float b1, float b2, float eps, float weight_decay, bool adam)
    : Optimizer(std::move(params), lr_), b1_(b1), b2_(b2), eps_(eps), weight_decay_(weight_decay), adam_(adam) {
  std::string dev = params_.empty() ? Device::default_device() : params_[0].device();
  TensorOptions o{DType::float32, dev, false};
  b1_t_ = Tensor::ones({1}, o).contiguous().realize();
  b2_t_ = Tensor::ones({1}, o).contiguous().realize();
  state_ = {b1_t_, b2_t_};
  for (Tensor& p : params_) {
    TensorOptions po{DType::float32, p.device(), false};
    m_.push_back(Tensor::zeros(p.shape(), po).contiguous().realize());
    v_.push_back(Tensor::zeros(p.shape(), po).contiguous().realize());
    state_.push_back(m_.back());
    state_.push_back(v_.back());
  }
}

std::vector<Tensor> LAMB::update(const std::vector<Tensor>& grads) {
  b1_t_.assign(b1_t_ * b1_);
  b2_t_.assign(b2_t_ * b2_);
  std::vector<Tensor> out;
  for (size_t i = 0; i < params_.size(); i++) {
    Tensor g = grads[i].cast(DType::float32);
    m_[i].assign(m_[i] * b1_ + g * (1.0f - b1_));
    v_[i].assign(v_[i] * b2_ + g.square() * (1.0f - b2_));
    Tensor m_hat = m_[i] / (1.0f - b1_t_), v_hat = v_[i] / (1.0f - b2_t_);
    Tensor p = params_[i].detach().cast(DType::float32);
    Tensor up = m_hat / (v_hat.sqrt() + eps_) + p * weight_decay_;
    if (adam_) {
      out.push_back(p - up * lr);
      continue;
    }
    Tensor r1 = p.square().sum().sqrt(), r2 = up.square().sum().sqrt();
    Tensor r = tg::where(r1 > 0.0f, tg::where(r2 > 0.0f, r1 / r2, 1.0f), 1.0f);
    out.push_back(p - up * r * lr);
  }
  return out;
}

}  // namespace tg::nn::optim
