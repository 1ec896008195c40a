// The matchers of the fusion rules (fusion_rules.hpp): for each group, the rules asked in the
// table's order, one line each; the first that holds decides.
#include "schedule/fusion_rules.hpp"

#include <algorithm>
#include <atomic>

#include "schedule/lowered.hpp"

namespace tg::detail {
namespace {

std::atomic<uint64_t> g_counts[kRuleCount];

// A reshape that only adds or drops size-1 dims: after a reduce, to_kir states it in the
// reduce's output space, so the elementwise ops after it still fuse.
bool squeeze_only(const Dims& from, const Node& m) {
  if (m.op != Op::RESHAPE) return false;
  Dims a, b;
  for (int64_t d : from)
    if (d != 1) a.push_back(d);
  for (int64_t d : m.shape)
    if (d != 1) b.push_back(d);
  return a == b;
}

bool broadcasts(const Node& m) { return m.op == Op::EXPAND && m.src[0]->shape != m.dims; }

// Whether m broadcasts a value of shape `from` in the output space of reduce `sig` back over
// exactly the reduced axes, to the shape of the reduce's source (x - x.max(axis, true) inside
// another reduce over that axis).
bool spreads_over_reduced_axes(const Dims& from, const Node& m, const ReduceSig& sig) {
  if (m.op != Op::EXPAND || m.shape != sig.input_shape || from.size() != m.shape.size()) return false;
  for (size_t d = 0; d < m.shape.size(); ++d) {
    const bool reduced = std::find(sig.axes.begin(), sig.axes.end(), static_cast<int64_t>(d)) != sig.axes.end();
    if (reduced ? from[d] != 1 : from[d] != m.shape[d]) return false;
  }
  return true;
}

// nested-reduce-spreads: s holds a nested reduce and m spreads it back over the outer reduce's
// axes, inside that reduce's source.
bool spreads_nested_reduce(const LNode& s, const Node& m, const KernelState& k) {
  return s.has_reduce && k.inside_reduce && k.reduce && *k.reduce &&
         spreads_over_reduced_axes(s.shape, m, **k.reduce);
}

// Lowered nodes in the subtree under l, at most `limit` + 1 counted.
int subtree_size(const LNode& l, int limit) {
  int n = 1;
  for (auto& c : l.src) {
    if (n > limit) break;
    n += subtree_size(*c, limit - n);
  }
  return n;
}

// recomputed-scalar: s is one element computed elementwise from loads and constants, in at most
// kRecomputedScalarOps ops (a C compiler hoists them out of the kernel's loop).
constexpr int kRecomputedScalarOps = 16;
bool recomputable_scalar(const LNode& s) {
  for (int64_t d : s.shape)
    if (d != 1) return false;
  return !s.has_reduce && subtree_size(s, kRecomputedScalarOps) <= kRecomputedScalarOps;
}

}  // namespace

Rule decided(Rule r) {
  g_counts[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  return r;
}

uint64_t fusion_rule_count(Rule r) { return g_counts[static_cast<size_t>(r)].load(std::memory_order_relaxed); }

void reset_fusion_rule_counts() {
  for (auto& c : g_counts) c.store(0, std::memory_order_relaxed);
}

std::optional<Rule> node_rule(const Node& n, bool done, const KernelState& k) {
  if (done) return Rule::realized_is_loaded;
  switch (n.op) {
    case Op::BUFFER: return Rule::realized_is_loaded;  // (a buffer is always realized)
    case Op::COPY: return Rule::copy;
    case Op::CONTIGUOUS: return Rule::contiguous;
    case Op::SCATTER_ADD: return Rule::scatter;
    case Op::ARGSORT: return Rule::sort;
    case Op::CAST: case Op::EXP2: case Op::LOG2: case Op::SIN: case Op::SQRT: case Op::RECIP: case Op::NEG:
    case Op::TRUNC: case Op::ADD: case Op::MUL: case Op::MAX: case Op::CMPLT: case Op::CMPNE: case Op::IDIV:
    case Op::MOD: case Op::AND: case Op::OR: case Op::XOR: case Op::SHL: case Op::SHR: case Op::WHERE:
      return Rule::elementwise_fuses;
    case Op::REDUCE: {
      if (k.no_reduce) return Rule::reduce_in_scatter;
      const ReduceSig sig{n.src[0]->shape, n.dims};
      const bool has_reduce = k.reduce && k.reduce->has_value();
      if (has_reduce && !(**k.reduce == sig)) return Rule::reduce_of_other_shape;
      if (has_reduce) return Rule::reduce_of_same_shape;
      return Rule::reduce_fuses;
    }
    case Op::GATHER: return k.inside_reduce ? Rule::gather_in_reduce : Rule::gather_fuses;
    // movement ops are asked the movement rules (movement_rule) once their source is lowered
    case Op::RESHAPE: case Op::PERMUTE: case Op::EXPAND: case Op::PAD: case Op::SHRINK: case Op::FLIP:
    case Op::WINDOW:
    case Op::CONST: case Op::DETACH: case Op::CONV: case Op::POW: break;
  }
  return std::nullopt;
}

bool gather_table_in_place(const LNode& t, const Node& gather) {
  const auto a = static_cast<size_t>(gather.dims[0]);
  const Node& table = *gather.src[0];
  if (t.kind != LNode::Kind::LOAD) return false;
  if (!t.view.mask.empty() && t.view.mask[a] != std::make_pair(int64_t{0}, table.shape[a])) return false;
  for (const LinearMask& m : t.view.linear)
    if (m.coeffs[a] != 0) return false;
  return true;
}

// The value stays in the root's own index space when the shapes match, however the root views
// n; a plain load stays a view of its memory, as it would be realized alone; a reduce's source
// is not the kernel's space.
bool stores_other_root(const Node& n, const LNode& l, const std::unordered_set<const Node*>* pending,
                       const KernelState& k, const Dims& root_shape) {
  return pending && pending->count(&n) && !k.inside_reduce && l.kind == LNode::Kind::ALU && n.shape == root_shape;
}

Rule movement_rule(const LNode& s, const Node& m, const KernelState& k) {
  switch (s.kind) {
    case LNode::Kind::LOAD:
    case LNode::Kind::CONST: return Rule::movement_folds_into_view;
    case LNode::Kind::GATHER:  // (its view and index move alike: both are over the gather's space)
      return m.op == Op::WINDOW ? Rule::window_of_computed : Rule::movement_folds_into_view;
    case LNode::Kind::REDUCE:
      if (squeeze_only(s.shape, m)) return Rule::squeeze_of_reduced;
      if (spreads_nested_reduce(s, m, k)) return Rule::nested_reduce_spreads;
      return Rule::movement_of_reduced;
    case LNode::Kind::ALU:
      if (spreads_nested_reduce(s, m, k)) return Rule::nested_reduce_spreads;
      if (s.has_reduce && !squeeze_only(s.shape, m)) return Rule::movement_of_reduced;
      if (m.op == Op::WINDOW) return Rule::window_of_computed;
      if (broadcasts(m) && recomputable_scalar(s)) return Rule::recomputed_scalar;
      if (broadcasts(m)) return Rule::broadcast_of_computed;
      if (m.op == Op::PAD) return Rule::pad_of_computed;
      return Rule::movement_through_elementwise;
  }
  return Rule::movement_of_reduced;  // (unreachable: every kind is listed)
}

}  // namespace tg::detail
