#include "evaluator.hpp"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "tg/kir.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

using ld = long double;
constexpr ld kInf = std::numeric_limits<ld>::infinity();

// What a correct device may be off by after rounding v to `dtype` with an op accurate to
// `units` unit roundoffs (1 = correctly rounded, 6 = 3 ulp): relative part plus a flushed
// subnormal.
ld rounding(uint32_t dtype, ld v, ld units) { return units * unit_roundoff(dtype) * std::fabs(v) + smallest_normal(dtype); }

// The accumulator of a float reduction: the dtype, but at least float32.
uint32_t accumulator(uint32_t dtype) { return dtype == TG_DTYPE_FLOAT64 ? dtype : uint32_t{TG_DTYPE_FLOAT32}; }

Value unsure() {
  Value v;
  v.unsure = true;
  v.err = kInf;
  return v;
}

// Marks a float result unsure when a correct device could overflow to infinity.
Value finish_float(uint32_t dtype, Value v) {
  if (!v.unsure && std::isfinite(v.f) && std::fabs(v.f) + v.err > largest_finite(dtype)) return unsure();
  if (std::isnan(v.f) || std::isnan(v.err)) return unsure();
  return v;
}

Value of_float(uint32_t dtype, ld f, ld err) {
  Value v;
  v.f = f;
  v.err = err;
  return finish_float(dtype, v);
}

Value of_int(uint32_t dtype, int64_t i) {
  Value v;
  v.i = wrap_int(dtype, i);
  return v;
}

// A monotonic function's output bound: the largest move of f over [x - e, x + e].
template <class F>
ld spread(F f, ld x, ld e) {
  const ld y = f(x);
  return std::max(std::fabs(f(x + e) - y), std::fabs(f(x - e) - y));
}

int64_t add_wrap(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }
int64_t mul_wrap(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }

Value float_unary(uint32_t op, uint32_t dtype, const Value& a) {
  if (a.unsure) return unsure();
  const ld x = a.f, e = a.err;
  switch (op) {
    case TG_KIR_NEG: return of_float(dtype, -x, e);
    case TG_KIR_EXP2: {
      const ld y = std::exp2(x);
      return of_float(dtype, y, spread([](ld t) { return std::exp2(t); }, x, e) + rounding(dtype, y, 8));
    }
    case TG_KIR_LOG2: {
      if (x - e <= 0) return unsure();
      const ld y = std::log2(x);
      return of_float(dtype, y, spread([](ld t) { return std::log2(t); }, x, e) + rounding(dtype, y, 8));
    }
    case TG_KIR_SIN: {
      const ld y = std::sin(x);
      return of_float(dtype, y, e + rounding(dtype, y, 8) + 8 * unit_roundoff(dtype));
    }
    case TG_KIR_SQRT: {
      if (x - e < 0) return unsure();
      const ld y = std::sqrt(x);
      return of_float(dtype, y, spread([](ld t) { return std::sqrt(t); }, x, e) + rounding(dtype, y, 6));
    }
    case TG_KIR_RECIP: {
      if (std::fabs(x) <= e || x == 0) return unsure();
      const ld y = 1 / x;
      return of_float(dtype, y, spread([](ld t) { return 1 / t; }, x, e) + rounding(dtype, y, 6));
    }
    case TG_KIR_TRUNC: {
      const ld y = std::trunc(x);
      return of_float(dtype, y, std::max(std::fabs(std::trunc(x + e) - y), std::fabs(std::trunc(x - e) - y)));
    }
  }
  throw std::runtime_error("evaluator: unary op " + std::to_string(op) + " on a float");
}

Value float_binary(uint32_t op, uint32_t dtype, const Value& a, const Value& b) {
  if (a.unsure || b.unsure) return unsure();
  const ld x = a.f, y = b.f, ex = a.err, ey = b.err;
  switch (op) {
    case TG_KIR_ADD: {
      const ld r = x + y;
      const ld err = ex + ey + (ex + ey == 0 && round_to(dtype, r) == r ? 0 : rounding(dtype, r, 1));
      return of_float(dtype, r, err);
    }
    case TG_KIR_MUL: {
      const ld r = x * y;
      const ld prop = std::fabs(x) * ey + std::fabs(y) * ex + ex * ey;
      return of_float(dtype, r, prop + (prop == 0 && round_to(dtype, r) == r ? 0 : rounding(dtype, r, 1)));
    }
    case TG_KIR_MAX: return of_float(dtype, std::max(x, y), std::max(ex, ey));
  }
  throw std::runtime_error("evaluator: binary op " + std::to_string(op) + " on a float");
}

// a < b or a != b on floats: unsure when the two may be in either order on a correct device.
Value float_compare(uint32_t op, const Value& a, const Value& b) {
  if (a.unsure || b.unsure) return unsure();
  const ld gap = std::fabs(a.f - b.f), slack = a.err + b.err;
  if (slack > 0 && gap <= slack) return unsure();
  Value v;
  v.i = op == TG_KIR_CMPLT ? a.f < b.f : a.f != b.f;
  return v;
}

Value int_binary(uint32_t op, uint32_t dtype, uint32_t in, const Value& a, const Value& b) {
  if (a.unsure || b.unsure) return unsure();
  const int64_t x = a.i, y = b.i;
  const int64_t bits = static_cast<int64_t>(dtype_bytes(in) * 8);
  switch (op) {
    case TG_KIR_ADD: return of_int(dtype, add_wrap(x, y));
    case TG_KIR_MUL: return of_int(dtype, mul_wrap(x, y));
    case TG_KIR_MAX: return of_int(dtype, std::max(x, y));
    case TG_KIR_CMPLT: return of_int(TG_DTYPE_BOOL, x < y);
    case TG_KIR_CMPNE: return of_int(TG_DTYPE_BOOL, x != y);
    case TG_KIR_IDIV:
      if (y == 0) return of_int(dtype, 0);
      if (y == -1) return of_int(dtype, mul_wrap(x, -1));
      return of_int(dtype, x / y);
    case TG_KIR_MOD:
      if (y == 0 || y == -1) return of_int(dtype, 0);
      return of_int(dtype, x % y);
    case TG_KIR_AND: return of_int(dtype, x & y);
    case TG_KIR_OR: return of_int(dtype, x | y);
    case TG_KIR_XOR: return of_int(dtype, x ^ y);
    case TG_KIR_SHL:
      if (y < 0 || y >= bits) return of_int(dtype, 0);
      return of_int(dtype, static_cast<int64_t>(static_cast<uint64_t>(x) << y));
    case TG_KIR_SHR:
      if (y < 0 || y >= bits) return of_int(dtype, 0);
      return of_int(dtype, x >= 0 ? x >> y : ~(~x >> y));
  }
  throw std::runtime_error("evaluator: binary op " + std::to_string(op) + " on an integer");
}

Value cast(uint32_t to, uint32_t from, const Value& a) {
  if (a.unsure) return unsure();
  if (!is_float(from)) {
    if (!is_float(to)) return of_int(to, a.i);  // wraps (cast-int-to-int)
    // One correct rounding of the exact integer (cast-to-float): no slack.
    return of_float(to, round_to(to, static_cast<ld>(a.i)), 0);
  }
  const ld x = a.f, e = a.err;
  if (to == TG_DTYPE_BOOL) {
    if (e > 0 && std::fabs(x) <= e) return unsure();
    return of_int(to, x != 0);
  }
  if (!is_float(to)) {
    // Truncates toward zero and saturates (cast-float-to-int); unsure where x's bound straddles
    // an integer inside the range.
    auto saturated = [to](ld v) {
      const ld t = std::trunc(v);
      return t < static_cast<ld>(int_min(to)) ? int_min(to) : t > static_cast<ld>(int_max(to)) ? int_max(to) : static_cast<int64_t>(t);
    };
    const int64_t t = saturated(x);
    if (saturated(x - e) != t || saturated(x + e) != t) return unsure();
    return of_int(to, t);
  }
  if (e == 0) return of_float(to, round_to(to, x), 0);  // an exact source rounds once, exactly
  return of_float(to, x, e + rounding(to, x, 1));
}

Value elementwise(const tg_kir_node& n, uint32_t src_dtype, const Value* s) {
  switch (n.op) {
    case TG_KIR_CAST: return cast(n.dtype, src_dtype, s[0]);
    case TG_KIR_WHERE: {
      if (s[0].unsure) {
        if (is_float(n.dtype) && !s[1].unsure && !s[2].unsure)
          return of_float(n.dtype, (s[1].f + s[2].f) / 2, std::fabs(s[1].f - s[2].f) / 2 + std::max(s[1].err, s[2].err));
        if (!is_float(n.dtype) && !s[1].unsure && !s[2].unsure && s[1].i == s[2].i) return s[1];
        return unsure();
      }
      return s[0].i ? s[1] : s[2];
    }
    case TG_KIR_CMPLT: case TG_KIR_CMPNE:
      if (is_float(src_dtype)) return float_compare(n.op, s[0], s[1]);
      return int_binary(n.op, n.dtype, src_dtype, s[0], s[1]);
  }
  const int arity = n.op == TG_KIR_EXP2 || n.op == TG_KIR_LOG2 || n.op == TG_KIR_SIN || n.op == TG_KIR_SQRT ||
                            n.op == TG_KIR_RECIP || n.op == TG_KIR_NEG || n.op == TG_KIR_TRUNC
                        ? 1
                        : 2;
  if (is_float(n.dtype)) return arity == 1 ? float_unary(n.op, n.dtype, s[0]) : float_binary(n.op, n.dtype, s[0], s[1]);
  if (arity == 1) {
    if (n.op != TG_KIR_NEG) throw std::runtime_error("evaluator: unary op " + std::to_string(n.op) + " on an integer");
    if (s[0].unsure) return unsure();
    return of_int(n.dtype, mul_wrap(s[0].i, -1));
  }
  return int_binary(n.op, n.dtype, src_dtype, s[0], s[1]);
}

// Folds the values of one REDUCE for one output.
struct Fold {
  int32_t op;
  uint32_t dtype;
  bool any_unsure = false;
  int64_t acc_i = 0;
  ld acc_f = 0, abs_sum = 0, err_sum = 0, prod_hi = 1;
  int64_t count = 0;
  bool all_exact = true;
  int frac_bits = 0;  // the most fractional bits of any exact term (SUM)

  Fold(int32_t reduce_op, uint32_t d) : op(reduce_op), dtype(d) {
    if (is_float(d)) {
      acc_f = op == TG_REDUCE_SUM ? 0 : op == TG_REDUCE_PROD ? 1 : -kInf;
    } else {
      acc_i = op == TG_REDUCE_SUM ? 0 : op == TG_REDUCE_PROD ? 1 : int_min(d);
    }
  }
  void add(const Value& v) {
    ++count;
    if (v.unsure) { any_unsure = true; return; }
    if (!is_float(dtype)) {
      if (op == TG_REDUCE_SUM) acc_i = add_wrap(acc_i, v.i);
      else if (op == TG_REDUCE_PROD) acc_i = mul_wrap(acc_i, v.i);
      else acc_i = std::max(acc_i, v.i);
      return;
    }
    if (op == TG_REDUCE_MAX) {
      acc_f = std::max(acc_f, v.f);
      err_sum = std::max(err_sum, v.err);
      return;
    }
    if (op == TG_REDUCE_PROD) {
      acc_f *= v.f;
      prod_hi *= std::fabs(v.f) + v.err;
      return;
    }
    acc_f += v.f;
    abs_sum += std::fabs(v.f);
    err_sum += v.err;
    if (v.err > 0 || !std::isfinite(v.f)) { all_exact = false; return; }
    int bits = 0;
    for (ld x = v.f; x != std::trunc(x) && bits < 80; x *= 2) ++bits;
    frac_bits = std::max(frac_bits, bits);
  }
  Value result() const {
    if (any_unsure) return unsure();
    if (!is_float(dtype)) return of_int(dtype, acc_i);
    const ld u = unit_roundoff(accumulator(dtype));
    const ld steps = static_cast<ld>(count > 1 ? count - 1 : 0);
    ld err = 0;
    if (op == TG_REDUCE_MAX) {
      err = err_sum;
    } else if (op == TG_REDUCE_PROD) {
      err = prod_hi * std::pow(1 + u, steps) - std::fabs(acc_f);
    } else {
      // Exact terms on a grid of 2^-frac_bits whose magnitudes sum below the accumulator's
      // precision: every partial sum, in any order, is exact.
      const int precision = accumulator(dtype) == TG_DTYPE_FLOAT64 ? 53 : 24;
      const bool exact = all_exact && frac_bits < 64 && std::ldexp(abs_sum, frac_bits) < std::ldexp(1.0L, precision);
      err = err_sum + (exact ? 0 : steps * u * abs_sum);
    }
    if (err > 0 || round_to(dtype, acc_f) != acc_f) err += rounding(dtype, acc_f, 1);
    return of_float(dtype, acc_f, err);
  }
};

class Evaluator {
 public:
  Evaluator(const Program& p, const std::vector<std::vector<std::byte>>& inputs) : p_(p), in_(inputs) {
    for (const tg_kir_node& n : p_.nodes)
      if (n.op == TG_KIR_REDUCE) axes_ = static_cast<uint64_t>(n.ivalue);
    plans_.resize(p_.nodes.size());
    for (size_t i = 0; i < p_.nodes.size(); ++i) {
      const tg_kir_node& n = p_.nodes[i];
      if (n.op == TG_KIR_REDUCE) plans_[i] = plan(n.src[0]);
      if (tg::sdk::is_store_op(n.op)) plans_[i] = plan(static_cast<int>(i));
    }
    vals_.resize(p_.nodes.size());
    reduced_.resize(p_.nodes.size());
  }

  std::vector<ParamResult> run() {
    std::vector<ParamResult> out(p_.params.size());
    for (size_t q = 0; q < p_.params.size(); ++q) {
      if (p_.params[q].access != TG_PARAM_WRITE) continue;
      out[q].written.assign(static_cast<size_t>(p_.params[q].numel), 0);
      out[q].values.resize(static_cast<size_t>(p_.params[q].numel));
    }
    int64_t idx[TG_KIR_MAX_DIMS] = {};
    outputs(0, idx, out);
    return out;
  }

 private:
  // The nodes `root` needs, in program order; a REDUCE is read from its cache, so the walk stops.
  std::vector<int> plan(int root) const {
    std::vector<char> need(p_.nodes.size(), 0);
    std::vector<int> todo{root};
    while (!todo.empty()) {
      const int i = todo.back();
      todo.pop_back();
      if (need[static_cast<size_t>(i)]) continue;
      need[static_cast<size_t>(i)] = 1;
      const tg_kir_node& n = p_.nodes[static_cast<size_t>(i)];
      if (n.op == TG_KIR_REDUCE) continue;
      for (int s : n.src)
        if (s >= 0) todo.push_back(s);
    }
    std::vector<int> order;
    for (size_t i = 0; i < need.size(); ++i)
      if (need[i] && p_.nodes[i].op != TG_KIR_REDUCE) order.push_back(static_cast<int>(i));
    return order;
  }

  size_t ndim() const { return p_.shape.size(); }

  bool in_mask(int32_t view, const int64_t* idx) const {
    const tg_kir_view& v = p_.views[static_cast<size_t>(view)];
    if (v.has_mask)
      for (size_t d = 0; d < ndim(); ++d)
        if (idx[d] < v.mask_begin[d] || idx[d] >= v.mask_end[d]) return false;
#if TG_ABI_MINOR >= 2
    for (const tg_kir_linear_mask& m : p_.linear_masks) {
      if (m.view != view) continue;
      int64_t x = 0;
      for (size_t d = 0; d < ndim(); ++d) x += m.coeffs[d] * idx[d];
      if (x < m.begin || x >= m.end) return false;
    }
#endif
    return true;
  }
  int64_t element(const tg_kir_node& n, const int64_t* idx) const {
    const tg_kir_view& v = p_.views[static_cast<size_t>(n.view)];
    int64_t e = v.offset;
    for (size_t d = 0; d < ndim(); ++d) e += idx[d] * v.strides[d];
    if (e < 0 || e >= p_.params[static_cast<size_t>(n.param)].numel)
      throw std::runtime_error("evaluator: a view of param " + std::to_string(n.param) + " reaches element " +
                               std::to_string(e) + " outside its numel");
    return e;
  }

#if TG_ABI_MINOR >= 4
  // The element a GATHER or SCATTER_ADD reaches at idx, or -1 for an index outside its bound
  // (the index is source `k`, the bound the next one).
  int64_t indexed(const tg_kir_node& n, const int64_t* idx, int k) const {
    const int64_t index = value_of(n.src[k]).i, bound = p_.nodes[static_cast<size_t>(n.src[k + 1])].ivalue;
    if (index < 0 || index >= bound) return -1;
    const tg_kir_view& v = p_.views[static_cast<size_t>(n.view)];
    int64_t e = v.offset + index * n.ivalue;
    for (size_t d = 0; d < ndim(); ++d) e += idx[d] * v.strides[d];
    if (e < 0 || e >= p_.params[static_cast<size_t>(n.param)].numel)
      throw std::runtime_error("evaluator: an indexed view of param " + std::to_string(n.param) + " reaches element " +
                               std::to_string(e) + " outside its numel");
    return e;
  }
#endif

  const Value& value_of(int i) const {
    return p_.nodes[static_cast<size_t>(i)].op == TG_KIR_REDUCE ? reduced_[static_cast<size_t>(i)] : vals_[static_cast<size_t>(i)];
  }

  void eval(const std::vector<int>& order, const int64_t* idx) {
    for (int i : order) {
      const tg_kir_node& n = p_.nodes[static_cast<size_t>(i)];
      Value& out = vals_[static_cast<size_t>(i)];
      if (n.op == TG_KIR_LOAD) {
        out = Value{};
        if (!in_mask(n.view, idx)) continue;
        const uint64_t size = dtype_bytes(n.dtype);
        const std::byte* at = in_[static_cast<size_t>(n.param)].data() + element(n, idx) * static_cast<int64_t>(size);
        if (is_float(n.dtype)) out.f = decode_float(n.dtype, at);
        else out.i = decode_int(n.dtype, at);
#if TG_ABI_MINOR >= 4
      } else if (n.op == TG_KIR_GATHER) {
        out = Value{};
        const int64_t e = indexed(n, idx, 0);
        if (e < 0 || !in_mask(n.view, idx)) continue;
        const std::byte* at = in_[static_cast<size_t>(n.param)].data() + e * static_cast<int64_t>(dtype_bytes(n.dtype));
        if (is_float(n.dtype)) out.f = decode_float(n.dtype, at);
        else out.i = decode_int(n.dtype, at);
      } else if (n.op == TG_KIR_SCATTER_ADD) {
        out = value_of(n.src[0]);
#endif
      } else if (n.op == TG_KIR_CONST) {
        out = Value{};
        if (n.view >= 0 && !in_mask(n.view, idx)) continue;
        if (is_float(n.dtype)) {
          const ld c = static_cast<ld>(n.fvalue);
          out = of_float(n.dtype, c, round_to(n.dtype, c) == c ? 0 : rounding(n.dtype, c, 1));
        } else {
          out.i = wrap_int(n.dtype, n.ivalue);
        }
      } else if (n.op == TG_KIR_STORE) {
        out = value_of(n.src[0]);
      } else {
        Value s[3];
        for (int k = 0; k < 3; ++k)
          if (n.src[k] >= 0) s[k] = value_of(n.src[k]);
        out = elementwise(n, p_.nodes[static_cast<size_t>(n.src[0])].dtype, s);
      }
    }
  }

  // Every REDUCE at the output `idx` (reduced coordinates 0), in program order.
  void reduce_all(const int64_t* idx) {
    for (size_t r = 0; r < p_.nodes.size(); ++r) {
      const tg_kir_node& n = p_.nodes[r];
      if (n.op != TG_KIR_REDUCE) continue;
      Fold fold(n.reduce_op, n.dtype);
      int64_t j[TG_KIR_MAX_DIMS];
      std::copy(idx, idx + TG_KIR_MAX_DIMS, j);
      over_reduced(0, j, [&](const int64_t* at) {
        eval(plans_[r], at);
        fold.add(value_of(n.src[0]));
      });
      reduced_[r] = fold.result();
    }
  }

  template <class F>
  void over_reduced(size_t d, int64_t* j, F&& f) {
    if (d == ndim()) return f(j);
    if (!((axes_ >> d) & 1u)) return over_reduced(d + 1, j, f);
    for (j[d] = 0; j[d] < p_.shape[d]; ++j[d]) over_reduced(d + 1, j, f);
    j[d] = 0;
  }

  void outputs(size_t d, int64_t* idx, std::vector<ParamResult>& out) {
    if (d == ndim()) {
      reduce_all(idx);
      for (size_t i = 0; i < p_.nodes.size(); ++i) {
        const tg_kir_node& n = p_.nodes[i];
#if TG_ABI_MINOR >= 4
        if (n.op == TG_KIR_SCATTER_ADD) {  // the start value (the param's bytes), then each add in index order
          eval(plans_[i], idx);
          const int64_t e = indexed(n, idx, 1);
          if (e < 0) continue;
          ParamResult& r = out[static_cast<size_t>(n.param)];
          const size_t u = static_cast<size_t>(e);
          if (!r.written[u]) {
            r.written[u] = 1;
            const std::byte* at = in_[static_cast<size_t>(n.param)].data() + e * static_cast<int64_t>(dtype_bytes(n.dtype));
            r.values[u] = Value{};
            if (is_float(n.dtype)) r.values[u].f = decode_float(n.dtype, at);
            else r.values[u].i = decode_int(n.dtype, at);
          }
          tg_kir_node add = n;
          add.op = TG_KIR_ADD;
          const Value s[3] = {r.values[u], vals_[i], Value{}};
          r.values[u] = elementwise(add, n.dtype, s);
          continue;
        }
#endif
        if (n.op != TG_KIR_STORE) continue;
        eval(plans_[i], idx);
        const size_t e = static_cast<size_t>(element(n, idx));
        ParamResult& r = out[static_cast<size_t>(n.param)];
        r.written[e] = 1;
        r.values[e] = vals_[i];
      }
      return;
    }
    const int64_t end = ((axes_ >> d) & 1u) ? 1 : p_.shape[d];
    for (idx[d] = 0; idx[d] < end; ++idx[d]) outputs(d + 1, idx, out);
    idx[d] = 0;
  }

  const Program& p_;
  const std::vector<std::vector<std::byte>>& in_;
  uint64_t axes_ = 0;
  std::vector<std::vector<int>> plans_;
  std::vector<Value> vals_;
  std::vector<Value> reduced_;
};

std::string fmt(long double v) {
  std::ostringstream os;
  os.precision(10);
  os << static_cast<double>(v);
  return os.str();
}

}  // namespace

std::vector<ParamResult> evaluate(const Program& program, const std::vector<std::vector<std::byte>>& inputs) {
  return Evaluator(program, inputs).run();
}

std::string describe(uint32_t dtype, const Value& v) {
  if (v.unsure) return "(either way)";
  if (!is_float(dtype)) return std::to_string(v.i);
  return v.err > 0 ? fmt(v.f) + " +- " + fmt(v.err) : fmt(v.f) + " exactly";
}

std::string compare_param(const Program& program, size_t q, const ParamResult& want,
                          const std::vector<std::byte>& got, const std::vector<std::byte>& before) {
  const uint32_t dtype = program.params[q].dtype;
  const size_t size = dtype_bytes(dtype);
  std::ostringstream os;
  int shown = 0;
  size_t bad = 0;
  for (size_t e = 0; e < want.written.size(); ++e) {
    const std::byte* g = got.data() + e * size;
    std::string problem;
    if (!want.written[e]) {
      if (std::memcmp(g, before.data() + e * size, size) != 0) problem = "changed, but no STORE writes it";
    } else if (!want.values[e].unsure) {
      const Value& w = want.values[e];
      if (is_float(dtype)) {
        const long double x = decode_float(dtype, g);
        const bool same_inf = std::isinf(w.f) && x == w.f;
        if (!same_inf && !(std::fabs(x - w.f) <= w.err)) problem = "got " + fmt(x) + ", want " + describe(dtype, w);
      } else {
        const int64_t x = decode_int(dtype, g);
        if (dtype == TG_DTYPE_BOOL && std::to_integer<uint8_t>(*g) > 1)
          problem = "got bool byte " + std::to_string(std::to_integer<int>(*g)) + ", want 0 or 1";
        else if (x != w.i) problem = "got " + std::to_string(x) + ", want " + describe(dtype, w);
      }
    }
    if (problem.empty()) continue;
    ++bad;
    if (shown++ < 4) os << (shown > 1 ? "; " : "") << "param " << q << " element " << e << ": " << problem;
  }
  if (bad > 4) os << "; ... " << bad << " of " << want.written.size() << " elements wrong";
  return os.str();
}

}  // namespace tg::conformance
