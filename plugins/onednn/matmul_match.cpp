#include "matmul_match.hpp"

#include <algorithm>

namespace tg::onednn {

std::optional<MatmulMatch> match_matmul(const tg_kir_program& p, const tg::sdk::ProgramInfo& info,
                                        std::string* why_not) {
  auto no = [&](const std::string& why) -> std::optional<MatmulMatch> {
    *why_not = why;
    return std::nullopt;
  };
  const std::optional<Contraction> c = find_contraction(p, why_not);
  if (!c) return std::nullopt;
  const int32_t red = c->red;
  if (!info.linear[c->a->view].empty() || !info.linear[c->b->view].empty()) return no("an operand is padded (linear mask)");
  const int reduced = __builtin_popcount(info.reduce_axes);
  if (reduced != 1 && reduced != 2) return no("reduces more than two axes");
  // K: the innermost reduced axis; ko: the other one, or -1.
  const uint32_t kx = 31u - static_cast<uint32_t>(__builtin_clz(info.reduce_axes));
  const int ko = reduced == 2 ? __builtin_ctz(info.reduce_axes) : -1;
  const tg_kir_node& la = *c->a;
  const tg_kir_node& lb = *c->b;
  const tg_kir_view& va = p.views[la.view];
  const tg_kir_view& vb = p.views[lb.view];
  if (p.shape[kx] < 1 || (ko >= 0 && p.shape[ko] < 1)) return no("K is 0");
  if (va.strides[kx] <= 0 || vb.strides[kx] <= 0) return no("an operand does not walk K forward");
  int64_t K = p.shape[kx], split = 1, a_split = 0, b_split = 0;
  if (ko >= 0) {
    if (va.strides[ko] < 0 || vb.strides[ko] < 0) return no("an operand walks a reduced axis backward");
    if (va.strides[ko] == va.strides[kx] * K && vb.strides[ko] == vb.strides[kx] * K) K *= p.shape[ko];
    else split = p.shape[ko], a_split = va.strides[ko], b_split = vb.strides[ko];
  }

  int m_axis = -1, n_axis = -1;
  for (uint32_t d = 0; d < p.ndim; ++d) {
    if (d == kx || static_cast<int>(d) == ko || p.shape[d] <= 1) continue;
    if (va.strides[d] < 0 || vb.strides[d] < 0) return no("a negative stride (flip)");
    if (va.strides[d] && !vb.strides[d]) m_axis = static_cast<int>(d);
    if (vb.strides[d] && !va.strides[d]) n_axis = static_cast<int>(d);
    if (!va.strides[d] && !vb.strides[d]) return no("an axis neither operand walks");
  }
  MatmulMatch mm;
  mm.k_split = split, mm.a_split_stride = a_split, mm.b_split_stride = b_split;
  mm.out = reduce_output(p, red, info.reduce_axes);
  const int64_t* c_strides = mm.out.strides;

  // oneDNN's order: batch axes (program order), then M, N; K joins a and b.
  mm.a.param = static_cast<uint32_t>(la.param);
  mm.a.offset = va.offset;
  mm.b.param = static_cast<uint32_t>(lb.param);
  mm.b.offset = vb.offset;
  int64_t batch = 1;
  for (uint32_t d = 0; d < p.ndim; ++d) {
    if (d == kx || static_cast<int>(d) == ko || static_cast<int>(d) == m_axis || static_cast<int>(d) == n_axis ||
        p.shape[d] <= 1)
      continue;
    batch *= p.shape[d];
    mm.a.dims.push_back(va.strides[d] ? p.shape[d] : 1);
    mm.a.strides.push_back(va.strides[d]);
    mm.b.dims.push_back(vb.strides[d] ? p.shape[d] : 1);
    mm.b.strides.push_back(vb.strides[d]);
    mm.c.dims.push_back(p.shape[d]);
    mm.c.strides.push_back(c_strides[d]);
  }
  const int64_t M = m_axis >= 0 ? p.shape[m_axis] : 1, N = n_axis >= 0 ? p.shape[n_axis] : 1;
  // Over two axes, a product with one row or one column reuses nothing a GEMM could keep in
  // registers: the generic reduction streams it (a loss's weighted sum, (x * w).sum(), as a
  // 1 x 1 x 2M GEMM made `tg bench embedding`'s step 7.8 ms instead of 6.3).
  if (ko >= 0 && (M == 1 || N == 1)) return no("a matrix-vector product over two axes (a generic reduction streams it)");
  const int64_t sam = m_axis >= 0 ? va.strides[m_axis] : 1, sbn = n_axis >= 0 ? vb.strides[n_axis] : 1;
  const int64_t scm = m_axis >= 0 ? c_strides[m_axis] : 1, scn = n_axis >= 0 ? c_strides[n_axis] : 1;
  mm.a.dims.insert(mm.a.dims.end(), {M, K});
  mm.a.strides.insert(mm.a.strides.end(), {sam, va.strides[kx]});
  mm.b.dims.insert(mm.b.dims.end(), {K, N});
  mm.b.strides.insert(mm.b.strides.end(), {vb.strides[kx], sbn});
  mm.c.dims.insert(mm.c.dims.end(), {M, N});
  mm.c.strides.insert(mm.c.strides.end(), {scm, scn});
  for (MatmulOperand* o : {&mm.a, &mm.b, &mm.c}) fix_unit_strides(o->dims, o->strides);
  mm.summary = "batch " + std::to_string(batch) + ", M " + std::to_string(M) + " N " + std::to_string(N) + " K " +
               std::to_string(K) + (split > 1 ? ", K split in " + std::to_string(split) : "") +
               (mm.out.direct ? ", stored directly" : ", into a temp") +
               (mm.out.epilogue ? ", then an epilogue" : "");
  return mm;
}

}  // namespace tg::onednn
