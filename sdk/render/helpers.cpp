// Helper functions rendered into kernels: the float16/bfloat16 conversions (a line-by-line port
// of tg/half.h, so kernels round exactly as the reference does), NaN-propagating max, and the
// integer ops whose C forms would trap or be undefined (division by 0 or -1, wide shifts), and
// saturating float -> int casts. Each is emitted once per kernel, only when used.
// Every helper's name starts with "tg_" and no kernel's does (kernel.cpp's entry_name gives them
// "tgk_"), so no program name can make a kernel collide with a helper.
#include <cstdio>

#include "emit.hpp"

namespace tg::render::detail {

std::string subst(const char* pattern, const std::string& what) {
  std::string out;
  for (const char* c = pattern; *c; ++c) {
    if (*c == '$') out += what;
    else out += *c;
  }
  return out;
}

bool Helpers::have(const std::string& name) {
  for (const std::string& n : names_)
    if (n == name) return true;
  names_.push_back(name);
  return false;
}

void Helpers::add(const std::string& signature, const std::string& body) {
  text_ += std::string(d_.function_qualifier) + " " + signature + " {\n" + body + "}\n";
}

std::string Helpers::narrow() {
  const std::string name = "tg_narrow";
  if (have(name)) return name;
  // tg_ieee_narrow_bits of tg/half.h.
  add("tg_u32 tg_narrow(tg_u64 bits, int se, int sm, int de, int dm)",
      "  const tg_u32 src_emax = (1u << se) - 1u;\n"
      "  const int src_bias = (1 << (se - 1)) - 1;\n"
      "  const tg_u32 dst_emax = (1u << de) - 1u;\n"
      "  const int dst_bias = (1 << (de - 1)) - 1;\n"
      "  const tg_u32 sign = ((tg_u32)(bits >> (se + sm)) & 1u) << (de + dm);\n"
      "  const tg_u32 e = (tg_u32)(bits >> sm) & src_emax;\n"
      "  const tg_u64 m = bits & (((tg_u64)1 << sm) - 1u);\n"
      "  const tg_u32 inf = dst_emax << dm;\n"
      "  int ex; tg_u64 mant;\n"
      "  if (e == src_emax) {\n"
      "    if (m == 0) return sign | inf;\n"
      "    return sign | inf | (1u << (dm - 1)) | (tg_u32)(m >> (sm - dm));\n"
      "  }\n"
      "  if (e == 0 && m == 0) return sign;\n"
      "  if (e == 0) {\n"
      "    ex = 1 - src_bias; mant = m;\n"
      "    while ((mant >> sm) == 0) { mant <<= 1; ex--; }\n"
      "  } else {\n"
      "    ex = (int)e - src_bias; mant = m | ((tg_u64)1 << sm);\n"
      "  }\n"
      "  const int dexp = ex + dst_bias;\n"
      "  if (dexp >= (int)dst_emax) return sign | inf;\n"
      "  const int shift = sm - dm + (dexp < 1 ? 1 - dexp : 0);\n"
      "  if (shift > sm + 1) return sign;\n"
      "  const tg_u64 kept = mant >> shift;\n"
      "  const tg_u64 rest = mant & (((tg_u64)1 << shift) - 1u);\n"
      "  const tg_u64 halfway = (tg_u64)1 << (shift - 1);\n"
      "  tg_u32 out = (dexp < 1 ? 0u : (tg_u32)(dexp - 1) << dm) + (tg_u32)kept;\n"
      "  if (rest > halfway || (rest == halfway && (kept & 1u))) out += 1u;\n"
      "  if (out > inf) out = inf;\n"
      "  return sign | out;\n");
  return name;
}

std::string Helpers::half_to_float() {
  if (d_.half_h) return "tg_half_to_float";
  const std::string name = "tg_h2f";
  if (have(name)) return name;
  add("float tg_h2f(tg_u16 h)",
      "  const tg_u32 sign = (tg_u32)(h >> 15) << 31;\n"
      "  const tg_u32 e = (tg_u32)(h >> 10) & 31u;\n"
      "  tg_u32 m = (tg_u32)h & 0x3ffu;\n"
      "  tg_u32 bits;\n"
      "  if (e == 31u) {\n"
      "    bits = sign | 0x7f800000u | (m << 13);\n"
      "  } else if (e == 0u) {\n"
      "    if (m == 0u) {\n"
      "      bits = sign;\n"
      "    } else {\n"
      "      int ex = -14;\n"
      "      while ((m & 0x400u) == 0u) { m <<= 1; ex--; }\n"
      "      bits = sign | ((tg_u32)(ex + 127) << 23) | ((m & 0x3ffu) << 13);\n"
      "    }\n"
      "  } else {\n"
      "    bits = sign | ((e - 15u + 127u) << 23) | (m << 13);\n"
      "  }\n"
      "  return TG_BITS_F32(bits);\n");
  return name;
}

std::string Helpers::bf16_to_float() {
  if (d_.half_h) return "tg_bfloat16_to_float";
  const std::string name = "tg_bf2f";
  if (have(name)) return name;
  add("float tg_bf2f(tg_u16 b)", "  return TG_BITS_F32((tg_u32)b << 16);\n");
  return name;
}

std::string Helpers::float_to_narrow(uint32_t to, bool from_double) {
  const bool half = to == TG_DTYPE_FLOAT16;
  if (d_.half_h) return std::string(from_double ? "tg_double" : "tg_float") + (half ? "_to_half" : "_to_bfloat16");
  const std::string name = std::string(from_double ? "tg_d" : "tg_f") + (half ? "2h" : "2bf");
  const std::string n = narrow();
  if (have(name)) return name;
  const std::string bits = from_double ? "TG_F64_BITS(x)" : "(tg_u64)TG_F32_BITS(x)";
  const std::string src = from_double ? "11, 52" : "8, 23";
  const std::string dst = half ? "5, 10" : "8, 7";
  add("tg_u16 " + name + "(" + (from_double ? "double" : "float") + " x)",
      "  return (tg_u16)" + n + "(" + bits + ", " + src + ", " + dst + ");\n");
  return name;
}

std::string Helpers::round_narrow(uint32_t dtype) {
  const bool half = dtype == TG_DTYPE_FLOAT16;
  // tg/half.h rounds to bfloat16 on the float's own 32 bits, bit for bit the narrowing-widening
  // pair, in a form GCC vectorizes ~4x faster (a 4-op bfloat16 loop: 14.3 -> 3.8 ms).
  if (d_.half_h && !half) return "tg_round_to_bfloat16";
  const std::string name = half ? "tg_round_h" : "tg_round_bf";
  const std::string down = float_to_narrow(dtype, false);
  const std::string up = half ? half_to_float() : bf16_to_float();
  if (have(name)) return name;
  add("float " + name + "(float x)", "  return " + up + "(" + down + "(x));\n");
  return name;
}

std::string Helpers::fmax(bool f64) {
  const std::string name = f64 ? "tg_max_d" : "tg_max_f";
  if (have(name)) return name;
  const std::string t = f64 ? "double" : "float";
  add(t + " " + name + "(" + t + " a, " + t + " b)", std::string("  return ") + d_.fmax_return + ";\n");
  return name;
}

std::string Helpers::select_bits(bool f64) {
  const std::string name = f64 ? "tg_where_d" : "tg_where_f";
  if (have(name)) return name;
  const std::string t = f64 ? "double" : "float", u = f64 ? "tg_u64" : "tg_u32", w = f64 ? "F64" : "F32";
  add(t + " " + name + "(bool c, " + t + " a, " + t + " b)",
      "  const " + u + " m = (" + u + ")0 - (" + u + ")(c != 0);\n"
      "  return TG_BITS_" + w + "((TG_" + w + "_BITS(a) & m) | (TG_" + w + "_BITS(b) & ~m));\n");
  return name;
}

namespace {
const char* int_name(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_INT8: return "i8";
    case TG_DTYPE_UINT8: return "u8";
    case TG_DTYPE_INT16: return "i16";
    case TG_DTYPE_INT32: return "i32";
    case TG_DTYPE_INT64: return "i64";
  }
  return "?";
}
int int_bits(uint32_t dtype) { return static_cast<int>(tg::sdk::dtype_size(dtype) * 8); }
}  // namespace

std::string Helpers::idiv(uint32_t dtype) {
  const std::string name = std::string("tg_idiv_") + int_name(dtype);
  if (have(name)) return name;
  const std::string t = reg_type(dtype), u = wrap_type(dtype);
  // The divisor is made safe before dividing, so no lane ever divides by 0 or INT_MIN by -1,
  // even where a compiler evaluates both sides of the selects.
  if (dtype == TG_DTYPE_UINT8) {
    add(t + " " + name + "(" + t + " a, " + t + " b)",
        "  const " + t + " q = (" + t + ")(a / (b == 0 ? 1 : b));\n  return b == 0 ? (" + t + ")0 : q;\n");
  } else {
    add(t + " " + name + "(" + t + " a, " + t + " b)",
        "  const " + t + " q = (" + t + ")(a / ((b == 0 || b == -1) ? 1 : b));\n"
        "  return b == 0 ? (" + t + ")0 : b == -1 ? (" + t + ")((" + u + ")0 - (" + u + ")a) : q;\n");
  }
  return name;
}

std::string Helpers::mod(uint32_t dtype) {
  const std::string name = std::string("tg_mod_") + int_name(dtype);
  if (have(name)) return name;
  const std::string t = reg_type(dtype);
  const std::string bad = dtype == TG_DTYPE_UINT8 ? "b == 0" : "(b == 0 || b == -1)";
  add(t + " " + name + "(" + t + " a, " + t + " b)",
      "  const " + t + " r = (" + t + ")(a % (" + bad + " ? 1 : b));\n  return " + bad + " ? (" + t + ")0 : r;\n");
  return name;
}

std::string Helpers::shl(uint32_t dtype) {
  const std::string name = std::string("tg_shl_") + int_name(dtype);
  if (have(name)) return name;
  const std::string t = reg_type(dtype), u = wrap_type(dtype), bits = std::to_string(int_bits(dtype));
  const std::string neg = dtype == TG_DTYPE_UINT8 ? "" : "b < 0 || ";
  // The count is masked too, so the shift itself is defined in every lane.
  add(t + " " + name + "(" + t + " a, " + t + " b)",
      "  const " + t + " r = (" + t + ")((" + u + ")a << (b & " + std::to_string(int_bits(dtype) - 1) + "));\n"
      "  return (" + neg + "b >= " + bits + ") ? (" + t + ")0 : r;\n");
  return name;
}

std::string Helpers::shr(uint32_t dtype) {
  const std::string name = std::string("tg_shr_") + int_name(dtype);
  if (have(name)) return name;
  const std::string t = reg_type(dtype), bits = std::to_string(int_bits(dtype));
  const std::string mask = std::to_string(int_bits(dtype) - 1);
  if (dtype == TG_DTYPE_UINT8) {
    add(t + " " + name + "(" + t + " a, " + t + " b)",
        "  const " + t + " r = (" + t + ")(a >> (b & " + mask + "));\n  return b >= " + bits + " ? (" + t + ")0 : r;\n");
  } else {
    // Arithmetic shift written without shifting a negative value (implementation-defined in C).
    add(t + " " + name + "(" + t + " a, " + t + " b)",
        "  const " + t + " s = (" + t + ")(b & " + mask + ");\n"
        "  const " + t + " r = a >= 0 ? (" + t + ")(a >> s) : (" + t + ")~((" + t + ")~a >> s);\n"
        "  return (b < 0 || b >= " + bits + ") ? (" + t + ")0 : r;\n");
  }
  return name;
}

std::string Helpers::int_to_float_odd() {
  const std::string name = "tg_i2f_odd";
  if (have(name)) return name;
  // tg_int64_to_double_odd of tg/half.h at float's 24 bits (no double on every target): rounding
  // this float to float16/bfloat16 gives what rounding the integer would, while (float)v then
  // bfloat16 rounds twice (int64 2^60 + 2^52 + 1 must give 0x5d81, not 0x5d80).
  add("float tg_i2f_odd(tg_i64 v)",
      "  tg_u64 u = v < 0 ? (tg_u64)0 - (tg_u64)v : (tg_u64)v;\n"
      "  float scale = 1.0f;\n"
      "  while (u >> 24) { u = (u >> 1) | (u & 1u); scale *= 2.0f; }\n"
      "  const float f = (float)u * scale;\n"
      "  return v < 0 ? -f : f;\n");
  return name;
}

std::string Helpers::float_to_int(uint32_t to, bool from_double) {
  const std::string name = std::string("tg_f2i_") + int_name(to) + (from_double ? "_d" : "_f");
  if (have(name)) return name;
  const std::string t = reg_type(to), f = from_double ? "double" : "float";
  const uint32_t fd = from_double ? TG_DTYPE_FLOAT64 : TG_DTYPE_FLOAT32;
  int64_t lo = 0, hi = 0;
  switch (to) {
    case TG_DTYPE_INT8: lo = INT8_MIN; hi = INT8_MAX; break;
    case TG_DTYPE_UINT8: lo = 0; hi = UINT8_MAX; break;
    case TG_DTYPE_INT16: lo = INT16_MIN; hi = INT16_MAX; break;
    case TG_DTYPE_INT32: lo = INT32_MIN; hi = INT32_MAX; break;
    default: lo = INT64_MIN; hi = INT64_MAX; break;
  }
  // The bounds as floats round outward (INT32_MAX -> 2^31), so `>= hi` catches exactly the
  // values that do not fit; in between, the C cast truncates toward zero.
  const std::string flo = float_literal(fd, static_cast<double>(static_cast<float>(lo)));
  const std::string fhi = from_double ? float_literal(fd, static_cast<double>(hi))
                                      : float_literal(fd, static_cast<double>(static_cast<float>(hi)));
  add(t + " " + name + "(" + f + " x)",
      "  return x != x ? (" + t + ")0 : x <= " + flo + " ? " + int_literal(to, lo) + " : x >= " + fhi + " ? " +
          int_literal(to, hi) + " : (" + t + ")x;\n");
  return name;
}

}  // namespace tg::render::detail
