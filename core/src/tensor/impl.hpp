#pragma once
// What a Tensor handle points to, and helpers shared by the Tensor layer's files.
#include <memory>
#include <optional>
#include <string>

#include "graph/build.hpp"
#include "graph/node.hpp"
#include "tg/tensor.hpp"

namespace tg::detail {

struct TensorImpl {
  NodePtr node;
  std::optional<Tensor> grad;
  std::optional<bool> requires_grad;  // unset: a leaf still gets gradients (tinygrad's rule)
  bool leaf = false;                  // made from data or a creator, not by an op
  int grad_accumulations = 0;         // backward passes added onto `grad` since it was set
  // Its links in node->grad_leaves while gets_grad().
  TensorImpl* prev_leaf = nullptr;
  TensorImpl* next_leaf = nullptr;

  // backward() gives this handle a gradient: a float leaf not set to requires_grad(false).
  bool gets_grad() const { return leaf && requires_grad.value_or(true) && node && is_float(node->dtype); }
  // Changes node, leaf or requires_grad through `change`, keeping Node::grad_leaves listed.
  template <typename F>
  void update(F&& change) {
    const bool before = gets_grad();
    NodePtr old = node;
    change();
    if (before) unlink(*old);
    if (gets_grad()) link(*node);
  }
  TensorImpl() = default;
  TensorImpl(const TensorImpl&) = delete;  // the list is of handles
  TensorImpl& operator=(const TensorImpl&) = delete;
  ~TensorImpl() {
    if (gets_grad()) unlink(*node);
  }

 private:
  void link(Node& n) {
    prev_leaf = nullptr;
    next_leaf = n.grad_leaves;
    if (next_leaf) next_leaf->prev_leaf = this;
    n.grad_leaves = this;
  }
  void unlink(Node& n) {
    (prev_leaf ? prev_leaf->next_leaf : n.grad_leaves) = next_leaf;
    if (next_leaf) next_leaf->prev_leaf = prev_leaf;
    prev_leaf = next_leaf = nullptr;
  }

 public:
};

struct TensorAccess {
  static TensorImpl& impl(const Tensor& t) { return *t.impl_; }
};

// Whether a live leaf handle that gets gradients sits at root or below it (not through DETACH):
// then backward() from root reaches it.
bool grad_flows_to_leaf(const Node& root);

// A new leaf handle (creators) or op-result handle on node n.
Tensor make_leaf(NodePtr n, const TensorOptions& opts);
Tensor make_result(NodePtr n);
// The node behind t; throws if t is an empty handle.
NodePtr node_of(const Tensor& t);
std::shared_ptr<Device> device_for(const TensorOptions& opts);

std::string shape_str(const Dims& d);
// Normalizes a possibly negative axis; `what` names the operation in the error.
int64_t norm_axis(int64_t axis, int64_t ndim, const Dims& shape, const char* what);
// Normalized, sorted, unique axes; all axes when unset.
Dims norm_axes(const Axes& axes, const Dims& shape, const char* what);

}  // namespace tg::detail
