// render(): validates a program, picks a strategy and writes the kernel around the nodes.
//   elementwise      no REDUCE: one work-item per output element
//   reduce-per-item  one work-item per output, looping over the reduced axes in index order
//                    (bit-identical to the reference; best when there are many outputs)
//   reduce-group     one work-group per output: work-items share the reduced points, then add
//                    their partials in local memory (large reductions into few outputs)
//   reduce-split     two kernels (targets with two_pass): several work-groups per output write
//                    partials to a scratch buffer, a second kernel adds them (a full reduction
//                    of a big tensor into one value would otherwise run on one group: one core)
//   matmul           the tiled fast path (matmul.cpp), tried first
#include <algorithm>
#include <cstdio>

#include "emit.hpp"

namespace tg::render {

using tg::sdk::Failure;

namespace detail {

// "tgk_" + the program's name made an identifier. Helpers, types and macros of the kernel
// source all start with "tg_" or "TG_", and locals with neither, so a program named "idiv i8"
// gives tgk_idiv_i8, never the helper tg_idiv_i8.
std::string entry_name(const tg_kir_program& p) {
  std::string name = "tgk_";
  for (const char* c = p.name ? p.name : ""; *c && name.size() < 48; ++c) {
    const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
    name += ok ? *c : '_';
  }
  return name.size() > 4 ? name : "tgk_kernel";
}

void open_entry(Ctx& ctx, const std::string& name, const uint32_t local[3], bool scratch) {
  const Dialect& d = ctx.d;
  std::string params;
  for (uint32_t q = 0; q < ctx.p.n_params; ++q) {
    const tg_kir_param& param = ctx.p.params[q];
    const bool read = param.access == TG_PARAM_READ;
    // Written params may alias each other (the ABI only keeps them apart from read ones), so
    // only read params are restrict.
    params += std::string(q ? ", " : "") + d.global_ptr + (read ? "const " : "") + mem_type(param.dtype) + "* " +
              (read ? std::string(d.restrict_kw) + " " : "") + "p" + std::to_string(q);
  }
  if (d.offset_args)
    for (uint32_t q = 0; q < ctx.p.n_params; ++q) params += (params.empty() ? "" : ", ") + std::string("tg_u64 o") + std::to_string(q);
  if (scratch) params += (params.empty() ? "" : ", ") + std::string(d.global_ptr) + "tg_u8* scratch";
  for (uint32_t k = 0; k < tg::sdk::scalar_arg_count(ctx.p); ++k)
    params += (params.empty() ? "" : ", ") + std::string(scalar_arg_type(ctx.p.nodes[ctx.p.scalar_args[k]].dtype)) + " s" +
              std::to_string(k);
  char attr[160];
  std::snprintf(attr, sizeof attr, d.reqd_local_size, local[0], local[1], local[2]);
  ctx.code.open(std::string(d.kernel_qualifier) + " " + attr + " void " + name + "(" + params + ")");
  if (d.offset_args)
    for (uint32_t q = 0; q < ctx.p.n_params; ++q) ctx.code.line("p" + std::to_string(q) + " += o" + std::to_string(q) + ";");
}

void decompose(Ctx& ctx, const std::string& linear, const std::vector<uint32_t>& axes, const char* prefix,
               Coords& at) {
  const std::string it = ctx.index_type;
  std::vector<uint32_t> live;
  for (uint32_t a : axes) {
    if (ctx.p.shape[a] == 1) at.c[a] = "0";
    else live.push_back(a);
  }
  if (live.empty()) return;
  const std::string rest = std::string(prefix) + "_rest";
  ctx.code.line(it + " " + rest + " = (" + it + ")(" + linear + ");");
  for (size_t k = live.size(); k-- > 0;) {
    const uint32_t a = live[k];
    const std::string c = prefix + std::to_string(a), s = std::to_string(ctx.p.shape[a]);
    at.c[a] = c;
    if (k == 0) {
      ctx.code.line("const " + it + " " + c + " = " + rest + ";");
    } else {
      ctx.code.line("const " + it + " " + c + " = " + rest + " % " + s + ";");
      ctx.code.line(rest + " = " + rest + " / " + s + ";");
    }
  }
}

}  // namespace detail

namespace {

using namespace detail;

std::string global_id(const Dialect& d, int dim) { return subst(d.global_id, d.dim_names[dim]); }
std::string local_id(const Dialect& d, int dim) { return subst(d.local_id, d.dim_names[dim]); }
std::string group_id(const Dialect& d, int dim) { return subst(d.group_id, d.dim_names[dim]); }

uint64_t round_up(uint64_t n, uint64_t m) { return (n + m - 1) / m * m; }

// Largest power of two <= n (n >= 1).
uint32_t floor_pow2(uint64_t n) {
  uint32_t p = 1;
  while (p * 2ull <= n && p < (1u << 30)) p *= 2;
  return p;
}

// Work-items per group for one-item-per-output kernels.
// CPU drivers run a work-group as one task: large groups keep the per-group overhead small.
uint32_t flat_local_size(const Target& t) { return std::min<uint32_t>(t.cpu ? 1024 : 256, floor_pow2(t.max_local_size)); }

// Accumulator `j` of REDUCE r: "acc<r>" when there is one, "acc<r>_<j>" when a loop keeps
// several (independent chains, so a CPU overlaps their latencies).
std::string acc_name(uint32_t r, int j = -1) {
  return "acc" + std::to_string(r) + (j < 0 ? "" : "_" + std::to_string(j));
}

// Accumulators of every REDUCE of one level, declared and started.
void start_accumulators(Ctx& ctx, const std::vector<uint32_t>& roots, int j = -1) {
  for (uint32_t r : roots) {
    const tg_kir_node& n = ctx.p.nodes[r];
    ctx.code.line(std::string(acc_type(n.dtype)) + " " + acc_name(r, j) + " = " + reduce_identity(n.reduce_op, n.dtype) + ";");
  }
}

void step_accumulators(Ctx& ctx, Body& body, const std::vector<uint32_t>& roots, int j = -1) {
  for (uint32_t r : roots) {
    const tg_kir_node& n = ctx.p.nodes[r];
    const std::string acc = acc_name(r, j);
    ctx.code.line(acc + " = " + reduce_step(ctx.helpers, n.reduce_op, n.dtype, acc, body.value(n.src[0])) + ";");
  }
}

// float16/bfloat16 sums were kept in float: round once, at the end.
void finish_accumulators(Ctx& ctx, const std::vector<uint32_t>& roots) {
  for (uint32_t r : roots) {
    const tg_kir_node& n = ctx.p.nodes[r];
    const std::string acc = acc_name(r);
    if (is_narrow_float(n.dtype)) ctx.code.line(acc + " = " + reduce_finish(ctx.helpers, n.dtype, acc) + ";");
  }
}

void render_flat(Ctx& ctx, const Plan& plan, Kernel& k) {
  uint32_t local = flat_local_size(ctx.t);
  // A group size that divides the outputs needs no bounds check (a branch there makes CPU
  // drivers give up vectorizing: 3-4x slower on PoCL).
  for (uint32_t l = local; l >= 32; l /= 2)
    if (ctx.info.out_numel % l == 0) {
      local = l;
      break;
    }
  const bool exact = ctx.info.out_numel % local == 0;
  const uint32_t local3[3] = {local, 1, 1};
  k.strategy = ctx.info.has_reduce ? "reduce-per-item" : "elementwise";
  k.launch.global[0] = ctx.info.out_numel == 0 ? 0 : round_up(static_cast<uint64_t>(ctx.info.out_numel), local);
  k.launch.local[0] = local;
  open_entry(ctx, k.entry, local3);
  // Otherwise the work-items past the end redo the last output, writing the same values: no
  // branch, and every access stays inside the params.
  // A SCATTER_ADD's adds are not idempotent: there, those work-items return instead.
  bool adds = false;
  for (uint32_t i = 0; i < ctx.p.n_nodes; ++i) adds = adds || ctx.p.nodes[i].op == TG_KIR_SCATTER_ADD;
  const std::string last = std::to_string(std::max<int64_t>(ctx.info.out_numel - 1, 0));
  if (!exact && adds) {
    ctx.code.line("const tg_i64 gid = " + global_id(ctx.d, 0) + ";");
    ctx.code.line("if (gid > " + last + ") return;");
  } else {
    ctx.code.line(exact ? "const tg_i64 gid = " + global_id(ctx.d, 0) + ";"
                        : "const tg_i64 gid = min((tg_i64)" + global_id(ctx.d, 0) + ", (tg_i64)" + last + ");");
  }
  Coords at;
  for (auto& c : at.c) c = "0";
  decompose(ctx, "gid", ctx.out_axes, "c", at);
  Body body(ctx.p, ctx.t, ctx.helpers, ctx.code, ctx.index_type);
  for (size_t lv = 0; lv < plan.reduce_roots.size(); ++lv) {
    start_accumulators(ctx, plan.reduce_roots[lv]);
    Coords full = at;
    int loops = 0;
    for (uint32_t a : ctx.red_axes) {
      if (ctx.p.shape[a] == 1) continue;
      const std::string r = "r" + std::to_string(a);
      ctx.code.open("for (" + std::string(ctx.index_type) + " " + r + " = 0; " + r + " < " + std::to_string(ctx.p.shape[a]) +
                    "; ++" + r + ")");
      full.c[a] = r;
      ++loops;
    }
    if (loops == 0) ctx.code.open("");
    body.emit(plan.reduce_nodes[lv], full);
    step_accumulators(ctx, body, plan.reduce_roots[lv]);
    for (int i = 0; i < std::max(loops, 1); ++i) ctx.code.close();
    finish_accumulators(ctx, plan.reduce_roots[lv]);
  }
  body.emit(plan.output_nodes, at);
  ctx.code.close();
}

// A reduction's partial results in local memory (the group's tree) and in the scratch buffer
// (a split's partials) are stored as this type: bool as a byte (no bool arrays in OpenCL C).
const char* part_type(uint32_t dtype) { return dtype == TG_DTYPE_BOOL ? "tg_u8" : acc_type(dtype); }
uint64_t part_size(uint32_t dtype) {
  if (dtype == TG_DTYPE_BOOL) return 1;
  return is_narrow_float(dtype) ? 4 : tg::sdk::dtype_size(dtype);
}

// Where each REDUCE root's partials start in the scratch buffer: out_numel * split of them each.
struct ScratchLayout {
  std::vector<uint64_t> offset;  // per root, in bytes (8-aligned)
  uint64_t bytes = 0;
};

ScratchLayout scratch_layout(const Ctx& ctx, const std::vector<uint32_t>& roots, uint32_t split) {
  ScratchLayout l;
  for (uint32_t r : roots) {
    l.offset.push_back(l.bytes);
    l.bytes += (static_cast<uint64_t>(ctx.info.out_numel) * split * part_size(ctx.p.nodes[r].dtype) + 7) / 8 * 8;
  }
  return l;
}

std::string scratch_at(const Ctx& ctx, uint32_t dtype, uint64_t offset, const std::string& index) {
  return "((" + std::string(ctx.d.global_ptr) + part_type(dtype) + "*)(scratch + " + std::to_string(offset) + "))[" + index + "]";
}

// One level's reduced points of this work-item added into its accumulators. CPUs: each work-item
// takes a contiguous run of points (a CPU driver runs a group's work-items one after another, so
// striding by the group size would read every cache line `local` times) and keeps 8 accumulators.
// GPUs: work-items stride by the group size (neighbours read neighbouring elements).
void accumulate_share(Ctx& ctx, Body& body, const std::vector<uint32_t>& nodes, const std::vector<uint32_t>& roots,
                      const Coords& at, uint32_t local, uint32_t split) {
  const int64_t chunk = (ctx.red_numel + split - 1) / split;  // points per group
  const std::string first = split > 1 ? "part * " + std::to_string(chunk) : "0";
  const std::string numel = "(tg_i64)" + std::to_string(ctx.red_numel);
  const std::string end = split > 1 ? "min(" + first + " + " + std::to_string(chunk) + ", " + numel + ")" : numel;
  auto point = [&](const std::string& linear, int j) {
    Coords full = at;
    decompose(ctx, linear, ctx.red_axes, "r", full);
    body.emit(nodes, full);
    step_accumulators(ctx, body, roots, j);
  };
  if (!ctx.t.cpu) {
    start_accumulators(ctx, roots);
    ctx.code.open("for (tg_i64 r = " + first + " + lid; r < " + end + "; r += " + std::to_string(local) + ")");
    point("r", -1);
    ctx.code.close();
    return;
  }
  constexpr int kChains = 8;
  for (int j = 0; j < kChains; ++j) start_accumulators(ctx, roots, j);
  const int64_t span = (chunk + local - 1) / local;  // points per work-item
  ctx.code.line("const tg_i64 lo = " + first + " + (tg_i64)lid * " + std::to_string(span) + ";");
  ctx.code.line("const tg_i64 hi = min(lo + " + std::to_string(span) + ", " + end + ");");
  ctx.code.line("tg_i64 r = lo;");
  ctx.code.open("for (; r + " + std::to_string(kChains) + " <= hi; r += " + std::to_string(kChains) + ")");
  for (int j = 0; j < kChains; ++j) {
    ctx.code.open("");
    point("r + " + std::to_string(j), j);
    ctx.code.close();
  }
  ctx.code.close();
  ctx.code.open("for (; r < hi; ++r)");
  point("r", 0);
  ctx.code.close();
  // The chains, added in a fixed tree: ((0+1)+(2+3))+((4+5)+(6+7)).
  for (uint32_t r : roots) {
    const tg_kir_node& n = ctx.p.nodes[r];
    for (int w = 1; w < kChains; w *= 2)
      for (int j = 0; j + w < kChains; j += 2 * w)
        ctx.code.line(acc_name(r, j) + " = " + reduce_step(ctx.helpers, n.reduce_op, n.dtype, acc_name(r, j), acc_name(r, j + w)) + ";");
    ctx.code.line(std::string(acc_type(n.dtype)) + " " + acc_name(r) + " = " + acc_name(r, 0) + ";");
  }
}

// Work-groups of `local` items; `split` of them per output (1: the group writes the output;
// more: each writes a partial to the scratch buffer, at `layout`, and render_split_finish adds
// them).
void render_group(Ctx& ctx, const Plan& plan, Kernel& k, uint32_t local, uint32_t split, const ScratchLayout& layout) {
  const uint32_t local3[3] = {local, 1, 1};
  k.strategy = split > 1 ? "reduce-split" : "reduce-group";
  k.launch.global[0] = ctx.info.out_numel == 0 ? 0 : static_cast<uint64_t>(ctx.info.out_numel) * split * local;
  k.launch.local[0] = local;
  open_entry(ctx, k.entry, local3, split > 1);
  // Local arrays must be declared at kernel scope (OpenCL); one per REDUCE.
  for (const auto& roots : plan.reduce_roots)
    for (uint32_t r : roots)
      ctx.code.line(std::string(ctx.d.local_decl) + part_type(ctx.p.nodes[r].dtype) + " part" + std::to_string(r) + "[" +
                    std::to_string(local) + "];");
  if (split > 1) {
    ctx.code.line("const tg_i64 grp = " + group_id(ctx.d, 0) + ";");
    ctx.code.line("const tg_i64 gid = grp / " + std::to_string(split) + ";");
    ctx.code.line("const tg_i64 part = grp % " + std::to_string(split) + ";");
  } else {
    ctx.code.line("const tg_i64 gid = " + group_id(ctx.d, 0) + ";");
  }
  ctx.code.line("const int lid = (int)" + local_id(ctx.d, 0) + ";");
  Coords at;
  for (auto& c : at.c) c = "0";
  decompose(ctx, "gid", ctx.out_axes, "c", at);
  Body body(ctx.p, ctx.t, ctx.helpers, ctx.code, ctx.index_type);
  for (size_t lv = 0; lv < plan.reduce_roots.size(); ++lv) {
    const auto& roots = plan.reduce_roots[lv];
    ctx.code.open("");  // the level's loop variables
    accumulate_share(ctx, body, plan.reduce_nodes[lv], roots, at, local, split);
    // Tree: partials of work-items lid and lid + w combine, halving w.
    for (uint32_t r : roots) ctx.code.line("part" + std::to_string(r) + "[lid] = " + acc_name(r) + ";");
    ctx.code.close();
    ctx.code.line(ctx.d.barrier);
    ctx.code.open("for (int w = " + std::to_string(local / 2) + "; w > 0; w >>= 1)");
    ctx.code.open("if (lid < w)");
    for (uint32_t r : roots) {
      const tg_kir_node& n = ctx.p.nodes[r];
      const std::string part = "part" + std::to_string(r);
      std::string a = part + "[lid]", b = part + "[lid + w]";
      ctx.code.line(part + "[lid] = " + reduce_step(ctx.helpers, n.reduce_op, n.dtype, a, b) + ";");
    }
    ctx.code.close();
    ctx.code.line(ctx.d.barrier);
    ctx.code.close();
    for (uint32_t r : roots) {
      const tg_kir_node& n = ctx.p.nodes[r];
      const std::string part0 = "part" + std::to_string(r) + "[0]";
      ctx.code.line(std::string(acc_type(n.dtype)) + " " + acc_name(r) + " = " +
                    (n.dtype == TG_DTYPE_BOOL ? "(" + part0 + " != 0)" : part0) + ";");
    }
    if (split == 1) finish_accumulators(ctx, roots);
  }
  ctx.code.open("if (lid == 0)");
  if (split == 1) {
    body.emit(plan.output_nodes, at);
  } else {
    for (size_t i = 0; i < plan.reduce_roots[0].size(); ++i) {
      const uint32_t r = plan.reduce_roots[0][i];
      ctx.code.line(scratch_at(ctx, ctx.p.nodes[r].dtype, layout.offset[i], "grp") + " = " + acc_name(r) + ";");
    }
  }
  ctx.code.close();
  ctx.code.close();
}

// The second kernel of a split: one work-item per output adds its `split` partials in order,
// then evaluates the outputs.
void render_split_finish(Ctx& ctx, const Plan& plan, Kernel& k, uint32_t split, const ScratchLayout& layout) {
  const uint32_t local = std::min<uint32_t>(64, floor_pow2(static_cast<uint64_t>(ctx.info.out_numel)));
  const uint32_t local3[3] = {local, 1, 1};
  k.finish_entry = k.entry + "_finish";
  k.finish_launch.global[0] = round_up(static_cast<uint64_t>(ctx.info.out_numel), local);
  k.finish_launch.local[0] = local;
  open_entry(ctx, k.finish_entry, local3, true);
  // Work-items past the end redo the last output (as render_flat does).
  ctx.code.line("const tg_i64 gid = min((tg_i64)" + global_id(ctx.d, 0) + ", (tg_i64)" + std::to_string(ctx.info.out_numel - 1) + ");");
  Coords at;
  for (auto& c : at.c) c = "0";
  decompose(ctx, "gid", ctx.out_axes, "c", at);
  const auto& roots = plan.reduce_roots[0];
  start_accumulators(ctx, roots);
  ctx.code.open("for (int g = 0; g < " + std::to_string(split) + "; ++g)");
  for (size_t i = 0; i < roots.size(); ++i) {
    const tg_kir_node& n = ctx.p.nodes[roots[i]];
    std::string v = scratch_at(ctx, n.dtype, layout.offset[i], "gid * " + std::to_string(split) + " + g");
    if (n.dtype == TG_DTYPE_BOOL) v = "(" + v + " != 0)";
    ctx.code.line(acc_name(roots[i]) + " = " + reduce_step(ctx.helpers, n.reduce_op, n.dtype, acc_name(roots[i]), v) + ";");
  }
  ctx.code.close();
  finish_accumulators(ctx, roots);
  Body body(ctx.p, ctx.t, ctx.helpers, ctx.code, ctx.index_type);
  body.emit(plan.output_nodes, at);
  ctx.code.close();
}

// Work-items per group for the group strategy, or 0 to use one work-item per output.
// A work-group per output pays when the reduction is long and there are too few outputs to keep
// the device busy with one work-item each.
uint32_t group_size(const Ctx& ctx) {
  if (!ctx.info.has_reduce || ctx.red_numel < 256) return 0;
  const int64_t busy = static_cast<int64_t>(ctx.t.compute_units) * (ctx.t.cpu ? 64 : 2048);
  if (ctx.info.out_numel >= busy) return 0;
  uint32_t local = std::min<uint32_t>(ctx.t.cpu ? 64 : 256, floor_pow2(ctx.t.max_local_size));
  // Every REDUCE of the program holds `local` partials in local memory at once.
  uint64_t bytes_per_item = 0;
  for (uint32_t i = 0; i < ctx.p.n_nodes; ++i)
    if (ctx.p.nodes[i].op == TG_KIR_REDUCE) bytes_per_item += 8;
  while (local > 1 && local * bytes_per_item > ctx.t.local_mem_bytes) local /= 2;
  return local >= 16 ? local : 0;
}

// Work-groups per output: more than one (a two-pass reduction) when there are too few outputs to
// give every compute unit several groups, and each work-item still gets a long run of points.
// Only for one level of REDUCEs (a nested one needs the whole first level before it starts).
uint32_t split_count(const Ctx& ctx, const Plan& plan, uint32_t local) {
  if (!ctx.t.two_pass || plan.reduce_roots.size() != 1) return 1;
  const int64_t want_groups = static_cast<int64_t>(ctx.t.compute_units) * 8;
  const int64_t by_outputs = want_groups / std::max<int64_t>(ctx.info.out_numel, 1);
  const int64_t by_length = ctx.red_numel / (static_cast<int64_t>(local) * 64);
  const int64_t split = std::min<int64_t>({by_outputs, by_length, 4096});
  return split >= 2 ? static_cast<uint32_t>(split) : 1;
}

}  // namespace

Kernel render(const tg_kir_program& program, const Target& target) {
  if (!target.dialect) throw Failure(TG_ERR_INVALID_ARGUMENT, "render: the target has no dialect");
  const tg::sdk::ProgramInfo info = tg::sdk::check_program(program, false, true);
  const Dialect& d = *target.dialect;
  for (uint32_t i = 0; i < program.n_nodes; ++i) {
    const uint32_t dt = program.nodes[i].dtype;
    if (program.nodes[i].op == TG_KIR_SCATTER_ADD && dt != TG_DTYPE_FLOAT32 && dt != TG_DTYPE_INT32)
      throw Failure(TG_ERR_UNSUPPORTED, "render: SCATTER_ADD of " + std::string(tg::sdk::dtype_name(dt)) +
                                            " has no atomic add here (float32 and int32 do)");
  }

  Kernel k;
  k.entry = entry_name(program);
  for (uint32_t j = 0; j < tg::sdk::scalar_arg_count(program); ++j)
    k.scalar_dtypes.push_back(program.nodes[program.scalar_args[j]].dtype);
  for (uint32_t i = 0; i < program.n_nodes; ++i)
    k.uses_fp64 = k.uses_fp64 || program.nodes[i].dtype == TG_DTYPE_FLOAT64;
  for (uint32_t q = 0; q < program.n_params; ++q)
    k.uses_fp64 = k.uses_fp64 || program.params[q].dtype == TG_DTYPE_FLOAT64;
  if (k.uses_fp64 && !target.fp64)
    throw Failure(TG_ERR_UNSUPPORTED, "render: tg.kir program '" + std::string(program.name ? program.name : "") +
                                          "' uses float64, which this " + d.name + " device does not support (no cl_khr_fp64)");

  Helpers helpers(d);
  Code code;
  Ctx ctx{program, info, target, d, helpers, code, {}, {}, 1, pick_index_type(program)};
  for (uint32_t a = 0; a < program.ndim; ++a) {
    if ((info.reduce_axes >> a) & 1u) {
      ctx.red_axes.push_back(a);
      // Overflows only where an output axis is 0 (check_program bounds the whole space), and
      // then nothing runs.
      if (__builtin_mul_overflow(ctx.red_numel, program.shape[a], &ctx.red_numel)) ctx.red_numel = 0;
    } else {
      ctx.out_axes.push_back(a);
    }
  }
  if (info.out_numel == 0) ctx.red_numel = 0;

  if (!render_matmul(ctx, k)) {
    const Plan p = plan(program);
    const uint32_t group = group_size(ctx);
    const uint32_t split = group ? split_count(ctx, p, group) : 1;
    // The partials' places in the scratch buffer: what the two kernels of a split agree on.
    const ScratchLayout layout = split > 1 ? scratch_layout(ctx, p.reduce_roots[0], split) : ScratchLayout{};
    k.scratch_bytes = layout.bytes;
    if (group) render_group(ctx, p, k, group, split, layout);
    else render_flat(ctx, p, k);
    if (split > 1) render_split_finish(ctx, p, k, split, layout);
  }
  k.source = std::string("// tg.kir program '") + (program.name ? program.name : "") + "', " + k.strategy + "\n" +
             d.header + (k.uses_fp64 ? d.fp64_header : "") + helpers.text() + code.str();
  return k;
}

}  // namespace tg::render
