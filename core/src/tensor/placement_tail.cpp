// In-place placement of a handle's value: to_ and replace (tinygrad's), beside assign().
#include "runtime/runtime.hpp"
#include "tensor/impl.hpp"

namespace tg {

Tensor& Tensor::to_(const std::string& device) {
  detail::NodePtr n = detail::node_of(*this);
  auto dev = detail::get_device(device);
  if (n->device == dev) return *this;
  impl_->update([&] { impl_->node = detail::copy_to(n, dev); });
  return *this;
}

Tensor& Tensor::replace(const Tensor& x) {
  detail::NodePtr mine = detail::node_of(*this), theirs = detail::node_of(x);
  if (mine->shape != theirs->shape)
    throw Error("replace: shapes differ: this tensor is " + detail::shape_str(mine->shape) + ", the value is " +
                detail::shape_str(theirs->shape) + " (reshape the value first)");
  impl_->update([&] { impl_->node = detail::detach(theirs); });
  return *this;
}

}  // namespace tg
