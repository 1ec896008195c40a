// Adam's moments and bias correction, shared by AdamW and LAMB.
#include "nn/adam_moments.hpp"

#include <cmath>
#include <string>

#include "tg/device.hpp"

namespace tg::nn::internal {

namespace {
DType moment_dtype(DType param) { return param == DType::float64 ? DType::float64 : DType::float32; }
}  // namespace

AdamMoments::AdamMoments(const std::vector<Tensor>& params, float b2, std::vector<Tensor>& state) : b2_(b2) {
  // b^t is float64 only where some parameter is: float32 parameters keep float32 kernels.
  bt_dtype_ = DType::float32;
  for (const Tensor& p : params)
    if (p.dtype() == DType::float64) bt_dtype_ = DType::float64;
  device_ = params.empty() ? Device::default_device() : params[0].device();
  TensorOptions o{bt_dtype_, device_, false};
  b2_t_ = Tensor::ones({1}, o).contiguous().realize();
  state.push_back(b2_t_);
  for (const Tensor& p : params) {
    TensorOptions po{moment_dtype(p.dtype()), p.device(), false};
    m_.push_back(Tensor::zeros(p.shape(), po).contiguous().realize());
    v_.push_back(Tensor::zeros(p.shape(), po).contiguous().realize());
    state.push_back(m_.back());
    state.push_back(v_.back());
  }
}

void AdamMoments::next_step(float b1, const Tensor& b1_device) {
  t_++;
  const double b1_t = std::pow(static_cast<double>(b1), static_cast<double>(t_));
  TensorOptions o{bt_dtype_, device_, false};
  b1_t_ = bt_dtype_ == DType::float64 ? Tensor(std::vector<double>{b1_t}, Shape{1}, o)
                                      : Tensor(std::vector<float>{static_cast<float>(b1_t)}, Shape{1}, o);
  b1_ = b1_device;
  b2_t_.assign(b2_t_ * b2_);
}

AdamMoments::Corrected AdamMoments::corrected(size_t i, const Tensor& g_in) {
  DType dt = dtype(i);
  Tensor g = g_in.cast(dt);
  Tensor b1 = b1_.cast(dt);
  m_[i].assign(m_[i] * b1 + g * (1.0f - b1));
  v_[i].assign(v_[i] * b2_ + g.square() * (1.0f - b2_));
  // cast is a no-op unless b^t is float64 for a float32 parameter
  return {m_[i] / (1.0f - b1_t_).cast(dt), v_[i] / (1.0f - b2_t_).cast(dt)};
}

}  // namespace tg::nn::internal
