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
};

struct TensorAccess {
  static TensorImpl& impl(const Tensor& t) { return *t.impl_; }
};

// Every live TensorImpl, so backward() can find the leaves in a graph.
std::vector<std::shared_ptr<TensorImpl>> live_tensors();

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
