#pragma once
// The schedule cache (tinygrad's TinyJit idea, applied to every realize): realize() records the
// kernels, copies and aliases it performed, keyed by the exact structure of the graph it
// realized (ops, dtypes, shapes, args, and where the already-realized inputs sit). The next
// realize of a graph with the same structure — the next training step, with new data, a new
// batch window or a new learning rate — replays the recording with that graph's launch values
// (launch_values.hpp): no lowering, no program building, no cache lookups.
#include <functional>
#include <string>
#include <vector>

#include "graph/node.hpp"
#include "schedule/launch_values.hpp"

struct tg_kir_scalar;

struct tg_executable;

namespace tg::detail {

class Device;

// Called by the scheduler while it realizes a graph, so the recording can be replayed.
// param_terms: each param's offset in its buffer (elements) as launch values times
// coefficients; elem_bytes: its element size; scalar_vars: the launch value of each scalar arg.
void record_kernel(Device& dev, tg_executable* exe, const std::string& name, const std::vector<NodePtr>& params,
                   const std::vector<bool>& written, const std::vector<std::vector<OffsetTerm>>& param_terms,
                   const std::vector<uint32_t>& scalar_vars);
void record_copy(const Node& n);
void record_sort(const Node& n);  // an ARGSORT's step (schedule.hpp sort_into)
void record_alias(const Node& dst, const Node& src);
void record_uncacheable();  // what happened cannot be replayed (e.g. a device fallback)
// Drops every recording (and the one being made): a program they launch was freed.
void forget_recordings();

// Realizes roots: by replaying a recording of the same structure, or by running realize_now
// (and recording it).
void realize_with_cache(const std::vector<NodePtr>& roots, const std::function<void()>& realize_now);

}  // namespace tg::detail
