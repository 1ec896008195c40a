#include "op_table.hpp"

#include <algorithm>

#include "values.hpp"

namespace tg::conformance {
namespace {

bool floats(uint32_t d) { return is_float(d); }
bool ints(uint32_t d) { return is_int(d); }
bool ints_and_bool(uint32_t d) { return !is_float(d); }
bool any(uint32_t) { return true; }

Domain range(double lo, double hi, int frac_bits = 4, double min_abs = 0) {
  Domain d;
  d.lo = lo;
  d.hi = hi;
  d.frac_bits = frac_bits;
  d.min_abs = min_abs;
  return d;
}
int64_t bits(uint32_t dtype) { return static_cast<int64_t>(dtype_bytes(dtype) * 8); }

Domain exp2_domain(uint32_t, int) { return range(-10, 10, 4); }
Domain log2_domain(uint32_t, int) { return range(1.0 / 16, 64, 4, 1.0 / 16); }
Domain sin_domain(uint32_t, int) { return range(-8, 8, 5); }
Domain sqrt_domain(uint32_t, int) { return range(0, 64, 4); }
Domain recip_domain(uint32_t, int) { return range(-8, 8, 3, 0.25); }
Domain trunc_domain(uint32_t, int) { return range(-20, 20, 2); }
Domain arith_domain(uint32_t d, int) { return is_float(d) ? range(-8, 8, 3) : range(-11, 11); }
Domain compare_domain(uint32_t d, int) { return is_float(d) ? range(-3, 3, 1) : range(-3, 3); }
Domain where_domain(uint32_t d, int operand) {
  if (operand == 0) return range(0, 1);  // the condition is bool
  return arith_domain(d, operand);
}
Domain div_domain(uint32_t, int operand) { return operand == 0 ? range(-60, 60) : range(-7, 7); }
Domain bitwise_domain(uint32_t, int) { return range(-1000000, 1000000); }
Domain shl_domain(uint32_t d, int operand) {
  if (operand == 0) return range(0, 3);
  Domain c;  // in-range counts that cannot overflow 3 << count, and counts outside [0, bits)
  for (int64_t k = -2; k <= bits(d) - 3; ++k) c.choices.push_back(k);
  for (int64_t k : {bits(d), bits(d) + 1, bits(d) + 5}) c.choices.push_back(k);
  return c;
}
Domain shr_domain(uint32_t d, int operand) {
  if (operand == 0) return range(-100, 100);
  Domain c;
  for (int64_t k = -2; k <= bits(d) + 3; ++k) c.choices.push_back(k);
  return c;
}

}  // namespace

const char* op_str(uint32_t op) {
  const char* name = tg::sdk::op_name(op);
  return name ? name : "op?";
}

const char* reduce_str(int32_t reduce_op) {
  const char* name = tg::sdk::reduce_op_name(reduce_op);
  return name ? name : "reduce?";
}

const std::vector<OpInfo>& elementwise_ops() {
  static const std::vector<OpInfo> ops = {
      {TG_KIR_EXP2, 1, floats, exp2_domain},
      {TG_KIR_LOG2, 1, floats, log2_domain},
      {TG_KIR_SIN, 1, floats, sin_domain},
      {TG_KIR_SQRT, 1, floats, sqrt_domain},
      {TG_KIR_RECIP, 1, floats, recip_domain},
      {TG_KIR_NEG, 1, any, arith_domain},  // bool: the identity
      {TG_KIR_TRUNC, 1, floats, trunc_domain},
      {TG_KIR_ADD, 2, any, arith_domain},  // bool: OR
      {TG_KIR_MUL, 2, any, arith_domain},  // bool: AND
      {TG_KIR_MAX, 2, any, arith_domain},
      {TG_KIR_CMPLT, 2, any, compare_domain},
      {TG_KIR_CMPNE, 2, any, compare_domain},
      {TG_KIR_IDIV, 2, ints, div_domain},
      {TG_KIR_MOD, 2, ints, div_domain},
      {TG_KIR_AND, 2, ints_and_bool, bitwise_domain},
      {TG_KIR_OR, 2, ints_and_bool, bitwise_domain},
      {TG_KIR_XOR, 2, ints_and_bool, bitwise_domain},
      {TG_KIR_SHL, 2, ints, shl_domain},
      {TG_KIR_SHR, 2, ints, shr_domain},
      {TG_KIR_WHERE, 3, any, where_domain},
  };
  return ops;
}

uint32_t result_dtype(uint32_t op, uint32_t dtype) {
  return op == TG_KIR_CMPLT || op == TG_KIR_CMPNE ? uint32_t{TG_DTYPE_BOOL} : dtype;
}

Domain cast_domain(uint32_t from, uint32_t to) {
  // Values past the target's range too: float -> int saturates, int -> int wraps (plugin.h's
  // cast rules; rules/cast/* checks the edges: infinities, NaN, INT_MIN, double rounding).
  (void)to;
  return range(-1000, 1000, is_float(from) ? 2 : 0);
}

Domain reduce_domain(int32_t reduce_op, uint32_t dtype, int64_t count) {
  if (reduce_op == TG_REDUCE_PROD) {
    if (is_float(dtype)) return range(0.875, 1.125, 5);
    Domain d;
    d.choices = {-1, 1};
    if (count <= 6) d.choices.push_back(2);
    return d;
  }
  if (reduce_op == TG_REDUCE_MAX || !is_int(dtype)) return arith_domain(dtype, 0);
  // 8- and 16-bit sums may wrap (they accumulate in the dtype); wider ones must not overflow.
  if (dtype_bytes(dtype) <= 2) return range(-11, 11);
  return range(-100, 100);
}

}  // namespace tg::conformance
