// Elementwise math, comparisons and where: tinygrad's identities over the tg.kir ops.
#include <cmath>

#include "tensor/ops.hpp"

namespace tg {
namespace detail {

NodePtr broadcast_to(const NodePtr& x, const Dims& shape, const char* what) {
  if (x->shape == shape) return x;
  if (x->shape.size() > shape.size())
    throw Error(std::string(what) + ": cannot broadcast shape " + shape_str(x->shape) + " to " + shape_str(shape));
  Dims padded(shape.size() - x->shape.size(), 1);
  padded.insert(padded.end(), x->shape.begin(), x->shape.end());
  for (size_t d = 0; d < shape.size(); d++)
    if (padded[d] != shape[d] && padded[d] != 1)
      throw Error(std::string(what) + ": cannot broadcast shape " + shape_str(x->shape) + " to " + shape_str(shape) +
                  ": dim " + std::to_string(d) + " is " + std::to_string(padded[d]) + ", not 1 or " +
                  std::to_string(shape[d]));
  return expand(reshape(x, padded), shape);
}

std::pair<NodePtr, NodePtr> broadcast_pair(const NodePtr& a, const NodePtr& b, const char* what) {
  if (a->shape == b->shape) return {a, b};
  size_t n = std::max(a->shape.size(), b->shape.size());
  Dims out(n);
  for (size_t i = 0; i < n; i++) {
    int64_t da = i < n - a->shape.size() ? 1 : a->shape[i - (n - a->shape.size())];
    int64_t db = i < n - b->shape.size() ? 1 : b->shape[i - (n - b->shape.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(std::string(what) + ": shapes " + shape_str(a->shape) + " and " + shape_str(b->shape) +
                  " cannot be broadcast together: dim " + std::to_string(i) + " is " + std::to_string(da) + " vs " +
                  std::to_string(db) + " (each must match or be 1)");
    out[i] = da == 1 ? db : da;
  }
  return {broadcast_to(a, out, what), broadcast_to(b, out, what)};
}

NodePtr const_like(const NodePtr& x, double value, DType dtype) {
  NodePtr c = const_node(value, dtype, x->device);
  return expand(reshape(c, Dims(x->shape.size(), 1)), x->shape);
}

DType scalar_dtype_with(DType t, const Scalar& s) {
  if (s.kind == DType::float32 && !is_float(t)) return default_float;
  if (s.kind == DType::int32 && t == DType::bool_) return default_int;
  return t;
}

Tensor scalar_tensor_like(const Tensor& x, Scalar s) {
  const NodePtr& n = node_of(x);
  return Tensor(const_like(n, s.value, scalar_dtype_with(n->dtype, s)));
}

// The result dtype of op on operands of dtype d (comparisons give bool).
static DType result_dtype(Op op, DType d) { return op == Op::CMPLT || op == Op::CMPNE ? DType::bool_ : d; }

Tensor binary(Op op, const Tensor& a, const Tensor& b, const char* what) {
  auto [x, y] = broadcast_pair(node_of(a), node_of(b), what);
  DType d = promote_types(x->dtype, y->dtype);
  return make_result(alu(op, result_dtype(op, d), {cast(x, d), cast(y, d)}));
}

Tensor binary(Op op, const Tensor& a, Scalar b, const char* what, bool scalar_first) {
  const NodePtr& x = node_of(a);
  DType d = scalar_dtype_with(x->dtype, b);
  NodePtr c = const_like(x, b.value, d);
  NodePtr xc = cast(x, d);
  (void)what;
  return make_result(alu(op, result_dtype(op, d), scalar_first ? Sources{c, xc} : Sources{xc, c}));
}

Tensor unary(Op op, const Tensor& x) {
  const NodePtr& n = node_of(x);
  return make_result(alu(op, n->dtype, {n}));
}

Tensor to_float(const Tensor& x) { return is_float(x.dtype()) ? x : x.cast(default_float); }

Tensor order_inverse(const Tensor& x) {
  const DType d = x.dtype();
  if (is_float(d)) return unary(Op::NEG, x);
  if (d == DType::bool_) return x.logical_not();
  const NodePtr& n = node_of(x);
  NodePtr ones = const_like(n, is_unsigned(d) ? static_cast<double>((uint64_t{1} << (8 * dtype_size(d))) - 1) : -1.0, d);
  return make_result(alu(Op::XOR, d, {n, ones}));
}

}  // namespace detail

using detail::binary;
using detail::Op;
using detail::to_float;
using detail::unary;

constexpr double kLog2E = 1.4426950408889634;
constexpr double kLn2 = 0.6931471805599453;

// ---- arithmetic ----
Tensor operator+(const Tensor& a, const Tensor& b) { return binary(Op::ADD, a, b, "add"); }
Tensor operator-(const Tensor& a, const Tensor& b) { return a + (-b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return binary(Op::MUL, a, b, "mul"); }
Tensor operator/(const Tensor& a, const Tensor& b) {
  detail::broadcast_pair(detail::node_of(a), detail::node_of(b), "div");  // the shape check names "div"
  Tensor x = to_float(a), y = to_float(b);
  DType d = promote_types(x.dtype(), y.dtype());
  return x.cast(d) * y.cast(d).reciprocal();
}
Tensor operator+(const Tensor& a, Scalar b) { return binary(Op::ADD, a, b, "add"); }
Tensor operator-(const Tensor& a, Scalar b) {
  Scalar negated = b;
  negated.value = -b.value;
  return a + negated;
}
Tensor operator*(const Tensor& a, Scalar b) { return binary(Op::MUL, a, b, "mul"); }
Tensor operator/(const Tensor& a, Scalar b) { return a / detail::scalar_tensor_like(a, b); }
Tensor operator+(Scalar a, const Tensor& b) { return binary(Op::ADD, b, a, "add", true); }
Tensor operator-(Scalar a, const Tensor& b) { return binary(Op::ADD, -b, a, "sub", true); }
Tensor operator*(Scalar a, const Tensor& b) { return binary(Op::MUL, b, a, "mul", true); }
Tensor operator/(Scalar a, const Tensor& b) { return detail::scalar_tensor_like(b, a) / b; }

Tensor Tensor::operator-() const {
  if (dtype() == DType::bool_) return logical_not();
  return unary(Op::NEG, *this);
}
Tensor Tensor::add(const Tensor& o) const { return *this + o; }
Tensor Tensor::sub(const Tensor& o) const { return *this - o; }
Tensor Tensor::mul(const Tensor& o) const { return *this * o; }
Tensor Tensor::div(const Tensor& o) const { return *this / o; }
Tensor& Tensor::operator+=(const Tensor& o) { return assign((*this + o).cast(dtype())); }
Tensor& Tensor::operator-=(const Tensor& o) { return assign((*this - o).cast(dtype())); }
Tensor& Tensor::operator*=(const Tensor& o) { return assign((*this * o).cast(dtype())); }
Tensor& Tensor::operator/=(const Tensor& o) { return assign((*this / o).cast(dtype())); }
Tensor& Tensor::operator+=(Scalar o) { return assign((*this + o).cast(dtype())); }
Tensor& Tensor::operator-=(Scalar o) { return assign((*this - o).cast(dtype())); }
Tensor& Tensor::operator*=(Scalar o) { return assign((*this * o).cast(dtype())); }
Tensor& Tensor::operator/=(Scalar o) { return assign((*this / o).cast(dtype())); }

// ---- unary math ----
Tensor Tensor::exp2() const { return unary(Op::EXP2, to_float(*this)); }
Tensor Tensor::log2() const { return unary(Op::LOG2, to_float(*this)); }
Tensor Tensor::exp() const { return (to_float(*this) * kLog2E).exp2(); }
Tensor Tensor::log() const { return log2() * kLn2; }
Tensor Tensor::sqrt() const { return unary(Op::SQRT, to_float(*this)); }
Tensor Tensor::rsqrt() const { return sqrt().reciprocal(); }
Tensor Tensor::sin() const { return unary(Op::SIN, to_float(*this)); }
Tensor Tensor::cos() const { return (M_PI / 2 - to_float(*this)).sin(); }
Tensor Tensor::tan() const { return sin() / cos(); }
Tensor Tensor::reciprocal() const { return unary(Op::RECIP, to_float(*this)); }
Tensor Tensor::square() const { return *this * *this; }
// NaN stays NaN (no comparison holds for it); the gradient at 0 is 0, as PyTorch's.
Tensor Tensor::abs() const {
  if (dtype() == DType::bool_) return *this;
  Tensor zero = detail::scalar_tensor_like(*this, 0);
  return tg::where(*this != zero, tg::where(*this < zero, -*this, *this), zero);
}
Tensor Tensor::sign() const {
  Tensor zero = detail::scalar_tensor_like(*this, 0);
  Tensor one = detail::scalar_tensor_like(*this, 1), minus = detail::scalar_tensor_like(*this, -1);
  return tg::where(*this > 0, one, tg::where(*this < 0, minus, zero));
}
Tensor Tensor::trunc() const { return is_float(dtype()) ? unary(Op::TRUNC, *this) : *this; }
Tensor Tensor::floor() const {
  if (!is_float(dtype())) return *this;
  Tensor t = trunc();
  return tg::where(t > *this, t - 1, t);
}
Tensor Tensor::ceil() const {
  if (!is_float(dtype())) return *this;
  Tensor t = trunc();
  return tg::where(t < *this, t + 1, t);
}
Tensor Tensor::round() const {  // half to even
  if (!is_float(dtype())) return *this;
  Tensor b = trunc() / 2.0;
  return tg::where((*this > 0) == (b.trunc() == b), (*this - 0.5).ceil(), (*this + 0.5).floor());
}

// As PyTorch and tinygrad: the gradient passes where lo <= x <= hi (1 at the bounds, not a
// maximum's tie 0.5), NaN stays NaN, and where lo > hi every element becomes hi.
Tensor Tensor::clip(Scalar lo, Scalar hi) const {
  Tensor r = tg::where(*this < lo, lo, *this);
  return tg::where(r > hi, hi, r);
}
Tensor Tensor::maximum(const Tensor& o) const { return binary(Op::MAX, *this, o, "maximum"); }
Tensor Tensor::minimum(const Tensor& o) const {
  if (dtype() == DType::bool_ && o.dtype() == DType::bool_) return logical_and(o);
  const DType d = promote_types(dtype(), o.dtype());  // a bool next to a float compares as 0/1
  detail::broadcast_pair(detail::node_of(*this), detail::node_of(o), "minimum");  // names "minimum"
  using detail::order_inverse;
  return order_inverse(order_inverse(cast(d)).maximum(order_inverse(o.cast(d))));
}
Tensor Tensor::maximum(Scalar o) const { return binary(Op::MAX, *this, o, "maximum"); }
Tensor Tensor::minimum(Scalar o) const { return minimum(detail::scalar_tensor_like(*this, o)); }

// ---- comparisons and logic ----
Tensor Tensor::lt(const Tensor& o) const { return binary(Op::CMPLT, *this, o, "lt"); }
Tensor Tensor::gt(const Tensor& o) const { return binary(Op::CMPLT, o, *this, "gt"); }
Tensor Tensor::ne(const Tensor& o) const { return binary(Op::CMPNE, *this, o, "ne"); }
Tensor Tensor::eq(const Tensor& o) const { return ne(o).logical_not(); }
Tensor Tensor::le(const Tensor& o) const { return lt(o).logical_or(eq(o)); }
Tensor Tensor::ge(const Tensor& o) const { return gt(o).logical_or(eq(o)); }
Tensor Tensor::logical_not() const {
  if (dtype() != DType::bool_) return eq(detail::scalar_tensor_like(*this, 0));
  return binary(Op::CMPNE, *this, Scalar(true), "logical_not");
}
Tensor Tensor::logical_and(const Tensor& o) const {
  return binary(Op::AND, cast(DType::bool_), o.cast(DType::bool_), "logical_and");
}
Tensor Tensor::logical_or(const Tensor& o) const {
  return binary(Op::OR, cast(DType::bool_), o.cast(DType::bool_), "logical_or");
}

Tensor operator==(const Tensor& a, const Tensor& b) { return a.eq(b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return a.ne(b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return a.lt(b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return a.le(b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return a.gt(b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return a.ge(b); }
Tensor operator==(const Tensor& a, Scalar b) { return a.eq(detail::scalar_tensor_like(a, b)); }
Tensor operator!=(const Tensor& a, Scalar b) { return a.ne(detail::scalar_tensor_like(a, b)); }
Tensor operator<(const Tensor& a, Scalar b) { return a.lt(detail::scalar_tensor_like(a, b)); }
Tensor operator<=(const Tensor& a, Scalar b) { return a.le(detail::scalar_tensor_like(a, b)); }
Tensor operator>(const Tensor& a, Scalar b) { return a.gt(detail::scalar_tensor_like(a, b)); }
Tensor operator>=(const Tensor& a, Scalar b) { return a.ge(detail::scalar_tensor_like(a, b)); }
Tensor operator!(const Tensor& a) { return a.logical_not(); }

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  using namespace detail;
  auto [xb, yb] = broadcast_pair(node_of(x), node_of(y), "where");
  auto [c, xb2] = broadcast_pair(cast(node_of(cond), DType::bool_), xb, "where");
  auto [c2, yb2] = broadcast_pair(c, yb, "where");
  xb2 = broadcast_to(xb2, c2->shape, "where");
  DType d = promote_types(xb2->dtype, yb2->dtype);
  return make_result(alu(Op::WHERE, d, {c2, cast(xb2, d), cast(yb2, d)}));
}
Tensor where(const Tensor& cond, Scalar x, const Tensor& y) { return where(cond, detail::scalar_tensor_like(y, x), y); }
Tensor where(const Tensor& cond, const Tensor& x, Scalar y) { return where(cond, x, detail::scalar_tensor_like(x, y)); }
Tensor where(const Tensor& cond, Scalar x, Scalar y) {
  Tensor xs = Tensor::full({}, x, TensorOptions{std::nullopt, cond.device(), std::nullopt});
  return where(cond, xs, detail::scalar_tensor_like(xs, y));
}
Tensor Tensor::where(const Tensor& x, const Tensor& y) const { return tg::where(*this, x, y); }
Tensor Tensor::where(Scalar x, const Tensor& y) const { return tg::where(*this, x, y); }
Tensor Tensor::where(const Tensor& x, Scalar y) const { return tg::where(*this, x, y); }
Tensor Tensor::where(Scalar x, Scalar y) const { return tg::where(*this, x, y); }

// ---- activations ----
Tensor Tensor::relu() const { return tg::where(*this > 0, *this, detail::scalar_tensor_like(*this, 0)); }
// exp2's argument is capped where its result is still finite (2^126 in float32): past that the
// sigmoid is 0 to within the dtype's smallest normal, and an exp2 of inf would make the gradient
// 0 * inf = NaN where none arrives (sigmoid, tanh, silu, gelu at x = -100). One MIN, no select.
Tensor Tensor::sigmoid() const {
  Tensor x = to_float(*this);
  const double cap = x.dtype() == DType::float64 ? 1022.0 : x.dtype() == DType::float16 ? 15.0 : 126.0;
  return (1.0 + (x * -kLog2E).minimum(cap).exp2()).reciprocal();
}
Tensor Tensor::tanh() const { return 2.0 * (to_float(*this) * 2.0).sigmoid() - 1.0; }
// GELU's tanh form, 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), written as
// x sigmoid(2u) (tanh(u) = 2 sigmoid(2u) - 1): the same function in 11 ops instead of 17 and
// one rounding of 1 + tanh fewer; a generated token builds (and walks) fewer nodes, and the
// train step's GELU kernels do less.
Tensor Tensor::gelu() const {
  Tensor x = to_float(*this);
  return x * (x * (2 * 0.7978845608028654) * (1.0 + 0.044715 * x * x)).sigmoid();
}
Tensor Tensor::quick_gelu() const { return *this * (*this * 1.702).sigmoid(); }
Tensor Tensor::silu() const { return *this * sigmoid(); }
Tensor Tensor::leaky_relu(float s) const { return tg::where(*this < 0, *this * s, to_float(*this)); }
Tensor Tensor::elu(float alpha) const { return relu() - alpha * (1.0 - exp()).relu(); }
Tensor Tensor::celu(float alpha) const { return maximum(0.0) + ((*this / alpha).exp() - 1.0).minimum(0.0) * alpha; }
Tensor Tensor::softplus(float beta) const {
  Tensor xb = to_float(*this) * beta;  // stable: relu(xb) + log(1 + exp(-|xb|))
  return (xb.relu() + (1.0 + (-xb.abs()).exp()).log()) * (1.0 / beta);
}
Tensor Tensor::mish() const { return *this * softplus().tanh(); }
Tensor Tensor::relu6() const { return relu() - (*this - 6).relu(); }
Tensor Tensor::hardswish() const { return *this * (*this + 3).relu6() * (1.0 / 6); }
Tensor Tensor::hardsigmoid() const { return (*this + 3).relu6() * (1.0 / 6); }
Tensor Tensor::hardtanh(float lo, float hi) const { return clip(lo, hi); }

}  // namespace tg
