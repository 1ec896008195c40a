#pragma once
// What building one realize()'s schedule reads and decides besides the graph itself, kept in
// one object per call (threads realize their own graphs at once; nothing here is global):
//   - the graph walk of the schedule cache (replay.cpp): the nodes in a fixed order, which are
//     the positions schedule items name, and the launch values (launch_values.hpp) numbered in
//     that order;
//   - which nodes count as computed: realized before the call, or computed by an item already
//     in the schedule (nothing runs while the schedule is built);
//   - the launch values the schedule's programs bake into their text (guards: the cached
//     schedule then serves only graphs with those values).
#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "graph/node.hpp"
#include "graph/node_index.hpp"
#include "schedule/launch_values.hpp"

namespace tg::detail {

struct LaunchValue {
  int64_t i = 0;  // a shrink's start
  double f = 0;   // a float constant
};

// The graph being realized: its unrealized nodes and realized inputs, in a fixed order, and
// its launch values, numbered in that order.
struct Graph {
  std::vector<Node*> order;
  NodeIndex position;
  std::string key;
  std::vector<LaunchValue> values;
  std::vector<std::pair<const Node*, uint32_t>> first_value;  // node -> its first launch value
  uint32_t deepest = 0;  // unrealized ops on the longest path down from a root (realize_deep_slices)
};

class ScheduleContext {
 public:
  explicit ScheduleContext(Graph& g) : graph_(g) {}

  // Whether n's value is there for a kernel to load when the schedule runs this far.
  bool done(const Node& n) const { return n.realized() || scheduled_.count(&n) != 0; }
  void mark_done(const Node& n) { scheduled_.insert(&n); }

  // n's position in the graph. A node outside the walk (none is expected) is added to it and
  // makes the schedule one the cache does not keep (`outside_walk`).
  uint32_t position(const Node& n);
  bool outside_walk() const { return outside_walk_; }

  // The launch value of dim d's start of SHRINK node m, or of CONST node c; -1 when none (c is
  // a literal).
  int32_t shrink_var(const Node& m, size_t d) const;
  int32_t scalar_var(const Node& c) const;
  int64_t var_int(uint32_t var) const { return graph_.values[var].i; }
  double var_float(uint32_t var) const { return graph_.values[var].f; }
  // The program being built bakes var's current value into its text.
  void guard_var(uint32_t var);
  const std::vector<std::pair<uint32_t, LaunchValue>>& guards() const { return guards_; }

  Graph& graph() { return graph_; }

 private:
  Graph& graph_;
  std::unordered_set<const Node*> scheduled_;
  std::vector<std::pair<uint32_t, LaunchValue>> guards_;
  bool outside_walk_ = false;
};

}  // namespace tg::detail
