// Tensor handles: identity, properties, realization and data out.
#include "tg/tensor.hpp"

#include <algorithm>
#include <unordered_set>

#include "graph/build.hpp"
#include "runtime/runtime.hpp"
#include "schedule/schedule.hpp"
#include "tensor/impl.hpp"

namespace tg {

thread_local bool Tensor::training = false;

namespace {
thread_local bool g_grad_enabled = true;  // NoGrad is per thread

std::shared_ptr<detail::TensorImpl> new_impl(detail::NodePtr n) {
  auto impl = std::make_shared<detail::TensorImpl>();
  impl->node = std::move(n);
  return impl;
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGrad::NoGrad() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGrad::~NoGrad() { g_grad_enabled = previous_; }

namespace detail {

NodePtr node_of(const Tensor& t) {
  if (!t.defined())
    throw Error("this Tensor is empty (default-constructed): assign a value to it before using it");
  return t.node();
}

std::string shape_str(const Dims& d) { return Shape(d).to_string(); }

int64_t norm_axis(int64_t axis, int64_t ndim, const Dims& shape, const char* what) {
  int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  if (axis < lo || axis > hi)
    throw Error(std::string(what) + ": axis " + std::to_string(axis) + " is out of range for a tensor of " +
                std::to_string(ndim) + " dims (shape " + shape_str(shape) + "); use an axis in [" + std::to_string(lo) +
                ", " + std::to_string(hi) + "]");
  return ndim == 0 ? 0 : (axis < 0 ? axis + ndim : axis);
}

Dims norm_axes(const Axes& axes, const Dims& shape, const char* what) {
  int64_t ndim = static_cast<int64_t>(shape.size());
  Dims out;
  if (!axes.axes) {
    for (int64_t i = 0; i < ndim; i++) out.push_back(i);
    return out;
  }
  for (int64_t a : *axes.axes) {
    int64_t n = norm_axis(a, ndim, shape, what);
    if (ndim == 0) continue;
    if (std::find(out.begin(), out.end(), n) != out.end())
      throw Error(std::string(what) + ": axis " + std::to_string(a) + " is given twice");
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<Device> device_for(const TensorOptions& opts) {
  return opts.device ? get_device(*opts.device) : default_device();
}

Tensor make_leaf(NodePtr n, const TensorOptions& opts) {
  Tensor t(std::move(n));
  TensorImpl& impl = TensorAccess::impl(t);
  impl.update([&] {
    impl.leaf = true;
    impl.requires_grad = opts.requires_grad;
  });
  return t;
}

bool grad_flows_to_leaf(const Node& root) {
  std::unordered_set<const Node*> seen;
  std::vector<const Node*> stack{&root};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    if (n->grad_leaves != nullptr) return true;
    if (n->op == Op::DETACH) continue;
    for (auto& s : n->src) stack.push_back(s.get());
  }
  return false;
}

Tensor make_result(NodePtr n) {
  if (!g_grad_enabled) n = detach(n);  // nothing computed under NoGrad carries history
  return Tensor(std::move(n));
}

}  // namespace detail

Tensor::Tensor() = default;
Tensor::Tensor(std::shared_ptr<detail::Node> node) : impl_(new_impl(std::move(node))) {}

std::shared_ptr<detail::Node> Tensor::node() const {
  if (!impl_) throw Error("this Tensor is empty (default-constructed): assign a value to it before using it");
  return impl_->node;
}

Shape Tensor::shape() const { return Shape(detail::node_of(*this)->shape); }
int64_t Tensor::ndim() const { return static_cast<int64_t>(detail::node_of(*this)->shape.size()); }
int64_t Tensor::numel() const { return detail::node_of(*this)->numel(); }
int64_t Tensor::size(int64_t dim) const {
  auto n = detail::node_of(*this);
  if (n->shape.empty()) throw Error("size(" + std::to_string(dim) + "): a 0-dim tensor has no dims; use shape()");
  return n->shape[detail::norm_axis(dim, ndim(), n->shape, "size")];
}
DType Tensor::dtype() const { return detail::node_of(*this)->dtype; }
std::string Tensor::device() const { return detail::node_of(*this)->device->name(); }
bool Tensor::requires_grad() const {
  detail::node_of(*this);
  if (impl_->requires_grad) return *impl_->requires_grad;
  if (impl_->leaf) return is_float(dtype());
  return detail::grad_flows_to_leaf(*impl_->node);
}
bool Tensor::is_realized() const { return detail::node_of(*this)->realized(); }

namespace {
// A realized result that no gradient can flow through (no live leaf under it gets one) keeps
// its value but lets its history go: `x = (x * 0.99f).realize()` in a loop would otherwise hold
// every earlier x, a chain of buffers as long as the loop. The handle moves to a node of the
// value alone; the graph's node keeps its sources (other handles may share it, and builders
// fold through a node's sources by its op).
void let_history_go(const Tensor& t) {
  detail::TensorImpl& impl = detail::TensorAccess::impl(t);
  const detail::NodePtr n = detail::node_of(t);
  if (!n->realized() || n->src.empty() || impl.leaf || t.requires_grad()) return;
  impl.update([&] { impl.node = detail::value_of(n); });
}
}  // namespace

Tensor& Tensor::realize() {
  detail::realize(detail::node_of(*this));
  let_history_go(*this);
  return *this;
}
const Tensor& Tensor::realize() const {
  detail::realize(detail::node_of(*this));
  let_history_go(*this);
  return *this;
}

void realize(std::vector<Tensor>& tensors) {
  std::vector<detail::NodePtr> roots;
  for (const Tensor& t : tensors) roots.push_back(detail::node_of(t));
  detail::realize(roots);
  for (const Tensor& t : tensors) let_history_go(t);
}

std::vector<uint8_t> Tensor::bytes() const {
  const auto& n = detail::node_of(*this);
  detail::realize(n);
  std::vector<uint8_t> out(static_cast<size_t>(n->numel() * dtype_size(n->dtype)));
  if (!out.empty()) n->device->read(*n->buffer, out.data(), out.size());
  return out;
}

Tensor Tensor::to(const std::string& device) const {
  return detail::make_result(detail::copy_to(detail::node_of(*this), detail::get_device(device)));
}
Tensor Tensor::cast(DType dtype) const { return detail::make_result(detail::cast(detail::node_of(*this), dtype)); }
Tensor Tensor::contiguous() const { return detail::make_result(detail::contiguous(detail::node_of(*this))); }
Tensor Tensor::detach() const { return Tensor(detail::detach(detail::node_of(*this))); }
Tensor Tensor::clone() const {
  auto n = detail::node_of(*this);
  return detail::make_result(detail::intern([&] {
    detail::Node p;
    p.op = detail::Op::CONTIGUOUS;
    p.dtype = n->dtype;
    p.shape = n->shape;
    p.device = n->device;
    p.src = {n};
    p.unique = detail::next_unique_id();  // a distinct copy even of a realized tensor
    return p;
  }()));
}

Tensor& Tensor::assign(const Tensor& other) {
  auto mine = detail::node_of(*this);
  auto theirs = detail::node_of(other);
  if (mine->shape != theirs->shape)
    throw Error("assign: shapes differ: this tensor is " + detail::shape_str(mine->shape) + ", the value is " +
                detail::shape_str(theirs->shape));
  if (mine->dtype != theirs->dtype)
    throw Error(std::string("assign: dtypes differ: this tensor is ") + dtype_name(mine->dtype) + ", the value is " +
                dtype_name(theirs->dtype) + " (cast the value first)");
  detail::NodePtr v = theirs;
  if (v->device != mine->device) v = detail::copy_to(v, mine->device);
  impl_->update([&] { impl_->node = detail::detach(v); });  // the new value, without the history that produced it
  return *this;
}

std::optional<Tensor> Tensor::grad() const {
  detail::node_of(*this);
  return impl_->grad;
}
void Tensor::set_grad(std::optional<Tensor> g) {
  detail::node_of(*this);
  impl_->grad = std::move(g);
}
Tensor& Tensor::requires_grad_(bool requires) {
  detail::node_of(*this);
  impl_->update([&] { impl_->requires_grad = requires; });
  return *this;
}

}  // namespace tg
