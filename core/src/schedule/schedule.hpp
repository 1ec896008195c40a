#pragma once
// Realizing nodes (realize.cpp): build a schedule of kernels and steps, compile it, run it.
#include <vector>

#include "graph/node.hpp"

namespace tg::detail {

// Computes every node in roots (and what they need) into device buffers.
void realize(const std::vector<NodePtr>& roots);
inline void realize(const NodePtr& n) { realize(std::vector<NodePtr>{n}); }
// An ARGSORT node's step, its source realized: a fresh buffer and the device's sort_rows
// (run_schedule.cpp).
void sort_into(Node& n);

}  // namespace tg::detail
