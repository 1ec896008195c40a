#include "ops.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace tg::ref {
namespace {

using tg::sdk::Failure;

[[noreturn]] void not_for(uint32_t op, uint32_t dtype) {
  // check_program rejects these before a program runs; reaching here is a bug in the interpreter.
  const char* on = tg::sdk::op_name(op);
  const char* dn = tg::sdk::dtype_name(dtype);
  throw Failure(TG_ERR_INTERNAL, std::string("tg interpreter bug (") + __FILE__ + "): op " + (on ? on : "?") +
                                     " reached the evaluator with dtype " + (dn ? dn : "?"));
}

// The type float ops compute in: float for float16/bfloat16/float32, double for float64.
template <class T>
T nan_max(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  return x < y ? y : x;
}

// Rounds freshly computed float lanes to a narrow dtype (float16/bfloat16); float32 results
// were already computed in float and float64 in double.
void round_lanes(uint32_t dtype, Column& out, size_t n) {
  if (dtype != TG_DTYPE_FLOAT16 && dtype != TG_DTYPE_BFLOAT16) return;
  for (size_t l = 0; l < n; ++l) out.f[l] = round_to(dtype, out.f[l]);
}

template <class T>
void float_unary(uint32_t op, uint32_t dtype, const Column& a, Column& out, size_t n) {
  const double* x = a.f.data();
  double* r = out.f.data();
  auto map = [&](auto f) {
    for (size_t l = 0; l < n; ++l) r[l] = static_cast<double>(f(static_cast<T>(x[l])));
  };
  switch (op) {
    case TG_KIR_EXP2: map([](T v) { return std::exp2(v); }); break;
    case TG_KIR_LOG2: map([](T v) { return std::log2(v); }); break;
    case TG_KIR_SIN: map([](T v) { return std::sin(v); }); break;
    case TG_KIR_SQRT: map([](T v) { return std::sqrt(v); }); break;
    case TG_KIR_RECIP: map([](T v) { return T(1) / v; }); break;
    case TG_KIR_NEG: map([](T v) { return -v; }); break;
    case TG_KIR_TRUNC: map([](T v) { return std::trunc(v); }); break;
    default: not_for(op, dtype);
  }
  round_lanes(dtype, out, n);
}

void int_unary(uint32_t op, uint32_t dtype, const Column& a, Column& out, size_t n) {
  if (op != TG_KIR_NEG) not_for(op, dtype);
  for (size_t l = 0; l < n; ++l) out.u[l] = wrap(dtype, uint64_t{0} - a.u[l]);
}

// Float sources; the result is float (arithmetic) or bool (compares).
template <class T>
void float_binary(uint32_t op, uint32_t dtype, const Column& a, const Column& b, Column& out, size_t n) {
  const double* x = a.f.data();
  const double* y = b.f.data();
  auto map = [&](auto f) {
    for (size_t l = 0; l < n; ++l) out.f[l] = static_cast<double>(f(static_cast<T>(x[l]), static_cast<T>(y[l])));
  };
  auto compare = [&](auto f) {
    for (size_t l = 0; l < n; ++l) out.u[l] = f(static_cast<T>(x[l]), static_cast<T>(y[l])) ? 1 : 0;
  };
  switch (op) {
    case TG_KIR_ADD: map([](T p, T q) { return p + q; }); break;
    case TG_KIR_MUL: map([](T p, T q) { return p * q; }); break;
    case TG_KIR_MAX: map([](T p, T q) { return nan_max(p, q); }); break;
    case TG_KIR_CMPLT: compare([](T p, T q) { return p < q; }); return;
    case TG_KIR_CMPNE: compare([](T p, T q) { return p != q; }); return;
    default: not_for(op, dtype);
  }
  round_lanes(dtype, out, n);
}

// Integer or bool sources of dtype `in`; results are canonicalized to `dtype`.
void int_binary(uint32_t op, uint32_t dtype, uint32_t in, const Column& a, const Column& b, Column& out,
                size_t n) {
  const uint64_t* x = a.u.data();
  const uint64_t* y = b.u.data();
  const int64_t bits = int_bits(in);
  auto map = [&](auto f) {
    for (size_t l = 0; l < n; ++l) out.u[l] = wrap(dtype, f(x[l], y[l]));
  };
  switch (op) {
    case TG_KIR_ADD: map([](uint64_t p, uint64_t q) { return p + q; }); return;
    case TG_KIR_MUL: map([](uint64_t p, uint64_t q) { return p * q; }); return;
    case TG_KIR_MAX: map([](uint64_t p, uint64_t q) { return as_signed(p) < as_signed(q) ? q : p; }); return;
    case TG_KIR_CMPLT: map([](uint64_t p, uint64_t q) -> uint64_t { return as_signed(p) < as_signed(q); }); return;
    case TG_KIR_CMPNE: map([](uint64_t p, uint64_t q) -> uint64_t { return p != q; }); return;
    case TG_KIR_IDIV:
      map([](uint64_t p, uint64_t q) -> uint64_t {
        const int64_t d = as_signed(q);
        if (d == 0) return 0;
        if (d == -1) return uint64_t{0} - p;  // INT64_MIN / -1 wraps instead of trapping
        return as_bits(as_signed(p) / d);
      });
      return;
    case TG_KIR_MOD:
      map([](uint64_t p, uint64_t q) -> uint64_t {
        const int64_t d = as_signed(q);
        if (d == 0 || d == -1) return 0;
        return as_bits(as_signed(p) % d);
      });
      return;
    case TG_KIR_AND: map([](uint64_t p, uint64_t q) { return p & q; }); return;
    case TG_KIR_OR: map([](uint64_t p, uint64_t q) { return p | q; }); return;
    case TG_KIR_XOR: map([](uint64_t p, uint64_t q) { return p ^ q; }); return;
    case TG_KIR_SHL:
      map([bits](uint64_t p, uint64_t q) -> uint64_t {
        const int64_t s = as_signed(q);
        return s < 0 || s >= bits ? 0 : p << s;
      });
      return;
    case TG_KIR_SHR:
      map([bits](uint64_t p, uint64_t q) -> uint64_t {
        const int64_t s = as_signed(q);
        if (s < 0 || s >= bits) return 0;
        const int64_t v = as_signed(p);  // canonical: uint8 is never negative, so this is logical
        return v >= 0 ? as_bits(v >> s) : as_bits(~(~v >> s));
      });
      return;
    default: not_for(op, dtype);
  }
}

void cast(uint32_t to, uint32_t from, const Column& a, Column& out, size_t n) {
  const bool from_float = is_float(from), to_float = is_float(to);
  for (size_t l = 0; l < n; ++l) {
    if (from_float && to_float) out.f[l] = round_to(to, a.f[l]);
    else if (from_float) out.u[l] = float_to_int(to, a.f[l]);
    else if (to_float) out.f[l] = int_to_float(to, a.u[l]);
    else out.u[l] = wrap(to, a.u[l]);
  }
}

void where(uint32_t dtype, const Column& cond, const Column& b, const Column& c, Column& out, size_t n) {
  if (is_float(dtype)) {
    for (size_t l = 0; l < n; ++l) out.f[l] = cond.u[l] ? b.f[l] : c.f[l];
  } else {
    for (size_t l = 0; l < n; ++l) out.u[l] = cond.u[l] ? b.u[l] : c.u[l];
  }
}

}  // namespace

void eval_elementwise(uint32_t op, uint32_t dtype, uint32_t src_dtype, const Column* a, const Column* b,
                      const Column* c, Column& out, size_t n) {
  const int arity = tg::sdk::op_arity(op);
  if (op == TG_KIR_CAST) return cast(dtype, src_dtype, *a, out, n);
  if (op == TG_KIR_WHERE) return where(dtype, *a, *b, *c, out, n);
  const bool f64 = src_dtype == TG_DTYPE_FLOAT64;
  if (arity == 1) {
    if (!is_float(dtype)) return int_unary(op, dtype, *a, out, n);
    return f64 ? float_unary<double>(op, dtype, *a, out, n) : float_unary<float>(op, dtype, *a, out, n);
  }
  if (arity == 2) {
    if (!is_float(src_dtype)) return int_binary(op, dtype, src_dtype, *a, *b, out, n);
    return f64 ? float_binary<double>(op, dtype, *a, *b, out, n) : float_binary<float>(op, dtype, *a, *b, out, n);
  }
  not_for(op, dtype);
}

void reduce_init(int32_t reduce_op, uint32_t dtype, Column& acc, size_t n) {
  if (is_float(dtype)) {
    const double start = reduce_op == TG_REDUCE_SUM   ? 0.0
                         : reduce_op == TG_REDUCE_PROD ? 1.0
                                                       : -std::numeric_limits<double>::infinity();
    acc.f.assign(n, start);
  } else {
    const uint64_t start = reduce_op == TG_REDUCE_SUM   ? 0
                           : reduce_op == TG_REDUCE_PROD ? 1
                                                         : as_bits(int_min(dtype));
    acc.u.assign(n, start);
  }
}

namespace {
template <class T>
void fold_float(int32_t reduce_op, const double* v, const uint32_t* slot, size_t n, double* acc) {
  for (size_t l = 0; l < n; ++l) {
    const T x = static_cast<T>(acc[slot[l]]), y = static_cast<T>(v[l]);
    T r;
    if (reduce_op == TG_REDUCE_SUM) r = x + y;
    else if (reduce_op == TG_REDUCE_PROD) r = x * y;
    else r = nan_max(x, y);
    acc[slot[l]] = static_cast<double>(r);
  }
}
}  // namespace

void reduce_fold(int32_t reduce_op, uint32_t dtype, const Column& values, const uint32_t* slot, size_t n,
                 Column& acc) {
  if (dtype == TG_DTYPE_FLOAT64) return fold_float<double>(reduce_op, values.f.data(), slot, n, acc.f.data());
  if (is_float(dtype)) return fold_float<float>(reduce_op, values.f.data(), slot, n, acc.f.data());
  uint64_t* a = acc.u.data();
  const uint64_t* v = values.u.data();
  for (size_t l = 0; l < n; ++l) {
    uint64_t& x = a[slot[l]];
    if (reduce_op == TG_REDUCE_SUM) x += v[l];
    else if (reduce_op == TG_REDUCE_PROD) x *= v[l];
    else if (as_signed(x) < as_signed(v[l])) x = v[l];
  }
}

void reduce_finish(uint32_t dtype, Column& acc, size_t n) {
  for (size_t l = 0; l < n; ++l) {
    if (is_float(dtype)) acc.f[l] = round_to(dtype, acc.f[l]);
    else acc.u[l] = wrap(dtype, acc.u[l]);
  }
}

}  // namespace tg::ref
