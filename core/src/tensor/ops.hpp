#pragma once
// Shared helpers of the Tensor layer's op files: broadcasting, promotion, scalar operands.
#include "tensor/impl.hpp"

namespace tg::detail {

// Both operands broadcast to one shape (numpy rules); `what` names the op in the error.
std::pair<NodePtr, NodePtr> broadcast_pair(const NodePtr& a, const NodePtr& b, const char* what);
NodePtr broadcast_to(const NodePtr& x, const Dims& shape, const char* what);
// A constant with x's shape and device.
NodePtr const_like(const NodePtr& x, double value, DType dtype);
// The dtype a Python-style scalar takes next to a tensor of dtype t (tinygrad's rule).
DType scalar_dtype_with(DType t, const Scalar& s);
// Elementwise binary op with broadcasting and promotion to a common dtype (or `out` if given).
Tensor binary(Op op, const Tensor& a, const Tensor& b, const char* what);
Tensor binary(Op op, const Tensor& a, Scalar b, const char* what, bool scalar_first = false);
Tensor unary(Op op, const Tensor& x);
Tensor to_float(const Tensor& x);  // ints and bools become float32
Tensor scalar_tensor_like(const Tensor& x, Scalar s);
// opts for a tensor made like t (the *_like creators): t's dtype and device where opts leave them unset.
inline TensorOptions like(const Tensor& t, TensorOptions opts) {
  if (!opts.dtype) opts.dtype = t.dtype();
  if (!opts.device) opts.device = t.device();
  return opts;
}
// An order-reversing bijection of x's dtype, its own inverse: -x for floats, not for bools,
// ~x (x XOR all ones) for ints, which cannot overflow as -INT_MIN does. min is inverse(max(inverse)).
Tensor order_inverse(const Tensor& x);
// x ** y for float x and y of one shape and dtype: C's pow values, PyTorch's gradients (a POW node).
NodePtr float_pow(const NodePtr& x, const NodePtr& y);
// The gradients {none, d/dx, d/dy} of a POW node given the gradient g of its value.
Sources pow_backward(const Node& n, const NodePtr& g);

}  // namespace tg::detail
