#pragma once
// The thread's autocast dtype (tg::nn::amp::autocast) as the tensor ops see it: matmul, linear
// and the convolutions cast their float inputs to it; log_softmax and layernorm widen to float32.
#include <optional>

#include "tg/tensor.hpp"

namespace tg::detail {

// The innermost enabled autocast scope's dtype on this thread (nullopt: none).
std::optional<DType>& autocast_slot();

// Whether x is a float tensor that an autocast to dt changes (float64 is left alone, as PyTorch).
inline bool autocast_changes(const Tensor& x, DType dt) {
  return is_float(x.dtype()) && x.dtype() != dt && x.dtype() != DType::float64;
}
inline Tensor autocast_to(const Tensor& x, DType dt) { return autocast_changes(x, dt) ? x.cast(dt) : x; }
inline std::optional<Tensor> autocast_to(const std::optional<Tensor>& x, DType dt) {
  return x ? std::optional<Tensor>(autocast_to(*x, dt)) : std::nullopt;
}
// The autocast dtype if a scope is active and it changes one of a lower-precision op's inputs
// (the op then calls itself again on the cast inputs).
inline std::optional<DType> autocast_for(const Tensor& a, const Tensor& b,
                                         const std::optional<Tensor>& c = std::nullopt) {
  const std::optional<DType> dt = autocast_slot();
  if (dt && (autocast_changes(a, *dt) || autocast_changes(b, *dt) || (c && autocast_changes(*c, *dt)))) return dt;
  return std::nullopt;
}

// For the ops that autocast runs in float32: x widened to float32 if it is float16 or bfloat16
// inside an autocast scope, x itself otherwise.
inline Tensor autocast_widen(const Tensor& x) {
  if (!autocast_slot() || (x.dtype() != DType::float16 && x.dtype() != DType::bfloat16)) return x;
  return x.cast(DType::float32);
}

// Turns autocast off for a scope: an op that widens half inputs to float32 on purpose (a device
// whose fast path is float32 only) must not have them cast back when it calls itself again.
class AutocastOff {
 public:
  AutocastOff() : saved_(autocast_slot()) { autocast_slot().reset(); }
  ~AutocastOff() { autocast_slot() = saved_; }
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

 private:
  std::optional<DType> saved_;
};

}  // namespace tg::detail
