#pragma once
// The CPU strategy's insides (render_cpu in tg/render.hpp), shared by cpu_loops.cpp (the file
// head, nodes, elementwise and transposing kernels) and cpu_reduce.cpp (reduce kernels). The
// values -- types, literals, op expressions, reduce steps -- are the base renderer's
// (values.cpp, helpers.cpp) in the c dialect; this class decides only the loops around them.
#include <cstdint>
#include <string>
#include <vector>

#include "emit.hpp"
#include "loop_plan.hpp"

namespace tg::render::detail::cpu {

// Where a node is evaluated: at every index of the iteration space (a REDUCE's input) or at
// output indices (reduced coordinates 0), and how REDUCE values are named there.
struct Ctx {
  bool full;
  bool acc_array;  // REDUCE k is read as a<k>[i<chunk> - lo] (else the scalar a<k>)
};

class Gen {
 public:
  Gen(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads)
      : p_(p), info_(info), plan_(plan_loops(p, info)), threads_(threads < 1 ? 1 : threads),
        where_uses_(p.n_nodes, 0), costly_(p.n_nodes, false), h_(c_dialect()) {
    for (uint32_t i = 0; i < p.n_nodes; ++i) {
      const tg_kir_node& n = p.nodes[i];
      if (n.op == TG_KIR_WHERE && n.src[0] >= 0) ++where_uses_[static_cast<size_t>(n.src[0])];
      bool c = n.op == TG_KIR_EXP2 || n.op == TG_KIR_LOG2 || n.op == TG_KIR_SIN || n.op == TG_KIR_SQRT ||
               n.op == TG_KIR_RECIP || n.op == TG_KIR_WHERE;
      for (int s : n.src)
        if (s >= 0 && static_cast<uint32_t>(s) < i && costly_[static_cast<size_t>(s)]) c = true;
      costly_[i] = c;
    }
  }

  CpuKernel run();

 private:
  const tg_kir_program& p_;
  const tg::sdk::ProgramInfo& info_;
  LoopPlan plan_;
  int threads_;
  std::vector<int> where_uses_;  // per node: how many WHEREs take it as their condition
  // per node: whether it is or depends on a math call, a division or a WHERE. GCC turns a `c ? x :
  // y` whose arm is costly into a branch around it (so the loop does not vectorize): such a
  // WHERE is written with masks. GELU's gradient (a MIN's tie-halving WHERE around exp2): 3.7
  // ms -> 0.3 ms over 1024 x 512.
  std::vector<bool> costly_;
  bool loaded_condition_selects_ = false;  // see alu()
  Helpers h_;                    // the helper functions the values call, emitted before the tasks
  std::string out_;
  int indent_ = 0;
  int chunk_dim_ = -1;  // the plan dim split into chunks of CH (-1: no output dims)
  // Output dims in [group_from_, chunk_dim_) are looped over whole inside a task, not one
  // index per task (see run()).
  int group_from_ = -1;
  bool grouped(size_t d) const {
    return group_from_ >= 0 && !plan_.reduced[d] && static_cast<int>(d) >= group_from_ && static_cast<int>(d) < chunk_dim_;
  }

  void line(const std::string& s) { out_ += std::string(static_cast<size_t>(indent_) * 2, ' ') + s + "\n"; }
  void open(const std::string& s) { line(s + " {"); ++indent_; }
  void close() { --indent_; line("}"); }
  static std::string I(size_t d) { return "i" + std::to_string(d); }

  std::string index(int32_t view, const Ctx& c) const {
    const PlanView& v = plan_.views[static_cast<size_t>(view)];
    std::string e = "(int64_t)INT64_C(" + std::to_string(v.offset) + ")";
    for (size_t d = 0; d < plan_.size.size(); ++d) {
      if (v.strides[d] == 0 || (!c.full && plan_.reduced[d])) continue;
      e += " + INT64_C(" + std::to_string(v.strides[d]) + ") * " + I(d);
    }
    return e;
  }
  // "" when always valid, "0" when never.
  std::string mask(int32_t view, const Ctx& c) const {
    const PlanView& v = plan_.views[static_cast<size_t>(view)];
    if (v.never_valid) return "0";
    std::string e;
    for (size_t d = 0; d < plan_.size.size(); ++d) {
      const int64_t b = v.begin[d], en = v.end[d];
      if (b == 0 && en == plan_.size[d]) continue;
      if (!c.full && plan_.reduced[d]) {
        if (!(b <= 0 && 0 < en)) return "0";
        continue;
      }
      if (b >= en) return "0";
      if (!e.empty()) e += " && ";
      e += "(" + I(d) + " >= " + std::to_string(b) + " && " + I(d) + " < " + std::to_string(en) + ")";
    }
    for (const PlanLinear& m : v.linear) {  // (a reduced dim's index is 0 at output indices)
      std::string sum = "INT64_C(0)";
      for (size_t d = 0; d < plan_.size.size(); ++d)
        if (m.coeffs[d] != 0 && (c.full || !plan_.reduced[d])) sum += " + INT64_C(" + std::to_string(m.coeffs[d]) + ") * " + I(d);
      if (!e.empty()) e += " && ";
      e += "(" + sum + " >= INT64_C(" + std::to_string(m.begin) + ") && " + sum + " < INT64_C(" + std::to_string(m.end) + "))";
    }
    return e;
  }
  std::string v(int32_t i) const { return "v" + std::to_string(i); }
  std::string acc_ref(uint32_t i, const Ctx& c) const {
    return "a" + std::to_string(i) + (c.acc_array ? "[" + I(static_cast<size_t>(chunk_dim_)) + " - lo]" : "");
  }

  std::string load(uint32_t i, const Ctx& c);
  std::string gather(uint32_t i, const Ctx& c);
  void scatter_add(uint32_t i, const Ctx& c);
  std::string alu(uint32_t i);
  void emit_nodes(const std::vector<uint32_t>& roots, const Ctx& c, bool stores);
  // Evaluates the reduces' sources in context c (emit_nodes) and adds each into its
  // accumulator, named prefix + k + suffix ("l7[j]", "a7[i3 - lo]").
  void accumulate(const std::vector<uint32_t>& reds, const Ctx& c, const std::string& prefix, const std::string& suffix);
  std::vector<uint32_t> phase_reduces(int phase) const;
  int phase_of(uint32_t i) const { return depth_[i]; }
  std::vector<int> depth_;
  int phases_ = 0;

  // The params as a task function declares them ("float* restrict p0, ...") and as the kernel
  // passes them ("(float*)bufs[0], ..."): see emit_prologue.
  std::string params_decl_, params_args_;
  void emit_prologue();
  std::string scalar_arg(uint32_t dtype, int32_t k) const;
  // The whole translation unit: the dialect's header, the helpers, the tasks and tg_kernel.
  CpuKernel finish(const std::string& summary);
  void open_task(const std::string& name, const std::string& extra_decl);
  // Opens tg_task for a task that is one index of the plan dims before k (from t / nch) and the
  // chunk [lo, hi) of dim k's chunks of ch.
  void open_chunked_task(size_t k, int64_t nch, int64_t ch);
  // tg_kernel running tasks 0..tasks-1 of tg_task, and the finished source.
  CpuKernel finish_single_pass(int64_t tasks, const std::string& summary);
  void emit_parallel_call(const std::string& name, int64_t count, int64_t work, const std::string& extra_args);
  CpuKernel run_elementwise();
  // Transposing copies (see run_transposing): the plan dim read contiguously, or -1.
  int transposing_dim() const;
  CpuKernel run_transposing(size_t t);
  bool stores_to_tile_ = false;  // STOREs write tile<i>[iT - lo][iN - jb], not memory
  void emit_task_coords(const std::string& task, int64_t nch, int64_t ch);
  void emit_output(const Ctx& c);
  void emit_phase_outputs_inner(int phase, bool split_r0);
  void emit_phase_reduce_inner(int phase, bool split_r0);
};

}  // namespace tg::render::detail::cpu
