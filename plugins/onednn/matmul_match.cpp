#include "matmul_match.hpp"

#include <algorithm>

namespace tg::onednn {

void OwnedProgram::relink() {
  program.struct_size = sizeof program;
  program.name = name.c_str();
  program.n_nodes = static_cast<uint32_t>(nodes.size());
  program.nodes = nodes.data();
  program.n_views = static_cast<uint32_t>(views.size());
  program.views = views.data();
  program.n_params = static_cast<uint32_t>(params.size());
  program.params = params.data();
}

namespace {

// A placeholder stride for a size-1 dim (oneDNN ignores it, but wants it positive).
int64_t unit_stride(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides) {
  int64_t s = 1;
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] > 1) s = std::max(s, dims[i] * strides[i]);
  return s;
}
void fix_unit_strides(MatmulOperand& o) {
  const int64_t s = unit_stride(o.dims, o.strides);
  for (size_t i = 0; i < o.dims.size(); ++i)
    if (o.dims[i] == 1) o.strides[i] = s;
}

}  // namespace

std::optional<MatmulMatch> match_matmul(const tg_kir_program& p, const tg::sdk::ProgramInfo& info,
                                        std::string* why_not) {
  auto no = [&](const std::string& why) -> std::optional<MatmulMatch> {
    *why_not = why;
    return std::nullopt;
  };
  if (!info.has_reduce) return no("no REDUCE");
  int32_t red = -1;
  for (uint32_t i = 0; i < p.n_nodes; ++i)
    if (p.nodes[i].op == TG_KIR_REDUCE) {
      if (red >= 0) return no("more than one REDUCE");
      red = static_cast<int32_t>(i);
    }
  const tg_kir_node& r = p.nodes[red];
  if (r.reduce_op != TG_REDUCE_SUM || r.dtype != TG_DTYPE_FLOAT32) return no("not a float32 SUM");
  if (__builtin_popcount(info.reduce_axes) != 1) return no("reduces more than one axis");
  const uint32_t kx = static_cast<uint32_t>(__builtin_ctz(info.reduce_axes));
  const tg_kir_node& mul = p.nodes[r.src[0]];
  if (mul.op != TG_KIR_MUL) return no("the REDUCE's source is not a MUL");
  const tg_kir_node& la = p.nodes[mul.src[0]];
  const tg_kir_node& lb = p.nodes[mul.src[1]];
  if (la.op != TG_KIR_LOAD || lb.op != TG_KIR_LOAD) return no("the MUL's sources are not both LOADs");
  const tg_kir_view& va = p.views[la.view];
  const tg_kir_view& vb = p.views[lb.view];
  if (va.has_mask || vb.has_mask) return no("an operand is masked (padded)");
  if (p.shape[kx] < 1) return no("K is 0");
  if (va.strides[kx] <= 0 || vb.strides[kx] <= 0) return no("an operand does not walk K forward");

  int m_axis = -1, n_axis = -1;
  for (uint32_t d = 0; d < p.ndim; ++d) {
    if (d == kx || p.shape[d] <= 1) continue;
    if (va.strides[d] < 0 || vb.strides[d] < 0) return no("a negative stride (flip)");
    if (va.strides[d] && !vb.strides[d]) m_axis = static_cast<int>(d);
    if (vb.strides[d] && !va.strides[d]) n_axis = static_cast<int>(d);
    if (!va.strides[d] && !vb.strides[d]) return no("an axis neither operand walks");
  }
  if (p.shape[kx] == 0) return no("K is 0");

  // Output layout: oneDNN writes straight into the first STORE of the REDUCE whose view is a
  // plain strided one (the core often stores a matmul twice: the value and a saved copy);
  // without one, into a contiguous temp.
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
        if (d != kx && p.shape[d] > 1 && p.views[n.view].strides[d] <= 0) plain = false;  // broadcast or flipped
      if (plain) store = static_cast<int32_t>(i);
    }
  }
  MatmulMatch mm;
  mm.direct = store >= 0;
  const bool needs_epilogue = !mm.direct || users > 1 || stores > 1;
  int64_t c_strides[TG_KIR_MAX_DIMS] = {};
  if (mm.direct) {
    const tg_kir_view& vc = p.views[p.nodes[store].view];
    for (uint32_t d = 0; d < p.ndim; ++d) c_strides[d] = vc.strides[d];
    mm.c.param = static_cast<uint32_t>(p.nodes[store].param);
    mm.c.offset = vc.offset;
  } else {
    int64_t s = 1;
    for (uint32_t d = p.ndim; d-- > 0;) {
      c_strides[d] = d == kx ? 0 : s;
      if (d != kx) s *= p.shape[d];
    }
    mm.c_numel = s;
    mm.c.offset = 0;
  }

  // oneDNN's order: batch axes (program order), then M, N; K joins a and b.
  mm.a.param = static_cast<uint32_t>(la.param);
  mm.a.offset = va.offset;
  mm.b.param = static_cast<uint32_t>(lb.param);
  mm.b.offset = vb.offset;
  int64_t batch = 1;
  for (uint32_t d = 0; d < p.ndim; ++d) {
    if (d == kx || static_cast<int>(d) == m_axis || static_cast<int>(d) == n_axis || p.shape[d] <= 1) continue;
    batch *= p.shape[d];
    mm.a.dims.push_back(va.strides[d] ? p.shape[d] : 1);
    mm.a.strides.push_back(va.strides[d]);
    mm.b.dims.push_back(vb.strides[d] ? p.shape[d] : 1);
    mm.b.strides.push_back(vb.strides[d]);
    mm.c.dims.push_back(p.shape[d]);
    mm.c.strides.push_back(c_strides[d]);
  }
  const int64_t M = m_axis >= 0 ? p.shape[m_axis] : 1, N = n_axis >= 0 ? p.shape[n_axis] : 1, K = p.shape[kx];
  const int64_t sam = m_axis >= 0 ? va.strides[m_axis] : 1, sbn = n_axis >= 0 ? vb.strides[n_axis] : 1;
  const int64_t scm = m_axis >= 0 ? c_strides[m_axis] : 1, scn = n_axis >= 0 ? c_strides[n_axis] : 1;
  mm.a.dims.insert(mm.a.dims.end(), {M, K});
  mm.a.strides.insert(mm.a.strides.end(), {sam, va.strides[kx]});
  mm.b.dims.insert(mm.b.dims.end(), {K, N});
  mm.b.strides.insert(mm.b.strides.end(), {vb.strides[kx], sbn});
  mm.c.dims.insert(mm.c.dims.end(), {M, N});
  mm.c.strides.insert(mm.c.strides.end(), {scm, scn});
  fix_unit_strides(mm.a);
  fix_unit_strides(mm.b);
  fix_unit_strides(mm.c);
  mm.summary = "batch " + std::to_string(batch) + ", M " + std::to_string(M) + " N " + std::to_string(N) + " K " +
               std::to_string(K) + (mm.direct ? ", stored directly" : ", into a temp") + (needs_epilogue ? ", then an epilogue" : "");

  if (needs_epilogue) {
    // The epilogue: the same nodes over the output space; the REDUCE reads the matmul's result
    // (from the direct output, or the temp) through an extra, last param.
    OwnedProgram e;
    e.name = std::string(p.name ? p.name : "kernel") + "_epilogue";
    e.program = p;
    e.program.shape[kx] = 1;
    e.nodes.assign(p.nodes, p.nodes + p.n_nodes);
    e.views.assign(p.views, p.views + p.n_views);
    e.params.assign(p.params, p.params + p.n_params);
    tg_kir_view cv{};
    cv.offset = mm.c.offset;
    for (uint32_t d = 0; d < p.ndim; ++d) cv.strides[d] = p.shape[d] > 1 && d != kx ? c_strides[d] : 0;
    e.views.push_back(cv);
    e.params.push_back(tg_kir_param{TG_DTYPE_FLOAT32, TG_PARAM_READ,
                                    mm.direct ? p.params[mm.c.param].numel : mm.c_numel});
    tg_kir_node& n = e.nodes[static_cast<size_t>(red)];
    n.op = TG_KIR_LOAD;
    n.src[0] = -1;
    n.reduce_op = 0;
    n.ivalue = 0;
    n.param = static_cast<int32_t>(e.params.size() - 1);
    n.view = static_cast<int32_t>(e.views.size() - 1);
    if (mm.direct) {
      // oneDNN wrote that STORE already: it becomes a dead CONST, so the epilogue never writes
      // the buffer it reads.
      tg_kir_node& st = e.nodes[static_cast<size_t>(store)];
      st = tg_kir_node{};
      st.op = TG_KIR_CONST;
      st.dtype = TG_DTYPE_FLOAT32;
      st.src[0] = st.src[1] = st.src[2] = -1;
      st.param = st.view = -1;
    }
    // The MUL and its LOADs are now dead: neither the codegen nor the ref interpreter evaluates
    // nodes no STORE needs. (The caller relinks after moving the program into place.)
    mm.epilogue = std::move(e);
  }
  return mm;
}

}  // namespace tg::onednn
