// The CPU strategy's reduce kernels (cpu_loops.hpp): tasks over chunks of output indices, each
// reduce phase's accumulators, and reductions split across threads. Accumulators start, step and
// finish as the base renders them (values.cpp: reduce_identity, reduce_step, reduce_finish).
#include <algorithm>
#include <string>
#include <vector>

#include "cpu_loops.hpp"

namespace tg::render::detail::cpu {
namespace {

constexpr int kLanes = 32;  // independent accumulators of a reduction along the innermost dim
constexpr int64_t kReduceTaskWork = 8192;  // values a reduce kernel's task may reduce, at most, when grouped
constexpr int64_t kMinTasksPerThread = 16;
constexpr int64_t kUnrollReduceUpTo = 16;  // reductions of at most this many values are unrolled whole

}  // namespace

std::vector<uint32_t> Gen::phase_reduces(int phase) const {
  std::vector<uint32_t> r;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (p_.nodes[i].op == TG_KIR_REDUCE && depth_[i] == phase) r.push_back(i);
  return r;
}

// Declares the output coordinates of task `task`: all output dims but the chunked one by
// division, and [lo, hi) of the chunked one.
void Gen::emit_task_coords(const std::string& task, int64_t nch, int64_t ch) {
  if (chunk_dim_ < 0) return;
  line("int64_t rest = " + task + " / " + std::to_string(nch) + ";");
  line("const int64_t lo = (" + task + " % " + std::to_string(nch) + ") * " + std::to_string(ch) + ";");
  const int64_t csize = plan_.size[static_cast<size_t>(chunk_dim_)];
  line("const int64_t hi = lo + " + std::to_string(ch) + " < " + std::to_string(csize) + " ? lo + " +
       std::to_string(ch) + " : " + std::to_string(csize) + ";");
  for (size_t d = plan_.size.size(); d-- > 0;) {
    if (plan_.reduced[d] || static_cast<int>(d) == chunk_dim_ || grouped(d)) continue;
    line("const int64_t " + I(d) + " = rest % " + std::to_string(plan_.size[d]) + ";");
    line("rest /= " + std::to_string(plan_.size[d]) + ";");
  }
  line("(void)rest;");
}

CpuKernel Gen::run() {
  if (!info_.has_reduce) return run_elementwise();
  const size_t n = plan_.size.size();
  // Reduce nesting depth per node: phases run in that order.
  depth_.assign(p_.n_nodes, 0);
  for (uint32_t i = 0; i < p_.n_nodes; ++i) {
    const tg_kir_node& nd = p_.nodes[i];
    int d = 0;
    for (int k = 0; k < tg::sdk::op_arity(nd.op); ++k) d = std::max(d, depth_[static_cast<size_t>(nd.src[k])]);
    depth_[i] = nd.op == TG_KIR_REDUCE ? d + 1 : d;
    if (nd.op == TG_KIR_REDUCE) phases_ = std::max(phases_, depth_[i]);
  }
  for (size_t d = n; d-- > 0;)
    if (!plan_.reduced[d]) { chunk_dim_ = static_cast<int>(d); break; }
  const bool outputs_inner = n > 0 && !plan_.reduced[n - 1];  // the innermost dim is an output dim
  const int64_t ch = !info_.has_reduce ? 8192 : outputs_inner ? 64 : 16;
  loaded_condition_selects_ = info_.has_reduce && outputs_inner;
  const int64_t csize = chunk_dim_ >= 0 ? plan_.size[static_cast<size_t>(chunk_dim_)] : 1;
  const int64_t nch = chunk_dim_ >= 0 ? (csize + ch - 1) / ch : 1;
  const int64_t tasks = plan_.out_numel == 0 ? 0 : chunk_dim_ >= 0 ? plan_.out_numel / csize * nch : 1;
  int r0 = -1;  // the outermost reduced dim: a large reduction over few outputs is split along it
  for (size_t d = 0; d < n; ++d)
    if (plan_.reduced[d]) { r0 = static_cast<int>(d); break; }
  int64_t split = 1;
  if (phases_ == 1 && r0 >= 0 && tasks < 2 * threads_ && plan_.red_numel * plan_.out_numel >= (1 << 16)) {
    split = std::min<int64_t>(plan_.size[static_cast<size_t>(r0)], 4 * threads_);
  }
  const int64_t work = plan_.out_numel * std::max<int64_t>(plan_.red_numel, 1);
  // When the chunk dim fits in one chunk, a task also takes whole runs of the output dims just
  // outside it, up to about kReduceTaskWork values reduced, while every thread keeps at least
  // kMinTasksPerThread tasks: a 2x2 max pool over (128, 32, 26, 26) made 53248 tasks of one
  // 13-wide row each, whose call and setup cost more than their 52 loads (0.67 -> 0.58 ms with
  // whole 13 x 13 planes per task, standalone).
  int64_t group_tasks = tasks;
  if (split == 1 && chunk_dim_ >= 0 && nch == 1 && tasks > 0) {  // (tasks == 0: a dim of size 0)
    int64_t outputs = csize;
    for (int d = chunk_dim_ - 1; d >= 0; --d) {
      if (plan_.reduced[static_cast<size_t>(d)]) continue;
      const int64_t size = plan_.size[static_cast<size_t>(d)];
      if (outputs * size * std::max<int64_t>(plan_.red_numel, 1) > kReduceTaskWork ||
          group_tasks / size < kMinTasksPerThread * threads_)
        break;
      outputs *= size;
      group_tasks /= size;
      group_from_ = d;
    }
  }

  emit_prologue();
  const std::vector<uint32_t> first = phases_ ? phase_reduces(1) : std::vector<uint32_t>{};
  // A split reduction's partial results: one array per first-phase REDUCE, passed to both tasks.
  std::string partial_decl, partial_args;
  if (split > 1) {
    for (uint32_t k : first) {
      partial_decl += ", " + std::string(acc_type(p_.nodes[k].dtype)) + "* restrict P" + std::to_string(k);
      partial_args += ", P" + std::to_string(k);
    }
  }
  if (tasks > 0) {
    open_task("tg_task", partial_decl);
    line("const int64_t ot = t / " + std::to_string(split) + ", s = t % " + std::to_string(split) + ";");
    line("(void)s;");
    emit_task_coords("ot", nch, ch);
    if (r0 >= 0) {
      const std::string R = std::to_string(plan_.size[static_cast<size_t>(r0)]), S = std::to_string(split);
      line("const int64_t rlo = s * " + R + " / " + S + ", rhi = (s + 1) * " + R + " / " + S + ";");
    }
    int group_loops = 0;
    for (size_t d = 0; d < plan_.size.size(); ++d)
      if (grouped(d)) {
        open("for (int64_t " + I(d) + " = 0; " + I(d) + " < " + std::to_string(plan_.size[d]) + "; " + I(d) + "++)");
        ++group_loops;
      }
    for (int ph = 1; ph <= phases_; ++ph) {
      if (outputs_inner) emit_phase_outputs_inner(ph, split > 1);
      else emit_phase_reduce_inner(ph, split > 1);
    }
    if (split == 1) {
      if (outputs_inner || !info_.has_reduce) {
        if (chunk_dim_ >= 0) open("for (int64_t " + I(static_cast<size_t>(chunk_dim_)) + " = lo; " +
                                  I(static_cast<size_t>(chunk_dim_)) + " < hi; " + I(static_cast<size_t>(chunk_dim_)) + "++)");
        else open("");
        emit_output(Ctx{false, info_.has_reduce && chunk_dim_ >= 0});
        close();
      }
    }
    for (int g = 0; g < group_loops; ++g) close();
    close();
  }
  if (split > 1 && tasks > 0) {
    // Combines the partial results in order, then evaluates and stores the outputs.
    open_task("tg_combine", partial_decl);
    line("const int64_t ot = t;");
    emit_task_coords("ot", nch, ch);
    if (chunk_dim_ >= 0) open("for (int64_t " + I(static_cast<size_t>(chunk_dim_)) + " = lo; " +
                              I(static_cast<size_t>(chunk_dim_)) + " < hi; " + I(static_cast<size_t>(chunk_dim_)) + "++)");
    else open("");
    const std::string j = chunk_dim_ >= 0 ? I(static_cast<size_t>(chunk_dim_)) + " - lo" : "0";
    for (uint32_t k : first) {
      const tg_kir_node& nd = p_.nodes[k];
      const std::string a = "a" + std::to_string(k);
      line(std::string(acc_type(nd.dtype)) + " " + a + " = " + reduce_identity(nd.reduce_op, nd.dtype) + ";");
      line("for (int64_t s = 0; s < " + std::to_string(split) + "; s++) " + a + " = " +
           reduce_step(h_, nd.reduce_op, nd.dtype, a, "P" + std::to_string(k) + "[(ot * " + std::to_string(split) +
                                                      " + s) * " + std::to_string(ch) + " + " + j + "]") + ";");
      if (is_narrow_float(nd.dtype)) line(a + " = " + reduce_finish(h_, nd.dtype, a) + ";");
    }
    emit_output(Ctx{false, false});
    close();
    close();
  }
  open("int tg_kernel(char* const* bufs)");
  line("(void)bufs;");
  if (tasks > 0) {
    if (split > 1) {
      for (uint32_t k : first) {
        const std::string A = acc_type(p_.nodes[k].dtype);
        line(A + "* P" + std::to_string(k) + " = (" + A + "*)malloc(sizeof(" + A + ") * " +
             std::to_string(tasks * split * ch) + ");");
        line("if (!P" + std::to_string(k) + ") return 1;");
      }
    }
    emit_parallel_call("tg_task", group_tasks * split, work, partial_args);
    if (split > 1) {
      emit_parallel_call("tg_combine", tasks, work, partial_args);
      for (uint32_t k : first) line("free(P" + std::to_string(k) + ");");
    }
  }
  line("return 0;");
  close();

  return finish(std::string(info_.has_reduce ? (outputs_inner ? "reduce, outputs innermost" : "reduce, reduction innermost")
                                             : "elementwise") +
                ", " + std::to_string(n) + " merged dims, " + std::to_string(group_tasks) + " tasks" +
                (split > 1 ? ", reduction split " + std::to_string(split) + " ways" : ""));
}

void Gen::accumulate(const std::vector<uint32_t>& reds, const Ctx& c, const std::string& prefix, const std::string& suffix) {
  emit_nodes(reds, c, false);
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string acc = prefix + std::to_string(k) + suffix;
    line(acc + " = " + reduce_step(h_, nd.reduce_op, nd.dtype, acc, v(nd.src[0])) + ";");
  }
}

// Reduce phase, innermost dim an output dim: per chunk of outputs an accumulator array, the
// reduce loops outside, the chunk loop inside (vectorizes across outputs; sums stay in index
// order, exactly as the ref plugin).
void Gen::emit_phase_outputs_inner(int phase, bool split) {
  const std::vector<uint32_t> reds = phase_reduces(phase);
  const size_t cd = static_cast<size_t>(chunk_dim_);
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    line(std::string(acc_type(nd.dtype)) + " a" + std::to_string(k) + "[64];");
    line("for (int64_t j = 0; j < hi - lo; j++) a" + std::to_string(k) + "[j] = " + reduce_identity(nd.reduce_op, nd.dtype) + ";");
  }
  open("");
  for (size_t d = 0; d < plan_.size.size(); ++d) {
    if (!plan_.reduced[d]) continue;
    const bool is_r0 = std::find(plan_.reduced.begin(), plan_.reduced.end(), true) - plan_.reduced.begin() == static_cast<long>(d);
    open("for (int64_t " + I(d) + " = " + (is_r0 ? "rlo" : "0") + "; " + I(d) + " < " +
         (is_r0 ? "rhi" : std::to_string(plan_.size[d])) + "; " + I(d) + "++)");
  }
  open("for (int64_t " + I(cd) + " = lo; " + I(cd) + " < hi; " + I(cd) + "++)");
  accumulate(reds, Ctx{true, true}, "a", "[" + I(cd) + " - lo]");
  close();
  for (size_t d = 0; d < plan_.size.size(); ++d)
    if (plan_.reduced[d]) close();
  close();
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string a = "a" + std::to_string(k);
    if (split)
      line("for (int64_t j = 0; j < hi - lo; j++) P" + std::to_string(k) + "[t * 64 + j] = " + a + "[j];");
    else if (is_narrow_float(nd.dtype))
      line("for (int64_t j = 0; j < hi - lo; j++) " + a + "[j] = " + reduce_finish(h_, nd.dtype, a + "[j]") + ";");
  }
}

// Reduce phase, innermost dim reduced: per output, kLanes independent accumulators along the
// innermost dim (so it vectorizes), folded together at the end. Phase 1 opens the per-output
// loop; the last phase evaluates the outputs and closes it.
void Gen::emit_phase_reduce_inner(int phase, bool split) {
  const std::vector<uint32_t> reds = phase_reduces(phase);
  const size_t n = plan_.size.size();
  if (phase == 1) {
    if (chunk_dim_ >= 0) open("for (int64_t " + I(static_cast<size_t>(chunk_dim_)) + " = lo; " +
                              I(static_cast<size_t>(chunk_dim_)) + " < hi; " + I(static_cast<size_t>(chunk_dim_)) + "++)");
    else open("");
  }
  // Lanes: independent accumulators, so the adds do not wait on each other and the loop
  // vectorizes. A long innermost dim gets kLanes, each taking every kLanes-th element. A short
  // one under other reduced dims (a bias gradient's sum over (batch, 11, 11)) gets one lane per
  // position of that dim: the whole dim is one vector step. A short reduction alone (a 2x2
  // pooling window) gets none: initializing and folding them would cost more than the few
  // values they add.
  const int64_t last_size = n > 0 ? plan_.size[n - 1] : 1;
  const bool long_last = last_size >= 2 * kLanes;
  const bool position_lanes = !long_last && n > 0 && plan_.reduced[n - 1] && last_size >= 4 &&
                              plan_.red_numel / last_size >= 4;
  const int64_t lanes = long_last ? kLanes : position_lanes ? last_size : 1;
  const std::string L = std::to_string(lanes);
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    line(std::string(acc_type(nd.dtype)) + " a" + std::to_string(k) + " = " + reduce_identity(nd.reduce_op, nd.dtype) + ";");
  }
  open("");
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    line(std::string(acc_type(nd.dtype)) + " l" + std::to_string(k) + "[" + L + "];");
    line("for (int j = 0; j < " + L + "; j++) l" + std::to_string(k) + "[j] = " + reduce_identity(nd.reduce_op, nd.dtype) + ";");
  }
  int r0 = -1;
  for (size_t d = 0; d < n; ++d)
    if (plan_.reduced[d]) { r0 = static_cast<int>(d); break; }
  // A tiny reduction (a pooling window) is unrolled whole: its loops would otherwise cost more
  // than the few values they visit, and keep the loop over outputs around them scalar.
  const bool unroll = lanes == 1 && plan_.red_numel <= kUnrollReduceUpTo;
  const std::string pragma = unroll ? "_Pragma(\"GCC unroll " + std::to_string(kUnrollReduceUpTo) + "\") " : "";
  for (size_t d = 0; d + 1 < n; ++d) {
    if (!plan_.reduced[d]) continue;
    const bool is_r0 = static_cast<int>(d) == r0;
    open(pragma + "for (int64_t " + I(d) + " = " + (is_r0 ? "rlo" : "0") + "; " + I(d) + " < " +
         (is_r0 ? "rhi" : std::to_string(plan_.size[d])) + "; " + I(d) + "++)");
  }
  if (position_lanes) {
    const size_t last = n - 1;
    open("for (int64_t " + I(last) + " = 0; " + I(last) + " < " + L + "; " + I(last) + "++)");
    accumulate(reds, Ctx{true, false}, "l", "[" + I(last) + "]");
    close();
    for (size_t d = 0; d + 1 < n; ++d)
      if (plan_.reduced[d]) close();
  } else if (n > 0 && lanes > 1) {
    const size_t last = n - 1;
    const bool is_r0 = static_cast<int>(last) == r0;
    const std::string end = is_r0 ? "rhi" : std::to_string(plan_.size[last]);
    line("int64_t ib = " + std::string(is_r0 ? "rlo" : "0") + ";");
    open("for (; ib + " + L + " <= " + end + "; ib += " + L + ")");
    open("for (int j = 0; j < " + L + "; j++)");
    line("const int64_t " + I(last) + " = ib + j;");
    accumulate(reds, Ctx{true, false}, "l", "[j]");
    close();
    close();
    open("for (; ib < " + end + "; ib++)");
    line("const int64_t " + I(last) + " = ib;");
  } else if (n > 0) {
    const size_t last = n - 1;
    const bool is_r0 = static_cast<int>(last) == r0;
    open(pragma + "for (int64_t " + I(last) + " = " + (is_r0 ? "rlo" : "0") + "; " + I(last) + " < " +
         (is_r0 ? "rhi" : std::to_string(plan_.size[last])) + "; " + I(last) + "++)");
  } else {
    open("");
  }
  if (!position_lanes) {
    accumulate(reds, Ctx{true, false}, "l", "[0]");
    close();
    for (size_t d = 0; d + 1 < n; ++d)
      if (plan_.reduced[d]) close();
  }
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string a = "a" + std::to_string(k);
    line("for (int j = 0; j < " + L + "; j++) " + a + " = " + reduce_step(h_, nd.reduce_op, nd.dtype, a, "l" + std::to_string(k) + "[j]") + ";");
  }
  close();
  for (uint32_t k : reds) {
    const tg_kir_node& nd = p_.nodes[k];
    const std::string a = "a" + std::to_string(k);
    if (split) {
      const std::string j = chunk_dim_ >= 0 ? I(static_cast<size_t>(chunk_dim_)) + " - lo" : "0";
      line("P" + std::to_string(k) + "[t * 16 + " + j + "] = " + a + ";");
    } else if (is_narrow_float(nd.dtype)) {
      line(a + " = " + reduce_finish(h_, nd.dtype, a) + ";");
    }
  }
  if (phase == phases_) {
    if (!split) emit_output(Ctx{false, false});
    close();
  }
}

}  // namespace tg::render::detail::cpu
