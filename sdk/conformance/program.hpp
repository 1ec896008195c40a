#pragma once
// A tg.kir program under construction: the SDK's OwnedProgram (its arrays, and view() to hand
// it across the ABI) with builder methods. Node methods return the new node's index.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tg/owned_program.hpp"

namespace tg::conformance {

struct Program : tg::sdk::OwnedProgram {
  Program() { name = "conformance"; }
#if TG_ABI_MINOR >= 2
  // (a program with linear masks is only for plugins that declare them)
  // A linear mask on `view`: valid only where begin <= sum_d coeffs[d] * i_d < end.
  void linear(int view_index, const std::vector<int64_t>& coeffs, int64_t begin, int64_t end) {
    tg_kir_linear_mask m;
    std::memset(&m, 0, sizeof m);
    m.view = view_index;
    m.begin = begin;
    m.end = end;
    for (size_t d = 0; d < coeffs.size() && d < TG_KIR_MAX_DIMS; ++d) m.coeffs[d] = coeffs[d];
    linear_masks.push_back(m);
  }
#endif
#if TG_ABI_MINOR >= 3
  // Scalar launch arguments (TG_KIR_SCALAR_ARGS, in scalar_args): CONST nodes whose values each
  // launch gives, one set per launch (run_and_compare launches once per set).
  std::vector<std::vector<tg_kir_scalar>> scalar_runs;
  int scalar(uint32_t dtype, int mask_view = -1) {
    const int i = node(TG_KIR_CONST, dtype);
    nodes.back().view = mask_view;
    scalar_args.push_back(i);
    return i;
  }
  // This program with run r's scalars written into its CONSTs (what the host evaluates).
  Program with_scalars(size_t r) const {
    Program lit = *this;
    for (size_t k = 0; k < scalar_args.size(); ++k) {
      lit.nodes[static_cast<size_t>(scalar_args[k])].ivalue = scalar_runs[r][k].ivalue;
      lit.nodes[static_cast<size_t>(scalar_args[k])].fvalue = scalar_runs[r][k].fvalue;
    }
    lit.scalar_args.clear();
    lit.scalar_runs.clear();
    return lit;
  }
#endif

#if TG_ABI_MINOR >= 4
  // The bytes a written param holds before the launch (empty: a sentinel pattern); a
  // SCATTER_ADD adds into them.
  std::vector<std::vector<std::byte>> starts;
  // GATHER of param `param_index` through view_index, at index node k below bound, stride s.
  int gather(int param_index, int view_index, int k, int64_t bound, int64_t stride) {
    const int b = iconst(TG_DTYPE_INT64, bound);
    const int i = node(TG_KIR_GATHER, params[static_cast<size_t>(param_index)].dtype, {k, b});
    nodes.back().param = param_index;
    nodes.back().view = view_index;
    nodes.back().ivalue = stride;
    return i;
  }
  int scatter_add(int param_index, int view_index, int value, int k, int64_t bound, int64_t stride) {
    const int b = iconst(TG_DTYPE_INT64, bound);
    const int i = node(TG_KIR_SCATTER_ADD, dtype_of(value), {value, k, b});
    nodes.back().param = param_index;
    nodes.back().view = view_index;
    nodes.back().ivalue = stride;
    return i;
  }
#endif

  int param(uint32_t dtype, uint32_t access, int64_t numel) {
    params.push_back(tg_kir_param{dtype, access, numel});
    return static_cast<int>(params.size()) - 1;
  }
  // A view with these strides (missing dims are 0), offset and optional mask.
  int view(const std::vector<int64_t>& strides, int64_t offset = 0, const std::vector<int64_t>& mask_begin = {},
           const std::vector<int64_t>& mask_end = {}) {
    tg_kir_view v;
    std::memset(&v, 0, sizeof v);
    v.offset = offset;
    for (size_t d = 0; d < strides.size() && d < TG_KIR_MAX_DIMS; ++d) v.strides[d] = strides[d];
    if (!mask_begin.empty()) {
      v.has_mask = 1;
      for (size_t d = 0; d < mask_begin.size() && d < TG_KIR_MAX_DIMS; ++d) {
        v.mask_begin[d] = mask_begin[d];
        v.mask_end[d] = mask_end[d];
      }
    }
    views.push_back(v);
    return static_cast<int>(views.size()) - 1;
  }
  // The row-major view of a tensor of these dims; size-1 dims get stride 0, as the core writes them.
  int contiguous(const std::vector<int64_t>& dims) {
    std::vector<int64_t> strides(dims.size());
    int64_t s = 1;
    for (size_t d = dims.size(); d-- > 0;) {
      strides[d] = dims[d] == 1 ? 0 : s;
      s *= dims[d];
    }
    return view(strides);
  }
  int node(uint32_t op, uint32_t dtype, const std::vector<int>& src = {}) {
    tg_kir_node n;
    std::memset(&n, 0, sizeof n);
    n.op = op;
    n.dtype = dtype;
    n.src[0] = n.src[1] = n.src[2] = -1;
    for (size_t k = 0; k < src.size() && k < 3; ++k) n.src[k] = src[k];
    n.param = -1;
    n.view = -1;
    nodes.push_back(n);
    return static_cast<int>(nodes.size()) - 1;
  }
  int load(int param_index, int view_index) {
    const int i = node(TG_KIR_LOAD, params[static_cast<size_t>(param_index)].dtype);
    nodes.back().param = param_index;
    nodes.back().view = view_index;
    return i;
  }
  int store(int param_index, int view_index, int value) {
    const int i = node(TG_KIR_STORE, dtype_of(value), {value});
    nodes.back().param = param_index;
    nodes.back().view = view_index;
    return i;
  }
  int iconst(uint32_t dtype, int64_t v, int mask_view = -1) {
    const int i = node(TG_KIR_CONST, dtype);
    nodes.back().ivalue = v;
    nodes.back().view = mask_view;
    return i;
  }
  int fconst(uint32_t dtype, double v, int mask_view = -1) {
    const int i = node(TG_KIR_CONST, dtype);
    nodes.back().fvalue = v;
    nodes.back().view = mask_view;
    return i;
  }
  int reduce(int32_t reduce_op, uint64_t axes, int src) {
    const int i = node(TG_KIR_REDUCE, dtype_of(src), {src});
    nodes.back().reduce_op = reduce_op;
    nodes.back().ivalue = static_cast<int64_t>(axes);
    return i;
  }
  int unary(uint32_t op, int a) { return node(op, dtype_of(a), {a}); }
  int binary(uint32_t op, int a, int b) {
    const bool compare = op == TG_KIR_CMPLT || op == TG_KIR_CMPNE;
    return node(op, compare ? uint32_t{TG_DTYPE_BOOL} : dtype_of(a), {a, b});
  }
  int cast(uint32_t dtype, int a) { return node(TG_KIR_CAST, dtype, {a}); }
  int where(int c, int a, int b) { return node(TG_KIR_WHERE, dtype_of(a), {c, a, b}); }

  uint32_t dtype_of(int i) const { return nodes[static_cast<size_t>(i)].dtype; }
};

// Row-major strides of a tensor of these dims.
inline std::vector<int64_t> row_major(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size());
  int64_t s = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    strides[d] = s;
    s *= dims[d] > 0 ? dims[d] : 1;
  }
  return strides;
}

inline int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace tg::conformance
