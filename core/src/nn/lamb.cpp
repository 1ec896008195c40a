// LAMB: tinygrad's rule (Adam's bias-corrected step plus weight decay, times the trust ratio).
#include "nn/adam_moments.hpp"
#include "tg/nn.hpp"

namespace tg::nn::optim {

LAMB::LAMB(std::vector<Tensor> params, float lr_, float b1, float b2, float eps, float weight_decay, bool adam)
    : Optimizer(std::move(params), lr_), eps_(eps), weight_decay_(weight_decay), adam_(adam) {
  moments_ = std::make_shared<internal::AdamMoments>(params_, b2, state_);
  init_momentum("beta1", b1);
}

std::vector<Tensor> LAMB::update(const std::vector<Tensor>& grads) {
  moments_->next_step(get_momentum(), momentum_as(DType::float32));
  std::vector<Tensor> out;
  for (size_t i = 0; i < params_.size(); i++) {
    auto [m_hat, v_hat] = moments_->corrected(i, grads[i]);
    Tensor p = params_[i].detach().cast(moments_->dtype(i));
    Tensor up = m_hat / (v_hat.sqrt() + eps_) + p * weight_decay_;
    if (adam_) {
      out.push_back(p - up * lr_as(p.dtype()));
      continue;
    }
    Tensor r1 = p.square().sum().sqrt(), r2 = up.square().sum().sqrt();
    Tensor r = tg::where(r1 > 0.0f, tg::where(r2 > 0.0f, r1 / r2, 1.0f), 1.0f);
    out.push_back(p - up * r * lr_as(p.dtype()));
  }
  return out;
}

}  // namespace tg::nn::optim
