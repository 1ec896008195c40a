// The list of deferred updates (see deferred.hpp).
#include "nn/deferred.hpp"

namespace tg::nn::internal {
namespace {
std::vector<Tensor>& deferred() {
  static auto* list = new std::vector<Tensor>();
  return *list;
}
}  // namespace

void defer_realize(const Tensor& t) { deferred().push_back(t); }

std::vector<Tensor> take_deferred() {
  std::vector<Tensor> out;
  out.swap(deferred());
  return out;
}

}  // namespace tg::nn::internal
