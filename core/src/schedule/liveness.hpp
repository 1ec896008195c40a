#pragma once
// Which buffers one realize() may let go before it returns. A training step realizes every
// gradient at once; without this, each intermediate of the backward pass (the gradient of every
// activation, the im2col patches' gradient, ...) keeps its buffer until the whole step is done,
// because the node that consumed it still points at it. Here a buffer is released as soon as the
// last kernel of this realize that reads it has run, when it is
//   - computed by this realize (not an input it was given),
//   - not a root, and
//   - not reachable from anything outside this graph (a tensor handle, another graph) except
//     through a DETACH root (whose sources are dropped when realize ends).
// Releasing is always safe for values: the node keeps its sources, so anyone who needs it later
// recomputes it (buffers are never written in place). The reachability rule only avoids that
// recomputation.
#include <cstdint>
#include <functional>
#include <vector>

#include "graph/node.hpp"
#include "graph/node_index.hpp"

namespace tg::detail {

class Liveness {
 public:
  // order: the nodes a realize may compute and its realized inputs (the schedule cache's walk);
  // position: index of each in order.
  Liveness(const std::vector<NodePtr>& roots, const std::vector<Node*>& order,
           const NodeIndex& position);
  // The position's buffer may be released once nothing pending reads it.
  bool releasable(uint32_t pos) const { return releasable_[pos] != 0; }
  // The releasable positions whose nodes are computed (`done`: realized, or by an item
  // scheduled so far) and that no item still to come reads: a schedule lets them go at this
  // point (a RELEASE item). Each position is returned once.
  std::vector<uint32_t> dead(const std::function<bool(const Node&)>& done);

 private:
  const std::vector<Node*>& order_;
  const NodeIndex& position_;
  std::vector<uint32_t> roots_;     // positions
  std::vector<char> releasable_;    // per position
  std::vector<uint32_t> waiting_;   // releasable positions not released yet
};

}  // namespace tg::detail
