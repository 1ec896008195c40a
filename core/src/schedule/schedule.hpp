#pragma once
// Realizing nodes: split the graph into kernels, compile (cached) and launch them.
#include <vector>

#include "graph/node.hpp"

namespace tg::detail {

// Computes every node in roots (and what they need) into device buffers.
void realize(const std::vector<NodePtr>& roots);
inline void realize(const NodePtr& n) { realize(std::vector<NodePtr>{n}); }

}  // namespace tg::detail
