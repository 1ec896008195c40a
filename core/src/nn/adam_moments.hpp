#pragma once
// Adam's moment state, shared by AdamW and LAMB: b1^t and b2^t on the device, and per parameter
// the first and second moments m and v with their bias correction. The moments, and the update
// an optimizer builds from them, are float32 (float64 for float64 parameters) whatever the
// parameter's dtype; Optimizer::step casts the new value back to the parameter's dtype.
#include <cstddef>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn::internal {

class AdamMoments {
 public:
  // Creates b1^t = b2^t = 1 and zero moments for each parameter, and appends them to state
  // (the optimizer's state_, which Optimizer::step realizes with the parameters).
  AdamMoments(const std::vector<Tensor>& params, float b1, float b2, std::vector<Tensor>& state);

  // The dtype of parameter i's moments, in which its update is computed.
  DType dtype(size_t i) const { return m_[i].dtype(); }
  // Advances b1^t and b2^t by one step; called once per update, before corrected().
  void next_step();

  struct Corrected {
    Tensor m_hat, v_hat;
  };
  // Updates parameter i's moments from its gradient g (any float dtype) and returns the
  // bias-corrected m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t), in dtype(i).
  Corrected corrected(size_t i, const Tensor& g);

 private:
  float b1_, b2_;
  Tensor b1_t_, b2_t_;  // b1^t and b2^t on the device, so every step runs the same kernels
  std::vector<Tensor> m_, v_;
};

}  // namespace tg::nn::internal
