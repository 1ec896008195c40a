// The arithmetic of tg.kir as C expressions: register and memory types, literals, every
// elementwise op, casts, and the three reductions, for every dtype. It mirrors sdk/interpreter/ops.cpp
// (the executable spec): integers wrap (computed in an unsigned type), float16/bfloat16 compute
// in float and round after every op, float MAX propagates NaN.
#include <cmath>
#include <cstdio>
#include <limits>

#include "emit.hpp"
#include "tg/half.h"

namespace tg::render::detail {

using tg::sdk::Failure;

bool is_narrow_float(uint32_t dtype) { return dtype == TG_DTYPE_FLOAT16 || dtype == TG_DTYPE_BFLOAT16; }

const char* reg_type(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return "bool";
    case TG_DTYPE_INT8: return "tg_i8";
    case TG_DTYPE_UINT8: return "tg_u8";
    case TG_DTYPE_INT16: return "tg_i16";
    case TG_DTYPE_INT32: return "tg_i32";
    case TG_DTYPE_INT64: return "tg_i64";
    case TG_DTYPE_FLOAT16: case TG_DTYPE_BFLOAT16: case TG_DTYPE_FLOAT32: return "float";
    case TG_DTYPE_FLOAT64: return "double";
  }
  throw Failure(TG_ERR_INTERNAL, "render: reg_type of unknown dtype " + std::to_string(dtype));
}

const char* mem_type(uint32_t dtype) {
  if (dtype == TG_DTYPE_BOOL) return "tg_u8";
  if (is_narrow_float(dtype)) return "tg_u16";
  return reg_type(dtype);
}

const char* wrap_type(uint32_t dtype) { return tg::sdk::dtype_size(dtype) == 8 ? "tg_u64" : "tg_u32"; }

std::string int_literal(uint32_t dtype, int64_t v) {
  if (dtype == TG_DTYPE_BOOL) return v ? "true" : "false";
  const std::string t = reg_type(dtype);
  if (v >= INT32_MIN + 1 && v <= INT32_MAX) return "((" + t + ")" + std::to_string(v) + ")";
  // Wider values go through their bit pattern: no literal suffix differs between dialects.
  const uint64_t bits = static_cast<uint64_t>(v);
  return "((" + t + ")(((tg_u64)" + std::to_string(bits >> 32) + "u << 32) | (tg_u64)" +
         std::to_string(bits & 0xffffffffu) + "u))";
}

std::string float_literal(uint32_t dtype, double v) {
  const bool f64 = dtype == TG_DTYPE_FLOAT64;
  if (std::isnan(v) || std::isinf(v)) {
    if (f64) {
      const char* bits = std::isnan(v) ? "0x7ff8000000000000" : v > 0 ? "0x7ff0000000000000" : "0xfff0000000000000";
      const uint64_t b = std::strtoull(bits, nullptr, 16);
      return "TG_BITS_F64(((tg_u64)" + std::to_string(b >> 32) + "u << 32))";
    }
    const char* bits = std::isnan(v) ? "0x7fc00000u" : v > 0 ? "0x7f800000u" : "0xff800000u";
    return std::string("TG_BITS_F32(") + bits + ")";
  }
  char buf[64];
  // 9 / 17 significant digits read back as the same float / double.
  if (f64) std::snprintf(buf, sizeof buf, "%.17e", v);
  else std::snprintf(buf, sizeof buf, "%.9ef", v);
  return std::string("(") + buf + ")";
}

const char* scalar_arg_type(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_FLOAT64: return "double";
    case TG_DTYPE_FLOAT32: case TG_DTYPE_FLOAT16: case TG_DTYPE_BFLOAT16: return "float";
    default: return "tg_i64";
  }
}

std::string scalar_arg_value(Helpers& h, uint32_t dtype, int32_t k) {
  return scalar_arg_value(h, dtype, "s" + std::to_string(k));
}

std::string scalar_arg_value(Helpers& h, uint32_t dtype, const std::string& s) {
  switch (dtype) {
    case TG_DTYPE_FLOAT64: case TG_DTYPE_FLOAT32: return s;
    case TG_DTYPE_FLOAT16: case TG_DTYPE_BFLOAT16: return h.round_narrow(dtype) + "(" + s + ")";
    case TG_DTYPE_BOOL: return "(" + s + " != 0)";
    default: return std::string("((") + reg_type(dtype) + ")" + s + ")";
  }
}

int32_t scalar_arg_slot(const tg_kir_program& p, uint32_t i) {
  for (uint32_t k = 0; k < tg::sdk::scalar_arg_count(p); ++k)
    if (p.scalar_args[k] == static_cast<int32_t>(i)) return static_cast<int32_t>(k);
  return -1;
}

std::string const_literal(const tg_kir_node& n) {
  switch (n.dtype) {
    case TG_DTYPE_FLOAT16: return float_literal(n.dtype, tg_half_to_float(tg_double_to_half(n.fvalue)));
    case TG_DTYPE_BFLOAT16: return float_literal(n.dtype, tg_bfloat16_to_float(tg_double_to_bfloat16(n.fvalue)));
    case TG_DTYPE_FLOAT32: return float_literal(n.dtype, static_cast<float>(n.fvalue));
    case TG_DTYPE_FLOAT64: return float_literal(n.dtype, n.fvalue);
  }
  // Integers wrap to their width, bool is != 0 (the reference's `wrap`).
  const int64_t v = n.ivalue;
  switch (n.dtype) {
    case TG_DTYPE_BOOL: return int_literal(n.dtype, v != 0);
    case TG_DTYPE_INT8: return int_literal(n.dtype, static_cast<int8_t>(static_cast<uint8_t>(v & 0xff)));
    case TG_DTYPE_UINT8: return int_literal(n.dtype, v & 0xff);
    case TG_DTYPE_INT16: return int_literal(n.dtype, static_cast<int16_t>(static_cast<uint16_t>(v & 0xffff)));
    case TG_DTYPE_INT32: return int_literal(n.dtype, static_cast<int32_t>(static_cast<uint32_t>(v & 0xffffffff)));
  }
  return int_literal(n.dtype, v);
}

std::string load_conv(Helpers& h, uint32_t dtype, const std::string& element) {
  if (dtype == TG_DTYPE_BOOL) return "(" + element + " != 0)";
  if (dtype == TG_DTYPE_FLOAT16) return h.half_to_float() + "(" + element + ")";
  if (dtype == TG_DTYPE_BFLOAT16) return h.bf16_to_float() + "(" + element + ")";
  return element;
}

std::string store_conv(Helpers& h, uint32_t dtype, const std::string& value) {
  if (dtype == TG_DTYPE_BOOL) return "(tg_u8)" + value;
  if (is_narrow_float(dtype)) return h.float_to_narrow(dtype, false) + "(" + value + ")";
  return value;
}

namespace {

// float16/bfloat16 results are rounded to their dtype after every op.
std::string rounded(Helpers& h, uint32_t dtype, const std::string& e) {
  return is_narrow_float(dtype) ? h.round_narrow(dtype) + "(" + e + ")" : e;
}

std::string cast_expr(Helpers& h, uint32_t to, uint32_t from, const std::string& a) {
  using tg::sdk::is_float_dtype;
  const std::string t = reg_type(to);
  if (to == from) return a;
  if (to == TG_DTYPE_BOOL) return is_float_dtype(from) ? "(" + a + " != 0)" : "(" + a + " != 0)";
  const bool from_f = is_float_dtype(from), to_f = is_float_dtype(to);
  if (!from_f && !to_f) return "((" + t + ")" + a + ")";  // wraps to the narrower width
  if (from_f && !to_f) return h.float_to_int(to, from == TG_DTYPE_FLOAT64) + "(" + a + ")";
  if (!from_f) {  // int/bool -> float: one rounding from the integer (plugin.h's cast-to-float)
    // Small integers widen to int32 first (exact) where the dialect's compiler vectorizes only that.
    const bool small = from == TG_DTYPE_BOOL || from == TG_DTYPE_INT8 || from == TG_DTYPE_UINT8 || from == TG_DTYPE_INT16;
    if (small && h.dialect().widen_small_int_to_float) return rounded(h, to, "((" + t + ")(tg_i32)" + a + ")");
    if (to == TG_DTYPE_FLOAT64) return "((double)" + a + ")";
    // int32/int64 -> bfloat16 through a plain (float) would round twice; float16 overflows
    // before (float) stops being exact, and float32 is one rounding already.
    if (to == TG_DTYPE_BFLOAT16 && (from == TG_DTYPE_INT32 || from == TG_DTYPE_INT64))
      return rounded(h, to, h.int_to_float_odd() + "((tg_i64)" + a + ")");
    return rounded(h, to, "((float)" + a + ")");
  }
  // float -> float
  if (to == TG_DTYPE_FLOAT64) return "((double)" + a + ")";
  if (from == TG_DTYPE_FLOAT64) {
    if (to == TG_DTYPE_FLOAT32) return "((float)" + a + ")";
    // One rounding from double, not two through float.
    const std::string up = to == TG_DTYPE_FLOAT16 ? h.half_to_float() : h.bf16_to_float();
    return up + "(" + h.float_to_narrow(to, true) + "(" + a + "))";
  }
  return rounded(h, to, a);  // float16/bfloat16/float32 values are all floats already
}

std::string bool_binary(uint32_t op, const std::string& a, const std::string& b) {
  switch (op) {
    case TG_KIR_ADD: case TG_KIR_MAX: case TG_KIR_OR: return "((bool)(" + a + " | " + b + "))";
    case TG_KIR_MUL: case TG_KIR_AND: return "((bool)(" + a + " & " + b + "))";
    case TG_KIR_XOR: return "((bool)(" + a + " ^ " + b + "))";
  }
  return "";
}

std::string int_binary(Helpers& h, uint32_t op, uint32_t dtype, const std::string& a, const std::string& b) {
  const std::string t = reg_type(dtype), u = wrap_type(dtype);
  auto wrap = [&](const char* sym) { return "((" + t + ")((" + u + ")" + a + " " + sym + " (" + u + ")" + b + "))"; };
  switch (op) {
    case TG_KIR_ADD: return wrap("+");
    case TG_KIR_MUL: return wrap("*");
    case TG_KIR_MAX: return "(" + a + " < " + b + " ? " + b + " : " + a + ")";
    case TG_KIR_IDIV: return h.idiv(dtype) + "(" + a + ", " + b + ")";
    case TG_KIR_MOD: return h.mod(dtype) + "(" + a + ", " + b + ")";
    case TG_KIR_AND: return "((" + t + ")(" + a + " & " + b + "))";
    case TG_KIR_OR: return "((" + t + ")(" + a + " | " + b + "))";
    case TG_KIR_XOR: return "((" + t + ")(" + a + " ^ " + b + "))";
    case TG_KIR_SHL: return h.shl(dtype) + "(" + a + ", " + b + ")";
    case TG_KIR_SHR: return h.shr(dtype) + "(" + a + ", " + b + ")";
  }
  return "";
}

std::string float_binary(Helpers& h, uint32_t op, uint32_t dtype, const std::string& a, const std::string& b) {
  switch (op) {
    case TG_KIR_ADD: return rounded(h, dtype, "(" + a + " + " + b + ")");
    case TG_KIR_MUL: return rounded(h, dtype, "(" + a + " * " + b + ")");
    case TG_KIR_MAX: return h.fmax(dtype == TG_DTYPE_FLOAT64) + "(" + a + ", " + b + ")";  // exact
  }
  return "";
}

std::string float_unary(Helpers& h, const Dialect& d, uint32_t op, uint32_t dtype, const std::string& a) {
  const bool f64 = dtype == TG_DTYPE_FLOAT64;
  const char* const* math = f64 ? d.math_d : d.math_f;
  auto call = [&](int k) { return rounded(h, dtype, std::string(math[k]) + "(" + a + ")"); };
  switch (op) {
    case TG_KIR_EXP2: return call(0);
    case TG_KIR_LOG2: return call(1);
    case TG_KIR_SIN: return call(2);
    case TG_KIR_SQRT: return call(3);
    case TG_KIR_TRUNC: return std::string(math[4]) + "(" + a + ")";  // exact in every float dtype
    case TG_KIR_RECIP: return rounded(h, dtype, f64 ? "(1.0 / " + a + ")" : "(1.0f / " + a + ")");
    case TG_KIR_NEG: return "(-" + a + ")";
  }
  return "";
}

}  // namespace

std::string op_expr(Helpers& h, const Dialect& d, const tg_kir_node& n, uint32_t src_dtype,
                    const std::vector<std::string>& args) {
  using tg::sdk::is_float_dtype;
  const uint32_t op = n.op;
  std::string e;
  if (op == TG_KIR_CAST) return cast_expr(h, n.dtype, src_dtype, args[0]);
  if (op == TG_KIR_WHERE) return "(" + args[0] + " ? " + args[1] + " : " + args[2] + ")";
  if (op == TG_KIR_CMPLT) return "(" + args[0] + " < " + args[1] + ")";
  if (op == TG_KIR_CMPNE) return "(" + args[0] + " != " + args[1] + ")";
  const int arity = tg::sdk::op_arity(op);
  if (arity == 1) {
    if (is_float_dtype(n.dtype)) e = float_unary(h, d, op, n.dtype, args[0]);
    else if (op == TG_KIR_NEG && n.dtype == TG_DTYPE_BOOL) e = args[0];  // -x != 0 is x
    else if (op == TG_KIR_NEG)
      e = "((" + std::string(reg_type(n.dtype)) + ")((" + wrap_type(n.dtype) + ")0 - (" + wrap_type(n.dtype) + ")" +
          args[0] + "))";
  } else if (arity == 2) {
    if (is_float_dtype(n.dtype)) e = float_binary(h, op, n.dtype, args[0], args[1]);
    else if (n.dtype == TG_DTYPE_BOOL) e = bool_binary(op, args[0], args[1]);
    else e = int_binary(h, op, n.dtype, args[0], args[1]);
  }
  if (e.empty()) {
    // check_program rejects these pairs; reaching here is a renderer bug.
    const char* on = tg::sdk::op_name(op);
    throw Failure(TG_ERR_INTERNAL, std::string("render: no expression for op ") + (on ? on : "?") + " on " +
                                       tg::sdk::detail::dname(n.dtype) + " (" + __FILE__ + ")");
  }
  return e;
}

const char* acc_type(uint32_t dtype) { return reg_type(dtype); }

std::string reduce_identity(int32_t reduce_op, uint32_t dtype) {
  if (tg::sdk::is_float_dtype(dtype)) {
    const uint32_t fd = dtype == TG_DTYPE_FLOAT64 ? TG_DTYPE_FLOAT64 : TG_DTYPE_FLOAT32;
    if (reduce_op == TG_REDUCE_SUM) return float_literal(fd, 0.0);
    if (reduce_op == TG_REDUCE_PROD) return float_literal(fd, 1.0);
    return float_literal(fd, -std::numeric_limits<double>::infinity());
  }
  if (reduce_op == TG_REDUCE_SUM) return int_literal(dtype, 0);
  if (reduce_op == TG_REDUCE_PROD) return int_literal(dtype, 1);
  switch (dtype) {  // MAX starts at the dtype's lowest value
    case TG_DTYPE_BOOL: case TG_DTYPE_UINT8: return int_literal(dtype, 0);
    case TG_DTYPE_INT8: return int_literal(dtype, INT8_MIN);
    case TG_DTYPE_INT16: return int_literal(dtype, INT16_MIN);
    case TG_DTYPE_INT32: return int_literal(dtype, INT32_MIN);
  }
  return int_literal(dtype, INT64_MIN);
}

std::string reduce_step(Helpers& h, int32_t reduce_op, uint32_t dtype, const std::string& acc,
                        const std::string& value) {
  // float16/bfloat16 accumulate in float without rounding each step (the reference's fold).
  if (tg::sdk::is_float_dtype(dtype)) {
    if (reduce_op == TG_REDUCE_SUM) return "(" + acc + " + " + value + ")";
    if (reduce_op == TG_REDUCE_PROD) return "(" + acc + " * " + value + ")";
    return h.fmax(dtype == TG_DTYPE_FLOAT64) + "(" + acc + ", " + value + ")";
  }
  if (dtype == TG_DTYPE_BOOL) return reduce_op == TG_REDUCE_PROD ? "((bool)(" + acc + " & " + value + "))"
                                                                 : "((bool)(" + acc + " | " + value + "))";
  const std::string t = reg_type(dtype), u = wrap_type(dtype);
  if (reduce_op == TG_REDUCE_SUM) return "((" + t + ")((" + u + ")" + acc + " + (" + u + ")" + value + "))";
  if (reduce_op == TG_REDUCE_PROD) return "((" + t + ")((" + u + ")" + acc + " * (" + u + ")" + value + "))";
  return "(" + acc + " < " + value + " ? " + value + " : " + acc + ")";
}

std::string reduce_finish(Helpers& h, uint32_t dtype, const std::string& acc) { return rounded(h, dtype, acc); }

}  // namespace tg::render::detail
