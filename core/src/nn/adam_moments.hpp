#pragma once
// Adam's moment state, shared by AdamW and LAMB: b1^t and b2^t on the device, and per parameter
// the first and second moments m and v with their bias correction. The moments, and the update
// an optimizer builds from them, are float32 (float64 for float64 parameters) whatever the
// parameter's dtype; Optimizer::step casts the new value back to the parameter's dtype.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn::internal {

class AdamMoments {
 public:
  // Creates b2^t = 1 and zero moments for each parameter, and appends them to state (the
  // optimizer's state_, which Optimizer::step realizes with the parameters).
  AdamMoments(const std::vector<Tensor>& params, float b2, std::vector<Tensor>& state);

  // The dtype of parameter i's moments, in which its update is computed.
  DType dtype(size_t i) const { return m_[i].dtype(); }
  // Advances to the next step with this step's beta1 (b1 on the host, b1_device the same value
  // on the device, float32): beta1 may change from step to step (OneCycleLR's momentum cycling).
  // Called once per update, before corrected().
  void next_step(float b1, const Tensor& b1_device);

  struct Corrected {
    Tensor m_hat, v_hat;
  };
  // Updates parameter i's moments from its gradient g (any float dtype) and returns the
  // bias-corrected m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t), in dtype(i).
  Corrected corrected(size_t i, const Tensor& g);

 private:
  float b2_;
  int64_t t_ = 0;  // steps taken
  DType bt_dtype_;
  std::string device_;
  Tensor b1_;           // this step's beta1 on the device
  // b1^t: PyTorch's bias correction takes this step's beta1 to the power t (not the product of
  // the betas of past steps), so it is computed on the host in double and written to a fresh
  // buffer every step, as the learning rate: the kernels that read it stay the same.
  Tensor b1_t_;
  Tensor b2_t_;  // b2^t, advanced on the device, so every step runs the same kernels
  std::vector<Tensor> m_, v_;
};

}  // namespace tg::nn::internal
