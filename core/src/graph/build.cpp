#include "graph/build.hpp"

#include <cmath>

#include "base/internal_check.hpp"
#include "runtime/runtime.hpp"
#include "tg/error.hpp"
#include "tg/shape.hpp"

namespace tg::detail {
namespace {

// Every node is made here: its shape is held to tg::kMaxElements (tg/shape.hpp), so no element
// count, stride or byte size computed from it later can overflow.
Node proto(Op op, DType dtype, Dims shape, std::shared_ptr<Device> device, Sources src = {}) {
  check_shape_size(shape.data(), shape.size());
  Node n;
  n.op = op;
  n.dtype = dtype;
  n.shape = std::move(shape);
  n.device = std::move(device);
  n.src = std::move(src);
  return n;
}


}  // namespace

NodePtr const_node(double value, DType dtype, const std::shared_ptr<Device>& device, bool unique) {
  Node n = proto(Op::CONST, dtype, {}, device);
  if (is_float(dtype)) {
    n.fvalue = value;
  } else if (dtype == DType::bool_) {
    n.ivalue = value != 0;
  } else {
    n.ivalue = std::isfinite(value) ? static_cast<int64_t>(std::trunc(std::fmax(std::fmin(value, 9.2e18), -9.2e18))) : 0;
  }
  if (unique) n.unique = next_unique_id();
  return intern(std::move(n));
}

NodePtr buffer_node(const void* data, const Dims& shape, DType dtype, const std::shared_ptr<Device>& device) {
  Node n = proto(Op::BUFFER, dtype, shape, device);
  const uint64_t nbytes = n.nbytes();
  n.buffer = device->alloc(nbytes);
  if (nbytes > 0) device->write(*n.buffer, data, nbytes);
  return intern(std::move(n));
}

NodePtr value_of(const NodePtr& x) {
  Node n = proto(Op::BUFFER, x->dtype, x->shape, x->device);
  n.buffer = x->buffer;
  return intern(std::move(n));
}

NodePtr alu(Op op, DType dtype, Sources src) {
  TG_INTERNAL_CHECK(is_elementwise(op) && !src.empty(), "alu() needs an elementwise op and sources");
  for (auto& s : src) {
    TG_INTERNAL_CHECK(s->shape == src[0]->shape, "alu() sources differ in shape");
    if (s->device != src[0]->device)
      throw Error("operands are on different devices (" + s->device->name() + " and " + src[0]->device->name() +
                  "): move one with .to(\"" + src[0]->device->name() + "\")");
  }
  Dims shape = src[0]->shape;
  auto dev = src[0]->device;
  return intern(proto(op, dtype, std::move(shape), std::move(dev), std::move(src)));
}

NodePtr cast(const NodePtr& x, DType dtype) {
  if (x->dtype == dtype) return x;
  return alu(Op::CAST, dtype, {x});
}

NodePtr reduce(const NodePtr& x, ReduceOp op, Dims axes) {
  Dims shape = x->shape;
  bool any = false;
  for (int64_t a : axes) {
    any |= shape[a] != 1;
    shape[a] = 1;
  }
  if (!any) return x;  // reducing size-1 axes changes nothing
  Node n = proto(Op::REDUCE, x->dtype, shape, x->device, {x});
  n.reduce_op = op;
  n.dims = std::move(axes);
  return intern(std::move(n));
}

NodePtr reshape(const NodePtr& x, const Dims& shape) {
  if (x->shape == shape) return x;
  if (x->op == Op::RESHAPE) return reshape(x->src[0], shape);  // reshape(reshape(x)) = reshape(x)
  Node n = proto(Op::RESHAPE, x->dtype, shape, x->device, {x});
  n.dims = shape;
  return intern(std::move(n));
}

NodePtr permute(const NodePtr& x, const Dims& order) {
  bool identity = true;
  for (size_t i = 0; i < order.size(); i++) identity &= order[i] == static_cast<int64_t>(i);
  if (identity) return x;
  Dims shape;
  for (int64_t o : order) shape.push_back(x->shape[o]);
  Node n = proto(Op::PERMUTE, x->dtype, shape, x->device, {x});
  n.dims = order;
  return intern(std::move(n));
}

NodePtr expand(const NodePtr& x, const Dims& shape) {
  if (x->shape == shape) return x;
  Node n = proto(Op::EXPAND, x->dtype, shape, x->device, {x});
  n.dims = shape;
  return intern(std::move(n));
}

NodePtr pad(const NodePtr& x, const Ranges& padding) {
  bool any = false;
  Dims shape = x->shape;
  for (size_t d = 0; d < shape.size(); d++) {
    any |= padding[d].first != 0 || padding[d].second != 0;
    shape[d] = checked_add(checked_add(shape[d], padding[d].first, "pad"), padding[d].second, "pad");
  }
  if (!any) return x;
  Node n = proto(Op::PAD, x->dtype, shape, x->device, {x});
  n.ranges = padding;
  return intern(std::move(n));
}

NodePtr shrink(const NodePtr& x, const Ranges& ranges) {
  bool any = false;
  Dims shape;
  for (size_t d = 0; d < ranges.size(); d++) {
    any |= ranges[d].first != 0 || ranges[d].second != x->shape[d];
    shape.push_back(ranges[d].second - ranges[d].first);
  }
  if (!any) return x;
  Node n = proto(Op::SHRINK, x->dtype, shape, x->device, {x});
  n.ranges = ranges;
  return intern(std::move(n));
}

NodePtr flip(const NodePtr& x, const Dims& axes01) {
  bool any = false;
  for (size_t d = 0; d < axes01.size(); d++) any |= axes01[d] && x->shape[d] > 1;
  if (!any) return x;
  Node n = proto(Op::FLIP, x->dtype, x->shape, x->device, {x});
  n.dims = axes01;
  return intern(std::move(n));
}

NodePtr window(const NodePtr& x, const Dims& k, const Dims& s, const Dims& d) {
  const size_t n = k.size(), lead = x->shape.size() - n;
  Dims shape(x->shape.begin(), x->shape.begin() + static_cast<std::ptrdiff_t>(lead));
  for (size_t j = 0; j < n; j++) shape.push_back((x->shape[lead + j] - d[j] * (k[j] - 1) - 1) / s[j] + 1);
  shape.insert(shape.end(), k.begin(), k.end());
  Node m = proto(Op::WINDOW, x->dtype, shape, x->device, {x});
  m.dims = k;
  m.dims.insert(m.dims.end(), s.begin(), s.end());
  m.dims.insert(m.dims.end(), d.begin(), d.end());
  return intern(std::move(m));
}

NodePtr conv_node(const NodePtr& value, const NodePtr& x, const NodePtr& w, const Dims& s_d) {
  Node m = proto(Op::CONV, value->dtype, value->shape, value->device, {value, x, w});
  m.dims = s_d;
  return intern(std::move(m));
}

NodePtr pow_node(const NodePtr& value, const NodePtr& x, const NodePtr& y) {
  return intern(proto(Op::POW, value->dtype, value->shape, value->device, {value, x, y}));
}

// Shapes a and b equal but along axis (and one rank).
static bool same_but(const Dims& a, const Dims& b, int64_t axis) {
  if (a.size() != b.size()) return false;
  for (size_t d = 0; d < a.size(); d++)
    if (static_cast<int64_t>(d) != axis && a[d] != b[d]) return false;
  return true;
}

NodePtr gather(const NodePtr& table, const NodePtr& idx, int64_t axis) {
  TG_INTERNAL_CHECK(axis >= 0 && axis < static_cast<int64_t>(table->shape.size()) && same_but(table->shape, idx->shape, axis) &&
              !is_float(idx->dtype) && table->device == idx->device,
          "gather() needs an integer index of the table's shape but along axis, on its device");
  Node n = proto(Op::GATHER, table->dtype, idx->shape, table->device, {table, idx});
  n.dims = {axis};
  return intern(std::move(n));
}

NodePtr scatter_add(const NodePtr& base, const NodePtr& idx, const NodePtr& src, int64_t axis) {
  TG_INTERNAL_CHECK(axis >= 0 && axis < static_cast<int64_t>(base->shape.size()) && idx->shape == src->shape &&
              same_but(base->shape, idx->shape, axis) && !is_float(idx->dtype) && src->dtype == base->dtype &&
              base->device == idx->device && base->device == src->device,
          "scatter_add() needs an integer index and values of one shape, the base's but along axis, on its device");
  Node n = proto(Op::SCATTER_ADD, base->dtype, base->shape, base->device, {base, idx, src});
  n.dims = {axis};
  return intern(std::move(n));
}

NodePtr argsort_rows(const NodePtr& x, int64_t k, bool descending) {
  TG_INTERNAL_CHECK(!x->shape.empty() && k >= 1 && k <= x->shape.back(), "argsort_rows() needs 1 <= k <= the last dim");
  NodePtr keys = contiguous(x);
  Dims shape = x->shape;
  shape.back() = k;
  Node n = proto(Op::ARGSORT, DType::int32, shape, x->device, {keys});
  n.dims = {k, descending ? 1 : 0};
  return intern(std::move(n));
}

NodePtr contiguous(const NodePtr& x) {
  if (x->op == Op::CONTIGUOUS || x->op == Op::BUFFER) return x;
  return intern(proto(Op::CONTIGUOUS, x->dtype, x->shape, x->device, {x}));
}

NodePtr detach(const NodePtr& x) { return intern(proto(Op::DETACH, x->dtype, x->shape, x->device, {x})); }

NodePtr copy_to(const NodePtr& x, const std::shared_ptr<Device>& device) {
  if (x->device == device) return x;
  return intern(proto(Op::COPY, x->dtype, x->shape, device, {x}));
}

}  // namespace tg::detail
