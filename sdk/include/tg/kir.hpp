// tg/kir.hpp -- reading tg.kir programs in C++: names, dtype classes, and the one validation
// every device runs before it compiles a program. Header-only, part of the SDK.
//
//   tg::sdk::ProgramInfo info = tg::sdk::check_program(program);   // throws tg::sdk::Failure
//
// check_program enforces tg/plugin.h's rules for tg.kir 1.0 and answers
//   TG_ERR_UNSUPPORTED       for what this build does not know: an op, dtype or reduce kind past
//                            the 1.0 lists, or more than TG_KIR_MAX_DIMS dims;
//   TG_ERR_INVALID_ARGUMENT  for a malformed program: a source that is not an earlier node, an
//                            index out of range, dtypes that do not fit the op, REDUCEs over
//                            different axes, no STORE, or a view that reaches an element outside
//                            its param's [0, numel).
// After it passes, every LOAD and STORE touches only elements inside [0, numel) of its param (the
// plugin.hpp helper checks at launch that each buffer holds numel elements), so an evaluator can
// index memory without further checks.
//
// Needs a GCC- or Clang-compatible compiler (it uses __builtin_mul_overflow and
// __builtin_add_overflow for the view bounds). What a field of ProgramInfo holds depends on the
// tg/plugin.h it is built against: ProgramInfo::linear exists only when TG_ABI_MINOR >= 2 and
// ProgramInfo::scalar_slot only when TG_ABI_MINOR >= 3 (a plugin built against an older header
// gets neither, and the core gives it programs without them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tg/plugin.hpp"

namespace tg::sdk {

// ---- names and classes ------------------------------------------------------------------------

// "float32", "bool", ...; nullptr for a value this header does not know.
constexpr const char* dtype_name(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return "bool";
    case TG_DTYPE_INT8: return "int8";
    case TG_DTYPE_UINT8: return "uint8";
    case TG_DTYPE_INT16: return "int16";
    case TG_DTYPE_INT32: return "int32";
    case TG_DTYPE_INT64: return "int64";
    case TG_DTYPE_FLOAT16: return "float16";
    case TG_DTYPE_BFLOAT16: return "bfloat16";
    case TG_DTYPE_FLOAT32: return "float32";
    case TG_DTYPE_FLOAT64: return "float64";
  }
  return nullptr;
}

constexpr bool is_float_dtype(uint32_t d) {
  return d == TG_DTYPE_FLOAT16 || d == TG_DTYPE_BFLOAT16 || d == TG_DTYPE_FLOAT32 || d == TG_DTYPE_FLOAT64;
}
// Signed or unsigned integer; not bool.
constexpr bool is_int_dtype(uint32_t d) {
  return d == TG_DTYPE_INT8 || d == TG_DTYPE_UINT8 || d == TG_DTYPE_INT16 || d == TG_DTYPE_INT32 ||
         d == TG_DTYPE_INT64;
}

// "ADD", "LOAD", ...; nullptr for a value this header does not know.
constexpr const char* op_name(uint32_t op) {
  switch (op) {
    case TG_KIR_LOAD: return "LOAD";
    case TG_KIR_CONST: return "CONST";
    case TG_KIR_STORE: return "STORE";
    case TG_KIR_REDUCE: return "REDUCE";
    case TG_KIR_CAST: return "CAST";
    case TG_KIR_EXP2: return "EXP2";
    case TG_KIR_LOG2: return "LOG2";
    case TG_KIR_SIN: return "SIN";
    case TG_KIR_SQRT: return "SQRT";
    case TG_KIR_RECIP: return "RECIP";
    case TG_KIR_NEG: return "NEG";
    case TG_KIR_TRUNC: return "TRUNC";
    case TG_KIR_ADD: return "ADD";
    case TG_KIR_MUL: return "MUL";
    case TG_KIR_MAX: return "MAX";
    case TG_KIR_CMPLT: return "CMPLT";
    case TG_KIR_CMPNE: return "CMPNE";
    case TG_KIR_IDIV: return "IDIV";
    case TG_KIR_MOD: return "MOD";
    case TG_KIR_AND: return "AND";
    case TG_KIR_OR: return "OR";
    case TG_KIR_XOR: return "XOR";
    case TG_KIR_SHL: return "SHL";
    case TG_KIR_SHR: return "SHR";
    case TG_KIR_WHERE: return "WHERE";
#if TG_ABI_MINOR >= 4
    case TG_KIR_GATHER: return "GATHER";
    case TG_KIR_SCATTER_ADD: return "SCATTER_ADD";
#endif
  }
  return nullptr;
}

// A node that writes its param: STORE, or (ABI 1.4) SCATTER_ADD.
constexpr bool is_store_op(uint32_t op) {
#if TG_ABI_MINOR >= 4
  if (op == TG_KIR_SCATTER_ADD) return true;
#endif
  return op == TG_KIR_STORE;
}
// A node that reads its param: LOAD, or (ABI 1.4) GATHER.
constexpr bool is_load_op(uint32_t op) {
#if TG_ABI_MINOR >= 4
  if (op == TG_KIR_GATHER) return true;
#endif
  return op == TG_KIR_LOAD;
}

constexpr const char* reduce_op_name(int32_t reduce_op) {
  switch (reduce_op) {
    case TG_REDUCE_SUM: return "SUM";
    case TG_REDUCE_MAX: return "MAX";
    case TG_REDUCE_PROD: return "PROD";
  }
  return nullptr;
}

// How many sources a node of this op has (-1 for an unknown op).
constexpr int op_arity(uint32_t op) {
  switch (op) {
    case TG_KIR_LOAD: case TG_KIR_CONST: return 0;
    case TG_KIR_STORE: case TG_KIR_REDUCE: case TG_KIR_CAST: case TG_KIR_EXP2: case TG_KIR_LOG2:
    case TG_KIR_SIN: case TG_KIR_SQRT: case TG_KIR_RECIP: case TG_KIR_NEG: case TG_KIR_TRUNC:
      return 1;
    case TG_KIR_ADD: case TG_KIR_MUL: case TG_KIR_MAX: case TG_KIR_CMPLT: case TG_KIR_CMPNE:
    case TG_KIR_IDIV: case TG_KIR_MOD: case TG_KIR_AND: case TG_KIR_OR: case TG_KIR_XOR:
    case TG_KIR_SHL: case TG_KIR_SHR:
      return 2;
    case TG_KIR_WHERE: return 3;
#if TG_ABI_MINOR >= 4
    case TG_KIR_GATHER: return 2;
    case TG_KIR_SCATTER_ADD: return 3;
#endif
  }
  return -1;
}

// ---- what check_program learns ----------------------------------------------------------------

// Where a node's value is needed (bits of ProgramInfo::space).
enum : uint8_t {
  kSpaceOutput = 1,  // at the indices of the output space (reduced coordinates 0): feeds a STORE
  kSpaceFull = 2     // at every index of `shape`: feeds a REDUCE (dead nodes count as this too)
};

struct ProgramInfo {
  bool has_reduce = false;
  uint32_t reduce_axes = 0;    // the axes bitmask every REDUCE shares (0 without a REDUCE)
  int64_t numel = 1;           // elements of the iteration space `shape`
  int64_t out_numel = 1;       // elements of the output space (reduced axes have size 1)
  std::vector<uint8_t> space;  // per node: kSpaceOutput | kSpaceFull
#if TG_ABI_MINOR >= 2
  // Per view: its linear masks (tg_kir_linear_mask; only where the plugin reads them, see
  // check_program), each a condition on the index that must hold besides the box mask.
  std::vector<std::vector<tg_kir_linear_mask>> linear;
#endif
#if TG_ABI_MINOR >= 3
  // Per node: the launch's scalar (tg_launch_args.scalars) that is its value, or -1.
  std::vector<int32_t> scalar_slot;
#endif
};

#if TG_ABI_MINOR >= 3
// The program's scalar args: none from a core older than ABI 1.3.
inline uint32_t scalar_arg_count(const tg_kir_program& p) {
  const size_t end = offsetof(tg_kir_program, scalar_args) + sizeof(p.scalar_args);
  return p.struct_size >= end ? p.n_scalar_args : 0;
}
// A scalar launch argument's value in a CONST's dtype, as the CONST would hold it (ivalue for
// bool and int dtypes, fvalue for float ones).
inline void scalar_into(tg_kir_node& n, const tg_kir_scalar& v) {
  n.ivalue = v.ivalue;
  n.fvalue = v.fvalue;
}
#endif

#if TG_ABI_MINOR >= 2
// The program's linear masks: none from a core older than ABI 1.2 (its struct ends before them).
inline uint32_t linear_mask_count(const tg_kir_program& p) {
  const size_t end = offsetof(tg_kir_program, linear_masks) + sizeof(p.linear_masks);
  return p.struct_size >= end ? p.n_linear_masks : 0;
}
#endif

namespace detail {

inline std::string node_label(const tg_kir_program& p, uint32_t i) {
  std::string s = "tg.kir program '" + std::string(p.name ? p.name : "(unnamed)") + "', node " +
                  std::to_string(i);
  const char* name = op_name(p.nodes[i].op);
  if (name) s += std::string(" (") + name + ")";
  return s;
}

template <class... Parts>
[[noreturn]] void kir_fail(int32_t code, const Parts&... parts) {
  std::string message;
  (message += ... += parts);
  throw Failure(code, message);
}

inline std::string dname(uint32_t dtype) {
  const char* n = dtype_name(dtype);
  return n ? n : "dtype " + std::to_string(dtype);
}

// The element range [lo, hi] a LOAD or STORE view reaches, checked against the param's numel.
// `full`: over all of `shape`; else over the output space.
// A LOAD's linear mask whose coefficients are its strides over one common factor S (a window
// of a padded memory dim: S is that dim's stride) bounds those dims' part of the element
// index to S * [begin, end - 1]; those dims then count that range instead of their own.
// Every dim's own range is still summed too, so that offset + sum_d i_d * strides[d], computed
// term by term in any order at an index the masks let through, never overflows int64.
inline void check_view_bounds(const tg_kir_program& p, const ProgramInfo& info, uint32_t i, bool full) {
  const tg_kir_node& n = p.nodes[i];
  const tg_kir_view& v = p.views[n.view];
  const bool masked = is_load_op(n.op) && v.has_mask;
  int64_t lo = v.offset, hi = v.offset;          // the range reached, windows counted once
  int64_t box_lo = v.offset, box_hi = v.offset;  // every dim over its own range (overflow only)
  uint32_t grouped = 0;  // dims a linear mask bounds
#if TG_ABI_MINOR >= 2
  if (is_load_op(n.op)) {
    for (const tg_kir_linear_mask& m : info.linear[static_cast<size_t>(n.view)]) {
      int64_t factor = 0;
      bool have_factor = false;  // (a stride of 0 gives the factor 0: that is no "unset")
      bool proportional = true;
      for (uint32_t d = 0; d < p.ndim && proportional; ++d) {
        if (m.coeffs[d] == 0) continue;
        if ((grouped >> d) & 1u) proportional = false;
        else if (m.coeffs[d] == -1 && v.strides[d] == INT64_MIN) proportional = false;  // S would overflow
        else if (v.strides[d] % m.coeffs[d] != 0) proportional = false;
        else if (!have_factor) {
          factor = v.strides[d] / m.coeffs[d];
          have_factor = true;
        } else {
          proportional = factor == v.strides[d] / m.coeffs[d];
        }
      }
      if (!proportional || factor == 0 || m.begin >= m.end) continue;
      int64_t a, b;
      if (__builtin_mul_overflow(factor, m.begin, &a) || __builtin_mul_overflow(factor, m.end - 1, &b) ||
          __builtin_add_overflow(lo, a < b ? a : b, &lo) || __builtin_add_overflow(hi, a < b ? b : a, &hi))
        kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": the element index of view ",
                 std::to_string(n.view), " overflows int64");
      for (uint32_t d = 0; d < p.ndim; ++d)
        if (m.coeffs[d] != 0) grouped |= 1u << d;
    }
  }
#else
  (void)info;
#endif
  for (uint32_t d = 0; d < p.ndim; ++d) {
    // In the output space a reduced axis has the one index 0 (even if shape[d] is 0).
    int64_t first = 0, last = (!full && ((info.reduce_axes >> d) & 1u)) ? 0 : p.shape[d] - 1;
    if (masked) {
      if (v.mask_begin[d] > first) first = v.mask_begin[d];
      if (v.mask_end[d] <= first) return;  // the mask excludes every index: nothing is read
      if (v.mask_end[d] - 1 < last) last = v.mask_end[d] - 1;
    }
    if (first > last) return;  // an empty dimension: nothing is touched
    int64_t a, b;
    bool overflow = __builtin_mul_overflow(v.strides[d], first, &a) ||
                    __builtin_mul_overflow(v.strides[d], last, &b);
    if (!overflow) {
      overflow = __builtin_add_overflow(box_lo, a < b ? a : b, &box_lo) ||
                 __builtin_add_overflow(box_hi, a < b ? b : a, &box_hi);
    }
    if (!overflow && !((grouped >> d) & 1u)) {
      overflow = __builtin_add_overflow(lo, a < b ? a : b, &lo) ||
                 __builtin_add_overflow(hi, a < b ? b : a, &hi);
    }
    if (overflow)
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": the element index of view ",
               std::to_string(n.view), " overflows int64");
  }
#if TG_ABI_MINOR >= 4
  if (n.op == TG_KIR_GATHER || n.op == TG_KIR_SCATTER_ADD) {  // k * s for k in [0, n)
    const int64_t bound = p.nodes[n.src[n.op == TG_KIR_GATHER ? 1 : 2]].ivalue;
    if (bound <= 0) return;  // no index is valid: nothing is touched
    int64_t e;
    if (__builtin_mul_overflow(bound - 1, n.ivalue, &e) || __builtin_add_overflow(lo, e < 0 ? e : 0, &lo) ||
        __builtin_add_overflow(hi, e < 0 ? 0 : e, &hi) || __builtin_add_overflow(box_lo, e < 0 ? e : 0, &box_lo) ||
        __builtin_add_overflow(box_hi, e < 0 ? 0 : e, &box_hi))
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": the element index of view ",
               std::to_string(n.view), " overflows int64");
  }
#endif
  const int64_t numel = p.params[n.param].numel;
  if (lo < 0 || hi >= numel)
    kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": view ", std::to_string(n.view),
             " reaches elements [", std::to_string(lo), ", ", std::to_string(hi), "] of param ",
             std::to_string(n.param), ", which holds ", std::to_string(numel), " elements");
}

// Dtype rules of one node whose sources are known to be valid earlier nodes.
inline void check_node_dtypes(const tg_kir_program& p, uint32_t i) {
  const tg_kir_node& n = p.nodes[i];
  auto src_dtype = [&](int k) { return p.nodes[n.src[k]].dtype; };
  auto fail_dtype = [&](const std::string& why) {
    kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": ", why);
  };
  auto same_as_result = [&](int k) {
    if (src_dtype(k) != n.dtype)
      fail_dtype("source " + std::to_string(k) + " is " + dname(src_dtype(k)) + " but the node is " +
                 dname(n.dtype));
  };
  switch (n.op) {
    case TG_KIR_LOAD:
      if (p.params[n.param].dtype != n.dtype)
        fail_dtype("the node is " + dname(n.dtype) + " but param " + std::to_string(n.param) + " is " +
                   dname(p.params[n.param].dtype));
      return;
    case TG_KIR_STORE:
      same_as_result(0);
      if (p.params[n.param].dtype != n.dtype)
        fail_dtype("stores " + dname(n.dtype) + " into param " + std::to_string(n.param) + " of " +
                   dname(p.params[n.param].dtype));
      return;
    case TG_KIR_CONST: case TG_KIR_CAST:
      return;
    case TG_KIR_EXP2: case TG_KIR_LOG2: case TG_KIR_SIN: case TG_KIR_SQRT: case TG_KIR_RECIP:
    case TG_KIR_TRUNC:
      if (!is_float_dtype(n.dtype)) fail_dtype("needs a float dtype, not " + dname(n.dtype));
      same_as_result(0);
      return;
    case TG_KIR_NEG: case TG_KIR_REDUCE:
      same_as_result(0);
      return;
    case TG_KIR_ADD: case TG_KIR_MUL: case TG_KIR_MAX:
      same_as_result(0);
      same_as_result(1);
      return;
    case TG_KIR_IDIV: case TG_KIR_MOD: case TG_KIR_SHL: case TG_KIR_SHR:
      if (!is_int_dtype(n.dtype)) fail_dtype("needs an integer dtype, not " + dname(n.dtype));
      same_as_result(0);
      same_as_result(1);
      return;
    case TG_KIR_AND: case TG_KIR_OR: case TG_KIR_XOR:
      if (is_float_dtype(n.dtype)) fail_dtype("needs an integer or bool dtype, not " + dname(n.dtype));
      same_as_result(0);
      same_as_result(1);
      return;
    case TG_KIR_CMPLT: case TG_KIR_CMPNE:
      if (n.dtype != TG_DTYPE_BOOL) fail_dtype("compares into bool, not " + dname(n.dtype));
      if (src_dtype(0) != src_dtype(1))
        fail_dtype("compares " + dname(src_dtype(0)) + " with " + dname(src_dtype(1)));
      return;
    case TG_KIR_WHERE:
      if (src_dtype(0) != TG_DTYPE_BOOL) fail_dtype("its condition is " + dname(src_dtype(0)) + ", not bool");
      same_as_result(1);
      same_as_result(2);
      return;
#if TG_ABI_MINOR >= 4
    case TG_KIR_GATHER: case TG_KIR_SCATTER_ADD: {
      const int k = n.op == TG_KIR_GATHER ? 0 : 1;  // the index; the bound follows it
      if (!is_int_dtype(src_dtype(k))) fail_dtype("its index is " + dname(src_dtype(k)) + ", not an integer dtype");
      const tg_kir_node& b = p.nodes[n.src[k + 1]];
      if (b.op != TG_KIR_CONST || !is_int_dtype(b.dtype) || b.ivalue < 0 || b.view != -1)
        fail_dtype("its bound (src[" + std::to_string(k + 1) + "]) must be an unmasked CONST of an integer dtype >= 0");
      if (n.op == TG_KIR_SCATTER_ADD) same_as_result(0);
      if (p.params[n.param].dtype != n.dtype)
        fail_dtype("the node is " + dname(n.dtype) + " but param " + std::to_string(n.param) + " is " +
                   dname(p.params[n.param].dtype));
      return;
    }
#endif
  }
}

// Marks where each node is evaluated, walking from the STOREs back to the LOADs.
inline void mark_spaces(const tg_kir_program& p, ProgramInfo& info) {
  info.space.assign(p.n_nodes, 0);
  for (uint32_t i = p.n_nodes; i-- > 0;) {
    const tg_kir_node& n = p.nodes[i];
    if (is_store_op(n.op)) info.space[i] |= kSpaceOutput;
    if (info.space[i] == 0) info.space[i] = kSpaceFull;  // dead: assume the worst for bounds
    const uint8_t to_sources = n.op == TG_KIR_REDUCE ? uint8_t{kSpaceFull} : info.space[i];
    for (int k = 0; k < op_arity(n.op); ++k) info.space[n.src[k]] |= to_sources;
  }
}

}  // namespace detail

// Validates a program (see the top of this file); returns what an evaluator needs to know.
// `reads_linear_masks`: the plugin interprets tg_kir_linear_masks (it declares
// TG_KIR_LINEAR_MASKS, or is the core's fallback); a program with any is UNSUPPORTED otherwise.
// `reads_indexed`: likewise for GATHER and SCATTER_ADD nodes (TG_KIR_INDEXED, ABI 1.4).
inline ProgramInfo check_program(const tg_kir_program& p, bool reads_linear_masks = false, bool reads_indexed = false) {
  using detail::kir_fail;
  using detail::node_label;
  using std::to_string;
  const std::string prog = "tg.kir program '" + std::string(p.name ? p.name : "(unnamed)") + "'";
  ProgramInfo info;
#if TG_ABI_MINOR >= 2
  info.linear.resize(p.n_views);
  const uint32_t n_linear = linear_mask_count(p);
  if (n_linear && !reads_linear_masks)
    kir_fail(TG_ERR_UNSUPPORTED, prog, " has linear masks (TG_KIR_LINEAR_MASKS), which this plugin does not read");
  for (uint32_t k = 0; k < n_linear; ++k) {
    const tg_kir_linear_mask& m = p.linear_masks[k];
    if (m.view < 0 || static_cast<uint32_t>(m.view) >= p.n_views)
      kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": linear mask ", to_string(k), " names view ", to_string(m.view),
               ", out of range (", to_string(p.n_views), " views)");
    if (m.reserved != 0) kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": linear mask ", to_string(k), " has reserved != 0");
    for (uint32_t d = p.ndim; d < TG_KIR_MAX_DIMS; ++d)
      if (m.coeffs[d] != 0)
        kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": linear mask ", to_string(k), " weighs dim ", to_string(d),
                 ", past ndim ", to_string(p.ndim));
    info.linear[static_cast<size_t>(m.view)].push_back(m);
  }
#else
  (void)reads_linear_masks;
#endif
#if TG_ABI_MINOR >= 3
  info.scalar_slot.assign(p.n_nodes, -1);
  const uint32_t n_scalars = scalar_arg_count(p);
  if (n_scalars && !p.scalar_args)
    kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": n_scalar_args is ", to_string(n_scalars), " but scalar_args is NULL");
  for (uint32_t k = 0; k < n_scalars; ++k) {
    const int32_t i = p.scalar_args[k];
    if (i < 0 || static_cast<uint32_t>(i) >= p.n_nodes || p.nodes[i].op != TG_KIR_CONST)
      kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": scalar arg ", to_string(k), " names node ", to_string(i),
               ", which is not a CONST of the program");
    if (info.scalar_slot[static_cast<size_t>(i)] >= 0)
      kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": scalar args ", to_string(info.scalar_slot[static_cast<size_t>(i)]),
               " and ", to_string(k), " name the same node ", to_string(i));
    info.scalar_slot[static_cast<size_t>(i)] = static_cast<int32_t>(k);
  }
#endif

  if (p.ndim > TG_KIR_MAX_DIMS)
    kir_fail(TG_ERR_UNSUPPORTED, prog, " has ", to_string(p.ndim), " dims; at most ",
             to_string(TG_KIR_MAX_DIMS), " are supported");
  for (uint32_t d = 0; d < p.ndim; ++d) {
    if (p.shape[d] < 0) kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": shape[", to_string(d), "] is negative");
    if (p.shape[d] && info.numel > INT64_MAX / p.shape[d])
      kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": its iteration space has more than 2^63 elements");
    info.numel *= p.shape[d];
  }
#if TG_ABI_MINOR >= 2
  // A linear mask's value sum_d coeffs[d] * i_d is computed at every index, so it (and every
  // partial sum on the way) must fit int64 over the whole iteration space.
  for (uint32_t k = 0; k < n_linear; ++k) {
    const tg_kir_linear_mask& m = p.linear_masks[k];
    int64_t lo = 0, hi = 0;
    for (uint32_t d = 0; d < p.ndim; ++d) {
      int64_t end_value;
      const int64_t last = p.shape[d] > 0 ? p.shape[d] - 1 : 0;
      if (__builtin_mul_overflow(m.coeffs[d], last, &end_value) ||
          __builtin_add_overflow(lo, end_value < 0 ? end_value : 0, &lo) ||
          __builtin_add_overflow(hi, end_value < 0 ? 0 : end_value, &hi))
        kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": linear mask ", to_string(k),
                 ": sum_d coeffs[d] * i_d overflows int64 over the iteration space");
    }
  }
#endif
  for (uint32_t q = 0; q < p.n_params; ++q) {
    const tg_kir_param& param = p.params[q];
    if (!dtype_name(param.dtype))
      kir_fail(TG_ERR_UNSUPPORTED, prog, ": param ", to_string(q), " has unknown dtype ",
               to_string(param.dtype), " (this plugin knows tg.kir 1.0 dtypes 0..", to_string(TG_DTYPE_COUNT_1_0 - 1), ")");
    if (param.access != TG_PARAM_READ && param.access != TG_PARAM_WRITE)
      kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": param ", to_string(q), " has access ", to_string(param.access),
               "; it must be TG_PARAM_READ (1) or TG_PARAM_WRITE (2)");
    if (param.numel < 0) kir_fail(TG_ERR_INVALID_ARGUMENT, prog, ": param ", to_string(q), " has negative numel");
  }

  bool has_store = false;
  uint32_t scatters = 0, stores = 0;
  for (uint32_t i = 0; i < p.n_nodes; ++i) {
    const tg_kir_node& n = p.nodes[i];
    if (!op_name(n.op))
      kir_fail(TG_ERR_UNSUPPORTED, node_label(p, i), ": unknown op ", to_string(n.op),
#if TG_ABI_MINOR >= 4
               " (this plugin knows tg.kir 1.4 ops 0..", to_string(TG_KIR_OP_COUNT_1_4 - 1), ")");
#else
               " (this plugin knows tg.kir 1.0 ops 0..", to_string(TG_KIR_OP_COUNT_1_0 - 1), ")");
#endif
    if (!dtype_name(n.dtype))
      kir_fail(TG_ERR_UNSUPPORTED, node_label(p, i), ": unknown dtype ", to_string(n.dtype),
               " (this plugin knows tg.kir 1.0 dtypes 0..", to_string(TG_DTYPE_COUNT_1_0 - 1), ")");
    if (!reads_indexed && ((n.op != TG_KIR_LOAD && is_load_op(n.op)) || (n.op != TG_KIR_STORE && is_store_op(n.op))))
      kir_fail(TG_ERR_UNSUPPORTED, node_label(p, i), ": ", op_name(n.op),
               " (TG_KIR_INDEXED) is not read by this plugin");
    const int arity = op_arity(n.op);
    for (int k = 0; k < 3; ++k) {
      const int32_t s = n.src[k];
      if (k >= arity) {
        if (s != -1) kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": src[", to_string(k), "] is ",
                              to_string(s), " but the op takes ", to_string(arity), " sources (unused is -1)");
        continue;
      }
      if (s < 0 || static_cast<uint32_t>(s) >= i)
        kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": src[", to_string(k), "] is ", to_string(s),
                 "; sources must be earlier nodes");
      if (is_store_op(p.nodes[s].op))
        kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": src[", to_string(k), "] is a STORE, which has no value");
    }
    const bool memory = is_load_op(n.op) || is_store_op(n.op);
    if (memory && (n.param < 0 || static_cast<uint32_t>(n.param) >= p.n_params))
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": param ", to_string(n.param), " is out of range (",
               to_string(p.n_params), " params)");
    if (!memory && n.param != -1)
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": param is ", to_string(n.param), "; unused is -1");
    if (memory || (n.op == TG_KIR_CONST && n.view != -1)) {
      if (n.view < 0 || static_cast<uint32_t>(n.view) >= p.n_views)
        kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": view ", to_string(n.view), " is out of range (",
                 to_string(p.n_views), " views)");
    } else if (n.view != -1) {
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": view is ", to_string(n.view), "; unused is -1");
    }
    if (is_load_op(n.op) && p.params[n.param].access != TG_PARAM_READ)
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": loads from param ", to_string(n.param),
               ", which is not TG_PARAM_READ");
    if (is_store_op(n.op) && p.params[n.param].access != TG_PARAM_WRITE)
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": stores to param ", to_string(n.param),
               ", which is not TG_PARAM_WRITE");
    if (n.op == TG_KIR_REDUCE) {
      if (!reduce_op_name(n.reduce_op))
        kir_fail(TG_ERR_UNSUPPORTED, node_label(p, i), ": unknown reduce_op ", to_string(n.reduce_op),
                 " (this plugin knows SUM, MAX, PROD)");
      const uint64_t axes = static_cast<uint64_t>(n.ivalue);
      if (p.ndim < 64 && (axes >> p.ndim) != 0)
        kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": its axes bitmask ", to_string(n.ivalue),
                 " names an axis at or past ndim ", to_string(p.ndim));
      if (info.has_reduce && axes != info.reduce_axes)
        kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": reduces axes bitmask ", to_string(axes),
                 " but an earlier REDUCE reduces ", to_string(info.reduce_axes), "; all must share their axes");
      info.has_reduce = true;
      info.reduce_axes = static_cast<uint32_t>(axes);
    } else if (n.reduce_op != 0) {
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": reduce_op is ", to_string(n.reduce_op),
               " on a node that is not a REDUCE");
    }
    detail::check_node_dtypes(p, i);
    has_store = has_store || is_store_op(n.op);
    if (n.op != TG_KIR_STORE && is_store_op(n.op)) ++scatters;
    stores += is_store_op(n.op);
  }
  if (!has_store) kir_fail(TG_ERR_INVALID_ARGUMENT, prog, " has no STORE");
  if (scatters && (stores != 1 || info.has_reduce))
    kir_fail(TG_ERR_INVALID_ARGUMENT, prog, " has a SCATTER_ADD beside another store or a REDUCE");
  for (uint32_t i = 0; i < p.n_nodes; ++i)
    if (p.nodes[i].op != TG_KIR_STORE && is_store_op(p.nodes[i].op) && p.views[p.nodes[i].view].has_mask)
      kir_fail(TG_ERR_INVALID_ARGUMENT, node_label(p, i), ": a SCATTER_ADD's view has a box mask");

  // Reduced axes have size 1 in the output space, even where `shape` is 0 on them: reducing
  // nothing still writes every output (the reduction's identity).
  for (uint32_t d = 0; d < p.ndim; ++d)
    if (!((info.reduce_axes >> d) & 1u)) info.out_numel *= p.shape[d];

  detail::mark_spaces(p, info);
  for (uint32_t i = 0; i < p.n_nodes; ++i) {
    if (is_store_op(p.nodes[i].op)) detail::check_view_bounds(p, info, i, false);
    if (!is_load_op(p.nodes[i].op)) continue;
    if (info.space[i] & kSpaceFull) detail::check_view_bounds(p, info, i, true);
    if (info.space[i] & kSpaceOutput) detail::check_view_bounds(p, info, i, false);
  }
  return info;
}

}  // namespace tg::sdk
