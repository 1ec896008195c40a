#pragma once
// Whether a matmul's left operand can fold its leading (batch) dims into its rows for free.
#include "graph/node.hpp"
#include "graph/view.hpp"

namespace tg::detail {

// Whether x (a lazy value) reshapes to `shape` without a copy: the view that x's movement ops
// make of the value under them (a realized buffer or a kernel's output, both row-major) is
// one view in `shape` too. Conservative: false where unsure (a sliding window).
bool reshapes_freely(const NodePtr& x, const Dims& shape);

}  // namespace tg::detail
