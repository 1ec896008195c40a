#include "contraction.hpp"

#include <algorithm>

#include "tg/plugin.hpp"

namespace tg::onednn {

void throw_dnnl(const char* what, const dnnl::error& e) {
  const int32_t code = e.status == dnnl_out_of_memory ? TG_ERR_OUT_OF_MEMORY
                       : e.status == dnnl_unimplemented ? TG_ERR_UNSUPPORTED
                                                        : TG_ERR_INTERNAL;
  throw tg::sdk::Failure(code, std::string("oneDNN ") + what + " failed: " + e.what() + " (dnnl_status_t " +
                                   std::to_string(static_cast<int>(e.status)) + ")");
}

void fix_unit_strides(const std::vector<int64_t>& dims, std::vector<int64_t>& strides) {
  // The stride a dense layout would have there: oneDNN's fast implementations compare strides
  // with their plain layouts, size-1 dims included.
  for (size_t i = dims.size(); i-- > 0;)
    if (dims[i] == 1) strides[i] = i + 1 < dims.size() ? strides[i + 1] * dims[i + 1] : 1;
}

std::optional<Contraction> find_contraction(const tg_kir_program& p, std::string* why_not) {
  auto no = [&](const char* why) -> std::optional<Contraction> {
    *why_not = why;
    return std::nullopt;
  };
  Contraction c;
  for (uint32_t i = 0; i < p.n_nodes; ++i)
    if (p.nodes[i].op == TG_KIR_REDUCE) {
      if (c.red >= 0) return no("more than one REDUCE");
      c.red = static_cast<int32_t>(i);
    }
  if (c.red < 0) return no("no REDUCE");
  const tg_kir_node& r = p.nodes[c.red];
  if (r.reduce_op != TG_REDUCE_SUM || r.dtype != TG_DTYPE_FLOAT32) return no("not a float32 SUM");
  const tg_kir_node& mul = p.nodes[r.src[0]];
  if (mul.op != TG_KIR_MUL) return no("the REDUCE's source is not a MUL");
  c.a = &p.nodes[mul.src[0]];
  c.b = &p.nodes[mul.src[1]];
  if (c.a->op != TG_KIR_LOAD || c.b->op != TG_KIR_LOAD) return no("the MUL's sources are not both LOADs");
  if (p.views[c.a->view].has_mask || p.views[c.b->view].has_mask) return no("an operand is masked (padded)");
  return c;
}

ReduceOutput reduce_output(const tg_kir_program& p, int32_t red, uint32_t axes) {
  auto reduced = [&](uint32_t d) { return (axes >> d) & 1u; };
  // The primitive writes straight into the first float32 STORE of the REDUCE whose view is a
  // plain strided one (the core often stores a value twice: the value and a saved copy).
  int32_t store = -1, users = 0, stores = 0;
  for (uint32_t i = 0; i < p.n_nodes; ++i) {
    const tg_kir_node& n = p.nodes[i];
    stores += n.op == TG_KIR_STORE;
    for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) {
      if (n.src[k] != red) continue;
      ++users;
      if (n.op != TG_KIR_STORE || store >= 0 || n.dtype != TG_DTYPE_FLOAT32) continue;
      bool plain = true;
      for (uint32_t d = 0; d < p.ndim; ++d)
        if (!reduced(d) && p.shape[d] > 1 && p.views[n.view].strides[d] <= 0) plain = false;  // broadcast or flipped
      if (plain) store = static_cast<int32_t>(i);
    }
  }
  ReduceOutput out;
  out.direct = store >= 0;
  if (out.direct) {
    const tg_kir_view& v = p.views[p.nodes[store].view];
    for (uint32_t d = 0; d < p.ndim; ++d) out.strides[d] = reduced(d) ? 0 : v.strides[d];
    out.param = static_cast<uint32_t>(p.nodes[store].param);
    out.offset = v.offset;
  } else {
    int64_t s = 1;
    for (uint32_t d = p.ndim; d-- > 0;) {
      out.strides[d] = reduced(d) ? 0 : s;
      if (!reduced(d)) s *= p.shape[d];
    }
    out.temp_numel = s;
  }
  if (out.direct && users == 1 && stores == 1) return out;

  // The epilogue: the same nodes over the output space; the REDUCE reads the primitive's result
  // (from the direct output, or the temp) through an extra, last param.
  // (A copy of the whole program, its linear masks too: they may mask the epilogue's views.)
  tg::sdk::OwnedProgram e(p);
  e.name = std::string(p.name ? p.name : "kernel") + "_epilogue";
  for (uint32_t d = 0; d < p.ndim; ++d)
    if (reduced(d)) e.shape[d] = 1;
  tg_kir_view cv{};
  cv.offset = out.direct ? out.offset : 0;
  for (uint32_t d = 0; d < p.ndim; ++d) cv.strides[d] = p.shape[d] > 1 && !reduced(d) ? out.strides[d] : 0;
  e.views.push_back(cv);
  e.params.push_back(tg_kir_param{TG_DTYPE_FLOAT32, TG_PARAM_READ, out.direct ? p.params[out.param].numel : out.temp_numel});
  tg_kir_node& n = e.nodes[static_cast<size_t>(red)];
  n.op = TG_KIR_LOAD;
  n.src[0] = -1;
  n.reduce_op = 0;
  n.ivalue = 0;
  n.param = static_cast<int32_t>(e.params.size() - 1);
  n.view = static_cast<int32_t>(e.views.size() - 1);
  if (out.direct) {
    // The primitive wrote that STORE already: it becomes a dead CONST, so the epilogue never
    // writes the buffer it reads.
    tg_kir_node& st = e.nodes[static_cast<size_t>(store)];
    st = tg_kir_node{};
    st.op = TG_KIR_CONST;
    st.dtype = TG_DTYPE_FLOAT32;
    st.src[0] = st.src[1] = st.src[2] = -1;
    st.param = st.view = -1;
  }
  // The REDUCE's source nodes are now dead: neither the codegen nor the ref interpreter
  // evaluates nodes no STORE needs.
  out.epilogue = std::move(e);
  return out;
}

}  // namespace tg::onednn
