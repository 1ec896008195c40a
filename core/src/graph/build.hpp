#pragma once
// Building graph nodes. These check only internal invariants; the user-facing checks (shapes,
// axes, dtypes) with their messages live in the Tensor layer.
#include "graph/node.hpp"

namespace tg::detail {

// A scalar constant of dtype (shape ()), hash-consed unless unique.
NodePtr const_node(double value, DType dtype, const std::shared_ptr<Device>& device, bool unique = false);
// Data copied to a new device buffer (n elements of dtype at data).
NodePtr buffer_node(const void* data, const Dims& shape, DType dtype, const std::shared_ptr<Device>& device);
// A BUFFER node sharing realized x's buffer: its value without the graph that computed it.
NodePtr value_of(const NodePtr& x);
// An elementwise op; sources must share shape and device. dtype is the result's.
NodePtr alu(Op op, DType dtype, Sources src);
NodePtr cast(const NodePtr& x, DType dtype);
NodePtr reduce(const NodePtr& x, ReduceOp op, Dims axes);  // axes sorted, kept as size 1
NodePtr reshape(const NodePtr& x, const Dims& shape);
NodePtr permute(const NodePtr& x, const Dims& order);
NodePtr expand(const NodePtr& x, const Dims& shape);
NodePtr pad(const NodePtr& x, const Ranges& padding);
NodePtr shrink(const NodePtr& x, const Ranges& ranges);
NodePtr flip(const NodePtr& x, const Dims& axes01);  // one 0/1 per dim
// Sliding windows over the last k.size() dims (View::window); k, s, d positive, windows fit.
NodePtr window(const NodePtr& x, const Dims& k, const Dims& s, const Dims& d);
// A CONV node (node.hpp): value computes x conv w with stride/dilation s_d = {sh, sw, dh, dw}.
NodePtr conv_node(const NodePtr& value, const NodePtr& x, const NodePtr& w, const Dims& s_d);
// A POW node (node.hpp): value computes x ** y (all three of one shape and float dtype).
NodePtr pow_node(const NodePtr& value, const NodePtr& x, const NodePtr& y);
// GATHER and SCATTER_ADD nodes (node.hpp) along `axis`; shapes as described there.
NodePtr gather(const NodePtr& table, const NodePtr& idx, int64_t axis);
NodePtr scatter_add(const NodePtr& base, const NodePtr& idx, const NodePtr& src, int64_t axis);
// An ARGSORT node (node.hpp): the first k sorted positions of each last-dim row of x.
NodePtr argsort_rows(const NodePtr& x, int64_t k, bool descending);
NodePtr contiguous(const NodePtr& x);
NodePtr detach(const NodePtr& x);
NodePtr copy_to(const NodePtr& x, const std::shared_ptr<Device>& device);

}  // namespace tg::detail
