#pragma once
// Tensors a forward pass updates with assign() (BatchNorm's running statistics) but nothing
// reads yet: the next optimizer step realizes them together with the parameters, so the
// batch statistics are computed once, in the same schedule as the training step.
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn::internal {

void defer_realize(const Tensor& t);
// Returns the deferred tensors and forgets them.
std::vector<Tensor> take_deferred();

}  // namespace tg::nn::internal
