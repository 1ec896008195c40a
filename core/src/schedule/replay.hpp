#pragma once
// The schedule cache (tinygrad's TinyJit idea, applied to every realize): realize() records the
// kernels, copies and aliases it performed, keyed by the exact structure of the graph it
// realized (ops, dtypes, shapes, args, and where the already-realized inputs sit). The next
// realize of a graph with the same structure — the next training step, with new data —
// replays the recording: no lowering, no program building, no cache lookups.
#include <functional>
#include <string>
#include <vector>

#include "graph/node.hpp"

struct tg_executable;

namespace tg::detail {

class Device;

// Called by the scheduler while it realizes a graph, so the recording can be replayed.
void record_kernel(Device& dev, tg_executable* exe, const std::string& name, const std::vector<NodePtr>& params,
                   const std::vector<bool>& written);
void record_copy(const Node& n);
void record_alias(const Node& dst, const Node& src);
void record_uncacheable();  // what happened cannot be replayed (e.g. a device fallback)

// Realizes roots: by replaying a recording of the same structure, or by running realize_now
// (and recording it).
void realize_with_cache(const std::vector<NodePtr>& roots, const std::function<void()>& realize_now);

}  // namespace tg::detail
