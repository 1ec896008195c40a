#pragma once
// Program rewrites that each break one named rule of tg/plugin.h's SEMANTICS, for the bad
// plugins of bad_plugin.cpp: the device computes a slightly different program, as a device with
// that defect would. One compile definition picks the defect:
//   BAD_WRAP_CAST      float -> int8/16/32 casts go through int64, so they wrap instead of
//                      saturating (cast-float-to-int)
//   BAD_MAX_TIES       float MAX(a, b) computes MAX(b, a): the second operand wins ties
//                      (max-nan-ties: MAX(-0, +0) must be -0)
//   BAD_MAX_NAN        float MAX(a, b) is a < b ? b : a: MAX(1, NaN) gives 1 (max-nan-ties)
//   BAD_BOOL_ADD       ADD on bool is XOR: 1 + 1 gives 0 (bool-arith)
//   BAD_BF16_ROUNDING  int -> bfloat16 casts go through float64: two roundings (cast-to-float)
//   BAD_IDIV_MIN       IDIV(INT_MIN, -1) saturates to INT_MAX (idiv-mod)
//   BAD_SIGNED_ZERO    float NEG(x) is 0 + NEG(x): NEG(+0) gives +0 (signed-zero)
//   BAD_INT_SATURATE   ADD on int8/16/32 saturates instead of wrapping (int-wraps)
//   BAD_NARROW_FUSED   float16/bfloat16 ADDs of ADDs add in float32 and round only at the end
//                      of the chain (narrow-per-op)
// (BAD_OFFSET_ALIGN, in bad_plugin.cpp, rounds launch offsets down to 8 bytes: launch-offsets.)
#include <cstdint>
#include <vector>

#include "tg/kir.hpp"

namespace bad {

struct Rewritten {
  std::vector<tg_kir_node> nodes;
  std::vector<int32_t> scalar_args;  // the program's scalar_args, renumbered
};

class Rewriter {
 public:
  // Per new node: the float32 value it was rounded from (BAD_NARROW_FUSED), or -1.
  std::vector<int32_t> wide;

  explicit Rewriter(Rewritten& out) : out_(out) {}
  // Appends a node; sources are indices into the new list. Returns its index.
  int32_t push(uint32_t op, uint32_t dtype, int32_t a = -1, int32_t b = -1, int32_t c = -1) {
    tg_kir_node n{};
    n.op = op;
    n.dtype = dtype;
    n.src[0] = a;
    n.src[1] = b;
    n.src[2] = c;
    n.param = -1;
    n.view = -1;
    return push(n);
  }
  int32_t push(const tg_kir_node& n) {
    wide.push_back(-1);
    out_.nodes.push_back(n);
    return static_cast<int32_t>(out_.nodes.size()) - 1;
  }
  int32_t iconst(uint32_t dtype, int64_t v) {
    const int32_t i = push(TG_KIR_CONST, dtype);
    out_.nodes[static_cast<size_t>(i)].ivalue = v;
    return i;
  }
  int32_t fconst(uint32_t dtype, double v) {
    const int32_t i = push(TG_KIR_CONST, dtype);
    out_.nodes[static_cast<size_t>(i)].fvalue = v;
    return i;
  }
  uint32_t dtype(int32_t i) const { return out_.nodes[static_cast<size_t>(i)].dtype; }

 private:
  Rewritten& out_;
};

inline int64_t signed_max(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_INT8: return INT8_MAX;
    case TG_DTYPE_INT16: return INT16_MAX;
    case TG_DTYPE_INT32: return INT32_MAX;
  }
  return INT64_MAX;
}
inline int64_t signed_min(uint32_t dtype) { return -signed_max(dtype) - 1; }

// Emits old node `n` (its sources already renumbered), broken where the defect applies.
// Returns the index that stands for it.
inline int32_t emit(Rewriter& r, tg_kir_node n) {
  using tg::sdk::is_float_dtype;
  using tg::sdk::is_int_dtype;
  const uint32_t src = n.src[0] >= 0 ? r.dtype(n.src[0]) : n.dtype;
  (void)src;
#ifdef BAD_WRAP_CAST
  if (n.op == TG_KIR_CAST && is_float_dtype(src) && is_int_dtype(n.dtype) && n.dtype != TG_DTYPE_INT64)
    n.src[0] = r.push(TG_KIR_CAST, TG_DTYPE_INT64, n.src[0]);
#endif
#ifdef BAD_MAX_TIES
  if (n.op == TG_KIR_MAX && is_float_dtype(n.dtype)) std::swap(n.src[0], n.src[1]);
#endif
#ifdef BAD_MAX_NAN
  if (n.op == TG_KIR_MAX && is_float_dtype(n.dtype))
    return r.push(TG_KIR_WHERE, n.dtype, r.push(TG_KIR_CMPLT, TG_DTYPE_BOOL, n.src[0], n.src[1]), n.src[1], n.src[0]);
#endif
#ifdef BAD_BOOL_ADD
  if (n.op == TG_KIR_ADD && n.dtype == TG_DTYPE_BOOL) n.op = TG_KIR_XOR;
#endif
#ifdef BAD_BF16_ROUNDING
  if (n.op == TG_KIR_CAST && n.dtype == TG_DTYPE_BFLOAT16 && is_int_dtype(src))
    n.src[0] = r.push(TG_KIR_CAST, TG_DTYPE_FLOAT64, n.src[0]);
#endif
#ifdef BAD_IDIV_MIN
  if (n.op == TG_KIR_IDIV && n.dtype != TG_DTYPE_UINT8) {
    // INT_MAX where a < 0, b < 0 and the wrapped quotient is negative: only INT_MIN / -1.
    const int32_t q = r.push(n), zero = r.iconst(n.dtype, 0);
    const int32_t a_neg = r.push(TG_KIR_CMPLT, TG_DTYPE_BOOL, n.src[0], zero);
    const int32_t b_neg = r.push(TG_KIR_CMPLT, TG_DTYPE_BOOL, n.src[1], zero);
    const int32_t q_neg = r.push(TG_KIR_CMPLT, TG_DTYPE_BOOL, q, zero);
    const int32_t all = r.push(TG_KIR_AND, TG_DTYPE_BOOL, r.push(TG_KIR_AND, TG_DTYPE_BOOL, a_neg, b_neg), q_neg);
    return r.push(TG_KIR_WHERE, n.dtype, all, r.iconst(n.dtype, signed_max(n.dtype)), q);
  }
#endif
#ifdef BAD_SIGNED_ZERO
  if (n.op == TG_KIR_NEG && is_float_dtype(n.dtype)) return r.push(TG_KIR_ADD, n.dtype, r.fconst(n.dtype, 0.0), r.push(n));
#endif
#ifdef BAD_INT_SATURATE
  if (n.op == TG_KIR_ADD && (n.dtype == TG_DTYPE_INT8 || n.dtype == TG_DTYPE_INT16 || n.dtype == TG_DTYPE_INT32)) {
    const uint32_t w = TG_DTYPE_INT64;
    const int32_t sum = r.push(TG_KIR_ADD, w, r.push(TG_KIR_CAST, w, n.src[0]), r.push(TG_KIR_CAST, w, n.src[1]));
    const int32_t low = r.push(TG_KIR_MAX, w, sum, r.iconst(w, signed_min(n.dtype)));  // max(sum, MIN)
    const int32_t high = r.push(TG_KIR_NEG, w, r.push(TG_KIR_MAX, w, r.push(TG_KIR_NEG, w, low), r.iconst(w, -signed_max(n.dtype))));
    return r.push(TG_KIR_CAST, n.dtype, high);  // min(.., MAX) as -max(-x, -MAX)
  }
#endif
#ifdef BAD_NARROW_FUSED
  if (n.op == TG_KIR_ADD && (n.dtype == TG_DTYPE_FLOAT16 || n.dtype == TG_DTYPE_BFLOAT16)) {
    auto in_f32 = [&](int32_t s) {
      const int32_t w = r.wide[static_cast<size_t>(s)];
      return w >= 0 ? w : r.push(TG_KIR_CAST, TG_DTYPE_FLOAT32, s);
    };
    const int32_t a = in_f32(n.src[0]), b = in_f32(n.src[1]);
    const int32_t sum = r.push(TG_KIR_ADD, TG_DTYPE_FLOAT32, a, b);
    const int32_t out = r.push(TG_KIR_CAST, n.dtype, sum);
    r.wide[static_cast<size_t>(out)] = sum;
    return out;
  }
#endif
  return r.push(n);
}

// The program's nodes with the defect applied, and its scalar_args renumbered to match.
inline Rewritten rewrite(const tg_kir_program& p) {
  Rewritten out;
  Rewriter r(out);
  std::vector<int32_t> renumber(p.n_nodes, -1);
  for (uint32_t i = 0; i < p.n_nodes; ++i) {
    tg_kir_node n = p.nodes[i];
    for (int32_t& s : n.src) {
      if (s >= 0 && static_cast<uint32_t>(s) < i) s = renumber[static_cast<size_t>(s)];
      else if (s >= 0) s = INT32_MAX;  // not an earlier node: stays malformed for check_program
    }
    renumber[i] = emit(r, n);
  }
#if TG_ABI_MINOR >= 3
  for (uint32_t k = 0; k < tg::sdk::scalar_arg_count(p); ++k) {
    const int32_t s = p.scalar_args[k];
    out.scalar_args.push_back(s >= 0 && static_cast<uint32_t>(s) < p.n_nodes ? renumber[static_cast<size_t>(s)] : s);
  }
#endif
  return out;
}

}  // namespace bad
