// The list of deferred updates (see deferred.hpp).
#include "nn/deferred.hpp"

namespace tg::nn::internal {
namespace {
// Per thread: a forward pass and the optimizer step that realizes its updates run on the same
// thread, and models trained on other threads must not realize (or race on) this one's.
std::vector<Tensor>& deferred() {
  thread_local std::vector<Tensor> list;
  return list;
}
}  // namespace

void defer_realize(const Tensor& t) { deferred().push_back(t); }

std::vector<Tensor> take_deferred() {
  std::vector<Tensor> out;
  out.swap(deferred());
  return out;
}

}  // namespace tg::nn::internal
