#pragma once
// The renderer's private pieces, shared by its files:
//   Code     indented source text
//   Helpers  the helper functions a kernel calls, each emitted once, dependencies first
//   values.cpp  types, literals and the expression of every op (the arithmetic of tg.kir)
//   Body     the nodes of a program rendered at some coordinates (body.cpp)
// Strategies (kernel.cpp, matmul.cpp) arrange Body calls into loops and work-groups.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tg/render.hpp"

namespace tg::render::detail {

// Source text with two-space indentation.
class Code {
 public:
  void line(const std::string& text) { out_ += std::string(2 * depth_, ' ') + text + "\n"; }
  void open(const std::string& head) { line(head + " {"); ++depth_; }
  void close(const std::string& tail = "") { --depth_; line("}" + tail); }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
  int depth_ = 0;
};

// "a$b" with every `$` replaced by `what`.
std::string subst(const char* pattern, const std::string& what);

class Helpers {
 public:
  explicit Helpers(const Dialect& d) : d_(d) {}
  const Dialect& dialect() const { return d_; }
  // Each returns the helper's name and makes sure it (and what it calls) is emitted.
  std::string narrow();                                  // IEEE narrowing of a bit pattern
  std::string half_to_float();                           // tg_u16 (float16) -> float
  std::string bf16_to_float();                           // tg_u16 (bfloat16) -> float
  std::string float_to_narrow(uint32_t to, bool from_double);  // float/double -> tg_u16 of `to`
  std::string round_narrow(uint32_t dtype);              // float -> float rounded to float16/bfloat16
  std::string fmax(bool f64);                            // NaN-propagating max
  std::string select_bits(bool f64);                     // c ? a : b on floats as bit masks, no branch
  std::string idiv(uint32_t dtype);
  std::string mod(uint32_t dtype);
  std::string shl(uint32_t dtype);
  std::string shr(uint32_t dtype);
  std::string float_to_int(uint32_t to, bool from_double);  // truncate, saturate, NaN -> 0
  std::string int_to_float_odd();  // tg_i64 -> float cut to 24 bits by round-to-odd (see helpers.cpp)
  const std::string& text() const { return text_; }

 private:
  bool have(const std::string& name);  // true if already emitted; else records the name
  void add(const std::string& signature, const std::string& body);
  const Dialect& d_;
  std::vector<std::string> names_;
  std::string text_;
};

// ---- values.cpp: types, literals, op expressions ------------------------------------------------

bool is_narrow_float(uint32_t dtype);            // float16, bfloat16 (held in float)
const char* reg_type(uint32_t dtype);            // the type a value lives in: bool, tg_i8, float ...
const char* mem_type(uint32_t dtype);            // the type of a buffer element
const char* wrap_type(uint32_t dtype);           // unsigned type integer arithmetic wraps in
std::string int_literal(uint32_t dtype, int64_t v);
std::string float_literal(uint32_t dtype, double v);  // v exactly representable in the dtype
std::string const_literal(const tg_kir_node& n);      // a CONST's value, rounded to its dtype
// Scalar launch arguments (ABI 1.3): the kernel argument's type for a CONST of dtype, and the
// CONST's value from argument `s<k>`, rounded to its dtype. -1: node i is no scalar arg.
const char* scalar_arg_type(uint32_t dtype);
std::string scalar_arg_value(Helpers& h, uint32_t dtype, int32_t k);
// The same from an expression `s` of type scalar_arg_type(dtype).
std::string scalar_arg_value(Helpers& h, uint32_t dtype, const std::string& s);
int32_t scalar_arg_slot(const tg_kir_program& p, uint32_t i);

// Memory <-> register.
std::string load_conv(Helpers& h, uint32_t dtype, const std::string& element);
std::string store_conv(Helpers& h, uint32_t dtype, const std::string& value);

// One elementwise node over the values of its sources.
std::string op_expr(Helpers& h, const Dialect& d, const tg_kir_node& n, uint32_t src_dtype,
                    const std::vector<std::string>& args);

// Reductions: the accumulator type, its start value, one step, and the final rounding.
const char* acc_type(uint32_t dtype);
std::string reduce_identity(int32_t reduce_op, uint32_t dtype);
std::string reduce_step(Helpers& h, int32_t reduce_op, uint32_t dtype, const std::string& acc,
                        const std::string& value);
std::string reduce_finish(Helpers& h, uint32_t dtype, const std::string& acc);  // rounded to dtype

// ---- body.cpp: rendering nodes ------------------------------------------------------------------

// The coordinate of each axis where nodes are evaluated: an expression, or "0" when it is known
// to be zero (a reduced axis in the output space, a size-1 axis).
struct Coords {
  std::string c[TG_KIR_MAX_DIMS];
};

// Which nodes each step of a program evaluates (the reference's phases): REDUCEs in order of
// nesting depth, each level's nodes, then the nodes the STOREs need.
struct Plan {
  std::vector<std::vector<uint32_t>> reduce_roots;  // per level: its REDUCE nodes
  std::vector<std::vector<uint32_t>> reduce_nodes;  // per level: nodes evaluated per point
  std::vector<uint32_t> output_nodes;               // evaluated per output, STOREs included
};
Plan plan(const tg_kir_program& p);

class Body {
 public:
  Body(const tg_kir_program& p, const Target& t, Helpers& h, Code& code, const char* index_type)
      : p_(p), t_(t), h_(h), code_(code), index_type_(index_type) {}

  // Defines `v<i>` for every non-STORE node in `nodes` at `at` and writes the STOREs. A REDUCE
  // in the list is not evaluated: its value is its accumulator `acc<i>`.
  void emit(const std::vector<uint32_t>& nodes, const Coords& at);
  // The C expression of a node's value in the current scope.
  std::string value(uint32_t i) const;
  // Element index of a view at `at` (without the param's offset), and its mask condition
  // ("" when always valid, "0" when never).
  std::string index(const tg_kir_view& v, const Coords& at) const;
  std::string mask(const tg_kir_view& v, const Coords& at) const;
  const char* index_type() const { return index_type_; }

 private:
  const tg_kir_program& p_;
  const Target& t_;
  Helpers& h_;
  Code& code_;
  const char* index_type_;
};

// The integer type wide enough for every coordinate and element index of the program.
const char* pick_index_type(const tg_kir_program& p);

// ---- kernel.cpp / matmul.cpp --------------------------------------------------------------------

// Everything a strategy needs to write a kernel.
struct Ctx {
  const tg_kir_program& p;
  const tg::sdk::ProgramInfo& info;
  const Target& t;
  const Dialect& d;
  Helpers& helpers;
  Code& code;
  std::vector<uint32_t> out_axes, red_axes;  // outermost first
  int64_t red_numel = 1;
  const char* index_type;
};

std::string entry_name(const tg_kir_program& p);
// "KQ [attr] void name(params) {" opened on ctx.code, params offset where the dialect needs it;
// with `scratch`, a last argument `scratch` (bytes) for a two-pass reduction's partials.
void open_entry(Ctx& ctx, const std::string& name, const uint32_t local[3], bool scratch = false);
// Declares `<index_type> c<d> = ...` for the given axes from a linear id, last axis fastest;
// sets at.c[d] (size-1 axes become "0").
void decompose(Ctx& ctx, const std::string& linear, const std::vector<uint32_t>& axes, const char* prefix,
               Coords& at);

// The matmul fast path: renders and returns true when the program is a (batched) matmul the
// tiled kernel handles; false leaves ctx.code untouched.
bool render_matmul(Ctx& ctx, Kernel& out);

}  // namespace tg::render::detail
