#include "loop_plan.hpp"

namespace tg::render::detail {
namespace {

// Whether view `v` is read somewhere in the full iteration space (a REDUCE's input); views used
// only at output indices (STOREs, epilogue LOADs) never see a reduced axis's coordinate.
std::vector<bool> views_in_full_space(const tg_kir_program& p, const tg::sdk::ProgramInfo& info) {
  std::vector<bool> full(p.n_views, false);
  for (uint32_t i = 0; i < p.n_nodes; ++i) {
    const tg_kir_node& n = p.nodes[i];
    if (n.view >= 0 && !tg::sdk::is_store_op(n.op) && (info.space[i] & tg::sdk::kSpaceFull)) full[n.view] = true;
  }
  return full;
}

}  // namespace

LoopPlan plan_loops(const tg_kir_program& p, const tg::sdk::ProgramInfo& info) {
  const std::vector<bool> full = views_in_full_space(p, info);
  const uint32_t nv = p.n_views;
  // Start with the program's dims, then drop size-1 dims, then merge.
  struct Dim {
    int64_t size;
    bool reduced;
    std::vector<int64_t> stride, begin, end;  // per view
    std::vector<std::vector<int64_t>> coeff;  // per view, per linear mask of it
  };
  std::vector<Dim> dims;
  LoopPlan plan;
  plan.views.resize(nv);
  for (uint32_t v = 0; v < nv; ++v) {
    plan.views[v].offset = p.views[v].offset;
    for (const tg_kir_linear_mask& m : info.linear[v]) plan.views[v].linear.push_back({{}, m.begin, m.end});
  }
  for (uint32_t d = 0; d < p.ndim; ++d) {
    const bool red = (info.reduce_axes >> d) & 1u;
    Dim dim{p.shape[d], red, {}, {}, {}, {}};
    for (uint32_t v = 0; v < nv; ++v) {
      dim.coeff.emplace_back();
      for (const tg_kir_linear_mask& m : info.linear[v]) dim.coeff.back().push_back(m.coeffs[d]);
      const tg_kir_view& kv = p.views[v];
      int64_t b = 0, e = p.shape[d];
      if (kv.has_mask) {
        b = kv.mask_begin[d] > 0 ? kv.mask_begin[d] : 0;
        e = kv.mask_end[d] < p.shape[d] ? kv.mask_end[d] : p.shape[d];
        if (e < b) e = b;
      }
      dim.stride.push_back(kv.strides[d]);
      dim.begin.push_back(b);
      dim.end.push_back(e);
    }
    if (dim.size == 1) {  // one index, 0: fold its mask into the view, its stride adds nothing
      for (uint32_t v = 0; v < nv; ++v)
        if (!(dim.begin[v] <= 0 && 0 < dim.end[v])) plan.views[v].never_valid = true;
      continue;
    }
    dims.push_back(std::move(dim));
  }
  // Merge dim k into its outer neighbour when every view that walks both walks them as one.
  std::vector<Dim> merged;
  for (Dim& dim : dims) {
    bool can = !merged.empty() && merged.back().reduced == dim.reduced && dim.size > 0 && merged.back().size > 0;
    for (uint32_t v = 0; can && v < nv; ++v) {
      const Dim& o = merged.back();
      const bool full_o = o.begin[v] == 0 && o.end[v] == o.size, full_d = dim.begin[v] == 0 && dim.end[v] == dim.size;
      if (!full_o || !full_d) can = false;
      // A view used only at output indices never walks reduced dims: their strides do not matter.
      else if (dim.reduced && !full[v]) continue;
      else if (o.stride[v] != dim.stride[v] * dim.size) can = false;
      // The merged index is i_o * size + i_d: a linear mask must weigh the two alike.
      for (size_t k = 0; can && k < dim.coeff[v].size(); ++k)
        if (o.coeff[v][k] != dim.coeff[v][k] * dim.size) can = false;
    }
    if (!can) {
      merged.push_back(std::move(dim));
      continue;
    }
    Dim& o = merged.back();
    o.size *= dim.size;
    for (uint32_t v = 0; v < nv; ++v) {
      o.stride[v] = dim.stride[v];
      o.begin[v] = 0;
      o.end[v] = o.size;
      o.coeff[v] = dim.coeff[v];
    }
  }
  for (PlanView& pv : plan.views) pv.masked = pv.masked || !pv.linear.empty();
  for (const Dim& dim : merged) {
    plan.size.push_back(dim.size);
    plan.reduced.push_back(dim.reduced);
    (dim.reduced ? plan.red_numel : plan.out_numel) *= dim.size;
    for (uint32_t v = 0; v < nv; ++v) {
      PlanView& pv = plan.views[v];
      pv.strides.push_back(dim.stride[v]);
      pv.begin.push_back(dim.begin[v]);
      pv.end.push_back(dim.end[v]);
      if (dim.begin[v] != 0 || dim.end[v] != dim.size) pv.masked = true;
      for (size_t k = 0; k < pv.linear.size(); ++k) pv.linear[k].coeffs.push_back(dim.coeff[v][k]);
    }
  }
  return plan;
}

}  // namespace tg::render::detail
