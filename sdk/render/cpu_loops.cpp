// The CPU strategy (render_cpu): the file head, the nodes at loop indices, elementwise and
// transposing kernels. Reduce kernels: cpu_reduce.cpp.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "cpu_loops.hpp"

namespace tg::render {
namespace detail::cpu {

using tg::sdk::Failure;

namespace {
std::string zero(uint32_t dtype) { return "(" + std::string(reg_type(dtype)) + ")0"; }
}  // namespace

std::string Gen::load(uint32_t i, const Ctx& c) {
  const tg_kir_node& n = p_.nodes[i];
  const std::string m = mask(n.view, c);
  if (m == "0") return zero(n.dtype);
  const std::string e = load_conv(h_, n.dtype, "p" + std::to_string(n.param) + "[" + index(n.view, c) + "]");
  if (m.empty()) return e;
  return "((" + m + ") ? " + e + " : " + zero(n.dtype) + ")";
}

// GATHER (ABI 1.4): a load whose element also moves by the index times the stride; an index
// outside [0, bound) reads 0, and `?:` evaluates the read only when it is inside.
std::string Gen::gather(uint32_t i, const Ctx& c) {
  const tg_kir_node& n = p_.nodes[i];
  const std::string m = mask(n.view, c);
  if (m == "0") return zero(n.dtype);
  const std::string k = "(int64_t)" + v(n.src[0]);
  std::string ok = "(uint64_t)" + k + " < UINT64_C(" + std::to_string(p_.nodes[n.src[1]].ivalue) + ")";
  if (!m.empty()) ok += " && (" + m + ")";
  const std::string e = load_conv(h_, n.dtype, "p" + std::to_string(n.param) + "[" + index(n.view, c) + " + INT64_C(" +
                                                     std::to_string(n.ivalue) + ") * " + k + "]");
  return "((" + ok + ") ? " + e + " : " + zero(n.dtype) + ")";
}

// SCATTER_ADD (ABI 1.4): indices repeat, so two threads could add into one element; a program
// with one runs its tasks on one thread (emit_parallel_call), with plain adds the compiler can
// vectorize along a row. Measured on the Zen 2 (2 threads), the Embedding(50000, 512) gradient's
// 4096 x 512 adds: 22-54 ms as OpenMP atomics on both threads (a locked compare-and-swap each),
// against ~2 ms plain on one. Narrow floats and bool stay on the interpreter.
void Gen::scatter_add(uint32_t i, const Ctx& c) {
  const tg_kir_node& n = p_.nodes[i];
  if (is_narrow_float(n.dtype) || n.dtype == TG_DTYPE_BOOL)
    throw Failure(TG_ERR_UNSUPPORTED, "render_cpu: no C add for SCATTER_ADD of " +
                                          std::string(tg::sdk::dtype_name(n.dtype)));
  const std::string k = "(int64_t)" + v(n.src[1]);
  open("if ((uint64_t)" + k + " < UINT64_C(" + std::to_string(p_.nodes[n.src[2]].ivalue) + "))");
  line("p" + std::to_string(n.param) + "[" + index(n.view, c) + " + INT64_C(" + std::to_string(n.ivalue) + ") * " + k +
       "] += " + v(n.src[0]) + ";");
  close();
}

// One elementwise node: the base's expression (values.cpp), except a float WHERE, which is written
// with bit masks, never a branch, unless it is a lone WHERE of cheap arms on a bool loaded from
// memory in a reduction whose outputs are innermost (loaded_condition_selects_). GCC turns two
// `c ? x : 0` of one condition (a relu's mask applied twice) into a branch on c, mispredicted
// half the time on real data (a max-pool gradient times the relu's mask: 9.5 ms instead of 1.3);
// it branches around a costly arm (costly_); and it does not vectorize a `?:` on a condition
// computed from comparisons inside these loop nests at all (a causal attention mask,
// `i <= j ? s : -inf`, in the softmax's max over (64, 64) rows: 242 us scalar, 45 us with masks).
// In an outputs-innermost reduction a loaded bool's `?:` vectorizes, a little better than masks
// (a cumsum over (4096, 1024): 9.8 ms with masks, 8.4 without); in the other loop nests it does
// not either.
std::string Gen::alu(uint32_t i) {
  const tg_kir_node& n = p_.nodes[i];
  std::vector<std::string> args;
  for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) args.push_back(v(n.src[k]));
  if (n.op == TG_KIR_WHERE && tg::sdk::is_float_dtype(n.dtype) &&
      (where_uses_[static_cast<size_t>(n.src[0])] > 1 || !loaded_condition_selects_ ||
       p_.nodes[n.src[0]].op != TG_KIR_LOAD || costly_[static_cast<size_t>(n.src[1])] ||
       costly_[static_cast<size_t>(n.src[2])]))
    return h_.select_bits(n.dtype == TG_DTYPE_FLOAT64) + "(" + args[0] + ", " + args[1] + ", " + args[2] + ")";
  return op_expr(h_, c_dialect(), n, p_.nodes[n.src[0]].dtype, args);
}

// Emits, in program order, every node the roots need in context c (REDUCE nodes are read from
// their accumulators, never recomputed), and the roots' STOREs when `stores`.
void Gen::emit_nodes(const std::vector<uint32_t>& roots, const Ctx& c, bool stores) {
  std::vector<bool> need(p_.n_nodes, false);
  std::vector<uint32_t> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    const uint32_t i = stack.back();
    stack.pop_back();
    if (need[i]) continue;
    need[i] = true;
    const tg_kir_node& n = p_.nodes[i];
    if (n.op == TG_KIR_REDUCE && !(stores == false && std::find(roots.begin(), roots.end(), i) != roots.end())) continue;
    for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) stack.push_back(static_cast<uint32_t>(n.src[k]));
  }
  for (uint32_t i = 0; i < p_.n_nodes; ++i) {
    if (!need[i]) continue;
    const tg_kir_node& n = p_.nodes[i];
    const std::string T = reg_type(n.dtype);
    switch (n.op) {
      case TG_KIR_LOAD: line("const " + T + " " + v(i) + " = " + load(i, c) + ";"); break;
      case TG_KIR_GATHER: line("const " + T + " " + v(i) + " = " + gather(i, c) + ";"); break;
      case TG_KIR_SCATTER_ADD:
        if (stores) scatter_add(i, Ctx{false, c.acc_array});
        break;
      case TG_KIR_CONST: {
        const int32_t k = info_.scalar_slot[i];
        std::string lit = k >= 0 ? scalar_arg_value(h_, n.dtype, scalar_arg(n.dtype, k)) : const_literal(n);
        const std::string m = n.view >= 0 ? mask(n.view, c) : "";
        if (m == "0") lit = zero(n.dtype);
        else if (!m.empty()) lit = "((" + m + ") ? " + lit + " : " + zero(n.dtype) + ")";
        line("const " + T + " " + v(i) + " = " + lit + ";");
        break;
      }
      case TG_KIR_REDUCE:
        // As a root of a phase it is the value being accumulated (its source); else a finished result.
        if (!stores && std::find(roots.begin(), roots.end(), i) != roots.end()) break;
        line("const " + T + " " + v(i) + " = (" + T + ")" + acc_ref(i, c) + ";");
        break;
      case TG_KIR_STORE: {
        if (!stores) break;
        const std::string val = store_conv(h_, n.dtype, v(n.src[0]));
        if (stores_to_tile_) {
          const size_t nd = plan_.size.size();
          line("tile" + std::to_string(i) + "[" + I(nd - 2) + " - lo][" + I(nd - 1) + " - jb] = " + val + ";");
          break;
        }
        line("p" + std::to_string(n.param) + "[" + index(n.view, Ctx{false, c.acc_array}) + "] = " + val + ";");
        break;
      }
      default: line("const " + T + " " + v(i) + " = " + alu(i) + ";");
    }
  }
}

// Finishes accumulators (rounding narrow floats) is done by the phases; this evaluates what the
// STOREs need at one output index and stores.
void Gen::emit_output(const Ctx& c) {
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (tg::sdk::is_store_op(p_.nodes[i].op)) stores.push_back(i);
  emit_nodes(stores, c, true);
}

// The kernel's title, and the typed buffer params every task function takes.
//
// Each parallel loop's body is a static function of one task, its buffers restrict-qualified
// parameters, called from tg_kernel's `omp parallel for`. GCC drops the restrict of pointers a
// parallel region captures from the enclosing function (the outlined body reads them from a
// struct), and then vectorizes a loop only behind run-time overlap checks, at most 10 of them
// (--param vect-max-version-for-alias-checks): Adam's fused update (6 loads, 3 stores) stayed
// scalar, 162 us instead of 22 us for 100K floats. Restrict parameters survive inlining.
void Gen::emit_prologue() {
  out_.clear();
  std::string title = p_.name ? p_.name : "kernel";  // a name holding "*/" must not end the comment
  for (size_t at; (at = title.find("*/")) != std::string::npos;) title.replace(at, 2, "* /");
  line("/* " + title + " */");
  params_decl_.clear();
  params_args_.clear();
  for (uint32_t q = 0; q < p_.n_params; ++q) {
    const bool w = p_.params[q].access == TG_PARAM_WRITE;
    const std::string type = std::string(w ? "" : "const ") + mem_type(p_.params[q].dtype) + "*";
    const std::string sep = q ? ", " : "";
    params_decl_ += sep + type + " restrict p" + std::to_string(q);
    params_args_ += sep + "(" + type + ")bufs[" + std::to_string(q) + "]";
  }
  // Scalar args (tg_kir_scalar, ABI 1.3): an array the launch puts after the params.
  if (tg::sdk::scalar_arg_count(p_) > 0) {
    line("typedef struct { int64_t i; double f; } tg_scalar;");
    const std::string sep = p_.n_params ? ", " : "";
    params_decl_ += sep + "const tg_scalar* restrict sc";
    params_args_ += sep + "(const tg_scalar*)bufs[" + std::to_string(p_.n_params) + "]";
  }
}

// Scalar arg k as the base's scalar_arg_value takes it (of type scalar_arg_type), read where it
// is used, as GCC schedules it best.
std::string Gen::scalar_arg(uint32_t dtype, int32_t k) const {
  const std::string s = "sc[" + std::to_string(k) + "]";
  if (!tg::sdk::is_float_dtype(dtype)) return s + ".i";
  if (dtype == TG_DTYPE_FLOAT64) return s + ".f";
  return "((float)" + s + ".f)";
}

// Opens `static void name(int64_t t, <extra_decl>, <params>)`: the body of one task.
void Gen::open_task(const std::string& name, const std::string& extra_decl) {
  std::string decl = "int64_t t" + extra_decl;
  if (!params_decl_.empty()) decl += ", " + params_decl_;
  open("static void " + name + "(" + decl + ")");
}

CpuKernel Gen::finish(const std::string& summary) {
  CpuKernel k;
  k.source = c_dialect().header + h_.text() + out_;
  k.summary = summary;
  return k;
}

void Gen::open_chunked_task(size_t k, int64_t nch, int64_t ch) {
  open_task("tg_task", "");
  const int64_t ksize = plan_.size[k];
  line("int64_t rest = t / " + std::to_string(nch) + ";");
  line("const int64_t lo = (t % " + std::to_string(nch) + ") * " + std::to_string(ch) + ";");
  line("const int64_t hi = lo + " + std::to_string(ch) + " < " + std::to_string(ksize) + " ? lo + " + std::to_string(ch) +
       " : " + std::to_string(ksize) + ";");
  for (size_t d = k; d-- > 0;) {
    line("const int64_t " + I(d) + " = rest % " + std::to_string(plan_.size[d]) + ";");
    line("rest /= " + std::to_string(plan_.size[d]) + ";");
  }
  line("(void)rest;");
}

CpuKernel Gen::finish_single_pass(int64_t tasks, const std::string& summary) {
  open("int tg_kernel(char* const* bufs)");
  line("(void)bufs;");
  if (tasks > 0) emit_parallel_call("tg_task", tasks, plan_.out_numel, "");
  line("return 0;");
  close();
  return finish(summary);
}

// In tg_kernel: runs tasks 0..count-1 of `name` on every core (on one when work is small).
void Gen::emit_parallel_call(const std::string& name, int64_t count, int64_t work, const std::string& extra_args) {
  bool adds = false;  // a SCATTER_ADD: one thread (see scatter_add)
  for (uint32_t i = 0; i < p_.n_nodes; ++i) adds = adds || p_.nodes[i].op == TG_KIR_SCATTER_ADD;
  line("#pragma omp parallel for schedule(static) if(" + std::to_string(work >= 32768 && !adds ? 1 : 0) + ")");
  std::string args = "t" + extra_args;
  if (!params_args_.empty()) args += ", " + params_args_;
  line("for (int64_t t = 0; t < " + std::to_string(count) + "; t++) " + name + "(" + args + ");");
}

// A program without REDUCE: tasks of about kElementwiseTask elements. Dim k is the outermost
// dim whose inner dims hold fewer than that; a task is one index of the dims before k (decoded
// from the task number), a chunk of dim k, and full loops over the dims after it. So the
// innermost loop is always the whole innermost dim, however small, and a (.., 13, 2) program
// makes tasks of thousands of elements, not of two.
constexpr int64_t kElementwiseTask = 8192;

// A transposing copy -- out[i][j] = f(in[j][i]), `x.T.contiguous()`, NHWC -> NCHW -- reads one
// cache line per element along the innermost dim, a line whose other 15 floats are wanted only at
// the next index of the outer dim; when the innermost dim spans more lines than L1 holds (and
// strides of a power of two map them all to a few sets) they are gone by then: a 4096 x 4096
// transpose ran at 0.9 GB/s. So such programs run in tiles of kTileT x kTileN: the values are
// computed in the loads' order (the load-contiguous dim innermost) into a local tile laid out in
// the stores' order, then stored from it row by row. Zen 2, 2 threads, best of 10-50, against the
// untiled loop: 4096 x 4096 float 147 -> 27 ms, 1000 x 1000 0.385 -> 0.24 ms, (262144, 64) ->
// (64, 262144) 65 -> 11.4 ms, (128, 26, 26, 32) NHWC -> NCHW 1.9 -> 1.6 ms. A standalone harness
// picked the layout: a tile in the loads' order (stored through gathers) was 1.2-2x slower, tiles
// stored straight without the local copy as slow as untiled at 4096, 16 x 16 tiles 31 ms.
constexpr int64_t kTileT = 32;  // along the dim the loads read contiguously
constexpr int64_t kTileN = 64;  // along the innermost dim, which the stores write contiguously
// Only where the innermost dim spans at least this many lines (32 KiB, an L1): below it the lines
// stay in L1 from one outer index to the next and the plain loop is faster ((64, 256, 28, 28)
// NCHW -> NHWC: 8.8 ms untiled, 13-24 ms in any tile tried).
constexpr int64_t kTileMinInner = 512;

int Gen::transposing_dim() const {
  const size_t n = plan_.size.size();
  if (n < 2 || plan_.out_numel == 0) return -1;
  const size_t t = n - 2, in = n - 1;
  if (plan_.size[t] < kTileT || plan_.size[in] < kTileMinInner) return -1;
  bool strided_load = false;
  for (uint32_t i = 0; i < p_.n_nodes; ++i) {
    const tg_kir_node& nd = p_.nodes[i];
    if (nd.op == TG_KIR_SCATTER_ADD) return -1;  // (adds go to memory, not through a tile)
    if (nd.view < 0) continue;
    const PlanView& v = plan_.views[static_cast<size_t>(nd.view)];
    if (nd.op == TG_KIR_STORE && (v.strides[in] != 1)) return -1;  // the stores must want N innermost
    if (nd.op == TG_KIR_LOAD && (v.strides[t] == 1 || v.strides[t] == -1) && std::llabs(v.strides[in]) >= 16) strided_load = true;
  }
  return strided_load ? static_cast<int>(t) : -1;
}

CpuKernel Gen::run_transposing(size_t t) {
  const size_t n = plan_.size.size(), in = n - 1;
  const int64_t tsize = plan_.size[t], nsize = plan_.size[in];
  const int64_t nch = (tsize + kTileT - 1) / kTileT;
  int64_t outer = 1;
  for (size_t d = 0; d < t; ++d) outer *= plan_.size[d];
  const int64_t tasks = outer * nch;
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < p_.n_nodes; ++i)
    if (p_.nodes[i].op == TG_KIR_STORE) stores.push_back(i);
  emit_prologue();
  open_chunked_task(t, nch, kTileT);
  for (uint32_t i : stores)
    line(std::string(mem_type(p_.nodes[i].dtype)) + " tile" + std::to_string(i) + "[" + std::to_string(kTileT) + "][" + std::to_string(kTileN) + "];");
  open("for (int64_t jb = 0; jb < " + std::to_string(nsize) + "; jb += " + std::to_string(kTileN) + ")");
  line("const int64_t je = jb + " + std::to_string(kTileN) + " < " + std::to_string(nsize) + " ? jb + " + std::to_string(kTileN) +
       " : " + std::to_string(nsize) + ";");
  open("for (int64_t " + I(in) + " = jb; " + I(in) + " < je; " + I(in) + "++)");
  open("for (int64_t " + I(t) + " = lo; " + I(t) + " < hi; " + I(t) + "++)");
  stores_to_tile_ = true;
  emit_output(Ctx{false, false});
  stores_to_tile_ = false;
  close();
  close();
  open("for (int64_t " + I(t) + " = lo; " + I(t) + " < hi; " + I(t) + "++)");
  open("for (int64_t " + I(in) + " = jb; " + I(in) + " < je; " + I(in) + "++)");
  for (uint32_t i : stores) {
    const tg_kir_node& nd = p_.nodes[i];
    line("p" + std::to_string(nd.param) + "[" + index(nd.view, Ctx{false, false}) + "] = tile" + std::to_string(i) + "[" + I(t) +
         " - lo][" + I(in) + " - jb];");
  }
  close();
  close();
  close();
  close();
  return finish_single_pass(tasks, "elementwise, " + std::to_string(n) + " merged dims, transposed in " + std::to_string(kTileT) +
                                       " x " + std::to_string(kTileN) + " tiles, " + std::to_string(tasks) + " tasks");
}

CpuKernel Gen::run_elementwise() {
  const size_t n = plan_.size.size();
  if (const int t = transposing_dim(); t >= 0) return run_transposing(static_cast<size_t>(t));
  size_t k = 0;
  int64_t inner = 1;  // elements in the dims after k
  for (size_t d = n; d-- > 0;) {
    if (inner * plan_.size[d] >= kElementwiseTask || d == 0) {
      k = d;
      break;
    }
    inner *= plan_.size[d];
  }
  const int64_t ksize = n ? plan_.size[k] : 1;
  const int64_t ch = n && inner > 0 ? std::max<int64_t>(1, std::min(ksize, kElementwiseTask / inner)) : 1;  // (a 0-size dim: no work)
  const int64_t nch = (ksize + ch - 1) / ch;
  int64_t outer = 1;
  for (size_t d = 0; d < k; ++d) outer *= plan_.size[d];
  const int64_t tasks = plan_.out_numel == 0 ? 0 : outer * nch;
  emit_prologue();
  if (tasks > 0) {
    if (n) {
      open_chunked_task(k, nch, ch);
      open("for (int64_t " + I(k) + " = lo; " + I(k) + " < hi; " + I(k) + "++)");
      for (size_t d = k + 1; d < n; ++d)
        open("for (int64_t " + I(d) + " = 0; " + I(d) + " < " + std::to_string(plan_.size[d]) + "; " + I(d) + "++)");
    } else {
      open_task("tg_task", "");
      line("(void)t;");
      open("");
    }
    emit_output(Ctx{false, false});
    for (size_t d = k + 1; d < n; ++d) close();
    close();
    close();
  }
  return finish_single_pass(tasks, "elementwise, " + std::to_string(n) + " merged dims, " + std::to_string(tasks) + " tasks");
}

}  // namespace detail::cpu

CpuKernel render_cpu(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads) {
  return detail::cpu::Gen(p, info, threads).run();
}

}  // namespace tg::render
