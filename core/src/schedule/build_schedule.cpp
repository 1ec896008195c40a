// Building a schedule (schedule_item.hpp) from the graph under realize()'s roots: each kernel
// lowered with the fusion rules (schedule.cpp), the values it needs computed first scheduled
// before it, each with the rule that made it a kernel of its own.
#include <iostream>
#include <unordered_set>

#include "runtime/env.hpp"
#include "runtime/runtime.hpp"
#include "schedule/fusion_rules.hpp"
#include "schedule/lowered.hpp"
#include "schedule/run_schedule.hpp"

namespace tg::detail {
namespace {

// Builds the schedule of one realize(): the kernels and steps that compute the roots, in the
// order they must run. Nothing runs: a node counts as computed once an item computing it is in
// the schedule (ctx.done).
class ScheduleBuilder {
 public:
  ScheduleBuilder(ScheduleContext& ctx, Liveness& live) : ctx_(ctx), live_(live) {}

  Schedule build(const std::vector<NodePtr>& roots) {
    // Last root first: a root computed under a later one (an optimizer's moments, under the
    // parameters listed after them) is then stored by that root's kernel.
    std::unordered_set<const Node*> pending;
    for (auto& r : roots) pending.insert(r.get());
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) {
      pending.erase(it->get());
      add(*it, "root", &pending);
    }
    s_.guards = ctx_.guards();
    s_.cacheable &= !ctx_.outside_walk();
    return std::move(s_);
  }

 private:
  ScheduleContext& ctx_;
  Liveness& live_;
  Schedule s_;

  static bool linear_masks(const Node& n) { return (n.device->caps().kir_features & TG_KIR_LINEAR_MASKS) != 0; }
  static bool scalar_args(const Node& n) { return (n.device->caps().kir_features & TG_KIR_SCALAR_ARGS) != 0; }

  // Appends an item; then lets go of what nothing still to come reads.
  void push(ScheduleItem&& item) {
    s_.items.push_back(std::move(item));
    std::vector<uint32_t> dead = live_.dead([this](const Node& n) { return ctx_.done(n); });
    if (dead.empty()) return;
    ScheduleItem release;
    release.kind = ScheduleItem::Kind::RELEASE;
    release.params = std::move(dead);
    s_.items.push_back(std::move(release));
    s_.releases = true;
  }

  void step(ScheduleItem::Kind kind, const NodePtr& n, const char* rule, const Node* src = nullptr) {
    ScheduleItem item;
    item.kind = kind;
    item.rule = rule;
    item.dst = ctx_.position(*n);
    if (src) item.src = ctx_.position(*src);
    ctx_.mark_done(*n);
    push(std::move(item));
  }

  // A kernel running prog on n's device with params bound to its params. accumulates: param 0
  // holds a start value the program adds into (a SCATTER_ADD's second kernel): not allocated
  // afresh. more_to_come: param 0 is not computed yet after this kernel (a SCATTER_ADD's start
  // value, before its adds): what the rest reads stays alive.
  void kernel(KirProgram&& prog, const NodePtr& n, const std::vector<NodePtr>& params, const char* rule,
              bool accumulates = false, bool more_to_come = false) {
    if (env_int("TG_DEBUG") >= 2) std::cerr << prog.dump();
    ScheduleItem k;
    k.rule = rule;
    k.device = n->device.get();
    k.name = prog.name;
    k.launch = n->numel() > 0;
    k.scalars = prog.scalar_vars;
    k.offsets = prog.param_terms;
    for (size_t i = 0; i < params.size(); i++) {
      k.params.push_back(ctx_.position(*params[i]));
      const bool write = prog.params[i].access == TG_PARAM_WRITE;
      k.written.push_back(write && !(accumulates && i == 0));
      if (write && !(more_to_come && i == 0)) ctx_.mark_done(*params[i]);
      for (OffsetTerm& t : k.offsets[i]) t.coeff *= dtype_size(params[i]->dtype);  // elements -> bytes
    }
    k.program = std::make_shared<const KirProgram>(std::move(prog));
    s_.computes = true;
    push(std::move(k));
  }

  // Lowers a kernel (lower() gives a LoweredKernel) until it needs nothing more computed first:
  // each time, the first missing input is scheduled (its own kernel, depth first) and the kernel
  // lowered again. One at a time, because computing one can make the others unnecessary: a
  // value computed inside the kernel may only have been cut off because a reduce under it was
  // not computed yet (then lowering again just loads that reduce), and computing it anyway
  // would cost a pass over memory and a buffer (the mnist CNN: a recomputed relu per pooling,
  // 15 MB of its step's peak).
  template <typename Lower>
  LoweredKernel lowered(const Lower& lower) {
    for (;;) {
      LoweredKernel k = lower();
      if (k.deps.empty()) return k;
      const Dep& first = first_to_realize(ctx_, k.deps);
      add(first.node, first.rule);
    }
  }

  // Schedules what computes n (and what it needs first); rule: why n is computed on its own.
  void add(const NodePtr& n, const char* rule, const std::unordered_set<const Node*>* pending = nullptr) {
    if (ctx_.done(*n)) return;
    switch (n->op) {
      case Op::SCATTER_ADD: return scatter(n, rule);
      case Op::COPY:
        add(n->src[0], rule_name(Rule::copy));
        return step(ScheduleItem::Kind::COPY, n, rule);
      case Op::ARGSORT:
        add(n->src[0], rule_name(Rule::sort));
        return step(ScheduleItem::Kind::SORT, n, rule);
      default: break;
    }
    const bool lm = linear_masks(*n);
    LoweredKernel k = lowered([&] { return lower_kernel(ctx_, n, lm, pending); });
    const LPtr& root = k.root;
    // a plain view of memory that is already laid out as n needs: share it, no kernel
    if (root->kind == LNode::Kind::LOAD && root->view.is_contiguous() && root->base->numel() == n->numel() &&
        root->base->dtype == n->dtype && root->base->device == n->device) {
      for (const OffsetTerm& t : root->terms) ctx_.guard_var(t.var);  // (a slice at 0: only then an alias)
      return step(ScheduleItem::Kind::ALIAS, n, rule, root->base.get());
    }
    std::vector<NodePtr> params, same_as_out;
    KirProgram prog = to_kir(ctx_, root, n, k.reduce, k.also_store, &params, &same_as_out, scalar_args(*n));
    kernel(std::move(prog), n, params, rule);
    for (auto& r : same_as_out) step(ScheduleItem::Kind::ALIAS, r, nullptr, n.get());
  }

  // A SCATTER_ADD: two kernels into one fresh buffer. The start value (src[0]: zeros for a
  // gather's gradient, a copy of the tensor scattered into) is computed into it as any
  // elementwise value would be; then the values are added at their indices. Each kernel fuses
  // what it can: the zeros are a constant, the values (a gradient's elementwise chain) are
  // computed in the adding kernel.
  void scatter(const NodePtr& n, const char* rule) {
    const bool lm = linear_masks(*n);
    const NodePtr& base = n->src[0];
    LoweredKernel start = lowered([&] { return lower_kernel(ctx_, base, lm, nullptr); });
    std::vector<NodePtr> params, same_as_out;  // (a reduce equal to the start is not shared: the adds change it)
    const NodePtr &idx = n->src[1], &value = n->src[2];
    const bool has_adds = value->numel() != 0 && n->numel() != 0;
    // (until the adds are scheduled, n is not done: the values and indices they read, and what
    // computes those, are still needed)
    kernel(to_kir(ctx_, start.root, n, start.reduce, {}, &params, &same_as_out, scalar_args(*n)), n, params, rule,
           false, has_adds);
    if (!has_adds) return;
    LoweredKernel adds = lowered([&] { return lower_scatter_adds(ctx_, value, idx, lm); });
    params.clear();
    kernel(to_kir_scatter(ctx_, adds.root, adds.index, n, n->dims[0], &params, scalar_args(*n)), n, params, nullptr,
           true);
  }
};

}  // namespace

Schedule build_schedule(const std::vector<NodePtr>& roots, ScheduleContext& ctx, Liveness& live) {
  return ScheduleBuilder(ctx, live).build(roots);
}

}  // namespace tg::detail
