#pragma once
// The fusion rules: every decision the scheduler makes about where a kernel ends, one row each,
// with its name and its reason (read as tinygrad's PatternMatcher or Halide's lowering passes
// are: one rule, one name, one reason). KernelBuilder (schedule.cpp) asks the rules of a group
// in the table's order, through the matchers of fusion_rules.cpp; the first that holds decides:
//  - fuse: the value is computed (or read in place) in the kernel being built;
//  - end_kernel: the value is realized first, as a kernel (or step) of its own, and this kernel
//    loads it. The rule's name is the dep's reason (TG_DEBUG=4 prints it at the boundary).
// tests/core/test_fusion_rules.cpp proves each rule with a graph it decides, its kernel count and
// its values; a new row needs a test there.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "graph/node.hpp"

namespace tg::detail {

enum class Decision : uint8_t { fuse, end_kernel };

// What the rule is asked about: a graph node being lowered, a movement of a lowered value, or
// the whole kernel.
enum class RuleGroup : uint8_t { node, movement, kernel };

enum class Rule : uint8_t {
  // node: the graph node n, lowered into the kernel
  realized_is_loaded,
  copy,
  contiguous,
  scatter,
  sort,
  elementwise_fuses,
  reduce_in_scatter,
  reduce_of_other_shape,
  reduce_of_same_shape,
  reduce_fuses,
  gather_in_reduce,
  gather_fuses,
  gather_table_not_viewable,
  gather_index_with_reduce,
  other_root_stored,
  // movement: movement m of a lowered value s
  movement_folds_into_view,
  movement_not_viewable,
  squeeze_of_reduced,
  nested_reduce_spreads,
  movement_of_reduced,
  window_of_computed,
  window_of_padded_computed,
  recomputed_scalar,
  broadcast_of_computed,
  pad_of_computed,
  movement_through_elementwise,
  // kernel: the kernel as a whole
  finer_space,
};

struct FusionRule {
  Rule rule;
  RuleGroup group;
  std::string_view name;
  Decision decision;
  std::string_view reason;
};

namespace rule_table {
using D = Decision;
using G = RuleGroup;
inline constexpr std::array kFusionRules{
    // --- a graph node n, in the order lower() asks ---
    FusionRule{Rule::realized_is_loaded, G::node, "realized-is-loaded", D::fuse,
               "a value already in memory is read in place by the kernel, never computed again"},
    FusionRule{Rule::copy, G::node, "copy", D::end_kernel,
               "a COPY moves a realized value between devices: the host copies it, no kernel computes it"},
    FusionRule{Rule::contiguous, G::node, "contiguous", D::end_kernel,
               "CONTIGUOUS asks for the value in memory of its own, so its kernel ends there"},
    FusionRule{Rule::scatter, G::node, "scatter", D::end_kernel,
               "a SCATTER_ADD is two kernels of its own (its start value, then the adds at the indices)"},
    FusionRule{Rule::sort, G::node, "sort", D::end_kernel,
               "an ARGSORT is a device sort step of its own (sort_rows), not a kernel"},
    FusionRule{Rule::elementwise_fuses, G::node, "elementwise-fuses", D::fuse,
               "an elementwise op is computed at each index of the kernel from its sources, no buffer between"},
    FusionRule{Rule::reduce_in_scatter, G::node, "reduce-in-scatter", D::end_kernel,
               "a scatter's adding kernel has no reduce (tg.kir's SCATTER_ADD program), so reduces under "
               "its values are realized first"},
    FusionRule{Rule::reduce_of_other_shape, G::node, "reduce-of-other-shape", D::end_kernel,
               "a kernel has one reduce loop: a reduce over other axes or another shape is its own kernel"},
    FusionRule{Rule::reduce_of_same_shape, G::node, "reduce-of-same-shape", D::fuse,
               "a reduce over the same axes of the same shape shares the kernel's loop; inside the other's "
               "source it nests, computed first (softmax's max in its sum, layernorm's mean)"},
    FusionRule{Rule::reduce_fuses, G::node, "reduce-fuses", D::fuse,
               "the kernel's first reduce is its loop: what it reduces is computed in the loop, what follows "
               "after it"},
    FusionRule{Rule::gather_in_reduce, G::node, "gather-in-reduce", D::end_kernel,
               "inside a reduce's source a gather is realized first, so a matmul of gathered rows stays the "
               "plain REDUCE(MUL(LOAD, LOAD)) a device runs as a GEMM"},
    FusionRule{Rule::gather_fuses, G::node, "gather-fuses", D::fuse,
               "a gather reads its table at indices computed in the kernel"},
    FusionRule{Rule::gather_table_not_viewable, G::node, "gather-table-not-viewable", D::end_kernel,
               "a gather's table that is computed, or whose view masks the gathered axis, is realized first"},
    FusionRule{Rule::gather_index_with_reduce, G::node, "gather-index-with-reduce", D::end_kernel,
               "a gather's index that holds a reduce is realized first (the gather is not a reduce's loop)"},
    FusionRule{Rule::other_root_stored, G::node, "other-root-stored", D::fuse,
               "another root of the same realize computed elementwise over the kernel's space is stored by "
               "the kernel too, not computed by one of its own (an optimizer's moments under the parameter)"},
    // --- a movement m of a lowered value s, in the order push() asks ---
    FusionRule{Rule::movement_folds_into_view, G::movement, "movement-folds-into-view", D::fuse,
               "a movement of a load, a constant or a gather changes only the view it is read through"},
    FusionRule{Rule::movement_not_viewable, G::movement, "movement-not-viewable", D::end_kernel,
               "a movement no single view of the memory expresses (a reshape across a permute's strides, a "
               "window of a mask without linear masks) reads the source realized contiguous"},
    FusionRule{Rule::squeeze_of_reduced, G::movement, "squeeze-of-reduced", D::fuse,
               "a reshape that only adds or drops size-1 dims of a reduced value is the same value, so what "
               "follows still fuses after the reduce"},
    FusionRule{Rule::nested_reduce_spreads, G::movement, "nested-reduce-spreads", D::fuse,
               "a nested reduce's value spread back over the outer reduce's axes (softmax's x - max) is "
               "already there at every index of them"},
    FusionRule{Rule::movement_of_reduced, G::movement, "movement-of-reduced", D::end_kernel,
               "any other movement of a reduced value needs it at indices the reduce's loop does not give: "
               "the reduce is realized first"},
    FusionRule{Rule::window_of_computed, G::movement, "window-of-computed", D::end_kernel,
               "a window repeats elements (as a broadcast does): a computed value is computed once, then "
               "viewed, not computed again in every window"},
    FusionRule{Rule::window_of_padded_computed, G::movement, "window-of-padded-computed", D::end_kernel,
               "a window of a padded computed value, on a device with linear masks, realizes the value "
               "unpadded and views its padding in place (no padded copy)"},
    FusionRule{Rule::recomputed_scalar, G::movement, "recomputed-scalar", D::fuse,
               "a broadcast one-element value of a few elementwise ops (Adam's bias correction) is computed "
               "again at every element: cheaper than a launch and a buffer"},
    FusionRule{Rule::broadcast_of_computed, G::movement, "broadcast-of-computed", D::end_kernel,
               "a broadcasting expand of any other computed value is realized first, so each element is "
               "computed once"},
    FusionRule{Rule::pad_of_computed, G::movement, "pad-of-computed", D::fuse,
               "a pad of a computed value is the value computed at the padded indices, 0 outside: "
               "relu(x).pad(...) is one kernel, not a relu and a copy"},
    FusionRule{Rule::movement_through_elementwise, G::movement, "movement-through-elementwise", D::fuse,
               "any other movement of an elementwise value is pushed through it to its sources"},
    // --- the kernel as a whole (its matcher: finer_space and finer_is_better, schedule.cpp) ---
    FusionRule{Rule::finer_space, G::kernel, "finer-space", D::fuse,
               "an elementwise kernel whose value passes through a reshape that merges dims no view could "
               "merge runs in the finer space that splits them, computing the value instead of realizing it"},
};
}  // namespace rule_table
using rule_table::kFusionRules;

constexpr size_t kRuleCount = kFusionRules.size();

constexpr const FusionRule& fusion_rule(Rule r) { return kFusionRules[static_cast<size_t>(r)]; }
constexpr bool ends_kernel(Rule r) { return fusion_rule(r).decision == Decision::end_kernel; }
constexpr const char* rule_name(Rule r) { return fusion_rule(r).name.data(); }

// Each row sits at its Rule's index, and names are unique.
constexpr bool rows_in_order() {
  for (size_t i = 0; i < kRuleCount; ++i) {
    if (static_cast<size_t>(kFusionRules[i].rule) != i) return false;
    for (size_t j = 0; j < i; ++j)
      if (kFusionRules[i].name == kFusionRules[j].name) return false;
  }
  return true;
}
static_assert(rows_in_order(), "kFusionRules: one row per Rule, in the enum's order, each name once");

// --- the matchers: which rule of a group holds, asked in the table's order (fusion_rules.cpp) ---
struct LNode;
struct ReduceSig;

// What the kernel being built has decided so far, as the rules need it.
struct KernelState {
  bool inside_reduce = false;                  // lowering a reduce's source
  bool no_reduce = false;                      // a scatter's adding kernel: every reduce on its own
  const std::optional<ReduceSig>* reduce = nullptr;  // the kernel's reduce, if it has one yet
};

// The node rule for n (done: n's value is in memory already, or will be when this kernel runs),
// or nullopt for a node the node rules leave alone: a movement (the movement rules decide it),
// a constant, DETACH, and the CONV and POW markers (lowered as their source is).
std::optional<Rule> node_rule(const Node& n, bool done, const KernelState& k);
// Whether a gather's table, lowered to t, is read in place: a load whose masks leave the
// gathered axis whole (else gather-table-not-viewable).
bool gather_table_in_place(const LNode& t, const Node& gather);
// other-root-stored: n (a DETACH another root of this realize holds, lowered to l) is stored by
// the kernel too.
bool stores_other_root(const Node& n, const LNode& l, const std::unordered_set<const Node*>* pending,
                       const KernelState& k, const Dims& root_shape);
// The movement rule for m over s. For a load, a constant or a gather it is
// movement-folds-into-view; the view may still refuse it (movement-not-viewable).
Rule movement_rule(const LNode& s, const Node& m, const KernelState& k);

// How often each rule decided since the last reset (every lowering counts, the first run of a
// schedule only: a replay lowers nothing). The tests prove each rule with them.
uint64_t fusion_rule_count(Rule r);
void reset_fusion_rule_counts();
// Counts r's decision and returns it (the builder says `boundary(n, decided(Rule::x))`).
Rule decided(Rule r);

}  // namespace tg::detail
