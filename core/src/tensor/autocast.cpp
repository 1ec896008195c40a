// tg::nn::amp::autocast: a per-thread dtype the tensor ops read (see tensor/autocast.hpp).
#include "tensor/autocast.hpp"

#include <string>

#include "tg/amp.hpp"

namespace tg {

namespace detail {
std::optional<DType>& autocast_slot() {
  // Per thread, as PyTorch's: a scope on one thread does not change another's forward pass.
  thread_local std::optional<DType> slot;
  return slot;
}
}  // namespace detail

namespace nn::amp {

autocast::autocast(DType dtype, bool enabled) : previous_(detail::autocast_slot()) {
  if (enabled && dtype != DType::bfloat16 && dtype != DType::float16)
    throw Error(std::string("autocast: dtype must be bfloat16 or float16 (the precision matmuls and convolutions "
                            "run in), got ") + dtype_name(dtype));
  detail::autocast_slot() = enabled ? std::optional<DType>(dtype) : std::nullopt;
}

autocast::~autocast() { detail::autocast_slot() = previous_; }

std::optional<DType> autocast_dtype() { return detail::autocast_slot(); }

}  // namespace nn::amp
}  // namespace tg
