#pragma once
// The TensorOptions a layer makes its parameters with: the caller's dtype (a float one; unset:
// the default float) and device; requires_grad is the layer's to set.
#include <string>

#include "tg/tensor.hpp"

namespace tg::nn::internal {

inline TensorOptions param_options(const TensorOptions& o, const char* layer) {
  if (o.dtype && !is_float(*o.dtype))
    throw Error(std::string(layer) + ": parameters must be a float dtype, got " + dtype_name(*o.dtype));
  return TensorOptions{o.dtype, o.device, std::nullopt};
}

// A layer's size argument (channels, features, kernel size...) must be positive.
inline void positive(int64_t v, const char* what, const char* name) {
  if (v <= 0) throw Error(std::string(what) + ": " + name + " must be positive, got " + std::to_string(v));
}

// The options of a layer's integer counter (BatchNorm's num_batches_tracked): int64, same device.
inline TensorOptions counter_options(const TensorOptions& o) { return TensorOptions{DType::int64, o.device, false}; }

}  // namespace tg::nn::internal
