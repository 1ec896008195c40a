// The matmul fast path: REDUCE(SUM) over one axis k of MUL(LOAD A, LOAD B), where some output
// axis m is reached by A only and some axis n by B only (the other output axes are batch axes),
// followed by any elementwise epilogue and STOREs. Two kernels: on GPUs (render_tiled) a work-group
// computes a BM x BN tile of outputs, staging BK-deep slices of A and B in local memory; each
// work-item keeps TM x TN accumulators in registers.
//
// Exactness: each accumulator adds a[m,k] * b[k,n] for k = 0, 1, ... in order, as the reference
// does, and the zero-filled tile tail adds 0 * 0; with contraction off the results are
// bit-identical to the reference's.
//
// Work-item (tx, ty) owns rows m0 + ty + i*LY and columns n0 + tx + j*LX: neighbouring
// work-items touch neighbouring columns, so GPUs coalesce and CPU drivers that vectorize across
// work-items (PoCL) get contiguous vector loads of B and C.
#include <algorithm>
#include <cstdlib>

#include "emit.hpp"

namespace tg::render::detail {

namespace {

struct Match {
  uint32_t reduce = 0, a = 0, b = 0;  // the REDUCE and its two LOADs
  uint32_t k = 0, m = 0, n = 0;       // axes
  std::vector<uint32_t> batch;
};

bool unmasked_load(const tg_kir_program& p, int32_t i) {
  return i >= 0 && p.nodes[i].op == TG_KIR_LOAD && !p.views[p.nodes[i].view].has_mask;
}

bool match(const Ctx& ctx, Match& m) {
  const tg_kir_program& p = ctx.p;
  if (!ctx.info.has_reduce || ctx.red_axes.size() != 1) return false;
  int reduces = 0;
  for (uint32_t i = 0; i < p.n_nodes; ++i)
    if (p.nodes[i].op == TG_KIR_REDUCE) {
      ++reduces;
      m.reduce = i;
    }
  const tg_kir_node& r = p.nodes[m.reduce];
  if (reduces != 1 || r.reduce_op != TG_REDUCE_SUM) return false;
  if (r.dtype != TG_DTYPE_FLOAT32 && r.dtype != TG_DTYPE_FLOAT64) return false;
  const tg_kir_node& mul = p.nodes[r.src[0]];
  if (mul.op != TG_KIR_MUL || !unmasked_load(p, mul.src[0]) || !unmasked_load(p, mul.src[1])) return false;
  m.a = static_cast<uint32_t>(mul.src[0]);
  m.b = static_cast<uint32_t>(mul.src[1]);
  m.k = ctx.red_axes[0];
  const tg_kir_view& va = p.views[p.nodes[m.a].view];
  const tg_kir_view& vb = p.views[p.nodes[m.b].view];
  // The innermost axis each operand reaches alone.
  bool have_m = false, have_n = false;
  for (uint32_t x : ctx.out_axes) {
    if (p.shape[x] < 2) continue;
    if (va.strides[x] != 0 && vb.strides[x] == 0) m.m = x, have_m = true;
    if (vb.strides[x] != 0 && va.strides[x] == 0) m.n = x, have_n = true;
  }
  if (!have_m || !have_n) return false;
  const int64_t M = p.shape[m.m], N = p.shape[m.n], K = p.shape[m.k];
  // Small products run faster without tiles and barriers.
  if (M < 16 || N < 16 || K < 8 || M * N < 4096) return false;
  for (uint32_t x : ctx.out_axes)
    if (x != m.m && x != m.n) m.batch.push_back(x);
  return true;
}

struct Tiles {
  uint32_t lx, ly, tm, tn, bk;
};

Tiles pick_tiles(const Target& t, uint32_t elem) {
  Tiles s = t.cpu ? Tiles{8, 8, 4, 4, 32} : Tiles{16, 16, 4, 4, 16};
  while (s.lx * s.ly > t.max_local_size && s.ly > 1) s.ly /= 2;
  while (s.lx * s.ly > t.max_local_size && s.lx > 1) s.lx /= 2;
  while ((uint64_t{s.ly} * s.tm + uint64_t{s.lx} * s.tn) * s.bk * elem > t.local_mem_bytes && s.bk > 1) s.bk /= 2;
  return s;
}

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace

namespace {

void render_tiled(Ctx& ctx, const Match& mt, Kernel& out) {
  const tg_kir_program& p = ctx.p;
  const uint32_t dt = p.nodes[mt.reduce].dtype;
  const std::string T = reg_type(dt);
  const Tiles s = pick_tiles(ctx.t, static_cast<uint32_t>(tg::sdk::dtype_size(dt)));
  const uint32_t bm = s.ly * s.tm, bn = s.lx * s.tn, threads = s.lx * s.ly;
  const int64_t M = p.shape[mt.m], N = p.shape[mt.n], K = p.shape[mt.k];
  int64_t batch = 1;
  for (uint32_t x : mt.batch) batch *= p.shape[x];

  out.strategy = "matmul";
  out.launch.dims = 3;
  out.launch.global[0] = ceil_div(N, bn) * s.lx;
  out.launch.global[1] = ceil_div(M, bm) * s.ly;
  out.launch.global[2] = ctx.info.out_numel == 0 ? 0 : static_cast<uint64_t>(batch);
  if (ctx.info.out_numel == 0) out.launch.global[0] = 0;
  out.launch.local[0] = s.lx;
  out.launch.local[1] = s.ly;
  out.launch.local[2] = 1;

  Code& c = ctx.code;
  const Dialect& d = ctx.d;
  const uint32_t local3[3] = {s.lx, s.ly, 1};
  open_entry(ctx, out.entry, local3);
  const std::string BM = std::to_string(bm), BN = std::to_string(bn), BK = std::to_string(s.bk);
  c.line(std::string(d.local_decl) + T + " As[" + BK + " * " + BM + "];");
  c.line(std::string(d.local_decl) + T + " Bs[" + BK + " * " + BN + "];");
  c.line("const int tx = (int)" + subst(d.local_id, d.dim_names[0]) + ", ty = (int)" + subst(d.local_id, d.dim_names[1]) + ";");
  c.line("const int tid = ty * " + std::to_string(s.lx) + " + tx;");
  c.line("const int n0 = (int)" + subst(d.group_id, d.dim_names[0]) + " * " + BN + ";");
  c.line("const int m0 = (int)" + subst(d.group_id, d.dim_names[1]) + " * " + BM + ";");
  Coords at;
  for (auto& x : at.c) x = "0";
  decompose(ctx, subst(d.group_id, d.dim_names[2]), mt.batch, "c", at);
  c.line(T + " accs[" + std::to_string(s.tm) + "][" + std::to_string(s.tn) + "];");
  c.line("for (int i = 0; i < " + std::to_string(s.tm) + "; ++i) for (int j = 0; j < " + std::to_string(s.tn) +
         "; ++j) accs[i][j] = " + reduce_identity(TG_REDUCE_SUM, dt) + ";");

  Body body(p, ctx.t, ctx.helpers, c, ctx.index_type);
  const std::string it = ctx.index_type;
  // Stages one operand's BK x B<rows> slice: element e of the slice walks the operand's smaller
  // stride first, so consecutive work-items read consecutive memory.
  auto stage = [&](uint32_t load, uint32_t axis, int64_t extent, const std::string& base, uint32_t rows,
                   const std::string& tile) {
    const tg_kir_node& n = p.nodes[load];
    const tg_kir_view& v = p.views[n.view];
    const bool k_fast = std::llabs(v.strides[mt.k]) <= std::llabs(v.strides[axis]);
    const std::string R = std::to_string(rows);
    c.open("for (int e = tid; e < " + BK + " * " + R + "; e += " + std::to_string(threads) + ")");
    c.line(k_fast ? "const int kk = e % " + BK + ", rr = e / " + BK + ";" : "const int rr = e % " + R + ", kk = e / " + R + ";");
    Coords tc = at;
    tc.c[mt.k] = "((" + it + ")(k0 + kk))";
    tc.c[axis] = "((" + it + ")(" + base + " + rr))";
    const std::string src = "p" + std::to_string(n.param) + "[" + body.index(v, tc) + "]";
    c.line(tile + "[kk * " + R + " + rr] = (" + base + " + rr < " + std::to_string(extent) + " && k0 + kk < " +
           std::to_string(K) + ") ? " + src + " : " + reduce_identity(TG_REDUCE_SUM, dt) + ";");
    c.close();
  };
  c.open("for (int k0 = 0; k0 < " + std::to_string(K) + "; k0 += " + BK + ")");
  stage(mt.a, mt.m, M, "m0", bm, "As");
  stage(mt.b, mt.n, N, "n0", bn, "Bs");
  c.line(d.barrier);
  c.open("for (int kk = 0; kk < " + BK + "; ++kk)");
  c.line(T + " a[" + std::to_string(s.tm) + "], b[" + std::to_string(s.tn) + "];");
  c.line("for (int i = 0; i < " + std::to_string(s.tm) + "; ++i) a[i] = As[kk * " + BM + " + ty + i * " +
         std::to_string(s.ly) + "];");
  c.line("for (int j = 0; j < " + std::to_string(s.tn) + "; ++j) b[j] = Bs[kk * " + BN + " + tx + j * " +
         std::to_string(s.lx) + "];");
  // The operands in program order: MUL(a, b) or MUL(b, a) round the same, but keep it literal.
  const bool a_first = static_cast<uint32_t>(p.nodes[p.nodes[mt.reduce].src[0]].src[0]) == mt.a;
  c.line("for (int i = 0; i < " + std::to_string(s.tm) + "; ++i) for (int j = 0; j < " + std::to_string(s.tn) +
         "; ++j) accs[i][j] = accs[i][j] + " + (a_first ? "a[i] * b[j]" : "b[j] * a[i]") + ";");
  c.close();
  c.line(d.barrier);
  c.close();

  // The epilogue: every owned output inside the matrix runs the program's output nodes.
  c.open("for (int i = 0; i < " + std::to_string(s.tm) + "; ++i)");
  c.open("for (int j = 0; j < " + std::to_string(s.tn) + "; ++j)");
  c.line("const " + it + " cm = m0 + ty + i * " + std::to_string(s.ly) + ", cn = n0 + tx + j * " + std::to_string(s.lx) + ";");
  c.line("if (cm >= " + std::to_string(M) + " || cn >= " + std::to_string(N) + ") continue;");
  c.line("const " + T + " acc" + std::to_string(mt.reduce) + " = accs[i][j];");
  at.c[mt.m] = "cm";
  at.c[mt.n] = "cn";
  body.emit(plan(p).output_nodes, at);
  c.close();
  c.close();
  c.close();
}

// The CPU kernel: no local memory and no barriers (a CPU's caches do that job, and barriers
// make CPU drivers spill registers); each work-item keeps a TM x 16 block in float8 registers,
// loading 16 consecutive columns of B as vectors and broadcasting one element of A per row.
// Rows and columns past the matrix are clamped to the last one (valid memory) and not stored.
void render_cpu(Ctx& ctx, const Match& mt, Kernel& out) {
  const tg_kir_program& p = ctx.p;
  const uint32_t dt = p.nodes[mt.reduce].dtype;
  const std::string T = reg_type(dt), T8 = T + "8", it = ctx.index_type;
  constexpr uint32_t lx = 4, ly = 8, tm = 4, tn = 16;
  const int64_t M = p.shape[mt.m], N = p.shape[mt.n], K = p.shape[mt.k];
  int64_t batch = 1;
  for (uint32_t x : mt.batch) batch *= p.shape[x];
  out.strategy = "matmul";
  out.launch.dims = 3;
  out.launch.global[0] = ctx.info.out_numel == 0 ? 0 : ceil_div(N, lx * tn) * lx;
  out.launch.global[1] = ceil_div(M, ly * tm) * ly;
  out.launch.global[2] = static_cast<uint64_t>(batch);
  out.launch.local[0] = lx;
  out.launch.local[1] = ly;

  Code& c = ctx.code;
  const Dialect& d = ctx.d;
  const uint32_t local3[3] = {lx, ly, 1};
  open_entry(ctx, out.entry, local3);
  c.line("const " + it + " n = (" + it + ")" + subst(d.group_id, d.dim_names[0]) + " * " + std::to_string(lx * tn) +
         " + (" + it + ")" + subst(d.local_id, d.dim_names[0]) + " * " + std::to_string(tn) + ";");
  c.line("const " + it + " m = (" + it + ")" + subst(d.group_id, d.dim_names[1]) + " * " + std::to_string(ly * tm) +
         " + (" + it + ")" + subst(d.local_id, d.dim_names[1]) + " * " + std::to_string(tm) + ";");
  c.line("if (n >= " + std::to_string(N) + " || m >= " + std::to_string(M) + ") return;");
  Coords at;
  for (auto& x : at.c) x = "0";
  decompose(ctx, subst(d.group_id, d.dim_names[2]), mt.batch, "c", at);
  for (uint32_t i = 0; i < tm; ++i)
    c.line("const " + it + " row" + std::to_string(i) + " = min(m + " + std::to_string(i) + ", (" + it + ")" +
           std::to_string(M - 1) + ");");
  std::string decl;
  for (uint32_t i = 0; i < tm; ++i)
    for (uint32_t v = 0; v < tn / 8; ++v) decl += std::string(decl.empty() ? "" : ", ") + "c" + std::to_string(i) + "_" + std::to_string(v) + " = 0";
  c.line(T8 + " " + decl + ";");

  Body body(p, ctx.t, ctx.helpers, c, ctx.index_type);
  const tg_kir_node& na = p.nodes[mt.a];
  const tg_kir_node& nb = p.nodes[mt.b];
  const tg_kir_view& va = p.views[na.view];
  const tg_kir_view& vb = p.views[nb.view];
  const std::string pa = "p" + std::to_string(na.param), pb = "p" + std::to_string(nb.param);
  const bool a_first = static_cast<uint32_t>(p.nodes[p.nodes[mt.reduce].src[0]].src[0]) == mt.a;
  // One k step: B's 16 columns as two vectors, then each row's A element times them.
  auto loop = [&](bool full) {
    c.open("for (" + it + " k = 0; k < " + std::to_string(K) + "; ++k)");
    for (uint32_t v = 0; v < tn / 8; ++v) {
      Coords bc = at;
      bc.c[mt.k] = "k";
      std::string lanes;
      if (full && vb.strides[mt.n] == 1) {
        bc.c[mt.n] = "(n + " + std::to_string(8 * v) + ")";
        c.line("const " + T8 + " b" + std::to_string(v) + " = vload8(0, " + pb + " + " + body.index(vb, bc) + ");");
        continue;
      }
      for (uint32_t l = 0; l < 8; ++l) {
        const std::string col = "(n + " + std::to_string(8 * v + l) + ")";
        bc.c[mt.n] = full ? col : "min(" + col + ", (" + it + ")" + std::to_string(N - 1) + ")";
        lanes += std::string(l ? ", " : "") + pb + "[" + body.index(vb, bc) + "]";
      }
      c.line("const " + T8 + " b" + std::to_string(v) + " = (" + T8 + ")(" + lanes + ");");
    }
    for (uint32_t i = 0; i < tm; ++i) {
      Coords ac = at;
      ac.c[mt.k] = "k";
      ac.c[mt.m] = "row" + std::to_string(i);
      std::string line = "{ const " + T + " x = " + pa + "[" + body.index(va, ac) + "];";
      for (uint32_t v = 0; v < tn / 8; ++v) {
        const std::string acc = "c" + std::to_string(i) + "_" + std::to_string(v), b = "b" + std::to_string(v);
        line += " " + acc + " = " + acc + " + " + (a_first ? "x * " + b : b + " * x") + ";";
      }
      c.line(line + " }");
    }
    c.close();
  };
  c.open("if (n + " + std::to_string(tn) + " <= " + std::to_string(N) + ")");
  loop(true);
  c.close();
  c.open("else");
  loop(false);
  c.close();

  // The epilogue, per owned output inside the matrix.
  c.line(T + " outs[" + std::to_string(tm) + "][" + std::to_string(tn) + "];");
  for (uint32_t i = 0; i < tm; ++i)
    for (uint32_t v = 0; v < tn / 8; ++v)
      c.line("vstore8(c" + std::to_string(i) + "_" + std::to_string(v) + ", 0, &outs[" + std::to_string(i) + "][" +
             std::to_string(8 * v) + "]);");
  c.open("for (int i = 0; i < " + std::to_string(tm) + "; ++i)");
  c.open("for (int j = 0; j < " + std::to_string(tn) + "; ++j)");
  c.line("const " + it + " cm = m + i, cn = n + j;");
  c.line("if (cm >= " + std::to_string(M) + " || cn >= " + std::to_string(N) + ") continue;");
  c.line("const " + T + " acc" + std::to_string(mt.reduce) + " = outs[i][j];");
  at.c[mt.m] = "cm";
  at.c[mt.n] = "cn";
  body.emit(plan(p).output_nodes, at);
  c.close();
  c.close();
  c.close();
}

}  // namespace

bool render_matmul(Ctx& ctx, Kernel& out) {
  Match mt;
  if (!match(ctx, mt)) return false;
  if (ctx.t.cpu && ctx.d.float8) render_cpu(ctx, mt, out);
  else render_tiled(ctx, mt, out);
  return true;
}

}  // namespace tg::render::detail
