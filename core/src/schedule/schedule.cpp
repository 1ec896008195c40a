// Lowering one kernel (lower_kernel, for build_schedule.cpp): KernelBuilder lowers the graph
// under a node into one expression, asking the fusion rules at each node and each movement
// where the kernel ends; the values it cannot compute inline become deps, each named by the rule
// that cut it off. The rules are one ordered table of named rules, each with its reason:
// kFusionRules in schedule/fusion_rules.hpp (their matchers in fusion_rules.cpp, each proven by
// tests/core/test_fusion_rules.cpp).
#include "schedule/schedule.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "base/internal_check.hpp"
#include "schedule/fusion_rules.hpp"
#include "schedule/lowered.hpp"

namespace tg::detail {
namespace {

// linear_masks: the kernel's device takes tg_kir_linear_masks (a window of padding in place).
std::optional<View> apply_movement(const View& v, const Node& m, bool linear_masks) {
  switch (m.op) {
    case Op::RESHAPE: return v.reshape(m.dims);
    case Op::PERMUTE: return v.permute(m.dims);
    case Op::EXPAND: return v.expand(m.dims);
    case Op::PAD: return v.pad(m.ranges);
    case Op::SHRINK: return v.shrink(m.ranges);
    case Op::FLIP: return v.flip(std::vector<bool>(m.dims.begin(), m.dims.end()));
    case Op::WINDOW: {
      const auto n = static_cast<std::ptrdiff_t>(m.dims.size() / 3);
      const auto b = m.dims.begin();
      return v.window(Dims(b, b + n), Dims(b + n, b + 2 * n), Dims(b + 2 * n, b + 3 * n), linear_masks);
    }
    case Op::BUFFER: case Op::CONST: case Op::CAST: case Op::EXP2: case Op::LOG2: case Op::SIN: case Op::SQRT:
    case Op::RECIP: case Op::NEG: case Op::TRUNC: case Op::ADD: case Op::MUL: case Op::MAX: case Op::CMPLT:
    case Op::CMPNE: case Op::IDIV: case Op::MOD: case Op::AND: case Op::OR: case Op::XOR: case Op::SHL:
    case Op::SHR: case Op::WHERE: case Op::REDUCE: case Op::CONTIGUOUS: case Op::DETACH: case Op::COPY:
    case Op::CONV: case Op::POW: case Op::GATHER: case Op::SCATTER_ADD: case Op::ARGSORT: break;
  }
  TG_INTERNAL_ERROR("apply_movement on " + std::string(op_name(m.op)));
}

std::shared_ptr<LNode> new_lnode(LNode::Kind kind) {
  auto l = std::make_shared<LNode>();
  l->kind = kind;
  return l;
}

// The coarsest shape whose consecutive dims multiply to both a's and b's dims (a and b split
// alike: (26, 26) and (13, 2, 13, 2) give (13, 2, 13, 2)), or nullopt when none exists or a
// dim is 0 or 1.
std::optional<Dims> common_split(const Dims& a, const Dims& b) {
  for (const Dims* s : {&a, &b})
    for (int64_t d : *s)
      if (d <= 1) return std::nullopt;
  Dims f;
  size_t i = 0, j = 0;
  int64_t ra = a.empty() ? 1 : a[0], rb = b.empty() ? 1 : b[0];  // what is left of a[i], b[j]
  while (i < a.size() && j < b.size()) {
    const int64_t g = std::min(ra, rb);
    if (ra % g || rb % g) return std::nullopt;
    f.push_back(g);
    ra /= g;
    rb /= g;
    if (ra == 1 && ++i < a.size()) ra = a[i];
    if (rb == 1 && ++j < b.size()) rb = b[j];
  }
  if (i != a.size() || j != b.size()) return std::nullopt;
  return f;
}

// The node a kernel rooted at n computes: n, or what a CONTIGUOUS or DETACH of it holds.
const NodePtr& kernel_value(const NodePtr& n) {
  return n->op == Op::CONTIGUOUS || n->op == Op::DETACH ? n->src[0] : n;
}

// Lowers the graph under one kernel root.
class KernelBuilder {
 public:
  // pending: the other roots of this realize() call; one this kernel computes along the way
  // (an optimizer's new moment under the new parameter) is stored by it too (`also_store`).
  // space: lower an elementwise root in this split of its shape instead (lower_in); then the
  // result is nullptr when that cannot be done.
  // ctx: which nodes count as computed (realized, or scheduled before this kernel) and the
  // graph's launch values.
  KernelBuilder(ScheduleContext& ctx, bool linear_masks, const std::unordered_set<const Node*>* pending,
                Dims space = {})
      : ctx_(ctx), pending_(pending), linear_masks_(linear_masks), space_(std::move(space)) {}

  std::vector<Dep> deps;  // nodes to compute before this kernel runs, each with why
  std::optional<ReduceSig> reduce;
  std::vector<std::pair<NodePtr, LPtr>> also_store;

  // A scatter-add's values and index, over their shape (its second kernel): no reduce may
  // join it (tg.kir's SCATTER_ADD program has none), so reduces under them are realized first.
  std::pair<LPtr, LPtr> lower_scatter(const NodePtr& value, const NodePtr& idx) {
    root_shape_ = value->shape;
    no_reduce_ = true;
    LPtr v = lower(value);
    return {v, lower(idx)};
  }

  LPtr lower_root(const NodePtr& n) {
    root_shape_ = n->shape;
    const NodePtr& value = kernel_value(n);
    if (space_.empty()) return lower(value);
    std::optional<LPtr> l = lower_in(value);
    return l && !reduce && !(*l)->has_reduce ? *l : nullptr;
  }

 private:
  ScheduleContext& ctx_;
  const std::unordered_set<const Node*>* pending_;
  bool linear_masks_;
  Dims root_shape_;
  bool inside_reduce_ = false;                       // lowering a reduce's source
  bool no_reduce_ = false;                           // every reduce is realized on its own
  std::unordered_map<const Node*, LPtr> memo_[2];   // by inside_reduce_
  std::map<std::pair<const LNode*, const Node*>, LPtr> pushed_;
  Rule refused_ = Rule::movement_not_viewable;        // the rule that refused the last push
  Dims space_;                                        // the split space lower_in works in
  std::unordered_map<const Node*, std::optional<LPtr>> in_space_;
  std::vector<std::unique_ptr<Node>> splits_;         // the reshapes into space_ it pushes

  // Lowering a subgraph may be abandoned (it becomes its own kernel); a checkpoint restores
  // the kernel's reduce and dependencies as they were, and drops the caches.
  struct Checkpoint {
    std::optional<ReduceSig> reduce;
    size_t deps, also_store;
  };
  Checkpoint checkpoint() const { return {reduce, deps.size(), also_store.size()}; }
  // (inside_reduce_ needs no saving: a checkpoint never spans the start of a reduce's source)
  void rollback(const Checkpoint& cp) {
    reduce = cp.reduce;
    deps.resize(cp.deps);
    also_store.resize(cp.also_store);
    memo_[0].clear();
    memo_[1].clear();
    pushed_.clear();
  }

  KernelState state() const { return {inside_reduce_, no_reduce_, &reduce}; }

  // A load of n's buffer. rule: the fusion rule that cuts n out of this kernel, when n is not
  // computed yet (it becomes a kernel of its own, before this one).
  LPtr boundary(const NodePtr& n, Rule rule) {
    if (!ctx_.done(*n)) deps.push_back(Dep{n, rule_name(rule)});
    auto l = new_lnode(LNode::Kind::LOAD);
    l->dtype = n->dtype;
    l->shape = n->shape;
    l->base = n;
    l->view = View::contiguous(n->shape);
    return l;
  }

  LPtr lower(const NodePtr& n) {
    auto& memo = memo_[inside_reduce_];
    if (auto it = memo.find(n.get()); it != memo.end()) return it->second;
    LPtr l = lower_uncached(n);
    memo_[inside_reduce_][n.get()] = l;
    return l;
  }

  // The node rules decide (fusion_rules.hpp); a node they leave alone is a movement (the
  // movement rules decide in push), a constant, or an op lowered as its source is.
  LPtr lower_uncached(const NodePtr& n) {
    if (std::optional<Rule> rule = node_rule(*n, ctx_.done(*n), state())) {
      const Rule r = decided(*rule);
      if (ends_kernel(r) || r == Rule::realized_is_loaded) return boundary(n, r);  // (a done value: no dep)
      if (r == Rule::elementwise_fuses) return lower_elementwise(n);
      if (r == Rule::reduce_fuses || r == Rule::reduce_of_same_shape) return lower_reduce(n);
      if (r == Rule::gather_fuses) return lower_gather(n);
      TG_INTERNAL_ERROR("no lowering for fusion rule " + std::string(rule_name(r)));
    }
    if (is_movement(n->op)) return lower_movement(n);
    switch (n->op) {
      case Op::CONST: {
        auto l = new_lnode(LNode::Kind::CONST);
        l->dtype = n->dtype;
        l->view = View::contiguous({});
        l->fvalue = n->fvalue;
        l->ivalue = n->ivalue;
        l->var = ctx_.scalar_var(*n);
        return l;
      }
      case Op::DETACH: {
        LPtr l = lower(n->src[0]);
        if (stores_other_root(*n, *l, pending_, state(), root_shape_)) {
          decided(Rule::other_root_stored);
          also_store.emplace_back(n, l);
        }
        return l;
      }
      case Op::CONV:
      case Op::POW: return lower(n->src[0]);
      // the node rules decide every other op
      case Op::BUFFER: case Op::COPY: case Op::CONTIGUOUS: case Op::SCATTER_ADD: case Op::ARGSORT:
      case Op::REDUCE: case Op::GATHER:
      case Op::CAST: case Op::EXP2: case Op::LOG2: case Op::SIN: case Op::SQRT: case Op::RECIP: case Op::NEG:
      case Op::TRUNC: case Op::ADD: case Op::MUL: case Op::MAX: case Op::CMPLT: case Op::CMPNE: case Op::IDIV:
      case Op::MOD: case Op::AND: case Op::OR: case Op::XOR: case Op::SHL: case Op::SHR: case Op::WHERE:
      case Op::RESHAPE: case Op::PERMUTE: case Op::EXPAND: case Op::PAD: case Op::SHRINK: case Op::FLIP:
      case Op::WINDOW: break;
    }
    TG_INTERNAL_ERROR("cannot lower " + std::string(op_name(n->op)));
  }

  // elementwise-fuses
  LPtr lower_elementwise(const NodePtr& n) {
    auto l = new_lnode(LNode::Kind::ALU);
    l->op = n->op;
    l->dtype = n->dtype;
    l->shape = n->shape;
    for (auto& s : n->src) {
      l->src.push_back(lower(s));
      l->has_reduce |= l->src.back()->has_reduce;
    }
    return l;
  }

  // reduce-fuses, reduce-of-same-shape: the kernel's loop is this reduce's (tg.kir lets a
  // REDUCE's source hold REDUCEs of the same axes, computed first).
  LPtr lower_reduce(const NodePtr& n) {
    reduce = ReduceSig{n->src[0]->shape, n->dims};
    const bool outer = inside_reduce_;
    inside_reduce_ = true;
    LPtr s = lower(n->src[0]);
    inside_reduce_ = outer;
    auto l = new_lnode(LNode::Kind::REDUCE);
    l->dtype = n->dtype;
    l->shape = n->shape;
    l->src = {s};
    l->reduce_op = n->reduce_op;
    l->axes = n->dims;
    l->origin = n;
    l->has_reduce = true;
    return l;
  }

  // The movement rules decide in push; where they refuse, the source ends its own kernel (the
  // rule that refused names the boundary) and the movement views its memory.
  LPtr lower_movement(const NodePtr& n) {
    Checkpoint cp = checkpoint();
    LPtr s = lower(n->src[0]);
    if (auto p = push(s, *n)) return *p;
    const Rule why = refused_;
    rollback(cp);  // the source becomes its own kernel: forget what lowering it decided
    const NodePtr& src = n->src[0];
    if (n->op == Op::WINDOW && linear_masks_ && src->op == Op::PAD && !ctx_.done(*src)) {
      // window-of-padded-computed: the value is realized unpadded and the window views its
      // padding in place.
      if (auto p = push(boundary(src->src[0], Rule::window_of_padded_computed), *src))
        if (auto q = push(*p, *n)) {
          decided(Rule::window_of_padded_computed);
          return *q;
        }
      rollback(cp);
    }
    return *push(boundary(src, why), *n);  // a view of contiguous memory always works
  }

  // gather-fuses: the gather reads its table in place where the table lowers to a view of memory
  // whose masks leave the gathered axis whole (else gather-table-not-viewable). The index is
  // computed in the kernel (it is elementwise in the gather's space) unless it holds a reduce
  // (gather-index-with-reduce).
  LPtr lower_gather(const NodePtr& n) {
    const int64_t axis = n->dims[0];
    const auto a = static_cast<size_t>(axis);
    const NodePtr& table = n->src[0];
    Checkpoint cp = checkpoint();
    LPtr t = lower(table);
    if (!gather_table_in_place(*t, *n)) {
      rollback(cp);
      t = boundary(table, decided(Rule::gather_table_not_viewable));
    }
    cp = checkpoint();
    LPtr k = lower(n->src[1]);
    if (k->has_reduce) {
      rollback(cp);
      k = boundary(n->src[1], decided(Rule::gather_index_with_reduce));
    }
    auto l = new_lnode(LNode::Kind::GATHER);
    l->dtype = n->dtype;
    l->shape = n->shape;
    l->base = t->base;
    for (const OffsetTerm& term : t->terms) ctx_.guard_var(term.var);  // the whole offset stays in the view
    View v = t->view;
    l->gather_stride = v.strides[a];
    l->gather_bound = table->shape[a];
    v.shape[a] = n->shape[a];
    v.strides[a] = 0;
    if (!v.mask.empty()) v.mask[a] = {0, n->shape[a]};
    l->view = v;
    l->src = {k};
    return l;
  }

  // n's value over space_, a split of n's dims: elementwise ops are computed there directly; a
  // reshape whose source's dims space_ splits too is passed through (it only merged dims that
  // space_ keeps apart, which no single view of a broadcast value may be able to do); anything
  // else is lowered as usual and then split. nullopt when a split is not expressible.
  std::optional<LPtr> lower_in(const NodePtr& n) {
    const Dims& space = space_;
    if (n->shape == space) return lower(n);
    if (auto it = in_space_.find(n.get()); it != in_space_.end()) return it->second;
    std::optional<LPtr> out;
    if (!ctx_.done(*n) && is_elementwise(n->op)) {
      auto l = new_lnode(LNode::Kind::ALU);
      l->op = n->op;
      l->dtype = n->dtype;
      l->shape = space;
      bool ok = true;
      for (auto& c : n->src) {
        std::optional<LPtr> lc = c->shape == n->shape ? lower_in(c) : std::nullopt;
        if (!(ok = lc.has_value())) break;
        l->src.push_back(*lc);
        l->has_reduce |= (*lc)->has_reduce;
      }
      if (ok) out = l;
    } else if (!ctx_.done(*n) && n->op == Op::RESHAPE && common_split(space, n->src[0]->shape) == space) {
      out = lower_in(n->src[0]);
    } else {
      auto m = std::make_unique<Node>();
      m->op = Op::RESHAPE;
      m->dtype = n->dtype;
      m->shape = m->dims = space;
      out = push(lower(n), *m);
      splits_.push_back(std::move(m));
    }
    in_space_[n.get()] = out;
    return out;
  }

  // The lowered node `s` seen through movement `m`, as the movement rules decide; nullopt when
  // a rule ends the kernel there (refused_ names it: the first refusal, under s, on the way).
  std::optional<LPtr> push(const LPtr& s, const Node& m) {
    auto key = std::make_pair(s.get(), &m);
    if (auto it = pushed_.find(key); it != pushed_.end()) return it->second;
    const Rule rule = decided(movement_rule(*s, m, state()));
    std::optional<LPtr> out;
    refused_ = rule;
    switch (rule) {
      case Rule::movement_folds_into_view: out = s->kind == LNode::Kind::GATHER ? move_gather(s, m) : move_view(s, m); break;
      case Rule::squeeze_of_reduced: {  // the reduced value with size-1 dims added or dropped
        auto l = std::make_shared<LNode>(*s);
        l->shape = m.shape;
        out = l;
        break;
      }
      case Rule::nested_reduce_spreads:
        // a tg.kir REDUCE already has its value at every index of the reduced axes; a value
        // computed from it spreads its sources alike
        out = s->kind == LNode::Kind::REDUCE ? std::optional<LPtr>(s) : with_sources_moved(s, m);
        break;
      case Rule::pad_of_computed: out = pad_computed(s, m); break;
      case Rule::recomputed_scalar:
      case Rule::movement_through_elementwise: out = with_sources_moved(s, m); break;
      default: break;  // a rule that ends the kernel
    }
    if (out) pushed_[key] = *out;
    return out;
  }

  // movement-folds-into-view for a load or a constant (movement-not-viewable where no view is).
  std::optional<LPtr> move_view(const LPtr& s, const Node& m) {
    std::optional<View> v = apply_movement(s->view, m, linear_masks_);
    if (!v) {
      refused_ = decided(Rule::movement_not_viewable);
      return std::nullopt;
    }
    auto l = std::make_shared<LNode>(*s);
    l->view = *v;
    l->shape = m.shape;
    if (m.op == Op::SHRINK) shrink_terms(*s, m, *l);
    return l;
  }

  // movement-folds-into-view for a gather: its view and its index move alike (both are over the
  // gather's space).
  std::optional<LPtr> move_gather(const LPtr& s, const Node& m) {
    std::optional<View> v = apply_movement(s->view, m, linear_masks_);
    if (!v) {
      refused_ = decided(Rule::movement_not_viewable);
      return std::nullopt;
    }
    std::optional<LPtr> k = push(s->src[0], m);
    if (!k) return std::nullopt;
    if (m.op == Op::SHRINK)  // the starts stay in the view (program text)
      for (size_t d = 0; d < m.ranges.size(); d++)
        if (const int32_t var = ctx_.shrink_var(m, d); var >= 0) ctx_.guard_var(static_cast<uint32_t>(var));
    auto l = std::make_shared<LNode>(*s);
    l->view = *v;
    l->shape = m.shape;
    l->src = {*k};
    return l;
  }

  // A shrink's starts as launch values: on an unmasked LOAD each start times its (positive)
  // stride is a term of the launch offset. Where the view is masked, the shrink moves the mask
  // (program text): those starts are guarded, as are starts that walk backwards (a negative
  // stride, after a flip), whose offset could not start the param.
  void shrink_terms(const LNode& s, const Node& m, LNode& l) {
    const bool masked = !s.view.mask.empty() || !s.view.linear.empty();
    for (size_t d = 0; d < m.ranges.size(); d++) {
      const int32_t var = ctx_.shrink_var(m, d);
      if (var < 0) continue;
      const int64_t stride = s.view.strides[d];
      if (s.kind == LNode::Kind::CONST) {
        if (masked) ctx_.guard_var(static_cast<uint32_t>(var));
      } else if (masked || stride < 0) {
        ctx_.guard_var(static_cast<uint32_t>(var));
      } else if (stride > 0) {
        l.terms.push_back(OffsetTerm{static_cast<uint32_t>(var), stride});
      }
    }
  }

  // The computed value s padded by m (s has no reduce): s computed at the padded indices from
  // its sources padded alike (loads read 0 there), then WHERE(inside, that, 0), `inside` a
  // constant true through the pad's mask. The sources' values outside are never used, so
  // whatever s computes from zeros there (1/0, log 0) is harmless.
  std::optional<LPtr> pad_computed(const LPtr& s, const Node& m) {
    std::optional<LPtr> computed = with_sources_moved(s, m);
    if (!computed) return std::nullopt;
    auto inside = new_lnode(LNode::Kind::CONST);
    inside->dtype = DType::bool_;
    inside->shape = m.shape;
    inside->ivalue = 1;
    inside->view = View::contiguous(s->shape).pad(m.ranges);
    auto zero = new_lnode(LNode::Kind::CONST);
    zero->dtype = s->dtype;
    zero->shape = m.shape;
    zero->view = View::contiguous(m.shape);
    auto l = new_lnode(LNode::Kind::ALU);
    l->op = Op::WHERE;
    l->dtype = s->dtype;
    l->shape = m.shape;
    l->src = {inside, *computed, zero};
    return l;
  }

  // The elementwise s computed over m's space: each source seen through m.
  std::optional<LPtr> with_sources_moved(const LPtr& s, const Node& m) {
    auto l = std::make_shared<LNode>(*s);
    l->shape = m.shape;
    l->src.clear();
    for (auto& c : s->src) {
      auto pc = push(c, m);
      if (!pc) return std::nullopt;
      l->src.push_back(*pc);
    }
    return l;
  }
};

// Walks below stop after this many nodes per input.
constexpr int kMaxWalk = 256;

// A split of n's shape for its kernel to run in: from the first reshape under n, through
// unrealized elementwise ops, whose source's dims and n's have a common split finer than n's
// (a pooling gradient in (13, 2, 13, 2) reshaped to (26, 26) under the relu's gradient).
std::optional<Dims> finer_space(const ScheduleContext& ctx, const NodePtr& n) {
  std::vector<const Node*> stack{kernel_value(n).get()};
  std::unordered_set<const Node*> seen;
  for (int walked = 0; !stack.empty() && walked < kMaxWalk; ++walked) {
    const Node* x = stack.back();
    stack.pop_back();
    if (!seen.insert(x).second || ctx.done(*x)) continue;
    if (x->op == Op::RESHAPE) {
      std::optional<Dims> f = common_split(n->shape, x->src[0]->shape);
      if (f && *f != n->shape && f->size() <= TG_KIR_MAX_DIMS) return f;
    } else if (is_elementwise(x->op)) {
      for (const NodePtr& c : x->src) stack.push_back(c.get());
    }
  }
  return std::nullopt;
}

// Whether lowering in a finer space (deps `fine`) beats the plain lowering (deps `plain`): it
// computes a value the plain one would realize, and realizes only values the plain one's
// would realize on the way (under one of them).
bool finer_is_better(const ScheduleContext& ctx, const std::vector<Dep>& plain, const std::vector<Dep>& fine) {
  std::unordered_set<const Node*> in_fine;
  for (const Dep& d : fine) in_fine.insert(d.node.get());
  bool saves = false;
  for (const Dep& d : plain) saves |= !in_fine.count(d.node.get());
  if (!saves) return false;
  std::unordered_set<const Node*> under_plain;
  std::vector<const Node*> stack;
  for (const Dep& d : plain) stack.push_back(d.node.get());
  for (int walked = 0; !stack.empty() && walked < kMaxWalk * 4; ++walked) {
    const Node* x = stack.back();
    stack.pop_back();
    if (!under_plain.insert(x).second || ctx.done(*x)) continue;
    for (const NodePtr& c : x->src) stack.push_back(c.get());
  }
  for (const Dep& d : fine)
    if (!under_plain.count(d.node.get())) return false;
  return true;
}

// The kernel under n, lowered: in n's own space, or in a finer one where that computes more of
// n in this kernel (finer_space, finer_is_better). In a finer space the kernel stores nothing
// else (no also_store: those values are in n's space).
std::pair<KernelBuilder, LPtr> lower_kernel_in(ScheduleContext& ctx, const NodePtr& n, bool linear_masks,
                                               const std::unordered_set<const Node*>* pending) {
  KernelBuilder kb(ctx, linear_masks, pending);
  LPtr root = kb.lower_root(n);
  if (kb.deps.empty() || kb.reduce) return {std::move(kb), root};
  if (std::optional<Dims> space = finer_space(ctx, n)) {
    KernelBuilder fine(ctx, linear_masks, nullptr, *space);
    if (LPtr r = fine.lower_root(n); r && finer_is_better(ctx, kb.deps, fine.deps)) {
      decided(Rule::finer_space);
      return {std::move(fine), r};
    }
  }
  return {std::move(kb), root};
}

}  // namespace

LoweredKernel lower_kernel(ScheduleContext& ctx, const NodePtr& n, bool linear_masks,
                           const std::unordered_set<const Node*>* pending) {
  auto [kb, root] = lower_kernel_in(ctx, n, linear_masks, pending);
  return LoweredKernel{std::move(kb.deps), std::move(kb.reduce), std::move(kb.also_store), std::move(root), nullptr};
}

LoweredKernel lower_scatter_adds(ScheduleContext& ctx, const NodePtr& value, const NodePtr& idx, bool linear_masks) {
  KernelBuilder kb(ctx, linear_masks, nullptr);
  auto [v, i] = kb.lower_scatter(value, idx);
  return LoweredKernel{std::move(kb.deps), std::nullopt, {}, std::move(v), std::move(i)};
}

// Which of a kernel's missing inputs to realize first: one that computes another on the way,
// if any (softmax's sum of exponentials holds its max: realized first, its kernel computes the
// max too, as a nested reduce, and stores it, instead of a pass over x for the max alone); else
// the first. The walk stops at realized nodes and after kMaxWalk nodes per input.
const Dep& first_to_realize(const ScheduleContext& ctx, const std::vector<Dep>& deps) {
  if (deps.size() < 2) return deps.front();
  std::unordered_set<const Node*> wanted;
  for (const Dep& d : deps) wanted.insert(d.node.get());
  for (const Dep& d : deps) {
    std::vector<const Node*> stack;
    std::unordered_set<const Node*> seen{d.node.get()};
    for (const NodePtr& s : d.node->src) stack.push_back(s.get());
    int walked = 0;
    while (!stack.empty() && walked++ < kMaxWalk) {
      const Node* x = stack.back();
      stack.pop_back();
      if (!seen.insert(x).second || ctx.done(*x)) continue;
      if (wanted.count(x)) return d;
      for (const NodePtr& s : x->src) stack.push_back(s.get());
    }
  }
  return deps.front();
}


}  // namespace tg::detail
