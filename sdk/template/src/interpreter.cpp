#include "interpreter.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "tg/half.h"

namespace tmpl {
namespace {

using tg::sdk::dtype_size;
using tg::sdk::is_float_dtype;

// The nearest value of a float dtype.
double round_to(uint32_t dtype, double x) {
  switch (dtype) {
    case TG_DTYPE_FLOAT16: return tg_half_to_float(tg_double_to_half(x));
    case TG_DTYPE_BFLOAT16: return tg_bfloat16_to_float(tg_double_to_bfloat16(x));
    case TG_DTYPE_FLOAT32: return static_cast<float>(x);
    default: return x;
  }
}

// Wraps an integer to the dtype's width (two's complement); bool is != 0.
int64_t wrap(uint32_t dtype, uint64_t x) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return x != 0;
    case TG_DTYPE_INT8: return static_cast<int8_t>(static_cast<uint8_t>(x));
    case TG_DTYPE_UINT8: return static_cast<uint8_t>(x);
    case TG_DTYPE_INT16: return static_cast<int16_t>(static_cast<uint16_t>(x));
    case TG_DTYPE_INT32: return static_cast<int32_t>(static_cast<uint32_t>(x));
    default: return static_cast<int64_t>(x);
  }
}

int64_t int_min(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_INT8: return INT8_MIN;
    case TG_DTYPE_INT16: return INT16_MIN;
    case TG_DTYPE_INT32: return INT32_MIN;
    case TG_DTYPE_INT64: return INT64_MIN;
    default: return 0;
  }
}
int64_t int_max(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return 1;
    case TG_DTYPE_INT8: return INT8_MAX;
    case TG_DTYPE_UINT8: return UINT8_MAX;
    case TG_DTYPE_INT16: return INT16_MAX;
    case TG_DTYPE_INT32: return INT32_MAX;
    default: return INT64_MAX;
  }
}

double read_float(uint32_t dtype, const std::byte* p) {
  uint16_t h;
  float f;
  double d;
  switch (dtype) {
    case TG_DTYPE_FLOAT16: std::memcpy(&h, p, 2); return tg_half_to_float(h);
    case TG_DTYPE_BFLOAT16: std::memcpy(&h, p, 2); return tg_bfloat16_to_float(h);
    case TG_DTYPE_FLOAT32: std::memcpy(&f, p, 4); return f;
    default: std::memcpy(&d, p, 8); return d;
  }
}
void write_float(uint32_t dtype, std::byte* p, double v) {
  uint16_t h;
  float f;
  switch (dtype) {
    case TG_DTYPE_FLOAT16: h = tg_double_to_half(v); std::memcpy(p, &h, 2); return;
    case TG_DTYPE_BFLOAT16: h = tg_double_to_bfloat16(v); std::memcpy(p, &h, 2); return;
    case TG_DTYPE_FLOAT32: f = static_cast<float>(v); std::memcpy(p, &f, 4); return;
    default: std::memcpy(p, &v, 8); return;
  }
}
// Integers are stored as their low bytes (little-endian hosts); reading sign- or zero-extends.
int64_t read_int(uint32_t dtype, const std::byte* p) {
  uint64_t raw = 0;
  std::memcpy(&raw, p, dtype_size(dtype));
  return wrap(dtype, raw);
}
void write_int(uint32_t dtype, std::byte* p, int64_t v) { std::memcpy(p, &v, dtype_size(dtype)); }

}  // namespace

// One index and the values computed at it (each node at most once).
struct Interpreter::Point {
  int64_t index[TG_KIR_MAX_DIMS] = {};
  std::vector<char> done;
  std::vector<Value> values;
  const std::vector<Value>* reduced = nullptr;  // REDUCE results at this output
};

Interpreter::Interpreter(const tg_kir_program& p)
    : ndim_(p.ndim),
      shape_(p.shape, p.shape + p.ndim),
      nodes_(p.nodes, p.nodes + p.n_nodes),
      views_(p.views, p.views + p.n_views),
      params_(p.params, p.params + p.n_params),
      info_(tg::sdk::check_program(p)) {}

bool Interpreter::in_mask(const tg_kir_view& v, const int64_t* index) const {
  if (!v.has_mask) return true;
  for (uint32_t d = 0; d < ndim_; ++d)
    if (index[d] < v.mask_begin[d] || index[d] >= v.mask_end[d]) return false;
  return true;
}

int64_t Interpreter::element(const tg_kir_view& v, const int64_t* index) const {
  int64_t e = v.offset;
  for (uint32_t d = 0; d < ndim_; ++d) e += index[d] * v.strides[d];
  return e;
}

Interpreter::Value Interpreter::eval(int i, Point& at) const {
  if (at.done[i]) return at.values[i];
  const tg_kir_node& n = nodes_[i];
  Value v;
  if (n.op == TG_KIR_LOAD) {
    const tg_kir_view& view = views_[n.view];
    if (in_mask(view, at.index)) {
      const std::byte* p = (*base_)[n.param] + element(view, at.index) * static_cast<int64_t>(dtype_size(n.dtype));
      if (is_float_dtype(n.dtype)) v.f = read_float(n.dtype, p);
      else v.i = read_int(n.dtype, p);
    }
  } else if (n.op == TG_KIR_CONST) {
    if (n.view < 0 || in_mask(views_[n.view], at.index)) {
      v.f = round_to(n.dtype, n.fvalue);
      v.i = wrap(n.dtype, static_cast<uint64_t>(n.ivalue));
    }
  } else if (n.op == TG_KIR_REDUCE) {
    v = (*at.reduced)[i];
  } else {
    Value s[3];
    for (int k = 0; k < 3; ++k)
      if (n.src[k] >= 0) s[k] = eval(n.src[k], at);
    v = elementwise(n, s);
  }
  at.done[i] = 1;
  at.values[i] = v;
  return v;
}

Interpreter::Value Interpreter::elementwise(const tg_kir_node& n, const Value* s) const {
  const uint32_t in = nodes_[n.src[0]].dtype;  // the sources' dtype
  const uint32_t t = n.dtype;
  Value r;
  if (n.op == TG_KIR_WHERE) return s[0].i ? s[1] : s[2];
  if (n.op == TG_KIR_CAST) {
    if (is_float_dtype(in) && is_float_dtype(t)) r.f = round_to(t, s[0].f);
    else if (is_float_dtype(in) && t == TG_DTYPE_BOOL) r.i = s[0].f != 0;
    else if (is_float_dtype(in)) {  // truncate toward zero; outside the range: the nearest end
      const double x = std::trunc(s[0].f);
      r.i = std::isnan(x) ? 0 : x <= int_min(t) ? int_min(t) : x >= static_cast<double>(int_max(t)) ? int_max(t) : static_cast<int64_t>(x);
    } else if (t == TG_DTYPE_FLOAT16) r.f = tg_half_to_float(tg_int64_to_half(s[0].i));  // one rounding
    else if (t == TG_DTYPE_BFLOAT16) r.f = tg_bfloat16_to_float(tg_int64_to_bfloat16(s[0].i));
    else if (is_float_dtype(t)) r.f = round_to(t, static_cast<double>(s[0].i));  // float32: one rounding
    else r.i = wrap(t, static_cast<uint64_t>(s[0].i));
    return r;
  }
  if (is_float_dtype(in)) {
    const double a = s[0].f, b = s[1].f;
    switch (n.op) {
      case TG_KIR_CMPLT: r.i = a < b; return r;
      case TG_KIR_CMPNE: r.i = a != b; return r;
      case TG_KIR_EXP2: r.f = std::exp2(a); break;
      case TG_KIR_LOG2: r.f = std::log2(a); break;
      case TG_KIR_SIN: r.f = std::sin(a); break;
      case TG_KIR_SQRT: r.f = std::sqrt(a); break;
      case TG_KIR_RECIP: r.f = 1 / a; break;
      case TG_KIR_NEG: r.f = -a; break;
      case TG_KIR_TRUNC: r.f = std::trunc(a); break;
      case TG_KIR_ADD: r.f = a + b; break;
      case TG_KIR_MUL: r.f = a * b; break;
      case TG_KIR_MAX: r.f = std::isnan(a) || std::isnan(b) ? NAN : a < b ? b : a; break;
    }
    r.f = round_to(t, r.f);
    return r;
  }
  // Integers and bool: arithmetic on uint64_t wraps instead of overflowing.
  const int64_t a = s[0].i, b = s[1].i;
  const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  const int64_t bits = static_cast<int64_t>(dtype_size(in) * 8);
  uint64_t x = 0;
  switch (n.op) {
    case TG_KIR_NEG: x = 0 - ua; break;
    case TG_KIR_ADD: x = ua + ub; break;
    case TG_KIR_MUL: x = ua * ub; break;
    case TG_KIR_MAX: x = a < b ? ub : ua; break;
    case TG_KIR_CMPLT: x = a < b; break;
    case TG_KIR_CMPNE: x = a != b; break;
    case TG_KIR_IDIV: x = b == 0 ? 0 : b == -1 ? 0 - ua : static_cast<uint64_t>(a / b); break;
    case TG_KIR_MOD: x = b == 0 || b == -1 ? 0 : static_cast<uint64_t>(a % b); break;
    case TG_KIR_AND: x = ua & ub; break;
    case TG_KIR_OR: x = ua | ub; break;
    case TG_KIR_XOR: x = ua ^ ub; break;
    case TG_KIR_SHL: x = b < 0 || b >= bits ? 0 : ua << b; break;
    case TG_KIR_SHR: x = b < 0 || b >= bits ? 0 : static_cast<uint64_t>(a >= 0 ? a >> b : ~(~a >> b)); break;
  }
  r.i = wrap(t, x);
  return r;
}

// REDUCE node `r` at one output: folds its source over every index of the reduced axes.
Interpreter::Value Interpreter::reduce(int r, const int64_t* output_index, const std::vector<Value>& reduced) const {
  const tg_kir_node& n = nodes_[r];
  const bool f = is_float_dtype(n.dtype);
  double acc_f = n.reduce_op == TG_REDUCE_SUM ? 0 : n.reduce_op == TG_REDUCE_PROD ? 1 : -INFINITY;
  uint64_t acc_i = n.reduce_op == TG_REDUCE_SUM ? 0 : n.reduce_op == TG_REDUCE_PROD ? 1 : static_cast<uint64_t>(int_min(n.dtype));
  Point at;
  at.reduced = &reduced;
  std::memcpy(at.index, output_index, sizeof at.index);
  std::vector<uint32_t> axes;
  for (uint32_t d = 0; d < ndim_; ++d)
    if ((info_.reduce_axes >> d) & 1u) {
      if (shape_[d] == 0) return Value{round_to(n.dtype, acc_f), wrap(n.dtype, acc_i)};  // nothing to fold
      axes.push_back(d);
    }
  for (;;) {
    at.done.assign(nodes_.size(), 0);
    at.values.resize(nodes_.size());
    const Value v = eval(n.src[0], at);
    if (n.reduce_op == TG_REDUCE_SUM) { acc_f += v.f; acc_i += static_cast<uint64_t>(v.i); }
    if (n.reduce_op == TG_REDUCE_PROD) { acc_f *= v.f; acc_i *= static_cast<uint64_t>(v.i); }
    if (n.reduce_op == TG_REDUCE_MAX) {
      acc_f = std::isnan(acc_f) || std::isnan(v.f) ? NAN : acc_f < v.f ? v.f : acc_f;
      if (static_cast<int64_t>(acc_i) < v.i) acc_i = static_cast<uint64_t>(v.i);
    }
    size_t k = axes.size();  // the next index over the reduced axes, last fastest
    while (k > 0 && ++at.index[axes[k - 1]] == shape_[axes[k - 1]]) at.index[axes[--k]] = 0;
    if (k == 0) break;
  }
  Value out;
  if (f) out.f = round_to(n.dtype, acc_f);  // sums run in double: more than "at least float32"
  else out.i = wrap(n.dtype, acc_i);
  return out;
}

void Interpreter::run(const std::vector<std::byte*>& base) const {
  base_ = &base;
  int64_t index[TG_KIR_MAX_DIMS] = {};  // over the output space: reduced axes stay 0
  std::vector<Value> reduced(nodes_.size());
  for (int64_t o = 0; o < info_.out_numel; ++o) {
    for (size_t i = 0; i < nodes_.size(); ++i)  // REDUCEs first, inner ones before outer ones
      if (nodes_[i].op == TG_KIR_REDUCE) reduced[i] = reduce(static_cast<int>(i), index, reduced);
    Point at;
    at.reduced = &reduced;
    std::memcpy(at.index, index, sizeof at.index);
    at.done.assign(nodes_.size(), 0);
    at.values.resize(nodes_.size());
    for (const tg_kir_node& n : nodes_) {
      if (n.op != TG_KIR_STORE) continue;
      const Value v = eval(n.src[0], at);
      std::byte* p = base[n.param] + element(views_[n.view], index) * static_cast<int64_t>(dtype_size(n.dtype));
      if (is_float_dtype(n.dtype)) write_float(n.dtype, p, v.f);
      else write_int(n.dtype, p, v.i);
    }
    for (uint32_t d = ndim_; d-- > 0;) {  // the next output index, last axis fastest
      if ((info_.reduce_axes >> d) & 1u) continue;
      if (++index[d] < shape_[d]) break;
      index[d] = 0;
    }
  }
  base_ = nullptr;
}

}  // namespace tmpl
