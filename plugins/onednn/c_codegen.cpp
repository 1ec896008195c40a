#include "c_codegen.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "c_gen.hpp"
#include "tg/half.h"

namespace tg::onednn {
namespace cgen {
namespace {

#include "half_source.inc"  // kHalfSource: the text of tg/half.h, pasted into every kernel

using tg::sdk::Failure;

// Helpers every kernel gets. Integer ops run in unsigned arithmetic (wraparound, no UB) and
// follow tg/plugin.h's rules for division by 0 and INT_MIN / -1, shift counts out of range,
// and saturating float -> int casts, exactly as the ref plugin (values.hpp, ops.cpp).
constexpr const char* kHelpers = R"C(
#define TG_RH(x) tg_half_to_float(tg_float_to_half(x))
#define TG_RB(x) tg_bfloat16_to_float(tg_float_to_bfloat16(x))
/* NaN-propagating max. The isnan test first: GCC if-converts this form (a 2x2 max pool of a
 * relu runs ~1.4x faster than with `a < b || b != b`, which it leaves as branches). */
static inline float tg_maxf(float a, float b) { return __builtin_isnan(b) ? b : (a < b ? b : a); }
static inline double tg_maxd(double a, double b) { return __builtin_isnan(b) ? b : (a < b ? b : a); }
/* WHERE on floats as bit masks, never a branch, for a condition several WHEREs share: GCC turns
 * two `c ? x : 0` of one condition (a relu's mask applied twice) into a branch on c,
 * mispredicted half the time on real data (a max-pool gradient times the relu's mask: 9.5 ms
 * instead of 1.3). A lone WHERE keeps `?:`, which GCC vectorizes better (a cumsum 10.9 ms with
 * masks, 9.4 without). */
#define TG_WHERE(NAME, T, U)                                  \
  static inline T NAME(uint8_t c, T a, T b) {                  \
    U x, y, m = (U)0 - (U)(c != 0);                            \
    memcpy(&x, &a, sizeof x); memcpy(&y, &b, sizeof y);        \
    x = (x & m) | (y & ~m);                                    \
    memcpy(&a, &x, sizeof a);                                  \
    return a;                                                  \
  }
TG_WHERE(tg_wheref, float, uint32_t)
TG_WHERE(tg_whered, double, uint64_t)
#define TG_INT(T, U, BITS, MIN, MAX)                                                           \
  static inline T T##_idiv(T a, T b) { return b == 0 ? 0 : (b == (T)-1 && (T)-1 < 0) ? (T)(0u - (U)a) : (T)(a / b); } \
  static inline T T##_mod(T a, T b) { return (b == 0 || (b == (T)-1 && (T)-1 < 0)) ? 0 : (T)(a % b); }              \
  static inline T T##_shl(T a, T b) { return (b < 0 || b >= BITS) ? 0 : (T)((U)a << b); }        \
  static inline T T##_shr(T a, T b) { return (b < 0 || b >= BITS) ? 0 : (T)(a >> b); }           \
  static inline T T##_f2i(double x) { return x != x ? 0 : x <= (double)(MIN) ? (MIN) : x >= (double)(MAX) ? (MAX) : (T)x; }
TG_INT(int8_t, uint32_t, 8, INT8_MIN, INT8_MAX)
TG_INT(uint8_t, uint32_t, 8, 0, UINT8_MAX)
TG_INT(int16_t, uint32_t, 16, INT16_MIN, INT16_MAX)
TG_INT(int32_t, uint32_t, 32, INT32_MIN, INT32_MAX)
TG_INT(int64_t, uint64_t, 64, INT64_MIN, INT64_MAX)
)C";

}  // namespace

bool is_f(uint32_t d) { return tg::sdk::is_float_dtype(d); }
bool is_narrow(uint32_t d) { return d == TG_DTYPE_FLOAT16 || d == TG_DTYPE_BFLOAT16; }

// The C type a value of dtype d computes in.
std::string vt(uint32_t d) {
  switch (d) {
    case TG_DTYPE_BOOL: case TG_DTYPE_UINT8: return "uint8_t";
    case TG_DTYPE_INT8: return "int8_t";
    case TG_DTYPE_INT16: return "int16_t";
    case TG_DTYPE_INT32: return "int32_t";
    case TG_DTYPE_INT64: return "int64_t";
    case TG_DTYPE_FLOAT16: case TG_DTYPE_BFLOAT16: case TG_DTYPE_FLOAT32: return "float";
    case TG_DTYPE_FLOAT64: return "double";
  }
  throw Failure(TG_ERR_UNSUPPORTED, "onednn codegen: unknown dtype " + std::to_string(d));
}
// The C type an element of dtype d has in memory.
std::string mt(uint32_t d) { return is_narrow(d) ? "uint16_t" : vt(d); }
// The unsigned type integer arithmetic of dtype d wraps in.
std::string ut(uint32_t d) { return d == TG_DTYPE_INT64 ? "uint64_t" : "uint32_t"; }
// Rounds a float expression to a narrow dtype (no-op for float32/float64).
std::string rnd(uint32_t d, const std::string& e) {
  if (d == TG_DTYPE_FLOAT16) return "TG_RH(" + e + ")";
  if (d == TG_DTYPE_BFLOAT16) return "TG_RB(" + e + ")";
  return e;
}

std::string float_lit(uint32_t d, double v) {
  if (std::isnan(v)) return "NAN";
  if (std::isinf(v)) return v > 0 ? "INFINITY" : "(-INFINITY)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return std::string("(") + buf + (d == TG_DTYPE_FLOAT64 ? ")" : "f)");
}
std::string int_lit(uint32_t d, int64_t v) {
  if (v == INT64_MIN) return "(" + vt(d) + ")(-INT64_C(9223372036854775807) - 1)";
  return "(" + vt(d) + ")INT64_C(" + std::to_string(v) + ")";
}
// The value of a float constant as the dtype holds it (rounded once from the double).
double round_const(uint32_t d, double v) {
  switch (d) {
    case TG_DTYPE_FLOAT16: return tg_half_to_float(tg_double_to_half(v));
    case TG_DTYPE_BFLOAT16: return tg_bfloat16_to_float(tg_double_to_bfloat16(v));
    case TG_DTYPE_FLOAT32: return static_cast<float>(v);
  }
  return v;
}
// Canonical form of an integer constant: truncated to its width (bool: != 0).
int64_t wrap_const(uint32_t d, int64_t v) {
  switch (d) {
    case TG_DTYPE_BOOL: return v != 0;
    case TG_DTYPE_UINT8: return static_cast<uint8_t>(v);
    case TG_DTYPE_INT8: return static_cast<int8_t>(v);
    case TG_DTYPE_INT16: return static_cast<int16_t>(v);
    case TG_DTYPE_INT32: return static_cast<int32_t>(v);
  }
  return v;
}

std::string Gen::load(uint32_t i, const Ctx& c) const {
  const tg_kir_node& n = p_.nodes[i];
  const std::string m = mask(n.view, c);
  if (m == "0") return "(" + vt(n.dtype) + ")0";
  std::string e = "p" + std::to_string(n.param) + "[" + index(n.view, c) + "]";
  if (n.dtype == TG_DTYPE_BOOL) e = "(uint8_t)(" + e + " != 0)";
  else if (n.dtype == TG_DTYPE_FLOAT16) e = "tg_half_to_float(" + e + ")";
  else if (n.dtype == TG_DTYPE_BFLOAT16) e = "tg_bfloat16_to_float(" + e + ")";
  if (m.empty()) return e;
  return "((" + m + ") ? " + e + " : (" + vt(n.dtype) + ")0)";
}

// GATHER (ABI 1.4): a load whose element also moves by the index times the stride; an index
// outside [0, bound) reads 0, and `?:` evaluates the read only when it is inside.
std::string Gen::gather(uint32_t i, const Ctx& c) const {
  const tg_kir_node& n = p_.nodes[i];
  const std::string m = mask(n.view, c);
  if (m == "0") return "(" + vt(n.dtype) + ")0";
  const std::string k = "(int64_t)" + v(n.src[0]);
  std::string ok = "(uint64_t)" + k + " < UINT64_C(" + std::to_string(p_.nodes[n.src[1]].ivalue) + ")";
  if (!m.empty()) ok += " && (" + m + ")";
  std::string e = "p" + std::to_string(n.param) + "[" + index(n.view, c) + " + INT64_C(" + std::to_string(n.ivalue) + ") * " + k + "]";
  if (n.dtype == TG_DTYPE_BOOL) e = "(uint8_t)(" + e + " != 0)";
  else if (n.dtype == TG_DTYPE_FLOAT16) e = "tg_half_to_float(" + e + ")";
  else if (n.dtype == TG_DTYPE_BFLOAT16) e = "tg_bfloat16_to_float(" + e + ")";
  return "((" + ok + ") ? " + e + " : (" + vt(n.dtype) + ")0)";
}

// SCATTER_ADD (ABI 1.4): indices repeat, so two threads could add into one element; a program
// with one runs its tasks on one thread (emit_parallel_call), with plain adds the compiler can
// vectorize along a row. Measured on the Zen 2 (2 threads), the Embedding(50000, 512) gradient's
// 4096 x 512 adds: 22-54 ms as OpenMP atomics on both threads (a locked compare-and-swap each),
// against ~2 ms plain on one. Narrow floats and bool stay on the interpreter.
void Gen::scatter_add(uint32_t i, const Ctx& c) {
  const tg_kir_node& n = p_.nodes[i];
  if (is_narrow(n.dtype) || n.dtype == TG_DTYPE_BOOL)
    throw Failure(TG_ERR_UNSUPPORTED, "onednn codegen: no C add for SCATTER_ADD of " +
                                          std::string(tg::sdk::dtype_name(n.dtype)));
  const std::string k = "(int64_t)" + v(n.src[1]);
  open("if ((uint64_t)" + k + " < UINT64_C(" + std::to_string(p_.nodes[n.src[2]].ivalue) + "))");
  line("p" + std::to_string(n.param) + "[" + index(n.view, c) + " + INT64_C(" + std::to_string(n.ivalue) + ") * " + k +
       "] += " + v(n.src[0]) + ";");
  close();
}

std::string Gen::cast(uint32_t to, uint32_t from, const std::string& a) const {
  if (to == TG_DTYPE_BOOL) return "(uint8_t)(" + a + " != 0)";
  if (is_f(to)) {
    if (from == TG_DTYPE_FLOAT64 && is_narrow(to))  // one rounding from double
      return to == TG_DTYPE_FLOAT16 ? "tg_half_to_float(tg_double_to_half(" + a + "))"
                                    : "tg_bfloat16_to_float(tg_double_to_bfloat16(" + a + "))";
    // int32/int64 -> bfloat16 through float would round twice (int64 2^60 + 2^52 + 1 must give
    // 0x5d81): one rounding from the integer. (float16 overflows before float stops being exact.)
    if (to == TG_DTYPE_BFLOAT16 && (from == TG_DTYPE_INT32 || from == TG_DTYPE_INT64))
      return "tg_bfloat16_to_float(tg_int64_to_bfloat16((int64_t)(" + a + ")))";
    // 8- and 16-bit integers widen to int32 first (exact): GCC 12 vectorizes int32 -> float
    // but not uint8 -> float, and a bool cast to float (a max-pool gradient's tie mask) would
    // keep the whole loop scalar (2-3x slower).
    const bool small_int = from == TG_DTYPE_BOOL || from == TG_DTYPE_INT8 || from == TG_DTYPE_UINT8 || from == TG_DTYPE_INT16;
    const std::string w = small_int ? "(int32_t)(" + a + ")" : a;
    return rnd(to, "(" + vt(to) + ")(" + w + ")");  // ints go through float for narrow dtypes
  }
  if (is_f(from)) return vt(to) + "_f2i((double)(" + a + "))";
  return "(" + vt(to) + ")(" + a + ")";
}

std::string Gen::alu(uint32_t i) const {
  const tg_kir_node& n = p_.nodes[i];
  const uint32_t d = n.dtype;
  const std::string a = n.src[0] >= 0 ? v(n.src[0]) : "", b = n.src[1] >= 0 ? v(n.src[1]) : "";
  const uint32_t sd = n.src[0] >= 0 ? p_.nodes[n.src[0]].dtype : d;
  const std::string T = vt(d), U = ut(d);
  const bool f64 = d == TG_DTYPE_FLOAT64;
  auto fun = [&](const char* f32name, const char* f64name) { return rnd(d, std::string(f64 ? f64name : f32name) + "(" + a + ")"); };
  // Integer results of bool dtype are canonicalized to 0/1.
  auto ib = [&](const std::string& e) { return d == TG_DTYPE_BOOL ? "(uint8_t)((" + e + ") != 0)" : e; };
  switch (n.op) {
    case TG_KIR_LOAD: case TG_KIR_CONST: case TG_KIR_STORE: case TG_KIR_REDUCE: case TG_KIR_GATHER:
    case TG_KIR_SCATTER_ADD: break;
    case TG_KIR_CAST: return cast(d, sd, a);
    case TG_KIR_EXP2: return fun("exp2f", "exp2");
    case TG_KIR_LOG2: return fun("log2f", "log2");
    case TG_KIR_SIN: return fun("sinf", "sin");
    case TG_KIR_SQRT: return fun("sqrtf", "sqrt");
    case TG_KIR_TRUNC: return fun("truncf", "trunc");
    case TG_KIR_RECIP: return rnd(d, std::string(f64 ? "1.0" : "1.0f") + " / " + a);
    case TG_KIR_NEG:
      if (is_f(d)) return "-" + a;
      return ib("(" + T + ")(0u - (" + U + ")" + a + ")");
    case TG_KIR_ADD:
      if (is_f(d)) return rnd(d, a + " + " + b);
      return ib("(" + T + ")((" + U + ")" + a + " + (" + U + ")" + b + ")");
    case TG_KIR_MUL:
      if (is_f(d)) return rnd(d, a + " * " + b);
      return ib("(" + T + ")((" + U + ")" + a + " * (" + U + ")" + b + ")");
    case TG_KIR_MAX:
      if (is_f(d)) return (f64 ? "tg_maxd(" : "tg_maxf(") + a + ", " + b + ")";  // exact: no rounding needed
      return "(" + a + " < " + b + " ? " + b + " : " + a + ")";
    case TG_KIR_CMPLT: return "(uint8_t)(" + a + " < " + b + ")";
    case TG_KIR_CMPNE: return "(uint8_t)(" + a + " != " + b + ")";
    case TG_KIR_IDIV: return ib(vt(d) + "_idiv(" + a + ", " + b + ")");
    case TG_KIR_MOD: return ib(vt(d) + "_mod(" + a + ", " + b + ")");
    case TG_KIR_AND: return "(" + T + ")(" + a + " & " + b + ")";
    case TG_KIR_OR: return "(" + T + ")(" + a + " | " + b + ")";
    case TG_KIR_XOR: return "(" + T + ")(" + a + " ^ " + b + ")";
    case TG_KIR_SHL: return ib(vt(d) + "_shl(" + a + ", " + b + ")");
    case TG_KIR_SHR: return ib(vt(d) + "_shr(" + a + ", " + b + ")");
    case TG_KIR_WHERE:
      if (is_f(d) && (where_uses_[static_cast<size_t>(n.src[0])] > 1 || costly_[static_cast<size_t>(n.src[1])] ||
                      costly_[static_cast<size_t>(n.src[2])]))
        return (f64 ? "tg_whered(" : "tg_wheref(") + a + ", " + b + ", " + v(n.src[2]) + ")";
      return "(" + a + " ? " + b + " : " + v(n.src[2]) + ")";
  }
  throw Failure(TG_ERR_UNSUPPORTED, "onednn codegen: op " + std::to_string(n.op) + " is not elementwise");
}

// Emits, in program order, every node the roots need in context c (REDUCE nodes are read from
// their accumulators, never recomputed), and the roots' STOREs when `stores`.
void Gen::emit_nodes(const std::vector<uint32_t>& roots, const Ctx& c, bool stores) {
  std::vector<bool> need(p_.n_nodes, false);
  std::vector<uint32_t> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    const uint32_t i = stack.back();
    stack.pop_back();
    if (need[i]) continue;
    need[i] = true;
    const tg_kir_node& n = p_.nodes[i];
    if (n.op == TG_KIR_REDUCE && !(stores == false && std::find(roots.begin(), roots.end(), i) != roots.end())) continue;
    for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) stack.push_back(static_cast<uint32_t>(n.src[k]));
  }
  for (uint32_t i = 0; i < p_.n_nodes; ++i) {
    if (!need[i]) continue;
    const tg_kir_node& n = p_.nodes[i];
    const std::string T = vt(n.dtype);
    switch (n.op) {
      case TG_KIR_LOAD: line("const " + T + " " + v(i) + " = " + load(i, c) + ";"); break;
      case TG_KIR_GATHER: line("const " + T + " " + v(i) + " = " + gather(i, c) + ";"); break;
      case TG_KIR_SCATTER_ADD:
        if (stores) scatter_add(i, Ctx{false, c.acc_array});
        break;
      case TG_KIR_CONST: {
        std::string lit = is_f(n.dtype) ? float_lit(n.dtype, round_const(n.dtype, n.fvalue))
                                        : int_lit(n.dtype, wrap_const(n.dtype, n.ivalue));
        if (const int32_t k = info_.scalar_slot[i]; k >= 0) lit = scalar_arg(n.dtype, k);
        const std::string m = n.view >= 0 ? mask(n.view, c) : "";
        if (m == "0") lit = "(" + T + ")0";
        else if (!m.empty()) lit = "((" + m + ") ? " + lit + " : (" + T + ")0)";
        line("const " + T + " " + v(i) + " = " + lit + ";");
        break;
      }
      case TG_KIR_REDUCE:
        // As a root of a phase it is the value being accumulated (its source); else a finished result.
        if (!stores && std::find(roots.begin(), roots.end(), i) != roots.end()) break;
        line("const " + T + " " + v(i) + " = (" + T + ")" + acc_ref(i, c) + ";");
        break;
      case TG_KIR_STORE: {
        if (!stores) break;
        std::string val = v(n.src[0]);
        if (n.dtype == TG_DTYPE_FLOAT16) val = "tg_float_to_half(" + val + ")";
        else if (n.dtype == TG_DTYPE_BFLOAT16) val = "tg_float_to_bfloat16(" + val + ")";
        if (stores_to_tile_) {
          const size_t nd = plan_.size.size();
          line("s" + std::to_string(i) + "[" + I(nd - 2) + " - lo][" + I(nd - 1) + " - jb] = " + val + ";");
          break;
        }
        line("p" + std::to_string(n.param) + "[" + index(n.view, Ctx{false, c.acc_array}) + "] = " + val + ";");
        break;
      }
      default: line("const " + T + " " + v(i) + " = " + alu(i) + ";");
    }
  }
}

// Finishes accumulators (rounding narrow floats) is done by the phases; this evaluates what the
// STOREs need at one output index and stores.
void Gen::emit_output(const Ctx& c) {
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (tg::sdk::is_store_op(p_.nodes[i].op)) stores.push_back(i);
  emit_nodes(stores, c, true);
}

// With TG_VECTOR_MATH (jit_compiler.cpp: where glibc's libmvec has them), GCC calls the 4-, 8- or
// 16-wide versions of these in vectorized loops instead of one scalar call per element.
constexpr const char* kVectorMath =
    "#ifdef TG_VECTOR_MATH\n"
    "__attribute__((simd(\"notinbranch\"))) float exp2f(float);\n"
    "__attribute__((simd(\"notinbranch\"))) float log2f(float);\n"
    "__attribute__((simd(\"notinbranch\"))) float sinf(float);\n"
    "__attribute__((simd(\"notinbranch\"))) double exp2(double);\n"
    "__attribute__((simd(\"notinbranch\"))) double log2(double);\n"
    "__attribute__((simd(\"notinbranch\"))) double sin(double);\n"
    "#endif\n";

// The file's head: includes, helpers, and the typed buffer params every task function takes.
//
// Each parallel loop's body is a static function of one task, its buffers restrict-qualified
// parameters, called from tg_kernel's `omp parallel for`. GCC drops the restrict of pointers a
// parallel region captures from the enclosing function (the outlined body reads them from a
// struct), and then vectorizes a loop only behind run-time overlap checks, at most 10 of them
// (--param vect-max-version-for-alias-checks): Adam's fused update (6 loads, 3 stores) stayed
// scalar, 162 us instead of 22 us for 100K floats. Restrict parameters survive inlining.
void Gen::emit_prologue() {
  out_ = "#include <stdint.h>\n#include <stdlib.h>\n#include <math.h>\n";
  out_ += kVectorMath;
  out_ += kHalfSource;
  out_ += kHelpers;
  std::string title = p_.name ? p_.name : "kernel";  // a name holding "*/" must not end the comment
  for (size_t at; (at = title.find("*/")) != std::string::npos;) title.replace(at, 2, "* /");
  line("/* " + title + " */");
  params_decl_.clear();
  params_args_.clear();
  for (uint32_t q = 0; q < p_.n_params; ++q) {
    const bool w = p_.params[q].access == TG_PARAM_WRITE;
    const std::string type = std::string(w ? "" : "const ") + mt(p_.params[q].dtype) + "*";
    const std::string sep = q ? ", " : "";
    params_decl_ += sep + type + " restrict p" + std::to_string(q);
    params_args_ += sep + "(" + type + ")bufs[" + std::to_string(q) + "]";
  }
  // Scalar args (tg_kir_scalar, ABI 1.3): an array the launch puts after the params.
  if (tg::sdk::scalar_arg_count(p_) > 0) {
    line("typedef struct { int64_t i; double f; } tg_scalar;");
    const std::string sep = p_.n_params ? ", " : "";
    params_decl_ += sep + "const tg_scalar* restrict sc";
    params_args_ += sep + "(const tg_scalar*)bufs[" + std::to_string(p_.n_params) + "]";
  }
}

// The value of scalar arg k as a CONST of dtype dt would hold it (rounded like round_const).
std::string Gen::scalar_arg(uint32_t dt, int32_t k) const {
  const std::string s = "sc[" + std::to_string(k) + "]";
  switch (dt) {
    case TG_DTYPE_FLOAT64: return "(" + s + ".f)";
    case TG_DTYPE_FLOAT32: return "((float)" + s + ".f)";
    case TG_DTYPE_FLOAT16: return "TG_RH((float)" + s + ".f)";
    case TG_DTYPE_BFLOAT16: return "TG_RB((float)" + s + ".f)";
    case TG_DTYPE_BOOL: return "((uint8_t)(" + s + ".i != 0))";
    default: return "((" + vt(dt) + ")" + s + ".i)";
  }
}

// Opens `static void name(int64_t t, <extra_decl>, <params>)`: the body of one task.
void Gen::open_task(const std::string& name, const std::string& extra_decl) {
  std::string decl = "int64_t t" + extra_decl;
  if (!params_decl_.empty()) decl += ", " + params_decl_;
  open("static void " + name + "(" + decl + ")");
}

void Gen::open_chunked_task(size_t k, int64_t nch, int64_t ch) {
  open_task("tg_task", "");
  const int64_t ksize = plan_.size[k];
  line("int64_t rest = t / " + std::to_string(nch) + ";");
  line("const int64_t lo = (t % " + std::to_string(nch) + ") * " + std::to_string(ch) + ";");
  line("const int64_t hi = lo + " + std::to_string(ch) + " < " + std::to_string(ksize) + " ? lo + " + std::to_string(ch) +
       " : " + std::to_string(ksize) + ";");
  for (size_t d = k; d-- > 0;) {
    line("const int64_t " + I(d) + " = rest % " + std::to_string(plan_.size[d]) + ";");
    line("rest /= " + std::to_string(plan_.size[d]) + ";");
  }
  line("(void)rest;");
}

CSource Gen::finish_single_pass(int64_t tasks, const std::string& summary) {
  open("int tg_kernel(char* const* bufs)");
  line("(void)bufs;");
  if (tasks > 0) emit_parallel_call("tg_task", tasks, plan_.out_numel, "");
  line("return 0;");
  close();
  CSource src;
  src.code = std::move(out_);
  src.summary = summary;
  return src;
}

// In tg_kernel: runs tasks 0..count-1 of `name` on every core (on one when work is small).
void Gen::emit_parallel_call(const std::string& name, int64_t count, int64_t work, const std::string& extra_args) {
  bool adds = false;  // a SCATTER_ADD: one thread (see scatter_add)
  for (uint32_t i = 0; i < p_.n_nodes; ++i) adds = adds || p_.nodes[i].op == TG_KIR_SCATTER_ADD;
  line("#pragma omp parallel for schedule(static) if(" + std::to_string(work >= 32768 && !adds ? 1 : 0) + ")");
  std::string args = "t" + extra_args;
  if (!params_args_.empty()) args += ", " + params_args_;
  line("for (int64_t t = 0; t < " + std::to_string(count) + "; t++) " + name + "(" + args + ");");
}

// A program without REDUCE: tasks of about kElementwiseTask elements. Dim k is the outermost
// dim whose inner dims hold fewer than that; a task is one index of the dims before k (decoded
// from the task number), a chunk of dim k, and full loops over the dims after it. So the
// innermost loop is always the whole innermost dim, however small, and a (.., 13, 2) program
// makes tasks of thousands of elements, not of two.
constexpr int64_t kElementwiseTask = 8192;

// A transposing copy -- out[i][j] = f(in[j][i]), `x.T.contiguous()`, NHWC -> NCHW -- reads one
// cache line per element along the innermost dim, a line whose other 15 floats are wanted only at
// the next index of the outer dim; when the innermost dim spans more lines than L1 holds (and
// strides of a power of two map them all to a few sets) they are gone by then: a 4096 x 4096
// transpose ran at 0.9 GB/s. So such programs run in tiles of kTileT x kTileN: the values are
// computed in the loads' order (the load-contiguous dim innermost) into a local tile laid out in
// the stores' order, then stored from it row by row. Zen 2, 2 threads, best of 10-50, against the
// untiled loop: 4096 x 4096 float 147 -> 27 ms, 1000 x 1000 0.385 -> 0.24 ms, (262144, 64) ->
// (64, 262144) 65 -> 11.4 ms, (128, 26, 26, 32) NHWC -> NCHW 1.9 -> 1.6 ms. A standalone harness
// picked the layout: a tile in the loads' order (stored through gathers) was 1.2-2x slower, tiles
// stored straight without the local copy as slow as untiled at 4096, 16 x 16 tiles 31 ms.
constexpr int64_t kTileT = 32;  // along the dim the loads read contiguously
constexpr int64_t kTileN = 64;  // along the innermost dim, which the stores write contiguously
// Only where the innermost dim spans at least this many lines (32 KiB, an L1): below it the lines
// stay in L1 from one outer index to the next and the plain loop is faster ((64, 256, 28, 28)
// NCHW -> NHWC: 8.8 ms untiled, 13-24 ms in any tile tried).
constexpr int64_t kTileMinInner = 512;

int Gen::transposing_dim() const {
  const size_t n = plan_.size.size();
  if (n < 2 || plan_.out_numel == 0) return -1;
  const size_t t = n - 2, in = n - 1;
  if (plan_.size[t] < kTileT || plan_.size[in] < kTileMinInner) return -1;
  bool strided_load = false;
  for (uint32_t i = 0; i < p_.n_nodes; ++i) {
    const tg_kir_node& nd = p_.nodes[i];
    if (nd.op == TG_KIR_SCATTER_ADD) return -1;  // (adds go to memory, not through a tile)
    if (nd.view < 0) continue;
    const PlanView& v = plan_.views[static_cast<size_t>(nd.view)];
    if (nd.op == TG_KIR_STORE && (v.strides[in] != 1)) return -1;  // the stores must want N innermost
    if (nd.op == TG_KIR_LOAD && (v.strides[t] == 1 || v.strides[t] == -1) && std::llabs(v.strides[in]) >= 16) strided_load = true;
  }
  return strided_load ? static_cast<int>(t) : -1;
}

CSource Gen::run_transposing(size_t t) {
  const size_t n = plan_.size.size(), in = n - 1;
  const int64_t tsize = plan_.size[t], nsize = plan_.size[in];
  const int64_t nch = (tsize + kTileT - 1) / kTileT;
  int64_t outer = 1;
  for (size_t d = 0; d < t; ++d) outer *= plan_.size[d];
  const int64_t tasks = outer * nch;
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (p_.nodes[i].op == TG_KIR_STORE) stores.push_back(i);
  emit_prologue();
  open_chunked_task(t, nch, kTileT);
  for (uint32_t i : stores)
    line(mt(p_.nodes[i].dtype) + " s" + std::to_string(i) + "[" + std::to_string(kTileT) + "][" + std::to_string(kTileN) + "];");
  open("for (int64_t jb = 0; jb < " + std::to_string(nsize) + "; jb += " + std::to_string(kTileN) + ")");
  line("const int64_t je = jb + " + std::to_string(kTileN) + " < " + std::to_string(nsize) + " ? jb + " + std::to_string(kTileN) +
       " : " + std::to_string(nsize) + ";");
  open("for (int64_t " + I(in) + " = jb; " + I(in) + " < je; " + I(in) + "++)");
  open("for (int64_t " + I(t) + " = lo; " + I(t) + " < hi; " + I(t) + "++)");
  stores_to_tile_ = true;
  emit_output(Ctx{false, false});
  stores_to_tile_ = false;
  close();
  close();
  open("for (int64_t " + I(t) + " = lo; " + I(t) + " < hi; " + I(t) + "++)");
  open("for (int64_t " + I(in) + " = jb; " + I(in) + " < je; " + I(in) + "++)");
  for (uint32_t i : stores) {
    const tg_kir_node& nd = p_.nodes[i];
    line("p" + std::to_string(nd.param) + "[" + index(nd.view, Ctx{false, false}) + "] = s" + std::to_string(i) + "[" + I(t) +
         " - lo][" + I(in) + " - jb];");
  }
  close();
  close();
  close();
  close();
  return finish_single_pass(tasks, "elementwise, " + std::to_string(n) + " merged dims, transposed in " + std::to_string(kTileT) +
                                       " x " + std::to_string(kTileN) + " tiles, " + std::to_string(tasks) + " tasks");
}

CSource Gen::run_elementwise() {
  const size_t n = plan_.size.size();
  if (const int t = transposing_dim(); t >= 0) return run_transposing(static_cast<size_t>(t));
  size_t k = 0;
  int64_t inner = 1;  // elements in the dims after k
  for (size_t d = n; d-- > 0;) {
    if (inner * plan_.size[d] >= kElementwiseTask || d == 0) {
      k = d;
      break;
    }
    inner *= plan_.size[d];
  }
  const int64_t ksize = n ? plan_.size[k] : 1;
  const int64_t ch = n && inner > 0 ? std::max<int64_t>(1, std::min(ksize, kElementwiseTask / inner)) : 1;  // (a 0-size dim: no work)
  const int64_t nch = (ksize + ch - 1) / ch;
  int64_t outer = 1;
  for (size_t d = 0; d < k; ++d) outer *= plan_.size[d];
  const int64_t tasks = plan_.out_numel == 0 ? 0 : outer * nch;
  emit_prologue();
  if (tasks > 0) {
    if (n) {
      open_chunked_task(k, nch, ch);
      open("for (int64_t " + I(k) + " = lo; " + I(k) + " < hi; " + I(k) + "++)");
      for (size_t d = k + 1; d < n; ++d)
        open("for (int64_t " + I(d) + " = 0; " + I(d) + " < " + std::to_string(plan_.size[d]) + "; " + I(d) + "++)");
    } else {
      open_task("tg_task", "");
      line("(void)t;");
      open("");
    }
    emit_output(Ctx{false, false});
    for (size_t d = k + 1; d < n; ++d) close();
    close();
    close();
  }
  return finish_single_pass(tasks, "elementwise, " + std::to_string(n) + " merged dims, " + std::to_string(tasks) + " tasks");
}

}  // namespace cgen

CSource render_c(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads) {
  return cgen::Gen(p, info, threads).run();
}

}  // namespace tg::onednn
