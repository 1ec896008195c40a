// Rendering nodes at coordinates: which nodes each phase evaluates (plan), view indices and
// masks, and one `const T v<i> = ...;` line per node. Strategies decide where the coordinates
// come from (work-item ids, loops, tiles); this file does not know.
#include <algorithm>
#include <cstdlib>

#include "emit.hpp"

namespace tg::render::detail {

Plan plan(const tg_kir_program& p) {
  const uint32_t n = p.n_nodes;
  // A REDUCE's level is 1 + the deepest REDUCE in its input (the reference's phases).
  std::vector<uint32_t> level(n, 0);
  uint32_t deepest = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const tg_kir_node& node = p.nodes[i];
    for (int k = 0; k < tg::sdk::op_arity(node.op); ++k) level[i] = std::max(level[i], level[node.src[k]]);
    if (node.op == TG_KIR_REDUCE) deepest = std::max(deepest, ++level[i]);
  }
  // The nodes `roots` need, in program order, not walking into REDUCEs (read from accumulators).
  auto needed = [&](const std::vector<uint32_t>& roots, bool roots_are_reduces) {
    std::vector<char> need(n, 0);
    std::vector<uint32_t> todo;
    for (uint32_t r : roots) todo.push_back(roots_are_reduces ? static_cast<uint32_t>(p.nodes[r].src[0]) : r);
    while (!todo.empty()) {
      const uint32_t i = todo.back();
      todo.pop_back();
      if (need[i]) continue;
      need[i] = 1;
      if (p.nodes[i].op == TG_KIR_REDUCE) continue;
      for (int k = 0; k < tg::sdk::op_arity(p.nodes[i].op); ++k) todo.push_back(static_cast<uint32_t>(p.nodes[i].src[k]));
    }
    std::vector<uint32_t> out;
    for (uint32_t i = 0; i < n; ++i)
      if (need[i]) out.push_back(i);
    return out;
  };
  Plan result;
  for (uint32_t lv = 1; lv <= deepest; ++lv) {
    std::vector<uint32_t> roots;
    for (uint32_t i = 0; i < n; ++i)
      if (p.nodes[i].op == TG_KIR_REDUCE && level[i] == lv) roots.push_back(i);
    result.reduce_nodes.push_back(needed(roots, true));
    result.reduce_roots.push_back(std::move(roots));
  }
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < n; ++i)
    if (tg::sdk::is_store_op(p.nodes[i].op)) stores.push_back(i);
  result.output_nodes = needed(stores, false);
  return result;
}

const char* pick_index_type(const tg_kir_program& p) {
  // Every coordinate, and every index a view can form (masked-out ones included), must fit.
  const int64_t limit = INT32_MAX;
  int64_t numel = 1;
  for (uint32_t d = 0; d < p.ndim; ++d) {
    if (p.shape[d] > limit) return "tg_i64";
    if (p.shape[d] && numel > limit / p.shape[d]) return "tg_i64";
    numel *= p.shape[d];
  }
  for (uint32_t v = 0; v < p.n_views; ++v) {
    const tg_kir_view& view = p.views[v];
    double reach = std::abs(static_cast<double>(view.offset));
    for (uint32_t d = 0; d < p.ndim; ++d)
      reach += std::abs(static_cast<double>(view.strides[d])) * static_cast<double>(std::max<int64_t>(p.shape[d], 1));
    if (reach >= static_cast<double>(limit)) return "tg_i64";
  }
  // GATHER / SCATTER_ADD add index * stride, the index below its bound (ABI 1.4).
  for (uint32_t i = 0; i < p.n_nodes; ++i) {
    const tg_kir_node& n = p.nodes[i];
    if (n.op != TG_KIR_GATHER && n.op != TG_KIR_SCATTER_ADD) continue;
    const tg_kir_view& view = p.views[n.view];
    double reach = std::abs(static_cast<double>(view.offset));
    for (uint32_t d = 0; d < p.ndim; ++d)
      reach += std::abs(static_cast<double>(view.strides[d])) * static_cast<double>(std::max<int64_t>(p.shape[d], 1));
    const int64_t bound = p.nodes[n.src[n.op == TG_KIR_GATHER ? 1 : 2]].ivalue;
    reach += std::abs(static_cast<double>(n.ivalue)) * static_cast<double>(bound);
    if (reach >= static_cast<double>(limit)) return "tg_i64";
  }
  return "tg_i32";
}

std::string Body::index(const tg_kir_view& v, const Coords& at) const {
  std::string e = v.offset ? std::to_string(v.offset) : "";
  for (uint32_t d = 0; d < p_.ndim; ++d) {
    if (v.strides[d] == 0 || at.c[d] == "0") continue;
    std::string term = v.strides[d] == 1 ? at.c[d] : at.c[d] + " * " + std::to_string(v.strides[d]);
    e = e.empty() ? term : e + " + " + term;
  }
  return e.empty() ? "0" : e;
}

std::string Body::mask(const tg_kir_view& v, const Coords& at) const {
  if (!v.has_mask) return "";
  std::string cond;
  for (uint32_t d = 0; d < p_.ndim; ++d) {
    const int64_t lo = v.mask_begin[d], hi = v.mask_end[d];
    if (at.c[d] == "0") {  // known coordinate: decide now
      if (lo > 0 || hi <= 0) return "0";
      continue;
    }
    if (lo >= hi || lo >= p_.shape[d] || hi <= 0) return "0";
    if (lo > 0) cond += std::string(cond.empty() ? "" : " && ") + at.c[d] + " >= " + std::to_string(lo);
    if (hi < p_.shape[d]) cond += std::string(cond.empty() ? "" : " && ") + at.c[d] + " < " + std::to_string(hi);
  }
  return cond;
}

std::string Body::value(uint32_t i) const {
  return (p_.nodes[i].op == TG_KIR_REDUCE ? "acc" : "v") + std::to_string(i);
}

void Body::emit(const std::vector<uint32_t>& nodes, const Coords& at) {
  for (uint32_t i : nodes) {
    const tg_kir_node& n = p_.nodes[i];
    const std::string t = reg_type(n.dtype);
    const std::string v = "v" + std::to_string(i);
    switch (n.op) {
      case TG_KIR_REDUCE:
        continue;  // its accumulator, computed before
      case TG_KIR_LOAD: {
        const tg_kir_view& view = p_.views[n.view];
        const std::string m = mask(view, at);
        const std::string zero = tg::sdk::is_float_dtype(n.dtype) ? float_literal(TG_DTYPE_FLOAT32, 0.0) : int_literal(n.dtype, 0);
        const std::string element = load_conv(h_, n.dtype, "p" + std::to_string(n.param) + "[" + index(view, at) + "]");
        if (m == "0") code_.line("const " + t + " " + v + " = " + zero + ";");
        else if (m.empty()) code_.line("const " + t + " " + v + " = " + element + ";");
        else code_.line("const " + t + " " + v + " = (" + m + ") ? " + element + " : " + zero + ";");
        continue;
      }
      case TG_KIR_GATHER: {  // a LOAD moved by index * stride; 0 for an index outside [0, bound)
        const tg_kir_view& view = p_.views[n.view];
        std::string m = mask(view, at);
        const std::string zero = tg::sdk::is_float_dtype(n.dtype) ? float_literal(TG_DTYPE_FLOAT32, 0.0) : int_literal(n.dtype, 0);
        if (m == "0") {
          code_.line("const " + t + " " + v + " = " + zero + ";");
          continue;
        }
        const std::string k = "k" + std::to_string(i);
        code_.line("const tg_i64 " + k + " = (tg_i64)" + value(static_cast<uint32_t>(n.src[0])) + ";");
        const std::string ok = k + " >= 0 && " + k + " < " + std::to_string(p_.nodes[n.src[1]].ivalue) + (m.empty() ? "" : " && " + m);
        const std::string element = load_conv(h_, n.dtype, "p" + std::to_string(n.param) + "[" + index(view, at) + " + " + k + " * " +
                                                               std::to_string(n.ivalue) + "]");
        code_.line("const " + t + " " + v + " = (" + ok + ") ? " + element + " : " + zero + ";");
        continue;
      }
      case TG_KIR_SCATTER_ADD: {
        // Work-items add into one element at once where indices repeat: a compare-and-swap loop
        // on its 32 bits (the dialect's TG_CAS32; kernel.cpp declines other widths).
        const tg_kir_view& view = p_.views[n.view];
        const std::string k = "k" + std::to_string(i), a = "a" + std::to_string(i);
        code_.line("const tg_i64 " + k + " = (tg_i64)" + value(static_cast<uint32_t>(n.src[1])) + ";");
        code_.open("if (" + k + " >= 0 && " + k + " < " + std::to_string(p_.nodes[n.src[2]].ivalue) + ")");
        code_.line(std::string(t_.dialect->global_ptr) + "tg_u32* " + a + " = (" + t_.dialect->global_ptr + "tg_u32*)(p" +
                   std::to_string(n.param) + " + " + index(view, at) + " + " + k + " * " + std::to_string(n.ivalue) + ");");
        const std::string val = value(static_cast<uint32_t>(n.src[0]));
        const std::string sum = n.dtype == TG_DTYPE_FLOAT32 ? "TG_F32_BITS(TG_BITS_F32(seen) + " + val + ")"
                                                            : "(tg_u32)(seen + (tg_u32)" + val + ")";
        code_.line("tg_u32 old = *" + a + ", seen;");
        code_.line("do { seen = old; old = TG_CAS32(" + a + ", seen, " + sum + "); } while (old != seen);");
        code_.close();
        continue;
      }
      case TG_KIR_CONST: {
        const int32_t slot = scalar_arg_slot(p_, i);
        const std::string lit = slot >= 0 ? scalar_arg_value(h_, n.dtype, slot) : const_literal(n);
        const std::string m = n.view >= 0 ? mask(p_.views[n.view], at) : "";
        const std::string zero = tg::sdk::is_float_dtype(n.dtype) ? float_literal(n.dtype == TG_DTYPE_FLOAT64 ? TG_DTYPE_FLOAT64 : TG_DTYPE_FLOAT32, 0.0)
                                                                  : int_literal(n.dtype, 0);
        if (m == "0") code_.line("const " + t + " " + v + " = " + zero + ";");
        else if (m.empty()) code_.line("const " + t + " " + v + " = " + lit + ";");
        else code_.line("const " + t + " " + v + " = (" + m + ") ? " + lit + " : " + zero + ";");
        continue;
      }
      case TG_KIR_STORE: {
        const tg_kir_view& view = p_.views[n.view];
        code_.line("p" + std::to_string(n.param) + "[" + index(view, at) + "] = " +
                   store_conv(h_, n.dtype, value(static_cast<uint32_t>(n.src[0]))) + ";");
        continue;
      }
    }
    std::vector<std::string> args;
    for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) args.push_back(value(static_cast<uint32_t>(n.src[k])));
    const uint32_t src_dtype = p_.nodes[n.src[0]].dtype;
    code_.line("const " + t + " " + v + " = " + op_expr(h_, *t_.dialect, n, src_dtype, args) + ";");
  }
}

}  // namespace tg::render::detail
