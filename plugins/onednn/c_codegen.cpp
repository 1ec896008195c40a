#include "c_codegen.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "loop_plan.hpp"
#include "tg/half.h"

namespace tg::onednn {
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

std::string reduce_init(int32_t op, uint32_t d) {
  if (is_f(d)) return op == TG_REDUCE_SUM ? "0.0" : op == TG_REDUCE_PROD ? "1.0" : "(-INFINITY)";
  if (op == TG_REDUCE_SUM) return "0";
  if (op == TG_REDUCE_PROD) return "1";
  switch (d) {
    case TG_DTYPE_BOOL: case TG_DTYPE_UINT8: return "0";
    case TG_DTYPE_INT8: return "INT8_MIN";
    case TG_DTYPE_INT16: return "INT16_MIN";
    case TG_DTYPE_INT32: return "INT32_MIN";
  }
  return "INT64_MIN";
}
// acc (op) v, in the accumulator's arithmetic (floats: float or double; ints: wrapping).
std::string reduce_step(int32_t op, uint32_t d, const std::string& a, const std::string& v) {
  if (is_f(d)) {
    if (op == TG_REDUCE_MAX) return (d == TG_DTYPE_FLOAT64 ? "tg_maxd(" : "tg_maxf(") + a + ", " + v + ")";
    return a + (op == TG_REDUCE_SUM ? " + " : " * ") + v;
  }
  if (op == TG_REDUCE_MAX) return "(" + a + " < " + v + " ? " + v + " : " + a + ")";
  if (d == TG_DTYPE_BOOL) return "(uint8_t)(" + a + (op == TG_REDUCE_SUM ? " | " : " & ") + v + ")";
  return "(" + vt(d) + ")((" + ut(d) + ")" + a + (op == TG_REDUCE_SUM ? " + (" : " * (") + ut(d) + ")" + v + ")";
}

// Where a node is evaluated: at every index of the iteration space (a REDUCE's input) or at
// output indices (reduced coordinates 0), and how REDUCE values are named there.
struct Ctx {
  bool full;
  bool acc_array;  // REDUCE k is read as a<k>[i<chunk> - lo] (else the scalar a<k>)
};

class Gen {
 public:
  Gen(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads)
      : p_(p), info_(info), plan_(plan_loops(p, info)), threads_(threads < 1 ? 1 : threads) {}

  CSource run();

 private:
  const tg_kir_program& p_;
  const tg::sdk::ProgramInfo& info_;
  LoopPlan plan_;
  int threads_;
  std::string out_;
  int indent_ = 0;
  int chunk_dim_ = -1;  // the plan dim split into chunks of CH (-1: no output dims)
  // Output dims in [group_from_, chunk_dim_) are looped over whole inside a task, not one
  // index per task (see run()).
  int group_from_ = -1;
  bool grouped(size_t d) const {
    return group_from_ >= 0 && !plan_.reduced[d] && static_cast<int>(d) >= group_from_ && static_cast<int>(d) < chunk_dim_;
  }

  void line(const std::string& s) { out_ += std::string(static_cast<size_t>(indent_) * 2, ' ') + s + "\n"; }
  void open(const std::string& s) { line(s + " {"); ++indent_; }
  void close() { --indent_; line("}"); }
  static std::string I(size_t d) { return "i" + std::to_string(d); }

  std::string index(int32_t view, const Ctx& c) const {
    const PlanView& v = plan_.views[static_cast<size_t>(view)];
    std::string e = "(int64_t)INT64_C(" + std::to_string(v.offset) + ")";
    for (size_t d = 0; d < plan_.size.size(); ++d) {
      if (v.strides[d] == 0 || (!c.full && plan_.reduced[d])) continue;
      e += " + INT64_C(" + std::to_string(v.strides[d]) + ") * " + I(d);
    }
    return e;
  }
  // "" when always valid, "0" when never.
  std::string mask(int32_t view, const Ctx& c) const {
    const PlanView& v = plan_.views[static_cast<size_t>(view)];
    if (v.never_valid) return "0";
    std::string e;
    for (size_t d = 0; d < plan_.size.size(); ++d) {
      const int64_t b = v.begin[d], en = v.end[d];
      if (b == 0 && en == plan_.size[d]) continue;
      if (!c.full && plan_.reduced[d]) {
        if (!(b <= 0 && 0 < en)) return "0";
        continue;
      }
      if (b >= en) return "0";
      if (!e.empty()) e += " && ";
      e += "(" + I(d) + " >= " + std::to_string(b) + " && " + I(d) + " < " + std::to_string(en) + ")";
    }
    for (const PlanLinear& m : v.linear) {  // (a reduced dim's index is 0 at output indices)
      std::string sum = "INT64_C(0)";
      for (size_t d = 0; d < plan_.size.size(); ++d)
        if (m.coeffs[d] != 0 && (c.full || !plan_.reduced[d])) sum += " + INT64_C(" + std::to_string(m.coeffs[d]) + ") * " + I(d);
      if (!e.empty()) e += " && ";
      e += "(" + sum + " >= INT64_C(" + std::to_string(m.begin) + ") && " + sum + " < INT64_C(" + std::to_string(m.end) + "))";
    }
    return e;
  }
  std::string v(int32_t i) const { return "v" + std::to_string(i); }
  std::string acc_ref(uint32_t i, const Ctx& c) const {
    return "a" + std::to_string(i) + (c.acc_array ? "[" + I(static_cast<size_t>(chunk_dim_)) + " - lo]" : "");
  }

  std::string load(uint32_t i, const Ctx& c) const;
  std::string alu(uint32_t i) const;
  std::string cast(uint32_t to, uint32_t from, const std::string& a) const;
  void emit_nodes(const std::vector<uint32_t>& roots, const Ctx& c, bool stores);
  // Evaluates the reduces' sources in context c (emit_nodes) and adds each into its
  // accumulator, named prefix + k + suffix ("l7[j]", "a7[i3 - lo]").
  void accumulate(const std::vector<uint32_t>& reds, const Ctx& c, const std::string& prefix, const std::string& suffix);
  std::vector<uint32_t> phase_reduces(int phase) const;
  int phase_of(uint32_t i) const { return depth_[i]; }
  std::vector<int> depth_;
  int phases_ = 0;

  // The params as a task function declares them ("float* restrict p0, ...") and as the kernel
  // passes them ("(float*)bufs[0], ..."): see emit_prologue.
  std::string params_decl_, params_args_;
  void emit_prologue();
  void open_task(const std::string& name, const std::string& extra_decl);
  void emit_parallel_call(const std::string& name, int64_t count, int64_t work, const std::string& extra_args);
  CSource run_elementwise();
  // Transposing copies (see run_transposing): the plan dim read contiguously, or -1.
  int transposing_dim() const;
  CSource run_transposing(size_t t);
  bool stores_to_tile_ = false;  // STOREs write s<i>[iT - lo][iN - jb], not memory
  void emit_task_coords(const std::string& task, int64_t nch, int64_t ch);
  void emit_output(const Ctx& c);
  void emit_phase_outputs_inner(int phase, bool split_r0);
  void emit_phase_reduce_inner(int phase, bool split_r0);
};

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

std::string Gen::cast(uint32_t to, uint32_t from, const std::string& a) const {
  if (to == TG_DTYPE_BOOL) return "(uint8_t)(" + a + " != 0)";
  if (is_f(to)) {
    if (from == TG_DTYPE_FLOAT64 && is_narrow(to))  // one rounding from double
      return to == TG_DTYPE_FLOAT16 ? "tg_half_to_float(tg_double_to_half(" + a + "))"
                                    : "tg_bfloat16_to_float(tg_double_to_bfloat16(" + a + "))";
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
    case TG_KIR_LOAD: case TG_KIR_CONST: case TG_KIR_STORE: case TG_KIR_REDUCE: break;
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
    case TG_KIR_WHERE: return "(" + a + " ? " + b + " : " + v(n.src[2]) + ")";
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
      case TG_KIR_CONST: {
        std::string lit = is_f(n.dtype) ? float_lit(n.dtype, round_const(n.dtype, n.fvalue))
                                        : int_lit(n.dtype, wrap_const(n.dtype, n.ivalue));
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

std::vector<uint32_t> Gen::phase_reduces(int phase) const {
  std::vector<uint32_t> r;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (p_.nodes[i].op == TG_KIR_REDUCE && depth_[i] == phase) r.push_back(i);
  return r;
}

// Declares the output coordinates of task `task`: all output dims but the chunked one by
// division, and [lo, hi) of the chunked one.
void Gen::emit_task_coords(const std::string& task, int64_t nch, int64_t ch) {
  if (chunk_dim_ < 0) return;
  line("int64_t rest = " + task + " / " + std::to_string(nch) + ";");
  line("const int64_t lo = (" + task + " % " + std::to_string(nch) + ") * " + std::to_string(ch) + ";");
  const int64_t csize = plan_.size[static_cast<size_t>(chunk_dim_)];
  line("const int64_t hi = lo + " + std::to_string(ch) + " < " + std::to_string(csize) + " ? lo + " +
       std::to_string(ch) + " : " + std::to_string(csize) + ";");
  for (size_t d = plan_.size.size(); d-- > 0;) {
    if (plan_.reduced[d] || static_cast<int>(d) == chunk_dim_ || grouped(d)) continue;
    line("const int64_t " + I(d) + " = rest % " + std::to_string(plan_.size[d]) + ";");
    line("rest /= " + std::to_string(plan_.size[d]) + ";");
  }
  line("(void)rest;");
}

// Finishes accumulators (rounding narrow floats) is done by the phases; this evaluates what the
// STOREs need at one output index and stores.
void Gen::emit_output(const Ctx& c) {
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (p_.nodes[i].op == TG_KIR_STORE) stores.push_back(i);
  emit_nodes(stores, c, true);
}

constexpr int kLanes = 32;  // independent accumulators of a reduction along the innermost dim
constexpr int64_t kReduceTaskWork = 8192;  // values a reduce kernel's task may reduce, at most, when grouped
constexpr int64_t kMinTasksPerThread = 16;
constexpr int64_t kUnrollReduceUpTo = 16;  // reductions of at most this many values are unrolled whole

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
  line("/* " + std::string(p_.name ? p_.name : "kernel") + " */");
  params_decl_.clear();
  params_args_.clear();
  for (uint32_t q = 0; q < p_.n_params; ++q) {
    const bool w = p_.params[q].access == TG_PARAM_WRITE;
    const std::string type = std::string(w ? "" : "const ") + mt(p_.params[q].dtype) + "*";
    const std::string sep = q ? ", " : "";
    params_decl_ += sep + type + " restrict p" + std::to_string(q);
    params_args_ += sep + "(" + type + ")bufs[" + std::to_string(q) + "]";
  }
}

// Opens `static void name(int64_t t, <extra_decl>, <params>)`: the body of one task.
void Gen::open_task(const std::string& name, const std::string& extra_decl) {
  std::string decl = "int64_t t" + extra_decl;
  if (!params_decl_.empty()) decl += ", " + params_decl_;
  open("static void " + name + "(" + decl + ")");
}

// In tg_kernel: runs tasks 0..count-1 of `name` on every core (on one when work is small).
void Gen::emit_parallel_call(const std::string& name, int64_t count, int64_t work, const std::string& extra_args) {
  line("#pragma omp parallel for schedule(static) if(" + std::to_string(work >= 32768 ? 1 : 0) + ")");
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
  open_task("tg_task", "");
  line("int64_t rest = t / " + std::to_string(nch) + ";");
  line("const int64_t lo = (t % " + std::to_string(nch) + ") * " + std::to_string(kTileT) + ";");
  line("const int64_t hi = lo + " + std::to_string(kTileT) + " < " + std::to_string(tsize) + " ? lo + " + std::to_string(kTileT) +
       " : " + std::to_string(tsize) + ";");
  for (size_t d = t; d-- > 0;) {
    line("const int64_t " + I(d) + " = rest % " + std::to_string(plan_.size[d]) + ";");
    line("rest /= " + std::to_string(plan_.size[d]) + ";");
  }
  line("(void)rest;");
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
  open("int tg_kernel(char* const* bufs)");
  line("(void)bufs;");
  emit_parallel_call("tg_task", tasks, plan_.out_numel, "");
  line("return 0;");
  close();
  CSource src;
  src.code = std::move(out_);
  src.summary = "elementwise, " + std::to_string(n) + " merged dims, transposed in " + std::to_string(kTileT) + " x " +
                std::to_string(kTileN) + " tiles, " + std::to_string(tasks) + " tasks";
  return src;
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
    open_task("tg_task", "");
    if (n) {
      line("int64_t rest = t / " + std::to_string(nch) + ";");
      line("const int64_t lo = (t % " + std::to_string(nch) + ") * " + std::to_string(ch) + ";");
      line("const int64_t hi = lo + " + std::to_string(ch) + " < " + std::to_string(ksize) + " ? lo + " +
           std::to_string(ch) + " : " + std::to_string(ksize) + ";");
      for (size_t d = k; d-- > 0;) {
        line("const int64_t " + I(d) + " = rest % " + std::to_string(plan_.size[d]) + ";");
        line("rest /= " + std::to_string(plan_.size[d]) + ";");
      }
      line("(void)rest;");
      open("for (int64_t " + I(k) + " = lo; " + I(k) + " < hi; " + I(k) + "++)");
      for (size_t d = k + 1; d < n; ++d)
        open("for (int64_t " + I(d) + " = 0; " + I(d) + " < " + std::to_string(plan_.size[d]) + "; " + I(d) + "++)");
    } else {
      line("(void)t;");
      open("");
    }
    emit_output(Ctx{false, false});
    for (size_t d = k + 1; d < n; ++d) close();
    close();
    close();
  }
  open("int tg_kernel(char* const* bufs)");
  line("(void)bufs;");
  if (tasks > 0) emit_parallel_call("tg_task", tasks, plan_.out_numel, "");
  line("return 0;");
  close();
  CSource src;
  src.code = std::move(out_);
  src.summary = "elementwise, " + std::to_string(n) + " merged dims, " + std::to_string(tasks) + " tasks";
  return src;
}

CSource Gen::run() {
  if (!info_.has_reduce) return run_elementwise();
  const size_t n = plan_.size.size();
  // Reduce nesting depth per node: phases run in that order.
  depth_.assign(p_.n_nodes, 0);
  for (uint32_t i = 0; i < p_.n_nodes; ++i) {
    const tg_kir_node& nd = p_.nodes[i];
    int d = 0;
    for (int k = 0; k < tg::sdk::op_arity(nd.op); ++k) d = std::max(d, depth_[static_cast<size_t>(nd.src[k])]);
    depth_[i] = nd.op == TG_KIR_REDUCE ? d + 1 : d;
    if (nd.op == TG_KIR_REDUCE) phases_ = std::max(phases_, depth_[i]);
  }
  for (size_t d = n; d-- > 0;)
    if (!plan_.reduced[d]) { chunk_dim_ = static_cast<int>(d); break; }
  const bool outputs_inner = n > 0 && !plan_.reduced[n - 1];  // the innermost dim is an output dim
  const int64_t ch = !info_.has_reduce ? 8192 : outputs_inner ? 64 : 16;
  const int64_t csize = chunk_dim_ >= 0 ? plan_.size[static_cast<size_t>(chunk_dim_)] : 1;
  const int64_t nch = chunk_dim_ >= 0 ? (csize + ch - 1) / ch : 1;
  const int64_t tasks = plan_.out_numel == 0 ? 0 : chunk_dim_ >= 0 ? plan_.out_numel / csize * nch : 1;
  int r0 = -1;  // the outermost reduced dim: a large reduction over few outputs is split along it
  for (size_t d = 0; d < n; ++d)
    if (plan_.reduced[d]) { r0 = static_cast<int>(d); break; }
  int64_t split = 1;
  if (phases_ == 1 && r0 >= 0 && tasks < 2 * threads_ && plan_.red_numel * plan_.out_numel >= (1 << 16)) {
    split = std::min<int64_t>(plan_.size[static_cast<size_t>(r0)], 4 * threads_);
  }
  const int64_t work = plan_.out_numel * std::max<int64_t>(plan_.red_numel, 1);
  // When the chunk dim fits in one chunk, a task also takes whole runs of the output dims just
  // outside it, up to about kReduceTaskWork values reduced, while every thread keeps at least
  // kMinTasksPerThread tasks: a 2x2 max pool over (128, 32, 26, 26) made 53248 tasks of one
  // 13-wide row each, whose call and setup cost more than their 52 loads (0.67 -> 0.58 ms with
  // whole 13 x 13 planes per task, standalone).
  int64_t group_tasks = tasks;
  if (split == 1 && chunk_dim_ >= 0 && nch == 1 && tasks > 0) {  // (tasks == 0: a dim of size 0)
    int64_t outputs = csize;
    for (int d = chunk_dim_ - 1; d >= 0; --d) {
      if (plan_.reduced[static_cast<size_t>(d)]) continue;
      const int64_t size = plan_.size[static_cast<size_t>(d)];
      if (outputs * size * std::max<int64_t>(plan_.red_numel, 1) > kReduceTaskWork ||
          group_tasks / size < kMinTasksPerThread * threads_)
        break;
      outputs *= size;
      group_tasks /= size;
      group_from_ = d;
    }
  }

  emit_prologue();
  const std::vector<uint32_t> first = phases_ ? phase_reduces(1) : std::vector<uint32_t>{};
  // A split reduction's partial results: one array per first-phase REDUCE, passed to both tasks.
  std::string partial_decl, partial_args;
  if (split > 1) {
    for (uint32_t k : first) {
      partial_decl += ", " + vt(p_.nodes[k].dtype) + "* restrict P" + std::to_string(k);
      partial_args += ", P" + std::to_string(k);
    }
  }
  if (tasks > 0) {
    open_task("tg_task", partial_decl);
    line("const int64_t ot = t / " + std::to_string(split) + ", s = t % " + std::to_string(split) + ";");
    line("(void)s;");
    emit_task_coords("ot", nch, ch);
    if (r0 >= 0) {
      const std::string R = std::to_string(plan_.size[static_cast<size_t>(r0)]), S = std::to_string(split);
      line("const int64_t rlo = s * " + R + " / " + S + ", rhi = (s + 1) * " + R + " / " + S + ";");
    }
    int group_loops = 0;
    for (size_t d = 0; d < plan_.size.size(); ++d)
      if (grouped(d)) {
        open("for (int64_t " + I(d) + " = 0; " + I(d) + " < " + std::to_string(plan_.size[d]) + "; " + I(d) + "++)");
        ++group_loops;
      }
    for (int ph = 1; ph <= phases_; ++ph) {
      if (outputs_inner) emit_phase_outputs_inner(ph, split > 1);
      else emit_phase_reduce_inner(ph, split > 1);
    }
    if (split == 1) {
      if (outputs_inner || !info_.has_reduce) {
        if (chunk_dim_ >= 0) open("for (int64_t " + I(static_cast<size_t>(chunk_dim_)) + " = lo; " +
                                  I(static_cast<size_t>(chunk_dim_)) + " < hi; " + I(static_cast<size_t>(chunk_dim_)) + "++)");
        else open("");
        emit_output(Ctx{false, info_.has_reduce && chunk_dim_ >= 0});
        close();
      }
    }
    for (int g = 0; g < group_loops; ++g) close();
    close();
  }
  if (split > 1 && tasks > 0) {
    // Combines the partial results in order, then evaluates and stores the outputs.
    open_task("tg_combine", partial_decl);
    line("const int64_t ot = t;");
    emit_task_coords("ot", nch, ch);
    if (chunk_dim_ >= 0) open("for (int64_t " + I(static_cast<size_t>(chunk_dim_)) + " = lo; " +
                              I(static_cast<size_t>(chunk_dim_)) + " < hi; " + I(static_cast<size_t>(chunk_dim_)) + "++)");
    else open("");
    const std::string j = chunk_dim_ >= 0 ? I(static_cast<size_t>(chunk_dim_)) + " - lo" : "0";
    for (uint32_t k : first) {
      const tg_kir_node& nd = p_.nodes[k];
      const std::string a = "a" + std::to_string(k);
      line(vt(nd.dtype) + " " + a + " = " + reduce_init(nd.reduce_op, nd.dtype) + ";");
      line("for (int64_t s = 0; s < " + std::to_string(split) + "; s++) " + a + " = " +
           reduce_step(nd.reduce_op, nd.dtype, a, "P" + std::to_string(k) + "[(ot * " + std::to_string(split) +
                                                      " + s) * " + std::to_string(ch) + " + " + j + "]") + ";");
      if (is_narrow(nd.dtype)) line(a + " = " + rnd(nd.dtype, a) + ";");
    }
    emit_output(Ctx{false, false});
    close();
    close();
  }
  open("int tg_kernel(char* const* bufs)");
  line("(void)bufs;");
  if (tasks > 0) {
    if (split > 1) {
      for (uint32_t k : first) {
        const std::string A = vt(p_.nodes[k].dtype);
        line(A + "* P" + std::to_string(k) + " = (" + A + "*)malloc(sizeof(" + A + ") * " +
             std::to_string(tasks * split * ch) + ");");
        line("if (!P" + std::to_string(k) + ") return 1;");
      }
    }
    emit_parallel_call("tg_task", group_tasks * split, work, partial_args);
    if (split > 1) {
      emit_parallel_call("tg_combine", tasks, work, partial_args);
      for (uint32_t k : first) line("free(P" + std::to_string(k) + ");");
    }
  }
  line("return 0;");
  close();

  CSource src;
  src.code = std::move(out_);
  src.summary = std::string(info_.has_reduce ? (outputs_inner ? "reduce, outputs innermost" : "reduce, reduction innermost")
                                             : "elementwise") +
                ", " + std::to_string(n) + " merged dims, " + std::to_string(group_tasks) + " tasks" +
                (split > 1 ? ", reduction split " + std::to_string(split) + " ways" : "");
  return src;
}

void Gen::accumulate(const std::vector<uint32_t>& reds, const Ctx& c, const std::string& prefix, const std::string& suffix) {
  emit_nodes(reds, c, false);
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string acc = prefix + std::to_string(k) + suffix;
    line(acc + " = " + reduce_step(nd.reduce_op, nd.dtype, acc, v(nd.src[0])) + ";");
  }
}

// Reduce phase, innermost dim an output dim: per chunk of outputs an accumulator array, the
// reduce loops outside, the chunk loop inside (vectorizes across outputs; sums stay in index
// order, exactly as the ref plugin).
void Gen::emit_phase_outputs_inner(int phase, bool split) {
  const std::vector<uint32_t> reds = phase_reduces(phase);
  const size_t cd = static_cast<size_t>(chunk_dim_);
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    line(vt(nd.dtype) + " a" + std::to_string(k) + "[64];");
    line("for (int64_t j = 0; j < hi - lo; j++) a" + std::to_string(k) + "[j] = " + reduce_init(nd.reduce_op, nd.dtype) + ";");
  }
  open("");
  for (size_t d = 0; d < plan_.size.size(); ++d) {
    if (!plan_.reduced[d]) continue;
    const bool is_r0 = std::find(plan_.reduced.begin(), plan_.reduced.end(), true) - plan_.reduced.begin() == static_cast<long>(d);
    open("for (int64_t " + I(d) + " = " + (is_r0 ? "rlo" : "0") + "; " + I(d) + " < " +
         (is_r0 ? "rhi" : std::to_string(plan_.size[d])) + "; " + I(d) + "++)");
  }
  open("for (int64_t " + I(cd) + " = lo; " + I(cd) + " < hi; " + I(cd) + "++)");
  accumulate(reds, Ctx{true, true}, "a", "[" + I(cd) + " - lo]");
  close();
  for (size_t d = 0; d < plan_.size.size(); ++d)
    if (plan_.reduced[d]) close();
  close();
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string a = "a" + std::to_string(k);
    if (split)
      line("for (int64_t j = 0; j < hi - lo; j++) P" + std::to_string(k) + "[t * 64 + j] = " + a + "[j];");
    else if (is_narrow(nd.dtype))
      line("for (int64_t j = 0; j < hi - lo; j++) " + a + "[j] = " + rnd(nd.dtype, a + "[j]") + ";");
  }
}

// Reduce phase, innermost dim reduced: per output, kLanes independent accumulators along the
// innermost dim (so it vectorizes), folded together at the end. Phase 1 opens the per-output
// loop; the last phase evaluates the outputs and closes it.
void Gen::emit_phase_reduce_inner(int phase, bool split) {
  const std::vector<uint32_t> reds = phase_reduces(phase);
  const size_t n = plan_.size.size();
  if (phase == 1) {
    if (chunk_dim_ >= 0) open("for (int64_t " + I(static_cast<size_t>(chunk_dim_)) + " = lo; " +
                              I(static_cast<size_t>(chunk_dim_)) + " < hi; " + I(static_cast<size_t>(chunk_dim_)) + "++)");
    else open("");
  }
  // Lanes: independent accumulators, so the adds do not wait on each other and the loop
  // vectorizes. A long innermost dim gets kLanes, each taking every kLanes-th element. A short
  // one under other reduced dims (a bias gradient's sum over (batch, 11, 11)) gets one lane per
  // position of that dim: the whole dim is one vector step. A short reduction alone (a 2x2
  // pooling window) gets none: initializing and folding them would cost more than the few
  // values they add.
  const int64_t last_size = n > 0 ? plan_.size[n - 1] : 1;
  const bool long_last = last_size >= 2 * kLanes;
  const bool position_lanes = !long_last && n > 0 && plan_.reduced[n - 1] && last_size >= 4 &&
                              plan_.red_numel / last_size >= 4;
  const int64_t lanes = long_last ? kLanes : position_lanes ? last_size : 1;
  const std::string L = std::to_string(lanes);
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    line(vt(nd.dtype) + " a" + std::to_string(k) + " = " + reduce_init(nd.reduce_op, nd.dtype) + ";");
  }
  open("");
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    line(vt(nd.dtype) + " l" + std::to_string(k) + "[" + L + "];");
    line("for (int j = 0; j < " + L + "; j++) l" + std::to_string(k) + "[j] = " + reduce_init(nd.reduce_op, nd.dtype) + ";");
  }
  int r0 = -1;
  for (size_t d = 0; d < n; ++d)
    if (plan_.reduced[d]) { r0 = static_cast<int>(d); break; }
  // A tiny reduction (a pooling window) is unrolled whole: its loops would otherwise cost more
  // than the few values they visit, and keep the loop over outputs around them scalar.
  const bool unroll = lanes == 1 && plan_.red_numel <= kUnrollReduceUpTo;
  const std::string pragma = unroll ? "_Pragma(\"GCC unroll " + std::to_string(kUnrollReduceUpTo) + "\") " : "";
  for (size_t d = 0; d + 1 < n; ++d) {
    if (!plan_.reduced[d]) continue;
    const bool is_r0 = static_cast<int>(d) == r0;
    open(pragma + "for (int64_t " + I(d) + " = " + (is_r0 ? "rlo" : "0") + "; " + I(d) + " < " +
         (is_r0 ? "rhi" : std::to_string(plan_.size[d])) + "; " + I(d) + "++)");
  }
  if (position_lanes) {
    const size_t last = n - 1;
    open("for (int64_t " + I(last) + " = 0; " + I(last) + " < " + L + "; " + I(last) + "++)");
    accumulate(reds, Ctx{true, false}, "l", "[" + I(last) + "]");
    close();
    for (size_t d = 0; d + 1 < n; ++d)
      if (plan_.reduced[d]) close();
  } else if (n > 0 && lanes > 1) {
    const size_t last = n - 1;
    const bool is_r0 = static_cast<int>(last) == r0;
    const std::string end = is_r0 ? "rhi" : std::to_string(plan_.size[last]);
    line("int64_t ib = " + std::string(is_r0 ? "rlo" : "0") + ";");
    open("for (; ib + " + L + " <= " + end + "; ib += " + L + ")");
    open("for (int j = 0; j < " + L + "; j++)");
    line("const int64_t " + I(last) + " = ib + j;");
    accumulate(reds, Ctx{true, false}, "l", "[j]");
    close();
    close();
    open("for (; ib < " + end + "; ib++)");
    line("const int64_t " + I(last) + " = ib;");
  } else if (n > 0) {
    const size_t last = n - 1;
    const bool is_r0 = static_cast<int>(last) == r0;
    open(pragma + "for (int64_t " + I(last) + " = " + (is_r0 ? "rlo" : "0") + "; " + I(last) + " < " +
         (is_r0 ? "rhi" : std::to_string(plan_.size[last])) + "; " + I(last) + "++)");
  } else {
    open("");
  }
  if (!position_lanes) {
    accumulate(reds, Ctx{true, false}, "l", "[0]");
    close();
    for (size_t d = 0; d + 1 < n; ++d)
      if (plan_.reduced[d]) close();
  }
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string a = "a" + std::to_string(k);
    line("for (int j = 0; j < " + L + "; j++) " + a + " = " + reduce_step(nd.reduce_op, nd.dtype, a, "l" + std::to_string(k) + "[j]") + ";");
  }
  close();
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string a = "a" + std::to_string(k);
    if (split) {
      const std::string j = chunk_dim_ >= 0 ? I(static_cast<size_t>(chunk_dim_)) + " - lo" : "0";
      line("P" + std::to_string(k) + "[t * 16 + " + j + "] = " + a + ";");
    } else if (is_narrow(nd.dtype)) {
      line(a + " = " + rnd(nd.dtype, a) + ";");
    }
  }
  if (phase == phases_) {
    if (!split) emit_output(Ctx{false, false});
    close();
  }
}

}  // namespace

CSource render_c(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads) {
  return Gen(p, info, threads).run();
}

}  // namespace tg::onednn
