// pow: C's pow values for floats (with PyTorch's gradients through a POW node), exact integer
// powers for ints, and PyTorch's result dtype (an int tensor to a float power is float, to an
// int power int; to a negative int power an error).
#include <cmath>

#include "tensor/ops.hpp"

namespace tg {
namespace detail {
namespace {

constexpr double kLn2 = 0.6931471805599453;

// x ** y as elementwise ops: |x| ** y = exp2(y * log2|x|), then C's rules for the corners.
Tensor float_pow_value(const Tensor& x, const Tensor& y) {
  Tensor r = (y * x.abs().log2()).exp2();
  Tensor is_int = y == y.trunc();
  Tensor half = y * 0.5;
  Tensor odd = is_int.logical_and(half != half.trunc());  // +-inf counts as even, as in C
  // negative: x < 0 or x = -0 (1 / -0 = -inf), whose odd powers are -0 and -inf
  Tensor negative = (x < 0).logical_or(x.reciprocal() < 0);
  r = tg::where(negative.logical_and(odd), -r, r);
  // a finite negative base to a non-integer power has no real value; (-inf) ** 0.3 is inf
  Tensor no_value = (x < 0).logical_and(x != -INFINITY).logical_and(is_int.logical_not());
  r = tg::where(no_value, std::nan(""), r);
  // x ** 0 = 1 ** y = 1 for every x and y, even NaN; (-1) ** +-inf = 1
  Tensor one = (y == 0).logical_or(x == 1).logical_or((x == -1).logical_and(y.abs() == INFINITY));
  return tg::where(one, 1.0, r);
}

// base ** k for a non-negative integer k by squaring: exact, wrapping on overflow as ints do.
Tensor int_pow_scalar(const Tensor& base, uint64_t k) {
  if (k == 0) return scalar_tensor_like(base, 1);
  std::optional<Tensor> result;
  Tensor b = base;
  while (true) {
    if (k & 1) result = result ? *result * b : b + 0;
    k >>= 1;
    if (!k) return *result;
    b = b * b;
  }
}

// x ** y for int tensors: by squaring over every bit y can have. A negative y gives the
// truncated value of 1 / x ** -y: 1 for x = 1, +-1 for x = -1, else 0.
Tensor int_pow_tensor(const Tensor& x, const Tensor& y) {
  const DType d = x.dtype();
  const int bits = is_unsigned(d) ? 8 * static_cast<int>(dtype_size(d)) : 8 * static_cast<int>(dtype_size(d)) - 1;
  Tensor one = scalar_tensor_like(x, 1), zero = scalar_tensor_like(x, 0), two = scalar_tensor_like(x, 2);
  Tensor e = tg::where(y < zero, zero, y);
  Tensor result = one, b = x;
  for (int i = 0; i < bits; i++) {
    Tensor bit = binary(Op::MOD, e, two, "pow") != zero;
    result = tg::where(bit, result * b, result);
    if (i + 1 == bits) break;
    b = b * b;
    e = binary(Op::IDIV, e, two, "pow");
  }
  if (is_unsigned(d)) return result;
  Tensor y_odd = binary(Op::MOD, y, two, "pow") != zero;
  Tensor negative_power = tg::where(x == one, one, tg::where(x == -one, tg::where(y_odd, -one, one), zero));
  return tg::where(y < zero, negative_power, result);
}

}  // namespace

NodePtr float_pow(const NodePtr& x, const NodePtr& y) {
  NodePtr value = node_of(float_pow_value(Tensor(x), Tensor(y)));
  return pow_node(value, x, y);
}

// PyTorch's rule: d/dx = y * x ** (y - 1), 0 where y = 0; d/dy = x ** y * log(x), 0 where
// x = 0 and y >= 0 (log of a negative x is NaN, as PyTorch's).
Sources pow_backward(const Node& n, const NodePtr& g) {
  Tensor x(n.src[1]), y(n.src[2]), value(n.src[0]), grad(g);
  Tensor dx = tg::where(y == 0, 0.0, grad * y * Tensor(float_pow(n.src[1], node_of(y - 1))));
  Tensor dy = tg::where((x == 0).logical_and(y >= 0), 0.0, grad * value * (x.log2() * kLn2));
  return {nullptr, node_of(dx.cast(x.dtype())), node_of(dy.cast(y.dtype()))};
}

}  // namespace detail

Tensor Tensor::pow(Scalar e) const {
  const DType d = detail::scalar_dtype_with(dtype(), e);
  if (!is_float(d)) {  // an int (or bool) tensor to an int power stays int
    if (e.value < 0)
      throw Error("pow: an integer tensor (" + std::string(dtype_name(dtype())) + ") to a negative integer power (" +
                  std::to_string(static_cast<long long>(e.value)) +
                  ") is not an integer; cast the tensor to a float dtype first");
    return detail::int_pow_scalar(cast(d), static_cast<uint64_t>(e.value));
  }
  Tensor x = cast(d);
  // exact and cheaper forms, the same values and gradients
  if (e.value == 1) return x + 0;
  if (e.value == 2) return x * x;
  if (e.value == 3) return x * x * x;
  if (e.value == -1) return x.reciprocal();
  return x.pow(detail::scalar_tensor_like(x, e));
}

Tensor Tensor::pow(const Tensor& exponent) const {
  using namespace detail;
  auto [xb, yb] = broadcast_pair(node_of(*this), node_of(exponent), "pow");
  const DType d = promote_types(xb->dtype, yb->dtype);
  if (is_float(d)) return make_result(float_pow(detail::cast(xb, d), detail::cast(yb, d)));
  Tensor x(xb), y(yb);
  if (d == DType::bool_) return tg::where(y, x, true);  // x ** true = x, x ** false = true
  return int_pow_tensor(x.cast(d), y.cast(d));
}

}  // namespace tg
